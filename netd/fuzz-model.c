/* Fuzz target: the network model end to end, as `netd define` and `netd
 * plan` run it on a file a user wrote: parse, validate, defaults, both
 * renderers and the XML writer. All of it is pure (no file, netlink or host
 * state is read: the dnsmasq paths are fixed strings, the uuid is fixed so
 * that no random bytes are drawn), so each input is checked for properties,
 * not just for crashes:
 *   - a refusal's message says where ("fuzz.xml:...") and holds nothing the
 *     escaper would change: no control byte, C1 or bidi character, invalid
 *     UTF-8;
 *   - what validate accepts, defaults keep valid, and every renderer then
 *     renders (validate owns every grammar the renderers check again);
 *   - the dnsmasq config is netd's "## " comments and `key[=value]` lines,
 *     key [a-z0-9-]+, with no control byte; the hosts files have no control
 *     byte but the tab that separates fields; the nft scripts none at all,
 *     and every subnet they match is an <ip>'s own (or the fixed multicast
 *     exemptions), never a wider one;
 *   - the XML written, before and after defaults, parses and validates again
 *     and is written back to the same bytes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "dhcp.h"
#include "fuzz.h"
#include "fw.h"
#include "model.h"

#define FUZZ_FILE "fuzz.xml"

/* Whether s is well-formed UTF-8 without a control character (C0, DEL,
 * C1), a bidi formatting character or a line/paragraph separator. Written
 * apart from nd_escape() on purpose: a check by the escaper itself would
 * share its mistakes. */
static bool msg_safe(const char *str)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t len = *s < 0x80		       ? 1
			     : *s >= 0xc0 && *s < 0xe0 ? 2
			     : *s >= 0xe0 && *s < 0xf0 ? 3
			     : *s >= 0xf0 && *s < 0xf8 ? 4
						       : 0;
		uint32_t cp;

		if (len == 0)
			return false;
		cp = len == 1 ? *s : (uint32_t)(*s & (0x7f >> len));
		for (size_t i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x61c || cp == 0x200e ||
		    cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return false;
		s += len;
	}
	return true;
}

/* A message as the CLI prints it: safe for a terminal, naming the file. */
static void check_msg(const char *msg)
{
	fuzz_assert(msg[0]);
	fuzz_assert(strncmp(msg, FUZZ_FILE ":", strlen(FUZZ_FILE ":")) == 0);
	if (!msg_safe(msg))
		fprintf(stderr, "fuzz-model: unsafe message: %s\n", msg);
	fuzz_assert(msg_safe(msg));
}

static bool has_ctl(const char *s, const char *allowed)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 || *p == 0x7f) && !strchr(allowed, *p))
			return true;
	return false;
}

static void check_dnsmasq_conf(const char *conf)
{
	fuzz_assert(!has_ctl(conf, "\n"));
	for (const char *l = conf; *l;) {
		const char *end = strchr(l, '\n'), *k = l;

		fuzz_assert(end); /* every line ends */
		if (strncmp(l, "## ", 3) != 0) {
			while (k < end &&
			       ((*k >= 'a' && *k <= 'z') || nd_is_digit(*k) || *k == '-'))
				k++;
			fuzz_assert(k > l);
			fuzz_assert(k == end || *k == '=');
		}
		l = end + 1;
	}
}

/* Every "ADDR/LEN" token of an nft script is one of n's subnets as the
 * renderer writes them, or a fixed multicast exemption. */
