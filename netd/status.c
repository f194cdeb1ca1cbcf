/* status and leases; see status.h. The JSON document is built first, from
 * the model and from each step's describe; the text form is printed from
 * that document, so the two never disagree. */
#include "status.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "dhcp.h"
#include "dhcp_leases.h"
#include "lifecycle.h"
#include "record.h"
#include "reload.h"

static int oom(struct nerr *e, const char *name)
{
	return nerr_set(e, -ENOMEM, "network %s: status: out of memory", name);
}

/* Append a string to a JSON array; false when out of memory. */
static bool add_str(json_t *array, const char *s)
{
	return json_array_append_new(array, nd_json_string(s)) == 0;
}

/* What the model says: the same for a running network and a stopped one. */
static json_t *status_model(const struct net *n, bool active, bool autostart)
{
	json_t *o = json_pack("{s:o, s:b, s:b, s:s, s:o, s:[]}", "name", nd_json_string(n->name),
			      "active", active, "autostart", autostart, "forward",
			      net_fwd_mode_str(n->fwd_mode), "bridge", nd_json_string(n->bridge),
			      "addresses");
	json_t *addrs = o ? json_object_get(o, "addresses") : NULL;
	char a[64], buf[80];

	for (size_t i = 0; addrs && i < n->n_ips; i++) {
		net_addr_str(&n->ips[i].addr, a, sizeof a);
		(void)snprintf(buf, sizeof buf, "%s/%u", a, n->ips[i].prefix);
		if (!add_str(addrs, buf))
			addrs = NULL;
	}
	if (!addrs) {
		json_decref(o);
		return NULL;
	}
	if (n->n_routes) {
		json_t *routes = json_array();

		if (!routes || json_object_set_new(o, "routes", routes) < 0) {
			json_decref(o);
			return NULL;
		}
		for (size_t i = 0; i < n->n_routes; i++) {
			const struct net_route *rt = &n->routes[i];
			char g[64];
			json_t *r;

			net_addr_str(&rt->addr, a, sizeof a);
			net_addr_str(&rt->gateway, g, sizeof g);
			(void)snprintf(buf, sizeof buf, "%s/%u", a, rt->prefix);
			r = json_pack("{s:s, s:s, s:i}", "destination", buf, "gateway", g, "metric",
				      (json_int_t)net_route_metric(rt));
			if (!r || json_array_append_new(routes, r) < 0) {
				json_decref(o);
				return NULL;
			}
		}
	}
	return o;
}

/* "not_checked": the steps a user's status could not check (needs root). */
static int status_unchecked(const struct drift *d, json_t *o, struct nerr *e)
{
	json_t *a = json_array();

	if (!a || json_object_set_new(o, "not_checked", a) < 0)
		return nerr_set(e, -ENOMEM, "status: out of memory");
	for (size_t i = 0; i < d->n_unchecked; i++)
		if (!add_str(a, d->unchecked[i]))
			return nerr_set(e, -ENOMEM, "status: out of memory");
	return 0;
}

/* What the host has of a running network: its steps' checks and
 * descriptions. A check that fails is reported, not fatal. For a user
 * other than root, the checks that need root are listed as not checked. */
static int status_host(struct store *s, const struct net *n, bool as_user, json_t *o,
		       struct nerr *e)
{
	_cleanup_step_run_ struct step_run run = { 0 };
	struct drift d = { 0 };
	struct nerr ce = { { 0 } };
	json_t *list = json_array();
	bool repairable = false;
	int r;

	if (!list || json_object_set_new(o, "drift", list) < 0)
		return oom(e, n->name);
	if ((r = lc_run_init(&run, s, n, NULL, e)) < 0)
		return r;
	run.c.as_user = as_user;
	if (step_run_check(&run, false, &d, &ce) < 0 &&
	    json_object_set_new(o, "check_error", nd_json_string(ce.msg)) < 0)
		return oom(e, n->name);
	for (size_t i = 0; i < d.n; i++) {
		if (!add_str(list, d.what[i]))
			return oom(e, n->name);
		repairable |= !d.norepair[i];
	}
	/* whether netd apply can repair any of it */
	if (json_object_set_new(o, "drift_repairable", json_boolean(repairable)) < 0)
		return oom(e, n->name);
	if (as_user && (r = status_unchecked(&d, o, e)) < 0)
		return r;
	return step_run_describe(&run, o, e);
}

static void utc_str(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		nd_strlcpy(buf, "?", len);
}

