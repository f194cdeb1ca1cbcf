/* The session-VM check on files in a temporary directory: a helper copy
 * with each kind of privilege (none, setuid root, file capabilities with
 * and without the effective bit) and bridge.conf in each state. The tun
 * device is the host's, so its line is never asserted on here. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "bridgeconf.h"
#include "model.h"
#include "session.h"
#include "testutil.h"
#include "util.h"

struct fx {
	char *dir;
	struct nd_paths p;
};

static void put(const char *path, const char *text, mode_t mode)
{
	assert_int_equal(nd_write_atomic(path, text, strlen(text), mode), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tmpdir();
	/* Users must be able to reach bridge.conf, as in /etc/qemu. */
	assert_int_equal(chmod(f->dir, 0755), 0);
	snprintf(f->p.bridge_conf, sizeof f->p.bridge_conf, "%s/bridge.conf", f->dir);
	snprintf(f->p.bridge_helper, sizeof f->p.bridge_helper, "%s/qemu-bridge-helper", f->dir);
	put(f->p.bridge_helper, "#!/bin/false\n", 0755);
	put(f->p.bridge_conf, "allow virbr0\n", 0644);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The reason that contains 'needle', or NULL. */
static const char *reason(const struct sess_report *r, const char *needle)
{
	for (size_t i = 0; i < r->n; i++)
		if (strstr(r->why[i], needle))
			return r->why[i];
	return NULL;
}

/* Network virbr0, for a group's members (group not "") or, with owner >= 0,
 * for one user (a delegated network). */
static const struct net *net_of(const char *group, long owner)
{
	static struct net n;

	memset(&n, 0, sizeof n);
	nd_strlcpy(n.bridge, "virbr0", sizeof n.bridge);
	nd_strlcpy(n.access_group, group, sizeof n.access_group);
	if (owner >= 0) {
		n.owner_line = 1;
		n.owner_uid = (uint32_t)owner;
	}
	return &n;
}

static void check(struct fx *f, struct sess_report *r)
{
	assert_int_equal(sess_check(&f->p, net_of("", -1), NULL, NULL, r), 0);
	assert_int_equal(r->usable, r->n == 0);
}

/* Give the helper copy file capabilities: CAP_NET_ADMIN permitted, with or
 * without the effective bit. Skips the test where the file system or the
 * caller cannot set them. */
static void set_caps(const char *path, bool effective)
{
	struct vfs_cap_data cap = { 0 };

	cap.magic_etc = htole32(VFS_CAP_REVISION_2 | (effective ? VFS_CAP_FLAGS_EFFECTIVE : 0));
	cap.data[CAP_NET_ADMIN / 32].permitted = htole32(1u << (CAP_NET_ADMIN % 32));
	if (setxattr(path, "security.capability", &cap, sizeof cap, 0) < 0) {
		print_message("cannot set file capabilities here: %s\n", strerror(errno));
		skip();
	}
}

static void test_helper_plain(void **state)
{
	struct fx *f = *state;
	struct sess_report r;
	const char *why;

	check(f, &r);
	assert_false(r.usable);
	why = reason(&r, "is neither setuid root nor has cap_net_admin");
	assert_non_null(why);
	assert_non_null(strstr(why, f->p.bridge_helper));
	/* It says what to run. */
	assert_true(strstr(why, "4755") || strstr(why, "chmod u+s"));
}

static void test_helper_missing(void **state)
{
	struct fx *f = *state;
	struct sess_report r;

	assert_int_equal(unlink(f->p.bridge_helper), 0);
	check(f, &r);
	assert_false(r.usable);
	assert_non_null(reason(&r, "qemu-bridge-helper is not installed"));
}

static void test_helper_setuid(void **state)
{
	struct fx *f = *state;
	struct sess_report r;

	if (geteuid() != 0)
		skip(); /* a setuid-root file needs root to make */
	assert_int_equal(chown(f->p.bridge_helper, 0, 0), 0);
	assert_int_equal(chmod(f->p.bridge_helper, 04755), 0);
	check(f, &r);
	assert_null(reason(&r, "qemu-bridge-helper"));
}

static void test_helper_caps_ep(void **state)
{
	struct fx *f = *state;
	struct sess_report r;

	set_caps(f->p.bridge_helper, true);
	check(f, &r);
	assert_null(reason(&r, "qemu-bridge-helper"));
}

