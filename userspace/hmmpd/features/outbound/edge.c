// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the edge role's stateless Outbound edge proxy. See edge.h and
 * docs/outbound.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include <openssl/evp.h>
#include <osipparser2/osip_parser.h>

#include "edge.h"
#include "core/log.h"

struct waiting {
	struct waiting *next;
	char *msg;		/* the request, without our Via */
	size_t len;
	char *resp;		/* its 430, for the core; NULL for ACK */
	size_t resp_len;
	struct sip_flow from;	/* where it came from */
	char branch[17];
};

struct hmmpd_edge {
	struct sip *sip;
	struct ob_edge *ob;
	struct hmmpd_edge_cfg cfg;
	uint8_t secret[OB_SECRET_LEN];
	char self_ip[INET_ADDRSTRLEN];
	uint64_t core_conn;	/* our TCP connection to the next hop */
	struct waiting *waiting;
	struct hmmpd_edge_stats st;
};

void hmmpd_edge_ob_flow(const struct sip_flow *in, struct ob_flow *out)
{
	memset(out, 0, sizeof(*out));
	out->tp = in->tp == SIP_TP_TCP ? OB_TCP : OB_UDP;
	out->laddr = in->local.addr;
	out->lport = in->local.port;
	out->raddr = in->peer.addr;
	out->rport = in->peer.port;
}

