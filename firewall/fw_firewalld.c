/* The firewalld step; see fw_firewalld.h. */
#include "fw_firewalld.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <systemd/sd-bus.h>

#include "ndbus.h"
#include "step.h"

#define FWD_NAME	 "org.fedoraproject.FirewallD1"
#define FWD_PATH	 "/org/fedoraproject/FirewallD1"
#define FWD_CONFIG_PATH	 "/org/fedoraproject/FirewallD1/config"
#define FWD_IF_ZONE	 "org.fedoraproject.FirewallD1.zone"
#define FWD_IF_CONFIG	 "org.fedoraproject.FirewallD1.config"
#define FWD_IF_CONF_ZONE "org.fedoraproject.FirewallD1.config.zone"

/* What netd added to firewalld for one network (the record file). */
struct fwd_added {
	char zone[NET_ZONE_MAX + 1];
	bool runtime, permanent;
};

struct fwd_state {
	bool running;		     /* firewalld was on the bus at check */
	char zone[NET_ZONE_MAX + 1]; /* the bridge's runtime zone at check, "" = none */
	bool drift;
};

const char *fwd_zone_of(const struct net *n)
{
	return n->zone[0] ? n->zone : FWD_ZONE;
}

/* ---- the record: NETD_RUN_DIR/firewalld/NAME ---- */

static int fwd_record_path(const struct step_ctx *c, char *buf, size_t len)
{
	return nd_snprintf(buf, len, "%s/firewalld/%s", c->p->run_dir, c->n->name);
}

static int fwd_record_write(const struct step_ctx *c, const struct fwd_added *a, struct nerr *e)
{
	char path[PATH_MAX], dir[PATH_MAX], text[128];
	int r;

	if ((r = nd_snprintf(dir, sizeof dir, "%s/firewalld", c->p->run_dir)) < 0 ||
	    (r = fwd_record_path(c, path, sizeof path)) < 0 ||
	    (r = nd_snprintf(text, sizeof text, "zone=%s\nruntime=%d\npermanent=%d\n", a->zone,
			     a->runtime, a->permanent)) < 0)
		return nerr_set(e, r, "firewalld: record path: %s", strerror(-r));
	if ((r = nd_mkdir_p(dir, 0755)) < 0 ||
	    (r = nd_write_atomic(path, text, strlen(text), 0644)) < 0)
		return nerr_set(e, r, "firewalld: write %s: %s", path, strerror(-r));
	return 0;
}

