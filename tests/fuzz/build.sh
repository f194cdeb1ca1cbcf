#!/bin/bash
# Builds the libFuzzer targets with clang in a build directory of their own
# (the suite's own build may use gcc): tests/fuzz/build.sh SRC DIR SECONDS.
# The ctest fixture that every fuzz test requires. Exit 77 (skip)
# without clang or its libFuzzer runtime: ./setup.sh test installs both.
set -euo pipefail
src=$1 dir=$2
clang=$(command -v clang || true)
[ -n "$clang" ] || { echo "fuzz: no clang: the fuzzers are not built (replay tests still run)"; exit 77; }
rt=$("$clang" -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
if [ ! -e "$rt" ]; then
	# -print-file-name answers with the bare name when it finds nothing.
	rt=$(find "$("$clang" -print-resource-dir)" -name 'libclang_rt.fuzzer-*.a' 2>/dev/null | head -n1)
	[ -n "$rt" ] || { echo "fuzz: clang has no libFuzzer runtime (libclang-rt-dev)"; exit 77; }
fi
mkdir -p "$dir"
CC=$clang cmake -S "$src" -B "$dir" -DNETD_FUZZ=ON -DNETD_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$dir/configure.log" 2>&1 ||
	{ cat "$dir/configure.log"; exit 1; }
cmake --build "$dir" --target netd_fuzzers -j"$(nproc)"
