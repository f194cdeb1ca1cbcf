#!/bin/bash
# What netd's starts cost on a host with Docker's iptables-nft rules, as the
# number of networks grows. Loads Docker 28's own rules (the ns-iptables
# test's tests/ns/docker28.rules) into private namespaces, starts N NAT
# networks one after another and prints, for the first 10 starts and 10
# more with N up: median start time, median firewall and host-firewall step
# times (NETD_STEP_TIMES=1), and how many rules of netd's iptables-save
# shows. Prints figures; asserts nothing. Never touches the host's network.
#   bench/beside-docker.sh [NETD_BINARY] [N]
set -euo pipefail
netd=$(realpath "${1:-build/netd}")
n=${2:-200}
((n >= 10)) || { echo "N must be 10 or more (the first 10 starts are timed)"; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)

if [ "${NETD_BENCH_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "needs root (creates namespaces)"; exit 1; }
	command -v iptables-nft-restore >/dev/null || { echo "needs iptables (iptables-nft-restore)"; exit 1; }
	# Scratch space for netd's files: a tmpfs on a fresh directory inside
	# the namespaces (not over /tmp, where the binary may be), gone after.
	work=$(mktemp -d "${TMPDIR:-/tmp}/netd-bench.XXXXXX")
	trap 'rmdir "$work" 2>/dev/null || rm -rf "$work"' EXIT
	rc=0
	NETD_BENCH_INSIDE=1 NETD_BENCH_WORK=$work unshare --mount --net --pid --fork --mount-proc \
		--propagation private -- bash "$0" "$netd" "$n" || rc=$?
	exit $rc
fi

W=$NETD_BENCH_WORK
mount -t tmpfs -o mode=0755 bench "$W"
export NETD_CONF_DIR=$W/etc NETD_RUN_DIR=$W/run NETD_STATE_DIR=$W/lib \
	NETD_BRIDGE_CONF=$W/qemu/bridge.conf
ip link set lo up
iptables-nft-restore -n <"$src/tests/ns/docker28.rules"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Network i: bridge bdI, 10.X.Y.0/24 (up to 250 * 170 networks).
for ((i = 1; i <= n + 10; i++)); do
	o=$((80 + i / 250)).$((i % 250))
	printf '<network><name>b%d</name><forward mode="nat"/><bridge name="bd%d"/><ip address="10.%s.1" prefix="24"><dhcp><range start="10.%s.2" end="10.%s.254"/></dhcp></ip></network>\n' \
		"$i" "$i" "$o" "$o" "$o" >$W/b$i.xml
	"$netd" define $W/b$i.xml >/dev/null
done

# timed FROM TO: start networks FROM..TO, one line of medians.
timed() {
	local starts=() fw=() host=() t0 t1 err
	for ((i = $1; i <= $2; i++)); do
		t0=$(date +%s%N)
		err=$(NETD_STEP_TIMES=1 "$netd" start b$i 2>&1 >/dev/null)
		t1=$(date +%s%N)
		starts+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')")
		fw+=("$(sed -n 's/^netd: step firewall: \([0-9.]*\) ms$/\1/p' <<<"$err")")
		host+=("$(sed -n 's/^netd: step host firewall: \([0-9.]*\) ms$/\1/p' <<<"$err")")
	done
	printf '%-22s start %6s ms   firewall step %6s ms   host-firewall step %6s ms\n' "$3" \
		"$(printf '%s\n' "${starts[@]}" | median)" "$(printf '%s\n' "${fw[@]}" | median)" \
		"$(printf '%s\n' "${host[@]}" | median)"
}

echo "Docker 28's iptables-nft rules loaded; NAT networks with DHCP; medians of 10 starts"
timed 1 10 "first 10:"
for ((i = 11; i <= n; i++)); do "$netd" start b$i >/dev/null; done
timed $((n + 1)) $((n + 10)) "10 more with $n up:"
printf "netd's rules in iptables-nft-save: %d (filter, nat)\n" \
	"$(iptables-nft-save | grep -c -- '--comment "\?netd')"