/* 0 with *a zeroed when there is no record (netd added nothing). */
static int fwd_record_read(const struct step_ctx *c, struct fwd_added *a, struct nerr *e)
{
	_cleanup_free_ char *data = NULL;
	char path[PATH_MAX], rt[2], perm[2];
	int r;

	memset(a, 0, sizeof *a);
	if ((r = fwd_record_path(c, path, sizeof path)) < 0)
		return nerr_set(e, r, "firewalld: record path: %s", strerror(-r));
	r = nd_read_file(path, &data, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return nerr_set(e, r, "firewalld: read %s: %s", path, strerror(-r));
	if (sscanf(data, "zone=%17[A-Za-z0-9_-]\nruntime=%1[01]\npermanent=%1[01]\n", a->zone, rt,
		   perm) != 3 ||
	    !net_zone_ok(a->zone))
		return nerr_set(e, -EUCLEAN, "firewalld: %s: damaged record", path);
	a->runtime = rt[0] == '1';
	a->permanent = perm[0] == '1';
	return 0;
}

static int fwd_record_remove(const struct step_ctx *c, struct nerr *e)
{
	char path[PATH_MAX];
	int r;

	if ((r = fwd_record_path(c, path, sizeof path)) < 0)
		return nerr_set(e, r, "firewalld: record path: %s", strerror(-r));
	if (unlink(path) < 0 && errno != ENOENT)
		return nerr_set(e, -errno, "firewalld: remove %s: %s", path, strerror(errno));
	return 0;
}

/* ---- D-Bus ---- */

/* The system bus with firewalld on it, or *bus NULL (and 0) when there is
 * no system bus, firewalld has no owner there, or it manages another
 * network namespace (it must not get a bridge name of ours into the host
 * firewalld's permanent configuration): nothing to do. */
static int fwd_open(sd_bus **bus, struct nerr *e)
{
	enum nd_bus_peer how;

	return nd_bus_open_peer(FWD_NAME, FWD_TIMEOUT_USEC, bus, &how, e);
}

static int fwd_fail(struct nerr *e, int r, const char *method, const char *arg,
		    const sd_bus_error *err)
{
	return nerr_set(e, r, "firewalld: %s(%s) failed: %s: %s", method, arg,
			err->name ? err->name : "(no error name)",
			err->message ? err->message : strerror(-r));
}

/* firewalld says what went wrong in the message's first word
 * ("ZONE_CONFLICT: ..."), under one error name. */
static bool fwd_err_is(const sd_bus_error *err, const char *code)
{
	size_t len = strlen(code);

	return err->message && strncmp(err->message, code, len) == 0 &&
	       (err->message[len] == ':' || err->message[len] == '\0');
}

/* A call whose reply is one string (or nothing: out NULL). */
static int fwd_call(sd_bus *bus, const char *path, const char *iface, const char *method,
		    const char *out_sig, char *out, size_t out_len, sd_bus_error *err,
		    const char *sig, const char *a1, const char *a2)
{
	_cleanup_bus_msg_ sd_bus_message *reply = NULL;
	const char *s = NULL;
	int r;

	if (a2)
		r = nd_sd.call_method(bus, FWD_NAME, path, iface, method, err, &reply, sig, a1, a2);
	else
		r = nd_sd.call_method(bus, FWD_NAME, path, iface, method, err, &reply, sig, a1);
	if (r < 0)
		return r;
	if (!out)
		return 0;
	if ((r = nd_sd.message_read(reply, out_sig, &s)) < 0)
		return nd_sd.error_set_errno(err, r);
	if (nd_strlcpy(out, s, out_len) >= out_len) {
		(void)nd_sd.error_set_const(err, "org.netd.Error.TooLong", "reply too long");
		return -ENAMETOOLONG;
	}
	return 0;
}

/* The bridge's zone in firewalld's runtime; "" when it is in none (and so
 * in the default zone). */
static int fwd_runtime_zone(sd_bus *bus, const char *ifname, char *zone, size_t len, struct nerr *e)
{
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	int r = fwd_call(bus, FWD_PATH, FWD_IF_ZONE, "getZoneOfInterface", "s", zone, len, &err,
			 "s", ifname, NULL);

	return r < 0 ? fwd_fail(e, r, "zone.getZoneOfInterface", ifname, &err) : 0;
}

static int fwd_permanent_zone(sd_bus *bus, const char *ifname, char *zone, size_t len,
			      struct nerr *e)
{
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	int r = fwd_call(bus, FWD_CONFIG_PATH, FWD_IF_CONFIG, "getZoneOfInterface", "s", zone, len,
			 &err, "s", ifname, NULL);

	return r < 0 ? fwd_fail(e, r, "config.getZoneOfInterface", ifname, &err) : 0;
}

/* addInterface or removeInterface on a zone's permanent settings. */
static int fwd_permanent_set(sd_bus *bus, const char *zone, const char *method, const char *ifname,
			     struct nerr *e)
{
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	char path[256], what[64];
	int r;

	r = fwd_call(bus, FWD_CONFIG_PATH, FWD_IF_CONFIG, "getZoneByName", "o", path, sizeof path,
		     &err, "s", zone, NULL);
	if (r < 0 && fwd_err_is(&err, "INVALID_ZONE"))
		return nerr_set(
			e, r, "firewalld has no zone '%s'%s (config.getZoneByName: %s: %s)", zone,
			strcmp(zone, FWD_ZONE) == 0
				? ": install netd's firewalld zone and policy files and run "
				  "'firewall-cmd --reload'"
				: "",
			err.name, err.message);
	if (r < 0)
		return fwd_fail(e, r, "config.getZoneByName", zone, &err);
	r = fwd_call(bus, path, FWD_IF_CONF_ZONE, method, NULL, NULL, 0, &err, "s", ifname, NULL);
	if (r < 0 && !(fwd_err_is(&err, "ALREADY_ENABLED") || fwd_err_is(&err, "NOT_ENABLED"))) {
		(void)snprintf(what, sizeof what, "config.zone.%s", method); /* fits */
		return fwd_fail(e, r, what, ifname, &err);
	}
	return 0;
}

static int fwd_runtime_set(sd_bus *bus, const char *zone, const char *method, const char *ifname,
			   struct nerr *e)
{
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	char what[64];
	int r = fwd_call(bus, FWD_PATH, FWD_IF_ZONE, method, "s", NULL, 0, &err, "ss", zone,
			 ifname);

	if (r < 0 && !(fwd_err_is(&err, "ALREADY_ENABLED") || fwd_err_is(&err, "NOT_ENABLED") ||
		       fwd_err_is(&err, "UNKNOWN_INTERFACE"))) {
		(void)snprintf(what, sizeof what, "zone.%s", method); /* fits */
		return fwd_fail(e, r, what, zone, &err);
	}
	return 0;
}

/* ---- the step ---- */

/* The zone, runtime or permanent, that someone else put the bridge in;
 * NULL when there is none. */
static const char *fwd_foreign(const char *zone, const struct fwd_added *a, const char *rt,
			       const char *perm)
{
	if (rt[0] && strcmp(rt, zone) != 0 && !a->runtime)
		return rt;
	if (perm[0] && strcmp(perm, zone) != 0 && !a->permanent)
		return perm;
	return NULL;
}

/* Bind the bridge where it is in no zone yet, runtime and permanent, and
 * record what was added. When an administrator put it in another zone
 * (runtime or permanent), netd changes nothing: that choice wins. */
static int fwd_bind(struct step_ctx *c, sd_bus *bus, struct nerr *e)
{
	const char *ifname = c->n->bridge, *zone = fwd_zone_of(c->n), *other;
	char rt[NET_ZONE_MAX + 8] = "", perm[NET_ZONE_MAX + 8] = "";
	struct fwd_added a;
	int r;

	if ((r = fwd_record_read(c, &a, e)) < 0)
		return r;
	if (a.zone[0] && strcmp(a.zone, zone) != 0)
		memset(&a, 0, sizeof a); /* a record of an older config */
	nd_strlcpy(a.zone, zone, sizeof a.zone);
	if ((r = fwd_permanent_zone(bus, ifname, perm, sizeof perm, e)) < 0 ||
	    (r = fwd_runtime_zone(bus, ifname, rt, sizeof rt, e)) < 0)
		return r;
	if ((other = fwd_foreign(zone, &a, rt, perm))) {
		step_note(c, "firewalld: %s is in zone %s%s (not netd's doing); left as it is",
			  ifname, other, other == perm ? " in the permanent configuration" : "");
		return 0;
	}
	if (!perm[0]) {
		if ((r = fwd_permanent_set(bus, zone, "addInterface", ifname, e)) < 0)
			return r;
		a.permanent = true;
	}
	if (!rt[0]) {
		if ((r = fwd_runtime_set(bus, zone, "addInterface", ifname, e)) < 0)
			goto record;
		a.runtime = true;
	} else if (a.permanent) {
		a.runtime = true; /* firewalld applied netd's permanent binding */
	}
record:
	if (a.runtime || a.permanent) {
		int w = fwd_record_write(c, &a, r < 0 ? NULL : e);

		if (r >= 0)
			r = w;
	}
	return r;
}

static int fwd_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	int r;

	(void)st;
	if (!c->conf->firewalld)
		return 0;
	if ((r = fwd_open(&bus, e)) < 0 || !bus)
		return r;
	return fwd_bind(c, bus, e);
}

