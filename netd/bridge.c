/* The network's bridge over rtnetlink.
 *
 * libnl-route 3.7 has no setters for the bridge's own options (IFLA_BR_*):
 * its "bridge" link type only knows port attributes. So the two messages
 * that carry IFLA_INFO_DATA (create, and STP / forward delay changes) are
 * built with libnl's message API; links are changed with rtnl_link and
 * addresses added with rtnl_addr.
 *
 * Requests after the create go out as one pipelined batch (netlink.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>

#include "bridge.h"
#include "fw.h"
#include "hostnet.h"
#include "netlink.h"
#include "step.h"

#define BR_USER_HZ     100 /* IFLA_BR_FORWARD_DELAY is in clock_t */
#define BR_MIN_DELAY   2   /* seconds: the kernel's range while STP runs */
#define BR_MAX_DELAY   30
#define BR_DEFAULT_MTU 1500 /* ETH_DATA_LEN: a new bridge's */

/* The parts of a link that we compare with the model. */
struct br_link {
	struct netlink_link link;
	bool has_opts;	/* the kernel reported bridge options */
	unsigned stp;	/* IFLA_BR_STP_STATE: 0 off, 1 kernel, 2 user space */
	unsigned delay; /* IFLA_BR_FORWARD_DELAY, centiseconds */
};

static const struct nla_policy br_pol[IFLA_BR_MAX + 1] = {
	[IFLA_BR_FORWARD_DELAY] = { .type = NLA_U32 },
	[IFLA_BR_STP_STATE] = { .type = NLA_U32 },
};

static void parse_br_opts(const struct netlink_link *nl, struct nlattr *data, void *arg)
{
	struct nlattr *bd[IFLA_BR_MAX + 1];
	struct br_link *l = arg;

	if (strcmp(nl->kind, "bridge") != 0 || nla_parse_nested(bd, IFLA_BR_MAX, data, br_pol) < 0)
		return;
	if (!bd[IFLA_BR_FORWARD_DELAY] || !bd[IFLA_BR_STP_STATE])
		return;
	l->has_opts = true;
	l->delay = nla_get_u32(bd[IFLA_BR_FORWARD_DELAY]);
	l->stp = nla_get_u32(bd[IFLA_BR_STP_STATE]);
}

/* ---- messages ------------------------------------------------------- */

enum {
	OPT_MAC = 1,
	OPT_DELAY = 2,
	OPT_STP = 4,
	OPT_GROUP = 8,
};

unsigned bridge_want_delay(const struct net *n)
{
	unsigned s = n->delay;

	if (n->stp != NET_NO) {
		if (s < BR_MIN_DELAY)
			s = BR_MIN_DELAY;
		if (s > BR_MAX_DELAY)
			s = BR_MAX_DELAY;
	}
	return s * BR_USER_HZ;
}

/* RTM_NEWLINK for a bridge, with its options in IFLA_INFO_DATA. The kind
 * makes the kernel refuse (EOPNOTSUPP) to apply them to a non-bridge. */
static struct nl_msg *msg_bridge(const struct net *n, int ifindex, int nlflags, int opts)
{
	_cleanup_nlmsg_ struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, nlflags);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nlattr *info, *data;

	if (!m || nlmsg_append(m, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0)
		return NULL;
	if (!ifindex && nla_put_string(m, IFLA_IFNAME, n->bridge) < 0)
		return NULL;
	if ((opts & OPT_MAC) && n->has_mac && nla_put(m, IFLA_ADDRESS, 6, n->mac) < 0)
		return NULL;
	if ((opts & OPT_GROUP) && nla_put_u32(m, IFLA_GROUP, fw_net_devgroup(n)) < 0)
		return NULL;
	if (!(info = nla_nest_start(m, IFLA_LINKINFO)) ||
	    nla_put_string(m, IFLA_INFO_KIND, "bridge") < 0 ||
	    !(data = nla_nest_start(m, IFLA_INFO_DATA)))
		return NULL;
	/* br_changelink() applies the delay before STP: with STP still off
	 * any delay is accepted, and starting STP clamps it to 2..30 s. */
	if ((opts & OPT_DELAY) && nla_put_u32(m, IFLA_BR_FORWARD_DELAY, bridge_want_delay(n)) < 0)
		return NULL;
	if ((opts & OPT_STP) && nla_put_u32(m, IFLA_BR_STP_STATE, n->stp != NET_NO) < 0)
		return NULL;
	nla_nest_end(m, data);
	nla_nest_end(m, info);
	return TAKE_PTR(m);
}

/* A change of MTU, MAC or up through rtnl_link. */
static struct nl_msg *msg_change(int ifindex, unsigned mtu, const uint8_t *mac, bool up)
{
	_cleanup_rtlink_ struct rtnl_link *orig = rtnl_link_alloc();
	_cleanup_rtlink_ struct rtnl_link *chg = rtnl_link_alloc();
	struct nl_msg *m = NULL;

