/* netd reload; see reload.h. */
#include "reload.h"

#include <errno.h>
#include <string.h>

#include "hostnet.h"
#include "lifecycle.h"
#include "record.h"

int reload_config_changed(const struct store *s, const char *name)
{
	_cleanup_net_ struct net run = { 0 }, want = { 0 };
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct nerr e = { { 0 } };

	if (!store_active(s, name) || !store_exists(s, name) || record_load(s, name, &run, &e) < 0)
		return 0;
	if (store_load(s, name, &want, &e) < 0)
		return 0;
	a = net_format_string(&run);
	b = net_format_string(&want);
	return a && b && strcmp(a, b) != 0;
}

/* Step i of 'to' from what 'from' made. */
static int step_reload(struct step_run *to, struct step_run *from, size_t i, struct nerr *e)
{
	const struct step_ops *o = to->ops[i];
	int r;

	to->c.ifindex = from->c.ifindex;
	if (o->reload)
		return o->reload(&to->c, to->state[i], from->c.n, e);
	if (o->undo && (r = o->undo(&from->c, from->state[i], e)) < 0)
		return r;
	return o->apply(&to->c, to->state[i], e);
}

/* A new subnet must not take what the host has elsewhere (the bridge's
 * own addresses do not count). */
static int new_subnets_free(struct step_ctx *c, const struct net *old, struct nerr *e)
{
	_cleanup_hostnet_ struct hostnet *h = NULL;
	const struct net *n = c->n;
	struct nl_sock *sk;
	char what[160];
	int r;

	if ((r = step_nl(c, &sk, e)) < 0 || (r = hostnet_load(sk, &h, e)) < 0)
		return r;
	for (size_t i = 0; i < n->n_ips; i++) {
		bool had = false;

		for (size_t k = 0; k < old->n_ips; k++)
			had |= net_ips_overlap(&n->ips[i], &old->ips[k]);
		if (!had && hostnet_overlap(h, &n->ips[i].addr, n->ips[i].prefix, n->bridge, what,
					    sizeof what))
			return nerr_set(e, -EADDRINUSE,
					"network %s: its new subnet overlaps %s on this host; "
					"nothing was changed",
					n->name, what);
	}
	for (size_t i = 0; i < n->n_routes; i++) {
		const struct net_route *rt = &n->routes[i];
		char a[64];

		if (hostnet_overlap(h, &rt->addr, rt->prefix, n->bridge, what, sizeof what)) {
			net_addr_str(&rt->addr, a, sizeof a);
			return nerr_set(e, -EADDRINUSE,
					"network %s: its <route> to %s/%u overlaps %s on this "
					"host; nothing was changed",
					n->name, a, rt->prefix, what);
		}
	}
	return 0;
}

/* Steps [0, upto] back to old, newest first; the failed one too, as it may
 * have done part of its work. */
static void roll_back(struct step_run *old, struct step_run *new, size_t upto, struct nerr *e,
		      int r)
{
	size_t failed = 0;

	for (size_t i = upto + 1; i-- > 0;) {
		struct nerr be = { { 0 } };

		if (step_reload(old, new, i, &be) < 0) {
			nerr_append(e, r, "; rollback of %s failed: %s", old->ops[i]->name, be.msg);
			failed++;
		}
		new->c.ifindex = old->c.ifindex;
	}
	if (!failed)
		nerr_append(e, r, "; rolled back to the running config");
}

static int in_place(struct store *s, const struct net *old, const struct net *n, FILE *out,
		    struct nerr *e)
{
	_cleanup_step_run_ struct step_run was = { 0 }, now = { 0 };
	size_t i;
	int r = 0;

	if ((r = lc_run_init(&was, s, old, out, e)) < 0 ||
	    (r = lc_run_init(&now, s, n, out, e)) < 0)
		return r;
	if ((r = new_subnets_free(&now.c, old, e)) < 0)
		return r;
	for (i = 0; i < now.n; i++)
		if ((r = step_reload(&now, &was, i, e)) < 0)
			break;
	if (r < 0) {
		nerr_wrap(e, r, "network %s: reload failed at step '%s'", n->name,
			  now.ops[i]->name);
		roll_back(&was, &now, i, e, r);
		return r;
	}
	if ((r = record_write(s, n, e)) < 0)
		return nerr_wrap(e, r,
				 "network %s: reloaded, but the runtime record is the old one",
				 n->name);
	fprintf(out, "network '%s' reloaded: %s\n%s", n->name,
		now.c.started[0] ? now.c.started + 2 : "no change on the host", now.c.notes);
	return 0;
}

static int restart(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	int r;

	if ((r = lc_stop(s, name, out, e)) < 0)
		return r;
	return lc_start(s, name, out, e);
}

int reload_network(struct store *s, const char *name, bool restart_ok, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net old = { 0 }, n = { 0 };
	_cleanup_free_ char *a = NULL, *b = NULL;
	int r;

	if (!store_active(s, name))
		return nerr_set(e, -ENOTCONN, "network %s: not running", name);
	if (!store_exists(s, name))
		return nerr_set(e, -ENOENT,
				"network %s: transient (started from a file): no stored config to "
				"reload",
				name);
	if ((r = record_load(s, name, &old, e)) < 0 || (r = store_load(s, name, &n, e)) < 0)
		return r;
	a = net_format_string(&old);
	b = net_format_string(&n);
	if (!a || !b)
		return nerr_set(e, -ENOMEM, "network %s: out of memory", name);
	if (strcmp(a, b) == 0) {
		fprintf(out, "network '%s': nothing to change\n", name);
		return 0;
	}
	/* A host bridge network has other steps than a bridge of netd's own:
	 * from one to the other is a stop and a start. */
	if (net_is_host_bridge(&old) != net_is_host_bridge(&n) && !restart_ok)
		return nerr_set(e, -EXDEV,
				"network %s: forward mode %s -> %s cannot change in place; nothing "
				"was changed ('netd reload %s --restart' stops and starts the "
				"network, detaching every guest)",
				name, net_fwd_mode_str(old.fwd_mode), net_fwd_mode_str(n.fwd_mode),
				name);
	if (strcmp(old.bridge, n.bridge) == 0 && net_is_host_bridge(&old) == net_is_host_bridge(&n))
		return in_place(s, &old, &n, out, e);
	if (!restart_ok)
		return nerr_set(e, -EXDEV,
				"network %s: bridge %s -> %s cannot change in place; nothing was "
				"changed ('netd reload %s --restart' stops and starts the network, "
				"detaching every guest)",
				name, old.bridge, n.bridge, name);
	return restart(s, name, out, e);
}
