/* netd.conf; see hostconf.h. */
#include "hostconf.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

static const struct {
	const char *key;
	size_t off;
} hostconf_keys[] = {
	{ "firewalld", offsetof(struct hostconf, firewalld) },
	{ "iptables", offsetof(struct hostconf, iptables) },
};

struct hostconf_parse {
	const char *file;
	struct hostconf *hc;
};

static int hostconf_line(const char *key, char *val, unsigned no, void *arg, struct nerr *e)
{
	const char *file = ((struct hostconf_parse *)arg)->file;
	struct hostconf *hc = ((struct hostconf_parse *)arg)->hc;

	for (size_t i = 0; i < ARRAY_SIZE(hostconf_keys); i++) {
		bool *v = (bool *)((char *)hc + hostconf_keys[i].off);

		if (strcmp(key, hostconf_keys[i].key) != 0)
			continue;
		if (strcmp(val, "yes") == 0)
			*v = true;
		else if (strcmp(val, "no") == 0)
			*v = false;
		else
			return nerr_set(e, -EINVAL, "%s:%u: %s: expected yes or no, not '%s'", file,
					no, key, val);
		return 0;
	}
	return nerr_set(e, -EINVAL, "%s:%u: unknown setting '%s' (known: firewalld, iptables)",
			file, no, key);
}

int hostconf_parse(const char *text, const char *file, struct hostconf *hc, struct nerr *e)
{
	struct hostconf_parse hp = { .file = file, .hc = hc };

	*hc = (struct hostconf){ .firewalld = true, .iptables = true };
	return nd_conf_parse(text, file, 256, hostconf_line, &hp, e);
}

int hostconf_load(const struct nd_paths *p, struct hostconf *hc, struct nerr *e)
{
	_cleanup_free_ char *text = NULL;
	int r = nd_read_file(p->host_conf, &text, NULL);

	if (r == -ENOENT)
		return hostconf_parse("", p->host_conf, hc, e);
	if (r < 0)
		return nerr_set(e, r, "read %s: %s", p->host_conf, nd_strerror(r));
	return hostconf_parse(text, p->host_conf, hc, e);
}
