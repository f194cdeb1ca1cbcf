/* The bandwidth step; see bandwidth.h. */
#include "bandwidth.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>

#include "fw.h"
#include "netlink.h"
#include "step.h"

/* libvirt's handles: qdisc 1:, the network's class 1:1, the guests' 1:2. */
#define BW_QDISC  TC_HANDLE(1, 0)
#define BW_TOP	  TC_HANDLE(1, 1)
#define BW_GUESTS TC_HANDLE(1, 2)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_qdisc *, rtnl_qdisc_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_class *, rtnl_class_put)
#define _cleanup_qdisc_ __attribute__((cleanup(rtnl_qdisc_putp)))
#define _cleanup_class_ __attribute__((cleanup(rtnl_class_putp)))

struct bw_state {
	bool checked;
	bool egress_ok, ingress_ok; /* at the last check */
	char egress_why[160], ingress_why[160];
};

/* libvirt's units: kB/s of 1000 bytes (tc's "kbps"), KiB (tc's "kb"). */
static uint64_t bw_rate_bytes(uint64_t kbps)
{
	return kbps * 1000;
}

static uint64_t bw_ceil(const struct net_bw_rate *rt)
{
	return bw_rate_bytes(rt->peak ? rt->peak : rt->average);
}

/* HTB's advice is a quantum near the MTU; the kernel's default (rate /
 * r2q) is over its 200000 byte cap for any rate above 16 Mbit/s and warns
 * for each class. */
static uint32_t bw_quantum(uint64_t rate)
{
	uint64_t q = rate / 10;

	return (uint32_t)(q < 1600 ? 1600 : q > 200000 ? 200000 : q);
}

static int bw_chain(const struct net *n, char *buf, size_t len, struct nerr *e)
{
	if (!net_name_ok(n->name) || !net_ifname_ok(n->bridge))
		return nerr_set(e, -EINVAL,
				"bandwidth: network %s: name or bridge outside the "
				"grammar",
				n->name);
	if (nd_snprintf(buf, len, "bw_%s", n->name) < 0)
		return nerr_set(e, -ENAMETOOLONG, "bandwidth: network %s: name too long", n->name);
	return 0;
}

int bw_render_ingress(const struct net *n, char **out, struct nerr *e)
{
	const struct net_bw_rate *rt = &n->bw_out;
	char chain[NET_NAME_MAX + 8], burst[48] = "";
	int r;

	*out = NULL;
	if (!rt->set) {
		*out = strdup("");
		return *out ? 0 : nerr_set(e, -ENOMEM, "bandwidth: out of memory");
	}
	if ((r = bw_chain(n, chain, sizeof chain, e)) < 0)
		return r;
	if (rt->burst)
		(void)snprintf(burst, sizeof burst, " burst %llu bytes",
			       (unsigned long long)rt->burst * 1024);
	if (asprintf(out,
		     "add table " BW_NFT_TABLE "\n"
		     "add chain " BW_NFT_TABLE " %s { type filter hook ingress device \"%s\" "
		     "priority 0; policy accept; }\n"
		     "flush chain " BW_NFT_TABLE " %s\n"
		     "add rule " BW_NFT_TABLE " %s limit rate over %llu bytes/second%s counter "
		     "drop\n",
		     chain, n->bridge, chain, chain, (unsigned long long)bw_rate_bytes(rt->average),
		     burst) < 0) {
		*out = NULL;
		return nerr_set(e, -ENOMEM, "bandwidth: out of memory");
	}
	return 0;
}

