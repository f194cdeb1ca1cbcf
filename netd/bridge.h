/* The network's bridge, over rtnetlink (libnl-3 / libnl-route-3): create it
 * with its MAC, MTU, STP, forward delay and addresses; delete it; find and
 * repair drift.
 *
 * Only bridges are ever touched: an interface of the bridge's name that is
 * not a bridge is reported, never adopted, changed or deleted. Every function
 * works on the caller's rtnetlink socket (netlink_open(), or step_nl() in a
 * step), so in the caller's network namespace, and a command uses one. */
#ifndef NETD_BRIDGE_H
#define NETD_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct nl_sock;
struct step_ops;

/* The bridge as a step of a running network (step.h), named "bridge":
 * apply creates it (and sets the context's ifindex); undo deletes it, and
 * an interface of that name that is not a bridge is left alone, said on
 * the context's out as "network 'NAME': ..." and not a failure; check adds
 * "bridge NAME: WHAT" (bridge_drift_str) and sets the context's ifindex
 * when the bridge exists; repair fixes what that check found. */
extern const struct step_ops bridge_step;

/* What bridge_check() found different from the model. */
struct bridge_drift {
	int ifindex;   /* the bridge's; 0 when missing or not a bridge */
	bool missing;  /* no interface of that name */
	bool foreign;  /* an interface of that name that is not a bridge */
	char kind[16]; /* what it is then ("veth", "" for plain devices) */
	bool down;     /* administratively down */
	bool mtu;      /* n->mtu is set and the bridge has another */
	unsigned have_mtu;
	bool mac; /* n->mac is set and the bridge has another */
	uint8_t have_mac[6];
	bool group; /* another interface group than fw_net_devgroup() */
	uint32_t have_group;
	bool stp;	     /* STP on where off is wanted, or the reverse */
	bool delay;	     /* forward delay differs */
	unsigned have_delay; /* centiseconds, as the kernel keeps it */
	size_t *missing_ips; /* indices into n->ips of addresses not on it */
	size_t n_missing_ips;
};

/* Create bridge n->bridge and bring it up: MAC, MTU (pinned, so ports that
 * join do not change it), STP and forward delay, every address of n->ips
 * (IPv6 ones without DAD so that dnsmasq can bind to them at once), the
 * per-bridge IPv6 sysctls libvirt sets. -EEXIST, with nothing changed, when
 * any interface of that name exists. On any other failure the bridge is
 * deleted again. *ifindex (ifindex may be NULL) is the new bridge's. */
int bridge_create(struct nl_sock *sk, const struct net *n, int *ifindex, struct nerr *e);

/* Delete bridge 'name'. 0 when there is no such interface; -EMEDIUMTYPE when
 * the interface of that name is not a bridge (it is left alone). */
int bridge_delete(struct nl_sock *sk, const char *name, struct nerr *e);

/* Compare the bridge on the host with the model. Returns 0 and fills 'd'
 * (free with bridge_drift_free) or a negative errno when the host could not
 * be read. */
int bridge_check(struct nl_sock *sk, const struct net *n, struct bridge_drift *d, struct nerr *e);

/* Fix what bridge_check() found: create the bridge when missing, reset
 * options, re-add addresses, bring it up. A foreign interface is an error
 * (-EEXIST). Safe to call again. *ifindex (ifindex may be NULL) is the
 * bridge's after the repair (a new one when it was made again); untouched
 * when d holds no drift. */
int bridge_repair(struct nl_sock *sk, const struct net *n, const struct bridge_drift *d,
		  int *ifindex, struct nerr *e);

bool bridge_drift_any(const struct bridge_drift *d);
/* One line for status and apply, e.g. "down; mtu 1500 (want 1400); missing
 * address 192.168.122.1/24". "" when there is no drift. */
int bridge_drift_str(const struct net *n, const struct bridge_drift *d, char *buf, size_t len);
void bridge_drift_free(struct bridge_drift *d);
/* On a struct, not a pointer to one: DEFINE_TRIVIAL_CLEANUP_FUNC does not
 * fit. */
static inline void bridge_drift_freep(struct bridge_drift *d)
{
	bridge_drift_free(d);
}
#define _cleanup_bridge_drift_ __attribute__((cleanup(bridge_drift_freep)))

/* A port of a bridge: an interface whose master it is (a VM's tap, a
 * veth, anything an administrator enslaved). */
struct bridge_port {
	int ifindex;
	char name[16]; /* IF_NAMESIZE */
	char kind[16]; /* "tun", "veth", "" for devices without a kind */
};

/* The ports of bridge 'name', in ifindex order, in a new array (free());
 * *n is 0 (and *ports NULL) when it has none or there is no interface of
 * that name. netd enslaves nothing itself, so each is someone's guest. */
int bridge_ports(struct nl_sock *sk, const char *name, struct bridge_port **ports, size_t *n,
		 struct nerr *e);

/* The forward delay the kernel ends up with for the model, in centiseconds
 * (USER_HZ): with STP on, the kernel clamps it to 2..30 s, so delay='0'
 * stp='on' (libvirt's default network) means 2 s. */
unsigned bridge_want_delay(const struct net *n);

#endif
