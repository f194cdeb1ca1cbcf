/* Fuzz target: the bridge.conf editor (bridgeconf.c), which reads a file
 * an administrator wrote and the files it includes, and rewrites it for a
 * setuid-root helper. The input is bridge.conf, in a private tree made once
 * (mkdtemp; tmpfs when there is one, so that the editor's fsyncs cost
 * nothing), with the paths relocated as the tests do (NETD_BRIDGE_CONF).
 *
 * The input names files of that tree as "$T" (the tree's directory and a
 * slash) and may not contain '/' otherwise: includes are followed, but only
 * inside the tree, where a few include files wait (one including another,
 * one including itself, one including bridge.conf). Properties:
 * - the scan finishes (libFuzzer's -timeout) and its report is sane: every
 *   problem has a file and a line, says nothing but printable ASCII (it
 *   never quotes content), and a loop is among the problems listed;
 * - add succeeds on this root-owned tree unless the report names a file
 *   that others can write (an include of a missing name in a sticky
 *   directory, say), and then it changes nothing;
 * - add then remove of netd's allow line restores the file byte for byte,
 *   and so does the group-only variant (ACL file and include), when the
 *   input holds none of netd's own lines for that bridge. */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bridgeconf.h"
#include "fuzz.h"
#include "paths.h"
#include "util.h"

#define TREE_VAR  "$T"
#define INPUT_MAX ((size_t)64 * 1024)

static char tree[PATH_MAX];   /* the private directory, without a slash */
static struct nd_paths paths; /* bridge_conf inside it */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void tree_remove(void)
{
	if (tree[0])
		(void)nftw(tree, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void tree_put(const char *name, const char *text)
{
	char path[PATH_MAX + 64];

	if (nd_snprintf(path, sizeof path, "%s/%s", tree, name) < 0 ||
	    nd_write_atomic(path, text, strlen(text), 0644) < 0) {
		fprintf(stderr, "fuzz-bridgeconf: cannot write %s\n", path);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("TMPDIR");
	struct statfs sf;
	char text[3 * PATH_MAX];

	(void)argc;
	(void)argv;
	/* tmpfs when there is one: each input is several atomic writes. */
	if (!base || !*base)
		base = statfs("/dev/shm", &sf) == 0 && sf.f_type == 0x01021994 ? "/dev/shm"
									       : "/tmp";
	if (nd_snprintf(tree, sizeof tree, "%s/netd-fuzz-bridgeconf.XXXXXX", base) < 0 ||
	    !mkdtemp(tree) || chmod(tree, 0755) < 0) {
		fprintf(stderr, "fuzz-bridgeconf: mkdtemp in %s: %s\n", base, strerror(errno));
		abort();
	}
	atexit(tree_remove);
	if (nd_snprintf(text, sizeof text, "%s/bridge.conf", tree) < 0 ||
	    setenv("NETD_BRIDGE_CONF", text, 1) < 0 || paths_init(&paths) < 0)
		abort();
	tree_put("a.conf", "allow virbr1\ndeny virbr2\n");
	snprintf(text, sizeof text, "# b\ninclude %s/a.conf\nallow virbr0\n", tree);
	tree_put("b.conf", text);
	snprintf(text, sizeof text, "include %s/loop.conf\nallow virbr3\n", tree);
	tree_put("loop.conf", text);
	snprintf(text, sizeof text, "include %s\nallow all\n", paths.bridge_conf);
	tree_put("back.conf", text);
	tree_put("bad.conf", "allow virbr0\nfrobnicate\nallow virbr4\n");
	return 0;
}

/* The input with "$T" replaced by the tree's directory and a slash; NULL
 * when it names anything outside the tree or is too long. */
static char *expand(const uint8_t *data, size_t size, size_t *out_len)
{
	size_t tl = strlen(tree), n = 0;
	char *out;

	if (size > INPUT_MAX || memchr(data, '/', size))
		return NULL;
	out = malloc(size / 2 * (tl + 1) + size + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < size; i++) {
		if (i + 1 < size && data[i] == '$' && data[i + 1] == 'T') {
			memcpy(out + n, tree, tl);
			n += tl;
			out[n++] = '/';
			i++;
		} else {
			out[n++] = (char)data[i];
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

static bool file_is(const char *path, const char *want, size_t len)
{
	_cleanup_free_ char *got = NULL;
	size_t n = 0;

	return nd_read_file(path, &got, &n) == 0 && n == len && memcmp(got, want, len) == 0;
}

static void check_report(const struct bconf_report *r)
{
	size_t n = r->n_bad < BCONF_BAD_MAX ? r->n_bad : BCONF_BAD_MAX;
	bool loop_seen = false;

	fuzz_assert(!r->missing);
	for (size_t i = 0; i < n; i++) {
		const struct bconf_bad *b = &r->bad[i];

		fuzz_assert(memchr(b->file, '\0', sizeof b->file) && b->file[0] == '/');
		fuzz_assert(memchr(b->why, '\0', sizeof b->why) && b->why[0]);
		fuzz_assert(b->line >= 1);
		for (const char *p = b->why; *p; p++)
			fuzz_assert(*p >= ' ' && *p < 0x7f);
		fuzz_assert(!b->fatal || r->rejected);
		loop_seen |= b->loop;
	}
	fuzz_assert(r->loop == loop_seen || r->n_bad > BCONF_BAD_MAX);
	if (r->denied)
		fuzz_assert(r->deny_at[0] == '/');
	for (size_t i = 0; i < r->n_unsafe && i < BCONF_UNSAFE_MAX; i++)
		fuzz_assert(r->unsafe[i].fix[0] && r->unsafe[i].who[0]);
}

/* Whether the text holds one of netd's own lines for BRIDGE (then add may
 * find it present, or the group variant drop it, by design). */
static bool has_netd_lines(const char *text, size_t len, const char *bridge)
{
	return memmem(text, len, BCONF_MARK, strlen(BCONF_MARK)) &&
	       memmem(text, len, bridge, strlen(bridge));
}

static void add_remove(const char *text, size_t len, const char *bridge, bool group)
{
	const char *path = paths.bridge_conf;
	struct bconf_report rep, chk;
	struct nerr e = { { 0 } };
	bool owned = !has_netd_lines(text, len, bridge);
	int r;

	fuzz_assert(bconf_check(path, bridge, &chk, &e) == 0);
	check_report(&chk);
	r = group ? bconf_add_group(path, bridge, getegid(), &rep, &e)
		  : bconf_add(path, bridge, &rep, &e);
	if (chk.n_unsafe) {
		fuzz_assert(r == -EPERM && strstr(e.msg, "run '"));
		fuzz_assert(file_is(path, text, len));
		return;
	}
	if (r < 0) {
		fprintf(stderr, "fuzz-bridgeconf: add %s: %s\n", bridge, e.msg);
		abort();
	}
	check_report(&rep);
	fuzz_assert(rep.present);
	if (!rep.added && !group)
		fuzz_assert(file_is(path, text, len));
	fuzz_assert(bconf_remove(path, bridge, &e) == 0);
	if (owned)
		fuzz_assert(file_is(path, text, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	text = expand(data, size, &len);
	if (!text)
		return 0;
	if (nd_write_atomic(paths.bridge_conf, text, len, 0644) < 0)
		abort();
	/* One variant per input, so that each run costs half the writes: the
	 * group-only one (its ACL file is root's: only as root) for inputs
	 * whose size is odd. */
	add_remove(text, len, size % 2 && geteuid() == 0 ? "virbr9" : "virbr0",
		   size % 2 && geteuid() == 0);
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): _cleanup_free_ frees text */
	return 0;
}
