/* The network model: parsing every supported element, every rejection with
 * its message and line, defaults, and the dumpxml round trip. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp.h"
#include "model.h"
#include "testutil.h"

static void addr_is(const struct net_addr *a, const char *want)
{
	char buf[64];

	assert_int_equal(net_addr_str(a, buf, sizeof buf), 0);
	assert_string_equal(buf, want);
}

static void test_shipped_default(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	char mac[18];

	(void)state;
	tu_load(NETD_TEST_DATA "/../../templates/default.xml", &n);
	assert_string_equal(n.name, "default");
	assert_int_equal(n.fwd_mode, NET_FWD_NAT);
	assert_string_equal(n.bridge, "virbr0");
	/* off, unlike libvirt's: see the template's comment */
	assert_int_equal(n.stp, NET_NO);
	assert_int_equal(n.delay, 0);
	assert_int_equal(n.n_ips, 1);
	addr_is(&n.ips[0].addr, "192.168.122.1");
	assert_int_equal(n.ips[0].prefix, 24);
	assert_int_equal(n.ips[0].n_ranges, 1);
	addr_is(&n.ips[0].ranges[0].start, "192.168.122.2");
	addr_is(&n.ips[0].ranges[0].end, "192.168.122.254");
	assert_true(n.has_uuid);
	net_mac_str(n.mac, mac);
	assert_memory_equal(mac, "52:54:00:", 9);
	assert_int_equal(n.nat_port_start, 1024);
	assert_int_equal(n.nat_port_end, 65535);
}

/* libvirt's own stock default.xml: <forward/> without a mode means nat. */
static void test_libvirt_default(void **state)
{
	_cleanup_net_ struct net n = { 0 };

	(void)state;
	tu_load(tu_data("model/libvirt-default.xml"), &n);
	assert_true(n.has_forward);
	assert_int_equal(n.fwd_mode, NET_FWD_NAT);
	assert_string_equal(n.bridge, "virbr0");
}

static void test_full(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	char u[37], mac[18];

	(void)state;
	tu_load(tu_data("model/full.xml"), &n);
	net_uuid_str(n.uuid, u);
	assert_string_equal(u, "81ff0d90-c91e-6742-64da-4a736edb9a9b");
	assert_string_equal(n.fwd_dev, "eth1");
	addr_is(&n.nat_start, "203.0.113.10");
	addr_is(&n.nat_end, "203.0.113.20");
	assert_int_equal(n.nat_port_start, 2000);
	assert_int_equal(n.nat_port_end, 3000);
	assert_int_equal(n.nat_ipv6, NET_YES);
	assert_string_equal(n.bridge, "virbr7");
	assert_int_equal(n.stp, NET_NO);
	assert_int_equal(n.delay, 2);
	net_mac_str(n.mac, mac);
	assert_string_equal(mac, "52:54:00:aa:bb:01");
	assert_int_equal(n.mtu, 9000);
	assert_string_equal(n.domain, "lab.example");
	assert_int_equal(n.domain_local_only, NET_YES);
	assert_int_equal(n.dns.forward_plain_names, NET_NO);
	assert_int_equal(n.dns.n_fwds, 3);
	assert_string_equal(n.dns.fwds[1].domain, "corp.example");
	assert_int_equal(n.dns.fwds[2].addr.family, 0);
	assert_int_equal(n.dns.n_hosts, 1);
	assert_int_equal(n.dns.hosts[0].n_names, 2);
	assert_string_equal(n.dns.hosts[0].names[1], "printer.lab.example");
	assert_int_equal(n.dns.fwds[1].port, 5353);
	assert_int_equal(n.dns.n_srvs, 3);
	assert_string_equal(n.dns.srvs[2].target, ".");
	assert_int_equal(n.dns.srvs[0].port, 389);
	assert_int_equal(n.dns.srvs[1].port, -1);
	assert_string_equal(n.dns.txts[0].value, "lab network & friends");
	assert_int_equal(n.n_ips, 3);
	assert_int_equal(n.ips[0].local_ptr, NET_YES);
	assert_int_equal(n.ips[0].ranges[0].lease.seconds, 7200);
	assert_true(n.ips[0].hosts[1].lease.infinite);
	assert_int_equal(n.ips[1].prefix, 8); /* classful default, as libvirt */
	assert_int_equal(n.ips[2].addr.family, AF_INET6);
	assert_string_equal(n.ips[2].hosts[0].id, "0:3:0:1:0:16:3e:11:22:33");
	assert_non_null(net_dhcp_ip(&n, AF_INET6));
	assert_string_equal(n.access_group, "vmusers");
}

static char *format(const struct net *n)
{
	char *s = net_format_string(n);

	assert_non_null(s);
	return s;
}

/* dumpxml output parses back into the same model, which formats the same. */
static void round_trip(const char *path, const char *golden)
{
	_cleanup_net_ struct net a = { 0 };
	_cleanup_net_ struct net b = { 0 };
	_cleanup_free_ char *x1 = NULL, *x2 = NULL;

	tu_load(path, &a);
	x1 = format(&a);
	tu_load_str(x1, &b);
	x2 = format(&b);
	assert_string_equal(x1, x2);
	if (golden)
		tu_golden(x1, golden);
}

/* libxml2's message for a mismatched tag quotes both names: with long
 * names it is longer than the buffer the parser copies it into. The copy's
 * length, not the message's, must bound the trimming of its newline (this
 * read and wrote past the buffer, found by a fuzzer). */
static void test_long_xml_error(void **state)
{
	_cleanup_free_ char *xml = NULL;
	struct net n = { 0 };
	struct nerr e = { { 0 } };
	/* the message is 47 + 2 * 234 = 515 bytes: its end lies just past
	 * the 512-byte buffer, where ASan's redzone catches a stray access */
	char name[235];

	(void)state;
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	assert_true(asprintf(&xml, "<network><%s></b%s></network>", name, name) > 0);
	assert_int_equal(net_parse_memory(xml, strlen(xml), "long.xml", &n, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "long.xml:1: not well-formed XML: "));
	assert_null(strchr(e.msg, '\n'));
	net_free(&n);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip(tu_data("model/full.xml"), tu_data("model/full.dump.xml"));
	round_trip(tu_data("model/libvirt-default.xml"), NULL);
	round_trip(NETD_TEST_DATA "/../../templates/default.xml", NULL);
	round_trip(NETD_TEST_DATA "/../../templates/route.xml", NULL);
	round_trip(NETD_TEST_DATA "/../../templates/isolated.xml", NULL);
	round_trip(NETD_TEST_DATA "/../../templates/dual-stack.xml", NULL);
	round_trip(NETD_TEST_DATA "/../../templates/host-bridge.xml", NULL);
	round_trip(tu_data("dhcp/dnsmasq-opts.xml"), NULL);
}

