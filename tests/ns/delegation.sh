#!/bin/bash
# Networks of their own for unprivileged users: `netd user` as alice, bob,
# dave and carol against `netd serve-user` behind a real socket-activated
# listener (systemd-socket-activate --accept --inetd, as netd-user.socket's
# Accept=yes does), with the policy in delegation.conf:
# 1. alice (in the allowed group) creates an isolated and a nat network:
#    disjoint subnets from the pool, nduN bridges, each bridge's ACL file
#    readable by alice alone, bridge.conf not allowing them to everyone;
#    the nat one forwards a guest on it to the upstream namespace;
# 2. refusals, each with its message, nothing created, the lock free after:
#    over quota, a user outside the policy, a name the client refuses and
#    one only the service sees, a kind the policy forbids, a 1 MB request,
#    a malformed one, one claiming another uid, a lease over the maximum,
#    bob destroying or reading the leases of alice's network (his name for
#    it is his own), no policy file, a policy others can write;
# 3. bob and dave create networks at the same time: disjoint subnets; the
#    pool is then full and the next create says so;
# 4. the admin's view: list --all --json shows owners; root stops and
#    undefines a user's network; boot starts a user's persistent network
#    and not a transient one (gone at stop); destroy as the owner.
# Usage: delegation.sh NETD_BINARY
. "$(dirname "$0")/lib.sh"
ns_enter "$@"
command -v systemd-socket-activate >/dev/null ||
	skip "no systemd-socket-activate (package systemd)"
command -v setpriv >/dev/null || skip "no setpriv"

SOCK=/run/netd/user.sock
POL=/etc/netd/delegation.conf

# /etc is the test's overlay: these accounts exist in this namespace only.
must groupadd -g 4301 netdusers
for u in alice:4311 bob:4312 dave:4313 carol:4314; do
	must useradd -M -N -g netdusers -u "${u#*:}" -s /usr/sbin/nologin "${u%:*}"
done
must usermod -g users carol # carol is not in netdusers

cat >$POL <<'EOF'
# who may create networks of their own
groups = netdusers
pool = 10.203.0.0/22
prefix = 24
pool6 = fd00:203::/62
max-networks = 2
forward = nat isolated
lease-time = 1h
max-lease-time = 4h
EOF
chmod 0644 $POL

# The listener, as systemd's netd-user.socket would run it: one
# `netd serve-user` per connection, the connection on its stdin/stdout,
# with the shipped unit's capability bounding set and no new privileges
# (dnsmasq, started from it, gets no more either).
unit=$NS_SRC/../../install/netd-user@.service.in
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' |
	sed -e 's/cap_/+/g' -e 's/ /,/g')
[ -n "$caps" ] || die "no CapabilityBoundingSet= in $unit"
grep -qx 'NoNewPrivileges=yes' "$unit" || die "$unit: no NoNewPrivileges=yes"
say "serve-user's bounding set: $caps"
systemd-socket-activate -l $SOCK -a --inetd \
	-E NETD_CONF_DIR -E NETD_RUN_DIR -E NETD_STATE_DIR -E NETD_BRIDGE_CONF \
	-E NETD_DELEGATION_CONF=$POL -E PATH \
	setpriv --no-new-privs --bounding-set=-all,"$caps" \
	"$NETD" serve-user 2>"$T/serve.log" &
wait_for 20 "the socket" test -S $SOCK || die "no socket $SOCK"
must chmod 0666 $SOCK

# as USER ARGS...: netd as that user (their groups from /etc/group), output
# in OUT/ERR/RC like nd.
as() {
	local u=$1
	shift
	run_shown "($u) netd $*" timeout 60 setpriv --reuid="$u" --regid="$(id -g "$u")" \
		--init-groups env NETD_RUN_DIR=/run/netd "$NETD" "$@"
}
# raw USER: send stdin to the socket as that user, whatever it is (a
# client that keeps sending after the service gave up, too); the answer's
# status, out and err in RC, OUT and ERR.
raw() {
	local ans
	ans=$(timeout 30 setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups \
		/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(sys.stdin.buffer.read())
    s.shutdown(socket.SHUT_WR)
except OSError:
    pass
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)' $SOCK)
	say "  raw answer: ${ans:0:300}"
	RC=$(jq -r .status <<<"$ans") OUT=$(jq -r .out <<<"$ans") ERR=$(jq -r .err <<<"$ans")
}
networks() { "$NETD" list --all --json | jq -r '.[].name' | sort | tr '\n' ' '; }
lock_free() { flock -n -E 99 /run/netd/netd.lock true; }
subnet_of() { jq -r --arg n "$1" '.[] | select(.name == $n) | .subnet' <<<"$2"; }

