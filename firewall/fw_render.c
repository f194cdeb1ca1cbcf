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

enum fw_chain { FW_IN, FW_OUT, FW_INPUT, FW_POST, FW_NAT, FW_GUARD, FW_N_CHAINS };

static const char *const fw_suffix[FW_N_CHAINS] = {
	[FW_IN] = "in",	      /* forwarded to the bridge */
	[FW_OUT] = "out",     /* forwarded from the bridge */
	[FW_INPUT] = "input", /* from the bridge to the host */
	[FW_POST] = "post",   /* DHCP replies to guests */
	[FW_NAT] = "nat",     /* source NAT of the network's subnets */
	[FW_GUARD] = "guard", /* to the bridge's addresses, from elsewhere */
};

struct fw_ip {
	const char *kw;	      /* "ip" or "ip6" */
	const char *map;      /* "nat4" or "nat6" */
	const char *addr_map; /* "in_addr4" or "in_addr6" */
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
	bool forwards; /* nat or route: the subnets are reachable */
	/* <bootp server> is another host, reached through the uplink: its
	 * TFTP transfers need the conntrack helper (see put_rules_out) */
	bool tftp_helper;
	char iif_dev[NET_IFNAME_MAX + 12]; /* `iifname "DEV" ` or "" */
	char oif_dev[NET_IFNAME_MAX + 12];
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
		fi->addr_map = v4 ? "in_addr4" : "in_addr6";
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
	if (n->fwd_dev[0]) {
		snprintf(f->iif_dev, sizeof f->iif_dev, "iifname \"%s\" ", n->fwd_dev);
		snprintf(f->oif_dev, sizeof f->oif_dev, "oifname \"%s\" ", n->fwd_dev);
	}
	f->forwards = n->fwd_mode == NET_FWD_NAT || n->fwd_mode == NET_FWD_ROUTE;
	f->tftp_helper = f->forwards && boots_elsewhere(n);
	if (!fw_net_has_part(n))
		return 0;
	f->uses[FW_IN] = f->uses[FW_OUT] = f->uses[FW_INPUT] = true;
	f->uses[FW_GUARD] = n->n_ips > 0;
	/* libvirt fixes checksums only where dnsmasq serves DHCPv4. */
	f->uses[FW_POST] = net_dhcp_ip(n, AF_INET) != NULL;
	return 0;
}

static bool fw_net_empty(const struct fw_net *f)
{
	for (int c = 0; c < FW_N_CHAINS; c++)
		if (f->uses[c])
			return false;
	return true;
}

/* netd's maps, as declared: an element is added by declaring its map again
 * with it (see put_elem()). */
static const struct {
	const char *name, *spec;
} fw_maps[] = {
	{ "fwd_in", "type ifname : verdict;" },
	{ "fwd_out", "type ifname : verdict;" },
	{ "in_iif", "type ifname : verdict;" },
	{ "post_oif", "type ifname : verdict;" },
	{ "nat4", "type ipv4_addr : verdict; flags interval;" },
	{ "nat6", "type ipv6_addr : verdict; flags interval;" },
	{ "in_addr4", "type ipv4_addr : verdict;" },
	{ "in_addr6", "type ipv6_addr : verdict;" },
};

static const char *map_spec(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fw_maps); i++)
		if (strcmp(fw_maps[i].name, name) == 0)
			return fw_maps[i].spec;
	return NULL;
}

/* The shared part. Re-adding existing maps and chains is a no-op; the base
 * chains' rules are flushed and re-added so that they never pile up. */
