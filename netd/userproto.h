/* The delegation protocol between `netd user` (run by an unprivileged user)
 * and `netd serve-user` (root, one connection per process): one request,
 * one answer, each a single JSON object, on a unix stream socket. The
 * client sends its request and shuts its side down; the service answers
 * and closes.
 *
 * Request, at most UREQ_MAX bytes, every member checked (an unknown one,
 * a wrong type, a member the operation does not take: refused; nothing
 * in it says who the caller is, which is the socket's SO_PEERCRED):
 *     {"netd-user": 1, "op": "create", "name": "lab", "forward": "nat",
 *      "transient": false, "lease-time": "2h"}
 *     {"netd-user": 1, "op": "list", "json": false}
 *     {"netd-user": 1, "op": "destroy", "name": "lab", "force": false}
 *     {"netd-user": 1, "op": "leases", "name": "lab", "json": false}
 * Answer, at most URESP_MAX bytes: what the client prints and exits with.
 *     {"netd-user": 1, "status": 0, "out": "...", "err": "..."} */
#ifndef NETD_USERPROTO_H
#define NETD_USERPROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define UREQ_VERSION   1
#define UREQ_MAX       4096
#define URESP_MAX      (1u << 20)
#define UREQ_NAME_MAX  16 /* a user's name for one of their networks */
#define UREQ_LEASE_MAX 15

enum ureq_op { UREQ_CREATE, UREQ_LIST, UREQ_DESTROY, UREQ_LEASES };
enum ureq_fwd { UREQ_FWD_DEFAULT, UREQ_FWD_NAT, UREQ_FWD_ISOLATED };

struct ureq {
	enum ureq_op op;
	char name[UREQ_NAME_MAX + 1]; /* "" for list */
	enum ureq_fwd fwd;
	bool transient, force, json;
	char lease[UREQ_LEASE_MAX +
		   1]; /* a duration as deleg_duration() takes; "" = the policy's */
};

/* Lower-case letters, digits, '-' and '_', starting with a letter or a
 * digit, at most UREQ_NAME_MAX bytes. */
bool ureq_name_ok(const char *s);
/* The operation's word, and back (-EINVAL when unknown). */
const char *ureq_op_str(enum ureq_op op);
int ureq_op_parse(const char *s, enum ureq_op *op);

/* Strict: 'e' says what is wrong, in words the client can print. */
int ureq_parse(const char *buf, size_t len, struct ureq *q, struct nerr *e);
/* The request's JSON text (malloc'd, NUL-terminated), NULL when out of
 * memory. */
char *ureq_format(const struct ureq *q);

char *uresp_format(int status, const char *out, const char *err);
/* *out and *err malloc'd. */
int uresp_parse(const char *buf, size_t len, int *status, char **out, char **err, struct nerr *e);

#endif
