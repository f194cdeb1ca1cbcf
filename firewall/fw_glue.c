/* netd's accepts in the host's iptables-nft chains (see fw.h): reading the
 * chains, the commands that put the accepts in, and drift. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw.h"

enum { GL_INPUT, GL_FORWARD, GL_DOCKER, GL_N_CHAINS };
static const char *const gl_chain_name[GL_N_CHAINS] = { "INPUT", "FORWARD", "DOCKER-USER" };

static const struct {
	const char *family; /* the table's, and the address keyword */
	int af;
	unsigned dhcp_port;
} gl_fam[] = { { "ip", AF_INET, 67 }, { "ip6", AF_INET6, 547 } };
#define GL_N_FAMS ARRAY_SIZE(gl_fam)

#define GL_RULES_MAX 32
#define GL_TEXT_MAX  256

struct gl_list {
	size_t n;
	char r[GL_RULES_MAX][GL_TEXT_MAX];
};

/* One chain of table FAMILY filter as the host has it, and as n wants it. */
struct gl_chain {
	bool exists;
	bool jumps_docker;  /* FORWARD: a rule jumps to DOCKER-USER */
	bool foreign_above; /* a rule not netd's comes before one of n's */
	uint64_t handle[GL_RULES_MAX];
	struct gl_list mine; /* n's rules, counters cut, as fw_glue inserts them */
	struct gl_list want;
};

struct gl_host {
	struct gl_chain c[GL_N_FAMS][GL_N_CHAINS];
	/* Every rule n may have in INPUT, and in FORWARD or DOCKER-USER. */
	struct gl_list cand_in[GL_N_FAMS], cand_fwd[GL_N_FAMS];
};

/* "counter packets 1 bytes 2 accept" -> "counter accept", in place. */
static void gl_cut_counter(char *s)
{
	char *p = strstr(s, "counter packets ");
	char *q;

	if (!p)
		return;
	q = p + strlen("counter packets ");
	q += strspn(q, "0123456789");
	if (strncmp(q, " bytes ", 7) != 0)
		return;
	q += 7;
	q += strspn(q, "0123456789");
	memmove(p + strlen("counter"), q, strlen(q) + 1);
}

static bool gl_ends_with(const char *s, const char *end)
{
	size_t a = strlen(s), b = strlen(end);

	return a >= b && strcmp(s + a - b, end) == 0;
}

/* Whether 'line' is candidate 'cand' after an iptables-save |
 * iptables-restore round trip: iptables-nft then keeps the comment in an
 * xt match, which nft lists as nothing (hence the two spaces), so the rule
 * is netd's when it is, match for match, one netd inserts. */
static bool gl_is_restored(const char *line, const char *cand, const char *tag)
{
	size_t keep = strlen(cand) - strlen(tag) - strlen(" counter accept ");
	const char *tail = "  counter accept";

	return strlen(cand) > strlen(tag) + strlen(" counter accept ") &&
	       strncmp(line, cand, keep) == 0 && strcmp(line + keep, tail) == 0;
}

/* Which candidate line is, with its comment as nft shows it or as an
 * iptables round trip leaves it; NULL when it is not one of n's rules. */
static const char *gl_match(const char *line, const struct gl_list *cand, const char *tag)
{
	for (size_t i = 0; i < cand->n; i++)
		if (strcmp(line, cand->r[i]) == 0 || gl_is_restored(line, cand->r[i], tag))
			return cand->r[i];
	/* n's comment on a rule netd would not insert (an old subnet): n's
	 * all the same, to be deleted. */
	return gl_ends_with(line, tag) ? line : NULL;
}

/* One rule line of `nft -a list chain`: its handle cut off and kept.
 * Sets *mine when it is one of n's. */
static int gl_rule_line(struct gl_chain *c, int ch, char *line, const struct gl_list *cand,
			const char *tag, bool *mine, struct nerr *e)
{
	char *h = strstr(line, " # handle ");
	const char *as;
	uint64_t handle = 0;

	*mine = false;
	if (h) {
		handle = strtoull(h + strlen(" # handle "), NULL, 10);
		*h = '\0';
	}
	gl_cut_counter(line);
	if (ch == GL_FORWARD && gl_ends_with(line, "jump DOCKER-USER"))
		c->jumps_docker = true;
	if (!(as = gl_match(line, cand, tag)))
		return 0;
	if (c->mine.n == GL_RULES_MAX)
		return nerr_set(e, -E2BIG, "iptables: more than %d of netd's rules in one chain",
				GL_RULES_MAX);
	if (handle == 0)
		return nerr_set(e, -EIO, "iptables: a rule of netd's without a handle");
	c->handle[c->mine.n] = handle;
	nd_strlcpy(c->mine.r[c->mine.n++], as, GL_TEXT_MAX); /* may be truncated: compared only */
	*mine = true;
	return 0;
}