	if (!orig || !chg)
		return NULL;
	rtnl_link_set_ifindex(orig, ifindex);
	if (mtu)
		rtnl_link_set_mtu(chg, mtu);
	if (mac) {
		_cleanup_nladdr_ struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);

		if (!a)
			return NULL;
		rtnl_link_set_addr(chg, a);
	}
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	if (rtnl_link_build_change_request(orig, chg, 0, &m) < 0)
		return NULL;
	return m;
}

/* ip on ifindex as libnl's address object (caller frees), or NULL. */
static struct rtnl_addr *addr_obj(int ifindex, const struct net_ip *ip)
{
	_cleanup_rtaddr_ struct rtnl_addr *a = rtnl_addr_alloc();
	_cleanup_nladdr_ struct nl_addr *local = NULL;
	int fam = ip->addr.family;

	if (!a || !(local = nl_addr_build(fam, ip->addr.u.b, net_addr_len(fam))))
		return NULL;
	nl_addr_set_prefixlen(local, (int)ip->prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, fam);
	if (rtnl_addr_set_local(a, local) < 0)
		return NULL;
	rtnl_addr_set_prefixlen(a, (int)ip->prefix);
	return TAKE_PTR(a);
}

static struct nl_msg *msg_addr(int ifindex, const struct net_ip *ip, int nlflags)
{
	_cleanup_rtaddr_ struct rtnl_addr *a = addr_obj(ifindex, ip);
	_cleanup_nladdr_ struct nl_addr *bcast = NULL;
	int fam = ip->addr.family;
	struct nl_msg *m = NULL;

	if (!a)
		return NULL;
	if (fam == AF_INET && ip->prefix <= 30) {
		uint32_t mask = htonl(ip->prefix ? ~0u << (32 - ip->prefix) : 0);
		uint32_t b = ip->addr.u.v4 | ~mask;

		bcast = nl_addr_build(AF_INET, &b, 4);
		if (!bcast || rtnl_addr_set_broadcast(a, bcast) < 0)
			return NULL;
	}
	/* The bridge has no carrier until a port joins, so DAD would leave
	 * the address tentative, and dnsmasq could not bind to it, for as
	 * long as no guest runs. The address is ours by definition. */
	if (fam == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	if (rtnl_addr_build_add_request(a, nlflags, &m) < 0)
		return NULL;
	return m;
}

#define IP_STR_MAX 64 /* INET6_ADDRSTRLEN, '/', digits */

static void ip_str(const struct net_ip *ip, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (net_addr_str(&ip->addr, a, sizeof a) < 0)
		nd_strlcpy(a, "?", sizeof a);
	(void)snprintf(buf, len, "%s/%u", a, ip->prefix); /* may be truncated */
}

/* ---- the link ------------------------------------------------------- */

/* -ENODEV, without a message, when there is no such interface. */
static int link_get(struct nl_sock *sk, const char *name, struct br_link *l, struct nerr *e)
{
	struct netlink_reply rp = { 0 };
	int r;

	memset(l, 0, sizeof *l);
	r = netlink_link_get(sk, name, &l->link, parse_br_opts, l, &rp);
	if (r == -ENODEV)
		return r;
	if (r < 0)
		return netlink_fail(e, r, &rp, "bridge %s: read link", name);
	return 0;
}

static bool link_is_bridge(const struct br_link *l)
{
	return strcmp(l->link.kind, "bridge") == 0;
}

static int link_del(struct nl_sock *sk, int ifindex, const char *name, struct nerr *e)
{
	_cleanup_rtlink_ struct rtnl_link *l = rtnl_link_alloc();
	_cleanup_nlmsg_ struct nl_msg *m = NULL;
	struct netlink_reply rp = { 0 };
	int r;

	if (!l)
		return nerr_set(e, -ENOMEM, "bridge %s: delete: out of memory", name);
	if (ifindex)
		rtnl_link_set_ifindex(l, ifindex);
	else
		rtnl_link_set_name(l, name);
	r = rtnl_link_build_delete_request(l, &m);
	if (r < 0)
		return nerr_set(e, netlink_errno(r), "bridge %s: delete: %s", name, nl_geterror(r));
	r = netlink_request(sk, m, &rp);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return netlink_fail(e, r, &rp, "bridge %s: delete", name);
	return 0;
}

/* Per-bridge IPv6 settings, as libvirt makes them: IPv6 off unless the
 * network has IPv6 addresses; never accept router advertisements or
 * autoconfigure from what guests send. /proc/sys/net follows the caller's
 * network namespace. */
static int sysctl_set(const char *br, const char *key, const char *val, bool *missing,
		      struct nerr *e)
{
	char path[128];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(val);
	ssize_t w;

