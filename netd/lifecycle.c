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
#include "dhcp_leases.h"
#include "dhcp_step.h"
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

/* Whether another running network than 'name' has firewall rules: the
 * shared table goes only with the last of them. */
static bool others_have_rules(const struct store *s, const char *name)
{
	DIR *d = opendir(s->p.run_dir);
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
		if (strcmp(other, name) == 0 || !net_name_ok(other))
			continue;
		/* An unreadable record may still have rules: keep the table. */
		if (record_load(s, other, &o, &ignore) < 0 || o.fwd_mode != NET_FWD_OPEN)
			found = true;
	}
	closedir(d);
	return found;
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

static int fw_start(const struct net *n, struct nerr *e)
{
	_cleanup_free_ char *script = NULL;
	int r;

	if ((r = fw_render(n, &script, e)) < 0)
		return r;
	return fw_apply(script, false, e);
}

static int fw_stop(const struct store *s, const struct net *n, struct nerr *e)
{
	_cleanup_free_ char *script = NULL;
	bool present = false;
	int r;

	if (n->fwd_mode == NET_FWD_OPEN)
		return 0;
	if ((r = fw_table_present(&present, e)) < 0)
		return r;
	if (!present)
		return 0;
	if ((r = fw_render_stop(n, !others_have_rules(s, n->name), &script, e)) < 0)
		return r;
	return fw_apply(script, false, e);
}

/* The dnsmasq step (dhcp_step.h), run on its own until lifecycle.c
 * becomes a loop over the step table. */
struct lc_dhcp {
	struct step_ctx c;
	void *st;
};

static int lc_dhcp_init(struct lc_dhcp *d, const struct store *s, const struct net *n, FILE *out,
			struct nerr *e)
{
	memset(d, 0, sizeof *d);
	d->c.p = &s->p;
	d->c.n = n;
	d->c.out = out;
	if (!(d->st = calloc(1, dhcp_step.state_size)))
		return nerr_set(e, -ENOMEM, "network %s: out of memory", n->name);
	return 0;
}

static void lc_dhcp_done(struct lc_dhcp *d)
{
	if (d->st && dhcp_step.state_free)
		dhcp_step.state_free(d->st);
	free(d->st);
	d->st = NULL;
}
#define _cleanup_lc_dhcp_ __attribute__((cleanup(lc_dhcp_done)))

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
static int undo(const struct store *s, const struct net *n, struct lc_dhcp *dh,
		const bool done[ST_N], FILE *out, char *notes, size_t len)
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
			r = dhcp_step.undo(&dh->c, dh->st, &e);
			break;
		case ST_FIREWALL:
			r = fw_stop(s, n, &e);
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

static void start_report(const struct net *n, const char *dnsmasq, const struct bconf_report *rep,
			 FILE *out)
{
	char a[64];

	fprintf(out, "network '%s' started: bridge %s", n->name, n->bridge);
	for (size_t i = 0; i < n->n_ips; i++) {
		net_addr_str(&n->ips[i].addr, a, sizeof a);
		fprintf(out, " %s/%u", a, n->ips[i].prefix);
	}
	fprintf(out, "%s\n", dnsmasq);
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
	_cleanup_lc_dhcp_ struct lc_dhcp dh = { 0 };
	struct bconf_report rep = { 0 };
	bool done[ST_N] = { false };
	char notes[1024] = "";
	int r = 0, st;

	if ((r = store_load(s, name, &n, e)) < 0 || (r = start_checks(s, &n, e)) < 0 ||
	    (r = lc_dhcp_init(&dh, s, &n, out, e)) < 0)
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
			r = dhcp_step.apply(&dh.c, dh.st, e);
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
		start_report(&n, dh.c.started, &rep, out);
		return 0;
	}
	/* Every step cleans up after its own failure (the bridge is deleted,
	 * the nft transaction and the file writes are atomic, a dnsmasq that
	 * fails is not left running) except the dnsmasq files it wrote and a
	 * group-only ACL file written before bridge.conf failed; both undos
	 * are safe on what is already gone. */
	done[st - 1] = st - 1 == ST_DNSMASQ || st - 1 == ST_BCONF;
	undo(s, &n, &dh, done, out, notes, sizeof notes);
	return nerr_wrap(e, r, "network %s: start failed at step '%s'%s%s", name,
			 step_names[st - 1],
			 notes[0] ? "" : "; everything it had created was removed", notes);
}

