#!/bin/bash
# Many netd invocations at once stay consistent (netd's lock): six networks
# started while two boots and an apply run beside them end up each running
# once (one bridge, one dnsmasq, one allow line, its chains once), every
# start either started the network or said it was already running, and
# concurrent stops leave nothing behind.
# Usage: concurrent.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

N=6
nets=()
for i in $(seq 1 $N); do
	cat >"$T/c$i.xml" <<XML
<network>
  <name>c$i</name>
  <forward mode='nat'/>
  <bridge name='virbr4$i' stp='off'/>
  <ip address='192.168.16$i.1' prefix='24'>
    <dhcp><range start='192.168.16$i.10' end='192.168.16$i.20'/></dhcp>
  </ip>
</network>
XML
	nets+=("c$i")
done

topo_upstream
# Defines at once too: each must land, none may clobber another.
pids=()
for i in $(seq 1 $N); do
	timeout 60 "$NETD" define "$T/c$i.xml" >"$T/define$i.out" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent define failed: $(cat "$T"/define*.out)"; done
nd list --all --json
check "all $N networks defined" eq "$(jq length <<<"$OUT")" $N
for i in 1 2 3; do nd_ok autostart "c$i"; done

pids=()
for n in "${nets[@]}"; do
	timeout 60 "$NETD" start "$n" >"$T/start-$n.out" 2>&1 &
	pids+=($!)
done
for k in 1 2; do
	timeout 60 "$NETD" boot >"$T/boot$k.out" 2>&1 &
	pids+=($!)
done
timeout 60 "$NETD" apply >"$T/apply.out" 2>&1 &
pids+=($!)
for p in "${pids[@]}"; do wait "$p" || true; done

for n in "${nets[@]}"; do
	check "start $n: started it or found it running" \
		grep -q "network '$n' \(started\|is already running\)" "$T/start-$n.out"
done
check "the boots failed nothing" eval '! grep -q "failed" "$T"/boot*.out'
nd list --json
check "all $N networks active" eq "$(jq '[.[] | select(.active)] | length' <<<"$OUT")" $N
check "$N bridges" eq "$(ip -o link show type bridge | wc -l)" $N
check "$N dnsmasq processes, one per network" eq "$(dnsmasq_pids | wc -l)" $N
for n in "${nets[@]}"; do
	i=${n#c}
	check "$n: one allow line" eq "$(grep -cx "allow virbr4$i" /etc/qemu/bridge.conf)" 1
	check "$n: its bridge once in set bridges" \
		eq "$(nft -j list set inet netd bridges | jq "[.nftables[].set.elem // [] | .[] | select(. == \"virbr4$i\")] | length")" 1
	nd status "$n" --json
	check "$n: no drift" eq "$(jq -c .drift <<<"$OUT")" "[]"
done

pids=()
for n in "${nets[@]}"; do
	timeout 60 "$NETD" stop "$n" >"$T/stop-$n.out" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent stop failed: $(cat "$T"/stop-*.out)"; done
for n in "${nets[@]}"; do check_gone "$n" "virbr4${n#c}"; done
check "no dnsmasq left" no_dnsmasq
check_not "no table inet netd" table_exists
check "no netd line left in bridge.conf" eval '! grep -q netd /etc/qemu/bridge.conf'
