/* The grammars of values that reach dnsmasq's files. dnsmasq reads its config
 * one line at a time, splits options at ',', takes '#' after white space as
 * the start of a comment and '"' as a quote, and strips white space at the
 * ends; its hosts files split at white space. So each kind of value gets the
 * smallest alphabet that serves it, and anything else is refused with the
 * reason, never escaped. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "dhcp_int.h"

/* A value as it may appear in a one-line message: through the escaper,
 * long values cut. */
static const char *show(const char *v, char buf[96])
{
	if (nd_escape(buf, 93, v) >= 93)
		memcpy(buf + strlen(buf), "...", 4);
	return buf;
}

static const char *char_name(unsigned char ch, char buf[40])
{
	switch (ch) {
	case '\n':
		return "a newline";
	case '\r':
		return "a carriage return";
	case '\t':
		return "a tab";
	case ' ':
		return "a space";
	case ',':
		return "a comma";
	}
	if (ch < 0x20 || ch == 0x7f)
		snprintf(buf, 40, "control character 0x%02x", ch);
	else if (ch >= 0x80)
		snprintf(buf, 40, "non-ASCII byte 0x%02x", ch);
	else
		snprintf(buf, 40, "'%c'", ch);
	return buf;
}

static int fail(const struct net *n, const char *what, const char *v, struct nerr *e,
		const char *reason)
{
	char nb[96], vb[96];

	return nerr_set(e, -EINVAL, "network %s: %s '%s' %s", show(n->name, nb), what, show(v, vb),
			reason);
}

static int fail_missing(const struct net *n, const char *what, struct nerr *e)
{
	char nb[96];

	return nerr_set(e, -EINVAL, "network %s: no %s given", show(n->name, nb), what);
}

static int fail_char(const struct net *n, const char *what, const char *v, unsigned char ch,
		     struct nerr *e)
{
	char cb[40], reason[64];

	snprintf(reason, sizeof reason, "contains %s", char_name(ch, cb));
	return fail(n, what, v, e, reason);
}

/* Length and alphabet: every byte of v is alphanumeric or in 'extra'.
 * Returns false and says why in 'reason' when v is not. */
static bool alphabet_ok(const char *v, size_t max, const char *extra, char reason[DHCP_WHY_MAX])
{
	char cb[40];

	if (!*v) {
		snprintf(reason, DHCP_WHY_MAX, "is empty");
		return false;
	}
	for (const char *p = v; *p; p++) {
		if (!nd_is_alnum((unsigned char)*p) && !strchr(extra, *p)) {
			snprintf(reason, DHCP_WHY_MAX, "contains %s",
				 char_name((unsigned char)*p, cb));
			return false;
		}
	}
	if (strlen(v) > max) {
		snprintf(reason, DHCP_WHY_MAX, "is longer than %zu bytes", max);
		return false;
	}
	return true;
}

static int check_alphabet(const struct net *n, const char *what, const char *v, size_t max,
			  const char *extra, struct nerr *e)
{
	char reason[DHCP_WHY_MAX];

	return alphabet_ok(v, max, extra, reason) ? 0 : fail(n, what, v, e, reason);
}

int dhcp_check_netname(const char *name, struct nerr *e)
{
	char reason[DHCP_WHY_MAX], vb[96];

	if (!alphabet_ok(name, NET_NAME_MAX, "-_.", reason))
		return nerr_set(e, -EINVAL, "network name '%s' %s", show(name, vb), reason);
	if (name[0] == '.')
		return nerr_set(e, -EINVAL, "network name '%s' starts with '.'", show(name, vb));
	return 0;
}

/* What is wrong with the labels of v (NULL: nothing). With 'host', no
 * label may start with '_': dnsmasq's legal_hostname() refuses that in a
 * host name's first label, and netd in every label. */
