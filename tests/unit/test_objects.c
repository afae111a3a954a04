// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/lib/objects.c. Records are built as the kernel
 * would send them, parsed and printed in both modes; the binding encoder is
 * checked against the decoder on random input.
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

#include <netlink/genl/genl.h>

#include "json_check.h"
#include "nl.h"
#include "objects.h"

#define FAMILY 0x21

static uint32_t ip(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct nl_msg *genl(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	assert_non_null(m);
	assert_non_null(genlmsg_put(m, 0, 0, FAMILY, 0, 0, cmd, 1));
	return m;
}

/* The attributes of a full connection record, all but those in skip. */
static void put_conn(struct nl_msg *m, uint32_t skip)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONN);

#define PUT(attr, fn, v) \
	if (!(skip & (1u << attr))) \
		assert_int_equal(fn(m, attr, v), 0)
	PUT(HMMP_CONN_A_ORIG_LOCAL, nla_put_u32, ip("192.0.2.1"));
	PUT(HMMP_CONN_A_PREV_LOCAL, nla_put_u32, ip("0.0.0.0"));
	PUT(HMMP_CONN_A_CUR_LOCAL, nla_put_u32, ip("192.0.2.1"));
	PUT(HMMP_CONN_A_REMOTE, nla_put_u32, ip("198.51.100.1"));
	PUT(HMMP_CONN_A_LPORT, nla_put_u16, htons(40000));
	PUT(HMMP_CONN_A_RPORT, nla_put_u16, htons(5001));
	PUT(HMMP_CONN_A_CL_ID, nla_put_u32, 3000000000u);
	PUT(HMMP_CONN_A_STATE, nla_put_u8, HMMP_CONN_SETUP_REQ);
	PUT(HMMP_CONN_A_OPENER, nla_put_u8, HMMP_OPENER_LOCAL);
	PUT(HMMP_CONN_A_AGE_MS, nla_put_u64, 1500);
	PUT(HMMP_CONN_A_IDLE_MS, nla_put_u64, 20);
	PUT(HMMP_CONN_A_PKTS_OUT, nla_put_u64, 1);
	PUT(HMMP_CONN_A_PKTS_IN, nla_put_u64, 0);
	PUT(HMMP_CONN_A_BYTES_OUT, nla_put_u64, 0);
	PUT(HMMP_CONN_A_BYTES_IN, nla_put_u64, 0);
	PUT(HMMP_CONN_A_HANDOFFS, nla_put_u32, 0);
	PUT(HMMP_CONN_A_ISN_LOCAL, nla_put_u32, 3000000000u);
	PUT(HMMP_CONN_A_ISN_REMOTE, nla_put_u32, 7);
	PUT(HMMP_CONN_A_CONFIRMED, nla_put_u8, 1);
#undef PUT
	nla_nest_end(m, n);
}

static struct nlattr *attr_of(struct nl_msg *m, int attr)
{
	struct nlattr *tb[HMMP_A_MAX + 1];

	assert_int_equal(hmmp_msg_parse(m, tb), 0);
	return tb[attr];
}

typedef void (*emit_fn)(struct hmmp_pr *p, void *arg);

static char *render(emit_fn emit, void *arg, bool json)
{
	struct hmmp_pr p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	pr_init(&p, f, json);
	emit(&p, arg);
	assert_int_equal(pr_end(&p), 0);
	fclose(f);
	return buf;
}

static void check(emit_fn emit, void *arg, const char *text, const char *json)
{
	char *out = render(emit, arg, false);

	assert_string_equal(out, text);
	free(out);
	out = render(emit, arg, true);
	assert_string_equal(out, json);
	if (*json && !json_lines_valid(out))
		fail_msg("invalid JSON: %s", out);
	free(out);
}

static void emit_conn(struct hmmp_pr *p, void *arg)
{
	pr_open_object(p, NULL);
	hmmp_conn_print(p, 0, arg);
	pr_close_object(p);
}

static void test_conn_parse_print(void **state)
{
	struct nl_msg *m = genl(HMMP_CMD_CONN_GET);
	struct hmmp_conn c;

	(void)state;
	put_conn(m, 0);
	assert_int_equal(hmmp_conn_parse(attr_of(m, HMMP_A_CONN), &c), 0);
	assert_int_equal(c.orig_local, ip("192.0.2.1"));
	assert_int_equal(c.remote, ip("198.51.100.1"));
	assert_int_equal(c.lport, 40000);
	assert_int_equal(c.rport, 5001);
	assert_int_equal(c.cl_id, 3000000000u);
	assert_int_equal(c.age_ms, 1500);
	assert_int_equal(c.isn_local, 3000000000u);
	assert_int_equal(c.isn_remote, 7);
	assert_int_equal(c.confirmed, 1);
	assert_int_equal(c.have, ((1u << (HMMP_CONN_A_MAX + 1)) - 1) & ~3u);
	check(emit_conn, &c,
	      "orig_local 192.0.2.1\nprev_local 0.0.0.0\ncur_local 192.0.2.1\n"
	      "remote 198.51.100.1\nlport 40000\nrport 5001\nstate setup_req\n"
	      "cl_id 3000000000\nisn_local 3000000000\nisn_remote 7\n"
	      "opener local\nconfirmed yes\npkts_out 1\npkts_in 0\n"
	      "bytes_out 0\nbytes_in 0\nage_ms 1500\nidle_ms 20\nhandoffs 0\n",
	      "{\"orig_local\":\"192.0.2.1\",\"prev_local\":\"0.0.0.0\","
	      "\"cur_local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
	      "\"lport\":40000,\"rport\":5001,\"state\":\"setup_req\","
	      "\"cl_id\":3000000000,\"isn_local\":3000000000,\"isn_remote\":7,"
	      "\"opener\":\"local\",\"confirmed\":true,\"pkts_out\":1,"
	      "\"pkts_in\":0,\"bytes_out\":0,\"bytes_in\":0,\"age_ms\":1500,"
	      "\"idle_ms\":20,\"handoffs\":0}\n");
	nlmsg_free(m);
}

/* Optional attributes missing are left out, never shown as 0. */
static void test_conn_optional(void **state)
{
	uint32_t skip = 1u << HMMP_CONN_A_PREV_LOCAL | 1u << HMMP_CONN_A_CL_ID |
			1u << HMMP_CONN_A_OPENER | 1u << HMMP_CONN_A_AGE_MS |
			1u << HMMP_CONN_A_IDLE_MS | 1u << HMMP_CONN_A_PKTS_OUT |
			1u << HMMP_CONN_A_PKTS_IN | 1u << HMMP_CONN_A_BYTES_OUT |
			1u << HMMP_CONN_A_BYTES_IN | 1u << HMMP_CONN_A_HANDOFFS |
			1u << HMMP_CONN_A_ISN_LOCAL | 1u << HMMP_CONN_A_ISN_REMOTE |
			1u << HMMP_CONN_A_CONFIRMED;
	struct nl_msg *m = genl(HMMP_CMD_CONN_GET);
	struct hmmp_conn c;

	(void)state;
	put_conn(m, skip);
	assert_int_equal(hmmp_conn_parse(attr_of(m, HMMP_A_CONN), &c), 0);
	check(emit_conn, &c,
	      "orig_local 192.0.2.1\ncur_local 192.0.2.1\nremote 198.51.100.1\n"
	      "lport 40000\nrport 5001\nstate setup_req\n",
	      "{\"orig_local\":\"192.0.2.1\",\"cur_local\":\"192.0.2.1\","
	      "\"remote\":\"198.51.100.1\",\"lport\":40000,\"rport\":5001,"
	      "\"state\":\"setup_req\"}\n");
	nlmsg_free(m);
}

