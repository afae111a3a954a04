// SPDX-License-Identifier: GPL-2.0
/* Unit tests: userspace/hmmpd/sip/body.c (the INFO address-binding body). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <uapi/linux/hmmp.h>

#include "sip/body.h"
#include "util.h"

static const struct hmmpd_body_defaults defs = {
	.lifetime = 600, .encap = HMMP_ENCAP_IPIP,
};

static uint32_t A(const char *s)
{
	uint32_t a = 0;

	if (hmmp_addr_parse(s, &a))
		fail_msg("bad test address %s", s);
	return a;
}

/* A reason phrase fit for a status line: printable ASCII, not empty. */
static void check_reason(const struct hmmpd_body_err *err)
{
	const char *r;

	assert_true(strlen(err->reason) > 0);
	for (r = err->reason; *r; r++)
		assert_true(*r >= 0x20 && *r < 0x7f);
}

/*
 * Parse from a heap copy of exactly len bytes, so that valgrind sees any
 * read past the end.
 */
static int parse(const char *ctype, const char *body, size_t len,
		 struct hmmpd_body *b, struct hmmpd_body_err *err)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, body, len);
	memset(err, 0, sizeof(*err));
	ret = hmmpd_body_parse(ctype, copy, len, &defs, b, err);
	free(copy);
	if (ret) {
		assert_int_equal(ret, err->status);
		check_reason(err);
	}
	return ret;
}

static int parse_str(const char *ctype, const char *body, struct hmmpd_body *b,
		     struct hmmpd_body_err *err)
{
	return parse(ctype, body, strlen(body), b, err);
}

/* The body of the seed's F1, as the seed prints it (one pair per line). */
static void test_seed_f1(void **state)
{
	static const char f1[] =
		"Original-IP-Addr: 9.10.11.12\r\nNew-IP-Addr:10.15.20.25\r\n";
	struct hmmpd_body b;
	struct hmmpd_body_err err;

	(void)state;
	hmmpd_body_init(&b);
	assert_int_equal(parse_str("Application/binding", f1, &b, &err), 0);
	assert_int_equal(b.form, HMMPD_FORM_SEED);
	assert_int_equal(b.nbind, 1);
	assert_int_equal(b.nconn, 0);
	assert_int_equal(b.bind[0].orig, A("9.10.11.12"));
	assert_int_equal(b.bind[0].coa, A("10.15.20.25"));
	assert_int_equal(b.bind[0].lifetime, 600);
	assert_int_equal(b.bind[0].encap, HMMP_ENCAP_IPIP);
	assert_int_equal(b.bind[0].kind, 0);
	hmmpd_body_free(&b);
}

static void test_seed_variants(void **state)
{
	static const char *const ok[] = {
		/* as flattened in the seed's text: both on one line */
		"Original-IP-Addr: 9.10.11.12 New-IP-Addr:10.15.20.25",
		"original-ip-addr:9.10.11.12\nNEW-IP-ADDR:  10.15.20.25\n",
		"Original-IP-Addr \t: 9.10.11.12\r\n\r\nNew-IP-Addr :\t10.15.20.25\r\n\r\n",
		"\r\n  Original-IP-Addr: 9.10.11.12\r\n  New-IP-Addr: 10.15.20.25",
		"Bind 9.10.11.12 to 10.15.20.25",
		"bind 9.10.11.12 TO 10.15.20.25\r\n",
		"BIND\t9.10.11.12\tto\t10.15.20.25\n",
	};
	const char *types[] = { "application/binding", "text/plain",
				" text/plain ; charset=us-ascii" };
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	size_t i, t;

	(void)state;
	hmmpd_body_init(&b);
	for (t = 0; t < HMMP_ARRAY_SIZE(types); t++) {
		for (i = 0; i < HMMP_ARRAY_SIZE(ok); i++) {
			if (parse_str(types[t], ok[i], &b, &err))
				fail_msg("'%s' refused: %s", ok[i], err.reason);
			assert_int_equal(b.form, t ? HMMPD_FORM_TEXT : HMMPD_FORM_SEED);
			assert_int_equal(b.nbind, 1);
			assert_int_equal(b.bind[0].orig, A("9.10.11.12"));
			assert_int_equal(b.bind[0].coa, A("10.15.20.25"));
		}
	}
	hmmpd_body_free(&b);
}

/* Several pairs and instructions, mixed, in order. */
static void test_seed_several(void **state)
{
	static const char body[] =
		"Original-IP-Addr: 9.10.11.12\r\n"
		"New-IP-Addr: 10.15.20.25\r\n"
		"Bind 9.10.11.13 to 10.15.20.25\r\n"
		"Original-IP-Addr: 9.10.11.14\r\n"
		"New-IP-Addr: 10.15.20.26\r\n";
	struct hmmpd_body b;
	struct hmmpd_body_err err;

	(void)state;
	hmmpd_body_init(&b);
	assert_int_equal(parse_str("application/binding", body, &b, &err), 0);
	assert_int_equal(b.nbind, 3);
	assert_int_equal(b.bind[0].orig, A("9.10.11.12"));
	assert_int_equal(b.bind[1].orig, A("9.10.11.13"));
	assert_int_equal(b.bind[1].coa, A("10.15.20.25"));
	assert_int_equal(b.bind[2].orig, A("9.10.11.14"));
	assert_int_equal(b.bind[2].coa, A("10.15.20.26"));
	hmmpd_body_free(&b);
}

static const struct {
	const char *body;
	const char *reason;	/* expected substring */
} seed_bad[] = {
	{ "Original-IP-Addr: 9.10.11.12", "line 1: Original-IP-Addr without New-IP-Addr" },
	{ "New-IP-Addr: 10.15.20.25", "line 1: New-IP-Addr without Original-IP-Addr" },
	{ "Original-IP-Addr: 9.10.11.12\r\nOriginal-IP-Addr: 9.10.11.13\r\nNew-IP-Addr: 10.1.1.1",
	  "line 1: Original-IP-Addr without New-IP-Addr" },
	{ "Original-IP-Addr: 9.10.11.12\nBind 1.1.1.1 to 2.2.2.2",
	  "line 1: Original-IP-Addr without New-IP-Addr" },
	{ "Original-IP-Addr 9.10.11.12\nNew-IP-Addr: 10.15.20.25", "line 1: expected ':' after Original-IP-Addr" },
	{ "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr 10.15.20.25", "line 2: expected ':' after New-IP-Addr" },
	{ "Original-IP-Addr:\n9.10.11.12\nNew-IP-Addr: 10.15.20.25", "line 1: bad Original-IP-Addr" },
	{ "Original-IP-Addr: 9.10.11\nNew-IP-Addr: 10.15.20.25", "line 1: bad Original-IP-Addr" },
	{ "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr: 10.15.20.256", "line 2: bad New-IP-Addr" },
	{ "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr: 10.15.20.25;x", "line 2: bad New-IP-Addr" },
	{ "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr:", "line 2: bad New-IP-Addr" },
	{ "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr: 9.10.11.12", "line 2: new address equals the original" },
	{ "Original-IP-Addr: 127.0.0.1\nNew-IP-Addr: 10.15.20.25", "line 2: original address not unicast" },
	{ "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr: 224.0.0.1", "line 2: new address not unicast" },
	{ "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr: 10.15.20.25\nOriginal-IP-Addr: 9.10.11.12\nNew-IP-Addr: 10.15.20.26",
	  "binding 2: original address bound twice" },
	{ "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr: 10.15.20.25\n.\n.", "line 3: expected Original-IP-Addr, New-IP-Addr or Bind" },
	{ "Orig-IP-Addr: 9.10.11.12", "line 1: expected Original-IP-Addr" },
	{ "Content-Type: application/binding", "line 1: expected Original-IP-Addr" },
	{ "Bind: 9.10.11.12 to 10.15.20.25", "line 1: expected Original-IP-Addr" },
	{ "Bind 9.10.11.12 10.15.20.25", "line 1: expected 'Bind <address 1> to <address 2>'" },
	{ "Bind 9.10.11.12 to", "line 1: expected 'Bind <address 1> to <address 2>'" },
	{ "Bind 9.10.11.12 to\n10.15.20.25", "line 1: expected 'Bind <address 1> to <address 2>'" },
	{ "Bind <9.10.11.12> to <10.15.20.25>", "line 1: bad address 1 of Bind" },
	{ "Bind 9.10.11.12 to 10.15.20.x", "line 1: bad address 2 of Bind" },
	{ "Bind 9.10.11.12 into 10.15.20.25", "line 1: expected 'Bind" },
	{ "Bind 9.10.11.12 to 10.15.20.25 now", "line 1: expected Original-IP-Addr" },
	{ "\n\n\nBind 0.1.2.3 to 10.15.20.25", "line 4: original address not unicast" },
	{ "Original-IP-Addr: 9.10.11.12\rNew-IP-Addr: 10.15.20.25", "line 1: invalid character" },
	{ "Original-IP-Addr: 9.10.11.12\n\xc3\xa9New-IP-Addr: 10.15.20.25", "line 2: invalid character" },
	{ "  \r\n\t\n", "no binding" },
};

