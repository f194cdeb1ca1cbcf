/* The host's addresses and routes, for overlap checks.
 *
 * Each dump is parsed object by object with libnl-route (nl_msg_parse), and
 * only what can conflict is kept, in a flat array: a host with a full BGP
 * table should not cost a libnl cache of a million routes. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "hostnet.h"
#include "netlink.h"

#define HN_DUMP_TRIES 3 /* a dump interrupted by a change is read again */

struct hn_ent {
	struct net_addr a; /* the address, or the route's destination */
	unsigned prefix;
	int ifindex; /* 0: a route without a device */
	bool route;
};

struct hn_if {
	int ifindex;
	char name[IF_NAMESIZE];
};

struct hostnet {
	struct hn_ent *ents;
	size_t n;
	struct hn_if *ifs;
	size_t n_ifs;
	int err; /* ENOMEM while parsing */
};

/* nd_array_push grows by one element, and glibc's realloc makes that cheap
 * (a million entries: 53 ms against 28 ms doubling, measured); no bound but
 * memory, for a host may carry a full BGP table. */
#define HN_MAX SIZE_MAX

static bool is_link_local(const struct net_addr *a)
{
	return a->family == AF_INET6 && a->u.b[0] == 0xfe && (a->u.b[1] & 0xc0) == 0x80;
}

static void add_ent(struct hostnet *h, const struct hn_ent *x)
{
	struct hn_ent *p = nd_array_push(&h->ents, &h->n, sizeof *p, HN_MAX);

	if (!p) {
		h->err = -ENOMEM;
		return;
	}
	*p = *x;
}

static void on_link(struct nl_object *o, void *arg)
{
	struct hostnet *h = arg;
	struct rtnl_link *l = (struct rtnl_link *)o;
	const char *name = rtnl_link_get_name(l);
	struct hn_if *p;

	if (!name)
		return;
	p = nd_array_push(&h->ifs, &h->n_ifs, sizeof *p, HN_MAX);
	if (!p) {
		h->err = -ENOMEM;
		return;
	}
	p->ifindex = rtnl_link_get_ifindex(l);
	nd_strlcpy(p->name, name, sizeof p->name);
}

/* Addresses and routes are read from the messages themselves: libnl's
 * object for each (an allocation per address, a nexthop list per route)
 * cost more than the rest of the check, and with 200 networks up the
 * overlap check of every start read 400 of them. */

/* The address of attribute a when it is one of family's, into *out. */
static bool rta_addr(const struct rtattr *a, int family, struct net_addr *out)
{
	size_t len = net_addr_len(family);

	memset(out, 0, sizeof *out);
	if (!a || (family != AF_INET && family != AF_INET6) || RTA_PAYLOAD(a) != len)
		return false;
	out->family = family;
	memcpy(out->u.b, RTA_DATA(a), len);
	return true;
}

/* One RTM_NEWADDR. IPv6 gives its address as IFA_ADDRESS alone; IPv4 gives
 * IFA_LOCAL, and an IFA_ADDRESS that differs is a point-to-point peer. */
static void on_addr(const struct nlmsghdr *nh, struct hostnet *h)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *local = NULL, *addr = NULL;
	struct hn_ent x = { 0 };
	bool peer;

	if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof *ifa))
		return;
	int len = (int)IFA_PAYLOAD(nh);
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_LOCAL)
			local = a;
		else if (a->rta_type == IFA_ADDRESS)
			addr = a;
	}
	peer = local && addr &&
	       (RTA_PAYLOAD(local) != RTA_PAYLOAD(addr) ||
		memcmp(RTA_DATA(local), RTA_DATA(addr), RTA_PAYLOAD(addr)) != 0);
	if (!rta_addr(local ? local : addr, ifa->ifa_family, &x.a) || is_link_local(&x.a))
		return;
	x.ifindex = (int)ifa->ifa_index;
	x.prefix = ifa->ifa_prefixlen;
	/* A point-to-point peer's prefix is the route's business; an absurdly
	 * short prefix does not claim everything: keep the address itself. */
	if (peer || x.prefix < HOSTNET_MIN_PREFIX)
		x.prefix = ifa->ifa_family == AF_INET6 ? 128 : 32;
	add_ent(h, &x);
}

