/* The dnsmasq step; see dhcp_step.h. */
#include "dhcp_step.h"

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dhcp_run.h"

/* What check found, for repair (typed, not the text of the finding). */
enum dhcp_finding { DHCP_OK, DHCP_NOT_RUNNING, DHCP_STALE_CONF, DHCP_DEAF, DHCP_STALE_SERVERS };

#ifndef NETD_RESOLV_CONF
#define NETD_RESOLV_CONF "/etc/resolv.conf"
#endif

struct dhcp_step_state {
	/* The paths and dnsmasq's group, found once per command: finding the
	 * group reads the passwd and group databases. */
	bool have_files;
	struct dhcp_files_buf fb;
	char group[64];
	/* dnsmasq's pid once apply, check or repair saw it; 0 when it is not
	 * running (or not known yet: pid_known false). */
	bool pid_known;
	pid_t pid;
	enum dhcp_finding found;
};

int dhcp_files_for(const struct nd_paths *p, const char *name, struct dhcp_files_buf *fb,
		   char *group, size_t len, struct nerr *e)
{
	int r = dhcp_files_init(fb, p->state_dir, p->run_dir, name, e);

	if (r < 0)
		return r;
	if (dhcp_user_group(fb->files.user, group, len, NULL) == 0)
		fb->files.group = group;
	return 0;
}

static int files(struct step_ctx *c, struct dhcp_step_state *st, struct nerr *e)
{
	int r;

	if (st->have_files)
		return 0;
	if ((r = dhcp_files_for(c->p, c->n->name, &st->fb, st->group, sizeof st->group, e)) < 0)
		return r;
	st->have_files = true;
	return 0;
}

static int write_file(const char *path, const char *data, struct nerr *e)
{
	int r = nd_write_atomic(path, data, strlen(data), 0644);

	if (r < 0)
		return nerr_set(e, r, "write %s: %s", path, strerror(-r));
	return 0;
}

/* The servers-file that the host's resolv.conf gives now (none or an
 * unreadable one: no upstream servers, as dnsmasq itself would have). */
static int render_servers(char **out, struct nerr *e)
{
	_cleanup_free_ char *resolv = NULL;

	if (nd_read_file(NETD_RESOLV_CONF, &resolv, NULL) < 0)
		resolv = NULL;
	return dhcp_render_servers(resolv, out, e);
}

/* Render first, write only when all of them rendered. The hosts files must
 * stay readable by dnsmasq's user: it reads them again on SIGHUP after
 * dropping root. */
