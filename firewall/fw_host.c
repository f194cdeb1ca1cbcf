/* Which foreign base chains would drop a network's traffic: a pure function
 * of nft's JSON listing (fw_host.h).
 *
 * Each kind of packet (hfw_class) is run through each base chain on its
 * hook, rule by rule, following jump and goto. A match is YES, NO or MAYBE;
 * MAYBE is what netd cannot evaluate (an xt match, a named set, a limit, an
 * interface netd does not know). It is resolved against netd: a MAYBE
 * accept is taken as not matching (netd cannot rely on it), a MAYBE drop as
 * dropping (reported as "maybe"), so that a chain that drops is never
 * reported as harmless. */
#include "fw_host.h"

#include "fw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum tri { T_NO, T_MAYBE, T_YES };

enum verdict { V_CONT, V_ACCEPT, V_DROP };

/* One packet of a class. An address is a prefix (len 0: any); an interface
 * NULL is one netd does not know, but which is not `not_if`. */
struct pkt {
	int af;
	const char *iif, *oif, *not_if;
	const char *ibr, *obr; /* bridge family: the bridge; else NULL */
	const char *br;	       /* the network's bridge, and its interface group */
	uint32_t br_group;
	int l4;		       /* 17, 6, or 0 for any */
	unsigned dport, sport; /* 0 for any */
	struct net_addr sa, da;
	unsigned slen, dlen;
	const char *ct;
};

struct eval {
	json_t *list;
	const char *fam, *table, *text;
	bool maybe;
	char why[96];
};

static const char *const class_names[HFW_CLASS_N] = {
	"dhcp", "dhcpv6",      "dns-udp",	"dns-tcp",
	"tftp", "forward-out", "forward-reply", "forward-bridge",
};
static const char *const class_words[HFW_CLASS_N] = {
	"DHCP",
	"DHCPv6",
	"DNS over UDP",
	"DNS over TCP",
	"TFTP (network boot)",
	"forwarding to the uplink",
	"replies back to the guests",
	"traffic between guests on the bridge",
};

const char *hfw_class_name(enum hfw_class k)
{
	return class_names[k];
}

const char *hfw_class_words(enum hfw_class k)
{
	return class_words[k];
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static enum tri tri_not(enum tri t)
{
	return t == T_MAYBE ? T_MAYBE : t == T_YES ? T_NO : T_YES;
}

/* ---- values ---- */

static enum tri name_eq(const char *pat, const struct pkt *p, const char *name)
{
	size_t n = strlen(pat);
	bool wild = n > 0 && pat[n - 1] == '*' && (n < 2 || pat[n - 2] != '\\');
	char lit[64];

	if (!wild && strchr(pat, '\\')) {
		size_t j = 0;

		for (size_t i = 0; pat[i] && j + 1 < sizeof lit; i++)
			if (pat[i] != '\\')
				lit[j++] = pat[i];
		lit[j] = '\0';
		pat = lit;
	}
	if (!name) {
		/* An interface netd does not know, other than not_if. */
		if (wild && n == 1)
			return T_YES;
		if (!wild && p->not_if && strcmp(pat, p->not_if) == 0)
			return T_NO;
		return T_MAYBE;
	}
	if (wild)
		return strncmp(name, pat, n - 1) == 0 ? T_YES : T_NO;
	return strcmp(name, pat) == 0 ? T_YES : T_NO;
}

static bool pfx_eq(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	return !bits || ((a[bytes] ^ b[bytes]) & (0xff << (8 - bits))) == 0;
}

/* Whether the packet's prefix (a, alen) lies in the rule's (s/rlen). */
static enum tri addr_in(const char *s, unsigned rlen, const struct net_addr *a, unsigned alen)
{
	uint8_t r[16];

	if (!s || inet_pton(a->family, s, r) != 1)
		return T_MAYBE;
	if (alen >= rlen && pfx_eq(a->u.b, r, rlen))
		return T_YES;
	if (!pfx_eq(a->u.b, r, alen < rlen ? alen : rlen))
		return T_NO;
	return T_MAYBE;
}

static int proto_num(json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_integer(v))
		return (int)json_integer_value(v);
	if (!s)
		return -1;
	return strcmp(s, "udp") == 0 ? 17 : strcmp(s, "tcp") == 0 ? 6 : 1000;
}

enum vkind { K_NAME, K_ADDR, K_NUM, K_STR };

struct lhs {
	enum vkind kind;
	const char *name;	  /* K_NAME: the packet's interface */
	const struct net_addr *a; /* K_ADDR */
	unsigned alen;
	unsigned num; /* K_NUM: 0 unknown */
	const char *str;
};

