/* The firewall renderer: golden scripts for every forward mode and address
 * layout (tests/data/fw/CASE.xml -> CASE.nft, CASE-stop.nft), and the
 * refusal to render anything from values outside the nft grammar. Whether
 * the kernel takes these scripts is test-fw-kernel's job. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "fw.h"
#include "model.h"
#include "testutil.h"

static const char *const cases[] = {
	"nat",	"nat-dev",  "nat-range",  "route",    "route-dev",
	"open", "isolated", "dual-stack", "nat-ipv6", "multi-v4",
};

static void load_case(const char *name, struct net *n)
{
	char rel[128];

	snprintf(rel, sizeof rel, "fw/%s.xml", name);
	tu_load(tu_data(rel), n);
}

static void golden(const char *actual, const char *name, const char *suffix)
{
	char rel[128], path[4096];

	snprintf(rel, sizeof rel, "fw/%s%s.nft", name, suffix);
	snprintf(path, sizeof path, "%s", tu_data(rel));
	tu_golden(actual, path);
}

/* Nothing but the characters of nft keywords, names, addresses and our
 * punctuation can appear: a cheap guard that no value escaped its grammar. */
static void assert_plain(const char *script)
{
	for (const char *p = script; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    " _.-:/{},;@\"!=\n",
			    *p))
			fail_msg("unexpected character 0x%02x in script", (unsigned char)*p);
}

static void test_case(void **state)
{
	const char *name = *state;
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *start = NULL, *stop = NULL;
	struct nerr e = { { 0 } };

	load_case(name, &n);
	assert_int_equal(fw_render(&n, &start, &e), 0);
	assert_int_equal(fw_render_stop(&n, false, &stop, &e), 0);
	assert_plain(start);
	assert_plain(stop);
	golden(start, name, "");
	golden(stop, name, "-stop");
}

static void test_open_is_empty(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *start = NULL, *stop = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	load_case("open", &n);
	assert_int_equal(fw_render(&n, &start, &e), 0);
	assert_int_equal(fw_render_stop(&n, false, &stop, &e), 0);
	assert_string_equal(start, "");
	assert_string_equal(stop, "");
}

static void test_stop_last(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *stop = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	load_case("nat", &n);
	assert_int_equal(fw_render_stop(&n, true, &stop, &e), 0);
	golden(stop, "stop-last", "");
}

static void test_replace(void **state)
{
	_cleanup_net_ struct net old = { 0 }, new = { 0 }, open = { 0 };
	_cleanup_free_ char *s = NULL, *to_open = NULL, *stop = NULL, *same = NULL, *start = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	load_case("nat", &old);
	load_case("replace-new", &new);
	load_case("open", &open);
	assert_int_equal(fw_render_replace(&old, &new, &s, &e), 0);
	golden(s, "replace", "");
	/* To open: all of old goes, nothing comes: the same as stop. */
	assert_int_equal(fw_render_replace(&old, &open, &to_open, &e), 0);
	assert_int_equal(fw_render_stop(&old, false, &stop, &e), 0);
	assert_string_equal(to_open, stop);
	/* Replacing with itself keeps every chain: no chain is deleted. */
	assert_int_equal(fw_render_replace(&old, &old, &same, &e), 0);
	assert_null(strstr(same, "delete chain"));
	/* ...and ends with what start loads, from the first rule on. */
	assert_int_equal(fw_render_replace(NULL, &old, &start, &e), 0);
	const char *rules = strstr(start, "flush chain inet netd n_default_nat");
	assert_non_null(rules);
	assert_non_null(strstr(same, rules));
}

