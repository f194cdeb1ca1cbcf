/* Bringing a running network's dnsmasq to a changed model without
 * stopping the network (netd update): what dnsmasq reads again on SIGHUP
 * (dhcp-hostsfile, addn-hosts) is rewritten and dnsmasq signalled; any
 * other change of its config (ranges, srv-host, txt-record: dnsmasq 2.89
 * and 2.90 read those only at start) restarts it. The lease file is never
 * touched, so guests keep their addresses across the restart. */
#ifndef NETD_DHCP_UPDATE_H
#define NETD_DHCP_UPDATE_H

#include <sys/types.h>

#include "model.h"
#include "paths.h"

enum dhcp_live_how {
	DHCP_LIVE_SAME,	   /* nothing dnsmasq reads changed */
	DHCP_LIVE_HUP,	   /* hosts files rewritten, SIGHUP */
	DHCP_LIVE_RESTART, /* config rewritten, dnsmasq restarted */
	DHCP_LIVE_STOPPED, /* the network needs no dnsmasq any more */
};

struct dhcp_live {
	enum dhcp_live_how how;
	pid_t old_pid; /* 0: none was running */
	pid_t new_pid;
};

/* Render every file for 'n' first (a render error writes nothing); then
 * hosts files + SIGHUP when the config file is unchanged and dnsmasq
 * runs, else rewrite and restart. When the restart fails, the files as
 * they were are put back and the old dnsmasq config started again. */
int dhcp_update_live(const struct nd_paths *p, const struct net *n, struct dhcp_live *res,
		     struct nerr *e);

#endif