/* One element of the right-hand side against the packet's value. */
static enum tri value_eq(const struct lhs *l, json_t *v, const struct pkt *p)
{
	json_t *pf = json_object_get(v, "prefix"), *rg = json_object_get(v, "range");

	switch (l->kind) {
	case K_NAME:
		return json_is_string(v) ? name_eq(json_string_value(v), p, l->name) : T_MAYBE;
	case K_ADDR:
		if (pf)
			return addr_in(jstr(pf, "addr"),
				       (unsigned)json_integer_value(json_object_get(pf, "len")),
				       l->a, l->alen);
		if (json_is_string(v))
			return addr_in(json_string_value(v), l->a->family == AF_INET ? 32 : 128,
				       l->a, l->alen);
		return T_MAYBE;
	case K_NUM:
		if (!l->num)
			return T_MAYBE;
		if (json_is_array(rg) && json_array_size(rg) == 2) {
			json_int_t lo = json_integer_value(json_array_get(rg, 0));
			json_int_t hi = json_integer_value(json_array_get(rg, 1));

			return l->num >= lo && l->num <= hi ? T_YES : T_NO;
		}
		if (json_is_integer(v) || json_is_string(v))
			return (unsigned)proto_num(v) == l->num ? T_YES : T_NO;
		return T_MAYBE;
	case K_STR:
		return json_is_string(v)
			       ? (strcmp(json_string_value(v), l->str) == 0 ? T_YES : T_NO)
			       : T_MAYBE;
	}
	return T_MAYBE;
}

/* The right-hand side: a value, an anonymous set or a list (flags), any of
 * whose elements matches; a named set ("@name") is not looked up. */
static enum tri rhs_eq(const struct lhs *l, json_t *right, const struct pkt *p)
{
	json_t *set = json_object_get(right, "set"), *v;
	enum tri best = T_NO;
	size_t i;

	if (json_is_string(right) && json_string_value(right)[0] == '@')
		return T_MAYBE;
	if (!set && !json_is_array(right))
		return value_eq(l, right, p);
	if (!set)
		set = right;
	if (!json_is_array(set))
		return value_eq(l, set, p);
	json_array_foreach(set, i, v)
	{
		enum tri t = value_eq(l, v, p);

		if (t == T_YES)
			return T_YES;
		if (t == T_MAYBE)
			best = T_MAYBE;
	}
	return best;
}

/* ---- matches ---- */

/* What the left-hand side means for this packet; T_YES when understood, T_NO
 * when the match cannot hold for this packet at all (a udp header on tcp,
 * an ip field on IPv6), T_MAYBE when not understood. */
static enum tri meta_lhs(const char *key, const struct pkt *p, struct lhs *l)
{
	if (strcmp(key, "iifname") == 0 || strcmp(key, "oifname") == 0) {
		l->kind = K_NAME;
		l->name = key[0] == 'i' ? p->iif : p->oif;
	} else if (strcmp(key, "ibrname") == 0 || strcmp(key, "obrname") == 0) {
		l->kind = K_NAME;
		l->name = key[0] == 'i' ? p->ibr : p->obr;
		if (!l->name)
			return T_MAYBE;
	} else if (strcmp(key, "l4proto") == 0) {
		l->kind = K_NUM;
		l->num = (unsigned)p->l4;
	} else if (strcmp(key, "nfproto") == 0) {
		l->kind = K_STR;
		l->str = p->af == AF_INET ? "ipv4" : "ipv6";
	} else if (strcmp(key, "protocol") == 0) {
		l->kind = K_STR;
		l->str = p->af == AF_INET ? "ip" : "ip6";
	} else
		return T_MAYBE;
	return T_YES;
}

