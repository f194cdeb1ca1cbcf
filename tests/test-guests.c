/* The tap-owner lookup on a fake /proc: fd symlinks, fdinfo files with
 * and without an "iff:" line, status and comm files, network namespace
 * links. Which guest gets a process, and which never does: a tun fd of
 * another network namespace, a tun fd not attached to a tap, a tap that
 * is not a port, a process whose files cannot be read. And the text of
 * the list, cut at its buffer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "guests.h"
#include "testutil.h"
#include "util.h"

#define OURS "net:[4026531840]"

static void mk(const char *dir, const char *rel)
{
	char p[512];

	(void)snprintf(p, sizeof p, "%s/%s", dir, rel);
	assert_int_equal(nd_mkdir_p(p, 0755), 0);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char p[512];

	(void)snprintf(p, sizeof p, "%s/%s", dir, rel);
	assert_int_equal(nd_write_atomic(p, text, strlen(text), 0644), 0);
}

static void ln(const char *dir, const char *target, const char *rel)
{
	char p[512];

	(void)snprintf(p, sizeof p, "%s/%s", dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* A process PID in namespace NS with one fd 3 -> TARGET whose fdinfo says
 * INFO (NULL: no fdinfo file). */
static void proc_pid(const char *dir, const char *pid, const char *ns, const char *comm,
		     unsigned uid, const char *target, const char *info)
{
	char rel[128], text[256];

	(void)snprintf(rel, sizeof rel, "%s/fd", pid);
	mk(dir, rel);
	(void)snprintf(rel, sizeof rel, "%s/fdinfo", pid);
	mk(dir, rel);
	(void)snprintf(rel, sizeof rel, "%s/ns", pid);
	mk(dir, rel);
	(void)snprintf(rel, sizeof rel, "%s/ns/net", pid);
	ln(dir, ns, rel);
	(void)snprintf(rel, sizeof rel, "%s/comm", pid);
	(void)snprintf(text, sizeof text, "%s\n", comm);
	put(dir, rel, text);
	(void)snprintf(rel, sizeof rel, "%s/status", pid);
	(void)snprintf(text, sizeof text, "Name:\t%s\nUmask:\t0022\nUid:\t%u\t0\t0\t0\n", comm,
		       uid);
	put(dir, rel, text);
	(void)snprintf(rel, sizeof rel, "%s/fd/3", pid);
	ln(dir, target, rel);
	if (info) {
		(void)snprintf(rel, sizeof rel, "%s/fdinfo/3", pid);
		put(dir, rel, info);
	}
}

static void owners(void **state)
{
	char *dir = tu_tmpdir();
	struct guest g[4] = {
		{ .port = "tap0" }, { .port = "vnet3" }, { .port = "tap9" }, { .port = "g1-br" }
	};

	(void)state;
	mk(dir, "self/ns");
	ln(dir, OURS, "self/ns/net");
	/* Another namespace's tap0 comes first and must not count. */
	proc_pid(dir, "100", "net:[4026532000]", "qemu-other", 1001, "/dev/net/tun",
		 "pos:\t0\nflags:\t02\nmnt_id:\t25\niff:\ttap0\n");
	proc_pid(dir, "200", OURS, "qemu-system-x86", 1000, "/dev/net/tun",
		 "pos:\t0\nflags:\t02\nmnt_id:\t25\niff:\ttap0\n");
	/* A tun fd not attached to anything (no iff: line). */
	proc_pid(dir, "300", OURS, "idle", 0, "/dev/net/tun", "pos:\t0\nflags:\t02\n");
	/* Not a tun fd, though its fdinfo would say so. */
	proc_pid(dir, "400", OURS, "liar", 0, "/dev/null", "iff:\tvnet3\n");
	/* A tun fd without fdinfo (a process that went away). */
	proc_pid(dir, "500", OURS, "gone", 0, "/dev/net/tun", NULL);
	proc_pid(dir, "600", OURS, "qemu-kvm", 4242, "/dev/net/tun", "iff:\ttap9\n");
	put(dir, "uptime", "1.0 1.0\n"); /* not a pid */

	guests_tap_owners(dir, g, 4);
	assert_int_equal(g[0].pid, 200);
	assert_string_equal(g[0].comm, "qemu-system-x86");
	assert_int_equal(g[0].uid, 1000);
	assert_int_equal(g[1].pid, 0);
	assert_int_equal(g[2].pid, 600);
	assert_string_equal(g[2].comm, "qemu-kvm");
	assert_int_equal(g[2].uid, 4242);
	assert_int_equal(g[3].pid, 0);
	tu_rmrf(dir);
	free(dir);
}

static void no_proc(void **state)
{
	struct guest g[1] = { { .port = "tap0" } };

	(void)state;
	guests_tap_owners("/nonexistent-proc", g, 1);
	assert_int_equal(g[0].pid, 0);
}

static void text(void **state)
{
	struct guest g[2] = { { .port = "tap0", .pid = 1234, .comm = "qemu-system-x86", .uid = 0 },
			      { .port = "vnet3" } };
	struct guests gs = { .g = g, .n = 2 };
	char buf[128], small[20];

	(void)state;
	guests_str(&gs, buf, sizeof buf);
	assert_string_equal(buf, "tap0 (qemu-system-x86 pid 1234, user root), vnet3");
	g[0].uid = 4000000000u; /* no such user */
	guests_str(&gs, buf, sizeof buf);
	assert_string_equal(buf, "tap0 (qemu-system-x86 pid 1234, user uid 4000000000), vnet3");
	guests_str(&gs, small, sizeof small);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_string_equal(small + strlen(small) - 5, ", ...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(owners),
		cmocka_unit_test(no_proc),
		cmocka_unit_test(text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
