/* Drift: is n's part of table inet netd in the kernel exactly what
 * fw_render(n) loads?
 *
 * Our script syntax is not nft's listing syntax, but nft lists identical
 * rules identically. So the kernel and nft make the expected state
 * themselves: a child process loads fw_render(n) alone into a fresh network
 * namespace and lists the table there as JSON; the caller's namespace is
 * listed the same way, and everything the child's table holds (n's part and
 * the shared skeleton) is looked up in the caller's by name: chains by
 * their own attributes and their rules' expressions in order, maps by their
 * type and flags and then element by element, because other networks'
 * elements sit beside n's. Handles differ between namespaces and are left
 * out of every comparison.
 *
 * One `list table` per side, not one `list chain` per chain: nft 1.0.6
 * fetches the whole table (every anonymous set's elements included) for
 * either, and gets its cache wrong when one run lists several objects.
 *
 * The child runs libnftables between fork and _exit, which is safe because
 * netd is single-threaded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fw.h"

#define TBL FW_TABLE_FAMILY " " FW_TABLE_NAME

/* Loading one network and listing it takes milliseconds; the bounds are
 * there so that nothing can hang `netd status`. */
#define FW_CHECK_TIMEOUT_MS 10000
#define FW_CHECK_MAX_ANSWER (16u << 20)

struct fw_plan {
	/* The child's answer: "L<JSON objects>" or "E<errno> <message>",
	 * then a NUL. */
	char *answer;
	size_t answer_len;
	json_t *want; /* the objects in it */
};

static void fw_plan_free(struct fw_plan *p)
{
	free(p->answer);
	json_decref(p->want);
}

/* In the child: n alone in a fresh namespace, listed. */
static int child_answer(int fd, const char *script, struct nerr *e)
{
	_cleanup_free_ char *out = NULL;
	json_auto_t *objs = NULL;
	int r;

	if (unshare(CLONE_NEWNET) < 0)
		return nerr_set(e, -errno, "unshare(CLONE_NEWNET) for a scratch namespace: %s%s",
				strerror(errno), errno == EPERM ? " (needs root)" : "");
	if ((r = fw_apply(script, false, e)) < 0)
		return nerr_wrap(e, r, "load in a scratch namespace");
	if ((r = fw_list_json(&objs, NULL, e)) < 0)
		return nerr_wrap(e, r, "in a scratch namespace");
	if (!(out = json_dumps(objs, JSON_COMPACT)))
		return nerr_set(e, -ENOMEM, "in a scratch namespace: out of memory");
	if ((r = nd_write_all(fd, "L", 1)) < 0 || (r = nd_write_all(fd, out, strlen(out) + 1)) < 0)
		return r; /* the parent has gone or given up: nobody to tell */
	return 0;
}

