/* netd plan: what start would do, from the pure renderers, plus the one
 * thing start decides from the host's state: which of the host's iptables
 * chains get netd's accepts (read from the ruleset, never changed). */
#include "plan.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "bandwidth.h"
#include "dhcp.h"
#include "dhcp_step.h"
#include "fw.h"
#include "hostconf.h"
#include "routes.h"

static void plan_bridge(const struct net *n, FILE *o)
{
	char mac[18], addr[128];

	net_mac_str(n->mac, mac);
	fprintf(o, "## bridge\n");
	fprintf(o, "create bridge %s mac %s", n->bridge, mac);
	if (n->mtu)
		fprintf(o, " mtu %u", n->mtu);
	fprintf(o, " stp %s delay %u\n", n->stp == NET_NO ? "off" : "on", n->delay);
	for (size_t i = 0; i < n->n_ips; i++) {
		net_addr_str(&n->ips[i].addr, addr, sizeof addr);
		fprintf(o, "add address %s/%u\n", addr, n->ips[i].prefix);
	}
	fprintf(o, "set link up\n");
	for (size_t i = 0; i < n->n_routes; i++) {
		routes_str(&n->routes[i], addr, sizeof addr);
		fprintf(o, "add route %s dev %s proto static\n", addr, n->bridge);
	}
	if (n->fwd_mode == NET_FWD_NAT || n->fwd_mode == NET_FWD_ROUTE) {
		fprintf(o, "enable forwarding: net.ipv4.ip_forward=1");
		if (net_has_family(n, AF_INET6))
			fprintf(o, ", net.ipv6.conf.all.forwarding=1");
		fprintf(o, "\n");
		if (net_has_family(n, AF_INET6))
			fprintf(o, "first: accept_ra=2 on every interface whose IPv6 default route "
				   "came from a router advertisement\n");
	}
}

static void plan_file(FILE *o, const char *title, const char *path, const char *body)
{
	fprintf(o, "\n## %s: %s\n%s", title, path, body);
	if (body[0] && body[strlen(body) - 1] != '\n')
		fputc('\n', o);
}

static int plan_dnsmasq(const struct store *s, const struct net *n, FILE *o, struct nerr *e)
{
	struct dhcp_files_buf fb;
	_cleanup_free_ char *conf = NULL, *hosts = NULL, *addn = NULL;
	char group[64];
	int r;

	if (!dhcp_needed(n)) {
		fprintf(o,
			"\n## dnsmasq\nnone: the network has no address to serve DHCP or DNS on\n");
		return 0;
	}
	if ((r = dhcp_files_for(&s->p, n->name, &fb, group, sizeof group, e)) < 0)
		return r;
	if ((r = dhcp_render_conf(n, &fb.files, &conf, e)) < 0 ||
	    (r = dhcp_render_hostsfile(n, &hosts, e)) < 0 ||
	    (r = dhcp_render_addnhosts(n, &addn, e)) < 0)
		return r;
	plan_file(o, "dnsmasq config", fb.files.conf, conf);
	plan_file(o, "dnsmasq dhcp hosts", fb.files.hostsfile, hosts);
	plan_file(o, "dnsmasq dns hosts", fb.files.addnhosts, addn);
	if (dhcp_uses_host_resolvers(n))
		fprintf(o,
			"\n## dnsmasq upstream servers: %s\nthe nameserver lines of the host's "
			"resolv.conf at start, brought up to date by netd apply\n",
			fb.files.serversfile);
	return 0;
}

/* What start would change in the host's iptables chains, or a comment
 * saying why there is nothing that plan can know of. */
