/* Network -> nftables script. Pure: reads the model and nothing else, so
 * `netd plan` and the golden tests see exactly what start loads.
 *
 * The rules are libvirt's iptables rules (src/network/network_iptables.c)
 * written for one shared inet table; see fw.h for its shape. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw.h"

#define TBL FW_TABLE_FAMILY " " FW_TABLE_NAME

/* The conntrack helper object for TFTP (nf_conntrack_tftp). */
#define FW_TFTP_HELPER "tftp"

/* libvirt's default NAT source port range when <nat><port> is absent. */
#define FW_PORT_MIN 1024
#define FW_PORT_MAX 65535

/* The only per-network chains: those whose statements take the network's
 * own arguments. Everything else a network has is elements of the shared
 * sets below, matched by shared chains: the kernel validates every chain a
 * base chain can reach at each commit that adds a jump or a reject, so a
 * chain per network and purpose made each start cost more with every
 * network running (1200 chains at N=200, about 1 ms of each start). */
enum fw_chain { FW_NAT, FW_TFTP, FW_N_CHAINS };

static const char *const fw_suffix[FW_N_CHAINS] = {
	[FW_NAT] = "nat",   /* source NAT of the network's subnets */
	[FW_TFTP] = "tftp", /* the conntrack helper for a TFTP server elsewhere */
};

struct fw_ip {
	const char *kw;	 /* "ip" or "ip6" */
	const char *map; /* "nat4" or "nat6" */
	char v;		 /* '4' or '6': the suffix of the family's sets */
	char subnet[INET6_ADDRSTRLEN + 5];
	char addr[INET6_ADDRSTRLEN]; /* the bridge's own address */
	bool natted;		     /* source NAT applies (conntrack-only inbound) */
};

/* Everything the script needs from one network, checked and formatted once
 * so that writing the script cannot fail but for memory. */
struct fw_net {
	const struct net *n;
	char chain[FW_N_CHAINS][NET_NAME_MAX + 16];
	bool uses[FW_N_CHAINS];
	bool part;			   /* has rules at all (not open, not the host's bridge) */
	bool dhcp4;			   /* dnsmasq serves DHCPv4: checksum fix */
	bool forwards;			   /* nat or route: the subnets are reachable */
	char br[NET_IFNAME_MAX + 3];	   /* "BRIDGE", quoted */
	char dev[NET_IFNAME_MAX + 3];	   /* "DEV", quoted, or "" */
	char oif_dev[NET_IFNAME_MAX + 12]; /* `oifname "DEV" ` or "" */
	/* The NAT statements: port-mapped for tcp and udp, and for the rest. */
	char nat4_ports[80], nat4_all[48]; /* snat ip to A-B[:P-Q] / masquerade */
	char nat6_ports[48];		   /* masquerade to :P-Q */
	struct fw_ip *ips;
	size_t n_ips;
};

static void fw_net_free(struct fw_net *f)
{
	free(f->ips);
	f->ips = NULL;
}
#define _cleanup_fw_net_ __attribute__((cleanup(fw_net_free)))

/* Every string of the model that reaches the script passes the grammar of
 * net_validate() again here: the renderer never trusts that its caller
 * validated, and none of these can hold a quote, a space or a newline. */
static int check_names(const struct net *n, struct nerr *e)
{
	if (!net_name_ok(n->name))
		return nerr_set(e, -EINVAL,
				"firewall: network name is not a plain identifier "
				"([A-Za-z0-9_.-], at most %d bytes, not starting with '.')",
				NET_NAME_MAX);
	if (!net_ifname_ok(n->bridge))
		return nerr_set(e, -EINVAL, "firewall: network %s: bridge name %s", n->name,
				n->bridge[0] ? "is not a valid interface name" : "is not set");
	if (n->fwd_dev[0] && !net_ifname_ok(n->fwd_dev))
		return nerr_set(e, -EINVAL,
				"firewall: network %s: forward dev is not a valid interface name",
				n->name);
	switch (n->fwd_mode) {
	case NET_FWD_ISOLATED:
	case NET_FWD_NAT:
	case NET_FWD_ROUTE:
	case NET_FWD_OPEN:
	case NET_FWD_BRIDGE: /* both render nothing: fw_net_has_part() */
		return 0;
	}
	return nerr_set(e, -EINVAL, "firewall: network %s: unknown forward mode %d", n->name,
			(int)n->fwd_mode);
}