/* libvirt's <bridge zone='NAME'/>: kept, written back, and its grammar. */
static void test_bridge_zone(void **state)
{
	static const char *const good[] = { "netd", "libvirt", "my-zone_2", "a23456789abcdefgh" };
	static const char *const bad[] = { "",	    "-x", "a/b", "a b", "a.b", "a23456789abcdefghi",
					   "zone'", "z\n" };
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *xml = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(
		tu_try_str("<network><name>t</name><bridge name='br1' zone='trusted'/></network>",
			   &n, &e),
		0);
	assert_string_equal(n.zone, "trusted");
	assert_non_null(xml = net_format_string(&n));
	assert_non_null(strstr(xml, "<bridge name='br1' zone='trusted'/>"));
	net_free(&n);
	memset(&n, 0, sizeof n);
	assert_int_equal(
		tu_try_str("<network><name>t</name><bridge name='br1'/></network>", &n, &e), 0);
	assert_string_equal(n.zone, "");
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!net_zone_ok(good[i]))
			fail_msg("zone '%s' refused", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (net_zone_ok(bad[i]))
			fail_msg("zone '%s' taken", bad[i]);
}

/* <forward mode='bridge'/>: the host's bridge, named; everything netd would
 * set up on a bridge of its own is refused, and defaults add nothing. */
static void test_host_bridge(void **state)
{
	static const struct {
		const char *xml, *msg;
	} bad[] = {
		{ "<forward mode='bridge'/>", "needs <bridge name='...'>" },
		{ "<forward mode='bridge' dev='eth0'/><bridge name='br0'/>",
		  "guests directly on a device (macvtap) are not supported" },
		{ "<forward mode='bridge'/><bridge name='br0'/><ip address='10.1.0.1' "
		  "prefix='24'/>",
		  "<ip> in a network with forward mode='bridge'" },
		{ "<forward mode='bridge'/><bridge name='br0'/><dns enable='no'/>", "<dns> in a" },
		{ "<forward mode='bridge'/><bridge name='br0'/><domain name='lan'/>",
		  "<domain> in a" },
		{ "<forward mode='bridge'/><bridge name='br0'/><mac address='52:54:00:01:02:03'/>",
		  "<mac> in a" },
		{ "<forward mode='bridge'/><bridge name='br0'/><mtu size='1400'/>", "<mtu> in a" },
		{ "<forward mode='bridge'/><bridge name='br0' stp='off'/>", "<bridge stp/delay>" },
		{ "<forward mode='bridge'/><bridge name='br0' delay='2'/>", "<bridge stp/delay>" },
		{ "<forward mode='bridge'/><bridge name='br0' zone='trusted'/>",
		  "<bridge zone='trusted'>" },
		{ "<forward mode='bridge'><nat/></forward><bridge name='br0'/>",
		  "<nat>: only valid with <forward mode='nat'>" },
	};
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *xml = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(tu_try_str("<network xmlns:netd='urn:netd:network:1'><name>lan</name>"
				    "<forward mode='bridge'/><bridge name='br0'/>"
				    "<netd:access group='kvm'/></network>",
				    &n, &e),
			 0);
	assert_int_equal(n.fwd_mode, NET_FWD_BRIDGE);
	assert_true(net_is_host_bridge(&n));
	assert_int_equal(net_fill_defaults(&n, NULL, &e), 0);
	assert_true(n.has_uuid);
	assert_false(n.has_mac);
	assert_int_equal(n.stp, NET_UNSET);
	assert_false(n.has_delay);
	assert_int_equal(net_validate(&n, &e), 0);
	assert_non_null(xml = net_format_string(&n));
	assert_non_null(strstr(xml, "  <forward mode='bridge'/>\n  <bridge name='br0'/>\n"));
	assert_null(strstr(xml, "<mac"));
	assert_null(strstr(xml, "stp="));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_net_ struct net b = { 0 };
		char doc[512];

		(void)snprintf(doc, sizeof doc, "<network><name>t</name>%s</network>", bad[i].xml);
		memset(&e, 0, sizeof e);
		if (tu_try_str(doc, &b, &e) == 0)
			fail_msg("accepted: %s", bad[i].xml);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("%s: message\n  %s\nlacks\n  %s", bad[i].xml, e.msg, bad[i].msg);
	}
}

static void test_defaults_avoid_used_bridges(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };
	const char *used[] = { "virbr0", "virbr1", NULL };

	(void)state;
	assert_int_equal(tu_try_str("<network><name>x</name></network>", &n, &e), 0);
	assert_int_equal(net_fill_defaults(&n, used, &e), 0);
	assert_string_equal(n.bridge, "virbr2");
	assert_int_equal(n.fwd_mode, NET_FWD_ISOLATED);
}

/* Each bad input must be refused with a message naming the file, the line
 * and what is wrong. */
struct bad {
	const char *what;
	const char *xml;
	const char *msg;
};

#define NET(body) "<network><name>t</name>" body "</network>"
#define IP4(dhcp) "<ip address='192.168.5.1' prefix='24'><dhcp>" dhcp "</dhcp></ip>"

