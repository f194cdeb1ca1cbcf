/* The steps of a running network: one table entry per kind of resource.
 *
 * Each resource module (the bridge, forwarding sysctls, the firewall,
 * dnsmasq, the bridge.conf entry) exports one `const struct step_ops`, and
 * implements every operation in its own file. The loop (step.c) knows no
 * module's internals: it applies the entries in table order, undoes in
 * reverse on failure, and runs check and repair for status and apply. A new
 * kind of resource is one new module and one new entry in lifecycle.c's
 * table.
 *
 * Rules every step follows:
 * - apply is idempotent, and on failure leaves nothing of its own behind,
 *   unless the entry sets undo_after_failure (then the loop runs its undo
 *   too, so undo must be safe on a partial result);
 * - undo removes what apply created and nothing else, succeeds when it is
 *   already gone, and says on c->out (not as an error) when what it finds
 *   in place of its object is not netd's, so that stop can always finish;
 * - check reads the host and adds one line per finding to d; it keeps
 *   whatever repair needs (typed findings) in its own state, never in text;
 * - repair fixes what the last check found, and is called only when that
 *   check added findings; a step whose findings only someone else can fix
 *   (another tool's firewall) has none: its findings stay "could not
 *   repair" and the pass goes on. */
#ifndef NETD_STEP_H
#define NETD_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "hostconf.h"
#include "model.h"
#include "paths.h"
#include "util.h"

struct nl_sock;

/* What the host differs in from a running network, one line per finding. */
#define DRIFT_MAX 16
struct drift {
	size_t n;
	/* what[0..repaired) was repaired, but for those marked norepair; the
	 * rest was not */
	size_t repaired;
	char what[DRIFT_MAX][320];
	/* A finding netd cannot repair (another's route on the host): repair
	 * runs, but apply says "could not repair". */
	bool norepair[DRIFT_MAX];
	/* Steps whose check did not run because it needs root and the caller
	 * is another user (netd status as a user): status says "not checked
	 * (needs root)" for them instead of "no drift". */
	size_t n_unchecked;
	const char *unchecked[DRIFT_MAX];
};

