/* libvirt compatibility: every network XML of libvirt's own test corpus
 * (tests/networkxml2confdata and successors, kept outside the repository in
 * NETD_COMPAT_DIR) is parsed and validated. A supported case must be accepted
 * and render the same dnsmasq directives, in the same order, as libvirt's
 * expected .conf, and the same hosts file where libvirt's .hostsfile exists;
 * an unsupported case must be rejected by a message that names what is not
 * supported. Skips (77) when the corpus is absent.
 *
 * Pairing. Some fixtures lost their .conf or .hostsfile in the archive
 * because the content was byte-identical to another file (see the corpus
 * README); those cases are paired with the identical file, and where the
 * newest conf of a case lives in the successor folder networkxmlconfdata/,
 * that one is used. The table below says which file each case uses.
 *
 * How netd's conf is compared with libvirt's:
 *  - lines starting with '#' are comments and ignored (both headers differ);
 *  - dhcp-hostsfile= and addn-hosts= are compared by file name only: the
 *    directory is the state directory of each tool;
 *  - netd's own block (from the DHCP_NETD_MARK line to the end) is removed
 *    after checking that it holds only the directives listed in netd_block[].
 *
 * Where netd deliberately differs from libvirt's dnsmasq setup:
 *
 *   libvirt                              netd                     why
 *   -----------------------------------  -----------------------  ----------------------------
 *   pid-file= in the conf after local=//  pid-file= in netd block  keeps the libvirt part
 *     (the fixtures have none: the test    (RUN/dnsmasq/NAME.pid)   comparable line for line
 *     driver passes no pid file)
 *   --leasefile-ro --dhcp-script=helper  dhcp-leasefile= in netd  no helper process per lease
 *     on the command line                  block                    event; `netd leases` reads
 *                                                                   dnsmasq's own lease file
 *   dnsmasq's compiled-in user/group     user= (group=) in netd   the drop of privileges is
 *                                          block                    explicit and configurable
 *   dnsmasq reads the host's /etc/hosts  no-hosts                 the host's own names are not
 *     and serves it to guests                                       the guests' business
 *   dnsmasq:options copied verbatim      an allowlist of options, every line netd writes
 *                                          each value through its   passes a grammar; no option
 *                                          own grammar; the rest    may run a program, touch a
 *                                          refused by name          file or move the listener
 *                                          (dnsmasq-options.xml's
 *                                          foo=bar among them)
 *   dnsmasq pings an address before it   no-ping (with IPv4 DHCP)  the ping waits 3 s: a new
 *     offers it                                                     guest's first lease in ~0.1 s
 *                                                                   instead of ~3 s
 *   bind-dynamic                         bind-interfaces, and     bind-dynamic rescans every
 *                                          netd's nft table drops   interface at every address
 *                                          DNS/TFTP to the bridge's change on the host: each new
 *                                          addresses from other     bridge woke every running
 *                                          interfaces               network's dnsmasq
 *   dnsmasq reads and watches the        no-resolv, servers-file= every dnsmasq watching
 *     host's resolv.conf (one inotify      in netd block (the       resolv.conf takes one of the
 *     instance per dnsmasq)                host's nameservers,      128 inotify instances a user
 *                                          written by netd; apply   has: the 129th network
 *                                          rewrites it + SIGHUP)    failed to start
 *
 * Fixtures older than the libvirt netd follows are adjusted by fixups[]. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dhcp.h"
#include "testutil.h"

#ifndef SKIP_RETURN_CODE
#define SKIP_RETURN_CODE 77
#endif
#ifndef NETD_COMPAT_DIR
#define NETD_COMPAT_DIR "" /* not configured: the test skips */
#endif

#define NX "networkxmlconfdata/"
#define IN "networkxml2xmlin/"
/* libvirt's list of the two IPv4 static hosts shared by the nat-network
 * family of cases, and its list of the dhcp6 hosts: the archive kept one
 * copy of each. */
#define HOSTS2 "nat-network-forward-nat-no-address.hostsfile"
#define HOSTS6 "dhcp6-nat-network.hostsfile"

struct compat_case {
	const char *xml;       /* under NETD_COMPAT_DIR */
	const char *conf;      /* libvirt's expected conf, NULL when none exists */
	const char *hostsfile; /* libvirt's expected hosts file, or NULL */
	const char *reject;    /* NULL: supported; else expected in the error */
};

