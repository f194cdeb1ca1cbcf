/* The firewall against the real kernel: every golden case of
 * test-fw-render loads (dry run first), loads twice to the same ruleset and
 * stops back to the bare skeleton; networks side by side leave each other
 * alone; replace and conflicts behave. Runs in a private network namespace
 * made at the start of main, so the host's ruleset is never touched; skips
 * (77) unless root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/netlink.h>

#include "fw.h"
#include "step.h"
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

static char *start_of(const struct net *n)
{
	struct nerr e = { { 0 } };
	char *s = NULL;

	if (fw_render(n, &s, &e) < 0)
		fail_msg("render %s: %s", n->name, e.msg);
	return s;
}

static char *stop_of(const struct net *n, bool last)
{
	struct nerr e = { { 0 } };
	char *s = NULL;

	if (fw_render_stop(n, last, &s, &e) < 0)
		fail_msg("render stop %s: %s", n->name, e.msg);
	return s;
}

static void apply(const char *script, bool dry_run)
{
	struct nerr e = { { 0 } };

	if (fw_apply(script, dry_run, &e) < 0)
		fail_msg("fw_apply%s: %s", dry_run ? " (dry run)" : "", e.msg);
}

static void apply_case(const char *name, bool start)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *s = NULL;

	load_case(name, &n);
	s = start ? start_of(&n) : stop_of(&n, false);
	apply(s, false);
}

static bool present(void)
{
	struct nerr e = { { 0 } };
	bool p = false;

	if (fw_table_present(&p, &e) < 0)
		fail_msg("fw_table_present: %s", e.msg);
	return p;
}

/* The table as listed, or NULL when there is none. */
static char *list(void)
{
	struct nerr e = { { 0 } };
	char *s = NULL;
	int r = fw_list(&s, &e);

	if (r == -ENOENT)
		return NULL;
	if (r < 0)
		fail_msg("fw_list: %s", e.msg);
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The listing with its maps and chains sorted: nft lists chains in the
 * order they were created, which depends on history, not on content. */
static char *normalized(void)
{
	_cleanup_free_ char *text = list();
	char *blocks[256];
	size_t n = 0;
	struct sbuf out = { 0 };

	if (!text)
		return NULL;
	/* Blocks start with "\tmap " or "\tchain " and end with "\t}\n". */
	for (char *p = strchr(text, '\n'); p && (p = strstr(p, "\n\t"));) {
		char *end = strstr(++p, "\n\t}\n");

		if (!end)
			break;
		assert_true(n < ARRAY_SIZE(blocks));
		blocks[n++] = strndup(p, (size_t)(end - p) + 3);
		p = end + 3;
	}
	qsort(blocks, n, sizeof blocks[0], cmp_str);
	for (size_t i = 0; i < n; i++) {
		sbuf_printf(&out, "%s\n", blocks[i]);
		free(blocks[i]);
	}
	return sbuf_finish(&out);
}

static void reset(void)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *s = NULL;

	load_case("nat", &n);
	s = stop_of(&n, true);
	apply(s, false);
	assert_false(present());
}

/* What stop leaves: the shared maps and base chains, nothing else. Made by
 * stopping a network that was never started, which must load too. */
static char *skeleton(void)
{
	char *sk;

	reset();
	apply_case("nat", false);
	sk = normalized();
	assert_non_null(sk);
	assert_null(strstr(sk, "chain n_"));
	assert_null(strstr(sk, "elements"));
	return sk;
}

static void test_case(void **state)
{
	const char *name = *state;
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *sk = skeleton(), *start = NULL, *stop = NULL, *last = NULL, *l1 = NULL,
			    *l2 = NULL, *after = NULL;

	reset();
	load_case(name, &n);
	start = start_of(&n);
	stop = stop_of(&n, false);
	last = stop_of(&n, true);

	apply(start, true);
	assert_false(present()); /* a dry run commits nothing */
	apply(start, false);
	if (!start[0]) {
		/* open: no rules, and no table for them */
		assert_false(present());
		return;
	}
	l1 = list();
	apply(start, false);
	l2 = list();
	assert_string_equal(l1, l2); /* idempotent */

	apply(stop, false);
	after = normalized();
	assert_string_equal(after, sk);
	apply(stop, false); /* stopping again is harmless */
	apply(last, false);
	assert_false(present());
	apply(last, false);
	assert_false(present());
}

