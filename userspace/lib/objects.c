// SPDX-License-Identifier: GPL-2.0
/*
 * hmmp userspace: UAPI records from netlink attributes, and their output.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "nl.h"
#include "objects.h"
#include "util.h"

/*
 * libnl checks an attribute's minimum length only; the attributes added
 * with connection translations are checked for their exact length (a u32
 * sent as 8 bytes is a malformed reply, not a u32).
 */
#define EXACT(t, len)	{ .type = (t), .maxlen = (len) }
#define EXACT_U8	EXACT(NLA_U8, 1)
#define EXACT_U16	EXACT(NLA_U16, 2)
#define EXACT_U32	EXACT(NLA_U32, 4)
#define EXACT_U64	EXACT(NLA_U64, 8)

static struct nla_policy top_policy[HMMP_A_MAX + 1] = {
	[HMMP_A_VERSION] = { .type = NLA_STRING },
	[HMMP_A_API_VERSION] = { .type = NLA_U32 },
	[HMMP_A_STATS] = { .type = NLA_NESTED },
	[HMMP_A_CONN] = { .type = NLA_NESTED },
	[HMMP_A_FILTER_ADDR] = { .type = NLA_U32 },
	[HMMP_A_FILTER_STATE] = { .type = NLA_U8 },
	[HMMP_A_HANDOFF_OLD] = { .type = NLA_U32 },
	[HMMP_A_HANDOFF_NEW] = { .type = NLA_U32 },
	[HMMP_A_COUNT] = { .type = NLA_U32 },
	[HMMP_A_CONFIG] = { .type = NLA_NESTED },
	[HMMP_A_BINDING] = { .type = NLA_NESTED },
	[HMMP_A_REASON] = { .type = NLA_U8 },
	[HMMP_A_SOCK_FD] = { .type = NLA_U32 },
	[HMMP_A_XLATE] = { .type = NLA_NESTED },
};

static struct nla_policy conn_policy[HMMP_CONN_A_MAX + 1] = {
	[HMMP_CONN_A_ORIG_LOCAL] = { .type = NLA_U32 },
	[HMMP_CONN_A_PREV_LOCAL] = { .type = NLA_U32 },
	[HMMP_CONN_A_CUR_LOCAL] = { .type = NLA_U32 },
	[HMMP_CONN_A_REMOTE] = { .type = NLA_U32 },
	[HMMP_CONN_A_LPORT] = { .type = NLA_U16 },
	[HMMP_CONN_A_RPORT] = { .type = NLA_U16 },
	[HMMP_CONN_A_CL_ID] = { .type = NLA_U32 },
	[HMMP_CONN_A_STATE] = { .type = NLA_U8 },
	[HMMP_CONN_A_OPENER] = { .type = NLA_U8 },
	[HMMP_CONN_A_AGE_MS] = { .type = NLA_U64 },
	[HMMP_CONN_A_IDLE_MS] = { .type = NLA_U64 },
	[HMMP_CONN_A_PKTS_OUT] = { .type = NLA_U64 },
	[HMMP_CONN_A_PKTS_IN] = { .type = NLA_U64 },
	[HMMP_CONN_A_BYTES_OUT] = { .type = NLA_U64 },
	[HMMP_CONN_A_BYTES_IN] = { .type = NLA_U64 },
	[HMMP_CONN_A_HANDOFFS] = { .type = NLA_U32 },
	[HMMP_CONN_A_ISN_LOCAL] = EXACT_U32,
	[HMMP_CONN_A_ISN_REMOTE] = EXACT_U32,
	[HMMP_CONN_A_CONFIRMED] = EXACT_U8,
};

static struct nla_policy bind_policy[HMMP_BIND_A_MAX + 1] = {
	[HMMP_BIND_A_ORIG] = { .type = NLA_U32 },
	[HMMP_BIND_A_COA] = { .type = NLA_U32 },
	[HMMP_BIND_A_PEER] = { .type = NLA_U32 },
	[HMMP_BIND_A_ENCAP] = { .type = NLA_U8 },
	[HMMP_BIND_A_KIND] = { .type = NLA_U8 },
	[HMMP_BIND_A_LIFETIME] = { .type = NLA_U32 },
	[HMMP_BIND_A_EXPIRES_MS] = { .type = NLA_U64 },
	[HMMP_BIND_A_AGE_MS] = { .type = NLA_U64 },
	[HMMP_BIND_A_REFRESH_MS] = { .type = NLA_U64 },
	[HMMP_BIND_A_PKTS_ENCAP] = { .type = NLA_U64 },
	[HMMP_BIND_A_BYTES_ENCAP] = { .type = NLA_U64 },
	[HMMP_BIND_A_PKTS_DECAP] = { .type = NLA_U64 },
	[HMMP_BIND_A_BYTES_DECAP] = { .type = NLA_U64 },
	[HMMP_BIND_A_MIN_SRC] = { .type = NLA_U8 },
	[HMMP_BIND_A_PORT] = { .type = NLA_U16 },
	[HMMP_BIND_A_PMTU] = EXACT_U32,
};