static enum tri payload_lhs(const char *proto, const char *field, const struct pkt *p,
			    struct lhs *l)
{
	if (!proto || !field)
		return T_MAYBE;
	if (strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0) {
		if ((proto[2] == '6') != (p->af == AF_INET6))
			return T_NO;
		if (strcmp(field, "saddr") == 0 || strcmp(field, "daddr") == 0) {
			bool src = field[0] == 's';

			l->kind = K_ADDR;
			l->a = src ? &p->sa : &p->da;
			l->alen = src ? p->slen : p->dlen;
			return T_YES;
		}
		if (strcmp(field, "protocol") == 0 || strcmp(field, "nexthdr") == 0) {
			l->kind = K_NUM;
			l->num = (unsigned)p->l4;
			return T_YES;
		}
		return T_MAYBE;
	}
	if (strcmp(proto, "udp") == 0 || strcmp(proto, "tcp") == 0 || strcmp(proto, "th") == 0) {
		int want = proto[0] == 'u' ? 17 : proto[1] == 'c' ? 6 : 0;

		if (want && p->l4 && p->l4 != want)
			return T_NO;
		if (strcmp(field, "dport") != 0 && strcmp(field, "sport") != 0)
			return T_MAYBE;
		l->kind = K_NUM;
		l->num = field[0] == 'd' ? p->dport : p->sport;
		if (want && !p->l4)
			l->num = 0; /* any protocol: the header may not be there */
		return T_YES;
	}
	/* Another transport header: a packet of ours of known protocol lacks
	 * it. Anything else (ether, vlan, arp, ...) is not understood. */
	static const char *const l4[] = { "icmp", "icmpv6", "sctp", "dccp", "udplite",
					  "ah",	  "esp",    "comp", "igmp" };
	for (size_t i = 0; i < ARRAY_SIZE(l4); i++)
		if (strcmp(proto, l4[i]) == 0)
			return p->l4 ? T_NO : T_MAYBE;
	return T_MAYBE;
}

static enum tri match_eval(json_t *m, const struct pkt *p)
{
	const char *op = jstr(m, "op");
	json_t *left = json_object_get(m, "left"), *right = json_object_get(m, "right"), *x;
	struct lhs l = { 0 };
	enum tri t;

	if (op && strcmp(op, "==") != 0 && strcmp(op, "!=") != 0 && strcmp(op, "in") != 0)
		return T_MAYBE;
	if ((x = json_object_get(left, "meta")))
		t = jstr(x, "key") ? meta_lhs(jstr(x, "key"), p, &l) : T_MAYBE;
	else if ((x = json_object_get(left, "payload")))
		t = payload_lhs(jstr(x, "protocol"), jstr(x, "field"), p, &l);
	else if ((x = json_object_get(left, "ct")) && jstr(x, "key") &&
		 strcmp(jstr(x, "key"), "state") == 0) {
		l.kind = K_STR;
		l.str = p->ct;
		t = T_YES;
	} else
		t = T_MAYBE;
	if (t != T_YES)
		return t;
	t = rhs_eq(&l, right, p);
	return op && strcmp(op, "!=") == 0 ? tri_not(t) : t;
}

/* The text of rule `handle` in chain fam/table/chain of an `nft -a list
 * ruleset` listing, in buf; false when not found. */
static bool rule_text(const char *text, const struct eval *ev, const char *chain, json_int_t handle,
		      char *buf, size_t len)
{
	char tline[160], cline[160], hend[32];
	bool in_table = false, in_chain = false;

	if (!text)
		return false;
	snprintf(tline, sizeof tline, "table %s %s {", ev->fam, ev->table);
	snprintf(cline, sizeof cline, "chain %s {", chain);
	snprintf(hend, sizeof hend, "# handle %lld", (long long)handle);
	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");
		const char *t = s + strspn(s, "\t ");
		size_t tn = n - (size_t)(t - s);

		if (strncmp(s, "table ", 6) == 0)
			in_table = strncmp(s, tline, strlen(tline)) == 0;
		else if (in_table && t - s == 1)
			in_chain = strncmp(t, cline, strlen(cline)) == 0;
		else if (in_chain && tn > strlen(hend) &&
			 strncmp(t + tn - strlen(hend), hend, strlen(hend)) == 0) {
			(void)snprintf(buf, len, "%.*s", (int)tn, t); /* may be truncated */
			return true;
		}
		s += n + (s[n] == '\n');
	}
	return false;
}

/* Whether interface 'dev' of p is in group 'g': known for the network's
 * bridge alone (its group is netd's to set: fw_net_devgroup()). */
static enum tri group_is(const struct pkt *p, const char *dev, const char *line, const char *word)
{
	const char *s = strstr(line, word);
	unsigned long g;

	if (!s)
		return T_YES; /* this side not matched */
	g = strtoul(s + strlen(word), NULL, 16);
	if (!dev || dev != p->br)
		return T_MAYBE;
	return g == p->br_group ? T_YES : T_NO;
}

/* An xt devgroup match, from its words in the text ("iifgroup 0x...",
 * "oifgroup 0x..."; fw_xt_ct_text()). */
static enum tri devgroup_match(const char *line, const struct pkt *p)
{
	enum tri a, b;

	if (strstr(line, "devgroup other"))
		return T_MAYBE;
	a = group_is(p, p->iif, line, "iifgroup 0x");
	b = group_is(p, p->oif, line, "oifgroup 0x");
	if (a == T_NO || b == T_NO)
		return T_NO;
	return a == T_YES && b == T_YES ? T_YES : T_MAYBE;
}

