// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the SIP transactions on osip2, non-INVITE only (sip.h): a NICT
 * for each request we send (sip_send_request(), sip_send_retry(), and the
 * resend over UDP when TCP was refused), a NIST for each one we receive
 * (the request handler, sip_respond()); osip2's callbacks and its one way
 * out (on_osip_send()); and what a received message becomes: the
 * response of a transaction, a new or retransmitted request, or a
 * stateless answer. The rules osip2 sets for all this (callbacks only
 * queue events, transactions are freed later) are in sip.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <osip2/osip.h>

#include "sip-int.h"
#include "util.h"

/* osip2's only way out. Returns 0 when sent or queued, -1 on failure. */
static int on_osip_send(osip_transaction_t *tr, osip_message_t *msg,
			char *host, int port, int sock)
{
	struct sip *sip = osip_get_application_context(tr->config);
	char *buf = NULL;
	size_t len;
	int r;

	(void)sock;
	r = sip_int_msg_to_str(msg, &buf, &len);
	if (r)
		return -1;
	if (tr->ctx_type == NICT) {
		struct sip_client *c = osip_transaction_get_your_instance(tr);

		r = sip_int_send(sip, c->tp, &c->dest, c->src, &c->conn_id,
				 buf, len);
		if (r)
			c->tp_err = -r;
	} else {
		struct sip_server *s = osip_transaction_get_your_instance(tr);
		struct sip_addr dst = s->src;

		if (s->tp != SIP_TP_UDP &&
		    !sip_int_conn_by_id(sip, s->conn_id)) {
			/*
			 * The connection is gone: open one to the source
			 * address and the Via's port (RFC 3261 18.2.2).
			 */
			osip_via_t *via = osip_list_get(&msg->vias, 0);
			uint32_t p = SIP_PORT_DEFAULT;

			(void)host;
			(void)port;
			if (via && via->port)
				hmmp_u32_parse(via->port, 1, 65535, &p);
			dst.port = (uint16_t)p;
			s->conn_id = 0;
		}
		r = sip_int_send(sip, s->tp, &dst,
				 s->tp == SIP_TP_UDP ? s->local : 0,
				 &s->conn_id, buf, len);
	}
	osip_free(buf);
	return r ? -1 : 0;
}

/* ---- client transactions -------------------------------------------- */

static int resend(struct sip *sip, const osip_message_t *req,
		  const struct sip_addr *dest, uint32_t src,
		  enum sip_transport pref, const char *headers, bool bump,
		  sip_response_fn cb, void *data);

/* Takes m (freed on failure): Via, transport, a NICT, and off it goes. */
static int start_client(struct sip *sip, osip_message_t *m,
			const struct sip_addr *dest, uint32_t src,
			enum sip_transport pref, sip_response_fn cb, void *data)
{
	struct sip_client *c = NULL;
	osip_transaction_t *tr = NULL;
	osip_event_t *evt;
	char ip[INET_ADDRSTRLEN], c1[48], c2[48], *buf;
	enum sip_transport tp = pref;
	uint32_t local = src ? src : sip_int_local_addr(sip, dest->addr);
	size_t len;
	int r;

