/* dnsmasq's lease file; see dhcp_leases.h. Every field is checked against
 * the grammar of what dnsmasq writes there before it is kept: a guest
 * chooses its host name and client id, and `netd leases` prints them. */
#include "dhcp_leases.h"

#include <errno.h>
#include <string.h>

#include "dhcp.h"
#include "model.h"

/* "xx:xx:...": 1 to max bytes of two hex digits each. */
static bool hex_bytes_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (;;) {
		if (!nd_is_hex(s[0]) || !nd_is_hex(s[1]) || ++n > max)
			return false;
		s += 2;
		if (*s == '\0')
			return true;
		if (*s++ != ':')
			return false;
	}
}

/* dnsmasq's hardware address: "TT-" when not Ethernet (then possibly no
 * bytes at all), at most 16 bytes (DHCP_CHADDR_MAX). */
static bool hwaddr_ok(const char *s)
{
	if (nd_is_hex(s[0]) && nd_is_hex(s[1]) && s[2] == '-')
		return s[3] == '\0' || hex_bytes_ok(s + 3, 16);
	return hex_bytes_ok(s, 16);
}

static bool number_ok(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 20)
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end && *v <= max;
}

/* The optional fields: a name or "*", a client id or "*". Neither makes
 * the lease invalid: it is dropped, the lease kept. The name is the
 * guest's own (or a dhcp-host name), which dnsmasq stores only when it is
 * a legal host name: a DNS name. The dhcp-host grammar (dhcp_hostname_ok)
 * is not the rule here: its extra refusals are about how dnsmasq reads its
 * config lines, and a guest named "ignore" is still named "ignore". */
static void lease_extras(struct dhcp_lease *l, const char *host, const char *clid)
{
	if (strcmp(host, "*") != 0 && net_dnsname_ok(host))
		nd_strlcpy(l->hostname, host, sizeof l->hostname);
	if (strcmp(clid, "*") != 0 && hex_bytes_ok(clid, 255))
		nd_strlcpy(l->clientid, clid, sizeof l->clientid);
}

static bool lease_v4(struct dhcp_lease *l, char *const f[5])
{
	struct in_addr a;

	if (inet_pton(AF_INET, f[2], &a) != 1 || !hwaddr_ok(f[1]))
		return false;
	l->family = AF_INET;
	inet_ntop(AF_INET, &a, l->ip, sizeof l->ip);
	nd_strlcpy(l->mac, f[1], sizeof l->mac);
	return true;
}

static bool lease_v6(struct dhcp_lease *l, char *const f[5])
{
	const char *iaid = f[1];
	struct in6_addr a;
	uint64_t v;

	if (inet_pton(AF_INET6, f[2], &a) != 1)
		return false;
	l->temporary = iaid[0] == 'T';
	if (!number_ok(iaid + l->temporary, UINT32_MAX, &v))
		return false;
	l->family = AF_INET6;
	l->iaid = (uint32_t)v;
	inet_ntop(AF_INET6, &a, l->ip, sizeof l->ip);
	return true;
}

/* Split at blanks, as dnsmasq's fscanf("%s") does; more than max fields: -1. */
static int split(char *line, char *f[], int max)
{
	char *save = NULL;
	int n = 0;

	for (char *t = strtok_r(line, " \t\r\v\f", &save); t;
	     t = strtok_r(NULL, " \t\r\v\f", &save)) {
		if (n == max)
			return -1;
		f[n++] = t;
	}
	return n;
}

/* One line; false for anything that is not a lease. */
static bool lease_line(const char *text, size_t len, struct dhcp_lease *l)
{
	char line[2048], *f[5];
	uint64_t exp;

	if (len >= sizeof line || memchr(text, '\0', len))
		return false;
	memcpy(line, text, len);
	line[len] = '\0';
	if (split(line, f, 5) != 5 || !number_ok(f[0], INT64_MAX, &exp))
		return false;
	memset(l, 0, sizeof *l);
	l->expiry = (int64_t)exp;
	if (!lease_v4(l, f) && !lease_v6(l, f))
		return false;
	lease_extras(l, f[3], f[4]);
	return true;
}

/* Room for one more lease. The array grows by doubling, not one element
 * at a time: a full file is DHCP_LEASES_MAX leases of about 1 KiB each,
 * and copying it on every line would take minutes (and under ASan, whose
 * realloc always copies, hours). */
static struct dhcp_lease *lease_slot(struct dhcp_lease **arr, size_t *cap, size_t cnt)
{
	struct dhcp_lease *na;
	size_t ncap;

	if (cnt >= DHCP_LEASES_MAX) {
		errno = E2BIG;
		return NULL;
	}
	if (cnt < *cap)
		return &(*arr)[cnt];
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > DHCP_LEASES_MAX)
		ncap = DHCP_LEASES_MAX;
	if (!(na = realloc(*arr, ncap * sizeof *na)))
		return NULL;
	*arr = na;
	*cap = ncap;
	return &na[cnt];
}

int dhcp_leases_parse(const char *text, size_t len, struct dhcp_lease **out, size_t *n)
{
	_cleanup_free_ struct dhcp_lease *arr = NULL;
	struct dhcp_lease l;
	size_t cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t pos = 0, end; pos < len; pos = end + 1) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		struct dhcp_lease *slot;

		end = nl ? (size_t)(nl - text) : len;
		if (!lease_line(text + pos, end - pos, &l))
			continue;
		if (!(slot = lease_slot(&arr, &cap, cnt)))
			return errno == E2BIG ? -E2BIG : -ENOMEM;
		*slot = l;
		cnt++;
	}
	if (cnt == 0)
		return 0;
	*out = TAKE_PTR(arr);
	*n = cnt;
	return 0;
}

int dhcp_leases_read(const char *leasefile, struct dhcp_lease **out, size_t *n, struct nerr *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*out = NULL;
	*n = 0;
	r = nd_read_file(leasefile, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return nerr_set(e, r, "read leases %s: %s", leasefile, nd_strerror(r));
	r = dhcp_leases_parse(text, len, out, n);
	if (r == -E2BIG)
		return nerr_set(e, r, "read leases %s: more than %d leases", leasefile,
				DHCP_LEASES_MAX);
	if (r < 0)
		return nerr_set(e, r, "read leases %s: %s", leasefile, nd_strerror(r));
	return 0;
}

size_t dhcp_leases_current(struct dhcp_lease *l, size_t n, time_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (l[i].expiry == 0 || l[i].expiry > (int64_t)now)
			l[k++] = l[i];
	return k;
}

int dhcp_leases_load(const struct nd_paths *p, const char *name, time_t now,
		     struct dhcp_lease **out, size_t *n, struct nerr *e)
{
	struct dhcp_files_buf fb;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = dhcp_files_init(&fb, p->state_dir, p->run_dir, name, e)) < 0 ||
	    (r = dhcp_leases_read(fb.files.leasefile, out, n, e)) < 0)
		return r;
	*n = dhcp_leases_current(*out, *n, now);
	if (*n == 0) {
		free(*out);
		*out = NULL;
	}
	return 0;
}
