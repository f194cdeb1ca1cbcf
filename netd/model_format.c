/* Defaults and struct net -> libvirt XML.
 *
 * The output is what libvirt's net-dumpxml writes for the same network, so
 * that a file defined with netd reads the same in both tools; parsing it again
 * yields the same model. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "model.h"

static bool name_used(const char *name, const char *const *used)
{
	for (size_t i = 0; used && used[i]; i++)
		if (strcmp(used[i], name) == 0)
			return true;
	return false;
}

int net_fill_defaults(struct net *n, const char *const *used, struct nerr *e)
{
	if (!n->has_uuid) {
		if (getrandom(n->uuid, sizeof n->uuid, 0) != sizeof n->uuid)
			return nerr_set(e, -errno, "network %s: generate uuid: %s", n->name,
					strerror(errno));
		n->uuid[6] = (uint8_t)((n->uuid[6] & 0x0f) | 0x40); /* version 4 */
		n->uuid[8] = (uint8_t)((n->uuid[8] & 0x3f) | 0x80); /* RFC 4122 */
		n->has_uuid = true;
	}
	/* The host's bridge: nothing of netd's to choose (validate wants its
	 * name, and refuses the rest). */
	if (net_is_host_bridge(n))
		return 0;
	if (!n->bridge[0]) {
		for (unsigned i = 0; i < 1024 && !n->bridge[0]; i++) {
			char cand[NET_IFNAME_MAX + 1];

			snprintf(cand, sizeof cand, "virbr%u", i);
			if (!name_used(cand, used))
				nd_strlcpy(n->bridge, cand, sizeof n->bridge);
		}
		if (!n->bridge[0])
			return nerr_set(e, -ENOSPC, "network %s: no free virbrN bridge name",
					n->name);
	}
	if (n->stp == NET_UNSET)
		n->stp = NET_YES;
	n->has_delay = true;
	if (!n->has_mac) {
		/* 52:54:00 (QEMU's prefix, locally administered) and three bytes
		 * of the uuid: stable for the life of the definition. */
		n->mac[0] = 0x52;
		n->mac[1] = 0x54;
		n->mac[2] = 0x00;
		memcpy(n->mac + 3, n->uuid + 13, 3);
		n->has_mac = true;
	}
	if (n->fwd_mode == NET_FWD_NAT && !n->nat_port_start) {
		n->nat_port_start = 1024;
		n->nat_port_end = 65535;
	}
	return 0;
}

/* The free-text fields (txt values, dnsmasq options) may hold XML's special
 * characters. */
static void put_escaped(FILE *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", o);
			break;
		case '<':
			fputs("&lt;", o);
			break;
		case '>':
			fputs("&gt;", o);
			break;
		case '\'':
			fputs("&apos;", o);
			break;
		default:
			fputc(*s, o);
		}
	}
}

static void put_lease(FILE *o, const struct net_lease *l, const char *indent)
{
	if (!l->set)
		return;
	fprintf(o, "%s<lease expiry='%llu' unit='%s'/>\n", indent, (unsigned long long)l->expiry,
		l->unit);
}

static void put_addr_attr(FILE *o, const char *name, const struct net_addr *a)
{
	char buf[64];

	if (a->family && net_addr_str(a, buf, sizeof buf) == 0)
		fprintf(o, " %s='%s'", name, buf);
}

static void format_forward(const struct net *n, FILE *o)
{
	bool nat_body = n->nat_start.family || n->nat_port_start;

	if (!n->has_forward)
		return;
	fprintf(o, "  <forward mode='%s'", net_fwd_mode_str(n->fwd_mode));
	if (n->fwd_dev[0])
		fprintf(o, " dev='%s'", n->fwd_dev);
	if (n->fwd_mode != NET_FWD_NAT || (!nat_body && n->nat_ipv6 == NET_UNSET)) {
		fputs("/>\n", o);
		return;
	}
	fputs(">\n    <nat", o);
	if (n->nat_ipv6 != NET_UNSET)
		fprintf(o, " ipv6='%s'", n->nat_ipv6 == NET_YES ? "yes" : "no");
	if (!nat_body) {
		fputs("/>\n  </forward>\n", o);
		return;
	}
	fputs(">\n", o);
	if (n->nat_start.family) {
		fputs("      <address", o);
		put_addr_attr(o, "start", &n->nat_start);
		put_addr_attr(o, "end", &n->nat_end);
		fputs("/>\n", o);
	}
	if (n->nat_port_start)
		fprintf(o, "      <port start='%u' end='%u'/>\n", n->nat_port_start,
			n->nat_port_end);
	fputs("    </nat>\n  </forward>\n", o);
}

