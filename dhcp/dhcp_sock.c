/* Which interface a running dnsmasq's DHCP socket is bound to.
 *
 * With one interface= line dnsmasq binds its DHCPv4 socket to that device
 * (SO_BINDTODEVICE), which the kernel keeps as an interface index. When the
 * bridge is deleted and made again it gets a new index, and the socket
 * hears nothing on it any more, while dnsmasq keeps running and answering
 * DNS. The bound index is read through sock_diag (as `ss` does): every
 * IPv4 UDP socket on port 67, matched by inode to the process's fds. */
#include "dhcp_run.h"

#include <fcntl.h>
#include <sys/time.h>

#include "model.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
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

/* A dump of one family's sockets of one protocol: UDP sockets in any
 * state, TCP ones only listening. */
static int diag_request(int fd, int family, bool tcp)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nh = { .nlmsg_len = sizeof msg,
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = (uint8_t)family,
			 .sdiag_protocol = tcp ? IPPROTO_TCP : IPPROTO_UDP,
			 .idiag_states = tcp ? 1u << TCP_LISTEN : ~0u },
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

int dhcp_diag_parse(const void *buf, size_t len, dhcp_diag_fn *fn, void *arg)
{
	for (const struct nlmsghdr *h = buf; diag_msg_ok(h, len); h = diag_msg_next(h, &len)) {
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *ne = NLMSG_DATA(h);

			/* an errno as the kernel has them, else no answer */
			return h->nlmsg_len >= NLMSG_LENGTH(sizeof *ne) && ne->error < 0 &&
					       ne->error >= -4095
				       ? ne->error
				       : -EIO;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
		    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
			fn(NLMSG_DATA(h), arg);
	}
	return 0;
}

/* One receive of a dump into buf; the datagram's length, or -errno. */
static ssize_t diag_recv(int fd, void *buf, size_t size)
{
	for (;;) {
		ssize_t got = recv(fd, buf, size, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EIO; /* no NLMSG_DONE: the dump was cut short */
		return got;
	}
}

/* Read a whole dump: each datagram through dhcp_diag_parse(). 0 at its
 * end, -errno on failure. */
static int diag_dump(int fd, dhcp_diag_fn *fn, void *arg)
{
	/* A dump's messages come in datagrams of at most 32 KiB. */
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		ssize_t got = diag_recv(fd, buf, sizeof buf);
		int r;

		if (got < 0)
			return (int)got;
		r = dhcp_diag_parse(buf, (size_t)got, fn, arg);
		if (r != 0)
			return r < 0 ? r : 0;
	}
}

void dhcp_diag_bound_fn(const struct inet_diag_msg *m, void *arg)
{
	struct dhcp_diag_bound *b = arg;

	if (b->found || ntohs(m->id.idiag_sport) != 67)
		return;
	for (size_t i = 0; i < b->n; i++)
		if (b->ino[i] == m->idiag_inode) {
			b->ifindex = (int)m->id.idiag_if;
			b->found = true;
		}
}

