/* netd update: virsh net-update for the sections where it makes sense.
 *
 * The snippet is parsed as the element it stands for (net_parse_snippet()),
 * applied to a copy of the stored config and/or of the running network's
 * record, and each copy must pass net_validate() like a definition before
 * anything is written: a rejected update changes nothing. Live, dnsmasq gets
 * the change through dhcp_update_live(): SIGHUP when only its hosts files
 * change, else a restart that keeps the lease file.
 *
 * Matching follows libvirt's virNetworkDefUpdate*(): add refuses an entry
 * that matches an existing one on any key (a host's mac, name or ip; a
 * range's start and end; a DNS host's ip or a name; an SRV's service,
 * protocol, domain and target; a TXT's name), delete needs an entry that
 * matches every attribute given, modify replaces the entry with the same
 * key (a dhcp host by mac, else id, else name; a range by start; a DNS host
 * by ip; an SRV by service, protocol and domain; a TXT by name). libvirt
 * refuses modify for ranges and DNS records; netd does it by those keys. */
#include "update.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>

#include "../dhcp/dhcp_update.h"
#include "record.h"

enum update_action { UPD_ADD, UPD_DELETE, UPD_MODIFY };

static const char *const update_actions[] = { "add", "delete", "modify" };
static const char *const update_sections[] = {
	[NET_SNIP_DHCP_HOST] = "ip-dhcp-host", [NET_SNIP_DHCP_RANGE] = "ip-dhcp-range",
	[NET_SNIP_DNS_HOST] = "dns-host",      [NET_SNIP_DNS_SRV] = "dns-srv",
	[NET_SNIP_DNS_TXT] = "dns-txt",
};
static const char *const section_what[] = {
	[NET_SNIP_DHCP_HOST] = "dhcp host",    [NET_SNIP_DHCP_RANGE] = "dhcp range",
	[NET_SNIP_DNS_HOST] = "dns host",      [NET_SNIP_DNS_SRV] = "dns srv record",
	[NET_SNIP_DNS_TXT] = "dns txt record",
};

static int lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *update_args_why(const char *action, const char *section)
{
	if (lookup(update_actions, ARRAY_SIZE(update_actions), action) < 0)
		return "unknown action (add, delete or modify)";
	if (lookup(update_sections, ARRAY_SIZE(update_sections), section) < 0)
		return "unknown section (ip-dhcp-host, ip-dhcp-range, dns-host, dns-srv or "
		       "dns-txt)";
	return NULL;
}

/* One change, as parsed. */
struct update {
	enum update_action act;
	enum net_snippet sec;
	struct net snip; /* the element, in ips[0] or dns */
	const char *name;
	struct nerr *e;
};

static int upd_err(const struct update *u, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "network N: ip-dhcp-host add: WHY" */
static int upd_err(const struct update *u, int r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap); /* may be truncated */
	va_end(ap);
	return nerr_set(u->e, r, "network %s: %s %s: %s", u->name, update_sections[u->sec],
			update_actions[u->act], msg);
}

/* ---- matching ------------------------------------------------------------ */

static bool addr_eq(const struct net_addr *a, const struct net_addr *b)
{
	return a->family && b->family && net_addr_cmp(a, b) == 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a[0] && b[0] && strcmp(a, b) == 0;
}

/* add: any key in common */
static bool host_clash(const struct net_dhcp_host *a, const struct net_dhcp_host *b)
{
	return str_eq(a->mac, b->mac) || str_eq(a->id, b->id) || str_eq(a->name, b->name) ||
	       addr_eq(&a->ip, &b->ip);
}

/* delete: every attribute the snippet gives */
static bool host_match(const struct net_dhcp_host *have, const struct net_dhcp_host *want)
{
	return (!want->mac[0] || strcmp(want->mac, have->mac) == 0) &&
	       (!want->id[0] || strcmp(want->id, have->id) == 0) &&
	       (!want->name[0] || strcmp(want->name, have->name) == 0) &&
	       (!want->ip.family || addr_eq(&want->ip, &have->ip));
}

