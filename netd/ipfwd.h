/* IP forwarding for networks that forward (nat, route): the host-wide
 * sysctls net.ipv4.ip_forward and net.ipv6.conf.all.forwarding, as a step
 * of a running network (step.h), named "forwarding".
 *
 * apply sets each one the network needs (IPv4 for a network with an IPv4
 * <ip>, IPv6 for one with an IPv6 <ip>) to 1; undo leaves them on; check
 * adds "forwarding: KEY is VALUE (...)" for each needed one that is not 1;
 * repair sets those to 1 again. /proc/sys/net is the caller's network
 * namespace's. */
#ifndef NETD_IPFWD_H
#define NETD_IPFWD_H

struct step_ops;

extern const struct step_ops ipfwd_step;

#endif
