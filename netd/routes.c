/* The network's static routes as a step (routes.h).
 *
 * A route is added with NLM_F_EXCL: start's overlap check has made sure no
 * route to the destination exists on the host, so one that appears between
 * the check and the add is someone else's, and is reported rather than
 * replaced. The bridge's own prefix routes make each gateway reachable: the
 * bridge step runs first, and validate put every gateway inside one of the
 * network's subnets. Routes die with the bridge, so stop finds them gone
 * when the bridge went first (a crash); undo takes "no such route" as done. */
#include "routes.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "netlink.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put)
#define _cleanup_rtroute_ __attribute__((cleanup(rtnl_route_putp)))

struct rt_state {
	bool checked;
	/* present[i]: the last check found n->routes[i] on the bridge */
	bool *present;
	size_t n;
};

void routes_str(const struct net_route *rt, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	if (net_addr_str(&rt->addr, a, sizeof a) < 0)
		nd_strlcpy(a, "?", sizeof a);
	if (net_addr_str(&rt->gateway, g, sizeof g) < 0)
		nd_strlcpy(g, "?", sizeof g);
	(void)snprintf(buf, len, "%s/%u via %s metric %u", a, rt->prefix, g,
		       net_route_metric(rt)); /* may be truncated */
}

/* rt on ifindex as libnl's route object (caller frees), or NULL. */
static struct rtnl_route *route_obj(int ifindex, const struct net_route *rt)
{
	_cleanup_rtroute_ struct rtnl_route *o = rtnl_route_alloc();
	_cleanup_nladdr_ struct nl_addr *dst = NULL, *gw = NULL;
	int fam = rt->addr.family;
	struct rtnl_nexthop *nh;

	if (!o || !(dst = nl_addr_build(fam, rt->addr.u.b, net_addr_len(fam))) ||
	    !(gw = nl_addr_build(fam, rt->gateway.u.b, net_addr_len(fam))))
		return NULL;
	nl_addr_set_prefixlen(dst, (int)rt->prefix);
	rtnl_route_set_family(o, (uint8_t)fam);
	rtnl_route_set_table(o, RT_TABLE_MAIN);
	rtnl_route_set_scope(o, RT_SCOPE_UNIVERSE);
	rtnl_route_set_protocol(o, RTPROT_STATIC);
	rtnl_route_set_type(o, RTN_UNICAST);
	rtnl_route_set_priority(o, net_route_metric(rt));
	if (rtnl_route_set_dst(o, dst) < 0 || !(nh = rtnl_route_nh_alloc()))
		return NULL;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(o, nh); /* takes nh */
	return TAKE_PTR(o);
}

/* The bridge's ifindex: the bridge step's, or asked for (stop runs this
 * step's undo before the bridge step has looked). 0 when the bridge is
 * gone, and with it every route through it. */
static int bridge_index(struct step_ctx *c, struct nl_sock *sk, int *ifindex, struct nerr *e)
{
	struct netlink_reply rp = { 0 };
	struct netlink_link l;
	int r;

	*ifindex = c->ifindex;
	if (*ifindex)
		return 0;
	r = netlink_link_get(sk, c->n->bridge, &l, NULL, NULL, &rp);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return netlink_fail(e, r, &rp, "routes: bridge %s", c->n->bridge);
	*ifindex = l.ifindex;
	return 0;
}

/* Send RTM_NEWROUTE (add) or RTM_DELROUTE for rt on ifindex; 'what' gets
 * the route in words for the caller's messages. The kernel's answer as
 * -errno, its reason in rp; -ENOMEM when the request could not be built. */
static int route_send(struct nl_sock *sk, int ifindex, const struct net_route *rt, bool add,
		      char *what, size_t len, struct netlink_reply *rp)
{
	_cleanup_rtroute_ struct rtnl_route *o = route_obj(ifindex, rt);
	_cleanup_nlmsg_ struct nl_msg *m = NULL;
	int r;

	routes_str(rt, what, len);
	r = !o	  ? -ENOMEM
	    : add ? rtnl_route_build_add_request(o, NLM_F_CREATE | NLM_F_EXCL, &m)
		  : rtnl_route_build_del_request(o, 0, &m);
	if (r < 0)
		return -ENOMEM;
	return netlink_request(sk, m, rp);
}

static int route_add(struct nl_sock *sk, int ifindex, const struct step_ctx *c,
		     const struct net_route *rt, struct nerr *e)
{
	struct netlink_reply rp = { 0 };
	char what[128];
	int r = route_send(sk, ifindex, rt, true, what, sizeof what, &rp);

	if (r == -EEXIST)
		return nerr_set(e, r,
				"route %s dev %s: the host already has a route to that subnet with "
				"that metric (not netd's; remove it or change the <route>)",
				what, c->n->bridge);
	if (r < 0)
		return netlink_fail(e, r, &rp, "route %s dev %s", what, c->n->bridge);
	return 0;
}

