#include "bridgeconf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "model.h"

/* The helper's limit for a bridge name, NUL included (IFNAMSIZ). */
#define HELPER_IFNAMSIZ 16

enum bkind { BK_SKIP, BK_ALLOW, BK_DENY, BK_INCLUDE, BK_BAD };

struct bline {
	enum bkind kind;
	bool all;
	char arg[BCONF_LINE_MAX];
	char why[160];
};

/* A file read during a scan, by device and inode: each is read once. */
struct bseen {
	dev_t dev;
	ino_t ino;
	bool open; /* being read: an include of it is a loop */
	char name[256];
};

/* What is being looked for while scanning a file and its includes, and the
 * work done so far. */
struct bscan {
	const char *bridge;
	struct bconf_report *rep;
	int depth;
	size_t n_seen, n_absent, lines, bytes;
	bool over; /* a bound was reached (reported once) */
	struct bseen seen[BCONF_FILES_MAX];
};

/* isspace() in the C locale, which is what the helper runs in. */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* A name fit for an error message, whatever the caller passed. */
static const char *shown(const char *s, char buf[48])
{
	size_t n = strnlen(s, 40);

	for (size_t i = 0; i < n; i++) {
		if (s[i] > ' ' && s[i] < 0x7f)
			buf[i] = s[i];
		else
			buf[i] = '?';
	}
	buf[n] = '\0';
	if (n == 40 && s[n] != '\0')
		nd_strlcpy(buf + n, "...", 4);
	return buf;
}

bool bconf_name_ok(const char *bridge)
{
	return bridge && net_ifname_ok(bridge) && strcmp(bridge, "all") != 0;
}

static int check_name(const char *path, const char *bridge, struct nerr *e)
{
	char b[48];

	if (bconf_name_ok(bridge))
		return 0;
	return nerr_set(e, -EINVAL,
			"bridge name '%s' cannot go into %s: not an interface name of at most "
			"%d letters, digits, '-', '_', '.' (or it is the keyword 'all')",
			shown(bridge ? bridge : "", b), path, NET_IFNAME_MAX);
}