say "-- 1. alice creates an isolated and a nat network"
as alice user create lab --isolated
check "create lab: exit 0" eq "$RC" 0
check "create lab: says the bridge" has "$OUT" "network 'lab' created: bridge ndu0, 10.203.0.1/24, isolated"
as alice user create web --nat --lease-time 2h
check "create web: exit 0" eq "$RC" 0
check "create web: nat, 2 h leases" has "$OUT" "bridge ndu1, 10.203.1.1/24, nat, leases of 7200s"
check "the host calls them alice.lab and alice.web" eq "$(networks)" "alice.lab alice.web "
check "both run" eq "$("$NETD" list --json | jq -r '[.[] | select(.active)] | length')" 2
check "bridge ndu1 has 10.203.1.1/24" has "$(ip -4 -br addr show dev ndu1)" "10.203.1.1/24"
check "...and a /64 of the IPv6 pool" has "$(ip -6 -br addr show dev ndu1)" "fd00:203:0:1::1/64"
check "ndu0 has the first /64" has "$(ip -6 -br addr show dev ndu0)" "fd00:203::1/64"
check "dnsmasq config: lease time 7200" grep -q '^dhcp-range=10.203.1.2,10.203.1.254,.*7200' \
	/var/lib/netd/dnsmasq/alice.web.conf
check "stored with its owner" grep -q "<netd:owner uid='4311'/>" /etc/netd/networks/alice.lab.xml
check "marked autostart" test -e /etc/netd/networks/autostart/alice.lab.xml
nd status alice.lab --json
check "root's status: the bridge is its owner's" eq "$(jq -r .session_vms.owner_uid <<<"$OUT")" 4311
nd plan alice.lab
check "plan: the ACL entry for its owner only" has "$OUT" "allow ndu0 to its owner, uid 4311, only"
check_not "bridge.conf does not allow ndu0 to everyone" grep -qx 'allow ndu0' /etc/qemu/bridge.conf
check "bridge.conf includes ndu0's ACL file" grep -qx 'include /etc/qemu/netd-ndu0.conf' \
	/etc/qemu/bridge.conf
check "the ACL file allows ndu0" grep -qx 'allow ndu0' /etc/qemu/netd-ndu0.conf
check "the ACL file is root's, 0640" eq "$(stat -c '%U:%G %a' /etc/qemu/netd-ndu0.conf)" "root:root 640"
check "alice can read her ACL file" \
	setpriv --reuid=alice --regid=netdusers --init-groups cat /etc/qemu/netd-ndu0.conf
check_not "bob cannot read alice's ACL file" \
	setpriv --reuid=bob --regid=netdusers --init-groups cat /etc/qemu/netd-ndu0.conf
check_not "alice cannot write her ACL file" \
	setpriv --reuid=alice --regid=netdusers --init-groups sh -c ': >>/etc/qemu/netd-ndu0.conf'
as alice user list --json
check "alice's list: lab and web" eq "$(jq -r '.[].name' <<<"$OUT" | tr '\n' ' ')" "lab web "
check "alice's list: subnets" eq "$(subnet_of lab "$OUT") $(subnet_of web "$OUT")" \
	"10.203.0.1/24 10.203.1.1/24"
as alice user list
check "alice's list as text" has "$OUT" "^web  *active  *ndu1  *10.203.1.1/24  *nat  *yes"

topo_upstream
guest_add g1 ndu1
check "a guest on alice's nat network gets a lease" guest_dhcp g1
check "its lease is in 10.203.1.0/24" in_range "$L_IP" 10.203.1.2 10.203.1.254
check "it reaches the upstream namespace through NAT" guest_tcp g1
as alice user leases web --json
check "alice reads web's leases" eq "$(jq -r '.[0].ip' <<<"$OUT")" "$L_IP"

