/* The firewall: a network -> nftables script (pure, fw_render.c), the few
 * calls that load scripts into the kernel and read back what is there
 * (libnftables and nfnetlink, fw_apply.c: fw_start, fw_stop), drift as
 * typed findings and their repair (fw_check.c), and the step entry
 * (fw_step.c).
 *
 * All networks share ONE table, `inet netd`, and its chains. What a network
 * allows is elements of shared sets, keyed by bridge name, by bridge and
 * subnet, and by the bridges' own addresses (input: what reaches the
 * address dnsmasq binds), so a packet costs a constant number of set
 * lookups however many networks run, and so does the kernel's validation
 * of each commit. Only statements that take a network's own arguments sit
 * in chains of its own, reached through verdict maps: n_NAME_nat (source
 * NAT of its subnets) and n_NAME_tftp (the TFTP conntrack helper towards a
 * <bootp server> elsewhere). A network's part is those chains plus its
 * elements; every script below changes exactly that part in one
 * transaction. */
#ifndef NETD_FW_H
#define NETD_FW_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "model.h"
#include "util.h"

#define FW_TABLE_FAMILY "inet"
#define FW_TABLE_NAME	"netd"

/* The script that makes n's rules what they should be: creates the shared
 * skeleton when missing, replaces n's chains' rules and adds n's set and map
 * elements. Loading it twice leaves the same ruleset. It cannot know about
 * elements a previous, different version of n left behind (an old bridge
 * name or subnet): use fw_render_replace() for that. A forward mode 'open'
 * network has no rules: the script is "". Fails with -EINVAL, and no
 * output, when a value is outside the grammar nft identifiers allow. */
int fw_render(const struct net *n, char **out, struct nerr *e);

/* fw_render(n) without the shared skeleton (sets, maps and shared chains):
 * n's chains and elements alone, for a table whose skeleton of this layout
 * is already there (fw_start() asks). About 0.7 ms of a start is loading
 * the skeleton again. */
int fw_render_part(const struct net *n, char **out, struct nerr *e);

/* The empty set every skeleton of this layout declares: a table holding it
 * has the layout's sets and chains. A new layout takes a new name. */
#define FW_LAYOUT_SET "layout_2"

/* The script that removes n's chains and set and map elements, as loaded by
 * fw_render(n). It re-adds each element before deleting it, so it also
 * loads when some or all of n's part is already gone; it still fails
 * (-EEXIST, nothing changed) when another network's verdict map element now
 * holds one of n's keys (an overlapping NATed subnet), which start would
 * have refused anyway.
 * last=true deletes the whole table instead (fw_stop() decides when). */
int fw_render_stop(const struct net *n, bool last, char **out, struct nerr *e);

/* One transaction that takes the rules loaded for 'old' to those of 'n'
 * (apply after a config change): old's elements and the chains n does not
 * use go, n's rules come in. Either may be NULL (= start, = stop). */
int fw_render_replace(const struct net *old, const struct net *n, char **out, struct nerr *e);

/* Load a script in one transaction with libnftables. dry_run parses and
 * evaluates against the kernel's current ruleset but commits nothing. On
 * failure e holds nft's first error in one line, and the return value is
 * the errno nft reported when recognised (-EEXIST for a key another network
 * holds, -ENOENT, -EPERM, ...), else -EIO. "" loads nothing and succeeds. */
int fw_apply(const char *script, bool dry_run, struct nerr *e);

/* Whether table inet netd exists. */
int fw_table_present(bool *present, struct nerr *e);

/* The table's flags (NFT_TABLE_F_DORMANT...), asked of the kernel over
 * nfnetlink; -ENOENT when the table does not exist. */
int fw_table_flags(uint32_t *flags, struct nerr *e);
/* Every table of this namespace as nft lists them ("table FAMILY NAME\n"
 * each), from one NFT_MSG_GETTABLE dump: `nft list tables` fetches the
 * whole ruleset first (nft 1.0.6), which costs more with every network. */
int fw_list_tables(char **out, struct nerr *e);

/* The table as `nft list table inet netd` prints it (caller frees), for
 * drift detection and tests; -ENOENT when the table does not exist. */
int fw_list(char **out, struct nerr *e);

/* The table's maps, chains and rules as nft's JSON objects ({"map": {...}},
 * {"chain": {...}}, {"rule": {...}}, in nft's order; no table object), in a
 * new array (caller decrefs), and its flags (flags may be NULL); -ENOENT
 * when the table does not exist. */
int fw_list_json(json_t **objs, uint32_t *flags, struct nerr *e);

