/* Loading scripts and reading the table back, through libnftables: the only
 * part of the firewall that touches the system. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/xt_devgroup.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <nftables/libnftables.h>

#include "fw.h"

#define TBL FW_TABLE_FAMILY " " FW_TABLE_NAME

/* Closing a NETLINK_NETFILTER socket waits until the kernel has released
 * the objects of the last transaction in this network namespace, whoever
 * sent it: nf_tables' NETLINK_URELEASE handler flushes its destroy work,
 * which waits for an RCU grace period. Measured here, a context freed right
 * after `netd start`'s transaction blocked 9-21 ms in close(); freed 10 ms
 * later, 0.5 ms; in `netd boot`, where other workers commit all the time,
 * nearly every close waited. So this file closes no netfilter socket
 * before netd exits: a raw socket, or a duplicate of the one a libnftables
 * context used (the context itself, and its cache, are freed at once), is
 * kept in a ring, unused, until exit; only when the ring is full is its
 * oldest closed, long after its transaction. Each command still opens a
 * socket of its own, in the namespace it runs in (fw_check's child loads
 * into a scratch namespace). */
#define FW_RING_MAX 256

static struct {
	int fd[FW_RING_MAX];
	unsigned size, n; /* ring size; how many ever kept (slot: n % size) */
	bool registered;
} kept;

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* In the child of fw_kept_close(): every descriptor closed but keep[0..n)
 * (sorted). */
static void close_all_but(const int *keep, unsigned n)
{
	unsigned lo = 0;

	for (unsigned i = 0; i < n; i++) {
		if ((unsigned)keep[i] > lo)
			(void)close_range(lo, (unsigned)keep[i] - 1, 0);
		lo = (unsigned)keep[i] + 1;
	}
	(void)close_range(lo, ~0U, 0);
}

/* At exit the last close of each kept socket, the one that waits, is left
 * to a process of its own, so that netd's caller does not wait for the
 * kernel either. It keeps only those sockets (not the lock, not stdout: a
 * caller reading netd's output gets its end at once), and netd exits only
 * once it has closed the rest (EOF on 'ready'); it closes the sockets when
 * netd has closed its copies (EOF on 'go'), and is gone, a grace period
 * later at most. Without that process netd closes them itself. */
static void fw_kept_close(void)
{
	unsigned n = kept.n < kept.size ? kept.n : kept.size;
	int keep[FW_RING_MAX + 1], go[2] = { -1, -1 }, ready[2] = { -1, -1 };
	pid_t pid = -1;
	char c;

	if (n && pipe2(go, O_CLOEXEC) == 0 && pipe2(ready, O_CLOEXEC) == 0)
		pid = fork();
	if (pid == 0) {
		unsigned k = 0;

		for (unsigned i = 0; i < n; i++)
			keep[k++] = kept.fd[i];
		keep[k++] = go[0];
		qsort(keep, k, sizeof *keep, cmp_int);
		close_all_but(keep, k); /* ready[1] too: netd may go on */
		(void)prctl(PR_SET_NAME, "netd-release");
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		for (unsigned i = 0; i < n; i++)
			close(kept.fd[i]);
		_exit(0);
	}
	if (ready[1] >= 0)
		close(ready[1]);
	while (pid > 0 && read(ready[0], &c, 1) < 0 && errno == EINTR)
		;
	for (unsigned i = 0; i < n; i++)
		close(kept.fd[i]);
	kept.n = 0;
	if (ready[0] >= 0)
		close(ready[0]);
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0) /* last: it lets the process close its copies */
		close(go[1]);
}

/* Keep fd open until exit (or until its slot is needed). */
static void fw_sock_keep(int fd)
{
	struct rlimit rl;
	unsigned slot;

	if (!kept.registered) {
		/* a quarter of the descriptors netd may open, at most */
		kept.size = FW_RING_MAX;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur / 4 < kept.size)
			kept.size = (unsigned)(rl.rlim_cur / 4);
		kept.registered = kept.size > 0 && atexit(fw_kept_close) == 0;
	}
	if (!kept.registered) {
		close(fd);
		return;
	}
	slot = kept.n % kept.size;
	if (kept.n >= kept.size)
		close(kept.fd[slot]);
	kept.fd[slot] = fd;
	kept.n++;
}

static void fw_sock_retire(int *fd)
{
	if (*fd >= 0)
		fw_sock_keep(*fd);
	*fd = -1;
}
#define _cleanup_nfsock_ __attribute__((cleanup(fw_sock_retire)))

static bool is_nf_socket(int fd)
{
	int dom = 0, proto = 0;
	socklen_t l1 = sizeof dom, l2 = sizeof proto;

	return fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l1) == 0 &&
	       getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l2) == 0 && dom == AF_NETLINK &&
	       proto == NETLINK_NETFILTER;
}

/* A libnftables context and the descriptor its netfilter socket gets: the
 * lowest free one when the context was made (libnftables opens nothing
 * else that stays open, and netd has no threads). */
struct fw_nft {
	struct nft_ctx *c;
	int sock;
};

static void fw_nft_free(struct fw_nft *n)
{
	int keep = -1;

	if (!n->c)
		return;
	/* libnftables' socket is not close-on-exec; the kept duplicate is */
	if (is_nf_socket(n->sock))
		keep = fcntl(n->sock, F_DUPFD_CLOEXEC, 0);
	nft_ctx_free(n->c);
	n->c = NULL;
	if (keep >= 0)
		fw_sock_keep(keep);
}
#define _cleanup_fw_nft_ __attribute__((cleanup(fw_nft_free)))

/* A context whose output and errors go to buffers, so that the caller
 * decides what to print. */
static int fw_ctx_new(struct fw_nft *n, struct nerr *e)
{
	int probe = open("/", O_PATH | O_CLOEXEC);

	/* the lowest free descriptor, which the context's socket will take */
	if (probe >= 0)
		close(probe);
	n->sock = probe;
	n->c = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!n->c || nft_ctx_buffer_output(n->c) < 0 || nft_ctx_buffer_error(n->c) < 0)
		return nerr_set(e, -ENOMEM, "nftables: create context: out of memory");
	return 0;
}

/* nft reports errors as text only; recover the errno for the callers that
 * act on it (a key held by another network, a table that is gone). */
static int fw_errno(const char *line)
{
	static const int known[] = { EEXIST, ENOENT, EPERM, EBUSY, EOPNOTSUPP, ENOMEM, ENOSPC };

	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strstr(line, strerror(known[i])))
			return -known[i];
	/* nft's own overlap check for interval maps: a subnet another
	 * network holds. */
	if (strstr(line, "interval overlaps"))
		return -EEXIST;
	if (strstr(line, "syntax error"))
		return -EINVAL;
	return -EIO;
}

/* nft's first error in one line. From a file nft writes
 *   PATH:47:30-45: Error: MESSAGE
 *   COMMAND
 *   <carets>
 * for each error; this makes "line 47:30-45: MESSAGE, in `COMMAND`". */
