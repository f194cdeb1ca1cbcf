# Shared helpers of the namespace integration tests (sourced by tests/ns/*.sh).
#
# A test is run by ctest as `SCRIPT NETD_BINARY`. ns_enter re-executes it
# inside `unshare --mount --net --pid --fork --mount-proc`, so that:
# - the "host" it sees is a fresh network namespace (only lo), never the
#   machine's real one;
# - /run is a new tmpfs, /etc and /var/lib are overlays whose writes land in
#   it, and /etc/netd, /etc/qemu, /etc/netns, /var/lib/netd, /run/netd and
#   /run/netns are tmpfs mounts of their own: nothing reaches the real /etc
#   (the real /etc/qemu/bridge.conf included), and no mount point is created
#   there either;
# - it is pid 1 of a pid namespace: when it ends, every process it started
#   (dnsmasq daemons, socat, udhcpc) is killed by the kernel.
# Exit status: 0 pass, 1 fail, 77 skipped (not root, no namespaces).
#
# Topology (topo_upstream, guest_add):
#
#   upstream netns "up"            host (this namespace)          guest netns gN
#   eth0 203.0.113.254/24 ---veth--- up0 203.0.113.1/24
#   echo service :7777                default via 203.0.113.254
#   (replies with the peer's          BRIDGE (netd's) --- gN-br ---veth--- eth0
#    address, logs it)                                                 (udhcpc)
#
# Every wait is bounded: commands run under timeout, loops count.

NS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_TEMPLATES=$(cd "$NS_SRC/../../templates" && pwd)
T=/run/netd-test # scratch space, on the private /run tmpfs
UP_IP=203.0.113.254
HOST_UP_IP=203.0.113.1
ECHO_PORT=7777
FAILS=0
NS_UNSHARE=(unshare --mount --net --pid --fork --mount-proc --propagation private)

say() { printf '%s\n' "$*"; }
skip() {
	say "skipped: $*"
	exit 77
}
pass() { say "ok   $*"; }
fail() {
	say "FAIL $*"
	FAILS=$((FAILS + 1))
}
die() {
	say "FATAL $*"
	FAILS=$((FAILS + 1))
	exit 1 # the EXIT trap dumps the state
}

# check DESCRIPTION CMD...: a pass when CMD succeeds, else a failure (the
# test goes on). CMD runs in this shell (it may set variables); its output
# is shown only when the check fails.
check() {
	local what=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		pass "$what"
	else
		fail "$what"
		sed 's/^/  | /' "$T/check.out"
	fi
}
# check_not DESCRIPTION CMD...: a pass when CMD fails.
check_not() {
	local what=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		fail "$what"
		sed 's/^/  | /' "$T/check.out"
	else
		pass "$what"
	fi
}
# must CMD...: set-up that has to work; the test ends when it does not.
must() {
	"$@" || die "set-up command failed: $*"
}

# wait_for TENTHS DESCRIPTION CMD...: poll CMD every 0.1 s, at most TENTHS
# times.
wait_for() {
	local n=$1 what=$2
	shift 2
	while ((n-- > 0)); do
		"$@" && return 0
		sleep 0.1
	done
	say "  (gave up waiting for: $what)"
	return 1
}

# Text helpers usable with check.
has() { grep -q -- "$2" <<<"$1"; }     # has TEXT REGEX
lacks() { ! grep -q -- "$2" <<<"$1"; } # lacks TEXT REGEX
eq() {
	[ "$1" = "$2" ] && return 0
	say "  expected '$2', got '$1'"
	return 1
}

# ---- entering the namespaces ------------------------------------------------

# The namespaces this shell is in: network, mount, pid.
ns_ids() { readlink /proc/self/ns/net /proc/self/ns/mnt /proc/self/ns/pid | tr '\n' ' '; }

