/* The delegation protocol; see userproto.h. */
#include "userproto.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static const char *const op_words[] = {
	[UREQ_CREATE] = "create",
	[UREQ_LIST] = "list",
	[UREQ_DESTROY] = "destroy",
	[UREQ_LEASES] = "leases",
};

bool ureq_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > UREQ_NAME_MAX || s[0] == '-' || s[0] == '_')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	return true;
}

const char *ureq_op_str(enum ureq_op op)
{
	return op_words[op];
}

int ureq_op_parse(const char *s, enum ureq_op *op)
{
	for (size_t i = 0; i < ARRAY_SIZE(op_words); i++)
		if (strcmp(s, op_words[i]) == 0) {
			*op = (enum ureq_op)i;
			return 0;
		}
	return -EINVAL;
}

/* Which members each operation takes, besides netd-user and op. */
static bool member_ok(enum ureq_op op, const char *key)
{
	static const char *const takes[][5] = {
		[UREQ_CREATE] = { "name", "forward", "transient", "lease-time", NULL },
		[UREQ_LIST] = { "json", NULL },
		[UREQ_DESTROY] = { "name", "force", NULL },
		[UREQ_LEASES] = { "name", "json", NULL },
	};

	for (size_t i = 0; takes[op][i]; i++)
		if (strcmp(takes[op][i], key) == 0)
			return true;
	return false;
}

/* A printable rendering of a member name for a message. */
static const char *shown_key(const char *key, char buf[48])
{
	(void)nd_escape(buf, 48, key); /* may be truncated */
	return buf;
}

static int req_string(json_t *v, const char *key, char *dst, size_t size, struct nerr *e)
{
	if (!json_is_string(v))
		return nerr_set(e, -EINVAL, "request: \"%s\" must be a string", key);
	if (json_string_length(v) >= size)
		return nerr_set(e, -EINVAL, "request: \"%s\" is longer than %zu bytes", key,
				size - 1);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int req_bool(json_t *v, const char *key, bool *dst, struct nerr *e)
{
	if (!json_is_boolean(v))
		return nerr_set(e, -EINVAL, "request: \"%s\" must be true or false", key);
	*dst = json_is_true(v);
	return 0;
}

static int req_member(struct ureq *q, const char *key, json_t *v, struct nerr *e)
{
	char buf[48], fwd[16];
	int r;

	if (!member_ok(q->op, key))
		return nerr_set(e, -EINVAL, "request: %s takes no \"%s\"", ureq_op_str(q->op),
				shown_key(key, buf));
	if (strcmp(key, "name") == 0) {
		if ((r = req_string(v, key, q->name, sizeof q->name, e)) < 0)
			return r;
		if (!ureq_name_ok(q->name))
			return nerr_set(e, -EINVAL,
					"'%s' is not a name for a network of yours (lower-case "
					"letters, digits, '-', '_', starting with a letter or a "
					"digit, at most %d bytes)",
					shown_key(q->name, buf), UREQ_NAME_MAX);
		return 0;
	}
	if (strcmp(key, "forward") == 0) {
		if ((r = req_string(v, key, fwd, sizeof fwd, e)) < 0)
			return r;
		if (strcmp(fwd, "nat") == 0)
			q->fwd = UREQ_FWD_NAT;
		else if (strcmp(fwd, "isolated") == 0)
			q->fwd = UREQ_FWD_ISOLATED;
		else
			return nerr_set(e, -EINVAL, "request: forward must be nat or isolated");
		return 0;
	}
	if (strcmp(key, "lease-time") == 0)
		return req_string(v, key, q->lease, sizeof q->lease, e);
	if (strcmp(key, "transient") == 0)
		return req_bool(v, key, &q->transient, e);
	if (strcmp(key, "force") == 0)
		return req_bool(v, key, &q->force, e);
	return req_bool(v, key, &q->json, e); /* member_ok() left only "json" */
}

int ureq_parse(const char *buf, size_t len, struct ureq *q, struct nerr *e)
{
	json_error_t je;
	json_auto_t *doc = NULL;
	json_t *ver, *op, *v;
	const char *key;
	int r;

	memset(q, 0, sizeof *q);
	if (len > UREQ_MAX)
		return nerr_set(e, -EMSGSIZE, "request too long (%zu bytes; at most %d)", len,
				UREQ_MAX);
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		char why[sizeof je.text * 4];

		/* jansson quotes the text near the error: the caller's bytes,
		 * which must not reach the journal as control characters */
		(void)nd_escape(why, sizeof why, je.text); /* may be truncated */
		return nerr_set(e, -EINVAL, "request is not JSON: %s (byte %d)", why, je.position);
	}
	if (!json_is_object(doc))
		return nerr_set(e, -EINVAL, "request is not a JSON object");
	ver = json_object_get(doc, "netd-user");
	if (!json_is_integer(ver))
		return nerr_set(e, -EINVAL, "request has no \"netd-user\" version");
	if (json_integer_value(ver) != UREQ_VERSION)
		return nerr_set(e, -EPROTO,
				"request of protocol version %lld; this netd speaks version %d "
				"(is the client's netd the same as the host's?)",
				(long long)json_integer_value(ver), UREQ_VERSION);
	op = json_object_get(doc, "op");
	if (!json_is_string(op) || ureq_op_parse(json_string_value(op), &q->op) < 0)
		return nerr_set(e, -EINVAL,
				"request: \"op\" must be one of create, list, destroy, leases");
	json_object_foreach(doc, key, v)
	{
		if (strcmp(key, "netd-user") == 0 || strcmp(key, "op") == 0)
			continue;
		if ((r = req_member(q, key, v, e)) < 0)
			return r;
	}
	if (q->op != UREQ_LIST && !q->name[0])
		return nerr_set(e, -EINVAL, "request: %s needs \"name\"", ureq_op_str(q->op));
	return 0;
}

