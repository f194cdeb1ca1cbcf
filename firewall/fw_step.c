/* The firewall's entry in the step table: fw_start, fw_stop, and drift
 * through typed findings kept in the step's state between check and
 * repair (see step.h). netd's accepts in the host's iptables chains
 * (fw_glue.c) belong to this step rather than to one of their own: they are
 * what lets netd's table work on a host with them, and the last stop of a
 * network with a part in the table takes them out. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fw.h"
#include "step.h"

struct fw_step_state {
	struct fw_drift d;	/* what the last check found */
	struct fw_glue_drift g; /* in the iptables chains */
};

/* What the glue is to do for a network that runs with n's rules. */
static enum fw_glue_mode glue_mode(const struct step_ctx *c)
{
	return c->conf->iptables ? FW_GLUE_WANT : FW_GLUE_DROP_ALL;
}

/* netd's table first, then the accepts that let it work; when those fail,
 * the undo (undo_after_failure) takes both out. */
static int fws_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	int r;

	(void)st;
	if ((r = fw_start(c->n, e)) < 0)
		return r;
	if (!fw_net_has_part(c->n))
		return 0;
	return fw_glue_apply(c->n, glue_mode(c), c->serial_fd, e);
}

/* The iptables rules are found by their comment whatever netd.conf now
 * says; they go even when netd's table could not. */
static int fws_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	struct nerr ge = { { 0 } };
	bool last = false;
	int rt = fw_stop(c->n, c->concurrent_run, &last, e);
	int r = 0;

	(void)st;
	if (fw_net_has_part(c->n))
		/* an undo runs under the serial lock already */
		r = fw_glue_apply(c->n, last ? FW_GLUE_DROP_ALL : FW_GLUE_DROP_OWN, -1, &ge);
	if (rt < 0)
		return r < 0 ? nerr_append(e, rt, "; %s", ge.msg) : rt;
	if (r < 0)
		return nerr_set(e, r, "%s", ge.msg);
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
	if (fw_net_has_part(c->n) && (r = fw_glue_check(c->n, glue_mode(c), &s->g, e)) < 0)
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
	if ((r = fw_glue_apply(c->n, glue_mode(c), c->serial_fd, e)) < 0 ||
	    (r = fw_glue_check(c->n, glue_mode(c), &s->g, e)) < 0)
		return r;
	if (s->g.n)
		return nerr_set(e, -EIO, "firewall: still differs after repair: %s", s->g.what[0]);
	return 0;
}

/* One transaction: old's part out, n's in (fw_render_replace); then the
 * iptables accepts for n: the shared ones when n has a part (a network
 * that had none may be the first), n's own out when it has none any more.
 * Nothing to do when both render the same rules. */
static int fws_reload(struct step_ctx *c, void *st, const struct net *old, struct nerr *e)
{
	_cleanup_free_ char *was = NULL, *now = NULL, *script = NULL;
	int r;

	(void)st;
	if ((r = fw_render(old, &was, e)) < 0 || (r = fw_render(c->n, &now, e)) < 0)
		return r;
	if (strcmp(was, now) == 0)
		return 0;
	if ((r = fw_render_replace(old, c->n, &script, e)) < 0)
		return r;
	if ((r = fw_apply(script, false, e)) < 0)
		return nerr_wrap(e, r, "firewall: network %s", c->n->name);
	if (fw_net_has_part(c->n) || fw_net_has_part(old)) {
		/* an old bridge's own rule is found by the network's name */
		enum fw_glue_mode m = fw_net_has_part(c->n) ? glue_mode(c) : FW_GLUE_DROP_OWN;

		if ((r = fw_glue_apply(c->n, m, c->serial_fd, e)) < 0)
			return r;
	}
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
	 * step_ctx.concurrent_run), and two starts inserting the shared
	 * iptables accepts (fw_glue_apply takes the serial lock for that). */
	.concurrent = true,
	.undo_after_failure = true,
	.apply = fws_apply,
	.undo = fws_undo,
	.check = fws_check,
	/* listing nftables needs CAP_NET_ADMIN */
	.check_needs_root = true,
	.repair = fws_repair,
	.state_free = fws_state_free,
	.reload = fws_reload,
};
