/* Networks of their own for unprivileged users (delegation).
 *
 * `netd serve-user` is root, started by systemd for one connection to
 * NETD_RUN_DIR/user.sock (netd-user.socket, Accept=yes) with the connection
 * on standard input and output. It identifies the caller by the socket's
 * SO_PEERCRED and SO_PEERGROUPS (never by anything in the request), reads
 * one request (userproto.h) within USER_READ_TIMEOUT_MS, checks it against
 * delegation.conf (deleg.h), does the work with the admin CLI's own code
 * under netd's lock, answers and exits. `netd user ...` is the client.
 *
 * A user's network is stored as USER.NAME (alice's "lab" is alice.lab, so
 * one user cannot name another's), with <netd:owner uid='UID'/>: its bridge
 * (nduN) goes in qemu-bridge-helper's ACL through a per-network file only
 * that user can read, its subnets are carved from the policy's pool clear
 * of every other network and of the host's addresses and routes. */
#ifndef NETD_USER_H
#define NETD_USER_H

#include <stdio.h>

#include "paths.h"
#include "userproto.h"

#define USER_READ_TIMEOUT_MS 10000

/* The service's whole run. 0 when it answered a caller, whatever the
 * answer (a refusal is in the answer and the journal line, not the exit
 * status); 1 when there was no caller to answer (standard input not a
 * unix socket connection) or the answer could not be sent. 'log' (the
 * journal) gets one line per request. */
int user_serve(int in_fd, int out_fd, FILE *log);

/* The client: send q to the service, print its answer; the exit status. */
int user_client(const struct nd_paths *p, const struct ureq *q);

#endif