int dhcp_bound_ifindex(pid_t pid, int *ifindex, struct nerr *e)
{
	unsigned long ino[DHCP_SOCK_MAX];
	struct timeval tv = { .tv_sec = 2 };
	_cleanup_close_ int fd = -1;
	size_t n = 0;
	struct dhcp_diag_bound b = { .ino = ino };
	int r;

	if ((r = sock_inodes(pid, ino, DHCP_SOCK_MAX, &n)) < 0)
		return nerr_set(e, r, "dnsmasq pid %ld: list its sockets: %s", (long)pid,
				strerror(-r));
	b.n = n;
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return nerr_set(e, -errno, "dnsmasq pid %ld: sock_diag socket: %s", (long)pid,
				strerror(errno));
	/* Bounded: the kernel answers a dump at once, but never hang status. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if ((r = diag_request(fd, AF_INET, false)) < 0 ||
	    (r = diag_dump(fd, dhcp_diag_bound_fn, &b)) < 0)
		return nerr_set(e, r, "dnsmasq pid %ld: read its DHCP socket (sock_diag): %s",
				(long)pid, strerror(-r));
	if (!b.found)
		return -ENOENT;
	*ifindex = b.ifindex;
	return 0;
}

/* ---- who holds a port dnsmasq needs ------------------------------------------
 *
 * When dnsmasq cannot bind (exit 2, "Address in use"), the user needs the
 * process in the way, not only the port: every socket on the ports dnsmasq
 * binds (DNS 53 UDP and TCP, DHCP 67, DHCPv6 547; IPv4 and IPv6), read
 * through sock_diag, then matched by inode against /proc/PID/fd of every
 * process, as `ss -p` does. */

#define HOLDER_MAX 8

struct holder {
	int family;
	bool tcp;
	uint16_t port;
	uint8_t addr[16];
	unsigned long ino;
	pid_t pid;
};

struct holders {
	const struct net *n;
	int ifindex; /* the bridge's; 0 when unknown */
	struct holder h[HOLDER_MAX];
	size_t n_h;
};

static bool holder_port(uint16_t port)
{
	return port == 53 || port == 67 || port == 547;
}

/* Whether the socket is in the way of this network's dnsmasq: bound to no
 * device or to the bridge (the other networks' dnsmasqs bind theirs), and
 * for DNS, to the wildcard address or one of the network's own. */
static bool holder_conflicts(const struct holders *hs, int family, const struct inet_diag_msg *m)
{
	static const uint8_t any[16];
	size_t alen = family == AF_INET ? 4 : 16;

	if (m->id.idiag_if && (int)m->id.idiag_if != hs->ifindex)
		return false;
	if (ntohs(m->id.idiag_sport) != 53 || memcmp(m->id.idiag_src, any, alen) == 0)
		return true;
	for (size_t i = 0; i < hs->n->n_ips; i++)
		if (hs->n->ips[i].addr.family == family &&
		    memcmp(hs->n->ips[i].addr.u.b, m->id.idiag_src, alen) == 0)
			return true;
	return false;
}

static void holder_add(struct holders *hs, int family, bool tcp, const struct inet_diag_msg *m)
{
	struct holder *x;

	if (hs->n_h >= HOLDER_MAX || !holder_port(ntohs(m->id.idiag_sport)) ||
	    !holder_conflicts(hs, family, m))
		return;
	x = &hs->h[hs->n_h++];
	memset(x, 0, sizeof *x);
	x->family = family;
	x->tcp = tcp;
	x->port = ntohs(m->id.idiag_sport);
	memcpy(x->addr, m->id.idiag_src, family == AF_INET ? 4 : 16);
	x->ino = m->idiag_inode;
}

struct holder_read {
	struct holders *hs;
	int family;
	bool tcp;
};

static void holder_fn(const struct inet_diag_msg *m, void *arg)
{
	struct holder_read *hr = arg;

	holder_add(hr->hs, hr->family, hr->tcp, m);
}

/* The pid of every holder, from one pass over /proc/PID/fd. */
static void holder_pids(struct holders *hs)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		unsigned long ino[DHCP_SOCK_MAX];
		char *end;
		long v = strtol(de->d_name, &end, 10);
		size_t n = 0;

		if (*end || v <= 0 || sock_inodes((pid_t)v, ino, DHCP_SOCK_MAX, &n) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < hs->n_h; j++)
				if (!hs->h[j].pid && hs->h[j].ino == ino[i])
					hs->h[j].pid = (pid_t)v;
	}
	if (d)
		closedir(d);
}

static void holder_str(const struct holder *x, struct sbuf *out)
{
	char a[INET6_ADDRSTRLEN], path[64], comm[32] = "";
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (!inet_ntop(x->family, x->addr, a, sizeof a))
		nd_strlcpy(a, "?", sizeof a);
	sbuf_printf(out, "%sport %u%s on %s is held by ", out->len ? ", " : "", x->port,
		    x->tcp ? "/tcp" : "/udp", a);
	if (!x->pid) {
		sbuf_puts(out, "a process netd cannot see");
		return;
	}
	snprintf(path, sizeof path, "/proc/%ld/comm", (long)x->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    (n = read(fd, comm, sizeof comm - 1)) > 0)
		comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	sbuf_printf(out, "pid %ld (%s)", (long)x->pid, comm[0] ? comm : "?");
}

int dhcp_port_holders(const struct net *n, int ifindex, char *buf, size_t len)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	struct holders hs = { .n = n, .ifindex = ifindex };
	struct sbuf s = { 0 };
	_cleanup_free_ char *out = NULL;

	buf[0] = '\0';
	for (size_t f = 0; f < ARRAY_SIZE(fams); f++)
		for (int tcp = 0; tcp < 2; tcp++) {
			_cleanup_close_ int fd =
				socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
			struct timeval tv = { .tv_sec = 2 };

			if (fd < 0)
				return -errno;
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
			/* A family the kernel lacks (no IPv6) is nothing held. */
			struct holder_read hr = { &hs, fams[f], tcp };

			if (diag_request(fd, fams[f], tcp) == 0)
				(void)diag_dump(fd, holder_fn, &hr);
		}
	if (hs.n_h == 0)
		return 0;
	holder_pids(&hs);
	for (size_t i = 0; i < hs.n_h; i++)
		holder_str(&hs.h[i], &s);
	if (!(out = sbuf_finish(&s)))
		return -ENOMEM;
	nd_strlcpy(buf, out, len); /* may be truncated: it is shown, not parsed */
	return (int)hs.n_h;
}
