#!/bin/bash
# install-default, the package post-install hook: defines the default
# network from the built-in template and marks it autostart; picks the
# first free 192.168.X.0/24 (X = 124 upward) when 122 is used by a host
# address, a host route or another netd network; never overwrites an
# existing default; a second run is a no-op. boot then brings up the
# network it chose.
# Usage: install-default.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

conf=/etc/netd/networks/default.xml
defined_ip() { sed -n "s/.*<ip address='\([0-9.]*\)'.*/\1/p" "$conf"; }
autostart_on() {
	nd list --all --json
	jq -e 'any(.[]; .name == "default" and .autostart == true)' <<<"$OUT"
}
fresh() {
	nd_ok undefine default
	[ ! -e "$conf" ] || die "undefine left $conf"
}

topo_upstream

say "-- nothing in the way: 192.168.122.0/24 on virbr0"
nd install-default
check "install-default: exit 0" eq "$RC" 0
check "it says what it defined" has "$OUT" "network 'default' defined: bridge virbr0, 192.168.122.1/24"
check "stored with 192.168.122.1" eq "$(defined_ip)" 192.168.122.1
check "the DHCP range is 192.168.122.2-254" has "$(cat "$conf")" "start='192.168.122.2' end='192.168.122.254'"
check "marked autostart" autostart_on
check "nothing started" eq "$(ip -o link show type bridge)" ""

say "-- a second run is a no-op"
sum=$(sha256sum "$conf")
nd install-default
check "second run: exit 0" eq "$RC" 0
check "second run: says nothing changed" has "$OUT" "already defined; nothing changed"
check "second run: the config is byte for byte the same" eq "$(sha256sum "$conf")" "$sum"

say "-- an administrator's own default is never overwritten"
fresh
cat >"$T/mine.xml" <<'XML'
<network>
  <name>default</name>
  <forward mode='route'/>
  <bridge name='br-admin'/>
  <ip address='10.77.0.1' prefix='24'/>
</network>
XML
nd_ok define "$T/mine.xml"
sum=$(sha256sum "$conf")
nd install-default
check "admin's default: exit 0" eq "$RC" 0
check "admin's default: unchanged" eq "$(sha256sum "$conf")" "$sum"
check "admin's default: still 10.77.0.1" eq "$(defined_ip)" 10.77.0.1

say "-- 192.168.122.0/24 held by a host address: 124"
fresh
must ip link add lan0 type veth peer name lan0p
must ip addr add 192.168.122.5/24 dev lan0
must ip link set lan0 up
nd install-default
check "address in 122: exit 0" eq "$RC" 0
check "address in 122: picked 192.168.124.1" eq "$(defined_ip)" 192.168.124.1
check "address in 122: the range moved with it" has "$(cat "$conf")" "start='192.168.124.2' end='192.168.124.254'"
check "address in 122: says why, naming lan0" has "$OUT" "192.168.122.0/24 is used by .*lan0"
check "address in 122: marked autostart" autostart_on

say "-- part of 122 routed elsewhere and part of 124 too: 125"
fresh
must ip addr del 192.168.122.5/24 dev lan0
must ip route add 192.168.122.128/25 via "$UP_IP" dev up0
must ip route add 192.168.124.0/26 via "$UP_IP" dev up0
nd install-default
check "routes into 122 and 124: exit 0" eq "$RC" 0
check "routes into 122 and 124: picked 192.168.125.1" eq "$(defined_ip)" 192.168.125.1
must ip route del 192.168.122.128/25
must ip route del 192.168.124.0/26

say "-- 122 taken by another netd network: 124"
fresh
cat >"$T/other.xml" <<'XML'
<network>
  <name>other</name>
  <bridge name='virbr9'/>
  <ip address='192.168.122.1' prefix='24'/>
</network>
XML
nd_ok define "$T/other.xml"
nd install-default
check "other netd network in 122: exit 0" eq "$RC" 0
check "other netd network in 122: picked 192.168.124.1" eq "$(defined_ip)" 192.168.124.1
check "other netd network in 122: names it" has "$OUT" "netd network other"
nd_ok undefine other

say "-- the default route and a VPN's 0.0.0.0/1 do not count"
fresh
must ip route add 0.0.0.0/1 via "$UP_IP" dev up0
nd install-default
check "split default routes only: picked 192.168.122.1" eq "$(defined_ip)" 192.168.122.1

say "-- a leftover virbr0 (libvirt's, say): another bridge name, and boot works"
fresh
must ip link add virbr0 type bridge
must ip link add virbr1 type veth peer name virbr1p
nd install-default
check "virbr0 taken: exit 0" eq "$RC" 0
check "virbr0 taken: says so" has "$OUT" "interface virbr0 exists"
check "virbr0 taken: gets virbr2 (virbr1 is a host interface too)" has "$(cat "$conf")" "<bridge name='virbr2'"
nd boot
check "virbr0 taken: boot exit 0" eq "$RC" 0
check "virbr0 taken: virbr2 has 192.168.122.1/24" has "$(ip -br addr show dev virbr2)" "192.168.122.1/24"
nd_ok stop default
must ip link del virbr0
must ip link del virbr1

say "-- an interface name with ESC in the way: named escaped, never raw"
fresh
must ip link add $'lan\e[7m' type veth peer name lanep
must ip addr add 192.168.122.7/24 dev $'lan\e[7m'
nd install-default
check "ESC interface: exit 0" eq "$RC" 0
check "ESC interface: named as lan\\x1b[7m" has "$OUT" 'used by .*lan\\x1b\[7m'
check "ESC interface: no raw ESC in the output" lacks "$OUT" $'\e'
must ip link del $'lan\e[7m'

say "-- boot brings up what install-default chose"
fresh
must ip addr add 192.168.122.5/24 dev lan0
nd_ok install-default
nd boot
check "boot: exit 0" eq "$RC" 0
check "boot: virbr0 has 192.168.124.1/24" has "$(ip -br addr show dev virbr0)" "192.168.124.1/24"
check "boot: dnsmasq runs for default" dnsmasq_pid default
guest_add g1 virbr0
check "g1: DHCP lease on the chosen subnet" guest_dhcp g1
check "g1's lease is in 192.168.124.2-254" in_range "$L_IP" 192.168.124.2 192.168.124.254
nd_ok stop default --force
check_gone default virbr0
