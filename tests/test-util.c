/* The escaper every message goes through (nd_escape, nd_fputs_esc, and the
 * nerr_* functions built on it): what passes, what is escaped and how, and
 * the properties callers rely on (one line, valid UTF-8, idempotent, cut
 * at a whole piece). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

/* The cases hold the bidi controls the escaper exists to catch. */
/* NOLINTBEGIN(misc-misleading-bidirectional) */
struct esc_case {
	const char *what, *in, *out;
};

static const struct esc_case esc_cases[] = {
	{ "plain ASCII", "bridge virbr0: File exists", "bridge virbr0: File exists" },
	{ "backslash stays", "a\\x0ab \\n", "a\\x0ab \\n" },
	{ "newline tab return", "a\nb\tc\rd", "a\\nb\\tc\\rd" },
	{ "ESC and CSI in ASCII", "lab\n\x1b[31m", "lab\\n\\x1b[31m" },
	{ "other C0 and DEL", "\x01\x07\x08\x0b\x0c\x1f\x7f",
	  "\\x01\\x07\\x08\\x0b\\x0c\\x1f\\x7f" },
	{ "printable UTF-8", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
	  "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80" },
	{ "U+00A0 is the first printable after C1", "\xc2\xa0", "\xc2\xa0" },
	{ "C1 CSI U+009B",
	  "a\xc2\x9b"
	  "31mb",
	  "a\\u{9b}31mb" },
	{ "C1 first and last", "\xc2\x80\xc2\x9f", "\\u{80}\\u{9f}" },
	{ "C1 as a raw byte (invalid UTF-8)",
	  "a\x9b"
	  "31m",
	  "a\\x9b31m" },
	{ "RLO U+202E", "lab\xe2\x80\xaetxt.exe", "lab\\u{202e}txt.exe" },
	{ "LRE..PDF U+202A-U+202D", "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	  "\\u{202a}\\u{202b}\\u{202c}\\u{202d}" },
	{ "isolates U+2066-U+2069", "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	  "\\u{2066}\\u{2067}\\u{2068}\\u{2069}" },
	{ "LRM RLM ALM", "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u{200e}\\u{200f}\\u{61c}" },
	{ "line and paragraph separators", "\xe2\x80\xa8\xe2\x80\xa9", "\\u{2028}\\u{2029}" },
	{ "neighbours pass", "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
	  "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa" },
	{ "overlong '/'", "\xc0\xaf", "\\xc0\\xaf" },
	{ "overlong NUL", "\xc0\x80", "\\xc0\\x80" },
	{ "overlong 3 bytes", "\xe0\x80\xaf", "\\xe0\\x80\\xaf" },
	{ "overlong 4 bytes", "\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf" },
	{ "overlong C1 (C2 9B in 3 bytes)", "\xe0\x82\x9b", "\\xe0\\x82\\x9b" },
	{ "surrogate U+D800", "\xed\xa0\x80", "\\xed\\xa0\\x80" },
	{ "surrogate U+DFFF", "\xed\xbf\xbf", "\\xed\\xbf\\xbf" },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
	{ "F5 and FF", "\xf5\xff", "\\xf5\\xff" },
	{ "stray continuation", "a\x80z", "a\\x80z" },
	{ "truncated at the end", "a\xe2\x80", "a\\xe2\\x80" },
	{ "truncated before ASCII", "\xe2\x80z\xf0\x9f\x98!", "\\xe2\\x80z\\xf0\\x9f\\x98!" },
	{ "truncated RLO then a real one", "\xe2\x80\xe2\x80\xae", "\\xe2\\x80\\u{202e}" },
	{ "lead then newline", "\xc2\n", "\\xc2\\n" },
};

static void test_escape_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(esc_cases); i++) {
		const struct esc_case *c = &esc_cases[i];
		char out[256];
		size_t need = nd_escape(out, sizeof out, c->in);

		if (strcmp(out, c->out) != 0)
			fail_msg("%s: got '%s', want '%s'", c->what, out, c->out);
		assert_int_equal(need, strlen(c->out));
	}
}

/* What the output may hold: printable ASCII, and well-formed UTF-8 of
 * none of the escaped characters. */
