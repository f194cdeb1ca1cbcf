/* The bridge.conf editor on plain files in a temporary directory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bridgeconf.h"
#include "testutil.h"
#include "util.h"

#define PAIR(br) BCONF_MARK "\nallow " br "\n"

struct fx {
	char *dir;
	char path[4096];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof f->path, "%s/qemu/bridge.conf", f->dir);
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

static void put(const struct fx *f, const char *text, mode_t mode)
{
	char dir[4096];

	snprintf(dir, sizeof dir, "%s/qemu", f->dir);
	mkdir(dir, 0755);
	assert_int_equal(nd_write_atomic(f->path, text, strlen(text), mode), 0);
}

static void assert_file(const char *path, const char *want)
{
	char *got = tu_read(path);

	assert_string_equal(got, want);
	free(got);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void add_ok(const struct fx *f, const char *br, struct bconf_report *rep)
{
	struct nerr e = { { 0 } };
	int r = bconf_add(f->path, br, rep, &e);

	if (r < 0)
		fail_msg("bconf_add %s: %s", br, e.msg);
}

static void remove_ok(const struct fx *f, const char *br)
{
	struct nerr e = { { 0 } };
	int r = bconf_remove(f->path, br, &e);

	if (r < 0)
		fail_msg("bconf_remove %s: %s", br, e.msg);
}

static void check_ok(const struct fx *f, const char *br, struct bconf_report *rep)
{
	struct nerr e = { { 0 } };
	int r = bconf_check(f->path, br, rep, &e);

	if (r < 0)
		fail_msg("bconf_check %s: %s", br, e.msg);
}

static void test_add_missing(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;
	char dir[4096];

	add_ok(f, "virbr0", &rep);
	assert_file(f->path, PAIR("virbr0"));
	assert_int_equal(mode_of(f->path), 0644);
	snprintf(dir, sizeof dir, "%s/qemu", f->dir);
	assert_int_equal(mode_of(dir), 0755);
	assert_true(rep.added && rep.present && rep.ours && rep.allowed);
	assert_false(rep.denied || rep.rejected || rep.unreadable || rep.missing);
	assert_true(bconf_usable(&rep));

	remove_ok(f, "virbr0");
	assert_file(f->path, "");
}

/* Everything the administrator wrote stays byte for byte, also an
 * unterminated last line. */
static const char admin_text[] = "# Access control file for qemu bridge helper\n"
				 "\tallow br0\n"
				 "include /nonexistent/acl.conf\n"
				 "   # indented comment\n"
				 "\n"
				 "allow br1   \r\n"
				 "deny br2";

static void test_add_keeps_bytes(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;
	char want[1024];
	size_t head = (size_t)(strrchr(admin_text, '\n') + 1 - admin_text);

	put(f, admin_text, 0640);
	add_ok(f, "virbr0", &rep);
	snprintf(want, sizeof want, "%.*s%s%s", (int)head, admin_text, PAIR("virbr0"),
		 admin_text + head);
	assert_file(f->path, want);
	assert_int_equal(mode_of(f->path), 0640);
	assert_true(rep.added);
	assert_true(rep.unreadable); /* 0640: users' helpers cannot read it */
	assert_false(rep.rejected);
	assert_int_equal(rep.n_bad, 0);

	add_ok(f, "virbr0", &rep); /* twice: one line */
	assert_false(rep.added);
	assert_true(rep.present && rep.ours);
	assert_file(f->path, want);

	add_ok(f, "virbr1", &rep);
	remove_ok(f, "virbr0");
	remove_ok(f, "virbr1");
	assert_file(f->path, admin_text);
	remove_ok(f, "virbr0");
	assert_file(f->path, admin_text);
	assert_int_equal(mode_of(f->path), 0640);
}

static void test_add_appends(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;

	put(f, "allow br0\n", 0644);
	add_ok(f, "virbr0", &rep);
	assert_file(f->path, "allow br0\n" PAIR("virbr0"));
	put(f, "allow br0", 0644);
	add_ok(f, "virbr0", &rep);
	assert_file(f->path, PAIR("virbr0") "allow br0");
	remove_ok(f, "virbr0");
	assert_file(f->path, "allow br0");
}

