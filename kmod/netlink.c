// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "hmmp": version, statistics, the SIP_EYE
 * connection dump, hand-off, configuration, bindings, the tunnel socket,
 * connection translations, and the event group. Every
 * attribute is checked by a policy; changes need CAP_NET_ADMIN in the
 * namespace (GENL_UNS_ADMIN_PERM), and so does joining the event group.
 * Requests are serialised by genl_mutex (parallel_ops is off), which also
 * guards the configuration they write.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include "hmmp.h"
#include "netlink.h"
#include "udptun.h"
#include "compat.h"

/* Largest accepted limits: keep a table's memory bounded. */
#define HMMP_TABLE_MAX_LIMIT	BIT(22)
#define HMMP_TIMEOUT_LIMIT	(30U * 24 * 3600)

static struct netlink_range_validation hmmp_table_range = {
	.min = 1, .max = HMMP_TABLE_MAX_LIMIT,
};

static struct netlink_range_validation hmmp_timeout_range = {
	.min = 1, .max = HMMP_TIMEOUT_LIMIT,
};

const struct nla_policy hmmp_nl_cfg_policy[HMMP_CFG_A_MAX + 1] = {
	[HMMP_CFG_A_TABLE_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32, &hmmp_table_range),
	[HMMP_CFG_A_TIMEOUT_SETUP] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hmmp_timeout_range),
	[HMMP_CFG_A_TIMEOUT_ESTABLISHED] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hmmp_timeout_range),
	[HMMP_CFG_A_TIMEOUT_RELEASE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hmmp_timeout_range),
	[HMMP_CFG_A_TIMEOUT_DISCONNECT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hmmp_timeout_range),
	[HMMP_CFG_A_ROLES] = NLA_POLICY_MASK(NLA_U32, HMMP_ROLE_ALL),
	[HMMP_CFG_A_BIND_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32, &hmmp_table_range),
	/* read-only: HMMP_CMD_TUNNEL_SOCK sets it */
	[HMMP_CFG_A_UDP_PORT] = { .type = NLA_REJECT },
};

static struct netlink_range_validation hmmp_lifetime_range = {
	.min = 0, .max = HMMP_BINDING_LIFETIME_MAX,
};

const struct nla_policy hmmp_nl_bind_policy[HMMP_BIND_A_MAX + 1] = {
	[HMMP_BIND_A_ORIG] = { .type = NLA_BE32 },
	[HMMP_BIND_A_COA] = { .type = NLA_BE32 },
	[HMMP_BIND_A_PEER] = { .type = NLA_BE32 },
	[HMMP_BIND_A_ENCAP] = NLA_POLICY_RANGE(NLA_U8, HMMP_ENCAP_IPIP,
					       HMMP_ENCAP_UDP),
	[HMMP_BIND_A_KIND] = NLA_POLICY_RANGE(NLA_U8, HMMP_BIND_CORRESPONDENT,
					      HMMP_BIND_ROUTER),
	[HMMP_BIND_A_LIFETIME] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hmmp_lifetime_range),
	[HMMP_BIND_A_MIN_SRC] = NLA_POLICY_MAX(NLA_U8, 1),
	[HMMP_BIND_A_PORT] = { .type = NLA_BE16 },
};

