/* dnsmasq's lease file: the parser (every line kind dnsmasq writes, and
 * what a damaged or hostile file can hold), the bound on its size, the
 * filter of current leases and the one call `netd leases` makes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define LEASE38 "5 52:54:00:12:34:56 192.168.122.10 * *"

#include "dhcp.h"
#include "dhcp_leases.h"
#include "paths.h"
#include "testutil.h"
#include "util.h"

/* ---- parsing -------------------------------------------------------------- */

static const char leases_text[] =
	"1732550400 52:54:00:12:34:56 192.168.122.10 guest1 01:52:54:00:12:34:56\n"
	"0 52:54:00:aa:bb:cc 192.168.122.11 * *\n"
	"1732550400 20-00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff 192.168.122.12 ib-host *\n"
	"1732550400 00- 192.168.122.13 * ff:00:00:00:01\n"
	"duid 00:01:00:01:2c:9a:1b:2c:52:54:00:12:34:56\n"
	"1732550400 1234 fd00::10 guest6 00:01:00:01:2c:9a:1b:2c:52:54:00:12:34:57\n"
	"1732550401 T99 fd00:0:0:0::11 * *\n"
	/* junk, all skipped */
	"garbage\n"
	"\n"
	"1732550400 52:54:00:12:34:56 192.168.122.300 x *\n"
	"-5 52:54:00:12:34:56 192.168.122.14 x *\n"
	"1732550400 52:54:00:12:34:5g 192.168.122.15 x *\n"
	"1732550400 52:54:00:12:34:56 192.168.122.16 x * extra\n"
	"1732550400 X12 fd00::12 * *\n"
	"1732550400 4294967296 fd00::13 * *\n"
	"99999999999999999999999 52:54:00:12:34:56 192.168.122.18 x *\n"
	"1732550400 52:54:00:12:34:56:01:02:03:04:05:06:07:08:09:0a:0b 192.168.122.19 x *\n"
	"agent-info 192.168.122.10 01:02\n"
	/* a bad name or client id costs only that field */
	"1732550400 52:54:00:12:34:57 192.168.122.17 bad$name 1:2\n"
	/* the last line may lack its newline */
	"1732550400 52:54:00:12:34:99 192.168.122.20 last *";

static void test_leases_parse(void **state)
{
	struct dhcp_lease *l = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(dhcp_leases_parse(leases_text, strlen(leases_text), &l, &n), 0);
	assert_int_equal(n, 8);

	assert_int_equal(l[0].family, AF_INET);
	assert_int_equal(l[0].expiry, 1732550400);
	assert_string_equal(l[0].mac, "52:54:00:12:34:56");
	assert_string_equal(l[0].ip, "192.168.122.10");
	assert_string_equal(l[0].hostname, "guest1");
	assert_string_equal(l[0].clientid, "01:52:54:00:12:34:56");

	assert_int_equal(l[1].expiry, 0);
	assert_string_equal(l[1].hostname, "");
	assert_string_equal(l[1].clientid, "");

	assert_string_equal(l[2].mac, "20-00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff");
	assert_string_equal(l[3].mac, "00-");
	assert_string_equal(l[3].clientid, "ff:00:00:00:01");

	assert_int_equal(l[4].family, AF_INET6);
	assert_string_equal(l[4].ip, "fd00::10");
	assert_int_equal(l[4].iaid, 1234);
	assert_false(l[4].temporary);
	assert_string_equal(l[4].mac, "");
	assert_string_equal(l[4].hostname, "guest6");
	assert_string_equal(l[4].clientid, "00:01:00:01:2c:9a:1b:2c:52:54:00:12:34:57");

	assert_string_equal(l[5].ip, "fd00::11");
	assert_int_equal(l[5].iaid, 99);
	assert_true(l[5].temporary);
	assert_int_equal(l[5].expiry, 1732550401);

	assert_string_equal(l[6].ip, "192.168.122.17");
	assert_string_equal(l[6].hostname, "");
	assert_string_equal(l[6].clientid, "");

	assert_string_equal(l[7].ip, "192.168.122.20");
	assert_string_equal(l[7].hostname, "last");
	free(l);
}

