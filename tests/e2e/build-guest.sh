#!/bin/bash
# Build (or find in the cache) the tiny guest of the end-to-end test: a Debian
# kernel and a busybox initramfs whose /init loads virtio-net, asks for a DHCP
# lease on eth0, prints it on the serial console and powers off.
#
# Usage: build-guest.sh CACHE_DIR
#   Leaves CACHE_DIR/guest/{vmlinuz,initrd.img,manifest}. Prints what it
#   downloaded, or that it used the cache. Needs the network only on a cold
#   cache, and only Debian's package archive (apt-get download); run it before
#   entering any private network namespace.
#
# Environment: NETD_E2E_KERNEL_PKG (default linux-image-cloud-amd64: Debian's
# cloud kernel, whose virtio_net and its dependencies are modules; it has no
# e1000). The guest is rebuilt when this script changes or the package
# choice does, not when the archive gets a newer kernel.
set -euo pipefail

cache=${1:?usage: build-guest.sh CACHE_DIR}
kpkg=${NETD_E2E_KERNEL_PKG:-linux-image-cloud-amd64}
bbpkg=busybox-static
# virtio_net needs a virtio transport: virtio_pci for qemu's virtio-net-pci.
# Their dependencies are resolved from the modules' own "depends=" fields.
want_modules=(virtio_pci virtio_net)

say() { printf 'build-guest: %s\n' "$*"; }
die() { printf 'build-guest: %s\n' "$*" >&2; exit 1; }

mkdir -p "$cache"
chmod 0755 "$cache"
exec 9>"$cache/.lock"
flock -w 120 9 || die "cannot lock $cache/.lock"

key=$( { sha256sum <"$0"; echo "$kpkg $bbpkg"; } | sha256sum | cut -c1-16)
guest=$cache/guest
if [ -f "$guest/stamp" ] && [ "$(cat "$guest/stamp")" = "$key" ] &&
   [ -s "$guest/vmlinuz" ] && [ -s "$guest/initrd.img" ]; then
	say "cached guest in $guest (built $(stat -c %y "$guest/stamp" | cut -d. -f1)):"
	sed 's/^/build-guest:   /' "$guest/manifest"
	exit 0
fi

t0=$(date +%s.%N)
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- download -----------------------------------------------------------
apt_opts=(-q -o APT::Sandbox::User=root)
updated=false
apt_update_once() {
	$updated && return 1
	updated=true
	say "refreshing the package lists (apt-get update)"
	apt-get update -qq >&2 || true
}

# The kernel package is a meta-package: download the versioned image it
# depends on (apt-get download fetches exactly the names it is given).
kimg=
for _ in 1 2; do
	kimg=$(apt-cache depends --important "$kpkg" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	[ -n "$kimg" ] && break
	case $kpkg in linux-image-[0-9]*) kimg=$kpkg; break ;; esac
	apt_update_once || break
done
[ -n "$kimg" ] || die "cannot resolve $kpkg to a kernel image package (apt-cache depends)"

mkdir "$work/debs"
download() {
	(cd "$work/debs" && apt-get download "${apt_opts[@]}" "$@" >&2)
}
if ! download "$kimg" "$bbpkg"; then
	apt_update_once || true
	download "$kimg" "$bbpkg" || die "apt-get download $kimg $bbpkg failed"
fi
say "downloaded:"
for deb in "$work"/debs/*.deb; do
	say "$(printf '  %-40s %-28s %6s KiB' "$(dpkg-deb -f "$deb" Package)" \
		"$(dpkg-deb -f "$deb" Version)" "$(($(stat -c %s "$deb") / 1024))")"
done

# --- extract ------------------------------------------------------------
for deb in "$work"/debs/*.deb; do
	dpkg-deb -x "$deb" "$work/x"
done
bb=$work/x/bin/busybox
[ -x "$bb" ] || die "$bbpkg has no /bin/busybox"
vmlinuz=$(find "$work/x/boot" -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort | head -n1)
[ -n "$vmlinuz" ] || die "$kimg has no /boot/vmlinuz-*"
kver=${vmlinuz##*/vmlinuz-}
moddir=$work/x/lib/modules/$kver
[ -f "$moddir/modules.order" ] || die "$kimg has no modules.order"

