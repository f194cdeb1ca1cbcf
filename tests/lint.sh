#!/bin/bash
# Static analysis of every C file of the project: cppcheck and clang-tidy
# (checks in the top .clang-tidy), both on the build's compile_commands.json.
# Passes only with zero findings from either.
#
# Usage: lint.sh SOURCE_DIR BUILD_DIR
# Exit: 0 no findings, 1 findings (or a tool failed), 77 a tool is missing
# (./setup.sh test installs cppcheck, clang-tidy and jq).
set -uo pipefail

src=$(cd "${1:?usage: lint.sh SOURCE_DIR BUILD_DIR}" && pwd)
build=$(cd "${2:?usage: lint.sh SOURCE_DIR BUILD_DIR}" && pwd)
jobs=${NETD_LINT_JOBS:-2}

skip() { echo "lint: skipped: $*"; exit 77; }
tidy=$(command -v clang-tidy-14 || command -v clang-tidy) || skip "no clang-tidy"
command -v cppcheck >/dev/null || skip "no cppcheck"
command -v jq >/dev/null || skip "no jq"
[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/netd-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Every .c of the source tree, whatever directory it is in (build trees and
# .git aside): a new file is linted without anyone listing it.
find "$src" \( -path "$build" -o -path "$src/.git" -o -path "$src/build*" \) -prune -o \
	-type f -name '*.c' -print | sort >"$tmp/files"

# One compile command per file, the plain build's rather than the _asan
# one. clang-tidy runs every entry of a file, and clang 14's analyzer
# carries state from the first run into the second: twice the same file
# gives false valist.Uninitialized reports that one run does not.
jq '[group_by(.file)[] | (map(select(.command | test("-fsanitize") | not)) + .)[0]]' \
	"$build/compile_commands.json" >"$tmp/compile_commands.json" || exit 1
jq -r '.[].file' "$tmp/compile_commands.json" | sort >"$tmp/built"

findings=0
# A file the build does not compile cannot be linted: that is a finding.
while read -r f; do
	echo "$f:1:1: error: not in compile_commands.json: not built, so not linted [lint-coverage]"
	findings=$((findings + 1))
done < <(comm -23 "$tmp/files" "$tmp/built")

echo "lint: cppcheck $(cppcheck --version) on $(wc -l <"$tmp/files") files"
# Only the project's own files of the database (not the generated template).
jq --rawfile keep "$tmp/files" \
	'[.[] | select(.file as $f | $keep | split("\n") | index($f))]' \
	"$tmp/compile_commands.json" >"$tmp/cppcheck.json" || exit 1
cppcheck --project="$tmp/cppcheck.json" -j"$jobs" -q --inline-suppr \
	--enable=warning,portability,performance --library=gnu \
	--template='{file}:{line}:{column}: {severity}: {message} [cppcheck-{id}]' \
	--error-exitcode=3 >"$tmp/cppcheck.out" 2>&1
rc=$?
n=$(grep -cE '^/.*:[0-9]+:[0-9]+: ' "$tmp/cppcheck.out")
cat "$tmp/cppcheck.out"
if [ "$rc" != 0 ] && [ "$n" = 0 ]; then
	echo "lint: cppcheck failed (exit $rc) without a finding"
	n=1
fi
echo "lint: cppcheck: $n finding(s)"
findings=$((findings + n))

echo "lint: $("$tidy" --version | grep -m1 -i version | sed 's/^ *//') on $(wc -l <"$tmp/files") files, $jobs at a time"
# Two passes over every file, both with the checks of .clang-tidy: the
# static analyzer alone, then everything else. In one pass, clang-tidy 14
# with the analyzer on drops the compiler's warnings that come out of a
# system header's macro (-Wsign-compare in NLMSG_OK, for one).
# --quiet keeps the per-file "N warnings generated" counts out; what
# remains is one "file:line:col: warning|error: ... [check]" per finding,
# with its notes. A finding in a header shows once per file including it.
# Each run writes its own file, so that parallel runs do not interleave.
mkdir "$tmp/tidy"
rc=0
passes=('-bugprone-*,-cert-*,-clang-diagnostic-*,-misc-*,-performance-*,-portability-*'
	'-clang-analyzer-*')
for i in 0 1; do
	# shellcheck disable=SC2016 # expanded by the inner shell
	xargs -a "$tmp/files" -P"$jobs" -n1 bash -c \
		'"$0" -p "$1" --quiet --checks="$2" "$5" >"$3/$4.${5//\//_}" 2>&1' \
		"$tidy" "$tmp" "${passes[$i]}" "$tmp/tidy" "$i" || rc=$?
done
cat "$tmp"/tidy/* | grep -vE '^[0-9]+ (warning|error)s? (generated|treated as errors?)\.?$' |
	grep -vE '^(Error while processing |Found compiler error)' >"$tmp/tidy.out"
cat "$tmp/tidy.out"
n=$(grep -E '^/.*:[0-9]+:[0-9]+: (warning|error): ' "$tmp/tidy.out" | sort -u | wc -l)
if [ "$rc" != 0 ] && [ "$n" = 0 ]; then
	echo "lint: clang-tidy failed (exit $rc) without a finding"
	n=1
fi
echo "lint: clang-tidy: $n finding(s)"
findings=$((findings + n))

echo "lint: $findings finding(s) in all"
[ "$findings" = 0 ]