static void format_bridge(const struct net *n, FILE *o)
{
	char mac[18];

	if (n->bridge[0] || n->stp != NET_UNSET || n->has_delay || n->zone[0]) {
		fputs("  <bridge", o);
		if (n->bridge[0])
			fprintf(o, " name='%s'", n->bridge);
		if (n->stp != NET_UNSET)
			fprintf(o, " stp='%s'", n->stp == NET_YES ? "on" : "off");
		if (n->has_delay)
			fprintf(o, " delay='%u'", n->delay);
		if (n->zone[0])
			fprintf(o, " zone='%s'", n->zone);
		fputs("/>\n", o);
	}
	if (n->mtu)
		fprintf(o, "  <mtu size='%u'/>\n", n->mtu);
	if (n->has_mac) {
		net_mac_str(n->mac, mac);
		fprintf(o, "  <mac address='%s'/>\n", mac);
	}
	if (n->domain[0]) {
		fprintf(o, "  <domain name='%s'", n->domain);
		if (n->domain_local_only != NET_UNSET)
			fprintf(o, " localOnly='%s'",
				n->domain_local_only == NET_YES ? "yes" : "no");
		if (n->domain_register != NET_UNSET)
			fprintf(o, " register='%s'", n->domain_register == NET_YES ? "yes" : "no");
		fputs("/>\n", o);
	}
}

static void format_srv(const struct net_dns_srv *s, FILE *o)
{
	fprintf(o, "    <srv service='%s' protocol='%s'", s->service, s->protocol);
	if (s->domain[0])
		fprintf(o, " domain='%s'", s->domain);
	if (s->target[0])
		fprintf(o, " target='%s'", s->target);
	if (s->port >= 0)
		fprintf(o, " port='%d'", s->port);
	if (s->priority >= 0)
		fprintf(o, " priority='%d'", s->priority);
	if (s->weight >= 0)
		fprintf(o, " weight='%d'", s->weight);
	fputs("/>\n", o);
}

static void format_dns(const struct net *n, FILE *o)
{
	const struct net_dns *d = &n->dns;
	bool body = d->n_fwds || d->n_hosts || d->n_srvs || d->n_txts;

	if (!body && d->enable == NET_UNSET && d->forward_plain_names == NET_UNSET)
		return;
	fputs("  <dns", o);
	if (d->enable != NET_UNSET)
		fprintf(o, " enable='%s'", d->enable == NET_YES ? "yes" : "no");
	if (d->forward_plain_names != NET_UNSET)
		fprintf(o, " forwardPlainNames='%s'",
			d->forward_plain_names == NET_YES ? "yes" : "no");
	if (!body) {
		fputs("/>\n", o);
		return;
	}
	fputs(">\n", o);
	for (size_t i = 0; i < d->n_fwds; i++) {
		fputs("    <forwarder", o);
		if (d->fwds[i].domain[0])
			fprintf(o, " domain='%s'", d->fwds[i].domain);
		put_addr_attr(o, "addr", &d->fwds[i].addr);
		if (d->fwds[i].port)
			fprintf(o, " port='%u'", d->fwds[i].port);
		fputs("/>\n", o);
	}
	for (size_t i = 0; i < d->n_txts; i++) {
		fprintf(o, "    <txt name='%s' value='", d->txts[i].name);
		put_escaped(o, d->txts[i].value);
		fputs("'/>\n", o);
	}
	for (size_t i = 0; i < d->n_srvs; i++)
		format_srv(&d->srvs[i], o);
	for (size_t i = 0; i < d->n_hosts; i++) {
		fputs("    <host", o);
		put_addr_attr(o, "ip", &d->hosts[i].ip);
		fputs(">\n", o);
		for (size_t k = 0; k < d->hosts[i].n_names; k++)
			fprintf(o, "      <hostname>%s</hostname>\n", d->hosts[i].names[k]);
		fputs("    </host>\n", o);
	}
	fputs("  </dns>\n", o);
}

static void format_dhcp(const struct net_ip *ip, FILE *o)
{
	fputs("    <dhcp>\n", o);
	for (size_t i = 0; i < ip->n_ranges; i++) {
		const struct net_dhcp_range *rg = &ip->ranges[i];

		fputs("      <range", o);
		put_addr_attr(o, "start", &rg->start);
		put_addr_attr(o, "end", &rg->end);
		if (!rg->lease.set) {
			fputs("/>\n", o);
			continue;
		}
		fputs(">\n", o);
		put_lease(o, &rg->lease, "        ");
		fputs("      </range>\n", o);
	}
	for (size_t i = 0; i < ip->n_hosts; i++) {
		const struct net_dhcp_host *h = &ip->hosts[i];

		fputs("      <host", o);
		if (h->mac[0])
			fprintf(o, " mac='%s'", h->mac);
		if (h->id[0])
			fprintf(o, " id='%s'", h->id);
		if (h->name[0])
			fprintf(o, " name='%s'", h->name);
		put_addr_attr(o, "ip", &h->ip);
		if (!h->lease.set) {
			fputs("/>\n", o);
			continue;
		}
		fputs(">\n", o);
		put_lease(o, &h->lease, "        ");
		fputs("      </host>\n", o);
	}
	if (ip->bootp_file[0]) {
		fputs("      <bootp file='", o);
		put_escaped(o, ip->bootp_file);
		fputs("'", o);
		if (ip->bootp_server.family)
			put_addr_attr(o, "server", &ip->bootp_server);
		fputs("/>\n", o);
	}
	fputs("    </dhcp>\n", o);
}

