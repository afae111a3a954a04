// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the edge and UA state machines of SIP Outbound's STUN side and of
 * seed 003's ForceTCP / GetToken usage. See outbound.h, docs/outbound.md.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "outbound.h"

bool ob_flow_eq(const struct ob_flow *a, const struct ob_flow *b)
{
	return a->tp == b->tp && a->laddr == b->laddr &&
	       a->lport == b->lport && a->raddr == b->raddr &&
	       a->rport == b->rport;
}

/* ---- flow tokens ---- */

#define TOKEN_VERSION	1
#define TOKEN_BODY	14	/* version, transport, 2 x (address, port) */
#define TOKEN_MAC	(OB_TOKEN_LEN - TOKEN_BODY)

static bool hmac_sha256(const uint8_t *key, size_t keylen, const uint8_t *in,
			size_t len, uint8_t out[32])
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	size_t outlen = 0;
	EVP_MAC *mac;
	bool ok = false;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return false;
	ctx = EVP_MAC_CTX_new(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx && EVP_MAC_init(ctx, key, keylen, params) &&
	    EVP_MAC_update(ctx, in, len) &&
	    EVP_MAC_final(ctx, out, &outlen, 32) && outlen == 32)
		ok = true;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok;
}

static void token_body(const struct ob_flow *f, uint8_t b[TOKEN_BODY])
{
	b[0] = TOKEN_VERSION;
	b[1] = f->tp;
	memcpy(b + 2, &f->laddr, 4);
	b[6] = f->lport >> 8;
	b[7] = f->lport & 0xff;
	memcpy(b + 8, &f->raddr, 4);
	b[12] = f->rport >> 8;
	b[13] = f->rport & 0xff;
}

int ob_token_make(const uint8_t secret[OB_SECRET_LEN],
		  const struct ob_flow *f, uint8_t out[OB_TOKEN_LEN])
{
	uint8_t mac[32];

	token_body(f, out);
	if (!hmac_sha256(secret, OB_SECRET_LEN, out, TOKEN_BODY, mac))
		return -ENOMEM;
	memcpy(out + TOKEN_BODY, mac, TOKEN_MAC);
	return 0;
}

bool ob_token_check(const uint8_t secret[OB_SECRET_LEN], const uint8_t *tok,
		    size_t len, struct ob_flow *f)
{
	uint8_t mac[32];

	if (len != OB_TOKEN_LEN || tok[0] != TOKEN_VERSION ||
	    (tok[1] != OB_UDP && tok[1] != OB_TCP))
		return false;
	if (!hmac_sha256(secret, OB_SECRET_LEN, tok, TOKEN_BODY, mac) ||
	    CRYPTO_memcmp(mac, tok + TOKEN_BODY, TOKEN_MAC))
		return false;
	memset(f, 0, sizeof(*f));
	f->tp = tok[1];
	memcpy(&f->laddr, tok + 2, 4);
	f->lport = (uint16_t)(tok[6] << 8 | tok[7]);
	memcpy(&f->raddr, tok + 8, 4);
	f->rport = (uint16_t)(tok[12] << 8 | tok[13]);
	return true;
}

/* ---- shared ---- */

static void remote_addr(const struct ob_flow *f, struct stun_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->port = f->rport;
	memcpy(a->addr, &f->raddr, 4);
}

/*
 * Answers req on flow: success (code 0) or an error. The extra attributes:
 * XOR-MAPPED-ADDRESS for Binding, FLOW-TOKEN when tok, UNKNOWN-ATTRIBUTES
 * for 420. FINGERPRINT when the request had one.
 */
