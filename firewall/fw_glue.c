/* netd's accepts in the host's iptables-nft chains (see fw.h): the shared
 * rules of netd's interface group, a TFTP network's own accept, reading the
 * chains, the commands that change them, and drift. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fw.h"
#include "step.h"

enum { GL_INPUT, GL_FORWARD, GL_DOCKER, GL_N_CHAINS };
static const char *const gl_chain_name[GL_N_CHAINS] = { "INPUT", "FORWARD", "DOCKER-USER" };

static const struct {
	const char *family;  /* the table's */
	const char *restore; /* iptables-nft-restore, of this family */
	int af;
	uint16_t dhcp_port;
} gl_fam[] = { { "ip", "iptables-nft-restore", AF_INET, 67 },
	       { "ip6", "ip6tables-nft-restore", AF_INET6, 547 } };
#define GL_N_FAMS ARRAY_SIZE(gl_fam)

#define GL_TAG	     "netd"
#define GL_TFTP_PORT 69

/* One rule netd wants, as fw_glue_rules() decodes it. */
struct gl_spec {
	bool own;   /* n's own ("netd:NAME", by bridge name), else shared */
	uint8_t l4; /* 0: any */
	uint16_t dport;
	uint32_t src_group, dst_group;
};

/* A chain as the host has it and as n wants it. */
#define GL_WANT_MAX 4
struct gl_chain {
	bool exists;
	bool jumps_docker; /* FORWARD: a rule jumps to DOCKER-USER */
	size_t n_want;
	struct gl_spec want[GL_WANT_MAX];
	bool found[GL_WANT_MAX];     /* in place: no foreign rule above it */
	bool misplaced[GL_WANT_MAX]; /* there, but below a rule not netd's */
	uint64_t handle[GL_WANT_MAX];
	/* netd's rules to go: unwanted here, duplicates, older shapes */
	size_t n_gone;
	uint64_t gone[32];
	bool gone_own_old; /* among them, n's rules from before the shared ones */
};

struct gl_host {
	struct gl_chain c[GL_N_FAMS][GL_N_CHAINS];
	bool shared_change; /* a shared rule to insert or delete */
};

static bool gl_spec_is(const struct gl_spec *s, const struct fw_host_rule *r, const char *br)
{
	if (!r->known || r->l4 != s->l4 || r->dport != s->dport || r->src_group != s->src_group ||
	    r->dst_group != s->dst_group || r->oif[0])
		return false;
	return s->own ? strcmp(r->iif, br) == 0 : !r->iif[0];
}

static void gl_want(struct gl_chain *c, bool own, uint8_t l4, uint16_t dport, uint32_t src,
		    uint32_t dst)
{
	if (c->n_want < GL_WANT_MAX)
		c->want[c->n_want++] = (struct gl_spec){
			.own = own, .l4 = l4, .dport = dport, .src_group = src, .dst_group = dst
		};
}

/* What n wants in family f: the shared rules and, in ip INPUT, its own
 * TFTP accept. */
static void gl_wants(const struct net *n, size_t f, struct gl_host *h)
{
	struct gl_chain *in = &h->c[f][GL_INPUT], *fwd = &h->c[f][GL_FORWARD];

	if (h->c[f][GL_DOCKER].exists && fwd->jumps_docker)
		fwd = &h->c[f][GL_DOCKER];
	if (in->exists) {
		gl_want(in, false, IPPROTO_UDP, gl_fam[f].dhcp_port, FW_DEVGROUP, 0);
		gl_want(in, false, IPPROTO_UDP, 53, FW_DEVGROUP, 0);
		gl_want(in, false, IPPROTO_TCP, 53, FW_DEVGROUP, 0);
		if (gl_fam[f].af == AF_INET && net_tftp_ip(n))
			gl_want(in, true, IPPROTO_UDP, GL_TFTP_PORT, 0, 0);
	}
	if (fwd->exists) {
		gl_want(fwd, false, 0, 0, FW_DEVGROUP, 0);
		gl_want(fwd, false, 0, 0, 0, FW_DEVGROUP);
	}
}