/* The six attributes hmmp_conn_parse needs, in an open HMMP_A_CONN nest. */
static struct nlattr *put_conn_key(struct nl_msg *m)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONN);

	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ORIG_LOCAL, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_CUR_LOCAL, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_REMOTE, ip("198.51.100.1")), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_LPORT, htons(40000)), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_RPORT, htons(5001)), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_STATE, HMMP_CONN_ESTABLISHED), 0);
	return n;
}

#define CONN_KEY_TEXT \
	"orig_local 192.0.2.1\ncur_local 192.0.2.1\nremote 198.51.100.1\n" \
	"lport 40000\nrport 5001\nstate established\n"
#define CONN_KEY_JSON \
	"{\"orig_local\":\"192.0.2.1\",\"cur_local\":\"192.0.2.1\"," \
	"\"remote\":\"198.51.100.1\",\"lport\":40000,\"rport\":5001," \
	"\"state\":\"established\""

/* Each ISN only when the module sent it; 0 is an ISN, not "absent". */
static void test_conn_isn(void **state)
{
	struct hmmp_conn c;
	struct nl_msg *m;
	struct nlattr *n;

	(void)state;
	m = genl(HMMP_CMD_CONN_GET);
	n = put_conn_key(m);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ISN_REMOTE, 7), 0);
	nla_nest_end(m, n);
	assert_int_equal(hmmp_conn_parse(attr_of(m, HMMP_A_CONN), &c), 0);
	assert_false(HMMP_HAVE(&c, HMMP_CONN_A_ISN_LOCAL));
	assert_true(HMMP_HAVE(&c, HMMP_CONN_A_ISN_REMOTE));
	assert_int_equal(c.isn_remote, 7);
	check(emit_conn, &c, CONN_KEY_TEXT "isn_remote 7\n",
	      CONN_KEY_JSON ",\"isn_remote\":7}\n");
	nlmsg_free(m);

	m = genl(HMMP_CMD_CONN_GET);
	n = put_conn_key(m);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ISN_LOCAL, 0), 0);
	nla_nest_end(m, n);
	assert_int_equal(hmmp_conn_parse(attr_of(m, HMMP_A_CONN), &c), 0);
	assert_true(HMMP_HAVE(&c, HMMP_CONN_A_ISN_LOCAL));
	assert_false(HMMP_HAVE(&c, HMMP_CONN_A_ISN_REMOTE));
	check(emit_conn, &c, CONN_KEY_TEXT "isn_local 0\n",
	      CONN_KEY_JSON ",\"isn_local\":0}\n");
	nlmsg_free(m);

	/* the wrong length fails the policy: a 2-byte or 8-byte ISN */
	m = genl(HMMP_CMD_CONN_GET);
	n = put_conn_key(m);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_ISN_REMOTE, 7), 0);
	nla_nest_end(m, n);
	assert_int_equal(hmmp_conn_parse(attr_of(m, HMMP_A_CONN), &c), HMMP_NL_BAD);
	nlmsg_free(m);
	m = genl(HMMP_CMD_CONN_GET);
	n = put_conn_key(m);
	assert_int_equal(nla_put_u64(m, HMMP_CONN_A_ISN_LOCAL, 7), 0);
	nla_nest_end(m, n);
	assert_int_equal(hmmp_conn_parse(attr_of(m, HMMP_A_CONN), &c), HMMP_NL_BAD);
	nlmsg_free(m);
}

static void test_conn_required(void **state)
{
	static const int required[] = {
		HMMP_CONN_A_ORIG_LOCAL, HMMP_CONN_A_CUR_LOCAL, HMMP_CONN_A_REMOTE,
		HMMP_CONN_A_LPORT, HMMP_CONN_A_RPORT, HMMP_CONN_A_STATE,
	};
	struct hmmp_conn c;
	struct nl_msg *m;
	struct nlattr *n;
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(required); i++) {
		m = genl(HMMP_CMD_CONN_GET);
		put_conn(m, 1u << required[i]);
		assert_int_equal(hmmp_conn_parse(attr_of(m, HMMP_A_CONN), &c),
				 HMMP_NL_BAD);
		nlmsg_free(m);
	}
	assert_int_equal(hmmp_conn_parse(NULL, &c), HMMP_NL_BAD);
	/* a wrong length fails the policy: a 2-byte address */
	m = genl(HMMP_CMD_CONN_GET);
	n = nla_nest_start(m, HMMP_A_CONN);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_ORIG_LOCAL, 1), 0);
	nla_nest_end(m, n);
	assert_int_equal(hmmp_conn_parse(attr_of(m, HMMP_A_CONN), &c), HMMP_NL_BAD);
	nlmsg_free(m);
}

static void test_conn_unknown_enums(void **state)
{
	struct hmmp_conn c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.state = 42;
	c.opener = 7;
	HMMP_SET(&c, HMMP_CONN_A_OPENER);
	check(emit_conn, &c,
	      "orig_local 0.0.0.0\ncur_local 0.0.0.0\nremote 0.0.0.0\nlport 0\n"
	      "rport 0\nstate unknown(42)\nopener unknown(7)\n",
	      "{\"orig_local\":\"0.0.0.0\",\"cur_local\":\"0.0.0.0\","
	      "\"remote\":\"0.0.0.0\",\"lport\":0,\"rport\":0,"
	      "\"state\":\"unknown(42)\",\"opener\":\"unknown(7)\"}\n");
}

/* ---- bindings ---- */

static void emit_binding(struct hmmp_pr *p, void *arg)
{
	pr_open_object(p, NULL);
	hmmp_binding_print(p, 0, arg);
	pr_close_object(p);
}

static void test_binding_print(void **state)
{
	struct hmmp_binding b = {
		.orig = ip("192.0.2.1"), .coa = ip("203.0.113.5"),
		.peer = ip("198.51.100.1"), .encap = HMMP_ENCAP_MINIMAL,
		.kind = HMMP_BIND_CORRESPONDENT, .lifetime = 60,
		.expires_ms = 59000, .age_ms = 1000, .refresh_ms = 1000,
		.pkts_encap = 5, .bytes_encap = 500, .pkts_decap = 4,
		.bytes_decap = 400, .min_src = 1,
		.have = 0xffff & ~3u,
	};

	(void)state;
	check(emit_binding, &b,
	      "orig 192.0.2.1\ncoa 203.0.113.5\npeer 198.51.100.1\n"
	      "kind correspondent\nencap minimal\nlifetime 60\nexpires_ms 59000\n"
	      "age_ms 1000\nrefresh_ms 1000\npkts_encap 5\nbytes_encap 500\n"
	      "pkts_decap 4\nbytes_decap 400\nminsrc yes\n",
	      "{\"orig\":\"192.0.2.1\",\"coa\":\"203.0.113.5\","
	      "\"peer\":\"198.51.100.1\",\"kind\":\"correspondent\","
	      "\"encap\":\"minimal\",\"lifetime\":60,\"expires_ms\":59000,"
	      "\"age_ms\":1000,\"refresh_ms\":1000,\"pkts_encap\":5,"
	      "\"bytes_encap\":500,\"pkts_decap\":4,\"bytes_decap\":400,"
	      "\"minsrc\":true}\n");
	/* a udp binding: its port after the encapsulation */
	b.have = 1u << HMMP_BIND_A_ORIG | 1u << HMMP_BIND_A_COA |
		 1u << HMMP_BIND_A_ENCAP | 1u << HMMP_BIND_A_PORT |
		 1u << HMMP_BIND_A_LIFETIME;
	b.encap = HMMP_ENCAP_UDP;
	b.port = 61000;
	check(emit_binding, &b,
	      "orig 192.0.2.1\ncoa 203.0.113.5\nencap udp\nport 61000\n"
	      "lifetime 60\n",
	      "{\"orig\":\"192.0.2.1\",\"coa\":\"203.0.113.5\","
	      "\"encap\":\"udp\",\"port\":61000,\"lifetime\":60}\n");
	b.have = 1u << HMMP_BIND_A_ORIG | 1u << HMMP_BIND_A_KIND;
	b.kind = 9;
	check(emit_binding, &b, "orig 192.0.2.1\nkind unknown(9)\n",
	      "{\"orig\":\"192.0.2.1\",\"kind\":\"unknown(9)\"}\n");
}

