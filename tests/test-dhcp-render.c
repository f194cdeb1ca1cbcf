/* The dnsmasq renderer: golden files, refusal of hostile values, and dnsmasq's
 * own syntax check of every golden config (dnsmasq --test parses the files
 * and exits; it opens no socket and starts nothing). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dhcp.h"
#include "testutil.h"

extern char **environ;
extern const char netd_template_default[];

/* Every golden case: tests/data/dhcp/NAME.xml (NULL: the shipped default
 * network) -> NAME.conf, NAME.hostsfile, NAME.addnhosts. */
static const char *const cases[] = {
	"default", "nat",     "route", "open",	      "isolated",    "dualstack",    "leases",
	"dns",	   "dns-off", "mtu",   "localdomain", "static-only", "dnsmasq-opts",
};

static void load_case(const char *name, struct net *n)
{
	char rel[128];

	if (strcmp(name, "default") == 0) {
		tu_load_str(netd_template_default, n);
		return;
	}
	snprintf(rel, sizeof rel, "dhcp/%s.xml", name);
	tu_load(tu_data(rel), n);
}

static void files_for(const struct net *n, struct dhcp_files_buf *b)
{
	struct nerr e = { { 0 } };

	if (dhcp_files_init(b, "/var/lib/netd", "/run/netd", n->name, &e) < 0)
		fail_msg("dhcp_files_init: %s", e.msg);
}

static void golden(const char *name, const char *ext, const char *text)
{
	char rel[128];

	snprintf(rel, sizeof rel, "dhcp/%s.%s", name, ext);
	tu_golden(text, tu_data(rel));
}

static void test_golden(void **state)
{
	const char *name = *state;
	_cleanup_net_ struct net n = { 0 };
	struct dhcp_files_buf b;
	struct nerr e = { { 0 } };
	_cleanup_free_ char *conf = NULL, *hosts = NULL, *addn = NULL;

	load_case(name, &n);
	files_for(&n, &b);
	if (dhcp_render_conf(&n, &b.files, &conf, &e) < 0 ||
	    dhcp_render_hostsfile(&n, &hosts, &e) < 0 || dhcp_render_addnhosts(&n, &addn, &e) < 0)
		fail_msg("%s: %s", name, e.msg);
	golden(name, "conf", conf);
	golden(name, "hostsfile", hosts);
	golden(name, "addnhosts", addn);
}

/* ---- hostile values: each must make a renderer fail, leaving no output */

enum target { CONF, HOSTS, ADDN };

struct hostile {
	const char *what;
	enum target target;
	void (*poke)(struct net *n, struct dhcp_files *f);
	const char *msg; /* expected in the error */
};

#define POKE(fn, ...)                                                                              \
	static void fn(struct net *n, struct dhcp_files *f)                                        \
	{                                                                                          \
		(void)n;                                                                           \
		(void)f;                                                                           \
		__VA_ARGS__;                                                                       \
	}

#define SET(field, val) snprintf((field), sizeof(field), "%s", (val))

/* dns.xml: txts[0] info, srvs[0] ldap, fwds[2] corp.example, hosts[0]
 * gateway/gw; dualstack.xml: ips[0].hosts[0] alpha, ips[1].hosts[0] id */