static int answer(ob_send_fn send, void *data, const char *software,
		  const struct ob_flow *flow, const struct stun_msg *req,
		  int code, const uint8_t *tok, size_t toklen)
{
	uint8_t buf[OB_MSG_MAX + OB_TOKEN_MAX];
	struct stun_addr a;
	struct stun_enc e;
	int len;

	stun_enc_response(&e, buf, sizeof(buf), req, code != 0);
	if (software)
		stun_put_software(&e, software);
	if (code) {
		stun_put_error(&e, code, NULL);
		if (code == STUN_ERR_UNKNOWN_ATTR)
			stun_put_unknown(&e, req->unknown_req,
					 req->nunknown_req);
	} else if (req->method == STUN_BINDING) {
		remote_addr(flow, &a);
		stun_put_xor_addr(&e, &a);
	}
	if (tok)
		stun_put_flow_token(&e, tok, toklen);
	if (req->has_fingerprint)
		stun_put_fingerprint(&e);
	len = stun_enc_end(&e);
	if (len < 0)
		return len;
	return send(data, flow, buf, (size_t)len);
}

/* A request of ours: method, SOFTWARE, FINGERPRINT. Returns its length. */
static int request(uint8_t *buf, size_t cap, uint16_t method,
		   const char *software, uint8_t tid[STUN_TID_LEN])
{
	struct stun_enc e;
	int err = stun_tid_new(tid);

	if (err)
		return err;
	stun_enc_init(&e, buf, cap, method, STUN_REQUEST, tid);
	if (software)
		stun_put_software(&e, software);
	stun_put_fingerprint(&e);
	return stun_enc_end(&e);
}

/*
 * Decodes and sorts out what is not worth more: returns true with *m for
 * a message to handle; false when it was dropped or answered 400.
 */
static bool accept_msg(ob_send_fn send, void *data, const char *software,
		       const struct ob_flow *flow, const uint8_t *buf,
		       size_t len, struct stun_msg *m, uint64_t *dropped,
		       uint64_t *bad)
{
	enum stun_status st = stun_decode(buf, len, m);

	switch (st) {
	case STUN_OK:
		break;
	case STUN_E_TRUNCATED:
	case STUN_E_ATTR:
	case STUN_E_AFTER_FP:
	case STUN_E_CLASS:
		/* The header is sound: a request gets its 400. */
		if (m->cls == STUN_REQUEST) {
			(*bad)++;
			answer(send, data, software, flow, m,
			       STUN_ERR_BAD_REQUEST, NULL, 0);
			return false;
		}
		/* fall through */
	default:
		(*dropped)++;
		return false;
	}
	if (m->cls == STUN_REQUEST && m->nunknown_req) {
		(*bad)++;
		answer(send, data, software, flow, m, STUN_ERR_UNKNOWN_ATTR,
		       NULL, 0);
		return false;
	}
	if (m->cls == STUN_INDICATION) {
		(*dropped)++;
		return false;
	}
	return true;
}

static unsigned int or_default(unsigned int v, unsigned int def)
{
	return v ? v : def;
}

/* After the n-th transmission (from 1), how long to wait. */
static uint64_t backoff(unsigned int n, unsigned int rto, unsigned int rc,
			unsigned int rm)
{
	if (n >= rc)
		return (uint64_t)rm * rto;
	return (uint64_t)rto << (n - 1 < 16 ? n - 1 : 16);
}

/* ---- edge ---- */

void ob_edge_init(struct ob_edge *e, const struct ob_edge_cfg *cfg,
		  const struct ob_edge_ops *ops, void *data)
{
	memset(e, 0, sizeof(*e));
	e->cfg = *cfg;
	e->cfg.rto_ms = or_default(cfg->rto_ms, OB_RTO_MS);
	e->cfg.rc = or_default(cfg->rc, OB_RC);
	e->cfg.rm = or_default(cfg->rm, OB_RM);
	e->ops = ops;
	e->data = data;
}

static struct ob_edge_pending *edge_find(struct ob_edge *e,
					 const struct ob_flow *flow,
					 const uint8_t *tid)
{
	size_t i;

	for (i = 0; i < OB_EDGE_MAX_PENDING; i++) {
		struct ob_edge_pending *p = &e->pend[i];

		if (p->used && !memcmp(p->tid, tid, STUN_TID_LEN) &&
		    ob_flow_eq(&p->udp, flow))
			return p;
	}
	return NULL;
}

