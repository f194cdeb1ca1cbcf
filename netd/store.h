/* The persistent store: NAME.xml files under the config directory, autostart
 * marks, and the lock that serialises netd invocations. */
#ifndef NETD_STORE_H
#define NETD_STORE_H

#include <stdbool.h>
#include <sys/types.h>

#include "model.h"
#include "paths.h"

struct store {
	struct nd_paths p;
	int lock_fd; /* -1 when not locked */
};

/* Resolve paths; with 'lock', create the runtime directory and take the
 * exclusive lock (waits for another netd to finish). */
int store_open(struct store *s, bool lock, struct nerr *e);
void store_close(struct store *s);
/* Without taking it (any user may call this): 1 when a netd holds the lock
 * (its pid in *pid, 0 when /proc does not say), as /proc/locks shows it;
 * 0 when none does or that cannot be told. */
int store_lock_holder(const struct store *s, long *pid);
/* The pure part: in 'locks' (the text of /proc/locks), the holder of a
 * lock on the file dev:ino, not a waiter's. */
int store_locks_find(const char *locks, dev_t dev, ino_t ino, long *pid);
static inline void store_closep(struct store *s)
{
	store_close(s);
}
#define _cleanup_store_ __attribute__((cleanup(store_closep)))

/* Names of defined networks, sorted; free with store_names_free. */
int store_names(const struct store *s, char ***names, size_t *count, struct nerr *e);
void store_names_free(char **names, size_t count);

bool store_exists(const struct store *s, const char *name);
/* Load NAME's persistent config (parsed and validated). -ENOENT with a
 * message when no such network is defined. */
int store_load(const struct store *s, const char *name, struct net *n, struct nerr *e);

/* Define n (parsed and validated, defaults not yet filled): refuse name,
 * uuid, bridge and subnet clashes with other networks, fill defaults, write
 * atomically. With 'replaced', tells whether an existing definition was
 * replaced. */
int store_define(struct store *s, struct net *n, bool *replaced, struct nerr *e);
/* For a transient network (netd start FILE): refuse a name that is
 * defined, or a uuid, bridge or subnet a defined network uses; fill in the
 * defaults as define would. */
int store_check_transient(const struct store *s, struct net *n, struct nerr *e);
int store_undefine(struct store *s, const char *name, struct nerr *e);

int store_set_autostart(struct store *s, const char *name, bool on, struct nerr *e);
bool store_autostart(const struct store *s, const char *name);

/* Whether the network is running: its runtime record exists. */
bool store_active(const struct store *s, const char *name);
/* Path of the runtime record of a running network (the model it was started
 * with). */
int store_runtime_path(const struct store *s, const char *name, char *buf, size_t len);

/* Path of NAME's persistent config, NETD_CONF_DIR/NAME.xml. */
int store_conf_path(const struct store *s, const char *name, char *buf, size_t len);

/* net_fill_defaults() with the bridges of the other defined networks and
 * the host's interface names taken. */
int store_fill_defaults(const struct store *s, struct net *n, struct nerr *e);

#endif
