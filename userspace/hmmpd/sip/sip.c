// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the SIP user agent core (sip.h says what it does).
 *
 * How it sits on osip2:
 *  - osip2 never touches a socket or a clock source of ours: it calls
 *    on_osip_send() to send, and execute() feeds its timers and event
 *    queues. osip2's clock is CLOCK_MONOTONIC, like sd-event's, and
 *    osip_timers_gettimeout() says when the next timer is due.
 *  - Ownership: an event handed to a transaction (osip_transaction_add_event,
 *    or osip_find_transaction_and_add_event returning 0) belongs to it, with
 *    its message; an event nobody took is ours to osip_event_free().
 *  - osip2 frees no transaction: a kill callback only says it ended. Nor
 *    may one be freed from inside a callback, since osip_*_execute() reads
 *    it again afterwards; kills are marked, and reaped at the top of a loop
 *    callback, where no pointer to them is held up the stack.
 *  - A NIST announces a request before it leaves NIST_PRE_TRYING, where a
 *    response has no transition: executing an answer from inside the
 *    announcement would drop it. So callbacks never execute anything, they
 *    only queue events, and execute() loops until the queues are empty.
 *  - Outcomes of our requests are delivered at the top of a loop callback
 *    (a defer source when they came up in an API call), so a callback never
 *    fires inside sip_send_request() and may call the API itself.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <linux/sctp.h>
#include <osip2/osip.h>

#include "sip.h"
#include "stun/stun.h"
#include "util.h"

#ifndef SOL_SCTP
#define SOL_SCTP	132	/* IPPROTO_SCTP, as <netinet/sctp.h> has it */
#endif

#define SIP_MAX_OUTQ	(1u << 20)	/* bytes queued on one connection */
#define TCP_READ_MIN	4096
#define TAG_BYTES	6		/* From/To tags: 12 hex digits */

struct sip_conn {
	struct sip_conn *next;
	struct sip *sip;
	uint64_t id;			/* never reused; 0 is none */
	int fd;
	enum sip_transport tp;		/* TCP or SCTP */
	sd_event_source *io;
	struct sip_addr peer;		/* SCTP: where it last came from */
	uint32_t local;			/* our address on it (be32) */
	uint16_t lport;			/* and port */
	bool inbound, connecting, dead;
	bool released;			/* close once no transaction uses it */
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_off, out_len, out_cap;
	uint64_t last_usec;		/* last byte in or out */
};

/* A request we sent: one NICT. */
struct sip_client {
	struct sip_client *next;
	osip_transaction_t *tr;
	osip_message_t *req;		/* the transaction's */
	sip_response_fn cb;
	void *data;
	struct sip_addr dest;
	uint32_t src;			/* the caller's source, 0: routing's */
	enum sip_transport pref;	/* the caller's choice */
	enum sip_transport tp;		/* the one taken */
	bool by_size;			/* TCP for its size alone */
	uint64_t conn_id;
	int tp_err;			/* errno of a failed send */
	int status;			/* outcome, once reported */
	bool has_resp;			/* status is tr->last_response's */
	bool reported, delivered, dead;
};

/* A request we received: one NIST. */
struct sip_server {
	struct sip_server *next;
	osip_transaction_t *tr;
	osip_message_t *req;		/* the transaction's, once announced */
	struct sip_addr src;
	enum sip_transport tp;
	uint64_t conn_id;
	uint64_t born_usec;
	char tag[2 * TAG_BYTES + 1];	/* our To tag */
	bool answered, dead;
};

struct sip {
	sd_event *ev;
	osip_t *osip;
	struct sip_config cfg;
	char *identity;			/* NULL: sip:hmmpd@<local address> */
	char *user;			/* of Contact */
	char *ua;
	int udp_fd, tcp_fd, sctp_fd;
	uint16_t udp_port, tcp_port, sctp_port;
	sd_event_source *udp_src, *tcp_src, *sctp_src, *timer, *defer;
	struct sip_conn *conns;
	uint64_t conn_ids;
	struct sip_client *clients;
	struct sip_server *servers;
	sip_request_fn handler;
	void *handler_data;
	sip_stun_fn stun_fn;		/* STUN on the SIP ports (stun.h) */
	void *stun_data;
	sip_conn_fn conn_fn;		/* TCP connections up and down */
	void *conn_data;
	sip_sctp_fn sctp_fn;		/* SCTP associations up and down */
	void *sctp_data;
	sip_raw_fn raw_fn;		/* SIP messages before osip2 sees them */
	void *raw_data;
	bool running, again, delivering;
	struct sip_stats stats;
	char rx[SIP_MAX_MSG + 1];
};

static const char *const forbidden_headers[] = {
	"via", "v", "from", "f", "to", "t", "call-id", "i", "cseq",
	"content-length", "l", "content-type", "c", "max-forwards",
};

/* osip2's traces are global: they go to the newest instance with a log. */
static struct sip *trace_sip;

