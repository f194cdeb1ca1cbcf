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
	run "$@"
}
# The same for arguments with control bytes: the command is shown quoted
# (bash's $'...'), so that only netd's own output could hold a raw byte.
tq() {
	printf '$ netd'
	printf ' %q' "$@"
	echo
	run "$@"
}
run() {
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
# Terminal control in what netd quotes: escaped (\xHH, \u{...}), one line.
tq start $'lab\n\e[31m'
tq $'frob\e]0;x\a'
tq validate cases/bidi-name.xml
tq validate cases/bidi-tag.xml
tq validate cases/c1-bridge.xml
cp nat.xml $'n\e[1m\xc2\x9b.xml'
tq validate $'n\e[1m\xc2\x9b.xml'
mkdir -p var/lib/netd/last-error
printf 'start failed: at \e[31mstep\xc2\x9b\xe2\x80\xae x\n' >var/lib/netd/last-error/lab
touch -d '2026-01-01 00:00:00 UTC' var/lib/netd/last-error/lab
t status lab
t list
t status lab --json
# netd update on a stopped network: the stored config alone (usage errors
# first; the live half is tests/ns/update.sh's).
t update
t update natlab add ip-dhcp-host
t update natlab frob ip-dhcp-host "<host mac='52:54:00:00:82:12' ip='192.168.130.12'/>"
t update natlab add ip-dhcp-bootp "<bootp file='x'/>"
t update natlab add ip-dhcp-host "<host/>" --bogus
t update 'a/b' add ip-dhcp-host "<host/>"
t update nope add ip-dhcp-host "<host mac='52:54:00:00:82:12' ip='192.168.130.12'/>"
t update natlab add ip-dhcp-host "<host mac='52:54:00:00:82:12' ip='192.168.130.12'/>" --live
t update natlab add ip-dhcp-host "<host mac='52:54:00:00:82:12' name='app' ip='192.168.130.12'/>"
t update natlab add ip-dhcp-host "<host mac='52:54:00:00:82:12' ip='192.168.130.13'/>"
t update natlab add ip-dhcp-host "<host mac='52:54:00:00:82:13' ip='192.168.130.10'/>"
t update natlab add ip-dhcp-host "<host mac='zz:54:00:00:82:13' ip='192.168.130.13'/>"
t update natlab add ip-dhcp-host "<host mac='52:54:00:00:82:13' ip='10.0.0.13'/>"
t update natlab add ip-dhcp-host "<host mac='52:54:00:00:82:13' ip='192.168.130.13'"
t update natlab add ip-dhcp-host "<range start='192.168.130.20' end='192.168.130.30'/>"
t update natlab modify ip-dhcp-host "<host mac='52:54:00:00:82:12' name='app' ip='192.168.130.14'/>"
t update natlab delete ip-dhcp-host "<host mac='52:54:00:00:82:99'/>"
t update natlab delete ip-dhcp-host "<host mac='52:54:00:00:82:12'/>"
t update natlab add ip-dhcp-host "<host id='0:3:0:1:52:54:0:0:82:12' name='v6' ip='fd00::12'/>"
t update natlab add ip-dhcp-range "<range start='192.168.130.20' end='192.168.130.30'/>"
t update natlab add ip-dhcp-range "<range start='192.168.130.20' end='192.168.130.30'/>"
t update natlab modify ip-dhcp-range "<range start='192.168.130.20' end='192.168.130.40'/>"
t update natlab delete ip-dhcp-range "<range start='192.168.130.20' end='192.168.130.30'/>"
t update natlab add dns-host "<host ip='192.168.130.1'><hostname>gw2</hostname></host>"
t update natlab add dns-host "<host ip='192.168.130.7'><hostname>files</hostname></host>"
t update natlab add dns-srv "<srv service='ldap' protocol='tcp' target='files' port='389'/>"
t update natlab add dns-srv "<srv service='ldap' protocol='tcp' target='files' port='389'/>"
t update natlab add dns-txt "<txt name='info' value='lab network'/>"
t update natlab add dns-txt "<txt name='bad' value='a\"b'/>"
t update natlab modify dns-txt "<txt name='info' value='the lab'/>"
echo "<host mac='52:54:00:00:82:15' name='fromfile' ip='192.168.130.15'/>" >host.xml
t update natlab add ip-dhcp-host host.xml
t dumpxml natlab
# IPv6 hosts go to the IPv6 <ip> (no --parent-index), by the ip's family.
t update dualstack add ip-dhcp-host "<host id='0:3:0:1:52:54:0:0:85:1' name='six' ip='fd00:133::10'/>"
t update dualstack add ip-dhcp-host "<host mac='52:54:00:00:85:01' name='four' ip='192.168.133.10'/>"
t update dualstack add ip-dhcp-host "<host id='0:3:0:1:52:54:0:0:85:2' name='six2' ip='192.168.133.11'/>"
t update dualstack modify ip-dhcp-host "<host id='0:3:0:1:52:54:0:0:85:1' name='six' ip='fd00:133::11'/>"
t update dualstack delete ip-dhcp-range "<range start='fd00:133::100' end='fd00:133::1ff'/>"
t dumpxml dualstack
# reload and transient start: usage errors, and what touches no host object.
t reload
t reload lab extra
t reload 'no/such'
t reload lab --frob
t reload lab
t start missing.xml
t start ./cases
} > actual.txt

# Whatever the case, nothing netd printed holds a control byte but the
# newline, a C1 control, a bidi control or invalid UTF-8.
bad=$(LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c' actual.txt)
if [ -n "$bad" ] || ! iconv -f UTF-8 -t UTF-8 actual.txt >/dev/null 2>&1; then
	printf '%s\n' "$bad" | cat -v
	echo "FAIL: netd printed a control byte or invalid UTF-8 (lines above)"
	exit 1
fi
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
