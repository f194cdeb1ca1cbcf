/* The step loop (netd/step.c) with a table of recording steps: the order of
 * apply, undo, check and repair, what a failure undoes, and the message
 * the user reads. No system is touched. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "step.h"

/* What the fake steps did, in order: "a+" apply, "a-" undo, "a?" check,
 * "a!" repair, "a=" describe. */
static char journal[256];
/* Which step fails which operation ('\0': none). */
static char fail_apply, fail_undo, fail_check, fail_repair;
/* Which step's check reports drift. */
static char drifts;

struct fake_state {
	int applied; /* per-step state survives from one operation to the next */
};

static void note(const struct step_ops *o, char op)
{
	size_t n = strlen(journal);

	snprintf(journal + n, sizeof journal - n, "%s%c ", o->name, op);
}

static int fake_apply(const struct step_ops *o, void *st, struct nerr *e)
{
	note(o, '+');
	if (fail_apply == o->name[0])
		return nerr_set(e, -EIO, "%s: apply broke", o->name);
	((struct fake_state *)st)->applied++;
	return 0;
}

static int fake_undo(const struct step_ops *o, void *st, struct nerr *e)
{
	(void)st;
	note(o, '-');
	if (fail_undo == o->name[0])
		return nerr_set(e, -EBUSY, "%s: undo broke", o->name);
	return 0;
}

static int fake_check(const struct step_ops *o, struct drift *d, struct nerr *e)
{
	note(o, '?');
	if (fail_check == o->name[0])
		return nerr_set(e, -EIO, "%s: cannot read", o->name);
	if (drifts == o->name[0])
		drift_add(d, "%s: differs", o->name);
	return 0;
}

static int fake_repair(const struct step_ops *o, struct nerr *e)
{
	note(o, '!');
	if (fail_repair == o->name[0])
		return nerr_set(e, -EIO, "%s: repair broke", o->name);
	return 0;
}

#define FAKE_STEP(X, UNDO_AFTER)                                                                   \
	static const struct step_ops X##_step;                                                     \
	static int X##_apply(struct step_ctx *c, void *st, struct nerr *e)                         \
	{                                                                                          \
		(void)c;                                                                           \
		return fake_apply(&X##_step, st, e);                                               \
	}                                                                                          \
	static int X##_undo(struct step_ctx *c, void *st, struct nerr *e)                          \
	{                                                                                          \
		(void)c;                                                                           \
		return fake_undo(&X##_step, st, e);                                                \
	}                                                                                          \
	static int X##_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)        \
	{                                                                                          \
		(void)c;                                                                           \
		(void)st;                                                                          \
		return fake_check(&X##_step, d, e);                                                \
	}                                                                                          \
	static int X##_repair(struct step_ctx *c, void *st, struct nerr *e)                        \
	{                                                                                          \
		(void)c;                                                                           \
		(void)st;                                                                          \
		return fake_repair(&X##_step, e);                                                  \
	}                                                                                          \
	static int X##_describe(struct step_ctx *c, void *st, json_t *o, struct nerr *e)           \
	{                                                                                          \
		(void)c;                                                                           \
		(void)e;                                                                           \
		note(&X##_step, '=');                                                              \
		return json_object_set_new(o, #X,                                                  \
					   json_integer(((struct fake_state *)st)->applied));      \
	}                                                                                          \
	static const struct step_ops X##_step = {                                                  \
		.name = #X,                                                                        \
		.state_size = sizeof(struct fake_state),                                           \
		.undo_after_failure = (UNDO_AFTER),                                                \
		.apply = X##_apply,                                                                \
		.undo = X##_undo,                                                                  \
		.check = X##_check,                                                                \
		.repair = X##_repair,                                                              \
		.describe = X##_describe,                                                          \
	};

FAKE_STEP(a, false)
FAKE_STEP(b, false)
FAKE_STEP(c, true)
FAKE_STEP(d, false)

static const struct step_ops *const table[] = { &a_step, &b_step, &c_step, &d_step };

static const struct nd_paths paths;
static const struct net net = { .name = "t" };

static int setup(void **state)
{
	(void)state;
	journal[0] = '\0';
	fail_apply = fail_undo = fail_check = fail_repair = drifts = '\0';
	return 0;
}

static void run_init(struct step_run *run)
{
	struct nerr e = { { 0 } };

	assert_int_equal(step_run_init(run, table, ARRAY_SIZE(table), &paths, &net, NULL, &e), 0);
}

static void apply_in_order(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };

	(void)state;
	run_init(&run);
	assert_int_equal(step_run_apply(&run, &e), 0);
	assert_string_equal(journal, "a+ b+ c+ d+ ");
}

/* A failure undoes exactly the steps before it, newest first, and not
 * the failed one; the cause comes first in the message. */
static void failure_undoes_earlier_in_reverse(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };

	(void)state;
	fail_apply = 'b';
	run_init(&run);
	assert_int_equal(step_run_apply(&run, &e), -EIO);
	assert_string_equal(journal, "a+ b+ a- ");
	assert_string_equal(e.msg, "network t: start failed at step 'b': b: apply broke; "
				   "everything it had created was removed");
}

/* undo_after_failure: the failed step's own undo runs too, first. */
static void failure_of_step_that_undoes_itself(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };

	(void)state;
	fail_apply = 'c';
	run_init(&run);
	assert_int_equal(step_run_apply(&run, &e), -EIO);
	assert_string_equal(journal, "a+ b+ c+ c- b- a- ");
}

/* The first step failing leaves nothing to undo. */
static void failure_of_first_step(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };

	(void)state;
	fail_apply = 'a';
	run_init(&run);
	assert_int_equal(step_run_apply(&run, &e), -EIO);
	assert_string_equal(journal, "a+ ");
}

