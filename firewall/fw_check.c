/* Drift: is n's part of table inet netd in the kernel exactly what
 * fw_render(n) loads?
 *
 * Our script syntax is not nft's listing syntax, but nft lists identical
 * rules identically. So the kernel and nft make the expected listing
 * themselves: a child process loads fw_render(n) alone into a fresh network
 * namespace and lists the table there; the caller's namespace is listed the
 * same way and the two are compared, block by block for each chain and map
 * the script writes to, found by name. Chains compare as whole texts (rule
 * order matters); maps element by element, because other networks'
 * elements sit beside n's and nft orders and wraps them as it likes.
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
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fw.h"

#define TBL FW_TABLE_FAMILY " " FW_TABLE_NAME

/* Loading one network and listing it takes milliseconds; the bounds are
 * there so that nothing can hang `netd status`. */
#define FW_CHECK_TIMEOUT_MS 10000
#define FW_CHECK_MAX_ANSWER (16u << 20)
#define FW_CHECK_MAX_ITEMS  64

enum fw_kind { FW_KIND_CHAIN, FW_KIND_MAP };

static const char *const fw_kind_word[] = {
	[FW_KIND_CHAIN] = "chain",
	[FW_KIND_MAP] = "map",
};

/* A chain or map that fw_render(n) writes to. */
struct fw_item {
	enum fw_kind kind;
	char name[NET_NAME_MAX + 16];
};

struct fw_plan {
	const char *net;
	struct fw_item *items;
	size_t n;
	/* The child's answer: "L<listing>" or "E<errno> <message>", then a
	 * NUL. */
	char *answer;
	size_t answer_len;
	const char *want; /* the listing in it */
};

static void fw_plan_free(struct fw_plan *p)
{
	free(p->items);
	free(p->answer);
}

struct fw_span {
	const char *p;
	size_t len;
};

static bool span_eq(struct fw_span a, struct fw_span b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static int plan_add(struct fw_plan *p, enum fw_kind kind, const char *name, size_t len,
		    struct nerr *e)
{
	struct fw_item *it;

	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].kind == kind && strlen(p->items[i].name) == len &&
		    memcmp(p->items[i].name, name, len) == 0)
			return 0;
	if (len == 0 || len >= sizeof it->name)
		return nerr_set(e, -EINVAL, "firewall: network %s: check: bad name in script",
				p->net);
	it = nd_array_push(&p->items, &p->n, sizeof *it, FW_CHECK_MAX_ITEMS);
	if (!it)
		return nerr_set(e, -ENOMEM, "firewall: network %s: check: out of memory", p->net);
	it->kind = kind;
	memcpy(it->name, name, len);
	return 0;
}

/* The chains (n's and the base chains) and maps, read from the script's own
 * lines "add chain TBL NAME[ {...}]" and "add element TBL MAP { ... }", so
 * that the check follows whatever fw_render() writes. */
static int plan_items(struct fw_plan *p, const char *script, struct nerr *e)
{
	static const struct {
		const char *prefix;
		enum fw_kind kind;
	} forms[] = {
		{ "add chain " TBL " ", FW_KIND_CHAIN },
		{ "add element " TBL " ", FW_KIND_MAP },
	};
	int r;

	for (const char *l = script; *l;) {
		size_t eol = strcspn(l, "\n");

		for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
			size_t pl = strlen(forms[i].prefix);
			const char *name = l + pl;

			if (strncmp(l, forms[i].prefix, pl) != 0)
				continue;
			r = plan_add(p, forms[i].kind, name, strcspn(name, " \n"), e);
			if (r < 0)
				return r;
		}
		l += eol + (l[eol] == '\n');
	}
	if (p->n == 0)
		return nerr_set(e, -EIO, "firewall: network %s: check: the script adds no chain",
				p->net);
	return 0;
}