static const char nul_body[] =
	"Original-IP-Addr: 9.10.11.12\0\nNew-IP-Addr: 10.15.20.25";

static void test_seed_bad(void **state)
{
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	size_t i;

	(void)state;
	hmmpd_body_init(&b);
	for (i = 0; i < HMMP_ARRAY_SIZE(seed_bad); i++) {
		if (parse_str("application/binding", seed_bad[i].body, &b,
			      &err) != 400)
			fail_msg("case %zu accepted", i);
		if (!strstr(err.reason, seed_bad[i].reason))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.reason,
				 seed_bad[i].reason);
		assert_int_equal(b.nbind, 0);	/* nothing half-parsed */
		assert_int_equal(b.nconn, 0);
	}
	/* a NUL inside the body */
	assert_int_equal(parse("application/binding", nul_body,
			       sizeof(nul_body) - 1, &b, &err), 400);
	assert_string_equal(err.reason, "Bad binding body: line 1: invalid character");
	assert_int_equal(parse(HMMPD_BODY_TYPE, "Version: 1\0", 11, &b, &err), 400);
	assert_string_equal(err.reason, "Bad binding body: line 1: invalid character");
	hmmpd_body_free(&b);
}

static const char native_ex[] =
	"Version: 1\r\n"
	"Bind: 9.10.11.12 to 10.15.20.25; lifetime=300; encap=ipip\r\n"
	"Conn: 9.10.11.12:40312 203.0.113.7:22\r\n"
	"Conn: 9.10.11.12:40318 203.0.113.7:443\r\n"
	"Bind: 172.16.1.5 to 10.15.20.25; lifetime=300; encap=minimal; kind=correspondent\r\n"
	"Conn: 172.16.1.5:5001 203.0.113.7:5001\r\n";

static void test_native_example(void **state)
{
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	char out[1024];

	(void)state;
	hmmpd_body_init(&b);
	assert_int_equal(parse_str(HMMPD_BODY_TYPE, native_ex, &b, &err), 0);
	assert_int_equal(b.form, HMMPD_FORM_NATIVE);
	assert_int_equal(b.nbind, 2);
	assert_int_equal(b.nconn, 3);
	assert_int_equal(b.bind[0].orig, A("9.10.11.12"));
	assert_int_equal(b.bind[0].coa, A("10.15.20.25"));
	assert_int_equal(b.bind[0].lifetime, 300);
	assert_int_equal(b.bind[0].encap, HMMP_ENCAP_IPIP);
	assert_int_equal(b.bind[0].kind, 0);
	assert_int_equal(b.bind[0].first_conn, 0);
	assert_int_equal(b.bind[0].nconn, 2);
	assert_int_equal(b.conn[1].laddr, A("9.10.11.12"));
	assert_int_equal(b.conn[1].lport, 40318);
	assert_int_equal(b.conn[1].raddr, A("203.0.113.7"));
	assert_int_equal(b.conn[1].rport, 443);
	assert_int_equal(b.bind[1].encap, HMMP_ENCAP_MINIMAL);
	assert_int_equal(b.bind[1].kind, HMMP_BIND_CORRESPONDENT);
	assert_int_equal(b.bind[1].first_conn, 2);
	assert_int_equal(b.bind[1].nconn, 1);
	/* the builder writes the example back byte for byte */
	assert_int_equal(hmmpd_body_build(&b, out, sizeof(out), &err),
			 (int)strlen(native_ex));
	assert_string_equal(out, native_ex);
	hmmpd_body_free(&b);
}

/*
 * An on-link claim (docs/binding-body.md): A to A with a lifetime, only as
 * kind=router; it builds back the same.
 */
static void test_claim(void **state)
{
	static const char claim[] =
		"Version: 1\r\n"
		"Bind: 192.0.2.10 to 192.0.2.10; lifetime=3600; encap=ipip; kind=router\r\n";
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	char out[256];

	(void)state;
	hmmpd_body_init(&b);
	assert_int_equal(parse_str(HMMPD_BODY_TYPE, claim, &b, &err), 0);
	assert_int_equal(b.nbind, 1);
	assert_int_equal(b.bind[0].orig, b.bind[0].coa);
	assert_int_equal(b.bind[0].lifetime, 3600);
	assert_int_equal(b.bind[0].kind, HMMP_BIND_ROUTER);
	assert_int_equal(hmmpd_body_build(&b, out, sizeof(out), &err),
			 (int)strlen(claim));
	assert_string_equal(out, claim);
	hmmpd_body_free(&b);
}

/* Liberal where the grammar says so: case, white space, LF, extensions. */
static void test_native_liberal(void **state)
{
	static const char body[] =
		"\n"
		"VERSION :1\n"
		"X-Future: anything at all; even = this\n"
		"bind:9.10.11.12   TO\t10.15.20.25 ;LIFETIME = 0010 ;Encap=MINIMAL; x-new ; y=z\n"
		"cOnN:\t9.10.11.12:1   203.0.113.7:65535   \n"
		"\n"
		"Bind: 9.10.11.13 to 10.15.20.25\n"
		"Bind: 9.10.11.14 to 9.10.11.14; lifetime=0; kind=Router";
	struct hmmpd_body b;
	struct hmmpd_body_err err;

	(void)state;
	hmmpd_body_init(&b);
	if (parse_str(HMMPD_BODY_TYPE "; charset=\"us-ascii\"", body, &b, &err))
		fail_msg("refused: %s", err.reason);
	assert_int_equal(b.nbind, 3);
	assert_int_equal(b.bind[0].lifetime, 10);
	assert_int_equal(b.bind[0].encap, HMMP_ENCAP_MINIMAL);
	assert_int_equal(b.bind[0].nconn, 1);
	assert_int_equal(b.conn[0].lport, 1);
	assert_int_equal(b.conn[0].rport, 65535);
	/* defaults where the body says nothing */
	assert_int_equal(b.bind[1].lifetime, 600);
	assert_int_equal(b.bind[1].encap, HMMP_ENCAP_IPIP);
	/* a release: home again */
	assert_int_equal(b.bind[2].lifetime, 0);
	assert_int_equal(b.bind[2].orig, b.bind[2].coa);
	assert_int_equal(b.bind[2].kind, HMMP_BIND_ROUTER);
	hmmpd_body_free(&b);
}

