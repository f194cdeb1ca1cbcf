/* The system bus, for the services netd talks to over D-Bus (firewalld,
 * systemd-resolved): opening it and finding whether a service is there
 * and manages this network namespace. */
#ifndef NETD_NDBUS_H
#define NETD_NDBUS_H

#include <stdint.h>

#include <systemd/sd-bus.h>

#include "util.h"

#define _cleanup_bus_	  __attribute__((cleanup(sd_bus_flush_close_unrefp)))
#define _cleanup_bus_msg_ __attribute__((cleanup(sd_bus_message_unrefp)))
#define _cleanup_bus_err_ __attribute__((cleanup(sd_bus_error_free)))

enum nd_bus_peer {
	ND_BUS_NONE,	    /* no system bus (no socket, or no daemon behind it) */
	ND_BUS_NO_OWNER,    /* the bus, but no one owns the name */
	ND_BUS_OTHER_NETNS, /* its owner runs in another network namespace */
	ND_BUS_OK,	    /* *bus is set: the owner is there, and ours */
};

/* The system bus with 'name' owned in this network namespace, in *bus
 * (method calls bounded by timeout_usec); else *bus NULL and *how says
 * why. The name is never activated: a service that does not run is not
 * started by asking. A service's settings apply to the namespace it runs
 * in: netd tried out inside 'unshare --net' still reaches the host's
 * system bus, and must not hand the host's daemon an interface of the
 * namespace. An owner whose pid is not visible from here (another pid
 * namespace) counts as another network namespace. Returns 0, or -errno
 * (message in e) when the bus answers something that makes no sense. */
int nd_bus_open_peer(const char *name, uint64_t timeout_usec, sd_bus **bus, enum nd_bus_peer *how,
		     struct nerr *e);

#endif
