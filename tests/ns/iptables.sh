#!/bin/bash
# netd next to the real iptables-nft: Docker 28's rule layout (FORWARD policy
# drop, DOCKER-USER) and ufw enabled with its shipped defaults (INPUT and
# FORWARD drop). In both orders (the tool first, netd first) and after the
# tool reloads followed by `netd apply`, a guest gets a lease, resolves a
# name through the bridge's DNS, reaches upstream masqueraded and reaches a
# second guest on the bridge. netd's accepts are shared by its networks
# (interface group 0x6e657464 of netd's bridges): a second network adds
# none, the last stop takes them, a boot of several inserts them once, and
# a network's rules of an older netd ("netd:NAME") are replaced. They are
# in a shape iptables-save prints faithfully and iptables-restore
# reproduces; status names them when they are gone; stop leaves the tool's
# rules exactly as they were. With `iptables = no` in netd.conf nothing is
# inserted and Docker's drop wins.
# Usage: iptables.sh NETD_BINARY
. "$(dirname "$0")/lib.sh"
ns_enter "$@"
for c in iptables iptables-save iptables-restore ufw; do
	command -v "$c" >/dev/null || die "missing '$c' (setup.sh test installs iptables, ufw)"
done
has "$(iptables --version)" nf_tables || skip "iptables is not iptables-nft: $(iptables --version)"

BR=virbr20 GW=192.168.150.1 NET=192.168.150.0/24
topo_upstream
nd_ok define "$NS_SRC/nat.xml"

# iptables-save without its date lines, counters zeroed.
ipt_save() {
	{ iptables-save; ip6tables-save; } | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]/[0:0]/'
}
# The ruleset but table inet netd, counters zeroed.
foreign_nft() {
	nft list ruleset | awk '/^table inet netd \{/ { skip = 1 } !skip { print } /^\}/ { skip = 0 }' |
		sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
}
# netd's rules in iptables-save's form.
G=0x6e657464
netd_rules() { ipt_save | grep -E -- '--comment "?netd'; }

# Guests g1 and g2 on the running network's bridge (anew for each case).
guests() {
	local g
	for g in g1 g2; do
		ip netns del $g 2>/dev/null
		ip link del $g-br 2>/dev/null
	done
	guest_add g1 $BR 52:54:00:15:00:01
	guest_add g2 $BR 52:54:00:15:00:02
}

# What a guest must get: a lease, DNS, NAT upstream, the other guest.
works() {
	local what=$1 seen
	check "$what: g1 gets a lease" guest_dhcp g1
	local g1=$L_IP
	check "$what: g2 gets a lease" guest_dhcp g2
	local g2=$L_IP
	check "$what: g1 resolves printer through $GW" \
		eq "$(guest_dig g1 $GW printer)" 192.168.150.53
	seen=$(guest_tcp g1)
	check "$what: g1 reaches upstream masqueraded (saw '$seen')" eq "$seen" "$HOST_UP_IP"
	check "$what: g1 pings g2" ip netns exec g1 busybox ping -c 1 -W 2 "$g2"
	timeout 10 ip netns exec g1 socat -T 5 TCP4-LISTEN:7000,reuseaddr SYSTEM:'echo hi' &
	wait_for 50 "g1 listening" eval '[ -n "$(ip netns exec g1 ss -Htln "sport = :7000")" ]'
	seen=$(timeout 10 ip netns exec g2 socat -T 5 -u "TCP4:$g1:7000,connect-timeout=3" STDOUT 2>&1)
	check "$what: g2 reaches g1 over tcp (got '$seen')" eq "$seen" hi
	wait $! 2>/dev/null
}

no_drift() {
	nd status nat --json
	check "$1: status says no drift" jq -e '.drift == []' <<<"$OUT"
}

