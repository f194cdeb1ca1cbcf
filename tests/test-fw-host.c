/* The host firewall analyser against rulesets the real tools loaded
 * (tests/data/hostfw/capture.sh made the fixtures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fw_host.h"
#include "testutil.h"

#define BIT(k)	  (1u << (k))
#define FWD_ALL	  (BIT(HFW_FWD_OUT) | BIT(HFW_FWD_REPLY) | BIT(HFW_FWD_BRIDGE))
#define INPUT_ALL (BIT(HFW_DHCP) | BIT(HFW_DNS_UDP) | BIT(HFW_DNS_TCP))

static const char nat_xml[] =
	"<network><name>default</name><forward mode='nat'/>"
	"<bridge name='virbr0'/>"
	"<ip address='192.168.122.1' netmask='255.255.255.0'>"
	"<dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>";

static const char dual_xml[] =
	"<network><name>default</name><forward mode='nat'/>"
	"<bridge name='virbr0'/>"
	"<ip address='192.168.122.1' netmask='255.255.255.0'>"
	"<dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>"
	"<ip family='ipv6' address='fd00:1::1' prefix='64'>"
	"<dhcp><range start='fd00:1::100' end='fd00:1::1ff'/></dhcp></ip></network>";

/* Analyse fixture NAME (.json and .txt) for the network in xml. */
static void analyse(const char *name, const char *xml, const char *uplink, struct hfw_report *r)
{
	char rel[64];
	struct net n = { 0 };
	struct nerr e = { { 0 } };
	json_error_t je;
	json_t *doc;
	char *text;

	tu_load_str(xml, &n);
	snprintf(rel, sizeof rel, "hostfw/%s.json", name);
	doc = json_load_file(tu_data(rel), 0, &je);
	assert_non_null(doc);
	snprintf(rel, sizeof rel, "hostfw/%s.txt", name);
	text = tu_read(tu_data(rel));
	assert_int_equal(hfw_analyse(doc, text, &n, uplink, r, &e), 0);
	for (size_t i = 0; i < r->n; i++) {
		char line[1024];

		hfw_blocker_str(&r->b[i], &n, line, sizeof line);
		print_message("%s: %s\n  fix: %s\n", name, line, r->b[i].fix);
	}
	free(text);
	json_decref(doc);
	net_free(&n);
}

static const struct hfw_blocker *find(const struct hfw_report *r, const char *fam,
				      const char *table, const char *chain)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->b[i].family, fam) == 0 && strcmp(r->b[i].table, table) == 0 &&
		    strcmp(r->b[i].chain, chain) == 0)
			return &r->b[i];
	return NULL;
}

/* Docker 28: FORWARD policy drop, nothing of ours in DOCKER-USER. */
static void test_docker(void **state)
{
	struct hfw_report r;
	const struct hfw_blocker *b;

	(void)state;
	analyse("docker", nat_xml, "eth0", &r);
	assert_int_equal(r.n, 1);
	assert_non_null(b = find(&r, "ip", "filter", "FORWARD"));
	assert_string_equal(b->owner, "Docker");
	assert_string_equal(b->hook, "forward");
	assert_int_equal(b->blocks, FWD_ALL);
	assert_int_equal(b->maybe, 0);
	assert_string_equal(b->why, "policy drop");
	assert_non_null(strstr(b->fix, "iptables -I DOCKER-USER -i virbr0 -j ACCEPT"));
	/* Without knowing the uplink, Docker's `oifname "docker0" ... drop`
	 * may be the one: still one blocker, the same verdict. */
	analyse("docker", nat_xml, NULL, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.b[0].blocks, FWD_ALL);
}

/* netd's accepts at the top of DOCKER-USER: no longer blocking, the
 * conntrack match read from the text listing's translation. */
static void test_docker_user(void **state)
{
	struct hfw_report r;

	(void)state;
	analyse("docker-user", nat_xml, "eth0", &r);
	assert_int_equal(r.n, 0);
}

