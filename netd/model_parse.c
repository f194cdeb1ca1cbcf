/* libvirt network XML -> struct net.
 *
 * The parse is structural: it knows which elements and attributes exist, turns
 * numbers and addresses into values, and rejects anything netd does not
 * support by name, so nothing is silently ignored. Semantic checks (ranges in
 * subnets, duplicates, grammars of names) are net_validate()'s. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "model.h"

#define NET_XML_MAX (1u << 20) /* no network definition is larger */

struct pctx {
	const char *file;
	struct nerr *e;
};

static int perr(const struct pctx *c, const xmlNode *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(const struct pctx *c, const xmlNode *node, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return nerr_set(c->e, -EINVAL, "%s:%ld: %s", c->file, node ? xmlGetLineNo(node) : 0L, msg);
}

static int line_of(const xmlNode *node)
{
	long l = xmlGetLineNo(node);

	return l > 0 && l < INT_MAX ? (int)l : 0;
}

static const char *ename(const xmlNode *node)
{
	return (const char *)node->name;
}

static bool is(const xmlNode *node, const char *name)
{
	return node->ns == NULL && strcmp(ename(node), name) == 0;
}

/* Reject any attribute not in 'allowed' (NULL-terminated). */
static int check_attrs(const struct pctx *c, const xmlNode *node, const char *const *allowed)
{
	for (const xmlAttr *a = node->properties; a; a = a->next) {
		bool ok = false;

		for (size_t i = 0; a->ns == NULL && allowed[i]; i++)
			if (strcmp((const char *)a->name, allowed[i]) == 0)
				ok = true;
		if (!ok)
			return perr(c, node, "<%s>: unsupported attribute '%s%s%s'", ename(node),
				    a->ns && a->ns->prefix ? (const char *)a->ns->prefix : "",
				    a->ns && a->ns->prefix ? ":" : "", (const char *)a->name);
	}
	return 0;
}

#define ATTRS(...) ((const char *const[]){ __VA_ARGS__, NULL })

DEFINE_TRIVIAL_CLEANUP_FUNC(xmlChar *, xmlFree)
#define _cleanup_xml_ __attribute__((cleanup(xmlFreep)))

/* Copy attribute 'name' into dst. Returns 1 when present, 0 when absent. */
static int attr_str(const struct pctx *c, const xmlNode *node, const char *name, char *dst,
		    size_t size)
{
	_cleanup_xml_ xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);

	if (!v)
		return 0;
	if (nd_strlcpy(dst, (const char *)v, size) >= size)
		return perr(c, node, "<%s %s='%.40s...'>: value is longer than %zu bytes",
			    ename(node), name, (const char *)v, size - 1);
	return 1;
}

static int attr_uint(const struct pctx *c, const xmlNode *node, const char *name, unsigned long max,
		     unsigned long *out)
{
	char buf[32], *end;
	int r;

	r = attr_str(c, node, name, buf, sizeof buf);
	if (r <= 0)
		return r;
	errno = 0;
	if (buf[0] < '0' || buf[0] > '9')
		return perr(c, node, "<%s %s='%s'>: not a number", ename(node), name, buf);
	*out = strtoul(buf, &end, 10);
	if (errno || *end || *out > max)
		return perr(c, node, "<%s %s='%s'>: not a number from 0 to %lu", ename(node), name,
			    buf, max);
	return 1;
}

static int attr_addr(const struct pctx *c, const xmlNode *node, const char *name,
		     struct net_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 1];
	int r;

	r = attr_str(c, node, name, buf, sizeof buf);
	if (r <= 0)
		return r;
	if (net_addr_parse(buf, a) < 0)
		return perr(c, node, "<%s %s='%s'>: not an IPv4 or IPv6 address", ename(node), name,
			    buf);
	return 1;
}

static int attr_yesno(const struct pctx *c, const xmlNode *node, const char *name, const char *yes,
		      const char *no, enum net_tristate *out)
{
	char buf[8];
	int r;

	r = attr_str(c, node, name, buf, sizeof buf);
	if (r <= 0)
		return r;
	if (strcmp(buf, yes) == 0)
		*out = NET_YES;
	else if (strcmp(buf, no) == 0)
		*out = NET_NO;
	else
		return perr(c, node, "<%s %s='%s'>: must be '%s' or '%s'", ename(node), name, buf,
			    yes, no);
	return 1;
}

