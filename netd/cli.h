/* The command line: one function per command, dispatch and help. */
#ifndef NETD_CLI_H
#define NETD_CLI_H

#include <stdio.h>

/* Exit statuses of the CLI contract. */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
};

int cli_main(int argc, char **argv);

#endif
