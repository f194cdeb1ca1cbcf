/* Semantic validation of a parsed network: every value that will reach a
 * config line, an nft script, a netlink name or a path passes a strict
 * grammar here, and the addresses must make sense together. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "dhcp.h"
#include "model.h"

static int verr(const struct net *n, struct nerr *e, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int verr(const struct net *n, struct nerr *e, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return nerr_set(e, -EINVAL, "%s:%d: %s", n->file[0] ? n->file : "<input>", line, msg);
}

bool net_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > NET_NAME_MAX || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!nd_is_alnum(*s) && !strchr("-_.", *s))
			return false;
	return true;
}

/* Linux accepts more, but these names reach nft scripts, dnsmasq's
 * interface= and qemu's bridge.conf: keep them to a grammar all three read
 * the same way. */
bool net_ifname_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > NET_IFNAME_MAX || s[0] == '-' || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!nd_is_alnum(*s) && !strchr("-_.", *s))
			return false;
	return true;
}

bool net_label_ok(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!nd_is_alnum(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

bool net_dnsname_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > NET_DNSNAME_MAX)
		return false;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		if (!net_label_ok(s, l))
			return false;
		s += l;
		if (*s == '.')
			s++;
		if (dot && !*s)
			return false; /* trailing dot */
	}
	return true;
}

/* A DHCPv6 client id as libvirt writes it: hex bytes separated by ':'. */
static bool duid_ok(const char *s)
{
	size_t digits = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s == ':') {
			if (digits == 0)
				return false;
			digits = 0;
		} else if (strchr("0123456789abcdefABCDEF", *s) && ++digits <= 2) {
			continue;
		} else {
			return false;
		}
	}
	return digits > 0;
}

/* The characters a TXT value may hold: printable ASCII except those that
 * end a field or start a comment in dnsmasq's config. */
static int txt_bad_char(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || strchr(",\"\\#", *s))
			return (unsigned char)*s;
	return 0;
}

/* useradd's rule for portable names (no trailing '$' machine accounts). */
static bool group_ok(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z') && *s != '_')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return false;
	return true;
}

/* firewalld takes letters, digits, '_', '-' and '/' in a zone's name and at
 * most 17 bytes (its chain names are built from it); netd also refuses '/'
 * (the name is a file name in firewalld's zone directories) and a leading
 * '-'. */
bool net_zone_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > NET_ZONE_MAX || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!nd_is_alnum(*s) && !strchr("-_", *s))
			return false;
	return true;
}

static int validate_names(const struct net *n, struct nerr *e)
{
	if (!net_name_ok(n->name))
		return verr(n, e, n->name_line,
			    "network name '%s' is not a plain identifier (letters, digits, '-', "
			    "'_', '.', not starting with '.', at most %d bytes)",
			    n->name, NET_NAME_MAX);
	if (n->bridge[0] && !net_ifname_ok(n->bridge))
		return verr(n, e, n->bridge_line,
			    "bridge name '%s' is not a valid interface name (letters, digits, "
			    "'-', '_', '.', at most %d bytes)",
			    n->bridge, NET_IFNAME_MAX);
	if (n->zone[0] && !net_zone_ok(n->zone))
		return verr(n, e, n->bridge_line,
			    "bridge zone '%s' is not a firewalld zone name (letters, digits, "
			    "'-', '_', not starting with '-', at most %d bytes)",
			    n->zone, NET_ZONE_MAX);
	if (n->fwd_dev[0] && !net_ifname_ok(n->fwd_dev))
		return verr(n, e, n->fwd_line, "forward dev '%s' is not a valid interface name",
			    n->fwd_dev);
	if (n->access_group[0] && !group_ok(n->access_group))
		return verr(n, e, n->access_line,
			    "access group '%s' is not a group name (lower-case letters, "
			    "digits, '_', '-', starting with a letter or '_')",
			    n->access_group);
	if (n->owner_line && n->owner_uid == 0)
		return verr(
			n, e, n->owner_line,
			"owner uid 0: root needs no network of its own (leave <netd:owner> out)");
	if (n->owner_line && n->access_group[0])
		return verr(
			n, e, n->owner_line,
			"<netd:owner> and <netd:access group='%s'>: a user's network is for its "
			"owner alone; give one of them",
			n->access_group);
	if (n->owner_line && net_is_host_bridge(n))
		return verr(n, e, n->owner_line,
			    "<netd:owner>: a network on a host bridge cannot belong to a user");
	if (n->domain[0] && !net_dnsname_ok(n->domain))
		return verr(n, e, n->domain_line, "domain name '%s' is not a valid DNS name",
			    n->domain);
	/* As libvirt: the host's resolver sends the domain to the network's
	 * dnsmasq, whose upstream may be that same resolver; only a domain
	 * dnsmasq answers itself cannot loop. */
	if (n->domain_register == NET_YES && n->domain_local_only != NET_YES)
		return verr(n, e, n->domain_line,
			    "<domain register='yes'> needs localOnly='yes' (else a query for an "
			    "unknown name in %s would loop between systemd-resolved and the "
			    "network's dnsmasq)",
			    n->domain);
	if (n->domain_register == NET_YES && (n->dns.enable == NET_NO || n->n_ips == 0))
		return verr(n, e, n->domain_line,
			    "<domain register='yes'> needs the network's DNS server (an <ip>, and "
			    "<dns> not disabled): it is what systemd-resolved is told to ask");
	return 0;
}

