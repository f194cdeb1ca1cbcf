#!/bin/bash
# End-to-end: an unprivileged qemu:///session-style VM joins netd's bridge
# through qemu-bridge-helper and gets a DHCP lease from netd's dnsmasq; the
# same VM on a bridge netd did not allow is refused by the helper's ACL; a
# group-only network, the host's own bridge, and a network the VM's user
# created for itself with `netd user create` (the delegation service), which
# another user's qemu cannot join.
#
# Usage: run.sh NETD_BINARY SOURCE_DIR [CACHE_DIR]
#   CACHE_DIR (default $NETD_E2E_CACHE, else /var/cache/netd-e2e) keeps the
#   guest kernel and initramfs between runs (see build-guest.sh).
# Exit: 0 pass, 1 fail, 77 skipped (not root, no qemu, no namespaces, ...).
#
# Everything that touches the system happens inside private mount, network
# and pid namespaces: tmpfs over /etc/netd, /run/netd, /var/lib/netd and
# /etc/qemu (an overlay on the parent first where a directory is missing, so
# the host gets no new directory), a setuid-root copy of qemu-bridge-helper
# bind-mounted over the real one, and a 0666 tun device node bind-mounted over
# /dev/net/tun (0600 on a host without udev). The real helper, /dev/net/tun,
# /etc/qemu and the host's network are never changed.
set -euo pipefail

helper=/usr/lib/qemu/qemu-bridge-helper
vm_user=nobody          # any unprivileged account; setpriv drops to it
vm_mac=52:54:00:e2:e0:01
vm_timeout=240          # the VM that boots, TCG (no KVM here): ~10 s measured
nope_timeout=30         # the VMs the helper must refuse: they fail at once
build_timeout=200       # guest build: download ~27 MB, extract, pack: ~7 s
ns_timeout=360          # the whole namespace part (ctest's TIMEOUT is 600)

say() { printf 'e2e: %s\n' "$*"; }
fail() { printf 'e2e: FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'e2e: skipped: %s\n' "$*"; exit 77; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if [ "${1:-}" != --inside ]; then
	# ---------------- outside: checks, guest build, enter namespaces -------
	netd=$(realpath "${1:?usage: run.sh NETD_BINARY SOURCE_DIR [CACHE_DIR]}")
	src=$(realpath "${2:?usage: run.sh NETD_BINARY SOURCE_DIR [CACHE_DIR]}")
	cache=${3:-${NETD_E2E_CACHE:-/var/cache/netd-e2e}}
	here=$(cd "$(dirname "$0")" && pwd)

	[ "$(id -u)" = 0 ] || skip "needs root (namespaces, a setuid helper copy)"
	for cmd in unshare setpriv timeout qemu-system-x86_64 dnsmasq nft ip dpkg-deb apt-get; do
		command -v "$cmd" >/dev/null || skip "$cmd not installed (./setup.sh test installs it)"
	done
	[ -x "$helper" ] || skip "$helper not installed (qemu-system-common)"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
	id -u "$vm_user" >/dev/null 2>&1 || skip "no '$vm_user' account"
	unshare --mount --net --pid --fork --mount-proc --propagation private true 2>/dev/null ||
		skip "cannot create private namespaces here"

	t=$(now)
	timeout -k 5 "$build_timeout" "$here/build-guest.sh" "$cache" || fail "guest build failed"
	say "guest ready in $(since "$t")s"

	logs=${NETD_E2E_LOGS:-$PWD/e2e-logs}
	rm -rf "$logs"
	mkdir -p "$logs"
	chmod 0755 "$logs"
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/netd-e2e.XXXXXX")
	rc=0
	# --kill-child: should unshare be killed (timeout), the namespace's init
	# gets SIGKILL, and with it every process left in the pid namespace.
	timeout -k 10 "$ns_timeout" unshare --mount --net --pid --fork --mount-proc \
		--propagation private --kill-child -- "$0" --inside "$netd" "$src" "$cache/guest" "$scratch" "$logs" ||
		rc=$?
	rmdir "$scratch" 2>/dev/null || true
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		for f in "$logs"/*; do
			[ -f "$f" ] && { echo "----- ${f##*/} (last 40 lines) -----"; tail -n 40 "$f"; } >&2
		done
		fail "timed out after ${ns_timeout}s (logs in $logs)"
	fi
	exit $rc
fi

# -------------------- inside the private namespaces ---------------------
netd=$2 src=$3 guest=$4 scratch=$5 logs=$6
qemu_pid=