	r = sip_int_set_via(sip, m, pref == SIP_TP_AUTO ? SIP_TP_UDP : pref, local, true);
	if (r)
		goto err;
	if (pref == SIP_TP_AUTO) {
		r = sip_int_msg_to_str(m, &buf, &len);
		if (r)
			goto err;
		osip_free(buf);
		tp = sip_transport_for(len, sip->cfg.mtu);
		if (tp == SIP_TP_TCP) {
			r = sip_int_set_via(sip, m, tp, local, false);
			if (r)
				goto err;
		}
	}
	r = -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto err;
	if (osip_transaction_init(&tr, NICT, sip->osip, m)) {
		r = -EINVAL;
		goto err;
	}
	sip_int_addr_str(dest->addr, ip);
	osip_nict_set_destination(tr->nict_context, osip_strdup(ip), dest->port);
	evt = osip_new_outgoing_sipmessage(m);
	if (!evt)
		goto err;
	c->tr = tr;
	c->req = m;
	c->cb = cb;
	c->data = data;
	c->dest = *dest;
	c->src = src;
	c->pref = pref;
	c->tp = tp;
	c->by_size = pref == SIP_TP_AUTO && tp == SIP_TP_TCP;
	osip_transaction_set_your_instance(tr, c);
	osip_transaction_add_event(tr, evt);
	c->next = sip->clients;
	sip->clients = c;
	sip_int_log(sip, LOG_DEBUG, "%s %s to %s:%u/%s",
		    sip_int_clean(m->sip_method, c1),
		    sip_int_clean(m->call_id->number, c2), ip, dest->port,
		    sip_int_tp_name(tp));
	sip_int_run(sip, false);
	return 0;
err:
	if (tr)
		osip_transaction_free(tr);
	free(c);
	osip_message_free(m);
	return r;
}

static void client_report(struct sip_client *c, int status, bool has_resp)
{
	if (c->reported)
		return;
	c->reported = true;
	c->status = status;
	c->has_resp = has_resp;
}

/*
 * The transport failed: a request sent over TCP for its size alone goes
 * again over UDP when the connection was refused or reset (RFC 3261
 * 18.1.1); else the caller hears 503. Either way this transaction is over.
 */
void sip_int_client_failed(struct sip *sip, struct sip_client *c, int err)
{
	if (c->reported)
		return;
	c->dead = true;
	if (c->by_size && (err == ECONNREFUSED || err == ECONNRESET) &&
	    !resend(sip, c->req, &c->dest, c->src, SIP_TP_UDP, NULL, false, c->cb,
		    c->data)) {
		sip_int_log(sip, LOG_INFO, "tcp refused: the request goes again over udp");
		c->reported = c->delivered = true;	/* the new one will */
		return;
	}
	client_report(c, SIP_STATUS_TRANSPORT, false);
}

static struct sip_client *client_by_req(struct sip *sip,
					const osip_message_t *req)
{
	struct sip_client *c;

	for (c = sip->clients; c; c = c->next)
		if (c->req == req)
			return c;
	return NULL;
}

static int resend(struct sip *sip, const osip_message_t *req,
		  const struct sip_addr *dest, uint32_t src,
		  enum sip_transport pref, const char *headers, bool bump,
		  sip_response_fn cb, void *data)
{
	osip_message_t *m;
	char *v;
	uint32_t n;
	int r;

	if (!req || MSG_IS_RESPONSE(req) || !req->cseq || !req->cseq->number ||
	    !req->sip_method || hmmp_u32_parse(req->cseq->number, 0, INT32_MAX - 1, &n))
		return -EINVAL;
	if (osip_message_clone(req, &m))
		return -ENOMEM;
	if (bump) {
		if (asprintf(&v, "%u", n + 1) < 0) {
			osip_message_free(m);
			return -ENOMEM;
		}
		osip_free(m->cseq->number);
		m->cseq->number = osip_strdup(v);
		free(v);
		osip_list_special_free(&m->authorizations,
				       (void (*)(void *))osip_authorization_free);
		osip_list_special_free(&m->proxy_authorizations,
				       (void (*)(void *))osip_proxy_authorization_free);
	}
	r = sip_int_add_headers(m, headers);
	if (r) {
		osip_message_free(m);
		return r;
	}
	osip_message_force_update(m);
	return start_client(sip, m, dest, src, pref, cb, data);
}

/* ---- osip2 callbacks ------------------------------------------------ */

static void on_nict_final(int type, osip_transaction_t *tr,
			  osip_message_t *msg)
{
	struct sip_client *c = osip_transaction_get_your_instance(tr);

	(void)type;
	if (c && msg)
		client_report(c, osip_message_get_status_code(msg), true);
}

static void on_nict_timeout(int type, osip_transaction_t *tr,
			    osip_message_t *msg)
{
	struct sip_client *c = osip_transaction_get_your_instance(tr);

	(void)type;
	(void)msg;
	if (c)
		client_report(c, SIP_STATUS_TIMEOUT, false);
}

