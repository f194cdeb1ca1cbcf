#!/bin/bash
# netd reload brings a running network to its stored config in place. A
# guest holds a lease on nat; the stored config then gets a wider DHCP
# range, an IPv6 address and another NAT port range; status and list say
# the config changed; reload changes the host while the guest's port stays
# on the bridge (no link event takes it down or off the bridge, the bridge
# keeps its ifindex), the guest renews to its address, and NAT uses the new
# ports. A reload that fails at the last step (an access group that does
# not exist) rolls every step back. A new bridge name is refused without
# --restart, done with it. Transient networks: netd start FILE runs one
# that list shows as not persistent and that stop removes completely; a
# define of its name makes it persistent.
# Usage: reload.sh NETD_BINARY (RELOAD_BENCH=N also times N reloads each)
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr20 GW=192.168.150.1 GW6=fd00:150::1 PORT_ECHO=7778

# nat_xml PORT_START RANGE_END [EXTRA_IP [EXTRA_TAIL [BRIDGE]]]
nat_xml() {
	cat <<XML
<network>
  <name>nat</name>
  <forward mode='nat'><nat><port start='$1' end='$(($1 + 99))'/></nat></forward>
  <bridge name='${5:-$BR}' stp='off' delay='0'/>
  <ip address='$GW' prefix='24'>
    <dhcp>
      <range start='192.168.150.100' end='192.168.150.$2'/>
    </dhcp>
  </ip>
  ${3:-}
  ${4:-}
</network>
XML
}
V6="<ip family='ipv6' address='$GW6' prefix='64'/>"

# The upstream service that answers with the source port it saw.
port_service() {
	ip netns exec up socat "TCP4-LISTEN:$PORT_ECHO,bind=$UP_IP,fork,reuseaddr" \
		"SYSTEM:echo \$SOCAT_PEERPORT" </dev/null >"$T/port.log" 2>&1 &
	must wait_for 50 "the port echo service" \
		eval '[ -n "$(ip netns exec up ss -Htln "sport = :$PORT_ECHO")" ]'
}
guest_port() {
	timeout 10 ip netns exec g1 socat -T 5 -u \
		"TCP4:$UP_IP:$PORT_ECHO,connect-timeout=3" STDOUT 2>&1
}
port_in() { [ "$1" -ge "$2" ] 2>/dev/null && [ "$1" -le "$(($2 + 99))" ]; }
ifindex() { cat "/sys/class/net/$1/ifindex" 2>/dev/null; }
master() { basename "$(readlink "/sys/class/net/$1/master" 2>/dev/null)"; }
drift() { jq -r '.drift[]' <<<"$OUT"; }

topo_upstream
port_service
nat_xml 20000 199 >"$T/a.xml"
nd_ok define "$T/a.xml"
nd_ok start nat
guest_add g1 $BR 52:54:00:15:00:01
check "g1: DHCP lease" guest_dhcp g1
G1=$L_IP
p=$(guest_port)
check "g1: NAT source port $p in 20000-20099" port_in "$p" 20000

say "-- nothing to change"
pid=$(dnsmasq_pid nat)
nd reload nat
check "reload unchanged: exit 0" eq "$RC" 0
check "reload unchanged: says nothing to change" has "$OUT" "nothing to change"
check "reload unchanged: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"
nd status nat --json
check "status --json: config_changed false" eq "$(jq -r .config_changed <<<"$OUT")" false

say "-- range, IPv6 address and NAT ports changed in the stored config"
nat_xml 30000 249 "$V6" >"$T/b.xml"
nd_ok define "$T/b.xml"
nd status nat
check "status: config changed" has "$OUT" "config changed since start: netd reload nat"
nd status nat --json
check "status --json: config_changed true" eq "$(jq -r .config_changed <<<"$OUT")" true
nd list
check "list: config changed" has "$OUT" "config changed since start: netd reload nat"
nd list --json
check "list --json: config_changed true" \
	eq "$(jq -r '.[] | select(.name == "nat") | .config_changed' <<<"$OUT")" true

