/* The host firewall step: reads the whole ruleset and reports the foreign
 * base chains that would drop the network's traffic (fw_host.h). It never
 * changes the host: apply warns, check reports one drift line per blocking
 * chain, and there is no repair netd can do (only the chain's owner can). */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"
#include "fw_host.h"
#include "hostnet.h"
#include "step.h"

struct hfw_state {
	struct hfw_report rep;
	bool have;
};

/* One listing command's output (caller frees), through fw_apply.c, whose
 * netfilter sockets are closed only at exit: this step runs right after the
 * firewall's transaction, and a close then waits for the kernel to release
 * it (10-25 ms per start measured with one foreign table). */
static int hfw_nft(const char *cmd, bool json, char **out, struct nerr *e)
{
	int r = fw_list_cmd(cmd, json, out, e);

	if (r < 0)
		return nerr_wrap(e, r, "host firewall");
	return 0;
}

static bool plain_word(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!nd_is_alnum(s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* Whether the listing holds table fam/name. */
static bool hfw_has_table(json_t *list, const char *fam, const char *name)
{
	json_t *obj, *t;
	size_t i;

	json_array_foreach(list, i, obj)
	{
		const char *f, *n;

		if ((t = json_object_get(obj, "table")) &&
		    (f = json_string_value(json_object_get(t, "family"))) &&
		    (n = json_string_value(json_object_get(t, "name"))) && strcmp(f, fam) == 0 &&
		    strcmp(n, name) == 0)
			return true;
	}
	return false;
}

/* Whether the text listing of a table says it is dormant (inactive: its
 * chains see no packet). */
static bool hfw_dormant(const char *cmd)
{
	_cleanup_free_ char *out = NULL;

	if (hfw_nft(cmd, false, &out, NULL) < 0)
		return false;
	for (char *s = out; (s = strstr(s, "\tflags ")); s++) {
		size_t n = strcspn(s, "\n");

		if (memmem(s, n, "dormant", 7))
			return true;
	}
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
	return false;
}

static void hfw_unchecked(struct hfw_report *r, const char *fam, const char *name)
{
	size_t used = strlen(r->unchecked);

	(void)snprintf(r->unchecked + used, sizeof r->unchecked - used, "%s%s %s", used ? ", " : "",
		       fam, name); /* may be truncated */
}

/* The foreign tables one by one, never netd's own: that one is the bulk of
 * the ruleset (a chain set per network), and listing it made every start
 * cost more with each network already running; the analysis skips it
 * anyway. Also, nft 1.0.6 prints a table with flags through freed memory
 * (the JSON listing is then garbage, or cut short after its metainfo, with
 * no error): a table missing from its own listing is skipped when dormant
 * (it sees no traffic), else named in r->unchecked rather than guessed at.
 * Each table's text listing (with handles) is appended to *text. */
static int hfw_list_tables(json_t *all, struct sbuf *text, struct hfw_report *r, struct nerr *e)
{
	_cleanup_free_ char *tables = NULL;
	int ret;

	if ((ret = fw_list_tables(&tables, e)) < 0)
		return nerr_wrap(e, ret, "host firewall");
	for (char *s = tables; *s;) {
		size_t n = strcspn(s, "\n");
		char fam[16], name[80], cmd[128];
		_cleanup_free_ char *out = NULL;
		json_auto_t *doc = NULL;
		json_t *list;

		if (sscanf(s, "table %15s %79s", fam, name) == 2 && plain_word(fam, strlen(fam)) &&
		    plain_word(name, strlen(name)) &&
		    !(strcmp(fam, FW_TABLE_FAMILY) == 0 && strcmp(name, FW_TABLE_NAME) == 0) &&
		    nd_snprintf(cmd, sizeof cmd, "list table %s %s", fam, name) == 0) {
			struct nerr ign = { { 0 } };

			if (hfw_nft(cmd, true, &out, &ign) == 0) {
				/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): freed by cleanup */
				doc = json_loads(out, 0, NULL);
			}
			list = json_object_get(doc, "nftables");
			if (json_is_array(list) && hfw_has_table(list, fam, name)) {
				if (json_array_extend(all, list) < 0)
					return nerr_set(e, -ENOMEM, "host firewall: out of memory");
			} else if (!hfw_dormant(cmd)) /* a dormant table sees no traffic */
				hfw_unchecked(r, fam, name);
			/* The text the analysis reads: the table's dormant
			 * flag and its conntrack matches' states (JSON shows
			 * iptables-nft's xt matches without their arguments),
			 * read over nfnetlink rather than printed by nft,
			 * whose translation of xt matches loads libxtables:
			 * 6-30 ms of every start on a host with Docker.
			 * Without it those matches stay unknown: still
			 * correct, only more cautious. */
			(void)fw_xt_ct_listing(fam, name, text, &ign);
		}
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees out */
		s += n + (s[n] == '\n');
	}
	return 0;
}

/* The interface of the IPv4 default route, or "" (then unknown). Asked of
 * the kernel for the main table's unicast routes only: /proc/net/route
 * prints every route of the table, one line per network netd runs. */
static void hfw_uplink(struct step_ctx *c, char buf[IF_NAMESIZE])
{
	struct nerr ign = { { 0 } };
	struct nl_sock *sk;

	buf[0] = '\0';
	if (step_nl(c, &sk, &ign) == 0)
		(void)hostnet_default_ifname(sk, buf);
}

/* Legacy iptables tables, which nftables cannot see. */
static bool hfw_legacy(void)
{
	static const char *const names[] = { "/proc/net/ip_tables_names",
					     "/proc/net/ip6_tables_names" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *data = NULL;

		if (nd_read_file(names[i], &data, NULL) == 0 && data[0])
			return true;
	}
	return false;
}

static int hfw_run(struct step_ctx *c, struct hfw_state *s, struct nerr *e)
{
	_cleanup_free_ char *text = NULL;
	json_auto_t *all = json_array();
	struct sbuf tb = { 0 };
	struct hfw_report tmp = { 0 };
	char uplink[IF_NAMESIZE];
	int r;

	s->have = false;
	if (!all)
		return nerr_set(e, -ENOMEM, "host firewall: out of memory");
	r = hfw_list_tables(all, &tb, &tmp, e);
	text = sbuf_finish(&tb);
	if (r < 0)
		return r;
	/* No foreign table, nothing for the uplink to matter to. */
	uplink[0] = '\0';
	if (json_array_size(all))
		hfw_uplink(c, uplink);
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
	r = hfw_analyse(all, text, c->n, uplink[0] ? uplink : NULL, &s->rep, e);
	if (r < 0)
		return r;
	nd_strlcpy(s->rep.unchecked, tmp.unchecked, sizeof s->rep.unchecked);
	s->rep.iptables_legacy = hfw_legacy();
	s->have = true;
	return 0;
}

static int hfw_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	struct hfw_state *s = st;
	struct nerr ign = { { 0 } };
	char line[1024];

	(void)e;
	/* What cannot be read is a warning, never a failed start. */
	if (hfw_run(c, s, &ign) < 0) {
		step_note(c, "warning: host firewall not checked: %s", ign.msg);
		return 0;
	}
	for (size_t i = 0; i < s->rep.n; i++) {
		const char *fix = s->rep.b[i].fix;

		hfw_blocker_str(&s->rep.b[i], c->n, line, sizeof line);
		step_note(c, "warning: %s", line);
		/* One fix line for a run of chains the same fix opens (ufw's). */
		if (i + 1 == s->rep.n || strcmp(fix, s->rep.b[i + 1].fix) != 0)
			step_note(c, "  fix: %s", fix);
	}
	if (s->rep.more)
		step_note(c, "warning: %zu more chains drop %s's traffic (netd status %s)",
			  s->rep.more, c->n->bridge, c->n->name);
	if (s->rep.unchecked[0])
		step_note(c, "warning: host firewall: tables not checked (cannot be listed): %s",
			  s->rep.unchecked);
	if (s->rep.iptables_legacy)
		step_note(c,
			  "warning: iptables-legacy tables exist: nftables cannot see them, so "
			  "netd cannot check whether they drop %s's traffic",
			  c->n->bridge);
	return 0;
}