	if (nd_snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/%s", br, key) < 0)
		return nerr_set(e, -ENAMETOOLONG, "bridge %s: %s: name too long", br, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && missing) {
		*missing = true;
		return 0;
	}
	if (fd < 0)
		return nerr_set(e, -errno, "bridge %s: open %s: %s", br, path, strerror(errno));
	w = write(fd, val, len);
	if (w != (ssize_t)len) {
		int r = w < 0 ? -errno : -EIO;

		return nerr_set(e, r, "bridge %s: write %s to %s: %s", br, val, path, strerror(-r));
	}
	return 0;
}

static int set_ipv6_sysctls(const struct net *n, struct nerr *e)
{
	bool v6 = net_has_family(n, AF_INET6) || n->ipv6_link == NET_YES, missing = false;
	int r;

	/* Without IPv6 on the host there is nothing to turn off. */
	r = sysctl_set(n->bridge, "disable_ipv6", v6 ? "0" : "1", v6 ? NULL : &missing, e);
	if (r < 0 || missing)
		return r;
	r = sysctl_set(n->bridge, "accept_ra", "0", NULL, e);
	if (r == 0)
		r = sysctl_set(n->bridge, "autoconf", "0", NULL, e);
	return r;
}

/* Bring bridge 'l' to the model for what 'd' says is wrong. 'addr_flags'
 * is NLM_F_EXCL on a new bridge (a duplicate is a bug worth hearing about),
 * NLM_F_REPLACE on repair (idempotent). */
static int fix(struct nl_sock *sk, const struct net *n, const struct br_link *bl,
	       const struct bridge_drift *d, int addr_flags, struct nerr *e)
{
	const struct netlink_link *l = &bl->link;
	char obj[IF_NAMESIZE + 8];
	struct netlink_batch b = { .sk = sk, .obj = obj, .e = e };
	char what[sizeof b.what[0]];

	(void)snprintf(obj, sizeof obj, "bridge %s", n->bridge); /* a valid ifname: fits */

	/* STP first: turning it off lifts the 2..30 s limit on the delay,
	 * turning it on clamps the delay into the range we then set. */
	if (d->stp)
		netlink_batch_add(&b, msg_bridge(n, l->ifindex, 0, OPT_STP), "set stp");
	if (d->delay)
		netlink_batch_add(&b, msg_bridge(n, l->ifindex, 0, OPT_DELAY), "set forward delay");
	if (d->mac)
		netlink_batch_add(&b, msg_change(l->ifindex, 0, n->mac, false), "set mac");
	if (d->group)
		netlink_batch_add(&b, msg_bridge(n, l->ifindex, 0, OPT_GROUP),
				  "set interface group");
	if (d->mtu) {
		/* Only an MTU the kernel sees change is pinned (the bridge
		 * then stops following its ports'): step off it and back. */
		if (l->mtu == n->mtu)
			netlink_batch_add(
				&b,
				msg_change(l->ifindex, n->mtu > 68 ? n->mtu - 1 : 69, NULL, false),
				"pin mtu");
		(void)snprintf(what, sizeof what, "set mtu %u", n->mtu); /* may be truncated */
		netlink_batch_add(&b, msg_change(l->ifindex, n->mtu, NULL, false), what);
	}
	for (size_t i = 0; i < d->n_missing_ips; i++) {
		const struct net_ip *ip = &n->ips[d->missing_ips[i]];
		char a[IP_STR_MAX];

		ip_str(ip, a, sizeof a);
		(void)snprintf(what, sizeof what, "add address %s", a); /* may be truncated */
		netlink_batch_add(&b, msg_addr(l->ifindex, ip, addr_flags), what);
	}
	if (d->down)
		netlink_batch_add(&b, msg_change(l->ifindex, 0, NULL, true), "set up");
	return netlink_batch_finish(&b);
}

static int all_ips(const struct net *n, struct bridge_drift *d, struct nerr *e)
{
	if (!n->n_ips)
		return 0;
	d->missing_ips = calloc(n->n_ips, sizeof *d->missing_ips);
	if (!d->missing_ips)
		return nerr_set(e, -ENOMEM, "bridge %s: out of memory", n->bridge);
	for (size_t i = 0; i < n->n_ips; i++)
		d->missing_ips[i] = i;
	d->n_missing_ips = n->n_ips;
	return 0;
}

int bridge_create(struct nl_sock *sk, const struct net *n, int *ifindex, struct nerr *e)
{
	_cleanup_nlmsg_ struct nl_msg *m = NULL;
	_cleanup_bridge_drift_ struct bridge_drift d = { .mtu = n->mtu != 0, .down = true };
	struct netlink_reply rp = { 0 };
	struct br_link l;
	int r;

	if (!net_ifname_ok(n->bridge))
		return nerr_set(e, -EINVAL, "network %s: bad bridge name '%s'", n->name, n->bridge);
	m = msg_bridge(n, 0, NLM_F_CREATE | NLM_F_EXCL, OPT_MAC | OPT_DELAY | OPT_STP | OPT_GROUP);
	if (!m)
		return nerr_set(e, -ENOMEM, "bridge %s: create: out of memory", n->bridge);
	r = netlink_request(sk, m, &rp);
	if (r == -EEXIST)
		return nerr_set(e, r, "bridge %s: create: an interface of that name exists",
				n->bridge);
	if (r < 0)
		return netlink_fail(e, r, &rp, "bridge %s: create", n->bridge);

	r = link_get(sk, n->bridge, &l, e);
	if (r == -ENODEV)
		return nerr_set(e, r, "bridge %s: gone right after create", n->bridge);
	if (r == 0)
		r = set_ipv6_sysctls(n, e);
	if (r == 0)
		r = all_ips(n, &d, e);
	if (r == 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
		r = fix(sk, n, &l, &d, NLM_F_EXCL, e);
	if (r < 0) {
		struct nerr ignored;

		/* By index when we know it: the name could be reused. */
		(void)link_del(sk, l.link.ifindex, n->bridge, &ignored);
		return r;
	}
	if (ifindex)
		*ifindex = l.link.ifindex;
	return 0;
}

/* ---- deleting without waiting for the kernel's release ------------------
 *
 * RTM_DELLINK unlists the device within a few ms, announces it gone
 * (RTM_DELLINK to RTNLGRP_LINK), and then, still inside the sender's
 * sendmsg(), waits for RCU to release it (rcu_barrier() and the device's
 * last references in netdev_run_todo()): measured here, "Deleted" at 18-25
 * ms of an `ip link del` that returns at 43-52. From the announcement on,
 * the name and index are free and nothing can reach the device, so netd
 * takes that as done: a grandchild sends the delete and waits out the
 * release (reparented, it needs no reaping), netd goes on when the
 * announcement comes, or returns the grandchild's error. */

#define DEL_DEADLINE_MS 10000

/* In the grandchild: send RTM_DELLINK for ifindex, report the errno (0
 * when done) on fd 'w'. */
static _Noreturn void del_child(int ifindex, int w)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = { .nlmsg_len = sizeof req,
			.nlmsg_type = RTM_DELLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = 1 },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
	};
	union {
		struct nlmsghdr nh;
		char b[4096];
	} ans;
	int fd, err = EIO;
	ssize_t got;

