/* A real dnsmasq started, checked and stopped in a private network
 * namespace (root only; exit 77 otherwise; its lease file is
 * test-dhcp-leases.c's).
 * dnsmasq is never started in the host's own network namespace: main()
 * unshares first and checks that it worked. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dhcp_run.h"
#include "testutil.h"
#include "util.h"

/* ---- a real dnsmasq in a private network namespace ---------------------- */

static char ns_why[256];

static int run(const char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static bool why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static bool why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ns_why, sizeof ns_why, fmt, ap);
	va_end(ap);
	return false;
}

/* A private network and mount namespace with lo up and a veth pair whose
 * end veth0 has 10.99.0.1/24. */
static bool ns_setup(void)
{
	static const char *const cmds[][12] = {
		{ "/usr/sbin/ip", "link", "set", "lo", "up", NULL },
		{ "/usr/sbin/ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
		  NULL },
		{ "/usr/sbin/ip", "addr", "add", "10.99.0.1/24", "dev", "veth0", NULL },
		{ "/usr/sbin/ip", "link", "set", "veth0", "up", NULL },
		{ "/usr/sbin/ip", "link", "set", "veth1", "up", NULL },
	};

	if (geteuid() != 0)
		return why("not root");
	if (!getpwnam("dnsmasq"))
		return why("no user dnsmasq");
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return why("unshare: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return why("mount --make-rprivate /: %s", strerror(errno));
	if (same_file("/proc/self/ns/net", "/proc/1/ns/net"))
		return why("still in the host's network namespace");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (run(cmds[i]) != 0)
			return why("ip %s %s %s failed", cmds[i][1], cmds[i][2], cmds[i][3]);
	return true;
}

struct fx {
	char *dir;
	char conf[4096], pid[4096], leases[4096];
};

static void fx_paths(struct fx *f, const char *name)
{
	snprintf(f->conf, sizeof f->conf, "%s/%s.conf", f->dir, name);
	snprintf(f->pid, sizeof f->pid, "%s/%s.pid", f->dir, name);
	snprintf(f->leases, sizeof f->leases, "%s/%s.leases", f->dir, name);
}

/* A minimal config for veth0, dropping to 'user', plus 'extra' lines. */
static void write_conf_as(const struct fx *f, const char *user, const char *extra)
{
	char text[16384];

	snprintf(text, sizeof text,
		 "interface=veth0\n"
		 "except-interface=lo\n"
		 "bind-interfaces\n"
		 "no-hosts\n"
		 "no-resolv\n"
		 "dhcp-range=10.99.0.10,10.99.0.50,12h\n"
		 "pid-file=%s\n"
		 "dhcp-leasefile=%s\n"
		 "user=%s\n"
		 "%s",
		 f->pid, f->leases, user, extra);
	assert_int_equal(nd_write_atomic(f->conf, text, strlen(text), 0644), 0);
}

static void write_conf(const struct fx *f, const char *extra)
{
	write_conf_as(f, "dnsmasq", extra);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tmpdir(); /* 0700 root: dnsmasq opens its files before dropping root */
	fx_paths(f, "net");
	*state = f;
	return 0;
}

/* How many live processes run with --conf-file=CONF. */
static int count_with_conf(const char *conf)
{
	char want[4200], path[300];
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	snprintf(want, sizeof want, "--conf-file=%s", conf);
	while ((de = readdir(d))) {
		char *cmd = NULL, *stat = NULL;
		size_t len = 0;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		if (nd_read_file(path, &cmd, &len) == 0 &&
		    memmem(cmd, len, want, strlen(want) + 1)) {
			snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
			if (nd_read_file(path, &stat, NULL) == 0 &&
			    !strstr(strrchr(stat, ')'), ") Z"))
				n++;
		}
		free(cmd);
		free(stat);
	}
	closedir(d);
	return n;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct nerr e;
	const char *names[] = { "net", "other" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		fx_paths(f, names[i]);
		dhcp_stop(f->pid, f->conf, &e);
	}
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static bool pid_alive(pid_t pid)
{
	char path[64], *stat = NULL;
	bool alive;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (nd_read_file(path, &stat, NULL) < 0)
		return false;
	alive = !strstr(strrchr(stat, ')'), ") Z");
	free(stat);
	return alive;
}

static char *proc_file(pid_t pid, const char *what, size_t *len)
{
	char path[64], *data = NULL;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
	assert_int_equal(nd_read_file(path, &data, len), 0);
	return data;
}

static pid_t spawn_ok(const struct fx *f)
{
	struct nerr e = { { 0 } };
	pid_t pid = 0;

	if (dhcp_spawn(f->conf, f->pid, false, &pid, &e) < 0)
		fail_msg("dhcp_spawn: %s", e.msg);
	assert_true(pid > 1);
	return pid;
}

static void test_spawn_stop(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	char *status, *text, want[64];
	const struct passwd *pw = getpwnam("dnsmasq");
	pid_t pid, pid2 = 0;
	size_t len;
	struct stat st;

	write_conf(f, "");
	pid = spawn_ok(f);
	assert_int_equal(dhcp_running(f->pid, f->conf, &pid2), 1);
	assert_int_equal(pid2, pid);
	text = tu_read(f->pid);
	snprintf(want, sizeof want, "%d\n", (int)pid);
	assert_string_equal(text, want);
	free(text);
	assert_int_equal(stat(f->leases, &st), 0);

	/* Not root, not our child, nothing of netd's environment. */
	status = proc_file(pid, "status", NULL);
	snprintf(want, sizeof want, "\nUid:\t%u\t%u\t%u\t%u\n", pw->pw_uid, pw->pw_uid, pw->pw_uid,
		 pw->pw_uid);
	assert_non_null(strstr(status, want));
	snprintf(want, sizeof want, "\nPPid:\t%d\n", (int)getpid());
	assert_null(strstr(status, want));
	free(status);
	/* PATH, and the mark by which the start spares its own processes
	 * while it stops strays (dhcp_spawn()). */
	text = proc_file(pid, "environ", &len);
	assert_true(len > 35);
	assert_memory_equal(text, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", 35);
	assert_int_equal(strncmp(text + 35, "NETD_SPAWN=", 11), 0);
	assert_int_equal(strlen(text + 35) + 36, len);
	free(text);

	assert_int_equal(dhcp_stop(f->pid, f->conf, &e), 0);
	assert_false(pid_alive(pid));
	assert_int_equal(stat(f->pid, &st), -1);
	assert_int_equal(dhcp_running(f->pid, f->conf, &pid2), 0);
	assert_int_equal(dhcp_stop(f->pid, f->conf, &e), 0);
	assert_int_equal(count_with_conf(f->conf), 0);
}

static void test_bad_config(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	struct stat st;
	pid_t pid = 0;

	write_conf(f, "dhcp-range=garbage\n");
	assert_int_equal(dhcp_spawn(f->conf, f->pid, false, &pid, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "bad dhcp-range at line 10 of"));
	assert_non_null(strstr(e.msg, f->conf));
	assert_null(strchr(e.msg, '\n'));
	assert_int_equal(count_with_conf(f->conf), 0);
	assert_int_equal(stat(f->pid, &st), -1);

	write_conf_as(f, "no-such-user-netd", "");
	assert_int_equal(dhcp_spawn(f->conf, f->pid, false, &pid, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "unknown user or group: no-such-user-netd"));
	assert_int_equal(count_with_conf(f->conf), 0);

	/* Reported by the daemon after the fork, through the first process. */
	snprintf(f->pid, sizeof f->pid, "%s/no-such-dir/net.pid", f->dir);
	write_conf(f, "");
	assert_int_equal(dhcp_spawn(f->conf, f->pid, false, &pid, &e), -EIO);
	assert_non_null(strstr(e.msg, f->pid));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	assert_int_equal(count_with_conf(f->conf), 0);
}

/* A second dnsmasq for the same interface cannot bind its DNS socket. */
static void test_port_taken(void **state)
{
	struct fx *f = *state, g = { .dir = f->dir };
	struct nerr e = { { 0 } };
	pid_t pid, pid2 = 0;

	write_conf(f, "");
	pid = spawn_ok(f);
	fx_paths(&g, "other");
	write_conf(&g, "");
	assert_int_equal(dhcp_spawn(g.conf, g.pid, false, &pid2, &e), -EADDRINUSE);
	assert_non_null(strstr(e.msg, "Address already in use"));
	assert_int_equal(count_with_conf(g.conf), 0);
	assert_true(pid_alive(pid));
	assert_int_equal(dhcp_stop(f->pid, f->conf, &e), 0);
}

static void test_already_running(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	pid_t pid, pid2 = 0;

	write_conf(f, "");
	pid = spawn_ok(f);
	assert_int_equal(dhcp_spawn(f->conf, f->pid, false, &pid2, &e), -EEXIST);
	assert_int_equal(pid2, pid);
	assert_int_equal(count_with_conf(f->conf), 1);
}

/* Start, lose the pid file (and, with 'freeze', stop the daemon with
 * SIGSTOP so that only SIGKILL ends it), start again: the new start ends
 * the stray and only the new daemon runs. */
static pid_t replace_stray(struct fx *f, bool freeze)
{
	pid_t pid, pid2;

	write_conf(f, "");
	pid = spawn_ok(f);
	assert_int_equal(unlink(f->pid), 0);
	if (freeze)
		assert_int_equal(kill(pid, SIGSTOP), 0);
	pid2 = spawn_ok(f);
	assert_int_not_equal(pid, pid2);
	assert_false(pid_alive(pid));
	assert_int_equal(count_with_conf(f->conf), 1);
	return pid2;
}

/* A daemon whose pid file was lost is found by its command line: replaced
 * by a new start, not left to hold the addresses, and stopped by stop. */
static void test_stray_replaced(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	pid_t pid2 = replace_stray(f, false);

	/* Stop finds it too. */
	assert_int_equal(unlink(f->pid), 0);
	assert_int_equal(dhcp_stop(f->pid, f->conf, &e), 0);
	assert_false(pid_alive(pid2));
	assert_int_equal(count_with_conf(f->conf), 0);
}

/* Without DNS (port=0) a stray binds nothing the new daemon needs (DHCP
 * sockets share their port): the start looks for it at once, not only
 * after a failed bind, and still replaces it. */
static void test_stray_replaced_without_dns(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };

	write_conf(f, "port=0\n");
	pid_t pid = spawn_ok(f);
	assert_int_equal(unlink(f->pid), 0);
	pid_t pid2 = spawn_ok(f);
	assert_int_not_equal(pid, pid2);
	assert_false(pid_alive(pid));
	assert_int_equal(count_with_conf(f->conf), 1);
	assert_int_equal(dhcp_stop(f->pid, f->conf, &e), 0);
}

/* A stray that outlives the new dnsmasq's start (stopped: SIGTERM waits,
 * SIGKILL after DHCP_TERM_TIMEOUT_MS) still held the ports when the new one
 * bound them: the start goes once more after the stray is gone. */
static void test_stray_slow_to_die(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };

	(void)replace_stray(f, true);
	assert_int_equal(dhcp_stop(f->pid, f->conf, &e), 0);
}

/* A pid file naming some other process never gets it signalled. */
static void test_stale_pidfile(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	char buf[32];
	struct stat st;
	pid_t other = fork(), got;

	if (other == 0) {
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	assert_true(other > 0);
	write_conf(f, "");
	snprintf(buf, sizeof buf, "%d\n", (int)other);
	assert_int_equal(nd_write_atomic(f->pid, buf, strlen(buf), 0644), 0);
	assert_int_equal(dhcp_running(f->pid, f->conf, &got), 0);
	assert_int_equal(dhcp_stop(f->pid, f->conf, &e), 0);
	assert_int_equal(waitpid(other, NULL, WNOHANG), 0); /* still running */
	assert_int_equal(stat(f->pid, &st), -1);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);

	assert_int_equal(nd_write_atomic(f->pid, "hello", 5, 0644), 0);
	assert_int_equal(dhcp_stop(f->pid, f->conf, &e), 0);
	assert_int_equal(stat(f->pid, &st), -1);
}

int main(void)
{
	const struct CMUnitTest ns[] = {
		cmocka_unit_test_setup_teardown(test_spawn_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_already_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_replaced_without_dns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_slow_to_die, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_pidfile, setup, teardown),
	};

	if (!ns_setup()) {
		printf("SKIP dnsmasq tests: %s\n", ns_why);
		return 77;
	}
	return cmocka_run_group_tests_name("dnsmasq", ns, NULL, NULL);
}