static int fw_error(struct nft_ctx *c, const char *path, const char *what, struct nerr *e)
{
	const char *p = nft_ctx_get_error_buffer(c);
	char loc[48] = "", msg[512], cmd[512] = "";
	size_t n, plen = strlen(path);
	int r;

	p = p ? p : "";
	if (strncmp(p, path, plen) == 0 && p[plen] == ':') {
		p += plen + 1;
		n = strcspn(p, " \n");
		(void)snprintf(loc, sizeof loc, "line %.*s ", (int)n, p); /* may be truncated */
		p += n + (p[n] == ' ');
	} else if (strncmp(p, "internal:", 9) == 0) {
		/* the kernel refused a map element: nft keeps no location for
		 * elements given in the map's declaration */
		p += strcspn(p, " \n");
		p += *p == ' ';
	}
	if (strncmp(p, "Error: ", 7) == 0)
		p += 7;
	n = strcspn(p, "\n");
	if (n == 0)
		return nerr_set(e, -EIO, "nftables: %s: failed without a message", what);
	(void)snprintf(msg, sizeof msg, "%.*s", (int)n, p); /* may be truncated */
	p += n;
	if (loc[0] && *p == '\n') {
		p++;
		(void)snprintf(cmd, sizeof cmd, ", in `%.*s`", (int)strcspn(p, "\n"),
			       p); /* may be truncated */
	}
	r = nerr_set(e, fw_errno(msg), "nftables: %s: %s%s%s", what, loc, msg, cmd);
	if (r == -EEXIST && !cmd[0])
		nerr_append(e, r,
			    " (a map of table " TBL " already holds this network's bridge name or "
			    "subnet: another network has it)");
	return r;
}

/* Run commands; *out gets a copy of their output when out is not NULL,
 * printed with nft's output flags 'oflags' (NFT_CTX_OUTPUT_JSON...).
 * They are read from a memfd rather than from a buffer because only for
 * files does nft 1.0.6 say which line failed (for a buffer it quotes the
 * first line, whatever failed). */
static int fw_run(const char *cmds, bool dry_run, unsigned oflags, const char *what, char **out,
		  struct nerr *e)
{
	_cleanup_fw_nft_ struct fw_nft n = { .sock = -1 };
	_cleanup_close_ int fd = -1;
	struct nft_ctx *c;
	char path[64];
	int r;

	fd = memfd_create("netd-nft", MFD_CLOEXEC);
	if (fd < 0)
		return nerr_set(e, -errno, "nftables: %s: memfd_create: %s", what, strerror(errno));
	if ((r = nd_write_all(fd, cmds, strlen(cmds))) < 0)
		return nerr_set(e, r, "nftables: %s: write script: %s", what, strerror(-r));
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if ((r = fw_ctx_new(&n, e)) < 0)
		return r;
	c = n.c;
	nft_ctx_set_dry_run(c, dry_run);
	nft_ctx_output_set_flags(c, nft_ctx_output_get_flags(c) | oflags);
	if (nft_run_cmd_from_filename(c, path) != 0)
		return fw_error(c, path, what, e);
	if (out) {
		const char *o = nft_ctx_get_output_buffer(c);

		*out = strdup(o ? o : "");
		if (!*out)
			return nerr_set(e, -ENOMEM, "nftables: %s: out of memory", what);
	}
	return 0;
}

int fw_apply(const char *script, bool dry_run, struct nerr *e)
{
	/* An empty batch would still take the netlink round trips. */
	if (!script[0])
		return 0;
	return fw_run(script, dry_run, 0,
		      dry_run ? "check rules for table " TBL : "load table " TBL, NULL, e);
}

/* The attributes of [*p, *p + *len) one by one: the next, or NULL at the
 * end or at one that does not fit. */
static const struct nlattr *nla_next(const char **p, size_t *len)
{
	const struct nlattr *a = (const void *)*p;
	size_t step;

	if (*len < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > *len)
		return NULL;
	step = NLA_ALIGN(a->nla_len);
	if (step > *len)
		step = *len;
	*p += step;
	*len -= step;
	return a;
}

static const char *nla_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static size_t nla_size(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* A NUL-terminated string attribute of at most max bytes, or NULL. */
static const char *nla_string(const struct nlattr *a, size_t max)
{
	size_t n = nla_size(a);

	return n > 0 && n <= max && nla_payload(a)[n - 1] == '\0' ? nla_payload(a) : NULL;
}

/* Attribute 'type' among the attributes of [p, p + len), or NULL. */
static const struct nlattr *nla_find(const char *p, size_t len, unsigned type)
{
	for (const struct nlattr *a; (a = nla_next(&p, &len));)
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static const struct nlattr *nfnl_attr(const struct nlmsghdr *nh, unsigned type)
{
	size_t off = NLMSG_LENGTH(sizeof(struct nfgenmsg));

	if (nh->nlmsg_len < off)
		return NULL;
	return nla_find((const char *)nh + off, nh->nlmsg_len - off, type);
}

static uint32_t nla_be32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (a && nla_size(a) >= sizeof v)
		memcpy(&v, nla_payload(a), sizeof v);
	return ntohl(v);
}

/* One request, one answer: NFT_MSG_GETTABLE for inet netd. Asked over
 * nfnetlink rather than listed with nft because nft 1.0.6 prints a table
 * with one flag through freed memory (table_flags_json(), fixed in 1.0.7):
 * the JSON listing of a dormant table is garbage or cut short. */
/* Send one nf_tables request and read its one answer, which must be of
 * type 'want': its u32 attribute 'attr' goes to *val, and *found says
 * whether it had one. The kernel's refusal as its -errno (-ENOENT: no such
 * object), named "nftables: WHAT: ...". Bounded: 5 s. */
static int nfnl_get_u32(const void *req, size_t len, unsigned want, unsigned attr, uint32_t *val,
			bool *found, const char *what, struct nerr *e)
{
	union {
		struct nlmsghdr nh;
		char buf[8192];
	} ans;
	struct timeval tv = { .tv_sec = 5 };
	_cleanup_nfsock_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	const struct nlmsghdr *nh = &ans.nh;
	const struct nlattr *a;
	ssize_t got;

	*found = false;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    send(fd, req, len, 0) < 0)
		return nerr_set(e, -errno, "nftables: ask for %s: %s", what, strerror(errno));
	do
		got = recv(fd, ans.buf, sizeof ans.buf, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return nerr_set(e, -errno, "nftables: ask for %s: %s", what, strerror(errno));
	if (!NLMSG_OK(nh, (size_t)got))
		return nerr_set(e, -EIO, "nftables: ask for %s: short answer", what);
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = NLMSG_DATA(nh);

		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof *err) || err->error >= 0)
			return nerr_set(e, -EIO, "nftables: ask for %s: bad answer", what);
		return nerr_set(e, err->error, "nftables: %s: %s", what, strerror(-err->error));
	}
	if (nh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | want))
		return nerr_set(e, -EIO, "nftables: ask for %s: answer of type %u", what,
				nh->nlmsg_type);
	if ((a = nfnl_attr(nh, attr)) && nla_size(a) >= sizeof(uint32_t)) {
		*val = nla_be32(a);
		*found = true;
	}
	return 0;
}

int fw_table_flags(uint32_t *flags, struct nerr *e)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
		struct nlattr na;
		char name[NLA_ALIGN(sizeof FW_TABLE_NAME)];
	} req = {
		.nh = { .nlmsg_len = sizeof req,
			.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1 },
		.nf = { .nfgen_family = NFPROTO_INET, .version = NFNETLINK_V0 },
		.na = { .nla_len = NLA_HDRLEN + sizeof FW_TABLE_NAME, .nla_type = NFTA_TABLE_NAME },
		.name = FW_TABLE_NAME,
	};
	bool found;

	*flags = 0;
	return nfnl_get_u32(&req, sizeof req, NFT_MSG_NEWTABLE, NFTA_TABLE_FLAGS, flags, &found,
			    "table " TBL, e);
}