cleanup() {
	local rc=$?
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	for net in lan grp default; do "$netd" stop "$net" >>"$logs/netd.log" 2>&1 || true; done
	if [ $rc != 0 ]; then
		for f in "$logs"/*; do
			[ -f "$f" ] || continue
			echo "----- ${f##*/} (last 40 lines) -----" >&2
			tail -n 40 "$f" >&2
		done
	fi
	# The pid namespace ends with us: dnsmasq and any qemu left go with it.
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# Writable scratch space for this run, suid and dev allowed (the helper copy
# and the tun node live here), invisible to the host.
mount -t tmpfs -o mode=0755,suid,dev,exec netd-e2e "$scratch"

# A tmpfs over DIR. Where DIR does not exist, first lay a tmpfs-backed
# overlay over its parent so it can be created without touching the host.
overlaid=" "
shadow_dir() {
	local dir=$1 parent
	parent=$(dirname "$dir")
	if [ ! -d "$dir" ]; then
		[ -d "$parent" ] || fail "$parent does not exist"
		if [[ $overlaid != *" $parent "* ]]; then
			local o="$scratch/overlay${parent//\//_}"
			mkdir -p "$o/upper" "$o/work"
			mount -t overlay overlay \
				-o "lowerdir=$parent,upperdir=$o/upper,workdir=$o/work" "$parent" ||
				fail "cannot overlay $parent to create $dir"
			overlaid+="$parent "
		fi
		mkdir -p "$dir"
	fi
	mount -t tmpfs -o mode=0755 netd-e2e "$dir"
}
for d in /etc/netd /run/netd /var/lib/netd /etc/qemu; do shadow_dir "$d"; done
export NETD_CONF_DIR=/etc/netd/networks NETD_RUN_DIR=/run/netd \
       NETD_STATE_DIR=/var/lib/netd NETD_BRIDGE_CONF=/etc/qemu/bridge.conf

ip link set lo up
vm_uid=$(id -u "$vm_user") vm_gid=$(id -g "$vm_user")

# ---- the default network, as the package hook and the boot unit do -----
t=$(now)
"$netd" install-default >>"$logs/netd.log" 2>&1 || fail "netd install-default failed"
"$netd" boot >>"$logs/netd.log" 2>&1 || fail "netd boot failed"
say "netd install-default + boot brought up the default network in $(since "$t")s"
ip -br addr show dev virbr0 >>"$logs/netd.log" 2>&1 || fail "no virbr0 after netd boot"
ip -4 -o addr show dev virbr0 | grep -q ' 192\.168\.122\.1/24 ' ||
	fail "virbr0 has not 192.168.122.1/24: $(ip -4 -o addr show dev virbr0)"
grep -qx 'allow virbr0' /etc/qemu/bridge.conf ||
	fail "bridge.conf has no 'allow virbr0': $(cat /etc/qemu/bridge.conf)"
setpriv --reuid="$vm_uid" --regid="$vm_gid" --clear-groups cat /etc/qemu/bridge.conf >/dev/null ||
	fail "bridge.conf is not readable by $vm_user"

# status says whether session VMs can use the bridge, and what to change.
# session_problems: the problems netd status --json lists, one a line.
session_problems() {
	"$netd" status default --json 2>>"$logs/netd.log" | tee -a "$logs/netd.log" |
		jq -r '.session_vms.problems[]'
}
session_usable() {
	"$netd" status default --json 2>>"$logs/netd.log" | jq -e '.session_vms.usable' >/dev/null
}
problems=$(session_problems) || fail "netd status default --json failed"
if [ ! -u "$helper" ]; then
	grep -q "^$helper is neither setuid root nor has cap_net_admin.*\(4755\|chmod u+s\) $helper" <<<"$problems" ||
		fail "status does not say that $helper needs the setuid bit: $problems"
	say "status before the setuid copy: $(grep -m1 "^$helper" <<<"$problems")"
fi
if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
	grep -q "^/dev/net/tun has mode .*chmod 0666 /dev/net/tun" <<<"$problems" ||
		fail "status does not say that /dev/net/tun must be 0666: $problems"
fi

