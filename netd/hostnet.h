/* The host's addresses and routes, read over rtnetlink, to tell whether a
 * network's subnets are free: a subnet is taken when it overlaps (shares any
 * address with) an address on an interface or a unicast route in any table
 * but 'local'. What does not count: the default route and every route
 * shorter than /8 (0.0.0.0/1 of VPN clients, 2000::/3), IPv6 link-local
 * addresses and routes (fe80::/10), anything on the interface the caller
 * says to ignore (the network's own bridge, so that apply can check a
 * running network). */
#ifndef NETD_HOSTNET_H
#define NETD_HOSTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

#include "model.h"

struct nl_sock;

#define HOSTNET_MIN_PREFIX 8 /* shorter routes are "everything", not a claim */

/* A snapshot of the host's interfaces, addresses and routes. */
struct hostnet;

/* Read it over the caller's rtnetlink socket (netlink_open()). */
int hostnet_load(struct nl_sock *sk, struct hostnet **h, struct nerr *e);
void hostnet_free(struct hostnet *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct hostnet *, hostnet_free)
#define _cleanup_hostnet_ __attribute__((cleanup(hostnet_freep)))

/* 1 when subnet/prefix overlaps something in the snapshot, with 'what' set
 * to e.g. "address 192.168.122.5/24 on eth1" or "route 192.168.0.0/16 dev
 * tun0"; 0 when free. 'ignore_ifname' may be NULL. */
int hostnet_overlap(const struct hostnet *h, const struct net_addr *subnet, unsigned prefix,
		    const char *ignore_ifname, char *what, size_t len);

/* Whether any subnet of n is taken on the host: 1 (with 'what'), 0, or a
 * negative errno when the host could not be read. */
int hostnet_find_overlap(struct nl_sock *sk, const struct net *n, const char *ignore_ifname,
			 char *what, size_t len, struct nerr *e);

/* The device of the IPv4 default route of the main table (the first, when
 * there are several), or "" when there is none; a negative errno when the
 * routes could not be read. */
int hostnet_default_ifname(struct nl_sock *sk, char buf[IF_NAMESIZE]);

/* One subnet, for install-default picking 192.168.X.0/24. To try many, load
 * a snapshot once and call hostnet_overlap() instead. */
int hostnet_subnet_free(struct nl_sock *sk, const struct net_addr *subnet, unsigned prefix,
			bool *is_free, char *what, size_t len, struct nerr *e);

/* The interfaces that have an IPv6 default route the kernel learnt from
 * router advertisements (protocol RTPROT_RA, "proto ra"), each named once,
 * at most max (-E2BIG beyond). These are what turning IPv6 forwarding on
 * breaks unless their accept_ra is 2 (see ipfwd.h). */
int hostnet_ra_default_ifs(struct nl_sock *sk, char (*names)[IF_NAMESIZE], size_t max, size_t *n,
			   struct nerr *e);

#endif
