/* start, stop, boot and apply: the table of steps and the loops over it.
 * What each step does is its module's business (step.h). */
#include "lifecycle.h"

#include <errno.h>
#include <string.h>

#include "bconf_step.h"
#include "bridge.h"
#include "dhcp_step.h"
#include "hostnet.h"
#include "ipfwd.h"
#include "record.h"
#include "fw.h"
#include "fw_firewalld.h"
#include "fw_host.h"

/* In dependency order: forwarding and rules for the bridge's traffic,
 * dnsmasq binds to the bridge, session VMs may join once it all works. */
static const struct step_ops *const lc_steps[] = {
	&bridge_step, &firewalld_step, &ipfwd_step, &fw_step, &hostfw_step, &dhcp_step, &bconf_step,
};

int lc_run_init(struct step_run *run, const struct store *s, const struct net *n, FILE *out,
		struct nerr *e)
{
	int r = step_run_init(run, lc_steps, ARRAY_SIZE(lc_steps), &s->p, n, out, e);

	if (r < 0)
		return r;
	return hostconf_load(&s->p, &run->conf, e);
}

static int start_checks(const struct store *s, struct step_ctx *c, struct nerr *e)
{
	const struct net *n = c->n;
	struct nl_sock *sk;
	char what[256];
	int r;

	if (store_active(s, n->name))
		return nerr_set(e, -EALREADY, "network %s: already running", n->name);
	if ((r = step_nl(c, &sk, e)) < 0)
		return r;
	r = hostnet_find_overlap(sk, n, NULL, what, sizeof what, e);
	if (r < 0)
		return nerr_wrap(e, r, "network %s: cannot check the host's addresses", n->name);
	if (r > 0)
		return nerr_set(e, -EADDRINUSE,
				"network %s: its subnet overlaps %s on this host; nothing was "
				"created (change the network's <ip> or remove the other)",
				n->name, what);
	return 0;
}

/* "network 'N' started: bridge B ADDR/P ...", which the steps extend. */
static void started_line(struct step_ctx *c)
{
	const struct net *n = c->n;
	size_t used;
	char a[64];

	(void)snprintf(c->started, sizeof c->started, "network '%s' started: bridge %s", n->name,
		       n->bridge);
	for (size_t i = 0; i < n->n_ips; i++) {
		used = strlen(c->started);
		net_addr_str(&n->ips[i].addr, a, sizeof a);
		(void)snprintf(c->started + used, sizeof c->started - used, " %s/%u", a,
			       n->ips[i].prefix); /* may be truncated */
	}
}

static int start(struct store *s, const struct net *n, FILE *out, struct nerr *e)
{
	_cleanup_step_run_ struct step_run run = { 0 };
	struct nerr re = { { 0 } };
	int r;

	if ((r = lc_run_init(&run, s, n, out, e)) < 0 || (r = start_checks(s, &run.c, e)) < 0)
		return r;
	if ((r = record_write(s, n, e)) < 0)
		return nerr_wrap(e, r, "network %s: start failed at step 'runtime record'",
				 n->name);
	started_line(&run.c);
	if ((r = step_run_apply(&run, e)) < 0) {
		if (record_remove(s, n->name, &re) < 0)
			nerr_append(e, r, "; undo runtime record failed: %s", re.msg);
		return r;
	}
	fprintf(out, "%s\n%s", run.c.started, run.c.notes);
	return 0;
}

/* The reason of a failed start is kept for status and list (a boot's
 * failure is otherwise only in the journal); a start that works clears it.
 * Starting a running network is no failed start. */
int lc_start(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr ke = { { 0 } };
	int r;

	if ((r = store_load(s, name, &n, e)) < 0)
		return r;
	r = start(s, &n, out, e);
	if (r == 0)
		(void)record_error_clear(s, name, &ke);
	else if (r != -EALREADY && record_error_write(s, name, e->msg, &ke) < 0)
		nerr_append(e, r, "; could not keep this error for status: %s", ke.msg);
	return r;
}

