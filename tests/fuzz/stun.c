// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz harness: STUN messages (userspace/hmmpd/stun/): the codec and the
 * two Outbound state machines that take received messages.
 *
 * Input: one message (a datagram, or what stun_frame() cut from a TCP
 * stream), copied into a buffer of exactly its size.
 *
 *  - stun_decode(); an accepted message is framed to its own length by
 *    stun_frame(), its fields point into it, and what the encoder writes
 *    from them decodes to the same (the encoder against the decoder);
 *    MESSAGE-INTEGRITY is checked against a key.
 *  - The edge (ob_edge_input) gets it over UDP and over TCP; then, with
 *    the transaction ID of a ForceTCP request the edge sent, as that
 *    request's answer.
 *  - The UA (ob_ua_input) gets it with the transaction ID of its
 *    keep-alive and as it is; then, after a ForceTCP made it connect,
 *    with the transaction ID of its GetToken over TCP.
 * Transaction IDs are random (getrandom): the harness writes the one sent
 * over bytes 8-19 of the input, so every run of an input is the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stun/outbound.h"
#include "stun/stun.h"

static uint8_t last[OB_MSG_MAX];
static size_t last_len;

static int h_send(void *data, const struct ob_flow *flow, const uint8_t *buf,
		  size_t len)
{
	(void)data;
	(void)flow;
	if (len > sizeof(last))
		abort();
	memcpy(last, buf, len);
	last_len = len;
	return 0;
}

static bool h_tcp_open(void *data, const struct ob_flow *tcp)
{
	(void)data;
	return tcp->rport != 1;
}

static void h_forced(void *data, void *ctx, int status,
		     const struct ob_flow *tcp)
{
	(void)data;
	(void)ctx;
	if (!status != !!tcp)
		abort();
}

static int h_connect(void *data, const struct ob_flow *udp)
{
	(void)data;
	(void)udp;
	return 0;
}

static void h_close(void *data, const struct ob_flow *tcp)
{
	(void)data;
	(void)tcp;
}

static void h_failed(void *data, const char *why)
{
	(void)data;
	if (!why)
		abort();
}

static const struct ob_edge_ops edge_ops = {
	.send = h_send, .tcp_open = h_tcp_open, .forced = h_forced,
};
static const struct ob_ua_ops ua_ops = {
	.send = h_send, .tcp_connect = h_connect, .tcp_close = h_close,
	.flow_failed = h_failed,
};

#define FLOW(t, la, lp, ra, rp) \
	{ .tp = (t), .laddr = (la), .lport = (lp), .raddr = (ra), .rport = (rp) }

static const struct ob_flow edge_udp = FLOW(OB_UDP, 0x0a000001, 5060, 0x0a000002, 40000);
static const struct ob_flow edge_tcp = FLOW(OB_TCP, 0x0a000001, 5060, 0x0a000002, 40001);
static const struct ob_flow ua_udp = FLOW(OB_UDP, 0x0a000002, 40000, 0x0a000001, 5060);
static const struct ob_flow ua_tcp = FLOW(OB_TCP, 0x0a000002, 40001, 0x0a000001, 5060);

static void in_bounds(const uint8_t *buf, size_t len, const struct stun_bytes *b)
{
	if (b->p && (b->p < buf || b->p + b->len > buf + len))
		abort();
}

static void same_addr(const struct stun_addr *a, const struct stun_addr *b)
{
	size_t n = a->family == 4 ? 4 : 16;

	if (a->family != b->family || a->port != b->port ||
	    memcmp(a->addr, b->addr, n))
		abort();
}

/* Encode what was decoded, decode it again: the same fields. */
static void roundtrip(const struct stun_msg *m)
{
	static uint8_t out[STUN_MAX_MSG];
	struct stun_enc e;
	struct stun_msg m2;
	int n;

	stun_enc_init(&e, out, sizeof(out), m->method, m->cls, m->tid);
	if (m->has_mapped)
		stun_put_addr(&e, STUN_A_MAPPED_ADDRESS, &m->mapped);
	if (m->has_xor_mapped)
		stun_put_xor_addr(&e, &m->xor_mapped);
	if (m->error)
		stun_put_error(&e, m->error, NULL);
	if (m->nunknown)
		stun_put_unknown(&e, m->unknown, m->nunknown);
	if (m->software.p)
		stun_put(&e, STUN_A_SOFTWARE, m->software.p, m->software.len);
	if (m->flow_token.p)
		stun_put_flow_token(&e, m->flow_token.p, m->flow_token.len);
	stun_put_integrity(&e, "key", 3);
	stun_put_fingerprint(&e);
	n = stun_enc_end(&e);
	if (n < STUN_HDR_LEN)
		abort();
	if (stun_decode(out, (size_t)n, &m2) != STUN_OK)
		abort();
	if (m2.method != m->method || m2.cls != m->cls ||
	    memcmp(m2.tid, m->tid, STUN_TID_LEN) ||
	    m2.has_mapped != m->has_mapped ||
	    m2.has_xor_mapped != m->has_xor_mapped || m2.error != m->error ||
	    m2.nunknown != m->nunknown ||
	    memcmp(m2.unknown, m->unknown, m->nunknown * sizeof(m->unknown[0])) ||
	    m2.software.len != m->software.len ||
	    m2.flow_token.len != m->flow_token.len || !m2.has_fingerprint ||
	    !stun_check_integrity(out, &m2, "key", 3))
		abort();
	if (m->has_mapped)
		same_addr(&m->mapped, &m2.mapped);
	if (m->has_xor_mapped)
		same_addr(&m->xor_mapped, &m2.xor_mapped);
	if (m->flow_token.p &&
	    memcmp(m->flow_token.p, m2.flow_token.p, m->flow_token.len))
		abort();
}

