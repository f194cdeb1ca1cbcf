#include "util.h"

#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Length of the well-formed UTF-8 sequence at p (1-4; RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Whether a well-formed character must not reach a terminal raw: the C1
 * controls (U+0080-U+009F; U+009B is CSI), the bidirectional formatting
 * characters that reorder what a line shows (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069) and the line and paragraph separators
 * (U+2028, U+2029), which break a line where some renderers read them. */
static bool esc_cp(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static uint32_t utf8_cp(const unsigned char *p, size_t len)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = p[0] & lead_mask[len];

	for (size_t i = 1; i < len; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* The next piece of nd_escape()'s output for the input at *p (not at its
 * NUL), written to out; advances *p past what it stands for. */
static size_t esc_piece(const unsigned char **p, char out[16])
{
	const unsigned char *s = *p;
	size_t len = utf8_seq(s);
	uint32_t cp;

	if (len == 0) {
		*p = s + 1;
		return (size_t)snprintf(out, 16, "\\x%02x", s[0]);
	}
	*p = s + len;
	cp = utf8_cp(s, len);
	if (cp == '\n' || cp == '\t' || cp == '\r') {
		out[0] = '\\';
		out[1] = (char)(cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r');
		return 2;
	}
	if (cp < 0x20 || cp == 0x7f)
		return (size_t)snprintf(out, 16, "\\x%02x", (unsigned)cp);
	if (esc_cp(cp))
		return (size_t)snprintf(out, 16, "\\u{%x}", (unsigned)cp);
	memcpy(out, s, len);
	return len;
}

size_t nd_escape(char *dst, size_t size, const char *src)
{
	size_t k = 0, need = 0;
	bool cut = false;

	for (const unsigned char *p = (const unsigned char *)src; *p;) {
		char piece[16];
		size_t len = esc_piece(&p, piece);

		need += len;
		if (cut || k + len >= size) {
			cut = true;
			continue;
		}
		memcpy(dst + k, piece, len);
		k += len;
	}
	if (size)
		dst[k] = '\0';
	return need;
}

int nd_fputs_esc(const char *s, FILE *f)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		char piece[16];
		size_t len = esc_piece(&p, piece);

		if (fwrite(piece, 1, len, f) != len)
			return EOF;
	}
	return 0;
}

/* Append src to the string in dst, cut to size at a whole character: the
 * messages hold nd_escape()'s output, valid UTF-8 that must stay so. */
static void cat(char *dst, size_t size, const char *src)
{
	size_t used = strlen(dst), room = size - used - 1, n = strlen(src);

	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst + used, src, n);
	dst[used + n] = '\0';
}

enum nerr_how { NERR_SET, NERR_WRAP, NERR_APPEND };

static void nerr_vset(struct nerr *e, enum nerr_how how, const char *fmt, va_list ap)
{
	char raw[sizeof e->msg];
	char add[sizeof e->msg];
	char old[sizeof e->msg];

	if (!e)
		return;
	(void)vsnprintf(raw, sizeof raw, fmt, ap); /* may be truncated */
	(void)nd_escape(add, sizeof add, raw);	   /* may be truncated */
	if (how == NERR_SET || !e->msg[0]) {
		memcpy(e->msg, add, sizeof e->msg);
		return;
	}
	memcpy(old, e->msg, sizeof old);
	/* Cut to the buffer; the start of a message says the most. */
	e->msg[0] = '\0';
	if (how == NERR_WRAP) {
		cat(e->msg, sizeof e->msg, add);
		cat(e->msg, sizeof e->msg, ": ");
		cat(e->msg, sizeof e->msg, old);
	} else {
		cat(e->msg, sizeof e->msg, old);
		cat(e->msg, sizeof e->msg, add);
	}
}

void nerr_set_(struct nerr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nerr_vset(e, NERR_SET, fmt, ap);
	va_end(ap);
}

void nerr_wrap_(struct nerr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nerr_vset(e, NERR_WRAP, fmt, ap);
	va_end(ap);
}

void nerr_append_(struct nerr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nerr_vset(e, NERR_APPEND, fmt, ap);
	va_end(ap);
}

size_t nd_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int nd_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char copy[4096];
	_cleanup_close_ int fd = -1;

	if (nd_strlcpy(copy, path, sizeof copy) >= sizeof copy)
		return -ENAMETOOLONG;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int nd_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int nd_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return nd_write_atomic_owned(path, data, len, mode, (uid_t)-1, (gid_t)-1);
}

int nd_write_atomic_owned(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
			  gid_t gid)
{
	return nd_write_atomic_prep(path, data, len, mode, uid, gid, NULL, NULL);
}

int nd_write_atomic_prep(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
			 gid_t gid, int (*prep)(int fd, void *arg), void *arg)
{
	char tmp[4096];
	_cleanup_close_ int fd = -1;
	int r;

	r = nd_snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
	if (r < 0)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = nd_write_all(fd, data, len);
	/* Owner and mode are set before the rename: the file never appears
	 * with other permissions than its final ones. */
	if (r == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		r = -errno;
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && prep)
		r = prep(fd, arg);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir_of(path);
}

const char *nd_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char pbuf[4096];

	if (getpwuid_r(uid, &pw, pbuf, sizeof pbuf, &res) != 0 || !res ||
	    nd_strlcpy(buf, pw.pw_name, len) >= len)
		(void)snprintf(buf, len, "uid %u", (unsigned)uid); /* may be truncated */
	return buf;
}

