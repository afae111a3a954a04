// SPDX-License-Identifier: GPL-2.0
/* Unit tests: userspace/lib/util.c (addresses, numbers, names, config keys). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <uapi/linux/hmmp.h>

#include "util.h"

static void test_addr_parse_good(void **state)
{
	static const struct {
		const char *s;
		uint32_t host;
	} ok[] = {
		{ "0.0.0.0", 0 },
		{ "255.255.255.255", 0xffffffff },
		{ "192.0.2.1", 0xc0000201 },
		{ "10.0.0.255", 0x0a0000ff },
		{ "1.20.100.0", 0x01146400 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(ok); i++) {
		uint32_t a = 0xdeadbeef;

		assert_int_equal(hmmp_addr_parse(ok[i].s, &a), 0);
		assert_int_equal(a, htonl(ok[i].host));
	}
}

static void test_addr_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1.2.3.4 ",
		" 1.2.3.4", "a.b.c.d", "1..2.3", "01.2.3.4", "1.2.3.04",
		"0x1.2.3.4", "1.2.3.-4", "1.2.3.4.", ".1.2.3", "1234.1.1.1",
		"1.2.3.4/24", "1.2.3.4:80", "localhost", "::1", "1.2.3.+4",
		"00.1.2.3", "1.2.3.4\n", "999.999.999.999", "1,2,3,4",
	};
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		uint32_t a = 0x12345678;

		if (hmmp_addr_parse(bad[i], &a) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(a, 0x12345678);	/* untouched */
	}
	assert_int_equal(hmmp_addr_parse(NULL, &(uint32_t){ 0 }), -1);
}

/* The formatter against the parser, and against inet_ntop, at random. */
static void test_addr_roundtrip(void **state)
{
	char buf[HMMP_ADDRSTRLEN], ref[INET_ADDRSTRLEN];
	unsigned int seed = 12345;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		uint32_t a = (uint32_t)rand_r(&seed) ^ ((uint32_t)rand_r(&seed) << 16);
		uint32_t back = ~a;

		if (i < 4)
			a = i & 1 ? 0 : 0xffffffff;
		hmmp_addr_format(a, buf);
		assert_non_null(inet_ntop(AF_INET, &a, ref, sizeof(ref)));
		assert_string_equal(buf, ref);
		assert_int_equal(hmmp_addr_parse(buf, &back), 0);
		assert_int_equal(back, a);
	}
}

