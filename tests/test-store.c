/* The persistent store, in a private temporary directory: define, redefine
 * rules, clashes between networks, undefine, autostart, listing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"
#include "testutil.h"

struct fx {
	char *dir;
	struct store s;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char buf[4200];
	struct nerr e = { { 0 } };

	f->dir = tu_tmpdir();
	snprintf(buf, sizeof buf, "%s/etc", f->dir);
	setenv("NETD_CONF_DIR", buf, 1);
	snprintf(buf, sizeof buf, "%s/run", f->dir);
	setenv("NETD_RUN_DIR", buf, 1);
	snprintf(buf, sizeof buf, "%s/lib", f->dir);
	setenv("NETD_STATE_DIR", buf, 1);
	snprintf(buf, sizeof buf, "%s/qemu/bridge.conf", f->dir);
	setenv("NETD_BRIDGE_CONF", buf, 1);
	if (store_open(&f->s, true, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(&f->s);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Define from an XML string; returns the error code, message in e. */
static int define(struct fx *f, const char *xml, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	bool replaced;
	int r = tu_try_str(xml, &n, e);

	if (r == 0)
		r = store_define(&f->s, &n, &replaced, e);
	return r;
}

#define NET_A                                                                                      \
	"<network><name>a</name><forward mode='nat'/>"                                             \
	"<ip address='192.168.50.1' prefix='24'/></network>"

static void test_define_fills_defaults(void **state)
{
	struct fx *f = *state;
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };
	char path[4200];
	struct stat st;

	assert_int_equal(define(f, NET_A, &e), 0);
	assert_int_equal(store_load(&f->s, "a", &n, &e), 0);
	assert_string_equal(n.bridge, "virbr0");
	assert_true(n.has_uuid);
	assert_true(n.has_mac);
	assert_int_equal(n.nat_port_start, 1024);
	snprintf(path, sizeof path, "%s/etc/a.xml", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
}

static void test_redefine_keeps_identity(void **state)
{
	struct fx *f = *state;
	_cleanup_net_ struct net a = { 0 };
	_cleanup_net_ struct net b = { 0 };
	struct nerr e = { { 0 } };

	assert_int_equal(define(f, NET_A, &e), 0);
	assert_int_equal(store_load(&f->s, "a", &a, &e), 0);
	/* no uuid given: replaces, keeping uuid, bridge and mac */
	assert_int_equal(define(f,
				"<network><name>a</name><forward mode='route'/>"
				"<ip address='192.168.50.1' prefix='24'/></network>",
				&e),
			 0);
	assert_int_equal(store_load(&f->s, "a", &b, &e), 0);
	assert_int_equal(b.fwd_mode, NET_FWD_ROUTE);
	assert_memory_equal(a.uuid, b.uuid, 16);
	assert_memory_equal(a.mac, b.mac, 6);
	assert_string_equal(a.bridge, b.bridge);
}

static void test_redefine_other_uuid_refused(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };

	assert_int_equal(define(f,
				"<network><name>a</name><uuid>11111111-2222-3333-4444-555555555555"
				"</uuid></network>",
				&e),
			 0);
	assert_int_equal(define(f,
				"<network><name>a</name><uuid>11111111-2222-3333-4444-666666666666"
				"</uuid></network>",
				&e),
			 -EEXIST);
	assert_non_null(
		strstr(e.msg, "already defined with uuid 11111111-2222-3333-4444-555555555555"));
	/* same uuid: fine */
	assert_int_equal(define(f,
				"<network><name>a</name><uuid>11111111-2222-3333-4444-555555555555"
				"</uuid><bridge name='br9'/></network>",
				&e),
			 0);
}

static void test_clashes(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };

	assert_int_equal(define(f, NET_A, &e), 0);
	assert_int_equal(define(f, "<network><name>b</name><bridge name='virbr0'/></network>", &e),
			 -EEXIST);
	assert_string_equal(e.msg, "network b: bridge virbr0 is already used by network a");
	assert_int_equal(define(f,
				"<network><name>c</name><ip address='192.168.50.129' "
				"prefix='25'/></network>",
				&e),
			 -EEXIST);
	assert_string_equal(e.msg, "network c: subnet 192.168.50.129/25 overlaps "
				   "192.168.50.1/24 of network a");
	assert_int_equal(define(f,
				"<network><name>d</name><ip address='192.168.0.1' "
				"prefix='16'/></network>",
				&e),
			 -EEXIST);
	/* a second network gets the next free bridge */
	assert_int_equal(define(f,
				"<network><name>e</name><ip address='192.168.51.1' "
				"prefix='24'/></network>",
				&e),
			 0);
	{
		_cleanup_net_ struct net n = { 0 };

		assert_int_equal(store_load(&f->s, "e", &n, &e), 0);
		assert_string_equal(n.bridge, "virbr1");
	}
}

static void test_uuid_clash(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };

	assert_int_equal(define(f,
				"<network><name>a</name><uuid>11111111-2222-3333-4444-555555555555"
				"</uuid></network>",
				&e),
			 0);
	assert_int_equal(define(f,
				"<network><name>b</name><uuid>11111111-2222-3333-4444-555555555555"
				"</uuid></network>",
				&e),
			 -EEXIST);
	assert_non_null(strstr(e.msg, "is already used by network a"));
}