static const char *family_name(uint8_t f)
{
	switch (f) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_ARP:
		return "arp";
	case NFPROTO_BRIDGE:
		return "bridge";
	case NFPROTO_NETDEV:
		return "netdev";
	default:
		return NULL;
	}
}

/* family_name()'s inverse: NFPROTO_UNSPEC for a name nft does not have. */
static uint8_t family_num(const char *name)
{
	static const uint8_t all[] = { NFPROTO_INET, NFPROTO_IPV4,   NFPROTO_IPV6,
				       NFPROTO_ARP,  NFPROTO_BRIDGE, NFPROTO_NETDEV };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (strcmp(family_name(all[i]), name) == 0)
			return all[i];
	return NFPROTO_UNSPEC;
}

/* One NEWTABLE message of the dump as a listing line. */
static void table_line(const struct nlmsghdr *nh, struct sbuf *s)
{
	const struct nfgenmsg *nf = NLMSG_DATA(nh);
	const char *fam = family_name(nf->nfgen_family);

	for (size_t off = NLMSG_LENGTH(sizeof(struct nfgenmsg));
	     fam && off + NLA_HDRLEN <= nh->nlmsg_len;) {
		const struct nlattr *a = (const void *)((const char *)nh + off);
		size_t len;

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nh->nlmsg_len)
			return;
		len = a->nla_len - NLA_HDRLEN;
		if ((a->nla_type & NLA_TYPE_MASK) == NFTA_TABLE_NAME && len > 0 &&
		    len <= NFT_TABLE_MAXNAMELEN) {
			sbuf_printf(s, "table %s %.*s\n", fam,
				    (int)strnlen((const char *)a + NLA_HDRLEN, len),
				    (const char *)a + NLA_HDRLEN);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/* A dump over nfnetlink (NFT_MSG_GET* with NLM_F_DUMP) of one family,
 * each NEW* message handed to fn. Raw rather than through libnftables:
 * libnftables fetches its whole cache (every chain, set and element of the
 * table) for any listing, which made each stop cost more with every
 * network already running. Bounded: 5 s per read. */
/* A dump of one family's objects; with 'table' (not NULL), of that table's
 * alone (the kernel filters rule dumps by NFTA_RULE_TABLE). */
static int nfnl_dump_of(int get, uint8_t family, const char *table, const char *set,
			void (*fn)(const struct nlmsghdr *, void *), void *arg, const char *what,
			struct nerr *e)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
		char attrs[2 * (NLA_HDRLEN + NLA_ALIGN(NFT_NAME_MAXLEN))];
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg)),
			.nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | get),
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1 },
		.nf = { .nfgen_family = family, .version = NFNETLINK_V0 },
	};
	union {
		struct nlmsghdr nh;
		char b[32768];
	} ans;
	char *buf = ans.b;
	struct timeval tv = { .tv_sec = 5 };
	_cleanup_nfsock_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	/* NFTA_RULE_TABLE, like every object's table attribute, is 1; the
	 * set of an element dump is NFTA_SET_ELEM_LIST_SET, 2 */
	for (unsigned type = 1; type <= 2; type++) {
		const char *v = type == 1 ? table : set;
		size_t n = v ? strlen(v) + 1 : 0,
		       at = req.nh.nlmsg_len - NLMSG_LENGTH(sizeof req.nf);
		struct nlattr na = { .nla_len = (uint16_t)(NLA_HDRLEN + n),
				     .nla_type = (uint16_t)type };

		if (!v)
			continue;
		if (n > NFT_NAME_MAXLEN)
			return nerr_set(e, -EINVAL, "nftables: %s: name too long", what);
		memcpy(req.attrs + at, &na, sizeof na);
		memcpy(req.attrs + at + NLA_HDRLEN, v, n);
		req.nh.nlmsg_len += (uint32_t)NLA_ALIGN(NLA_HDRLEN + n);
	}
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
	    send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return nerr_set(e, -errno, "nftables: %s: %s", what, strerror(errno));
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof ans.b, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return nerr_set(e, -errno, "nftables: %s: %s", what, strerror(errno));
		if (got == 0)
			return nerr_set(e, -EIO, "nftables: %s: the dump ended early", what);
		for (const struct nlmsghdr *nh = (const void *)buf; NLMSG_OK(nh, (size_t)got);
		     nh = NLMSG_NEXT(nh, got)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nh);
				int r = nh->nlmsg_len >= NLMSG_LENGTH(sizeof *err) && err->error < 0
						? err->error
						: -EIO;

				return nerr_set(e, r, "nftables: %s: %s", what, strerror(-r));
			}
			if ((nh->nlmsg_type >> 8) == NFNL_SUBSYS_NFTABLES)
				fn(nh, arg);
		}
	}
}

static int nfnl_dump_in(int get, uint8_t family, const char *table,
			void (*fn)(const struct nlmsghdr *, void *), void *arg, const char *what,
			struct nerr *e)
{
	return nfnl_dump_of(get, family, table, NULL, fn, arg, what, e);
}

static int nfnl_dump(int get, uint8_t family, void (*fn)(const struct nlmsghdr *, void *),
		     void *arg, const char *what, struct nerr *e)
{
	return nfnl_dump_of(get, family, NULL, NULL, fn, arg, what, e);
}

/* The string attribute 'type' of an nf_tables message (NUL-terminated
 * within 'max' bytes), or NULL. */
static const char *nfnl_str(const struct nlmsghdr *nh, unsigned type, size_t max)
{
	const struct nlattr *a = nfnl_attr(nh, type);

	return a ? nla_string(a, max) : NULL;
}

/* ---- iptables-nft's conntrack matches, over nfnetlink --------------------- */

struct ct_scan {
	const char *family, *table;
	struct sbuf *text;
	bool dormant;
};

/* One match expression's words (NFTA_EXPR_DATA of a "match"), appended to
 * line; nothing for matches other than conntrack and state. */
static void ct_expr(const struct nlattr *data, char *line, size_t size)
{
	const struct nlattr *name = nla_find(nla_payload(data), nla_size(data), NFTA_MATCH_NAME);
	const struct nlattr *rev = nla_find(nla_payload(data), nla_size(data), NFTA_MATCH_REV);
	const struct nlattr *info = nla_find(nla_payload(data), nla_size(data), NFTA_MATCH_INFO);
	const char *n = name ? nla_string(name, 32) : NULL;
	char words[128];
	size_t used = strlen(line);

	if (!n || !info ||
	    fw_xt_ct_text(n, nla_be32(rev), nla_payload(info), nla_size(info), words,
			  sizeof words) < 0)
		return;
	(void)snprintf(line + used, size - used, "%s%s", used ? " " : "",
		       words); /* may be truncated: then "ct" twice is unlikely, MAYBE anyway */
}

