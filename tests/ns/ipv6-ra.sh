#!/bin/bash
# IPv6 forwarding does not cost the host its own IPv6 default route.
#
# The upstream namespace is an IPv6 router: dnsmasq sends router
# advertisements with a router lifetime of 18 s (ra-param asks for one every
# 4 s; dnsmasq 2.89 was measured sending one every 8 to 14 s, so the
# lifetime is well above that). The host learns
# its IPv6 default route from them on its uplink (accept_ra=1, forwarding
# 0). Starting a dual-stack network turns IPv6 forwarding on, which makes
# the kernel drop that route at once and ignore further RAs on an
# accept_ra=1 interface; netd sets accept_ra=2 on the uplink first, says so,
# and the route is still there after more than its lifetime. Set back to 1
# by hand, the route expires (so the test can fail) and status names it;
# apply sets 2 again and the route comes back. stop leaves 2 while
# forwarding stays on (1 would lose the route again), and sets 1 again when
# forwarding is off.
# Usage: ipv6-ra.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

UP6=2001:db8:203::254 LIFETIME=18
ra_route() { [ -n "$(ip -6 route show default proto ra dev up0)" ]; }
no_ra_route() { ! ra_route; }
accept_ra() { cat /proc/sys/net/ipv6/conf/up0/accept_ra; }
fwd6() { cat /proc/sys/net/ipv6/conf/all/forwarding; }
# The route must outlive its lifetime: watch it for LIFETIME + 3 s.
route_stays() {
	local n=$(((LIFETIME + 3) * 10))
	while ((n-- > 0)); do
		ra_route || { say "  the RA default route went away"; return 1; }
		sleep 0.1
	done
}

topo_upstream
# An expired route stays listed until the garbage collector runs (every 30 s
# by default): every second, so that "expired" shows within the waits.
must sysctl -qw net.ipv6.route.gc_interval=1
must ip -n up addr add "$UP6/64" dev eth0 nodad
# The upstream is a router, so it forwards: with forwarding off its neighbour
# advertisements carry no router flag, and the first NUD probe of its
# link-local address (any IPv6 packet the host sends out through the default
# route) makes the host's kernel drop the default route through it as
# "router turned host" (rt6_clean_tohost), whatever accept_ra says. Seen as
# this test failing 4 s after a start, with RAs still arriving.
must ip netns exec up sysctl -qw net.ipv6.conf.all.forwarding=1
# ra-param=IFACE,INTERVAL,LIFETIME (dnsmasq 2.89): each RA says "use me as
# default router for 18 s".
ip netns exec up dnsmasq -k --conf-file=/dev/null --port=0 --interface=eth0 \
	--pid-file="$T/up-dnsmasq.pid" --enable-ra --dhcp-range=2001:db8:203::,ra-only,64 \
	--ra-param="eth0,4,$LIFETIME" --log-facility="$T/up-dnsmasq.log" \
	</dev/null >"$T/up-dnsmasq.out" 2>&1 &
check "host: accept_ra=1 on the uplink" eq "$(accept_ra)" 1
check "host: IPv6 forwarding off" eq "$(fwd6)" 0
must wait_for 200 "an IPv6 default route by RA on up0" ra_route
say "  $(ip -6 route show default dev up0)"

nd_ok define "$NS_TEMPLATES/dual-stack.xml"
nd start dualstack
check "start dualstack: exit 0" eq "$RC" 0
check "start says it set accept_ra=2 on up0" has "$OUT" "set net.ipv6.conf.up0.accept_ra=2 (was 1)"
check "IPv6 forwarding on" eq "$(fwd6)" 1
check "up0: accept_ra=2" eq "$(accept_ra)" 2
check "the change is recorded for stop" eq "$(cat /run/netd/ipfwd/dualstack.ra)" up0
check "the RA default route survived forwarding going on" ra_route
check "and outlives its ${LIFETIME}s lifetime with forwarding on" route_stays
nd status dualstack
check "status: drift none" has "$OUT" "drift: *none"

say "-- accept_ra=1 again by hand, forwarding on"
must sysctl -qw net.ipv6.conf.up0.accept_ra=1
nd status dualstack
check "status names up0's accept_ra" has "$OUT" "net.ipv6.conf.up0.accept_ra is 1 with IPv6 forwarding on"
nd status dualstack --json
check "status --json: drift not empty" eq "$(jq '.drift | length' <<<"$OUT")" 1
check "without accept_ra=2, the route expires (so this test can fail)" \
	wait_for $(((LIFETIME + 3) * 10)) "the RA route to expire" no_ra_route
nd status dualstack
check "status still names up0 once the route is gone" has "$OUT" "net.ipv6.conf.up0.accept_ra is 1"
nd apply dualstack
check "apply: exit 0" eq "$RC" 0
check "apply repaired it" has "$OUT" "repaired forwarding: net.ipv6.conf.up0.accept_ra"
check "up0: accept_ra=2 again" eq "$(accept_ra)" 2
check "the next RA brings the route back" wait_for 200 "the RA route" ra_route
nd status dualstack
check "status: drift none after apply" has "$OUT" "drift: *none"

say "-- stop while forwarding stays on"
nd stop dualstack
check "stop: exit 0" eq "$RC" 0
check "stop says it left accept_ra at 2, and why" \
	has "$OUT" "net.ipv6.conf.up0.accept_ra left at 2: net.ipv6.conf.all.forwarding is still on"
check "up0: accept_ra still 2" eq "$(accept_ra)" 2
check "the record is gone" test ! -e /run/netd/ipfwd/dualstack.ra
check "the route outlives its lifetime after stop" route_stays

say "-- stop once forwarding is off"
must sysctl -qw net.ipv6.conf.up0.accept_ra=1
nd start dualstack
check "start again: exit 0" eq "$RC" 0
check "start set accept_ra=2 again" has "$OUT" "set net.ipv6.conf.up0.accept_ra=2"
check "the route is there" ra_route
must sysctl -qw net.ipv6.conf.all.forwarding=0
nd stop dualstack
check "stop: exit 0" eq "$RC" 0
check "stop says it set accept_ra back to 1" has "$OUT" "net.ipv6.conf.up0.accept_ra set back to 1"
check "up0: accept_ra=1 as it was" eq "$(accept_ra)" 1
check "the route is there (forwarding off, RAs heard)" wait_for 200 "the RA route" ra_route

say "-- an accept_ra someone else changed is theirs"
nd start dualstack
must sysctl -qw net.ipv6.conf.up0.accept_ra=0
must sysctl -qw net.ipv6.conf.all.forwarding=0
nd stop dualstack
check "stop left accept_ra=0 alone" eq "$(accept_ra)" 0