int bw_plan(const struct net *n, FILE *o, struct nerr *e)
{
	const struct net_bw_rate *in = &n->bw_in;
	_cleanup_free_ char *script = NULL;
	int r;

	if (!net_has_bandwidth(n)) /* plan says nothing of what is not asked for */
		return 0;
	fprintf(o, "\n## bandwidth\n");
	if (in->set) {
		fprintf(o, "inbound (to the guests, %s's egress): qdisc htb 1: root default 2\n",
			n->bridge);
		for (int k = 1; k <= 2; k++) {
			fprintf(o,
				"  class htb 1:%d parent 1:%s rate %llu bytes/s ceil %llu bytes/s",
				k, k == 1 ? "" : "1",
				(unsigned long long)bw_rate_bytes(in->average),
				(unsigned long long)bw_ceil(in));
			if (k == 2 && in->burst)
				fprintf(o, " burst %llu bytes",
					(unsigned long long)in->burst * 1024);
			fputc('\n', o);
		}
	} else {
		fprintf(o, "inbound: not shaped\n");
	}
	if (!n->bw_out.set) {
		fprintf(o, "outbound: not limited\n");
		return 0;
	}
	if ((r = bw_render_ingress(n, &script, e)) < 0)
		return r;
	fprintf(o, "outbound (from the guests, %s's ingress): nftables script:\n%s", n->bridge,
		script);
	if (n->bw_out.peak)
		fprintf(o,
			"# outbound peak %llu kB/s is not enforced (an ingress limit has no "
			"peak; libvirt ignores it too)\n",
			(unsigned long long)n->bw_out.peak);
	return 0;
}

/* ---- inbound: HTB on the bridge's egress ---- */

static int bw_ifindex(struct step_ctx *c, const struct net *n)
{
	if (c->ifindex > 0)
		return c->ifindex;
	return (int)if_nametoindex(n->bridge);
}

static int bw_tc_request(struct step_ctx *c, struct nl_msg *m, int nle, const char *what,
			 struct nerr *e)
{
	_cleanup_nlmsg_ struct nl_msg *msg = m;
	struct netlink_reply rp = { 0 };
	struct nl_sock *sk;
	int r;

	if (nle < 0)
		return nerr_set(e, netlink_errno(nle), "bandwidth: bridge %s: %s: %s", c->n->bridge,
				what, nl_geterror(nle));
	if ((r = step_nl(c, &sk, e)) < 0)
		return r;
	if ((r = netlink_request(sk, msg, &rp)) < 0)
		return netlink_fail(e, r, &rp, "bandwidth: bridge %s: %s", c->n->bridge, what);
	return 0;
}

/* Delete the root qdisc, whatever it is: the bridge is netd's. Gone is
 * fine. */
static int bw_egress_del(struct step_ctx *c, int ifindex, struct nerr *e)
{
	_cleanup_qdisc_ struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	struct nl_msg *m = NULL;
	int nle, r;

	if (!q)
		return nerr_set(e, -ENOMEM, "bandwidth: out of memory");
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	nle = rtnl_qdisc_build_delete_request(q, &m);
	r = bw_tc_request(c, m, nle, "delete root qdisc", e);
	if (r == -ENOENT || r == -EINVAL || r == -ENODEV) {
		e->msg[0] = '\0';
		return 0;
	}
	return r;
}

static int bw_class_add(struct step_ctx *c, int ifindex, uint32_t parent, uint32_t handle,
			const struct net_bw_rate *rt, bool burst, struct nerr *e)
{
	_cleanup_class_ struct rtnl_class *cl = rtnl_class_alloc();
	struct nl_msg *m = NULL;
	char what[48];
	int nle;

	if (!cl)
		return nerr_set(e, -ENOMEM, "bandwidth: out of memory");
	rtnl_tc_set_ifindex(TC_CAST(cl), ifindex);
	rtnl_tc_set_parent(TC_CAST(cl), parent);
	rtnl_tc_set_handle(TC_CAST(cl), handle);
	nle = rtnl_tc_set_kind(TC_CAST(cl), "htb");
	if (nle >= 0)
		nle = rtnl_htb_set_rate64(cl, bw_rate_bytes(rt->average));
	if (nle >= 0)
		nle = rtnl_htb_set_ceil64(cl, bw_ceil(rt));
	if (nle >= 0)
		nle = rtnl_htb_set_quantum(cl, bw_quantum(bw_rate_bytes(rt->average)));
	if (nle >= 0 && burst && rt->burst)
		nle = rtnl_htb_set_rbuffer(cl, (uint32_t)(rt->burst * 1024));
	if (nle >= 0)
		nle = rtnl_class_build_add_request(cl, NLM_F_CREATE | NLM_F_EXCL, &m);
	(void)snprintf(what, sizeof what, "add class htb 1:%x", handle & 0xffff);
	return bw_tc_request(c, m, nle, what, e);
}

