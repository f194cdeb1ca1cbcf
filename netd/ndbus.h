/* The system bus, for the services netd talks to over D-Bus (firewalld,
 * systemd-resolved): opening it and finding whether a service is there
 * and manages this network namespace. */
#ifndef NETD_NDBUS_H
#define NETD_NDBUS_H

#include <stdint.h>

#include <systemd/sd-bus.h>

#include "util.h"

/* libsystemd is not linked: nd_bus_open_peer() loads it (dlopen) the first
 * time a system bus is there to talk to. Of the 2.9 ms netd took to run
 * a command that does nothing, 0.65 ms was loading libsystemd and the six
 * libraries it needs (gcrypt, zstd, lz4, ...); most commands never talk
 * to the bus, and on a host without one no command does. Its functions are
 * called through nd_sd, set once it is loaded: only after
 * nd_bus_open_peer() has handed out a bus. */
/* Every sd_bus_ function netd uses, by name without the prefix. */
#define ND_SD_FUNCS(X)                                                                             \
	X(open_system)                                                                             \
	X(flush_close_unref)                                                                       \
	X(set_method_call_timeout)                                                                 \
	X(call_method)                                                                             \
	X(call)                                                                                    \
	X(get_property)                                                                            \
	X(message_new_method_call)                                                                 \
	X(message_set_auto_start)                                                                  \
	X(message_append)                                                                          \
	X(message_appendv)                                                                         \
	X(message_append_array)                                                                    \
	X(message_open_container)                                                                  \
	X(message_close_container)                                                                 \
	X(message_read)                                                                            \
	X(message_read_array)                                                                      \
	X(message_enter_container)                                                                 \
	X(message_exit_container)                                                                  \
	X(message_unref)                                                                           \
	X(error_free)                                                                              \
	X(error_set_errno)                                                                         \
	X(error_set_const)

/* NOLINTNEXTLINE(bugprone-macro-parentheses): f is a declarator here */
#define ND_SD_FIELD(f) __typeof__(sd_bus_##f) *f;
struct nd_sd {
	ND_SD_FUNCS(ND_SD_FIELD)
};
#undef ND_SD_FIELD
extern struct nd_sd nd_sd;

/* The cleanups, safe before the library is loaded (all is still NULL). */
static inline void nd_bus_closep(sd_bus **b)
{
	if (*b)
		(void)nd_sd.flush_close_unref(*b);
}
static inline void nd_bus_msg_unrefp(sd_bus_message **m)
{
	if (*m)
		(void)nd_sd.message_unref(*m);
}
static inline void nd_bus_err_free(sd_bus_error *err)
{
	if (nd_sd.error_free)
		nd_sd.error_free(err);
}
#define _cleanup_bus_	  __attribute__((cleanup(nd_bus_closep)))
#define _cleanup_bus_msg_ __attribute__((cleanup(nd_bus_msg_unrefp)))
#define _cleanup_bus_err_ __attribute__((cleanup(nd_bus_err_free)))

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
 * namespace) counts as another network namespace. Without a bus socket
 * (DBUS_SYSTEM_BUS_ADDRESS unset, no /run/dbus/system_bus_socket) it is
 * ND_BUS_NONE and libsystemd is not loaded. Returns 0, or -errno (message
 * in e) when the bus answers something that makes no sense, or when there
 * is a bus but libsystemd.so.0 cannot be loaded. */
int nd_bus_open_peer(const char *name, uint64_t timeout_usec, sd_bus **bus, enum nd_bus_peer *how,
		     struct nerr *e);

#endif
