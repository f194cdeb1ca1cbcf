#!/bin/bash
# netd edit, end to end on files only (all netd paths relocated to a temp
# directory; no network object is created): an invalid edit is shown with
# file:line and, on a terminal, re-edited until valid; an unchanged file, a
# rename, a clash, a failing editor and a "no" store nothing (the stored
# XML byte for byte as it was); the temp file is mode 0600 and removed on
# every path; $VISUAL beats $EDITOR, which may carry arguments.
# Usage: edit.sh NETD_BINARY TEMPLATES_DIR
set -u
netd=$1
templates=$(cd "$2" && pwd)
tmp=$(mktemp -d /tmp/netd-edit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export NETD_CONF_DIR=$tmp/etc/netd/networks NETD_RUN_DIR=$tmp/run/netd \
	NETD_STATE_DIR=$tmp/var/lib/netd NETD_BRIDGE_CONF=$tmp/etc/qemu/bridge.conf \
	NETD_HOST_CONF=$tmp/netd.conf TMPDIR=$tmp/tmpdir
mkdir -p "$TMPDIR"
unset VISUAL EDITOR
command -v script >/dev/null || { echo "skipped: no script (util-linux)"; exit 77; }
FAILS=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	FAILS=$((FAILS + 1))
}
# check WHAT CMD...
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
has() { grep -q -- "$2" <<<"$1" || { echo "  no '$2' in:"; sed 's/^/  | /' <<<"$1"; return 1; }; }
stored=$NETD_CONF_DIR/lab.xml
same_as_before() { cmp -s "$stored" "$tmp/before.xml"; }
no_temp_left() { [ -z "$(ls -A "$TMPDIR")" ]; }

# nd ARGS...: netd with stdin from /dev/null; OUT (stdout+stderr), RC.
nd() {
	OUT=$(timeout 30 "$netd" "$@" </dev/null 2>&1)
	RC=$?
	echo "\$ netd $* [exit $RC]"
	sed 's/^/  | /' <<<"$OUT"
}
# nd_tty ANSWERS ARGS...: netd on a terminal (script(1)), ANSWERS typed.
nd_tty() {
	local answers=$1
	shift
	OUT=$(printf '%b' "$answers" | timeout 30 script -qec "$(printf '%q ' "$netd" "$@")" /dev/null 2>&1)
	RC=$?
	echo "\$ netd $* (on a terminal, typed '$answers') [exit $RC]"
	sed 's/^/  | /' <<<"$OUT"
}

cat >"$tmp/lab.xml" <<'XML'
<network>
  <name>lab</name>
  <forward mode='nat'/>
  <bridge name='virbr40'/>
  <ip address='192.168.160.1' prefix='24'>
    <dhcp>
      <range start='192.168.160.100' end='192.168.160.199'/>
    </dhcp>
  </ip>
</network>
XML
cat >"$tmp/other.xml" <<'XML'
<network>
  <name>other</name>
  <bridge name='virbr41'/>
  <ip address='192.168.161.1' prefix='24'/>
</network>
XML
"$netd" define "$tmp/lab.xml" >/dev/null || { echo "FATAL define lab"; exit 1; }
"$netd" define "$tmp/other.xml" >/dev/null || { echo "FATAL define other"; exit 1; }
cp "$stored" "$tmp/before.xml"

