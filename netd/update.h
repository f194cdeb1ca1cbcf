/* netd update: virsh net-update's sections of a network, changed in the
 * persistent config, the running network, or both (update.c). */
#ifndef NETD_UPDATE_H
#define NETD_UPDATE_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

/* NULL when action and section are ones update knows; else why not. */
const char *update_args_why(const char *action, const char *section);

/* 'xml' is the snippet, or the path of a file holding it when it names an
 * existing file. Neither config nor live: both when the network runs, else
 * the config alone. Prints what it did on 'out'. */
int update_run(struct store *s, const char *name, const char *action, const char *section,
	       const char *xml, bool config, bool live, FILE *out, struct nerr *e);

#endif