	(void)prctl(PR_SET_NAME, "netd-release");
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || send(fd, &req, sizeof req, 0) < 0) {
		err = errno;
	} else {
		do
			got = recv(fd, ans.b, sizeof ans.b, 0);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			err = errno;
		else if (NLMSG_OK(&ans.nh, (size_t)got) && ans.nh.nlmsg_type == NLMSG_ERROR &&
			 ans.nh.nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			err = -((const struct nlmsgerr *)NLMSG_DATA(&ans.nh))->error;
	}
	(void)nd_write_all(w, &err, sizeof err);
	_exit(0);
}

/* Whether one of the messages in buf announces ifindex deleted. */
static bool del_announced(const char *buf, size_t len, int ifindex)
{
	for (const struct nlmsghdr *nh = (const void *)buf; NLMSG_OK(nh, len);
	     nh = NLMSG_NEXT(nh, len)) {
		const struct ifinfomsg *ifi = NLMSG_DATA(nh);

		/* AF_BRIDGE ones are about ports leaving the bridge */
		if (nh->nlmsg_type == RTM_DELLINK && nh->nlmsg_len >= NLMSG_LENGTH(sizeof *ifi) &&
		    ifi->ifi_family == AF_UNSPEC && ifi->ifi_index == ifindex)
			return true;
	}
	return false;
}

/* Fork the grandchild; *rd gets the read end of its report. */
static int del_spawn(int ifindex, int *rd)
{
	int fds[2], status;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid == 0) {
		/* the child: keep only the report's pipe (not stdout: a caller
		 * reading netd's output gets its end at once), hand over to a
		 * grandchild, go */
		if (fds[1] != 3 && dup2(fds[1], 3) < 0)
			_exit(1);
		(void)close_range(0, 2, 0);
		(void)close_range(4, ~0U, 0);
		if (fork() == 0)
			del_child(ifindex, 3);
		_exit(0);
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*rd = fds[0];
	return 0;
}

/* Delete ifindex; 1 when it could not be done this way (no socket, no
 * process, no report from it): then the caller deletes as usual. */
static int link_del_early(int ifindex, const char *name, struct nerr *e)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	_cleanup_close_ int mon = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	_cleanup_close_ int rd = -1;
	int64_t deadline = nd_now_ms() + DEL_DEADLINE_MS;
	union {
		struct nlmsghdr nh;
		char b[16384];
	} buf;