static void on_rule_ct(const struct nlmsghdr *nh, void *arg)
{
	struct ct_scan *cs = arg;
	const char *table = nfnl_str(nh, NFTA_RULE_TABLE, NFT_TABLE_MAXNAMELEN);
	const char *chain = nfnl_str(nh, NFTA_RULE_CHAIN, NFT_CHAIN_MAXNAMELEN);
	const struct nlattr *handle = nfnl_attr(nh, NFTA_RULE_HANDLE);
	const struct nlattr *exprs = nfnl_attr(nh, NFTA_RULE_EXPRESSIONS);
	const char *p;
	size_t len;
	char line[512] = "";
	uint64_t h = 0;

	if ((nh->nlmsg_type & 0xff) != NFT_MSG_NEWRULE || !table || !chain || !handle || !exprs ||
	    nla_size(handle) != sizeof h || strcmp(table, cs->table) != 0)
		return;
	memcpy(&h, nla_payload(handle), sizeof h);
	h = be64toh(h);
	p = nla_payload(exprs);
	len = nla_size(exprs);
	for (const struct nlattr *el; (el = nla_next(&p, &len));) {
		const struct nlattr *name = nla_find(nla_payload(el), nla_size(el), NFTA_EXPR_NAME);
		const struct nlattr *data = nla_find(nla_payload(el), nla_size(el), NFTA_EXPR_DATA);
		const char *n = name ? nla_string(name, 32) : NULL;

		if (n && data && strcmp(n, "match") == 0)
			ct_expr(data, line, sizeof line);
	}
	if (line[0])
		sbuf_printf(cs->text, "table %s %s {\n\tchain %s {\n\t\t%s # handle %llu\n",
			    cs->family, cs->table, chain, line, (unsigned long long)h);
}

static void on_table_flags(const struct nlmsghdr *nh, void *arg)
{
	struct ct_scan *cs = arg;
	const char *name = nfnl_str(nh, NFTA_TABLE_NAME, NFT_TABLE_MAXNAMELEN);

	if ((nh->nlmsg_type & 0xff) == NFT_MSG_NEWTABLE && name && strcmp(name, cs->table) == 0 &&
	    (nla_be32(nfnl_attr(nh, NFTA_TABLE_FLAGS)) & NFT_TABLE_F_DORMANT))
		cs->dormant = true;
}

int fw_xt_ct_listing(const char *family, const char *table, struct sbuf *text, struct nerr *e)
{
	struct ct_scan cs = { .family = family, .table = table, .text = text };
	uint8_t f = family_num(family);
	int r;

	if (f == NFPROTO_UNSPEC)
		return nerr_set(e, -EINVAL, "nftables: tables of family %s", family);
	if ((r = nfnl_dump(NFT_MSG_GETTABLE, f, on_table_flags, &cs, "list tables", e)) < 0)
		return r;
	/* First, so that the table's first line is followed by its flags. */
	sbuf_printf(text, "table %s %s {\n%s", family, table,
		    cs.dormant ? "\tflags dormant\n" : "");
	return nfnl_dump_in(NFT_MSG_GETRULE, f, table, on_rule_ct, &cs, "list rules", e);
}

/* ---- tables' fingerprints, over nfnetlink (fw_tables_fingerprint) ----- */

struct fp_scan {
	const struct fw_table_id *t;
	uint64_t *h;
	size_t n;
};

/* FNV-1a, 64 bits: a change detector, not a defence (the cache it keys is
 * root's, in netd's run directory). */
static void fp_mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ULL;
	}
}

/* One attribute, header and all. */
static void fp_attr(uint64_t *h, const struct nlattr *a)
{
	fp_mix(h, a, a->nla_len);
}

/* A rule's expressions: each one whole, but for those whose data is state
 * the traffic changes (a counter's packets, a quota's use, when a rule last
 * matched): their name alone. */
static void fp_exprs(uint64_t *h, const struct nlattr *list)
{
	static const char *const volatile_exprs[] = { "counter", "quota", "last" };
	const char *p = nla_payload(list);
	size_t len = nla_size(list);

	fp_mix(h, &list->nla_type, sizeof list->nla_type);
	for (const struct nlattr *el; (el = nla_next(&p, &len));) {
		const struct nlattr *na = nla_find(nla_payload(el), nla_size(el), NFTA_EXPR_NAME);
		const char *name = na ? nla_string(na, 32) : NULL;
		bool state = false;

		for (size_t i = 0; name && i < ARRAY_SIZE(volatile_exprs); i++)
			state = state || strcmp(name, volatile_exprs[i]) == 0;
		fp_attr(h, state ? na : el);
	}
}

/* Into the digest of the table a message is of (by its family and its
 * table attribute; none of fs's: skipped), every attribute but 'skip' (a
 * counter, a use count), 'exprs' (a rule's expressions) through
 * fp_exprs(). */
static void fp_msg(const struct nlmsghdr *nh, struct fp_scan *fs, unsigned table_attr,
		   const unsigned *skip, size_t n_skip, unsigned exprs)
{
	const struct nfgenmsg *nf = NLMSG_DATA(nh);
	const char *t = nfnl_str(nh, table_attr, NFT_TABLE_MAXNAMELEN);
	const char *p = (const char *)nh + NLMSG_LENGTH(sizeof(struct nfgenmsg));
	size_t len = nh->nlmsg_len > NLMSG_LENGTH(sizeof(struct nfgenmsg))
			     ? nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg))
			     : 0;
	uint16_t type = nh->nlmsg_type;
	uint64_t *h = NULL;

	for (size_t i = 0; t && !h && i < fs->n; i++)
		if (family_num(fs->t[i].family) == nf->nfgen_family &&
		    strcmp(fs->t[i].name, t) == 0)
			h = &fs->h[i];
	if (!h)
		return;
	fp_mix(h, &type, sizeof type);
	for (const struct nlattr *a; (a = nla_next(&p, &len));) {
		unsigned at = a->nla_type & NLA_TYPE_MASK;
		bool skipped = false;

		for (size_t i = 0; i < n_skip; i++)
			skipped = skipped || at == skip[i];
		if (skipped)
			continue;
		if (exprs && at == exprs)
			fp_exprs(h, a);
		else
			fp_attr(h, a);
	}
}

static void on_fp_table(const struct nlmsghdr *nh, void *arg)
{
	static const unsigned skip[] = { NFTA_TABLE_USE };

	if ((nh->nlmsg_type & 0xff) == NFT_MSG_NEWTABLE)
		fp_msg(nh, arg, NFTA_TABLE_NAME, skip, ARRAY_SIZE(skip), 0);
}

static void on_fp_chain(const struct nlmsghdr *nh, void *arg)
{
	static const unsigned skip[] = { NFTA_CHAIN_COUNTERS, NFTA_CHAIN_USE };

	if ((nh->nlmsg_type & 0xff) == NFT_MSG_NEWCHAIN)
		fp_msg(nh, arg, NFTA_CHAIN_TABLE, skip, ARRAY_SIZE(skip), 0);
}

static void on_fp_rule(const struct nlmsghdr *nh, void *arg)
{
	if ((nh->nlmsg_type & 0xff) == NFT_MSG_NEWRULE)
		fp_msg(nh, arg, NFTA_RULE_TABLE, NULL, 0, NFTA_RULE_EXPRESSIONS);
}