static const struct bad bads[] = {
	{ "IPv6 gateway on the subnet-router anycast address",
	  NET("<ip family='ipv6' address='fd00:5::' prefix='64'/>"),
	  "address fd00:5::/64 is the Subnet-Router anycast address (all-zero host part) of its "
	  "subnet" },
	{ "IPv6 dhcp range from the subnet-router anycast address",
	  NET("<ip family='ipv6' address='fd00:5::1' prefix='64'><dhcp>"
	      "<range start='fd00:5::' end='fd00:5::ff'/></dhcp></ip>"),
	  "dhcp range fd00:5::-fd00:5::ff includes the Subnet-Router anycast address" },
	{ "network ipv6 not yes/no", "<network ipv6='maybe'><name>t</name></network>",
	  "test.xml:1: <network ipv6='maybe'>: must be 'yes' or 'no'" },
	{ "bridge name too long", NET("<bridge name='virbr0123456789ab'/>"),
	  "test.xml:1: <bridge name>: longer than 15 bytes" },
	{ "bridge name with slash", NET("<bridge name='a/b'/>"),
	  "bridge name 'a/b' is not a valid interface name" },
	{ "range outside subnet", NET(IP4("<range start='192.168.6.2' end='192.168.6.9'/>")),
	  "dhcp range 192.168.6.2-192.168.6.9 is outside the subnet" },
	{ "range reversed", NET(IP4("<range start='192.168.5.9' end='192.168.5.2'/>")),
	  "dhcp range 192.168.5.9-192.168.5.2 is reversed" },
	{ "range includes broadcast", NET(IP4("<range start='192.168.5.9' end='192.168.5.255'/>")),
	  "includes the network or broadcast address" },
	{ "host outside subnet", NET(IP4("<host mac='00:16:3e:00:00:01' ip='192.168.7.3'/>")),
	  "dhcp host ip 192.168.7.3 is outside the subnet" },
	{ "duplicate mac",
	  NET(IP4("<host mac='00:16:3e:00:00:01' ip='192.168.5.3'/>\n"
		  "<host mac='00:16:3E:00:00:01' ip='192.168.5.4'/>")),
	  "test.xml:2: dhcp host mac 00:16:3e:00:00:01 is already used on line 1" },
	{ "duplicate ip",
	  NET(IP4("<host mac='00:16:3e:00:00:01' ip='192.168.5.3'/>"
		  "<host mac='00:16:3e:00:00:02' ip='192.168.5.3'/>")),
	  "dhcp host ip 192.168.5.3 is already used" },
	{ "gateway is network address", NET("<ip address='192.168.5.0' prefix='24'/>"),
	  "address 192.168.5.0/24 is the network or broadcast address" },
	{ "gateway is broadcast", NET("<ip address='192.168.5.255' netmask='255.255.255.0'/>"),
	  "address 192.168.5.255/24 is the network or broadcast address" },
	{ "unknown forward mode", NET("<forward mode='warp'/>"),
	  "<forward mode='warp'>: unknown forward mode" },
	{ "libvirt mode netd does not do", NET("<forward mode='vepa'/>"),
	  "<forward mode='vepa'>: not supported by netd" },
	{ "name with quotes", "<network><name>a\"b</name></network>",
	  "network name 'a\"b' is not a plain identifier" },
	{ "name starting with dot", "<network><name>.x</name></network>",
	  "network name '.x' is not a plain identifier" },
	{ "name too long",
	  "<network><name>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</name>"
	  "</network>",
	  "longer than 64 bytes" },
	{ "no name", "<network><bridge name='x'/></network>", "<network>: missing <name>" },
	{ "dnsmasq option not on the allowlist",
	  "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>"
	  "<name>t</name><ip address='10.9.0.1' prefix='24'/>"
	  "<dnsmasq:options><dnsmasq:option value='foo'/></dnsmasq:options></network>",
	  "test.xml:1: <dnsmasq:option value='foo'>: 'foo' is not in netd's allowlist" },
	{ "dnsmasq element elsewhere",
	  "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>"
	  "<name>t</name><dns><dnsmasq:options/></dns></network>",
	  "<dnsmasq:options> in <dns>: unsupported element" },
	{ "unknown element", NET("<vlan><tag id='42'/></vlan>"),
	  "<vlan> in <network>: unsupported element" },
	{ "bridge zone not a zone name", NET("<bridge name='br1' zone='a/b'/>"),
	  "test.xml:1: bridge zone 'a/b' is not a firewalld zone name" },
	{ "bridge zone too long", NET("<bridge name='br1' zone='a23456789abcdefghi'/>"),
	  "test.xml:1: <bridge zone='a23456789abcdefghi...'>: value is longer than 17 bytes" },
	{ "unknown attribute", NET("<bridge name='br1' macTableManager='libvirt'/>"),
	  "<bridge>: unsupported attribute 'macTableManager'" },
	{ "tftp in IPv6",
	  NET("<ip family='ipv6' address='fd00:5::1' prefix='64'>"
	      "<tftp root='/srv/tftp'/></ip>"),
	  "<tftp> in an IPv6 <ip>" },
	{ "tftp root relative",
	  NET("<ip address='192.168.5.1' prefix='24'><tftp root='srv'/></ip>"),
	  "<tftp root='srv'>: must be an absolute path" },
	{ "tftp root with ..",
	  NET("<ip address='192.168.5.1' prefix='24'><tftp root='/srv/../etc'/></ip>"),
	  "must be an absolute path without '.', '..'" },
	{ "tftp root with comma",
	  NET("<ip address='192.168.5.1' prefix='24'><tftp root='/srv,eth0'/></ip>"),
	  "<tftp root='/srv,eth0'>" },
	{ "tftp root /", NET("<ip address='192.168.5.1' prefix='24'><tftp root='/'/></ip>"),
	  "<tftp root='/'>" },
	{ "tftp root in /proc",
	  NET("<ip address='192.168.5.1' prefix='24'><tftp root='/proc/1'/></ip>"),
	  "/proc is a kernel file system" },
	{ "tftp without root", NET("<ip address='192.168.5.1' prefix='24'><tftp/></ip>"),
	  "<tftp>: needs root" },
	{ "tftp twice",
	  NET("<ip address='192.168.5.1' prefix='24'><tftp root='/a'/></ip>"
	      "<ip address='192.168.6.1' prefix='24'><tftp root='/b'/></ip>"),
	  "<tftp>: the <ip> on line 1 already has one" },
	{ "bootp without file", NET(IP4("<range start='192.168.5.2' end='192.168.5.9'/><bootp/>")),
	  "<bootp>: needs file" },
	{ "bootp file with space",
	  NET(IP4("<range start='192.168.5.2' end='192.168.5.9'/><bootp file='a b'/>")),
	  "<bootp file='a b'>: must be printable" },
	{ "bootp server not an address",
	  NET(IP4("<range start='192.168.5.2' end='192.168.5.9'/>"
		  "<bootp file='pxe.0' server='tftp.example'/>")),
	  "<bootp server='tftp.example'>: not an IPv4 or IPv6 address" },
	{ "bootp server IPv6",
	  NET(IP4("<range start='192.168.5.2' end='192.168.5.9'/>"
		  "<bootp file='pxe.0' server='fd00::1'/>")),
	  "<bootp server='fd00::1'>: must be an IPv4 address" },
	{ "bootp server broadcast",
	  NET(IP4("<range start='192.168.5.2' end='192.168.5.9'/>"
		  "<bootp file='pxe.0' server='255.255.255.255'/>")),
	  "not the unicast address of a TFTP server" },
	{ "bootp elsewhere and tftp here",
	  NET("<ip address='192.168.5.1' prefix='24'><tftp root='/srv/tftp'/><dhcp>"
	      "<range start='192.168.5.2' end='192.168.5.9'/>"
	      "<bootp file='pxe.0' server='10.0.0.5'/></dhcp></ip>"),
	  "or the bridge's own address 192.168.5.1 as the server" },
	{ "bootp in IPv6",
	  NET("<ip family='ipv6' address='fd00:5::1' prefix='64'><dhcp>"
	      "<range start='fd00:5::10' end='fd00:5::20'/><bootp file='x'/></dhcp></ip>"),
	  "<bootp> in the <dhcp> of an IPv6 <ip>" },
	{ "route without gateway",
	  NET("<ip address='192.168.5.1' prefix='24'/><route address='10.9.0.0' prefix='24'/>"),
	  "<route>: needs gateway" },
	{ "route without address",
	  NET("<ip address='192.168.5.1' prefix='24'/><route gateway='192.168.5.2'/>"),
	  "<route>: needs address" },
	{ "route gateway outside",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route address='10.9.0.0' prefix='24' gateway='192.168.6.2'/>"),
	  "<route gateway='192.168.6.2'>: not inside any of the network's subnets" },
	{ "route gateway is the bridge",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route address='10.9.0.0' prefix='24' gateway='192.168.5.1'/>"),
	  "is the bridge's own address" },
	{ "route gateway broadcast",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route address='10.9.0.0' prefix='24' gateway='192.168.5.255'/>"),
	  "is the network or broadcast address of its subnet" },
	{ "route host bits",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route address='10.9.0.1' prefix='24' gateway='192.168.5.2'/>"),
	  "has host bits set (the subnet is 10.9.0.0/24)" },
	{ "route families",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route address='fd00:9::' prefix='64' gateway='192.168.5.2'/>"),
	  "not of the same address family" },
	{ "route family attribute",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route family='ipv6' address='10.9.0.0' prefix='24' gateway='192.168.5.2'/>"),
	  "<route family='ipv6'>: does not match address family" },
	{ "route to own subnet",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route address='192.168.5.128' prefix='25' gateway='192.168.5.2'/>"),
	  "overlaps the network's own subnet" },
	{ "route metric 0",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route address='10.9.0.0' prefix='24' gateway='192.168.5.2' metric='0'/>"),
	  "<route metric='0'>: must be from 1" },
	{ "route twice",
	  NET("<ip address='192.168.5.1' prefix='24'/>"
	      "<route address='10.9.0.0' prefix='24' gateway='192.168.5.2'/>"
	      "<route address='10.9.0.0' netmask='255.255.255.0' gateway='192.168.5.3'/>"),
	  "with metric 1: the <route> on line 1 already has it" },
	{ "route netmask on IPv6",
	  NET("<ip family='ipv6' address='fd00:5::1' prefix='64'/>"
	      "<route address='fd00:9::' netmask='255.255.255.0' gateway='fd00:5::2'/>"),
	  "<route netmask>: only for IPv4" },
	{ "two IPv4 dhcp",
	  NET(IP4("<range start='192.168.5.2' end='192.168.5.9'/>") "<ip address='192.168.9.1' "
								    "prefix='24'><dhcp><range "
								    "start='192.168.9.2' "
								    "end='192.168.9.9'/></dhcp></"
								    "ip>"),
	  "only one IPv4 <ip> may carry <dhcp>" },
	{ "short lease",
	  NET(IP4("<range start='192.168.5.2' end='192.168.5.9'><lease expiry='60' "
		  "unit='seconds'/></range>")),
	  "lease time 60 seconds is below the minimum of 2 minutes" },
	{ "lease unit",
	  NET(IP4("<range start='192.168.5.2' end='192.168.5.9'><lease expiry='6' "
		  "unit='days'/></range>")),
	  "<lease unit='days'>: must be seconds, minutes or hours" },
	{ "multicast mac", NET("<mac address='01:00:5e:00:00:01'/>"),
	  "mac address is a multicast address" },
	{ "bad mac", NET("<mac address='52:54:00:zz:00:01'/>"), "not a MAC address" },
	{ "IPv6 host with mac",
	  NET("<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><host "
	      "mac='00:16:3e:00:00:01' ip='fd00::5'/></dhcp></ip>"),
	  "IPv6 dhcp host takes id or name, not mac" },
	{ "txt value with comma", NET("<dns><txt name='a' value='x,y'/></dns>"),
	  "txt value contains character 0x2c" },
	{ "hostname with newline",
	  NET("<dns><host ip='192.168.5.7'><hostname>a&#10;b</hostname></host></dns>"),
	  "dns hostname 'a\\nb' is not a valid host name" },
	{ "dhcp host name with comma",
	  NET(IP4("<host mac='00:16:3e:00:00:01' name='a,b' ip='192.168.5.3'/>")),
	  "dhcp host name 'a,b' is not a valid host name" },
	{ "dhcp host name that is a number",
	  NET(IP4("<host mac='00:16:3e:00:00:01' name='300' ip='192.168.5.3'/>")),
	  "dhcp host name '300' is not a valid host name" },
	{ "dhcp host name that is a lease time",
	  NET(IP4("<host mac='00:16:3e:00:00:01' name='12h' ip='192.168.5.3'/>")),
	  "dhcp host name '12h' is not a valid host name" },
	{ "dhcp host name infinite",
	  NET(IP4("<host mac='00:16:3e:00:00:01' name='infinite' ip='192.168.5.3'/>")),
	  "dhcp host name 'infinite' is not a valid host name" },
	{ "huge lease",
	  NET(IP4("<range start='192.168.5.2' end='192.168.5.9'><lease expiry='4000000' "
		  "unit='hours'/></range>")),
	  "is too long (at most 2147483647" },
	{ "txt value with edge space", NET("<dns><txt name='a' value=' x'/></dns>"),
	  "txt value starts or ends with a space" },
	{ "netd access with bad group",
	  "<network xmlns:netd='urn:netd:network:1'><name>t</name><netd:access group='Bad Group'/>"
	  "</network>",
	  "access group 'Bad Group' is not a group name" },
	{ "element of an unknown namespace",
	  "<network xmlns:x='urn:other'><name>t</name><x:access group='a'/></network>",
	  "<x:access> in <network>: unsupported element" },
	{ "family mismatch", NET("<ip family='ipv6' address='192.168.5.1'/>"),
	  "<ip family='ipv6'>: does not match address family" },
	{ "netmask not contiguous", NET("<ip address='192.168.5.1' netmask='255.0.255.0'/>"),
	  "not a contiguous netmask" },
	{ "bad address", NET("<ip address='192.168.5.300'/>"),
	  "<ip address='192.168.5.300'>: not an IPv4 or IPv6 address" },
	{ "nat without ip", NET("<forward mode='nat'/>"), "forward mode nat needs an <ip>" },
	{ "forwarder port without addr", NET("<dns><forwarder domain='a.b' port='53'/></dns>"),
	  "<forwarder port>: needs addr" },
	{ "overlapping ips",
	  NET("<ip address='192.168.5.1' prefix='24'/><ip address='192.168.5.129' prefix='25'/>"),
	  "overlaps the <ip> on line 1" },
	{ "not well-formed", "<network><name>t</name>\n<bridge name='x'>\n</network>",
	  "test.xml:3: not well-formed XML" },
	{ "wrong root", "<domain><name>t</name></domain>", "the top element must be <network>" },
	{ "doctype / external entity",
	  "<!DOCTYPE network [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
	  "<network><name>&x;</name></network>",
	  "a DOCTYPE is not allowed" },
	{ "name twice", "<network><name>a</name><name>b</name></network>",
	  "<name>: given more than once" },
	{ "port range reversed",
	  NET("<forward mode='nat'><nat><port start='3000' end='2000'/></nat></forward>"
	      "<ip address='192.168.5.1' prefix='24'/>"),
	  "<nat><port>: start 3000 is after end 2000" },
	{ "srv without target but port",
	  NET("<dns><srv service='a' protocol='tcp' port='5'/></dns>"),
	  "srv port, priority and weight need a target" },
	{ "dns disabled with records",
	  NET("<dns enable='no'><host ip='192.168.5.7'><hostname>a</hostname></host></dns>"),
	  "<dns enable='no'> cannot also define DNS records" },
	{ "delay out of range", NET("<bridge name='br1' delay='99'/>"),
	  "bridge delay 99 is out of range" },
	{ "IPv6 /3 masqueraded: all of 2000::/3",
	  NET("<forward mode='nat'><nat ipv6='yes'/></forward>"
	      "<ip address='192.168.5.1' prefix='24'/>"
	      "<ip family='ipv6' address='2001:db8::1' prefix='3'/>"),
	  "test.xml:1: address 2001:db8::1/3 is too wide: netd takes IPv6 subnets of /48 or "
	  "longer" },
	{ "IPv6 /0",
	  NET("<forward mode='route'/><ip family='ipv6' address='2001:db8::1' prefix='0'/>"),
	  "address 2001:db8::1/0 is too wide" },
	{ "IPv6 /47", NET("<ip family='ipv6' address='fd00:5::1' prefix='47'/>"),
	  "address fd00:5::1/47 is too wide: netd takes IPv6 subnets of /48 or longer" },
	{ "IPv4 /0", NET("<forward mode='nat'/><ip address='192.168.5.1' prefix='0'/>"),
	  "address 192.168.5.1/0 is too wide: netd takes IPv4 subnets of /8 or longer" },
	{ "IPv4 /7", NET("<ip address='10.0.0.1' netmask='254.0.0.0'/>"),
	  "address 10.0.0.1/7 is too wide" },
};

