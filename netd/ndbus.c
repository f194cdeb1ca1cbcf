/* The system bus; see ndbus.h. */
#include "ndbus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool same_netns(sd_bus *b, const char *name)
{
	_cleanup_bus_err_ sd_bus_error err = SD_BUS_ERROR_NULL;
	_cleanup_bus_msg_ sd_bus_message *reply = NULL;
	char path[64], theirs[64], ours[64];
	uint32_t pid = 0;
	ssize_t n, m;

	if (sd_bus_call_method(b, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "GetConnectionUnixProcessID", &err, &reply,
			       "s", name) < 0 ||
	    sd_bus_message_read(reply, "u", &pid) < 0 || pid == 0)
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
	if (sd_bus_open_system(&b) < 0)
		return 0;
	if ((r = sd_bus_set_method_call_timeout(b, timeout_usec)) < 0)
		return nerr_set(e, r, "D-Bus: set the timeout: %s", strerror(-r));
	r = sd_bus_call_method(b, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "NameHasOwner", &err, &reply, "s", name);
	if (r < 0) /* no bus daemon behind the socket: as no service */
		return 0;
	if ((r = sd_bus_message_read(reply, "b", &has)) < 0)
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
