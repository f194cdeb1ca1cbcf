/* The network model: libvirt network XML parsed into a plain struct.
 *
 * Parse (net_parse_*) builds the struct and rejects what it cannot represent;
 * net_validate() is the separate semantic pass; net_fill_defaults() fills in
 * what libvirt fills in; net_format() writes it back as XML. Every string in
 * the model has passed the grammar named next to it before validate returns 0,
 * so the renderers may copy them into config lines without escaping. */
#ifndef NETD_MODEL_H
#define NETD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

#define NET_NAME_MAX	  64   /* bytes, without NUL */
#define NET_IFNAME_MAX	  15   /* IFNAMSIZ - 1 */
#define NET_DNSNAME_MAX	  253  /* RFC 1035 presentation length */
#define NET_TXT_MAX	  255  /* one character-string */
#define NET_DUID_MAX	  130  /* 'id' of an IPv6 dhcp host: hex bytes with ':' */
#define NET_SRV_LABEL_MAX 63   /* service / protocol labels */
#define NET_MAX_ITEMS	  4096 /* bound on every list in a network */
#define NET_GROUP_MAX	  32   /* Linux group names */
#define NET_ZONE_MAX	  17   /* firewalld zone names */
#define NET_PATH_MAX	  255  /* <tftp root> */
#define NET_BOOTFILE_MAX  127  /* the DHCP 'file' field is 128 bytes */

/* The widest subnet an <ip> may have. The bridge's address makes the kernel
 * route the whole subnet to the bridge, and the firewall forwards and
 * masquerades exactly that subnet: an IPv6 /3 would take 2000::/3, every
 * global unicast address, from the host's uplink. IPv4 /8 is the widest
 * that libvirt's classful default gives (10.0.0.1 without a prefix); IPv6
 * /48 is one site (RFC 6177) and the whole of a ULA global ID (RFC 4193).
 * DHCPv6 ranges need exactly /64 (model_validate.c). */
#define NET_PREFIX4_MIN 8
#define NET_PREFIX6_MIN 48

/* netd's own extensions live in this XML namespace, so that libvirt-only
 * tools see foreign elements rather than misread libvirt ones. */
#define NETD_XML_NS "urn:netd:network:1"

enum net_fwd_mode {
	NET_FWD_ISOLATED = 0, /* no <forward> element */
	NET_FWD_NAT,
	NET_FWD_ROUTE,
	NET_FWD_OPEN,
	/* <forward mode='bridge'/><bridge name='B'/>: B is the host's own
	 * Linux bridge (a LAN); netd creates nothing, runs no dnsmasq and no
	 * firewall for it, and only manages its bridge.conf entry. */
	NET_FWD_BRIDGE,
};

/* Tri-state for yes/no attributes whose absence means something. */
enum net_tristate {
	NET_UNSET = 0,
	NET_YES,
	NET_NO,
};

struct net_addr {
	int family; /* AF_INET, AF_INET6, or 0 when absent */
	union {
		uint8_t b[16];
		uint32_t v4; /* network byte order */
	} u;
};

/* Lease time of a range or host, in seconds. */
struct net_lease {
	bool set;
	bool infinite;
	uint64_t seconds;
	char unit[8];	 /* as written: "seconds", "minutes", "hours"; for dumpxml */
	uint64_t expiry; /* as written, in 'unit' */
};

struct net_dhcp_range {
	struct net_addr start, end;
	struct net_lease lease;
	int line;
};

struct net_dhcp_host {
	char mac[18];		   /* lower-case aa:bb:cc:dd:ee:ff, or "" */
	char id[NET_DUID_MAX + 1]; /* IPv6 DUID, or "" */
	char name[NET_DNSNAME_MAX + 1];
	struct net_addr ip;
	struct net_lease lease;
	int line;
};

