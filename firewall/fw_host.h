/* The host's other firewalls: which base chains of tables other than
 * `inet netd` would drop a network's traffic (fw_host.c, a pure function of
 * nft's JSON listing), and the step that reports them (fw_host_step.c).
 *
 * nftables ANDs base chains across tables: netd's accepts do not beat a drop
 * in Docker's, ufw's, firewalld's or an administrator's chain on the same
 * hook, so each such chain is evaluated for each kind of packet the network
 * needs to pass (hfw_class). */
#ifndef NETD_FW_HOST_H
#define NETD_FW_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "model.h"
#include "util.h"

/* The packets a network needs: DHCP, DHCPv6, DNS (and TFTP when it serves
 * it) from the bridge to the host (input hook), forwarding out to the uplink, replies back, and
 * guest to guest on the same bridge (which crosses the forward hook of the ip and ip6 families when
 * br_netfilter is loaded). */
enum hfw_class {
	HFW_DHCP,
	HFW_DHCP6,
	HFW_DNS_UDP,
	HFW_DNS_TCP,
	HFW_TFTP, /* <tftp root>: dnsmasq's TFTP server */
	HFW_FWD_OUT,
	HFW_FWD_REPLY,
	HFW_FWD_BRIDGE,
	HFW_CLASS_N,
};

/* "dhcp", "dhcpv6", "dns-udp", "dns-tcp", "tftp", "forward-out",
 * "forward-reply", "forward-bridge" (status JSON), and in words for messages. */
const char *hfw_class_name(enum hfw_class k);
const char *hfw_class_words(enum hfw_class k);

/* One base chain that drops some of the network's traffic. */
struct hfw_blocker {
	char family[8];
	char table[64];
	char chain[64];
	char hook[16];
	char owner[32];	 /* "Docker", "ufw", "firewalld", "an administrator's table" */
	unsigned blocks; /* 1 << hfw_class */
	unsigned maybe;	 /* of those, the ones only a match netd cannot evaluate drops */
	char why[96];	 /* "policy drop", "drop in chain ufw-not-local" */
	char fix[640];	 /* what the administrator could do */
};

#define HFW_MAX 16
struct hfw_report {
	size_t n;
	struct hfw_blocker b[HFW_MAX];
	size_t more; /* blockers beyond HFW_MAX */
	/* Tables the listing could not show (nft 1.0.6 prints a table with
	 * flags as garbage): "ip6 t1, inet t2"; the step fills it in. */
	char unchecked[256];
	bool iptables_legacy; /* legacy iptables tables exist: nftables cannot see them */
};

/* Find every base chain of every table but inet netd in `ruleset` (nft's
 * JSON listing: the document {"nftables": [...]} or its array) that would
 * drop or reject some of n's traffic, and put them in r (zeroed first).
 * `text` is the same ruleset listed as text with handles (`nft -a list
 * ruleset`), or NULL: iptables-nft's conntrack matches show in JSON only
 * as {"xt": {"name": "conntrack"}}, and their translation ("ct state
 * established,related") is read from there. `uplink` is the interface
 * forwarded traffic leaves by, or NULL when unknown. -EINVAL when the
 * document is not a listing. */
int hfw_analyse(json_t *ruleset, const char *text, const struct net *n, const char *uplink,
		struct hfw_report *r, struct nerr *e);

/* One line: "table ip filter chain FORWARD (Docker) drops forwarded traffic
 * from virbr0 to the uplink, ... (policy drop)". */
void hfw_blocker_str(const struct hfw_blocker *b, const struct net *n, char *buf, size_t len);

struct step_ops;
extern const struct step_ops hostfw_step;

#endif
