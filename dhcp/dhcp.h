/* The dnsmasq module: network model -> dnsmasq configuration.
 *
 * The renderers are pure: they read the model and return text, touching
 * nothing. Their output follows libvirt's networkDnsmasqConfContents()
 * directive by directive and in libvirt's order, so a network defined for
 * libvirt gets the same DNS and DHCP service from netd. What libvirt passes
 * on dnsmasq's command line or handles with a helper (pid file, lease file,
 * user) netd writes in one block at the end of the file, after a line that
 * starts with DHCP_NETD_MARK.
 *
 * Every value is checked against a strict grammar again before it reaches a
 * line (net_validate() did so first): a value that could end its field or
 * line makes the renderer fail with -EINVAL and no output. */
#ifndef NETD_DHCP_H
#define NETD_DHCP_H

#include <limits.h>
#include <stdbool.h>

#include "model.h"
#include "util.h"

/* The comment line that opens netd's own block of directives. */
#define DHCP_NETD_MARK "## netd:"

/* dnsmasq keeps every lease in memory; dhcp-lease-max (the sum of the range
 * sizes, as libvirt computes it) is capped so that a huge IPv6 range cannot
 * let guests exhaust the host's memory. libvirt limits each range to 65536
 * addresses, so its networks stay below the cap. */
#define DHCP_LEASES_CAP (1u << 20)

/* Where one network's dnsmasq files live: absolute paths chosen by the
 * caller (dhcp_files_init() gives the standard ones). */
struct dhcp_files {
	const char *conf;      /* the config file itself (--conf-file=) */
	const char *hostsfile; /* dhcp-hostsfile: static DHCP hosts */
	const char *addnhosts; /* addn-hosts: <dns><host> names */
	/* servers-file: the host's resolvers, when the network uses them */
	const char *serversfile;
	const char *leasefile; /* dhcp-leasefile, read by `netd leases` */
	const char *pidfile;   /* pid-file */
	const char *user;      /* dnsmasq drops to this user after start-up */
	/* and to this group; NULL lets dnsmasq pick ("dip" when it exists, else
	 * the user's primary group): see dhcp_user_group(). */
	const char *group;
};

/* The standard paths, with storage:
 *   STATE/dnsmasq/NAME.conf, NAME.hostsfile, NAME.addnhosts, NAME.servers,
 *   NAME.leases
 *   RUN/dnsmasq/NAME.pid
 * The pid file sits in a directory of its own under RUN so that it cannot
 * collide with netd's own runtime records there. user is NETD_DNSMASQ_USER,
 * group NULL. The caller creates state_dir and piddir (dhcp_files_buf.dir,
 * .piddir) before starting dnsmasq. */
struct dhcp_files_buf {
	char dir[PATH_MAX];
	char piddir[PATH_MAX];
	char conf[PATH_MAX];
	char hostsfile[PATH_MAX];
	char addnhosts[PATH_MAX];
	char serversfile[PATH_MAX];
	char leasefile[PATH_MAX];
	char pidfile[PATH_MAX];
	struct dhcp_files files; /* points into the buffers above */
};

int dhcp_files_init(struct dhcp_files_buf *b, const char *state_dir, const char *run_dir,
		    const char *name, struct nerr *e);

/* Before dnsmasq (root) opens it: the lease file in dir (dhcp_files_buf.dir,
 * which must be root's alone) is a regular file of netd's with one name,
 * created empty where missing. Anything else there is removed and
 * replaced; *replaced then says what it was ("a symbolic link"). A
 * directory is refused. */
int dhcp_leasefile_prepare(const char *dir, const char *path, const char **replaced,
			   struct nerr *e);

/* The name of the primary group of 'user' (reads the passwd and group
 * databases; not pure). Lets the caller set dhcp_files.group so that dnsmasq
 * does not run with the "dip" group. -ENOENT when there is no such user. */
int dhcp_user_group(const char *user, char *buf, size_t len, struct nerr *e);

/* The network's <tftp root> is a directory that dnsmasq, once it runs as
 * f->user (and f->group), can open and list: tried by a child process that
 * drops to that user as dnsmasq does, so that every directory above, ACLs
 * and mount options count as they will for dnsmasq. 0 when the network has
 * no TFTP root. */
int dhcp_check_tftp_root(const struct net *n, const struct dhcp_files *f, struct nerr *e);

/* Whether the network needs a dnsmasq at all (libvirt's rule): it has an
 * address, and it serves DHCP or DNS. */
bool dhcp_needed(const struct net *n);

/* A dhcp-host name (<host name=>): the one grammar that net_validate()
 * and the renderers both apply (dhcp_check.c says what dnsmasq and libvirt
 * make of names). NULL when v is one, else why not ("contains a comma",
 * "is a dnsmasq keyword"), in 'why' or a constant string. */
#define DHCP_WHY_MAX 64
const char *dhcp_hostname_why(const char *v, char why[DHCP_WHY_MAX]);
bool dhcp_hostname_ok(const char *v);

/* <dnsmasq:options> (dhcp_opts.c): a directive "NAME[=VALUE]" is taken
 * when NAME is on netd's allowlist (netd(8) lists it) and VALUE passes that
 * option's grammar. NULL when it is, else why not, starting with the
 * option's name in quotes ("'dhcp-script': is not allowed: it runs a
 * program"). */
#define DHCP_OPT_MAX	 NET_DNSMASQ_OPT_MAX
#define DHCP_OPT_WHY_MAX 192
const char *dhcp_option_why(const char *opt, char why[DHCP_OPT_WHY_MAX]);
/* Whether opt is option 'name' (with or without a value). */
bool dhcp_option_is(const char *opt, const char *name);
/* The i-th name of the allowlist (or of the options refused by name), NULL
 * past the end: for the test that netd(8) lists them all. */
const char *dhcp_option_name(bool allowed_list, size_t i);
/* An allowed directive that would compete with a line netd writes for this
 * network (an untagged dhcp-option for a DHCP option netd sets): why, or
 * NULL. */
const char *dhcp_option_conflict(const struct net *n, const char *opt);

/* The dnsmasq config file. *out is malloc'ed; NULL on error. */
int dhcp_render_conf(const struct net *n, const struct dhcp_files *f, char **out, struct nerr *e);
/* The dhcp-hostsfile: one line per static host with an address,
 * "mac,ip,name[,lease]" (IPv4) or "id:DUID,name,[ip][,lease]" (IPv6). */
int dhcp_render_hostsfile(const struct net *n, char **out, struct nerr *e);
/* The addn-hosts file: "IP<TAB>name<TAB>...<TAB>" per address of <dns><host>. */
int dhcp_render_addnhosts(const struct net *n, char **out, struct nerr *e);

/* Whether the network's DNS forwards to the host's resolvers (libvirt lets
 * dnsmasq read /etc/resolv.conf then). netd hands them to dnsmasq in the
 * servers-file instead, with no-resolv: a dnsmasq that reads resolv.conf
 * takes an inotify instance to watch it, and fs.inotify.max_user_instances
 * (128 per user by default) then caps the host at 128 networks. */
bool dhcp_uses_host_resolvers(const struct net *n);
/* The servers-file for the host's resolv.conf text: "server=ADDR" per
 * nameserver line whose address parses (others are skipped: dnsmasq skips
 * them too). */
int dhcp_render_servers(const char *resolv_conf, char **out, struct nerr *e);

#endif
