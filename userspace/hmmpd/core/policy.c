// SPDX-License-Identifier: GPL-2.0
/* hmmpd: what a binding request is granted (policy.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/linux/hmmp.h>

#include "kern.h"
#include "policy.h"

void hmmpd_policy_free(struct hmmpd_policy *p)
{
	free(p->ops);
	p->ops = NULL;
	p->n = 0;
}

bool hmmpd_addr_is_local(const struct hmmpd_ifaddr *addrs, size_t n,
			 uint32_t addr)
{
	size_t i;

	for (i = 0; addr && i < n; i++)
		if (addrs[i].addr == addr)
			return true;
	return false;
}

bool hmmpd_addr_on_link(const struct hmmpd_ifaddr *addrs, size_t n,
			uint32_t addr)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t mask;

		if (addrs[i].loopback || !addrs[i].plen || addrs[i].plen >= 32)
			continue;
		mask = htonl(~0u << (32 - addrs[i].plen));
		if ((addrs[i].addr & mask) == (addr & mask))
			return true;
	}
	return false;
}

int hmmpd_policy_origin(const uint32_t *trusted, size_t ntrusted,
			const uint32_t *vias, size_t nvias, uint32_t *origin)
{
	size_t i, k;

	for (i = 0; i < nvias; i++) {
		for (k = 0; k < ntrusted; k++)
			if (trusted[k] && vias[i] == trusted[k])
				break;
		if (k < ntrusted)
			continue;
		if (!vias[i])
			return -1;
		*origin = vias[i];
		return 0;
	}
	return -1;
}

static int refuse(struct hmmpd_policy *p, unsigned int bind, const char *why)
{
	hmmpd_policy_free(p);
	snprintf(p->reason, sizeof(p->reason), "Binding %u: %s", bind + 1, why);
	return 403;
}

static int add_op(struct hmmpd_policy *p, unsigned int *cap, bool del,
		  const struct hmmp_binding *b, unsigned int bind,
		  unsigned int nconn)
{
	struct hmmpd_policy_op *op;

	if (p->n == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 8;
		struct hmmpd_policy_op *v = realloc(p->ops, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->ops = v;
		*cap = ncap;
	}
	op = &p->ops[p->n++];
	memset(op, 0, sizeof(*op));
	op->del = del;
	op->b = *b;
	op->bind = bind;
	op->nconn = nconn;
	if (!del && b->lifetime && (!p->granted || b->lifetime < p->granted))
		p->granted = b->lifetime;
	return 0;
}

static int add_xop(struct hmmpd_policy *p, unsigned int *cap, bool del,
		   const struct hmmp_xlate *x, unsigned int bind,
		   unsigned int conn)
{
	struct hmmp_binding none;
	int ret;

	memset(&none, 0, sizeof(none));
	ret = add_op(p, cap, del, &none, bind, 1);
	if (ret)
		return ret;
	p->ops[p->n - 1].xlate = true;
	p->ops[p->n - 1].x = *x;
	p->ops[p->n - 1].conn = conn;
	if (!del && x->lifetime && (!p->granted || x->lifetime < p->granted))
		p->granted = x->lifetime;
	return 0;
}

/*
 * The live record a Conn's identity names: the peer's ISN as our remote
 * one, ours as our local one. Of two (a 2^-64 coincidence, or one
 * connection tracked twice) the one with the Conn's 4-tuple wins.
 */
static const struct hmmp_conn *by_identity(const struct hmmpd_policy_in *in,
					   const struct hmmpd_tcp *t)
{
	const struct hmmp_conn *found = NULL;
	size_t i;

	if (!(t->flags & HMMPD_TCP_ISN))
		return NULL;
	for (i = 0; i < in->nconns; i++) {
		const struct hmmp_conn *c = &in->conns[i];

		if (!hmmpd_conn_live(c) || !HMMP_HAVE(c, HMMP_CONN_A_ISN_LOCAL) ||
		    !HMMP_HAVE(c, HMMP_CONN_A_ISN_REMOTE) ||
		    c->isn_remote != t->isn_l || c->isn_local != t->isn_r)
			continue;
		if (!found || (c->remote == t->laddr && c->rport == t->lport))
			found = c;
	}
	return found;
}

