#include "paths.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

#ifndef NETD_DEFAULT_CONF_DIR
#define NETD_DEFAULT_CONF_DIR "/etc/netd/networks"
#endif
#ifndef NETD_DEFAULT_RUN_DIR
#define NETD_DEFAULT_RUN_DIR "/run/netd"
#endif
#ifndef NETD_DEFAULT_STATE_DIR
#define NETD_DEFAULT_STATE_DIR "/var/lib/netd"
#endif
#ifndef NETD_DEFAULT_HOST_CONF
#define NETD_DEFAULT_HOST_CONF "/etc/netd/netd.conf"
#endif
#ifndef NETD_DEFAULT_DELEGATION_CONF
#define NETD_DEFAULT_DELEGATION_CONF "/etc/netd/delegation.conf"
#endif
#ifndef NETD_DEFAULT_BRIDGE_CONF
#define NETD_DEFAULT_BRIDGE_CONF "/etc/qemu/bridge.conf"
#endif

static int pick(char *dst, size_t size, const char *env, const char *def)
{
	const char *v = getenv(env);

	if (!v || !*v)
		v = def;
	if (v[0] != '/')
		return -EINVAL;
	if (nd_strlcpy(dst, v, size) >= size)
		return -ENAMETOOLONG;
	return 0;
}

const char *const nd_bridge_helpers[] = {
	"/usr/lib/qemu/qemu-bridge-helper", /* Debian, Ubuntu */
	"/usr/libexec/qemu-bridge-helper",  /* Fedora, RHEL, SUSE */
	NULL,
};

static int pick_helper(char *dst, size_t size)
{
	const char *v = getenv("NETD_BRIDGE_HELPER");

	if (v && *v)
		return nd_strlcpy(dst, v, size) >= size ? -ENAMETOOLONG : 0;
	dst[0] = '\0';
	for (size_t i = 0; nd_bridge_helpers[i]; i++)
		if (access(nd_bridge_helpers[i], F_OK) == 0)
			return nd_strlcpy(dst, nd_bridge_helpers[i], size) >= size ? -ENAMETOOLONG
										   : 0;
	return 0;
}

int paths_init(struct nd_paths *p)
{
	int r;

	if ((r = pick(p->conf_dir, sizeof p->conf_dir, "NETD_CONF_DIR", NETD_DEFAULT_CONF_DIR)) <
		    0 ||
	    (r = pick(p->run_dir, sizeof p->run_dir, "NETD_RUN_DIR", NETD_DEFAULT_RUN_DIR)) < 0 ||
	    (r = pick(p->state_dir, sizeof p->state_dir, "NETD_STATE_DIR",
		      NETD_DEFAULT_STATE_DIR)) < 0 ||
	    (r = pick(p->bridge_conf, sizeof p->bridge_conf, "NETD_BRIDGE_CONF",
		      NETD_DEFAULT_BRIDGE_CONF)) < 0 ||
	    (r = pick(p->host_conf, sizeof p->host_conf, "NETD_HOST_CONF",
		      NETD_DEFAULT_HOST_CONF)) < 0 ||
	    (r = pick(p->deleg_conf, sizeof p->deleg_conf, "NETD_DELEGATION_CONF",
		      NETD_DEFAULT_DELEGATION_CONF)) < 0)
		return r;
	if ((r = pick_helper(p->bridge_helper, sizeof p->bridge_helper)) < 0)
		return r;
	if ((r = nd_snprintf(p->autostart_dir, sizeof p->autostart_dir, "%s/autostart",
			     p->conf_dir)) < 0 ||
	    (r = nd_snprintf(p->lock_file, sizeof p->lock_file, "%s/netd.lock", p->run_dir)) < 0 ||
	    (r = nd_snprintf(p->user_sock, sizeof p->user_sock, "%s/user.sock", p->run_dir)) < 0)
		return r;
	return 0;
}