/* An undo that fails during a rollback: the others still run, and the
 * message keeps the cause first, then what could not be removed. */
static void rollback_with_failing_undo(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };

	(void)state;
	fail_apply = 'd';
	fail_undo = 'b';
	run_init(&run);
	assert_int_equal(step_run_apply(&run, &e), -EIO);
	assert_string_equal(journal, "a+ b+ c+ d+ c- b- a- ");
	assert_string_equal(e.msg, "network t: start failed at step 'd': d: apply broke; "
				   "undo b failed: b: undo broke");
}

/* stop: every undo is attempted, newest first, and the failures are named. */
static void undo_all_goes_on(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };

	(void)state;
	fail_undo = 'c';
	run_init(&run);
	assert_int_equal(step_run_undo(&run, &e), 1);
	assert_string_equal(journal, "d- c- b- a- ");
	assert_string_equal(e.msg, "undo c failed: c: undo broke");
}

/* check only reads; with repair, a step is repaired only when it drifted,
 * before the next step is checked. */
static void check_and_repair(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };
	struct drift d;

	(void)state;
	drifts = 'b';
	run_init(&run);
	assert_int_equal(step_run_check(&run, false, &d, &e), 0);
	assert_string_equal(journal, "a? b? c? d? ");
	assert_int_equal(d.n, 1);
	assert_int_equal(d.repaired, 0);
	assert_string_equal(d.what[0], "b: differs");
	journal[0] = '\0';
	assert_int_equal(step_run_check(&run, true, &d, &e), 0);
	assert_string_equal(journal, "a? b? b! c? d? ");
	assert_int_equal(d.n, 1);
	assert_int_equal(d.repaired, 1);
}

/* A repair that fails stops the pass: what was found stays unrepaired. */
static void repair_failure(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };
	struct drift d;

	(void)state;
	drifts = 'b';
	fail_repair = 'b';
	run_init(&run);
	assert_int_equal(step_run_check(&run, true, &d, &e), -EIO);
	assert_string_equal(journal, "a? b? b! ");
	assert_int_equal(d.n, 1);
	assert_int_equal(d.repaired, 0);
	assert_string_equal(e.msg, "network t: repair: b: repair broke");
}

/* State is per step and lasts the whole run; describe sees it. */
static void state_and_describe(void **state)
{
	_cleanup_step_run_ struct step_run run;
	struct nerr e = { { 0 } };
	json_auto_t *o = json_object();

	(void)state;
	run_init(&run);
	assert_int_equal(step_run_apply(&run, &e), 0);
	assert_int_equal(step_run_describe(&run, o, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "a")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "d")), 1);
	assert_int_equal(json_object_size(o), 4);
}

static void too_many_steps(void **state)
{
	const struct step_ops *big[STEP_MAX + 1];
	struct step_run run;
	struct nerr e = { { 0 } };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(big); i++)
		big[i] = &a_step;
	assert_int_equal(step_run_init(&run, big, ARRAY_SIZE(big), &paths, &net, NULL, &e), -E2BIG);
	step_run_done(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(apply_in_order, setup),
		cmocka_unit_test_setup(failure_undoes_earlier_in_reverse, setup),
		cmocka_unit_test_setup(failure_of_step_that_undoes_itself, setup),
		cmocka_unit_test_setup(failure_of_first_step, setup),
		cmocka_unit_test_setup(rollback_with_failing_undo, setup),
		cmocka_unit_test_setup(undo_all_goes_on, setup),
		cmocka_unit_test_setup(check_and_repair, setup),
		cmocka_unit_test_setup(repair_failure, setup),
		cmocka_unit_test_setup(state_and_describe, setup),
		cmocka_unit_test_setup(too_many_steps, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
