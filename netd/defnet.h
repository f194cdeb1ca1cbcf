/* `netd install-default`: the package post-install hook's default network. */
#ifndef NETD_DEFNET_H
#define NETD_DEFNET_H

#include <stdio.h>

#include "store.h"

/* The stock default network, compiled in from templates/default.xml. */
extern const char netd_template_default[];
extern const size_t netd_template_default_len;

/* Define the default network from the template unless one is defined:
 * on 192.168.122.0/24, or when any part of it is used by a host address, a
 * host route or another netd network, on the first free 192.168.X.0/24 from
 * X=124 upward; with bridge virbr0 unless another network or interface has
 * it; marked autostart. Never changes an existing definition. */
int defnet_install(struct store *s, FILE *out, struct nerr *e);

#endif
