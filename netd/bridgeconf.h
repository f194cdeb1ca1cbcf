/* The bridge.conf editor: qemu-bridge-helper's ACL file.
 *
 * What the helper does with the file (qemu-bridge-helper.c, parse_acl_file):
 * it reads it line by line with fgets() into a 4096-byte buffer, after
 * dropping to the calling user's real uid when it is setuid with libcap-ng,
 * so the file must be readable by that user. Leading white space is skipped;
 * a line that is then empty or starts with '#' is ignored. Otherwise the
 * keyword ends at the first ' ' of the line, or at the first tab when the
 * line has no space at all; a line with neither is invalid. The argument is
 * trimmed of white space at both ends. Keywords: allow, deny, include; for
 * allow and deny the argument "all" matches every bridge. An argument other
 * than an include path of 16 bytes or more (IFNAMSIZ), an unknown keyword or
 * an invalid line make the helper reject the WHOLE file, and then no bridge
 * at all can be used. Errors in an included file only end the reading of
 * that file (rules before the bad line stay). A matching deny wins over
 * every allow, whatever the order.
 *
 * What netd writes: for each bridge, the two lines
 *
 *     # netd: added for a netd network, removed when it stops
 *     allow BRIDGE
 *
 * The comment marks the allow line as netd's own, so that stopping a network
 * removes netd's line and never an administrator's identical one (Fedora's
 * qemu ships "allow virbr0" in this file). The pair is appended after the
 * last complete line. When the file does not end with a newline, the pair
 * goes in front of the unterminated last line instead, so that no byte the
 * administrator wrote changes and bconf_remove() restores the file byte for
 * byte. Every other line, comment and include is kept byte for byte.
 *
 * Writes are atomic (temp file, fsync, rename) and keep the existing file's
 * owner, group and mode; a missing file is created 0644 (root:root when run
 * as root), its directory 0755. A symlink is followed and its target
 * rewritten. Callers hold netd's lock: the read-modify-write is not safe
 * against a second writer.
 *
 * Trust: the helper is setuid root and believes bridge.conf, every file it
 * includes and so whoever can change them or the directories that lead to
 * them. Every scan checks that chain (root and, when netd is not run as
 * root, netd's own user are trusted): an entry is unsafe when another user
 * owns it, when its group (other than root's, or with a POSIX ACL) or
 * everyone may write it. A sticky directory that root owns is exempt for a
 * root-owned entry that exists (others can neither rename nor remove it),
 * never for a missing one (others could create it first) and never for
 * bridge.conf's own directory, where netd creates files. netd refuses to
 * add to an unsafe chain and says what to run. */
#ifndef NETD_BRIDGECONF_H
#define NETD_BRIDGECONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

#define BCONF_MARK "# netd: added for a netd network, removed when it stops"

/* The helper reads lines into a buffer of this size. */
#define BCONF_LINE_MAX 4096
/* Includes followed when looking for deny rules (the helper has no limit). */
#define BCONF_INCLUDE_DEPTH 8
/* Problem lines kept in a report (n_bad counts them all). */
#define BCONF_BAD_MAX 8
/* The work one scan may do, bridge.conf and its includes together: each
 * file is read once (by device and inode) and these bound the rest. */
#define BCONF_FILES_MAX 64
#define BCONF_LINES_MAX 100000
#define BCONF_BYTES_MAX (4u << 20)

/* A line the helper rejects, or that does not work as its author meant. */
struct bconf_bad {
	char file[256]; /* the file (truncated for display) */
	unsigned line;	/* 1-based */
	bool fatal;	/* in the main file: the helper rejects the whole file */
	bool loop;	/* an include loop, or more or deeper includes than netd reads */
	char why[160];	/* what is wrong, never the line's content */
};

/* Files kept in a report's unsafe[] (n_unsafe counts them all). */
#define BCONF_UNSAFE_MAX 8

/* A file or directory of the ACL chain (bridge.conf, its includes, the
 * directories that lead to them) that someone other than root can change:
 * the helper runs setuid root and trusts all of them. */
struct bconf_unsafe {
	char path[256];
	char who[128]; /* who besides root can write it, and why */
	char fix[600]; /* the command(s) that make it safe */
	dev_t dev;
	ino_t ino;
};

/* Includes kept in a report's noread[] (n_noread counts them all). */
#define BCONF_NOREAD_MAX 4

