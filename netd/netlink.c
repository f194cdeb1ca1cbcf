/* rtnetlink sockets, requests, acks, batches, dumps and links; see
 * netlink.h. */
#include "netlink.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int netlink_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_DUMP_INTR:
		return -EAGAIN;
	}
	return -EIO;
}

void netlink_close(struct nl_sock *sk)
{
	nl_socket_free(sk);
}

int netlink_open(struct nl_sock **skp, struct nerr *e)
{
	_cleanup_netlink_ struct nl_sock *sk = nl_socket_alloc();
	struct timeval tv = { .tv_sec = NETLINK_TIMEOUT_S };
	int one = 1, fd, r;

	if (!sk)
		return nerr_set(e, -ENOMEM, "netlink: out of memory");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return nerr_set(e, netlink_errno(r), "netlink: connect: %s", nl_geterror(r));
	fd = nl_socket_get_fd(sk);
	/* Error acks without a copy of the request, with the kernel's reason. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		return nerr_set(e, -errno, "netlink: set receive timeout: %s", strerror(errno));
	*skp = TAKE_PTR(sk);
	return 0;
}

/* ---- requests and their acks ----------------------------------------- */

void netlink_ext_ack_parse(const void *buf, size_t len, char *why, size_t wlen)
{
	const struct nlmsghdr *h = buf;
	const struct nlmsgerr *ne;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof *ne, have;

	if (wlen)
		why[0] = '\0';
	if (!wlen || len < NLMSG_HDRLEN + sizeof *ne || h->nlmsg_len < NLMSG_HDRLEN + sizeof *ne)
		return;
	ne = (const struct nlmsgerr *)((const char *)buf + NLMSG_HDRLEN);
	/* what the header claims, but never past what was received */
	have = (h->nlmsg_len < len ? h->nlmsg_len : len) - NLMSG_HDRLEN;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || ne->msg.nlmsg_len < NLMSG_HDRLEN)
		return;
	/* without NETLINK_CAP_ACK the request's copy comes first */
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += ne->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	if (off >= have || have - off > INT_MAX)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)ne + off), (int)(have - off),
		      NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0)
		nla_strlcpy(why, tb[NLMSGERR_ATTR_MSG], wlen);
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *ne, void *arg)
{
	/* libnl hands us the payload of a message it checked to lie inside
	 * what it received; the header sits right before it. */
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)ne - NLMSG_HDRLEN);
	struct netlink_reply *rp = arg;

	(void)nla;
	rp->done = true;
	rp->err = ne->error;
	netlink_ext_ack_parse(h, h->nlmsg_len, rp->why, sizeof rp->why);
	return NL_STOP;
}

/* The ack of a request, or the NLMSG_DONE that ends a dump. */
static int on_done(struct nl_msg *msg, void *arg)
{
	struct netlink_reply *rp = arg;

	(void)msg;
	rp->done = true;
	rp->err = 0;
	return NL_STOP;
}

static int on_data(struct nl_msg *msg, void *arg)
{
	struct netlink_reply *rp = arg;

	return rp->on_msg ? rp->on_msg(msg, rp->arg) : NL_OK;
}

static struct nl_cb *reply_cb(struct netlink_reply *rp)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	rp->done = false;
	rp->err = 0;
	rp->why[0] = '\0';
	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, rp);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, rp);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_data, rp);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, rp);
	return cb;
}

/* A receive error from libnl as -errno, with its reason in rp. */
static int recv_errno(int nle, struct netlink_reply *rp)
{
	/* The socket blocks with SO_RCVTIMEO: EAGAIN means the wait ran
	 * out, and a dump's -EAGAIN must keep meaning "interrupted". */
	if (nle == -NLE_AGAIN || nle == 0) {
		(void)snprintf(rp->why, sizeof rp->why, "no answer within %d s", NETLINK_TIMEOUT_S);
		return -ETIMEDOUT;
	}
	nd_strlcpy(rp->why, nl_geterror(nle), sizeof rp->why);
	return nle == -NLE_DUMP_INTR ? -EAGAIN : netlink_errno(nle);
}

int netlink_wait(struct nl_sock *sk, struct netlink_reply *rp)
{
	_cleanup_nlcb_ struct nl_cb *cb = reply_cb(rp);

	if (!cb)
		return -ENOMEM;
	for (;;) {
		int r = nl_recvmsgs_report(sk, cb);

		if (rp->done)
			return rp->err;
		if (r <= 0)
			return recv_errno(r, rp);
	}
}