/* Ports are never 0; addresses are checked in hmmp_nl_xlate_params(). */
const struct nla_policy hmmp_nl_xlate_policy[HMMP_XLATE_A_MAX + 1] = {
	[HMMP_XLATE_A_LADDR] = { .type = NLA_BE32 },
	[HMMP_XLATE_A_LPORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[HMMP_XLATE_A_RADDR] = { .type = NLA_BE32 },
	[HMMP_XLATE_A_RPORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[HMMP_XLATE_A_PEER_LADDR] = { .type = NLA_BE32 },
	[HMMP_XLATE_A_PEER_LPORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[HMMP_XLATE_A_PEER_RADDR] = { .type = NLA_BE32 },
	[HMMP_XLATE_A_PEER_RPORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[HMMP_XLATE_A_COA] = { .type = NLA_BE32 },
	[HMMP_XLATE_A_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[HMMP_XLATE_A_ENCAP] = NLA_POLICY_RANGE(NLA_U8, HMMP_ENCAP_IPIP,
						HMMP_ENCAP_UDP),
	[HMMP_XLATE_A_LIFETIME] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hmmp_lifetime_range),
	/* the rest are replies' only: refused in requests */
};

const struct nla_policy hmmp_nl_policy[HMMP_A_MAX + 1] = {
	[HMMP_A_FILTER_ADDR] = { .type = NLA_BE32 },
	[HMMP_A_FILTER_STATE] = NLA_POLICY_MAX(NLA_U8, HMMP_CONN_STATE_MAX),
	[HMMP_A_HANDOFF_OLD] = { .type = NLA_BE32 },
	[HMMP_A_HANDOFF_NEW] = { .type = NLA_BE32 },
	[HMMP_A_CONFIG] = NLA_POLICY_NESTED(hmmp_nl_cfg_policy),
	[HMMP_A_BINDING] = NLA_POLICY_NESTED(hmmp_nl_bind_policy),
	[HMMP_A_SOCK_FD] = { .type = NLA_U32 },
	[HMMP_A_XLATE] = NLA_POLICY_NESTED(hmmp_nl_xlate_policy),
};

static struct genl_family hmmp_family;

/* Cleared before the family goes away; read under RCU by event senders. */
static bool hmmp_nl_live;

static void *hmmp_msg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			  u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &hmmp_family, flags, cmd);
}

/*
 * One record. Without @secrets (a dump for a caller without CAP_NET_ADMIN
 * over the namespace) the initial sequence numbers are left out: with the
 * byte counters they give the sequence numbers in use, all a blind sender
 * needs to inject into the connection (issue 16 item 6).
 */
int hmmp_nl_put_conn(struct sk_buff *skb, const struct hmmp_conn_info *ci,
		     bool secrets)
{
	struct nlattr *nest = nla_nest_start(skb, HMMP_A_CONN);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(skb, HMMP_CONN_A_ORIG_LOCAL, ci->orig_local) ||
	    nla_put_in_addr(skb, HMMP_CONN_A_PREV_LOCAL, ci->prev_local) ||
	    nla_put_in_addr(skb, HMMP_CONN_A_CUR_LOCAL, ci->cur_local) ||
	    nla_put_in_addr(skb, HMMP_CONN_A_REMOTE, ci->remote) ||
	    nla_put_be16(skb, HMMP_CONN_A_LPORT, ci->lport) ||
	    nla_put_be16(skb, HMMP_CONN_A_RPORT, ci->rport) ||
	    (secrets && nla_put_u32(skb, HMMP_CONN_A_CL_ID, ci->cl_id)) ||
	    nla_put_u8(skb, HMMP_CONN_A_STATE, ci->state) ||
	    nla_put_u8(skb, HMMP_CONN_A_OPENER, ci->opener) ||
	    nla_put_u8(skb, HMMP_CONN_A_CONFIRMED, ci->confirmed) ||
	    nla_put_u32(skb, HMMP_CONN_A_HANDOFFS, ci->handoffs) ||
	    nla_put_u64_64bit(skb, HMMP_CONN_A_AGE_MS, ci->age_ms,
			      HMMP_CONN_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_CONN_A_IDLE_MS, ci->idle_ms,
			      HMMP_CONN_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_CONN_A_PKTS_OUT, ci->pkts[HMMP_DIR_OUT],
			      HMMP_CONN_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_CONN_A_PKTS_IN, ci->pkts[HMMP_DIR_IN],
			      HMMP_CONN_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_CONN_A_BYTES_OUT,
			      ci->bytes[HMMP_DIR_OUT], HMMP_CONN_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_CONN_A_BYTES_IN, ci->bytes[HMMP_DIR_IN],
			      HMMP_CONN_A_PAD) ||
	    /* absent when that SYN was not seen (picked up) */
	    (secrets && (ci->isn_valid & BIT(HMMP_DIR_OUT)) &&
	     nla_put_u32(skb, HMMP_CONN_A_ISN_LOCAL, ci->isn_local)) ||
	    (secrets && (ci->isn_valid & BIT(HMMP_DIR_IN)) &&
	     nla_put_u32(skb, HMMP_CONN_A_ISN_REMOTE, ci->isn_remote))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int hmmp_nl_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = hmmp_msg_put(msg, info->snd_portid, info->snd_seq, 0,
			   HMMP_CMD_VERSION_GET);
	if (!hdr ||
	    nla_put_string(msg, HMMP_A_VERSION, HMMP_VERSION) ||
	    nla_put_u32(msg, HMMP_A_API_VERSION, HMMP_GENL_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static void hmmp_dp_stats(struct hmmp_net *hn, struct hmmp_dp_pcpu *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct hmmp_dp_pcpu *p = per_cpu_ptr(hn->dp, cpu);

		sum->encap += READ_ONCE(p->encap);
		sum->decap += READ_ONCE(p->decap);
		sum->fwd += READ_ONCE(p->fwd);
		sum->decap_errors += READ_ONCE(p->decap_errors);
		sum->unknown_peer += READ_ONCE(p->unknown_peer);
		sum->pmtu_sent += READ_ONCE(p->pmtu_sent);
		sum->tunnel_errors += READ_ONCE(p->tunnel_errors);
		sum->errors_relayed += READ_ONCE(p->errors_relayed);
		sum->udp_unknown += READ_ONCE(p->udp_unknown);
		sum->udp_nosock += READ_ONCE(p->udp_nosock);
		sum->xlate += READ_ONCE(p->xlate);
	}
}

static int hmmp_put_dp_stats(struct sk_buff *msg, struct hmmp_net *hn)
{
	struct hmmp_binding_stats bs;
	struct hmmp_xlate_stats xs;
	struct hmmp_dp_pcpu dp;

	hmmp_binding_stats(&hn->bindings, &bs);
	hmmp_xlate_stats(&hn->xlates, &xs);
	hmmp_dp_stats(hn, &dp);
	if (nla_put_u32(msg, HMMP_STAT_A_BIND_COUNT, bs.count) ||
	    nla_put_u32(msg, HMMP_STAT_A_BIND_MAX, bs.max) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_BIND_EXPIRED, bs.sum.expired,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_BIND_TABLE_FULL,
			      bs.sum.table_full, HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_ENCAP_PKTS, dp.encap,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_DECAP_PKTS, dp.decap,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_FWD_PKTS, dp.fwd,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_DECAP_ERRORS, dp.decap_errors,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_DECAP_UNKNOWN_PEER,
			      dp.unknown_peer, HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_PMTU_SENT, dp.pmtu_sent,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_TUNNEL_ERRORS, dp.tunnel_errors,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_ERRORS_RELAYED,
			      dp.errors_relayed, HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_UDP_UNKNOWN, dp.udp_unknown,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_UDP_NOSOCK, dp.udp_nosock,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u32(msg, HMMP_STAT_A_XLATE_COUNT, xs.count) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_XLATE_TABLE_FULL,
			      xs.sum.table_full, HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_XLATE_PKTS, dp.xlate,
			      HMMP_STAT_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int hmmp_nl_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct hmmp_net *hn = hmmp_net(genl_info_net(info));
	struct hmmp_sipeye_stats st;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	hmmp_sipeye_stats(&hn->sipeye, &st);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = hmmp_msg_put(msg, info->snd_portid, info->snd_seq, 0,
			   HMMP_CMD_STATS_GET);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, HMMP_A_STATS);
	if (!nest ||
	    nla_put_u32(msg, HMMP_STAT_A_CONN_COUNT, st.count) ||
	    nla_put_u32(msg, HMMP_STAT_A_CONN_MAX, st.table_max) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_CONN_CREATED, st.sum.created,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_CONN_CLOSED, st.sum.closed,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_CONN_EXPIRED, st.sum.expired,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_CONN_TABLE_FULL,
			      st.sum.table_full, HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_CONN_PICKED_UP,
			      st.sum.picked_up, HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_PKTS_TRACKED, st.sum.pkts,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_PKTS_INVALID, st.sum.invalid,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_RST_IGNORED, st.sum.rst_ignored,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_HANDOFFS, st.sum.handoffs,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_CONN_EVICTED, st.sum.evicted,
			      HMMP_STAT_A_PAD) ||
	    nla_put_u32(msg, HMMP_STAT_A_CONN_ENTRY_BYTES, st.entry_bytes) ||
	    nla_put_u64_64bit(msg, HMMP_STAT_A_CONN_MEMORY_BYTES,
			      st.memory_bytes, HMMP_STAT_A_PAD) ||
	    hmmp_put_dp_stats(msg, hn))
		goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Puts one object (a connection or a binding) in a message. */
typedef int (*hmmp_fill_t)(struct sk_buff *skb, const void *obj);

/* Events: only CAP_NET_ADMIN may listen (hmmp_nl_mcgrps). */
static int hmmp_fill_conn(struct sk_buff *skb, const void *obj)
{
	return hmmp_nl_put_conn(skb, obj, true);
}

static int hmmp_fill_conn_public(struct sk_buff *skb, const void *obj)
{
	return hmmp_nl_put_conn(skb, obj, false);
}

/* A dump in progress: one NLM_F_MULTI message of @cmd per object. */
struct hmmp_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	u8 cmd;
	hmmp_fill_t fill;
	__be32 addr;		/* connections: 0 = any */
	int state;		/* connections: -1 = any */
	bool check_gen;		/* cb->seq holds the table's generation */
};

/* Returns non-zero when the message is full: the walk stops there. */
static int hmmp_dump_put(struct hmmp_dump_ctx *ctx, const void *obj)
{
	void *hdr;

	hdr = hmmp_msg_put(ctx->skb, NETLINK_CB(ctx->cb->skb).portid,
			   ctx->cb->nlh->nlmsg_seq, NLM_F_MULTI, ctx->cmd);
	if (!hdr)
		return 1;
	/* NLM_F_DUMP_INTR when the table changed since the last message */
	if (ctx->check_gen)
		genl_dump_check_consistent(ctx->cb, hdr);
	if (ctx->fill(ctx->skb, obj)) {
		genlmsg_cancel(ctx->skb, hdr);
		return 1;
	}
	genlmsg_end(ctx->skb, hdr);
	return 0;
}

static int hmmp_dump_conn(const struct hmmp_conn_info *ci, void *arg)
{
	struct hmmp_dump_ctx *ctx = arg;

	if (ctx->addr && ci->orig_local != ctx->addr &&
	    ci->prev_local != ctx->addr && ci->cur_local != ctx->addr &&
	    ci->remote != ctx->addr)
		return 0;
	if (ctx->state >= 0 && ci->state != ctx->state)
		return 0;
	return hmmp_dump_put(ctx, ci);
}

/* cb->args[0..1]: the walk position, so that a dump resumes in the next
 * message where the previous one stopped.
 */
static int hmmp_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hmmp_net *hn = hmmp_net(sock_net(skb->sk));
	struct nlattr **attrs = hmmp_dump_attrs(cb);
	struct hmmp_dump_ctx ctx = {
		.skb = skb, .cb = cb, .cmd = HMMP_CMD_CONN_GET,
		.fill = hmmp_fill_conn, .addr = 0, .state = -1,
	};

	/* The requester's rights over the namespace, as for its changes. */
	if (!netlink_net_capable(cb->skb, CAP_NET_ADMIN))
		ctx.fill = hmmp_fill_conn_public;

	if (attrs[HMMP_A_FILTER_ADDR])
		ctx.addr = nla_get_in_addr(attrs[HMMP_A_FILTER_ADDR]);
	if (attrs[HMMP_A_FILTER_STATE])
		ctx.state = nla_get_u8(attrs[HMMP_A_FILTER_STATE]);

	rcu_read_lock();
	hmmp_sipeye_walk(&hn->sipeye, (long *)cb->args, jiffies,
			 hmmp_dump_conn, &ctx);
	rcu_read_unlock();
	return skb->len;
}

static bool hmmp_addr_usable(__be32 a)
{
	return !ipv4_is_zeronet(a) && !ipv4_is_multicast(a) &&
	       !ipv4_is_lbcast(a) && !ipv4_is_loopback(a);
}

static void hmmp_nl_handoff_event(struct net *net, __be32 old, __be32 new,
				  u32 n)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&hmmp_family, net, 0))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = hmmp_msg_put(msg, 0, 0, 0, HMMP_CMD_EVENT_HANDOFF);
	if (!hdr || nla_put_in_addr(msg, HMMP_A_HANDOFF_OLD, old) ||
	    nla_put_in_addr(msg, HMMP_A_HANDOFF_NEW, new) ||
	    nla_put_u32(msg, HMMP_A_COUNT, n)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&hmmp_family, net, msg, 0, 0, GFP_KERNEL);
}

