/* Small helpers shared by every module: error messages, cleanup attributes,
 * checked string copies, atomic file writes. */
#ifndef NETD_UTIL_H
#define NETD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

/* One error message travelling up the stack to the place that prints it. */
struct nerr {
	char msg[1024];
};

/* Record a message in e (replacing what it held) and evaluate to r, a
 * negative errno, so that callers write `return nerr_set(e, -EINVAL, ...)`.
 * r is evaluated once, before the message's arguments, so -errno is the
 * errno of the failed call. Macros, so that static analysers see the error
 * value flow on the error path. e may be NULL. */
#define nerr_set(e, r, ...)                                                                        \
	({                                                                                         \
		int _nr = (r);                                                                     \
		nerr_set_((e), __VA_ARGS__);                                                       \
		_nr;                                                                               \
	})
/* Put context in front of the message e holds: "context: old". */
#define nerr_wrap(e, r, ...)                                                                       \
	({                                                                                         \
		int _nr = (r);                                                                     \
		nerr_wrap_((e), __VA_ARGS__);                                                      \
		_nr;                                                                               \
	})
/* Add to the end of the message e holds: "old; more" (the caller writes
 * the separator). */
#define nerr_append(e, r, ...)                                                                     \
	({                                                                                         \
		int _nr = (r);                                                                     \
		nerr_append_((e), __VA_ARGS__);                                                    \
		_nr;                                                                               \
	})
