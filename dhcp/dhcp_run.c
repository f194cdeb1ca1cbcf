#include "dhcp_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* ---- identifying our dnsmasq -------------------------------------------- */

static int read_small(const char *path, char *buf, size_t size, size_t *len)
{
	/* O_NONBLOCK: a FIFO planted as a pid file must not stall netd */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	size_t n = 0;

	buf[0] = '\0'; /* a string whatever happens */
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ND_ENOTREG;
	while (n < size - 1) {
		ssize_t r = read(fd, buf + n, size - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

/* The pid in a pid file: decimal digits and one optional newline. */
static int pidfile_read(const char *pidfile, pid_t *pid)
{
	char buf[32], *end;
	long v;
	int r = read_small(pidfile, buf, sizeof buf, NULL);

	if (r < 0)
		return r;
	if (buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || (*end && strcmp(end, "\n") != 0) || v <= 1 || v > INT_MAX)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

/* Alive: exists and is neither a zombie nor dead (state after the last ')'
 * of /proc/PID/stat, since comm may hold anything). */
static bool proc_alive(pid_t pid)
{
	char path[64], buf[512];
	const char *p;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof buf, NULL) < 0 || !(p = strrchr(buf, ')')))
		return false;
	return p[1] == ' ' && p[2] != 'Z' && p[2] != 'X' && p[2] != 'x';
}

/* The executable is NETD_DNSMASQ (also after a package upgrade replaced
 * it: " (deleted)"). Without the right to read the link, the name must do. */
static bool proc_is_dnsmasq(pid_t pid)
{
	char path[64], exe[PATH_MAX], want[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof exe - 1);
	if (n < 0 && errno == EACCES) {
		snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
		return read_small(path, exe, sizeof exe, NULL) == 0 &&
		       strcmp(exe, "dnsmasq\n") == 0;
	}
	if (n < 0)
		return false;
	exe[n] = '\0';
	if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
		exe[n - 10] = '\0';
	if (!realpath(NETD_DNSMASQ, want))
		nd_strlcpy(want, NETD_DNSMASQ, sizeof want);
	return strcmp(exe, want) == 0 || strcmp(exe, NETD_DNSMASQ) == 0;
}

/* One argument of the command line is exactly --conf-file=CONF. */
static bool proc_has_conf(pid_t pid, const char *conf_path)
{
	char path[64], want[PATH_MAX + 16];
	_cleanup_free_ char *cmd = NULL;
	size_t len;

	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	if (nd_snprintf(want, sizeof want, "--conf-file=%s", conf_path) < 0)
		return false;
	if (nd_read_file(path, &cmd, &len) < 0)
		return false;
	for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
		if (strcmp(cmd + i, want) == 0)
			return true;
	return false;
}

static bool proc_is_ours(pid_t pid, const char *conf_path)
{
	return proc_alive(pid) && proc_is_dnsmasq(pid) && proc_has_conf(pid, conf_path);
}

int dhcp_running(const char *pidfile, const char *conf_path, pid_t *pid)
{
	pid_t p;

	if (pidfile_read(pidfile, &p) < 0 || !proc_is_ours(p, conf_path))
		return 0;
	if (pid)
		*pid = p;
	return 1;
}

/* ---- stopping ----------------------------------------------------------- */

/* Whether the process behind pidfd exits within ms (0: has it exited?). */
static bool pidfd_exits(int pidfd, int ms)
{
	int64_t end = nd_now_ms() + ms;

	for (;;) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int64_t left = end - nd_now_ms();
		int r = poll(&p, 1, left > 0 ? (int)left : 0);

		if (r > 0)
			return true;
		if (r == 0 || (errno != EINTR))
			return false;
	}
}

/* dnsmasq cannot remove it itself once it runs as user= in a root-owned
 * directory. A failure leaves a stale file that the next start replaces. */
static void unlink_pidfile(const char *pidfile)
{
	(void)unlink(pidfile);
}

static int signal_and_wait(int pidfd, pid_t pid, const char *conf_path, struct nerr *e)
{
	if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0 && errno != ESRCH)
		return nerr_set(e, -errno, "stop dnsmasq %d for %s: SIGTERM: %s", (int)pid,
				conf_path, strerror(errno));
	if (pidfd_exits(pidfd, DHCP_TERM_TIMEOUT_MS))
		return 0;
	if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return nerr_set(e, -errno, "stop dnsmasq %d for %s: SIGKILL: %s", (int)pid,
				conf_path, strerror(errno));
	if (pidfd_exits(pidfd, DHCP_KILL_TIMEOUT_MS))
		return 0;
	return nerr_set(e, -ETIMEDOUT, "stop dnsmasq %d for %s: still running %d ms after SIGKILL",
			(int)pid, conf_path, DHCP_KILL_TIMEOUT_MS);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)