static int validate_bridge(const struct net *n, struct nerr *e)
{
	if (n->has_delay && n->delay > 30)
		return verr(n, e, n->bridge_line,
			    "bridge delay %u is out of range (0 to 30 seconds)", n->delay);
	if (n->has_mac && (n->mac[0] & 1))
		return verr(n, e, n->mac_line, "mac address is a multicast address");
	if (n->mtu && (n->mtu < 68 || n->mtu > 65535))
		return verr(n, e, n->mtu_line, "mtu %u is out of range (68 to 65535)", n->mtu);
	return 0;
}

/* libvirt's rules for a host bridge network: the bridge is the host's,
 * on the host's LAN, so everything netd would set up on a bridge of its own
 * (addresses, DHCP, DNS, a MAC, STP) is refused rather than ignored. */
static int validate_host_bridge(const struct net *n, struct nerr *e)
{
	static const char why[] = "in a network with forward mode='bridge': the bridge is the "
				  "host's, netd changes nothing on it";

	if (!net_is_host_bridge(n))
		return 0;
	if (!n->bridge[0])
		return verr(n, e, n->fwd_line,
			    "<forward mode='bridge'> needs <bridge name='...'>: the host's Linux "
			    "bridge that guests join (netd creates none in this mode)");
	if (n->fwd_dev[0])
		return verr(n, e, n->fwd_line,
			    "<forward mode='bridge' dev='%s'>: netd joins the Linux bridge named "
			    "by <bridge name>; guests directly on a device (macvtap) are not "
			    "supported",
			    n->fwd_dev);
	if (n->n_ips)
		return verr(n, e, n->ips[0].line,
			    "<ip> %s (guests get their addresses from the LAN's own DHCP "
			    "server)",
			    why);
	if (n->dns.line)
		return verr(n, e, n->dns.line, "<dns> %s (no dnsmasq runs for it)", why);
	if (n->n_routes)
		return verr(n, e, n->routes[0].line,
			    "<route> %s (the LAN's routers route for its guests)", why);
	if (n->domain[0])
		return verr(n, e, n->domain_line, "<domain> %s (no dnsmasq runs for it)", why);
	if (n->has_mac)
		return verr(n, e, n->mac_line, "<mac> %s", why);
	if (n->mtu)
		return verr(n, e, n->mtu_line, "<mtu> %s", why);
	if (n->stp != NET_UNSET || n->has_delay)
		return verr(n, e, n->bridge_line, "<bridge stp/delay> %s", why);
	if (n->zone[0])
		return verr(n, e, n->bridge_line,
			    "<bridge zone='%s'> %s (its firewalld zone is the administrator's)",
			    n->zone, why);
	return 0;
}