/* From scratch: whatever root qdisc there was goes (a check found it
 * wrong, or it is a new bridge's). */
static int bw_egress_apply(struct step_ctx *c, const struct net *n, struct nerr *e)
{
	_cleanup_qdisc_ struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int ifindex = bw_ifindex(c, n), nle, r;
	struct nl_msg *m = NULL;

	if (ifindex <= 0)
		return nerr_set(e, -ENODEV, "bandwidth: bridge %s: %s", n->bridge,
				strerror(ENODEV));
	if (!q)
		return nerr_set(e, -ENOMEM, "bandwidth: out of memory");
	if ((r = bw_egress_del(c, ifindex, e)) < 0)
		return r;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), BW_QDISC);
	nle = rtnl_tc_set_kind(TC_CAST(q), "htb");
	if (nle >= 0)
		nle = rtnl_htb_set_defcls(q, TC_H_MIN(BW_GUESTS));
	if (nle >= 0)
		nle = rtnl_qdisc_build_add_request(q, NLM_F_CREATE | NLM_F_EXCL, &m);
	if ((r = bw_tc_request(c, m, nle, "add qdisc htb 1: root", e)) < 0 ||
	    (r = bw_class_add(c, ifindex, BW_QDISC, BW_TOP, &n->bw_in, false, e)) < 0 ||
	    (r = bw_class_add(c, ifindex, BW_TOP, BW_GUESTS, &n->bw_in, true, e)) < 0)
		return r;
	return 0;
}

/* Only an HTB root with netd's handle is netd's to delete. */
static int bw_egress_undo(struct step_ctx *c, const struct net *n, struct nerr *e)
{
	_cleanup_nlcache_ struct nl_cache *cache = NULL;
	_cleanup_qdisc_ struct rtnl_qdisc *q = NULL;
	int ifindex = bw_ifindex(c, n), nle;
	struct nl_sock *sk;
	int r;

	if (ifindex <= 0) /* the bridge is gone, and its qdiscs with it */
		return 0;
	if ((r = step_nl(c, &sk, e)) < 0)
		return r;
	if ((nle = rtnl_qdisc_alloc_cache(sk, &cache)) < 0)
		return nerr_set(e, netlink_errno(nle), "bandwidth: bridge %s: read qdiscs: %s",
				n->bridge, nl_geterror(nle));
	q = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
	if (!q)
		return 0;
	if (strcmp(rtnl_tc_get_kind(TC_CAST(q)) ?: "", "htb") != 0 ||
	    rtnl_tc_get_handle(TC_CAST(q)) != BW_QDISC) {
		fprintf(c->out, "bandwidth: left the root qdisc %s of %s: not netd's\n",
			rtnl_tc_get_kind(TC_CAST(q)) ?: "?", n->bridge);
		return 0;
	}
	return bw_egress_del(c, ifindex, e);
}

