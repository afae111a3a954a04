// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/lib/print.c. Every emitter runs twice, once per
 * mode, from the same calls; both outputs are compared with exact strings
 * and the JSON one is also run through a strict JSON reader.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_check.h"
#include "print.h"
#include "util.h"

typedef void (*emit_fn)(struct hmmp_pr *p);

/* Run emit in one mode; returns the output (free it) and pr_end's result. */
static char *render(emit_fn emit, bool json, int *ret)
{
	struct hmmp_pr p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	pr_init(&p, f, json);
	emit(&p);
	*ret = pr_end(&p);
	fclose(f);
	return buf;
}

static void check(emit_fn emit, const char *text, const char *json)
{
	int ret;
	char *out = render(emit, false, &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(out, text);
	free(out);
	out = render(emit, true, &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(out, json);
	if (*json && !json_lines_valid(out))
		fail_msg("invalid JSON: %s", out);
	free(out);
}

static void emit_object(struct hmmp_pr *p)
{
	pr_open_object(p, NULL);
	pr_u64(p, 0, "conn_count", 3);
	pr_u64(p, 0, "big", UINT64_MAX);
	pr_str(p, 0, "name", "x y");
	pr_addr(p, 0, "addr", htonl(0xc0000201));
	pr_bool(p, 0, "on", true);
	pr_bool(p, 0, "off", false);
	pr_close_object(p);
}

static void test_object_lines(void **state)
{
	(void)state;
	check(emit_object,
	      "conn_count 3\n"
	      "big 18446744073709551615\n"
	      "name x y\n"
	      "addr 192.0.2.1\n"
	      "on yes\n"
	      "off no\n",
	      "{\"conn_count\":3,\"big\":18446744073709551615,\"name\":\"x y\","
	      "\"addr\":\"192.0.2.1\",\"on\":true,\"off\":false}\n");
}

static void emit_flags(struct hmmp_pr *p)
{
	pr_open_object(p, NULL);
	pr_str(p, 0, "hmmpctl", "0.1.0");
	pr_text(p, "hmmp.ko %s (api %d)\n", "0.2.0", 1);
	pr_str(p, PR_JSON, "module", "0.2.0");
	pr_u64(p, PR_JSON, "api", 1);
	pr_str(p, PR_TEXT, "only", "text");
	pr_str(p, PR_NOKEY, "bare", "value");
	pr_close_object(p);
}

static void test_flags(void **state)
{
	(void)state;
	check(emit_flags,
	      "hmmpctl 0.1.0\n"
	      "hmmp.ko 0.2.0 (api 1)\n"
	      "only text\n"
	      "value\n",
	      "{\"hmmpctl\":\"0.1.0\",\"module\":\"0.2.0\",\"api\":1,"
	      "\"bare\":\"value\"}\n");
}

static void emit_nested(struct hmmp_pr *p)
{
	pr_open_object(p, NULL);
	pr_u64(p, 0, "a", 1);
	pr_open_object(p, "inner");
	pr_u64(p, 0, "b", 2);
	pr_open_object(p, "deeper");
	pr_str(p, 0, "c", "3");
	pr_close_object(p);
	pr_close_object(p);
	pr_u64(p, 0, "d", 4);
	pr_close_object(p);
}

static void test_nested_objects(void **state)
{
	(void)state;
	check(emit_nested, "a 1\nb 2\nc 3\nd 4\n",
	      "{\"a\":1,\"inner\":{\"b\":2,\"deeper\":{\"c\":\"3\"}},\"d\":4}\n");
}

static void emit_table(struct hmmp_pr *p)
{
	pr_open_array(p, NULL);
	pr_open_object(p, NULL);
	pr_addr(p, 0, "local", htonl(0xc0000201));
	pr_u64(p, 0, "port", 40000);
	pr_str(p, 0, "state", "established");
	pr_close_object(p);
	pr_open_object(p, NULL);
	pr_addr(p, 0, "local", htonl(0x0a000001));
	pr_u64(p, 0, "port", 5);
	pr_str(p, 0, "state", "setup_req");
	pr_u64(p, 0, "extra", 123456);	/* a column only this row has */
	pr_close_object(p);
	pr_open_object(p, NULL);
	pr_addr(p, 0, "local", 0);
	pr_str(p, 0, "state", "x");	/* no port */
	pr_text(p, "free text has no place in a table");
	pr_close_object(p);
	pr_close_array(p);
}

static void test_table(void **state)
{
	(void)state;
	check(emit_table,
	      "local      port   state        extra\n"
	      "192.0.2.1  40000  established  -\n"
	      "10.0.0.1   5      setup_req    123456\n"
	      "0.0.0.0    -      x            -\n",
	      "[{\"local\":\"192.0.2.1\",\"port\":40000,\"state\":\"established\"},"
	      "{\"local\":\"10.0.0.1\",\"port\":5,\"state\":\"setup_req\",\"extra\":123456},"
	      "{\"local\":\"0.0.0.0\",\"state\":\"x\"}]\n");
}

static void emit_empty_array(struct hmmp_pr *p)
{
	pr_open_array(p, NULL);
	pr_close_array(p);
}

static void test_empty_array(void **state)
{
	(void)state;
	check(emit_empty_array, "", "[]\n");
}

static void emit_scalar_array(struct hmmp_pr *p)
{
	pr_open_object(p, NULL);
	pr_u64(p, 0, "n", 2);
	pr_open_array(p, "names");
	pr_str(p, 0, NULL, "alpha");
	pr_str(p, 0, NULL, "be\"ta");
	pr_close_array(p);
	pr_close_object(p);
}

static void test_scalar_array(void **state)
{
	(void)state;
	check(emit_scalar_array, "n 2\nnames\nalpha\nbe\"ta\n",
	      "{\"n\":2,\"names\":[\"alpha\",\"be\\\"ta\"]}\n");
}

/* A row with a nested object: its members are more cells of the row. */
static void emit_table_nested(struct hmmp_pr *p)
{
	pr_open_array(p, "rows");
	pr_open_object(p, NULL);
	pr_u64(p, 0, "id", 1);
	pr_open_object(p, "more");
	pr_u64(p, 0, "x", 22);
	pr_close_object(p);
	pr_close_object(p);
	pr_close_array(p);
}

static void test_table_nested_object(void **state)
{
	(void)state;
	check(emit_table_nested, "id  x\n1   22\n",
	      "[{\"id\":1,\"more\":{\"x\":22}}]\n");
}

static void emit_lines(struct hmmp_pr *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		pr_open_line(p, NULL);
		pr_text(p, "[EVENT]");
		pr_str(p, PR_NOKEY, "event", "handoff");
		pr_addr(p, PR_NOKEY, "old", htonl(0xc0000201));
		pr_text(p, "->");
		pr_addr(p, PR_NOKEY, "new", htonl(0xcb007105));
		pr_u64(p, 0, "moved", (uint64_t)i + 3);
		pr_str(p, PR_JSON, "json_only", "j");
		pr_open_object(p, "sub");	/* nested: more tokens */
		pr_str(p, 0, "k", "v");
		pr_close_object(p);
		pr_close_line(p);
	}
}

static void test_lines(void **state)
{
	(void)state;
	check(emit_lines,
	      "[EVENT] handoff 192.0.2.1 -> 203.0.113.5 moved 3 k v\n"
	      "[EVENT] handoff 192.0.2.1 -> 203.0.113.5 moved 4 k v\n",
	      "{\"event\":\"handoff\",\"old\":\"192.0.2.1\",\"new\":\"203.0.113.5\","
	      "\"moved\":3,\"json_only\":\"j\",\"sub\":{\"k\":\"v\"}}\n"
	      "{\"event\":\"handoff\",\"old\":\"192.0.2.1\",\"new\":\"203.0.113.5\","
	      "\"moved\":4,\"json_only\":\"j\",\"sub\":{\"k\":\"v\"}}\n");
}

static void emit_top_scalar(struct hmmp_pr *p)
{
	pr_u64(p, 0, "moved", 5);
}

static void test_top_level_scalar(void **state)
{
	(void)state;
	check(emit_top_scalar, "moved 5\n", "5\n");
}

static char *escape(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	pr_json_string(f, s);
	fclose(f);
	return buf;
}

static void test_json_escape(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "nl\ncr\rtab\tbs\bff\f", "\"nl\\ncr\\rtab\\tbs\\bff\\f\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "del\x7f", "\"del\x7f\"" },
		{ "/", "\"/\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },		/* é */
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },		/* € */
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },	/* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },	/* U+10FFFF */
		/* invalid UTF-8: each bad byte becomes U+FFFD */
		{ "a\x80z", "\"a\\ufffdz\"" },
		{ "\xc0\x80", "\"\\ufffd\\ufffd\"" },		/* overlong NUL */
		{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },	/* overlong */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },		/* truncated */
		{ "\xff", "\"\\ufffd\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(cases); i++) {
		char *out = escape(cases[i].in);

		assert_string_equal(out, cases[i].out);
		assert_non_null(js_string(out, NULL));
		free(out);
	}
}