/* An xt match: iptables-nft's conntrack and devgroup show in JSON without
 * their arguments; they are read from the text (fw_xt_ct_listing(): "ct
 * state established,related", "iifgroup 0x6e657464", in the words of nft's
 * translation). A comment always matches. Anything else (multiport,
 * addrtype, ...): MAYBE. */
static enum tri xt_match(struct eval *ev, const char *chain, json_t *rule, json_t *xt,
			 const struct pkt *p)
{
	const char *name = jstr(xt, "name");
	char line[1024], *s, *end;
	bool neg;

	/* A comment matches every packet. */
	if (name && strcmp(name, "comment") == 0)
		return T_YES;
	if (!name ||
	    (strcmp(name, "conntrack") != 0 && strcmp(name, "state") != 0 &&
	     strcmp(name, "devgroup") != 0) ||
	    !rule_text(ev->text, ev, chain, json_integer_value(json_object_get(rule, "handle")),
		       line, sizeof line))
		return T_MAYBE;
	if (strcmp(name, "devgroup") == 0)
		return devgroup_match(line, p);
	if (!(s = strstr(line, "ct state ")))
		return T_MAYBE;
	s += strlen("ct state ");
	/* Only one conntrack match, and no other ct match beside it. */
	if (strstr(s, "ct ") || strstr(line, "ct state ") != s - strlen("ct state "))
		return T_MAYBE;
	neg = strncmp(s, "!= ", 3) == 0;
	if (neg)
		s += 3;
	end = s + strcspn(s, " ");
	*end = '\0';
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
		if (strcmp(tok, p->ct) == 0)
			return neg ? T_NO : T_YES;
	return neg ? T_YES : T_NO;
}

/* An xt target other than iptables' non-terminal ones (LOG, MARK, ...) may
 * drop: NFQUEUE, an extension netd does not know. REJECT surely does. */
static bool xt_target_may_drop(const char *name)
{
	static const char *const harmless[] = { "LOG",	  "NFLOG",    "MARK",	  "CONNMARK",
						"TCPMSS", "CHECKSUM", "CT",	  "TRACE",
						"DSCP",	  "TOS",      "CLASSIFY", "MASQUERADE",
						"SNAT",	  "DNAT",     "REDIRECT", "AUDIT" };

	for (size_t i = 0; name && i < ARRAY_SIZE(harmless); i++)
		if (strcmp(name, harmless[i]) == 0)
			return false;
	return true;
}

/* ---- chains ---- */

static enum verdict chain_eval(struct eval *ev, const char *chain, const struct pkt *p, int depth);

static void set_why(struct eval *ev, const char *what, const char *chain)
{
	if (!ev->why[0])
		(void)snprintf(ev->why, sizeof ev->why, "%s in chain %s", what, chain);
}

/* A jump or goto: T_YES follows it; T_MAYBE follows it to learn whether it
 * may drop, and otherwise goes on as if it did not match. */
/* NOLINTNEXTLINE(misc-no-recursion): jumps nest; bounded by chain_eval's depth check */
static enum verdict jump_eval(struct eval *ev, const char *target, bool is_goto, enum tri t,
			      const struct pkt *p, int depth, bool *ended)
{
	enum verdict v;

	if (!target)
		return V_CONT;
	v = chain_eval(ev, target, p, depth + 1);
	if (t == T_YES) {
		*ended = v != V_CONT || is_goto;
		return v;
	}
	if (v == V_DROP)
		ev->maybe = true;
	return V_CONT;
}

/* One rule: *ended when it ends the chain (a verdict, return or goto);
 * *fork when it may end it (a MAYBE return or goto). */