/* Take the bridge out of the zone netd put it in; when it is now in
 * another zone, someone else moved it: leave it, and say so. */
static int fwd_unbind(struct step_ctx *c, sd_bus *bus, const struct fwd_added *a, bool permanent,
		      struct nerr *e)
{
	const char *ifname = c->n->bridge, *where = permanent ? " (permanent)" : "";
	char now[NET_ZONE_MAX + 8] = "";
	int r = permanent ? fwd_permanent_zone(bus, ifname, now, sizeof now, e)
			  : fwd_runtime_zone(bus, ifname, now, sizeof now, e);

	if (r < 0 || !now[0])
		return r;
	if (strcmp(now, a->zone) != 0) {
		if (c->out)
			fprintf(c->out,
				"firewalld: %s is now in zone %s%s, not netd's %s; left "
				"as it is\n",
				ifname, now, where, a->zone);
		return 0;
	}
	return permanent ? fwd_permanent_set(bus, a->zone, "removeInterface", ifname, e)
			 : fwd_runtime_set(bus, a->zone, "removeInterface", ifname, e);
}

static int fwd_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	const char *ifname = c->n->bridge;
	struct fwd_added a;
	int r;

	(void)st;
	if ((r = fwd_record_read(c, &a, e)) < 0)
		return r;
	if (!a.runtime && !a.permanent)
		return fwd_record_remove(c, e);
	if ((r = fwd_open(&bus, e)) < 0)
		return r;
	if (!bus) {
		if (!a.permanent)
			return fwd_record_remove(c, e);
		/* The record stays, so that the network's next stop with
		 * firewalld running removes the binding. */
		if (c->out)
			fprintf(c->out,
				"firewalld is not running: %s stays in zone %s in its permanent "
				"configuration until the network's next stop with firewalld "
				"running ('firewall-cmd --permanent --zone=%s "
				"--remove-interface=%s' removes it)\n",
				ifname, a.zone, a.zone, ifname);
		a.runtime = false;
		return fwd_record_write(c, &a, e);
	}
	if (a.runtime && (r = fwd_unbind(c, bus, &a, false, e)) < 0)
		return r;
	if (a.permanent && (r = fwd_unbind(c, bus, &a, true, e)) < 0)
		return r;
	return fwd_record_remove(c, e);
}