idx=$(ifindex $BR)
ip monitor link >"$T/monitor.log" 2>&1 &
mon=$!
sleep 0.3
nd reload nat
sleep 0.3
kill "$mon"
wait "$mon" 2>/dev/null
say "  ip monitor link during the reload:"
sed 's/^/  | /' "$T/monitor.log"
check "reload: exit 0" eq "$RC" 0
check "reload: says the address it added" has "$OUT" "address +$GW6/64"
check "reload: says the firewall changed" has "$OUT" "firewall"
check "reload: says dnsmasq restarted, pid $pid -> new" \
	has "$OUT" "dnsmasq restarted (pid $pid -> [0-9]*)"
check_not "dnsmasq was restarted" eq "$(dnsmasq_pid nat)" "$pid"
check "the bridge kept its ifindex" eq "$(ifindex $BR)" "$idx"
check "g1-br is still a port of $BR" eq "$(master g1-br)" $BR
check_not "no link event took g1-br down or off the bridge" \
	eval 'grep g1-br "$T/monitor.log" | grep -qE "Deleted|DOWN|NO-CARRIER" ||
	      grep g1-br "$T/monitor.log" | grep -vq "master $BR"'
check_not "no link event deleted or downed $BR" \
	eval 'grep -E "^[0-9]+: $BR[:@]" "$T/monitor.log" | grep -qE "Deleted|state DOWN"'
check "$BR has $GW6/64" has "$(ip -br addr show dev $BR)" "$GW6/64"
check "$BR still has $GW/24" has "$(ip -br addr show dev $BR)" "$GW/24"
check "g1: renews its lease" guest_dhcp g1
check "g1: to the same address" eq "$L_IP" "$G1"
p=$(guest_port)
check "g1: NAT source port $p in the new 30000-30099" port_in "$p" 30000
nd status nat --json
check "status after reload: no drift" eq "$(drift)" ""
check "status after reload: config_changed false" eq "$(jq -r .config_changed <<<"$OUT")" false
nd status nat
check_not "status text: no config change" has "$OUT" "config changed"

say "-- a reload that fails at the last step rolls back"
nat_xml 40000 199 "" '<netd:access xmlns:netd="urn:netd:network:1" group="no-such-group"/>' \
	>"$T/c.xml"
sed -i 's|<network>|<network xmlns:netd="urn:netd:network:1">|; s| xmlns:netd="urn:netd:network:1" group| group|' "$T/c.xml"
nd_ok define "$T/c.xml"
pid=$(dnsmasq_pid nat)
rules=$(nft list table inet netd | grep -v counter)
nd reload nat
check "failed reload: exit 1" eq "$RC" 1
check "failed reload: names the step" has "$ERR" "reload failed at step 'bridge.conf'"
check "failed reload: gives the cause" has "$ERR" "access group 'no-such-group' does not exist"
check "failed reload: says it rolled back" has "$ERR" "rolled back to the running config"
check "rolled back: $BR has $GW6/64 again" has "$(ip -br addr show dev $BR)" "$GW6/64"
check "rolled back: the ruleset is the one before" \
	eq "$(nft list table inet netd | grep -v counter)" "$rules"
check "rolled back: 'allow $BR' in bridge.conf" bconf_has $BR
check "rolled back: dnsmasq runs" dnsmasq_pid nat
check "rolled back: dnsmasq config is the running one" \
	has "$(cat /var/lib/netd/dnsmasq/nat.conf)" "192.168.150.249"
check "rolled back: the record is the running config" \
	has "$(cat /run/netd/nat.xml)" "$GW6"
check "g1: still renews" guest_dhcp g1
check "g1: to the same address" eq "$L_IP" "$G1"
p=$(guest_port)
check "g1: NAT source port $p still in 30000-30099" port_in "$p" 30000
nd status nat --json
check "status after rollback: no drift" eq "$(drift)" ""
check "status after rollback: config still changed" \
	eq "$(jq -r .config_changed <<<"$OUT")" true