/* hmmp_binding_put then hmmp_binding_parse gives back what was put. */
static void test_binding_roundtrip(void **state)
{
	static const int request_attrs[] = {
		HMMP_BIND_A_COA, HMMP_BIND_A_PEER, HMMP_BIND_A_ENCAP,
		HMMP_BIND_A_KIND, HMMP_BIND_A_LIFETIME, HMMP_BIND_A_MIN_SRC,
		HMMP_BIND_A_PORT,
	};
	unsigned int seed = 99;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		struct hmmp_binding in, out;
		struct nl_msg *m = genl(HMMP_CMD_BINDING_NEW);
		size_t j;

		memset(&in, 0, sizeof(in));
		HMMP_SET(&in, HMMP_BIND_A_ORIG);
		in.orig = (uint32_t)rand_r(&seed);
		for (j = 0; j < HMMP_ARRAY_SIZE(request_attrs); j++)
			if (rand_r(&seed) & 1)
				HMMP_SET(&in, request_attrs[j]);
		if (HMMP_HAVE(&in, HMMP_BIND_A_COA))
			in.coa = (uint32_t)rand_r(&seed);
		if (HMMP_HAVE(&in, HMMP_BIND_A_PEER))
			in.peer = (uint32_t)rand_r(&seed);
		if (HMMP_HAVE(&in, HMMP_BIND_A_ENCAP))
			in.encap = (uint8_t)rand_r(&seed);
		if (HMMP_HAVE(&in, HMMP_BIND_A_KIND))
			in.kind = (uint8_t)rand_r(&seed);
		if (HMMP_HAVE(&in, HMMP_BIND_A_LIFETIME))
			in.lifetime = (uint32_t)rand_r(&seed) << 1;
		if (HMMP_HAVE(&in, HMMP_BIND_A_MIN_SRC))
			in.min_src = 1;
		if (HMMP_HAVE(&in, HMMP_BIND_A_PORT))
			in.port = (uint16_t)rand_r(&seed);
		assert_int_equal(hmmp_binding_put(m, &in), 0);
		assert_int_equal(hmmp_binding_parse(attr_of(m, HMMP_A_BINDING), &out), 0);
		assert_memory_equal(&in, &out, sizeof(in));
		nlmsg_free(m);
	}
}

static void test_binding_parse_errors(void **state)
{
	struct hmmp_binding b;
	struct nl_msg *m = genl(HMMP_CMD_BINDING_GET);
	struct nlattr *n = nla_nest_start(m, HMMP_A_BINDING);

	(void)state;
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_COA, 1), 0);
	nla_nest_end(m, n);
	assert_int_equal(hmmp_binding_parse(attr_of(m, HMMP_A_BINDING), &b),
			 HMMP_NL_BAD);	/* no ORIG */
	nlmsg_free(m);
	assert_int_equal(hmmp_binding_parse(NULL, &b), HMMP_NL_BAD);
	m = genl(HMMP_CMD_BINDING_GET);
	n = nla_nest_start(m, HMMP_A_BINDING);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_ORIG, 1), 0);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_EXPIRES_MS, 1), 0); /* u64 */
	nla_nest_end(m, n);
	assert_int_equal(hmmp_binding_parse(attr_of(m, HMMP_A_BINDING), &b),
			 HMMP_NL_BAD);
	nlmsg_free(m);
	m = genl(HMMP_CMD_BINDING_GET);
	n = nla_nest_start(m, HMMP_A_BINDING);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_ORIG, 1), 0);
	assert_int_equal(nla_put_u8(m, HMMP_BIND_A_PORT, 1), 0);	/* be16 */
	nla_nest_end(m, n);
	assert_int_equal(hmmp_binding_parse(attr_of(m, HMMP_A_BINDING), &b),
			 HMMP_NL_BAD);
	nlmsg_free(m);
	/* the port is big-endian on the wire, host order in the record */
	m = genl(HMMP_CMD_BINDING_GET);
	n = nla_nest_start(m, HMMP_A_BINDING);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_ORIG, 1), 0);
	assert_int_equal(nla_put_u16(m, HMMP_BIND_A_PORT, htons(4500)), 0);
	nla_nest_end(m, n);
	assert_int_equal(hmmp_binding_parse(attr_of(m, HMMP_A_BINDING), &b), 0);
	assert_int_equal(b.port, 4500);
	assert_true(HMMP_HAVE(&b, HMMP_BIND_A_PORT));
	nlmsg_free(m);
}

/* ---- connection translations ---- */

/* All attributes of a translation as the module dumps it, but skip's. */
static void put_xlate(struct nl_msg *m, uint32_t skip, bool udp)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_XLATE);

#define PUT(attr, fn, v) \
	if (!(skip & (1u << attr))) \
		assert_int_equal(fn(m, attr, v), 0)
	PUT(HMMP_XLATE_A_LADDR, nla_put_u32, ip("192.0.2.1"));
	PUT(HMMP_XLATE_A_LPORT, nla_put_u16, htons(40000));
	PUT(HMMP_XLATE_A_RADDR, nla_put_u32, ip("198.51.100.1"));
	PUT(HMMP_XLATE_A_RPORT, nla_put_u16, htons(5001));
	PUT(HMMP_XLATE_A_PEER_LADDR, nla_put_u32, ip("10.0.0.7"));
	PUT(HMMP_XLATE_A_PEER_LPORT, nla_put_u16, htons(5001));
	PUT(HMMP_XLATE_A_PEER_RADDR, nla_put_u32, ip("203.0.113.9"));
	PUT(HMMP_XLATE_A_PEER_RPORT, nla_put_u16, htons(61000));
	PUT(HMMP_XLATE_A_COA, nla_put_u32, ip("203.0.113.5"));
	if (udp)
		PUT(HMMP_XLATE_A_PORT, nla_put_u16, htons(4500));
	PUT(HMMP_XLATE_A_ENCAP, nla_put_u8, udp ? HMMP_ENCAP_UDP : HMMP_ENCAP_IPIP);
	PUT(HMMP_XLATE_A_LIFETIME, nla_put_u32, 60);
	PUT(HMMP_XLATE_A_EXPIRES_MS, nla_put_u64, 59000);
	PUT(HMMP_XLATE_A_AGE_MS, nla_put_u64, 1000);
	PUT(HMMP_XLATE_A_PKTS_ENCAP, nla_put_u64, 5);
	PUT(HMMP_XLATE_A_BYTES_ENCAP, nla_put_u64, 1ULL << 40);
	PUT(HMMP_XLATE_A_PKTS_DECAP, nla_put_u64, 4);
	PUT(HMMP_XLATE_A_BYTES_DECAP, nla_put_u64, 400);
#undef PUT
	nla_nest_end(m, n);
}

static void emit_xlate(struct hmmp_pr *p, void *arg)
{
	pr_open_object(p, NULL);
	hmmp_xlate_print(p, 0, arg);
	pr_close_object(p);
}

/* A table of one row, as xlate show prints it. */
static void emit_xlate_row(struct hmmp_pr *p, void *arg)
{
	pr_open_array(p, NULL);
	emit_xlate(p, arg);
	pr_close_array(p);
}

