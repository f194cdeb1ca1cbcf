#!/bin/bash
# A routed network: a guest's connection reaches upstream with the guest's
# own address (no masquerade); upstream has a route back via the host.
# Usage: route.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr21 GW=192.168.151.1
topo_upstream
must ip -n up route add 192.168.151.0/24 via "$HOST_UP_IP"
nd_ok define "$NS_SRC/route.xml"
nd start route
check "start route: exit 0" eq "$RC" 0
check "dnsmasq of route runs" dnsmasq_pid route
check "IPv4 forwarding on" eq "$(cat /proc/sys/net/ipv4/ip_forward)" 1
check_not "no masquerade rule" has "$(nft list table inet netd)" masquerade

guest_add g1 $BR
check "g1: DHCP lease" guest_dhcp g1
G1=$L_IP
check "g1: address $G1 in the range" in_range "$G1" 192.168.151.100 192.168.151.199
check "g1: router is the bridge" eq "$L_ROUTER" "$GW"

seen=$(guest_tcp g1)
check "g1 reaches upstream with its own address $G1 (saw '$seen')" eq "$seen" "$G1"
check "upstream logged $G1" eq "$(cat "$T/upstream.log")" "$G1"
check "upstream reaches g1 back (ping)" ip netns exec up busybox ping -c 1 -W 2 "$G1"

# dnsmasq binds the bridge's address; netd's table drops DNS to it from
# anywhere but the bridge (and the host itself): never an open resolver for
# the upstream side, which routes to the subnet (CVE-2012-3411).
check "g1: the network's DNS answers g1" eq "$(guest_dig g1 "$GW" g1)" "$G1"
check "host: the network's DNS answers g1 (loopback)" eq "$(dig +short +time=2 +tries=1 "@$GW" g1 A)" "$G1"
check_not "upstream: no DNS answer from $GW over UDP" \
	has "$(timeout 10 ip netns exec up dig +short +time=1 +tries=1 "@$GW" g1 A 2>&1)" "^$G1$"
check_not "upstream: no DNS answer from $GW over TCP" \
	has "$(timeout 10 ip netns exec up dig +tcp +short +time=1 +tries=1 "@$GW" g1 A 2>&1)" "^$G1$"
