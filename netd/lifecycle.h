/* Bringing networks up and down: start (with rollback), stop, boot, apply
 * (repair drift), status, leases.
 *
 * There is no daemon. start records the model it started under the runtime
 * directory (NETD_RUN_DIR/NAME.xml) before it creates anything, so that a
 * later, separate invocation knows what exists: stop tears down exactly
 * that, apply compares the host with it. The record goes last on stop, so an
 * interrupted stop can be run again. */
#ifndef NETD_LIFECYCLE_H
#define NETD_LIFECYCLE_H

#include <stdbool.h>
#include <stdio.h>

#include "dhcp.h"
#include "store.h"

/* Progress and repairs are reported as lines on 'out' (the CLI's stdout);
 * the error that ends a command is in 'e'. */

/* -EALREADY (with a message, nothing changed) when it is running. */
int lc_start(struct store *s, const char *name, FILE *out, struct nerr *e);
/* -ENOTCONN (with a message) when it is not running. Every piece is
 * attempted even when one fails. */
int lc_stop(struct store *s, const char *name, FILE *out, struct nerr *e);
/* Start every autostart network that is not running; one failure does not
 * stop the others. Returns the number that failed (their errors printed on
 * 'err'), or a negative errno when the store could not be read. */
int lc_boot(struct store *s, FILE *out, FILE *err, struct nerr *e);

/* What differs between the host and a running network. */
#define LC_DRIFT_MAX 16
struct lc_drift {
	size_t n;
	size_t repaired; /* what[0..repaired) was repaired; the rest was not */
	char what[LC_DRIFT_MAX][320];
};

/* Compare (repair=false) or compare and repair (repair=true) one running
 * network; with repair, d lists what was found and how much of it was
 * repaired before an error (if any) stopped the repair. */
int lc_check(struct store *s, const char *name, bool repair, struct lc_drift *d, struct nerr *e);
/* apply for NAME, or every running network when name is NULL; prints what
 * it repaired. Returns the number of networks that could not be repaired,
 * or a negative errno. */
int lc_apply(struct store *s, const char *name, FILE *out, FILE *err, struct nerr *e);

int lc_status(struct store *s, const char *name, bool json, FILE *out, struct nerr *e);
int lc_leases(struct store *s, const char *name, bool json, FILE *out, struct nerr *e);

#endif