static int route_del(struct nl_sock *sk, int ifindex, const struct net_route *rt, struct nerr *e)
{
	struct netlink_reply rp = { 0 };
	char what[128];
	int r = route_send(sk, ifindex, rt, false, what, sizeof what, &rp);

	/* already gone (ESRCH), or its device with it */
	if (r == -ESRCH || r == -ENODEV || r == -ENOENT)
		return 0;
	if (r < 0)
		return netlink_fail(e, r, &rp, "delete route %s", what);
	return 0;
}

/* The command's socket and the bridge's ifindex (0: the bridge is gone);
 * with 'need', a missing bridge is an error. */
static int rt_bridge(struct step_ctx *c, bool need, struct nl_sock **sk, int *ifindex,
		     struct nerr *e)
{
	int r;

	if ((r = step_nl(c, sk, e)) < 0 || (r = bridge_index(c, *sk, ifindex, e)) < 0)
		return r;
	if (need && !*ifindex)
		return nerr_set(e, -ENODEV, "routes: bridge %s does not exist", c->n->bridge);
	return 0;
}

static int rt_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	const struct net *n = c->n;
	struct nl_sock *sk;
	int ifindex, r;

	(void)st;
	if (!n->n_routes)
		return 0;
	if ((r = rt_bridge(c, true, &sk, &ifindex, e)) < 0)
		return r;
	for (size_t i = 0; i < n->n_routes; i++) {
		if ((r = route_add(sk, ifindex, c, &n->routes[i], e)) < 0) {
			/* nothing of this step stays behind */
			for (size_t k = i; k-- > 0;) {
				struct nerr ue = { { 0 } };

				if (route_del(sk, ifindex, &n->routes[k], &ue) < 0)
					nerr_append(e, r, "; undo: %s", ue.msg);
			}
			return r;
		}
	}
	step_changed(c, "%zu static route%s", n->n_routes, n->n_routes == 1 ? "" : "s");
	return 0;
}

static int rt_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	const struct net *n = c->n;
	struct nl_sock *sk;
	int ifindex, r, first = 0;

	(void)st;
	if (!n->n_routes)
		return 0;
	if ((r = rt_bridge(c, false, &sk, &ifindex, e)) < 0)
		return r;
	if (!ifindex)
		return 0; /* the routes went with the bridge */
	for (size_t i = n->n_routes; i-- > 0;) {
		struct nerr de = { { 0 } };

		if ((r = route_del(sk, ifindex, &n->routes[i], &de)) < 0 && !first) {
			first = r;
			*e = de;
		}
	}
	return first;
}

/* ---- check ---------------------------------------------------------- */

struct rt_scan {
	const struct net *n;
	int ifindex;
	bool *present;
	int err;
};

static bool nl_addr_is(const struct nl_addr *a, const struct net_addr *want, unsigned prefix)
{
	size_t len = net_addr_len(want->family);
	static const uint8_t zero[16];

	if (!a)
		return prefix == 0 && memcmp(want->u.b, zero, len) == 0;
	return nl_addr_get_family(a) == want->family &&
	       (unsigned)nl_addr_get_prefixlen(a) == prefix && nl_addr_get_len(a) == len &&
	       memcmp(nl_addr_get_binary_addr(a), want->u.b, len) == 0;
}

static void on_route(struct nl_object *o, void *arg)
{
	struct rt_scan *s = arg;
	struct rtnl_route *rt = (struct rtnl_route *)o;

	if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || rtnl_route_get_nnexthops(rt) != 1)
		return;
	struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);

	if (!nh || rtnl_route_nh_get_ifindex(nh) != s->ifindex)
		return;
	for (size_t i = 0; i < s->n->n_routes; i++) {
		const struct net_route *want = &s->n->routes[i];

		if (rtnl_route_get_family(rt) == want->addr.family &&
		    rtnl_route_get_priority(rt) == net_route_metric(want) &&
		    nl_addr_is(rtnl_route_get_dst(rt), &want->addr, want->prefix) &&
		    nl_addr_is(rtnl_route_nh_get_gateway(nh), &want->gateway,
			       (unsigned)net_addr_len(want->addr.family) * 8))
			s->present[i] = true;
	}
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct rt_scan *s = arg;

	if (nl_msg_parse(msg, on_route, s) == -NLE_NOMEM)
		s->err = -ENOMEM;
	return NL_OK;
}