/* modify: the one key that names the host */
static bool host_same(const struct net_dhcp_host *have, const struct net_dhcp_host *want)
{
	if (want->mac[0])
		return strcmp(want->mac, have->mac) == 0;
	if (want->id[0])
		return strcmp(want->id, have->id) == 0;
	return str_eq(want->name, have->name);
}

static bool range_eq(const struct net_dhcp_range *a, const struct net_dhcp_range *b)
{
	return addr_eq(&a->start, &b->start) && addr_eq(&a->end, &b->end);
}

static bool dns_host_clash(const struct net_dns_host *a, const struct net_dns_host *b)
{
	if (addr_eq(&a->ip, &b->ip))
		return true;
	for (size_t i = 0; i < a->n_names; i++)
		for (size_t j = 0; j < b->n_names; j++)
			if (strcmp(a->names[i], b->names[j]) == 0)
				return true;
	return false;
}

static bool dns_host_match(const struct net_dns_host *have, const struct net_dns_host *want)
{
	if (!addr_eq(&have->ip, &want->ip))
		return false;
	for (size_t j = 0; j < want->n_names; j++) {
		bool found = false;

		for (size_t i = 0; i < have->n_names; i++)
			found |= strcmp(have->names[i], want->names[j]) == 0;
		if (!found)
			return false;
	}
	return true;
}

static bool srv_key(const struct net_dns_srv *a, const struct net_dns_srv *b)
{
	return strcmp(a->service, b->service) == 0 && strcmp(a->protocol, b->protocol) == 0 &&
	       strcmp(a->domain, b->domain) == 0;
}

static bool srv_match(const struct net_dns_srv *have, const struct net_dns_srv *want)
{
	return srv_key(have, want) &&
	       (!want->target[0] || strcmp(want->target, have->target) == 0) &&
	       (want->port < 0 || want->port == have->port) &&
	       (want->priority < 0 || want->priority == have->priority) &&
	       (want->weight < 0 || want->weight == have->weight);
}

static bool txt_match(const struct net_dns_txt *have, const struct net_dns_txt *want)
{
	return strcmp(have->name, want->name) == 0 &&
	       (!want->value[0] || strcmp(have->value, want->value) == 0);
}

/* ---- changing one list ---------------------------------------------------- */

/* Remove element i of an array of n elements of size sz. */
static void array_del(void *base, size_t *n, size_t sz, size_t i)
{
	char *b = base;

	memmove(b + i * sz, b + (i + 1) * sz, (*n - i - 1) * sz);
	(*n)--;
}

/* An entry as the XML it was written as, shortened: for messages. */
static void describe(enum net_snippet sec, const void *p, char *buf, size_t len)
{
	const struct net_dhcp_host *h = p;
	const struct net_dhcp_range *rg = p;
	const struct net_dns_host *dh = p;
	const struct net_dns_srv *sv = p;
	const struct net_dns_txt *t = p;
	char a[64] = "", b[64] = "";

	switch (sec) {
	case NET_SNIP_DHCP_HOST:
		(void)net_addr_str(&h->ip, a, sizeof a);
		(void)nd_snprintf(buf, len,
				  "<host%s%s%s%s%s%s%s%s%s%s%s%s/>", /* may be truncated */
				  h->mac[0] ? " mac='" : "", h->mac, h->mac[0] ? "'" : "",
				  h->id[0] ? " id='" : "", h->id, h->id[0] ? "'" : "",
				  h->name[0] ? " name='" : "", h->name, h->name[0] ? "'" : "",
				  a[0] ? " ip='" : "", a, a[0] ? "'" : "");
		break;
	case NET_SNIP_DHCP_RANGE:
		(void)net_addr_str(&rg->start, a, sizeof a);
		(void)net_addr_str(&rg->end, b, sizeof b);
		(void)nd_snprintf(buf, len, "<range start='%s' end='%s'/>", a, b);
		break;
	case NET_SNIP_DNS_HOST:
		(void)net_addr_str(&dh->ip, a, sizeof a);
		(void)nd_snprintf(buf, len, "<host ip='%s'><hostname>%s</hostname>%s</host>", a,
				  dh->n_names ? dh->names[0] : "", dh->n_names > 1 ? "..." : "");
		break;
	case NET_SNIP_DNS_SRV:
		(void)nd_snprintf(buf, len, "<srv service='%s' protocol='%s'%s%s%s/>", sv->service,
				  sv->protocol, sv->domain[0] ? " domain='" : "", sv->domain,
				  sv->domain[0] ? "'" : "");
		break;
	case NET_SNIP_DNS_TXT:
		(void)nd_snprintf(buf, len, "<txt name='%s' value='%s'/>", t->name, t->value);
		break;
	}
}