/* Process pid was started by the dhcp_spawn() that put 'mark' in its
 * environment (its daemon inherits it): NETD_SPAWN=MARK exactly. */
static bool proc_has_mark(pid_t pid, const char *mark)
{
	char path[64];
	_cleanup_free_ char *env = NULL;
	size_t len;

	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	if (!mark || nd_read_file(path, &env, &len) < 0)
		return false;
	for (size_t i = 0; i < len; i += strlen(env + i) + 1)
		if (strncmp(env + i, "NETD_SPAWN=", 11) == 0 && strcmp(env + i + 11, mark) == 0)
			return true;
	return false;
}

/* Every live dnsmasq of ours for conf_path, found by its command line: after
 * a start that failed half-way or a netd killed during start, a daemon may
 * run without a pid file, holding the network's addresses. Those whose
 * environment holds 'mark' (NULL: none) are the start under way and are
 * spared. *stopped (may be NULL) counts those stopped. */
static int stop_strays(const char *conf_path, const char *mark, int *stopped, struct nerr *e)
{
	__attribute__((cleanup(closedirp))) DIR *d = opendir("/proc");
	struct dirent *de;
	int r = 0;

	while (d && (de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		pid_t pid = (pid_t)v;
		_cleanup_close_ int fd = -1;
		int k;

		if (*end || v <= 1 || v > INT_MAX || pid == getpid() ||
		    !proc_has_conf(pid, conf_path))
			continue;
		fd = pidfd_open(pid, 0); /* then check: see stop_by_pidfile() */
		if (fd < 0 || !proc_is_ours(pid, conf_path) || proc_has_mark(pid, mark) ||
		    pidfd_exits(fd, 0))
			continue;
		k = signal_and_wait(fd, pid, conf_path, e);
		if (k < 0 && r == 0)
			r = k;
		if (k == 0 && stopped)
			(*stopped)++;
	}
	return r;
}

/* The process the pid file names, when it is ours. */
static int stop_by_pidfile(const char *pidfile, const char *conf_path, struct nerr *e)
{
	_cleanup_close_ int pidfd = -1;
	pid_t pid;
	int r;

	r = pidfile_read(pidfile, &pid);
	if (r == -ENOENT)
		return 0;
	if (r < 0 && r != -EINVAL)
		return nerr_set(e, r, "stop dnsmasq for %s: read %s: %s", conf_path, pidfile,
				strerror(-r));
	if (r == 0)
		pidfd = pidfd_open(pid, 0);
	if (pidfd < 0 && r == 0 && errno != ESRCH)
		return nerr_set(e, -errno, "stop dnsmasq %d for %s: pidfd_open: %s", (int)pid,
				conf_path, strerror(errno));
	/* Checked after the pidfd is open: if the pid was reused since, the
	 * pidfd names the new process and the check looks at that one. */
	if (pidfd >= 0 && proc_is_ours(pid, conf_path) && !pidfd_exits(pidfd, 0))
		return signal_and_wait(pidfd, pid, conf_path, e);
	return 0;
}

int dhcp_stop(const char *pidfile, const char *conf_path, struct nerr *e)
{
	int r = stop_by_pidfile(pidfile, conf_path, e);

	if (r < 0)
		return r;
	r = stop_strays(conf_path, NULL, NULL, e);
	if (r < 0)
		return r;
	unlink_pidfile(pidfile);
	return 0;
}

/* ---- starting ----------------------------------------------------------- */

/* dnsmasq's stderr, as much as fits in an error message. */
struct spawn_out {
	char buf[sizeof(struct nerr)];
	size_t len;
};

static void collect(int fd, struct spawn_out *o, bool *eof)
{
	char tmp[512];

	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*eof = n == 0;
			return;
		}
		for (ssize_t i = 0; i < n && o->len + 1 < sizeof o->buf; i++)
			o->buf[o->len++] = tmp[i];
		o->buf[o->len] = '\0';
	}
}

/* Wait for the first dnsmasq process to exit, gathering its stderr, with
 * both its pidfd and the pipe in one poll(): no sleeping. -ETIMEDOUT. */
