#!/bin/bash
# Network boot (<tftp root='DIR'/> and <dhcp><bootp file= server=/>):
# - a guest's DHCP offer names the boot file and this host as the server,
#   and the guest fetches the file from the TFTP root with busybox tftp
#   (through netd's firewall rule for udp 69);
# - the proxy form (server= another host) offers that server and runs no
#   TFTP server on the bridge; the guest fetches the file from that server
#   in the upstream namespace, through NAT (which needs the TFTP conntrack
#   helper: the server answers from another port);
# - a TFTP root that does not exist, or that dnsmasq's user cannot read, is
#   refused at start with nothing left behind.
# Usage: netboot.sh NETD_BINARY
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr65 GW=192.168.165.1
ROOT=$T/tftp
must mkdir -p "$ROOT"
must chmod 0755 "$T" "$ROOT"
head -c 20000 /dev/urandom >"$ROOT/pxelinux.0"
must chmod 0644 "$ROOT/pxelinux.0"

cat >"$T/boot.xml" <<XML
<network>
  <name>boot</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off' delay='0'/>
  <ip address='$GW' netmask='255.255.255.0'>
    <tftp root='$ROOT'/>
    <dhcp>
      <range start='192.168.165.100' end='192.168.165.199'/>
      <bootp file='pxelinux.0'/>
    </dhcp>
  </ip>
</network>
XML
tftp_on() { [ -n "$(ss -Huln "sport = :69" | grep -F "$1:69")" ]; }

nd_ok define "$T/boot.xml"
nd plan boot
check "plan: enable-tftp" has "$OUT" "^enable-tftp$"
check "plan: tftp-root" has "$OUT" "^tftp-root=$ROOT$"
check "plan: dhcp-boot" has "$OUT" "^dhcp-boot=pxelinux.0$"
nd start boot
check "start: exit 0" eq "$RC" 0
check "dnsmasq serves TFTP on $GW:69" wait_for 50 "TFTP on $GW" tftp_on "$GW"
check "nftables accepts udp 69 from the bridge" has "$(nft list set inet netd tftp_in)" "\"$BR\""

guest_add g1 $BR
check "g1: DHCP lease" guest_dhcp g1
check "g1: offered boot file pxelinux.0" eq "$L_BOOT_FILE" pxelinux.0
check "g1: next server is the bridge" eq "$L_SIADDR" "$GW"
rm -f "$T/got"
timeout 20 ip netns exec g1 busybox tftp -g -r pxelinux.0 -l "$T/got" "$GW" 2>"$T/tftp.err"
check "g1 fetched the boot file over TFTP" cmp "$ROOT/pxelinux.0" "$T/got"
[ -s "$T/tftp.err" ] && sed 's/^/  | /' "$T/tftp.err"
check_not "g1 cannot fetch outside the root" \
	timeout 20 ip netns exec g1 busybox tftp -g -r ../boot.xml -l "$T/bad" "$GW"

nd status boot
check "status: no drift" has "$OUT" "^drift: *none"
nd stop boot --force
check "stop: exit 0" eq "$RC" 0
check_not "no TFTP server left on $GW" tftp_on "$GW"
check_gone boot $BR

# ---- refusals at start: the root must be a directory dnsmasq can read ---
sed "s|root='$ROOT'|root='$T/missing'|" "$T/boot.xml" >"$T/missing.xml"
nd_ok define "$T/missing.xml"
nd start boot
check "start with a missing root: exit 1" eq "$RC" 1
check "  says it does not exist" has "$ERR" "tftp root $T/missing: does not exist"
check_gone boot $BR
must mkdir -m 0700 "$T/private"
sed "s|root='$ROOT'|root='$T/private'|" "$T/boot.xml" >"$T/private.xml"
nd_ok define "$T/private.xml"
nd start boot
check "start with a root only root can read: exit 1" eq "$RC" 1
check "  names dnsmasq's user" has "$ERR" "tftp root $T/private: dnsmasq's user dnsmasq cannot read it"
check_gone boot $BR

# ---- the proxy form: boot from another host ------------------------------
# The other host is upstream, with a TFTP server of its own (a dnsmasq that
# only serves TFTP).
topo_upstream
must mkdir -p "$T/up-tftp"
must chmod 0755 "$T/up-tftp"
head -c 30000 /dev/urandom >"$T/up-tftp/remote.ipxe"
must chmod 0644 "$T/up-tftp/remote.ipxe"
ip netns exec up dnsmasq --keep-in-foreground --port=0 --enable-tftp \
	--tftp-root="$T/up-tftp" --listen-address="$UP_IP" --bind-interfaces \
	--conf-file=/dev/null --pid-file="$T/up-tftp.pid" --user=root \
	>"$T/up-tftp.log" 2>&1 &
up_tftp=$!
cat >"$T/proxy.xml" <<XML
<network>
  <name>proxy</name>
  <forward mode='nat'/>
  <bridge name='virbr66' stp='off' delay='0'/>
  <ip address='192.168.166.1' prefix='24'>
    <dhcp>
      <range start='192.168.166.100' end='192.168.166.199'/>
      <bootp file='remote.ipxe' server='$UP_IP'/>
    </dhcp>
  </ip>
</network>
XML
nd_ok define "$T/proxy.xml"
nd start proxy
check "start proxy: exit 0" eq "$RC" 0
check_not "proxy: no TFTP server on the bridge" tftp_on 192.168.166.1
TABLE=$(nft list table inet netd)
check_not "proxy: no udp 69 accept to the host" has "$(nft list set inet netd tftp_in)" '"virbr66"'
check "proxy: TFTP to the other host gets the conntrack helper" \
	has "$TABLE" 'udp dport 69 ct helper set "tftp"'
guest_add g2 virbr66
check "g2: DHCP lease" guest_dhcp g2
check "g2: offered boot file remote.ipxe" eq "$L_BOOT_FILE" remote.ipxe
check "g2: next server is the other host" eq "$L_SIADDR" "$UP_IP"
rm -f "$T/got2"
timeout 20 ip netns exec g2 busybox tftp -g -r remote.ipxe -l "$T/got2" "$UP_IP" 2>"$T/tftp2.err"
check "g2 fetched the file from the other host, through NAT" cmp "$T/up-tftp/remote.ipxe" "$T/got2"
[ -s "$T/tftp2.err" ] && sed 's/^/  | /' "$T/tftp2.err"
kill "$up_tftp" 2>/dev/null
wait "$up_tftp" 2>/dev/null
nd stop proxy --force
check_gone proxy virbr66
