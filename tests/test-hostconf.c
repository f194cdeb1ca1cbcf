/* netd.conf: defaults, both keys, comments, and the errors a typo gets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hostconf.h"

static void defaults(void **state)
{
	struct hostconf hc;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(hostconf_parse("", "f", &hc, &e), 0);
	assert_true(hc.firewalld);
	assert_true(hc.iptables);
	assert_int_equal(hostconf_parse("# only a comment\n\n   \n", "f", &hc, &e), 0);
	assert_true(hc.firewalld && hc.iptables);
}

static void both_keys(void **state)
{
	struct hostconf hc;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(hostconf_parse("firewalld = no\n\tiptables=no \r\n", "f", &hc, &e), 0);
	assert_false(hc.firewalld);
	assert_false(hc.iptables);
	assert_int_equal(hostconf_parse("iptables = no\niptables = yes", "f", &hc, &e), 0);
	assert_true(hc.iptables);
}

static void errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "\n\nfirewald = no\n", "/etc/netd/netd.conf:3: unknown setting 'firewald' "
					 "(known: firewalld, iptables)" },
		{ "iptables = off\n",
		  "/etc/netd/netd.conf:1: iptables: expected yes or no, not 'off'" },
		{ "# x\niptables\n", "/etc/netd/netd.conf:2: expected KEY = VALUE" },
		{ "firewalld = \n",
		  "/etc/netd/netd.conf:1: firewalld: expected yes or no, not ''" },
	};
	struct hostconf hc;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct nerr e = { { 0 } };

		assert_int_equal(hostconf_parse(bad[i].text, "/etc/netd/netd.conf", &hc, &e),
				 -EINVAL);
		assert_string_equal(e.msg, bad[i].msg);
	}
}

/* A line is read into a fixed buffer: one that does not fit is refused,
 * one that just fits is read. */
static void long_line(void **state)
{
	char text[300];
	struct hostconf hc;
	struct nerr e = { { 0 } };

	(void)state;
	memset(text, ' ', sizeof text);
	memcpy(text, "iptables = no", 13);
	text[255] = '\0'; /* 255 bytes: fits */
	assert_int_equal(hostconf_parse(text, "f", &hc, &e), 0);
	assert_false(hc.iptables);
	text[255] = ' ';
	text[256] = '\0'; /* 256 bytes: does not */
	assert_int_equal(hostconf_parse(text, "f", &hc, &e), -EINVAL);
	assert_string_equal(e.msg, "f:1: line longer than 255 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(both_keys),
		cmocka_unit_test(errors),
		cmocka_unit_test(long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
