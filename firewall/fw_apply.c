/* Loading scripts and reading the table back, through libnftables: the only
 * part of the firewall that touches the system. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "fw.h"

#define TBL FW_TABLE_FAMILY " " FW_TABLE_NAME

static void fw_ctx_freep(struct nft_ctx **c)
{
	if (*c)
		nft_ctx_free(*c);
}
#define _cleanup_nft_ctx_ __attribute__((cleanup(fw_ctx_freep)))

/* A context whose output and errors go to buffers, so that the caller
 * decides what to print. */
static int fw_ctx_new(struct nft_ctx **out, struct nerr *e)
{
	_cleanup_nft_ctx_ struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!c || nft_ctx_buffer_output(c) < 0 || nft_ctx_buffer_error(c) < 0)
		return nerr_set(e, -ENOMEM, "nftables: create context: out of memory");
	*out = TAKE_PTR(c);
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

	p = p ? p : "";
	if (strncmp(p, path, plen) == 0 && p[plen] == ':') {
		p += plen + 1;
		n = strcspn(p, " \n");
		snprintf(loc, sizeof loc, "line %.*s ", (int)n, p);
		p += n + (p[n] == ' ');
	}
	if (strncmp(p, "Error: ", 7) == 0)
		p += 7;
	n = strcspn(p, "\n");
	if (n == 0)
		return nerr_set(e, -EIO, "nftables: %s: failed without a message", what);
	snprintf(msg, sizeof msg, "%.*s", (int)n, p);
	p += n;
	if (loc[0] && *p == '\n') {
		p++;
		snprintf(cmd, sizeof cmd, ", in `%.*s`", (int)strcspn(p, "\n"), p);
	}
	return nerr_set(e, fw_errno(msg), "nftables: %s: %s%s%s", what, loc, msg, cmd);
}

/* Run commands; *out gets a copy of their output when out is not NULL.
 * They are read from a memfd rather than from a buffer because only for
 * files does nft 1.0.6 say which line failed (for a buffer it quotes the
 * first line, whatever failed). */
static int fw_run(const char *cmds, bool dry_run, const char *what, char **out, struct nerr *e)
{
	_cleanup_nft_ctx_ struct nft_ctx *c = NULL;
	_cleanup_close_ int fd = -1;
	char path[64];
	int r;

	fd = memfd_create("netd-nft", MFD_CLOEXEC);
	if (fd < 0)
		return nerr_set(e, -errno, "nftables: %s: memfd_create: %s", what, strerror(errno));
	if ((r = nd_write_all(fd, cmds, strlen(cmds))) < 0)
		return nerr_set(e, r, "nftables: %s: write script: %s", what, strerror(-r));
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if ((r = fw_ctx_new(&c, e)) < 0)
		return r;
	nft_ctx_set_dry_run(c, dry_run);
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
	return fw_run(script, dry_run, dry_run ? "check rules for table " TBL : "load table " TBL,
		      NULL, e);
}

int fw_table_present(bool *present, struct nerr *e)
{
	_cleanup_free_ char *list = NULL;
	int r;

	/* Listing only the table names does not dump every rule. */
	r = fw_run("list tables " FW_TABLE_FAMILY, false, "list tables", &list, e);
	if (r < 0)
		return r;
	/* One line per table: "table inet netd", exactly. */
	*present = strncmp(list, "table " TBL "\n", strlen("table " TBL "\n")) == 0 ||
		   strstr(list, "\ntable " TBL "\n");
	return 0;
}

int fw_list(char **out, struct nerr *e)
{
	int r = fw_run("list table " TBL, false, "list table " TBL, out, e);

	if (r == -ENOENT)
		return nerr_set(e, -ENOENT, "nftables: table " TBL " does not exist");
	return r;
}
