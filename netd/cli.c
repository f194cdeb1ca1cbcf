/* netd's command line. The dispatcher does what every command shares:
 * options, the number and kind of arguments, the store and its lock; each
 * command then does its work through the store/model/lifecycle modules and
 * maps errors to the exit statuses of the contract: 0 success, 1 failure,
 * 2 usage error. Errors are printed once, here, as one line on stderr. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defnet.h"
#include "edit.h"
#include "lifecycle.h"
#include "status.h"
#include "model.h"
#include "plan.h"
#include "record.h"
#include "reload.h"
#include "session.h"
#include "step.h"
#include "store.h"
#include "update.h"
#include "transient.h"
#include "user.h"

/* What a command gets from the dispatcher. */
struct ctx {
	struct store s;
	char **args;
	int nargs;
	bool all, json, disable;
	bool force;
	bool config, live; /* update */
	bool restart;
	bool nat, isolated, transient; /* user create */
	const char *lease;	       /* user create --lease-time */
	struct nerr e;
};

enum arg_kind {
	ARG_ANY,  /* FILE, or nothing */
	ARG_NAME, /* the first argument, when given, is a network name */
};

enum store_use {
	STORE_NONE, /* the command reads no store */
	STORE_READ, /* reads it; atomic writes make a lock unnecessary */
	STORE_LOCK, /* changes it or the host: serialised with other netd runs */
	/* Reads the store and the host (status). Root takes the lock, so that
	 * it never reports a network that a start or stop is half way
	 * through as drift. Any other user reads without it: the lock file is
	 * root's (0600), and a user's flock on it would hold up every netd
	 * root runs, boot's included. */
	STORE_VIEW,
};

struct cmd {
	const char *name;
	const char *args;    /* synopsis after the command name */
	const char *summary; /* one line for `netd --help` */
	const char *help;    /* the rest of `netd CMD --help` */
	int (*run)(struct ctx *c);
	int min_args, max_args; /* positional arguments */
	const char *opts; /* option letters it takes: a(ll) j(son) d(isable) f(orce) r(estart) */
	enum arg_kind kind;
	enum store_use store;
};

static bool nerr_is_eacces(const struct nerr *e)
{
	const char *why = strerror(EACCES);
	size_t n = strlen(e->msg), k = strlen(why);

	return n >= k && strcmp(e->msg + n - k, why) == 0;
}

static int fail(const struct nerr *e)
{
	/* The message names the file and ends in strerror(EACCES) (every
	 * message does, where a file was refused); a user must also learn
	 * that the file is root's, not broken. */
	if (geteuid() != 0 && nerr_is_eacces(e))
		fprintf(stderr, "netd: %s (needs root: not readable by uid %u)\n", e->msg,
			(unsigned)getuid());
	else
		fprintf(stderr, "netd: %s\n", e->msg);
	return CLI_FAIL;
}

static int usage_error(const struct cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The message quotes arguments as given: through the escaper, so that it
 * stays one line and sends a terminal no control. */
static int usage_error(const struct cmd *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap); /* may be truncated */
	va_end(ap);
	fprintf(stderr, "netd %s: ", c->name);
	(void)nd_fputs_esc(msg, stderr);
	fprintf(stderr, "\nusage: netd %s %s (see 'netd %s --help')\n", c->name, c->args, c->name);
	return CLI_USAGE;
}

/* A FILE argument as output quotes it. */
static const char *esc_arg(const char *arg, char buf[512])
{
	(void)nd_escape(buf, 512, arg); /* may be truncated */
	return buf;
}

static void print_help(const struct cmd *c)
{
	printf("usage: netd %s %s\n\n%s\n\n%s", c->name, c->args, c->summary, c->help);
}

/* Options and arguments into c. Returns -1 to go on, or the exit status
 * after printing help or a usage error. */
static int cmd_update(struct ctx *c);

static int parse_args(const struct cmd *cmd, int argc, char **argv, struct ctx *c)
{
	/* One option a line, so that adding one is one line. */
	/* clang-format off */
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "disable", no_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "config", no_argument, NULL, 'c' },
		{ "live", no_argument, NULL, 'l' },
		{ "restart", no_argument, NULL, 'r' },
		{ "nat", no_argument, NULL, 'n' },
		{ "isolated", no_argument, NULL, 'i' },
		{ "transient", no_argument, NULL, 't' },
		{ "lease-time", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	/* clang-format on */
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			print_help(cmd);
			return CLI_OK;
		}
		if (ch == '?' || ch == ':' || !strchr(cmd->opts, ch))
			return usage_error(cmd,
					   ch == ':' || (ch == '?' && optopt == 'L')
						   ? "option '%s' needs a value"
						   : "unknown option '%s'",
					   argv[optind - 1]);
		c->all |= ch == 'a';
		c->json |= ch == 'j';
		c->disable |= ch == 'd';
		c->force |= ch == 'f';
		c->config |= ch == 'c';
		c->live |= ch == 'l';
		c->restart |= ch == 'r';
		c->nat |= ch == 'n';
		c->isolated |= ch == 'i';
		c->transient |= ch == 't';
		if (ch == 'L')
			c->lease = optarg;
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	if (c->nargs < cmd->min_args || c->nargs > cmd->max_args)
		return usage_error(cmd, c->nargs < cmd->min_args ? "missing argument"
								 : "too many arguments");
	if (cmd->kind == ARG_NAME && c->nargs > 0 && !net_name_ok(c->args[0]))
		return usage_error(cmd, "'%s' is not a network name", c->args[0]);
	if (cmd->run == cmd_update && update_args_why(c->args[1], c->args[2]))
		return usage_error(cmd, "'%s %s': %s", c->args[1], c->args[2],
				   update_args_why(c->args[1], c->args[2]));
	return -1;
}