/* An administrator's own 'allow virbr0' is not netd's to remove. */
static void test_admin_line_kept(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;

	put(f, "allow virbr0\n", 0644);
	add_ok(f, "virbr0", &rep);
	assert_false(rep.added || rep.ours);
	assert_true(rep.present && bconf_usable(&rep));
	remove_ok(f, "virbr0");
	assert_file(f->path, "allow virbr0\n");

	/* The helper takes a tab when the line has no space at all. */
	put(f, "allow\tvirbr0\n", 0644);
	check_ok(f, "virbr0", &rep);
	assert_true(rep.present && !rep.rejected);
}

static void test_deny_reported(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;
	char inc[4096], text[4200], want[4200];

	put(f, "deny virbr0\n", 0644);
	add_ok(f, "virbr0", &rep);
	assert_true(rep.added && rep.allowed && rep.denied);
	assert_false(bconf_usable(&rep));
	snprintf(want, sizeof want, "%s:1", f->path);
	assert_string_equal(rep.deny_at, want);

	put(f, "allow all\n# x\ndeny all\n", 0644);
	check_ok(f, "virbr0", &rep);
	assert_true(rep.allowed && rep.denied && !rep.present);
	snprintf(want, sizeof want, "%s:3", f->path);
	assert_string_equal(rep.deny_at, want);

	put(f, "deny virbr1\nallow virbr0\n", 0644);
	check_ok(f, "virbr0", &rep);
	assert_true(rep.present && !rep.denied && bconf_usable(&rep));

	/* A deny in an included file counts too. */
	snprintf(inc, sizeof inc, "%s/deny.conf", f->dir);
	assert_int_equal(nd_write_atomic(inc, "deny virbr0\n", 12, 0644), 0);
	snprintf(text, sizeof text, "allow virbr0\ninclude %s\n", inc);
	put(f, text, 0644);
	check_ok(f, "virbr0", &rep);
	assert_true(rep.denied);
	snprintf(want, sizeof want, "%s:1", inc);
	assert_string_equal(rep.deny_at, want);
}

static void test_hostile_names(void **state)
{
	static const char *const bad[] = {
		"",
		"all",
		"a b",
		"x\nallow all",
		"br0\n",
		"-x",
		"..",
		"a/b",
		"a#b",
		"virbr0 ",
		"br\t0",
		"abcdefghijklmnop",
		"\xc3\xa9t\xc3\xa9",
	};
	struct fx *f = *state;
	struct bconf_report rep;
	struct nerr e = { { 0 } };
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_false(bconf_name_ok(bad[i]));
		assert_int_equal(bconf_add(f->path, bad[i], &rep, &e), -EINVAL);
		assert_non_null(strstr(e.msg, "cannot go into"));
		assert_null(strchr(e.msg, '\n'));
		assert_int_equal(bconf_remove(f->path, bad[i], &e), -EINVAL);
		assert_int_equal(bconf_check(f->path, bad[i], &rep, &e), -EINVAL);
	}
	assert_int_equal(bconf_add(f->path, NULL, &rep, &e), -EINVAL);
	assert_int_equal(stat(f->path, &st), -1);
	assert_true(bconf_name_ok("abcdefghijklmno")); /* 15 bytes */
}

static void test_bad_lines(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;

	put(f,
	    "# ok\n"
	    "allow abcdefghijklmno\n"	   /* 2: 15 bytes, fine */
	    "allow abcdefghijklmnop\n"	   /* 3: 16 bytes */
	    "deny  some-very-long-name0\n" /* 4 */
	    "frobnicate br0\n"		   /* 5 */
	    "allow\n"			   /* 6: no argument */
	    "allow\tvirbr0 \n"		   /* 7: keyword "allow\tvirbr0" */
	    "allow virbr0\n",
	    0644);
	check_ok(f, "virbr0", &rep);
	assert_true(rep.rejected && rep.present);
	assert_false(bconf_usable(&rep));
	assert_int_equal(rep.n_bad, 5);
	assert_int_equal(rep.bad[0].line, 3);
	assert_true(rep.bad[0].fatal);
	assert_non_null(strstr(rep.bad[0].why, "16 bytes"));
	assert_int_equal(rep.bad[1].line, 4);
	assert_int_equal(rep.bad[2].line, 5);
	assert_non_null(strstr(rep.bad[2].why, "unknown keyword"));
	assert_null(strstr(rep.bad[2].why, "frobnicate")); /* no content quoted */
	assert_int_equal(rep.bad[3].line, 6);
	assert_int_equal(rep.bad[4].line, 7);
	assert_string_equal(rep.bad[4].file, f->path);
}