/* Start A and B, stop A: the ruleset is B's alone. */
static void test_pairs(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *a = cases[i], *b = cases[(i + 1) % ARRAY_SIZE(cases)];
		_cleanup_free_ char *want = NULL, *got = NULL;

		if (strcmp(a, "open") == 0 || strcmp(b, "open") == 0)
			continue;
		reset();
		apply_case(b, true);
		want = normalized();
		reset();
		apply_case(a, true);
		apply_case(b, true);
		apply_case(a, false);
		got = normalized();
		if (strcmp(want, got) != 0)
			fail_msg("start %s, %s, stop %s:\n%s\nwant:\n%s", a, b, a, got, want);
	}
}

/* Every case at once (distinct bridges and subnets), then stop them all. */
static void test_all(void **state)
{
	_cleanup_free_ char *sk = skeleton(), *got = NULL;

	(void)state;
	reset();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		apply_case(cases[i], true);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		apply_case(cases[i], false);
	got = normalized();
	assert_string_equal(got, sk);
}

static void test_replace(void **state)
{
	_cleanup_net_ struct net a = { 0 }, b = { 0 };
	_cleanup_free_ char *want_a = NULL, *want_b = NULL, *ab = NULL, *ba = NULL, *got_b = NULL,
			    *got_a = NULL, *aa = NULL, *got_aa = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	load_case("nat", &a);
	load_case("replace-new", &b);
	assert_int_equal(fw_render_replace(&a, &b, &ab, &e), 0);
	assert_int_equal(fw_render_replace(&b, &a, &ba, &e), 0);
	reset();
	apply_case("replace-new", true);
	want_b = normalized();
	reset();
	apply_case("nat", true);
	want_a = normalized();

	apply(ab, false);
	got_b = normalized();
	assert_string_equal(got_b, want_b);
	apply(ba, false);
	got_a = normalized();
	assert_string_equal(got_a, want_a);

	/* Onto itself: every key deleted and re-added in one batch. */
	assert_int_equal(fw_render_replace(&a, &a, &aa, &e), 0);
	apply(aa, false);
	got_aa = normalized();
	assert_string_equal(got_aa, want_a);
}

/* A second network on a bridge or subnet already taken fails as a whole,
 * with an errno the caller can act on, and changes nothing. */
static void test_conflicts(void **state)
{
	_cleanup_net_ struct net same_net = { 0 };
	_cleanup_free_ char *before = NULL, *after = NULL, *s2 = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	reset();
	apply_case("nat", true);
	before = list();

	/* A subnet that overlaps one NATed already: the kernel refuses the
	 * nat4 interval. (A second network on the same bridge name has only
	 * set elements beside the first's; start refuses it before the
	 * firewall step, as the bridge exists.) */
	load_case("nat-range", &same_net);
	net_addr_parse("192.168.122.1", &same_net.ips[0].addr);
	same_net.ips[0].prefix = 16;
	s2 = start_of(&same_net);
	assert_int_equal(fw_apply(s2, false, &e), -EEXIST);
	/* The kernel's refusal (nft no longer reads the map's elements
	 * first), with what it means for netd. */
	assert_non_null(strstr(e.msg, "File exists (a map of table inet netd already holds"));
	assert_null(strstr(e.msg, "internal"));
	assert_null(strchr(e.msg, '\n'));

	after = list();
	assert_string_equal(before, after);
}

