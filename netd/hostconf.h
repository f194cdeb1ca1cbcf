/* netd.conf: per-host settings (NETD_HOST_CONF, /etc/netd/netd.conf).
 *
 *     # comment
 *     KEY = VALUE
 *
 * Keys (each "yes" or "no"; no file, or a key left out, means the default):
 *     firewalld = yes   put netd's bridges in firewalld's zone over D-Bus
 *     iptables  = yes   insert accepts for netd's bridges (their interface
 *                       group, shared by all networks) into the iptables
 *                       chains that would drop their traffic (DOCKER-USER,
 *                       else ip/ip6 filter INPUT and FORWARD)
 * An unknown key or value is an error naming FILE:LINE: a typo must not
 * silently leave an integration on. */
#ifndef NETD_HOSTCONF_H
#define NETD_HOSTCONF_H

#include <stdbool.h>

#include "paths.h"
#include "util.h"

struct hostconf {
	bool firewalld;
	bool iptables;
};

/* The defaults, then the file when it exists. */
int hostconf_load(const struct nd_paths *p, struct hostconf *hc, struct nerr *e);
/* The same from text ('file' names it in messages). */
int hostconf_parse(const char *text, const char *file, struct hostconf *hc, struct nerr *e);

#endif
