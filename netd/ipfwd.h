/* IP forwarding for networks that forward (nat, route): the host-wide
 * sysctls net.ipv4.ip_forward and net.ipv6.conf.all.forwarding, as a step
 * of a running network (step.h), named "forwarding".
 *
 * apply sets each one the network needs (IPv4 for a network with an IPv4
 * <ip>, IPv6 for one with an IPv6 <ip>) to 1; undo leaves them on; check
 * adds "forwarding: KEY is VALUE (...)" for each needed one that is not 1;
 * repair sets those to 1 again. /proc/sys/net is the caller's network
 * namespace's.
 *
 * IPv6 forwarding makes the kernel ignore router advertisements on
 * interfaces with accept_ra=1 (and drop the default routes they gave at
 * once). So before it turns IPv6 forwarding on, apply sets accept_ra=2 on
 * every interface with accept_ra=1 and a default route from RAs (a start
 * note says so for each) and records them in NETD_RUN_DIR/ipfwd/NAME.ra;
 * undo sets those still at 2 back to 1 when IPv6 forwarding is off by
 * then, and otherwise leaves them at 2 and says so on c->out; check adds
 * "forwarding: net.ipv6.conf.IF.accept_ra is 1 with IPv6 forwarding on:
 * ..." for a recorded or RA-routed interface at 1; repair sets 2. Why 2
 * rather than a refusal: ipfwd.c. */
#ifndef NETD_IPFWD_H
#define NETD_IPFWD_H

struct step_ops;

extern const struct step_ops ipfwd_step;

#endif