static void gl_gone(struct gl_chain *c, const struct fw_host_rule *r)
{
	if (c->n_gone < ARRAY_SIZE(c->gone))
		c->gone[c->n_gone++] = r->handle;
}

/* One chain's rules, top to bottom: which wanted ones are there and in
 * place, which of netd's must go. Rules of netd's own ("netd", and any
 * network's "netd:NAME") do not count as foreign above another. */
static void gl_scan_chain(const struct net *n, enum fw_glue_mode m, bool family_wanted,
			  struct gl_chain *c, const char *chain, const struct fw_host_rule *rules,
			  size_t n_rules, const char *own_tag)
{
	bool foreign_seen = false;

	for (size_t i = 0; i < n_rules; i++) {
		const struct fw_host_rule *r = &rules[i];
		bool shared = strcmp(r->comment, GL_TAG) == 0;
		bool own = strcmp(r->comment, own_tag) == 0;
		size_t k;

		if (strcmp(r->chain, chain) != 0)
			continue;
		if (!shared && !own) {
			if (strncmp(r->comment, GL_TAG ":", strlen(GL_TAG ":")) != 0)
				foreign_seen = true;
			continue;
		}
		for (k = 0; k < c->n_want; k++)
			if (c->want[k].own == own && !c->found[k] && !c->misplaced[k] &&
			    gl_spec_is(&c->want[k], r, n->bridge))
				break;
		if (k < c->n_want) {
			c->handle[k] = r->handle;
			if (foreign_seen)
				c->misplaced[k] = true;
			else
				c->found[k] = true;
			continue;
		}
		/* Not wanted here. A shared rule stays where n cannot know
		 * whether another network needs it: n's family-less chains
		 * (another network's family), and any stop but the last. */
		if (shared && (m == FW_GLUE_DROP_OWN || (m == FW_GLUE_WANT && !family_wanted)))
			continue;
		if (own)
			c->gone_own_old = true;
		gl_gone(c, r);
	}
}

/* The host's chains, netd's rules in them, and what m wants. */
static int gl_read(const struct net *n, enum fw_glue_mode m, struct gl_host *h, struct nerr *e)
{
	char own_tag[NET_NAME_MAX + 8];
	int r;

	if (!net_name_ok(n->name) || !net_ifname_ok(n->bridge))
		return nerr_set(e, -EINVAL, "iptables: network %s: not a plain name or bridge",
				n->name);
	(void)snprintf(own_tag, sizeof own_tag, GL_TAG ":%s", n->name); /* fits: name checked */
	for (size_t f = 0; f < GL_N_FAMS; f++) {
		_cleanup_free_ struct fw_host_rule *rules = NULL;
		bool family_wanted = m == FW_GLUE_WANT && net_has_family(n, gl_fam[f].af);
		size_t n_rules;
		unsigned present;

		/* Which chains there are, in one dump: on a host without
		 * iptables nothing more to read. */
		if ((r = fw_chains_exist(gl_fam[f].family, "filter", gl_chain_name, GL_N_CHAINS,
					 &present, e)) < 0)
			return nerr_wrap(e, r, "iptables: network %s", n->name);
		if (!present)
			continue;
		if ((r = fw_glue_rules(gl_fam[f].family, "filter", gl_chain_name, GL_N_CHAINS,
				       &rules, &n_rules, e)) < 0)
			return nerr_wrap(e, r, "iptables: network %s", n->name);
		for (int ch = 0; ch < GL_N_CHAINS; ch++)
			h->c[f][ch].exists = present & (1u << ch);
		for (size_t i = 0; i < n_rules; i++)
			if (strcmp(rules[i].chain, "FORWARD") == 0 &&
			    strcmp(rules[i].jump, "DOCKER-USER") == 0)
				h->c[f][GL_FORWARD].jumps_docker = true;
		if (family_wanted)
			gl_wants(n, f, h);
		for (int ch = 0; ch < GL_N_CHAINS; ch++) {
			struct gl_chain *c = &h->c[f][ch];

			gl_scan_chain(n, m, family_wanted, c, gl_chain_name[ch], rules, n_rules,
				      own_tag);
			for (size_t k = 0; k < c->n_want; k++)
				if (!c->want[k].own && !c->found[k])
					h->shared_change = true;
			for (size_t i = 0; i < n_rules; i++)
				for (size_t g = 0; g < c->n_gone; g++)
					if (rules[i].handle == c->gone[g] &&
					    strcmp(rules[i].comment, GL_TAG) == 0)
						h->shared_change = true;
		}
	}
	return 0;
}