# The helper opens /dev/net/tun after dropping to the caller's uid (keeping
# only CAP_NET_ADMIN), so users need a usable node: a private 0666 one.
mknod -m 0666 "$scratch/tun" c 10 200
mount --bind "$scratch/tun" /dev/net/tun
# qemu-bridge-helper is not setuid on Debian: a setuid-root copy, here only.
cp "$helper" "$scratch/qemu-bridge-helper"
chown root:root "$scratch/qemu-bridge-helper"
chmod 4755 "$scratch/qemu-bridge-helper"
mount --bind "$scratch/qemu-bridge-helper" "$helper"
[ -u "$helper" ] || fail "the bind-mounted helper is not setuid"
session_usable || fail "status says session VMs cannot use virbr0: $(session_problems)"
say "status with the setuid helper and a 0666 tun: usable by session VMs"

# ---- the VM, as an unprivileged user ------------------------------------
vmdir=$scratch/vm
mkdir -m 0711 "$vmdir" # searchable: another user's VM has its serial file here too
chown "$vm_user" "$vmdir"

# run_vm NAME BRIDGE TIMEOUT [GID]: start qemu as $vm_user in the
# background, with GID as its one supplementary group (none by default);
# qemu_pid set.
run_vm() {
	local name=$1 br=$2 limit=$3 groups=--clear-groups
	[ -n "${4:-}" ] && groups=--groups=$4
	: >"$vmdir/$name.serial"
	chown "$vm_uid" "$vmdir/$name.serial"
	timeout -k 5 "$limit" setpriv --reuid="$vm_uid" --regid="$vm_gid" "$groups" \
		env -i PATH=/usr/bin:/bin HOME="$vmdir" \
		qemu-system-x86_64 -machine pc,accel=tcg -m 256 -smp 1 \
		-nodefaults -no-user-config -nographic -monitor none \
		-serial "file:$vmdir/$name.serial" -no-reboot \
		-kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" \
		-append "console=ttyS0 panic=-1 loglevel=4" \
		-netdev "bridge,id=n0,br=$br" \
		-device "virtio-net-pci,netdev=n0,mac=$vm_mac,romfile=" \
		</dev/null >"$logs/$name.qemu.log" 2>&1 &
	qemu_pid=$!
}
# wait_vm NAME: wait for that qemu to exit; its status in vm_rc.
wait_vm() {
	vm_rc=0
	wait "$qemu_pid" || vm_rc=$?
	qemu_pid=
	cp "$vmdir/$1.serial" "$logs/$1.serial.log" 2>/dev/null || true
}

# With the VM on virbr0, 'netd stop default' must refuse and name qemu,
# its pid and its user. The helper plugs the tap in as qemu starts, long
# before the guest's lease; qemu is frozen (SIGSTOP) for the check, which
# runs only if the tap is a port then: a stop that went through would take
# the network away from the rest of the test. (/sys here is the host's:
# the ports come from ip.)
guard_check() {
	local q out rc=0 n=200
	while [ $n -gt 0 ] && kill -0 "$qemu_pid" 2>/dev/null &&
		[ -z "$(ip -o link show master virbr0 2>/dev/null)" ]; do
		sleep 0.1
		n=$((n - 1))
	done
	q=$(ps -o pid= --ppid "$qemu_pid" 2>/dev/null | tr -d ' ' | head -n1) || q=
	[ -n "$q" ] && kill -STOP "$q" 2>/dev/null || { say "stop guard: VM gone before the check"; return 0; }
	if [ -z "$(ip -o link show master virbr0 2>/dev/null)" ]; then
		kill -CONT "$q"
		say "stop guard: the tap was gone before the check"
		return 0
	fi
	out=$("$netd" stop default 2>&1) || rc=$?
	kill -CONT "$q"
	echo "$out" >>"$logs/netd.log"
	[ "$rc" = 1 ] || fail "netd stop default with the VM attached: exit $rc, not 1: $out"
	grep -q "network 'default' has 1 guest attached: [^ ]* (qemu-system-x86 pid $q, user $vm_user); stop it first or use --force" <<<"$out" ||
		fail "netd stop default does not name qemu (pid $q, user $vm_user): $out"
	say "stop guard: $out"
}

t=$(now)
run_vm lease virbr0 "$vm_timeout"
guard_check
lease_ip=
while kill -0 "$qemu_pid" 2>/dev/null; do
	lease_ip=$(sed -n 's/^LEASE \([0-9.]*\) .*/\1/p' "$vmdir/lease.serial" | head -n1)
	[ -n "$lease_ip" ] && break
	sleep 0.2
