/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small model of hmmp.ko's tables for hmmpd's unit tests, answering on
 * the fake generic netlink peer of fake_kernel.h: install it with
 * fm_setup() after fk_setup().
 *
 *  - CONN_GET dumps fm.conns (filtered on HMMP_A_FILTER_ADDR against the
 *    original, current and remote address, as the module does).
 *  - BINDING_GET dumps fm.binds.
 *  - BINDING_NEW follows the module's create/replace rules (no flag: create
 *    only, EEXIST when present; NLM_F_REPLACE: replace, ENOENT when absent
 *    unless NLM_F_CREATE too); a request carrying a reply-only attribute
 *    fails the test. fm.refuse_flags refuses NLM_F_CREATE/NLM_F_REPLACE
 *    with EINVAL, as Linux 6.1+ does for a family validating its headers;
 *    a binding of the original address fm.refuse_orig gets ENOSPC.
 *  - BINDING_DEL removes one (ENOENT when absent).
 *  - HANDOFF moves the connections whose current address is the old one
 *    (every connection without HMMP_A_HANDOFF_OLD) and replies the count.
 *    A udp binding without HMMP_BIND_A_PORT, or a port on another
 *    encapsulation, gets EINVAL, as from the module.
 *  - CONFIG_SET records the roles in fm.roles.
 *  - XLATE_NEW, XLATE_DEL, XLATE_GET: fm.xlates, keyed by the 4-tuple,
 *    with BINDING_NEW's create/replace rules (and fm.refuse_flags); a
 *    translation without the peer's view, coa or encap, or a udp one
 *    without a port (a port on another), gets EINVAL; reply-only
 *    attributes fail the test. CONN_GET reports the ISNs a connection
 *    has (fm_isn()).
 *  - TUNNEL_SOCK with HMMP_A_SOCK_FD checks, as the module does, that the
 *    descriptor (of this very process) is a bound AF_INET UDP socket
 *    (EBADF, EINVAL otherwise) and records its port in fm.udp_port
 *    (fm.tunnel_fd the descriptor); without it detaches (port 0). The
 *    reply carries HMMP_CFG_A_UDP_PORT unless fm.tunnel_no_reply.
 *  - Anything else: EOPNOTSUPP.
 * fm.changes counts the binding changes applied. Include <cmocka.h> first.
 */
#ifndef HMMP_FAKE_MODULE_H
#define HMMP_FAKE_MODULE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fake_kernel.h"
#include "objects.h"
#include "util.h"

#define FM_MAX	8

static struct {
	struct hmmp_conn conns[FM_MAX];
	int nconns;
	struct hmmp_binding binds[FM_MAX];
	int nbinds;
	struct hmmp_xlate xlates[FM_MAX];
	int nxlates;
	bool refuse_flags;
	uint32_t refuse_orig;
	uint32_t roles;
	int changes;
	uint16_t udp_port;		/* the tunnel socket's, 0: none */
	int tunnel_fd;			/* valid while udp_port != 0 */
	int tunnel_calls;
	bool tunnel_no_reply;		/* TUNNEL_SOCK replies no config */
} fm;

/* A test address in dotted quad, network order; a bad one fails the test. */
static inline uint32_t A(const char *s)
{
	uint32_t a = 0;

	if (hmmp_addr_parse(s, &a))
		fail_msg("bad test address %s", s);
	return a;
}

/* Add a connection to the model. */
static inline struct hmmp_conn *fm_conn(const char *orig, const char *cur,
					const char *remote, uint16_t lport,
					uint16_t rport, uint8_t state)
{
	struct hmmp_conn *c;

	assert_true(fm.nconns < FM_MAX);
	c = &fm.conns[fm.nconns++];
	memset(c, 0, sizeof(*c));
	c->orig_local = A(orig);
	c->cur_local = A(cur);
	c->remote = A(remote);
	c->lport = lport;
	c->rport = rport;
	c->state = state;
	return c;
}

