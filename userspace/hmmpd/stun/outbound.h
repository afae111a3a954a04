/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the STUN side of SIP Outbound (RFC 5626 section 4.4.2 keep-alives)
 * and of seed 003's usage (draft-petithuguenin-sip-outbound-fragmentation-
 * 01: ForceTCP, GetToken, FLOW-TOKEN), as two state machines, one per role:
 *
 *  - the edge (struct ob_edge): answers Binding on every flow with
 *    XOR-MAPPED-ADDRESS; answers GetToken over TCP with a flow token naming
 *    that connection and refuses it over UDP with 445; when a SIP request
 *    for a UA is too large for its UDP flow, sends ForceTCP on that flow
 *    and tells its caller which TCP connection the returned token names
 *    (or that the request must be answered 430 Flow Failed);
 *  - the UA (struct ob_ua): sends Binding keep-alives on its UDP flow to
 *    the edge and notices the flow failing; answers ForceTCP received over
 *    UDP with the token of the TCP connection associated with the flow,
 *    first opening one and asking GetToken when there is none; refuses
 *    ForceTCP over TCP with 448; keeps the connection at least until the
 *    end of the SIP transaction or 5 s; survives the edge closing it.
 *
 * Pure code: no sockets, no clock. Time is the caller's milliseconds
 * (monotonic); I/O goes through the ops the caller gives; the caller calls
 * *_tick() when *_next() says. docs/outbound.md has the messages and states.
 */
#ifndef HMMPD_OUTBOUND_H
#define HMMPD_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun.h"

#define OB_NEVER		UINT64_MAX

/* RFC 8489 6.2.1 defaults: RTO 500 ms, Rc 7, Rm 16 (39.5 s in all). */
#define OB_RTO_MS		500
#define OB_RC			7
#define OB_RM			16
/* Seed 003 6.2.2: keep the TCP connection 5 s with no SIP transaction. */
#define OB_HOLD_MS		5000
/* RFC 5626 4.4.1: UDP keep-alives every 24 to 29 s without Flow-Timer. */
#define OB_KA_MIN_MS		24000
#define OB_KA_MAX_MS		29000

#define OB_TOKEN_LEN		30	/* what ob_token_make() writes */
#define OB_TOKEN_MAX		256	/* the longest token a UA keeps */
#define OB_SECRET_LEN		32
#define OB_EDGE_MAX_PENDING	64	/* ForceTCP transactions in flight */
#define OB_UA_MAX_WAITING	8	/* ForceTCP requests awaiting a token */
#define OB_MSG_MAX		512	/* our own STUN messages */

enum ob_tp {
	OB_UDP = 1,
	OB_TCP = 2,
};

/* A flow: the transport and both ends, IPv4, seen from this host. */
struct ob_flow {
	uint8_t tp;		/* enum ob_tp */
	uint32_t laddr;		/* be32, local */
	uint16_t lport;		/* host order */
	uint32_t raddr;		/* be32, remote */
	uint16_t rport;
};

bool ob_flow_eq(const struct ob_flow *a, const struct ob_flow *b);

/*
 * Flow tokens (RFC 5626 5.2's idea, without base64): version 1, transport,
 * local and remote address and port, then 16 bytes of HMAC-SHA256 of the
 * above under the edge's secret. Unforgeable without the secret; checking
 * one yields the flow it names. The same bytes serve FLOW-TOKEN and, in
 * hex, the user part of the edge's Path URI.
 */
int ob_token_make(const uint8_t secret[OB_SECRET_LEN],
		  const struct ob_flow *f, uint8_t out[OB_TOKEN_LEN]);
bool ob_token_check(const uint8_t secret[OB_SECRET_LEN], const uint8_t *tok,
		    size_t len, struct ob_flow *f);

/* Sends len bytes on flow: a datagram, or onto that TCP connection. */
typedef int (*ob_send_fn)(void *data, const struct ob_flow *flow,
			  const uint8_t *buf, size_t len);

