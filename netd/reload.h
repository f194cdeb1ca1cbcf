/* netd reload: bring a running network to its stored config in place,
 * keeping its bridge (and so every port on it), and whether the two differ
 * (for status and list). Each step's reload op does its part (step.h); a
 * failure part way reloads the done steps back to the running config,
 * newest first. */
#ifndef NETD_RELOAD_H
#define NETD_RELOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

/* -ENOTCONN when not running; -EXDEV (nothing changed) when the change
 * needs a new bridge and restart is false; with restart, stop and start. */
int reload_network(struct store *s, const char *name, bool restart, FILE *out, struct nerr *e);

/* 1 when network 'name' runs with another config than the stored one (the
 * canonical XML of its runtime record and of its stored config differ), 0
 * when not, when it is not running or not stored, or cannot be read. */
int reload_config_changed(const struct store *s, const char *name);

#endif