static struct nla_policy xlate_policy[HMMP_XLATE_A_MAX + 1] = {
	[HMMP_XLATE_A_LADDR] = EXACT_U32,
	[HMMP_XLATE_A_LPORT] = EXACT_U16,
	[HMMP_XLATE_A_RADDR] = EXACT_U32,
	[HMMP_XLATE_A_RPORT] = EXACT_U16,
	[HMMP_XLATE_A_PEER_LADDR] = EXACT_U32,
	[HMMP_XLATE_A_PEER_LPORT] = EXACT_U16,
	[HMMP_XLATE_A_PEER_RADDR] = EXACT_U32,
	[HMMP_XLATE_A_PEER_RPORT] = EXACT_U16,
	[HMMP_XLATE_A_COA] = EXACT_U32,
	[HMMP_XLATE_A_PORT] = EXACT_U16,
	[HMMP_XLATE_A_ENCAP] = EXACT_U8,
	[HMMP_XLATE_A_LIFETIME] = EXACT_U32,
	[HMMP_XLATE_A_EXPIRES_MS] = EXACT_U64,
	[HMMP_XLATE_A_AGE_MS] = EXACT_U64,
	[HMMP_XLATE_A_PKTS_ENCAP] = EXACT_U64,
	[HMMP_XLATE_A_BYTES_ENCAP] = EXACT_U64,
	[HMMP_XLATE_A_PKTS_DECAP] = EXACT_U64,
	[HMMP_XLATE_A_BYTES_DECAP] = EXACT_U64,
};

int hmmp_msg_parse(struct nl_msg *msg, struct nlattr *tb[HMMP_A_MAX + 1])
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (!genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, tb, HMMP_A_MAX, top_policy))
		return HMMP_NL_BAD;
	return 0;
}

int hmmp_msg_cmd(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (!genlmsg_valid_hdr(nlh, 0))
		return -1;
	return genlmsg_hdr(nlh)->cmd;
}

/* A name, or "unknown(N)" for a value this tool does not know. */
static const char *enum_str(const char *name, unsigned int v, char buf[24])
{
	if (name)
		return name;
	snprintf(buf, 24, "unknown(%u)", v);
	return buf;
}

#define GET(tb, a, get) (tb[a] ? get(tb[a]) : 0)

int hmmp_conn_parse(struct nlattr *nest, struct hmmp_conn *c)
{
	struct nlattr *tb[HMMP_CONN_A_MAX + 1];
	int i;

	memset(c, 0, sizeof(*c));
	if (!nest || nla_parse_nested(tb, HMMP_CONN_A_MAX, nest, conn_policy))
		return HMMP_NL_BAD;
	for (i = 1; i <= HMMP_CONN_A_MAX; i++)
		if (tb[i])
			c->have |= 1u << i;
	if (!tb[HMMP_CONN_A_ORIG_LOCAL] || !tb[HMMP_CONN_A_CUR_LOCAL] ||
	    !tb[HMMP_CONN_A_REMOTE] || !tb[HMMP_CONN_A_LPORT] ||
	    !tb[HMMP_CONN_A_RPORT] || !tb[HMMP_CONN_A_STATE])
		return HMMP_NL_BAD;
	c->orig_local = GET(tb, HMMP_CONN_A_ORIG_LOCAL, nla_get_u32);
	c->prev_local = GET(tb, HMMP_CONN_A_PREV_LOCAL, nla_get_u32);
	c->cur_local = GET(tb, HMMP_CONN_A_CUR_LOCAL, nla_get_u32);
	c->remote = GET(tb, HMMP_CONN_A_REMOTE, nla_get_u32);
	c->lport = ntohs(GET(tb, HMMP_CONN_A_LPORT, nla_get_u16));
	c->rport = ntohs(GET(tb, HMMP_CONN_A_RPORT, nla_get_u16));
	c->cl_id = GET(tb, HMMP_CONN_A_CL_ID, nla_get_u32);
	c->state = GET(tb, HMMP_CONN_A_STATE, nla_get_u8);
	c->opener = GET(tb, HMMP_CONN_A_OPENER, nla_get_u8);
	c->age_ms = GET(tb, HMMP_CONN_A_AGE_MS, nla_get_u64);
	c->idle_ms = GET(tb, HMMP_CONN_A_IDLE_MS, nla_get_u64);
	c->pkts_out = GET(tb, HMMP_CONN_A_PKTS_OUT, nla_get_u64);
	c->pkts_in = GET(tb, HMMP_CONN_A_PKTS_IN, nla_get_u64);
	c->bytes_out = GET(tb, HMMP_CONN_A_BYTES_OUT, nla_get_u64);
	c->bytes_in = GET(tb, HMMP_CONN_A_BYTES_IN, nla_get_u64);
	c->handoffs = GET(tb, HMMP_CONN_A_HANDOFFS, nla_get_u32);
	c->isn_local = GET(tb, HMMP_CONN_A_ISN_LOCAL, nla_get_u32);
	c->isn_remote = GET(tb, HMMP_CONN_A_ISN_REMOTE, nla_get_u32);
	c->confirmed = GET(tb, HMMP_CONN_A_CONFIRMED, nla_get_u8);
	return 0;
}

