#include "lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "bridge.h"
#include "bridgeconf.h"
#include "dhcp_run.h"
#include "fw.h"
#include "hostnet.h"
#include "session.h"

/* ---- runtime record ---------------------------------------------------- */

static int record_write(const struct store *s, const struct net *n, struct nerr *e)
{
	char path[PATH_MAX];
	_cleanup_free_ char *xml = NULL;
	int r;

	if ((r = nd_mkdir_p(s->p.run_dir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", s->p.run_dir, strerror(-r));
	if ((r = store_runtime_path(s, n->name, path, sizeof path)) < 0)
		return nerr_set(e, r, "network %s: runtime path too long", n->name);
	xml = net_format_string(n);
	if (!xml)
		return nerr_set(e, -ENOMEM, "network %s: out of memory", n->name);
	r = nd_write_atomic(path, xml, strlen(xml), 0644);
	if (r < 0)
		return nerr_set(e, r, "network %s: write %s: %s", n->name, path, strerror(-r));
	return 0;
}

static int record_remove(const struct store *s, const char *name, struct nerr *e)
{
	char path[PATH_MAX];

	if (store_runtime_path(s, name, path, sizeof path) < 0)
		return nerr_set(e, -ENAMETOOLONG, "network %s: runtime path too long", name);
	if (unlink(path) < 0 && errno != ENOENT)
		return nerr_set(e, -errno, "network %s: remove %s: %s", name, path,
				strerror(errno));
	return 0;
}

/* The model a running network was started with. -EUCLEAN when the record
 * is not a model (damaged). -ESTALE, with n filled, when it parses but
 * fails today's validation (an older netd's, whose rules were looser) and
 * the names stop acts on still pass their grammar: only stop uses that. */
static int record_load(const struct store *s, const char *name, struct net *n, struct nerr *e)
{
	char path[PATH_MAX];
	int r;

	if (!net_name_ok(name))
		return nerr_set(e, -EINVAL, "'%s' is not a network name", name);
	if (!store_active(s, name))
		return nerr_set(e, -ENOTCONN, "network %s: not running", name);
	if ((r = store_runtime_path(s, name, path, sizeof path)) < 0)
		return nerr_set(e, r, "network %s: runtime path too long", name);
	r = net_parse_file(path, n, e);
	if (r == -EACCES || r == -EPERM || r == -ENOMEM || r == -EIO)
		return nerr_wrap(e, r, "network %s: read runtime record %s", name, path);
	if (r == 0 && (r = net_validate(n, e)) < 0 && strcmp(n->name, name) == 0 &&
	    net_ifname_ok(n->bridge))
		return nerr_wrap(e, -ESTALE,
				 "network %s: runtime record %s no longer validates (netd stop %s "
				 "cleans up)",
				 name, path, name);
	if (r < 0) {
		net_free(n);
		return nerr_wrap(
			e, -EUCLEAN,
			"network %s: runtime record %s unreadable (netd stop %s cleans up)", name,
			path, name);
	}
	return 0;
}

/* ---- the steps, each with its undo -------------------------------------- */

static int sysctl_write(const char *path, const char *value, struct nerr *e)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		return nerr_set(e, -errno, "write %s: %s", path, strerror(errno));
	return 0;
}

/* Forwarding stays on after stop, as with libvirt: other networks, VPNs or
 * containers may rely on it, and netd cannot know who turned it on. */
static int forwarding_enable(const struct net *n, struct nerr *e)
{
	int r;

	if (n->fwd_mode != NET_FWD_NAT && n->fwd_mode != NET_FWD_ROUTE)
		return 0;
	if (net_has_family(n, AF_INET) &&
	    (r = sysctl_write("/proc/sys/net/ipv4/ip_forward", "1\n", e)) < 0)
		return r;
	if (net_has_family(n, AF_INET6) &&
	    (r = sysctl_write("/proc/sys/net/ipv6/conf/all/forwarding", "1\n", e)) < 0)
		return r;
	return 0;
}

int lc_dhcp_files(const struct store *s, const char *name, struct dhcp_files_buf *fb, char *group,
		  size_t group_len, struct nerr *e)
{
	int r = dhcp_files_init(fb, s->p.state_dir, s->p.run_dir, name, e);

	if (r < 0)
		return r;
	if (dhcp_user_group(fb->files.user, group, group_len, NULL) == 0)
		fb->files.group = group;
	return 0;
}

static int write_file(const char *path, const char *data, struct nerr *e)
{
	int r = nd_write_atomic(path, data, strlen(data), 0644);

	if (r < 0)
		return nerr_set(e, r, "write %s: %s", path, strerror(-r));
	return 0;
}

/* Write the config and hosts files. The hosts files must stay readable by
 * dnsmasq's user: it reads them again on SIGHUP after dropping root. */
static int dnsmasq_write(const struct net *n, const struct dhcp_files_buf *fb, struct nerr *e)
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

static int dnsmasq_start(const struct store *s, const struct net *n, pid_t *pid, struct nerr *e)
{
	struct dhcp_files_buf fb;
	char group[64];
	int r;

	*pid = 0;
	if (!dhcp_needed(n))
		return 0;
	if ((r = lc_dhcp_files(s, n->name, &fb, group, sizeof group, e)) < 0 ||
	    (r = dnsmasq_write(n, &fb, e)) < 0)
		return r;
	r = dhcp_spawn(fb.files.conf, fb.files.pidfile, pid, e);
	if (r == -EEXIST)
		return 0; /* ours already serves this network */
	return r;
}

static int dnsmasq_stop(const struct store *s, const struct net *n, struct nerr *e)
{
	struct dhcp_files_buf fb;
	char group[64];
	int r;

	if ((r = lc_dhcp_files(s, n->name, &fb, group, sizeof group, e)) < 0)
		return r;
	if ((r = dhcp_stop(fb.files.pidfile, fb.files.conf, e)) < 0)
		return r;
	/* The lease file stays: guests keep their addresses across a
	 * restart of the network. */
	unlink(fb.files.conf);
	unlink(fb.files.hostsfile);
	unlink(fb.files.addnhosts);
	return 0;
}

/* The bridge's entry in qemu's ACL: for every user, or with <netd:access
 * group/> only for that group's members. */
static int bconf_apply(const struct store *s, const struct net *n, struct bconf_report *rep,
		       struct nerr *e)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (!n->access_group[0])
		return bconf_add(s->p.bridge_conf, n->bridge, rep, e);
	if (getgrnam_r(n->access_group, &gr, buf, sizeof buf, &res) != 0 || !res)
		return nerr_set(e, -ENOENT,
				"network %s: access group '%s' does not exist on this host",
				n->name, n->access_group);
	return bconf_add_group(s->p.bridge_conf, n->bridge, gr.gr_gid, rep, e);
}

/* ---- start / stop ------------------------------------------------------- */

enum step { ST_RECORD, ST_BRIDGE, ST_FORWARD, ST_FIREWALL, ST_DNSMASQ, ST_BCONF, ST_N };

static const char *const step_names[ST_N] = {
	[ST_RECORD] = "runtime record", [ST_BRIDGE] = "bridge",	  [ST_FORWARD] = "forwarding",
	[ST_FIREWALL] = "firewall",	[ST_DNSMASQ] = "dnsmasq", [ST_BCONF] = "bridge.conf",
};

/* Undo what start did, newest first; returns how many undos failed and
 * appends their messages to 'notes'. What netd finds in place of its own
 * objects (an interface of the bridge's name that is no bridge) is not
 * netd's: left alone, said on 'out', and not a failure, or stop could never
 * finish. */
static int undo(const struct store *s, const struct net *n, const bool done[ST_N], FILE *out,
		char *notes, size_t len)
{
	int failed = 0;

	for (int st = ST_N - 1; st >= 0; st--) {
		struct nerr e = { { 0 } };
		int r = 0;

		if (!done[st])
			continue;
		switch ((enum step)st) {
		case ST_BCONF:
			r = bconf_remove(s->p.bridge_conf, n->bridge, &e);
			break;
		case ST_DNSMASQ:
			r = dnsmasq_stop(s, n, &e);
			break;
		case ST_FIREWALL:
			r = fw_stop(n, &e);
			break;
		case ST_BRIDGE:
			r = bridge_delete(n->bridge, &e);
			if (r == -EMEDIUMTYPE) {
				fprintf(out, "network '%s': %s\n", n->name, e.msg);
				r = 0;
			}
			break;
		case ST_RECORD:
			r = record_remove(s, n->name, &e);
			break;
		case ST_FORWARD:
		case ST_N:
			break;
		}
		if (r < 0) {
			size_t used = strlen(notes);

			failed++;
			snprintf(notes + used, len - used, "; undo %s failed: %s", step_names[st],
				 e.msg);
		}
	}
	return failed;
}

static int start_checks(const struct store *s, const struct net *n, struct nerr *e)
{
	char what[256];
	int r;

	if (store_active(s, n->name))
		return nerr_set(e, -EALREADY, "network %s: already running", n->name);
	r = hostnet_find_overlap(n, NULL, what, sizeof what, e);
	if (r < 0)
		return nerr_wrap(e, r, "network %s: cannot check the host's addresses", n->name);
	if (r > 0)
		return nerr_set(e, -EADDRINUSE,
				"network %s: its subnet overlaps %s on this host; nothing was "
				"created (change the network's <ip> or remove the other)",
				n->name, what);
	return 0;
}

static void start_report(const struct net *n, pid_t pid, const struct bconf_report *rep, FILE *out)
{
	char a[64];

	fprintf(out, "network '%s' started: bridge %s", n->name, n->bridge);
	for (size_t i = 0; i < n->n_ips; i++) {
		net_addr_str(&n->ips[i].addr, a, sizeof a);
		fprintf(out, " %s/%u", a, n->ips[i].prefix);
	}
	if (pid > 0)
		fprintf(out, ", dnsmasq pid %ld", (long)pid);
	fputc('\n', out);
	if (rep->denied)
		fprintf(out,
			"warning: %s denies %s to qemu-bridge-helper; session VMs cannot "
			"use it until that line goes\n",
			rep->deny_at, n->bridge);
	else if (rep->rejected)
		fprintf(out,
			"warning: qemu-bridge-helper rejects %s (netd bridge.conf check "
			"shows why); session VMs cannot use any bridge\n",
			"bridge.conf");
}

int lc_start(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	struct bconf_report rep = { 0 };
	bool done[ST_N] = { false };
	char notes[1024] = "";
	pid_t pid = 0;
	int r = 0, st;

	if ((r = store_load(s, name, &n, e)) < 0 || (r = start_checks(s, &n, e)) < 0)
		return r;
	for (st = 0; st < ST_N && r == 0; st++) {
		switch ((enum step)st) {
		case ST_RECORD:
			r = record_write(s, &n, e);
			break;
		case ST_BRIDGE:
			r = bridge_create(&n, e);
			break;
		case ST_FORWARD:
			r = forwarding_enable(&n, e);
			break;
		case ST_FIREWALL:
			r = fw_start(&n, e);
			break;
		case ST_DNSMASQ:
			r = dnsmasq_start(s, &n, &pid, e);
			break;
		case ST_BCONF:
			r = bconf_apply(s, &n, &rep, e);
			break;
		case ST_N:
			break;
		}
		done[st] = r == 0;
	}
	if (r == 0) {
		start_report(&n, pid, &rep, out);
		return 0;
	}
	/* Every step cleans up after its own failure (the bridge is deleted,
	 * the nft transaction and the file writes are atomic, a dnsmasq that
	 * fails is not left running) except the dnsmasq files it wrote and a
	 * group-only ACL file written before bridge.conf failed; both undos
	 * are safe on what is already gone. */
	done[st - 1] = st - 1 == ST_DNSMASQ || st - 1 == ST_BCONF;
	undo(s, &n, done, out, notes, sizeof notes);
	return nerr_wrap(e, r, "network %s: start failed at step '%s'%s%s", name,
			 step_names[st - 1],
			 notes[0] ? "" : "; everything it had created was removed", notes);
}

int lc_stop(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	bool done[ST_N] = { false };
	char notes[1024] = "";
	int r;

	if ((r = record_load(s, name, &n, e)) == -ESTALE) {
		fprintf(out,
			"network '%s': runtime record fails today's validation; stopping what "
			"it records all the same\n",
			name);
		r = 0;
	} else if (r == -EUCLEAN) {
		/* The record is damaged (a crash mid-write cannot do that, the
		 * write is atomic; a person can): clean up what the stored
		 * config says instead. */
		fprintf(out,
			"network '%s': runtime record unreadable; stopping what its stored "
			"config describes\n",
			name);
		if ((r = store_load(s, name, &n, e)) < 0)
			return nerr_wrap(e, r,
					 "network %s: runtime record unreadable and no usable "
					 "stored config",
					 name);
	}
	if (r < 0)
		return r;
	for (int st = 0; st < ST_N; st++)
		done[st] = true;
	done[ST_RECORD] = false; /* last, and only when the rest went */
	if (undo(s, &n, done, out, notes, sizeof notes) > 0)
		return nerr_set(e, -EIO, "network %s: stop incomplete%s (run netd stop %s again)",
				name, notes, name);
	if ((r = record_remove(s, name, e)) < 0)
		return r;
	fprintf(out, "network '%s' stopped\n", name);
	return 0;
}

typedef int lc_op(struct store *s, const char *name, FILE *out, struct nerr *e);

/* Run op on every defined network that 'want' picks; one failure does not
 * stop the others (each is printed on 'err'). Returns how many failed. */
static int each_network(struct store *s, bool (*want)(const struct store *, const char *),
			lc_op *op, FILE *out, FILE *err, struct nerr *e)
{
	char **names = NULL;
	size_t count = 0;
	int failed = 0, r;

	if ((r = store_names(s, &names, &count, e)) < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		struct nerr ne = { { 0 } };

		if (want(s, names[i]) && op(s, names[i], out, &ne) < 0) {
			fprintf(err, "netd: %s\n", ne.msg);
			failed++;
		}
	}
	store_names_free(names, count);
	return failed;
}

static bool boot_wants(const struct store *s, const char *name)
{
	return store_autostart(s, name) && !store_active(s, name);
}

int lc_boot(struct store *s, FILE *out, FILE *err, struct nerr *e)
{
	return each_network(s, boot_wants, lc_start, out, err, e);
}

/* ---- drift: check and repair -------------------------------------------- */

static void drift_add(struct lc_drift *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void drift_add(struct lc_drift *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n >= LC_DRIFT_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(d->what[d->n++], sizeof d->what[0], fmt, ap);
	va_end(ap);
}

static int check_bridge(const struct store *s, const struct net *n, bool repair, struct lc_drift *d,
			struct nerr *e)
{
	_cleanup_bridge_drift_ struct bridge_drift bd = { 0 };
	char what[256];
	int r;

	(void)s;
	if ((r = bridge_check(n, &bd, e)) < 0)
		return r;
	if (!bridge_drift_any(&bd))
		return 0;
	bridge_drift_str(n, &bd, what, sizeof what);
	drift_add(d, "bridge %s: %s", n->bridge, what);
	return repair ? bridge_repair(n, &bd, e) : 0;
}

static int check_firewall(const struct store *s, const struct net *n, bool repair,
			  struct lc_drift *d, struct nerr *e)
{
	_cleanup_fw_drift_ struct fw_drift fd = { 0 };
	char what[256];
	int r;

	(void)s;
	if ((r = fw_check(n, &fd, e)) < 0)
		return r;
	for (size_t i = 0; i < fd.n; i++) {
		(void)fw_drift_str(&fd.f[i], what, sizeof what); /* may be truncated */
		drift_add(d, "firewall: %s", what);
	}
	if (!repair || fd.n == 0)
		return 0;
	/* fw_check names every difference, and fw_repair fixes them all in
	 * one transaction: one confirming check is enough. */
	if ((r = fw_repair(n, &fd, e)) < 0 || (r = fw_check(n, &fd, e)) < 0)
		return r;
	if (fd.n == 0)
		return 0;
	(void)fw_drift_str(&fd.f[0], what, sizeof what); /* may be truncated */
	return nerr_set(e, -EIO, "firewall: still differs after repair: %s", what);
}

/* Whether dnsmasq's DHCPv4 socket is bound to another interface than the
 * bridge as it is now. What cannot be read (no IPv4 DHCP, no bridge: the
 * bridge check reports that) is not reported here. */
static bool dhcp_deaf(const struct net *n, pid_t pid)
{
	struct nerr ignore;
	unsigned want = if_nametoindex(n->bridge);
	int have = 0;

	if (!want || dhcp_bound_ifindex(pid, &have, &ignore) < 0)
		return false;
	return have != 0 && (unsigned)have != want;
}

/* dnsmasq must run, with the config the network renders to now. */
static int check_dnsmasq(const struct store *s, const struct net *n, bool repair,
			 struct lc_drift *d, struct nerr *e)
{
	struct dhcp_files_buf fb;
	_cleanup_free_ char *want = NULL, *have = NULL;
	char group[64];
	bool running, stale;
	pid_t pid;
	int r;

	if (!dhcp_needed(n))
		return 0;
	if ((r = lc_dhcp_files(s, n->name, &fb, group, sizeof group, e)) < 0 ||
	    (r = dhcp_render_conf(n, &fb.files, &want, e)) < 0)
		return r;
	running = dhcp_running(fb.files.pidfile, fb.files.conf, &pid) == 1;
	stale = nd_read_file(fb.files.conf, &have, NULL) < 0 || strcmp(have, want) != 0;
	if (!running)
		drift_add(d, "dnsmasq: not running");
	else if (stale)
		drift_add(d, "dnsmasq: config file %s missing or changed", fb.files.conf);
	else if ((stale = dhcp_deaf(n, pid)))
		drift_add(d,
			  "dnsmasq: its DHCP socket is bound to an interface that is no longer "
			  "%s (the bridge was made again)",
			  n->bridge);
	if (!repair || (running && !stale))
		return 0;
	if (running && (r = dhcp_stop(fb.files.pidfile, fb.files.conf, e)) < 0)
		return r;
	if ((r = dnsmasq_write(n, &fb, e)) < 0)
		return r;
	return dhcp_spawn(fb.files.conf, fb.files.pidfile, &pid, e);
}

static int check_bconf(const struct store *s, const struct net *n, bool repair, struct lc_drift *d,
		       struct nerr *e)
{
	struct bconf_report rep = { 0 };
	int r;

	/* A 'deny' is the administrator's line, not drift from what netd
	 * made: the session-VM report names it, and apply never touches it. */
	if ((r = bconf_check(s->p.bridge_conf, n->bridge, &rep, e)) < 0)
		return r;
	if (!rep.present)
		drift_add(d, "bridge.conf: no 'allow %s' in %s", n->bridge, s->p.bridge_conf);
	else if (n->access_group[0] && !rep.group_only)
		drift_add(d, "bridge.conf: %s is open to every user, not only group %s", n->bridge,
			  n->access_group);
	else if (!n->access_group[0] && rep.group_only)
		drift_add(d, "bridge.conf: %s is restricted to a group the network no longer names",
			  n->bridge);
	else
		return 0;
	if (!repair)
		return 0;
	if (!n->access_group[0] && rep.group_only &&
	    (r = bconf_remove(s->p.bridge_conf, n->bridge, e)) < 0)
		return r;
	return bconf_apply(s, n, &rep, e);
}

int lc_check(struct store *s, const char *name, bool repair, struct lc_drift *d, struct nerr *e)
{
	static int (*const checks[])(const struct store *, const struct net *, bool,
				     struct lc_drift *, struct nerr *) = {
		check_bridge,
		check_firewall,
		check_dnsmasq,
		check_bconf,
	};
	_cleanup_net_ struct net n = { 0 };
	int r;

	memset(d, 0, sizeof *d);
	if ((r = record_load(s, name, &n, e)) < 0)
		return r;
	/* In dependency order: dnsmasq binds to the bridge. What a check
	 * found is repaired once it returns 0 in repair mode. */
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if ((r = checks[i](s, &n, repair, d, e)) < 0)
			return nerr_wrap(e, r, "network %s: %s", name, repair ? "repair" : "check");
		if (repair)
			d->repaired = d->n;
	}
	return 0;
}

static int apply_one(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	struct lc_drift d;
	int r = lc_check(s, name, true, &d, e);

	for (size_t i = 0; i < d.n; i++)
		fprintf(out, "network '%s': %s %s\n", name,
			i < d.repaired ? "repaired" : "could not repair", d.what[i]);
	if (r == 0 && d.n == 0)
		fprintf(out, "network '%s': as it should be\n", name);
	return r;
}

int lc_apply(struct store *s, const char *name, FILE *out, FILE *err, struct nerr *e)
{
	if (name)
		return apply_one(s, name, out, e);
	return each_network(s, store_active, apply_one, out, err, e);
}

/* ---- status and leases -------------------------------------------------- */

struct status {
	bool active, autostart;
	pid_t pid;
	struct lc_drift drift;
	char check_error[512];
	struct sess_report sess;
};

static void status_text(const struct net *n, const struct status *st, FILE *o)
{
	char a[64];

	fprintf(o, "%-10s %s\n", "network:", n->name);
	fprintf(o, "%-10s %s\n", "state:", st->active ? "active" : "inactive");
	fprintf(o, "%-10s %s\n", "autostart:", st->autostart ? "yes" : "no");
	fprintf(o, "%-10s %s\n", "forward:", net_fwd_mode_str(n->fwd_mode));
	fprintf(o, "%-10s %s\n", "bridge:", n->bridge);
	for (size_t i = 0; i < n->n_ips; i++) {
		net_addr_str(&n->ips[i].addr, a, sizeof a);
		fprintf(o, "%-10s %s/%u\n", i ? "" : "addresses:", a, n->ips[i].prefix);
	}
	if (!st->active)
		return;
	if (st->pid > 0)
		fprintf(o, "%-10s pid %ld\n", "dnsmasq:", (long)st->pid);
	else
		fprintf(o, "%-10s %s\n", "dnsmasq:", dhcp_needed(n) ? "not running" : "not needed");
	if (st->check_error[0])
		fprintf(o, "%-10s cannot check: %s\n", "drift:", st->check_error);
	else if (st->drift.n == 0)
		fprintf(o, "%-10s none\n", "drift:");
	for (size_t i = 0; i < st->drift.n; i++)
		fprintf(o, "%-10s %s\n", i ? "" : "drift:", st->drift.what[i]);
	if (st->drift.n)
		fprintf(o, "%-10s netd apply %s\n", "repair:", n->name);
	if (st->sess.usable && n->access_group[0])
		fprintf(o,
			"%-10s usable by unprivileged qemu (qemu:///session) of members of "
			"group %s only\n",
			"session:", n->access_group);
	else
		fprintf(o, "%-10s %s\n", "session:",
			st->sess.usable ? "usable by unprivileged qemu (qemu:///session)"
					: "NOT usable by unprivileged qemu (qemu:///session):");
	for (size_t i = 0; i < st->sess.n; i++)
		fprintf(o, "%-10s - %s\n", "", st->sess.why[i]);
}

static void status_json(const struct net *n, const struct status *st, FILE *o)
{
	char a[64];

	fprintf(o, "{\"name\": ");
	nd_json_str(o, n->name);
	fprintf(o, ", \"active\": %s, \"autostart\": %s, \"forward\": \"%s\", \"bridge\": ",
		st->active ? "true" : "false", st->autostart ? "true" : "false",
		net_fwd_mode_str(n->fwd_mode));
	nd_json_str(o, n->bridge);
	fprintf(o, ", \"addresses\": [");
	for (size_t i = 0; i < n->n_ips; i++) {
		net_addr_str(&n->ips[i].addr, a, sizeof a);
		fprintf(o, "%s\"%s/%u\"", i ? ", " : "", a, n->ips[i].prefix);
	}
	fprintf(o, "], \"dnsmasq_pid\": ");
	if (st->pid > 0)
		fprintf(o, "%ld", (long)st->pid);
	else
		fprintf(o, "null");
	fprintf(o, ", \"drift\": [");
	for (size_t i = 0; i < st->drift.n; i++) {
		fprintf(o, "%s", i ? ", " : "");
		nd_json_str(o, st->drift.what[i]);
	}
	fprintf(o, "]");
	if (st->check_error[0]) {
		fprintf(o, ", \"check_error\": ");
		nd_json_str(o, st->check_error);
	}
	if (st->active) {
		fprintf(o, ", \"session_vms\": {\"usable\": %s, \"group\": ",
			st->sess.usable ? "true" : "false");
		if (n->access_group[0])
			nd_json_str(o, n->access_group);
		else
			fprintf(o, "null");
		fprintf(o, ", \"problems\": [");
		for (size_t i = 0; i < st->sess.n; i++) {
			fprintf(o, "%s", i ? ", " : "");
			nd_json_str(o, st->sess.why[i]);
		}
		fprintf(o, "]}");
	}
	fprintf(o, "}\n");
}

int lc_status(struct store *s, const char *name, bool json, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	struct status st = { 0 };
	int r;

	st.active = store_active(s, name);
	st.autostart = store_autostart(s, name);
	r = st.active ? record_load(s, name, &n, e) : store_load(s, name, &n, e);
	if (r < 0)
		return r;
	if (st.active) {
		struct dhcp_files_buf fb;
		char group[64];
		struct nerr ce = { { 0 } };

		if (lc_dhcp_files(s, name, &fb, group, sizeof group, e) == 0)
			dhcp_running(fb.files.pidfile, fb.files.conf, &st.pid);
		if (lc_check(s, name, false, &st.drift, &ce) < 0)
			nd_strlcpy(st.check_error, ce.msg, sizeof st.check_error);
		sess_check(&s->p, n.bridge, &st.sess);
	}
	if (json)
		status_json(&n, &st, out);
	else
		status_text(&n, &st, out);
	return 0;
}

static void lease_expiry_str(int64_t expiry, char *buf, size_t len)
{
	time_t t = (time_t)expiry;
	struct tm tm;

	if (expiry == 0 || !gmtime_r(&t, &tm))
		nd_strlcpy(buf, "never", len);
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* dnsmasq drops an expired lease from its file only when it next writes
 * the file: keep the current ones (expiry 0 is an infinite lease). */
static size_t leases_current(struct dhcp_lease *l, size_t n, time_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (l[i].expiry == 0 || l[i].expiry > (int64_t)now)
			l[k++] = l[i];
	return k;
}

static void leases_json(const struct dhcp_lease *l, size_t n, FILE *o)
{
	fprintf(o, "[");
	for (size_t i = 0; i < n; i++) {
		fprintf(o, "%s\n  {\"ip\": ", i ? "," : "");
		nd_json_str(o, l[i].ip);
		fprintf(o, ", \"mac\": ");
		if (l[i].mac[0])
			nd_json_str(o, l[i].mac);
		else
			fprintf(o, "null");
		fprintf(o, ", \"hostname\": ");
		if (l[i].hostname[0])
			nd_json_str(o, l[i].hostname);
		else
			fprintf(o, "null");
		fprintf(o, ", \"clientid\": ");
		if (l[i].clientid[0])
			nd_json_str(o, l[i].clientid);
		else
			fprintf(o, "null");
		fprintf(o, ", \"expiry\": %lld}", (long long)l[i].expiry);
	}
	fprintf(o, "%s]\n", n ? "\n" : "");
}

int lc_leases(struct store *s, const char *name, bool json, FILE *out, struct nerr *e)
{
	struct dhcp_files_buf fb;
	_cleanup_free_ struct dhcp_lease *l = NULL;
	char group[64], when[32];
	size_t n = 0;
	int r;

	if (!store_exists(s, name) && !store_active(s, name))
		return nerr_set(e, -ENOENT, "network %s: not defined", name);
	if ((r = lc_dhcp_files(s, name, &fb, group, sizeof group, e)) < 0 ||
	    (r = dhcp_leases_read(fb.files.leasefile, &l, &n, e)) < 0)
		return r;
	n = leases_current(l, n, time(NULL));
	if (json) {
		leases_json(l, n, out);
		return 0;
	}
	fprintf(out, "%-21s %-18s %-40s %s\n", "EXPIRES (UTC)", "MAC", "IP", "HOSTNAME");
	for (size_t i = 0; i < n; i++) {
		lease_expiry_str(l[i].expiry, when, sizeof when);
		fprintf(out, "%-21s %-18s %-40s %s\n", when, l[i].mac[0] ? l[i].mac : "-", l[i].ip,
			l[i].hostname[0] ? l[i].hostname : "-");
	}
	return 0;
}