static int check_ips(const struct net *n, struct nerr *e)
{
	for (size_t i = 0; i < n->n_ips; i++) {
		const struct net_ip *ip = &n->ips[i];

		if (!(ip->addr.family == AF_INET && ip->prefix <= 32) &&
		    !(ip->addr.family == AF_INET6 && ip->prefix <= 128))
			return nerr_set(e, -EINVAL,
					"firewall: network %s: ip element %zu has no valid "
					"address/prefix",
					n->name, i + 1);
		/* Every rule matches the subnet: never forward or masquerade
		 * more than validate allows a network to own. */
		if (ip->prefix < net_prefix_min(ip->addr.family))
			return nerr_set(e, -EINVAL,
					"firewall: network %s: ip element %zu: /%u is wider than "
					"/%u",
					n->name, i + 1, ip->prefix,
					net_prefix_min(ip->addr.family));
		/* Overlapping subnets would be overlapping nat map intervals. */
		for (size_t j = 0; j < i; j++)
			if (net_ips_overlap(ip, &n->ips[j]))
				return nerr_set(e, -EINVAL,
						"firewall: network %s: ip elements %zu and %zu "
						"overlap",
						n->name, j + 1, i + 1);
	}
	return 0;
}

static int fmt_nat(struct fw_net *f, struct nerr *e)
{
	const struct net *n = f->n;
	unsigned lo = n->nat_port_start ? n->nat_port_start : FW_PORT_MIN;
	unsigned hi = n->nat_port_end ? n->nat_port_end : FW_PORT_MAX;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], ports[24], to[2 * INET_ADDRSTRLEN];

	if (lo > hi || hi > FW_PORT_MAX)
		return nerr_set(e, -EINVAL, "firewall: network %s: nat port range %u-%u is invalid",
				n->name, lo, hi);
	if (lo == hi)
		snprintf(ports, sizeof ports, "%u", lo);
	else
		snprintf(ports, sizeof ports, "%u-%u", lo, hi);
	snprintf(f->nat6_ports, sizeof f->nat6_ports, "masquerade to :%s", ports);
	if (!n->nat_start.family && !n->nat_end.family) {
		snprintf(f->nat4_ports, sizeof f->nat4_ports, "masquerade to :%s", ports);
		snprintf(f->nat4_all, sizeof f->nat4_all, "masquerade");
		return 0;
	}
	/* libvirt's <nat><address>: SNAT to that range instead. */
	if (n->nat_start.family != AF_INET || n->nat_end.family != AF_INET ||
	    net_addr_cmp(&n->nat_start, &n->nat_end) > 0 ||
	    net_addr_str(&n->nat_start, a, sizeof a) < 0 ||
	    net_addr_str(&n->nat_end, b, sizeof b) < 0)
		return nerr_set(e, -EINVAL,
				"firewall: network %s: nat address range is not an ordered IPv4 "
				"range",
				n->name);
	if (net_addr_cmp(&n->nat_start, &n->nat_end) == 0)
		snprintf(to, sizeof to, "%s", a);
	else
		snprintf(to, sizeof to, "%s-%s", a, b);
	snprintf(f->nat4_ports, sizeof f->nat4_ports, "snat ip to %s:%s", to, ports);
	snprintf(f->nat4_all, sizeof f->nat4_all, "snat ip to %s", to);
	return 0;
}

static int fmt_ips(struct fw_net *f, struct nerr *e)
{
	const struct net *n = f->n;

	f->ips = calloc(n->n_ips ? n->n_ips : 1, sizeof *f->ips);
	if (!f->ips)
		return nerr_set(e, -ENOMEM, "firewall: network %s: out of memory", n->name);
	f->n_ips = n->n_ips;
	for (size_t i = 0; i < n->n_ips; i++) {
		const struct net_ip *ip = &n->ips[i];
		struct fw_ip *fi = &f->ips[i];
		struct net_addr base;
		char a[INET6_ADDRSTRLEN];
		bool v4 = ip->addr.family == AF_INET;

		net_addr_mask(&ip->addr, ip->prefix, &base);
		if (net_addr_str(&base, a, sizeof a) < 0)
			return nerr_set(e, -EINVAL, "firewall: network %s: bad address", n->name);
		snprintf(fi->subnet, sizeof fi->subnet, "%s/%u", a, ip->prefix);
		if (net_addr_str(&ip->addr, fi->addr, sizeof fi->addr) < 0)
			return nerr_set(e, -EINVAL, "firewall: network %s: bad address", n->name);
		fi->kw = v4 ? "ip" : "ip6";
		fi->map = v4 ? "nat4" : "nat6";
		fi->v = v4 ? '4' : '6';
		/* libvirt masquerades IPv6 only with <nat ipv6='yes'/>, and
		 * routes it otherwise, even in a nat network. */
		fi->natted = n->fwd_mode == NET_FWD_NAT && (v4 || n->nat_ipv6 == NET_YES);
		if (fi->natted)
			f->uses[FW_NAT] = true;
	}
	return 0;
}