done
boot_to_lease=$(since "$t")
wait_vm lease
[ $vm_rc = 0 ] || fail "qemu on virbr0 exited with status $vm_rc: $(tail -n 5 "$logs/lease.qemu.log")"
[ -n "$lease_ip" ] || lease_ip=$(sed -n 's/^LEASE \([0-9.]*\) .*/\1/p' "$logs/lease.serial.log" | head -n1)
[ -n "$lease_ip" ] || fail "the guest printed no LEASE on its serial console (see lease.serial.log)"
say "guest: $(grep -m1 '^LEASE ' "$logs/lease.serial.log")"
say "VM start to lease on the serial console: ${boot_to_lease}s; whole VM run $(since "$t")s"
case $lease_ip in
192.168.122.*) last=${lease_ip##*.} ;;
*) fail "lease $lease_ip is not in 192.168.122.0/24" ;;
esac
{ [ "$last" -ge 2 ] && [ "$last" -le 254 ]; } || fail "lease $lease_ip is outside 192.168.122.2-254"

leases=$("$netd" leases default --json 2>>"$logs/netd.log") || fail "netd leases default --json failed"
echo "$leases" >"$logs/leases.json"
grep -qi "\"$vm_mac\"" <<<"$leases" || fail "netd leases does not list $vm_mac: $leases"
grep -q "\"$lease_ip\"" <<<"$leases" || fail "netd leases does not list $lease_ip: $leases"
say "netd leases default --json lists $vm_mac with $lease_ip"

# ---- a bridge netd did not allow: the helper's ACL refuses it -----------
ip link add br-nope type bridge
ip link set br-nope up
run_vm nope br-nope "$nope_timeout"
wait_vm nope
[ $vm_rc != 0 ] || fail "qemu on br-nope (not in bridge.conf) succeeded"
[ $vm_rc != 124 ] || fail "qemu on br-nope hung until the timeout instead of failing"
grep -q 'access denied by acl file' "$logs/nope.qemu.log" ||
	fail "qemu on br-nope failed without the helper's ACL denial: $(cat "$logs/nope.qemu.log")"
[ -z "$(ip -o link show master br-nope)" ] || fail "something was attached to br-nope"
say "br-nope refused: $(grep -m1 'access denied' "$logs/nope.qemu.log")"

# ---- a bridge restricted to one group (<netd:access group/>) -------------
# A private /etc/group with one more group, seen by netd (getgrnam) and by
# the helper's file permission checks; the host's /etc/group is untouched.
vm_group=netd-e2e-vms vm_group_gid=4242
getent group "$vm_group_gid" >/dev/null && fail "gid $vm_group_gid is taken on this host"
cp /etc/group "$scratch/group"
echo "$vm_group:x:$vm_group_gid:" >>"$scratch/group"
mount --bind "$scratch/group" /etc/group
cat >"$scratch/grp.xml" <<XML
<network xmlns:netd='urn:netd:network:1'>
  <name>grp</name>
  <forward mode='nat'/>
  <bridge name='virbr7'/>
  <ip address='192.168.150.1' prefix='24'>
    <dhcp><range start='192.168.150.10' end='192.168.150.20'/></dhcp>
  </ip>
  <netd:access group='$vm_group'/>
</network>
XML
{ "$netd" define "$scratch/grp.xml" && "$netd" start grp; } >>"$logs/netd.log" 2>&1 ||
	fail "netd define/start of the group-only network failed"
! grep -qx 'allow virbr7' /etc/qemu/bridge.conf ||
	fail "bridge.conf allows virbr7 to everyone: $(cat /etc/qemu/bridge.conf)"
"$netd" status grp >>"$logs/netd.log" 2>&1 || true

# A member of the group gets the tap and a lease on virbr7...
run_vm member virbr7 "$vm_timeout" "$vm_group_gid"
wait_vm member
[ $vm_rc = 0 ] || fail "qemu on virbr7 as a member of $vm_group exited with status $vm_rc: $(tail -n 5 "$logs/member.qemu.log")"
member_ip=$(sed -n 's/^LEASE \([0-9.]*\) .*/\1/p' "$logs/member.serial.log" | head -n1)
case $member_ip in
192.168.150.1[0-9] | 192.168.150.20) ;;
*) fail "the member's guest got no lease in 192.168.150.10-20 on virbr7 (got '$member_ip')" ;;
esac
say "group-only virbr7: a member of $vm_group got $member_ip"
# ...and the same user outside the group is refused by the helper's ACL.
run_vm outsider virbr7 "$nope_timeout"
wait_vm outsider
[ $vm_rc != 0 ] || fail "qemu on virbr7 succeeded for a user outside $vm_group"
grep -q 'access denied by acl file' "$logs/outsider.qemu.log" ||
	fail "qemu on virbr7 outside $vm_group failed without the ACL denial: $(cat "$logs/outsider.qemu.log")"
