/* Delegation: the policy file (defaults, every key, the errors a typo gets,
 * the trust check), durations, and the request protocol's strict parser
 * and its round trip through the client's formatter. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "deleg.h"
#include "userproto.h"

static void policy_defaults(void **state)
{
	struct deleg_policy p;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(deleg_parse("# nothing\n\n", "f", &p, &e), 0);
	assert_int_equal(p.n_users + p.n_groups, 0);
	assert_int_equal(p.pool.family, 0);
	assert_int_equal(p.prefix, 24);
	assert_int_equal(p.max_networks, 2);
	assert_true(p.nat && p.isolated);
	assert_int_equal(p.lease_time, 3600);
	assert_int_equal(p.max_lease_time, 86400);
	assert_false(deleg_covers(&p, "alice", NULL, 0));
}

static void policy_keys(void **state)
{
	struct deleg_policy p;
	struct nerr e = { { 0 } };
	char a[64];

	(void)state;
	assert_int_equal(deleg_parse("users = alice, bob\ngroups=vm-users\t\n"
				     "pool = 10.203.0.0/16\nprefix = 26\n"
				     "pool6 = fd00:203::/48\nmax-networks = 5\n"
				     "forward = isolated\nlease-time = 90m\n"
				     "max-lease-time = 2d\r\n",
				     "f", &p, &e),
			 0);
	assert_int_equal(p.n_users, 2);
	assert_string_equal(p.users[1], "bob");
	assert_int_equal(p.n_groups, 1);
	assert_string_equal(p.groups[0], "vm-users");
	net_addr_str(&p.pool, a, sizeof a);
	assert_string_equal(a, "10.203.0.0");
	assert_int_equal(p.pool_prefix, 16);
	assert_int_equal(p.prefix, 26);
	net_addr_str(&p.pool6, a, sizeof a);
	assert_string_equal(a, "fd00:203::");
	assert_int_equal(p.pool6_prefix, 48);
	assert_int_equal(p.max_networks, 5);
	assert_false(p.nat);
	assert_true(p.isolated);
	assert_int_equal(p.lease_time, 5400);
	assert_int_equal(p.max_lease_time, 172800);
	assert_true(deleg_covers(&p, "bob", NULL, 0));
	assert_false(deleg_covers(&p, "bo", NULL, 0));
}

static void policy_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "user = alice\n", "P:1: unknown setting 'user' (known: users, groups, pool, "
				    "prefix, pool6, max-networks, forward, lease-time, "
				    "max-lease-time)" },
		{ "\nusers = al/ice\n", "P:2: users: 'al/ice' is not a user name" },
		{ "groups = -x\n", "P:1: groups: '-x' is not a group name" },
		{ "pool = 10.203.0.0\n",
		  "P:1: pool: expected an IPv4 subnet ADDRESS/PREFIX, not '10.203.0.0'" },
		{ "pool = 10.203.0.1/16\n", "P:1: pool: '10.203.0.1/16' has host bits set" },
		{ "pool = fd00::/48\n",
		  "P:1: pool: expected an IPv4 subnet ADDRESS/PREFIX, not 'fd00::/48'" },
		{ "pool = 0.0.0.0/4\n", "P: pool /4: give a pool of /8 or smaller" },
		{ "pool = 10.203.0.0/24\nprefix = 20\n",
		  "P: prefix /20 is larger than the pool (/24)" },
		{ "pool6 = fd00::/64\n",
		  "P:1: pool6: /64 holds no /64 for a network (at most /63)" },
		{ "prefix = 30\n", "P:1: prefix: expected a number from 16 to 29, not '30'" },
		{ "max-networks = 0\n",
		  "P:1: max-networks: expected a number from 1 to 64, not '0'" },
		{ "forward = route\n",
		  "P:1: forward: 'route' is not a kind users may have (nat, isolated; route "
		  "and bridge reach the host's own networks and stay the admin's)" },
		{ "forward =\n", "P:1: forward: give nat, isolated or both" },
		{ "lease-time = 1m\n", "P:1: lease-time: expected a duration of 2m or more (120, "
				       "90m, 12h, 1d), not '1m'" },
		{ "lease-time = 2d\n", "P: lease-time is longer than max-lease-time" },
		{ "users\n", "P:1: expected KEY = VALUE" },
	};
	struct deleg_policy p;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct nerr e = { { 0 } };

		assert_true(deleg_parse(bad[i].text, "P", &p, &e) < 0);
		assert_string_equal(e.msg, bad[i].msg);
	}
}

static void durations(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(deleg_duration("3600", &v), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(deleg_duration("90s", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(deleg_duration("12h", &v), 0);
	assert_int_equal(v, 43200);
	assert_int_equal(deleg_duration("366d", &v), 0);
	for (const char *const *b = (const char *const[]){ "", "h", "-1", "1x", "1hh", "1 h",
							   "367d", "99999999999999999999", NULL };
	     *b; b++)
		assert_int_equal(deleg_duration(*b, &v), -EINVAL);
}

/* The policy decides what root does for others: only root may write it. */
static void policy_trust(void **state)
{
	char dir[] = "/run/netd-test-deleg-XXXXXX", path[64];
	struct nd_paths p = { 0 };
	struct deleg_policy pol;
	struct nerr e = { { 0 } };

	(void)state;
	struct stat st;

	/* /run: root's and 0755 on every host that runs the tests as root
	 * (a /tmp-like sticky directory would itself be untrusted). */
	if (geteuid() != 0 || stat("/run", &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	(void)snprintf(path, sizeof path, "%s/delegation.conf", dir);
	nd_strlcpy(p.deleg_conf, path, sizeof p.deleg_conf);
	assert_int_equal(deleg_load(&p, &pol, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "delegation is not set up on this host"));
	assert_int_equal(nd_write_atomic(path, "users = alice\n", 14, 0644), 0);
	assert_int_equal(deleg_load(&p, &pol, &e), 0);
	assert_int_equal(pol.n_users, 1);
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(deleg_load(&p, &pol, &e), -EPERM);
	assert_non_null(strstr(e.msg, "not trusted"));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(deleg_load(&p, &pol, &e), -EPERM);
	assert_non_null(strstr(e.msg, "can be changed by someone other than root"));
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(path, 1, 0), 0);
	assert_int_equal(deleg_load(&p, &pol, &e), -EPERM);
	unlink(path);
	rmdir(dir);
}

static void request_ok(void **state)
{
	struct ureq q;
	struct nerr e = { { 0 } };
	const char *t = "{\"netd-user\":1,\"op\":\"create\",\"name\":\"lab-1\",\"forward\":"
			"\"isolated\",\"transient\":true,\"lease-time\":\"2h\"}";

	(void)state;
	assert_int_equal(ureq_parse(t, strlen(t), &q, &e), 0);
	assert_int_equal(q.op, UREQ_CREATE);
	assert_string_equal(q.name, "lab-1");
	assert_int_equal(q.fwd, UREQ_FWD_ISOLATED);
	assert_true(q.transient);
	assert_string_equal(q.lease, "2h");
	t = " {\"op\":\"list\",\"netd-user\":1,\"json\":true}\n";
	assert_int_equal(ureq_parse(t, strlen(t), &q, &e), 0);
	assert_int_equal(q.op, UREQ_LIST);
	assert_true(q.json);
}

/* What the client sends, the service reads back the same. */
static void request_round_trip(void **state)
{
	const struct ureq in[] = {
		{ .op = UREQ_CREATE, .name = "a", .fwd = UREQ_FWD_NAT, .lease = "3h" },
		{ .op = UREQ_CREATE, .name = "b_2", .transient = true },
		{ .op = UREQ_LIST, .json = true },
		{ .op = UREQ_DESTROY, .name = "x", .force = true },
		{ .op = UREQ_LEASES, .name = "0ab" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		char *t = ureq_format(&in[i]);
		struct ureq out;
		struct nerr e = { { 0 } };

		assert_non_null(t);
		assert_int_equal(ureq_parse(t, strlen(t), &out, &e), 0);
		assert_memory_equal(&out, &in[i], sizeof out);
		free(t);
	}
}

static void request_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "request is not JSON: '[' or '{' expected near end of file (byte 0)" },
		{ "[1]", "request is not a JSON object" },
		{ "{\"op\":\"list\"}", "request has no \"netd-user\" version" },
		{ "{\"netd-user\":7,\"op\":\"list\"}",
		  "request of protocol version 7; this netd speaks version 1 (is the client's "
		  "netd the same as the host's?)" },
		{ "{\"netd-user\":1,\"op\":\"rm\"}",
		  "request: \"op\" must be one of create, list, destroy, leases" },
		{ "{\"netd-user\":1,\"op\":\"list\",\"uid\":0}", "request: list takes no \"uid\"" },
		{ "{\"netd-user\":1,\"op\":\"list\",\"name\":\"x\"}",
		  "request: list takes no \"name\"" },
		{ "{\"netd-user\":1,\"op\":\"destroy\"}", "request: destroy needs \"name\"" },
		{ "{\"netd-user\":1,\"op\":\"leases\",\"name\":\"Lab\"}",
		  "'Lab' is not a name for a network of yours (lower-case letters, digits, '-', "
		  "'_', starting with a letter or a digit, at most 16 bytes)" },
		{ "{\"netd-user\":1,\"op\":\"leases\",\"name\":\"a\\nb\"}",
		  "'a\\nb' is not a name for a network of yours (lower-case letters, digits, "
		  "'-', '_', starting with a letter or a digit, at most 16 bytes)" },
		{ "{\"netd-user\":1,\"op\":\"leases\",\"name\":\"abcdefghijklmnopq\"}",
		  "request: \"name\" is longer than 16 bytes" },
		{ "{\"netd-user\":1,\"op\":\"create\",\"name\":\"a\",\"forward\":\"route\"}",
		  "request: forward must be nat or isolated" },
		{ "{\"netd-user\":1,\"op\":\"create\",\"name\":\"a\",\"transient\":1}",
		  "request: \"transient\" must be true or false" },
		{ "{\"netd-user\":1,\"op\":\"list\",\"op\":\"list\"}",
		  "request is not JSON: duplicate object key near '\"op\"' (byte 31)" },
		{ "{\"netd-user\":1,\"op\":\"list\"} {}",
		  "request is not JSON: end of file expected near '{' (byte 29)" },
		{ "{\"netd-user\":1,\"op\":\"leases\",\"name\":\"a\\u0000b\"}",
		  "request is not JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near "
		  "'\"a\\u0000b\"' (byte 46)" },
		{ "{\"netd-user\":1,\"op\":\"leases\",\"name\":\"a\001b\"}",
		  "request is not JSON: control character 0x1 near '\"a' (byte 38)" },
	};
	struct ureq q;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct nerr e = { { 0 } };

		assert_true(ureq_parse(bad[i].text, strlen(bad[i].text), &q, &e) < 0);
		assert_string_equal(e.msg, bad[i].msg);
	}
}

