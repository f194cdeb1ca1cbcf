/* The forwarding sysctls; see ipfwd.h. */
#include "ipfwd.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "step.h"

/* The sysctls a network needs, in the order they are checked. */
enum { IPFWD_V4, IPFWD_V6, IPFWD_N };

static const struct {
	int family;
	const char *key, *path;
} ipfwd_sysctl[IPFWD_N] = {
	[IPFWD_V4] = { AF_INET, "net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward" },
	[IPFWD_V6] = { AF_INET6, "net.ipv6.conf.all.forwarding",
		       "/proc/sys/net/ipv6/conf/all/forwarding" },
};

/* What the last check found off, for repair. */
struct ipfwd_state {
	bool off[IPFWD_N];
};

static bool ipfwd_needed(const struct net *n, int i)
{
	if (n->fwd_mode != NET_FWD_NAT && n->fwd_mode != NET_FWD_ROUTE)
		return false;
	return net_has_family(n, ipfwd_sysctl[i].family);
}

static int ipfwd_write(int i, struct nerr *e)
{
	const char *path = ipfwd_sysctl[i].path;
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r = fd < 0 ? -errno : nd_write_all(fd, "1\n", 2);

	if (r < 0)
		return nerr_set(e, r, "forwarding: write 1 to %s: %s", path, strerror(-r));
	return 0;
}

/* The value as the kernel prints it, without the newline. */
static int ipfwd_read(int i, char *val, size_t len, struct nerr *e)
{
	const char *path = ipfwd_sysctl[i].path;
	_cleanup_free_ char *data = NULL;
	int r = nd_read_file(path, &data, NULL);

	if (r < 0)
		return nerr_set(e, r, "forwarding: read %s: %s", path, strerror(-r));
	data[strcspn(data, "\n")] = '\0';
	nd_strlcpy(val, data, len); /* may be truncated: it is shown, not parsed */
	return 0;
}

static int ipfwd_apply(struct step_ctx *c, void *st, struct nerr *e)
{
	int r;

	(void)st;
	for (int i = 0; i < IPFWD_N; i++)
		if (ipfwd_needed(c->n, i) && (r = ipfwd_write(i, e)) < 0)
			return r;
	return 0;
}

/* Forwarding stays on after stop, as with libvirt: other networks, VPNs or
 * containers may rely on it, and netd cannot know who turned it on. */
static int ipfwd_undo(struct step_ctx *c, void *st, struct nerr *e)
{
	(void)c;
	(void)st;
	(void)e;
	return 0;
}

static int ipfwd_check(struct step_ctx *c, void *st, struct drift *d, struct nerr *e)
{
	struct ipfwd_state *s = st;
	char val[16];
	int r;

	for (int i = 0; i < IPFWD_N; i++) {
		s->off[i] = false;
		if (!ipfwd_needed(c->n, i))
			continue;
		if ((r = ipfwd_read(i, val, sizeof val, e)) < 0)
			return r;
		if (strcmp(val, "1") == 0)
			continue;
		s->off[i] = true;
		drift_add(d, "forwarding: %s is %s (guests cannot reach beyond the host%s)",
			  ipfwd_sysctl[i].key, val, i == IPFWD_V6 ? " over IPv6" : "");
	}
	return 0;
}

static int ipfwd_repair(struct step_ctx *c, void *st, struct nerr *e)
{
	const struct ipfwd_state *s = st;
	int r;

	(void)c;
	for (int i = 0; i < IPFWD_N; i++)
		if (s->off[i] && (r = ipfwd_write(i, e)) < 0)
			return r;
	return 0;
}

const struct step_ops ipfwd_step = {
	.name = "forwarding",
	.state_size = sizeof(struct ipfwd_state),
	.apply = ipfwd_apply,
	.undo = ipfwd_undo,
	.check = ipfwd_check,
	.repair = ipfwd_repair,
};
