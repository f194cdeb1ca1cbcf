/* Running dnsmasq for a network: start, check, stop (its leases:
 * dhcp_leases.h).
 *
 * How dnsmasq starts (dnsmasq.c, 2.90): it parses the config, opens the lease
 * file and binds its sockets as root, then forks; the original process waits
 * on a pipe until the daemon has finished starting (pid file written,
 * privileges dropped to user=) and exits 0, or prints the daemon's error to
 * stderr as "dnsmasq: MESSAGE" and exits with status 1 (config), 2 (network,
 * e.g. address in use), 3 (file), 4 (memory) or 5 (other). So netd lets it
 * daemonise, waits for that first process (bounded), captures its stderr for
 * the error message, and leaves a daemon reparented away from netd. The
 * daemon sends its own log to syslog, with stdio on /dev/null.
 *
 * Files: dnsmasq reads the config and opens the lease file and pid file as
 * root before it drops privileges, so they may live in a root-only directory.
 * What it reads again later as user= (dhcp-hostsfile and addn-hosts on
 * SIGHUP) must be readable by that user. It cannot remove its pid file once
 * it runs as user= in a root-owned directory; dhcp_stop() removes it.
 *
 * A process is taken for "our dnsmasq" only when its executable is
 * NETD_DNSMASQ and its command line holds --conf-file=CONF for this
 * network's config: a stale pid file must never make netd signal another
 * process. Signals go through a pidfd, so a pid reused between the check
 * and the signal cannot be hit either.
 *
 * The caller must not have SIGCHLD set to SIG_IGN (the exit status of the
 * first dnsmasq process would be lost). */
#ifndef NETD_DHCP_RUN_H
#define NETD_DHCP_RUN_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/* Bounds of every wait, in milliseconds. */
#define DHCP_SPAWN_TIMEOUT_MS 5000 /* first process exit, then the pid file */
#define DHCP_TERM_TIMEOUT_MS  3000 /* after SIGTERM, before SIGKILL */
#define DHCP_KILL_TIMEOUT_MS  2000 /* after SIGKILL */

/* Exec NETD_DNSMASQ --conf-file=CONF with an empty environment (but PATH)
 * and no inherited descriptors. Everything else (pid-file=, user=, leases)
 * is in the config; 'pidfile' must be the pid-file= it names. On success
 * *pid is the daemon's pid, read from the pid file and checked to be our
 * dnsmasq. On failure nothing is left running and e holds dnsmasq's own
 * message: -EINVAL (config, exit 1), -EADDRINUSE (network, exit 2),
 * -ENOMEM (exit 4), -EIO (files, exit 3, or any other failure), -ETIMEDOUT,
 * -EEXIST (ours already runs; *pid is set). A stale pid file is removed
 * first, and any daemon of ours for CONF left without one is stopped: when
 * the new one cannot bind its DNS ports for it, or at once when CONF has
 * no DNS (port=0). The daemon
 * started is muted (dhcp_mute(), with 'ipv6': the network has an IPv6
 * address). */
int dhcp_spawn(const char *conf_path, const char *pidfile, bool ipv6, pid_t *pid, struct nerr *e);

/* Take dnsmasq 'pid' (pidfd: its pidfd, opened before it was checked to be
 * ours) out of the rtnetlink multicast groups it subscribes to and does not
 * need here: all IPv4 and IPv6 address and route groups, but the IPv6
 * address one when 'ipv6' (RA and DHCPv6 use it). *muted counts the
 * rtnetlink sockets changed. -errno when the kernel refuses (pidfd_getfd:
 * EPERM under a ptrace restriction, ENOSYS before Linux 5.6): dnsmasq is
 * unchanged and works, only waking for every such event. dhcp_spawn() does
 * this, ignoring failures; see dhcp_mute.c for why. */
int dhcp_mute(pid_t pid, int pidfd, bool ipv6, int *muted);

/* Stop our dnsmasq named by 'pidfile', and any other of ours for conf_path
 * found by its command line (a daemon whose pid file was lost): SIGTERM,
 * then SIGKILL, each wait bounded; then remove the pid file. 0 when none
 * was running (no pid file, a dead pid, or a pid that is not our dnsmasq
 * for conf_path: then the stale pid file is removed and nothing is
 * signalled). -ETIMEDOUT when one outlives SIGKILL. */
int dhcp_stop(const char *pidfile, const char *conf_path, struct nerr *e);

/* SIGHUP our dnsmasq named by 'pidfile' (through a pidfd, as dhcp_stop()):
 * it reads dhcp-hostsfile and addn-hosts again. -ESRCH when ours is not
 * running. *pid is the pid signalled. */
int dhcp_hup(const char *pidfile, const char *conf_path, pid_t *pid, struct nerr *e);

/* 1 when 'pidfile' names a live process that is our dnsmasq for conf_path
 * (*pid set when pid is not NULL), else 0. */
int dhcp_running(const char *pidfile, const char *conf_path, pid_t *pid);

/* The interface index dnsmasq 'pid' bound its DHCPv4 socket to (0: not
 * bound to one). -ENOENT when it has no DHCPv4 socket. Needs root (another
 * user's /proc/PID/fd). A bridge deleted and made again has a new index,
 * and a socket bound to the old one hears nothing: see dhcp_sock.c. */
int dhcp_bound_ifindex(pid_t pid, int *ifindex, struct nerr *e);

/* The pure half of reading a sock_diag dump (kernel data, fuzzed by
 * dhcp/fuzz-sockdiag.c): walk one datagram of 'len' bytes at buf (aligned
 * to NLMSG_ALIGNTO, as recv's buffer is), never reading past its end, and
 * call fn with every SOCK_DIAG_BY_FAMILY message long enough to hold an
 * inet_diag_msg. 1 at NLMSG_DONE, 0 when the datagram ended without it
 * (more follow), an NLMSG_ERROR's -errno (-EIO when it has none). */
struct inet_diag_msg;
typedef void dhcp_diag_fn(const struct inet_diag_msg *m, void *arg);
int dhcp_diag_parse(const void *buf, size_t len, dhcp_diag_fn *fn, void *arg);
/* dhcp_bound_ifindex()'s fn: the first port-67 socket among ino[]. */
struct dhcp_diag_bound {
	const unsigned long *ino;
	size_t n;
	bool found;
	int ifindex;
};
void dhcp_diag_bound_fn(const struct inet_diag_msg *m, void *arg);

struct net;

/* After dnsmasq of network n could not bind: every socket in this network
 * namespace in its way, with its owner, as "port 67/udp on 0.0.0.0 is held
 * by pid 42 (socat), ..." in buf: on the ports dnsmasq binds (53 UDP and
 * TCP listeners, 67, 547), bound to no device or to the bridge (ifindex, 0
 * when unknown), and for 53 to the wildcard or one of n's addresses.
 * Returns how many (0: none, buf ""), or -errno. */
int dhcp_port_holders(const struct net *n, int ifindex, char *buf, size_t len);

#endif
