/* Transient networks; see transient.h. */
#include "transient.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dhcp_step.h"
#include "lifecycle.h"
#include "record.h"

bool transient_is(const struct store *s, const char *name)
{
	return store_active(s, name) && !store_exists(s, name);
}

int transient_start(struct store *s, const char *path, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	int r;

	if ((r = net_load_file(path, &n, e)) < 0 || (r = store_check_transient(s, &n, e)) < 0)
		return r;
	if ((r = lc_start_net(s, &n, out, e)) < 0)
		return r;
	fprintf(out, "network '%s' is transient: stop removes it\n", n.name);
	return 0;
}

/* The runtime records are NAME.xml in the run directory: the same shape as
 * the store's, so store_names reads them from there. */
int transient_names(const struct store *s, char ***names, size_t *count, struct nerr *e)
{
	_cleanup_free_ struct store *run = malloc(sizeof *run);
	size_t k = 0;
	int r;

	*names = NULL;
	*count = 0;
	if (!run)
		return nerr_set(e, -ENOMEM, "out of memory");
	*run = *s;
	nd_strlcpy(run->p.conf_dir, s->p.run_dir, sizeof run->p.conf_dir);
	if ((r = store_names(run, names, count, e)) < 0)
		return r;
	for (size_t i = 0; i < *count; i++) {
		if (store_exists(s, (*names)[i])) {
			free((*names)[i]);
			continue;
		}
		(*names)[k++] = (*names)[i];
	}
	*count = k;
	return 0;
}

int transient_forget(const struct store *s, const char *name, struct nerr *e)
{
	struct dhcp_files_buf fb;
	char group[64];
	int r;

	if (store_exists(s, name))
		return 0;
	if ((r = record_error_clear(s, name, e)) < 0 ||
	    (r = dhcp_files_for(&s->p, name, &fb, group, sizeof group, e)) < 0)
		return r;
	if (unlink(fb.files.leasefile) < 0 && errno != ENOENT)
		return nerr_set(e, -errno, "network %s: remove %s: %s", name, fb.files.leasefile,
				strerror(errno));
	return 0;
}

int transient_inherit(const struct store *s, struct net *n, struct nerr *e)
{
	_cleanup_net_ struct net run = { 0 };
	char u[37];
	int r;

	if (!transient_is(s, n->name))
		return 0;
	if ((r = record_load(s, n->name, &run, e)) < 0)
		return r;
	if (n->has_uuid && memcmp(n->uuid, run.uuid, 16) != 0) {
		net_uuid_str(run.uuid, u);
		return nerr_set(e, -EEXIST,
				"network %s: runs (transient) with uuid %s; a definition with "
				"another uuid cannot make it persistent",
				n->name, u);
	}
	memcpy(n->uuid, run.uuid, 16);
	n->has_uuid = true;
	if (!n->bridge[0])
		nd_strlcpy(n->bridge, run.bridge, sizeof n->bridge);
	if (!n->has_mac && run.has_mac) {
		memcpy(n->mac, run.mac, 6);
		n->has_mac = true;
	}
	return 0;
}