/* Text content of an element without surrounding white space. */
static int text_str(const struct pctx *c, const xmlNode *node, char *dst, size_t size)
{
	_cleanup_xml_ xmlChar *v = xmlNodeGetContent(node);
	const char *s = v ? (const char *)v : "";
	size_t len;

	for (const xmlNode *k = node->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			return perr(c, k, "<%s> inside <%s>: unsupported element", ename(k),
				    ename(node));
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	len = strlen(s);
	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	if (len >= size)
		return perr(c, node, "<%s>: '%.40s...' is longer than %zu bytes", ename(node), s,
			    size - 1);
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

static int unsupported(const struct pctx *c, const xmlNode *node, const xmlNode *parent)
{
	if (node->ns && node->ns->href &&
	    strcmp((const char *)node->ns->href, NET_DNSMASQ_XML_NS) == 0)
		return perr(c, node,
			    "<dnsmasq:%s> in <%s>: unsupported element (netd takes dnsmasq "
			    "directives only as <dnsmasq:options><dnsmasq:option value='...'/> in "
			    "<network>)",
			    ename(node), ename(parent));
	if (node->ns && node->ns->prefix)
		return perr(c, node, "<%s:%s> in <%s>: unsupported element",
			    (const char *)node->ns->prefix, ename(node), ename(parent));
	return perr(c, node, "<%s> in <%s>: unsupported element", ename(node), ename(parent));
}

/* Iterate over element children only. */
/* NOLINTBEGIN(bugprone-macro-parentheses): k is the name the loop declares, not an expression */
#define for_each_child(k, parent)                                                                  \
	for (const xmlNode *k = (parent)->children; k; k = k->next)                                \
		if (k->type == XML_ELEMENT_NODE)
/* NOLINTEND(bugprone-macro-parentheses) */

static int only_once(const struct pctx *c, const xmlNode *node, bool *seen)
{
	if (*seen)
		return perr(c, node, "<%s>: given more than once", ename(node));
	*seen = true;
	return 0;
}

static int no_children(const struct pctx *c, const xmlNode *node)
{
	for_each_child (k, node)
		return unsupported(c, k, node);
	return 0;
}

static int parse_uuid(const struct pctx *c, const xmlNode *node, struct net *n)
{
	char buf[64];
	size_t nib = 0;
	int r;

	if ((r = check_attrs(c, node, ATTRS(NULL))) < 0 ||
	    (r = text_str(c, node, buf, sizeof buf)) < 0)
		return r;
	for (const char *p = buf; *p; p++) {
		int v;

		if (*p == '-')
			continue;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v = *p - 'A' + 10;
		else
			return perr(c, node, "<uuid>: '%s' is not a UUID", buf);
		if (nib >= 32)
			return perr(c, node, "<uuid>: '%s' is not a UUID", buf);
		n->uuid[nib / 2] = (uint8_t)(nib % 2 ? n->uuid[nib / 2] | v : v << 4);
		nib++;
	}
	if (nib != 32)
		return perr(c, node, "<uuid>: '%s' is not a UUID", buf);
	n->has_uuid = true;
	return 0;
}

static int parse_nat(const struct pctx *c, const xmlNode *node, struct net *n)
{
	bool seen_addr = false, seen_port = false;
	int r;

	if ((r = check_attrs(c, node, ATTRS("ipv6"))) < 0 ||
	    (r = attr_yesno(c, node, "ipv6", "yes", "no", &n->nat_ipv6)) < 0)
		return r;
	for_each_child (k, node) {
		if (is(k, "address")) {
			if ((r = only_once(c, k, &seen_addr)) < 0 ||
			    (r = check_attrs(c, k, ATTRS("start", "end"))) < 0 ||
			    (r = attr_addr(c, k, "start", &n->nat_start)) < 0 ||
			    (r = attr_addr(c, k, "end", &n->nat_end)) < 0 ||
			    (r = no_children(c, k)) < 0)
				return r;
			if (!n->nat_start.family || !n->nat_end.family)
				return perr(c, k, "<nat><address>: needs both start and end");
		} else if (is(k, "port")) {
			unsigned long s = 0, e = 0;

			if ((r = only_once(c, k, &seen_port)) < 0 ||
			    (r = check_attrs(c, k, ATTRS("start", "end"))) < 0 ||
			    (r = attr_uint(c, k, "start", 65535, &s)) < 0 ||
			    (r = attr_uint(c, k, "end", 65535, &e)) < 0 ||
			    (r = no_children(c, k)) < 0)
				return r;
			if (!s || !e)
				return perr(c, k,
					    "<nat><port>: needs start and end from 1 to 65535");
			n->nat_port_start = (unsigned)s;
			n->nat_port_end = (unsigned)e;
		} else {
			return unsupported(c, k, node);
		}
	}
	return 0;
}

static int parse_forward_mode(const struct pctx *c, const xmlNode *node, struct net *n)
{
	static const char *const foreign[] = { "private", "vepa", "passthrough", "hostdev", NULL };
	char mode[32] = "nat";
	int r;

	r = attr_str(c, node, "mode", mode, sizeof mode);
	if (r < 0)
		return r;
	if (strcmp(mode, "nat") == 0)
		n->fwd_mode = NET_FWD_NAT;
	else if (strcmp(mode, "route") == 0)
		n->fwd_mode = NET_FWD_ROUTE;
	else if (strcmp(mode, "open") == 0)
		n->fwd_mode = NET_FWD_OPEN;
	else if (strcmp(mode, "bridge") == 0)
		n->fwd_mode = NET_FWD_BRIDGE;
	else {
		for (size_t i = 0; foreign[i]; i++)
			if (strcmp(mode, foreign[i]) == 0)
				return perr(c, node,
					    "<forward mode='%s'>: not supported by netd (it "
					    "provisions bridges with nat, route, open or no "
					    "forwarding, and joins host bridges with "
					    "mode='bridge')",
					    mode);
		return perr(c, node,
			    "<forward mode='%s'>: unknown forward mode (expected nat, route, "
			    "open or bridge, or no <forward> for an isolated network)",
			    mode);
	}
	return 0;
}

static int parse_forward(const struct pctx *c, const xmlNode *node, struct net *n)
{
	bool seen_nat = false, seen_if = false;
	int r;

	n->has_forward = true;
	n->fwd_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("mode", "dev"))) < 0 ||
	    (r = parse_forward_mode(c, node, n)) < 0 ||
	    (r = attr_str(c, node, "dev", n->fwd_dev, sizeof n->fwd_dev)) < 0)
		return r;
	for_each_child (k, node) {
		if (is(k, "nat")) {
			if ((r = only_once(c, k, &seen_nat)) < 0)
				return r;
			if (n->fwd_mode != NET_FWD_NAT)
				return perr(c, k, "<nat>: only valid with <forward mode='nat'>");
			if ((r = parse_nat(c, k, n)) < 0)
				return r;
		} else if (is(k, "interface")) {
			/* libvirt lists the forward device again as <interface>;
			 * a pool of several devices is for other modes. */
			char dev[NET_IFNAME_MAX + 1] = "";

			if ((r = only_once(c, k, &seen_if)) < 0 ||
			    (r = check_attrs(c, k, ATTRS("dev"))) < 0 ||
			    (r = attr_str(c, k, "dev", dev, sizeof dev)) < 0 ||
			    (r = no_children(c, k)) < 0)
				return r;
			if (!dev[0])
				return perr(c, k, "<forward><interface>: needs dev");
			if (n->fwd_dev[0] && strcmp(dev, n->fwd_dev) != 0)
				return perr(c, k,
					    "<forward><interface dev='%s'>: differs from <forward "
					    "dev='%s'>",
					    dev, n->fwd_dev);
			nd_strlcpy(n->fwd_dev, dev, sizeof n->fwd_dev);
		} else {
			return unsupported(c, k, node);
		}
	}
	return 0;
}

