#!/bin/bash
# firewalld 1.3 (nftables backend, default zone public) on a private system
# bus: netd puts its bridge into the netd zone over D-Bus, runtime and
# permanent, so that guests get a lease, resolve through the bridge's DNS,
# reach upstream masqueraded and reach each other -- with firewalld started
# before netd, after netd (then `netd apply` binds it, as netd-firewall.service
# does), after `firewall-cmd --reload` and after a firewalld restart. A
# binding lost is drift that apply repairs; a zone an administrator chose is
# left alone; <bridge zone='NAME'/> is honoured; stop removes exactly what
# netd added and leaves firewalld's table as firewalld makes it. With
# `firewalld = no` in netd.conf the guest gets no lease: the test can fail.
# Usage: firewalld.sh NETD_BINARY
# Private namespaces only (lib.sh): the bus, firewalld and its config all
# live in the test's mount, network and pid namespaces.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

for c in firewalld firewall-cmd dbus-daemon; do
	command -v $c >/dev/null || die "missing '$c' (setup.sh test installs firewalld)"
done

BR=virbr31 GW=192.168.161.1 NET=fwd
ZONES=$(cd "$NS_SRC/../../install/firewalld" && pwd)

# firewalld's configuration on a tmpfs (Debian's firewalld.conf copied in),
# with netd's zone and policy where an administrator's would go. /run is
# already the test's own tmpfs: the bus socket /run/dbus lands there.
must cp -a /etc/firewalld "$T/firewalld.etc"
must mount -t tmpfs -o mode=0755 netd-test /etc/firewalld
must cp -a "$T/firewalld.etc/." /etc/firewalld/
must mkdir -p /etc/firewalld/zones /etc/firewalld/policies
must cp "$ZONES/netd.xml" /etc/firewalld/zones/
must cp "$ZONES/netd-to-host.xml" /etc/firewalld/policies/
check "firewalld's backend is nftables" grep -qx FirewallBackend=nftables /etc/firewalld/firewalld.conf
check "firewalld's default zone is public" grep -qx DefaultZone=public /etc/firewalld/firewalld.conf

must mkdir -p /run/dbus
dbus-daemon --system --nofork --nopidfile </dev/null >"$T/dbus.log" 2>&1 &
must wait_for 100 "the private system bus" test -S /run/dbus/system_bus_socket

fc() { timeout 10 firewall-cmd "$@" 2>&1; }
fwd_running() { [ "$(timeout 5 firewall-cmd --state 2>/dev/null)" = running ]; }
FWD_PID=
fwd_start() {
	firewalld --nofork --nopid --log-target file --log-file "$T/firewalld.log" \
		</dev/null >>"$T/firewalld.out" 2>&1 &
	FWD_PID=$!
	local n=60
	while ((n-- > 0)); do
		fwd_running && return 0
		sleep 0.5
	done
	tail -n 20 "$T/firewalld.log" "$T/firewalld.out"
	die "firewalld did not come up"
}
fwd_stop() {
	kill "$FWD_PID"
	local n=100
	while ((n-- > 0)) && kill -0 "$FWD_PID" 2>/dev/null; do sleep 0.1; done
	kill -0 "$FWD_PID" 2>/dev/null && die "firewalld did not stop"
	wait "$FWD_PID" 2>/dev/null
	FWD_PID=
}
rt_zone() { fc --get-zone-of-interface="$BR"; }
perm_zone() { fc --permanent --get-zone-of-interface="$BR"; }
perm_lists() { ! fc --permanent --zone="$1" --list-interfaces | grep -qw "$BR"; }
fwd_json() { nd status $NET --json; }

cat >"$T/$NET.xml" <<EOF
<network>
  <name>$NET</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off' delay='0'/>
  <dns><host ip='192.168.161.53'><hostname>printer</hostname></host></dns>
  <ip address='$GW' prefix='24'>
    <dhcp><range start='192.168.161.100' end='192.168.161.199'/></dhcp>
  </ip>
</network>
EOF

# reach WHEN: a guest gets a lease and resolves through the bridge's DNS,
# reaches upstream masqueraded, and a second guest on the bridge.
reach() {
	local when=$1 g1 seen
	check "$when: g1 gets a lease" guest_dhcp g1
	g1=$L_IP
	check "$when: g1 resolves printer through $GW" eq "$(guest_dig g1 $GW printer)" 192.168.161.53
	seen=$(guest_tcp g1)
	check "$when: g1 reaches upstream masqueraded ($seen)" eq "$seen" "$HOST_UP_IP"
	check "$when: g2 gets a lease" guest_dhcp g2
	check "$when: g2 reaches g1 on the bridge" ip netns exec g2 busybox ping -c 1 -W 2 "$g1"
}

# The bridge goes at stop and its ports with it: wire the guests to the new
# one after each start.
reattach() {
	local g
	for g in g1 g2; do
		must ip link set "$g-br" master $BR up
		must wait_for 150 "port $g-br of $BR forwarding" port_forwarding "$g-br"
	done
}
# What firewalld's table has, less the chains it makes for a zone on first
# use and keeps (their rules name no interface): the dispatch chains.
check_not_link() { ! link_exists $BR; }
fw_dispatch() { nft list table inet firewalld | grep -E 'iifname|oifname'; }