static int wait_first(pid_t child, int fd, int64_t deadline, int *status, struct spawn_out *o)
{
	_cleanup_close_ int pidfd = pidfd_open(child, 0);
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	bool eof = false;

	if (pidfd < 0)
		return -errno;
	for (;;) {
		int64_t left = deadline - nd_now_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (p[0].revents) {
			collect(fd, o, &eof);
			if (eof)
				p[0].fd = -1; /* poll() skips it from now on */
		}
		if (p[1].revents)
			break;
	}
	if (!eof)
		collect(fd, o, &eof);
	if (waitpid(child, status, 0) != child)
		return -errno;
	return 0;
}

/* dnsmasq's message on one line, without its "dnsmasq: " prefix. */
static const char *tidy(struct spawn_out *o)
{
	char *s = o->buf, *w = o->buf;
	bool space = true;

	for (char *r = o->buf; *r; r++) {
		bool sp = *r == ' ' || (unsigned char)*r < ' ' || *r == 0x7f;

		if (sp && space)
			continue;
		*w++ = *r;
		if (sp)
			w[-1] = ' ';
		space = sp;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	if (strncmp(s, "dnsmasq: ", 9) == 0)
		s += 9;
	return s;
}

static int exit_errno(int code)
{
	switch (code) {
	case 1:
		return -EINVAL;
	case 2:
		return -EADDRINUSE;
	case 4:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* Which limit of the host a failure hit, and how to raise it: the error
 * alone ("Too many open files") names neither. */
static void limit_hint(const char *msg, int err, struct nerr *e)
{
	char v[32];

	if (msg && strstr(msg, "inotify") && strstr(msg, "Too many open files")) {
		if (read_small("/proc/sys/fs/inotify/max_user_instances", v, sizeof v, NULL) < 0)
			nd_strlcpy(v, "?", sizeof v);
		v[strcspn(v, "\n")] = '\0';
		nerr_append(
			e, 0,
			" (the host's limit fs.inotify.max_user_instances, now %s per user, "
			"is reached: raise it with sysctl -w fs.inotify.max_user_instances=1024 "
			"and keep it in /etc/sysctl.d/)",
			v);
	} else if ((msg && strstr(msg, "Too many open files")) || err == EMFILE) {
		nerr_append(e, 0,
			    " (the open-file limit is reached: raise RLIMIT_NOFILE, ulimit -n or "
			    "LimitNOFILE= of the unit)");
	} else if (err == ENFILE) {
		nerr_append(e, 0,
			    " (the host's limit fs.file-max is reached: raise it with sysctl -w "
			    "fs.file-max=N)");
	} else if (err == EAGAIN) {
		nerr_append(
			e, 0,
			" (a process limit is reached: kernel.pid_max or kernel.threads-max "
			"(sysctl -w kernel.pid_max=N), RLIMIT_NPROC (ulimit -u) or TasksMax= of "
			"the unit)");
	}
}

static int first_failed(const char *conf_path, int status, struct spawn_out *o, struct nerr *e)
{
	const char *msg = tidy(o);
	int r;

	if (WIFSIGNALED(status))
		return nerr_set(e, -EIO, "start dnsmasq for %s: killed by signal %d%s%s", conf_path,
				WTERMSIG(status), *msg ? ": " : "", msg);
	if (WEXITSTATUS(status) == 127 && !*msg)
		return nerr_set(e, -EIO, "start dnsmasq for %s: cannot execute %s", conf_path,
				NETD_DNSMASQ);
	if (!*msg)
		msg = "no message on stderr";
	r = nerr_set(e, exit_errno(WEXITSTATUS(status)),
		     "start dnsmasq for %s: %s (exit status %d)", conf_path, msg,
		     WEXITSTATUS(status));
	limit_hint(msg, 0, e);
	return r;
}

/* The daemon writes the pid file before it lets the first process exit 0;
 * give it the rest of the deadline all the same. */
static int wait_pidfile(const char *pidfile, const char *conf_path, int64_t deadline, pid_t *pid)
{
	const struct timespec nap = { .tv_nsec = 5L * 1000 * 1000 };

	for (;;) {
		if (dhcp_running(pidfile, conf_path, pid))
			return 0;
		if (nd_now_ms() >= deadline)
			return -ESRCH;
		nanosleep(&nap, NULL);
	}
}

static int check_conf_path(const char *conf_path, const char *pidfile, struct nerr *e)
{
	if (conf_path[0] != '/' || strlen(conf_path) >= PATH_MAX || strchr(conf_path, '\n'))
		return nerr_set(e, -EINVAL,
				"start dnsmasq: config path '%s' is not a plain "
				"absolute path",
				conf_path);
	if (pidfile[0] != '/')
		return nerr_set(e, -EINVAL, "start dnsmasq for %s: pid file '%s' is not absolute",
				conf_path, pidfile);
	if (access(NETD_DNSMASQ, X_OK) < 0)
		return nerr_set(e, -errno, "start dnsmasq for %s: %s: %s", conf_path, NETD_DNSMASQ,
				strerror(errno));
	return 0;
}

/* The child's set-up: stderr to the pipe, stdin and stdout /dev/null,
 * nothing else open, every signal default and unblocked, umask 022.
 * posix_spawn rather than fork: the child shares netd's memory until it
 * execs (clone with CLONE_VM | CLONE_VFORK) instead of copying its page
 * tables, and the parent takes no copy-on-write faults after. */
static int spawn_dnsmasq(int errw, char *const argv[], char *const envp[], pid_t *child)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	mode_t old;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return r;
	if ((r = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return r;
	}
	/* In this order, so that a pipe end on 0 or 1 survives to be dup'ed;
	 * a dup2 onto itself clears close-on-exec (glibc >= 2.29). */
	if ((r = posix_spawn_file_actions_adddup2(&fa, errw, STDERR_FILENO)) == 0 &&
	    (r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDWR, 0)) ==
		    0 &&
	    (r = posix_spawn_file_actions_adddup2(&fa, STDIN_FILENO, STDOUT_FILENO)) == 0 &&
	    (r = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) ==
		    0 &&
	    (r = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (r = posix_spawnattr_setsigdefault(&at, &all)) == 0) {
		/* posix_spawn has no umask action; netd is single-threaded. */
		old = umask(022);
		r = posix_spawn(child, NETD_DNSMASQ, &fa, &at, argv, envp);
		umask(old);
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* Spawn dnsmasq; its stderr goes to *errfd (non-blocking read end). */
static int start_child(const char *conf_path, const char *mark, pid_t *child, int *errfd,
		       struct nerr *e)
{
	char arg[PATH_MAX + 16], env[64];
	char *argv[] = { "dnsmasq", arg, NULL };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", env, NULL };
	int fds[2], err;

	snprintf(arg, sizeof arg, "--conf-file=%s", conf_path);
	snprintf(env, sizeof env, "NETD_SPAWN=%s", mark);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		err = errno;
		nerr_set(e, -err, "start dnsmasq for %s: pipe: %s", conf_path, strerror(err));
		limit_hint(NULL, err, e);
		return -err;
	}
	err = spawn_dnsmasq(fds[1], argv, envp, child);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		*child = -1;
		nerr_set(e, -err, "start dnsmasq for %s: spawn %s: %s", conf_path, NETD_DNSMASQ,
			 strerror(err));
		limit_hint(NULL, err, e);
		return -err;
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	*errfd = fds[0];
	return 0;
}

/* After a failed start nothing of ours may stay behind. */
static void leave_nothing(const char *pidfile, const char *conf_path)
{
	struct nerr ignored;

	dhcp_stop(pidfile, conf_path, &ignored);
	unlink_pidfile(pidfile);
}

/* Best effort (dhcp_mute()): a dnsmasq that keeps its groups still works. */
static void mute(pid_t pid, const char *conf_path, bool ipv6)
{
	_cleanup_close_ int pidfd = pidfd_open(pid, 0);
	int muted;

	if (pidfd >= 0 && proc_is_ours(pid, conf_path))
		(void)dhcp_mute(pid, pidfd, ipv6, &muted);
}

/* Start one dnsmasq and wait for its first process; with 'scan', meanwhile
 * (dnsmasq takes 4-6 ms to start) look for strays of this config, sparing
 * the processes of this start by their mark. 1 when the first process
 * failed, with *status and *out; 0 when it exited 0. */
static int spawn_once(const char *conf_path, const char *mark, bool scan, int64_t deadline,
		      int *status, struct spawn_out *out, int *stopped, struct nerr *e)
{
	_cleanup_close_ int errfd = -1;
	pid_t child = -1;
	int r, rs = 0;

	if ((r = start_child(conf_path, mark, &child, &errfd, e)) < 0)
		return r;
	if (scan)
		rs = stop_strays(conf_path, mark, stopped, e);
	r = wait_first(child, errfd, deadline, status, out);
	if (r < 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return nerr_set(e, r, "start dnsmasq for %s: %s", conf_path,
				r == -ETIMEDOUT ? "did not finish starting in time" : strerror(-r));
	}
	if (rs < 0)
		return nerr_wrap(e, rs, "start dnsmasq for %s", conf_path);
	return !WIFEXITED(*status) || WEXITSTATUS(*status) != 0;
}

/* Whether the config turns DNS off (port=0, which dhcp_render() writes for
 * <dns enable='no'/>): then a stray can serve DHCP beside the new daemon
 * (its DHCP socket shares the port) and nothing fails to tell of it. */
static bool conf_without_dns(const char *conf_path)
{
	_cleanup_free_ char *text = NULL;

	if (nd_read_file(conf_path, &text, NULL) < 0)
		return true; /* cannot tell: look */
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, "port=0", 6) == 0 && (l[6] == '\n' || l[6] == '\0'))
			return true;
	return false;
}

int dhcp_spawn(const char *conf_path, const char *pidfile, bool ipv6, pid_t *pid, struct nerr *e)
{
	int64_t deadline = nd_now_ms() + DHCP_SPAWN_TIMEOUT_MS;
	struct spawn_out out = { .len = 0 };
	struct timespec now;
	char mark[48];
	int status = 0, stopped = 0, r;
	bool scan;

	r = check_conf_path(conf_path, pidfile, e);
	if (r < 0)
		return r;
	if (dhcp_running(pidfile, conf_path, pid))
		return nerr_set(e, -EEXIST, "start dnsmasq for %s: already running as pid %d",
				conf_path, (int)*pid);
	unlink_pidfile(pidfile);
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(mark, sizeof mark, "%ld.%lld.%ld", (long)getpid(), (long long)now.tv_sec,
		 now.tv_nsec);
	/* A daemon of ours for this config that no pid file names (a start cut
	 * short, a pid file removed) holds the network's DNS ports, so the new
	 * one fails to bind them (exit 2): only then are the strays looked for,
	 * which reads the command line of every process on the host (3 ms with
	 * 200 networks up, at every start when it was done each time). A
	 * config without DNS gives no such failure: it looks at once. */
	scan = conf_without_dns(conf_path);
	r = spawn_once(conf_path, mark, scan, deadline, &status, &out, &stopped, e);
	if (r == 1 && WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		int rs = scan ? 0 : stop_strays(conf_path, mark, &stopped, e);

		if (rs < 0) {
			leave_nothing(pidfile, conf_path);
			return nerr_wrap(e, rs, "start dnsmasq for %s", conf_path);
		}
		/* The strays are gone now: once more. */
		if (stopped) {
			out.len = 0;
			out.buf[0] = '\0';
			r = spawn_once(conf_path, mark, false, deadline, &status, &out, NULL, e);
		}
	}
	if (r != 0) {
		leave_nothing(pidfile, conf_path);
		return r < 0 ? r : first_failed(conf_path, status, &out, e);
	}
	if (wait_pidfile(pidfile, conf_path, deadline, pid) < 0) {
		leave_nothing(pidfile, conf_path);
		return nerr_set(e, -ESRCH,
				"start dnsmasq for %s: no dnsmasq runs from pid file %s "
				"after start (is it the config's pid-file=?)",
				conf_path, pidfile);
	}
	mute(*pid, conf_path, ipv6);
	return 0;
}

/* ---- reloading ----------------------------------------------------------- */

int dhcp_hup(const char *pidfile, const char *conf_path, pid_t *pid, struct nerr *e)
{
	_cleanup_close_ int pidfd = -1;
	pid_t p;

	if (pidfile_read(pidfile, &p) < 0 || (pidfd = pidfd_open(p, 0)) < 0)
		return nerr_set(e, -ESRCH, "dnsmasq for %s: not running", conf_path);
	/* Checked after the pidfd is open, as stop_by_pidfile() does. */
	if (!proc_is_ours(p, conf_path) || pidfd_exits(pidfd, 0))
		return nerr_set(e, -ESRCH, "dnsmasq for %s: not running", conf_path);
	if (pidfd_send_signal(pidfd, SIGHUP, NULL, 0) < 0)
		return nerr_set(e, -errno, "dnsmasq %d for %s: SIGHUP: %s", (int)p, conf_path,
				strerror(errno));
	*pid = p;
	return 0;
}