struct net_ip {
	struct net_addr addr;
	unsigned prefix;
	/* How the prefix was written, so dumpxml keeps the form; NONE means the
	 * classful default for IPv4 and /64 for IPv6, as libvirt does. */
	enum net_pfx_form { NET_PFX_NONE, NET_PFX_PREFIX, NET_PFX_NETMASK } prefix_form;
	bool family_given; /* family='...' was written */
	enum net_tristate local_ptr;
	bool has_dhcp; /* a <dhcp> element is present */
	struct net_dhcp_range *ranges;
	size_t n_ranges;
	struct net_dhcp_host *hosts;
	size_t n_hosts;
	/* <tftp root='DIR'/> (IPv4 only): dnsmasq serves DIR over TFTP on
	 * the bridge; "" when absent. An absolute path of the grammar
	 * net_path_ok(). */
	char tftp_root[NET_PATH_MAX + 1];
	int tftp_line;
	/* <dhcp><bootp file='F' server='S'/> (IPv4 only): the boot file
	 * offered to DHCP clients ("" when absent), and the TFTP server to
	 * fetch it from when it is not this host (family 0). */
	char bootp_file[NET_BOOTFILE_MAX + 1];
	struct net_addr bootp_server;
	int bootp_line;
	int line;
};

/* <route address='A' prefix='P' gateway='G' metric='M'/>: a static route
 * on the bridge, to a subnet behind a guest (a router VM). */
struct net_route {
	struct net_addr addr; /* the destination, host bits clear */
	unsigned prefix;
	enum net_pfx_form prefix_form;
	bool family_given;
	struct net_addr gateway; /* inside one of the network's subnets */
	unsigned metric;	 /* 0 when absent: libvirt then uses 1 */
	int line;
};
/* The metric of a route as the kernel gets it (libvirt's default is 1). */
static inline unsigned net_route_metric(const struct net_route *r)
{
	return r->metric ? r->metric : 1;
}

struct net_dns_host {
	struct net_addr ip;
	char (*names)[NET_DNSNAME_MAX + 1];
	size_t n_names;
	int line;
};

struct net_dns_srv {
	char service[NET_SRV_LABEL_MAX + 1];
	char protocol[NET_SRV_LABEL_MAX + 1];
	char domain[NET_DNSNAME_MAX + 1]; /* "" when absent */
	char target[NET_DNSNAME_MAX + 1]; /* "" when absent */
	/* -1 when absent */
	int port, priority, weight;
	int line;
};

struct net_dns_txt {
	char name[NET_DNSNAME_MAX + 1];
	char value[NET_TXT_MAX + 1];
	int line;
};

struct net_dns_fwd {
	struct net_addr addr;		  /* family 0 when absent */
	unsigned port;			  /* 0 when absent (53) */
	char domain[NET_DNSNAME_MAX + 1]; /* "" when absent */
	int line;
};

struct net_dns {
	enum net_tristate enable;
	enum net_tristate forward_plain_names;
	struct net_dns_fwd *fwds;
	size_t n_fwds;
	struct net_dns_host *hosts;
	size_t n_hosts;
	struct net_dns_srv *srvs;
	size_t n_srvs;
	struct net_dns_txt *txts;
	size_t n_txts;
	int line;
};

/* One <dnsmasq:option value='...'/>, at most this many bytes. */
#define NET_DNSMASQ_OPT_MAX 1024
struct net_dnsmasq_opt {
	char value[NET_DNSMASQ_OPT_MAX + 1];
	int line;
};

/* libvirt's namespace for <dnsmasq:options>. */
#define NET_DNSMASQ_XML_NS "http://libvirt.org/schemas/network/dnsmasq/1.0"
/* One direction of <bandwidth>, in libvirt's units: average and peak in
 * kilobytes (1000 bytes) per second, burst in kibibytes (1024 bytes), as
 * libvirt hands them to tc ("kbps", "kb"). 0 = not written. */
struct net_bw_rate {
	bool set; /* the element is present */
	uint64_t average, peak, burst;
	int line;
};

/* Bounds of <bandwidth> values. 10,000,000 kB/s (80 Gbit/s) keeps
 * nftables' limit (rate + burst, in bytes, times 10^9 ns) inside 64 bits;
 * a burst of 4,194,303 KiB is the largest that fits the kernel's 32-bit
 * byte counts (nft limit burst, HTB's buffer). */
