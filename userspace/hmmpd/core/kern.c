// SPDX-License-Identifier: GPL-2.0
/* hmmpd: requests to hmmp.ko (see kern.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "kern.h"

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

void hmmpd_conns_free(struct hmmpd_conns *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void hmmpd_bindings_free(struct hmmpd_bindings *b)
{
	free(b->v);
	memset(b, 0, sizeof(*b));
}

void hmmpd_xlates_free(struct hmmpd_xlates *x)
{
	free(x->v);
	memset(x, 0, sizeof(*x));
}

static int add_conn(struct nl_msg *msg, void *arg)
{
	struct hmmpd_conns *out = arg;
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_conn c;

	if (hmmp_msg_parse(msg, tb) || hmmp_conn_parse(tb[HMMP_A_CONN], &c))
		return HMMP_NL_BAD;
	if (grow((void **)&out->v, &out->cap, out->n, sizeof(c)))
		return -NLE_NOMEM;
	out->v[out->n++] = c;
	return 0;
}

int hmmpd_kern_conns(struct hmmp_nl *nl, uint32_t filter_addr,
		     struct hmmpd_conns *out)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_CONN_GET, NLM_F_DUMP);

	if (!msg)
		return HMMP_EXIT_KERNEL;
	if (filter_addr && nla_put_u32(msg, HMMP_A_FILTER_ADDR, filter_addr)) {
		nlmsg_free(msg);
		snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	return hmmp_nl_talk(nl, msg, add_conn, out);
}

static int add_binding(struct nl_msg *msg, void *arg)
{
	struct hmmpd_bindings *out = arg;
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_binding b;

	if (hmmp_msg_parse(msg, tb) || hmmp_binding_parse(tb[HMMP_A_BINDING], &b))
		return HMMP_NL_BAD;
	if (grow((void **)&out->v, &out->cap, out->n, sizeof(b)))
		return -NLE_NOMEM;
	out->v[out->n++] = b;
	return 0;
}

int hmmpd_kern_bindings(struct hmmp_nl *nl, struct hmmpd_bindings *out)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_BINDING_GET, NLM_F_DUMP);

	if (!msg)
		return HMMP_EXIT_KERNEL;
	return hmmp_nl_talk(nl, msg, add_binding, out);
}

void hmmpd_binding_make(struct hmmp_binding *b, uint32_t orig, uint32_t peer,
			uint8_t kind, uint32_t coa, uint8_t encap,
			uint32_t lifetime)
{
	memset(b, 0, sizeof(*b));
	b->orig = orig;
	b->peer = peer;
	b->kind = kind;
	b->coa = coa;
	b->encap = encap;
	b->lifetime = lifetime;
	HMMP_SET(b, HMMP_BIND_A_ORIG);
	HMMP_SET(b, HMMP_BIND_A_PEER);
	HMMP_SET(b, HMMP_BIND_A_KIND);
	HMMP_SET(b, HMMP_BIND_A_COA);
	HMMP_SET(b, HMMP_BIND_A_ENCAP);
	HMMP_SET(b, HMMP_BIND_A_LIFETIME);
}

void hmmpd_binding_set_port(struct hmmp_binding *b, uint16_t port)
{
	b->port = port;
	HMMP_SET(b, HMMP_BIND_A_PORT);
}

/* Only the request attributes: a dumped record carries reply-only ones. */
static int put_request(struct nl_msg *msg, const struct hmmp_binding *b)
{
	struct hmmp_binding r = *b;

	r.have &= (1u << HMMP_BIND_A_ORIG) | (1u << HMMP_BIND_A_PEER) |
		  (1u << HMMP_BIND_A_KIND) | (1u << HMMP_BIND_A_COA) |
		  (1u << HMMP_BIND_A_ENCAP) | (1u << HMMP_BIND_A_LIFETIME) |
		  (1u << HMMP_BIND_A_MIN_SRC) | (1u << HMMP_BIND_A_PORT);
	return hmmp_binding_put(msg, &r);
}

/*
 * Linux 6.1 and later refuse NLM_F_CREATE and NLM_F_REPLACE on a generic
 * netlink request to a family that validates its headers (it does unless
 * it sets resv_start_op past its commands): "ambiguous or reserved bits
 * set in nlmsg_flags". Then a replace is a create, or on EEXIST a delete
 * and a create: not atomic (a packet in between is not tunnelled), so the
 * atomic form is tried first and the fallback remembered.
 */
static bool replace_refused;

void hmmpd_kern_forget(void)
{
	replace_refused = false;
}

static int binding_new(struct hmmp_nl *nl, const struct hmmp_binding *b,
		       int flags)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_BINDING_NEW, flags);

	if (!msg)
		return HMMP_EXIT_KERNEL;
	if (put_request(msg, b)) {
		nlmsg_free(msg);
		snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	return hmmp_nl_talk(nl, msg, NULL, NULL);
}

