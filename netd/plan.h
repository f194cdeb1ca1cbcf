/* `netd plan`: everything start would do, rendered and printed, with nothing
 * on the host read or changed beyond netd's own store. */
#ifndef NETD_PLAN_H
#define NETD_PLAN_H

#include <stdio.h>

#include "model.h"
#include "store.h"

/* Print the plan for n (validated; defaults are filled here when missing,
 * against the bridges of the other defined networks). */
int plan_print(const struct store *s, struct net *n, FILE *o, struct nerr *e);

#endif