say "-- 2. refusals: each says why, creates nothing, leaves the lock free"
before=$(networks)
refused() { # WHAT REGEX: the last command failed with that message, nothing new
	check "$1: exit 1" eq "$RC" 1
	check "$1: says why" has "$ERR$OUT" "$2"
	check "$1: nothing created" eq "$(networks)" "$before"
	check "$1: the lock is free" lock_free
}
as alice user create third
refused "over quota" "you have 2 networks, the most delegation.conf allows (max-networks = 2)"
as carol user create lab
refused "a user outside the policy" "user carol may not have networks of their own on this host"
as alice user create 'Bad!'
check "a bad name: a usage error" eq "$RC" 2
raw bob <<<'{"netd-user":1,"op":"create","name":"Bad!"}'
refused "a bad name sent raw" "is not a name for a network of yours"
raw bob <<<'{"netd-user":1,"op":"create","name":"r1","forward":"route"}'
refused "a forward mode users may not have" "forward must be nat or isolated"
raw bob < <(head -c 1048576 /dev/zero | tr '\0' ' ')
refused "a 1 MB request" "message too long (more than 4096 bytes)"
raw bob < <(printf '{"netd-user":1,"op":')
refused "a malformed request" "request is not JSON"
raw bob <<<'{"netd-user":1,"op":"list","uid":0}'
refused "a request claiming another uid" 'list takes no "uid"'
raw bob <<<'{"netd-user":2,"op":"list"}'
refused "another protocol version" "request of protocol version 2"
as bob user create slow --lease-time 5h
refused "a lease over max-lease-time" "lease time '5h': give a duration from 2m to 14400s"
as bob user destroy lab
refused "bob destroys 'lab' (his name: not alice's)" "you have no network 'lab'"
check "alice's lab still runs" eq "$(ip -br link show dev ndu0 | awk '{print $1}')" ndu0
as bob user leases web
refused "bob reads 'web' leases" "you have no network 'web'"
sed -i 's/^forward = .*/forward = isolated/' $POL
as bob user create n1 --nat
refused "nat forbidden by the policy" "nat networks are not allowed to users here"
sed -i 's/^forward = .*/forward = nat isolated/' $POL
chmod 0666 $POL
as bob user create n1
refused "a policy anyone can write" "delegation.conf: not trusted"
chmod 0644 $POL
mv $POL $POL.off
as bob user create n1
refused "no policy" "delegation is not set up on this host"
mv $POL.off $POL
check "serve-user logged each request" grep -q "uid 4314 (carol) pid [0-9]*: create lab: refused: user carol may not" \
	"$T/serve.log"

nd serve-user </dev/null
check "serve-user not on a socket: exit 1" eq "$RC" 1
check "...saying it needs a connection" has "$ERR" "standard input is not a unix socket connection"

say "-- 3. bob and dave at the same time"
timeout 60 setpriv --reuid=bob --regid=netdusers --init-groups \
	env NETD_RUN_DIR=/run/netd "$NETD" user create lab >"$T/bob.log" 2>&1 &
b=$!
timeout 60 setpriv --reuid=dave --regid=netdusers --init-groups \
	env NETD_RUN_DIR=/run/netd "$NETD" user create lab >"$T/dave.log" 2>&1 &
d=$!
check "bob's create: exit 0" wait $b
check "dave's create: exit 0" wait $d
cat "$T/bob.log" "$T/dave.log"
sb=$("$NETD" dumpxml bob.lab | sed -n "s/.*<ip address='\([0-9.]*\)'.*/\1/p")
sd=$("$NETD" dumpxml dave.lab | sed -n "s/.*<ip address='\([0-9.]*\)'.*/\1/p")
check "both created" eq "$(networks)" "alice.lab alice.web bob.lab dave.lab "
check "disjoint subnets from the pool" eq "$(printf '%s\n' "$sb" "$sd" | sort | tr '\n' ' ')" \
	"10.203.2.1 10.203.3.1 "
before=$(networks)
as dave user create more
refused "the pool is full" "the pool 10.203.0.0/22 has no free /24 left"

say "-- 4. the admin's view; lifetime"
nd_ok list --all --json
check "list --all --json: owners" eq "$(jq -r '.[] | "\(.name)=\(.owner)"' <<<"$OUT" | tr '\n' ' ')" \
	"alice.lab=alice alice.web=alice bob.lab=bob dave.lab=dave "
dbr=$("$NETD" dumpxml dave.lab | sed -n "s/.*<bridge name='\([^']*\)'.*/\1/p")
check "dave's ACL file is there" test -e "/etc/qemu/netd-$dbr.conf"
nd stop --force dave.lab
check "root stops dave's network" eq "$RC" 0
nd undefine dave.lab
check "root undefines it" eq "$RC" 0
check_not "its ACL file went with it" test -e "/etc/qemu/netd-$dbr.conf"
nd_ok stop bob.lab
as bob user create tmp --transient
check "bob: a transient network" has "$OUT" "transient: it goes when it stops"
nd_ok boot
check "boot started bob.lab again (persistent)" eq "$("$NETD" list --json | jq -r '.[] | select(.name == "bob.lab") | .active')" true
nd_ok stop bob.tmp
check "the transient one is gone when stopped" eq "$(networks)" "alice.lab alice.web bob.lab "
as alice user destroy web
check "alice's destroy of web with a guest attached: refused" eq "$RC" 1
check "...naming the guest and --force" has "$ERR" "netd user destroy --force web"
as alice user destroy --force web
check "alice destroys web with --force" eq "$RC" 0
as alice user destroy lab
check "alice destroys lab" eq "$RC" 0
check "only bob's network is left" eq "$(networks)" "bob.lab "
check_not "no ndu0 any more" link_exists ndu0
check_not "bridge.conf has no netd include left for alice's bridges" grep -q 'netd-ndu[01]' \
	/etc/qemu/bridge.conf
check "the lock is free at the end" lock_free