static void test_xlate_parse_print(void **state)
{
	struct nl_msg *m = genl(HMMP_CMD_XLATE_GET);
	struct hmmp_xlate x;

	(void)state;
	put_xlate(m, 0, true);
	assert_int_equal(hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &x), 0);
	assert_int_equal(x.have, ((1u << (HMMP_XLATE_A_MAX + 1)) - 1) & ~3u);
	assert_int_equal(x.laddr, ip("192.0.2.1"));
	assert_int_equal(x.lport, 40000);
	assert_int_equal(x.raddr, ip("198.51.100.1"));
	assert_int_equal(x.rport, 5001);
	assert_int_equal(x.peer_laddr, ip("10.0.0.7"));
	assert_int_equal(x.peer_lport, 5001);
	assert_int_equal(x.peer_raddr, ip("203.0.113.9"));
	assert_int_equal(x.peer_rport, 61000);
	assert_int_equal(x.coa, ip("203.0.113.5"));
	assert_int_equal(x.port, 4500);
	assert_int_equal(x.encap, HMMP_ENCAP_UDP);
	assert_int_equal(x.lifetime, 60);
	assert_int_equal(x.expires_ms, 59000);
	assert_int_equal(x.age_ms, 1000);
	assert_int_equal(x.pkts_encap, 5);
	assert_int_equal(x.bytes_encap, 1ULL << 40);
	assert_int_equal(x.pkts_decap, 4);
	assert_int_equal(x.bytes_decap, 400);
	check(emit_xlate, &x,
	      "laddr 192.0.2.1\nlport 40000\nraddr 198.51.100.1\nrport 5001\n"
	      "peer_laddr 10.0.0.7\npeer_lport 5001\npeer_raddr 203.0.113.9\n"
	      "peer_rport 61000\ncoa 203.0.113.5\nport 4500\nencap udp\n"
	      "lifetime 60\nexpires_ms 59000\nage_ms 1000\npkts_encap 5\n"
	      "bytes_encap 1099511627776\npkts_decap 4\nbytes_decap 400\n",
	      "{\"laddr\":\"192.0.2.1\",\"lport\":40000,\"raddr\":\"198.51.100.1\","
	      "\"rport\":5001,\"peer_laddr\":\"10.0.0.7\",\"peer_lport\":5001,"
	      "\"peer_raddr\":\"203.0.113.9\",\"peer_rport\":61000,"
	      "\"coa\":\"203.0.113.5\",\"port\":4500,\"encap\":\"udp\","
	      "\"lifetime\":60,\"expires_ms\":59000,\"age_ms\":1000,"
	      "\"pkts_encap\":5,\"bytes_encap\":1099511627776,\"pkts_decap\":4,"
	      "\"bytes_decap\":400}\n");
	/* as a row of xlate show: one line under the header */
	check(emit_xlate_row, &x,
	      "laddr      lport  raddr         rport  peer_laddr  peer_lport  peer_raddr   peer_rport  coa          port  encap  lifetime  expires_ms  age_ms  pkts_encap  bytes_encap    pkts_decap  bytes_decap\n"
	      "192.0.2.1  40000  198.51.100.1  5001   10.0.0.7    5001        203.0.113.9  61000       203.0.113.5  4500  udp    60        59000       1000    5           1099511627776  4           400\n",
	      "[{\"laddr\":\"192.0.2.1\",\"lport\":40000,\"raddr\":\"198.51.100.1\","
	      "\"rport\":5001,\"peer_laddr\":\"10.0.0.7\",\"peer_lport\":5001,"
	      "\"peer_raddr\":\"203.0.113.9\",\"peer_rport\":61000,"
	      "\"coa\":\"203.0.113.5\",\"port\":4500,\"encap\":\"udp\","
	      "\"lifetime\":60,\"expires_ms\":59000,\"age_ms\":1000,"
	      "\"pkts_encap\":5,\"bytes_encap\":1099511627776,\"pkts_decap\":4,"
	      "\"bytes_decap\":400}]\n");
	nlmsg_free(m);

	/* ipip: no port key at all */
	m = genl(HMMP_CMD_XLATE_GET);
	put_xlate(m, 0, false);
	assert_int_equal(hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &x), 0);
	assert_false(HMMP_HAVE(&x, HMMP_XLATE_A_PORT));
	assert_int_equal(x.port, 0);
	check(emit_xlate, &x,
	      "laddr 192.0.2.1\nlport 40000\nraddr 198.51.100.1\nrport 5001\n"
	      "peer_laddr 10.0.0.7\npeer_lport 5001\npeer_raddr 203.0.113.9\n"
	      "peer_rport 61000\ncoa 203.0.113.5\nencap ipip\n"
	      "lifetime 60\nexpires_ms 59000\nage_ms 1000\npkts_encap 5\n"
	      "bytes_encap 1099511627776\npkts_decap 4\nbytes_decap 400\n",
	      "{\"laddr\":\"192.0.2.1\",\"lport\":40000,\"raddr\":\"198.51.100.1\","
	      "\"rport\":5001,\"peer_laddr\":\"10.0.0.7\",\"peer_lport\":5001,"
	      "\"peer_raddr\":\"203.0.113.9\",\"peer_rport\":61000,"
	      "\"coa\":\"203.0.113.5\",\"encap\":\"ipip\","
	      "\"lifetime\":60,\"expires_ms\":59000,\"age_ms\":1000,"
	      "\"pkts_encap\":5,\"bytes_encap\":1099511627776,\"pkts_decap\":4,"
	      "\"bytes_decap\":400}\n");
	nlmsg_free(m);
}

/* The key only: the rest is left out, never shown as 0; enums it does not know. */
static void test_xlate_optional(void **state)
{
	uint32_t skip = ((1u << (HMMP_XLATE_A_MAX + 1)) - 1) &
			~(1u << HMMP_XLATE_A_LADDR | 1u << HMMP_XLATE_A_LPORT |
			  1u << HMMP_XLATE_A_RADDR | 1u << HMMP_XLATE_A_RPORT);
	struct nl_msg *m = genl(HMMP_CMD_XLATE_GET);
	struct hmmp_xlate x;

	(void)state;
	put_xlate(m, skip, true);
	assert_int_equal(hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &x), 0);
	assert_int_equal(x.have, 1u << HMMP_XLATE_A_LADDR | 1u << HMMP_XLATE_A_LPORT |
			 1u << HMMP_XLATE_A_RADDR | 1u << HMMP_XLATE_A_RPORT);
	check(emit_xlate, &x,
	      "laddr 192.0.2.1\nlport 40000\nraddr 198.51.100.1\nrport 5001\n",
	      "{\"laddr\":\"192.0.2.1\",\"lport\":40000,\"raddr\":\"198.51.100.1\","
	      "\"rport\":5001}\n");
	nlmsg_free(m);

	HMMP_SET(&x, HMMP_XLATE_A_ENCAP);
	x.encap = 9;
	check(emit_xlate, &x,
	      "laddr 192.0.2.1\nlport 40000\nraddr 198.51.100.1\nrport 5001\n"
	      "encap unknown(9)\n",
	      "{\"laddr\":\"192.0.2.1\",\"lport\":40000,\"raddr\":\"198.51.100.1\","
	      "\"rport\":5001,\"encap\":\"unknown(9)\"}\n");
}