int netlink_send(struct nl_sock *sk, struct nl_msg *msg)
{
	int r = nl_send_auto(sk, msg);

	return r < 0 ? netlink_errno(r) : 0;
}

int netlink_request(struct nl_sock *sk, struct nl_msg *msg, struct netlink_reply *rp)
{
	int r = netlink_send(sk, msg);

	return r < 0 ? r : netlink_wait(sk, rp);
}

/* Send a dump request with the given header; with 'strict', under the
 * kernel's strict checking (NETLINK_GET_STRICT_CHK, Linux 4.20), which makes
 * it apply the header's filters itself. The kernel reads the flag while it
 * handles the request, inside sendmsg(), so it is set for that call only:
 * every other request on the socket is checked as before. A kernel without
 * it ignores the filters, and the caller's on_msg still sees everything. */
static int dump_send(struct nl_sock *sk, int type, void *hdr, size_t hlen, bool strict)
{
	int fd = nl_socket_get_fd(sk), one = 1, zero = 0, r;
	bool set = strict &&
		   setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one) == 0;

	r = nl_send_simple(sk, type, NLM_F_DUMP, hdr, hlen);
	if (set)
		(void)setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &zero, sizeof zero);
	return r;
}

static int dump_read(struct nl_sock *sk, struct nl_cb *cb, struct netlink_reply *rp)
{
	for (;;) {
		/* libnl reads on to NLMSG_DONE, then reports whether any
		 * part of the dump was flagged NLM_F_DUMP_INTR. */
		int r = nl_recvmsgs_report(sk, cb);

		if (r < 0 && rp->err)
			return rp->err; /* the kernel refused the dump */
		if (r < 0 || (r == 0 && !rp->done))
			return recv_errno(r, rp);
		if (rp->done)
			return 0;
	}
}

int netlink_dump(struct nl_sock *sk, int type, struct netlink_reply *rp)
{
	_cleanup_nlcb_ struct nl_cb *cb = reply_cb(rp);
	/* All families (AF_UNSPEC, zero), each with its own header length:
	 * the kernel warns about bytes it cannot parse. */
	union {
		struct ifinfomsg link;
		struct ifaddrmsg addr;
		struct rtmsg route;
	} hdr = { 0 };
	size_t hlen = type == RTM_GETLINK   ? sizeof hdr.link
		      : type == RTM_GETADDR ? sizeof hdr.addr
					    : sizeof hdr.route;
	int r;

	if (!cb)
		return -ENOMEM;
	r = dump_send(sk, type, &hdr, hlen, false);
	return r < 0 ? netlink_errno(r) : dump_read(sk, cb, rp);
}

int netlink_dump_routes(struct nl_sock *sk, unsigned char family, unsigned char table,
			unsigned char rtm_type, struct netlink_reply *rp)
{
	_cleanup_nlcb_ struct nl_cb *cb = reply_cb(rp);
	struct rtmsg hdr = { .rtm_family = family, .rtm_table = table, .rtm_type = rtm_type };
	int r;

	if (!cb)
		return -ENOMEM;
	r = dump_send(sk, RTM_GETROUTE, &hdr, sizeof hdr, true);
	return r < 0 ? netlink_errno(r) : dump_read(sk, cb, rp);
}

int netlink_fail(struct nerr *e, int r, const struct netlink_reply *rp, const char *fmt, ...)
{
	char ctx[sizeof e->msg];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(ctx, sizeof ctx, fmt, ap); /* may be truncated */
	va_end(ap);
	if (rp && rp->why[0])
		return nerr_set(e, r, "%s: %s (%s)", ctx, strerror(-r), rp->why);
	return nerr_set(e, r, "%s: %s", ctx, strerror(-r));
}

/* ---- a pipelined batch of requests --------------------------------------- */

static void batch_collect(struct netlink_batch *b)
{
	struct netlink_reply rp = { 0 };
	int r = netlink_wait(b->sk, &rp);
	const char *what = b->what[b->head];

	b->head = (b->head + 1) % NETLINK_WINDOW;
	b->pending--;
	if (r < 0 && b->err == 0)
		b->err = netlink_fail(b->e, r, &rp, "%s: %s", b->obj, what);
	/* Without an ack (timeout, lost messages) the rest cannot be paired
	 * with their requests any more: give up on them. */
	if (!rp.done)
		b->pending = 0;
}

