#!/bin/bash
# Where a start's time grows with the networks already running, with the
# machine's drift taken out: two namespaces side by side (network and PID,
# each with its own netd files), A with no network up and B with N; each round starts a fresh network in A (and stops
# it again) and right after a fresh one in B (kept), so both are measured at
# the same moment of this VM. Prints, per namespace, the median of the whole
# `netd start` and of each step and phase (NETD_STEP_TIMES=1), and B/A.
# Prints figures; asserts nothing. Never touches the host's network.
#   bench/growth.sh [NETD_BINARY] [N] [ROUNDS]
set -euo pipefail
netd=$(realpath "${1:-build/netd}")
n=${2:-200}
rounds=${3:-15}

if [ "${NETD_BENCH_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root (creates namespaces)"; exit 1; }
	for c in ip jq nsenter; do
		command -v $c >/dev/null || { echo "needs $c"; exit 1; }
	done
	# Scratch space for netd's files: a tmpfs on a fresh directory inside
	# the namespaces (not over /tmp, where the binary may be), gone after.
	work=$(mktemp -d "${TMPDIR:-/tmp}/netd-bench.XXXXXX")
	trap 'rmdir "$work" 2>/dev/null || rm -rf "$work"' EXIT
	rc=0
	NETD_BENCH_INSIDE=1 NETD_BENCH_WORK=$work unshare --mount --pid --fork --mount-proc \
		--propagation private -- bash "$0" "$netd" "$n" "$rounds" || rc=$?
	exit $rc
fi

# A tmpfs on $W for netd's files, one over /run/netns for the two
# namespaces: all gone with this mount namespace.
W=$NETD_BENCH_WORK
mount -t tmpfs -o mode=0755 bench "$W"
mkdir -p /run/netns
mount -t tmpfs -o mode=0755 netns /run/netns
for s in A B; do
	ip netns add n$s
	ip -n n$s link set lo up
	mkdir -p $W/$s
done
env_of() {
	echo "NETD_CONF_DIR=$W/$1/etc NETD_RUN_DIR=$W/$1/run NETD_STATE_DIR=$W/$1/lib" \
		"NETD_BRIDGE_CONF=$W/$1/qemu/bridge.conf"
}
# Each has a PID namespace of its own too (held by a sleep as its init): a
# start's costs that grow with the processes it sees, B's dnsmasq among
# them, count as growth as well, and both pay the same nsenter.
declare -A holder init
for s in A B; do
	unshare --pid --fork --mount-proc sleep 1d &
	holder[$s]=$!
	for ((w = 0; w < 200; w++)); do
		init[$s]=$(pgrep -P "${holder[$s]}" sleep || true)
		[ -n "${init[$s]}" ] && break
		sleep 0.01
	done
	[ -n "${init[$s]}" ] || { echo "growth.sh: no PID namespace for $s"; exit 1; }
done
in_ns() { # NS COMMAND...: COMMAND in NS's network and PID namespaces
	local s=$1
	shift
	nsenter -t "${init[$s]}" --pid --mount -- ip netns exec n$s "$@"
}
# shellcheck disable=SC2046 # env_of's words are meant to split
nd() { local s=$1; shift; in_ns $s env $(env_of $s) "$netd" "$@"; }
cleanup() {
	for s in A B; do
		nd $s list --json 2>/dev/null | jq -r '.[] | select(.active) | .name' |
			while read -r x; do nd $s stop "$x" >/dev/null 2>&1 || true; done
	done
	kill "${holder[@]}" 2>/dev/null || true
}
trap cleanup EXIT

# Network i: bridge bdI, 10.X.Y.0/24 (up to 250 * 170 networks).
for s in A B; do
	m=$rounds
	[ $s = B ] && m=$((n + rounds))
	for ((i = 1; i <= m; i++)); do
		o=$((80 + i / 250)).$((i % 250))
		printf '<network><name>b%d</name><forward mode="nat"/><bridge name="bd%d"/><ip address="10.%s.1" prefix="24"><dhcp><range start="10.%s.2" end="10.%s.254"/></dhcp></ip></network>\n' \
			"$i" "$i" "$o" "$o" "$o" >$W/$s/b$i.xml
		nd $s define $W/$s/b$i.xml >/dev/null
	done
done
for ((i = 1; i <= n; i++)); do nd B start b$i >/dev/null; done

one() { # NS NAME: one timed start, its steps and phases into $W/steps.NS
	local t0 t1 err
	t0=$(date +%s%N)
	# shellcheck disable=SC2046
	err=$(in_ns $1 env $(env_of $1) NETD_STEP_TIMES=1 "$netd" start "$2" 2>&1 >/dev/null)
	t1=$(date +%s%N)
	echo "start $(((t1 - t0) / 1000))" >>$W/steps.$1
	sed -n 's/^netd: \(step\|phase\) \(.*\): \([0-9.]*\) ms$/\2 \3/p' <<<"$err" |
		awk '{v = $NF; $NF = ""; sub(/ $/, ""); gsub(/ /, "_"); print $0, v * 1000}' >>$W/steps.$1
}
for ((c = 1; c <= rounds; c++)); do
	one A b$c
	nd A stop b$c >/dev/null
	one B b$((n + c))
done

# Medians per key: sorted by key, then value, each key's run of lines
# gives its middle one (or the mean of the middle two).
for s in A B; do
	sort -k1,1 -k2,2n $W/steps.$s | awk '
		function flush() { if (n) printf "%s %.2f\n", k, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) / 1000 }
		$1 != k { flush(); k = $1; n = 0 }
		{ v[++n] = $2 }
		END { flush() }' >$W/med.$s
done
echo "medians of $rounds rounds, ms: A (no network up) | B ($n up) | B/A"
echo "(start: the whole command as the shell sees it, nsenter and ip netns exec included)"
join $W/med.A $W/med.B |
	awk '$2 >= 0.05 || $3 >= 0.05 {printf "%-16s %7.2f %7.2f  %.2fx\n", $1, $2, $3, $3 / $2}'
