/* network -> dnsmasq config file.
 *
 * The body reproduces libvirt's networkDnsmasqConfContents() as it is since
 * libvirt stopped varying its output with dnsmasq's version (the
 * networkxmlconfdata fixtures), directive by directive and in its order, so
 * that libvirt's test corpus can check it (tests/test-compat.c), with the allowed
 * <dnsmasq:options> where libvirt writes them, after its own directives. netd's
 * own directives follow in one block at the end. A pure function: it reads the model and writes
 * text. */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "dhcp_int.h"

struct conf {
	const struct net *n;
	const struct dhcp_files *f;
	struct sbuf s;
	struct nerr *e;
	bool dns;		 /* dns enable is not 'no' */
	const struct net_ip *v4; /* the IPv4 <ip> that serves DHCP, if any */
	const struct net_ip *v6; /* the IPv6 one */
	uint64_t leases;	 /* addresses in all ranges, for lease-max */
};

/* Some forwarder takes every query that has no more specific one. */
static bool has_default_forwarder(const struct net *n)
{
	for (size_t i = 0; i < n->dns.n_fwds; i++)
		if (n->dns.fwds[i].addr.family && !n->dns.fwds[i].domain[0])
			return true;
	return false;
}

bool dhcp_uses_host_resolvers(const struct net *n)
{
	return n->dns.enable != NET_NO && n->fwd_mode != NET_FWD_ISOLATED &&
	       !has_default_forwarder(n);
}

/* libvirt serves DHCP from an <ip> that has ranges or hosts, one per
 * family; an empty <dhcp> counts as none. */
static bool ip_serves_dhcp(const struct net_ip *ip)
{
	return ip->n_ranges > 0 || ip->n_hosts > 0;
}

static int pick_dhcp_ips(struct conf *c)
{
	for (size_t i = 0; i < c->n->n_ips; i++) {
		const struct net_ip *ip = &c->n->ips[i];
		const struct net_ip **slot = ip->addr.family == AF_INET6 ? &c->v6 : &c->v4;

		if (!ip_serves_dhcp(ip))
			continue;
		if (*slot)
			return nerr_set(c->e, -EINVAL,
					"network %s: more than one %s <ip> serves DHCP "
					"(dnsmasq is given one per family)",
					c->n->name, ip->addr.family == AF_INET6 ? "IPv6" : "IPv4");
		*slot = ip;
	}
	return 0;
}

bool dhcp_needed(const struct net *n)
{
	if (n->n_ips == 0)
		return false;
	for (size_t i = 0; i < n->n_ips; i++)
		if (ip_serves_dhcp(&n->ips[i]))
			return true;
	return n->dns.enable != NET_NO || net_tftp_ip(n);
}

static int check_files(const struct conf *c)
{
	const struct dhcp_files *f = c->f;
	int r;

	if ((r = dhcp_check_path(c->n, "dhcp-hostsfile path", f->hostsfile, c->e)) < 0 ||
	    (r = dhcp_check_path(c->n, "addn-hosts path", f->addnhosts, c->e)) < 0 ||
	    (r = dhcp_check_path(c->n, "lease file path", f->leasefile, c->e)) < 0 ||
	    (r = dhcp_check_path(c->n, "pid file path", f->pidfile, c->e)) < 0 ||
	    (dhcp_uses_host_resolvers(c->n) &&
	     (r = dhcp_check_path(c->n, "servers-file path", f->serversfile, c->e)) < 0) ||
	    (r = dhcp_check_user(c->n, "dnsmasq user", f->user, c->e)) < 0)
		return r;
	if (f->group && (r = dhcp_check_user(c->n, "dnsmasq group", f->group, c->e)) < 0)
		return r;
	return 0;
}

static void conf_header(struct conf *c)
{
	sbuf_printf(&c->s,
		    "## dnsmasq configuration of network %s, written by netd.\n"
		    "## Changes here are lost: edit the network's XML and run netd define.\n"
		    "strict-order\n",
		    c->n->name);
	if (!c->dns)
		sbuf_puts(&c->s, "port=0\n"); /* no DNS service at all */
}

/* server=[/DOMAIN/]ADDR[#PORT], or server=/DOMAIN/# to answer a domain
 * from local data only. */
