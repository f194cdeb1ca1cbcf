/* The bridge, the host overlap checks and the forwarding sysctls (the
 * bridge and forwarding steps) against the real kernel.
 *
 * Runs in a private network namespace made at the start of main, with a
 * private mount namespace whose /sys is a fresh sysfs that shows this
 * namespace's interfaces, so no interface, address or route of the host is
 * ever touched. Skips (77) unless root. What the module did is read back
 * through other paths than its own: sysfs, getifaddrs(), bind(). The
 * topology helpers use libnl directly. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "bridge.h"
#include "hostnet.h"
#include "ipfwd.h"
#include "model.h"
#include "netlink.h"
#include "step.h"
#include "testutil.h"

static struct nl_sock *sk; /* for the helpers */
/* The module's, from netlink_open(): one for every call of the whole run,
 * as one command uses one for all its steps. */
static struct nl_sock *nd;

/* ---- topology helpers ---------------------------------------------- */

static void nl_ok(int r, const char *what)
{
	if (r < 0)
		fail_msg("%s: %s", what, nl_geterror(r));
}

static struct rtnl_link *link_of(const char *name)
{
	struct rtnl_link *l = NULL;

	nl_ok(rtnl_link_get_kernel(sk, 0, name, &l), name);
	return l;
}

static void veth_add(const char *name, const char *peer)
{
	struct rtnl_link *l = rtnl_link_veth_alloc(), *p;

	assert_non_null(l);
	rtnl_link_set_name(l, name);
	p = rtnl_link_veth_get_peer(l); /* a new reference */
	rtnl_link_set_name(p, peer);
	rtnl_link_put(p);
	nl_ok(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL), "add veth");
	rtnl_link_veth_release(l);
}

static void link_change(const char *name, unsigned mtu, const char *mac, int up)
{
	struct rtnl_link *l = link_of(name), *c = rtnl_link_alloc();

	if (mtu)
		rtnl_link_set_mtu(c, mtu);
	if (mac) {
		struct nl_addr *a = NULL;

		nl_ok(nl_addr_parse(mac, AF_LLC, &a), mac);
		rtnl_link_set_addr(c, a);
		nl_addr_put(a);
	}
	if (up > 0)
		rtnl_link_set_flags(c, IFF_UP);
	if (up == 0)
		rtnl_link_unset_flags(c, IFF_UP);
	nl_ok(rtnl_link_change(sk, l, c, 0), "change link");
	rtnl_link_put(c);
	rtnl_link_put(l);
}

static void link_del(const char *name)
{
	struct rtnl_link *l = rtnl_link_alloc();

	rtnl_link_set_name(l, name);
	nl_ok(rtnl_link_delete(sk, l), "delete link");
	rtnl_link_put(l);
}

static void enslave(const char *port, const char *master)
{
	nl_ok(rtnl_link_enslave_ifindex(sk, (int)if_nametoindex(master), (int)if_nametoindex(port)),
	      "enslave");
}

static void addr_op(const char *dev, const char *cidr, bool add)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = NULL;

	nl_ok(nl_addr_parse(cidr, AF_UNSPEC, &local), cidr);
	rtnl_addr_set_ifindex(a, (int)if_nametoindex(dev));
	rtnl_addr_set_local(a, local);
	if (add)
		nl_ok(rtnl_addr_add(sk, a, NLM_F_EXCL), "add address");
	else
		nl_ok(rtnl_addr_delete(sk, a, 0), "delete address");
	nl_addr_put(local);
	rtnl_addr_put(a);
}

/* A route of kind 'type' in 'table': unicast over each of devs
 * (NULL-terminated; two make a multipath route), or with no device
 * (RTN_UNREACHABLE). */
static void route_add_in(const char *cidr, uint32_t table, uint8_t type, const char *const *devs)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *dst = NULL;

	nl_ok(nl_addr_parse(cidr, AF_UNSPEC, &dst), cidr);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_family(r, nl_addr_get_family(dst));
	rtnl_route_set_table(r, table);
	rtnl_route_set_type(r, type);
	if (type == RTN_UNICAST)
		rtnl_route_set_scope(r, RT_SCOPE_LINK);
	for (size_t i = 0; devs && devs[i]; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

		rtnl_route_nh_set_ifindex(nh, (int)if_nametoindex(devs[i]));
		rtnl_route_add_nexthop(r, nh);
	}
	nl_ok(rtnl_route_add(sk, r, NLM_F_EXCL), cidr);
	nl_addr_put(dst);
	rtnl_route_put(r);
}

static void route_add(const char *cidr, const char *dev, uint32_t table)
{
	route_add_in(cidr, table, RTN_UNICAST, (const char *const[]){ dev, NULL });
}

static void route_add_kind(const char *cidr, uint8_t type, const char *const *devs)
{
	route_add_in(cidr, RT_TABLE_MAIN, type, devs);
}

