/* Which interface a running dnsmasq's DHCP socket is bound to.
 *
 * With one interface= line dnsmasq binds its DHCPv4 socket to that device
 * (SO_BINDTODEVICE), which the kernel keeps as an interface index. When the
 * bridge is deleted and made again it gets a new index, and the socket
 * hears nothing on it any more, while dnsmasq keeps running and answering
 * DNS. The bound index is read through sock_diag (as `ss` does): every
 * IPv4 UDP socket on port 67, matched by inode to the process's fds. */
#include "dhcp_run.h"

#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DHCP_SOCK_MAX 64 /* socket fds of one dnsmasq looked at */

/* The inodes of the sockets process 'pid' holds. */
/* "socket:[INODE]", as /proc/PID/fd/N links to a socket. */
static bool sock_inode(const char *link, unsigned long *ino)
{
	static const char head[] = "socket:[";
	char *end;

	if (strncmp(link, head, sizeof head - 1) != 0 || !nd_is_digit(link[sizeof head - 1]))
		return false;
	errno = 0;
	*ino = strtoul(link + sizeof head - 1, &end, 10);
	return errno == 0 && strcmp(end, "]") == 0;
}

static int sock_inodes(pid_t pid, unsigned long *ino, size_t max, size_t *n)
{
	char dir[64], path[320], link[64];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
	if (!(d = opendir(dir)))
		return -errno;
	*n = 0;
	while ((de = readdir(d)) && *n < max) {
		ssize_t len;

		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		len = readlink(path, link, sizeof link - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sock_inode(link, &ino[*n]))
			(*n)++;
	}
	closedir(d);
	return 0;
}

static int diag_request(int fd)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nh = { .nlmsg_len = sizeof msg,
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_INET,
			 .sdiag_protocol = IPPROTO_UDP,
			 .idiag_states = ~0u,
			 .id = { .idiag_sport = htons(67) } },
	};

	return send(fd, &msg, sizeof msg, 0) == (ssize_t)sizeof msg ? 0 : -errno;
}

/* NLMSG_OK and NLMSG_NEXT take an int length and compare it with the u32
 * nlmsg_len (a sign mismatch clang rejects), and NLMSG_NEXT can step past
 * the end when the last message is not padded to NLMSG_ALIGNTO. The same
 * walk in size_t, never beyond the bytes received. */
static bool diag_msg_ok(const struct nlmsghdr *h, size_t len)
{
	return len >= sizeof *h && h->nlmsg_len >= sizeof *h && h->nlmsg_len <= len;
}

static const struct nlmsghdr *diag_msg_next(const struct nlmsghdr *h, size_t *len)
{
	size_t step = NLMSG_ALIGN(h->nlmsg_len);

	if (step > *len)
		step = *len;
	*len -= step;
	return (const struct nlmsghdr *)((const char *)h + step);
}

/* Read the dump; *ifindex from the first port-67 socket whose inode is in
 * ino[]. 1 when found, 0 when not, -errno on failure. */
static int diag_read(int fd, const unsigned long *ino, size_t n, int *ifindex)
{
	/* A dump's messages come in datagrams of at most 32 KiB. */
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int found = 0;

	for (;;) {
		ssize_t got = recv(fd, buf, sizeof buf, 0);
		size_t len;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EIO; /* no NLMSG_DONE: the dump was cut short */
		len = (size_t)got;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; diag_msg_ok(h, len);
		     h = diag_msg_next(h, &len)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE)
				return found;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *ne = NLMSG_DATA(h);

				return h->nlmsg_len >= NLMSG_LENGTH(sizeof *ne) && ne->error < 0
					       ? ne->error
					       : -EIO;
			}
			if (found || h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof *m) ||
			    ntohs(m->id.idiag_sport) != 67)
				continue;
			for (size_t i = 0; i < n; i++)
				if (ino[i] == m->idiag_inode) {
					*ifindex = (int)m->id.idiag_if;
					found = 1;
				}
		}
	}
}

int dhcp_bound_ifindex(pid_t pid, int *ifindex, struct nerr *e)
{
	unsigned long ino[DHCP_SOCK_MAX];
	struct timeval tv = { .tv_sec = 2 };
	_cleanup_close_ int fd = -1;
	size_t n = 0;
	int r;

	if ((r = sock_inodes(pid, ino, DHCP_SOCK_MAX, &n)) < 0)
		return nerr_set(e, r, "dnsmasq pid %ld: list its sockets: %s", (long)pid,
				strerror(-r));
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return nerr_set(e, -errno, "dnsmasq pid %ld: sock_diag socket: %s", (long)pid,
				strerror(errno));
	/* Bounded: the kernel answers a dump at once, but never hang status. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if ((r = diag_request(fd)) < 0 || (r = diag_read(fd, ino, n, ifindex)) < 0)
		return nerr_set(e, r, "dnsmasq pid %ld: read its DHCP socket (sock_diag): %s",
				(long)pid, strerror(-r));
	return r == 1 ? 0 : -ENOENT;
}