static void on_retransmit(int type, osip_transaction_t *tr,
			  osip_message_t *msg)
{
	struct sip *sip = osip_get_application_context(tr->config);

	(void)msg;
	if (type == OSIP_NICT_REQUEST_SENT_AGAIN)
		sip->stats.tx_retrans++;
	else
		sip->stats.rx_retrans++;
}

int sip_int_queue_response(struct sip *sip, struct sip_server *s, int status,
			   const char *reason, const char *headers,
			   const char *ctype, const char *body, size_t len)
{
	osip_message_t *r = sip_int_build_response(sip, s->req, status, reason,
						   s->tag);
	osip_event_t *evt;
	int e;

	if (!r)
		return -ENOMEM;
	e = sip_int_add_headers(r, headers);
	if (!e)
		e = sip_int_set_body(r, ctype, body, len);
	if (e) {
		osip_message_free(r);
		return e;
	}
	evt = osip_new_outgoing_sipmessage(r);
	if (!evt) {
		osip_message_free(r);
		return -ENOMEM;
	}
	osip_transaction_add_event(s->tr, evt);
	if (status >= 200)
		s->answered = true;
	return 0;
}

static void on_nist_request(int type, osip_transaction_t *tr,
			    osip_message_t *msg)
{
	struct sip *sip = osip_get_application_context(tr->config);
	struct sip_server *s = osip_transaction_get_your_instance(tr);

	(void)type;
	if (!s)
		return;
	s->req = msg;
	if (!sip->handler) {
		sip_int_queue_response(sip, s, 501, NULL, NULL, NULL, NULL, 0);
		return;
	}
	sip->handler(sip, msg, &s->src, s->tp, sip->handler_data);
}

static void on_kill(int type, osip_transaction_t *tr)
{
	struct sip *sip = osip_get_application_context(tr->config);

	if (type == OSIP_NICT_KILL_TRANSACTION) {
		struct sip_client *c = osip_transaction_get_your_instance(tr);

		if (!c)
			return;
		if (!c->reported)
			sip_int_client_failed(sip, c,
					      c->tp_err ? c->tp_err : EIO);
		c->dead = true;
	} else if (type == OSIP_NIST_KILL_TRANSACTION) {
		struct sip_server *s = osip_transaction_get_your_instance(tr);

		if (s)
			s->dead = true;
	}
}

static void on_tp_error(int type, osip_transaction_t *tr, int error)
{
	struct sip *sip = osip_get_application_context(tr->config);

	sip_int_log(sip, LOG_DEBUG, "transaction %d: transport error %d (%s)",
		    tr->transactionid, error,
		    type == OSIP_NICT_TRANSPORT_ERROR ? "client" : "server");
}

/* ---- receiving ------------------------------------------------------ */

static void stateless(struct sip *sip, const osip_message_t *req, int status,
		      const char *reason, const struct sip_addr *src,
		      enum sip_transport tp, struct sip_conn *conn)
{
	char tag[2 * TAG_BYTES + 1], *buf;
	uint64_t id = conn ? conn->id : 0;
	osip_message_t *r;
	size_t len;

	sip_int_rand_hex(tag, TAG_BYTES);
	r = sip_int_build_response(sip, req, status, reason, tag);
	if (!r)
		return;
	if (!sip_int_msg_to_str(r, &buf, &len)) {
		if ((tp == SIP_TP_UDP || sip_int_conn_by_id(sip, id)) &&
		    !sip_int_send(sip, tp, src,
				  tp == SIP_TP_UDP ? sip->rx_local : 0, &id,
				  buf, len))
			sip->stats.stateless++;
		osip_free(buf);
	}
	osip_message_free(r);
}

void sip_int_on_message(struct sip *sip, const char *buf, size_t len,
			const struct sip_addr *src, enum sip_transport tp,
			struct sip_conn *conn)
{
	osip_event_t *evt = osip_parse(buf, len);
	char ip[INET_ADDRSTRLEN], c1[48], c2[48];
	struct sip_server *s;
	osip_transaction_t *tr;
	osip_message_t *m;
	const char *why;

