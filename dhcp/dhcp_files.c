/* Where one network's dnsmasq files live, and the group dnsmasq drops to. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "dhcp_int.h"

#ifndef NETD_DNSMASQ_USER
#define NETD_DNSMASQ_USER "dnsmasq"
#endif

static int path_of(char *buf, const char *dir, const char *name, const char *suffix, struct nerr *e)
{
	int r = nd_snprintf(buf, PATH_MAX, "%s/%s%s", dir, name, suffix);

	if (r < 0)
		return nerr_set(e, r, "network %s: path %s/%s%s is too long", name, dir, name,
				suffix);
	return 0;
}

static void point(struct dhcp_files_buf *b)
{
	b->files = (struct dhcp_files){
		.conf = b->conf,
		.hostsfile = b->hostsfile,
		.addnhosts = b->addnhosts,
		.serversfile = b->serversfile,
		.leasefile = b->leasefile,
		.pidfile = b->pidfile,
		.user = NETD_DNSMASQ_USER,
		.group = NULL,
	};
}

int dhcp_files_init(struct dhcp_files_buf *b, const char *state_dir, const char *run_dir,
		    const char *name, struct nerr *e)
{
	struct net who = { .name = "" };
	int r;

	memset(b, 0, sizeof *b);
	/* the name becomes part of file names: it must not leave the
	 * directory or break a config line */
	if ((r = dhcp_check_netname(name, e)) < 0)
		return r;
	nd_strlcpy(who.name, name, sizeof who.name);
	if ((r = dhcp_check_path(&who, "state directory", state_dir, e)) < 0 ||
	    (r = dhcp_check_path(&who, "run directory", run_dir, e)) < 0 ||
	    (r = path_of(b->dir, state_dir, "dnsmasq", "", e)) < 0 ||
	    (r = path_of(b->piddir, run_dir, "dnsmasq", "", e)) < 0 ||
	    (r = path_of(b->conf, b->dir, name, ".conf", e)) < 0 ||
	    (r = path_of(b->hostsfile, b->dir, name, ".hostsfile", e)) < 0 ||
	    (r = path_of(b->addnhosts, b->dir, name, ".addnhosts", e)) < 0 ||
	    (r = path_of(b->serversfile, b->dir, name, ".servers", e)) < 0 ||
	    (r = path_of(b->leasefile, b->dir, name, ".leases", e)) < 0 ||
	    (r = path_of(b->pidfile, b->piddir, name, ".pid", e)) < 0)
		return r;
	point(b);
	return 0;
}

int dhcp_user_group(const char *user, char *buf, size_t len, struct nerr *e)
{
	char store[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	int r;

	r = getpwnam_r(user, &pw, store, sizeof store, &pwp);
	if (r || !pwp)
		return nerr_set(e, r ? -r : -ENOENT, "dnsmasq user %s: %s", user,
				r ? strerror(r) : "no such user");
	r = getgrgid_r(pw.pw_gid, &gr, store, sizeof store, &grp);
	if (r || !grp)
		return nerr_set(e, r ? -r : -ENOENT, "dnsmasq user %s: primary group %u: %s", user,
				(unsigned)pw.pw_gid, r ? strerror(r) : "no such group");
	if (nd_strlcpy(buf, gr.gr_name, len) >= len)
		return nerr_set(e, -ENAMETOOLONG, "dnsmasq user %s: group name %s is too long",
				user, gr.gr_name);
	return 0;
}