void netlink_batch_add(struct netlink_batch *b, struct nl_msg *msg, const char *what)
{
	_cleanup_nlmsg_ struct nl_msg *m = msg;
	int r;

	if (b->err)
		return;
	if (!m) {
		b->err = netlink_fail(b->e, -ENOMEM, NULL, "%s: %s", b->obj, what);
		return;
	}
	if (b->pending == NETLINK_WINDOW)
		batch_collect(b);
	if (b->err)
		return;
	r = netlink_send(b->sk, m);
	if (r < 0) {
		b->err = netlink_fail(b->e, r, NULL, "%s: %s", b->obj, what);
		return;
	}
	nd_strlcpy(b->what[(b->head + b->pending) % NETLINK_WINDOW], what, sizeof b->what[0]);
	b->pending++;
}

int netlink_batch_finish(struct netlink_batch *b)
{
	while (b->pending)
		batch_collect(b);
	return b->err;
}

/* ---- links ----------------------------------------------------------- */

static const struct nla_policy link_pol[IFLA_MAX + 1] = {
	[IFLA_MTU] = { .type = NLA_U32 },	  [IFLA_MASTER] = { .type = NLA_U32 },
	[IFLA_GROUP] = { .type = NLA_U32 },	  [IFLA_IFNAME] = { .type = NLA_STRING },
	[IFLA_LINKINFO] = { .type = NLA_NESTED },
};
static const struct nla_policy info_pol[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = { .type = NLA_STRING },
	[IFLA_INFO_DATA] = { .type = NLA_NESTED },
};

int netlink_link_parse(struct nl_msg *msg, struct netlink_link *l, netlink_link_data_fn *fn,
		       void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifi;

	if (h->nlmsg_type != RTM_NEWLINK || nlmsg_parse(h, sizeof *ifi, tb, IFLA_MAX, link_pol) < 0)
		return -EBADMSG;
	ifi = nlmsg_data(h);
	memset(l, 0, sizeof *l);
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	if (tb[IFLA_MTU])
		l->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		l->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_GROUP])
		l->group = nla_get_u32(tb[IFLA_GROUP]);
	if (tb[IFLA_IFNAME])
		nla_strlcpy(l->name, tb[IFLA_IFNAME], sizeof l->name);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(l->mac, nla_data(tb[IFLA_ADDRESS]), 6);
		l->has_mac = true;
	}
	/* A link info the policy refuses is read as a plain device. */
	if (!tb[IFLA_LINKINFO] ||
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], info_pol) < 0)
		return 0;
	if (li[IFLA_INFO_KIND])
		nla_strlcpy(l->kind, li[IFLA_INFO_KIND], sizeof l->kind);
	if (fn && li[IFLA_INFO_DATA])
		fn(l, li[IFLA_INFO_DATA], arg);
	return 0;
}

struct link_get {
	struct netlink_link *l;
	netlink_link_data_fn *fn;
	void *arg;
	bool seen;
};

static int on_link(struct nl_msg *msg, void *arg)
{
	struct link_get *g = arg;

	if (g->seen || netlink_link_parse(msg, g->l, g->fn, g->arg) < 0)
		return NL_SKIP;
	g->seen = true;
	return NL_OK;
}

int netlink_link_get(struct nl_sock *sk, const char *name, struct netlink_link *l,
		     netlink_link_data_fn *fn, void *arg, struct netlink_reply *rp)
{
	_cleanup_nlmsg_ struct nl_msg *m = NULL;
	struct link_get g = { .l = l, .fn = fn, .arg = arg };
	int r;

	memset(l, 0, sizeof *l);
	rp->on_msg = on_link;
	rp->arg = &g;
	r = rtnl_link_build_get_request(0, name, &m);
	if (r < 0) {
		nd_strlcpy(rp->why, nl_geterror(r), sizeof rp->why);
		r = netlink_errno(r);
	} else {
		r = netlink_request(sk, m, rp);
	}
	rp->on_msg = NULL;
	rp->arg = NULL;
	if (r < 0)
		return r;
	if (!g.seen) {
		nd_strlcpy(rp->why, "no link in the answer", sizeof rp->why);
		return -EPROTO;
	}
	return 0;
}
