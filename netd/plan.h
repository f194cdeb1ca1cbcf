/* `netd plan`: everything start would do, rendered and printed. Nothing is
 * changed. What it reads: netd's store (the other networks' bridges), the
 * host's interface names when the network names no bridge (to pick the
 * virbrN that define would), and the passwd and group databases (the group
 * dnsmasq runs as, which its config names). */
#ifndef NETD_PLAN_H
#define NETD_PLAN_H

#include <stdio.h>

#include "model.h"
#include "store.h"

/* Print the plan for n (validated; defaults are filled here when missing,
 * against the bridges of the other defined networks). */
int plan_print(const struct store *s, struct net *n, FILE *o, struct nerr *e);

#endif
