/* The firewall: a network -> nftables script (pure, fw_render.c), and the
 * few calls that load scripts into the kernel and read back what is there
 * (libnftables, fw_apply.c).
 *
 * All networks share ONE table, `inet netd`. Its base chains dispatch through
 * verdict maps keyed by interface name (forwarding, input, DHCP checksum) and
 * by source subnet (NAT) to per-network regular chains n_NAME_{in,out,input,
 * post,nat}, so a packet costs a constant number of map lookups however many
 * networks run. A network's part is its chains plus its map elements; every
 * script below changes exactly that part in one transaction. */
#ifndef NETD_FW_H
#define NETD_FW_H

#include <stdbool.h>

#include "model.h"
#include "util.h"

#define FW_TABLE_FAMILY "inet"
#define FW_TABLE_NAME	"netd"

/* The script that makes n's rules what they should be: creates the shared
 * skeleton when missing, replaces n's chains' rules and adds n's map
 * elements. Loading it twice leaves the same ruleset. It cannot know about
 * elements a previous, different version of n left behind (an old bridge
 * name or subnet): use fw_render_replace() for that. A forward mode 'open'
 * network has no rules: the script is "". Fails with -EINVAL, and no
 * output, when a value is outside the grammar nft identifiers allow. */
int fw_render(const struct net *n, char **out, struct nerr *e);

/* The script that removes n's chains and map elements, as loaded by
 * fw_render(n). It re-adds each element before deleting it, so it also
 * loads when some or all of n's part is already gone; it still fails
 * (-EEXIST, nothing changed) when another network now holds one of n's keys
 * (same bridge name or subnet), which start would have refused anyway.
 * last=true deletes the whole table instead (call it when no other network
 * has rules). */
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

/* The table as `nft list table inet netd` prints it (caller frees), for
 * drift detection and tests; -ENOENT when the table does not exist. */
int fw_list(char **out, struct nerr *e);

/* Compare the kernel's ruleset with what fw_render(n) loads. drift=false
 * when n's part is exactly there: the table (not dormant), each of n's
 * chains and the base chains list exactly as they would in a namespace that
 * holds n alone, and each of n's map elements is there with the same
 * verdict (other networks' elements and chains are allowed). Otherwise
 * drift=true and 'what' says, in one line, the first thing missing or
 * different: "table inet netd missing", "table inet netd differs", "chain
 * n_default_in missing", "chain forward differs", "map fwd_in lacks
 * virbr0", "map fwd_in differs for virbr0". An open network has no part:
 * never drift, and the table is not created.
 *
 * The expected listing comes from loading fw_render(n) into a scratch
 * network namespace in a child process (bounded: killed after 10 s), so
 * this needs root (CAP_SYS_ADMIN): -EPERM otherwise. Never changes the
 * caller's ruleset. Costs one `list table` of the caller's ruleset.
 *
 * Loading fw_render(n) again repairs all but "differs for KEY": the kernel
 * refuses to overwrite an element's verdict (-EEXIST), so fw_repair()
 * deletes that element in the same transaction first. */
int fw_check(const struct net *n, bool *drift, char *what, size_t len, struct nerr *e);

/* Repair what fw_check() reported as 'what': load fw_render(n) in one
 * transaction, preceded, for "map M differs for KEY", by the deletion of
 * that element (it exists: fw_check saw it), so that either all of it
 * applies or nothing changes. */
int fw_repair(const struct net *n, const char *what, struct nerr *e);

#endif
