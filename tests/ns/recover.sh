#!/bin/bash
# netd converges from damage it did not make, and says what it did:
# 1. `nft flush ruleset` by another tool: apply restores the rules of every
#    running network and guests reach upstream again;
# 2. a damaged runtime record: status says so, stop falls back on the
#    stored config and removes everything;
# 3. another tool replaced the bridge with a veth of the same name: apply
#    says it could not repair it (never "repaired"), stop leaves the veth
#    alone and removes the rest;
# 4. an administrator's `deny` line is reported in the session-VM check,
#    not as drift: apply leaves bridge.conf byte for byte alone;
# 5. boot with one network that cannot start: the others start, the exit
#    status is 1 and the failing one is named.
# Usage: recover.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

topo_upstream
nd_ok define "$NS_SRC/nat.xml"
nd_ok define "$NS_SRC/route.xml"
must ip netns exec up ip route add 192.168.151.0/24 via "$HOST_UP_IP"

say "-- 1. nft flush ruleset"
nd_ok start nat
nd_ok start route
guest_add g1 virbr20
check "g1: DHCP lease on nat" guest_dhcp g1
check "g1 reaches upstream, masqueraded" eq "$(guest_tcp g1)" "$HOST_UP_IP"
ruleset=$(nft list ruleset)
must nft flush ruleset
check_not "after the flush g1 is no longer masqueraded" eq "$(guest_tcp g1)" "$HOST_UP_IP"
nd status nat --json
check "status nat: names the missing table" has "$(jq -r '.drift[]' <<<"$OUT")" "table inet netd missing"
nd apply
check "apply: exit 0" eq "$RC" 0
check "apply: repaired nat's firewall" has "$OUT" "network 'nat': repaired firewall"
check "apply: repaired route's firewall" has "$OUT" "network 'route': repaired firewall"
check "apply: the ruleset is as it was" eq "$(nft list ruleset)" "$ruleset"
check "g1 is masqueraded again" eq "$(guest_tcp g1)" "$HOST_UP_IP"
nd apply
check "second apply: nothing to repair" lacks "$OUT" "repaired"

say "-- 2. a damaged runtime record"
: >/run/netd/nat.xml
nd status nat
check "status nat: exit 1" eq "$RC" 1
check "status nat: says the record is unreadable" has "$ERR" "runtime record /run/netd/nat.xml unreadable"
check "status nat: one line on stderr" eq "$(wc -l <<<"$ERR")" 1
nd stop nat --force
check "stop nat: exit 0" eq "$RC" 0
check "stop nat: says it used the stored config" has "$OUT" "stopping what its stored config describes"
check_gone nat virbr20
check "route still runs" dnsmasq_pid route
check "route's bridge is still there" link_exists virbr21

say "-- 2b. a record that parses but fails today's validation (an older netd's)"
nd_ok start nat
# A reversed DHCP range stands in for a rule a newer netd made stricter.
must sed -i "s/start='192.168.150.100' end='192.168.150.199'/start='192.168.150.199' end='192.168.150.100'/" \
	/run/netd/nat.xml
nd stop nat --force
check "stop nat: exit 0" eq "$RC" 0
check "stop nat: says it stops what the record holds" has "$OUT" "fails today's validation; stopping what it records"
check_gone nat virbr20

say "-- 3. the bridge replaced by a veth of the same name"
nd_ok start nat
must ip link del virbr20
must ip link add virbr20 type veth peer name virbr20p
nd apply nat
check "apply nat: exit 1" eq "$RC" 1
check "apply nat: could not repair the bridge" has "$OUT" "could not repair bridge virbr20"
check_not "apply nat: does not claim to have repaired it" has "$OUT" "repaired bridge"
check "apply nat: the error says it is not a bridge" has "$ERR" "not a bridge"
nd stop nat --force
check "stop nat: exit 0" eq "$RC" 0
check "stop nat: says it left the veth alone" has "$OUT" "not a bridge; left alone"
check "the veth virbr20 is still there" link_exists virbr20
check_not "no runtime record" record_exists nat
check "no dnsmasq for nat" eval '[ -z "$(dnsmasq_pid nat)" ]'
check_not "no 'allow virbr20'" bconf_has virbr20
must ip link del virbr20

say "-- 4. an administrator's deny line"
nd_ok start nat
must sh -c 'printf "deny virbr20\n" >>/etc/qemu/bridge.conf'
bconf=$(sha256sum /etc/qemu/bridge.conf)
nd status nat --json
check "status: the deny is not drift" eq "$(jq -r '.drift | length' <<<"$OUT")" 0
check "status: session VMs cannot use it" eq "$(jq -r '.session_vms.usable' <<<"$OUT")" false
nd status nat
check "status: names the deny line and what to do" has "$OUT" "bridge.conf:[0-9]* denies virbr20.*remove that line"
check_not "status: does not send the admin to apply" has "$OUT" "repair:"
nd apply nat
check "apply: exit 0" eq "$RC" 0
check "apply: as it should be" has "$OUT" "network 'nat': as it should be"
check "apply: bridge.conf untouched" eq "$(sha256sum /etc/qemu/bridge.conf)" "$bconf"
nd_ok stop nat --force
check "stop: the admin's deny line stays" grep -qx "deny virbr20" /etc/qemu/bridge.conf

say "-- 5. boot with one network that cannot start"
nd_ok stop route --force
nd_ok autostart nat
nd_ok autostart route
must ip link add lan0 type veth peer name lan0p
must ip addr add 192.168.151.7/24 dev lan0
nd boot
check "boot: exit 1" eq "$RC" 1
check "boot: names the failing network" has "$ERR" "network route"
check "boot: names what is in the way" has "$ERR" "lan0"
check "boot: started nat anyway" has "$OUT" "network 'nat' started"
check "nat's dnsmasq runs" dnsmasq_pid nat
check_gone route virbr21
must ip link del lan0
nd boot
check "boot once the way is clear: exit 0" eq "$RC" 0
check "boot: started route" has "$OUT" "network 'route' started"
check_not "boot: left nat alone" has "$OUT" "'nat'"
nd_ok stop nat --force
nd_ok stop route --force