static int forwarder_line(struct conf *c, const struct net_dns_fwd *fw)
{
	char a[DHCP_ADDR_MAX];
	int r;

	if (fw->domain[0] &&
	    (r = dhcp_check_dnsname(c->n, "forwarder domain", fw->domain, c->e)) < 0)
		return r;
	if (!fw->addr.family && !fw->domain[0])
		return nerr_set(c->e, -EINVAL,
				"network %s: dns forwarder has neither addr nor domain",
				c->n->name);
	if (fw->addr.family && (r = dhcp_addr(c->n, "forwarder", &fw->addr, 0, a, c->e)) < 0)
		return r;
	if (fw->port > 65535)
		return nerr_set(c->e, -EINVAL, "network %s: dns forwarder port %u is above 65535",
				c->n->name, fw->port);
	sbuf_puts(&c->s, "server=");
	if (fw->domain[0])
		sbuf_printf(&c->s, "/%s/", fw->domain);
	if (!fw->addr.family)
		sbuf_puts(&c->s, "#");
	else if (fw->port)
		sbuf_printf(&c->s, "%s#%u", a, fw->port);
	else
		sbuf_puts(&c->s, a);
	sbuf_puts(&c->s, "\n");
	return 0;
}

/* no-resolv only when some forwarder takes every query that has no more
 * specific one: otherwise the host's resolv.conf still serves. */
static int conf_forwarders(struct conf *c)
{
	const struct net_dns *d = &c->n->dns;

	for (size_t i = 0; c->dns && i < d->n_fwds; i++) {
		int r = forwarder_line(c, &d->fwds[i]);

		if (r < 0)
			return r;
	}
	if (c->dns && has_default_forwarder(c->n))
		sbuf_puts(&c->s, "no-resolv\n");
	return 0;
}

static int conf_domain(struct conf *c)
{
	const struct net *n = c->n;
	int r;

	if (!n->domain[0])
		return 0;
	if ((r = dhcp_check_dnsname(n, "domain", n->domain, c->e)) < 0)
		return r;
	if (n->domain_local_only == NET_YES)
		sbuf_printf(&c->s, "local=/%s/\n", n->domain);
	sbuf_printf(&c->s, "domain=%s\nexpand-hosts\n", n->domain);
	return 0;
}

/* The reverse zone of addr/prefix: whole bytes (IPv4) or nibbles (IPv6)
 * of the network part, reversed. */
static int ptr_domain(const struct conf *c, const struct net_ip *ip, char *buf, size_t len)
{
	bool v6 = ip->addr.family == AF_INET6;
	unsigned step = v6 ? 4 : 8, max = v6 ? 128 : 32;
	size_t o = 0;

	if (ip->prefix == 0 || ip->prefix >= max || ip->prefix % step)
		return nerr_set(c->e, -EINVAL,
				"network %s: localPtr: no reverse zone for an %s prefix of %u "
				"(it must be a multiple of %u below %u)",
				c->n->name, v6 ? "IPv6" : "IPv4", ip->prefix, step, max);
	for (unsigned i = ip->prefix / step; i > 0; i--) {
		unsigned b = ip->addr.u.b[v6 ? (i - 1) / 2 : i - 1];
		int w;

		if (v6)
			b = (i - 1) % 2 ? b & 0xf : b >> 4;
		w = snprintf(buf + o, len - o, v6 ? "%x." : "%u.", b);
		if (w < 0 || (size_t)w >= len - o)
			break;
		o += (size_t)w;
	}
	if (nd_snprintf(buf + o, len - o, "%s", v6 ? "ip6.arpa" : "in-addr.arpa") < 0)
		return nerr_set(c->e, -ENAMETOOLONG, "network %s: localPtr: reverse zone too long",
				c->n->name);
	return 0;
}

static int conf_local_ptrs(struct conf *c)
{
	char zone[80];
	int r;

	for (size_t i = 0; c->dns && i < c->n->n_ips; i++) {
		const struct net_ip *ip = &c->n->ips[i];

		if (ip->local_ptr != NET_YES)
			continue;
		if ((r = ptr_domain(c, ip, zone, sizeof zone)) < 0)
			return r;
		sbuf_printf(&c->s, "local=/%s/\n", zone);
	}
	return 0;
}

static void conf_plain_names(struct conf *c)
{
	/* unqualified names are never sent upstream */
	if (c->dns && c->n->dns.forward_plain_names == NET_NO)
		sbuf_puts(&c->s, "domain-needed\nlocal=//\n");
}