/* One class as bw_class_add makes it; a line in why when not. */
static bool bw_class_ok(struct nl_cache *classes, int ifindex, uint32_t handle, uint32_t parent,
			const struct net_bw_rate *rt, bool burst, char *why, size_t wlen)
{
	_cleanup_class_ struct rtnl_class *cl = rtnl_class_get(classes, ifindex, handle);
	uint64_t rate = 0, ceil = 0;
	unsigned minor = handle & 0xffff;

	if (!cl) {
		(void)snprintf(why, wlen, "class 1:%x missing", minor);
		return false;
	}
	/* The kernel reports the top class's parent as the root. */
	if (strcmp(rtnl_tc_get_kind(TC_CAST(cl)) ?: "", "htb") != 0 ||
	    (rtnl_tc_get_parent(TC_CAST(cl)) != parent &&
	     !(parent == BW_QDISC && rtnl_tc_get_parent(TC_CAST(cl)) == TC_H_ROOT))) {
		(void)snprintf(why, wlen, "class 1:%x is not netd's HTB class", minor);
		return false;
	}
	if (rtnl_htb_get_rate64(cl, &rate) < 0 || rtnl_htb_get_ceil64(cl, &ceil) < 0 ||
	    rate != bw_rate_bytes(rt->average) || ceil != bw_ceil(rt)) {
		(void)snprintf(why, wlen,
			       "class 1:%x has rate %llu ceil %llu bytes/s, not %llu and %llu",
			       minor, (unsigned long long)rate, (unsigned long long)ceil,
			       (unsigned long long)bw_rate_bytes(rt->average),
			       (unsigned long long)bw_ceil(rt));
		return false;
	}
	/* The kernel keeps the burst as time: what comes back is near, not
	 * equal to, what was set. */
	if (burst && rt->burst) {
		uint64_t want = rt->burst * 1024, got = rtnl_htb_get_rbuffer(cl);

		if (got + want / 50 + 64 < want || got > want + want / 50 + 64) {
			(void)snprintf(why, wlen, "class 1:%x has burst %llu bytes, not %llu",
				       minor, (unsigned long long)got, (unsigned long long)want);
			return false;
		}
	}
	return true;
}

static int bw_egress_check(struct step_ctx *c, struct bw_state *s, struct nerr *e)
{
	_cleanup_nlcache_ struct nl_cache *qdiscs = NULL, *classes = NULL;
	_cleanup_qdisc_ struct rtnl_qdisc *q = NULL;
	const struct net *n = c->n;
	int ifindex = bw_ifindex(c, n), nle, r;
	struct nl_sock *sk;

	s->egress_ok = false;
	if (ifindex <= 0) {
		(void)snprintf(s->egress_why, sizeof s->egress_why, "bridge %s missing", n->bridge);
		return 0;
	}
	if ((r = step_nl(c, &sk, e)) < 0)
		return r;
	if ((nle = rtnl_qdisc_alloc_cache(sk, &qdiscs)) < 0 ||
	    (nle = rtnl_class_alloc_cache(sk, ifindex, &classes)) < 0)
		return nerr_set(e, netlink_errno(nle), "bandwidth: bridge %s: read tc: %s",
				n->bridge, nl_geterror(nle));
	q = rtnl_qdisc_get_by_parent(qdiscs, ifindex, TC_H_ROOT);
	if (!q || strcmp(rtnl_tc_get_kind(TC_CAST(q)) ?: "", "htb") != 0 ||
	    rtnl_tc_get_handle(TC_CAST(q)) != BW_QDISC) {
		(void)snprintf(s->egress_why, sizeof s->egress_why,
			       "no HTB root qdisc 1: on %s (%s)", n->bridge,
			       q ? rtnl_tc_get_kind(TC_CAST(q)) ?: "?" : "none");
		return 0;
	}
	if (rtnl_htb_get_defcls(q) != TC_H_MIN(BW_GUESTS)) {
		(void)snprintf(s->egress_why, sizeof s->egress_why,
			       "HTB root qdisc on %s has default class %x, not 2", n->bridge,
			       rtnl_htb_get_defcls(q));
		return 0;
	}
	if (!bw_class_ok(classes, ifindex, BW_TOP, BW_QDISC, &n->bw_in, false, s->egress_why,
			 sizeof s->egress_why) ||
	    !bw_class_ok(classes, ifindex, BW_GUESTS, BW_TOP, &n->bw_in, true, s->egress_why,
			 sizeof s->egress_why))
		return 0;
	s->egress_ok = true;
	return 0;
}