/* The record's 4-tuple (its socket's: the original local address) is the Conn's. */
static bool same_view(const struct hmmp_conn *c, const struct hmmpd_tcp *t)
{
	return c->remote == t->laddr && c->rport == t->lport &&
	       c->orig_local == t->raddr && c->lport == t->rport;
}

/* Whether the credentials stand for the peer hmmpd.conf lists addr under. */
static bool peer_owns(const struct hmmpd_policy_in *in, uint32_t addr)
{
	const struct hmmpd_peer *owner = hmmpd_conf_peer_by_addr(in->conf, addr);
	unsigned int i;

	for (i = 0; owner && i < in->npeers; i++)
		if (!strcmp(in->peers[i], owner->name))
			return true;
	return false;
}

/* The credentials may name orig unless hmmpd.conf gives it to another peer. */
static bool peer_allows(const struct hmmpd_policy_in *in, uint32_t orig)
{
	return !hmmpd_conf_peer_by_addr(in->conf, orig) || peer_owns(in, orig);
}

/* A live claim of addr by one of the credentials' peers. */
static bool claimed(const struct hmmpd_policy_in *in, uint32_t addr)
{
	unsigned int k;
	size_t i;

	for (i = 0; i < in->nclaims; i++) {
		const struct hmmpd_claim *c = &in->claims[i];

		if (c->addr != addr || c->expires_s <= in->now_s)
			continue;
		for (k = 0; k < in->npeers; k++)
			if (!strcmp(c->peer, in->peers[k]))
				return true;
	}
	return false;
}

/*
 * Whether a claim of addr fits the table: at most HMMPD_CLAIMS_PER_PEER
 * live ones of the peer and HMMPD_CLAIMS_MAX in all, addr's own aside
 * (it is replaced).
 */
static const char *claim_room(const struct hmmpd_policy_in *in, uint32_t addr)
{
	size_t i, live = 0, mine = 0;

	for (i = 0; i < in->nclaims; i++) {
		const struct hmmpd_claim *c = &in->claims[i];

		if (c->addr == addr || c->expires_s <= in->now_s)
			continue;
		live++;
		mine += !strcmp(c->peer, in->peers[0]);
	}
	if (mine >= HMMPD_CLAIMS_PER_PEER)
		return "too many claims of this peer";
	if (live >= HMMPD_CLAIMS_MAX)
		return "claim table full";
	return NULL;
}

/*
 * A claim (A to A, lifetime, kind router or none at a router): the sender
 * says it is at A, on one of this router's links; NULL when granted.
 */
static const char *claim_check(const struct hmmpd_policy_in *in,
			       const struct hmmpd_bind *b)
{
	if (!(in->conf->roles & HMMP_ROLE_ROUTER) || !in->conf->claim_lifetime)
		return "this host takes no claims";
	if (in->proxied)
		return "a claim not through proxies";
	if (b->orig != in->src)
		return "claim not sent from the address";
	if (hmmpd_addr_is_local(in->addrs, in->naddrs, b->orig))
		return "original address is this host's";
	if (!peer_allows(in, b->orig))
		return "original address belongs to another peer";
	if (!hmmpd_addr_on_link(in->addrs, in->naddrs, b->orig))
		return "original address is on none of this host's links";
	if (!in->npeers)
		return "no peer to claim for";
	return claim_room(in, b->orig);
}

/*
 * Binding o goes to the request's sender: its care-of address is the
 * source (the origin when proxied), and for udp its port the source port.
 */