static inline int fm_find(uint32_t orig, uint32_t peer, uint8_t kind)
{
	int i;

	for (i = 0; i < fm.nbinds; i++)
		if (fm.binds[i].orig == orig && fm.binds[i].peer == peer &&
		    fm.binds[i].kind == kind)
			return i;
	return -1;
}

static inline void fm_put_conn(struct nl_msg *m, const struct hmmp_conn *c)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONN);

	assert_non_null(n);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ORIG_LOCAL, c->orig_local), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_CUR_LOCAL, c->cur_local), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_REMOTE, c->remote), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_LPORT, htons(c->lport)), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_RPORT, htons(c->rport)), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_STATE, c->state), 0);
	if (HMMP_HAVE(c, HMMP_CONN_A_ISN_LOCAL))
		assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ISN_LOCAL, c->isn_local), 0);
	if (HMMP_HAVE(c, HMMP_CONN_A_ISN_REMOTE))
		assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ISN_REMOTE, c->isn_remote), 0);
	nla_nest_end(m, n);
}

static void fm_binding_new(const struct nlmsghdr *req, struct nlattr **tb)
{
	struct hmmp_binding b;
	int i;

	if (fm.refuse_flags && (req->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE))) {
		fk_ack(req, EINVAL, "ambiguous or reserved bits set in nlmsg_flags");
		return;
	}
	assert_int_equal(hmmp_binding_parse(tb[HMMP_A_BINDING], &b), 0);
	/* reply-only attributes are refused by the module's policy */
	assert_false(HMMP_HAVE(&b, HMMP_BIND_A_EXPIRES_MS));
	if ((HMMP_HAVE(&b, HMMP_BIND_A_ENCAP) && b.encap == HMMP_ENCAP_UDP) !=
	    HMMP_HAVE(&b, HMMP_BIND_A_PORT)) {
		fk_ack(req, EINVAL, "udp bindings and only they have a port");
		return;
	}
	if (fm.refuse_orig && b.orig == fm.refuse_orig) {
		fk_ack(req, ENOSPC, "binding table full (bind_max)");
		return;
	}
	i = fm_find(b.orig, b.peer, b.kind);
	if (req->nlmsg_flags & NLM_F_REPLACE) {
		if (i < 0 && !(req->nlmsg_flags & NLM_F_CREATE)) {
			fk_ack(req, ENOENT, NULL);
			return;
		}
	} else if (i >= 0) {
		fk_ack(req, EEXIST, "binding exists (use replace)");
		return;
	}
	if (i < 0) {
		if (fm.nbinds == FM_MAX) {
			fk_ack(req, ENOSPC, "binding table full (bind_max)");
			return;
		}
		i = fm.nbinds++;
	}
	fm.binds[i] = b;
	fm.changes++;
	fk_ack(req, 0, NULL);
}

/* Both ISNs of a model connection, as hmmp.ko reports them. */
static inline void fm_isn(struct hmmp_conn *c, uint32_t local, uint32_t remote)
{
	c->isn_local = local;
	c->isn_remote = remote;
	HMMP_SET(c, HMMP_CONN_A_ISN_LOCAL);
	HMMP_SET(c, HMMP_CONN_A_ISN_REMOTE);
}

static inline int fm_xfind(const struct hmmp_xlate *k)
{
	int i;

	for (i = 0; i < fm.nxlates; i++)
		if (fm.xlates[i].laddr == k->laddr && fm.xlates[i].lport == k->lport &&
		    fm.xlates[i].raddr == k->raddr && fm.xlates[i].rport == k->rport)
			return i;
	return -1;
}