/* ---- outbound: nftables on the bridge's ingress ---- */

static int bw_ingress_apply(const struct net *n, struct nerr *e)
{
	_cleanup_free_ char *script = NULL;
	int r;

	if ((r = bw_render_ingress(n, &script, e)) < 0)
		return r;
	if ((r = fw_apply(script, false, e)) < 0)
		return nerr_wrap(e, r, "bandwidth: network %s: outbound limit", n->name);
	return 0;
}

/* The chains of table netdev netd, or NULL when it does not exist. */
static int bw_table_objs(json_t **root, struct nerr *e)
{
	int r = fw_list_json_cmd("list table " BW_NFT_TABLE, root, e);

	if (r == -ENOENT) {
		e->msg[0] = '\0';
		*root = NULL;
		return 0;
	}
	return r;
}

/* Delete n's chain, and the table with its last chain. */
static int bw_ingress_undo(const struct net *n, struct nerr *e)
{
	json_auto_t *root = NULL;
	char chain[NET_NAME_MAX + 8], script[NET_NAME_MAX + 64];
	bool mine = false, others = false;
	json_t *obj;
	size_t i;
	int r;

	if ((r = bw_chain(n, chain, sizeof chain, e)) < 0 || (r = bw_table_objs(&root, e)) < 0)
		return r;
	json_array_foreach(json_object_get(root, "nftables"), i, obj)
	{
		const char *name =
			json_string_value(json_object_get(json_object_get(obj, "chain"), "name"));

		if (name && strcmp(name, chain) == 0)
			mine = true;
		else if (name)
			others = true;
	}
	if (!root || (!mine && others))
		return 0;
	if (others)
		(void)snprintf(script, sizeof script, "delete chain " BW_NFT_TABLE " %s\n", chain);
	else
		(void)snprintf(script, sizeof script, "delete table " BW_NFT_TABLE "\n");
	if ((r = fw_apply(script, false, e)) < 0)
		return nerr_wrap(e, r, "bandwidth: network %s: remove the outbound limit", n->name);
	return 0;
}

static uint64_t bw_unit(const char *u)
{
	return !u || strcmp(u, "bytes") == 0 ? 1
	       : strcmp(u, "kbytes") == 0    ? 1024
	       : strcmp(u, "mbytes") == 0    ? 1024 * 1024
					     : 0;
}

/* Whether the rule is exactly `limit rate over R bytes/second [burst B]
 * counter drop` with n's figures. */
static bool bw_rule_ok(json_t *rule, const struct net *n)
{
	json_t *x = json_object_get(rule, "expr");
	json_t *lim = json_object_get(json_array_get(x, 0), "limit");
	uint64_t rate, burst;

	if (json_array_size(x) != 3 || !lim || !json_is_true(json_object_get(lim, "inv")) ||
	    !json_object_get(json_array_get(x, 1), "counter") ||
	    !json_object_get(json_array_get(x, 2), "drop"))
		return false;
	rate = (uint64_t)json_integer_value(json_object_get(lim, "rate")) *
	       bw_unit(json_string_value(json_object_get(lim, "rate_unit")));
	burst = (uint64_t)json_integer_value(json_object_get(lim, "burst")) *
		bw_unit(json_string_value(json_object_get(lim, "burst_unit")));
	return json_string_value(json_object_get(lim, "per")) &&
	       strcmp(json_string_value(json_object_get(lim, "per")), "second") == 0 &&
	       rate == bw_rate_bytes(n->bw_out.average) && burst == n->bw_out.burst * 1024;
}

