/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: what a correspondent or a router grants an authenticated binding
 * request. Pure: from the parsed body, the request's source, the peers the
 * credentials stand for, this host's configuration, SIP_EYE records,
 * binding table and addresses, it decides the kernel operations, or a 403
 * with its reason. Nothing is applied here: the caller applies the
 * operations (and undoes them if the kernel refuses one), so a refusal
 * leaves the tables as they were.
 *
 * The rules (docs/hmmpd.8, "RECEIVING BINDINGS"), for each binding of the
 * body, all checked before any operation is planned:
 *  - its kind: the body's, or when the body names none (the seed's forms)
 *    correspondent when this host has that role and live connections with
 *    the original address (or does not require them), else router when it
 *    has that role; a kind whose role this host lacks is refused;
 *  - the original address is not one of this host's, and when hmmpd.conf
 *    lists it under a [peer], the credentials are that peer's;
 *  - deny by default: an original address not listed under the
 *    credentials' [peer] ("owned") gets no address binding. A
 *    correspondent binds it only connection by connection, for the Conns
 *    whose identities match live records (translations, below), else 403
 *    HMMPD_POLICY_NOT_PROVEN; a router only while a live claim of it by
 *    the credentials' peer is in the table, else 403
 *    HMMPD_POLICY_NOT_CLAIMED;
 *  - a claim (A to A with a lifetime, kind router or none: a router's):
 *    granted to a router with claim_lifetime, not relayed, sent from A,
 *    A on one of its links, not its own nor another peer's, room in the
 *    table (HMMPD_CLAIMS_PER_PEER, HMMPD_CLAIMS_MAX); an op with claim
 *    set (lifetime at most claim_lifetime) and the deletion of the
 *    router bindings of A;
 *  - the encapsulation: ipip and minimal as the body says; udp: the
 *    binding goes to the request's source address and port (src,
 *    src_port: the 401 went there and was answered from there, so that
 *    transport address, behind a NAT the NAT's mapping, reaches the
 *    mobile), the body's care-of address is informational; refused for a
 *    request not over UDP (src_port 0) and for one relayed by proxies
 *    (they hide the mapping); auto: udp when the care-of address is not
 *    the source (a NAT in between) and the request came over UDP without
 *    proxies, else this host's configured encapsulation (udp only when
 *    the request came over UDP without proxies, else ipip; auto: ipip);
 *  - unless udp: the care-of address is the request's source: the 401 went
 *    there, so an answered challenge proved it reachable (a release,
 *    lifetime 0, comes from the original address itself, home again); for
 *    a request relayed by the proxies this host registers through
 *    (proxied: its Outbound edge and registrar), the source is the origin
 *    those proxies stamped in the Vias (hmmpd_policy_origin), and the
 *    challenge proves nothing about the care-of address: the proxies are
 *    trusted for it;
 *  - correspondent: with require_connection, live SIP_EYE records with the
 *    original address as the remote end; one binding per local address
 *    those connections use (peer = that address), or peer any when no
 *    connection is required and none exists;
 *  - router: the original address is on one of this host's links (it was
 *    the mobile's gateway there); peer any;
 *  - lifetime: the body's, at most max_lifetime; lifetime 0 deletes this
 *    kind's bindings of the original address that are the sender's: all
 *    from the original address itself, else those whose care-of address
 *    (and udp port) is the source.
 *
 * Connection identities (body version 2, a Conn with isn=I/J), for the
 * correspondent: the live record with isn_remote I and isn_local J (the
 * mobile's SYN and ours, as each side sent it) is the connection meant.
 * When its 4-tuple is the Conn's (no NAT on it) it is handled as without
 * an identity when the original address is owned, and is translated to
 * itself (the same 4-tuple both ways) when it is not. When it differs
 * (the mobile behind a NAT: the record's
 * remote endpoint is not the Conn's mobile endpoint; this host behind a
 * NAT of its own, a masquerade or a port forward: its local endpoint is
 * not the Conn's correspondent endpoint), a connection translation is planned: key = the record's
 * view, peer view = the Conn line, care-of, port, encapsulation and
 * lifetime those of the binding. The identity match is the proof that the
 * connection is the sender's; the credentials and address rules are the
 * binding's, and the record's remote address (the one the translation
 * diverts) may not be listed under another [peer] either. Then:
 *  - a Conn whose correspondent address is not this host's (a NAT in
 *    front of this host) makes auto choose udp when the request came
 *    straight over UDP; otherwise, and for an encapsulation asked for, the
 *    binding's rules decide: ipip crosses a masquerading NAT that has seen
 *    this host's packets to the care-of address, a single forwarded UDP
 *    port only udp, which the mobile may ask for (this host cannot tell
 *    the two NATs apart);
 *  - a binding every Conn of which is translated gets no address binding
 *    (two mobiles behind two home NATs may have the same private
 *    original), nor one with translated Conns and no live connection of
 *    its original; a release of the former may come from any source (the
 *    identity is the proof), deleting the translations only;
 *  - a translated connection counts as a live one for require_connection;
 *  - lifetime 0 deletes the translations of the matched connections.
 */
#ifndef HMMPD_POLICY_H
#define HMMPD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/body.h"
#include "config.h"
#include "net.h"
#include "objects.h"

/*
 * A router's record that a peer was on one of its links at addr: it sent
 * an authenticated claim (Bind: addr to addr, kind=router) from addr
 * itself, answering the challenge sent there. Until it expires, that peer
 * may bind addr (and only that peer: a later claim of addr by another
 * replaces it). The caller keeps the table; the policy says what changes.
 */
struct hmmpd_claim {
	uint32_t addr;				/* be32 */
	char peer[HMMPD_SECRET_MAX_PEER + 1];
	uint64_t expires_s;			/* monotonic seconds */
};

#define HMMPD_CLAIMS_MAX		4096	/* a router's table */
#define HMMPD_CLAIMS_PER_PEER		16	/* a laptop has few addresses */

struct hmmpd_policy_in {
	const struct hmmpd_conf *conf;
	uint32_t src;				/* be32: request source */
	uint16_t src_port;			/* its UDP port; 0: not UDP */
	bool proxied;				/* src: from the Vias */
	const char *const *peers;		/* credentials' peer names */
	unsigned int npeers;
	const struct hmmpd_body *body;
	const struct hmmp_conn *conns;		/* SIP_EYE records */
	size_t nconns;
	const struct hmmp_binding *binds;	/* the binding table */
	size_t nbinds;
	const struct hmmpd_ifaddr *addrs;	/* this host's addresses */
	size_t naddrs;
	const struct hmmpd_claim *claims;	/* router: on-link claims */
	size_t nclaims;
	uint64_t now_s;				/* monotonic, for claims */
};

struct hmmpd_policy_op {
	bool del;			/* delete the key, else create/replace */
	bool xlate;			/* x, a connection translation; else b */
	bool claim;			/* b.orig claimed by peers[0] for
					 * b.lifetime s (replacing any other
					 * claim of it); no kernel operation */
	struct hmmp_binding b;
	struct hmmp_xlate x;
	unsigned int bind;		/* its binding in the body, from 0 */
	unsigned int nconn;		/* live connections it covers */
	unsigned int conn;		/* xlate: its Conn in the body, from 0 */
};

struct hmmpd_policy {
	struct hmmpd_policy_op *ops;	/* heap */
	unsigned int n;
	uint32_t granted;		/* least lifetime set; 0 when none */
	char reason[HMMPD_REASON_MAX];	/* 403: why, fixed words only */
};

/*
 * The reasons of the udp rule's refusals (after "Binding N: "), fixed so
 * that tests and operators can match them.
 */
#define HMMPD_POLICY_UDP_PROXIED \
	"udp encapsulation not through proxies: they hide the NAT mapping"
#define HMMPD_POLICY_UDP_NOT_UDP \
	"udp encapsulation needs the request over UDP"
/* Deny by default: what a binding of an address not the peer's needs. */
#define HMMPD_POLICY_NOT_PROVEN \
	"original address is not this peer's and no connection is proven"
#define HMMPD_POLICY_NOT_CLAIMED \
	"original address is not this peer's and was not claimed on-link"

/*
 * 0 (p->ops), 403 (p->reason) or 500 (out of memory). Free p in any case.
 * The operations of one body binding (op->bind) share its care-of
 * address, port, encapsulation, lifetime and kind: what an answer body
 * reports. The operations of one body binding are in a row.
 */
int hmmpd_policy_decide(const struct hmmpd_policy_in *in,
			struct hmmpd_policy *p);
void hmmpd_policy_free(struct hmmpd_policy *p);

/*
 * The origin of a request relayed by trusted proxies (RFC 3261 18.2.1:
 * each stamps received= on the Via below its own when the sent-by is not
 * where the request came from): vias[] are the Vias' addresses from the
 * top, each its received= or else its numeric sent-by host (0 when it has
 * neither); the origin is the first that is not one of trusted[]. A
 * forged Via below the sender's own is never reached: the sender's own
 * Via carries the address it was received from. 0 and *origin, or -1
 * when every Via is a trusted proxy's or the first other one has no
 * address.
 */
int hmmpd_policy_origin(const uint32_t *trusted, size_t ntrusted,
			const uint32_t *vias, size_t nvias, uint32_t *origin);

/* Whether addr is one of addrs (not counting 0), or on one of their links. */
bool hmmpd_addr_is_local(const struct hmmpd_ifaddr *addrs, size_t n,
			 uint32_t addr);
bool hmmpd_addr_on_link(const struct hmmpd_ifaddr *addrs, size_t n,
			uint32_t addr);

#endif /* HMMPD_POLICY_H */
