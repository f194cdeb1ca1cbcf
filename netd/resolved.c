/* The systemd-resolved step; see resolved.h. */
#include "resolved.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "ndbus.h"
#include "step.h"

#define RS_NAME		"org.freedesktop.resolve1"
#define RS_PATH		"/org/freedesktop/resolve1"
#define RS_IF_MANAGER	"org.freedesktop.resolve1.Manager"
#define RS_IF_LINK	"org.freedesktop.resolve1.Link"
#define RS_TIMEOUT_USEC (5ULL * 1000 * 1000)

struct rs_state {
	bool checked;
	enum nd_bus_peer how; /* at the last check */
	bool dns_ok, domain_ok, route_ok;
};

static bool rs_wanted(const struct net *n)
{
	return n->domain_register == NET_YES;
}

static const char *rs_absent(enum nd_bus_peer how)
{
	switch (how) {
	case ND_BUS_NONE:
		return "there is no system bus";
	case ND_BUS_NO_OWNER:
		return "systemd-resolved is not running (not on the system bus)";
	case ND_BUS_OTHER_NETNS:
		return "the systemd-resolved on the system bus serves another network namespace";
	case ND_BUS_OK:
		break;
	}
	return NULL;
}

static int rs_ifindex(struct step_ctx *c, struct nerr *e)
{
	unsigned i = c->ifindex > 0 ? (unsigned)c->ifindex : if_nametoindex(c->n->bridge);

	if (!i)
		return nerr_set(e, -ENODEV, "resolved: bridge %s: %s", c->n->bridge,
				strerror(errno));
	return (int)i;
}

static int rs_fail(struct nerr *e, int r, const char *method, const struct step_ctx *c,
		   const sd_bus_error *err)
{
	return nerr_set(e, r, "systemd-resolved: %s(%s) failed: %s: %s", method, c->n->bridge,
			err->name ? err->name : "(no error name)",
			err->message ? err->message : strerror(-r));
}

/* SetLinkDNS(ifindex, [(family, address)...]): every address of the
 * bridge, which dnsmasq listens on. */
static int rs_set_dns(sd_bus *bus, struct step_ctx *c, int ifindex, struct nerr *e)
{
	_cleanup_bus_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	int r;

	r = nd_sd.message_new_method_call(bus, &m, RS_NAME, RS_PATH, RS_IF_MANAGER, "SetLinkDNS");
	if (r >= 0)
		r = nd_sd.message_set_auto_start(m, 0);
	if (r >= 0)
		r = nd_sd.message_append(m, "i", ifindex);
	if (r >= 0)
		r = nd_sd.message_open_container(m, 'a', "(iay)");
	for (size_t i = 0; r >= 0 && i < c->n->n_ips; i++) {
		const struct net_addr *a = &c->n->ips[i].addr;

		r = nd_sd.message_open_container(m, 'r', "iay");
		if (r >= 0)
			r = nd_sd.message_append(m, "i", a->family);
		if (r >= 0)
			r = nd_sd.message_append_array(m, 'y', a->u.b, net_addr_len(a->family));
		if (r >= 0)
			r = nd_sd.message_close_container(m);
	}
	if (r >= 0)
		r = nd_sd.message_close_container(m);
	if (r < 0)
		return nerr_set(e, r, "systemd-resolved: SetLinkDNS: build the call: %s",
				strerror(-r));
	if ((r = nd_sd.call(bus, m, RS_TIMEOUT_USEC, &err, &reply)) < 0)
		return rs_fail(e, r, "SetLinkDNS", c, &err);
	return 0;
}

static int rs_call(sd_bus *bus, struct step_ctx *c, const char *method, struct nerr *e,
		   const char *sig, ...)
{
	_cleanup_bus_msg_ sd_bus_message *m = NULL, *reply = NULL;
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	va_list ap;
	int r;

	r = nd_sd.message_new_method_call(bus, &m, RS_NAME, RS_PATH, RS_IF_MANAGER, method);
	if (r >= 0)
		r = nd_sd.message_set_auto_start(m, 0);
	if (r >= 0) {
		va_start(ap, sig);
		r = nd_sd.message_appendv(m, sig, ap);
		va_end(ap);
	}
	if (r < 0)
		return nerr_set(e, r, "systemd-resolved: %s: build the call: %s", method,
				strerror(-r));
	if ((r = nd_sd.call(bus, m, RS_TIMEOUT_USEC, &err, &reply)) < 0)
		return rs_fail(e, r, method, c, &err);
	return 0;
}

