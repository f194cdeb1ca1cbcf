/* Replays files through a fuzz target's entry point, for builds without
 * libFuzzer: every regular file under each argument (a file or a directory,
 * one level deep) is read and passed to LLVMFuzzerTestOneInput once. A
 * finding aborts under the sanitizers, which fails the test. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#include "fuzz.h"
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path, unsigned *n)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = nd_read_file(path, &data, &len);

	if (r < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-r));
		return r;
	}
	(void)LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	(*n)++;
	return 0;
}

static int replay_arg(const char *arg, unsigned *n)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (stat(arg, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", arg, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(arg, n);
	d = opendir(arg);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[4096];

		if (de->d_name[0] == '.')
			continue;
		if (nd_snprintf(path, sizeof path, "%s/%s", arg, de->d_name) < 0 ||
		    stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(path, n) < 0)
			r = -EIO;
	}
	closedir(d);
	return r;
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	int r = 0;

	if (LLVMFuzzerInitialize)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (replay_arg(argv[i], &n) < 0)
			r = 1;
	printf("replay: %u input(s) through the entry point\n", n);
	if (n == 0) {
		fprintf(stderr, "replay: no input found: the seed corpus is missing\n");
		return 1;
	}
	return r;
}