#define NET_BW_RATE_MAX	 10000000ULL
#define NET_BW_BURST_MAX 4194303ULL
/* HTB keeps a class's burst as the time it takes at 'average', in 32-bit
 * scheduler ticks (about 274 s at 64 ns a tick): netd allows 60 s. */
#define NET_BW_BURST_SECONDS 60

struct net {
	char name[NET_NAME_MAX + 1];
	int name_line;
	uint8_t uuid[16];
	bool has_uuid;

	/* <network ipv6='yes'>: the bridge keeps IPv6 (link-local) without an
	 * IPv6 <ip>, as libvirt's flag does; by default (and 'no') the bridge
	 * has IPv6 disabled unless the network has an IPv6 address. */
	enum net_tristate ipv6_link;

	bool has_forward; /* a <forward> element is present */
	enum net_fwd_mode fwd_mode;
	char fwd_dev[NET_IFNAME_MAX + 1];      /* "" when absent */
	struct net_addr nat_start, nat_end;    /* family 0 when absent */
	unsigned nat_port_start, nat_port_end; /* 0 when absent */
	enum net_tristate nat_ipv6;
	int fwd_line;

	char bridge[NET_IFNAME_MAX + 1]; /* "" until defaults are filled */
	enum net_tristate stp;
	unsigned delay;
	bool has_delay;
	/* <bridge zone='Z'>: the firewalld zone the bridge goes in; "" =
	 * netd's own zone (firewall/fw_firewalld.h) */
	char zone[NET_ZONE_MAX + 1];
	int bridge_line;

	uint8_t mac[6];
	bool has_mac;
	int mac_line;

	unsigned mtu; /* 0 when absent */
	int mtu_line;

	char domain[NET_DNSNAME_MAX + 1]; /* "" when absent */
	enum net_tristate domain_local_only;
	/* <domain register='yes'/> (libvirt 10.1): the bridge's DNS server
	 * and the domain go to systemd-resolved (netd/resolved.h) */
	enum net_tristate domain_register;
	int domain_line;

	struct net_dns dns;

	struct net_ip *ips;
	size_t n_ips;

	/* <route>s, in document order */
	struct net_route *routes;
	size_t n_routes;

	/* <netd:access group='G'/>: only members of G may attach session
	 * VMs (a per-network ACL file only G can read); "" = every user */
	char access_group[NET_GROUP_MAX + 1];
	int access_line;

	/* <netd:owner uid='N'/>: a user's own network (netd user create, or an
	 * admin's gift): only that user may attach session VMs (a per-network
	 * ACL file only that user can read), destroy it or read its leases
	 * through the delegation service. owner_line 0 = no owner. */
	uint32_t owner_uid;
	int owner_line;

	char file[256]; /* where it came from, for messages */

	/* <dnsmasq:options>: libvirt's raw dnsmasq directives, "NAME" or
	 * "NAME=VALUE", as written. validate takes only those on netd's
	 * allowlist whose value passes that option's grammar
	 * (dhcp_option_why(), dhcp/dhcp_opts.c). */
	struct net_dnsmasq_opt *dnsmasq_opts;
	size_t n_dnsmasq_opts;
	int dnsmasq_line; /* of <dnsmasq:options>; 0 when absent */
	/* <bandwidth><inbound/><outbound/></bandwidth>: the whole network's
	 * QoS (netd/bandwidth.h). inbound = towards the guests, shaped on the
	 * bridge's egress (HTB); outbound = from the guests, limited on the
	 * bridge's ingress (nftables). */
	struct net_bw_rate bw_in, bw_out;
	int bw_line; /* 0 when there is no <bandwidth> */
};

/* Whether the network shapes any traffic (a <bandwidth> with a child). */
static inline bool net_has_bandwidth(const struct net *n)
{
	return n->bw_in.set || n->bw_out.set;
}

/* A network on the host's own bridge (NET_FWD_BRIDGE). */
static inline bool net_is_host_bridge(const struct net *n)
{
	return n->fwd_mode == NET_FWD_BRIDGE;
}

/* Parse. 'file' names the source in messages. Returns 0 or -errno; on error
 * 'e' holds "file:line: what". The result still needs net_validate(). */