static bool to_sender(const struct hmmpd_policy_in *in,
		      const struct hmmp_binding *o)
{
	if (o->coa != in->src)
		return false;
	return !HMMP_HAVE(o, HMMP_BIND_A_PORT) || o->port == in->src_port;
}

/* Live records with orig as their remote end: count, and local addresses. */
static unsigned int live_with(const struct hmmpd_policy_in *in, uint32_t orig,
			      uint32_t *local, unsigned int max,
			      unsigned int *nlocal)
{
	unsigned int n = 0, k;
	bool overflow = false;
	size_t i;

	*nlocal = 0;
	for (i = 0; i < in->nconns; i++) {
		const struct hmmp_conn *c = &in->conns[i];

		if (c->remote != orig || !hmmpd_conn_live(c) ||
		    !hmmpd_addr_unicast(c->cur_local))
			continue;
		n++;
		for (k = 0; k < *nlocal; k++)
			if (local[k] == c->cur_local)
				break;
		if (k == *nlocal && *nlocal < max)
			local[(*nlocal)++] = c->cur_local;
		else if (k == *nlocal)
			overflow = true;
	}
	if (overflow)	/* too many to list: one binding for any peer */
		*nlocal = 0;
	return n;
}

/* Connections of orig using local address l. */
static unsigned int live_via(const struct hmmpd_policy_in *in, uint32_t orig,
			     uint32_t l)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < in->nconns; i++)
		if (in->conns[i].remote == orig && in->conns[i].cur_local == l &&
		    hmmpd_conn_live(&in->conns[i]))
			n++;
	return n;
}

#define MAX_LOCAL	8

/* The configured encapsulation where udp cannot be (or is not) chosen. */
static uint8_t conf_encap(const struct hmmpd_conf *conf, bool udp_ok)
{
	switch (conf->encap) {
	case HMMP_ENCAP_IPIP:
	case HMMP_ENCAP_MINIMAL:
		return conf->encap;
	case HMMP_ENCAP_UDP:
		return udp_ok ? HMMP_ENCAP_UDP : HMMP_ENCAP_IPIP;
	default:		/* auto: nothing in between, the classic one */
		return HMMP_ENCAP_IPIP;
	}
}

/*
 * The encapsulation binding b gets (its rules in policy.h), or NULL and
 * the reason it is refused. prefer_udp: a translated Conn names a
 * correspondent address not ours (this host is behind a NAT of its own).
 */
static const char *choose_encap(const struct hmmpd_policy_in *in,
				const struct hmmpd_bind *b, bool prefer_udp,
				uint8_t *encap)
{
	bool udp_ok = in->src_port && !in->proxied;

	*encap = b->encap;
	if (b->encap == HMMP_ENCAP_UDP) {
		if (in->proxied)
			return HMMPD_POLICY_UDP_PROXIED;
		if (!in->src_port)
			return HMMPD_POLICY_UDP_NOT_UDP;
	} else if (b->encap == HMMPD_ENCAP_AUTO) {
		/* a NAT on either side: udp crosses it where it can be */
		*encap = udp_ok && (b->coa != in->src || prefer_udp) ?
			 HMMP_ENCAP_UDP : conf_encap(in->conf, udp_ok);
	}
	return NULL;
}

/* What the identities of binding b's Conns found (xrec: by body Conn). */
struct idstat {
	unsigned int nx;	/* translated: matched, another 4-tuple */
	unsigned int nproven;	/* matched, whatever the 4-tuple */
	bool all_x;		/* every Conn translated (and there is one) */
	bool prefer_udp;	/* one's correspondent address is not ours */
	bool other_peer;	/* one's record's peer is another [peer]'s */
};

/*
 * owned: the original address is the credentials' peer's (hmmpd.conf), so
 * an address binding covers what the identities do not and a Conn with
 * the record's own 4-tuple needs no translation; otherwise every proven
 * Conn is translated, to its own 4-tuple when no NAT rewrote it, and
 * nothing else is granted (deny by default, issue 16 items 1 and 13).
 */
