/* The dnsmasq step of a running network (see step.h): its config and hosts
 * files, and the dnsmasq process that serves DHCP and DNS on the bridge.
 *
 * apply writes the files and starts dnsmasq when the network needs one
 * (dhcp_needed()); undo stops it and removes the files, but not the lease
 * file, so that guests keep their addresses across a restart. check finds
 * a dnsmasq that is not running, runs with another config than the network
 * renders to now, or listens on a bridge that was made again; repair
 * restarts it with fresh files. describe adds "dnsmasq_pid". */
#ifndef NETD_DHCP_STEP_H
#define NETD_DHCP_STEP_H

#include "dhcp.h"
#include "paths.h"
#include "step.h"

extern const struct step_ops dhcp_step;

/* The dnsmasq files of network 'name' with dnsmasq's group filled in
 * (fb->files.group points into 'group'; NULL when dnsmasq's user has no
 * entry here, and dnsmasq then picks). Reads the passwd and group
 * databases, touches nothing: for `netd plan`. */
int dhcp_files_for(const struct nd_paths *p, const char *name, struct dhcp_files_buf *fb,
		   char *group, size_t len, struct nerr *e);

#endif