/* ---- edge ---- */

struct ob_edge_ops {
	ob_send_fn send;
	/* Is this TCP connection (seen from the edge) open? */
	bool (*tcp_open)(void *data, const struct ob_flow *tcp);
	/*
	 * The end of an ob_edge_force(): status 0 and *tcp: send the SIP
	 * request over that connection; else a SIP status (430) to answer
	 * the request with, tcp NULL. Called once per ob_edge_force() that
	 * returned 0 and was not cancelled.
	 */
	void (*forced)(void *data, void *ctx, int status,
		       const struct ob_flow *tcp);
};

struct ob_edge_cfg {
	uint8_t secret[OB_SECRET_LEN];
	const char *software;	/* SOFTWARE of our messages; NULL: none */
	unsigned int rto_ms, rc, rm;	/* 0: the RFC 8489 defaults */
};

struct ob_edge_stats {
	uint64_t binding;	/* Binding requests answered */
	uint64_t gettoken;	/* GetToken answered with a token */
	uint64_t gettoken_udp;	/* GetToken over UDP: 445 */
	uint64_t bad_request;	/* answered 400 or 420 */
	uint64_t dropped;	/* not STUN, bad FINGERPRINT, stray response */
	uint64_t force_sent;	/* ForceTCP transactions started */
	uint64_t force_retrans;
	uint64_t force_ok;	/* a valid token for an open connection */
	uint64_t force_400;	/* the UA lacks the usage: 430 */
	uint64_t force_failed;	/* other error, bad token, timeout: 430 */
};

struct ob_edge_pending {
	bool used;
	uint8_t tid[STUN_TID_LEN];
	struct ob_flow udp;
	void *ctx;
	uint8_t msg[OB_MSG_MAX];
	size_t len;
	unsigned int sent;	/* transmissions so far */
	uint64_t next;		/* retransmission or give-up time */
};

struct ob_edge {
	struct ob_edge_cfg cfg;
	const struct ob_edge_ops *ops;
	void *data;
	struct ob_edge_pending pend[OB_EDGE_MAX_PENDING];
	struct ob_edge_stats stats;
};

void ob_edge_init(struct ob_edge *e, const struct ob_edge_cfg *cfg,
		  const struct ob_edge_ops *ops, void *data);
/*
 * A STUN message received on flow (a datagram, or one framed off a TCP
 * stream). Answers requests, matches ForceTCP responses. 0, or -errno of
 * a failed send.
 */
int ob_edge_input(struct ob_edge *e, const struct ob_flow *flow,
		  const uint8_t *buf, size_t len, uint64_t now);
/*
 * A request (ctx: the caller's) must go to a UA over udp, and is too large
 * for it: sends ForceTCP there. 0 (ops->forced will tell), -ENOSPC (too
 * many in flight), -EINVAL (not UDP) or the send's -errno.
 */
int ob_edge_force(struct ob_edge *e, const struct ob_flow *udp, void *ctx,
		  uint64_t now);
/* Forget the ForceTCP transactions of ctx: ops->forced will not come. */
void ob_edge_cancel(struct ob_edge *e, void *ctx);
uint64_t ob_edge_next(const struct ob_edge *e);
void ob_edge_tick(struct ob_edge *e, uint64_t now);

/* ---- UA ---- */

struct ob_ua_ops {
	ob_send_fn send;
	/*
	 * Open a TCP connection to the UDP flow's remote end, from its local
	 * address. ob_ua_tcp_up() or ob_ua_tcp_down() follows (perhaps from
	 * inside this call). 0 or -errno.
	 */
	int (*tcp_connect)(void *data, const struct ob_flow *udp);
	void (*tcp_close)(void *data, const struct ob_flow *tcp);
	/* The UDP flow failed: register again (RFC 5626 4.5). */
	void (*flow_failed)(void *data, const char *why);
};

