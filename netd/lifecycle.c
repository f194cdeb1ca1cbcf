/* start, stop, boot and apply: the table of steps and the loops over it.
 * What each step does is its module's business (step.h). */
#include "lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bandwidth.h"
#include "bconf_step.h"
#include "bridge.h"
#include "dhcp_step.h"
#include "guests.h"
#include "hostbridge.h"
#include "hostnet.h"
#include "ipfwd.h"
#include "netlink.h"
#include "record.h"
#include "resolved.h"
#include "routes.h"
#include "transient.h"
#include "fw.h"
#include "fw_firewalld.h"
#include "fw_host.h"

/* In dependency order: the bridge with its addresses, then the static
 * routes through guests on it, forwarding and rules for the bridge's traffic,
 * dnsmasq binds to the bridge, systemd-resolved is told to ask it, session
 * VMs may join once it all works. */
static const struct step_ops *const lc_steps[] = {
	&bridge_step, &bandwidth_step, /* on the bridge itself; nothing without <bandwidth> */
	&routes_step, &firewalld_step, &ipfwd_step,    &fw_step,
	&hostfw_step, &dhcp_step,      &resolved_step, &bconf_step,
};

/* A network on the host's own bridge: netd makes nothing of the above for
 * it, it only checks the bridge and lets session VMs join it. */
static const struct step_ops *const lc_host_bridge_steps[] = {
	&hostbridge_step,
	&bconf_step,
};

int lc_run_init(struct step_run *run, const struct store *s, const struct net *n, FILE *out,
		struct nerr *e)
{
	int r = net_is_host_bridge(n)
			? step_run_init(run, lc_host_bridge_steps, ARRAY_SIZE(lc_host_bridge_steps),
					&s->p, n, out, e)
			: step_run_init(run, lc_steps, ARRAY_SIZE(lc_steps), &s->p, n, out, e);

	if (r < 0)
		return r;
	return hostconf_load(&s->p, &run->conf, e);
}

static int start_checks(const struct store *s, struct step_ctx *c, struct nerr *e)
{
	_cleanup_hostnet_ struct hostnet *h = NULL;
	const struct net *n = c->n;
	struct nl_sock *sk;
	char what[256];
	int r;

	if (store_active(s, n->name))
		return nerr_set(e, -EALREADY, "network %s: already running", n->name);
	if (!n->n_ips) /* nothing to overlap */
		return 0;
	if ((r = step_nl(c, &sk, e)) < 0)
		return r;
	r = hostnet_find_overlap(sk, n, NULL, what, sizeof what, e);
	if (r < 0)
		return nerr_wrap(e, r, "network %s: cannot check the host's addresses", n->name);
	if (r > 0)
		return nerr_set(e, -EADDRINUSE,
				"network %s: its subnet overlaps %s on this host; nothing was "
				"created (change the network's <ip> or remove the other)",
				n->name, what);
	if (n->n_routes && (r = hostnet_load(sk, &h, e)) < 0)
		return nerr_wrap(e, r, "network %s: cannot check the host's routes", n->name);
	for (size_t i = 0; i < n->n_routes; i++) {
		const struct net_route *rt = &n->routes[i];
		char a[64];

		if (!hostnet_overlap(h, &rt->addr, rt->prefix, NULL, what, sizeof what))
			continue;
		net_addr_str(&rt->addr, a, sizeof a);
		return nerr_set(e, -EADDRINUSE,
				"network %s: its <route> to %s/%u overlaps %s on this host; "
				"nothing was created (change the <route> or remove the other)",
				n->name, a, rt->prefix, what);
	}
	return 0;
}

/* "network 'N' started: bridge B ADDR/P ...", which the steps extend. */
static void started_line(struct step_ctx *c)
{
	const struct net *n = c->n;
	size_t used;
	char a[64];

	(void)snprintf(c->started, sizeof c->started, "network '%s' started: bridge %s", n->name,
		       n->bridge);
	for (size_t i = 0; i < n->n_ips; i++) {
		used = strlen(c->started);
		net_addr_str(&n->ips[i].addr, a, sizeof a);
		(void)snprintf(c->started + used, sizeof c->started - used, " %s/%u", a,
			       n->ips[i].prefix); /* may be truncated */
	}
}

