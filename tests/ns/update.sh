#!/bin/bash
# netd update on a running network: static DHCP hosts and DNS hosts go
# live with a SIGHUP (same dnsmasq pid, a guest holding a lease renews to
# the same address, a new guest with the added MAC gets its fixed address,
# dig sees a new name at once); SRV, TXT and range changes restart dnsmasq
# keeping its lease file; --config and --live change one side only; every
# rejected snippet leaves the stored config, the runtime record and
# dnsmasq's files byte-identical and dnsmasq untouched.
# Usage: update.sh NETD_BINARY
# Private namespaces only (ns_enter in lib.sh).
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr20 GW=192.168.150.1 MAC4=52:54:00:15:00:0b
D=/var/lib/netd/dnsmasq
FILES="/etc/netd/networks/nat.xml /run/netd/nat.xml $D/nat.conf $D/nat.hostsfile $D/nat.addnhosts"
snap() { sha256sum $FILES; }
leases_has() { grep -q -- "$1" "$D/nat.leases"; }

topo_upstream
nd_ok define "$NS_SRC/nat.xml"
nd_ok start nat
pid=$(dnsmasq_pid nat)
check "dnsmasq of nat runs" test -n "$pid"
guest_add g1 $BR 52:54:00:15:00:01
check "g1: DHCP lease" guest_dhcp g1
G1=$L_IP

# ---- dhcp hosts: SIGHUP, no restart -------------------------------------------
nd update nat add ip-dhcp-host "<host mac='$MAC4' name='second' ip='192.168.150.11'/>"
check "add host: exit 0" eq "$RC" 0
check "add host: says reloaded with SIGHUP" has "$OUT" \
	"network 'nat': dhcp host added; dnsmasq reloaded (SIGHUP, pid $pid)"
check "add host: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"
check "add host: hostsfile has it" has "$(cat $D/nat.hostsfile)" "$MAC4,192.168.150.11,second"
check "add host: stored config has it" has "$(cat /etc/netd/networks/nat.xml)" "$MAC4"
check "add host: runtime record has it" has "$(cat /run/netd/nat.xml)" "$MAC4"
check "g1 renews to the same address" guest_dhcp g1
check "g1: still $G1" eq "$L_IP" "$G1"
guest_add g4 $BR $MAC4
check "g4 (the added MAC): DHCP lease" guest_dhcp g4
check "g4: the fixed address" eq "$L_IP" 192.168.150.11

nd update nat modify ip-dhcp-host "<host mac='$MAC4' name='second' ip='192.168.150.12'/>"
check "modify host: exit 0" eq "$RC" 0
check "modify host: reloaded, same pid" has "$OUT" "dhcp host modified; dnsmasq reloaded (SIGHUP, pid $pid)"
check "modify host: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"
check "g4 gets the new fixed address" guest_dhcp g4
check "g4: 192.168.150.12" eq "$L_IP" 192.168.150.12

nd update nat delete ip-dhcp-host "<host mac='$MAC4'/>"
check "delete host: exit 0" eq "$RC" 0
check "delete host: reloaded, same pid" has "$OUT" "dhcp host deleted; dnsmasq reloaded (SIGHUP, pid $pid)"
check "delete host: gone from the hostsfile" lacks "$(cat $D/nat.hostsfile)" "$MAC4"
check "delete host: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"
check "g1 renews to the same address" guest_dhcp g1
check "g1: still $G1" eq "$L_IP" "$G1"

# ---- dns hosts: SIGHUP -------------------------------------------------------
check "before: scanner does not resolve to its address" lacks "$(guest_dig g1 $GW scanner)" 192.168.150.54
nd update nat add dns-host "<host ip='192.168.150.54'><hostname>scanner</hostname></host>"
check "add dns host: exit 0" eq "$RC" 0
check "add dns host: reloaded, same pid" has "$OUT" "dns host added; dnsmasq reloaded (SIGHUP, pid $pid)"
check "add dns host: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"
check "g1 resolves scanner at once" eq "$(guest_dig g1 $GW scanner)" 192.168.150.54

# ---- srv, txt, range: restart, leases kept -------------------------------------
restarted() { # OUT OLD: the output names OLD -> the pid running now
	local now
	now=$(dnsmasq_pid nat) || return 1
	[ "$now" != "$2" ] && has "$1" "dnsmasq restarted (pid $2 -> $now), leases kept"
}
nd update nat add dns-srv "<srv service='ldap' protocol='tcp' target='printer' port='389'/>"
check "add srv: exit 0" eq "$RC" 0
check "add srv: dnsmasq restarted" restarted "$OUT" "$pid"
pid=$(dnsmasq_pid nat)
check "add srv: the lease file kept g1" leases_has "$G1"
check "g1 sees the SRV record" has \
	"$(timeout 10 ip netns exec g1 dig +short +time=2 +tries=2 @$GW _ldap._tcp SRV)" "389 printer"
check "g1 renews to the same address after the restart" guest_dhcp g1
check "g1: still $G1" eq "$L_IP" "$G1"

nd update nat add dns-txt "<txt name='info' value='hello'/>"
check "add txt: exit 0" eq "$RC" 0
check "add txt: dnsmasq restarted" restarted "$OUT" "$pid"
pid=$(dnsmasq_pid nat)
check "g1 sees the TXT record" has \
	"$(timeout 10 ip netns exec g1 dig +short +time=2 +tries=2 @$GW info TXT)" '"hello"'

