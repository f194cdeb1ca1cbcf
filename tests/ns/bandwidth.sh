#!/bin/bash
# <bandwidth> on a NAT network: HTB on the bridge's egress for inbound (to
# the guests), an nftables netdev ingress limit for outbound (from them);
# iperf3 from a guest to a server upstream measures each direction within
# 10% of 'average'; stop removes both; a deleted qdisc and a deleted chain
# are drift that apply repairs; reload changes the rates in place.
# Usage: bandwidth.sh NETD_BINARY
. "$(dirname "$0")/lib.sh"
ns_enter "$@"
command -v iperf3 >/dev/null || skip "no iperf3 (setup.sh test installs it)"
command -v jq >/dev/null || skip "no jq"

BR=virbr27 GW=192.168.157.1
# 12500 kB/s = 100 Mbit/s each way; libvirt's kB is 1000 bytes.
AVG=12500
net_xml() { # INBOUND_ATTRS OUTBOUND_ATTRS
	cat <<EOF
<network>
  <name>bw</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off' delay='0'/>
  <bandwidth>
    <inbound $1/>
    <outbound $2/>
  </bandwidth>
  <ip address='$GW' prefix='24'>
    <dhcp><range start='192.168.157.100' end='192.168.157.199'/></dhcp>
  </ip>
</network>
EOF
}

topo_upstream
# inbound with a 128 KiB burst (10 ms at the rate): with tc's default
# bucket, a few frames, HTB loses rate whenever its timer runs late, and a
# loaded CI machine (the ASan run) measured 86-88 Mbit/s for 100.
net_xml "average='$AVG' burst='128'" "average='$AVG'" >"$T/bw.xml"
nd_ok define "$T/bw.xml"
nd plan bw
check "plan: htb qdisc" has "$OUT" "qdisc htb 1: root default 2"
check "plan: class 1:2 at 12500000 bytes/s" has "$OUT" "class htb 1:2 parent 1:1 rate 12500000 bytes/s"
check "plan: the netdev ingress chain" has "$OUT" "add chain netdev netd bw_bw { type filter hook ingress device \"$BR\""
check "plan touched nothing" test -z "$(tc qdisc show dev $BR 2>/dev/null)"

nd start bw
check "start bw: exit 0" eq "$RC" 0
check "  start says bandwidth" has "$OUT" "bandwidth in $AVG out $AVG kB/s"
qd=$(tc qdisc show dev $BR)
check "tc: htb root qdisc 1: default 2 on $BR" has "$qd" "qdisc htb 1: root .*default 0x2"
cls=$(tc class show dev $BR)
check "tc: class 1:2 at 100Mbit" has "$cls" "class htb 1:2 parent 1:1 .*rate 100Mbit ceil 100Mbit"
check "tc: class 1:1 at 100Mbit" has "$cls" "class htb 1:1 root rate 100Mbit ceil 100Mbit"
chain=$(nft list chain netdev netd bw_bw 2>&1)
check "nft: ingress chain on $BR" has "$chain" "hook ingress device \"$BR\""
check "nft: limit rule" has "$chain" "limit rate over 12500000 bytes/second .*drop"

guest_add g1 $BR
check "g1: DHCP lease" guest_dhcp g1
must ip netns exec g1 ip route replace default via "$GW"

ip netns exec up timeout 120 iperf3 -s -B "$UP_IP" >"$T/iperf3-server.log" 2>&1 &
iperf_srv=$!
wait_for 50 "iperf3 server" bash -c "ip netns exec up ss -Htln 'sport = :5201' | grep -q ."

# iperf3 RATE: the receiver's rate in bits/s of a 3 s run after one
# omitted second (TCP's slow start, and the limiter's first bucket).
iperf() {
	timeout 20 ip netns exec g1 iperf3 -c "$UP_IP" -t 3 -O 1 -J "$@" >"$T/iperf.json" 2>&1 ||
		{ cat "$T/iperf.json"; return 1; }
	jq -r '.end.sum_received.bits_per_second | floor' "$T/iperf.json"
}
# within BPS KBS: the rate BPS (bits/s) is within 10% of KBS kB/s
# (libvirt's kB is 1000 bytes). iperf3 measures TCP's payload: the
# shapers count whole frames, so a perfect shaper measures ~95.6%.
within() {
	local want=$(($2 * 8000))
	say "  measured $(($1 / 1000)) kbit/s, want $((want / 1000)) kbit/s +-10%" | tee -a "$T/rates.log"
	[ "$1" -ge $((want * 9 / 10)) ] && [ "$1" -le $((want * 11 / 10)) ]
}
# rate_ok WHAT KBS [IPERF3 ARGS]: within 10% in one of at most 3 runs (a
# loaded machine may steal one run's time; a shaper that does not shape
# fails all three).
rate_ok() {
	local what=$1 kbs=$2 bps i
	shift 2
	for i in 1 2 3; do
		bps=$(iperf "$@") || { say "  iperf3 failed"; continue; }
		say "  $what, run $i:" | tee -a "$T/rates.log"
		within "$bps" "$kbs" && return 0
	done
	return 1
}
: >"$T/rates.log"
check "outbound (guest -> upstream) within 10% of 100 Mbit/s" rate_ok outbound $AVG
check "inbound (upstream -> guest, -R) within 10% of 100 Mbit/s" rate_ok inbound $AVG -R