/* nft's error comes back as one line naming the failing command. */
static void test_error_message(void **state)
{
	struct nerr e = { { 0 } };
	int r;

	(void)state;
	reset();
	r = fw_apply("add table inet netd\nadd rule inet netd nosuch accept\n", false, &e);
	assert_true(r < 0);
	assert_null(strchr(e.msg, '\n'));
	assert_non_null(strstr(e.msg, "line 2:"));
	assert_non_null(strstr(e.msg, "in `add rule inet netd nosuch accept`"));
	assert_false(present()); /* one transaction: the table did not stay */
	assert_int_equal(fw_apply("", false, &e), 0);
}

/* fw_check's findings for n, joined by "; " (static buffer): NULL when
 * there is no drift. The check must leave the ruleset as it found it, and
 * no child behind. */
static const char *drift_of(const struct net *n)
{
	static char what[2048];
	_cleanup_free_ char *before = list(), *after = NULL;
	_cleanup_fw_drift_ struct fw_drift d = { 0 };
	struct nerr e = { { 0 } };
	size_t used = 0;

	if (fw_check(n, &d, &e) < 0)
		fail_msg("fw_check %s: %s", n->name, e.msg);
	after = list();
	if (before || after)
		assert_string_equal(before ? before : "(none)", after ? after : "(none)");
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(d.more, 0);
	if (d.n == 0)
		return NULL;
	what[0] = '\0';
	for (size_t i = 0; i < d.n; i++) {
		char one[256];

		assert_int_equal(fw_drift_str(&d.f[i], one, sizeof one), 0);
		assert_null(strchr(one, '\n'));
		used += (size_t)snprintf(what + used, sizeof what - used, "%s%s", i ? "; " : "",
					 one);
		assert_true(used < sizeof what);
	}
	return what;
}

static void no_drift(const struct net *n)
{
	const char *what = drift_of(n);

	if (what)
		fail_msg("%s: unexpected drift: %s", n->name, what);
}

static void drifts(const struct net *n, const char *want)
{
	const char *what = drift_of(n);

	if (!what)
		fail_msg("%s: no drift found, want \"%s\"", n->name, want);
	assert_string_equal(what, want);
}

static void start(const struct net *n)
{
	_cleanup_free_ char *s = start_of(n);

	apply(s, false);
}

/* Loading n's rules again fails, and changes nothing (one transaction). */
static void reload_fails(const struct net *n)
{
	_cleanup_free_ char *s = start_of(n), *before = NULL, *after = NULL;
	struct nerr e = { { 0 } };

	assert_int_equal(fw_list(&before, &e), 0);
	assert_int_equal(fw_apply(s, false, &e), -EEXIST);
	assert_int_equal(fw_list(&after, &e), 0);
	assert_string_equal(after, before);
}

/* fw_repair with what fw_check finds, in one call. */
static void repair(const struct net *n)
{
	_cleanup_fw_drift_ struct fw_drift d = { 0 };
	struct nerr e = { { 0 } };

	if (fw_check(n, &d, &e) < 0)
		fail_msg("fw_check %s: %s", n->name, e.msg);
	if (fw_repair(n, &d, &e) < 0)
		fail_msg("fw_repair %s (%zu findings): %s", n->name, d.n, e.msg);
}

/* Every case, loaded alone, is exactly there. */
static void test_check_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_net_ struct net n = { 0 };

		reset();
		load_case(cases[i], &n);
		start(&n);
		no_drift(&n);
		/* an open network has nothing to check, and no table appears */
		if (strcmp(cases[i], "open") == 0)
			assert_false(present());
	}
	/* ... and all at once, each beside the others' map elements. */
	reset();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		apply_case(cases[i], true);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_net_ struct net n = { 0 };

		load_case(cases[i], &n);
		no_drift(&n);
	}
}

/* What other tools do to the ruleset, each found and named, and each
 * repaired by loading fw_render(n) again; but an element whose verdict
 * changed, which the kernel will not overwrite (EEXIST): 'fix' deletes it
 * first. */
