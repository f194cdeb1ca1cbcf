#!/bin/bash
# apply repairs drift of a running network (the default one, STP on):
# 1. table inet netd deleted and dnsmasq killed: status reports both,
#    apply restores both, a new guest gets a lease and is masqueraded again;
# 2. bridge down with its address gone, bridge.conf line removed: likewise;
# 3. bridge deleted: recreated, and a new guest gets a lease;
# 4. IPv4 forwarding turned off: status names the sysctl, apply sets it
#    again, and the guest reaches upstream again.
# With nothing drifted, apply says so and changes nothing.
# Usage: apply.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

GW=192.168.122.1
drift() { jq -r '.drift[]' <<<"$OUT"; }

topo_upstream
nd_ok define "$NS_TEMPLATES/default.xml"
nd_ok start default
guest_add g1 virbr0
check "g1: DHCP lease" guest_dhcp g1
G1=$L_IP
check "g1 reaches upstream, masqueraded" eq "$(guest_tcp g1)" "$HOST_UP_IP"

say "-- nothing drifted"
nd status default --json
check "status: no drift" eq "$(drift)" ""
ruleset=$(nft -a list ruleset)
pid=$(dnsmasq_pid default)
check "status --json: the running dnsmasq's pid" jq -e ".dnsmasq_pid == $pid" <<<"$OUT"
nd status default
check "status (text): the running dnsmasq's pid" has "$OUT" "^dnsmasq: *pid $pid\$"
nd apply default
check "apply: exit 0" eq "$RC" 0
check "apply: says all is as it should be" has "$OUT" "network 'default': as it should be"
check_not "apply: repaired nothing" has "$OUT" repaired
check "apply: ruleset untouched (handles too)" eq "$(nft -a list ruleset)" "$ruleset"
check "apply: same dnsmasq" eq "$(dnsmasq_pid default)" "$pid"

say "-- firewall table deleted, dnsmasq killed"
must nft delete table inet netd
must kill -KILL "$pid"
must wait_for 50 "dnsmasq $pid to die" eval "! is_dnsmasq $pid"
nd status default
check "status: exit 0" eq "$RC" 0
check "status (text): reports the firewall" has "$OUT" "^drift: .*firewall\|^ .*firewall"
check "status (text): reports dnsmasq not running" has "$OUT" "dnsmasq: not running"
check "status (text): says how to repair" has "$OUT" "netd apply default"
nd status default --json
check "status --json: firewall drift" has "$(drift)" "^firewall"
check "status --json: dnsmasq drift" has "$(drift)" "^dnsmasq: not running"
check "status --json: no dnsmasq pid" jq -e '.dnsmasq_pid == null' <<<"$OUT"
check_not "status changed nothing (no table)" table_exists
check "status changed nothing (no dnsmasq)" no_dnsmasq

nd apply default
check "apply: exit 0" eq "$RC" 0
check "apply: repaired the firewall" has "$OUT" "^network 'default': repaired firewall"
check "apply: repaired dnsmasq" has "$OUT" "^network 'default': repaired dnsmasq"
check "table inet netd is back with virbr0" has "$(nft list table inet netd)" '"virbr0"'
check "dnsmasq runs again" dnsmasq_pid default
check "only one dnsmasq" eq "$(dnsmasq_pids | wc -l)" 1
nd status default --json
check "status: no drift after apply" eq "$(drift)" ""
guest_add g2 virbr0
check "g2 (new guest): DHCP lease after apply" guest_dhcp g2
G2=$L_IP
check_not "g2's address differs from g1's (leases kept)" eq "$G2" "$G1"
check "g2 reaches upstream, masqueraded" eq "$(guest_tcp g2)" "$HOST_UP_IP"
check "g1 resolves g2 through the new dnsmasq" eq "$(guest_dig g1 $GW g2)" "$G2"

say "-- bridge down, its address gone, bridge.conf line removed"
must ip addr flush dev virbr0
must ip link set virbr0 down
grep -v -e '^allow virbr0$' -e '^# netd:' /etc/qemu/bridge.conf >"$T/bc" || true
must cp "$T/bc" /etc/qemu/bridge.conf
nd status default --json
check "status --json: bridge drift" has "$(drift)" "^bridge virbr0"
check "status --json: bridge.conf drift" has "$(drift)" "^bridge.conf"
nd apply
check "apply (all networks): exit 0" eq "$RC" 0
check "apply: repaired the bridge" has "$OUT" "^network 'default': repaired bridge virbr0"
check "apply: repaired bridge.conf" has "$OUT" "^network 'default': repaired bridge.conf"
check "virbr0 up" has "$(ip -br link show dev virbr0)" "UP"
check "virbr0 has $GW/24 again" has "$(ip -br addr show dev virbr0)" "$GW/24"
check "allow virbr0 back in bridge.conf" bconf_has virbr0
nd status default --json
check "status: no drift after apply" eq "$(drift)" ""
check "g1's port forwards again" wait_for 150 "g1-br forwarding" port_forwarding g1-br
check "g1 reaches upstream again" eq "$(guest_tcp g1)" "$HOST_UP_IP"
check "g1 resolves g2 again" eq "$(guest_dig g1 $GW g2)" "$G2"

say "-- bridge deleted"
must ip link del virbr0
nd status default --json
check "status --json: bridge drift" has "$(drift)" "^bridge virbr0"
nd apply default
check "apply: exit 0" eq "$RC" 0
check "apply: repaired the bridge" has "$OUT" "^network 'default': repaired bridge virbr0"
check "apply: restarted dnsmasq, whose DHCP socket was bound to the old bridge" \
	has "$OUT" "^network 'default': repaired dnsmasq: its DHCP socket is bound to an interface that is no longer virbr0"
check "virbr0 exists with $GW/24" has "$(ip -br addr show dev virbr0)" "$GW/24"
nd status default --json
check "status: no drift after apply" eq "$(drift)" ""
guest_add g3 virbr0
check "g3 (new guest): DHCP lease on the new bridge" guest_dhcp g3
check "g3 reaches upstream, masqueraded" eq "$(guest_tcp g3)" "$HOST_UP_IP"

say "-- IPv4 forwarding turned off"
# /proc/sys/net is this (private) network namespace's.
must sh -c 'echo 0 >/proc/sys/net/ipv4/ip_forward'
check_not "g3 cannot reach upstream without forwarding" guest_tcp g3
nd status default --json
check "status --json: the forwarding drift, alone" eq "$(drift)" \
	"forwarding: net.ipv4.ip_forward is 0 (guests cannot reach beyond the host)"
check "status changed nothing" eq "$(cat /proc/sys/net/ipv4/ip_forward)" 0
nd apply default
check "apply: exit 0" eq "$RC" 0
check "apply: repaired forwarding" \
	has "$OUT" "^network 'default': repaired forwarding: net.ipv4.ip_forward is 0"
check "net.ipv4.ip_forward is 1 again" eq "$(cat /proc/sys/net/ipv4/ip_forward)" 1
nd status default --json
check "status: no drift after apply" eq "$(drift)" ""
check "g3 reaches upstream again" eq "$(guest_tcp g3)" "$HOST_UP_IP"