/* A point-to-point address: local, and a peer with its prefix. */
static void peer_add(const char *dev, const char *local, const char *peer)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *l = NULL, *p = NULL;

	nl_ok(nl_addr_parse(local, AF_INET, &l), local);
	nl_ok(nl_addr_parse(peer, AF_INET, &p), peer);
	rtnl_addr_set_ifindex(a, (int)if_nametoindex(dev));
	rtnl_addr_set_local(a, l);
	rtnl_addr_set_peer(a, p);
	nl_ok(rtnl_addr_add(sk, a, NLM_F_EXCL), "add peer address");
	nl_addr_put(l);
	nl_addr_put(p);
	rtnl_addr_put(a);
}

static bool exists(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}

/* /sys/class/net/IF/ATTR, trimmed; "" when absent. */
static const char *sys(const char *ifname, const char *attr)
{
	static char buf[256];
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, attr);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return buf;
	if (!fgets(buf, sizeof buf, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void sys_write(const char *ifname, const char *attr, const char *val)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, attr);
	f = fopen(path, "w");
	if (!f) {
		fail_msg("open %s: %s", path, strerror(errno));
		return;
	}
	fputs(val, f);
	if (fclose(f) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
}

static const char *proc_v6(const char *ifname, const char *key)
{
	static char buf[64];
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Whether ifname holds addr/prefix, per getifaddrs(); 'brd' (IPv4, may be
 * NULL) receives the broadcast address. */
static bool has_addr(const char *ifname, const char *addr, unsigned prefix, char *brd)
{
	struct ifaddrs *ifa = NULL;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		fail_msg("getifaddrs: %s", strerror(errno));
	for (struct ifaddrs *p = ifa; p && !found; p = p->ifa_next) {
		char a[INET6_ADDRSTRLEN] = "";
		unsigned bits = 0;
		int fam;
		size_t len;
		const uint8_t *m;

		if (!p->ifa_addr || strcmp(p->ifa_name, ifname) != 0)
			continue;
		fam = p->ifa_addr->sa_family;
		if (fam == AF_INET) {
			inet_ntop(fam, &((struct sockaddr_in *)p->ifa_addr)->sin_addr, a, sizeof a);
			m = (const uint8_t *)&((struct sockaddr_in *)p->ifa_netmask)->sin_addr;
			len = 4;
		} else if (fam == AF_INET6) {
			inet_ntop(fam, &((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr, a,
				  sizeof a);
			m = ((struct sockaddr_in6 *)p->ifa_netmask)->sin6_addr.s6_addr;
			len = 16;
		} else {
			continue;
		}
		for (size_t i = 0; i < len; i++)
			bits += (unsigned)__builtin_popcount(m[i]);
		if (strcmp(a, addr) != 0 || bits != prefix)
			continue;
		found = true;
		if (brd && fam == AF_INET && p->ifa_broadaddr)
			inet_ntop(AF_INET, &((struct sockaddr_in *)p->ifa_broadaddr)->sin_addr, brd,
				  INET_ADDRSTRLEN);
	}
	freeifaddrs(ifa);
	return found;
}

/* What dnsmasq does at start: bind to the address, no IP_FREEBIND. */
static int try_bind(const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, r = 0;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s4->sin_addr);
		len = sizeof *s4;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* ---- models --------------------------------------------------------- */

static void load(struct net *n, const char *br, const char *stp, int delay, const char *extra)
{
	char xml[8192], d[32] = "";

	if (delay >= 0)
		snprintf(d, sizeof d, " delay='%d'", delay);
	snprintf(xml, sizeof xml,
		 "<network><name>%s</name><bridge name='%s' stp='%s'%s/>%s</network>", br, br, stp,
		 d, extra);
	tu_load_str(xml, n);
}

#define FULL_IPS                                                                                   \
	"<mac address='52:54:00:12:34:56'/><mtu size='1400'/>"                                     \
	"<ip address='192.168.150.1' prefix='24'/>"                                                \
	"<ip address='10.77.0.1' netmask='255.255.0.0'/>"                                          \
	"<ip family='ipv6' address='fd00:77::1' prefix='64'/>"

static void create_ok(const struct net *n)
{
	struct nerr e = { { 0 } };
	int ifindex = 0;

	if (bridge_create(nd, n, &ifindex, &e) < 0)
		fail_msg("bridge_create: %s", e.msg);
	assert_int_equal(ifindex, (int)if_nametoindex(n->bridge));
}

static void assert_no_drift(const struct net *n)
{
	_cleanup_bridge_drift_ struct bridge_drift d;
	struct nerr e = { { 0 } };
	char s[512];

	if (bridge_check(nd, n, &d, &e) < 0)
		fail_msg("bridge_check: %s", e.msg);
	assert_int_equal(bridge_drift_str(n, &d, s, sizeof s), 0);
	if (bridge_drift_any(&d))
		fail_msg("unexpected drift on %s: %s", n->bridge, s);
}

/* Check, expect drift that reads 'want', repair, expect none. */
static void drift_repair(const struct net *n, const char *want)
{
	_cleanup_bridge_drift_ struct bridge_drift d;
	struct nerr e = { { 0 } };
	char s[512];

	if (bridge_check(nd, n, &d, &e) < 0)
		fail_msg("bridge_check: %s", e.msg);
	assert_true(bridge_drift_any(&d));
	assert_int_equal(bridge_drift_str(n, &d, s, sizeof s), 0);
	assert_string_equal(s, want);
	if (bridge_repair(nd, n, &d, NULL, &e) < 0)
		fail_msg("bridge_repair: %s", e.msg);
	assert_no_drift(n);
}

static void assert_full(const struct net *n)
{
	char brd[INET_ADDRSTRLEN] = "";

	assert_string_equal(sys(n->bridge, "bridge/stp_state"), "1");
	assert_string_equal(sys(n->bridge, "bridge/forward_delay"), "500");
	assert_string_equal(sys(n->bridge, "address"), "52:54:00:12:34:56");
	assert_string_equal(sys(n->bridge, "mtu"), "1400");
	assert_true(strtoul(sys(n->bridge, "flags"), NULL, 16) & IFF_UP);
	assert_true(has_addr(n->bridge, "192.168.150.1", 24, brd));
	assert_string_equal(brd, "192.168.150.255");
	assert_true(has_addr(n->bridge, "10.77.0.1", 16, brd));
	assert_string_equal(brd, "10.77.255.255");
	assert_true(has_addr(n->bridge, "fd00:77::1", 64, NULL));
	/* No port, no carrier: only an address without DAD is bindable. */
	assert_int_equal(try_bind("fd00:77::1"), 0);
	assert_int_equal(try_bind("192.168.150.1"), 0);
	assert_string_equal(proc_v6(n->bridge, "disable_ipv6"), "0");
	assert_string_equal(proc_v6(n->bridge, "accept_ra"), "0");
	assert_string_equal(proc_v6(n->bridge, "autoconf"), "0");
}

/* ---- tests ---------------------------------------------------------- */

/* IPv6 on a bridge without an IPv6 <ip>: off by default (guests get no
 * link-local path to the host), on with <network ipv6='yes'>, as libvirt. */
static void test_ipv6_flag(void **state)
{
	static const struct {
		const char *attr, *want;
	} cases[] = { { "", "1" }, { " ipv6='no'", "1" }, { " ipv6='yes'", "0" } };
	char xml[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		_cleanup_net_ struct net n = { 0 };
		struct nerr e = { { 0 } };

		snprintf(xml, sizeof xml,
			 "<network%s><name>v6flag</name><bridge name='ntbr6f'/>"
			 "<ip address='192.168.156.1' prefix='24'/></network>",
			 cases[i].attr);
		tu_load_str(xml, &n);
		create_ok(&n);
		if (strcmp(proc_v6("ntbr6f", "disable_ipv6"), cases[i].want) != 0)
			fail_msg("<network%s>: disable_ipv6 is %s, want %s", cases[i].attr,
				 proc_v6("ntbr6f", "disable_ipv6"), cases[i].want);
		if (bridge_delete(nd, "ntbr6f", &e) < 0)
			fail_msg("bridge_delete: %s", e.msg);
	}
}

static void test_create(void **state)
{
	_cleanup_net_ struct net n = { 0 };

	(void)state;
	load(&n, "ntbr1", "on", 5, FULL_IPS);
	create_ok(&n);
	assert_full(&n);
	assert_no_drift(&n);

	/* A port with another MTU does not move the bridge's. */
	veth_add("ntp1", "ntp1x");
	link_change("ntp1", 1500, NULL, -1);
	enslave("ntp1", "ntbr1");
	assert_string_equal(sys("ntbr1", "mtu"), "1400");
	/* Nor its MAC, though the port's is lower. */
	link_change("ntp1", 0, "02:00:00:00:00:01", -1);
	assert_string_equal(sys("ntbr1", "address"), "52:54:00:12:34:56");
	link_del("ntp1");
	assert_no_drift(&n);
	assert_int_equal(bridge_delete(nd, "ntbr1", NULL), 0);
}

static void test_mtu_same_as_default(void **state)
{
	_cleanup_net_ struct net n = { 0 };

	(void)state;
	/* 1500 is what a new bridge has already: it must still be pinned. */
	load(&n, "ntbr2", "off", 0, "<mtu size='1500'/>");
	create_ok(&n);
	veth_add("ntp2", "ntp2x");
	link_change("ntp2", 9000, NULL, -1);
	enslave("ntp2", "ntbr2");
	assert_string_equal(sys("ntbr2", "mtu"), "1500");
	link_del("ntp2");
	assert_int_equal(bridge_delete(nd, "ntbr2", NULL), 0);
}

static void test_stp_delay(void **state)
{
	static const struct {
		const char *stp;
		int delay; /* -1: none written */
		const char *want_stp, *want_delay;
	} c[] = {
		/* libvirt's default network: the kernel clamps to 2 s */
		{ "on", 0, "1", "200" }, { "on", -1, "1", "200" }, { "on", 30, "1", "3000" },
		{ "off", 0, "0", "0" },	 { "off", 7, "0", "700" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		_cleanup_net_ struct net n = { 0 };
		struct nerr e = { { 0 } };

		load(&n, "ntbr3", c[i].stp, c[i].delay, "");
		create_ok(&n);
		assert_string_equal(sys("ntbr3", "bridge/stp_state"), c[i].want_stp);
		assert_string_equal(sys("ntbr3", "bridge/forward_delay"), c[i].want_delay);
		assert_no_drift(&n);
		if (bridge_delete(nd, "ntbr3", &e) < 0)
			fail_msg("bridge_delete: %s", e.msg);
	}
}

static void test_create_twice(void **state)
{
	_cleanup_net_ struct net n = { 0 }, other = { 0 };
	struct nerr e = { { 0 } };

	(void)state;
	load(&n, "ntbr4", "on", 5, FULL_IPS);
	create_ok(&n);
	/* Another model on the same name: refused, nothing changed. */
	load(&other, "ntbr4", "off", 0,
	     "<mac address='52:54:00:00:00:01'/><mtu size='9000'/>"
	     "<ip address='172.30.0.1' prefix='24'/>");
	assert_int_equal(bridge_create(nd, &other, NULL, &e), -EEXIST);
	assert_string_equal(e.msg, "bridge ntbr4: create: an interface of that name exists");
	assert_int_equal(bridge_create(nd, &n, NULL, &e), -EEXIST);
	assert_full(&n);
	assert_false(has_addr("ntbr4", "172.30.0.1", 24, NULL));
	assert_no_drift(&n);
	assert_int_equal(bridge_delete(nd, "ntbr4", NULL), 0);
}

static void test_delete(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };

	(void)state;
	load(&n, "ntbr5", "on", 0, FULL_IPS);
	create_ok(&n);
	assert_true(exists("ntbr5"));
	assert_int_equal(bridge_delete(nd, "ntbr5", &e), 0);
	assert_false(exists("ntbr5"));
	assert_int_equal(bridge_delete(nd, "ntbr5", &e), 0);
}

static void test_foreign(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_bridge_drift_ struct bridge_drift d;
	struct nerr e = { { 0 } };
	char s[256];

	(void)state;
	veth_add("ntbr6", "ntbr6x");
	load(&n, "ntbr6", "on", 0, "<ip address='192.168.160.1' prefix='24'/>");
	assert_int_equal(bridge_create(nd, &n, NULL, &e), -EEXIST);
	assert_int_equal(bridge_delete(nd, "ntbr6", &e), -EMEDIUMTYPE);
	assert_string_equal(e.msg, "bridge ntbr6: delete: the interface is a veth, not a "
				   "bridge; left alone");
	assert_int_equal(bridge_check(nd, &n, &d, &e), 0);
	assert_true(d.foreign);
	assert_int_equal(bridge_drift_str(&n, &d, s, sizeof s), 0);
	assert_string_equal(s, "not a bridge (veth)");
	assert_int_equal(bridge_repair(nd, &n, &d, NULL, &e), -EEXIST);
	assert_true(exists("ntbr6"));
	assert_string_equal(sys("ntbr6", "mtu"), "1500");
	assert_false(has_addr("ntbr6", "192.168.160.1", 24, NULL));
	link_del("ntbr6");
}

static void test_drift(void **state)
{
	_cleanup_net_ struct net n = { 0 };

	(void)state;
	load(&n, "ntbr7", "on", 5, FULL_IPS);
	create_ok(&n);

	addr_op("ntbr7", "10.77.0.1/16", false);
	drift_repair(&n, "missing address 10.77.0.1/16");
	assert_full(&n);

	/* Down takes the IPv6 addresses with it (keep_addr_on_down=0). */
	link_change("ntbr7", 0, NULL, 0);
	drift_repair(&n, "down; missing address fd00:77::1/64");
	assert_full(&n);

	link_change("ntbr7", 1500, "52:54:00:65:43:21", -1);
	drift_repair(&n, "mtu 1500 (want 1400); mac 52:54:00:65:43:21 (want 52:54:00:12:34:56)");
	assert_full(&n);

	sys_write("ntbr7", "bridge/stp_state", "0");
	sys_write("ntbr7", "bridge/forward_delay", "0");
	drift_repair(&n, "stp off (want on); forward delay 0.00s (want 5.00s)");
	assert_full(&n);

	sys_write("ntbr7", "bridge/forward_delay", "1000");
	drift_repair(&n, "forward delay 10.00s (want 5.00s)");
	assert_full(&n);

	link_del("ntbr7");
	drift_repair(&n, "missing");
	assert_full(&n);
	assert_int_equal(bridge_delete(nd, "ntbr7", NULL), 0);
}

static void test_stp_off_repair(void **state)
{
	_cleanup_net_ struct net n = { 0 };

	(void)state;
	/* From STP on with 2 s to off with 0 s: STP must go first, the
	 * kernel refuses a delay under 2 s while STP runs. */
	load(&n, "ntbr8", "off", 0, "");
	create_ok(&n);
	sys_write("ntbr8", "bridge/stp_state", "1");
	assert_string_equal(sys("ntbr8", "bridge/forward_delay"), "200");
	drift_repair(&n, "stp on (want off); forward delay 2.00s (want 0.00s)");
	assert_string_equal(sys("ntbr8", "bridge/stp_state"), "0");
	assert_string_equal(sys("ntbr8", "bridge/forward_delay"), "0");
	assert_int_equal(bridge_delete(nd, "ntbr8", NULL), 0);
}

static void test_rollback(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };
	struct net_ip *ips;

	(void)state;
	load(&n, "ntbr9", "on", 0, "<ip address='10.1.0.1' prefix='24'/>");
	/* The same address twice (validate would refuse it): the second
	 * add fails, and the bridge goes away again. */
	ips = realloc(n.ips, 2 * sizeof *ips);
	assert_non_null(ips);
	n.ips = ips;
	n.ips[1] = n.ips[0];
	n.ips[1].ranges = NULL;
	n.ips[1].hosts = NULL;
	n.ips[1].n_ranges = n.ips[1].n_hosts = 0;
	n.n_ips = 2;
	assert_int_equal(bridge_create(nd, &n, NULL, &e), -EEXIST);
	/* The kernel's own reason, when it gives one, follows in brackets. */
	assert_memory_equal(e.msg, "bridge ntbr9: add address 10.1.0.1/24: File exists",
			    strlen("bridge ntbr9: add address 10.1.0.1/24: File exists"));
	assert_false(exists("ntbr9"));
}

static void test_many_addresses(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	char ips[8192] = "";

	(void)state;
	/* More than the window of requests in flight (the parser takes 64). */
	for (int i = 0; i < 30; i++) {
		size_t used = strlen(ips);

		snprintf(ips + used, sizeof ips - used,
			 "<ip address='10.200.%d.1' prefix='24'/>"
			 "<ip family='ipv6' address='fd00:200:%x::1' prefix='64'/>",
			 i, i);
	}
	load(&n, "ntbr11", "off", 0, ips);
	create_ok(&n);
	assert_true(has_addr("ntbr11", "10.200.29.1", 24, NULL));
	assert_true(has_addr("ntbr11", "fd00:200:1d::1", 64, NULL));
	assert_no_drift(&n);
	assert_int_equal(bridge_delete(nd, "ntbr11", NULL), 0);
}

static void overlap(const char *xml_ips, const char *ignore, int want, const char *what)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };
	char w[256] = "";
	int r;

	load(&n, "ntbrX", "on", 0, xml_ips);
	r = hostnet_find_overlap(nd, &n, ignore, w, sizeof w, &e);
	if (r < 0)
		fail_msg("hostnet_find_overlap: %s", e.msg);
	if (r != want)
		fail_msg("%s: overlap %d, want %d (%s)", xml_ips, r, want, w);
	if (what)
		assert_string_equal(w, what);
}

static void test_overlap(void **state)
{
	const char *v4 = "<ip address='192.168.122.1' prefix='24'/>";
	const char *v6 = "<ip family='ipv6' address='2001:db8:5:1::1' prefix='64'/>";
	char uplink[IF_NAMESIZE];

	(void)state;
	veth_add("ntv0", "ntv0x");
	link_change("ntv0", 0, NULL, 1); /* routes need the device up */
	overlap(v4, NULL, 0, NULL);

	addr_op("ntv0", "192.168.122.5/24", true);
	overlap(v4, NULL, 1, "address 192.168.122.5/24 on ntv0");
	/* A smaller subnet inside it, or a larger one around it. */
	overlap("<ip address='192.168.122.129' prefix='25'/>", NULL, 1,
		"address 192.168.122.5/24 on ntv0");
	overlap("<ip address='192.168.0.1' prefix='16'/>", NULL, 1,
		"address 192.168.122.5/24 on ntv0");
	overlap("<ip address='192.168.123.1' prefix='24'/>", NULL, 0, NULL);
	/* The network's second subnet collides: still found. */
	overlap("<ip address='10.5.0.1' prefix='24'/><ip address='192.168.122.200' "
		"prefix='28'/>",
		NULL, 1, "address 192.168.122.5/24 on ntv0");
	addr_op("ntv0", "192.168.122.5/24", false);
	overlap(v4, NULL, 0, NULL);

	route_add("192.168.0.0/16", "ntv0", RT_TABLE_MAIN);
	overlap(v4, NULL, 1, "route 192.168.0.0/16 dev ntv0");
	overlap("<ip address='192.169.0.1' prefix='24'/>", NULL, 0, NULL);
	/* What a VPN client's redirect-gateway def1 installs, and defaults. */
	route_add("0.0.0.0/1", "ntv0", RT_TABLE_MAIN);
	route_add("128.0.0.0/1", "ntv0", RT_TABLE_MAIN);
	/* The uplink the host-firewall check reasons about: the main table's
	 * default route, not the VPN's halves, not another table's. */
	route_add("0.0.0.0/0", "ntv0", 100);
	assert_int_equal(hostnet_default_ifname(nd, uplink), 0);
	assert_string_equal(uplink, "");
	route_add("0.0.0.0/0", "ntv0", RT_TABLE_MAIN);
	assert_int_equal(hostnet_default_ifname(nd, uplink), 0);
	assert_string_equal(uplink, "ntv0");
	route_add("10.0.0.0/7", "ntv0", RT_TABLE_MAIN);
	overlap("<ip address='172.16.5.1' prefix='24'/>", NULL, 0, NULL);
	overlap("<ip address='10.20.30.1' prefix='24'/>", NULL, 0, NULL);
	/* Policy routing tables count too. */
	route_add("172.16.0.0/12", "ntv0", 100);
	overlap("<ip address='172.16.5.1' prefix='24'/>", NULL, 1, "route 172.16.0.0/12 dev ntv0");
	/* And the device to ignore is ignored. */
	overlap("<ip address='172.16.5.1' prefix='24'/>", "ntv0", 0, NULL);

	/* A point-to-point address claims itself; its peer's prefix is the
	 * route the kernel makes for it. */
	peer_add("ntv0", "10.44.0.1", "10.44.1.2/24");
	overlap("<ip address='10.44.0.129' prefix='25'/>", NULL, 0, NULL);
	overlap("<ip address='10.44.0.2' prefix='25'/>", NULL, 1, "address 10.44.0.1/32 on ntv0");
	overlap("<ip address='10.44.1.1' prefix='24'/>", NULL, 1, "route 10.44.1.0/24 dev ntv0");
	/* Each device of a multipath route is a claim of its own. */
	veth_add("ntv1", "ntv1x");
	link_change("ntv1", 0, NULL, 1);
	route_add_kind("10.55.0.0/16", RTN_UNICAST, (const char *const[]){ "ntv0", "ntv1", NULL });
	overlap("<ip address='10.55.3.1' prefix='24'/>", NULL, 1, "route 10.55.0.0/16 dev ntv0");
	overlap("<ip address='10.55.3.1' prefix='24'/>", "ntv0", 1, "route 10.55.0.0/16 dev ntv1");
	/* A route that is not unicast carries no traffic to claim a subnet. */
	route_add_kind("10.66.0.0/16", RTN_UNREACHABLE, NULL);
	overlap("<ip address='10.66.3.1' prefix='24'/>", NULL, 0, NULL);
	link_del("ntv1");

	/* IPv6: /8 and shorter do not count, link-local neither. */
	route_add("2000::/3", "ntv0", RT_TABLE_MAIN);
	route_add("::/0", "ntv0", RT_TABLE_MAIN);
	overlap(v6, NULL, 0, NULL);
	overlap("<ip family='ipv6' address='fe80::1' prefix='64'/>", NULL, 0, NULL);
	route_add("2001:db8:5::/48", "ntv0", RT_TABLE_MAIN);
	overlap(v6, NULL, 1, "route 2001:db8:5::/48 dev ntv0");
	addr_op("ntv0", "2001:db8:7::5/64", true);
	overlap("<ip family='ipv6' address='2001:db8:7::1' prefix='64'/>", NULL, 1,
		"address 2001:db8:7::5/64 on ntv0");
	link_del("ntv0");
	overlap(v6, NULL, 0, NULL);
}

static void test_overlap_running(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };
	char w[256];

	(void)state;
	load(&n, "ntbr10", "on", 0,
	     "<ip address='192.168.170.1' prefix='24'/>"
	     "<ip family='ipv6' address='fd00:170::1' prefix='64'/>");
	create_ok(&n);
	assert_int_equal(hostnet_find_overlap(nd, &n, "ntbr10", w, sizeof w, &e), 0);
	assert_int_equal(hostnet_find_overlap(nd, &n, NULL, w, sizeof w, &e), 1);
	assert_string_equal(w, "address 192.168.170.1/24 on ntbr10");
	assert_int_equal(bridge_delete(nd, "ntbr10", &e), 0);
	assert_int_equal(hostnet_find_overlap(nd, &n, NULL, w, sizeof w, &e), 0);
}