static int validate_forward(const struct net *n, struct nerr *e)
{
	if (n->nat_start.family) {
		if (n->nat_start.family != AF_INET || n->nat_end.family != AF_INET)
			return verr(n, e, n->fwd_line, "<nat><address>: must be IPv4 addresses");
		if (net_addr_cmp(&n->nat_start, &n->nat_end) > 0)
			return verr(n, e, n->fwd_line,
				    "<nat><address>: start is after end (reversed range)");
	}
	if (n->nat_port_start > n->nat_port_end)
		return verr(n, e, n->fwd_line, "<nat><port>: start %u is after end %u",
			    n->nat_port_start, n->nat_port_end);
	/* As in libvirt, nat with only IPv6 addresses routes IPv6: legal. */
	if (n->fwd_mode == NET_FWD_NAT && n->n_ips == 0)
		return verr(n, e, n->fwd_line, "forward mode nat needs an <ip>");
	if (n->nat_ipv6 == NET_YES && !net_has_family(n, AF_INET6))
		return verr(n, e, n->fwd_line, "<nat ipv6='yes'/> needs an IPv6 <ip>");
	if (n->fwd_mode == NET_FWD_ROUTE && n->n_ips == 0)
		return verr(n, e, n->fwd_line, "forward mode route needs an <ip>");
	return 0;
}

