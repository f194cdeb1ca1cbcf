/* netd edit NAME, as virsh net-edit: the stored config in $VISUAL,
 * $EDITOR or vi, validated like define before it is stored. */
#ifndef NETD_EDIT_H
#define NETD_EDIT_H

#include <stdio.h>

#include "store.h"

/* Edit a copy of NAME's stored config (a temp file, mode 0600, removed on
 * every path) and store it as define does when it validates and keeps the
 * name. An invalid result is shown (file:line) and, when stdin is a
 * terminal, the user is asked on stderr whether to edit it again; nothing
 * invalid is ever stored. An unchanged file stores nothing and is no
 * failure. s needs no lock: it is taken only to store, so that other netd
 * runs are not held up while the editor is open. */
int edit_run(struct store *s, const char *name, FILE *out, struct nerr *e);

#endif
