/* Delegated networks: the service (netd serve-user) and its client (netd
 * user); see user.h. */
#include "user.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "deleg.h"
#include "hostnet.h"
#include "lifecycle.h"
#include "netlink.h"
#include "record.h"
#include "status.h"
#include "store.h"
#include "transient.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

#define PEER_GROUPS_MAX	  1024
#define USER_BRIDGE_MAX	  10000 /* ndu0 .. ndu9999 */
#define USER_CARVE_MAX	  65536 /* candidate subnets tried in a pool */
#define CLIENT_TIMEOUT_MS 120000

struct peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t gids[PEER_GROUPS_MAX];
	size_t n_gids;
	char user[DELEG_NAME_MAX + 1];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Who is at the other end: the kernel's word, taken when they connected. */
static int peer_get(int fd, struct peer *pr, struct nerr *e)
{
	struct passwd pw, *res = NULL;
	struct ucred cr;
	socklen_t len = sizeof cr;
	char buf[4096];

	memset(pr, 0, sizeof *pr);
	pr->uid = (uid_t)-1; /* no caller until the kernel names one */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof cr)
		return nerr_set(e, -ENOTSOCK,
				"standard input is not a unix socket connection: netd serve-user "
				"is run by netd-user.socket, one connection at a time");
	pr->uid = cr.uid;
	pr->gid = cr.gid;
	pr->pid = cr.pid;
	len = sizeof pr->gids - sizeof pr->gids[0];
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, pr->gids, &len) < 0)
		return nerr_set(e, -errno, "the caller's groups (SO_PEERGROUPS): %s",
				errno == ERANGE ? "more than 1023" : strerror(errno));
	pr->n_gids = len / sizeof pr->gids[0];
	pr->gids[pr->n_gids++] = cr.gid;
	if (getpwuid_r(cr.uid, &pw, buf, sizeof buf, &res) != 0 || !res)
		return nerr_set(e, -ENOENT, "uid %u has no account on this host", (unsigned)cr.uid);
	if (nd_strlcpy(pr->user, pw.pw_name, sizeof pr->user) >= sizeof pr->user)
		return nerr_set(e, -ENAMETOOLONG, "user name of uid %u is longer than %d bytes",
				(unsigned)cr.uid, DELEG_NAME_MAX);
	return 0;
}

/* Until end of file, at most max bytes (one more is "too long"), within
 * the time left. */
static int read_bounded(int fd, char *buf, size_t max, size_t *len, int timeout_ms, struct nerr *e)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t n = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t rd;
		int pr;

		if (left <= 0)
			return nerr_set(e, -ETIMEDOUT, "no complete message within %d s",
					timeout_ms / 1000);
		pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return nerr_set(e, -errno, "poll: %s", strerror(errno));
		if (pr == 0)
			continue;
		rd = read(fd, buf + n, max + 1 - n);
		if (rd < 0 && errno == EINTR)
			continue;
		if (rd < 0)
			return nerr_set(e, -errno, "read: %s", strerror(errno));
		if (rd == 0)
			break;
		n += (size_t)rd;
		if (n > max)
			return nerr_set(e, -EMSGSIZE, "message too long (more than %zu bytes)",
					max);
	}
	*len = n;
	return 0;
}

/* Every network netd knows: stored, then transient. */
struct netset {
	struct net *v;
	size_t n;
};

