/* Where netd keeps its files. One place: build-time defaults, each
 * overridable by an environment variable so tests can relocate them. */
#ifndef NETD_PATHS_H
#define NETD_PATHS_H

#include <limits.h>

/* Where distributions put qemu-bridge-helper, NULL-terminated: the first
 * that exists is checked unless NETD_BRIDGE_HELPER names one. */
extern const char *const nd_bridge_helpers[];

struct nd_paths {
	char conf_dir[PATH_MAX];      /* NETD_CONF_DIR: NAME.xml files */
	char autostart_dir[PATH_MAX]; /* conf_dir/autostart */
	char run_dir[PATH_MAX];	      /* NETD_RUN_DIR: runtime state */
	char state_dir[PATH_MAX];     /* NETD_STATE_DIR: dnsmasq files, leases */
	char bridge_conf[PATH_MAX];   /* NETD_BRIDGE_CONF: qemu's bridge ACL */
	char host_conf[PATH_MAX];     /* NETD_HOST_CONF: netd.conf, per-host settings */
	char lock_file[PATH_MAX];     /* run_dir/netd.lock */
	char deleg_conf[PATH_MAX];    /* NETD_DELEGATION_CONF: who may have networks */
	char user_sock[PATH_MAX];     /* run_dir/user.sock: the delegation service */
	/* NETD_BRIDGE_HELPER, else the first of the distributions' paths that
	 * exists, else "" (for status' session-VM check only) */
	char bridge_helper[PATH_MAX];
};

/* Fill from defaults and the environment; -ENAMETOOLONG when a path does
 * not fit, -EINVAL when one is not absolute. */
int paths_init(struct nd_paths *p);

#endif
