// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the netlink policies refuse bad attributes, a translation
 * request's checks refuse what the policy cannot see (with an extended ACK
 * message each), and the packet-path TCP parser refuses bad headers.
 */
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <net/netlink.h>
#include "netlink.h"
#include "hooks.h"

static struct sk_buff *nl_buf(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(1024, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	return skb;
}

/* Strict parse of the attributes in @skb against the top-level policy. */
static int nl_parse(struct sk_buff *skb)
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	int err;

	err = nla_parse(tb, HMMP_A_MAX, (struct nlattr *)skb->data, skb->len,
			hmmp_nl_policy, NULL);
	kfree_skb(skb);
	return err;
}

static struct sk_buff *cfg_with_u32(struct kunit *test, int type, u32 v)
{
	struct sk_buff *skb = nl_buf(test);
	struct nlattr *nest = nla_nest_start(skb, HMMP_A_CONFIG);

	KUNIT_ASSERT_NOT_NULL(test, nest);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, type, v), 0);
	nla_nest_end(skb, nest);
	return skb;
}

static void nl_policy_accepts_valid(struct kunit *test)
{
	struct sk_buff *skb = nl_buf(test);
	struct nlattr *nest;

	KUNIT_ASSERT_EQ(test, nla_put_in_addr(skb, HMMP_A_FILTER_ADDR,
					      htonl(0xc0000201)), 0);
	KUNIT_ASSERT_EQ(test, nla_put_u8(skb, HMMP_A_FILTER_STATE,
					 HMMP_CONN_DISCONNECT), 0);
	nest = nla_nest_start(skb, HMMP_A_CONFIG);
	KUNIT_ASSERT_NOT_NULL(test, nest);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, HMMP_CFG_A_TABLE_MAX, 100), 0);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, HMMP_CFG_A_ROLES,
					  HMMP_ROLE_MOBILE | HMMP_ROLE_ROUTER),
			0);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, HMMP_CFG_A_TIMEOUT_DISCONNECT,
					  1), 0);
	nla_nest_end(skb, nest);
	KUNIT_EXPECT_EQ(test, nl_parse(skb), 0);
}

static void nl_policy_bad_state(struct kunit *test)
{
	struct sk_buff *skb = nl_buf(test);

	nla_put_u8(skb, HMMP_A_FILTER_STATE, HMMP_CONN_STATE_MAX + 1);
	KUNIT_EXPECT_LT(test, nl_parse(skb), 0);
}

static void nl_policy_short_addr(struct kunit *test)
{
	struct sk_buff *skb = nl_buf(test);

	nla_put_u16(skb, HMMP_A_HANDOFF_NEW, 1);
	KUNIT_EXPECT_LT(test, nl_parse(skb), 0);
}

static void nl_policy_unknown_attr(struct kunit *test)
{
	struct sk_buff *skb = nl_buf(test);

	nla_put_u32(skb, HMMP_A_MAX + 1, 1);
	KUNIT_EXPECT_LT(test, nl_parse(skb), 0);
}

/* Attributes the module does not accept yet (no policy entry). */
static void nl_policy_unaccepted_attr(struct kunit *test)
{
	struct sk_buff *skb = nl_buf(test);

	nla_put_u32(skb, HMMP_A_COUNT, 1);
	KUNIT_EXPECT_LT(test, nl_parse(skb), 0);
}

/* nl_parse() of a config nest holding one u32 attribute. */
static int cfg_parse(struct kunit *test, int type, u32 v)
{
	return nl_parse(cfg_with_u32(test, type, v));
}

