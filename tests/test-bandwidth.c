/* The pure half of the bandwidth step: the nft script of the outbound
 * limit and netd plan's section, from the model alone (libvirt's units:
 * kB/s of 1000 bytes, bursts in KiB). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bandwidth.h"
#include "testutil.h"

#define NET(body)                                                                                  \
	"<network><name>lab-1</name><forward mode='nat'/><bridge name='virbr9'/>" body             \
	"<ip address='10.9.0.1' prefix='24'/></network>"

static char *plan_of(const struct net *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	struct nerr e = { { 0 } };

	assert_non_null(o);
	if (bw_plan(n, o, &e) < 0)
		fail_msg("plan: %s", e.msg);
	assert_int_equal(fclose(o), 0);
	return buf;
}

static void test_ingress_script(void **state)
{
	_cleanup_net_ struct net n = { 0 }, m = { 0 };
	_cleanup_free_ char *s = NULL, *t = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	tu_load_str(NET("<bandwidth><outbound average='12500' peak='20000' burst='1024'/>"
			"</bandwidth>"),
		    &n);
	assert_int_equal(bw_render_ingress(&n, &s, &e), 0);
	assert_string_equal(s, "add table netdev netd\n"
			       "add chain netdev netd bw_lab-1 { type filter hook ingress device "
			       "\"virbr9\" priority 0; policy accept; }\n"
			       "flush chain netdev netd bw_lab-1\n"
			       "add rule netdev netd bw_lab-1 limit rate over 12500000 "
			       "bytes/second burst 1048576 bytes counter drop\n");
	/* no outbound: nothing to load; no burst: nft's default */
	tu_load_str(NET("<bandwidth><inbound average='10'/></bandwidth>"), &m);
	assert_int_equal(bw_render_ingress(&m, &t, &e), 0);
	assert_string_equal(t, "");
	m.bw_out = (struct net_bw_rate){ .set = true, .average = 1 };
	free(t);
	t = NULL;
	assert_int_equal(bw_render_ingress(&m, &t, &e), 0);
	assert_non_null(strstr(t, "limit rate over 1000 bytes/second counter drop\n"));
}

static void test_plan(void **state)
{
	_cleanup_net_ struct net n = { 0 }, none = { 0 };
	_cleanup_free_ char *p = NULL, *q = NULL;

	(void)state;
	tu_load_str(NET("<bandwidth><inbound average='1000' peak='2000' burst='1024'/>"
			"<outbound average='2000' peak='3000'/></bandwidth>"),
		    &n);
	p = plan_of(&n);
	assert_non_null(strstr(p, "qdisc htb 1: root default 2\n"));
	assert_non_null(strstr(p, "  class htb 1:1 parent 1: rate 1000000 bytes/s ceil 2000000 "
				  "bytes/s\n"));
	assert_non_null(strstr(p, "  class htb 1:2 parent 1:1 rate 1000000 bytes/s ceil 2000000 "
				  "bytes/s burst 1048576 bytes\n"));
	assert_non_null(strstr(p, "limit rate over 2000000 bytes/second counter drop\n"));
	assert_non_null(strstr(p, "outbound peak 3000 kB/s is not enforced"));
	tu_load_str(NET(""), &none);
	q = plan_of(&none);
	assert_string_equal(q, "");
}

/* A name outside the grammar never reaches a script. */
static void test_bad_names(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	char *s = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	tu_load_str(NET("<bandwidth><outbound average='1'/></bandwidth>"), &n);
	nd_strlcpy(n.bridge, "br\"x", sizeof n.bridge);
	assert_int_equal(bw_render_ingress(&n, &s, &e), -EINVAL);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ingress_script),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_bad_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