static int bw_ingress_check(struct step_ctx *c, struct bw_state *s, struct nerr *e)
{
	const struct net *n = c->n;
	_cleanup_free_ char *text = NULL;
	json_auto_t *root = NULL;
	char chain[NET_NAME_MAX + 8], dev[NET_IFNAME_MAX + 40], cmd[NET_NAME_MAX + 64];
	size_t i, rules = 0;
	bool hook = false, rule = false;
	json_t *obj;
	int r;

	s->ingress_ok = false;
	if ((r = bw_chain(n, chain, sizeof chain, e)) < 0)
		return r;
	(void)snprintf(cmd, sizeof cmd, "list chain " BW_NFT_TABLE " %s", chain);
	r = fw_list_json_cmd(cmd, &root, e);
	if (r == -ENOENT) {
		e->msg[0] = '\0';
		(void)snprintf(s->ingress_why, sizeof s->ingress_why,
			       "chain " BW_NFT_TABLE " %s missing", chain);
		return 0;
	}
	if (r < 0)
		return r;
	json_array_foreach(json_object_get(root, "nftables"), i, obj)
	{
		json_t *ch = json_object_get(obj, "chain"), *ru = json_object_get(obj, "rule");
		const char *h = json_string_value(json_object_get(ch, "hook"));

		hook |= h && strcmp(h, "ingress") == 0 &&
			json_string_value(json_object_get(ch, "policy")) &&
			strcmp(json_string_value(json_object_get(ch, "policy")), "accept") == 0;
		if (ru) {
			rules++;
			rule |= bw_rule_ok(ru, n);
		}
	}
	/* nft 1.0.6's JSON leaves out a netdev chain's device; its text has
	 * it. */
	if ((r = fw_list_chain("netdev", "netd", chain, &text, e)) < 0)
		return r;
	(void)snprintf(dev, sizeof dev, "hook ingress device \"%s\" ", n->bridge);
	if (!hook || !strstr(text, dev))
		(void)snprintf(s->ingress_why, sizeof s->ingress_why,
			       "chain " BW_NFT_TABLE " %s is not an ingress hook on %s", chain,
			       n->bridge);
	else if (rules != 1 || !rule)
		(void)snprintf(s->ingress_why, sizeof s->ingress_why,
			       "chain " BW_NFT_TABLE " %s does not hold the limit of %llu bytes/s",
			       chain, (unsigned long long)bw_rate_bytes(n->bw_out.average));
	else
		s->ingress_ok = true;
	return 0;
}

/* ---- the step ---- */

static int bw_apply_net(struct step_ctx *c, const struct net *n, struct nerr *e)
{
	int r;

	if (n->bw_in.set && (r = bw_egress_apply(c, n, e)) < 0)
		return r;
	if (n->bw_out.set && (r = bw_ingress_apply(n, e)) < 0)
		return r;
	return 0;
}

static int bw_undo_net(struct step_ctx *c, const struct net *n, struct nerr *e)
{
	struct nerr e2 = { { 0 } };
	int r = 0, r2 = 0;

	/* Both, even when the first fails. */
	if (n->bw_in.set)
		r = bw_egress_undo(c, n, e);
	if (n->bw_out.set && (r2 = bw_ingress_undo(n, r < 0 ? &e2 : e)) < 0 && r < 0)
		nerr_append(e, r, "; %s", e2.msg);
	return r < 0 ? r : r2;
}

static int bw_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	const struct net *n = c->n;
	int r;

	(void)st;
	if (!net_has_bandwidth(n))
		return 0;
	if ((r = bw_apply_net(c, n, e)) < 0)
		return r;
	if (n->bw_in.set && n->bw_out.set)
		step_changed(c, "bandwidth in %llu out %llu kB/s",
			     (unsigned long long)n->bw_in.average,
			     (unsigned long long)n->bw_out.average);
	else
		step_changed(
			c, "bandwidth %s %llu kB/s", n->bw_in.set ? "in" : "out",
			(unsigned long long)(n->bw_in.set ? n->bw_in.average : n->bw_out.average));
	return 0;
}

static int bw_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	(void)st;
	return bw_undo_net(c, c->n, e);
}