say "-- a new bridge name"
nat_xml 30000 249 "$V6" "" virbr21 >"$T/d.xml"
nd_ok define "$T/d.xml"
idx=$(ifindex $BR)
nd reload nat
check "rename without --restart: exit 1" eq "$RC" 1
check "rename: says it cannot change in place" has "$ERR" "virbr20 -> virbr21 cannot change in place"
check "rename: points to --restart" has "$ERR" "netd reload nat --restart"
check "rename refused: $BR kept, same ifindex" eq "$(ifindex $BR)" "$idx"
check_not "rename refused: no virbr21" link_exists virbr21
ip monitor link >"$T/monitor2.log" 2>&1 &
mon=$!
sleep 0.3
nd reload nat --restart
sleep 0.3
kill "$mon"
wait "$mon" 2>/dev/null
check "rename with --restart: exit 0" eq "$RC" 0
# The same watch as above sees a port leave its bridge: it could fail.
check "ip monitor saw g1-br leave the deleted $BR" eval 'grep g1-br "$T/monitor2.log" | grep -vq "master $BR"'
check "rename with --restart: virbr21 exists" link_exists virbr21
check_not "rename with --restart: $BR is gone" link_exists $BR
nd status nat --json
check "status after restart: no drift" eq "$(drift)" ""
check "status after restart: config_changed false" eq "$(jq -r .config_changed <<<"$OUT")" false

say "-- MTU set, then left out again"
sed 's/<bridge /<mtu size="1400"\/>\n  <bridge /' "$T/d.xml" >"$T/mtu.xml"
nd_ok define "$T/mtu.xml"
nd reload nat
check "reload: says mtu 1500 -> 1400" has "$OUT" "mtu 1500 -> 1400"
check "virbr21 has mtu 1400" eq "$(cat /sys/class/net/virbr21/mtu)" 1400
nd_ok define "$T/d.xml"
nd reload nat
check "reload without <mtu>: says mtu 1400 -> 1500" has "$OUT" "mtu 1400 -> 1500"
check "virbr21 is back to mtu 1500" eq "$(cat /sys/class/net/virbr21/mtu)" 1500
nd status nat --json
check "status after the MTU reloads: no drift" eq "$(drift)" ""

if [ -n "${RELOAD_BENCH:-}" ]; then
	say "-- timing (RELOAD_BENCH=$RELOAD_BENCH)"
	# ms NETD_ARGS: wall time of one netd run in milliseconds
	ms() {
		local t0 t1
		t0=$(date +%s%N)
		"$NETD" "$@" >"$T/bench.out" 2>&1 || cat "$T/bench.out"
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000))
	}
	median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
	x=$(for i in $(seq "$RELOAD_BENCH"); do ms reload nat; done | median)
	say "bench: reload, no change: median ${x} ms"
	say "  last run said: $(head -1 "$T/bench.out")"
	nat_xml 30000 249 "" "" virbr21 >"$T/e1.xml"
	x=$(for i in $(seq "$RELOAD_BENCH"); do
		"$NETD" define "$T/d.xml" >/dev/null; ms reload nat >/dev/null
		"$NETD" define "$T/e1.xml" >/dev/null; ms reload nat
	done | median)
	say "bench: reload, IPv6 address removed (firewall, dnsmasq too): median ${x} ms"
	say "  last run said: $(head -1 "$T/bench.out")"
	cp "$T/mtu.xml" "$T/e2.xml"
	x=$(for i in $(seq "$RELOAD_BENCH"); do
		"$NETD" define "$T/d.xml" >/dev/null; ms reload nat >/dev/null
		"$NETD" define "$T/e2.xml" >/dev/null; ms reload nat
	done | median)
	say "bench: reload, MTU only (bridge; dnsmasq too: MTU is a DHCP option): median ${x} ms"
	say "  last run said: $(head -1 "$T/bench.out")"
	nat_xml 30000 240 "$V6" "" virbr21 >"$T/e3.xml"
	x=$(for i in $(seq "$RELOAD_BENCH"); do
		"$NETD" define "$T/d.xml" >/dev/null; ms reload nat >/dev/null
		"$NETD" define "$T/e3.xml" >/dev/null; ms reload nat
	done | median)
	say "bench: reload, DHCP range only (dnsmasq restart): median ${x} ms"
	say "  last run said: $(head -1 "$T/bench.out")"
	nat_xml 31000 249 "$V6" "" virbr21 >"$T/e4.xml"
	x=$(for i in $(seq "$RELOAD_BENCH"); do
		"$NETD" define "$T/d.xml" >/dev/null; ms reload nat >/dev/null
		"$NETD" define "$T/e4.xml" >/dev/null; ms reload nat
	done | median)
	say "bench: reload, NAT ports only (firewall alone): median ${x} ms"
	say "  last run said: $(head -1 "$T/bench.out")"
	"$NETD" define "$T/d.xml" >/dev/null
	"$NETD" reload nat >/dev/null
	x=$(for i in $(seq "$RELOAD_BENCH"); do
		"$NETD" stop nat >/dev/null; t0=$(date +%s%N)
		"$NETD" start nat >/dev/null; echo $((($(date +%s%N) - t0) / 1000000))
	done | median)
	say "bench: stop + start for comparison (start part): median ${x} ms"