static struct idstat identities(const struct hmmpd_policy_in *in,
				const struct hmmpd_bind *b, bool owned,
				const struct hmmp_conn **xrec)
{
	struct idstat st = { 0 };
	unsigned int k;

	for (k = b->first_conn; k < b->first_conn + b->nconn; k++) {
		const struct hmmpd_tcp *t = &in->body->conn[k];
		const struct hmmp_conn *c = by_identity(in, t);
		bool same = c && same_view(c, t);

		xrec[k] = c && (!same || !owned) ? c : NULL;
		if (!c)
			continue;
		st.nproven++;
		/* the address a translation diverts: the original's rule */
		if (!peer_allows(in, c->remote))
			st.other_peer = true;
		if (same)
			continue;
		st.nx++;
		if (!hmmpd_addr_is_local(in->addrs, in->naddrs, t->raddr))
			st.prefer_udp = true;
	}
	st.all_x = b->nconn && st.nx == b->nconn;
	if (!owned && st.nproven)
		st.all_x = true;	/* no address binding */
	return st;
}

static int refuse_x(struct hmmpd_policy *p, const struct hmmp_conn **xrec,
		    unsigned int bind, const char *why)
{
	free(xrec);
	return refuse(p, bind, why);
}

/* Binding i's translations: the record's view, as the Conn says the peer's is. */
static int add_xlates(const struct hmmpd_policy_in *in, struct hmmpd_policy *p,
		      unsigned int *cap, unsigned int i,
		      const struct hmmp_conn **xrec, uint32_t coa, bool udp,
		      uint8_t encap, uint32_t life)
{
	const struct hmmpd_bind *b = &in->body->bind[i];
	unsigned int k;
	int ret;

	for (k = b->first_conn; xrec && k < b->first_conn + b->nconn; k++) {
		const struct hmmpd_tcp *t = &in->body->conn[k];
		const struct hmmp_conn *c = xrec[k];
		struct hmmp_xlate x;

		if (!c)
			continue;
		hmmpd_xlate_make(&x, c->orig_local, c->lport, c->remote,
				 c->rport, t->laddr, t->lport, t->raddr,
				 t->rport, coa, encap, life);
		if (udp)
			hmmpd_xlate_set_port(&x, in->src_port);
		ret = add_xop(p, cap, false, &x, i, k);
		if (ret)
			return ret;
	}
	return 0;
}

int hmmpd_policy_decide(const struct hmmpd_policy_in *in,
			struct hmmpd_policy *p)
{
	const struct hmmpd_conf *conf = in->conf;
	const struct hmmpd_body *body = in->body;
	uint32_t local[MAX_LOCAL];
	unsigned int i, k, cap = 0, nlocal, nlive;
	uint8_t kind[HMMPD_BODY_MAX_BINDINGS], encap[HMMPD_BODY_MAX_BINDINGS];
	struct idstat id[HMMPD_BODY_MAX_BINDINGS];
	bool owned[HMMPD_BODY_MAX_BINDINGS], claim[HMMPD_BODY_MAX_BINDINGS];
	const struct hmmp_conn **xrec = NULL;
	const char *why;
	int ret;