/* The link's DNS servers, its ~domain and no default route. */
static int rs_register(sd_bus *bus, struct step_ctx *c, struct nerr *e)
{
	int ifindex = rs_ifindex(c, e), r;

	if (ifindex < 0)
		return ifindex;
	if ((r = rs_set_dns(bus, c, ifindex, e)) < 0 ||
	    (r = rs_call(bus, c, "SetLinkDomains", e, "ia(sb)", ifindex, 1, c->n->domain, 1)) < 0 ||
	    (r = rs_call(bus, c, "SetLinkDefaultRoute", e, "ib", ifindex, 0)) < 0)
		return r;
	return 0;
}

static int rs_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	struct rs_state *s = st;
	int r;

	if (!rs_wanted(c->n))
		return 0;
	if ((r = nd_bus_open_peer(RS_NAME, RS_TIMEOUT_USEC, &bus, &s->how, e)) < 0)
		return r;
	if (!bus) {
		step_note(c,
			  "note: %s: the host does not resolve names in %s through this network "
			  "(netd apply %s registers it once systemd-resolved runs)",
			  rs_absent(s->how), c->n->domain, c->n->name);
		return 0;
	}
	if ((r = rs_register(bus, c, e)) < 0)
		return r;
	step_changed(c, "systemd-resolved: ~%s via the bridge", c->n->domain);
	return 0;
}

/* RevertLink: resolved forgets what netd set (it would when the bridge
 * goes, but a stop that leaves it must not leave it registered). */
static int rs_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	struct rs_state *s = st;
	int ifindex, r;

	if (!rs_wanted(c->n))
		return 0;
	if ((r = nd_bus_open_peer(RS_NAME, RS_TIMEOUT_USEC, &bus, &s->how, e)) < 0 || !bus)
		return r;
	ifindex = c->ifindex > 0 ? c->ifindex : (int)if_nametoindex(c->n->bridge);
	if (ifindex <= 0) /* the bridge is gone, and with it resolved's link */
		return 0;
	return rs_call(bus, c, "RevertLink", e, "i", ifindex);
}

static bool has_addr(const struct net *n, int family, const void *b, size_t len)
{
	for (size_t i = 0; i < n->n_ips; i++)
		if (n->ips[i].addr.family == family && net_addr_len(family) == len &&
		    memcmp(n->ips[i].addr.u.b, b, len) == 0)
			return true;
	return false;
}

/* How many of the link's DNS servers are the network's (a(iay)). */
static int rs_read_dns(sd_bus_message *m, const struct net *n, size_t *found)
{
	int r;

	*found = 0;
	if ((r = nd_sd.message_enter_container(m, 'a', "(iay)")) < 0)
		return r;
	while ((r = nd_sd.message_enter_container(m, 'r', "iay")) > 0) {
		const void *b = NULL;
		size_t len = 0;
		int family = 0;

		if ((r = nd_sd.message_read(m, "i", &family)) < 0 ||
		    (r = nd_sd.message_read_array(m, 'y', &b, &len)) < 0 ||
		    (r = nd_sd.message_exit_container(m)) < 0)
			return r;
		*found += has_addr(n, family, b, len);
	}
	return r < 0 ? r : nd_sd.message_exit_container(m);
}

/* Whether the link has (domain, routing-only) among its domains (a(sb)). */
static int rs_read_domains(sd_bus_message *m, const char *domain, bool *found)
{
	int r;

	*found = false;
	if ((r = nd_sd.message_enter_container(m, 'a', "(sb)")) < 0)
		return r;
	while ((r = nd_sd.message_enter_container(m, 'r', "sb")) > 0) {
		const char *d = NULL;
		int route_only = 0;

		if ((r = nd_sd.message_read(m, "sb", &d, &route_only)) < 0 ||
		    (r = nd_sd.message_exit_container(m)) < 0)
			return r;
		*found |= route_only && d && strcmp(d, domain) == 0;
	}
	return r < 0 ? r : nd_sd.message_exit_container(m);
}

