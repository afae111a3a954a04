// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the mobile role's requests (mobile-int.h): INFO and REGISTER
 * transactions on the SIP core, each 401/407 answered with the digest
 * credentials of that peer from the secrets file, failures (timeout,
 * transport, 5xx) retried with exponential backoff while their hand-off
 * is the latest one (and, for the previous gateway, within its lifetime).
 * A REGISTER carries what the other features add (the core's
 * register_decorate) and its 200 goes to them (registered).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>

#include <netlink/errno.h>
#include <netlink/socket.h>
#include <uapi/linux/hmmp.h>

#include "core/daemon.h"
#include "core/feature.h"
#include "core/kern.h"
#include "core/log.h"
#include "core/net.h"
#include "core/plan.h"
#include "sip/auth.h"
#include "sip/body.h"
#include "sip/sip.h"
#include "sip/uri.h"
#include "util.h"
#include "mobile-int.h"

/* ---- transactions ------------------------------------------------------- */

static void txn_unlink(struct txn *t)
{
	struct txn **pp;

	for (pp = &t->m->txns; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
}

void mobile_txn_free(struct txn *t)
{
	txn_unlink(t);
	sd_event_source_disable_unref(t->timer);
	free(t->body);
	free(t);
}

void mobile_txn_cancel(struct txn *t)
{
	if (t->in_flight) {
		t->dead = true;
		hmmpd_timer_disarm(t->timer);
	} else {
		mobile_txn_free(t);
	}
}

void mobile_txns_cancel(struct hmmpd_mobile *m, unsigned int mask)
{
	struct txn *t, *next;

	for (t = m->txns; t; t = next) {
		unsigned int cls = t->reg ? MOBILE_TXN_REG :
				   t->claim ? MOBILE_TXN_CLAIM : MOBILE_TXN_INFO;

		next = t->next;
		if (cls & mask)
			mobile_txn_cancel(t);
	}
}

static const char *txn_what(const struct txn *t)
{
	return t->reg ? "register" : t->claim ? "claim" : "info";
}

static void txn_log_dest(const struct txn *t, char *buf, size_t size)
{
	char ip[HMMP_ADDRSTRLEN];

	if (t->reg)
		snprintf(buf, size, "%s", t->uri);
	else
		snprintf(buf, size, "%s", ip_s(t->dest, ip));
}

static const struct hmmpd_peer *txn_peer(const struct txn *t)
{
	const struct hmmpd_conf *c = t->m->d->conf;
	unsigned int i;

	if (!t->reg)
		return hmmpd_conf_peer_by_addr(c, t->dest);
	for (i = 0; i < c->npeers; i++)
		if (!strcmp(c->peers[i].uri, t->uri))
			return &c->peers[i];
	return NULL;
}

static void on_response(struct sip *sip, int status, const osip_message_t *resp,
			const osip_message_t *req, void *data);

static int txn_send(struct txn *t)
{
	struct hmmpd *d = t->m->d;
	char hdr[2 * HMMPD_URI_MAX + 512], to[HMMPD_URI_MAX + 2], who[HMMPD_URI_MAX];
	struct hmmpd_register_extra x = { 0 };
	const char *proxy = NULL;
	struct sip_request rq = { .uri = t->uri, .headers = hdr, .src = t->src };
	int r;

	t->attempt++;
	t->auth_tries = 0;
	if (t->reg) {
		rq.method = "REGISTER";
		snprintf(to, sizeof(to), "<%s>", d->conf->identity);
		rq.to = to;
		/* what features add (Outbound: Route, Contact params, edge) */
		if (hmmpd_core_register_decorate(d, &x) && x.next_hop.addr)
			rq.dest = x.next_hop;
		/* the contact left behind goes (RFC 3261 10.2.2) */
		if (t->old_contact[0])
			snprintf(hdr, sizeof(hdr),
				 "Contact: <%s>%s\r\nContact: <%s>;expires=0\r\nExpires: %u%s%s",
				 t->contact, x.cparams, t->old_contact, t->expires,
				 x.headers[0] ? "\r\n" : "", x.headers);
		else
			snprintf(hdr, sizeof(hdr), "Contact: <%s>%s\r\nExpires: %u%s%s",
				 t->contact, x.cparams, t->expires,
				 x.headers[0] ? "\r\n" : "", x.headers);
	} else {
		const struct hmmpd_peer *p = txn_peer(t);
		bool tcp = false;

		rq.method = "INFO";
		snprintf(hdr, sizeof(hdr), "Expires: %u", t->expires);
		/* [peer] proxy: the next hop, the Request-URI unchanged */
		if (p && p->proxy[0] && !sip_uri_addr(p->proxy, &rq.dest, &tcp)) {
			proxy = p->proxy;
			if (tcp)
				rq.transport = SIP_TP_TCP;
		}
		/* udp: the NAT mapping the INFO makes is the tunnel's */
		if (!proxy && t->asked == HMMP_ENCAP_UDP)
			rq.transport = SIP_TP_UDP;
		rq.content_type = HMMPD_BODY_TYPE;
		rq.body = t->body;
		rq.body_len = t->body_len;
	}
	txn_log_dest(t, who, sizeof(who));
	r = sip_send_request(d->sip, &rq, on_response, t);
	if (r) {
		hmmpd_log(LOG_ERR, "%s: cannot send to %s: %s", txn_what(t), who,
			  strerror(-r));
		return r;
	}
	t->in_flight = true;
	if (t->reg)
		hmmpd_log(LOG_INFO, "register: sent to %s (contact %s, expires %u s%s)",
			  t->uri, t->contact, t->expires,
			  t->attempt > 1 ? ", again" : "");
	else
		hmmpd_log(LOG_INFO, "info: sent to %s (%u bindings, %u connections, kind %s, encap %s, expires %u s%s%s%s%s)",
			  who, t->nbind, t->nconn, hmmp_kind_name(t->kind),
			  hmmpd_encap_name(t->asked) ? hmmpd_encap_name(t->asked) : "?",
			  t->expires, proxy ? ", through " : "",
			  proxy ? proxy : "", t->refresh ? ", refresh" : "",
			  t->attempt > 1 ? ", again" : "");
	return 0;
}

static void txn_done(struct txn *t, bool ok)
{
	struct hmmpd_mobile *m = t->m;

	if (!t->reg && !t->refresh && t->gen == m->gen && m->waiting) {
		m->waiting--;
		m->ok += ok;
		if (!m->waiting) {
			struct hmmpd_handoff_result r = {
				.gen = m->gen, .sent = m->sent, .ok = m->ok,
				.ms = ms_since(m->d, m->handoff_us),
			};

			hmmpd_log(LOG_INFO, "handoff: %s in %llu ms (new address to last answer): %u of %u INFOs answered 200",
				  m->ok == m->sent ? "complete" : "finished",
				  (unsigned long long)r.ms, m->ok, m->sent);
			hmmpd_core_handoff_finished(m->d, &r);
		}
	}
	mobile_txn_free(t);
}

static int on_retry_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	struct txn *t = arg;

	(void)s;
	(void)usec;
	if (txn_send(t))
		txn_done(t, false);
	return 0;
}

