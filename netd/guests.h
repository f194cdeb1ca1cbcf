/* Who is on a network: the ports of its bridge and, where /proc shows it,
 * the process (a VM's qemu) and user holding each tap. Only reads the
 * host; stop and undefine ask before cutting guests off. */
#ifndef NETD_GUESTS_H
#define NETD_GUESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct nl_sock;

struct guest {
	char port[16]; /* the bridge port (IF_NAMESIZE) */
	char kind[16]; /* "tun", "veth", ... */
	pid_t pid;     /* a process holding the tap open; 0 when none is seen */
	char comm[16]; /* its name (/proc/PID/comm) */
	uid_t uid;     /* its real user */
};

struct guests {
	struct guest *g;
	size_t n;
};

/* The ports of 'bridge' (0 of them when it does not exist) and the owners
 * of its taps. */
int guests_find(struct nl_sock *sk, const char *bridge, struct guests *gs, struct nerr *e);
void guests_free(struct guests *gs);
static inline void guests_freep(struct guests *gs)
{
	guests_free(gs);
}
#define _cleanup_guests_ __attribute__((cleanup(guests_freep)))

/* Fill pid, comm and uid of each guest whose port is a tap a process in
 * this network namespace holds open: scans PROC/PID/fd for /dev/net/tun and
 * reads the "iff:" line of PROC/PID/fdinfo/FD (the tap's name). 'proc' is
 * "/proc" but for tests. Processes that vanish meanwhile are skipped. */
void guests_tap_owners(const char *proc, struct guest *g, size_t n);

/* "tap0 (qemu-system-x86 pid 1234, user alice), vnet3"; cut at 'len' with
 * ", ..." at the end. */
void guests_str(const struct guests *gs, char *buf, size_t len);

#endif