static void nl_policy_cfg_ranges(struct kunit *test)
{
	KUNIT_EXPECT_LT(test, cfg_parse(test, HMMP_CFG_A_TABLE_MAX, 0), 0);
	KUNIT_EXPECT_LT(test, cfg_parse(test, HMMP_CFG_A_TABLE_MAX,
					BIT(22) + 1), 0);
	KUNIT_EXPECT_EQ(test, cfg_parse(test, HMMP_CFG_A_TABLE_MAX, BIT(22)), 0);
	KUNIT_EXPECT_LT(test, cfg_parse(test, HMMP_CFG_A_TIMEOUT_SETUP, 0), 0);
	KUNIT_EXPECT_LT(test, cfg_parse(test, HMMP_CFG_A_TIMEOUT_ESTABLISHED,
					30 * 24 * 3600 + 1), 0);
	KUNIT_EXPECT_LT(test, cfg_parse(test, HMMP_CFG_A_ROLES, BIT(4)), 0);
	KUNIT_EXPECT_LT(test, cfg_parse(test, HMMP_CFG_A_MAX + 1, 1), 0);
	/* read-only: only HMMP_CMD_TUNNEL_SOCK sets the UDP port */
	KUNIT_EXPECT_LT(test, cfg_parse(test, HMMP_CFG_A_UDP_PORT, 5060), 0);
}

/* A config attribute that is not a nest. */
static void nl_policy_cfg_not_nested(struct kunit *test)
{
	struct sk_buff *skb = nl_buf(test);

	nla_put_u32(skb, HMMP_A_CONFIG, 5);
	KUNIT_EXPECT_LT(test, nl_parse(skb), 0);
}

static struct sk_buff *bind_with(struct kunit *test, int type, int len,
				 u32 v)
{
	struct sk_buff *skb = nl_buf(test);
	struct nlattr *nest = nla_nest_start(skb, HMMP_A_BINDING);

	KUNIT_ASSERT_NOT_NULL(test, nest);
	KUNIT_ASSERT_EQ(test, nla_put_in_addr(skb, HMMP_BIND_A_ORIG,
					      htonl(0xc000020a)), 0);
	if (len == 1)
		KUNIT_ASSERT_EQ(test, nla_put_u8(skb, type, v), 0);
	else if (len == 2)
		KUNIT_ASSERT_EQ(test, nla_put_u16(skb, type, v), 0);
	else
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, type, v), 0);
	nla_nest_end(skb, nest);
	return skb;
}

static void nl_policy_binding(struct kunit *test)
{
	/* Valid values. */
	KUNIT_EXPECT_EQ(test, nl_parse(bind_with(test, HMMP_BIND_A_COA, 4,
						 htonl(0xcb00710a))), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(bind_with(test, HMMP_BIND_A_ENCAP, 1,
						 HMMP_ENCAP_MINIMAL)), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(bind_with(test, HMMP_BIND_A_ENCAP, 1,
						 HMMP_ENCAP_UDP)), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(bind_with(test, HMMP_BIND_A_PORT, 2,
						 htons(5060))), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(bind_with(test, HMMP_BIND_A_KIND, 1,
						 HMMP_BIND_ROUTER)), 0);
	KUNIT_EXPECT_EQ(test, nl_parse(bind_with(test, HMMP_BIND_A_LIFETIME, 4,
						 30 * 24 * 3600)), 0);
	/* Out of range or of the wrong size. */
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_ENCAP, 1,
						 0)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_ENCAP, 1,
						 HMMP_ENCAP_UDP + 1)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_PORT, 4,
						 5060)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_KIND, 1,
						 HMMP_BIND_ROUTER + 1)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_LIFETIME, 4,
						 30 * 24 * 3600 + 1)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_MIN_SRC, 1,
						 2)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_COA, 2,
						 1)), 0);
	/* Reply-only attributes are refused in requests. */
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_PKTS_ENCAP,
						 4, 1)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(bind_with(test, HMMP_BIND_A_MAX + 1,
						 4, 1)), 0);
}

/* A translation request nest from @p, without the attributes in @omit
 * (a mask of BIT(HMMP_XLATE_A_*)), with an 8-byte attribute @extra if
 * non-zero.
 */