static int parse_bridge(const struct pctx *c, const xmlNode *node, struct net *n)
{
	char stp[8];
	unsigned long delay;
	int r;

	n->bridge_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("name", "stp", "delay", "zone"))) < 0 ||
	    (r = no_children(c, node)) < 0)
		return r;
	r = attr_str(c, node, "name", n->bridge, sizeof n->bridge);
	if (r < 0)
		return nerr_set(c->e, r,
				"%s:%d: <bridge name>: longer than 15 bytes (Linux interface "
				"names are at most 15)",
				c->file, n->bridge_line);
	r = attr_str(c, node, "stp", stp, sizeof stp);
	if (r < 0)
		return r;
	if (r > 0) {
		if (strcmp(stp, "on") == 0)
			n->stp = NET_YES;
		else if (strcmp(stp, "off") == 0)
			n->stp = NET_NO;
		else
			return perr(c, node, "<bridge stp='%s'>: must be 'on' or 'off'", stp);
	}
	r = attr_uint(c, node, "delay", UINT_MAX, &delay);
	if (r < 0)
		return r;
	if (r > 0) {
		n->delay = (unsigned)delay;
		n->has_delay = true;
	}
	r = attr_str(c, node, "zone", n->zone, sizeof n->zone);
	return r < 0 ? r : 0;
}

static unsigned hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (unsigned)(ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (unsigned)(ch - 'a' + 10);
	return (unsigned)(ch - 'A' + 10);
}

/* Exactly six pairs of hex digits joined by ':' (no sscanf: it would take
 * signs, spaces and "0x" too). */
int net_parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !nd_is_hex(s[i]))
			return -EINVAL;
	for (size_t i = 0; i < 6; i++)
		mac[i] = (uint8_t)(hex_value(s[3 * i]) << 4 | hex_value(s[3 * i + 1]));
	return 0;
}

static int parse_mac(const struct pctx *c, const xmlNode *node, struct net *n)
{
	char buf[32] = "";
	int r;

	n->mac_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("address"))) < 0 || (r = no_children(c, node)) < 0 ||
	    (r = attr_str(c, node, "address", buf, sizeof buf)) < 0)
		return r;
	if (net_parse_mac(buf, n->mac) < 0)
		return perr(c, node, "<mac address='%s'>: not a MAC address", buf);
	n->has_mac = true;
	return 0;
}

static int parse_mtu(const struct pctx *c, const xmlNode *node, struct net *n)
{
	unsigned long v = 0;
	int r;

	n->mtu_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("size"))) < 0 || (r = no_children(c, node)) < 0 ||
	    (r = attr_uint(c, node, "size", UINT_MAX, &v)) < 0)
		return r;
	if (r == 0)
		return perr(c, node, "<mtu>: needs size");
	n->mtu = (unsigned)v;
	return 0;
}

static int parse_domain(const struct pctx *c, const xmlNode *node, struct net *n)
{
	int r;

	n->domain_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("name", "localOnly", "register"))) < 0 ||
	    (r = no_children(c, node)) < 0 ||
	    (r = attr_str(c, node, "name", n->domain, sizeof n->domain)) < 0 ||
	    (r = attr_yesno(c, node, "localOnly", "yes", "no", &n->domain_local_only)) < 0 ||
	    (r = attr_yesno(c, node, "register", "yes", "no", &n->domain_register)) < 0)
		return r;
	if (!n->domain[0])
		return perr(c, node, "<domain>: needs name");
	return 0;
}

static int parse_lease(const struct pctx *c, const xmlNode *node, struct net_lease *l)
{
	unsigned long expiry = 0;
	uint64_t mult;
	int r;

	if (l->set)
		return perr(c, node, "<lease>: given more than once");
	if ((r = check_attrs(c, node, ATTRS("expiry", "unit"))) < 0 ||
	    (r = no_children(c, node)) < 0 ||
	    (r = attr_uint(c, node, "expiry", UINT_MAX, &expiry)) < 0)
		return r;
	if (r == 0)
		return perr(c, node, "<lease>: needs expiry");
	nd_strlcpy(l->unit, "minutes", sizeof l->unit);
	r = attr_str(c, node, "unit", l->unit, sizeof l->unit);
	if (r < 0)
		return perr(c, node, "<lease unit>: must be seconds, minutes or hours");
	if (strcmp(l->unit, "seconds") == 0)
		mult = 1;
	else if (strcmp(l->unit, "minutes") == 0)
		mult = 60;
	else if (strcmp(l->unit, "hours") == 0)
		mult = 3600;
	else
		return perr(c, node, "<lease unit='%s'>: must be seconds, minutes or hours",
			    l->unit);
	l->set = true;
	l->expiry = expiry;
	l->infinite = expiry == 0;
	l->seconds = (uint64_t)expiry * mult;
	return 0;
}