static bool retryable(int status)
{
	return status == SIP_STATUS_TIMEOUT || status == SIP_STATUS_TRANSPORT ||
	       (status >= 500 && status < 600 && status != 501 && status != 505);
}

static void txn_failed(struct txn *t, int status)
{
	struct hmmpd *d = t->m->d;
	char who[HMMPD_URI_MAX];
	uint64_t now = hmmpd_now_us(d);

	txn_log_dest(t, who, sizeof(who));
	if (!retryable(status) || t->gen != t->m->gen ||
	    t->attempt >= RETRY_MAX_ATTEMPTS ||
	    (t->deadline_us && now + t->backoff_ms * 1000ULL >= t->deadline_us)) {
		hmmpd_log(LOG_WARNING, "%s: giving up on %s after %u attempts (last %d)",
			  txn_what(t), who, t->attempt, status);
		txn_done(t, false);
		return;
	}
	t->backoff_ms = hmmp_backoff_next(t->backoff_ms, RETRY_MIN_MS, RETRY_MAX_MS);
	hmmpd_log(LOG_INFO, "%s: retrying %s in %u ms (attempt %u)", txn_what(t),
		  who, t->backoff_ms, t->attempt + 1);
	if (hmmpd_timer_arm(d, &t->timer, t->backoff_ms * 1000ULL, on_retry_timer, t) < 0)
		txn_done(t, false);
}