static struct sk_buff *xlate_nest(struct kunit *test,
				  const struct hmmp_xlate_params *p,
				  u32 omit, int extra)
{
	struct sk_buff *skb = nl_buf(test);
	struct nlattr *nest = nla_nest_start(skb, HMMP_A_XLATE);
	static const u8 addrs[] = {
		HMMP_XLATE_A_LADDR, HMMP_XLATE_A_RADDR,
		HMMP_XLATE_A_PEER_LADDR, HMMP_XLATE_A_PEER_RADDR,
		HMMP_XLATE_A_COA,
	};
	const __be32 av[] = {
		p->laddr, p->raddr, p->peer_laddr, p->peer_raddr, p->coa,
	};
	static const u8 ports[] = {
		HMMP_XLATE_A_LPORT, HMMP_XLATE_A_RPORT,
		HMMP_XLATE_A_PEER_LPORT, HMMP_XLATE_A_PEER_RPORT,
		HMMP_XLATE_A_PORT,
	};
	const __be16 pv[] = {
		p->lport, p->rport, p->peer_lport, p->peer_rport, p->port,
	};
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, nest);
	for (i = 0; i < ARRAY_SIZE(addrs); i++)
		if (!(omit & BIT(addrs[i])))
			KUNIT_ASSERT_EQ(test, nla_put_in_addr(skb, addrs[i],
							      av[i]), 0);
	for (i = 0; i < ARRAY_SIZE(ports); i++)
		if (!(omit & BIT(ports[i])))
			KUNIT_ASSERT_EQ(test, nla_put_be16(skb, ports[i],
							   pv[i]), 0);
	if (!(omit & BIT(HMMP_XLATE_A_ENCAP)))
		KUNIT_ASSERT_EQ(test, nla_put_u8(skb, HMMP_XLATE_A_ENCAP,
						 p->encap), 0);
	if (!(omit & BIT(HMMP_XLATE_A_LIFETIME)))
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, HMMP_XLATE_A_LIFETIME,
						  p->lifetime), 0);
	if (extra)
		KUNIT_ASSERT_EQ(test, nla_put_u64_64bit(skb, extra, 1,
							HMMP_XLATE_A_PAD), 0);
	nla_nest_end(skb, nest);
	return skb;
}

/* Item 5 of issue 13, as cn has it: <cn:80, nat:50000>, the mobile's
 * <192.0.2.10:40000, cn:80>, now at 198.51.100.129:4500 over udp.
 */
static const struct hmmp_xlate_params xlate_good = {
	.laddr = cpu_to_be32(0xcb007101), .lport = cpu_to_be16(80),
	.raddr = cpu_to_be32(0xc6336401), .rport = cpu_to_be16(50000),
	.peer_laddr = cpu_to_be32(0xc000020a), .peer_lport = cpu_to_be16(40000),
	.peer_raddr = cpu_to_be32(0xcb007101), .peer_rport = cpu_to_be16(80),
	.coa = cpu_to_be32(0xc6336481), .port = cpu_to_be16(4500),
	.encap = HMMP_ENCAP_UDP, .lifetime = 600,
};