static void netset_free(struct netset *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		net_free(&ns->v[i]);
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

static int netset_load(const struct store *s, struct netset *ns, struct nerr *e)
{
	char **names = NULL, **tnames = NULL;
	size_t count = 0, tcount = 0;
	int r;

	memset(ns, 0, sizeof *ns);
	if ((r = store_names(s, &names, &count, e)) < 0)
		return r;
	if ((r = transient_names(s, &tnames, &tcount, e)) < 0) {
		store_names_free(names, count);
		return r;
	}
	ns->v = calloc(count + tcount + 1, sizeof *ns->v);
	for (size_t i = 0; ns->v && i < count + tcount; i++) {
		const char *name = i < count ? names[i] : tnames[i - count];
		struct nerr ignore;

		/* A config that does not load claims nothing a start could use. */
		if ((i < count ? store_load(s, name, &ns->v[ns->n], &ignore)
			       : record_load(s, name, &ns->v[ns->n], &ignore)) == 0)
			ns->n++;
		else
			net_free(&ns->v[ns->n]);
	}
	store_names_free(names, count);
	store_names_free(tnames, tcount);
	if (!ns->v)
		return nerr_set(e, -ENOMEM, "out of memory");
	return 0;
}

static bool owned_by(const struct net *n, uid_t uid)
{
	return n->owner_line && n->owner_uid == uid;
}

/* USER.NAME: the store's name for a user's network. */
static int global_name(const struct peer *pr, const char *name, char *buf, size_t len,
		       struct nerr *e)
{
	if (nd_snprintf(buf, len, "%s.%s", pr->user, name) < 0 || !net_name_ok(buf))
		return nerr_set(e, -EINVAL,
				"user name '%s' cannot be part of a network name (letters, digits, "
				"'-', '_', '.')",
				pr->user);
	return 0;
}

/* A network of the caller's, by their name for it; -ENOENT otherwise,
 * whether it does not exist or is someone else's. */
static const struct net *find_own(const struct netset *ns, const struct peer *pr,
				  const char *global)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i].name, global) == 0)
			return owned_by(&ns->v[i], pr->uid) ? &ns->v[i] : NULL;
	return NULL;
}

static bool subnet_taken(const struct netset *ns, const struct net_addr *a, unsigned prefix)
{
	for (size_t i = 0; i < ns->n; i++) {
		const struct net *n = &ns->v[i];

		for (size_t k = 0; k < n->n_ips; k++) {
			struct net_addr m;

			if (n->ips[k].addr.family != a->family)
				continue;
			net_addr_mask(&n->ips[k].addr, n->ips[k].prefix, &m);
			if (net_subnets_overlap(a, prefix, &m, n->ips[k].prefix))
				return true;
		}
		for (size_t k = 0; k < n->n_routes; k++)
			if (n->routes[k].addr.family == a->family &&
			    net_subnets_overlap(a, prefix, &n->routes[k].addr, n->routes[k].prefix))
				return true;
	}
	return false;
}

/* Candidate k of the pool: the pool's address plus k blocks of 'prefix'. */
static void pool_nth(const struct net_addr *pool, unsigned prefix, uint64_t k, struct net_addr *a)
{
	*a = *pool;
	if (a->family == AF_INET) {
		a->u.v4 = htonl(ntohl(pool->u.v4) + (uint32_t)(k << (32 - prefix)));
		return;
	}
	/* IPv6 /64s: k goes into the upper 64 bits, below the pool's prefix */
	uint64_t hi = 0;

	for (int i = 0; i < 8; i++)
		hi = hi << 8 | pool->u.b[i];
	hi += k;
	for (int i = 7; i >= 0; i--, hi >>= 8)
		a->u.b[i] = (uint8_t)hi;
}

static int carve(const struct netset *ns, const struct hostnet *h, const struct net_addr *pool,
		 unsigned pool_prefix, unsigned prefix, struct net_addr *out, struct nerr *e)
{
	uint64_t count = 1ULL << (prefix - pool_prefix > 16 ? 16 : prefix - pool_prefix);
	char p[64], what[256];

	for (uint64_t k = 0; k < count && k < USER_CARVE_MAX; k++) {
		pool_nth(pool, prefix, k, out);
		if (!subnet_taken(ns, out, prefix) &&
		    hostnet_overlap(h, out, prefix, NULL, what, sizeof what) == 0)
			return 0;
	}
	net_addr_str(pool, p, sizeof p);
	return nerr_set(e, -EADDRNOTAVAIL,
			"the pool %s/%u has no free /%u left (other networks and the host's "
			"addresses and routes use them): an admin can widen it in delegation.conf",
			p, pool_prefix, prefix);
}

static int pick_bridge(const struct netset *ns, char *buf, size_t len, struct nerr *e)
{
	for (unsigned i = 0; i < USER_BRIDGE_MAX; i++) {
		bool used = false;

		(void)snprintf(buf, len, "ndu%u", i); /* fits: at most 7 bytes */
		for (size_t k = 0; k < ns->n && !used; k++)
			used = strcmp(ns->v[k].bridge, buf) == 0;
		if (!used && if_nametoindex(buf) == 0)
			return 0;
	}
	return nerr_set(e, -EADDRNOTAVAIL, "no free bridge name ndu0-ndu%d", USER_BRIDGE_MAX - 1);
}

