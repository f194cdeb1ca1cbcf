/* dnsmasq's lease file, read for `netd leases`.
 *
 * Its own header, apart from dhcp_run.h: reading leases is pure parsing of a
 * file dnsmasq wrote (untrusted input: a guest chooses its host name and
 * client id), needs no process and none of dhcp_run.h's rules about
 * SIGCHLD, and is what a fuzzer and `netd user leases` include. */
#ifndef NETD_DHCP_LEASES_H
#define NETD_DHCP_LEASES_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "paths.h"
#include "util.h"

/* One lease from dnsmasq's lease file. */
#define DHCP_HWADDR_STR_MAX   52    /* "TT-" and 16 bytes as "xx:" */
#define DHCP_HOSTNAME_MAX     256   /* a DNS name (253) and its NUL */
#define DHCP_CLIENTID_STR_MAX 766   /* 255 bytes as "xx:" */
#define DHCP_LEASES_MAX	      65536 /* more leases than this: -E2BIG */

struct dhcp_lease {
	int family;		       /* AF_INET or AF_INET6 */
	int64_t expiry;		       /* as dnsmasq wrote it: seconds since the epoch, 0 never */
	char ip[INET6_ADDRSTRLEN];     /* canonical form */
	char mac[DHCP_HWADDR_STR_MAX]; /* IPv4 only: "52:54:00:..."; a
					* "TT-" ARP hardware type prefix
					* when not Ethernet; "" for IPv6 */
	char hostname[DHCP_HOSTNAME_MAX];     /* "" when none (or not a DNS name) */
	char clientid[DHCP_CLIENTID_STR_MAX]; /* hex "01:52:..."; the client's DUID
					       * for IPv6; "" when none */
	uint32_t iaid;			      /* IPv6 only */
	bool temporary;			      /* IPv6 only: an IA_TA address */
};

/* Parse lease file contents. Lines (dnsmasq's lease_update_file()):
 *   EXPIRY MAC IPv4 HOSTNAME|* CLIENTID|*
 *   duid SERVER-DUID                       (skipped)
 *   EXPIRY [T]IAID IPv6 HOSTNAME|* DUID|*
 * Any other line (junk, a truncated write, future record types such as
 * agent-info) is skipped. A host name that is not a DNS name, or a client
 * id that is not hex bytes, is dropped and the lease kept. *out is
 * malloc'ed (NULL when *n is 0); free() it. -E2BIG past DHCP_LEASES_MAX. */
int dhcp_leases_parse(const char *text, size_t len, struct dhcp_lease **out, size_t *n);

/* Read and parse one lease file. A missing file is no lease (0). */
int dhcp_leases_read(const char *leasefile, struct dhcp_lease **out, size_t *n, struct nerr *e);

/* Keep the leases current at 'now', in order; returns how many. dnsmasq
 * drops an expired lease from its file only when it next rewrites the
 * file, so the file can hold expired ones. Expiry 0 is an infinite lease. */
size_t dhcp_leases_current(struct dhcp_lease *l, size_t n, time_t now);

/* The current leases of network 'name' (its lease file under p's state
 * directory), for `netd leases`. */
int dhcp_leases_load(const struct nd_paths *p, const char *name, time_t now,
		     struct dhcp_lease **out, size_t *n, struct nerr *e);

#endif
