#!/bin/bash
# boot starts the autostart networks and only those, and is idempotent: a
# second run creates nothing (same links with the same ifindex, same
# addresses, `nft list ruleset` identical, with and without rule handles,
# same dnsmasq processes, same files). After one network is stopped, boot
# brings back that one alone.
# Usage: boot.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

snapshot() {
	{
		ip -o link show | awk '{print $1, $2}'
		# IPv6 DAD ends on its own schedule: "tentative" is not a change,
		# nor the local-table routes the kernel adds when it ends.
		ip -o addr show | sed 's/ tentative//'
		ip -4 route show table all
		ip -6 route show table main
		nft -a list ruleset
		(cd / && find run/netd var/lib/netd etc/qemu etc/netd -type f ! -name netd.lock \
			-exec sha256sum {} + | sort -k 2)
		dnsmasq_pids
	} 2>&1
}
active() { jq -e --arg n "$1" 'any(.[]; .name == $n and .active == true)' <<<"$LIST"; }
inactive() { jq -e --arg n "$1" 'any(.[]; .name == $n and .active == false)' <<<"$LIST"; }

topo_upstream
nd_ok define "$NS_SRC/nat.xml"
nd_ok define "$NS_SRC/isolated.xml"
nd_ok define "$NS_SRC/route.xml"
nd_ok autostart nat
nd_ok autostart isolated

nd boot
check "first boot: exit 0" eq "$RC" 0
check "first boot: started nat" has "$OUT" "network 'nat' started"
check "first boot: started isolated" has "$OUT" "network 'isolated' started"
check_not "first boot: did not start route" has "$OUT" "'route'"
nd list --all --json
LIST=$OUT
check "list: nat active" active nat
check "list: isolated active" active isolated
check "list: route (no autostart) inactive" inactive route
check "two dnsmasq processes" eq "$(dnsmasq_pids | wc -l)" 2
check "bridges virbr20 and virbr22 only" \
	eq "$(ip -o link show type bridge | awk '{print $2}' | tr -d : | sort | xargs)" "virbr20 virbr22"

ruleset=$(nft list ruleset)
before=$(snapshot)
nd boot
check "second boot: exit 0" eq "$RC" 0
check_not "second boot: started nothing" has "$OUT" "started"
check "second boot: nft list ruleset text identical" eq "$(nft list ruleset)" "$ruleset"
check "second boot: links, addresses, routes, rules (with handles), files, dnsmasq unchanged" \
	eq "$(snapshot)" "$before"

guest_add g1 virbr20
check "g1: DHCP lease on nat after boot" guest_dhcp g1
check "g1 reaches upstream" guest_tcp g1

nd_ok stop isolated
nat_if=$(ip -o link show dev virbr20 | awk '{print $1}')
nat_pid=$(dnsmasq_pid nat)
nd boot
check "third boot: exit 0" eq "$RC" 0
check "third boot: started isolated again" has "$OUT" "network 'isolated' started"
check_not "third boot: left nat alone" has "$OUT" "'nat'"
check "nat's bridge is the same link" eq "$(ip -o link show dev virbr20 | awk '{print $1}')" "$nat_if"
check "nat's dnsmasq is the same process" eq "$(dnsmasq_pid nat)" "$nat_pid"
check "isolated's dnsmasq runs" dnsmasq_pid isolated
check "g1's port is still on virbr20" eq "$(basename "$(readlink /sys/class/net/g1-br/master)")" virbr20