	/* subscribed before the delete is sent: the announcement cannot be
	 * missed */
	if (mon < 0 || bind(mon, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    del_spawn(ifindex, &rd) < 0)
		return 1;
	for (;;) {
		struct pollfd p[2] = { { .fd = mon, .events = POLLIN },
				       { .fd = rd, .events = POLLIN } };
		int64_t left = deadline - nd_now_ms();
		ssize_t got;
		int err;

		if (left <= 0)
			return nerr_set(e, -ETIMEDOUT, "bridge %s: delete: no answer within %d s",
					name, DEL_DEADLINE_MS / 1000);
		if (poll(p, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return nerr_set(e, -errno, "bridge %s: delete: poll: %s", name,
					strerror(errno));
		}
		if (p[0].revents) {
			got = recv(mon, buf.b, sizeof buf.b, MSG_DONTWAIT);
			if (got > 0 && del_announced(buf.b, (size_t)got, ifindex))
				return 0;
			/* ENOBUFS: announcements were lost; the report still comes */
		}
		if (p[1].revents) {
			got = read(rd, &err, sizeof err);
			if (got < 0 && errno == EINTR)
				continue;
			/* no report: the grandchild was not made or died; delete
			 * as usual (ENODEV if it got that far) */
			if (got != (ssize_t)sizeof err)
				return 1;
			if (err == 0 || err == ENODEV)
				return 0;
			return nerr_set(e, -err, "bridge %s: delete: %s", name, strerror(err));
		}
	}
}

int bridge_delete(struct nl_sock *sk, const char *name, struct nerr *e)
{
	struct br_link l;
	int r;

	if (!net_ifname_ok(name))
		return nerr_set(e, -EINVAL, "bridge '%s': delete: bad interface name", name);
	r = link_get(sk, name, &l, e);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	if (!link_is_bridge(&l))
		return nerr_set(
			e, -EMEDIUMTYPE,
			"bridge %s: delete: the interface is %s%s, not a bridge; left alone", name,
			l.link.kind[0] ? "a " : "a device", l.link.kind);
	r = link_del_early(l.link.ifindex, name, e);
	if (r <= 0)
		return r;
	return link_del(sk, l.link.ifindex, name, e);
}

static int check_ips(struct nl_sock *sk, const struct net *n, int ifindex, struct bridge_drift *d,
		     struct nerr *e)
{
	_cleanup_nlcache_ struct nl_cache *c = NULL;
	_cleanup_free_ bool *found = NULL;
	int r;

	if (!n->n_ips)
		return 0;
	r = rtnl_addr_alloc_cache(sk, &c);
	if (r < 0)
		return nerr_set(e, netlink_errno(r), "bridge %s: read addresses: %s", n->bridge,
				nl_geterror(r));
	found = calloc(n->n_ips, sizeof *found);
	d->missing_ips = calloc(n->n_ips, sizeof *d->missing_ips);
	if (!found || !d->missing_ips)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
		return nerr_set(e, -ENOMEM, "bridge %s: out of memory", n->bridge);
	for (struct nl_object *o = nl_cache_get_first(c); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != ifindex || !local)
			continue;
		for (size_t i = 0; i < n->n_ips; i++) {
			const struct net_ip *ip = &n->ips[i];
			size_t len = net_addr_len(ip->addr.family);

			if (rtnl_addr_get_family(a) == ip->addr.family &&
			    rtnl_addr_get_prefixlen(a) == (int)ip->prefix &&
			    nl_addr_get_len(local) == len &&
			    memcmp(nl_addr_get_binary_addr(local), ip->addr.u.b, len) == 0)
				found[i] = true;
		}
	}
	for (size_t i = 0; i < n->n_ips; i++)
		if (!found[i])
			d->missing_ips[d->n_missing_ips++] = i;
	return 0;
}

static int check(struct nl_sock *sk, const struct net *n, struct bridge_drift *d, struct nerr *e)
{
	const struct netlink_link *l;
	struct br_link bl;
	int r = link_get(sk, n->bridge, &bl, e);

	if (r == -ENODEV) {
		d->missing = true;
		return 0;
	}
	if (r < 0)
		return r;
	l = &bl.link;
	if (!link_is_bridge(&bl)) {
		d->foreign = true;
		nd_strlcpy(d->kind, l->kind, sizeof d->kind);
		return 0;
	}
	d->ifindex = l->ifindex;
	d->down = !(l->flags & IFF_UP);
	d->mtu = n->mtu && l->mtu != n->mtu;
	d->have_mtu = l->mtu;
	d->mac = n->has_mac && l->has_mac && memcmp(l->mac, n->mac, 6) != 0;
	d->group = l->group != fw_net_devgroup(n);
	d->have_group = l->group;
	memcpy(d->have_mac, l->mac, 6);
	if (bl.has_opts) {
		d->stp = (bl.stp != 0) != (n->stp != NET_NO);
		d->delay = bl.delay != bridge_want_delay(n);
		d->have_delay = bl.delay;
	}
	return check_ips(sk, n, l->ifindex, d, e);
}

int bridge_check(struct nl_sock *sk, const struct net *n, struct bridge_drift *d, struct nerr *e)
{
	int r;

	memset(d, 0, sizeof *d);
	r = check(sk, n, d, e);
	if (r < 0)
		bridge_drift_free(d);
	return r;
}

int bridge_repair(struct nl_sock *sk, const struct net *n, const struct bridge_drift *d,
		  int *ifindex, struct nerr *e)
{
	struct br_link l;
	int r;

	if (!bridge_drift_any(d))
		return 0;
	if (d->foreign)
		return nerr_set(e, -EEXIST, "bridge %s: the interface is %s%s, not a bridge",
				n->bridge, d->kind[0] ? "a " : "a device", d->kind);
	if (d->missing)
		return bridge_create(sk, n, ifindex, e);
	/* The drift was found earlier: act on the link as it is now. */
	r = link_get(sk, n->bridge, &l, e);
	if (r == -ENODEV)
		return bridge_create(sk, n, ifindex, e);
	if (r < 0)
		return r;
	if (!link_is_bridge(&l))
		return nerr_set(e, -EEXIST, "bridge %s: the interface is not a bridge", n->bridge);
	if (ifindex)
		*ifindex = l.link.ifindex;
	return fix(sk, n, &l, d, NLM_F_REPLACE, e);
}

bool bridge_drift_any(const struct bridge_drift *d)
{
	return d->missing || d->foreign || d->down || d->mtu || d->mac || d->stp || d->delay ||
	       d->group || d->n_missing_ips;
}

int bridge_drift_str(const struct net *n, const struct bridge_drift *d, char *buf, size_t len)
{
	struct sbuf s = { 0 };
	_cleanup_free_ char *out = NULL;
	const char *sep = "";

#define ITEM(...)                                                                                  \
	do {                                                                                       \
		sbuf_puts(&s, sep);                                                                \
		sbuf_printf(&s, __VA_ARGS__);                                                      \
		sep = "; ";                                                                        \
	} while (0)
	if (d->missing)
		ITEM("missing");
	if (d->foreign)
		ITEM("not a bridge (%s)", d->kind[0] ? d->kind : "device");
	if (d->down)
		ITEM("down");
	if (d->mtu)
		ITEM("mtu %u (want %u)", d->have_mtu, n->mtu);
	if (d->mac) {
		char m[18], w[18];

		net_mac_str(d->have_mac, m);
		net_mac_str(n->mac, w);
		ITEM("mac %s (want %s)", m, w);
	}
	if (d->group)
		ITEM("interface group 0x%x (want 0x%x)", d->have_group, fw_net_devgroup(n));
	if (d->stp)
		ITEM("stp %s (want %s)", n->stp != NET_NO ? "off" : "on",
		     n->stp != NET_NO ? "on" : "off");
	if (d->delay)
		ITEM("forward delay %u.%02us (want %u.%02us)", d->have_delay / BR_USER_HZ,
		     d->have_delay % BR_USER_HZ, bridge_want_delay(n) / BR_USER_HZ,
		     bridge_want_delay(n) % BR_USER_HZ);
	for (size_t i = 0; i < d->n_missing_ips; i++) {
		char a[IP_STR_MAX];

		ip_str(&n->ips[d->missing_ips[i]], a, sizeof a);
		if (i == 0)
			ITEM("missing address %s", a);
		else
			sbuf_printf(&s, ", %s", a);
	}
#undef ITEM
	out = sbuf_finish(&s);
	if (!out)
		return -ENOMEM;
	if (nd_strlcpy(buf, out, len) >= len)
		return -ENAMETOOLONG;
	return 0;
}

void bridge_drift_free(struct bridge_drift *d)
{
	free(d->missing_ips);
	d->missing_ips = NULL;
	d->n_missing_ips = 0;
}

/* ---- ports ---------------------------------------------------------- */

#define BR_DUMP_TRIES 3 /* a dump interrupted by a change is read again */
#define BR_PORTS_MAX  4096

struct br_ports {
	int master;
	struct bridge_port *p;
	size_t n;
	int err;
};

static int on_port(struct nl_msg *msg, void *arg)
{
	struct br_ports *bp = arg;
	struct netlink_link l;
	struct bridge_port *p;

	if (netlink_link_parse(msg, &l, NULL, NULL) < 0 || l.master != bp->master ||
	    l.ifindex == bp->master)
		return NL_OK;
	p = nd_array_push(&bp->p, &bp->n, sizeof *p, BR_PORTS_MAX);
	if (!p) {
		bp->err = -ENOMEM;
		return NL_OK;
	}
	p->ifindex = l.ifindex;
	nd_strlcpy(p->name, l.name[0] ? l.name : "?", sizeof p->name);
	nd_strlcpy(p->kind, l.kind, sizeof p->kind);
	return NL_OK;
}

int bridge_ports(struct nl_sock *sk, const char *name, struct bridge_port **ports, size_t *n,
		 struct nerr *e)
{
	struct br_ports bp = { 0 };
	struct netlink_reply rp = { .on_msg = on_port, .arg = &bp };
	struct br_link l;
	int r;

