#!/bin/bash
# <forward dev='DEV'>: a network forwards through that interface only. Two
# uplinks, up0 (the upstream namespace) and side0 (another namespace), both
# with routes back to the guests' subnets, so that only netd's rules stand
# between a guest and either side: a NAT network and a routed network, each
# with dev='up0', reach up and are reached from up (routed) through up0;
# nothing goes to or comes from side0, either way.
# Usage: forward-dev.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

SIDE_IP=198.51.100.2 HOST_SIDE_IP=198.51.100.1
topo_upstream
topo_peer side side0 "$HOST_SIDE_IP" "$SIDE_IP"
for sub in 192.168.145.0/24 192.168.146.0/24; do
	must ip -n up route add "$sub" via "$HOST_UP_IP"
	must ip -n side route add "$sub" via "$HOST_SIDE_IP"
done

cat >"$T/fnat.xml" <<'XML'
<network>
  <name>fnat</name>
  <forward mode='nat' dev='up0'/>
  <bridge name='virbr45' stp='off' delay='0'/>
  <ip address='192.168.145.1' prefix='24'>
    <dhcp><range start='192.168.145.100' end='192.168.145.199'/></dhcp>
  </ip>
</network>
XML
sed -e 's/fnat/froute/; s/mode=.nat./mode="route"/; s/virbr45/virbr46/; s/192\.168\.145/192.168.146/g' \
	"$T/fnat.xml" >"$T/froute.xml"
nd_ok define "$T/fnat.xml"
nd_ok define "$T/froute.xml"
nd_ok start fnat
nd_ok start froute
nd status fnat --json
check "status fnat: no drift" eq "$(jq -c .drift <<<"$OUT")" "[]"

guest_add g1 virbr45
check "g1 (nat): DHCP lease" guest_dhcp g1
guest_add g2 virbr46
check "g2 (route): DHCP lease" guest_dhcp g2
G2=$L_IP
ip netns exec g2 socat "TCP4-LISTEN:$ECHO_PORT,bind=$G2,fork,reuseaddr" \
	"SYSTEM:echo \$SOCAT_PEERADDR" </dev/null >"$T/g2.log" 2>&1 &
must wait_for 50 "echo on $G2" eval '[ -n "$(ip netns exec g2 ss -Htln "sport = :$ECHO_PORT")" ]'
reach() { # FROM_NS IP: one TCP exchange, the peer address the far end saw
	timeout 10 ip netns exec "$1" socat -T 3 -u "TCP4:$2:$ECHO_PORT,connect-timeout=3" STDOUT 2>&1
}

check "g1 (nat) reaches up through up0, masqueraded" eq "$(reach g1 "$UP_IP")" "$HOST_UP_IP"
check_not "g1 (nat) does not reach side0" reach g1 "$SIDE_IP"
check "g2 (route) reaches up through up0" eq "$(reach g2 "$UP_IP")" "$G2"
check_not "g2 (route) does not reach side0" reach g2 "$SIDE_IP"
check "up reaches g2 (route) through up0" eq "$(reach up "$G2")" "$UP_IP"
check_not "side does not reach g2 (route)" reach side "$G2"

nd_ok stop fnat --force
nd_ok stop froute --force
check "no table left" eval '! nft list table inet netd >/dev/null 2>&1'
