// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/stun/outbound.c, the edge and UA state machines
 * of SIP Outbound's STUN side and seed 003's ForceTCP / GetToken usage.
 * A fake network records what each side sends; the last test wires an
 * edge and a UA together through a NAT and plays the seed's figure 1.
 */
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

#include "stun/outbound.h"
#include "stun/stun.h"

#define MAX_SENT 128

struct sent {
	struct ob_flow flow;
	uint8_t buf[1024];
	size_t len;
};

struct env {
	struct sent sent[MAX_SENT];
	int nsent;
	int send_err;
	/* edge */
	struct ob_flow open_tcp[4];
	int nopen;
	int nforced;
	void *forced_ctx;
	int forced_status;
	struct ob_flow forced_tcp;
	/* UA */
	int nconnect, connect_err, nclose, nclose_pending, nfailed;
	struct ob_flow connect_udp, closed;
	char why[64];
};

static int fake_send(void *data, const struct ob_flow *flow,
		     const uint8_t *buf, size_t len)
{
	struct env *env = data;
	struct sent *s;

	if (env->send_err)
		return env->send_err;
	assert_true(env->nsent < MAX_SENT);
	assert_true(len <= sizeof(s->buf));
	s = &env->sent[env->nsent++];
	s->flow = *flow;
	memcpy(s->buf, buf, len);
	s->len = len;
	return 0;
}

static bool fake_tcp_open(void *data, const struct ob_flow *tcp)
{
	struct env *env = data;
	int i;

	for (i = 0; i < env->nopen; i++)
		if (ob_flow_eq(&env->open_tcp[i], tcp))
			return true;
	return false;
}

static void fake_forced(void *data, void *ctx, int status,
			const struct ob_flow *tcp)
{
	struct env *env = data;

	env->nforced++;
	env->forced_ctx = ctx;
	env->forced_status = status;
	if (status == 0) {
		assert_non_null(tcp);
		env->forced_tcp = *tcp;
	} else {
		assert_null(tcp);
	}
}

static int fake_connect(void *data, const struct ob_flow *udp)
{
	struct env *env = data;

	env->nconnect++;
	env->connect_udp = *udp;
	return env->connect_err;
}

static void fake_close(void *data, const struct ob_flow *tcp)
{
	struct env *env = data;

	env->nclose++;
	if (tcp)
		env->closed = *tcp;
	else
		env->nclose_pending++;
}

static void fake_failed(void *data, const char *why)
{
	struct env *env = data;

	env->nfailed++;
	snprintf(env->why, sizeof(env->why), "%s", why);
}

static const struct ob_edge_ops edge_ops = {
	.send = fake_send,
	.tcp_open = fake_tcp_open,
	.forced = fake_forced,
};

static const struct ob_ua_ops ua_ops = {
	.send = fake_send,
	.tcp_connect = fake_connect,
	.tcp_close = fake_close,
	.flow_failed = fake_failed,
};