/* One RTM_NEWROUTE: a unicast route outside the local table, one entry per
 * device, so that ignoring our bridge ignores only what goes through it. */
static void on_route(const struct nlmsghdr *nh, struct hostnet *h)
{
	const struct rtmsg *rm = NLMSG_DATA(nh);
	const struct rtattr *dst = NULL, *mp = NULL;
	struct hn_ent x = { .route = true };
	uint32_t table;
	int oif = 0;

	if (nh->nlmsg_type != RTM_NEWROUTE || nh->nlmsg_len < NLMSG_LENGTH(sizeof *rm))
		return;
	table = rm->rtm_table;
	int len = (int)RTM_PAYLOAD(nh);
	for (const struct rtattr *a = RTM_RTA(rm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_DST)
			dst = a;
		else if (a->rta_type == RTA_MULTIPATH)
			mp = a;
		else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == sizeof(uint32_t))
			memcpy(&oif, RTA_DATA(a), sizeof oif);
		else if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == sizeof(uint32_t))
			memcpy(&table, RTA_DATA(a), sizeof table);
	}
	/* The default route has no destination. */
	if (table == RT_TABLE_LOCAL || rm->rtm_type != RTN_UNICAST ||
	    rm->rtm_dst_len < HOSTNET_MIN_PREFIX || !rta_addr(dst, rm->rtm_family, &x.a) ||
	    is_link_local(&x.a))
		return;
	x.prefix = rm->rtm_dst_len;
	if (!mp) {
		x.ifindex = oif; /* 0: no device (a nexthop object, a blackhole) */
		add_ent(h, &x);
		return;
	}
	int left = (int)RTA_PAYLOAD(mp);
	for (const struct rtnexthop *nhp = RTA_DATA(mp);
	     left >= (int)sizeof *nhp && nhp->rtnh_len >= sizeof *nhp && nhp->rtnh_len <= left;
	     left -= RTNH_ALIGN(nhp->rtnh_len), nhp = RTNH_NEXT(nhp)) {
		x.ifindex = nhp->rtnh_ifindex;
		add_ent(h, &x);
	}
}

struct hn_dump {
	struct hostnet *h;
	void (*fn)(struct nl_object *, void *);			/* through libnl's objects */
	void (*raw)(const struct nlmsghdr *, struct hostnet *); /* or the message itself */
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct hn_dump *d = arg;
	int r;

	if (d->raw) {
		d->raw(nlmsg_hdr(msg), d->h);
		return NL_OK;
	}
	r = nl_msg_parse(msg, d->fn, d->h);

	/* Messages libnl cannot parse (other families) are not ours. */
	if (r == -NLE_NOMEM)
		d->h->err = -ENOMEM;
	return NL_OK;
}

/* One dump into h, each message through fn (a libnl object) or raw. */
static int dump(struct nl_sock *sk, int type, const char *what, struct hostnet *h,
		void (*fn)(struct nl_object *, void *),
		void (*raw)(const struct nlmsghdr *, struct hostnet *), struct nerr *e)
{
	struct hn_dump d = { .h = h, .fn = fn, .raw = raw };
	struct netlink_reply rp = { .on_msg = on_msg, .arg = &d };
	size_t n0 = h->n, i0 = h->n_ifs;
	int r = 0;

	/* A dump interrupted by a change is read again from the start. */
	for (int t = 0; t < HN_DUMP_TRIES; t++) {
		h->n = n0;
		h->n_ifs = i0;
		/* Only unicast routes are wanted (on_route, on_ra_route): the
		 * kernel skips the local table's, hundreds with many networks
		 * up, itself. */
		r = type == RTM_GETROUTE
			    ? netlink_dump_routes(sk, AF_UNSPEC, RT_TABLE_UNSPEC, RTN_UNICAST, &rp)
			    : netlink_dump(sk, type, &rp);
		if (r != -EAGAIN)
			break;
	}
	if (r < 0)
		return netlink_fail(e, r, &rp, "host %s", what);
	if (h->err)
		return nerr_set(e, h->err, "host %s: %s", what, strerror(-h->err));
	return 0;
}

