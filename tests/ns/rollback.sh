#!/bin/bash
# A start that fails part way leaves nothing behind. Two real failures,
# no test hook in netd:
# - at the firewall step: table inet netd already maps the network's bridge
#   to another chain (as a stale or foreign entry would), so the nft
#   transaction is refused;
# - at the dnsmasq step: another DHCP server already holds UDP port 67 on
#   the host, so dnsmasq exits with "Address in use";
# - at the last step, bridge.conf: the network restricts its bridge to a
#   group that does not exist, so every earlier step is undone, and the
#   error says the cause once, first.
# Each time: exit 1 naming the step, and no bridge, runtime record,
# dnsmasq process or file, bridge.conf line or nft change remains; once the
# cause is gone the same start works.
# Usage: rollback.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

# What exists, apart from the lock, the lease files and the last start's
# error (kept by design; checked on their own).
snapshot() {
	{
		ip -o link show | awk '{print $2}'
		# IPv6 DAD ends on its own schedule: "tentative" is not a change.
		ip -o addr show | sed 's/ tentative//'
		nft list ruleset
		find /run/netd /var/lib/netd /etc/qemu /etc/netd -type f \
			! -name netd.lock ! -name '*.leases' ! -path '*/last-error/*' | sort
		cat /etc/qemu/bridge.conf 2>/dev/null
		dnsmasq_pids
	} 2>&1
}

topo_upstream
printf 'allow br-admin\n' >/etc/qemu/bridge.conf
nd_ok define "$NS_SRC/nat.xml"
nd_ok define "$NS_SRC/isolated.xml"

say "-- failure at the firewall step"
must nft -f - <<'NFT'
table inet netd {
	chain admin {
	}
	map nat4 {
		type ipv4_addr : verdict
		flags interval
		elements = { 192.168.150.0/24 : jump admin }
	}
}
NFT
before=$(snapshot)
nd start nat
check "start nat: exit 1" eq "$RC" 1
check "start nat: the error names the firewall step" has "$ERR" "firewall"
check_gone nat virbr20 --keep-nft
check "nothing else changed (links, addresses, ruleset, files, processes)" \
	eq "$(snapshot)" "$before"
check "the conflicting table is left as it was" \
	has "$(nft list map inet netd nat4)" '192.168.150.0/24 : jump admin'
must nft delete table inet netd
nd start nat
check "without the conflict, start nat works" eq "$RC" 0
check "nat's dnsmasq runs" dnsmasq_pid nat
nd_ok stop nat

say "-- failure at the dnsmasq step"
socat -u UDP4-RECV:67 /dev/null </dev/null >"$T/blocker.log" 2>&1 &
blocker=$!
must wait_for 50 "another DHCP server on port 67" eval '[ -n "$(ss -Hluna "sport = :67")" ]'
before=$(snapshot)
nd start isolated
check "start isolated: exit 1" eq "$RC" 1
check "start isolated: the error names the dnsmasq step" has "$ERR" "dnsmasq"
check "start isolated: the error gives dnsmasq's reason" has "$ERR" "in use"
check "start isolated: the error names who holds the port" \
	has "$ERR" "port 67/udp on 0.0.0.0 is held by pid $blocker (socat)"
nd status isolated
check "status keeps the reason" \
	has "$OUT" "^last: *start failed at step 'dnsmasq': .*held by pid $blocker (socat)"
nd status isolated --json
check "status --json: last_error" \
	has "$(jq -r .last_error <<<"$OUT")" "^start failed at step 'dnsmasq': .*pid $blocker (socat)"
check "status --json: last_error_at" has "$(jq -r .last_error_at <<<"$OUT")" "^20..-..-..T"
nd list
check "list shows the failed network, with why" \
	has "$OUT" "^  last start failed at step 'dnsmasq': .*held by pid $blocker (socat)"
nd list --json
check "list --json: last_error" \
	has "$(jq -r '.[] | select(.name == "isolated") | .last_error' <<<"$OUT")" "pid $blocker (socat)"
check_gone isolated virbr22
check_not "no table inet netd (it was the only network)" table_exists
check "nothing else changed (links, addresses, ruleset, files, processes)" \
	eq "$(snapshot)" "$before"
kill "$blocker"
wait "$blocker" 2>/dev/null
nd start isolated
check "without the other server, start isolated works" eq "$RC" 0
nd status isolated --json
check "a start that works clears last_error" eq "$(jq -r .last_error <<<"$OUT")" null
nd list
check "list: no failure shown any more" lacks "$OUT" "last start failed"
check "isolated's dnsmasq runs" dnsmasq_pid isolated
guest_add g1 virbr22
check "g1: DHCP lease after the retry" guest_dhcp g1
nd_ok stop isolated --force
check "after the stops, bridge.conf is the administrator's" \
	eq "$(cat /etc/qemu/bridge.conf)" "allow br-admin"

say "-- failure at the bridge.conf step, the last one"
sed -e 's|<network>|<network xmlns:netd="urn:netd:network:1">|' \
	-e 's|</network>|  <netd:access group="no-such-group"/>\n</network>|' \
	"$NS_SRC/nat.xml" >"$T/grouped.xml"
nd_ok define "$T/grouped.xml"
before=$(snapshot)
nd start nat
check "start nat (group-only): exit 1" eq "$RC" 1
check "the error names the step" has "$ERR" "start failed at step 'bridge.conf'"
check "the error gives the cause" has "$ERR" "access group 'no-such-group' does not exist"
check "the cause is said once" eq "$(grep -o "no-such-group" <<<"$ERR" | wc -l)" 1
check "the cause comes before what was undone" \
	has "$ERR" "does not exist on this host; everything it had created was removed"
check_gone nat virbr20
check_not "no group ACL file left in /etc/qemu" \
	eval 'ls /etc/qemu | grep -v "^bridge.conf$" | grep -q .'
check "nothing else changed (links, addresses, ruleset, files, processes)" \
	eq "$(snapshot)" "$before"