static void codec(const uint8_t *buf, size_t len)
{
	struct stun_msg m;
	enum stun_status st = stun_decode(buf, len, &m);
	size_t n = 0;

	if (st >= __STUN_E_MAX || !stun_strstatus(st))
		abort();
	if (stun_frame(buf, len, STUN_MAX_MSG, &n) == 1 && n > len)
		abort();
	if (st != STUN_OK)
		return;
	if (stun_frame(buf, len, STUN_MAX_MSG, &n) != 1 || n != len ||
	    m.len != len || !stun_is_stun(buf, len))
		abort();
	in_bounds(buf, len, &m.reason);
	in_bounds(buf, len, &m.software);
	in_bounds(buf, len, &m.username);
	in_bounds(buf, len, &m.flow_token);
	if (m.integrity_off && m.integrity_off + 4 + STUN_MI_LEN > len)
		abort();
	stun_check_integrity(buf, &m, "key", 3);
	roundtrip(&m);
}

/* buf again, with the transaction ID of our last message. */
static void with_tid(uint8_t *copy, const uint8_t *buf, size_t len)
{
	memcpy(copy, buf, len);
	if (len >= STUN_HDR_LEN && last_len >= STUN_HDR_LEN)
		memcpy(copy + 8, last + 8, STUN_TID_LEN);
}

static void edge(const uint8_t *buf, uint8_t *copy, size_t len)
{
	static struct ob_edge e;
	struct ob_edge_cfg cfg = { .software = "fuzz" };
	int ctx;

	memset(cfg.secret, 0x5a, sizeof(cfg.secret));
	ob_edge_init(&e, &cfg, &edge_ops, NULL);
	ob_edge_input(&e, &edge_udp, buf, len, 1000);
	ob_edge_input(&e, &edge_tcp, buf, len, 1000);
	last_len = 0;
	if (ob_edge_force(&e, &edge_udp, &ctx, 2000))
		return;
	with_tid(copy, buf, len);
	ob_edge_input(&e, &edge_udp, copy, len, 2100);
	ob_edge_tick(&e, 1000000);
	ob_edge_cancel(&e, &ctx);
}

static void ua(const uint8_t *buf, uint8_t *copy, size_t len)
{
	static const uint8_t tid[STUN_TID_LEN] = "fuzz-force-1";
	static struct ob_ua u;
	struct ob_ua_cfg cfg = { .software = "fuzz" };
	uint8_t force[64];
	struct stun_enc e;

	ob_ua_init(&u, &cfg, &ua_ops, NULL);
	last_len = 0;
	ob_ua_set_flow(&u, &ua_udp, 1000);
	ob_ua_tick(&u, 1000);		/* the first keep-alive */
	with_tid(copy, buf, len);
	ob_ua_input(&u, &ua_udp, copy, len, 1100);
	ob_ua_input(&u, &ua_udp, buf, len, 1100);	/* as a request */
	/* the edge's ForceTCP: the UA connects, then asks for the token */
	stun_enc_init(&e, force, sizeof(force), STUN_FORCE_TCP, STUN_REQUEST, tid);
	stun_put_fingerprint(&e);
	if (stun_enc_end(&e) < 0)
		abort();
	ob_ua_input(&u, &ua_udp, force, (size_t)stun_enc_end(&e), 1150);
	last_len = 0;
	ob_ua_tcp_up(&u, &ua_tcp, 1200);
	with_tid(copy, buf, len);
	ob_ua_input(&u, &ua_tcp, copy, len, 1300);
	ob_ua_tick(&u, 100000000);
	ob_ua_tcp_down(&u, &ua_tcp, 100000001);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf, *copy;

	if (size > STUN_MAX_MSG)
		return 0;
	buf = malloc(size ? size : 1);
	copy = malloc(size ? size : 1);
	if (!buf || !copy)
		abort();
	memcpy(buf, data, size);
	codec(buf, size);
	edge(buf, copy, size);
	ua(buf, copy, size);
	free(buf);
	free(copy);
	return 0;
}