/* Which entry the action works on: -1 for add (none may clash), else the
 * index of the match. Returns -errno with the message. */
typedef bool match_fn(const void *have, const void *want);

static int find(const struct update *u, const void *base, size_t n, size_t sz, const void *want,
		match_fn *clash, match_fn *match, match_fn *same, size_t *at)
{
	const char *b = base;
	match_fn *fn = u->act == UPD_ADD ? clash : u->act == UPD_DELETE ? match : same;

	for (size_t i = 0; i < n; i++)
		if (fn(b + i * sz, want)) {
			if (u->act == UPD_ADD) {
				char have[512];

				describe(u->sec, b + i * sz, have, sizeof have);
				return upd_err(u, -EEXIST, "it clashes with the existing %s", have);
			}
			*at = i;
			return 0;
		}
	if (u->act == UPD_ADD)
		return 0;
	return upd_err(u, -ENOENT, "no %s matches", section_what[u->sec]);
}

#define MATCH(fn, type)                                                                            \
	static bool fn##_v(const void *a, const void *b)                                           \
	{                                                                                          \
		return fn((const type *)a, (const type *)b);                                       \
	}
MATCH(host_clash, struct net_dhcp_host)
MATCH(host_match, struct net_dhcp_host)
MATCH(host_same, struct net_dhcp_host)
MATCH(range_eq, struct net_dhcp_range)
MATCH(dns_host_clash, struct net_dns_host)
MATCH(dns_host_match, struct net_dns_host)
MATCH(srv_key, struct net_dns_srv)
MATCH(srv_match, struct net_dns_srv)
MATCH(txt_match, struct net_dns_txt)

static bool range_start_v(const void *a, const void *b)
{
	return addr_eq(&((const struct net_dhcp_range *)a)->start,
		       &((const struct net_dhcp_range *)b)->start);
}

static bool dns_host_ip_v(const void *a, const void *b)
{
	return addr_eq(&((const struct net_dns_host *)a)->ip,
		       &((const struct net_dns_host *)b)->ip);
}

static bool txt_name_v(const void *a, const void *b)
{
	return strcmp(((const struct net_dns_txt *)a)->name,
		      ((const struct net_dns_txt *)b)->name) == 0;
}

/* Add, delete or replace element 'at' of an array with a copy of 'src'. */
static int array_apply(const struct update *u, void *arrayp, size_t *n, size_t sz, size_t at,
		       const void *src)
{
	void *slot;

	if (u->act == UPD_DELETE) {
		array_del(*(void **)arrayp, n, sz, at);
		return 0;
	}
	if (u->act == UPD_MODIFY) {
		slot = (char *)*(void **)arrayp + at * sz;
	} else {
		slot = nd_array_push(arrayp, n, sz, NET_MAX_ITEMS);
		if (!slot)
			return upd_err(u, -E2BIG, "too many entries");
	}
	memcpy(slot, src, sz);
	return 0;
}

/* The <ip> of the snippet's family the DHCP sections go to: the first
 * with <dhcp>, else the first of that family (libvirt without
 * --parent-index). */
static struct net_ip *dhcp_target(const struct update *u, struct net *n, int fam)
{
	struct net_ip *first = NULL;

	for (size_t i = 0; i < n->n_ips; i++) {
		if (n->ips[i].addr.family != fam)
			continue;
		if (n->ips[i].has_dhcp)
			return &n->ips[i];
		if (!first)
			first = &n->ips[i];
	}
	if (!first)
		(void)upd_err(u, -ENOENT, "the network has no %s address",
			      fam == AF_INET6 ? "IPv6" : "IPv4");
	return first;
}