POKE(txt_newline, SET(n->dns.txts[0].value, "a\nb"))
POKE(txt_comma, SET(n->dns.txts[0].value, "a,b"))
POKE(txt_hash, SET(n->dns.txts[0].value, "a #b"))
POKE(txt_quote, SET(n->dns.txts[0].value, "say \"hi\""))
POKE(txt_name_space, SET(n->dns.txts[0].name, "in fo"))
POKE(srv_target_slash, SET(n->dns.srvs[0].target, "dir/lab"))
POKE(srv_service_comma, SET(n->dns.srvs[0].service, "ld,ap"))
POKE(srv_domain_newline, SET(n->dns.srvs[0].domain, "lab\nexample"))
POKE(srv_port_big, n->dns.srvs[0].port = 70000)
POKE(fwd_domain_slash, SET(n->dns.fwds[2].domain, "corp/example"))
POKE(fwd_port_big, n->dns.fwds[0].port = 65536)
POKE(domain_newline, SET(n->domain, "lab.example\nport=53"))
POKE(domain_empty_label, SET(n->domain, "lab..example"))
POKE(bridge_space, SET(n->bridge, "vir br0"))
POKE(name_newline, SET(n->name, "x\nport=0"))
POKE(dns_host_tab, SET(n->dns.hosts[0].names[0], "gate\tway"))
POKE(dns_host_hash, SET(n->dns.hosts[0].names[1], "#gw"))
POKE(dhcp_name_comma, SET(n->ips[0].hosts[0].name, "alpha,ignore"))
POKE(dhcp_name_number, SET(n->ips[0].hosts[0].name, "300"))
POKE(dhcp_name_time, SET(n->ips[0].hosts[0].name, "12h"))
POKE(dhcp_name_keyword, SET(n->ips[0].hosts[0].name, "ignore"))
POKE(dhcp_mac_comma, SET(n->ips[0].hosts[0].mac, "52:54:00:00,14:01"))
POKE(dhcp_id_comma, SET(n->ips[1].hosts[0].id, "0:3,ignore"))
POKE(dhcp_v6_no_id, n->ips[1].hosts[2].id[0] = '\0')
POKE(lease_huge,
     n->ips[0].ranges[0].lease = (struct net_lease){ .set = true, .seconds = 1ull << 40 })
POKE(range_family, n->ips[0].ranges[0].start = n->ips[1].addr)
POKE(two_dhcp_v4, n->ips[1].addr = n->ips[0].addr)
POKE(path_space, f->hostsfile = "/var/lib/netd/dnsmasq/my net.hostsfile")
POKE(path_relative, f->pidfile = "run/dual.pid")
POKE(path_comma, f->leasefile = "/var/lib/netd/x,y")
POKE(user_newline, f->user = "dnsmasq\nuser=root")
POKE(group_space, f->group = "no group")

/* dnsmasq-opts.xml: dnsmasq_opts[0] is a dhcp-option; a model changed in
 * code after validate still gets nothing past the allowlist */
POKE(opt_script, SET(n->dnsmasq_opts[0].value, "dhcp-script=/bin/sh"))
POKE(opt_conf_dir, SET(n->dnsmasq_opts[0].value, "conf-dir=/etc/dnsmasq.d"))
POKE(opt_newline, SET(n->dnsmasq_opts[0].value, "dhcp-option=3,1.2.3.4\nuser=root"))
POKE(opt_unknown, SET(n->dnsmasq_opts[0].value, "foo=bar"))
POKE(opt_mtu, n->mtu = 1400; SET(n->dnsmasq_opts[0].value, "dhcp-option=option:mtu,1500"))

static const struct hostile hostile_opts[] = {
	{ "option runs a program", CONF, opt_script,
	  "'dhcp-script' is not allowed: it runs a program" },
	{ "option reads files", CONF, opt_conf_dir, "'conf-dir' is not allowed" },
	{ "option newline", CONF, opt_newline, "the value contains a line break" },
	{ "option unknown", CONF, opt_unknown, "'foo' is not in netd's allowlist" },
	{ "option against netd's", CONF, opt_mtu, "netd sends option 26 (mtu)" },
};