/* Ends a ForceTCP transaction; the slot is free before the callback. */
static void edge_done(struct ob_edge *e, struct ob_edge_pending *p,
		      int status, const struct ob_flow *tcp)
{
	void *ctx = p->ctx;

	p->used = false;
	e->ops->forced(e->data, ctx, status, tcp);
}

static void edge_force_response(struct ob_edge *e, struct ob_edge_pending *p,
				const struct stun_msg *m)
{
	struct ob_flow tcp;

	if (m->cls == STUN_ERROR) {
		/* Seed 003 6.1.2: 400 means no support: 430 upstream. */
		if (m->error == STUN_ERR_BAD_REQUEST)
			e->stats.force_400++;
		else
			e->stats.force_failed++;
		edge_done(e, p, 430, NULL);
		return;
	}
	if (!m->flow_token.p ||
	    !ob_token_check(e->cfg.secret, m->flow_token.p, m->flow_token.len,
			    &tcp) ||
	    tcp.tp != OB_TCP || !e->ops->tcp_open(e->data, &tcp)) {
		e->stats.force_failed++;
		edge_done(e, p, 430, NULL);
		return;
	}
	e->stats.force_ok++;
	edge_done(e, p, 0, &tcp);
}

int ob_edge_input(struct ob_edge *e, const struct ob_flow *flow,
		  const uint8_t *buf, size_t len, uint64_t now)
{
	uint8_t tok[OB_TOKEN_LEN];
	struct ob_edge_pending *p;
	struct stun_msg m;
	int err;

	(void)now;
	if (!accept_msg(e->ops->send, e->data, e->cfg.software, flow, buf, len,
			&m, &e->stats.dropped, &e->stats.bad_request))
		return 0;
	if (m.cls != STUN_REQUEST) {
		p = m.method == STUN_FORCE_TCP ? edge_find(e, flow, m.tid) :
						  NULL;
		if (!p) {
			e->stats.dropped++;
			return 0;
		}
		edge_force_response(e, p, &m);
		return 0;
	}
	switch (m.method) {
	case STUN_BINDING:
		e->stats.binding++;
		return answer(e->ops->send, e->data, e->cfg.software, flow,
			      &m, 0, NULL, 0);
	case STUN_GET_TOKEN:
		/* Seed 003 6.2.1: over TCP only. */
		if (flow->tp != OB_TCP) {
			e->stats.gettoken_udp++;
			return answer(e->ops->send, e->data, e->cfg.software,
				      flow, &m, STUN_ERR_TCP_ONLY, NULL, 0);
		}
		err = ob_token_make(e->cfg.secret, flow, tok);
		if (err)
			return answer(e->ops->send, e->data, e->cfg.software,
				      flow, &m, STUN_ERR_SERVER, NULL, 0);
		e->stats.gettoken++;
		return answer(e->ops->send, e->data, e->cfg.software, flow,
			      &m, 0, tok, sizeof(tok));
	default:
		/* ForceTCP is the UA's to serve; anything else is unknown. */
		e->stats.bad_request++;
		return answer(e->ops->send, e->data, e->cfg.software, flow,
			      &m, STUN_ERR_BAD_REQUEST, NULL, 0);
	}
}

int ob_edge_force(struct ob_edge *e, const struct ob_flow *udp, void *ctx,
		  uint64_t now)
{
	struct ob_edge_pending *p = NULL;
	size_t i;
	int len, err;

	if (udp->tp != OB_UDP)
		return -EINVAL;
	for (i = 0; i < OB_EDGE_MAX_PENDING && !p; i++)
		if (!e->pend[i].used)
			p = &e->pend[i];
	if (!p)
		return -ENOSPC;
	len = request(p->msg, sizeof(p->msg), STUN_FORCE_TCP, e->cfg.software,
		      p->tid);
	if (len < 0)
		return len;
	err = e->ops->send(e->data, udp, p->msg, (size_t)len);
	if (err)
		return err;
	p->used = true;
	p->udp = *udp;
	p->ctx = ctx;
	p->len = (size_t)len;
	p->sent = 1;
	p->next = now + backoff(1, e->cfg.rto_ms, e->cfg.rc, e->cfg.rm);
	e->stats.force_sent++;
	return 0;
}