/* <domain register='yes'/>: kept and written back; it needs localOnly and
 * a DNS server to register. */
/* Network boot and static routes as libvirt writes them: accepted, kept by
 * dumpxml in the form they were written. */
static void test_netboot_routes(void **state)
{
	static const char xml[] =
		NET("<ip address='192.168.5.1' netmask='255.255.255.0'>"
		    "<tftp root='/srv/tftp'/><dhcp><range start='192.168.5.2' end='192.168.5.9'/>"
		    "<bootp file='pxelinux.0'/></dhcp></ip>"
		    "<ip family='ipv6' address='fd00:5::1' prefix='64'/>"
		    "<route address='10.9.0.0' netmask='255.255.0.0' gateway='192.168.5.7'/>"
		    "<route family='ipv6' address='fd00:9::' prefix='64' gateway='fd00:5::7' "
		    "metric='20'/>");
	static const char proxy[] = NET(IP4("<range start='192.168.5.2' end='192.168.5.9'/>"
					    "<bootp file='http://boot.example/x.ipxe' "
					    "server='10.20.30.40'/>"));
	_cleanup_net_ struct net n = { 0 }, b = { 0 }, p = { 0 };
	_cleanup_free_ char *x1 = NULL, *x2 = NULL, *x3 = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	if (tu_try_str(xml, &n, &e) != 0)
		fail_msg("refused: %s", e.msg);
	assert_string_equal(n.ips[0].tftp_root, "/srv/tftp");
	assert_string_equal(n.ips[0].bootp_file, "pxelinux.0");
	assert_int_equal(n.ips[0].bootp_server.family, 0);
	assert_ptr_equal(net_tftp_ip(&n), &n.ips[0]);
	assert_int_equal(n.n_routes, 2);
	assert_int_equal(n.routes[0].prefix, 16);
	assert_int_equal(net_route_metric(&n.routes[0]), 1);
	assert_int_equal(net_route_metric(&n.routes[1]), 20);
	assert_non_null(x1 = net_format_string(&n));
	assert_non_null(strstr(x1, "<tftp root='/srv/tftp'/>"));
	assert_non_null(strstr(x1, "<bootp file='pxelinux.0'/>"));
	assert_non_null(strstr(x1, "<route address='10.9.0.0' netmask='255.255.0.0' "
				   "gateway='192.168.5.7'/>"));
	assert_non_null(strstr(x1, "<route family='ipv6' address='fd00:9::' prefix='64' "
				   "gateway='fd00:5::7' metric='20'/>"));
	/* read back (with defaults filled), the same elements again */
	tu_load_str(x1, &b);
	assert_non_null(x2 = net_format_string(&b));
	assert_non_null(strstr(x2, strstr(x1, "  <ip address")));

	if (tu_try_str(proxy, &p, &e) != 0)
		fail_msg("refused: %s", e.msg);
	assert_int_equal(p.ips[0].bootp_server.family, AF_INET);
	assert_null(net_tftp_ip(&p));
	assert_non_null(x3 = net_format_string(&p));
	assert_non_null(
		strstr(x3, "<bootp file='http://boot.example/x.ipxe' server='10.20.30.40'/>"));
}

