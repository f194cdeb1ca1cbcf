/* Internal to the dhcp module: the grammars every value passes again before
 * it reaches a dnsmasq line (dhcp_check.c). net_validate() has checked them
 * once; the renderers do not trust that, because a model can also be built
 * or changed in code. Each check returns 0, or -EINVAL with a message
 * "network NAME: WHAT 'VALUE' REASON" in e. */
#ifndef NETD_DHCP_INT_H
#define NETD_DHCP_INT_H

#include <arpa/inet.h>

#include "dhcp.h"

/* Big enough for any address net_addr_str() writes. */
#define DHCP_ADDR_MAX INET6_ADDRSTRLEN
/* "infinite", or a number of seconds, minutes or hours with its unit. */
#define DHCP_LEASE_STR_MAX 24

int dhcp_check_netname(const char *name, struct nerr *e);
/* A DNS name: labels of letters, digits, '-' and '_', joined by '.'. */
int dhcp_check_dnsname(const struct net *n, const char *what, const char *v, struct nerr *e);
/* One label: SRV service and protocol. */
int dhcp_check_label(const struct net *n, const char *what, const char *v, struct nerr *e);
/* A dhcp-host name: dhcp_hostname_why()'s grammar, with its message. */
int dhcp_check_hostname(const struct net *n, const char *what, const char *v, struct nerr *e);
/* A TXT value: printable ASCII with single inner spaces, none of the
 * characters that end a field or start a comment or a quote. */
int dhcp_check_txt(const struct net *n, const char *what, const char *v, struct nerr *e);
int dhcp_check_ifname(const struct net *n, const char *what, const char *v, struct nerr *e);
int dhcp_check_mac(const struct net *n, const char *what, const char *v, struct nerr *e);
int dhcp_check_duid(const struct net *n, const char *what, const char *v, struct nerr *e);
/* An absolute path of plain characters: it goes into a line of the config. */
int dhcp_check_path(const struct net *n, const char *what, const char *v, struct nerr *e);
int dhcp_check_user(const struct net *n, const char *what, const char *v, struct nerr *e);

/* Format an address that must be of 'family' (0: either). */
int dhcp_addr(const struct net *n, const char *what, const struct net_addr *a, int family,
	      char buf[DHCP_ADDR_MAX], struct nerr *e);
/* Format a lease time as libvirt does ("infinite", "200s", "10m", "1h"); ""
 * when no lease time is set. */
int dhcp_lease(const struct net *n, const char *what, const struct net_lease *l,
	       char buf[DHCP_LEASE_STR_MAX], struct nerr *e);

#endif