static const char *fam(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* The network and broadcast addresses of a subnet; IPv4 /31 and /32 have
 * neither. IPv6 has no broadcast, but its all-zero interface identifier is
 * the Subnet-Router anycast address (RFC 4291 2.6.1), no host's to take:
 * it counts as the network address below /127. */
static bool is_net_or_bcast(const struct net_addr *a, const struct net_ip *ip)
{
	struct net_addr base, bcast;
	size_t len = a->family == AF_INET ? 4 : 16;

	if (a->family == AF_INET6 && ip->prefix < 127) {
		net_addr_mask(&ip->addr, ip->prefix, &base);
		return net_addr_cmp(a, &base) == 0;
	}
	if (a->family != AF_INET || ip->prefix >= 31)
		return false;
	net_addr_mask(&ip->addr, ip->prefix, &base);
	bcast = base;
	for (size_t i = 0; i < len; i++) {
		unsigned bits = ip->prefix > i * 8 ? ip->prefix - (unsigned)i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		bcast.u.b[i] |= (uint8_t)~m;
	}
	return net_addr_cmp(a, &base) == 0 || net_addr_cmp(a, &bcast) == 0;
}

/* What is_net_or_bcast() refuses, in words. */
static const char *net_or_bcast_name(const struct net_ip *ip)
{
	return ip->addr.family == AF_INET6 ? "Subnet-Router anycast address (all-zero host part)"
					   : "network or broadcast address";
}

static int validate_lease(const struct net *n, struct nerr *e, int line, const struct net_lease *l)
{
	if (l->set && !l->infinite && l->seconds < 120)
		return verr(n, e, line, "lease time %llu seconds is below the minimum of 2 minutes",
			    (unsigned long long)l->seconds);
	if (l->set && l->seconds > INT32_MAX)
		return verr(n, e, line,
			    "lease time %llu seconds is too long (at most %d; use expiry='0' "
			    "for infinite)",
			    (unsigned long long)l->seconds, INT32_MAX);
	return 0;
}

static int validate_range(const struct net *n, struct nerr *e, const struct net_ip *ip,
			  const struct net_dhcp_range *rg)
{
	char s[64], t[64];
	int r;

	net_addr_str(&rg->start, s, sizeof s);
	net_addr_str(&rg->end, t, sizeof t);
	if (rg->start.family != ip->addr.family || rg->end.family != ip->addr.family)
		return verr(n, e, rg->line, "dhcp range %s-%s is not %s like its <ip>", s, t,
			    fam(ip->addr.family));
	if (!net_addr_in_subnet(&rg->start, &ip->addr, ip->prefix) ||
	    !net_addr_in_subnet(&rg->end, &ip->addr, ip->prefix))
		return verr(n, e, rg->line, "dhcp range %s-%s is outside the subnet of its <ip>", s,
			    t);
	if (net_addr_cmp(&rg->start, &rg->end) > 0)
		return verr(n, e, rg->line, "dhcp range %s-%s is reversed (start after end)", s, t);
	if (is_net_or_bcast(&rg->start, ip) || is_net_or_bcast(&rg->end, ip))
		return verr(n, e, rg->line, "dhcp range %s-%s includes the %s", s, t,
			    net_or_bcast_name(ip));
	if ((r = validate_lease(n, e, rg->line, &rg->lease)) < 0)
		return r;
	return 0;
}

static int validate_dhcp_host(const struct net *n, struct nerr *e, const struct net_ip *ip,
			      const struct net_dhcp_host *h)
{
	char a[64] = "", why[DHCP_WHY_MAX];
	const char *bad;
	int r;

	/* The dnsmasq module owns the grammar: it is dnsmasq's reading of a
	 * dhcp-host line that decides what a name may be. */
	if (h->name[0] && (bad = dhcp_hostname_why(h->name, why)))
		return verr(n, e, h->line, "dhcp host name '%s' is not a valid host name: it %s",
			    h->name, bad);
	if (!h->ip.family)
		return verr(n, e, h->line, "dhcp host needs an ip");
	net_addr_str(&h->ip, a, sizeof a);
	if (h->ip.family != ip->addr.family)
		return verr(n, e, h->line, "dhcp host ip %s is not %s like its <ip>", a,
			    fam(ip->addr.family));
	if (!net_addr_in_subnet(&h->ip, &ip->addr, ip->prefix))
		return verr(n, e, h->line, "dhcp host ip %s is outside the subnet of its <ip>", a);
	if (is_net_or_bcast(&h->ip, ip) || net_addr_cmp(&h->ip, &ip->addr) == 0)
		return verr(n, e, h->line,
			    "dhcp host ip %s is the network, broadcast or gateway address", a);
	if (ip->addr.family == AF_INET) {
		if (h->id[0])
			return verr(n, e, h->line, "dhcp host id is only for IPv6 hosts");
		if (!h->mac[0] && !h->name[0])
			return verr(n, e, h->line, "IPv4 dhcp host needs mac or name");
	} else {
		if (h->mac[0])
			return verr(n, e, h->line,
				    "IPv6 dhcp host takes id or name, not mac (DHCPv6 "
				    "identifies clients by DUID)");
		if (!h->id[0] && !h->name[0])
			return verr(n, e, h->line, "IPv6 dhcp host needs id or name");
		if (h->id[0] && !duid_ok(h->id))
			return verr(n, e, h->line,
				    "dhcp host id '%s' is not a DUID (hex bytes "
				    "separated by ':')",
				    h->id);
	}
	if ((r = validate_lease(n, e, h->line, &h->lease)) < 0)
		return r;
	return 0;
}

/* Duplicates across every static host of the network. */
static int validate_host_dups(const struct net *n, struct nerr *e)
{
	for (size_t i = 0; i < n->n_ips; i++) {
		const struct net_ip *ip = &n->ips[i];

		for (size_t j = 0; j < ip->n_hosts; j++) {
			const struct net_dhcp_host *h = &ip->hosts[j];

			for (size_t k = 0; k < j; k++) {
				const struct net_dhcp_host *o = &ip->hosts[k];
				char a[64];

				if (h->mac[0] && strcmp(h->mac, o->mac) == 0)
					return verr(n, e, h->line,
						    "dhcp host mac %s is already used on line %d",
						    h->mac, o->line);
				if (h->id[0] && strcmp(h->id, o->id) == 0)
					return verr(n, e, h->line,
						    "dhcp host id %s is already used on line %d",
						    h->id, o->line);
				if (net_addr_cmp(&h->ip, &o->ip) == 0) {
					net_addr_str(&h->ip, a, sizeof a);
					return verr(n, e, h->line,
						    "dhcp host ip %s is already used on line %d", a,
						    o->line);
				}
			}
		}
	}
	return 0;
}

static int validate_ip(const struct net *n, struct nerr *e, size_t idx)
{
	const struct net_ip *ip = &n->ips[idx];
	char a[64];
	int r;

	net_addr_str(&ip->addr, a, sizeof a);
	if (is_net_or_bcast(&ip->addr, ip))
		return verr(
			n, e, ip->line,
			"address %s/%u is the %s of its subnet; the bridge needs a host address", a,
			ip->prefix, net_or_bcast_name(ip));
	if (ip->prefix < net_prefix_min(ip->addr.family))
		return verr(n, e, ip->line,
			    "address %s/%u is too wide: netd takes %s subnets of /%u or longer "
			    "(the whole subnet is routed to the bridge, forwarded and masqueraded)",
			    a, ip->prefix, fam(ip->addr.family), net_prefix_min(ip->addr.family));
	for (size_t j = 0; j < idx; j++) {
		const struct net_ip *o = &n->ips[j];

		if (net_ips_overlap(ip, o))
			return verr(n, e, ip->line, "address %s/%u overlaps the <ip> on line %d", a,
				    ip->prefix, o->line);
	}
	if (ip->has_dhcp && ip->n_ranges == 0 && ip->n_hosts == 0)
		return verr(n, e, ip->line, "<dhcp> has neither a range nor a host");
	if (ip->has_dhcp && ip->addr.family == AF_INET6 && ip->prefix != 64 && ip->n_ranges)
		return verr(n, e, ip->line,
			    "DHCPv6 ranges need a /64 prefix (router advertisements announce a "
			    "/64), not /%u",
			    ip->prefix);
	if (ip->local_ptr == NET_YES && ip->addr.family == AF_INET && ip->prefix % 8 != 0)
		return verr(n, e, ip->line, "localPtr needs a prefix that is a multiple of 8");
	if (ip->local_ptr == NET_YES && ip->addr.family == AF_INET6 && ip->prefix % 4 != 0)
		return verr(n, e, ip->line, "localPtr needs a prefix that is a multiple of 4");
	for (size_t k = 0; k < ip->n_ranges; k++)
		if ((r = validate_range(n, e, ip, &ip->ranges[k])) < 0)
			return r;
	for (size_t k = 0; k < ip->n_hosts; k++)
		if ((r = validate_dhcp_host(n, e, ip, &ip->hosts[k])) < 0)
			return r;
	return 0;
}

bool net_path_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch <= ' ' || ch >= 0x7f || strchr("\"'#\\,", ch))
			return false;
	}
	return true;
}

