#!/bin/bash
# The CLI end to end on files only: every command's output, errors and exit
# status against expected.txt. Nothing outside a temporary directory is read
# or written (all netd paths are relocated); no network object is created.
# Usage: run.sh NETD_BINARY CLI_DIR     (NETD_UPDATE_GOLDEN=1 rewrites)
set -u
netd=$1
dir=$(cd "$2" && pwd)
tmp=$(mktemp -d /tmp/netd-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export NETD_CONF_DIR=$tmp/etc/netd/networks NETD_RUN_DIR=$tmp/run/netd \
       NETD_STATE_DIR=$tmp/var/lib/netd NETD_BRIDGE_CONF=$tmp/etc/qemu/bridge.conf
# The CLI test reads no host ruleset: netd plan would list the iptables chains.
export NETD_HOST_CONF=$tmp/netd.conf
echo "iptables = no" >"$NETD_HOST_CONF"
templates=$(cd "$dir/../../templates" && pwd)
cp -r "$dir/cases" "$tmp/cases"
cd "$tmp"
cp "$templates"/*.xml .

# Run one command; print it, its output (uuids and generated MACs masked, as
# they are random) and its exit status.
t() {
	echo "\$ netd $*"
	"$netd" "$@" 2>&1 | sed -E \
		-e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/UUID/g' \
		-e "s/52:54:00(:[0-9a-f]{2}){3}'/52:54:00:XX:XX:XX'/g" \
		-e "s/mac 52:54:00(:[0-9a-f]{2}){3} /mac 52:54:00:XX:XX:XX /g" \
		-e "s|$tmp|TMP|g"
	echo "[exit ${PIPESTATUS[0]}]"
}
# The same with standard output on a full disk: the command must fail and
# say so, not exit 0 with its output lost.
t_full() {
	echo "\$ netd $* >/dev/full"
	"$netd" "$@" 2>&1 >/dev/full
	echo "[exit $?]"
}

{
t
t --help
t frobnicate
t validate
t validate --help
t validate default.xml
t validate nat.xml
t validate route.xml
t validate isolated.xml
t validate dual-stack.xml
t validate cases/bad-range.xml
t validate cases/bad-bridge.xml
t validate missing.xml
t validate default.xml extra
t validate --bogus default.xml
t list --all
t define default.xml
t define default.xml
t define cases/clash.xml
t define cases/lab.xml
t define route.xml
t define isolated.xml
t define nat.xml
t define dual-stack.xml
t plan dualstack
t list
t list --all
t list --all --json
t autostart default
t autostart lab
t autostart lab --disable
t autostart nope
t list --all
t dumpxml default
t dumpxml lab
t dumpxml nope
t dumpxml 'a/b'
t plan lab
t plan isolated
t plan cases/bad-range.xml
t_full list --all --json
t_full list
t_full status default --json
t_full status default
t_full dumpxml default
t_full plan lab
t_full --help
t undefine isolated
t undefine isolated
t list --all --json
ls -l etc/netd/networks/autostart | sed -n 's/.* \(default.xml -> .*\)/\1/p'
t validate cases/wide-ipv6.xml
t plan cases/wide-ipv6.xml
} > actual.txt

if [ "${NETD_UPDATE_GOLDEN:-}" = 1 ]; then
	cp actual.txt "$dir/expected.txt"
	echo "rewrote $dir/expected.txt"
	exit 0
fi
if ! diff -u "$dir/expected.txt" actual.txt; then
	echo "FAIL: CLI output differs from tests/cli/expected.txt"
	exit 1
fi
echo "cli: $(grep -c '^\$ netd' actual.txt) commands as expected"
