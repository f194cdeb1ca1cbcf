#include "session.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bridgeconf.h"
#include "model.h"

static void sess_add(struct sess_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sess_add(struct sess_report *r, const char *fmt, ...)
{
	va_list ap;

	r->usable = false;
	if (r->n >= SESS_REASONS_MAX)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(r->why[r->n++], sizeof r->why[0], fmt, ap); /* may be truncated */
	va_end(ap);
}

int sess_user_self(struct sess_user *u)
{
	int n = getgroups(0, NULL);
	_cleanup_free_ gid_t *all = NULL;

	memset(u, 0, sizeof *u);
	u->uid = getuid();
	u->gid = getgid();
	if (n < 0 || !(all = calloc((size_t)n + 1, sizeof *all)) || (n = getgroups(n, all)) < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): _cleanup_free_ frees all */
		return -errno;
	for (int i = 0; i < n && u->n_groups < SESS_GROUPS_MAX; i++)
		u->groups[u->n_groups++] = all[i];
	nd_user_name(u->uid, u->name, sizeof u->name);
	return 0;
}

bool sess_user_in_group(const struct sess_user *u, gid_t gid)
{
	if (u->gid == gid)
		return true;
	for (size_t i = 0; i < u->n_groups; i++)
		if (u->groups[i] == gid)
			return true;
	return false;
}

bool sess_perm_ok(const struct sess_user *u, const struct stat *st, int want)
{
	unsigned bits = st->st_uid == u->uid		    ? (st->st_mode >> 6) & 7
			: sess_user_in_group(u, st->st_gid) ? (st->st_mode >> 3) & 7
							    : st->st_mode & 7;

	return (bits & (unsigned)want) == (unsigned)want;
}

static const char *want_str(int want)
{
	return want == (R_OK | W_OK) ? "read and write" : want == X_OK ? "search" : "read";
}

static void owner_str(const struct stat *st, char *buf, size_t len)
{
	struct passwd pw, *pr = NULL;
	struct group gr, *gres = NULL;
	char pbuf[1024], gbuf[1024], u[64], g[64];

	if (getpwuid_r(st->st_uid, &pw, pbuf, sizeof pbuf, &pr) == 0 && pr)
		nd_strlcpy(u, pw.pw_name, sizeof u);
	else
		(void)snprintf(u, sizeof u, "%u", (unsigned)st->st_uid);
	if (getgrgid_r(st->st_gid, &gr, gbuf, sizeof gbuf, &gres) == 0 && gres)
		nd_strlcpy(g, gr.gr_name, sizeof g);
	else
		(void)snprintf(g, sizeof g, "%u", (unsigned)st->st_gid);
	(void)snprintf(buf, len, "%s:%s", u, g); /* may be truncated */
}

void sess_perm_why(const struct sess_user *u, const struct stat *st, int want, char *buf,
		   size_t len)
{
	char own[140], *grp;

	owner_str(st, own, sizeof own);
	grp = strchr(own, ':') + 1;
	if (sess_perm_ok(u, st, want))
		(void)snprintf(buf, len,
			       "mode %04o %s lets you (%s) %s it, but the kernel refuses (a "
			       "POSIX ACL or a security module)",
			       (unsigned)(st->st_mode & 07777), own, u->name, want_str(want));
	else if (st->st_uid == u->uid)
		(void)snprintf(buf, len,
			       "mode %04o %s: you (%s) own it, and its owner may not %s it",
			       (unsigned)(st->st_mode & 07777), own, u->name, want_str(want));
	else if (sess_user_in_group(u, st->st_gid))
		(void)snprintf(buf, len,
			       "mode %04o %s: you (%s) are in group %s, which may not %s it",
			       (unsigned)(st->st_mode & 07777), own, u->name, grp, want_str(want));
	else
		(void)snprintf(buf, len,
			       "mode %04o %s: you (%s) are neither its owner nor in group %s, and "
			       "others may not %s it",
			       (unsigned)(st->st_mode & 07777), own, u->name, grp, want_str(want));
}

/* The first entry of 'path' (a directory on the way, or the file) that u
 * may not use: its path and why, and the fix. False when the mode bits of
 * none refuse (the kernel may still: sess_perm_why says so). */
static bool path_denied(const struct sess_user *u, const char *path, int want, char *why,
			size_t len, char *fix, size_t fixlen)
{
	char part[PATH_MAX];
	struct stat st;
	size_t n = strlen(path);

	if (n >= sizeof part || path[0] != '/')
		return false;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && path[i] != '/')
			continue;
		memcpy(part, path, i);
		part[i] = '\0';
		if (stat(part, &st) < 0)
			return false;
		bool last = i == n;
		int w = last && !S_ISDIR(st.st_mode) ? want : X_OK;

		if (sess_perm_ok(u, &st, w))
			continue;
		char pw[400];

		sess_perm_why(u, &st, w, pw, sizeof pw);
		(void)nd_snprintf(why, len, "%s (%s)", part, pw); /* may be truncated */
		(void)snprintf(fix, fixlen, "chmod %s %s",
			       w == X_OK   ? "a+x"
			       : w == R_OK ? "a+r"
					   : "a+rw",
			       part); /* may be truncated */
		return true;
	}
	return false;
}