static void fm_xlate_new(const struct nlmsghdr *req, struct nlattr **tb)
{
	struct hmmp_xlate x;
	int i;

	if (fm.refuse_flags && (req->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE))) {
		fk_ack(req, EINVAL, "ambiguous or reserved bits set in nlmsg_flags");
		return;
	}
	assert_int_equal(hmmp_xlate_parse(tb[HMMP_A_XLATE], &x), 0);
	/* reply-only attributes are refused by the module's policy */
	assert_false(HMMP_HAVE(&x, HMMP_XLATE_A_EXPIRES_MS));
	assert_false(HMMP_HAVE(&x, HMMP_XLATE_A_AGE_MS));
	if (!HMMP_HAVE(&x, HMMP_XLATE_A_PEER_LADDR) ||
	    !HMMP_HAVE(&x, HMMP_XLATE_A_PEER_LPORT) ||
	    !HMMP_HAVE(&x, HMMP_XLATE_A_PEER_RADDR) ||
	    !HMMP_HAVE(&x, HMMP_XLATE_A_PEER_RPORT) ||
	    !HMMP_HAVE(&x, HMMP_XLATE_A_COA) || !HMMP_HAVE(&x, HMMP_XLATE_A_ENCAP)) {
		fk_ack(req, EINVAL, "a translation needs the peer's view, coa and encap");
		return;
	}
	if ((x.encap == HMMP_ENCAP_UDP) != HMMP_HAVE(&x, HMMP_XLATE_A_PORT)) {
		fk_ack(req, EINVAL, "udp translations and only they have a port");
		return;
	}
	i = fm_xfind(&x);
	if (req->nlmsg_flags & NLM_F_REPLACE) {
		if (i < 0 && !(req->nlmsg_flags & NLM_F_CREATE)) {
			fk_ack(req, ENOENT, NULL);
			return;
		}
	} else if (i >= 0) {
		fk_ack(req, EEXIST, "translation exists (use replace)");
		return;
	}
	if (i < 0) {
		if (fm.nxlates == FM_MAX) {
			fk_ack(req, ENOSPC, "translation table full");
			return;
		}
		i = fm.nxlates++;
	}
	fm.xlates[i] = x;
	fm.changes++;
	fk_ack(req, 0, NULL);
}

static void fm_tunnel_sock(const struct nlmsghdr *req, struct nlattr **tb)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, v = 0;
	socklen_t vlen = sizeof(v);
	struct nlattr *n;
	struct nl_msg *m;

	fm.tunnel_calls++;
	if (tb[HMMP_A_SOCK_FD]) {
		fd = (int)nla_get_u32(tb[HMMP_A_SOCK_FD]);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vlen)) {
			fk_ack(req, EBADF, NULL);
			return;
		}
		if (v != SOCK_DGRAM ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) ||
		    sin.sin_family != AF_INET || !sin.sin_port) {
			fk_ack(req, EINVAL, "not a bound AF_INET UDP socket");
			return;
		}
		fm.tunnel_fd = fd;
		fm.udp_port = ntohs(sin.sin_port);
	} else {
		fm.udp_port = 0;
	}
	m = fk_msg(req, FK_FAMILY, HMMP_CMD_TUNNEL_SOCK, 0);
	if (!fm.tunnel_no_reply) {
		n = nla_nest_start(m, HMMP_A_CONFIG);
		assert_non_null(n);
		assert_int_equal(nla_put_u16(m, HMMP_CFG_A_UDP_PORT,
					     htons(fm.udp_port)), 0);
		nla_nest_end(m, n);
	}
	fk_reply(m);
	fk_ack(req, 0, NULL);
}

