/* Can an unprivileged user's qemu (qemu:///session) join a bridge through
 * qemu-bridge-helper? Only reads the host; netd never changes the helper's
 * or the tun device's permissions on its own. */
#ifndef NETD_SESSION_H
#define NETD_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "paths.h"

#define SESS_REASONS_MAX 16

struct sess_report {
	bool usable;
	size_t n; /* reasons it is not, each with what an admin must change */
	char why[SESS_REASONS_MAX][512];
};

struct bconf_report;

/* acl: what bconf_check() says of bridge.conf for this bridge, when the
 * caller has it; NULL reads the file. */
int sess_check(const struct nd_paths *p, const char *bridge, const struct bconf_report *acl,
	       struct sess_report *r);

#endif