int fw_tables_fingerprint(const struct fw_table_id *t, size_t n, uint64_t *fp, struct nerr *e)
{
	struct fp_scan fs = { .t = t, .h = fp, .n = n };
	int r;

	for (size_t i = 0; i < n; i++) {
		if (family_num(t[i].family) == NFPROTO_UNSPEC)
			return nerr_set(e, -EINVAL, "nftables: tables of family %s", t[i].family);
		fp[i] = 0xcbf29ce484222325ULL;
	}
	/* One dump of the tables, one of the chains per family (the kernel
	 * filters chains by family only: for ip tables that leaves out inet
	 * netd's hundreds), one of the rules per table (filtered by table). */
	if (n && (r = nfnl_dump(NFT_MSG_GETTABLE, NFPROTO_UNSPEC, on_fp_table, &fs, "list tables",
				e)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen = seen || strcmp(t[j].family, t[i].family) == 0;
		if (!seen && (r = nfnl_dump(NFT_MSG_GETCHAIN, family_num(t[i].family), on_fp_chain,
					    &fs, "list chains", e)) < 0)
			return r;
		if ((r = nfnl_dump_in(NFT_MSG_GETRULE, family_num(t[i].family), t[i].name,
				      on_fp_rule, &fs, "list rules", e)) < 0)
			return r;
	}
	return 0;
}

/* ---- host chains' rules, decoded, over nfnetlink (fw_glue_rules) ------ */

enum reg_kind { RK_NONE, RK_L4, RK_DPORT, RK_IIF, RK_OIF };

struct rule_dec {
	struct fw_host_rule *r;
	enum reg_kind reg[NFT_REG32_15 + 1]; /* what each register holds */
	uint8_t family;
};

static uint32_t nla_u32_in(const struct nlattr *data, unsigned type, bool *ok)
{
	const struct nlattr *a = nla_find(nla_payload(data), nla_size(data), type);

	if (!a || nla_size(a) < sizeof(uint32_t))
		*ok = false;
	return nla_be32(a);
}

static enum reg_kind *dec_reg(struct rule_dec *d, uint32_t reg)
{
	/* NFT_REG_1..4 are 16-byte registers; NFT_REG32_00.. 4-byte ones */
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		reg = NFT_REG32_00 + (reg - NFT_REG_1) * 4;
	return reg >= NFT_REG32_00 && reg <= NFT_REG32_15 ? &d->reg[reg] : NULL;
}

static bool dec_load(struct rule_dec *d, const char *name, const struct nlattr *data)
{
	bool ok = true;
	enum reg_kind k = RK_NONE, *slot;
	uint32_t dreg;

	if (strcmp(name, "meta") == 0) {
		uint32_t key = nla_u32_in(data, NFTA_META_KEY, &ok);

		dreg = nla_u32_in(data, NFTA_META_DREG, &ok);
		k = key == NFT_META_L4PROTO   ? RK_L4
		    : key == NFT_META_IIFNAME ? RK_IIF
		    : key == NFT_META_OIFNAME ? RK_OIF
					      : RK_NONE;
	} else {
		uint32_t base = nla_u32_in(data, NFTA_PAYLOAD_BASE, &ok);
		uint32_t off = nla_u32_in(data, NFTA_PAYLOAD_OFFSET, &ok);
		uint32_t len = nla_u32_in(data, NFTA_PAYLOAD_LEN, &ok);

		dreg = nla_u32_in(data, NFTA_PAYLOAD_DREG, &ok);
		if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2 && len == 2)
			k = RK_DPORT;
		else if (base == NFT_PAYLOAD_NETWORK_HEADER && d->family == NFPROTO_IPV4 &&
			 off == 9 && len == 1)
			k = RK_L4;
	}
	if (!ok || k == RK_NONE || !(slot = dec_reg(d, dreg)))
		return false;
	*slot = k;
	return true;
}

/* An exact interface name: NUL-terminated within the compared bytes (a
 * wildcard "virbr*" compares a prefix and has no NUL). */
static bool dec_ifname(const char *v, size_t n, char *out, size_t size)
{
	size_t len = strnlen(v, n);

	if (len == n || len == 0 || len >= size)
		return false;
	memcpy(out, v, len + 1);
	return true;
}

static bool dec_cmp(struct rule_dec *d, const struct nlattr *data)
{
	bool ok = true;
	uint32_t sreg = nla_u32_in(data, NFTA_CMP_SREG, &ok);
	uint32_t op = nla_u32_in(data, NFTA_CMP_OP, &ok);
	const struct nlattr *cd = nla_find(nla_payload(data), nla_size(data), NFTA_CMP_DATA);
	const struct nlattr *v =
		cd ? nla_find(nla_payload(cd), nla_size(cd), NFTA_DATA_VALUE) : NULL;
	enum reg_kind *slot = dec_reg(d, sreg);
	const char *b;
	size_t n;

	if (!ok || op != NFT_CMP_EQ || !v || !slot)
		return false;
	b = nla_payload(v);
	n = nla_size(v);
	switch (*slot) {
	case RK_L4:
		if (n != 1)
			return false;
		d->r->l4 = (uint8_t)b[0];
		return true;
	case RK_DPORT:
		if (n != 2)
			return false;
		d->r->dport = (uint16_t)((uint8_t)b[0] << 8 | (uint8_t)b[1]);
		return true;
	case RK_IIF:
		return dec_ifname(b, n, d->r->iif, sizeof d->r->iif);
	case RK_OIF:
		return dec_ifname(b, n, d->r->oif, sizeof d->r->oif);
	case RK_NONE:
		break;
	}
	return false;
}

static bool dec_match(struct rule_dec *d, const struct nlattr *data)
{
	const struct nlattr *name = nla_find(nla_payload(data), nla_size(data), NFTA_MATCH_NAME);
	const struct nlattr *info = nla_find(nla_payload(data), nla_size(data), NFTA_MATCH_INFO);
	const char *n = name ? nla_string(name, 32) : NULL;

	if (!n || !info)
		return false;
	if (strcmp(n, "comment") == 0) {
		/* struct xt_comment_info: char comment[256], NUL-terminated */
		size_t len = strnlen(nla_payload(info), nla_size(info));

		if (len == nla_size(info) || len >= sizeof d->r->comment)
			return false;
		memcpy(d->r->comment, nla_payload(info), len + 1);
		return true;
	}
	if (strcmp(n, "devgroup") == 0) {
		struct xt_devgroup_info g;

		if (nla_size(info) < sizeof g)
			return false;
		memcpy(&g, nla_payload(info), sizeof g);
		if (g.flags & ~(unsigned)(XT_DEVGROUP_MATCH_SRC | XT_DEVGROUP_MATCH_DST))
			return false; /* inverted */
		if (g.flags & XT_DEVGROUP_MATCH_SRC) {
			if (g.src_mask != ~0u || !g.src_group)
				return false;
			d->r->src_group = g.src_group;
		}
		if (g.flags & XT_DEVGROUP_MATCH_DST) {
			if (g.dst_mask != ~0u || !g.dst_group)
				return false;
			d->r->dst_group = g.dst_group;
		}
		return g.flags != 0;
	}
	return false;
}