	*ports = NULL;
	*n = 0;
	r = link_get(sk, name, &l, e);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r;
	bp.master = l.link.ifindex;
	for (int t = 0; t < BR_DUMP_TRIES; t++) {
		bp.n = 0;
		bp.err = 0;
		r = netlink_dump(sk, RTM_GETLINK, &rp);
		if (r != -EAGAIN)
			break;
	}
	if (r == 0 && bp.err)
		r = nerr_set(e, bp.err, "bridge %s: list ports: %s", name, strerror(-bp.err));
	else if (r < 0)
		r = netlink_fail(e, r, &rp, "bridge %s: list ports", name);
	if (r < 0) {
		free(bp.p);
		return r;
	}
	*ports = bp.p;
	*n = bp.n;
	return 0;
}

/* ---- the bridge step -------------------------------------------------- */

static int br_step_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	struct nl_sock *sk;
	int r;

	(void)st;
	if ((r = step_nl(c, &sk, e)) < 0)
		return nerr_wrap(e, r, "bridge %s", c->n->bridge);
	return bridge_create(sk, c->n, &c->ifindex, e);
}

/* An interface of the bridge's name that is not a bridge is not netd's: it
 * is left alone, and said so, and stop goes on. */
static int br_step_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	struct nl_sock *sk;
	int r;

	(void)st;
	if ((r = step_nl(c, &sk, e)) < 0)
		return nerr_wrap(e, r, "bridge %s", c->n->bridge);
	r = bridge_delete(sk, c->n->bridge, e);
	if (r == -EMEDIUMTYPE) {
		if (c->out)
			fprintf(c->out, "network '%s': %s\n", c->n->name, e->msg);
		e->msg[0] = '\0';
		return 0;
	}
	if (r == 0)
		c->ifindex = 0;
	return r;
}