static const struct hostile hostile_dns[] = {
	{ "txt value newline", CONF, txt_newline, "txt value 'a\\nb' contains a newline" },
	{ "txt value comma", CONF, txt_comma, "contains a comma" },
	{ "txt value hash", CONF, txt_hash, "contains '#'" },
	{ "txt value quote", CONF, txt_quote, "contains '\"'" },
	{ "txt name space", CONF, txt_name_space, "txt name 'in fo' contains a space" },
	{ "srv target slash", CONF, srv_target_slash, "srv target 'dir/lab' contains '/'" },
	{ "srv service comma", CONF, srv_service_comma, "srv service 'ld,ap' contains a comma" },
	{ "srv domain newline", CONF, srv_domain_newline, "contains a newline" },
	{ "srv port", CONF, srv_port_big, "above 65535" },
	{ "forwarder domain slash", CONF, fwd_domain_slash, "forwarder domain 'corp/example'" },
	{ "forwarder port", CONF, fwd_port_big, "dns forwarder port 65536 is above 65535" },
	{ "domain newline", CONF, domain_newline, "domain 'lab.example\\nport=53' contains" },
	{ "domain empty label", CONF, domain_empty_label, "has an empty label" },
	{ "bridge space", CONF, bridge_space, "bridge 'vir br0' contains a space" },
	{ "name newline", CONF, name_newline, "network name 'x\\nport=0' contains a newline" },
	{ "name newline hosts", HOSTS, name_newline, "network name" },
	{ "name newline addn", ADDN, name_newline, "network name" },
	{ "dns host tab", ADDN, dns_host_tab, "dns hostname 'gate\\tway' contains a tab" },
	{ "dns host hash", ADDN, dns_host_hash, "contains '#'" },
};

static const struct hostile hostile_dual[] = {
	{ "dhcp name comma", HOSTS, dhcp_name_comma,
	  "dhcp host name 'alpha,ignore' contains a comma" },
	{ "dhcp name number", HOSTS, dhcp_name_number, "read by dnsmasq as a lease time" },
	{ "dhcp name time", HOSTS, dhcp_name_time, "read by dnsmasq as a lease time" },
	{ "dhcp name keyword", HOSTS, dhcp_name_keyword, "is a dnsmasq keyword" },
	{ "dhcp mac comma", HOSTS, dhcp_mac_comma, "is not a MAC address" },
	{ "dhcp id comma", HOSTS, dhcp_id_comma, "dhcp host id '0:3,ignore' contains a comma" },
	{ "dhcpv6 host without id or name", HOSTS, dhcp_v6_no_id, "neither id nor name" },
	{ "lease too long", CONF, lease_huge, "lease time of 1099511627776 seconds" },
	{ "range family", CONF, range_family, "dhcp range start is not an IPv4 address" },
	{ "two IPv4 dhcp", CONF, two_dhcp_v4, "more than one IPv4 <ip> serves DHCP" },
	{ "path space", CONF, path_space, "dhcp-hostsfile path '/var/lib/netd/dnsmasq/my net" },
	{ "path relative", CONF, path_relative, "is not an absolute path" },
	{ "path comma", CONF, path_comma, "lease file path '/var/lib/netd/x,y' contains a comma" },
	{ "user newline", CONF, user_newline, "dnsmasq user 'dnsmasq\\nuser=root'" },
	{ "group space", CONF, group_space, "dnsmasq group 'no group' contains a space" },
};

static void check_hostile(const char *xml, const struct hostile *h)
{
	_cleanup_net_ struct net n = { 0 };
	struct dhcp_files_buf b;
	struct nerr e = { { 0 } };
	char *out = (char *)1;
	int r;

	tu_load(tu_data(xml), &n);
	files_for(&n, &b);
	h->poke(&n, &b.files);
	if (h->target == CONF)
		r = dhcp_render_conf(&n, &b.files, &out, &e);
	else if (h->target == HOSTS)
		r = dhcp_render_hostsfile(&n, &out, &e);
	else
		r = dhcp_render_addnhosts(&n, &out, &e);
	if (r != -EINVAL || out != NULL || !strstr(e.msg, h->msg))
		fail_msg("%s: r=%d out=%s msg='%s', expected '%s'", h->what, r,
			 out ? "set" : "NULL", e.msg, h->msg);
	/* one line, so the CLI prints it as one */
	assert_null(strchr(e.msg, '\n'));
}