/* cap_net_admin=p without the effective bit: the helper, which does not
 * raise its own capabilities, runs without it. */
static void test_helper_caps_p_only(void **state)
{
	struct fx *f = *state;
	struct sess_report r;

	set_caps(f->p.bridge_helper, false);
	check(f, &r);
	assert_non_null(reason(&r, "is neither setuid root nor has cap_net_admin"));
}

static void test_conf_states(void **state)
{
	static const struct {
		const char *text;
		mode_t mode;
		const char *want; /* a reason that must be listed, or NULL */
	} cases[] = {
		{ "allow virbr0\n", 0644, NULL },
		{ "# admin\nallow all\n", 0644, NULL },
		{ "allow virbr1\n", 0644, "has no 'allow virbr0'" },
		{ "allow virbr0\ndeny virbr0\n", 0644, "bridge.conf:2 denies virbr0" },
		{ "allow virbr0\ndeny all\n", 0644, "denies virbr0" },
		{ "allow virbr0\nfrobnicate virbr0\n", 0644, "rejects" },
		{ "allow virbr0\n", 0600, "not readable by ordinary users" },
	};
	struct fx *f = *state;

	if (geteuid() == 0) {
		assert_int_equal(chown(f->p.bridge_helper, 0, 0), 0);
		assert_int_equal(chmod(f->p.bridge_helper, 04755), 0);
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sess_report r;

		put(f->p.bridge_conf, cases[i].text, cases[i].mode);
		check(f, &r);
		if (!cases[i].want) {
			assert_null(reason(&r, "bridge.conf"));
			continue;
		}
		if (!reason(&r, cases[i].want))
			fail_msg("case %zu: no reason with \"%s\" (%zu reasons, first: %s)", i,
				 cases[i].want, r.n, r.n ? r.why[0] : "-");
		assert_false(r.usable);
	}
	assert_int_equal(unlink(f->p.bridge_conf), 0);
	{
		struct sess_report r;

		check(f, &r);
		assert_non_null(reason(&r, "does not exist: qemu-bridge-helper allows no bridge"));
	}
}

/* What status says of bridge.conf quotes no line of an included file (it
 * may be /etc/shadow), and names the line that makes the helper reject the
 * file, not an include's. */
static void test_acl_no_content(void **state)
{
	struct fx *f = *state;
	struct sess_report r;
	char inc[4200], text[8400];
	const char *why;

	snprintf(inc, sizeof inc, "%s/shadow", f->dir);
	put(inc, "root:$6$SECRETxyz:19000:0:99999:7:::\n", 0600);
	snprintf(text, sizeof text, "include %s\nallow virbr0\nroot:$6$SECRETxyz\n", inc);
	put(f->p.bridge_conf, text, 0644);
	check(f, &r);
	for (size_t i = 0; i < r.n; i++)
		if (strstr(r.why[i], "SECRET"))
			fail_msg("quotes the file: %s", r.why[i]);
	why = reason(&r, "rejects");
	assert_non_null(why);
	snprintf(text, sizeof text, "%s line 3:", f->p.bridge_conf);
	if (!strstr(why, text))
		fail_msg("does not name %s: %s", text, why);
}

/* A user of uid/gid 65534 with the given supplementary groups. */
static struct sess_user user_with(const gid_t *groups, size_t n)
{
	struct sess_user u = { .uid = 65534, .gid = 65534 };

	for (size_t i = 0; i < n; i++)
		u.groups[u.n_groups++] = groups[i];
	snprintf(u.name, sizeof u.name, "tester");
	return u;
}

static struct stat st_of(uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st = { 0 };

	st.st_uid = uid;
	st.st_gid = gid;
	st.st_mode = S_IFREG | mode;
	return st;
}

/* The kernel's classes: the owner's bits for the owner even when others
 * may do more, the group's for any of the user's groups, else others'. */