void nerr_set_(struct nerr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nerr_wrap_(struct nerr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nerr_append_(struct nerr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one escaper for untrusted bytes on their way to a message (every
 * nerr_* message, libxml2's messages through them, the CLI's echo of its
 * arguments, status text quoting files). Well-formed, printable UTF-8
 * passes unchanged, and so does a backslash; the rest is escaped:
 *   \n \t \r                 newline, tab, carriage return
 *   \xHH                    any other C0 control, DEL, and each byte that
 *                           is not part of well-formed UTF-8 (RFC 3629:
 *                           overlong forms, surrogates, > U+10FFFF,
 *                           truncated sequences, stray continuations)
 *   \u{H...}                C1 controls U+0080-U+009F, bidi formatting
 *                           U+061C U+200E U+200F U+202A-U+202E
 *                           U+2066-U+2069, separators U+2028 U+2029
 * (lower-case hex). The output is valid UTF-8 without a control character
 * or a character that reorders a line. A backslash is not doubled, so
 * escaping twice changes nothing: escaped values may be quoted in other
 * messages freely. The cut, when dst is too small, is at a whole escape or
 * character. Returns the length the whole output needs (>= size: cut). */
size_t nd_escape(char *dst, size_t size, const char *src);
/* nd_escape() of s written to f, uncut; EOF on a write error. */
int nd_fputs_esc(const char *s, FILE *f);

/* strlcpy semantics: returns strlen(src); truncation when >= size. */
size_t nd_strlcpy(char *dst, const char *src, size_t size);
/* snprintf into a fixed buffer; -ENAMETOOLONG on truncation. */
int nd_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A JSON string of s. JSON text is UTF-8: a byte that is not part of valid
 * UTF-8 (a value quoted from a file, say) becomes U+FFFD rather than
 * making the document invalid. NULL only when out of memory. */
json_t *nd_json_string(const char *s);
/* Write one JSON document and a newline on f (stdout of --json). Write
 * errors stay in ferror(f), which the CLI checks once for every command. */
void nd_json_print(FILE *f, const json_t *doc);

/* Write 'len' bytes to 'path' atomically: temp file in the same directory,
 * fsync, rename, fsync of the directory. */
int nd_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* The same, giving the file an owner and group ((uid_t)-1 / (gid_t)-1 keep
 * the creator's) before it appears under its name. */
int nd_write_atomic_owned(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
			  gid_t gid);
/* The same, with prep(fd, arg) run on the temporary file after its owner
 * and mode are set and before it is renamed into place (to set extended
 * attributes such as a POSIX ACL); its negative errno ends the write. */
int nd_write_atomic_prep(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
			 gid_t gid, int (*prep)(int fd, void *arg), void *arg);
/* write() all of it, retrying on EINTR and short writes. */
int nd_write_all(int fd, const void *data, size_t len);
/* Read a whole regular file (NUL terminated), at most 'max' bytes: a
 * larger one is -EFBIG, read no further than max + 1 bytes. The file is
 * opened O_NONBLOCK (a FIFO cannot stall netd, holding its lock) and
 * anything but a regular file is refused: -EISDIR for a directory,
 * -ND_ENOTREG for a FIFO, socket or device (nd_strerror() names it). */
int nd_read_file_max(const char *path, size_t max, char **data, size_t *len);
/* The same from an open file (which must be a regular one). */
int nd_read_fd_max(int fd, size_t max, char **data, size_t *len);
/* The account name of uid into buf, or "uid N" when it has none (or
 * the name does not fit); returns buf. */
const char *nd_user_name(uid_t uid, char *buf, size_t len);
/* s without the blanks (space, tab, CR) at both ends, in place. */
char *nd_trim(char *s);
/* The "KEY = VALUE" lines of a settings file (netd.conf, delegation.conf):
 * blank lines and '#' comments skipped, each other line split at its
 * first '=' and trimmed, fn called with the key, the value (which it may
 * change), the line's number and arg; its error ends the parse. A line of
 * line_max bytes or more (at most 4096) or without '=' is an error naming
 * FILE:LINE. */
int nd_conf_parse(const char *text, const char *file, size_t line_max,
		  int (*fn)(const char *key, char *val, unsigned no, void *arg, struct nerr *e),
		  void *arg, struct nerr *e);
/* nd_read_file_max() with ND_READ_MAX, for the files netd reads that have
 * no tighter limit of their own (runtime records, leases, /proc). */
#define ND_READ_MAX ((size_t)16 << 20)
int nd_read_file(const char *path, char **data, size_t *len);
/* An errno no open() or read() of a file returns, so that it can stand for
 * "not a regular file" alone. */
#define ND_ENOTREG EMEDIUMTYPE
/* strerror(-r), but ND_ENOTREG reads "not a regular file". */
const char *nd_strerror(int r);
/* mkdir -p with mode for the components it creates. */
int nd_mkdir_p(const char *path, mode_t mode);

static inline void nd_freep(void *p)
{
	free(*(void **)p);
}
static inline void nd_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void nd_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
/* systemd's: NAMEp(type *p) calls NAME(*p) when *p is set, for
 * __attribute__((cleanup(NAMEp))) on a pointer of that type. */
/* NOLINTBEGIN(bugprone-macro-parentheses): type is part of a declarator */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}
/* NOLINTEND(bugprone-macro-parentheses) */

#define _cleanup_free_	 __attribute__((cleanup(nd_freep)))
#define _cleanup_close_	 __attribute__((cleanup(nd_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(nd_fclosep)))

/* Hand ownership on: returns the pointer and clears the variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})
/* The same for a file descriptor (-1 is "none"). */
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

/* CLOCK_MONOTONIC in milliseconds, for bounded waits. */
int64_t nd_now_ms(void);

/* ASCII classes, whatever the locale (grammars of names, MACs, DUIDs). */
static inline bool nd_is_alnum(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}
static inline bool nd_is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}
static inline bool nd_is_hex(int ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Grow a dynamic array by one zeroed element; returns the new element or
 * NULL (ENOMEM, or more than 'max' elements). */
void *nd_array_push(void *arrayp, size_t *n, size_t elem, size_t max);

/* A growing text buffer for the renderers. Errors are sticky: check once at
 * the end with sbuf_finish(). */
struct sbuf {
	char *buf;
	size_t len, cap;
	bool oom;
};
void sbuf_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_puts(struct sbuf *s, const char *str);
/* Returns the string (caller frees) or NULL on ENOMEM; resets s. */
char *sbuf_finish(struct sbuf *s);
void sbuf_free(struct sbuf *s);

#endif