/* bind-dynamic with interface= and no listen-address= answers only on the
 * bridge (CVE-2012-3411), and lets one dnsmasq per network coexist. */
static int conf_listen(struct conf *c)
{
	int r;

	if ((r = dhcp_check_ifname(c->n, "bridge", c->n->bridge, c->e)) < 0)
		return r;
	/* bind-interfaces, not libvirt's bind-dynamic: a bind-dynamic
	 * dnsmasq takes every address change on the host as a reason to scan
	 * all its interfaces again, so each bridge that came up woke every
	 * running network's dnsmasq (the 100 dnsmasq of 100 networks made the
	 * 101st start's bridge step 12-22 ms instead of 0.8 ms). What
	 * bind-dynamic is for, addresses that appear after dnsmasq started,
	 * does not happen here: netd adds the bridge's addresses before
	 * dnsmasq starts (IPv6 ones without DAD), and restarts it when they
	 * change (reload, or apply recreating the bridge). */
	sbuf_printf(&c->s, "except-interface=lo\nbind-interfaces\ninterface=%s\n", c->n->bridge);
	return 0;
}

/* An isolated network has no way out: no default route in DHCP (option 3
 * empty), no forwarding of queries to the host's resolvers, and a zero
 * lifetime for the default route that IPv6 RAs imply. */
static void conf_isolated(struct conf *c)
{
	if (c->n->fwd_mode == NET_FWD_ISOLATED)
		sbuf_puts(&c->s, "dhcp-option=3\nno-resolv\nra-param=*,0,0\n");
}

static int conf_txts(struct conf *c)
{
	for (size_t i = 0; c->dns && i < c->n->dns.n_txts; i++) {
		const struct net_dns_txt *t = &c->n->dns.txts[i];
		int r;

		if ((r = dhcp_check_dnsname(c->n, "txt name", t->name, c->e)) < 0 ||
		    (r = dhcp_check_txt(c->n, "txt value", t->value, c->e)) < 0)
			return r;
		sbuf_printf(&c->s, "txt-record=%s,%s\n", t->name, t->value);
	}
	return 0;
}

static int check_srv(const struct conf *c, const struct net_dns_srv *s)
{
	int r;

	if ((r = dhcp_check_label(c->n, "srv service", s->service, c->e)) < 0 ||
	    (r = dhcp_check_label(c->n, "srv protocol", s->protocol, c->e)) < 0 ||
	    (s->domain[0] && (r = dhcp_check_dnsname(c->n, "srv domain", s->domain, c->e)) < 0) ||
	    (s->target[0] && strcmp(s->target, ".") != 0 &&
	     (r = dhcp_check_dnsname(c->n, "srv target", s->target, c->e)) < 0))
		return r;
	if (s->port > 65535 || s->priority > 65535 || s->weight > 65535)
		return nerr_set(c->e, -EINVAL,
				"network %s: srv _%s._%s: port, priority or weight above 65535",
				c->n->name, s->service, s->protocol);
	return 0;
}

/* Port, priority and weight are told apart by position, so a missing one
 * before a given one is filled with dnsmasq's default (port 1, priority 0);
 * libvirt treats 0 as not given. A target of "." or none says the service
 * is not offered (RFC 2782): no further fields. */
static void srv_fields(struct conf *c, const struct net_dns_srv *s)
{
	int port = s->port > 0 ? s->port : 0;
	int prio = s->priority > 0 ? s->priority : 0;
	int weight = s->weight > 0 ? s->weight : 0;

	if (!s->target[0] || strcmp(s->target, ".") == 0)
		return;
	sbuf_printf(&c->s, ",%s", s->target);
	if (port || prio || weight)
		sbuf_printf(&c->s, ",%d", port ? port : 1);
	if (prio || weight)
		sbuf_printf(&c->s, ",%d", prio);
	if (weight)
		sbuf_printf(&c->s, ",%d", weight);
}

static int conf_srvs(struct conf *c)
{
	for (size_t i = 0; c->dns && i < c->n->dns.n_srvs; i++) {
		const struct net_dns_srv *s = &c->n->dns.srvs[i];
		int r;

		if ((r = check_srv(c, s)) < 0)
			return r;
		sbuf_printf(&c->s, "srv-host=_%s._%s", s->service, s->protocol);
		if (s->domain[0])
			sbuf_printf(&c->s, ".%s", s->domain);
		srv_fields(c, s);
		sbuf_puts(&c->s, "\n");
	}
	return 0;
}

