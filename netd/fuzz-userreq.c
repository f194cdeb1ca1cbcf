/* Fuzz target: what an unprivileged user can send root. The input is both
 * a request (ureq_parse: the delegation service's first look at the
 * caller's bytes) and, as text, a delegation.conf (deleg_parse). Beyond
 * "no crash":
 * - a request is accepted only within UREQ_MAX bytes, with a name that
 *   passes ureq_name_ok() exactly when the operation takes one, and what
 *   the client would send for it reads back the same;
 * - an accepted policy is one serve-user can act on without further
 *   checks: sizes in range, a pool with room for one network, a kind to
 *   give, lease bounds ordered. */
#include <string.h>
#include <sys/socket.h>

#include "deleg.h"
#include "fuzz.h"
#include "userproto.h"

static void check_request(const uint8_t *data, size_t size)
{
	struct ureq q, back;
	struct nerr e = { { 0 } };
	char *t;

	if (ureq_parse((const char *)data, size, &q, &e) < 0) {
		fuzz_assert(e.msg[0]);
		return;
	}
	fuzz_assert(size <= UREQ_MAX);
	fuzz_assert(q.op == UREQ_LIST ? !q.name[0] : ureq_name_ok(q.name));
	fuzz_assert(memchr(q.lease, '\0', sizeof q.lease));
	t = ureq_format(&q);
	fuzz_assert(t);
	fuzz_assert(ureq_parse(t, strlen(t), &back, &e) == 0);
	fuzz_assert(q.op == back.op && q.fwd == back.fwd && q.transient == back.transient &&
		    q.force == back.force && q.json == back.json);
	fuzz_assert(strcmp(q.name, back.name) == 0 && strcmp(q.lease, back.lease) == 0);
	free(t);
}

static void check_policy(const uint8_t *data, size_t size)
{
	struct deleg_policy p;
	struct nerr e = { { 0 } };
	char *text = malloc(size + 1);

	fuzz_assert(text);
	memcpy(text, data, size);
	text[size] = '\0';
	if (deleg_parse(text, "fuzz", &p, &e) == 0) {
		fuzz_assert(p.prefix >= 16 && p.prefix <= 29);
		fuzz_assert(!p.pool.family || (p.pool.family == AF_INET && p.pool_prefix >= 8 &&
					       p.prefix >= p.pool_prefix));
		fuzz_assert(!p.pool6.family ||
			    (p.pool6.family == AF_INET6 && p.pool6_prefix <= 63));
		fuzz_assert(p.max_networks >= 1 && p.max_networks <= 64);
		fuzz_assert(p.nat || p.isolated);
		fuzz_assert(p.lease_time >= 120 && p.lease_time <= p.max_lease_time);
		for (size_t i = 0; i < p.n_users; i++)
			fuzz_assert(p.users[i][0] && !strpbrk(p.users[i], " \t,/:\n"));
		for (size_t i = 0; i < p.n_groups; i++)
			fuzz_assert(p.groups[i][0] && !strpbrk(p.groups[i], " \t,/:\n"));
	} else {
		fuzz_assert(e.msg[0]);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request(data, size);
	check_policy(data, size);
	return 0;
}
