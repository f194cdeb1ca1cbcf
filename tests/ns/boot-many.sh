#!/bin/bash
# netd boot starts many autostart networks with concurrent workers
# (NETD_BOOT_JOBS), and the result is what one-at-a-time starts give: each
# network's outcome printed in name order, one whose subnet a host
# interface holds fails alone with its reason, two that fail late (their
# TFTP root is missing: after their firewall part was loaded) roll back
# only their own part of the shared nft table while the others load
# theirs (the firewall step runs concurrently), bridge.conf
# gains exactly one line per started network (no lost update), netd's nft
# table holds every started network's map elements, one dnsmasq each.
# Usage: boot-many.sh NETD_BINARY
# Private namespaces only (lib.sh's ns_enter).
. "$(dirname "$0")/lib.sh"
ns_enter "$@"
NETS=16

for ((i = 1; i <= NETS; i++)); do
	o=$i tftp=''
	# m02 and m09 fail at their dnsmasq step, after the firewall's
	[ "$i" = 2 ] || [ "$i" = 9 ] && tftp="<tftp root='$T/no-such-dir'/>"
	cat >"$T/m$i.xml" <<X
<network><name>m$(printf %02d $i)</name><forward mode='nat'/><bridge name='mb$i'/>
<ip address='10.90.$o.1' prefix='24'>$tftp<dhcp><range start='10.90.$o.2' end='10.90.$o.99'/></dhcp></ip>
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
UP=$((NETS - 3))
check "boot: exit 1 (three networks failed)" eq "$RC" 1
check "boot: $UP started" eq "$(grep -c "started: bridge" <<<"$OUT")" $UP
check "boot: m02 and m09 failed at step dnsmasq" \
	eq "$(grep -o "network m0[29]: start failed at step 'dnsmasq'" <<<"$ERR" | wc -l)" 2
check_not "boot: nothing left of m02's and m09's firewall part" \
	has "$(nft list table inet netd)" "n_m0[29]_\|\"mb[29]\""
check "boot: started lines in name order" \
	eq "$(grep -o "network 'm[0-9]*'" <<<"$OUT" | xargs)" "$(grep -o "network 'm[0-9]*'" <<<"$OUT" | sort | xargs)"
check "boot: one overlap error" eq "$(grep -c "overlaps" <<<"$ERR")" 1
check "boot: the error names m$NETS" has "$ERR" "network m$NETS: its subnet overlaps"
nd apply
check "apply after boot: exit 0" eq "$RC" 0
check_not "apply after boot: nothing to repair (no network lost its rules)" has "$OUT" "repaired"
nd status m01 --json
check "status m01: no drift" eq "$(jq -r '.drift | length' <<<"$OUT")" 0
check "bridge.conf: one allow line per started network" \
	eq "$(grep -c '^allow mb' /etc/qemu/bridge.conf)" $UP
check "$UP dnsmasq" eq "$(dnsmasq_pids | wc -l)" $UP
els=$(nft -j list set inet netd bridges | jq '[.nftables[] | select(.set) | .set.elem // [] | .[]] | length')
check "nft: set bridges holds $UP bridges" eq "$els" $UP
nd list --all --json
check "list: $UP active" eq "$(jq '[.[] | select(.active)] | length' <<<"$OUT")" $UP
nd boot
check "second boot: only m$NETS fails again by overlap" eq "$(grep -c "overlaps" <<<"$ERR")" 1
check_not "second boot: started nothing" has "$OUT" "started: bridge"
for ((i = 1; i <= NETS; i++)); do nd stop "m$(printf %02d $i)" >/dev/null; done
check "all stopped: no dnsmasq" no_dnsmasq
check "all stopped: bridge.conf has no allow line" eq "$(grep -c '^allow' /etc/qemu/bridge.conf)" 0