static uint32_t A(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static struct ob_flow F(int tp, const char *l, uint16_t lp, const char *r,
			uint16_t rp)
{
	struct ob_flow f = { .tp = (uint8_t)tp, .laddr = A(l), .lport = lp,
			     .raddr = A(r), .rport = rp };
	return f;
}

/* The edge's view of the UA's UDP flow and TCP connection. */
#define EDGE_UDP F(OB_UDP, "198.51.100.1", 5060, "203.0.113.9", 40000)
#define EDGE_TCP F(OB_TCP, "198.51.100.1", 5060, "203.0.113.9", 40001)
/* The UA's view of its flow to the edge. */
#define UA_UDP F(OB_UDP, "10.0.0.2", 5060, "198.51.100.1", 5060)
#define UA_TCP F(OB_TCP, "10.0.0.2", 33333, "198.51.100.1", 5060)

static struct ob_edge_cfg edge_cfg(void)
{
	struct ob_edge_cfg c = { .software = "hmmpd-test" };

	memset(c.secret, 0x5a, sizeof(c.secret));
	return c;
}

static int msg(const uint8_t *tid, uint16_t method, enum stun_class cls,
	       bool fp, uint8_t *buf, size_t cap)
{
	struct stun_enc e;

	stun_enc_init(&e, buf, cap, method, cls, tid);
	if (cls == STUN_ERROR)
		stun_put_error(&e, 400, NULL);
	if (fp)
		stun_put_fingerprint(&e);
	return stun_enc_end(&e);
}

/* Feeds a request, returns the decoded answer (exactly one). */
static void decode_sent(struct env *env, int i, struct stun_msg *m)
{
	assert_true(i < env->nsent);
	assert_int_equal(stun_decode(env->sent[i].buf, env->sent[i].len, m),
			 STUN_OK);
}

static const uint8_t tid1[12] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

/* ---- edge ---- */

static void test_edge_binding(void **state)
{
	struct ob_edge_cfg cfg = edge_cfg();
	struct ob_flow udp = EDGE_UDP, tcp = EDGE_TCP;
	struct env env = { 0 };
	struct ob_edge e;
	struct stun_msg m;
	uint8_t buf[64];
	int len;

	(void)state;
	ob_edge_init(&e, &cfg, &edge_ops, &env);
	len = msg(tid1, STUN_BINDING, STUN_REQUEST, true, buf, sizeof(buf));
	assert_int_equal(ob_edge_input(&e, &udp, buf, (size_t)len, 0), 0);
	assert_int_equal(env.nsent, 1);
	assert_true(ob_flow_eq(&env.sent[0].flow, &udp));
	decode_sent(&env, 0, &m);
	assert_int_equal(m.method, STUN_BINDING);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_memory_equal(m.tid, tid1, 12);
	assert_true(m.has_xor_mapped);
	assert_int_equal(m.xor_mapped.family, 4);
	assert_int_equal(m.xor_mapped.port, 40000);
	assert_memory_equal(m.xor_mapped.addr, &udp.raddr, 4);
	assert_true(m.has_fingerprint);	/* the request had one */
	assert_true(m.software.p && m.software.len == 10);

	/* Over TCP, and without FINGERPRINT in the request. */
	len = msg(tid1, STUN_BINDING, STUN_REQUEST, false, buf, sizeof(buf));
	assert_int_equal(ob_edge_input(&e, &tcp, buf, (size_t)len, 0), 0);
	decode_sent(&env, 1, &m);
	assert_true(ob_flow_eq(&env.sent[1].flow, &tcp));
	assert_int_equal(m.xor_mapped.port, 40001);
	assert_false(m.has_fingerprint);
	assert_int_equal(e.stats.binding, 2);
}

static void test_edge_gettoken(void **state)
{
	struct ob_edge_cfg cfg = edge_cfg();
	struct ob_flow udp = EDGE_UDP, tcp = EDGE_TCP, tcp2 = EDGE_TCP, got;
	uint8_t buf[64], other[OB_SECRET_LEN], tok2[OB_TOKEN_LEN];
	struct env env = { 0 };
	struct ob_edge e;
	struct stun_msg m;
	int len;

	(void)state;
	ob_edge_init(&e, &cfg, &edge_ops, &env);
	len = msg(tid1, STUN_GET_TOKEN, STUN_REQUEST, true, buf, sizeof(buf));
	assert_int_equal(ob_edge_input(&e, &tcp, buf, (size_t)len, 0), 0);
	decode_sent(&env, 0, &m);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_int_equal(m.method, STUN_GET_TOKEN);
	assert_false(m.has_xor_mapped);
	assert_int_equal(m.flow_token.len, OB_TOKEN_LEN);
	/* The token names the connection it was asked on ... */
	assert_true(ob_token_check(cfg.secret, m.flow_token.p,
				   m.flow_token.len, &got));
	assert_true(ob_flow_eq(&got, &tcp));
	/* ... and no other: a change anywhere breaks it. */
	for (size_t i = 0; i < OB_TOKEN_LEN; i++) {
		uint8_t t[OB_TOKEN_LEN];

		memcpy(t, m.flow_token.p, sizeof(t));
		t[i] ^= 0x01;
		assert_false(ob_token_check(cfg.secret, t, sizeof(t), &got));
	}
	assert_false(ob_token_check(cfg.secret, m.flow_token.p,
				    m.flow_token.len - 1, &got));
	memset(other, 0x5b, sizeof(other));
	assert_false(ob_token_check(other, m.flow_token.p, m.flow_token.len,
				    &got));
	tcp2.rport++;
	assert_int_equal(ob_token_make(cfg.secret, &tcp2, tok2), 0);
	assert_memory_not_equal(tok2, m.flow_token.p, OB_TOKEN_LEN);
	assert_int_equal(e.stats.gettoken, 1);

	/* Seed 003 6.2.1: GetToken over UDP is 445. */
	assert_int_equal(ob_edge_input(&e, &udp, buf, (size_t)len, 0), 0);
	decode_sent(&env, 1, &m);
	assert_int_equal(m.cls, STUN_ERROR);
	assert_int_equal(m.error, 445);
	assert_null(m.flow_token.p);
	assert_int_equal(e.stats.gettoken_udp, 1);
}

static void test_edge_requests_refused(void **state)
{
	struct ob_edge_cfg cfg = edge_cfg();
	struct ob_flow udp = EDGE_UDP;
	struct env env = { 0 };
	struct ob_edge e;
	struct stun_msg m;
	struct stun_enc en;
	uint8_t buf[128];
	int len;

	(void)state;
	ob_edge_init(&e, &cfg, &edge_ops, &env);
	/* ForceTCP is the UA's to serve; an unknown method too: 400. */
	len = msg(tid1, STUN_FORCE_TCP, STUN_REQUEST, false, buf, sizeof(buf));
	ob_edge_input(&e, &udp, buf, (size_t)len, 0);
	decode_sent(&env, 0, &m);
	assert_int_equal(m.error, 400);
	assert_int_equal(m.method, STUN_FORCE_TCP);
	len = msg(tid1, 0x0777, STUN_REQUEST, false, buf, sizeof(buf));
	ob_edge_input(&e, &udp, buf, (size_t)len, 0);
	decode_sent(&env, 1, &m);
	assert_int_equal(m.error, 400);
	assert_int_equal(m.method, 0x0777);

	/* An unknown comprehension-required attribute: 420 listing it. */
	stun_enc_init(&en, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid1);
	stun_put(&en, 0x0003, "\0\0\0\0", 4);
	len = stun_enc_end(&en);
	ob_edge_input(&e, &udp, buf, (size_t)len, 0);
	decode_sent(&env, 2, &m);
	assert_int_equal(m.error, 420);
	assert_int_equal(m.nunknown, 1);
	assert_int_equal(m.unknown[0], 0x0003);

	/* A malformed attribute in a request: 400. */
	stun_enc_init(&en, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid1);
	stun_put(&en, STUN_A_XOR_MAPPED_ADDRESS, "\0\7\0\0\0\0\0\0", 8);
	len = stun_enc_end(&en);
	ob_edge_input(&e, &udp, buf, (size_t)len, 0);
	decode_sent(&env, 3, &m);
	assert_int_equal(m.error, 400);
	assert_int_equal(e.stats.bad_request, 4);

	/* Dropped silently: garbage, an indication, a stray response, a
	 * bad FINGERPRINT, a malformed response. */
	ob_edge_input(&e, &udp, (const uint8_t *)"OPTIONS sip:x SIP/2.0\r\n",
		      23, 0);
	len = msg(tid1, STUN_BINDING, STUN_INDICATION, false, buf,
		  sizeof(buf));
	ob_edge_input(&e, &udp, buf, (size_t)len, 0);
	len = msg(tid1, STUN_FORCE_TCP, STUN_SUCCESS, false, buf, sizeof(buf));
	ob_edge_input(&e, &udp, buf, (size_t)len, 0);
	len = msg(tid1, STUN_BINDING, STUN_REQUEST, true, buf, sizeof(buf));
	buf[len - 1] ^= 1;
	ob_edge_input(&e, &udp, buf, (size_t)len, 0);
	stun_enc_init(&en, buf, sizeof(buf), STUN_BINDING, STUN_ERROR, tid1);
	len = stun_enc_end(&en);
	ob_edge_input(&e, &udp, buf, (size_t)len, 0);
	assert_int_equal(env.nsent, 4);
	assert_int_equal(e.stats.dropped, 5);

	/* A failing send is reported. */
	env.send_err = -EPIPE;
	len = msg(tid1, STUN_BINDING, STUN_REQUEST, false, buf, sizeof(buf));
	assert_int_equal(ob_edge_input(&e, &udp, buf, (size_t)len, 0), -EPIPE);
}

/* A response to the edge's i-th sent ForceTCP. */
static int force_response(struct env *env, int i, int code,
			  const uint8_t *tok, size_t toklen, uint8_t *buf,
			  size_t cap)
{
	struct stun_msg req;
	struct stun_enc e;

	decode_sent(env, i, &req);
	assert_int_equal(req.method, STUN_FORCE_TCP);
	assert_int_equal(req.cls, STUN_REQUEST);
	stun_enc_response(&e, buf, cap, &req, code != 0);
	if (code)
		stun_put_error(&e, code, NULL);
	if (tok)
		stun_put_flow_token(&e, tok, toklen);
	stun_put_fingerprint(&e);
	return stun_enc_end(&e);
}

static void test_edge_force(void **state)
{
	struct ob_edge_cfg cfg = edge_cfg();
	struct ob_flow udp = EDGE_UDP, tcp = EDGE_TCP, bad;
	uint8_t buf[128], tok[OB_TOKEN_LEN];
	struct env env = { 0 };
	struct ob_edge e;
	struct stun_msg m;
	int ctx = 7, len;

	(void)state;
	ob_edge_init(&e, &cfg, &edge_ops, &env);
	assert_int_equal(ob_edge_next(&e), OB_NEVER);
	assert_int_equal(ob_edge_force(&e, &tcp, &ctx, 0), -EINVAL);
	assert_int_equal(ob_edge_force(&e, &udp, &ctx, 1000), 0);
	assert_int_equal(env.nsent, 1);
	assert_true(ob_flow_eq(&env.sent[0].flow, &udp));
	decode_sent(&env, 0, &m);
	assert_true(m.has_fingerprint);
	assert_int_equal(ob_edge_next(&e), 1500);

	/* The UA's token for its TCP connection, which is open. */
	env.open_tcp[env.nopen++] = tcp;
	assert_int_equal(ob_token_make(cfg.secret, &tcp, tok), 0);
	len = force_response(&env, 0, 0, tok, sizeof(tok), buf, sizeof(buf));
	/* Not from the flow it was sent on: ignored. */
	bad = udp;
	bad.rport++;
	ob_edge_input(&e, &bad, buf, (size_t)len, 1100);
	assert_int_equal(env.nforced, 0);
	ob_edge_input(&e, &udp, buf, (size_t)len, 1100);
	assert_int_equal(env.nforced, 1);
	assert_ptr_equal(env.forced_ctx, &ctx);
	assert_int_equal(env.forced_status, 0);
	assert_true(ob_flow_eq(&env.forced_tcp, &tcp));
	assert_int_equal(e.stats.force_ok, 1);
	assert_int_equal(ob_edge_next(&e), OB_NEVER);
	/* A retransmitted response after the end: dropped. */
	ob_edge_input(&e, &udp, buf, (size_t)len, 1200);
	assert_int_equal(env.nforced, 1);
}

static void test_edge_force_fails(void **state)
{
	struct ob_edge_cfg cfg = edge_cfg();
	struct ob_flow udp = EDGE_UDP, tcp = EDGE_TCP;
	uint8_t buf[128], tok[OB_TOKEN_LEN], udptok[OB_TOKEN_LEN];
	struct env env = { 0 };
	struct ob_edge e;
	int ctx = 1, len, i;

	(void)state;
	ob_edge_init(&e, &cfg, &edge_ops, &env);
	assert_int_equal(ob_token_make(cfg.secret, &tcp, tok), 0);
	assert_int_equal(ob_token_make(cfg.secret, &udp, udptok), 0);
	for (i = 0; i < 6; i++) {
		env.nforced = 0;
		env.nopen = i == 5 ? 0 : 1;	/* case 5: connection gone */
		env.open_tcp[0] = tcp;
		assert_int_equal(ob_edge_force(&e, &udp, &ctx, 0), 0);
		switch (i) {
		case 0:	/* the UA lacks the usage (seed 003 6.1.2) */
			len = force_response(&env, env.nsent - 1, 400, NULL, 0,
					     buf, sizeof(buf));
			break;
		case 1:	/* another error */
			len = force_response(&env, env.nsent - 1, 500, NULL, 0,
					     buf, sizeof(buf));
			break;
		case 2:	/* success without a token */
			len = force_response(&env, env.nsent - 1, 0, NULL, 0,
					     buf, sizeof(buf));
			break;
		case 3:	/* a forged token */
			tok[OB_TOKEN_LEN - 1] ^= 1;
			len = force_response(&env, env.nsent - 1, 0, tok,
					     sizeof(tok), buf, sizeof(buf));
			tok[OB_TOKEN_LEN - 1] ^= 1;
			break;
		case 4:	/* a genuine token, but of a UDP flow */
			len = force_response(&env, env.nsent - 1, 0, udptok,
					     sizeof(udptok), buf, sizeof(buf));
			break;
		default: /* a genuine token of a closed connection */
			len = force_response(&env, env.nsent - 1, 0, tok,
					     sizeof(tok), buf, sizeof(buf));
			break;
		}
		ob_edge_input(&e, &udp, buf, (size_t)len, 0);
		assert_int_equal(env.nforced, 1);
		assert_int_equal(env.forced_status, 430);
	}
	assert_int_equal(e.stats.force_400, 1);
	assert_int_equal(e.stats.force_failed, 5);
	assert_int_equal(e.stats.force_ok, 0);
}

static void test_edge_force_timeout(void **state)
{
	struct ob_edge_cfg cfg = edge_cfg();
	struct ob_flow udp = EDGE_UDP;
	struct env env = { 0 };
	/* RFC 8489 6.2.1: 0, 500, 1500, 3500, 7500, 15500, 31500; 39500. */
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 15500, 31500,
				       39500 };
	struct ob_edge e;
	int ctx = 3, ctx2 = 4;
	size_t i;

	(void)state;
	ob_edge_init(&e, &cfg, &edge_ops, &env);
	assert_int_equal(ob_edge_force(&e, &udp, &ctx, 0), 0);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		assert_int_equal(ob_edge_next(&e), at[i]);
		ob_edge_tick(&e, at[i] - 1);	/* too early: nothing */
		assert_int_equal(env.nsent, (int)i + 1);
		ob_edge_tick(&e, at[i]);
		if (i < 6) {
			assert_int_equal(env.nsent, (int)i + 2);
			/* the same bytes each time */
			assert_int_equal(env.sent[i + 1].len, env.sent[0].len);
			assert_memory_equal(env.sent[i + 1].buf,
					    env.sent[0].buf, env.sent[0].len);
		}
	}
	assert_int_equal(env.nsent, 7);
	assert_int_equal(env.nforced, 1);
	assert_int_equal(env.forced_status, 430);
	assert_int_equal(e.stats.force_retrans, 6);

	/* Cancelled: no callback ever; a full table: -ENOSPC. */
	env.nforced = 0;
	assert_int_equal(ob_edge_force(&e, &udp, &ctx, 0), 0);
	ob_edge_cancel(&e, &ctx);
	ob_edge_tick(&e, 100000);
	assert_int_equal(env.nforced, 0);
	for (i = 0; i < OB_EDGE_MAX_PENDING; i++)
		assert_int_equal(ob_edge_force(&e, &udp, &ctx2, 0), 0);
	assert_int_equal(ob_edge_force(&e, &udp, &ctx2, 0), -ENOSPC);
	ob_edge_cancel(&e, &ctx2);
	/* A send that fails: no transaction. */
	env.send_err = -ENETUNREACH;
	assert_int_equal(ob_edge_force(&e, &udp, &ctx, 0), -ENETUNREACH);
	assert_int_equal(ob_edge_next(&e), OB_NEVER);
}