/* The helper reads with fgets() into 4096 bytes: a longer line comes back in
 * pieces, and a piece that does not start with '#' is a line of its own. */
static void test_long_line(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;
	static const char allow[] = "\nallow virbr0\n";
	char *text = malloc(6000);

	assert_non_null(text);
	text[0] = '#';
	memset(text + 1, 'x', 5000);
	memcpy(text + 5001, allow, sizeof allow);
	put(f, text, 0644);
	check_ok(f, "virbr0", &rep);
	assert_true(rep.rejected);
	assert_int_equal(rep.n_bad, 1);
	assert_int_equal(rep.bad[0].line, 1);
	/* 4094 bytes and a newline still fit. */
	memset(text + 1, 'x', 4093);
	memcpy(text + 4094, allow, sizeof allow);
	put(f, text, 0644);
	check_ok(f, "virbr0", &rep);
	assert_false(rep.rejected);
	assert_true(rep.present);
	free(text);
}

static void test_missing(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;

	check_ok(f, "virbr0", &rep);
	assert_true(rep.missing);
	assert_false(rep.present || bconf_usable(&rep));
	remove_ok(f, "virbr0");
}

static void test_owner_and_symlink(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;
	char real[4096];
	struct stat st;

	if (geteuid() != 0)
		skip();
	put(f, "allow br0\n", 0604);
	assert_int_equal(chown(f->path, 0, 5678), 0);
	add_ok(f, "virbr0", &rep);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 0604);

	snprintf(real, sizeof real, "%s/real.conf", f->dir);
	assert_int_equal(rename(f->path, real), 0);
	assert_int_equal(symlink(real, f->path), 0);
	remove_ok(f, "virbr0");
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_file(real, "allow br0\n");
}

/* The setuid helper trusts bridge.conf, its includes and the directories
 * that lead to them: netd refuses to add to a chain that others than root
 * can write, says what to run, and check names every such file. */
