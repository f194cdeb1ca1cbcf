#!/bin/bash
# The session user's own view, without root: with networks started by root,
# user nobody (uid 65534, no supplementary groups unless said) runs list,
# status, leases, dumpxml and plan:
# 1. they work and take no lock: with root holding netd's lock, the user's
#    status still returns at once and says a netd is busy; no flock call is
#    made (strace, where installed) and /proc/locks never shows a lock of
#    the user's; the user's status does not create the lock file;
# 2. status says whether THIS user can join and why not: the helper not
#    setuid (named, with the fix), /dev/net/tun 0600 (named), and checks
#    that need root are listed as not checked, never as "no drift";
# 3. with a setuid helper copy and a 0666 tun node bind-mounted here only,
#    the user can join the open network; list marks it joinable;
# 4. a group-only network: joinable for nobody with the group, not
#    without (status names the group and the usermod to run), and "log in
#    again" when /etc/group lists the user but the session lacks the group;
#    a user's own network (<netd:owner>) joinable by its owner only, and
#    another user told whose it is;
# 5. bridge.conf 0600: the user's status names the file and the chmod;
# 6. files the user may not read: one line naming the file, "needs root",
#    exit 1; status lists dnsmasq as not checked when its files are root's
#    only (a 0700 state directory, a 0600 servers file), never as drift.
# Usage: user-view.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid; the helper and /dev/net/tun are bind mounts
# in this mount namespace, the real ones are never changed.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

HELPER=/usr/lib/qemu/qemu-bridge-helper
[ -x $HELPER ] || skip "no $HELPER (qemu-system-common)"
command -v setpriv >/dev/null || skip "no setpriv"
BC=/etc/qemu/bridge.conf
LOCK=/run/netd/netd.lock

# A copy of the binary any user can reach, wherever the build tree is.
must install -m 0755 "$NETD" "$T/netd"
# /etc is the test's overlay: the group exists in this namespace only.
must groupadd -f netdtest
GID=$(getent group netdtest | cut -d: -f3)

# un [--groups=G] ARGS...: netd as nobody (uid/gid 65534, no supplementary
# groups, or G); like nd: $OUT, $ERR, $RC.
un() {
	local groups=(--clear-groups)
	case ${1:-} in --groups=*) groups=("$1"); shift ;; esac
	run_shown "(nobody ${groups[*]}) netd $*" timeout "${ND_TIMEOUT:-20}" \
		setpriv --reuid=65534 --regid=65534 "${groups[@]}" "$T/netd" "$@"
}
problems() { jq -r '.session_vms.problems[]' <<<"$OUT"; }
joinable() { jq -r --arg n "$1" '.[] | select(.name == $n) | .joinable' <<<"$OUT"; }

nd_ok define "$NS_SRC/isolated.xml"
grp_xml
nd_ok define "$T/grp.xml"

say "-- 1. read-only commands as a user, and no lock"
rm -f $LOCK
un status isolated
check "status of a stopped network as a user: exit 0" eq "$RC" 0
check_not "the user's status created no lock file" test -e $LOCK
nd_ok start isolated
nd_ok start grp
un list
check "list: exit 0" eq "$RC" 0
check "list: the column says whether you can join" has "$OUT" "YOU-CAN-JOIN"
un list --json
check "list --json: one JSON document" jq -e 'length == 2' <<<"$OUT"
un leases isolated --json
check "leases --json: exit 0, an array" jq -e 'type == "array"' <<<"$OUT"
un dumpxml isolated
check "dumpxml: exit 0" eq "$RC" 0
check "dumpxml: the network" has "$OUT" "<name>isolated</name>"
un plan isolated
check "plan: exit 0" eq "$RC" 0
check "plan: the bridge.conf line" has "$OUT" "allow virbr22"

# Root holds netd's lock, as a long start would.
# One process holds it: flock --no-fork execs sleep with the lock, so no
# child is left behind to keep it.
flock --no-fork $LOCK sleep 60 &
holder=$!
must wait_for 50 "root's lock" grep -q "FLOCK.*WRITE" /proc/locks
SECONDS=0
un status isolated
check "status while root holds the lock: exit 0" eq "$RC" 0
check "...and it returned at once (${SECONDS}s)" test "$SECONDS" -lt 10
check "...and it says a netd is busy" has "$OUT" "another netd .* is changing networks"
un status isolated --json
check "--json: lock_held_by is root's flock" jq -e --argjson p "$holder" '.lock_held_by == $p' \
	<<<"$OUT"