/* The checks and the record under the serial lock (boot's workers): two
 * networks with one subnet must not both pass the overlap check. */
static int start_begin(struct store *s, struct step_run *run, const struct net *n, struct nerr *e)
{
	int64_t t0 = step_phase_begin();
	int r;

	if ((r = start_checks(s, &run->c, e)) < 0)
		return r;
	step_phase_time("checks", t0);
	if ((r = record_write(s, n, e)) < 0)
		return nerr_wrap(e, r, "network %s: start failed at step 'runtime record'",
				 n->name);
	return 0;
}

static int start(struct store *s, const struct net *n, FILE *out, int serial_fd, struct nerr *e)
{
	_cleanup_step_run_ struct step_run run = { 0 };
	struct nerr re = { { 0 } };
	int r;

	if ((r = lc_run_init(&run, s, n, out, e)) < 0)
		return r;
	run.serial_fd = serial_fd;
	run.c.serial_fd = serial_fd;
	run.c.concurrent_run = serial_fd >= 0;
	step_serial_enter(serial_fd);
	r = start_begin(s, &run, n, e);
	step_serial_leave(serial_fd);
	if (r < 0)
		return r;
	started_line(&run.c);
	if ((r = step_run_apply(&run, e)) < 0) {
		if (record_remove(s, n->name, &re) < 0)
			nerr_append(e, r, "; undo runtime record failed: %s", re.msg);
		return r;
	}
	fprintf(out, "%s\n%s", run.c.started, run.c.notes);
	return 0;
}

/* The reason of a failed start is kept for status and list (a boot's
 * failure is otherwise only in the journal); a start that works clears it.
 * Starting a running network is no failed start. */
static int start_named(struct store *s, const char *name, FILE *out, int serial_fd, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr ke = { { 0 } };
	int64_t t0 = step_phase_begin();
	int r;

	if ((r = store_load(s, name, &n, e)) < 0)
		return r;
	step_phase_time("load", t0);
	r = start(s, &n, out, serial_fd, e);
	if (r == 0)
		(void)record_error_clear(s, name, &ke);
	else if (r != -EALREADY && record_error_write(s, name, e->msg, &ke) < 0)
		nerr_append(e, r, "; could not keep this error for status: %s", ke.msg);
	return r;
}

int lc_start(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	return start_named(s, name, out, -1, e);
}

int lc_start_net(struct store *s, const struct net *n, FILE *out, struct nerr *e)
{
	return start(s, n, out, -1, e);
}

/* The model to stop by: the runtime record, or what can stand in for it. */
static int stop_model(struct store *s, const char *name, struct net *n, FILE *out, struct nerr *e)
{
	int r = record_load(s, name, n, e);

	if (r == -ESTALE) {
		fprintf(out,
			"network '%s': runtime record fails today's validation; stopping what "
			"it records all the same\n",
			name);
		return 0;
	}
	if (r != -EUCLEAN)
		return r;
	/* The record is damaged (a crash mid-write cannot do that, the write
	 * is atomic; a person can): clean up what the stored config says. */
	fprintf(out,
		"network '%s': runtime record unreadable; stopping what its stored config "
		"describes\n",
		name);
	if ((r = store_load(s, name, n, e)) < 0)
		return nerr_wrap(
			e, r, "network %s: runtime record unreadable and no usable stored config",
			name);
	return 0;
}

int lc_stop(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_step_run_ struct step_run run = { 0 };
	int r;

	if ((r = stop_model(s, name, &n, out, e)) < 0 || (r = lc_run_init(&run, s, &n, out, e)) < 0)
		return r;
	/* The record goes last, and only when the rest went. */
	if (step_run_undo(&run, e) > 0)
		return nerr_wrap(e, -EIO, "network %s: stop incomplete (run netd stop %s again)",
				 name, name);
	if ((r = record_remove(s, name, e)) < 0)
		return r;
	fprintf(out, "network '%s' stopped\n", name);
	return 0;
}

