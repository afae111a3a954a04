/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the SIP user agent core. osip2 parses and builds the messages and
 * runs the non-INVITE transaction state machines (NICT for what we send,
 * NIST for what we receive); this file owns the sockets, the timers and the
 * event loop (sd-event). No hand-off logic here: the daemon sends requests
 * and answers the requests it is handed.
 *
 * Transports (RFC 3261 section 18), IPv4 only:
 *  - UDP and TCP, both bound to cfg.addr (0: any) on their ports.
 *  - SCTP (RFC 4168), one-to-one sockets handled as TCP connections are
 *    (the same framing, reuse, idle close), but only when asked for: a
 *    URI's ;transport=sctp or the caller's choice, never by size. Each
 *    SIP message goes as one SCTP message (RFC 4168 section 5). A
 *    connection is found by the peer's address alone, whatever our
 *    address on it now is: the association's addresses change under it
 *    (ADDIP, msctp.h). Listening only with cfg.sctp. On a kernel without
 *    SCTP the listening socket fails sip_new() and a request over SCTP
 *    ends in SIP_STATUS_TRANSPORT, both with a log line that says so.
 *  - A request larger than cfg.mtu bytes (default 1300, RFC 3261 18.1.1 for
 *    an unknown path MTU) goes over TCP unless the caller chose a transport;
 *    if that TCP connection is refused or reset, the request is sent again
 *    over UDP, as 18.1.1 says.
 *  - TCP: incoming connections are accepted, outgoing ones made on demand
 *    and reused for every message to the same peer address and port (either
 *    direction); messages are framed by Content-Length; a connection idle
 *    for cfg.tcp_idle_s with nothing pending is closed. A CRLFCRLF keepalive
 *    (RFC 5626) is answered with CRLF.
 *  - Requests carry a Via with a fresh z9hG4bK branch and rport (RFC 3581).
 *    Received requests get received= in their top Via (when its host is
 *    not the source address, or when it asks for rport, whose value is then
 *    filled in), and every response goes back to the request's source
 *    address and port (for TCP: on the connection it came on while that
 *    lives, else on a new one to the source address and the Via's port).
 *
 * Transactions: osip2's NICT retransmits over UDP on timer E and gives up on
 * timer F (a 408 for the caller); its NIST answers a retransmitted request
 * with the last response. INVITE is not supported: an INVITE is answered
 * 501, a CANCEL 481 and an ACK dropped, statelessly. Malformed input is
 * counted and dropped; a request that parses but lacks a usable Via, From,
 * To, Call-ID or CSeq gets a stateless 400 (when it has a Via to answer
 * along), one of another SIP version 505.
 *
 * osip2 outside this file: osip_message_parse() crashes unless
 * parser_init() ran first (osip_init(), so sip_new(), calls it), and its
 * headers need <sys/time.h> and <time.h> before them (included here).
 *
 * Threading: none. Every function runs on the sd-event loop's thread. The
 * callbacks run from the loop, never from inside sip_send_request(),
 * sip_send_retry() or sip_respond(); they may call those three, but not
 * sip_free().
 */
#ifndef HMMPD_SIP_H
#define HMMPD_SIP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include <osipparser2/osip_parser.h>
#include <systemd/sd-event.h>

#define SIP_PORT_DEFAULT	5060
#define SIP_MTU_DEFAULT		1300	/* RFC 3261 18.1.1, path MTU unknown */
#define SIP_TCP_IDLE_DEFAULT	120	/* seconds */
#define SIP_MAX_MSG		65535	/* bytes, the largest message in or out */
#define SIP_MAX_CONNS		128	/* TCP connections, both directions */
/* A received request not answered within this is answered 500 for us. */
#define SIP_ANSWER_TIMEOUT_MS	32000
#define SIP_BRANCH_LEN		23	/* "z9hG4bK" and 16 hex digits */

/* Synthetic statuses of a request that got no response (RFC 3261 8.1.3.1). */
#define SIP_STATUS_TIMEOUT	408	/* timer F fired */
#define SIP_STATUS_TRANSPORT	503	/* the transport failed */

enum sip_transport {
	SIP_TP_AUTO = 0,	/* requests: by size; never seen on input */
	SIP_TP_UDP,
	SIP_TP_TCP,
	SIP_TP_SCTP,		/* RFC 4168: one-to-one, like TCP */
};

/* An IPv4 endpoint: address in network byte order, port in host order. */
struct sip_addr {
	uint32_t addr;
	uint16_t port;
};

typedef void (*sip_log_fn)(void *data, int prio, const char *fmt, va_list ap);

struct sip_config {
	uint32_t addr;		/* be32 to bind to; 0: any */
	uint16_t udp_port;	/* 0: an ephemeral port (tests) */
	uint16_t tcp_port;	/* 0: an ephemeral port (tests) */
	bool sctp;		/* listen on SCTP too (sctp_port) */
	uint16_t sctp_port;	/* 0: an ephemeral port (tests) */
	const char *identity;	/* our SIP URI: From of requests, user of
				 * Contact; NULL: sip:hmmpd@<local address> */
	unsigned int mtu;	/* larger requests go over TCP; 0: default */
	unsigned int tcp_idle_s; /* 0: SIP_TCP_IDLE_DEFAULT */
	const char *user_agent;	/* User-Agent / Server; NULL: hmmpd/<ver> */
	sip_log_fn log;		/* NULL: silent; prio is a syslog level */
	void *log_data;
};

struct sip;

/*
 * Binds both sockets and joins ev (which must outlive the sip). Returns 0
 * and *out, or -errno (the reason is logged).
 */
int sip_new(sd_event *ev, const struct sip_config *cfg, struct sip **out);
/*
 * Closes everything. Requests still pending are dropped without their
 * callback: their user data is the caller's to free.
 */
void sip_free(struct sip *sip);
/* The bound port of a transport (useful with ephemeral ports). */
uint16_t sip_port(const struct sip *sip, enum sip_transport tp);
/*
 * The UDP socket's descriptor, for the caller to hand on (hmmp.ko's UDP
 * tunnel socket, features/nat) but never to read, write or close; -1 when
 * there is none.
 */
int sip_udp_fd(const struct sip *sip);

/*
 * The outcome of a request: called exactly once per sip_send_request() or
 * sip_send_retry() that returned 0 (unless sip_free() comes first).
 * status is the final response's (200-699), or SIP_STATUS_TIMEOUT or
 * SIP_STATUS_TRANSPORT with resp NULL. req is the request as sent (with its
 * Via, tags, CSeq). Both are valid during the call only: a 401/407 is
 * answered by calling sip_send_retry(sip, req, "Authorization: ...", ...)
 * from here (same next hop and transport choice), or later with a copy
 * (osip_message_clone), which then goes to its Request-URI's address.
 */
typedef void (*sip_response_fn)(struct sip *sip, int status,
				const osip_message_t *resp,
				const osip_message_t *req, void *data);

struct sip_request {
	const char *method;	/* a token; not INVITE, ACK or CANCEL */
	const char *uri;	/* Request-URI, e.g. "sip:bob@192.0.2.7" */
	const char *to;		/* To value; NULL: <uri> */
	const char *from;	/* From value; NULL: <identity>; a tag is
				 * added when it has none */
	const char *call_id;	/* NULL: a fresh one */
	uint32_t cseq;		/* 0: 1 */
	/*
	 * Extra header lines "Name: value", separated by CRLF or LF; NULL:
	 * none. Via, From, To, Call-ID, CSeq, Content-Type and
	 * Content-Length are refused (set them through the fields). Without
	 * a Contact here, one is added: <sip:user@local-address:port>.
	 */
	const char *headers;
	const char *content_type; /* NULL: no body */
	const char *body;
	size_t body_len;
	/* Next hop; addr 0: the URI's host (numeric IPv4) and port. */
	struct sip_addr dest;
	/*
	 * Our source address (be32), in Via and Contact too; 0: the one the
	 * route to the next hop gives. UDP: IP_PKTINFO; TCP: a connection
	 * bound to it. Retransmissions and sip_send_retry() keep it.
	 */
	uint32_t src;
	/* AUTO: the URI's transport parameter, else by size. */
	enum sip_transport transport;
};

/* Returns 0 (cb will be called) or -errno (it will not). */
int sip_send_request(struct sip *sip, const struct sip_request *req,
		     sip_response_fn cb, void *data);
/*
 * Sends req again as a new transaction (RFC 3261 22.2): same Call-ID, From
 * tag, destination, source and transport choice; a new branch; CSeq + 1; previous
 * Authorization and Proxy-Authorization dropped; headers (as in struct
 * sip_request, e.g. the new Authorization) added.
 */
int sip_send_retry(struct sip *sip, const osip_message_t *req,
		   const char *headers, sip_response_fn cb, void *data);

/*
 * A new request (retransmissions are absorbed). The handler answers with
 * sip_respond(), at once or later: req stays valid until a final response
 * was sent. A request left unanswered for SIP_ANSWER_TIMEOUT_MS is
 * answered 500 by sip.c. Without a handler requests are answered 501.
 */
typedef void (*sip_request_fn)(struct sip *sip, const osip_message_t *req,
			       const struct sip_addr *src,
			       enum sip_transport tp, void *data);
void sip_set_request_handler(struct sip *sip, sip_request_fn fn, void *data);

/*
 * Answers req (status 100-699; 1xx may come before the final one). reason
 * NULL: the standard phrase; it must be printable ASCII. headers as in
 * struct sip_request (e.g. "WWW-Authenticate: Digest ..."); content_type
 * NULL: no body. Returns 0, -ENOENT when req is no request awaiting an
 * answer, or another -errno.
 */
int sip_respond(struct sip *sip, const osip_message_t *req, int status,
		const char *reason, const char *headers,
		const char *content_type, const char *body, size_t body_len);

/*
 * The pos-th (from 0) value of a header of m, by its full name, any case,
 * as one string: also for the headers osip2 parses into fields
 * (WWW-Authenticate, Proxy-Authenticate, Authorization,
 * Proxy-Authorization, Contact, Content-Type). Returns 0 and *value (to
 * free()), -ENOENT or -ENOMEM.
 */
int sip_header(const osip_message_t *m, const char *name, int pos,
	       char **value);

/*
 * Flows, STUN and raw access, for SIP Outbound (outbound.h, docs/outbound.md).
 *
 * A flow: a transport, our end and the peer's; for TCP the connection too.
 * For UDP our end is the bound address (0: any) and port.
 */
struct sip_flow {
	enum sip_transport tp;
	struct sip_addr local, peer;
	uint64_t conn_id;		/* TCP; 0 for UDP */
};

/*
 * STUN on the SIP ports (RFC 5626 section 8, RFC 7983): a datagram that
 * stun_is_stun(), and on a TCP stream a message whose first byte is 0-3
 * (framed by STUN's header length; bytes that cannot be STUN close the
 * connection), go to this handler instead of the SIP parser; without one
 * they are dropped. Counted in rx_stun.
 */
typedef void (*sip_stun_fn)(struct sip *sip, const struct sip_flow *flow,
			    const uint8_t *buf, size_t len, void *data);
void sip_set_stun_handler(struct sip *sip, sip_stun_fn fn, void *data);
/* A TCP connection came up (accepted or connected) or went away. */
typedef void (*sip_conn_fn)(struct sip *sip, const struct sip_flow *flow,
			    bool up, void *data);
void sip_set_conn_handler(struct sip *sip, sip_conn_fn fn, void *data);
/*
 * An SCTP association of ours came up (fd: its socket, for the call only)
 * or went away (fd -1): how the daemon registers it with msctp.c.
 */
typedef void (*sip_sctp_fn)(struct sip *sip, const struct sip_flow *flow,
			    int fd, void *data);
void sip_set_sctp_handler(struct sip *sip, sip_sctp_fn fn, void *data);
/*
 * Every framed SIP message, before osip2: returns true when it took it
 * (an edge proxy forwarding statelessly), false to let the UA core have it.
 */
typedef bool (*sip_raw_fn)(struct sip *sip, const struct sip_flow *flow,
			   const char *buf, size_t len, void *data);
void sip_set_raw_handler(struct sip *sip, sip_raw_fn fn, void *data);
/*
 * Bytes out on a flow: UDP from flow->local.addr (0: the route's) to
 * flow->peer; TCP on connection flow->conn_id (-ENOTCONN when gone).
 */
int sip_send_raw(struct sip *sip, const struct sip_flow *flow,
		 const void *buf, size_t len);
/* A new TCP connection to dst from src (0: any); the conn handler says
 * when it is up. 0 and *conn_id, or -errno. */
int sip_tcp_open(struct sip *sip, const struct sip_addr *dst, uint32_t src,
		 uint64_t *conn_id);
/* Close conn_id as soon as no transaction of ours uses it. */
void sip_tcp_release(struct sip *sip, uint64_t conn_id);
/* An established connection with peer (any port of it when peer->port is
 * 0; and our end local, unless NULL). */
bool sip_tcp_find(struct sip *sip, const struct sip_addr *local,
		  const struct sip_addr *peer, struct sip_flow *flow);

struct sip_stats {
	uint64_t rx_msgs;	/* messages framed and parsed */
	uint64_t rx_malformed;	/* dropped: unparseable, bad framing, bad
				 * required headers (those with a Via got 400) */
	uint64_t rx_stray;	/* responses matching no transaction */
	uint64_t rx_retrans;	/* retransmitted requests absorbed */
	uint64_t tx_msgs;	/* messages handed to a socket */
	uint64_t tx_retrans;	/* requests retransmitted (timer E) */
	uint64_t tx_errors;	/* sends that failed */
	uint64_t stateless;	/* responses sent without a transaction */
	uint64_t tcp_accepted, tcp_connected, tcp_closed;	/* and SCTP's */
	uint64_t rx_stun;	/* STUN messages on the SIP ports */
};
void sip_get_stats(const struct sip *sip, struct sip_stats *st);

/*
 * Runs whatever timers are due and arms the loop's timer for the next one.
 * The loop does this by itself; tests with a fake osip clock call it.
 */
void sip_process(struct sip *sip);

/* ---- pure helpers, exposed for the unit tests ---- */

enum sip_frame {
	SIP_FRAME_MORE,		/* incomplete: wait for more bytes */
	SIP_FRAME_MSG,		/* a message: its first *n bytes */
	SIP_FRAME_PING,		/* CRLFCRLF keepalive (*n bytes): answer CRLF */
	SIP_FRAME_SKIP,		/* *n bytes of CR/LF to ignore */
	SIP_FRAME_BAD,		/* unframeable: drop (stream: close it) */
};
/*
 * Frames the first message of buf. stream: a TCP byte stream, where
 * Content-Length is required and the message may be incomplete; else one
 * datagram, whose bytes beyond Content-Length are not part of the message
 * and where a missing Content-Length means "the rest". Content-Length
 * (also compact "l") must be decimal, the same in every instance, and
 * keep the message within SIP_MAX_MSG.
 */
enum sip_frame sip_frame(const char *buf, size_t len, bool stream, size_t *n);
/* The transport of an AUTO request of len bytes (mtu 0: default). */
enum sip_transport sip_transport_for(size_t len, unsigned int mtu);
/* A fresh RFC 3261 branch: "z9hG4bK" and 16 random hex digits. */
void sip_branch_new(char buf[SIP_BRANCH_LEN + 1]);

#endif /* HMMPD_SIP_H */