static int cmd_validate(struct ctx *c)
{
	_cleanup_net_ struct net n = { 0 };

	if (net_load_file(c->args[0], &n, &c->e) < 0)
		return fail(&c->e);
	char path[512];

	printf("%s: network '%s' is valid\n", esc_arg(c->args[0], path), n.name);
	return CLI_OK;
}

static int cmd_define(struct ctx *c)
{
	_cleanup_net_ struct net n = { 0 };
	char path[512];
	bool replaced;

	bool transient;

	if (net_load_file(c->args[0], &n, &c->e) < 0 || transient_inherit(&c->s, &n, &c->e) < 0)
		return fail(&c->e);
	transient = transient_is(&c->s, n.name);
	if (store_define(&c->s, &n, &replaced, &c->e) < 0)
		return fail(&c->e);
	printf("network '%s' %s from %s%s\n", n.name, replaced ? "redefined" : "defined",
	       esc_arg(c->args[0], path),
	       transient ? " (it was running as a transient network: now persistent)"
	       : replaced && store_active(&c->s, n.name)
		       ? " (takes effect at the next start, or now with netd reload)"
		       : "");
	if (transient && reload_config_changed(&c->s, n.name))
		printf("network '%s': config changed since start: netd reload %s\n", n.name,
		       n.name);
	return CLI_OK;
}

/* Why a running network cannot go: stopping it cuts these guests off. */
static void undefine_busy(struct ctx *c)
{
	struct nerr ge = { { 0 } };
	char what[768];
	int n = lc_guests(&c->s, c->args[0], what, sizeof what, &ge);

	if (n > 0)
		nerr_append(&c->e, 0, "; %d guest%s attached, which stop would cut off: %s", n,
			    n > 1 ? "s are" : " is", what);
}

static int cmd_undefine(struct ctx *c)
{
	int r = store_undefine(&c->s, c->args[0], &c->e);

	if (r == -EBUSY)
		undefine_busy(c);
	if (r < 0)
		return fail(&c->e);
	/* A network defined again under this name starts with a clean slate. */
	if (record_error_clear(&c->s, c->args[0], &c->e) < 0)
		fprintf(stderr, "netd: warning: %s\n", c->e.msg);
	printf("network '%s' undefined\n", c->args[0]);
	return CLI_OK;
}

static int cmd_edit(struct ctx *c)
{
	if (edit_run(&c->s, c->args[0], stdout, &c->e) < 0)
		return fail(&c->e);
	return CLI_OK;
}

static int cmd_autostart(struct ctx *c)
{
	if (store_set_autostart(&c->s, c->args[0], !c->disable, &c->e) < 0)
		return fail(&c->e);
	printf("network '%s' %s\n", c->args[0],
	       c->disable ? "no longer starts at boot" : "marked to start at boot");
	return CLI_OK;
}

static int cmd_dumpxml(struct ctx *c)
{
	_cleanup_net_ struct net n = { 0 };

	int r = transient_is(&c->s, c->args[0]) ? record_load(&c->s, c->args[0], &n, &c->e)
						: store_load(&c->s, c->args[0], &n, &c->e);

	if (r < 0)
		return fail(&c->e);
	if (net_format(&n, stdout) < 0) {
		fprintf(stderr, "netd: dumpxml %s: write: %s\n", c->args[0], strerror(errno));
		return CLI_FAIL;
	}
	return CLI_OK;
}
struct list_row {
	char name[NET_NAME_MAX + 1];
	char bridge[NET_IFNAME_MAX + 1];
	char uuid[37];
	const char *mode;
	bool active, autostart, broken, session;
	bool noperm; /* broken: the caller may not read it (not root) */
	bool persistent, config_changed;
	char error[256];
	char last_error[512]; /* why the last start failed; "" when it did not */
	char owner[40];	      /* a user's network (<netd:owner>): the user, or "uid N" */
};

/* who: NULL as root (can ordinary users' qemu join?), else the calling
 * user (can MY qemu join?). */
static void list_row_fill(const struct store *s, const char *name, const struct sess_user *who,
			  struct list_row *row)
{
	_cleanup_net_ struct net n = { 0 };
	struct nerr e = { { 0 } };

	memset(row, 0, sizeof *row);
	nd_strlcpy(row->name, name, sizeof row->name);
	row->active = store_active(s, name);
	if (record_error_load(s, name, row->last_error, sizeof row->last_error, &(int64_t){ 0 }) !=
	    1)
		row->last_error[0] = '\0';
	row->autostart = store_autostart(s, name);
	row->persistent = store_exists(s, name);
	row->config_changed = reload_config_changed(s, name) == 1;
	if ((row->persistent ? store_load(s, name, &n, &e) : record_load(s, name, &n, &e)) < 0) {
		/* Listed, not hidden: an admin must see a config that broke. */
		row->broken = true;
		row->noperm = geteuid() != 0 && nerr_is_eacces(&e);
		nd_strlcpy(row->error, e.msg, sizeof row->error);
		row->mode = "?";
		return;
	}
	nd_strlcpy(row->bridge, n.bridge, sizeof row->bridge);
	if (n.owner_line)
		nd_user_name((uid_t)n.owner_uid, row->owner, sizeof row->owner);
	if (row->active) {
		struct sess_report sr;

		sess_check(&s->p, &n, NULL, who, &sr);
		row->session = sr.usable;
	}
	net_uuid_str(n.uuid, row->uuid);
	row->mode = net_fwd_mode_str(n.fwd_mode);
}

