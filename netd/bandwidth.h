/* <bandwidth> as a step of a running network, named "bandwidth", with
 * libvirt's meaning (a network's bandwidth is the aggregate of all its
 * guests, shaped on the bridge; inbound = towards the guests = the
 * bridge's egress, outbound = from the guests = the bridge's ingress):
 *
 * - inbound: libvirt's hierarchy over rtnetlink (libnl-route): root HTB
 *   qdisc 1: with default class 1:2; class 1:1 rate average ceil peak
 *   (the network's limit), class 1:2 under it, rate average ceil peak
 *   burst (the guests' traffic). libvirt also hangs an SFQ qdisc under 1:2;
 *   netd does not, as kernels without sch_sfq (this one) refuse it and the
 *   default FIFO serves the one class;
 * - outbound: a rule `limit rate over AVERAGE bytes/second burst BURST
 *   bytes drop` in a netdev-family ingress chain bound to the bridge,
 *   chain bw_NAME of table `netdev netd` (netd's; the table goes with its
 *   last chain). Not tc: libvirt polices ingress with a tc u32 filter and
 *   a police action, which needs CONFIG_NET_ACT_POLICE (this kernel has
 *   none; an ifb redirect, the other tc way, needs act_mirred and ifb and
 *   passed no traffic here), while nftables' netdev ingress hook is in
 *   every kernel netd's firewall runs on. As tc police, it drops what is
 *   over the rate, and outbound's peak is not enforced (libvirt ignores it
 *   too: an ingress policer has no peak). nftables' byte bucket holds one
 *   second at 'average' plus 'burst' (tc police: 'burst', by default one
 *   second's worth as in libvirt).
 *
 * Nothing of it exists for a network without <bandwidth>, nor for a host
 * bridge network (validate refuses it there). check reports a missing or
 * changed qdisc, class or chain; repair makes them again; reload changes
 * them in place. */
#ifndef NETD_BANDWIDTH_H
#define NETD_BANDWIDTH_H

#include <stdio.h>

#include "model.h"
#include "util.h"

#define BW_NFT_TABLE "netdev netd"

/* The nft script that loads n's outbound limit (pure; "" when n has no
 * <outbound>). -EINVAL when a name is outside the grammar. */
int bw_render_ingress(const struct net *n, char **out, struct nerr *e);

/* What start would do, for netd plan (pure); nothing without
 * <bandwidth>. */
int bw_plan(const struct net *n, FILE *o, struct nerr *e);

struct step_ops;
extern const struct step_ops bandwidth_step;

#endif