/* Whether n has a part in the table at all. The one place that knows that
 * a forward mode 'open' network has no rules (libvirt's open mode): every
 * other function here follows from it. */
bool fw_net_has_part(const struct net *n);

/* The interface group n's bridge belongs in: FW_DEVGROUP (see the iptables
 * glue below) when n has a part in the table, else the default group 0. */
uint32_t fw_net_devgroup(const struct net *n);

/* Whether 'chain' is one of the chains fw_render() may create for n
 * (n_NAME_nat, n_NAME_tftp, used or not). No other network's chain can have
 * one of these names, even when its name extends n's ("a" and "a_nat" make
 * n_a_nat and n_a_nat_nat): no suffix holds a '_'. */
bool fw_chain_is_net(const struct net *n, const char *chain);

/* Whether 'chain' is one of the chains every network shares (the base
 * chains and to_bridge, from_bridge, guard). */
bool fw_chain_is_shared(const char *chain);

/* Bring n's rules in, in one transaction: fw_render_part(n) when the table
 * holds FW_LAYOUT_SET, else fw_render(n). */
int fw_start(const struct net *n, struct nerr *e);

/* A chain of any table as `nft -a list chain FAMILY TABLE CHAIN` prints it
 * (rules end in "# handle N"; caller frees); -ENOENT when the table or the
 * chain does not exist. */
int fw_list_chain(const char *family, const char *table, const char *chain, char **out,
		  struct nerr *e);

/* Which of the chains names[0..n) of table 'table' in family 'family'
 * ("ip", "ip6") exist: bit i of *mask for names[i]. One nfnetlink dump of
 * the family's chains, with no libnftables cache behind it. */
int fw_chains_exist(const char *family, const char *table, const char *const *names, size_t n,
		    unsigned *mask, struct nerr *e);

/* Remove n's part: its chains and set and map elements, or the whole table
 * when, without n's part, nothing of another network's is left in it (no
 * other bridge in set bridges, no chain that is neither shared nor n's), as
 * the kernel's table says, not netd's records; with keep_table, never
 * the table (other networks' starts may be loading theirs: netd boot). One
 * transaction. Succeeds when the table or n's part is already gone; fails
 * with -EEXIST, nothing changed, when another network now holds one of n's
 * keys. *last (last may be NULL) says whether no other network has a part
 * in the table (and keep_table is false): the shared iptables accepts of
 * fw_glue.c then go too. */
int fw_stop(const struct net *n, bool keep_table, bool *last, struct nerr *e);

/* ---- drift ---- */

enum fw_drift_kind {
	FW_DRIFT_TABLE_MISSING,
	FW_DRIFT_TABLE_DIFFERS, /* flags (dormant) */
	FW_DRIFT_CHAIN_MISSING,
	FW_DRIFT_CHAIN_DIFFERS, /* its hook, policy or rules */
	FW_DRIFT_MAP_MISSING,	/* a map, or a set (is_set) */
	FW_DRIFT_MAP_DIFFERS,	/* its type or flags */
	FW_DRIFT_ELEM_MISSING,
	FW_DRIFT_ELEM_DIFFERS, /* the key is there with another verdict */
};

/* One thing of n's part that is not as fw_render(n) makes it. */
struct fw_finding {
	enum fw_drift_kind kind;
	char object[NET_NAME_MAX + 16]; /* the chain's, map's or set's name; "inet netd" */
	bool is_set;			/* MAP_* and ELEM_*: object is a set */
	/* ELEM_*: the element's key as the message shows it: an interface name
	 * bare, an address, "ADDR/LEN" or "FIRST-LAST". */
	char key[96];
	bool key_is_name; /* an interface name: nft wants it quoted */
};

/* At most this many findings are kept; 'more' counts the rest. */
#define FW_DRIFT_MAX 64
struct fw_drift {
	size_t n, more;
	struct fw_finding *f;
};

void fw_drift_free(struct fw_drift *d);
#define _cleanup_fw_drift_ __attribute__((cleanup(fw_drift_free)))

/* A finding in one line: "table inet netd missing", "table inet netd
 * differs", "chain n_default_nat missing", "chain forward differs", "map
 * nat6 missing", "map nat4 differs", "set bridges lacks virbr0", "set in_nat4
 * lacks virbr0 . 192.168.122.0/24", "map nat4 differs for 192.168.122.0/24". -ENAMETOOLONG when len
 * is too short (buf then holds what fits). */
int fw_drift_str(const struct fw_finding *f, char *buf, size_t len);

