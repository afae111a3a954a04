// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the mobile role, a feature (mobile.h).
 *
 * The core's watcher (core/watch.c) tells when the address changed: a new
 * address on the default route's interface, or a new default route with
 * another address, is a hand-off from the old address to the new one
 * (handoff_begun):
 *
 *  1. the original addresses of live connections that are no longer on an
 *     interface go to lo as /32, and the new interface neither answers nor
 *     announces them in ARP (docs/datapath.md, "The original address on
 *     the mobile");
 *  2. HMMP_CMD_HANDOFF old -> new;
 *  3. a mobile-kind binding per (original address, correspondent);
 *  4. the plan (plan.h) from the connection table: one INFO to the
 *     previous gateway (when connections left from the old address), one
 *     per correspondent; each answered 401 is sent again with digest
 *     credentials of that peer from the secrets file; failures (timeout,
 *     transport, 5xx) are retried with exponential backoff while this
 *     hand-off is the latest one (and, for the gateway, within its
 *     lifetime);
 *  5. a REGISTER of the new contact, when a registrar is configured, with
 *     what the other features add to it (core: register_decorate; the
 *     Outbound UA's Route and Contact parameters); its 200 goes to them
 *     (registered), and any of them may ask for another (register_wanted).
 *
 * Refresh: at two thirds of the shortest lifetime granted (the 200's
 * Expires, else the configured one), the bindings of live connections are
 * asked for again and the mobile-kind bindings renewed; mobile bindings
 * and lo addresses whose connections are gone are removed, and when none
 * is left the refreshing stops (the correspondents' bindings expire).
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
#include "mobile.h"
#include "sip/auth.h"
#include "sip/body.h"
#include "sip/sip.h"
#include "sip/uri.h"
#include "util.h"

#define RETRY_MIN_MS		1000
#define RETRY_MAX_MS		30000
#define RETRY_MAX_ATTEMPTS	8
#define AUTH_MAX_TRIES		2
#define REFRESH_MIN_S		5
#define MAX_KEPT		16

struct txn {
	struct txn *next;
	struct hmmpd_mobile *m;
	bool reg;			/* REGISTER, else INFO */
	bool refresh;			/* INFO of a refresh */
	bool in_flight, dead;
	uint8_t kind;			/* INFO: router or correspondent */
	uint32_t dest;			/* INFO: be32 */
	uint32_t src;			/* be32: the new address */
	char uri[HMMPD_URI_MAX];
	char *body;
	size_t body_len;
	unsigned int nbind, nconn;
	uint32_t expires;
	unsigned int gen;
	unsigned int attempt, auth_tries, backoff_ms;
	uint64_t deadline_us;		/* 0: none */
	sd_event_source *timer;
	char contact[HMMPD_URI_MAX];	/* REGISTER */
	char old_contact[HMMPD_URI_MAX];	/* REGISTER: to remove */
};

struct hmmpd_mobile {
	struct hmmpd *d;
	sd_event_source *refresh, *reg_timer;
	uint64_t handoff_us;		/* the change the hand-off began with */
	unsigned int gen;
	unsigned int waiting, sent, ok;	/* INFOs of this hand-off */
	struct txn *txns;
	uint32_t kept[MAX_KEPT];	/* addresses we put on lo */
	unsigned int nkept;
	uint32_t granted;		/* least lifetime granted, 0: none */
	char hidden_on[IFNAMSIZ];	/* arp_ignore/announce set there */
	char registered[HMMPD_URI_MAX];	/* contact the registrar took */
};

static bool is_mobile(struct hmmpd *d)
{
	return d->conf->roles & HMMP_ROLE_MOBILE;
}

static const char *ip_s(uint32_t a, char buf[HMMP_ADDRSTRLEN])
{
	return hmmp_addr_format(a, buf);
}

static uint64_t ms_since(struct hmmpd *d, uint64_t us)
{
	uint64_t now = hmmpd_now_us(d);

	return now > us ? (now - us) / 1000 : 0;
}

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

static void txn_free(struct txn *t)
{
	txn_unlink(t);
	sd_event_source_disable_unref(t->timer);
	free(t->body);
	free(t);
}

/* Cancel: at once, or when its answer comes (a callback is owed). */
static void txn_cancel(struct txn *t)
{
	if (t->in_flight) {
		t->dead = true;
		hmmpd_timer_disarm(t->timer);
	} else {
		txn_free(t);
	}
}

static const char *txn_what(const struct txn *t)
{
	return t->reg ? "register" : "info";
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
		hmmpd_log(LOG_INFO, "info: sent to %s (%u bindings, %u connections, kind %s, expires %u s%s%s%s%s)",
			  who, t->nbind, t->nconn, hmmp_kind_name(t->kind),
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
	txn_free(t);
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

static void schedule_refresh(struct hmmpd_mobile *m);
static void schedule_register(struct hmmpd_mobile *m, uint32_t expires);

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
		txn_free(t);
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
		} else {
			e = resp_expires(resp, t->expires);
			hmmpd_log(LOG_INFO, "info: %d from %s (%u bindings, %u connections, granted %u s)",
				  status, who, t->nbind, t->nconn, e);
			if (t->kind == HMMP_BIND_CORRESPONDENT && e &&
			    (!m->granted || e < m->granted)) {
				m->granted = e;
				schedule_refresh(m);
			}
		}
		txn_done(t, true);
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
		      bool refresh)
{
	struct hmmpd *d = m->d;
	struct hmmpd_body_err err;
	struct txn *t, *o, *next;
	char ip[HMMP_ADDRSTRLEN];
	int len;

	/* a newer INFO to the same place supersedes one waiting to retry */
	for (o = m->txns; o; o = next) {
		next = o->next;
		if (!o->reg && !o->in_flight && o->dest == in->dest &&
		    o->kind == in->kind)
			txn_cancel(o);
	}
	len = hmmpd_body_build(&in->body, NULL, 0, &err);
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
	hmmpd_body_build(&in->body, t->body, (size_t)len + 1, NULL);
	t->body_len = (size_t)len;
	t->m = m;
	t->refresh = refresh;
	t->kind = in->kind;
	t->dest = in->dest;
	/* from the new address, whatever the route says: the 401 goes there */
	t->src = m->d->watch.cur.addr;
	t->nbind = in->body.nbind;
	t->nconn = in->body.nconn;
	t->expires = in->expires;
	t->gen = m->gen;
	if (in->kind == HMMP_BIND_ROUTER)	/* no use after its lifetime */
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

/* ---- REGISTER ----------------------------------------------------------- */

static void send_register(struct hmmpd_mobile *m)
{
	struct hmmpd *d = m->d;
	const char *id = d->conf->identity, *at, *user = "hmmpd";
	char ip[HMMP_ADDRSTRLEN], ubuf[64];
	struct txn *t, *o, *next;
	size_t n;

	if (!d->conf->registrar[0] || !m->d->watch.attached || !d->sip)
		return;
	for (o = m->txns; o; o = next) {
		next = o->next;
		if (o->reg)
			txn_cancel(o);
	}
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
	send_register(arg);
	return 0;
}

static void schedule_register(struct hmmpd_mobile *m, uint32_t expires)
{
	uint64_t in_s = expires > 3 ? expires * 2ULL / 3 : 1;

	hmmpd_timer_arm(m->d, &m->reg_timer, in_s * 1000000ULL, on_register_timer, m);
}

/* ---- the host's side of a hand-off -------------------------------------- */

static bool kept(const struct hmmpd_mobile *m, uint32_t a, unsigned int *pos)
{
	unsigned int i;

	for (i = 0; i < m->nkept; i++) {
		if (m->kept[i] == a) {
			if (pos)
				*pos = i;
			return true;
		}
	}
	return false;
}

static void unkeep(struct hmmpd_mobile *m, const struct hmmpd_netstate *st,
		   uint32_t a, const char *why)
{
	char ip[HMMP_ADDRSTRLEN];
	unsigned int i;
	int r;

	if (!kept(m, a, &i))
		return;
	r = hmmpd_net_lo_del(m->d->rt, hmmpd_net_lo_index(st), a);
	if (r) {
		hmmpd_log(LOG_ERR, "handoff: cannot remove %s/32 from lo: %s",
			  ip_s(a, ip), nl_geterror(r));
		return;
	}
	m->kept[i] = m->kept[--m->nkept];
	hmmpd_log(LOG_INFO, "handoff: released %s/32 from lo (%s)", ip_s(a, ip), why);
}

static unsigned int live_from(const struct hmmpd_conns *c, uint32_t orig)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		n += c->v[i].orig_local == orig && hmmpd_conn_live(&c->v[i]);
	return n;
}

/*
 * The original addresses of live connections stay local: /32 on lo when
 * they left their interface, unanswered on the interface of the default
 * route; those we kept that are back on an interface leave lo.
 */
static void keep_originals(struct hmmpd_mobile *m, const struct hmmpd_conns *c,
			   const struct hmmpd_netstate *st)
{
	struct hmmpd *d = m->d;
	struct hmmpd_attach now;
	char ip[HMMP_ADDRSTRLEN];
	uint32_t done[MAX_KEPT * 2];
	unsigned int ndone = 0, k, hide = 0;
	int lo = hmmpd_net_lo_index(st), r;
	size_t i;

	if (hmmpd_net_pick(st, (const char (*)[IFNAMSIZ])d->conf->ifaces,
			   d->conf->nifaces, &now))
		now.ifname[0] = '\0';
	for (i = 0; i < c->n; i++) {
		uint32_t a = c->v[i].orig_local;

		if (!hmmpd_conn_live(&c->v[i]) || !hmmpd_addr_unicast(a))
			continue;
		for (k = 0; k < ndone; k++)
			if (done[k] == a)
				break;
		if (k < ndone || ndone == HMMP_ARRAY_SIZE(done))
			continue;
		done[ndone++] = a;
		if (hmmpd_net_has_addr(st, a, false))
			continue;	/* on an interface */
		hide++;
		if (hmmpd_net_has_addr(st, a, true))
			continue;	/* on lo already */
		if (m->nkept == MAX_KEPT) {
			hmmpd_log(LOG_ERR, "handoff: more than %u original addresses to keep: %s not kept",
				  MAX_KEPT, ip_s(a, ip));
			continue;
		}
		r = hmmpd_net_lo_add(d->rt, lo, a);
		if (r) {
			hmmpd_log(LOG_ERR, "handoff: cannot add %s/32 to lo: %s",
				  ip_s(a, ip), nl_geterror(r));
			continue;
		}
		m->kept[m->nkept++] = a;
		hmmpd_log(LOG_INFO, "handoff: kept %s/32 on lo for %u live connections",
			  ip_s(a, ip), live_from(c, a));
	}
	if (hide && now.ifname[0] && strcmp(m->hidden_on, now.ifname)) {
		r = hmmpd_net_arp_hide(now.ifname);
		if (r) {
			hmmpd_log(LOG_ERR, "handoff: %s: cannot set arp_ignore/arp_announce: %s",
				  now.ifname, strerror(-r));
		} else {
			hmmpd_log(LOG_INFO, "handoff: %s: arp_ignore=1 arp_announce=2 (original addresses stay unanswered there)",
				  now.ifname);
			snprintf(m->hidden_on, sizeof(m->hidden_on), "%s", now.ifname);
		}
	}
	/* home again: the address is on its interface */
	for (k = m->nkept; k-- > 0;)
		if (hmmpd_net_has_addr(st, m->kept[k], false))
			unkeep(m, st, m->kept[k], "back on its interface");
}

/*
 * Mobile-kind bindings, one per (original address, correspondent) of the
 * live connections now at new_addr; those home again are removed.
 * Returns how many are in place.
 */
static unsigned int mobile_bindings(struct hmmpd_mobile *m,
				    const struct hmmpd_conns *c,
				    uint32_t new_addr, bool quiet)
{
	struct hmmpd *d = m->d;
	char o[HMMP_ADDRSTRLEN], p[HMMP_ADDRSTRLEN], n[HMMP_ADDRSTRLEN];
	unsigned int count = 0;
	size_t i, k;

	for (i = 0; i < c->n; i++) {
		const struct hmmp_conn *x = &c->v[i];
		struct hmmp_binding b;
		bool home;

		if (!hmmpd_conn_live(x) || x->cur_local != new_addr ||
		    !hmmpd_addr_unicast(x->orig_local) ||
		    !hmmpd_addr_unicast(x->remote) || x->remote == x->orig_local)
			continue;
		for (k = 0; k < i; k++)	/* once per pair */
			if (c->v[k].orig_local == x->orig_local &&
			    c->v[k].remote == x->remote && hmmpd_conn_live(&c->v[k]) &&
			    c->v[k].cur_local == new_addr)
				break;
		if (k < i)
			continue;
		home = x->orig_local == new_addr;
		if (home) {
			if (!x->handoffs)
				continue;
			if (hmmpd_kern_binding_del(&d->cmd, x->orig_local, x->remote,
						   HMMP_BIND_MOBILE)) {
				hmmpd_log(LOG_ERR, "binding: cannot remove %s peer %s kind mobile: %s",
					  ip_s(x->orig_local, o), ip_s(x->remote, p),
					  d->cmd.msg);
				hmmpd_cmd_failed(d);
			} else if (!quiet) {
				hmmpd_log(LOG_INFO, "binding: removed %s peer %s kind mobile (home again)",
					  ip_s(x->orig_local, o), ip_s(x->remote, p));
			}
			continue;
		}
		hmmpd_binding_make(&b, x->orig_local, x->remote, HMMP_BIND_MOBILE,
				   new_addr, d->conf->encap, d->conf->lifetime);
		if (hmmpd_kern_binding_set(&d->cmd, &b)) {
			hmmpd_log(LOG_ERR, "binding: cannot install %s -> %s kind mobile peer %s: %s",
				  ip_s(b.orig, o), ip_s(new_addr, n), ip_s(b.peer, p),
				  d->cmd.msg);
			hmmpd_cmd_failed(d);
			continue;
		}
		count++;
		hmmpd_log(quiet ? LOG_DEBUG : LOG_INFO,
			  "binding: %s %s -> %s kind mobile peer %s encap %s lifetime %u s",
			  quiet ? "refreshed" : "installed", ip_s(b.orig, o),
			  ip_s(new_addr, n), ip_s(b.peer, p),
			  hmmp_encap_name(b.encap), b.lifetime);
	}
	return count;
}

/* Between hand-offs: original addresses that left their interface. */
static void maintain_originals(struct hmmpd_mobile *m,
			       const struct hmmpd_netstate *st)
{
	struct hmmpd *d = m->d;
	struct hmmpd_conns c = { 0 };

	if (!hmmpd_kernel_up(d))
		return;
	if (hmmpd_kern_conns(&d->cmd, 0, &c)) {
		hmmpd_log(LOG_ERR, "net: reading the connections: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		return;
	}
	keep_originals(m, &c, st);
	hmmpd_conns_free(&c);
}

/* Plan and send; returns the number of correspondent INFOs. */
static unsigned int plan_and_send(struct hmmpd_mobile *m,
				  const struct hmmpd_conns *c, uint32_t old_addr,
				  uint32_t new_addr, uint32_t gw, bool refresh)
{
	struct hmmpd *d = m->d;
	struct hmmpd_plan_in in = {
		.conns = c->v, .nconns = c->n, .old_addr = old_addr,
		.new_addr = new_addr, .gateway = gw,
		.lifetime = d->conf->lifetime,
		.gateway_lifetime = d->conf->gateway_lifetime,
		.encap = d->conf->encap,
	};
	struct hmmpd_plan p;
	unsigned int i, ncorr = 0;
	int r;

	r = hmmpd_plan_build(&in, &p);
	if (r) {
		hmmpd_log(LOG_ERR, "handoff: cannot plan: %s", strerror(-r));
		return 0;
	}
	for (i = 0; i < p.n; i++)
		ncorr += p.info[i].kind == HMMP_BIND_CORRESPONDENT;
	hmmpd_log(refresh ? LOG_DEBUG : LOG_INFO,
		  "handoff: plan: %u INFOs (%u to correspondents), %u connections covered, %u released, skipped %u closing, %u opened here, %u other",
		  p.n, ncorr, p.covered, p.released, p.skipped_closing,
		  p.skipped_home, p.skipped_other + p.duplicates);
	for (i = 0; i < p.n; i++)
		send_info(m, &p.info[i], refresh);
	hmmpd_plan_free(&p);
	return ncorr;
}

static void cancel_all(struct hmmpd_mobile *m, bool reg_too)
{
	struct txn *t, *next;

	for (t = m->txns; t; t = next) {
		next = t->next;
		if (!t->reg || reg_too)
			txn_cancel(t);
	}
}

static void mobile_handoff_begun(struct hmmpd *d, void *state,
				 const struct hmmpd_handoff *h)
{
	struct hmmpd_mobile *m = state;
	const struct hmmpd_attach *old = h->old;
	const struct hmmpd_netstate *st = h->st;
	struct hmmpd_conns before = { 0 }, after = { 0 };
	char o[HMMP_ADDRSTRLEN], n[HMMP_ADDRSTRLEN];
	uint32_t moved = 0, gw;
	unsigned int nb, ncorr;

	if (!m)
		return;
	m->handoff_us = h->since_us;
	m->gen++;
	m->waiting = m->sent = m->ok = 0;
	m->granted = 0;
	cancel_all(m, true);
	hmmpd_timer_disarm(m->refresh);
	ip_s(m->d->watch.cur.addr, n);
	ip_s(old->addr, o);
	if (!hmmpd_kernel_up(d)) {
		hmmpd_log(LOG_WARNING, "handoff: hmmp.ko not loaded: no connection to move");
		send_register(m);
		return;
	}
	if (hmmpd_kern_conns(&d->cmd, 0, &before)) {
		hmmpd_log(LOG_ERR, "handoff: reading the connections: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		goto out;
	}
	keep_originals(m, &before, st);
	if (hmmpd_kern_handoff(&d->cmd, old->addr, m->d->watch.cur.addr, &moved)) {
		hmmpd_log(LOG_ERR, "handoff: hmmp.ko refused the hand-off: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		goto out;
	}
	hmmpd_log(LOG_INFO, "handoff: hmmp.ko moved %u connections from %s to %s",
		  moved, o, n);
	if (hmmpd_kern_conns(&d->cmd, 0, &after)) {
		hmmpd_log(LOG_ERR, "handoff: reading the connections: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		goto out;
	}
	nb = mobile_bindings(m, &after, m->d->watch.cur.addr, false);
	/* the old gateway only helps connections that used the old address */
	gw = live_from(&after, old->addr) ? old->gw : 0;
	ncorr = plan_and_send(m, &after, old->addr, m->d->watch.cur.addr, gw, false);
	if (!m->sent)
		hmmpd_log(LOG_INFO, "handoff: nothing to tell: no live connection moved");
	if (nb || ncorr)
		schedule_refresh(m);
out:
	hmmpd_conns_free(&before);
	hmmpd_conns_free(&after);
	send_register(m);
}

/* ---- refresh ------------------------------------------------------------ */

static int on_refresh(sd_event_source *s, uint64_t usec, void *arg);

static void schedule_refresh(struct hmmpd_mobile *m)
{
	uint32_t life = m->d->conf->lifetime;
	uint64_t in_s;

	if (m->granted && m->granted < life)
		life = m->granted;
	in_s = life * 2ULL / 3;
	if (in_s < REFRESH_MIN_S)
		in_s = REFRESH_MIN_S;
	hmmpd_log(LOG_DEBUG, "refresh: in %llu s", (unsigned long long)in_s);
	hmmpd_timer_arm(m->d, &m->refresh, in_s * 1000000ULL, on_refresh, m);
}

/* Mobile bindings and lo addresses whose connections are gone. */
static void drop_stale(struct hmmpd_mobile *m, const struct hmmpd_conns *c,
		       const struct hmmpd_netstate *st)
{
	struct hmmpd *d = m->d;
	struct hmmpd_bindings t = { 0 };
	char o[HMMP_ADDRSTRLEN], p[HMMP_ADDRSTRLEN];
	unsigned int i;
	size_t k, j;

	if (hmmpd_kern_bindings(&d->cmd, &t)) {
		hmmpd_log(LOG_ERR, "refresh: reading the bindings: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		return;
	}
	for (k = 0; k < t.n; k++) {
		const struct hmmp_binding *b = &t.v[k];

		if (b->kind != HMMP_BIND_MOBILE)
			continue;
		for (j = 0; j < c->n; j++)
			if (c->v[j].orig_local == b->orig &&
			    c->v[j].remote == b->peer && hmmpd_conn_live(&c->v[j]))
				break;
		if (j < c->n)
			continue;
		if (hmmpd_kern_binding_del(&d->cmd, b->orig, b->peer,
					   HMMP_BIND_MOBILE)) {
			hmmpd_cmd_failed(d);
			continue;
		}
		hmmpd_log(LOG_INFO, "binding: removed %s peer %s kind mobile (no live connection)",
			  ip_s(b->orig, o), ip_s(b->peer, p));
	}
	hmmpd_bindings_free(&t);
	for (i = m->nkept; i-- > 0;)
		if (!live_from(c, m->kept[i]))
			unkeep(m, st, m->kept[i], "no live connection left");
}

static void refresh(struct hmmpd_mobile *m)
{
	struct hmmpd *d = m->d;
	struct hmmpd_conns c = { 0 }, away = { 0 };
	struct hmmpd_netstate st;
	unsigned int nb, ncorr;
	size_t i;
	int r;

	if (!is_mobile(d) || !m->d->watch.attached || !hmmpd_kernel_up(d)) {
		schedule_refresh(m);
		return;
	}
	r = hmmpd_net_read(d->rt, &st);
	if (r) {
		hmmpd_log(LOG_ERR, "refresh: cannot read the addresses: %s", nl_geterror(r));
		schedule_refresh(m);
		return;
	}
	if (hmmpd_kern_conns(&d->cmd, 0, &c)) {
		hmmpd_log(LOG_ERR, "refresh: reading the connections: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		schedule_refresh(m);
		goto out;
	}
	drop_stale(m, &c, &st);
	/* those home need no binding, and their release was sent */
	away.v = calloc(c.n ? c.n : 1, sizeof(*away.v));
	if (!away.v) {
		schedule_refresh(m);
		goto out;
	}
	for (i = 0; i < c.n; i++)
		if (c.v[i].orig_local != m->d->watch.cur.addr)
			away.v[away.n++] = c.v[i];
	nb = mobile_bindings(m, &away, m->d->watch.cur.addr, true);
	ncorr = plan_and_send(m, &away, m->d->watch.cur.addr, m->d->watch.cur.addr, 0, true);
	if (nb || ncorr) {
		hmmpd_log(LOG_INFO, "refresh: %u mobile bindings renewed, %u INFOs sent", nb,
			  ncorr);
		schedule_refresh(m);
	} else {
		hmmpd_log(LOG_INFO, "refresh: no live connection away from its address: stopping");
	}
out:
	hmmpd_conns_free(&c);
	hmmpd_conns_free(&away);
	hmmpd_net_free(&st);
}

static int on_refresh(sd_event_source *s, uint64_t usec, void *arg)
{
	(void)s;
	(void)usec;
	refresh(arg);
	return 0;
}

/* ---- the feature ------------------------------------------------------- */

static int mobile_start(struct hmmpd *d, void **state)
{
	struct hmmpd_mobile *m = calloc(1, sizeof(*m));

	if (!m) {
		hmmpd_log(LOG_ERR, "out of memory");
		return -1;
	}
	m->d = d;
	*state = m;
	return 0;
}

static void mobile_stop(struct hmmpd *d, void *state)
{
	struct hmmpd_mobile *m = state;
	char ip[HMMP_ADDRSTRLEN];
	unsigned int i;

	(void)d;
	if (!m)
		return;
	/* sip_free() will drop what is in flight without a callback */
	while (m->txns)
		txn_free(m->txns);
	for (i = 0; i < m->nkept; i++)
		hmmpd_log(LOG_INFO, "handoff: leaving %s/32 on lo for the sockets that use it",
			  ip_s(m->kept[i], ip));
	sd_event_source_disable_unref(m->refresh);
	sd_event_source_disable_unref(m->reg_timer);
	free(m);
}

/*
 * An address removed may be the original address of connections: keep it
 * on lo at once (the debounce would leave the sockets without their
 * address, and TCP stalled, for its length).
 */
static void mobile_net_change(struct hmmpd *d, void *state, int kind)
{
	struct hmmpd_netstate st;

	if (kind == HMMPD_NET_ADDR_DEL && state && is_mobile(d) &&
	    hmmpd_kernel_up(d) && !hmmpd_net_read(d->rt, &st)) {
		maintain_originals(state, &st);
		hmmpd_net_free(&st);
	}
}

static void mobile_net_settled(struct hmmpd *d, void *state,
			       const struct hmmpd_net_event *ev)
{
	struct hmmpd_mobile *m = state;

	if (!m || !ev->cur || !is_mobile(d))
		return;
	if (ev->first)
		send_register(m);
	else if (!ev->handoff)	/* an original may have left its interface */
		maintain_originals(m, ev->st);
}

static void mobile_register_wanted(struct hmmpd *d, void *state, const char *why)
{
	(void)d;
	(void)why;
	if (state)
		send_register(state);
}

/*
 * hmmp.ko is (again) there: at start, after a restart of hmmpd, or when the
 * module came back. Mobile bindings at the current address in its table
 * are a hand-off an earlier hmmpd made: take its state over from the
 * kernel (the original addresses on lo become ours to release) and refresh
 * at once, since when the correspondents' bindings expire is not known
 * here; the refresh renews what live connections still need and drops the
 * rest.
 */
static void mobile_kernel_up(struct hmmpd *d, void *state)
{
	struct hmmpd_mobile *m = state;
	struct hmmpd_bindings t = { 0 };
	struct hmmpd_netstate st;
	char a[HMMP_ADDRSTRLEN];
	unsigned int n = 0;
	size_t k;
	int r;

	if (!m || !is_mobile(d) || !m->d->watch.attached)
		return;
	if (hmmpd_kern_bindings(&d->cmd, &t)) {
		hmmpd_log(LOG_ERR, "resync: reading the bindings: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		return;
	}
	r = hmmpd_net_read(d->rt, &st);
	if (r) {
		hmmpd_log(LOG_ERR, "resync: cannot read the addresses: %s", nl_geterror(r));
		hmmpd_bindings_free(&t);
		return;
	}
	for (k = 0; k < t.n; k++) {
		const struct hmmp_binding *b = &t.v[k];

		if (b->kind != HMMP_BIND_MOBILE || b->coa != m->d->watch.cur.addr)
			continue;
		n++;
		if (kept(m, b->orig, NULL) || m->nkept == MAX_KEPT ||
		    hmmpd_net_has_addr(&st, b->orig, false) ||
		    !hmmpd_net_has_addr(&st, b->orig, true))
			continue;
		m->kept[m->nkept++] = b->orig;
		hmmpd_log(LOG_INFO, "resync: %s/32 on lo is an original address: kept",
			  ip_s(b->orig, a));
	}
	hmmpd_bindings_free(&t);
	hmmpd_net_free(&st);
	if (!n)
		return;
	hmmpd_log(LOG_INFO, "resync: %u mobile bindings at %s from an earlier hand-off: refreshing",
		  n, ip_s(m->d->watch.cur.addr, a));
	refresh(m);
}

static void mobile_reconfigured(struct hmmpd *d, void *state,
				const struct hmmpd_conf *old)
{
	struct hmmpd_mobile *m = state;

	(void)old;
	if (!m)
		return;
	if (!d->conf->registrar[0]) {
		struct txn *t, *next;

		for (t = m->txns; t; t = next) {
			next = t->next;
			if (t->reg)
				txn_cancel(t);
		}
		hmmpd_timer_disarm(m->reg_timer);
	}
}

const struct hmmpd_feature hmmpd_feature_mobile = {
	.name = "mobile",
	.start = mobile_start,
	.stop = mobile_stop,
	.reconfigured = mobile_reconfigured,
	.kernel_up = mobile_kernel_up,
	.net_change = mobile_net_change,
	.handoff_begun = mobile_handoff_begun,
	.net_settled = mobile_net_settled,
	.register_wanted = mobile_register_wanted,
};