static _Noreturn void child_main(int fd, pid_t parent, const char *script)
{
	struct nerr e = { { 0 } };
	int r;

	/* Never outlive the caller. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(2);
	r = child_answer(fd, script, &e);
	if (r < 0 && e.msg[0]) {
		char rec[sizeof e.msg + 16];
		int len = snprintf(rec, sizeof rec, "E%d %s", -r, e.msg);

		if (len < 0)
			_exit(1);
		if (len >= (int)sizeof rec)
			len = (int)sizeof rec - 1;
		(void)nd_write_all(fd, rec, (size_t)len + 1);
	}
	_exit(r < 0 ? 1 : 0);
}

/* Read until the child closes the pipe (it exits), within the bounds. */
static int read_answer(int fd, struct fw_plan *p, struct nerr *e)
{
	int64_t deadline = nd_now_ms() + FW_CHECK_TIMEOUT_MS;
	size_t cap = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - nd_now_ms();
		ssize_t got;
		int k;

		if (left <= 0)
			return nerr_set(e, -ETIMEDOUT, "scratch namespace: no answer in %d ms",
					FW_CHECK_TIMEOUT_MS);
		k = poll(&pfd, 1, (int)left);
		if (k < 0 && errno != EINTR)
			return nerr_set(e, -errno, "scratch namespace: poll: %s", strerror(errno));
		if (k <= 0)
			continue;
		if (cap - p->answer_len < 4096) {
			char *nb;

			if (cap >= FW_CHECK_MAX_ANSWER)
				return nerr_set(e, -EFBIG,
						"scratch namespace: answer over %u bytes",
						FW_CHECK_MAX_ANSWER);
			cap = cap ? 2 * cap : 16384;
			if (!(nb = realloc(p->answer, cap)))
				return nerr_set(e, -ENOMEM, "scratch namespace: out of memory");
			p->answer = nb;
		}
		got = read(fd, p->answer + p->answer_len, cap - p->answer_len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return nerr_set(e, -errno, "scratch namespace: read: %s", strerror(errno));
		if (got == 0)
			return 0;
		p->answer_len += (size_t)got;
	}
}

/* The child has closed the pipe, so it is exiting; when it has not, it is
 * killed first, so this never waits long either. -1 when the status is
 * lost (someone else reaped it). */
static int reap(pid_t pid, bool kill_first)
{
	int status = 0;

	if (kill_first)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* The answer is one record with its NUL last: a complete listing (the
 * child writes it only once it has it all) or the child's error. */
static int parse_answer(struct fw_plan *p, int status, struct nerr *e)
{
	const char *a = p->answer;
	size_t len = p->answer_len;

	if (len >= 2 && a[len - 1] == '\0' && strlen(a) == len - 1) {
		char *msg;
		long err;

		if (a[0] == 'L') {
			json_error_t je;

			if (!(p->want = json_loads(a + 1, 0, &je)))
				return nerr_set(e, -EIO, "scratch namespace: JSON unreadable: %s",
						je.text);
			if (!json_is_array(p->want))
				return nerr_set(e, -EIO, "scratch namespace: JSON not a list");
			return 0;
		}
		err = strtol(a + 1, &msg, 10);
		if (a[0] == 'E' && err > 0 && err < 4096 && *msg == ' ')
			return nerr_set(e, -(int)err, "%s", msg + 1);
	}
	if (status != -1 && WIFSIGNALED(status))
		return nerr_set(e, -EIO, "scratch namespace: child killed by signal %d",
				WTERMSIG(status));
	return nerr_set(e, -EIO, "scratch namespace: child gave no answer (exit status %d)",
			status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* The table's objects with fw_render(n) alone, from a child. */
static int fw_plan_expect(struct fw_plan *p, const char *script, struct nerr *e)
{
	_cleanup_close_ int rd = -1;
	pid_t pid, self = getpid();
	int fds[2], r, status;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return nerr_set(e, -errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		return nerr_set(e, r, "fork: %s", strerror(-r));
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], self, script);
	}
	close(fds[1]);
	rd = fds[0];
	r = read_answer(rd, p, e);
	status = reap(pid, r < 0);
	if (r < 0)
		return r;
	return parse_answer(p, status, e);
}

void fw_drift_free(struct fw_drift *d)
{
	free(d->f);
	memset(d, 0, sizeof *d);
}

int fw_drift_str(const struct fw_finding *f, char *buf, size_t len)
{
	const char *what = f->is_set ? "set" : "map";

	switch (f->kind) {
	case FW_DRIFT_TABLE_MISSING:
		return nd_snprintf(buf, len, "table %s missing", f->object);
	case FW_DRIFT_TABLE_DIFFERS:
		return nd_snprintf(buf, len, "table %s differs", f->object);
	case FW_DRIFT_CHAIN_MISSING:
		return nd_snprintf(buf, len, "chain %s missing", f->object);
	case FW_DRIFT_CHAIN_DIFFERS:
		return nd_snprintf(buf, len, "chain %s differs", f->object);
	case FW_DRIFT_MAP_MISSING:
		return nd_snprintf(buf, len, "%s %s missing", what, f->object);
	case FW_DRIFT_MAP_DIFFERS:
		return nd_snprintf(buf, len, "%s %s differs", what, f->object);
	case FW_DRIFT_ELEM_MISSING:
		return nd_snprintf(buf, len, "%s %s lacks %s", what, f->object, f->key);
	case FW_DRIFT_ELEM_DIFFERS:
		return nd_snprintf(buf, len, "%s %s differs for %s", what, f->object, f->key);
	}
	return nd_snprintf(buf, len, "%s: unknown finding %d", f->object, (int)f->kind);
}

/* Keep a finding; past FW_DRIFT_MAX, only count it. */
static int finding(struct fw_drift *d, enum fw_drift_kind kind, bool is_set, const char *object,
		   const char *key, bool key_is_name, struct nerr *e)
{
	struct fw_finding *f;

	if (d->n >= FW_DRIFT_MAX) {
		d->more++;
		return 0;
	}
	if (!(f = nd_array_push(&d->f, &d->n, sizeof *f, FW_DRIFT_MAX)))
		return nerr_set(e, -ENOMEM, "out of memory");
	f->kind = kind;
	f->is_set = is_set;
	f->key_is_name = key_is_name;
	/* Names come from nft's listing of our own script: they fit; a key
	 * that does not is shown cut (only the message shows it whole). */
	(void)nd_strlcpy(f->object, object, sizeof f->object);
	(void)nd_strlcpy(f->key, key ? key : "", sizeof f->key);
	return 0;
}

/* Two objects alike but for the members named in 'skip' (NULL-ended). */
static bool eq_except(json_t *a, json_t *b, const char *const *skip)
{
	const char *k;
	json_t *v;
	size_t na = 0, nb = 0;

	if (!json_is_object(a) || !json_is_object(b))
		return json_equal(a, b);
	json_object_foreach(a, k, v)
	{
		bool skipped = false;

		for (const char *const *s = skip; *s && !skipped; s++)
			skipped = strcmp(k, *s) == 0;
		if (skipped)
			continue;
		if (!json_equal(v, json_object_get(b, k)))
			return false;
		na++;
	}
	json_object_foreach(b, k, v)
	{
		bool skipped = false;

		for (const char *const *s = skip; *s && !skipped; s++)
			skipped = strcmp(k, *s) == 0;
		nb += !skipped;
	}
	return na == nb;
}

static const char *const no_handle[] = { "handle", NULL };
static const char *const no_handle_elem[] = { "handle", "elem", NULL };

/* The body of the object of 'kind' named 'name' ({"chain": BODY}). */
static json_t *find_obj(json_t *objs, const char *kind, const char *name)
{
	json_t *obj, *body;
	size_t i;

	json_array_foreach(objs, i, obj)
	{
		const char *nm;

		body = json_object_get(obj, kind);
		nm = json_string_value(json_object_get(body, "name"));
		if (nm && strcmp(nm, name) == 0)
			return body;
	}
	return NULL;
}

/* The i-th rule of chain 'name' from index *pos on, in listing order. */
static json_t *next_rule(json_t *objs, const char *name, size_t *pos)
{
	for (; *pos < json_array_size(objs); (*pos)++) {
		json_t *r = json_object_get(json_array_get(objs, *pos), "rule");
		const char *ch = json_string_value(json_object_get(r, "chain"));

		if (ch && strcmp(ch, name) == 0) {
			(*pos)++;
			return r;
		}
	}
	return NULL;
}

/* The chain's attributes (hook, policy...) and its rules in order. */
static bool chain_eq(json_t *want, json_t *have, json_t *wb, json_t *hb, const char *name)
{
	size_t wi = 0, hi = 0;

	if (!eq_except(wb, hb, no_handle))
		return false;
	for (;;) {
		json_t *w = next_rule(want, name, &wi), *h = next_rule(have, name, &hi);

		if (!w || !h)
			return !w && !h;
		if (!eq_except(w, h, no_handle))
			return false;
	}
}

/* An element's key, without the wrapper nft puts around a key that has
 * options ({"elem": {"val": KEY, ...}}). */
static json_t *elem_key(json_t *el)
{
	json_t *k = json_is_array(el) ? json_array_get(el, 0) : el;
	json_t *wrapped = json_object_get(json_object_get(k, "elem"), "val");

	return wrapped ? wrapped : k;
}

/* One key, or one field of a concatenated key, as the message shows it:
 * "virbr0", "10.0.0.1", "10.0.0.0/24", "10.0.0.1-10.0.0.9"; anything else
 * as compact JSON. */
static void field_str(json_t *k, char *buf, size_t len)
{
	json_t *pfx = json_object_get(k, "prefix"), *range = json_object_get(k, "range");
	_cleanup_free_ char *dump = NULL;

	if (json_is_string(k))
		(void)nd_strlcpy(buf, json_string_value(k), len); /* may be truncated */
	else if (json_is_string(json_object_get(pfx, "addr")) &&
		 json_is_integer(json_object_get(pfx, "len")))
		(void)snprintf(buf, len, "%s/%lld", json_string_value(json_object_get(pfx, "addr")),
			       (long long)json_integer_value(json_object_get(pfx, "len")));
	else if (json_array_size(range) == 2 && json_is_string(json_array_get(range, 0)) &&
		 json_is_string(json_array_get(range, 1)))
		(void)snprintf(buf, len, "%s-%s", json_string_value(json_array_get(range, 0)),
			       json_string_value(json_array_get(range, 1)));
	else if ((dump = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY)))
		(void)nd_strlcpy(buf, dump, len);
	else
		(void)nd_strlcpy(buf, "?", len);
}

/* A key as the message shows it: field_str(), or a concatenation's fields
 * joined by " . " ("virbr0 . 192.168.122.0/24"). */
static void key_str(json_t *k, char *buf, size_t len)
{
	json_t *concat = json_object_get(k, "concat"), *part;
	size_t i;

	if (!json_is_array(concat) || len == 0) {
		field_str(k, buf, len);
		return;
	}
	buf[0] = '\0';
	json_array_foreach(concat, i, part)
	{
		size_t at = strlen(buf);

		if (i && at + 3 < len)
			(void)snprintf(buf + at, len - at, " . ");
		at = strlen(buf);
		field_str(part, buf + at, len - at); /* may be truncated */
	}
}

/* n's elements must be there (in a map, with their verdicts); others may be
 * too. */
static int check_elems(const char *map, bool is_set, json_t *wb, json_t *hb, struct fw_drift *d,
		       struct nerr *e)
{
	const char *type = json_string_value(json_object_get(wb, "type"));
	json_t *w, *h, *have = json_object_get(hb, "elem");
	size_t i, j;
	int r;

	json_array_foreach(json_object_get(wb, "elem"), i, w)
	{
		json_t *same_key = NULL;
		char key[sizeof((struct fw_finding *)0)->key];

		json_array_foreach(have, j, h) if (json_equal(elem_key(h), elem_key(w))) same_key =
			h;
		if (same_key && json_equal(same_key, w))
			continue;
		key_str(elem_key(w), key, sizeof key);
		r = finding(d, same_key ? FW_DRIFT_ELEM_DIFFERS : FW_DRIFT_ELEM_MISSING, is_set,
			    map, key, type && strcmp(type, "ifname") == 0, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every chain, then every map and set, of the child's table, in the
 * caller's. */
static int compare(json_t *want, json_t *have, struct fw_drift *d, struct nerr *e)
{
	static const char *const kinds[] = { "chain", "map", "set" };
	json_t *obj;
	size_t i;
	int r = 0;

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		bool is_chain = k == 0, is_set = k == 2;

		json_array_foreach(want, i, obj)
		{
			json_t *wb = json_object_get(obj, kinds[k]), *hb;
			const char *name = json_string_value(json_object_get(wb, "name"));

			if (!wb)
				continue;
			if (!name)
				return nerr_set(e, -EIO, "%s without a name in the scratch listing",
						kinds[k]);
			if (!(hb = find_obj(have, kinds[k], name)))
				r = finding(
					d, is_chain ? FW_DRIFT_CHAIN_MISSING : FW_DRIFT_MAP_MISSING,
					is_set, name, NULL, false, e);
			else if (is_chain && !chain_eq(want, have, wb, hb, name))
				r = finding(d, FW_DRIFT_CHAIN_DIFFERS, false, name, NULL, false, e);
			else if (!is_chain && !eq_except(wb, hb, no_handle_elem))
				r = finding(d, FW_DRIFT_MAP_DIFFERS, is_set, name, NULL, false, e);
			else if (!is_chain)
				r = check_elems(name, is_set, wb, hb, d, e);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int fw_check(const struct net *n, struct fw_drift *d, struct nerr *e)
{
	__attribute__((cleanup(fw_plan_free))) struct fw_plan p = { 0 };
	_cleanup_free_ char *script = NULL;
	json_auto_t *have = NULL;
	uint32_t flags = 0;
	int r;

	fw_drift_free(d);
	if (!fw_net_has_part(n))
		return 0; /* nothing to drift, and no table to create */
	if ((r = fw_render(n, &script, e)) < 0)
		return r;
	if ((r = fw_plan_expect(&p, script, e)) < 0)
		return nerr_wrap(e, r, "firewall: network %s: check drift", n->name);
	r = fw_list_json(&have, &flags, e);
	if (r == -ENOENT) {
		if (e)
			e->msg[0] = '\0';
		return finding(d, FW_DRIFT_TABLE_MISSING, false, TBL, NULL, false, e);
	}
	if (r >= 0 && flags)
		r = finding(d, FW_DRIFT_TABLE_DIFFERS, false, TBL, NULL, false, e);
	if (r >= 0)
		r = compare(p.want, have, d, e);
	if (r < 0) {
		fw_drift_free(d);
		return nerr_wrap(e, r, "firewall: network %s: check drift", n->name);
	}
	return 0;
}

/* nft's syntax for the key of a finding: a name quoted, an address (or
 * prefix, or range) bare. Both pass their grammar first, although they come
 * from nft's listing of our own script: this is a command line. */
static int key_nft(const struct fw_finding *f, char *buf, size_t len, struct nerr *e)
{
	if (f->key_is_name && net_ifname_ok(f->key))
		return nd_snprintf(buf, len, "\"%s\"", f->key);
	if (!f->key_is_name && f->key[0] &&
	    strspn(f->key, "0123456789abcdefABCDEF.:/-") == strlen(f->key))
		return nd_snprintf(buf, len, "%s", f->key);
	return nerr_set(e, -EINVAL, "firewall: map %s: key '%s' is not a plain name or address",
			f->object, f->key);
}

int fw_repair(const struct net *n, const struct fw_drift *d, struct nerr *e)
{
	_cleanup_free_ char *start = NULL, *script = NULL;
	struct sbuf s = { 0 };
	int r;

	if ((r = fw_render(n, &start, e)) < 0)
		return r;
	for (size_t i = 0; i < d->n; i++) {
		const struct fw_finding *f = &d->f[i];
		char key[sizeof f->key + 2];

		if (f->kind != FW_DRIFT_ELEM_DIFFERS)
			continue;
		r = net_name_ok(f->object)
			    ? key_nft(f, key, sizeof key, e)
			    : nerr_set(e, -EINVAL, "firewall: map name '%s' is not plain",
				       f->object);
		if (r < 0) {
			sbuf_free(&s);
			return r;
		}
		/* The element exists (fw_check saw it), so the delete loads. */
		sbuf_printf(&s, "delete element " TBL " %s { %s }\n", f->object, key);
	}
	sbuf_puts(&s, start);
	if (!(script = sbuf_finish(&s)))
		return nerr_set(e, -ENOMEM, "firewall: network %s: repair: out of memory", n->name);
	if ((r = fw_apply(script, false, e)) < 0)
		return nerr_wrap(e, r, "firewall: network %s: repair", n->name);
	return 0;
}
