#!/bin/bash
# A dual-stack network (templates/dual-stack.xml) end to end: IPv4 and IPv6
# forwarding on, the bridge holds both addresses, the nft table has IPv6
# rules, dnsmasq sends router advertisements with the network's prefix, a
# guest gets a DHCPv6 address in the range (and a DHCPv4 lease as before),
# reaches the host and (routed, with its own address) an IPv6 upstream, and
# `netd leases --json` lists the IPv6 lease.
# Usage: dual-stack.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"
for c in rdisc6 dhclient; do
	command -v "$c" >/dev/null || die "missing '$c' (setup.sh test installs ndisc6 and isc-dhcp-client)"
done

BR=virbr13 GW6=fd00:133::1
no_tentative() { [ -z "$(ip -n "$1" -6 addr show dev eth0 tentative)" ]; }

# guest_dhcp6 GUEST: one DHCPv6 exchange (bounded); sets L6_IP. dhclient's
# script only records what it was given (dhclient gives it a clean
# environment, so the file's path is written into it); the test adds the
# address by hand.
guest_dhcp6() {
	local g=$1
	L6_IP=
	rm -f "$T/$g.lease6"
	cat >"$T/$g.dhclient6.sh" <<SH
#!/bin/sh
case \$reason in
BOUND6 | RENEW6 | REBIND6) echo "L6_IP=\$new_ip6_address" >"$T/$g.lease6" ;;
esac
exit 0
SH
	chmod 0755 "$T/$g.dhclient6.sh"
	timeout 30 ip netns exec "$g" \
		dhclient -6 -1 -v -sf "$T/$g.dhclient6.sh" -lf "$T/$g.leases6" \
		-pf "$T/$g.dhclient6.pid" eth0 >"$T/$g.dhclient6" 2>&1
	# dhclient goes into the background once bound: end it.
	[ -s "$T/$g.dhclient6.pid" ] && kill "$(cat "$T/$g.dhclient6.pid")" 2>/dev/null
	if [ ! -s "$T/$g.lease6" ]; then
		say "  $g: no DHCPv6 lease; dhclient said:"
		sed 's/^/  | /' "$T/$g.dhclient6"
		return 1
	fi
	. "$T/$g.lease6"
	say "  $g: DHCPv6 leased $L6_IP"
}
# expand6 ADDR: the full form socat reports (fd00:0133:0000:...:0173).
expand6() {
	local a=$1 head tail out=() g n
	if [[ $a == *::* ]]; then head=${a%%::*} tail=${a#*::}; else head=$a tail=; fi
	IFS=: read -ra h <<<"$head"
	IFS=: read -ra t <<<"$tail"
	n=$((8 - ${#h[@]} - ${#t[@]}))
	for g in "${h[@]}"; do out+=("$(printf '%04x' "0x$g")"); done
	while ((n-- > 0)); do out+=(0000); done
	for g in "${t[@]}"; do out+=("$(printf '%04x' "0x$g")"); done
	(IFS=:; echo "${out[*]}")
}
# in_range6 IP: within fd00:133::100-1ff.
in_range6() { [[ $1 =~ ^fd00:133::1[0-9a-f]{2}$ ]]; }

topo_upstream
nd_ok define "$NS_TEMPLATES/dual-stack.xml"
nd start dualstack
check "start dualstack: exit 0" eq "$RC" 0
check "IPv4 forwarding on" eq "$(cat /proc/sys/net/ipv4/ip_forward)" 1
check "IPv6 forwarding on" eq "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" 1
check "$BR has 192.168.133.1/24" has "$(ip -br addr show dev $BR)" "192.168.133.1/24"
check "$BR has $GW6/64" has "$(ip -br addr show dev $BR)" "$GW6/64"
check "$BR has IPv6 on" eq "$(cat /proc/sys/net/ipv6/conf/$BR/disable_ipv6)" 0
table=$(nft list table inet netd)
check "the table accepts DHCPv6 from the bridge" has "$table" "\"$BR\" . udp . 547"
check "the table forwards the IPv6 subnet" has "$table" "fd00:133::/64"
# Of its rtnetlink groups, an IPv6 network's dnsmasq keeps only the IPv6
# addresses (RTMGRP_IPV6_IFADDR, 0x100): RA and DHCPv6 follow them.
check "dnsmasq keeps only the IPv6 address events" eq "$(rtnl_groups "$(dnsmasq_pid dualstack)")" 00000100

guest_add g1 $BR 52:54:00:13:30:01
must wait_for 50 "g1's link-local address to leave DAD" no_tentative g1
check "g1: DHCPv4 lease" guest_dhcp g1
check "g1: lease in 192.168.133.2-254" in_range "$L_IP" 192.168.133.2 192.168.133.254

ra=$(timeout 10 ip netns exec g1 rdisc6 -1 -w 2000 -r 3 eth0 2>&1)
say "$ra" | sed 's/^/  | /'
check "router advertisement with the network's prefix" has "$ra" "Prefix *: fd00:133::/64"
check "the advertisement tells clients to use DHCPv6 (managed)" has "$ra" "Stateful address conf\.* *: *Yes"

check "g1: DHCPv6 lease" guest_dhcp6 g1
check "g1: DHCPv6 address $L6_IP in fd00:133::100-1ff" in_range6 "$L6_IP"
must ip -n g1 -6 addr add "$L6_IP/128" dev eth0 nodad
must ip -n g1 -6 route add fd00:133::/64 dev eth0
check "g1 pings the host's $GW6 from its DHCPv6 address" \
	ip netns exec g1 busybox ping -6 -c 1 -W 2 -I "$L6_IP" "$GW6"

# IPv6 upstream (documentation prefix): the network routes IPv6 (libvirt's
# nat mode masquerades IPv4 only), so upstream sees the guest's own address.
UP6=2001:db8:ffff::254
must ip addr add 2001:db8:ffff::1/64 dev up0 nodad
must ip -n up addr add "$UP6/64" dev eth0 nodad
must ip -6 route add default via "$UP6"
must ip -n up -6 route add fd00:133::/64 via 2001:db8:ffff::1
ip netns exec up socat "TCP6-LISTEN:$ECHO_PORT,bind=[$UP6],fork,reuseaddr" \
	"SYSTEM:echo \$SOCAT_PEERADDR" </dev/null >"$T/echo6.log" 2>&1 &
must wait_for 50 "the upstream IPv6 echo service" eval \
	"ip netns exec up ss -H -ltn | grep -q '\[$UP6\]:$ECHO_PORT'"
must ip -n g1 -6 route replace default via "$GW6" dev eth0
seen=$(timeout 10 ip netns exec g1 socat -T 5 -u \
	"TCP6:[$UP6]:$ECHO_PORT,bind=[$L6_IP],connect-timeout=3" STDOUT 2>&1)
check "g1 reaches upstream over IPv6 with its own address (saw '$seen')" \
	eq "$seen" "[$(expand6 "$L6_IP")]"

nd leases dualstack --json
check "leases --json: the IPv4 lease" jq -e --arg ip "$L_IP" 'any(.[]; .ip == $ip)' <<<"$OUT"
check "leases --json: the IPv6 lease, with the client's DUID" jq -e --arg ip "$L6_IP" \
	'any(.[]; .ip == $ip and .mac == null and (.clientid | length) > 0)' <<<"$OUT"

nd_ok stop dualstack --force
check_gone dualstack $BR