	memset(p, 0, sizeof(*p));
	if (body->nconn) {
		xrec = calloc(body->nconn, sizeof(*xrec));
		if (!xrec)
			goto nomem;
	}
	/* every check first, then the operations */
	for (i = 0; i < body->nbind; i++) {
		const struct hmmpd_bind *b = &body->bind[i];
		bool corr = conf->roles & HMMP_ROLE_CORRESPONDENT;
		bool router = conf->roles & HMMP_ROLE_ROUTER;

		claim[i] = b->lifetime && b->orig == b->coa &&
			   b->kind != HMMP_BIND_CORRESPONDENT;
		if (claim[i]) {
			kind[i] = HMMP_BIND_ROUTER;
			encap[i] = HMMP_ENCAP_IPIP;	/* none installed */
			if ((why = claim_check(in, b)))
				return refuse_x(p, xrec, i, why);
			continue;
		}
		nlive = live_with(in, b->orig, local, MAX_LOCAL, &nlocal);
		owned[i] = peer_owns(in, b->orig);
		/* translations are the correspondent's: a router has none */
		id[i] = corr && b->kind != HMMP_BIND_ROUTER ?
			identities(in, b, owned[i], xrec) : (struct idstat){ 0 };
		kind[i] = b->kind;
		if (!kind[i]) {
			if (corr && (nlive || id[i].nproven ||
				     !conf->require_connection || !router))
				kind[i] = HMMP_BIND_CORRESPONDENT;
			else if (router)
				kind[i] = HMMP_BIND_ROUTER;
			else
				return refuse_x(p, xrec, i, "this host takes no bindings");
		}
		if (kind[i] != HMMP_BIND_CORRESPONDENT && id[i].nproven) {
			for (k = b->first_conn; k < b->first_conn + b->nconn; k++)
				xrec[k] = NULL;
			id[i] = (struct idstat){ 0 };
		}
		if (kind[i] == HMMP_BIND_CORRESPONDENT && !corr)
			return refuse_x(p, xrec, i, "this host is no correspondent");
		if (kind[i] == HMMP_BIND_ROUTER && !router)
			return refuse_x(p, xrec, i, "this host is no router");
		if (hmmpd_addr_is_local(in->addrs, in->naddrs, b->orig))
			return refuse_x(p, xrec, i, "original address is this host's");
		if (!peer_allows(in, b->orig))
			return refuse_x(p, xrec, i, "original address belongs to another peer");
		if (id[i].other_peer)
			return refuse_x(p, xrec, i, "a connection's address belongs to another peer");
		if (!b->lifetime)
			encap[i] = b->encap;	/* a release: none installed */
		else if ((why = choose_encap(in, b, id[i].prefer_udp, &encap[i])))
			return refuse_x(p, xrec, i, why);
		if (b->lifetime && encap[i] != HMMP_ENCAP_UDP && b->coa != in->src)
			return refuse_x(p, xrec, i, in->proxied ?
				      "care-of address is not the request's origin (Via)" :
				      "care-of address is not the request's source");
		/* translations only: the identities prove the connections */
		if (!b->lifetime && b->orig != in->src && b->coa != in->src &&
		    !id[i].all_x)
			return refuse_x(p, xrec, i, in->proxied ?
				      "release not sent from the address (Via)" :
				      "release not sent from the address");
		if (!b->lifetime)
			continue;
		if (kind[i] == HMMP_BIND_CORRESPONDENT && !owned[i] &&
		    !id[i].nproven)
			return refuse_x(p, xrec, i, HMMPD_POLICY_NOT_PROVEN);
		if (kind[i] == HMMP_BIND_CORRESPONDENT && !nlive && !id[i].nx &&
		    conf->require_connection)
			return refuse_x(p, xrec, i, "no live connection with the original address");
		if (kind[i] == HMMP_BIND_ROUTER &&
		    !hmmpd_addr_on_link(in->addrs, in->naddrs, b->orig))
			return refuse_x(p, xrec, i, "original address is on none of this host's links");
		if (kind[i] == HMMP_BIND_ROUTER && !owned[i] &&
		    !claimed(in, b->orig))
			return refuse_x(p, xrec, i, HMMPD_POLICY_NOT_CLAIMED);
	}