static const struct compat_case cases[] = {
	/* tests/networkxml2confdata */
	{ "dhcp6-nat-network.xml", "dhcp6-nat-network.conf", HOSTS6, NULL },
	{ "dhcp6-network.xml", "dhcp6-network.conf", "dhcp6-network.hostsfile", NULL },
	/* the top-level conf is from 2013; the successor folder has today's */
	{ "dhcp6host-routed-network.xml", NX "dhcp6host-routed-network.conf", HOSTS6, NULL },
	/* foo=bar is no dnsmasq option (libvirt's dnsmasq would not start);
	 * test_dnsmasq_options_cname() checks the case without it */
	{ "dnsmasq-options.xml", NULL, NULL,
	  "<dnsmasq:option value='foo=bar'>: 'foo' is not in netd's allowlist" },
	{ "isolated-network.xml", "isolated-network.conf", NULL, NULL },
	{ "leasetime-hours.xml", NX "leasetime-hours.conf", "leasetime-hours.hostsfile", NULL },
	{ "leasetime-infinite.xml", "leasetime-infinite.conf", "leasetime-infinite.hostsfile",
	  NULL },
	{ "leasetime-minutes.xml", NX "leasetime-minutes.conf", "leasetime-minutes.hostsfile",
	  NULL },
	{ "leasetime-seconds.xml", "leasetime-seconds.conf", "leasetime-seconds.hostsfile", NULL },
	{ "nat-network-dns-forward-plain.xml", "nat-network-dns-forward-plain.conf", NULL, NULL },
	{ "nat-network-dns-forwarder-no-resolv.xml", "nat-network-dns-forwarder-no-resolv.conf",
	  NULL, NULL },
	{ "nat-network-dns-forwarders.xml", "nat-network-dns-forwarders.conf", NULL, NULL },
	{ "nat-network-dns-hosts.xml", "nat-network-dns-hosts.conf", NULL, NULL },
	{ "nat-network-dns-srv-record-minimal.xml", "nat-network-dns-srv-record-minimal.conf",
	  HOSTS2, NULL },
	{ "nat-network-dns-srv-record.xml", "nat-network-dns-srv-record.conf", HOSTS2, NULL },
	{ "nat-network-mtu.xml", "nat-network-mtu.conf", HOSTS2, NULL },
	{ "nat-network.xml", "nat-network.conf", HOSTS2, NULL },
	{ "netboot-network.xml", "netboot-network.conf", NULL, NULL },
	/* the archive keeps this case's conf in the successor folder only */
	{ "netboot-tftp.xml", NX "netboot-tftp.conf", NULL, NULL },
	{ "open-network.xml", NX "open-network.conf", NULL, NULL },
	{ "ptr-domains-auto.xml", "ptr-domains-auto.conf", HOSTS2, NULL },
	/* the top-level conf predates forwardPlainNames defaulting to yes */
	{ "routed-network.xml", NX "routed-network.conf", NULL, NULL },

	/* tests/networkxml2xmlin: inputs whose conf sits in networkxml2confdata */
	{ IN "nat-network-dns-local-domain.xml", NX "nat-network-dns-local-domain.conf", NULL,
	  NULL },
	{ IN "nat-network-forward-nat-ipv6.xml", "nat-network-forward-nat-ipv6.conf", NULL, NULL },
	/* same addresses and hosts as nat-network: its conf was deduplicated */
	{ IN "nat-network-forward-nat-no-address.xml", "nat-network.conf", HOSTS2, NULL },

	/* tests/networkxmlconfdata */
	/* the same hosts as the older input, and two <route>s (not dnsmasq's) */
	{ NX "dhcp6host-routed-network.xml", NX "dhcp6host-routed-network.conf", HOSTS6, NULL },
	{ NX "bandwidth-network.xml", NX "bandwidth-network.conf", NULL, NULL },
	{ NX "leasetime-hours.xml", NX "leasetime-hours.conf", "leasetime-hours.hostsfile", NULL },
	{ NX "leasetime-infinite.xml", "leasetime-infinite.conf", "leasetime-infinite.hostsfile",
	  NULL },
	{ NX "leasetime-seconds.xml", "leasetime-seconds.conf", "leasetime-seconds.hostsfile",
	  NULL },
	/* adds a forwarder with a port; the archive has no conf for it */
	{ NX "nat-network-dns-forwarders.xml", NULL, NULL, NULL },
	{ NX "nat-network-dns-hosts.xml", "nat-network-dns-hosts.conf", NULL, NULL },
	/* the archive has no conf for this newer input */
	{ NX "nat-network-dns-srv-record-minimal.xml", NULL, HOSTS2, NULL },
	{ NX "nat-network-dns-srv-record.xml", NX "nat-network-dns-srv-record.conf", HOSTS2, NULL },
	{ NX "nat-network-dns-srv-records.xml", "nat-network-dns-srv-records.conf", HOSTS2, NULL },
	{ NX "nat-network-dns-txt-record.xml", NX "nat-network-dns-txt-record.conf", HOSTS2, NULL },
	/* the NAT address range does not reach dnsmasq: nat-network's conf */
	{ NX "nat-network-forward-nat-address.xml", "nat-network.conf", HOSTS2, NULL },
	{ NX "nat-network-name-with-quotes.xml", NULL, NULL,
	  "network name 'default\"with\"quotes\"' is not a plain identifier" },
	{ NX "nat-network.xml", "nat-network.conf", HOSTS2, NULL },
	{ NX "netboot-proxy-network.xml", NX "netboot-proxy-network.conf", NULL, NULL },
	{ NX "netboot-tftp.xml", NX "netboot-tftp.conf", NULL, NULL },
	{ NX "passthrough-pf.xml", NULL, NULL, "<forward mode='passthrough'>: not supported" },
	{ NX "routed-network-no-dns.xml", "routed-network-no-dns.conf", NULL, NULL },
	{ NX "routed-network.xml", NX "routed-network.conf", NULL, NULL },
	{ NX "set-mtu.xml", NX "set-mtu.conf", NULL, NULL },
};