struct ob_ua_cfg {
	const char *software;		/* NULL: none */
	unsigned int ka_min_ms, ka_max_ms;	/* 0: 24-29 s */
	unsigned int rto_ms, rc, rm;	/* 0: the RFC 8489 defaults */
	unsigned int hold_ms;		/* 0: 5 s */
	unsigned int gettoken_ms;	/* 0: rm * rto (RFC 8489 Ti 39.5 s) */
};

enum ob_ua_tcp {
	OB_UA_TCP_NONE,		/* no connection associated */
	OB_UA_TCP_CONNECTING,	/* tcp_connect() called */
	OB_UA_TCP_GETTOKEN,	/* connected, GetToken sent */
	OB_UA_TCP_READY,	/* connection and token associated */
};

struct ob_ua_stats {
	uint64_t ka_sent, ka_retrans, ka_ok, ka_failed;
	uint64_t force_answered;	/* with a token */
	uint64_t force_tcp;		/* ForceTCP over TCP: 448 */
	uint64_t force_failed;		/* no token to give: 500 */
	uint64_t gettoken_sent, gettoken_ok, gettoken_failed;
	uint64_t tcp_opened, tcp_lost, tcp_closed;
	uint64_t bad_request, dropped;
};

struct ob_ua_waiting {
	uint8_t tid[STUN_TID_LEN];
	struct ob_flow flow;
	bool fingerprint;
};

struct ob_ua {
	struct ob_ua_cfg cfg;
	const struct ob_ua_ops *ops;
	void *data;
	bool active;			/* a UDP flow to keep alive */
	struct ob_flow udp;
	/* keep-alive: one Binding transaction at a time */
	bool ka_pending;
	uint8_t ka_tid[STUN_TID_LEN];
	unsigned int ka_sent;
	uint64_t ka_next;		/* next send or give-up */
	bool have_mapped;
	struct stun_addr mapped;	/* first XOR-MAPPED-ADDRESS seen */
	/* the TCP connection associated with the flow */
	enum ob_ua_tcp tcp_state;
	struct ob_flow tcp;
	uint8_t gt_tid[STUN_TID_LEN];
	uint64_t gt_deadline;
	uint8_t token[OB_TOKEN_MAX];
	size_t token_len;
	uint64_t hold_until;
	unsigned int busy;		/* SIP transactions on the connection */
	struct ob_ua_waiting waiting[OB_UA_MAX_WAITING];
	unsigned int nwaiting;
	struct ob_ua_stats stats;
};

void ob_ua_init(struct ob_ua *ua, const struct ob_ua_cfg *cfg,
		const struct ob_ua_ops *ops, void *data);
/*
 * The UDP flow to keep alive (after a REGISTER succeeded over it), or NULL
 * to stop. A different flow (a hand-off moved the local address) drops
 * the TCP association and starts over: first keep-alive at once.
 */
void ob_ua_set_flow(struct ob_ua *ua, const struct ob_flow *udp,
		    uint64_t now);
/* A Flow-Timer (seconds) from the registrar: keep-alives at 80-100%. */
void ob_ua_set_flow_timer(struct ob_ua *ua, unsigned int seconds);
int ob_ua_input(struct ob_ua *ua, const struct ob_flow *flow,
		const uint8_t *buf, size_t len, uint64_t now);
/* The connection ops->tcp_connect() asked for is up / it went away. */
void ob_ua_tcp_up(struct ob_ua *ua, const struct ob_flow *tcp, uint64_t now);
void ob_ua_tcp_down(struct ob_ua *ua, const struct ob_flow *tcp,
		    uint64_t now);
/* A SIP transaction on tcp started (true) or ended (false). */
void ob_ua_tcp_busy(struct ob_ua *ua, const struct ob_flow *tcp, bool busy,
		    uint64_t now);
uint64_t ob_ua_next(const struct ob_ua *ua);
void ob_ua_tick(struct ob_ua *ua, uint64_t now);

#endif /* HMMPD_OUTBOUND_H */