/* ---- UA ---- */

static struct ob_ua_cfg ua_cfg(void)
{
	struct ob_ua_cfg c = { .software = "hmmpd-ua", .ka_min_ms = 25000,
			       .ka_max_ms = 25000 };
	return c;
}

/* The answer to the UA's i-th sent request, from the edge. */
static int reply(struct env *env, int i, uint16_t method, int code,
		 const struct stun_addr *mapped, const uint8_t *tok,
		 size_t toklen, uint8_t *buf, size_t cap)
{
	struct stun_msg req;
	struct stun_enc e;

	decode_sent(env, i, &req);
	assert_int_equal(req.method, method);
	assert_int_equal(req.cls, STUN_REQUEST);
	stun_enc_response(&e, buf, cap, &req, code != 0);
	if (code)
		stun_put_error(&e, code, NULL);
	if (mapped)
		stun_put_xor_addr(&e, mapped);
	if (tok)
		stun_put_flow_token(&e, tok, toklen);
	return stun_enc_end(&e);
}

static void test_ua_keepalive(void **state)
{
	struct ob_ua_cfg cfg = ua_cfg();
	struct ob_flow udp = UA_UDP;
	struct stun_addr mapped = { .family = 4, .port = 40000,
				    .addr = { 203, 0, 113, 9 } };
	struct env env = { 0 };
	struct ob_ua ua;
	struct stun_msg m;
	uint8_t buf[128];
	int len;

	(void)state;
	ob_ua_init(&ua, &cfg, &ua_ops, &env);
	assert_int_equal(ob_ua_next(&ua), OB_NEVER);
	ob_ua_set_flow(&ua, &udp, 1000);
	assert_int_equal(ob_ua_next(&ua), 1000);
	ob_ua_tick(&ua, 1000);
	assert_int_equal(env.nsent, 1);
	assert_true(ob_flow_eq(&env.sent[0].flow, &udp));
	decode_sent(&env, 0, &m);
	assert_int_equal(m.method, STUN_BINDING);
	assert_int_equal(m.cls, STUN_REQUEST);
	assert_true(m.has_fingerprint);
	assert_int_equal(ob_ua_next(&ua), 1500);

	/* A response with another transaction ID: not ours. */
	len = reply(&env, 0, STUN_BINDING, 0, &mapped, NULL, 0, buf,
		    sizeof(buf));
	buf[8] ^= 1;
	ob_ua_input(&ua, &udp, buf, (size_t)len, 1200);
	assert_int_equal(ua.stats.ka_ok, 0);
	buf[8] ^= 1;
	ob_ua_input(&ua, &udp, buf, (size_t)len, 1200);
	assert_int_equal(ua.stats.ka_ok, 1);
	assert_true(ua.have_mapped);
	assert_int_equal(ob_ua_next(&ua), 1200 + 25000);

	/* The next one, answered with the same mapped address: fine. */
	ob_ua_tick(&ua, 26200);
	assert_int_equal(env.nsent, 2);
	len = reply(&env, 1, STUN_BINDING, 0, &mapped, NULL, 0, buf,
		    sizeof(buf));
	ob_ua_input(&ua, &udp, buf, (size_t)len, 26300);
	assert_int_equal(ua.stats.ka_ok, 2);
	assert_int_equal(env.nfailed, 0);

	/* RFC 5626 4.4.2: the NAT binding changed: the flow failed. */
	ob_ua_tick(&ua, 51300);
	mapped.port++;
	len = reply(&env, 2, STUN_BINDING, 0, &mapped, NULL, 0, buf,
		    sizeof(buf));
	ob_ua_input(&ua, &udp, buf, (size_t)len, 51400);
	assert_int_equal(env.nfailed, 1);
	assert_string_equal(env.why, "the mapped address changed");
	assert_false(ua.active);
	assert_int_equal(ob_ua_next(&ua), OB_NEVER);

	/* A Flow-Timer of 60 s: keep-alives every 48 to 60 s. */
	ob_ua_set_flow_timer(&ua, 60);
	ob_ua_set_flow(&ua, &udp, 60000);
	ob_ua_tick(&ua, 60000);
	len = reply(&env, 3, STUN_BINDING, 0, &mapped, NULL, 0, buf,
		    sizeof(buf));
	ob_ua_input(&ua, &udp, buf, (size_t)len, 60000);
	assert_in_range(ob_ua_next(&ua), 60000 + 48000, 60000 + 60000);
}