static void test_unsafe_chain(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;
	struct nerr e = { { 0 } };
	char dir[4200], want[8400], inc[4300], lnk[4300], text[8400];
	struct stat st;

	if (geteuid() != 0)
		skip(); /* chown */
	snprintf(dir, sizeof dir, "%s/qemu", f->dir);
	put(f, "allow br0\n", 0666);
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(bconf_add(f->path, "virbr0", &rep, &e), -EPERM);
	snprintf(want, sizeof want, "run 'chmod go-w %s'", f->path);
	if (!strstr(e.msg, want))
		fail_msg("no \"%s\" in: %s", want, e.msg);
	assert_file(f->path, "allow br0\n");
	assert_int_equal(rep.n_unsafe, 1);
	assert_string_equal(rep.unsafe[0].path, f->path);
	assert_false(bconf_usable(&rep));
	assert_int_equal(bconf_add_group(f->path, "virbr7", 4242, &rep, &e), -EPERM);
	assert_non_null(strstr(e.msg, want));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(bconf_acl_path(f->path, "virbr7", inc, sizeof inc), 0);
	assert_int_equal(stat(inc, &st), -1); /* refused before writing anything */

	/* 0664: group root may write (it is root's), another group may not */
	assert_int_equal(chmod(f->path, 0664), 0);
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 0);
	assert_int_equal(chown(f->path, 0, 4242), 0);
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 1);
	snprintf(want, sizeof want, "chmod g-w %s", f->path);
	assert_string_equal(rep.unsafe[0].fix, want);
	assert_non_null(strstr(rep.unsafe[0].who, "group 4242"));

	/* another user's file */
	assert_int_equal(chown(f->path, 1234, 0), 0);
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(bconf_add(f->path, "virbr0", &rep, &e), -EPERM);
	snprintf(want, sizeof want, "run 'chown root %s'", f->path);
	assert_non_null(strstr(e.msg, want));
	assert_int_equal(chown(f->path, 0, 0), 0);

	/* its directory: world-writable, sticky or not (netd creates files
	 * there); and every unsafe file is named, not only the first */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(chmod(f->path, 0666), 0);
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 2);
	assert_string_equal(rep.unsafe[0].path, dir);
	snprintf(want, sizeof want, "chmod go-w %s", dir);
	assert_string_equal(rep.unsafe[0].fix, want);
	assert_string_equal(rep.unsafe[1].path, f->path);
	assert_int_equal(bconf_add(f->path, "virbr0", &rep, &e), -EPERM);
	assert_non_null(strstr(e.msg, want));
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(f->path, 0644), 0);

	/* an include: the file, and a missing one in a sticky 1777 directory
	 * (anyone may create it), but not an existing root file there */
	snprintf(dir, sizeof dir, "%s/sticky", f->dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 01777), 0);
	snprintf(inc, sizeof inc, "%s/acl.conf", dir);
	snprintf(text, sizeof text, "allow br0\ninclude %s\n", inc);
	put(f, text, 0644);
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 1);
	assert_string_equal(rep.unsafe[0].path, dir);
	assert_int_equal(nd_write_atomic(inc, "allow br1\n", 10, 0644), 0);
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 0);
	assert_int_equal(chmod(inc, 0646), 0);
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 1);
	assert_string_equal(rep.unsafe[0].path, inc);
	assert_int_equal(chmod(inc, 0644), 0);
	assert_int_equal(chown(inc, 1234, 0), 0); /* its owner may replace it */
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 2);

	/* an include through a dangling symlink to a name in a sticky 1777
	 * directory: whoever creates the target writes the ACL */
	assert_int_equal(chown(inc, 0, 0), 0);
	assert_int_equal(unlink(inc), 0);
	snprintf(lnk, sizeof lnk, "%s/link.conf", f->dir);
	assert_int_equal(symlink(inc, lnk), 0);
	snprintf(text, sizeof text, "allow br0\ninclude %s\n", lnk);
	put(f, text, 0644);
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 1);
	assert_string_equal(rep.unsafe[0].path, dir);
	assert_int_equal(unlink(lnk), 0);

	/* a name with a terminal escape is shown with '?' in its place */
	snprintf(lnk, sizeof lnk, "%s/esc\033[31m", f->dir);
	assert_int_equal(mkdir(lnk, 0777), 0);
	assert_int_equal(chmod(lnk, 0777), 0);
	snprintf(text, sizeof text, "allow br0\ninclude %s/x.conf\n", lnk);
	put(f, text, 0644);
	check_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 1);
	assert_non_null(strstr(rep.unsafe[0].path, "/esc?[31m"));
	assert_null(strchr(rep.unsafe[0].fix, '\033'));
	assert_int_equal(rmdir(lnk), 0);

	/* all safe again: add works, and the file netd creates is root's 0644 */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(unlink(f->path), 0);
	add_ok(f, "virbr0", &rep);
	assert_int_equal(rep.n_unsafe, 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

/* A group-only bridge: the allow lives in an ACL file only the group reads,
 * bridge.conf includes it, and stop restores bridge.conf byte for byte. */
static void test_group_only(void **state)
{
	struct fx *f = *state;
	const char *orig = "# admin's\nallow br-admin\n";
	struct bconf_report rep;
	struct nerr e = { { 0 } };
	char acl[4200], want[8400];
	struct stat st;

	if (geteuid() != 0)
		skip(); /* giving the ACL file to a group needs root */
	put(f, orig, 0644);
	add_ok(f, "virbr7", &rep); /* open to all first */
	assert_int_equal(bconf_add_group(f->path, "virbr7", 4242, &rep, &e), 0);
	assert_true(rep.present);
	assert_true(rep.group_only);
	assert_int_equal(bconf_acl_path(f->path, "virbr7", acl, sizeof acl), 0);
	snprintf(want, sizeof want, "%s%s\ninclude %s\n", orig, BCONF_MARK, acl);
	assert_file(f->path, want); /* the allow-all pair is gone */
	assert_int_equal(stat(acl, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_gid, 4242);
	assert_int_equal(st.st_uid, 0);
	assert_file(acl, BCONF_MARK " (this bridge is for one group only)\nallow virbr7\n");
	/* idempotent */
	assert_int_equal(bconf_add_group(f->path, "virbr7", 4242, &rep, &e), 0);
	assert_file(f->path, want);
	remove_ok(f, "virbr7");
	assert_file(f->path, orig);
	assert_int_equal(stat(acl, &st), -1);
}

/* bridge.conf a symlink into another directory, with a group-only bridge:
 * the include netd writes is the one it looks for (status said "no 'allow
 * BRIDGE'" for ever, apply "repaired" and changed nothing). */
static void test_group_only_symlink(void **state)
{
	struct fx *f = *state;
	const char *orig = "allow br-admin\n";
	struct bconf_report rep;
	struct nerr e = { { 0 } };
	char real_dir[4200], real[4300], acl[4300], want[8400];
	struct stat st;

	if (geteuid() != 0)
		skip(); /* giving the ACL file to a group needs root */
	snprintf(real_dir, sizeof real_dir, "%s/elsewhere", f->dir);
	assert_int_equal(mkdir(real_dir, 0755), 0);
	snprintf(real, sizeof real, "%s/bridge.conf", real_dir);
	assert_int_equal(nd_write_atomic(real, orig, strlen(orig), 0644), 0);
	put(f, "", 0644);
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(symlink(real, f->path), 0);

	assert_int_equal(bconf_add_group(f->path, "virbr7", 4242, &rep, &e), 0);
	assert_true(rep.group_only && rep.present && rep.added);
	check_ok(f, "virbr7", &rep);
	assert_true(rep.present && rep.group_only && rep.ours);
	assert_int_equal(bconf_acl_path(f->path, "virbr7", acl, sizeof acl), 0);
	assert_int_equal(strncmp(acl, real_dir, strlen(real_dir)), 0); /* beside the file */
	assert_int_equal(stat(acl, &st), 0);
	snprintf(want, sizeof want, "%s%s\ninclude %s\n", orig, BCONF_MARK, acl);
	assert_file(real, want);
	/* again: nothing to do */
	assert_int_equal(bconf_add_group(f->path, "virbr7", 4242, &rep, &e), 0);
	assert_false(rep.added);
	assert_file(real, want);
	remove_ok(f, "virbr7");
	assert_file(real, orig);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(acl, &st), -1);
}

/* An include may name any file: its lines are never quoted (status showed
 * the first 40 bytes of /etc/shadow's line). */
static void test_no_content_quoted(void **state)
{
	static const char *const lines[] = {
		"root:$6$SECRETxyz:19000:0:99999:7:::\n",
		"SECRETxyz\tSECRETxyz\n",
		"allow SECRETxyzSECRETxyz\n",
		"include SECRETxyz\n",
	};
	struct fx *f = *state;
	struct bconf_report rep;
	char inc[4096], text[8400];

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		snprintf(inc, sizeof inc, "%s/secret", f->dir);
		assert_int_equal(nd_write_atomic(inc, lines[i], strlen(lines[i]), 0600), 0);
		snprintf(text, sizeof text, "include %s\n%sallow virbr0\n", inc, lines[i]);
		put(f, text, 0644);
		check_ok(f, "virbr0", &rep);
		assert_int_equal(rep.rejected, i != 3); /* a relative include is skipped */
		assert_int_equal(rep.n_bad, 2);
		for (size_t j = 0; j < rep.n_bad; j++) {
			assert_null(strstr(rep.bad[j].why, "SECRET"));
			assert_null(strstr(rep.bad[j].why, "root"));
		}
		assert_string_equal(rep.bad[0].file, inc);
		assert_false(rep.bad[0].fatal);
		assert_string_equal(rep.bad[1].file, f->path);
		assert_int_equal(rep.bad[1].line, 2);
		assert_int_equal(rep.bad[1].fatal, i != 3);
	}
}