static void nl_policy_xlate(struct kunit *test)
{
	struct hmmp_xlate_params p = xlate_good;

	KUNIT_EXPECT_EQ(test, nl_parse(xlate_nest(test, &p, 0, 0)), 0);
	/* Ports are never 0. */
	p.peer_lport = 0;
	KUNIT_EXPECT_LT(test, nl_parse(xlate_nest(test, &p, 0, 0)), 0);
	p = xlate_good;
	p.port = 0;
	KUNIT_EXPECT_LT(test, nl_parse(xlate_nest(test, &p, 0, 0)), 0);
	p = xlate_good;
	p.encap = HMMP_ENCAP_UDP + 1;
	KUNIT_EXPECT_LT(test, nl_parse(xlate_nest(test, &p, 0, 0)), 0);
	p.encap = 0;
	KUNIT_EXPECT_LT(test, nl_parse(xlate_nest(test, &p, 0, 0)), 0);
	p = xlate_good;
	p.lifetime = 30 * 24 * 3600 + 1;
	KUNIT_EXPECT_LT(test, nl_parse(xlate_nest(test, &p, 0, 0)), 0);
	p.lifetime = 30 * 24 * 3600;
	KUNIT_EXPECT_EQ(test, nl_parse(xlate_nest(test, &p, 0, 0)), 0);
	/* Reply-only and unknown attributes are refused in requests. */
	KUNIT_EXPECT_LT(test, nl_parse(xlate_nest(test, &xlate_good, 0,
						  HMMP_XLATE_A_PKTS_ENCAP)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(xlate_nest(test, &xlate_good, 0,
						  HMMP_XLATE_A_EXPIRES_MS)), 0);
	KUNIT_EXPECT_LT(test, nl_parse(xlate_nest(test, &xlate_good, 0,
						  HMMP_XLATE_A_MAX + 1)), 0);
}

/* hmmp_nl_xlate_params() on what a request carries; @extack filled. */
static int xlate_params(struct kunit *test, const struct hmmp_xlate_params *in,
			u32 omit, bool key_only, struct hmmp_xlate_params *out,
			struct netlink_ext_ack *extack)
{
	struct sk_buff *skb = xlate_nest(test, in, omit, 0);
	struct nlattr *tb[HMMP_A_MAX + 1];
	int err;

	memset(extack, 0, sizeof(*extack));
	err = nla_parse(tb, HMMP_A_MAX, (struct nlattr *)skb->data, skb->len,
			hmmp_nl_policy, extack);
	if (!err)
		err = hmmp_nl_xlate_params(tb[HMMP_A_XLATE], key_only, out,
					   extack);
	kfree_skb(skb);
	return err;
}

static void nl_xlate_params_good(struct kunit *test)
{
	struct netlink_ext_ack extack;
	struct hmmp_xlate_params out;

	KUNIT_ASSERT_EQ(test, xlate_params(test, &xlate_good, 0, false, &out,
					   &extack), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&out.laddr, &xlate_good.laddr, 4), 0);
	KUNIT_EXPECT_EQ(test, out.rport, xlate_good.rport);
	KUNIT_EXPECT_EQ(test, out.peer_laddr, xlate_good.peer_laddr);
	KUNIT_EXPECT_EQ(test, out.peer_lport, xlate_good.peer_lport);
	KUNIT_EXPECT_EQ(test, out.coa, xlate_good.coa);
	KUNIT_EXPECT_EQ(test, out.port, xlate_good.port);
	KUNIT_EXPECT_EQ(test, out.encap, HMMP_ENCAP_UDP);
	KUNIT_EXPECT_EQ(test, out.lifetime, 600u);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_check(&out), 0);
	/* LIFETIME is optional: 0, until deleted. */
	KUNIT_ASSERT_EQ(test, xlate_params(test, &xlate_good,
					   BIT(HMMP_XLATE_A_LIFETIME), false,
					   &out, &extack), 0);
	KUNIT_EXPECT_EQ(test, out.lifetime, 0u);
	/* DEL: the key alone. */
	KUNIT_EXPECT_EQ(test, xlate_params(test, &xlate_good,
					   BIT(HMMP_XLATE_A_PEER_LADDR) |
					   BIT(HMMP_XLATE_A_COA) |
					   BIT(HMMP_XLATE_A_ENCAP) |
					   BIT(HMMP_XLATE_A_PORT), true, &out,
					   &extack), 0);
}

/* Each required attribute missing: refused, with a message and the
 * missing type in the extended ACK.
 */
static void nl_xlate_params_missing(struct kunit *test)
{
	static const u8 req[] = {
		HMMP_XLATE_A_LADDR, HMMP_XLATE_A_LPORT, HMMP_XLATE_A_RADDR,
		HMMP_XLATE_A_RPORT, HMMP_XLATE_A_PEER_LADDR,
		HMMP_XLATE_A_PEER_LPORT, HMMP_XLATE_A_PEER_RADDR,
		HMMP_XLATE_A_PEER_RPORT, HMMP_XLATE_A_COA, HMMP_XLATE_A_ENCAP,
	};
	struct netlink_ext_ack extack;
	struct hmmp_xlate_params out;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(req); i++) {
		KUNIT_EXPECT_EQ_MSG(test, xlate_params(test, &xlate_good,
						       BIT(req[i]), false,
						       &out, &extack),
				    -EINVAL, "attribute %u", req[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, extack._msg, "attribute %u",
					  req[i]);
		KUNIT_EXPECT_EQ(test, extack.miss_type, req[i]);
		if (i < 4)	/* the key: DEL needs it too */
			KUNIT_EXPECT_EQ(test, xlate_params(test, &xlate_good,
							   BIT(req[i]), true,
							   &out, &extack),
					-EINVAL);
	}
}