/* The key with attr at the length of its type: parsed. */
static void good_len(int attr)
{
	static const char zeros[8];
	struct nl_msg *m = genl(HMMP_CMD_XLATE_GET);
	struct nlattr *n = nla_nest_start(m, HMMP_A_XLATE);
	struct hmmp_xlate x;
	int len;

	switch (attr) {
	case HMMP_XLATE_A_LPORT: case HMMP_XLATE_A_RPORT:
	case HMMP_XLATE_A_PEER_LPORT: case HMMP_XLATE_A_PEER_RPORT:
	case HMMP_XLATE_A_PORT:
		len = 2;
		break;
	case HMMP_XLATE_A_ENCAP:
		len = 1;
		break;
	case HMMP_XLATE_A_EXPIRES_MS: case HMMP_XLATE_A_AGE_MS:
	case HMMP_XLATE_A_PKTS_ENCAP: case HMMP_XLATE_A_BYTES_ENCAP:
	case HMMP_XLATE_A_PKTS_DECAP: case HMMP_XLATE_A_BYTES_DECAP:
		len = 8;
		break;
	default:
		len = 4;
	}
	assert_int_equal(nla_put(m, attr, len, zeros), 0);
	if (attr != HMMP_XLATE_A_LADDR)
		assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_LADDR, 1), 0);
	if (attr != HMMP_XLATE_A_LPORT)
		assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_LPORT, 1), 0);
	if (attr != HMMP_XLATE_A_RADDR)
		assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_RADDR, 1), 0);
	if (attr != HMMP_XLATE_A_RPORT)
		assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_RPORT, 1), 0);
	nla_nest_end(m, n);
	if (hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &x))
		fail_msg("attribute %d of %d bytes refused", attr, len);
	nlmsg_free(m);
}

static void test_xlate_parse_errors(void **state)
{
	static const int key[] = {
		HMMP_XLATE_A_LADDR, HMMP_XLATE_A_LPORT, HMMP_XLATE_A_RADDR,
		HMMP_XLATE_A_RPORT,
	};
	/* every attribute at a length one size off its own */
	static const struct {
		int attr;
		int len;
	} bad[] = {
		{ HMMP_XLATE_A_LADDR, 2 }, { HMMP_XLATE_A_LADDR, 8 },
		{ HMMP_XLATE_A_LPORT, 1 }, { HMMP_XLATE_A_LPORT, 4 },
		{ HMMP_XLATE_A_RADDR, 2 }, { HMMP_XLATE_A_RADDR, 8 },
		{ HMMP_XLATE_A_RPORT, 1 }, { HMMP_XLATE_A_RPORT, 4 },
		{ HMMP_XLATE_A_PEER_LADDR, 2 }, { HMMP_XLATE_A_PEER_LADDR, 8 },
		{ HMMP_XLATE_A_PEER_LPORT, 1 }, { HMMP_XLATE_A_PEER_LPORT, 4 },
		{ HMMP_XLATE_A_PEER_RADDR, 2 }, { HMMP_XLATE_A_PEER_RADDR, 8 },
		{ HMMP_XLATE_A_PEER_RPORT, 1 }, { HMMP_XLATE_A_PEER_RPORT, 4 },
		{ HMMP_XLATE_A_COA, 2 }, { HMMP_XLATE_A_COA, 8 },
		{ HMMP_XLATE_A_PORT, 1 }, { HMMP_XLATE_A_PORT, 4 },
		{ HMMP_XLATE_A_ENCAP, 0 }, { HMMP_XLATE_A_ENCAP, 2 },
		{ HMMP_XLATE_A_LIFETIME, 2 }, { HMMP_XLATE_A_LIFETIME, 8 },
		{ HMMP_XLATE_A_EXPIRES_MS, 4 }, { HMMP_XLATE_A_EXPIRES_MS, 16 },
		{ HMMP_XLATE_A_AGE_MS, 4 }, { HMMP_XLATE_A_PKTS_ENCAP, 4 },
		{ HMMP_XLATE_A_BYTES_ENCAP, 4 }, { HMMP_XLATE_A_PKTS_DECAP, 4 },
		{ HMMP_XLATE_A_BYTES_DECAP, 4 },
	};
	static const char zeros[16];
	struct hmmp_xlate x;
	struct nl_msg *m;
	struct nlattr *n;
	size_t i;

	(void)state;
	assert_int_equal(hmmp_xlate_parse(NULL, &x), HMMP_NL_BAD);
	/* the key: each of its four refused missing */
	for (i = 0; i < HMMP_ARRAY_SIZE(key); i++) {
		m = genl(HMMP_CMD_XLATE_GET);
		put_xlate(m, 1u << key[i], true);
		assert_int_equal(hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &x),
				 HMMP_NL_BAD);
		nlmsg_free(m);
	}
	m = genl(HMMP_CMD_XLATE_GET);
	n = nla_nest_start(m, HMMP_A_XLATE);
	nla_nest_end(m, n);
	assert_int_equal(hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &x), HMMP_NL_BAD);
	nlmsg_free(m);
	/*
	 * One attribute at a wrong length, then the rest of the key: only
	 * the bad one can fail it. The same record with the attribute at its
	 * own length parses (good_len), so the test can fail.
	 */
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		m = genl(HMMP_CMD_XLATE_GET);
		n = nla_nest_start(m, HMMP_A_XLATE);
		assert_int_equal(nla_put(m, bad[i].attr, bad[i].len, zeros), 0);
		if (bad[i].attr != HMMP_XLATE_A_LADDR)
			assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_LADDR, 1), 0);
		if (bad[i].attr != HMMP_XLATE_A_LPORT)
			assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_LPORT, 1), 0);
		if (bad[i].attr != HMMP_XLATE_A_RADDR)
			assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_RADDR, 1), 0);
		if (bad[i].attr != HMMP_XLATE_A_RPORT)
			assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_RPORT, 1), 0);
		nla_nest_end(m, n);
		if (hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &x) != HMMP_NL_BAD)
			fail_msg("attribute %d of %d bytes accepted", bad[i].attr,
				 bad[i].len);
		nlmsg_free(m);
		good_len(bad[i].attr);
	}
	/* the ports are big-endian on the wire, host order in the record */
	m = genl(HMMP_CMD_XLATE_GET);
	put_xlate(m, 0, true);
	assert_int_equal(hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &x), 0);
	assert_int_equal(x.peer_rport, 61000);
	assert_int_equal(x.port, 4500);
	nlmsg_free(m);
}

/* hmmp_xlate_put then hmmp_xlate_parse gives back what was put. */
static void test_xlate_roundtrip(void **state)
{
	static const int request_attrs[] = {
		HMMP_XLATE_A_PEER_LADDR, HMMP_XLATE_A_PEER_LPORT,
		HMMP_XLATE_A_PEER_RADDR, HMMP_XLATE_A_PEER_RPORT,
		HMMP_XLATE_A_COA, HMMP_XLATE_A_PORT, HMMP_XLATE_A_ENCAP,
		HMMP_XLATE_A_LIFETIME,
	};
	unsigned int seed = 13;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		struct hmmp_xlate in, out;
		struct nl_msg *m = genl(HMMP_CMD_XLATE_NEW);
		size_t j;

		memset(&in, 0, sizeof(in));
		HMMP_SET(&in, HMMP_XLATE_A_LADDR);
		HMMP_SET(&in, HMMP_XLATE_A_LPORT);
		HMMP_SET(&in, HMMP_XLATE_A_RADDR);
		HMMP_SET(&in, HMMP_XLATE_A_RPORT);
		in.laddr = (uint32_t)rand_r(&seed) << 1 ^ (uint32_t)rand_r(&seed);
		in.lport = (uint16_t)rand_r(&seed);
		in.raddr = (uint32_t)rand_r(&seed) << 1 ^ (uint32_t)rand_r(&seed);
		in.rport = (uint16_t)rand_r(&seed);
		for (j = 0; j < HMMP_ARRAY_SIZE(request_attrs); j++)
			if (rand_r(&seed) & 1)
				HMMP_SET(&in, request_attrs[j]);
		if (HMMP_HAVE(&in, HMMP_XLATE_A_PEER_LADDR))
			in.peer_laddr = (uint32_t)rand_r(&seed) << 1;
		if (HMMP_HAVE(&in, HMMP_XLATE_A_PEER_LPORT))
			in.peer_lport = (uint16_t)rand_r(&seed);
		if (HMMP_HAVE(&in, HMMP_XLATE_A_PEER_RADDR))
			in.peer_raddr = (uint32_t)rand_r(&seed) << 1;
		if (HMMP_HAVE(&in, HMMP_XLATE_A_PEER_RPORT))
			in.peer_rport = (uint16_t)rand_r(&seed);
		if (HMMP_HAVE(&in, HMMP_XLATE_A_COA))
			in.coa = (uint32_t)rand_r(&seed) << 1;
		if (HMMP_HAVE(&in, HMMP_XLATE_A_PORT))
			in.port = (uint16_t)rand_r(&seed);
		if (HMMP_HAVE(&in, HMMP_XLATE_A_ENCAP))
			in.encap = (uint8_t)rand_r(&seed);
		if (HMMP_HAVE(&in, HMMP_XLATE_A_LIFETIME))
			in.lifetime = (uint32_t)rand_r(&seed) << 1;
		assert_int_equal(hmmp_xlate_put(m, &in), 0);
		assert_int_equal(hmmp_xlate_parse(attr_of(m, HMMP_A_XLATE), &out), 0);
		assert_memory_equal(&in, &out, sizeof(in));
		nlmsg_free(m);
	}
}