# --- modules: the wanted ones and their dependencies, in load order ---
# The package ships no modules.dep (depmod runs at install time), so read
# each module's .modinfo "depends=" string; modules.builtin needs nothing.
declare -A seen=()
order=()
modpath() { grep -m1 -E "(^|/)$1\.ko$" "$moddir/modules.order" || true; }
add_module() {
	local name=${1//-/_} rel dep
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	rel=$(modpath "$name")
	if [ -z "$rel" ]; then
		grep -q -E "(^|/)$name\.ko$" "$moddir/modules.builtin" &&
			return 0
		die "module $name is neither in modules.order nor built in ($kver)"
	fi
	for dep in $(tr '\0' '\n' <"$moddir/$rel" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$dep"
	done
	order+=("$name")
}
for m in "${want_modules[@]}"; do add_module "$m"; done

root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,etc,lib/modules,tmp}
cp "$bb" "$root/bin/busybox"
for m in "${order[@]}"; do
	cp "$moddir/$(modpath "$m")" "$root/lib/modules/$m.ko"
done
printf '%s\n' "${order[@]}" >"$root/etc/modules.list"

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# netd e2e guest: load virtio-net, get a DHCP lease on eth0, print it, power off.
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
up() { cut -d' ' -f1 /proc/uptime; }
echo "GUEST init at $(up)s, kernel $(uname -r)"
for m in $(cat /etc/modules.list); do
	insmod "/lib/modules/$m.ko" || echo "GUEST insmod $m failed"
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ip link set lo up
if ip link set eth0 up; then
	echo "GUEST eth0 $(cat /sys/class/net/eth0/address) up at $(up)s"
	udhcpc -i eth0 -f -q -n -t 20 -T 1 -s /etc/udhcpc.script -x hostname:netd-e2e-guest ||
		echo "GUEST NO LEASE"
else
	echo "GUEST no eth0"
fi
echo "GUEST poweroff at $(up)s"
sync
poweroff -f
EOF
cat >"$root/etc/udhcpc.script" <<'EOF'
#!/bin/sh
# udhcpc's hook: on a lease, configure eth0 and say so on the console.
case $1 in
bound|renew)
	ip addr add "$ip/${mask:-24}" dev "$interface" 2>/dev/null
	echo "LEASE $ip mask=${mask:-} router=${router:-} dns=${dns:-} lease=${lease:-}s at $(cut -d' ' -f1 /proc/uptime)s"
	;;
esac
exit 0
EOF
chmod 0755 "$root/init" "$root/etc/udhcpc.script"

# Owned by root in the archive whoever builds it; busybox's own cpio, so the
# host needs no cpio package.
(cd "$root" && find . | sort | "$bb" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9 >"$work/initrd.img"

# --- publish ------------------------------------------------------------
stage=$work/guest
mkdir "$stage"
cp "$vmlinuz" "$stage/vmlinuz"
mv "$work/initrd.img" "$stage/initrd.img"
{
	for deb in "$work"/debs/*.deb; do
		echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
	done
	echo "kernel $kver"
	echo "modules ${order[*]}"
	echo "vmlinuz $(stat -c %s "$stage/vmlinuz") bytes, initrd.img $(stat -c %s "$stage/initrd.img") bytes"
} >"$stage/manifest"
echo "$key" >"$stage/stamp"
chmod 0755 "$stage"
chmod 0644 "$stage"/*
rm -rf "$guest"
mv "$stage" "$guest"
t1=$(date +%s.%N)
say "built guest in $guest in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s:"
sed 's/^/build-guest:   /' "$guest/manifest"