# The editor: each call runs the next of $tmp/ed.N (N = 1, 2, ...), with
# the file as $1; it logs its arguments and the file's mode.
cat >"$tmp/ed.sh" <<'SH'
#!/bin/sh
n=$(($(cat "$ED_DIR/count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$ED_DIR/count"
f=$1
[ $# -gt 1 ] && f=$2
echo "call $n: args: $*; mode $(stat -c %a "$f")" >>"$ED_DIR/log"
. "$ED_DIR/ed.$n"
SH
chmod +x "$tmp/ed.sh"
export ED_DIR=$tmp
editor() { # editor STEP1 STEP2 ...: the scripts of the calls to come
	rm -f "$tmp"/ed.[0-9]* "$tmp/count" "$tmp/log"
	local i=1
	for s in "$@"; do
		printf '%s\n' "$s" >"$tmp/ed.$i"
		i=$((i + 1))
	done
}
INVALID="sed -i 's/192.168.160.1\\x27/192.168.160.300\\x27/' \"\$f\""
VALID="sed -i 's/192.168.160.199/192.168.160.150/' \"\$f\""

# 1. Invalid, then valid, on a terminal: the error with file:line, the
#    question, then stored.
editor "$INVALID" "sed -i 's/192.168.160.300/192.168.160.1/' \"\$f\"; $VALID"
EDITOR=$tmp/ed.sh nd_tty 'y\n' edit lab
check "invalid then valid: exit 0" [ "$RC" = 0 ]
check "invalid then valid: the error names file:line" has "$OUT" \
	"netd: $TMPDIR/netd-edit-lab-[A-Za-z0-9]\{6\}\.xml:[0-9][0-9]*: "
check "invalid then valid: asks" has "$OUT" "Try again? \[y/n\]: "
check "invalid then valid: says edited" has "$OUT" "network 'lab' XML configuration edited"
check "invalid then valid: the editor ran twice" [ "$(cat "$tmp/count")" = 2 ]
check "invalid then valid: the change is stored" grep -q "end='192.168.160.150'" "$stored"
check "invalid then valid: dumpxml shows it" has "$("$netd" dumpxml lab)" "192.168.160.150"
check "the temp file had mode 0600" has "$(cat "$tmp/log")" "call 1: .*mode 600"
check "temp file removed" no_temp_left
cp "$stored" "$tmp/before.xml"

# 2. Invalid, answered 'n' on a terminal: nothing stored.
editor "$INVALID"
EDITOR=$tmp/ed.sh nd_tty 'n\n' edit lab
check "invalid, 'n': exit 1" [ "$RC" = 1 ]
check "invalid, 'n': says nothing stored" has "$OUT" "not valid; nothing stored"
check "invalid, 'n': stored XML unchanged" same_as_before
check "temp file removed" no_temp_left

# 3. Invalid with stdin not a terminal: fails at once, no question.
editor "$INVALID" "$VALID"
EDITOR=$tmp/ed.sh nd edit lab
check "invalid, no terminal: exit 1" [ "$RC" = 1 ]
check "invalid, no terminal: no question" eval '! grep -q "Try again" <<<"$OUT"'
check "invalid, no terminal: the editor ran once" [ "$(cat "$tmp/count")" = 1 ]
check "invalid, no terminal: stored XML unchanged" same_as_before
check "temp file removed" no_temp_left

# 4. Unchanged.
editor ":"
EDITOR=$tmp/ed.sh nd edit lab
check "unchanged: exit 0" [ "$RC" = 0 ]
check "unchanged: says so" has "$OUT" "network 'lab' XML configuration not changed"
check "unchanged: stored XML unchanged" same_as_before
check "temp file removed" no_temp_left

# 5. A rename is refused.
editor "sed -i 's/<name>lab</<name>lab2</' \"\$f\""
EDITOR=$tmp/ed.sh nd edit lab
check "rename: exit 1" [ "$RC" = 1 ]
check "rename: refused, saying why" has "$OUT" "names network 'lab2': 'netd edit lab' cannot rename it"
check "rename: stored XML unchanged" same_as_before
check "rename: no lab2" [ ! -e "$NETD_CONF_DIR/lab2.xml" ]
check "temp file removed" no_temp_left

# 6. A clash with another network (as define checks it).
editor "sed -i 's/virbr40/virbr41/' \"\$f\""
EDITOR=$tmp/ed.sh nd edit lab
check "clash: exit 1" [ "$RC" = 1 ]
check "clash: names the other network" has "$OUT" "bridge virbr41 is already used by network other"
check "clash: stored XML unchanged" same_as_before
check "temp file removed" no_temp_left

# 7. An editor that fails, after writing a valid change: nothing stored.
editor "$VALID; sed -i 's/192.168.160.150/192.168.160.140/' \"\$f\"; exit 1"
EDITOR=$tmp/ed.sh nd edit lab
check "editor fails: exit 1" [ "$RC" = 1 ]
check "editor fails: says so" has "$OUT" "editor '$tmp/ed.sh' exited with status 1"
check "editor fails: stored XML unchanged" same_as_before
check "temp file removed" no_temp_left

# 8. VISUAL over EDITOR; an editor with arguments; a running network is
#    told where the change takes effect.
mkdir -p "$NETD_RUN_DIR" && cp "$stored" "$NETD_RUN_DIR/lab.xml"
editor "sed -i 's/192.168.160.100/192.168.160.110/' \"\$f\""
VISUAL="$tmp/ed.sh --wait" EDITOR=false nd edit lab
check "VISUAL with an argument: exit 0" [ "$RC" = 0 ]
check "VISUAL with an argument: got it" has "$(cat "$tmp/log")" "args: --wait $TMPDIR/netd-edit-lab-"
check "running: where it takes effect" has "$OUT" \
	"network 'lab' is running: changes take effect at 'netd reload lab' or next start"
check "VISUAL: stored" grep -q "start='192.168.160.110'" "$stored"
check "temp file removed" no_temp_left

# 9. Not defined.
nd edit nosuch
check "not defined: exit 1" [ "$RC" = 1 ]
check "not defined: says so" has "$OUT" "network nosuch: not defined"

if [ "$FAILS" != 0 ]; then
	echo "== edit: FAILED ($FAILS)"
	exit 1
fi
echo "== edit: passed"