static void fm_handler(const struct nlmsghdr *req)
{
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_binding b;
	struct nl_msg *m;
	uint32_t f, n;
	int i;

	assert_int_equal(genlmsg_parse((struct nlmsghdr *)req, 0, tb, HMMP_A_MAX, NULL), 0);
	switch (g->cmd) {
	case HMMP_CMD_CONN_GET:
		f = tb[HMMP_A_FILTER_ADDR] ? nla_get_u32(tb[HMMP_A_FILTER_ADDR]) : 0;
		for (i = 0; i < fm.nconns; i++) {
			const struct hmmp_conn *c = &fm.conns[i];

			if (f && c->orig_local != f && c->cur_local != f &&
			    c->remote != f)
				continue;
			m = fk_msg(req, FK_FAMILY, HMMP_CMD_CONN_GET, NLM_F_MULTI);
			fm_put_conn(m, c);
			fk_reply(m);
		}
		fk_done(req);
		return;
	case HMMP_CMD_BINDING_GET:
		for (i = 0; i < fm.nbinds; i++) {
			m = fk_msg(req, FK_FAMILY, HMMP_CMD_BINDING_GET, NLM_F_MULTI);
			assert_int_equal(hmmp_binding_put(m, &fm.binds[i]), 0);
			fk_reply(m);
		}
		fk_done(req);
		return;
	case HMMP_CMD_BINDING_NEW:
		fm_binding_new(req, tb);
		return;
	case HMMP_CMD_BINDING_DEL:
		assert_int_equal(hmmp_binding_parse(tb[HMMP_A_BINDING], &b), 0);
		i = fm_find(b.orig, b.peer, b.kind);
		if (i < 0) {
			fk_ack(req, ENOENT, NULL);
			return;
		}
		fm.binds[i] = fm.binds[--fm.nbinds];
		fm.changes++;
		fk_ack(req, 0, NULL);
		return;
	case HMMP_CMD_HANDOFF:
		f = tb[HMMP_A_HANDOFF_OLD] ? nla_get_u32(tb[HMMP_A_HANDOFF_OLD]) : 0;
		n = 0;
		for (i = 0; i < fm.nconns; i++) {
			if (f && fm.conns[i].cur_local != f)
				continue;
			fm.conns[i].prev_local = fm.conns[i].cur_local;
			fm.conns[i].cur_local = nla_get_u32(tb[HMMP_A_HANDOFF_NEW]);
			n++;
		}
		m = fk_msg(req, FK_FAMILY, HMMP_CMD_HANDOFF, 0);
		assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, n), 0);
		fk_reply(m);
		fk_ack(req, 0, NULL);
		return;
	case HMMP_CMD_CONFIG_SET: {
		struct nlattr *c[HMMP_CFG_A_MAX + 1];

		assert_int_equal(nla_parse_nested(c, HMMP_CFG_A_MAX, tb[HMMP_A_CONFIG], NULL), 0);
		fm.roles = nla_get_u32(c[HMMP_CFG_A_ROLES]);
		fk_ack(req, 0, NULL);
		return;
	}
	case HMMP_CMD_TUNNEL_SOCK:
		fm_tunnel_sock(req, tb);
		return;
	case HMMP_CMD_XLATE_NEW:
		fm_xlate_new(req, tb);
		return;
	case HMMP_CMD_XLATE_DEL: {
		struct hmmp_xlate x;

		assert_int_equal(hmmp_xlate_parse(tb[HMMP_A_XLATE], &x), 0);
		i = fm_xfind(&x);
		if (i < 0) {
			fk_ack(req, ENOENT, NULL);
			return;
		}
		fm.xlates[i] = fm.xlates[--fm.nxlates];
		fm.changes++;
		fk_ack(req, 0, NULL);
		return;
	}
	case HMMP_CMD_XLATE_GET:
		for (i = 0; i < fm.nxlates; i++) {
			m = fk_msg(req, FK_FAMILY, HMMP_CMD_XLATE_GET, NLM_F_MULTI);
			assert_int_equal(hmmp_xlate_put(m, &fm.xlates[i]), 0);
			fk_reply(m);
		}
		fk_done(req);
		return;
	default:
		fk_ack(req, EOPNOTSUPP, NULL);
	}
}

/* An empty model answering on the fake kernel (after fk_setup()). */
static inline void fm_setup(void)
{
	memset(&fm, 0, sizeof(fm));
	fk.handler = fm_handler;
}

#endif