static void test_subnet_free(void **state)
{
	_cleanup_hostnet_ struct hostnet *h = NULL;
	struct nerr e = { { 0 } };
	struct net_addr a;
	bool is_free = false;
	char w[256] = "";
	unsigned x;

	(void)state;
	veth_add("ntv1", "ntv1x");
	addr_op("ntv1", "192.168.122.1/24", true);
	addr_op("ntv1", "192.168.123.77/23", true);

	assert_int_equal(net_addr_parse("192.168.122.0", &a), 0);
	assert_int_equal(hostnet_subnet_free(nd, &a, 24, &is_free, w, sizeof w, &e), 0);
	assert_false(is_free);
	assert_string_equal(w, "address 192.168.122.1/24 on ntv1");
	assert_int_equal(net_addr_parse("192.168.124.0", &a), 0);
	assert_int_equal(hostnet_subnet_free(nd, &a, 24, &is_free, w, sizeof w, &e), 0);
	assert_true(is_free);

	/* install-default's loop: one snapshot, many candidates. */
	assert_int_equal(hostnet_load(nd, &h, &e), 0);
	for (x = 122; x < 255; x++) {
		char s[32];

		snprintf(s, sizeof s, "192.168.%u.0", x);
		assert_int_equal(net_addr_parse(s, &a), 0);
		if (!hostnet_overlap(h, &a, 24, NULL, NULL, 0))
			break;
	}
	assert_int_equal(x, 124);
	link_del("ntv1");
}

