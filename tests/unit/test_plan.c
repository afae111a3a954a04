// SPDX-License-Identifier: GPL-2.0
/* Unit tests: userspace/hmmpd/core/plan.c (hand-off planning). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <uapi/linux/hmmp.h>

#include "core/plan.h"
#include "util.h"

static uint32_t A(const char *s)
{
	uint32_t a = 0;

	if (s && hmmp_addr_parse(s, &a))
		fail_msg("bad test address %s", s);
	return a;
}

static struct hmmp_conn C(const char *orig, const char *prev, const char *cur,
			  const char *remote, uint16_t lport, uint16_t rport,
			  uint8_t state)
{
	struct hmmp_conn c = {
		.orig_local = A(orig), .prev_local = A(prev),
		.cur_local = A(cur), .remote = A(remote),
		.lport = lport, .rport = rport, .state = state,
	};

	return c;
}

/* The plan as text: one header line per INFO, then its body as built. */
static char *render(const struct hmmpd_plan *p)
{
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap), a[HMMP_ADDRSTRLEN];
	unsigned int i;

	assert_non_null(out);
	out[0] = '\0';
	for (i = 0; i < p->n; i++) {
		const struct hmmpd_plan_info *in = &p->info[i];
		struct hmmpd_body_err err;
		int n;

		len += (size_t)snprintf(out + len, cap - len, "%s%s %s expires %u\n",
					i ? "\n" : "", hmmp_kind_name(in->kind),
					hmmp_addr_format(in->dest, a), in->expires);
		n = hmmpd_body_build(&in->body, out + len, cap - len, &err);
		if (n < 0)
			fail_msg("INFO %u: %s", i, err.reason);
		assert_true((size_t)n < cap - len);
		len += (size_t)n;
	}
	/* CRLF is the body's; LF reads better in the expectations */
	{
		char *r = out, *w = out;

		for (; *r; r++) {
			if (*r != '\r')
				*w++ = *r;
		}
		*w = '\0';
	}
	return out;
}

static struct hmmpd_plan_in base_in(const struct hmmp_conn *c, size_t n)
{
	struct hmmpd_plan_in in = {
		.conns = c, .nconns = n,
		.old_addr = A("10.1.0.5"), .new_addr = A("10.2.0.9"),
		.gateway = A("10.1.0.1"), .lifetime = 600,
		.gateway_lifetime = 10, .encap = HMMP_ENCAP_IPIP,
	};

	return in;
}

#define OLD "10.1.0.5"
#define NEW "10.2.0.9"

/* After HMMP_CMD_HANDOFF: moved records have cur = NEW, prev = OLD. */
static const struct {
	const char *orig, *prev, *cur, *remote;
	uint16_t lport, rport;
	uint8_t state;
} scenario[] = {
	{ OLD, OLD, NEW, "203.0.113.7", 40000, 22, HMMP_CONN_ESTABLISHED },
	{ OLD, OLD, NEW, "203.0.113.7", 40002, 443, HMMP_CONN_RELEASE_REQ },
	{ OLD, OLD, NEW, "198.51.100.3", 40010, 80, HMMP_CONN_SETUP_PROG },
	{ OLD, OLD, NEW, "198.51.100.3", 40011, 81, HMMP_CONN_DISCONNECT },
	{ OLD, OLD, NEW, "203.0.113.7", 40003, 8080, HMMP_CONN_RELEASE_ACK },
	/* from an earlier hand-off: another original address */
	{ "172.16.0.2", OLD, NEW, "203.0.113.7", 5001, 5001, HMMP_CONN_ESTABLISHED },
	/* opened from the new address: nothing to bind */
	{ NEW, NULL, NEW, "203.0.113.7", 41000, 25, HMMP_CONN_ESTABLISHED },
	/* on another address the hand-off did not move */
	{ OLD, NULL, "10.3.3.3", "203.0.113.9", 40020, 22, HMMP_CONN_ESTABLISHED },
	/* not a correspondent */
	{ OLD, OLD, NEW, "127.0.0.1", 40030, 22, HMMP_CONN_ESTABLISHED },
	{ OLD, OLD, NEW, NEW, 40031, 22, HMMP_CONN_ESTABLISHED },
	/* the first one again */
	{ OLD, OLD, NEW, "203.0.113.7", 40000, 22, HMMP_CONN_ESTABLISHED },
	{ OLD, OLD, NEW, "192.0.2.200", 40040, 5060, HMMP_CONN_SETUP_REQ },
};

