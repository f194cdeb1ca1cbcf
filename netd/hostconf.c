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

static int hostconf_line(char *line, const char *file, unsigned no, struct hostconf *hc,
			 struct nerr *e)
{
	char *eq = strchr(line, '=');
	const char *key, *val;

	if (!eq)
		return nerr_set(e, -EINVAL, "%s:%u: expected KEY = VALUE", file, no);
	*eq = '\0';
	key = nd_trim(line);
	val = nd_trim(eq + 1);
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
	unsigned no = 0;
	int r;

	*hc = (struct hostconf){ .firewalld = true, .iptables = true };
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char line[256];
		const char *t;

		no++;
		if (len >= sizeof line)
			return nerr_set(e, -EINVAL, "%s:%u: line longer than %zu bytes", file, no,
					sizeof line - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (p[len] == '\n');
		t = nd_trim(line);
		if (!*t || *t == '#')
			continue;
		if ((r = hostconf_line(line, file, no, hc, e)) < 0)
			return r;
	}
	return 0;
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