/* A wait with nothing in flight ends at the socket's bound, as a timeout
 * (not libnl's "Try again", which for a dump means "interrupted"). */
static void test_netlink_timeout(void **state)
{
	_cleanup_netlink_ struct nl_sock *q = NULL;
	struct netlink_reply rp = { 0 };
	struct nerr e = { { 0 } };
	int64_t t0;

	(void)state;
	if (netlink_open(&q, &e) < 0)
		fail_msg("netlink_open: %s", e.msg);
	t0 = nd_now_ms();
	assert_int_equal(netlink_wait(q, &rp), -ETIMEDOUT);
	assert_true(nd_now_ms() - t0 >= NETLINK_TIMEOUT_S * 1000 - 100);
	assert_false(rp.done);
	assert_string_equal(rp.why, "no answer within 5 s");
}

/* ---- the steps ------------------------------------------------------ */

static const struct nd_paths no_paths; /* neither step reads a path */

/* One step's pass, with notes on a memory stream. */
struct one_step {
	struct step_run run;
	char *notes;
	size_t notes_len;
	FILE *out;
};

static void one_step_init(struct one_step *o, const struct step_ops *const *ops,
			  const struct net *n)
{
	struct nerr e = { { 0 } };

	o->notes = NULL;
	o->out = open_memstream(&o->notes, &o->notes_len);
	assert_non_null(o->out);
	if (step_run_init(&o->run, ops, 1, &no_paths, n, o->out, &e) < 0)
		fail_msg("step_run_init: %s", e.msg);
}

