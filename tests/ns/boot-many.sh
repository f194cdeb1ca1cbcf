#!/bin/bash
# netd boot starts many autostart networks with concurrent workers
# (NETD_BOOT_JOBS), and the result is what one-at-a-time starts give: each
# network's outcome printed in name order, one whose subnet a host
# interface holds fails alone with its reason, bridge.conf
# gains exactly one line per started network (no lost update), netd's nft
# table holds every started network's map elements, one dnsmasq each.
# Usage: boot-many.sh NETD_BINARY
# Private namespaces only (lib.sh's ns_enter).
. "$(dirname "$0")/lib.sh"
ns_enter "$@"
NETS=16

for ((i = 1; i <= NETS; i++)); do
	o=$i
	cat >"$T/m$i.xml" <<X
<network><name>m$(printf %02d $i)</name><forward mode='nat'/><bridge name='mb$i'/>
<ip address='10.90.$o.1' prefix='24'><dhcp><range start='10.90.$o.2' end='10.90.$o.99'/></dhcp></ip>
</network>
X
	nd_ok define "$T/m$i.xml"
	nd_ok autostart "m$(printf %02d $i)"
done
# the host holds the last network's subnet: that one must fail
must ip link add hd0 type bridge
must ip addr add 10.90.$NETS.7/24 dev hd0
export NETD_BOOT_JOBS=4
nd boot
check "boot: exit 1 (one network failed)" eq "$RC" 1
check "boot: $((NETS - 1)) started" eq "$(grep -c "started: bridge" <<<"$OUT")" $((NETS - 1))
check "boot: started lines in name order" \
	eq "$(grep -o "network 'm[0-9]*'" <<<"$OUT" | xargs)" "$(grep -o "network 'm[0-9]*'" <<<"$OUT" | sort | xargs)"
check "boot: one overlap error" eq "$(grep -c "overlaps" <<<"$ERR")" 1
check "boot: the error names m$NETS" has "$ERR" "network m$NETS: its subnet overlaps"
check "bridge.conf: one allow line per started network" \
	eq "$(grep -c '^allow mb' /etc/qemu/bridge.conf)" $((NETS - 1))
check "$((NETS - 1)) dnsmasq" eq "$(dnsmasq_pids | wc -l)" $((NETS - 1))
els=$(nft -j list map inet netd fwd_in | jq '[.nftables[] | select(.map) | .map.elem // [] | .[]] | length')
check "nft: fwd_in holds $((NETS - 1)) bridges" eq "$els" $((NETS - 1))
nd list --all --json
check "list: $((NETS - 1)) active" eq "$(jq '[.[] | select(.active)] | length' <<<"$OUT")" $((NETS - 1))
nd boot
check "second boot: only m$NETS fails again" eq "$(grep -c "overlaps" <<<"$ERR")" 1
check_not "second boot: started nothing" has "$OUT" "started: bridge"
for ((i = 1; i <= NETS; i++)); do nd stop "m$(printf %02d $i)" >/dev/null; done
check "all stopped: no dnsmasq" no_dnsmasq
check "all stopped: bridge.conf has no allow line" eq "$(grep -c '^allow' /etc/qemu/bridge.conf)" 0