# Refuse to go on unless this shell is pid 1 of its own pid namespace, in a
# network and a mount namespace other than those ns_enter was called from:
# an environment that merely claims to be inside must not let a test touch
# the host's network or /etc.
ns_assert_private() {
	local outer=${NETD_NS_OUTER:-} here net mnt
	here=$(ns_ids)
	read -r net mnt _ <<<"$here"
	if [ -z "$outer" ] || [ "$$" != 1 ] || [[ " $outer " == *" $net "* ]] ||
	   [[ " $outer " == *" $mnt "* ]]; then
		say "FATAL not in private namespaces (here: $here; started from: ${outer:-?}); refusing to run"
		exit 1
	fi
}

ns_enter() {
	if [ "${NETD_NS_INSIDE:-}" != 1 ]; then
		[ "$(id -u)" = 0 ] || skip "needs root (creates namespaces)"
		command -v unshare >/dev/null || skip "no unshare"
		"${NS_UNSHARE[@]}" true 2>/dev/null || skip "unshare failed: no namespace support here"
		NETD_NS_INSIDE=1 NETD_NS_OUTER=$(ns_ids) \
			exec "${NS_UNSHARE[@]}" --kill-child -- bash "$0" "$@"
	fi
	ns_assert_private
	NETD=${1:?usage: $0 NETD_BINARY}
	[ -x "$NETD" ] || die "$NETD: not an executable"
	local c
	for c in ip nft dnsmasq busybox socat dig jq timeout cmp ss; do
		command -v "$c" >/dev/null ||
			die "missing '$c' (setup.sh test installs the test packages)"
	done
	trap ns_exit EXIT
	ns_mounts
	export NETD_CONF_DIR=/etc/netd/networks NETD_RUN_DIR=/run/netd \
		NETD_STATE_DIR=/var/lib/netd NETD_BRIDGE_CONF=/etc/qemu/bridge.conf
	must ip link set lo up
	syslog_capture
	write_udhcpc_script
	say "== $(basename "$0" .sh): in private namespaces (pid $$)"
}

