/* The host firewall step: reads the whole ruleset and reports the foreign
 * base chains that would drop the network's traffic (fw_host.h). It never
 * changes the host: apply warns, check reports one drift line per blocking
 * chain, and there is no repair netd can do (only the chain's owner can). */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* ---- the listings of earlier runs, by fingerprint ---------------------- */

/* libnftables 1.0.6 fetches every chain of the ruleset for any listing,
 * inet netd's six per network among them: listing Docker's two tables took
 * 1.3 ms of a start with one network and 3.6 ms with 200 up. So what a
 * listing gave is kept in the run directory under the table's fingerprint
 * (fw_tables_fingerprint: dumps of its family alone), with the network
 * namespace it was read in, and listed again only when that changes. */
#define HFW_CACHE "host-firewall.json"

struct hfw_cache {
	char path[PATH_MAX];
	char ns[48];	/* "dev:ino" of the network namespace */
	json_t *old;	/* the file's tables, or NULL */
	json_t *tables; /* this run's, written back when they differ */
	bool changed;
};

static void hfw_cache_open(const struct step_ctx *c, struct hfw_cache *hc)
{
	json_auto_t *doc = NULL;
	struct stat ns;

	hc->old = NULL;
	hc->changed = false;
	hc->tables = json_array();
	hc->path[0] = hc->ns[0] = '\0';
	if (stat("/proc/self/ns/net", &ns) < 0 ||
	    nd_snprintf(hc->path, sizeof hc->path, "%s/%s", c->p->run_dir, HFW_CACHE) < 0) {
		hc->path[0] = '\0';
		return;
	}
	(void)snprintf(hc->ns, sizeof hc->ns, "%llu:%llu", (unsigned long long)ns.st_dev,
		       (unsigned long long)ns.st_ino);
	doc = json_load_file(hc->path, 0, NULL);
	const char *fns = json_string_value(json_object_get(doc, "netns"));
	json_t *t = json_object_get(doc, "tables");

	if (fns && strcmp(fns, hc->ns) == 0 && json_is_array(t))
		hc->old = json_incref(t);
}

/* The entry kept for family/name with fingerprint fp, or NULL. */
static json_t *hfw_cache_find(const struct hfw_cache *hc, const char *fam, const char *name,
			      const char *fp)
{
	json_t *ent;
	size_t i;

	json_array_foreach(hc->old, i, ent)
	{
		const char *f = json_string_value(json_object_get(ent, "family"));
		const char *n = json_string_value(json_object_get(ent, "name"));
		const char *p = json_string_value(json_object_get(ent, "fingerprint"));

		if (f && n && p && strcmp(f, fam) == 0 && strcmp(n, name) == 0 &&
		    strcmp(p, fp) == 0 && json_is_string(json_object_get(ent, "text")))
			return ent;
	}
	return NULL;
}

/* Written only when this run's tables are not the file's; a failure to
 * write costs the next start a listing, nothing else. */
static void hfw_cache_close(struct hfw_cache *hc)
{
	json_auto_t *doc = NULL;
	_cleanup_free_ char *text = NULL;

	if (hc->path[0] && hc->tables &&
	    (hc->changed || json_array_size(hc->tables) != json_array_size(hc->old)) &&
	    (doc = json_pack("{s:s, s:O}", "netns", hc->ns, "tables", hc->tables)) &&
	    (text = json_dumps(doc, JSON_COMPACT)))
		(void)nd_write_atomic(hc->path, text, strlen(text), 0600);
	json_decref(hc->old);
	json_decref(hc->tables);
	hc->old = hc->tables = NULL;
}

/* One foreign table read afresh: its JSON objects into *objs (NULL: the
 * listing does not hold it), whether it is dormant, and its text. */
static void hfw_list_one(const char *fam, const char *name, json_t **objs, bool *dormant,
			 struct sbuf *text)
{
	struct nerr ign = { { 0 } };
	_cleanup_free_ char *out = NULL;
	json_auto_t *doc = NULL;
	char cmd[128];
	json_t *list;

