/* Helpers shared by the cmocka tests. Include after <cmocka.h>. */
#ifndef NETD_TESTUTIL_H
#define NETD_TESTUTIL_H

#include <stdbool.h>

#include "model.h"

/* Read a whole file; fails the test when it cannot. Caller frees. */
char *tu_read(const char *path);
/* Path of a file under tests/data (static buffer, valid for 3 more calls). */
const char *tu_data(const char *rel);
/* Compare 'actual' with the golden file; with NETD_UPDATE_GOLDEN=1 in the
 * environment, rewrite the golden file instead (then review the diff). */
void tu_golden(const char *actual, const char *golden_path);
/* Parse, validate and fill defaults; fails the test with the message on
 * error. */
void tu_load(const char *path, struct net *n);
/* Same from a string. */
void tu_load_str(const char *xml, struct net *n);
/* Parse + validate a string; returns the error (0 on success) with message. */
int tu_try_str(const char *xml, struct net *n, struct nerr *e);
/* Make a fresh empty temporary directory (caller frees the string). */
char *tu_tmpdir(void);
/* rm -rf of a directory made by tu_tmpdir. */
void tu_rmrf(const char *dir);

#endif