static int rt_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct rt_state *s = st;
	const struct net *n = c->n;
	struct rt_scan scan = { .n = n };
	struct netlink_reply rp = { .on_msg = on_msg, .arg = &scan };
	struct nl_sock *sk;
	char what[128];
	int r = 0;

	if (!n->n_routes)
		return 0;
	if (!s->present && !(s->present = calloc(n->n_routes, sizeof *s->present)))
		return nerr_set(e, -ENOMEM, "routes: out of memory");
	s->n = n->n_routes;
	if ((r = rt_bridge(c, false, &sk, &scan.ifindex, e)) < 0)
		return r;
	for (int t = 0; t < 3; t++) {
		memset(s->present, 0, s->n * sizeof *s->present);
		scan.present = s->present;
		scan.err = 0;
		rp = (struct netlink_reply){ .on_msg = on_msg, .arg = &scan };
		/* no bridge: every route is missing, and the bridge step
		 * says why */
		if (!scan.ifindex)
			break;
		r = netlink_dump(sk, RTM_GETROUTE, &rp);
		if (r != -EAGAIN)
			break;
	}
	if (r < 0)
		return netlink_fail(e, r, &rp, "routes: read the host's routes");
	if (scan.err)
		return nerr_set(e, scan.err, "routes: out of memory");
	s->checked = true;
	for (size_t i = 0; i < n->n_routes; i++) {
		if (s->present[i])
			continue;
		routes_str(&n->routes[i], what, sizeof what);
		drift_add(d, "route %s dev %s: missing", what, n->bridge);
	}
	return 0;
}

static int rt_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct rt_state *s = st;
	const struct net *n = c->n;
	struct nl_sock *sk;
	int ifindex, r;

	if ((r = rt_bridge(c, true, &sk, &ifindex, e)) < 0)
		return r;
	for (size_t i = 0; i < n->n_routes && i < s->n; i++)
		if (!s->present[i] && (r = route_add(sk, ifindex, c, &n->routes[i], e)) < 0)
			return r;
	return 0;
}

static int rt_describe(struct step_ctx *c, void *st, json_t *status, struct nerr *e)
{
	const struct rt_state *s = st;
	json_t *list = json_object_get(status, "routes");

	if (!s->checked || !json_is_array(list))
		return 0;
	for (size_t i = 0; i < s->n && i < json_array_size(list); i++)
		if (json_object_set_new(json_array_get(list, i), "present",
					json_boolean(s->present[i])) < 0)
			return nerr_set(e, -ENOMEM, "network %s: status: out of memory",
					c->n->name);
	return 0;
}

static bool route_eq(const struct net_route *a, const struct net_route *b)
{
	return a->addr.family == b->addr.family && a->prefix == b->prefix &&
	       net_addr_cmp(&a->addr, &b->addr) == 0 &&
	       net_addr_cmp(&a->gateway, &b->gateway) == 0 &&
	       net_route_metric(a) == net_route_metric(b);
}

static bool has_route(const struct net *n, const struct net_route *rt)
{
	for (size_t i = 0; i < n->n_routes; i++)
		if (route_eq(&n->routes[i], rt))
			return true;
	return false;
}

/* Routes old has and c->n has not go, then the new ones come; the rest
 * stay as they are. Run the other way, it is its own rollback. */
static int rt_reload(struct step_ctx *c, void *st, const struct net *old, struct nerr *e)
{
	const struct net *n = c->n;
	size_t added = 0, removed = 0;
	struct nl_sock *sk;
	int ifindex, r;

	(void)st;
	if (!n->n_routes && !old->n_routes)
		return 0;
	if ((r = rt_bridge(c, true, &sk, &ifindex, e)) < 0)
		return r;
	for (size_t i = 0; i < old->n_routes; i++) {
		if (has_route(n, &old->routes[i]))
			continue;
		if ((r = route_del(sk, ifindex, &old->routes[i], e)) < 0)
			return r;
		removed++;
	}
	for (size_t i = 0; i < n->n_routes; i++) {
		if (has_route(old, &n->routes[i]))
			continue;
		if ((r = route_add(sk, ifindex, c, &n->routes[i], e)) < 0)
			return r;
		added++;
	}
	if (added || removed)
		step_changed(c, "routes: %zu added, %zu removed", added, removed);
	return 0;
}

static void rt_free(void *st)
{
	struct rt_state *s = st;

	free(s->present);
	s->present = NULL;
}

const struct step_ops routes_step = {
	.name = "routes",
	.state_size = sizeof(struct rt_state),
	/* only routes through this network's own bridge */
	.concurrent = true,
	.apply = rt_apply,
	.undo = rt_undo,
	.check = rt_check,
	.repair = rt_repair,
	.describe = rt_describe,
	.state_free = rt_free,
	.reload = rt_reload,
};