say "group-only virbr7: a user outside $vm_group refused: $(grep -m1 'access denied' "$logs/outsider.qemu.log")"
"$netd" stop grp >>"$logs/netd.log" 2>&1 || fail "netd stop grp failed"
! grep -q virbr7 /etc/qemu/bridge.conf || fail "netd stop grp left virbr7 in bridge.conf"

# ---- the host's own bridge onto a LAN (<forward mode='bridge'/>) --------
# The administrator's br-lan with the "LAN" behind it: a veth whose far
# end, lan1, has the LAN's own DHCP server (a plain dnsmasq, not netd's).
# netd only lets session VMs join br-lan; the VM's address comes from the
# LAN. Before netd's network starts and after it stops, the helper refuses.
ip link add br-lan type bridge stp_state 0 forward_delay 0
ip link add lan0 type veth peer name lan1
ip link set lan0 master br-lan up
ip link set br-lan up
ip addr add 10.77.0.1/24 dev lan1
ip link set lan1 up
dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --no-resolv --no-hosts \
	--interface=lan1 --bind-interfaces --pid-file= --user=root \
	--dhcp-range=10.77.0.50,10.77.0.60,10m --dhcp-leasefile="$scratch/lan.leases" \
	--log-facility="$logs/lan-dnsmasq.log" </dev/null >/dev/null 2>&1 &
lan_dhcp=$!
cat >"$scratch/lan.xml" <<XML
<network>
  <name>lan</name>
  <forward mode='bridge'/>
  <bridge name='br-lan'/>
</network>
XML
{ "$netd" define "$scratch/lan.xml" && "$netd" start lan; } >>"$logs/netd.log" 2>&1 ||
	fail "netd define/start of the host bridge network failed"
grep -qx 'allow br-lan' /etc/qemu/bridge.conf ||
	fail "bridge.conf has no 'allow br-lan': $(cat /etc/qemu/bridge.conf)"
[ ! -e /run/netd/dnsmasq/lan.pid ] || fail "netd started a dnsmasq for the host bridge network"
run_vm lanvm br-lan "$vm_timeout"
wait_vm lanvm
[ $vm_rc = 0 ] || fail "qemu on br-lan exited with status $vm_rc: $(tail -n 5 "$logs/lanvm.qemu.log")"
lan_ip=$(sed -n 's/^LEASE \([0-9.]*\) .*/\1/p' "$logs/lanvm.serial.log" | head -n1)
case $lan_ip in
10.77.0.5[0-9] | 10.77.0.60) ;;
*) fail "the guest on br-lan got no lease from the LAN's DHCP server (got '$lan_ip')" ;;
esac
grep -qi "$vm_mac" "$scratch/lan.leases" || fail "the LAN's DHCP server has no lease for $vm_mac"
say "host bridge br-lan: the session VM got $lan_ip from the LAN's own DHCP server"
"$netd" stop lan >>"$logs/netd.log" 2>&1 || fail "netd stop lan failed"
ip -o link show br-lan >/dev/null 2>&1 || fail "netd stop lan removed the host's bridge"
run_vm lanvm2 br-lan "$nope_timeout"
wait_vm lanvm2
grep -q 'access denied by acl file' "$logs/lanvm2.qemu.log" ||
	fail "qemu on br-lan after netd stop lan was not refused by the ACL: $(cat "$logs/lanvm2.qemu.log")"
say "host bridge br-lan after stop: kept, and session VMs refused again"
kill "$lan_dhcp" 2>/dev/null || true

# ---- a user's own network (netd user, through the delegation service) ---
# $vm_user creates an isolated and a nat network as itself through netd serve-user behind
# a socket-activated listener (as netd-user.socket runs it); its qemu joins each
# the bridge and gets a lease; another user's qemu is refused by the ACL
# file that only $vm_user can read. A private /etc/passwd adds that user.
other_user=netd-e2e-bob other_uid=4243
getent passwd "$other_uid" >/dev/null && fail "uid $other_uid is taken on this host"
cp /etc/passwd "$scratch/passwd"
echo "$other_user:x:$other_uid:$vm_gid::/nonexistent:/usr/sbin/nologin" >>"$scratch/passwd"
mount --bind "$scratch/passwd" /etc/passwd
printf 'users = %s %s\npool = 10.204.0.0/16\nmax-networks = 2\n' "$vm_user" "$other_user" \
	>/etc/netd/delegation.conf