static void nl_xlate_params_refused(struct kunit *test)
{
	struct netlink_ext_ack extack;
	struct hmmp_xlate_params p, out;
	int i;

	for (i = 0; i < 7; i++) {
		p = xlate_good;
		switch (i) {
		case 0:
			p.laddr = htonl(0xe0000001);
			break;
		case 1:
			p.raddr = 0;
			break;
		case 2:
			p.peer_laddr = htonl(0x7f000001);
			break;
		case 3:
			p.peer_raddr = htonl(0xffffffff);
			break;
		case 4:
			p.coa = htonl(0xef000001);
			break;
		case 5: /* with a port */
			p.encap = HMMP_ENCAP_IPIP;
			break;
		case 6:
			p.encap = HMMP_ENCAP_MINIMAL;
			break;
		}
		KUNIT_EXPECT_EQ_MSG(test, xlate_params(test, &p, 0, false,
						       &out, &extack),
				    -EINVAL, "case %d", i);
		KUNIT_EXPECT_NOT_NULL_MSG(test, extack._msg, "case %d", i);
	}
	/* udp without the far end's port */
	KUNIT_EXPECT_EQ(test, xlate_params(test, &xlate_good,
					   BIT(HMMP_XLATE_A_PORT), false, &out,
					   &extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	/* ipip without one is right */
	p = xlate_good;
	p.encap = HMMP_ENCAP_IPIP;
	KUNIT_EXPECT_EQ(test, xlate_params(test, &p, BIT(HMMP_XLATE_A_PORT),
					   false, &out, &extack), 0);
	KUNIT_EXPECT_EQ(test, out.port, 0);
}

/* Packets for the parser: IPv4 + TCP with @optlen option bytes. */
static struct sk_buff *tcp_pkt(struct kunit *test, unsigned int optlen,
			       unsigned int payload)
{
	unsigned int len = sizeof(struct iphdr) + sizeof(struct tcphdr) +
			   optlen + payload;
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
	struct iphdr *iph;
	struct tcphdr *th;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	iph = skb_put_zero(skb, len);
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(len);
	iph->ttl = 64;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = htonl(0xc0000201);
	iph->daddr = htonl(0xc6336401);
	th = (struct tcphdr *)(iph + 1);
	th->source = htons(40000);
	th->dest = htons(80);
	th->seq = htonl(1000);
	th->ack_seq = htonl(2000);
	th->doff = (sizeof(*th) + optlen) / 4;
	th->window = htons(512);
	return skb;
}

static struct tcphdr *pkt_th(struct sk_buff *skb)
{
	return (struct tcphdr *)(skb->data + sizeof(struct iphdr));
}

static void parse_plain(struct kunit *test)
{
	struct sk_buff *skb = tcp_pkt(test, 0, 100);
	struct hmmp_tcp_seg s;

	pkt_th(skb)->ack = 1;
	pkt_th(skb)->psh = 1;
	KUNIT_ASSERT_EQ(test, hmmp_tcp_parse(skb, &s), 0);
	KUNIT_EXPECT_EQ(test, s.saddr, htonl(0xc0000201));
	KUNIT_EXPECT_EQ(test, s.sport, htons(40000));
	KUNIT_EXPECT_EQ(test, s.dport, htons(80));
	KUNIT_EXPECT_EQ(test, s.seq, 1000u);
	KUNIT_EXPECT_EQ(test, s.ack, 2000u);
	KUNIT_EXPECT_EQ(test, s.len, 100u);
	KUNIT_EXPECT_EQ(test, s.flags, HMMP_TCP_ACK);
	KUNIT_EXPECT_EQ(test, s.segs, 1);
	kfree_skb(skb);
}

/* Options do not move the payload length. */
static void parse_syn_options(struct kunit *test)
{
	static const u8 opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2 };
	struct sk_buff *skb = tcp_pkt(test, sizeof(opts), 10);
	struct hmmp_tcp_seg s;

	memcpy((u8 *)pkt_th(skb) + sizeof(struct tcphdr), opts, sizeof(opts));
	pkt_th(skb)->syn = 1;
	KUNIT_ASSERT_EQ(test, hmmp_tcp_parse(skb, &s), 0);
	KUNIT_EXPECT_EQ(test, s.flags, HMMP_TCP_SYN);
	KUNIT_EXPECT_EQ(test, s.len, 10u);
	kfree_skb(skb);
}

static void parse_rejects(struct kunit *test)
{
	struct hmmp_tcp_seg s;
	struct sk_buff *skb;

	/* Truncated: the TCP header is cut. */
	skb = tcp_pkt(test, 0, 0);
	skb_trim(skb, sizeof(struct iphdr) + 10);
	KUNIT_EXPECT_EQ(test, hmmp_tcp_parse(skb, &s), -EINVAL);
	kfree_skb(skb);

	/* Data offset below 5 words, and past the packet. */
	skb = tcp_pkt(test, 0, 0);
	pkt_th(skb)->doff = 4;
	KUNIT_EXPECT_EQ(test, hmmp_tcp_parse(skb, &s), -EINVAL);
	pkt_th(skb)->doff = 15;
	KUNIT_EXPECT_EQ(test, hmmp_tcp_parse(skb, &s), -EINVAL);
	kfree_skb(skb);

	/* IP header length below 20 bytes. */
	skb = tcp_pkt(test, 0, 0);
	((struct iphdr *)skb->data)->ihl = 4;
	KUNIT_EXPECT_EQ(test, hmmp_tcp_parse(skb, &s), -EINVAL);
	kfree_skb(skb);

	/* SYN with FIN or RST: no TCP accepts it. */
	skb = tcp_pkt(test, 0, 0);
	pkt_th(skb)->syn = 1;
	pkt_th(skb)->fin = 1;
	KUNIT_EXPECT_EQ(test, hmmp_tcp_parse(skb, &s), -EINVAL);
	pkt_th(skb)->fin = 0;
	pkt_th(skb)->rst = 1;
	KUNIT_EXPECT_EQ(test, hmmp_tcp_parse(skb, &s), -EINVAL);
	kfree_skb(skb);
}

static void parse_not_tcp(struct kunit *test)
{
	struct sk_buff *skb = tcp_pkt(test, 0, 0);
	struct iphdr *iph = (struct iphdr *)skb->data;
	struct hmmp_tcp_seg s;

	iph->protocol = IPPROTO_UDP;
	KUNIT_EXPECT_EQ(test, hmmp_tcp_parse(skb, &s), -ENOENT);
	iph->protocol = IPPROTO_TCP;
	iph->frag_off = htons(100);	/* a later fragment: no ports */
	KUNIT_EXPECT_EQ(test, hmmp_tcp_parse(skb, &s), -ENOENT);
	kfree_skb(skb);
}

/* Issue 16 item 6: a dump for a caller without CAP_NET_ADMIN carries
 * the record but neither CL_ID nor the ISNs.
 */
static void nl_conn_secrets(struct kunit *test)
{
	struct hmmp_conn_info ci = {
		.orig_local = cpu_to_be32(0xc000020a),
		.cur_local = cpu_to_be32(0xc000020a),
		.remote = cpu_to_be32(0xc0000201),
		.lport = cpu_to_be16(40070), .rport = cpu_to_be16(5001),
		.cl_id = 1000, .isn_local = 1000, .isn_remote = 5000,
		.isn_valid = BIT(HMMP_DIR_OUT) | BIT(HMMP_DIR_IN),
		.state = HMMP_CONN_ESTABLISHED, .confirmed = true,
		.bytes = { 7, 9 },
	};
	static const int secret[] = {
		HMMP_CONN_A_CL_ID, HMMP_CONN_A_ISN_LOCAL, HMMP_CONN_A_ISN_REMOTE,
	};
	struct nlattr *tb[HMMP_CONN_A_MAX + 1];
	struct sk_buff *skb;
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		bool secrets = pass;

		skb = nl_buf(test);
		KUNIT_ASSERT_EQ(test, hmmp_nl_put_conn(skb, &ci, secrets), 0);
		KUNIT_ASSERT_EQ(test, nla_parse_nested(tb, HMMP_CONN_A_MAX,
						       (struct nlattr *)skb->data,
						       NULL, NULL), 0);
		for (i = 0; i < ARRAY_SIZE(secret); i++)
			KUNIT_EXPECT_EQ(test, !!tb[secret[i]], secrets);
		KUNIT_EXPECT_NOT_NULL(test, tb[HMMP_CONN_A_STATE]);
		KUNIT_EXPECT_NOT_NULL(test, tb[HMMP_CONN_A_CONFIRMED]);
		KUNIT_EXPECT_NOT_NULL(test, tb[HMMP_CONN_A_BYTES_OUT]);
		kfree_skb(skb);
	}
}