static void test_domain_register(void **state)
{
	static const char *const bad[] = {
		NET("<domain name='lab' register='yes'/><ip address='10.1.0.1' prefix='24'/>"),
		NET("<domain name='lab' localOnly='no' register='yes'/>"
		    "<ip address='10.1.0.1' prefix='24'/>"),
		NET("<domain name='lab' localOnly='yes' register='yes'/>"),
		NET("<domain name='lab' localOnly='yes' register='yes'/><dns enable='no'/>"
		    "<ip address='10.1.0.1' prefix='24'/>"),
		NET("<domain name='lab' localOnly='yes' register='maybe'/>"
		    "<ip address='10.1.0.1' prefix='24'/>"),
	};
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *xml = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(tu_try_str(NET("<domain name='lab' localOnly='yes' register='yes'/>"
					"<ip address='10.1.0.1' prefix='24'/>"),
				    &n, &e),
			 0);
	assert_int_equal(n.domain_register, NET_YES);
	assert_non_null(xml = net_format_string(&n));
	assert_non_null(strstr(xml, "<domain name='lab' localOnly='yes' register='yes'/>"));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_net_ struct net b = { 0 };

		memset(&e, 0, sizeof e);
		if (tu_try_str(bad[i], &b, &e) == 0)
			fail_msg("accepted: %s", bad[i]);
		if (!strstr(e.msg, "register"))
			fail_msg("%s: message does not name register: %s", bad[i], e.msg);
	}
}

/* <dnsmasq:options>: the allowlist and each option's grammar. */
#define DNSMASQ_NET(opts)                                                                          \
	"<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>t</name>"   \
	"<ip address='10.9.0.1' prefix='24'><dhcp><range start='10.9.0.10' end='10.9.0.20'/>"      \
	"</dhcp></ip><dnsmasq:options>" opts "</dnsmasq:options></network>"
#define OPT(v) "<dnsmasq:option value='" v "'/>"

static const char *const opts_ok[] = {
	"dhcp-option=option:ntp-server,10.9.0.1",
	"dhcp-option=252,\"http://wpad.example/wpad.dat\"",
	"dhcp-option=42,10.9.0.1,10.9.0.2",
	"dhcp-option=tag:a,tag:!b,option:domain-search,lab.example,corp.example",
	"dhcp-option=encap:175,190,iscsi-client0",
	"dhcp-option=vendor:,1,0.0.0.0",
	"dhcp-option=option6:23,[2001:db8::53]",
	"dhcp-option=option:router",
	"dhcp-option-force=208,f1:00:74:7e",
	"dhcp-match=set:efi-x86_64,option:client-arch,7",
	"dhcp-match=set:ipxe,175",
	"dhcp-vendorclass=printers,Hewlett-Packard JetDirect",
	"dhcp-vendorclass=set:v6,enterprise:311,MSFT",
	"dhcp-mac=set:3com,01:34:23:*:*:*",
	"dhcp-mac=set:eth,1-52:54:00:*:*:*",
	"dhcp-name-match=set:wpad-ignore,wpad",
	"tag-if=set:a,set:b,tag:c,tag:!d",
	"dhcp-ignore=tag:!known",
	"dhcp-ignore-names",
	"dhcp-broadcast",
	"dhcp-reply-delay=5",
	"dhcp-rapid-commit",
	"dhcp-authoritative",
	"log-dhcp",
	"log-queries",
	"log-queries=proto",
	"address=/#/10.9.0.1",
	"address=/ads.example/",
	"address=/a.example/b.example/2001:db8::1",
	"cname=*.cloudapps.example.com,master.example.com",
	"cname=a.example,b.example,c.example",
	"cname=a.example,b.example,3600",
	"mx-host=example.com",
	"mx-host=example.com,50",
	"ptr-record=1.0.9.10.in-addr.arpa,gw.example",
	"host-record=gw,gw.example,10.9.0.1",
	"host-record=v6.example,2001:db8::1,60",
	"srv-host=_ldap._tcp.example.com",
	"srv-host=_ldap._tcp,ldap.example.com,389",
	"txt-record=example.com,v=spf1 a -all",
	"txt-record=it.example,it's here & there",
	"cache-size=0",
	"min-cache-ttl=3600",
	"no-negcache",
};