static void one_step_done(struct one_step *o)
{
	step_run_done(&o->run);
	fclose(o->out);
	free(o->notes);
}

/* Check (and repair), expecting exactly 'want' (NULL: nothing). */
static void step_expect(struct one_step *o, bool repair, const char *want)
{
	struct drift d;
	struct nerr e = { { 0 } };

	if (step_run_check(&o->run, repair, &d, &e) < 0)
		fail_msg("step_run_check: %s", e.msg);
	if (!want) {
		if (d.n)
			fail_msg("unexpected drift: %s", d.what[0]);
		return;
	}
	assert_int_equal(d.n, 1);
	assert_string_equal(d.what[0], want);
	assert_int_equal(d.repaired, repair ? 1 : 0);
}

static const struct step_ops *const br_ops[] = { &bridge_step };

static void test_bridge_step(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	struct one_step o;
	struct nerr e = { { 0 } };
	int first;

	(void)state;
	load(&n, "ntbr12", "off", 0, "<ip address='192.168.180.1' prefix='24'/>");
	one_step_init(&o, br_ops, &n);
	assert_int_equal(step_run_apply(&o.run, &e), 0);
	first = o.run.c.ifindex;
	assert_int_equal(first, (int)if_nametoindex("ntbr12"));
	assert_true(has_addr("ntbr12", "192.168.180.1", 24, NULL));
	o.run.c.ifindex = 0;
	step_expect(&o, false, NULL);
	assert_int_equal(o.run.c.ifindex, first); /* check finds it */

	/* IPv4 addresses stay on a link that goes down. */
	link_change("ntbr12", 0, NULL, 0);
	step_expect(&o, false, "bridge ntbr12: down");
	step_expect(&o, true, "bridge ntbr12: down");
	assert_true(strtoul(sys("ntbr12", "flags"), NULL, 16) & IFF_UP);
	step_expect(&o, false, NULL);

	/* Made again: a new ifindex, which later steps must use. */
	link_del("ntbr12");
	step_expect(&o, false, "bridge ntbr12: missing");
	assert_int_equal(o.run.c.ifindex, 0);
	step_expect(&o, true, "bridge ntbr12: missing");
	assert_int_equal(o.run.c.ifindex, (int)if_nametoindex("ntbr12"));
	assert_int_not_equal(o.run.c.ifindex, first);
	assert_true(has_addr("ntbr12", "192.168.180.1", 24, NULL));
	step_expect(&o, false, NULL);

	assert_int_equal(step_run_undo(&o.run, &e), 0);
	assert_false(exists("ntbr12"));
	assert_int_equal(o.run.c.ifindex, 0);
	assert_int_equal(step_run_undo(&o.run, &e), 0); /* already gone */
	fflush(o.out);
	assert_int_equal(o.notes_len, 0);
	one_step_done(&o);
}