static const char scenario_plan[] =
	"router 10.1.0.1 expires 10\n"
	"Version: 1\n"
	"Bind: 10.1.0.5 to 10.2.0.9; lifetime=10; encap=ipip; kind=router\n"
	"\n"
	"correspondent 192.0.2.200 expires 600\n"
	"Version: 1\n"
	"Bind: 10.1.0.5 to 10.2.0.9; lifetime=600; encap=ipip; kind=correspondent\n"
	"Conn: 10.1.0.5:40040 192.0.2.200:5060\n"
	"\n"
	"correspondent 198.51.100.3 expires 600\n"
	"Version: 1\n"
	"Bind: 10.1.0.5 to 10.2.0.9; lifetime=600; encap=ipip; kind=correspondent\n"
	"Conn: 10.1.0.5:40010 198.51.100.3:80\n"
	"\n"
	"correspondent 203.0.113.7 expires 600\n"
	"Version: 1\n"
	"Bind: 10.1.0.5 to 10.2.0.9; lifetime=600; encap=ipip; kind=correspondent\n"
	"Conn: 10.1.0.5:40000 203.0.113.7:22\n"
	"Conn: 10.1.0.5:40002 203.0.113.7:443\n"
	"Bind: 172.16.0.2 to 10.2.0.9; lifetime=600; encap=ipip; kind=correspondent\n"
	"Conn: 172.16.0.2:5001 203.0.113.7:5001\n";

static struct hmmp_conn *scenario_conns(bool before)
{
	struct hmmp_conn *c = calloc(HMMP_ARRAY_SIZE(scenario), sizeof(*c));
	size_t i;

	assert_non_null(c);
	for (i = 0; i < HMMP_ARRAY_SIZE(scenario); i++) {
		c[i] = C(scenario[i].orig, scenario[i].prev, scenario[i].cur,
			 scenario[i].remote, scenario[i].lport,
			 scenario[i].rport, scenario[i].state);
		/* before the hand-off, the moved records are still on OLD */
		if (before && c[i].cur_local == A(NEW) && c[i].orig_local != A(NEW)) {
			c[i].cur_local = A(OLD);
			c[i].prev_local = c[i].orig_local == A(OLD) ? 0 : c[i].orig_local;
		}
	}
	return c;
}

static void test_scenario(void **state)
{
	struct hmmp_conn *c = scenario_conns(false);
	struct hmmpd_plan_in in = base_in(c, HMMP_ARRAY_SIZE(scenario));
	struct hmmpd_plan p;
	char *text;

	(void)state;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	text = render(&p);
	assert_string_equal(text, scenario_plan);
	assert_int_equal(p.n, 4);
	assert_int_equal(p.info[0].kind, HMMP_BIND_ROUTER);
	assert_int_equal(p.info[3].dest, A("203.0.113.7"));
	assert_int_equal(p.covered, 5);
	assert_int_equal(p.released, 0);
	assert_int_equal(p.skipped_closing, 2);
	assert_int_equal(p.skipped_home, 1);
	assert_int_equal(p.skipped_other, 3);
	assert_int_equal(p.duplicates, 1);
	free(text);
	hmmpd_plan_free(&p);
	assert_int_equal(p.n, 0);
	assert_null(p.info);
	hmmpd_plan_free(&p);	/* twice is fine */
	free(c);
}

/* A dump taken before HMMP_CMD_HANDOFF plans the same. */
static void test_before_handoff(void **state)
{
	struct hmmp_conn *c = scenario_conns(true);
	struct hmmpd_plan_in in = base_in(c, HMMP_ARRAY_SIZE(scenario));
	struct hmmpd_plan p;
	char *text;

	(void)state;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	text = render(&p);
	assert_string_equal(text, scenario_plan);
	free(text);
	hmmpd_plan_free(&p);
	free(c);
}

