/* The guests of a network. A bridge port says nothing of who uses it; for
 * a tap, the process behind it is the one with /dev/net/tun open whose
 * fdinfo names the tap ("iff:\ttap0", since Linux 3.14). */
#include "guests.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

#define GUESTS_PATH 160

void guests_free(struct guests *gs)
{
	free(gs->g);
	gs->g = NULL;
	gs->n = 0;
}

int guests_find(struct nl_sock *sk, const char *bridge, struct guests *gs, struct nerr *e)
{
	_cleanup_free_ struct bridge_port *ports = NULL;
	size_t n = 0;
	int r;

	gs->g = NULL;
	gs->n = 0;
	if ((r = bridge_ports(sk, bridge, &ports, &n, e)) < 0)
		return r;
	if (!n)
		return 0;
	gs->g = calloc(n, sizeof *gs->g);
	if (!gs->g)
		return nerr_set(e, -ENOMEM, "bridge %s: list guests: out of memory", bridge);
	gs->n = n;
	for (size_t i = 0; i < n; i++) {
		nd_strlcpy(gs->g[i].port, ports[i].name, sizeof gs->g[i].port);
		nd_strlcpy(gs->g[i].kind, ports[i].kind, sizeof gs->g[i].kind);
	}
	guests_tap_owners("/proc", gs->g, gs->n);
	return 0;
}

/* The first line of a small /proc file, without its newline; "" when it
 * cannot be read. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* The tap a tun fd is attached to, from its fdinfo; false when none. */
static bool fd_tap(const char *proc, const char *pid, const char *fd, char *tap, size_t len)
{
	char path[GUESTS_PATH], line[128];
	bool found = false;
	FILE *f;

	if (nd_snprintf(path, sizeof path, "%s/%s/fdinfo/%s", proc, pid, fd) < 0 ||
	    !(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		if (strncmp(line, "iff:", 4) != 0)
			continue;
		char *v = line + 4 + strspn(line + 4, " \t");

		v[strcspn(v, "\n")] = '\0';
		found = v[0] && nd_strlcpy(tap, v, len) < len;
		break;
	}
	fclose(f);
	return found;
}

static uid_t status_uid(const char *proc, const char *pid)
{
	char path[GUESTS_PATH], line[256];
	uid_t uid = (uid_t)-1;
	unsigned long u;
	FILE *f;

	if (nd_snprintf(path, sizeof path, "%s/%s/status", proc, pid) < 0 ||
	    !(f = fopen(path, "re")))
		return uid;
	while (uid == (uid_t)-1 && fgets(line, sizeof line, f)) {
		char *end;

		if (strncmp(line, "Uid:", 4) != 0)
			continue;
		errno = 0;
		u = strtoul(line + 4, &end, 10);
		if (errno == 0 && end != line + 4 && u < (unsigned long)(uid_t)-1)
			uid = (uid_t)u;
		break;
	}
	fclose(f);
	return uid;
}

static struct guest *guest_of(struct guest *g, size_t n, const char *tap)
{
	for (size_t i = 0; i < n; i++)
		if (!g[i].pid && strcmp(g[i].port, tap) == 0)
			return &g[i];
	return NULL;
}

/* A tap's name is unique per network namespace only: a process in another
 * one holds another namespace's tap0. */
static bool same_netns(const char *proc, const char *pid, const char *ours)
{
	char path[GUESTS_PATH], ns[64];
	ssize_t len;

	if (nd_snprintf(path, sizeof path, "%s/%s/ns/net", proc, pid) < 0)
		return false;
	len = readlink(path, ns, sizeof ns - 1);
	if (len < 0)
		return false;
	ns[len] = '\0';
	return strcmp(ns, ours) == 0;
}

static void scan_pid(const char *proc, const char *pid, struct guest *g, size_t n)
{
	char path[GUESTS_PATH], target[32], tap[16];
	struct dirent *de;
	DIR *d;

	if (nd_snprintf(path, sizeof path, "%s/%s/fd", proc, pid) < 0 || !(d = opendir(path)))
		return;
	while ((de = readdir(d))) {
		char link[GUESTS_PATH];
		struct guest *x;
		ssize_t len;

		if (de->d_name[0] == '.' ||
		    nd_snprintf(link, sizeof link, "%s/%s", path, de->d_name) < 0)
			continue;
		len = readlink(link, target, sizeof target - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "/dev/net/tun") != 0 ||
		    !fd_tap(proc, pid, de->d_name, tap, sizeof tap) || !(x = guest_of(g, n, tap)))
			continue;
		x->pid = (pid_t)strtol(pid, NULL, 10);
		x->uid = status_uid(proc, pid);
		/* both fit: no longer than the fd path being walked */
		if (nd_snprintf(path, sizeof path, "%s/%s/comm", proc, pid) == 0)
			read_line(path, x->comm, sizeof x->comm);
		if (nd_snprintf(path, sizeof path, "%s/%s/fd", proc, pid) < 0)
			break;
	}
	closedir(d);
}

void guests_tap_owners(const char *proc, struct guest *g, size_t n)
{
	char path[GUESTS_PATH], ours[64];
	struct dirent *de;
	ssize_t len;
	DIR *d;

	if (!n || nd_snprintf(path, sizeof path, "%s/self/ns/net", proc) < 0)
		return;
	len = readlink(path, ours, sizeof ours - 1);
	if (len < 0 || !(d = opendir(proc)))
		return;
	ours[len] = '\0';
	while ((de = readdir(d))) {
		if (!nd_is_digit(de->d_name[0]) || !same_netns(proc, de->d_name, ours))
			continue;
		scan_pid(proc, de->d_name, g, n);
	}
	closedir(d);
}

static void user_str(uid_t uid, char *buf, size_t len)
{
	if (uid != (uid_t)-1)
		nd_user_name(uid, buf, len);
	else
		(void)snprintf(buf, len, "?");
}

void guests_str(const struct guests *gs, char *buf, size_t len)
{
	struct sbuf s = { 0 };
	_cleanup_free_ char *out = NULL;

	for (size_t i = 0; i < gs->n; i++) {
		const struct guest *x = &gs->g[i];
		char user[64];

		sbuf_printf(&s, "%s%s", i ? ", " : "", x->port);
		if (!x->pid)
			continue;
		user_str(x->uid, user, sizeof user);
		sbuf_printf(&s, " (%s pid %ld, user %s)", x->comm[0] ? x->comm : "?", (long)x->pid,
			    user);
	}
	out = sbuf_finish(&s);
	if (!len)
		return;
	if (!out) {
		nd_strlcpy(buf, "?", len);
		return;
	}
	if (nd_strlcpy(buf, out, len) >= len && len > 6)
		memcpy(buf + len - 6, ", ...", 6);
}