#define V2B "Version: 2\r\nBind: 9.10.11.12 to 10.15.20.25\r\n"

static const struct {
	const char *body;
	const char *reason;
} native_bad[] = {
	{ "Bind: 9.10.11.12 to 10.15.20.25", "line 1: the body begins with 'Version: 1'" },
	{ "\r\nConn: 9.10.11.12:1 1.2.3.4:5", "line 2: the body begins with 'Version: 1'" },
	{ "Version: 1", "no binding" },
	{ "\r\n\r\n", "no 'Version: 1' line" },
	{ "Version: 3\r\nBind: 9.10.11.12 to 10.15.20.25", "line 1: unsupported version (this receiver knows 1 to 2)" },
	{ "Version: 0\r\nBind: 9.10.11.12 to 10.15.20.25", "line 1: unsupported version" },
	{ "Version: 1.0\r\nBind: 9.10.11.12 to 10.15.20.25", "line 1: malformed Version" },
	{ "Version: 1 1\r\nBind: 9.10.11.12 to 10.15.20.25", "line 1: malformed Version" },
	{ "Version:\r\nBind: 9.10.11.12 to 10.15.20.25", "line 1: malformed Version" },
	{ "Version: 99999999999\r\n", "line 1: malformed Version" },
	{ "Version: 1\r\nVersion: 1\r\n", "line 2: Version given twice" },
	{ "Version 1\r\n", "line 1: expected 'Name: value'" },
	{ ": 1\r\n", "line 1: expected 'Name: value'" },
	{ " Version: 1\r\n", "line 1: begins with white space" },
	{ "Version: 1\r\n\tBind: 9.10.11.12 to 10.15.20.25", "line 2: begins with white space" },
	{ "Version: 1\r\nBind: 9.10.11.12 10.15.20.25", "line 2: expected '<original> to <new>'" },
	{ "Version: 1\r\nBind: 9.10.11.12 to", "line 2: expected '<original> to <new>'" },
	{ "Version: 1\r\nBind: 9.10.11.12 to ", "line 2: expected '<original> to <new>'" },
	{ "Version: 1\r\nBind: 9.10.11.12to 10.15.20.25", "line 2: bad original address" },
	{ "Version: 1\r\nBind: ", "line 2: bad original address" },
	{ "Version: 1\r\nBind: 9.10.11.012 to 10.15.20.25", "line 2: bad original address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25.1", "line 2: bad new address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25 lifetime=5", "line 2: expected ';' before a parameter" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25;", "line 2: malformed parameter" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; =5", "line 2: malformed parameter" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; lifetime=", "line 2: malformed parameter" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; lifetime=\"5\"", "line 2: malformed parameter" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; x=a,b", "line 2: malformed parameter" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; lifetime", "line 2: bad lifetime" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; lifetime=-1", "line 2: bad lifetime" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; lifetime=4294967296", "line 2: bad lifetime" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; lifetime=1; lifetime=2", "line 2: lifetime given twice" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; encap=gre", "line 2: bad encap" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; encap", "line 2: bad encap" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; encap=ipipipipipipipipipip", "line 2: bad encap" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; encap=ipip; encap=ipip", "line 2: encap given twice" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; kind=mobile", "line 2: bad kind" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; encap=udp4", "line 2: bad encap (ipip, minimal, udp or auto)" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:5060", "line 2: a port in the new address needs encap=udp" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:5060; encap=ipip", "line 2: a port in the new address needs encap=udp" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:5060; encap=minimal", "line 2: a port in the new address needs encap=udp" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:5060; encap=auto", "line 2: a port in the new address needs encap=udp" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:0; encap=udp", "line 2: bad new address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:65536; encap=udp", "line 2: bad new address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:; encap=udp", "line 2: bad new address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:x; encap=udp", "line 2: bad new address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:1:2; encap=udp", "line 2: bad new address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to :5060; encap=udp", "line 2: bad new address" },
	{ "Version: 1\r\nBind: 9.10.11.12:5060 to 10.15.20.25; encap=udp", "line 2: bad original address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; kind=any", "line 2: bad kind" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25; kind=router; kind=router", "line 2: kind given twice" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 9.10.11.12", "line 2: new address equals the original" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 9.10.11.12; kind=correspondent", "line 2: new address equals the original" },
	{ "Version: 1\r\nBind: 0.0.0.0 to 10.15.20.25", "line 2: original address not unicast" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 255.255.255.255", "line 2: new address not unicast" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 240.0.0.1", "line 2: new address not unicast" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nBind: 9.10.11.12 to 10.15.20.26",
	  "binding 2: original address bound twice" },
	{ "Version: 1\r\nConn: 9.10.11.12:1 203.0.113.7:22", "line 2: Conn before any Bind" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1", "line 3: expected '<local addr:port> <remote addr:port>'" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12 203.0.113.7:22", "line 3: bad local endpoint" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:0 203.0.113.7:22", "line 3: bad local endpoint" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:65536 203.0.113.7:22", "line 3: bad local endpoint" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12: 203.0.113.7:22", "line 3: bad local endpoint" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: :1 203.0.113.7:22", "line 3: bad local endpoint" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1 203.0.113.7:x", "line 3: bad remote endpoint" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1 203.0.113.7:22 9", "line 3: bad remote endpoint" },
	/* version 1 has no conn-param: refused as an older receiver does (400) */
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1 203.0.113.7:22;x", "line 3: a Conn parameter needs 'Version: 2'" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1 203.0.113.7:22; isn=1/2", "line 3: a Conn parameter needs 'Version: 2'" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1 203.0.113.7:22 ;isn=1/2", "line 3: a Conn parameter needs 'Version: 2'" },
	/* version 2: the identity's grammar */
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1", "line 3: isn needs '<mobile's ISN>/<correspondent's ISN>'" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn", "line 3: isn needs '<mobile's ISN>/<correspondent's ISN>'" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=", "line 3: malformed Conn parameter" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1/", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=/2", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1/4294967296", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=4294967296/1", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=-1/1", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=0x10/1", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1/2/3", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1//2", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=12345678901/2", "line 3: bad isn" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1/2; isn=1/2", "line 3: isn given twice" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1/2; ISN=3/4", "line 3: isn given twice" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1 /2", "line 3: isn needs '<mobile's ISN>/<correspondent's ISN>'" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22 isn=1/2", "line 3: expected ';' before a Conn parameter" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22;", "line 3: malformed Conn parameter" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; =1", "line 3: malformed Conn parameter" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; x=a/b", "line 3: malformed Conn parameter" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; x/y", "line 3: malformed Conn parameter" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22;isn=1/2\r\nConn: 9.10.11.12:1 203.0.113.7:22;isn=3/4",
	  "binding 1: connection listed twice" },
	{ V2B "Conn: 9.10.11.12:1 203.0.113.7:22; isn=1/2\r\nConn: 9.10.11.12:1 203.0.113.7:22",
	  "binding 1: connection listed twice" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.13:1 203.0.113.7:22",
	  "line 3: connection not from the binding's original address" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1 127.0.0.1:22",
	  "line 3: correspondent address not unicast" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1 203.0.113.7:22\r\nConn: 9.10.11.12:1 203.0.113.7:22",
	  "binding 1: connection listed twice" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\r\nConn: 9.10.11.12:1\t\r\n", "line 3: expected '<local" },
	{ "Version: 1\rBind: 9.10.11.12 to 10.15.20.25", "line 1: invalid character" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\x7f", "line 2: invalid character" },
	{ "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25\x1b", "line 2: invalid character" },
	{ "Original-IP-Addr: 9.10.11.12\r\nNew-IP-Addr:10.15.20.25\r\n", "line 1: the body begins with" },
};

static void test_native_bad(void **state)
{
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	size_t i;

	(void)state;
	hmmpd_body_init(&b);
	for (i = 0; i < HMMP_ARRAY_SIZE(native_bad); i++) {
		if (parse_str(HMMPD_BODY_TYPE, native_bad[i].body, &b, &err) != 400)
			fail_msg("case %zu accepted: %s", i, native_bad[i].body);
		if (!strstr(err.reason, native_bad[i].reason))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.reason,
				 native_bad[i].reason);
		assert_non_null(strstr(err.reason, "Bad binding body: "));
		assert_int_equal(b.nbind, 0);
		assert_int_equal(b.nconn, 0);
	}
	hmmpd_body_free(&b);
}

/* encap=udp with the port of the new address, encap=auto. */
static void test_native_udp(void **state)
{
	static const char body[] =
		"Version: 1\r\n"
		"Bind: 9.10.11.12 to 10.15.20.25:5060; lifetime=60; encap=udp\r\n"
		"Bind: 9.10.11.13 to 10.15.20.25; encap=UDP; kind=correspondent\r\n"
		"Bind: 9.10.11.14 to 10.15.20.25; encap=Auto\r\n"
		"Bind: 9.10.11.15 to 10.15.20.25:65535 ;encap = udp\r\n";
	struct hmmpd_body b;
	struct hmmpd_body_err err;

	(void)state;
	hmmpd_body_init(&b);
	if (parse_str(HMMPD_BODY_TYPE, body, &b, &err))
		fail_msg("refused: %s", err.reason);
	assert_int_equal(b.nbind, 4);
	assert_int_equal(b.bind[0].coa, A("10.15.20.25"));
	assert_int_equal(b.bind[0].port, 5060);
	assert_int_equal(b.bind[0].encap, HMMP_ENCAP_UDP);
	assert_int_equal(b.bind[1].port, 0);		/* a request may omit it */
	assert_int_equal(b.bind[1].encap, HMMP_ENCAP_UDP);
	assert_int_equal(b.bind[2].encap, HMMPD_ENCAP_AUTO);
	assert_int_equal(b.bind[2].port, 0);
	assert_int_equal(b.bind[3].port, 65535);
	/* a udp default does not make a port valid: encap=udp is said */
	{
		static const struct hmmpd_body_defaults udp_def = {
			.lifetime = 60, .encap = HMMP_ENCAP_UDP,
		};
		static const char bare[] = "Version: 1\r\nBind: 9.10.11.12 to 10.15.20.25:5060";

		assert_int_equal(hmmpd_body_parse(HMMPD_BODY_TYPE, bare, strlen(bare),
						  &udp_def, &b, &err), 400);
		assert_string_equal(err.reason, "Bad binding body: line 2: a port in the new address needs encap=udp");
	}
	/* the seed's forms know no ports */
	assert_int_equal(parse_str("text/plain", "Bind 9.10.11.12 to 10.15.20.25:5060",
				   &b, &err), 400);
	hmmpd_body_free(&b);
}

/*
 * Version 2: Conn lines with the connection's identity (both ISNs), and
 * extension conn-params, ignored; version 1 bodies as they were.
 */
static void test_native_isn(void **state)
{
	static const char body[] =
		"Version: 2\r\n"
		"Bind: 192.0.2.10 to 10.15.20.25; lifetime=60; encap=auto\r\n"
		"Conn: 192.0.2.10:40312 203.0.113.7:22; isn=3735928559/1234567890\r\n"
		"Conn: 192.0.2.10:40313 203.0.113.7:22\r\n"
		"conn: 192.0.2.10:40314 203.0.113.7:22 ;ISN = 0/4294967295 ; x-later ;y=z\r\n"
		"Conn: 192.0.2.10:40315 203.0.113.7:22;x-later=1;isn=7/8\r\n";
	static const char answer[] =
		"Version: 2\r\n"
		"Bind: 192.0.2.10 to 10.15.20.25:61000; lifetime=60; encap=udp; kind=correspondent\r\n"
		"Conn: 192.0.2.10:40312 203.0.113.7:22; isn=1/2\r\n";
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	char out[1024];

	(void)state;
	hmmpd_body_init(&b);
	if (parse_str(HMMPD_BODY_TYPE, body, &b, &err))
		fail_msg("refused: %s", err.reason);
	assert_int_equal(b.version, 2);
	assert_int_equal(b.nconn, 4);
	assert_int_equal(b.conn[0].flags, HMMPD_TCP_ISN);
	assert_int_equal(b.conn[0].isn_l, 3735928559u);
	assert_int_equal(b.conn[0].isn_r, 1234567890u);
	assert_int_equal(b.conn[0].rport, 22);
	/* a picked-up record has no identity: version 2 allows that */
	assert_int_equal(b.conn[1].flags, 0);
	assert_int_equal(b.conn[1].isn_l, 0);
	assert_int_equal(b.conn[2].flags, HMMPD_TCP_ISN);
	assert_int_equal(b.conn[2].isn_l, 0);
	assert_int_equal(b.conn[2].isn_r, 4294967295u);
	assert_int_equal(b.conn[3].isn_l, 7);
	assert_int_equal(b.conn[3].isn_r, 8);
	/* built back: version 2, the identities, no extensions */
	assert_true(hmmpd_body_build(&b, out, sizeof(out), &err) > 0);
	assert_string_equal(out,
			    "Version: 2\r\n"
			    "Bind: 192.0.2.10 to 10.15.20.25; lifetime=60; encap=auto\r\n"
			    "Conn: 192.0.2.10:40312 203.0.113.7:22; isn=3735928559/1234567890\r\n"
			    "Conn: 192.0.2.10:40313 203.0.113.7:22\r\n"
			    "Conn: 192.0.2.10:40314 203.0.113.7:22; isn=0/4294967295\r\n"
			    "Conn: 192.0.2.10:40315 203.0.113.7:22; isn=7/8\r\n");
	/* no identity left: version 1 again, as before */
	b.conn[0].flags = b.conn[2].flags = b.conn[3].flags = 0;
	assert_int_equal(hmmpd_body_version(&b), 1);
	assert_true(hmmpd_body_build(&b, out, sizeof(out), &err) > 0);
	assert_non_null(strstr(out, "Version: 1\r\n"));
	assert_null(strstr(out, "isn="));
	/* unknown flags are no body's */
	b.conn[1].flags = 2;
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 1: connection with unknown flags");
	/* a version 2 body without identities means what version 1 does */
	assert_int_equal(parse_str(HMMPD_BODY_TYPE,
				   "Version: 2\r\nBind: 192.0.2.10 to 10.15.20.25\r\n"
				   "Conn: 192.0.2.10:1 203.0.113.7:22\r\n", &b, &err), 0);
	assert_int_equal(b.version, 2);
	assert_int_equal(b.nconn, 1);
	assert_int_equal(b.conn[0].flags, 0);
	/* the old form still parses, version 1 */
	assert_int_equal(parse_str(HMMPD_BODY_TYPE, native_ex, &b, &err), 0);
	assert_int_equal(b.version, 1);
	/* an answer may carry identities too (the translations installed) */
	assert_int_equal(hmmpd_body_parse_answer(HMMPD_BODY_TYPE, answer,
						 strlen(answer), &b, &err), 0);
	assert_int_equal(b.nconn, 1);
	assert_int_equal(b.conn[0].isn_r, 2);
	hmmpd_body_free(&b);
}

static void test_encap_names(void **state)
{
	uint8_t e = 0;

	(void)state;
	assert_string_equal(hmmpd_encap_name(HMMPD_ENCAP_AUTO), "auto");
	assert_string_equal(hmmpd_encap_name(HMMP_ENCAP_UDP), "udp");
	assert_string_equal(hmmpd_encap_name(HMMP_ENCAP_IPIP), "ipip");
	assert_null(hmmpd_encap_name(0));
	assert_null(hmmpd_encap_name(HMMP_ENCAP_UDP + 1));
	assert_int_equal(hmmpd_encap_parse("auto", &e), 0);
	assert_int_equal(e, HMMPD_ENCAP_AUTO);
	assert_int_equal(hmmpd_encap_parse("minimal", &e), 0);
	assert_int_equal(e, HMMP_ENCAP_MINIMAL);
	assert_int_equal(hmmpd_encap_parse("udp", &e), 0);
	assert_int_equal(e, HMMP_ENCAP_UDP);
	assert_int_equal(hmmpd_encap_parse("Auto", &e), -1);
	assert_int_equal(hmmpd_encap_parse("", &e), -1);
	assert_int_equal(hmmpd_encap_parse(NULL, &e), -1);
	/* never a value of the UAPI */
	assert_null(hmmp_encap_name(HMMPD_ENCAP_AUTO));
}

/* The answer body: built by the correspondent, read by the mobile. */
static void test_answer(void **state)
{
	struct hmmpd_body b, back;
	struct hmmpd_body_err err;
	char buf[512];
	int n;

	(void)state;
	hmmpd_body_init(&b);
	hmmpd_body_init(&back);
	assert_int_equal(hmmpd_body_add_bind(&b, A("192.0.2.10"), A("198.51.100.77"),
					     60, HMMP_ENCAP_UDP,
					     HMMP_BIND_CORRESPONDENT), 0);
	b.bind[0].port = 61000;
	assert_int_equal(hmmpd_body_add_bind(&b, A("192.0.2.11"), A("203.0.113.10"),
					     300, HMMP_ENCAP_IPIP,
					     HMMP_BIND_CORRESPONDENT), 0);
	n = hmmpd_body_build(&b, buf, sizeof(buf), &err);
	assert_string_equal(buf,
			    "Version: 1\r\n"
			    "Bind: 192.0.2.10 to 198.51.100.77:61000; lifetime=60; encap=udp; kind=correspondent\r\n"
			    "Bind: 192.0.2.11 to 203.0.113.10; lifetime=300; encap=ipip; kind=correspondent\r\n");
	assert_int_equal(hmmpd_body_parse_answer(HMMPD_BODY_TYPE, buf, (size_t)n,
						 &back, &err), 0);
	assert_int_equal(back.nbind, 2);
	assert_int_equal(back.bind[0].coa, A("198.51.100.77"));
	assert_int_equal(back.bind[0].port, 61000);
	assert_int_equal(back.bind[0].encap, HMMP_ENCAP_UDP);
	assert_int_equal(back.bind[0].lifetime, 60);
	assert_int_equal(back.bind[0].kind, HMMP_BIND_CORRESPONDENT);
	assert_int_equal(back.bind[1].encap, HMMP_ENCAP_IPIP);
	assert_int_equal(back.bind[1].port, 0);
	/* a request's body is a valid answer's grammar too: a request parses it */
	assert_int_equal(parse(HMMPD_BODY_TYPE, buf, (size_t)n, &back, &err), 0);
	hmmpd_body_free(&b);
	hmmpd_body_free(&back);
}

static void test_answer_bad(void **state)
{
	static const struct {
		const char *body;
		const char *reason;
	} bad[] = {
		{ "Version: 1\r\nBind: 192.0.2.10 to 198.51.100.77:61000; encap=udp; kind=correspondent",
		  "line 2: an answer's Bind has lifetime, encap and kind" },
		{ "Version: 1\r\nBind: 192.0.2.10 to 198.51.100.77; lifetime=5; kind=correspondent",
		  "line 2: an answer's Bind has lifetime, encap and kind" },
		{ "Version: 1\r\nBind: 192.0.2.10 to 198.51.100.77; lifetime=5; encap=ipip",
		  "line 2: an answer's Bind has lifetime, encap and kind" },
		{ "Version: 1\r\nBind: 192.0.2.10 to 198.51.100.77; lifetime=5; encap=auto; kind=correspondent",
		  "line 2: an answer's Bind says the encapsulation chosen, not auto" },
		{ "Version: 1\r\nBind: 192.0.2.10 to 198.51.100.77; lifetime=5; encap=udp; kind=correspondent",
		  "line 2: an answer's udp Bind has the port it tunnels to" },
		{ "Version: 1\r\nBind: 192.0.2.10 to 198.51.100.77:1; lifetime=5; encap=ipip; kind=router",
		  "line 2: a port in the new address needs encap=udp" },
		{ "Version: 3\r\nBind: 192.0.2.10 to 198.51.100.77; lifetime=5; encap=ipip; kind=router",
		  "line 1: unsupported version" },
		{ "Version: 1\r\n", "no binding" },
	};
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	size_t i;

	(void)state;
	hmmpd_body_init(&b);
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		memset(&err, 0, sizeof(err));
		if (hmmpd_body_parse_answer(HMMPD_BODY_TYPE, bad[i].body,
					    strlen(bad[i].body), &b, &err) != 400)
			fail_msg("case %zu accepted: %s", i, bad[i].body);
		if (!strstr(err.reason, bad[i].reason))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.reason,
				 bad[i].reason);
		check_reason(&err);
		assert_int_equal(b.nbind, 0);
	}
	/* the native media type only; a missing one; an empty answer */
	assert_int_equal(hmmpd_body_parse_answer("text/plain", "Bind 1.2.3.4 to 5.6.7.8",
						 23, &b, &err), 415);
	assert_int_equal(hmmpd_body_parse_answer(HMMPD_BODY_TYPE_SEED,
						 "Original-IP-Addr: 1.2.3.4", 26,
						 &b, &err), 415);
	assert_int_equal(hmmpd_body_parse_answer(NULL, "x", 1, &b, &err), 400);
	assert_int_equal(hmmpd_body_parse_answer(HMMPD_BODY_TYPE, "", 0, &b, &err), 400);
	assert_string_equal(err.reason, "Empty binding body");
	hmmpd_body_free(&b);
}