/* The input's order never shows. */
static void test_order_independent(void **state)
{
	struct hmmp_conn *c = scenario_conns(false);
	unsigned int seed = 7;
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		struct hmmpd_plan_in in = base_in(c, HMMP_ARRAY_SIZE(scenario));
		struct hmmpd_plan p;
		size_t i;
		char *text;

		for (i = HMMP_ARRAY_SIZE(scenario) - 1; i > 0; i--) {
			size_t j = (size_t)rand_r(&seed) % (i + 1);
			struct hmmp_conn t = c[i];

			c[i] = c[j];
			c[j] = t;
		}
		assert_int_equal(hmmpd_plan_build(&in, &p), 0);
		text = render(&p);
		assert_string_equal(text, scenario_plan);
		free(text);
		hmmpd_plan_free(&p);
	}
	free(c);
}

/* A record's ISNs, as hmmp.ko reports them when it saw both SYNs. */
static void isns(struct hmmp_conn *c, uint32_t local, uint32_t remote)
{
	c->isn_local = local;
	c->isn_remote = remote;
	HMMP_SET(c, HMMP_CONN_A_ISN_LOCAL);
	HMMP_SET(c, HMMP_CONN_A_ISN_REMOTE);
}

/*
 * Records with both ISNs (opened by either side) carry their identity,
 * isn=<the mobile's>/<the correspondent's>, and make the body version 2;
 * picked-up records (no ISN, or one only) have none; releases carry it too;
 * a body without any stays version 1.
 */
static void test_identity(void **state)
{
	struct hmmp_conn c[7];
	struct hmmpd_plan_in in;
	struct hmmpd_plan p;
	char *text;
	unsigned int seed = 11;
	int round;

	(void)state;
	/* behind a home NAT: the original is a private address */
	c[0] = C("192.168.1.20", "192.168.1.20", NEW, "203.0.113.7", 40312, 22,
		 HMMP_CONN_ESTABLISHED);
	isns(&c[0], 3735928559u, 1234567890u);
	c[0].opener = HMMP_OPENER_LOCAL;
	/* opened by the correspondent: the same order, the mobile's first */
	c[1] = C("192.168.1.20", "192.168.1.20", NEW, "203.0.113.7", 8080, 50000,
		 HMMP_CONN_ESTABLISHED);
	isns(&c[1], 0, 4294967295u);
	c[1].opener = HMMP_OPENER_REMOTE;
	/* picked up mid-stream: no identity */
	c[2] = C("192.168.1.20", "192.168.1.20", NEW, "203.0.113.7", 40400, 443,
		 HMMP_CONN_ESTABLISHED);
	c[2].opener = HMMP_OPENER_PICKUP;
	/* only one ISN seen: no identity either */
	c[3] = C("192.168.1.20", "192.168.1.20", NEW, "203.0.113.7", 40401, 443,
		 HMMP_CONN_SETUP_REQ);
	c[3].isn_local = 77;
	HMMP_SET(&c[3], HMMP_CONN_A_ISN_LOCAL);
	/* another correspondent, no identities: version 1 as before */
	c[4] = C(OLD, OLD, NEW, "198.51.100.3", 40010, 80, HMMP_CONN_ESTABLISHED);
	/* home again: the release carries the identity */
	c[5] = C(NEW, OLD, NEW, "198.51.100.9", 40020, 22, HMMP_CONN_ESTABLISHED);
	isns(&c[5], 5, 6);
	/* the first again, as a dump may give it twice */
	c[6] = c[0];
	in = base_in(c, HMMP_ARRAY_SIZE(c));
	in.gateway = 0;
	for (round = 0; round < 50; round++) {
		size_t i;

		assert_int_equal(hmmpd_plan_build(&in, &p), 0);
		text = render(&p);
		assert_string_equal(text,
			"correspondent 198.51.100.3 expires 600\n"
			"Version: 1\n"
			"Bind: 10.1.0.5 to 10.2.0.9; lifetime=600; encap=ipip; kind=correspondent\n"
			"Conn: 10.1.0.5:40010 198.51.100.3:80\n"
			"\n"
			"correspondent 198.51.100.9 expires 0\n"
			"Version: 2\n"
			"Bind: 10.2.0.9 to 10.2.0.9; lifetime=0; encap=ipip; kind=correspondent\n"
			"Conn: 10.2.0.9:40020 198.51.100.9:22; isn=5/6\n"
			"\n"
			"correspondent 203.0.113.7 expires 600\n"
			"Version: 2\n"
			"Bind: 192.168.1.20 to 10.2.0.9; lifetime=600; encap=ipip; kind=correspondent\n"
			"Conn: 192.168.1.20:8080 203.0.113.7:50000; isn=0/4294967295\n"
			"Conn: 192.168.1.20:40312 203.0.113.7:22; isn=3735928559/1234567890\n"
			"Conn: 192.168.1.20:40400 203.0.113.7:443\n"
			"Conn: 192.168.1.20:40401 203.0.113.7:443\n");
		assert_int_equal(p.duplicates, 1);
		free(text);
		hmmpd_plan_free(&p);
		for (i = HMMP_ARRAY_SIZE(c) - 1; i > 0; i--) {
			size_t j = (size_t)rand_r(&seed) % (i + 1);
			struct hmmp_conn t = c[i];

			c[i] = c[j];
			c[j] = t;
		}
	}
}