static void test_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(hostile_dns); i++)
		check_hostile("dhcp/dns.xml", &hostile_dns[i]);
	for (size_t i = 0; i < ARRAY_SIZE(hostile_dual); i++)
		check_hostile("dhcp/dualstack.xml", &hostile_dual[i]);
	for (size_t i = 0; i < ARRAY_SIZE(hostile_opts); i++)
		check_hostile("dhcp/dnsmasq-opts.xml", &hostile_opts[i]);
}

/* ---- one dhcp-host name grammar: net_validate() and the renderer agree */

static void test_hostname_agree(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} names[] = {
		{ "alpha", true },
		{ "a", true },
		{ "h", true },
		{ "A1", true },
		{ "host-1", true },
		{ "my_host", true },
		{ "a.b_c.d", true },
		{ "a.example.com", true },
		{ "Infinite", true },
		{ "IGNORE", true },
		{ "deprecated", true },
		{ "x12h", true },
		{ "3com", false },
		{ "300", false },
		{ "12h", false },
		{ "1.2.3.4", false },
		{ "_srv", false },
		{ "a._b", false },
		{ "-a", false },
		{ "a-", false },
		{ "a..b", false },
		{ "a.", false },
		{ ".a", false },
		{ "infinite", false },
		{ "ignore", false },
		{ "a,b", false },
		{ "a b", false },
		{ "a#b", false },
		{ "a:b", false },
		{ "a/b", false },
		{ "a\nb", false },
		{ "a\x01", false },
		{ "caf\xc3\xa9", false },
	};
	char label63[64], label64[65], long253[254], long254[255];
	const char *sized[3] = { label63, long253, label64 }; /* two valid, one not */

	(void)state;
	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'a', 64);
	label64[64] = '\0';
	for (size_t i = 0; i < 253; i++)
		long253[i] = i % 62 == 61 ? '.' : 'a';
	long253[253] = '\0';
	memcpy(long254, long253, 253);
	memcpy(long254 + 253, "a", 2);
	/* the model's name field cannot hold 254 bytes: the grammar alone */
	assert_true(dhcp_hostname_ok(long253));
	assert_false(dhcp_hostname_ok(long254));

	for (size_t i = 0; i < ARRAY_SIZE(names) + ARRAY_SIZE(sized); i++) {
		size_t k = i - ARRAY_SIZE(names);
		const char *name = i < ARRAY_SIZE(names) ? names[i].name : sized[k];
		bool ok = i < ARRAY_SIZE(names) ? names[i].ok : k < 2;
		_cleanup_net_ struct net n = { 0 };
		struct nerr ve = { { 0 } }, re = { { 0 } };
		char *out = NULL;
		int v, r;

		tu_load(tu_data("dhcp/dualstack.xml"), &n);
		SET(n.ips[0].hosts[0].name, name);
		v = net_validate(&n, &ve);
		r = dhcp_render_hostsfile(&n, &out, &re);
		if ((v == 0) != ok || (r == 0) != ok || dhcp_hostname_ok(name) != ok)
			fail_msg("'%s': expected %s; validate %d '%s', render %d '%s'", name,
				 ok ? "valid" : "invalid", v, ve.msg, r, re.msg);
		/* both name the field and say why */
		if (!ok && (!strstr(ve.msg, "dhcp host name") || !strstr(re.msg, "dhcp host name")))
			fail_msg("'%s': messages '%s' / '%s'", name, ve.msg, re.msg);
		if (ok && !strstr(out, name))
			fail_msg("'%s' missing from the hosts file:\n%s", name, out);
		free(out);
	}
}

/* ---- dnsmasq's own parser */

/* Run dnsmasq --test --conf-file=PATH; returns its exit status, with its
 * output in 'msg'. */