static int hmmp_nl_handoff(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct hmmp_net *hn = hmmp_net(net);
	__be32 old = 0, new;
	struct sk_buff *msg;
	unsigned int n;
	void *hdr;

	if (GENL_REQ_ATTR_CHECK(info, HMMP_A_HANDOFF_NEW))
		return -EINVAL;
	new = nla_get_in_addr(info->attrs[HMMP_A_HANDOFF_NEW]);
	if (!hmmp_addr_usable(new)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[HMMP_A_HANDOFF_NEW],
				    "new address must be a unicast address");
		return -EINVAL;
	}
	if (info->attrs[HMMP_A_HANDOFF_OLD]) {
		old = nla_get_in_addr(info->attrs[HMMP_A_HANDOFF_OLD]);
		if (!hmmp_addr_usable(old)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[HMMP_A_HANDOFF_OLD],
					    "old address must be a unicast address");
			return -EINVAL;
		}
	}

	n = hmmp_sipeye_handoff(&hn->sipeye, old, new);
	hmmp_nl_handoff_event(net, old, new, n);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = hmmp_msg_put(msg, info->snd_portid, info->snd_seq, 0,
			   HMMP_CMD_HANDOFF);
	if (!hdr || nla_put_u32(msg, HMMP_A_COUNT, n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int hmmp_put_config(struct sk_buff *msg, struct hmmp_net *hn)
{
	const struct hmmp_sipeye_cfg *cfg = &hn->sipeye.cfg;
	struct nlattr *nest = nla_nest_start(msg, HMMP_A_CONFIG);

	if (!nest ||
	    nla_put_u32(msg, HMMP_CFG_A_TABLE_MAX, cfg->table_max) ||
	    nla_put_u32(msg, HMMP_CFG_A_TIMEOUT_SETUP,
			cfg->timeout[HMMP_CONN_SETUP_REQ]) ||
	    nla_put_u32(msg, HMMP_CFG_A_TIMEOUT_ESTABLISHED,
			cfg->timeout[HMMP_CONN_ESTABLISHED]) ||
	    nla_put_u32(msg, HMMP_CFG_A_TIMEOUT_RELEASE,
			cfg->timeout[HMMP_CONN_RELEASE_REQ]) ||
	    nla_put_u32(msg, HMMP_CFG_A_TIMEOUT_DISCONNECT,
			cfg->timeout[HMMP_CONN_DISCONNECT]) ||
	    nla_put_u32(msg, HMMP_CFG_A_ROLES, hn->roles) ||
	    nla_put_u32(msg, HMMP_CFG_A_BIND_MAX, hn->bindings.max) ||
	    nla_put_be16(msg, HMMP_CFG_A_UDP_PORT, hmmp_udp_port(hn->net)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int hmmp_config_reply(struct genl_info *info, struct hmmp_net *hn,
			     u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = hmmp_msg_put(msg, info->snd_portid, info->snd_seq, 0, cmd);
	if (!hdr || hmmp_put_config(msg, hn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int hmmp_nl_config_get(struct sk_buff *skb, struct genl_info *info)
{
	return hmmp_config_reply(info, hmmp_net(genl_info_net(info)),
				 HMMP_CMD_CONFIG_GET);
}

static void hmmp_set_timeout(struct hmmp_sipeye_cfg *cfg, struct nlattr *a,
			     u8 first, u8 last)
{
	u8 s;

	if (!a)
		return;
	for (s = first; s <= last; s++)
		WRITE_ONCE(cfg->timeout[s], nla_get_u32(a));
}

bool hmmp_nl_cfg_raises_limits(struct nlattr **tb)
{
	return (tb[HMMP_CFG_A_TABLE_MAX] &&
		nla_get_u32(tb[HMMP_CFG_A_TABLE_MAX]) > HMMP_SIPEYE_TABLE_MAX_DEFAULT) ||
	       (tb[HMMP_CFG_A_BIND_MAX] &&
		nla_get_u32(tb[HMMP_CFG_A_BIND_MAX]) > HMMP_BINDING_MAX_DEFAULT);
}

static int hmmp_nl_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct hmmp_net *hn = hmmp_net(genl_info_net(info));
	struct nlattr *tb[HMMP_CFG_A_MAX + 1];
	struct hmmp_sipeye_cfg *cfg = &hn->sipeye.cfg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HMMP_A_CONFIG))
		return -EINVAL;
	/* The policy validated the nest already; this only splits it. */
	err = nla_parse_nested(tb, HMMP_CFG_A_MAX, info->attrs[HMMP_A_CONFIG],
			       hmmp_nl_cfg_policy, info->extack);
	if (err)
		return err;
	/*
	 * GENL_UNS_ADMIN_PERM lets the root of any user namespace owning
	 * the network namespace in; the memory a larger table takes is the
	 * host's, in as many namespaces as that user makes: above the
	 * defaults only the initial namespace's admin decides (issue 16
	 * item 5).
	 */
	if (hmmp_nl_cfg_raises_limits(tb) &&
	    !netlink_capable(skb, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "raising table_max or bind_max above the defaults needs CAP_NET_ADMIN in the initial user namespace");
		return -EPERM;
	}

	if (tb[HMMP_CFG_A_TABLE_MAX])
		WRITE_ONCE(cfg->table_max, nla_get_u32(tb[HMMP_CFG_A_TABLE_MAX]));
	hmmp_set_timeout(cfg, tb[HMMP_CFG_A_TIMEOUT_SETUP],
			 HMMP_CONN_SETUP_REQ, HMMP_CONN_SETUP_PROG);
	hmmp_set_timeout(cfg, tb[HMMP_CFG_A_TIMEOUT_ESTABLISHED],
			 HMMP_CONN_ESTABLISHED, HMMP_CONN_ESTABLISHED);
	hmmp_set_timeout(cfg, tb[HMMP_CFG_A_TIMEOUT_RELEASE],
			 HMMP_CONN_RELEASE_REQ, HMMP_CONN_RELEASE_ACK);
	hmmp_set_timeout(cfg, tb[HMMP_CFG_A_TIMEOUT_DISCONNECT],
			 HMMP_CONN_DISCONNECT, HMMP_CONN_DISCONNECT);
	if (tb[HMMP_CFG_A_ROLES])
		WRITE_ONCE(hn->roles, nla_get_u32(tb[HMMP_CFG_A_ROLES]));
	if (tb[HMMP_CFG_A_BIND_MAX])
		WRITE_ONCE(hn->bindings.max,
			   nla_get_u32(tb[HMMP_CFG_A_BIND_MAX]));
	return hmmp_config_reply(info, hn, HMMP_CMD_CONFIG_SET);
}

static int hmmp_put_binding(struct sk_buff *skb,
			    const struct hmmp_binding_info *bi)
{
	struct nlattr *nest = nla_nest_start(skb, HMMP_A_BINDING);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(skb, HMMP_BIND_A_ORIG, bi->orig) ||
	    nla_put_in_addr(skb, HMMP_BIND_A_COA, bi->coa) ||
	    nla_put_in_addr(skb, HMMP_BIND_A_PEER, bi->peer) ||
	    nla_put_u8(skb, HMMP_BIND_A_ENCAP, bi->encap) ||
	    nla_put_u8(skb, HMMP_BIND_A_KIND, bi->kind) ||
	    nla_put_u8(skb, HMMP_BIND_A_MIN_SRC, bi->min_src) ||
	    nla_put_u32(skb, HMMP_BIND_A_LIFETIME, bi->lifetime) ||
	    nla_put_u64_64bit(skb, HMMP_BIND_A_EXPIRES_MS, bi->expires_ms,
			      HMMP_BIND_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_BIND_A_AGE_MS, bi->age_ms,
			      HMMP_BIND_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_BIND_A_REFRESH_MS, bi->refresh_ms,
			      HMMP_BIND_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_BIND_A_PKTS_ENCAP,
			      bi->pkts[HMMP_BINDING_ENCAP], HMMP_BIND_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_BIND_A_BYTES_ENCAP,
			      bi->bytes[HMMP_BINDING_ENCAP], HMMP_BIND_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_BIND_A_PKTS_DECAP,
			      bi->pkts[HMMP_BINDING_DECAP], HMMP_BIND_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_BIND_A_BYTES_DECAP,
			      bi->bytes[HMMP_BINDING_DECAP], HMMP_BIND_A_PAD) ||
	    (bi->port && nla_put_be16(skb, HMMP_BIND_A_PORT, bi->port)) ||
	    (bi->pmtu && nla_put_u32(skb, HMMP_BIND_A_PMTU, bi->pmtu))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Splits HMMP_A_BINDING; the key is required, the rest optional. */
static int hmmp_bind_attrs(struct genl_info *info, struct nlattr **tb)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HMMP_A_BINDING))
		return -EINVAL;
	err = nla_parse_nested(tb, HMMP_BIND_A_MAX, info->attrs[HMMP_A_BINDING],
			       hmmp_nl_bind_policy, info->extack);
	if (err)
		return err;
	if (!tb[HMMP_BIND_A_ORIG]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HMMP_A_BINDING],
				    "binding needs its original address");
		return -EINVAL;
	}
	return 0;
}

static u8 hmmp_nla_u8_or(struct nlattr *a, u8 def)
{
	return a ? nla_get_u8(a) : def;
}

static __be32 hmmp_nla_addr_or_any(struct nlattr *a)
{
	return a ? nla_get_in_addr(a) : 0;
}

static int hmmp_nl_binding_new(struct sk_buff *skb, struct genl_info *info)
{
	struct hmmp_net *hn = hmmp_net(genl_info_net(info));
	struct nlattr *tb[HMMP_BIND_A_MAX + 1];
	u16 nlflags = info->nlhdr->nlmsg_flags;
	struct hmmp_binding_params p = {};
	unsigned int flags;
	int err;

	err = hmmp_bind_attrs(info, tb);
	if (err)
		return err;
	if (!tb[HMMP_BIND_A_COA]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HMMP_A_BINDING],
				    "binding needs a care-of address");
		return -EINVAL;
	}
	p.orig = nla_get_in_addr(tb[HMMP_BIND_A_ORIG]);
	p.coa = nla_get_in_addr(tb[HMMP_BIND_A_COA]);
	p.peer = hmmp_nla_addr_or_any(tb[HMMP_BIND_A_PEER]);
	p.encap = hmmp_nla_u8_or(tb[HMMP_BIND_A_ENCAP], HMMP_ENCAP_IPIP);
	p.kind = hmmp_nla_u8_or(tb[HMMP_BIND_A_KIND], HMMP_BIND_CORRESPONDENT);
	p.min_src = hmmp_nla_u8_or(tb[HMMP_BIND_A_MIN_SRC], 0);
	p.lifetime = tb[HMMP_BIND_A_LIFETIME] ?
		     nla_get_u32(tb[HMMP_BIND_A_LIFETIME]) : 0;
	p.port = tb[HMMP_BIND_A_PORT] ? nla_get_be16(tb[HMMP_BIND_A_PORT]) : 0;
	if (p.encap == HMMP_ENCAP_UDP && !p.port) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HMMP_A_BINDING],
				    "udp encapsulation needs the far end's port");
		return -EINVAL;
	}
	if (p.encap != HMMP_ENCAP_UDP && p.port) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[HMMP_BIND_A_PORT],
				    "a port is for udp encapsulation only");
		return -EINVAL;
	}
	if (!hmmp_addr_usable(p.orig) || !hmmp_addr_usable(p.coa) ||
	    (p.peer && !hmmp_addr_usable(p.peer)) || p.orig == p.coa) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HMMP_A_BINDING],
				    "addresses must be distinct unicast addresses");
		return -EINVAL;
	}

	/* As for routes: plain NEW creates; REPLACE replaces, and creates
	 * too with CREATE.
	 */
	if (nlflags & NLM_F_REPLACE)
		flags = HMMP_BINDING_F_REPLACE |
			(nlflags & NLM_F_CREATE ? HMMP_BINDING_F_CREATE : 0);
	else
		flags = HMMP_BINDING_F_CREATE;
	err = hmmp_binding_set(&hn->bindings, &p, flags, jiffies);
	if (err == -EEXIST)
		NL_SET_ERR_MSG(info->extack, "binding exists (use replace)");
	else if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such binding to replace");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "binding table full (bind_max)");
	return err;
}