static void request_too_long(void **state)
{
	char *big = malloc(UREQ_MAX + 2);
	struct ureq q;
	struct nerr e = { { 0 } };

	(void)state;
	assert_non_null(big);
	memset(big, ' ', UREQ_MAX + 1);
	big[UREQ_MAX + 1] = '\0';
	assert_int_equal(ureq_parse(big, UREQ_MAX + 1, &q, &e), -EMSGSIZE);
	assert_string_equal(e.msg, "request too long (4097 bytes; at most 4096)");
	free(big);
}

static void answers(void **state)
{
	char *t = uresp_format(1, "o\n", "netd user: no\n"), *out, *err;
	int status;
	struct nerr e = { { 0 } };

	(void)state;
	assert_non_null(t);
	assert_int_equal(uresp_parse(t, strlen(t), &status, &out, &err, &e), 0);
	assert_int_equal(status, 1);
	assert_string_equal(out, "o\n");
	assert_string_equal(err, "netd user: no\n");
	free(out);
	free(err);
	free(t);
	t = "{\"netd-user\":1,\"status\":9}";
	assert_int_equal(uresp_parse(t, strlen(t), &status, &out, &err, &e), -EPROTO);
	t = "nope";
	assert_int_equal(uresp_parse(t, strlen(t), &status, &out, &err, &e), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policy_defaults),    cmocka_unit_test(policy_keys),
		cmocka_unit_test(policy_errors),      cmocka_unit_test(durations),
		cmocka_unit_test(policy_trust),	      cmocka_unit_test(request_ok),
		cmocka_unit_test(request_round_trip), cmocka_unit_test(request_errors),
		cmocka_unit_test(request_too_long),   cmocka_unit_test(answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