static int parse_range(const struct pctx *c, const xmlNode *node, struct net_ip *ip)
{
	struct net_dhcp_range *rg;
	int r;

	rg = nd_array_push(&ip->ranges, &ip->n_ranges, sizeof *rg, NET_MAX_ITEMS);
	if (!rg)
		return perr(c, node, "<range>: too many ranges");
	rg->line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("start", "end"))) < 0 ||
	    (r = attr_addr(c, node, "start", &rg->start)) < 0 ||
	    (r = attr_addr(c, node, "end", &rg->end)) < 0)
		return r;
	if (!rg->start.family || !rg->end.family)
		return perr(c, node, "<range>: needs start and end");
	for_each_child (k, node) {
		if (!is(k, "lease"))
			return unsupported(c, k, node);
		if ((r = parse_lease(c, k, &rg->lease)) < 0)
			return r;
	}
	return 0;
}

static int parse_dhcp_host(const struct pctx *c, const xmlNode *node, struct net_ip *ip)
{
	struct net_dhcp_host *h;
	char mac[32] = "";
	uint8_t m[6];
	int r;

	h = nd_array_push(&ip->hosts, &ip->n_hosts, sizeof *h, NET_MAX_ITEMS);
	if (!h)
		return perr(c, node, "<host>: too many static hosts");
	h->line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("mac", "id", "name", "ip"))) < 0 ||
	    (r = attr_str(c, node, "mac", mac, sizeof mac)) < 0 ||
	    (r = attr_str(c, node, "id", h->id, sizeof h->id)) < 0 ||
	    (r = attr_str(c, node, "name", h->name, sizeof h->name)) < 0 ||
	    (r = attr_addr(c, node, "ip", &h->ip)) < 0)
		return r;
	if (mac[0]) {
		if (net_parse_mac(mac, m) < 0)
			return perr(c, node, "<host mac='%s'>: not a MAC address", mac);
		net_mac_str(m, h->mac);
	}
	for_each_child (k, node) {
		if (!is(k, "lease"))
			return unsupported(c, k, node);
		if ((r = parse_lease(c, k, &h->lease)) < 0)
			return r;
	}
	return 0;
}

static int parse_bootp(const struct pctx *c, const xmlNode *node, struct net_ip *ip)
{
	int r;

	if (ip->bootp_line)
		return perr(c, node, "<bootp>: given more than once in one <dhcp>");
	ip->bootp_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("file", "server"))) < 0 ||
	    (r = no_children(c, node)) < 0 ||
	    (r = attr_str(c, node, "file", ip->bootp_file, sizeof ip->bootp_file)) < 0 ||
	    (r = attr_addr(c, node, "server", &ip->bootp_server)) < 0)
		return r;
	if (!ip->bootp_file[0])
		return perr(c, node, "<bootp>: needs file (the boot file offered to clients)");
	return 0;
}

static int parse_tftp(const struct pctx *c, const xmlNode *node, struct net_ip *ip)
{
	int r;

	if (ip->tftp_line)
		return perr(c, node, "<tftp>: given more than once in one <ip>");
	ip->tftp_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("root"))) < 0 || (r = no_children(c, node)) < 0 ||
	    (r = attr_str(c, node, "root", ip->tftp_root, sizeof ip->tftp_root)) < 0)
		return r;
	if (!ip->tftp_root[0])
		return perr(c, node, "<tftp>: needs root (the directory TFTP serves)");
	return 0;
}

static int parse_dhcp(const struct pctx *c, const xmlNode *node, struct net_ip *ip)
{
	int r;

	if (ip->has_dhcp)
		return perr(c, node, "<dhcp>: given more than once in one <ip>");
	ip->has_dhcp = true;
	if ((r = check_attrs(c, node, ATTRS(NULL))) < 0)
		return r;
	for_each_child (k, node) {
		if (is(k, "range"))
			r = parse_range(c, k, ip);
		else if (is(k, "host"))
			r = parse_dhcp_host(c, k, ip);
		else if (is(k, "bootp"))
			r = parse_bootp(c, k, ip);
		else
			r = unsupported(c, k, node);
		if (r < 0)
			return r;
	}
	return 0;
}

/* libvirt's default when neither prefix nor netmask is given: the classful
 * prefix for IPv4, /64 for IPv6. */
static unsigned default_prefix(const struct net_addr *a)
{
	uint8_t first = a->u.b[0];

	if (a->family == AF_INET6)
		return 64;
	if (first < 128)
		return 8;
	if (first < 192)
		return 16;
	return 24;
}

static int netmask_prefix(const struct net_addr *m)
{
	uint32_t v = ntohl(m->u.v4);
	unsigned p = 0;

	while (p < 32 && (v & (0x80000000u >> p)))
		p++;
	if (p < 32 && (v << p) != 0)
		return -EINVAL;
	return (int)p;
}

/* prefix= or netmask= of an <ip> or <route> whose address is 'a'. */
static int parse_prefix(const struct pctx *c, const xmlNode *node, const struct net_addr *a,
			unsigned *out, enum net_pfx_form *form)
{
	struct net_addr mask = { 0 };
	unsigned long prefix = 0;
	int r, has_prefix, has_mask;

	if ((has_prefix = attr_uint(c, node, "prefix", 128, &prefix)) < 0 ||
	    (has_mask = attr_addr(c, node, "netmask", &mask)) < 0)
		return has_prefix < 0 ? has_prefix : has_mask;
	if (has_prefix && has_mask)
		return perr(c, node, "<%s>: give prefix or netmask, not both", ename(node));
	if (has_mask) {
		if (a->family != AF_INET || mask.family != AF_INET)
			return perr(c, node, "<%s netmask>: only for IPv4 addresses (use prefix)",
				    ename(node));
		r = netmask_prefix(&mask);
		if (r < 0)
			return perr(c, node, "<%s netmask>: not a contiguous netmask", ename(node));
		*out = (unsigned)r;
		*form = NET_PFX_NETMASK;
	} else if (has_prefix) {
		if (prefix > (a->family == AF_INET ? 32u : 128u))
			return perr(c, node, "<%s prefix='%lu'>: too long for the address family",
				    ename(node), prefix);
		*out = (unsigned)prefix;
		*form = NET_PFX_PREFIX;
	} else {
		*out = default_prefix(a);
		*form = NET_PFX_NONE;
	}
	return 0;
}