# Every rule of netd's is printed with all its matches, and a save/restore
# round trip gives the same rules back (and netd still knows them: no
# drift). faithful WHAT [noinput]: noinput when ip filter has no INPUT chain
# (Docker alone never creates it), so netd inserts nothing there.
faithful() {
	local what=$1 rules before after n=5
	rules=$(netd_rules)
	if [ "${2:-}" = noinput ]; then
		n=2
		check "$what: no INPUT chain, none created" \
			lacks "$(nft list table ip filter)" "chain INPUT"
	else
	check "$what: iptables-save prints the DHCP accept" \
		has "$rules" "-p udp -m devgroup --src-group $G -m udp --dport 67 -m comment --comment netd -j ACCEPT"
	check "$what: ... the DNS accepts" \
		has "$rules" "-p udp -m devgroup --src-group $G -m udp --dport 53 -m comment --comment netd -j ACCEPT"
	check "$what: ... (tcp)" \
		has "$rules" "-p tcp -m devgroup --src-group $G -m tcp --dport 53 -m comment --comment netd -j ACCEPT"
	fi
	check "$what: ... forward from netd's bridges" \
		has "$rules" "-m devgroup --src-group $G -m comment --comment netd -j ACCEPT"
	check "$what: ... forward to them" \
		has "$rules" "-m devgroup --dst-group $G -m comment --comment netd -j ACCEPT"
	check "$what: $n rules of netd's, no bare -j ACCEPT" eq "$(wc -l <<<"$rules")" $n
	check "$what: no rule without a match" lacks "$(ipt_save)" "^-A [A-Z-]* -j ACCEPT$"

	check "$what: iptables-save knows every rule (no incompatible table)" \
		lacks "$(iptables-save 2>&1)" "incompatible\|Parsing nftables rule failed"
	before=$(ipt_save)
	iptables-save | iptables-restore
	after=$(ipt_save)
	check "$what: iptables-save | iptables-restore reproduces the rules" eq "$after" "$before"
	if [ "${2:-}" = noinput ]; then
		# iptables-restore created every built-in chain, INPUT too.
		nd status nat --json
		check "$what: after the round trip, drift is INPUT's alone" jq -e \
			'.drift == ["firewall: iptables chain ip filter INPUT lacks netd'"'"'s accepts for virbr20"]' \
			<<<"$OUT"
		nd_ok apply
	fi
	no_drift "$what: after the round trip"
}

# ---- Docker 28 ----------------------------------------------------------------
docker_up() { iptables-restore -n <"$NS_SRC/docker28.rules"; }
# A dockerd restart: its jumps go and come back, its chains are flushed and
# filled again (DOCKER-USER, with netd's rules in it, included).
docker_reload() {
	iptables -D FORWARD -j DOCKER-USER
	iptables -D FORWARD -j DOCKER-FORWARD
	iptables -t nat -D PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
	iptables -t nat -D OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
	iptables -t nat -D POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	docker_up
}

say "-- Docker first, then netd"
nft flush ruleset
must docker_up
ipt0=$(ipt_save) nft0=$(foreign_nft)
nd plan nat
check "docker first: plan lists the DOCKER-USER accepts" has "$OUT" \
	"^-I DOCKER-USER 1 -m devgroup --src-group $G -m comment --comment netd -j ACCEPT$"
check "docker first: plan changed nothing" eq "$(ipt_save)" "$ipt0"
nd start nat
check "docker first: start exit 0" eq "$RC" 0
guests
works "docker first"
no_drift "docker first"
check "docker first: forward accepts are in DOCKER-USER" \
	has "$(iptables -S DOCKER-USER)" "-A DOCKER-USER -m devgroup --src-group $G"
check "docker first: the bridge is in netd's interface group" \
	eq "$(ip -j link show $BR | jq -r '.[0].group')" $((G))
check "docker first: FORWARD has no netd rule" lacks "$(iptables -S FORWARD)" "netd"
nd stop nat --force
check "docker first: stop exit 0" eq "$RC" 0
check "docker first: stop leaves iptables-save as it was" eq "$(ipt_save)" "$ipt0"
check "docker first: stop leaves the foreign nft tables as they were" eq "$(foreign_nft)" "$nft0"
nd_ok start nat
guests
faithful "docker first" noinput