/* Escape random printable-or-control ASCII, decode, compare. */
static void test_json_escape_roundtrip(void **state)
{
	unsigned int seed = 4242;
	char in[64], dec[64 * 6];
	int i, j;

	(void)state;
	for (i = 0; i < 5000; i++) {
		int n = rand_r(&seed) % 40;
		char *out;
		const char *end;

		for (j = 0; j < n; j++)
			in[j] = (char)(1 + rand_r(&seed) % 127);
		in[n] = '\0';
		out = escape(in);
		end = js_string(out, dec);
		assert_non_null(end);
		assert_int_equal(*end, '\0');
		assert_string_equal(dec, in);
		free(out);
	}
}

static void emit_escaped_keys(struct hmmp_pr *p)
{
	pr_open_object(p, NULL);
	pr_str(p, 0, "we\"ird", "line1\nline2");
	pr_close_object(p);
}

static void test_escaped_keys(void **state)
{
	(void)state;
	check(emit_escaped_keys, "we\"ird line1\nline2\n",
	      "{\"we\\\"ird\":\"line1\\nline2\"}\n");
}

static int misuse(emit_fn emit, bool json)
{
	int ret;

	free(render(emit, json, &ret));
	return ret;
}

static void emit_close_unopened(struct hmmp_pr *p)
{
	pr_close_object(p);
}

