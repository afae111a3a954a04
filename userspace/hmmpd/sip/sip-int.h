/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the private header of the SIP user agent core, included only by
 * the four files that make it up (sip.h is its contract with the rest of
 * hmmpd, and nothing outside sip/ includes this):
 *  - sip.c: creating and freeing it, handlers, statistics, the log, and
 *    the run that drives osip2 from the loop (its rules are there);
 *  - message.c: framing, building, checking and reading messages;
 *  - transaction.c: our requests (NICT) and those we answer (NIST), what a
 *    received message becomes, stateless responses;
 *  - transport.c: the UDP, TCP and SCTP sockets and connections, sending
 *    and receiving, STUN on the SIP ports, flows.
 * It holds their shared state (struct sip, its connections and
 * transactions) and the functions one of them offers the others, named
 * sip_int_*; everything else stays static in its file. Threading as sip.h
 * says: none, everything runs on the loop's thread.
 */
#ifndef HMMPD_SIP_INT_H
#define HMMPD_SIP_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <osip2/osip.h>

#include "sip.h"

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
	uint32_t local;			/* UDP: the request's destination */
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
	/* The local address of the datagram in hand (IP_PKTINFO; 0: not
	 * known, or not a datagram): answers leave from it (RFC 3261
	 * 18.2.2), so that a NAT in front of the sender matches them.
	 */
	uint32_t rx_local;
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

/* ---- sip.c ---- */

void sip_int_log(struct sip *sip, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Bytes of the network in a log line: printable, short. */
const char *sip_int_clean(const char *in, char out[48]);
uint64_t sip_int_now(struct sip *sip);
const char *sip_int_tp_name(enum sip_transport tp);
void sip_int_addr_str(uint32_t be32, char buf[INET_ADDRSTRLEN]);
/*
 * osip2's timers and queues until nothing is left; from inside it, only
 * another round. sip_int_run() does it, then at the top of a loop
 * callback (top) delivers the outcomes and frees the dead, and rearms.
 */
void sip_int_execute(struct sip *sip);
void sip_int_run(struct sip *sip, bool top);
/* Arms the loop's timer for the next deadline. */
void sip_int_rearm(struct sip *sip);
/* Closes idle and released connections, answers 500 for the late. */
void sip_int_housekeeping(struct sip *sip);

/* ---- message.c ---- */

/* nbytes random bytes as hex, NUL-terminated: out holds 2 * nbytes + 1. */
void sip_int_rand_hex(char *out, size_t nbytes);
/* No control characters but tab. */
bool sip_int_is_text(const char *s, size_t len);
/* "Name: value" lines, as struct sip_request's headers: 0 or -errno. */
int sip_int_add_headers(osip_message_t *m, const char *h);
int sip_int_set_body(osip_message_t *m, const char *ctype, const char *body,
		     size_t len);
/* *buf to osip_free(); -EMSGSIZE beyond SIP_MAX_MSG. */
int sip_int_msg_to_str(osip_message_t *m, char **buf, size_t *len);
int sip_int_uri_dest(const osip_uri_t *uri, struct sip_addr *dest,
		     enum sip_transport *tp);
/* A response to req; tag: our To tag (not for 100). NULL: no memory. */
osip_message_t *sip_int_build_response(struct sip *sip,
				       const osip_message_t *req, int status,
				       const char *reason, const char *tag);
/* Everything but Via and Contact (sip_int_set_via()). */
int sip_int_build_request(struct sip *sip, const struct sip_request *rq,
			  osip_message_t **out);
int sip_int_set_via(struct sip *sip, osip_message_t *m, enum sip_transport tp,
		    uint32_t local, bool contact);
/* What is wrong with a received message (NULL: nothing): a 400's reason. */
const char *sip_int_check_common(const osip_message_t *m);
const char *sip_int_check_request(const osip_message_t *m);
void sip_int_fix_via(osip_message_t *m, const struct sip_addr *src);

/* ---- transport.c ---- */

uint32_t sip_int_local_addr(struct sip *sip, uint32_t dst);
/* A live connection by id (0: none). */
struct sip_conn *sip_int_conn_by_id(struct sip *sip, uint64_t id);
/* Fails the requests waiting on it; freed later (sip_int_run()). */
void sip_int_conn_close(struct sip_conn *c, int err);
int sip_int_send(struct sip *sip, enum sip_transport tp,
		 const struct sip_addr *dst, uint32_t src, uint64_t *conn_id,
		 const char *buf, size_t len);
/* The listening sockets and their sources (sip_new()): 0 or -errno. */
int sip_int_transport_open(struct sip *sip);

/* ---- transaction.c ---- */

void sip_int_client_failed(struct sip *sip, struct sip_client *c, int err);
int sip_int_queue_response(struct sip *sip, struct sip_server *s, int status,
			   const char *reason, const char *headers,
			   const char *ctype, const char *body, size_t len);
/* A framed message from src (conn: the connection it came on, or NULL). */
void sip_int_on_message(struct sip *sip, const char *buf, size_t len,
			const struct sip_addr *src, enum sip_transport tp,
			struct sip_conn *conn);
/* osip2's callbacks (all in transaction.c): 0 or -EINVAL. */
int sip_int_set_callbacks(osip_t *o);

#endif /* HMMPD_SIP_INT_H */