systemd-socket-activate -l /run/netd/user.sock -a --inetd \
	-E NETD_CONF_DIR -E NETD_RUN_DIR -E NETD_STATE_DIR -E NETD_BRIDGE_CONF -E PATH \
	"$netd" serve-user 2>>"$logs/serve-user.log" &
sock_pid=$!
n=100
while [ ! -S /run/netd/user.sock ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
[ -S /run/netd/user.sock ] || fail "no /run/netd/user.sock"
chmod 0666 /run/netd/user.sock
# as_vm_user ARGS...: netd as $vm_user, its output in out.
as_vm_user() {
	out=$(timeout 60 setpriv --reuid="$vm_uid" --regid="$vm_gid" --clear-groups \
		env -i NETD_RUN_DIR=/run/netd "$netd" "$@" 2>&1)
}
# An isolated network and a nat one, each joined by $vm_user's qemu.
for kind in isolated nat; do
	as_vm_user user create "$kind" --"$kind" || fail "netd user create $kind as $vm_user failed: $out"
	echo "$out" >>"$logs/netd.log"
	br=$(sed -n "s/.*created: bridge \([^,]*\),.*/\1/p" <<<"$out")
	[ -n "$br" ] || fail "netd user create named no bridge: $out"
	! grep -qx "allow $br" /etc/qemu/bridge.conf ||
		fail "bridge.conf allows $br to everyone: $(cat /etc/qemu/bridge.conf)"
	"$netd" status "$vm_user.$kind" 2>&1 | grep -q "session: *usable by unprivileged qemu (qemu:///session) of its owner, uid $vm_uid, only" ||
		fail "netd status $vm_user.$kind does not say its bridge is for its owner only: $("$netd" status "$vm_user.$kind" 2>&1)"
	run_vm "own-$kind" "$br" "$vm_timeout"
	wait_vm "own-$kind"
	[ $vm_rc = 0 ] || fail "qemu of $vm_user on its own $kind $br exited with status $vm_rc: $(tail -n 5 "$logs/own-$kind.qemu.log")"
	own_ip=$(sed -n 's/^LEASE \([0-9.]*\) .*/\1/p' "$logs/own-$kind.serial.log" | head -n1)
	case $own_ip in
	10.204.[01].*) ;;
	*) fail "the guest on $vm_user's $kind $br got no lease in 10.204.0.0/23 (got '$own_ip')" ;;
	esac
	say "user network: $vm_user's qemu on its own $kind network ($br) got $own_ip"
	user_br=$br
done
vm_uid_saved=$vm_uid
vm_uid=$other_uid
run_vm stranger "$user_br" "$nope_timeout"
wait_vm stranger
vm_uid=$vm_uid_saved
[ $vm_rc != 0 ] || fail "qemu of $other_user joined $vm_user's $user_br"
grep -q 'access denied by acl file' "$logs/stranger.qemu.log" ||
	fail "qemu of $other_user on $user_br failed without the ACL denial: $(cat "$logs/stranger.qemu.log")"
say "user network: $other_user's qemu on $user_br refused: $(grep -m1 'access denied' "$logs/stranger.qemu.log")"
for kind in isolated nat; do
	as_vm_user user destroy "$kind" || fail "netd user destroy $kind as $vm_user failed: $out"
done
! grep -q "netd-ndu" /etc/qemu/bridge.conf || fail "destroy left an include in bridge.conf"
kill "$sock_pid" 2>/dev/null || true
umount /etc/passwd

# ---- the helper reads bridge.conf as the calling user -------------------
# With the ACL unreadable by that user the same VM on virbr0 fails: proof
# that bridge.conf must stay world-readable (what netd status checks).
chmod 0600 /etc/qemu/bridge.conf
run_vm unreadable virbr0 "$nope_timeout"
wait_vm unreadable
chmod 0644 /etc/qemu/bridge.conf
[ $vm_rc != 0 ] || fail "qemu on virbr0 succeeded with bridge.conf unreadable by $vm_user"
grep -q 'failed to parse default acl file' "$logs/unreadable.qemu.log" ||
	fail "unexpected failure with an unreadable bridge.conf: $(cat "$logs/unreadable.qemu.log")"
say "bridge.conf unreadable by $vm_user: refused as expected"

say "PASS"