int hostnet_load(struct nl_sock *sk, struct hostnet **hp, struct nerr *e)
{
	_cleanup_hostnet_ struct hostnet *h = calloc(1, sizeof *h);
	int r;

	if (!h)
		return nerr_set(e, -ENOMEM, "host: out of memory");
	/* No dump of the links: the few names a message needs are asked for
	 * by index (if_name()), and a link dump costs more than the other two
	 * together (every link's statistics, parsed by libnl). */
	if ((r = dump(sk, RTM_GETADDR, "addresses", h, NULL, on_addr, e)) < 0 ||
	    (r = dump(sk, RTM_GETROUTE, "routes", h, NULL, on_route, e)) < 0)
		return r;
	*hp = TAKE_PTR(h);
	return 0;
}

void hostnet_free(struct hostnet *h)
{
	if (!h)
		return;
	free(h->ents);
	free(h->ifs);
	free(h);
}

/* The name of an interface: from the snapshot's links when it has them
 * (hostnet_ra_default_ifs), else asked of the kernel now (buf). */
static const char *if_name(const struct hostnet *h, int ifindex, char buf[IF_NAMESIZE])
{
	for (size_t i = 0; i < h->n_ifs; i++)
		if (h->ifs[i].ifindex == ifindex)
			return h->ifs[i].name;
	return h->n_ifs || ifindex <= 0 ? NULL : if_indextoname((unsigned)ifindex, buf);
}

static int if_index(const struct hostnet *h, const char *name)
{
	for (size_t i = 0; name && i < h->n_ifs; i++)
		if (strcmp(h->ifs[i].name, name) == 0)
			return h->ifs[i].ifindex;
	return name && !h->n_ifs ? (int)if_nametoindex(name) : 0;
}

static void describe(const struct hostnet *h, const struct hn_ent *x, char *what, size_t len)
{
	char nbuf[IF_NAMESIZE];
	const char *dev = x->ifindex ? if_name(h, x->ifindex, nbuf) : NULL;
	char a[INET6_ADDRSTRLEN], idx[24];

	if (net_addr_str(&x->a, a, sizeof a) < 0)
		nd_strlcpy(a, "?", sizeof a);
	if (!dev && x->ifindex) {
		(void)snprintf(idx, sizeof idx, "#%d", x->ifindex); /* may be truncated */
		dev = idx;
	}
	if (!x->route)
		(void)snprintf(what, len, "address %s/%u on %s", a, x->prefix,
			       dev ? dev : "?"); /* may be truncated */
	else if (dev)
		(void)snprintf(what, len, "route %s/%u dev %s", a, x->prefix,
			       dev); /* may be truncated */
	else
		(void)snprintf(what, len, "route %s/%u", a, x->prefix); /* may be truncated */
}

int hostnet_overlap(const struct hostnet *h, const struct net_addr *subnet, unsigned prefix,
		    const char *ignore_ifname, char *what, size_t len)
{
	int ignore = if_index(h, ignore_ifname);

	/* Addresses first: they say more than the routes they imply. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < h->n; i++) {
			const struct hn_ent *x = &h->ents[i];
			unsigned p = x->prefix < prefix ? x->prefix : prefix;

			if (x->route != (pass == 1) || (ignore && x->ifindex == ignore))
				continue;
			if (!net_addr_in_subnet(&x->a, subnet, p))
				continue;
			if (what && len)
				describe(h, x, what, len);
			return 1;
		}
	}
	return 0;
}

int hostnet_find_overlap(struct nl_sock *sk, const struct net *n, const char *ignore_ifname,
			 char *what, size_t len, struct nerr *e)
{
	_cleanup_hostnet_ struct hostnet *h = NULL;
	int r = hostnet_load(sk, &h, e);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n->n_ips; i++)
		if (hostnet_overlap(h, &n->ips[i].addr, n->ips[i].prefix, ignore_ifname, what, len))
			return 1;
	return 0;
}

/* An IPv6 default route the kernel made from a router advertisement: one
 * entry per device (one per router, each with its own lifetime). */
static void on_ra_route(struct nl_object *o, void *arg)
{
	struct hostnet *h = arg;
	struct rtnl_route *rt = (struct rtnl_route *)o;
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct hn_ent x = { .route = true, .a.family = AF_INET6 };
	int nnh = rtnl_route_get_nnexthops(rt);

	if (rtnl_route_get_family(rt) != AF_INET6 || rtnl_route_get_protocol(rt) != RTPROT_RA ||
	    (dst && nl_addr_get_prefixlen(dst) != 0))
		return;
	for (int i = 0; i < nnh; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, i);

		if (nh && (x.ifindex = rtnl_route_nh_get_ifindex(nh)) > 0)
			add_ent(h, &x);
	}
}

