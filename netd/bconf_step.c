/* The bridge's entry in qemu-bridge-helper's ACL as a step of a running
 * network: for every user, or with <netd:access group/> for the members of
 * one group only. The editing itself is bridgeconf.c's; this file decides
 * what the entry should be, checks it, and describes what session VMs can
 * do with the bridge. */
#include <errno.h>
#include <grp.h>
#include <string.h>

#include "bridgeconf.h"
#include "session.h"
#include "step.h"

struct bconf_state {
	struct bconf_report rep; /* of the last check */
	bool checked;
};

static int bconf_step_allow(const struct step_ctx *c, struct bconf_report *rep, struct nerr *e)
{
	const struct net *n = c->n;
	struct group gr, *res = NULL;
	char buf[4096];

	if (n->owner_line)
		return bconf_add_user(c->p->bridge_conf, n->bridge, n->owner_uid, rep, e);
	if (!n->access_group[0])
		return bconf_add(c->p->bridge_conf, n->bridge, rep, e);
	if (getgrnam_r(n->access_group, &gr, buf, sizeof buf, &res) != 0 || !res)
		return nerr_set(e, -ENOENT,
				"network %s: access group '%s' does not exist on this host",
				n->name, n->access_group);
	return bconf_add_group(c->p->bridge_conf, n->bridge, gr.gr_gid, rep, e);
}

static int bconf_step_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	struct bconf_report *rep = &((struct bconf_state *)st)->rep;
	int r;

	if ((r = bconf_step_allow(c, rep, e)) < 0)
		return r;
	if (rep->denied)
		step_note(c,
			  "warning: %s denies %s to qemu-bridge-helper; session VMs cannot use "
			  "it until that line goes",
			  rep->deny_at, c->n->bridge);
	else if (rep->rejected)
		step_note(c,
			  "warning: qemu-bridge-helper rejects bridge.conf (netd status %s shows "
			  "why); session VMs cannot use any bridge",
			  c->n->name);
	for (size_t i = 0; i < rep->n_bad && i < BCONF_BAD_MAX; i++)
		if (rep->bad[i].loop) {
			step_note(c,
				  "warning: %s line %u: %s (qemu-bridge-helper follows includes "
				  "without a limit; netd status %s)",
				  rep->bad[i].file, rep->bad[i].line, rep->bad[i].why, c->n->name);
			break;
		}
	return 0;
}

static int bconf_step_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	(void)st;
	return bconf_remove(c->p->bridge_conf, c->n->bridge, e);
}

/* A 'deny' is the administrator's line, not drift from what netd made:
 * describe names it, and repair never touches it. */
static int bconf_step_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct bconf_state *s = st;
	const struct net *n = c->n;
	int r;

	s->checked = false;
	if ((r = bconf_check(c->p->bridge_conf, n->bridge, &s->rep, e)) < 0)
		return r;
	s->checked = true;
	if (!s->rep.present)
		drift_add(d, "bridge.conf: no 'allow %s' in %s", n->bridge, c->p->bridge_conf);
	else if (n->owner_line && !s->rep.group_only)
		drift_add(d, "bridge.conf: %s is open to every user, not only its owner (uid %u)",
			  n->bridge, (unsigned)n->owner_uid);
	else if (n->access_group[0] && !s->rep.group_only)
		drift_add(d, "bridge.conf: %s is open to every user, not only group %s", n->bridge,
			  n->access_group);
	else if (!n->access_group[0] && !n->owner_line && s->rep.group_only)
		drift_add(d, "bridge.conf: %s is restricted to a group the network no longer names",
			  n->bridge);
	return 0;
}

static int bconf_step_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct bconf_state *s = st;
	int r;

	if (!c->n->access_group[0] && !c->n->owner_line && s->rep.group_only &&
	    (r = bconf_remove(c->p->bridge_conf, c->n->bridge, e)) < 0)
		return r;
	s->checked = false; /* the file changed */
	return bconf_step_allow(c, &s->rep, e);
}

static int bconf_step_describe(struct step_ctx *c, void *st, json_t *status, struct nerr *e)
{
	struct bconf_state *s = st;
	struct sess_report sr;
	struct sess_user u;
	json_t *o, *why;
	/* A user asks whether their own qemu can join; root, whether users can. */
	bool user = c->as_user && sess_user_self(&u) == 0;

	sess_check(c->p, c->n, s->checked ? &s->rep : NULL, user ? &u : NULL, &sr);
	o = json_pack("{s:b, s:o, s:o, s:o, s:[]}", "usable", sr.usable, "group",
		      c->n->access_group[0] ? json_string(c->n->access_group) : json_null(),
		      "owner_uid", c->n->owner_line ? json_integer(c->n->owner_uid) : json_null(),
		      "user", user ? nd_json_string(u.name) : json_null(), "problems");
	why = o ? json_object_get(o, "problems") : NULL;
	for (size_t i = 0; why && i < sr.n; i++)
		if (json_array_append_new(why, nd_json_string(sr.why[i])) < 0)
			why = NULL;
	if (!why || json_object_set_new(status, "session_vms", o) < 0) {
		json_decref(o);
		return nerr_set(e, -ENOMEM, "network %s: status: out of memory", c->n->name);
	}
	return 0;
}

/* The same bridge: the entry changes only with the access group. */
static int bconf_step_reload(struct step_ctx *c, void *st, const struct net *old, struct nerr *e)
{
	int r;

	if (strcmp(old->access_group, c->n->access_group) == 0 &&
	    old->owner_line == c->n->owner_line && old->owner_uid == c->n->owner_uid)
		return 0;
	if ((r = bconf_step_undo(c, st, e)) < 0 || (r = bconf_step_apply(c, st, e)) < 0)
		return r;
	step_changed(c, "bridge.conf %s",
		     c->n->owner_line	     ? "owner"
		     : c->n->access_group[0] ? "group"
					     : "entry");
	return 0;
}

const struct step_ops bconf_step = {
	.name = "bridge.conf",
	.state_size = sizeof(struct bconf_state),
	/* bconf_add_group writes the group's ACL file before it edits
	 * bridge.conf: that file must go when the edit fails. */
	.undo_after_failure = true,
	.apply = bconf_step_apply,
	.reload = bconf_step_reload,
	.undo = bconf_step_undo,
	.check = bconf_step_check,
	.repair = bconf_step_repair,
	.describe = bconf_step_describe,
};