static int hmmp_nl_binding_del(struct sk_buff *skb, struct genl_info *info)
{
	struct hmmp_net *hn = hmmp_net(genl_info_net(info));
	struct nlattr *tb[HMMP_BIND_A_MAX + 1];
	int err;

	err = hmmp_bind_attrs(info, tb);
	if (err)
		return err;
	err = hmmp_binding_del(&hn->bindings,
			       nla_get_in_addr(tb[HMMP_BIND_A_ORIG]),
			       hmmp_nla_addr_or_any(tb[HMMP_BIND_A_PEER]),
			       hmmp_nla_u8_or(tb[HMMP_BIND_A_KIND],
					      HMMP_BIND_CORRESPONDENT),
			       jiffies);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such binding");
	return err;
}

static int hmmp_nl_binding_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct hmmp_net *hn = hmmp_net(genl_info_net(info));
	struct sk_buff *msg;
	unsigned int n;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	n = hmmp_binding_flush(&hn->bindings, jiffies);
	hdr = hmmp_msg_put(msg, info->snd_portid, info->snd_seq, 0,
			   HMMP_CMD_BINDING_FLUSH);
	if (!hdr || nla_put_u32(msg, HMMP_A_COUNT, n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int hmmp_nl_tunnel_sock(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	int err;

	if (info->attrs[HMMP_A_SOCK_FD]) {
		err = hmmp_udp_attach(net, nla_get_u32(info->attrs[HMMP_A_SOCK_FD]),
				      info->extack);
		if (err)
			return err;
	} else {
		hmmp_udp_detach(net);
	}
	return hmmp_config_reply(info, hmmp_net(net), HMMP_CMD_TUNNEL_SOCK);
}

static int hmmp_fill_binding(struct sk_buff *skb, const void *obj)
{
	return hmmp_put_binding(skb, obj);
}

static int hmmp_dump_binding(const struct hmmp_binding_info *bi, void *arg)
{
	return hmmp_dump_put(arg, bi);
}

static int hmmp_nl_binding_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct hmmp_net *hn = hmmp_net(sock_net(skb->sk));
	struct hmmp_dump_ctx ctx = {
		.skb = skb, .cb = cb, .cmd = HMMP_CMD_BINDING_GET,
		.fill = hmmp_fill_binding,
	};

	rcu_read_lock();
	hmmp_binding_walk(&hn->bindings, (long *)cb->args, jiffies,
			  hmmp_dump_binding, &ctx);
	rcu_read_unlock();
	return skb->len;
}

static int hmmp_put_xlate(struct sk_buff *skb,
			  const struct hmmp_xlate_info *xi)
{
	const struct hmmp_xlate_params *p = &xi->p;
	struct nlattr *nest = nla_nest_start(skb, HMMP_A_XLATE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(skb, HMMP_XLATE_A_LADDR, p->laddr) ||
	    nla_put_be16(skb, HMMP_XLATE_A_LPORT, p->lport) ||
	    nla_put_in_addr(skb, HMMP_XLATE_A_RADDR, p->raddr) ||
	    nla_put_be16(skb, HMMP_XLATE_A_RPORT, p->rport) ||
	    nla_put_in_addr(skb, HMMP_XLATE_A_PEER_LADDR, p->peer_laddr) ||
	    nla_put_be16(skb, HMMP_XLATE_A_PEER_LPORT, p->peer_lport) ||
	    nla_put_in_addr(skb, HMMP_XLATE_A_PEER_RADDR, p->peer_raddr) ||
	    nla_put_be16(skb, HMMP_XLATE_A_PEER_RPORT, p->peer_rport) ||
	    nla_put_in_addr(skb, HMMP_XLATE_A_COA, p->coa) ||
	    (p->port && nla_put_be16(skb, HMMP_XLATE_A_PORT, p->port)) ||
	    nla_put_u8(skb, HMMP_XLATE_A_ENCAP, p->encap) ||
	    nla_put_u32(skb, HMMP_XLATE_A_LIFETIME, p->lifetime) ||
	    nla_put_u64_64bit(skb, HMMP_XLATE_A_EXPIRES_MS, xi->expires_ms,
			      HMMP_XLATE_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_XLATE_A_AGE_MS, xi->age_ms,
			      HMMP_XLATE_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_XLATE_A_PKTS_ENCAP,
			      xi->pkts[HMMP_BINDING_ENCAP], HMMP_XLATE_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_XLATE_A_BYTES_ENCAP,
			      xi->bytes[HMMP_BINDING_ENCAP], HMMP_XLATE_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_XLATE_A_PKTS_DECAP,
			      xi->pkts[HMMP_BINDING_DECAP], HMMP_XLATE_A_PAD) ||
	    nla_put_u64_64bit(skb, HMMP_XLATE_A_BYTES_DECAP,
			      xi->bytes[HMMP_BINDING_DECAP], HMMP_XLATE_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The attributes of a translation request and their names in messages. */
static const struct {
	u16 type;
	const char *msg;
} hmmp_xlate_required[] = {
	{ HMMP_XLATE_A_LADDR, "translation needs LADDR (this host's address)" },
	{ HMMP_XLATE_A_LPORT, "translation needs LPORT (this host's port)" },
	{ HMMP_XLATE_A_RADDR, "translation needs RADDR (the peer's address)" },
	{ HMMP_XLATE_A_RPORT, "translation needs RPORT (the peer's port)" },
	/* the key ends here */
	{ HMMP_XLATE_A_PEER_LADDR,
	  "translation needs PEER_LADDR (the peer's address as it has it)" },
	{ HMMP_XLATE_A_PEER_LPORT,
	  "translation needs PEER_LPORT (the peer's port as it has it)" },
	{ HMMP_XLATE_A_PEER_RADDR,
	  "translation needs PEER_RADDR (this host's address as the peer has it)" },
	{ HMMP_XLATE_A_PEER_RPORT,
	  "translation needs PEER_RPORT (this host's port as the peer has it)" },
	{ HMMP_XLATE_A_COA, "translation needs COA (the tunnel's far end)" },
	{ HMMP_XLATE_A_ENCAP, "translation needs ENCAP (udp, ipip or minimal)" },
};

#define HMMP_XLATE_KEY_ATTRS	4

static __be32 hmmp_nla_addr(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_in_addr(tb[type]) : 0;
}

static __be16 hmmp_nla_port(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_be16(tb[type]) : 0;
}

int hmmp_nl_xlate_params(struct nlattr *nest, bool key_only,
			 struct hmmp_xlate_params *p,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HMMP_XLATE_A_MAX + 1];
	static const u16 addrs[] = {
		HMMP_XLATE_A_LADDR, HMMP_XLATE_A_RADDR,
		HMMP_XLATE_A_PEER_LADDR, HMMP_XLATE_A_PEER_RADDR,
		HMMP_XLATE_A_COA,
	};
	unsigned int i, n;
	int err;

	err = nla_parse_nested(tb, HMMP_XLATE_A_MAX, nest, hmmp_nl_xlate_policy,
			       extack);
	if (err)
		return err;
	n = key_only ? HMMP_XLATE_KEY_ATTRS : ARRAY_SIZE(hmmp_xlate_required);
	for (i = 0; i < n; i++) {
		if (NL_REQ_ATTR_CHECK(extack, nest, tb,
				      hmmp_xlate_required[i].type)) {
			/* NL_SET_ERR_MSG() takes literals only */
			if (extack)
				extack->_msg = hmmp_xlate_required[i].msg;
			NL_SET_BAD_ATTR(extack, nest);
			return -EINVAL;
		}
	}
	memset(p, 0, sizeof(*p));
	p->laddr = hmmp_nla_addr(tb, HMMP_XLATE_A_LADDR);
	p->lport = hmmp_nla_port(tb, HMMP_XLATE_A_LPORT);
	p->raddr = hmmp_nla_addr(tb, HMMP_XLATE_A_RADDR);
	p->rport = hmmp_nla_port(tb, HMMP_XLATE_A_RPORT);
	if (key_only)
		return 0;
	p->peer_laddr = hmmp_nla_addr(tb, HMMP_XLATE_A_PEER_LADDR);
	p->peer_lport = hmmp_nla_port(tb, HMMP_XLATE_A_PEER_LPORT);
	p->peer_raddr = hmmp_nla_addr(tb, HMMP_XLATE_A_PEER_RADDR);
	p->peer_rport = hmmp_nla_port(tb, HMMP_XLATE_A_PEER_RPORT);
	p->coa = hmmp_nla_addr(tb, HMMP_XLATE_A_COA);
	p->port = hmmp_nla_port(tb, HMMP_XLATE_A_PORT);
	p->encap = nla_get_u8(tb[HMMP_XLATE_A_ENCAP]);
	p->lifetime = tb[HMMP_XLATE_A_LIFETIME] ?
		      nla_get_u32(tb[HMMP_XLATE_A_LIFETIME]) : 0;
	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		if (!hmmp_addr_usable(nla_get_in_addr(tb[addrs[i]]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[addrs[i]],
					    "addresses must be unicast addresses");
			return -EINVAL;
		}
	}
	if (p->encap == HMMP_ENCAP_UDP && !p->port) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "udp encapsulation needs the far end's port (PORT)");
		return -EINVAL;
	}
	if (p->encap != HMMP_ENCAP_UDP && p->port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HMMP_XLATE_A_PORT],
				    "a port is for udp encapsulation only");
		return -EINVAL;
	}
	/* What the policy and the checks above let through, the table takes. */
	if (WARN_ON_ONCE(hmmp_xlate_check(p)))
		return -EINVAL;
	return 0;
}