struct bconf_report {
	bool missing;	   /* the file does not exist: the helper refuses everything */
	bool present;	   /* the main file has an 'allow BRIDGE' line */
	bool ours;	   /* ...netd's own (marked) one, or netd's include */
	bool group_only;   /* netd's include of a per-network (group or user) ACL file */
	bool added;	   /* bconf_add() wrote the file */
	bool allowed;	   /* an allow for BRIDGE or 'allow all', includes counted */
	bool denied;	   /* a 'deny BRIDGE' or 'deny all' overrides every allow */
	char deny_at[300]; /* "FILE:LINE" of the first such deny */
	bool rejected;	   /* the helper rejects the main file (see bad[]) */
	bool loop;	   /* an include loop, too deep or too many includes (bad[]): the
			    * helper, which has no limit, may never finish */
	bool unreadable;   /* other users cannot read the file or search its directory */
	mode_t mode;	   /* of the file, when it exists */
	size_t n_bad;	   /* all problem lines; the first BCONF_BAD_MAX are in bad[] */
	struct bconf_bad bad[BCONF_BAD_MAX];
	size_t n_unsafe; /* writable by others than root; the first BCONF_UNSAFE_MAX
			  * are in unsafe[]. bconf_add* refuse to add then. */
	struct bconf_unsafe unsafe[BCONF_UNSAFE_MAX];
	/* Includes the caller may not read (EACCES; never for root): the
	 * helper, which parses as the calling user, skips them too, so their
	 * rules do not apply to that user's qemu (a group-only ACL file of a
	 * group the caller is not in). */
	size_t n_noread;
	char noread[BCONF_NOREAD_MAX][256];
};

/* Whether an unprivileged user's qemu can join BRIDGE through the helper. */
static inline bool bconf_usable(const struct bconf_report *r)
{
	return !r->missing && r->allowed && !r->denied && !r->rejected && !r->unreadable &&
	       !r->loop && !r->n_unsafe;
}

/* Whether netd accepts 'bridge' in the file: net_ifname_ok() and not the
 * keyword "all". */
bool bconf_name_ok(const char *bridge);

/* Add netd's 'allow BRIDGE' unless the main file already has an allow line
 * for BRIDGE (netd's or anyone's). Idempotent. rep (may be NULL) describes
 * the file as the helper will see it after the call. -EINVAL for a name
 * that bconf_name_ok() refuses; -EPERM, changing nothing, when a file of
 * the ACL chain is writable by anyone but root (rep->unsafe[]; the message
 * says what to run). */
int bconf_add(const char *path, const char *bridge, struct bconf_report *rep, struct nerr *e);

/* Restrict BRIDGE to the members of one group: write the per-network ACL
 * file (bconf_acl_path: root:GROUP, mode 0640, 'allow BRIDGE') and add
 * netd's marked 'include ACLFILE' to the main file (replacing netd's own
 * 'allow BRIDGE' if the network was open to all before). The helper parses
 * as the calling user and skips an include it cannot read, so only members
 * get the allow. Idempotent. -EPERM as bconf_add(). */
int bconf_add_group(const char *path, const char *bridge, gid_t gid, struct bconf_report *rep,
		    struct nerr *e);
/* The same for one user (a network with <netd:owner>): the ACL file is
 * root:root 0640 with a POSIX ACL entry that lets only that user read it
 * (the owner of a file could chmod it, and a group has other members);
 * where the file system has no POSIX ACLs, root:PRIVATE-GROUP 0640 when
 * the user has a private group, else an error. */
int bconf_add_user(const char *path, const char *bridge, uid_t uid, struct bconf_report *rep,
		   struct nerr *e);
/* The ACL file's path: beside bridge.conf where it really is (symlinks
 * resolved), the same path for the line netd writes and the one it checks. */
int bconf_acl_path(const char *path, const char *bridge, char *buf, size_t len);

/* Remove netd's marked 'allow BRIDGE' or 'include ACLFILE' (every copy of
 * the pair), the ACL file, and nothing else. 0 when absent or the file is
 * missing. */
int bconf_remove(const char *path, const char *bridge, struct nerr *e);

/* Describe the file for BRIDGE without changing it. A missing file is not an
 * error (rep->missing). */
int bconf_check(const char *path, const char *bridge, struct bconf_report *rep, struct nerr *e);

#endif