/* Every prefix of an answer, and corruptions: 0 or 400, no stray read. */
static void test_answer_mutated(void **state)
{
	static const char ans[] =
		"Version: 1\r\n"
		"Bind: 192.0.2.10 to 198.51.100.77:61000; lifetime=60; encap=udp; kind=correspondent\r\n"
		"Bind: 192.0.2.11 to 203.0.113.10; lifetime=300; encap=ipip; kind=router\r\n";
	unsigned int seed = 7;
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	char *copy;
	size_t len;
	int i, ret;

	(void)state;
	hmmpd_body_init(&b);
	for (len = 0; len <= strlen(ans); len++) {
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, ans, len);
		ret = hmmpd_body_parse_answer(HMMPD_BODY_TYPE, copy, len, &b, &err);
		assert_true(ret == 0 || ret == 400);
		free(copy);
	}
	for (i = 0; i < 2000; i++) {
		int k, flips = 1 + rand_r(&seed) % 3;

		copy = malloc(strlen(ans));
		assert_non_null(copy);
		memcpy(copy, ans, strlen(ans));
		for (k = 0; k < flips; k++)
			copy[rand_r(&seed) % (int)strlen(ans)] = (char)(rand_r(&seed) % 256);
		ret = hmmpd_body_parse_answer(HMMPD_BODY_TYPE, copy, strlen(ans), &b, &err);
		assert_true(ret == 0 || ret == 400);
		if (!ret)
			assert_int_equal(hmmpd_body_check(&b, NULL), 0);
		free(copy);
	}
	hmmpd_body_free(&b);
}

