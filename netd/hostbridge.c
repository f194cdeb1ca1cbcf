/* The host's own bridge as a step of a host bridge network
 * (<forward mode='bridge'/>, see hostbridge.h): checked, never changed.
 *
 * libvirt's "host bridge" network is the administrator's bridge onto the
 * LAN (br0 with eth0 in it). Guests on it take their addresses from the
 * LAN's DHCP server and reach the LAN directly, so netd adds no address,
 * dnsmasq, NAT or firewall rule; what it adds is the bridge.conf entry
 * (bconf_step, the next step) that lets unprivileged qemu join it through
 * qemu-bridge-helper. This step makes sure that entry names a Linux bridge
 * that exists: qemu-bridge-helper attaches its tap with the Linux bridge
 * ioctl (SIOCBRADDIF), which an Open vSwitch bridge does not take. */
#include "hostbridge.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "netlink.h"
#include "step.h"

struct hb_state {
	bool checked;
	bool exists, is_bridge, up;
	char kind[16];
};

/* What the interface named like the bridge is, into s. */
static int hb_read(struct step_ctx *c, struct hb_state *s, struct nerr *e)
{
	struct netlink_reply rp = { 0 };
	struct netlink_link l;
	struct nl_sock *sk;
	int r;

	memset(s, 0, sizeof *s);
	if ((r = step_nl(c, &sk, e)) < 0)
		return r;
	r = netlink_link_get(sk, c->n->bridge, &l, NULL, NULL, &rp);
	if (r == -ENODEV) {
		s->checked = true;
		return 0;
	}
	if (r < 0)
		return netlink_fail(e, r, &rp, "network %s: read link %s", c->n->name,
				    c->n->bridge);
	s->checked = s->exists = true;
	s->is_bridge = strcmp(l.kind, "bridge") == 0;
	s->up = (l.flags & IFF_UP) != 0;
	nd_strlcpy(s->kind, l.kind, sizeof s->kind);
	if (s->is_bridge)
		c->ifindex = l.ifindex;
	return 0;
}

/* Why session VMs cannot join what is there, into why; false when they
 * can. */
static bool hb_unusable(const struct hb_state *s, char *why, size_t len)
{
	if (!s->exists)
		nd_strlcpy(why, "does not exist", len);
	else if (s->is_bridge)
		return false;
	/* An Open vSwitch bridge shows as its internal port, kind
	 * "openvswitch". */
	else if (strcmp(s->kind, "openvswitch") == 0)
		nd_strlcpy(why,
			   "is an Open vSwitch bridge: qemu-bridge-helper can only attach to "
			   "Linux bridges",
			   len);
	else
		(void)snprintf(why, len, "is not a Linux bridge (%s)",
			       s->kind[0] ? s->kind : "a plain device");
	return true;
}

static int hb_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	struct hb_state *s = st;
	char why[128];
	int r;

	if ((r = hb_read(c, s, e)) < 0)
		return r;
	if (hb_unusable(s, why, sizeof why))
		return nerr_set(e, s->exists ? -EMEDIUMTYPE : -ENODEV,
				"host bridge %s %s (in forward mode 'bridge' netd uses the "
				"host's bridge and creates none)",
				c->n->bridge, why);
	(void)snprintf(c->started, sizeof c->started,
		       "network '%s' started: host bridge %s (%s), not changed by netd", c->n->name,
		       c->n->bridge, s->up ? "up" : "down");
	if (!s->up)
		step_note(c,
			  "warning: host bridge %s is down: guests that join it reach nothing "
			  "until the administrator brings it up",
			  c->n->bridge);
	return 0;
}

/* The bridge is the administrator's: stop leaves it as it is. */
static int hb_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	(void)st;
	(void)e;
	if (c->out)
		fprintf(c->out, "network '%s': host bridge %s left as it is\n", c->n->name,
			c->n->bridge);
	return 0;
}

/* Nothing here is netd's to repair: every finding is norepair. */
static int hb_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct hb_state *s = st;
	char why[128];
	int r;

	if ((r = hb_read(c, s, e)) < 0)
		return r;
	if (hb_unusable(s, why, sizeof why))
		drift_add_norepair(d, "host bridge %s %s (the administrator's to fix)",
				   c->n->bridge, why);
	else if (!s->up)
		drift_add_norepair(d,
				   "host bridge %s is down (the administrator's: ip link set %s "
				   "up)",
				   c->n->bridge, c->n->bridge);
	return 0;
}

static int hb_describe(struct step_ctx *c, void *st, json_t *status, struct nerr *e)
{
	const struct hb_state *s = st;
	json_t *o;

	if (!s->checked)
		return 0;
	o = json_pack("{s:b, s:b, s:b, s:o}", "exists", s->exists, "linux_bridge", s->is_bridge,
		      "up", s->up, "kind",
		      s->exists ? json_string(s->kind[0] ? s->kind : "device") : json_null());
	if (!o || json_object_set_new(status, "host_bridge", o) < 0)
		return nerr_set(e, -ENOMEM, "network %s: status: out of memory", c->n->name);
	return 0;
}

const struct step_ops hostbridge_step = {
	.name = "host bridge",
	.state_size = sizeof(struct hb_state),
	/* reads one link, changes nothing */
	.concurrent = true,
	.apply = hb_apply,
	.undo = hb_undo,
	.check = hb_check,
	.describe = hb_describe,
};