/* Answer a 401/407 with the peer's credentials. 0 when sent again. */
static int answer_challenge(struct txn *t, int status,
			    const osip_message_t *resp,
			    const osip_message_t *req)
{
	struct hmmpd *d = t->m->d;
	const struct hmmpd_peer *p = txn_peer(t);
	const struct hmmpd_secret *s = p ? hmmpd_secrets_peer(&d->secrets, p->name)
					 : NULL;
	char *chal[8], *uri = NULL, hdr[2048], cnonce[17], who[HMMPD_URI_MAX];
	const char *why = NULL;
	unsigned int n = 0, i;
	uint8_t rnd[8];
	int r = -1;

	txn_log_dest(t, who, sizeof(who));
	if (!s) {
		hmmpd_log(LOG_WARNING, "%s: %d from %s: no credentials for it (%s)",
			  txn_what(t), status, who,
			  p ? "no line for its peer in the secrets file"
			    : "no [peer] in the configuration has its address or URI");
		return -1;
	}
	while (n < HMMP_ARRAY_SIZE(chal) &&
	       !sip_header(resp, status == 401 ? "WWW-Authenticate"
					      : "Proxy-Authenticate",
			   (int)n, &chal[n]))
		n++;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		goto out;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(cnonce + 2 * i, 3, "%02x", rnd[i]);
	if (osip_uri_to_str(req->req_uri, &uri))
		goto out;
	r = hmmpd_auth_answer((const char *const *)chal, n,
			      status == 401 ? "Authorization" : "Proxy-Authorization",
			      s->user, s->pass, req->sip_method, uri, cnonce,
			      hdr, sizeof(hdr), &why);
	if (r < 0 || (size_t)r >= sizeof(hdr)) {
		hmmpd_log(LOG_WARNING, "%s: %d from %s: cannot answer: %s",
			  txn_what(t), status, who, why ? why : "too long");
		r = -1;
		goto out;
	}
	r = sip_send_retry(d->sip, req, hdr, on_response, t);
	if (r)
		hmmpd_log(LOG_ERR, "%s: cannot send to %s again: %s", txn_what(t),
			  who, strerror(-r));
	else
		hmmpd_log(LOG_INFO, "%s: %d from %s: answering the challenge as user %s (peer %s)",
			  txn_what(t), status, who, s->user, p->name);
out:
	for (i = 0; i < n; i++)
		free(chal[i]);
	osip_free(uri);
	return r;
}

static void schedule_register(struct hmmpd_mobile *m, uint32_t expires);
static void schedule_claim(struct hmmpd_mobile *m, uint32_t expires);

static uint32_t resp_expires(const osip_message_t *resp, uint32_t dflt)
{
	char *v = NULL;
	uint32_t e;

	if (resp && !sip_header(resp, "Expires", 0, &v) &&
	    !hmmp_u32_parse(v, 0, UINT32_MAX, &e)) {
		free(v);
		return e;
	}
	free(v);
	return dflt;
}

