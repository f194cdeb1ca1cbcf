/* The forwarding sysctls; see ipfwd.h. */
#include "ipfwd.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostnet.h"
#include "step.h"

/* The sysctls a network needs, in the order they are checked. */
enum { IPFWD_V4, IPFWD_V6, IPFWD_N };

static const struct {
	int family;
	const char *key, *path;
} ipfwd_sysctl[IPFWD_N] = {
	[IPFWD_V4] = { AF_INET, "net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward" },
	[IPFWD_V6] = { AF_INET6, "net.ipv6.conf.all.forwarding",
		       "/proc/sys/net/ipv6/conf/all/forwarding" },
};

/* Interfaces looked after for accept_ra; beyond that, start fails. */
#define IPFWD_RA_MAX 32

/* A set of interface names. */
struct ipfwd_ifs {
	size_t n;
	char name[IPFWD_RA_MAX][IF_NAMESIZE];
};

/* What the last check found off, for repair. */
struct ipfwd_state {
	bool off[IPFWD_N];
	struct ipfwd_ifs ra; /* accept_ra=1 where 2 is needed */
};

static bool ipfwd_needed(const struct net *n, int i)
{
	if (n->fwd_mode != NET_FWD_NAT && n->fwd_mode != NET_FWD_ROUTE)
		return false;
	return net_has_family(n, ipfwd_sysctl[i].family);
}

static int ipfwd_write(int i, struct nerr *e)
{
	const char *path = ipfwd_sysctl[i].path;
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r = fd < 0 ? -errno : nd_write_all(fd, "1\n", 2);

	if (r < 0)
		return nerr_set(e, r, "forwarding: write 1 to %s: %s", path, strerror(-r));
	return 0;
}

/* The value as the kernel prints it, without the newline. */
static int ipfwd_read(int i, char *val, size_t len, struct nerr *e)
{
	const char *path = ipfwd_sysctl[i].path;
	_cleanup_free_ char *data = NULL;
	int r = nd_read_file(path, &data, NULL);

	if (r < 0)
		return nerr_set(e, r, "forwarding: read %s: %s", path, strerror(-r));
	data[strcspn(data, "\n")] = '\0';
	nd_strlcpy(val, data, len); /* may be truncated: it is shown, not parsed */
	return 0;
}

/* ---- accept_ra ---------------------------------------------------------
 *
 * With forwarding on, the kernel ignores router advertisements on every
 * interface whose accept_ra is 1, and writing 1 to all.forwarding at once
 * deletes every default route learnt from them (rt6_purge_dflt_routers)
 * except on interfaces whose accept_ra is 2: a host that has its IPv6
 * default route by SLAAC loses it the moment a dual-stack network starts.
 *
 * libvirt refuses to start then, and leaves the admin to set accept_ra=2.
 * netd sets it itself, before it turns forwarding on, on exactly the
 * interfaces that have accept_ra=1 and a default route from RAs (2 means
 * "accept RAs even when forwarding", which is what such a host wants: a
 * refusal would only make the admin type the same sysctl, and `netd boot`
 * would fail at every boot until they do). It says so in start's notes,
 * and records the names in NETD_RUN_DIR/ipfwd/NAME.ra, since stop is
 * another process. stop sets 1 again on the recorded interfaces still at
 * 2, but only when IPv6 forwarding is off by then: netd leaves forwarding
 * on at stop (see ipfwd_undo), and 1 with forwarding on is the breakage
 * itself; it says which it did. check reports an interface that needs 2
 * and has 1 (again) while forwarding is on; repair sets 2. */

static int ra_path(const struct step_ctx *c, char *path, size_t len, bool dir)
{
	if (dir)
		return nd_snprintf(path, len, "%s/ipfwd", c->p->run_dir);
	return nd_snprintf(path, len, "%s/ipfwd/%s.ra", c->p->run_dir, c->n->name);
}

static bool ifs_has(const struct ipfwd_ifs *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return true;
	return false;
}

static void ifs_add(struct ipfwd_ifs *s, const char *name)
{
	if (s->n < IPFWD_RA_MAX && !ifs_has(s, name))
		nd_strlcpy(s->name[s->n++], name, IF_NAMESIZE);
}

/* What netd set to 2 for this network; nothing when there is no record.
 * A line that is not an interface name is skipped: it is never written
 * to a path. */