static int bw_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct bw_state *s = st;
	int r;

	memset(s, 0, sizeof *s);
	if (!net_has_bandwidth(c->n))
		return 0;
	if (c->as_user) { /* the ingress limit is in nftables: CAP_NET_ADMIN */
		drift_unchecked(d, bandwidth_step.name);
		return 0;
	}
	if (c->n->bw_in.set && (r = bw_egress_check(c, s, e)) < 0)
		return r;
	if (c->n->bw_out.set && (r = bw_ingress_check(c, s, e)) < 0)
		return r;
	s->checked = true;
	if (c->n->bw_in.set && !s->egress_ok)
		drift_add(d, "bandwidth: inbound: %s", s->egress_why);
	if (c->n->bw_out.set && !s->ingress_ok)
		drift_add(d, "bandwidth: outbound: %s", s->ingress_why);
	return 0;
}

static int bw_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct bw_state *s = st;
	int r;

	if (c->n->bw_in.set && !s->egress_ok && (r = bw_egress_apply(c, c->n, e)) < 0)
		return r;
	if (c->n->bw_out.set && !s->ingress_ok && (r = bw_ingress_apply(c->n, e)) < 0)
		return r;
	return 0;
}

static json_t *bw_json_rate(const struct net_bw_rate *rt, bool ok, const char *how)
{
	if (!rt->set)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:s, s:b}", "average", (json_int_t)rt->average, "peak",
			 (json_int_t)rt->peak, "burst", (json_int_t)rt->burst, "how", how,
			 "in_place", ok);
}

static int bw_describe(struct step_ctx *c, void *st, json_t *status, struct nerr *e)
{
	const struct bw_state *s = st;
	const struct net *n = c->n;
	json_t *o;

	if (!net_has_bandwidth(n) || !s->checked)
		return 0;
	o = json_pack("{s:s, s:o, s:o}", "units", "average, peak: kB/s (1000 bytes); burst: KiB",
		      "inbound",
		      bw_json_rate(&n->bw_in, s->egress_ok, "htb qdisc on the bridge's egress"),
		      "outbound",
		      bw_json_rate(&n->bw_out, s->ingress_ok,
				   "nftables limit on the bridge's ingress (peak not enforced)"));
	if (!o || json_object_set_new(status, "bandwidth", o) < 0)
		return nerr_set(e, -ENOMEM, "network %s: status: out of memory", n->name);
	return 0;
}

static bool bw_rate_eq(const struct net_bw_rate *a, const struct net_bw_rate *b)
{
	return a->set == b->set && a->average == b->average && a->peak == b->peak &&
	       a->burst == b->burst;
}

/* Only the direction that changed is redone. */
static int bw_reload(struct step_ctx *c, void *st, const struct net *old, struct nerr *e)
{
	const struct net *n = c->n;
	bool in = !bw_rate_eq(&old->bw_in, &n->bw_in), out = !bw_rate_eq(&old->bw_out, &n->bw_out);
	int r;

	(void)st;
	if (in) {
		if (old->bw_in.set && !n->bw_in.set && (r = bw_egress_undo(c, old, e)) < 0)
			return r;
		if (n->bw_in.set && (r = bw_egress_apply(c, n, e)) < 0)
			return r;
	}
	if (out) {
		if (old->bw_out.set && !n->bw_out.set && (r = bw_ingress_undo(old, e)) < 0)
			return r;
		if (n->bw_out.set && (r = bw_ingress_apply(n, e)) < 0)
			return r;
	}
	if (in || out)
		step_changed(c, "bandwidth%s%s", in ? " inbound" : "", out ? " outbound" : "");
	return 0;
}

const struct step_ops bandwidth_step = {
	.name = "bandwidth",
	.state_size = sizeof(struct bw_state),
	/* apply may fail after the qdisc: undo removes what there is */
	.undo_after_failure = true,
	.apply = bw_apply,
	.undo = bw_undo,
	.check = bw_check,
	.repair = bw_repair,
	.describe = bw_describe,
	.reload = bw_reload,
};