static json_t *list_row_json(const struct list_row *r, bool user)
{
	json_t *o = json_pack("{s:o, s:b, s:b, s:b, s:o}", "name", nd_json_string(r->name),
			      "active", r->active, "autostart", r->autostart, "persistent",
			      r->persistent, "last_error",
			      r->last_error[0] ? nd_json_string(r->last_error) : json_null());

	if (!o)
		return NULL;
	if (r->broken) {
		if (json_object_set_new(o, "error", nd_json_string(r->error)) == 0)
			return o;
	} else if (json_object_set_new(o, "uuid", json_string(r->uuid)) == 0 &&
		   json_object_set_new(o, "owner",
				       r->owner[0] ? nd_json_string(r->owner) : json_null()) == 0 &&
		   json_object_set_new(o, "bridge", nd_json_string(r->bridge)) == 0 &&
		   json_object_set_new(o, "forward", json_string(r->mode)) == 0 &&
		   (!r->active || json_object_set_new(o, "config_changed",
						      json_boolean(r->config_changed)) == 0) &&
		   (!r->active ||
		    json_object_set_new(o, "session_vms", json_boolean(r->session)) == 0) &&
		   (!r->active || !user ||
		    json_object_set_new(o, "joinable", json_boolean(r->session)) == 0)) {
		return o;
	}
	json_decref(o);
	return NULL;
}

static int list_json(const struct list_row *rows, size_t n, bool user)
{
	json_auto_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, list_row_json(&rows[i], user)) < 0) {
			json_decref(a);
			a = NULL;
		}
	if (!a) {
		fprintf(stderr, "netd: list: out of memory\n");
		return CLI_FAIL;
	}
	nd_json_print(stdout, a);
	return CLI_OK;
}

/* user: the last column says whether the caller's own qemu can join. */
static void list_text(const struct list_row *rows, size_t n, bool user)
{
	printf("%-20s %-9s %-10s %-16s %-9s %s\n", "NAME", "STATE", "AUTOSTART", "BRIDGE",
	       "FORWARD", user ? "YOU-CAN-JOIN" : "SESSION-VMS");
	for (size_t i = 0; i < n; i++) {
		const struct list_row *r = &rows[i];

		printf("%-20s %-9s %-10s %-16s %-9s %s\n", r->name,
		       r->active ? "active" : "inactive", r->autostart ? "yes" : "no",
		       r->broken ? "-" : r->bridge, r->broken ? "?" : r->mode,
		       r->noperm    ? "(config not readable by you: needs root)"
		       : r->broken  ? "(config unreadable: see netd validate)"
		       : !r->active ? "-"
		       : r->session ? "yes"
				    : "no (see netd status)");
		if (r->owner[0])
			printf("  owned by user %s (netd user)\n", r->owner);
		if (!r->persistent)
			printf("  transient (not persistent): stop removes it\n");
		if (r->config_changed)
			printf("  config changed since start: netd reload %s\n", r->name);
		/* "  last start failed at step 'dnsmasq': ..." */
		if (r->last_error[0]) {
			fputs("  last ", stdout);
			(void)nd_fputs_esc(r->last_error, stdout);
			fputc('\n', stdout);
		}
	}
}

static int cmd_list(struct ctx *c)
{
	struct list_row *rows;
	char **names = NULL, **tnames = NULL, **all;
	size_t count = 0, tcount = 0, n = 0;
	int rc = CLI_OK;
	struct sess_user who;
	bool user = geteuid() != 0 && sess_user_self(&who) == 0;

	if (store_names(&c->s, &names, &count, &c->e) < 0)
		return fail(&c->e);
	if (transient_names(&c->s, &tnames, &tcount, &c->e) < 0) {
		store_names_free(names, count);
		return fail(&c->e);
	}
	all = realloc(names, (count + tcount + 1) * sizeof *names);
	rows = calloc(count + tcount + 1, sizeof *rows);
	if (!rows || !all) {
		free(rows);
		store_names_free(all ? all : names, count);
		store_names_free(tnames, tcount);
		fprintf(stderr, "netd: list: out of memory\n");
		return CLI_FAIL;
	}
	names = all;
	/* The transient ones after the stored ones, each part sorted. */
	for (size_t i = 0; i < tcount; i++)
		names[count++] = tnames[i];
	free(tnames);
	for (size_t i = 0; i < count; i++) {
		list_row_fill(&c->s, names[i], user ? &who : NULL, &rows[n]);
		/* A network whose last start (or boot) failed is listed too:
		 * that is what an admin looking for it must see. */
		if (c->all || rows[n].active || rows[n].last_error[0])
			n++;
	}
	store_names_free(names, count);
	if (c->json)
		rc = list_json(rows, n, user);
	else
		list_text(rows, n, user);
	free(rows);
	return rc;
}

/* NAME or FILE: a path when it names an existing file or looks like one. */
static bool looks_like_file(const char *arg)
{
	struct stat st;
	size_t len = strlen(arg);

	if (strchr(arg, '/') || (len > 4 && strcmp(arg + len - 4, ".xml") == 0))
		return true;
	return !net_name_ok(arg) && stat(arg, &st) == 0;
}

static int cmd_plan(struct ctx *c)
{
	_cleanup_net_ struct net n = { 0 };
	int r;

	if (looks_like_file(c->args[0]))
		r = net_load_file(c->args[0], &n, &c->e);
	else
		r = store_load(&c->s, c->args[0], &n, &c->e);
	if (r < 0 || plan_print(&c->s, &n, stdout, &c->e) < 0)
		return fail(&c->e);
	return CLI_OK;
}