static int hmmp_nl_xlate_new(struct sk_buff *skb, struct genl_info *info)
{
	struct hmmp_net *hn = hmmp_net(genl_info_net(info));
	u16 nlflags = info->nlhdr->nlmsg_flags;
	struct hmmp_xlate_params p;
	unsigned int flags;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HMMP_A_XLATE))
		return -EINVAL;
	err = hmmp_nl_xlate_params(info->attrs[HMMP_A_XLATE], false, &p,
				   info->extack);
	if (err)
		return err;
	/* As for bindings and routes. */
	if (nlflags & NLM_F_REPLACE)
		flags = HMMP_XLATE_F_REPLACE |
			(nlflags & NLM_F_CREATE ? HMMP_XLATE_F_CREATE : 0);
	else
		flags = HMMP_XLATE_F_CREATE;
	err = hmmp_xlate_set(&hn->xlates, &p, flags, jiffies);
	if (err == -EEXIST)
		NL_SET_ERR_MSG(info->extack, "translation exists (use replace)");
	else if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such translation to replace");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "translation table full");
	else if (err == -EADDRINUSE)
		NL_SET_ERR_MSG(info->extack,
			       "another translation has this peer's view from this care-of address and port");
	return err;
}

static int hmmp_nl_xlate_del(struct sk_buff *skb, struct genl_info *info)
{
	struct hmmp_net *hn = hmmp_net(genl_info_net(info));
	struct hmmp_xlate_params p;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HMMP_A_XLATE))
		return -EINVAL;
	err = hmmp_nl_xlate_params(info->attrs[HMMP_A_XLATE], true, &p,
				   info->extack);
	if (err)
		return err;
	err = hmmp_xlate_del(&hn->xlates, p.laddr, p.lport, p.raddr, p.rport,
			     jiffies);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such translation");
	return err;
}

