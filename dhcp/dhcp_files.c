/* Where one network's dnsmasq files live, and the group dnsmasq drops to. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

int dhcp_check_tftp_root(const struct net *n, const struct dhcp_files *f, struct nerr *e)
{
	const struct net_ip *t = net_tftp_ip(n);
	char store[4096];
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	struct stat st;
	gid_t gid;
	pid_t pid;
	int r, status;

	if (!t)
		return 0;
	if (stat(t->tftp_root, &st) < 0)
		return nerr_set(e, -errno, "network %s: tftp root %s: %s", n->name, t->tftp_root,
				errno == ENOENT ? "does not exist (create it, with the boot files)"
						: strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return nerr_set(e, -ENOTDIR, "network %s: tftp root %s: not a directory", n->name,
				t->tftp_root);
	r = getpwnam_r(f->user, &pw, store, sizeof store, &pwp);
	if (r || !pwp)
		return nerr_set(e, r ? -r : -ENOENT, "dnsmasq user %s: %s", f->user,
				r ? strerror(r) : "no such user");
	gid = pw.pw_gid;
	if (f->group) {
		r = getgrnam_r(f->group, &gr, store, sizeof store, &grp);
		if (r || !grp)
			return nerr_set(e, r ? -r : -ENOENT, "dnsmasq group %s: %s", f->group,
					r ? strerror(r) : "no such group");
		gid = gr.gr_gid;
	}
	pid = fork();
	if (pid < 0)
		return nerr_set(e, -errno, "network %s: tftp root check: fork: %s", n->name,
				strerror(errno));
	if (pid == 0) {
		/* as dnsmasq drops its privileges: no supplementary groups */
		int fd;

		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(pw.pw_uid) < 0)
			_exit(125);
		fd = open(t->tftp_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_exit(fd < 0 ? (errno & 0x7f) : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return nerr_set(e, -errno, "network %s: tftp root check: %s", n->name,
					strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 125)
		return nerr_set(e, -EIO,
				"network %s: tftp root check: could not run as dnsmasq user %s",
				n->name, f->user);
	r = WEXITSTATUS(status);
	if (r == EACCES || r == EPERM)
		return nerr_set(e, -EACCES,
				"network %s: tftp root %s: dnsmasq's user %s cannot read it (it "
				"needs r and x on the directory and x on every directory above "
				"it)",
				n->name, t->tftp_root, f->user);
	if (r)
		return nerr_set(e, -r, "network %s: tftp root %s, as user %s: %s", n->name,
				t->tftp_root, f->user, strerror(r));
	return 0;
}

/* Why what lstat found at dnsmasq's directory or lease file is not what
 * netd made there; NULL when it is. */
static const char *not_ours(const struct stat *st, bool dir)
{
	if (S_ISLNK(st->st_mode))
		return "a symbolic link";
	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		return dir ? "not a directory" : "not a regular file";
	if (st->st_uid != geteuid())
		return "owned by another user";
	if (st->st_mode & 0022)
		return "writable by others than its owner";
	if (!dir && st->st_nlink != 1)
		return "a hard link to another name";
	return NULL;
}

/* dnsmasq opens its lease file as root, following links, and rewrites it in
 * place: whatever the name points to would be overwritten with leases. The
 * directory must be netd's (root's, writable by no one else), so that
 * nothing can change under it between this check and dnsmasq's open; in
 * it, anything but a regular file netd made (a link, a FIFO, a hard link,
 * another user's file) is removed, not followed, and an empty file made in
 * its place: leases netd did not write are not worth keeping. fstat on an
 * O_PATH|O_NOFOLLOW descriptor looks at the name itself and opens nothing
 * (a FIFO or a device would react to an open). */
int dhcp_leasefile_prepare(const char *dir, const char *path, const char **replaced, struct nerr *e)
{
	struct stat st;
	const char *why;

	*replaced = NULL;
	if (lstat(dir, &st) < 0)
		return nerr_set(e, -errno, "dnsmasq directory %s: %s", dir, strerror(errno));
	if ((why = not_ours(&st, true)))
		return nerr_set(e, -EPERM,
				"dnsmasq directory %s: %s; it must be a directory of root's, "
				"writable by root alone",
				dir, why);
	for (int tries = 0; tries < 3; tries++) {
		_cleanup_close_ int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0 && errno == ENOENT) {
			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd >= 0)
				return 0;
			if (errno == EEXIST)
				continue;
			return nerr_set(e, -errno, "create leases file %s: %s", path,
					strerror(errno));
		}
		if (fd < 0)
			return nerr_set(e, -errno, "leases file %s: %s", path, strerror(errno));
		if (fstat(fd, &st) < 0)
			return nerr_set(e, -errno, "leases file %s: %s", path, strerror(errno));
		if (!(why = not_ours(&st, false)))
			return 0;
		if (S_ISDIR(st.st_mode))
			return nerr_set(e, -EISDIR, "leases file %s: a directory (remove it)",
					path);
		if (unlink(path) < 0 && errno != ENOENT)
			return nerr_set(e, -errno, "leases file %s is %s: remove: %s", path, why,
					strerror(errno));
		*replaced = why;
	}
	return nerr_set(e, -EAGAIN, "leases file %s: keeps changing under netd", path);
}