int hmmpd_kern_binding_set(struct hmmp_nl *nl, const struct hmmp_binding *b)
{
	int ret;

	if (!replace_refused) {
		ret = binding_new(nl, b, NLM_F_CREATE | NLM_F_REPLACE);
		if (!ret || nl->err != EINVAL || !strstr(nl->msg, "nlmsg_flags"))
			return ret;
		replace_refused = true;
	}
	ret = binding_new(nl, b, 0);
	if (!ret || nl->err != EEXIST)
		return ret;
	ret = hmmpd_kern_binding_del(nl, b->orig,
				     HMMP_HAVE(b, HMMP_BIND_A_PEER) ? b->peer : 0,
				     HMMP_HAVE(b, HMMP_BIND_A_KIND) ? b->kind
								    : HMMP_BIND_CORRESPONDENT);
	return ret ? ret : binding_new(nl, b, 0);
}

int hmmpd_kern_binding_del(struct hmmp_nl *nl, uint32_t orig, uint32_t peer,
			   uint8_t kind)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_BINDING_DEL, 0);
	struct hmmp_binding b = { 0 };
	int ret;

	if (!msg)
		return HMMP_EXIT_KERNEL;
	b.orig = orig;
	b.peer = peer;
	b.kind = kind;
	HMMP_SET(&b, HMMP_BIND_A_ORIG);
	HMMP_SET(&b, HMMP_BIND_A_PEER);
	HMMP_SET(&b, HMMP_BIND_A_KIND);
	if (hmmp_binding_put(msg, &b)) {
		nlmsg_free(msg);
		snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	ret = hmmp_nl_talk(nl, msg, NULL, NULL);
	if (ret && nl->err == ENOENT) {
		nl->msg[0] = '\0';
		return 0;
	}
	return ret;
}

static int get_count(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HMMP_A_MAX + 1];

	if (hmmp_msg_parse(msg, tb))
		return HMMP_NL_BAD;
	if (tb[HMMP_A_COUNT])
		*(uint32_t *)arg = nla_get_u32(tb[HMMP_A_COUNT]);
	return 0;
}

static int add_xlate(struct nl_msg *msg, void *arg)
{
	struct hmmpd_xlates *out = arg;
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_xlate x;

	if (hmmp_msg_parse(msg, tb) || hmmp_xlate_parse(tb[HMMP_A_XLATE], &x))
		return HMMP_NL_BAD;
	if (grow((void **)&out->v, &out->cap, out->n, sizeof(x)))
		return -NLE_NOMEM;
	out->v[out->n++] = x;
	return 0;
}

int hmmpd_kern_xlates(struct hmmp_nl *nl, struct hmmpd_xlates *out)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_XLATE_GET, NLM_F_DUMP);

	if (!msg)
		return HMMP_EXIT_KERNEL;
	return hmmp_nl_talk(nl, msg, add_xlate, out);
}

void hmmpd_xlate_make(struct hmmp_xlate *x, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport, uint32_t peer_laddr,
		      uint16_t peer_lport, uint32_t peer_raddr,
		      uint16_t peer_rport, uint32_t coa, uint8_t encap,
		      uint32_t lifetime)
{
	static const int attrs[] = {
		HMMP_XLATE_A_LADDR, HMMP_XLATE_A_LPORT, HMMP_XLATE_A_RADDR,
		HMMP_XLATE_A_RPORT, HMMP_XLATE_A_PEER_LADDR,
		HMMP_XLATE_A_PEER_LPORT, HMMP_XLATE_A_PEER_RADDR,
		HMMP_XLATE_A_PEER_RPORT, HMMP_XLATE_A_COA, HMMP_XLATE_A_ENCAP,
		HMMP_XLATE_A_LIFETIME,
	};
	size_t i;

	memset(x, 0, sizeof(*x));
	x->laddr = laddr;
	x->lport = lport;
	x->raddr = raddr;
	x->rport = rport;
	x->peer_laddr = peer_laddr;
	x->peer_lport = peer_lport;
	x->peer_raddr = peer_raddr;
	x->peer_rport = peer_rport;
	x->coa = coa;
	x->encap = encap;
	x->lifetime = lifetime;
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		HMMP_SET(x, attrs[i]);
}

void hmmpd_xlate_set_port(struct hmmp_xlate *x, uint16_t port)
{
	x->port = port;
	HMMP_SET(x, HMMP_XLATE_A_PORT);
}

/* The key only, or every request attribute: never a reply-only one. */
static int xlate_request(struct hmmp_nl *nl, uint8_t cmd, int flags,
			 const struct hmmp_xlate *x, bool key_only)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, cmd, flags);
	struct hmmp_xlate r = *x;
	uint32_t keep = (1u << HMMP_XLATE_A_LADDR) | (1u << HMMP_XLATE_A_LPORT) |
			(1u << HMMP_XLATE_A_RADDR) | (1u << HMMP_XLATE_A_RPORT);

	if (!key_only)
		keep |= (1u << HMMP_XLATE_A_PEER_LADDR) |
			(1u << HMMP_XLATE_A_PEER_LPORT) |
			(1u << HMMP_XLATE_A_PEER_RADDR) |
			(1u << HMMP_XLATE_A_PEER_RPORT) |
			(1u << HMMP_XLATE_A_COA) | (1u << HMMP_XLATE_A_PORT) |
			(1u << HMMP_XLATE_A_ENCAP) | (1u << HMMP_XLATE_A_LIFETIME);
	r.have &= keep;
	if (!msg)
		return HMMP_EXIT_KERNEL;
	if (hmmp_xlate_put(msg, &r)) {
		nlmsg_free(msg);
		snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	return hmmp_nl_talk(nl, msg, NULL, NULL);
}