static const char *labels_why(const char *v, bool host)
{
	for (const char *p = v; *p;) {
		size_t l = strcspn(p, ".");

		if (l == 0)
			return "has an empty label";
		if (l > 63)
			return "has a label longer than 63 bytes";
		if (p[0] == '-' || p[l - 1] == '-')
			return "has a label that starts or ends with '-'";
		if (host && !nd_is_alnum((unsigned char)p[0]))
			return "has a label that starts with '_'";
		p += l;
		if (*p == '.' && !*++p)
			return "ends with '.'";
	}
	return NULL;
}

static int check_labels(const struct net *n, const char *what, const char *v, bool host,
			struct nerr *e)
{
	const char *why = labels_why(v, host);

	return why ? fail(n, what, v, e, why) : 0;
}

int dhcp_check_dnsname(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	int r = check_alphabet(n, what, v, NET_DNSNAME_MAX, "-_.", e);

	return r < 0 ? r : check_labels(n, what, v, false, e);
}

int dhcp_check_label(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	int r = check_alphabet(n, what, v, NET_SRV_LABEL_MAX, "-_", e);

	return r < 0 ? r : check_labels(n, what, v, false, e);
}

/* dnsmasq takes a dhcp-host field of digits (with an optional unit letter)
 * as a lease time, and digits and dots as an address. */
static bool looks_numeric(const char *v)
{
	size_t len = strlen(v);

	if (len > 1 && strchr("smhdwSMHDW", v[len - 1]))
		len--;
	for (size_t i = 0; i < len; i++)
		if (!(v[i] >= '0' && v[i] <= '9') && v[i] != '.')
			return false;
	return true;
}

/* The one grammar of a dhcp-host name, for the validator and the renderer
 * alike. dnsmasq tells dhcp-host's fields apart by their look (option.c):
 * one with ':' is a hardware address, client id or tag, digits and dots an
 * IPv4 address, digits with an optional unit letter a lease time, and the
 * exact words "infinite" and "ignore" (compared case-sensitively) keywords;
 * only the rest is a name, which must pass legal_hostname(). libvirt
 * refuses a host name whose first character is not a letter
 * (virNetworkDHCPHostDefParseXML), which also keeps every name clear of the
 * numeric readings. What is left to refuse: anything outside a DNS name,
 * a label that starts with '_', and the two keywords. "deprecated" is a
 * dhcp-range word, not a dhcp-host one, and stays a valid name. */
