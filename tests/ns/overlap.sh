#!/bin/bash
# start refuses a network whose subnet is already used on the host, naming
# the interface, and creates nothing: first an address (192.168.122.5/24 on
# a veth), then a route (192.168.122.0/25 via the uplink). The default
# route alone is no overlap: once both are gone the same start works.
# Usage: overlap.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

snapshot() {
	{
		ip -o link show | awk '{print $2}'
		ip -o addr show
		ip route show table all
		nft list ruleset
		find /run/netd /var/lib/netd /etc/qemu -type f ! -name netd.lock \
			! -path '*/last-error/*' | sort
		dnsmasq_pids
	} 2>&1
}

topo_upstream
nd_ok define "$NS_TEMPLATES/default.xml"

say "-- an address in the subnet"
must ip link add lan0 type veth peer name lan0p
must ip addr add 192.168.122.5/24 dev lan0
must ip link set lan0 up
must ip link set lan0p up
before=$(snapshot)
nd start default
check "start default: exit 1" eq "$RC" 1
check "start default: the error names the interface lan0" has "$ERR" "lan0"
check "start default: the error names the address" has "$ERR" "192.168.122.5"
check "start default: one line on stderr" eq "$(wc -l <<<"$ERR")" 1
check "nothing created" eq "$(snapshot)" "$before"
check_gone default virbr0
check_not "no table inet netd" table_exists
check_not "no bridge.conf" test -e /etc/qemu/bridge.conf
check_not "no dnsmasq state" test -e /var/lib/netd/dnsmasq/default.leases
nd status default
check "status: inactive" has "$OUT" "inactive"
check "status: the last start's failure" \
	has "$OUT" "^last: *start failed: its subnet overlaps address 192.168.122.5/24 on lan0"
must ip link del lan0

say "-- a route into the subnet"
must ip route add 192.168.122.0/25 via "$UP_IP" dev up0
before=$(snapshot)
nd start default
check "start default: exit 1" eq "$RC" 1
check "start default: the error names the interface up0" has "$ERR" "up0"
check "nothing created" eq "$(snapshot)" "$before"
check_gone default virbr0
must ip route del 192.168.122.0/25

say "-- no overlap left (the default route does not count)"
nd start default
check "start default: exit 0" eq "$RC" 0
check "virbr0 has 192.168.122.1/24" has "$(ip -br addr show dev virbr0)" "192.168.122.1/24"
nd status default --json
check "the start that worked cleared last_error" eq "$(jq -r .last_error <<<"$OUT")" null
check "drift: none" eq "$(jq -c .drift <<<"$OUT")" "[]"

say "-- a route into the running network's subnet (a VPN coming up)"
must ip link add tun0 type veth peer name tun0p
must ip link set tun0 up
must ip link set tun0p up
must ip route add 192.168.122.0/25 dev tun0
nd status default
check "status names the overlap as drift" \
	has "$OUT" "drift: *bridge virbr0: subnet 192.168.122.0/24 overlaps route 192.168.122.0/25 dev tun0 (added after start; the next start will fail)"
nd status default --json
check "status --json: one finding" eq "$(jq '.drift | length' <<<"$OUT")" 1
nd apply default
check "apply: exit 0" eq "$RC" 0
check "apply says it could not repair it" \
	has "$OUT" "could not repair bridge virbr0: subnet 192.168.122.0/24 overlaps route 192.168.122.0/25 dev tun0"
check_not "apply does not claim it repaired anything" has "$OUT" "repaired"
check "the route is left alone" has "$(ip route show dev tun0)" "192.168.122.0/25"
must ip route del 192.168.122.0/25 dev tun0
nd status default --json
check "once the route is gone, drift none" eq "$(jq -c .drift <<<"$OUT")" "[]"
nd apply default
check "apply: as it should be" has "$OUT" "as it should be"
nd_ok stop default