	*objs = NULL;
	*dormant = false;
	if (nd_snprintf(cmd, sizeof cmd, "list table %s %s", fam, name) < 0)
		return;
	if (hfw_nft(cmd, true, &out, &ign) == 0) {
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): freed by cleanup */
		doc = json_loads(out, 0, NULL);
	}
	list = json_object_get(doc, "nftables");
	if (json_is_array(list) && hfw_has_table(list, fam, name))
		*objs = json_incref(list);
	else
		*dormant = hfw_dormant(cmd); /* a dormant table sees no traffic */
	/* The text the analysis reads: the table's dormant flag and its
	 * conntrack matches' states (JSON shows iptables-nft's xt matches
	 * without their arguments), read over nfnetlink rather than printed
	 * by nft, whose translation of xt matches loads libxtables: 6-30 ms
	 * of every start on a host with Docker. Without it those matches
	 * stay unknown: still correct, only more cautious. */
	(void)fw_xt_ct_listing(fam, name, text, &ign);
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees out */
}

/* The foreign tables one by one, never netd's own: that one is the bulk of
 * the ruleset (a chain set per network), and listing it made every start
 * cost more with each network already running; the analysis skips it
 * anyway. Also, nft 1.0.6 prints a table with flags through freed memory
 * (the JSON listing is then garbage, or cut short after its metainfo, with
 * no error): a table missing from its own listing is skipped when dormant
 * (it sees no traffic), else named in r->unchecked rather than guessed at.
 * Each table's text listing (with handles) is appended to *text. */
static int hfw_list_tables(const struct step_ctx *c, json_t *all, struct sbuf *text,
			   struct hfw_report *r, struct nerr *e)
{
	_cleanup_free_ char *tables = NULL;
	_cleanup_free_ struct fw_table_id *t = NULL;
	_cleanup_free_ uint64_t *fps = NULL;
	struct nerr ign = { { 0 } };
	struct hfw_cache hc;
	size_t n = 0;
	int ret;

	if ((ret = fw_list_tables(&tables, e)) < 0)
		return nerr_wrap(e, ret, "host firewall");
	for (char *s = tables; *s;) {
		size_t len = strcspn(s, "\n");
		struct fw_table_id id, *p;

		if (sscanf(s, "table %15s %79s", id.family, id.name) == 2 &&
		    plain_word(id.family, strlen(id.family)) &&
		    plain_word(id.name, strlen(id.name)) &&
		    !(strcmp(id.family, FW_TABLE_FAMILY) == 0 &&
		      strcmp(id.name, FW_TABLE_NAME) == 0)) {
			if (!(p = nd_array_push(&t, &n, sizeof *t, SIZE_MAX)))
				return nerr_set(e, -ENOMEM, "host firewall: out of memory");
			*p = id;
		}
		s += len + (s[len] == '\n');
	}
	/* Without fingerprints every table is listed afresh, as before. */
	if (n && (!(fps = calloc(n, sizeof *fps)) || fw_tables_fingerprint(t, n, fps, &ign) < 0)) {
		free(fps);
		fps = NULL;
	}
	hfw_cache_open(c, &hc);
	for (size_t i = 0; i < n; i++) {
		const char *fam = t[i].family, *name = t[i].name, *ttext;
		json_auto_t *objs = NULL;
		_cleanup_free_ char *own = NULL;
		bool dormant = false;
		char fp[24] = "";
		json_t *ent = NULL;

		if (fps) {
			(void)snprintf(fp, sizeof fp, "%016llx", (unsigned long long)fps[i]);
			ent = hfw_cache_find(&hc, fam, name, fp);
		}
		if (ent) {
			objs = json_incref(json_object_get(ent, "objects"));
			dormant = json_is_true(json_object_get(ent, "dormant"));
			ttext = json_string_value(json_object_get(ent, "text"));
			json_array_append(hc.tables, ent);
		} else {
			struct sbuf tx = { 0 };

			hfw_list_one(fam, name, &objs, &dormant, &tx);
			own = sbuf_finish(&tx);
			ttext = own ? own : "";
			hc.changed = true;
			if (fp[0])
				json_array_append_new(hc.tables,
						      json_pack("{s:s, s:s, s:s, s:O?, s:b, s:s}",
								"family", fam, "name", name,
								"fingerprint", fp, "objects", objs,
								"dormant", dormant, "text", ttext));
		}
		if (json_is_array(objs)) {
			if (json_array_extend(all, objs) < 0) {
				hfw_cache_close(&hc);
				return nerr_set(e, -ENOMEM, "host firewall: out of memory");
			}
		} else if (!dormant) {
			hfw_unchecked(r, fam, name);
		}
		sbuf_puts(text, ttext);
	}
	hfw_cache_close(&hc);
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
	r = hfw_list_tables(c, all, &tb, &tmp, e);
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