ns_mounts() {
	local d
	# Nothing of the real /run is needed; a fresh tmpfs holds the scratch
	# space and the overlays' upper layers.
	must mount -t tmpfs -o mode=0755 netd-test /run
	must mkdir -p "$T/ovl"
	# This network namespace's interfaces in /sys (for brport/state).
	must mount -t sysfs sysfs /sys
	# Overlays, so that missing mount points (/etc/netd, /etc/qemu, ...)
	# can be made without touching the real directories.
	for d in /etc /var/lib; do
		local o=$T/ovl/${d//\//_}
		mkdir -p "$o/upper" "$o/work"
		mount -t overlay overlay -o "lowerdir=$d,upperdir=$o/upper,workdir=$o/work" "$d" ||
			skip "cannot mount an overlay on $d (needed to keep the real one untouched)"
	done
	for d in /etc/netd /etc/qemu /etc/netns /var/lib/netd /run/netd /run/netns; do
		must mkdir -p "$d"
		must mount -t tmpfs -o mode=0755 netd-test "$d"
	done
	# `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf over
	# /etc/resolv.conf, which must then exist as a file (on systemd hosts it
	# is a symlink into the /run just hidden). In the overlay only.
	if [ -L /etc/resolv.conf ] || [ ! -f /etc/resolv.conf ]; then
		rm -f /etc/resolv.conf && : >/etc/resolv.conf
	fi
}

# dnsmasq logs to syslog (/dev/log). Catch that in $T/syslog, for the
# dumps, instead of letting it reach the host's logger. /dev/log is either a
# socket (bind-mount ours over it) or a symlink into /run (now our tmpfs:
# create the socket there); when there is none dnsmasq's log goes nowhere.
syslog_capture() {
	local sock
	if [ -L /dev/log ]; then
		sock=$(readlink -m /dev/log)
		case $sock in /run/*) ;; *) return 0 ;; esac
	elif [ -S /dev/log ]; then
		sock=$T/devlog
	else
		return 0
	fi
	mkdir -p "$(dirname "$sock")"
	socat -u "UNIX-RECV:$sock,mode=0666" "OPEN:$T/syslog,creat,append" </dev/null \
		>/dev/null 2>&1 &
	wait_for 20 "syslog socket" test -S "$sock" || return 0
	if [ "$sock" = "$T/devlog" ]; then
		mount --bind "$sock" /dev/log || true
	fi
}

ns_dump() {
	say "---- state of the test's namespaces"
	say "# ip -br link"
	ip -br link 2>&1
	say "# ip -br addr"
	ip -br addr 2>&1
	say "# ip route"
	ip route 2>&1
	say "# nft list ruleset"
	nft list ruleset 2>&1
	say "# files"
	find /etc/netd /run/netd /var/lib/netd /etc/qemu -type f 2>/dev/null | sort
	say "# bridge.conf"
	cat /etc/qemu/bridge.conf 2>&1
	say "# processes"
	ps -eo pid,user,args 2>/dev/null || ls /proc | grep -E '^[0-9]+$'
	if [ -s "$T/syslog" ]; then
		say "# syslog (dnsmasq), last lines"
		# One datagram per message, no newlines: split at "<PRI>".
		sed 's/<[0-9]\{1,3\}>/\n/g' "$T/syslog" | grep -v '^$' | tail -n 40
	fi
	say "----"
}

ns_exit() {
	local rc=$?
	if [ "$rc" != 0 ] || [ "$FAILS" != 0 ]; then
		ns_dump
		say "== $(basename "$0" .sh): FAILED ($FAILS failure(s)) after ${SECONDS}s"
		exit 1
	fi
	say "== $(basename "$0" .sh): passed in ${SECONDS}s"
}

# ---- netd -------------------------------------------------------------------

# run_shown LABEL CMD...: run CMD (bounded by the caller: timeout ...);
# stdout in $OUT, stderr in $ERR, exit status in $RC, all echoed under
# "$ LABEL".
run_shown() {
	say "\$ $1"
	shift
	"$@" >"$T/nd.out" 2>"$T/nd.err"
	RC=$?
	OUT=$(cat "$T/nd.out")
	ERR=$(cat "$T/nd.err")
	[ -z "$OUT" ] || sed 's/^/  | /' "$T/nd.out"
	[ -z "$ERR" ] || sed 's/^/  ! /' "$T/nd.err"
	[ "$RC" = 0 ] || say "  [exit $RC]"
}
# nd ARGS...: run netd (bounded: ND_TIMEOUT seconds, 60 unless set), as
# run_shown.
nd() { run_shown "netd $*" timeout "${ND_TIMEOUT:-60}" "$NETD" "$@"; }
# nd_ok ARGS...: netd must succeed (set-up steps).
nd_ok() {
	nd "$@"
	[ "$RC" = 0 ] || die "netd $* failed"
}

# grp_xml: $T/grp.xml, isolated.xml as network 'grp' (virbr23,
# 192.168.153.0/24) for the members of group netdtest only.
grp_xml() {
	sed -e 's|<network>|<network xmlns:netd="urn:netd:network:1">|' \
		-e 's|<name>isolated</name>|<name>grp</name>|' -e 's|virbr22|virbr23|' \
		-e 's|192.168.152|192.168.153|g' \
		-e 's|</network>|  <netd:access group="netdtest"/>\n</network>|' \
		"$NS_SRC/isolated.xml" >"$T/grp.xml"
}

# ---- what exists ------------------------------------------------------------

# Whether pid $1 is a live (not zombie) dnsmasq.
is_dnsmasq() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	[[ $stat == *" (dnsmasq) "[!Z]* ]]
}
# Every live dnsmasq in the pid namespace, i.e. every one the test started.
dnsmasq_pids() {
	local p
	for p in /proc/[0-9]*; do
		is_dnsmasq "${p#/proc/}" && say "${p#/proc/}"
	done
	return 0
}
# The dnsmasq of network NAME per netd's pid file, when that process lives.
dnsmasq_pid() {
	local pid
	pid=$(cat "/run/netd/dnsmasq/$1.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && is_dnsmasq "$pid" && say "$pid"
}
# The multicast groups (hex mask, first 32) of each rtnetlink socket process
# PID holds, one line each, from /proc/net/netlink matched by inode.
rtnl_groups() {
	local ino
	for ino in $(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p'); do
		awk -v ino="$ino" 'NR > 1 && $2 == 0 && $NF == ino { print $4 }' /proc/net/netlink
	done
}
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
table_exists() { nft list table inet netd >/dev/null 2>&1; }
bconf_has() { grep -qx "allow $1" /etc/qemu/bridge.conf 2>/dev/null; }
record_exists() { [ -e "/run/netd/$1.xml" ]; }
no_dnsmasq() { [ -z "$(dnsmasq_pids)" ]; }

# check_gone NAME BRIDGE [--keep-nft]: nothing of network NAME is left on
# the host (with --keep-nft, the test loaded the table and checks it).
check_gone() {
	local n=$1 br=$2 keep_nft=${3:-}
	check_not "$n: no bridge $br" link_exists "$br"
	check_not "$n: no runtime record /run/netd/$n.xml" record_exists "$n"
	check_not "$n: no 'allow $br' in bridge.conf" bconf_has "$br"
	check_not "$n: no dnsmasq pid file" test -e "/run/netd/dnsmasq/$n.pid"
	local f
	for f in conf hostsfile addnhosts; do
		check_not "$n: no dnsmasq $f file" test -e "/var/lib/netd/dnsmasq/$n.$f"
	done
	[ "$keep_nft" = --keep-nft ] && return 0
	local table
	table=$(nft list table inet netd 2>/dev/null)
	check_not "$n: no element for $br in table inet netd" has "$table" "\"$br\""
	check_not "$n: no chain of $n in table inet netd" has "$table" "chain n_${n}_"
}

# ---- topology -----------------------------------------------------------------

# The upstream namespace and the host's uplink, with the echo service:
# every TCP connection to $UP_IP:$ECHO_PORT gets back the address it came
# from, which is also appended to $T/upstream.log.
topo_upstream() {
	topo_peer up up0 "$HOST_UP_IP" "$UP_IP" "$T/upstream.log"
	must ip route add default via "$UP_IP"
}
# topo_peer NS HOSTIF HOST_IP PEER_IP [LOG]: namespace NS on a veth pair
# (HOSTIF on the host with HOST_IP/24, eth0 in NS with PEER_IP/24) and the
# echo service on PEER_IP:$ECHO_PORT, which also appends to LOG if given.
topo_peer() {
	local ns=$1 dev=$2 host_ip=$3 ip=$4 log=${5:-/dev/null}
	must ip netns add "$ns"
	must ip link add "$dev" type veth peer name eth0 netns "$ns"
	must ip addr add "$host_ip/24" dev "$dev"
	must ip link set "$dev" up
	must ip -n "$ns" link set lo up
	must ip -n "$ns" addr add "$ip/24" dev eth0
	must ip -n "$ns" link set eth0 up
	[ "$log" = /dev/null ] || : >"$log"
	ip netns exec "$ns" socat "TCP4-LISTEN:$ECHO_PORT,bind=$ip,fork,reuseaddr" \
		"SYSTEM:echo \$SOCAT_PEERADDR; echo \$SOCAT_PEERADDR >>$log" \
		</dev/null >"$T/echo-$ns.log" 2>&1 &
	must wait_for 50 "the echo service of $ns" listening "$ns"
}
listening() { # NS: the echo service of NS is up
	[ -n "$(ip netns exec "$1" ss -Htln "sport = :$ECHO_PORT")" ]
}
upstream_listening() { listening up; }

# guest_add NAME BRIDGE [MAC]: a guest namespace whose eth0 is wired to
# BRIDGE through the veth NAME-br, as a VM's tap would be; returns when the
# bridge port forwards (after STP's listening and learning, if on).
guest_add() {
	local g=$1 br=$2 mac=${3:-}
	must ip netns add "$g"
	must ip link add "$g-br" type veth peer name eth0 netns "$g"
	[ -z "$mac" ] || must ip -n "$g" link set eth0 address "$mac"
	must ip -n "$g" link set lo up
	must ip -n "$g" link set eth0 up
	must ip link set "$g-br" master "$br" up
	must mkdir -p "/etc/netns/$g"
	: >"/etc/netns/$g/resolv.conf"
	must wait_for 150 "port $g-br of $br forwarding" port_forwarding "$g-br"
}
port_forwarding() { [ "$(cat "/sys/class/net/$1/brport/state" 2>/dev/null)" = 3 ]; }
guest_mac() { ip netns exec "$1" cat /sys/class/net/eth0/address; }

# The udhcpc event script: applies the lease inside the guest (address,
# default route, resolv.conf) and records it in $T/GUEST.lease.
write_udhcpc_script() {
	cat >"$T/udhcpc.sh" <<'EOF'
#!/bin/sh
case $1 in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do
		ip route replace default via "$r" dev "$interface"
		break
	done
	: >/etc/resolv.conf
	for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
	cat >"$LEASE_FILE.tmp" <<END
L_IP='$ip'
L_MASK='${mask:-}'
L_ROUTER='${router:-}'
L_DNS='${dns:-}'
L_LEASE='${lease:-}'
L_BOOT_FILE='${boot_file:-}'
L_SIADDR='${siaddr:-}'
END
	mv "$LEASE_FILE.tmp" "$LEASE_FILE"
	;;
esac
exit 0
EOF
	chmod 0755 "$T/udhcpc.sh"
}

# guest_dhcp NAME [HOSTNAME]: one DHCP exchange (bounded), sending HOSTNAME
# (default NAME) as option 12. On success sets L_IP, L_MASK, L_ROUTER,
# L_DNS, L_LEASE, and the offer's boot file and next server (siaddr) in
# L_BOOT_FILE and L_SIADDR.
guest_dhcp() {
	local g=$1 h=${2:-$1}
	L_IP='' L_MASK='' L_ROUTER='' L_DNS='' L_LEASE='' L_BOOT_FILE='' L_SIADDR=''
	rm -f "$T/$g.lease"
	timeout 30 ip netns exec "$g" env LEASE_FILE="$T/$g.lease" \
		busybox udhcpc -f -q -n -i eth0 -t 10 -T 1 -A 1 -s "$T/udhcpc.sh" \
		-x "hostname:$h" >"$T/$g.udhcpc" 2>&1
	if [ ! -s "$T/$g.lease" ]; then
		say "  $g: no DHCP lease; udhcpc said:"
		sed 's/^/  | /' "$T/$g.udhcpc"
		return 1
	fi
	. "$T/$g.lease"
	say "  $g: leased $L_IP/$L_MASK router '$L_ROUTER' dns '$L_DNS' for ${L_LEASE}s"
}

# guest_dig GUEST SERVER NAME: the A records dnsmasq at SERVER gives NAME.
guest_dig() {
	timeout 10 ip netns exec "$1" dig +short +time=2 +tries=2 "@$2" "$3" A 2>&1
}

# guest_tcp GUEST [HOST]: connect to the echo service from GUEST; prints the
# source address the service saw. Fails when no connection is made.
guest_tcp() {
	timeout 10 ip netns exec "$1" socat -T 5 -u \
		"TCP4:${2:-$UP_IP}:$ECHO_PORT,connect-timeout=3" STDOUT 2>&1
}

# in_range IP LOW HIGH: the last octet of IP is in LOW..HIGH and the first
# three match LOW's.
in_range() {
	local ip=$1 lo=$2 hi=$3
	[ "${ip%.*}" = "${lo%.*}" ] && [ "${ip##*.}" -ge "${lo##*.}" ] &&
		[ "${ip##*.}" -le "${hi##*.}" ]
}

# host_tcp: the same from the host namespace itself.
host_tcp() {
	timeout 10 socat -T 5 -u "TCP4:$UP_IP:$ECHO_PORT,connect-timeout=3" STDOUT 2>&1
}