/* family='ipv4|ipv6' of an <ip> or <route>: must match the address. */
static int parse_family(const struct pctx *c, const xmlNode *node, const struct net_addr *a,
			bool *given)
{
	char family[8] = "";
	int r;

	if ((r = attr_str(c, node, "family", family, sizeof family)) < 0)
		return r;
	*given = family[0] != '\0';
	if (family[0] && strcmp(family, a->family == AF_INET ? "ipv4" : "ipv6") != 0)
		return perr(c, node, "<%s family='%s'>: does not match address family", ename(node),
			    family);
	return 0;
}

static int parse_route(const struct pctx *c, const xmlNode *node, struct net *n)
{
	struct net_route *rt;
	unsigned long metric = 0;
	int r, has_metric = 0;

	rt = nd_array_push(&n->routes, &n->n_routes, sizeof *rt, NET_MAX_ITEMS);
	if (!rt)
		return perr(c, node, "<route>: too many routes");
	rt->line = line_of(node);
	if ((r = check_attrs(
		     c, node,
		     ATTRS("family", "address", "netmask", "prefix", "gateway", "metric"))) < 0 ||
	    (r = no_children(c, node)) < 0 || (r = attr_addr(c, node, "address", &rt->addr)) < 0 ||
	    (r = attr_addr(c, node, "gateway", &rt->gateway)) < 0)
		return r;
	if (!rt->addr.family)
		return perr(c, node, "<route>: needs address (the destination subnet)");
	if (!rt->gateway.family)
		return perr(c, node, "<route>: needs gateway (a guest that routes the subnet)");
	if ((r = parse_family(c, node, &rt->addr, &rt->family_given)) < 0 ||
	    (r = parse_prefix(c, node, &rt->addr, &rt->prefix, &rt->prefix_form)) < 0 ||
	    (has_metric = attr_uint(c, node, "metric", UINT32_MAX, &metric)) < 0)
		return r < 0 ? r : has_metric;
	if (has_metric && metric == 0)
		return perr(c, node, "<route metric='0'>: must be from 1 to %u", UINT32_MAX);
	rt->metric = (unsigned)metric;
	return 0;
}

static int parse_ip(const struct pctx *c, const xmlNode *node, struct net *n)
{
	struct net_ip *ip;
	int r;

	ip = nd_array_push(&n->ips, &n->n_ips, sizeof *ip, 64);
	if (!ip)
		return perr(c, node, "<ip>: too many addresses");
	ip->line = line_of(node);
	if ((r = check_attrs(c, node,
			     ATTRS("address", "netmask", "prefix", "family", "localPtr"))) < 0 ||
	    (r = attr_addr(c, node, "address", &ip->addr)) < 0 ||
	    (r = attr_yesno(c, node, "localPtr", "yes", "no", &ip->local_ptr)) < 0)
		return r;
	if (!ip->addr.family)
		return perr(c, node, "<ip>: needs address");
	if ((r = parse_family(c, node, &ip->addr, &ip->family_given)) < 0 ||
	    (r = parse_prefix(c, node, &ip->addr, &ip->prefix, &ip->prefix_form)) < 0)
		return r;
	for_each_child (k, node) {
		if (is(k, "dhcp"))
			r = parse_dhcp(c, k, ip);
		else if (is(k, "tftp"))
			r = parse_tftp(c, k, ip);
		else
			r = unsupported(c, k, node);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_forwarder(const struct pctx *c, const xmlNode *node, struct net_dns *d)
{
	struct net_dns_fwd *f;
	int r;

	f = nd_array_push(&d->fwds, &d->n_fwds, sizeof *f, NET_MAX_ITEMS);
	if (!f)
		return perr(c, node, "<forwarder>: too many forwarders");
	f->line = line_of(node);
	unsigned long port = 0;
	int has_port = 0;

	if ((r = check_attrs(c, node, ATTRS("addr", "port", "domain"))) < 0 ||
	    (r = no_children(c, node)) < 0 || (r = attr_addr(c, node, "addr", &f->addr)) < 0 ||
	    (has_port = attr_uint(c, node, "port", 65535, &port)) < 0 ||
	    (r = attr_str(c, node, "domain", f->domain, sizeof f->domain)) < 0)
		return has_port < 0 ? has_port : r;
	if (!f->addr.family && !f->domain[0])
		return perr(c, node, "<forwarder>: needs addr or domain");
	if (has_port > 0 && (!port || !f->addr.family))
		return perr(c, node, "<forwarder port>: needs addr and a port from 1 to 65535");
	f->port = (unsigned)port;
	return 0;
}

static int parse_dns_host(const struct pctx *c, const xmlNode *node, struct net_dns *d)
{
	struct net_dns_host *h;
	int r;

	h = nd_array_push(&d->hosts, &d->n_hosts, sizeof *h, NET_MAX_ITEMS);
	if (!h)
		return perr(c, node, "<dns><host>: too many hosts");
	h->line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("ip"))) < 0 ||
	    (r = attr_addr(c, node, "ip", &h->ip)) < 0)
		return r;
	if (!h->ip.family)
		return perr(c, node, "<dns><host>: needs ip");
	for_each_child (k, node) {
		char(*name)[NET_DNSNAME_MAX + 1];

		if (!is(k, "hostname"))
			return unsupported(c, k, node);
		name = nd_array_push(&h->names, &h->n_names, sizeof *name, 64);
		if (!name)
			return perr(c, k, "<hostname>: too many names for one host");
		if ((r = check_attrs(c, k, ATTRS(NULL))) < 0 ||
		    (r = text_str(c, k, *name, sizeof *name)) < 0)
			return r;
		if (!(*name)[0])
			return perr(c, k, "<hostname>: empty");
	}
	if (h->n_names == 0)
		return perr(c, node, "<dns><host ip>: needs at least one <hostname>");
	return 0;
}

