/* Which rtnetlink events a running dnsmasq hears.
 *
 * dnsmasq (netlink.c, 2.90) subscribes its rtnetlink socket to every IPv4
 * and IPv6 address and route change of the host, whatever its config. Each
 * bridge that comes up is one address and three route messages, so with
 * one dnsmasq per network every start woke every running dnsmasq: with 200
 * networks up that was 400 context switches per start, and netd's two
 * sendmsg() calls that announce the bridge's address and its link up took
 * 4-5 ms each, in the kernel, waking those processes (the bridge step: 9 ms
 * against 1 ms with the 200 dnsmasq stopped).
 *
 * What the events are for, in dnsmasq, and why netd's dnsmasq needs none
 * but one:
 * - a new or removed address: bind-dynamic's rebinding (netd's dnsmasq
 *   uses bind-interfaces and is restarted when the bridge's addresses
 *   change), and for RA and DHCPv6 the address table and an unsolicited
 *   RA when an address appears (the bridge's link-local one appears when
 *   the first guest port brings carrier). So an IPv6 network's dnsmasq
 *   keeps RTNLGRP_IPV6_IFADDR; IPv4 address events are for nothing here.
 * - a new route: it resends the last DNS query (dial-on-demand links) and
 *   stats resolv.conf; netd's dnsmasq has no-resolv (servers-file=).
 *
 * No config option turns the subscription off, so netd drops the groups
 * from dnsmasq's socket itself: pidfd_getfd() (Linux 5.6, the access of
 * ptrace attach) gives netd a descriptor of the very socket, and
 * NETLINK_DROP_MEMBERSHIP on it takes the socket out of the groups' lists,
 * so the kernel no longer queues those messages for it at all. dnsmasq's
 * own requests (its interface and address dumps) are unicast replies and
 * are not affected. Where the kernel refuses (an older kernel, ptrace
 * restricted by Yama or a container), dnsmasq keeps its groups and works
 * as before, only waking more. */
#include "dhcp_run.h"

#include <dirent.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The groups netd's dnsmasq never needs (numbers, not RTMGRP_ masks). */
static const unsigned mute_groups[] = { RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
					RTNLGRP_IPV6_IFADDR };

static bool is_rtnl(int fd)
{
	int dom = 0, proto = 0;
	socklen_t l1 = sizeof dom, l2 = sizeof proto;

	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l1) == 0 && dom == AF_NETLINK &&
	       getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l2) == 0 && proto == NETLINK_ROUTE;
}

static int mute_one(int fd, bool ipv6)
{
	for (size_t i = 0; i < sizeof mute_groups / sizeof mute_groups[0]; i++) {
		unsigned g = mute_groups[i];

		if (ipv6 && g == RTNLGRP_IPV6_IFADDR)
			continue;
		/* Dropping a group the socket is not in is no error. */
		if (setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &g, sizeof g) < 0)
			return -errno;
	}
	return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

int dhcp_mute(pid_t pid, int pidfd, bool ipv6, int *muted)
{
	__attribute__((cleanup(closedirp))) DIR *d = NULL;
	char dir[64], path[320], link[64];
	struct dirent *de;
	int r = 0;

	*muted = 0;
	snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
	if (!(d = opendir(dir)))
		return -errno;
	while ((de = readdir(d))) {
		_cleanup_close_ int fd = -1;
		char *end;
		long n;
		ssize_t len;

		errno = 0;
		n = strtol(de->d_name, &end, 10);
		if (errno || *end || end == de->d_name || n < 0 || n > INT32_MAX)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		len = readlink(path, link, sizeof link - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (strncmp(link, "socket:[", 8) != 0)
			continue;
		if ((fd = pidfd_getfd(pidfd, (int)n, 0)) < 0) {
			if (errno == EBADF) /* closed since readdir() */
				continue;
			return -errno;
		}
		if (!is_rtnl(fd))
			continue;
		if ((r = mute_one(fd, ipv6)) < 0)
			return r;
		(*muted)++;
	}
	return 0;
}