/* a + off (IPv4) */
static void v4_plus(const struct net_addr *a, uint32_t off, char *buf, size_t len)
{
	struct net_addr b = *a;

	b.u.v4 = htonl(ntohl(a->u.v4) + off);
	net_addr_str(&b, buf, len);
}

struct create_plan {
	char global[NET_NAME_MAX + 1];
	char bridge[NET_IFNAME_MAX + 1];
	bool nat;
	uint64_t lease;
	struct net_addr v4, v6;
};

/* The network as XML, so that it goes through the parser and validation
 * that every network takes. */
static char *create_xml(const struct deleg_policy *pol, const struct peer *pr,
			const struct create_plan *cp)
{
	char gw[64], lo[64], hi[64], v6[64];
	uint32_t size = 1u << (32 - pol->prefix);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	v4_plus(&cp->v4, 1, gw, sizeof gw);
	v4_plus(&cp->v4, 2, lo, sizeof lo);
	v4_plus(&cp->v4, size - 2, hi, sizeof hi);
	fprintf(f,
		"<network xmlns:netd='%s'>\n  <name>%s</name>\n%s  <bridge name='%s'/>\n"
		"  <ip address='%s' prefix='%u'>\n    <dhcp>\n"
		"      <range start='%s' end='%s'><lease expiry='%llu' unit='seconds'/></range>\n"
		"    </dhcp>\n  </ip>\n",
		NETD_XML_NS, cp->global, cp->nat ? "  <forward mode='nat'/>\n" : "", cp->bridge, gw,
		pol->prefix, lo, hi, (unsigned long long)cp->lease);
	if (cp->v6.family) {
		struct net_addr a = cp->v6;

		a.u.b[15] = 1;
		net_addr_str(&a, v6, sizeof v6);
		fprintf(f, "  <ip family='ipv6' address='%s' prefix='64'/>\n", v6);
	}
	fprintf(f, "  <netd:owner uid='%u'/>\n</network>\n", (unsigned)pr->uid);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct uctx {
	struct store s;
	const struct peer *pr;
	const struct deleg_policy *pol;
	FILE *out;
	struct nerr e;
};

static int create_plan_fill(struct uctx *u, const struct ureq *q, const struct netset *ns,
			    struct create_plan *cp)
{
	const struct deleg_policy *pol = u->pol;
	_cleanup_netlink_ struct nl_sock *nl = NULL;
	_cleanup_hostnet_ struct hostnet *h = NULL;
	size_t have = 0;
	int r;

	memset(cp, 0, sizeof *cp);
	if ((r = global_name(u->pr, q->name, cp->global, sizeof cp->global, &u->e)) < 0)
		return r;
	for (size_t i = 0; i < ns->n; i++) {
		if (strcmp(ns->v[i].name, cp->global) == 0)
			return nerr_set(
				&u->e, -EEXIST,
				owned_by(&ns->v[i], u->pr->uid)
					? "you have a network '%s' already (netd user list)"
					: "network '%s': the host has a network of that name "
					  "(%s), not yours; choose another name",
				q->name, cp->global);
		have += owned_by(&ns->v[i], u->pr->uid);
	}
	if (have >= pol->max_networks)
		return nerr_set(&u->e, -EDQUOT,
				"you have %zu network%s, the most delegation.conf allows "
				"(max-networks = %u): netd user destroy one first",
				have, have == 1 ? "" : "s", pol->max_networks);
	cp->nat = q->fwd == UREQ_FWD_NAT || (q->fwd == UREQ_FWD_DEFAULT && pol->nat);
	if (cp->nat ? !pol->nat : !pol->isolated)
		return nerr_set(&u->e, -EPERM,
				"%s networks are not allowed to users here (delegation.conf: "
				"forward = %s)",
				cp->nat ? "nat" : "isolated", pol->nat ? "nat" : "isolated");
	cp->lease = pol->lease_time;
	if (q->lease[0] && (deleg_duration(q->lease, &cp->lease) < 0 || cp->lease < 120 ||
			    cp->lease > pol->max_lease_time))
		return nerr_set(&u->e, -EINVAL,
				"lease time '%s': give a duration from 2m to %llus (max-lease-time "
				"in delegation.conf), e.g. 90m or 12h",
				q->lease, (unsigned long long)pol->max_lease_time);
	if (!pol->pool.family)
		return nerr_set(&u->e, -EADDRNOTAVAIL,
				"delegation.conf gives no pool to carve your networks from (an "
				"admin sets pool = ADDRESS/PREFIX)");
	if ((r = netlink_open(&nl, &u->e)) < 0 || (r = hostnet_load(nl, &h, &u->e)) < 0 ||
	    (r = carve(ns, h, &pol->pool, pol->pool_prefix, pol->prefix, &cp->v4, &u->e)) < 0 ||
	    (pol->pool6.family &&
	     (r = carve(ns, h, &pol->pool6, pol->pool6_prefix, 64, &cp->v6, &u->e)) < 0))
		return r;
	return pick_bridge(ns, cp->bridge, sizeof cp->bridge, &u->e);
}

/* A start that failed leaves no definition behind: nothing half-done. */
static void create_undo(struct uctx *u, const char *global)
{
	struct nerr ignore;

	if (store_exists(&u->s, global)) {
		(void)store_set_autostart(&u->s, global, false, &ignore);
		(void)store_undefine(&u->s, global, &ignore);
	}
	(void)transient_forget(&u->s, global, &ignore);
	(void)record_error_clear(&u->s, global, &ignore);
}

static int op_create(struct uctx *u, const struct ureq *q, const struct netset *ns)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *xml = NULL;
	struct create_plan cp;
	char a[64];
	bool replaced;
	int r;

	if ((r = create_plan_fill(u, q, ns, &cp)) < 0)
		return r;
	if (!(xml = create_xml(u->pol, u->pr, &cp)))
		return nerr_set(&u->e, -ENOMEM, "out of memory");
	if ((r = net_parse_memory(xml, strlen(xml), "(netd user create)", &n, &u->e)) < 0 ||
	    (r = net_validate(&n, &u->e)) < 0)
		return r;
	if (q->transient) {
		if ((r = store_check_transient(&u->s, &n, &u->e)) < 0)
			return r;
		r = lc_start_net(&u->s, &n, u->out, &u->e);
	} else {
		if ((r = store_define(&u->s, &n, &replaced, &u->e)) < 0)
			return r;
		if ((r = store_set_autostart(&u->s, n.name, true, &u->e)) == 0)
			r = lc_start(&u->s, n.name, u->out, &u->e);
	}
	if (r < 0) {
		create_undo(u, cp.global);
		return r;
	}
	net_addr_str(&n.ips[0].addr, a, sizeof a);
	fprintf(u->out, "network '%s' created: bridge %s, %s/%u, %s, leases of %llus; %s\n",
		q->name, cp.bridge, a, n.ips[0].prefix, cp.nat ? "nat" : "isolated",
		(unsigned long long)cp.lease,
		q->transient ? "transient: it goes when it stops or the host reboots"
			     : "it stays, and starts at boot, until you destroy it");
	fprintf(u->out,
		"session VMs join it with: qemu ... -nic bridge,br=%s  (libvirt: <interface "
		"type='bridge'><source bridge='%s'/></interface>)\n",
		cp.bridge, cp.bridge);
	return 0;
}