static void assert_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char again[1024];

	while (*p) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				fail_msg("control 0x%02x in '%s'", *p, s);
			p++;
			continue;
		}
		/* a well-formed sequence passes the escaper unchanged */
		{
			char one[5] = { 0 }, esc[16];
			size_t len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;

			memcpy(one, p, len);
			nd_escape(esc, sizeof esc, one);
			if (strcmp(esc, one) != 0)
				fail_msg("sequence %s escapes to %s in '%s'", one, esc, s);
			p += len;
		}
	}
	/* idempotent */
	nd_escape(again, sizeof again, s);
	assert_string_equal(again, s);
}

static void test_escape_properties(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(esc_cases); i++) {
		char out[256];

		nd_escape(out, sizeof out, esc_cases[i].in);
		assert_safe(out);
	}
	/* every byte value, alone, and after a lead byte */
	for (int b = 1; b < 256; b++) {
		char in[4] = { (char)b, 0 }, in2[4] = { (char)0xe2, (char)0x80, (char)b, 0 };
		char out[64];

		nd_escape(out, sizeof out, in);
		assert_safe(out);
		nd_escape(out, sizeof out, in2);
		assert_safe(out);
	}
}

/* A cut is at a whole escape or character, and says it cut. */
static void test_escape_cut(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(nd_escape(out, 5, "\x1b\x1b"), 8);
	assert_string_equal(out, "\\x1b");
	assert_int_equal(nd_escape(out, 4, "\x1b"), 4);
	assert_string_equal(out, "");
	assert_int_equal(nd_escape(out, 4, "ab\xc3\xa9"), 4);
	assert_string_equal(out, "ab");
	assert_int_equal(nd_escape(out, sizeof out, "a\xe2\x80\xae"), 9);
	assert_string_equal(out, "a");
	assert_int_equal(nd_escape(out, 1, "abc"), 3);
	assert_string_equal(out, "");
}

static void test_fputs_esc(void **state)
{
	char *buf = NULL;
	size_t len = 0, k = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	for (size_t i = 0; i < ARRAY_SIZE(esc_cases); i++)
		assert_int_equal(nd_fputs_esc(esc_cases[i].in, f), 0);
	fclose(f);
	for (size_t i = 0; i < ARRAY_SIZE(esc_cases); i++) {
		size_t l = strlen(esc_cases[i].out);

		assert_true(k + l <= len);
		assert_memory_equal(buf + k, esc_cases[i].out, l);
		k += l;
	}
	assert_int_equal(k, len);
	free(buf);
}

/* nerr_* escape what they format, once: the message is one line of safe
 * UTF-8 however it was built, and a cut never splits a character. */
static void test_nerr(void **state)
{
	struct nerr e = { { 0 } };
	char big[2000];

	(void)state;
	assert_int_equal(
		nerr_set(&e, -EINVAL, "name '%s'", "lab\n\x1b[31m\xc2\x9b\xe2\x80\xae\x9b"),
		-EINVAL);
	assert_string_equal(e.msg, "name 'lab\\n\\x1b[31m\\u{9b}\\u{202e}\\x9b'");
	nerr_wrap(&e, -EINVAL, "file %s", "a\xe2\x81\xa6");
	assert_string_equal(e.msg, "file a\\u{2066}: name 'lab\\n\\x1b[31m\\u{9b}\\u{202e}\\x9b'");
	/* quoting an escaped message again changes nothing */
	{
		struct nerr o = { { 0 } };

		nerr_set(&o, -EINVAL, "%s", e.msg);
		assert_string_equal(o.msg, e.msg);
	}
	/* cuts: 2-byte characters at every alignment */
	for (int shift = 0; shift < 3; shift++) {
		size_t k = 0;

		for (int i = 0; i < shift; i++)
			big[k++] = 'x';
		while (k + 2 < sizeof big - 1) {
			big[k++] = (char)0xc3;
			big[k++] = (char)0xa9;
		}
		big[k] = '\0';
		nerr_set(&e, -EINVAL, "%s", big);
		assert_safe(e.msg);
		nerr_set(&e, -EINVAL, "start");
		nerr_append(&e, -EINVAL, "; %s", big);
		assert_safe(e.msg);
		nerr_set(&e, -EINVAL, "%s", big + 900);
		nerr_wrap(&e, -EINVAL, "%s", big);
		assert_safe(e.msg);
	}
}

/* NOLINTEND(misc-misleading-bidirectional) */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_cases), cmocka_unit_test(test_escape_properties),
		cmocka_unit_test(test_escape_cut),   cmocka_unit_test(test_fputs_esc),
		cmocka_unit_test(test_nerr),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
