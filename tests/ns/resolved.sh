#!/bin/bash
# <domain name='lab' localOnly='yes' register='yes'/> with the real
# systemd-resolved (Debian's, the same version as the installed systemd) on a
# private system bus: netd registers the bridge's DNS server and ~lab on the
# bridge's link, so the host resolves its guests by name (resolvectl query
# g1.lab, answered by the network's dnsmasq) and sends nothing else there.
# Without resolved on the bus start says so and does nothing else; once it
# runs, status shows the drift and apply registers the link; a resolved
# restart keeps it; stop takes it away.
# Usage: resolved.sh NETD_BINARY
#
# systemd-resolved is never installed: its package's postinst would take
# over the machine's /etc/resolv.conf. `apt-get download` and `dpkg-deb -x`
# into a cache (outside the namespaces, the only step that needs the package
# archive) give its files; it runs inside the test's namespaces only, with
# its D-Bus policy and user in the test's /etc overlay.
. "$(dirname "$0")/lib.sh"

CACHE=${NETD_TEST_CACHE:-/var/cache/netd-test}
if [ "${NETD_NS_INSIDE:-}" != 1 ]; then
	ver=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null) || skip "systemd is not installed (resolved needs its libsystemd-shared)"
	root=$CACHE/systemd-resolved-$ver
	if [ ! -x "$root/lib/systemd/systemd-resolved" ]; then
		mkdir -p "$CACHE"
		tmp=$(mktemp -d "$CACHE/fetch.XXXXXX")
		(cd "$tmp" && timeout 120 apt-get download -q "systemd-resolved=$ver") >&2 ||
			{ rm -rf "$tmp"; die "apt-get download systemd-resolved=$ver failed (the package archive is needed once)"; }
		dpkg-deb -x "$tmp"/systemd-resolved_*.deb "$tmp/root" || { rm -rf "$tmp"; die "dpkg-deb -x failed"; }
		rm -rf "$root"
		mv "$tmp/root" "$root"
		rm -rf "$tmp"
	fi
	export NETD_RESOLVED_ROOT=$root
fi
ns_enter "$@"

RS=${NETD_RESOLVED_ROOT:?}
BR=virbr33 GW=192.168.163.1 NET=rs
command -v dbus-daemon >/dev/null || die "missing dbus-daemon (setup.sh test installs it)"
resolvectl() { timeout 10 "$RS/usr/bin/resolvectl" "$@" 2>&1; }

# Its user, its bus policy and a config without LLMNR/mDNS, in the overlay.
getent passwd systemd-resolve >/dev/null ||
	echo 'systemd-resolve:x:994:994:systemd Resolver:/:/usr/sbin/nologin' >>/etc/passwd
getent group systemd-resolve >/dev/null || echo 'systemd-resolve:x:994:' >>/etc/group
must mkdir -p /etc/dbus-1/system.d /etc/systemd /run/dbus /run/systemd
must cp "$RS/usr/share/dbus-1/system.d/org.freedesktop.resolve1.conf" /etc/dbus-1/system.d/
printf '[Resolve]\nDNSSEC=no\nLLMNR=no\nMulticastDNS=no\nDNSStubListener=no\n' >/etc/systemd/resolved.conf
dbus-daemon --system --nofork --nopidfile </dev/null >"$T/dbus.log" 2>&1 &
must wait_for 100 "the private system bus" test -S /run/dbus/system_bus_socket

RS_PID=
rs_up() { resolvectl status >/dev/null; }
rs_start() {
	"$RS/lib/systemd/systemd-resolved" </dev/null >>"$T/resolved.log" 2>&1 &
	RS_PID=$!
	must wait_for 100 "systemd-resolved on the bus" rs_up
}
rs_stop() {
	kill "$RS_PID"
	wait "$RS_PID" 2>/dev/null
	RS_PID=
}

cat >"$T/$NET.xml" <<EOF
<network>
  <name>$NET</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off' delay='0'/>
  <domain name='lab' localOnly='yes' register='yes'/>
  <dns><host ip='192.168.163.53'><hostname>outside.test</hostname></host></dns>
  <ip address='$GW' prefix='24'>
    <dhcp><range start='192.168.163.100' end='192.168.163.199'/></dhcp>
  </ip>
