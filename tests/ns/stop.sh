#!/bin/bash
# stop tears down exactly what start created: with two networks running,
# stopping one leaves the other (and the shared nft table) alone; stopping
# the last leaves no bridge, no table inet netd, no dnsmasq, no runtime
# record, no bridge.conf line, and the administrator's bridge.conf byte for
# byte as it was (its last line has no newline, the hard case).
# Usage: stop.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

printf '%s\n' "# qemu-bridge-helper ACL, written by the administrator" \
	"" "allow br-admin" "	# an indented comment" "include /etc/qemu/extra.conf" \
	>/etc/qemu/bridge.conf
printf '# last line, no newline' >>/etc/qemu/bridge.conf
printf 'allow br-extra\n' >/etc/qemu/extra.conf
chmod 0640 /etc/qemu/bridge.conf
cp -p /etc/qemu/bridge.conf "$T/bridge.conf.orig"
mode_before=$(stat -c '%a %U %G' /etc/qemu/bridge.conf)
# The administrator's own firewall, which netd must never touch: a table
# of each family netd uses, with a base chain on netd's hooks.
cat >"$T/admin.nft" <<'NFT'
table inet filter {
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "br-admin" counter accept
	}
}
table ip admin {
	chain post {
		type nat hook postrouting priority 100; policy accept;
		oifname "up0" ip saddr 10.9.0.0/16 counter masquerade
	}
}
NFT
must nft -f "$T/admin.nft"
ruleset_before=$(nft list ruleset)

topo_upstream
nd_ok define "$NS_SRC/nat.xml"
nd_ok define "$NS_SRC/isolated.xml"
nd_ok start nat
nd_ok start isolated
check "the admin's tables stay while running" eval \
	'nft list table inet filter | grep -q br-admin && nft list table ip admin | grep -q 10.9.0.0/16'
check "both networks' lines in bridge.conf" eval 'bconf_has virbr20 && bconf_has virbr22'
check "the administrator's lines kept while running" \
	has "$(cat /etc/qemu/bridge.conf)" "^allow br-admin$"
guest_add g1 virbr20
check "g1: DHCP lease on nat" guest_dhcp g1
check "g1 reaches upstream" guest_tcp g1
check "two dnsmasq processes" eq "$(dnsmasq_pids | wc -l)" 2
iso_pid=$(dnsmasq_pid isolated)

nd stop nat --force
check "stop nat: exit 0" eq "$RC" 0
check "stop nat: says stopped" has "$OUT" "network 'nat' stopped"
check_gone nat virbr20
check "nat's dnsmasq is gone, isolated's is not" eq "$(dnsmasq_pids)" "$iso_pid"
check "table inet netd stays for isolated" has "$(nft list table inet netd)" '"virbr22"'
check "nat's chains and elements are gone" lacks "$(nft list table inet netd)" 'chain n_nat_\|"virbr20"'
check "isolated's elements stay" has "$(nft list set inet netd intra)" '"virbr22" . "virbr22"'
check "isolated's line stays in bridge.conf" bconf_has virbr22
check "isolated still has its bridge" link_exists virbr22
check "isolated still has its record" record_exists isolated
check "g1's veth is left alone (no longer a port)" eval \
	'link_exists g1-br && ! [ -e /sys/class/net/g1-br/brport ]'
check "the lease file is kept" test -s /var/lib/netd/dnsmasq/nat.leases

# netd returns once the kernel has unlisted the bridge; a process of its
# own waits out the kernel's release of the device and of the netfilter
# sockets. Whatever is still running the moment netd exits must hold
# neither netd's output nor its lock: only the sockets. (Scanned with
# builtins only, so the scan starts before those processes end.)
holders() { # FILE: the fds of other processes that have FILE open
	local d
	for d in /proc/[0-9]*/fd/*; do
		[[ $d == /proc/$$/* || $d == /proc/$BASHPID/* ]] && continue
		[[ $d -ef $1 ]] && echo "$d"
	done
}
say "\$ netd stop isolated"
"$NETD" stop isolated >"$T/stop.out" 2>&1
RC=$?
out_holders=$(holders "$T/stop.out") lock_holders=$(holders /run/netd/netd.lock)
OUT=$(cat "$T/stop.out")
check "stop isolated: exit 0" eq "$RC" 0
check "no process left holding netd's output" eq "$out_holders" ""
check "no process left holding netd's lock" eq "$lock_holders" ""
check_gone isolated virbr22
check_not "no table inet netd after the last stop" table_exists
check "nft ruleset as before the first start (the admin's tables intact)" \
	eq "$(nft list ruleset)" "$ruleset_before"
check "no dnsmasq process at all" no_dnsmasq
check "no bridge at all" eq "$(ip -o link show type bridge)" ""
check "no runtime records left" eq "$(find /run/netd -name '*.xml')" ""
check "bridge.conf byte for byte as the administrator wrote it" \
	cmp /etc/qemu/bridge.conf "$T/bridge.conf.orig"
check "bridge.conf keeps its mode and owner" \
	eq "$(stat -c '%a %U %G' /etc/qemu/bridge.conf)" "$mode_before"
check "the included file untouched" eq "$(cat /etc/qemu/extra.conf)" "allow br-extra"

nd stop nat
check "stop of a stopped network: exit 0" eq "$RC" 0
check "stop of a stopped network: says not running" has "$OUT" "not running"
check "and still changes nothing in bridge.conf" cmp /etc/qemu/bridge.conf "$T/bridge.conf.orig"