static void test_content_type(void **state)
{
	static const char *const unsupported[] = {
		"application/sdp", "application/binding-x", "text/html",
		"application/vnd.hmmp.bindings", "multipart/mixed; boundary=x",
		"binding/application", "APPLICATION/X-BINDING",
	};
	static const char *const malformed[] = {
		"", "   ", "application", "application/", "/binding",
		"application /binding", "application/ binding",
		"application/binding;", "application/binding; charset",
		"application/binding; charset=", "application/binding charset=x",
		"application/binding; charset=\"us-ascii",
		"application/binding; charset=\"x\\", "application/binding,text/plain",
		"application/bin\"ding",
	};
	static const char *const fine[] = {
		"application/binding", "APPLICATION/BINDING",
		"application/binding;charset=us-ascii",
		"application/binding ; a=b ;c=\"d;e\\\"f\"  ",
		"\tapplication/binding\t",
	};
	static const char f1[] = "Original-IP-Addr: 9.10.11.12\nNew-IP-Addr: 10.15.20.25";
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	size_t i;

	(void)state;
	hmmpd_body_init(&b);
	for (i = 0; i < HMMP_ARRAY_SIZE(unsupported); i++) {
		if (parse_str(unsupported[i], f1, &b, &err) != 415)
			fail_msg("'%s' not 415", unsupported[i]);
		assert_string_equal(err.reason, "Unsupported Media Type");
	}
	for (i = 0; i < HMMP_ARRAY_SIZE(malformed); i++) {
		if (parse_str(malformed[i], f1, &b, &err) != 400)
			fail_msg("'%s' not 400", malformed[i]);
		assert_string_equal(err.reason, "Malformed Content-Type");
	}
	for (i = 0; i < HMMP_ARRAY_SIZE(fine); i++) {
		if (parse_str(fine[i], f1, &b, &err))
			fail_msg("'%s' refused: %s", fine[i], err.reason);
	}
	assert_int_equal(parse_str(NULL, f1, &b, &err), 400);
	assert_string_equal(err.reason, "Missing Content-Type");
	/* the media type is judged before the body */
	assert_int_equal(parse_str("image/png", "", &b, &err), 415);
	assert_int_equal(parse_str(HMMPD_BODY_TYPE, "", &b, &err), 400);
	assert_string_equal(err.reason, "Empty binding body");
	assert_int_equal(hmmpd_body_parse(HMMPD_BODY_TYPE, NULL, 5, &defs, &b,
					  &err), 400);
	hmmpd_body_free(&b);
}