void ob_edge_cancel(struct ob_edge *e, void *ctx)
{
	size_t i;

	for (i = 0; i < OB_EDGE_MAX_PENDING; i++)
		if (e->pend[i].used && e->pend[i].ctx == ctx)
			e->pend[i].used = false;
}

uint64_t ob_edge_next(const struct ob_edge *e)
{
	uint64_t next = OB_NEVER;
	size_t i;

	for (i = 0; i < OB_EDGE_MAX_PENDING; i++)
		if (e->pend[i].used && e->pend[i].next < next)
			next = e->pend[i].next;
	return next;
}

void ob_edge_tick(struct ob_edge *e, uint64_t now)
{
	size_t i;

	for (i = 0; i < OB_EDGE_MAX_PENDING; i++) {
		struct ob_edge_pending *p = &e->pend[i];

		if (!p->used || p->next > now)
			continue;
		if (p->sent >= e->cfg.rc) {
			/* No answer: the flow is dead (RFC 5626 5.3). */
			e->stats.force_failed++;
			edge_done(e, p, 430, NULL);
			continue;
		}
		/* UDP: the same bytes again (RFC 8489 6.2.1). */
		e->ops->send(e->data, &p->udp, p->msg, p->len);
		e->stats.force_retrans++;
		p->sent++;
		p->next = now + backoff(p->sent, e->cfg.rto_ms, e->cfg.rc,
					e->cfg.rm);
	}
}

/* ---- UA ---- */

void ob_ua_init(struct ob_ua *ua, const struct ob_ua_cfg *cfg,
		const struct ob_ua_ops *ops, void *data)
{
	memset(ua, 0, sizeof(*ua));
	ua->cfg = *cfg;
	ua->cfg.ka_min_ms = or_default(cfg->ka_min_ms, OB_KA_MIN_MS);
	ua->cfg.ka_max_ms = or_default(cfg->ka_max_ms, OB_KA_MAX_MS);
	if (ua->cfg.ka_max_ms < ua->cfg.ka_min_ms)
		ua->cfg.ka_max_ms = ua->cfg.ka_min_ms;
	ua->cfg.rto_ms = or_default(cfg->rto_ms, OB_RTO_MS);
	ua->cfg.rc = or_default(cfg->rc, OB_RC);
	ua->cfg.rm = or_default(cfg->rm, OB_RM);
	ua->cfg.hold_ms = or_default(cfg->hold_ms, OB_HOLD_MS);
	ua->cfg.gettoken_ms = or_default(cfg->gettoken_ms,
					 ua->cfg.rm * ua->cfg.rto_ms);
	ua->ops = ops;
	ua->data = data;
	ua->ka_next = OB_NEVER;
}

