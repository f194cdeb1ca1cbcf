#!/bin/bash
# How long `netd start default` and `netd stop default` take, and how much
# memory netd uses, measured inside private namespaces (never the host's
# network). Prints figures; asserts nothing.
#   bench/start-stop.sh [NETD_BINARY] [ROUNDS]
set -euo pipefail
netd=$(realpath "${1:-build/netd}")
rounds=${2:-20}
src=$(cd "$(dirname "$0")/.." && pwd)

if [ "${NETD_BENCH_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root (creates namespaces)"; exit 1; }
	NETD_BENCH_INSIDE=1 exec unshare --mount --net --pid --fork --mount-proc \
		--propagation private -- bash "$0" "$netd" "$rounds"
fi

mount -t tmpfs -o mode=0755 bench /tmp
export NETD_CONF_DIR=/tmp/etc NETD_RUN_DIR=/tmp/run NETD_STATE_DIR=/tmp/lib \
	NETD_BRIDGE_CONF=/tmp/qemu/bridge.conf
ip link set lo up
"$netd" define "$src/templates/default.xml" >/dev/null

ms() { echo "scale=2; ($2 - $1) / 1000000" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

starts=() stops=()
for ((i = 0; i < rounds; i++)); do
	t0=$(date +%s%N); "$netd" start default >/dev/null
	t1=$(date +%s%N); "$netd" stop default >/dev/null
	t2=$(date +%s%N)
	starts+=("$(ms "$t0" "$t1")") stops+=("$(ms "$t1" "$t2")")
done
printf 'rounds: %d (default network: bridge, nft table, dnsmasq, bridge.conf)\n' "$rounds"
printf 'start median: %s ms\n' "$(printf '%s\n' "${starts[@]}" | median)"
printf 'stop median:  %s ms\n' "$(printf '%s\n' "${stops[@]}" | median)"

"$netd" start default >/dev/null
for cmd in "status default" "apply default" "plan default" "list --all"; do
	t0=$(date +%s%N); "$netd" $cmd >/dev/null; t1=$(date +%s%N)
	printf '%-14s %s ms\n' "$cmd:" "$(ms "$t0" "$t1")"
done
if command -v valgrind >/dev/null; then
	peak=$(valgrind --tool=massif --pages-as-heap=no --massif-out-file=/tmp/massif \
		"$netd" status default >/dev/null 2>&1; grep mem_heap_B /tmp/massif | \
		sed 's/.*=//' | sort -n | tail -1)
	printf 'peak heap of netd status: %s KiB\n' "$((peak / 1024))"
fi
pid=$(cat /tmp/run/dnsmasq/default.pid)
printf 'dnsmasq resident: %s KiB\n' "$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
"$netd" stop default >/dev/null
