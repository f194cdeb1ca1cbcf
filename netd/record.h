/* The runtime record of a running network: the model it was started with,
 * NETD_RUN_DIR/NAME.xml. start writes it before it creates anything, so that
 * a later, separate invocation knows what exists: stop tears down exactly
 * that, apply and status compare the host with it. stop removes it last,
 * so an interrupted stop can be run again. */
#ifndef NETD_RECORD_H
#define NETD_RECORD_H

#include "model.h"
#include "store.h"

int record_write(const struct store *s, const struct net *n, struct nerr *e);
/* 0 when it is already gone. */
int record_remove(const struct store *s, const char *name, struct nerr *e);

/* The model a running network was started with, read once. -ENOTCONN when
 * it is not running. -EUCLEAN when the record is not a model (damaged).
 * -ESTALE, with n filled, when it parses but fails today's validation (an
 * older netd's, whose rules were looser) and the names stop acts on still
 * pass their grammar: only stop goes on with that. */
int record_load(const struct store *s, const char *name, struct net *n, struct nerr *e);

/* The reason the last start (or boot) of network 'name' failed, kept in
 * NETD_STATE_DIR/last-error/NAME (written atomically; the state dir, so
 * that it outlives a reboot) until a start succeeds. The text is "start
 * failed at step 'S': WHY" or "start failed: WHY", without the "network
 * NAME: " in front. */
int record_error_write(const struct store *s, const char *name, const char *msg, struct nerr *e);
/* 0 when there is none. */
int record_error_clear(const struct store *s, const char *name, struct nerr *e);
/* 1 with msg and *when (seconds since the epoch) when there is one, 0
 * when there is none or it cannot be read. */
int record_error_load(const struct store *s, const char *name, char *msg, size_t len,
		      int64_t *when);

#endif