static int attr_int_opt(const struct pctx *c, const xmlNode *node, const char *name, int *out)
{
	unsigned long v = 0;
	int r = attr_uint(c, node, name, 65535, &v);

	*out = r > 0 ? (int)v : -1;
	return r < 0 ? r : 0;
}

static int parse_srv(const struct pctx *c, const xmlNode *node, struct net_dns *d)
{
	struct net_dns_srv *s;
	int r;

	s = nd_array_push(&d->srvs, &d->n_srvs, sizeof *s, NET_MAX_ITEMS);
	if (!s)
		return perr(c, node, "<srv>: too many records");
	s->line = line_of(node);
	if ((r = check_attrs(c, node,
			     ATTRS("service", "protocol", "domain", "target", "port", "priority",
				   "weight"))) < 0 ||
	    (r = no_children(c, node)) < 0 ||
	    (r = attr_str(c, node, "service", s->service, sizeof s->service)) < 0 ||
	    (r = attr_str(c, node, "protocol", s->protocol, sizeof s->protocol)) < 0 ||
	    (r = attr_str(c, node, "domain", s->domain, sizeof s->domain)) < 0 ||
	    (r = attr_str(c, node, "target", s->target, sizeof s->target)) < 0 ||
	    (r = attr_int_opt(c, node, "port", &s->port)) < 0 ||
	    (r = attr_int_opt(c, node, "priority", &s->priority)) < 0 ||
	    (r = attr_int_opt(c, node, "weight", &s->weight)) < 0)
		return r;
	if (!s->service[0] || !s->protocol[0])
		return perr(c, node, "<srv>: needs service and protocol");
	return 0;
}

static int parse_txt(const struct pctx *c, const xmlNode *node, struct net_dns *d)
{
	struct net_dns_txt *t;
	int r;

	t = nd_array_push(&d->txts, &d->n_txts, sizeof *t, NET_MAX_ITEMS);
	if (!t)
		return perr(c, node, "<txt>: too many records");
	t->line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("name", "value"))) < 0 ||
	    (r = no_children(c, node)) < 0 ||
	    (r = attr_str(c, node, "name", t->name, sizeof t->name)) < 0 ||
	    (r = attr_str(c, node, "value", t->value, sizeof t->value)) < 0)
		return r;
	if (!t->name[0] || r == 0)
		return perr(c, node, "<txt>: needs name and value");
	return 0;
}

static int parse_dns(const struct pctx *c, const xmlNode *node, struct net *n)
{
	struct net_dns *d = &n->dns;
	int r;

	d->line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("enable", "forwardPlainNames"))) < 0 ||
	    (r = attr_yesno(c, node, "enable", "yes", "no", &d->enable)) < 0 ||
	    (r = attr_yesno(c, node, "forwardPlainNames", "yes", "no", &d->forward_plain_names)) <
		    0)
		return r;
	for_each_child (k, node) {
		if (is(k, "forwarder"))
			r = parse_forwarder(c, k, d);
		else if (is(k, "host"))
			r = parse_dns_host(c, k, d);
		else if (is(k, "srv"))
			r = parse_srv(c, k, d);
		else if (is(k, "txt"))
			r = parse_txt(c, k, d);
		else
			r = unsupported(c, k, node);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool is_netd(const xmlNode *node, const char *name)
{
	return node->ns && node->ns->href &&
	       strcmp((const char *)node->ns->href, NETD_XML_NS) == 0 &&
	       strcmp(ename(node), name) == 0;
}

static int parse_access(const struct pctx *c, const xmlNode *node, struct net *n)
{
	int r;

	if (n->access_line)
		return perr(c, node, "<access>: given more than once");
	n->access_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS("group"))) < 0 || (r = no_children(c, node)) < 0 ||
	    (r = attr_str(c, node, "group", n->access_group, sizeof n->access_group)) < 0)
		return r;
	if (!n->access_group[0])
		return perr(c, node, "<access>: needs group");
	return 0;
}

static int parse_owner(const struct pctx *c, const xmlNode *node, struct net *n)
{
	unsigned long uid = 0;
	int r;

	if (n->owner_line)
		return perr(c, node, "<owner>: given more than once");
	if ((r = check_attrs(c, node, ATTRS("uid"))) < 0 || (r = no_children(c, node)) < 0 ||
	    (r = attr_uint(c, node, "uid", UINT32_MAX - 1, &uid)) < 0)
		return r;
	if (r == 0)
		return perr(c, node, "<owner>: needs uid");
	n->owner_uid = (uint32_t)uid;
	n->owner_line = line_of(node);
	return 0;
}

static bool is_dnsmasq(const xmlNode *node, const char *name)
{
	return node->ns && node->ns->href &&
	       strcmp((const char *)node->ns->href, NET_DNSMASQ_XML_NS) == 0 &&
	       strcmp(ename(node), name) == 0;
}

/* <dnsmasq:options><dnsmasq:option value='NAME[=VALUE]'/>...: kept as
 * written; which directives netd takes is validate's (dhcp_option_why()). */