/* "PATH (why)" and the fix for a file the kernel does not let the calling
 * user 'want'. */
static void denied_why(const struct sess_user *u, const char *path, int want, char *why, size_t len,
		       char *fix, size_t fixlen)
{
	struct stat st;
	char pw[400];

	if (path_denied(u, path, want, why, len, fix, fixlen))
		return;
	if (stat(path, &st) == 0)
		sess_perm_why(u, &st, want, pw, sizeof pw);
	else
		(void)snprintf(pw, sizeof pw, "%s", strerror(errno));
	(void)nd_snprintf(why, len, "%s (%s)", path, pw); /* may be truncated */
	(void)snprintf(fix, fixlen, "getfacl %s", path);
}

/* Whether the file capabilities of 'path' give it CAP_NET_ADMIN when run:
 * in the permitted set with the effective bit ('+ep'). The helper does not
 * raise capabilities itself, so '+p' alone leaves it without. */
static bool has_cap_net_admin(const char *path)
{
	struct vfs_ns_cap_data cap = { 0 };
	ssize_t len = getxattr(path, "security.capability", &cap, sizeof cap);
	uint32_t rev = le32toh(cap.magic_etc) & VFS_CAP_REVISION_MASK;

	/* Each revision has its size; a v3 (namespaced) capability owned by
	 * another user namespace's root does nothing when run from this one. */
	if (!((rev == VFS_CAP_REVISION_1 && len == XATTR_CAPS_SZ_1) ||
	      (rev == VFS_CAP_REVISION_2 && len == XATTR_CAPS_SZ_2) ||
	      (rev == VFS_CAP_REVISION_3 && len == XATTR_CAPS_SZ_3 && cap.rootid == 0)))
		return false;
	if (!(le32toh(cap.magic_etc) & VFS_CAP_FLAGS_EFFECTIVE))
		return false;
	return le32toh(cap.data[CAP_NET_ADMIN / 32].permitted) & (1u << (CAP_NET_ADMIN % 32));
}

static void check_helper(const struct nd_paths *p, bool user, struct sess_report *r)
{
	const char *h = p->bridge_helper;
	char fix[2 * PATH_MAX + 128];
	struct stat st;

	if (!h[0] || stat(h, &st) < 0) {
		sess_add(r, "qemu-bridge-helper is not installed (Debian: apt install "
			    "qemu-system-common; or set NETD_BRIDGE_HELPER)");
		return;
	}
	if ((st.st_uid == 0 && (st.st_mode & S_ISUID)) || has_cap_net_admin(h))
		return;
	/* dpkg restores a packaged file's mode on upgrade unless told by a
	 * statoverride: give the lasting fix where dpkg manages the helper. */
	if (strncmp(h, "/usr/lib", 8) == 0 && access("/usr/bin/dpkg-statoverride", X_OK) == 0)
		(void)snprintf(fix, sizeof fix,
			       "'dpkg-statoverride --update --add root root 4755 %s' (a plain "
			       "'chmod u+s' is undone by upgrades)",
			       h); /* may be truncated */
	else
		(void)snprintf(fix, sizeof fix, "'chmod u+s %s' (or 'setcap cap_net_admin+ep %s')",
			       h, h); /* may be truncated */
	sess_add(r,
		 "%s is neither setuid root nor has cap_net_admin, so it cannot add a tap "
		 "to the bridge: %s %s",
		 h, user ? "an admin must run" : "run", fix);
}

