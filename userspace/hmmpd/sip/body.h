/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the body of an INFO address-binding request (docs/binding-body.md).
 *
 * Three forms are understood, chosen by the Content-Type:
 *   application/vnd.hmmp.binding   hmmp's own, versioned (built and parsed)
 *   application/binding            the seed's F1 form: Original-IP-Addr /
 *                                  New-IP-Addr pairs (parsed only)
 *   text/plain                     HMMP's "Bind <a1> to <a2>" instruction,
 *                                  and the seed's pairs (parsed only)
 *
 * Pure code: no I/O, no clock. Addresses are IPv4 in network byte order,
 * ports in host order, as in struct hmmp_conn (userspace/lib/objects.h).
 * A body owns one heap array (the connections): hmmpd_body_free() it after
 * hmmpd_body_init() whatever happened in between.
 */
#ifndef HMMPD_BODY_H
#define HMMPD_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMMPD_BODY_TYPE		"application/vnd.hmmp.binding"
#define HMMPD_BODY_TYPE_SEED	"application/binding"
#define HMMPD_BODY_TYPE_TEXT	"text/plain"
/* The Accept header of a 415 answer. */
#define HMMPD_BODY_ACCEPT	HMMPD_BODY_TYPE ", " HMMPD_BODY_TYPE_SEED ", " \
				HMMPD_BODY_TYPE_TEXT
/*
 * Versions: 1, the format without connection identities; 2, the same with
 * conn-params on Conn lines (isn=). A receiver knows both; the builder
 * writes 1 unless some Conn has an identity.
 */
#define HMMPD_BODY_VERSION	1
#define HMMPD_BODY_VERSION_MAX	2

/* Limits, the same for every form. */
#define HMMPD_BODY_MAX_LEN	65536	/* bytes; more is 413 */
#define HMMPD_BODY_MAX_LINE	512	/* bytes, without the line end */
#define HMMPD_BODY_MAX_BINDINGS	32
#define HMMPD_BODY_MAX_CONNS	1024	/* in the whole body */

/*
 * encap=auto: the receiver chooses (udp when a NAT is in between, else its
 * configured encapsulation). A value of hmmpd's own, never one of enum
 * hmmp_encap, never sent to hmmp.ko.
 */
#define HMMPD_ENCAP_AUTO	0xff

/* A SIP reason phrase: printable ASCII, never a byte of the request. */
#define HMMPD_REASON_MAX	96

/*
 * One TCP connection: the mobile's endpoint (l*) and the correspondent's,
 * as the mobile's socket has them. With HMMPD_TCP_ISN in flags, its
 * identity (version 2, "isn=<isn_l>/<isn_r>"): the initial sequence
 * numbers of the mobile's SYN (isn_l) and of the correspondent's (isn_r),
 * which NATs leave alone. No padding: compared with memcmp.
 */
#define HMMPD_TCP_ISN	1u
struct hmmpd_tcp {
	uint32_t laddr, raddr;		/* be32 */
	uint32_t isn_l, isn_r;		/* with HMMPD_TCP_ISN, else 0 */
	uint16_t lport, rport;		/* host order */
	uint32_t flags;			/* HMMPD_TCP_* */
};

/*
 * One binding: orig -> coa for lifetime seconds. lifetime 0 releases the
 * binding of orig (then coa may equal orig: "home again"). kind is 0 when
 * the sender did not say (the receiver decides by its role), else
 * HMMP_BIND_CORRESPONDENT or HMMP_BIND_ROUTER. port is the port of the
 * new address ("new = a.b.c.d:port"), with encap udp only, else 0: in a
 * request the sender's tunnel (SIP) port, informational as coa is; in an
 * answer the reflexive port the receiver saw and tunnels to. Its
 * connections are conn[first_conn .. first_conn + nconn) of the body.
 */
struct hmmpd_bind {
	uint32_t orig, coa;		/* be32 */
	uint32_t lifetime;		/* seconds */
	uint16_t port;			/* host order; 0: none */
	uint8_t encap;			/* enum hmmp_encap or HMMPD_ENCAP_AUTO */
	uint8_t kind;			/* 0 or enum hmmp_bind_kind */
	/*
	 * An answer's "xlate=only": the receiver installed connection
	 * translations for it (its Conn lines) and no address binding.
	 * Ignored in a request (an extension there).
	 */
	bool xlate_only;
	unsigned int first_conn, nconn;
};

enum hmmpd_body_form {
	HMMPD_FORM_NATIVE,		/* application/vnd.hmmp.binding */
	HMMPD_FORM_SEED,		/* application/binding */
	HMMPD_FORM_TEXT,		/* text/plain */
};

struct hmmpd_body {
	enum hmmpd_body_form form;
	unsigned int version;		/* a parsed native body's, else 0 */
	unsigned int nbind, nconn;
	struct hmmpd_bind bind[HMMPD_BODY_MAX_BINDINGS];
	struct hmmpd_tcp *conn;		/* heap, nconn used */
	unsigned int conn_cap;
};