int lc_start_net(struct store *s, const struct net *n, FILE *out, struct nerr *e)
{
	return start(s, n, out, e);
}

/* The model to stop by: the runtime record, or what can stand in for it. */
static int stop_model(struct store *s, const char *name, struct net *n, FILE *out, struct nerr *e)
{
	int r = record_load(s, name, n, e);

	if (r == -ESTALE) {
		fprintf(out,
			"network '%s': runtime record fails today's validation; stopping what "
			"it records all the same\n",
			name);
		return 0;
	}
	if (r != -EUCLEAN)
		return r;
	/* The record is damaged (a crash mid-write cannot do that, the write
	 * is atomic; a person can): clean up what the stored config says. */
	fprintf(out,
		"network '%s': runtime record unreadable; stopping what its stored config "
		"describes\n",
		name);
	if ((r = store_load(s, name, n, e)) < 0)
		return nerr_wrap(
			e, r, "network %s: runtime record unreadable and no usable stored config",
			name);
	return 0;
}

int lc_stop(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_step_run_ struct step_run run = { 0 };
	int r;

	if ((r = stop_model(s, name, &n, out, e)) < 0 || (r = lc_run_init(&run, s, &n, out, e)) < 0)
		return r;
	/* The record goes last, and only when the rest went. */
	if (step_run_undo(&run, e) > 0)
		return nerr_wrap(e, -EIO, "network %s: stop incomplete (run netd stop %s again)",
				 name, name);
	if ((r = record_remove(s, name, e)) < 0)
		return r;
	fprintf(out, "network '%s' stopped\n", name);
	return 0;
}

typedef int lc_op(struct store *s, const char *name, FILE *out, struct nerr *e);

/* Run op on every defined network that 'want' picks; one failure does not
 * stop the others (each is printed on 'err'). Returns how many failed. */
static int each_network(struct store *s, bool (*want)(const struct store *, const char *),
			lc_op *op, FILE *out, FILE *err, struct nerr *e)
{
	char **names = NULL;
	size_t count = 0;
	int failed = 0, r;

	if ((r = store_names(s, &names, &count, e)) < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		struct nerr ne = { { 0 } };

		if (want(s, names[i]) && op(s, names[i], out, &ne) < 0) {
			fprintf(err, "netd: %s\n", ne.msg);
			failed++;
		}
	}
	store_names_free(names, count);
	return failed;
}

static bool boot_wants(const struct store *s, const char *name)
{
	return store_autostart(s, name) && !store_active(s, name);
}

int lc_boot(struct store *s, FILE *out, FILE *err, struct nerr *e)
{
	return each_network(s, boot_wants, lc_start, out, err, e);
}

static int apply_one(struct store *s, const char *name, FILE *out, struct nerr *e)
{
	_cleanup_net_ struct net n = { 0 };
	_cleanup_step_run_ struct step_run run = { 0 };
	struct drift d = { 0 };
	int r;

	if ((r = record_load(s, name, &n, e)) < 0 || (r = lc_run_init(&run, s, &n, out, e)) < 0)
		return r;
	r = step_run_check(&run, true, &d, e);
	/* drift lines may quote files (bridge.conf): escaped, as in status */
	for (size_t i = 0; i < d.n; i++) {
		fprintf(out, "network '%s': %s ", name,
			i < d.repaired && !d.norepair[i] ? "repaired" : "could not repair");
		(void)nd_fputs_esc(d.what[i], out);
		fputc('\n', out);
	}
	if (r == 0 && d.n == 0)
		fprintf(out, "network '%s': as it should be\n", name);
	return r;
}

int lc_apply(struct store *s, const char *name, FILE *out, FILE *err, struct nerr *e)
{
	if (name)
		return apply_one(s, name, out, e);
	return each_network(s, store_active, apply_one, out, err, e);
}
