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

struct dh_state {
	struct dhcp_files_buf fb;
	char group[64];
	bool ready;
	pid_t pid;
};

static int dh_files(struct step_ctx *c, struct dh_state *s, struct nerr *e)
{
	int r;

	if (s->ready)
		return 0;
	if ((r = dhcp_files_init(&s->fb, c->p->state_dir, c->p->run_dir, c->n->name, e)) < 0)
		return r;
	if (dhcp_user_group(s->fb.files.user, s->group, sizeof s->group, NULL) == 0)
		s->fb.files.group = s->group;
	s->ready = true;
	return 0;
}

static int write_file(const char *path, const char *data, struct nerr *e)
{
	int r = nd_write_atomic(path, data, strlen(data), 0644);

	if (r < 0)
		return nerr_set(e, r, "write %s: %s", path, strerror(-r));
	return 0;
}

static int dh_write(const struct net *n, const struct dhcp_files_buf *fb, struct nerr *e)
{
	_cleanup_free_ char *conf = NULL, *hosts = NULL, *addn = NULL;
	int r;

	if ((r = dhcp_render_conf(n, &fb->files, &conf, e)) < 0 ||
	    (r = dhcp_render_hostsfile(n, &hosts, e)) < 0 ||
	    (r = dhcp_render_addnhosts(n, &addn, e)) < 0)
		return r;
	if ((r = nd_mkdir_p(fb->dir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", fb->dir, strerror(-r));
	if ((r = nd_mkdir_p(fb->piddir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", fb->piddir, strerror(-r));
	if ((r = write_file(fb->files.hostsfile, hosts, e)) < 0 ||
	    (r = write_file(fb->files.addnhosts, addn, e)) < 0 ||
	    (r = write_file(fb->files.conf, conf, e)) < 0)
		return r;
	return 0;
}

static int dh_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	struct dh_state *s = st;
	size_t used = strlen(c->started);
	int r;

	if (!dhcp_needed(c->n))
		return 0;
	if ((r = dh_files(c, s, e)) < 0 || (r = dh_write(c->n, &s->fb, e)) < 0)
		return r;
	r = dhcp_spawn(s->fb.files.conf, s->fb.files.pidfile, &s->pid, e);
	if (r < 0 && r != -EEXIST)
		return r;
	snprintf(c->started + used, sizeof c->started - used, ", dnsmasq pid %ld", (long)s->pid);
	return 0;
}

static int dh_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	struct dh_state *s = st;
	int r;

	if ((r = dh_files(c, s, e)) < 0 ||
	    (r = dhcp_stop(s->fb.files.pidfile, s->fb.files.conf, e)) < 0)
		return r;
	unlink(s->fb.files.conf);
	unlink(s->fb.files.hostsfile);
	unlink(s->fb.files.addnhosts);
	return 0;
}

static int dh_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct dh_state *s = st;
	_cleanup_free_ char *want = NULL, *have = NULL;
	bool running, stale;
	int r;

	if (!dhcp_needed(c->n))
		return 0;
	if ((r = dh_files(c, s, e)) < 0 || (r = dhcp_render_conf(c->n, &s->fb.files, &want, e)) < 0)
		return r;
	running = dhcp_running(s->fb.files.pidfile, s->fb.files.conf, &s->pid) == 1;
	stale = nd_read_file(s->fb.files.conf, &have, NULL) < 0 || strcmp(have, want) != 0;
	if (!running) {
		s->pid = 0;
		drift_add(d, "dnsmasq: not running");
	} else if (stale) {
		drift_add(d, "dnsmasq: config file %s missing or changed", s->fb.files.conf);
	} else {
		struct nerr ignore;
		unsigned want_if = if_nametoindex(c->n->bridge);
		int have_if = 0;

		if (want_if && dhcp_bound_ifindex(s->pid, &have_if, &ignore) == 0 && have_if != 0 &&
		    (unsigned)have_if != want_if)
			drift_add(d,
				  "dnsmasq: its DHCP socket is bound to an interface that is no "
				  "longer %s (the bridge was made again)",
				  c->n->bridge);
	}
	return 0;
}

static int dh_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct dh_state *s = st;
	int r;

	if (s->pid > 0 && (r = dhcp_stop(s->fb.files.pidfile, s->fb.files.conf, e)) < 0)
		return r;
	if ((r = dh_write(c->n, &s->fb, e)) < 0)
		return r;
	return dhcp_spawn(s->fb.files.conf, s->fb.files.pidfile, &s->pid, e);
}

static int dh_describe(struct step_ctx *c, void *st, json_t *status, struct nerr *e)
{
	struct dh_state *s = st;
	json_t *v = s->pid > 0 ? json_integer(s->pid) : json_null();

	if (json_object_set_new(status, "dnsmasq_pid", v) < 0)
		return nerr_set(e, -ENOMEM, "network %s: status: out of memory", c->n->name);
	return 0;
}

const struct step_ops dhcp_step = {
	.name = "dnsmasq",
	.state_size = sizeof(struct dh_state),
	.undo_after_failure = true,
	.apply = dh_apply,
	.undo = dh_undo,
	.check = dh_check,
	.repair = dh_repair,
	.describe = dh_describe,
};

int dhcp_leases_load(const struct nd_paths *p, const char *name, time_t now,
		     struct dhcp_lease **out, size_t *n, struct nerr *e)
{
	struct dhcp_files_buf fb;
	size_t k = 0;
	int r;

	if ((r = dhcp_files_init(&fb, p->state_dir, p->run_dir, name, e)) < 0 ||
	    (r = dhcp_leases_read(fb.files.leasefile, out, n, e)) < 0)
		return r;
	for (size_t i = 0; i < *n; i++)
		if ((*out)[i].expiry == 0 || (*out)[i].expiry > (int64_t)now)
			(*out)[k++] = (*out)[i];
	*n = k;
	return 0;
}