bool fw_net_has_part(const struct net *n)
{
	/* libvirt's open mode: no firewall rules at all; nor on the host's
	 * own bridge. */
	return n->fwd_mode != NET_FWD_OPEN && n->fwd_mode != NET_FWD_BRIDGE;
}

uint32_t fw_net_devgroup(const struct net *n)
{
	return fw_net_has_part(n) ? FW_DEVGROUP : 0;
}

bool fw_chain_is_net(const struct net *n, const char *chain)
{
	size_t len = strlen(n->name);

	if (strncmp(chain, "n_", 2) != 0 || strncmp(chain + 2, n->name, len) != 0 ||
	    chain[2 + len] != '_')
		return false;
	for (int c = 0; c < FW_N_CHAINS; c++)
		if (strcmp(chain + 3 + len, fw_suffix[c]) == 0)
			return true;
	return false;
}

/* The DHCPv4 offer sends guests to a TFTP server that is not on the
 * bridge (libvirt's <bootp server='S'/> proxy form). */
static bool boots_elsewhere(const struct net *n)
{
	const struct net_ip *v4 = net_dhcp_ip(n, AF_INET);

	if (!v4 || !v4->bootp_file[0] || v4->bootp_server.family != AF_INET)
		return false;
	for (size_t i = 0; i < n->n_ips; i++)
		if (net_addr_in_subnet(&v4->bootp_server, &n->ips[i].addr, n->ips[i].prefix))
			return false;
	return true;
}

static int fw_net_init(struct fw_net *f, const struct net *n, struct nerr *e)
{
	int r;

	memset(f, 0, sizeof *f);
	f->n = n;
	if ((r = check_names(n, e)) < 0 || (r = check_ips(n, e)) < 0 || (r = fmt_nat(f, e)) < 0 ||
	    (r = fmt_ips(f, e)) < 0)
		return r;
	for (int c = 0; c < FW_N_CHAINS; c++)
		snprintf(f->chain[c], sizeof f->chain[c], "n_%s_%s", n->name, fw_suffix[c]);
	snprintf(f->br, sizeof f->br, "\"%s\"", n->bridge);
	if (n->fwd_dev[0]) {
		snprintf(f->dev, sizeof f->dev, "\"%s\"", n->fwd_dev);
		snprintf(f->oif_dev, sizeof f->oif_dev, "oifname \"%s\" ", n->fwd_dev);
	}
	f->forwards = n->fwd_mode == NET_FWD_NAT || n->fwd_mode == NET_FWD_ROUTE;
	f->part = fw_net_has_part(n);
	/* <bootp server> is another host, reached through the uplink: its
	 * TFTP transfers need the conntrack helper (put_rules_tftp()). */
	f->uses[FW_TFTP] = f->part && f->forwards && boots_elsewhere(n);
	/* libvirt fixes checksums only where dnsmasq serves DHCPv4. */
	f->dhcp4 = net_dhcp_ip(n, AF_INET) != NULL;
	return 0;
}

static bool fw_net_empty(const struct fw_net *f)
{
	return !f->part;
}

/* netd's sets and maps, as declared: an element is added by declaring its
 * set again with it (see put_elems()). Only the maps hold verdicts, and
 * only they jump to per-network chains. */
