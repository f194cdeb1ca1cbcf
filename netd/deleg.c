/* delegation.conf; see deleg.h. */
#include "deleg.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define DELEG_FILE_MAX (64u << 10)

int deleg_duration(const char *s, uint64_t *out)
{
	static const struct {
		char unit;
		uint64_t mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	uint64_t mult = 1, v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(units) && units[i].unit != *end; i++)
			;
		if (i == ARRAY_SIZE(units) || end[1])
			return -EINVAL;
		mult = units[i].mult;
	}
	/* a year is plenty for a lease, and keeps every product in range */
	if (v > 366ULL * 86400 / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

/* A user or group name as shadow-utils takes it by default. */
static bool account_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > DELEG_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.' ||
		      (s[i] == '$' && i == len - 1)))
			return false;
	return true;
}

static int names(char *val, char (*list)[DELEG_NAME_MAX + 1], size_t *n, const char *file,
		 unsigned no, const char *key, struct nerr *e)
{
	*n = 0;
	for (char *save = NULL, *w = strtok_r(val, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		if (!account_name_ok(w))
			return nerr_set(e, -EINVAL, "%s:%u: %s: '%.40s' is not a %s name", file, no,
					key, w, strcmp(key, "users") == 0 ? "user" : "group");
		if (*n == DELEG_NAMES_MAX)
			return nerr_set(e, -E2BIG, "%s:%u: %s: more than %d names", file, no, key,
					DELEG_NAMES_MAX);
		nd_strlcpy(list[(*n)++], w, DELEG_NAME_MAX + 1);
	}
	return 0;
}

static int subnet(const char *val, int family, struct net_addr *a, unsigned *prefix,
		  const char *file, unsigned no, const char *key, struct nerr *e)
{
	char buf[64], *slash, *end;
	unsigned long p;
	struct net_addr m;

	if (nd_strlcpy(buf, val, sizeof buf) >= sizeof buf || !(slash = strchr(buf, '/')))
		goto bad;
	*slash = '\0';
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (net_addr_parse(buf, a) < 0 || a->family != family || errno || *end || slash[1] < '0' ||
	    slash[1] > '9' || p > (family == AF_INET ? 32u : 128u))
		goto bad;
	*prefix = (unsigned)p;
	net_addr_mask(a, *prefix, &m);
	if (memcmp(m.u.b, a->u.b, sizeof m.u.b) != 0)
		return nerr_set(e, -EINVAL, "%s:%u: %s: '%s' has host bits set", file, no, key,
				val);
	return 0;
bad:
	return nerr_set(e, -EINVAL, "%s:%u: %s: expected an %s subnet ADDRESS/PREFIX, not '%.60s'",
			file, no, key, family == AF_INET ? "IPv4" : "IPv6", val);
}

static int number(const char *val, unsigned lo, unsigned hi, unsigned *out, const char *file,
		  unsigned no, const char *key, struct nerr *e)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (val[0] < '0' || val[0] > '9' || errno || *end || v < lo || v > hi)
		return nerr_set(e, -EINVAL,
				"%s:%u: %s: expected a number from %u to %u, not '%.40s'", file, no,
				key, lo, hi, val);
	*out = (unsigned)v;
	return 0;
}