static void add_leases(struct conf *c, uint64_t span)
{
	c->leases = span > DHCP_LEASES_CAP - c->leases ? DHCP_LEASES_CAP : c->leases + span;
}

/* "start,end,netmask" for IPv4 (dnsmasq wants the mask), "start,end,prefix"
 * for IPv6, then the lease time if one is set. */
static int conf_range(struct conf *c, const struct net_ip *ip, const struct net_dhcp_range *rg)
{
	int fam = ip->addr.family;
	char s[DHCP_ADDR_MAX], t[DHCP_ADDR_MAX], lease[DHCP_LEASE_STR_MAX];
	int r;

	if ((r = dhcp_addr(c->n, "dhcp range start", &rg->start, fam, s, c->e)) < 0 ||
	    (r = dhcp_addr(c->n, "dhcp range end", &rg->end, fam, t, c->e)) < 0 ||
	    (r = dhcp_lease(c->n, "dhcp range", &rg->lease, lease, c->e)) < 0)
		return r;
	if (net_addr_cmp(&rg->start, &rg->end) > 0)
		return nerr_set(c->e, -EINVAL, "network %s: dhcp range %s-%s is reversed",
				c->n->name, s, t);
	sbuf_printf(&c->s, "dhcp-range=%s,%s,", s, t);
	if (fam == AF_INET) {
		uint32_t m = ip->prefix ? ~0u << (32 - ip->prefix) : 0;

		sbuf_printf(&c->s, "%u.%u.%u.%u", m >> 24, (m >> 16) & 0xff, (m >> 8) & 0xff,
			    m & 0xff);
	} else {
		sbuf_printf(&c->s, "%u", ip->prefix);
	}
	sbuf_printf(&c->s, "%s%s\n", lease[0] ? "," : "", lease);
	add_leases(c, net_addr_span(&rg->start, &rg->end));
	return 0;
}

static int conf_dhcp_ip(struct conf *c, const struct net_ip *ip)
{
	int r;

	if (!ip)
		return 0;
	if (ip->prefix > (ip->addr.family == AF_INET ? 32u : 128u))
		return nerr_set(c->e, -EINVAL, "network %s: prefix /%u is too long", c->n->name,
				ip->prefix);
	for (size_t i = 0; i < ip->n_ranges; i++)
		if ((r = conf_range(c, ip, &ip->ranges[i])) < 0)
			return r;
	/* dnsmasq serves DHCP only where it has a range: hosts alone need a
	 * static one */
	if (!ip->n_ranges) {
		char a[DHCP_ADDR_MAX];

		if ((r = dhcp_addr(c->n, "ip", &ip->addr, 0, a, c->e)) < 0)
			return r;
		sbuf_printf(&c->s, "dhcp-range=%s,static", a);
		if (ip->addr.family == AF_INET6)
			sbuf_printf(&c->s, ",%u", ip->prefix);
		sbuf_puts(&c->s, "\n");
	}
	if (ip->addr.family == AF_INET)
		sbuf_puts(&c->s, "dhcp-no-override\ndhcp-authoritative\n");
	return 0;
}

/* libvirt's network boot lines: dnsmasq's own TFTP server on the bridge,
 * and the boot file (with the server to get it from, when that is another
 * host: "file,,server", no server name). */
static int conf_boot(struct conf *c)
{
	const struct net_ip *t = net_tftp_ip(c->n);
	char a[DHCP_ADDR_MAX];
	int r;

	if (t) {
		if (!net_path_ok(t->tftp_root) || t->tftp_root[0] != '/')
			return nerr_set(c->e, -EINVAL, "network %s: bad tftp root", c->n->name);
		sbuf_printf(&c->s, "enable-tftp\ntftp-root=%s\n", t->tftp_root);
	}
	if (!c->v4 || !c->v4->bootp_file[0])
		return 0;
	if (!net_path_ok(c->v4->bootp_file))
		return nerr_set(c->e, -EINVAL, "network %s: bad bootp file", c->n->name);
	sbuf_printf(&c->s, "dhcp-boot=%s", c->v4->bootp_file);
	if (c->v4->bootp_server.family) {
		if ((r = dhcp_addr(c->n, "bootp server", &c->v4->bootp_server, AF_INET, a, c->e)) <
		    0)
			return r;
		sbuf_printf(&c->s, ",,%s", a);
	}
	sbuf_puts(&c->s, "\n");
	return 0;
}