/* The caller's network q->name by its store name; -ENOENT (with the
 * message) when they have none of that name. */
static int own_global(struct uctx *u, const struct ureq *q, const struct netset *ns,
		      char global[NET_NAME_MAX + 1])
{
	int r;

	if ((r = global_name(u->pr, q->name, global, NET_NAME_MAX + 1, &u->e)) < 0)
		return r;
	if (!find_own(ns, u->pr, global))
		return nerr_set(&u->e, -ENOENT, "you have no network '%s' (netd user list)",
				q->name);
	return 0;
}

static int op_destroy(struct uctx *u, const struct ureq *q, const struct netset *ns)
{
	char global[NET_NAME_MAX + 1];
	int r;

	if ((r = own_global(u, q, ns, global)) < 0)
		return r;
	r = lc_stop_guarded(&u->s, global, q->force, u->out, &u->e);
	if (r == -EBUSY)
		nerr_append(&u->e, 0, " (netd user destroy --force %s cuts them off)", q->name);
	if (r < 0 && r != -ENOTCONN)
		return r;
	if ((r = transient_forget(&u->s, global, &u->e)) < 0)
		return r;
	if (store_exists(&u->s, global) &&
	    ((r = store_set_autostart(&u->s, global, false, &u->e)) < 0 ||
	     (r = store_undefine(&u->s, global, &u->e)) < 0))
		return r;
	(void)record_error_clear(&u->s, global, &u->e);
	fprintf(u->out, "network '%s' destroyed\n", q->name);
	return 0;
}