/* ufw's defaults: INPUT and FORWARD policy drop, for both families. */
static void test_ufw(void **state)
{
	struct hfw_report r;
	const struct hfw_blocker *b;

	(void)state;
	analyse("ufw", dual_xml, "eth0", &r);
	assert_int_equal(r.n, 4);
	assert_non_null(b = find(&r, "ip", "filter", "INPUT"));
	assert_string_equal(b->owner, "ufw");
	assert_int_equal(b->blocks & ~b->maybe, INPUT_ALL);
	assert_non_null(strstr(b->fix, "ufw allow in on virbr0"));
	assert_string_equal(b->why, "drop in chain ufw-skip-to-policy-input");
	assert_non_null(b = find(&r, "ip", "filter", "FORWARD"));
	/* ufw-before-forward accepts replies (ct state related,established). */
	assert_int_equal(b->blocks, BIT(HFW_FWD_OUT) | BIT(HFW_FWD_BRIDGE));
	assert_non_null(b = find(&r, "ip6", "filter", "INPUT"));
	assert_string_equal(b->owner, "ufw");
	assert_true(b->blocks & BIT(HFW_DNS_UDP));
	assert_non_null(b = find(&r, "ip6", "filter", "FORWARD"));
	/* Replies are accepted by ct state related,established, but only
	 * after an `rt type 0 drop` netd cannot evaluate (an xt match). */
	assert_int_equal(b->maybe, BIT(HFW_FWD_REPLY));
}

/* firewalld: policy accept, but a final reject. */
static void test_firewalld(void **state)
{
	struct hfw_report r;
	const struct hfw_blocker *b;

	(void)state;
	analyse("firewalld", nat_xml, "eth0", &r);
	assert_int_equal(r.n, 2);
	assert_non_null(b = find(&r, "inet", "firewalld", "filter_INPUT"));
	assert_string_equal(b->owner, "firewalld");
	assert_int_equal(b->blocks & ~b->maybe, INPUT_ALL);
	assert_string_equal(b->why, "reject in chain filter_INPUT");
	assert_non_null(b = find(&r, "inet", "firewalld", "filter_FORWARD"));
	assert_int_equal(b->blocks, BIT(HFW_FWD_OUT) | BIT(HFW_FWD_BRIDGE));
	assert_non_null(strstr(b->fix, "firewall-cmd"));
}

/* An administrator's inet filter with policy drop: the exact rules. */
static void test_admin(void **state)
{
	struct hfw_report r;
	const struct hfw_blocker *b;

	(void)state;
	analyse("admin", nat_xml, "eth0", &r);
	assert_int_equal(r.n, 2);
	assert_non_null(b = find(&r, "inet", "filter", "input"));
	assert_string_equal(b->owner, "an administrator's table");
	assert_int_equal(b->blocks, INPUT_ALL);
	assert_string_equal(b->fix, "nft insert rule inet filter input iifname \"virbr0\" accept");
	assert_non_null(b = find(&r, "inet", "filter", "forward"));
	assert_int_equal(b->blocks, FWD_ALL);
	assert_string_equal(b->fix,
			    "nft insert rule inet filter forward iifname \"virbr0\" accept; "
			    "nft insert rule inet filter forward oifname \"virbr0\" ct state "
			    "established,related accept");
}

/* The same with the accepts for virbr0 before the drop: nothing blocks. */
static void test_admin_accept(void **state)
{
	struct hfw_report r;

	(void)state;
	analyse("admin-accept", dual_xml, "eth0", &r);
	assert_int_equal(r.n, 0);
	analyse("admin-accept", dual_xml, NULL, &r);
	assert_int_equal(r.n, 0);
}

/* A drop reached through jump, a reject through goto. */
static void test_jump(void **state)
{
	struct hfw_report r;
	const struct hfw_blocker *b;

	(void)state;
	analyse("jump", nat_xml, "eth0", &r);
	assert_int_equal(r.n, 2);
	assert_non_null(b = find(&r, "ip", "t", "my_forward"));
	assert_int_equal(b->blocks, BIT(HFW_FWD_OUT) | BIT(HFW_FWD_BRIDGE));
	assert_string_equal(b->why, "drop in chain deny");
	assert_non_null(b = find(&r, "ip", "t", "my_input"));
	assert_int_equal(b->blocks, BIT(HFW_DHCP) | BIT(HFW_DNS_UDP));
	assert_string_equal(b->why, "reject in chain ch2");
}

/* Drops for other interfaces and subnets: not a blocker once the uplink is
 * known; with an unknown uplink, `oifname "docker1" drop` may be it. */
static void test_other_ifs(void **state)
{
	struct hfw_report r;

	(void)state;
	analyse("other-ifs", dual_xml, "eth0", &r);
	assert_int_equal(r.n, 0);
	analyse("other-ifs", dual_xml, NULL, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.b[0].blocks, BIT(HFW_FWD_OUT) | BIT(HFW_FWD_REPLY));
	assert_int_equal(r.b[0].maybe, r.b[0].blocks);
}

