/* netd update's live half for dnsmasq; see dhcp_update.h. */
#include "dhcp_update.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dhcp_run.h"
#include "dhcp_step.h"

/* A file's contents, or NULL when it does not exist. */
static int read_opt(const char *path, char **out, struct nerr *e)
{
	int r = nd_read_file(path, out, NULL);

	if (r == -ENOENT) {
		*out = NULL;
		return 0;
	}
	if (r < 0)
		return nerr_set(e, r, "read %s: %s", path, nd_strerror(r));
	return 0;
}

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Write 'data' (NULL: remove) when it differs from 'was'. */
static int put(const char *path, const char *data, const char *was, struct nerr *e)
{
	int r;

	if (data && same(data, was))
		return 0;
	if (!data)
		return unlink(path) == 0 || errno == ENOENT
			       ? 0
			       : nerr_set(e, -errno, "remove %s: %s", path, strerror(errno));
	r = nd_write_atomic(path, data, strlen(data), 0644);
	if (r < 0)
		return nerr_set(e, r, "write %s: %s", path, strerror(-r));
	return 0;
}

struct dhcp_texts {
	char *conf, *hosts, *addn;
};

static void texts_free(struct dhcp_texts *t)
{
	free(t->conf);
	free(t->hosts);
	free(t->addn);
}

static int texts_put(const struct dhcp_files *f, const struct dhcp_texts *t,
		     const struct dhcp_texts *was, struct nerr *e)
{
	int r;

	/* The hosts files first: a config that names them finds them. */
	if ((r = put(f->hostsfile, t->hosts, was->hosts, e)) < 0 ||
	    (r = put(f->addnhosts, t->addn, was->addn, e)) < 0 ||
	    (r = put(f->conf, t->conf, was->conf, e)) < 0)
		return r;
	return 0;
}

static int restart(const struct dhcp_files_buf *fb, bool needed, bool ipv6, pid_t *pid,
		   struct nerr *e)
{
	const char *was;
	int r;

	if ((r = dhcp_stop(fb->files.pidfile, fb->files.conf, e)) < 0)
		return r;
	*pid = 0;
	if (!needed)
		return 0;
	if ((r = nd_mkdir_p(fb->piddir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", fb->piddir, strerror(-r));
	if ((r = dhcp_leasefile_prepare(fb->dir, fb->files.leasefile, &was, e)) < 0)
		return r;
	return dhcp_spawn(fb->files.conf, fb->files.pidfile, ipv6, pid, e);
}

int dhcp_update_live(const struct nd_paths *p, const struct net *n, struct dhcp_live *res,
		     struct nerr *e)
{
	__attribute__((cleanup(texts_free))) struct dhcp_texts want = { 0 }, was = { 0 };
	struct dhcp_files_buf fb;
	char group[64];
	bool needed = dhcp_needed(n);
	pid_t pid = 0;
	int r;

	memset(res, 0, sizeof *res);
	if ((r = dhcp_files_for(p, n->name, &fb, group, sizeof group, e)) < 0)
		return r;
	if (needed && ((r = dhcp_render_conf(n, &fb.files, &want.conf, e)) < 0 ||
		       (r = dhcp_render_hostsfile(n, &want.hosts, e)) < 0 ||
		       (r = dhcp_render_addnhosts(n, &want.addn, e)) < 0))
		return r;
	if ((r = read_opt(fb.files.conf, &was.conf, e)) < 0 ||
	    (r = read_opt(fb.files.hostsfile, &was.hosts, e)) < 0 ||
	    (r = read_opt(fb.files.addnhosts, &was.addn, e)) < 0)
		return nerr_wrap(e, r, "network %s", n->name);
	if (dhcp_running(fb.files.pidfile, fb.files.conf, &pid) == 1)
		res->old_pid = pid;
	if (needed && res->old_pid && same(want.conf, was.conf)) {
		if (same(want.hosts, was.hosts) && same(want.addn, was.addn)) {
			res->new_pid = res->old_pid;
			return 0;
		}
		if ((r = texts_put(&fb.files, &want, &was, e)) < 0 ||
		    (r = dhcp_hup(fb.files.pidfile, fb.files.conf, &res->new_pid, e)) < 0) {
			struct nerr ignore;

			/* the files as the dnsmasq that runs read them */
			(void)texts_put(&fb.files, &was, &want, &ignore);
			return nerr_wrap(e, r, "network %s", n->name);
		}
		res->how = DHCP_LIVE_HUP;
		return 0;
	}
	if ((r = nd_mkdir_p(fb.dir, 0755)) < 0)
		return nerr_set(e, r, "create %s: %s", fb.dir, strerror(-r));
	if ((r = texts_put(&fb.files, &want, &was, e)) >= 0 &&
	    (r = restart(&fb, needed, net_has_family(n, AF_INET6), &res->new_pid, e)) >= 0) {
		res->how = needed ? DHCP_LIVE_RESTART : DHCP_LIVE_STOPPED;
		return 0;
	}
	/* Back to what ran: the files as they were, their dnsmasq again. */
	struct nerr ignore;
	pid_t again;

	r = nerr_wrap(e, r, "network %s: dnsmasq", n->name);
	/* The old config may have had IPv6: keep its address events. */
	if (texts_put(&fb.files, &was, &want, &ignore) == 0 && res->old_pid && was.conf)
		(void)restart(&fb, true, true, &again, &ignore);
	return r;
}