static const struct {
	const char *value, *msg;
} opts_bad[] = {
	/* refused by name, one reason per kind */
	{ "dhcp-script=/bin/sh", "'dhcp-script' is not allowed: it runs a program" },
	{ "dhcp-luascript=/x.lua", "'dhcp-luascript' is not allowed: it runs a program" },
	{ "conf-script=/bin/sh", "'conf-script' is not allowed: it runs a program" },
	{ "conf-file=/etc/passwd", "'conf-file' is not allowed: it makes dnsmasq read or write" },
	{ "conf-dir=/etc/dnsmasq.d", "'conf-dir' is not allowed: it makes dnsmasq read" },
	{ "addn-hosts=/etc/shadow", "'addn-hosts' is not allowed: it makes dnsmasq read" },
	{ "dhcp-hostsfile=/x", "'dhcp-hostsfile' is not allowed" },
	{ "dhcp-leasefile=/etc/cron.d/x", "'dhcp-leasefile' is not allowed: it makes" },
	{ "pid-file=/etc/x", "'pid-file' is not allowed: it makes" },
	{ "log-facility=/etc/x", "'log-facility' is not allowed: it makes" },
	{ "servers-file=/x", "'servers-file' is not allowed" },
	{ "enable-tftp", "'enable-tftp' is not allowed: it serves files over TFTP" },
	{ "tftp-root=/", "'tftp-root' is not allowed: it serves files over TFTP" },
	{ "tftp-anything=1", "'tftp-anything' is not allowed: it serves files over TFTP" },
	{ "interface=eth0", "'interface' is not allowed: it changes where dnsmasq listens" },
	{ "listen-address=0.0.0.0", "'listen-address' is not allowed: it changes where" },
	{ "port=5353", "'port' is not allowed: it changes where dnsmasq listens" },
	{ "bind-interfaces", "'bind-interfaces' is not allowed: it changes where" },
	{ "except-interface=lo", "'except-interface' is not allowed" },
	{ "interface-name=h.example,eth0", "'interface-name' is not allowed: it answers with" },
	{ "user=root", "'user' is not allowed: it changes the user or group" },
	{ "group=root", "'group' is not allowed: it changes the user or group" },
	{ "nftset=/x.example/4#inet#t#s", "'nftset' is not allowed: it changes the host" },
	{ "enable-dbus", "'enable-dbus' is not allowed: it changes the host" },
	{ "keep-in-foreground", "'keep-in-foreground' is not allowed: it changes how netd" },
	{ "dhcp-range=10.9.0.30,10.9.0.40", "'dhcp-range' is not allowed: netd writes it from "
					    "the network's XML (<ip><dhcp><range>)" },
	{ "dhcp-host=52:54:00:00:00:01,10.9.0.5", "(<ip><dhcp><host>)" },
	{ "domain=lab", "'domain' is not allowed: netd writes it from the network's XML" },
	{ "server=8.8.8.8", "(<dns><forwarder>)" },
	{ "dhcp-boot=pxelinux.0", "(<dhcp><bootp>)" },
	{ "foo=bar", "'foo' is not in netd's allowlist of dnsmasq options (see netd(8))" },
	{ "DHCP-OPTION=3", "not NAME or NAME=VALUE" },
	{ "=x", "not NAME or NAME=VALUE" },
	{ "--port=1", "not NAME or NAME=VALUE" },
	{ "dhcp-option =3", "not NAME or NAME=VALUE" },
	/* each grammar */
	{ "log-dhcp=yes", "'log-dhcp': takes no value" },
	{ "dhcp-option", "'dhcp-option': needs a value" },
	{ "dhcp-option=", "'=' with no value" },
	{ "dhcp-option=3,10.9.0.1&#10;dhcp-script=/bin/sh", "the value contains a line break" },
	{ "dhcp-option=3,a&#13;b", "the value contains a line break" },
	{ "dhcp-option=3,a&#9;b", "contains byte 0x09" },
	{ "dhcp-option=3,caf\xc3\xa9", "contains byte 0xc3" },
	{ "dhcp-option=252,a\\b", "contains a backslash" },
	{ "dhcp-option=252, x", "white space at an end, beside a comma" },
	{ "dhcp-option=252,a  b", "doubled" },
	{ "dhcp-option=252,a #b", "'#' after a space" },
	{ "dhcp-option=255,x", "is not an option" },
	{ "dhcp-option=option:NTP,x", "is not an option" },
	{ "dhcp-option=tag:a b,3", "is not tag:NAME" },
	{ "dhcp-option=tag:,3", "is not tag:NAME" },
	{ "dhcp-option=252,\"a\"b\"", "neither plain text nor one quoted string" },
	{ "dhcp-option=252,\"a", "neither plain text nor one quoted string" },
	{ "dhcp-match=efi,7", "is not set:TAG,OPTION" },
	{ "dhcp-mac=set:x,52:54:00", "is not a MAC address pattern" },
	{ "dhcp-mac=set:x,52:54:00:zz:00:01", "is not a MAC address pattern" },
	{ "dhcp-name-match=set:x,a/b", "is not a host name" },
	{ "tag-if=tag:a", "needs a set:TAG" },
	{ "tag-if=set:a,b", "neither set:TAG nor tag:TAG" },
	{ "dhcp-ignore", "'dhcp-ignore': needs tag:TAG" },
	{ "dhcp-ignore=known", "is not tag:TAG" },
	{ "dhcp-reply-delay=61", "is not [tag:TAG,]SECONDS" },
	{ "log-queries=all", "takes no value, or extra, proto or auth" },
	{ "address=example.com/1.2.3.4", "is not /DOMAIN/[ADDRESS]" },
	{ "address=/example.com/1.2.3", "'1.2.3' is not an IPv4 or IPv6 address" },
	{ "address=/ex ample.com/", "is not a domain name" },
	{ "address=/a..b/", "is not a domain name" },
	{ "cname=a.example", "is not CNAME,TARGET[,TTL]" },
	{ "cname=a.example,*.b.example", "'*.b.example' is not a DNS name" },
	{ "cname=a.example,b_/x", "is not a DNS name" },
	{ "cname=a.example,b.example,9999999999", "TTL '9999999999' is too large" },
	{ "mx-host=example.com,mail.example.com,70000", "is not NAME,HOST,PREFERENCE" },
	{ "ptr-record=a,b,c", "is not NAME[,TARGET]" },
	{ "host-record=10.9.0.5", "needs a name first" },
	{ "host-record=h.example", "needs an address" },
	{ "host-record=h.example,10.9.0.5,10.9.0.6", "one IPv4 and one IPv6 address at most" },
	{ "srv-host=ldap.tcp,x", "is not _SERVICE._PROTOCOL" },
	{ "srv-host=_ldap._tcp,x,70000", "is not a number from 0 to 65535" },
	{ "txt-record=x.example,say \"hi\"", "has a quote or '#'" },
	{ "cache-size=100000", "is not a number from 0 to 10000" },
	{ "min-cache-ttl=3601", "is not a number from 0 to 3600" },
	{ "local-ttl=-1", "is not a number from 0 to" },
};