/* "last_error": why the last start or boot failed (null when the last
 * start worked, or none failed), and "last_error_at", when (UTC). */
static int status_last_error(struct store *s, const char *name, json_t *o, struct nerr *e)
{
	char msg[1024], when[32];
	int64_t t = 0;
	bool have = record_error_load(s, name, msg, sizeof msg, &t) == 1;

	if (have)
		utc_str(t, when, sizeof when);
	if (json_object_set_new(o, "last_error", have ? nd_json_string(msg) : json_null()) < 0 ||
	    json_object_set_new(o, "last_error_at", have ? json_string(when) : json_null()) < 0)
		return oom(e, name);
	return 0;
}

static void text_line(FILE *o, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Values come from files (the last error, bridge.conf lines in drift and
 * session problems): each line goes through the escaper. */
static void text_line(FILE *o, const char *label, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	va_list ap;
	int r;

	fprintf(o, "%-10s ", label);
	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0) {
		line = NULL; /* unspecified after a failure */
		fputs("(out of memory)", o);
	} else {
		(void)nd_fputs_esc(line, o);
	}
	fputc('\n', o);
}

/* Each element of a string array on a line, the label on the first. */
static void text_list(FILE *o, const char *label, const json_t *a, const char *bullet)
{
	for (size_t i = 0; i < json_array_size(a); i++)
		text_line(o, i ? "" : label, "%s%s", bullet,
			  json_string_value(json_array_get(a, i)));
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The host's bridge: what the host bridge step found (when running). */
static void status_host_bridge(const json_t *o, FILE *out)
{
	const json_t *hb = json_object_get(o, "host_bridge");
	const char *state = !hb						   ? ""
			    : !json_is_true(json_object_get(hb, "exists")) ? ": MISSING"
			    : !json_is_true(json_object_get(hb, "linux_bridge"))
				    ? ": NOT a Linux bridge"
			    : json_is_true(json_object_get(hb, "up")) ? ": up"
								      : ": DOWN";

	text_line(out, "bridge:", "%s (the host's, not netd's%s)", str(o, "bridge"), state);
}

/* "10.9.0.0/16 via 192.168.5.7 metric 1", and MISSING when a check of
 * the running network did not find it. */
static void status_routes(const json_t *o, FILE *out)
{
	const json_t *routes = json_object_get(o, "routes");

	for (size_t i = 0; i < json_array_size(routes); i++) {
		const json_t *r = json_array_get(routes, i);
		const json_t *present = json_object_get(r, "present");

		text_line(out, i ? "" : "routes:", "%s via %s metric %lld%s", str(r, "destination"),
			  str(r, "gateway"),
			  (long long)json_integer_value(json_object_get(r, "metric")),
			  json_is_false(present) ? " (MISSING)" : "");
	}
}

/* "inbound 12500 kB/s (peak 25000, burst 256 KiB) on the bridge's egress",
 * one part per direction; "NOT in place" when check found it missing. */
static void status_bw_part(const json_t *rt, const char *dir, const char *where, struct sbuf *b)
{
	json_int_t peak = json_integer_value(json_object_get(rt, "peak"));
	json_int_t burst = json_integer_value(json_object_get(rt, "burst"));

	if (!json_is_object(rt))
		return;
	sbuf_printf(b, "%s%s %lld kB/s", b->len ? "; " : "", dir,
		    (long long)json_integer_value(json_object_get(rt, "average")));
	if (peak || burst) {
		sbuf_puts(b, " (");
		if (peak)
			sbuf_printf(b, "peak %lld%s", (long long)peak, burst ? ", " : "");
		if (burst)
			sbuf_printf(b, "burst %lld KiB", (long long)burst);
		sbuf_puts(b, ")");
	}
	sbuf_printf(b, " %s%s", where,
		    json_is_true(json_object_get(rt, "in_place")) ? ""
								  : ": NOT in place (see drift)");
}

static void status_bandwidth(const json_t *o, FILE *out)
{
	const json_t *bw = json_object_get(o, "bandwidth");
	_cleanup_free_ char *line = NULL;
	struct sbuf b = { 0 };

	if (!bw)
		return;
	status_bw_part(json_object_get(bw, "inbound"), "inbound", "(htb, bridge egress)", &b);
	status_bw_part(json_object_get(bw, "outbound"), "outbound", "(nftables, bridge ingress)",
		       &b);
	if ((line = sbuf_finish(&b)))
		text_line(out, "bandwidth:", "%s", line);
}

/* "a, b, c" of a string array; NULL when empty (or out of memory). */
static char *joined(const json_t *a)
{
	struct sbuf b = { 0 };

	if (!json_array_size(a))
		return NULL;
	for (size_t i = 0; i < json_array_size(a); i++)
		sbuf_printf(&b, "%s%s", i ? ", " : "", json_string_value(json_array_get(a, i)));
	return sbuf_finish(&b);
}

/* The session line: root asks whether ordinary users' qemu can join, a
 * user whether their own can. */
static void status_session(const json_t *sess, FILE *out)
{
	const char *user = str(sess, "user");

	if (!json_is_true(json_object_get(sess, "usable")) && user)
		text_line(out, "session:", "you (%s) can NOT join with qemu:///session:", user);
	else if (!json_is_true(json_object_get(sess, "usable")))
		text_line(out, "session:", "NOT usable by unprivileged qemu (qemu:///session):");
	else if (user && str(sess, "group"))
		text_line(out, "session:",
			  "you (%s) can join with qemu:///session (as a member of group %s)", user,
			  str(sess, "group"));
	else if (user)
		text_line(out, "session:", "you (%s) can join with qemu:///session", user);
	else if (json_is_integer(json_object_get(sess, "owner_uid")))
		text_line(out, "session:",
			  "usable by unprivileged qemu (qemu:///session) of its owner, uid %lld, "
			  "only",
			  (long long)json_integer_value(json_object_get(sess, "owner_uid")));
	else if (str(sess, "group"))
		text_line(out, "session:",
			  "usable by unprivileged qemu (qemu:///session) of members of group %s "
			  "only",
			  str(sess, "group"));
	else
		text_line(out, "session:", "usable by unprivileged qemu (qemu:///session)");
	text_list(out, "", json_object_get(sess, "problems"), "- ");
}

static void status_text(const struct net *n, const json_t *o, FILE *out)
{
	const json_t *pid = json_object_get(o, "dnsmasq_pid");
	const json_t *drift = json_object_get(o, "drift");
	const json_t *sess = json_object_get(o, "session_vms");
	_cleanup_free_ char *unchecked = joined(json_object_get(o, "not_checked"));
	const json_t *rs;

	if (json_is_integer(json_object_get(o, "lock_held_by"))) {
		json_int_t holder = json_integer_value(json_object_get(o, "lock_held_by"));
		char who[48] = "another netd";

		if (holder > 0)
			(void)snprintf(who, sizeof who, "another netd (pid %lld)",
				       (long long)holder);
		text_line(out, "note:",
			  "%s is changing networks right now: what follows may be half way "
			  "through its change",
			  who);
	}
	text_line(out, "network:", "%s", str(o, "name"));
	text_line(out, "state:", "%s",
		  json_is_true(json_object_get(o, "active")) ? "active" : "inactive");
	text_line(out, "autostart:", "%s",
		  json_is_true(json_object_get(o, "autostart")) ? "yes" : "no");
	text_line(out, "forward:", "%s", str(o, "forward"));
	if (net_is_host_bridge(n))
		status_host_bridge(o, out);
	else
		text_line(out, "bridge:", "%s", str(o, "bridge"));
	text_list(out, "addresses:", json_object_get(o, "addresses"), "");
	status_routes(o, out);
	if (!json_is_true(json_object_get(o, "persistent")))
		text_line(out, "persistent:", "no (transient: stop removes it)");
	if (json_is_true(json_object_get(o, "config_changed")))
		text_line(out, "config:", "config changed since start: netd reload %s", n->name);
	if (str(o, "last_error"))
		text_line(out, "last:", "%s (%s)", str(o, "last_error"), str(o, "last_error_at"));
	if (!json_is_true(json_object_get(o, "active")))
		return;
	if (json_is_integer(pid))
		text_line(out, "dnsmasq:", "pid %lld", (long long)json_integer_value(pid));
	else
		text_line(out, "dnsmasq:", "%s", dhcp_needed(n) ? "not running" : "not needed");
	if ((rs = json_object_get(o, "resolved"))) {
		if (json_is_true(json_object_get(rs, "registered")))
			text_line(out, "resolved:", "~%s registered with systemd-resolved",
				  str(rs, "domain"));
		else if (json_is_true(json_object_get(rs, "running")))
			text_line(out, "resolved:",
				  "~%s NOT registered with systemd-resolved (see drift)",
				  str(rs, "domain"));
		else
			text_line(out, "resolved:", "~%s not registered: %s", str(rs, "domain"),
				  str(rs, "why_not"));
	}
	status_bandwidth(o, out);
	if (str(o, "check_error"))
		text_line(out, "drift:", "cannot check: %s", str(o, "check_error"));
	else if (json_array_size(drift) == 0)
		text_line(out, "drift:", "%s", unchecked ? "none found" : "none");
	text_list(out, "drift:", drift, "");
	if (unchecked)
		text_line(out, "unchecked:", "%s: not checked (needs root: sudo netd status %s)",
			  unchecked, n->name);
	if (json_array_size(drift) && json_is_true(json_object_get(o, "drift_repairable")))
		text_line(out, "repair:", "netd apply %s", n->name);
	else if (json_array_size(drift))
		text_line(out, "repair:", "none by netd: what it found is not netd's to change");
	if (sess)
		status_session(sess, out);
}

int status_print(struct store *s, const char *name, bool json, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	json_auto_t *o = NULL;
	bool active = store_active(s, name);
	/* Not root: no lock (cli.c), no check that needs root, and the
	 * session check answers for this user. */
	bool as_user = geteuid() != 0;
	long holder = 0;
	int r;

	r = active ? record_load(s, name, &n, e) : store_load(s, name, &n, e);
	if (r < 0)
		return r;
	if (!(o = status_model(&n, active, store_autostart(s, name))))
		return oom(e, name);
	/* Root waited for the lock; a user says the view may be mid-change. */
	if (as_user && store_lock_holder(s, &holder) == 1 &&
	    json_object_set_new(o, "lock_held_by", json_integer((json_int_t)holder)) < 0)
		return oom(e, name);
	if (json_object_set_new(o, "persistent", json_boolean(store_exists(s, name))) < 0 ||
	    json_object_set_new(o, "config_changed",
				json_boolean(reload_config_changed(s, name) == 1)) < 0)
		return oom(e, name);
	if ((r = status_last_error(s, name, o, e)) < 0)
		return r;
	if (active)
		r = status_host(s, &n, as_user, o, e);
	else if (json_object_set_new(o, "dnsmasq_pid", json_null()) < 0 ||
		 json_object_set_new(o, "drift", json_array()) < 0 ||
		 json_object_set_new(o, "drift_repairable", json_false()) < 0)
		r = oom(e, name);
	if (r < 0)
		return r;
	if (!json) {
		status_text(&n, o, out);
		return 0;
	}
	nd_json_print(out, o);
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

static json_t *opt_str(const char *s)
{
	return s[0] ? nd_json_string(s) : json_null();
}

static int leases_json(const struct dhcp_lease *l, size_t n, FILE *out, struct nerr *e)
{
	json_auto_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		json_t *o =
			json_pack("{s:o, s:o, s:o, s:o, s:I}", "ip", nd_json_string(l[i].ip), "mac",
				  opt_str(l[i].mac), "hostname", opt_str(l[i].hostname), "clientid",
				  opt_str(l[i].clientid), "expiry", (json_int_t)l[i].expiry);

		if (json_array_append_new(a, o) < 0)
			return nerr_set(e, -ENOMEM, "leases: out of memory");
	}
	if (!a)
		return nerr_set(e, -ENOMEM, "leases: out of memory");
	nd_json_print(out, a);
	return 0;
}

int status_leases_print(struct store *s, const char *name, bool json, FILE *out, struct nerr *e)
{
	_cleanup_free_ struct dhcp_lease *l = NULL;
	char when[32];
	size_t n = 0;
	int r;

	if (!store_exists(s, name) && !store_active(s, name))
		return nerr_set(e, -ENOENT, "network %s: not defined", name);
	if ((r = dhcp_leases_load(&s->p, name, time(NULL), &l, &n, e)) < 0)
		return r;
	if (json)
		return leases_json(l, n, out, e);
	fprintf(out, "%-21s %-18s %-40s %s\n", "EXPIRES (UTC)", "MAC", "IP", "HOSTNAME");
	for (size_t i = 0; i < n; i++) {
		lease_expiry_str(l[i].expiry, when, sizeof when);
		fprintf(out, "%-21s %-18s %-40s %s\n", when, l[i].mac[0] ? l[i].mac : "-", l[i].ip,
			l[i].hostname[0] ? l[i].hostname : "-");
	}
	return 0;
}
