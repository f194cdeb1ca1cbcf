/* Fuzz target: dnsmasq's lease file parser (dhcp_leases_parse), which reads
 * what guests chose (host names, client ids). Beyond "no crash": every
 * lease it returns must be what `netd leases` may print without further
 * checks, so the properties below are asserted on each one. */
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include "dhcp_leases.h"
#include "fuzz.h"
#include "model.h"

static bool hexpairs(const char *s)
{
	/* "" or "xx:xx:...:xx" */
	for (size_t i = 0; s[i]; i += 3) {
		if (!nd_is_hex(s[i]) || !nd_is_hex(s[i + 1]))
			return false;
		if (s[i + 2] != ':' && s[i + 2] != '\0')
			return false;
		if (!s[i + 2])
			break;
	}
	return true;
}

static void check_lease(const struct dhcp_lease *l)
{
	unsigned char a[16];
	char canon[INET6_ADDRSTRLEN];

	fuzz_assert(l->family == AF_INET || l->family == AF_INET6);
	fuzz_assert(memchr(l->ip, '\0', sizeof l->ip));
	fuzz_assert(inet_pton(l->family, l->ip, a) == 1);
	fuzz_assert(inet_ntop(l->family, a, canon, sizeof canon));
	fuzz_assert(strcmp(canon, l->ip) == 0);
	fuzz_assert(memchr(l->mac, '\0', sizeof l->mac));
	fuzz_assert(memchr(l->hostname, '\0', sizeof l->hostname));
	fuzz_assert(memchr(l->clientid, '\0', sizeof l->clientid));
	fuzz_assert(!l->hostname[0] || net_dnsname_ok(l->hostname));
	fuzz_assert(hexpairs(l->clientid));
	if (l->family == AF_INET6)
		fuzz_assert(!l->mac[0]);
	else
		fuzz_assert(l->mac[0] && !l->temporary && l->iaid == 0);
	for (const char *p = l->mac; *p; p++)
		fuzz_assert(nd_is_hex(*p) || *p == ':' || *p == '-');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_lease *l = NULL;
	size_t n = 0, kept;
	int r;

	r = dhcp_leases_parse((const char *)data, size, &l, &n);
	fuzz_assert(r == 0 || r == -E2BIG || r == -ENOMEM);
	if (r < 0) {
		fuzz_assert(!l && n == 0);
		return 0;
	}
	fuzz_assert(n <= DHCP_LEASES_MAX);
	fuzz_assert((n == 0) == (l == NULL));
	for (size_t i = 0; i < n; i++)
		check_lease(&l[i]);
	kept = dhcp_leases_current(l, n, 1732550400);
	fuzz_assert(kept <= n);
	for (size_t i = 0; i < kept; i++)
		fuzz_assert(l[i].expiry == 0 || l[i].expiry >= 1732550400);
	free(l);
	return 0;
}