/* start refused a subnet that overlaps the host's addresses or routes; one
 * that appears later (a VPN coming up) breaks routing to the guests and
 * makes the next start (at boot) fail, so status must say so. It is not
 * netd's to remove: a finding apply cannot repair. The network's own
 * bridge, and what goes through it, do not count. */
static int br_step_check_overlap(struct step_ctx *c, struct nl_sock *sk, struct drift *d,
				 struct nerr *e)
{
	_cleanup_hostnet_ struct hostnet *h = NULL;
	const struct net *n = c->n;
	char what[160], a[INET6_ADDRSTRLEN];
	struct net_addr sub;
	int r;

	if ((r = hostnet_load(sk, &h, e)) < 0)
		return nerr_wrap(e, r, "bridge %s: overlap check", n->bridge);
	for (size_t i = 0; i < n->n_ips; i++) {
		const struct net_ip *ip = &n->ips[i];

		if (!hostnet_overlap(h, &ip->addr, ip->prefix, n->bridge, what, sizeof what))
			continue;
		net_addr_mask(&ip->addr, ip->prefix, &sub);
		if (net_addr_str(&sub, a, sizeof a) < 0)
			nd_strlcpy(a, "?", sizeof a);
		drift_add_norepair(d,
				   "bridge %s: subnet %s/%u overlaps %s (added after start; the "
				   "next start will fail)",
				   n->bridge, a, ip->prefix, what);
	}
	return 0;
}

static int br_step_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct bridge_drift *bd = st;
	char what[sizeof d->what[0]];
	struct nl_sock *sk;
	int r;

	bridge_drift_free(bd); /* what an earlier check of this command found */
	if ((r = step_nl(c, &sk, e)) < 0)
		return nerr_wrap(e, r, "bridge %s", c->n->bridge);
	if ((r = bridge_check(sk, c->n, bd, e)) < 0)
		return r;
	c->ifindex = bd->ifindex;
	if (bridge_drift_any(bd)) {
		(void)bridge_drift_str(c->n, bd, what, sizeof what); /* may be truncated */
		drift_add(d, "bridge %s: %s", c->n->bridge, what);
	}
	return br_step_check_overlap(c, sk, d, e);
}

static int br_step_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	struct nl_sock *sk;
	int r;

	if ((r = step_nl(c, &sk, e)) < 0)
		return nerr_wrap(e, r, "bridge %s", c->n->bridge);
	return bridge_repair(sk, c->n, st, &c->ifindex, e);
}

static bool has_ip(const struct net *n, const struct net_ip *ip)
{
	for (size_t i = 0; i < n->n_ips; i++)
		if (n->ips[i].addr.family == ip->addr.family && n->ips[i].prefix == ip->prefix &&
		    memcmp(n->ips[i].addr.u.b, ip->addr.u.b, net_addr_len(ip->addr.family)) == 0)
			return true;
	return false;
}

static struct nl_msg *msg_addr_del(int ifindex, const struct net_ip *ip)
{
	_cleanup_rtaddr_ struct rtnl_addr *a = addr_obj(ifindex, ip);
	struct nl_msg *m = NULL;

	if (!a || rtnl_addr_build_delete_request(a, 0, &m) < 0)
		return NULL;
	return m;
}