void hmmpd_edge_hex(const uint8_t tok[OB_TOKEN_LEN],
		    char hex[2 * OB_TOKEN_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < OB_TOKEN_LEN; i++) {
		hex[2 * i] = digits[tok[i] >> 4];
		hex[2 * i + 1] = digits[tok[i] & 15];
	}
	hex[2 * OB_TOKEN_LEN] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hmmpd_edge_unhex(const char *hex, uint8_t tok[OB_TOKEN_LEN])
{
	size_t i;

	if (!hex || strlen(hex) != 2 * OB_TOKEN_LEN)
		return -1;
	for (i = 0; i < OB_TOKEN_LEN; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		tok[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* CLOCK_MONOTONIC ms, sd-event's clock. */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- sending ---- */

static int send_flow(struct hmmpd_edge *px, const struct sip_flow *f,
		     const char *buf, size_t len)
{
	return sip_send_raw(px->sip, f, buf, len);
}

/* To an address: UDP from us, or a TCP connection (made if need be). */
static int send_to(struct hmmpd_edge *px, bool tcp, const struct sip_addr *dst,
		   const char *buf, size_t len)
{
	struct sip_flow f = { .tp = SIP_TP_UDP };
	struct sip_addr any = { .addr = dst->addr };
	bool core = dst->addr == px->cfg.next.addr;
	int r;

	f.local.addr = px->cfg.self.addr;
	f.peer = *dst;
	if (!tcp)
		return send_flow(px, &f, buf, len);
	if (core && px->core_conn) {
		f.tp = SIP_TP_TCP;
		f.conn_id = px->core_conn;
		r = send_flow(px, &f, buf, len);
		if (r != -ENOTCONN)
			return r;
		px->core_conn = 0;
	}
	/* The connection the peer made (any port of it), else a new one. */
	if (sip_tcp_find(px->sip, NULL, dst, &f) ||
	    sip_tcp_find(px->sip, NULL, &any, &f))
		return send_flow(px, &f, buf, len);
	f.tp = SIP_TP_TCP;
	r = sip_tcp_open(px->sip, dst, px->cfg.self.addr, &f.conn_id);
	if (r)
		return r;
	if (core)
		px->core_conn = f.conn_id;
	return send_flow(px, &f, buf, len);
}

/* ---- message helpers ---- */

static int to_str(osip_message_t *m, char **out, size_t *len)
{
	osip_message_force_update(m);
	return osip_message_to_str(m, out, len) ? -EINVAL : 0;
}

/* msg with "Via: SIP/2.0/TP self;branch=..." after its start line. */
static char *with_via(struct hmmpd_edge *px, const char *msg, size_t len,
		      bool tcp, const char *branch, size_t *out_len)
{
	const char *eol = memchr(msg, '\n', len);
	char via[160];
	size_t head, vl;
	char *out;

	if (!eol)
		return NULL;
	head = (size_t)(eol - msg) + 1;
	vl = (size_t)snprintf(via, sizeof(via),
			      "Via: SIP/2.0/%s %s:%u;branch=z9hG4bK%s;rport\r\n",
			      tcp ? "TCP" : "UDP", px->self_ip,
			      (unsigned int)(tcp ? px->cfg.tcp_port
						 : px->cfg.self.port),
			      branch);
	out = malloc(len + vl + 1);
	if (!out)
		return NULL;
	memcpy(out, msg, head);
	memcpy(out + head, via, vl);
	memcpy(out + head + vl, msg + head, len - head);
	out[len + vl] = '\0';
	*out_len = len + vl;
	return out;
}

/* RFC 3261 16.11: a branch derived from the incoming request. */
static void make_branch(struct hmmpd_edge *px, osip_message_t *m,
			char out[17])
{
	osip_via_t *via = NULL;
	uint8_t mac[32];
	size_t maclen = 0, i;
	char *s = NULL, *buf;
	size_t n;

	osip_message_get_via(m, 0, &via);
	if (via)
		osip_via_to_str(via, &s);
	n = (s ? strlen(s) : 0) + strlen(m->sip_method ? m->sip_method : "") +
	    strlen(m->call_id && m->call_id->number ? m->call_id->number : "") + 4;
	buf = malloc(n);
	if (buf) {
		snprintf(buf, n, "%s|%s|%s", s ? s : "",
			 m->sip_method ? m->sip_method : "",
			 m->call_id && m->call_id->number ? m->call_id->number : "");
		/* ACK and CANCEL share their INVITE's branch. */
		if (m->sip_method && (!strcmp(m->sip_method, "ACK") ||
				      !strcmp(m->sip_method, "CANCEL"))) {
			char *bar = strchr(buf, '|');

			if (bar)
				strcpy(bar, "|INVITE");
		}
	}
	if (!buf || !EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, px->secret,
			       sizeof(px->secret), (const unsigned char *)buf,
			       strlen(buf), mac,
			       sizeof(mac), &maclen))
		memset(mac, 0, sizeof(mac));
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	free(buf);
	osip_free(s);
}

/* A stateless response to req (RFC 3261 8.2.6): its Vias, From, To
 * (tagged), Call-ID, CSeq. Returns the text (free()) or NULL. */
static char *response_text(osip_message_t *req, int code, const char *reason,
			   size_t *out_len)
{
	size_t cap = 1024, len = 0;
	char *out = malloc(cap), *s;
	osip_generic_param_t *tag;
	osip_via_t *via;
	int i, n;

#define APPEND(...)							\
	do {								\
		int k_ = snprintf(out + len, cap - len, __VA_ARGS__);	\
		while (k_ >= 0 && (size_t)k_ >= cap - len) {		\
			char *p_ = realloc(out, cap *= 2);		\
			if (!p_)					\
				goto fail;				\
			out = p_;					\
			k_ = snprintf(out + len, cap - len, __VA_ARGS__); \
		}							\
		if (k_ < 0)						\
			goto fail;					\
		len += (size_t)k_;					\
	} while (0)

	if (!out)
		return NULL;
	APPEND("SIP/2.0 %d %s\r\n", code, reason);
	for (i = 0; !osip_message_get_via(req, i, &via) && via; i++) {
		s = NULL;
		if (osip_via_to_str(via, &s))
			goto fail;
		APPEND("Via: %s\r\n", s);
		osip_free(s);
	}
	s = NULL;
	if (!req->from || osip_from_to_str(req->from, &s))
		goto fail;
	APPEND("From: %s\r\n", s);
	osip_free(s);
	s = NULL;
	if (!req->to || osip_to_to_str(req->to, &s))
		goto fail;
	tag = NULL;
	n = osip_to_get_tag(req->to, &tag) || !tag ? 1 : 0;
	APPEND("To: %s%s\r\n", s, n ? ";tag=hmmpd-edge" : "");
	osip_free(s);
	s = NULL;
	if (!req->call_id || osip_call_id_to_str(req->call_id, &s))
		goto fail;
	APPEND("Call-ID: %s\r\n", s);
	osip_free(s);
	s = NULL;
	if (!req->cseq || osip_cseq_to_str(req->cseq, &s))
		goto fail;
	APPEND("CSeq: %s\r\nContent-Length: 0\r\n\r\n", s);
	osip_free(s);
	*out_len = len;
	return out;
fail:
	free(out);
	return NULL;
#undef APPEND
}

static void reply(struct hmmpd_edge *px, osip_message_t *req,
		  const struct sip_flow *f, int code, const char *reason)
{
	size_t len;
	char *r;

	if (MSG_IS_ACK(req))
		return;
	r = response_text(req, code, reason, &len);
	if (r)
		send_flow(px, f, r, len);
	free(r);
}

/* Our address in a URI/Via host:port? */
static bool is_self(struct hmmpd_edge *px, const char *host, const char *port)
{
	unsigned long p = port ? strtoul(port, NULL, 10) : SIP_PORT_DEFAULT;

	return host && !strcmp(host, px->self_ip) &&
	       (p == px->cfg.self.port || p == px->cfg.tcp_port);
}

/* received= and rport= on the top Via (RFC 3261 18.2.1, RFC 3581). */
static void stamp_via(osip_message_t *m, const struct sip_flow *f)
{
	osip_generic_param_t *rp = NULL;
	osip_via_t *via = NULL;
	char ip[INET_ADDRSTRLEN], port[8];

	if (osip_message_get_via(m, 0, &via) || !via)
		return;
	inet_ntop(AF_INET, &f->peer.addr, ip, sizeof(ip));
	snprintf(port, sizeof(port), "%u", f->peer.port);
	if (!via->host || strcmp(via->host, ip))
		osip_via_set_received(via, osip_strdup(ip));
	osip_via_param_get_byname(via, "rport", &rp);
	if (rp && !rp->gvalue)
		rp->gvalue = osip_strdup(port);
}

/* Max-Forwards down by one; false when it was 0 (483). */
static bool max_forwards(osip_message_t *m)
{
	osip_header_t *h = NULL;
	long n;

	osip_message_get_max_forwards(m, 0, &h);
	if (!h || !h->hvalue) {
		osip_message_set_max_forwards(m, "70");
		return true;
	}
	n = strtol(h->hvalue, NULL, 10);
	if (n <= 0)
		return false;
	if (n > 255)
		n = 256;
	osip_free(h->hvalue);
	h->hvalue = osip_malloc(12);
	if (h->hvalue)
		snprintf(h->hvalue, 12, "%ld", n - 1);
	return true;
}

/* ---- requests from UAs ---- */

static void from_ua(struct hmmpd_edge *px, osip_message_t *m,
		    const struct sip_flow *f)
{
	char hex[2 * OB_TOKEN_LEN + 1], uri[256], branch[17];
	uint8_t tok[OB_TOKEN_LEN];
	osip_route_t *rt = NULL;
	struct ob_flow of;
	char *s = NULL, *out;
	size_t len, olen;

	/* A Route naming us (the UA's outbound proxy) is done with. */
	if (!osip_message_get_route(m, 0, &rt) && rt && rt->url &&
	    is_self(px, rt->url->host, rt->url->port)) {
		osip_list_remove(&m->routes, 0);
		osip_route_free(rt);
	}
	hmmpd_edge_ob_flow(f, &of);
	if (ob_token_make(px->secret, &of, tok)) {
		reply(px, m, f, 500, "Server Internal Error");
		return;
	}
	hmmpd_edge_hex(tok, hex);
	snprintf(uri, sizeof(uri), "<sip:%s@%s:%u;lr;ob%s>", hex, px->self_ip,
		 (unsigned int)(px->cfg.next_tcp ? px->cfg.tcp_port
						 : px->cfg.self.port),
		 px->cfg.next_tcp ? ";transport=tcp" : "");
	if (MSG_IS_REGISTER(m)) {
		osip_message_set_header(m, "Path", uri);
	} else {
		osip_record_route_t *rr = NULL;

		if (osip_record_route_init(&rr) ||
		    osip_record_route_parse(rr, uri)) {
			osip_record_route_free(rr);
			reply(px, m, f, 500, "Server Internal Error");
			return;
		}
		osip_list_add(&m->record_routes, rr, 0);
	}
	make_branch(px, m, branch);
	if (to_str(m, &s, &len))
		return;
	out = with_via(px, s, len, px->cfg.next_tcp, branch, &olen);
	osip_free(s);
	if (!out)
		return;
	px->st.from_ua++;
	if (send_to(px, px->cfg.next_tcp, &px->cfg.next, out, olen))
		reply(px, m, f, 503, "Service Unavailable");
	free(out);
}

/* ---- requests to UAs ---- */

static int deliver_tcp(struct hmmpd_edge *px, const struct ob_flow *tcp,
		       const char *msg, size_t len, const char *branch)
{
	struct sip_addr local = { tcp->laddr, tcp->lport };
	struct sip_addr peer = { tcp->raddr, tcp->rport };
	struct sip_flow f;
	size_t olen;
	char *out;
	int r;

	if (!sip_tcp_find(px->sip, &local, &peer, &f))
		return -ENOTCONN;
	out = with_via(px, msg, len, true, branch, &olen);
	if (!out)
		return -ENOMEM;
	r = send_flow(px, &f, out, olen);
	free(out);
	return r;
}

static void to_ua(struct hmmpd_edge *px, osip_message_t *m,
		  const struct sip_flow *f)
{
	uint8_t tok[OB_TOKEN_LEN];
	osip_route_t *rt = NULL;
	struct waiting *w;
	struct ob_flow of;
	char branch[17], *s = NULL, *out;
	size_t len, olen;
	int r;

	if (osip_message_get_route(m, 0, &rt) || !rt || !rt->url ||
	    !is_self(px, rt->url->host, rt->url->port) ||
	    hmmpd_edge_unhex(rt->url->username, tok) ||
	    !ob_token_check(px->secret, tok, sizeof(tok), &of)) {
		/* RFC 5626 5.3: a token we cannot vouch for. */
		px->st.forbidden++;
		reply(px, m, f, 403, "Forbidden");
		return;
	}
	osip_list_remove(&m->routes, 0);
	osip_route_free(rt);
	make_branch(px, m, branch);
	if (to_str(m, &s, &len))
		return;
	px->st.to_ua++;
	if (of.tp == OB_TCP) {
		if (deliver_tcp(px, &of, s, len, branch)) {
			px->st.flow_failed++;
			reply(px, m, f, 430, "Flow Failed");
		}
		osip_free(s);
		return;
	}
	out = with_via(px, s, len, false, branch, &olen);
	if (out && olen <= (px->cfg.flow_mtu ? px->cfg.flow_mtu
						: SIP_MTU_DEFAULT)) {
		struct sip_flow uf = { .tp = SIP_TP_UDP };

		uf.local.addr = of.laddr;
		uf.local.port = of.lport;
		uf.peer.addr = of.raddr;
		uf.peer.port = of.rport;
		if (send_flow(px, &uf, out, olen)) {
			px->st.flow_failed++;
			reply(px, m, f, 430, "Flow Failed");
		}
		free(out);
		osip_free(s);
		return;
	}
	free(out);
	/* Seed 003 6.1.2: too large for the UDP flow: ForceTCP first. */
	w = calloc(1, sizeof(*w));
	if (!w) {
		osip_free(s);
		return;
	}
	w->msg = malloc(len);
	if (w->msg)
		memcpy(w->msg, s, len);
	osip_free(s);
	w->len = len;
	w->from = *f;
	memcpy(w->branch, branch, sizeof(branch));
	if (!MSG_IS_ACK(m))
		w->resp = response_text(m, 430, "Flow Failed", &w->resp_len);
	r = w->msg ? ob_edge_force(px->ob, &of, w, now_ms()) : -ENOMEM;
	if (px->cfg.rearm)
		px->cfg.rearm(px->cfg.arg);
	if (r) {
		hmmpd_log(LOG_INFO, "edge: cannot send ForceTCP: %s", strerror(-r));
		px->st.flow_failed++;
		if (w->resp)
			send_flow(px, f, w->resp, w->resp_len);
		free(w->msg);
		free(w->resp);
		free(w);
		return;
	}
	hmmpd_log(LOG_INFO, "edge: %s of %zu bytes over a UDP flow: ForceTCP",
		  m->sip_method, len);
	w->next = px->waiting;
	px->waiting = w;
}

void hmmpd_edge_forced(struct hmmpd_edge *px, void *ctx, int status,
		       const struct ob_flow *tcp)
{
	struct waiting **pw, *w = ctx;

	for (pw = &px->waiting; *pw && *pw != w; pw = &(*pw)->next)
		;
	if (!*pw)
		return;
	*pw = w->next;
	if (!status && !deliver_tcp(px, tcp, w->msg, w->len, w->branch)) {
		px->st.forced_tcp++;
		hmmpd_log(LOG_INFO, "edge: ForceTCP answered: request sent over TCP");
	} else {
		px->st.flow_failed++;
		hmmpd_log(LOG_INFO, "edge: ForceTCP failed: %s",
			  w->resp ? "430 Flow Failed" : "ACK dropped");
		if (w->resp)
			send_flow(px, &w->from, w->resp, w->resp_len);
	}
	free(w->msg);
	free(w->resp);
	free(w);
}

/* ---- responses ---- */

static void response(struct hmmpd_edge *px, osip_message_t *m)
{
	osip_generic_param_t *rcv = NULL, *rp = NULL;
	osip_via_t *via = NULL;
	struct sip_addr dst;
	struct in_addr a;
	const char *host;
	char *s = NULL;
	size_t len;

	if (osip_message_get_via(m, 0, &via) || !via ||
	    !is_self(px, via->host, via->port)) {
		px->st.dropped++;
		return;
	}
	osip_list_remove(&m->vias, 0);
	osip_via_free(via);
	via = NULL;
	if (osip_message_get_via(m, 0, &via) || !via) {
		px->st.dropped++;
		return;
	}
	osip_via_param_get_byname(via, "received", &rcv);
	osip_via_param_get_byname(via, "rport", &rp);
	host = rcv && rcv->gvalue ? rcv->gvalue : via->host;
	if (!host || inet_pton(AF_INET, host, &a) != 1) {
		px->st.dropped++;
		return;
	}
	dst.addr = a.s_addr;
	dst.port = (uint16_t)(rp && rp->gvalue ? atoi(rp->gvalue) :
			      via->port ? atoi(via->port) : SIP_PORT_DEFAULT);
	if (to_str(m, &s, &len))
		return;
	px->st.responses++;
	send_to(px, via->protocol && !strcasecmp(via->protocol, "TCP"), &dst,
		s, len);
	osip_free(s);
}

bool hmmpd_edge_raw(struct sip *sip, const struct sip_flow *flow,
		    const char *buf, size_t len, void *data)
{
	struct hmmpd_edge *px = data;
	osip_message_t *m = NULL;

	(void)sip;
	if (osip_message_init(&m) || osip_message_parse(m, buf, len)) {
		osip_message_free(m);
		px->st.dropped++;
		return true;
	}
	if (MSG_IS_RESPONSE(m)) {
		response(px, m);
	} else if (!m->sip_method || !m->call_id || !m->cseq || !m->from ||
		   !m->to || osip_list_size(&m->vias) < 1) {
		px->st.dropped++;
	} else {
		stamp_via(m, flow);
		if (!max_forwards(m))
			reply(px, m, flow, 483, "Too Many Hops");
		else if (flow->peer.addr == px->cfg.next.addr &&
			 (flow->tp == SIP_TP_TCP ||
			  flow->peer.port == px->cfg.next.port))
			to_ua(px, m, flow);
		else
			from_ua(px, m, flow);
	}
	osip_message_free(m);
	return true;
}

struct hmmpd_edge *hmmpd_edge_new(struct sip *sip, struct ob_edge *ob,
				  const struct hmmpd_edge_cfg *cfg)
{
	struct hmmpd_edge *px = calloc(1, sizeof(*px));

	if (!px)
		return NULL;
	px->sip = sip;
	px->ob = ob;
	px->cfg = *cfg;
	memcpy(px->secret, cfg->secret, sizeof(px->secret));
	px->cfg.secret = px->secret;
	inet_ntop(AF_INET, &cfg->self.addr, px->self_ip, sizeof(px->self_ip));
	sip_set_raw_handler(sip, hmmpd_edge_raw, px);
	return px;
}

void hmmpd_edge_free(struct hmmpd_edge *px)
{
	struct waiting *w;

	if (!px)
		return;
	sip_set_raw_handler(px->sip, NULL, NULL);
	while ((w = px->waiting)) {
		px->waiting = w->next;
		ob_edge_cancel(px->ob, w);
		free(w->msg);
		free(w->resp);
		free(w);
	}
	free(px);
}

void hmmpd_edge_get_stats(const struct hmmpd_edge *px,
			  struct hmmpd_edge_stats *st)
{
	*st = px->st;
}
