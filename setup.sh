#!/bin/bash
# netd set-up on a Debian 12 machine, as root.
#
#   ./setup.sh          install what netd needs, build, install, and bring up
#                       the default network on this host
#   ./setup.sh test     install what the tests need, build, run the whole
#                       test suite (this is what CI runs)
#
# Environment: BUILD_DIR (default ./build), PREFIX (default /usr/local).
set -euo pipefail

mode=${1:-host}
src=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$src/build}
prefix=${PREFIX:-/usr/local}

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# dnsmasq-base, not dnsmasq: the full package starts a host-wide DNS server
# on port 53 that collides with netd's per-network instances.
build_pkgs=(gcc make cmake pkg-config libnl-3-dev libnl-route-3-dev
            libnftables-dev libxml2-dev libjansson-dev libsystemd-dev)
run_pkgs=(dnsmasq-base nftables iproute2)
# The namespace tests (tests/ns): busybox for udhcpc and ping in the
# guests, socat for the upstream echo service, dig, jq for --json output.
# The end-to-end test (tests/e2e): qemu-system-x86 for qemu-system-x86_64 and
# qemu-bridge-helper; its guest kernel and busybox are only downloaded.
# The firewalld test (tests/ns/firewalld.sh): firewalld, and dbus-daemon for
# its private system bus.
# The lint test (tests/lint.sh): cppcheck and clang-tidy (with jq, above).
# The fuzzers (tests/fuzz): clang and its libFuzzer runtime.
# The host firewall test (tests/ns/hostfw.sh): iptables (iptables-nft) and ufw.
test_pkgs=(libcmocka-dev util-linux busybox socat bind9-dnsutils jq qemu-system-x86 clang libclang-rt-14-dev
           ndisc6 isc-dhcp-client cppcheck clang-tidy clang-format iptables ufw
           firewalld dbus-daemon
           iperf3 # iperf3: tests/ns/bandwidth.sh measures the shaped rates
           # tests/ns/delegation.sh: systemd-socket-activate (package systemd;
           # no systemd as PID 1 needed), useradd (passwd), python3 for a raw
           # socket client; tests/ns/user-view.sh: strace for its flock check
           systemd passwd python3 strace)

install_pkgs() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure_build() {
	cmake -S "$src" -B "$build" -DCMAKE_INSTALL_PREFIX="$prefix" "$@" >/dev/null
	cmake --build "$build" -j"$(nproc)"
}

[ "$(id -u)" = 0 ] || die "run as root (it installs packages${mode:+ and }touches the host network)"
command -v apt-get >/dev/null || die "needs apt-get (Debian 12 or a derivative)"

case $mode in
host)
	install_pkgs "${build_pkgs[@]}" "${run_pkgs[@]}"
	configure_build -DNETD_TESTS=OFF
	cmake --install "$build" >/dev/null
	netd=$prefix/sbin/netd
	say "installed $netd"
	# What the package's post-install hook and the boot unit do.
	"$netd" install-default
	# Under systemd, enable the units so the network comes back at every
	# boot, and start it through netd.service, so that dnsmasq lives in
	# that unit rather than in this login session. Only in the init's own
	# network namespace: run inside 'unshare --net' to try netd out, this
	# must not start netd on the real host.
	if [ -d /run/systemd/system ] &&
	   [ "$(readlink /proc/1/ns/net)" = "$(readlink /proc/self/ns/net)" ]; then
		systemd-tmpfiles --create netd.conf || true
		systemctl daemon-reload
		systemctl enable netd.service netd-firewall.service netd-resolv.path
		systemctl start netd.service netd-firewall.service netd-resolv.path ||
			die "netd.service failed: see 'journalctl -u netd.service'"
		say "netd.service, netd-firewall.service and netd-resolv.path enabled and started"
	else
		say "not under systemd here (or in a private network namespace): running 'netd boot' directly"
		"$netd" boot
	fi
	"$netd" list --all
	;;
test)
	install_pkgs "${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}"
	configure_build -DNETD_TESTS=ON
	cd "$build"
	exec ctest --output-on-failure --timeout 600 -j"$(nproc)"
	;;
*)
	die "unknown mode '$mode' (expected nothing or 'test')"
	;;
esac