static void test_check_damage(void **state)
{
	static const struct {
		const char *cmds, *want, *fix;
	} damage[] = {
		{ "flush ruleset", "table inet netd missing", NULL },
		{ "delete table inet netd", "table inet netd missing", NULL },
		{ "add table inet netd { flags dormant; }", "table inet netd differs", NULL },
		{ "flush chain inet netd n_default_nat", "chain n_default_nat differs", NULL },
		{ "add rule inet netd to_bridge accept", "chain to_bridge differs", NULL },
		{ "insert rule inet netd n_default_nat accept", "chain n_default_nat differs",
		  NULL },
		{ "delete element inet netd nat4 { 192.168.122.0/24 }\n"
		  "flush chain inet netd n_default_nat\n"
		  "delete chain inet netd n_default_nat",
		  "chain n_default_nat missing; map nat4 lacks 192.168.122.0/24", NULL },
		{ "flush chain inet netd forward", "chain forward differs", NULL },
		{ "flush chain inet netd guard", "chain guard differs", NULL },
		{ "flush chain inet netd postrouting_nat", "chain postrouting_nat differs", NULL },
		{ "add rule inet netd input drop", "chain input differs", NULL },
		{ "chain inet netd input { policy drop; }", "chain input differs", NULL },
		{ "delete element inet netd bridges { \"virbr0\" }", "set bridges lacks virbr0",
		  NULL },
		{ "delete element inet netd dhcp4 { \"virbr0\" }", "set dhcp4 lacks virbr0", NULL },
		{ "delete element inet netd in_nat4 { \"virbr0\" . 192.168.122.0/24 }",
		  "set in_nat4 lacks virbr0 . 192.168.122.0/24", NULL },
		{ "delete element inet netd svc { \"virbr0\" . udp . 53 }",
		  "set svc lacks virbr0 . udp . 53", NULL },
		{ "flush set inet netd own4", "set own4 lacks 192.168.122.1 . virbr0", NULL },
		{ "delete element inet netd nat4 { 192.168.122.0/24 }",
		  "map nat4 lacks 192.168.122.0/24", NULL },
		{ "delete element inet netd nat4 { 192.168.122.0/24 }\n"
		  "add element inet netd nat4 { 192.168.122.0/24 : accept }",
		  "map nat4 differs for 192.168.122.0/24",
		  "delete element inet netd nat4 { 192.168.122.0/24 }" },
	};
	_cleanup_net_ struct net n = { 0 };

	(void)state;
	load_case("nat", &n);
	for (size_t i = 0; i < ARRAY_SIZE(damage); i++) {
		reset();
		start(&n);
		no_drift(&n);
		apply(damage[i].cmds, false);
		drifts(&n, damage[i].want);
		if (damage[i].fix) {
			/* a plain load cannot repair it... */
			reload_fails(&n);
			apply(damage[i].fix, false);
			start(&n);
			no_drift(&n);
			/* ...fw_repair can, in one transaction */
			apply(damage[i].cmds, false);
		}
		repair(&n);
		no_drift(&n);
	}
}

/* Two networks: damage to one is not drift of the other, even in the maps
 * they share. */