/* iptables-restore's words for a shared rule. */
static void gl_restore_line(struct sbuf *s, const char *chain, const struct gl_spec *w)
{
	const char *proto = w->l4 == IPPROTO_UDP ? "udp" : "tcp";

	sbuf_printf(s, "-I %s 1", chain);
	if (w->l4)
		sbuf_printf(s, " -p %s", proto);
	if (w->src_group)
		sbuf_printf(s, " -m devgroup --src-group 0x%" PRIx32, w->src_group);
	if (w->dst_group)
		sbuf_printf(s, " -m devgroup --dst-group 0x%" PRIx32, w->dst_group);
	if (w->dport)
		sbuf_printf(s, " -m %s --dport %u", proto, w->dport);
	sbuf_puts(s, " -m comment --comment " GL_TAG " -j ACCEPT\n");
}

static int gl_plan(const struct net *n, const struct gl_host *h, struct fw_glue_plan *p,
		   struct nerr *e)
{
	struct sbuf s = { 0 };

	for (size_t f = 0; f < GL_N_FAMS; f++)
		for (int ch = 0; ch < GL_N_CHAINS; ch++) {
			const struct gl_chain *c = &h->c[f][ch];

			for (size_t i = 0; i < c->n_gone; i++)
				sbuf_printf(&s, "delete rule %s filter %s handle %" PRIu64 "\n",
					    gl_fam[f].family, gl_chain_name[ch], c->gone[i]);
			for (size_t k = 0; k < c->n_want; k++)
				if (c->misplaced[k])
					sbuf_printf(
						&s, "delete rule %s filter %s handle %" PRIu64 "\n",
						gl_fam[f].family, gl_chain_name[ch], c->handle[k]);
			for (size_t k = 0; k < c->n_want; k++)
				if (c->want[k].own && !c->found[k])
					sbuf_printf(
						&s,
						"insert rule %s filter %s iifname \"%s\" udp dport "
						"%u counter accept comment \"" GL_TAG ":%s\"\n",
						gl_fam[f].family, gl_chain_name[ch], n->bridge,
						c->want[k].dport, n->name);
		}
	sbuf_puts(&s, "");
	if (!(p->nft = sbuf_finish(&s)))
		return nerr_set(e, -ENOMEM, "iptables: out of memory");
	for (size_t f = 0; f < GL_N_FAMS; f++) {
		struct sbuf rs = { 0 };
		bool any = false;

		for (int ch = 0; ch < GL_N_CHAINS; ch++) {
			const struct gl_chain *c = &h->c[f][ch];

			for (size_t k = 0; k < c->n_want; k++)
				if (!c->want[k].own && !c->found[k]) {
					if (!any)
						sbuf_puts(&rs, "*filter\n");
					any = true;
					gl_restore_line(&rs, gl_chain_name[ch], &c->want[k]);
				}
		}
		if (!any)
			continue;
		sbuf_puts(&rs, "COMMIT\n");
		if (!(p->restore[f] = sbuf_finish(&rs)))
			return nerr_set(e, -ENOMEM, "iptables: out of memory");
	}
	return 0;
}

