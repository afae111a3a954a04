// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: hand-off planning (see plan.h). The records are filtered into a
 * flat list of (correspondent, original address, ports), sorted, and the
 * sorted list is cut into INFOs and bindings: the order of the input never
 * shows in the output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/linux/hmmp.h>

#include "plan.h"

struct entry {
	uint32_t remote, orig;		/* host order, for sorting */
	uint16_t lport, rport;
	bool release;
	bool isn;			/* both ISNs known: the identity */
	uint32_t isn_local, isn_remote;
};

/* The connection: its 4-tuple. */
static int tuple_cmp(const struct entry *x, const struct entry *y)
{
	if (x->remote != y->remote)
		return x->remote < y->remote ? -1 : 1;
	if (x->orig != y->orig)
		return x->orig < y->orig ? -1 : 1;
	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if (x->rport != y->rport)
		return x->rport < y->rport ? -1 : 1;
	return 0;
}

/*
 * The 4-tuple, then the identity: of two records of one 4-tuple (a dump
 * that saw it twice) the same one is kept whatever the input order.
 */
static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int r = tuple_cmp(x, y);

	if (r)
		return r;
	if (x->isn != y->isn)
		return x->isn ? -1 : 1;
	if (x->isn_local != y->isn_local)
		return x->isn_local < y->isn_local ? -1 : 1;
	if (x->isn_remote != y->isn_remote)
		return x->isn_remote < y->isn_remote ? -1 : 1;
	return 0;
}

void hmmpd_plan_free(struct hmmpd_plan *p)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		hmmpd_body_free(&p->info[i].body);
	free(p->info);
	memset(p, 0, sizeof(*p));
}

static struct hmmpd_plan_info *info_new(struct hmmpd_plan *p, unsigned int *cap,
					uint8_t kind, uint32_t dest,
					uint32_t expires)
{
	struct hmmpd_plan_info *in;

	if (p->n == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 8;
		struct hmmpd_plan_info *v = realloc(p->info, ncap * sizeof(*v));

		if (!v)
			return NULL;
		p->info = v;
		*cap = ncap;
	}
	in = &p->info[p->n++];
	in->kind = kind;
	in->dest = dest;
	in->expires = expires;
	hmmpd_body_init(&in->body);
	return in;
}

static bool live_state(uint8_t state)
{
	switch (state) {
	case HMMP_CONN_SETUP_REQ:
	case HMMP_CONN_SETUP_PROG:
	case HMMP_CONN_ESTABLISHED:
	case HMMP_CONN_RELEASE_REQ:
		return true;
	default:
		return false;
	}
}

/* Sort one record into the list, or into a counter. */
static void classify(const struct hmmpd_plan_in *in, const struct hmmp_conn *c,
		     struct hmmpd_plan *p, struct entry *list, size_t *n)
{
	struct entry *e;

	if (c->state == HMMP_CONN_RELEASE_ACK || c->state == HMMP_CONN_DISCONNECT) {
		p->skipped_closing++;
		return;
	}
	if (!live_state(c->state) ||
	    (in->old_addr && c->cur_local != in->old_addr &&
	     c->cur_local != in->new_addr) ||
	    !hmmpd_addr_unicast(c->orig_local) || !hmmpd_addr_unicast(c->remote) ||
	    c->remote == c->orig_local || c->remote == in->new_addr ||
	    (in->old_addr && c->remote == in->old_addr) ||
	    !c->lport || !c->rport) {
		p->skipped_other++;
		return;
	}
	e = &list[(*n)++];
	e->remote = ntohl(c->remote);
	e->orig = ntohl(c->orig_local);
	e->lport = c->lport;
	e->rport = c->rport;
	e->release = false;
	/* both SYNs seen (not a record picked up mid-stream): its identity */
	e->isn = HMMP_HAVE(c, HMMP_CONN_A_ISN_LOCAL) &&
		 HMMP_HAVE(c, HMMP_CONN_A_ISN_REMOTE);
	e->isn_local = e->isn ? c->isn_local : 0;
	e->isn_remote = e->isn ? c->isn_remote : 0;
	if (c->orig_local != in->new_addr)
		return;
	/* home: was it ever away? */
	if (c->cur_local != c->orig_local ||
	    (c->prev_local && c->prev_local != c->orig_local)) {
		e->release = true;
		return;
	}
	(*n)--;
	p->skipped_home++;
}