static void put_skeleton(struct sbuf *s)
{
	static const struct {
		const char *name, *hook, *rules[3];
	} base[] = {
		{ "forward",
		  "type filter hook forward priority filter",
		  { "oifname vmap @fwd_in", "iifname vmap @fwd_out" } },
		{ "input",
		  "type filter hook input priority filter",
		  { "ip daddr vmap @in_addr4", "ip6 daddr vmap @in_addr6",
		    "iifname vmap @in_iif" } },
		{ "postrouting_mangle",
		  "type filter hook postrouting priority mangle",
		  { "oifname vmap @post_oif" } },
		{ "postrouting_nat",
		  "type nat hook postrouting priority srcnat",
		  { "ip saddr vmap @nat4", "ip6 saddr vmap @nat6" } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fw_maps); i++)
		sbuf_printf(s, "add map " TBL " %s { %s }\n", fw_maps[i].name, fw_maps[i].spec);
	for (size_t i = 0; i < ARRAY_SIZE(base); i++) {
		sbuf_printf(s, "add chain " TBL " %s { %s; policy accept; }\n", base[i].name,
			    base[i].hook);
		sbuf_printf(s, "flush chain " TBL " %s\n", base[i].name);
		sbuf_printf(s, "add chain " TBL " %s {\n", base[i].name);
		for (size_t j = 0; j < ARRAY_SIZE(base[i].rules) && base[i].rules[j]; j++)
			sbuf_printf(s, "    %s\n", base[i].rules[j]);
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

static void put_elem(struct sbuf *s, const struct fw_net *f, bool add, const char *map,
		     const char *key, enum fw_chain c)
{
	/* In its map's declaration rather than as `add element`: nft 1.0.6
	 * fetches every chain and set of the ruleset before an `add element`
	 * or `add rule`, but only the tables before an `add map` or `add
	 * chain`, whatever they hold (cache.c, evaluate_cache_add()). With 200
	 * networks that fetch was 3-4 ms of each start. */
	if (add)
		sbuf_printf(s, "add map " TBL " %s { %s elements = { %s : jump %s }; }\n", map,
			    map_spec(map), key, f->chain[c]);
	else
		sbuf_printf(s, "delete element " TBL " %s { %s }\n", map, key);
}

/* f's map elements; add=false deletes the same keys. */
static void put_elements(struct sbuf *s, const struct fw_net *f, bool add)
{
	static const struct {
		const char *map;
		enum fw_chain chain;
	} by_if[] = {
		{ "fwd_in", FW_IN },
		{ "fwd_out", FW_OUT },
		{ "in_iif", FW_INPUT },
		{ "post_oif", FW_POST },
	};
	char br[NET_IFNAME_MAX + 3];

	snprintf(br, sizeof br, "\"%s\"", f->n->bridge);
	for (size_t i = 0; i < ARRAY_SIZE(by_if); i++)
		if (f->uses[by_if[i].chain])
			put_elem(s, f, add, by_if[i].map, br, by_if[i].chain);
	for (size_t i = 0; i < f->n_ips; i++)
		if (f->ips[i].natted)
			put_elem(s, f, add, f->ips[i].map, f->ips[i].subnet, FW_NAT);
	for (size_t i = 0; f->uses[FW_GUARD] && i < f->n_ips; i++)
		put_elem(s, f, add, f->ips[i].addr_map, f->ips[i].addr, FW_GUARD);
}

static void put_rules_in(struct sbuf *s, const struct fw_net *f)
{
	/* Guests of one bridge talk to each other whatever the mode. */
	sbuf_printf(s, "    iifname \"%s\" accept\n", f->n->bridge);
	for (size_t i = 0; f->forwards && i < f->n_ips; i++) {
		const struct fw_ip *ip = &f->ips[i];

		sbuf_printf(s, "    %s%s daddr %s %saccept\n", f->iif_dev, ip->kw, ip->subnet,
			    ip->natted ? "ct state established,related " : "");
	}
	sbuf_puts(s, "    reject\n");
}

static void put_rules_out(struct sbuf *s, const struct fw_net *f)
{
	/* A TFTP server answers from a port of its own, which conntrack
	 * cannot pair with the guest's request, and the kernel no longer
	 * assigns helpers by port (nf_conntrack_helper=0 since Linux 4.7):
	 * without the helper the reply is neither translated back by NAT nor
	 * "related" for the inbound rules, and a guest booting from another
	 * host times out. libvirt's proxy form has the same gap. */
	if (f->tftp_helper)
		sbuf_printf(s,
			    "    %smeta nfproto ipv4 udp dport 69 ct helper set \"" FW_TFTP_HELPER
			    "\"\n",
			    f->oif_dev);
	/* Only the network's own subnets leave it: no spoofed sources. */
	for (size_t i = 0; f->forwards && i < f->n_ips; i++)
		sbuf_printf(s, "    %s%s saddr %s accept\n", f->oif_dev, f->ips[i].kw,
			    f->ips[i].subnet);
	sbuf_puts(s, "    reject\n");
}

static void put_rules_input(struct sbuf *s, const struct fw_net *f)
{
	/* dnsmasq on the bridge: DHCP and DNS, DHCPv6 when there is IPv6. */
	sbuf_puts(s, "    udp dport 67 accept\n");
	sbuf_puts(s, "    udp dport 53 accept\n");
	sbuf_puts(s, "    tcp dport 53 accept\n");
	if (net_has_family(f->n, AF_INET6))
		sbuf_puts(s, "    udp dport 547 accept\n");
	/* dnsmasq's TFTP server (<tftp root>). Its transfers need no
	 * conntrack helper: they are between the guest and the host, where
	 * the server's replies from a new port leave through output and the
	 * guest's acks to that port are their replies (established). */
	if (net_tftp_ip(f->n))
		sbuf_puts(s, "    meta nfproto ipv4 udp dport 69 accept\n");
}

/* dnsmasq binds its DNS and TFTP sockets to the bridge's addresses
 * (bind-interfaces, dhcp_render.c), and so answers whatever reaches those
 * addresses, from any interface: a guest of another network, or the uplink
 * when the host routes there (CVE-2012-3411, dnsmasq as an open resolver).
 * Such queries are dropped here; from the bridge itself and from the host
 * (loopback) they go on. DHCP and DHCPv6 need no guard: dnsmasq checks their
 * arrival interface itself. */
static void put_rules_guard(struct sbuf *s, const struct fw_net *f)
{
	static const char *const drops[] = { "udp dport 53", "tcp dport 53", "udp dport 69" };

	/* Plain rules, no anonymous sets: each set is one more object that
	 * every later transaction's cache fetches. */
	sbuf_printf(s, "    iifname \"%s\" return\n", f->n->bridge);
	sbuf_puts(s, "    iifname \"lo\" return\n");
	for (size_t i = 0; i < ARRAY_SIZE(drops); i++)
		sbuf_printf(s, "    %s drop\n", drops[i]);
}

static void put_rules_post(struct sbuf *s, const struct fw_net *f)
{
	/* libvirt fills in the checksum (CHECKSUM --checksum-fill) because
	 * old DHCP clients drop the partial checksum an offloading host
	 * leaves; nft has no such statement, and a zero UDP checksum means
	 * "none" in IPv4, which every client accepts. */
	(void)f;
	sbuf_puts(s, "    meta nfproto ipv4 udp dport 68 udp checksum set 0\n");
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
 * rule`s, for the reason put_elem() gives. */
static void put_rules(struct sbuf *s, const struct fw_net *f)
{
	static void (*const put[FW_N_CHAINS])(struct sbuf *, const struct fw_net *) = {
		[FW_IN] = put_rules_in,	    [FW_OUT] = put_rules_out, [FW_INPUT] = put_rules_input,
		[FW_POST] = put_rules_post, [FW_NAT] = put_rules_nat, [FW_GUARD] = put_rules_guard,
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
static void put_script(struct sbuf *s, const struct fw_net *old, const struct fw_net *n)
{
	sbuf_puts(s, "add table " TBL "\n");
	/* Shared by the networks that need it; re-adding it is a no-op, and
	 * it goes with the table. */
	if ((old && old->tftp_helper) || (n && n->tftp_helper))
		sbuf_puts(s, "add ct helper " TBL " " FW_TFTP_HELPER
			     " { type \"tftp\" protocol udp; }\n");
	if (old)
		put_chain_adds(s, old, NULL);
	if (n)
		put_chain_adds(s, n, old);
	put_skeleton(s);
	if (old) {
		put_elements(s, old, true);
		put_elements(s, old, false);
		put_chain_deletes(s, old, n);
	}
	if (n) {
		put_rules(s, n);
		put_elements(s, n, true);
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

int fw_render_replace(const struct net *old, const struct net *n, char **out, struct nerr *e)
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
		put_script(&s, old ? &fo : NULL, n ? &fn : NULL);
	return finish(&s, out, e);
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
