#!/bin/bash
# Run a test (the cli, ns-* and e2e-* scripts) against netd_asan, and fail it
# when ASan, LeakSanitizer or UBSan reported anything from any netd process
# it ran, its forked children included.
#
# Usage: asan-run.sh LOG_DIR COMMAND...
# The reports go to files LOG_DIR/netd.PID (log_path), not only to stderr:
# the scripts capture netd's stderr, compare it with golden files or expect
# netd to fail, so a report there could be lost or taken for the failure a
# test wanted. After COMMAND, every report is printed (into ctest's output)
# and the test fails; otherwise COMMAND's status stands (77: skipped).
set -u
logs=${1:?usage: asan-run.sh LOG_DIR COMMAND...}
shift
mkdir -p "$logs" || exit 1
logs=$(cd "$logs" && pwd)
rm -f "$logs"/netd.*
# World-writable (sticky), should a test run netd as another user.
chmod 1777 "$logs"

# halt_on_error and -fno-sanitize-recover=all: the first error ends netd.
# detect_leaks: LeakSanitizer at exit (not after _exit: the forked
# children that _exit are not leak-checked, their errors still are).
# abort_on_error=0: exit with an error status rather than dump core.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=99:log_path=$logs/netd:log_exe_name=0:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export LSAN_OPTIONS="exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99:log_path=$logs/netd"

"$@"
rc=$?

reports=("$logs"/netd.*)
if [ -e "${reports[0]}" ]; then
	for f in "${reports[@]}"; do
		echo "==== sanitizer report $f"
		cat "$f"
	done
	echo "asan-run: ${#reports[@]} sanitizer report(s) from netd (test status was $rc)"
	exit 1
fi
exit $rc