static void test_leases_junk(void **state)
{
	static const char bin[] = "1732550400 52:54:00:12:34:56 \0 192.168.122.10 x *\n"
				  "\xff\xfe\x01\x02 \x7f\n";
	char *big = malloc(70000);
	struct dhcp_lease *l = NULL;
	size_t n = 7;

	(void)state;
	assert_int_equal(dhcp_leases_parse(bin, sizeof bin - 1, &l, &n), 0);
	assert_int_equal(n, 0);
	assert_null(l);

	memset(big, 'a', 69999);
	big[69999] = '\0';
	assert_int_equal(dhcp_leases_parse(big, strlen(big), &l, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(dhcp_leases_parse("", 0, &l, &n), 0);
	assert_int_equal(n, 0);
	free(big);
}

static void test_leases_read(void **state)
{
	char *dir = tu_tmpdir(), path[4096];
	struct dhcp_lease *l = NULL;
	struct nerr e = { { 0 } };
	size_t n = 7;

	(void)state;
	snprintf(path, sizeof path, "%s/none.leases", dir);
	assert_int_equal(dhcp_leases_read(path, &l, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(l);

	assert_true(dhcp_leases_read(dir, &l, &n, &e) < 0); /* a directory */
	assert_non_null(strstr(e.msg, dir));

	snprintf(path, sizeof path, "%s/net.leases", dir);
	assert_int_equal(nd_write_atomic(path, leases_text, strlen(leases_text), 0644), 0);
	assert_int_equal(dhcp_leases_read(path, &l, &n, &e), 0);
	assert_int_equal(n, 8);
	free(l);
	tu_rmrf(dir);
	free(dir);
}

/* "EXPIRY MAC IP HOST CLID" with the given fields; caller frees. */
static struct dhcp_lease *parse1(const char *line, size_t *n)
{
	struct dhcp_lease *l = NULL;

	assert_int_equal(dhcp_leases_parse(line, strlen(line), &l, n), 0);
	return l;
}

static void test_leases_crlf(void **state)
{
	static const char text[] = "1732550400 52:54:00:12:34:56 192.168.122.10 guest1 01:02\r\n"
				   "1732550400 52:54:00:12:34:57 192.168.122.11 * *\r\n"
				   "1732550400 99 fd00::10 guest6 00:01\r\n";
	struct dhcp_lease *l = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(dhcp_leases_parse(text, strlen(text), &l, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(l[0].hostname, "guest1");
	assert_string_equal(l[0].clientid, "01:02");
	assert_string_equal(l[1].hostname, "");
	assert_string_equal(l[1].clientid, "");
	assert_int_equal(l[2].iaid, 99);
	assert_string_equal(l[2].clientid, "00:01");
	free(l);
}

/* A guest picks its own name: kept when it is a DNS name, dropped (with
 * the lease kept) when not. The dhcp-host keywords are names here. */
static void test_leases_hostnames(void **state)
{
	static const struct {
		const char *name;
		bool kept;
	} cases[] = {
		{ "guest1", true },    { "host_1", true },  { "a.example.com", true },
		{ "ignore", true },    { "3com", true },    { "-bad", false },
		{ "bad-", false },     { "a..b", false },   { "dot.", false },
		{ "bad$name", false }, { "t\x01x", false },
	};
	char line[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dhcp_lease *l;
		size_t n = 0;

		snprintf(line, sizeof line, "5 52:54:00:12:34:56 192.168.122.10 %s *\n",
			 cases[i].name);
		l = parse1(line, &n);
		assert_int_equal(n, 1);
		assert_string_equal(l[0].hostname, cases[i].kept ? cases[i].name : "");
		free(l);
	}
}

/* A name of 253 bytes is the longest DNS name; 254 is not one. */
static void fill_name(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (i % 62 == 61) ? '.' : 'a';
	buf[len] = '\0';
}

/* "xx:" * bytes, without the last ':'. */
static void fill_hex(char *buf, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		memcpy(buf + 3 * i, "ab:", 3);
	buf[3 * bytes - 1] = '\0';
}

static void test_leases_overlong(void **state)
{
	char name[300], clid[1024], hw[64], line[2100];
	struct dhcp_lease *l;
	size_t n = 0;

	(void)state;
	fill_name(name, 253);
	fill_hex(clid, 255);
	snprintf(line, sizeof line, "5 52:54:00:12:34:56 192.168.122.10 %s %s\n", name, clid);
	l = parse1(line, &n);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].hostname, name);
	assert_string_equal(l[0].clientid, clid);
	free(l);

	fill_name(name, 254);
	fill_hex(clid, 256);
	snprintf(line, sizeof line, "5 52:54:00:12:34:56 192.168.122.10 %s %s\n", name, clid);
	l = parse1(line, &n);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].hostname, "");
	assert_string_equal(l[0].clientid, "");
	free(l);

	/* 16 bytes of hardware address is dnsmasq's most; 17 is no lease */
	fill_hex(hw, 16);
	snprintf(line, sizeof line, "5 %s 192.168.122.10 * *\n", hw);
	l = parse1(line, &n);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].mac, hw);
	free(l);
	fill_hex(hw, 17);
	snprintf(line, sizeof line, "5 %s 192.168.122.10 * *\n", hw);
	assert_null(parse1(line, &n));
	assert_int_equal(n, 0);

	/* a line of 2047 bytes is read; one of 2048 is not a lease */
	memset(line, ' ', sizeof line);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): spaces, not a NUL, follow */
	memcpy(line, LEASE38, sizeof LEASE38 - 1);
	line[2047] = '\n';
	l = NULL;
	assert_int_equal(dhcp_leases_parse(line, 2048, &l, &n), 0);
	assert_int_equal(n, 1);
	free(l);
	line[2047] = ' ';
	line[2048] = '\n';
	assert_int_equal(dhcp_leases_parse(line, 2049, &l, &n), 0);
	assert_int_equal(n, 0);
	assert_null(l);
}