/* Compare the kernel's ruleset with what fw_render(n) loads, and put in d
 * (emptied first; zeroed or an earlier result) every finding, up to
 * FW_DRIFT_MAX: d->n == 0 when n's part is exactly there. Exactly: the
 * table is not dormant; each of n's chains and the base chains is as in a
 * namespace that holds n alone (hook, policy, and the rules' expressions in
 * order; handles aside); each map is there with the same type and flags
 * and each of n's elements with the same verdict. Other networks' chains
 * and elements are allowed. Only "table missing" is reported when the
 * table is missing. An open network has no part: never drift, and the table
 * is not created.
 *
 * The expected state comes from loading fw_render(n) into a scratch
 * network namespace in a child process (bounded: killed after 10 s), so
 * this needs root (CAP_SYS_ADMIN): -EPERM otherwise. Never changes the
 * caller's ruleset. */
int fw_check(const struct net *n, struct fw_drift *d, struct nerr *e);

/* Repair all that fw_check() found, in one transaction: first delete each
 * element of n's whose verdict differs (the kernel refuses to overwrite an
 * element: -EEXIST), then load fw_render(n). Either all of it applies or
 * nothing changes. */
int fw_repair(const struct net *n, const struct fw_drift *d, struct nerr *e);

/* ---- iptables glue (fw_glue.c) ----
 *
 * netd's accepts in the iptables-nft chains of the host, so that a drop
 * there (Docker's FORWARD policy, ufw's INPUT and FORWARD) does not stop
 * the traffic netd's own table lets through: nftables ANDs base chains
 * across tables. They are shared by all networks and do not grow with
 * them: every bridge of a network with a part in netd's table is in the
 * interface group FW_DEVGROUP (the bridge step sets it), and in each family
 * of table FAMILY filter where the chain already exists (netd never
 * creates one) there are
 *   INPUT: from the group, DHCP (udp 67; udp 547 in ip6) and DNS (udp and
 *          tcp 53);
 *   DOCKER-USER when FORWARD jumps to it, else FORWARD: from the group,
 *          and to it,
 * each with a counter and the comment "netd". netd's own table still
 * decides per bridge and subnet, as it does without iptables: it rejects
 * what the shared accepts would let through and a network must not pass
 * (another subnet, an isolated network's forwarding, new connections into
 * a NAT subnet). A network that serves TFTP has one accept of its own in ip
 * INPUT (udp 69 from its bridge, comment "netd:NAME"), so that no host TFTP
 * server is opened to the others' guests.
 *
 * The group match is iptables-nft's devgroup extension, the form
 * iptables-save prints and iptables-restore reproduces (nft's native
 * iifgroup is one iptables-nft 1.8.9 cannot read, which breaks
 * iptables-save for the whole table): the shared rules are inserted by
 * iptables-nft-restore --noflush, once, by the first network that finds
 * them missing, and deleted by handle (one nft transaction) by the last
 * network with a part in netd's table to stop. A family's accepts come in
 * with the first network that has the family, and stay until that last
 * stop. Rules of netd's are read over nfnetlink (fw_glue_rules()), never as
 * nft text: that would load libxtables (6-30 ms) for the devgroup match. */

/* The interface group of netd's bridges: "netd" in ASCII. */
#define FW_DEVGROUP 0x6e657464u

enum fw_glue_mode {
	/* The shared accepts for n's families and n's own: start, repair. */
	FW_GLUE_WANT,
	/* n's own rules out, the shared ones left: stop while another
	 * network has a part in netd's table, n without a part any more. */
	FW_GLUE_DROP_OWN,
	/* n's own and the shared ones out: the last stop, iptables = no. */
	FW_GLUE_DROP_ALL,
};

/* What fw_glue_apply would change: an nft script (deletes by handle, n's
 * own accept) and, per family (0 ip, 1 ip6), the input of
 * ip(6)tables-nft-restore --noflush that inserts the missing shared rules;
 * each "" / NULL when there is nothing. */
struct fw_glue_plan {
	char *nft;
	char *restore[2];
};
void fw_glue_plan_free(struct fw_glue_plan *p);

int fw_glue_render(const struct net *n, enum fw_glue_mode m, struct fw_glue_plan *p,
		   struct nerr *e);

/* fw_glue_render(n, m) and what it says: the nft script first, then the
 * inserts. With serial_fd >= 0 (netd boot's workers) a change of the
 * shared rules is read again and made under that lock, so that two workers
 * never insert them twice. */
int fw_glue_apply(const struct net *n, enum fw_glue_mode m, int serial_fd, struct nerr *e);