void hmmp_conn_print(struct hmmp_pr *p, unsigned int f,
		     const struct hmmp_conn *c)
{
	char b[24];

	pr_addr(p, f, "orig_local", c->orig_local);
	if (HMMP_HAVE(c, HMMP_CONN_A_PREV_LOCAL))
		pr_addr(p, f, "prev_local", c->prev_local);
	pr_addr(p, f, "cur_local", c->cur_local);
	pr_addr(p, f, "remote", c->remote);
	pr_u64(p, f, "lport", c->lport);
	pr_u64(p, f, "rport", c->rport);
	pr_str(p, f, "state", enum_str(hmmp_state_name(c->state), c->state, b));
	if (HMMP_HAVE(c, HMMP_CONN_A_CL_ID))
		pr_u64(p, f, "cl_id", c->cl_id);
	/* absent for a record picked up mid-stream: its SYNs were not seen */
	if (HMMP_HAVE(c, HMMP_CONN_A_ISN_LOCAL))
		pr_u64(p, f, "isn_local", c->isn_local);
	if (HMMP_HAVE(c, HMMP_CONN_A_ISN_REMOTE))
		pr_u64(p, f, "isn_remote", c->isn_remote);
	if (HMMP_HAVE(c, HMMP_CONN_A_OPENER))
		pr_str(p, f, "opener",
		       enum_str(hmmp_opener_name(c->opener), c->opener, b));
	/* absent from modules older than issue 16 */
	if (HMMP_HAVE(c, HMMP_CONN_A_CONFIRMED))
		pr_bool(p, f, "confirmed", c->confirmed);
	if (HMMP_HAVE(c, HMMP_CONN_A_PKTS_OUT))
		pr_u64(p, f, "pkts_out", c->pkts_out);
	if (HMMP_HAVE(c, HMMP_CONN_A_PKTS_IN))
		pr_u64(p, f, "pkts_in", c->pkts_in);
	if (HMMP_HAVE(c, HMMP_CONN_A_BYTES_OUT))
		pr_u64(p, f, "bytes_out", c->bytes_out);
	if (HMMP_HAVE(c, HMMP_CONN_A_BYTES_IN))
		pr_u64(p, f, "bytes_in", c->bytes_in);
	if (HMMP_HAVE(c, HMMP_CONN_A_AGE_MS))
		pr_u64(p, f, "age_ms", c->age_ms);
	if (HMMP_HAVE(c, HMMP_CONN_A_IDLE_MS))
		pr_u64(p, f, "idle_ms", c->idle_ms);
	if (HMMP_HAVE(c, HMMP_CONN_A_HANDOFFS))
		pr_u64(p, f, "handoffs", c->handoffs);
}

