/* The firewall's entry in the step table: fw_start, fw_stop, and drift
 * through typed findings kept in the step's state between check and
 * repair (see step.h). */
#include <errno.h>

#include "fw.h"
#include "step.h"

struct fw_step_state {
	struct fw_drift d; /* what the last check found */
};

static int fws_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	(void)st;
	return fw_start(c->n, e);
}

static int fws_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	(void)st;
	return fw_stop(c->n, e);
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
	return 0;
}

static int fws_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct fw_step_state *s = st;
	char first[256];
	int r;

	if ((r = fw_repair(c->n, &s->d, e)) < 0 || (r = fw_check(c->n, &s->d, e)) < 0)
		return r;
	if (s->d.n == 0)
		return 0;
	(void)fw_drift_str(&s->d.f[0], first, sizeof first); /* may be truncated */
	return nerr_set(e, -EIO, "firewall: still differs after repair: %s", first);
}

static void fws_state_free(void *st)
{
	struct fw_step_state *s = st;

	fw_drift_free(&s->d);
}

const struct step_ops fw_step = {
	.name = "firewall",
	.state_size = sizeof(struct fw_step_state),
	.apply = fws_apply,
	.undo = fws_undo,
	.check = fws_check,
	.repair = fws_repair,
	.state_free = fws_state_free,
};