void fw_glue_plan_free(struct fw_glue_plan *p)
{
	free(p->nft);
	for (size_t f = 0; f < GL_N_FAMS; f++)
		free(p->restore[f]);
	*p = (struct fw_glue_plan){ 0 };
}

static void gl_plan_freep(struct fw_glue_plan *p)
{
	fw_glue_plan_free(p);
}
#define _cleanup_glue_plan_ __attribute__((cleanup(gl_plan_freep)))

int fw_glue_render(const struct net *n, enum fw_glue_mode m, struct fw_glue_plan *p, struct nerr *e)
{
	_cleanup_free_ struct gl_host *h = calloc(1, sizeof *h);
	int r;

	*p = (struct fw_glue_plan){ 0 };
	if (!h)
		return nerr_set(e, -ENOMEM, "iptables: out of memory");
	if ((r = gl_read(n, m, h, e)) < 0 || (r = gl_plan(n, h, p, e)) < 0) {
		fw_glue_plan_free(p);
		return r;
	}
	return 0;
}

/* ---- running iptables-nft-restore ------------------------------------- */

#define GL_RESTORE_TIMEOUT_MS 10000

static const char *const gl_bin_dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };

static _Noreturn void gl_child(const char *path, int in, int out)
{
	char *const argv[] = { (char *)path, (char *)"--noflush", NULL };
	char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", (char *)"LC_ALL=C",
			       NULL };

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	(void)close_range(3, ~0U, 0);
	execve(path, argv, envp);
	_exit(127);
}

/* Read what the child says (its last line is its error) until it ends or
 * the deadline passes. */
static void gl_read_out(int fd, char *buf, size_t size, int64_t deadline)
{
	size_t used = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - nd_now_ms();
		ssize_t got;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return;
		got = read(fd, used + 1 < size ? buf + used : (char[64]){ 0 },
			   used + 1 < size ? size - used - 1 : 64);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return;
		if (used + 1 < size)
			used += (size_t)got;
		buf[used] = '\0';
	}
}

static int gl_restore(size_t f, const char *input, struct nerr *e)
{
	char path[64], out[512] = "";
	int in[2] = { -1, -1 }, rd[2] = { -1, -1 }, st = 0, r = 0;
	const char *bin = gl_fam[f].restore;
	int64_t deadline;
	pid_t pid, w;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gl_bin_dirs); i++) {
		(void)snprintf(path, sizeof path, "%s/%s", gl_bin_dirs[i], bin);
		if (access(path, X_OK) == 0)
			break;
	}
	if (i == ARRAY_SIZE(gl_bin_dirs))
		return nerr_set(e, -ENOENT,
				"iptables: %s filter has chains of iptables-nft's, but %s is not "
				"installed: netd cannot insert its accepts (install iptables, or "
				"set iptables = no in netd.conf)",
				gl_fam[f].family, bin);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(rd, O_CLOEXEC) < 0) {
		r = nerr_set(e, -errno, "iptables: %s: pipe: %s", bin, strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = nerr_set(e, -errno, "iptables: %s: fork: %s", bin, strerror(errno));
		goto out;
	}
	if (pid == 0)
		gl_child(path, in[0], rd[1]);
	close(in[0]);
	close(rd[1]);
	in[0] = rd[1] = -1;
	/* A few hundred bytes: the pipe takes them whole. */
	if (nd_write_all(in[1], input, strlen(input)) < 0)
		r = nerr_set(e, -EIO, "iptables: %s: write: %s", bin, strerror(errno));
	close(in[1]);
	in[1] = -1;
	deadline = nd_now_ms() + GL_RESTORE_TIMEOUT_MS;
	gl_read_out(rd[0], out, sizeof out, deadline);
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && nd_now_ms() < deadline)
		(void)poll(NULL, 0, 5);
	if (w == 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &st, 0);
		return nerr_set(e, -ETIMEDOUT, "iptables: %s took more than %d s; killed", bin,
				GL_RESTORE_TIMEOUT_MS / 1000);
	}
	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char *nl;

		while ((nl = strrchr(out, '\n')) && !nl[1])
			*nl = '\0';
		nl = strrchr(out, '\n');
		r = nerr_set(e, -EIO, "iptables: %s --noflush failed (%s %d): %s", bin,
			     WIFEXITED(st) ? "exit" : "signal",
			     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			     out[0] ? (nl ? nl + 1 : out) : "no message");
	}