/* The next keep-alive, min to max ms from now (RFC 5626 4.4.1). */
static uint64_t ka_interval(const struct ob_ua *ua)
{
	unsigned int span = ua->cfg.ka_max_ms - ua->cfg.ka_min_ms;
	uint32_t r = 0;

	if (span && getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = 0;
	return ua->cfg.ka_min_ms + (span ? r % (span + 1) : 0);
}

/* Answer every ForceTCP waiting for a token: with it, or with code. */
static void ua_answer_waiting(struct ob_ua *ua, int code)
{
	struct stun_msg req;
	unsigned int i;

	for (i = 0; i < ua->nwaiting; i++) {
		struct ob_ua_waiting *w = &ua->waiting[i];

		memset(&req, 0, sizeof(req));
		req.method = STUN_FORCE_TCP;
		req.cls = STUN_REQUEST;
		memcpy(req.tid, w->tid, STUN_TID_LEN);
		req.has_fingerprint = w->fingerprint;
		if (code) {
			ua->stats.force_failed++;
			answer(ua->ops->send, ua->data, ua->cfg.software,
			       &w->flow, &req, code, NULL, 0);
		} else {
			ua->stats.force_answered++;
			answer(ua->ops->send, ua->data, ua->cfg.software,
			       &w->flow, &req, 0, ua->token, ua->token_len);
		}
	}
	ua->nwaiting = 0;
}

/*
 * Drop the TCP association (closing the connection when close). Waiting
 * ForceTCP requests get 500: there is no token to give them.
 */
static void ua_drop_tcp(struct ob_ua *ua, bool close)
{
	enum ob_ua_tcp was = ua->tcp_state;

	ua->tcp_state = OB_UA_TCP_NONE;
	ua->token_len = 0;
	ua->busy = 0;
	if (ua->nwaiting)
		ua_answer_waiting(ua, STUN_ERR_SERVER);
	if (close && was != OB_UA_TCP_NONE) {
		ua->stats.tcp_closed++;
		ua->ops->tcp_close(ua->data, was == OB_UA_TCP_CONNECTING ?
				   NULL : &ua->tcp);
	}
}

void ob_ua_set_flow(struct ob_ua *ua, const struct ob_flow *udp,
		    uint64_t now)
{
	if (udp && ua->active && ob_flow_eq(udp, &ua->udp))
		return;
	ua_drop_tcp(ua, true);
	ua->ka_pending = false;
	ua->have_mapped = false;
	if (!udp) {
		ua->active = false;
		ua->ka_next = OB_NEVER;
		return;
	}
	ua->active = true;
	ua->udp = *udp;
	ua->ka_next = now;
}

void ob_ua_set_flow_timer(struct ob_ua *ua, unsigned int seconds)
{
	if (!seconds || seconds > 86400)
		return;
	ua->cfg.ka_max_ms = seconds * 1000;
	ua->cfg.ka_min_ms = seconds * 800;
}

static void ua_send_ka(struct ob_ua *ua, uint64_t now)
{
	uint8_t buf[OB_MSG_MAX];
	int len;

	if (!ua->ka_pending) {
		len = request(buf, sizeof(buf), STUN_BINDING,
			      ua->cfg.software, ua->ka_tid);
		ua->ka_pending = true;
		ua->ka_sent = 0;
		ua->stats.ka_sent++;
	} else {
		struct stun_enc e;

		/* The same transaction again: same ID, same bytes. */
		stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST,
			      ua->ka_tid);
		if (ua->cfg.software)
			stun_put_software(&e, ua->cfg.software);
		stun_put_fingerprint(&e);
		len = stun_enc_end(&e);
		ua->stats.ka_retrans++;
	}
	ua->ka_sent++;
	ua->ka_next = now + backoff(ua->ka_sent, ua->cfg.rto_ms, ua->cfg.rc,
				    ua->cfg.rm);
	if (len > 0)
		ua->ops->send(ua->data, &ua->udp, buf, (size_t)len);
}

static void ua_flow_failed(struct ob_ua *ua, const char *why)
{
	ua->stats.ka_failed++;
	ua->ka_pending = false;
	ua->active = false;
	ua->ka_next = OB_NEVER;
	ua_drop_tcp(ua, true);
	ua->ops->flow_failed(ua->data, why);
}

static void ua_keepalive_response(struct ob_ua *ua, const struct stun_msg *m,
				  uint64_t now)
{
	ua->ka_pending = false;
	ua->ka_next = now + ka_interval(ua);
	ua->stats.ka_ok++;
	if (m->cls != STUN_SUCCESS || !m->has_xor_mapped)
		return;
	if (!ua->have_mapped) {
		ua->mapped = m->xor_mapped;
		ua->have_mapped = true;
		return;
	}
	/* RFC 5626 4.4.2: a new mapped address is a failure of the flow. */
	if (memcmp(&ua->mapped, &m->xor_mapped, sizeof(ua->mapped)))
		ua_flow_failed(ua, "the mapped address changed");
}

