#!/bin/bash
# An isolated network (no <forward>): DHCP and DNS work, but nothing leaves
# the network, even with IP forwarding on, a default route in the guest and
# a route back on the upstream side; only netd's rules stand in the way.
# Usage: isolated.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr22 GW=192.168.152.1
topo_upstream
# Everything but the firewall would let the traffic through.
must sysctl -qw net.ipv4.ip_forward=1
must ip -n up route add 192.168.152.0/24 via "$HOST_UP_IP"
nd_ok define "$NS_SRC/isolated.xml"
nd start isolated
check "start isolated: exit 0" eq "$RC" 0
check "dnsmasq of isolated runs" dnsmasq_pid isolated

guest_add g1 $BR
guest_add g2 $BR
check "g1: DHCP lease" guest_dhcp g1
G1=$L_IP
check "g1: address $G1 in the range" in_range "$G1" 192.168.152.100 192.168.152.199
check "g1: no router offered" eq "$L_ROUTER" ""
check "g1: DNS server is the bridge" eq "$L_DNS" "$GW"
check "g2: DHCP lease" guest_dhcp g2
G2=$L_IP
check "g1 resolves <dns><host> nas" eq "$(guest_dig g1 $GW nas)" 192.168.152.53
check "g1 resolves g2's DHCP hostname" eq "$(guest_dig g1 $GW g2)" "$G2"
check "g1 pings g2" ip netns exec g1 busybox ping -c 1 -W 2 "$G2"
check "g1 pings the host's bridge address" ip netns exec g1 busybox ping -c 1 -W 2 "$GW"

must ip -n g1 route add default via "$GW"
check "the host itself reaches upstream" host_tcp
check_not "g1 cannot reach upstream" guest_tcp g1
check "upstream saw no guest" eq "$(grep -v "^$HOST_UP_IP\$" "$T/upstream.log")" ""
check_not "upstream cannot reach g1" ip netns exec up busybox ping -c 1 -W 1 "$G1"

# The control: without netd's table the same connection goes through, so
# what blocked it above was netd's rules and not the test's topology.
must nft delete table inet netd
seen=$(guest_tcp g1)
check "control: without table inet netd g1 reaches upstream (saw '$seen')" eq "$seen" "$G1"