int net_parse_file(const char *path, struct net *n, struct nerr *e);
int net_parse_memory(const char *buf, size_t len, const char *file, struct net *n, struct nerr *e);

/* One element as virsh net-update takes it: <host> of <dhcp> (in
 * n->ips[0]), <range> (n->ips[0]), <host>, <srv> or <txt> of <dns> (in
 * n->dns). Structural checks only, as net_parse_memory(). */
enum net_snippet {
	NET_SNIP_DHCP_HOST,
	NET_SNIP_DHCP_RANGE,
	NET_SNIP_DNS_HOST,
	NET_SNIP_DNS_SRV,
	NET_SNIP_DNS_TXT,
};
int net_parse_snippet(const char *buf, size_t len, const char *file, enum net_snippet kind,
		      struct net *n, struct nerr *e);

/* Semantic checks that need the whole model; reports the first problem. */
int net_validate(const struct net *n, struct nerr *e);

/* Fill in what libvirt fills in: uuid, bridge name (virbrN not in 'used'),
 * stp, delay, mac, nat port range. 'used' is a NULL-terminated list of bridge
 * names taken by other networks (may be NULL). */
int net_fill_defaults(struct net *n, const char *const *used, struct nerr *e);

/* The whole pipeline for input from a user: parse, validate. */
int net_load_file(const char *path, struct net *n, struct nerr *e);

/* Write the network back as libvirt XML. */
int net_format(const struct net *n, FILE *out);
char *net_format_string(const struct net *n); /* malloc'ed, NULL on ENOMEM */

void net_free(struct net *n);
static inline void net_freep(struct net *n)
{
	net_free(n);
}
#define _cleanup_net_ __attribute__((cleanup(net_freep)))

/* Helpers on the model shared by the renderers. */
const char *net_fwd_mode_str(enum net_fwd_mode m);
int net_addr_str(const struct net_addr *a, char *buf, size_t len);
int net_addr_parse(const char *s, struct net_addr *a);
int net_parse_mac(const char *s, uint8_t mac[6]);
bool net_addr_in_subnet(const struct net_addr *a, const struct net_addr *net, unsigned prefix);
/* NET_PREFIX6_MIN for AF_INET6, else NET_PREFIX4_MIN. */
unsigned net_prefix_min(int family);
/* Bytes of an address of that family: 16 for AF_INET6, else 4. */
size_t net_addr_len(int family);
/* The network address of addr/prefix (host bits cleared). */
void net_addr_mask(const struct net_addr *a, unsigned prefix, struct net_addr *out);
/* Number of addresses from start to end inclusive, saturated at UINT64_MAX. */
uint64_t net_addr_span(const struct net_addr *start, const struct net_addr *end);
int net_addr_cmp(const struct net_addr *a, const struct net_addr *b);
void net_uuid_str(const uint8_t uuid[16], char buf[37]);
void net_mac_str(const uint8_t mac[6], char buf[18]);
/* The first ip element of a family that carries <dhcp>, or NULL. */
const struct net_ip *net_dhcp_ip(const struct net *n, int family);
bool net_has_family(const struct net *n, int family);
/* Whether the subnets of two ip elements share any address. */
bool net_ips_overlap(const struct net_ip *a, const struct net_ip *b);
/* Whether subnets a/pa and b/pb share any address. */
bool net_subnets_overlap(const struct net_addr *a, unsigned pa, const struct net_addr *b,
			 unsigned pb);

/* The grammars of validate, for other modules that take names. */
bool net_name_ok(const char *s);   /* network names */
bool net_ifname_ok(const char *s); /* bridge and device names */
bool net_dnsname_ok(const char *s);
bool net_label_ok(const char *s, size_t len);
bool net_zone_ok(const char *s); /* firewalld zone names */
/* <tftp root> and <bootp file>: printable ASCII without white space,
 * quotes, '#', '\\' or ',' (dnsmasq's separators and comments). */
bool net_path_ok(const char *s);
/* The <ip> that has <tftp root>, or NULL. */
const struct net_ip *net_tftp_ip(const struct net *n);

#endif