static void test_ua_keepalive_fails(void **state)
{
	struct ob_ua_cfg cfg = ua_cfg();
	struct ob_flow udp = UA_UDP;
	static const uint64_t at[] = { 500, 1500, 3500, 7500, 15500, 31500 };
	struct env env = { 0 };
	struct ob_ua ua;
	size_t i;

	(void)state;
	ob_ua_init(&ua, &cfg, &ua_ops, &env);
	ob_ua_set_flow(&ua, &udp, 0);
	ob_ua_tick(&ua, 0);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		assert_int_equal(ob_ua_next(&ua), at[i]);
		ob_ua_tick(&ua, at[i]);
		assert_int_equal(env.nsent, (int)i + 2);
		assert_memory_equal(env.sent[i + 1].buf, env.sent[0].buf,
				    env.sent[0].len);
	}
	assert_int_equal(ob_ua_next(&ua), 39500);
	ob_ua_tick(&ua, 39499);
	assert_int_equal(env.nfailed, 0);
	ob_ua_tick(&ua, 39500);
	assert_int_equal(env.nfailed, 1);
	assert_string_equal(env.why, "no answer to the keep-alive");
	assert_int_equal(ua.stats.ka_failed, 1);
	assert_int_equal(ua.stats.ka_retrans, 6);
	assert_int_equal(env.nsent, 7);
}

