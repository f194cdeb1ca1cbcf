/* firewalld integration: the bridge goes into a firewalld zone over D-Bus
 * (sd-bus), in firewalld's runtime and in its permanent configuration, so
 * that the binding survives `firewall-cmd --reload` and a restart of
 * firewalld without a netd daemon to re-add it.
 *
 * The zone is <bridge zone='NAME'/> when the network names one, else
 * netd's own zone FWD_ZONE (install/firewalld/netd.xml, with the policy
 * netd-to-host.xml: DHCP, DHCPv6, DNS and ICMP from the bridge to the host,
 * everything else to the host rejected, forwarding from the bridge
 * accepted). netd's own table keeps doing NAT.
 *
 * What netd added (runtime binding, permanent binding) is kept in
 * NETD_RUN_DIR/firewalld/NAME, so that stop removes exactly that: a binding
 * an administrator made before start is left alone, and said so.
 *
 * Nothing happens when netd.conf's `firewalld` is "no", or firewalld is not
 * on the system bus (or there is no system bus). Every D-Bus call is
 * bounded (FWD_TIMEOUT_USEC). */
#ifndef NETD_FW_FIREWALLD_H
#define NETD_FW_FIREWALLD_H

#include <stdbool.h>

#define FWD_ZONE	 "netd"
#define FWD_TIMEOUT_USEC (5ULL * 1000 * 1000)

struct step_ops;
struct net;

/* The zone n's bridge belongs in. */
const char *fwd_zone_of(const struct net *n);

extern const struct step_ops firewalld_step;

#endif