static void test_bridge_step_foreign(void **state)
{
	_cleanup_net_ struct net n = { 0 };
	struct one_step o;
	struct nerr e = { { 0 } };

	(void)state;
	veth_add("ntbr13", "ntbr13x");
	load(&n, "ntbr13", "on", 0, "<ip address='192.168.181.1' prefix='24'/>");
	one_step_init(&o, br_ops, &n);
	/* Start refuses it; stop leaves it and says so, without failing. */
	assert_int_equal(step_run_apply(&o.run, &e), -EEXIST);
	assert_true(exists("ntbr13"));
	step_expect(&o, false, "bridge ntbr13: not a bridge (veth)");
	assert_int_equal(o.run.c.ifindex, 0);
	assert_int_equal(step_run_check(&o.run, true, &(struct drift){ 0 }, &e), -EEXIST);
	assert_int_equal(step_run_undo(&o.run, &e), 0);
	assert_true(exists("ntbr13"));
	fflush(o.out);
	assert_string_equal(o.notes, "network 'ntbr13': bridge ntbr13: delete: the interface is a "
				     "veth, not a bridge; left alone\n");
	one_step_done(&o);
	link_del("ntbr13");
}

static const char *const fwd4 = "/proc/sys/net/ipv4/ip_forward";
static const char *const fwd6 = "/proc/sys/net/ipv6/conf/all/forwarding";

