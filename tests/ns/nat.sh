#!/bin/bash
# A NAT network end to end: guests get leases in the range (and a static
# host its fixed address), resolve DNS host entries and each other's DHCP
# hostnames through the network's dnsmasq, reach each other, and reach
# upstream masqueraded behind the host's uplink address; `netd leases
# --json` lists the leases; starting a running network changes nothing.
# Usage: nat.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr20 GW=192.168.150.1 STATIC_MAC=52:54:00:15:00:0a
topo_upstream
nd_ok define "$NS_SRC/nat.xml"
nd start nat
check "start nat: exit 0" eq "$RC" 0
check "start nat: says started" has "$OUT" "network 'nat' started"
check "bridge $BR has $GW/24" has "$(ip -br addr show dev $BR)" "$GW/24"
check "dnsmasq of nat runs" dnsmasq_pid nat

ruleset=$(nft list ruleset)
pid=$(dnsmasq_pid nat)
# dnsmasq subscribes to every address and route change (0x551); netd takes
# an IPv4 network's dnsmasq out of them all (dhcp_mute.c), so that another
# bridge coming up wakes none of the running dnsmasq.
check "dnsmasq of nat hears no address or route events" eq "$(rtnl_groups "$pid")" 00000000
nd start nat
check "start again: exit 0" eq "$RC" 0
check "start again: says already running" has "$OUT" "already running"
check "start again: ruleset unchanged" eq "$(nft list ruleset)" "$ruleset"
check "start again: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"

guest_add g1 $BR 52:54:00:15:00:01
guest_add g2 $BR 52:54:00:15:00:02
guest_add g3 $BR $STATIC_MAC

check "g1: DHCP lease" guest_dhcp g1
G1=$L_IP
check "g1: address $G1 in the range" in_range "$G1" 192.168.150.100 192.168.150.199
check "g1: router is the bridge" eq "$L_ROUTER" "$GW"
check "g1: DNS server is the bridge" eq "$L_DNS" "$GW"
check "g1: resolv.conf names the bridge" \
	has "$(ip netns exec g1 cat /etc/resolv.conf)" "^nameserver $GW\$"
check "g2: DHCP lease" guest_dhcp g2
G2=$L_IP
check "g2: address $G2 in the range" in_range "$G2" 192.168.150.100 192.168.150.199
check_not "g1 and g2 got different addresses" eq "$G1" "$G2"
check "g3 (static host): DHCP lease" guest_dhcp g3
check "g3: the fixed address" eq "$L_IP" 192.168.150.10

check "g1 resolves <dns><host> printer" eq "$(guest_dig g1 $GW printer)" 192.168.150.53
check "g1 resolves g2's DHCP hostname" eq "$(guest_dig g1 $GW g2)" "$G2"
check "g2 resolves g1's DHCP hostname" eq "$(guest_dig g2 $GW g1)" "$G1"
check "g1 resolves the static host's name" eq "$(guest_dig g1 $GW fixed)" 192.168.150.10
check "g1 resolves its own DHCP hostname" eq "$(guest_dig g1 $GW g1)" "$G1"

# dnsmasq runs unprivileged and serves this bridge only: DNS on the
# bridge's address (not the wildcard), DHCP on a socket bound to the bridge.
dm_uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
check "dnsmasq runs as an unprivileged user (uid $dm_uid)" eval '[ "$dm_uid" -ne 0 ]'
dm_socks=$(ss -H -lnup | grep "pid=$pid,")
check "dnsmasq listens for DNS on $GW:53" has "$dm_socks" " $GW:53 "
check_not "dnsmasq has no wildcard DNS socket" has "$dm_socks" " 0\.0\.0\.0:53 \| \*:53 "
check "dnsmasq's DHCP socket is bound to $BR" has "$dm_socks" "%$BR:67 "
check_not "upstream gets no DNS answer from the host's uplink address" \
	timeout 10 ip netns exec up dig +short +time=1 +tries=1 "@$HOST_UP_IP" printer A

check "g1 pings g2" ip netns exec g1 busybox ping -c 1 -W 2 "$G2"
check "g3 pings g1" ip netns exec g3 busybox ping -c 1 -W 2 "$G1"

seen=$(guest_tcp g1)
check "g1 reaches upstream, masqueraded as $HOST_UP_IP (saw '$seen')" eq "$seen" "$HOST_UP_IP"
seen=$(guest_tcp g3)
check "g3 reaches upstream, masqueraded (saw '$seen')" eq "$seen" "$HOST_UP_IP"

nd leases nat --json
check "leases --json: exit 0" eq "$RC" 0
check "leases --json: valid JSON array" jq -e 'type == "array"' <<<"$OUT"
check "leases --json: g1's lease (ip, mac, hostname, expiry)" jq -e \
	--arg ip "$G1" 'any(.[]; .ip == $ip and .mac == "52:54:00:15:00:01"
		and .hostname == "g1" and (.expiry | type) == "number" and .expiry > 0
		and has("clientid"))' <<<"$OUT"
check "leases --json: g2's lease" jq -e --arg ip "$G2" \
	'any(.[]; .ip == $ip and .mac == "52:54:00:15:00:02")' <<<"$OUT"
check "leases --json: the static host's lease" jq -e --arg mac "$STATIC_MAC" \
	'any(.[]; .ip == "192.168.150.10" and .mac == $mac)' <<<"$OUT"
check "leases --json: three leases" eq "$(jq length <<<"$OUT")" 3
nd leases nat
check "leases (text): g1's line" has "$OUT" "52:54:00:15:00:01 *$G1 *g1"

nd status nat --json
check "status --json: active, no drift" jq -e \
	'.active == true and .drift == [] and (.dnsmasq_pid | type) == "number"' <<<"$OUT"
