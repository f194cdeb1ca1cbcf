/* rtnetlink sockets and libnl's errors; see netlink.h. */
#include "netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

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