fi
nd_ok stop nat

say "-- transient networks"
cat >"$T/tr.xml" <<'XML'
<network>
  <name>tr</name>
  <forward mode='nat'/>
  <bridge name='virbr30' stp='off' delay='0'/>
  <ip address='192.168.160.1' prefix='24'>
    <dhcp><range start='192.168.160.100' end='192.168.160.199'/></dhcp>
  </ip>
</network>
XML
sed 's|<name>tr</name>|<name>nat</name>|' "$T/tr.xml" >"$T/clash.xml"
nd start "$T/clash.xml"
check "start FILE named like a defined network: exit 1" eq "$RC" 1
check "start FILE clash: says so" has "$ERR" "a network of that name is defined"
check_not "start FILE clash: no virbr30" link_exists virbr30
nd start "$T/tr.xml"
check "start FILE: exit 0" eq "$RC" 0
check "start FILE: says transient" has "$OUT" "transient"
check_not "start FILE: nothing stored" test -e /etc/netd/networks/tr.xml
check "start FILE: dnsmasq runs" dnsmasq_pid tr
nd list
check "list: shows tr as transient" has "$OUT" "transient (not persistent)"
nd list --json
check "list --json: tr persistent false" \
	eq "$(jq -r '.[] | select(.name == "tr") | .persistent' <<<"$OUT")" false
check "list --json: the stopped nat is not listed" \
	eq "$(jq -r '[.[] | select(.name == "nat")][0].persistent // "absent"' <<<"$OUT")" absent
nd status tr --json
check "status --json: tr persistent false" eq "$(jq -r .persistent <<<"$OUT")" false
nd reload tr
check "reload of a transient network: exit 1" eq "$RC" 1
nd_ok boot
check "boot leaves it running" dnsmasq_pid tr
# A firewall reload takes a transient network's rules too: apply with no
# name (what netd-firewall.service runs) must repair it.
must nft delete table inet netd
nd apply
check "apply (all): exit 0" eq "$RC" 0
check "apply (all): repairs the transient network's rules" has "$OUT" "network 'tr'"
check "apply (all): its table is back" nft list chain inet netd n_tr_nat
nd stop tr
check "stop tr: exit 0" eq "$RC" 0
check "stop tr: says it is gone" has "$OUT" "was transient: it is gone"
check_gone tr virbr30
check_not "stop tr: no lease file" test -e /var/lib/netd/dnsmasq/tr.leases
nd list --all --json
check "list --all after stop: no tr" eq "$(jq -r '.[] | select(.name == "tr") | .name' <<<"$OUT")" ""
nd_ok boot
check_not "boot never starts it" link_exists virbr30

say "-- define of a running transient network makes it persistent"
nd_ok start "$T/tr.xml"
uuid=$(jq -r .uuid <<<"$("$NETD" list --json | jq '.[] | select(.name == "tr")')")
nd define "$T/tr.xml"
check "define: exit 0" eq "$RC" 0
check "define: says now persistent" has "$OUT" "now persistent"
nd list --json
check "list --json: tr persistent true" \
	eq "$(jq -r '.[] | select(.name == "tr") | .persistent' <<<"$OUT")" true
check "the stored config keeps the running uuid" \
	eq "$(jq -r '.[] | select(.name == "tr") | .uuid' <<<"$OUT")" "$uuid"
check "and no config change" \
	eq "$(jq -r '.[] | select(.name == "tr") | .config_changed' <<<"$OUT")" false
nd_ok stop tr
check "after stop, the persistent tr stays defined" test -e /etc/netd/networks/tr.xml
nd_ok undefine tr

ns_exit