static void test_limits(void **state)
{
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	size_t cap = HMMPD_BODY_MAX_LEN + 4096, len;
	char *big = malloc(cap);
	int i;

	(void)state;
	assert_non_null(big);
	hmmpd_body_init(&b);

	/* HMMPD_BODY_MAX_BINDINGS bindings pass, one more does not */
	len = (size_t)snprintf(big, cap, "Version: 1\r\n");
	for (i = 0; i < HMMPD_BODY_MAX_BINDINGS; i++)
		len += (size_t)snprintf(big + len, cap - len,
					"Bind: 10.0.%d.1 to 192.0.2.1\r\n", i);
	assert_int_equal(parse(HMMPD_BODY_TYPE, big, len, &b, &err), 0);
	assert_int_equal(b.nbind, HMMPD_BODY_MAX_BINDINGS);
	len += (size_t)snprintf(big + len, cap - len, "Bind: 10.1.0.1 to 192.0.2.1\r\n");
	assert_int_equal(parse(HMMPD_BODY_TYPE, big, len, &b, &err), 400);
	assert_non_null(strstr(err.reason, "line 34: more than 32 bindings"));

	/* the same limit for the seed's forms */
	len = 0;
	for (i = 0; i <= HMMPD_BODY_MAX_BINDINGS; i++)
		len += (size_t)snprintf(big + len, cap - len,
					"Bind 10.0.%d.1 to 192.0.2.1\n", i);
	assert_int_equal(parse("text/plain", big, len, &b, &err), 400);
	assert_non_null(strstr(err.reason, "line 33: more than 32 bindings"));

	/* HMMPD_BODY_MAX_CONNS connections pass, one more does not */
	len = (size_t)snprintf(big, cap, "Version: 1\nBind: 10.0.0.1 to 192.0.2.1\n");
	for (i = 0; i < HMMPD_BODY_MAX_CONNS; i++)
		len += (size_t)snprintf(big + len, cap - len,
					"Conn: 10.0.0.1:%d 203.0.113.1:80\n",
					1000 + i);
	assert_int_equal(parse(HMMPD_BODY_TYPE, big, len, &b, &err), 0);
	assert_int_equal(b.nconn, HMMPD_BODY_MAX_CONNS);
	assert_int_equal(b.bind[0].nconn, HMMPD_BODY_MAX_CONNS);
	len += (size_t)snprintf(big + len, cap - len, "Conn: 10.0.0.1:9 203.0.113.1:80\n");
	assert_int_equal(parse(HMMPD_BODY_TYPE, big, len, &b, &err), 400);
	assert_non_null(strstr(err.reason, "line 1027: more than 1024 connections"));

	/* a line of HMMPD_BODY_MAX_LINE bytes passes, one byte more not */
	len = (size_t)snprintf(big, cap, "Version: 1\nBind: 10.0.0.1 to 192.0.2.1\nX-Pad: ");
	while (len < 39 + HMMPD_BODY_MAX_LINE)
		big[len++] = 'p';
	assert_int_equal(parse(HMMPD_BODY_TYPE, big, len, &b, &err), 0);
	big[len++] = 'p';
	assert_int_equal(parse(HMMPD_BODY_TYPE, big, len, &b, &err), 400);
	assert_non_null(strstr(err.reason, "line 3: longer than 512 bytes"));

	/* more than HMMPD_BODY_MAX_LEN bytes: 413, whatever they are */
	memset(big, '\n', cap);
	assert_int_equal(parse(HMMPD_BODY_TYPE, big, HMMPD_BODY_MAX_LEN, &b, &err), 400);
	assert_int_equal(parse(HMMPD_BODY_TYPE, big, HMMPD_BODY_MAX_LEN + 1, &b, &err), 413);
	assert_int_equal(parse("application/binding", big, HMMPD_BODY_MAX_LEN + 1, &b, &err), 413);

	free(big);
	hmmpd_body_free(&b);
}

