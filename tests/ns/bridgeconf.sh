#!/bin/bash
# bridge.conf as qemu-bridge-helper (setuid root) trusts it, end to end:
# 1. bridge.conf a symlink into another directory, the network for one
#    group only: start, then status shows no drift and apply repairs
#    nothing (it used to report "no 'allow BRIDGE'" for ever);
# 2. include loops (7 self-includes of bridge.conf, an include that
#    includes itself 13 times): start, status and list finish at once, and
#    start and status name the loop by file and line;
# 3. a chain anyone but root can write (bridge.conf 0666 or 0664 with a
#    group, owned by a user, its directory world-writable even with the
#    sticky bit while a file is missing, an include in such a directory):
#    start refuses with the command that fixes it and leaves bridge.conf
#    alone; status of a running network names every such file; a root-owned
#    0755 chain under a sticky /tmp-like directory is fine.
# Usage: bridgeconf.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BC=/etc/qemu/bridge.conf
drift() { jq -r '.drift[]' <<<"$OUT"; }
problems() { jq -r '.session_vms.problems[]' <<<"$OUT"; }

# /etc is the test's overlay: the group exists in this namespace only.
must groupadd -f netdtest
nd_ok define "$NS_SRC/isolated.xml"
grp_xml
nd_ok define "$T/grp.xml"

say "-- 1. bridge.conf a symlink into another directory, a group-only network"
must mkdir -m 0755 /etc/qemu-real
printf 'allow br-admin\n' >/etc/qemu-real/bridge.conf
must ln -s /etc/qemu-real/bridge.conf $BC
nd start grp
check "start grp: exit 0" eq "$RC" 0
check "the include is in the real file" grep -q '^include /etc/qemu-real/netd-virbr23.conf$' \
	/etc/qemu-real/bridge.conf
check "the ACL file is beside it" test -f /etc/qemu-real/netd-virbr23.conf
nd status grp --json
check "status: no drift" eq "$(drift)" ""
nd apply grp
check "apply: exit 0" eq "$RC" 0
check "apply: as it should be" has "$OUT" "network 'grp': as it should be"
check_not "apply: repaired nothing" has "$OUT" repaired
nd status grp --json
check "status after apply: no drift" eq "$(drift)" ""
nd_ok stop grp
check "stop: the real file is the administrator's again" \
	eq "$(cat /etc/qemu-real/bridge.conf)" "allow br-admin"
check "stop: bridge.conf is still the symlink" test -L $BC
check_not "stop: no ACL file left" test -e /etc/qemu-real/netd-virbr23.conf
must rm -f $BC

say "-- 2. include loops"
{
	echo "allow br-admin"
	for _ in 1 2 3 4 5 6 7; do echo "include $BC"; done
	echo "include /etc/qemu/self.conf"
} >$BC
for _ in $(seq 13); do echo "include /etc/qemu/self.conf"; done >/etc/qemu/self.conf
SECONDS=0
nd start isolated
check "start with include loops: exit 0" eq "$RC" 0
check "start took under 10 s (took ${SECONDS}s)" test "$SECONDS" -lt 10
check "start warns of the loop, with file and line" has "$OUT$ERR" \
	"warning: $BC line 2: include loop"
SECONDS=0
nd status isolated
check "status: the loop, by file and line" has "$OUT" "$BC line 2: include loop"
check "status: the loop in the included file too" has "$OUT" "/etc/qemu/self.conf line 1: include loop"
nd list
check "status and list took under 10 s (took ${SECONDS}s)" test "$SECONDS" -lt 10
nd_ok stop isolated
must rm -f /etc/qemu/self.conf

say "-- 3. a bridge.conf chain that others can write"
printf 'allow br-admin\n' >$BC
must chmod 0644 $BC
nd_ok start grp # running before the chain goes bad: status must say so
# start_refused WHAT FIX: start isolated fails, names FIX, changes nothing.
start_refused() {
	local what=$1 fix=$2 before
	before=$(sha256sum $BC)
	nd start isolated
	check "$what: start refused (exit 1)" eq "$RC" 1
	check "$what: the error says to run '$fix'" has "$ERR" "run '$fix'"
	check "$what: bridge.conf unchanged" eq "$(sha256sum $BC)" "$before"
	check_not "$what: no bridge left" link_exists virbr22
	nd status grp --json
	check "$what: status of grp names it" has "$(problems)" "run '$fix'"
	check "$what: status: not usable" jq -e '.session_vms.usable == false' <<<"$OUT"
}
must chmod 0666 $BC
start_refused "bridge.conf 0666" "chmod go-w $BC"
must chmod 0664 $BC
must chgrp netdtest $BC
start_refused "bridge.conf 0664 group netdtest" "chmod g-w $BC"
must chgrp root $BC
must chmod 0644 $BC
must chown nobody $BC
start_refused "bridge.conf owned by nobody" "chown root $BC"
must chown root $BC
must chmod 0777 /etc/qemu
start_refused "/etc/qemu 0777" "chmod go-w /etc/qemu"
# Sticky, yet others may create names there, netd's own files' included.
must chmod 1777 /etc/qemu
start_refused "/etc/qemu 1777" "chmod go-w /etc/qemu"
must chmod 0755 /etc/qemu
must mkdir -m 1777 /etc/qemu-tmp
printf 'include /etc/qemu-tmp/missing.conf\n' >>$BC
start_refused "an include of a missing file in a sticky 1777 dir" "chmod go-w /etc/qemu-tmp"
printf 'allow br-admin\n' >$BC
nd status grp
check "a safe chain again: status has no bridge.conf problem" lacks "$OUT" "writable"
# A root-owned 0755 directory and file under a sticky 1777 one are safe:
# the sticky bit keeps others from replacing what root owns there.
must mkdir -m 0755 /etc/qemu-tmp/q
printf 'allow br-admin\n' >/etc/qemu-tmp/q/bridge.conf
NETD_BRIDGE_CONF=/etc/qemu-tmp/q/bridge.conf nd start isolated
check "bridge.conf under a sticky dir, itself root's: start works" eq "$RC" 0
check "...and netd wrote its line" grep -qx 'allow virbr22' /etc/qemu-tmp/q/bridge.conf
NETD_BRIDGE_CONF=/etc/qemu-tmp/q/bridge.conf nd_ok stop isolated
nd_ok stop grp
