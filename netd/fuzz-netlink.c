/* Fuzz target: netd's own walks over rtnetlink replies (kernel data):
 * netlink_ext_ack_parse, which finds the kernel's reason in an NLMSG_ERROR
 * by offset arithmetic over the request's copy, and netlink_link_parse,
 * which reads an RTM_NEWLINK's attributes (MTU, MAC, link info) and hands
 * IFLA_INFO_DATA on. libnl's attribute parser itself is not the target;
 * what netd does with its results is. Every input goes through both, as
 * libnl would deliver it (nlmsg_len within what was received). Beyond "no
 * crash": the reason is a string inside its buffer, and a parsed link's
 * kind is one too, with the data handed on lying inside the message.
 * Seeds: real replies, tests/fuzz/corpus/fuzz-netlink/README. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "netlink.h"

struct bounds {
	const char *start, *end;
	size_t calls;
};

static void on_data(const struct netlink_link *l, struct nlattr *data, void *arg)
{
	struct bounds *b = arg;
	const char *p = (const char *)data;

	fuzz_assert(memchr(l->kind, '\0', sizeof l->kind));
	fuzz_assert(p >= b->start && p + NLA_HDRLEN <= b->end);
	fuzz_assert(p + nla_len(data) + NLA_HDRLEN <= b->end);
	b->calls++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[160], tiny[1];
	struct nlmsghdr *h;
	struct nl_msg *m;
	struct netlink_link l;
	struct bounds b = { 0 };
	char *buf;
	int r;

	/* recv's buffer is aligned; libFuzzer's data need not be */
	buf = malloc(size ? size : 1);
	fuzz_assert(buf);
	memcpy(buf, data, size);
	memset(why, 'x', sizeof why);
	netlink_ext_ack_parse(buf, size, why, sizeof why);
	fuzz_assert(memchr(why, '\0', sizeof why));
	netlink_ext_ack_parse(buf, size, tiny, sizeof tiny);
	fuzz_assert(tiny[0] == '\0');
	h = (struct nlmsghdr *)buf;
	if (size >= NLMSG_HDRLEN && h->nlmsg_len >= NLMSG_HDRLEN && h->nlmsg_len <= size) {
		m = nlmsg_convert(h);
		fuzz_assert(m);
		h = nlmsg_hdr(m);
		b.start = (const char *)h;
		b.end = (const char *)h + h->nlmsg_len;
		r = netlink_link_parse(m, &l, on_data, &b);
		fuzz_assert(r == 0 || r == -EBADMSG);
		fuzz_assert(r == 0 || b.calls == 0);
		if (r == 0) {
			fuzz_assert(h->nlmsg_type == RTM_NEWLINK);
			fuzz_assert(memchr(l.kind, '\0', sizeof l.kind));
			fuzz_assert(b.calls <= 1);
		}
		nlmsg_free(m);
	}
	free(buf);
	return 0;
}