static void check_subnets(const struct net *n, const char *script)
{
	static const char *const fixed[] = { "224.0.0.0/24", "ff02::/16" };
	const char *sep = " {},;\n";

	for (const char *p = script; *p;) {
		size_t len = strcspn(p, sep);
		char tok[96];
		bool ok = false;

		if (len == 0) {
			p++;
			continue;
		}
		if (len >= sizeof tok || !memchr(p, '/', len) || p[0] == '"' ||
		    !(nd_is_hex(p[0]) || p[0] == ':')) {
			p += len;
			continue;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		p += len;
		for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
			ok |= strcmp(tok, fixed[i]) == 0;
		for (size_t i = 0; !ok && i < n->n_ips; i++) {
			struct net_addr base;
			char a[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN + 5];

			net_addr_mask(&n->ips[i].addr, n->ips[i].prefix, &base);
			fuzz_assert(net_addr_str(&base, a, sizeof a) == 0);
			(void)snprintf(want, sizeof want, "%s/%u", a, n->ips[i].prefix);
			fuzz_assert(n->ips[i].prefix >= net_prefix_min(n->ips[i].addr.family));
			ok = strcmp(tok, want) == 0;
		}
		if (!ok)
			fprintf(stderr, "fuzz-model: subnet %s is none of the network's\n", tok);
		fuzz_assert(ok);
	}
}

/* A renderer that refuses what validate accepted: say why, then fail. */
static void rendered(int r, const struct nerr *e, const char *what)
{
	if (r < 0)
		fprintf(stderr, "fuzz-model: %s refused a valid network: %s\n", what, e->msg);
	fuzz_assert(r == 0);
}

static void check_renderers(const struct net *n)
{
	struct dhcp_files_buf fb;
	struct nerr e = { { 0 } };
	char *out = NULL;

	rendered(dhcp_files_init(&fb, "/var/lib/netd", "/run/netd", n->name, &e), &e, "dhcp files");
	if (dhcp_needed(n)) {
		rendered(dhcp_render_conf(n, &fb.files, &out, &e), &e, "dnsmasq config");
		check_dnsmasq_conf(out);
		free(out);
		rendered(dhcp_render_hostsfile(n, &out, &e), &e, "hostsfile");
		fuzz_assert(!has_ctl(out, "\n"));
		free(out);
		rendered(dhcp_render_addnhosts(n, &out, &e), &e, "addnhosts");
		fuzz_assert(!has_ctl(out, "\n\t"));
		free(out);
	}
	rendered(fw_render(n, &out, &e), &e, "nft start");
	fuzz_assert(!has_ctl(out, "\n"));
	check_subnets(n, out);
	free(out);
	rendered(fw_render_stop(n, false, &out, &e), &e, "nft stop");
	fuzz_assert(!has_ctl(out, "\n"));
	check_subnets(n, out);
	free(out);
	rendered(fw_render_replace(n, n, &out, &e), &e, "nft replace");
	fuzz_assert(!has_ctl(out, "\n"));
	free(out);
}

/* n formatted, parsed and validated again, formats to the same bytes. */
static void check_round_trip(const struct net *n)
{
	_cleanup_free_ char *xml = net_format_string(n), *again = NULL;
	_cleanup_net_ struct net m = { 0 };
	struct nerr e = { { 0 } };

	fuzz_assert(xml);
	if (net_parse_memory(xml, strlen(xml), FUZZ_FILE, &m, &e) < 0 || net_validate(&m, &e) < 0) {
		fprintf(stderr, "fuzz-model: formatted XML refused: %s\n%s", e.msg, xml);
		fuzz_assert(!"formatted XML parses and validates");
	}
	again = net_format_string(&m);
	fuzz_assert(again);
	if (strcmp(xml, again) != 0)
		fprintf(stderr, "fuzz-model: round trip differs:\n%s---\n%s", xml, again);
	fuzz_assert(strcmp(xml, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t uuid[16] = { 0x6e, 0x65, 0x74, 0x64, 0x2d, 0x66, 0x75, 0x7a,
					  0x7a, 0x2d, 0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x21 };
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };
	int r;

	r = net_parse_memory((const char *)data, size, FUZZ_FILE, &n, &e);
	if (r == 0)
		r = net_validate(&n, &e);
	if (r < 0) {
		fuzz_assert(r == -EINVAL || r == -EFBIG || r == -ENOMEM || r == -E2BIG);
		check_msg(e.msg);
		return 0;
	}
	check_round_trip(&n);
	if (!n.has_uuid) {
		memcpy(n.uuid, uuid, sizeof n.uuid);
		n.has_uuid = true;
	}
	fuzz_assert(net_fill_defaults(&n, NULL, &e) == 0);
	if (net_validate(&n, &e) < 0) {
		fprintf(stderr, "fuzz-model: invalid after defaults: %s\n", e.msg);
		fuzz_assert(!"defaults keep a network valid");
	}
	check_round_trip(&n);
	check_renderers(&n);
	return 0;
}