static void test_gateway(void **state)
{
	struct hmmp_conn c = C(OLD, OLD, NEW, "203.0.113.7", 1, 2, HMMP_CONN_ESTABLISHED);
	struct hmmpd_plan_in in = base_in(&c, 1);
	struct hmmpd_plan p;
	char *text;

	(void)state;
	/* no connections at all: still the gateway's INFO */
	in.nconns = 0;
	in.conns = NULL;
	in.encap = HMMP_ENCAP_MINIMAL;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	text = render(&p);
	assert_string_equal(text,
			    "router 10.1.0.1 expires 10\n"
			    "Version: 1\n"
			    "Bind: 10.1.0.5 to 10.2.0.9; lifetime=10; encap=minimal; kind=router\n");
	free(text);
	hmmpd_plan_free(&p);

	/* no gateway INFO: unknown gateway, lifetime 0, old unknown... */
	{
		static const struct {
			const char *gw, *old;
			uint32_t life;
		} none[] = {
			{ NULL, OLD, 10 }, { "10.1.0.1", OLD, 0 },
			{ "10.1.0.1", NULL, 10 }, { "10.1.0.1", NEW, 10 },
			{ "0.0.0.0", OLD, 10 }, { "255.255.255.255", OLD, 10 },
			{ "10.1.0.1", "127.0.0.1", 10 }, { OLD, OLD, 10 },
			{ NEW, OLD, 10 },
		};
		size_t i;

		for (i = 0; i < HMMP_ARRAY_SIZE(none); i++) {
			in = base_in(&c, 1);
			in.gateway = A(none[i].gw);
			in.old_addr = A(none[i].old);
			in.gateway_lifetime = none[i].life;
			assert_int_equal(hmmpd_plan_build(&in, &p), 0);
			if (p.n != 1 || p.info[0].kind != HMMP_BIND_CORRESPONDENT)
				fail_msg("case %zu: %u INFOs", i, p.n);
			hmmpd_plan_free(&p);
		}
	}
}

/* old 0: every record moves, whatever its current address. */
static void test_old_unknown(void **state)
{
	struct hmmp_conn c[] = {
		C(OLD, NULL, OLD, "203.0.113.7", 1, 2, HMMP_CONN_ESTABLISHED),
		C("10.3.3.3", NULL, "10.3.3.3", "203.0.113.7", 3, 4, HMMP_CONN_ESTABLISHED),
	};
	struct hmmpd_plan_in in = base_in(c, 2);
	struct hmmpd_plan p;

	(void)state;
	in.old_addr = 0;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	assert_int_equal(p.n, 1);		/* no gateway INFO without old */
	assert_int_equal(p.info[0].body.nbind, 2);
	assert_int_equal(p.covered, 2);
	hmmpd_plan_free(&p);
	in.old_addr = A(OLD);
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	assert_int_equal(p.covered, 1);
	assert_int_equal(p.skipped_other, 1);
	hmmpd_plan_free(&p);
}