static void conf_files(struct conf *c)
{
	if (c->leases > 0)
		sbuf_printf(&c->s, "dhcp-lease-max=%llu\n", (unsigned long long)c->leases);
	/* named even when empty, so hosts can be added at run time */
	if (c->v4 || c->v6)
		sbuf_printf(&c->s, "dhcp-hostsfile=%s\n", c->f->hostsfile);
	if (c->dns)
		sbuf_printf(&c->s, "addn-hosts=%s\n", c->f->addnhosts);
	if (c->n->mtu > 0)
		sbuf_printf(&c->s, "dhcp-option=option:mtu,%u\n", c->n->mtu);
}

/* With DHCPv6, RAs tell hosts to use it (enable-ra); without, each IPv6
 * subnet gets RAs for SLAAC only. */
static int conf_ra(struct conf *c)
{
	char a[DHCP_ADDR_MAX];
	int r;

	if (c->v6) {
		sbuf_puts(&c->s, "enable-ra\n");
		return 0;
	}
	for (size_t i = 0; i < c->n->n_ips; i++) {
		const struct net_ip *ip = &c->n->ips[i];

		if (ip->addr.family != AF_INET6)
			continue;
		if ((r = dhcp_addr(c->n, "ip", &ip->addr, AF_INET6, a, c->e)) < 0)
			return r;
		sbuf_printf(&c->s, "dhcp-range=%s,ra-only\n", a);
	}
	return 0;
}