static void ua_gettoken_response(struct ob_ua *ua, const struct stun_msg *m,
				 uint64_t now)
{
	if (m->cls != STUN_SUCCESS || !m->flow_token.p ||
	    m->flow_token.len > OB_TOKEN_MAX) {
		ua->stats.gettoken_failed++;
		ua_drop_tcp(ua, true);
		return;
	}
	ua->stats.gettoken_ok++;
	memcpy(ua->token, m->flow_token.p, m->flow_token.len);
	ua->token_len = m->flow_token.len;
	ua->tcp_state = OB_UA_TCP_READY;
	ua->hold_until = now + ua->cfg.hold_ms;
	ua_answer_waiting(ua, 0);
}

static int ua_force(struct ob_ua *ua, const struct ob_flow *flow,
		    const struct stun_msg *m, uint64_t now)
{
	struct ob_ua_waiting *w;
	unsigned int i;
	int err;

	/* Seed 003 6.1.1: over UDP only. */
	if (flow->tp != OB_UDP) {
		ua->stats.force_tcp++;
		return answer(ua->ops->send, ua->data, ua->cfg.software, flow,
			      m, STUN_ERR_UDP_ONLY, NULL, 0);
	}
	/* Only the flow we made to the edge has a TCP connection to pair. */
	if (!ua->active || !ob_flow_eq(flow, &ua->udp)) {
		ua->stats.bad_request++;
		return answer(ua->ops->send, ua->data, ua->cfg.software, flow,
			      m, STUN_ERR_BAD_REQUEST, NULL, 0);
	}
	if (ua->tcp_state == OB_UA_TCP_READY) {
		ua->stats.force_answered++;
		if (ua->hold_until < now + ua->cfg.hold_ms)
			ua->hold_until = now + ua->cfg.hold_ms;
		return answer(ua->ops->send, ua->data, ua->cfg.software, flow,
			      m, 0, ua->token, ua->token_len);
	}
	/* A retransmission of one already waiting is absorbed. */
	for (i = 0; i < ua->nwaiting; i++)
		if (!memcmp(ua->waiting[i].tid, m->tid, STUN_TID_LEN))
			return 0;
	if (ua->nwaiting == OB_UA_MAX_WAITING) {
		ua->stats.force_failed++;
		return answer(ua->ops->send, ua->data, ua->cfg.software, flow,
			      m, STUN_ERR_SERVER, NULL, 0);
	}
	w = &ua->waiting[ua->nwaiting++];
	memcpy(w->tid, m->tid, STUN_TID_LEN);
	w->flow = *flow;
	w->fingerprint = m->has_fingerprint;
	if (ua->tcp_state != OB_UA_TCP_NONE)
		return 0;
	/* Seed 003 6.1.1 / 6.2.2: open one and ask for its token. */
	ua->tcp_state = OB_UA_TCP_CONNECTING;
	ua->gt_deadline = now + ua->cfg.gettoken_ms;
	ua->stats.tcp_opened++;
	err = ua->ops->tcp_connect(ua->data, &ua->udp);
	if (err && ua->tcp_state == OB_UA_TCP_CONNECTING) {
		ua->stats.tcp_opened--;
		ua->tcp_state = OB_UA_TCP_NONE;
		ua_answer_waiting(ua, STUN_ERR_SERVER);
	}
	return 0;
}

int ob_ua_input(struct ob_ua *ua, const struct ob_flow *flow,
		const uint8_t *buf, size_t len, uint64_t now)
{
	struct stun_msg m;

	if (!accept_msg(ua->ops->send, ua->data, ua->cfg.software, flow, buf,
			len, &m, &ua->stats.dropped, &ua->stats.bad_request))
		return 0;
	if (m.cls == STUN_REQUEST) {
		switch (m.method) {
		case STUN_BINDING:
			return answer(ua->ops->send, ua->data,
				      ua->cfg.software, flow, &m, 0, NULL, 0);
		case STUN_FORCE_TCP:
			return ua_force(ua, flow, &m, now);
		default:
			/* GetToken is the edge's to serve. */
			ua->stats.bad_request++;
			return answer(ua->ops->send, ua->data,
				      ua->cfg.software, flow, &m,
				      STUN_ERR_BAD_REQUEST, NULL, 0);
		}
	}
	if (m.method == STUN_BINDING && ua->ka_pending && ua->active &&
	    ob_flow_eq(flow, &ua->udp) &&
	    !memcmp(m.tid, ua->ka_tid, STUN_TID_LEN)) {
		ua_keepalive_response(ua, &m, now);
		return 0;
	}
	if (m.method == STUN_GET_TOKEN &&
	    ua->tcp_state == OB_UA_TCP_GETTOKEN &&
	    ob_flow_eq(flow, &ua->tcp) &&
	    !memcmp(m.tid, ua->gt_tid, STUN_TID_LEN)) {
		ua_gettoken_response(ua, &m, now);
		return 0;
	}
	ua->stats.dropped++;
	return 0;
}