static bool dec_verdict(struct rule_dec *d, const struct nlattr *data)
{
	bool ok = true;
	uint32_t dreg = nla_u32_in(data, NFTA_IMMEDIATE_DREG, &ok);
	const struct nlattr *id = nla_find(nla_payload(data), nla_size(data), NFTA_IMMEDIATE_DATA);
	const struct nlattr *vd =
		id ? nla_find(nla_payload(id), nla_size(id), NFTA_DATA_VERDICT) : NULL;
	const struct nlattr *chain;
	int32_t code;

	if (!ok || dreg != NFT_REG_VERDICT || !vd)
		return false;
	code = (int32_t)nla_u32_in(vd, NFTA_VERDICT_CODE, &ok);
	if (!ok)
		return false;
	if (code == NF_ACCEPT) {
		d->r->accept = true;
		return true;
	}
	chain = nla_find(nla_payload(vd), nla_size(vd), NFTA_VERDICT_CHAIN);
	if ((code == NFT_JUMP || code == NFT_GOTO) && chain && nla_string(chain, sizeof d->r->jump))
		nd_strlcpy(d->r->jump, nla_payload(chain), sizeof d->r->jump);
	return false; /* anything but accept is not a rule netd could have made */
}

/* nft's comment: the rule's user data, TLVs of {u8 type, u8 len, value};
 * NFTNL_UDATA_RULE_COMMENT (0) is a NUL-terminated string. */
static void dec_udata(const struct nlattr *u, struct fw_host_rule *r)
{
	const uint8_t *p = (const uint8_t *)nla_payload(u);
	size_t left = nla_size(u);

	while (left >= 2 && (size_t)p[1] + 2 <= left) {
		size_t len = p[1];

		if (p[0] == 0 && len > 0 && len <= sizeof r->comment && p[2 + len - 1] == '\0')
			memcpy(r->comment, p + 2, len);
		left -= len + 2;
		p += len + 2;
	}
}

struct rule_scan {
	const char *table;
	const char *const *names;
	size_t n_names;
	uint8_t family;
	struct fw_host_rule *r;
	size_t n;
	int err;
};

static void on_rule_glue(const struct nlmsghdr *nh, void *arg)
{
	struct rule_scan *rs = arg;
	const char *table = nfnl_str(nh, NFTA_RULE_TABLE, NFT_TABLE_MAXNAMELEN);
	const char *chain = nfnl_str(nh, NFTA_RULE_CHAIN, NFT_CHAIN_MAXNAMELEN);
	const struct nlattr *handle = nfnl_attr(nh, NFTA_RULE_HANDLE);
	const struct nlattr *exprs = nfnl_attr(nh, NFTA_RULE_EXPRESSIONS);
	const struct nlattr *udata = nfnl_attr(nh, NFTA_RULE_USERDATA);
	struct rule_dec d = { .family = rs->family };
	struct fw_host_rule *r;
	bool wanted = false, known = true;
	const char *p;
	size_t len;
	uint64_t h;

	if (rs->err || (nh->nlmsg_type & 0xff) != NFT_MSG_NEWRULE || !table || !chain || !handle ||
	    nla_size(handle) != sizeof h || strcmp(table, rs->table) != 0)
		return;
	for (size_t i = 0; i < rs->n_names; i++)
		wanted = wanted || strcmp(chain, rs->names[i]) == 0;
	if (!wanted || strlen(chain) >= sizeof r->chain)
		return;
	if (!(r = nd_array_push(&rs->r, &rs->n, sizeof *r, 1u << 20))) {
		rs->err = -ENOMEM;
		return;
	}
	memset(r, 0, sizeof *r);
	d.r = r;
	memcpy(r->chain, chain, strlen(chain) + 1);
	memcpy(&h, nla_payload(handle), sizeof h);
	r->handle = be64toh(h);
	if (udata)
		dec_udata(udata, r);
	p = exprs ? nla_payload(exprs) : "";
	len = exprs ? nla_size(exprs) : 0;
	for (const struct nlattr *el; (el = nla_next(&p, &len));) {
		const struct nlattr *name = nla_find(nla_payload(el), nla_size(el), NFTA_EXPR_NAME);
		const struct nlattr *data = nla_find(nla_payload(el), nla_size(el), NFTA_EXPR_DATA);
		const char *n = name ? nla_string(name, 32) : NULL;
		bool ok = false;

		if (n && strcmp(n, "counter") == 0)
			continue;
		if (n && data) {
			if (strcmp(n, "meta") == 0 || strcmp(n, "payload") == 0)
				ok = dec_load(&d, n, data);
			else if (strcmp(n, "cmp") == 0)
				ok = dec_cmp(&d, data);
			else if (strcmp(n, "match") == 0)
				ok = dec_match(&d, data);
			else if (strcmp(n, "immediate") == 0)
				ok = dec_verdict(&d, data);
		}
		known = known && ok;
	}
	r->known = known && r->accept;
}

int fw_glue_rules(const char *family, const char *table, const char *const *names, size_t n_names,
		  struct fw_host_rule **rules, size_t *n, struct nerr *e)
{
	struct rule_scan rs = { .table = table, .names = names, .n_names = n_names };
	int r;

	*rules = NULL;
	*n = 0;
	rs.family = family_num(family);
	if (rs.family == NFPROTO_UNSPEC)
		return nerr_set(e, -EINVAL, "nftables: rules of family %s", family);
	r = nfnl_dump_in(NFT_MSG_GETRULE, rs.family, table, on_rule_glue, &rs, "list rules", e);
	if (r == -ENOENT) {
		if (e)
			e->msg[0] = '\0';
		r = 0;
	}
	if (r == 0 && rs.err)
		r = nerr_set(e, rs.err, "nftables: list rules: out of memory");
	if (r < 0) {
		free(rs.r);
		return r;
	}
	*rules = rs.r;
	*n = rs.n;
	return 0;
}

static void on_table(const struct nlmsghdr *nh, void *arg)
{
	if ((nh->nlmsg_type & 0xff) == NFT_MSG_NEWTABLE)
		table_line(nh, arg);
}

int fw_list_tables(char **out, struct nerr *e)
{
	struct sbuf s = { 0 };
	int r;

	*out = NULL;
	r = nfnl_dump(NFT_MSG_GETTABLE, NFPROTO_UNSPEC, on_table, &s, "list tables", e);
	if (r < 0) {
		sbuf_free(&s);
		return r;
	}
	if (!(*out = sbuf_finish(&s)))
		return nerr_set(e, -ENOMEM, "nftables: out of memory");
	return 0;
}

int fw_table_present(bool *present, struct nerr *e)
{
	uint32_t flags;
	int r = fw_table_flags(&flags, e);

	*present = r == 0;
	if (r == -ENOENT) {
		if (e)
			e->msg[0] = '\0';
		return 0;
	}
	return r < 0 ? r : 0;
}

int fw_list(char **out, struct nerr *e)
{
	int r = fw_run("list table " TBL, false, 0, "list table " TBL, out, e);

	if (r == -ENOENT)
		return nerr_set(e, -ENOENT, "nftables: table " TBL " does not exist");
	return r;
}

int fw_list_chain(const char *family, const char *table, const char *chain, char **out,
		  struct nerr *e)
{
	char cmd[128];

	if (nd_snprintf(cmd, sizeof cmd, "list chain %s %s %s", family, table, chain) < 0)
		return nerr_set(e, -ENAMETOOLONG, "nftables: chain name too long");
	return fw_run(cmd, false, NFT_CTX_OUTPUT_HANDLE, cmd, out, e);
}