enum fw_obj {
	O_BRIDGES, /* every bridge with a part: to_bridge, from_bridge */
	O_INTRA,   /* BRIDGE . BRIDGE: guests of one bridge talk */
	/* what may be forwarded, for networks without <forward dev>, then
	 * with it (keyed by the uplink too) */
	O_IN_NAT4,	 /* BRIDGE . SUBNET: replies to NATed guests */
	O_IN_NAT6,	 /* */
	O_IN_ROUTE4,	 /* BRIDGE . SUBNET: anything to routed guests */
	O_IN_ROUTE6,	 /* */
	O_OUT4,		 /* BRIDGE . SUBNET: what guests may send out */
	O_OUT6,		 /* */
	O_IN_NAT4_DEV,	 /* DEV . BRIDGE . SUBNET */
	O_IN_NAT6_DEV,	 /* */
	O_IN_ROUTE4_DEV, /* DEV . BRIDGE . SUBNET */
	O_IN_ROUTE6_DEV, /* */
	O_OUT4_DEV,	 /* BRIDGE . DEV . SUBNET */
	O_OUT6_DEV,	 /* */
	O_SVC,		 /* BRIDGE . PROTO . PORT: dnsmasq's services */
	O_TFTP_IN,	 /* bridges where dnsmasq serves TFTP */
	O_GUARD4,	 /* the bridges' own addresses */
	O_GUARD6,	 /* */
	O_OWN4,		 /* ADDRESS . BRIDGE: where it may be asked */
	O_OWN6,		 /* */
	O_DHCP4,	 /* bridges where dnsmasq serves DHCPv4 */
	O_TFTP_OUT,	 /* map BRIDGE : jump n_NAME_tftp */
	O_NAT4,		 /* map SUBNET : jump n_NAME_nat */
	O_NAT6,		 /* */
	O_LAYOUT,	 /* empty: says this layout's skeleton was loaded */
	O_N_OBJS
};

static const struct {
	const char *kind, *name, *spec;
} fw_objs[O_N_OBJS] = {
	[O_BRIDGES] = { "set", "bridges", "type ifname;" },
	[O_INTRA] = { "set", "intra", "type ifname . ifname;" },
	[O_IN_NAT4] = { "set", "in_nat4", "type ifname . ipv4_addr; flags interval;" },
	[O_IN_NAT6] = { "set", "in_nat6", "type ifname . ipv6_addr; flags interval;" },
	[O_IN_ROUTE4] = { "set", "in_route4", "type ifname . ipv4_addr; flags interval;" },
	[O_IN_ROUTE6] = { "set", "in_route6", "type ifname . ipv6_addr; flags interval;" },
	[O_OUT4] = { "set", "out4", "type ifname . ipv4_addr; flags interval;" },
	[O_OUT6] = { "set", "out6", "type ifname . ipv6_addr; flags interval;" },
	[O_IN_NAT4_DEV] = { "set", "in_nat4_dev",
			    "type ifname . ifname . ipv4_addr; flags interval;" },
	[O_IN_NAT6_DEV] = { "set", "in_nat6_dev",
			    "type ifname . ifname . ipv6_addr; flags interval;" },
	[O_IN_ROUTE4_DEV] = { "set", "in_route4_dev",
			      "type ifname . ifname . ipv4_addr; flags interval;" },
	[O_IN_ROUTE6_DEV] = { "set", "in_route6_dev",
			      "type ifname . ifname . ipv6_addr; flags interval;" },
	[O_OUT4_DEV] = { "set", "out4_dev", "type ifname . ifname . ipv4_addr; flags interval;" },
	[O_OUT6_DEV] = { "set", "out6_dev", "type ifname . ifname . ipv6_addr; flags interval;" },
	[O_SVC] = { "set", "svc", "type ifname . inet_proto . inet_service;" },
	[O_TFTP_IN] = { "set", "tftp_in", "type ifname;" },
	[O_GUARD4] = { "set", "guard4", "type ipv4_addr;" },
	[O_GUARD6] = { "set", "guard6", "type ipv6_addr;" },
	[O_OWN4] = { "set", "own4", "type ipv4_addr . ifname;" },
	[O_OWN6] = { "set", "own6", "type ipv6_addr . ifname;" },
	[O_DHCP4] = { "set", "dhcp4", "type ifname;" },
	[O_TFTP_OUT] = { "map", "tftp_out", "type ifname : verdict;" },
	[O_NAT4] = { "map", "nat4", "type ipv4_addr : verdict; flags interval;" },
	[O_NAT6] = { "map", "nat6", "type ipv6_addr : verdict; flags interval;" },
	[O_LAYOUT] = { "set", FW_LAYOUT_SET, "type mark;" },
};

/* The shared chains. A packet costs the same few set lookups however many
 * networks run. As in libvirt's chains, every accept of a chain comes
 * before its reject; among the accepts, the common case first. */