/* A request carries what it has and nothing of the reply side. */
static void test_xlate_put(void **state)
{
	struct hmmp_xlate x = {
		.laddr = ip("192.0.2.1"), .lport = 40000,
		.raddr = ip("198.51.100.1"), .rport = 5001,
		.expires_ms = 5, .age_ms = 6, .pkts_encap = 7, .bytes_encap = 8,
		.pkts_decap = 9, .bytes_decap = 10, .coa = ip("203.0.113.5"),
	};
	struct nlattr *tb[HMMP_XLATE_A_MAX + 1];
	struct nl_msg *m = genl(HMMP_CMD_XLATE_DEL);
	int i;

	(void)state;
	x.have = ((1u << (HMMP_XLATE_A_MAX + 1)) - 1) & ~3u;
	x.have &= ~(1u << HMMP_XLATE_A_COA);	/* set, but not had */
	assert_int_equal(hmmp_xlate_put(m, &x), 0);
	assert_int_equal(nla_parse_nested(tb, HMMP_XLATE_A_MAX,
					  attr_of(m, HMMP_A_XLATE), NULL), 0);
	for (i = HMMP_XLATE_A_EXPIRES_MS; i <= HMMP_XLATE_A_MAX; i++)
		assert_null(tb[i]);
	assert_null(tb[HMMP_XLATE_A_COA]);
	assert_int_equal(nla_len(tb[HMMP_XLATE_A_LPORT]), 2);
	assert_int_equal(ntohs(nla_get_u16(tb[HMMP_XLATE_A_LPORT])), 40000);
	assert_int_equal(nla_get_u32(tb[HMMP_XLATE_A_RADDR]), ip("198.51.100.1"));
	nlmsg_free(m);
}

/* ---- stats and config ---- */

struct nest_arg {
	int (*print)(struct hmmp_pr *, struct nlattr *);
	struct nlattr *nest;
	int ret;
};

static void emit_nest(struct hmmp_pr *p, void *arg)
{
	struct nest_arg *a = arg;

	pr_open_object(p, NULL);
	a->ret = a->print(p, a->nest);
	pr_close_object(p);
}

static void test_stats(void **state)
{
	struct nl_msg *m = genl(HMMP_CMD_STATS_GET);
	struct nlattr *n = nla_nest_start(m, HMMP_A_STATS);
	struct nest_arg a = { .print = hmmp_stats_print };

	(void)state;
	assert_int_equal(nla_put_u32(m, HMMP_STAT_A_CONN_COUNT, 3), 0);
	assert_int_equal(nla_put_u32(m, HMMP_STAT_A_CONN_MAX, 65536), 0);
	assert_int_equal(nla_put_u64(m, HMMP_STAT_A_PAD, 0), 0);
	assert_int_equal(nla_put_u64(m, HMMP_STAT_A_CONN_CREATED, 1ULL << 40), 0);
	assert_int_equal(nla_put_u64(m, 200, 5), 0);	/* a newer counter */
	assert_int_equal(nla_put_u64(m, HMMP_STAT_A_PMTU_SENT, 2), 0);
	assert_int_equal(nla_put_u64(m, HMMP_STAT_A_UDP_UNKNOWN, 7), 0);
	assert_int_equal(nla_put_u64(m, HMMP_STAT_A_UDP_NOSOCK, 1), 0);
	assert_int_equal(nla_put_u32(m, HMMP_STAT_A_XLATE_COUNT, 2), 0);
	assert_int_equal(nla_put_u64(m, HMMP_STAT_A_XLATE_TABLE_FULL, 0), 0);
	assert_int_equal(nla_put_u64(m, HMMP_STAT_A_XLATE_PKTS, 1ULL << 33), 0);
	nla_nest_end(m, n);
	a.nest = attr_of(m, HMMP_A_STATS);
	check(emit_nest, &a,
	      "conn_count 3\nconn_max 65536\nconn_created 1099511627776\npmtu_sent 2\n"
	      "udp_unknown 7\nudp_nosock 1\nxlate_count 2\nxlate_table_full 0\n"
	      "xlate_pkts 8589934592\n",
	      "{\"conn_count\":3,\"conn_max\":65536,\"conn_created\":1099511627776,"
	      "\"pmtu_sent\":2,\"udp_unknown\":7,\"udp_nosock\":1,"
	      "\"xlate_count\":2,\"xlate_table_full\":0,"
	      "\"xlate_pkts\":8589934592}\n");
	assert_int_equal(a.ret, 0);
	nlmsg_free(m);
}

static void test_stats_malformed(void **state)
{
	struct nl_msg *m = genl(HMMP_CMD_STATS_GET);
	struct nlattr *n = nla_nest_start(m, HMMP_A_STATS);
	struct nest_arg a = { .print = hmmp_stats_print };

	(void)state;
	assert_int_equal(nla_put_u32(m, HMMP_STAT_A_CONN_COUNT, 3), 0);
	assert_int_equal(nla_put_u16(m, HMMP_STAT_A_CONN_MAX, 1), 0);
	nla_nest_end(m, n);
	a.nest = attr_of(m, HMMP_A_STATS);
	/* nothing printed: checked before anything is written */
	check(emit_nest, &a, "", "{}\n");
	assert_int_equal(a.ret, HMMP_NL_BAD);
	a.nest = NULL;
	check(emit_nest, &a, "", "{}\n");
	assert_int_equal(a.ret, HMMP_NL_BAD);
	nlmsg_free(m);
}