/* NOLINTNEXTLINE(misc-no-recursion): jumps nest; bounded by chain_eval's depth check */
static enum verdict rule_eval(struct eval *ev, const char *chain, json_t *rule, const struct pkt *p,
			      int depth, bool *ended, bool *fork)
{
	json_t *exprs = json_object_get(rule, "expr"), *x, *body;
	enum tri t = T_YES;
	const char *k;
	size_t i;

	*ended = *fork = false;
	json_array_foreach(exprs, i, x)
	{
		json_object_foreach(x, k, body)
		{
			enum tri m = T_YES;

			if (strcmp(k, "match") == 0)
				m = match_eval(body, p);
			else if (strcmp(k, "xt") == 0 && jstr(body, "type") &&
				 strcmp(jstr(body, "type"), "match") == 0)
				m = xt_match(ev, chain, rule, body, p);
			else if (strcmp(k, "limit") == 0)
				m = T_MAYBE; /* may or may not match this packet */
			else if (strcmp(k, "accept") == 0) {
				if (t != T_YES)
					return V_CONT; /* a MAYBE accept cannot be relied on */
				*ended = true;
				return V_ACCEPT;
			} else if (strcmp(k, "drop") == 0 || strcmp(k, "reject") == 0 ||
				   strcmp(k, "queue") == 0 || strcmp(k, "vmap") == 0 ||
				   (strcmp(k, "xt") == 0 &&
				    xt_target_may_drop(jstr(body, "name")))) {
				/* A verdict map, a queue or an unknown target may
				 * drop: as a drop, but never a certain one. */
				bool xt_reject = strcmp(k, "xt") == 0 && jstr(body, "name") &&
						 strcmp(jstr(body, "name"), "REJECT") == 0;
				bool sure = t == T_YES && (strcmp(k, "drop") == 0 ||
							   strcmp(k, "reject") == 0 || xt_reject);

				if (!sure) {
					ev->maybe = true;
					return V_CONT;
				}
				set_why(ev, strcmp(k, "xt") == 0 ? "reject" : k, chain);
				*ended = true;
				return V_DROP;
			} else if (strcmp(k, "jump") == 0 || strcmp(k, "goto") == 0) {
				*fork = k[0] == 'g' && t == T_MAYBE;
				return jump_eval(ev, jstr(body, "target"), k[0] == 'g', t, p, depth,
						 ended);
			} else if (strcmp(k, "return") == 0) {
				*ended = t == T_YES;
				*fork = t == T_MAYBE;
				return V_CONT;
			}
			/* Anything else (counter, log, mangle, an xt target
			 * such as LOG) has no verdict. */
			if (m == T_NO)
				return V_CONT;
			if (m == T_MAYBE)
				t = T_MAYBE;
		}
	}
	return V_CONT;
}

/* NOLINTNEXTLINE(misc-no-recursion): jumps nest; bounded by chain_eval's depth check */
static enum verdict chain_eval(struct eval *ev, const char *chain, const struct pkt *p, int depth)
{
	json_t *obj, *r;
	bool tainted = false;
	size_t i;

	/* nft refuses loops and deep jumps; a listing that has them is not
	 * one netd understands: it may drop. */
	if (depth > 16) {
		ev->maybe = true;
		return V_CONT;
	}
	json_array_foreach(ev->list, i, obj)
	{
		char why[sizeof ev->why];
		enum verdict v;
		bool ended, fork;

		if (!(r = json_object_get(obj, "rule")) || !jstr(r, "chain") ||
		    strcmp(jstr(r, "chain"), chain) != 0 || !jstr(r, "table") ||
		    strcmp(jstr(r, "table"), ev->table) != 0 || !jstr(r, "family") ||
		    strcmp(jstr(r, "family"), ev->fam) != 0)
			continue;
		nd_strlcpy(why, ev->why, sizeof why);
		v = rule_eval(ev, chain, r, p, depth, &ended, &fork);
		if (ended && tainted) {
			/* After a rule that may have left this chain, a verdict
			 * here holds only on one of two paths: a drop is a
			 * maybe, an accept cannot be relied on; the caller's
			 * rules (the other path) are evaluated too. */
			nd_strlcpy(ev->why, why, sizeof ev->why);
			ev->maybe = ev->maybe || v == V_DROP;
			continue;
		}
		if (ended)
			return v;
		tainted = tainted || fork;
	}
	return V_CONT;
}

/* ---- classes and packets ---- */

static const struct net_ip *first_ip(const struct net *n, int af)
{
	for (size_t i = 0; i < n->n_ips; i++)
		if (n->ips[i].addr.family == af)
			return &n->ips[i];
	return NULL;
}

static bool class_wanted(const struct net *n, enum hfw_class k, int af)
{
	const struct net_ip *ip = first_ip(n, af);

	switch (k) {
	case HFW_DHCP:
		return af == AF_INET && ip && ip->has_dhcp;
	case HFW_DHCP6:
		return af == AF_INET6 && ip && ip->has_dhcp;
	case HFW_DNS_UDP:
	case HFW_DNS_TCP:
		return ip && n->dns.enable != NET_NO;
	case HFW_TFTP:
		return af == AF_INET && net_tftp_ip(n);
	case HFW_FWD_OUT:
	case HFW_FWD_REPLY:
		return ip && n->fwd_mode != NET_FWD_ISOLATED;
	case HFW_FWD_BRIDGE:
		/* br_netfilter hands bridged IPv4 to the forward hook even
		 * on a bridge without an address. */
		return ip || (af == AF_INET && n->n_ips == 0);
	case HFW_CLASS_N:
		break;
	}
	return false;
}