void drift_add(struct drift *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void drift_add_norepair(struct drift *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Record that step 'name' (a string that outlives d) was not checked. */
void drift_unchecked(struct drift *d, const char *name);

/* What the steps of one command share. */
struct step_ctx {
	const struct nd_paths *p;
	const struct net *n;
	/* netd.conf's switches (all defaults when a table is run by itself). */
	const struct hostconf *conf;
	/* Notes for the user: what start brought up, what stop left alone. */
	FILE *out;
	/* One rtnetlink socket for the whole command, opened on first use
	 * with step_nl(); closed by step_run_done(). */
	struct nl_sock *nl;
	/* The bridge's ifindex once the bridge step has created or seen it;
	 * 0 when unknown. Later steps use it rather than asking again. */
	int ifindex;
	/* One line that start prints: "network 'N' started: bridge B ADDR,"
	 * steps append their part (", dnsmasq pid 123"). */
	char started[512];
	/* Lines start prints after that one (warnings): step_note(). */
	char notes[4096];
	/* Other networks' steps run meanwhile (a boot worker): an undo must
	 * not remove what networks share (netd's nft table), as one of them
	 * may be adding its part to it right now. */
	bool concurrent_run;
	/* The lock boot's workers share (-1 outside netd boot): a concurrent
	 * step's apply takes it around what two networks must not do at
	 * once (step_serial_enter). */
	int serial_fd;
	/* Run by a user other than root (netd status): checks that need root
	 * (CAP_NET_ADMIN, root's files) are not run; they never pass for
	 * "no drift". */
	bool as_user;
};

/* Add a line to c->notes (cut when full). */
void step_note(struct step_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append ", WHAT" to c->started (reload's list of changes). */
void step_changed(struct step_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The command's rtnetlink socket (opened on the first call). */
int step_nl(struct step_ctx *c, struct nl_sock **sk, struct nerr *e);

struct step_ops {
	const char *name;  /* in messages: "start failed at step 'NAME'" */
	size_t state_size; /* zeroed per command, handed to every operation */
	bool undo_after_failure;
	/* Its apply may run while other networks' starts run theirs (netd
	 * boot's workers): it touches nothing another network's start does.
	 * Steps without it run one at a time across workers (step_run.serial_fd). */
	bool concurrent;
	/* Its check (and describe) needs root: nftables or iptables listings
	 * need CAP_NET_ADMIN. For another user the loop skips both and lists
	 * the step as not checked. A step that needs root only for some
	 * networks says so itself with drift_unchecked(). */
	bool check_needs_root;
	int (*apply)(struct step_ctx *c, void *st, struct nerr *e);
	int (*undo)(struct step_ctx *c, void *st, struct nerr *e);
	/* May be NULL: nothing to drift. */
	int (*check)(struct step_ctx *c, void *st, struct drift *d, struct nerr *e);
	/* May be NULL: netd cannot repair what check finds (d->norepair). */
	int (*repair)(struct step_ctx *c, void *st, struct nerr *e);
	/* May be NULL: add this step's fields to `netd status --json`'s
	 * object (after check ran, for a running network). */
	int (*describe)(struct step_ctx *c, void *st, json_t *status, struct nerr *e);
	/* May be NULL: free what the state holds (not the state itself). */
	void (*state_free)(void *st);
	/* May be NULL: take what apply made for 'old' to what c->n needs, in
	 * place (netd reload; the bridge name is the same in both). It says
	 * what it changed with step_changed(). reload(new -> old) must undo a
	 * reload(old -> new), also one that failed part way: that is the
	 * rollback. Without it, reload runs undo(old) and apply(c->n). */
	int (*reload)(struct step_ctx *c, void *st, const struct net *old, struct nerr *e);
};

#define STEP_MAX 16

/* One command's pass over a table of steps. */
struct step_run {
	struct step_ctx c;
	const struct step_ops *const *ops;
	size_t n;
	void *state[STEP_MAX];
	struct hostconf conf;
	/* -1, or (in a boot worker) a lock file's descriptor, flock'ed around
	 * every step that is not concurrent and around the undo. */
	int serial_fd;
};

/* Hold the serial lock of run (when it has one) from serial_enter() to
 * serial_leave(). */
void step_serial_enter(int serial_fd);

/* NETD_STEP_TIMES=1: "netd: phase NAME: X ms" on stderr for the work of a
 * command outside its steps (step_phase_begin() gives t0). */
int64_t step_phase_begin(void);
void step_phase_time(const char *name, int64_t t0);
void step_serial_leave(int serial_fd);

int step_run_init(struct step_run *run, const struct step_ops *const *ops, size_t n,
		  const struct nd_paths *p, const struct net *net, FILE *out, struct nerr *e);
void step_run_done(struct step_run *run);
#define _cleanup_step_run_ __attribute__((cleanup(step_run_done)))

/* Apply every step in order. On failure, undo the applied ones newest first
 * (and the failed one when it sets undo_after_failure); e then says which
 * step failed and why, and what the undo could not remove. */
int step_run_apply(struct step_run *run, struct nerr *e);
/* Undo every step, newest first, attempting each even when one fails.
 * Returns how many failed; e then holds "undo NAME failed: WHY[; ...]". */
int step_run_undo(struct step_run *run, struct nerr *e);
/* Check every step in order; with repair, repair each step's findings
 * before the next step is checked (dnsmasq binds to the bridge). */
int step_run_check(struct step_run *run, bool repair, struct drift *d, struct nerr *e);
/* Every step's describe, in order (but those step_run_check skipped). */
int step_run_describe(struct step_run *run, json_t *status, struct nerr *e);

#endif