/* A ForceTCP request from the edge, as the UA receives it. */
static int force_req(const uint8_t *tid, bool fp, uint8_t *buf, size_t cap)
{
	return msg(tid, STUN_FORCE_TCP, STUN_REQUEST, fp, buf, cap);
}

static void test_ua_force_over_tcp(void **state)
{
	struct ob_ua_cfg cfg = ua_cfg();
	struct ob_flow udp = UA_UDP, tcp = UA_TCP, other = UA_UDP;
	struct env env = { 0 };
	struct ob_ua ua;
	struct stun_msg m;
	uint8_t buf[128];
	int len;

	(void)state;
	ob_ua_init(&ua, &cfg, &ua_ops, &env);
	ob_ua_set_flow(&ua, &udp, 0);
	/* Seed 003 6.1.1: ForceTCP over TCP is 448. */
	len = force_req(tid1, true, buf, sizeof(buf));
	ob_ua_input(&ua, &tcp, buf, (size_t)len, 0);
	decode_sent(&env, 0, &m);
	assert_true(ob_flow_eq(&env.sent[0].flow, &tcp));
	assert_int_equal(m.cls, STUN_ERROR);
	assert_int_equal(m.error, 448);
	assert_true(m.has_fingerprint);
	assert_int_equal(ua.stats.force_tcp, 1);
	assert_int_equal(env.nconnect, 0);

	/* ForceTCP on a UDP flow that is not ours to the edge: 400. */
	other.rport = 5080;
	ob_ua_input(&ua, &other, buf, (size_t)len, 0);
	decode_sent(&env, 1, &m);
	assert_int_equal(m.error, 400);
	/* GetToken sent to the UA: 400, and Binding is answered. */
	len = msg(tid1, STUN_GET_TOKEN, STUN_REQUEST, false, buf, sizeof(buf));
	ob_ua_input(&ua, &tcp, buf, (size_t)len, 0);
	decode_sent(&env, 2, &m);
	assert_int_equal(m.error, 400);
	len = msg(tid1, STUN_BINDING, STUN_REQUEST, false, buf, sizeof(buf));
	ob_ua_input(&ua, &udp, buf, (size_t)len, 0);
	decode_sent(&env, 3, &m);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_int_equal(m.xor_mapped.port, 5060);
	assert_int_equal(env.nconnect, 0);
	/* Stray responses are dropped. */
	len = msg(tid1, STUN_GET_TOKEN, STUN_SUCCESS, false, buf, sizeof(buf));
	ob_ua_input(&ua, &tcp, buf, (size_t)len, 0);
	assert_int_equal(env.nsent, 4);
	assert_int_equal(ua.stats.dropped, 1);
}