/* Issue 16 item 5: which CONFIG_SET requests need the initial namespace. */
static bool raises(struct kunit *test, int type, u32 v)
{
	struct sk_buff *skb = cfg_with_u32(test, type, v);
	struct nlattr *tb[HMMP_CFG_A_MAX + 1];
	bool r;

	KUNIT_ASSERT_EQ(test, nla_parse_nested(tb, HMMP_CFG_A_MAX,
					       (struct nlattr *)skb->data,
					       hmmp_nl_cfg_policy, NULL), 0);
	r = hmmp_nl_cfg_raises_limits(tb);
	kfree_skb(skb);
	return r;
}

static void nl_cfg_raises_limits(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, raises(test, HMMP_CFG_A_TABLE_MAX, 65536));
	KUNIT_EXPECT_FALSE(test, raises(test, HMMP_CFG_A_TABLE_MAX, 10));
	KUNIT_EXPECT_TRUE(test, raises(test, HMMP_CFG_A_TABLE_MAX, 65537));
	KUNIT_EXPECT_TRUE(test, raises(test, HMMP_CFG_A_TABLE_MAX, BIT(22)));
	KUNIT_EXPECT_FALSE(test, raises(test, HMMP_CFG_A_BIND_MAX, 4096));
	KUNIT_EXPECT_TRUE(test, raises(test, HMMP_CFG_A_BIND_MAX, 4097));
	KUNIT_EXPECT_FALSE(test, raises(test, HMMP_CFG_A_TIMEOUT_SETUP,
					1000000));
}

