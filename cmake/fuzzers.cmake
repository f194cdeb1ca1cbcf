# The libFuzzer targets: one line each, NAME SOURCE [SEED_DIR...]. The source
# sits beside the code it tests and defines LLVMFuzzerTestOneInput (and may
# define LLVMFuzzerInitialize). Seeds come from tests/fuzz/corpus/NAME and the
# extra directories named here (relative to the source tree), so the shipped
# templates and the test data seed the fuzzers without copies.
#
# Each target is used two ways:
#   - NETD_FUZZ=ON (clang): NAME, a libFuzzer binary with ASan+UBSan, which the
#     test NAME runs for NETD_FUZZ_SECONDS from a separate clang build
#     (tests/fuzz/run.sh);
#   - NETD_TESTS=ON (any compiler): NAME-replay, the same entry point driven by
#     tests/fuzz/replay.c over every seed, with ASan+UBSan, so no run of the
#     suite skips the fuzz targets silently, clang or not.
netd_fuzzer(fuzz-leases dhcp/fuzz-leases.c)
netd_fuzzer(fuzz-sockdiag dhcp/fuzz-sockdiag.c)
netd_fuzzer(fuzz-netlink netd/fuzz-netlink.c)
netd_fuzzer(fuzz-model netd/fuzz-model.c templates tests/data/dhcp tests/data/fw tests/data/model tests/cli/cases)
netd_fuzzer(fuzz-bridgeconf netd/fuzz-bridgeconf.c)
netd_fuzzer(fuzz-userreq netd/fuzz-userreq.c install)
