/* The loop over a table of steps; see step.h. */
#include "step.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/file.h>
#include <string.h>
#include <time.h>

#include "netlink.h"

static void drift_vadd(struct drift *d, bool norepair, const char *fmt, va_list ap)
{
	if (d->n >= DRIFT_MAX)
		return;
	d->norepair[d->n] = norepair;
	(void)vsnprintf(d->what[d->n++], sizeof d->what[0], fmt, ap); /* may be truncated */
}

void drift_add(struct drift *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	drift_vadd(d, false, fmt, ap);
	va_end(ap);
}

void drift_add_norepair(struct drift *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	drift_vadd(d, true, fmt, ap);
	va_end(ap);
}

void drift_unchecked(struct drift *d, const char *name)
{
	for (size_t i = 0; i < d->n_unchecked; i++)
		if (strcmp(d->unchecked[i], name) == 0)
			return;
	if (d->n_unchecked < DRIFT_MAX)
		d->unchecked[d->n_unchecked++] = name;
}

/* A check that root would run, but not for another user. */
static bool step_skipped(const struct step_run *run, const struct step_ops *o)
{
	return run->c.as_user && o->check_needs_root;
}

void step_note(struct step_ctx *c, const char *fmt, ...)
{
	size_t used = strlen(c->notes);
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(c->notes + used, sizeof c->notes - used, fmt, ap);
	va_end(ap);
	used = k < 0 ? used : strlen(c->notes);
	if (used + 1 < sizeof c->notes) {
		c->notes[used] = '\n';
		c->notes[used + 1] = '\0';
	}
}

void step_changed(struct step_ctx *c, const char *fmt, ...)
{
	size_t used = strnlen(c->started, sizeof c->started);
	va_list ap;

	if (used + 2 >= sizeof c->started)
		return;
	memcpy(c->started + used, ", ", 3);
	used += 2;
	va_start(ap, fmt);
	(void)vsnprintf(c->started + used, sizeof c->started - used, fmt,
			ap); /* may be truncated */
	va_end(ap);
}

int step_nl(struct step_ctx *c, struct nl_sock **sk, struct nerr *e)
{
	int r;

	if (!c->nl && (r = netlink_open(&c->nl, e)) < 0)
		return r;
	*sk = c->nl;
	return 0;
}

int step_run_init(struct step_run *run, const struct step_ops *const *ops, size_t n,
		  const struct nd_paths *p, const struct net *net, FILE *out, struct nerr *e)
{
	memset(run, 0, sizeof *run);
	run->c.p = p;
	run->c.n = net;
	run->c.out = out;
	run->conf = (struct hostconf){ .firewalld = true, .iptables = true };
	run->c.conf = &run->conf;
	run->serial_fd = -1;
	run->c.serial_fd = -1;
	if (n > STEP_MAX)
		return nerr_set(e, -E2BIG, "network %s: %zu steps, at most %d", net->name, n,
				STEP_MAX);
	run->ops = ops;
	run->n = n;
	for (size_t i = 0; i < n; i++) {
		if (!ops[i]->state_size)
			continue;
		if (!(run->state[i] = calloc(1, ops[i]->state_size)))
			return nerr_set(e, -ENOMEM, "network %s: out of memory", net->name);
	}
	return 0;
}

void step_run_done(struct step_run *run)
{
	for (size_t i = 0; i < run->n; i++) {
		if (run->state[i] && run->ops[i]->state_free)
			run->ops[i]->state_free(run->state[i]);
		free(run->state[i]);
		run->state[i] = NULL;
	}
	if (run->c.nl)
		netlink_close(run->c.nl);
	run->c.nl = NULL;
	run->n = 0;
}

/* NETD_STEP_TIMES=1 prints how long each step's apply (and undo) took,
 * on stderr: the profile bench/run reports where start and stop time go. */