/* encap=udp writes our SIP port on the new address; auto says auto. */
static void test_udp_and_auto(void **state)
{
	struct hmmp_conn c[] = {
		C(OLD, NULL, OLD, "203.0.113.7", 40000, 22, HMMP_CONN_ESTABLISHED),
		/* home again: its release has no port */
		C(NEW, OLD, NEW, "198.51.100.3", 40001, 80, HMMP_CONN_ESTABLISHED),
	};
	struct hmmpd_plan_in in = base_in(c, HMMP_ARRAY_SIZE(c));
	struct hmmpd_plan p;
	char *text;

	(void)state;
	in.new_addr = A(NEW);
	in.old_addr = A(OLD);
	in.gateway = A("10.1.0.1");
	in.encap = HMMP_ENCAP_UDP;
	in.port = 5060;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	text = render(&p);
	assert_string_equal(text,
		"router 10.1.0.1 expires 10\n"
		"Version: 1\n"
		"Bind: 10.1.0.5 to 10.2.0.9:5060; lifetime=10; encap=udp; kind=router\n"
		"\n"
		"correspondent 198.51.100.3 expires 0\n"
		"Version: 1\n"
		"Bind: 10.2.0.9 to 10.2.0.9; lifetime=0; encap=udp; kind=correspondent\n"
		"Conn: 10.2.0.9:40001 198.51.100.3:80\n"
		"\n"
		"correspondent 203.0.113.7 expires 600\n"
		"Version: 1\n"
		"Bind: 10.1.0.5 to 10.2.0.9:5060; lifetime=600; encap=udp; kind=correspondent\n"
		"Conn: 10.1.0.5:40000 203.0.113.7:22\n");
	free(text);
	hmmpd_plan_free(&p);
	/* without a port: none written (a request may omit it) */
	in.port = 0;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	assert_int_equal(p.info[0].body.bind[0].port, 0);
	hmmpd_plan_free(&p);
	/* auto: the receiver chooses; a port is never written */
	in.encap = HMMPD_ENCAP_AUTO;
	in.port = 5060;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	text = render(&p);
	assert_non_null(strstr(text, "Bind: 10.1.0.5 to 10.2.0.9; lifetime=600; encap=auto; kind=correspondent\n"));
	assert_null(strstr(text, ":5060"));
	free(text);
	hmmpd_plan_free(&p);
}

/* Back home: a binding to release, to each correspondent concerned. */
static void test_home_again(void **state)
{
	struct hmmp_conn c[] = {
		/* opened at home, away on NEW... now home on OLD again */
		C(OLD, NEW, OLD, "203.0.113.7", 40000, 22, HMMP_CONN_ESTABLISHED),
		/* the same, seen before the kernel's hand-off */
		C(OLD, NULL, NEW, "198.51.100.3", 40001, 80, HMMP_CONN_ESTABLISHED),
		/* opened at home after coming back: nothing to release */
		C(OLD, NULL, OLD, "203.0.113.7", 40002, 23, HMMP_CONN_ESTABLISHED),
		/* opened while away: now it needs a binding to OLD */
		C(NEW, NULL, OLD, "203.0.113.7", 40003, 24, HMMP_CONN_ESTABLISHED),
	};
	struct hmmpd_plan_in in = base_in(c, HMMP_ARRAY_SIZE(c));
	struct hmmpd_plan p;
	char *text;

	(void)state;
	in.old_addr = A(NEW);
	in.new_addr = A(OLD);
	in.gateway = A("10.2.0.1");
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	text = render(&p);
	assert_string_equal(text,
		"router 10.2.0.1 expires 10\n"
		"Version: 1\n"
		"Bind: 10.2.0.9 to 10.1.0.5; lifetime=10; encap=ipip; kind=router\n"
		"\n"
		"correspondent 198.51.100.3 expires 0\n"
		"Version: 1\n"
		"Bind: 10.1.0.5 to 10.1.0.5; lifetime=0; encap=ipip; kind=correspondent\n"
		"Conn: 10.1.0.5:40001 198.51.100.3:80\n"
		"\n"
		"correspondent 203.0.113.7 expires 600\n"
		"Version: 1\n"
		"Bind: 10.1.0.5 to 10.1.0.5; lifetime=0; encap=ipip; kind=correspondent\n"
		"Conn: 10.1.0.5:40000 203.0.113.7:22\n"
		"Bind: 10.2.0.9 to 10.1.0.5; lifetime=600; encap=ipip; kind=correspondent\n"
		"Conn: 10.2.0.9:40003 203.0.113.7:24\n");
	assert_int_equal(p.released, 2);
	assert_int_equal(p.covered, 1);
	assert_int_equal(p.skipped_home, 1);
	free(text);
	hmmpd_plan_free(&p);
}