static void proc_write(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fail_msg("open %s: %s", path, strerror(errno));
		return;
	}
	fputs(val, f);
	if (fclose(f) != 0)
		fail_msg("write %s: %s", path, strerror(errno));
}

static const char *proc_read(const char *path)
{
	static char buf[32];
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static const struct step_ops *const fwd_ops[] = { &ipfwd_step };

static void test_forwarding_step(void **state)
{
	_cleanup_net_ struct net nat = { 0 }, v4 = { 0 }, isolated = { 0 };
	struct one_step o;
	struct nerr e = { { 0 } };
	struct drift d;

	(void)state;
	/* This network namespace's sysctls, not the host's (main). */
	proc_write(fwd4, "0");
	proc_write(fwd6, "0");

	tu_load_str("<network><name>isol</name><bridge name='ntbr14'/>"
		    "<ip address='192.168.182.1' prefix='24'/>"
		    "<ip family='ipv6' address='fd00:182::1' prefix='64'/></network>",
		    &isolated);
	one_step_init(&o, fwd_ops, &isolated);
	assert_int_equal(step_run_apply(&o.run, &e), 0);
	assert_string_equal(proc_read(fwd4), "0");
	step_expect(&o, false, NULL);
	one_step_done(&o);

	tu_load_str("<network><name>v4</name><forward mode='route'/><bridge name='ntbr14'/>"
		    "<ip address='192.168.182.1' prefix='24'/></network>",
		    &v4);
	one_step_init(&o, fwd_ops, &v4);
	step_expect(&o, false,
		    "forwarding: net.ipv4.ip_forward is 0 (guests cannot reach beyond the host)");
	assert_int_equal(step_run_apply(&o.run, &e), 0);
	assert_string_equal(proc_read(fwd4), "1");
	assert_string_equal(proc_read(fwd6), "0"); /* no IPv6 <ip> */
	step_expect(&o, false, NULL);
	one_step_done(&o);

	tu_load_str("<network><name>nat</name><forward mode='nat'/><bridge name='ntbr14'/>"
		    "<ip address='192.168.182.1' prefix='24'/>"
		    "<ip family='ipv6' address='fd00:182::1' prefix='64'/></network>",
		    &nat);
	proc_write(fwd4, "0");
	one_step_init(&o, fwd_ops, &nat);
	if (step_run_check(&o.run, false, &d, &e) < 0)
		fail_msg("check: %s", e.msg);
	assert_int_equal(d.n, 2);
	assert_string_equal(
		d.what[0],
		"forwarding: net.ipv4.ip_forward is 0 (guests cannot reach beyond the host)");
	assert_string_equal(d.what[1], "forwarding: net.ipv6.conf.all.forwarding is 0 (guests "
				       "cannot reach beyond the host over IPv6)");
	/* Repair sets only what the check found off. */
	proc_write(fwd6, "1");
	proc_write(fwd4, "0");
	assert_int_equal(ipfwd_step.repair(&o.run.c, o.run.state[0], &e), 0);
	assert_string_equal(proc_read(fwd4), "1");
	assert_string_equal(proc_read(fwd6), "1");
	proc_write(fwd6, "0");
	step_expect(&o, true,
		    "forwarding: net.ipv6.conf.all.forwarding is 0 (guests cannot reach beyond the "
		    "host over IPv6)");
	assert_string_equal(proc_read(fwd6), "1");
	step_expect(&o, false, NULL);
	/* Stop leaves forwarding on. */
	assert_int_equal(step_run_undo(&o.run, &e), 0);
	assert_string_equal(proc_read(fwd4), "1");
	assert_string_equal(proc_read(fwd6), "1");
	one_step_done(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),		cmocka_unit_test(test_mtu_same_as_default),
		cmocka_unit_test(test_stp_delay),	cmocka_unit_test(test_create_twice),
		cmocka_unit_test(test_delete),		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_drift),		cmocka_unit_test(test_stp_off_repair),
		cmocka_unit_test(test_rollback),	cmocka_unit_test(test_many_addresses),
		cmocka_unit_test(test_overlap),		cmocka_unit_test(test_ipv6_flag),
		cmocka_unit_test(test_overlap_running), cmocka_unit_test(test_subnet_free),
		cmocka_unit_test(test_bridge_step),	cmocka_unit_test(test_bridge_step_foreign),
		cmocka_unit_test(test_forwarding_step), cmocka_unit_test(test_netlink_timeout),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root for a private network namespace\n");
		return 77;
	}
	/* Before anything else: from here on no interface of the host can be
	 * reached. */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		fprintf(stderr, "skipped: unshare: %s\n", strerror(errno));
		return 77;
	}
	/* A sysfs of our own, showing this namespace's interfaces, without
	 * the mount reaching the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0) {
		fprintf(stderr, "skipped: private /sys: %s\n", strerror(errno));
		return 77;
	}
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0) {
		fprintf(stderr, "netlink socket failed\n");
		return 1;
	}
	struct nerr e = { { 0 } };
	if (netlink_open(&nd, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	int r = cmocka_run_group_tests_name("bridge", tests, NULL, NULL);
	netlink_close(nd);
	nl_socket_free(sk);
	return r;
}
