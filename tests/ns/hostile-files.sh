#!/bin/bash
# Links and special files where netd (root) opens files in place rather than
# writing them by rename (defect 5 of the hardening issue):
# - a symbolic link planted as a network's dnsmasq leases file must not let
#   dnsmasq (which opens it as root) rewrite the link's target when a guest
#   takes a lease; netd replaces it with a regular file of its own;
# - a hard link there is replaced as well;
# - a symbolic link planted as netd's lock must not make netd create the
#   link's target;
# - a FIFO in the networks directory must not make define or list block,
#   holding the lock: each netd command here is bounded by a short timeout.
# Usage: hostile-files.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr22
LEASES=/var/lib/netd/dnsmasq/isolated.leases
TARGET=/etc/netd/precious
printf 'precious\n' >"$TARGET"
same_target() { [ "$(cat "$TARGET")" = precious ]; }
plain_file() { [ -f "$LEASES" ] && [ ! -L "$LEASES" ] && [ "$(stat -c %h "$LEASES")" = 1 ]; }

# ---- the leases file: a symbolic link --------------------------------------
nd_ok define "$NS_SRC/isolated.xml"
must mkdir -p /var/lib/netd/dnsmasq
must ln -s "$TARGET" "$LEASES"
nd start isolated
check "start isolated (leases file a symlink): exit 0" eq "$RC" 0
check "start says it replaced the symlinked leases file" has "$OUT" "was a symbolic link: replaced"
check "dnsmasq of isolated runs" dnsmasq_pid isolated
check "the leases file is a regular file with one name" plain_file
guest_add g1 $BR
check "g1: DHCP lease" guest_dhcp g1
MAC=$(guest_mac g1)
check "g1's lease is in netd's leases file" wait_for 50 "lease of $MAC" grep -qi "$MAC" "$LEASES"
nd leases isolated
check "netd leases shows g1" has "$OUT" "$L_IP"
check "the symlink's target is unchanged" same_target
nd_ok stop isolated --force

# ---- the leases file: a hard link to another file -----------------------------
# (on the same file system: /var/lib/netd is a tmpfs of its own)
OTHER=/var/lib/netd/precious
must cp "$TARGET" "$OTHER"
must rm -f "$LEASES"
must ln "$OTHER" "$LEASES"
nd start isolated
check "start isolated (leases file a hard link): exit 0" eq "$RC" 0
check "start says it replaced the hard-linked leases file" has "$OUT" "was a hard link"
check "the leases file is a regular file with one name again" plain_file
# (stop took the bridge and g1's port with it: a new guest)
guest_add g2 $BR
check "g2: DHCP lease" guest_dhcp g2
check "g2's lease is in netd's leases file" wait_for 50 "lease of g2" grep -qi "$(guest_mac g2)" "$LEASES"
check "the hard link's other name is unchanged" eq "$(cat "$OTHER")" precious
nd_ok stop isolated --force

# ---- the lock: a symbolic link --------------------------------------------------
must mkdir -p /run/elsewhere
must rm -f /run/netd/netd.lock
must ln -s /run/elsewhere/new /run/netd/netd.lock
nd autostart isolated --disable
check "autostart with a symlinked lock: exit 1" eq "$RC" 1
check "it says the lock is a symbolic link" has "$ERR" "a symbolic link, not netd's lock"
check_not "the link's target was not created" test -e /run/elsewhere/new
must rm -f /run/netd/netd.lock
nd autostart isolated --disable
check "autostart with the link gone: exit 0" eq "$RC" 0
check "the lock is a regular file" test -f /run/netd/netd.lock

# ---- a FIFO in the networks directory -----------------------------------------
must mkfifo /etc/netd/networks/x.xml
cat >"$T/other.xml" <<'EOF'
<network>
  <name>other</name>
  <bridge name='virbr23' stp='off' delay='0'/>
  <ip address='192.168.153.1' prefix='24'/>
</network>
EOF
ND_TIMEOUT=10 nd define "$T/other.xml" # the old netd blocked in open()
check "define beside a FIFO returns (not killed by timeout)" test "$RC" != 124
# a config netd cannot read is a clash it cannot rule out: refused, naming it
check "define beside a FIFO names it as not a regular file" has "$ERR" "x.xml: not a regular file"
ND_TIMEOUT=10 nd list --all
check "list beside a FIFO returns (not killed by timeout)" test "$RC" != 124
check "list: exit 0" eq "$RC" 0
check "list shows x as unreadable" has "$OUT" "^x .*config unreadable"
check "list still shows the other networks" has "$OUT" "^isolated "
ND_TIMEOUT=10 nd validate /etc/netd/networks/x.xml
check "validate of the FIFO: exit 1" eq "$RC" 1
check "validate says it is not a regular file" has "$ERR" "x.xml: not a regular file"
must rm -f /etc/netd/networks/x.xml

