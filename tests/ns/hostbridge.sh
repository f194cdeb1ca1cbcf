#!/bin/bash
# A host bridge network (<forward mode='bridge'/><bridge name='br0'/>): the
# administrator's bridge br0 with a "LAN" behind it (a veth into namespace
# lan, where a DHCP server of the LAN's own runs). netd creates nothing,
# runs no dnsmasq and adds no firewall rule for it, only its bridge.conf
# entry; a guest on br0 gets its address from the LAN, not from netd, also
# while a NAT network of netd's runs beside it (its rules must not get in
# the way of bridged LAN traffic: br_netfilter passes it through the IPv4
# forward hook). Stop leaves the bridge and its ports as they are.
# Usage: hostbridge.sh NETD_BINARY
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

LAN_SRV=10.77.0.1
cat >"$T/lan.xml" <<'XML'
<network>
  <name>lan</name>
  <forward mode='bridge'/>
  <bridge name='br0'/>
</network>
XML

# ---- what define refuses -----------------------------------------------
printf '<network><name>x</name><forward mode="bridge"/></network>\n' >"$T/noname.xml"
nd define "$T/noname.xml"
check "define without a bridge name: exit 1" eq "$RC" 1
check "  says it needs <bridge name>" has "$ERR" "<forward mode='bridge'> needs <bridge name='...'>"
printf '<network><name>x</name><forward mode="bridge"/><bridge name="br0"/><ip address="10.77.0.9" prefix="24"/></network>\n' >"$T/withip.xml"
nd define "$T/withip.xml"
check "define with an <ip>: exit 1" eq "$RC" 1
check "  names <ip> and the mode" has "$ERR" "<ip> in a network with forward mode='bridge'"
check "  nothing was defined" test ! -e /etc/netd/networks/x.xml

nd_ok define "$T/lan.xml"
nd plan lan
check "plan lan: exit 0" eq "$RC" 0
check "  plan: check br0, create nothing" has "$OUT" "check that br0 exists and is a Linux bridge"
check "  plan: no nftables" has "$OUT" "^none (guests are on the host's LAN)"
check "  plan: allow br0" has "$OUT" "^allow br0$"

# ---- start refuses a missing bridge and one that is not a Linux bridge --
nd start lan
check "start with no br0: exit 1" eq "$RC" 1
check "  says br0 does not exist" has "$ERR" "host bridge br0 does not exist (in forward mode .bridge. netd uses the host.s bridge and creates none)"
check_not "  no runtime record" record_exists lan
check_not "  no 'allow br0'" bconf_has br0
must ip link add br0 type veth peer name br0-peer
nd start lan
check "start with a veth named br0: exit 1" eq "$RC" 1
check "  says it is not a Linux bridge" has "$ERR" "host bridge br0 is not a Linux bridge (veth)"
check_not "  no 'allow br0'" bconf_has br0
check "  the veth is still there" link_exists br0
must ip link del br0

# ---- the administrator's bridge onto a LAN with its own DHCP server -----
must ip link add br0 type bridge stp_state 0 forward_delay 0
must ip link set br0 up
must ip netns add lan
must ip link add lan-br type veth peer name eth0 netns lan
must ip link set lan-br master br0 up
must ip -n lan link set lo up
must ip -n lan addr add "$LAN_SRV/24" dev eth0
must ip -n lan link set eth0 up
ip netns exec lan dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
	--no-resolv --no-hosts --interface=eth0 --bind-interfaces --pid-file= \
	--dhcp-range=10.77.0.50,10.77.0.60,10m --dhcp-option=option:router,$LAN_SRV \
	--dhcp-leasefile="$T/lan.leases" --user=root --log-facility="$T/lan-dnsmasq.log" \
	</dev/null >/dev/null 2>&1 &
lan_dhcp=$!
must wait_for 50 "the LAN's DHCP server" test -e "$T/lan.leases"
bridge_before=$(ip -d link show br0 | grep -o 'bridge forward_delay [0-9]* .*stp_state [0-9]*')

# A NAT network of netd's beside it, rules and all.
nd_ok define "$NS_SRC/nat.xml"
nd_ok start nat