static int hfw_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	(void)c;
	(void)st;
	(void)e;
	return 0;
}

static int hfw_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct hfw_state *s = st;
	char line[1024];
	int r;

	if ((r = hfw_run(c, s, e)) < 0)
		return r;
	for (size_t i = 0; i < s->rep.n; i++) {
		hfw_blocker_str(&s->rep.b[i], c->n, line, sizeof line);
		drift_add(d, "host firewall: %s", line);
	}
	if (s->rep.more)
		drift_add(d, "host firewall: %zu more chains drop %s's traffic", s->rep.more,
			  c->n->bridge);
	return 0;
}

static int hfw_describe(struct step_ctx *c, void *st, json_t *status, struct nerr *e)
{
	const struct hfw_state *s = st;
	json_auto_t *o = json_object(), *list = json_array();

	(void)c;
	if (!o || !list)
		return nerr_set(e, -ENOMEM, "host firewall: out of memory");
	for (size_t i = 0; s->have && i < s->rep.n; i++) {
		const struct hfw_blocker *b = &s->rep.b[i];
		json_t *blocks = json_array(), *maybe = json_array();

		for (int k = 0; k < HFW_CLASS_N; k++) {
			if (b->blocks & (1u << k))
				json_array_append_new(blocks, json_string(hfw_class_name(k)));
			if (b->maybe & (1u << k))
				json_array_append_new(maybe, json_string(hfw_class_name(k)));
		}
		if (json_array_append_new(
			    list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s}", "table",
					    b->table, "family", b->family, "chain", b->chain,
					    "hook", b->hook, "owner", b->owner, "blocks", blocks,
					    "maybe", maybe, "why", b->why, "fix", b->fix)) < 0)
			return nerr_set(e, -ENOMEM, "host firewall: out of memory");
	}
	if (json_object_set(o, "blockers", list) < 0 ||
	    json_object_set_new(o, "iptables_legacy", json_boolean(s->rep.iptables_legacy)) < 0 ||
	    (s->rep.unchecked[0] &&
	     json_object_set_new(o, "unchecked", json_string(s->rep.unchecked)) < 0) ||
	    json_object_set(status, "host_firewall", o) < 0)
		return nerr_set(e, -ENOMEM, "host firewall: out of memory");
	return 0;
}

const struct step_ops hostfw_step = {
	.name = "host firewall",
	.state_size = sizeof(struct hfw_state),
	.concurrent = true, /* reads foreign tables only */
	.apply = hfw_apply,
	.undo = hfw_undo,
	.check = hfw_check,
	/* listing others' nftables and iptables tables needs CAP_NET_ADMIN */
	.check_needs_root = true,
	.repair = NULL, /* only the chain's owner can: step_run_check leaves it unrepaired */
	.describe = hfw_describe,
};