typedef int lc_op(struct store *s, const char *name, FILE *out, struct nerr *e);

/* Run op on every defined network that 'want' picks; one failure does not
 * stop the others (each is printed on 'err'). Returns how many failed. */
static int each_network(struct store *s, bool (*want)(const struct store *, const char *),
			lc_op *op, FILE *out, FILE *err, struct nerr *e)
{
	char **names = NULL;
	size_t count = 0;
	int failed = 0, r;

	if ((r = store_names(s, &names, &count, e)) < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		struct nerr ne = { { 0 } };

		if (want(s, names[i]) && op(s, names[i], out, &ne) < 0) {
			fprintf(err, "netd: %s\n", ne.msg);
			failed++;
		}
	}
	store_names_free(names, count);
	return failed;
}

static bool boot_wants(const struct store *s, const char *name)
{
	return store_autostart(s, name) && !store_active(s, name);
}

/* ---- boot: independent networks started by workers ---------------------
 *
 * netd boot holds netd's lock for the whole run, as before; its workers are
 * forked children and share that lock (a flock belongs to the open file,
 * which they inherit), so no other netd command runs meanwhile. Among
 * themselves the workers take a second lock around every step that is not
 * concurrent (step_ops.concurrent) and around the checks: the kernel's
 * bridge and address state, netd's nft table and bridge.conf see one
 * network at a time, while dnsmasq's start-ups (the slowest part) overlap.
 * Each network's outcome is printed as a sequential boot prints it, in the
 * same order, once all are done. */

#define BOOT_JOBS_MAX 16

struct boot_rec { /* what a worker writes per network, then out and msg */
	uint32_t index;
	int32_t r;
	uint32_t out_len, msg_len;
};

static int boot_jobs(size_t n)
{
	const char *v = getenv("NETD_BOOT_JOBS");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), j = cpus > 0 ? 2 * cpus : 2;

	if (v && *v) {
		char *end;
		long k = strtol(v, &end, 10);

		if (!*end && k >= 1)
			j = k;
	}
	if (j > BOOT_JOBS_MAX)
		j = BOOT_JOBS_MAX;
	return (int)((size_t)j > n ? (long)n : j);
}

/* In the child: networks w, w + jobs, ... one after another. */
static _Noreturn void boot_worker(struct store *s, char **names, const size_t *pick, size_t n,
				  int w, int jobs, const char *lock, int fd)
{
	/* Its own open of the lock file: a flock is shared by every
	 * descriptor of one open, so an inherited one would exclude no one. */
	int serial_fd = open(lock, O_RDWR | O_CLOEXEC);

	if (serial_fd < 0)
		_exit(5);
	for (size_t i = (size_t)w; i < n; i += (size_t)jobs) {
		struct nerr ne = { { 0 } };
		char *buf = NULL;
		size_t len = 0;
		FILE *o = open_memstream(&buf, &len);
		struct boot_rec rec = { .index = (uint32_t)i };

		if (!o)
			_exit(3);
		rec.r = start_named(s, names[pick[i]], o, serial_fd, &ne);
		fclose(o);
		rec.out_len = (uint32_t)len;
		rec.msg_len = rec.r < 0 ? (uint32_t)strlen(ne.msg) : 0;
		if (nd_write_all(fd, &rec, sizeof rec) < 0 || nd_write_all(fd, buf, len) < 0 ||
		    nd_write_all(fd, ne.msg, rec.msg_len) < 0)
			_exit(4);
		free(buf);
	}
	_exit(0);
}

struct boot_out {
	char *out, *msg;
	bool done;
	int r;
};

/* len bytes as a string (strndup would read past a buffer without NUL). */
static char *copy_str(const char *p, size_t len)
{
	char *c = malloc(len + 1);

	if (c) {
		memcpy(c, p, len);
		c[len] = '\0';
	}
	return c;
}