static int hmmp_nl_xlate_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct hmmp_net *hn = hmmp_net(genl_info_net(info));
	struct sk_buff *msg;
	unsigned int n;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	n = hmmp_xlate_flush(&hn->xlates, jiffies);
	hdr = hmmp_msg_put(msg, info->snd_portid, info->snd_seq, 0,
			   HMMP_CMD_XLATE_FLUSH);
	if (!hdr || nla_put_u32(msg, HMMP_A_COUNT, n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int hmmp_fill_xlate(struct sk_buff *skb, const void *obj)
{
	return hmmp_put_xlate(skb, obj);
}

static int hmmp_dump_xlate(const struct hmmp_xlate_info *xi, void *arg)
{
	return hmmp_dump_put(arg, xi);
}

/* Resumable as the binding dump; a message of a dump during which the
 * table changed carries NLM_F_DUMP_INTR.
 */
static int hmmp_nl_xlate_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hmmp_net *hn = hmmp_net(sock_net(skb->sk));
	struct hmmp_dump_ctx ctx = {
		.skb = skb, .cb = cb, .cmd = HMMP_CMD_XLATE_GET,
		.fill = hmmp_fill_xlate, .check_gen = true,
	};

	rcu_read_lock();
	/* Never 0: 0 means "not yet known" to the consistency check. */
	cb->seq = hmmp_xlate_gen(&hn->xlates) | 1U << 31;
	hmmp_xlate_walk(&hn->xlates, (long *)cb->args, jiffies,
			hmmp_dump_xlate, &ctx);
	rcu_read_unlock();
	return skb->len;
}

/*
 * Multicasts one event about @obj to the namespace's listeners, from any
 * context (the tables call it under their locks, BHs off): @cmd with what
 * @fill puts, and HMMP_A_REASON when @with_reason. Dropped silently while
 * the family is going away or nobody listens.
 */
static void hmmp_nl_event(struct net *net, u8 cmd, hmmp_fill_t fill,
			  const void *obj, bool with_reason, u8 reason)
{
	struct sk_buff *msg;
	void *hdr;

	rcu_read_lock();
	if (!READ_ONCE(hmmp_nl_live) ||
	    !genl_has_listeners(&hmmp_family, net, 0))
		goto out;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		goto out;
	hdr = hmmp_msg_put(msg, 0, 0, 0, cmd);
	if (!hdr || fill(msg, obj) ||
	    (with_reason && nla_put_u8(msg, HMMP_A_REASON, reason))) {
		nlmsg_free(msg);
		goto out;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&hmmp_family, net, msg, 0, 0, GFP_ATOMIC);
out:
	rcu_read_unlock();
}

void hmmp_nl_binding_event(struct net *net, enum hmmp_binding_event ev,
			   const struct hmmp_binding_info *bi,
			   enum hmmp_event_reason reason)
{
	bool del = ev == HMMP_BINDING_EV_DEL;

	hmmp_nl_event(net, del ? HMMP_CMD_EVENT_BINDING_DEL :
				 HMMP_CMD_EVENT_BINDING_NEW,
		      hmmp_fill_binding, bi, del, reason);
}

static const u8 hmmp_ev_cmd[] = {
	[HMMP_SIPEYE_EV_NEW] = HMMP_CMD_EVENT_CONN_NEW,
	[HMMP_SIPEYE_EV_ESTABLISHED] = HMMP_CMD_EVENT_CONN_ESTABLISHED,
	[HMMP_SIPEYE_EV_CLOSED] = HMMP_CMD_EVENT_CONN_CLOSED,
};

void hmmp_nl_conn_event(struct net *net, enum hmmp_sipeye_event ev,
			const struct hmmp_conn_info *ci,
			enum hmmp_event_reason reason)
{
	hmmp_nl_event(net, hmmp_ev_cmd[ev], hmmp_fill_conn, ci,
		      ev == HMMP_SIPEYE_EV_CLOSED, reason);
}

static const struct genl_ops hmmp_nl_ops[] = {
	{
		.cmd = HMMP_CMD_VERSION_GET,
		.doit = hmmp_nl_version,
	},
	{
		.cmd = HMMP_CMD_STATS_GET,
		.doit = hmmp_nl_stats,
	},
	{
		.cmd = HMMP_CMD_CONN_GET,
		.dumpit = hmmp_nl_conn_dump,
	},
	{
		.cmd = HMMP_CMD_HANDOFF,
		.doit = hmmp_nl_handoff,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HMMP_CMD_CONFIG_GET,
		.doit = hmmp_nl_config_get,
	},
	{
		.cmd = HMMP_CMD_CONFIG_SET,
		.doit = hmmp_nl_config_set,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HMMP_CMD_BINDING_NEW,
		.doit = hmmp_nl_binding_new,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HMMP_CMD_BINDING_DEL,
		.doit = hmmp_nl_binding_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HMMP_CMD_BINDING_GET,
		.dumpit = hmmp_nl_binding_dump,
	},
	{
		.cmd = HMMP_CMD_BINDING_FLUSH,
		.doit = hmmp_nl_binding_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HMMP_CMD_TUNNEL_SOCK,
		.doit = hmmp_nl_tunnel_sock,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HMMP_CMD_XLATE_NEW,
		.doit = hmmp_nl_xlate_new,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HMMP_CMD_XLATE_DEL,
		.doit = hmmp_nl_xlate_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HMMP_CMD_XLATE_GET,
		.dumpit = hmmp_nl_xlate_dump,
	},
	{
		.cmd = HMMP_CMD_XLATE_FLUSH,
		.doit = hmmp_nl_xlate_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group hmmp_nl_mcgrps[] = {
	{ .name = HMMP_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family hmmp_family __ro_after_init = {
	.name = HMMP_GENL_NAME,
	.version = HMMP_GENL_VERSION,
	.maxattr = HMMP_A_MAX,
	.policy = hmmp_nl_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = hmmp_nl_ops,
	.n_ops = ARRAY_SIZE(hmmp_nl_ops),
	/* Our requests carry NLM_F_CREATE/NLM_F_REPLACE (binding and
	 * translation replace), which genetlink refuses as reserved for
	 * commands at or above resv_start_op; attributes stay strictly
	 * validated (.validate 0).
	 */
	.resv_start_op = HMMP_CMD_XLATE_FLUSH + 1,
	.mcgrps = hmmp_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hmmp_nl_mcgrps),
};

int hmmp_nl_init(void)
{
	int err = genl_register_family(&hmmp_family);

	if (!err)
		WRITE_ONCE(hmmp_nl_live, true);
	return err;
}

void hmmp_nl_uninit(void)
{
	WRITE_ONCE(hmmp_nl_live, false);
	/* Event senders check the flag under RCU. */
	synchronize_rcu();
	genl_unregister_family(&hmmp_family);
}