int hmmp_binding_parse(struct nlattr *nest, struct hmmp_binding *b)
{
	struct nlattr *tb[HMMP_BIND_A_MAX + 1];
	int i;

	memset(b, 0, sizeof(*b));
	if (!nest || nla_parse_nested(tb, HMMP_BIND_A_MAX, nest, bind_policy))
		return HMMP_NL_BAD;
	for (i = 1; i <= HMMP_BIND_A_MAX; i++)
		if (tb[i])
			b->have |= 1u << i;
	if (!tb[HMMP_BIND_A_ORIG])
		return HMMP_NL_BAD;
	b->orig = GET(tb, HMMP_BIND_A_ORIG, nla_get_u32);
	b->coa = GET(tb, HMMP_BIND_A_COA, nla_get_u32);
	b->peer = GET(tb, HMMP_BIND_A_PEER, nla_get_u32);
	b->encap = GET(tb, HMMP_BIND_A_ENCAP, nla_get_u8);
	b->kind = GET(tb, HMMP_BIND_A_KIND, nla_get_u8);
	b->lifetime = GET(tb, HMMP_BIND_A_LIFETIME, nla_get_u32);
	b->expires_ms = GET(tb, HMMP_BIND_A_EXPIRES_MS, nla_get_u64);
	b->age_ms = GET(tb, HMMP_BIND_A_AGE_MS, nla_get_u64);
	b->refresh_ms = GET(tb, HMMP_BIND_A_REFRESH_MS, nla_get_u64);
	b->pkts_encap = GET(tb, HMMP_BIND_A_PKTS_ENCAP, nla_get_u64);
	b->bytes_encap = GET(tb, HMMP_BIND_A_BYTES_ENCAP, nla_get_u64);
	b->pkts_decap = GET(tb, HMMP_BIND_A_PKTS_DECAP, nla_get_u64);
	b->bytes_decap = GET(tb, HMMP_BIND_A_BYTES_DECAP, nla_get_u64);
	b->min_src = GET(tb, HMMP_BIND_A_MIN_SRC, nla_get_u8);
	b->port = ntohs(GET(tb, HMMP_BIND_A_PORT, nla_get_u16));
	b->pmtu = GET(tb, HMMP_BIND_A_PMTU, nla_get_u32);
	return 0;
}

void hmmp_binding_print(struct hmmp_pr *p, unsigned int f,
			const struct hmmp_binding *b)
{
	static const struct {
		int attr;
		const char *key;
		size_t off;
	} counters[] = {
#define C(a, k) { a, #k, offsetof(struct hmmp_binding, k) }
		C(HMMP_BIND_A_EXPIRES_MS, expires_ms),
		C(HMMP_BIND_A_AGE_MS, age_ms),
		C(HMMP_BIND_A_REFRESH_MS, refresh_ms),
		C(HMMP_BIND_A_PKTS_ENCAP, pkts_encap),
		C(HMMP_BIND_A_BYTES_ENCAP, bytes_encap),
		C(HMMP_BIND_A_PKTS_DECAP, pkts_decap),
		C(HMMP_BIND_A_BYTES_DECAP, bytes_decap),
#undef C
	};
	char buf[24];
	size_t i;

	pr_addr(p, f, "orig", b->orig);
	if (HMMP_HAVE(b, HMMP_BIND_A_COA))
		pr_addr(p, f, "coa", b->coa);
	if (HMMP_HAVE(b, HMMP_BIND_A_PEER))
		pr_addr(p, f, "peer", b->peer);
	if (HMMP_HAVE(b, HMMP_BIND_A_KIND))
		pr_str(p, f, "kind", enum_str(hmmp_kind_name(b->kind), b->kind, buf));
	if (HMMP_HAVE(b, HMMP_BIND_A_ENCAP))
		pr_str(p, f, "encap",
		       enum_str(hmmp_encap_name(b->encap), b->encap, buf));
	if (HMMP_HAVE(b, HMMP_BIND_A_PORT))
		pr_u64(p, f, "port", b->port);
	if (HMMP_HAVE(b, HMMP_BIND_A_LIFETIME))
		pr_u64(p, f, "lifetime", b->lifetime);
	for (i = 0; i < HMMP_ARRAY_SIZE(counters); i++) {
		uint64_t v;

		if (!HMMP_HAVE(b, counters[i].attr))
			continue;
		memcpy(&v, (const char *)b + counters[i].off, sizeof(v));
		pr_u64(p, f, counters[i].key, v);
	}
	if (HMMP_HAVE(b, HMMP_BIND_A_MIN_SRC))
		pr_bool(p, f, "minsrc", b->min_src);
	/* only while ICMP has taught the tunnel a path MTU */
	if (HMMP_HAVE(b, HMMP_BIND_A_PMTU))
		pr_u64(p, f, "pmtu", b->pmtu);
}