/* old's addresses that n does not have; one already gone is fine. */
static int remove_old_ips(struct step_ctx *c, struct nl_sock *sk, int ifindex,
			  const struct net *old, struct nerr *e)
{
	for (size_t i = 0; i < old->n_ips; i++) {
		_cleanup_nlmsg_ struct nl_msg *m = NULL;
		struct netlink_reply rp = { 0 };
		char a[IP_STR_MAX];
		int r;

		if (has_ip(c->n, &old->ips[i]))
			continue;
		ip_str(&old->ips[i], a, sizeof a);
		if (!(m = msg_addr_del(ifindex, &old->ips[i])))
			return nerr_set(e, -ENOMEM, "bridge %s: out of memory", c->n->bridge);
		r = netlink_request(sk, m, &rp);
		if (r < 0 && r != -EADDRNOTAVAIL)
			return netlink_fail(e, r, &rp, "bridge %s: remove address %s", c->n->bridge,
					    a);
		step_changed(c, "address -%s", a);
	}
	return 0;
}

/* An MTU old set and n leaves out goes back to the kernel's default for a
 * new bridge (which start would have left), not stays pinned. */
static int unpin_mtu(struct step_ctx *c, struct nl_sock *sk, const struct br_link *l,
		     const struct net *old, struct nerr *e)
{
	_cleanup_nlmsg_ struct nl_msg *m = NULL;
	struct netlink_reply rp = { 0 };
	int r;

	if (!old->mtu || c->n->mtu || l->link.mtu != old->mtu || old->mtu == BR_DEFAULT_MTU)
		return 0;
	if (!(m = msg_change(l->link.ifindex, BR_DEFAULT_MTU, NULL, false)))
		return nerr_set(e, -ENOMEM, "bridge %s: out of memory", c->n->bridge);
	if ((r = netlink_request(sk, m, &rp)) < 0)
		return netlink_fail(e, r, &rp, "bridge %s: set mtu %u", c->n->bridge,
				    BR_DEFAULT_MTU);
	step_changed(c, "mtu %u -> %u", old->mtu, BR_DEFAULT_MTU);
	return 0;
}

static void report_changes(struct step_ctx *c, const struct bridge_drift *d)
{
	char a[IP_STR_MAX];

	if (d->mtu)
		step_changed(c, "mtu %u -> %u", d->have_mtu, c->n->mtu);
	if (d->stp)
		step_changed(c, "stp %s", c->n->stp != NET_NO ? "on" : "off");
	if (d->delay)
		step_changed(c, "forward delay %us", bridge_want_delay(c->n) / BR_USER_HZ);
	if (d->mac)
		step_changed(c, "mac");
	if (d->group)
		step_changed(c, "interface group 0x%x", fw_net_devgroup(c->n));
	for (size_t i = 0; i < d->n_missing_ips; i++) {
		ip_str(&c->n->ips[d->missing_ips[i]], a, sizeof a);
		step_changed(c, "address +%s", a);
	}
}

/* The same bridge, so every port stays enslaved: only its settings and
 * addresses change. IPv6 sysctls first (disable_ipv6=0 before an IPv6
 * address can go on), old addresses last (dnsmasq, restarted later, no
 * longer needs them). */
static int br_step_reload(struct step_ctx *c, void *st, const struct net *old, struct nerr *e)
{
	_cleanup_bridge_drift_ struct bridge_drift d = { 0 };
	struct nl_sock *sk;
	struct br_link l;
	int r;

	(void)st;
	if ((r = step_nl(c, &sk, e)) < 0)
		return nerr_wrap(e, r, "bridge %s", c->n->bridge);
	if ((r = bridge_check(sk, c->n, &d, e)) < 0)
		return r;
	if (d.missing || d.foreign)
		return nerr_set(e, -ENODEV,
				"bridge %s: %s; repair the network first (netd apply %s)",
				c->n->bridge, d.missing ? "missing" : "not a bridge", c->n->name);
	if ((r = link_get(sk, c->n->bridge, &l, e)) < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
		return r == -ENODEV ? nerr_set(e, r, "bridge %s: gone", c->n->bridge) : r;
	c->ifindex = l.link.ifindex;
	if ((r = set_ipv6_sysctls(c->n, e)) < 0)
		return r;
	/* a bridge that is down stays as found: that is drift for apply */
	d.down = false;
	if ((r = fix(sk, c->n, &l, &d, NLM_F_REPLACE, e)) < 0)
		return r;
	report_changes(c, &d);
	if ((r = unpin_mtu(c, sk, &l, old, e)) < 0)
		return r;
	return remove_old_ips(c, sk, l.link.ifindex, old, e);
}

static void br_step_state_free(void *st)
{
	bridge_drift_free(st);
}

const struct step_ops bridge_step = {
	.name = "bridge",
	.state_size = sizeof(struct bridge_drift),
	/* Its link and addresses are the network's own (the overlap check ran
	 * under the serial lock, and define refuses two networks on one
	 * subnet or bridge). */
	.concurrent = true,
	.apply = br_step_apply,
	.undo = br_step_undo,
	.check = br_step_check,
	.repair = br_step_repair,
	.state_free = br_step_state_free,
	.reload = br_step_reload,
};