nd update nat modify ip-dhcp-range "<range start='192.168.150.100' end='192.168.150.220'/>"
check "modify range: exit 0" eq "$RC" 0
check "modify range: dnsmasq restarted" restarted "$OUT" "$pid"
pid=$(dnsmasq_pid nat)
check "modify range: the config has the new range" has "$(cat $D/nat.conf)" "192.168.150.220"
check "g1 renews to the same address after the range change" guest_dhcp g1
check "g1: still $G1" eq "$L_IP" "$G1"

# ---- one side only ---------------------------------------------------------------
before=$(sha256sum /run/netd/nat.xml $D/nat.conf $D/nat.hostsfile $D/nat.addnhosts)
nd update nat add ip-dhcp-host "<host mac='52:54:00:15:00:0c' ip='192.168.150.13'/>" --config
check "--config: exit 0" eq "$RC" 0
check "--config: says the running network is unchanged" has "$OUT" "persistent config only"
check "--config: stored config has it" has "$(cat /etc/netd/networks/nat.xml)" 52:54:00:15:00:0c
check "--config: runtime record and dnsmasq files unchanged" eq \
	"$(sha256sum /run/netd/nat.xml $D/nat.conf $D/nat.hostsfile $D/nat.addnhosts)" "$before"
check "--config: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"
stored=$(sha256sum /etc/netd/networks/nat.xml)
nd update nat add dns-host "<host ip='192.168.150.55'><hostname>plotter</hostname></host>" --live
check "--live: exit 0" eq "$RC" 0
check "--live: says the persistent config is unchanged" has "$OUT" "running network only"
check "--live: stored config unchanged" eq "$(sha256sum /etc/netd/networks/nat.xml)" "$stored"
check "--live: runtime record has it" has "$(cat /run/netd/nat.xml)" plotter
check "--live: g1 resolves plotter" eq "$(guest_dig g1 $GW plotter)" 192.168.150.55
check "--live: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"

# ---- rejected snippets change nothing ---------------------------------------------
before=$(snap)
bad() { # WHAT ARGS...: rejected, one line on stderr, nothing changed
	local what=$1
	shift
	nd update nat "$@"
	check "$what: exit non-zero" test "$RC" -ne 0
	check "$what: one-line message" eq "$(printf '%s\n' "$ERR" | grep -c '^netd')" 1
	check "$what: files byte-identical" eq "$(snap)" "$before"
	check "$what: same dnsmasq" eq "$(dnsmasq_pid nat)" "$pid"
}
bad "malformed XML" add ip-dhcp-host "<host mac='52:54:00:15:00:0d' ip='192.168.150.14'"
bad "bad MAC" add ip-dhcp-host "<host mac='52:54:00:15:00' ip='192.168.150.14'/>"
bad "IP outside the subnet" add ip-dhcp-host "<host mac='52:54:00:15:00:0d' ip='10.1.2.3'/>"
bad "duplicate MAC" add ip-dhcp-host "<host mac='52:54:00:15:00:0a' ip='192.168.150.14'/>"
bad "duplicate IP" add ip-dhcp-host "<host mac='52:54:00:15:00:0d' ip='192.168.150.10'/>"
bad "delete of a missing host" delete ip-dhcp-host "<host mac='52:54:00:15:00:0e'/>"
bad "unknown section" add ip-dhcp-bootp "<bootp file='x'/>"
check "unknown section: usage error (2)" eq "$RC" 2
bad "wrong element" add dns-txt "<host ip='192.168.150.5'><hostname>x</hostname></host>"
bad "range outside the subnet" add ip-dhcp-range "<range start='192.168.151.1' end='192.168.151.9'/>"
bad "range over the gateway" modify ip-dhcp-range "<range start='192.168.150.100' end='192.168.150.255'/>"
bad "bad TXT value" add dns-txt "<txt name='x' value='a\"b'/>"
bad "bad host name" add dns-host "<host ip='192.168.150.56'><hostname>a b</hostname></host>"
bad "duplicate SRV" add dns-srv "<srv service='ldap' protocol='tcp' target='printer' port='389'/>"
bad "DOCTYPE" add dns-txt "<!DOCTYPE txt [<!ENTITY x 'y'>]><txt name='x' value='&x;'/>"

# ---- a snippet from a file; a stopped network ----------------------------------
echo "<txt name='fromfile' value='yes'/>" >"$T/txt.xml"
nd update nat add dns-txt "$T/txt.xml"
check "from a file: exit 0" eq "$RC" 0
check "from a file: stored" has "$(cat /etc/netd/networks/nat.xml)" fromfile
nd_ok stop nat --force # the guests are still on the bridge
nd update nat add dns-txt "<txt name='stopped' value='yes'/>" --live
check "--live on a stopped network: exit 1" eq "$RC" 1
check "--live on a stopped network: says why" has "$ERR" "not running"
nd update nat add dns-txt "<txt name='stopped' value='yes'/>"
check "stopped: exit 0" eq "$RC" 0
check "stopped: the config alone" has "$OUT" "dns txt record added (persistent config)$"
check "stopped: no dnsmasq started" no_dnsmasq
nd_ok start nat
check "start: the stored updates are live" has "$(cat $D/nat.conf)" "txt-record=stopped"
nd_ok stop nat --force