static int op_leases(struct uctx *u, const struct ureq *q, const struct netset *ns)
{
	char global[NET_NAME_MAX + 1];
	int r;

	if ((r = own_global(u, q, ns, global)) < 0)
		return r;
	return status_leases_print(&u->s, global, q->json, u->out, &u->e);
}

/* The caller's name for one of their networks: without "USER.". */
static const char *own_name(const struct peer *pr, const char *global)
{
	size_t ul = strlen(pr->user);

	return strncmp(global, pr->user, ul) == 0 && global[ul] == '.' ? global + ul + 1 : global;
}

static int op_list(struct uctx *u, const struct ureq *q, const struct netset *ns)
{
	json_auto_t *a = q->json ? json_array() : NULL;

	if (q->json && !a)
		return nerr_set(&u->e, -ENOMEM, "out of memory");
	if (!q->json)
		fprintf(u->out, "%-17s %-9s %-8s %-20s %-9s %s\n", "NAME", "STATE", "BRIDGE",
			"SUBNET", "FORWARD", "KEPT");
	for (size_t i = 0; i < ns->n; i++) {
		const struct net *n = &ns->v[i];
		bool active = store_active(&u->s, n->name), kept = store_exists(&u->s, n->name);
		char addr[64] = "-";

		if (!owned_by(n, u->pr->uid))
			continue;
		if (n->n_ips) {
			char ip[48];

			net_addr_str(&n->ips[0].addr, ip, sizeof ip);
			(void)snprintf(addr, sizeof addr, "%s/%u", ip, n->ips[0].prefix);
		}
		if (!q->json) {
			fprintf(u->out, "%-17s %-9s %-8s %-20s %-9s %s\n", own_name(u->pr, n->name),
				active ? "active" : "inactive", n->bridge, addr,
				net_fwd_mode_str(n->fwd_mode), kept ? "yes" : "no (transient)");
			continue;
		}
		if (json_array_append_new(
			    a, json_pack("{s:s, s:s, s:b, s:b, s:s, s:s, s:s}", "name",
					 own_name(u->pr, n->name), "host_name", n->name, "active",
					 active, "persistent", kept, "bridge", n->bridge, "subnet",
					 addr, "forward", net_fwd_mode_str(n->fwd_mode))) < 0)
			return nerr_set(&u->e, -ENOMEM, "out of memory");
	}
	if (q->json)
		nd_json_print(u->out, a);
	return 0;
}

/* Every operation looks at all of netd's networks: read them once. */
static int serve_op(struct uctx *u, const struct ureq *q)
{
	struct netset ns;
	int r = netset_load(&u->s, &ns, &u->e);

	if (r < 0)
		return r;
	switch (q->op) {
	case UREQ_CREATE:
		r = op_create(u, q, &ns);
		break;
	case UREQ_DESTROY:
		r = op_destroy(u, q, &ns);
		break;
	case UREQ_LEASES:
		r = op_leases(u, q, &ns);
		break;
	case UREQ_LIST:
		r = op_list(u, q, &ns);
		break;
	}
	netset_free(&ns);
	return r;
}

static int answer(int fd, int status, const char *out, const char *err)
{
	_cleanup_free_ char *text = uresp_format(status, out, err);
	int r;

	if (!text)
		return -ENOMEM;
	r = nd_write_all(fd, text, strlen(text));
	(void)shutdown(fd, SHUT_WR);
	return r;
}

/* Authenticate, read, check, do: everything but the answer. */
static int serve(int in_fd, struct peer *pr, struct ureq *q, struct deleg_policy *pol, FILE *out,
		 struct nerr *e)
{
	char buf[UREQ_MAX + 1];
	struct uctx u = { .pr = pr, .pol = pol, .out = out };
	size_t len = 0;
	int r;