char *nd_trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int nd_conf_parse(const char *text, const char *file, size_t line_max,
		  int (*fn)(const char *key, char *val, unsigned no, void *arg, struct nerr *e),
		  void *arg, struct nerr *e)
{
	unsigned no = 0;
	int r;

	if (line_max > 4096)
		line_max = 4096;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char line[4096], *t, *eq;

		no++;
		if (len >= line_max)
			return nerr_set(e, -EINVAL, "%s:%u: line longer than %zu bytes", file, no,
					line_max - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (p[len] == '\n');
		t = nd_trim(line);
		if (!*t || *t == '#')
			continue;
		if (!(eq = strchr(t, '=')))
			return nerr_set(e, -EINVAL, "%s:%u: expected KEY = VALUE", file, no);
		*eq = '\0';
		if ((r = fn(nd_trim(t), nd_trim(eq + 1), no, arg, e)) < 0)
			return r;
	}
	return 0;
}

const char *nd_strerror(int r)
{
	return r == -ND_ENOTREG ? "not a regular file" : strerror(r < 0 ? -r : r);
}

/* The open file must be a regular one, and no larger than max as far as
 * fstat knows (files in /proc say 0: the read stops them). The FIFO that
 * O_NONBLOCK let through open() is refused here; for a regular file the
 * flag is cleared, so reads block as usual. */
static int read_fd_check(int fd, size_t max)
{
	struct stat st;
	int fl;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -ND_ENOTREG;
	if (st.st_size > 0 && (uintmax_t)st.st_size > max)
		return -EFBIG;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int nd_read_file_max(const char *path, size_t max, char **data, size_t *len)
{
	_cleanup_close_ int fd = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return nd_read_fd_max(fd, max, data, len);
}

int nd_read_fd_max(int fd, size_t max, char **data, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, n = 0;
	int r;

	if (max >= SIZE_MAX - 1)
		return -EINVAL;
	if ((r = read_fd_check(fd, max)) < 0)
		return r;
	/* Read at most max + 1 bytes: one past the limit tells a file of
	 * exactly max bytes from a larger one. */
	while (n <= max) {
		ssize_t rd;

		if (n == cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		rd = read(fd, buf + n, cap - n);
		if (rd < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (rd == 0)
			break;
		n += (size_t)rd;
	}
	if (n > max)
		return -EFBIG;
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[n] = '\0';
	*data = TAKE_PTR(buf);
	if (len)
		*len = n;
	return 0;
}

int nd_read_file(const char *path, char **data, size_t *len)
{
	return nd_read_file_max(path, ND_READ_MAX, data, len);
}

int nd_mkdir_p(const char *path, mode_t mode)
{
	char copy[4096];
	size_t n;

	n = nd_strlcpy(copy, path, sizeof copy);
	if (n >= sizeof copy)
		return -ENAMETOOLONG;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

void *nd_array_push(void *arrayp, size_t *n, size_t elem, size_t max)
{
	char **array = arrayp;
	char *na;

	if (*n >= max || *n + 1 > SIZE_MAX / elem) {
		errno = E2BIG;
		return NULL;
	}
	na = realloc(*array, (*n + 1) * elem);
	if (!na)
		return NULL;
	*array = na;
	memset(na + *n * elem, 0, elem);
	return na + (*n)++ * elem;
}

static void sbuf_vprintf(struct sbuf *s, const char *fmt, va_list ap)
{
	va_list aq;
	int need;

	if (s->oom)
		return;
	va_copy(aq, ap);
	need = vsnprintf(s->buf ? s->buf + s->len : NULL, s->buf ? s->cap - s->len : 0, fmt, aq);
	va_end(aq);
	if (need < 0) {
		s->oom = true;
		return;
	}
	if (!s->buf || s->len + (size_t)need + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		char *nb;

		while (cap < s->len + (size_t)need + 1)
			cap *= 2;
		nb = realloc(s->buf, cap);
		if (!nb) {
			s->oom = true;
			return;
		}
		s->buf = nb;
		s->cap = cap;
		vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
	}
	s->len += (size_t)need;
}

void sbuf_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(s, fmt, ap);
	va_end(ap);
}

void sbuf_puts(struct sbuf *s, const char *str)
{
	sbuf_printf(s, "%s", str);
}

char *sbuf_finish(struct sbuf *s)
{
	char *r;

	if (s->oom) {
		sbuf_free(s);
		return NULL;
	}
	if (!s->buf)
		return strdup("");
	r = s->buf;
	s->buf = NULL;
	s->len = s->cap = 0;
	return r;
}

void sbuf_free(struct sbuf *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
	s->oom = false;
}

json_t *nd_json_string(const char *s)
{
	struct sbuf b = { 0 };
	char *fixed;
	json_t *j;

	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t len = utf8_seq(p);

		if (len) {
			sbuf_printf(&b, "%.*s", (int)len, (const char *)p);
			p += len;
		} else {
			sbuf_puts(&b, "\xef\xbf\xbd"); /* U+FFFD */
			p++;
		}
	}
	if (!(fixed = sbuf_finish(&b)))
		return NULL;
	j = json_string(fixed);
	free(fixed);
	return j;
}

void nd_json_print(FILE *f, const json_t *doc)
{
	/* \uXXXX for all but ASCII: no C1 control or bidi character reaches
	 * a terminal that shows the document raw. */
	(void)json_dumpf(doc, f, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	(void)fputc('\n', f);
}

int64_t nd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