static int apply_dhcp_host(const struct update *u, struct net *n)
{
	const struct net_dhcp_host *h = &u->snip.ips[0].hosts[0];
	int fam = h->ip.family ? h->ip.family : h->id[0] ? AF_INET6 : AF_INET;
	struct net_ip *ip = dhcp_target(u, n, fam);
	size_t at = 0;
	int r;

	if (!ip)
		return -ENOENT;
	if ((r = find(u, ip->hosts, ip->n_hosts, sizeof *h, h, host_clash_v, host_match_v,
		      host_same_v, &at)) < 0)
		return r;
	ip->has_dhcp = true;
	return array_apply(u, &ip->hosts, &ip->n_hosts, sizeof *h, at, h);
}

static int apply_dhcp_range(const struct update *u, struct net *n)
{
	const struct net_dhcp_range *rg = &u->snip.ips[0].ranges[0];
	struct net_ip *ip = dhcp_target(u, n, rg->start.family);
	size_t at = 0;
	int r;

	if (!ip)
		return -ENOENT;
	if ((r = find(u, ip->ranges, ip->n_ranges, sizeof *rg, rg, range_eq_v, range_eq_v,
		      range_start_v, &at)) < 0)
		return r;
	ip->has_dhcp = true;
	return array_apply(u, &ip->ranges, &ip->n_ranges, sizeof *rg, at, rg);
}

static int apply_dns_host(const struct update *u, struct net *n)
{
	const struct net_dns_host *h = &u->snip.dns.hosts[0];
	struct net_dns *d = &n->dns;
	struct net_dns_host copy = *h;
	size_t at = 0;
	int r;

	if ((r = find(u, d->hosts, d->n_hosts, sizeof *h, h, dns_host_clash_v, dns_host_match_v,
		      dns_host_ip_v, &at)) < 0)
		return r;
	if (u->act != UPD_ADD)
		free(d->hosts[at].names);
	if (u->act == UPD_DELETE)
		return array_apply(u, &d->hosts, &d->n_hosts, sizeof *h, at, h);
	copy.names = malloc(h->n_names * sizeof *h->names);
	if (!copy.names)
		return upd_err(u, -ENOMEM, "out of memory");
	memcpy(copy.names, h->names, h->n_names * sizeof *h->names);
	if ((r = array_apply(u, &d->hosts, &d->n_hosts, sizeof *h, at, &copy)) < 0)
		free(copy.names);
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): d->hosts owns it now */
	return r;
}

static int apply_srv(const struct update *u, struct net *n)
{
	const struct net_dns_srv *s = &u->snip.dns.srvs[0];
	size_t at = 0;
	int r;

	if ((r = find(u, n->dns.srvs, n->dns.n_srvs, sizeof *s, s, srv_key_v, srv_match_v,
		      srv_key_v, &at)) < 0)
		return r;
	return array_apply(u, &n->dns.srvs, &n->dns.n_srvs, sizeof *s, at, s);
}

static int apply_txt(const struct update *u, struct net *n)
{
	const struct net_dns_txt *t = &u->snip.dns.txts[0];
	size_t at = 0;
	int r;

	if ((r = find(u, n->dns.txts, n->dns.n_txts, sizeof *t, t, txt_name_v, txt_match_v,
		      txt_name_v, &at)) < 0)
		return r;
	return array_apply(u, &n->dns.txts, &n->dns.n_txts, sizeof *t, at, t);
}

/* The change on n, then the validation of define. */
static int update_apply(struct update *u, struct net *n)
{
	char file[sizeof n->file];
	int r;

	switch (u->sec) {
	case NET_SNIP_DHCP_HOST:
		r = apply_dhcp_host(u, n);
		break;
	case NET_SNIP_DHCP_RANGE:
		r = apply_dhcp_range(u, n);
		break;
	case NET_SNIP_DNS_HOST:
		r = apply_dns_host(u, n);
		break;
	case NET_SNIP_DNS_SRV:
		r = apply_srv(u, n);
		break;
	default:
		r = apply_txt(u, n);
		break;
	}
	if (r < 0)
		return r;
	/* Messages name the snippet, where the new entry came from. */
	memcpy(file, n->file, sizeof file);
	memcpy(n->file, u->snip.file, sizeof n->file);
	r = net_validate(n, u->e);
	memcpy(n->file, file, sizeof file);
	return r;
}