/* One worker's records, from the start of its memfd. */
static void boot_read(int fd, struct boot_out *res, size_t n)
{
	_cleanup_free_ char *data = NULL;
	struct stat st;
	size_t off = 0;

	if (fstat(fd, &st) < 0 || st.st_size <= 0 || !(data = malloc((size_t)st.st_size)) ||
	    pread(fd, data, (size_t)st.st_size, 0) != st.st_size)
		return;
	while (off + sizeof(struct boot_rec) <= (size_t)st.st_size) {
		struct boot_rec rec;

		memcpy(&rec, data + off, sizeof rec);
		off += sizeof rec;
		if (rec.index >= n || rec.out_len > (size_t)st.st_size - off ||
		    rec.msg_len > (size_t)st.st_size - off - rec.out_len)
			return;
		res[rec.index] = (struct boot_out){
			.out = copy_str(data + off, rec.out_len),
			.msg = copy_str(data + off + rec.out_len, rec.msg_len),
			.done = true,
			.r = rec.r,
		};
		off += rec.out_len + rec.msg_len;
	}
}

static int boot_parallel(struct store *s, char **names, const size_t *pick, size_t n, int jobs,
			 FILE *out, FILE *err, struct nerr *e)
{
	char lock[PATH_MAX];
	int lock_fd = -1;
	int fds[BOOT_JOBS_MAX], failed = 0, started = 0;
	pid_t pids[BOOT_JOBS_MAX];
	struct boot_out *res = calloc(n, sizeof *res);

	if (!res)
		return nerr_set(e, -ENOMEM, "boot: out of memory");
	if (nd_snprintf(lock, sizeof lock, "%s.steps", s->p.lock_file) < 0 ||
	    (lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		free(res);
		return nerr_set(e, -errno, "boot: open %s: %s", lock, strerror(errno));
	}
	close(lock_fd); /* created: each worker opens it for itself */
	fflush(out);
	fflush(err);
	for (int w = 0; w < jobs; w++) {
		fds[w] = memfd_create("netd-boot", MFD_CLOEXEC);
		pids[w] = fds[w] < 0 ? -1 : fork();
		if (pids[w] == 0)
			boot_worker(s, names, pick, n, w, jobs, lock, fds[w]);
		started += pids[w] > 0;
	}
	for (int w = 0; w < jobs; w++) {
		while (pids[w] > 0 && waitpid(pids[w], NULL, 0) < 0 && errno == EINTR)
			;
		if (fds[w] >= 0) {
			boot_read(fds[w], res, n);
			close(fds[w]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!res[i].done) {
			fprintf(err, "netd: network %s: not started (its boot worker %s)\n",
				names[pick[i]], started ? "failed" : "could not be created");
			failed++;
			continue;
		}
		fputs(res[i].out ? res[i].out : "", out);
		if (res[i].r < 0) {
			fprintf(err, "netd: %s\n", res[i].msg ? res[i].msg : "start failed");
			failed++;
		}
		free(res[i].out);
		free(res[i].msg);
	}
	free(res);
	return failed;
}

int lc_boot(struct store *s, FILE *out, FILE *err, struct nerr *e)
{
	char **names = NULL;
	size_t count = 0, n = 0;
	_cleanup_free_ size_t *pick = NULL;
	int r, jobs;

	if ((r = store_names(s, &names, &count, e)) < 0)
		return r;
	if (count && !(pick = calloc(count, sizeof *pick))) {
		store_names_free(names, count);
		return nerr_set(e, -ENOMEM, "boot: out of memory");
	}
	for (size_t i = 0; i < count; i++)
		if (boot_wants(s, names[i]))
			pick[n++] = i;
	jobs = boot_jobs(n);
	if (jobs <= 1) {
		r = 0;
		for (size_t i = 0; i < n; i++) {
			struct nerr ne = { { 0 } };

			if (lc_start(s, names[pick[i]], out, &ne) < 0) {
				fprintf(err, "netd: %s\n", ne.msg);
				r++;
			}
		}
	} else {
		r = boot_parallel(s, names, pick, n, jobs, out, err, e);
	}
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees pick */
	store_names_free(names, count);
	return r;
}

static int apply_one(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_step_run_ struct step_run run = { 0 };
	struct drift d = { 0 };
	int r;

	if ((r = record_load(s, name, &n, e)) < 0 || (r = lc_run_init(&run, s, &n, out, e)) < 0)
		return r;
	r = step_run_check(&run, true, &d, e);
	/* drift lines may quote files (bridge.conf): escaped, as in status */
	for (size_t i = 0; i < d.n; i++) {
		fprintf(out, "network '%s': %s ", name,
			i < d.repaired && !d.norepair[i] ? "repaired" : "could not repair");
		(void)nd_fputs_esc(d.what[i], out);
		fputc('\n', out);
	}
	if (r == 0 && d.n == 0)
		fprintf(out, "network '%s': as it should be\n", name);
	return r;
}

int lc_apply(struct store *s, const char *name, FILE *out, FILE *err, struct nerr *e)
{
	char **names = NULL;
	size_t count = 0;
	int failed, r;

	if (name)
		return apply_one(s, name, out, e);
	if ((failed = each_network(s, store_active, apply_one, out, err, e)) < 0)
		return failed;
	/* Transient networks have no stored config, but a firewall reload
	 * takes their rules too: netd-firewall.service's apply repairs them. */
	if ((r = transient_names(s, &names, &count, e)) < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		struct nerr ne = { { 0 } };

		if (apply_one(s, names[i], out, &ne) < 0) {
			fprintf(err, "netd: %s\n", ne.msg);
			failed++;
		}
	}
	store_names_free(names, count);
	return failed;
}

/* The bridge a running network has: its record's, or, when that does not
 * load, its stored config's (stop falls back the same way). -ENOENT for a
 * host bridge network too: stopping it cuts no guest off (the bridge and
 * its ports stay; only new session VMs can no longer join). */
static int guests_bridge(struct store *s, const char *name, char *br, size_t len)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr ignored = { { 0 } };
	int r = record_load(s, name, &n, &ignored);

	if (r < 0 && r != -ESTALE) {
		net_free(&n);
		if (store_load(s, name, &n, &ignored) < 0)
			return -ENOENT;
	}
	if (net_is_host_bridge(&n))
		return -ENOENT;
	return nd_strlcpy(br, n.bridge, len) < len ? 0 : -ENAMETOOLONG;
}

int lc_guests(struct store *s, const char *name, char *what, size_t len, struct nerr *e)
{
	_cleanup_netlink_ struct nl_sock *sk = NULL;
	_cleanup_guests_ struct guests gs = { 0 };
	char br[NET_IFNAME_MAX + 1];
	int r;

	what[0] = '\0';
	if (!store_active(s, name) || guests_bridge(s, name, br, sizeof br) < 0)
		return 0;
	if ((r = netlink_open(&sk, e)) < 0 || (r = guests_find(sk, br, &gs, e)) < 0)
		return r;
	guests_str(&gs, what, len);
	return (int)gs.n;
}

int lc_stop_guarded(struct store *s, const char *name, bool force, FILE *out, struct nerr *e)
{
	char what[768];
	int r = lc_guests(s, name, what, sizeof what, e);

	if (r < 0 && !force)
		return nerr_wrap(e, r,
				 "network %s: cannot tell whether guests are attached, so not "
				 "stopping it (--force stops it anyway)",
				 name);
	if (r > 0 && !force)
		return nerr_set(e, -EBUSY,
				"network '%s' has %d guest%s attached: %s; stop %s first or use "
				"--force",
				name, r, r > 1 ? "s" : "", what, r > 1 ? "them" : "it");
	if (r > 0)
		fprintf(out, "network '%s': --force: cutting off %d guest%s: %s\n", name, r,
			r > 1 ? "s" : "", what);
	return lc_stop(s, name, out, e);
}