static void pkt_make(const struct net *n, enum hfw_class k, int af, const char *uplink,
		     bool bridge_family, struct pkt *p)
{
	const struct net_ip *ip = first_ip(n, af);
	unsigned full = af == AF_INET ? 32 : 128;
	const char *br = n->bridge;

	memset(p, 0, sizeof *p);
	p->br = br;
	p->br_group = fw_net_devgroup(n);
	p->af = af;
	p->sa.family = p->da.family = af;
	p->not_if = br;
	p->ct = "new";
	if (ip) {
		p->sa = ip->addr;
		p->slen = ip->prefix;
	}
	switch (k) {
	case HFW_DHCP:
	case HFW_DHCP6:
		p->l4 = 17;
		p->dport = k == HFW_DHCP ? 67 : 547;
		p->sport = k == HFW_DHCP ? 68 : 546;
		if (k == HFW_DHCP) {
			memset(p->da.u.b, 0xff, 4);
			p->dlen = 32;
			memset(p->sa.u.b, 0, 16);
			p->slen = 32;
		} else {
			(void)inet_pton(AF_INET6, "ff02::1:2", p->da.u.b);
			p->dlen = 128;
			(void)inet_pton(AF_INET6, "fe80::", p->sa.u.b);
			p->slen = 10;
		}
		p->iif = br;
		break;
	case HFW_DNS_UDP:
	case HFW_DNS_TCP:
		p->l4 = k == HFW_DNS_UDP ? 17 : 6;
		p->dport = 53;
		if (ip) {
			p->da = ip->addr;
			p->dlen = full;
		}
		p->iif = br;
		break;
	case HFW_TFTP:
		p->l4 = 17;
		p->dport = 69;
		p->da = net_tftp_ip(n)->addr;
		p->dlen = full;
		p->iif = br;
		break;
	case HFW_FWD_OUT:
		p->iif = br;
		p->oif = uplink;
		break;
	case HFW_FWD_REPLY:
		p->da = p->sa;
		p->dlen = p->slen;
		memset(&p->sa.u, 0, sizeof p->sa.u);
		p->slen = 0;
		p->iif = uplink;
		p->oif = br;
		p->ct = "established";
		break;
	case HFW_FWD_BRIDGE:
	case HFW_CLASS_N:
		p->da = p->sa;
		p->dlen = p->slen;
		p->iif = p->oif = br;
		break;
	}
	if (bridge_family) {
		/* Bridge-family chains see the bridge's ports as interfaces,
		 * and the bridge as ibrname/obrname. */
		p->ibr = p->iif == br ? br : NULL;
		p->obr = p->oif == br ? br : NULL;
		p->iif = p->oif = NULL;
	}
}

/* The hook a class crosses in a family, or NULL when it crosses none there. */
static const char *class_hook(enum hfw_class k, const char *fam)
{
	bool bridge = strcmp(fam, "bridge") == 0;

	if (k <= HFW_TFTP)
		return "input";
	if (!bridge)
		return "forward";
	/* Routed traffic enters the host through the bridge's input hook and
	 * replies leave it through its output hook. */
	return k == HFW_FWD_OUT ? "input" : k == HFW_FWD_REPLY ? "output" : "forward";
}

static bool family_sees(const char *fam, int af)
{
	if (strcmp(fam, "inet") == 0 || strcmp(fam, "bridge") == 0)
		return true;
	return strcmp(fam, af == AF_INET ? "ip" : "ip6") == 0;
}

/* ---- naming and fixing ---- */

static void owner_of(json_t *list, const char *fam, const char *table, char *buf, size_t len)
{
	json_t *obj, *c;
	size_t i;
	const char *o = "an administrator's table";

	if (strcmp(fam, "inet") == 0 && strcmp(table, "firewalld") == 0)
		o = "firewalld";
	else
		json_array_foreach(list, i, obj)
		{
			const char *name;

			if (!(c = json_object_get(obj, "chain")) || !jstr(c, "table") ||
			    strcmp(jstr(c, "table"), table) != 0 || !jstr(c, "family") ||
			    strcmp(jstr(c, "family"), fam) != 0 || !(name = jstr(c, "name")))
				continue;
			if (strncmp(name, "DOCKER", 6) == 0) {
				o = "Docker";
				break;
			}
			if (strncmp(name, "ufw-", 4) == 0 || strncmp(name, "ufw6-", 5) == 0) {
				o = "ufw";
				break;
			}
		}
	nd_strlcpy(buf, o, len);
}