/* A response's reason phrase, printable, for the log. */
static const char *reason(const osip_message_t *resp, char *buf, size_t size)
{
	const char *r = resp && resp->reason_phrase ? resp->reason_phrase : "";
	size_t i;

	for (i = 0; r[i] && i + 1 < size; i++)
		buf[i] = r[i] >= 0x20 && r[i] < 0x7f ? r[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* A 2xx to an INFO: its answer body, if any, to encap.c. */
static void info_answer(struct txn *t, const osip_message_t *resp)
{
	osip_body_t *b = NULL;
	char *ctype = NULL;

	if (resp)
		sip_header(resp, "Content-Type", 0, &ctype);
	if (resp && osip_message_get_body(resp, 0, &b))
		b = NULL;
	mobile_info_answer(t->m, t->dest, t->asked, ctype, b ? b->body : NULL,
			   b && b->body ? b->length : 0);
	free(ctype);
}

static void on_response(struct sip *sip, int status, const osip_message_t *resp,
			const osip_message_t *req, void *data)
{
	struct txn *t = data;
	struct hmmpd_mobile *m = t->m;
	char who[HMMPD_URI_MAX], why[64];
	uint32_t e;

	(void)sip;
	t->in_flight = false;
	if (t->dead) {
		mobile_txn_free(t);
		return;
	}
	txn_log_dest(t, who, sizeof(who));
	if ((status == 401 || status == 407) && resp) {
		hmmpd_log(LOG_INFO, "%s: %d from %s", txn_what(t), status, who);
		if (t->auth_tries < AUTH_MAX_TRIES) {
			t->auth_tries++;
			if (!answer_challenge(t, status, resp, req)) {
				t->in_flight = true;
				return;
			}
		}
		hmmpd_log(LOG_WARNING, "%s: %s refused our credentials", txn_what(t), who);
		txn_done(t, false);
		return;
	}
	if (status >= 200 && status < 300) {
		if (t->reg) {
			e = resp_expires(resp, t->expires);
			hmmpd_log(LOG_INFO, "register: %d from %s (contact %s, expires %u s%s%s)",
				  status, who, t->contact, e,
				  t->old_contact[0] ? ", removed " : "", t->old_contact);
			snprintf(m->registered, sizeof(m->registered), "%s", t->contact);
			schedule_register(m, e);
			hmmpd_core_registered(m->d, t->src, resp);
		} else if (t->claim) {
			e = resp_expires(resp, t->expires);
			hmmpd_log(LOG_INFO, "claim: %d from %s (granted %u s)",
				  status, who, e);
			if (e)
				schedule_claim(m, e);
		} else {
			e = resp_expires(resp, t->expires);
			hmmpd_log(LOG_INFO, "info: %d from %s (%u bindings, %u connections, granted %u s)",
				  status, who, t->nbind, t->nconn, e);
			if (t->kind == HMMP_BIND_CORRESPONDENT)
				info_answer(t, resp);
			if (t->kind == HMMP_BIND_CORRESPONDENT && e &&
			    (!m->granted || e < m->granted)) {
				m->granted = e;
				mobile_schedule_refresh(m);
			}
		}
		txn_done(t, true);
		return;
	}
	if (status == 400 && resp && !t->reg &&
	    mobile_info_v1(m, t->dest, reason(resp, why, sizeof(why)),
			   &t->body, &t->body_len)) {
		hmmpd_log(LOG_INFO, "info: 400 from %s (%s): a correspondent older than the connection identities: asking again in version 1",
			  who, why);
		if (txn_send(t))
			txn_done(t, false);
		return;
	}
	if (status == 400 && resp && !t->reg &&
	    mobile_info_legacy(m, t->dest, t->asked, reason(resp, why, sizeof(why)),
			       &t->body, &t->body_len)) {
		t->asked = mobile_fallback_encap(m->d->conf);
		hmmpd_log(LOG_INFO, "info: 400 from %s (%s): an older correspondent: asking again with encap %s",
			  who, why, hmmp_encap_name(t->asked));
		if (txn_send(t))
			txn_done(t, false);
		return;
	}
	if (status == SIP_STATUS_TIMEOUT && !resp)
		hmmpd_log(LOG_WARNING, "%s: no answer from %s (timeout)", txn_what(t), who);
	else if (status == SIP_STATUS_TRANSPORT && !resp)
		hmmpd_log(LOG_WARNING, "%s: cannot reach %s (transport error)",
			  txn_what(t), who);
	else
		hmmpd_log(LOG_WARNING, "%s: %d from %s (%s)", txn_what(t), status,
			  who, reason(resp, why, sizeof(why)));
	txn_failed(t, status);
}

/* ---- INFOs -------------------------------------------------------------- */

static void info_uri(struct hmmpd *d, uint32_t dest, char *buf, size_t size)
{
	const struct hmmpd_peer *p = hmmpd_conf_peer_by_addr(d->conf, dest);
	char ip[HMMP_ADDRSTRLEN];

	if (p)
		snprintf(buf, size, "%s", p->uri);
	else
		snprintf(buf, size, "sip:hmmp@%s:%d", ip_s(dest, ip), SIP_PORT_DEFAULT);
}

static void send_info(struct hmmpd_mobile *m, const struct hmmpd_plan_info *in,
		      bool refresh, bool claim)
{
	struct hmmpd *d = m->d;
	struct hmmpd_body_err err;
	struct hmmpd_body body = in->body;	/* shares its connections */
	struct txn *t, *o, *next;
	char ip[HMMP_ADDRSTRLEN];
	int len;

	/* a newer INFO to the same place supersedes one waiting to retry */
	for (o = m->txns; o; o = next) {
		next = o->next;
		if (!o->reg && !o->in_flight && o->dest == in->dest &&
		    o->kind == in->kind && o->claim == claim)
			mobile_txn_cancel(o);
	}
	/* an older correspondent: asked for the fallback only (encap.c) */
	mobile_body_for_peer(m, in->dest, &body);
	len = hmmpd_body_build(&body, NULL, 0, &err);
	if (len < 0) {
		hmmpd_log(LOG_ERR, "info: cannot build the body for %s: %s",
			  ip_s(in->dest, ip), err.reason);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (t)
		t->body = malloc((size_t)len + 1);
	if (!t || !t->body) {
		free(t);
		hmmpd_log(LOG_ERR, "info: out of memory");
		return;
	}
	hmmpd_body_build(&body, t->body, (size_t)len + 1, NULL);
	t->body_len = (size_t)len;
	/* one that knows version 1 only: without connection identities */
	if (mobile_body_text_for_peer(m, in->dest, &t->body, &t->body_len))
		hmmpd_log(LOG_WARNING, "info: out of memory: the body for %s keeps its identities",
			  ip_s(in->dest, ip));
	t->asked = body.nbind ? body.bind[0].encap : 0;
	t->m = m;
	t->refresh = refresh;
	t->claim = claim;
	t->kind = in->kind;
	t->dest = in->dest;
	/* from the new address, whatever the route says: the 401 goes there */
	t->src = m->d->watch.cur.addr;
	t->nbind = in->body.nbind;
	t->nconn = in->body.nconn;
	t->expires = in->expires;
	t->gen = m->gen;
	if (in->kind == HMMP_BIND_ROUTER && !claim)	/* no use after its lifetime */
		t->deadline_us = hmmpd_now_us(d) + in->expires * 1000000ULL;
	info_uri(d, in->dest, t->uri, sizeof(t->uri));
	t->next = m->txns;
	m->txns = t;
	if (!refresh) {
		m->waiting++;
		m->sent++;
	}
	if (txn_send(t))
		txn_failed(t, SIP_STATUS_TRANSPORT);
}

void mobile_send_info(struct hmmpd_mobile *m, const struct hmmpd_plan_info *in,
		      bool refresh)
{
	send_info(m, in, refresh, false);
}

/* ---- on-link claims ------------------------------------------------------ */

void mobile_send_claim(struct hmmpd_mobile *m)
{
	struct hmmpd *d = m->d;
	const struct hmmpd_conf *c = d->conf;
	uint32_t a = d->watch.cur.addr, gw = d->watch.cur.gw;
	struct hmmpd_plan_info in = {
		.kind = HMMP_BIND_ROUTER, .dest = gw, .expires = c->claim_lifetime,
	};
	mobile_txns_cancel(m, MOBILE_TXN_CLAIM);
	hmmpd_timer_disarm(m->claim_timer);
	if (!c->claim_lifetime || !c->gateway_lifetime || !d->watch.attached ||
	    !gw || !a || !d->sip || !hmmpd_conf_peer_by_addr(c, gw))
		return;
	hmmpd_body_init(&in.body);
	if (!hmmpd_body_add_bind(&in.body, a, a, c->claim_lifetime,
				 HMMP_ENCAP_IPIP, HMMP_BIND_ROUTER))
		send_info(m, &in, true, true);
	hmmpd_body_free(&in.body);
}

static int on_claim_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	(void)s;
	(void)usec;
	mobile_send_claim(arg);
	return 0;
}

/* In microseconds: two thirds of a granted lifetime, at least 1 s. */
static uint64_t two_thirds_us(uint32_t expires)
{
	return (expires > 3 ? expires * 2ULL / 3 : 1) * 1000000ULL;
}

static void schedule_claim(struct hmmpd_mobile *m, uint32_t expires)
{
	hmmpd_timer_arm(m->d, &m->claim_timer, two_thirds_us(expires),
			on_claim_timer, m);
}

/* ---- REGISTER ----------------------------------------------------------- */

void mobile_send_register(struct hmmpd_mobile *m)
{
	struct hmmpd *d = m->d;
	const char *id = d->conf->identity, *at, *user = "hmmpd";
	char ip[HMMP_ADDRSTRLEN], ubuf[64];
	struct txn *t;
	size_t n;

	if (!d->conf->registrar[0] || !m->d->watch.attached || !d->sip)
		return;
	mobile_txns_cancel(m, MOBILE_TXN_REG);
	/* the user part of sip:user@host */
	at = strchr(id, '@');
	if (at && strchr(id, ':') && strchr(id, ':') < at) {
		n = (size_t)(at - strchr(id, ':') - 1);
		if (n && n < sizeof(ubuf)) {
			memcpy(ubuf, strchr(id, ':') + 1, n);
			ubuf[n] = '\0';
			user = ubuf;
		}
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		hmmpd_log(LOG_ERR, "register: out of memory");
		return;
	}
	t->m = m;
	t->reg = true;
	t->gen = m->gen;
	t->expires = d->conf->register_expires;
	t->src = m->d->watch.cur.addr;
	snprintf(t->uri, sizeof(t->uri), "%s", d->conf->registrar);
	snprintf(t->contact, sizeof(t->contact), "sip:%s@%s:%u", user,
		 ip_s(m->d->watch.cur.addr, ip), sip_port(d->sip, SIP_TP_UDP));
	if (m->registered[0] && strcmp(m->registered, t->contact))
		snprintf(t->old_contact, sizeof(t->old_contact), "%s", m->registered);
	t->next = m->txns;
	m->txns = t;
	if (txn_send(t))
		txn_failed(t, SIP_STATUS_TRANSPORT);
}

static int on_register_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	(void)s;
	(void)usec;
	mobile_send_register(arg);
	return 0;
}

static void schedule_register(struct hmmpd_mobile *m, uint32_t expires)
{
	hmmpd_timer_arm(m->d, &m->reg_timer, two_thirds_us(expires),
			on_register_timer, m);
}
