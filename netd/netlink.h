/* rtnetlink plumbing shared by the modules that talk to the kernel over
 * NETLINK_ROUTE (the bridge, the host's addresses and routes): a socket with
 * bounded waits and extended acks, and libnl's error codes as negative
 * errnos. One socket serves a whole command (step_nl()). */
#ifndef NETD_NETLINK_H
#define NETD_NETLINK_H

#include "util.h"

struct nl_sock;

/* Bound on every wait for a reply, in seconds. */
#define NETLINK_TIMEOUT_S 5

int netlink_open(struct nl_sock **sk, struct nerr *e);
void netlink_close(struct nl_sock *sk);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, netlink_close)
#define _cleanup_netlink_ __attribute__((cleanup(netlink_closep)))

/* libnl's NLE_* (either sign) as a negative errno; -EIO when unknown. */
int netlink_errno(int nle);

#endif
