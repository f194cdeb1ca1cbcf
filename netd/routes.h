/* The network's static routes (<route address prefix gateway metric/>) as a
 * step: each one a route on the bridge through a guest (a router VM that
 * has another subnet behind it), in the main table, added at start,
 * removed at stop, checked by status and restored by apply.
 *
 * The routes carry protocol "static" and libvirt's metric (1 unless the
 * XML gives one), so that `ip route` shows them as libvirt's would. */
#ifndef NETD_ROUTES_H
#define NETD_ROUTES_H

#include <stddef.h>

#include "model.h"
#include "step.h"

extern const struct step_ops routes_step;

/* "10.9.0.0/16 via 192.168.5.7 metric 1" for messages, plan and status. */
void routes_str(const struct net_route *rt, char *buf, size_t len);

#endif
