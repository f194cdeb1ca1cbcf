/* The system bus; see ndbus.h. */
#include "ndbus.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sd-bus's own default when DBUS_SYSTEM_BUS_ADDRESS is not set. */
#define ND_BUS_SOCKET "/run/dbus/system_bus_socket"
#define ND_SD_LIB     "libsystemd.so.0"

struct nd_sd nd_sd;

/* Whether sd_bus_open_system() could find a bus to connect to at all. */
static bool bus_present(void)
{
	const char *a = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");

	return (a && *a) || access(ND_BUS_SOCKET, F_OK) == 0;
}

/* Load libsystemd and every function of nd_sd, once; all or nothing. */
static int sd_load(struct nerr *e)
{
	static bool loaded;
	struct nd_sd t;
	const char *missing = NULL;
	void *h;

	if (loaded)
		return 0;
	h = dlopen(ND_SD_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return nerr_set(e, -ELIBACC, "D-Bus: there is a system bus, but %s: %s", ND_SD_LIB,
				dlerror());
/* One function: a block, so that ND_SD_FUNCS can list them in a row. */
#define ND_SD_SYM(f)                                                                               \
	{                                                                                          \
		t.f = (__typeof__(t.f))dlsym(h, "sd_bus_" #f);                                     \
		if (!t.f && !missing)                                                              \
			missing = "sd_bus_" #f;                                                    \
	}
	ND_SD_FUNCS(ND_SD_SYM)
#undef ND_SD_SYM
	if (missing) {
		(void)dlclose(h);
		return nerr_set(e, -ELIBBAD, "D-Bus: %s has no %s (libsystemd too old?)", ND_SD_LIB,
				missing);
	}
	nd_sd = t; /* the handle stays open for the life of the process */
	loaded = true;
	return 0;
}

static bool same_netns(sd_bus *b, const char *name)
{
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	_cleanup_bus_msg_ sd_bus_message *reply = NULL;
	char path[64], theirs[64], ours[64];
	uint32_t pid = 0;
	ssize_t n, m;

	if (nd_sd.call_method(b, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			      "org.freedesktop.DBus", "GetConnectionUnixProcessID", &err, &reply,
			      "s", name) < 0 ||
	    nd_sd.message_read(reply, "u", &pid) < 0 || pid == 0)
		return false;
	(void)snprintf(path, sizeof path, "/proc/%" PRIu32 "/ns/net", pid);
	n = readlink(path, theirs, sizeof theirs - 1);
	m = readlink("/proc/self/ns/net", ours, sizeof ours - 1);
	if (n <= 0 || m <= 0)
		return false;
	theirs[n] = ours[m] = '\0';
	return strcmp(theirs, ours) == 0;
}

int nd_bus_open_peer(const char *name, uint64_t timeout_usec, sd_bus **bus, enum nd_bus_peer *how,
		     struct nerr *e)
{
	_cleanup_bus_ sd_bus *b = NULL;
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	_cleanup_bus_msg_ sd_bus_message *reply = NULL;
	int has = 0, r;

	*bus = NULL;
	*how = ND_BUS_NONE;
	if (!bus_present())
		return 0;
	if ((r = sd_load(e)) < 0)
		return r;
	if (nd_sd.open_system(&b) < 0)
		return 0;
	if ((r = nd_sd.set_method_call_timeout(b, timeout_usec)) < 0)
		return nerr_set(e, r, "D-Bus: set the timeout: %s", strerror(-r));
	r = nd_sd.call_method(b, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			      "org.freedesktop.DBus", "NameHasOwner", &err, &reply, "s", name);
	if (r < 0) /* no bus daemon behind the socket: as no service */
		return 0;
	if ((r = nd_sd.message_read(reply, "b", &has)) < 0)
		return nerr_set(e, r, "D-Bus: NameHasOwner(%s): bad reply: %s", name, strerror(-r));
	if (!has) {
		*how = ND_BUS_NO_OWNER;
		return 0;
	}
	if (!same_netns(b, name)) {
		*how = ND_BUS_OTHER_NETNS;
		return 0;
	}
	*how = ND_BUS_OK;
	*bus = b;
	b = NULL;
	return 0;
}
