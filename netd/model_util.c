/* Small operations on the model shared by the parser, the validator and the
 * renderers: addresses, subnets, identifiers. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "model.h"

const char *net_fwd_mode_str(enum net_fwd_mode m)
{
	switch (m) {
	case NET_FWD_NAT:
		return "nat";
	case NET_FWD_ROUTE:
		return "route";
	case NET_FWD_OPEN:
		return "open";
	case NET_FWD_BRIDGE:
		return "bridge";
	case NET_FWD_ISOLATED:
		break;
	}
	return "isolated";
}

int net_addr_parse(const char *s, struct net_addr *a)
{
	memset(a, 0, sizeof *a);
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, a->u.b) != 1)
			return -EINVAL;
		a->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, s, a->u.b) != 1)
		return -EINVAL;
	a->family = AF_INET;
	return 0;
}

int net_addr_str(const struct net_addr *a, char *buf, size_t len)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!inet_ntop(a->family, a->u.b, buf, (socklen_t)len))
		return -errno;
	return 0;
}

unsigned net_prefix_min(int family)
{
	return family == AF_INET6 ? NET_PREFIX6_MIN : NET_PREFIX4_MIN;
}

size_t net_addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

void net_addr_mask(const struct net_addr *a, unsigned prefix, struct net_addr *out)
{
	size_t n = net_addr_len(a->family);

	*out = *a;
	for (size_t i = 0; i < n; i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		out->u.b[i] &= m;
	}
}

bool net_addr_in_subnet(const struct net_addr *a, const struct net_addr *net, unsigned prefix)
{
	struct net_addr x, y;

	if (a->family != net->family)
		return false;
	net_addr_mask(a, prefix, &x);
	net_addr_mask(net, prefix, &y);
	return memcmp(x.u.b, y.u.b, net_addr_len(a->family)) == 0;
}

int net_addr_cmp(const struct net_addr *a, const struct net_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->u.b, b->u.b, net_addr_len(a->family));
}

uint64_t net_addr_span(const struct net_addr *start, const struct net_addr *end)
{
	size_t n = net_addr_len(start->family);
	uint64_t hi = 0, lo = 0;

	if (net_addr_cmp(start, end) > 0)
		return 0;
	/* Subtract big-endian numbers byte by byte; anything beyond 64 bits
	 * saturates. */
	int borrow = 0;
	uint8_t diff[16];
	for (size_t i = n; i-- > 0;) {
		int d = (int)end->u.b[i] - (int)start->u.b[i] - borrow;
		borrow = d < 0;
		diff[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
	for (size_t i = 0; i < n; i++) {
		if (i + 8 < n) {
			hi |= diff[i];
			continue;
		}
		lo = (lo << 8) | diff[i];
	}
	if (hi || lo == UINT64_MAX)
		return UINT64_MAX;
	return lo + 1;
}

void net_uuid_str(const uint8_t u[16], char buf[37])
{
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

void net_mac_str(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

const struct net_ip *net_dhcp_ip(const struct net *n, int family)
{
	for (size_t i = 0; i < n->n_ips; i++)
		if (n->ips[i].addr.family == family && n->ips[i].has_dhcp)
			return &n->ips[i];
	return NULL;
}

bool net_has_family(const struct net *n, int family)
{
	for (size_t i = 0; i < n->n_ips; i++)
		if (n->ips[i].addr.family == family)
			return true;
	return false;
}

bool net_ips_overlap(const struct net_ip *a, const struct net_ip *b)
{
	unsigned p = a->prefix < b->prefix ? a->prefix : b->prefix;

	return a->addr.family == b->addr.family && net_addr_in_subnet(&a->addr, &b->addr, p);
}

static void ip_free(struct net_ip *ip)
{
	free(ip->ranges);
	free(ip->hosts);
}

void net_free(struct net *n)
{
	for (size_t i = 0; i < n->n_ips; i++)
		ip_free(&n->ips[i]);
	free(n->ips);
	free(n->routes);
	for (size_t i = 0; i < n->dns.n_hosts; i++)
		free(n->dns.hosts[i].names);
	free(n->dns.hosts);
	free(n->dns.fwds);
	free(n->dns.srvs);
	free(n->dns.txts);
	free(n->dnsmasq_opts);
	memset(n, 0, sizeof *n);
}

const struct net_ip *net_tftp_ip(const struct net *n)
{
	for (size_t i = 0; i < n->n_ips; i++)
		if (n->ips[i].tftp_root[0])
			return &n->ips[i];
	return NULL;
}

bool net_subnets_overlap(const struct net_addr *a, unsigned pa, const struct net_addr *b,
			 unsigned pb)
{
	return a->family == b->family && net_addr_in_subnet(a, b, pa < pb ? pa : pb);
}