static void test_check_two(void **state)
{
	_cleanup_net_ struct net a = { 0 }, b = { 0 };

	(void)state;
	load_case("nat", &a);
	load_case("dual-stack", &b);
	reset();
	start(&a);
	start(&b);
	no_drift(&a);
	no_drift(&b);

	apply("flush chain inet netd n_dual_nat", false);
	no_drift(&a);
	drifts(&b, "chain n_dual_nat differs");
	start(&b);
	no_drift(&b);

	apply("delete element inet netd nat4 { 192.168.122.0/24 }", false);
	drifts(&a, "map nat4 lacks 192.168.122.0/24");
	no_drift(&b);
	start(&a);
	no_drift(&a);

	/* A network that was never started is missing, whatever else runs. */
	{
		_cleanup_net_ struct net c = { 0 };
		char want[1024], addr[64], sub[80];
		struct net_addr base;

		load_case("route", &c);
		assert_int_equal(net_addr_str(&c.ips[0].addr, addr, sizeof addr), 0);
		net_addr_mask(&c.ips[0].addr, c.ips[0].prefix, &base);
		assert_int_equal(net_addr_str(&base, sub, sizeof sub - 4), 0);
		snprintf(sub + strlen(sub), 5, "/%u", c.ips[0].prefix);
		snprintf(want, sizeof want,
			 "set bridges lacks %1$s; set intra lacks %1$s . %1$s; set in_route4 "
			 "lacks %1$s . %2$s; set out4 lacks %1$s . %2$s; set svc lacks %1$s . "
			 "tcp . 53; set svc lacks %1$s . udp . 53; set svc lacks %1$s . udp . 67; "
			 "set guard4 lacks %3$s; set own4 lacks %3$s . %1$s; set dhcp4 lacks %1$s",
			 c.bridge, sub, addr);
		drifts(&c, want);
	}

	/* Stopping one leaves the other exactly there. */
	apply_case("nat", false);
	drifts(&a, "chain n_default_nat missing; map nat4 lacks 192.168.122.0/24; "
		   "set bridges lacks virbr0; set intra lacks virbr0 . virbr0; "
		   "set in_nat4 lacks virbr0 . 192.168.122.0/24; "
		   "set out4 lacks virbr0 . 192.168.122.0/24; set svc lacks virbr0 . tcp . 53; "
		   "set svc lacks virbr0 . udp . 53; set svc lacks virbr0 . udp . 67; "
		   "set guard4 lacks 192.168.122.1; set own4 lacks 192.168.122.1 . virbr0; "
		   "set dhcp4 lacks virbr0");
	no_drift(&b);
}

/* Many things changed at once: every one is reported by one check, in
 * order (chains, then maps), and one fw_repair call fixes them all, two
 * changed verdicts included (each needs its element deleted first, in the
 * same transaction). */
static void test_check_many(void **state)
{
	_cleanup_net_ struct net n = { 0 };

	(void)state;
	load_case("nat", &n);
	reset();
	start(&n);
	apply("flush chain inet netd n_default_nat\n"
	      "add rule inet netd input drop\n"
	      "delete element inet netd nat4 { 192.168.122.0/24 }\n"
	      "add element inet netd nat4 { 192.168.122.0/24 : accept }\n"
	      "delete element inet netd bridges { \"virbr0\" }\n"
	      "delete element inet netd svc { \"virbr0\" . tcp . 53 }\n",
	      false);
	drifts(&n, "chain n_default_nat differs; chain input differs; map nat4 differs for "
		   "192.168.122.0/24; set bridges lacks virbr0; set svc lacks virbr0 . tcp . 53");
	reload_fails(&n);
	repair(&n);
	no_drift(&n);

	/* In a dormant table too (read without nft's JSON table object). */
	apply("add table inet netd { flags dormant; }\n"
	      "delete element inet netd dhcp4 { \"virbr0\" }\n"
	      "add rule inet netd n_default_nat accept\n",
	      false);
	drifts(&n, "table inet netd differs; chain n_default_nat differs; set dhcp4 lacks virbr0");
	repair(&n);
	no_drift(&n);
}

/* A finding is bounded, and says in one line what it is. */
static void test_drift_str(void **state)
{
	struct fw_finding f = { .kind = FW_DRIFT_ELEM_DIFFERS,
				.object = "nat4",
				.key = "192.168.122.0/24" };
	char buf[64], tiny[8];

	(void)state;
	assert_int_equal(fw_drift_str(&f, buf, sizeof buf), 0);
	assert_string_equal(buf, "map nat4 differs for 192.168.122.0/24");
	assert_int_equal(fw_drift_str(&f, tiny, sizeof tiny), -ENAMETOOLONG);
	f.kind = FW_DRIFT_MAP_MISSING;
	assert_int_equal(fw_drift_str(&f, buf, sizeof buf), 0);
	assert_string_equal(buf, "map nat4 missing");
	f = (struct fw_finding){ .kind = FW_DRIFT_ELEM_MISSING,
				 .is_set = true,
				 .object = "in_nat4",
				 .key = "virbr0 . 192.168.122.0/24" };
	assert_int_equal(fw_drift_str(&f, buf, sizeof buf), 0);
	assert_string_equal(buf, "set in_nat4 lacks virbr0 . 192.168.122.0/24");
}