static void step_time(const struct step_ops *o, const char *what, int64_t t0)
{
	const char *v = getenv("NETD_STEP_TIMES");
	struct timespec ts;

	if (!v || strcmp(v, "1") != 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "netd: step %s%s: %.2f ms\n", o->name, what,
		(double)((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - t0) / 1e6);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t step_phase_begin(void)
{
	return now_ns();
}

void step_phase_time(const char *name, int64_t t0)
{
	const char *v = getenv("NETD_STEP_TIMES");

	if (v && strcmp(v, "1") == 0)
		fprintf(stderr, "netd: phase %s: %.2f ms\n", name, (double)(now_ns() - t0) / 1e6);
}

/* Undo steps [0, upto) newest first; append each failure to notes. */
static int undo_range(struct step_run *run, size_t upto, char *notes, size_t len)
{
	int failed = 0;

	for (size_t i = upto; i-- > 0;) {
		struct nerr ue = { { 0 } };
		size_t used = strlen(notes);
		int64_t t0 = now_ns();
		int r = run->ops[i]->undo ? run->ops[i]->undo(&run->c, run->state[i], &ue) : 0;

		if (run->ops[i]->undo)
			step_time(run->ops[i], " undo", t0);
		if (r >= 0)
			continue;
		failed++;
		(void)snprintf(notes + used, len - used, "; undo %s failed: %s", run->ops[i]->name,
			       ue.msg); /* may be truncated */
	}
	return failed;
}

void step_serial_enter(int serial_fd)
{
	if (serial_fd >= 0)
		while (flock(serial_fd, LOCK_EX) < 0 && errno == EINTR)
			;
}

void step_serial_leave(int serial_fd)
{
	if (serial_fd >= 0)
		(void)flock(serial_fd, LOCK_UN);
}

int step_run_apply(struct step_run *run, struct nerr *e)
{
	char notes[sizeof e->msg] = "";
	size_t i;
	int r = 0;

	for (i = 0; i < run->n; i++) {
		int64_t t0 = now_ns();
		bool serial = !run->ops[i]->concurrent;

		if (serial)
			step_serial_enter(run->serial_fd);
		r = run->ops[i]->apply(&run->c, run->state[i], e);
		if (serial)
			step_serial_leave(run->serial_fd);
		step_time(run->ops[i], "", t0);
		if (r < 0)
			break;
	}
	if (r >= 0)
		return 0;
	step_serial_enter(run->serial_fd);
	undo_range(run, i + run->ops[i]->undo_after_failure, notes, sizeof notes);
	step_serial_leave(run->serial_fd);
	/* The cause first, then what the undo could not remove: the first
	 * error is the one the user must read. */
	nerr_wrap(e, r, "network %s: start failed at step '%s'", run->c.n->name, run->ops[i]->name);
	if (notes[0])
		return nerr_append(e, r, "%s", notes);
	return nerr_append(e, r, "; everything it had created was removed");
}

int step_run_undo(struct step_run *run, struct nerr *e)
{
	char notes[sizeof e->msg] = "";
	int failed = undo_range(run, run->n, notes, sizeof notes);

	if (failed)
		nerr_set(e, -EIO, "%s", notes + 2); /* without the leading "; " */
	return failed;
}

int step_run_check(struct step_run *run, bool repair, struct drift *d, struct nerr *e)
{
	int r;

	memset(d, 0, sizeof *d);
	for (size_t i = 0; i < run->n; i++) {
		const struct step_ops *o = run->ops[i];
		size_t before = d->n;

		if (!o->check)
			continue;
		if (step_skipped(run, o)) {
			drift_unchecked(d, o->name);
			continue;
		}
		r = o->check(&run->c, run->state[i], d, e);
		/* A user may lack a permission root has: that step is not
		 * checked, the others still are. */
		if ((r == -EPERM || r == -EACCES) && run->c.as_user) {
			drift_unchecked(d, o->name);
			continue;
		}
		if (r < 0)
			return nerr_wrap(e, r, "network %s: check", run->c.n->name);
		if (!repair)
			continue;
		if (!o->repair) {
			for (size_t j = before; j < d->n; j++)
				d->norepair[j] = true;
			continue;
		}
		if (d->n > before && (r = o->repair(&run->c, run->state[i], e)) < 0)
			return nerr_wrap(e, r, "network %s: repair", run->c.n->name);
		d->repaired = d->n;
	}
	return 0;
}

int step_run_describe(struct step_run *run, json_t *status, struct nerr *e)
{
	int r;

	for (size_t i = 0; i < run->n; i++)
		if (run->ops[i]->describe && !step_skipped(run, run->ops[i]) &&
		    (r = run->ops[i]->describe(&run->c, run->state[i], status, e)) < 0)
			return r;
	return 0;
}