int fw_list_cmd(const char *cmd, bool json, char **out, struct nerr *e)
{
	*out = NULL;
	return fw_run(cmd, false, json ? NFT_CTX_OUTPUT_JSON : NFT_CTX_OUTPUT_HANDLE, cmd, out, e);
}

/* Whether a listed object ({"chain": {...}}...) is of table inet netd. */
static bool in_table(json_t *obj)
{
	const char *kind;
	json_t *body;

	json_object_foreach(obj, kind, body)
	{
		const char *fam = json_string_value(json_object_get(body, "family"));
		const char *tbl = json_string_value(json_object_get(body, "table"));

		return fam && tbl && strcmp(fam, FW_TABLE_FAMILY) == 0 &&
		       strcmp(tbl, FW_TABLE_NAME) == 0;
	}
	return false;
}

/* The objects one listing command prints, but its metainfo and table
 * objects and other tables', appended to arr; with only_rules, its rules
 * alone. */
static int list_objects(const char *cmd, bool only_rules, json_t *arr, struct nerr *e)
{
	_cleanup_free_ char *out = NULL;
	json_auto_t *root = NULL;
	json_error_t je;
	json_t *list, *obj;
	size_t i;
	int r;

	if ((r = fw_run(cmd, false, NFT_CTX_OUTPUT_JSON, cmd, &out, e)) < 0)
		return r;
	if (!(root = json_loads(out, 0, &je)))
		return nerr_set(e, -EIO, "nftables: %s: JSON unreadable: %s", cmd, je.text);
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): a cleanup attribute frees out */
	if (!json_is_array(list = json_object_get(root, "nftables")))
		return nerr_set(e, -EIO, "nftables: %s: JSON without \"nftables\"", cmd);
	json_array_foreach(list, i, obj)
	{
		if (!in_table(obj) || (only_rules && !json_object_get(obj, "rule")))
			continue;
		if (json_array_append(arr, obj) < 0)
			return nerr_set(e, -ENOMEM, "nftables: %s: out of memory", cmd);
	}
	return 0;
}

static bool plain_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > NET_NAME_MAX + 16)
		return false;
	for (; *s; s++)
		if (!nd_is_alnum(*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/* A dormant table without listing the table object (see fw_table_flags):
 * its maps, its sets, its chains, and each chain's rules, one command per
 * run (nft 1.0.6 gets its cache wrong when one run lists several objects). */
static int list_flagged(json_t *arr, struct nerr *e)
{
	json_auto_t *chains = json_array();
	json_t *obj;
	size_t i;
	int r;

	if (!chains)
		return nerr_set(e, -ENOMEM, "nftables: out of memory");
	if ((r = list_objects("list maps " FW_TABLE_FAMILY, false, arr, e)) < 0 ||
	    (r = list_objects("list sets " FW_TABLE_FAMILY, false, arr, e)) < 0 ||
	    (r = list_objects("list chains " FW_TABLE_FAMILY, false, chains, e)) < 0)
		return r;
	json_array_foreach(chains, i, obj)
	{
		const char *name =
			json_string_value(json_object_get(json_object_get(obj, "chain"), "name"));
		char cmd[NET_NAME_MAX + 64];

		if (json_array_append(arr, obj) < 0)
			return nerr_set(e, -ENOMEM, "nftables: out of memory");
		/* A name that is not a plain identifier is not netd's, and
		 * never reaches a command line. */
		if (!name || !plain_name(name) ||
		    nd_snprintf(cmd, sizeof cmd, "list chain " TBL " %s", name) < 0)
			continue;
		if ((r = list_objects(cmd, true, arr, e)) < 0)
			return r;
	}
	return 0;
}

/* The ruleset's generation (NFT_MSG_GETGEN): it changes with every
 * transaction that changes anything, whoever sends it. */
static int fw_genid(uint32_t *id, struct nerr *e)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
	} req = {
		.nh = { .nlmsg_len = sizeof req,
			.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1 },
		.nf = { .nfgen_family = NFPROTO_UNSPEC, .version = NFNETLINK_V0 },
	};
	bool found;
	int r = nfnl_get_u32(&req, sizeof req, NFT_MSG_NEWGEN, NFTA_GEN_ID, id, &found,
			     "the ruleset's generation", e);

	if (r == 0 && !found)
		return nerr_set(e, -EIO, "nftables: the ruleset's generation: no id in the answer");
	return r;
}

/* The last listing, for the network namespace and generation it was made
 * in: `netd apply` checks every running network against the same table,
 * and listing it costs O(networks) each time (the whole table, as JSON). */
static struct {
	bool valid;
	dev_t ns_dev;
	ino_t ns_ino;
	uint32_t genid, flags;
	json_t *objs;
} list_cache;

static int fw_list_json_fresh(json_t **objs, uint32_t *flagsp, struct nerr *e)
{
	json_auto_t *arr = json_array();
	uint32_t flags;
	int r;

	*objs = NULL;
	if (!arr)
		return nerr_set(e, -ENOMEM, "nftables: out of memory");
	if ((r = fw_table_flags(&flags, e)) < 0)
		return r;
	if (flagsp)
		*flagsp = flags;
	r = flags ? list_flagged(arr, e) : list_objects("list table " TBL, false, arr, e);
	if (r == -ENOENT)
		return nerr_set(e, -ENOENT, "nftables: table " TBL " does not exist");
	if (r < 0)
		return r;
	*objs = TAKE_PTR(arr);
	return 0;
}

int fw_list_json(json_t **objs, uint32_t *flagsp, struct nerr *e)
{
	struct stat ns;
	uint32_t gen = 0, flags = 0;
	bool cacheable;
	int r;

	/* The generation is read before the listing: a change between the
	 * two makes the next call list again, never keeps a stale listing. */
	cacheable = stat("/proc/self/ns/net", &ns) == 0 && fw_genid(&gen, NULL) == 0;
	if (cacheable && list_cache.valid && list_cache.ns_dev == ns.st_dev &&
	    list_cache.ns_ino == ns.st_ino && list_cache.genid == gen) {
		if (flagsp)
			*flagsp = list_cache.flags;
		*objs = json_incref(list_cache.objs);
		return 0;
	}
	if ((r = fw_list_json_fresh(objs, &flags, e)) < 0)
		return r;
	if (flagsp)
		*flagsp = flags;
	if (cacheable) {
		json_decref(list_cache.objs);
		list_cache.valid = true;
		list_cache.ns_dev = ns.st_dev;
		list_cache.ns_ino = ns.st_ino;
		list_cache.genid = gen;
		list_cache.flags = flags;
		list_cache.objs = json_incref(*objs);
	}
	return 0;
}

/* Whether table inet netd holds FW_LAYOUT_SET: one NFT_MSG_GETSET. */
static bool has_layout(void)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
		struct nlattr ta;
		char table[NLA_ALIGN(sizeof FW_TABLE_NAME)];
		struct nlattr sa;
		char set[NLA_ALIGN(sizeof FW_LAYOUT_SET)];
	} req = {
		.nh = { .nlmsg_len = sizeof req,
			.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSET,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1 },
		.nf = { .nfgen_family = NFPROTO_INET, .version = NFNETLINK_V0 },
		.ta = { .nla_len = NLA_HDRLEN + sizeof FW_TABLE_NAME, .nla_type = NFTA_SET_TABLE },
		.table = FW_TABLE_NAME,
		.sa = { .nla_len = NLA_HDRLEN + sizeof FW_LAYOUT_SET, .nla_type = NFTA_SET_NAME },
		.set = FW_LAYOUT_SET,
	};
	uint32_t flags;
	bool found;

	return nfnl_get_u32(&req, sizeof req, NFT_MSG_NEWSET, NFTA_SET_FLAGS, &flags, &found,
			    "set " FW_LAYOUT_SET, NULL) == 0;
}

