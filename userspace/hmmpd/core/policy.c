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
	op->del = del;
	op->b = *b;
	op->bind = bind;
	op->nconn = nconn;
	if (!del && b->lifetime && (!p->granted || b->lifetime < p->granted))
		p->granted = b->lifetime;
	return 0;
}

/* The credentials may bind orig unless hmmpd.conf gives it to another peer. */
static bool peer_allows(const struct hmmpd_policy_in *in, uint32_t orig)
{
	const struct hmmpd_peer *owner = hmmpd_conf_peer_by_addr(in->conf, orig);
	unsigned int i;

	if (!owner)
		return true;
	for (i = 0; i < in->npeers; i++)
		if (!strcmp(in->peers[i], owner->name))
			return true;
	return false;
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
 * the reason it is refused.
 */
static const char *choose_encap(const struct hmmpd_policy_in *in,
				const struct hmmpd_bind *b, uint8_t *encap)
{
	bool udp_ok = in->src_port && !in->proxied;

	*encap = b->encap;
	if (b->encap == HMMP_ENCAP_UDP) {
		if (in->proxied)
			return HMMPD_POLICY_UDP_PROXIED;
		if (!in->src_port)
			return HMMPD_POLICY_UDP_NOT_UDP;
	} else if (b->encap == HMMPD_ENCAP_AUTO) {
		*encap = udp_ok && b->coa != in->src ? HMMP_ENCAP_UDP
						     : conf_encap(in->conf, udp_ok);
	}
	return NULL;
}

int hmmpd_policy_decide(const struct hmmpd_policy_in *in,
			struct hmmpd_policy *p)
{
	const struct hmmpd_conf *conf = in->conf;
	const struct hmmpd_body *body = in->body;
	uint32_t local[MAX_LOCAL];
	unsigned int i, k, cap = 0, nlocal, nlive;
	uint8_t kind[HMMPD_BODY_MAX_BINDINGS], encap[HMMPD_BODY_MAX_BINDINGS];
	const char *why;
	int ret;

	memset(p, 0, sizeof(*p));
	/* every check first, then the operations */
	for (i = 0; i < body->nbind; i++) {
		const struct hmmpd_bind *b = &body->bind[i];
		bool corr = conf->roles & HMMP_ROLE_CORRESPONDENT;
		bool router = conf->roles & HMMP_ROLE_ROUTER;

		nlive = live_with(in, b->orig, local, MAX_LOCAL, &nlocal);
		kind[i] = b->kind;
		if (!kind[i]) {
			if (corr && (nlive || !conf->require_connection || !router))
				kind[i] = HMMP_BIND_CORRESPONDENT;
			else if (router)
				kind[i] = HMMP_BIND_ROUTER;
			else
				return refuse(p, i, "this host takes no bindings");
		}
		if (kind[i] == HMMP_BIND_CORRESPONDENT && !corr)
			return refuse(p, i, "this host is no correspondent");
		if (kind[i] == HMMP_BIND_ROUTER && !router)
			return refuse(p, i, "this host is no router");
		if (hmmpd_addr_is_local(in->addrs, in->naddrs, b->orig))
			return refuse(p, i, "original address is this host's");
		if (!peer_allows(in, b->orig))
			return refuse(p, i, "original address belongs to another peer");
		if (!b->lifetime)
			encap[i] = b->encap;	/* a release: none installed */
		else if ((why = choose_encap(in, b, &encap[i])))
			return refuse(p, i, why);
		if (b->lifetime && encap[i] != HMMP_ENCAP_UDP && b->coa != in->src)
			return refuse(p, i, in->proxied ?
				      "care-of address is not the request's origin (Via)" :
				      "care-of address is not the request's source");
		if (!b->lifetime && b->orig != in->src && b->coa != in->src)
			return refuse(p, i, in->proxied ?
				      "release not sent from the address (Via)" :
				      "release not sent from the address");
		if (!b->lifetime)
			continue;
		if (kind[i] == HMMP_BIND_CORRESPONDENT && !nlive &&
		    conf->require_connection)
			return refuse(p, i, "no live connection with the original address");
		if (kind[i] == HMMP_BIND_ROUTER &&
		    !hmmpd_addr_on_link(in->addrs, in->naddrs, b->orig))
			return refuse(p, i, "original address is on none of this host's links");
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

		if (!b->lifetime) {
			for (j = 0; j < in->nbinds; j++) {
				const struct hmmp_binding *o = &in->binds[j];

				if (o->orig != b->orig || o->kind != kind[i])
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
		nlive = live_with(in, b->orig, local, MAX_LOCAL, &nlocal);
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
	return 0;
nomem:
	hmmpd_policy_free(p);
	snprintf(p->reason, sizeof(p->reason), "Out of memory");
	return 500;
}
