/* The runtime record; see record.h. */
#include "record.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int record_write(const struct store *s, const struct net *n, struct nerr *e)
{
	char path[PATH_MAX];
	_cleanup_free_ char *xml = NULL;
	int r;

	if ((r = nd_mkdir_p(s->p.run_dir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", s->p.run_dir, strerror(-r));
	if ((r = store_runtime_path(s, n->name, path, sizeof path)) < 0)
		return nerr_set(e, r, "network %s: runtime path too long", n->name);
	xml = net_format_string(n);
	if (!xml)
		return nerr_set(e, -ENOMEM, "network %s: out of memory", n->name);
	r = nd_write_atomic(path, xml, strlen(xml), 0644);
	if (r < 0)
		return nerr_set(e, r, "network %s: write %s: %s", n->name, path, strerror(-r));
	return 0;
}

int record_remove(const struct store *s, const char *name, struct nerr *e)
{
	char path[PATH_MAX];

	if (store_runtime_path(s, name, path, sizeof path) < 0)
		return nerr_set(e, -ENAMETOOLONG, "network %s: runtime path too long", name);
	if (unlink(path) < 0 && errno != ENOENT)
		return nerr_set(e, -errno, "network %s: remove %s: %s", name, path,
				strerror(errno));
	return 0;
}

int record_load(const struct store *s, const char *name, struct net *n, struct nerr *e)
{
	char path[PATH_MAX];
	int r;

	if (!net_name_ok(name))
		return nerr_set(e, -EINVAL, "'%s' is not a network name", name);
	if (!store_active(s, name))
		return nerr_set(e, -ENOTCONN, "network %s: not running", name);
	if ((r = store_runtime_path(s, name, path, sizeof path)) < 0)
		return nerr_set(e, r, "network %s: runtime path too long", name);
	r = net_parse_file(path, n, e);
	if (r == -EACCES || r == -EPERM || r == -ENOMEM || r == -EIO)
		return nerr_wrap(e, r, "network %s: read runtime record %s", name, path);
	if (r == 0 && (r = net_validate(n, e)) < 0 && strcmp(n->name, name) == 0 &&
	    net_ifname_ok(n->bridge))
		return nerr_wrap(e, -ESTALE,
				 "network %s: runtime record %s no longer validates (netd stop %s "
				 "cleans up)",
				 name, path, name);
	if (r < 0) {
		net_free(n);
		return nerr_wrap(
			e, -EUCLEAN,
			"network %s: runtime record %s unreadable (netd stop %s cleans up)", name,
			path, name);
	}
	return 0;
}

/* ---- the last failed start ------------------------------------------------ */

static int error_path(const struct store *s, const char *name, char *path, size_t len, bool dir)
{
	if (!net_name_ok(name))
		return -EINVAL;
	if (dir)
		return nd_snprintf(path, len, "%s/last-error", s->p.state_dir);
	return nd_snprintf(path, len, "%s/last-error/%s", s->p.state_dir, name);
}

int record_error_write(const struct store *s, const char *name, const char *msg, struct nerr *e)
{
	char path[PATH_MAX], prefix[NET_NAME_MAX + 16];
	_cleanup_free_ char *text = NULL;
	int r;

	if (error_path(s, name, path, sizeof path, true) < 0)
		return nerr_set(e, -ENAMETOOLONG, "network %s: last-error path too long", name);
	if ((r = nd_mkdir_p(path, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", path, strerror(-r));
	(void)error_path(s, name, path, sizeof path, false); /* fits: the dir did */
	(void)snprintf(prefix, sizeof prefix, "network %s: ", name);
	if (strncmp(msg, prefix, strlen(prefix)) == 0)
		msg += strlen(prefix);
	/* One line, whatever the message held. */
	if (asprintf(&text, "%s%s\n",
		     strncmp(msg, "start failed", 12) == 0 ? "" : "start failed: ", msg) < 0)
		return nerr_set(e, -ENOMEM, "network %s: out of memory", name);
	for (char *p = text; *p && p[1]; p++)
		if (*p == '\n')
			*p = ' ';
	if ((r = nd_write_atomic(path, text, strlen(text), 0644)) < 0)
		return nerr_set(e, r, "network %s: write %s: %s", name, path, strerror(-r));
	return 0;
}

int record_error_clear(const struct store *s, const char *name, struct nerr *e)
{
	char path[PATH_MAX];

	if (error_path(s, name, path, sizeof path, false) < 0)
		return nerr_set(e, -ENAMETOOLONG, "network %s: last-error path too long", name);
	if (unlink(path) < 0 && errno != ENOENT)
		return nerr_set(e, -errno, "network %s: remove %s: %s", name, path,
				strerror(errno));
	return 0;
}

int record_error_load(const struct store *s, const char *name, char *msg, size_t len, int64_t *when)
{
	_cleanup_free_ char *data = NULL;
	char path[PATH_MAX];
	struct stat st;

	if (error_path(s, name, path, sizeof path, false) < 0 ||
	    nd_read_file(path, &data, NULL) < 0 || stat(path, &st) < 0)
		return 0;
	data[strcspn(data, "\n")] = '\0';
	nd_strlcpy(msg, data, len); /* may be truncated: it is shown, not parsed */
	*when = (int64_t)st.st_mtime;
	return 1;
}