static void emit_unclosed(struct hmmp_pr *p)
{
	pr_open_object(p, NULL);
	pr_u64(p, 0, "a", 1);
}

static void emit_mismatched(struct hmmp_pr *p)
{
	pr_open_object(p, NULL);
	pr_close_array(p);
	pr_close_object(p);
}

static void emit_missing_key(struct hmmp_pr *p)
{
	pr_open_object(p, NULL);
	pr_u64(p, 0, NULL, 1);
	pr_close_object(p);
}

static void emit_too_deep(struct hmmp_pr *p)
{
	int i;

	for (i = 0; i < PR_MAX_DEPTH + 1; i++)
		pr_open_object(p, "x");
	for (i = 0; i < PR_MAX_DEPTH + 1; i++)
		pr_close_object(p);
}

static void emit_nested_table(struct hmmp_pr *p)
{
	pr_open_array(p, NULL);
	pr_open_object(p, NULL);
	pr_open_array(p, "inner");
	pr_close_array(p);
	pr_close_object(p);
	pr_close_array(p);
}

static void test_misuse(void **state)
{
	(void)state;
	assert_int_equal(misuse(emit_close_unopened, false), -1);
	assert_int_equal(misuse(emit_close_unopened, true), -1);
	assert_int_equal(misuse(emit_unclosed, false), -1);
	assert_int_equal(misuse(emit_unclosed, true), -1);
	assert_int_equal(misuse(emit_mismatched, false), -1);
	assert_int_equal(misuse(emit_mismatched, true), -1);
	assert_int_equal(misuse(emit_missing_key, true), -1);
	assert_int_equal(misuse(emit_too_deep, false), -1);
	assert_int_equal(misuse(emit_too_deep, true), -1);
	/* a table inside a table has no text form; JSON is fine */
	assert_int_equal(misuse(emit_nested_table, false), -1);
	assert_int_equal(misuse(emit_nested_table, true), 0);
	/* and correct use passes */
	assert_int_equal(misuse(emit_object, false), 0);
	assert_int_equal(misuse(emit_table, true), 0);
}

static void test_write_error(void **state)
{
	struct hmmp_pr p;
	FILE *f = fopen("/dev/full", "w");
	int i;

	(void)state;
	if (!f)
		fail_msg("cannot open /dev/full: this test needs it");
	pr_init(&p, f, true);
	pr_open_array(&p, NULL);
	for (i = 0; i < 10; i++)
		pr_str(&p, 0, NULL, "more output than fits nowhere");
	pr_close_array(&p);
	assert_int_equal(pr_end(&p), -1);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_lines),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_nested_objects),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_empty_array),
		cmocka_unit_test(test_scalar_array),
		cmocka_unit_test(test_table_nested_object),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_top_level_scalar),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_escape_roundtrip),
		cmocka_unit_test(test_escaped_keys),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