topo_upstream
nd_ok define "$T/$NET.xml"

say "-- firewalld first, then netd"
fwd_start
check "netd's zone is known to firewalld" has "$(fc --get-zones)" '\bnetd\b'
fw_table0=$(nft list table inet firewalld)
fw_dispatch0=$(fw_dispatch)
nd start $NET
check "start: exit 0" eq "$RC" 0
check "runtime: $BR in zone netd" eq "$(rt_zone)" netd
check "permanent: $BR in zone netd" eq "$(perm_zone)" netd
fwd_json
check "status --json: firewalld running, bound in netd" \
	eq "$(jq -c .firewalld <<<"$OUT")" '{"enabled":true,"running":true,"zone":"netd","bound":true,"current":"netd"}'
check "status --json: no drift" eq "$(jq -c .drift <<<"$OUT")" '[]'
guest_add g1 $BR
guest_add g2 $BR
reach "firewalld first"

say "-- firewall-cmd --reload"
check "reload" fc --reload
check "after reload: $BR still in zone netd" eq "$(rt_zone)" netd
reach "after reload"

say "-- firewalld restarted"
fwd_stop
fwd_start
check "after restart: $BR in zone netd" eq "$(rt_zone)" netd
reach "after restart"

say "-- a lost binding is drift, repaired by apply"
check "remove the runtime binding behind netd's back" fc --zone=netd --remove-interface=$BR
nd status $NET
check "status names it" has "$OUT" "firewalld: $BR is not in zone netd"
nd apply $NET
check "apply: exit 0" eq "$RC" 0
check "after apply: $BR in zone netd" eq "$(rt_zone)" netd

say "-- stop"
nd stop $NET --force
check "stop: exit 0" eq "$RC" 0
check "runtime: $BR in no zone" eq "$(rt_zone)" "no zone"
check "permanent: public does not list $BR" perm_lists public
check "permanent: netd does not list $BR" perm_lists netd
check "no zone file names $BR (firewalld's *.old backups aside)" \
	eval "! grep -rqw --exclude='*.old' $BR /etc/firewalld/zones"
check "firewalld's rules name no $BR" eq "$(fw_dispatch)" "$fw_dispatch0"
check "reload" fc --reload
check "after reload: table inet firewalld is as firewalld made it" \
	eq "$(nft list table inet firewalld)" "$fw_table0"

say "-- netd first, then firewalld"
fwd_stop
t0=$(date +%s%N)
nd start $NET
ms=$((($(date +%s%N) - t0) / 1000000))
check "start without firewalld: exit 0" eq "$RC" 0
check "start without firewalld on the bus: no delay (${ms} ms)" eval "[ $ms -le 3000 ]"
fwd_json
check "status --json: firewalld not running" \
	eq "$(jq -c .firewalld <<<"$OUT")" '{"enabled":true,"running":false,"zone":"netd","bound":false,"current":null}'
fwd_start
reattach
nd status $NET
check "status: the bridge is not in the zone yet" has "$OUT" "firewalld: $BR is not in zone netd"
nd apply $NET
check "apply (what netd-firewall.service runs): exit 0" eq "$RC" 0
check "after apply: $BR in zone netd" eq "$(rt_zone)" netd
check "after apply: permanent too" eq "$(perm_zone)" netd
reach "netd first"
check "reload" fc --reload
reach "netd first, after reload"
nd stop $NET --force
check "stop: $BR in no zone" eq "$(rt_zone)" "no zone"
check "stop: permanent netd does not list $BR" perm_lists netd

say "-- stopped while firewalld is down: the permanent binding goes at the next stop"
nd start $NET
check "start: exit 0" eq "$RC" 0
fwd_stop
nd stop $NET --force
check "stop: exit 0" eq "$RC" 0
check "stop says the permanent binding stays" has "$OUT" "firewalld is not running: $BR stays in zone netd"
fwd_start
check "firewalld back: permanent netd still lists $BR" eval "! perm_lists netd"
nd start $NET
check "start: exit 0" eq "$RC" 0
nd stop $NET --force
check "the next stop: runtime no zone" eq "$(rt_zone)" "no zone"
check "the next stop: permanent netd does not list $BR" perm_lists netd

say "-- moved to another zone by the administrator while running: stop leaves it"
nd start $NET
check "start: exit 0" eq "$RC" 0
check "admin: $BR moved to trusted" fc --zone=trusted --change-interface=$BR
nd stop $NET --force
check "stop: exit 0" eq "$RC" 0
check "stop says it left trusted alone" has "$OUT" "is now in zone trusted, not netd's netd"
check "stop: runtime still trusted" eq "$(rt_zone)" trusted
check "stop: permanent netd does not list $BR" perm_lists netd
check "admin: $BR out of trusted" fc --zone=trusted --remove-interface=$BR