/* n's part alone when the table has this layout's skeleton, else the whole
 * script. The skeleton is the same for every network, so loading it again
 * at every start only re-created what was there. Damage to it (a flushed
 * base chain) is drift, found by check and repaired by fw_repair (netd
 * apply), which load the whole script; the part declares every set and map
 * it adds to, so it loads even then. */
int fw_start(const struct net *n, struct nerr *e)
{
	_cleanup_free_ char *script = NULL;
	/* a network without a part renders "" either way: nothing to ask */
	bool part = fw_net_has_part(n) && has_layout();
	int r = part ? fw_render_part(n, &script, e) : fw_render(n, &script, e);

	return r < 0 ? r : fw_apply(script, false, e);
}

/* The chains of table inet netd, from a dump of the inet family's. */
struct chain_scan {
	const struct net *n;
	bool foreign; /* a chain that is neither shared nor n's */
};

static void on_chain(const struct nlmsghdr *nh, void *arg)
{
	struct chain_scan *cs = arg;
	const char *table = nfnl_str(nh, NFTA_CHAIN_TABLE, NFT_TABLE_MAXNAMELEN);
	const char *name = nfnl_str(nh, NFTA_CHAIN_NAME, NFT_CHAIN_MAXNAMELEN);

	if ((nh->nlmsg_type & 0xff) != NFT_MSG_NEWCHAIN || !table ||
	    strcmp(table, FW_TABLE_NAME) != 0)
		return;
	if (!name || (!fw_chain_is_shared(name) && !fw_chain_is_net(cs->n, name)))
		cs->foreign = true;
}

/* The elements of set `bridges`: every network with a part has its bridge
 * there, and only those do. */
struct bridge_scan {
	const char *own;
	bool others; /* a bridge that is not n's: another network's */
};

static void on_bridge_elem(const struct nlmsghdr *nh, void *arg)
{
	struct bridge_scan *bs = arg;
	const struct nlattr *list = nfnl_attr(nh, NFTA_SET_ELEM_LIST_ELEMENTS);
	const char *p;
	size_t len;

	if ((nh->nlmsg_type & 0xff) != NFT_MSG_NEWSETELEM || !list)
		return;
	p = nla_payload(list);
	len = nla_size(list);
	for (const struct nlattr *el; (el = nla_next(&p, &len));) {
		const struct nlattr *key =
			nla_find(nla_payload(el), nla_size(el), NFTA_SET_ELEM_KEY);
		const struct nlattr *val =
			key ? nla_find(nla_payload(key), nla_size(key), NFTA_DATA_VALUE) : NULL;

		/* an ifname key: IFNAMSIZ bytes, NUL-padded */
		if (!val || strnlen(nla_payload(val), nla_size(val)) != strlen(bs->own) ||
		    memcmp(nla_payload(val), bs->own, strlen(bs->own)) != 0)
			bs->others = true;
	}
}

struct chains_of {
	const char *table;
	const char *const *names;
	size_t n;
	unsigned mask;
};

static void on_chain_of(const struct nlmsghdr *nh, void *arg)
{
	struct chains_of *co = arg;
	const char *table = nfnl_str(nh, NFTA_CHAIN_TABLE, NFT_TABLE_MAXNAMELEN);
	const char *name = nfnl_str(nh, NFTA_CHAIN_NAME, NFT_CHAIN_MAXNAMELEN);

	if ((nh->nlmsg_type & 0xff) != NFT_MSG_NEWCHAIN || !table || !name ||
	    strcmp(table, co->table) != 0)
		return;
	for (size_t i = 0; i < co->n; i++)
		if (strcmp(name, co->names[i]) == 0)
			co->mask |= 1u << i;
}

int fw_chains_exist(const char *family, const char *table, const char *const *names, size_t n,
		    unsigned *mask, struct nerr *e)
{
	struct chains_of co = { .table = table, .names = names, .n = n };
	uint8_t f = family_num(family);
	int r;

	*mask = 0;
	if (f == NFPROTO_UNSPEC || n > 8 * sizeof *mask)
		return nerr_set(e, -EINVAL, "nftables: chains of family %s", family);
	if ((r = nfnl_dump(NFT_MSG_GETCHAIN, f, on_chain_of, &co, "list chains", e)) < 0)
		return r;
	*mask = co.mask;
	return 0;
}

/* Stop removes n's chains and set elements, or the whole table when nothing
 * but n's part and the shared skeleton is in it: no other bridge in set
 * `bridges` (every network with a part has its bridge there) and no chain
 * that is neither shared nor n's (another network's NAT chain, or one an
 * administrator added). Two dumps; they and the load are separate steps,
 * but netd's lock keeps other netd commands out between them. */
int fw_stop(const struct net *n, bool keep_table, bool *last, struct nerr *e)
{
	_cleanup_free_ char *script = NULL;
	struct bridge_scan bs = { .own = n->bridge };
	struct chain_scan cs = { .n = n };
	bool present, others;
	int r;

	if (last)
		*last = false;
	if (!fw_net_has_part(n))
		return 0;
	r = nfnl_dump_of(NFT_MSG_GETSETELEM, NFPROTO_INET, FW_TABLE_NAME, "bridges", on_bridge_elem,
			 &bs, "list set bridges", e);
	if (r == -ENOENT) {
		/* no table, or one without netd's sets: not netd's to delete */
		if ((r = fw_table_present(&present, e)) < 0)
			return nerr_wrap(e, r, "firewall: network %s: stop", n->name);
		if (!present)
			return 0;
		if (e)
			e->msg[0] = '\0';
		bs.others = true;
	} else if (r < 0) {
		return nerr_wrap(e, r, "firewall: network %s: stop", n->name);
	}
	if (!bs.others &&
	    (r = nfnl_dump(NFT_MSG_GETCHAIN, NFPROTO_INET, on_chain, &cs, "list chains", e)) < 0)
		return nerr_wrap(e, r, "firewall: network %s: stop", n->name);
	others = bs.others || cs.foreign;
	if (last)
		*last = !others && !keep_table;
	if ((r = fw_render_stop(n, !others && !keep_table, &script, e)) < 0)
		return r;
	return fw_apply(script, false, e);
}

int fw_list_json_cmd(const char *cmd, json_t **root, struct nerr *e)
{
	_cleanup_free_ char *out = NULL;
	json_error_t je;
	int r;

	*root = NULL;
	if ((r = fw_run(cmd, false, NFT_CTX_OUTPUT_JSON, cmd, &out, e)) < 0)
		return r;
	/* NOLINTBEGIN(clang-analyzer-unix.Malloc): a cleanup attribute frees out */
	*root = json_loads(out, 0, &je);
	if (!*root)
		return nerr_set(e, -EIO, "nftables: %s: JSON unreadable: %s", cmd, je.text);
	return 0;
	/* NOLINTEND(clang-analyzer-unix.Malloc) */
}