say "-- Docker reloads; netd apply"
docker_reload
nd status nat --json
check "docker reload: drift names DOCKER-USER" jq -e \
	'.drift | any(test("iptables chain ip filter DOCKER-USER lacks netd.s accepts for virbr20"))' \
	<<<"$OUT"
seen=$(guest_tcp g1)
check_not "docker reload: g1 no longer reaches upstream (saw '$seen')" eq "$seen" "$HOST_UP_IP"
nd apply
check "docker reload: apply exit 0" eq "$RC" 0
works "docker reload + apply"
no_drift "docker reload + apply"
ipt1=$(ipt_save | grep -v -- "--comment netd")
nd_ok stop nat --force
check "docker reload: stop takes netd's rules only" eq "$(ipt_save)" "$ipt1"

say "-- netd first, then Docker"
nft flush ruleset
# ip filter INPUT and FORWARD exist, as on a host with any iptables rule.
iptables -P INPUT ACCEPT
iptables -P FORWARD ACCEPT
nd_ok start nat
check "netd first: netd's accepts at the top of INPUT" \
	has "$(iptables -S INPUT | sed -n 2,4p | grep -c -- '--comment netd')" 3
check "netd first: forward accepts in FORWARD" has "$(iptables -S FORWARD)" "--src-group $G"
must docker_up
nd status nat --json
# Docker's jumps now come first in FORWARD; netd's accepts there still
# work (DOCKER-FORWARD returns), but their place is DOCKER-USER.
check "netd first: drift says FORWARD's accepts belong elsewhere" jq -e \
	'.drift | any(test("iptables chain ip filter FORWARD has netd.s accepts"))' <<<"$OUT"
check "netd first: drift says DOCKER-USER lacks them" jq -e \
	'.drift | any(test("iptables chain ip filter DOCKER-USER lacks netd.s accepts"))' <<<"$OUT"
nd apply
check "netd first: apply exit 0" eq "$RC" 0
guests
works "netd first, then docker"
no_drift "netd first, then docker"
faithful "netd first, then docker"
check "netd first: FORWARD has no netd rule after apply" lacks "$(iptables -S FORWARD)" "netd"
nd_ok stop nat --force
check "netd first: stop leaves no netd rule" lacks "$(ipt_save)" "netd"

# ---- the switch off -------------------------------------------------------------
say "-- iptables = no, Docker"
nft flush ruleset
must docker_up
echo "iptables = no" >/etc/netd/netd.conf
ipt0=$(ipt_save)
nd_ok start nat
check "switch off: nothing inserted" eq "$(ipt_save)" "$ipt0"
guests
check "switch off: g1 still gets a lease (Docker leaves INPUT open)" guest_dhcp g1
seen=$(guest_tcp g1)
check_not "switch off: g1 gets no NAT through Docker's FORWARD drop (saw '$seen')" \
	eq "$seen" "$HOST_UP_IP"
nd_ok stop nat --force
rm /etc/netd/netd.conf

# ---- ufw ---------------------------------------------------------------------
ufw_setup() {
	must mkdir -p "$T/ufw"
	must cp -a /etc/ufw/. "$T/ufw/"
	must mount -t tmpfs -o mode=0755 netd-test-ufw /etc/ufw
	must cp -a "$T/ufw/." /etc/ufw/
}
ufw_up() { ufw --force enable >"$T/ufw.log" 2>&1 || { cat "$T/ufw.log"; return 1; }; }
ufw_off() { ufw --force disable >"$T/ufw.log" 2>&1 || cat "$T/ufw.log"; }
ufw_setup

say "-- ufw first, then netd"
nft flush ruleset
must ufw_up
ipt0=$(ipt_save) nft0=$(foreign_nft)
nd start nat
check "ufw first: start exit 0" eq "$RC" 0
guests
works "ufw first"
no_drift "ufw first"
nd_ok stop nat --force
check "ufw first: stop leaves iptables-save as it was" eq "$(ipt_save)" "$ipt0"
check "ufw first: stop leaves the foreign nft tables as they were" eq "$(foreign_nft)" "$nft0"

