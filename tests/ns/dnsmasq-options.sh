#!/bin/bash
# libvirt's <dnsmasq:options>: the allowed directives reach the real dnsmasq
# and through it the guests (DHCP options that busybox udhcpc receives, one
# of them only for a tagged MAC; a cname, a host-record, an address= and a
# TXT record answered by dig), and every refused directive is named by
# `netd validate` and `netd define`, which then define nothing.
# Usage: dnsmasq-options.sh NETD_BINARY
# Private namespaces only: ns_enter (lib.sh) re-runs this script under
# unshare --mount --net --pid, and ns_assert_private refuses to go on in the
# namespaces it was started from.
. "$(dirname "$0")/lib.sh"
ns_enter "$@"

BR=virbr31 GW=192.168.161.1
NS_XMLNS="xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'"

# net_xml NAME OPTION-VALUE...: an isolated network with DHCP and these
# <dnsmasq:option>s.
net_xml() {
	local name=$1 v
	shift
	printf "<network %s>\n  <name>%s</name>\n  <bridge name='%s'/>\n" "$NS_XMLNS" "$name" "$BR"
	printf "  <domain name='lab.example' localOnly='yes'/>\n"
	printf "  <ip address='%s' prefix='24'>\n" "$GW"
	printf "    <dhcp><range start='192.168.161.100' end='192.168.161.199'/></dhcp>\n  </ip>\n"
	printf "  <dnsmasq:options>\n"
	for v in "$@"; do printf "    <dnsmasq:option value='%s'/>\n" "$v"; done
	printf "  </dnsmasq:options>\n</network>\n"
}

has_text() { grep -qF -- "$2" <<<"$1"; } # has_text TEXT STRING

# ---- every refused kind is named, and nothing is defined ------------------
refused=(
	"dhcp-script=/bin/sh|'dhcp-script' is not allowed: it runs a program"
	"dhcp-luascript=/tmp/x.lua|'dhcp-luascript' is not allowed: it runs a program"
	"conf-file=/etc/passwd|'conf-file' is not allowed: it makes dnsmasq read or write a file"
	"conf-dir=/etc/dnsmasq.d|'conf-dir' is not allowed: it makes dnsmasq read or write a file"
	"addn-hosts=/etc/shadow|'addn-hosts' is not allowed: it makes dnsmasq read or write a file"
	"dhcp-hostsfile=/etc/x|'dhcp-hostsfile' is not allowed: it makes dnsmasq read"
	"dhcp-leasefile=/etc/cron.d/x|'dhcp-leasefile' is not allowed: it makes dnsmasq read"
	"pid-file=/etc/x.pid|'pid-file' is not allowed: it makes dnsmasq read"
	"tftp-root=/|'tftp-root' is not allowed: it serves files over TFTP"
	"enable-tftp|'enable-tftp' is not allowed: it serves files over TFTP"
	"interface=lo|'interface' is not allowed: it changes where dnsmasq listens"
	"listen-address=0.0.0.0|'listen-address' is not allowed: it changes where dnsmasq listens"
	"port=5353|'port' is not allowed: it changes where dnsmasq listens"
	"user=root|'user' is not allowed: it changes the user or group dnsmasq runs as"
	"group=root|'group' is not allowed: it changes the user or group dnsmasq runs as"
	"nftset=/x.example/4#inet#t#s|'nftset' is not allowed: it changes the host outside dnsmasq"
	"dhcp-range=192.168.161.20,192.168.161.30|'dhcp-range' is not allowed: netd writes it"
	"foo=bar|'foo' is not in netd's allowlist of dnsmasq options (see netd(8))"
	"dhcp-option=3,1.2.3.4&#10;dhcp-script=/bin/sh|'dhcp-option': the value contains a line break"
	"cname=www.lab.example|'cname': is not CNAME,TARGET[,TTL]"
)
for r in "${refused[@]}"; do
	v=${r%%|*} msg=${r#*|}
	net_xml bad "log-dhcp" "$v" >"$T/bad.xml"
	nd validate "$T/bad.xml"
	check "validate refuses '$v' (exit 1)" eq "$RC" 1
	check "  at its line" has "$ERR" "bad.xml:10: <dnsmasq:option value='"
	check "  naming it: $msg" has_text "$ERR" "$msg"
	nd define "$T/bad.xml"
	check "define refuses '$v'" eq "$RC" 1
	check "  nothing was defined" test ! -e /etc/netd/networks/bad.xml
done

# ---- the allowed ones reach dnsmasq and the guests ------------------------
net_xml opts \
	"dhcp-option=option:ntp-server,$GW,192.0.2.123" \
	'dhcp-option=252,"http://wpad.lab.example/wpad.dat"' \
	"dhcp-mac=set:special,52:54:00:aa:*:*" \
	"dhcp-option=tag:special,option:ntp-server,192.0.2.99" \
	"host-record=files.lab.example,192.168.161.5" \
	"cname=www.lab.example,files.lab.example" \
	"address=/ads.example/#" \
	"txt-record=info.lab.example,hello from netd" \
	"dhcp-authoritative" \
	"log-dhcp" >"$T/opts.xml"
nd validate "$T/opts.xml"
check "validate takes the allowed options" eq "$RC" 0
nd_ok define "$T/opts.xml"
nd dumpxml opts
check "dumpxml writes the options back in libvirt's namespace" \
	has "$OUT" "<dnsmasq:option value='cname=www.lab.example,files.lab.example'/>"
check "  with the namespace declared" has "$OUT" "^<network $NS_XMLNS"
nd plan opts
check "plan shows the options in the dnsmasq config" has "$OUT" "^dhcp-mac=set:special,52:54:00:aa:\*:\*$"
nd start opts
check "start opts: exit 0" eq "$RC" 0
check "dnsmasq of opts runs" dnsmasq_pid opts
conf=$(cat /var/lib/netd/dnsmasq/opts.conf 2>&1)
check "the conf has the options before netd's block" \
	has "$(sed -n '/^log-dhcp$/,$p' <<<"$conf")" "^## netd:"
check "dhcp-authoritative is written once" eq "$(grep -c '^dhcp-authoritative$' <<<"$conf")" 1

# udhcpc exports what it got as $ntpsrv and $wpad to its script: a wrapper
# around lib.sh's script records them.
cat >"$T/udhcpc-env.sh" <<EOF
#!/bin/sh
case \$1 in bound|renew) printf '%s\n' "ntpsrv=\$ntpsrv" "wpad=\$wpad" >"\$ENV_FILE" ;; esac
exec "$T/udhcpc.sh" "\$@"
EOF
chmod 0755 "$T/udhcpc-env.sh"
# guest_opts NAME: a DHCP exchange that asks for options 42 and 252.
guest_opts() {
	local g=$1
	rm -f "$T/$g.env" "$T/$g.lease"
	timeout 30 ip netns exec "$g" env LEASE_FILE="$T/$g.lease" ENV_FILE="$T/$g.env" \
		busybox udhcpc -f -q -n -i eth0 -t 10 -T 1 -A 1 -s "$T/udhcpc-env.sh" \
		-O ntpsrv -O wpad >"$T/$g.udhcpc" 2>&1
	[ -s "$T/$g.env" ] || {
		sed 's/^/  | /' "$T/$g.udhcpc"
		return 1
	}
	sed 's/^/  got /' "$T/$g.env"
}
guest_add g1 $BR 52:54:00:01:00:01
guest_add g2 $BR 52:54:00:aa:00:02
check "g1: DHCP lease with extra options" guest_opts g1
check "g1: ntp servers from dhcp-option" grep -qx "ntpsrv=$GW 192.0.2.123" "$T/g1.env"
check "g1: wpad URL from dhcp-option=252" \
	grep -qx "wpad=http://wpad.lab.example/wpad.dat" "$T/g1.env"