static int ra_record_load(const struct step_ctx *c, struct ipfwd_ifs *s, struct nerr *e)
{
	_cleanup_free_ char *data = NULL;
	char path[PATH_MAX];
	int r;

	s->n = 0;
	if (ra_path(c, path, sizeof path, false) < 0)
		return nerr_set(e, -ENAMETOOLONG, "forwarding: record path too long");
	r = nd_read_file(path, &data, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return nerr_set(e, r, "forwarding: read %s: %s", path, strerror(-r));
	for (char *save = NULL, *l = strtok_r(data, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (net_ifname_ok(l))
			ifs_add(s, l);
	return 0;
}

static int ra_record_write(const struct step_ctx *c, const struct ipfwd_ifs *s, struct nerr *e)
{
	char path[PATH_MAX], buf[IPFWD_RA_MAX * IF_NAMESIZE + 1] = "";
	size_t used = 0;
	int r;

	if (ra_path(c, path, sizeof path, true) < 0)
		return nerr_set(e, -ENAMETOOLONG, "forwarding: record path too long");
	if ((r = nd_mkdir_p(path, 0755)) < 0)
		return nerr_set(e, r, "forwarding: create %s: %s", path, strerror(-r));
	if (ra_path(c, path, sizeof path, false) < 0)
		return nerr_set(e, -ENAMETOOLONG, "forwarding: record path too long");
	if (s->n == 0)
		return unlink(path) == 0 || errno == ENOENT
			       ? 0
			       : nerr_set(e, -errno, "forwarding: remove %s: %s", path,
					  strerror(errno));
	for (size_t i = 0; i < s->n; i++) {
		int w = snprintf(buf + used, sizeof buf - used, "%s\n", s->name[i]);

		/* never let a cut line advance past the buffer */
		if (w < 0 || (size_t)w >= sizeof buf - used)
			return nerr_set(e, -ENAMETOOLONG, "forwarding: record too long");
		used += (size_t)w;
	}
	if ((r = nd_write_atomic(path, buf, used, 0644)) < 0)
		return nerr_set(e, r, "forwarding: write %s: %s", path, strerror(-r));
	return 0;
}

static int ra_sysctl_path(const char *ifname, char *path, size_t len)
{
	return nd_snprintf(path, len, "/proc/sys/net/ipv6/conf/%s/accept_ra", ifname);
}

/* accept_ra of ifname; -ENOENT when the interface (or its IPv6) is gone. */
static int ra_read(const char *ifname, int *val)
{
	_cleanup_free_ char *data = NULL;
	char path[128], *end;
	long v;
	int r;

	if (ra_sysctl_path(ifname, path, sizeof path) < 0)
		return -ENAMETOOLONG;
	if ((r = nd_read_file(path, &data, NULL)) < 0)
		return r;
	errno = 0;
	v = strtol(data, &end, 10);
	if (errno || end == data)
		return -EINVAL;
	*val = (int)v;
	return 0;
}

static int ra_write(const char *ifname, int val, struct nerr *e)
{
	char path[128], buf[4];
	_cleanup_close_ int fd = -1;
	int r;

	if (ra_sysctl_path(ifname, path, sizeof path) < 0)
		return nerr_set(e, -ENAMETOOLONG, "forwarding: %s: name too long", ifname);
	(void)snprintf(buf, sizeof buf, "%d\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : nd_write_all(fd, buf, strlen(buf));
	if (r < 0)
		return nerr_set(e, r, "forwarding: write %d to %s: %s", val, path, strerror(-r));
	return 0;
}

/* The interfaces whose accept_ra is 1 and must be 2 before (or while)
 * forwarding is on: those with a default route from RAs, and, when
 * 'recorded', those netd set to 2 before (their route may have expired
 * since someone set 1 again). */
static int ra_needing(struct step_ctx *c, bool recorded, struct ipfwd_ifs *out, struct nerr *e)
{
	char names[IPFWD_RA_MAX][IF_NAMESIZE];
	struct ipfwd_ifs rec = { 0 };
	struct nl_sock *sk;
	size_t n = 0;
	int r, v;

	out->n = 0;
	if ((r = step_nl(c, &sk, e)) < 0 ||
	    (r = hostnet_ra_default_ifs(sk, names, IPFWD_RA_MAX, &n, e)) < 0)
		return nerr_wrap(e, r, "forwarding: find the host's router-advertised routes");
	if (recorded && (r = ra_record_load(c, &rec, e)) < 0)
		return r;
	for (size_t i = 0; i < rec.n; i++)
		if (n < IPFWD_RA_MAX)
			nd_strlcpy(names[n++], rec.name[i], IF_NAMESIZE);
	for (size_t i = 0; i < n; i++)
		if (ra_read(names[i], &v) == 0 && v == 1)
			ifs_add(out, names[i]);
	return 0;
}

/* Set accept_ra=2 on 'need', add them to the record, and say so. */
static int ra_protect(struct step_ctx *c, const struct ipfwd_ifs *need, struct nerr *e)
{
	struct ipfwd_ifs rec = { 0 };
	int r;

	if (need->n == 0)
		return 0;
	if ((r = ra_record_load(c, &rec, e)) < 0)
		return r;
	for (size_t i = 0; i < need->n; i++)
		ifs_add(&rec, need->name[i]);
	/* Recorded first: a crash between the two leaves a record of an
	 * interface still at 1, which stop then leaves alone. */
	if ((r = ra_record_write(c, &rec, e)) < 0)
		return r;
	for (size_t i = 0; i < need->n; i++) {
		if ((r = ra_write(need->name[i], 2, e)) < 0)
			return r;
		step_note(c,
			  "network '%s': set net.ipv6.conf.%s.accept_ra=2 (was 1): %s has its IPv6 "
			  "default route from router advertisements, which the kernel ignores on "
			  "accept_ra=1 once forwarding is on",
			  c->n->name, need->name[i], need->name[i]);
	}
	return 0;
}

/* Set 1 again where netd set 2, unless forwarding is on (see above). */
static int ra_restore(struct step_ctx *c, struct nerr *e)
{
	struct ipfwd_ifs rec = { 0 };
	char fwd[16];
	bool on;
	int r, v;

	if ((r = ra_record_load(c, &rec, e)) < 0)
		return r;
	if (rec.n == 0)
		return 0;
	if ((r = ipfwd_read(IPFWD_V6, fwd, sizeof fwd, e)) < 0)
		return r;
	on = strcmp(fwd, "0") != 0;
	for (size_t i = 0; i < rec.n; i++) {
		const char *ifn = rec.name[i];

		if (ra_read(ifn, &v) < 0 || v != 2)
			continue; /* gone, or changed by someone else: theirs now */
		if (on) {
			if (c->out)
				fprintf(c->out,
					"network '%s': net.ipv6.conf.%s.accept_ra left at 2: "
					"net.ipv6.conf.all.forwarding is still on, and with 1 %s "
					"would lose its IPv6 default route\n",
					c->n->name, ifn, ifn);
			continue;
		}
		if ((r = ra_write(ifn, 1, e)) < 0)
			return r;
		if (c->out)
			fprintf(c->out, "network '%s': net.ipv6.conf.%s.accept_ra set back to 1\n",
				c->n->name, ifn);
	}
	rec.n = 0;
	return ra_record_write(c, &rec, e);
}

static int ipfwd_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	struct ipfwd_state *s = st;
	int r;

	/* accept_ra first: the write of forwarding purges the routes. */
	if (ipfwd_needed(c->n, IPFWD_V6) &&
	    ((r = ra_needing(c, false, &s->ra, e)) < 0 || (r = ra_protect(c, &s->ra, e)) < 0))
		return r;
	for (int i = 0; i < IPFWD_N; i++)
		if (ipfwd_needed(c->n, i) && (r = ipfwd_write(i, e)) < 0)
			return r;
	return 0;
}

/* Forwarding stays on after stop, as with libvirt: other networks, VPNs or
 * containers may rely on it, and netd cannot know who turned it on. What
 * netd did to accept_ra is undone as far as that allows (ra_restore). */
static int ipfwd_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	(void)st;
	return ra_restore(c, e);
}

/* While IPv6 forwarding is on, an interface that needs accept_ra=2 and has
 * 1 loses (or has lost) its default route. With forwarding off, repair
 * sets 2 before it turns forwarding on. */
static int ipfwd_check_ra(struct step_ctx *c, struct ipfwd_state *s, struct drift *d,
			  struct nerr *e)
{
	int r;

	s->ra.n = 0;
	if (!ipfwd_needed(c->n, IPFWD_V6) || s->off[IPFWD_V6])
		return 0;
	if ((r = ra_needing(c, true, &s->ra, e)) < 0)
		return r;
	for (size_t i = 0; i < s->ra.n; i++)
		drift_add(d,
			  "forwarding: net.ipv6.conf.%s.accept_ra is 1 with IPv6 forwarding on: "
			  "the kernel ignores %s's router advertisements, and its IPv6 default "
			  "route expires (needs 2)",
			  s->ra.name[i], s->ra.name[i]);
	return 0;
}

static int ipfwd_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct ipfwd_state *s = st;
	char val[16];
	int r;

	for (int i = 0; i < IPFWD_N; i++) {
		s->off[i] = false;
		if (!ipfwd_needed(c->n, i))
			continue;
		if ((r = ipfwd_read(i, val, sizeof val, e)) < 0)
			return r;
		if (strcmp(val, "1") == 0)
			continue;
		s->off[i] = true;
		drift_add(d, "forwarding: %s is %s (guests cannot reach beyond the host%s)",
			  ipfwd_sysctl[i].key, val, i == IPFWD_V6 ? " over IPv6" : "");
	}
	return ipfwd_check_ra(c, s, d, e);
}

static int ipfwd_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct ipfwd_state *s = st;
	int r;

	/* With IPv6 forwarding off, check looked at no accept_ra: look now,
	 * before the write of forwarding purges the routes. */
	if (s->off[IPFWD_V6] && (r = ra_needing(c, true, &s->ra, e)) < 0)
		return r;
	if ((r = ra_protect(c, &s->ra, e)) < 0)
		return r;
	for (int i = 0; i < IPFWD_N; i++)
		if (s->off[i] && (r = ipfwd_write(i, e)) < 0)
			return r;
	return 0;
}

/* apply is idempotent; forwarding that old needed stays on (as at stop). */
static int ipfwd_reload(struct step_ctx *c, void *st, const struct net *old, struct nerr *e)
{
	(void)old;
	return ipfwd_apply(c, st, e);
}

const struct step_ops ipfwd_step = {
	.name = "forwarding",
	.state_size = sizeof(struct ipfwd_state),
	/* accept_ra may be set before forwarding fails: undo puts it back. */
	.undo_after_failure = true,
	.apply = ipfwd_apply,
	.undo = ipfwd_undo,
	.check = ipfwd_check,
	.repair = ipfwd_repair,
	.reload = ipfwd_reload,
};