int lc_stop(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_lc_dhcp_ struct lc_dhcp dh = { 0 };
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
	if (r < 0 || (r = lc_dhcp_init(&dh, s, &n, out, e)) < 0)
		return r;
	for (int st = 0; st < ST_N; st++)
		done[st] = true;
	done[ST_RECORD] = false; /* last, and only when the rest went */
	if (undo(s, &n, &dh, done, out, notes, sizeof notes) > 0)
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

static void lc_drift_add(struct lc_drift *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void lc_drift_add(struct lc_drift *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n >= LC_DRIFT_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(d->what[d->n++], sizeof d->what[0], fmt, ap);
	va_end(ap);
}

static int check_bridge(const struct store *s, const struct net *n, struct lc_dhcp *dh, bool repair,
			struct lc_drift *d, struct nerr *e)
{
	_cleanup_bridge_drift_ struct bridge_drift bd = { 0 };
	char what[256];
	int r;

	(void)dh;
	(void)s;
	if ((r = bridge_check(n, &bd, e)) < 0)
		return r;
	if (!bridge_drift_any(&bd))
		return 0;
	bridge_drift_str(n, &bd, what, sizeof what);
	lc_drift_add(d, "bridge %s: %s", n->bridge, what);
	return repair ? bridge_repair(n, &bd, e) : 0;
}

static int check_firewall(const struct store *s, const struct net *n, struct lc_dhcp *dh,
			  bool repair, struct lc_drift *d, struct nerr *e)
{
	char what[256];
	bool drift = false;
	int r;

	(void)dh;
	(void)s;
	if ((r = fw_check(n, &drift, what, sizeof what, e)) < 0)
		return r;
	if (!drift)
		return 0;
	lc_drift_add(d, "firewall: %s", what);
	/* fw_check names the first difference only; each repair fixes one
	 * changed element at least, so a few rounds converge. */
	for (int round = 0; repair && drift && round < 8; round++) {
		if ((r = fw_repair(n, what, e)) < 0 ||
		    (r = fw_check(n, &drift, what, sizeof what, e)) < 0)
			return r;
	}
	if (repair && drift)
		return nerr_set(e, -EIO, "firewall: still differs after repair: %s", what);
	return 0;
}

/* The dnsmasq step's findings, and its repair in repair mode. */
static int check_dnsmasq(const struct store *s, const struct net *n, struct lc_dhcp *dh,
			 bool repair, struct lc_drift *d, struct nerr *e)
{
	struct drift found = { 0 };
	int r;

	(void)s;
	(void)n;
	if ((r = dhcp_step.check(&dh->c, dh->st, &found, e)) < 0)
		return r;
	for (size_t i = 0; i < found.n; i++)
		lc_drift_add(d, "%s", found.what[i]);
	if (!repair || found.n == 0)
		return 0;
	return dhcp_step.repair(&dh->c, dh->st, e);
}

static int check_bconf(const struct store *s, const struct net *n, struct lc_dhcp *dh, bool repair,
		       struct lc_drift *d, struct nerr *e)
{
	struct bconf_report rep = { 0 };
	int r;

	(void)dh;
	/* A 'deny' is the administrator's line, not drift from what netd
	 * made: the session-VM report names it, and apply never touches it. */
	if ((r = bconf_check(s->p.bridge_conf, n->bridge, &rep, e)) < 0)
		return r;
	if (!rep.present)
		lc_drift_add(d, "bridge.conf: no 'allow %s' in %s", n->bridge, s->p.bridge_conf);
	else if (n->access_group[0] && !rep.group_only)
		lc_drift_add(d, "bridge.conf: %s is open to every user, not only group %s",
			     n->bridge, n->access_group);
	else if (!n->access_group[0] && rep.group_only)
		lc_drift_add(d,
			     "bridge.conf: %s is restricted to a group the network no longer names",
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

/* The checks of a network whose record is loaded, sharing dh with the
 * caller (status describes dnsmasq from what its check found). */
static int check_loaded(const struct store *s, const struct net *n, struct lc_dhcp *dh, bool repair,
			struct lc_drift *d, struct nerr *e)
{
	static int (*const checks[])(const struct store *, const struct net *, struct lc_dhcp *,
				     bool, struct lc_drift *, struct nerr *) = {
		check_bridge,
		check_firewall,
		check_dnsmasq,
		check_bconf,
	};
	int r;

	memset(d, 0, sizeof *d);
	/* In dependency order: dnsmasq binds to the bridge. What a check
	 * found is repaired once it returns 0 in repair mode. */
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if ((r = checks[i](s, n, dh, repair, d, e)) < 0)
			return nerr_wrap(e, r, "network %s: %s", n->name,
					 repair ? "repair" : "check");
		if (repair)
			d->repaired = d->n;
	}
	return 0;
}

int lc_check(struct store *s, const char *name, bool repair, struct lc_drift *d, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_lc_dhcp_ struct lc_dhcp dh = { 0 };
	int r;

	memset(d, 0, sizeof *d);
	if ((r = record_load(s, name, &n, e)) < 0 || (r = lc_dhcp_init(&dh, s, &n, NULL, e)) < 0)
		return r;
	return check_loaded(s, &n, &dh, repair, d, e);
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

/* dnsmasq's pid as the dnsmasq step describes it (0: not running). */
static int status_pid(struct lc_dhcp *dh, pid_t *pid, struct nerr *e)
{
	json_t *o = json_object(), *v;
	int r;

	if (!o)
		return nerr_set(e, -ENOMEM, "network %s: out of memory", dh->c.n->name);
	if ((r = dhcp_step.describe(&dh->c, dh->st, o, e)) == 0 &&
	    (v = json_object_get(o, "dnsmasq_pid")) && json_is_integer(v))
		*pid = (pid_t)json_integer_value(v);
	json_decref(o);
	return r;
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
		_cleanup_lc_dhcp_ struct lc_dhcp dh = { 0 };
		struct nerr ce = { { 0 } };

		if ((r = lc_dhcp_init(&dh, s, &n, NULL, e)) < 0)
			return r;
		if (check_loaded(s, &n, &dh, false, &st.drift, &ce) < 0)
			nd_strlcpy(st.check_error, ce.msg, sizeof st.check_error);
		if ((r = status_pid(&dh, &st.pid, e)) < 0)
			return r;
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
	_cleanup_free_ struct dhcp_lease *l = NULL;
	char when[32];
	size_t n = 0;
	int r;

	if (!store_exists(s, name) && !store_active(s, name))
		return nerr_set(e, -ENOENT, "network %s: not defined", name);
	if ((r = dhcp_leases_load(&s->p, name, time(NULL), &l, &n, e)) < 0)
		return r;
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