int hmmp_binding_put(struct nl_msg *msg, const struct hmmp_binding *b)
{
	struct nlattr *nest = nla_nest_start(msg, HMMP_A_BINDING);

	if (!nest)
		return -NLE_NOMEM;
	if ((HMMP_HAVE(b, HMMP_BIND_A_ORIG) &&
	     nla_put_u32(msg, HMMP_BIND_A_ORIG, b->orig)) ||
	    (HMMP_HAVE(b, HMMP_BIND_A_COA) &&
	     nla_put_u32(msg, HMMP_BIND_A_COA, b->coa)) ||
	    (HMMP_HAVE(b, HMMP_BIND_A_PEER) &&
	     nla_put_u32(msg, HMMP_BIND_A_PEER, b->peer)) ||
	    (HMMP_HAVE(b, HMMP_BIND_A_ENCAP) &&
	     nla_put_u8(msg, HMMP_BIND_A_ENCAP, b->encap)) ||
	    (HMMP_HAVE(b, HMMP_BIND_A_KIND) &&
	     nla_put_u8(msg, HMMP_BIND_A_KIND, b->kind)) ||
	    (HMMP_HAVE(b, HMMP_BIND_A_LIFETIME) &&
	     nla_put_u32(msg, HMMP_BIND_A_LIFETIME, b->lifetime)) ||
	    (HMMP_HAVE(b, HMMP_BIND_A_MIN_SRC) &&
	     nla_put_u8(msg, HMMP_BIND_A_MIN_SRC, b->min_src)) ||
	    (HMMP_HAVE(b, HMMP_BIND_A_PORT) &&
	     nla_put_u16(msg, HMMP_BIND_A_PORT, htons(b->port))))
		return -NLE_NOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

int hmmp_xlate_parse(struct nlattr *nest, struct hmmp_xlate *x)
{
	struct nlattr *tb[HMMP_XLATE_A_MAX + 1];
	int i;

	memset(x, 0, sizeof(*x));
	if (!nest || nla_parse_nested(tb, HMMP_XLATE_A_MAX, nest, xlate_policy))
		return HMMP_NL_BAD;
	for (i = 1; i <= HMMP_XLATE_A_MAX; i++)
		if (tb[i])
			x->have |= 1u << i;
	if (!tb[HMMP_XLATE_A_LADDR] || !tb[HMMP_XLATE_A_LPORT] ||
	    !tb[HMMP_XLATE_A_RADDR] || !tb[HMMP_XLATE_A_RPORT])
		return HMMP_NL_BAD;
	x->laddr = GET(tb, HMMP_XLATE_A_LADDR, nla_get_u32);
	x->lport = ntohs(GET(tb, HMMP_XLATE_A_LPORT, nla_get_u16));
	x->raddr = GET(tb, HMMP_XLATE_A_RADDR, nla_get_u32);
	x->rport = ntohs(GET(tb, HMMP_XLATE_A_RPORT, nla_get_u16));
	x->peer_laddr = GET(tb, HMMP_XLATE_A_PEER_LADDR, nla_get_u32);
	x->peer_lport = ntohs(GET(tb, HMMP_XLATE_A_PEER_LPORT, nla_get_u16));
	x->peer_raddr = GET(tb, HMMP_XLATE_A_PEER_RADDR, nla_get_u32);
	x->peer_rport = ntohs(GET(tb, HMMP_XLATE_A_PEER_RPORT, nla_get_u16));
	x->coa = GET(tb, HMMP_XLATE_A_COA, nla_get_u32);
	x->port = ntohs(GET(tb, HMMP_XLATE_A_PORT, nla_get_u16));
	x->encap = GET(tb, HMMP_XLATE_A_ENCAP, nla_get_u8);
	x->lifetime = GET(tb, HMMP_XLATE_A_LIFETIME, nla_get_u32);
	x->expires_ms = GET(tb, HMMP_XLATE_A_EXPIRES_MS, nla_get_u64);
	x->age_ms = GET(tb, HMMP_XLATE_A_AGE_MS, nla_get_u64);
	x->pkts_encap = GET(tb, HMMP_XLATE_A_PKTS_ENCAP, nla_get_u64);
	x->bytes_encap = GET(tb, HMMP_XLATE_A_BYTES_ENCAP, nla_get_u64);
	x->pkts_decap = GET(tb, HMMP_XLATE_A_PKTS_DECAP, nla_get_u64);
	x->bytes_decap = GET(tb, HMMP_XLATE_A_BYTES_DECAP, nla_get_u64);
	return 0;
}

void hmmp_xlate_print(struct hmmp_pr *p, unsigned int f,
		      const struct hmmp_xlate *x)
{
	static const struct {
		int attr;
		const char *key;
		size_t off;
	} counters[] = {
#define C(a, k) { a, #k, offsetof(struct hmmp_xlate, k) }
		C(HMMP_XLATE_A_EXPIRES_MS, expires_ms),
		C(HMMP_XLATE_A_AGE_MS, age_ms),
		C(HMMP_XLATE_A_PKTS_ENCAP, pkts_encap),
		C(HMMP_XLATE_A_BYTES_ENCAP, bytes_encap),
		C(HMMP_XLATE_A_PKTS_DECAP, pkts_decap),
		C(HMMP_XLATE_A_BYTES_DECAP, bytes_decap),
#undef C
	};
	char buf[24];
	size_t i;

	/* the key, always there (hmmp_xlate_parse needs it) */
	pr_addr(p, f, "laddr", x->laddr);
	pr_u64(p, f, "lport", x->lport);
	pr_addr(p, f, "raddr", x->raddr);
	pr_u64(p, f, "rport", x->rport);
	if (HMMP_HAVE(x, HMMP_XLATE_A_PEER_LADDR))
		pr_addr(p, f, "peer_laddr", x->peer_laddr);
	if (HMMP_HAVE(x, HMMP_XLATE_A_PEER_LPORT))
		pr_u64(p, f, "peer_lport", x->peer_lport);
	if (HMMP_HAVE(x, HMMP_XLATE_A_PEER_RADDR))
		pr_addr(p, f, "peer_raddr", x->peer_raddr);
	if (HMMP_HAVE(x, HMMP_XLATE_A_PEER_RPORT))
		pr_u64(p, f, "peer_rport", x->peer_rport);
	if (HMMP_HAVE(x, HMMP_XLATE_A_COA))
		pr_addr(p, f, "coa", x->coa);
	if (HMMP_HAVE(x, HMMP_XLATE_A_PORT))
		pr_u64(p, f, "port", x->port);
	if (HMMP_HAVE(x, HMMP_XLATE_A_ENCAP))
		pr_str(p, f, "encap",
		       enum_str(hmmp_encap_name(x->encap), x->encap, buf));
	if (HMMP_HAVE(x, HMMP_XLATE_A_LIFETIME))
		pr_u64(p, f, "lifetime", x->lifetime);
	for (i = 0; i < HMMP_ARRAY_SIZE(counters); i++) {
		uint64_t v;

		if (!HMMP_HAVE(x, counters[i].attr))
			continue;
		memcpy(&v, (const char *)x + counters[i].off, sizeof(v));
		pr_u64(p, f, counters[i].key, v);
	}
}

int hmmp_xlate_put(struct nl_msg *msg, const struct hmmp_xlate *x)
{
	static const struct {
		int attr;
		size_t off;
	} addrs[] = {
#define A(a, k) { a, offsetof(struct hmmp_xlate, k) }
		A(HMMP_XLATE_A_LADDR, laddr),
		A(HMMP_XLATE_A_RADDR, raddr),
		A(HMMP_XLATE_A_PEER_LADDR, peer_laddr),
		A(HMMP_XLATE_A_PEER_RADDR, peer_raddr),
		A(HMMP_XLATE_A_COA, coa),
	}, ports[] = {
		A(HMMP_XLATE_A_LPORT, lport),
		A(HMMP_XLATE_A_RPORT, rport),
		A(HMMP_XLATE_A_PEER_LPORT, peer_lport),
		A(HMMP_XLATE_A_PEER_RPORT, peer_rport),
		A(HMMP_XLATE_A_PORT, port),
#undef A
	};
	struct nlattr *nest = nla_nest_start(msg, HMMP_A_XLATE);
	size_t i;

	if (!nest)
		return -NLE_NOMEM;
	for (i = 0; i < HMMP_ARRAY_SIZE(addrs); i++) {
		uint32_t v;

		if (!HMMP_HAVE(x, addrs[i].attr))
			continue;
		memcpy(&v, (const char *)x + addrs[i].off, sizeof(v));
		if (nla_put_u32(msg, addrs[i].attr, v))
			return -NLE_NOMEM;
	}
	for (i = 0; i < HMMP_ARRAY_SIZE(ports); i++) {
		uint16_t v;

		if (!HMMP_HAVE(x, ports[i].attr))
			continue;
		memcpy(&v, (const char *)x + ports[i].off, sizeof(v));
		if (nla_put_u16(msg, ports[i].attr, htons(v)))
			return -NLE_NOMEM;
	}
	if ((HMMP_HAVE(x, HMMP_XLATE_A_ENCAP) &&
	     nla_put_u8(msg, HMMP_XLATE_A_ENCAP, x->encap)) ||
	    (HMMP_HAVE(x, HMMP_XLATE_A_LIFETIME) &&
	     nla_put_u32(msg, HMMP_XLATE_A_LIFETIME, x->lifetime)))
		return -NLE_NOMEM;
	nla_nest_end(msg, nest);
	return 0;
}

int hmmp_stats_print(struct hmmp_pr *p, struct nlattr *nest)
{
	struct nlattr *a;
	int rem;

	if (!nest)
		return HMMP_NL_BAD;
	/* two passes: check everything, then print, so no half output */
	for (a = nla_data(nest), rem = nla_len(nest); nla_ok(a, rem);
	     a = nla_next(a, &rem)) {
		if (nla_type(a) == HMMP_STAT_A_PAD)
			continue;
		if (nla_len(a) != 4 && nla_len(a) != 8)
			return HMMP_NL_BAD;
	}
	for (a = nla_data(nest), rem = nla_len(nest); nla_ok(a, rem);
	     a = nla_next(a, &rem)) {
		const char *name = hmmp_stat_name((unsigned int)nla_type(a));

		if (!name)
			continue;	/* a newer module's counter */
		pr_u64(p, 0, name, nla_len(a) == 4 ? nla_get_u32(a) :
							nla_get_u64(a));
	}
	return 0;
}

int hmmp_config_print(struct hmmp_pr *p, struct nlattr *nest)
{
	struct nlattr *tb[HMMP_CFG_A_MAX + 1];
	struct nla_policy pol[HMMP_CFG_A_MAX + 1];
	size_t i;

	memset(pol, 0, sizeof(pol));
	for (i = 1; i <= HMMP_CFG_A_MAX; i++)
		pol[i].type = NLA_U32;
	pol[HMMP_CFG_A_UDP_PORT].type = NLA_U16;
	if (!nest || nla_parse_nested(tb, HMMP_CFG_A_MAX, nest, pol))
		return HMMP_NL_BAD;
	for (i = 0; i < hmmp_cfg_nkeys; i++) {
		const struct hmmp_cfg_key *k = &hmmp_cfg_keys[i];
		uint32_t v;
		char buf[96];

		if (!tb[k->attr])
			continue;
		v = nla_get_u32(tb[k->attr]);
		if (k->numeric) {
			pr_u64(p, 0, k->name, v);
		} else {
			k->format(v, buf, sizeof(buf));
			pr_str(p, 0, k->name, buf);
		}
	}
	/* read-only, be16: not one of the settable keys */
	if (tb[HMMP_CFG_A_UDP_PORT])
		pr_u64(p, 0, HMMP_CFG_UDP_PORT_NAME,
		       ntohs(nla_get_u16(tb[HMMP_CFG_A_UDP_PORT])));
	return 0;
}

/* ---- events ---- */

static void event_conn(struct hmmp_pr *p, const char *what,
		       const struct hmmp_conn *c, struct nlattr *reason)
{
	char a[HMMP_ADDRSTRLEN], r[HMMP_ADDRSTRLEN], b[24];

	pr_text(p, "conn %s", what);
	pr_text(p, "%s:%u -> %s:%u", hmmp_addr_format(c->orig_local, a),
		c->lport, hmmp_addr_format(c->remote, r), c->rport);
	pr_str(p, PR_TEXT, "state",
	       enum_str(hmmp_state_name(c->state), c->state, b));
	if (HMMP_HAVE(c, HMMP_CONN_A_OPENER))
		pr_str(p, PR_TEXT, "opener",
		       enum_str(hmmp_opener_name(c->opener), c->opener, b));
	if (c->cur_local != c->orig_local)
		pr_addr(p, PR_TEXT, "cur", c->cur_local);
	hmmp_conn_print(p, PR_JSON, c);
	if (reason)
		pr_str(p, 0, "reason", enum_str(hmmp_reason_name(nla_get_u8(reason)),
						 nla_get_u8(reason), b));
}

static void event_binding(struct hmmp_pr *p, const char *what,
			  const struct hmmp_binding *bd, struct nlattr *reason)
{
	char b[24];

	pr_text(p, "binding %s", what);
	pr_addr(p, PR_TEXT | PR_NOKEY, "orig", bd->orig);
	if (HMMP_HAVE(bd, HMMP_BIND_A_COA))
		pr_addr(p, PR_TEXT, "coa", bd->coa);
	if (HMMP_HAVE(bd, HMMP_BIND_A_PEER))
		pr_addr(p, PR_TEXT, "peer", bd->peer);
	if (HMMP_HAVE(bd, HMMP_BIND_A_KIND))
		pr_str(p, PR_TEXT, "kind",
		       enum_str(hmmp_kind_name(bd->kind), bd->kind, b));
	if (HMMP_HAVE(bd, HMMP_BIND_A_ENCAP))
		pr_str(p, PR_TEXT, "encap",
		       enum_str(hmmp_encap_name(bd->encap), bd->encap, b));
	if (HMMP_HAVE(bd, HMMP_BIND_A_PORT))
		pr_u64(p, PR_TEXT, "port", bd->port);
	if (HMMP_HAVE(bd, HMMP_BIND_A_LIFETIME))
		pr_u64(p, PR_TEXT, "lifetime", bd->lifetime);
	if (bd->min_src)
		pr_text(p, "minsrc");
	hmmp_binding_print(p, PR_JSON, bd);
	if (reason)
		pr_str(p, 0, "reason", enum_str(hmmp_reason_name(nla_get_u8(reason)),
						 nla_get_u8(reason), b));
}

int hmmp_event_print(struct hmmp_pr *p, struct nl_msg *msg)
{
	static const char *const conn_what[] = { "new", "established", "closed" };
	static const char *const conn_json[] = {
		"conn_new", "conn_established", "conn_closed"
	};
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_conn c;
	struct hmmp_binding b;
	int cmd = hmmp_msg_cmd(msg);

	if (cmd < 0 || hmmp_msg_parse(msg, tb))
		return HMMP_NL_BAD;
	switch (cmd) {
	case HMMP_CMD_EVENT_CONN_NEW:
	case HMMP_CMD_EVENT_CONN_ESTABLISHED:
	case HMMP_CMD_EVENT_CONN_CLOSED:
		if (hmmp_conn_parse(tb[HMMP_A_CONN], &c))
			return HMMP_NL_BAD;
		cmd -= HMMP_CMD_EVENT_CONN_NEW;
		pr_open_line(p, NULL);
		pr_text(p, "[EVENT]");
		pr_str(p, PR_JSON, "event", conn_json[cmd]);
		event_conn(p, conn_what[cmd], &c, tb[HMMP_A_REASON]);
		pr_close_line(p);
		return 0;
	case HMMP_CMD_EVENT_HANDOFF:
		if (!tb[HMMP_A_HANDOFF_NEW] || !tb[HMMP_A_COUNT])
			return HMMP_NL_BAD;
		pr_open_line(p, NULL);
		pr_text(p, "[EVENT]");
		pr_str(p, PR_NOKEY, "event", "handoff");
		/* the module says 0.0.0.0 for "every record"; text says any */
		if (tb[HMMP_A_HANDOFF_OLD])
			pr_addr(p, PR_JSON, "old", nla_get_u32(tb[HMMP_A_HANDOFF_OLD]));
		if (tb[HMMP_A_HANDOFF_OLD] && nla_get_u32(tb[HMMP_A_HANDOFF_OLD]))
			pr_addr(p, PR_TEXT | PR_NOKEY, "old",
				nla_get_u32(tb[HMMP_A_HANDOFF_OLD]));
		else
			pr_text(p, "any");
		pr_text(p, "->");
		pr_addr(p, PR_NOKEY, "new", nla_get_u32(tb[HMMP_A_HANDOFF_NEW]));
		pr_u64(p, 0, "moved", nla_get_u32(tb[HMMP_A_COUNT]));
		pr_close_line(p);
		return 0;
	case HMMP_CMD_EVENT_BINDING_NEW:
	case HMMP_CMD_EVENT_BINDING_DEL:
		if (hmmp_binding_parse(tb[HMMP_A_BINDING], &b))
			return HMMP_NL_BAD;
		pr_open_line(p, NULL);
		pr_text(p, "[EVENT]");
		pr_str(p, PR_JSON, "event", cmd == HMMP_CMD_EVENT_BINDING_NEW ?
						"binding_new" : "binding_del");
		event_binding(p, cmd == HMMP_CMD_EVENT_BINDING_NEW ? "new" : "del",
			      &b, tb[HMMP_A_REASON]);
		pr_close_line(p);
		return 0;
	default:
		pr_open_line(p, NULL);
		pr_text(p, "[EVENT]");
		pr_str(p, PR_NOKEY, "event", "unknown");
		pr_u64(p, 0, "cmd", (uint64_t)cmd);
		pr_close_line(p);
		return 0;
	}
}