check "g2 (MAC tagged by dhcp-mac): DHCP lease" guest_opts g2
check "g2: the tagged ntp server instead" grep -qx "ntpsrv=192.0.2.99" "$T/g2.env"

dig_at() { timeout 10 ip netns exec g1 dig +short +time=2 +tries=2 "@$GW" "$@" 2>&1; }
check "host-record answered" eq "$(dig_at files.lab.example A)" 192.168.161.5
check "cname answered, with its target's address" \
	eq "$(dig_at www.lab.example A | tr '\n' ' ')" "files.lab.example. 192.168.161.5 "
check "address=/ads.example/# answers 0.0.0.0" eq "$(dig_at x.ads.example A)" 0.0.0.0
check "txt-record answered" eq "$(dig_at info.lab.example TXT)" '"hello from netd"'

# A changed option list reaches the running dnsmasq by reload (its config
# changed: restarted), and a refused one never gets that far.
opts_args=(
	"dhcp-option=option:ntp-server,$GW,192.0.2.123"
	"host-record=files.lab.example,192.168.161.5"
	"cname=www.lab.example,files.lab.example"
	"cname=ftp.lab.example,files.lab.example"
)
net_xml opts "${opts_args[@]}" >"$T/opts2.xml"
nd_ok define "$T/opts2.xml"
nd reload opts
check "reload opts: exit 0" eq "$RC" 0
check "  dnsmasq restarted for the new options" has "$OUT" "dnsmasq restarted"
check "the new cname is answered" \
	eq "$(dig_at ftp.lab.example A | tr '\n' ' ')" "files.lab.example. 192.168.161.5 "
check "the removed address= is gone" eq "$(dig_at x.ads.example A)" ""
net_xml opts "${opts_args[@]}" "dhcp-script=/bin/sh" >"$T/opts3.xml"
nd define "$T/opts3.xml"
check "define of a refused option over a running network fails" eq "$RC" 1
nd dumpxml opts
check "  the stored definition is unchanged" lacks "$OUT" "dhcp-script"
check "  and so is the running dnsmasq's config" \
	lacks "$(cat /var/lib/netd/dnsmasq/opts.conf)" "dhcp-script"

nd stop opts --force
check "stop opts: exit 0" eq "$RC" 0
check_gone opts $BR
ns_exit
