/* The firewall's entry in the step table: fw_start, fw_stop, and drift
 * through typed findings kept in the step's state between check and
 * repair (see step.h). netd's accepts in the host's iptables chains
 * (fw_glue.c) belong to this step rather than to one of their own: they
 * must come in in the same transaction as netd's table. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fw.h"
#include "step.h"

struct fw_step_state {
	struct fw_drift d;	/* what the last check found */
	struct fw_glue_drift g; /* in the iptables chains */
};

static int fws_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_free_ char *glue = NULL;
	int r;

	(void)st;
	if (fw_net_has_part(c->n) && (r = fw_glue_render(c->n, c->conf->iptables, &glue, e)) < 0)
		return r;
	return fw_start(c->n, glue, e);
}

/* The iptables rules go first: they are found by their comment whatever
 * netd.conf now says. netd's table goes even when they could not. */
static int fws_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	struct nerr te = { { 0 } };
	int r = fw_net_has_part(c->n) ? fw_glue_stop(c->n, e) : 0;
	int rt = fw_stop(c->n, c->concurrent_run, &te);

	(void)st;
	if (r < 0)
		return rt < 0 ? nerr_append(e, r, "; %s", te.msg) : r;
	if (rt < 0)
		return nerr_set(e, rt, "%s", te.msg);
	return 0;
}

static int fws_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct fw_step_state *s = st;
	int r;

	if ((r = fw_check(c->n, &s->d, e)) < 0)
		return r;
	for (size_t i = 0; i < s->d.n; i++) {
		char what[256];

		(void)fw_drift_str(&s->d.f[i], what, sizeof what); /* may be truncated */
		drift_add(d, "firewall: %s", what);
	}
	if (s->d.more)
		drift_add(d, "firewall: and %zu more differences", s->d.more);
	s->g.n = 0;
	if (fw_net_has_part(c->n) && (r = fw_glue_check(c->n, c->conf->iptables, &s->g, e)) < 0)
		return r;
	for (size_t i = 0; i < s->g.n; i++)
		drift_add(d, "firewall: %s", s->g.what[i]);
	return 0;
}

static int fws_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct fw_step_state *s = st;
	char first[256];
	int r;

	if (s->d.n || s->d.more) {
		if ((r = fw_repair(c->n, &s->d, e)) < 0 || (r = fw_check(c->n, &s->d, e)) < 0)
			return r;
		if (s->d.n) {
			(void)fw_drift_str(&s->d.f[0], first, sizeof first); /* may be truncated */
			return nerr_set(e, -EIO, "firewall: still differs after repair: %s", first);
		}
	}
	if (s->g.n == 0)
		return 0;
	if ((r = fw_glue_apply(c->n, c->conf->iptables, e)) < 0 ||
	    (r = fw_glue_check(c->n, c->conf->iptables, &s->g, e)) < 0)
		return r;
	if (s->g.n)
		return nerr_set(e, -EIO, "firewall: still differs after repair: %s", s->g.what[0]);
	return 0;
}

/* One transaction: old's part out, n's in (fw_render_replace), and the
 * iptables accepts, found by the network's name, put back for n. Nothing
 * to do when both render the same rules. */
static int fws_reload(struct step_ctx *c, void *st, const struct net *old, struct nerr *e)
{
	_cleanup_free_ char *was = NULL, *now = NULL, *script = NULL, *glue = NULL, *all = NULL;
	int r;

	(void)st;
	if ((r = fw_render(old, &was, e)) < 0 || (r = fw_render(c->n, &now, e)) < 0)
		return r;
	if (strcmp(was, now) == 0)
		return 0;
	if ((r = fw_render_replace(old, c->n, &script, e)) < 0)
		return r;
	if ((fw_net_has_part(c->n) || fw_net_has_part(old)) &&
	    (r = fw_glue_render(c->n, c->conf->iptables && fw_net_has_part(c->n), &glue, e)) < 0)
		return r;
	if (asprintf(&all, "%s%s", script, glue ? glue : "") < 0) {
		all = NULL;
		return nerr_set(e, -ENOMEM, "firewall: network %s: out of memory", c->n->name);
	}
	if ((r = fw_apply(all, false, e)) < 0)
		return nerr_wrap(e, r, "firewall: network %s", c->n->name);
	step_changed(c, "firewall");
	return 0;
}

static void fws_state_free(void *st)
{
	struct fw_step_state *s = st;

	fw_drift_free(&s->d);
}

const struct step_ops fw_step = {
	.name = "firewall",
	.state_size = sizeof(struct fw_step_state),
	/* Each network's part of the shared table is its own chains and map
	 * elements, loaded in one transaction, and the kernel applies
	 * transactions one at a time: the base chains' flush and re-add
	 * leaves the same rules whichever comes last. What must not overlap
	 * a start is removing the table (an undo in netd boot keeps it:
	 * step_ctx.concurrent_run). */
	.concurrent = true,
	.apply = fws_apply,
	.undo = fws_undo,
	.check = fws_check,
	/* listing nftables needs CAP_NET_ADMIN */
	.check_needs_root = true,
	.repair = fws_repair,
	.state_free = fws_state_free,
	.reload = fws_reload,
};