/* A path whose every component is a name: no "//", ".", "..", and no '/'
 * at the end, so that what is checked is what dnsmasq opens. */
static bool path_normal(const char *s)
{
	if (s[0] != '/' || !s[1] || s[strlen(s) - 1] == '/' || strstr(s, "//"))
		return false;
	for (const char *p = s; (p = strchr(p, '/')); p++)
		if (strncmp(p, "/./", 3) == 0 || strncmp(p, "/../", 4) == 0 ||
		    strcmp(p, "/.") == 0 || strcmp(p, "/..") == 0)
			return false;
	return true;
}

static bool path_under(const char *s, const char *dir)
{
	size_t len = strlen(dir);

	return strncmp(s, dir, len) == 0 && (s[len] == '\0' || s[len] == '/');
}

static int validate_tftp(const struct net *n, struct nerr *e, const struct net_ip *ip)
{
	static const char *const kernel_fs[] = { "/proc", "/sys", "/dev" };
	const char *root = ip->tftp_root;

	if (!root[0])
		return 0;
	if (ip->addr.family != AF_INET)
		return verr(n, e, ip->tftp_line,
			    "<tftp> in an IPv6 <ip>: network boot over TFTP is IPv4's (put it in "
			    "the IPv4 <ip>)");
	if (!net_path_ok(root) || !path_normal(root))
		return verr(n, e, ip->tftp_line,
			    "<tftp root='%s'>: must be an absolute path without '.', '..', '//' "
			    "or a '/' at the end, of printable characters without spaces, "
			    "quotes, '#', '\\' or ','",
			    root);
	for (size_t i = 0; i < ARRAY_SIZE(kernel_fs); i++)
		if (path_under(root, kernel_fs[i]))
			return verr(n, e, ip->tftp_line,
				    "<tftp root='%s'>: %s is a kernel file system, not a boot "
				    "directory",
				    root, kernel_fs[i]);
	for (const struct net_ip *o = n->ips; o < ip; o++)
		if (o->tftp_root[0])
			return verr(n, e, ip->tftp_line,
				    "<tftp>: the <ip> on line %d already has one (dnsmasq serves "
				    "one TFTP root per network)",
				    o->line);
	return 0;
}