/* A table iptables-nft made: its chains are the ones iptables names. */
static bool iptables_table(const struct hfw_blocker *b)
{
	return (strcmp(b->family, "ip") == 0 || strcmp(b->family, "ip6") == 0) &&
	       strcmp(b->table, "filter") == 0 &&
	       (strcmp(b->chain, "INPUT") == 0 || strcmp(b->chain, "FORWARD") == 0);
}

static void fix_of(struct hfw_blocker *b, const struct net *n)
{
	const char *br = n->bridge, *ipt = strcmp(b->family, "ip6") == 0 ? "ip6tables" : "iptables";
	bool fwd = strcmp(b->hook, "input") != 0 && strcmp(b->family, "bridge") != 0;
	char fix[sizeof b->fix];

	if (strcmp(b->owner, "firewalld") == 0)
		(void)snprintf(fix, sizeof fix,
			       "firewall-cmd --permanent --zone=trusted --change-interface=%s && "
			       "firewall-cmd --reload",
			       br);
	else if (strcmp(b->owner, "ufw") == 0)
		(void)snprintf(
			fix, sizeof fix,
			"ufw allow in on %s; ufw route allow in on %s; ufw route allow out on %s",
			br, br, br);
	else if (strcmp(b->owner, "Docker") == 0 && fwd)
		(void)snprintf(fix, sizeof fix,
			       "%s -I DOCKER-USER -i %s -j ACCEPT; %s -I DOCKER-USER -o %s -m "
			       "conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
			       ipt, br, ipt, br);
	else if (iptables_table(b) && fwd)
		(void)snprintf(fix, sizeof fix,
			       "%s -I %s -i %s -j ACCEPT; %s -I %s -o %s -m conntrack --ctstate "
			       "RELATED,ESTABLISHED -j ACCEPT",
			       ipt, b->chain, br, ipt, b->chain, br);
	else if (iptables_table(b))
		(void)snprintf(fix, sizeof fix, "%s -I %s -i %s -j ACCEPT", ipt, b->chain, br);
	else if (strcmp(b->family, "bridge") == 0)
		(void)snprintf(fix, sizeof fix,
			       "nft insert rule bridge %s %s meta ibrname \"%s\" accept", b->table,
			       b->chain, br);
	else if (fwd)
		(void)snprintf(fix, sizeof fix,
			       "nft insert rule %s %s %s iifname \"%s\" accept; nft insert rule %s "
			       "%s %s oifname \"%s\" ct state established,related accept",
			       b->family, b->table, b->chain, br, b->family, b->table, b->chain,
			       br);
	else
		(void)snprintf(fix, sizeof fix, "nft insert rule %s %s %s iifname \"%s\" accept",
			       b->family, b->table, b->chain, br);
	nd_strlcpy(b->fix, fix, sizeof b->fix);
}

void hfw_blocker_str(const struct hfw_blocker *b, const struct net *n, char *buf, size_t len)
{
	size_t used = 0;
	int w = snprintf(buf, len, "table %s %s chain %s (%s, hook %s) drops %s's", b->family,
			 b->table, b->chain, b->owner, b->hook, n->bridge);
	bool first = true;

	if (w < 0 || (size_t)w >= len)
		return;
	used = (size_t)w;
	for (int k = 0; k < HFW_CLASS_N && used < len; k++) {
		if (!(b->blocks & (1u << k)))
			continue;
		w = snprintf(buf + used, len - used, "%s %s%s", first ? "" : ",", class_words[k],
			     b->maybe & (1u << k) ? " (maybe)" : "");
		first = false;
		if (w < 0)
			return;
		used += (size_t)w;
	}
	if (used < len)
		(void)snprintf(buf + used, len - used, " (%s)", b->why); /* may be truncated */
}

/* ---- the analysis ---- */

