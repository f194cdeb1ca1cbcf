/* A host bridge network's one step of its own (<forward mode='bridge'/>
 * <bridge name='br0'/>), named "host bridge": apply checks that the bridge
 * exists and is a Linux bridge (an Open vSwitch bridge is refused with that
 * reason) and changes nothing; undo leaves it; check reports it missing,
 * not a Linux bridge, or down, none of which netd repairs; describe adds
 * "host_bridge": {exists, linux_bridge, up, kind} to status --json.
 * lifecycle.c runs it with bconf_step only. */
#ifndef NETD_HOSTBRIDGE_H
#define NETD_HOSTBRIDGE_H

struct step_ops;

extern const struct step_ops hostbridge_step;

#endif