static int validate_bootp(const struct net *n, struct nerr *e, const struct net_ip *ip)
{
	const struct net_addr *srv = &ip->bootp_server;
	char a[INET6_ADDRSTRLEN];
	uint8_t b0 = srv->u.b[0];

	if (!ip->bootp_file[0])
		return 0;
	if (ip->addr.family != AF_INET)
		return verr(n, e, ip->bootp_line,
			    "<bootp> in the <dhcp> of an IPv6 <ip>: it sets DHCPv4's boot file "
			    "(put it in the IPv4 <dhcp>)");
	if (!net_path_ok(ip->bootp_file))
		return verr(n, e, ip->bootp_line,
			    "<bootp file='%s'>: must be printable characters without spaces, "
			    "quotes, '#', '\\' or ','",
			    ip->bootp_file);
	if (!srv->family)
		return 0;
	net_addr_str(srv, a, sizeof a);
	if (srv->family != AF_INET)
		return verr(n, e, ip->bootp_line, "<bootp server='%s'>: must be an IPv4 address",
			    a);
	if (srv->u.v4 == 0 || srv->u.v4 == 0xffffffffu || (b0 & 0xf0) == 0xe0 || b0 == 127)
		return verr(n, e, ip->bootp_line,
			    "<bootp server='%s'>: not the unicast address of a TFTP server", a);
	if (ip->tftp_root[0] && net_addr_cmp(srv, &ip->addr) != 0) {
		char own[INET6_ADDRSTRLEN];

		net_addr_str(&ip->addr, own, sizeof own);
		return verr(n, e, ip->bootp_line,
			    "<bootp server='%s'> sends clients to another host for the boot file, "
			    "but this <ip> also has <tftp root>: give one or the other (or the "
			    "bridge's own address %s as the server)",
			    a, own);
	}
	return 0;
}

static int validate_route(const struct net *n, struct nerr *e, size_t idx)
{
	const struct net_route *rt = &n->routes[idx];
	const struct net_ip *via = NULL;
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct net_addr base;

	net_addr_str(&rt->addr, a, sizeof a);
	net_addr_str(&rt->gateway, g, sizeof g);
	if (rt->gateway.family != rt->addr.family)
		return verr(n, e, rt->line,
			    "<route address='%s' gateway='%s'>: not of the same address family", a,
			    g);
	net_addr_mask(&rt->addr, rt->prefix, &base);
	if (net_addr_cmp(&base, &rt->addr) != 0) {
		net_addr_str(&base, b, sizeof b);
		return verr(n, e, rt->line,
			    "<route address='%s' prefix='%u'>: has host bits set (the subnet is "
			    "%s/%u)",
			    a, rt->prefix, b, rt->prefix);
	}
	for (size_t i = 0; i < n->n_ips; i++) {
		const struct net_ip *ip = &n->ips[i];

		if (net_subnets_overlap(&rt->addr, rt->prefix, &ip->addr, ip->prefix))
			return verr(n, e, rt->line,
				    "<route> to %s/%u overlaps the network's own subnet (the <ip> "
				    "on line %d): the bridge reaches it without a gateway",
				    a, rt->prefix, ip->line);
		if (ip->addr.family == rt->gateway.family &&
		    net_addr_in_subnet(&rt->gateway, &ip->addr, ip->prefix) && !via)
			via = ip;
	}
	if (!via)
		return verr(n, e, rt->line,
			    "<route gateway='%s'>: not inside any of the network's subnets (the "
			    "gateway is a guest on the bridge)",
			    g);
	if (net_addr_cmp(&rt->gateway, &via->addr) == 0)
		return verr(n, e, rt->line,
			    "<route gateway='%s'>: is the bridge's own address; the gateway is a "
			    "guest on the bridge",
			    g);
	if (is_net_or_bcast(&rt->gateway, via))
		return verr(n, e, rt->line, "<route gateway='%s'>: is the %s of its subnet", g,
			    net_or_bcast_name(via));
	for (size_t j = 0; j < idx; j++) {
		const struct net_route *o = &n->routes[j];

		if (o->addr.family == rt->addr.family && o->prefix == rt->prefix &&
		    net_addr_cmp(&o->addr, &rt->addr) == 0 &&
		    net_route_metric(o) == net_route_metric(rt))
			return verr(n, e, rt->line,
				    "<route> to %s/%u with metric %u: the <route> on line %d "
				    "already has it",
				    a, rt->prefix, net_route_metric(rt), o->line);
	}
	return 0;
}