/* Past the body's limits, a correspondent gets several INFOs. */
static void test_split(void **state)
{
	size_t n = HMMPD_BODY_MAX_CONNS + 76, i;
	struct hmmp_conn *c = calloc(n, sizeof(*c));
	struct hmmpd_plan_in in;
	struct hmmpd_plan p;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < n; i++)
		c[i] = C(OLD, OLD, NEW, "203.0.113.7", (uint16_t)(1 + i), 80,
			 HMMP_CONN_ESTABLISHED);
	in = base_in(c, n);
	in.gateway = 0;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.info[0].body.nconn, HMMPD_BODY_MAX_CONNS);
	assert_int_equal(p.info[1].body.nconn, 76);
	assert_int_equal(p.info[1].body.nbind, 1);
	assert_int_equal(p.info[1].body.conn[0].lport, HMMPD_BODY_MAX_CONNS + 1);
	assert_int_equal(p.info[0].dest, p.info[1].dest);
	assert_int_equal(p.covered, n);
	/* the largest body still fits the body's byte limit */
	{
		char *buf = malloc(HMMPD_BODY_MAX_LEN + 1);
		struct hmmpd_body_err err;

		assert_non_null(buf);
		assert_true(hmmpd_body_build(&p.info[0].body, buf,
					     HMMPD_BODY_MAX_LEN + 1, &err) <= HMMPD_BODY_MAX_LEN);
		free(buf);
	}
	hmmpd_plan_free(&p);

	/* more original addresses than bindings in one body */
	for (i = 0; i < 40; i++) {
		char orig[HMMP_ADDRSTRLEN];

		snprintf(orig, sizeof(orig), "10.9.%zu.1", i);
		c[i] = C(orig, NULL, NEW, "203.0.113.7", 1000, 80,
			 HMMP_CONN_ESTABLISHED);
	}
	in = base_in(c, 40);
	in.old_addr = 0;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.info[0].body.nbind, HMMPD_BODY_MAX_BINDINGS);
	assert_int_equal(p.info[1].body.nbind, 40 - HMMPD_BODY_MAX_BINDINGS);
	hmmpd_plan_free(&p);
	free(c);
}

static void test_bad_input(void **state)
{
	struct hmmp_conn c = C(OLD, OLD, NEW, "203.0.113.7", 1, 2, HMMP_CONN_ESTABLISHED);
	struct hmmpd_plan_in in;
	struct hmmpd_plan p;

	(void)state;
	in = base_in(&c, 1);
	in.new_addr = 0;
	assert_int_equal(hmmpd_plan_build(&in, &p), -EINVAL);
	assert_int_equal(p.n, 0);
	assert_null(p.info);
	in = base_in(&c, 1);
	in.new_addr = A("224.0.0.1");
	assert_int_equal(hmmpd_plan_build(&in, &p), -EINVAL);
	in = base_in(&c, 1);
	in.lifetime = 0;
	assert_int_equal(hmmpd_plan_build(&in, &p), -EINVAL);
	in = base_in(&c, 1);
	in.encap = 0;
	assert_int_equal(hmmpd_plan_build(&in, &p), -EINVAL);
	in = base_in(NULL, 1);
	assert_int_equal(hmmpd_plan_build(&in, &p), -EINVAL);
	/* records the kernel would never send are skipped, not fatal */
	c.state = 42;
	in = base_in(&c, 1);
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	assert_int_equal(p.skipped_other, 1);
	hmmpd_plan_free(&p);
	c.state = HMMP_CONN_ESTABLISHED;
	c.lport = 0;
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	assert_int_equal(p.skipped_other, 1);
	hmmpd_plan_free(&p);
	c.lport = 1;
	c.orig_local = A("0.0.0.0");
	assert_int_equal(hmmpd_plan_build(&in, &p), 0);
	assert_int_equal(p.skipped_other, 1);
	hmmpd_plan_free(&p);
}