int hmmpd_kern_xlate_del(struct hmmp_nl *nl, const struct hmmp_xlate *x)
{
	int ret = xlate_request(nl, HMMP_CMD_XLATE_DEL, 0, x, true);

	if (ret && nl->err == ENOENT) {
		nl->msg[0] = '\0';
		return 0;
	}
	return ret;
}

int hmmpd_kern_xlate_set(struct hmmp_nl *nl, const struct hmmp_xlate *x)
{
	int ret;

	/* the flags' refusal is the family's: learnt once (replace_refused) */
	if (!replace_refused) {
		ret = xlate_request(nl, HMMP_CMD_XLATE_NEW,
				    NLM_F_CREATE | NLM_F_REPLACE, x, false);
		if (!ret || nl->err != EINVAL || !strstr(nl->msg, "nlmsg_flags"))
			return ret;
		replace_refused = true;
	}
	ret = xlate_request(nl, HMMP_CMD_XLATE_NEW, 0, x, false);
	if (!ret || nl->err != EEXIST)
		return ret;
	ret = hmmpd_kern_xlate_del(nl, x);
	return ret ? ret : xlate_request(nl, HMMP_CMD_XLATE_NEW, 0, x, false);
}

int hmmpd_kern_handoff(struct hmmp_nl *nl, uint32_t old_addr,
		       uint32_t new_addr, uint32_t *count)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_HANDOFF, 0);

	*count = 0;
	if (!msg)
		return HMMP_EXIT_KERNEL;
	if ((old_addr && nla_put_u32(msg, HMMP_A_HANDOFF_OLD, old_addr)) ||
	    nla_put_u32(msg, HMMP_A_HANDOFF_NEW, new_addr)) {
		nlmsg_free(msg);
		snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	return hmmp_nl_talk(nl, msg, get_count, count);
}

int hmmpd_kern_set_roles(struct hmmp_nl *nl, uint32_t roles)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_CONFIG_SET, 0);
	struct nlattr *nest;

	if (!msg)
		return HMMP_EXIT_KERNEL;
	nest = nla_nest_start(msg, HMMP_A_CONFIG);
	if (!nest || nla_put_u32(msg, HMMP_CFG_A_ROLES, roles)) {
		nlmsg_free(msg);
		snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	nla_nest_end(msg, nest);
	return hmmp_nl_talk(nl, msg, NULL, NULL);
}

static int get_udp_port(struct nl_msg *msg, void *arg)
{
	static struct nla_policy pol[HMMP_CFG_A_MAX + 1] = {
		[HMMP_CFG_A_UDP_PORT] = { .type = NLA_U16 },
	};
	struct nlattr *tb[HMMP_A_MAX + 1], *cfg[HMMP_CFG_A_MAX + 1];
	int *seen = arg;

	if (hmmp_msg_parse(msg, tb))
		return HMMP_NL_BAD;
	if (!tb[HMMP_A_CONFIG])
		return 0;
	if (nla_parse_nested(cfg, HMMP_CFG_A_MAX, tb[HMMP_A_CONFIG], pol))
		return HMMP_NL_BAD;
	if (cfg[HMMP_CFG_A_UDP_PORT])
		*seen = ntohs(nla_get_u16(cfg[HMMP_CFG_A_UDP_PORT]));
	return 0;
}

int hmmpd_kern_tunnel_sock(struct hmmp_nl *nl, int fd, uint16_t *port)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_TUNNEL_SOCK, 0);
	int seen = -1, ret;

	*port = 0;
	if (!msg)
		return HMMP_EXIT_KERNEL;
	if (fd >= 0 && nla_put_u32(msg, HMMP_A_SOCK_FD, (uint32_t)fd)) {
		nlmsg_free(msg);
		snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	ret = hmmp_nl_talk(nl, msg, get_udp_port, &seen);
	if (ret)
		return ret;
	/* attached: the module says on which port; detached: none */
	if (fd >= 0 && seen < 0) {
		snprintf(nl->msg, sizeof(nl->msg),
			 "malformed reply from the kernel: no udp_port");
		return HMMP_EXIT_KERNEL;
	}
	*port = seen >= 0 ? (uint16_t)seen : 0;
	return 0;
}

int hmmpd_conn_live(const struct hmmp_conn *c)
{
	/* Spoofed segments make records too: live only once hmmp.ko saw
	 * this host send on it (a module without the attribute cannot say).
	 */
	if (HMMP_HAVE(c, HMMP_CONN_A_CONFIRMED) && !c->confirmed)
		return 0;
	switch (c->state) {
	case HMMP_CONN_SETUP_REQ:
	case HMMP_CONN_SETUP_PROG:
	case HMMP_CONN_ESTABLISHED:
	case HMMP_CONN_RELEASE_REQ:
		return 1;
	default:
		return 0;
	}
}