nd status bw
check "status: bandwidth line" has "$OUT" "bandwidth:.*inbound $AVG kB/s"
check "status: no drift" has "$OUT" "^drift: *none"
nd status bw --json
check "status --json: bandwidth object" eq "$(jq -r '.bandwidth.inbound.average, .bandwidth.outbound.in_place' <<<"$OUT" | tr '\n' ' ')" "$AVG true "

# Drift: someone deletes the qdisc and the chain.
must tc qdisc del dev $BR root
nd status bw
check "status after tc qdisc del: drift names the qdisc" has "$OUT" "bandwidth: inbound: no HTB root qdisc 1: on $BR"
check "  repairable" has "$OUT" "netd apply"
nd apply bw
check "apply: exit 0" eq "$RC" 0
check "  htb is back" has "$(tc qdisc show dev $BR)" "qdisc htb 1: root"
check "  class 1:2 is back" has "$(tc class show dev $BR)" "class htb 1:2 parent 1:1"
must nft delete chain netdev netd bw_bw
nd status bw
check "status after nft delete chain: drift names the chain" has "$OUT" "bandwidth: outbound: chain netdev netd bw_bw missing"
nd apply bw
check "apply: chain is back" has "$(nft list chain netdev netd bw_bw 2>&1)" "limit rate over 12500000 bytes/second"
must tc class change dev $BR parent 1:1 classid 1:2 htb rate 50mbit ceil 50mbit
nd status bw
check "a changed class is drift" has "$OUT" "bandwidth: inbound: class 1:2 has rate 6250000"
nd apply bw
check "  apply puts the rate back" has "$(tc class show dev $BR)" "class htb 1:2 parent 1:1 .*rate 100Mbit"
nd status bw
check "status: no drift after apply" has "$OUT" "^drift: *none"

# reload with other rates: in place, g1 stays on the bridge. Inbound gets
# a peak and a burst, outbound a burst (of 1 MiB).
net_xml "average='25000' peak='50000' burst='1024'" "average='6250' burst='1024'" >"$T/bw2.xml"
nd_ok define "$T/bw2.xml"
nd reload bw
check "reload: exit 0" eq "$RC" 0
check "  says bandwidth changed" has "$OUT" "bandwidth inbound outbound"
check "  g1 still on the bridge" link_exists g1-br
cls=$(tc class show dev $BR)
check "  class 1:1 at 200Mbit ceil 400Mbit" has "$cls" "class htb 1:1 root rate 200Mbit ceil 400Mbit"
# the kernel keeps the burst as time: 1 MiB comes back as 1048550b
check "  class 1:2 burst 1 MiB" has "$cls" "class htb 1:2 parent 1:1 .*rate 200Mbit ceil 400Mbit burst 104[0-9][0-9][0-9][0-9]b"
chain=$(nft list chain netdev netd bw_bw 2>&1)
check "  limit at 6250000 bytes/s burst 1 MiB" has "$chain" "limit rate over 6250000 bytes/second burst 1 mbytes"
nd status bw
check "  status: no drift" has "$OUT" "^drift: *none"
check "  status: the new figures" has "$OUT" "inbound 25000 kB/s (peak 50000, burst 1024 KiB)"
check "outbound after reload within 10% of 50 Mbit/s" rate_ok outbound 6250

# Rollback: a second shaped network whose last step fails (its access
# group does not exist) leaves no qdisc, chain or bridge, and bw's chain
# stays.
cat >"$T/bw3.xml" <<EOF
<network xmlns:netd='urn:netd:network:1'>
  <name>bw3</name>
  <bridge name='virbr28' stp='off' delay='0'/>
  <bandwidth><inbound average='1000'/><outbound average='1000'/></bandwidth>
  <ip address='192.168.158.1' prefix='24'/>
  <netd:access group='no-such-group-bw3'/>
</network>
EOF
nd_ok define "$T/bw3.xml"
nd start bw3
check "start bw3 fails at bridge.conf: exit 1" eq "$RC" 1
check "  names the step" has "$ERR" "step 'bridge.conf'"
check_not "  no bridge virbr28" link_exists virbr28
check_not "  no chain bw_bw3" nft list chain netdev netd bw_bw3
check "  bw's chain stays" nft list chain netdev netd bw_bw
nd_ok undefine bw3

nd stop bw --force
check "stop: exit 0" eq "$RC" 0
check_gone bw $BR
check_not "no table netdev netd left" nft list table netdev netd
say "iperf3 figures:"
sed 's/^/  /' "$T/rates.log"
kill "$iperf_srv" 2>/dev/null
wait "$iperf_srv" 2>/dev/null || : # killed: 143
ns_exit