out:
	for (int k = 0; k < 2; k++) {
		if (in[k] >= 0)
			close(in[k]);
		if (rd[k] >= 0)
			close(rd[k]);
	}
	return r;
}

static int gl_run(const struct net *n, const struct fw_glue_plan *p, struct nerr *e)
{
	int r;

	if ((r = fw_apply(p->nft, false, e)) < 0)
		return nerr_wrap(e, r, "iptables: network %s", n->name);
	for (size_t f = 0; f < GL_N_FAMS; f++)
		if (p->restore[f] && (r = gl_restore(f, p->restore[f], e)) < 0)
			return nerr_wrap(e, r, "network %s", n->name);
	return 0;
}

int fw_glue_apply(const struct net *n, enum fw_glue_mode m, int serial_fd, struct nerr *e)
{
	_cleanup_free_ struct gl_host *h = calloc(1, sizeof *h);
	_cleanup_glue_plan_ struct fw_glue_plan p = { 0 };
	int r;

	if (!h)
		return nerr_set(e, -ENOMEM, "iptables: out of memory");
	if ((r = gl_read(n, m, h, e)) < 0)
		return r;
	if (h->shared_change && serial_fd >= 0) {
		/* Another worker may be changing them: read again under the
		 * lock, and change them there. */
		step_serial_enter(serial_fd);
		memset(h, 0, sizeof *h);
		if ((r = gl_read(n, m, h, e)) == 0 && (r = gl_plan(n, h, &p, e)) == 0)
			r = gl_run(n, &p, e);
		step_serial_leave(serial_fd);
		return r;
	}
	if ((r = gl_plan(n, h, &p, e)) < 0)
		return r;
	return gl_run(n, &p, e);
}

int fw_glue_check(const struct net *n, enum fw_glue_mode m, struct fw_glue_drift *d, struct nerr *e)
{
	_cleanup_free_ struct gl_host *h = calloc(1, sizeof *h);
	int r;

	d->n = 0;
	if (!h)
		return nerr_set(e, -ENOMEM, "iptables: out of memory");
	if ((r = gl_read(n, m, h, e)) < 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees h */
		return r;
	for (size_t f = 0; f < GL_N_FAMS; f++)
		for (int ch = 0; ch < GL_N_CHAINS; ch++) {
			const struct gl_chain *c = &h->c[f][ch];
			bool lacks = false, below = false;

			for (size_t k = 0; k < c->n_want; k++) {
				lacks = lacks || (!c->found[k] && !c->misplaced[k]);
				below = below || c->misplaced[k];
			}
			if (d->n < FW_GLUE_MAX && (lacks || below))
				(void)snprintf(
					d->what[d->n++], sizeof d->what[0],
					"iptables chain %s filter %s %s netd's accepts for %s%s",
					gl_fam[f].family, gl_chain_name[ch],
					lacks ? "lacks" : "has", n->bridge,
					lacks ? "" : " below another rule");
			if (d->n < FW_GLUE_MAX && c->n_gone)
				(void)snprintf(d->what[d->n++], sizeof d->what[0],
					       "iptables chain %s filter %s has netd's accepts for "
					       "%s%s",
					       gl_fam[f].family, gl_chain_name[ch], n->bridge,
					       c->gone_own_old && c->n_want ? " of an older shape"
									    : " where none belong");
		}
	return 0;
}