/* The part alone: the whole script's lines but the skeleton's. */
static void test_part(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *full = NULL, *part = NULL;
	struct nerr e = { { 0 } };
	char *line, *save = NULL;

	(void)state;
	load_case("nat-dev", &n);
	assert_int_equal(fw_render(&n, &full, &e), 0);
	assert_int_equal(fw_render_part(&n, &part, &e), 0);
	assert_true(strlen(part) < strlen(full));
	assert_null(strstr(part, "chain inet netd forward"));
	assert_null(strstr(part, "chain inet netd to_bridge"));
	assert_null(strstr(part, FW_LAYOUT_SET));
	assert_non_null(strstr(part, "add chain inet netd n_natdev_nat {"));
	assert_non_null(strstr(part, "elements = { \"virbr1\" . \"eth0\" . 192.168.100.0/24 }"));
	for (line = strtok_r(part, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strstr(full, line))
			fail_msg("not in the whole script: %s", line);
	/* open: nothing, like fw_render */
	net_free(&n);
	load_case("open", &n);
	free(part);
	part = NULL;
	assert_int_equal(fw_render_part(&n, &part, &e), 0);
	assert_string_equal(part, "");
}

/* The model's own defaults: a nat network without <nat><port> has ports
 * 0-0 before net_fill_defaults; the renderer treats 0 as libvirt's
 * 1024-65535. */
static void test_unset_ports(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *s = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	load_case("nat", &n);
	n.nat_port_start = n.nat_port_end = 0;
	assert_int_equal(fw_render(&n, &s, &e), 0);
	assert_non_null(strstr(s, "masquerade to :1024-65535\n"));
}

struct hostile {
	const char *what;
	void (*spoil)(struct net *n);
};

static void spoil_bridge_quote(struct net *n)
{
	snprintf(n->bridge, sizeof n->bridge, "%s", "x\"; flush");
}

static void spoil_bridge_newline(struct net *n)
{
	snprintf(n->bridge, sizeof n->bridge, "%s", "br0\nflush");
}

static void spoil_bridge_wildcard(struct net *n)
{
	snprintf(n->bridge, sizeof n->bridge, "%s", "virbr*");
}

static void spoil_bridge_empty(struct net *n)
{
	n->bridge[0] = '\0';
}

static void spoil_name_space(struct net *n)
{
	snprintf(n->name, sizeof n->name, "%s", "a b");
}

static void spoil_name_newline(struct net *n)
{
	snprintf(n->name, sizeof n->name, "%s", "a\nflush ruleset");
}

static void spoil_name_brace(struct net *n)
{
	snprintf(n->name, sizeof n->name, "%s", "x}");
}

static void spoil_name_dot(struct net *n)
{
	snprintf(n->name, sizeof n->name, "%s", ".hidden");
}

static void spoil_dev(struct net *n)
{
	snprintf(n->fwd_dev, sizeof n->fwd_dev, "%s", "eth0 accept");
}

static void spoil_family(struct net *n)
{
	n->ips[0].addr.family = 0;
}

static void spoil_prefix(struct net *n)
{
	n->ips[0].prefix = 33;
}

static void spoil_prefix_wide(struct net *n)
{
	n->ips[0].prefix = 7;
}

/* 2000::/3, masqueraded: every global IPv6 address. */
static void spoil_prefix_wide6(struct net *n)
{
	struct net_ip *ip = nd_array_push(&n->ips, &n->n_ips, sizeof *n->ips, NET_MAX_ITEMS);

	assert_non_null(ip);
	net_addr_parse("2001:db8::1", &ip->addr);
	ip->prefix = 3;
	n->nat_ipv6 = NET_YES;
}

static void spoil_ports(struct net *n)
{
	n->nat_port_start = 2000;
	n->nat_port_end = 70000;
}

static void spoil_nat_v6(struct net *n)
{
	net_addr_parse("2001:db8::1", &n->nat_start);
	net_addr_parse("2001:db8::9", &n->nat_end);
}

static void spoil_nat_reversed(struct net *n)
{
	net_addr_parse("203.0.113.9", &n->nat_start);
	net_addr_parse("203.0.113.1", &n->nat_end);
}

static void spoil_mode(struct net *n)
{
	n->fwd_mode = (enum net_fwd_mode)42;
}

static void spoil_overlap(struct net *n)
{
	struct net_ip *ip = nd_array_push(&n->ips, &n->n_ips, sizeof *n->ips, NET_MAX_ITEMS);

	assert_non_null(ip);
	net_addr_parse("192.168.0.1", &ip->addr);
	ip->prefix = 16;
}

static const struct hostile hostiles[] = {
	{ "bridge with a quote", spoil_bridge_quote },
	{ "bridge with a newline", spoil_bridge_newline },
	{ "bridge with a wildcard", spoil_bridge_wildcard },
	{ "bridge unset", spoil_bridge_empty },
	{ "name with a space", spoil_name_space },
	{ "name with a newline", spoil_name_newline },
	{ "name with a brace", spoil_name_brace },
	{ "name starting with a dot", spoil_name_dot },
	{ "forward dev with a space", spoil_dev },
	{ "ip without family", spoil_family },
	{ "IPv4 prefix 33", spoil_prefix },
	{ "IPv4 prefix 7", spoil_prefix_wide },
	{ "IPv6 prefix 3", spoil_prefix_wide6 },
	{ "port beyond 65535", spoil_ports },
	{ "IPv6 nat addresses", spoil_nat_v6 },
	{ "reversed nat addresses", spoil_nat_reversed },
	{ "unknown forward mode", spoil_mode },
	{ "overlapping subnets", spoil_overlap },
};

/* Every renderer refuses, with -EINVAL, no output and a message that does
 * not echo the bad value (it may hold a newline). */
static void assert_refused(const struct net *n, const char *what)
{
	struct nerr e;
	char *s;
	int r;

	for (int k = 0; k < 4; k++) {
		memset(&e, 0, sizeof e);
		s = (char *)"untouched";
		if (k == 0)
			r = fw_render(n, &s, &e);
		else if (k == 1)
			r = fw_render_stop(n, false, &s, &e);
		else if (k == 2)
			r = fw_render_stop(n, true, &s, &e);
		else
			r = fw_render_replace(NULL, n, &s, &e);
		if (r != -EINVAL || s != NULL)
			fail_msg("%s: renderer %d returned %d", what, k, r);
		assert_true(e.msg[0] != '\0');
		assert_null(strchr(e.msg, '\n'));
		assert_null(strchr(e.msg, '"'));
		assert_null(strstr(e.msg, "flush"));
	}
}

static void test_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof hostiles / sizeof hostiles[0]; i++) {
		_cleanup_net_ struct net n = { 0 };

		load_case("nat-dev", &n);
		hostiles[i].spoil(&n);
		assert_refused(&n, hostiles[i].what);
	}
}

/* Also as the old side of a replace: a bad recorded model must not reach
 * the script either. */
static void test_hostile_old(void **state)
{
	_cleanup_net_ struct net old = { 0 }, n = { 0 };
	struct nerr e = { { 0 } };
	char *s = NULL;

	(void)state;
	load_case("nat", &old);
	load_case("nat", &n);
	spoil_bridge_newline(&old);
	assert_int_equal(fw_render_replace(&old, &n, &s, &e), -EINVAL);
	assert_null(s);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases) + 7];
	size_t k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(test_case, (void *)cases[i]);

		t.name = cases[i];
		tests[k++] = t;
	}
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_open_is_empty);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_stop_last);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_replace);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_part);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_unset_ports);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_hostile);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_hostile_old);
	return _cmocka_run_group_tests("fw-render", tests, k, NULL, NULL);
}
