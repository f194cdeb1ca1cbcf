/* Fuzz target: the walk over a sock_diag dump reply (dhcp_diag_parse),
 * which reads what the kernel sent for `status` (the DHCP socket's bound
 * interface) and for a failed start (who holds a port). Beyond "no crash":
 * every message handed on lies whole inside the datagram, on a netlink
 * alignment boundary, in order; the result is one of the documented
 * answers; and dhcp_diag_bound_fn finds what the messages say. Seeds:
 * real replies, tests/fuzz/corpus/fuzz-sockdiag/README. */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "dhcp_run.h"
#include "fuzz.h"

struct seen {
	const char *buf;
	size_t len;
	const char *last; /* the previous message handed on */
	size_t n;
	bool port67;	/* some message was a port-67 socket of inode 1 */
	int first67_if; /* the interface of the first one */
};

static void on_msg(const struct inet_diag_msg *m, void *arg)
{
	struct seen *s = arg;
	const char *p = (const char *)m;
	struct inet_diag_msg copy;

	fuzz_assert(p >= s->buf + NLMSG_HDRLEN);
	fuzz_assert((size_t)(p - s->buf) + sizeof *m <= s->len);
	fuzz_assert((size_t)(p - s->buf - NLMSG_HDRLEN) % NLMSG_ALIGNTO == 0);
	fuzz_assert(p > s->last);
	s->last = p;
	s->n++;
	memcpy(&copy, m, sizeof copy); /* every byte readable (ASan) */
	if (ntohs(copy.id.idiag_sport) == 67 && copy.idiag_inode == 1 && !s->port67) {
		s->port67 = true;
		s->first67_if = (int)copy.id.idiag_if;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned long ino[] = { 1 };
	struct dhcp_diag_bound b = { .ino = ino, .n = 1 };
	struct seen s = { 0 };
	char *buf;
	int r, r2;

	/* recv's buffer is aligned; libFuzzer's data need not be */
	buf = malloc(size ? size : 1);
	fuzz_assert(buf);
	memcpy(buf, data, size);
	s.buf = buf;
	s.len = size;
	s.last = buf;
	r = dhcp_diag_parse(buf, size, on_msg, &s);
	fuzz_assert(r == 0 || r == 1 || (r < 0 && r >= -4095));
	fuzz_assert(s.n <= size / (NLMSG_HDRLEN + sizeof(struct inet_diag_msg)));
	r2 = dhcp_diag_parse(buf, size, dhcp_diag_bound_fn, &b);
	fuzz_assert(r2 == r);
	fuzz_assert(b.found == s.port67);
	if (b.found)
		fuzz_assert(b.ifindex == s.first67_if);
	free(buf);
	return 0;
}