static int forwards(char *val, struct deleg_policy *pol, const char *file, unsigned no,
		    struct nerr *e)
{
	pol->nat = pol->isolated = false;
	for (char *save = NULL, *w = strtok_r(val, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		if (strcmp(w, "nat") == 0)
			pol->nat = true;
		else if (strcmp(w, "isolated") == 0)
			pol->isolated = true;
		else
			return nerr_set(e, -EINVAL,
					"%s:%u: forward: '%.40s' is not a kind users may have "
					"(nat, isolated; route and bridge reach the host's own "
					"networks and stay the admin's)",
					file, no, w);
	}
	if (!pol->nat && !pol->isolated)
		return nerr_set(e, -EINVAL, "%s:%u: forward: give nat, isolated or both", file, no);
	return 0;
}

struct deleg_parse {
	const char *file;
	struct deleg_policy *pol;
};

static int deleg_line(const char *key, char *val, unsigned no, void *arg, struct nerr *e)
{
	const char *file = ((struct deleg_parse *)arg)->file;
	struct deleg_policy *pol = ((struct deleg_parse *)arg)->pol;

	if (strcmp(key, "users") == 0)
		return names(val, pol->users, &pol->n_users, file, no, key, e);
	if (strcmp(key, "groups") == 0)
		return names(val, pol->groups, &pol->n_groups, file, no, key, e);
	if (strcmp(key, "pool") == 0)
		return subnet(val, AF_INET, &pol->pool, &pol->pool_prefix, file, no, key, e);
	if (strcmp(key, "pool6") == 0) {
		int r = subnet(val, AF_INET6, &pol->pool6, &pol->pool6_prefix, file, no, key, e);

		if (r == 0 && pol->pool6_prefix > 63)
			return nerr_set(
				e, -EINVAL,
				"%s:%u: pool6: /%u holds no /64 for a network (at most /63)", file,
				no, pol->pool6_prefix);
		return r;
	}
	if (strcmp(key, "prefix") == 0)
		return number(val, 16, 29, &pol->prefix, file, no, key, e);
	if (strcmp(key, "max-networks") == 0)
		return number(val, 1, 64, &pol->max_networks, file, no, key, e);
	if (strcmp(key, "forward") == 0)
		return forwards(val, pol, file, no, e);
	if (strcmp(key, "lease-time") == 0 || strcmp(key, "max-lease-time") == 0) {
		uint64_t *t = key[0] == 'l' ? &pol->lease_time : &pol->max_lease_time;

		if (deleg_duration(val, t) < 0 || *t < 120)
			return nerr_set(e, -EINVAL,
					"%s:%u: %s: expected a duration of 2m or more (120, 90m, "
					"12h, 1d), not '%.40s'",
					file, no, key, val);
		return 0;
	}
	return nerr_set(
		e, -EINVAL,
		"%s:%u: unknown setting '%.40s' (known: users, groups, pool, prefix, pool6, "
		"max-networks, forward, lease-time, max-lease-time)",
		file, no, key);
}

int deleg_parse(const char *text, const char *file, struct deleg_policy *pol, struct nerr *e)
{
	struct deleg_parse dp = { .file = file, .pol = pol };
	int r;

	memset(pol, 0, sizeof *pol);
	pol->prefix = 24;
	pol->max_networks = 2;
	pol->nat = pol->isolated = true;
	pol->lease_time = 3600;
	pol->max_lease_time = 86400;
	if ((r = nd_conf_parse(text, file, 4096, deleg_line, &dp, e)) < 0)
		return r;
	if (pol->pool.family && pol->pool_prefix < 8)
		return nerr_set(e, -EINVAL, "%s: pool /%u: give a pool of /8 or smaller", file,
				pol->pool_prefix);
	if (pol->pool.family && pol->prefix < pol->pool_prefix)
		return nerr_set(e, -EINVAL, "%s: prefix /%u is larger than the pool (/%u)", file,
				pol->prefix, pol->pool_prefix);
	if (pol->lease_time > pol->max_lease_time)
		return nerr_set(e, -EINVAL, "%s: lease-time is longer than max-lease-time", file);
	return 0;
}

/* Root owns it and no one else can write it: the file, and every directory
 * up to /. */
static int trusted(const char *path, const struct stat *st, struct nerr *e)
{
	char buf[PATH_MAX];
	struct stat ds;

	if (st->st_uid != 0 || (st->st_mode & 022))
		return nerr_set(e, -EPERM,
				"%s: not trusted: it must belong to root and be writable by no "
				"one else (chown root: %s; chmod go-w %s)",
				path, path, path);
	if (nd_strlcpy(buf, path, sizeof buf) >= sizeof buf)
		return nerr_set(e, -ENAMETOOLONG, "%s: path too long", path);
	for (char *d = dirname(buf);; d = dirname(d)) {
		if (stat(d, &ds) < 0)
			return nerr_set(e, -errno, "%s: %s", d, strerror(errno));
		if (ds.st_uid != 0 || (ds.st_mode & 022))
			return nerr_set(e, -EPERM,
					"%s: not trusted: directory %s can be changed by someone "
					"other than root (chown root: %s; chmod go-w %s)",
					path, d, d, d);
		if (strcmp(d, "/") == 0 || strcmp(d, ".") == 0)
			return 0;
	}
}

int deleg_load(const struct nd_paths *p, struct deleg_policy *pol, struct nerr *e)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = open(p->deleg_conf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return nerr_set(e, -ENOENT,
				"delegation is not set up on this host: %s does not exist (an "
				"admin writes it: see netd(8), DELEGATION)",
				p->deleg_conf);
	if (fd < 0)
		return nerr_set(e, -errno, "%s: %s", p->deleg_conf,
				errno == ELOOP ? "a symbolic link (refused)" : strerror(errno));
	if (fstat(fd, &st) < 0)
		return nerr_set(e, -errno, "%s: %s", p->deleg_conf, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nerr_set(e, -ND_ENOTREG, "%s: not a regular file", p->deleg_conf);
	if ((r = trusted(p->deleg_conf, &st, e)) < 0)
		return r;
	if ((r = nd_read_fd_max(fd, DELEG_FILE_MAX, &text, NULL)) < 0)
		return nerr_set(e, r, "read %s: %s", p->deleg_conf, nd_strerror(r));
	return deleg_parse(text, p->deleg_conf, pol, e);
}

bool deleg_covers(const struct deleg_policy *pol, const char *user, const gid_t *gids,
		  size_t n_gids)
{
	for (size_t i = 0; i < pol->n_users; i++)
		if (strcmp(pol->users[i], user) == 0)
			return true;
	for (size_t i = 0; i < pol->n_groups; i++) {
		struct group gr, *res = NULL;
		char buf[16384];

		if (getgrnam_r(pol->groups[i], &gr, buf, sizeof buf, &res) != 0 || !res)
			continue;
		for (size_t k = 0; k < n_gids; k++)
			if (gids[k] == gr.gr_gid)
				return true;
	}
	return false;
}