static struct kunit_case hmmp_netlink_cases[] = {
	KUNIT_CASE(nl_policy_accepts_valid),
	KUNIT_CASE(nl_policy_bad_state),
	KUNIT_CASE(nl_policy_short_addr),
	KUNIT_CASE(nl_policy_unknown_attr),
	KUNIT_CASE(nl_policy_unaccepted_attr),
	KUNIT_CASE(nl_policy_cfg_ranges),
	KUNIT_CASE(nl_policy_cfg_not_nested),
	KUNIT_CASE(nl_policy_binding),
	KUNIT_CASE(nl_policy_xlate),
	KUNIT_CASE(nl_xlate_params_good),
	KUNIT_CASE(nl_xlate_params_missing),
	KUNIT_CASE(nl_xlate_params_refused),
	KUNIT_CASE(nl_conn_secrets),
	KUNIT_CASE(nl_cfg_raises_limits),
	{}
};

static struct kunit_case hmmp_parse_cases[] = {
	KUNIT_CASE(parse_plain),
	KUNIT_CASE(parse_syn_options),
	KUNIT_CASE(parse_rejects),
	KUNIT_CASE(parse_not_tcp),
	{}
};

static struct kunit_suite hmmp_netlink_suite = {
	.name = "hmmp_netlink",
	.test_cases = hmmp_netlink_cases,
};

static struct kunit_suite hmmp_parse_suite = {
	.name = "hmmp_parse",
	.test_cases = hmmp_parse_cases,
};

kunit_test_suites(&hmmp_netlink_suite, &hmmp_parse_suite);