static void test_leases_empty(void **state)
{
	static const char only_duid[] = "duid 00:01:00:01:2c:9a:1b:2c:52:54:00:12:34:56\n";
	struct dhcp_lease *l = (struct dhcp_lease *)1;
	size_t n = 7;

	(void)state;
	assert_int_equal(dhcp_leases_parse("", 0, &l, &n), 0);
	assert_int_equal(n, 0);
	assert_null(l);
	assert_int_equal(dhcp_leases_parse(only_duid, strlen(only_duid), &l, &n), 0);
	assert_int_equal(n, 0);
	assert_null(l);
	assert_int_equal(dhcp_leases_parse("\n\n\n", 3, &l, &n), 0);
	assert_int_equal(n, 0);
}

/* count lease lines, each a distinct address */
static char *many(size_t count, size_t *len)
{
	char *text = malloc(count * 64 + 1);
	size_t o = 0;

	assert_non_null(text);
	for (size_t i = 0; i < count; i++)
		o += (size_t)sprintf(text + o, "5 52:54:00:00:%02zx:%02zx 10.%zu.%zu.%zu * *\n",
				     (i >> 8) & 0xff, i & 0xff, (i >> 16) & 0xff, (i >> 8) & 0xff,
				     i & 0xff);
	*len = o;
	return text;
}

static void test_leases_max(void **state)
{
	char *dir = tu_tmpdir(), path[4096];
	struct dhcp_lease *l = NULL;
	struct nerr e = { { 0 } };
	size_t len, n = 0;
	char *text = many(DHCP_LEASES_MAX, &len);

	(void)state;
	assert_int_equal(dhcp_leases_parse(text, len, &l, &n), 0);
	assert_int_equal(n, DHCP_LEASES_MAX);
	assert_string_equal(l[DHCP_LEASES_MAX - 1].ip, "10.0.255.255");
	free(l);
	free(text);

	text = many(DHCP_LEASES_MAX + 1, &len);
	l = NULL;
	n = 7;
	assert_int_equal(dhcp_leases_parse(text, len, &l, &n), -E2BIG);
	assert_null(l);
	assert_int_equal(n, 0);

	snprintf(path, sizeof path, "%s/big.leases", dir);
	assert_int_equal(nd_write_atomic(path, text, len, 0644), 0);
	assert_int_equal(dhcp_leases_read(path, &l, &n, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "more than 65536 leases"));
	assert_null(l);
	free(text);
	tu_rmrf(dir);
	free(dir);
}

/* ---- current leases --------------------------------------------------- */

static void test_leases_current(void **state)
{
	struct dhcp_lease l[5] = { { .expiry = 99 },
				   { .expiry = 0 },
				   { .expiry = 100 },
				   { .expiry = 101 },
				   { .expiry = 1 } };

	(void)state;
	/* expiry == now has expired: dnsmasq lets a lease go at its expiry */
	assert_int_equal(dhcp_leases_current(l, 5, 100), 2);
	assert_int_equal(l[0].expiry, 0);
	assert_int_equal(l[1].expiry, 101);
	assert_int_equal(dhcp_leases_current(l, 0, 100), 0);
}

