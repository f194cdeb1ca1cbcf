/* libvirt's <dnsmasq:options>: raw dnsmasq directives, which netd takes only
 * from an allowlist of options that cannot run a program, read or write a
 * file, change where dnsmasq listens or whom it runs as, and do not
 * duplicate what netd writes from the XML itself. Each allowed option's value
 * passes a grammar of its own, written from dnsmasq(8) (2.90); anything the
 * grammar does not know is refused with the reason, never passed on.
 *
 * The value alphabet every option shares: printable ASCII and single inner
 * spaces, no backslash (dnsmasq's escape), no '#' after a space (a comment),
 * no white space at an end or beside a comma (dnsmasq drops it, so what it
 * reads would differ from what was written), and a '"' only where a
 * grammar takes a quoted string. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_int.h"

#define MAX_FIELDS 64

/* One option being checked: its name, its value split at ',', and where
 * the reason goes. */
struct oc {
	const char *name;
	bool has_value;
	char buf[DHCP_OPT_MAX + 1];
	char *f[MAX_FIELDS];
	size_t nf;
	char *why;
};

static const char *say(struct oc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *say(struct oc *c, const char *fmt, ...)
{
	int w = snprintf(c->why, DHCP_OPT_WHY_MAX, "'%s': ", c->name);
	va_list ap;

	if (w < 0 || w >= DHCP_OPT_WHY_MAX)
		return c->why;
	va_start(ap, fmt);
	vsnprintf(c->why + w, DHCP_OPT_WHY_MAX - (size_t)w, fmt, ap);
	va_end(ap);
	return c->why;
}

/* A field as it may appear in a message. */
static const char *shown(const char *v, char buf[48])
{
	if (nd_escape(buf, 45, v) >= 45)
		memcpy(buf + strlen(buf), "...", 4);
	return buf;
}

static bool digits(const char *s, size_t max_len)
{
	size_t n = strlen(s);

	if (n == 0 || n > max_len)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool number_in(const char *s, unsigned long lo, unsigned long hi)
{
	unsigned long v;

	if (!digits(s, 10))
		return false;
	v = strtoul(s, NULL, 10);
	return v >= lo && v <= hi;
}

/* dnsmasq's tags are free strings; netd keeps them to a label. */
static bool tag_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	for (; *s; s++)
		if (!nd_is_alnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static bool prefixed(const char *f, const char *pfx, const char **rest)
{
	size_t n = strlen(pfx);

	if (strncmp(f, pfx, n) != 0)
		return false;
	*rest = f + n;
	return true;
}

/* "tag:T" or "tag:!T" */
static bool tag_ref(const char *f)
{
	const char *t;

	if (!prefixed(f, "tag:", &t))
		return false;
	if (*t == '!')
		t++;
	return tag_ok(t);
}

static bool tag_set(const char *f)
{
	const char *t;

	return prefixed(f, "set:", &t) && tag_ok(t);
}

/* A DNS name, or with 'wild' one whose first label may be "*". */
static bool dns_name(const char *s, bool wild)
{
	if (wild && strncmp(s, "*.", 2) == 0)
		s += 2;
	return net_dnsname_ok(s);
}

static bool addr_of(const char *s, int family)
{
	struct net_addr a;

	return net_addr_parse(s, &a) == 0 && (!family || a.family == family);
}

/* Text: the shared alphabet holds; no quote. */
static bool plain_text(const char *s)
{
	return *s && !strchr(s, '"');
}

/* A dhcp-option value: plain text (an address, a number, "[v6]", a name,
 * hex with ':'), or a whole field in quotes with no quote inside. */
static bool option_value(const char *s)
{
	size_t n = strlen(s);

	if (s[0] == '"')
		return n >= 2 && s[n - 1] == '"' && !memchr(s + 1, '"', n - 2);
	return plain_text(s);
}

/* ---- the grammars, one per option (or kind) ---------------------------- */

static const char *g_flag(struct oc *c)
{
	return c->has_value ? say(c, "takes no value") : NULL;
}

static const char *need_value(struct oc *c)
{
	return c->has_value ? NULL : say(c, "needs a value");
}

/* N or option:NAME, option6:N or option6:NAME */
static bool option_spec(const char *f)
{
	const char *r;

	if (prefixed(f, "option6:", &r))
		return number_in(r, 1, 65535) ||
		       (strlen(r) <= 32 && r[0] &&
			strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(r));
	if (prefixed(f, "option:", &r))
		return strlen(r) <= 32 && r[0] &&
		       strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(r);
	return number_in(f, 1, 254);
}

/* [tag:T,...][encap:N,][vi-encap:N,][vendor:[CLASS],](N|option:..|option6:..)[,VALUE...] */
static const char *g_dhcp_option(struct oc *c)
{
	char b[48];
	size_t i = 0;
	const char *r;

	if (!c->has_value)
		return need_value(c);
	while (i < c->nf && prefixed(c->f[i], "tag:", &r)) {
		if (!tag_ref(c->f[i]))
			return say(c, "'%s' is not tag:NAME (letters, digits, '-', '_', '.')",
				   shown(c->f[i], b));
		i++;
	}
	for (; i < c->nf; i++) {
		if (prefixed(c->f[i], "encap:", &r) || prefixed(c->f[i], "vi-encap:", &r)) {
			if (!number_in(r, 0, UINT32_MAX))
				return say(c, "'%s' needs a number", shown(c->f[i], b));
		} else if (prefixed(c->f[i], "vendor:", &r)) {
			if (*r && !plain_text(r))
				return say(c, "'%s' is not vendor:CLASS", shown(c->f[i], b));
		} else {
			break;
		}
	}
	if (i == c->nf || !option_spec(c->f[i]))
		return say(c,
			   "'%s' is not an option (a number from 1 to 254, option:NAME, "
			   "option6:NUMBER or option6:NAME)",
			   i < c->nf ? shown(c->f[i], b) : "");
	for (i++; i < c->nf; i++)
		if (!option_value(c->f[i]))
			return say(c, "value '%s' is neither plain text nor one quoted string",
				   shown(c->f[i], b));
	return NULL;
}

/* set:T,(N|option:NAME|option6:..|vi-encap:N)[,VALUE] */
static const char *g_dhcp_match(struct oc *c)
{
	char b[48];
	const char *r;

	if (!c->has_value)
		return need_value(c);
	if (c->nf < 2 || c->nf > 3 || !tag_set(c->f[0]))
		return say(c, "is not set:TAG,OPTION[,VALUE]");
	if (!option_spec(c->f[1]) &&
	    !(prefixed(c->f[1], "vi-encap:", &r) && number_in(r, 0, UINT32_MAX)))
		return say(c, "'%s' is not an option", shown(c->f[1], b));
	if (c->nf == 3 && !option_value(c->f[2]))
		return say(c, "value '%s' is not plain text", shown(c->f[2], b));
	return NULL;
}

/* [set:]T,[enterprise:N,]TEXT: vendorclass; set:T,TEXT: the others */
static const char *g_class(struct oc *c)
{
	bool vendor = strcmp(c->name, "dhcp-vendorclass") == 0;
	size_t i = 1;
	const char *r;

	if (!c->has_value)
		return need_value(c);
	if (c->nf < 2 || !(tag_set(c->f[0]) || (vendor && tag_ok(c->f[0]))))
		return say(c, "is not set:TAG,%sVALUE", vendor ? "[enterprise:NUMBER,]" : "");
	if (vendor && c->nf == 3 && prefixed(c->f[1], "enterprise:", &r)) {
		if (!number_in(r, 0, UINT32_MAX))
			return say(c, "enterprise: needs a number");
		i++;
	}
	if (c->nf != i + 1 || !plain_text(c->f[i]))
		return say(c, "needs one plain text value after the tag");
	return NULL;
}

/* set:T,MAC where each byte may be '*', optionally after "HWTYPE-" */
static const char *g_dhcp_mac(struct oc *c)
{
	const char *m;
	char b[48];

	if (!c->has_value)
		return need_value(c);
	if (c->nf != 2 || !tag_set(c->f[0]))
		return say(c, "is not set:TAG,MAC");
	m = c->f[1];
	if (strchr(m, '-')) {
		const char *dash = strchr(m, '-');

		if (dash == m || dash - m > 3 || strspn(m, "0123456789") != (size_t)(dash - m))
			return say(c, "'%s' is not a MAC address pattern", shown(m, b));
		m = dash + 1;
	}
	for (size_t k = 0; k < 6; k++) {
		bool ok = (m[0] == '*' && (m[1] == ':' || !m[1])) ||
			  (nd_is_hex((unsigned char)m[0]) && nd_is_hex((unsigned char)m[1]));

		if (!ok)
			return say(c,
				   "'%s' is not a MAC address pattern (hex bytes or '*' "
				   "joined by ':')",
				   shown(c->f[1], b));
		m += m[0] == '*' ? 1 : 2;
		if (k < 5 && *m++ != ':')
			return say(c, "'%s' is not a MAC address pattern", shown(c->f[1], b));
	}
	if (*m)
		return say(c, "'%s' is not a MAC address pattern", shown(c->f[1], b));
	return NULL;
}

/* set:T,NAME[*] */
static const char *g_name_match(struct oc *c)
{
	char n[NET_DNSNAME_MAX + 2];
	size_t l;

	if (!c->has_value)
		return need_value(c);
	if (c->nf != 2 || !tag_set(c->f[0]))
		return say(c, "is not set:TAG,NAME[*]");
	if (nd_strlcpy(n, c->f[1], sizeof n) >= sizeof n)
		return say(c, "the name is too long");
	l = strlen(n);
	if (l > 1 && n[l - 1] == '*')
		n[l - 1] = '\0';
	return net_label_ok(n, strlen(n)) || net_dnsname_ok(n)
		       ? NULL
		       : say(c, "'%s' is not a host name (with an optional trailing '*')", c->f[1]);
}

/* set:T[,set:T...][,tag:[!]T...], in any order, at least one set: */
static const char *g_tag_if(struct oc *c)
{
	bool set = false;
	char b[48];

	if (!c->has_value)
		return need_value(c);
	for (size_t i = 0; i < c->nf; i++) {
		if (tag_set(c->f[i]))
			set = true;
		else if (!tag_ref(c->f[i]))
			return say(c, "'%s' is neither set:TAG nor tag:TAG", shown(c->f[i], b));
	}
	return set ? NULL : say(c, "needs a set:TAG");
}

/* tag:[!]T[,tag:[!]T...]; 'optional' when the option also stands alone */
static const char *tags_only(struct oc *c, bool optional)
{
	char b[48];

	if (!c->has_value)
		return optional ? NULL : say(c, "needs tag:TAG");
	for (size_t i = 0; i < c->nf; i++)
		if (!tag_ref(c->f[i]))
			return say(c, "'%s' is not tag:TAG", shown(c->f[i], b));
	return NULL;
}

static const char *g_tags(struct oc *c)
{
	return tags_only(c, false);
}

static const char *g_tags_opt(struct oc *c)
{
	return tags_only(c, true);
}

/* [tag:T,]SECONDS, at most 60 (dnsmasq's own limit) */
static const char *g_reply_delay(struct oc *c)
{
	size_t i = 0;

	if (!c->has_value)
		return need_value(c);
	if (c->nf == 2 && tag_ref(c->f[0]))
		i = 1;
	if (c->nf != i + 1 || !number_in(c->f[i], 0, 60))
		return say(c, "is not [tag:TAG,]SECONDS (0 to 60)");
	return NULL;
}

/* A TTL or a count: one number up to 'max'. */
static const char *number_opt(struct oc *c, unsigned long max)
{
	if (!c->has_value)
		return need_value(c);
	if (c->nf != 1 || !number_in(c->f[0], 0, max))
		return say(c, "is not a number from 0 to %lu", max);
	return NULL;
}

static const char *g_ttl(struct oc *c)
{
	return number_opt(c, strcmp(c->name, "min-cache-ttl") == 0 ? 3600 : INT32_MAX);
}

/* The cache lives in dnsmasq's memory: bounded, so that one network's
 * XML cannot make its dnsmasq take a large part of the host's. */
static const char *g_cache_size(struct oc *c)
{
	return number_opt(c, 10000);
}

static const char *g_log_queries(struct oc *c)
{
	if (!c->has_value)
		return NULL;
	if (c->nf != 1 || (strcmp(c->f[0], "extra") != 0 && strcmp(c->f[0], "proto") != 0 &&
			   strcmp(c->f[0], "auth") != 0))
		return say(c, "takes no value, or extra, proto or auth");
	return NULL;
}

/* /DOMAIN[/DOMAIN...]/[ADDRESS|#]; a DOMAIN of '#' is every domain. The
 * value has no comma, so it is one field. */
static const char *g_address(struct oc *c)
{
	char v[DHCP_OPT_MAX + 1], *p, *end;
	size_t nd = 0;

	if (!c->has_value)
		return need_value(c);
	if (c->nf != 1 || c->f[0][0] != '/')
		return say(c, "is not /DOMAIN/[ADDRESS]");
	nd_strlcpy(v, c->f[0] + 1, sizeof v);
	end = strrchr(v, '/');
	if (!end)
		return say(c, "is not /DOMAIN/[ADDRESS]");
	*end++ = '\0';
	if (*end && strcmp(end, "#") != 0 && !addr_of(end, 0))
		return say(c, "'%s' is not an IPv4 or IPv6 address (or '#')", end);
	for (p = v; p;) {
		char *slash = strchr(p, '/');

		if (slash)
			*slash = '\0';
		if (strcmp(p, "#") != 0 && !dns_name(p, true))
			return say(c, "'%s' is not a domain name (or '#')", p);
		nd++;
		p = slash ? slash + 1 : NULL;
	}
	return nd ? NULL : say(c, "needs a domain");
}

/* CNAME[,CNAME...],TARGET[,TTL]; a CNAME may start with "*." as in
 * libvirt's corpus (dnsmasq answers such only in an auth zone). */
static const char *g_cname(struct oc *c)
{
	size_t n = c->nf;

	if (!c->has_value)
		return need_value(c);
	if (n >= 3 && digits(c->f[n - 1], 10)) {
		if (!number_in(c->f[n - 1], 0, INT32_MAX))
			return say(c, "TTL '%s' is too large", c->f[n - 1]);
		n--;
	}
	if (n < 2)
		return say(c, "is not CNAME,TARGET[,TTL]");
	for (size_t i = 0; i < n; i++)
		if (!dns_name(c->f[i], i + 1 < n))
			return say(c, "'%s' is not a DNS name", c->f[i]);
	return NULL;
}

/* NAME[[,HOST],PREFERENCE] */
static const char *g_mx_host(struct oc *c)
{
	if (!c->has_value)
		return need_value(c);
	if (c->nf > 3 || !net_dnsname_ok(c->f[0]))
		return say(c, "is not NAME[,HOST[,PREFERENCE]]");
	if (c->nf == 2 && !net_dnsname_ok(c->f[1]) && !number_in(c->f[1], 0, 65535))
		return say(c, "'%s' is neither a host name nor a preference", c->f[1]);
	if (c->nf == 3 && (!net_dnsname_ok(c->f[1]) || !number_in(c->f[2], 0, 65535)))
		return say(c, "is not NAME,HOST,PREFERENCE (0 to 65535)");
	return NULL;
}

/* NAME[,TARGET] */
static const char *g_ptr_record(struct oc *c)
{
	if (!c->has_value)
		return need_value(c);
	for (size_t i = 0; i < c->nf; i++)
		if (!net_dnsname_ok(c->f[i]))
			return say(c, "'%s' is not a DNS name", c->f[i]);
	return c->nf <= 2 ? NULL : say(c, "is not NAME[,TARGET]");
}

/* NAME[,NAME...],[IPv4][,IPv6][,TTL]: names first, then at most one address
 * of each family, then a TTL. */
static const char *g_host_record(struct oc *c)
{
	size_t i = 0, n = c->nf;
	bool v4 = false, v6 = false;

	if (!c->has_value)
		return need_value(c);
	if (n >= 2 && digits(c->f[n - 1], 10) && !addr_of(c->f[n - 1], 0)) {
		if (!number_in(c->f[n - 1], 0, INT32_MAX))
			return say(c, "TTL '%s' is too large", c->f[n - 1]);
		n--;
	}
	for (; i < n && !addr_of(c->f[i], 0); i++)
		if (!net_dnsname_ok(c->f[i]))
			return say(c, "'%s' is neither a DNS name nor an address", c->f[i]);
	if (i == 0)
		return say(c, "needs a name first");
	for (; i < n; i++) {
		bool *seen = addr_of(c->f[i], AF_INET) ? &v4 : &v6;

		if (!addr_of(c->f[i], 0) || *seen)
			return say(c,
				   "'%s': after the names come one IPv4 and one IPv6 "
				   "address at most",
				   c->f[i]);
		*seen = true;
	}
	return v4 || v6 ? NULL : say(c, "needs an address");
}

/* _SERVICE._PROTO[.DOMAIN],[TARGET[,PORT[,PRIORITY[,WEIGHT]]]] */
static const char *g_srv_host(struct oc *c)
{
	const char *s;

	if (!c->has_value)
		return need_value(c);
	s = c->f[0];
	if (c->nf > 5 || s[0] != '_' || !net_dnsname_ok(s + 1) || !strstr(s, "._"))
		return say(c, "is not _SERVICE._PROTOCOL[.DOMAIN][,TARGET[,PORT[,PRIORITY[,"
			      "WEIGHT]]]]");
	if (c->nf >= 2 && !net_dnsname_ok(c->f[1]))
		return say(c, "target '%s' is not a DNS name", c->f[1]);
	for (size_t i = 2; i < c->nf; i++)
		if (!number_in(c->f[i], 0, 65535))
			return say(c, "'%s' is not a number from 0 to 65535", c->f[i]);
	return NULL;
}

/* NAME[,TEXT...]: each TEXT as a <txt> value is (dhcp_check_txt's
 * alphabet: no quote, no '#', at most 255 bytes). */
static const char *g_txt_record(struct oc *c)
{
	if (!c->has_value)
		return need_value(c);
	if (!net_dnsname_ok(c->f[0]))
		return say(c, "'%s' is not a DNS name", c->f[0]);
	for (size_t i = 1; i < c->nf; i++)
		if (strlen(c->f[i]) > NET_TXT_MAX || strpbrk(c->f[i], "\"#"))
			return say(c,
				   "text '%.40s' has a quote or '#', or is longer than 255 "
				   "bytes",
				   c->f[i]);
	return NULL;
}

struct allowed {
	const char *name;
	const char *(*check)(struct oc *c);
};

/* Keep in the order of netd(8)'s list. */
static const struct allowed allowed[] = {
	{ "dhcp-option", g_dhcp_option },
	{ "dhcp-option-force", g_dhcp_option },
	{ "dhcp-match", g_dhcp_match },
	{ "dhcp-vendorclass", g_class },
	{ "dhcp-userclass", g_class },
	{ "dhcp-circuitid", g_class },
	{ "dhcp-remoteid", g_class },
	{ "dhcp-subscrid", g_class },
	{ "dhcp-mac", g_dhcp_mac },
	{ "dhcp-name-match", g_name_match },
	{ "tag-if", g_tag_if },
	{ "dhcp-ignore", g_tags },
	{ "dhcp-ignore-names", g_tags_opt },
	{ "dhcp-generate-names", g_tags },
	{ "dhcp-broadcast", g_tags_opt },
	{ "dhcp-reply-delay", g_reply_delay },
	{ "dhcp-rapid-commit", g_flag },
	{ "dhcp-authoritative", g_flag },
	{ "dhcp-sequential-ip", g_flag },
	{ "dhcp-ignore-clid", g_flag },
	{ "log-dhcp", g_flag },
	{ "quiet-dhcp", g_flag },
	{ "quiet-dhcp6", g_flag },
	{ "quiet-ra", g_flag },
	{ "log-queries", g_log_queries },
	{ "address", g_address },
	{ "cname", g_cname },
	{ "mx-host", g_mx_host },
	{ "ptr-record", g_ptr_record },
	{ "host-record", g_host_record },
	{ "srv-host", g_srv_host },
	{ "txt-record", g_txt_record },
	{ "local-ttl", g_ttl },
	{ "neg-ttl", g_ttl },
	{ "max-ttl", g_ttl },
	{ "max-cache-ttl", g_ttl },
	{ "min-cache-ttl", g_ttl },
	{ "dhcp-ttl", g_ttl },
	{ "cache-size", g_cache_size },
	{ "bogus-priv", g_flag },
	{ "filterwin2k", g_flag },
	{ "no-negcache", g_flag },
	{ "stop-dns-rebind", g_flag },
	{ "rebind-localhost-ok", g_flag },
	{ "localise-queries", g_flag },
	{ "no-round-robin", g_flag },
};

/* Why an option is refused, by kind. */
enum refusal {
	R_PROGRAM,
	R_FILE,
	R_TFTP,
	R_LISTEN,
	R_IFADDR,
	R_PRIV,
	R_HOST,
	R_DAEMON,
	R_NETD,
};

static const char *const refusal_text[] = {
	[R_PROGRAM] = "it runs a program",
	[R_FILE] = "it makes dnsmasq read or write a file",
	[R_TFTP] = "it serves files over TFTP",
	[R_LISTEN] = "it changes where dnsmasq listens or which ports it uses",
	[R_IFADDR] = "it answers with the addresses of the host's interfaces",
	[R_PRIV] = "it changes the user or group dnsmasq runs as",
	[R_HOST] = "it changes the host outside dnsmasq (firewall sets, conntrack, D-Bus)",
	[R_DAEMON] = "it changes how netd runs dnsmasq",
	[R_NETD] = "netd writes it from the network's XML",
};

static const struct refused {
	const char *name;
	enum refusal why;
	const char *xml; /* R_NETD: where the XML says it */
} refused[] = {
	{ "dhcp-script", R_PROGRAM, NULL },
	{ "dhcp-luascript", R_PROGRAM, NULL },
	{ "dhcp-scriptuser", R_PROGRAM, NULL },
	{ "script-arp", R_PROGRAM, NULL },
	{ "script-on-renewal", R_PROGRAM, NULL },
	{ "conf-script", R_PROGRAM, NULL },
	{ "conf-file", R_FILE, NULL },
	{ "conf-dir", R_FILE, NULL },
	{ "servers-file", R_FILE, NULL },
	{ "resolv-file", R_FILE, NULL },
	{ "addn-hosts", R_FILE, NULL },
	{ "hostsdir", R_FILE, NULL },
	{ "dhcp-hostsfile", R_FILE, NULL },
	{ "dhcp-hostsdir", R_FILE, NULL },
	{ "dhcp-optsfile", R_FILE, NULL },
	{ "dhcp-optsdir", R_FILE, NULL },
	{ "read-ethers", R_FILE, NULL },
	{ "dhcp-leasefile", R_FILE, NULL },
	{ "leasefile-ro", R_FILE, NULL },
	{ "pid-file", R_FILE, NULL },
	{ "dumpfile", R_FILE, NULL },
	{ "dnssec-timestamp", R_FILE, NULL },
	{ "log-facility", R_FILE, NULL },
	{ "enable-tftp", R_TFTP, NULL },
	{ "interface", R_LISTEN, NULL },
	{ "except-interface", R_LISTEN, NULL },
	{ "listen-address", R_LISTEN, NULL },
	{ "bind-interfaces", R_LISTEN, NULL },
	{ "bind-dynamic", R_LISTEN, NULL },
	{ "port", R_LISTEN, NULL },
	{ "query-port", R_LISTEN, NULL },
	{ "min-port", R_LISTEN, NULL },
	{ "max-port", R_LISTEN, NULL },
	{ "port-limit", R_LISTEN, NULL },
	{ "no-dhcp-interface", R_LISTEN, NULL },
	{ "no-dhcpv4-interface", R_LISTEN, NULL },
	{ "no-dhcpv6-interface", R_LISTEN, NULL },
	{ "auth-server", R_LISTEN, NULL },
	{ "local-service", R_LISTEN, NULL },
	{ "dhcp-alternate-port", R_LISTEN, NULL },
	{ "dhcp-relay", R_LISTEN, NULL },
	{ "dhcp-proxy", R_LISTEN, NULL },
	{ "bridge-interface", R_LISTEN, NULL },
	{ "shared-network", R_LISTEN, NULL },
	{ "interface-name", R_IFADDR, NULL },
	{ "dynamic-host", R_IFADDR, NULL },
	{ "synth-domain", R_IFADDR, NULL },
	{ "user", R_PRIV, NULL },
	{ "group", R_PRIV, NULL },
	{ "ipset", R_HOST, NULL },
	{ "nftset", R_HOST, NULL },
	{ "connmark-allowlist", R_HOST, NULL },
	{ "connmark-allowlist-enable", R_HOST, NULL },
	{ "conntrack", R_HOST, NULL },
	{ "enable-dbus", R_HOST, NULL },
	{ "enable-ubus", R_HOST, NULL },
	{ "keep-in-foreground", R_DAEMON, NULL },
	{ "no-daemon", R_DAEMON, NULL },
	{ "test", R_DAEMON, NULL },
	{ "dhcp-range", R_NETD, "<ip><dhcp><range>" },
	{ "dhcp-host", R_NETD, "<ip><dhcp><host>" },
	{ "dhcp-lease-max", R_NETD, "the sizes of the <range>s" },
	{ "dhcp-no-override", R_NETD, "an IPv4 <dhcp>" },
	{ "dhcp-boot", R_NETD, "<dhcp><bootp>" },
	{ "pxe-service", R_NETD, "<dhcp><bootp>" },
	{ "pxe-prompt", R_NETD, "<dhcp><bootp>" },
	{ "dhcp-pxe-vendor", R_NETD, "<dhcp><bootp>" },
	{ "domain", R_NETD, "<domain name>" },
	{ "expand-hosts", R_NETD, "<domain name>" },
	{ "local", R_NETD, "<domain localOnly> and <dns><forwarder domain>" },
	{ "server", R_NETD, "<dns><forwarder>" },
	{ "rev-server", R_NETD, "<dns><forwarder>" },
	{ "no-resolv", R_NETD, "<dns><forwarder>" },
	{ "strict-order", R_NETD, "every network: it is always written" },
	{ "domain-needed", R_NETD, "<dns forwardPlainNames='no'>" },
	{ "no-hosts", R_NETD, "every network: it is always written" },
	{ "no-ping", R_NETD, "an IPv4 <dhcp>: it is always written" },
	{ "enable-ra", R_NETD, "an IPv6 <ip>" },
	{ "ra-param", R_NETD, "an IPv6 <ip>" },
};

/* Split c->buf at ',' into fields, checking the shared alphabet. */
static const char *split(struct oc *c)
{
	char *p = c->buf;

	for (const char *q = c->buf; *q; q++) {
		unsigned char ch = (unsigned char)*q;

		if (ch < 0x20 || ch > 0x7e)
			return ch == '\n' || ch == '\r'
				       ? say(c, "the value contains a line break")
				       : say(c,
					     "the value contains byte 0x%02x (only printable "
					     "ASCII is allowed)",
					     ch);
		if (ch == '\\')
			return say(c, "the value contains a backslash (dnsmasq's escape)");
		if (ch == ' ' &&
		    (q[1] == ' ' || q[1] == ',' || q[1] == '\0' || q == c->buf || q[-1] == ','))
			return say(c, "the value has white space at an end, beside a comma or "
				      "doubled (dnsmasq would drop it)");
		if (ch == ' ' && q[1] == '#')
			return say(c, "the value has '#' after a space (dnsmasq reads a comment "
				      "there)");
	}
	c->nf = 0;
	for (;;) {
		char *comma = strchr(p, ',');

		if (c->nf == MAX_FIELDS)
			return say(c, "more than %d fields", MAX_FIELDS);
		c->f[c->nf++] = p;
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return NULL;
}

static void refusal(struct oc *c, const struct refused *r)
{
	snprintf(c->why, DHCP_OPT_WHY_MAX, "'%s' is not allowed: %s%s%s%s", c->name,
		 refusal_text[r->why], r->xml ? " (" : "", r->xml ? r->xml : "", r->xml ? ")" : "");
}

const char *dhcp_option_why(const char *opt, char why[DHCP_OPT_WHY_MAX])
{
	struct oc c = { .why = why };
	char name[40];
	const char *eq = strchr(opt, '=');
	size_t nl = eq ? (size_t)(eq - opt) : strlen(opt);

	why[0] = '\0';
	if (strlen(opt) > DHCP_OPT_MAX) {
		snprintf(why, DHCP_OPT_WHY_MAX, "longer than %d bytes", DHCP_OPT_MAX);
		return why;
	}
	if (nl == 0 || nl >= sizeof name ||
	    strspn(opt, "abcdefghijklmnopqrstuvwxyz0123456789-") != nl || opt[0] == '-') {
		snprintf(why, DHCP_OPT_WHY_MAX,
			 "not NAME or NAME=VALUE with a dnsmasq option's long name");
		return why;
	}
	memcpy(name, opt, nl);
	name[nl] = '\0';
	c.name = name;
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
		if (strcmp(name, refused[i].name) == 0) {
			refusal(&c, &refused[i]);
			return why;
		}
	if (strncmp(name, "tftp-", 5) == 0) {
		const struct refused t = { name, R_TFTP, NULL };

		refusal(&c, &t);
		return why;
	}
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		if (strcmp(name, allowed[i].name) != 0)
			continue;
		c.has_value = eq != NULL;
		if (eq && !eq[1]) {
			(void)say(&c, "'=' with no value");
			return why;
		}
		nd_strlcpy(c.buf, eq ? eq + 1 : "", sizeof c.buf);
		/* every reason is written into why (c.why) */
		if ((c.has_value && split(&c)) || allowed[i].check(&c))
			return why;
		return NULL;
	}
	snprintf(why, DHCP_OPT_WHY_MAX,
		 "'%s' is not in netd's allowlist of dnsmasq options (see "
		 "netd(8))",
		 name);
	return why;
}

bool dhcp_option_is(const char *opt, const char *name)
{
	size_t n = strlen(name);

	return strncmp(opt, name, n) == 0 && (opt[n] == '=' || opt[n] == '\0');
}

/* A dhcp-option (not -force, which is the same here) with no tag that sets
 * option NUM/NAME: it would compete with netd's own line for it. */
static bool untagged_option(const char *opt, const char *num, const char *name)
{
	char buf[DHCP_OPT_MAX + 1], *f;
	const char *eq = strchr(opt, '=');

	if (!eq ||
	    !(dhcp_option_is(opt, "dhcp-option") || dhcp_option_is(opt, "dhcp-option-force")))
		return false;
	nd_strlcpy(buf, eq + 1, sizeof buf);
	f = strtok(buf, ",");
	/* a tag narrows it to some clients; encap: and vendor: are other
	 * option spaces */
	if (!f || strncmp(f, "tag:", 4) == 0 || strncmp(f, "encap:", 6) == 0 ||
	    strncmp(f, "vi-encap:", 9) == 0 || strncmp(f, "vendor:", 7) == 0)
		return false;
	return strcmp(f, num) == 0 || (strncmp(f, "option:", 7) == 0 && strcmp(f + 7, name) == 0);
}

const char *dhcp_option_conflict(const struct net *n, const char *opt)
{
	if (n->mtu > 0 && untagged_option(opt, "26", "mtu"))
		return "netd sends option 26 (mtu) from <mtu size>: set it there";
	if (n->fwd_mode == NET_FWD_ISOLATED && untagged_option(opt, "3", "router"))
		return "netd sends an empty option 3 (router) in an isolated network: it has no "
		       "way out";
	return NULL;
}

const char *dhcp_option_name(bool allowed_list, size_t i)
{
	if (allowed_list)
		return i < ARRAY_SIZE(allowed) ? allowed[i].name : NULL;
	return i < ARRAY_SIZE(refused) ? refused[i].name : NULL;
}