/* Fixtures written by a libvirt older than the one netd follows: the line
 * libvirt writes today replaces the old one before comparing. */
static const struct fixup {
	const char *conf, *old, *now, *why;
} fixups[] = {
	{ "dhcp6-network.conf", "dhcp-range=2001:db8:ac10:fd01::1:10,2001:db8:ac10:fd01::1:ff",
	  "dhcp-range=2001:db8:ac10:fd01::1:10,2001:db8:ac10:fd01::1:ff,64",
	  "the fixture predates libvirt giving IPv6 ranges their prefix length; no newer "
	  "copy of it survives" },
};

/* What netd's own block may hold. */
static const char *const netd_block[] = {
	"pid-file", "dhcp-leasefile", "user",	   "group",
	"no-hosts", "no-ping",	      "no-resolv", "servers-file",
};

struct lines {
	char *v[256];
	size_t n;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static void lines_add(struct lines *l, const char *s, size_t len)
{
	assert_true(l->n < ARRAY_SIZE(l->v));
	l->v[l->n] = strndup(s, len);
	assert_non_null(l->v[l->n]);
	l->n++;
}

static bool key_is(const char *line, const char *key)
{
	size_t k = strlen(key);

	return strncmp(line, key, k) == 0 && (line[k] == '=' || line[k] == '\0');
}

static void check_netd_line(const char *line)
{
	for (size_t i = 0; i < ARRAY_SIZE(netd_block); i++)
		if (key_is(line, netd_block[i]))
			return;
	fail_msg("unexpected directive in netd's block: %s", line);
}

/* dhcp-hostsfile=/dir/NAME.hostsfile -> dhcp-hostsfile=NAME.hostsfile */
static void strip_dir(char *line)
{
	const char *slash = strrchr(line, '/');
	char *eq = strchr(line, '=');

	if ((key_is(line, "dhcp-hostsfile") || key_is(line, "addn-hosts")) && slash && eq)
		memmove(eq + 1, slash + 1, strlen(slash + 1) + 1);
}

/* The directives of a conf, normalised as the header comment says. Stops at
 * netd's block when 'netd' is set, after checking its contents. */
static void directives(const char *conf, bool netd, struct lines *out)
{
	bool in_block = false;

	for (const char *p = conf; *p;) {
		size_t len = strcspn(p, "\n");
		char line[4096];

		if (netd && strncmp(p, DHCP_NETD_MARK, strlen(DHCP_NETD_MARK)) == 0)
			in_block = true;
		snprintf(line, sizeof line, "%.*s", (int)len, p);
		p += len + (p[len] != '\0');
		if (!line[0] || line[0] == '#')
			continue;
		if (in_block) {
			check_netd_line(line);
			continue;
		}
		strip_dir(line);
		lines_add(out, line, strlen(line));
	}
}

/* libvirt's lines that netd writes otherwise, in every conf (the table in
 * the header comment says why). */
static const struct {
	const char *libvirt, *netd;
} deliberate[] = {
	{ "bind-dynamic", "bind-interfaces" },
};

static void apply_fixups(const char *conf, struct lines *want)
{
	for (size_t i = 0; i < want->n; i++)
		for (size_t d = 0; d < ARRAY_SIZE(deliberate); d++)
			if (strcmp(want->v[i], deliberate[d].libvirt) == 0) {
				free(want->v[i]);
				want->v[i] = strdup(deliberate[d].netd);
			}
	for (size_t f = 0; f < ARRAY_SIZE(fixups); f++) {
		if (strcmp(fixups[f].conf, conf) != 0)
			continue;
		for (size_t i = 0; i < want->n; i++) {
			if (strcmp(want->v[i], fixups[f].old) != 0)
				continue;
			printf("compat: %s: expecting '%s' for '%s': %s\n", conf, fixups[f].now,
			       fixups[f].old, fixups[f].why);
			free(want->v[i]);
			want->v[i] = strdup(fixups[f].now);
		}
	}
}

static char *corpus_path(const char *rel)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", NETD_COMPAT_DIR, rel) > 0);
	return p;
}