static void test_leases_load(void **state)
{
	static const char text[] = "1000 52:54:00:00:00:01 192.168.122.10 old *\n"
				   "0 52:54:00:00:00:02 192.168.122.11 forever *\n"
				   "3000 52:54:00:00:00:03 192.168.122.12 later *\n"
				   "1999 4 fd00::10 gone *\n";
	char *dir = tu_tmpdir(), path[4096];
	struct nd_paths p;
	struct dhcp_lease *l = NULL;
	struct nerr e = { { 0 } };
	size_t n = 7;

	(void)state;
	memset(&p, 0, sizeof p);
	nd_strlcpy(p.state_dir, dir, sizeof p.state_dir);
	nd_strlcpy(p.run_dir, dir, sizeof p.run_dir);
	/* no lease file yet: no leases */
	assert_int_equal(dhcp_leases_load(&p, "net1", 2000, &l, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(l);

	snprintf(path, sizeof path, "%s/dnsmasq", dir);
	assert_int_equal(nd_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof path, "%s/dnsmasq/net1.leases", dir);
	assert_int_equal(nd_write_atomic(path, text, strlen(text), 0644), 0);
	assert_int_equal(dhcp_leases_load(&p, "net1", 2000, &l, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].hostname, "forever");
	assert_string_equal(l[1].hostname, "later");
	free(l);

	/* later, only the infinite lease is left */
	assert_int_equal(dhcp_leases_load(&p, "net1", 5000, &l, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].hostname, "forever");
	free(l);

	/* a name that is no network name never becomes a path */
	assert_true(dhcp_leases_load(&p, "../net1", 2000, &l, &n, &e) < 0);
	assert_null(l);
	tu_rmrf(dir);
	free(dir);
}

/* ---- the file dnsmasq opens as root ---------------------------------------- */

static void leasefile_is_plain(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 0022, 0);
}

/* Before dnsmasq starts: whatever stands at the lease file's name that
 * netd did not make is replaced, never followed or written through; a
 * directory is refused, and so is a dnsmasq directory others may write. */
static void test_leasefile_prepare(void **state)
{
	char *dir = tu_tmpdir(), path[4096], other[4096];
	const char *was = "?";
	struct nerr e = { { 0 } };
	_cleanup_free_ char *keep = NULL;

	(void)state;
	snprintf(path, sizeof path, "%s/n.leases", dir);
	snprintf(other, sizeof other, "%s/other", dir);
	assert_int_equal(nd_write_atomic(other, "keep\n", 5, 0644), 0);
	/* missing: made, empty */
	assert_int_equal(dhcp_leasefile_prepare(dir, path, &was, &e), 0);
	assert_null(was);
	leasefile_is_plain(path);
	/* ours: kept as it is */
	assert_int_equal(nd_write_atomic(path, "lease\n", 6, 0644), 0);
	assert_int_equal(dhcp_leasefile_prepare(dir, path, &was, &e), 0);
	assert_null(was);
	keep = tu_read(path);
	assert_string_equal(keep, "lease\n");
	/* a symbolic link, a hard link, a FIFO, a file others may write */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(dhcp_leasefile_prepare(dir, path, &was, &e), 0);
	assert_string_equal(was, "a symbolic link");
	leasefile_is_plain(path);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(link(other, path), 0);
	assert_int_equal(dhcp_leasefile_prepare(dir, path, &was, &e), 0);
	assert_string_equal(was, "a hard link to another name");
	leasefile_is_plain(path);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(dhcp_leasefile_prepare(dir, path, &was, &e), 0);
	assert_string_equal(was, "not a regular file");
	leasefile_is_plain(path);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(dhcp_leasefile_prepare(dir, path, &was, &e), 0);
	assert_string_equal(was, "writable by others than its owner");
	leasefile_is_plain(path);
	free(keep);
	keep = tu_read(other);
	assert_string_equal(keep, "keep\n");
	/* refused: a directory at the name, a directory others may write */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(dhcp_leasefile_prepare(dir, path, &was, &e), -EISDIR);
	assert_non_null(strstr(e.msg, "a directory (remove it)"));
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(dhcp_leasefile_prepare(dir, path, &was, &e), -EPERM);
	assert_non_null(strstr(e.msg, "writable by others than its owner"));
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leases_parse),	  cmocka_unit_test(test_leases_junk),
		cmocka_unit_test(test_leases_read),	  cmocka_unit_test(test_leases_crlf),
		cmocka_unit_test(test_leases_hostnames),  cmocka_unit_test(test_leases_overlong),
		cmocka_unit_test(test_leases_empty),	  cmocka_unit_test(test_leases_max),
		cmocka_unit_test(test_leases_current),	  cmocka_unit_test(test_leases_load),
		cmocka_unit_test(test_leasefile_prepare),
	};

	return cmocka_run_group_tests_name("leases", tests, NULL, NULL);
}