static int parse_dnsmasq_options(const struct pctx *c, const xmlNode *node, struct net *n)
{
	int r;

	if (n->dnsmasq_line)
		return perr(c, node, "<dnsmasq:options>: given more than once");
	n->dnsmasq_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS(NULL))) < 0)
		return r;
	for_each_child (k, node) {
		struct net_dnsmasq_opt *o;

		if (!is_dnsmasq(k, "option"))
			return unsupported(c, k, node);
		o = nd_array_push(&n->dnsmasq_opts, &n->n_dnsmasq_opts, sizeof *o, 256);
		if (!o)
			return perr(c, k, "<dnsmasq:option>: more than 256 in one network");
		o->line = line_of(k);
		if ((r = check_attrs(c, k, ATTRS("value"))) < 0 || (r = no_children(c, k)) < 0 ||
		    (r = attr_str(c, k, "value", o->value, sizeof o->value)) < 0)
			return r;
		if (r == 0)
			return perr(c, k, "<dnsmasq:option>: needs value");
	}
	return 0;
}

/* <inbound|outbound average peak burst/>: numbers only here; what they
 * must be (average given, peak >= average) is validate's. */
static int parse_bw_rate(const struct pctx *c, const xmlNode *node, struct net_bw_rate *rt)
{
	unsigned long v;
	int r;

	if (rt->set)
		return perr(c, node, "<%s>: given more than once", ename(node));
	rt->set = true;
	rt->line = line_of(node);
	/* libvirt's own parser refuses floor in a network's <bandwidth>: it is
	 * the rate one guest's <interface> is guaranteed out of the network's
	 * inbound, and shapes nothing on the bridge by itself. */
	if (xmlHasNsProp(node, (const xmlChar *)"floor", NULL))
		return perr(c, node,
			    "<%s floor>: floor is not supported in a network's <bandwidth> (it "
			    "is a guest interface's guaranteed share, set in the domain's "
			    "<interface>; libvirt refuses it here too)",
			    ename(node));
	if ((r = check_attrs(c, node, ATTRS("average", "peak", "burst"))) < 0 ||
	    (r = no_children(c, node)) < 0)
		return r;
	v = 0;
	if ((r = attr_uint(c, node, "average", NET_BW_RATE_MAX, &v)) < 0)
		return r;
	rt->average = v;
	v = 0;
	if ((r = attr_uint(c, node, "peak", NET_BW_RATE_MAX, &v)) < 0)
		return r;
	rt->peak = v;
	v = 0;
	if ((r = attr_uint(c, node, "burst", NET_BW_BURST_MAX, &v)) < 0)
		return r;
	rt->burst = v;
	return 0;
}