const char *dhcp_hostname_why(const char *v, char why[DHCP_WHY_MAX])
{
	const char *r;

	if (!alphabet_ok(v, NET_DNSNAME_MAX, "-_.", why))
		return why;
	if ((r = labels_why(v, true)))
		return r;
	if (looks_numeric(v))
		return "would be read by dnsmasq as a lease time or address";
	if (!((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')))
		return "does not start with a letter";
	if (strcmp(v, "infinite") == 0 || strcmp(v, "ignore") == 0)
		return "is a dnsmasq keyword";
	return NULL;
}

bool dhcp_hostname_ok(const char *v)
{
	char why[DHCP_WHY_MAX];

	return dhcp_hostname_why(v, why) == NULL;
}

int dhcp_check_hostname(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	char buf[DHCP_WHY_MAX];
	const char *why = dhcp_hostname_why(v, buf);

	return why ? fail(n, what, v, e, why) : 0;
}

int dhcp_check_txt(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	size_t len = strlen(v);

	for (const char *p = v; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch >= 0x7f || strchr(",#\"\\", ch))
			return fail_char(n, what, v, ch, e);
	}
	if (len > NET_TXT_MAX)
		return fail(n, what, v, e, "is longer than 255 bytes");
	/* dnsmasq strips white space at the end of a line and around '=' */
	if (len && (v[0] == ' ' || v[len - 1] == ' '))
		return fail(n, what, v, e, "starts or ends with a space");
	return 0;
}

int dhcp_check_ifname(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	int r = check_alphabet(n, what, v, NET_IFNAME_MAX, "-_.", e);

	if (r == 0 && v[0] == '-')
		r = fail(n, what, v, e, "starts with '-'");
	return r;
}

int dhcp_check_mac(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	if (strlen(v) != 17)
		return fail(n, what, v, e, "is not a MAC address (aa:bb:cc:dd:ee:ff)");
	for (size_t i = 0; i < 17; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (i % 3 == 2 ? ch != ':' : !nd_is_hex(ch))
			return fail(n, what, v, e, "is not a MAC address (aa:bb:cc:dd:ee:ff)");
	}
	return 0;
}

int dhcp_check_duid(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	int r = check_alphabet(n, what, v, NET_DUID_MAX, ":", e);

	if (r < 0)
		return r;
	for (const char *p = v; *p; p++)
		if (*p != ':' && !nd_is_hex((unsigned char)*p))
			return fail_char(n, what, v, (unsigned char)*p, e);
	return 0;
}

int dhcp_check_path(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	int r;

	if (!v)
		return fail_missing(n, what, e);
	r = check_alphabet(n, what, v, PATH_MAX - 1, "/-_.+", e);
	if (r == 0 && v[0] != '/')
		r = fail(n, what, v, e, "is not an absolute path");
	return r;
}

int dhcp_check_user(const struct net *n, const char *what, const char *v, struct nerr *e)
{
	int r;

	if (!v)
		return fail_missing(n, what, e);
	r = check_alphabet(n, what, v, 32, "-_.", e);
	if (r == 0 && v[0] == '-')
		r = fail(n, what, v, e, "starts with '-'");
	return r;
}

int dhcp_addr(const struct net *n, const char *what, const struct net_addr *a, int family,
	      char buf[DHCP_ADDR_MAX], struct nerr *e)
{
	char nb[96];
	int r;

	if (a->family != AF_INET && a->family != AF_INET6)
		return nerr_set(e, -EINVAL, "network %s: %s has no address", show(n->name, nb),
				what);
	if (family && a->family != family)
		return nerr_set(e, -EINVAL, "network %s: %s is not an %s address",
				show(n->name, nb), what, family == AF_INET ? "IPv4" : "IPv6");
	r = net_addr_str(a, buf, DHCP_ADDR_MAX);
	if (r < 0)
		return nerr_set(e, r, "network %s: %s: cannot format the address",
				show(n->name, nb), what);
	return 0;
}

/* libvirt writes the expiry in the unit it was given, by the unit's first
 * letter; a lease whose unit does not account for its seconds (a model built
 * in code) is written in seconds. */
static char lease_unit(const struct net_lease *l)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = { { "seconds", 1 }, { "minutes", 60 }, { "hours", 3600 } };

	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(l->unit, units[i].name) == 0 && l->expiry <= l->seconds &&
		    l->expiry * units[i].mult == l->seconds)
			return units[i].name[0];
	return 0;
}

int dhcp_lease(const struct net *n, const char *what, const struct net_lease *l,
	       char buf[DHCP_LEASE_STR_MAX], struct nerr *e)
{
	char unit;

	buf[0] = '\0';
	if (!l->set)
		return 0;
	if (l->infinite) {
		snprintf(buf, DHCP_LEASE_STR_MAX, "infinite");
		return 0;
	}
	/* dnsmasq reads lease times into an int of seconds */
	if (l->seconds == 0 || l->seconds > INT32_MAX) {
		char nb[96];

		return nerr_set(e, -EINVAL,
				"network %s: %s lease time of %llu seconds is outside 1 to %d",
				show(n->name, nb), what, (unsigned long long)l->seconds, INT32_MAX);
	}
	unit = lease_unit(l);
	if (unit)
		snprintf(buf, DHCP_LEASE_STR_MAX, "%llu%c", (unsigned long long)l->expiry, unit);
	else
		snprintf(buf, DHCP_LEASE_STR_MAX, "%llus", (unsigned long long)l->seconds);
	return 0;
}