	for (i = 0; i < body->nbind; i++) {
		const struct hmmpd_bind *b = &body->bind[i];
		uint32_t life = b->lifetime < conf->max_lifetime ? b->lifetime
								 : conf->max_lifetime;
		/* udp: where the request came from, the NAT's mapping */
		bool udp = encap[i] == HMMP_ENCAP_UDP;
		uint32_t coa = udp ? in->src : b->coa;
		struct hmmp_binding nb;
		size_t j;

		/* a claim: recorded; the router's bindings of A are over */
		if (claim[i]) {
			life = b->lifetime < conf->claim_lifetime ?
			       b->lifetime : conf->claim_lifetime;
			hmmpd_binding_make(&nb, b->orig, 0, HMMP_BIND_ROUTER,
					   b->orig, HMMP_ENCAP_IPIP, life);
			ret = add_op(p, &cap, false, &nb, i, 0);
			if (ret)
				goto nomem;
			p->ops[p->n - 1].claim = true;
			for (j = 0; j < in->nbinds; j++) {
				if (in->binds[j].orig != b->orig ||
				    in->binds[j].kind != HMMP_BIND_ROUTER)
					continue;
				ret = add_op(p, &cap, true, &in->binds[j], i, 0);
				if (ret)
					goto nomem;
			}
			continue;
		}

		/* a release: the translations, then the address bindings */
		if (!b->lifetime) {
			for (k = b->first_conn; k < b->first_conn + b->nconn; k++) {
				const struct hmmp_conn *c = xrec ? xrec[k] : NULL;
				struct hmmp_xlate x;

				if (!c)
					continue;
				hmmpd_xlate_make(&x, c->orig_local, c->lport,
						 c->remote, c->rport, 0, 0, 0, 0,
						 0, 0, 0);
				ret = add_xop(p, &cap, true, &x, i, k);
				if (ret)
					goto nomem;
			}
			/* translations only: no address binding to release */
			if (id[i].all_x && owned[i])
				continue;
			for (j = 0; j < in->nbinds; j++) {
				const struct hmmp_binding *o = &in->binds[j];

				if (o->orig != b->orig || o->kind != kind[i])
					continue;
				/* home again: all; else only the sender's own */
				if (b->orig != in->src && !to_sender(in, o))
					continue;
				ret = add_op(p, &cap, true, o, i, 0);
				if (ret)
					goto nomem;
			}
			continue;
		}
		if (kind[i] == HMMP_BIND_ROUTER) {
			hmmpd_binding_make(&nb, b->orig, 0, HMMP_BIND_ROUTER,
					   coa, encap[i], life);
			if (udp)
				hmmpd_binding_set_port(&nb, in->src_port);
			ret = add_op(p, &cap, false, &nb, i, 0);
			if (ret)
				goto nomem;
			continue;
		}
		ret = add_xlates(in, p, &cap, i, xrec, coa, udp, encap[i], life);
		if (ret)
			goto nomem;
		/*
		 * No address binding when every connection is translated,
		 * nor when none is live and some are: two mobiles behind
		 * two NATs may have the same private original.
		 */
		nlive = live_with(in, b->orig, local, MAX_LOCAL, &nlocal);
		if (id[i].all_x || (!nlive && id[i].nx))
			continue;
		if (!nlocal) {
			/* none there (not required), or too many: any peer */
			hmmpd_binding_make(&nb, b->orig, 0, HMMP_BIND_CORRESPONDENT,
					   coa, encap[i], life);
			if (udp)
				hmmpd_binding_set_port(&nb, in->src_port);
			ret = add_op(p, &cap, false, &nb, i, 0);
			if (ret)
				goto nomem;
			continue;
		}
		for (k = 0; k < nlocal; k++) {
			hmmpd_binding_make(&nb, b->orig, local[k],
					   HMMP_BIND_CORRESPONDENT, coa,
					   encap[i], life);
			if (udp)
				hmmpd_binding_set_port(&nb, in->src_port);
			ret = add_op(p, &cap, false, &nb, i,
				     live_via(in, b->orig, local[k]));
			if (ret)
				goto nomem;
		}
	}
	free(xrec);
	return 0;
nomem:
	free(xrec);
	hmmpd_policy_free(p);
	snprintf(p->reason, sizeof(p->reason), "Out of memory");
	return 500;
}
