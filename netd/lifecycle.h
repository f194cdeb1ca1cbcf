/* Bringing networks up and down: start (with rollback), stop, boot, apply
 * (repair drift). One network's resources are the table of steps in
 * lifecycle.c (see step.h); what a running network was started with is its
 * runtime record (record.h). There is no daemon: each command does its work
 * and exits. */
#ifndef NETD_LIFECYCLE_H
#define NETD_LIFECYCLE_H

#include <stdbool.h>
#include <stdio.h>

#include "step.h"
#include "store.h"

/* Progress and repairs are reported as lines on 'out' (the CLI's stdout);
 * the error that ends a command is in 'e'. */

/* -EALREADY (with a message, nothing changed) when it is running. */
int lc_start(struct store *s, const char *name, FILE *out, struct nerr *e);
/* Start model n as it is (a transient network: nothing is read from or
 * written to the store; see transient.h). */
int lc_start_net(struct store *s, const struct net *n, FILE *out, struct nerr *e);
/* -ENOTCONN (with a message) when it is not running. Every piece is
 * attempted even when one fails. */
int lc_stop(struct store *s, const char *name, FILE *out, struct nerr *e);
/* lc_stop, unless ports are attached to the network's bridge: then
 * -EBUSY, nothing changed, the message naming each port and the process
 * and user behind each tap. With 'force' it stops all the same and says on
 * 'out' whom it cut off. boot, apply and the package hooks never stop a
 * network; this is for the CLI. */
int lc_stop_guarded(struct store *s, const char *name, bool force, FILE *out, struct nerr *e);
/* The guests of running network 'name' as "tap0 (qemu-system-x86 pid 1,
 * user alice), vnet3" in 'what' (cut to len); returns how many (0, and ""
 * when it is not running) or a negative errno. */
int lc_guests(struct store *s, const char *name, char *what, size_t len, struct nerr *e);
/* Start every autostart network that is not running; one failure does not
 * stop the others. Returns the number that failed (their errors printed on
 * 'err'), or a negative errno when the store could not be read. */
int lc_boot(struct store *s, FILE *out, FILE *err, struct nerr *e);
/* apply for NAME, or every running network when name is NULL; prints what
 * it repaired. Returns the number of networks that could not be repaired,
 * or a negative errno. */
int lc_apply(struct store *s, const char *name, FILE *out, FILE *err, struct nerr *e);

/* A pass over the steps of network n (for status: check, then describe). */
int lc_run_init(struct step_run *run, const struct store *s, const struct net *n, FILE *out,
		struct nerr *e);

#endif