/* Drives a ForceTCP on the UA up to READY; returns the index of the
 * ForceTCP response among env's sent messages. */
static int ua_to_ready(struct ob_ua *ua, struct env *env, const uint8_t *tid,
		       const uint8_t *tok, size_t toklen, uint64_t now)
{
	struct ob_flow udp = UA_UDP, tcp = UA_TCP;
	uint8_t buf[512];
	int len, n0 = env->nsent, c0 = env->nconnect;

	len = force_req(tid, true, buf, sizeof(buf));
	ob_ua_input(ua, &udp, buf, (size_t)len, now);
	assert_int_equal(env->nconnect, c0 + 1);
	assert_true(ob_flow_eq(&env->connect_udp, &udp));
	assert_int_equal(ua->tcp_state, OB_UA_TCP_CONNECTING);
	/* The edge retransmits: absorbed, no second connection. */
	ob_ua_input(ua, &udp, buf, (size_t)len, now + 500);
	assert_int_equal(env->nconnect, c0 + 1);
	assert_int_equal(env->nsent, n0);
	ob_ua_tcp_up(ua, &tcp, now + 600);
	assert_int_equal(ua->tcp_state, OB_UA_TCP_GETTOKEN);
	assert_int_equal(env->nsent, n0 + 1);
	assert_true(ob_flow_eq(&env->sent[n0].flow, &tcp));
	len = reply(env, n0, STUN_GET_TOKEN, 0, NULL, tok, toklen, buf,
		    sizeof(buf));
	ob_ua_input(ua, &tcp, buf, (size_t)len, now + 700);
	assert_int_equal(ua->tcp_state, OB_UA_TCP_READY);
	assert_int_equal(env->nsent, n0 + 2);
	return n0 + 1;
}

static void test_ua_force_gettoken(void **state)
{
	struct ob_ua_cfg cfg = ua_cfg();
	struct ob_flow udp = UA_UDP, tcp = UA_TCP;
	static const uint8_t tid2[12] = { 2 }, tid3[12] = { 3 };
	static const uint8_t tok[5] = "token";
	struct env env = { 0 };
	struct ob_ua ua;
	struct stun_msg m;
	uint8_t buf[128];
	int i, len;

	(void)state;
	ob_ua_init(&ua, &cfg, &ua_ops, &env);
	ob_ua_set_flow(&ua, &udp, 0);
	i = ua_to_ready(&ua, &env, tid1, tok, sizeof(tok), 1000);
	decode_sent(&env, i, &m);
	assert_true(ob_flow_eq(&env.sent[i].flow, &udp));
	assert_int_equal(m.method, STUN_FORCE_TCP);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_memory_equal(m.tid, tid1, 12);
	assert_true(m.flow_token.p && m.flow_token.len == 5);
	assert_memory_equal(m.flow_token.p, "token", 5);
	assert_true(m.has_fingerprint);
	/* GetToken answered at 1700: held until 6700. */
	assert_int_equal(ua.hold_until, 6700);

	/* A second ForceTCP: answered at once, the hold extended. */
	len = force_req(tid2, false, buf, sizeof(buf));
	ob_ua_input(&ua, &udp, buf, (size_t)len, 3000);
	decode_sent(&env, env.nsent - 1, &m);
	assert_memory_equal(m.tid, tid2, 12);
	assert_true(m.flow_token.p && m.flow_token.len == 5);
	assert_false(m.has_fingerprint);
	assert_int_equal(env.nconnect, 1);
	assert_int_equal(ua.hold_until, 8000);

	/* A SIP transaction on the connection outlasts the hold. */
	ob_ua_tcp_busy(&ua, &tcp, true, 4000);
	ob_ua_tick(&ua, 9000);
	assert_int_equal(env.nclose, 0);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_READY);
	ob_ua_tcp_busy(&ua, &tcp, false, 9500);
	assert_int_equal(env.nclose, 1);
	assert_true(ob_flow_eq(&env.closed, &tcp));
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);

	/* Without a transaction it goes when the hold ends. */
	ua_to_ready(&ua, &env, tid3, tok, sizeof(tok), 20000);
	ob_ua_tcp_busy(&ua, &tcp, true, 21000);
	ob_ua_tcp_busy(&ua, &tcp, false, 22000);	/* before the hold's end */
	assert_int_equal(ua.tcp_state, OB_UA_TCP_READY);
	ob_ua_tick(&ua, 25699);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_READY);
	ob_ua_tick(&ua, 25700);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);
	assert_int_equal(env.nclose, 2);
	assert_int_equal(ua.stats.force_answered, 3);
	assert_int_equal(ua.stats.gettoken_ok, 2);
}

static void test_ua_edge_closes(void **state)
{
	struct ob_ua_cfg cfg = ua_cfg();
	struct ob_flow udp = UA_UDP, tcp = UA_TCP, other = UA_TCP;
	static const uint8_t tid2[12] = { 2 };
	struct env env = { 0 };
	struct ob_ua ua;

	(void)state;
	ob_ua_init(&ua, &cfg, &ua_ops, &env);
	ob_ua_set_flow(&ua, &udp, 0);
	ua_to_ready(&ua, &env, tid1, (const uint8_t *)"t1", 2, 0);
	/* Another connection going away is not ours. */
	other.lport++;
	ob_ua_tcp_down(&ua, &other, 1000);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_READY);
	/* The edge closes ours mid-use: forgotten, not closed again. */
	ob_ua_tcp_busy(&ua, &tcp, true, 1000);
	ob_ua_tcp_down(&ua, &tcp, 1100);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);
	assert_int_equal(ua.token_len, 0);
	assert_int_equal(env.nclose, 0);
	assert_int_equal(ua.stats.tcp_lost, 1);
	/* The next ForceTCP opens a new one and gets a new token. */
	ua_to_ready(&ua, &env, tid2, (const uint8_t *)"t2", 2, 2000);
	assert_int_equal(env.nconnect, 2);
	assert_memory_equal(ua.token, "t2", 2);
}