static void stop(const struct net *n)
{
	struct nerr e = { { 0 } };

	if (fw_stop(n, false, NULL, &e) < 0)
		fail_msg("fw_stop %s: %s", n->name, e.msg);
}

/* fw_stop keeps the table while another network's part is in it, and
 * deletes it with the last part, as the kernel's table says; it succeeds
 * when the table or n's part is already gone. */
static void test_stop(void **state)
{
	_cleanup_net_ struct net a = { 0 }, b = { 0 }, open = { 0 };
	_cleanup_free_ char *want = NULL, *got = NULL;

	(void)state;
	load_case("nat", &a);
	load_case("dual-stack", &b);
	load_case("open", &open);
	reset();
	start(&b);
	want = normalized();
	reset();
	start(&a);
	start(&b);
	stop(&a);
	assert_true(present());
	got = normalized();
	assert_string_equal(got, want); /* b's part alone */
	no_drift(&b);
	stop(&a); /* a's part already gone */
	assert_true(present());
	no_drift(&b);
	stop(&open); /* no part: touches nothing */
	assert_true(present());
	stop(&b);
	assert_false(present());
	stop(&b); /* the table already gone */
	stop(&a);
	assert_false(present());

	/* A routed network has no chain of its own, only set elements: it
	 * still keeps the table when the other stops. */
	{
		_cleanup_net_ struct net r = { 0 };

		load_case("route", &r);
		start(&a);
		start(&r);
		stop(&a);
		assert_true(present());
		no_drift(&r);
		stop(&r);
		assert_false(present());
	}

	/* An open network beside: it has no part, so the last network with
	 * rules takes the table with it. */
	start(&open);
	start(&a);
	stop(&a);
	assert_false(present());

	/* A dormant table is read all the same. */
	start(&a);
	start(&b);
	apply("add table inet netd { flags dormant; }", false);
	stop(&b);
	assert_true(present());
	stop(&a);
	assert_false(present());
}

static void fw_start_ok(const struct net *n)
{
	struct nerr e = { { 0 } };

	if (fw_start(n, &e) < 0)
		fail_msg("fw_start %s: %s", n->name, e.msg);
}

/* fw_start loads the skeleton only when the table lacks this layout's
 * marker: a damaged skeleton stays drift (for check and repair) rather
 * than being rebuilt by the next start, and without the marker the whole
 * script comes back. */
static void test_start_part(void **state)
{
	_cleanup_net_ struct net a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	load_case("nat", &a);
	load_case("dual-stack", &b);
	load_case("route", &c);
	reset();
	fw_start_ok(&a); /* no table: the whole script */
	no_drift(&a);
	fw_start_ok(&b); /* the part alone */
	no_drift(&a);
	no_drift(&b);

	apply("flush chain inet netd forward", false);
	fw_start_ok(&c);
	drifts(&c, "chain forward differs"); /* the part was loaded */
	repair(&c);
	no_drift(&a);
	no_drift(&b);
	no_drift(&c);

	stop(&c);
	apply("flush chain inet netd forward\ndelete set inet netd " FW_LAYOUT_SET, false);
	fw_start_ok(&c); /* no marker: the whole script */
	no_drift(&a);
	no_drift(&b);
	no_drift(&c);
}

/* Network names that extend one another ("a", "a_b", "a_in"): stopping one
 * never takes another's part for its own. */
