/* delegation.conf: which unprivileged users may have networks of their own
 * (netd user, through the socket-activated netd serve-user), carved from
 * which address pool, how many each, of which kinds.
 *
 *     # comment
 *     users = alice bob            user names (either list may be empty)
 *     groups = vmusers             members of these groups
 *     pool = 10.203.0.0/16         IPv4 pool the networks are carved from
 *     prefix = 24                  each network's size in the pool (16-29)
 *     pool6 = fd00:203::/48        optional: each network also gets a /64
 *     max-networks = 2             per user (1-64)
 *     forward = nat isolated       the kinds users may ask for
 *     lease-time = 1h              DHCP lease of a user network, unless the
 *     max-lease-time = 1d          user asks for another, up to this
 *
 * Durations are seconds, or a number with s, m, h or d. No file means no
 * delegation: serve-user refuses every request, saying so. The file is
 * trusted only when root owns it and its directories and none of them can
 * be written by anyone else: it decides what root does for other users. An
 * unknown key or a bad value is an error naming FILE:LINE. */
#ifndef NETD_DELEG_H
#define NETD_DELEG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"
#include "paths.h"
#include "util.h"

#define DELEG_NAMES_MAX 64
#define DELEG_NAME_MAX	32 /* bytes of a user or group name */

struct deleg_policy {
	char users[DELEG_NAMES_MAX][DELEG_NAME_MAX + 1];
	size_t n_users;
	char groups[DELEG_NAMES_MAX][DELEG_NAME_MAX + 1];
	size_t n_groups;
	struct net_addr pool; /* family 0 when not given: then nothing can be created */
	unsigned pool_prefix;
	unsigned prefix;       /* of each network (default 24) */
	struct net_addr pool6; /* family 0 when not given */
	unsigned pool6_prefix;
	unsigned max_networks;		     /* default 2 */
	bool nat, isolated;		     /* default both */
	uint64_t lease_time, max_lease_time; /* default 1h, 1d */
};

/* -ENOENT with a message when the file does not exist. */
int deleg_load(const struct nd_paths *p, struct deleg_policy *pol, struct nerr *e);
/* The same from text ('file' names it in messages); no trust check. */
int deleg_parse(const char *text, const char *file, struct deleg_policy *pol, struct nerr *e);

/* Whether the user (by name, and the groups it had when it connected) is
 * covered by the policy. */
bool deleg_covers(const struct deleg_policy *pol, const char *user, const gid_t *gids,
		  size_t n_gids);

/* "3600", "90s", "30m", "1h", "2d" -> seconds; -EINVAL otherwise. */
int deleg_duration(const char *s, uint64_t *out);

#endif
