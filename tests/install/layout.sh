#!/bin/bash
# `cmake --install` puts every shipped file in its FHS place under the
# prefix, with the configured paths written into the units, and the
# installed binary works from there (the default template is compiled in).
# Installs into a temporary DESTDIR only.
# Usage: layout.sh BUILD_DIR
set -uo pipefail
build=$(realpath "${1:?usage: layout.sh BUILD_DIR}")
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
root=$dest$prefix
fails=0
eq_words() { [ "$1" = "$2" ] || { echo "  got '$1', expected '$2'"; return 1; }; }
check() { local what=$1; shift; if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi; }

DESTDIR=$dest cmake --install "$build" >"$dest.log" 2>&1 ||
	{ cat "$dest.log"; echo "FAIL cmake --install"; exit 1; }
rm -f "$dest.log"
for f in sbin/netd share/netd/templates/default.xml share/netd/templates/nat.xml \
	share/netd/templates/route.xml share/netd/templates/isolated.xml \
	share/netd/templates/dual-stack.xml lib/systemd/system/netd.service \
	lib/systemd/system/netd-firewall.service lib/systemd/system/netd-resolv.path \
	lib/systemd/system/netd-resolv.service lib/systemd/system/netd-user.socket \
	lib/systemd/system/netd-user@.service share/doc/netd/delegation.conf.example \
	lib/tmpfiles.d/netd.conf \
	share/bash-completion/completions/netd share/man/man8/netd.8; do
	check "installed $prefix/$f" test -f "$root/$f"
done
# firewalld reads only its own directories: absolute, whatever the prefix.
for f in $(sed -n 's/^NETD_FIREWALLD_ZONE_DIR:PATH=//p' "$build/CMakeCache.txt")/netd.xml \
	$(sed -n 's/^NETD_FIREWALLD_POLICY_DIR:PATH=//p' "$build/CMakeCache.txt")/netd-to-host.xml; do
	check "installed $f (firewalld)" test -f "$dest$f"
done
check "netd is executable" test -x "$root/sbin/netd"
unit=$(cat "$root/lib/systemd/system/netd.service")
check "netd.service: Type=oneshot" grep -qx 'Type=oneshot' <<<"$unit"
check "netd.service: RemainAfterExit=yes" grep -qx 'RemainAfterExit=yes' <<<"$unit"
check "netd.service: ExecStart=$prefix/sbin/netd boot" grep -qx "ExecStart=$prefix/sbin/netd boot" <<<"$unit"
check "netd.service: no ExecStop (stopping it stops no network)" eval '! grep -q "^ExecStop" <<<"$unit"'
check "netd.service: KillMode=process (its dnsmasq outlive a stop)" grep -qx 'KillMode=process' <<<"$unit"
check "netd.service: after the host's firewall" grep -q '^After=.*nftables.service' <<<"$unit"
check "netd.service: before libvirtd" grep -q '^Before=.*libvirtd.service' <<<"$unit"
run_dir=$(sed -n 's/^NETD_RUN_DIR:PATH=//p' "$build/CMakeCache.txt")
sock=$(cat "$root/lib/systemd/system/netd-user.socket")
check "netd-user.socket: ListenStream=$run_dir/user.sock" grep -qx "ListenStream=$run_dir/user.sock" <<<"$sock"
check "netd-user.socket: Accept=yes, mode 0666" eval 'grep -qx Accept=yes <<<"$sock" && grep -qx SocketMode=0666 <<<"$sock"'
uunit=$(cat "$root/lib/systemd/system/netd-user@.service")
check "netd-user@.service: ExecStart=$prefix/sbin/netd serve-user" grep -qx "ExecStart=$prefix/sbin/netd serve-user" <<<"$uunit"
check "netd-user@.service: the connection on stdin and stdout" eval 'grep -qx StandardInput=socket <<<"$uunit" && grep -qx StandardOutput=socket <<<"$uunit"'
check "netd-user@.service: KillMode=process (dnsmasq outlives the request)" grep -qx 'KillMode=process' <<<"$uunit"
check "the example delegation.conf is all comments" eval '! grep -v "^#" "$root/share/doc/netd/delegation.conf.example" | grep -q .'
fw=$(cat "$root/lib/systemd/system/netd-firewall.service")
check "netd-firewall.service: runs netd apply" grep -qx "ExecStart=$prefix/sbin/netd apply" <<<"$fw"
check "netd-firewall.service: follows nftables/firewalld/docker/ufw restarts" \
	grep -qx 'PartOf=nftables.service firewalld.service docker.service ufw.service' <<<"$fw"