static void test_u32_parse(void **state)
{
	uint32_t v = 7;

	(void)state;
	assert_int_equal(hmmp_u32_parse("0", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hmmp_u32_parse("4294967295", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(hmmp_u32_parse("007", 0, UINT32_MAX, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(hmmp_u32_parse("10", 10, 10, &v), 0);
	assert_int_equal(v, 10);

	v = 42;
	assert_int_equal(hmmp_u32_parse("4294967296", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("99999999999999999999999", 0, UINT32_MAX, &v), -1);
	/* 2^64 + 5: wraps to 5 in 64 bits, must still be refused */
	assert_int_equal(hmmp_u32_parse("18446744073709551621", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse(NULL, 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("-1", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("+1", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse(" 1", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("1 ", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("0x10", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("12a", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("1e3", 0, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("0", 1, UINT32_MAX, &v), -1);
	assert_int_equal(hmmp_u32_parse("11", 1, 10, &v), -1);
	assert_int_equal(v, 42);	/* untouched on failure */
}

typedef const char *(*name_fn)(unsigned int);
typedef int (*parse_fn)(const char *, uint8_t *);

/* Every value in [lo, hi] has a name that parses back; outside: none. */
static void check_names(name_fn name, parse_fn parse, unsigned int lo,
			unsigned int hi, const char *const *expect)
{
	unsigned int v;
	uint8_t out;

	for (v = lo; v <= hi; v++) {
		assert_non_null(name(v));
		assert_string_equal(name(v), expect[v - lo]);
		out = 0xff;
		assert_int_equal(parse(name(v), &out), 0);
		assert_int_equal(out, v);
	}
	assert_null(name(hi + 1));
	assert_null(name(1000));
	if (lo > 0)
		assert_null(name(lo - 1));
	out = 0x55;
	assert_int_equal(parse("", &out), -1);
	assert_int_equal(parse(NULL, &out), -1);
	assert_int_equal(parse("nonsense", &out), -1);
	assert_int_equal(out, 0x55);
}

static void test_state_names(void **state)
{
	static const char *const names[] = {
		"setup_req", "setup_prog", "established", "release_req",
		"release_ack", "disconnect",
	};
	uint8_t out;

	(void)state;
	check_names(hmmp_state_name, hmmp_state_parse, 0, HMMP_CONN_STATE_MAX,
		    names);
	/* exact names only: no prefixes, no case folding */
	assert_int_equal(hmmp_state_parse("est", &out), -1);
	assert_int_equal(hmmp_state_parse("ESTABLISHED", &out), -1);
	assert_int_equal(hmmp_state_parse("established ", &out), -1);
	assert_int_equal(hmmp_state_parse("setup", &out), -1);
}

static void test_opener_names(void **state)
{
	static const char *const names[] = { "local", "remote", "pickup" };
	uint8_t out;

	(void)state;
	check_names(hmmp_opener_name, hmmp_opener_parse, HMMP_OPENER_LOCAL,
		    HMMP_OPENER_PICKUP, names);
	assert_int_equal(hmmp_opener_parse("loc", &out), -1);
}

static void test_encap_names(void **state)
{
	static const char *const names[] = { "ipip", "minimal", "udp" };
	uint8_t out;

	(void)state;
	check_names(hmmp_encap_name, hmmp_encap_parse, HMMP_ENCAP_IPIP,
		    HMMP_ENCAP_UDP, names);
	assert_int_equal(hmmp_encap_parse("min", &out), -1);
	assert_int_equal(hmmp_encap_parse("gre", &out), -1);
	assert_int_equal(hmmp_encap_parse("UDP", &out), -1);
	assert_int_equal(hmmp_encap_parse("auto", &out), -1);	/* hmmpd's only */
}

static void test_kind_names(void **state)
{
	static const char *const names[] = { "correspondent", "mobile", "router" };
	uint8_t out;

	(void)state;
	check_names(hmmp_kind_name, hmmp_kind_parse, HMMP_BIND_CORRESPONDENT,
		    HMMP_BIND_ROUTER, names);
	assert_int_equal(hmmp_kind_parse("corr", &out), -1);
}

static void test_reason_and_stat_names(void **state)
{
	static const char *const reasons[] = {
		"closed", "reset", "expired", "deleted", "flushed", "evicted",
	};
	unsigned int i, j;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(reasons); i++)
		assert_string_equal(hmmp_reason_name(i), reasons[i]);
	assert_null(hmmp_reason_name(HMMP_ARRAY_SIZE(reasons)));

	assert_null(hmmp_stat_name(HMMP_STAT_A_UNSPEC));
	assert_null(hmmp_stat_name(HMMP_STAT_A_PAD));
	assert_null(hmmp_stat_name(HMMP_STAT_A_MAX + 1));
	assert_string_equal(hmmp_stat_name(HMMP_STAT_A_CONN_COUNT), "conn_count");
	assert_string_equal(hmmp_stat_name(HMMP_STAT_A_CONN_MEMORY_BYTES),
			    "conn_memory_bytes");
	assert_string_equal(hmmp_stat_name(HMMP_STAT_A_PMTU_SENT), "pmtu_sent");
	assert_string_equal(hmmp_stat_name(HMMP_STAT_A_UDP_UNKNOWN), "udp_unknown");
	assert_string_equal(hmmp_stat_name(HMMP_STAT_A_UDP_NOSOCK), "udp_nosock");
	assert_string_equal(hmmp_stat_name(HMMP_STAT_A_XLATE_COUNT), "xlate_count");
	assert_string_equal(hmmp_stat_name(HMMP_STAT_A_XLATE_TABLE_FULL),
			    "xlate_table_full");
	assert_string_equal(hmmp_stat_name(HMMP_STAT_A_XLATE_PKTS), "xlate_pkts");
	/* every counter named, all names different */
	for (i = HMMP_STAT_A_CONN_COUNT; i <= HMMP_STAT_A_MAX; i++) {
		assert_non_null(hmmp_stat_name(i));
		for (j = HMMP_STAT_A_CONN_COUNT; j < i; j++)
			assert_string_not_equal(hmmp_stat_name(i), hmmp_stat_name(j));
	}
}

static void test_roles_parse(void **state)
{
	static const struct {
		const char *s;
		uint32_t mask;
	} ok[] = {
		{ "none", 0 },
		{ "mobile", HMMP_ROLE_MOBILE },
		{ "mobile,correspondent", HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT },
		{ "edge,mobile", HMMP_ROLE_EDGE | HMMP_ROLE_MOBILE },
		{ "mobile,correspondent,router,edge", HMMP_ROLE_ALL },
		{ "router,router", HMMP_ROLE_ROUTER },
	};
	static const char *const bad[] = {
		"", ",", "mobile,", ",mobile", "mobile,,router", "Mobile", "mob",
		"none,mobile", "mobile,none", "all", "mobile correspondent",
		"0x1", "1",
	};
	uint32_t m;
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(ok); i++) {
		m = 0xdead;
		assert_int_equal(hmmp_roles_parse(ok[i].s, &m), 0);
		assert_int_equal(m, ok[i].mask);
	}
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		m = 0xdead;
		if (hmmp_roles_parse(bad[i], &m) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(m, 0xdead);
	}
	assert_int_equal(hmmp_roles_parse(NULL, &m), -1);
}

static void test_roles_format(void **state)
{
	char buf[64];
	uint32_t m, back;

	(void)state;
	assert_int_equal(hmmp_roles_format(0, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "none");
	hmmp_roles_format(HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT, buf,
			  sizeof(buf));
	assert_string_equal(buf, "mobile,correspondent");
	hmmp_roles_format(HMMP_ROLE_EDGE | HMMP_ROLE_MOBILE, buf, sizeof(buf));
	assert_string_equal(buf, "mobile,edge");
	assert_int_equal(hmmp_roles_format(0x1f, buf, sizeof(buf)),
			 (int)strlen("mobile,correspondent,router,edge,0x10"));
	assert_string_equal(buf, "mobile,correspondent,router,edge,0x10");
	hmmp_roles_format(0x30, buf, sizeof(buf));
	assert_string_equal(buf, "0x30");
	/* truncation: like snprintf, the full length and a terminated prefix */
	assert_int_equal(hmmp_roles_format(HMMP_ROLE_ALL, buf, 10), 32);
	assert_string_equal(buf, "mobile,co");
	assert_int_equal(hmmp_roles_format(HMMP_ROLE_ALL, NULL, 0), 32);
	/* every valid mask survives format then parse */
	for (m = 0; m <= HMMP_ROLE_ALL; m++) {
		hmmp_roles_format(m, buf, sizeof(buf));
		assert_int_equal(hmmp_roles_parse(buf, &back), 0);
		assert_int_equal(back, m);
	}
}

static void test_cfg_keys(void **state)
{
	static const char *const names[] = {
		[HMMP_CFG_A_TABLE_MAX] = "table_max",
		[HMMP_CFG_A_TIMEOUT_SETUP] = "timeout_setup",
		[HMMP_CFG_A_TIMEOUT_ESTABLISHED] = "timeout_established",
		[HMMP_CFG_A_TIMEOUT_RELEASE] = "timeout_release",
		[HMMP_CFG_A_TIMEOUT_DISCONNECT] = "timeout_disconnect",
		[HMMP_CFG_A_ROLES] = "roles",
		[HMMP_CFG_A_BIND_MAX] = "bind_max",
	};
	const struct hmmp_cfg_key *k;
	int a;

	(void)state;
	/* every settable key; the read-only udp_port is not one */
	assert_int_equal(hmmp_cfg_nkeys, HMMP_CFG_A_BIND_MAX);
	for (a = 1; a <= HMMP_CFG_A_BIND_MAX; a++) {
		k = hmmp_cfg_key_by_attr(a);
		assert_non_null(k);
		assert_string_equal(k->name, names[a]);
		assert_ptr_equal(hmmp_cfg_key_find(names[a]), k);
		assert_non_null(k->parse);
		assert_non_null(k->format);
		assert_non_null(k->help);
	}
	assert_null(hmmp_cfg_key_by_attr(0));
	assert_null(hmmp_cfg_key_by_attr(HMMP_CFG_A_UDP_PORT));
	assert_null(hmmp_cfg_key_find(HMMP_CFG_UDP_PORT_NAME));
	assert_null(hmmp_cfg_key_by_attr(HMMP_CFG_A_MAX + 1));
	assert_null(hmmp_cfg_key_find("table"));	/* no prefixes */
	assert_null(hmmp_cfg_key_find("TABLE_MAX"));
	assert_null(hmmp_cfg_key_find(""));
	assert_null(hmmp_cfg_key_find(NULL));
}

static void test_cfg_parsers(void **state)
{
	const struct hmmp_cfg_key *k;
	uint32_t v = 0;
	char buf[64];

	(void)state;
	k = hmmp_cfg_key_find("table_max");
	assert_true(k->numeric);
	assert_int_equal(k->parse("0", &v), -1);	/* at least 1 */
	assert_int_equal(k->parse("1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(k->parse("65536", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(k->parse("-5", &v), -1);
	assert_int_equal(k->parse("4294967296", &v), -1);
	k->format(123, buf, sizeof(buf));
	assert_string_equal(buf, "123");

	k = hmmp_cfg_key_find("bind_max");
	assert_int_equal(k->parse("0", &v), -1);

	k = hmmp_cfg_key_find("timeout_established");
	assert_int_equal(k->parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(k->parse("7200", &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(k->parse("2h", &v), -1);

	k = hmmp_cfg_key_find("roles");
	assert_false(k->numeric);
	assert_int_equal(k->parse("mobile,router", &v), 0);
	assert_int_equal(v, HMMP_ROLE_MOBILE | HMMP_ROLE_ROUTER);
	assert_int_equal(k->parse("3", &v), -1);
	k->format(HMMP_ROLE_CORRESPONDENT, buf, sizeof(buf));
	assert_string_equal(buf, "correspondent");
}

static void test_backoff(void **state)
{
	static const unsigned int seq[] = {
		500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
	};
	unsigned int cur = 0;
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(seq); i++) {
		cur = hmmp_backoff_next(cur, 500, 30000);
		assert_int_equal(cur, seq[i]);
	}
	assert_int_equal(hmmp_backoff_next(15000, 500, 30000), 30000);
	assert_int_equal(hmmp_backoff_next(15001, 500, 30000), 30000);
	assert_int_equal(hmmp_backoff_next(14999, 500, 30000), 29998);
	assert_int_equal(hmmp_backoff_next(UINT32_MAX, 500, 30000), 30000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_good),
		cmocka_unit_test(test_addr_parse_bad),
		cmocka_unit_test(test_addr_roundtrip),
		cmocka_unit_test(test_u32_parse),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_opener_names),
		cmocka_unit_test(test_encap_names),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_reason_and_stat_names),
		cmocka_unit_test(test_roles_parse),
		cmocka_unit_test(test_roles_format),
		cmocka_unit_test(test_cfg_keys),
		cmocka_unit_test(test_cfg_parsers),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