static int write_files(struct step_ctx *c, const struct dhcp_files_buf *fb, struct nerr *e)
{
	_cleanup_free_ char *conf = NULL, *hosts = NULL, *addn = NULL, *servers = NULL;
	const struct net *n = c->n;
	bool resolvers = dhcp_uses_host_resolvers(n);
	const char *was;
	int r;

	if ((r = dhcp_render_conf(n, &fb->files, &conf, e)) < 0 ||
	    (r = dhcp_render_hostsfile(n, &hosts, e)) < 0 ||
	    (r = dhcp_render_addnhosts(n, &addn, e)) < 0 ||
	    (resolvers && (r = render_servers(&servers, e)) < 0))
		return r;
	if ((r = nd_mkdir_p(fb->dir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", fb->dir, strerror(-r));
	if ((r = nd_mkdir_p(fb->piddir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", fb->piddir, strerror(-r));
	if ((r = write_file(fb->files.hostsfile, hosts, e)) < 0 ||
	    (r = write_file(fb->files.addnhosts, addn, e)) < 0 ||
	    (resolvers && (r = write_file(fb->files.serversfile, servers, e)) < 0) ||
	    (r = write_file(fb->files.conf, conf, e)) < 0)
		return r;
	if ((r = dhcp_leasefile_prepare(fb->dir, fb->files.leasefile, &was, e)) < 0)
		return nerr_wrap(e, r, "network %s", n->name);
	if (was)
		step_note(c, "dnsmasq: leases file %s was %s: replaced by an empty one",
			  fb->files.leasefile, was);
	return 0;
}

/* dnsmasq says which port it could not bind, not who has it: add that. */
static void name_port_holders(const struct step_ctx *c, struct nerr *e)
{
	char who[512];
	int ifindex = c->ifindex ? c->ifindex : (int)if_nametoindex(c->n->bridge);

	if (dhcp_port_holders(c->n, ifindex, who, sizeof who) > 0)
		nerr_append(e, 0, ": %s", who);
}

/* Write the files and start dnsmasq; one of ours already serving this
 * config (-EEXIST) is success. */
static int start(struct step_ctx *c, struct dhcp_step_state *st, struct nerr *e)
{
	int r;

	if ((r = dhcp_check_tftp_root(c->n, &st->fb.files, e)) < 0 ||
	    (r = write_files(c, &st->fb, e)) < 0)
		return r;
	r = dhcp_spawn(st->fb.files.conf, st->fb.files.pidfile, net_has_family(c->n, AF_INET6),
		       &st->pid, e);
	if (r == -EEXIST)
		r = 0;
	if (r == -EADDRINUSE)
		name_port_holders(c, e);
	st->pid_known = r == 0;
	return r;
}

static int dhcp_apply(struct step_ctx *c, void *state, struct nerr *e)
{
	struct dhcp_step_state *st = state;
	size_t used;
	int r;

	if (!dhcp_needed(c->n))
		return 0;
	if ((r = files(c, st, e)) < 0 || (r = start(c, st, e)) < 0)
		return r;
	used = strnlen(c->started, sizeof c->started);
	/* A report line is no reason to roll a network back. */
	(void)snprintf(c->started + used, sizeof c->started - used, ", dnsmasq pid %ld",
		       (long)st->pid); /* may be truncated */
	return 0;
}

/* Remove one of the files; what is already gone is no error. */
static int unlink_file(const struct net *n, const char *path, int r, struct nerr *e)
{
	if (unlink(path) == 0 || errno == ENOENT)
		return r;
	if (r < 0)
		return nerr_append(e, r, "; remove %s: %s", path, strerror(errno));
	return nerr_set(e, -errno, "network %s: remove %s: %s", n->name, path, strerror(errno));
}

static int dhcp_undo(struct step_ctx *c, void *state, struct nerr *e)
{
	struct dhcp_step_state *st = state;
	int r;

	if ((r = files(c, st, e)) < 0 ||
	    (r = dhcp_stop(st->fb.files.pidfile, st->fb.files.conf, e)) < 0)
		return r;
	st->pid_known = true;
	st->pid = 0;
	/* The lease file stays: guests keep their addresses across a restart
	 * of the network. Each file is attempted even when one fails. */
	r = unlink_file(c->n, st->fb.files.conf, 0, e);
	r = unlink_file(c->n, st->fb.files.hostsfile, r, e);
	r = unlink_file(c->n, st->fb.files.serversfile, r, e);
	return unlink_file(c->n, st->fb.files.addnhosts, r, e);
}

/* Whether (1) dnsmasq's DHCPv4 socket is bound to another interface than
 * the bridge as it is now. What cannot be read (no IPv4 DHCP, no bridge:
 * the bridge step reports that) is not reported here (0), but for a user
 * other than root, who may not look at dnsmasq's sockets (/proc/PID/fd):
 * -EACCES, so that status says it did not check. */
static int deaf(const struct step_ctx *c, pid_t pid)
{
	struct nerr ignore;
	int want = c->ifindex ? c->ifindex : (int)if_nametoindex(c->n->bridge);
	int have = 0, r;

	if (want <= 0)
		return 0;
	if ((r = dhcp_bound_ifindex(pid, &have, &ignore)) < 0)
		return c->as_user && (r == -EACCES || r == -EPERM) ? -EACCES : 0;
	return have != 0 && have != want;
}

/* 1 when the servers-file is not what resolv.conf gives now. */
static int servers_stale(const struct step_ctx *c, const struct dhcp_step_state *st, struct nerr *e)
{
	_cleanup_free_ char *want = NULL, *have = NULL;
	int r;

	if (!dhcp_uses_host_resolvers(c->n))
		return 0;
	if ((r = render_servers(&want, e)) < 0)
		return r;
	/* a user may not read it (a 0700 state directory): the step is then
	 * not checked (step_run_check), rather than found stale */
	if ((r = nd_read_file(st->fb.files.serversfile, &have, NULL)) == -EACCES && c->as_user)
		return nerr_set(e, r, "read %s: %s", st->fb.files.serversfile, strerror(-r));
	return r < 0 || strcmp(have, want) != 0;
}

/* dnsmasq must run, with the config the network renders to now, on the
 * bridge as it is now, with the host's resolvers of now. */
static int dhcp_check(struct step_ctx *c, void *state, struct drift *d, struct nerr *e)
{
	struct dhcp_step_state *st = state;
	_cleanup_free_ char *want = NULL, *have = NULL;
	bool running;
	int r, sock = 0;

	st->found = DHCP_OK;
	if (!dhcp_needed(c->n))
		return 0;
	if ((r = files(c, st, e)) < 0 || (r = dhcp_render_conf(c->n, &st->fb.files, &want, e)) < 0)
		return r;
	running = dhcp_running(st->fb.files.pidfile, st->fb.files.conf, &st->pid) == 1;
	if (!running)
		st->pid = 0;
	st->pid_known = true;
	if (running && (r = nd_read_file(st->fb.files.conf, &have, NULL)) == -EACCES &&
	    c->as_user) {
		/* an administrator's 0700 state directory: root's to compare */
		drift_unchecked(d, dhcp_step.name);
		return 0;
	}
	if (!running)
		st->found = DHCP_NOT_RUNNING;
	else if (r < 0 || strcmp(have, want) != 0)
		st->found = DHCP_STALE_CONF;
	else if ((sock = deaf(c, st->pid)) == 1)
		st->found = DHCP_DEAF;
	else if ((r = servers_stale(c, st, e)) != 0) {
		if (r < 0)
			return r;
		st->found = DHCP_STALE_SERVERS;
	}
	if (sock < 0)
		drift_unchecked(d, "dnsmasq's DHCP socket");
	switch (st->found) {
	case DHCP_NOT_RUNNING:
		drift_add(d, "dnsmasq: not running");
		break;
	case DHCP_STALE_CONF:
		drift_add(d, "dnsmasq: config file %s missing or changed", st->fb.files.conf);
		break;
	case DHCP_DEAF:
		drift_add(d,
			  "dnsmasq: its DHCP socket is bound to an interface that is no longer "
			  "%s (the bridge was made again)",
			  c->n->bridge);
		break;
	case DHCP_STALE_SERVERS:
		drift_add(d, "dnsmasq: upstream servers in %s differ from %s",
			  st->fb.files.serversfile, NETD_RESOLV_CONF);
		break;
	case DHCP_OK:
		break;
	}
	return 0;
}

/* dnsmasq reads the servers-file again on SIGHUP: no restart, no lost
 * cache beyond what SIGHUP clears anyway. */
static int servers_refresh(struct dhcp_step_state *st, struct nerr *e)
{
	_cleanup_free_ char *servers = NULL;
	int r;

	if ((r = render_servers(&servers, e)) < 0 ||
	    (r = write_file(st->fb.files.serversfile, servers, e)) < 0)
		return r;
	if (kill(st->pid, SIGHUP) < 0)
		return nerr_set(e, -errno, "dnsmasq %d: SIGHUP: %s", (int)st->pid, strerror(errno));
	return 0;
}

static int dhcp_repair(struct step_ctx *c, void *state, struct nerr *e)
{
	struct dhcp_step_state *st = state;
	int r;

	if (st->found == DHCP_OK)
		return 0;
	if ((r = files(c, st, e)) < 0)
		return r;
	if (st->found == DHCP_STALE_SERVERS) {
		if ((r = servers_refresh(st, e)) < 0)
			return r;
		st->found = DHCP_OK;
		return 0;
	}
	if (st->found != DHCP_NOT_RUNNING &&
	    (r = dhcp_stop(st->fb.files.pidfile, st->fb.files.conf, e)) < 0)
		return r;
	st->pid = 0;
	if ((r = start(c, st, e)) < 0)
		return r;
	st->found = DHCP_OK;
	return 0;
}

static pid_t running_pid(const struct dhcp_step_state *st)
{
	pid_t pid = 0;

	return dhcp_running(st->fb.files.pidfile, st->fb.files.conf, &pid) == 1 ? pid : 0;
}

/* Whether path holds exactly want. */
static bool same_file(const char *path, const char *want)
{
	_cleanup_free_ char *have = NULL;

	return nd_read_file(path, &have, NULL) == 0 && strcmp(have, want) == 0;
}

/* Whether dnsmasq, running, already serves what c->n renders to. */
static bool serves(struct step_ctx *c, struct dhcp_step_state *st, struct nerr *e, int *r)
{
	_cleanup_free_ char *conf = NULL, *hosts = NULL, *addn = NULL;

	if ((*r = dhcp_render_conf(c->n, &st->fb.files, &conf, e)) < 0 ||
	    (*r = dhcp_render_hostsfile(c->n, &hosts, e)) < 0 ||
	    (*r = dhcp_render_addnhosts(c->n, &addn, e)) < 0)
		return false;
	return dhcp_running(st->fb.files.pidfile, st->fb.files.conf, &st->pid) == 1 &&
	       same_file(st->fb.files.conf, conf) && same_file(st->fb.files.hostsfile, hosts) &&
	       same_file(st->fb.files.addnhosts, addn);
}

/* dnsmasq reads its config once: a changed one means a restart. The lease
 * file stays (undo and start keep it), so guests renew to their address. */
static int dhcp_reload(struct step_ctx *c, void *state, const struct net *old, struct nerr *e)
{
	struct dhcp_step_state *st = state;
	pid_t was;
	int r = 0;

	(void)old;
	if (!dhcp_needed(c->n)) {
		if ((r = files(c, st, e)) < 0)
			return r;
		was = running_pid(st);
		if ((r = dhcp_undo(c, st, e)) < 0)
			return r;
		if (was)
			step_changed(c, "dnsmasq stopped (pid %ld)", (long)was);
		return 0;
	}
	if ((r = files(c, st, e)) < 0)
		return r;
	if (serves(c, st, e, &r)) {
		st->pid_known = true;
		return 0;
	}
	if (r < 0)
		return r;
	was = running_pid(st);
	if (was && (r = dhcp_stop(st->fb.files.pidfile, st->fb.files.conf, e)) < 0)
		return r;
	st->pid = 0;
	if ((r = start(c, st, e)) < 0)
		return r;
	if (was)
		step_changed(c, "dnsmasq restarted (pid %ld -> %ld)", (long)was, (long)st->pid);
	else
		step_changed(c, "dnsmasq started (pid %ld)", (long)st->pid);
	return 0;
}

static int dhcp_describe(struct step_ctx *c, void *state, json_t *status, struct nerr *e)
{
	struct dhcp_step_state *st = state;
	json_t *v;
	int r;

	if (!st->pid_known && dhcp_needed(c->n)) {
		if ((r = files(c, st, e)) < 0)
			return r;
		if (dhcp_running(st->fb.files.pidfile, st->fb.files.conf, &st->pid) != 1)
			st->pid = 0;
		st->pid_known = true;
	}
	v = st->pid > 0 ? json_integer((json_int_t)st->pid) : json_null();
	/* json_object_set_new takes v even when it fails */
	if (!v || json_object_set_new(status, "dnsmasq_pid", v) < 0)
		return nerr_set(e, -ENOMEM, "network %s: status: out of memory", c->n->name);
	return 0;
}

const struct step_ops dhcp_step = {
	.name = "dnsmasq",
	.state_size = sizeof(struct dhcp_step_state),
	/* A failed spawn leaves the files it wrote: undo removes them. */
	.undo_after_failure = true,
	/* Its files, pid file and process are the network's own; the slow
	 * part of a start (dnsmasq's own start-up) overlaps others' steps. */
	.concurrent = true,
	.apply = dhcp_apply,
	.undo = dhcp_undo,
	.check = dhcp_check,
	.repair = dhcp_repair,
	.describe = dhcp_describe,
	.reload = dhcp_reload,
};