static void plan_glue(const struct hostconf *hc, const struct net *n, FILE *o)
{
	struct fw_glue_plan g = { 0 };
	struct nerr ge = { { 0 } };
	static const char *const fam[] = { "iptables", "ip6tables" };

	if (!fw_net_has_part(n) || !hc->iptables)
		return;
	if (fw_glue_render(n, FW_GLUE_WANT, &g, &ge) < 0) {
		fprintf(o, "# iptables chains: not read: %s\n", ge.msg);
		return;
	}
	if (g.nft[0])
		fprintf(o, "# the host's iptables chains (netd.conf iptables = yes):\n%s", g.nft);
	for (size_t f = 0; f < ARRAY_SIZE(g.restore); f++)
		if (g.restore[f])
			fprintf(o,
				"# the shared accepts of netd's bridges (interface group 0x%x), "
				"through %s-nft-restore --noflush:\n%s",
				FW_DEVGROUP, fam[f], g.restore[f]);
	fw_glue_plan_free(&g);
}

/* What the firewalld step would do; plan does not ask D-Bus whether
 * firewalld runs. */
static void plan_firewalld(const struct hostconf *hc, const struct net *n, FILE *o)
{
	fprintf(o, "\n## firewalld\n");
	if (!hc->firewalld)
		fprintf(o, "none (netd.conf firewalld = no)\n");
	else
		fprintf(o,
			"when firewalld runs: interface %s into zone %s, at run time and "
			"permanently (unless the administrator put it in a zone)\n",
			n->bridge, n->zone[0] ? n->zone : "netd");
}

/* Whom the bridge's ACL entry is for, when not every user. */
static void plan_acl_who(const struct net *n, FILE *o)
{
	if (n->owner_line)
		fprintf(o, " to its owner, uid %u, only (a file only that user can read)",
			(unsigned)n->owner_uid);
	else if (n->access_group[0])
		fprintf(o, " to the members of group %s only", n->access_group);
}

/* A host bridge network: the bridge is checked, and joined through
 * bridge.conf; nothing else. */
static void plan_host_bridge(const struct store *s, const struct net *n, FILE *o)
{
	fprintf(o, "# plan for network '%s' (bridge): nothing has been changed\n\n", n->name);
	fprintf(o,
		"## host bridge\ncheck that %s exists and is a Linux bridge (the host's: netd "
		"creates nothing, changes nothing on it and leaves it at stop)\n",
		n->bridge);
	fprintf(o, "\n## nftables\nnone (guests are on the host's LAN)\n");
	fprintf(o, "\n## dnsmasq\nnone (the LAN's own DHCP server gives the addresses)\n");
	fprintf(o, "\n## qemu bridge ACL: %s\nallow %s", s->p.bridge_conf, n->bridge);
	plan_acl_who(n, o);
	fputc('\n', o);
}

int plan_print(const struct store *s, struct net *n, FILE *o, struct nerr *e)
{
	_cleanup_free_ char *nft = NULL;
	struct hostconf hc;
	int r;

	if (net_is_host_bridge(n)) {
		if ((r = store_fill_defaults(s, n, e)) < 0)
			return r;
		plan_host_bridge(s, n, o);
		return 0;
	}

	if ((r = hostconf_load(&s->p, &hc, e)) < 0 || (r = store_fill_defaults(s, n, e)) < 0 ||
	    (r = fw_render(n, &nft, e)) < 0)
		return r;
	fprintf(o, "# plan for network '%s' (%s): nothing has been changed\n\n", n->name,
		net_fwd_mode_str(n->fwd_mode));
	plan_bridge(n, o);
	if ((r = bw_plan(n, o, e)) < 0)
		return r;
	fprintf(o, "\n## nftables: one transaction\n%s", nft[0] ? nft : "none (open network)\n");
	plan_glue(&hc, n, o);
	plan_firewalld(&hc, n, o);
	if ((r = plan_dnsmasq(s, n, o, e)) < 0)
		return r;
	fprintf(o, "\n## qemu bridge ACL: %s\nallow %s", s->p.bridge_conf, n->bridge);
	plan_acl_who(n, o);
	fputc('\n', o);
	return 0;
}