	sip_int_addr_str(src->addr, ip);
	if (!evt) {
		sip->stats.rx_malformed++;
		sip_int_log(sip, LOG_INFO,
			    "unparseable message from %s:%u/%s dropped", ip,
			    src->port, sip_int_tp_name(tp));
		return;
	}
	sip->stats.rx_msgs++;
	m = evt->sip;
	if (MSG_IS_RESPONSE(m)) {
		why = m->status_code < 100 || m->status_code > 699 ?
		      "Bad Status" : sip_int_check_common(m);
		if (why) {
			sip->stats.rx_malformed++;
			sip_int_log(sip, LOG_INFO, "response from %s:%u dropped: %s", ip,
				    src->port, why);
		} else if (osip_find_transaction_and_add_event(sip->osip, evt)) {
			sip->stats.rx_stray++;
			sip_int_log(sip, LOG_DEBUG,
				    "stray %d from %s:%u dropped",
				    m->status_code, ip, src->port);
		} else {
			sip_int_execute(sip);
			return;
		}
		osip_event_free(evt);
		return;
	}
	why = sip_int_check_request(m);
	if (why) {
		sip->stats.rx_malformed++;
		sip_int_log(sip, LOG_INFO, "%s from %s:%u: 400 %s",
			    sip_int_clean(m->sip_method, c1), ip, src->port,
			    why);
		if (osip_list_get(&m->vias, 0) && !MSG_IS_ACK(m))
			stateless(sip, m, 400, why, src, tp, conn);
		osip_event_free(evt);
		return;
	}
	sip_int_fix_via(m, src);
	if (!m->sip_version || strcmp(m->sip_version, "SIP/2.0")) {
		stateless(sip, m, 505, NULL, src, tp, conn);
		osip_event_free(evt);
		return;
	}
	if (MSG_IS_ACK(m) || MSG_IS_INVITE(m) || MSG_IS_CANCEL(m)) {
		/* no INVITE server transactions here, so nothing to cancel */
		if (!MSG_IS_ACK(m))
			stateless(sip, m, MSG_IS_INVITE(m) ? 501 : 481, NULL,
				  src, tp, conn);
		osip_event_free(evt);
		return;
	}
	if (!osip_find_transaction_and_add_event(sip->osip, evt)) {
		sip_int_execute(sip);	/* a retransmission */
		return;
	}
	s = calloc(1, sizeof(*s));
	tr = s ? osip_create_transaction(sip->osip, evt) : NULL;
	if (!tr) {
		free(s);
		osip_event_free(evt);
		return;
	}
	s->tr = tr;
	s->src = *src;
	s->local = tp == SIP_TP_UDP ? sip->rx_local : 0;
	s->tp = tp;
	s->conn_id = conn ? conn->id : 0;
	s->born_usec = sip_int_now(sip);
	sip_int_rand_hex(s->tag, TAG_BYTES);
	osip_transaction_set_your_instance(tr, s);
	s->next = sip->servers;
	sip->servers = s;
	sip_int_log(sip, LOG_DEBUG, "%s %s from %s:%u/%s",
		    sip_int_clean(m->sip_method, c1),
		    sip_int_clean(m->call_id->number, c2), ip, src->port,
		    sip_int_tp_name(tp));
	osip_transaction_add_event(tr, evt);
	sip_int_execute(sip);
}

/* ---- the API -------------------------------------------------------- */

int sip_send_request(struct sip *sip, const struct sip_request *rq,
		     sip_response_fn cb, void *data)
{
	struct sip_addr dest = rq->dest;
	enum sip_transport pref = SIP_TP_AUTO;
	osip_message_t *m;
	int r;

	r = sip_int_build_request(sip, rq, &m);
	if (r)
		return r;
	r = sip_int_uri_dest(m->req_uri, &dest, &pref);
	if (rq->dest.addr) {
		dest = rq->dest;
		if (!dest.port)
			dest.port = SIP_PORT_DEFAULT;
		if (r == -EINVAL)	/* a name: fine with a next hop */
			r = 0;
	}
	if (r) {
		osip_message_free(m);
		return r;
	}
	if (rq->transport != SIP_TP_AUTO)
		pref = rq->transport;
	return start_client(sip, m, &dest, rq->src, pref, cb, data);
}