static bool same_directives(const struct compat_case *c, const char *got)
{
	_cleanup_free_ char *path = corpus_path(c->conf), *want_text = tu_read(path);
	struct lines want = { .n = 0 }, have = { .n = 0 };
	bool same;

	directives(want_text, false, &want);
	apply_fixups(c->conf, &want);
	directives(got, true, &have);
	same = want.n == have.n;
	for (size_t i = 0; same && i < want.n; i++)
		same = strcmp(want.v[i], have.v[i]) == 0;
	if (!same) {
		fprintf(stderr, "%s: differs from %s\n--- libvirt\n", c->xml, c->conf);
		for (size_t i = 0; i < want.n; i++)
			fprintf(stderr, "%s\n", want.v[i]);
		fprintf(stderr, "--- netd\n");
		for (size_t i = 0; i < have.n; i++)
			fprintf(stderr, "%s\n", have.v[i]);
	}
	lines_free(&want);
	lines_free(&have);
	return same;
}

static bool same_hostsfile(const struct compat_case *c, const char *got)
{
	_cleanup_free_ char *path = corpus_path(c->hostsfile), *want = tu_read(path);

	if (strcmp(want, got) == 0)
		return true;
	fprintf(stderr, "%s: hosts file differs from %s\n--- libvirt\n%s--- netd\n%s", c->xml,
		c->hostsfile, want, got);
	return false;
}

struct tally {
	unsigned matched, with_hosts, unreferenced, rejected, failed;
};

static int load(const char *path, struct net *n, struct nerr *e)
{
	int r = net_parse_file(path, n, e);

	if (r == 0)
		r = net_validate(n, e);
	if (r == 0)
		r = net_fill_defaults(n, NULL, e);
	return r;
}

static bool run_rejected(const struct compat_case *c, int r, const struct nerr *e)
{
	if (r == 0) {
		fprintf(stderr, "%s: accepted, but netd does not support it (expected '%s')\n",
			c->xml, c->reject);
		return false;
	}
	if (!strstr(e->msg, c->reject)) {
		fprintf(stderr, "%s: rejected with '%s', expected '%s'\n", c->xml, e->msg,
			c->reject);
		return false;
	}
	return true;
}

static bool run_accepted(const struct compat_case *c, const struct net *n, struct tally *t)
{
	struct dhcp_files_buf b;
	struct nerr e = { { 0 } };
	_cleanup_free_ char *conf = NULL, *hosts = NULL;

	if (dhcp_files_init(&b, "/var/lib/netd", "/run/netd", n->name, &e) < 0 ||
	    dhcp_render_conf(n, &b.files, &conf, &e) < 0 ||
	    dhcp_render_hostsfile(n, &hosts, &e) < 0) {
		fprintf(stderr, "%s: render: %s\n", c->xml, e.msg);
		return false;
	}
	if (c->conf && !same_directives(c, conf))
		return false;
	if (c->hostsfile && !same_hostsfile(c, hosts))
		return false;
	if (!c->conf)
		t->unreferenced++;
	else
		t->matched++;
	if (c->hostsfile)
		t->with_hosts++;
	return true;
}

static void run_case(const struct compat_case *c, struct tally *t)
{
	_cleanup_free_ char *path = corpus_path(c->xml);
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };
	int r = load(path, &n, &e);
	bool ok;

	if (c->reject)
		ok = run_rejected(c, r, &e);
	else if (r < 0) {
		fprintf(stderr, "%s: rejected: %s\n", c->xml, e.msg);
		ok = false;
	} else
		ok = run_accepted(c, &n, t);
	if (!ok)
		t->failed++;
	else if (c->reject)
		t->rejected++;
}

static const struct compat_case *find_case(const char *rel)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (strcmp(cases[i].xml, rel) == 0)
			return &cases[i];
	return NULL;
}

