# shellcheck shell=bash
# bench/run --vs-libvirt: netd against libvirt's network driver, sourced by
# bench/run inside its private namespaces (it uses bench/run's helpers and
# $T, $NETD, $CYCLES, $SCALES). Writes $T/lv.tsv (measure netd libvirt),
# $T/lv-table.md and $T/lv-per-network.dat (N k ms, libvirt's starts) and
# $T/lv-netd-per-network.dat (the same for netd, interleaved).
section libvirt
[ "${NETD_NS_INSIDE:-}" = 1 ] || die "libvirt.sh runs inside bench/run's namespaces only"
command -v libvirtd >/dev/null && command -v virsh >/dev/null ||
	die "libvirtd/virsh missing (bench/run --vs-libvirt installs them before entering the namespaces)"
LV_SO=$(dpkg -L libvirt-daemon 2>/dev/null | grep '/libvirt_driver_network\.so$' | head -1)
[ -n "$LV_SO" ] || LV_SO=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_network.so
[ -e "$LV_SO" ] || die "libvirt_driver_network.so not found"

# ---- libvirtd, by hand, in these namespaces -----------------------------------
# /etc and /var/lib are already overlays of bench/run's namespaces and /run a
# tmpfs; tmpfs over libvirt's own directories as well, so that not even the
# overlay's lower layer (the host's libvirt config and state) is read. Only
# directories that exist are mounted over: a mkdir outside the overlays
# would reach the host's file system.
mkdir -p "$T/lv-etc"
cp -a /etc/libvirt/. "$T/lv-etc/" 2>/dev/null
for d in /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
	case $d in /etc/* | /run/* | /var/lib/*) mkdir -p "$d" ;; esac
	[ -d "$d" ] || continue
	must mount -t tmpfs -o mode=0755 bench-libvirt "$d"
done
cp -a "$T/lv-etc/." /etc/libvirt/ # the package's libvirt.conf etc., nothing else
must mkdir -p "$T/lv-drivers"
ln -sf "$LV_SO" "$T/lv-drivers/"
LIBVIRT_DRIVER_DIR=$T/lv-drivers libvirtd --timeout 0 --pid-file /run/libvirt/bench-libvirtd.pid \
	>"$T/libvirtd.log" 2>&1 &
LV_PID=$!
wait_for 100 "libvirtd's socket" test -S /run/libvirt/libvirt-sock || die "libvirtd did not start (see $T/libvirtd.log)"
V() { timeout 60 virsh -q -c network:///system "$@"; }
V net-list --all >/dev/null || die "virsh -c network:///system does not connect"

# libvirt's stock default network (libvirt-daemon-config-network's
# default.xml, which Debian ships in a package that would also install it
# into the host's /etc/libvirt: so written here).
cat >"$T/lv-default.xml" <<'EOF'
<network>
  <name>default</name>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
EOF
V net-define "$T/lv-default.xml" >/dev/null || die "virsh net-define default failed"

: >"$T/lv.tsv"
lv_put() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$T/lv.tsv"; } # MEASURE NETD LIBVIRT
med() { median_of "$@"; }
p90() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {i = int(NR * 0.9 + 0.999); if (i < 1) i = 1; print a[i]}'; }
virbr0_gone() { ! ip link show dev virbr0 >/dev/null 2>&1 && [ -z "$(dnsmasq_pids)" ]; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null; }
# Start/stop commands of each tool. Both leave nothing of the default network
# behind (bridge and dnsmasq gone, checked) before the other one starts.
up_netd() { "$NETD" start "$1" >/dev/null; }
down_netd() { "$NETD" stop "$1" >/dev/null; }
up_libvirt() { V net-start "$1" >/dev/null; }
down_libvirt() { V net-destroy "$1" >/dev/null; }

# ---- start / stop, interleaved --------------------------------------------------
declare -A ST SP
for ((i = 0; i < CYCLES; i++)); do
	for tool in netd libvirt; do
		wait_for 100 "virbr0 and dnsmasq gone before $tool starts" virbr0_gone ||
			die "the default network is still up before $tool's start"
		a=$(now)
		"up_$tool" default || die "$tool start default failed"
		wait_for 100 "$tool's dnsmasq serves" serves_dns || die "$tool's dnsmasq does not serve"
		c=$(now)
		serves_dns
		c=$((c - ($(now) - c)))
		if ((i == 0)); then
			dm=$(dnsmasq_pids)
			sum=0
			for p in $dm; do sum=$((sum + $(rss_kb "$p"))); done
			printf '%s %s %s\n' "$(wc -w <<<"$dm")" "$sum" "$(for p in $dm; do ps -o user= -p "$p"; done | sort -u | tr '\n' ',' | sed 's/,$//')" \
				>"$T/lv-foot-$tool"
		fi
		"down_$tool" default || die "$tool stop default failed"
		d=$(now)
		ST[$tool]+="$(ms "$a" "$c") " SP[$tool]+="$(ms "$c" "$d") "
	done
done
# shellcheck disable=SC2086
{
	lv_put "start default until dnsmasq serves, median ms" "$(med ${ST[netd]})" "$(med ${ST[libvirt]})"
	lv_put "start default until dnsmasq serves, p90 ms" "$(p90 ${ST[netd]})" "$(p90 ${ST[libvirt]})"
	lv_put "stop default, median ms" "$(med ${SP[netd]})" "$(med ${SP[libvirt]})"
	lv_put "stop default, p90 ms" "$(p90 ${SP[netd]})" "$(p90 ${SP[libvirt]})"
}
read -r nd_n nd_rss nd_user <"$T/lv-foot-netd"
read -r lv_n lv_rss lv_user <"$T/lv-foot-libvirt"
lv_put "resident daemon RSS KiB (netd: none)" 0 "$(rss_kb "$LV_PID")"
lv_put "dnsmasq processes per network" "$nd_n" "$lv_n"
lv_put "dnsmasq RSS per network KiB" "$nd_rss" "$lv_rss"
printf '%s\t%s\t%s\n' "dnsmasq user(s)" "$nd_user" "$lv_user" >"$T/lv-users"

# ---- new port to first lease, interleaved ---------------------------------------
section libvirt first-lease
: "${LV_GUESTS:=5}"
declare -A FL
for ((i = 1; i <= LV_GUESTS; i++)); do
	for tool in netd libvirt; do
		wait_for 100 "virbr0 gone before $tool starts" virbr0_gone || die "the default network is still up"
		"up_$tool" default || die "$tool start default failed"
		g=l${tool:0:1}$i
		must ip netns add "$g"
		must ip link add "$g-br" type veth peer name eth0 netns "$g"
		must ip -n "$g" link set lo up
		must ip -n "$g" link set eth0 up
		a=$(now)
		must ip link set "$g-br" master virbr0 up
		timeout 30 ip netns exec "$g" env LEASE_FILE="$T/$g.lease" \
			busybox udhcpc -f -q -n -i eth0 -t 60 -T 1 -A 1 -s "$T/udhcpc.sh" >/dev/null 2>&1
		b=$(now)
		[ -s "$T/$g.lease" ] && FL[$tool]+="$(ms "$a" "$b") "
		ip link del "$g-br" 2>/dev/null
		ip netns del "$g" 2>/dev/null
		"down_$tool" default || die "$tool stop default failed"
	done
done
# shellcheck disable=SC2086
lv_put "new port to first lease (stock default), median ms" "$(med ${FL[netd]:-})" "$(med ${FL[libvirt]:-})"

# ---- scale: define + start of N networks, interleaved per N ------------------------
section libvirt scale
lnet_xml() { # I: network lI on bridge lbI, 10.(90+I/250).(I%250).0/24
	local i=$1 o=$((90 + $1 / 250)).$(($1 % 250))
	printf "<network><name>l%d</name><forward mode='nat'/><bridge name='lb%d'/><ip address='10.%s.1' prefix='24'><dhcp><range start='10.%s.2' end='10.%s.254'/></dhcp></ip></network>\n" \
		"$i" "$i" "$o" "$o" "$o"
}
def_netd() { "$NETD" define "$1" >/dev/null; }
def_libvirt() { V net-define "$1" >/dev/null; }
undef_netd() { "$NETD" undefine "$1" >/dev/null 2>&1; }
undef_libvirt() { V net-undefine "$1" >/dev/null 2>&1; }
: >"$T/lv-per-network.dat"
: >"$T/lv-netd-per-network.dat"
for N in $SCALES; do
	for tool in netd libvirt; do
		per=() failed=0
		a=$(now)
		for ((i = 1; i <= N; i++)); do
			lnet_xml "$i" >"$T/l$i.xml"
			"def_$tool" "$T/l$i.xml" || die "$tool define l$i failed"
			x=$(now)
			"up_$tool" "l$i" 2>"$T/lv-start.err" || { failed=$((failed + 1)); sed -n 1p "$T/lv-start.err"; }
			y=$(now)
			per+=("$(ms "$x" "$y")")
		done
		b=$(now)
		dm=$(dnsmasq_pids)
		sum=0
		for p in $dm; do sum=$((sum + $(rss_kb "$p"))); done
		printf '%s %s %s %s %s %s %s\n' "$(ms "$a" "$b")" "$(median_of "${per[@]}")" \
			"$(median_of "${per[@]:0:10}")" "$(median_of "${per[@]: -10}")" "$failed" "$(wc -w <<<"$dm")" \
			"$sum" >"$T/lv-scale-$tool-$N"
		[ "$tool" = libvirt ] && printf '%s\n' "$(rss_kb "$LV_PID")" >"$T/lv-scale-daemon-$N"
		f=$T/lv-per-network.dat
		[ "$tool" = netd ] && f=$T/lv-netd-per-network.dat
		printf '%s\n' "${per[@]}" | awk -v n="$N" '{print n, NR, $1}' >>"$f"
		a=$(now)
		for ((i = 1; i <= N; i++)); do "down_$tool" "l$i" 2>/dev/null; done
		b=$(now)
		echo "$(ms "$a" "$b")" >"$T/lv-scale-stop-$tool-$N"
		for ((i = 1; i <= N; i++)); do "undef_$tool" "l$i"; done
		wait_for 100 "no dnsmasq left after $tool's N=$N" no_dnsmasq || die "dnsmasq left after $tool's N=$N"
	done
	read -r nt npm nf10 nl10 nfail ndm nrss <"$T/lv-scale-netd-$N"
	read -r lt lpm lf10 ll10 lfail ldm lrss <"$T/lv-scale-libvirt-$N"
	lv_put "N=$N: define + start of N, total ms" "$nt" "$lt"
	lv_put "N=$N: per-network start, median ms" "$npm" "$lpm"
	lv_put "N=$N: first10 start, median ms" "$nf10" "$lf10"
	lv_put "N=$N: last10 start, median ms" "$nl10" "$ll10"
	lv_put "N=$N: last10 / first10" "$(ratio "$nl10" "$nf10")" "$(ratio "$ll10" "$lf10")"
	lv_put "N=$N: stop of N, total ms" "$(cat "$T/lv-scale-stop-netd-$N")" "$(cat "$T/lv-scale-stop-libvirt-$N")"
	lv_put "N=$N: failed starts" "$nfail" "$lfail"
	lv_put "N=$N: dnsmasq processes" "$ndm" "$ldm"
	lv_put "N=$N: dnsmasq RSS total KiB" "$nrss" "$lrss"
	lv_put "N=$N: resident daemon RSS KiB" 0 "$(cat "$T/lv-scale-daemon-$N")"
done

V net-undefine default >/dev/null
kill "$LV_PID" 2>/dev/null
wait_for 100 "libvirtd gone" bash -c "! kill -0 $LV_PID 2>/dev/null"

# ---- table and json ----------------------------------------------------------------
{
	printf '\n| measure (%s cycles, interleaved) | netd | libvirt | libvirt/netd |\n|---|---|---|---|\n' "$CYCLES"
	while IFS=$'\t' read -r m a b; do
		printf '| %s | %s | %s | %s |\n' "$m" "$a" "$b" "$(ratio "$b" "$a")"
	done <"$T/lv.tsv"
	IFS=$'\t' read -r m a b <"$T/lv-users"
	printf '| %s | %s | %s | |\n' "$m" "$a" "$b"
} >"$T/lv-table.md"
jq -R -s --arg users "$(cat "$T/lv-users")" --arg cycles "$CYCLES" '
	def num: if test("^-?[0-9.]+$") then tonumber else . end;
	{cycles: ($cycles | tonumber), version: "'"$(libvirtd --version | awk '{print $NF}')"'",
	 figures: [split("\n")[] | select(length > 0) | split("\t") |
		{measure: .[0], netd: (.[1] | num), libvirt: (.[2] | num),
		 ratio: (if (.[1] | num | type) == "number" and (.[2] | num | type) == "number" and (.[1] | num) > 0
			then ((.[2] | num) / (.[1] | num) * 100 | round / 100) else null end)}],
	 dnsmasq_users: ($users | split("\t") | {netd: .[1], libvirt: .[2]})}' "$T/lv.tsv" >"$T/lv.json" ||
	die "cannot write the libvirt figures"