</network>
EOF
sed "s/localOnly='yes' //; s/<name>$NET</<name>loop</" "$T/$NET.xml" >"$T/loop.xml"
nd define "$T/loop.xml"
check "register='yes' without localOnly='yes': refused" eq "$RC" 1
check "  says it would loop" has "$ERR" "needs localOnly='yes' (else a query for an unknown name in lab would loop"

# ---- resolved not running: said, nothing else ---------------------------
nd_ok define "$T/$NET.xml"
nd start $NET
check "start without resolved: exit 0" eq "$RC" 0
check "  notes that resolved is not running" has "$OUT" "systemd-resolved is not running (not on the system bus): the host does not resolve names in lab"
nd status $NET
check "status: not registered, and why" has "$OUT" "^resolved: *~lab not registered: systemd-resolved is not running"
check "  that is no drift" has "$OUT" "^drift: *none"
# libsystemd is loaded when there is a bus to ask, and only then (ndbus.h).
sd_loads() { LD_DEBUG=libs "$NETD" "$@" 2>&1 >/dev/null | grep -q 'libsystemd\.so\.0'; }
check "status with a system bus: loads libsystemd" sd_loads status $NET
check_not "status without one: does not load libsystemd" \
	unshare --mount bash -c "mount -t tmpfs nobus /run/dbus && $(declare -f sd_loads) && NETD='$NETD' sd_loads status $NET"

# ---- resolved comes up: drift, apply registers --------------------------
rs_start
nd status $NET --json
check "status with resolved: running, not registered" eq "$(jq -r '.resolved | "\(.running) \(.registered)"' <<<"$OUT")" "true false"
check "  drift: no DNS server on $BR" has "$(jq -r '.drift[]' <<<"$OUT")" "systemd-resolved: $BR does not have the network's DNS server"
nd apply $NET
check "apply repairs the registration" has "$OUT" "repaired systemd-resolved: $BR does not have the network's DNS server"
link=$(resolvectl status $BR)
say "$link" | sed 's/^/  | /'
check "resolved: $BR's DNS server is $GW" has "$link" "DNS Servers: $GW"
check "resolved: $BR routes ~lab" has "$link" "DNS Domain: ~lab"
check "resolved: $BR is no default route" has "$link" "-DefaultRoute"
nd status $NET
check "status: registered" has "$OUT" "^resolved: *~lab registered with systemd-resolved"

# ---- the host resolves a guest by name ----------------------------------
guest_add g1 $BR
check "g1: DHCP lease (hostname g1)" guest_dhcp g1
G1=$L_IP
q=$(resolvectl query --cache=no g1.lab)
say "$q" | sed 's/^/  | /'
check "resolvectl query g1.lab: $G1 (from dnsmasq, via resolved)" has "$q" "^g1.lab: $G1"
# dnsmasq answers outside.test (a <dns><host>), but resolved must not ask
# it: the link routes ~lab only and is no default route.
check "control: the network's dnsmasq answers outside.test" eq "$(dig +short +time=2 +tries=1 @$GW outside.test A)" 192.168.163.53
check_not "  resolved does not send outside.test to it" has "$(resolvectl query --cache=no outside.test)" 192.168.163.53

# ---- resolved restarts: the link keeps its settings ---------------------
rs_stop
rs_start
nd status $NET
check "status after a resolved restart: registered" has "$OUT" "^resolved: *~lab registered with systemd-resolved"

# ---- stop takes it away; start with resolved running registers at once --
nd_ok stop --force $NET
check_not "after stop: g1.lab no longer resolves" has "$(resolvectl query --cache=no g1.lab)" "$G1"
nd start $NET
check "start with resolved: exit 0" eq "$RC" 0
check "  says it registered ~lab" has "$OUT" "systemd-resolved: ~lab via the bridge"
check "  $BR has its DNS server at once" has "$(resolvectl status $BR)" "DNS Servers: $GW"
nd_ok stop --force $NET

rs_stop
ns_exit
