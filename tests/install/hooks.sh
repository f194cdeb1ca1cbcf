#!/bin/bash
# The Debian postrm and the RPM %postun on purge remove netd's own files and
# never the administrator's: run against a fake root (DPKG_ROOT for Debian;
# for RPM the scriptlet's paths are rewritten into it), inside a private
# mount namespace where deb-systemd-helper is a no-op, so that nothing of
# the host's systemd state or /etc is touched.
# Usage: hooks.sh SOURCE_DIR
# Exit: 0 pass, 1 fail, 77 skipped (not root: no mount namespace).
set -uo pipefail
src=$(realpath "${1:?usage: hooks.sh SOURCE_DIR}")

if [ "${NETD_HOOKS_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "skipped: needs root (a private mount namespace)"; exit 77; }
	NETD_HOOKS_INSIDE=1 exec unshare --mount --propagation private -- bash "$0" "$@"
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# purge runs deb-systemd-helper: a no-op here, so the host's enable state
# (/var/lib/systemd/deb-systemd-helper-*) is never changed.
[ -e /usr/bin/deb-systemd-helper ] && mount --bind /bin/true /usr/bin/deb-systemd-helper

fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

mark='# netd: added for a netd network, removed when it stops'
admin_conf=$'# qemu bridge ACL: the administrator\'s\nallow br-admin\ninclude /etc/qemu/extra.conf\n'

# lay_root ROOT: a host with netd's default network (as postinst wrote it),
# an admin's network, two running records, and bridge.conf holding the
# admin's lines around netd's marked pairs (one an include of a group ACL).
lay_root() {
	local r=$1
	mkdir -p "$r/etc/netd/networks/autostart" "$r/var/lib/netd/dnsmasq" "$r/run/netd" \
		"$r/etc/qemu"
	printf '<network><name>default</name></network>\n' >"$r/etc/netd/networks/default.xml"
	ln -s ../default.xml "$r/etc/netd/networks/autostart/default.xml"
	printf '<network><name>mine</name></network>\n' >"$r/etc/netd/networks/mine.xml"
	(cd "$r/etc/netd/networks" && sha256sum default.xml) >"$r/var/lib/netd/default.xml.sha256"
	: >"$r/var/lib/netd/dnsmasq/default.leases"
	: >"$r/run/netd/default.xml"
	{
		printf '# qemu bridge ACL: the administrator'\''s\n'
		printf '%s\nallow virbr0\n' "$mark"
		printf 'allow br-admin\n'
		printf '%s\ninclude /etc/qemu/netd-virbr7.conf\n' "$mark"
		printf 'include /etc/qemu/extra.conf\n'
	} >"$r/etc/qemu/bridge.conf"
	chmod 0640 "$r/etc/qemu/bridge.conf"
	printf 'allow virbr7\n' >"$r/etc/qemu/netd-virbr7.conf"
	printf 'allow br-extra\n' >"$r/etc/qemu/extra.conf"
}

# after_purge ROOT WHO: what must and must not be left.
after_purge() {
	local r=$1 who=$2
	check "$who: netd's default network is gone" test ! -e "$r/etc/netd/networks/default.xml"
	check "$who: its autostart mark is gone" test ! -L "$r/etc/netd/networks/autostart/default.xml"
	check "$who: the admin's network stays" test -f "$r/etc/netd/networks/mine.xml"
	check "$who: /var/lib/netd is gone" test ! -e "$r/var/lib/netd"
	check "$who: bridge.conf holds exactly the admin's lines" \
		test "$(cat "$r/etc/qemu/bridge.conf"; echo .)" = "$admin_conf."
	check "$who: bridge.conf keeps its mode" test "$(stat -c %a "$r/etc/qemu/bridge.conf")" = 640
	check "$who: netd's group ACL file is gone" test ! -e "$r/etc/qemu/netd-virbr7.conf"
	check "$who: the admin's included file stays" test -f "$r/etc/qemu/extra.conf"
}

# ---- Debian: postrm purge with DPKG_ROOT ---------------------------------
r=$scratch/deb
lay_root "$r"
DPKG_ROOT=$r sh "$src/install/debian/postrm" purge >"$scratch/deb.out" 2>&1
rc=$?
cat "$scratch/deb.out"
check "postrm purge: exit 0" test $rc = 0
check "postrm purge: says the running network stays until reboot" \
	grep -q "still running until the next reboot: default" "$scratch/deb.out"
after_purge "$r" postrm
check "postrm: /run/netd is gone" test ! -e "$r/run/netd"
check "postrm: /etc/netd stays for the admin's network" test -d "$r/etc/netd/networks"

r=$scratch/deb-changed
lay_root "$r"
printf '<network><name>default</name><!-- mine now --></network>\n' >"$r/etc/netd/networks/default.xml"
DPKG_ROOT=$r sh "$src/install/debian/postrm" purge >"$scratch/deb2.out" 2>&1
check "postrm purge, default changed by the admin: it stays" \
	test -f "$r/etc/netd/networks/default.xml"
check "postrm purge, default changed: says why it is kept" \
	grep -q "keeping .*default.xml: it was changed after installation" "$scratch/deb2.out"

r=$scratch/deb-remove
lay_root "$r"
DPKG_ROOT=$r sh "$src/install/debian/postrm" remove >/dev/null 2>&1
check "postrm remove: keeps every config and the lease file" \
	test -f "$r/etc/netd/networks/default.xml" -a -f "$r/var/lib/netd/dnsmasq/default.leases"

# ---- RPM: the %postun scriptlet, its paths rewritten into a fake root -----
r=$scratch/rpm
lay_root "$r"
# The scriptlet names /etc/qemu/... in bridge.conf's include lines too:
# point those into the root as well.
sed -i "s|include /etc/qemu/|include $r/etc/qemu/|" "$r/etc/qemu/bridge.conf"
awk '/^%(pre|post|preun|postun|pretrans|posttrans|files)([ \t]|$)/ { on = $1 == "%postun"; next }
     on' "$src/install/rpm/netd.spec.scriptlets" |
	sed -e '/^%systemd_postun/d' -e "s|%{_sysconfdir}|$r/etc|g" \
	    -e "s|%{_sharedstatedir}|$r/var/lib|g" -e "s|%{_rundir}|$r/run|g" >"$scratch/postun.sh"
if grep -q '%{' "$scratch/postun.sh"; then
	bad "rpm %postun: a macro left unrewritten: $(grep -o '%{[a-z_]*}' "$scratch/postun.sh" | sort -u)"
else
	sh -e "$scratch/postun.sh" 0 >"$scratch/rpm.out" 2>&1
	rc=$?
	cat "$scratch/rpm.out"
	check "rpm %postun 0: exit 0" test $rc = 0
	sed -i "s|include $r/etc/qemu/|include /etc/qemu/|" "$r/etc/qemu/bridge.conf"
	after_purge "$r" "rpm %postun"
fi

if [ $fails != 0 ]; then
	echo "hooks: $fails failure(s)"
	exit 1
fi
echo "hooks: passed"