static void test_ua_gettoken_fails(void **state)
{
	struct ob_ua_cfg cfg = ua_cfg();
	struct ob_flow udp = UA_UDP, tcp = UA_TCP;
	struct env env = { 0 };
	struct ob_ua ua;
	struct stun_msg m;
	uint8_t buf[128];
	int len, n;

	(void)state;
	cfg.gettoken_ms = 3000;
	ob_ua_init(&ua, &cfg, &ua_ops, &env);
	ob_ua_set_flow(&ua, &udp, 0);

	/* 1. The edge refuses GetToken (445): the ForceTCP gets 500. */
	len = force_req(tid1, false, buf, sizeof(buf));
	ob_ua_input(&ua, &udp, buf, (size_t)len, 0);
	ob_ua_tcp_up(&ua, &tcp, 10);
	n = env.nsent;
	len = reply(&env, n - 1, STUN_GET_TOKEN, 445, NULL, NULL, 0, buf,
		    sizeof(buf));
	ob_ua_input(&ua, &tcp, buf, (size_t)len, 20);
	decode_sent(&env, n, &m);
	assert_true(ob_flow_eq(&env.sent[n].flow, &udp));
	assert_int_equal(m.method, STUN_FORCE_TCP);
	assert_int_equal(m.error, 500);
	assert_int_equal(env.nclose, 1);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);

	/* 2. No answer to GetToken in time. */
	len = force_req(tid1, false, buf, sizeof(buf));
	ob_ua_input(&ua, &udp, buf, (size_t)len, 1000);
	ob_ua_tcp_up(&ua, &tcp, 1010);
	assert_int_equal(ob_ua_next(&ua), 0);	/* the first keep-alive */
	ob_ua_tick(&ua, 3999);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_GETTOKEN);
	n = env.nsent;
	ob_ua_tick(&ua, 4000);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);
	assert_int_equal(env.nclose, 2);
	decode_sent(&env, n, &m);
	assert_int_equal(m.error, 500);

	/* 3. The connection cannot be made: at once, or later. */
	env.connect_err = -ENETUNREACH;
	n = env.nsent;
	ob_ua_input(&ua, &udp, buf, (size_t)len, 5000);
	decode_sent(&env, n, &m);
	assert_int_equal(m.error, 500);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);
	env.connect_err = 0;
	n = env.nsent;
	ob_ua_input(&ua, &udp, buf, (size_t)len, 6000);
	ob_ua_tcp_down(&ua, NULL, 6100);	/* refused */
	decode_sent(&env, n, &m);
	assert_int_equal(m.error, 500);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);

	/* 4. A success without FLOW-TOKEN is no success. */
	n = env.nsent;
	ob_ua_input(&ua, &udp, buf, (size_t)len, 7000);
	ob_ua_tcp_up(&ua, &tcp, 7010);
	len = reply(&env, n, STUN_GET_TOKEN, 0, NULL, NULL, 0, buf,
		    sizeof(buf));
	ob_ua_input(&ua, &tcp, buf, (size_t)len, 7020);
	decode_sent(&env, n + 1, &m);
	assert_int_equal(m.error, 500);
	assert_int_equal(ua.stats.gettoken_failed, 3);
	assert_int_equal(ua.stats.force_failed, 5);

	/* 5. The GetToken send itself fails. */
	len = force_req(tid1, false, buf, sizeof(buf));
	ob_ua_input(&ua, &udp, buf, (size_t)len, 8000);
	env.send_err = -EPIPE;
	ob_ua_tcp_up(&ua, &tcp, 8010);
	env.send_err = 0;
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);
	/* A tcp_up nobody asked for is ignored. */
	ob_ua_tcp_up(&ua, &tcp, 8020);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);
}

static void test_ua_handoff(void **state)
{
	struct ob_ua_cfg cfg = ua_cfg();
	struct ob_flow udp = UA_UDP, tcp = UA_TCP, moved = UA_UDP;
	struct env env = { 0 };
	struct ob_ua ua;
	int n;

	(void)state;
	ob_ua_init(&ua, &cfg, &ua_ops, &env);
	ob_ua_set_flow(&ua, &udp, 0);
	ob_ua_tick(&ua, 0);
	ua_to_ready(&ua, &env, tid1, (const uint8_t *)"tok", 3, 100);
	/* The same flow again changes nothing. */
	ob_ua_set_flow(&ua, &udp, 200);
	assert_int_equal(ua.tcp_state, OB_UA_TCP_READY);
	/* A hand-off: new local address. The TCP connection (bound to the
	 * old one) is closed, a keep-alive goes at once on the new flow. */
	moved.laddr = tcp.laddr ^ htonl(0xff);
	ob_ua_set_flow(&ua, &moved, 300);
	assert_int_equal(env.nclose, 1);
	assert_true(ob_flow_eq(&env.closed, &tcp));
	assert_int_equal(ua.tcp_state, OB_UA_TCP_NONE);
	assert_int_equal(ob_ua_next(&ua), 300);
	n = env.nsent;
	ob_ua_tick(&ua, 300);
	assert_true(ob_flow_eq(&env.sent[n].flow, &moved));
	/* A pending connection attempt is closed too on stop. */
	{
		uint8_t buf[64];
		int len = force_req(tid1, false, buf, sizeof(buf));

		ob_ua_input(&ua, &moved, buf, (size_t)len, 400);
		assert_int_equal(ua.tcp_state, OB_UA_TCP_CONNECTING);
		ob_ua_set_flow(&ua, NULL, 500);
		assert_int_equal(env.nclose_pending, 1);
		assert_false(ua.active);
		assert_int_equal(ob_ua_next(&ua), OB_NEVER);
	}
}