static int validate_routes(const struct net *n, struct nerr *e)
{
	int r;

	for (size_t i = 0; i < n->n_routes; i++)
		if ((r = validate_route(n, e, i)) < 0)
			return r;
	return 0;
}

static int validate_ips(const struct net *n, struct nerr *e)
{
	const struct net_ip *dhcp[2] = { NULL, NULL };
	int r;

	for (size_t i = 0; i < n->n_ips; i++) {
		const struct net_ip *ip = &n->ips[i];
		int f = ip->addr.family == AF_INET6;

		if ((r = validate_ip(n, e, i)) < 0 || (r = validate_tftp(n, e, ip)) < 0 ||
		    (r = validate_bootp(n, e, ip)) < 0)
			return r;
		if (!ip->has_dhcp)
			continue;
		if (dhcp[f])
			return verr(n, e, ip->line,
				    "only one %s <ip> may carry <dhcp>; the one on line %d already "
				    "does",
				    fam(ip->addr.family), dhcp[f]->line);
		dhcp[f] = ip;
	}
	return validate_host_dups(n, e);
}

static int validate_srv(const struct net *n, struct nerr *e, const struct net_dns_srv *s)
{
	if (!net_label_ok(s->service, strlen(s->service)) || strlen(s->service) > 15)
		return verr(n, e, s->line,
			    "srv service '%s' is not a valid service name (letters, digits, '-', "
			    "'_', at most 15)",
			    s->service);
	if (!net_label_ok(s->protocol, strlen(s->protocol)))
		return verr(n, e, s->line, "srv protocol '%s' is not a valid protocol label",
			    s->protocol);
	if (s->domain[0] && !net_dnsname_ok(s->domain))
		return verr(n, e, s->line, "srv domain '%s' is not a valid DNS name", s->domain);
	/* "." is RFC 2782's "no such service here" */
	if (s->target[0] && strcmp(s->target, ".") != 0 && !net_dnsname_ok(s->target))
		return verr(n, e, s->line, "srv target '%s' is not a valid DNS name", s->target);
	if (!s->target[0] && (s->port >= 0 || s->priority >= 0 || s->weight >= 0))
		return verr(n, e, s->line, "srv port, priority and weight need a target");
	return 0;
}

static int validate_dns(const struct net *n, struct nerr *e)
{
	const struct net_dns *d = &n->dns;
	int r;

	if (d->enable == NET_NO && (d->n_fwds || d->n_hosts || d->n_srvs || d->n_txts ||
				    d->forward_plain_names != NET_UNSET))
		return verr(n, e, d->line, "<dns enable='no'> cannot also define DNS records");
	for (size_t i = 0; i < d->n_fwds; i++)
		if (d->fwds[i].domain[0] && !net_dnsname_ok(d->fwds[i].domain))
			return verr(n, e, d->fwds[i].line,
				    "forwarder domain '%s' is not a valid DNS name",
				    d->fwds[i].domain);
	for (size_t i = 0; i < d->n_hosts; i++)
		for (size_t k = 0; k < d->hosts[i].n_names; k++)
			if (!net_dnsname_ok(d->hosts[i].names[k]))
				return verr(n, e, d->hosts[i].line,
					    "dns hostname '%s' is not a valid host name",
					    d->hosts[i].names[k]);
	for (size_t i = 0; i < d->n_srvs; i++)
		if ((r = validate_srv(n, e, &d->srvs[i])) < 0)
			return r;
	for (size_t i = 0; i < d->n_txts; i++) {
		size_t vl;
		int bad;

		if (!net_dnsname_ok(d->txts[i].name))
			return verr(n, e, d->txts[i].line, "txt name '%s' is not a valid DNS name",
				    d->txts[i].name);
		bad = txt_bad_char(d->txts[i].value);
		vl = strlen(d->txts[i].value);
		if (!bad && vl && (d->txts[i].value[0] == ' ' || d->txts[i].value[vl - 1] == ' '))
			return verr(n, e, d->txts[i].line,
				    "txt value starts or ends with a space, which dnsmasq would "
				    "drop");
		if (bad)
			return verr(n, e, d->txts[i].line,
				    "txt value contains character 0x%02x, which dnsmasq would "
				    "read as the end of the field",
				    bad);
	}
	return 0;
}

