#!/bin/bash
# stop with guests attached: refused, naming each port of the bridge and,
# for a tap, the process that holds it open and its user; nothing is torn
# down. --force stops all the same and names whom it cut off. A network
# without guests stops without --force; undefine of a running network says
# why and names its guests.
# Usage: stop-guard.sh NETD_BINARY
# Private namespaces only (lib.sh's ns_enter).
. "$(dirname "$0")/lib.sh"
ns_enter "$@"
command -v python3 >/dev/null || die "missing python3"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

nd_ok define "$NS_SRC/isolated.xml"
nd_ok start isolated
iso_pid=$(dnsmasq_pid isolated)

# Everything start made is still there.
running() {
	link_exists virbr22 && record_exists isolated && table_exists &&
		has "$(nft list table inet netd)" '"virbr22"' && bconf_has virbr22 &&
		[ "$(dnsmasq_pid isolated)" = "$iso_pid" ]
}

guest_add g1 virbr22
nd stop isolated
check "stop with a veth guest: exit 1" eq "$RC" 1
check "stop names the port" has "$ERR" "network 'isolated' has 1 guest attached: g1-br; stop it first or use --force"
check "nothing was stopped" running
check "g1-br is still a port" test -e /sys/class/net/g1-br/brport

nd undefine isolated
check "undefine while running: exit 1" eq "$RC" 1
check "undefine says it runs and names the guest" has "$ERR" \
	"is running; stop it first.*1 guest is attached, which stop would cut off: g1-br"
check "still defined" test -f /etc/netd/networks/isolated.xml

# A tap held by a process, as qemu holds its tap: python opens
# /dev/net/tun and attaches it to tap-g2 (TUNSETIFF, IFF_TAP|IFF_NO_PI),
# as user nobody; the tap goes away when the process ends.
cat >"$T/tap.py" <<'PY'
import fcntl, os, struct, sys, time
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", sys.argv[1].encode(), 0x0002 | 0x1000))
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)
print(os.getpid(), flush=True)
time.sleep(120)
PY
python3 "$T/tap.py" tap-g2 >"$T/tap.pid" &
tap_job=$!
must wait_for 50 "tap-g2" link_exists tap-g2
must ip link set tap-g2 master virbr22 up
user=$(id -nu 65534)
nd stop isolated
check "stop with two guests: exit 1" eq "$RC" 1
check "stop names both ports, the tap's process, pid and user" has "$ERR" \
	"network 'isolated' has 2 guests attached: g1-br, tap-g2 (python3 pid $tap_job, user $user); stop them first or use --force"
check "still nothing stopped" running

nd stop isolated --force
check "stop --force: exit 0" eq "$RC" 0
check "--force names whom it cut off" has "$OUT" \
	"network 'isolated': --force: cutting off 2 guests: g1-br, tap-g2 (python3 pid $tap_job, user $user)"
check "--force: stopped" has "$OUT" "network 'isolated' stopped"
check_gone isolated virbr22
kill "$tap_job" 2>/dev/null
wait "$tap_job" 2>/dev/null

# No guests: no --force needed.
nd_ok start isolated
nd stop isolated
check "stop without guests: exit 0" eq "$RC" 0
check "stop without guests: stopped" has "$OUT" "network 'isolated' stopped"
check_not "stop without guests: no guest line" has "$OUT$ERR" "guest"
check_gone isolated virbr22
exit 0