static void test_config(void **state)
{
	struct nl_msg *m = genl(HMMP_CMD_CONFIG_GET);
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONFIG);
	struct nest_arg a = { .print = hmmp_config_print };
	int i;

	(void)state;
	/* in reverse order: printed in the table's order all the same */
	assert_int_equal(nla_put_u16(m, HMMP_CFG_A_UDP_PORT, htons(5060)), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CFG_A_BIND_MAX, 4096), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CFG_A_ROLES,
				     HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT), 0);
	for (i = HMMP_CFG_A_TIMEOUT_DISCONNECT; i >= HMMP_CFG_A_TABLE_MAX; i--)
		assert_int_equal(nla_put_u32(m, i, (uint32_t)i * 10), 0);
	nla_nest_end(m, n);
	a.nest = attr_of(m, HMMP_A_CONFIG);
	check(emit_nest, &a,
	      "table_max 10\ntimeout_setup 20\ntimeout_established 30\n"
	      "timeout_release 40\ntimeout_disconnect 50\n"
	      "roles mobile,correspondent\nbind_max 4096\nudp_port 5060\n",
	      "{\"table_max\":10,\"timeout_setup\":20,\"timeout_established\":30,"
	      "\"timeout_release\":40,\"timeout_disconnect\":50,"
	      "\"roles\":\"mobile,correspondent\",\"bind_max\":4096,"
	      "\"udp_port\":5060}\n");
	assert_int_equal(a.ret, 0);
	nlmsg_free(m);

	m = genl(HMMP_CMD_CONFIG_GET);
	n = nla_nest_start(m, HMMP_A_CONFIG);
	assert_int_equal(nla_put_u32(m, HMMP_CFG_A_ROLES, 0), 0);
	nla_nest_end(m, n);
	a.nest = attr_of(m, HMMP_A_CONFIG);
	check(emit_nest, &a, "roles none\n", "{\"roles\":\"none\"}\n");
	nlmsg_free(m);

	m = genl(HMMP_CMD_CONFIG_GET);
	n = nla_nest_start(m, HMMP_A_CONFIG);
	assert_int_equal(nla_put_u8(m, HMMP_CFG_A_ROLES, 1), 0);
	nla_nest_end(m, n);
	a.nest = attr_of(m, HMMP_A_CONFIG);
	check(emit_nest, &a, "", "{}\n");
	assert_int_equal(a.ret, HMMP_NL_BAD);
	nlmsg_free(m);

	/* no tunnel socket: port 0; a udp_port of the wrong length is bad */
	m = genl(HMMP_CMD_CONFIG_GET);
	n = nla_nest_start(m, HMMP_A_CONFIG);
	assert_int_equal(nla_put_u16(m, HMMP_CFG_A_UDP_PORT, 0), 0);
	nla_nest_end(m, n);
	a.nest = attr_of(m, HMMP_A_CONFIG);
	check(emit_nest, &a, "udp_port 0\n", "{\"udp_port\":0}\n");
	assert_int_equal(a.ret, 0);
	nlmsg_free(m);
	m = genl(HMMP_CMD_CONFIG_GET);
	n = nla_nest_start(m, HMMP_A_CONFIG);
	assert_int_equal(nla_put_u8(m, HMMP_CFG_A_UDP_PORT, 1), 0);
	nla_nest_end(m, n);
	a.nest = attr_of(m, HMMP_A_CONFIG);
	check(emit_nest, &a, "", "{}\n");
	assert_int_equal(a.ret, HMMP_NL_BAD);
	nlmsg_free(m);
}

static void test_msg_parse(void **state)
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct nl_msg *m = genl(HMMP_CMD_HANDOFF);

	(void)state;
	assert_int_equal(nla_put_u8(m, HMMP_A_COUNT, 1), 0);	/* u32 */
	assert_int_equal(hmmp_msg_parse(m, tb), HMMP_NL_BAD);
	assert_int_equal(hmmp_msg_cmd(m), HMMP_CMD_HANDOFF);
	nlmsg_free(m);
	m = nlmsg_alloc_simple(FAMILY, 0);	/* no genl header */
	assert_int_equal(hmmp_msg_parse(m, tb), HMMP_NL_BAD);
	assert_int_equal(hmmp_msg_cmd(m), -1);
	nlmsg_free(m);
}

/* ---- events ---- */

static void emit_event(struct hmmp_pr *p, void *arg)
{
	assert_int_equal(hmmp_event_print(p, arg), 0);
}

static void check_event(struct nl_msg *m, const char *text, const char *json)
{
	check(emit_event, m, text, json);
	nlmsg_free(m);
}

static void test_event_conn(void **state)
{
	struct nl_msg *m;

	(void)state;
	m = genl(HMMP_CMD_EVENT_CONN_NEW);
	put_conn(m, 0);
	check_event(m,
		    "[EVENT] conn new 192.0.2.1:40000 -> 198.51.100.1:5001 state setup_req opener local\n",
		    "{\"event\":\"conn_new\",\"orig_local\":\"192.0.2.1\","
		    "\"prev_local\":\"0.0.0.0\",\"cur_local\":\"192.0.2.1\","
		    "\"remote\":\"198.51.100.1\",\"lport\":40000,\"rport\":5001,"
		    "\"state\":\"setup_req\",\"cl_id\":3000000000,"
		    "\"isn_local\":3000000000,\"isn_remote\":7,\"opener\":\"local\","
		    "\"confirmed\":true,\"pkts_out\":1,\"pkts_in\":0,\"bytes_out\":0,\"bytes_in\":0,"
		    "\"age_ms\":1500,\"idle_ms\":20,\"handoffs\":0}\n");

	m = genl(HMMP_CMD_EVENT_CONN_ESTABLISHED);
	/* no opener, no counters, no ISNs, no confirmed */
	put_conn(m, 0x7ffu << HMMP_CONN_A_OPENER);
	check_event(m,
		    "[EVENT] conn established 192.0.2.1:40000 -> 198.51.100.1:5001 state setup_req\n",
		    "{\"event\":\"conn_established\",\"orig_local\":\"192.0.2.1\","
		    "\"prev_local\":\"0.0.0.0\",\"cur_local\":\"192.0.2.1\","
		    "\"remote\":\"198.51.100.1\",\"lport\":40000,\"rport\":5001,"
		    "\"state\":\"setup_req\",\"cl_id\":3000000000}\n");
}

static void test_event_conn_closed(void **state)
{
	struct nl_msg *m = genl(HMMP_CMD_EVENT_CONN_CLOSED);
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONN);

	(void)state;
	/* a handed-off record: the current address differs */
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ORIG_LOCAL, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_CUR_LOCAL, ip("203.0.113.5")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_REMOTE, ip("198.51.100.1")), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_LPORT, htons(40000)), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_RPORT, htons(5001)), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_STATE, HMMP_CONN_DISCONNECT), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_OPENER, HMMP_OPENER_REMOTE), 0);
	nla_nest_end(m, n);
	assert_int_equal(nla_put_u8(m, HMMP_A_REASON, HMMP_REASON_RESET), 0);
	check_event(m,
		    "[EVENT] conn closed 192.0.2.1:40000 -> 198.51.100.1:5001 state disconnect opener remote cur 203.0.113.5 reason reset\n",
		    "{\"event\":\"conn_closed\",\"orig_local\":\"192.0.2.1\","
		    "\"cur_local\":\"203.0.113.5\",\"remote\":\"198.51.100.1\","
		    "\"lport\":40000,\"rport\":5001,\"state\":\"disconnect\","
		    "\"opener\":\"remote\",\"reason\":\"reset\"}\n");
}

static void test_event_handoff(void **state)
{
	struct nl_msg *m;

	(void)state;
	m = genl(HMMP_CMD_EVENT_HANDOFF);
	assert_int_equal(nla_put_u32(m, HMMP_A_HANDOFF_OLD, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_A_HANDOFF_NEW, ip("203.0.113.5")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, 3), 0);
	check_event(m, "[EVENT] handoff 192.0.2.1 -> 203.0.113.5 moved 3\n",
		    "{\"event\":\"handoff\",\"old\":\"192.0.2.1\","
		    "\"new\":\"203.0.113.5\",\"moved\":3}\n");

	m = genl(HMMP_CMD_EVENT_HANDOFF);
	assert_int_equal(nla_put_u32(m, HMMP_A_HANDOFF_NEW, ip("203.0.113.5")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, 0), 0);
	check_event(m, "[EVENT] handoff any -> 203.0.113.5 moved 0\n",
		    "{\"event\":\"handoff\",\"new\":\"203.0.113.5\",\"moved\":0}\n");

	/* how the module says "every record": OLD 0.0.0.0 */
	m = genl(HMMP_CMD_EVENT_HANDOFF);
	assert_int_equal(nla_put_u32(m, HMMP_A_HANDOFF_OLD, 0), 0);
	assert_int_equal(nla_put_u32(m, HMMP_A_HANDOFF_NEW, ip("203.0.113.5")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, 12), 0);
	check_event(m, "[EVENT] handoff any -> 203.0.113.5 moved 12\n",
		    "{\"event\":\"handoff\",\"old\":\"0.0.0.0\","
		    "\"new\":\"203.0.113.5\",\"moved\":12}\n");
}