say "-- a zone the administrator chose is left alone"
check "admin: $BR into trusted" fc --zone=trusted --add-interface=$BR
nd start $NET
check "start: exit 0" eq "$RC" 0
check "start says it left trusted alone" has "$OUT" "is in zone trusted (not netd's doing)"
check "runtime: still trusted" eq "$(rt_zone)" trusted
check "permanent: not put in netd either" eq "$(perm_zone)" "no zone"
fwd_json
check "status --json: not bound, currently trusted" \
	eq "$(jq -c .firewalld <<<"$OUT")" '{"enabled":true,"running":true,"zone":"netd","bound":false,"current":"trusted"}'
nd status $NET
check "status: no firewalld drift" lacks "$OUT" "firewalld:"
nd stop $NET --force
check "stop: $BR still in trusted" eq "$(rt_zone)" trusted
check "admin: $BR out of trusted" fc --zone=trusted --remove-interface=$BR

say "-- <bridge zone='trusted'/>"
sed "s|<bridge name='$BR'|<bridge zone='trusted' name='$BR'|" "$T/$NET.xml" >"$T/$NET-z.xml"
nd_ok define "$T/$NET-z.xml"
nd dumpxml $NET
check "dumpxml keeps zone='trusted'" has "$OUT" "zone='trusted'"
nd start $NET
check "start: exit 0" eq "$RC" 0
check "runtime: $BR in trusted" eq "$(rt_zone)" trusted
check "permanent: $BR in trusted" eq "$(perm_zone)" trusted
nd stop $NET --force
check "stop: $BR in no zone" eq "$(rt_zone)" "no zone"
check "stop: permanent trusted does not list $BR" perm_lists trusted

say "-- a zone firewalld does not know: start fails, naming the call, and leaves nothing"
sed "s|<bridge name='$BR'|<bridge zone='nosuchzone' name='$BR'|" "$T/$NET.xml" >"$T/$NET-z.xml"
nd_ok define "$T/$NET-z.xml"
nd start $NET
check "start: exit 1" eq "$RC" 1
check "start: names the step, the call and firewalld's error" \
	has "$ERR" "step 'firewalld'.*firewalld has no zone 'nosuchzone'.*getZoneByName.*INVALID_ZONE"
check "start: no bridge left" check_not_link
check "start: no binding left" eq "$(perm_zone)" "no zone"
nd_ok define "$T/$NET.xml"

say "-- firewalld = no in netd.conf: the guest gets no lease"
printf 'firewalld = no\n' >/etc/netd/netd.conf
nd start $NET
check "start: exit 0" eq "$RC" 0
check "runtime: $BR in no zone" eq "$(rt_zone)" "no zone"
fwd_json
check "status --json: integration off" \
	eq "$(jq -c .firewalld <<<"$OUT")" '{"enabled":false,"running":true,"zone":"netd","bound":false,"current":null}'
# Off is the administrator's choice, not drift of netd's binding; but
# firewalld's reject still blocks the guests, and status says so.
check "status --json: no firewalld binding drift while off" \
	eq "$(jq -c '[.drift[] | select(startswith("firewalld:"))]' <<<"$OUT")" '[]'
check "status --json: firewalld's table named as what blocks the network" \
	jq -e '.host_firewall.blockers | any(.table == "firewalld" and .owner == "firewalld")' <<<"$OUT"
check "status --json: drift is not none while firewalld blocks" \
	jq -e '.drift | any(startswith("host firewall: table inet firewalld"))' <<<"$OUT"
reattach
check_not "integration off: g1 gets no lease" guest_dhcp g1
check "integration off: g1 gets no lease, udhcpc did try" grep -q "broadcasting discover" "$T/g1.udhcpc"
nd stop $NET --force
rm -f /etc/netd/netd.conf
check "firewalld's rules name no $BR at the end" eq "$(fw_dispatch)" "$fw_dispatch0"
check "reload" fc --reload
check "at the end, after reload: table inet firewalld is as firewalld made it" \
	eq "$(nft list table inet firewalld)" "$fw_table0"

say "-- netd in another network namespace than firewalld's: hands off"
# As when netd is tried inside 'unshare --net' on a host running firewalld:
# the system bus is the same, but firewalld's zones apply to its own
# namespace, and its permanent configuration must not learn the name.
other=$(unshare --net sh -c '
	ip link set lo up
	"$1" start "$2" >/dev/null 2>&1 || { echo "start failed"; exit 0; }
	"$1" status "$2" --json | jq -c .firewalld
	echo "while running, permanent: $(firewall-cmd --permanent --get-zone-of-interface="$3" 2>&1)"
	"$1" stop "$2" >/dev/null 2>&1 || echo "stop failed"
' sh "$NETD" "$NET" "$BR" 2>&1)
check "another namespace: firewalld counted as not running there" \
	has "$other" '"running":false'
check "another namespace: no permanent binding while it ran" \
	has "$other" "while running, permanent: no zone"
check "another namespace: no runtime binding" eq "$(rt_zone)" "no zone"
check "another namespace: no permanent binding" eq "$(perm_zone)" "no zone"
