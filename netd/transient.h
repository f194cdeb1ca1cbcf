/* Transient networks, as virsh net-create: `netd start FILE` runs a network
 * that is not stored. Its runtime record is all there is of it: a running
 * network with no stored config is transient. stop removes it completely
 * (its lease file too); boot never sees it (it starts stored networks); a
 * define of its name makes it persistent, as virsh net-define does. */
#ifndef NETD_TRANSIENT_H
#define NETD_TRANSIENT_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

/* Start the network FILE describes, without storing it. */
int transient_start(struct store *s, const char *path, FILE *out, struct nerr *e);

/* Whether network 'name' runs and is not stored. */
bool transient_is(const struct store *s, const char *name);

/* The running transient networks' names, sorted (store_names_free). */
int transient_names(const struct store *s, char ***names, size_t *count, struct nerr *e);

/* After a stop: what is left of a network that is not stored (its lease
 * file, the reason of a failed start). 0 when there is nothing. */
int transient_forget(const struct store *s, const char *name, struct nerr *e);

/* Before a define of n while a transient network of its name runs: keep
 * the running network's uuid, bridge and MAC where the file leaves them
 * out, so that the stored config is the running one. A uuid of its own
 * must be the running one's. */
int transient_inherit(const struct store *s, struct net *n, struct nerr *e);

#endif