/* ---- the command ------------------------------------------------------------ */

/* The snippet: a file when the argument names one (as virsh does), else
 * the argument itself. */
static int snippet_parse(struct update *u, const char *xml)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len;
	int r;

	if (stat(xml, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((r = nd_read_file_max(xml, 1u << 20, &buf, &len)) < 0)
			return nerr_set(u->e, r, "%s: %s", xml, nd_strerror(r));
		return net_parse_snippet(buf, len, xml, u->sec, &u->snip, u->e);
	}
	return net_parse_snippet(xml, strlen(xml), "XML argument", u->sec, &u->snip, u->e);
}

static void update_free(struct update *u)
{
	net_free(&u->snip);
}

static void report_live(const struct dhcp_live *l, FILE *out)
{
	switch (l->how) {
	case DHCP_LIVE_SAME:
		if (l->new_pid)
			fprintf(out, "; dnsmasq unchanged (pid %ld)", (long)l->new_pid);
		break;
	case DHCP_LIVE_HUP:
		fprintf(out, "; dnsmasq reloaded (SIGHUP, pid %ld)", (long)l->new_pid);
		break;
	case DHCP_LIVE_RESTART:
		if (l->old_pid)
			fprintf(out, "; dnsmasq restarted (pid %ld -> %ld), leases kept",
				(long)l->old_pid, (long)l->new_pid);
		else
			fprintf(out, "; dnsmasq started (pid %ld)", (long)l->new_pid);
		break;
	case DHCP_LIVE_STOPPED:
		fprintf(out, "; dnsmasq stopped (the network no longer needs it)");
		break;
	}
}

int update_run(struct store *s, const char *name, const char *action, const char *section,
	       const char *xml, bool config, bool live, FILE *out, struct nerr *e)
{
	static const char *const done[] = { "added", "deleted", "modified" };
	__attribute__((cleanup(update_free))) struct update u = { 0 };
	_cleanup_net_ struct net cfg = { 0 }, run = { 0 };
	bool running = store_active(s, name), replaced;
	struct dhcp_live res = { 0 };
	int r;

	if (update_args_why(action, section))
		return nerr_set(e, -EINVAL, "update: %s", update_args_why(action, section));
	u.act = (enum update_action)lookup(update_actions, ARRAY_SIZE(update_actions), action);
	u.sec = (enum net_snippet)lookup(update_sections, ARRAY_SIZE(update_sections), section);
	u.name = name;
	u.e = e;
	if (!config && !live) {
		config = true;
		live = running;
	}
	if ((r = store_load(s, name, &cfg, e)) < 0)
		return r;
	if (live && !running)
		return nerr_set(e, -ENOTCONN,
				"network %s: not running: --live needs a running network "
				"(--config changes the stored config alone)",
				name);
	if ((r = snippet_parse(&u, xml)) < 0)
		return r;
	/* Both copies changed and validated before anything is written. */
	if (config && (r = update_apply(&u, &cfg)) < 0)
		return r;
	if (live && ((r = record_load(s, name, &run, e)) < 0 || (r = update_apply(&u, &run)) < 0))
		return r;
	if (live) {
		if ((r = dhcp_update_live(&s->p, &run, &res, e)) < 0)
			return r;
		if ((r = record_write(s, &run, e)) < 0)
			return nerr_wrap(e, r,
					 "network %s: dnsmasq was updated, the runtime record "
					 "not",
					 name);
	}
	if (config && (r = store_define(s, &cfg, &replaced, e)) < 0)
		return live ? nerr_wrap(e, r,
					"network %s: the running network was updated, its "
					"stored config not",
					name)
			    : r;
	fprintf(out, "network '%s': %s %s", name, section_what[u.sec], done[u.act]);
	if (!live)
		fprintf(out, " (persistent config%s)",
			running ? " only; the running network is unchanged" : "");
	else if (!config)
		fprintf(out, " (running network only; the persistent config is unchanged)");
	report_live(&res, out);
	fputc('\n', out);
	return 0;
}