static void slog(struct sip *sip, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void slog(struct sip *sip, int prio, const char *fmt, ...)
{
	va_list ap;

	if (!sip->cfg.log)
		return;
	va_start(ap, fmt);
	sip->cfg.log(sip->cfg.log_data, prio, fmt, ap);
	va_end(ap);
}

/* Bytes of the network in a log line: printable, short. */
static const char *clean(const char *in, char out[48])
{
	size_t i;

	for (i = 0; in && in[i] && i < 47; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
	return out;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void osip_trace_cb(const char *fi, int li, osip_trace_level_t level,
			  const char *fmt, va_list ap)
{
	char buf[256];
	size_t n;

	(void)level;
	if (!trace_sip)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	while (n--)	/* they quote what came in */
		if ((unsigned char)buf[n] < 0x20 || (unsigned char)buf[n] >= 0x7f)
			buf[n] = '?';
	slog(trace_sip, LOG_DEBUG, "osip2 %s:%d: %s", fi ? fi : "?", li, buf);
}
#pragma GCC diagnostic pop

static uint64_t now_usec(struct sip *sip)
{
	uint64_t t = 0;

	sd_event_now(sip->ev, CLOCK_MONOTONIC, &t);
	return t;
}

static const char *tp_name(enum sip_transport tp)
{
	return tp == SIP_TP_TCP ? "tcp" : tp == SIP_TP_SCTP ? "sctp" : "udp";
}

/* The errno of socket(IPPROTO_SCTP) on a kernel without SCTP. */
static bool no_sctp(int e)
{
	return e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT || e == EAFNOSUPPORT;
}

static void rand_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[32];
	size_t i;

	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	if (getrandom(b, nbytes, 0) != (ssize_t)nbytes) {
		/* no entropy source: unique is all SIP needs */
		static uint64_t ctr;
		uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
			     ++ctr * 0x9e3779b97f4a7c15ULL;

		for (i = 0; i < nbytes; i++, x = x * 6364136223846793005ULL + 1)
			b[i] = (unsigned char)(x >> 56);
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

void sip_branch_new(char buf[SIP_BRANCH_LEN + 1])
{
	memcpy(buf, "z9hG4bK", 7);
	rand_hex(buf + 7, (SIP_BRANCH_LEN - 7) / 2);
}

enum sip_transport sip_transport_for(size_t len, unsigned int mtu)
{
	return len > (mtu ? mtu : SIP_MTU_DEFAULT) ? SIP_TP_TCP : SIP_TP_UDP;
}

/* ---- framing -------------------------------------------------------- */

static bool is_lws(char c)
{
	return c == ' ' || c == '\t';
}

/* Content-Length (or "l") in the header line [p, e)? 1: yes, *v set; -1 bad. */
static int frame_cl(const char *p, const char *e, size_t *v)
{
	const char *colon = memchr(p, ':', (size_t)(e - p));
	const char *ne;
	size_t nl, val = 0, digits = 0;

	if (!colon)
		return 0;
	for (ne = colon; ne > p && is_lws(ne[-1]); ne--)
		;
	nl = (size_t)(ne - p);
	if (!((nl == 14 && !strncasecmp(p, "content-length", 14)) ||
	      (nl == 1 && (*p == 'l' || *p == 'L'))))
		return 0;
	for (p = colon + 1; p < e && is_lws(*p); p++)
		;
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		if (++digits > 10)
			return -1;
		val = val * 10 + (size_t)(*p - '0');
	}
	for (; p < e && is_lws(*p); p++)
		;
	if (!digits || p != e || val > SIP_MAX_MSG)
		return -1;
	*v = val;
	return 1;
}

enum sip_frame sip_frame(const char *buf, size_t len, bool stream, size_t *n)
{
	size_t s = 0, p, body, cl = 0;
	bool have_cl = false;

	*n = 0;
	if (!len)
		return stream ? SIP_FRAME_MORE : SIP_FRAME_BAD;
	if (stream && (buf[0] == '\r' || buf[0] == '\n')) {
		/* keepalives between messages (RFC 5626 4.4.1) */
		if (len >= 4 && !memcmp(buf, "\r\n\r\n", 4)) {
			*n = 4;
			return SIP_FRAME_PING;
		}
		if (buf[0] == '\n') {
			*n = 1;
			return SIP_FRAME_SKIP;
		}
		if (len == 1 || (len == 3 && buf[1] == '\n' && buf[2] == '\r'))
			return SIP_FRAME_MORE;
		*n = buf[1] == '\n' ? 2 : 1;
		return SIP_FRAME_SKIP;
	}
	if (!stream) {
		/* RFC 3261 7.5: CRLFs before the start line are ignored */
		while (s < len && (buf[s] == '\r' || buf[s] == '\n'))
			s++;
		if (s == len) {
			*n = len;
			return SIP_FRAME_SKIP;
		}
	}
	for (p = s;;) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t e, le;

		if (!nl) {
			if (len - s > SIP_MAX_MSG || !stream)
				return SIP_FRAME_BAD;
			return SIP_FRAME_MORE;
		}
		e = (size_t)(nl - buf);
		le = e > p && buf[e - 1] == '\r' ? e - 1 : e;
		if (le == p) {
			body = e + 1;
			break;
		}
		if (p != s && !is_lws(buf[p])) {
			size_t v;
			int r = frame_cl(buf + p, buf + le, &v);

			if (r < 0 || (r > 0 && have_cl && v != cl))
				return SIP_FRAME_BAD;
			if (r > 0) {
				cl = v;
				have_cl = true;
			}
		}
		p = e + 1;
		if (p - s > SIP_MAX_MSG)
			return SIP_FRAME_BAD;
	}
	if (!have_cl) {
		if (stream || len - s > SIP_MAX_MSG)
			return SIP_FRAME_BAD;
		*n = len;
		return SIP_FRAME_MSG;
	}
	if (body - s + cl > SIP_MAX_MSG)
		return SIP_FRAME_BAD;
	if (len < body + cl)
		return stream ? SIP_FRAME_MORE : SIP_FRAME_BAD;
	*n = body + cl;
	return SIP_FRAME_MSG;
}

/* ---- small message helpers ------------------------------------------ */

static bool is_token(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-.!%*_+`'~", s[i]))
			return false;
	return true;
}

static bool is_text(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool is_forbidden(const char *name)
{
	size_t i;

	for (i = 0; i < HMMP_ARRAY_SIZE(forbidden_headers); i++)
		if (!strcasecmp(name, forbidden_headers[i]))
			return true;
	return false;
}

/*
 * Adds "Name: value" lines. osip2 parses the headers it knows into their
 * fields (Authorization, Contact...) and lowercases the name of the others,
 * which get the caller's spelling back.
 */
static int add_headers(osip_message_t *m, const char *h)
{
	while (h && *h) {
		const char *eol = strchr(h, '\n'), *colon, *v, *ve, *ne;
		size_t l = eol ? (size_t)(eol - h) : strlen(h);
		const char *next = h + l + (eol ? 1 : 0);
		char *name, *value;
		int before, i, r;

		if (l && h[l - 1] == '\r')
			l--;
		if (!l) {
			h = next;
			continue;
		}
		colon = memchr(h, ':', l);
		if (!colon || !is_text(h, l))
			return -EINVAL;
		for (ne = colon; ne > h && is_lws(ne[-1]); ne--)
			;
		for (v = colon + 1; v < h + l && is_lws(*v); v++)
			;
		for (ve = h + l; ve > v && is_lws(ve[-1]); ve--)
			;
		if (!is_token(h, (size_t)(ne - h)))
			return -EINVAL;
		name = strndup(h, (size_t)(ne - h));
		value = strndup(v, (size_t)(ve - v));
		if (!name || !value) {
			free(name);
			free(value);
			return -ENOMEM;
		}
		if (is_forbidden(name)) {
			free(name);
			free(value);
			return -EINVAL;
		}
		before = osip_list_size(&m->headers);
		{
			char *lname = strdup(name);

			r = lname ? osip_message_set_multiple_header(m, lname, value)
				  : OSIP_NOMEM;
			free(lname);
		}
		for (i = before; !r && i < osip_list_size(&m->headers); i++) {
			osip_header_t *hd = osip_list_get(&m->headers, i);
			char *dup = osip_strdup(name);

			if (dup) {
				osip_free(hd->hname);
				hd->hname = dup;
			}
		}
		free(name);
		free(value);
		if (r)
			return r == OSIP_NOMEM ? -ENOMEM : -EINVAL;
		h = next;
	}
	return 0;
}

static int set_body(osip_message_t *m, const char *ctype, const char *body,
		    size_t len)
{
	if (!ctype)
		return len ? -EINVAL : 0;
	if (!is_text(ctype, strlen(ctype)) || !*ctype || len > SIP_MAX_MSG)
		return -EINVAL;
	if (osip_message_set_content_type(m, ctype))
		return -EINVAL;
	if (len && osip_message_set_body(m, body, len))
		return -ENOMEM;
	return 0;
}

static int msg_to_str(osip_message_t *m, char **buf, size_t *len)
{
	if (osip_message_to_str(m, buf, len) || !*buf)
		return -EINVAL;
	if (*len > SIP_MAX_MSG) {
		osip_free(*buf);
		*buf = NULL;
		return -EMSGSIZE;
	}
	return 0;
}

static void addr_str(uint32_t be32, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = be32 };

	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* The host of a URI or Via: numeric IPv4 only (no DNS in this daemon). */
static int parse_hostport(const char *host, const char *port,
			  struct sip_addr *out)
{
	struct in_addr a;
	uint32_t p = SIP_PORT_DEFAULT;

	if (!host || inet_pton(AF_INET, host, &a) != 1)
		return -EINVAL;
	if (port && hmmp_u32_parse(port, 1, 65535, &p))
		return -EINVAL;
	out->addr = a.s_addr;
	out->port = (uint16_t)p;
	return 0;
}

/* Where a request goes by its URI: host, port, transport parameter. */
static int uri_dest(const osip_uri_t *uri, struct sip_addr *dest,
		    enum sip_transport *tp)
{
	osip_uri_param_t *t = NULL;

	if (!uri || parse_hostport(uri->host, uri->port, dest))
		return -EINVAL;
	*tp = SIP_TP_AUTO;
	osip_uri_param_get_byname((osip_list_t *)&uri->url_params, "transport", &t);
	if (t && t->gvalue) {
		if (!strcasecmp(t->gvalue, "udp"))
			*tp = SIP_TP_UDP;
		else if (!strcasecmp(t->gvalue, "tcp"))
			*tp = SIP_TP_TCP;
		else if (!strcasecmp(t->gvalue, "sctp"))
			*tp = SIP_TP_SCTP;
		else
			return -EPROTONOSUPPORT;
	}
	return 0;
}

/* Our address towards dst: the configured one, else the route's source. */
static uint32_t local_addr_for(struct sip *sip, uint32_t dst)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(SIP_PORT_DEFAULT),
		.sin_addr.s_addr = dst,
	};
	socklen_t sl = sizeof(sin);
	int fd;

	if (sip->cfg.addr)
		return sip->cfg.addr;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl))
		sin.sin_addr.s_addr = 0;
	close(fd);
	return sin.sin_addr.s_addr;
}

/* ---- TCP connections ------------------------------------------------ */

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *arg);
static void client_failed(struct sip *sip, struct sip_client *c, int err);
static void run(struct sip *sip, bool top);

static struct sip_conn *conn_by_id(struct sip *sip, uint64_t id)
{
	struct sip_conn *c;

	for (c = sip->conns; c && id; c = c->next)
		if (c->id == id && !c->dead)
			return c;
	return NULL;
}

/*
 * A connection of transport tp to a; for TCP with src, only one from that
 * address of ours (an SCTP association's addresses change under it).
 */
static struct sip_conn *conn_by_peer(struct sip *sip, enum sip_transport tp,
				     const struct sip_addr *a, uint32_t src)
{
	struct sip_conn *c;

	for (c = sip->conns; c; c = c->next)
		if (!c->dead && c->tp == tp && c->peer.addr == a->addr &&
		    c->peer.port == a->port &&
		    (!src || tp == SIP_TP_SCTP || c->local == src))
			return c;
	return NULL;
}

static unsigned int conn_count(struct sip *sip)
{
	struct sip_conn *c;
	unsigned int n = 0;

	for (c = sip->conns; c; c = c->next)
		n += !c->dead;
	return n;
}

static void conn_flow(const struct sip_conn *c, struct sip_flow *f)
{
	f->tp = c->tp;
	f->local.addr = c->local;
	f->local.port = c->lport;
	f->peer = c->peer;
	f->conn_id = c->id;
}

/* TCP to the conn handler, SCTP (with its socket) to the SCTP one. */
static void conn_notify(struct sip_conn *c, bool up)
{
	struct sip_flow f;

	conn_flow(c, &f);
	if (c->tp == SIP_TP_SCTP) {
		if (c->sip->sctp_fn)
			c->sip->sctp_fn(c->sip, &f, up ? c->fd : -1,
					c->sip->sctp_data);
		return;
	}
	if (c->sip->conn_fn)
		c->sip->conn_fn(c->sip, &f, up, c->sip->conn_data);
}

static void conn_close(struct sip_conn *c, int err)
{
	struct sip *sip = c->sip;
	struct sip_client *cl;
	char ip[INET_ADDRSTRLEN];

	if (c->dead)
		return;
	c->dead = true;
	sip->stats.tcp_closed++;
	addr_str(c->peer.addr, ip);
	slog(sip, err ? LOG_INFO : LOG_DEBUG, "%s %s:%u closed%s%s",
	     tp_name(c->tp), ip, c->peer.port, err ? ": " : "",
	     err ? strerror(err) : "");
	c->io = sd_event_source_disable_unref(c->io);
	close(c->fd);
	c->fd = -1;
	/* requests still waiting on it fail (RFC 3261 8.1.3.1) */
	for (cl = sip->clients; cl; cl = cl->next)
		if (!cl->reported && cl->tp == c->tp && cl->conn_id == c->id)
			client_failed(sip, cl, err ? err : ECONNRESET);
	conn_notify(c, false);
}

static int conn_events(struct sip_conn *c)
{
	uint32_t ev = EPOLLIN;

	if (c->connecting || c->out_off < c->out_len)
		ev |= EPOLLOUT;
	return sd_event_source_set_io_events(c->io, ev);
}

static struct sip_conn *conn_new(struct sip *sip, int fd,
				 enum sip_transport tp,
				 const struct sip_addr *peer, bool inbound,
				 bool connecting)
{
	struct sip_conn *c = calloc(1, sizeof(*c));
	struct sockaddr_in me;
	socklen_t sl = sizeof(me);
	int one = 1;

	if (!c) {
		close(fd);
		return NULL;
	}
	c->sip = sip;
	c->fd = fd;
	c->tp = tp;
	c->peer = *peer;
	/* chosen by connect() already, even while it is in progress */
	if (!getsockname(fd, (struct sockaddr *)&me, &sl)) {
		c->local = me.sin_addr.s_addr;
		c->lport = ntohs(me.sin_port);
	}
	c->inbound = inbound;
	c->connecting = connecting;
	c->id = ++sip->conn_ids;
	c->last_usec = now_usec(sip);
	if (tp == SIP_TP_SCTP)
		setsockopt(fd, SOL_SCTP, SCTP_NODELAY, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sd_event_add_io(sip->ev, &c->io, fd,
			    EPOLLIN | (connecting ? EPOLLOUT : 0), on_conn, c) < 0) {
		close(fd);
		free(c);
		return NULL;
	}
	c->next = sip->conns;
	sip->conns = c;
	return c;
}

/*
 * SCTP: bound to one address of ours (src, else the route's), never to
 * any: ADDIP (msctp.c) moves it by adding and deleting addresses.
 */
static int conn_connect(struct sip *sip, enum sip_transport tp,
			const struct sip_addr *dst, uint32_t src,
			struct sip_conn **out)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = src ? src : sip->cfg.addr,
	};
	char ip[INET_ADDRSTRLEN];
	bool pending = false;
	int fd, e;

	if (conn_count(sip) >= SIP_MAX_CONNS)
		return -EMFILE;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    tp == SIP_TP_SCTP ? IPPROTO_SCTP : 0);
	if (fd < 0) {
		e = errno;
		if (tp == SIP_TP_SCTP && no_sctp(e))
			slog(sip, LOG_ERR, "sctp: this kernel has no SCTP (%s): no SIP over SCTP (modprobe sctp)",
			     strerror(e));
		return -e;
	}
	if (tp == SIP_TP_SCTP && !sin.sin_addr.s_addr)
		sin.sin_addr.s_addr = local_addr_for(sip, dst->addr);
	if (sin.sin_addr.s_addr && bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		goto err;
	sin.sin_addr.s_addr = dst->addr;
	sin.sin_port = htons(dst->port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		if (errno != EINPROGRESS)
			goto err;
		pending = true;
	}
	*out = conn_new(sip, fd, tp, dst, false, pending);
	if (!*out)
		return -ENOMEM;
	addr_str(dst->addr, ip);
	slog(sip, LOG_DEBUG, "%s %s:%u connecting", tp_name(tp), ip, dst->port);
	if (!pending)
		sip->stats.tcp_connected++;
	return 0;
err:
	e = errno;
	close(fd);
	return -e;
}

/*
 * SCTP: one send per framed message, so that each SIP message is one SCTP
 * message (RFC 4168 section 5); SCTP sends a message whole or not at all.
 */
static size_t out_chunk(const struct sip_conn *c)
{
	size_t left = c->out_len - c->out_off, n = left;

	if (c->tp == SIP_TP_SCTP &&
	    sip_frame(c->out + c->out_off, left, true, &n) == SIP_FRAME_MORE)
		n = left;
	return n && n <= left ? n : left;
}

static int conn_flush(struct sip_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, out_chunk(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->out_off += (size_t)n;
		c->last_usec = now_usec(c->sip);
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	return conn_events(c);
}

/* Queues len bytes; on failure the connection is closed. */
static int conn_send(struct sip_conn *c, const char *buf, size_t len)
{
	size_t pending = c->out_len - c->out_off;
	int r;

	if (pending + len > SIP_MAX_OUTQ)
		return -ENOBUFS;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : TCP_READ_MIN;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	if (c->connecting)
		return 0;
	r = conn_flush(c);
	if (r < 0)
		conn_close(c, -r);
	return r < 0 ? r : 0;
}

/* ---- sending -------------------------------------------------------- */

/* A datagram from a chosen source address (IP_PKTINFO). */
static ssize_t send_from(int fd, const char *buf, size_t len,
			 const struct sockaddr_in *to, uint32_t src)
{
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = (void *)to, .msg_namelen = sizeof(*to),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.b, .msg_controllen = sizeof(u.b),
	};
	struct in_pktinfo pi = { .ipi_spec_dst.s_addr = src };
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	return sendmsg(fd, &mh, MSG_DONTWAIT);
}

/*
 * One message out. UDP: to dst (from src when not 0). TCP: on connection
 * *conn_id when it is alive, else on any to dst (from src), else a new
 * one; *conn_id says which.
 */
static int transport_send(struct sip *sip, enum sip_transport tp,
			  const struct sip_addr *dst, uint32_t src,
			  uint64_t *conn_id, const char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	int r = 0;

	addr_str(dst->addr, ip);
	if (tp == SIP_TP_UDP) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_port = htons(dst->port),
			.sin_addr.s_addr = dst->addr,
		};

		if ((src ? send_from(sip->udp_fd, buf, len, &sin, src)
			 : sendto(sip->udp_fd, buf, len, MSG_DONTWAIT,
				  (struct sockaddr *)&sin, sizeof(sin))) < 0) {
			r = -errno;
			/* a full queue loses a datagram, as the network may */
			if (r == -EAGAIN || r == -ENOBUFS)
				r = 0;
		}
	} else {
		struct sip_conn *c = conn_by_id(sip, *conn_id);

		if (!c)
			c = conn_by_peer(sip, tp, dst, src);
		if (!c) {
			r = conn_connect(sip, tp, dst, src, &c);
			if (!r && !c->connecting)
				conn_notify(c, true);
		}
		if (!r && c->dead)
			r = -ECONNRESET;
		if (!r) {
			*conn_id = c->id;
			r = conn_send(c, buf, len);
		}
	}
	if (r) {
		sip->stats.tx_errors++;
		slog(sip, LOG_INFO, "sending to %s:%u/%s: %s", ip, dst->port,
		     tp_name(tp), strerror(-r));
		return r;
	}
	sip->stats.tx_msgs++;
	slog(sip, LOG_DEBUG, "sent %zu bytes to %s:%u/%s", len, ip, dst->port,
	     tp_name(tp));
	return 0;
}

/* osip2's only way out. Returns 0 when sent or queued, -1 on failure. */
static int on_osip_send(osip_transaction_t *tr, osip_message_t *msg,
			char *host, int port, int sock)
{
	struct sip *sip = osip_get_application_context(tr->config);
	char *buf = NULL;
	size_t len;
	int r;

	(void)sock;
	r = msg_to_str(msg, &buf, &len);
	if (r)
		return -1;
	if (tr->ctx_type == NICT) {
		struct sip_client *c = osip_transaction_get_your_instance(tr);

		r = transport_send(sip, c->tp, &c->dest, c->src, &c->conn_id,
				   buf, len);
		if (r)
			c->tp_err = -r;
	} else {
		struct sip_server *s = osip_transaction_get_your_instance(tr);
		struct sip_addr dst = s->src;

		if (s->tp != SIP_TP_UDP && !conn_by_id(sip, s->conn_id)) {
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
		r = transport_send(sip, s->tp, &dst, 0, &s->conn_id, buf, len);
	}
	osip_free(buf);
	return r ? -1 : 0;
}

/* ---- building messages ---------------------------------------------- */

static osip_message_t *build_response(struct sip *sip,
				      const osip_message_t *req, int status,
				      const char *reason, const char *tag)
{
	osip_message_t *r;
	osip_generic_param_t *t = NULL;
	int i;

	if (!reason)
		reason = osip_message_get_reason(status);
	if (osip_message_init(&r))
		return NULL;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, status);
	osip_message_set_reason_phrase(r, osip_strdup(reason ? reason : "Unknown"));
	for (i = 0; i < osip_list_size(&req->vias); i++) {
		osip_via_t *v = NULL;

		if (osip_via_clone(osip_list_get(&req->vias, i), &v))
			goto err;
		osip_list_add(&r->vias, v, -1);
	}
	if ((req->from && osip_from_clone(req->from, &r->from)) ||
	    (req->to && osip_to_clone(req->to, &r->to)) ||
	    (req->call_id && osip_call_id_clone(req->call_id, &r->call_id)) ||
	    (req->cseq && osip_cseq_clone(req->cseq, &r->cseq)))
		goto err;
	if (r->to && status > 100 && tag) {
		osip_to_get_tag(r->to, &t);
		if (!t)
			osip_to_set_tag(r->to, osip_strdup(tag));
	}
	osip_message_set_header(r, "Server", sip->ua);
	return r;
err:
	osip_message_free(r);
	return NULL;
}

static int build_request(struct sip *sip, const struct sip_request *rq,
			 osip_message_t **out)
{
	char buf[64], hex[33], *v = NULL;
	osip_message_t *m;
	osip_uri_t *uri;
	osip_generic_param_t *tag = NULL;
	int r = -EINVAL;

	if (!rq->method || !is_token(rq->method, strlen(rq->method)) ||
	    !strcmp(rq->method, "INVITE") || !strcmp(rq->method, "ACK") ||
	    !strcmp(rq->method, "CANCEL") || !rq->uri || rq->cseq > INT32_MAX)
		return -EINVAL;
	if (osip_message_init(&m))
		return -ENOMEM;
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	osip_message_set_method(m, osip_strdup(rq->method));
	if (osip_uri_init(&uri))
		goto err;
	if (osip_uri_parse(uri, rq->uri) || !uri->host) {
		osip_uri_free(uri);
		goto err;
	}
	osip_message_set_uri(m, uri);
	if (rq->to) {
		if (osip_message_set_to(m, rq->to))
			goto err;
	} else {
		if (asprintf(&v, "<%s>", rq->uri) < 0)
			goto nomem;
		if (osip_message_set_to(m, v))
			goto err;
		free(v);
		v = NULL;
	}
	if (rq->from) {
		if (osip_message_set_from(m, rq->from))
			goto err;
	} else {
		if (sip->identity) {
			if (asprintf(&v, "<%s>", sip->identity) < 0)
				goto nomem;
		} else {
			char ip[INET_ADDRSTRLEN];
			struct sip_addr d;
			enum sip_transport tp;

			addr_str(uri_dest(uri, &d, &tp) ? 0 :
				 local_addr_for(sip, d.addr), ip);
			if (asprintf(&v, "<sip:hmmpd@%s>", ip) < 0)
				goto nomem;
		}
		if (osip_message_set_from(m, v))
			goto err;
		free(v);
		v = NULL;
	}
	osip_from_get_tag(m->from, &tag);
	if (!tag) {
		rand_hex(hex, TAG_BYTES);
		osip_from_set_tag(m->from, osip_strdup(hex));
	}
	if (rq->call_id) {
		if (!*rq->call_id || !is_text(rq->call_id, strlen(rq->call_id)) ||
		    osip_message_set_call_id(m, rq->call_id))
			goto err;
	} else {
		rand_hex(hex, 16);
		snprintf(buf, sizeof(buf), "%s@hmmpd", hex);
		if (osip_message_set_call_id(m, buf))
			goto err;
	}
	if (asprintf(&v, "%u %s", rq->cseq ? rq->cseq : 1, rq->method) < 0)
		goto nomem;
	if (osip_message_set_cseq(m, v))
		goto err;
	free(v);
	v = NULL;
	osip_message_set_header(m, "Max-Forwards", "70");
	osip_message_set_header(m, "User-Agent", sip->ua);
	r = add_headers(m, rq->headers);
	if (!r)
		r = set_body(m, rq->content_type, rq->body, rq->body_len);
	if (r)
		goto err;
	*out = m;
	return 0;
nomem:
	r = -ENOMEM;
err:
	free(v);
	osip_message_free(m);
	return r;
}

/* The top Via and, when the caller gave none, the Contact. */
static int set_via(struct sip *sip, osip_message_t *m, enum sip_transport tp,
		   uint32_t local, bool contact)
{
	char ip[INET_ADDRSTRLEN], branch[SIP_BRANCH_LEN + 1], *v;
	int r;

	osip_list_special_free(&m->vias, (void (*)(void *))osip_via_free);
	addr_str(local, ip);
	sip_branch_new(branch);
	if (asprintf(&v, "SIP/2.0/%s %s:%u;rport;branch=%s",
		     tp == SIP_TP_TCP ? "TCP" : tp == SIP_TP_SCTP ? "SCTP" : "UDP",
		     ip, sip_port(sip, tp), branch) < 0)
		return -ENOMEM;
	r = osip_message_set_via(m, v);
	free(v);
	if (!r && contact && osip_list_eol(&m->contacts, 0)) {
		if (asprintf(&v, "<sip:%s@%s:%u>", sip->user, ip, sip->udp_port) < 0)
			return -ENOMEM;
		r = osip_message_set_contact(m, v);
		free(v);
	}
	osip_message_force_update(m);
	return r ? -EINVAL : 0;
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
	uint32_t local = src ? src : local_addr_for(sip, dest->addr);
	size_t len;
	int r;

	r = set_via(sip, m, pref == SIP_TP_AUTO ? SIP_TP_UDP : pref, local, true);
	if (r)
		goto err;
	if (pref == SIP_TP_AUTO) {
		r = msg_to_str(m, &buf, &len);
		if (r)
			goto err;
		osip_free(buf);
		tp = sip_transport_for(len, sip->cfg.mtu);
		if (tp == SIP_TP_TCP) {
			r = set_via(sip, m, tp, local, false);
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
	addr_str(dest->addr, ip);
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
	slog(sip, LOG_DEBUG, "%s %s to %s:%u/%s", clean(m->sip_method, c1),
	     clean(m->call_id->number, c2), ip, dest->port, tp_name(tp));
	run(sip, false);
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
static void client_failed(struct sip *sip, struct sip_client *c, int err)
{
	if (c->reported)
		return;
	c->dead = true;
	if (c->by_size && (err == ECONNREFUSED || err == ECONNRESET) &&
	    !resend(sip, c->req, &c->dest, c->src, SIP_TP_UDP, NULL, false, c->cb,
		    c->data)) {
		slog(sip, LOG_INFO, "tcp refused: the request goes again over udp");
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
	r = add_headers(m, headers);
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

static int queue_response(struct sip *sip, struct sip_server *s, int status,
			  const char *reason, const char *headers,
			  const char *ctype, const char *body, size_t len)
{
	osip_message_t *r = build_response(sip, s->req, status, reason, s->tag);
	osip_event_t *evt;
	int e;

	if (!r)
		return -ENOMEM;
	e = add_headers(r, headers);
	if (!e)
		e = set_body(r, ctype, body, len);
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
		queue_response(sip, s, 501, NULL, NULL, NULL, NULL, 0);
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
			client_failed(sip, c, c->tp_err ? c->tp_err : EIO);
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

	slog(sip, LOG_DEBUG, "transaction %d: transport error %d (%s)",
	     tr->transactionid, error, type == OSIP_NICT_TRANSPORT_ERROR ?
	     "client" : "server");
}

/* ---- the run -------------------------------------------------------- */

static void deliver(struct sip *sip)
{
	struct sip_client *c;

	sip->delivering = true;
	for (c = sip->clients; c; c = c->next) {
		if (!c->reported || c->delivered)
			continue;
		c->delivered = true;
		if (c->cb)
			c->cb(sip, c->status,
			      c->has_resp ? c->tr->last_response : NULL, c->req,
			      c->data);
	}
	sip->delivering = false;
}

static bool undelivered(struct sip *sip)
{
	struct sip_client *c;

	for (c = sip->clients; c; c = c->next)
		if (c->reported && !c->delivered)
			return true;
	return false;
}

static void reap(struct sip *sip)
{
	struct sip_client **pc = &sip->clients, *c;
	struct sip_server **ps = &sip->servers, *s;
	struct sip_conn **pn = &sip->conns, *n;

	while ((c = *pc)) {
		if (c->dead && (c->delivered || !c->reported)) {
			*pc = c->next;
			osip_transaction_free(c->tr);
			free(c);
		} else {
			pc = &c->next;
		}
	}
	while ((s = *ps)) {
		if (s->dead) {
			*ps = s->next;
			osip_transaction_free(s->tr);
			free(s);
		} else {
			ps = &s->next;
		}
	}
	while ((n = *pn)) {
		if (n->dead) {
			*pn = n->next;
			free(n->in);
			free(n->out);
			free(n);
		} else {
			pn = &n->next;
		}
	}
}

static void housekeeping(struct sip *sip)
{
	uint64_t now = now_usec(sip);
	uint64_t idle = (uint64_t)(sip->cfg.tcp_idle_s ? sip->cfg.tcp_idle_s
				   : SIP_TCP_IDLE_DEFAULT) * 1000000;
	struct sip_server *s;
	struct sip_conn *c;

	for (c = sip->conns; c; c = c->next) {
		struct sip_client *cl;
		bool busy = c->out_off < c->out_len;

		if (c->dead || (!c->released && now < c->last_usec + idle))
			continue;
		for (cl = sip->clients; cl && !busy; cl = cl->next)
			busy = !cl->reported && cl->conn_id == c->id;
		for (s = sip->servers; s && !busy && c->released; s = s->next)
			busy = !s->dead && !s->answered && s->conn_id == c->id;
		if (!busy)
			conn_close(c, 0);
	}
	for (s = sip->servers; s; s = s->next) {
		if (s->dead || s->answered || !s->req ||
		    now < s->born_usec + SIP_ANSWER_TIMEOUT_MS * 1000ULL)
			continue;
		char c1[48], c2[48];

		slog(sip, LOG_WARNING, "%s %s left unanswered: 500",
		     clean(s->req->sip_method, c1),
		     clean(s->req->call_id->number, c2));
		queue_response(sip, s, 500, "No Answer From hmmpd", NULL, NULL,
			       NULL, 0);
	}
}

static uint64_t earlier(uint64_t when, uint64_t deadline, uint64_t now)
{
	if (deadline <= now)
		deadline = now + 1000000;
	return deadline < when ? deadline : when;
}

static void rearm(struct sip *sip)
{
	uint64_t now = now_usec(sip), when, idle;
	struct sip_server *s;
	struct sip_conn *c;
	struct timeval tv;

	osip_timers_gettimeout(sip->osip, &tv);
	when = now + (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	idle = (uint64_t)(sip->cfg.tcp_idle_s ? sip->cfg.tcp_idle_s
			  : SIP_TCP_IDLE_DEFAULT) * 1000000;
	/* a deadline that passed without effect (busy) is looked at again */
	/* a released connection is looked at every second until it goes */
	for (c = sip->conns; c; c = c->next)
		if (!c->dead)
			when = earlier(when, c->released ? now
					    : c->last_usec + idle, now);
	for (s = sip->servers; s; s = s->next)
		if (!s->dead && !s->answered)
			when = earlier(when, s->born_usec +
				       SIP_ANSWER_TIMEOUT_MS * 1000ULL, now);
	if (sd_event_source_set_time(sip->timer, when) < 0 ||
	    sd_event_source_set_enabled(sip->timer, SD_EVENT_ONESHOT) < 0)
		slog(sip, LOG_ERR, "cannot arm the SIP timer");
}

/*
 * Feeds osip2's timers and queues until nothing is left to do. Nested
 * calls (from callbacks) only ask the outer one for another round.
 */
static void execute(struct sip *sip)
{
	if (sip->running) {
		sip->again = true;
		return;
	}
	sip->running = true;
	do {
		sip->again = false;
		osip_timers_nict_execute(sip->osip);
		osip_timers_nist_execute(sip->osip);
		osip_nict_execute(sip->osip);
		osip_nist_execute(sip->osip);
	} while (sip->again);
	sip->running = false;
}

/*
 * execute(), then, at the top of a loop callback (top), the outcomes go to
 * their callers and the dead are freed. Anywhere else pointers to clients,
 * servers or connections may be held up the stack: nothing is freed, and
 * outcomes wait for the defer source.
 */
static void run(struct sip *sip, bool top)
{
	execute(sip);
	if (top && !sip->delivering) {
		deliver(sip);
		reap(sip);
	} else if (undelivered(sip)) {
		sd_event_source_set_enabled(sip->defer, SD_EVENT_ONESHOT);
	}
	rearm(sip);
}

void sip_process(struct sip *sip)
{
	housekeeping(sip);
	run(sip, true);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	(void)s;
	(void)usec;
	sip_process(arg);
	return 0;
}

static int on_defer(sd_event_source *s, void *arg)
{
	(void)s;
	run(arg, true);
	return 0;
}

/* ---- receiving ------------------------------------------------------ */

static const char *check_common(const osip_message_t *m)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);

	if (!via || !via->host || !via->protocol)
		return "Missing or Bad Via";
	if (!m->from || !m->from->url)
		return "Missing or Bad From";
	if (!m->to || !m->to->url)
		return "Missing or Bad To";
	if (!m->call_id || !m->call_id->number)
		return "Missing or Bad Call-ID";
	if (!m->cseq || !m->cseq->number || !m->cseq->method ||
	    hmmp_u32_parse(m->cseq->number, 0, INT32_MAX, &(uint32_t){ 0 }))
		return "Missing or Bad CSeq";
	return NULL;
}

static const char *check_request(const osip_message_t *m)
{
	const char *why = check_common(m);

	if (why)
		return why;
	if (strcmp(m->cseq->method, m->sip_method))
		return "CSeq Method Mismatch";
	return NULL;
}

static void stateless(struct sip *sip, const osip_message_t *req, int status,
		      const char *reason, const struct sip_addr *src,
		      enum sip_transport tp, struct sip_conn *conn)
{
	char tag[2 * TAG_BYTES + 1], *buf;
	uint64_t id = conn ? conn->id : 0;
	osip_message_t *r;
	size_t len;

	rand_hex(tag, TAG_BYTES);
	r = build_response(sip, req, status, reason, tag);
	if (!r)
		return;
	if (!msg_to_str(r, &buf, &len)) {
		if ((tp == SIP_TP_UDP || conn_by_id(sip, id)) &&
		    !transport_send(sip, tp, src, 0, &id, buf, len))
			sip->stats.stateless++;
		osip_free(buf);
	}
	osip_message_free(r);
}

/* received= and rport= in the top Via (RFC 3261 18.2.1, RFC 3581). */
static void fix_via(osip_message_t *m, const struct sip_addr *src)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	osip_generic_param_t *rport = NULL, *recv = NULL;
	char ip[INET_ADDRSTRLEN];

	addr_str(src->addr, ip);
	osip_message_fix_last_via_header(m, ip, src->port);
	osip_via_param_get_byname(via, "rport", &rport);
	osip_via_param_get_byname(via, "received", &recv);
	if (rport && !recv)
		osip_via_set_received(via, osip_strdup(ip));
	osip_message_force_update(m);
}

static void on_message(struct sip *sip, const char *buf, size_t len,
		       const struct sip_addr *src, enum sip_transport tp,
		       struct sip_conn *conn)
{
	osip_event_t *evt = osip_parse(buf, len);
	char ip[INET_ADDRSTRLEN], c1[48], c2[48];
	struct sip_server *s;
	osip_transaction_t *tr;
	osip_message_t *m;
	const char *why;

	addr_str(src->addr, ip);
	if (!evt) {
		sip->stats.rx_malformed++;
		slog(sip, LOG_INFO, "unparseable message from %s:%u/%s dropped",
		     ip, src->port, tp_name(tp));
		return;
	}
	sip->stats.rx_msgs++;
	m = evt->sip;
	if (MSG_IS_RESPONSE(m)) {
		why = m->status_code < 100 || m->status_code > 699 ?
		      "Bad Status" : check_common(m);
		if (why) {
			sip->stats.rx_malformed++;
			slog(sip, LOG_INFO, "response from %s:%u dropped: %s", ip,
			     src->port, why);
		} else if (osip_find_transaction_and_add_event(sip->osip, evt)) {
			sip->stats.rx_stray++;
			slog(sip, LOG_DEBUG, "stray %d from %s:%u dropped",
			     m->status_code, ip, src->port);
		} else {
			execute(sip);
			return;
		}
		osip_event_free(evt);
		return;
	}
	why = check_request(m);
	if (why) {
		sip->stats.rx_malformed++;
		slog(sip, LOG_INFO, "%s from %s:%u: 400 %s",
		     clean(m->sip_method, c1), ip, src->port, why);
		if (osip_list_get(&m->vias, 0) && !MSG_IS_ACK(m))
			stateless(sip, m, 400, why, src, tp, conn);
		osip_event_free(evt);
		return;
	}
	fix_via(m, src);
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
		execute(sip);	/* a retransmission */
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
	s->tp = tp;
	s->conn_id = conn ? conn->id : 0;
	s->born_usec = now_usec(sip);
	rand_hex(s->tag, TAG_BYTES);
	osip_transaction_set_your_instance(tr, s);
	s->next = sip->servers;
	sip->servers = s;
	slog(sip, LOG_DEBUG, "%s %s from %s:%u/%s", clean(m->sip_method, c1),
	     clean(m->call_id->number, c2), ip, src->port, tp_name(tp));
	osip_transaction_add_event(tr, evt);
	execute(sip);
}

static void flow_of(struct sip *sip, const struct sip_conn *c,
		    const struct sip_addr *src, struct sip_flow *f)
{
	if (c) {
		conn_flow(c, f);
		return;
	}
	f->tp = SIP_TP_UDP;
	f->local.addr = sip->cfg.addr;
	f->local.port = sip->udp_port;
	f->peer = *src;
	f->conn_id = 0;
}

/* STUN on a SIP port (RFC 5626 section 8): to its handler, if any. */
static void on_stun(struct sip *sip, struct sip_conn *c,
		    const struct sip_addr *src, const char *buf, size_t len)
{
	struct sip_flow f;

	sip->stats.rx_stun++;
	if (!sip->stun_fn)
		return;
	flow_of(sip, c, src, &f);
	sip->stun_fn(sip, &f, (const uint8_t *)buf, len, sip->stun_data);
}

/* A SIP message its raw handler takes (true) or leaves to osip2. */
static bool on_raw(struct sip *sip, struct sip_conn *c,
		   const struct sip_addr *src, const char *buf, size_t len)
{
	struct sip_flow f;

	if (!sip->raw_fn)
		return false;
	flow_of(sip, c, src, &f);
	return sip->raw_fn(sip, &f, buf, len, sip->raw_data);
}

static int on_udp(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	struct sip *sip = arg;
	int i;

	(void)es;
	(void)revents;
	for (i = 0; i < 64; i++) {	/* a batch, then the others' turn */
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		struct sip_addr src;
		ssize_t n = recvfrom(fd, sip->rx, sizeof(sip->rx), MSG_DONTWAIT,
				     (struct sockaddr *)&sin, &sl);
		size_t len;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				slog(sip, LOG_WARNING, "udp: %s", strerror(errno));
			break;
		}
		src.addr = sin.sin_addr.s_addr;
		src.port = ntohs(sin.sin_port);
		if (stun_is_stun((const uint8_t *)sip->rx, (size_t)n)) {
			on_stun(sip, NULL, &src, sip->rx, (size_t)n);
			continue;
		}
		switch (sip_frame(sip->rx, (size_t)n, false, &len)) {
		case SIP_FRAME_MSG:
			if (!on_raw(sip, NULL, &src, sip->rx, len))
				on_message(sip, sip->rx, len, &src, SIP_TP_UDP,
					   NULL);
			break;
		case SIP_FRAME_SKIP:
		case SIP_FRAME_PING:
			break;
		default:
			sip->stats.rx_malformed++;
			slog(sip, LOG_INFO, "unframeable datagram dropped");
			break;
		}
	}
	run(sip, true);
	return 0;
}

/* Frames and handles what the connection buffered. */
static void conn_input(struct sip_conn *c)
{
	struct sip *sip = c->sip;
	size_t off = 0, n;

	while (!c->dead && off < c->in_len) {
		enum sip_frame f;
		int r;

		/*
		 * STUN and SIP share the stream (RFC 5626 4.4.1): a message
		 * whose first byte is 0-3 is STUN (RFC 7983), framed by its
		 * header's length; SIP starts with a letter, CR or LF.
		 */
		if ((uint8_t)c->in[off] <= 3) {
			r = stun_frame((const uint8_t *)c->in + off,
				       c->in_len - off, SIP_MAX_MSG, &n);
			if (!r)
				break;
			if (r < 0) {
				sip->stats.rx_malformed++;
				conn_close(c, EPROTO);
				return;
			}
			on_stun(sip, c, &c->peer, c->in + off, n);
			off += n;
			continue;
		}
		f = sip_frame(c->in + off, c->in_len - off, true, &n);
		if (f == SIP_FRAME_MORE)
			break;
		if (f == SIP_FRAME_BAD) {
			sip->stats.rx_malformed++;
			conn_close(c, EPROTO);
			return;
		}
		if (f == SIP_FRAME_PING)
			conn_send(c, "\r\n", 2);
		else if (f == SIP_FRAME_MSG &&
			 !on_raw(sip, c, &c->peer, c->in + off, n))
			on_message(sip, c->in + off, n, &c->peer, c->tp, c);
		off += n;
	}
	if (c->dead)
		return;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

/*
 * recv(); SCTP: recvmsg(), for the address the message came from (the
 * association's peer may have moved) and to skip notifications (someone
 * holding a duplicate of the socket may subscribe to them): -2.
 */
static ssize_t conn_recv(struct sip_conn *c)
{
	struct sockaddr_in sin;
	struct iovec iov = {
		.iov_base = c->in + c->in_len, .iov_len = c->in_cap - c->in_len,
	};
	struct msghdr mh = {
		.msg_name = &sin, .msg_namelen = sizeof(sin),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	if (c->tp != SIP_TP_SCTP)
		return recv(c->fd, iov.iov_base, iov.iov_len, MSG_DONTWAIT);
	memset(&sin, 0, sizeof(sin));
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT);
	if (n > 0 && (mh.msg_flags & MSG_NOTIFICATION))
		return -2;
	if (n > 0 && mh.msg_namelen >= sizeof(sin) &&
	    sin.sin_family == AF_INET && sin.sin_addr.s_addr)
		c->peer.addr = sin.sin_addr.s_addr;
	return n;
}

static void conn_read(struct sip_conn *c)
{
	int i;

	for (i = 0; i < 16 && !c->dead; i++) {
		ssize_t n;

		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? 2 * c->in_cap : TCP_READ_MIN;
			char *p;

			if (cap > SIP_MAX_MSG + 1)
				cap = SIP_MAX_MSG + 1;
			if (cap == c->in_cap) {	/* framing forbids this */
				conn_close(c, EMSGSIZE);
				return;
			}
			p = realloc(c->in, cap);
			if (!p) {
				conn_close(c, ENOMEM);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = conn_recv(c);
		if (n == -2)
			continue;	/* an SCTP notification */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close(c, errno);
			return;
		}
		if (!n) {
			conn_close(c, c->in_len ? EPROTO : 0);
			return;
		}
		c->in_len += (size_t)n;
		c->last_usec = now_usec(c->sip);
		conn_input(c);
	}
}

static int on_conn(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	struct sip_conn *c = arg;
	struct sip *sip = c->sip;

	(void)es;
	if (c->connecting) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl))
			err = errno;
		if (err) {
			conn_close(c, err);
			goto out;
		}
		if (!(revents & EPOLLOUT))
			goto out;
		c->connecting = false;
		sip->stats.tcp_connected++;
		c->last_usec = now_usec(sip);
		conn_notify(c, true);
		if (c->dead)
			goto out;
	}
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(c);
	if (!c->dead && (revents & EPOLLOUT)) {
		int r = conn_flush(c);

		if (r < 0)
			conn_close(c, -r);
	}
out:
	run(sip, true);
	return 0;
}

static void accept_on(struct sip *sip, int fd, enum sip_transport tp)
{
	int i;

	for (i = 0; i < 16; i++) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		struct sip_addr peer;
		char ip[INET_ADDRSTRLEN];
		int cfd = accept4(fd, (struct sockaddr *)&sin, &sl,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				slog(sip, LOG_WARNING, "accept: %s", strerror(errno));
			break;
		}
		peer.addr = sin.sin_addr.s_addr;
		peer.port = ntohs(sin.sin_port);
		addr_str(peer.addr, ip);
		if (conn_count(sip) >= SIP_MAX_CONNS) {
			slog(sip, LOG_WARNING, "%s %s:%u refused: %u connections",
			     tp_name(tp), ip, peer.port, SIP_MAX_CONNS);
			close(cfd);
			continue;
		}
		struct sip_conn *c = conn_new(sip, cfd, tp, &peer, true, false);

		if (c) {
			sip->stats.tcp_accepted++;
			slog(sip, LOG_DEBUG, "%s %s:%u accepted", tp_name(tp), ip,
			     peer.port);
			conn_notify(c, true);
		}
	}
	rearm(sip);
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	(void)es;
	(void)revents;
	accept_on(arg, fd, SIP_TP_TCP);
	return 0;
}

static int on_accept_sctp(sd_event_source *es, int fd, uint32_t revents,
			  void *arg)
{
	(void)es;
	(void)revents;
	accept_on(arg, fd, SIP_TP_SCTP);
	return 0;
}

/* ---- the API -------------------------------------------------------- */

int sip_send_request(struct sip *sip, const struct sip_request *rq,
		     sip_response_fn cb, void *data)
{
	struct sip_addr dest = rq->dest;
	enum sip_transport pref = SIP_TP_AUTO;
	osip_message_t *m;
	int r;

	r = build_request(sip, rq, &m);
	if (r)
		return r;
	r = uri_dest(m->req_uri, &dest, &pref);
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
		r = uri_dest(req->req_uri, &dest, &pref);
		if (r)
			return r;
	}
	return resend(sip, req, &dest, src, pref, headers, true, cb, data);
}

void sip_set_request_handler(struct sip *sip, sip_request_fn fn, void *data)
{
	sip->handler = fn;
	sip->handler_data = data;
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
	    (reason && (!*reason || !is_text(reason, strlen(reason)))))
		return -EINVAL;
	r = queue_response(sip, s, status, reason, headers, content_type, body,
			   body_len);
	if (!r)
		run(sip, false);
	return r;
}

/* The pos-th element of a parsed header list as a string (osip_free). */
static int parsed_header(const osip_message_t *m, const char *name, int pos,
			 char **s)
{
	static const char *const names[] = {
		"www-authenticate", "proxy-authenticate", "authorization",
		"proxy-authorization", "contact",
	};
	const osip_list_t *lists[] = {
		&m->www_authenticates, &m->proxy_authenticates,
		&m->authorizations, &m->proxy_authorizations, &m->contacts,
	};
	size_t i;
	void *h;

	for (i = 0; i < HMMP_ARRAY_SIZE(names); i++)
		if (!strcasecmp(name, names[i]))
			break;
	if (i == HMMP_ARRAY_SIZE(names))
		return 1;
	h = osip_list_get(lists[i], pos);
	if (!h)
		return OSIP_NOTFOUND;
	switch (i) {
	case 0:
	case 1:	/* the same type under two names */
		return osip_www_authenticate_to_str(h, s);
	case 2:
	case 3:
		return osip_authorization_to_str(h, s);
	default:
		return osip_contact_to_str(h, s);
	}
}

int sip_header(const osip_message_t *m, const char *name, int pos,
	       char **value)
{
	char *s = NULL;
	int k, r;

	*value = NULL;
	if (!m || !name || pos < 0)
		return -ENOENT;
	r = parsed_header(m, name, pos, &s);
	if (r == 1 && !strcasecmp(name, "content-type")) {
		r = !pos && m->content_type ?
		    osip_content_type_to_str(m->content_type, &s) : OSIP_NOTFOUND;
	} else if (r == 1) {
		r = OSIP_NOTFOUND;
		for (k = 0; k < osip_list_size(&m->headers); k++) {
			osip_header_t *h = osip_list_get(&m->headers, k);

			if (!h->hname || strcasecmp(h->hname, name) || pos--)
				continue;
			s = osip_strdup(h->hvalue ? h->hvalue : "");
			r = s ? OSIP_SUCCESS : OSIP_NOMEM;
			break;
		}
	}
	if (r || !s) {
		osip_free(s);
		return r == OSIP_NOMEM ? -ENOMEM : -ENOENT;
	}
	*value = strdup(s);
	osip_free(s);
	return *value ? 0 : -ENOMEM;
}

void sip_set_stun_handler(struct sip *sip, sip_stun_fn fn, void *data)
{
	sip->stun_fn = fn;
	sip->stun_data = data;
}

void sip_set_conn_handler(struct sip *sip, sip_conn_fn fn, void *data)
{
	sip->conn_fn = fn;
	sip->conn_data = data;
}

void sip_set_sctp_handler(struct sip *sip, sip_sctp_fn fn, void *data)
{
	sip->sctp_fn = fn;
	sip->sctp_data = data;
}

void sip_set_raw_handler(struct sip *sip, sip_raw_fn fn, void *data)
{
	sip->raw_fn = fn;
	sip->raw_data = data;
}

int sip_send_raw(struct sip *sip, const struct sip_flow *flow,
		 const void *buf, size_t len)
{
	struct sip_conn *c;
	uint64_t id;
	int r;

	if (flow->tp == SIP_TP_UDP) {
		id = 0;
		r = transport_send(sip, SIP_TP_UDP, &flow->peer,
				   flow->local.addr, &id, buf, len);
	} else {
		c = conn_by_id(sip, flow->conn_id);
		r = c ? conn_send(c, buf, len) : -ENOTCONN;
		if (!r)
			sip->stats.tx_msgs++;
	}
	rearm(sip);
	return r;
}

int sip_tcp_open(struct sip *sip, const struct sip_addr *dst, uint32_t src,
		 uint64_t *conn_id)
{
	struct sip_conn *c;
	int r = conn_connect(sip, SIP_TP_TCP, dst, src, &c);

	if (!r) {
		/* the id first: the handler may be looking for it */
		*conn_id = c->id;
		if (!c->connecting)
			conn_notify(c, true);
	}
	rearm(sip);
	return r;
}

void sip_tcp_release(struct sip *sip, uint64_t conn_id)
{
	struct sip_conn *c = conn_by_id(sip, conn_id);

	if (!c)
		return;
	c->released = true;
	housekeeping(sip);
	run(sip, false);
}

bool sip_tcp_find(struct sip *sip, const struct sip_addr *local,
		  const struct sip_addr *peer, struct sip_flow *flow)
{
	struct sip_conn *c;

	for (c = sip->conns; c; c = c->next)
		if (!c->dead && !c->connecting && c->tp == SIP_TP_TCP &&
		    c->peer.addr == peer->addr &&
		    (!peer->port || c->peer.port == peer->port) &&
		    (!local || (c->local == local->addr &&
				c->lport == local->port))) {
			conn_flow(c, flow);
			return true;
		}
	return false;
}

void sip_get_stats(const struct sip *sip, struct sip_stats *st)
{
	*st = sip->stats;
}

uint16_t sip_port(const struct sip *sip, enum sip_transport tp)
{
	return tp == SIP_TP_TCP ? sip->tcp_port :
	       tp == SIP_TP_SCTP ? sip->sctp_port : sip->udp_port;
}

static int bind_sock(struct sip *sip, int type, int proto, uint16_t port,
		     uint16_t *bound)
{
	const char *name = proto == IPPROTO_SCTP ? "sctp" :
			   type == SOCK_STREAM ? "tcp" : "udp";
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = sip->cfg.addr,
	};
	socklen_t sl = sizeof(sin);
	char ip[INET_ADDRSTRLEN];
	int fd, one = 1, e;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		e = errno;
		if (proto == IPPROTO_SCTP && no_sctp(e))
			slog(sip, LOG_ERR, "cannot listen on SIP sctp: this kernel has no SCTP (%s): load it (modprobe sctp) or drop sctp: from listen in [sip]",
			     strerror(e));
		else
			slog(sip, LOG_ERR, "cannot open a SIP %s socket: %s",
			     name, strerror(e));
		return -e;
	}
	/* TCP only: UDP would let a second daemon share the port */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    (type == SOCK_STREAM && listen(fd, 64)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl)) {
		e = errno;
		close(fd);
		addr_str(sip->cfg.addr, ip);
		slog(sip, LOG_ERR, "cannot bind SIP %s %s:%u: %s", name, ip,
		     port, strerror(e));
		return -e;
	}
	*bound = ntohs(sin.sin_port);
	return fd;
}

static int set_callbacks(osip_t *o)
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

int sip_new(sd_event *ev, const struct sip_config *cfg, struct sip **out)
{
	struct sip *sip = calloc(1, sizeof(*sip));
	osip_uri_t *uri = NULL;
	int r = -ENOMEM;

	*out = NULL;
	if (!sip)
		return -ENOMEM;
	sip->ev = sd_event_ref(ev);
	sip->cfg = *cfg;
	sip->udp_fd = sip->tcp_fd = sip->sctp_fd = -1;
	sip->cfg.identity = sip->cfg.user_agent = NULL;
	sip->ua = strdup(cfg->user_agent ? cfg->user_agent
			 : "hmmpd/" HMMP_USER_VERSION);
	if (!sip->ua)
		goto err;
	if (cfg->identity) {
		if (osip_uri_init(&uri))
			goto err;
		if (osip_uri_parse(uri, cfg->identity) || !uri->host) {
			slog(sip, LOG_ERR, "identity '%s' is no SIP URI",
			     cfg->identity);
			r = -EINVAL;
			goto err;
		}
		sip->identity = strdup(cfg->identity);
		sip->user = strdup(uri->username ? uri->username : "hmmpd");
	} else {
		sip->user = strdup("hmmpd");
	}
	if (!sip->user || (cfg->identity && !sip->identity))
		goto err;
	if (osip_init(&sip->osip))
		goto err;
	osip_set_application_context(sip->osip, sip);
	r = set_callbacks(sip->osip);
	if (r)
		goto err;
	if (cfg->log) {
		trace_sip = sip;
		osip_trace_initialize_func(OSIP_INFO1, osip_trace_cb);
	} else if (!trace_sip) {
		/* unset, osip2 would trace warnings to stdout */
		osip_trace_initialize_func(OSIP_INFO1, osip_trace_cb);
	}
	r = bind_sock(sip, SOCK_DGRAM, 0, cfg->udp_port, &sip->udp_port);
	if (r < 0)
		goto err;
	sip->udp_fd = r;
	r = bind_sock(sip, SOCK_STREAM, 0, cfg->tcp_port, &sip->tcp_port);
	if (r < 0)
		goto err;
	sip->tcp_fd = r;
	if (cfg->sctp) {
		r = bind_sock(sip, SOCK_STREAM, IPPROTO_SCTP, cfg->sctp_port,
			      &sip->sctp_port);
		if (r < 0)
			goto err;
		sip->sctp_fd = r;
		r = sd_event_add_io(ev, &sip->sctp_src, sip->sctp_fd, EPOLLIN,
				    on_accept_sctp, sip);
		if (r < 0) {
			slog(sip, LOG_ERR, "sd-event: %s", strerror(-r));
			goto err;
		}
	}
	r = sd_event_add_io(ev, &sip->udp_src, sip->udp_fd, EPOLLIN, on_udp, sip);
	if (r >= 0)
		r = sd_event_add_io(ev, &sip->tcp_src, sip->tcp_fd, EPOLLIN,
				    on_accept, sip);
	/* 1 ms accuracy: the default 250 ms would blur timer E */
	if (r >= 0)
		r = sd_event_add_time(ev, &sip->timer, CLOCK_MONOTONIC, 0, 1000,
				      on_timer, sip);
	if (r >= 0)
		r = sd_event_source_set_enabled(sip->timer, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_defer(ev, &sip->defer, on_defer, sip);
	if (r >= 0)
		r = sd_event_source_set_enabled(sip->defer, SD_EVENT_OFF);
	if (r < 0) {
		slog(sip, LOG_ERR, "sd-event: %s", strerror(-r));
		goto err;
	}
	osip_uri_free(uri);
	*out = sip;
	return 0;
err:
	osip_uri_free(uri);
	sip_free(sip);
	return r;
}

void sip_free(struct sip *sip)
{
	struct sip_client *c;
	struct sip_server *s;
	struct sip_conn *n;

	if (!sip)
		return;
	while ((c = sip->clients)) {
		sip->clients = c->next;
		osip_transaction_free(c->tr);
		free(c);
	}
	while ((s = sip->servers)) {
		sip->servers = s->next;
		osip_transaction_free(s->tr);
		free(s);
	}
	while ((n = sip->conns)) {
		sip->conns = n->next;
		sd_event_source_disable_unref(n->io);
		if (n->fd >= 0)
			close(n->fd);
		free(n->in);
		free(n->out);
		free(n);
	}
	if (trace_sip == sip)
		trace_sip = NULL;
	if (sip->osip)
		osip_release(sip->osip);
	sd_event_source_disable_unref(sip->udp_src);
	sd_event_source_disable_unref(sip->tcp_src);
	sd_event_source_disable_unref(sip->sctp_src);
	sd_event_source_disable_unref(sip->timer);
	sd_event_source_disable_unref(sip->defer);
	if (sip->udp_fd >= 0)
		close(sip->udp_fd);
	if (sip->tcp_fd >= 0)
		close(sip->tcp_fd);
	if (sip->sctp_fd >= 0)
		close(sip->sctp_fd);
	sd_event_unref(sip->ev);
	free(sip->identity);
	free(sip->user);
	free(sip->ua);
	free(sip);
}