static void put_binding(struct nl_msg *m, bool full)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_BINDING);

	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_ORIG, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_COA, ip("203.0.113.5")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_PEER, ip("198.51.100.1")), 0);
	assert_int_equal(nla_put_u8(m, HMMP_BIND_A_KIND, HMMP_BIND_CORRESPONDENT), 0);
	if (full) {
		assert_int_equal(nla_put_u8(m, HMMP_BIND_A_ENCAP, HMMP_ENCAP_MINIMAL), 0);
		assert_int_equal(nla_put_u32(m, HMMP_BIND_A_LIFETIME, 60), 0);
		assert_int_equal(nla_put_u8(m, HMMP_BIND_A_MIN_SRC, 1), 0);
		assert_int_equal(nla_put_u64(m, HMMP_BIND_A_PKTS_ENCAP, 5), 0);
	}
	nla_nest_end(m, n);
}

static void test_event_binding(void **state)
{
	struct nl_msg *m;
	struct nlattr *n;

	(void)state;
	m = genl(HMMP_CMD_EVENT_BINDING_NEW);
	put_binding(m, true);
	check_event(m,
		    "[EVENT] binding new 192.0.2.1 coa 203.0.113.5 peer 198.51.100.1 kind correspondent encap minimal lifetime 60 minsrc\n",
		    "{\"event\":\"binding_new\",\"orig\":\"192.0.2.1\","
		    "\"coa\":\"203.0.113.5\",\"peer\":\"198.51.100.1\","
		    "\"kind\":\"correspondent\",\"encap\":\"minimal\","
		    "\"lifetime\":60,\"pkts_encap\":5,\"minsrc\":true}\n");

	m = genl(HMMP_CMD_EVENT_BINDING_NEW);
	n = nla_nest_start(m, HMMP_A_BINDING);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_ORIG, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_COA, ip("203.0.113.5")), 0);
	assert_int_equal(nla_put_u8(m, HMMP_BIND_A_ENCAP, HMMP_ENCAP_UDP), 0);
	assert_int_equal(nla_put_u16(m, HMMP_BIND_A_PORT, htons(61000)), 0);
	nla_nest_end(m, n);
	check_event(m,
		    "[EVENT] binding new 192.0.2.1 coa 203.0.113.5 encap udp port 61000\n",
		    "{\"event\":\"binding_new\",\"orig\":\"192.0.2.1\","
		    "\"coa\":\"203.0.113.5\",\"encap\":\"udp\",\"port\":61000}\n");

	m = genl(HMMP_CMD_EVENT_BINDING_DEL);
	put_binding(m, false);
	assert_int_equal(nla_put_u8(m, HMMP_A_REASON, HMMP_REASON_EXPIRED), 0);
	check_event(m,
		    "[EVENT] binding del 192.0.2.1 coa 203.0.113.5 peer 198.51.100.1 kind correspondent reason expired\n",
		    "{\"event\":\"binding_del\",\"orig\":\"192.0.2.1\","
		    "\"coa\":\"203.0.113.5\",\"peer\":\"198.51.100.1\","
		    "\"kind\":\"correspondent\",\"reason\":\"expired\"}\n");

	m = genl(HMMP_CMD_EVENT_BINDING_DEL);
	put_binding(m, false);
	assert_int_equal(nla_put_u8(m, HMMP_A_REASON, 77), 0);
	check_event(m,
		    "[EVENT] binding del 192.0.2.1 coa 203.0.113.5 peer 198.51.100.1 kind correspondent reason unknown(77)\n",
		    "{\"event\":\"binding_del\",\"orig\":\"192.0.2.1\","
		    "\"coa\":\"203.0.113.5\",\"peer\":\"198.51.100.1\","
		    "\"kind\":\"correspondent\",\"reason\":\"unknown(77)\"}\n");
}

static void test_event_unknown(void **state)
{
	char text[64], json[64];

	(void)state;
	snprintf(text, sizeof(text), "[EVENT] unknown cmd %d\n", HMMP_CMD_MAX + 1);
	snprintf(json, sizeof(json), "{\"event\":\"unknown\",\"cmd\":%d}\n",
		 HMMP_CMD_MAX + 1);
	check_event(genl(HMMP_CMD_MAX + 1), text, json);
	/* no event of its own: a translation command is not an event */
	snprintf(text, sizeof(text), "[EVENT] unknown cmd %d\n", HMMP_CMD_XLATE_NEW);
	snprintf(json, sizeof(json), "{\"event\":\"unknown\",\"cmd\":%d}\n",
		 HMMP_CMD_XLATE_NEW);
	check_event(genl(HMMP_CMD_XLATE_NEW), text, json);
}

static void emit_bad_event(struct hmmp_pr *p, void *arg)
{
	assert_int_equal(hmmp_event_print(p, arg), HMMP_NL_BAD);
}

static void check_bad_event(struct nl_msg *m)
{
	check(emit_bad_event, m, "", "");	/* and nothing printed */
	nlmsg_free(m);
}

static void test_event_malformed(void **state)
{
	struct nl_msg *m;

	(void)state;
	check_bad_event(genl(HMMP_CMD_EVENT_CONN_NEW));		/* no record */
	m = genl(HMMP_CMD_EVENT_CONN_CLOSED);
	put_conn(m, 1u << HMMP_CONN_A_STATE);
	check_bad_event(m);
	m = genl(HMMP_CMD_EVENT_HANDOFF);			/* no NEW */
	assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, 3), 0);
	check_bad_event(m);
	m = genl(HMMP_CMD_EVENT_HANDOFF);			/* no COUNT */
	assert_int_equal(nla_put_u32(m, HMMP_A_HANDOFF_NEW, 1), 0);
	check_bad_event(m);
	check_bad_event(genl(HMMP_CMD_EVENT_BINDING_NEW));	/* no record */
	m = genl(HMMP_CMD_EVENT_HANDOFF);			/* bad length */
	assert_int_equal(nla_put_u16(m, HMMP_A_HANDOFF_NEW, 1), 0);
	check_bad_event(m);
	check_bad_event(nlmsg_alloc_simple(FAMILY, 0));		/* not genl */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conn_parse_print),
		cmocka_unit_test(test_conn_optional),
		cmocka_unit_test(test_conn_isn),
		cmocka_unit_test(test_conn_required),
		cmocka_unit_test(test_conn_unknown_enums),
		cmocka_unit_test(test_binding_print),
		cmocka_unit_test(test_binding_roundtrip),
		cmocka_unit_test(test_binding_parse_errors),
		cmocka_unit_test(test_xlate_parse_print),
		cmocka_unit_test(test_xlate_optional),
		cmocka_unit_test(test_xlate_parse_errors),
		cmocka_unit_test(test_xlate_roundtrip),
		cmocka_unit_test(test_xlate_put),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_stats_malformed),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_msg_parse),
		cmocka_unit_test(test_event_conn),
		cmocka_unit_test(test_event_conn_closed),
		cmocka_unit_test(test_event_handoff),
		cmocka_unit_test(test_event_binding),
		cmocka_unit_test(test_event_unknown),
		cmocka_unit_test(test_event_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
