/* rtnetlink plumbing shared by the modules that talk to the kernel over
 * NETLINK_ROUTE (the bridge, the host's addresses and routes): a socket with
 * bounded waits and extended acks, requests and their acks, a pipelined
 * batch of requests, dumps, the generic part of a link, libnl's error codes
 * as negative errnos, and cleanup attributes for libnl's types.
 *
 * Nothing here knows what a bridge is: messages are built by the module
 * that owns the object, which also names it in error messages. One socket
 * serves a whole command (step_nl()); none of these functions opens one. */
#ifndef NETD_NETLINK_H
#define NETD_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "util.h"

/* Bound on every wait for a reply, in seconds. */
#define NETLINK_TIMEOUT_S 5

int netlink_open(struct nl_sock **sk, struct nerr *e);
void netlink_close(struct nl_sock *sk);

/* libnl's NLE_* (either sign) as a negative errno; -EIO when unknown. */
int netlink_errno(int nle);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, netlink_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cb *, nl_cb_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put)
#define _cleanup_netlink_ __attribute__((cleanup(netlink_closep)))
#define _cleanup_nlmsg_	  __attribute__((cleanup(nlmsg_freep)))
#define _cleanup_nlcb_	  __attribute__((cleanup(nl_cb_putp)))
#define _cleanup_nlcache_ __attribute__((cleanup(nl_cache_freep)))
#define _cleanup_nladdr_  __attribute__((cleanup(nl_addr_putp)))
#define _cleanup_rtlink_  __attribute__((cleanup(rtnl_link_putp)))
#define _cleanup_rtaddr_  __attribute__((cleanup(rtnl_addr_putp)))

/* ---- requests and their acks ----------------------------------------- */

/* What the kernel answered to one request or dump. */
struct netlink_reply {
	/* Called for every message that carries data (a GET's answer, each
	 * object of a dump); returns NL_OK, NL_SKIP or NL_STOP. May be NULL. */
	int (*on_msg)(struct nl_msg *msg, void *arg);
	void *arg;
	bool done;     /* the ack, the error or the end of the dump came */
	int err;       /* 0 or the kernel's -errno */
	char why[160]; /* the kernel's extended ack message, or ours; or "" */
};

/* Send one message (not freed). */
int netlink_send(struct nl_sock *sk, struct nl_msg *msg);
/* Read until the ack or error of the oldest request in flight, handing data
 * messages to rp->on_msg. Returns rp->err, or -ETIMEDOUT when nothing came
 * within NETLINK_TIMEOUT_S (rp->done stays false: the requests in flight can
 * no longer be paired with their acks), or another -errno. */
int netlink_wait(struct nl_sock *sk, struct netlink_reply *rp);
/* netlink_send, then netlink_wait. */
int netlink_request(struct nl_sock *sk, struct nl_msg *msg, struct netlink_reply *rp);
/* Request a dump of every object of 'type' (RTM_GETLINK, RTM_GETADDR,
 * RTM_GETROUTE) in all families and read it to its end through rp->on_msg.
 * -EAGAIN when a change on the host interrupted it (NLM_F_DUMP_INTR): what
 * on_msg saw may be inconsistent, so the caller starts again. */
int netlink_dump(struct nl_sock *sk, int type, struct netlink_reply *rp);
/* The same for the routes of one family (AF_UNSPEC: all), table
 * (RT_TABLE_UNSPEC: all) and type (RTN_UNICAST; 0: all): the kernel leaves
 * out the others (the local table's two or three routes per address on the
 * host) where it can, so on_msg must still skip what it does not want. */
int netlink_dump_routes(struct nl_sock *sk, unsigned char family, unsigned char table,
			unsigned char rtm_type, struct netlink_reply *rp);

/* Record "CONTEXT: strerror(-r) (why)" in e, the kernel's reason in
 * brackets when rp has one (rp may be NULL); evaluates to r. */
int netlink_fail(struct nerr *e, int r, const struct netlink_reply *rp, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- a pipelined batch of requests --------------------------------------- */

/* The kernel handles an rtnetlink request while it is being sent, so a
 * batch sends up to NETLINK_WINDOW requests before it reads their acks, in
 * order, and names the first that failed. Each ack in flight costs ~1 KiB
 * of the socket's receive buffer. */
#define NETLINK_WINDOW 16

/* Initialise with { .sk = sk, .obj = "bridge virbr0", .e = e }: 'obj' names
 * the object in messages ("bridge virbr0: set mtu 1400: Invalid argument"). */
struct netlink_batch {
	struct nl_sock *sk;
	const char *obj;
	struct nerr *e;
	int err; /* the first failure, its message in e */
	size_t pending, head;
	char what[NETLINK_WINDOW][96];
};

/* Send 'msg' (taken over and freed; NULL: building it failed, -ENOMEM)
 * labelled 'what'. After a failure nothing more is sent. */
void netlink_batch_add(struct netlink_batch *b, struct nl_msg *msg, const char *what);
/* Read the acks still in flight; 0 or the first failure. */
int netlink_batch_finish(struct netlink_batch *b);

/* ---- links ----------------------------------------------------------- */

/* What every kind of link reports in RTM_NEWLINK. */
struct netlink_link {
	int ifindex;
	unsigned flags; /* IFF_* */
	unsigned mtu;
	bool has_mac;
	uint8_t mac[6];
	char kind[16];	/* IFLA_INFO_KIND, "" for devices without one */
	char name[16];	/* IFLA_IFNAME (IF_NAMESIZE), "" when absent */
	int master;	/* IFLA_MASTER: the bridge it is a port of; 0 none */
	uint32_t group; /* IFLA_GROUP: the interface group; 0 default */
};

/* The kind's own attributes (IFLA_INFO_DATA) of a link being parsed;
 * 'data' points into the message and lives only during the call. */
typedef void netlink_link_data_fn(const struct netlink_link *l, struct nlattr *data, void *arg);

/* The kernel's extended ack message (NLMSGERR_ATTR_MSG) of the NLMSG_ERROR
 * at buf, 'len' bytes received from its start, in why ("" when it has
 * none). Pure: reads kernel data, fuzzed by netd/fuzz-netlink.c. */
void netlink_ext_ack_parse(const void *buf, size_t len, char *why, size_t wlen);

/* Parse an RTM_NEWLINK; 'fn' (may be NULL) is called when the link has
 * IFLA_INFO_DATA. -EBADMSG when msg is not a link. */
int netlink_link_parse(struct nl_msg *msg, struct netlink_link *l, netlink_link_data_fn *fn,
		       void *arg);
/* Read one link by name. -ENODEV when there is no such interface; other
 * failures with the reason in rp (for netlink_fail), whose on_msg and arg
 * this function uses for itself. */
int netlink_link_get(struct nl_sock *sk, const char *name, struct netlink_link *l,
		     netlink_link_data_fn *fn, void *arg, struct netlink_reply *rp);

#endif