static const struct cmd *cmd_find(const char *name);

static int cmd_start(struct ctx *c)
{
	bool file = looks_like_file(c->args[0]);
	int r;

	if (!file && !net_name_ok(c->args[0]))
		return usage_error(cmd_find("start"), "'%s' is not a network name or a file",
				   c->args[0]);
	r = file ? transient_start(&c->s, c->args[0], stdout, &c->e)
		 : lc_start(&c->s, c->args[0], stdout, &c->e);

	if (r == -EALREADY) {
		/* Idempotent: the network is where the caller wants it. */
		printf("network '%s' is already running (netd status %s shows drift)\n", c->args[0],
		       c->args[0]);
		return CLI_OK;
	}
	return r < 0 ? fail(&c->e) : CLI_OK;
}

static int cmd_stop(struct ctx *c)
{
	int r = lc_stop_guarded(&c->s, c->args[0], c->force, stdout, &c->e);

	if (r == -ENOTCONN) {
		printf("network '%s' is not running\n", c->args[0]);
		return CLI_OK;
	}
	if (r == 0 && (r = transient_forget(&c->s, c->args[0], &c->e)) == 0 &&
	    !store_exists(&c->s, c->args[0]))
		printf("network '%s' was transient: it is gone\n", c->args[0]);
	return r < 0 ? fail(&c->e) : CLI_OK;
}

static int cmd_reload(struct ctx *c)
{
	int r = reload_network(&c->s, c->args[0], c->restart, stdout, &c->e);

	if (r == -ENOTCONN) {
		printf("network '%s' is not running: 'netd start %s' uses its stored config\n",
		       c->args[0], c->args[0]);
		return CLI_OK;
	}
	return r < 0 ? fail(&c->e) : CLI_OK;
}

/* For commands over many networks: r < 0 is an error of the whole run,
 * r > 0 the number of networks that failed (each already named). */
static int many_result(const struct ctx *c, const char *cmd, int r, const char *what)
{
	if (r < 0)
		return fail(&c->e);
	if (r > 0) {
		fprintf(stderr, "netd: %s: %d network%s %s\n", cmd, r, r > 1 ? "s" : "", what);
		return CLI_FAIL;
	}
	return CLI_OK;
}

static int cmd_boot(struct ctx *c)
{
	return many_result(c, "boot", lc_boot(&c->s, stdout, stderr, &c->e), "failed to start");
}

static int cmd_apply(struct ctx *c)
{
	return many_result(c, "apply",
			   lc_apply(&c->s, c->nargs ? c->args[0] : NULL, stdout, stderr, &c->e),
			   "could not be repaired");
}

static int cmd_status(struct ctx *c)
{
	if (status_print(&c->s, c->args[0], c->json, stdout, &c->e) < 0)
		return fail(&c->e);
	return CLI_OK;
}

static int cmd_leases(struct ctx *c)
{
	if (status_leases_print(&c->s, c->args[0], c->json, stdout, &c->e) < 0)
		return fail(&c->e);
	return CLI_OK;
}

/* The client of the delegation service: what the user asked, checked here
 * so that a typo is a usage error, then the service's answer. */
static int cmd_user(struct ctx *c)
{
	const struct cmd *cmd = cmd_find("user");
	struct nd_paths p;
	struct ureq q = { .op = UREQ_LIST };
	bool named;

	if (ureq_op_parse(c->args[0], &q.op) < 0)
		return usage_error(cmd, "'%s' is not one of create, list, destroy, leases",
				   c->args[0]);
	named = q.op != UREQ_LIST;
	if (c->nargs != (named ? 2 : 1))
		return usage_error(cmd, "%s takes %s", c->args[0], named ? "a NAME" : "no NAME");
	if (named && !ureq_name_ok(c->args[1]))
		return usage_error(
			cmd,
			"'%s' is not a name for a network of yours (lower-case letters, "
			"digits, '-', '_', starting with a letter or a digit, at most %d "
			"bytes)",
			c->args[1], UREQ_NAME_MAX);
	if ((c->nat || c->isolated || c->transient || c->lease) && q.op != UREQ_CREATE)
		return usage_error(cmd, "--nat, --isolated, --transient and --lease-time are "
					"for create");
	if (c->nat && c->isolated)
		return usage_error(cmd, "give --nat or --isolated, not both");
	if (c->json && q.op != UREQ_LIST && q.op != UREQ_LEASES)
		return usage_error(cmd, "--json is for list and leases");
	if (c->force && q.op != UREQ_DESTROY)
		return usage_error(cmd, "--force is for destroy");
	if (c->lease && strlen(c->lease) > UREQ_LEASE_MAX)
		return usage_error(cmd, "lease time '%s' is too long", c->lease);
	if (named)
		nd_strlcpy(q.name, c->args[1], sizeof q.name);
	q.fwd = c->nat ? UREQ_FWD_NAT : c->isolated ? UREQ_FWD_ISOLATED : UREQ_FWD_DEFAULT;
	q.transient = c->transient;
	q.force = c->force;
	q.json = c->json;
	if (c->lease)
		nd_strlcpy(q.lease, c->lease, sizeof q.lease);
	if (paths_init(&p) < 0) {
		fprintf(stderr, "netd user: a NETD_* path in the environment is not usable\n");
		return CLI_FAIL;
	}
	return user_client(&p, &q);
}

static int cmd_serve_user(struct ctx *c)
{
	(void)c;
	return user_serve(STDIN_FILENO, STDOUT_FILENO, stderr) == 0 ? CLI_OK : CLI_FAIL;
}