char *ureq_format(const struct ureq *q)
{
	json_auto_t *o =
		json_pack("{s:i, s:s}", "netd-user", UREQ_VERSION, "op", ureq_op_str(q->op));
	bool ok = o != NULL;

	if (ok && q->op != UREQ_LIST)
		ok = json_object_set_new(o, "name", json_string(q->name)) == 0;
	if (ok && q->op == UREQ_CREATE) {
		if (q->fwd != UREQ_FWD_DEFAULT)
			ok = json_object_set_new(
				     o, "forward",
				     json_string(q->fwd == UREQ_FWD_NAT ? "nat" : "isolated")) == 0;
		if (ok && q->transient)
			ok = json_object_set_new(o, "transient", json_true()) == 0;
		if (ok && q->lease[0])
			ok = json_object_set_new(o, "lease-time", json_string(q->lease)) == 0;
	}
	if (ok && q->op == UREQ_DESTROY && q->force)
		ok = json_object_set_new(o, "force", json_true()) == 0;
	if (ok && (q->op == UREQ_LIST || q->op == UREQ_LEASES) && q->json)
		ok = json_object_set_new(o, "json", json_true()) == 0;
	return ok ? json_dumps(o, JSON_COMPACT) : NULL;
}

char *uresp_format(int status, const char *out, const char *err)
{
	json_auto_t *o = json_pack("{s:i, s:i, s:s?, s:s?}", "netd-user", UREQ_VERSION, "status",
				   status, "out", out, "err", err);

	return o ? json_dumps(o, JSON_COMPACT) : NULL;
}

int uresp_parse(const char *buf, size_t len, int *status, char **out, char **err, struct nerr *e)
{
	json_error_t je;
	json_auto_t *doc = NULL;
	json_t *st, *o, *er;

	*out = *err = NULL;
	if (len > URESP_MAX)
		return nerr_set(e, -EMSGSIZE, "answer too long (%zu bytes)", len);
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc || !json_is_object(doc))
		return nerr_set(e, -EPROTO, "the delegation service's answer is not JSON%s%s",
				doc ? "" : ": ", doc ? "" : je.text);
	st = json_object_get(doc, "status");
	o = json_object_get(doc, "out");
	er = json_object_get(doc, "err");
	if (!json_is_integer(st) || json_integer_value(st) < 0 || json_integer_value(st) > 2 ||
	    (o && !json_is_string(o)) || (er && !json_is_string(er)))
		return nerr_set(e, -EPROTO, "the delegation service's answer is malformed");
	*status = (int)json_integer_value(st);
	*out = strdup(o ? json_string_value(o) : "");
	*err = strdup(er ? json_string_value(er) : "");
	if (!*out || !*err) {
		free(*out);
		free(*err);
		*out = *err = NULL;
		return nerr_set(e, -ENOMEM, "out of memory");
	}
	return 0;
}
