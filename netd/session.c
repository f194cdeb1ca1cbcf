#include "session.h"

#include <endian.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bridgeconf.h"

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

static void check_helper(const struct nd_paths *p, struct sess_report *r)
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
		 "to the bridge: run %s",
		 h, fix);
}

/* The helper opens the tun device after dropping to the caller's uid. */
static void check_tun(struct sess_report *r)
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

static void check_acl(const struct nd_paths *p, const char *bridge, const struct bconf_report *acl,
		      struct sess_report *r)
{
	struct bconf_report read = { 0 };
	const struct bconf_report *rep = acl ? acl : &read;
	struct nerr e = { { 0 } };
	const struct bconf_bad *bad = NULL;

	if (!acl && bconf_check(p->bridge_conf, bridge, &read, &e) < 0) {
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
	if (!rep->missing && rep->unreadable)
		sess_add(r,
			 "%s (mode %04o) is not readable by ordinary users, and the helper "
			 "reads it as the calling user: run 'chmod a+r %s'",
			 p->bridge_conf, (unsigned)(rep->mode & 07777), p->bridge_conf);
}

int sess_check(const struct nd_paths *p, const char *bridge, const struct bconf_report *acl,
	       struct sess_report *r)
{
	memset(r, 0, sizeof *r);
	r->usable = true;
	check_acl(p, bridge, acl, r);
	check_helper(p, r);
	check_tun(r);
	return 0;
}