say "-- ufw reloads; netd apply"
nd_ok start nat
guests
faithful "ufw first"
ufw reload >"$T/ufw.log" 2>&1 || cat "$T/ufw.log"
no_drift "ufw reload (before apply)"
nd apply
check "ufw reload: apply exit 0" eq "$RC" 0
works "ufw reload + apply"
no_drift "ufw reload + apply"
ipt1=$(ipt_save | grep -v -- "--comment netd")
nd_ok stop nat --force
check "ufw reload: stop takes netd's rules only" eq "$(ipt_save)" "$ipt1"

say "-- netd first, then ufw"
ufw_off
nft flush ruleset
iptables -P INPUT ACCEPT
iptables -P FORWARD ACCEPT
nd_ok start nat
must ufw_up
# ufw appends its jumps: netd's accepts stay above them.
no_drift "netd first, then ufw enable"
nd apply
check "netd first, then ufw: apply exit 0" eq "$RC" 0
guests
works "netd first, then ufw"
no_drift "netd first, then ufw"
faithful "netd first, then ufw"
nd_ok stop nat --force
check "netd first, then ufw: stop leaves no netd rule" lacks "$(ipt_save)" "netd"

# ---- IPv6: ip6 filter, with ufw still enabled ---------------------------------
say "-- a dual-stack network next to ufw"
nd_ok define "$NS_TEMPLATES/dual-stack.xml"
ipt0=$(ipt_save)
nd start dualstack
check "dual-stack: start exit 0" eq "$RC" 0
rules6=$(ip6tables-save | grep -F -- '--comment netd')
check "dual-stack: ip6tables-save prints the DHCPv6 accept" has "$rules6" \
	"-A INPUT -p udp -m devgroup --src-group $G -m udp --dport 547 -m comment --comment netd -j ACCEPT"
check "dual-stack: ... forward from netd's bridges" has "$rules6" \
	"-A FORWARD -m devgroup --src-group $G -m comment --comment netd -j ACCEPT"
check "dual-stack: ... to them" has "$rules6" \
	"-A FORWARD -m devgroup --dst-group $G -m comment --comment netd -j ACCEPT"
check "dual-stack: 5 in ip6 filter" eq "$(wc -l <<<"$rules6")" 5
nd status dualstack --json
check "dual-stack: no drift" jq -e '.drift == []' <<<"$OUT"
ip6tables-save | ip6tables-restore
nd status dualstack --json
check "dual-stack: no drift after an ip6tables round trip" jq -e '.drift == []' <<<"$OUT"
nd_ok stop dualstack --force
check "dual-stack: stop leaves iptables-save as it was" eq "$(ipt_save)" "$ipt0"

# ---- shared by the networks ----------------------------------------------------
ip_rules() { iptables-save | grep -c -- '--comment netd$\|--comment netd ' || true; }
ip6_rules() { ip6tables-save | grep -c -- '--comment netd$\|--comment netd ' || true; }

say "-- two networks share the accepts (ufw enabled)"
ipt0=$(ipt_save)
nd_ok start nat
check "shared: nat alone: 5 in ip filter" eq "$(ip_rules)" 5
check "shared: none in ip6 filter for an IPv4 network" eq "$(ip6_rules)" 0
nd_ok start dualstack
check "shared: a second network adds none to ip filter" eq "$(ip_rules)" 5
check "shared: ... and its family's to ip6 filter" eq "$(ip6_rules)" 5
check "shared: dualstack's bridge is in netd's group too" \
	eq "$(ip -j link show virbr13 | jq -r '.[0].group')" $((G))
nd_ok stop nat --force
check "shared: a stop while another network runs leaves them" eq "$(ip_rules)" 5
guest_add g3 virbr13 52:54:00:15:00:03
check "shared: a guest of the other network still gets a lease" guest_dhcp g3
nd status dualstack --json
check "shared: dualstack has no drift" jq -e '.drift == []' <<<"$OUT"
nd_ok stop dualstack --force
check "shared: the last stop takes them" eq "$(ipt_save)" "$ipt0"