static int dnsmasq_test(const char *path, char *msg, size_t len)
{
	char arg[4200], out[] = "/tmp/netd-dnsmasq-test.XXXXXX";
	char *argv[] = { (char *)NETD_DNSMASQ, (char *)"--test", arg, NULL };
	posix_spawn_file_actions_t fa;
	int fd, status = -1;
	pid_t pid;
	ssize_t n;

	snprintf(arg, sizeof arg, "--conf-file=%s", path);
	fd = mkstemp(out);
	assert_true(fd >= 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	if (posix_spawn(&pid, NETD_DNSMASQ, &fa, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	n = pread(fd, msg, len - 1, 0);
	msg[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect_dnsmasq_ok(const char *path, const char *what)
{
	char msg[1024];

	if (dnsmasq_test(path, msg, sizeof msg) != 0)
		fail_msg("dnsmasq rejects %s: %s", what, msg);
}

/* A hosts file line is a dhcp-host value: check them as dhcp-host= lines. */
static void check_hostsfile(const char *name)
{
	char rel[128], path[] = "/tmp/netd-hosts-test.XXXXXX";
	_cleanup_free_ char *hosts = NULL;
	FILE *f;
	int fd;

	snprintf(rel, sizeof rel, "dhcp/%s.hostsfile", name);
	hosts = tu_read(tu_data(rel));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (char *line = strtok(hosts, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(f, "dhcp-host=%s\n", line);
	fclose(f);
	expect_dnsmasq_ok(path, rel);
	unlink(path);
}

static void test_dnsmasq_accepts(void **state)
{
	(void)state;
	if (access(NETD_DNSMASQ, X_OK) != 0)
		skip();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char rel[128];

		snprintf(rel, sizeof rel, "dhcp/%s.conf", cases[i]);
		expect_dnsmasq_ok(tu_data(rel), rel);
		check_hostsfile(cases[i]);
	}
}

/* ---- smaller contracts */

static void test_files_init(void **state)
{
	struct dhcp_files_buf b;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(dhcp_files_init(&b, "/s", "/r", "web-1", &e), 0);
	assert_string_equal(b.files.conf, "/s/dnsmasq/web-1.conf");
	assert_string_equal(b.files.hostsfile, "/s/dnsmasq/web-1.hostsfile");
	assert_string_equal(b.files.addnhosts, "/s/dnsmasq/web-1.addnhosts");
	assert_string_equal(b.files.leasefile, "/s/dnsmasq/web-1.leases");
	assert_string_equal(b.files.pidfile, "/r/dnsmasq/web-1.pid");
	assert_string_equal(b.dir, "/s/dnsmasq");
	assert_string_equal(b.piddir, "/r/dnsmasq");
	assert_string_equal(b.files.user, NETD_DNSMASQ_USER);
	assert_null(b.files.group);
	assert_int_equal(dhcp_files_init(&b, "/s", "/r", "../etc", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "contains '/'"));
	assert_int_equal(dhcp_files_init(&b, "/s", "/r", ".hidden", &e), -EINVAL);
	assert_int_equal(dhcp_files_init(&b, "relative", "/r", "x", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "state directory 'relative' is not an absolute path"));
}

static void test_group_line(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	struct dhcp_files_buf b;
	struct nerr e = { { 0 } };
	_cleanup_free_ char *conf = NULL;

	(void)state;
	load_case("default", &n);
	files_for(&n, &b);
	b.files.group = "nogroup";
	assert_int_equal(dhcp_render_conf(&n, &b.files, &conf, &e), 0);
	assert_non_null(strstr(conf, "\nuser=dnsmasq\ngroup=nogroup\n"));
}

static void test_lease_max_cap(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	struct dhcp_files_buf b;
	struct nerr e = { { 0 } };
	_cleanup_free_ char *conf = NULL;

	(void)state;
	tu_load_str("<network><name>big</name><bridge name='virbr9'/>"
		    "<ip family='ipv6' address='fd00:9::1' prefix='64'><dhcp>"
		    "<range start='fd00:9::1:0' end='fd00:9::ffff:ffff:ffff:ffff'/>"
		    "</dhcp></ip></network>",
		    &n);
	files_for(&n, &b);
	assert_int_equal(dhcp_render_conf(&n, &b.files, &conf, &e), 0);
	assert_non_null(strstr(conf, "\ndhcp-lease-max=1048576\n"));
}

static void test_needed(void **state)
{
	_cleanup_net_ struct net a = { 0 }, c = { 0 }, d = { 0 };

	(void)state;
	load_case("default", &a);
	assert_true(dhcp_needed(&a));
	/* no address at all: nothing to serve */
	tu_load_str("<network><name>bare</name><bridge name='virbr8'/></network>", &c);
	assert_false(dhcp_needed(&c));
	/* DNS off and no DHCP: libvirt starts no dnsmasq either */
	tu_load_str("<network><name>quiet</name><bridge name='virbr7'/><dns enable='no'/>"
		    "<ip address='192.168.7.1' prefix='24'/></network>",
		    &d);
	assert_false(dhcp_needed(&d));
}

/* The servers-file takes every usable nameserver line of resolv.conf and
 * nothing else: no other keyword, no address that does not parse, no scope
 * that is no interface name. */
static void test_servers(void **state)
{
	static const char resolv[] = "# generated\n"
				     "search example.org\n"
				     "nameserver 192.0.2.53\n"
				     "nameserver\t2001:db8::53 # trailing\n"
				     "nameserver fe80::1%eth0\r\n"
				     "nameserver fe80::2%a/b\n"
				     "nameserver 192.0.2.300\n"
				     "nameserverx 192.0.2.1\n"
				     "nameserver 127.0.0.53";
	_cleanup_free_ char *out = NULL, *none = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(dhcp_render_servers(resolv, &out, &e), 0);
	assert_string_equal(out, "## the host's resolvers (resolv.conf), written by netd\n"
				 "server=192.0.2.53\n"
				 "server=2001:db8::53\n"
				 "server=fe80::1%eth0\n"
				 "server=127.0.0.53\n");
	assert_int_equal(dhcp_render_servers(NULL, &none, &e), 0);
	assert_string_equal(none, "## the host's resolvers (resolv.conf), written by netd\n");
}

/* Only a network that forwards to the host's resolvers gets them, and
 * then with no-resolv: no inotify instance per dnsmasq. */
static void test_host_resolvers(void **state)
{
	_cleanup_net_ struct net d = { 0 }, f = { 0 }, i = { 0 };

	(void)state;
	tu_load_str(netd_template_default, &d);
	assert_true(dhcp_uses_host_resolvers(&d));
	tu_load_str("<network><name>f</name><bridge name='virbr8'/><forward mode='nat'/>"
		    "<dns><forwarder addr='192.0.2.1'/></dns>"
		    "<ip address='192.168.8.1' prefix='24'/></network>",
		    &f);
	assert_false(dhcp_uses_host_resolvers(&f));
	tu_load_str("<network><name>i</name><bridge name='virbr9'/>"
		    "<ip address='192.168.9.1' prefix='24'/></network>",
		    &i);
	assert_false(dhcp_uses_host_resolvers(&i));
}

/* netd(8) names every option of the allowlist and every one refused by
 * name (as roff writes them: '-' escaped). */
static void test_options_documented(void **state)
{
	_cleanup_free_ char *man = tu_read(NETD_TEST_DATA "/../../install/netd.8");

	(void)state;
	for (int list = 0; list < 2; list++) {
		const char *name;

		for (size_t i = 0; (name = dhcp_option_name(list == 0, i)); i++) {
			char roff[96], *o = roff;

			for (const char *p = name; *p && o < roff + sizeof roff - 3; p++) {
				if (*p == '-')
					*o++ = '\\';
				*o++ = *p;
			}
			*o = '\0';
			if (!strstr(man, roff))
				fail_msg("netd(8) does not list dnsmasq option %s", name);
		}
	}
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases) + 10];
	size_t k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tests[k++] = (struct CMUnitTest){ .name = cases[i],
						  .test_func = test_golden,
						  .initial_state = (void *)cases[i] };
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_hostile);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_hostname_agree);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_dnsmasq_accepts);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_files_init);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_group_line);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_lease_max_cap);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_needed);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_servers);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_host_resolvers);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_options_documented);
	return _cmocka_run_group_tests("dhcp-render", tests, k, NULL, NULL);
}