static void test_stop_prefix(void **state)
{
	static const struct {
		const char *name, *bridge, *addr;
	} nets[] = {
		{ "a", "vbra", "10.61.0.1" },
		{ "a_b", "vbrab", "10.62.0.1" },
		{ "a_in", "vbrain", "10.63.0.1" },
	};
	struct net n[ARRAY_SIZE(nets)];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(nets); i++) {
		memset(&n[i], 0, sizeof n[i]);
		load_case("nat", &n[i]);
		snprintf(n[i].name, sizeof n[i].name, "%s", nets[i].name);
		snprintf(n[i].bridge, sizeof n[i].bridge, "%s", nets[i].bridge);
		assert_int_equal(net_addr_parse(nets[i].addr, &n[i].ips[0].addr), 0);
	}
	/* Each stopped first and last, beside the others. */
	for (size_t first = 0; first < ARRAY_SIZE(nets); first++) {
		reset();
		for (size_t i = 0; i < ARRAY_SIZE(nets); i++)
			start(&n[i]);
		stop(&n[first]);
		assert_true(present());
		for (size_t i = 0; i < ARRAY_SIZE(nets); i++)
			if (i != first)
				no_drift(&n[i]);
		for (size_t i = 0; i < ARRAY_SIZE(nets); i++) {
			if (i == first)
				continue;
			assert_true(present());
			stop(&n[i]);
		}
		assert_false(present());
	}
	for (size_t i = 0; i < ARRAY_SIZE(nets); i++)
		net_free(&n[i]);
}

/* The step entry: apply, one drift line per finding, repair of them all
 * with a confirming check, undo. */
static void test_step(void **state)
{
	static const struct step_ops *const ops[] = { &fw_step };
	_cleanup_net_ struct net n = { 0 };
	_cleanup_step_run_ struct step_run run = { 0 };
	struct nerr e = { { 0 } };
	struct drift d;

	(void)state;
	load_case("nat", &n);
	reset();
	assert_int_equal(step_run_init(&run, ops, ARRAY_SIZE(ops), NULL, &n, stdout, &e), 0);
	if (step_run_apply(&run, &e) < 0)
		fail_msg("apply: %s", e.msg);
	no_drift(&n);
	assert_int_equal(step_run_check(&run, false, &d, &e), 0);
	assert_int_equal(d.n, 0);

	apply("flush chain inet netd n_default_nat\n"
	      "delete element inet netd nat4 { 192.168.122.0/24 }\n"
	      "add element inet netd nat4 { 192.168.122.0/24 : accept }\n",
	      false);
	assert_int_equal(step_run_check(&run, false, &d, &e), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.what[0], "firewall: chain n_default_nat differs");
	assert_string_equal(d.what[1], "firewall: map nat4 differs for 192.168.122.0/24");
	if (step_run_check(&run, true, &d, &e) < 0)
		fail_msg("repair: %s", e.msg);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.repaired, 2);
	no_drift(&n);

	assert_int_equal(step_run_undo(&run, &e), 0);
	assert_false(present());
}

/* Without the right to make a scratch namespace: -EPERM, said plainly. */
static void test_check_eperm(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	int status = 0;
	pid_t pid;

	(void)state;
	load_case("nat", &n);
	reset();
	start(&n);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct nerr e = { { 0 } };
		struct fw_drift d = { 0 };
		int r;

		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(3);
		r = fw_check(&n, &d, &e);
		if (r != -EPERM || !strstr(e.msg, "unshare") || !strstr(e.msg, "network default"))
			fprintf(stderr, "fw_check as nobody: %d %s\n", r, e.msg);
		_exit(r == -EPERM && strstr(e.msg, "unshare") && strstr(e.msg, "network default")
			      ? 0
			      : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* netd closes no netfilter socket before it exits (fw_apply.c: a close
 * right after a transaction waits for an RCU grace period): the sockets of
 * the loads above are still open, every one close-on-exec (libnftables'
 * own is not: a duplicate is kept), so no child (dnsmasq, an editor) gets
 * one. */
static void test_kept_sockets(void **state)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t nf = 0, inherited = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		int dom = 0, proto = 0;
		socklen_t l1 = sizeof dom, l2 = sizeof proto;

		if (*end || end == de->d_name || fd == dirfd(d) ||
		    getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &dom, &l1) < 0 ||
		    getsockopt((int)fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l2) < 0 ||
		    dom != AF_NETLINK || proto != NETLINK_NETFILTER)
			continue;
		nf++;
		if (!(fcntl((int)fd, F_GETFD) & FD_CLOEXEC))
			inherited++;
	}
	closedir(d);
	assert_true(nf > 0);
	assert_int_equal(inherited, 0);
}

