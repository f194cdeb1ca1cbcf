/* The dnsmasq step's operations that need no running dnsmasq: apply and
 * describe for a network without DHCP or DNS, undo removing exactly the
 * files apply writes (and saying when one cannot go), check finding a
 * dnsmasq that is not running. The spawning parts run in the namespace
 * tests (ns-*), which start real networks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dhcp_step.h"
#include "testutil.h"
#include "util.h"

struct fx {
	char *dir;
	struct nd_paths p;
	struct net n;
	struct step_ctx c;
	void *st;
	char path[4096];
};

static int setup_with(void **state, const char *xml)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->dir = tu_tmpdir();
	nd_strlcpy(f->p.state_dir, f->dir, sizeof f->p.state_dir);
	nd_strlcpy(f->p.run_dir, f->dir, sizeof f->p.run_dir);
	if (xml)
		tu_load_str(xml, &f->n);
	else
		tu_load(tu_data("dhcp/dualstack.xml"), &f->n);
	f->c.p = &f->p;
	f->c.n = &f->n;
	f->c.out = stdout;
	f->st = calloc(1, dhcp_step.state_size);
	assert_non_null(f->st);
	*state = f;
	return 0;
}

static int setup_dhcp(void **state)
{
	return setup_with(state, NULL);
}

static int setup_plain(void **state)
{
	return setup_with(state, "<network><name>plain</name><bridge name='br-plain'/></network>");
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (dhcp_step.state_free)
		dhcp_step.state_free(f->st);
	free(f->st);
	net_free(&f->n);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* STATE/dnsmasq/NAME.SUFFIX */
static const char *file(struct fx *f, const char *suffix)
{
	snprintf(f->path, sizeof f->path, "%s/dnsmasq/%s.%s", f->dir, f->n.name, suffix);
	return f->path;
}

static void touch(struct fx *f, const char *suffix)
{
	snprintf(f->path, sizeof f->path, "%s/dnsmasq", f->dir);
	assert_int_equal(nd_mkdir_p(f->path, 0755), 0);
	assert_int_equal(nd_write_atomic(file(f, suffix), "x\n", 2, 0644), 0);
}

static bool exists(struct fx *f, const char *suffix)
{
	return access(file(f, suffix), F_OK) == 0;
}

static void test_not_needed(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	struct drift d = { 0 };
	json_t *o = json_object();

	assert_int_equal(dhcp_step.apply(&f->c, f->st, &e), 0);
	assert_string_equal(f->c.started, "");
	assert_false(exists(f, "conf"));
	assert_int_equal(dhcp_step.check(&f->c, f->st, &d, &e), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(dhcp_step.describe(&f->c, f->st, o, &e), 0);
	assert_true(json_is_null(json_object_get(o, "dnsmasq_pid")));
	json_decref(o);
}

static void test_undo_removes_files(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };

	touch(f, "conf");
	touch(f, "hostsfile");
	touch(f, "addnhosts");
	touch(f, "leases");
	assert_int_equal(dhcp_step.undo(&f->c, f->st, &e), 0);
	assert_false(exists(f, "conf"));
	assert_false(exists(f, "hostsfile"));
	assert_false(exists(f, "addnhosts"));
	assert_true(exists(f, "leases")); /* guests keep their addresses */
	/* again, with nothing left: still success */
	assert_int_equal(dhcp_step.undo(&f->c, f->st, &e), 0);
}

static void test_undo_reports_unlink(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };

	/* a directory where the config file should be: unlink() fails */
	touch(f, "hostsfile");
	touch(f, "addnhosts");
	assert_int_equal(mkdir(file(f, "conf"), 0755), 0);
	assert_true(dhcp_step.undo(&f->c, f->st, &e) < 0);
	assert_non_null(strstr(e.msg, file(f, "conf")));
	assert_non_null(strstr(e.msg, "remove"));
	/* the others were attempted all the same */
	assert_false(exists(f, "hostsfile"));
	assert_false(exists(f, "addnhosts"));
	assert_int_equal(rmdir(file(f, "conf")), 0);
}

static void test_check_not_running(void **state)
{
	struct fx *f = *state;
	struct nerr e = { { 0 } };
	struct drift d = { 0 };
	json_t *o = json_object();

	assert_int_equal(dhcp_step.check(&f->c, f->st, &d, &e), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.what[0], "dnsmasq: not running");
	assert_int_equal(dhcp_step.describe(&f->c, f->st, o, &e), 0);
	assert_true(json_is_null(json_object_get(o, "dnsmasq_pid")));
	json_decref(o);
}

static void test_files_for(void **state)
{
	struct fx *f = *state;
	struct dhcp_files_buf fb;
	struct nerr e = { { 0 } };
	char group[64];

	assert_int_equal(dhcp_files_for(&f->p, f->n.name, &fb, group, sizeof group, &e), 0);
	assert_string_equal(fb.files.conf, file(f, "conf"));
	assert_true(fb.files.group == NULL || fb.files.group == group);
	assert_true(dhcp_files_for(&f->p, "../x", &fb, group, sizeof group, &e) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_needed, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_undo_removes_files, setup_dhcp, teardown),
		cmocka_unit_test_setup_teardown(test_undo_reports_unlink, setup_dhcp, teardown),
		cmocka_unit_test_setup_teardown(test_check_not_running, setup_dhcp, teardown),
		cmocka_unit_test_setup_teardown(test_files_for, setup_dhcp, teardown),
	};

	return cmocka_run_group_tests_name("dhcp step", tests, NULL, NULL);
}