static int fwd_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct fwd_state *s = st;
	_cleanup_bus_ sd_bus *bus = NULL;
	const char *zone = fwd_zone_of(c->n);
	struct fwd_added a;
	int r;

	memset(s, 0, sizeof *s);
	if ((r = fwd_open(&bus, e)) < 0 || !bus)
		return r;
	s->running = true;
	if ((r = fwd_runtime_zone(bus, c->n->bridge, s->zone, sizeof s->zone, e)) < 0 ||
	    (r = fwd_record_read(c, &a, e)) < 0)
		return r;
	/* An administrator's zone is theirs; no zone at all, or netd's
	 * binding lost, is drift (while the integration is on). */
	if (strcmp(s->zone, zone) == 0 || (s->zone[0] && !a.runtime) || !c->conf->firewalld)
		return 0;
	s->drift = true;
	drift_add(d, "firewalld: %s is not in zone %s", c->n->bridge, zone);
	return 0;
}

static int fwd_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	const struct fwd_state *s = st;
	struct fwd_added a;
	int r;

	if (!s->drift)
		return 0;
	if ((r = fwd_open(&bus, e)) < 0 || !bus)
		return r;
	if ((r = fwd_record_read(c, &a, e)) < 0)
		return r;
	/* netd's runtime binding moved to another zone: move it back. */
	if (s->zone[0] && a.runtime)
		return fwd_runtime_set(bus, fwd_zone_of(c->n), "changeZoneOfInterface",
				       c->n->bridge, e);
	return fwd_bind(c, bus, e);
}

/* "firewalld": {"enabled", "running", "zone": where the bridge belongs,
 * "bound": it is there now (runtime), "current": the zone it is in now,
 * null for none (or firewalld not running)}. */
static int fwd_describe(struct step_ctx *c, void *st, json_t *status, struct nerr *e)
{
	const struct fwd_state *s = st;
	const char *zone = fwd_zone_of(c->n);
	json_t *o = json_pack("{s:b, s:b, s:s, s:b, s:o}", "enabled", c->conf->firewalld, "running",
			      s->running, "zone", zone, "bound",
			      s->running && strcmp(s->zone, zone) == 0, "current",
			      s->zone[0] ? nd_json_string(s->zone) : json_null());

	if (!o || json_object_set_new(status, "firewalld", o) < 0)
		return nerr_set(e, -ENOMEM, "firewalld: out of memory");
	return 0;
}

/* The same bridge: it moves only when its zone changes. */
static int fwd_reload(struct step_ctx *c, void *st, const struct net *old, struct nerr *e)
{
	int r;

	if (strcmp(fwd_zone_of(old), fwd_zone_of(c->n)) == 0)
		return 0;
	if ((r = fwd_undo(c, st, e)) < 0 || (r = fwd_apply(c, st, e)) < 0)
		return r;
	step_changed(c, "firewalld zone %s", fwd_zone_of(c->n));
	return 0;
}

const struct step_ops firewalld_step = {
	.name = "firewalld",
	.state_size = sizeof(struct fwd_state),
	/* apply records the permanent binding before it tries the runtime
	 * one: undo removes what the record names. */
	.undo_after_failure = true,
	.apply = fwd_apply,
	.reload = fwd_reload,
	.undo = fwd_undo,
	.check = fwd_check,
	.repair = fwd_repair,
	.describe = fwd_describe,
};