static int rs_get(sd_bus *bus, const char *path, const char *prop, const char *type,
		  sd_bus_message **reply, sd_bus_error *err)
{
	return nd_sd.get_property(bus, RS_NAME, path, RS_IF_LINK, prop, err, reply, type);
}

static int rs_read_link(sd_bus *bus, struct step_ctx *c, struct rs_state *s, struct nerr *e)
{
	_cleanup_bus_msg_ sd_bus_message *link = NULL, *dns = NULL, *dom = NULL, *def = NULL;
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	const char *path = NULL;
	int ifindex = rs_ifindex(c, e), dr = 1, r;
	size_t found = 0;

	if (ifindex < 0)
		return ifindex;
	r = nd_sd.call_method(bus, RS_NAME, RS_PATH, RS_IF_MANAGER, "GetLink", &err, &link, "i",
			      ifindex);
	if (r >= 0)
		r = nd_sd.message_read(link, "o", &path);
	if (r < 0)
		return rs_fail(e, r, "GetLink", c, &err);
	if ((r = rs_get(bus, path, "DNS", "a(iay)", &dns, &err)) < 0 ||
	    (r = rs_get(bus, path, "Domains", "a(sb)", &dom, &err)) < 0 ||
	    (r = rs_get(bus, path, "DefaultRoute", "b", &def, &err)) < 0)
		return rs_fail(e, r, "Link.Get", c, &err);
	if ((r = rs_read_dns(dns, c->n, &found)) < 0 ||
	    (r = rs_read_domains(dom, c->n->domain, &s->domain_ok)) < 0 ||
	    (r = nd_sd.message_read(def, "b", &dr)) < 0)
		return nerr_set(e, r, "systemd-resolved: link %s: bad reply: %s", c->n->bridge,
				strerror(-r));
	s->dns_ok = found == c->n->n_ips;
	s->route_ok = !dr;
	return 0;
}

static int rs_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	struct rs_state *s = st;
	int r;

	memset(s, 0, sizeof *s);
	if (!rs_wanted(c->n))
		return 0;
	if ((r = nd_bus_open_peer(RS_NAME, RS_TIMEOUT_USEC, &bus, &s->how, e)) < 0)
		return r;
	s->checked = true;
	if (!bus) /* said by describe; nothing to repair until it runs */
		return 0;
	if ((r = rs_read_link(bus, c, s, e)) < 0)
		return r;
	if (!s->dns_ok)
		drift_add(d, "systemd-resolved: %s does not have the network's DNS server",
			  c->n->bridge);
	if (!s->domain_ok)
		drift_add(d, "systemd-resolved: %s does not route ~%s", c->n->bridge, c->n->domain);
	if (!s->route_ok)
		drift_add(d, "systemd-resolved: %s is a default route for every name",
			  c->n->bridge);
	return 0;
}

static int rs_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	_cleanup_bus_ sd_bus *bus = NULL;
	struct rs_state *s = st;
	int r;

	if ((r = nd_bus_open_peer(RS_NAME, RS_TIMEOUT_USEC, &bus, &s->how, e)) < 0 || !bus)
		return r;
	return rs_register(bus, c, e);
}

static int rs_describe(struct step_ctx *c, void *st, json_t *status, struct nerr *e)
{
	const struct rs_state *s = st;
	bool on = s->how == ND_BUS_OK;
	json_t *o;

	if (!rs_wanted(c->n) || !s->checked)
		return 0;
	o = json_pack("{s:s, s:b, s:b, s:o}", "domain", c->n->domain, "running", on, "registered",
		      on && s->dns_ok && s->domain_ok && s->route_ok, "why_not",
		      on ? json_null() : json_string(rs_absent(s->how)));
	if (!o || json_object_set_new(status, "resolved", o) < 0)
		return nerr_set(e, -ENOMEM, "network %s: status: out of memory", c->n->name);
	return 0;
}

const struct step_ops resolved_step = {
	.name = "resolved",
	.state_size = sizeof(struct rs_state),
	/* the network's own link in resolved */
	.concurrent = true,
	.apply = rs_apply,
	.undo = rs_undo,
	.check = rs_check,
	.repair = rs_repair,
	.describe = rs_describe,
};