/* An isolated network crosses only the input hook and guest to guest. */
static void test_isolated(void **state)
{
	static const char xml[] = "<network><name>iso</name><bridge name='virbr5'/>"
				  "<ip address='10.5.0.1' prefix='24'/></network>";
	struct hfw_report r;

	(void)state;
	analyse("docker", xml, "eth0", &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.b[0].blocks, BIT(HFW_FWD_BRIDGE));
	analyse("admin", xml, "eth0", &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(find(&r, "inet", "filter", "input")->blocks,
			 BIT(HFW_DNS_UDP) | BIT(HFW_DNS_TCP));
}

/* What netd cannot evaluate never hides a drop: a header it does not know
 * (ether), an unknown xt target (NFQUEUE): maybe-blockers. */
static void test_unknown_is_maybe(void **state)
{
	static const char doc_text[] =
		"{\"nftables\": ["
		"{\"chain\": {\"family\": \"ip\", \"table\": \"t\", \"name\": \"f\", "
		"\"type\": \"filter\", \"hook\": \"forward\", \"prio\": 0, \"policy\": "
		"\"accept\"}},"
		"{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"f\", \"handle\": "
		"2, "
		"\"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": "
		"\"ether\", \"field\": \"saddr\"}}, \"right\": \"52:54:00:00:00:01\"}}, {\"drop\": "
		"null}]}},"
		"{\"chain\": {\"family\": \"ip\", \"table\": \"t\", \"name\": \"i\", "
		"\"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"accept\"}},"
		"{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"i\", \"handle\": "
		"3, "
		"\"expr\": [{\"xt\": {\"type\": \"target\", \"name\": \"NFQUEUE\"}}]}},"
		"{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"i\", \"handle\": "
		"4, "
		"\"expr\": [{\"xt\": {\"type\": \"target\", \"name\": \"LOG\"}}]}}]}";
	struct hfw_report r;
	struct net n = { 0 };
	struct nerr e = { { 0 } };
	json_t *doc = json_loads(doc_text, 0, NULL);

	(void)state;
	assert_non_null(doc);
	tu_load_str(nat_xml, &n);
	assert_int_equal(hfw_analyse(doc, NULL, &n, "eth0", &r, &e), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.b[0].blocks, FWD_ALL);
	assert_int_equal(r.b[0].maybe, FWD_ALL);
	assert_int_equal(r.b[1].blocks, INPUT_ALL);
	assert_int_equal(r.b[1].maybe, INPUT_ALL);
	json_decref(doc);
	net_free(&n);
}

/* iptables' comment match (an xt match in JSON) matches every packet. */
static void test_xt_comment(void **state)
{
	static const char doc_text[] = "{\"nftables\": [{\"chain\": {\"family\": \"ip\", "
				       "\"table\": \"filter\", \"name\": \"FORWARD\", \""
				       "type\": \"filter\", \"hook\": \"forward\", \"prio\": 0, "
				       "\"policy\": \"drop\"}}, {\"rule\": {\"fa"
				       "mily\": \"ip\", \"table\": \"filter\", \"chain\": "
				       "\"FORWARD\", \"handle\": 5, \"expr\": [{\"matc"
				       "h\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": "
				       "\"iifname\"}}, \"right\": \"virbr0\"}}, {\"xt"
				       "\": {\"type\": \"match\", \"name\": \"comment\"}}, "
				       "{\"counter\": {\"packets\": 0, \"bytes\": 0}"
				       "}, {\"accept\": null}]}}]}";
	struct hfw_report r;
	struct net n = { 0 };
	struct nerr e = { { 0 } };
	json_t *doc = json_loads(doc_text, 0, NULL);

	(void)state;
	assert_non_null(doc);
	tu_load_str(nat_xml, &n);
	assert_int_equal(hfw_analyse(doc, NULL, &n, "eth0", &r, &e), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.b[0].blocks, BIT(HFW_FWD_REPLY));
	json_decref(doc);
	net_free(&n);
}

static void test_not_a_listing(void **state)
{
	struct hfw_report r;
	struct net n = { 0 };
	struct nerr e = { { 0 } };
	json_t *doc = json_pack("{s:i}", "x", 1);

	(void)state;
	tu_load_str(nat_xml, &n);
	assert_int_equal(hfw_analyse(doc, NULL, &n, NULL, &r, &e), -EINVAL);
	json_decref(doc);
	net_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),	   cmocka_unit_test(test_docker_user),
		cmocka_unit_test(test_ufw),	   cmocka_unit_test(test_firewalld),
		cmocka_unit_test(test_admin),	   cmocka_unit_test(test_admin_accept),
		cmocka_unit_test(test_jump),	   cmocka_unit_test(test_other_ifs),
		cmocka_unit_test(test_isolated),   cmocka_unit_test(test_unknown_is_maybe),
		cmocka_unit_test(test_xt_comment), cmocka_unit_test(test_not_a_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