static int parse_bandwidth(const struct pctx *c, const xmlNode *node, struct net *n)
{
	int r;

	if (n->bw_line)
		return perr(c, node, "<bandwidth>: given more than once");
	n->bw_line = line_of(node);
	if ((r = check_attrs(c, node, ATTRS(NULL))) < 0)
		return r;
	for_each_child (k, node) {
		if (is(k, "inbound"))
			r = parse_bw_rate(c, k, &n->bw_in);
		else if (is(k, "outbound"))
			r = parse_bw_rate(c, k, &n->bw_out);
		else
			r = unsupported(c, k, node);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_network(const struct pctx *c, const xmlNode *root, struct net *n)
{
	bool s_name = false, s_uuid = false, s_fwd = false, s_br = false, s_mac = false,
	     s_mtu = false, s_dom = false, s_dns = false;
	int r;

	if (!is(root, "network"))
		return perr(c, root, "<%s>: the top element must be <network>", ename(root));
	if ((r = check_attrs(c, root, ATTRS("ipv6"))) < 0 ||
	    (r = attr_yesno(c, root, "ipv6", "yes", "no", &n->ipv6_link)) < 0)
		return r;
	for_each_child (k, root) {
		if (is(k, "name")) {
			n->name_line = line_of(k);
			if ((r = only_once(c, k, &s_name)) < 0 ||
			    (r = check_attrs(c, k, ATTRS(NULL))) < 0 ||
			    (r = text_str(c, k, n->name, sizeof n->name)) < 0)
				return r;
		} else if (is(k, "uuid")) {
			if ((r = only_once(c, k, &s_uuid)) < 0 || (r = parse_uuid(c, k, n)) < 0)
				return r;
		} else if (is(k, "forward")) {
			if ((r = only_once(c, k, &s_fwd)) < 0 || (r = parse_forward(c, k, n)) < 0)
				return r;
		} else if (is(k, "bridge")) {
			if ((r = only_once(c, k, &s_br)) < 0 || (r = parse_bridge(c, k, n)) < 0)
				return r;
		} else if (is(k, "mac")) {
			if ((r = only_once(c, k, &s_mac)) < 0 || (r = parse_mac(c, k, n)) < 0)
				return r;
		} else if (is(k, "mtu")) {
			if ((r = only_once(c, k, &s_mtu)) < 0 || (r = parse_mtu(c, k, n)) < 0)
				return r;
		} else if (is(k, "domain")) {
			if ((r = only_once(c, k, &s_dom)) < 0 || (r = parse_domain(c, k, n)) < 0)
				return r;
		} else if (is(k, "dns")) {
			if ((r = only_once(c, k, &s_dns)) < 0 || (r = parse_dns(c, k, n)) < 0)
				return r;
		} else if (is(k, "ip")) {
			if ((r = parse_ip(c, k, n)) < 0)
				return r;
		} else if (is(k, "route")) {
			if ((r = parse_route(c, k, n)) < 0)
				return r;
		} else if (is_netd(k, "access")) {
			if ((r = parse_access(c, k, n)) < 0)
				return r;
		} else if (is_netd(k, "owner")) {
			if ((r = parse_owner(c, k, n)) < 0)
				return r;
		} else if (is_dnsmasq(k, "options")) {
			if ((r = parse_dnsmasq_options(c, k, n)) < 0)
				return r;
		} else if (is(k, "bandwidth")) {
			if ((r = parse_bandwidth(c, k, n)) < 0)
				return r;
		} else {
			return unsupported(c, k, root);
		}
	}
	if (!s_name)
		return perr(c, root, "<network>: missing <name>");
	return 0;
}

/* Entities and DTDs are refused outright: no network definition needs them,
 * and they are how XML input reaches files and the network. */
static int check_no_dtd(const struct pctx *c, xmlDoc *doc)
{
	if (doc->intSubset || doc->extSubset)
		return nerr_set(c->e, -EINVAL,
				"%s: a DOCTYPE is not allowed in a network definition", c->file);
	return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(xmlDoc *, xmlFreeDoc)
#define _cleanup_xmldoc_ __attribute__((cleanup(xmlFreeDocp)))

static void xml_error_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* buf as an XML document, or libxml2's first error as file:line. */
static int xml_read(const char *buf, size_t len, const char *file, xmlDoc **out, struct nerr *e)
{
	const xmlError *xe;

	if (len > NET_XML_MAX)
		return nerr_set(e, -EFBIG, "%s: larger than %u bytes", file, NET_XML_MAX);
	xmlSetGenericErrorFunc(NULL, xml_error_silent);
	xmlResetLastError();
	*out = xmlReadMemory(buf, (int)len, file, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				     XML_PARSE_BIG_LINES);
	if (*out)
		return 0;
	xe = xmlGetLastError();
	if (xe && xe->message) {
		char msg[512];
		size_t l;

		/* nd_strlcpy returns the source's length, which may exceed the
		 * buffer's: measure what was copied. */
		(void)nd_strlcpy(msg, xe->message, sizeof msg); /* may be truncated */
		l = strlen(msg);
		while (l > 0 && msg[l - 1] == '\n')
			msg[--l] = '\0';
		return nerr_set(e, -EINVAL, "%s:%d: not well-formed XML: %s", file, xe->line, msg);
	}
	return nerr_set(e, -EINVAL, "%s: not well-formed XML", file);
}

int net_parse_memory(const char *buf, size_t len, const char *file, struct net *n, struct nerr *e)
{
	_cleanup_xmldoc_ xmlDoc *doc = NULL;
	struct pctx c = { .file = file, .e = e };
	int r;

	memset(n, 0, sizeof *n);
	nd_strlcpy(n->file, file, sizeof n->file);
	if ((r = xml_read(buf, len, file, &doc, e)) < 0)
		return r;
	if ((r = check_no_dtd(&c, doc)) < 0)
		return r;
	r = parse_network(&c, xmlDocGetRootElement(doc), n);
	if (r < 0) {
		char keep[sizeof n->file];

		memcpy(keep, n->file, sizeof keep);
		net_free(n);
		memcpy(n->file, keep, sizeof keep);
	}
	return r;
}

int net_parse_file(const char *path, struct net *n, struct nerr *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	memset(n, 0, sizeof *n);
	r = nd_read_file_max(path, NET_XML_MAX, &buf, &len);
	if (r == -EFBIG)
		return nerr_set(e, r, "%s: larger than %u bytes", path, NET_XML_MAX);
	if (r < 0)
		return nerr_set(e, r, "%s: %s", path, nd_strerror(r));
	return net_parse_memory(buf, len, path, n, e);
}

int net_load_file(const char *path, struct net *n, struct nerr *e)
{
	int r = net_parse_file(path, n, e);

	if (r == 0)
		r = net_validate(n, e);
	if (r < 0)
		net_free(n);
	return r;
}

/* ---- one element, as virsh net-update takes it ---------------------------- */

static const char *const snippet_elem[] = {
	[NET_SNIP_DHCP_HOST] = "host", [NET_SNIP_DHCP_RANGE] = "range",
	[NET_SNIP_DNS_HOST] = "host",  [NET_SNIP_DNS_SRV] = "srv",
	[NET_SNIP_DNS_TXT] = "txt",
};

static int parse_snippet_node(const struct pctx *c, const xmlNode *root, enum net_snippet kind,
			      struct net *n)
{
	struct net_ip *ip;

	if (!root || root->type != XML_ELEMENT_NODE || !is(root, snippet_elem[kind]))
		return perr(c, root, "expected one <%s> element%s%s%s", snippet_elem[kind],
			    root ? ", not <" : "", root ? ename(root) : "", root ? ">" : "");
	switch (kind) {
	case NET_SNIP_DHCP_HOST:
	case NET_SNIP_DHCP_RANGE:
		ip = nd_array_push(&n->ips, &n->n_ips, sizeof *ip, 1);
		if (!ip)
			return nerr_set(c->e, -ENOMEM, "%s: out of memory", c->file);
		ip->has_dhcp = true;
		return kind == NET_SNIP_DHCP_HOST ? parse_dhcp_host(c, root, ip)
						  : parse_range(c, root, ip);
	case NET_SNIP_DNS_HOST:
		return parse_dns_host(c, root, &n->dns);
	case NET_SNIP_DNS_SRV:
		return parse_srv(c, root, &n->dns);
	case NET_SNIP_DNS_TXT:
		return parse_txt(c, root, &n->dns);
	}
	return -EINVAL;
}

int net_parse_snippet(const char *buf, size_t len, const char *file, enum net_snippet kind,
		      struct net *n, struct nerr *e)
{
	_cleanup_xmldoc_ xmlDoc *doc = NULL;
	struct pctx c = { .file = file, .e = e };
	int r;

	memset(n, 0, sizeof *n);
	nd_strlcpy(n->file, file, sizeof n->file);
	if ((r = xml_read(buf, len, file, &doc, e)) < 0)
		return r;
	if ((r = check_no_dtd(&c, doc)) < 0)
		return r;
	r = parse_snippet_node(&c, xmlDocGetRootElement(doc), kind, n);
	if (r < 0)
		net_free(n);
	return r;
}