	if ((r = peer_get(in_fd, pr, e)) < 0)
		return r;
	if ((r = read_bounded(in_fd, buf, UREQ_MAX, &len, USER_READ_TIMEOUT_MS, e)) < 0)
		return nerr_wrap(e, r, "request");
	if ((r = ureq_parse(buf, len, q, e)) < 0)
		return r;
	if (pr->uid == 0)
		return nerr_set(e, -EPERM,
				"root defines networks with netd define; netd user is for "
				"unprivileged users");
	if ((r = store_open(&u.s, true, e)) < 0)
		return r;
	if ((r = deleg_load(&u.s.p, pol, e)) < 0) {
		store_close(&u.s);
		return r;
	}
	if (!deleg_covers(pol, pr->user, pr->gids, pr->n_gids)) {
		store_close(&u.s);
		return nerr_set(e, -EPERM,
				"user %s may not have networks of their own on this host (an admin "
				"adds them to users or groups in %s)",
				pr->user, u.s.p.deleg_conf);
	}
	r = serve_op(&u, q);
	if (r < 0)
		*e = u.e;
	store_close(&u.s);
	return r;
}

int user_serve(int in_fd, int out_fd, FILE *log)
{
	struct peer pr = { .uid = (uid_t)-1 };
	struct deleg_policy pol;
	struct ureq q = { .op = UREQ_LIST };
	struct nerr e = { { 0 } };
	_cleanup_free_ char *out = NULL;
	char err[sizeof e.msg + 64];
	size_t olen = 0;
	FILE *o;
	int r, status;

	/* A client gone before the answer is no reason to die half-way. */
	signal(SIGPIPE, SIG_IGN);
	if (!(o = open_memstream(&out, &olen)))
		return 1;
	r = serve(in_fd, &pr, &q, &pol, o, &e);
	if (fclose(o) != 0)
		return 1;
	status = r < 0 ? 1 : 0;
	err[0] = '\0';
	if (r < 0)
		(void)snprintf(err, sizeof err, "netd user: %s\n", e.msg); /* may be truncated */
	if (pr.uid == (uid_t)-1)
		fprintf(log, "netd serve-user: refused: %s\n", e.msg);
	else
		fprintf(log, "netd serve-user: uid %u (%s) pid %d: %s%s%s: %s%s\n",
			(unsigned)pr.uid, pr.user[0] ? pr.user : "?", (int)pr.pid,
			ureq_op_str(q.op), q.name[0] ? " " : "", q.name, r < 0 ? "refused: " : "ok",
			r < 0 ? e.msg : "");
	if (answer(out_fd, status, out ? out : "", err) < 0)
		return 1;
	/* A refusal the caller got is the service doing its job: only a run
	 * that had no caller (not on a socket) fails its unit, so that
	 * refused requests do not pile up as failed netd-user@ instances. */
	return pr.uid == (uid_t)-1 ? 1 : 0;
}

int user_client(const struct nd_paths *p, const struct ureq *q)
{
	/* the answer: up to 1 MiB, once per run */
	static char resp[URESP_MAX + 1];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_free_ char *req = ureq_format(q);
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *err = NULL;
	_cleanup_close_ int fd = -1;
	struct nerr e = { { 0 } };
	size_t len = 0;
	int status;

	signal(SIGPIPE, SIG_IGN);
	if (!req) {
		fprintf(stderr, "netd user: out of memory\n");
		return 1;
	}
	if (nd_strlcpy(sa.sun_path, p->user_sock, sizeof sa.sun_path) >= sizeof sa.sun_path) {
		fprintf(stderr, "netd user: socket path %s is too long\n", p->user_sock);
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr,
			"netd user: the delegation service is not there: %s: %s (an admin turns it "
			"on: systemctl enable --now netd-user.socket)\n",
			p->user_sock, strerror(errno));
		return 1;
	}
	if (nd_write_all(fd, req, strlen(req)) < 0 || shutdown(fd, SHUT_WR) < 0) {
		fprintf(stderr, "netd user: send the request to %s: %s\n", p->user_sock,
			strerror(errno));
		return 1;
	}
	if (read_bounded(fd, resp, URESP_MAX, &len, CLIENT_TIMEOUT_MS, &e) < 0 ||
	    uresp_parse(resp, len, &status, &out, &err, &e) < 0) {
		fprintf(stderr, "netd user: the delegation service's answer: %s\n", e.msg);
		return 1;
	}
	fputs(out, stdout);
	fputs(err, stderr);
	return status;
}
