/* Can an unprivileged user's qemu (qemu:///session) join a bridge through
 * qemu-bridge-helper? Only reads the host; netd never changes the helper's
 * or the tun device's permissions on its own.
 *
 * Two points of view. Root's (netd status as root): can ordinary users,
 * any of them, join (bridge.conf readable by everyone, the tun device
 * usable by everyone). A user's (netd status run by that user): can MY
 * qemu join. The helper, setuid root, drops to the caller's real uid and
 * gid and keeps the supplementary groups before it parses bridge.conf and
 * its includes and opens /dev/net/tun (qemu-bridge-helper.c,
 * drop_privileges with libcap-ng), so what counts is what this user may
 * read and open: the check reads the files as the calling process, which
 * is that user, and explains a refusal from the owner, group and mode
 * against the user's ids (sess_perm_*). An include the user may not read
 * is skipped by the helper, and so its rules (a group-only network's ACL
 * file) do not apply to that user. */
#ifndef NETD_SESSION_H
#define NETD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "paths.h"

#define SESS_REASONS_MAX 16
#define SESS_GROUPS_MAX	 64

struct sess_report {
	bool usable;
	size_t n; /* reasons it is not, each with what an admin must change */
	char why[SESS_REASONS_MAX][512];
};

/* Whose qemu a check answers for: the real ids the helper drops to, and
 * the supplementary groups it keeps. */
struct sess_user {
	uid_t uid;
	gid_t gid;
	size_t n_groups; /* groups[] beyond gid; more than SESS_GROUPS_MAX are cut */
	gid_t groups[SESS_GROUPS_MAX];
	char name[64]; /* login name, else "uid N" */
};

/* The calling process: getuid(), getgid(), getgroups(). */
int sess_user_self(struct sess_user *u);
bool sess_user_in_group(const struct sess_user *u, gid_t gid);

/* Whether u gets 'want' (R_OK, W_OK, X_OK bits) on a file of this owner,
 * group and mode, by the mode bits as the kernel applies them: the owner's
 * class for the owner, else the group's for a member, else the others'.
 * Root's override and POSIX ACLs are not counted. */
bool sess_perm_ok(const struct sess_user *u, const struct stat *st, int want);
/* Why u does not get 'want' on 'path': "mode 0640 root:kvm: you (alice)
 * are neither its owner nor in group kvm". */
void sess_perm_why(const struct sess_user *u, const struct stat *st, int want, char *buf,
		   size_t len);

struct bconf_report;

struct net;

/* For the bridge of network n: whom it is for (everyone, the members of
 * n->access_group, the user n->owner_uid of a delegated network). acl: what
 * bconf_check() says of bridge.conf for this bridge, when the caller has
 * it (read by this process); NULL reads the file. who: NULL for root's
 * view, else the user whose qemu must join (the calling process's ids). */
int sess_check(const struct nd_paths *p, const struct net *n, const struct bconf_report *acl,
	       const struct sess_user *who, struct sess_report *r);

#endif
