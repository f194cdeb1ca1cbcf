/* TEMPORARY: the resource steps over the modules' current APIs, until each
 * module exports its own entry. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "bridge.h"
#include "dhcp.h"
#include "dhcp_run.h"
#include "fw.h"
#include "record.h"
#include "step.h"
#include "steps_tmp.h"

static int fws_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_free_ char *script = NULL;
	int r;

	(void)st;
	if ((r = fw_render(c->n, &script, e)) < 0)
		return r;
	return fw_apply(script, false, e);
}

static bool others_have_rules(const struct step_ctx *c)
{
	struct store s = { .p = *c->p, .lock_fd = -1 };
	DIR *d = opendir(c->p->run_dir);
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char other[NET_NAME_MAX + 1];
		size_t len = strlen(de->d_name);
		_cleanup_net_ struct net o = { 0 };
		struct nerr ignore;

		if (len < 5 || len - 4 > NET_NAME_MAX || strcmp(de->d_name + len - 4, ".xml"))
			continue;
		memcpy(other, de->d_name, len - 4);
		other[len - 4] = '\0';
		if (strcmp(other, c->n->name) == 0 || !net_name_ok(other))
			continue;
		if (record_load(&s, other, &o, &ignore) < 0 || o.fwd_mode != NET_FWD_OPEN)
			found = true;
	}
	closedir(d);
	return found;
}

static int fws_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_free_ char *script = NULL;
	bool present = false;
	int r;

	(void)st;
	if (c->n->fwd_mode == NET_FWD_OPEN)
		return 0;
	if ((r = fw_table_present(&present, e)) < 0)
		return r;
	if (!present)
		return 0;
	if ((r = fw_render_stop(c->n, !others_have_rules(c), &script, e)) < 0)
		return r;
	return fw_apply(script, false, e);
}

struct fws_state {
	char what[256];
};

static int fws_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct fws_state *s = st;
	bool drift = false;
	int r;

	if ((r = fw_check(c->n, &drift, s->what, sizeof s->what, e)) < 0)
		return r;
	if (drift)
		drift_add(d, "firewall: %s", s->what);
	return 0;
}

static int fws_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct fws_state *s = st;
	bool drift = true;
	int r;

	for (int round = 0; drift && round < 8; round++) {
		if ((r = fw_repair(c->n, s->what, e)) < 0 ||
		    (r = fw_check(c->n, &drift, s->what, sizeof s->what, e)) < 0)
			return r;
	}
	if (drift)
		return nerr_set(e, -EIO, "firewall: still differs after repair: %s", s->what);
	return 0;
}

const struct step_ops fw_step = {
	.name = "firewall",
	.state_size = sizeof(struct fws_state),
	.apply = fws_apply,
	.undo = fws_undo,
	.check = fws_check,
	.repair = fws_repair,
};
