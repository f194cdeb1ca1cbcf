#!/bin/bash
# Runs one libFuzzer target: tests/fuzz/run.sh BIN WORK SECONDS SEED_DIR...
# The seeds are copied into WORK/corpus, so the run never writes into the
# source tree; findings (crash-*, leak-*, timeout-*, oom-*) land in WORK and
# fail the test. The last line says how far it got: executions and edges.
set -uo pipefail
bin=$1 work=$2 secs=$3
shift 3
name=$(basename "$bin")
[ -x "$bin" ] || { echo "fuzz: $bin was not built (see fuzz-build)"; exit 77; }
rm -rf "$work"
mkdir -p "$work/corpus"
for d in "$@"; do
	[ -d "$d" ] || { echo "fuzz: seed directory $d is missing"; exit 1; }
	find "$d" -maxdepth 1 -type f ! -name '.*' -exec cp -t "$work/corpus" {} +
done
[ -n "$(ls -A "$work/corpus")" ] || { echo "fuzz: no seeds for $name"; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# -timeout: one input taking 10 s is a finding (the include loops of
# bridge.conf were exactly that); -rss_limit_mb bounds a memory blow-up.
# A dictionary beside this script (NAME.dict) gives libFuzzer the tokens of
# the input's grammar (XML element and attribute names, say).
dict=()
[ -f "$(dirname "$0")/$name.dict" ] && dict=(-dict="$(dirname "$0")/$name.dict")
"$bin" "${dict[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
rc=$?
findings=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
	-o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n1)
cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n1 | cut -d' ' -f2)
ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -n1 | cut -d' ' -f2)
corp=$(ls "$work/corpus" | wc -l)
if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
	tail -n 60 "$work/log"
	echo "fuzz $name: FAILED (exit $rc, $findings finding(s) in $work)"
	exit 1
fi
echo "fuzz $name: ${execs:-?} executions in $secs s, ${cov:-?} edges covered, ${ft:-?} features, corpus $corp inputs"