/* What a binding gets when its form does not say (the seed's forms). */
struct hmmpd_body_defaults {
	uint32_t lifetime;		/* e.g. the INFO's Expires */
	uint8_t encap;			/* enum hmmp_encap or HMMPD_ENCAP_AUTO */
};

/* Why a body was refused: the SIP status to answer and its reason phrase. */
struct hmmpd_body_err {
	int status;			/* 400, 413, 415 or 500 */
	char reason[HMMPD_REASON_MAX];
};

void hmmpd_body_init(struct hmmpd_body *b);
void hmmpd_body_free(struct hmmpd_body *b);

/*
 * Builders' helpers. add_bind appends a binding without connections and
 * returns 0, or -1 when HMMPD_BODY_MAX_BINDINGS are there. add_conn
 * appends a connection to the last binding: 0, or -1 (no binding yet, the
 * limit reached, or out of memory). Neither checks the values: see
 * hmmpd_body_check().
 */
int hmmpd_body_add_bind(struct hmmpd_body *b, uint32_t orig, uint32_t coa,
			uint32_t lifetime, uint8_t encap, uint8_t kind);
int hmmpd_body_add_conn(struct hmmpd_body *b, const struct hmmpd_tcp *t);
/* The version a body is written in: 2 when a Conn has an identity, else 1. */
int hmmpd_body_version(const struct hmmpd_body *b);

/*
 * The rules every body obeys, whatever its form: at least one binding;
 * unicast addresses (not 0/8, 127/8, 224/4 or 240/4); coa differs from orig
 * unless lifetime is 0; a known encapsulation (ipip, minimal, udp, auto)
 * and kind; a port with udp only; one binding per
 * original address; each connection's local address is its binding's
 * original address, ports not 0, no connection (4-tuple) twice, flags
 * known; the connection
 * ranges contiguous and in order. Returns 0, or -1 with err->status 400
 * and the first broken rule in err->reason.
 */
int hmmpd_body_check(const struct hmmpd_body *b, struct hmmpd_body_err *err);

/*
 * Parse a received body. ctype is the Content-Type header value (media
 * type, parameters allowed; NULL when absent), buf/len the body bytes
 * (not NUL-terminated; never read past len). def gives the lifetime and
 * encapsulation of bindings whose form has none.
 *
 * Returns 0 with b filled (b must be hmmpd_body_init()ed; it is reset
 * first), or the SIP status with err set: 415 for a media type none of
 * the three, 413 for more than HMMPD_BODY_MAX_LEN bytes, 500 when out of
 * memory, 400 for anything else (a missing or malformed Content-Type, an
 * empty or malformed body, a limit passed, a broken rule).
 */
int hmmpd_body_parse(const char *ctype, const char *buf, size_t len,
		     const struct hmmpd_body_defaults *def,
		     struct hmmpd_body *b, struct hmmpd_body_err *err);

/*
 * Write b in the native form (CRLF line ends, NUL-terminated) into buf.
 * Returns the length the body needs, without the NUL, like snprintf (the
 * body was cut if that is >= size), or -1 if b breaks a rule of
 * hmmpd_body_check() (err, when not NULL, says which).
 */
int hmmpd_body_build(const struct hmmpd_body *b, char *buf, size_t size,
		     struct hmmpd_body_err *err);

/*
 * The answer body of a 200 to an INFO (docs/binding-body.md, "The answer
 * body"): the same media type and grammar, one Bind per binding the
 * receiver installed, as it installed it (coa:port the transport address
 * it tunnels to, for udp the reflexive one it saw; the encapsulation it
 * chose, never auto; lifetime and kind). hmmpd_body_build() writes it.
 *
 * hmmpd_body_parse_answer() reads one, stricter than a request: the native
 * media type only (else 415), and every Bind with lifetime, encap and
 * kind, an encapsulation that is not auto, and a port exactly when it is
 * udp (else 400). Returns 0 or the status, as hmmpd_body_parse().
 */
int hmmpd_body_parse_answer(const char *ctype, const char *buf, size_t len,
			    struct hmmpd_body *b, struct hmmpd_body_err *err);

/*
 * The encapsulations a body names: enum hmmp_encap's names and "auto"
 * (HMMPD_ENCAP_AUTO). _name returns NULL for an unknown value; _parse
 * (exact, lower case) returns 0 and sets *out, or -1.
 */
const char *hmmpd_encap_name(uint8_t encap);
int hmmpd_encap_parse(const char *s, uint8_t *out);

/* 1 for an address a binding may name (see hmmpd_body_check()), else 0. */
int hmmpd_addr_unicast(uint32_t be32);

#endif /* HMMPD_BODY_H */