check "netd-firewall.service: and their reloads" grep -qx \
	'ReloadPropagatedFrom=nftables.service firewalld.service docker.service ufw.service' <<<"$fw"
rp=$(cat "$root/lib/systemd/system/netd-resolv.path")
check "netd-resolv.path: watches /etc/resolv.conf" grep -qx 'PathChanged=/etc/resolv.conf' <<<"$rp"
check "netd-resolv.path: and systemd-resolved's file" \
	grep -qx 'PathChanged=/run/systemd/resolve/stub-resolv.conf' <<<"$rp"
check "netd-resolv.path: starts netd-resolv.service" grep -qx 'Unit=netd-resolv.service' <<<"$rp"
check "netd-resolv.service: runs netd apply" grep -qx "ExecStart=$prefix/sbin/netd apply" \
	"$root/lib/systemd/system/netd-resolv.service"
check "tmpfiles.d: creates /run/netd" grep -q '^d /run/netd ' "$root/lib/tmpfiles.d/netd.conf"
if command -v systemd-analyze >/dev/null; then
	for u in netd.service netd-resolv.path netd-resolv.service; do
		out=$(systemd-analyze verify --man=no --root="$dest" "$root/lib/systemd/system/$u" 2>&1 |
			grep -v -e 'not found' -e 'Failed to' || true)
		check "systemd-analyze verify: no complaint about $u${out:+: $out}" test -z "$out"
	done
fi
if command -v man >/dev/null; then
	warn=$(MANWIDTH=80 man --warnings -l "$root/share/man/man8/netd.8" 2>&1 >/dev/null)
	check "netd(8) formats without warnings${warn:+: $warn}" test -z "$warn"
fi
# The installed binary, from the prefix, on files in a scratch directory.
export NETD_CONF_DIR=$dest/c NETD_RUN_DIR=$dest/r NETD_STATE_DIR=$dest/s \
	NETD_BRIDGE_CONF=$dest/q/bridge.conf
check "installed netd validates the installed default.xml" \
	"$root/sbin/netd" validate "$root/share/netd/templates/default.xml"
# Not grep -q: under pipefail, grep leaving at the first match kills netd
# with SIGPIPE when it has more to write, and the check fails at random.
check "installed netd plans the installed default.xml" \
	eval '"$root/sbin/netd" plan "$root/share/netd/templates/default.xml" | grep "create bridge virbr0" >/dev/null'
# install-default reads the host's addresses and routes (only reads) and
# writes into the scratch NETD_CONF_DIR, from the template in the binary.
mv "$root/share/netd" "$dest/moved-away"
check "installed netd's install-default works with no template on disk" \
	"$root/sbin/netd" install-default
check "it wrote the default network" grep -q "<name>default</name>" "$dest/c/default.xml"
check "bash completion defines _netd" bash -c ". '$root/share/bash-completion/completions/netd' && declare -F _netd"
# complete WORDS...: what the completion offers for the last (partial) word.
complete_words() {
	bash -c '. "$1" && shift && COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) &&
		_netd && printf "%s " "${COMPREPLY[@]}"' _ "$root/share/bash-completion/completions/netd" "$@"
}
check "completion: netd user <TAB>" eq_words "$(complete_words netd user '')" "create list destroy leases "
check "completion: netd user create x --<TAB>" eq_words "$(complete_words netd user create x --)" \
	"--nat --isolated --transient --lease-time --help "

[ $fails = 0 ] || { echo "layout: $fails failure(s)"; exit 1; }
echo "layout: passed"
