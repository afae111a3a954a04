// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the netlink policies refuse bad attributes, and the packet-path
 * TCP parser refuses bad headers.
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

static struct kunit_case hmmp_netlink_cases[] = {
	KUNIT_CASE(nl_policy_accepts_valid),
	KUNIT_CASE(nl_policy_bad_state),
	KUNIT_CASE(nl_policy_short_addr),
	KUNIT_CASE(nl_policy_unknown_attr),
	KUNIT_CASE(nl_policy_unaccepted_attr),
	KUNIT_CASE(nl_policy_cfg_ranges),
	KUNIT_CASE(nl_policy_cfg_not_nested),
	KUNIT_CASE(nl_policy_binding),
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