int sip_send_retry(struct sip *sip, const osip_message_t *req,
		   const char *headers, sip_response_fn cb, void *data)
{
	struct sip_client *c = client_by_req(sip, req);
	struct sip_addr dest;
	enum sip_transport pref;
	uint32_t src = 0;
	int r;

	if (!req || MSG_IS_RESPONSE(req))
		return -EINVAL;
	if (c) {
		dest = c->dest;
		src = c->src;
		pref = c->pref;
	} else {
		r = sip_int_uri_dest(req->req_uri, &dest, &pref);
		if (r)
			return r;
	}
	return resend(sip, req, &dest, src, pref, headers, true, cb, data);
}

int sip_respond(struct sip *sip, const osip_message_t *req, int status,
		const char *reason, const char *headers,
		const char *content_type, const char *body, size_t body_len)
{
	struct sip_server *s;
	int r;

	for (s = sip->servers; s; s = s->next)
		if (s->req == req && req && !s->dead && !s->answered)
			break;
	if (!s)
		return -ENOENT;
	if (status < 100 || status > 699 ||
	    (reason && (!*reason || !sip_int_is_text(reason, strlen(reason)))))
		return -EINVAL;
	r = sip_int_queue_response(sip, s, status, reason, headers,
				   content_type, body, body_len);
	if (!r)
		sip_int_run(sip, false);
	return r;
}

int sip_int_set_callbacks(osip_t *o)
{
	static const int req_types[] = {
		OSIP_NIST_REGISTER_RECEIVED, OSIP_NIST_BYE_RECEIVED,
		OSIP_NIST_OPTIONS_RECEIVED, OSIP_NIST_INFO_RECEIVED,
		OSIP_NIST_CANCEL_RECEIVED, OSIP_NIST_NOTIFY_RECEIVED,
		OSIP_NIST_SUBSCRIBE_RECEIVED, OSIP_NIST_UNKNOWN_REQUEST_RECEIVED,
	};
	static const int final_types[] = {
		OSIP_NICT_STATUS_2XX_RECEIVED, OSIP_NICT_STATUS_3XX_RECEIVED,
		OSIP_NICT_STATUS_4XX_RECEIVED, OSIP_NICT_STATUS_5XX_RECEIVED,
		OSIP_NICT_STATUS_6XX_RECEIVED,
	};
	int r = 0;
	size_t i;

	osip_set_cb_send_message(o, on_osip_send);
	for (i = 0; i < HMMP_ARRAY_SIZE(req_types); i++)
		r |= osip_set_message_callback(o, req_types[i], on_nist_request);
	for (i = 0; i < HMMP_ARRAY_SIZE(final_types); i++)
		r |= osip_set_message_callback(o, final_types[i], on_nict_final);
	r |= osip_set_message_callback(o, OSIP_NICT_STATUS_TIMEOUT, on_nict_timeout);
	r |= osip_set_message_callback(o, OSIP_NICT_REQUEST_SENT_AGAIN, on_retransmit);
	r |= osip_set_message_callback(o, OSIP_NIST_REQUEST_RECEIVED_AGAIN, on_retransmit);
	r |= osip_set_kill_transaction_callback(o, OSIP_NICT_KILL_TRANSACTION, on_kill);
	r |= osip_set_kill_transaction_callback(o, OSIP_NIST_KILL_TRANSACTION, on_kill);
	r |= osip_set_transport_error_callback(o, OSIP_NICT_TRANSPORT_ERROR, on_tp_error);
	r |= osip_set_transport_error_callback(o, OSIP_NIST_TRANSPORT_ERROR, on_tp_error);
	return r ? -EINVAL : 0;
}