void ob_ua_tcp_up(struct ob_ua *ua, const struct ob_flow *tcp, uint64_t now)
{
	uint8_t buf[OB_MSG_MAX];
	int len;

	(void)now;
	if (ua->tcp_state != OB_UA_TCP_CONNECTING || tcp->tp != OB_TCP)
		return;
	ua->tcp = *tcp;
	ua->tcp_state = OB_UA_TCP_GETTOKEN;
	len = request(buf, sizeof(buf), STUN_GET_TOKEN, ua->cfg.software,
		      ua->gt_tid);
	ua->stats.gettoken_sent++;
	/* Over TCP: sent once, no retransmission (RFC 8489 6.2.2). */
	if (len < 0 || ua->ops->send(ua->data, tcp, buf, (size_t)len)) {
		ua->stats.gettoken_failed++;
		ua_drop_tcp(ua, true);
	}
}

void ob_ua_tcp_down(struct ob_ua *ua, const struct ob_flow *tcp,
		    uint64_t now)
{
	(void)now;
	if (ua->tcp_state == OB_UA_TCP_NONE)
		return;
	if (ua->tcp_state != OB_UA_TCP_CONNECTING &&
	    (!tcp || !ob_flow_eq(tcp, &ua->tcp)))
		return;
	/* The edge closed it, or it never came up: forget it (6.2.2). */
	ua->stats.tcp_lost++;
	ua_drop_tcp(ua, false);
}

void ob_ua_tcp_busy(struct ob_ua *ua, const struct ob_flow *tcp, bool busy,
		    uint64_t now)
{
	if (ua->tcp_state != OB_UA_TCP_READY || !ob_flow_eq(tcp, &ua->tcp))
		return;
	if (busy) {
		ua->busy++;
		return;
	}
	if (ua->busy)
		ua->busy--;
	if (!ua->busy && now >= ua->hold_until)
		ua_drop_tcp(ua, true);
}

uint64_t ob_ua_next(const struct ob_ua *ua)
{
	uint64_t next = ua->active ? ua->ka_next : OB_NEVER;

	switch (ua->tcp_state) {
	case OB_UA_TCP_CONNECTING:
	case OB_UA_TCP_GETTOKEN:
		if (ua->gt_deadline < next)
			next = ua->gt_deadline;
		break;
	case OB_UA_TCP_READY:
		if (!ua->busy && ua->hold_until < next)
			next = ua->hold_until;
		break;
	case OB_UA_TCP_NONE:
		break;
	}
	return next;
}

void ob_ua_tick(struct ob_ua *ua, uint64_t now)
{
	switch (ua->tcp_state) {
	case OB_UA_TCP_CONNECTING:
	case OB_UA_TCP_GETTOKEN:
		if (now >= ua->gt_deadline) {
			ua->stats.gettoken_failed++;
			ua_drop_tcp(ua, true);
		}
		break;
	case OB_UA_TCP_READY:
		/* Held long enough and no transaction on it: let it go. */
		if (!ua->busy && now >= ua->hold_until)
			ua_drop_tcp(ua, true);
		break;
	case OB_UA_TCP_NONE:
		break;
	}
	if (!ua->active || now < ua->ka_next)
		return;
	if (ua->ka_pending && ua->ka_sent >= ua->cfg.rc) {
		ua_flow_failed(ua, "no answer to the keep-alive");
		return;
	}
	ua_send_ka(ua, now);
}