static void opt_refused(const char *xml, const char *msg)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };

	if (tu_try_str(xml, &n, &e) == 0)
		fail_msg("accepted: %s", xml);
	if (!strstr(e.msg, msg))
		fail_msg("%s: message\n  %s\nlacks\n  %s", xml, e.msg, msg);
	if (strchr(e.msg, '\n') || strncmp(e.msg, "test.xml:", 9) != 0)
		fail_msg("%s: not one line with file:line: %s", xml, e.msg);
}

static void test_dnsmasq_options(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_free_ char *x1 = NULL;
	struct nerr e = { { 0 } };
	char doc[2048];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(opts_ok); i++) {
		char why[DHCP_OPT_WHY_MAX];
		const char *bad = dhcp_option_why(opts_ok[i], why);

		if (bad)
			fail_msg("refused: %s: %s", opts_ok[i], bad);
	}
	for (size_t i = 0; i < ARRAY_SIZE(opts_bad); i++) {
		(void)snprintf(doc, sizeof doc, DNSMASQ_NET(OPT("%s")), opts_bad[i].value);
		opt_refused(doc, opts_bad[i].msg);
	}
	/* kept in order with their lines, written back with the namespace */
	assert_int_equal(tu_try_str(DNSMASQ_NET("\n" OPT("log-dhcp") "\n" OPT(
					    "txt-record=it.example,it&apos;s &amp; &lt;b&gt;")),
				    &n, &e),
			 0);
	assert_int_equal(n.n_dnsmasq_opts, 2);
	assert_string_equal(n.dnsmasq_opts[0].value, "log-dhcp");
	assert_int_equal(n.dnsmasq_opts[0].line, 2);
	assert_string_equal(n.dnsmasq_opts[1].value, "txt-record=it.example,it's & <b>");
	assert_int_equal(n.dnsmasq_opts[1].line, 3);
	assert_non_null(x1 = net_format_string(&n));
	assert_non_null(strstr(x1, "<network xmlns:dnsmasq='" NET_DNSMASQ_XML_NS "'>"));
	assert_non_null(strstr(x1, "  <dnsmasq:options>\n    <dnsmasq:option value='log-dhcp'/>\n"
				   "    <dnsmasq:option value='txt-record=it.example,it&apos;s "
				   "&amp; &lt;b&gt;'/>\n  </dnsmasq:options>\n</network>\n"));
	/* structure, conflicts with netd's own lines, and where no dnsmasq runs */
	opt_refused(DNSMASQ_NET(OPT("log-dhcp") OPT("log-dhcp")), "already given on line 1");
	opt_refused(DNSMASQ_NET("<dnsmasq:option/>"), "<dnsmasq:option>: needs value");
	opt_refused(DNSMASQ_NET("<dnsmasq:option value='log-dhcp' x='1'/>"),
		    "unsupported attribute 'x'");
	opt_refused(DNSMASQ_NET("<option value='log-dhcp'/>"), "<option> in <options>");
	opt_refused("<network xmlns:dnsmasq='" NET_DNSMASQ_XML_NS "'><name>t</name>"
		    "<dnsmasq:options/><dnsmasq:options/></network>",
		    "<dnsmasq:options>: given more than once");
	opt_refused("<network xmlns:dnsmasq='" NET_DNSMASQ_XML_NS "'><name>t</name>"
		    "<dnsmasq:options>" OPT("log-dhcp") "</dnsmasq:options></network>",
		    "the network runs no dnsmasq");
	opt_refused("<network xmlns:dnsmasq='" NET_DNSMASQ_XML_NS "'><name>t</name>"
		    "<forward mode='bridge'/><bridge name='br0'/>"
		    "<dnsmasq:options>" OPT("log-dhcp") "</dnsmasq:options></network>",
		    "in a network with forward mode='bridge'");
	opt_refused("<network xmlns:dnsmasq='" NET_DNSMASQ_XML_NS "'><name>t</name>"
		    "<mtu size='1400'/><ip address='10.9.0.1' prefix='24'/><dnsmasq:options>" OPT(
			    "dhcp-option=26,1500") "</dnsmasq:options></network>",
		    "netd sends option 26 (mtu) from <mtu size>");
	opt_refused(DNSMASQ_NET(OPT("dhcp-option=option:router,10.9.0.254")),
		    "netd sends an empty option 3 (router) in an isolated network");
}

/* <bandwidth>: libvirt's units kept as written and written back; floor,
 * unknown attributes, numbers that are not plain decimals and values
 * outside what the shapers can hold are refused by name. */
static void test_bandwidth(void **state)
{
	static const struct {
		const char *xml, *msg;
	} bad[] = {
		{ NET("<bandwidth><inbound average='1000' floor='200'/></bandwidth>"),
		  "<inbound floor>: floor is not supported in a network's <bandwidth>" },
		{ NET("<bandwidth><outbound average='1000' floor='0'/></bandwidth>"),
		  "<outbound floor>: floor is not supported" },
		{ NET("<bandwidth><inbound average='1000' rate='5'/></bandwidth>"),
		  "<inbound>: unsupported attribute 'rate'" },
		{ NET("<bandwidth classID='3'><inbound average='1000'/></bandwidth>"),
		  "<bandwidth>: unsupported attribute 'classID'" },
		{ NET("<bandwidth><inbound average='1000'/><limit/></bandwidth>"),
		  "<limit> in <bandwidth>: unsupported element" },
		{ NET("<bandwidth><inbound average='1000'/><inbound average='5'/></bandwidth>"),
		  "<inbound>: given more than once" },
		{ NET("<bandwidth><inbound average='1'/></bandwidth>"
		      "<bandwidth><outbound average='1'/></bandwidth>"),
		  "<bandwidth>: given more than once" },
		{ NET("<bandwidth><inbound peak='1000'/></bandwidth>"),
		  "<inbound>: needs average" },
		{ NET("<bandwidth><outbound average='0'/></bandwidth>"),
		  "<outbound>: needs average" },
		{ NET("<bandwidth><inbound average='-5'/></bandwidth>"),
		  "<inbound average='-5'>: not a number" },
		{ NET("<bandwidth><inbound average='1e3'/></bandwidth>"),
		  "<inbound average='1e3'>: not a number" },
		{ NET("<bandwidth><inbound average=' 100'/></bandwidth>"), "not a number" },
		{ NET("<bandwidth><inbound average='10000001'/></bandwidth>"),
		  "<inbound average='10000001'>: not a number from 0 to 10000000" },
		{ NET("<bandwidth><inbound average='1000' burst='4194304'/></bandwidth>"),
		  "not a number from 0 to 4194303" },
		{ NET("<bandwidth><inbound average='1000' peak='999'/></bandwidth>"),
		  "<inbound>: peak 999 is below average 1000" },
		{ NET("<bandwidth><inbound average='1' burst='59'/></bandwidth>"),
		  "<inbound>: burst 59 KiB is more than 60 seconds at average 1 kB/s" },
		{ NET("<forward mode='bridge'/><bridge name='br0'/>"
		      "<bandwidth><inbound average='1000'/></bandwidth>"),
		  "<bandwidth> in a network with forward mode='bridge'" },
	};
	_cleanup_net_ struct net n = { 0 }, again = { 0 }, empty = { 0 };
	_cleanup_free_ char *xml = NULL, *xml2 = NULL, *xml3 = NULL;
	struct nerr e = { { 0 } };

	(void)state;
	assert_int_equal(tu_try_str(NET("<forward mode='nat'/><bandwidth>"
					"<inbound average='1000' peak='2000' burst='1024'/>"
					"<outbound average='10000000' burst='4194303'/></bandwidth>"
					"<ip address='10.1.0.1' prefix='24'/>"),
				    &n, &e),
			 0);
	assert_true(net_has_bandwidth(&n));
	assert_true(n.bw_in.set && n.bw_out.set);
	assert_int_equal(n.bw_in.average, 1000);
	assert_int_equal(n.bw_in.peak, 2000);
	assert_int_equal(n.bw_in.burst, 1024);
	assert_int_equal(n.bw_out.average, 10000000);
	assert_int_equal(n.bw_out.peak, 0);
	assert_int_equal(n.bw_out.burst, 4194303);
	assert_non_null(xml = net_format_string(&n));
	assert_non_null(strstr(xml, "  <bandwidth>\n"
				    "    <inbound average='1000' peak='2000' burst='1024'/>\n"
				    "    <outbound average='10000000' burst='4194303'/>\n"
				    "  </bandwidth>\n"));
	assert_int_equal(net_parse_memory(xml, strlen(xml), "rt.xml", &again, &e), 0);
	assert_int_equal(net_validate(&again, &e), 0);
	assert_non_null(xml2 = net_format_string(&again));
	assert_string_equal(xml, xml2);

	/* An empty <bandwidth> shapes nothing, as in libvirt, and is not
	 * written back. */
	assert_int_equal(tu_try_str(NET("<bandwidth/>"), &empty, &e), 0);
	assert_false(net_has_bandwidth(&empty));
	assert_non_null(xml3 = net_format_string(&empty));
	assert_null(strstr(xml3, "bandwidth"));

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_net_ struct net b = { 0 };

		memset(&e, 0, sizeof e);
		if (tu_try_str(bad[i].xml, &b, &e) == 0)
			fail_msg("accepted: %s", bad[i].xml);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("%s: message\n  %s\nlacks\n  %s", bad[i].xml, e.msg, bad[i].msg);
		if (strncmp(e.msg, "test.xml:", 9) != 0)
			fail_msg("%s: message does not start with file:line: %s", bad[i].xml,
				 e.msg);
	}
}