static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	assert_true(nd_strlcpy(buf + n, s, size - n) < size - n);
}

/* Each file is read once, by device and inode: seven includes of
 * bridge.conf in bridge.conf took netd 32 s (7^8 reads), an included file
 * that includes itself 13 times never finished. A loop is a problem named
 * by file and line; a file included twice (not a loop) is not. */
static void test_include_loop(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;
	char inc[4096], text[16384], line[4200];
	struct timespec t0, t1;

	snprintf(inc, sizeof inc, "%s/self.conf", f->dir);
	snprintf(line, sizeof line, "include %s\n", inc);
	text[0] = '\0';
	for (int i = 0; i < 13; i++)
		append(text, sizeof text, line);
	append(text, sizeof text, "deny virbr9\n");
	assert_int_equal(nd_write_atomic(inc, text, strlen(text), 0644), 0);
	snprintf(line, sizeof line, "include %s\n", f->path);
	nd_strlcpy(text, "allow virbr0\n", sizeof text);
	for (int i = 0; i < 7; i++)
		append(text, sizeof text, line);
	snprintf(line, sizeof line, "include %s\n", inc);
	append(text, sizeof text, line);
	put(f, text, 0644);

	alarm(20); /* the old code: minutes, or forever */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_ok(f, "virbr0", &rep);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	alarm(0);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_true(rep.loop);
	assert_true(rep.present && rep.allowed && !rep.rejected);
	/* one report per include line that closes a loop */
	assert_int_equal(rep.n_bad, 7 + 13);
	assert_string_equal(rep.bad[0].file, f->path);
	assert_int_equal(rep.bad[0].line, 2);
	assert_true(rep.bad[0].loop && !rep.bad[0].fatal);
	assert_non_null(strstr(rep.bad[0].why, "include loop"));
	check_ok(f, "virbr9", &rep);
	assert_true(rep.denied);
	snprintf(line, sizeof line, "%s:14", inc);
	assert_string_equal(rep.deny_at, line);

	/* The same file included twice, no loop: read once, no problem. */
	snprintf(text, sizeof text, "allow virbr0\ninclude %s/d.conf\ninclude %s/d.conf\n", f->dir,
		 f->dir);
	put(f, text, 0644);
	snprintf(inc, sizeof inc, "%s/d.conf", f->dir);
	assert_int_equal(nd_write_atomic(inc, "deny virbr9\n", 12, 0644), 0);
	check_ok(f, "virbr9", &rep);
	assert_false(rep.loop);
	assert_int_equal(rep.n_bad, 0);
	assert_true(rep.denied);
}

