#!/bin/bash
# Static routes (<route address prefix gateway metric/>): a guest on the
# bridge is a router with a subnet of its own behind it (10.161.0.0/16 and
# fd00:1610::/64, addresses on its loopback). Start adds the routes to the
# bridge through it, so the host reaches the subnet behind the guest;
# status shows them; a route deleted by hand is drift that apply restores;
# reload changes them in place; stop removes them. A route whose
# destination the host already has, or that another network's subnet
# takes, is refused with nothing created.
# Usage: static-routes.sh NETD_BINARY
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr61 R4=192.168.161.7 R6=fd00:161::7
cat >"$T/rt.xml" <<XML
<network>
  <name>rt</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off' delay='0'/>
  <ip address='192.168.161.1' prefix='24'/>
  <ip family='ipv6' address='fd00:161::1' prefix='64'/>
  <route address='10.161.0.0' netmask='255.255.0.0' gateway='$R4'/>
  <route family='ipv6' address='fd00:1610::' prefix='64' gateway='$R6' metric='20'/>
</network>
XML

route4() { ip -4 route show 10.161.0.0/16; }
route6() { ip -6 route show fd00:1610::/64; }

nd_ok define "$T/rt.xml"
nd plan rt
check "plan: the IPv4 route" has "$OUT" "^add route 10.161.0.0/16 via $R4 metric 1 dev $BR proto static$"
check "plan: the IPv6 route" has "$OUT" "^add route fd00:1610::/64 via $R6 metric 20 dev $BR proto static$"
nd dumpxml rt
check "dumpxml keeps the netmask form" has "$OUT" "<route address='10.161.0.0' netmask='255.255.0.0' gateway='$R4'/>"
check "dumpxml keeps family and metric" has "$OUT" "<route family='ipv6' address='fd00:1610::' prefix='64' gateway='$R6' metric='20'/>"

nd start rt
check "start: exit 0" eq "$RC" 0
check "start says it added 2 routes" has "$OUT" "2 static routes"
check "IPv4 route via the guest, metric 1, proto static" \
	has "$(route4)" "^10.161.0.0/16 via $R4 dev $BR proto static metric 1"
check "IPv6 route via the guest, metric 20" \
	has "$(route6)" "^fd00:1610::/64 via $R6 dev $BR proto static metric 20"

# The guest routes the subnet behind it: the host reaches it through the route.
guest_add g1 $BR
must ip -n g1 addr add "$R4/24" dev eth0
must ip -n g1 addr add "$R6/64" dev eth0 nodad
must ip -n g1 addr add 10.161.0.1/32 dev lo
must ip -n g1 addr add fd00:1610::1/128 dev lo
must ip -n g1 route add default via 192.168.161.1
must ip -n g1 -6 route add default via fd00:161::1
check "host reaches 10.161.0.1 behind the guest" busybox ping -c 1 -W 3 10.161.0.1
check "host reaches fd00:1610::1 behind the guest" busybox ping -6 -c 1 -W 3 fd00:1610::1

nd status rt
check "status lists the IPv4 route" has "$OUT" "^routes: *10.161.0.0/16 via $R4 metric 1$"
check "status lists the IPv6 route" has "$OUT" "fd00:1610::/64 via $R6 metric 20$"
check "status: no drift" has "$OUT" "^drift: *none"
nd status rt --json
check "status --json: the route is present" \
	eq "$(jq -r '.routes[0] | "\(.destination) \(.gateway) \(.metric) \(.present)"' <<<"$OUT")" \
	"10.161.0.0/16 $R4 1 true"

# ---- drift: a route deleted by hand ----------------------------------------
must ip route del 10.161.0.0/16
nd status rt
check "status: the deleted route is drift" has "$OUT" "route 10.161.0.0/16 via $R4 metric 1 dev $BR: missing"
check "status: marked MISSING" has "$OUT" "10.161.0.0/16 via $R4 metric 1 (MISSING)"
check "status: apply repairs it" has "$OUT" "^repair: *netd apply rt"
nd apply rt
check "apply: exit 0" eq "$RC" 0
check "apply restored the IPv4 route" has "$(route4)" "via $R4 dev $BR proto static metric 1"
check "the IPv6 route was left as it was" has "$(route6)" "via $R6 dev $BR proto static metric 20"
nd status rt
check "status after apply: no drift" has "$OUT" "^drift: *none"

# ---- reload: the IPv4 route gets another metric, the IPv6 one goes -------
sed -e "s|gateway='$R4'/>|gateway='$R4' metric='5'/>|" -e '/fd00:1610/d' "$T/rt.xml" >"$T/rt2.xml"
nd_ok define "$T/rt2.xml"
nd reload rt
check "reload: exit 0" eq "$RC" 0
check "reload says what it changed" has "$OUT" "routes: 1 added, 2 removed"
check "the IPv4 route has metric 5" has "$(route4)" "via $R4 dev $BR proto static metric 5"
check "only one IPv4 route to the subnet" eq "$(route4 | wc -l)" 1
check "the IPv6 route is gone" eq "$(route6)" ""
check "the bridge stayed (same ifindex: in place)" link_exists $BR
nd status rt
check "status after reload: no drift" has "$OUT" "^drift: *none"

# ---- refusals -----------------------------------------------------------------
# Another network whose subnet the route takes: define says which.
cat >"$T/inside.xml" <<'XML'
<network><name>inside</name><bridge name='virbr62'/>
  <ip address='10.161.5.1' prefix='24'/></network>
XML
nd define "$T/inside.xml"
check "define of a network inside rt's route: exit 1" eq "$RC" 1
check "  names the route and the network" has "$ERR" "subnet 10.161.5.1/24 overlaps the <route> to 10.161.0.0/16 of network rt"
check "  nothing was defined" test ! -e /etc/netd/networks/inside.xml

# A route to what the host already has: start refuses it, creates nothing.
must ip link add lan0 type veth peer name lan0-peer
must ip addr add 10.162.0.5/24 dev lan0
must ip link set lan0 up
cat >"$T/taken.xml" <<'XML'
<network><name>taken</name><bridge name='virbr63'/>
  <ip address='192.168.163.1' prefix='24'/>
  <route address='10.162.0.0' prefix='24' gateway='192.168.163.7'/></network>
XML
nd_ok define "$T/taken.xml"
nd start taken
check "start with a route to the host's own subnet: exit 1" eq "$RC" 1
check "  names the route and what has it" has "$ERR" "its <route> to 10.162.0.0/24 overlaps address 10.162.0.5/24 on lan0"
check_not "  no bridge virbr63" link_exists virbr63
check "  lan0's route is untouched" has "$(ip -4 route show 10.162.0.0/24)" "dev lan0"
must ip link del lan0

# A gateway outside the network's subnets: validate refuses it by name.
sed "s|gateway='192.168.163.7'|gateway='192.168.164.7'|" "$T/taken.xml" >"$T/badgw.xml"
nd validate "$T/badgw.xml"
check "validate with a gateway outside: exit 1" eq "$RC" 1
check "  says so" has "$ERR" "<route gateway='192.168.164.7'>: not inside any of the network's subnets"

# ---- stop removes the routes ----------------------------------------------------
nd stop rt --force
check "stop: exit 0" eq "$RC" 0
check "the IPv4 route is gone" eq "$(route4)" ""
check_gone rt $BR