/* What fw_glue_check found: one line each ("iptables chain ip filter
 * FORWARD lacks netd's accepts for virbr0"), at most FW_GLUE_MAX. */
#define FW_GLUE_MAX 8
struct fw_glue_drift {
	size_t n;
	char what[FW_GLUE_MAX][128];
};

/* Compare the chains with what fw_glue_apply(n, m) would leave: a chain
 * that lacks a rule, has one below a rule not netd's, or has netd's rules
 * where none belong (a DOCKER-USER that appeared, the switch turned off, a
 * network's rule from before the shared ones). */
int fw_glue_check(const struct net *n, enum fw_glue_mode m, struct fw_glue_drift *d,
		  struct nerr *e);

/* One rule of a host chain, read over nfnetlink, with what netd needs to
 * know of it. 'known' when every expression is one of those decoded here
 * (the matches below, a counter, a comment, an accept); the fields are then
 * what the rule matches, 0 / "" for anything. */
struct fw_host_rule {
	char chain[32];
	uint64_t handle;
	char comment[64]; /* nft's comment or an xt comment match; "" */
	char jump[32];	  /* the chain it jumps or goes to; "" */
	bool accept, known;
	char iif[16], oif[16];	       /* iifname / oifname, exact */
	uint8_t l4;		       /* meta l4proto or the ip protocol field */
	uint16_t dport;		       /* transport header destination port */
	uint32_t src_group, dst_group; /* devgroup, full mask, not inverted; 0 */
};

/* The rules of chains names[0..n_names) of table FAMILY TABLE, in chain
 * order (caller frees *rules). No table: none. */
int fw_glue_rules(const char *family, const char *table, const char *const *names, size_t n_names,
		  struct fw_host_rule **rules, size_t *n, struct nerr *e);

/* The firewall's entry in the step table (step.h): apply fw_start, undo
 * fw_stop, check fw_check (one drift line "firewall: FINDING" each),
 * repair fw_repair then one confirming check. */
struct step_ops;
extern const struct step_ops fw_step;

/* Any listing command ("list table netdev netd") run with nft's JSON
 * output, parsed ({"nftables": [...]}; caller decrefs). -ENOENT when what
 * it lists does not exist. For the modules with nft objects of their own
 * outside table inet netd (netd/bandwidth.c). */
int fw_list_json_cmd(const char *cmd, json_t **root, struct nerr *e);

/* Any listing command's output as nft prints it (caller frees): its JSON
 * with json, else text with handles. For the host firewall check, which
 * reads other tables than netd's. */
int fw_list_cmd(const char *cmd, bool json, char **out, struct nerr *e);

/* What an iptables-nft conntrack, state or devgroup match accepts (xt
 * match 'name', revision 'rev', its info blob of 'len' bytes), as nft's own
 * translation prints it: "ct state established,related", "ct state !=
 * new"; "ct other" for a match that checks more than the state, or that
 * netd cannot read; "iifgroup 0x6e657464", "oifgroup 0x1", "devgroup other"
 * (a mask, an inversion). 0, or -EINVAL when 'name' is none of these. */
int fw_xt_ct_text(const char *name, uint32_t rev, const void *info, size_t len, char *buf,
		  size_t size);

/* The part of `nft -a list table FAMILY TABLE` that the host-firewall
 * analysis reads, appended to *text: "table FAMILY TABLE {" with
 * "\tflags dormant" when it is, and for each rule with conntrack, state or
 * devgroup matches, under "table FAMILY TABLE {" and "\tchain CHAIN {", a line of
 * their fw_xt_ct_text()s ending "# handle N". Read over nfnetlink: nft's
 * text listing loads libxtables and its extensions to translate every xt
 * match of the table, 6-30 ms in netd's process on a host with Docker. */
int fw_xt_ct_listing(const char *family, const char *table, struct sbuf *text, struct nerr *e);

/* A table by its family ("ip", "inet", ...) and name. */
struct fw_table_id {
	char family[16];
	char name[80];
};

/* For each of tables t[0..n), a digest of what the host-firewall analysis
 * can read of it: the table's flags, its chains (hook, priority, policy,
 * type) and its rules in order, expressions and handles; not the state
 * traffic changes (counters, quotas, a rule's last match, chains' counters)
 * nor named sets' elements, which the analysis does not look up. Equal
 * digests: the listing says the same. Over nfnetlink, one dump of the
 * tables, one of the chains of each family, one of each table's rules: no
 * libnftables cache of the whole ruleset. */
int fw_tables_fingerprint(const struct fw_table_id *t, size_t n, uint64_t *fp, struct nerr *e);

#endif