static void test_perm_ok(void **state)
{
	gid_t kvm = 993;
	struct sess_user u = user_with(&kvm, 1), lone = user_with(NULL, 0);
	struct stat st;

	(void)state;
	st = st_of(0, 0, 0644);
	assert_true(sess_perm_ok(&u, &st, R_OK));
	assert_false(sess_perm_ok(&u, &st, R_OK | W_OK));
	st = st_of(0, kvm, 0640);
	assert_true(sess_perm_ok(&u, &st, R_OK));
	assert_false(sess_perm_ok(&lone, &st, R_OK));
	st = st_of(0, 65534, 0640); /* the primary group counts too */
	assert_true(sess_perm_ok(&lone, &st, R_OK));
	st = st_of(65534, 0, 0044); /* the owner's class, not others' */
	assert_false(sess_perm_ok(&lone, &st, R_OK));
	st = st_of(0, kvm, 0604); /* a member gets the group's bits, not others' */
	assert_false(sess_perm_ok(&u, &st, R_OK));
	assert_true(sess_perm_ok(&lone, &st, R_OK));
	st = st_of(0, 0, 0666);
	assert_true(sess_perm_ok(&lone, &st, R_OK | W_OK));
	st = st_of(0, 0, 0711);
	assert_true(sess_perm_ok(&lone, &st, X_OK));
	assert_false(sess_perm_ok(&lone, &st, R_OK));
}

static void test_perm_why(void **state)
{
	struct sess_user lone = user_with(NULL, 0), member = user_with((gid_t[]){ 0 }, 1);
	struct stat st = st_of(0, 0, 0600);
	char why[400];

	(void)state;
	sess_perm_why(&lone, &st, R_OK | W_OK, why, sizeof why);
	assert_string_equal(why, "mode 0600 root:root: you (tester) are neither its owner nor in "
				 "group root, and others may not read and write it");
	st = st_of(0, 0, 0600);
	sess_perm_why(&member, &st, R_OK, why, sizeof why);
	assert_string_equal(why,
			    "mode 0600 root:root: you (tester) are in group root, which may not "
			    "read it");
	st = st_of(65534, 0, 0200);
	sess_perm_why(&lone, &st, R_OK, why, sizeof why);
	assert_non_null(strstr(why, "you (tester) own it, and its owner may not read it"));
	st = st_of(0, 0, 0644); /* the bits allow it: something else refuses */
	sess_perm_why(&lone, &st, R_OK, why, sizeof why);
	assert_non_null(strstr(why, "POSIX ACL or a security module"));
}

/* A user's view of a bridge.conf report that allows them nothing: a
 * group-only network names the group and the usermod; an include the user
 * may not read is named with its mode and the chmod. */
static void test_user_not_allowed(void **state)
{
	struct fx *f = *state;
	struct sess_user lone = user_with(NULL, 0), member = user_with((gid_t[]){ 0 }, 1);
	struct bconf_report rep = { 0 };
	struct sess_report r;
	char inc[4200];
	const char *why;

	assert_int_equal(sess_check(&f->p, net_of("root", -1), &rep, &lone, &r), 0);
	why = reason(&r, "is for members of group root only");
	assert_non_null(why);
	assert_non_null(strstr(why, "you (tester) are not one: an admin must run 'usermod -aG "
				    "root tester'"));
	/* a member not allowed all the same: no group reason */
	assert_int_equal(sess_check(&f->p, net_of("root", -1), &rep, &member, &r), 0);
	assert_null(reason(&r, "is for members of group"));
	assert_non_null(reason(&r, "has no 'allow virbr0' for you"));

	snprintf(inc, sizeof inc, "%s/private.conf", f->dir);
	put(inc, "allow virbr0\n", 0600);
	rep.n_noread = 1;
	assert_true(strlen(inc) < sizeof rep.noread[0]);
	memcpy(rep.noread[0], inc, strlen(inc) + 1);
	assert_int_equal(sess_check(&f->p, net_of("", -1), &rep, &lone, &r), 0);
	why = reason(&r, "skips that include");
	assert_non_null(why);
	assert_non_null(strstr(why, "(mode 0600 root:root: you (tester) are neither"));
	snprintf(inc, sizeof inc, "an admin must run 'chmod a+r %s/private.conf'", f->dir);
	assert_non_null(strstr(why, inc));
	assert_false(r.usable);

	/* another user's network: said so, and no chmod advised */
	assert_int_equal(sess_check(&f->p, net_of("", 0), &rep, &lone, &r), 0);
	why = reason(&r, "is the network of user root (netd user)");
	assert_non_null(why);
	assert_non_null(strstr(why, "not yours (tester)"));
	assert_null(reason(&r, "chmod a+r"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_helper_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl_no_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_setuid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_caps_ep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_helper_caps_p_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_states, setup, teardown),
		cmocka_unit_test(test_perm_ok),
		cmocka_unit_test(test_perm_why),
		cmocka_unit_test_setup_teardown(test_user_not_allowed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