/* The widest subnets netd takes: an IPv6 site (/48) and what libvirt's
 * classful default gives a 10.x address (/8). */
static void test_prefix_bounds(void **state)
{
	static const char *const ok[] = {
		NET("<forward mode='route'/><ip family='ipv6' address='fd00:5::1' prefix='48'/>"),
		NET("<forward mode='nat'/><ip address='10.0.0.1'/>"),
		NET("<ip address='10.0.0.1' prefix='8'/>"),
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		_cleanup_net_ struct net n = { 0 };
		struct nerr e = { { 0 } };

		if (tu_try_str(ok[i], &n, &e) != 0)
			fail_msg("refused: %s: %s", ok[i], e.msg);
	}
}

static void test_rejections(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		_cleanup_net_ struct net n = { 0 };
		struct nerr e = { { 0 } };
		int r = tu_try_str(bads[i].xml, &n, &e);

		if (r == 0)
			fail_msg("case '%s' was accepted", bads[i].what);
		if (!strstr(e.msg, bads[i].msg))
			fail_msg("case '%s': message\n  %s\nlacks\n  %s", bads[i].what, e.msg,
				 bads[i].msg);
		if (strncmp(e.msg, "test.xml:", 9) != 0)
			fail_msg("case '%s': message does not start with file:line: %s",
				 bads[i].what, e.msg);
	}
}

/* Every line in a rejection message is a single line. */
static void test_messages_single_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		_cleanup_net_ struct net n = { 0 };
		struct nerr e = { { 0 } };

		tu_try_str(bads[i].xml, &n, &e);
		/* a case that quotes the newline it refuses shows it escaped */
		if (strstr(bads[i].what, "newline") && !strstr(e.msg, "\\n"))
			fail_msg("case '%s': the newline is not shown as \\n: %s", bads[i].what,
				 e.msg);
		if (strchr(e.msg, '\n') || strchr(e.msg, '\r'))
			fail_msg("case '%s': multi-line message: %s", bads[i].what, e.msg);
	}
}

static void test_addr_helpers(void **state)
{
	struct net_addr a, b;

	(void)state;
	assert_int_equal(net_addr_parse("192.168.1.10", &a), 0);
	assert_int_equal(net_addr_parse("192.168.1.250", &b), 0);
	assert_int_equal(net_addr_span(&a, &b), 241);
	assert_int_equal(net_addr_span(&b, &a), 0);
	assert_int_equal(net_addr_parse("fd00::1:10", &a), 0);
	assert_int_equal(net_addr_parse("fd00::1:ff", &b), 0);
	assert_int_equal(net_addr_span(&a, &b), 240);
	assert_int_equal(net_addr_parse("fd00::", &a), 0);
	assert_int_equal(net_addr_parse("fd00::ffff:ffff:ffff:ffff:ffff", &b), 0);
	assert_true(net_addr_span(&a, &b) == UINT64_MAX);
	assert_int_equal(net_addr_parse("1.2.3", &a), -EINVAL);
	assert_int_equal(net_addr_parse("192.168.1.77", &a), 0);
	assert_int_equal(net_addr_parse("192.168.1.0", &b), 0);
	assert_true(net_addr_in_subnet(&a, &b, 24));
	assert_false(net_addr_in_subnet(&a, &b, 26));
}

/* Six pairs of hex digits and ':' exactly; what sscanf("%2x") would also
 * take (signs, spaces, "0x") is refused. */
static void test_parse_mac(void **state)
{
	static const uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	static const char *const bad[] = {
		"",
		"52:54:00:ab:cd",
		"52:54:00:ab:cd:ef:",
		"52:54:00:ab:cd:eg",
		"52-54-00-ab-cd-ef",
		" 2:54:00:ab:cd:ef",
		"+2:54:00:ab:cd:ef",
		"0x:54:00:ab:cd:ef",
		"52:54:00:ab:cd:e",
		"525:4:00:ab:cd:ef",
	};
	uint8_t mac[6];

	(void)state;
	assert_int_equal(net_parse_mac("52:54:00:ab:cd:ef", mac), 0);
	assert_memory_equal(mac, want, 6);
	assert_int_equal(net_parse_mac("52:54:00:AB:CD:EF", mac), 0);
	assert_memory_equal(mac, want, 6);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (net_parse_mac(bad[i], mac) != -EINVAL)
			fail_msg("'%s' taken as a MAC address", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_default),
		cmocka_unit_test(test_libvirt_default),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_long_xml_error),
		cmocka_unit_test(test_bridge_zone),
		cmocka_unit_test(test_host_bridge),
		cmocka_unit_test(test_domain_register),
		cmocka_unit_test(test_netboot_routes),
		cmocka_unit_test(test_dnsmasq_options),
		cmocka_unit_test(test_bandwidth),
		cmocka_unit_test(test_defaults_avoid_used_bridges),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_prefix_bounds),
		cmocka_unit_test(test_messages_single_line),
		cmocka_unit_test(test_addr_helpers),
		cmocka_unit_test(test_parse_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