/* Many distinct includes: the work is bounded, and that is reported. */
static void test_include_bound(void **state)
{
	struct fx *f = *state;
	struct bconf_report rep;
	char inc[4096], next[4096], text[4200];

	/* 200 files: 50 chains of 4 */
	put(f, "allow virbr0\n", 0644);
	for (int i = 0; i < 50; i++) {
		snprintf(inc, sizeof inc, "%s/fan%d-0.conf", f->dir, i);
		{
			char *old = tu_read(f->path);

			snprintf(text, sizeof text, "%sinclude %s\n", old, inc);
			free(old);
		}
		put(f, text, 0644);
		for (int j = 0; j < 4; j++) {
			snprintf(inc, sizeof inc, "%s/fan%d-%d.conf", f->dir, i, j);
			snprintf(next, sizeof next, "%s/fan%d-%d.conf", f->dir, i, j + 1);
			snprintf(text, sizeof text, "include %s\n", next);
			assert_int_equal(nd_write_atomic(inc, text, strlen(text), 0644), 0);
		}
	}
	check_ok(f, "virbr0", &rep);
	assert_true(rep.loop);
	assert_true(rep.present);
	assert_int_equal(rep.n_bad, 1);
	assert_non_null(strstr(rep.bad[0].why, "netd reads no more"));

	/* Deeper than netd reads: the helper reads on, so it is a problem. */
	snprintf(text, sizeof text, "allow virbr0\ninclude %s/deep0.conf\n", f->dir);
	put(f, text, 0644);
	for (int j = 0; j < 12; j++) {
		snprintf(inc, sizeof inc, "%s/deep%d.conf", f->dir, j);
		snprintf(text, sizeof text, "include %s/deep%d.conf\n", f->dir, j + 1);
		assert_int_equal(nd_write_atomic(inc, text, strlen(text), 0644), 0);
	}
	check_ok(f, "virbr0", &rep);
	assert_true(rep.loop);
	assert_int_equal(rep.n_bad, 1);
	assert_non_null(strstr(rep.bad[0].why, "nested deeper than 8"));
	snprintf(inc, sizeof inc, "%s/deep7.conf", f->dir);
	assert_string_equal(rep.bad[0].file, inc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_keeps_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_line_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deny_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_and_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_only_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_content_quoted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_bound, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