/* The helper opens the tun device after dropping to the caller's uid. */
static void check_tun(const struct sess_user *who, struct sess_report *r)
{
	const char *tun = "/dev/net/tun";
	struct stat st;

	if (stat(tun, &st) < 0) {
		sess_add(r, "%s is missing: load the tun module ('modprobe tun')", tun);
		return;
	}
	if (!S_ISCHR(st.st_mode)) {
		sess_add(r, "%s is not a character device", tun);
		return;
	}
	if (who) {
		char why[700], fix[PATH_MAX + 16];

		if (faccessat(AT_FDCWD, tun, R_OK | W_OK, AT_EACCESS) == 0)
			return;
		denied_why(who, tun, R_OK | W_OK, why, sizeof why, fix, sizeof fix);
		sess_add(r,
			 "%s: qemu-bridge-helper opens it as you, so it cannot create your "
			 "tap: an admin must run 'chmod 0666 %s' (udev normally makes it 0666)",
			 why, tun);
		return;
	}
	if ((st.st_mode & 0006) != 0006)
		sess_add(r,
			 "%s has mode %04o: ordinary users cannot open it (udev normally "
			 "makes it 0666): run 'chmod 0666 %s'",
			 tun, (unsigned)(st.st_mode & 07777), tun);
}

/* Whether an earlier loop problem is in the same file. */
static bool loop_file_seen(const struct bconf_report *rep, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (rep->bad[j].loop && strcmp(rep->bad[j].file, rep->bad[i].file) == 0)
			return true;
	return false;
}

/* Include loops and includes beyond netd's bounds: the first in each file,
 * of three files at most. */
static void check_loops(const struct bconf_report *rep, struct sess_report *r)
{
	size_t shown = 0, more = 0;

	for (size_t i = 0; i < rep->n_bad && i < BCONF_BAD_MAX; i++) {
		if (!rep->bad[i].loop)
			continue;
		if (shown >= 3 || loop_file_seen(rep, i)) {
			more++;
			continue;
		}
		shown++;
		sess_add(r,
			 "%s line %u: %s (qemu-bridge-helper follows includes without a limit): "
			 "remove that include",
			 rep->bad[i].file, rep->bad[i].line, rep->bad[i].why);
	}
	if (more)
		sess_add(r, "and %zu more include problems like these", more);
}

/* Why a group-only bridge is not allowed to who. */
static void not_member(const char *bridge, const char *group, const struct sess_user *who,
		       struct sess_report *r)
{
	struct group gr, *res = NULL;
	char buf[8192];
	bool listed = false;

	if (getgrnam_r(group, &gr, buf, sizeof buf, &res) != 0 || !res) {
		sess_add(r, "%s is for members of group %s only, and there is no such group",
			 bridge, group);
		return;
	}
	for (char **m = gr.gr_mem; m && *m && !listed; m++)
		listed = strcmp(*m, who->name) == 0;
	if (listed && !sess_user_in_group(who, gr.gr_gid))
		sess_add(r,
			 "%s is for members of group %s only: you (%s) are one, but this login "
			 "session started before you were added: log in again (or run 'newgrp %s')",
			 bridge, group, who->name, group);
	else if (!sess_user_in_group(who, gr.gr_gid))
		sess_add(r,
			 "%s is for members of group %s only, and you (%s) are not one: an admin "
			 "must run 'usermod -aG %s %s' (it takes effect at your next login)",
			 bridge, group, who->name, group, who->name);
}

/* Why the helper, parsing bridge.conf as who, finds no allow for it. */
static void user_not_allowed(const struct nd_paths *p, const struct net *n,
			     const struct bconf_report *rep, const struct sess_user *who,
			     struct sess_report *r)
{
	size_t before = r->n;
	char why[700], fix[PATH_MAX + 16];