/* <dnsmasq:options>: each directive on the dnsmasq module's allowlist
 * with a value its grammar takes, and none competing with netd's own. */
static int validate_dnsmasq_opts(const struct net *n, struct nerr *e)
{
	char why[DHCP_OPT_WHY_MAX], shown[100];
	const char *bad;

	if (!n->dnsmasq_line)
		return 0;
	if (net_is_host_bridge(n))
		return verr(n, e, n->dnsmasq_line,
			    "<dnsmasq:options> in a network with forward mode='bridge': no "
			    "dnsmasq runs for it");
	if (n->n_dnsmasq_opts && !dhcp_needed(n))
		return verr(n, e, n->dnsmasq_line,
			    "<dnsmasq:options>: the network runs no dnsmasq (it needs an <ip>, "
			    "and DHCP or DNS)");
	for (size_t i = 0; i < n->n_dnsmasq_opts; i++) {
		const struct net_dnsmasq_opt *o = &n->dnsmasq_opts[i];

		if (nd_escape(shown, 80, o->value) >= 80)
			memcpy(shown + strlen(shown), "...", 4);
		if ((bad = dhcp_option_why(o->value, why)) ||
		    (bad = dhcp_option_conflict(n, o->value)))
			return verr(n, e, o->line, "<dnsmasq:option value='%s'>: %s", shown, bad);
		for (size_t k = 0; k < i; k++)
			if (strcmp(o->value, n->dnsmasq_opts[k].value) == 0)
				return verr(n, e, o->line,
					    "<dnsmasq:option value='%s'>: already given on line %d",
					    shown, n->dnsmasq_opts[k].line);
	}
	return 0;
}

/* libvirt's meaning: average is the rate, peak what the shaper may reach
 * above it, burst how much may go at peak; inbound's burst becomes HTB's
 * buffer, which the kernel keeps as time at 'average'. */
static int validate_bw_rate(const struct net *n, struct nerr *e, const struct net_bw_rate *rt,
			    const char *what)
{
	if (!rt->set)
		return 0;
	if (!rt->average)
		return verr(n, e, rt->line,
			    "<%s>: needs average, in kilobytes per second, from 1 to %llu (leave "
			    "<%s> out to shape nothing that way)",
			    what, NET_BW_RATE_MAX, what);
	if (rt->peak && rt->peak < rt->average)
		return verr(n, e, rt->line, "<%s>: peak %llu is below average %llu (kB/s)", what,
			    (unsigned long long)rt->peak, (unsigned long long)rt->average);
	if (rt->burst * 1024 > rt->average * 1000 * NET_BW_BURST_SECONDS)
		return verr(n, e, rt->line,
			    "<%s>: burst %llu KiB is more than %d seconds at average %llu kB/s",
			    what, (unsigned long long)rt->burst, NET_BW_BURST_SECONDS,
			    (unsigned long long)rt->average);
	return 0;
}

/* As libvirt: no <bandwidth> on the host's own bridge (netd does not own
 * its qdiscs, and its LAN traffic is not the network's). */
static int validate_bandwidth(const struct net *n, struct nerr *e)
{
	int r;

	if (net_has_bandwidth(n) && net_is_host_bridge(n))
		return verr(n, e, n->bw_line,
			    "<bandwidth> in a network with forward mode='bridge': the bridge is "
			    "the host's, netd shapes no traffic on it (libvirt refuses it too)");
	if ((r = validate_bw_rate(n, e, &n->bw_in, "inbound")) < 0 ||
	    (r = validate_bw_rate(n, e, &n->bw_out, "outbound")) < 0)
		return r;
	return 0;
}

int net_validate(const struct net *n, struct nerr *e)
{
	int r;

	if ((r = validate_names(n, e)) < 0 || (r = validate_bridge(n, e)) < 0 ||
	    (r = validate_host_bridge(n, e)) < 0 || (r = validate_ips(n, e)) < 0 ||
	    (r = validate_forward(n, e)) < 0 || (r = validate_dns(n, e)) < 0 ||
	    (r = validate_routes(n, e)) < 0 || (r = validate_dnsmasq_opts(n, e)) < 0)
		return r;
	if ((r = validate_bandwidth(n, e)) < 0)
		return r;
	return 0;
}