nd start lan
check "start lan: exit 0" eq "$RC" 0
check "  says host bridge br0 is up, not changed" has "$OUT" "network 'lan' started: host bridge br0 (up), not changed by netd"
check "  'allow br0' in bridge.conf" bconf_has br0
check "  no dnsmasq of lan" test ! -e /run/netd/dnsmasq/lan.pid
check "  no dnsmasq config of lan" test ! -e /var/lib/netd/dnsmasq/lan.conf
check_not "  no nft rule names br0" has "$(nft list ruleset)" '"br0"'
check "  br0 has no address of netd's" eq "$(ip -o addr show dev br0 scope global)" ""
check "  br0's STP and delay as they were" eq "$(ip -d link show br0 | grep -o 'bridge forward_delay [0-9]* .*stp_state [0-9]*')" "$bridge_before"

guest_add g1 br0
check "g1 on br0: DHCP lease" guest_dhcp g1
check "  from the LAN's range" in_range "$L_IP" 10.77.0.50 10.77.0.60
check "  router is the LAN's" eq "$L_ROUTER" "$LAN_SRV"
check "  the LAN's server has the lease" grep -qi "$(guest_mac g1)" "$T/lan.leases"
check "g1 pings the LAN's host" ip netns exec g1 busybox ping -c 1 -W 2 "$LAN_SRV"

nd status lan
check "status lan: exit 0" eq "$RC" 0
check "  bridge: the host's, up" has "$OUT" "^bridge: *br0 (the host's, not netd's: up)"
check "  dnsmasq not needed" has "$OUT" "^dnsmasq: *not needed"
check "  no drift" has "$OUT" "^drift: *none"
nd status lan --json
check "status --json: host_bridge up" eq "$(jq -r '.host_bridge | "\(.exists) \(.linux_bridge) \(.up)"' <<<"$OUT")" "true true true"
check "  forward bridge" eq "$(jq -r .forward <<<"$OUT")" bridge
nd dumpxml lan
check "dumpxml: mode bridge" has "$OUT" "<forward mode='bridge'/>"
check "  bridge br0 and nothing else of it" has "$OUT" "^  <bridge name='br0'/>$"
check_not "  no mac" has "$OUT" "<mac"
nd list
check "list: lan bridge active" has "$OUT" "^lan .*bridge"

# Down is the administrator's business: said, never "repaired".
must ip link set br0 down
nd status lan
check "status with br0 down: drift names it" has "$OUT" "host bridge br0 is down"
check "  bridge line says DOWN" has "$OUT" "(the host's, not netd's: DOWN)"
nd apply lan
check "apply: could not repair (not netd's)" has "$OUT" "could not repair host bridge br0 is down"
check "status: nothing for netd to repair" has "$(timeout 30 "$NETD" status lan)" "^repair: *none by netd"
check "  br0 still down" lacks "$(ip -o link show br0)" "[<,]UP[,>]"
must ip link set br0 up

# Another network cannot take the same bridge.
printf '<network><name>lan2</name><forward mode="nat"/><bridge name="br0"/><ip address="10.78.0.1" prefix="24"/></network>\n' >"$T/lan2.xml"
nd define "$T/lan2.xml"
check "define a second network on br0: exit 1" eq "$RC" 1
check "  br0 is lan's" has "$ERR" "bridge br0 is already used by network lan"

# Stop with g1 on the bridge: it cuts nobody off, so no guard.
nd stop lan
check "stop lan with g1 on br0: exit 0" eq "$RC" 0
check "  says br0 is left as it is" has "$OUT" "host bridge br0 left as it is"
check_not "  no 'allow br0' any more" bconf_has br0
check_not "  no runtime record" record_exists lan
check "  br0 still exists" link_exists br0
check "  g1 still on br0" eq "$(ip -o link show master br0 | grep -c 'g1-br')" 1
check "  the LAN still answers g1" ip netns exec g1 busybox ping -c 1 -W 2 "$LAN_SRV"
nd_ok stop nat

kill "$lan_dhcp" 2>/dev/null
wait "$lan_dhcp" 2>/dev/null
ns_exit