static void chain_check(json_t *list, const char *text, json_t *c, const struct net *n,
			const char *uplink, struct hfw_report *r)
{
	const char *fam = jstr(c, "family"), *table = jstr(c, "table"), *name = jstr(c, "name");
	const char *hook = jstr(c, "hook"), *policy = jstr(c, "policy");
	static const int afs[] = { AF_INET, AF_INET6 };
	unsigned blocks = 0, maybe = 0;
	char why[96] = "";

	for (int k = 0; k < HFW_CLASS_N; k++)
		for (size_t a = 0; a < ARRAY_SIZE(afs); a++) {
			struct eval ev = { .list = list, .fam = fam, .table = table, .text = text };
			struct pkt p;
			enum verdict v;

			if (!family_sees(fam, afs[a]) || !class_wanted(n, k, afs[a]) ||
			    strcmp(class_hook(k, fam), hook) != 0)
				continue;
			pkt_make(n, k, afs[a], uplink, strcmp(fam, "bridge") == 0, &p);
			v = chain_eval(&ev, name, &p, 0);
			if (v == V_CONT && policy && strcmp(policy, "drop") == 0) {
				v = V_DROP;
				nd_strlcpy(ev.why, "policy drop", sizeof ev.why);
			}
			if (v == V_DROP) {
				blocks |= 1u << k;
				maybe &= ~(1u << k);
				if (!why[0])
					nd_strlcpy(why, ev.why, sizeof why);
			} else if (ev.maybe && !(blocks & (1u << k))) {
				blocks |= 1u << k;
				maybe |= 1u << k;
			}
		}
	if (!blocks)
		return;
	if (r->n == HFW_MAX) {
		r->more++;
		return;
	}
	struct hfw_blocker *b = &r->b[r->n++];

	nd_strlcpy(b->family, fam, sizeof b->family);
	nd_strlcpy(b->table, table, sizeof b->table);
	nd_strlcpy(b->chain, name, sizeof b->chain);
	nd_strlcpy(b->hook, hook, sizeof b->hook);
	owner_of(list, fam, table, b->owner, sizeof b->owner);
	b->blocks = blocks;
	b->maybe = maybe;
	nd_strlcpy(b->why, why[0] ? why : "a rule netd cannot evaluate may drop it", sizeof b->why);
	fix_of(b, n);
}

/* A dormant table sees no packet. nft 1.0.6 prints its JSON "flags" from
 * freed memory (garbage), so the text's "flags dormant" line is
 * believed too. */
static bool table_dormant(json_t *list, const char *text, const char *fam, const char *table)
{
	char head[160];
	json_t *obj, *t, *f;
	size_t i;

	json_array_foreach(list, i, obj)
	{
		if (!(t = json_object_get(obj, "table")) || !jstr(t, "family") ||
		    !jstr(t, "name") || strcmp(jstr(t, "family"), fam) != 0 ||
		    strcmp(jstr(t, "name"), table) != 0)
			continue;
		f = json_object_get(t, "flags");
		if (json_is_string(f) && strcmp(json_string_value(f), "dormant") == 0)
			return true;
		if (json_is_array(f)) {
			json_t *v;
			size_t j;

			json_array_foreach(f, j, v) if (json_is_string(v) &&
							strcmp(json_string_value(v), "dormant") ==
								0) return true;
		}
	}
	if (!text)
		return false;
	(void)snprintf(head, sizeof head, "table %s %s {", fam, table);
	for (const char *s = text; (s = strstr(s, head)); s++) {
		const char *nl = strchr(s, '\n');
		size_t n;

		if (s != text && s[-1] != '\n')
			continue;
		if (!nl || strncmp(nl + 1, "\tflags ", 7) != 0)
			return false;
		n = strcspn(nl + 1, "\n");
		return memmem(nl + 1, n, "dormant", 7) != NULL;
	}
	return false;
}

int hfw_analyse(json_t *ruleset, const char *text, const struct net *n, const char *uplink,
		struct hfw_report *r, struct nerr *e)
{
	json_t *list = json_is_array(ruleset) ? ruleset : json_object_get(ruleset, "nftables");
	json_t *obj, *c;
	size_t i;

	memset(r, 0, sizeof *r);
	if (!json_is_array(list))
		return nerr_set(e, -EINVAL, "host firewall: the ruleset listing is not nft's JSON");
	json_array_foreach(list, i, obj)
	{
		const char *fam, *table, *hook;

		if (!(c = json_object_get(obj, "chain")) || !(hook = jstr(c, "hook")) ||
		    !(fam = jstr(c, "family")) || !(table = jstr(c, "table")) || !jstr(c, "name"))
			continue;
		if (strcmp(fam, FW_TABLE_FAMILY) == 0 && strcmp(table, FW_TABLE_NAME) == 0)
			continue;
		if (strcmp(fam, "ip") != 0 && strcmp(fam, "ip6") != 0 && strcmp(fam, "inet") != 0 &&
		    strcmp(fam, "bridge") != 0)
			continue; /* netdev and arp chains see no routed IP of ours */
		if (strcmp(hook, "input") != 0 && strcmp(hook, "forward") != 0 &&
		    strcmp(hook, "output") != 0)
			continue;
		if (table_dormant(list, text, fam, table))
			continue;
		chain_check(list, text, c, n, uplink, r);
	}
	return 0;
}