say "-- a network's rules of an older netd"
iptables -I FORWARD -i $BR -o $BR -m comment --comment "netd:nat" -j ACCEPT
iptables -I INPUT -i $BR -p udp --dport 67 -m comment --comment "netd:nat" -j ACCEPT
nd_ok start nat
check "older: start took them out" eq "$(ipt_save | grep -c 'netd:nat')" 0
check "older: and put the shared ones in" eq "$(ip_rules)" 5
iptables -A FORWARD -s $NET -i $BR -m comment --comment "netd:nat" -j ACCEPT
nd status nat --json
check "older: status names one that came back" jq -e \
	'.drift | any(test("chain ip filter FORWARD has netd.s accepts for virbr20 of an older shape"))' \
	<<<"$OUT"
nd apply
check "older: apply exit 0" eq "$RC" 0
check "older: apply took it out" eq "$(ipt_save | grep -c 'netd:nat')" 0
no_drift "older: after apply"
nd_ok stop nat --force
check "older: stop leaves iptables-save as before" eq "$(ipt_save)" "$ipt0"

say "-- a TFTP network's own accept"
ROOT=$T/tftp
must mkdir -p "$ROOT"
must chmod 0755 "$T" "$ROOT"
head -c 5000 /dev/urandom >"$ROOT/pxelinux.0"
must chmod 0644 "$ROOT/pxelinux.0"
cat >"$T/tftp.xml" <<XML
<network>
  <name>boot</name>
  <forward mode='nat'/>
  <bridge name='virbr21' stp='off' delay='0'/>
  <ip address='192.168.151.1' prefix='24'>
    <tftp root='$ROOT'/>
    <dhcp><range start='192.168.151.100' end='192.168.151.199'/></dhcp>
  </ip>
</network>
XML
nd_ok define "$T/tftp.xml"
nd_ok start boot
check "tftp: its own accept in INPUT" has "$(iptables -S INPUT)" \
	'-A INPUT -i virbr21 -p udp -m udp --dport 69 -m comment --comment "netd:boot" -j ACCEPT'
check "tftp: beside the 5 shared" eq "$(ip_rules)" 5
guest_add g4 virbr21 52:54:00:15:00:04
check "tftp: g4 gets a lease" guest_dhcp g4
rm -f "$T/got"
timeout 20 ip netns exec g4 busybox tftp -g -r pxelinux.0 -l "$T/got" 192.168.151.1 2>"$T/tftp.err"
check "tftp: g4 fetches a file through ufw's INPUT drop" cmp "$ROOT/pxelinux.0" "$T/got"
iptables-save | iptables-restore
nd status boot --json
check "tftp: no drift after a round trip" jq -e '.drift == []' <<<"$OUT"
nd_ok stop boot --force
check "tftp: stop leaves iptables-save as before" eq "$(ipt_save)" "$ipt0"

say "-- netd boot of several networks inserts them once"
for i in 1 2 3 4; do
	cat >"$T/b$i.xml" <<X
<network><name>b$i</name><forward mode='nat'/><bridge name='virbr3$i'/>
<ip address='10.91.$i.1' prefix='24'><dhcp><range start='10.91.$i.2' end='10.91.$i.99'/></dhcp></ip>
</network>
X
	nd_ok define "$T/b$i.xml"
	nd_ok autostart "b$i"
done
NETD_BOOT_JOBS=4 nd boot
check "boot: exit 0" eq "$RC" 0
check "boot: 4 started" eq "$(grep -c "started: bridge" <<<"$OUT")" 4
check "boot: 5 shared rules, each once" eq "$(ip_rules)" 5
for i in 1 2 3 4; do
	nd status "b$i" --json
	check "boot: b$i has no drift" jq -e '.drift == []' <<<"$OUT"
done
for i in 1 2 3 4; do nd_ok stop "b$i"; done
check "boot: the last stop takes them" eq "$(ipt_save)" "$ipt0"