/* Every .xml of the corpus has a row, and every row names files that exist:
 * a corpus that grows or a table that goes stale fails the test. */
static void check_table_covers_corpus(void)
{
	static const char *const dirs[] = { "", IN, NX };

	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		_cleanup_free_ char *dir = corpus_path(dirs[d]);
		DIR *dp = opendir(dir);
		struct dirent *de;

		assert_non_null(dp);
		while ((de = readdir(dp))) {
			size_t len = strlen(de->d_name);
			char rel[512];

			if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0)
				continue;
			snprintf(rel, sizeof rel, "%s%s", dirs[d], de->d_name);
			if (!find_case(rel))
				fail_msg("corpus case %s has no row in the table", rel);
		}
		closedir(dp);
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *files[] = { cases[i].xml, cases[i].conf, cases[i].hostsfile };

		for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
			_cleanup_free_ char *p = files[k] ? corpus_path(files[k]) : NULL;

			if (p && access(p, R_OK) != 0)
				fail_msg("table names %s, which is not in the corpus", files[k]);
		}
	}
}

static void test_compat(void **state)
{
	struct tally t = { 0 };

	(void)state;
	check_table_covers_corpus();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i], &t);
	printf("compat: %zu cases: %u accepted and matching libvirt's conf (%u also its hosts "
	       "file), %u accepted with no libvirt conf to compare, %u rejected as expected, "
	       "%u failed\n",
	       ARRAY_SIZE(cases), t.matched, t.with_hosts, t.unreferenced, t.rejected, t.failed);
	assert_int_equal(t.failed, 0);
}

/* dnsmasq-options.xml without its foo=bar (which no dnsmasq takes): the
 * cname passes netd's allowlist and lands where libvirt writes it, and the
 * conf matches libvirt's without its foo=bar line. */
static void test_dnsmasq_options_cname(void **state)
{
	static const struct compat_case c = { "dnsmasq-options.xml", "dnsmasq-options.conf", NULL,
					      NULL };
	_cleanup_free_ char *path = corpus_path(c.xml), *xml = tu_read(path),
			    *cpath = corpus_path(c.conf), *want_text = tu_read(cpath);
	_cleanup_free_ char *conf = NULL;
	_cleanup_net_ struct net n = { 0 };
	struct lines all = { .n = 0 }, want = { .n = 0 }, have = { .n = 0 };
	struct dhcp_files_buf b;
	struct nerr e = { { 0 } };
	char *foo = strstr(xml, "<dnsmasq:option value=\"foo=bar\"/>");
	bool same;

	(void)state;
	assert_non_null(want_text);
	assert_non_null(foo);
	memset(foo, ' ', strlen("<dnsmasq:option value=\"foo=bar\"/>"));
	if (net_parse_memory(xml, strlen(xml), path, &n, &e) < 0 || net_validate(&n, &e) < 0 ||
	    net_fill_defaults(&n, NULL, &e) < 0 ||
	    dhcp_files_init(&b, "/var/lib/netd", "/run/netd", n.name, &e) < 0 ||
	    dhcp_render_conf(&n, &b.files, &conf, &e) < 0 || !conf) {
		fail_msg("dnsmasq-options.xml without foo=bar: %s", e.msg);
		return;
	}
	directives(want_text, false, &all);
	for (size_t i = 0; i < all.n; i++)
		if (strcmp(all.v[i], "foo=bar") != 0)
			lines_add(&want, all.v[i], strlen(all.v[i]));
	lines_free(&all);
	apply_fixups(c.conf, &want);
	directives(conf, true, &have);
	same = want.n == have.n;
	for (size_t i = 0; same && i < want.n; i++)
		same = strcmp(want.v[i], have.v[i]) == 0;
	if (!same) {
		fprintf(stderr, "--- libvirt (without foo=bar)\n");
		for (size_t i = 0; i < want.n; i++)
			fprintf(stderr, "%s\n", want.v[i]);
		fprintf(stderr, "--- netd\n%s", conf);
	}
	assert_string_equal(have.v[have.n - 1], "cname=*.cloudapps.example.com,master.example.com");
	lines_free(&want);
	lines_free(&have);
	assert_true(same);
	printf("compat: dnsmasq-options.xml without foo=bar: matches libvirt's conf without "
	       "it\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compat),
		cmocka_unit_test(test_dnsmasq_options_cname),
	};

	if (access(NETD_COMPAT_DIR, R_OK | X_OK) != 0) {
		printf("compat: no corpus at %s: skipped\n", NETD_COMPAT_DIR);
		return SKIP_RETURN_CODE;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