# While the user's status runs (strace slows it), /proc/locks never shows a
# lock of a process of uid 65534.
if command -v strace >/dev/null; then
	# openat too: proof that the trace saw the run (it opens the record)
	tracer=(strace -f -qq -e trace=flock,fcntl,openat -o "$T/strace.out")
	must install -m 0666 /dev/null "$T/strace.out"
else
	tracer=()
	say "  (no strace: the flock-call check is left out)"
fi
: >"$T/locks.seen"
# LeakSanitizer cannot run under ptrace (the _asan variant): not for this run.
(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "${tracer[@]}" "$T/netd" status \
	isolated --json >"$T/bg.out" 2>&1) &
bg=$!
for _ in $(seq 200); do
	kill -0 $bg 2>/dev/null || break
	while read -r _ _ _ _ pid _; do
		[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = 65534 ] &&
			echo "$pid" >>"$T/locks.seen"
	done </proc/locks
	sleep 0.02
done
wait $bg
bg_rc=$?
check "background status as the user: exit 0" eq "$bg_rc" 0
[ "$bg_rc" = 0 ] || sed 's/^/  | /' "$T/bg.out" "$T/strace.out" 2>/dev/null | tail -20
check "/proc/locks showed no lock of the user's" eq "$(cat "$T/locks.seen")" ""
if [ ${#tracer[@]} -gt 0 ]; then
	check "strace saw the user's status open the runtime record" \
		grep -q 'openat(.*"/run/netd/isolated.xml"' "$T/strace.out"
	check_not "the user's status made no flock call, nor a fcntl lock" \
		grep -E -q 'flock\(|F_SETLK|F_OFD_SETLK' "$T/strace.out"
fi
check "the only lock on netd.lock is root's flock" \
	eq "$(grep -c ":$(stat -c %i $LOCK) " /proc/locks)" 1
setpriv --reuid=65534 --regid=65534 --clear-groups flock -n $LOCK true 2>/dev/null
check "a user cannot even open netd.lock to lock it" test $? != 0
kill $holder
wait $holder 2>/dev/null

say "-- 2. can I join? the host as it is: helper not setuid, tun 0600"
un status isolated
check "status: exit 0" eq "$RC" 0
check "status: you can not join" has "$OUT" "you (nobody) can NOT join"
check "status: names the helper and the fix" has "$OUT" \
	"$HELPER is neither setuid root nor has cap_net_admin.*an admin must run"
check "status: the root-only checks are said not checked" has "$OUT" \
	"unchecked: firewall, host firewall, dnsmasq.s DHCP socket: not checked (needs root"
check_not "status: no false 'drift: none'" has "$OUT" "^drift: *none$"
un status isolated --json
check "--json: usable false, for user nobody" \
	jq -e '.session_vms.usable == false and .session_vms.user == "nobody"' <<<"$OUT"
check "--json: not_checked lists the firewall" jq -e '.not_checked | index("firewall")' <<<"$OUT"
if [ "$(stat -c %a /dev/net/tun)" = 600 ]; then
	check "--json: names /dev/net/tun and what to run" has "$(problems)" \
		"/dev/net/tun (mode 0600 root:root: you (nobody) .*chmod 0666 /dev/net/tun"
fi
un list --json
check "list: isolated not joinable" eq "$(joinable isolated)" false
nd status isolated --json
check "root's status: no user, no not_checked" \
	jq -e '.session_vms.user == null and (has("not_checked") | not)' <<<"$OUT"

say "-- 3. a setuid helper and a usable tun, here only"
must cp $HELPER "$T/qemu-bridge-helper"
must chown root:root "$T/qemu-bridge-helper"
must chmod 4755 "$T/qemu-bridge-helper"
must mount --bind "$T/qemu-bridge-helper" $HELPER
must mknod -m 0666 "$T/tun" c 10 200
must mount --bind "$T/tun" /dev/net/tun
un status isolated --json
check "status: usable by nobody" jq -e '.session_vms.usable == true' <<<"$OUT"
un status isolated
check "status: you can join" has "$OUT" "you (nobody) can join with qemu:///session"
un list --json
check "list: isolated joinable" eq "$(joinable isolated)" true
un list
check "list text: yes for isolated" has "$OUT" "^isolated .* yes$"

say "-- 4. a network for group netdtest only"
un list --json
check "list: grp not joinable without the group" eq "$(joinable grp)" false
un status grp
check "status grp: names the group and the usermod" has "$OUT" \
	"virbr23 is for members of group netdtest only, and you (nobody) are not one: an admin must run 'usermod -aG netdtest nobody'"
un --groups="$GID" list --json
check "list with the group: grp joinable" eq "$(joinable grp)" true
un --groups="$GID" status grp
check "status with the group: you can join as a member" has "$OUT" \
	"you (nobody) can join with qemu:///session (as a member of group netdtest)"
must gpasswd -a nobody netdtest >/dev/null
un status grp
check "listed in /etc/group, not in the session: log in again" has "$OUT" \
	"you (nobody) are one, but this login session started before you were added: log in again"
must gpasswd -d nobody netdtest >/dev/null

say "-- 4b. users' own networks (<netd:owner>): nobody's and daemon's"
owned() { # NAME BRIDGE NET UID
	sed -e 's|<network>|<network xmlns:netd="urn:netd:network:1">|' \
		-e "s|<name>isolated</name>|<name>$1</name>|" -e "s|virbr22|$2|" \
		-e "s|192.168.152|$3|g" \
		-e "s|</network>|  <netd:owner uid='$4'/>\n</network>|" \
		"$NS_SRC/isolated.xml" >"$T/$1.xml"
	nd_ok define "$T/$1.xml"
	nd_ok start "$1"
}
owned mine virbr24 192.168.154 65534
owned theirs virbr25 192.168.155 1
un list --json
check "list: my own network joinable" eq "$(joinable mine)" true
check "list: another user's network not joinable" eq "$(joinable theirs)" false
un status theirs
check "status: whose network it is, no chmod advised" has "$OUT" \
	"virbr25 is the network of user $(id -nu 1) (netd user): only that user's qemu may join it, not yours (nobody)"
check_not "...and no chmod of its ACL file" has "$OUT" "chmod a+r"
nd_ok stop mine
nd_ok stop theirs

say "-- 5. bridge.conf not readable by the user"
must chmod 0600 $BC
un status isolated
check "status: exit 0" eq "$RC" 0
check "status: names bridge.conf and the chmod" has "$OUT" \
	"$BC (mode 0600 root:root: you (nobody) are neither its owner nor in group root.*an admin must run 'chmod a+r $BC'"
un list --json
check "list: not joinable" eq "$(joinable isolated)" false
nd status isolated
check "root's status: not readable by ordinary users" has "$OUT" \
	"$BC (mode 0600) is not readable by ordinary users"
must chmod 0644 $BC

say "-- 6. files only root may read"
must chmod 0600 /var/lib/netd/dnsmasq/isolated.leases /etc/netd/networks/isolated.xml
un leases isolated
check "leases: exit 1" eq "$RC" 1
check "leases: one line naming the file, needs root" eq "$ERR" \
	"netd: read leases /var/lib/netd/dnsmasq/isolated.leases: Permission denied (needs root: not readable by uid 65534)"
un plan isolated
check "plan: exit 1" eq "$RC" 1
check "plan: names the file, needs root" has "$ERR" \
	"/etc/netd/networks/isolated.xml: .*(needs root"
check "plan: one line" eq "$(wc -l <<<"$ERR")" 1
un list
check "list still works: exit 0" eq "$RC" 0
check "list: the config needs root" has "$OUT" "config not readable by you: needs root"
must chmod 0644 /var/lib/netd/dnsmasq/isolated.leases /etc/netd/networks/isolated.xml
# An administrator's 0700 state directory: dnsmasq's files are root's only.
must chmod 0700 /var/lib/netd
un status isolated --json
check "status with /var/lib/netd 0700: exit 0" eq "$RC" 0
check "...dnsmasq is listed as not checked" jq -e '.not_checked | index("dnsmasq")' <<<"$OUT"
un leases isolated
check "leases with /var/lib/netd 0700: exit 1, needs root" has "$ERR" "(needs root: not readable by uid 65534)"
must chmod 0755 /var/lib/netd
# A NAT network's upstream servers file (host resolvers) root's only.
nd_ok define "$NS_SRC/nat.xml"
nd_ok start nat
servers=/var/lib/netd/dnsmasq/nat.servers
must test -f "$servers"
must chmod 0600 "$servers"
un status nat --json
check "nat, servers file 0600: exit 0" eq "$RC" 0
check "...dnsmasq not checked" jq -e '.not_checked | index("dnsmasq")' <<<"$OUT"
check "...and not called stale" eq "$(jq -r '.drift[]' <<<"$OUT" | grep -c dnsmasq)" 0
must chmod 0644 "$servers"
nd_ok stop nat

nd_ok stop isolated
nd_ok stop grp
