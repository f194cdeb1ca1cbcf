#include "defnet.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "hostnet.h"
#include "netlink.h"

/* Move every IPv4 address of the template's <ip> from its /24 to the /24
 * whose third octet is 'x': the gateway, the DHCP range, static hosts. */
static void defnet_move(struct net_ip *ip, unsigned x)
{
	ip->addr.u.b[2] = (uint8_t)x;
	for (size_t i = 0; i < ip->n_ranges; i++) {
		ip->ranges[i].start.u.b[2] = (uint8_t)x;
		ip->ranges[i].end.u.b[2] = (uint8_t)x;
	}
	for (size_t i = 0; i < ip->n_hosts; i++)
		ip->hosts[i].ip.u.b[2] = (uint8_t)x;
}

/* Whether a subnet is used by another defined network; names it in 'what'. */
static int defnet_netd_user(const struct store *s, const struct net_ip *ip, char *what, size_t len,
			    struct nerr *e)
{
	char **names = NULL;
	size_t count = 0;
	int r, found = 0;

	if ((r = store_names(s, &names, &count, e)) < 0)
		return r;
	for (size_t i = 0; i < count && !found; i++) {
		_cleanup_net_ struct net o = { 0 };
		struct nerr ignore;

		if (store_load(s, names[i], &o, &ignore) < 0)
			continue;
		for (size_t k = 0; k < o.n_ips && !found; k++)
			if (net_ips_overlap(ip, &o.ips[k])) {
				(void)snprintf(what, len, "netd network %s",
					       o.name); /* may be truncated */
				found = 1;
			}
	}
	store_names_free(names, count);
	return found;
}

/* The first free /24: 122, else 124..254. */
static int defnet_pick(const struct store *s, struct net_ip *ip, char *why, size_t len,
		       struct nerr *e)
{
	_cleanup_netlink_ struct nl_sock *nl = NULL;
	_cleanup_hostnet_ struct hostnet *h = NULL;
	char what[256];
	int r;

	if ((r = netlink_open(&nl, e)) < 0 || (r = hostnet_load(nl, &h, e)) < 0)
		return r;
	why[0] = '\0';
	for (unsigned x = 122; x <= 254; x = x == 122 ? 124 : x + 1) {
		struct net_addr subnet;

		defnet_move(ip, x);
		net_addr_mask(&ip->addr, ip->prefix, &subnet);
		r = hostnet_overlap(h, &subnet, ip->prefix, NULL, what, sizeof what);
		if (r == 0 && (r = defnet_netd_user(s, ip, what, sizeof what, e)) < 0)
			return r;
		if (r == 0)
			return 0;
		if (!why[0])
			(void)snprintf(why, len, "192.168.122.0/24 is used by %s",
				       what); /* may be truncated */
	}
	return nerr_set(e, -EADDRNOTAVAIL,
			"network default: every 192.168.X.0/24 (X = 122, 124-254) is in use "
			"on this host; define a default network by hand");
}

int defnet_install(struct store *s, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	char why[320], a[64];
	bool replaced;
	int r;

	if (store_exists(s, "default")) {
		fprintf(out, "network 'default' is already defined; nothing changed\n");
		return 0;
	}
	if ((r = net_parse_memory(netd_template_default, netd_template_default_len,
				  "(built-in default.xml)", &n, e)) < 0 ||
	    (r = net_validate(&n, e)) < 0)
		return r;
	if (n.n_ips != 1 || n.ips[0].addr.family != AF_INET || n.ips[0].prefix != 24)
		return nerr_set(e, -EINVAL, "built-in default.xml: expected one IPv4 /24");
	if ((r = defnet_pick(s, &n.ips[0], why, sizeof why, e)) < 0)
		return r;
	/* virbr0 only when it is free: a leftover libvirt bridge keeps its
	 * name, and netd takes the next virbrN rather than adopt it. */
	if (if_nametoindex(n.bridge) != 0) {
		fprintf(out, "interface %s exists; the default network gets another bridge\n",
			n.bridge);
		n.bridge[0] = '\0';
	}
	if ((r = store_define(s, &n, &replaced, e)) < 0 ||
	    (r = store_set_autostart(s, n.name, true, e)) < 0)
		return r;
	net_addr_str(&n.ips[0].addr, a, sizeof a);
	/* why names host interfaces, whose names the kernel does not limit to
	 * printable characters */
	fprintf(out, "network 'default' defined: bridge %s, %s/%u%s", n.bridge, a, n.ips[0].prefix,
		why[0] ? " (" : "");
	(void)nd_fputs_esc(why, out);
	fprintf(out, "%s, starts at boot\n", why[0] ? ")" : "");
	return 0;
}