static const struct {
	const char *name, *hook, *rules[10];
} fw_shared[] = {
	/* regular chains first: the base chains jump to them */
	/* The common case first: replies to NATed guests, and what guests
	 * send out, each one lookup. A network with <forward dev> has its
	 * elements only in the _dev sets, keyed by the uplink too, so that
	 * anything else from or to it ends at the reject. */
	{ "to_bridge",
	  NULL,
	  { "ct state established,related oifname . ip daddr @in_nat4 accept",
	    "ct state established,related oifname . ip6 daddr @in_nat6 accept",
	    "iifname . oifname @intra accept", "oifname . ip daddr @in_route4 accept",
	    "oifname . ip6 daddr @in_route6 accept",
	    "ct state established,related iifname . oifname . ip daddr @in_nat4_dev accept",
	    "ct state established,related iifname . oifname . ip6 daddr @in_nat6_dev accept",
	    "iifname . oifname . ip daddr @in_route4_dev accept",
	    "iifname . oifname . ip6 daddr @in_route6_dev accept", "reject" } },
	{ "from_bridge",
	  NULL,
	  { "udp dport 69 iifname vmap @tftp_out", "iifname . ip saddr @out4 accept",
	    "iifname . ip6 saddr @out6 accept", "iifname . oifname . ip saddr @out4_dev accept",
	    "iifname . oifname . ip6 saddr @out6_dev accept", "reject" } },
	/* dnsmasq binds its DNS and TFTP sockets to the bridge's addresses
	 * (bind-interfaces, dhcp_render.c), and so answers whatever reaches
	 * those addresses, from any interface: a guest of another network, or
	 * the uplink when the host routes there (CVE-2012-3411, dnsmasq as an
	 * open resolver). Such queries are dropped here; from the bridge
	 * itself and from the host (loopback) they go on. DHCP and DHCPv6 need
	 * no guard: dnsmasq checks their arrival interface itself. */
	{ "guard",
	  NULL,
	  { "iifname \"lo\" return", "ip daddr . iifname @own4 return",
	    "ip6 daddr . iifname @own6 return", "udp dport 53 drop", "tcp dport 53 drop",
	    "udp dport 69 drop" } },
	{ "forward",
	  "type filter hook forward priority filter",
	  { "oifname @bridges jump to_bridge", "iifname @bridges jump from_bridge" } },
	/* dnsmasq on the bridge: DHCP, DNS, DHCPv6 where there is IPv6, and
	 * its TFTP server (<tftp root>), whose transfers need no conntrack
	 * helper: they are between the guest and the host, where the server's
	 * replies from a new port leave through output and the guest's acks
	 * to that port are their replies (established). */
	{ "input",
	  "type filter hook input priority filter",
	  { "ip daddr @guard4 jump guard", "ip6 daddr @guard6 jump guard",
	    "iifname . meta l4proto . th dport @svc accept",
	    "meta nfproto ipv4 iifname @tftp_in udp dport 69 accept" } },
	/* libvirt fills in the checksum (CHECKSUM --checksum-fill) because
	 * old DHCP clients drop the partial checksum an offloading host
	 * leaves; nft has no such statement, and a zero UDP checksum means
	 * "none" in IPv4, which every client accepts. */
	{ "postrouting_mangle",
	  "type filter hook postrouting priority mangle",
	  { "oifname @dhcp4 meta nfproto ipv4 udp dport 68 udp checksum set 0" } },
	{ "postrouting_nat",
	  "type nat hook postrouting priority srcnat",
	  { "ip saddr vmap @nat4", "ip6 saddr vmap @nat6" } },
};

bool fw_chain_is_shared(const char *chain)
{
	for (size_t i = 0; i < ARRAY_SIZE(fw_shared); i++)
		if (strcmp(fw_shared[i].name, chain) == 0)
			return true;
	return false;
}

/* The shared part. Re-adding existing sets and chains is a no-op; the
 * shared chains' rules are flushed and re-added so that they never pile
 * up. */