/* Run a command line of plain words (no quoting) with its output on
 * /dev/null; its exit status, or -1. */
static int run_words(const char *line)
{
	char copy[256], *argv[24], *save = NULL;
	size_t n = 0;
	pid_t pid;
	int st;

	snprintf(copy, sizeof copy, "%s", line);
	for (char *w = strtok_r(copy, " ", &save); w && n + 1 < ARRAY_SIZE(argv);
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	if (n == 0)
		return -1;
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* iptables-nft's conntrack and state matches, read over nfnetlink in the
 * words the host-firewall analysis expects from nft's translation; the
 * rules made by the real iptables-nft. */
static void test_xt_ct_listing(void **state)
{
	static const char *const rules[] = {
		"-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
		"-A FORWARD -m conntrack ! --ctstate NEW -j ACCEPT",
		"-A FORWARD -m state --state NEW,INVALID -j DROP",
		"-A FORWARD -m conntrack --ctstate NEW --ctproto tcp -j DROP",
		"-A FORWARD -i lo -j ACCEPT",
		"-A INPUT -m conntrack --ctstate UNTRACKED -m conntrack --ctstate NEW -j ACCEPT",
		/* another table's: not in filter's listing */
		"-t mangle -A PREROUTING -m conntrack --ctstate NEW -j ACCEPT",
	};
	struct sbuf s = { 0 };
	struct nerr e = { { 0 } };
	_cleanup_free_ char *text = NULL;
	char cmd[256];
	size_t n = 0;

	(void)state;
	if (run_words("iptables-nft -V") != 0)
		skip();
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		snprintf(cmd, sizeof cmd, "iptables-nft %s", rules[i]);
		assert_int_equal(run_words(cmd), 0);
	}
	assert_int_equal(fw_xt_ct_listing("ip", "filter", &s, &e), 0);
	text = sbuf_finish(&s);
	assert_non_null(text);
	assert_int_equal(strncmp(text, "table ip filter {\n", 18), 0);
	assert_null(strstr(text, "flags")); /* not dormant */
	assert_non_null(
		strstr(text, "\tchain FORWARD {\n\t\tct state established,related # handle "));
	assert_non_null(strstr(text, "\t\tct state != new # handle "));
	assert_non_null(strstr(text, "\t\tct state invalid,new # handle "));
	assert_non_null(strstr(text, "\t\tct other # handle "));
	assert_non_null(
		strstr(text, "\tchain INPUT {\n\t\tct state untracked ct state new # handle "));
	/* five rules with such matches, the one without none, mangle's not */
	for (const char *p = text; (p = strstr(p, "# handle ")); p++)
		n++;
	assert_int_equal(n, 5);
	assert_int_equal(run_words("nft delete table ip filter"), 0);
	assert_int_equal(run_words("nft delete table ip mangle"), 0);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases) + 17];
	size_t k = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root for a private network namespace\n");
		return 77;
	}
	/* Before anything else: from here on no rule can reach the host. */
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "skipped: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(test_case, (void *)cases[i]);

		t.name = cases[i];
		tests[k++] = t;
	}
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_pairs);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_all);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_replace);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_conflicts);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_error_message);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_check_cases);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_check_damage);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_check_two);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_check_many);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_drift_str);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_stop);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_stop_prefix);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_start_part);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_step);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_check_eperm);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_kept_sockets);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_xt_ct_listing);
	return _cmocka_run_group_tests("fw-kernel", tests, k, NULL, NULL);
}
