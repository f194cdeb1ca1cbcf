#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

/* The lock file is created where it is missing, never through a link:
 * O_CREAT would follow a symbolic link and create its target. What is
 * there must be a regular file (a FIFO would take O_RDWR, and flock works
 * on most things); anything else is refused with the fix. */
static int lock_open(const char *path, struct nerr *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0 && errno == ELOOP)
		return nerr_set(e, -ELOOP,
				"open lock %s: a symbolic link, not netd's lock (remove it)", path);
	if (fd < 0)
		return nerr_set(e, -errno, "open lock %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return nerr_set(e, -errno, "open lock %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nerr_set(e, -ND_ENOTREG, "open lock %s: not a regular file (remove it)",
				path);
	return TAKE_FD(fd);
}

int store_open(struct store *s, bool lock, struct nerr *e)
{
	int r;

	s->lock_fd = -1;
	r = paths_init(&s->p);
	if (r < 0)
		return nerr_set(e, r, "netd paths: %s (NETD_*_DIR must be absolute and short)",
				strerror(-r));
	if (!lock)
		return 0;
	r = nd_mkdir_p(s->p.run_dir, 0755);
	if (r < 0)
		return nerr_set(e, r, "create %s: %s", s->p.run_dir, strerror(-r));
	if ((r = lock_open(s->p.lock_file, e)) < 0)
		return r;
	s->lock_fd = r;
	while (flock(s->lock_fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		r = -errno;
		close(s->lock_fd);
		s->lock_fd = -1;
		return nerr_set(e, r, "lock %s: %s", s->p.lock_file, strerror(-r));
	}
	return 0;
}

void store_close(struct store *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	s->lock_fd = -1;
}

/* The n-th white-space separated field of line [l, end), copied into buf. */
static bool locks_field(const char *l, const char *end, int n, char *buf, size_t len)
{
	for (int k = 0; l < end; k++) {
		while (l < end && (*l == ' ' || *l == '\t'))
			l++;
		const char *f = l;

		while (l < end && *l != ' ' && *l != '\t')
			l++;
		if (k < n || f == l)
			continue;
		if ((size_t)(l - f) >= len)
			return false;
		memcpy(buf, f, (size_t)(l - f));
		buf[l - f] = '\0';
		return true;
	}
	return false;
}

/* "fe:01:1234" (major and minor in hex, the inode in decimal). */
static bool locks_dev_ino(const char *s, dev_t dev, ino_t ino)
{
	char *end;
	unsigned long maj = strtoul(s, &end, 16), min, i;

	if (*end != ':')
		return false;
	min = strtoul(end + 1, &end, 16);
	if (*end != ':')
		return false;
	i = strtoul(end + 1, &end, 10);
	return *end == '\0' && maj == major(dev) && min == minor(dev) && i == (unsigned long)ino;
}

int store_locks_find(const char *locks, dev_t dev, ino_t ino, long *pid)
{
	for (const char *l = locks; l && *l;) {
		const char *nl = strchr(l, '\n'), *end = nl ? nl : l + strlen(l);
		char arrow[8], pidf[24], id[64];

		/* "1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF"; a waiter's
		 * line has "->" after the number */
		if (locks_field(l, end, 1, arrow, sizeof arrow) && strcmp(arrow, "->") != 0 &&
		    locks_field(l, end, 4, pidf, sizeof pidf) &&
		    locks_field(l, end, 5, id, sizeof id) && locks_dev_ino(id, dev, ino)) {
			char *e;
			long p = strtol(pidf, &e, 10);

			*pid = *e == '\0' && p > 0 ? p : 0;
			return 1;
		}
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

int store_lock_holder(const struct store *s, long *pid)
{
	_cleanup_free_ char *locks = NULL;
	struct stat st;

	*pid = 0;
	if (stat(s->p.lock_file, &st) < 0 || nd_read_file("/proc/locks", &locks, NULL) < 0)
		return 0;
	return store_locks_find(locks, st.st_dev, st.st_ino, pid);
}

static int conf_path(const struct store *s, const char *name, char *buf, size_t len)
{
	if (!net_name_ok(name))
		return -EINVAL;
	return nd_snprintf(buf, len, "%s/%s.xml", s->p.conf_dir, name);
}

int store_conf_path(const struct store *s, const char *name, char *buf, size_t len)
{
	return conf_path(s, name, buf, len);
}

static int autostart_path(const struct store *s, const char *name, char *buf, size_t len)
{
	if (!net_name_ok(name))
		return -EINVAL;
	return nd_snprintf(buf, len, "%s/%s.xml", s->p.autostart_dir, name);
}

int store_runtime_path(const struct store *s, const char *name, char *buf, size_t len)
{
	if (!net_name_ok(name))
		return -EINVAL;
	return nd_snprintf(buf, len, "%s/%s.xml", s->p.run_dir, name);
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool store_exists(const struct store *s, const char *name)
{
	char path[PATH_MAX];

	return conf_path(s, name, path, sizeof path) == 0 && path_exists(path);
}

bool store_autostart(const struct store *s, const char *name)
{
	char path[PATH_MAX];

	return autostart_path(s, name, path, sizeof path) == 0 && path_exists(path);
}

bool store_active(const struct store *s, const char *name)
{
	char path[PATH_MAX];

	return store_runtime_path(s, name, path, sizeof path) == 0 && path_exists(path);
}

void store_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_names(const struct store *s, char ***names, size_t *count, struct nerr *e)
{
	DIR *d;
	struct dirent *de;
	char **list = NULL;
	size_t n = 0;

	*names = NULL;
	*count = 0;
	d = opendir(s->p.conf_dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return nerr_set(e, -errno, "read %s: %s", s->p.conf_dir, strerror(errno));
	}
	while ((de = readdir(d))) {
		char name[NET_NAME_MAX + 1];
		size_t len = strlen(de->d_name);
		char **slot;

		/* Only NAME.xml with a valid NAME: editors' backups and our
		 * own temp files are not networks. */
		if (len < 5 || len - 4 > NET_NAME_MAX || strcmp(de->d_name + len - 4, ".xml") != 0)
			continue;
		memcpy(name, de->d_name, len - 4);
		name[len - 4] = '\0';
		if (!net_name_ok(name))
			continue;
		slot = nd_array_push(&list, &n, sizeof *list, 1u << 20);
		if (!slot || !(*slot = strdup(name))) {
			if (slot)
				n--;
			closedir(d);
			store_names_free(list, n);
			return nerr_set(e, -ENOMEM, "list networks: out of memory");
		}
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof *list, cmp_str);
	*names = list;
	*count = n;
	return 0;
}

int store_load(const struct store *s, const char *name, struct net *n, struct nerr *e)
{
	char path[PATH_MAX];
	int r;

	memset(n, 0, sizeof *n);
	if (!net_name_ok(name))
		return nerr_set(e, -EINVAL,
				"'%s' is not a network name (letters, digits, '-', '_', '.')",
				name);
	r = conf_path(s, name, path, sizeof path);
	if (r < 0)
		return nerr_set(e, r, "network %s: config path too long", name);
	if (!path_exists(path))
		return nerr_set(e, -ENOENT, "network %s: not defined (no %s)", name, path);
	r = net_load_file(path, n, e);
	if (r < 0)
		return r;
	if (strcmp(n->name, name) != 0) {
		net_free(n);
		return nerr_set(e, -EINVAL, "%s: names network '%s', expected '%s'", path, n->name,
				name);
	}
	return 0;
}

/* Every defined network, each parsed once; an entry whose config does not
 * load has its name and no model (net.name empty) and its error. */
struct store_all {
	size_t n;
	struct net *nets;
	char (*names)[NET_NAME_MAX + 1];
	struct nerr *errs;
};

static void store_all_free(struct store_all *a)
{
	for (size_t i = 0; i < a->n; i++)
		net_free(&a->nets[i]);
	free(a->nets);
	free(a->names);
	free(a->errs);
}

static int store_all_load(const struct store *s, struct store_all *a, struct nerr *e)
{
	char **names = NULL;
	size_t count = 0;
	int r;

	memset(a, 0, sizeof *a);
	if ((r = store_names(s, &names, &count, e)) < 0)
		return r;
	a->nets = calloc(count + 1, sizeof *a->nets);
	a->names = calloc(count + 1, sizeof *a->names);
	a->errs = calloc(count + 1, sizeof *a->errs);
	if (!a->nets || !a->names || !a->errs) {
		store_names_free(names, count);
		return nerr_set(e, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < count; i++, a->n++) {
		nd_strlcpy(a->names[i], names[i], sizeof a->names[i]);
		if (store_load(s, names[i], &a->nets[i], &a->errs[i]) < 0)
			memset(&a->nets[i], 0, sizeof a->nets[i]);
	}
	store_names_free(names, count);
	return 0;
}

/* "network N: WHAT_A A/PA overlaps WHAT_B B/PB of network O" when the two
 * subnets share an address; 0 when they do not. */
static int clash_one(const struct net *n, const char *what_a, const struct net_addr *a, unsigned pa,
		     const struct net *o, const char *what_b, const struct net_addr *b, unsigned pb,
		     struct nerr *e)
{
	char x[64], y[64];

	if (!net_subnets_overlap(a, pa, b, pb))
		return 0;
	net_addr_str(a, x, sizeof x);
	net_addr_str(b, y, sizeof y);
	return nerr_set(e, -EEXIST, "network %s: %s %s/%u overlaps %s %s/%u of network %s", n->name,
			what_a, x, pa, what_b, y, pb, o->name);
}

/* A <route> of one network to a subnet that the other has, or routes too:
 * only one of them can have it. */
static int check_route_clash(const struct net *n, const struct net *o, struct nerr *e)
{
	int r;

	for (size_t i = 0; i < n->n_routes; i++) {
		const struct net_route *a = &n->routes[i];

		for (size_t k = 0; k < o->n_ips; k++)
			if ((r = clash_one(n, "<route> to", &a->addr, a->prefix, o, "subnet",
					   &o->ips[k].addr, o->ips[k].prefix, e)) < 0)
				return r;
		for (size_t k = 0; k < o->n_routes; k++)
			if ((r = clash_one(n, "<route> to", &a->addr, a->prefix, o,
					   "the <route> to", &o->routes[k].addr,
					   o->routes[k].prefix, e)) < 0)
				return r;
	}
	for (size_t i = 0; i < n->n_ips; i++)
		for (size_t k = 0; k < o->n_routes; k++)
			if ((r = clash_one(n, "subnet", &n->ips[i].addr, n->ips[i].prefix, o,
					   "the <route> to", &o->routes[k].addr,
					   o->routes[k].prefix, e)) < 0)
				return r;
	return 0;
}

/* Does 'n' clash with the other defined network 'o'? */
static int check_clash(const struct net *n, const struct net *o, struct nerr *e)
{
	char u[37];

	if (n->has_uuid && memcmp(n->uuid, o->uuid, 16) == 0) {
		net_uuid_str(n->uuid, u);
		return nerr_set(e, -EEXIST, "network %s: uuid %s is already used by network %s",
				n->name, u, o->name);
	}
	if (n->bridge[0] && strcmp(n->bridge, o->bridge) == 0)
		return nerr_set(e, -EEXIST, "network %s: bridge %s is already used by network %s",
				n->name, n->bridge, o->name);
	for (size_t i = 0; i < n->n_ips; i++)
		for (size_t k = 0; k < o->n_ips; k++) {
			const struct net_ip *a = &n->ips[i], *b = &o->ips[k];
			char x[64], y[64];

			if (!net_ips_overlap(a, b))
				continue;
			net_addr_str(&a->addr, x, sizeof x);
			net_addr_str(&b->addr, y, sizeof y);
			return nerr_set(e, -EEXIST,
					"network %s: subnet %s/%u overlaps %s/%u of network %s",
					n->name, x, a->prefix, y, b->prefix, o->name);
		}
	return check_route_clash(n, o, e);
}

/* Keep what the previous definition generated when the new one leaves it
 * out, so that redefining a network does not change its identity. */
static int inherit(struct net *n, const struct net *old, struct nerr *e)
{
	char u[37];

	if (n->has_uuid && memcmp(n->uuid, old->uuid, 16) != 0) {
		net_uuid_str(old->uuid, u);
		return nerr_set(e, -EEXIST,
				"network %s: already defined with uuid %s; a definition with "
				"another uuid cannot replace it",
				n->name, u);
	}
	memcpy(n->uuid, old->uuid, 16);
	n->has_uuid = true;
	if (!n->bridge[0])
		nd_strlcpy(n->bridge, old->bridge, sizeof n->bridge);
	if (!n->has_mac && old->has_mac) {
		memcpy(n->mac, old->mac, 6);
		n->has_mac = true;
	}
	return 0;
}

static int check_others(const struct store_all *all, struct net *n, struct nerr *e)
{
	int r = 0;

	for (size_t i = 0; i < all->n && r == 0; i++) {
		const struct net *o = &all->nets[i];

		if (!o->name[0]) {
			*e = all->errs[i];
			return nerr_wrap(e, -EINVAL, "network %s: cannot check for clashes with %s",
					 n->name, all->names[i]);
		}
		if (strcmp(o->name, n->name) == 0)
			r = inherit(n, o, e);
		else
			r = check_clash(n, o, e);
	}
	return r;
}

/* An auto-named bridge avoids the other networks' bridges and every
 * interface the host has now (a leftover libvirt virbr0, say), as libvirt
 * does: start would otherwise fail on the name. */
static int fill_defaults(const struct store_all *all, struct net *n, struct nerr *e)
{
	struct if_nameindex *ifs = NULL;
	_cleanup_free_ const char **taken = NULL;
	size_t k = 0, n_ifs = 0;
	int r;

	if (n->bridge[0])
		return net_fill_defaults(n, NULL, e);
	if ((ifs = if_nameindex()))
		while (ifs[n_ifs].if_index)
			n_ifs++;
	taken = calloc(all->n + n_ifs + 1, sizeof *taken);
	if (!taken) {
		r = nerr_set(e, -ENOMEM, "out of memory");
	} else {
		for (size_t i = 0; i < all->n; i++)
			if (all->nets[i].bridge[0] && strcmp(all->names[i], n->name) != 0)
				taken[k++] = all->nets[i].bridge;
		for (size_t i = 0; i < n_ifs; i++)
			taken[k++] = ifs[i].if_name;
		r = net_fill_defaults(n, taken, e);
	}
	if (ifs)
		if_freenameindex(ifs);
	return r;
}

int store_fill_defaults(const struct store *s, struct net *n, struct nerr *e)
{
	__attribute__((cleanup(store_all_free))) struct store_all all = { 0 };
	int r;

	if (n->bridge[0])
		return net_fill_defaults(n, NULL, e);
	if ((r = store_all_load(s, &all, e)) < 0)
		return r;
	return fill_defaults(&all, n, e);
}

int store_check_transient(const struct store *s, struct net *n, struct nerr *e)
{
	__attribute__((cleanup(store_all_free))) struct store_all all = { 0 };
	int r;

	if (store_exists(s, n->name))
		return nerr_set(e, -EEXIST,
				"network %s: a network of that name is defined; start it by "
				"name (netd start %s) or give the file another name",
				n->name, n->name);
	if ((r = store_all_load(s, &all, e)) < 0 || (r = check_others(&all, n, e)) < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
		return r;
	return fill_defaults(&all, n, e);
}

int store_define(struct store *s, struct net *n, bool *replaced, struct nerr *e)
{
	__attribute__((cleanup(store_all_free))) struct store_all all = { 0 };
	char path[PATH_MAX];
	_cleanup_free_ char *xml = NULL;
	int r;

	*replaced = store_exists(s, n->name);
	if ((r = store_all_load(s, &all, e)) < 0 || (r = check_others(&all, n, e)) < 0 ||
	    (r = fill_defaults(&all, n, e)) < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees it */
		return r;
	xml = net_format_string(n);
	if (!xml)
		return nerr_set(e, -ENOMEM, "network %s: format: out of memory", n->name);
	if ((r = nd_mkdir_p(s->p.conf_dir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", s->p.conf_dir, strerror(-r));
	if ((r = conf_path(s, n->name, path, sizeof path)) < 0)
		return nerr_set(e, r, "network %s: config path too long", n->name);
	r = nd_write_atomic(path, xml, strlen(xml), 0644);
	if (r < 0)
		return nerr_set(e, r, "network %s: write %s: %s", n->name, path, strerror(-r));
	return 0;
}

int store_undefine(struct store *s, const char *name, struct nerr *e)
{
	char path[PATH_MAX], mark[PATH_MAX];

	if (!store_exists(s, name))
		return nerr_set(e, -ENOENT, "network %s: not defined", name);
	if (store_active(s, name))
		return nerr_set(e, -EBUSY, "network %s: is running; stop it first (netd stop %s)",
				name, name);
	if (conf_path(s, name, path, sizeof path) < 0 ||
	    autostart_path(s, name, mark, sizeof mark) < 0)
		return nerr_set(e, -ENAMETOOLONG, "network %s: path too long", name);
	/* The mark first: a crash in between leaves a network that does not
	 * autostart, never a mark pointing at nothing. */
	if (unlink(mark) < 0 && errno != ENOENT)
		return nerr_set(e, -errno, "network %s: remove %s: %s", name, mark,
				strerror(errno));
	if (unlink(path) < 0)
		return nerr_set(e, -errno, "network %s: remove %s: %s", name, path,
				strerror(errno));
	return 0;
}

int store_set_autostart(struct store *s, const char *name, bool on, struct nerr *e)
{
	char mark[PATH_MAX], target[PATH_MAX];
	int r;

	if (!store_exists(s, name))
		return nerr_set(e, -ENOENT, "network %s: not defined", name);
	if ((r = autostart_path(s, name, mark, sizeof mark)) < 0 ||
	    (r = nd_snprintf(target, sizeof target, "../%s.xml", name)) < 0)
		return nerr_set(e, r, "network %s: path too long", name);
	if (!on) {
		if (unlink(mark) < 0 && errno != ENOENT)
			return nerr_set(e, -errno, "network %s: remove %s: %s", name, mark,
					strerror(errno));
		return 0;
	}
	if ((r = nd_mkdir_p(s->p.autostart_dir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", s->p.autostart_dir, strerror(-r));
	/* A relative symlink, as libvirt makes: the mark follows the config
	 * when the whole tree is relocated. */
	if (symlink(target, mark) < 0 && errno != EEXIST)
		return nerr_set(e, -errno, "network %s: create %s: %s", name, mark,
				strerror(errno));
	return 0;
}