static void bad_line(struct bline *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bad_line(struct bline *b, const char *fmt, ...)
{
	va_list ap;

	b->kind = BK_BAD;
	va_start(ap, fmt);
	vsnprintf(b->why, sizeof b->why, fmt, ap);
	va_end(ap);
}

/* One line as parse_acl_file() reads it: 'line' is what one fgets() call
 * returned, without its newline. A NUL byte ends the line for the helper's
 * string functions, and so it does here. The reason never quotes the line:
 * an include may name any file (/etc/shadow, say), and status shows it. */
static void parse_line(const char *line, size_t len, struct bline *b)
{
	char buf[BCONF_LINE_MAX];
	char *cmd, *arg, *end;

	b->kind = BK_SKIP;
	b->all = false;
	b->arg[0] = b->why[0] = '\0';
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (cmd = buf; is_space(*cmd); cmd++)
		;
	if (*cmd == '#' || *cmd == '\0')
		return;
	arg = strchr(cmd, ' ');
	if (!arg)
		arg = strchr(cmd, '\t');
	if (!arg) {
		bad_line(b, "a keyword with no argument");
		return;
	}
	*arg++ = '\0';
	while (is_space(*arg))
		arg++;
	end = arg + strlen(arg);
	while (end > arg && is_space(end[-1]))
		end--;
	*end = '\0';
	if (strcmp(cmd, "include") != 0 && strlen(arg) >= HELPER_IFNAMSIZ) {
		bad_line(b, "a bridge name of %zu bytes: the helper takes at most %d", strlen(arg),
			 HELPER_IFNAMSIZ - 1);
		return;
	}
	if (strcmp(cmd, "allow") == 0)
		b->kind = BK_ALLOW;
	else if (strcmp(cmd, "deny") == 0)
		b->kind = BK_DENY;
	else if (strcmp(cmd, "include") == 0)
		b->kind = BK_INCLUDE;
	else {
		bad_line(b, "an unknown keyword (the helper knows allow, deny, include)");
		return;
	}
	b->all = b->kind != BK_INCLUDE && strcmp(arg, "all") == 0;
	nd_strlcpy(b->arg, arg, sizeof b->arg);
}

/* A file name as messages show it: bytes other than printable ASCII become
 * '?' (a name is a path that exists, but it may hold a terminal escape). */
static void display_copy(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (char)(src[i] >= ' ' && src[i] < 0x7f ? src[i] : '?');
	dst[i] = '\0';
}

static void report_bad(struct bconf_report *rep, const char *file, unsigned line, bool fatal,
		       const char *why)
{
	struct bconf_bad *b;

	if (rep->n_bad++ >= BCONF_BAD_MAX)
		return;
	b = &rep->bad[rep->n_bad - 1];
	display_copy(b->file, sizeof b->file, file);
	b->line = line;
	b->fatal = fatal;
	nd_strlcpy(b->why, why, sizeof b->why);
}

static void scan_text(struct bscan *s, const char *file, const char *data, size_t len,
		      bool main_file);
static void chain_check(struct bconf_report *rep, const char *path, bool main_file);

static void report_loop(struct bconf_report *rep, const char *file, unsigned line, const char *why)
{
	size_t i = rep->n_bad;

	rep->loop = true;
	report_bad(rep, file, line, false, why);
	if (i < BCONF_BAD_MAX)
		rep->bad[i].loop = true;
}

static void scan_over(struct bscan *s, const char *file, unsigned line)
{
	char why[160];

	if (s->over)
		return;
	s->over = true;
	snprintf(why, sizeof why,
		 "includes go beyond %d files, %d lines or %u bytes in all: netd reads no "
		 "more of them",
		 BCONF_FILES_MAX, BCONF_LINES_MAX, BCONF_BYTES_MAX);
	report_loop(s->rep, file, line, why);
}

/* The scan's bounds: false (and reported once) when reading 'size' more
 * bytes of one more file would pass them. */
static bool scan_budget(struct bscan *s, off_t size, const char *from, unsigned line)
{
	if (s->n_seen < BCONF_FILES_MAX && size >= 0 && (size_t)size <= BCONF_BYTES_MAX - s->bytes)
		return true;
	scan_over(s, from, line);
	return false;
}

static struct bseen *seen_find(struct bscan *s, const struct stat *st)
{
	for (size_t i = 0; i < s->n_seen; i++)
		if (s->seen[i].dev == st->st_dev && s->seen[i].ino == st->st_ino)
			return &s->seen[i];
	return NULL;
}

static struct bseen *seen_add(struct bscan *s, const struct stat *st, const char *name)
{
	struct bseen *b;

	if (s->n_seen >= BCONF_FILES_MAX)
		return NULL;
	b = &s->seen[s->n_seen++];
	b->dev = st->st_dev;
	b->ino = st->st_ino;
	b->open = true;
	display_copy(b->name, sizeof b->name, name);
	return b;
}

static void noread_add(struct bconf_report *rep, const char *path)
{
	if (rep->n_noread++ < BCONF_NOREAD_MAX)
		display_copy(rep->noread[rep->n_noread - 1], sizeof rep->noread[0], path);
}

/* The helper reads includes with errors ignored; so do we. Only absolute
 * paths of regular files are followed: a relative one depends on the
 * caller's working directory, and a FIFO would block. */
/* NOLINTNEXTLINE(misc-no-recursion): an include recurses, at most BCONF_INCLUDE_DEPTH deep */
static void scan_include(struct bscan *s, const char *path, const char *from, unsigned line)
{
	_cleanup_free_ char *data = NULL;
	struct bseen *b;
	char why[160];
	struct stat st;
	size_t len;
	int r = 0;

	if (path[0] != '/') {
		report_bad(s->rep, from, line, false,
			   "an include path that is not absolute: the helper "
			   "resolves it from qemu's working directory");
		return;
	}
	/* A directory on the way the caller may not search (never root):
	 * the helper, parsing as the caller, cannot open it either. */
	if ((r = stat(path, &st)) < 0 && errno == EACCES) {
		noread_add(s->rep, path);
		return;
	}
	if (r < 0 || !S_ISREG(st.st_mode)) {
		/* Missing (or no file): others must not be able to create it.
		 * Checked a bounded number of times, like the files read. */
		if (s->n_absent++ < BCONF_FILES_MAX)
			chain_check(s->rep, path, false);
		else
			scan_over(s, from, line);
		return;
	}
	if ((b = seen_find(s, &st))) {
		/* Read already: its rules count once. Still open: a loop, which
		 * the helper follows until it runs out of file descriptors, with
		 * work that grows exponentially with the includes per file. */
		if (b->open) {
			snprintf(why, sizeof why,
				 "include loop back to %.80s: the helper would follow it "
				 "without end",
				 b->name);
			report_loop(s->rep, from, line, why);
		}
		return;
	}
	/* The helper has no depth limit: what netd cannot check is a problem. */
	if (s->depth >= BCONF_INCLUDE_DEPTH) {
		snprintf(why, sizeof why, "an include nested deeper than %d: netd reads no more",
			 BCONF_INCLUDE_DEPTH);
		report_loop(s->rep, from, line, why);
		return;
	}
	if (!scan_budget(s, st.st_size, from, line) || !(b = seen_add(s, &st, path)))
		return;
	/* Whoever can change it decides what the helper allows. */
	chain_check(s->rep, path, false);
	/* Empty: nothing to read; and a /proc file that says 0 may block. */
	if (st.st_size == 0 || (r = nd_read_file(path, &data, &len)) < 0) {
		if (st.st_size && r == -EACCES)
			noread_add(s->rep, path);
		b->open = false;
		return;
	}
	s->bytes += len < BCONF_BYTES_MAX - s->bytes ? len : BCONF_BYTES_MAX - s->bytes;
	s->depth++;
	scan_text(s, path, data, len, false);
	s->depth--;
	b->open = false;
}

static void apply_rule(struct bscan *s, const struct bline *b, const char *file, unsigned line,
		       bool main_file)
{
	bool match = b->all || strcmp(b->arg, s->bridge) == 0;

	if (!match)
		return;
	if (b->kind == BK_ALLOW) {
		s->rep->allowed = true;
		if (main_file && !b->all)
			s->rep->present = true;
	} else if (b->kind == BK_DENY && !s->rep->denied) {
		s->rep->denied = true;
		char shown_file[251];

		display_copy(shown_file, sizeof shown_file, file);
		snprintf(s->rep->deny_at, sizeof s->rep->deny_at, "%s:%u", shown_file, line);
	}
}

/* Length of the next fgets() chunk at data[pos]: up to and including a
 * newline, at most BCONF_LINE_MAX - 1 bytes. */
static size_t chunk_len(const char *data, size_t len, size_t pos)
{
	size_t max = len - pos < BCONF_LINE_MAX - 1 ? len - pos : BCONF_LINE_MAX - 1;
	const char *nl = memchr(data + pos, '\n', max);

	return nl ? (size_t)(nl - (data + pos)) + 1 : max;
}

/* NOLINTNEXTLINE(misc-no-recursion): through scan_include, bounded by BCONF_INCLUDE_DEPTH */
static void scan_text(struct bscan *s, const char *file, const char *data, size_t len,
		      bool main_file)
{
	struct bline b;
	unsigned line = 1;

	for (size_t pos = 0, n; pos < len; pos += n) {
		n = chunk_len(data, len, pos);
		bool nl = data[pos + n - 1] == '\n';

		/* bridge.conf itself is read whole: it is the file netd edits. */
		if (!main_file && ++s->lines > BCONF_LINES_MAX) {
			scan_over(s, file, line);
			return;
		}

		parse_line(data + pos, nl ? n - 1 : n, &b);
		if (b.kind == BK_BAD) {
			report_bad(s->rep, file, line, main_file, b.why);
			if (!main_file)
				return; /* the helper stops reading this include here */
			s->rep->rejected = true;
		} else if (b.kind == BK_INCLUDE) {
			scan_include(s, b.arg, file, line);
		} else if (b.kind != BK_SKIP) {
			apply_rule(s, &b, file, line, main_file);
		}
		if (nl)
			line++;
	}
}

/* netd's two lines for a bridge. */
static int pair_text(const char *bridge, char *buf, size_t len)
{
	return nd_snprintf(buf, len, "%s\nallow %s\n", BCONF_MARK, bridge);
}

/* Where bridge.conf really is: every symlink resolved, also when the file
 * itself is missing (then its directory's). The one place that resolves:
 * the include line netd writes and the one it looks for are built from
 * the same path, whatever symlinks lead to the file. */
static int bconf_resolve(const char *path, char buf[PATH_MAX])
{
	char dir[PATH_MAX], base[PATH_MAX], real[PATH_MAX];

	if (realpath(path, buf))
		return 0;
	if (nd_strlcpy(dir, path, sizeof dir) >= sizeof dir ||
	    nd_strlcpy(base, path, sizeof base) >= sizeof base)
		return -ENAMETOOLONG;
	if (errno == ENOENT && realpath(dirname(dir), real))
		return nd_snprintf(buf, PATH_MAX, "%s/%s", strcmp(real, "/") ? real : "",
				   basename(base));
	return nd_strlcpy(buf, path, PATH_MAX) >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The ACL file beside the bridge.conf at 'path', as spelled. */
static int acl_path_at(const char *path, const char *bridge, char *buf, size_t len)
{
	char dir[PATH_MAX];

	if (nd_strlcpy(dir, path, sizeof dir) >= sizeof dir)
		return -ENAMETOOLONG;
	return nd_snprintf(buf, len, "%s/netd-%s.conf", dirname(dir), bridge);
}

/* The per-network ACL file of a bridge restricted to one group: beside
 * bridge.conf (where it really is), so an admin finds it where qemu's ACLs
 * live. */
int bconf_acl_path(const char *path, const char *bridge, char *buf, size_t len)
{
	char real[PATH_MAX];
	int r = bconf_resolve(path, real);

	return r < 0 ? r : acl_path_at(real, bridge, buf, len);
}

/* netd's two lines that include a bridge's ACL file; 'resolve' false for
 * the line older netd wrote, from the path as given. */
static int include_pair_text(const char *path, const char *bridge, bool resolve, char *buf,
			     size_t len)
{
	char acl[PATH_MAX];
	int r = resolve ? bconf_acl_path(path, bridge, acl, sizeof acl)
			: acl_path_at(path, bridge, acl, sizeof acl);

	if (r < 0)
		return r;
	return nd_snprintf(buf, len, "%s\ninclude %s\n", BCONF_MARK, acl);
}

/* ---- trust: who besides root can change what the helper reads ---------- */

static bool uid_trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static bool gid_trusted(gid_t gid)
{
	return gid == 0 || (geteuid() != 0 && gid == getegid());
}

static void add_to(char *buf, size_t size, const char *sep, const char *what)
{
	size_t n = strlen(buf);

	/* nd_strlcpy, not snprintf: gcc sees through the inlining to the
	 * callers' buffers and calls a deliberate cut an error */
	if (n && n + 1 < size) {
		(void)nd_strlcpy(buf + n, sep, size - n); /* may be truncated */
		n = strlen(buf);
	}
	if (n + 1 < size)
		(void)nd_strlcpy(buf + n, what, size - n); /* may be truncated */
}

/* Record 'path' as unsafe unless it is there already. */
static void unsafe_add(struct bconf_report *rep, const char *path, const struct stat *st,
		       const char *who, const char *fix)
{
	struct bconf_unsafe *u;

	for (size_t i = 0; i < rep->n_unsafe && i < BCONF_UNSAFE_MAX; i++)
		if (rep->unsafe[i].dev == st->st_dev && rep->unsafe[i].ino == st->st_ino)
			return;
	if (rep->n_unsafe++ >= BCONF_UNSAFE_MAX)
		return;
	u = &rep->unsafe[rep->n_unsafe - 1];
	/* Names go to the terminal: display_copy() (they may be truncated). */
	display_copy(u->path, sizeof u->path, path);
	display_copy(u->who, sizeof u->who, who);
	display_copy(u->fix, sizeof u->fix, fix);
	u->dev = st->st_dev;
	u->ino = st->st_ino;
}

/* Whether anyone but a trusted user can change the entry at 'path' (stat
 * st): its owner, its group, everyone, an ACL. 'exempt': a sticky
 * directory whose next entry on the path is root's and exists, so that
 * write permission there lets others add names but not change that one. */
static void entry_check(struct bconf_report *rep, const char *path, const struct stat *st,
			bool exempt)
{
	bool grp = (st->st_mode & S_IWGRP) && !gid_trusted(st->st_gid);
	bool oth = st->st_mode & S_IWOTH;
	bool acl =
		(st->st_mode & S_IWGRP) && getxattr(path, "system.posix_acl_access", NULL, 0) > 0;
	char who[128] = "", fix[600] = "", part[PATH_MAX + 64];
	struct group gr, *res = NULL;
	char gbuf[1024];

	if (exempt && uid_trusted(st->st_uid) && (st->st_mode & S_ISVTX))
		grp = oth = acl = false;
	if (!uid_trusted(st->st_uid)) {
		snprintf(part, sizeof part, "its owner (uid %u)", (unsigned)st->st_uid);
		add_to(who, sizeof who, ", ", part);
		snprintf(part, sizeof part, "chown root %s", path);
		add_to(fix, sizeof fix, " and ", part);
	}
	if (grp) {
		if (getgrgid_r(st->st_gid, &gr, gbuf, sizeof gbuf, &res) == 0 && res)
			snprintf(part, sizeof part, "group %.64s", gr.gr_name);
		else
			snprintf(part, sizeof part, "group %u", (unsigned)st->st_gid);
		add_to(who, sizeof who, ", ", part);
	}
	if (oth)
		add_to(who, sizeof who, ", ", "every user");
	if (grp || oth) {
		snprintf(part, sizeof part, "chmod %s-w %s",
			 !oth			   ? "g"
			 : (st->st_mode & S_IWGRP) ? "go"
						   : "o",
			 path);
		add_to(fix, sizeof fix, " and ", part);
	}
	if (acl && !grp) {
		add_to(who, sizeof who, ", ", "the users and groups of its POSIX ACL");
		snprintf(part, sizeof part, "setfacl -b %s", path);
		add_to(fix, sizeof fix, " and ", part);
	}
	if (who[0]) {
		snprintf(part, sizeof part, "%s (mode %04o)", who, (unsigned)(st->st_mode & 07777));
		unsafe_add(rep, path, st, part, fix);
	}
}

/* Every directory that leads to 'path' as spelled, and the file itself
 * when it exists (stat follows symlinks: a symlinked directory is checked
 * where it leads; the caller walks the resolved path too). 'own_dir': the
 * file's directory is where netd creates files, so no sticky exemption. */
/* NOLINTNEXTLINE(misc-no-recursion): through dangling_walk, at most 8 links deep */
static void chain_walk(struct bconf_report *rep, const char *path, bool own_dir, int links);

/* A symlink whose target is missing: whoever may create the target decides
 * what the helper reads once it exists. */
/* NOLINTNEXTLINE(misc-no-recursion): at most 8 links deep */
static void dangling_walk(struct bconf_report *rep, const char *link, const char *dir, int links)
{
	char target[PATH_MAX], path[2 * PATH_MAX];
	ssize_t n = readlink(link, target, sizeof target - 1);

	if (n <= 0 || links >= 8)
		return;
	target[n] = '\0';
	if (target[0] == '/')
		chain_walk(rep, target, false, links + 1);
	else if (nd_snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", target) == 0)
		chain_walk(rep, path, false, links + 1);
}

/* NOLINTNEXTLINE(misc-no-recursion): through dangling_walk, at most 8 links deep */
static void chain_walk(struct bconf_report *rep, const char *path, bool own_dir, int links)
{
	char buf[PATH_MAX], dir[PATH_MAX] = "/";
	struct stat dst, nst;
	char *p, *q;

	if (path[0] != '/' || nd_strlcpy(buf, path, sizeof buf) >= sizeof buf ||
	    stat("/", &dst) < 0)
		return;
	for (p = buf + 1;; p = q + 1) {
		bool last, have;

		while (*p == '/')
			p++;
		if (!*p)
			return;
		q = strchrnul(p, '/');
		last = !q[strspn(q, "/")];
		*q = '\0';
		have = lstat(buf, &nst) == 0;
		entry_check(rep, dir, &dst, have && uid_trusted(nst.st_uid) && !(last && own_dir));
		if (!have)
			return;
		if (stat(buf, &dst) < 0) {
			if (errno == ENOENT && S_ISLNK(nst.st_mode))
				dangling_walk(rep, buf, dir, links);
			return;
		}
		if (last) {
			entry_check(rep, buf, &dst, false);
			return;
		}
		if (!S_ISDIR(dst.st_mode))
			return;
		nd_strlcpy(dir, buf, sizeof dir);
		*q = '/';
	}
}

/* The chain of 'path' as spelled and, when symlinks lead elsewhere, as
 * resolved. */
static void chain_check(struct bconf_report *rep, const char *path, bool main_file)
{
	char real[PATH_MAX];

	chain_walk(rep, path, main_file, 0);
	if ((main_file ? bconf_resolve(path, real) == 0 : realpath(path, real) != NULL) &&
	    strcmp(real, path) != 0)
		chain_walk(rep, real, main_file, 0);
}

/* -EPERM with what to run when the chain is unsafe; 0 when it is not. */
static int refuse_unsafe(const char *path, const char *bridge, const struct bconf_report *rep,
			 struct nerr *e)
{
	size_t n = rep->n_unsafe < BCONF_UNSAFE_MAX ? rep->n_unsafe : BCONF_UNSAFE_MAX;

	if (!n)
		return 0;
	nerr_set(e, -EPERM,
		 "qemu bridge ACL %s: refusing to add %s: the setuid-root qemu-bridge-helper "
		 "trusts this file, its includes and their directories, and %s is writable by "
		 "%s: run '%s'",
		 path, bridge, rep->unsafe[0].path, rep->unsafe[0].who, rep->unsafe[0].fix);
	for (size_t i = 1; i < n; i++)
		nerr_append(e, 0, "; %s is writable by %s: run '%s'", rep->unsafe[i].path,
			    rep->unsafe[i].who, rep->unsafe[i].fix);
	if (rep->n_unsafe > n)
		nerr_append(e, 0, "; and %zu more (netd status)", rep->n_unsafe - n);
	return -EPERM;
}

/* The next copy of 'pair' that starts a line, at or after 'from'. */
static const char *find_pair(const char *data, size_t len, size_t from, const char *pair)
{
	size_t plen = strlen(pair);

	while (from < len) {
		const char *p = memmem(data + from, len - from, pair, plen);

		if (!p)
			return NULL;
		if (p == data || p[-1] == '\n')
			return p;
		from = (size_t)(p - data) + 1;
	}
	return NULL;
}

/* The file as it is now: where it really is (symlinks followed), its
 * contents ("" when missing) and its stat. */
struct bfile {
	char path[PATH_MAX];
	char *data;
	size_t len;
	bool missing;
	struct stat st;
};

/* For __attribute__((cleanup)). clang 14's analyzer does not run cleanup
 * functions, and so reports the returns after a bfile or a _cleanup_free_
 * buffer is filled as leaks: hence the NOLINTs at those returns. */
static void bfile_free(struct bfile *f)
{
	free(f->data);
	f->data = NULL;
}

static int bfile_load(const char *path, struct bfile *f, struct nerr *e)
{
	int r;

	memset(f, 0, sizeof *f);
	if (strlen(path) >= sizeof f->path)
		return nerr_set(e, -ENAMETOOLONG, "qemu bridge ACL %s: path too long", path);
	if (lstat(path, &f->st) < 0) {
		if (errno != ENOENT)
			return nerr_set(e, -errno, "qemu bridge ACL %s: %s", path, strerror(errno));
		f->missing = true;
		if ((r = bconf_resolve(path, f->path)) < 0)
			return nerr_set(e, r, "qemu bridge ACL %s: path too long", path);
		f->data = strdup("");
		return f->data ? 0
			       : nerr_set(e, -ENOMEM, "qemu bridge ACL %s: out of memory", path);
	}
	if (!realpath(path, f->path) || stat(f->path, &f->st) < 0)
		return nerr_set(e, -errno, "qemu bridge ACL %s: follow symlink: %s", path,
				strerror(errno));
	if (!S_ISREG(f->st.st_mode))
		return nerr_set(e, -EINVAL, "qemu bridge ACL %s: not a regular file", f->path);
	r = nd_read_file(f->path, &f->data, &f->len);
	if (r < 0)
		return nerr_set(e, r, "qemu bridge ACL %s: read: %s", f->path, strerror(-r));
	return 0;
}

/* Others must be able to read the file and search its directory: the helper
 * reads it with the calling user's uid. */
static bool others_can_read(const struct bfile *f)
{
	char dir[PATH_MAX];
	struct stat st;

	if (!(f->st.st_mode & S_IROTH))
		return false;
	nd_strlcpy(dir, f->path, sizeof dir);
	return stat(dirname(dir), &st) == 0 && (st.st_mode & S_IXOTH);
}

/* 'path': bridge.conf as the caller named it (f->path is where it is). */
static void analyse(const struct bfile *f, const char *path, const char *bridge,
		    struct bconf_report *rep)
{
	struct bscan s = { .bridge = bridge, .rep = rep };
	char pair[128], ipair[PATH_MAX + 128];

	memset(rep, 0, sizeof *rep);
	rep->missing = f->missing;
	/* Missing too: netd would create it, and others might first. */
	chain_check(rep, path, true);
	if (f->missing)
		return;
	rep->mode = f->st.st_mode & 07777;
	rep->unreadable = !others_can_read(f);
	s.bytes = f->len < BCONF_BYTES_MAX ? f->len : BCONF_BYTES_MAX;
	seen_add(&s, &f->st, f->path);
	scan_text(&s, f->path, f->data, f->len, true);
	rep->ours = pair_text(bridge, pair, sizeof pair) == 0 &&
		    find_pair(f->data, f->len, 0, pair) != NULL;
	if (include_pair_text(f->path, bridge, true, ipair, sizeof ipair) == 0 &&
	    find_pair(f->data, f->len, 0, ipair) != NULL)
		rep->ours = rep->present = rep->group_only = true;
}

/* nd_write_atomic() that also keeps the owner and group of the file it
 * replaces: a bridge.conf readable only by group kvm must stay so. A new
 * file keeps the creator's owner. */
static int write_keeping_owner(const struct bfile *f, const char *data, size_t len)
{
	if (f->missing)
		return nd_write_atomic(f->path, data, len, 0644);
	return nd_write_atomic_owned(f->path, data, len, f->st.st_mode & 07777, f->st.st_uid,
				     f->st.st_gid);
}

static int make_dir(const char *path, struct nerr *e)
{
	char buf[PATH_MAX];
	const char *dir;
	struct stat st;
	int r;

	nd_strlcpy(buf, path, sizeof buf);
	dir = dirname(buf);
	if (stat(dir, &st) == 0)
		return 0;
	r = nd_mkdir_p(dir, 0755);
	/* Users' helpers must be able to search it, whatever our umask. */
	if (r == 0 && chmod(dir, 0755) < 0)
		r = -errno;
	if (r < 0)
		return nerr_set(e, r, "qemu bridge ACL %s: create directory %s: %s", path, dir,
				strerror(-r));
	return 0;
}

static int save(const struct bfile *f, const char *data, size_t len, struct nerr *e)
{
	int r;

	if (f->missing) {
		r = make_dir(f->path, e);
		if (r < 0)
			return r;
	}
	r = write_keeping_owner(f, data, len);
	if (r < 0)
		return nerr_set(e, r, "qemu bridge ACL %s: write: %s", f->path, strerror(-r));
	return 0;
}

/* The file with netd's pair inserted: after the last complete line, or in
 * front of an unterminated last line so that its bytes stay as they are. */
static char *with_pair(const struct bfile *f, const char *pair, size_t *out_len)
{
	size_t at = f->len, plen = strlen(pair);
	char *out;

	if (f->len > 0 && f->data[f->len - 1] != '\n') {
		const char *nl = memrchr(f->data, '\n', f->len);

		at = nl ? (size_t)(nl - f->data) + 1 : 0;
	}
	out = malloc(f->len + plen + 1);
	if (!out)
		return NULL;
	memcpy(out, f->data, at);
	memcpy(out + at, pair, plen);
	memcpy(out + at + plen, f->data + at, f->len - at);
	out[f->len + plen] = '\0';
	*out_len = f->len + plen;
	return out;
}

/* Load the file and describe it for BRIDGE. */
static int bfile_check(const char *path, const char *bridge, struct bfile *f,
		       struct bconf_report *rep, struct nerr *e)
{
	int r;

	memset(rep, 0, sizeof *rep);
	if ((r = check_name(path, bridge, e)) < 0 || (r = bfile_load(path, f, e)) < 0)
		return r;
	analyse(f, path, bridge, rep);
	return 0;
}

int bconf_add(const char *path, const char *bridge, struct bconf_report *rep, struct nerr *e)
{
	__attribute__((cleanup(bfile_free))) struct bfile f = { .data = NULL };
	_cleanup_free_ char *out = NULL;
	struct bconf_report local;
	char pair[128];
	size_t len;
	int r;

	if (!rep)
		rep = &local;
	if ((r = bfile_check(path, bridge, &f, rep, e)) < 0)
		return r;
	if ((r = refuse_unsafe(path, bridge, rep, e)) < 0 || rep->present)
		return r;
	r = pair_text(bridge, pair, sizeof pair);
	if (r < 0)
		return nerr_set(e, r, "qemu bridge ACL %s: line for '%s' too long", path, bridge);
	out = with_pair(&f, pair, &len);
	if (!out)
		return nerr_set(e, -ENOMEM, "qemu bridge ACL %s: out of memory", path);
	r = save(&f, out, len, e);
	if (r < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): _cleanup_free_ frees out */
		return r;
	if (stat(f.path, &f.st) < 0 && f.missing)
		f.st.st_mode = S_IFREG | 0644;
	f.missing = false;
	free(f.data);
	f.data = TAKE_PTR(out);
	f.len = len;
	analyse(&f, path, bridge, rep);
	rep->added = true;
	return 0;
}

/* The file without any copy of 'pair'. */
static char *without_pair(const struct bfile *f, const char *pair, size_t *out_len)
{
	size_t plen = strlen(pair), n = 0, from = 0;
	const char *p;
	char *out;

	out = malloc(f->len + 1);
	if (!out)
		return NULL;
	while ((p = find_pair(f->data, f->len, from, pair))) {
		size_t at = (size_t)(p - f->data);

		memcpy(out + n, f->data + from, at - from);
		n += at - from;
		from = at + plen;
	}
	memcpy(out + n, f->data + from, f->len - from);
	n += f->len - from;
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* Remove every copy of one of netd's pairs from the file; 0 when absent. */
static int remove_pair(const char *path, const char *pair, struct nerr *e)
{
	__attribute__((cleanup(bfile_free))) struct bfile f = { .data = NULL };
	_cleanup_free_ char *out = NULL;
	size_t len;
	int r;

	r = bfile_load(path, &f, e);
	if (r < 0 || f.missing)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): bfile_free cleanup frees f */
		return r;
	if (!find_pair(f.data, f.len, 0, pair))
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): bfile_free cleanup frees f */
		return 0;
	out = without_pair(&f, pair, &len);
	if (!out)
		return nerr_set(e, -ENOMEM, "qemu bridge ACL %s: out of memory", path);
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): _cleanup_free_ frees out */
	return save(&f, out, len, e);
}

int bconf_remove(const char *path, const char *bridge, struct nerr *e)
{
	char pair[128], ipair[PATH_MAX + 128], acl[PATH_MAX];
	char old_ipair[PATH_MAX + 128], old_acl[PATH_MAX];
	int r;

	r = check_name(path, bridge, e);
	if (r < 0)
		return r;
	if (pair_text(bridge, pair, sizeof pair) < 0 ||
	    include_pair_text(path, bridge, true, ipair, sizeof ipair) < 0 ||
	    include_pair_text(path, bridge, false, old_ipair, sizeof old_ipair) < 0 ||
	    bconf_acl_path(path, bridge, acl, sizeof acl) < 0 ||
	    acl_path_at(path, bridge, old_acl, sizeof old_acl) < 0)
		return nerr_set(e, -ENAMETOOLONG, "qemu bridge ACL %s: line for '%s' too long",
				path, bridge);
	/* Also the include that netd wrote from a symlink's path before it
	 * resolved it (old_*: the same as the others without symlinks). */
	if ((r = remove_pair(path, pair, e)) < 0 || (r = remove_pair(path, ipair, e)) < 0 ||
	    (strcmp(old_ipair, ipair) != 0 && (r = remove_pair(path, old_ipair, e)) < 0))
		return r;
	/* The include goes first: a helper never meets an include of a file
	 * that is gone (it would skip it anyway). */
	if (unlink(acl) < 0 && errno != ENOENT)
		return nerr_set(e, -errno, "qemu bridge ACL %s: remove: %s", acl, strerror(errno));
	if (strcmp(old_acl, acl) != 0 && unlink(old_acl) < 0 && errno != ENOENT)
		return nerr_set(e, -errno, "qemu bridge ACL %s: remove: %s", old_acl,
				strerror(errno));
	return 0;
}

/* Write the ACL file of a group-only bridge: root:GROUP 0640, so the
 * helper, reading as the calling user, can read it only for members. */
/* Who a per-network ACL file is for: the members of a group, or one user. */
struct acl_who {
	bool user;
	uid_t uid;
	gid_t gid;
};

/* The kernel's POSIX ACL extended attribute (system.posix_acl_access,
 * linux/posix_acl_xattr.h, which is not a user-space header): a version
 * and entries of (tag, permissions, id), little-endian on disk and native
 * in the system call. */
#define ACL_XATTR_VERSION 2
enum {
	ACL_USER_OBJ = 0x01,
	ACL_USER = 0x02,
	ACL_GROUP_OBJ = 0x04,
	ACL_MASK = 0x10,
	ACL_OTHER = 0x20
};

struct acl_xattr_entry {
	uint16_t tag, perm;
	uint32_t id;
};

struct acl_xattr {
	uint32_t version;
	struct acl_xattr_entry e[5];
};

/* root:root 0640 and an ACL entry that lets the one user read: the owner
 * of a file may chmod it, so the user must not own it, and a group would
 * let its other members in. */
static int acl_for_user(int fd, void *arg)
{
	const struct acl_who *w = arg;
	const uint32_t none = (uint32_t)-1;
	struct acl_xattr x = {
		.version = ACL_XATTR_VERSION,
		.e = { { ACL_USER_OBJ, 6, none },
		       { ACL_USER, 4, (uint32_t)w->uid },
		       { ACL_GROUP_OBJ, 0, none },
		       { ACL_MASK, 4, none },
		       { ACL_OTHER, 0, none } },
	};

	return fsetxattr(fd, "system.posix_acl_access", &x, sizeof x, 0) < 0 ? -errno : 0;
}

/* Without POSIX ACLs on the file system: the user's private group
 * (Debian's USERGROUPS: a group of the user's name with no other member)
 * does the same. */
static int private_group(uid_t uid, gid_t *gid)
{
	char pbuf[4096], gbuf[8192];
	struct passwd pw, *pr = NULL;
	struct group gr, *res = NULL;

	if (getpwuid_r(uid, &pw, pbuf, sizeof pbuf, &pr) != 0 || !pr ||
	    getgrgid_r(pw.pw_gid, &gr, gbuf, sizeof gbuf, &res) != 0 || !res ||
	    strcmp(gr.gr_name, pw.pw_name) != 0 || (gr.gr_mem && gr.gr_mem[0]))
		return -ENOENT;
	*gid = pw.pw_gid;
	return 0;
}

static int write_acl(const char *acl, const char *bridge, const struct acl_who *w, struct nerr *e)
{
	char text[256];
	gid_t gid = w->gid;
	int r;

	if (nd_snprintf(text, sizeof text, "%s (this bridge is for one %s only)\nallow %s\n",
			BCONF_MARK, w->user ? "user" : "group", bridge) < 0)
		return nerr_set(e, -ENAMETOOLONG, "qemu bridge ACL %s: path too long", acl);
	if (!w->user)
		r = nd_write_atomic_owned(acl, text, strlen(text), 0640, 0, gid);
	else {
		r = nd_write_atomic_prep(acl, text, strlen(text), 0640, 0, 0, acl_for_user,
					 (void *)w);
		if (r == -EOPNOTSUPP) {
			if (private_group(w->uid, &gid) < 0)
				return nerr_set(e, r,
						"qemu bridge ACL %s: the file system has no POSIX "
						"ACLs and uid %u has no private group: netd cannot "
						"make a file only that user reads",
						acl, (unsigned)w->uid);
			r = nd_write_atomic_owned(acl, text, strlen(text), 0640, 0, gid);
		}
	}
	if (r < 0)
		return nerr_set(e, r, "qemu bridge ACL %s: write: %s", acl, strerror(-r));
	return 0;
}

static int add_restricted(const char *path, const char *bridge, const struct acl_who *w,
			  struct bconf_report *rep, struct nerr *e)
{
	__attribute__((cleanup(bfile_free))) struct bfile f = { .data = NULL };
	_cleanup_free_ char *out = NULL;
	char pair[128], ipair[PATH_MAX + 128], acl[PATH_MAX];
	struct bconf_report local;
	bool added = false;
	size_t len;
	int r;

	if (!rep)
		rep = &local;
	if ((r = check_name(path, bridge, e)) < 0)
		return r;
	if (pair_text(bridge, pair, sizeof pair) < 0 ||
	    include_pair_text(path, bridge, true, ipair, sizeof ipair) < 0 ||
	    bconf_acl_path(path, bridge, acl, sizeof acl) < 0)
		return nerr_set(e, -ENAMETOOLONG, "qemu bridge ACL %s: path too long", path);
	if ((r = bconf_check(path, bridge, rep, e)) < 0 ||
	    (r = refuse_unsafe(path, bridge, rep, e)) < 0)
		return r;
	/* A network that was open to all users before keeps no allow line. */
	if ((r = remove_pair(path, pair, e)) < 0 || (r = make_dir(path, e)) < 0 ||
	    (r = write_acl(acl, bridge, w, e)) < 0 || (r = bfile_load(path, &f, e)) < 0)
		return r;
	if (!find_pair(f.data, f.len, 0, ipair)) {
		out = with_pair(&f, ipair, &len);
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): the cleanups free f and out */
		r = out ? save(&f, out, len, e)
			: nerr_set(e, -ENOMEM, "qemu bridge ACL %s: out of memory", path);
		added = r == 0;
	}
	/* bconf_check() clears the report: 'added' is this call's. */
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): the cleanups free f and out */
	if (r == 0)
		r = bconf_check(path, bridge, rep, e) < 0 ? -EIO : 0;
	rep->added = added;
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): the cleanups free f and out */
	return r;
}

int bconf_add_group(const char *path, const char *bridge, gid_t gid, struct bconf_report *rep,
		    struct nerr *e)
{
	const struct acl_who w = { .user = false, .gid = gid };

	return add_restricted(path, bridge, &w, rep, e);
}

int bconf_add_user(const char *path, const char *bridge, uid_t uid, struct bconf_report *rep,
		   struct nerr *e)
{
	const struct acl_who w = { .user = true, .uid = uid };

	return add_restricted(path, bridge, &w, rep, e);
}

int bconf_check(const char *path, const char *bridge, struct bconf_report *rep, struct nerr *e)
{
	__attribute__((cleanup(bfile_free))) struct bfile f = { .data = NULL };

	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): bfile_free cleanup frees f */
	return bfile_check(path, bridge, &f, rep, e);
}