/* Read FAMILY filter CHAIN; a missing table or chain is no error. */
static int gl_read_chain(size_t f, int ch, const struct gl_list *cand, const char *tag,
			 struct gl_chain *c, struct nerr *e)
{
	_cleanup_free_ char *out = NULL;
	bool foreign_seen = false, mine;
	char *save = NULL;
	int r;

	r = fw_list_chain(gl_fam[f].family, "filter", gl_chain_name[ch], &out, e);
	if (r == -ENOENT) {
		if (e)
			e->msg[0] = '\0';
		return 0;
	}
	if (r < 0)
		return r;
	c->exists = true;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (!line[0] || line[0] == '#' || line[0] == '}' ||
		    strncmp(line, "table ", 6) == 0 || strncmp(line, "chain ", 6) == 0 ||
		    strncmp(line, "type ", 5) == 0 || strncmp(line, "policy ", 7) == 0)
			continue;
		if ((r = gl_rule_line(c, ch, line, cand, tag, &mine, e)) < 0)
			return r;
		if (mine)
			c->foreign_above = c->foreign_above || foreign_seen;
		else if (!strstr(line, "comment \"netd:"))
			foreign_seen = true; /* another network's rules may come first */
	}
	return 0;
}

static int gl_add(struct gl_list *l, struct nerr *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int gl_add(struct gl_list *l, struct nerr *e, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (l->n == GL_RULES_MAX)
		return nerr_set(e, -E2BIG, "iptables: more than %d rules for one chain",
				GL_RULES_MAX);
	va_start(ap, fmt);
	len = vsnprintf(l->r[l->n], GL_TEXT_MAX, fmt, ap);
	va_end(ap);
	if (len < 0 || len >= GL_TEXT_MAX)
		return nerr_set(e, -ENAMETOOLONG, "iptables: a rule is too long");
	l->n++;
	return 0;
}

/* The rules n has in family f's INPUT and forward chain, top to bottom, in
 * the form nft lists them (so that check compares text with text). */
static int gl_cands(const struct net *n, size_t f, struct gl_host *h, const char *tag,
		    struct nerr *e)
{
	struct gl_list *in = &h->cand_in[f], *fwd = &h->cand_fwd[f];
	const char *br = n->bridge, *kw = gl_fam[f].family;
	bool forwards = n->fwd_mode == NET_FWD_NAT || n->fwd_mode == NET_FWD_ROUTE;
	int r;

	if (!net_has_family(n, gl_fam[f].af))
		return 0;
	if ((r = gl_add(in, e, "iifname \"%s\" udp dport %u counter accept %s", br,
			gl_fam[f].dhcp_port, tag)) < 0 ||
	    (r = gl_add(in, e, "iifname \"%s\" udp dport 53 counter accept %s", br, tag)) < 0 ||
	    (r = gl_add(in, e, "iifname \"%s\" tcp dport 53 counter accept %s", br, tag)) < 0 ||
	    (r = gl_add(fwd, e, "iifname \"%s\" oifname \"%s\" counter accept %s", br, br, tag)) <
		    0)
		return r;
	if (gl_fam[f].af == AF_INET && net_tftp_ip(n) &&
	    (r = gl_add(in, e, "iifname \"%s\" udp dport 69 counter accept %s", br, tag)) < 0)
		return r;
	for (size_t i = 0; forwards && i < n->n_ips; i++) {
		const struct net_ip *ip = &n->ips[i];
		struct net_addr base;
		char a[64];

		if (ip->addr.family != gl_fam[f].af)
			continue;
		net_addr_mask(&ip->addr, ip->prefix, &base);
		/* The accepts match the subnet: no wider than validate allows. */
		if (ip->prefix < net_prefix_min(ip->addr.family) ||
		    ip->prefix > net_addr_len(ip->addr.family) * 8 ||
		    net_addr_str(&base, a, sizeof a) < 0)
			return nerr_set(e, -EINVAL, "iptables: network %s: bad address", n->name);
		if ((r = gl_add(fwd, e, "iifname \"%s\" %s saddr %s/%u counter accept %s", br, kw,
				a, ip->prefix, tag)) < 0 ||
		    (r = gl_add(fwd, e, "oifname \"%s\" %s daddr %s/%u counter accept %s", br, kw,
				a, ip->prefix, tag)) < 0)
			return r;
	}
	return 0;
}

/* The host's chains, n's rules in them, and (with on) the rules n wants:
 * its input rules in INPUT, its forward rules in DOCKER-USER when FORWARD
 * jumps there, else in FORWARD; none where the chain does not exist. */
static int gl_read(const struct net *n, bool on, struct gl_host *h, struct nerr *e)
{
	char tag[NET_NAME_MAX + 32];
	int r;

	if (!net_name_ok(n->name) || !net_ifname_ok(n->bridge))
		return nerr_set(e, -EINVAL, "iptables: network %s: not a plain name or bridge",
				n->name);
	(void)snprintf(tag, sizeof tag, "comment \"netd:%s\"", n->name); /* fits: name checked */
	for (size_t f = 0; f < GL_N_FAMS; f++) {
		struct gl_chain *in = &h->c[f][GL_INPUT], *fwd = &h->c[f][GL_FORWARD];
		unsigned present;

		if ((r = gl_cands(n, f, h, tag, e)) < 0)
			return r;
		/* Which chains there are, in one dump: on a host without
		 * iptables no listing at all (each costs a libnftables run
		 * with its cache, ~1 ms of every start). */
		if ((r = fw_chains_exist(gl_fam[f].family, "filter", gl_chain_name, GL_N_CHAINS,
					 &present, e)) < 0)
			return nerr_wrap(e, r, "iptables: network %s", n->name);
		for (int ch = 0; ch < GL_N_CHAINS; ch++)
			if ((present & (1u << ch)) &&
			    (r = gl_read_chain(f, ch,
					       ch == GL_INPUT ? &h->cand_in[f] : &h->cand_fwd[f],
					       tag, &h->c[f][ch], e)) < 0)
				return nerr_wrap(e, r, "iptables: network %s", n->name);
		if (!on)
			continue;
		if (h->c[f][GL_DOCKER].exists && fwd->jumps_docker)
			fwd = &h->c[f][GL_DOCKER];
		if (in->exists)
			in->want = h->cand_in[f];
		if (fwd->exists)
			fwd->want = h->cand_fwd[f];
	}
	return 0;
}

static int gl_script(const struct gl_host *h, bool insert, char **out, struct nerr *e)
{
	struct sbuf s = { 0 };

	for (size_t f = 0; f < GL_N_FAMS; f++)
		for (int ch = 0; ch < GL_N_CHAINS; ch++) {
			const struct gl_chain *c = &h->c[f][ch];

			for (size_t i = 0; i < c->mine.n; i++)
				sbuf_printf(&s, "delete rule %s filter %s handle %" PRIu64 "\n",
					    gl_fam[f].family, gl_chain_name[ch], c->handle[i]);
			/* Each insert goes on top: the last one inserted
			 * comes first. */
			for (size_t i = c->want.n; insert && i-- > 0;)
				sbuf_printf(&s, "insert rule %s filter %s %s\n", gl_fam[f].family,
					    gl_chain_name[ch], c->want.r[i]);
		}
	sbuf_puts(&s, "");
	if (!(*out = sbuf_finish(&s)))
		return nerr_set(e, -ENOMEM, "iptables: out of memory");
	return 0;
}

int fw_glue_render(const struct net *n, bool on, char **out, struct nerr *e)
{
	_cleanup_free_ struct gl_host *h = calloc(1, sizeof *h);
	int r;

	*out = NULL;
	if (!h)
		return nerr_set(e, -ENOMEM, "iptables: out of memory");
	if ((r = gl_read(n, on, h, e)) < 0)
		return r;
	return gl_script(h, on, out, e);
}

int fw_glue_apply(const struct net *n, bool on, struct nerr *e)
{
	_cleanup_free_ char *script = NULL;
	int r;

	if ((r = fw_glue_render(n, on, &script, e)) < 0)
		return r;
	if ((r = fw_apply(script, false, e)) < 0)
		return nerr_wrap(e, r, "iptables: network %s", n->name);
	return 0;
}

int fw_glue_stop(const struct net *n, struct nerr *e)
{
	return fw_glue_apply(n, false, e);
}

static bool gl_same(const struct gl_chain *c)
{
	if (c->mine.n != c->want.n || (c->mine.n && c->foreign_above))
		return false;
	for (size_t i = 0; i < c->mine.n; i++)
		if (strcmp(c->mine.r[i], c->want.r[i]) != 0)
			return false;
	return true;
}

int fw_glue_check(const struct net *n, bool on, struct fw_glue_drift *d, struct nerr *e)
{
	_cleanup_free_ struct gl_host *h = calloc(1, sizeof *h);
	int r;

	d->n = 0;
	if (!h)
		return nerr_set(e, -ENOMEM, "iptables: out of memory");
	if ((r = gl_read(n, on, h, e)) < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees h */
		return r;
	for (size_t f = 0; f < GL_N_FAMS; f++)
		for (int ch = 0; ch < GL_N_CHAINS; ch++) {
			const struct gl_chain *c = &h->c[f][ch];
			const char *verb = "has", *why = "";

			if (gl_same(c) || d->n == FW_GLUE_MAX)
				continue;
			if (c->mine.n == 0)
				verb = "lacks";
			else if (c->want.n == 0)
				why = " where none belong";
			else
				why = " changed or below another rule";
			(void)snprintf(d->what[d->n++], sizeof d->what[0],
				       "iptables chain %s filter %s %s netd's accepts for %s%s",
				       gl_fam[f].family, gl_chain_name[ch], verb, n->bridge,
				       why); /* may be truncated */
		}
	return 0;
}