	if (n->owner_line && n->owner_uid != who->uid) {
		char owner[64];

		nd_user_name((uid_t)n->owner_uid, owner, sizeof owner);
		sess_add(r,
			 "%s is the network of user %s (netd user): only that user's qemu may "
			 "join it, not yours (%s)",
			 n->bridge, owner, who->name);
		return;
	}
	if (n->access_group[0])
		not_member(n->bridge, n->access_group, who, r);
	if (r->n > before)
		return;
	for (size_t i = 0; i < rep->n_noread && i < BCONF_NOREAD_MAX; i++) {
		denied_why(who, rep->noread[i], R_OK, why, sizeof why, fix, sizeof fix);
		sess_add(r,
			 "%s, and qemu-bridge-helper, which reads bridge.conf as you, skips that "
			 "include with whatever it allows: an admin must run '%s'",
			 why, fix);
	}
	if (r->n == before)
		sess_add(r, "%s has no 'allow %s' for you (an admin's 'netd apply' adds it)",
			 p->bridge_conf, n->bridge);
}

/* bridge.conf itself the user may not read: the helper allows them nothing. */
static void user_cannot_read(const struct nd_paths *p, const struct sess_user *who,
			     struct sess_report *r)
{
	char why[700], fix[PATH_MAX + 16];

	denied_why(who, p->bridge_conf, R_OK, why, sizeof why, fix, sizeof fix);
	sess_add(r,
		 "%s: qemu-bridge-helper reads it as you, so it allows you no bridge at all: an "
		 "admin must run '%s'",
		 why, fix);
}

static void check_acl(const struct nd_paths *p, const struct net *n, const struct bconf_report *acl,
		      const struct sess_user *who, struct sess_report *r)
{
	const char *bridge = n->bridge;
	struct bconf_report read = { 0 };
	const struct bconf_report *rep = acl ? acl : &read;
	struct nerr e = { { 0 } };
	const struct bconf_bad *bad = NULL;
	int rc = acl ? 0 : bconf_check(p->bridge_conf, bridge, &read, &e);

	if (rc == -EACCES && who) {
		user_cannot_read(p, who, r);
		return;
	}
	if (rc < 0) {
		sess_add(r, "cannot read %s: %s", p->bridge_conf, e.msg);
		return;
	}
	/* The line that makes the helper reject the file, not an earlier
	 * problem in an include. */
	for (size_t i = 0; !bad && i < rep->n_bad && i < BCONF_BAD_MAX; i++)
		if (rep->bad[i].fatal)
			bad = &rep->bad[i];
	if (rep->missing)
		sess_add(r, "%s does not exist: qemu-bridge-helper allows no bridge",
			 p->bridge_conf);
	else if (rep->rejected)
		sess_add(r,
			 "qemu-bridge-helper rejects %s as a whole (%s line %u: %s): fix or "
			 "remove that line",
			 p->bridge_conf, bad ? bad->file : "?", bad ? bad->line : 0,
			 bad ? bad->why : "");
	else if (rep->denied)
		sess_add(r, "%s denies %s, which overrides every allow: remove that line",
			 rep->deny_at, bridge);
	else if (!rep->allowed && who)
		user_not_allowed(p, n, rep, who, r);
	else if (!rep->allowed)
		sess_add(r, "%s has no 'allow %s' (netd apply adds it)", p->bridge_conf, bridge);
	/* Every unsafe file first: each is a way to root's trust. */
	for (size_t i = 0; i < rep->n_unsafe && i < BCONF_UNSAFE_MAX; i++)
		sess_add(r,
			 "%s is writable by %s, and qemu-bridge-helper (setuid root) trusts it: "
			 "run '%s'",
			 rep->unsafe[i].path, rep->unsafe[i].who, rep->unsafe[i].fix);
	if (rep->n_unsafe > BCONF_UNSAFE_MAX)
		sess_add(r,
			 "%zu more files of the bridge.conf chain are writable by others than root",
			 rep->n_unsafe - BCONF_UNSAFE_MAX);
	check_loops(rep, r);
	/* A user who got this far read the file; root's view asks for all. */
	if (!who && !rep->missing && rep->unreadable)
		sess_add(r,
			 "%s (mode %04o) is not readable by ordinary users, and the helper "
			 "reads it as the calling user: run 'chmod a+r %s'",
			 p->bridge_conf, (unsigned)(rep->mode & 07777), p->bridge_conf);
}

int sess_check(const struct nd_paths *p, const struct net *n, const struct bconf_report *acl,
	       const struct sess_user *who, struct sess_report *r)
{
	memset(r, 0, sizeof *r);
	r->usable = true;
	check_acl(p, n, acl, who, r);
	check_helper(p, who != NULL, r);
	check_tun(who, r);
	return 0;
}