static int plan_gateway(const struct hmmpd_plan_in *in, struct hmmpd_plan *p,
			unsigned int *cap)
{
	struct hmmpd_plan_info *info;

	if (!in->gateway || !in->gateway_lifetime || !in->old_addr ||
	    in->old_addr == in->new_addr || !hmmpd_addr_unicast(in->old_addr) ||
	    !hmmpd_addr_unicast(in->gateway) || in->gateway == in->old_addr ||
	    in->gateway == in->new_addr)
		return 0;
	info = info_new(p, cap, HMMP_BIND_ROUTER, in->gateway,
			in->gateway_lifetime);
	if (!info)
		return -ENOMEM;
	hmmpd_body_add_bind(&info->body, in->old_addr, in->new_addr,
			    in->gateway_lifetime, in->encap, HMMP_BIND_ROUTER);
	if (in->encap == HMMP_ENCAP_UDP)
		info->body.bind[0].port = in->port;
	return 0;
}

int hmmpd_plan_build(const struct hmmpd_plan_in *in, struct hmmpd_plan *p)
{
	struct hmmpd_plan_info *info = NULL;
	struct entry *list = NULL;
	unsigned int cap = 0;
	size_t i, n = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!hmmpd_addr_unicast(in->new_addr) || !in->lifetime ||
	    (in->encap != HMMP_ENCAP_IPIP && in->encap != HMMP_ENCAP_MINIMAL &&
	     in->encap != HMMP_ENCAP_UDP && in->encap != HMMPD_ENCAP_AUTO) ||
	    (in->nconns && !in->conns))
		return -EINVAL;
	if (in->nconns) {
		list = calloc(in->nconns, sizeof(*list));
		if (!list)
			return -ENOMEM;
	}
	for (i = 0; i < in->nconns; i++)
		classify(in, &in->conns[i], p, list, &n);
	if (n)
		qsort(list, n, sizeof(*list), entry_cmp);

	ret = plan_gateway(in, p, &cap);
	for (i = 0; !ret && i < n; i++) {
		const struct entry *e = &list[i];
		const struct entry *prev = i ? &list[i - 1] : NULL;
		struct hmmpd_tcp t = {
			.laddr = htonl(e->orig), .raddr = htonl(e->remote),
			.lport = e->lport, .rport = e->rport,
			/* the mobile's ISN, then the correspondent's */
			.isn_l = e->isn_local, .isn_r = e->isn_remote,
			.flags = e->isn ? HMMPD_TCP_ISN : 0,
		};
		bool new_info, new_bind;

		if (prev && !tuple_cmp(prev, e)) {
			p->duplicates++;
			continue;
		}
		new_info = !prev || prev->remote != e->remote ||
			   info->body.nconn == HMMPD_BODY_MAX_CONNS;
		new_bind = new_info || prev->orig != e->orig;
		if (!new_info && new_bind &&
		    info->body.nbind == HMMPD_BODY_MAX_BINDINGS)
			new_info = true;
		if (new_info) {
			info = info_new(p, &cap, HMMP_BIND_CORRESPONDENT,
					htonl(e->remote), 0);
			if (!info) {
				ret = -ENOMEM;
				break;
			}
		}
		if (new_bind || new_info) {
			/* never full: a new INFO was started before that */
			if (hmmpd_body_add_bind(&info->body, t.laddr,
						e->release ? t.laddr : in->new_addr,
						e->release ? 0 : in->lifetime,
						in->encap, HMMP_BIND_CORRESPONDENT)) {
				ret = -EINVAL;
				break;
			}
			if (!e->release)
				info->expires = in->lifetime;
			if (!e->release && in->encap == HMMP_ENCAP_UDP)
				info->body.bind[info->body.nbind - 1].port = in->port;
		}
		if (hmmpd_body_add_conn(&info->body, &t)) {
			ret = -ENOMEM;
			break;
		}
		if (e->release)
			p->released++;
		else
			p->covered++;
	}
	free(list);
	if (ret)
		hmmpd_plan_free(p);
	return ret;
}
