/* Shared by the fuzz targets (netd/fuzz-*.c, dhcp/fuzz-*.c, ...). */
#ifndef NETD_FUZZ_H
#define NETD_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A property of the output, checked in every build: assert() is compiled
 * out under NDEBUG (RelWithDebInfo), and a fuzzer that checks nothing
 * finds only crashes. abort() is what libFuzzer and the replay driver
 * report as a finding. */
#define fuzz_assert(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: fuzz property does not hold: %s\n", __FILE__,      \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