/*
 * Random tables against a naive reference: every record lands in exactly
 * one counter; a covered one in exactly one binding of its original
 * address in an INFO to its correspondent; INFOs in ascending order.
 */
static void test_random_reference(void **state)
{
	static const char *const locals[] = { OLD, NEW, "172.16.0.2", "10.3.3.3" };
	static const char *const remotes[] = {
		"203.0.113.7", "198.51.100.3", "192.0.2.200", "127.0.0.1", OLD,
	};
	unsigned int seed = 2024;
	int round;

	(void)state;
	for (round = 0; round < 300; round++) {
		size_t n = (size_t)rand_r(&seed) % 60, i;
		struct hmmp_conn *c = calloc(n ? n : 1, sizeof(*c));
		struct hmmpd_plan_in in = base_in(c, n);
		struct hmmpd_plan p;
		unsigned int k, found, total;

		assert_non_null(c);
		for (i = 0; i < n; i++) {
			c[i].orig_local = A(locals[rand_r(&seed) % 4]);
			c[i].cur_local = rand_r(&seed) % 3 ? A(NEW) : A(locals[rand_r(&seed) % 4]);
			c[i].prev_local = rand_r(&seed) % 2 ? A(OLD) : 0;
			c[i].remote = A(remotes[rand_r(&seed) % 5]);
			c[i].lport = (uint16_t)(1 + i);	/* no two alike */
			c[i].rport = (uint16_t)(1 + rand_r(&seed) % 3);
			c[i].state = (uint8_t)(rand_r(&seed) % 7);
		}
		assert_int_equal(hmmpd_plan_build(&in, &p), 0);
		total = p.covered + p.released + p.skipped_closing +
			p.skipped_home + p.skipped_other + p.duplicates;
		assert_int_equal(total, n);
		for (k = 1; k < p.n; k++) {
			if (p.info[k - 1].kind == HMMP_BIND_ROUTER)
				continue;
			assert_true(ntohl(p.info[k - 1].dest) <= ntohl(p.info[k].dest));
		}
		for (i = 0; i < n; i++) {
			const struct hmmp_conn *r = &c[i];
			bool want = r->state <= HMMP_CONN_RELEASE_REQ &&
				    (r->cur_local == A(OLD) || r->cur_local == A(NEW)) &&
				    r->remote != A("127.0.0.1") &&
				    r->remote != A(OLD) && r->remote != r->orig_local &&
				    r->remote != A(NEW) && r->orig_local != A(NEW);

			found = 0;
			for (k = 0; k < p.n; k++) {
				const struct hmmpd_body *b = &p.info[k].body;
				unsigned int j, t;

				if (p.info[k].kind != HMMP_BIND_CORRESPONDENT ||
				    p.info[k].dest != r->remote)
					continue;
				assert_int_equal(hmmpd_body_check(b, NULL), 0);
				for (j = 0; j < b->nbind; j++) {
					const struct hmmpd_bind *bd = &b->bind[j];

					for (t = bd->first_conn; t < bd->first_conn + bd->nconn; t++) {
						if (b->conn[t].laddr == r->orig_local &&
						    b->conn[t].lport == r->lport &&
						    b->conn[t].rport == r->rport &&
						    bd->lifetime) {
							assert_int_equal(bd->coa, A(NEW));
							found++;
						}
					}
				}
			}
			if (want)
				assert_int_equal(found, 1);
			else if (r->orig_local != A(NEW))
				assert_int_equal(found, 0);
		}
		hmmpd_plan_free(&p);
		free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario),
		cmocka_unit_test(test_before_handoff),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_udp_and_auto),
		cmocka_unit_test(test_old_unknown),
		cmocka_unit_test(test_home_again),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
