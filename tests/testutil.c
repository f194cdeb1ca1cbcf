#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "util.h"

char *tu_read(const char *path)
{
	char *data = NULL;
	int r = nd_read_file(path, &data, NULL);

	if (r < 0)
		fail_msg("read %s: %s", path, strerror(-r));
	return data;
}

const char *tu_data(const char *rel)
{
	/* A few buffers in turn, so that two calls can be arguments of one
	 * call. */
	static char bufs[4][4096];
	static unsigned next;
	char *buf = bufs[next++ % 4];

	snprintf(buf, sizeof bufs[0], "%s/%s", NETD_TEST_DATA, rel);
	return buf;
}

void tu_golden(const char *actual, const char *golden_path)
{
	char *want = NULL;
	const char *upd = getenv("NETD_UPDATE_GOLDEN");

	if (upd && strcmp(upd, "1") == 0) {
		int r = nd_write_atomic(golden_path, actual, strlen(actual), 0644);
		if (r < 0)
			fail_msg("write %s: %s", golden_path, strerror(-r));
		return;
	}
	if (nd_read_file(golden_path, &want, NULL) < 0)
		fail_msg("missing golden file %s (run with NETD_UPDATE_GOLDEN=1)", golden_path);
	bool differs = strcmp(want, actual) != 0;

	if (differs)
		fprintf(stderr, "--- golden %s\n%s\n--- actual\n%s\n", golden_path, want, actual);
	free(want);
	if (differs)
		fail_msg("output differs from %s", golden_path);
}

void tu_load(const char *path, struct net *n)
{
	struct nerr e = { { 0 } };
	int r = net_load_file(path, n, &e);

	if (r == 0)
		r = net_fill_defaults(n, NULL, &e);
	if (r < 0)
		fail_msg("load %s: %s", path, e.msg);
}

int tu_try_str(const char *xml, struct net *n, struct nerr *e)
{
	int r = net_parse_memory(xml, strlen(xml), "test.xml", n, e);

	if (r == 0)
		r = net_validate(n, e);
	return r;
}

void tu_load_str(const char *xml, struct net *n)
{
	struct nerr e = { { 0 } };
	int r = tu_try_str(xml, n, &e);

	if (r == 0)
		r = net_fill_defaults(n, NULL, &e);
	if (r < 0)
		fail_msg("load: %s", e.msg);
}

char *tu_tmpdir(void)
{
	char tmpl[] = "/tmp/netd-test.XXXXXX";

	if (!mkdtemp(tmpl))
		fail_msg("mkdtemp: %s", strerror(errno));
	return strdup(tmpl);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmrf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
