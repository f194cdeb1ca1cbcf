#!/bin/bash
# How long a new guest waits for its first DHCP lease on the default
# network (virbr0, STP on, delay 0, as shipped), from plugging its port into
# the bridge to udhcpc being bound; and how long `netd start` takes to the
# moment a guest can be served. Runs in private namespaces (the harness of
# tests/ns), never on the host's network. Prints figures; asserts nothing.
#   bench/first-lease.sh [NETD_BINARY] [GUESTS]
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
netd=$(realpath "${1:-$src/build/netd}")
guests=${GUESTS:-${2:-10}}
export GUESTS=$guests
# tests/ns/lib.sh enters the namespaces (re-executing this script) and
# provides the topology helpers.
. "$src/tests/ns/lib.sh"
ns_enter "$netd"

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) / 1000000 }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

nd_ok define "${BENCH_XML:-$NS_TEMPLATES/default.xml}" >/dev/null
t0=$(date +%s%N)
nd_ok start default >/dev/null
t1=$(date +%s%N)

waits=()
for ((i = 1; i <= GUESTS; i++)); do
	g=b$i
	must ip netns add "$g"
	must ip link add "$g-br" type veth peer name eth0 netns "$g"
	must ip -n "$g" link set lo up
	must ip -n "$g" link set eth0 up
	rm -f "$T/$g.lease"
	a=$(date +%s%N)
	must ip link set "$g-br" master virbr0 up
	timeout 30 ip netns exec "$g" env LEASE_FILE="$T/$g.lease" \
		busybox udhcpc -f -q -n -i eth0 -t 60 -T 1 -A 1 -s "$T/udhcpc.sh" >/dev/null 2>&1
	b=$(date +%s%N)
	if [ -s "$T/$g.lease" ]; then
		waits+=("$(ms "$a" "$b")")
	else
		waits+=(timeout)
	fi
done
printf 'netd start default (bridge, nft, dnsmasq serving, bridge.conf): %s ms\n' "$(ms "$t0" "$t1")"
printf 'first lease, port plugged to bound, %d guests (ms): %s\n' "$GUESTS" "${waits[*]}"
printf 'first lease median: %s ms\n' "$(printf '%s\n' "${waits[@]}" | grep -v timeout | median)"
nd_ok stop default >/dev/null
