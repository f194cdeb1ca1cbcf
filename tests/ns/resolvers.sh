#!/bin/bash
# Many networks on one host: no dnsmasq of netd's holds an inotify instance
# (fs.inotify.max_user_instances, 128 per user by default, capped a host at
# 128 networks when each dnsmasq watched resolv.conf), yet DNS forwarding
# still follows the host's resolv.conf as libvirt's does: queries go to its
# nameservers, and after resolv.conf changes `netd apply` hands the new ones
# to every running dnsmasq (servers-file, SIGHUP) without a restart.
# Usage: resolvers.sh NETD_BINARY [NETWORKS]
# Private namespaces only (lib.sh's ns_enter).
. "$(dirname "$0")/lib.sh"
ns_enter "$@"
NETS=${2:-10}

inotify_fds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c inotify; }
# An upstream resolver in namespace "up": ADDR answers probe.test with ANSWER.
upstream_dns() {
	must ip -n up addr add "$1/24" dev eth0
	must ip netns exec up dnsmasq --no-resolv --no-hosts --bind-interfaces \
		--listen-address="$1" --address="/probe.test/$2" --pid-file="$T/up-$1.pid" \
		--user=root
}

topo_upstream
upstream_dns 203.0.113.53 198.51.100.1
upstream_dns 203.0.113.54 198.51.100.2
printf '# test\nsearch example.org\nnameserver 203.0.113.53\n' >/etc/resolv.conf

nd_ok define "$NS_TEMPLATES/default.xml"
nd_ok start default
pid0=$(dnsmasq_pid default)
for ((i = 1; i < NETS; i++)); do
	cat >"$T/n$i.xml" <<X
<network><name>n$i</name><forward mode='nat'/><bridge name='nb$i'/>
<ip address='10.$((70 + i / 250)).$((i % 250)).1' prefix='24'>
<dhcp><range start='10.$((70 + i / 250)).$((i % 250)).2' end='10.$((70 + i / 250)).$((i % 250)).99'/></dhcp></ip>
</network>
X
	nd_ok define "$T/n$i.xml" >/dev/null
	nd start "n$i" >/dev/null
	[ "$RC" = 0 ] || fail "n$i: netd start failed"
done
pids=$(dnsmasq_pids | grep -vxF -e "$(cat "$T"/up-*.pid | sed -n 1p)" -e "$(cat "$T"/up-*.pid | sed -n 2p)")
check "$NETS networks: $NETS dnsmasq of netd's" eq "$(wc -l <<<"$pids")" "$NETS"
held=0
for p in $pids; do
	[ "$(inotify_fds "$p")" = 0 ] || { say "  dnsmasq $p holds an inotify instance"; held=$((held + 1)); }
done
check "no dnsmasq of netd's holds an inotify instance" eq "$held" 0
check "default's dnsmasq forwards to resolv.conf's nameserver (servers-file)" \
	has "$(cat /var/lib/netd/dnsmasq/default.servers)" '^server=203.0.113.53$'
check "and reads no resolv.conf itself" has "$(cat /var/lib/netd/dnsmasq/default.conf)" '^no-resolv$'

guest_add g1 virbr0
check "g1: lease on default" guest_dhcp g1
check "g1: probe.test through default's dnsmasq from the first upstream" \
	eq "$(guest_dig g1 192.168.122.1 probe.test)" 198.51.100.1

printf 'nameserver 203.0.113.54\n' >/etc/resolv.conf
nd apply default
check "apply: says the upstream servers changed and repairs that" \
	has "$OUT" "repaired dnsmasq: upstream servers"
pid=$(dnsmasq_pid default)
check "apply: the same dnsmasq (no restart)" eq "$pid" "$pid0"
check "g1: probe.test now from the second upstream" \
	eq "$(guest_dig g1 192.168.122.1 probe.test)" 198.51.100.2
nd apply default
check "second apply: as it should be" has "$OUT" "as it should be"
