/* `netd status` and `netd leases`: what a network is and has, as text or
 * as one JSON document. Reads the host; changes nothing. */
#ifndef NETD_STATUS_H
#define NETD_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

int status_print(struct store *s, const char *name, bool json, FILE *out, struct nerr *e);
int status_leases_print(struct store *s, const char *name, bool json, FILE *out, struct nerr *e);

#endif