/* hmmpd_body_check() on bodies put together by hand. */
static void test_check_rules(void **state)
{
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	struct hmmpd_tcp t = {
		.laddr = A("10.0.0.1"), .raddr = A("203.0.113.1"),
		.lport = 1000, .rport = 80,
	};

	(void)state;
	hmmpd_body_init(&b);
	assert_int_equal(hmmpd_body_add_conn(&b, &t), -1);	/* no binding */
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: no binding");

	assert_int_equal(hmmpd_body_add_bind(&b, A("10.0.0.1"), A("192.0.2.1"),
					     60, HMMP_ENCAP_IPIP, 0), 0);
	assert_int_equal(hmmpd_body_add_conn(&b, &t), 0);
	assert_int_equal(hmmpd_body_check(&b, &err), 0);

	b.bind[0].encap = 0;
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 1: unknown encapsulation");
	b.bind[0].encap = HMMP_ENCAP_UDP + 1;
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	b.bind[0].encap = HMMPD_ENCAP_AUTO;
	assert_int_equal(hmmpd_body_check(&b, &err), 0);
	b.bind[0].port = 5060;		/* a port: udp only */
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 1: a port without encap=udp");
	b.bind[0].encap = HMMP_ENCAP_UDP;
	assert_int_equal(hmmpd_body_check(&b, &err), 0);
	b.bind[0].port = 0;		/* udp without a port: a request may */
	assert_int_equal(hmmpd_body_check(&b, &err), 0);
	b.bind[0].encap = HMMP_ENCAP_MINIMAL;
	b.bind[0].kind = HMMP_BIND_MOBILE;
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 1: unknown kind");
	b.bind[0].kind = HMMP_BIND_ROUTER;
	assert_int_equal(hmmpd_body_check(&b, &err), 0);

	b.conn[0].lport = 0;
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 1: connection with port 0");
	b.conn[0].lport = 1000;
	b.conn[0].raddr = A("224.1.1.1");
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	b.conn[0].raddr = A("203.0.113.1");

	b.bind[0].nconn = 2;		/* a range past the array */
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 1: connections out of order");
	b.bind[0].nconn = 0;		/* a connection of nobody */
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: connection outside any binding");
	b.bind[0].nconn = 1;

	assert_int_equal(hmmpd_body_add_bind(&b, A("10.0.0.2"), A("192.0.2.1"),
					     60, HMMP_ENCAP_IPIP, 0), 0);
	b.bind[1].first_conn = 0;
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 2: connections out of order");
	b.bind[1].first_conn = 1;
	assert_int_equal(hmmpd_body_check(&b, &err), 0);
	b.bind[1].coa = b.bind[1].orig;
	assert_int_equal(hmmpd_body_check(&b, &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 2: new address equals the original");
	b.bind[1].lifetime = 0;		/* a release */
	assert_int_equal(hmmpd_body_check(&b, &err), 0);

	/* err may be NULL */
	b.bind[1].orig = 0;
	assert_int_equal(hmmpd_body_check(&b, NULL), -1);
	hmmpd_body_free(&b);
}

static void test_build(void **state)
{
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	char buf[256], small[16];
	struct hmmpd_tcp t = {
		.laddr = A("9.10.11.12"), .raddr = A("203.0.113.7"),
		.lport = 40312, .rport = 22,
	};
	int n;

	(void)state;
	hmmpd_body_init(&b);
	assert_int_equal(hmmpd_body_build(&b, buf, sizeof(buf), &err), -1);
	assert_string_equal(buf, "");
	assert_int_equal(hmmpd_body_build(&b, buf, sizeof(buf), NULL), -1);

	hmmpd_body_add_bind(&b, A("9.10.11.12"), A("10.15.20.25"), 10,
			    HMMP_ENCAP_IPIP, HMMP_BIND_ROUTER);
	hmmpd_body_add_conn(&b, &t);
	n = hmmpd_body_build(&b, buf, sizeof(buf), &err);
	assert_string_equal(buf,
			    "Version: 1\r\n"
			    "Bind: 9.10.11.12 to 10.15.20.25; lifetime=10; encap=ipip; kind=router\r\n"
			    "Conn: 9.10.11.12:40312 203.0.113.7:22\r\n");
	assert_int_equal(n, (int)strlen(buf));

	/* snprintf-like: the length needed, cut and terminated */
	assert_int_equal(hmmpd_body_build(&b, small, sizeof(small), &err), n);
	assert_string_equal(small, "Version: 1\r\nBin");
	assert_int_equal(hmmpd_body_build(&b, NULL, 0, &err), n);

	/* udp with the port of the new address; auto */
	b.bind[0].encap = HMMP_ENCAP_UDP;
	b.bind[0].port = 5060;
	hmmpd_body_add_bind(&b, A("9.10.11.13"), A("10.15.20.25"), 10,
			    HMMPD_ENCAP_AUTO, 0);
	hmmpd_body_build(&b, buf, sizeof(buf), &err);
	assert_string_equal(buf,
			    "Version: 1\r\n"
			    "Bind: 9.10.11.12 to 10.15.20.25:5060; lifetime=10; encap=udp; kind=router\r\n"
			    "Conn: 9.10.11.12:40312 203.0.113.7:22\r\n"
			    "Bind: 9.10.11.13 to 10.15.20.25; lifetime=10; encap=auto\r\n");
	/* what breaks a rule is not built */
	b.bind[1].port = 5060;
	assert_int_equal(hmmpd_body_build(&b, buf, sizeof(buf), &err), -1);
	assert_string_equal(err.reason, "Bad binding body: binding 2: a port without encap=udp");
	hmmpd_body_free(&b);
}

static void random_body(struct hmmpd_body *b, unsigned int *seed)
{
	unsigned int nb = 1 + (unsigned int)rand_r(seed) % 6, i, k;

	hmmpd_body_init(b);
	for (i = 0; i < nb; i++) {
		uint32_t orig = htonl(0x0a000000u | (i << 8) |
				      (1 + (unsigned int)rand_r(seed) % 250));
		uint32_t coa = htonl(0xc0000200u | (1 + (unsigned int)rand_r(seed) % 250));
		uint32_t life = (uint32_t)rand_r(seed) % 4 ? (uint32_t)rand_r(seed) : 0;
		unsigned int nc = (unsigned int)rand_r(seed) % 5;

		static const uint8_t encaps[] = {
			HMMP_ENCAP_IPIP, HMMP_ENCAP_MINIMAL, HMMP_ENCAP_UDP,
			HMMPD_ENCAP_AUTO,
		};
		uint8_t encap = encaps[rand_r(seed) % 4];

		assert_int_equal(hmmpd_body_add_bind(b, orig, coa, life, encap,
						     (uint8_t)(rand_r(seed) % 2 ? 0 :
							       1 + 2 * (rand_r(seed) % 2))), 0);
		if (encap == HMMP_ENCAP_UDP && rand_r(seed) % 2)
			b->bind[i].port = (uint16_t)(1 + rand_r(seed) % 65535);
		for (k = 0; k < nc; k++) {
			struct hmmpd_tcp t = {
				.laddr = orig,
				.raddr = htonl(0xcb007100u | (1 + k)),
				.lport = (uint16_t)(1 + k * 1000 + (unsigned int)rand_r(seed) % 999),
				.rport = (uint16_t)(1 + (unsigned int)rand_r(seed) % 65535),
			};

			if (rand_r(seed) % 3 == 0) {
				t.flags = HMMPD_TCP_ISN;
				t.isn_l = (uint32_t)rand_r(seed) * 2u;
				t.isn_r = (uint32_t)rand_r(seed) % 2 ? UINT32_MAX : 0;
			}
			assert_int_equal(hmmpd_body_add_conn(b, &t), 0);
		}
	}
}

/* Builder against parser on random bodies: what is built parses back. */
static void test_roundtrip(void **state)
{
	unsigned int seed = 4242;
	char buf[8192];
	int round;

	(void)state;
	for (round = 0; round < 500; round++) {
		struct hmmpd_body in, out;
		struct hmmpd_body_err err;
		unsigned int i;
		int n;

		random_body(&in, &seed);
		n = hmmpd_body_build(&in, buf, sizeof(buf), &err);
		assert_true(n > 0 && n < (int)sizeof(buf));
		hmmpd_body_init(&out);
		if (parse(HMMPD_BODY_TYPE, buf, (size_t)n, &out, &err))
			fail_msg("round %d: %s\n%s", round, err.reason, buf);
		assert_int_equal(out.nbind, in.nbind);
		assert_int_equal(out.nconn, in.nconn);
		assert_int_equal(out.version, (unsigned int)hmmpd_body_version(&in));
		assert_int_equal(strncmp(buf, out.version == 2 ? "Version: 2\r\n" :
					 "Version: 1\r\n", 12), 0);
		for (i = 0; i < in.nbind; i++) {
			assert_int_equal(out.bind[i].orig, in.bind[i].orig);
			assert_int_equal(out.bind[i].coa, in.bind[i].coa);
			assert_int_equal(out.bind[i].lifetime, in.bind[i].lifetime);
			assert_int_equal(out.bind[i].encap, in.bind[i].encap);
			assert_int_equal(out.bind[i].port, in.bind[i].port);
			assert_int_equal(out.bind[i].kind, in.bind[i].kind);
			assert_int_equal(out.bind[i].first_conn, in.bind[i].first_conn);
			assert_int_equal(out.bind[i].nconn, in.bind[i].nconn);
		}
		if (in.nconn)
			assert_memory_equal(out.conn, in.conn,
					    in.nconn * sizeof(*in.conn));
		hmmpd_body_free(&in);
		hmmpd_body_free(&out);
	}
}

/*
 * Every prefix and random corruptions of valid bodies: the parser answers
 * 0 or 400, never crashes and never reads outside the bytes (valgrind).
 */
static void test_truncated_and_mutated(void **state)
{
	static const char v2_ex[] =
		"Version: 2\r\n"
		"Bind: 9.10.11.12 to 10.15.20.25; lifetime=300; encap=auto\r\n"
		"Conn: 9.10.11.12:40312 203.0.113.7:22; isn=3735928559/1234567890\r\n"
		"Conn: 9.10.11.12:40318 203.0.113.7:443; x=y; isn=1/2\r\n";
	static const char seed_body[] =
		"Original-IP-Addr: 9.10.11.12\r\nNew-IP-Addr:10.15.20.25\r\n"
		"Bind 9.10.11.13 to 10.15.20.25\r\n";
	unsigned int seed = 99;
	char buf[sizeof(native_ex)];
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	size_t len;
	int i, ret;

	(void)state;
	hmmpd_body_init(&b);
	for (len = 0; len <= strlen(native_ex); len++) {
		ret = parse(HMMPD_BODY_TYPE, native_ex, len, &b, &err);
		assert_true(ret == 0 || ret == 400);
	}
	for (len = 0; len <= strlen(seed_body); len++) {
		ret = parse("application/binding", seed_body, len, &b, &err);
		assert_true(ret == 0 || ret == 400);
	}
	for (len = 0; len <= strlen(v2_ex); len++) {
		ret = parse(HMMPD_BODY_TYPE, v2_ex, len, &b, &err);
		assert_true(ret == 0 || ret == 400);
	}
	for (i = 0; i < 3000; i++) {
		char v2[sizeof(v2_ex)];
		int k, flips = 1 + rand_r(&seed) % 4;

		memcpy(v2, v2_ex, sizeof(v2));
		for (k = 0; k < flips; k++)
			v2[rand_r(&seed) % (int)strlen(v2_ex)] =
				(char)(rand_r(&seed) % 256);
		ret = parse(HMMPD_BODY_TYPE, v2, strlen(v2_ex), &b, &err);
		assert_true(ret == 0 || ret == 400);
		if (!ret)
			assert_int_equal(hmmpd_body_check(&b, NULL), 0);
	}
	for (i = 0; i < 3000; i++) {
		int k, flips = 1 + rand_r(&seed) % 4;

		memcpy(buf, native_ex, sizeof(buf));
		for (k = 0; k < flips; k++)
			buf[rand_r(&seed) % (int)strlen(native_ex)] =
				(char)(rand_r(&seed) % 256);
		ret = parse(i % 2 ? HMMPD_BODY_TYPE : "text/plain", buf,
			    strlen(native_ex), &b, &err);
		assert_true(ret == 0 || ret == 400);
		if (!ret)
			assert_int_equal(hmmpd_body_check(&b, NULL), 0);
	}
	hmmpd_body_free(&b);
}

static void test_unicast(void **state)
{
	(void)state;
	assert_true(hmmpd_addr_unicast(A("1.0.0.0")));
	assert_true(hmmpd_addr_unicast(A("9.10.11.12")));
	assert_true(hmmpd_addr_unicast(A("126.255.255.255")));
	assert_true(hmmpd_addr_unicast(A("128.0.0.0")));
	assert_true(hmmpd_addr_unicast(A("169.254.1.1")));
	assert_true(hmmpd_addr_unicast(A("223.255.255.255")));
	assert_false(hmmpd_addr_unicast(A("0.0.0.0")));
	assert_false(hmmpd_addr_unicast(A("0.255.255.255")));
	assert_false(hmmpd_addr_unicast(A("127.0.0.1")));
	assert_false(hmmpd_addr_unicast(A("224.0.0.0")));
	assert_false(hmmpd_addr_unicast(A("239.1.1.1")));
	assert_false(hmmpd_addr_unicast(A("240.0.0.1")));
	assert_false(hmmpd_addr_unicast(A("255.255.255.255")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_f1),
		cmocka_unit_test(test_seed_variants),
		cmocka_unit_test(test_seed_several),
		cmocka_unit_test(test_seed_bad),
		cmocka_unit_test(test_native_example),
		cmocka_unit_test(test_claim),
		cmocka_unit_test(test_native_liberal),
		cmocka_unit_test(test_native_bad),
		cmocka_unit_test(test_native_udp),
		cmocka_unit_test(test_native_isn),
		cmocka_unit_test(test_encap_names),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_answer_bad),
		cmocka_unit_test(test_answer_mutated),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_check_rules),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncated_and_mutated),
		cmocka_unit_test(test_unicast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