/*
 * Seed 003 figure 1, F5-F13, with both machines and a NAT between them
 * that maps 10.0.0.2 to 203.0.113.9 (UDP 5060 -> 40000, TCP 33333 ->
 * 40001).
 */
struct net {
	struct env ua_env, edge_env;
	struct ob_ua ua;
	struct ob_edge edge;
};

static struct ob_flow nat_out(const struct ob_flow *f)
{
	struct ob_flow e = { .tp = f->tp, .laddr = f->raddr,
			     .lport = f->rport, .raddr = A("203.0.113.9"),
			     .rport = f->tp == OB_UDP ? 40000 : 40001 };
	return e;
}

/* Delivers everything either side sent, in order, until quiet. */
static void deliver(struct net *n, uint64_t now, int *ua_i, int *edge_i)
{
	bool more = true;

	while (more) {
		more = false;
		while (*ua_i < n->ua_env.nsent) {
			struct sent *s = &n->ua_env.sent[(*ua_i)++];
			struct ob_flow f = nat_out(&s->flow);

			ob_edge_input(&n->edge, &f, s->buf, s->len, now);
			more = true;
		}
		while (*edge_i < n->edge_env.nsent) {
			struct sent *s = &n->edge_env.sent[(*edge_i)++];
			struct ob_flow f = s->flow.tp == OB_UDP ?
					   (struct ob_flow)UA_UDP :
					   (struct ob_flow)UA_TCP;

			ob_ua_input(&n->ua, &f, s->buf, s->len, now);
			more = true;
		}
	}
}

static void test_figure1(void **state)
{
	struct ob_edge_cfg ecfg = edge_cfg();
	struct ob_ua_cfg ucfg = ua_cfg();
	struct ob_flow udp = UA_UDP, tcp = UA_TCP, eudp = EDGE_UDP;
	struct ob_flow etcp = EDGE_TCP;
	struct net *n = calloc(1, sizeof(*n));
	struct stun_msg m;
	int ua_i = 0, edge_i = 0, ctx = 42;

	(void)state;
	assert_non_null(n);
	ob_ua_init(&n->ua, &ucfg, &ua_ops, &n->ua_env);
	ob_edge_init(&n->edge, &ecfg, &edge_ops, &n->edge_env);
	/* F1-F4 (REGISTER) done: the flow exists. F5/F6: keep-alive. */
	ob_ua_set_flow(&n->ua, &udp, 0);
	ob_ua_tick(&n->ua, 0);
	deliver(n, 10, &ua_i, &edge_i);
	assert_int_equal(n->edge.stats.binding, 1);
	assert_int_equal(n->ua.stats.ka_ok, 1);
	assert_int_equal(n->ua.mapped.port, 40000);	/* the NAT's */
	/* F8/F9: an oversized request for the UA: ForceTCP on UDP. */
	assert_int_equal(ob_edge_force(&n->edge, &eudp, &ctx, 1000), 0);
	deliver(n, 1000, &ua_i, &edge_i);
	/* F10: the UA opens TCP; the connection comes up on both sides. */
	assert_int_equal(n->ua_env.nconnect, 1);
	n->edge_env.open_tcp[n->edge_env.nopen++] = etcp;
	ob_ua_tcp_up(&n->ua, &tcp, 1050);
	/* F10-F12: GetToken over TCP, its answer, the ForceTCP answer. */
	deliver(n, 1100, &ua_i, &edge_i);
	assert_int_equal(n->edge.stats.gettoken, 1);
	assert_int_equal(n->ua.stats.gettoken_ok, 1);
	assert_int_equal(n->ua.stats.force_answered, 1);
	/* F13: the edge knows which connection to send the request on. */
	assert_int_equal(n->edge_env.nforced, 1);
	assert_int_equal(n->edge_env.forced_status, 0);
	assert_ptr_equal(n->edge_env.forced_ctx, &ctx);
	assert_true(ob_flow_eq(&n->edge_env.forced_tcp, &etcp));
	/* The order on the wire: UA sent Binding, GetToken (TCP), ForceTCP
	 * response (UDP); the edge Binding response, ForceTCP, GetToken
	 * response. */
	assert_int_equal(n->ua_env.nsent, 3);
	decode_sent(&n->ua_env, 1, &m);
	assert_int_equal(m.method, STUN_GET_TOKEN);
	assert_int_equal(n->ua_env.sent[1].flow.tp, OB_TCP);
	decode_sent(&n->ua_env, 2, &m);
	assert_int_equal(m.method, STUN_FORCE_TCP);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_int_equal(n->ua_env.sent[2].flow.tp, OB_UDP);
	assert_int_equal(n->edge_env.nsent, 3);
	decode_sent(&n->edge_env, 1, &m);
	assert_int_equal(m.method, STUN_FORCE_TCP);
	assert_int_equal(m.cls, STUN_REQUEST);
	assert_int_equal(n->edge_env.sent[1].flow.tp, OB_UDP);
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge_binding),
		cmocka_unit_test(test_edge_gettoken),
		cmocka_unit_test(test_edge_requests_refused),
		cmocka_unit_test(test_edge_force),
		cmocka_unit_test(test_edge_force_fails),
		cmocka_unit_test(test_edge_force_timeout),
		cmocka_unit_test(test_ua_keepalive),
		cmocka_unit_test(test_ua_keepalive_fails),
		cmocka_unit_test(test_ua_force_over_tcp),
		cmocka_unit_test(test_ua_force_gettoken),
		cmocka_unit_test(test_ua_edge_closes),
		cmocka_unit_test(test_ua_gettoken_fails),
		cmocka_unit_test(test_ua_handoff),
		cmocka_unit_test(test_figure1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