static int cmd_install_default(struct ctx *c)
{
	if (defnet_install(&c->s, stdout, &c->e) < 0)
		return fail(&c->e);
	return CLI_OK;
}

static int cmd_update(struct ctx *c)
{
	if (update_run(&c->s, c->args[0], c->args[1], c->args[2], c->args[3], c->config, c->live,
		       stdout, &c->e) < 0)
		return fail(&c->e);
	return CLI_OK;
}

static const struct cmd commands[] = {
	{ "validate", "FILE", "Check a network XML file; touch nothing.",
	  "Parses FILE as libvirt network XML, checks every value netd would use, and\n"
	  "prints the first problem as FILE:LINE: what is wrong. Nothing on the host\n"
	  "or in netd's store is read or changed.\n\n"
	  "Exit status: 0 valid, 1 invalid, 2 usage error.\n",
	  cmd_validate, 1, 1, "", ARG_ANY, STORE_NONE },
	{ "define", "FILE", "Validate FILE and store it as the network's persistent config.",
	  "Validates FILE, refuses a name, uuid, bridge or subnet that another defined\n"
	  "network already uses (naming that network), fills in libvirt's defaults\n"
	  "(uuid, bridge virbrN, stp on, delay 0, a 52:54:00 MAC, nat ports\n"
	  "1024-65535) and writes NETD_CONF_DIR/NAME.xml atomically.\n\n"
	  "Defining an existing name replaces it only when FILE has the same uuid or\n"
	  "none; what the old definition generated (uuid, bridge, MAC) is kept when\n"
	  "FILE leaves it out. A running network keeps running with its old config\n"
	  "until 'netd reload NAME' applies the new one in place, or a restart.\n"
	  "Defining the name of a running transient network makes it persistent.\n",
	  cmd_define, 1, 1, "", ARG_ANY, STORE_LOCK },
	{ "edit", "NAME", "Edit a network's stored config in an editor, as virsh net-edit.",
	  "Copies NETD_CONF_DIR/NAME.xml, as stored, to a temp file (mode 0600, in\n"
	  "$TMPDIR or /tmp) and runs $VISUAL, else $EDITOR, else vi on it, through\n"
	  "/bin/sh -c, so the variable may hold arguments ('emacs -nw'). When the\n"
	  "editor exits with status 0, the file is checked as 'netd define' checks\n"
	  "FILE: the XML, every value, and clashes with the other networks (name,\n"
	  "uuid, bridge, subnet). The name cannot change: rename by defining the\n"
	  "new name from a file, then undefining the old one. A valid file is\n"
	  "stored as define stores it ('network NAME XML configuration edited').\n\n"
	  "An invalid file is never stored: the error is shown as FILE:LINE and,\n"
	  "when standard input is a terminal, 'Try again? [y/n]: ' reopens the\n"
	  "editor on what was written; otherwise (or on 'n') netd exits with\n"
	  "status 1. An editor that fails stores nothing. A file left unchanged\n"
	  "stores nothing ('XML configuration not changed', status 0). The temp file\n"
	  "is removed in every case. netd's lock is not held while the editor runs;\n"
	  "if another netd changed the stored config meanwhile, nothing is stored.\n\n"
	  "A running network keeps running with its old config: the changes take\n"
	  "effect at 'netd reload NAME' or the next start.\n",
	  cmd_edit, 1, 1, "", ARG_NAME, STORE_READ },
	{ "undefine", "NAME", "Remove a network's persistent config and autostart mark.",
	  "Refuses while the network is running: stop it first. The message then\n"
	  "names the guests attached to its bridge (as 'netd stop' does), whom the\n"
	  "stop would cut off.\n",
	  cmd_undefine, 1, 1, "", ARG_NAME, STORE_LOCK },
	{ "autostart", "NAME [--disable]", "Mark a network to start at boot (or not).",
	  "Marks NAME to be started by 'netd boot' (run by netd.service at boot).\n\n"
	  "Options:\n  --disable   remove the mark instead\n",
	  cmd_autostart, 1, 1, "d", ARG_NAME, STORE_LOCK },
	{ "start", "NAME|FILE", "Bring a defined network up, or a transient one from FILE.",
	  "In order, each step with its undo: refuse when the network's subnet overlaps\n"
	  "an address or route already on the host (naming it); create the bridge over\n"
	  "netlink with its MAC, MTU, STP, delay and addresses; enable IP forwarding\n"
	  "(nat and route); load the network's nftables rules in one transaction;\n"
	  "write the dnsmasq files and start dnsmasq bound to the bridge (it drops to\n"
	  "an unprivileged user); add 'allow BRIDGE' to qemu's bridge.conf. What was\n"
	  "started is recorded under the runtime directory.\n\n"
	  "If any step fails, everything done so far is undone and the error names\n"
	  "the step. Starting a running network changes nothing.\n\n"
	  "With a FILE (an argument that contains '/' or ends in .xml), start the\n"
	  "network it describes without storing it, as 'virsh net-create' does: a\n"
	  "transient network. It is refused when a network of that name is defined,\n"
	  "or when a defined one uses its uuid, bridge or subnet. 'netd list' shows it\n"
	  "as not persistent, 'netd boot' never starts it, and 'netd stop' removes\n"
	  "it completely, lease file included. 'netd define' of a file with its name\n"
	  "makes it persistent.\n",
	  cmd_start, 1, 1, "", ARG_ANY, STORE_LOCK },
	{ "stop", "NAME [--force]", "Tear down what start created, nothing else.",
	  "Stops dnsmasq, removes the network's nftables rules, its bridge.conf line\n"
	  "and its bridge, then the runtime record. Pieces already gone are fine; if\n"
	  "one cannot be removed the others still are, the record stays, and running\n"
	  "stop again finishes the job. IP forwarding is left on. The lease file is\n"
	  "kept, so guests keep their addresses across a restart.\n\n"
	  "Deleting the bridge cuts off every guest on it, and a VM is not plugged\n"
	  "in again when the network comes back. So while any interface is a port\n"
	  "of the bridge (a VM's tap, a veth), stop changes nothing and fails,\n"
	  "naming each port and, for a tap, the process holding it open (qemu) and\n"
	  "its user, as /proc shows them:\n"
	  "  network 'default' has 2 guests attached: tap0 (qemu-system-x86 pid\n"
	  "  1234, user alice), vnet3; stop them first or use --force\n"
	  "'netd boot', 'netd apply' and the package's scripts never stop a network.\n\n"
	  "Options:\n"
	  "  --force   stop even with guests attached; the output names those cut off\n",
	  cmd_stop, 1, 1, "f", ARG_NAME, STORE_LOCK },
	{ "reload", "NAME [--restart]", "Bring a running network to its stored config in place.",
	  "Compares the config the network runs with (its runtime record) with the\n"
	  "stored one ('netd status' says 'config changed since start' when they\n"
	  "differ) and changes the host in place, step by step: the bridge's\n"
	  "addresses (new ones added, old ones removed), MTU, STP and forward delay,\n"
	  "keeping the bridge itself, so every port and tap on it stays attached;\n"
	  "forwarding; the network's nftables rules, replaced in one transaction;\n"
	  "dnsmasq, restarted only when its config or hosts files change, keeping\n"
	  "its lease file, so guests renew to their addresses; the bridge.conf entry\n"
	  "and its access group. It prints what changed, or 'nothing to change'.\n\n"
	  "If a step fails, the steps done are reloaded back to the running config,\n"
	  "newest first, and the error names the step. A new bridge name cannot be\n"
	  "changed in place: reload refuses and changes nothing, unless --restart.\n\n"
	  "Options:\n"
	  "  --restart   when the change needs a new bridge, stop and start the\n"
	  "              network instead (every guest's port is detached)\n",
	  cmd_reload, 1, 1, "r", ARG_NAME, STORE_LOCK },
	{ "boot", "", "Start every autostart network that is not running.",
	  "Run by netd.service at boot. A network that fails does not stop the\n"
	  "others; the exit status is 1 when any failed, each named on stderr.\n"
	  "Running it again changes nothing.\n",
	  cmd_boot, 0, 0, "", ARG_ANY, STORE_LOCK },
	{ "apply", "[NAME]", "Repair drift of running networks.",
	  "Compares each running network (or NAME) with what it should be and\n"
	  "repairs it: a bridge that is missing, down or lost an address, nftables\n"
	  "rules that are missing or changed (another tool ran 'nft flush ruleset'),\n"
	  "a dnsmasq that died or whose config changed, a missing bridge.conf line.\n"
	  "Prints each repair. A 'deny' an administrator wrote in bridge.conf is\n"
	  "reported, never changed.\n",
	  cmd_apply, 0, 1, "", ARG_NAME, STORE_LOCK },
	{ "status", "NAME [--json]", "Show a network's state and any drift.",
	  "State, autostart, forward mode, bridge, addresses, dnsmasq pid, and for a\n"
	  "running network the drift 'netd apply' would repair, without repairing it;\n"
	  "why the last start or boot failed, until a start works ('last:').\n\n"
	  "Any user may run it. Root waits for netd's lock, so that a network half way\n"
	  "through a start is not shown as drift; another user takes no lock (a\n"
	  "'note:' line says when a netd holds it), and is told whether their own\n"
	  "qemu can join the bridge and, if not, what an admin must change (bridge.conf\n"
	  "and its includes readable by you, your groups for a group-only network,\n"
	  "the helper setuid or with cap_net_admin, /dev/net/tun usable by you).\n"
	  "Checks that need root are listed as 'unchecked:', never as no drift.\n\n"
	  "Options:\n  --json   one JSON object (last_error, last_error_at: null when none;\n"
	  "           for a user: not_checked, session_vms.user, lock_held_by)\n",
	  cmd_status, 1, 1, "j", ARG_NAME, STORE_VIEW },
	{ "leases", "NAME [--json]", "Show the network's current DHCP leases.",
	  "From dnsmasq's lease file: expiry, MAC, IP and hostname of each lease.\n\n"
	  "Options:\n  --json   one JSON array of objects: ip, mac, hostname, clientid,\n"
	  "           expiry (seconds since the epoch, 0 for never)\n",
	  cmd_leases, 1, 1, "j", ARG_NAME, STORE_READ },
	{ "install-default", "", "Define the default network if there is none (package hook).",
	  "Run by the package's post-install script. When no network named 'default'\n"
	  "is defined, defines the built-in default network (bridge virbr0, NAT,\n"
	  "DHCP on 192.168.122.0/24) and marks it autostart. When 192.168.122.0/24,\n"
	  "or any part of it, is used by an address or route on this host or by\n"
	  "another netd network, the first free 192.168.X.0/24 from X=124 upward is\n"
	  "used instead, and the output says why. An existing default network is\n"
	  "never changed. It does not start the network: 'netd boot' does.\n",
	  cmd_install_default, 0, 0, "", ARG_ANY, STORE_LOCK },
	{ "list", "[--all] [--json]", "List networks.",
	  "Lists running networks, and those whose last start (or boot) failed; with\n"
	  "--all, every defined network. Columns: name,\n"
	  "state, autostart, bridge, forward mode, and for running networks whether\n"
	  "unprivileged qemu:///session VMs can use the bridge ('netd status NAME'\n"
	  "says what to change when not). A config that no longer loads is listed\n"
	  "with a pointer to 'netd validate'. Under a network whose last start\n"
	  "failed: 'last start failed at step ...: WHY' (cleared when a start works).\n\n"
	  "Options:\n"
	  "  --all    include networks that are not running\n"
	  "  --json   one JSON array of objects: name, active, autostart, persistent,\n"
	  "           last_error (or null), uuid, bridge, forward, owner (the user\n"
	  "           of a delegated network, or null), session_vms (running ones;\n"
	  "           or error)\n\n"
	  "Run by a user other than root, the last column is YOU-CAN-JOIN: whether\n"
	  "that user's own qemu can join the bridge ('joinable' in JSON).\n",
	  cmd_list, 0, 0, "aj", ARG_ANY, STORE_READ },
	{ "dumpxml", "NAME", "Print a network's config as XML, defaults filled in.",
	  "The output is libvirt network XML that 'netd define' and 'virsh\n"
	  "net-define' both accept; defining it again changes nothing.\n",
	  cmd_dumpxml, 1, 1, "", ARG_NAME, STORE_READ },
	{ "plan", "NAME|FILE", "Print what 'netd start' would do; change nothing.",
	  "Prints the bridge netd would create (name, MAC, MTU, STP, addresses), the\n"
	  "nftables script it would load in one transaction, the dnsmasq config and\n"
	  "hosts files it would write, and the line it would add to qemu's\n"
	  "bridge.conf. The argument is a FILE when it contains '/' or ends in .xml,\n"
	  "otherwise the NAME of a defined network.\n\n"
	  "Besides netd's store it reads only the host's interface names (to pick a\n"
	  "free virbrN when the network names no bridge), the user and group\n"
	  "databases (the group dnsmasq runs as), netd.conf, and, unless netd.conf\n"
	  "says iptables = no, the host's ip/ip6 filter INPUT, FORWARD and\n"
	  "DOCKER-USER chains, to list the accepts start would insert there (as\n"
	  "root; otherwise it says it could not read them).\n",
	  cmd_plan, 1, 1, "", ARG_ANY, STORE_READ },
	{ "update", "NAME add|delete|modify SECTION XML [--config] [--live]",
	  "Change one entry of a network, running or not (virsh net-update).",
	  "SECTION and the XML element it takes:\n"
	  "  ip-dhcp-host    <host mac='52:54:00:00:00:05' name='vm5' ip='192.168.122.5'/>\n"
	  "                  (IPv6: <host id='0:3:0:1:...' name='vm5' ip='fd00::5'/>)\n"
	  "  ip-dhcp-range   <range start='192.168.122.100' end='192.168.122.199'/>\n"
	  "  dns-host        <host ip='192.168.122.7'><hostname>db</hostname></host>\n"
	  "  dns-srv         <srv service='ldap' protocol='tcp' target='db' port='389'/>\n"
	  "  dns-txt         <txt name='info' value='hello'/>\n"
	  "XML is the element itself, or the path of a file holding it when it names\n"
	  "an existing file. The DHCP sections go to the first <ip> of the element's\n"
	  "address family that has <dhcp> (else the first of that family).\n\n"
	  "add refuses an entry that shares a key with an existing one (a host's mac,\n"
	  "name or ip; a range's start and end; a DNS host's ip or a name; an SRV's\n"
	  "service, protocol and domain; a TXT's name). delete needs an entry that\n"
	  "matches every attribute given. modify replaces the entry with the same key:\n"
	  "a dhcp host by mac (else id, else name), a range by start, a DNS host by\n"
	  "ip, an SRV by service, protocol and domain, a TXT by name.\n\n"
	  "The changed network must pass every check of 'netd define'; if it does not,\n"
	  "nothing changes, neither the stored config nor the running network.\n\n"
	  "Live, static DHCP hosts and DNS hosts are written to dnsmasq's hosts files\n"
	  "and dnsmasq re-reads them on SIGHUP: no restart. Ranges, SRV and TXT records\n"
	  "are in dnsmasq's config, which it reads only at start: dnsmasq is restarted,\n"
	  "keeping its lease file, so guests keep their addresses. The output says\n"
	  "which happened and dnsmasq's pid(s).\n\n"
	  "Options:\n"
	  "  --config   change the persistent config\n"
	  "  --live     change the running network (an error when it is not running)\n"
	  "Without either: both when the network is running, else the config alone.\n",
	  cmd_update, 4, 4, "cl", ARG_NAME, STORE_LOCK },
	{ "user", "create|list|destroy|leases [NAME] [OPTIONS]",
	  "Networks of your own, without root (when an admin delegates them).",
	  "Run as an unprivileged user. netd asks its delegation service\n"
	  "(NETD_RUN_DIR/user.sock, the socket unit netd-user.socket), which runs as\n"
	  "root, knows you by the socket's credentials, and does what\n"
	  "/etc/netd/delegation.conf allows you: how many networks, carved from which\n"
	  "address pool, nat or isolated. NAME is yours alone: your 'lab' and another\n"
	  "user's 'lab' are different networks (the admin sees them as USER.lab).\n"
	  "Only your own session VMs can join your networks' bridges.\n\n"
	  "  create NAME      define and start a network; it stays (and starts at\n"
	  "                   boot) until you destroy it, unless --transient\n"
	  "  list             your networks: name, state, bridge, subnet, forward\n"
	  "  destroy NAME     stop and remove it (refused while your VMs use it,\n"
	  "                   unless --force)\n"
	  "  leases NAME      its DHCP leases\n\n"
	  "Options:\n"
	  "  --nat            (create) guests reach outside through NAT (the default\n"
	  "                   where allowed)\n"
	  "  --isolated       (create) guests reach each other and the host only\n"
	  "  --transient      (create) gone when it stops or the host reboots\n"
	  "  --lease-time T   (create) DHCP lease, e.g. 90m, 12h (2m up to the\n"
	  "                   policy's max-lease-time)\n"
	  "  --force          (destroy) even while VMs are attached\n"
	  "  --json           (list, leases) one JSON document\n\n"
	  "Exit status: 0 done, 1 refused or failed (the message says why), 2 usage\n"
	  "error.\n",
	  cmd_user, 1, 2, "jfnitL", ARG_ANY, STORE_NONE },
	{ "serve-user", "", "The delegation service (run by netd-user.socket, as root).",
	  "Serves one 'netd user' request on the connection that is its standard input\n"
	  "and output (systemd's Accept=yes, or systemd-socket-activate --accept\n"
	  "--inetd), then exits. The caller is who the socket's SO_PEERCRED says;\n"
	  "what they may do is /etc/netd/delegation.conf (NETD_DELEGATION_CONF), read\n"
	  "for every request and trusted only when root owns it and its directories.\n"
	  "A request is one JSON object of at most 4096 bytes, read within 10 s; the\n"
	  "work is done under netd's lock with the same code as the admin commands.\n"
	  "One line per request goes to standard error (the journal).\n\n"
	  "Exit status: 0 when it answered, a refusal too (so that refused requests\n"
	  "leave no failed units), 1 when standard input is not a connection.\n",
	  cmd_serve_user, 0, 0, "", ARG_ANY, STORE_NONE },
};