int hostnet_ra_default_ifs(struct nl_sock *sk, char (*names)[IF_NAMESIZE], size_t max, size_t *n,
			   struct nerr *e)
{
	_cleanup_hostnet_ struct hostnet *h = calloc(1, sizeof *h);
	int r;

	*n = 0;
	if (!h)
		return nerr_set(e, -ENOMEM, "host: out of memory");
	if ((r = dump(sk, RTM_GETLINK, "interfaces", h, on_link, NULL, e)) < 0 ||
	    (r = dump(sk, RTM_GETROUTE, "routes", h, on_ra_route, NULL, e)) < 0)
		return r;
	for (size_t i = 0; i < h->n; i++) {
		char nbuf[IF_NAMESIZE];
		const char *name = if_name(h, h->ents[i].ifindex, nbuf);
		bool dup = false;

		for (size_t j = 0; name && j < *n; j++)
			dup = dup || strcmp(names[j], name) == 0;
		if (!name || dup)
			continue;
		if (*n == max)
			return nerr_set(e, -E2BIG,
					"host: more than %zu interfaces with a default "
					"route from router advertisements",
					max);
		nd_strlcpy(names[(*n)++], name, IF_NAMESIZE);
	}
	return 0;
}

int hostnet_subnet_free(struct nl_sock *sk, const struct net_addr *subnet, unsigned prefix,
			bool *is_free, char *what, size_t len, struct nerr *e)
{
	_cleanup_hostnet_ struct hostnet *h = NULL;
	int r = hostnet_load(sk, &h, e);

	if (r < 0)
		return r;
	*is_free = !hostnet_overlap(h, subnet, prefix, NULL, what, len);
	return 0;
}

/* The IPv4 default route's device, from one RTM_NEWROUTE of the main table. */
static int on_default(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nh = nlmsg_hdr(msg);
	const struct rtmsg *rm = NLMSG_DATA(nh);
	int *ifindex = arg, oif = 0;

	if (*ifindex || nh->nlmsg_type != RTM_NEWROUTE ||
	    nh->nlmsg_len < NLMSG_LENGTH(sizeof *rm) || rm->rtm_family != AF_INET ||
	    rm->rtm_table != RT_TABLE_MAIN || rm->rtm_type != RTN_UNICAST || rm->rtm_dst_len != 0)
		return NL_OK;
	int len = (int)RTM_PAYLOAD(nh);
	for (const struct rtattr *a = RTM_RTA(rm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == sizeof(uint32_t))
			memcpy(&oif, RTA_DATA(a), sizeof oif);
		else if (a->rta_type == RTA_MULTIPATH && !oif &&
			 RTA_PAYLOAD(a) >= sizeof(struct rtnexthop))
			oif = ((const struct rtnexthop *)RTA_DATA(a))->rtnh_ifindex;
	}
	*ifindex = oif;
	return NL_OK;
}

int hostnet_default_ifname(struct nl_sock *sk, char buf[IF_NAMESIZE])
{
	int ifindex = 0, r = -EAGAIN;
	struct netlink_reply rp = { .on_msg = on_default, .arg = &ifindex };

	buf[0] = '\0';
	for (int t = 0; t < HN_DUMP_TRIES && r == -EAGAIN; t++) {
		ifindex = 0;
		rp.done = false;
		rp.err = 0;
		r = netlink_dump_routes(sk, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, &rp);
	}
	if (r < 0)
		return r;
	if (ifindex > 0 && !if_indextoname((unsigned)ifindex, buf))
		buf[0] = '\0';
	return 0;
}