/* In the child: n alone in a fresh namespace, listed. */
static int child_answer(int fd, const char *script, struct nerr *e)
{
	_cleanup_free_ char *out = NULL;
	int r;

	if (unshare(CLONE_NEWNET) < 0)
		return nerr_set(e, -errno, "unshare(CLONE_NEWNET) for a scratch namespace: %s%s",
				strerror(errno), errno == EPERM ? " (needs root)" : "");
	if ((r = fw_apply(script, false, e)) < 0)
		return nerr_wrap(e, r, "load in a scratch namespace");
	if ((r = fw_list(&out, e)) < 0)
		return nerr_wrap(e, r, "in a scratch namespace");
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

		if (len >= (int)sizeof rec)
			len = (int)sizeof rec - 1;
		(void)nd_write_all(fd, rec, (size_t)len + 1);
	}
	_exit(r < 0 ? 1 : 0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read until the child closes the pipe (it exits), within the bounds. */
static int read_answer(int fd, struct fw_plan *p, struct nerr *e)
{
	int64_t deadline = now_ms() + FW_CHECK_TIMEOUT_MS;
	size_t cap = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
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
			p->want = a + 1;
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

/* The table's listing with fw_render(n) alone, from a child. */
static int plan_expect(struct fw_plan *p, const char *script, struct nerr *e)
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

/* nft lists a table as
 *	table inet netd {
 *		[flags dormant, blank line]
 *		chain NAME {		(or map NAME, set NAME, counter NAME...)
 *			...		(deeper)
 *		}
 *		(blank line between blocks)
 *	}
 * The table's head is what comes before its first block. */
static struct fw_span table_head(const char *list)
{
	const char *l = list + strcspn(list, "\n");

	while (*l == '\n') {
		const char *s = l + 1;
		size_t n = strcspn(s, "\n");

		if ((n >= 3 && s[0] == '\t' && memcmp(s + n - 2, " {", 2) == 0) ||
		    (n == 1 && s[0] == '}'))
			break;
		l = s + n;
	}
	return (struct fw_span){ list, (size_t)(l - list) + (*l == '\n') };
}

/* A block "\tKIND NAME {\n...\t}\n" by name; a header line can match
 * nothing else, since all inside a block is indented deeper. */
static bool table_block(const char *list, enum fw_kind kind, const char *name, struct fw_span *out)
{
	char head[sizeof((struct fw_item *)0)->name + 16];
	const char *s, *end;

	snprintf(head, sizeof head, "\n\t%s %s {\n", fw_kind_word[kind], name);
	if (!(s = strstr(list, head)) || !(end = strstr(s + 1, "\n\t}\n")))
		return false;
	s++;
	*out = (struct fw_span){ s, (size_t)(end + 4 - s) };
	return true;
}

/* A map's block: all but the elements, and each element "KEY : VERDICT". */
struct fw_map {
	struct fw_span head, tail;
	struct fw_span *elems;
	size_t n;
};

static void fw_map_free(struct fw_map *m)
{
	free(m->elems);
}

static char shape_at(const struct fw_map *m, size_t i)
{
	return i < m->head.len ? m->head.p[i] : m->tail.p[i - m->head.len];
}

/* The blocks without their elements, compared as one text: a map with no
 * element left has no "elements" line at all. */
static bool shape_eq(const struct fw_map *a, const struct fw_map *b)
{
	size_t len = a->head.len + a->tail.len;

	if (len != b->head.len + b->tail.len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (shape_at(a, i) != shape_at(b, i))
			return false;
	return true;
}

static struct fw_span span_key(struct fw_span s)
{
	const char *sep = memmem(s.p, s.len, " : ", 3);

	return (struct fw_span){ s.p, sep ? (size_t)(sep - s.p) : s.len };
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* nft prints "\t\telements = { A : jump x, B : jump y,\n\t\t\t     C ... }\n"
 * between the map's declaration and its closing brace, wrapping where it
 * likes; a key is a quoted name or an address, and a quoted name can hold
 * neither a quote nor a newline. */
static int map_split(struct fw_span block, struct fw_map *m)
{
	static const char open[] = "\t\telements = {";
	const char *q = memmem(block.p, block.len, open, strlen(open));
	const char *end = block.p + block.len;

	if (!q) {
		m->head = block;
		m->tail = (struct fw_span){ end, 0 };
		return 0;
	}
	m->head = (struct fw_span){ block.p, (size_t)(q - block.p) };
	q += strlen(open);
	for (;;) {
		const char *s = q, *t;
		bool quoted = false;

		for (; q < end && (quoted || (*q != ',' && *q != '}')); q++)
			if (*q == '"')
				quoted = !quoted;
		if (q == end)
			return -EIO;
		for (t = q; t > s && is_blank(t[-1]); t--)
			;
		while (s < t && is_blank(*s))
			s++;
		if (s < t) {
			struct fw_span *el =
				nd_array_push(&m->elems, &m->n, sizeof *el, SIZE_MAX / sizeof *el);
			if (!el)
				return -ENOMEM;
			*el = (struct fw_span){ s, (size_t)(t - s) };
		}
		if (*q++ == '}')
			break;
	}
	q += q < end && *q == '\n';
	m->tail = (struct fw_span){ q, (size_t)(end - q) };
	return 0;
}

/* Record drift; returns 1 so that the caller stops at the first finding. */
static int report(bool *drift, char *what, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int report(bool *drift, char *what, size_t len, const char *fmt, ...)
{
	*drift = true;
	if (what && len) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(what, len, fmt, ap);
		va_end(ap);
	}
	return 1;
}

/* n's elements must be there with their verdicts; others may be too. */
static int check_map(const struct fw_item *it, struct fw_span want_block, struct fw_span have_block,
		     bool *drift, char *what, size_t len, struct nerr *e)
{
	__attribute__((cleanup(fw_map_free))) struct fw_map want = { 0 }, have = { 0 };
	int r;

	if ((r = map_split(want_block, &want)) < 0 || (r = map_split(have_block, &have)) < 0)
		return nerr_set(e, r, "map %s: %s", it->name,
				r == -ENOMEM ? "out of memory" : "unexpected listing");
	if (!shape_eq(&want, &have))
		return report(drift, what, len, "map %s differs", it->name);
	for (size_t i = 0; i < want.n; i++) {
		struct fw_span key = span_key(want.elems[i]);
		bool found = false, same_key = false;

		for (size_t j = 0; j < have.n && !found; j++) {
			found = span_eq(have.elems[j], want.elems[i]);
			same_key = same_key || span_eq(span_key(have.elems[j]), key);
		}
		if (found)
			continue;
		/* Names print quoted; the message shows them bare. */
		if (key.len >= 2 && key.p[0] == '"') {
			key.p++;
			key.len -= 2;
		}
		return report(drift, what, len,
			      same_key ? "map %s differs for %.*s" : "map %s lacks %.*s", it->name,
			      (int)key.len, key.p);
	}
	return 0;
}

/* The first of n's chains and maps that is not as it should be. */
static int check_items(const struct fw_plan *p, const char *have, bool *drift, char *what,
		       size_t len, struct nerr *e)
{
	if (!span_eq(table_head(p->want), table_head(have)))
		return report(drift, what, len, "table " TBL " differs");
	for (size_t i = 0; i < p->n; i++) {
		const struct fw_item *it = &p->items[i];
		const char *word = fw_kind_word[it->kind];
		struct fw_span w, h;
		int r;

		if (!table_block(p->want, it->kind, it->name, &w))
			return nerr_set(e, -EIO, "%s %s: not in the scratch namespace's listing",
					word, it->name);
		if (!table_block(have, it->kind, it->name, &h))
			return report(drift, what, len, "%s %s missing", word, it->name);
		if (it->kind == FW_KIND_CHAIN && !span_eq(w, h))
			return report(drift, what, len, "chain %s differs", it->name);
		if (it->kind == FW_KIND_MAP && (r = check_map(it, w, h, drift, what, len, e)) != 0)
			return r;
	}
	return 0;
}

int fw_check(const struct net *n, bool *drift, char *what, size_t len, struct nerr *e)
{
	__attribute__((cleanup(fw_plan_free))) struct fw_plan p = { .net = n->name };
	_cleanup_free_ char *script = NULL, *have = NULL;
	int r;

	*drift = false;
	if (what && len)
		what[0] = '\0';
	if ((r = fw_render(n, &script, e)) < 0)
		return r;
	/* open: no rules, so nothing to drift (and no table to create). */
	if (!script[0])
		return 0;
	if ((r = plan_items(&p, script, e)) < 0)
		return r;
	if ((r = plan_expect(&p, script, e)) < 0)
		return nerr_wrap(e, r, "firewall: network %s: check drift", n->name);
	r = fw_list(&have, e);
	if (r == -ENOENT) {
		if (e)
			e->msg[0] = '\0';
		report(drift, what, len, "table " TBL " missing");
		return 0;
	}
	if (r < 0)
		return nerr_wrap(e, r, "firewall: network %s: check drift", n->name);
	r = check_items(&p, have, drift, what, len, e);
	if (r < 0)
		return nerr_wrap(e, r, "firewall: network %s: check drift", n->name);
	return 0;
}

/* n's stop script line that deletes the element of 'map' keyed 'key' (as
 * fw_check prints it: names bare), or NULL. */
static const char *delete_line(char *stop, const char *map, const char *key)
{
	char bare[160], quoted[160];

	snprintf(bare, sizeof bare, "delete element " TBL " %s { %s }", map, key);
	snprintf(quoted, sizeof quoted, "delete element " TBL " %s { \"%s\" }", map, key);
	for (char *save = NULL, *l = strtok_r(stop, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (strcmp(l, bare) == 0 || strcmp(l, quoted) == 0)
			return l;
	return NULL;
}

int fw_repair(const struct net *n, const char *what, struct nerr *e)
{
	_cleanup_free_ char *start = NULL, *stop = NULL, *script = NULL;
	char map[32], key[80];
	const char *del;
	int r;

	if ((r = fw_render(n, &start, e)) < 0)
		return r;
	if (sscanf(what, "map %31s differs for %79s", map, key) != 2)
		return fw_apply(start, false, e);
	if ((r = fw_render_stop(n, false, &stop, e)) < 0)
		return r;
	if (!(del = delete_line(stop, map, key)))
		return fw_apply(start, false, e);
	if (asprintf(&script, "%s\n%s", del, start) < 0) {
		script = NULL;
		return nerr_set(e, -ENOMEM, "nftables: out of memory");
	}
	return fw_apply(script, false, e);
}