static const struct cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void ctx_close(struct ctx *c)
{
	store_close(&c->s);
}

static int cmd_run(const struct cmd *cmd, int argc, char **argv)
{
	__attribute__((cleanup(ctx_close))) struct ctx c = { .s = { .lock_fd = -1 } };
	int r = parse_args(cmd, argc, argv, &c);

	if (r >= 0)
		return r;
	bool lock = cmd->store == STORE_LOCK || (cmd->store == STORE_VIEW && geteuid() == 0);

	int64_t t0 = step_phase_begin();

	if (cmd->store != STORE_NONE && store_open(&c.s, lock, &c.e) < 0)
		return fail(&c.e);
	step_phase_time("store open", t0);
	r = cmd->run(&c);
	step_phase_time("command", t0);
	return r;
}

/* Output that did not reach its file (a full disk, a closed pipe) is a
 * failure of the command, said once, here, for every command. */
static int stdout_done(const char *cmd, int rc)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	fprintf(stderr, "netd: %s: write to standard output: %s\n", cmd,
		errno ? strerror(errno) : "I/O error");
	return rc == CLI_USAGE ? CLI_USAGE : CLI_FAIL;
}

static void main_help(FILE *o)
{
	fprintf(o, "usage: netd COMMAND [ARGS]\n\n"
		   "netd provisions libvirt-style virtual networks: a bridge, NAT rules in\n"
		   "nftables, a dnsmasq for DHCP and DNS, and the bridge's entry in qemu's\n"
		   "bridge.conf for unprivileged qemu:///session VMs.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char syn[80];

		(void)snprintf(syn, sizeof syn, "%s %s", commands[i].name,
			       commands[i].args); /* may be truncated */
		/* a synopsis too long for the column gets a line of its own */
		fprintf(o, strlen(syn) > 28 ? "  %s\n%31s%s\n" : "  %-28s %s%s\n", syn, "",
			commands[i].summary);
	}
	fprintf(o,
		"\n'netd COMMAND --help' tells more about a command.\n\n"
		"Files (overridable with the environment variable in brackets):\n"
		"  %-26s persistent configs [NETD_CONF_DIR]\n"
		"  %-26s runtime state [NETD_RUN_DIR]\n"
		"  %-26s dnsmasq files and leases [NETD_STATE_DIR]\n"
		"  %-26s qemu-bridge-helper ACL [NETD_BRIDGE_CONF]\n"
		"  %-26s per-host settings [NETD_HOST_CONF]\n"
		"  %s or %s\n"
		"  %-26s the helper that status checks [NETD_BRIDGE_HELPER]\n\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n",
		NETD_DEFAULT_CONF_DIR, NETD_DEFAULT_RUN_DIR, NETD_DEFAULT_STATE_DIR,
		NETD_DEFAULT_BRIDGE_CONF, NETD_DEFAULT_HOST_CONF, nd_bridge_helpers[0],
		nd_bridge_helpers[1], "");
}

static int cli_dispatch(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		main_help(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (c = cmd_find(argv[2]))) {
			print_help(c);
			return CLI_OK;
		}
		main_help(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("netd %s\n", NETD_VERSION);
		return CLI_OK;
	}
	c = cmd_find(argv[1]);
	if (!c) {
		char name[512];

		fprintf(stderr, "netd: unknown command '%s' (see 'netd --help')\n",
			esc_arg(argv[1], name));
		return CLI_USAGE;
	}
	return cmd_run(c, argc - 1, argv + 1);
}

int cli_main(int argc, char **argv)
{
	const struct cmd *c = argc > 1 ? cmd_find(argv[1]) : NULL;

	return stdout_done(c ? c->name : "netd", cli_dispatch(argc, argv));
}