static void test_undefine_autostart_list(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	char **names = NULL;
	size_t n = 0;
	char path[4200];

	assert_int_equal(define(f, NET_A, &e), 0);
	assert_int_equal(define(f, "<network><name>b.x</name></network>", &e), 0);
	/* junk in the directory is not a network */
	snprintf(path, sizeof path, "%s/etc/notes.txt", f->dir);
	assert_int_equal(nd_write_atomic(path, "x", 1, 0644), 0);
	snprintf(path, sizeof path, "%s/etc/.hidden.xml", f->dir);
	assert_int_equal(nd_write_atomic(path, "x", 1, 0644), 0);
	assert_int_equal(store_names(&f->s, &names, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b.x");
	store_names_free(names, n);

	assert_false(store_autostart(&f->s, "a"));
	assert_int_equal(store_set_autostart(&f->s, "a", true, &e), 0);
	assert_int_equal(store_set_autostart(&f->s, "a", true, &e), 0);
	assert_true(store_autostart(&f->s, "a"));
	assert_int_equal(store_set_autostart(&f->s, "a", false, &e), 0);
	assert_false(store_autostart(&f->s, "a"));
	assert_int_equal(store_set_autostart(&f->s, "nope", true, &e), -ENOENT);

	assert_int_equal(store_set_autostart(&f->s, "a", true, &e), 0);
	assert_int_equal(store_undefine(&f->s, "a", &e), 0);
	assert_false(store_exists(&f->s, "a"));
	assert_false(store_autostart(&f->s, "a"));
	assert_int_equal(store_undefine(&f->s, "a", &e), -ENOENT);
	assert_string_equal(e.msg, "network a: not defined");
}

static void test_undefine_running_refused(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	char path[4200];

	assert_int_equal(define(f, NET_A, &e), 0);
	assert_int_equal(store_runtime_path(&f->s, "a", path, sizeof path), 0);
	assert_int_equal(nd_write_atomic(path, "x", 1, 0644), 0);
	assert_true(store_active(&f->s, "a"));
	assert_int_equal(store_undefine(&f->s, "a", &e), -EBUSY);
	assert_non_null(strstr(e.msg, "is running"));
	assert_true(store_exists(&f->s, "a"));
}

/* The stored file is what dumpxml prints and reads back to the same model. */
static void test_stored_round_trip(void **state)
{
	struct fx *f = *state;
	_cleanup_net_ struct net a = { 0 };
	_cleanup_net_ struct net b = { 0 };
	_cleanup_free_ char *x1 = NULL, *x2 = NULL, *disk = NULL;
	struct nerr e = { { 0 } };
	char path[4200];

	tu_load(NETD_TEST_DATA "/../../templates/dual-stack.xml", &a);
	{
		bool rep;
		assert_int_equal(store_define(&f->s, &a, &rep, &e), 0);
		assert_false(rep);
	}
	assert_int_equal(store_load(&f->s, "dualstack", &b, &e), 0);
	x1 = net_format_string(&a);
	x2 = net_format_string(&b);
	assert_string_equal(x1, x2);
	snprintf(path, sizeof path, "%s/etc/dualstack.xml", f->dir);
	disk = tu_read(path);
	assert_string_equal(disk, x2);
}

/* A write that fails leaves the old file whole and no temp file behind. */
static void test_atomic_write_failure(void **state)
{
	struct fx *f = *state;
	char path[4200];
	_cleanup_free_ char *data = NULL;

	snprintf(path, sizeof path, "%s/nodir/x", f->dir);
	assert_int_equal(nd_write_atomic(path, "x", 1, 0644), -ENOENT);
	snprintf(path, sizeof path, "%s/f", f->dir);
	assert_int_equal(nd_write_atomic(path, "old", 3, 0644), 0);
	assert_int_equal(nd_write_atomic(path, "new", 3, 0600), 0);
	data = tu_read(path);
	assert_string_equal(data, "new");
}

/* Bytes this process has read so far (read(2) and the like), from
 * /proc/self/io's rchar. */
static unsigned long long rchar(void)
{
	_cleanup_free_ char *io = NULL;
	const char *p;

	assert_int_equal(nd_read_file("/proc/self/io", &io, NULL), 0);
	p = strstr(io, "rchar: ");
	assert_non_null(p);
	return strtoull(p + 7, NULL, 10);
}

/* A network file far over the 1 MiB limit is refused as such, after
 * reading no more than the limit (the old reader took 64 MiB of it first,
 * and said only "File too large"). The file is sparse: no disk is used. */
static void test_read_limit_xml(void **state)
{
	struct fx *f = *state;
	struct net n = { 0 };
	struct nerr e = { { 0 } };
	char path[4200];
	unsigned long long before, after;
	FILE *fp;

	snprintf(path, sizeof path, "%s/huge.xml", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs("<network>", fp) >= 0, 1);
	assert_int_equal(ftruncate(fileno(fp), 100 << 20), 0);
	assert_int_equal(fclose(fp), 0);
	before = rchar();
	assert_int_equal(net_parse_file(path, &n, &e), -EFBIG);
	after = rchar();
	assert_non_null(strstr(e.msg, "huge.xml: larger than 1048576 bytes"));
	/* the two reads of /proc/self/io are a few hundred bytes */
	assert_true(after - before < (1u << 20) + 4096);
	net_free(&n);
}

/* Where fstat knows no size (/proc), the read itself stops one byte past
 * the limit. */
static void test_read_limit_proc(void **state)
{
	_cleanup_free_ char *data = NULL;
	unsigned long long before, after;
	size_t len = 0;

	(void)state;
	assert_int_equal(nd_read_file_max("/proc/self/maps", ND_READ_MAX, &data, &len), 0);
	assert_true(len > 100);
	free(data);
	data = NULL;
	before = rchar();
	assert_int_equal(nd_read_file_max("/proc/self/maps", 100, &data, NULL), -EFBIG);
	after = rchar();
	assert_null(data);
	assert_true(after - before < 101 + 4096);
	/* (the maps may grow a little between the reads) */
	assert_int_equal(nd_read_file_max("/proc/self/maps", 2 * len, &data, NULL), 0);
}

/* Exactly the limit is fine, one byte more is not. */
static void test_read_limit_exact(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *data = NULL;
	char path[4200];
	size_t len = 0;

	snprintf(path, sizeof path, "%s/ten", f->dir);
	assert_int_equal(nd_write_atomic(path, "0123456789", 10, 0644), 0);
	assert_int_equal(nd_read_file_max(path, 10, &data, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(data, "0123456789");
	free(data);
	data = NULL;
	assert_int_equal(nd_read_file_max(path, 9, &data, &len), -EFBIG);
	assert_null(data);
}

/* A FIFO where a network file should be: refused at once, never waited
 * on (the old reader blocked in open() for a writer, holding netd's lock;
 * the alarm bounds that here). A directory is refused too. */
static void test_read_fifo(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *data = NULL;
	struct net n = { 0 };
	struct nerr e = { { 0 } };
	char path[4200];

	snprintf(path, sizeof path, "%s/fifo.xml", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	assert_int_equal(nd_read_file(path, &data, NULL), -ND_ENOTREG);
	assert_int_equal(net_parse_file(path, &n, &e), -ND_ENOTREG);
	alarm(0);
	assert_non_null(strstr(e.msg, "fifo.xml: not a regular file"));
	assert_int_equal(nd_read_file(f->dir, &data, NULL), -EISDIR);
	net_free(&n);
}

/* The lock is never created through a symbolic link (O_CREAT would make
 * its target), nor taken on anything but a regular file. */
static void test_lock_symlink(void **state)
{
	struct fx *f = *state;
	struct store s2 = { .lock_fd = -1 };
	struct nerr e = { { 0 } };
	char lock[4200], target[4200];
	struct stat st;

	store_close(&f->s);
	snprintf(lock, sizeof lock, "%s/run/netd.lock", f->dir);
	snprintf(target, sizeof target, "%s/made-by-netd", f->dir);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(symlink(target, lock), 0);
	assert_int_equal(store_open(&s2, true, &e), -ELOOP);
	assert_non_null(strstr(e.msg, "a symbolic link, not netd's lock"));
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(mkfifo(lock, 0600), 0);
	assert_int_equal(store_open(&s2, true, &e), -ND_ENOTREG);
	assert_non_null(strstr(e.msg, "not a regular file"));
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(store_open(&f->s, true, &e), 0);
}

/* /proc/locks: the holder of a lock on dev:ino, never a waiter ("->"),
 * never a lock on another file of the same number elsewhere. */
static void test_locks_find(void **state)
{
	const char *locks = "1: POSIX  ADVISORY  WRITE 411 00:1a:77 0 EOF\n"
			    "2: FLOCK  ADVISORY  WRITE 523 fe:01:1234 0 EOF\n"
			    "2: -> FLOCK  ADVISORY  WRITE 600 fe:01:1234 0 EOF\n"
			    "3: OFDLCK ADVISORY  READ  -1 00:05:99 0 EOF\n";
	long pid = -5;

	(void)state;
	assert_int_equal(store_locks_find(locks, makedev(0xfe, 1), 1234, &pid), 1);
	assert_int_equal(pid, 523);
	assert_int_equal(store_locks_find(locks, makedev(0xfe, 2), 1234, &pid), 0);
	assert_int_equal(store_locks_find(locks, makedev(0, 5), 99, &pid), 1);
	assert_int_equal(pid, 0); /* no pid to tell */
	assert_int_equal(store_locks_find("", makedev(0, 0x1a), 77, &pid), 0);
	assert_int_equal(store_locks_find(locks, makedev(0, 0x1a), 77, &pid), 1);
	assert_int_equal(pid, 411);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locks_find),
		cmocka_unit_test_setup_teardown(test_define_fills_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redefine_keeps_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redefine_other_uuid_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uuid_clash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undefine_autostart_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undefine_running_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_write_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_limit_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_limit_proc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_limit_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_symlink, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