static void put_skeleton(struct sbuf *s)
{
	for (size_t i = 0; i < O_N_OBJS; i++)
		sbuf_printf(s, "add %s " TBL " %s { %s }\n", fw_objs[i].kind, fw_objs[i].name,
			    fw_objs[i].spec);
	for (size_t i = 0; i < ARRAY_SIZE(fw_shared); i++) {
		if (fw_shared[i].hook)
			sbuf_printf(s, "add chain " TBL " %s { %s; policy accept; }\n",
				    fw_shared[i].name, fw_shared[i].hook);
		else
			sbuf_printf(s, "add chain " TBL " %s\n", fw_shared[i].name);
		sbuf_printf(s, "flush chain " TBL " %s\n", fw_shared[i].name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(fw_shared); i++) {
		sbuf_printf(s, "add chain " TBL " %s {\n", fw_shared[i].name);
		for (size_t j = 0; j < ARRAY_SIZE(fw_shared[i].rules) && fw_shared[i].rules[j]; j++)
			sbuf_printf(s, "    %s\n", fw_shared[i].rules[j]);
		sbuf_puts(s, "}\n");
	}
}

static bool has_chain(const struct fw_net *f, const char *name)
{
	for (int c = 0; f && c < FW_N_CHAINS; c++)
		if (f->uses[c] && strcmp(f->chain[c], name) == 0)
			return true;
	return false;
}

/* f's chains, but those 'done' already added. */
static void put_chain_adds(struct sbuf *s, const struct fw_net *f, const struct fw_net *done)
{
	for (int c = 0; c < FW_N_CHAINS; c++)
		if (f->uses[c] && !has_chain(done, f->chain[c]))
			sbuf_printf(s, "add chain " TBL " %s\n", f->chain[c]);
}

/* ip's key in forwarding set 'o', if it has one there. */
static void put_fwd_key(struct sbuf *s, const struct fw_net *f, const struct fw_ip *ip,
			enum fw_obj o)
{
	static const struct {
		enum fw_obj o;
		char dir; /* 'n' in, NATed; 'r' in, routed; 'o' out */
		bool v6, dev;
	} fwd[] = {
		{ O_IN_NAT4, 'n', false, false },      { O_IN_NAT6, 'n', true, false },
		{ O_IN_ROUTE4, 'r', false, false },    { O_IN_ROUTE6, 'r', true, false },
		{ O_OUT4, 'o', false, false },	       { O_OUT6, 'o', true, false },
		{ O_IN_NAT4_DEV, 'n', false, true },   { O_IN_NAT6_DEV, 'n', true, true },
		{ O_IN_ROUTE4_DEV, 'r', false, true }, { O_IN_ROUTE6_DEV, 'r', true, true },
		{ O_OUT4_DEV, 'o', false, true },      { O_OUT6_DEV, 'o', true, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++) {
		if (fwd[i].o != o)
			continue;
		if (!f->forwards || fwd[i].v6 != (ip->v == '6') || fwd[i].dev != (f->dev[0] != 0) ||
		    (fwd[i].dir == 'n' && !ip->natted) || (fwd[i].dir == 'r' && ip->natted))
			return;
		if (!fwd[i].dev)
			sbuf_printf(s, "%s . %s, ", f->br, ip->subnet);
		else if (fwd[i].dir == 'o') /* iifname . oifname */
			sbuf_printf(s, "%s . %s . %s, ", f->br, f->dev, ip->subnet);
		else
			sbuf_printf(s, "%s . %s . %s, ", f->dev, f->br, ip->subnet);
		return;
	}
}

/* The keys f puts into set or map 'o', each followed by ", ". */
static void put_keys(struct sbuf *s, const struct fw_net *f, enum fw_obj o, bool verdicts)
{
	const char *br = f->br;

	switch (o) {
	case O_BRIDGES:
		sbuf_printf(s, "%s, ", br);
		return;
	case O_INTRA:
		sbuf_printf(s, "%s . %s, ", br, br);
		return;
	case O_SVC:
		sbuf_printf(s, "%1$s . udp . 67, %1$s . udp . 53, %1$s . tcp . 53, ", br);
		if (net_has_family(f->n, AF_INET6))
			sbuf_printf(s, "%s . udp . 547, ", br);
		return;
	case O_TFTP_IN:
		if (net_tftp_ip(f->n))
			sbuf_printf(s, "%s, ", br);
		return;
	case O_DHCP4:
		if (f->dhcp4)
			sbuf_printf(s, "%s, ", br);
		return;
	case O_TFTP_OUT:
		if (f->uses[FW_TFTP])
			sbuf_printf(s, "%s%s%s, ", br, verdicts ? " : jump " : "",
				    verdicts ? f->chain[FW_TFTP] : "");
		return;
	default:
		break;
	}
	for (size_t i = 0; i < f->n_ips; i++) {
		const struct fw_ip *ip = &f->ips[i];
		bool v6 = ip->v == '6';
		const char *addr = ip->addr, *sub = ip->subnet;

		switch (o) {
		case O_IN_NAT4:
		case O_IN_NAT6:
		case O_IN_ROUTE4:
		case O_IN_ROUTE6:
		case O_OUT4:
		case O_OUT6:
		case O_IN_NAT4_DEV:
		case O_IN_NAT6_DEV:
		case O_IN_ROUTE4_DEV:
		case O_IN_ROUTE6_DEV:
		case O_OUT4_DEV:
		case O_OUT6_DEV:
			put_fwd_key(s, f, ip, o);
			break;
		case O_GUARD4:
		case O_GUARD6:
			if (v6 == (o == O_GUARD6))
				sbuf_printf(s, "%s, ", addr);
			break;
		case O_OWN4:
		case O_OWN6:
			if (v6 == (o == O_OWN6))
				sbuf_printf(s, "%s . %s, ", addr, br);
			break;
		case O_NAT4:
		case O_NAT6:
			if (ip->natted && v6 == (o == O_NAT6))
				sbuf_printf(s, "%s%s%s, ", sub, verdicts ? " : jump " : "",
					    verdicts ? f->chain[FW_NAT] : "");
			break;
		default:
			break;
		}
	}
}

/* f's elements, each set's in one line; add=false deletes the same keys.
 * Added in the set's declaration rather than as `add element`: nft 1.0.6
 * fetches every chain and set of the ruleset before an `add element` or
 * `add rule`, but only the tables before an `add set` or `add chain`,
 * whatever they hold (cache.c, evaluate_cache_add()). With 200 networks
 * that fetch was 3-4 ms of each start. */
static void put_elems(struct sbuf *s, const struct fw_net *f, bool add)
{
	for (size_t o = 0; o < O_N_OBJS; o++) {
		struct sbuf k = { 0 };
		_cleanup_free_ char *keys = NULL;
		size_t len;

		put_keys(&k, f, (enum fw_obj)o, add);
		keys = sbuf_finish(&k);
		if (!keys) {
			s->oom = true;
			continue;
		}
		if ((len = strlen(keys)) < 2)
			continue;
		keys[len - 2] = '\0'; /* the last ", " */
		if (add)
			sbuf_printf(s, "add %s " TBL " %s { %s elements = { %s }; }\n",
				    fw_objs[o].kind, fw_objs[o].name, fw_objs[o].spec, keys);
		else
			sbuf_printf(s, "delete element " TBL " %s { %s }\n", fw_objs[o].name, keys);
	}
}

/* A TFTP server answers from a port of its own, which conntrack cannot pair
 * with the guest's request, and the kernel no longer assigns helpers by port
 * (nf_conntrack_helper=0 since Linux 4.7): without the helper the reply is
 * neither translated back by NAT nor "related" for the inbound rules, and a
 * guest booting from another host times out. libvirt's proxy form has the
 * same gap. */
static void put_rules_tftp(struct sbuf *s, const struct fw_net *f)
{
	sbuf_printf(s,
		    "    %smeta nfproto ipv4 udp dport 69 ct helper set \"" FW_TFTP_HELPER "\"\n",
		    f->oif_dev);
}

static void put_nat_ip(struct sbuf *s, const struct fw_net *f, const struct fw_ip *ip)
{
	const char *kw = ip->kw, *sn = ip->subnet, *dev = f->oif_dev;
	bool v4 = strcmp(kw, "ip") == 0;

	/* Local multicast and broadcast keep their source address. */
	sbuf_printf(s, "    %s%s saddr %s %s daddr %s return\n", dev, kw, sn, kw,
		    v4 ? "224.0.0.0/24" : "ff02::/16");
	if (v4)
		sbuf_printf(s, "    %sip saddr %s ip daddr 255.255.255.255 return\n", dev, sn);
	/* tcp and udp get source ports from the range, the rest (icmp...)
	 * is translated without. libvirt's SNAT addresses are IPv4 only. */
	sbuf_printf(s, "    %s%s saddr %s %s daddr != %s meta l4proto { tcp, udp } %s\n", dev, kw,
		    sn, kw, sn, v4 ? f->nat4_ports : f->nat6_ports);
	sbuf_printf(s, "    %s%s saddr %s %s daddr != %s %s\n", dev, kw, sn, kw, sn,
		    v4 ? f->nat4_all : "masquerade");
}

static void put_rules_nat(struct sbuf *s, const struct fw_net *f)
{
	for (size_t i = 0; i < f->n_ips; i++)
		if (f->ips[i].natted)
			put_nat_ip(s, f, &f->ips[i]);
}

/* Each chain's rules in one `add chain NAME { ... }`, rather than as `add
 * rule`s, for the reason put_elems() gives. */
static void put_rules(struct sbuf *s, const struct fw_net *f)
{
	static void (*const put[FW_N_CHAINS])(struct sbuf *, const struct fw_net *) = {
		[FW_NAT] = put_rules_nat,
		[FW_TFTP] = put_rules_tftp,
	};

	for (int c = 0; c < FW_N_CHAINS; c++)
		if (f->uses[c])
			sbuf_printf(s, "flush chain " TBL " %s\n", f->chain[c]);
	for (int c = 0; c < FW_N_CHAINS; c++) {
		if (!f->uses[c])
			continue;
		sbuf_printf(s, "add chain " TBL " %s {\n", f->chain[c]);
		put[c](s, f);
		sbuf_puts(s, "}\n");
	}
}

/* old's chains that 'n' does not take over. */
static void put_chain_deletes(struct sbuf *s, const struct fw_net *old, const struct fw_net *n)
{
	for (int c = 0; c < FW_N_CHAINS; c++) {
		if (!old->uses[c] || has_chain(n, old->chain[c]))
			continue;
		sbuf_printf(s, "flush chain " TBL " %s\n", old->chain[c]);
		sbuf_printf(s, "delete chain " TBL " %s\n", old->chain[c]);
	}
}

/* The one script behind start, stop and replace; one transaction. Its
 * order is forced:
 * - every chain is added before the maps: with nft 1.0.6, when an interval
 *   map (nat4) is created in a batch, an element that jumps to a chain
 *   added later in that batch fails with ENOENT;
 * - old's elements are added before they are deleted, so that the delete
 *   succeeds whether or not they were still loaded (no `destroy` in 1.0.6);
 * - a chain can be deleted only once no element jumps to it. */
static void put_script(struct sbuf *s, const struct fw_net *old, const struct fw_net *n,
		       bool skeleton)
{
	sbuf_puts(s, "add table " TBL "\n");
	/* Shared by the networks that need it; re-adding it is a no-op, and
	 * it goes with the table. */
	if ((old && old->uses[FW_TFTP]) || (n && n->uses[FW_TFTP]))
		sbuf_puts(s, "add ct helper " TBL " " FW_TFTP_HELPER
			     " { type \"tftp\" protocol udp; }\n");
	if (old)
		put_chain_adds(s, old, NULL);
	if (n)
		put_chain_adds(s, n, old);
	if (skeleton)
		put_skeleton(s);
	if (old) {
		put_elems(s, old, true);
		put_elems(s, old, false);
		put_chain_deletes(s, old, n);
	}
	if (n) {
		put_rules(s, n);
		put_elems(s, n, true);
	}
}

static int finish(struct sbuf *s, char **out, struct nerr *e)
{
	char *str = sbuf_finish(s);

	if (!str)
		return nerr_set(e, -ENOMEM, "firewall: render script: out of memory");
	*out = str;
	return 0;
}

static int render(const struct net *old, const struct net *n, bool skeleton, char **out,
		  struct nerr *e)
{
	_cleanup_fw_net_ struct fw_net fo = { 0 }, fn = { 0 };
	struct sbuf s = { 0 };
	int r;

	*out = NULL;
	if (old && (r = fw_net_init(&fo, old, e)) < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
		return r;
	if (n && (r = fw_net_init(&fn, n, e)) < 0)
		return r;
	/* Open networks have no part; when neither side has one, leave the
	 * table alone rather than create it for nothing. */
	old = old && !fw_net_empty(&fo) ? old : NULL;
	n = n && !fw_net_empty(&fn) ? n : NULL;
	if (old || n)
		put_script(&s, old ? &fo : NULL, n ? &fn : NULL, skeleton);
	return finish(&s, out, e);
}

int fw_render_replace(const struct net *old, const struct net *n, char **out, struct nerr *e)
{
	return render(old, n, true, out, e);
}

int fw_render_part(const struct net *n, char **out, struct nerr *e)
{
	return render(NULL, n, false, out, e);
}

int fw_render(const struct net *n, char **out, struct nerr *e)
{
	return fw_render_replace(NULL, n, out, e);
}

int fw_render_stop(const struct net *n, bool last, char **out, struct nerr *e)
{
	_cleanup_fw_net_ struct fw_net f = { 0 };
	struct sbuf s = { 0 };
	int r;

	if (!last)
		return fw_render_replace(n, NULL, out, e);
	*out = NULL;
	if ((r = fw_net_init(&f, n, e)) < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
		return r;
	/* nft 1.0.6 has no `destroy`: adding first makes the delete succeed
	 * when the table is already gone. */
	sbuf_puts(&s, "add table " TBL "\ndelete table " TBL "\n");
	return finish(&s, out, e);
}