/* Whether the conf so far has exactly this line. */
static bool has_line(const struct conf *c, const char *line)
{
	size_t l = strlen(line);

	for (const char *p = c->s.buf; p && p < c->s.buf + c->s.len;) {
		const char *nl = memchr(p, '\n', (size_t)(c->s.buf + c->s.len - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(c->s.buf + c->s.len - p);

		if (len == l && memcmp(p, line, l) == 0)
			return true;
		p += len + 1;
	}
	return false;
}

/* <dnsmasq:options>, where libvirt puts them: after its own directives. Each
 * passes the allowlist and its grammar again (the model may have been built
 * in code); one that is already a line of the conf (dhcp-authoritative with
 * IPv4 DHCP) is not written twice. */
static int conf_dnsmasq_opts(struct conf *c)
{
	char why[DHCP_OPT_WHY_MAX];
	const char *bad;

	for (size_t i = 0; i < c->n->n_dnsmasq_opts; i++) {
		const char *v = c->n->dnsmasq_opts[i].value;

		if (strnlen(v, DHCP_OPT_MAX + 1) > DHCP_OPT_MAX)
			return nerr_set(c->e, -EINVAL, "network %s: <dnsmasq:option> too long",
					c->n->name);
		if ((bad = dhcp_option_why(v, why)) || (bad = dhcp_option_conflict(c->n, v)))
			return nerr_set(c->e, -EINVAL, "network %s: <dnsmasq:option>: %s",
					c->n->name, bad);
		if (!has_line(c, v))
			sbuf_printf(&c->s, "%s\n", v);
	}
	return 0;
}

/* What libvirt passes on the command line (pid file), does with a helper
 * (leases: --leasefile-ro and a script) or leaves to dnsmasq's defaults
 * (user, /etc/hosts). The caller starts dnsmasq with --conf-file= this file
 * alone, which keeps /etc/dnsmasq.conf (and any conf-dir it names) out. */
static void conf_netd(struct conf *c)
{
	const struct dhcp_files *f = c->f;

	sbuf_printf(&c->s, DHCP_NETD_MARK " what libvirt sets outside this file\n");
	sbuf_printf(&c->s, "pid-file=%s\n", f->pidfile);
	if (c->v4 || c->v6)
		sbuf_printf(&c->s, "dhcp-leasefile=%s\n", f->leasefile);
	sbuf_printf(&c->s, "user=%s\n", f->user);
	if (f->group)
		sbuf_printf(&c->s, "group=%s\n", f->group);
	/* the host's /etc/hosts is the host's business, not the guests' */
	sbuf_puts(&c->s, "no-hosts\n");
	/* The host's resolvers as libvirt's dnsmasq would read them from
	 * resolv.conf, but from a file that needs no inotify instance (see
	 * dhcp_uses_host_resolvers()); netd apply brings it up to date. */
	if (dhcp_uses_host_resolvers(c->n))
		sbuf_printf(&c->s, "no-resolv\nservers-file=%s\n", f->serversfile);
	/* dnsmasq pings an address before it offers it and waits 3 s for an
	 * answer: the larger part of libvirt's ~7 s to a new guest's first
	 * lease. Its leases are all its own (authoritative, a persistent lease
	 * file), and a guest that answers no ping is not caught anyway. */
	if (c->v4)
		sbuf_puts(&c->s, "no-ping\n");
}

static int conf_body(struct conf *c)
{
	int r;

	if ((r = dhcp_check_netname(c->n->name, c->e)) < 0 || (r = check_files(c)) < 0 ||
	    (r = pick_dhcp_ips(c)) < 0)
		return r;
	conf_header(c);
	if ((r = conf_forwarders(c)) < 0 || (r = conf_domain(c)) < 0 ||
	    (r = conf_local_ptrs(c)) < 0)
		return r;
	conf_plain_names(c);
	if ((r = conf_listen(c)) < 0)
		return r;
	conf_isolated(c);
	if ((r = conf_txts(c)) < 0 || (r = conf_srvs(c)) < 0 || (r = conf_dhcp_ip(c, c->v4)) < 0 ||
	    (r = conf_boot(c)) < 0 || (r = conf_dhcp_ip(c, c->v6)) < 0)
		return r;
	conf_files(c);
	if ((r = conf_ra(c)) < 0 || (r = conf_dnsmasq_opts(c)) < 0)
		return r;
	conf_netd(c);
	return 0;
}

int dhcp_render_conf(const struct net *n, const struct dhcp_files *f, char **out, struct nerr *e)
{
	struct conf c = { .n = n, .f = f, .e = e, .dns = n->dns.enable != NET_NO };
	int r;

	*out = NULL;
	r = conf_body(&c);
	if (r < 0) {
		sbuf_free(&c.s);
		return r;
	}
	*out = sbuf_finish(&c.s);
	if (!*out)
		return nerr_set(e, -ENOMEM, "network %s: dnsmasq config: out of memory", n->name);
	return 0;
}

/* "nameserver ADDR" lines (resolv.conf(5)): the address alone, or an IPv6
 * one with %SCOPE; anything else on the line is ignored, as the resolver
 * does. */
static bool nameserver_of(const char *line, size_t len, char *addr, size_t size)
{
	char buf[128], *p, *a, *scope;
	unsigned char bin[sizeof(struct in6_addr)];

	if (len >= sizeof buf)
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (strncmp(buf, "nameserver", 10) != 0 || (buf[10] != ' ' && buf[10] != '\t'))
		return false;
	for (a = buf + 10; *a == ' ' || *a == '\t'; a++)
		;
	for (p = a; *p && *p != ' ' && *p != '\t' && *p != '\r'; p++)
		;
	*p = '\0';
	if (inet_pton(AF_INET, a, bin) == 1)
		return nd_strlcpy(addr, a, size) < size;
	if ((scope = strchr(a, '%')))
		*scope++ = '\0';
	if (inet_pton(AF_INET6, a, bin) != 1)
		return false;
	if (scope) {
		struct net who = { .name = "" };
		struct nerr ignore;

		if (dhcp_check_ifname(&who, "scope", scope, &ignore) < 0)
			return false;
		return nd_snprintf(addr, size, "%s%%%s", a, scope) >= 0;
	}
	return nd_strlcpy(addr, a, size) < size;
}

int dhcp_render_servers(const char *resolv_conf, char **out, struct nerr *e)
{
	struct sbuf s = { 0 };
	char addr[DHCP_ADDR_MAX + IF_NAMESIZE + 1];

	*out = NULL;
	sbuf_puts(&s, "## the host's resolvers (resolv.conf), written by netd\n");
	for (const char *l = resolv_conf; l && *l;) {
		size_t len = strcspn(l, "\n");

		if (nameserver_of(l, len, addr, sizeof addr))
			sbuf_printf(&s, "server=%s\n", addr);
		l += len;
		l += *l == '\n';
	}
	if (!(*out = sbuf_finish(&s)))
		return nerr_set(e, -ENOMEM, "dnsmasq servers-file: out of memory");
	return 0;
}