/* prefix= or netmask= as written; nothing for the default. */
static void put_prefix(FILE *o, enum net_pfx_form form, unsigned prefix)
{
	if (form == NET_PFX_NETMASK) {
		struct net_addr m = { .family = AF_INET };

		for (unsigned b = 0; b < prefix; b++)
			m.u.b[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		put_addr_attr(o, "netmask", &m);
	} else if (form == NET_PFX_PREFIX) {
		fprintf(o, " prefix='%u'", prefix);
	}
}

static void format_route(const struct net_route *rt, FILE *o)
{
	fputs("  <route", o);
	if (rt->family_given)
		fprintf(o, " family='%s'", rt->addr.family == AF_INET ? "ipv4" : "ipv6");
	put_addr_attr(o, "address", &rt->addr);
	put_prefix(o, rt->prefix_form, rt->prefix);
	put_addr_attr(o, "gateway", &rt->gateway);
	if (rt->metric)
		fprintf(o, " metric='%u'", rt->metric);
	fputs("/>\n", o);
}

static void format_ip(const struct net_ip *ip, FILE *o)
{
	fputs("  <ip", o);
	if (ip->family_given)
		fprintf(o, " family='%s'", ip->addr.family == AF_INET ? "ipv4" : "ipv6");
	put_addr_attr(o, "address", &ip->addr);
	put_prefix(o, ip->prefix_form, ip->prefix);
	if (ip->local_ptr != NET_UNSET)
		fprintf(o, " localPtr='%s'", ip->local_ptr == NET_YES ? "yes" : "no");
	if (!ip->has_dhcp && !ip->tftp_root[0]) {
		fputs("/>\n", o);
		return;
	}
	fputs(">\n", o);
	if (ip->tftp_root[0]) {
		fputs("    <tftp root='", o);
		put_escaped(o, ip->tftp_root);
		fputs("'/>\n", o);
	}
	if (ip->has_dhcp)
		format_dhcp(ip, o);
	fputs("  </ip>\n", o);
}

/* Where libvirt writes its namespace data: last. */
static void format_dnsmasq_opts(const struct net *n, FILE *o)
{
	if (!n->dnsmasq_line)
		return;
	if (!n->n_dnsmasq_opts) {
		fputs("  <dnsmasq:options/>\n", o);
		return;
	}
	fputs("  <dnsmasq:options>\n", o);
	for (size_t i = 0; i < n->n_dnsmasq_opts; i++) {
		fputs("    <dnsmasq:option value='", o);
		put_escaped(o, n->dnsmasq_opts[i].value);
		fputs("'/>\n", o);
	}
	fputs("  </dnsmasq:options>\n", o);
}

static void format_bw_rate(const struct net_bw_rate *rt, const char *what, FILE *o)
{
	if (!rt->set)
		return;
	fprintf(o, "    <%s average='%llu'", what, (unsigned long long)rt->average);
	if (rt->peak)
		fprintf(o, " peak='%llu'", (unsigned long long)rt->peak);
	if (rt->burst)
		fprintf(o, " burst='%llu'", (unsigned long long)rt->burst);
	fputs("/>\n", o);
}

static void format_bandwidth(const struct net *n, FILE *o)
{
	if (!net_has_bandwidth(n))
		return;
	fputs("  <bandwidth>\n", o);
	format_bw_rate(&n->bw_in, "inbound", o);
	format_bw_rate(&n->bw_out, "outbound", o);
	fputs("  </bandwidth>\n", o);
}

int net_format(const struct net *n, FILE *o)
{
	char uuid[37];

	fputs("<network", o);
	if (n->access_group[0] || n->owner_line)
		fprintf(o, " xmlns:netd='%s'", NETD_XML_NS);
	if (n->dnsmasq_line)
		fprintf(o, " xmlns:dnsmasq='%s'", NET_DNSMASQ_XML_NS);
	if (n->ipv6_link != NET_UNSET)
		fprintf(o, " ipv6='%s'", n->ipv6_link == NET_YES ? "yes" : "no");
	fputs(">\n", o);
	fprintf(o, "  <name>%s</name>\n", n->name);
	if (n->has_uuid) {
		net_uuid_str(n->uuid, uuid);
		fprintf(o, "  <uuid>%s</uuid>\n", uuid);
	}
	format_forward(n, o);
	format_bridge(n, o);
	format_dns(n, o);
	format_bandwidth(n, o);
	for (size_t i = 0; i < n->n_ips; i++)
		format_ip(&n->ips[i], o);
	for (size_t i = 0; i < n->n_routes; i++)
		format_route(&n->routes[i], o);
	if (n->access_group[0])
		fprintf(o, "  <netd:access group='%s'/>\n", n->access_group);
	if (n->owner_line)
		fprintf(o, "  <netd:owner uid='%u'/>\n", (unsigned)n->owner_uid);
	format_dnsmasq_opts(n, o);
	fputs("</network>\n", o);
	return ferror(o) ? -EIO : 0;
}

char *net_format_string(const struct net *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	if (!o)
		return NULL;
	if (net_format(n, o) < 0) {
		fclose(o);
		free(buf);
		return NULL;
	}
	if (fclose(o) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
