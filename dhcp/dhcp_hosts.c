/* network -> dnsmasq's dhcp-hostsfile and addn-hosts files, in libvirt's
 * formats (virdnsmasq.c). dnsmasq rereads both on SIGHUP, which is how
 * static hosts and DNS names can change without a restart. */
#include <errno.h>
#include <string.h>

#include "dhcp_int.h"

static int finish(const struct net *n, struct sbuf *s, const char *what, char **out, struct nerr *e)
{
	*out = sbuf_finish(s);
	if (!*out)
		return nerr_set(e, -ENOMEM, "network %s: %s: out of memory", n->name, what);
	return 0;
}

static int check_host(const struct net *n, const struct net_dhcp_host *h, struct nerr *e)
{
	int r;

	if ((h->name[0] && (r = dhcp_check_hostname(n, "dhcp host name", h->name, e)) < 0) ||
	    (h->mac[0] && (r = dhcp_check_mac(n, "dhcp host mac", h->mac, e)) < 0) ||
	    (h->id[0] && (r = dhcp_check_duid(n, "dhcp host id", h->id, e)) < 0))
		return r;
	return 0;
}

/* IPv4: "mac,ip,name", "name,ip" or "mac,ip". DHCPv6 knows clients by DUID,
 * not MAC: "id:DUID,name,[ip]", "name,[ip]" or "id:DUID,[ip]". Then
 * ",lease" when the host has its own lease time. */
static int host_line(const struct net *n, int fam, const struct net_dhcp_host *h, struct sbuf *s,
		     struct nerr *e)
{
	char a[DHCP_ADDR_MAX], lease[DHCP_LEASE_STR_MAX];
	int r;

	if ((r = check_host(n, h, e)) < 0 ||
	    (r = dhcp_addr(n, "dhcp host ip", &h->ip, fam, a, e)) < 0 ||
	    (r = dhcp_lease(n, "dhcp host", &h->lease, lease, e)) < 0)
		return r;
	if (fam == AF_INET6) {
		if (!h->id[0] && !h->name[0])
			return nerr_set(e, -EINVAL,
					"network %s: IPv6 dhcp host %s has neither id nor name",
					n->name, a);
		if (h->id[0])
			sbuf_printf(s, "id:%s,", h->id);
		if (h->name[0])
			sbuf_printf(s, "%s,", h->name);
		sbuf_printf(s, "[%s]", a);
	} else if (h->mac[0] && h->name[0]) {
		sbuf_printf(s, "%s,%s,%s", h->mac, a, h->name);
	} else if (h->name[0] || h->mac[0]) {
		sbuf_printf(s, "%s,%s", h->name[0] ? h->name : h->mac, a);
	} else {
		return nerr_set(e, -EINVAL,
				"network %s: IPv4 dhcp host %s has neither mac nor name", n->name,
				a);
	}
	sbuf_printf(s, "%s%s\n", lease[0] ? "," : "", lease);
	return 0;
}

/* The first <ip> of a family with ranges or hosts: the one dnsmasq serves
 * (dhcp_render_conf() refuses a second one). */
static const struct net_ip *dhcp_ip(const struct net *n, int fam)
{
	for (size_t i = 0; i < n->n_ips; i++)
		if (n->ips[i].addr.family == fam && (n->ips[i].n_ranges || n->ips[i].n_hosts))
			return &n->ips[i];
	return NULL;
}

int dhcp_render_hostsfile(const struct net *n, char **out, struct nerr *e)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	struct sbuf s = { 0 };
	int r;

	*out = NULL;
	if ((r = dhcp_check_netname(n->name, e)) < 0)
		return r;
	for (size_t f = 0; f < ARRAY_SIZE(fams); f++) {
		const struct net_ip *ip = dhcp_ip(n, fams[f]);

		for (size_t i = 0; ip && i < ip->n_hosts; i++) {
			/* libvirt skips a host without an address */
			if (!ip->hosts[i].ip.family)
				continue;
			if ((r = host_line(n, fams[f], &ip->hosts[i], &s, e)) < 0) {
				sbuf_free(&s);
				return r;
			}
		}
	}
	return finish(n, &s, "dhcp hosts file", out, e);
}

/* One line per address, in the order addresses first appear: names given
 * for the same address in several <host> elements join its line. */
static int addn_line(const struct net *n, size_t first, struct sbuf *s, struct nerr *e)
{
	const struct net_dns *d = &n->dns;
	char a[DHCP_ADDR_MAX];
	int r;

	if ((r = dhcp_addr(n, "dns host ip", &d->hosts[first].ip, 0, a, e)) < 0)
		return r;
	sbuf_printf(s, "%s\t", a);
	for (size_t i = first; i < d->n_hosts; i++) {
		if (net_addr_cmp(&d->hosts[i].ip, &d->hosts[first].ip) != 0)
			continue;
		for (size_t k = 0; k < d->hosts[i].n_names; k++) {
			const char *name = d->hosts[i].names[k];

			if ((r = dhcp_check_dnsname(n, "dns hostname", name, e)) < 0)
				return r;
			sbuf_printf(s, "%s\t", name);
		}
	}
	sbuf_puts(s, "\n");
	return 0;
}

static bool seen_before(const struct net_dns *d, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (net_addr_cmp(&d->hosts[j].ip, &d->hosts[i].ip) == 0)
			return true;
	return false;
}

int dhcp_render_addnhosts(const struct net *n, char **out, struct nerr *e)
{
	struct sbuf s = { 0 };
	int r;

	*out = NULL;
	if ((r = dhcp_check_netname(n->name, e)) < 0)
		return r;
	for (size_t i = 0; i < n->dns.n_hosts; i++) {
		if (seen_before(&n->dns, i))
			continue;
		if ((r = addn_line(n, i, &s, e)) < 0) {
			sbuf_free(&s);
			return r;
		}
	}
	return finish(n, &s, "addn-hosts file", out, e);
}
