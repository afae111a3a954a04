// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: IP-in-IP and minimal encapsulation byte for byte against headers
 * computed by hand, every decapsulation error, the RFC 6040 tables, GSO
 * and checksum offload state, and random round trips (the encoder against
 * the decoder).
 */
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/prandom.h>
#include <net/ip.h>
#include <net/checksum.h>
#include <net/inet_ecn.h>
#include <net/net_namespace.h>
#include "compat.h"
#include "encap.h"

/* KUnit compares plain integers: these strip the byte-order and checksum
 * annotations (__be32, __be16, __sum16) so that sparse stays quiet.
 */
#define EXPECT_EQ_RAW(test, a, b) \
	KUNIT_EXPECT_EQ(test, (__force u32)(a), (__force u32)(b))
#define ASSERT_EQ_RAW(test, a, b) \
	KUNIT_ASSERT_EQ(test, (__force u32)(a), (__force u32)(b))

#define HROOM	128

/* Variables, not macros, so that failure messages stay readable. */
static const __be32 a_orig = cpu_to_be32(0xc0000201);	/* the mobile */
static const __be32 a_peer = cpu_to_be32(0xc6336401);	/* 198.51.100.1 */
static const __be32 a_coa = cpu_to_be32(0xcb007105);	/* care-of */
static const __be32 a_exit = cpu_to_be32(0xcb007109);	/* tunnel exit */

/*
 * The inner packet of the byte-exact tests: UDP 192.0.2.1:40000 ->
 * 198.51.100.1:53, TOS 0xb8 (EF, not-ECT), DF, TTL 63, ID 0x1234, four
 * bytes of payload. Its header checksum, by hand: the 16-bit words sum
 * to 0xc354 after the end-around carry; ~0xc354 = 0x3cab.
 */
static const u8 p1[32] = {
	0x45, 0xb8, 0x00, 0x20, 0x12, 0x34, 0x40, 0x00,
	0x3f, 0x11, 0x3c, 0xab, 0xc0, 0x00, 0x02, 0x01,
	0xc6, 0x33, 0x64, 0x01,
	0x9c, 0x40, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00,
	0xde, 0xad, 0xbe, 0xef,
};

static struct sk_buff *raw_pkt(struct kunit *test, const void *b,
			       unsigned int len)
{
	struct sk_buff *skb = alloc_skb(HROOM + len + 16, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, HROOM);
	skb_put_data(skb, b, len);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, (((const u8 *)b)[0] & 0xf) * 4);
	skb->protocol = htons(ETH_P_IP);
	return skb;
}

static void fix_csum(void *hdr)
{
	struct iphdr *iph = hdr;

	iph->check = 0;
	ip_send_check(iph);
}

/* An outer header a_coa -> a_exit (protocol @proto, TOS @tos) + @b. */
static struct sk_buff *wrap(struct kunit *test, u8 proto, u8 tos,
			    const void *b, unsigned int len)
{
	u8 *buf = kunit_kzalloc(test, 20 + len, GFP_KERNEL);
	struct iphdr *iph = (struct iphdr *)buf;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = tos;
	iph->tot_len = htons(20 + len);
	iph->ttl = 64;
	iph->protocol = proto;
	iph->saddr = a_coa;
	iph->daddr = a_exit;
	fix_csum(iph);
	memcpy(buf + 20, b, len);
	return raw_pkt(test, buf, 20 + len);
}

static struct iphdr *hdr(struct sk_buff *skb, unsigned int off)
{
	return (struct iphdr *)(skb->data + off);
}

/* Bytes of the whole packet, to check that an error left them alone. */
struct snap {
	unsigned int len;
	u8 b[256];
};

static void snap_take(struct kunit *test, struct sk_buff *skb, struct snap *s)
{
	KUNIT_ASSERT_LE(test, skb->len, (unsigned int)sizeof(s->b));
	s->len = skb->len;
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 0, s->b, skb->len), 0);
}

static void snap_same(struct kunit *test, struct sk_buff *skb,
		      const struct snap *s)
{
	KUNIT_EXPECT_EQ(test, skb->len, s->len);
	if (skb->len == s->len)
		KUNIT_EXPECT_EQ(test, memcmp(skb->data, s->b, s->len), 0);
}

/* A decapsulation that must fail with @err and leave the bytes alone. */
static void decap_fails(struct kunit *test, struct sk_buff *skb, int err)
{
	struct hmmp_decap_info info;
	struct snap s;

	snap_take(test, skb, &s);
	KUNIT_EXPECT_EQ(test, hmmp_decap(skb, &info), err);
	snap_same(test, skb, &s);
	kfree_skb(skb);
}

/*
 * A TCP packet a_orig:40000 -> a_peer:80 with @payload bytes of a
 * pattern, its checksum complete, or pending (CHECKSUM_PARTIAL, the
 * pseudo-header sum in th->check) when @partial.
 */
static struct sk_buff *tcp_pkt(struct kunit *test, u8 tos, bool df,
			       unsigned int payload, bool partial)
{
	unsigned int len = 40 + payload, i;
	struct sk_buff *skb = alloc_skb(HROOM + len, GFP_KERNEL);
	struct iphdr *iph;
	struct tcphdr *th;
	u8 *data;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, HROOM);
	iph = skb_put_zero(skb, len);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = tos;
	iph->tot_len = htons(len);
	iph->id = htons(0x1234);
	iph->frag_off = df ? htons(IP_DF) : 0;
	iph->ttl = 64;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = a_orig;
	iph->daddr = a_peer;
	ip_send_check(iph);
	th = (struct tcphdr *)(iph + 1);
	th->source = htons(40000);
	th->dest = htons(80);
	th->seq = htonl(1000);
	th->ack_seq = htonl(1);
	th->doff = 5;
	th->ack = 1;
	th->window = htons(512);
	data = (u8 *)(th + 1);
	for (i = 0; i < payload; i++)
		data[i] = i * 7 + 3;
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, 20);
	skb->protocol = htons(ETH_P_IP);
	if (partial) {
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_transport_header(skb) - skb->head;
		skb->csum_offset = offsetof(struct tcphdr, check);
		th->check = ~csum_tcpudp_magic(a_orig, a_peer, len - 20,
					       IPPROTO_TCP, 0);
	} else {
		th->check = csum_tcpudp_magic(a_orig, a_peer, len - 20,
					      IPPROTO_TCP,
					      csum_partial(th, len - 20, 0));
	}
	return skb;
}

/* The TCP checksum of the IPv4 packet at @off in @skb verifies. */
static bool tcp_csum_ok(struct sk_buff *skb, unsigned int off)
{
	const struct iphdr *iph = hdr(skb, off);
	unsigned int ihl = iph->ihl * 4, len = ntohs(iph->tot_len) - ihl;

	return !csum_tcpudp_magic(iph->saddr, iph->daddr, len, IPPROTO_TCP,
				  csum_partial(skb->data + off + ihl, len, 0));
}

static void ecn_tables(struct kunit *test)
{
	/* RFC 6040 Figure 4, [inner][outer]; -1 = drop. */
	static const int dec[4][4] = {
		[INET_ECN_NOT_ECT] = { 0, 0, 0, -1 },
		[INET_ECN_ECT_1] = { 1, 1, 1, 3 },
		[INET_ECN_ECT_0] = { 2, 1, 2, 3 },
		[INET_ECN_CE] = { 3, 3, 3, 3 },
	};
	/* RFC 6040 4.1 normal mode: copy, but CE becomes ECT(0). */
	static const u8 enc[4] = { 0, 1, 2, 2 };
	int i, o;

	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, hmmp_ecn_encap(0xb8 | i), 0xb8 | enc[i]);
		for (o = 0; o < 4; o++) {
			int got = hmmp_ecn_decap(0x28 | o, 0xb8 | i);

			if (dec[i][o] < 0)
				KUNIT_EXPECT_EQ(test, got, -EILSEQ);
			else
				KUNIT_EXPECT_EQ(test, got, 0xb8 | dec[i][o]);
		}
	}
}

static void ipip_bytes(struct kunit *test)
{
	/* Outer: TOS copied, DF copied, ID 0 (DF), TTL 64 (default),
	 * protocol 4. Checksum by hand: the words sum to 0x3e01, ~ = 0xc1fe.
	 */
	static const u8 outer[20] = {
		0x45, 0xb8, 0x00, 0x34, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x04, 0xc1, 0xfe, 0xcb, 0x00, 0x71, 0x05,
		0xcb, 0x00, 0x71, 0x09,
	};
	struct sk_buff *skb = raw_pkt(test, p1, sizeof(p1));

	KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit, 0),
			0);
	KUNIT_ASSERT_EQ(test, skb->len, 52u);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, outer, 20), 0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + 20, p1, sizeof(p1)), 0);
	KUNIT_EXPECT_EQ(test, skb_network_offset(skb), 0);
	KUNIT_EXPECT_EQ(test, skb_transport_offset(skb), 20);
	EXPECT_EQ_RAW(test, skb->protocol, htons(ETH_P_IP));
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
	kfree_skb(skb);
}

static void minimal_bytes(struct kunit *test)
{
	/* Without S: the encapsulator is the source. IP words sum to
	 * 0xd557, ~ = 0x2aa8; forwarding header 0x3b35, ~ = 0xc4ca.
	 */
	static const u8 m0[28] = {
		0x45, 0xb8, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00,
		0x3f, 0x37, 0x2a, 0xa8, 0xc0, 0x00, 0x02, 0x01,
		0xcb, 0x00, 0x71, 0x09,
		0x11, 0x00, 0xc4, 0xca, 0xc6, 0x33, 0x64, 0x01,
	};
	/* With S: IP 0x4f60, ~ = 0xb09f; forwarding 0xfdb6, ~ = 0x0249. */
	static const u8 m1[32] = {
		0x45, 0xb8, 0x00, 0x2c, 0x12, 0x34, 0x40, 0x00,
		0x3f, 0x37, 0xb0, 0x9f, 0xcb, 0x00, 0x71, 0x05,
		0xcb, 0x00, 0x71, 0x09,
		0x11, 0x80, 0x02, 0x49, 0xc6, 0x33, 0x64, 0x01,
		0xc0, 0x00, 0x02, 0x01,
	};
	struct sk_buff *skb = raw_pkt(test, p1, sizeof(p1));

	KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(skb, a_orig, a_exit, false),
			0);
	KUNIT_ASSERT_EQ(test, skb->len, 40u);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, m0, sizeof(m0)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + 28, p1 + 20, 12), 0);
	KUNIT_EXPECT_EQ(test, skb_network_offset(skb), 0);
	KUNIT_EXPECT_EQ(test, skb_transport_offset(skb), 28);
	kfree_skb(skb);

	skb = raw_pkt(test, p1, sizeof(p1));
	KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true), 0);
	KUNIT_ASSERT_EQ(test, skb->len, 44u);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, m1, sizeof(m1)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + 32, p1 + 20, 12), 0);
	KUNIT_EXPECT_EQ(test, skb_transport_offset(skb), 32);
	kfree_skb(skb);

	/* Another source without S would lose the original: S is forced. */
	skb = raw_pkt(test, p1, sizeof(p1));
	KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, false),
			0);
	KUNIT_ASSERT_EQ(test, skb->len, 44u);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, m1, sizeof(m1)), 0);
	kfree_skb(skb);
}

/* TOS/ECN, DF, TTL and ID rules of the outer header. */
static void ipip_header_rules(struct kunit *test)
{
	int ecn;

	for (ecn = 0; ecn < 4; ecn++) {
		bool df = ecn & 1;
		struct sk_buff *skb = tcp_pkt(test, 0x28 | ecn, df, 10, false);
		struct iphdr *o, *i;

		KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa,
						      a_exit, 17), 0);
		o = hdr(skb, 0);
		i = hdr(skb, 20);
		KUNIT_EXPECT_EQ(test, o->tos, hmmp_ecn_encap(0x28 | ecn));
		KUNIT_EXPECT_EQ(test, i->tos, 0x28 | ecn);
		KUNIT_EXPECT_EQ(test, o->ttl, 17);
		KUNIT_EXPECT_EQ(test, i->ttl, 64);
		EXPECT_EQ_RAW(test, o->frag_off, df ? htons(IP_DF) : 0);
		if (df)
			EXPECT_EQ_RAW(test, o->id, 0);
		KUNIT_EXPECT_EQ(test, ntohs(o->tot_len), 70);
		EXPECT_EQ_RAW(test, ip_fast_csum(o, 5), 0);
		KUNIT_EXPECT_TRUE(test, tcp_csum_ok(skb, 20));
		kfree_skb(skb);
	}
	/* CE never goes on the outer header. */
	KUNIT_EXPECT_EQ(test, hmmp_ecn_encap(0x28 | INET_ECN_CE),
			0x28 | INET_ECN_ECT_0);
}

/* The minimal encapsulation keeps TTL, TOS, ID and DF (RFC 2004 3). */
static void minimal_header_rules(struct kunit *test)
{
	struct sk_buff *skb = tcp_pkt(test, 0x2b, false, 10, false);
	struct iphdr *iph;

	KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, false),
			0);
	iph = hdr(skb, 0);
	KUNIT_EXPECT_EQ(test, iph->tos, 0x2b);
	KUNIT_EXPECT_EQ(test, iph->ttl, 64);
	EXPECT_EQ_RAW(test, iph->id, htons(0x1234));
	EXPECT_EQ_RAW(test, iph->frag_off, 0);
	KUNIT_EXPECT_EQ(test, iph->protocol, HMMP_IPPROTO_MINIMAL);
	EXPECT_EQ_RAW(test, ip_fast_csum(iph, 5), 0);
	EXPECT_EQ_RAW(test, ip_compute_csum(skb->data + 20, 12), 0);
	kfree_skb(skb);
}

static void encap_refuses(struct kunit *test)
{
	u8 b[sizeof(p1)];
	struct sk_buff *skb;
	struct snap s;

	/* Not IPv4, ihl < 5, too short. */
	memcpy(b, p1, sizeof(b));
	b[0] = 0x65;
	skb = raw_pkt(test, b, sizeof(b));
	snap_take(test, skb, &s);
	KUNIT_EXPECT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit,
					      0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true),
			-EINVAL);
	snap_same(test, skb, &s);
	kfree_skb(skb);
	b[0] = 0x44;
	skb = raw_pkt(test, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit,
					      0), -EINVAL);
	kfree_skb(skb);
	skb = raw_pkt(test, p1, 12);
	KUNIT_EXPECT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit,
					      0), -EINVAL);
	kfree_skb(skb);

	/* No nesting. */
	memcpy(b, p1, sizeof(b));
	b[9] = IPPROTO_IPIP;
	fix_csum(b);
	skb = raw_pkt(test, b, sizeof(b));
	snap_take(test, skb, &s);
	KUNIT_EXPECT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit,
					      0), -ELOOP);
	KUNIT_EXPECT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true),
			-ELOOP);
	snap_same(test, skb, &s);
	kfree_skb(skb);
	b[9] = HMMP_IPPROTO_MINIMAL;
	fix_csum(b);
	skb = raw_pkt(test, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit,
					      0), -ELOOP);
	KUNIT_EXPECT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true),
			-ELOOP);
	kfree_skb(skb);

	/* Minimal: no fragments (RFC 2004 3), lengths must agree. */
	memcpy(b, p1, sizeof(b));
	b[6] = 0x20;	/* MF */
	fix_csum(b);
	skb = raw_pkt(test, b, sizeof(b));
	snap_take(test, skb, &s);
	KUNIT_EXPECT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true),
			-EOPNOTSUPP);
	snap_same(test, skb, &s);
	/* ... but IP-in-IP carries fragments. */
	KUNIT_EXPECT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit,
					      0), 0);
	kfree_skb(skb);
	memcpy(b, p1, sizeof(b));
	b[3] = 0x1c;
	fix_csum(b);
	skb = raw_pkt(test, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true),
			-EINVAL);
	kfree_skb(skb);
}

/* Neither result may exceed 65535 bytes. */
static void encap_too_big(struct kunit *test)
{
	struct sk_buff *skb = tcp_pkt(test, 0, true, 65535 - 40 - 10, false);
	unsigned int len = skb->len;

	KUNIT_EXPECT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit,
					      0), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	/* 8 bytes still fit when the encapsulator is the source. */
	KUNIT_EXPECT_EQ(test, hmmp_encap_minimal(skb, a_orig, a_exit, false),
			0);
	KUNIT_EXPECT_EQ(test, skb->len, 65535u - 2);
	kfree_skb(skb);
}

/* A skb without headroom gets some. */
static void encap_headroom(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(sizeof(p1), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, p1, sizeof(p1));
	skb_reset_network_header(skb);
	skb->protocol = htons(ETH_P_IP);
	KUNIT_ASSERT_LT(test, skb_headroom(skb), 20u);
	KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit, 0),
			0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + 20, p1, sizeof(p1)), 0);
	kfree_skb(skb);

	/* And a clone's shared header is not written. */
	skb = raw_pkt(test, p1, sizeof(p1));
	{
		struct sk_buff *cl = skb_clone(skb, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, cl);
		KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(cl, a_coa, a_exit,
							 true), 0);
		KUNIT_EXPECT_EQ(test, memcmp(skb->data, p1, sizeof(p1)), 0);
		KUNIT_EXPECT_EQ(test, hdr(cl, 0)->protocol,
				HMMP_IPPROTO_MINIMAL);
		kfree_skb(cl);
	}
	kfree_skb(skb);
}

/* Decapsulates @skb, expects success, the info and @orig's bytes. */
static void decap_same(struct kunit *test, struct sk_buff *skb,
		       const u8 *orig, unsigned int len, u8 encap)
{
	struct hmmp_decap_info info;
	const struct iphdr *o = (const struct iphdr *)orig;

	KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, info.encap, encap);
	EXPECT_EQ_RAW(test, info.inner_saddr, o->saddr);
	EXPECT_EQ_RAW(test, info.inner_daddr, o->daddr);
	KUNIT_EXPECT_EQ(test, info.inner_protocol, o->protocol);
	KUNIT_EXPECT_EQ(test, info.len, len);
	EXPECT_EQ_RAW(test, info.outer_daddr, a_exit);
	KUNIT_ASSERT_EQ(test, skb->len, len);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, orig, len), 0);
	KUNIT_EXPECT_EQ(test, skb_network_offset(skb), 0);
	KUNIT_EXPECT_EQ(test, skb_transport_offset(skb), o->ihl * 4);
}

static void roundtrip_fixed(struct kunit *test)
{
	struct hmmp_decap_info info;
	struct sk_buff *skb;

	skb = raw_pkt(test, p1, sizeof(p1));
	KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit, 0),
			0);
	decap_same(test, skb, p1, sizeof(p1), HMMP_ENCAP_IPIP);
	kfree_skb(skb);

	skb = raw_pkt(test, p1, sizeof(p1));
	KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(skb, a_orig, a_exit, false),
			0);
	KUNIT_ASSERT_EQ(test, hmmp_decap_parse(skb, &info), 0);
	KUNIT_EXPECT_FALSE(test, info.min_src);
	EXPECT_EQ_RAW(test, info.outer_saddr, a_orig);
	decap_same(test, skb, p1, sizeof(p1), HMMP_ENCAP_MINIMAL);
	kfree_skb(skb);

	skb = raw_pkt(test, p1, sizeof(p1));
	KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true), 0);
	KUNIT_ASSERT_EQ(test, hmmp_decap_parse(skb, &info), 0);
	KUNIT_EXPECT_TRUE(test, info.min_src);
	EXPECT_EQ_RAW(test, info.outer_saddr, a_coa);
	decap_same(test, skb, p1, sizeof(p1), HMMP_ENCAP_MINIMAL);
	kfree_skb(skb);
}

/*
 * The encoder against the decoder on random packets: any TOS (CE too),
 * DF or not, IP options or not, any length, all three encapsulations.
 */
static void roundtrip_random(struct kunit *test)
{
	struct rnd_state rnd;
	u8 *orig = kunit_kzalloc(test, 1600, GFP_KERNEL);
	int n;

	KUNIT_ASSERT_NOT_NULL(test, orig);
	prandom_seed_state(&rnd, 2004);
	for (n = 0; n < 300; n++) {
		u32 r = prandom_u32_state(&rnd);
		unsigned int ihl = r & 1 ? 24 : 20;
		unsigned int len = ihl + prandom_u32_state(&rnd) % 1400;
		struct iphdr *iph = (struct iphdr *)orig;
		struct sk_buff *skb;
		int kind = (r >> 1) % 3, err;
		u8 encap;

		prandom_bytes_state(&rnd, orig, len);
		iph->version = 4;
		iph->ihl = ihl / 4;
		iph->tot_len = htons(len);
		iph->frag_off = r & 4 ? htons(IP_DF) : 0;
		iph->protocol = r & 8 ? IPPROTO_TCP : IPPROTO_UDP;
		iph->saddr = a_orig;
		if (ihl > 20)	/* NOP, NOP, NOP, end of options */
			memcpy(orig + 20, "\x01\x01\x01\x00", 4);
		fix_csum(iph);

		skb = raw_pkt(test, orig, len);
		if (kind == 0) {
			err = hmmp_encap_ipip(&init_net, skb, a_coa, a_exit,
					      r >> 24);
			encap = HMMP_ENCAP_IPIP;
		} else {
			err = hmmp_encap_minimal(skb, kind == 1 ? a_orig :
						 a_coa, a_exit, r & 16);
			encap = HMMP_ENCAP_MINIMAL;
		}
		KUNIT_ASSERT_EQ(test, err, 0);
		ASSERT_EQ_RAW(test, ip_fast_csum(skb->data, hdr(skb, 0)->ihl), 0);
		decap_same(test, skb, orig, len, encap);
		kfree_skb(skb);
	}
}

/* Ethernet padding after the outer packet and bytes after the inner
 * one are trimmed.
 */
static void decap_trims(struct kunit *test)
{
	u8 b[sizeof(p1) + 6];
	struct sk_buff *skb;

	memcpy(b, p1, sizeof(p1));
	memset(b + sizeof(p1), 0xee, 6);
	skb = wrap(test, IPPROTO_IPIP, 0, b, sizeof(b));
	skb_put_data(skb, "\xaa\xaa\xaa\xaa", 4);
	decap_same(test, skb, p1, sizeof(p1), HMMP_ENCAP_IPIP);
	kfree_skb(skb);

	skb = raw_pkt(test, p1, sizeof(p1));
	KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit, true), 0);
	skb_put_data(skb, "\xaa\xaa\xaa\xaa", 4);
	decap_same(test, skb, p1, sizeof(p1), HMMP_ENCAP_MINIMAL);
	kfree_skb(skb);
}

static void decap_not_ours(struct kunit *test)
{
	decap_fails(test, raw_pkt(test, p1, sizeof(p1)), -EPROTONOSUPPORT);
}

/* A fragment of an encapsulated packet: only after reassembly. */
static void decap_fragment(struct kunit *test)
{
	struct sk_buff *skb = wrap(test, IPPROTO_IPIP, 0, p1, sizeof(p1));

	hdr(skb, 0)->frag_off = htons(IP_MF);
	fix_csum(skb->data);
	decap_fails(test, skb, -EAGAIN);
	skb = wrap(test, HMMP_IPPROTO_MINIMAL, 0, p1, sizeof(p1));
	hdr(skb, 0)->frag_off = htons(10);
	fix_csum(skb->data);
	decap_fails(test, skb, -EAGAIN);
}

static void decap_ipip_malformed(struct kunit *test)
{
	u8 b[sizeof(p1) + 4] __aligned(4);
	struct sk_buff *skb;

	/* Truncated: fewer bytes than an IPv4 header after the outer. */
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, p1, 19), -ENODATA);
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, p1, 0), -ENODATA);
	/* Outer tot_len says less than the whole inner header. */
	skb = wrap(test, IPPROTO_IPIP, 0, p1, sizeof(p1));
	hdr(skb, 0)->tot_len = htons(20 + 12);
	fix_csum(skb->data);
	decap_fails(test, skb, -ENODATA);
	/* Outer tot_len beyond the buffer. */
	skb = wrap(test, IPPROTO_IPIP, 0, p1, sizeof(p1));
	hdr(skb, 0)->tot_len = htons(20 + sizeof(p1) + 1);
	fix_csum(skb->data);
	decap_fails(test, skb, -EMSGSIZE);
	/* Outer tot_len below its own header. */
	skb = wrap(test, IPPROTO_IPIP, 0, p1, sizeof(p1));
	hdr(skb, 0)->tot_len = htons(16);
	fix_csum(skb->data);
	decap_fails(test, skb, -EMSGSIZE);

	/* Inner tot_len too large, or below its header. */
	memcpy(b, p1, sizeof(p1));
	b[3] = sizeof(p1) + 1;
	fix_csum(b);
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, b, sizeof(p1)),
		    -EMSGSIZE);
	b[3] = 19;
	fix_csum(b);
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, b, sizeof(p1)),
		    -EMSGSIZE);

	/* Inner ihl < 5, or not IPv4. */
	memcpy(b, p1, sizeof(p1));
	b[0] = 0x44;
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, b, sizeof(p1)), -EPROTO);
	b[0] = 0x65;
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, b, sizeof(p1)), -EPROTO);
	/* Inner header options beyond the payload. */
	b[0] = 0x4f;
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, b, sizeof(p1)),
		    -ENODATA);

	/* Bad inner checksum. */
	memcpy(b, p1, sizeof(p1));
	b[11] ^= 1;
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, b, sizeof(p1)),
		    -EBADMSG);

	/* Nested: IP-in-IP and minimal inside IP-in-IP. */
	memcpy(b, p1, sizeof(p1));
	b[9] = IPPROTO_IPIP;
	fix_csum(b);
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, b, sizeof(p1)), -ELOOP);
	b[9] = HMMP_IPPROTO_MINIMAL;
	fix_csum(b);
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0, b, sizeof(p1)), -ELOOP);

	/* Outer header itself broken (ip_rcv would have caught it). */
	skb = wrap(test, IPPROTO_IPIP, 0, p1, sizeof(p1));
	hdr(skb, 0)->ihl = 4;
	decap_fails(test, skb, -EPROTO);
}

/* The forwarding header @fl bytes long (8/12) for p1, checksum set. */
static void min_fwd(u8 *f, bool s)
{
	struct hmmp_minhdr *mh = (struct hmmp_minhdr *)f;

	mh->protocol = IPPROTO_UDP;
	mh->flags = s ? HMMP_MINIMAL_S : 0;
	mh->check = 0;
	mh->daddr = a_peer;
	mh->saddr = a_orig;
	mh->check = ip_compute_csum(f, s ? 12 : 8);
}

static void decap_minimal_malformed(struct kunit *test)
{
	u8 b[12 + 12] __aligned(4);
	struct sk_buff *skb;

	/* Truncated: less than 8 bytes, or S set and less than 12. */
	min_fwd(b, false);
	decap_fails(test, wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 7), -ENODATA);
	decap_fails(test, wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 0), -ENODATA);
	min_fwd(b, true);
	decap_fails(test, wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 10),
		    -ENODATA);
	/* Lengths disagree: tot_len beyond the buffer. */
	memcpy(b + 12, p1 + 20, 12);
	skb = wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 24);
	hdr(skb, 0)->tot_len = htons(20 + 24 + 4);
	fix_csum(skb->data);
	decap_fails(test, skb, -EMSGSIZE);
	/* The S bit is covered by the checksum: flipping it is caught. */
	b[1] = 0;
	decap_fails(test, wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 24),
		    -EBADMSG);
	/* Bad checksum. */
	min_fwd(b, true);
	b[2] ^= 0x10;
	decap_fails(test, wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 24),
		    -EBADMSG);
	min_fwd(b, false);
	b[7] ^= 1;
	decap_fails(test, wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 20),
		    -EBADMSG);
	/* Nested: IP-in-IP inside minimal, minimal inside minimal. */
	min_fwd(b, false);
	b[0] = IPPROTO_IPIP;
	b[2] = 0;
	b[3] = 0;
	((struct hmmp_minhdr *)b)->check = ip_compute_csum(b, 8);
	decap_fails(test, wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 20), -ELOOP);
	b[0] = HMMP_IPPROTO_MINIMAL;
	b[2] = 0;
	b[3] = 0;
	((struct hmmp_minhdr *)b)->check = ip_compute_csum(b, 8);
	decap_fails(test, wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 20), -ELOOP);

	/* And the good ones, by hand: S and no S. */
	min_fwd(b, true);
	skb = wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 24);
	{
		struct hmmp_decap_info info;

		KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
		EXPECT_EQ_RAW(test, hdr(skb, 0)->saddr, a_orig);
		EXPECT_EQ_RAW(test, hdr(skb, 0)->daddr, a_peer);
		KUNIT_EXPECT_EQ(test, hdr(skb, 0)->protocol, IPPROTO_UDP);
		KUNIT_EXPECT_EQ(test, ntohs(hdr(skb, 0)->tot_len), 32);
		EXPECT_EQ_RAW(test, ip_fast_csum(skb->data, 5), 0);
		KUNIT_EXPECT_EQ(test, memcmp(skb->data + 20, p1 + 20, 12), 0);
	}
	kfree_skb(skb);
	min_fwd(b, false);
	memcpy(b + 8, p1 + 20, 12);
	skb = wrap(test, HMMP_IPPROTO_MINIMAL, 0, b, 20);
	{
		struct hmmp_decap_info info;

		KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
		/* No S: the source stays the outer one. */
		EXPECT_EQ_RAW(test, hdr(skb, 0)->saddr, a_coa);
		EXPECT_EQ_RAW(test, info.inner_saddr, a_coa);
		KUNIT_EXPECT_EQ(test, ntohs(hdr(skb, 0)->tot_len), 32);
		EXPECT_EQ_RAW(test, ip_fast_csum(skb->data, 5), 0);
	}
	kfree_skb(skb);
}

/* RFC 6040 on the packet: CE in the outer header. */
static void decap_ecn(struct kunit *test)
{
	u8 b[sizeof(p1)];
	struct hmmp_decap_info info;
	struct sk_buff *skb;

	/* Into a not-ECT packet: dropped. */
	decap_fails(test, wrap(test, IPPROTO_IPIP, 0xb8 | INET_ECN_CE, p1,
			       sizeof(p1)), -EILSEQ);

	/* Into ECT(0): the inner packet gets CE, its checksum follows. */
	memcpy(b, p1, sizeof(b));
	b[1] = 0xb8 | INET_ECN_ECT_0;
	fix_csum(b);
	skb = wrap(test, IPPROTO_IPIP, INET_ECN_CE, b, sizeof(b));
	KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, hdr(skb, 0)->tos, 0xb8 | INET_ECN_CE);
	EXPECT_EQ_RAW(test, ip_fast_csum(skb->data, 5), 0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + 20, p1 + 20, 12), 0);
	kfree_skb(skb);

	/* ECT(1) outer on ECT(0) inner: ECT(1). */
	skb = wrap(test, IPPROTO_IPIP, INET_ECN_ECT_1, b, sizeof(b));
	KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, hdr(skb, 0)->tos, 0xb8 | INET_ECN_ECT_1);
	EXPECT_EQ_RAW(test, ip_fast_csum(skb->data, 5), 0);
	kfree_skb(skb);

	/* The outer DSCP never leaks in. */
	skb = wrap(test, IPPROTO_IPIP, 0x04 | INET_ECN_ECT_0, b, sizeof(b));
	KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, b, sizeof(b)), 0);
	kfree_skb(skb);
}

/* The MAC header moves up to the inner packet; a COMPLETE sum holds. */
static void decap_skb_state(struct kunit *test)
{
	static const u8 mac[14] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00,
	};
	int kind;

	for (kind = 0; kind < 4; kind++) {
		struct hmmp_decap_info info;
		struct sk_buff *skb;
		u8 b[sizeof(p1)];

		memcpy(b, p1, sizeof(b));
		b[1] = 0xb8 | INET_ECN_ECT_0;
		fix_csum(b);
		skb = raw_pkt(test, b, sizeof(b));
		switch (kind) {
		case 0:
			KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb,
							      a_coa, a_exit,
							      0), 0);
			break;
		case 1:	/* and CE on the way */
			KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb,
							      a_coa, a_exit,
							      0), 0);
			hdr(skb, 0)->tos |= INET_ECN_CE;
			fix_csum(skb->data);
			break;
		default:
			KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(skb, a_coa,
								 a_exit,
								 kind == 3),
					0);
			break;
		}
		memcpy(skb_push(skb, 14), mac, 14);
		skb_reset_mac_header(skb);
		skb_pull(skb, 14);
		skb_reset_network_header(skb);
		skb->mac_len = 14;
		skb->ip_summed = CHECKSUM_COMPLETE;
		skb->csum = csum_partial(skb->data, skb->len, 0);

		KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
		KUNIT_EXPECT_PTR_EQ(test, skb_mac_header(skb) + 14, skb->data);
		KUNIT_EXPECT_EQ(test, memcmp(skb_mac_header(skb), mac, 14), 0);
		KUNIT_EXPECT_EQ(test, skb_network_offset(skb), 0);
		KUNIT_EXPECT_EQ(test, skb_transport_offset(skb), 20);
		KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_COMPLETE);
		EXPECT_EQ_RAW(test, csum_fold(skb->csum),
			      csum_fold(csum_partial(skb->data, skb->len, 0)));
		KUNIT_EXPECT_EQ(test, hdr(skb, 0)->tos,
				0xb8 | (kind == 1 ? INET_ECN_CE :
					INET_ECN_ECT_0));
		kfree_skb(skb);
	}
}

/* CHECKSUM_PARTIAL: the pending TCP checksum survives both ways. */
static void csum_partial_kept(struct kunit *test)
{
	int kind;

	for (kind = 0; kind < 3; kind++) {
		struct sk_buff *skb = tcp_pkt(test, 0, true, 333, true);
		unsigned int start = skb->csum_start, off = skb->csum_offset;
		unsigned int hl = kind == 0 ? 20 : kind == 1 ? 8 : 12;
		struct hmmp_decap_info info;

		if (kind == 0)
			KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb,
							      a_coa, a_exit,
							      0), 0);
		else
			KUNIT_ASSERT_EQ(test,
					hmmp_encap_minimal(skb, kind == 1 ?
							   a_orig : a_coa,
							   a_exit, false), 0);
		KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
		/* Still the TCP header, now hl bytes further in. */
		KUNIT_EXPECT_EQ(test, skb->csum_start, start);
		KUNIT_EXPECT_EQ(test, skb->csum_offset, off);
		KUNIT_EXPECT_EQ(test, skb_checksum_start_offset(skb), 20 + hl);
		if (kind)
			KUNIT_EXPECT_EQ(test, skb_transport_offset(skb),
					20 + hl);
		else
			KUNIT_EXPECT_EQ(test, skb_inner_transport_offset(skb),
					40);
		/* What the device (or the stack) does at the end. */
		KUNIT_ASSERT_EQ(test, skb_checksum_help(skb), 0);
		KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
		KUNIT_EXPECT_TRUE(test, tcp_csum_ok(skb, 0));
		kfree_skb(skb);
	}
}

/* A TCP GSO skb of @segs segments of @mss, as TCP would hand it down. */
static struct sk_buff *gso_pkt(struct kunit *test, unsigned int mss,
			       unsigned int payload)
{
	struct sk_buff *skb = tcp_pkt(test, INET_ECN_ECT_0, true, payload,
				      true);

	skb_shinfo(skb)->gso_size = mss;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
	skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(payload, mss);
	KUNIT_ASSERT_NOT_NULL(test, init_net.loopback_dev);
	skb->dev = init_net.loopback_dev;
	return skb;
}

/* Checks one TCP segment at @off of @skb: the @i-th of @mss bytes. */
static void check_seg(struct kunit *test, struct sk_buff *skb,
		      unsigned int off, unsigned int i, unsigned int mss,
		      unsigned int payload)
{
	const struct iphdr *iph = hdr(skb, off);
	const struct tcphdr *th = (const struct tcphdr *)(iph + 1);
	unsigned int n = min(mss, payload - i * mss), k;
	const u8 *data = (const u8 *)(th + 1);

	KUNIT_EXPECT_EQ(test, ntohs(iph->tot_len), 40 + n);
	KUNIT_EXPECT_EQ(test, skb->len, off + 40 + n);
	EXPECT_EQ_RAW(test, ip_fast_csum(iph, 5), 0);
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), 1000 + i * mss);
	KUNIT_EXPECT_TRUE(test, tcp_csum_ok(skb, off));
	for (k = 0; k < n; k++) {
		if (data[k] != (u8)((i * mss + k) * 7 + 3)) {
			KUNIT_FAIL(test, "segment %u byte %u differs", i, k);
			break;
		}
	}
}

static void gso_ipip(struct kunit *test)
{
	const unsigned int mss = 100, payload = 250;
	struct sk_buff *skb = gso_pkt(test, mss, payload), *segs, *seg, *next;
	unsigned int i = 0;
	u16 id = 0;

	KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit, 0),
			0);
	/* Marked as Linux's ipip marks it. */
	KUNIT_EXPECT_TRUE(test, skb_is_gso(skb));
	KUNIT_EXPECT_TRUE(test, skb_shinfo(skb)->gso_type & SKB_GSO_IPXIP4);
	KUNIT_EXPECT_TRUE(test, skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_size, mss);
	KUNIT_EXPECT_TRUE(test, skb->encapsulation);
	KUNIT_EXPECT_EQ(test, (int)skb->inner_protocol_type,
			ENCAP_TYPE_IPPROTO);
	KUNIT_EXPECT_EQ(test, skb->inner_ipproto, IPPROTO_IPIP);
	KUNIT_EXPECT_EQ(test, skb_inner_network_offset(skb), 20);
	KUNIT_EXPECT_EQ(test, skb_inner_transport_offset(skb), 40);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, hdr(skb, 0)->tos, INET_ECN_ECT_0);

	/* And the stack's software GSO cuts it right. */
	segs = skb_gso_segment(skb, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(segs));
	skb_list_walk_safe(segs, seg, next) {
		const struct iphdr *o = hdr(seg, 0);

		KUNIT_EXPECT_EQ(test, o->protocol, IPPROTO_IPIP);
		EXPECT_EQ_RAW(test, o->saddr, a_coa);
		EXPECT_EQ_RAW(test, o->daddr, a_exit);
		KUNIT_EXPECT_EQ(test, ntohs(o->tot_len), seg->len);
		EXPECT_EQ_RAW(test, ip_fast_csum(o, 5), 0);
		if (i)
			KUNIT_EXPECT_EQ(test, ntohs(o->id), id + i);
		else
			id = ntohs(o->id);
		check_seg(test, seg, 20, i, mss, payload);
		skb_mark_not_on_list(seg);
		kfree_skb(seg);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, 3u);
	kfree_skb(skb);
}

/* A received GRO aggregate of IP-in-IP decapsulates into plain TCP GSO. */
static void gso_ipip_decap(struct kunit *test)
{
	const unsigned int mss = 100, payload = 250;
	struct sk_buff *skb = gso_pkt(test, mss, payload), *segs, *seg, *next;
	struct hmmp_decap_info info;
	unsigned int i = 0;

	KUNIT_ASSERT_EQ(test, hmmp_encap_ipip(&init_net, skb, a_coa, a_exit, 0),
			0);
	KUNIT_ASSERT_EQ(test, hmmp_decap(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, info.len, 40 + payload);
	KUNIT_EXPECT_TRUE(test, skb_is_gso(skb));
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_type, SKB_GSO_TCPV4);
	KUNIT_EXPECT_FALSE(test, skb->encapsulation);
	segs = skb_gso_segment(skb, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(segs));
	skb_list_walk_safe(segs, seg, next) {
		check_seg(test, seg, 0, i++, mss, payload);
		skb_mark_not_on_list(seg);
		kfree_skb(seg);
	}
	KUNIT_EXPECT_EQ(test, i, 3u);
	kfree_skb(skb);
}

/* Minimal has no GSO type: refused whole, then segmented and wrapped. */
static void gso_minimal(struct kunit *test)
{
	const unsigned int mss = 100, payload = 250;
	netdev_features_t feats[] = { 0, NETIF_F_HW_CSUM };
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(feats); f++) {
		struct sk_buff *skb = gso_pkt(test, mss, payload), *segs;
		struct sk_buff *seg, *next;
		unsigned int i = 0, len = skb->len;

		KUNIT_EXPECT_EQ(test, hmmp_encap_minimal(skb, a_coa, a_exit,
							 true), -EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, skb->len, len);
		segs = hmmp_encap_segment(skb, feats[f]);
		KUNIT_ASSERT_FALSE(test, IS_ERR(segs));	/* skb consumed */
		skb_list_walk_safe(segs, seg, next) {
			struct hmmp_decap_info info;

			skb_mark_not_on_list(seg);
			KUNIT_EXPECT_FALSE(test, skb_is_gso(seg));
			KUNIT_EXPECT_EQ(test, (int)seg->ip_summed,
					feats[f] ? CHECKSUM_PARTIAL :
					CHECKSUM_NONE);
			KUNIT_ASSERT_EQ(test, hmmp_encap_minimal(seg, a_coa,
								 a_exit,
								 true), 0);
			if (seg->ip_summed == CHECKSUM_PARTIAL) {
				KUNIT_EXPECT_EQ(test,
						skb_checksum_start_offset(seg),
						32);
				KUNIT_ASSERT_EQ(test, skb_checksum_help(seg),
						0);
			}
			KUNIT_ASSERT_EQ(test, hmmp_decap(seg, &info), 0);
			check_seg(test, seg, 0, i++, mss, payload);
			kfree_skb(seg);
		}
		KUNIT_EXPECT_EQ(test, i, 3u);
	}
	/* Nothing to cut in a packet that is not GSO. */
	{
		struct sk_buff *skb = tcp_pkt(test, 0, true, 10, false);

		KUNIT_EXPECT_TRUE(test, IS_ERR(hmmp_encap_segment(skb, 0)));
		kfree_skb(skb);
	}
}

/*
 * A datagram as a UDP socket's encap_rcv gets it: an outer header a_coa
 * -> a_exit (TOS @tos), a UDP header 40001 -> 5060 and @b as payload,
 * skb->data at the UDP header.
 */
static struct sk_buff *udp_frame(struct kunit *test, u8 tos, const void *b,
				 unsigned int len)
{
	u8 *buf = kunit_kzalloc(test, 8 + len, GFP_KERNEL);
	struct udphdr *uh = (struct udphdr *)buf;
	struct sk_buff *skb;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	uh->source = htons(40001);
	uh->dest = htons(5060);
	uh->len = htons(8 + len);
	memcpy(buf + 8, b, len);
	skb = wrap(test, IPPROTO_UDP, tos, buf, 8 + len);
	skb_pull(skb, 20);
	skb_reset_transport_header(skb);
	return skb;
}

/* Not a tunnel frame: -ENOENT, bytes untouched (the socket gets it). */
static void udp_not_frame(struct kunit *test, const void *b, unsigned int len)
{
	struct sk_buff *skb = udp_frame(test, 0, b, len);
	struct hmmp_decap_info info;
	struct snap s;

	snap_take(test, skb, &s);
	KUNIT_EXPECT_EQ(test, hmmp_udp_parse(skb, &info), -ENOENT);
	snap_same(test, skb, &s);
	kfree_skb(skb);
}

/* A whole inner IPv4 packet is a frame; it decapsulates to itself. */
static void udp_frame_ok(struct kunit *test)
{
	struct sk_buff *skb = udp_frame(test, 0, p1, sizeof(p1));
	struct hmmp_decap_info info;

	KUNIT_ASSERT_EQ(test, hmmp_udp_parse(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, info.encap, HMMP_ENCAP_UDP);
	EXPECT_EQ_RAW(test, info.outer_saddr, a_coa);
	EXPECT_EQ_RAW(test, info.outer_daddr, a_exit);
	KUNIT_EXPECT_EQ(test, ntohs(info.outer_sport), 40001);
	EXPECT_EQ_RAW(test, info.inner_saddr, a_orig);
	EXPECT_EQ_RAW(test, info.inner_daddr, a_peer);
	KUNIT_EXPECT_EQ(test, info.inner_protocol, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, info.len, (u16)sizeof(p1));
	KUNIT_EXPECT_EQ(test, info.strip, 8);
	KUNIT_EXPECT_EQ(test, info.inner_hlen, 20);
	KUNIT_EXPECT_EQ(test, info.inner_tos, 0xb8);
	KUNIT_ASSERT_EQ(test, hmmp_decap_apply(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, skb->len, (unsigned int)sizeof(p1));
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, p1, sizeof(p1)), 0);
	KUNIT_EXPECT_PTR_EQ(test, (void *)skb_network_header(skb),
			    (void *)skb->data);
	KUNIT_EXPECT_EQ(test, skb_network_header_len(skb), 20u);
	kfree_skb(skb);
}

/*
 * SIP, STUN and keep-alives share the port: none is a frame. "INFO"
 * begins with 0x49 (version 4, ihl 9) but gets neither the header
 * checksum nor the total length right.
 */
static void udp_demux(struct kunit *test)
{
	static const char info[] =
		"INFO sip:bob@198.51.100.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK1\r\n"
		"Content-Length: 0\r\n\r\n";
	static const u8 stun[20] = {
		0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	};
	u8 b[sizeof(p1) + 1] __aligned(4);

	udp_not_frame(test, info, sizeof(info) - 1);
	udp_not_frame(test, "OPTIONS sip:a SIP/2.0\r\n\r\n", 25);
	udp_not_frame(test, stun, sizeof(stun));
	udp_not_frame(test, "\r\n\r\n", 4);		/* RFC 5626 keep-alive */
	udp_not_frame(test, "", 0);
	/* almost a frame: each one thing wrong */
	udp_not_frame(test, p1, 19);			/* short of a header */
	udp_not_frame(test, p1, sizeof(p1) - 1);	/* tot_len too long */
	memcpy(b, p1, sizeof(p1));
	b[sizeof(p1)] = 0;
	udp_not_frame(test, b, sizeof(b));		/* tot_len too short */
	memcpy(b, p1, sizeof(p1));
	b[10] ^= 0x01;					/* header checksum */
	udp_not_frame(test, b, sizeof(p1));
	memcpy(b, p1, sizeof(p1));
	b[0] = 0x44;					/* ihl 4 */
	fix_csum(b);
	udp_not_frame(test, b, sizeof(p1));
	memcpy(b, p1, sizeof(p1));
	b[0] = 0x65;					/* version 6 */
	udp_not_frame(test, b, sizeof(p1));
}

/* Frames that are ours to drop: nested, or refused by RFC 6040. */
static void udp_frame_refused(struct kunit *test)
{
	struct hmmp_decap_info info;
	struct sk_buff *skb;
	u8 b[sizeof(p1)] __aligned(4);

	memcpy(b, p1, sizeof(p1));
	b[9] = IPPROTO_IPIP;
	fix_csum(b);
	skb = udp_frame(test, 0, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, hmmp_udp_parse(skb, &info), -ELOOP);
	kfree_skb(skb);
	b[9] = HMMP_IPPROTO_MINIMAL;
	fix_csum(b);
	skb = udp_frame(test, 0, b, sizeof(b));
	KUNIT_EXPECT_EQ(test, hmmp_udp_parse(skb, &info), -ELOOP);
	kfree_skb(skb);
	/* outer CE on a not-ECT inner packet (p1's TOS 0xb8) */
	skb = udp_frame(test, INET_ECN_CE, p1, sizeof(p1));
	KUNIT_EXPECT_EQ(test, hmmp_udp_parse(skb, &info), -EILSEQ);
	kfree_skb(skb);
	/* outer CE on ECT(0): the inner packet leaves marked CE */
	memcpy(b, p1, sizeof(p1));
	b[1] = 0xb8 | INET_ECN_ECT_0;
	fix_csum(b);
	skb = udp_frame(test, INET_ECN_CE, b, sizeof(b));
	KUNIT_ASSERT_EQ(test, hmmp_udp_parse(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, info.inner_tos, 0xb8 | INET_ECN_CE);
	KUNIT_ASSERT_EQ(test, hmmp_decap_apply(skb, &info), 0);
	KUNIT_EXPECT_EQ(test, hdr(skb, 0)->tos, 0xb8 | INET_ECN_CE);
	KUNIT_EXPECT_EQ(test, ip_fast_csum(skb->data, 5), 0);
	kfree_skb(skb);
}

static struct kunit_case hmmp_encap_cases[] = {
	KUNIT_CASE(ecn_tables),
	KUNIT_CASE(ipip_bytes),
	KUNIT_CASE(minimal_bytes),
	KUNIT_CASE(ipip_header_rules),
	KUNIT_CASE(minimal_header_rules),
	KUNIT_CASE(encap_refuses),
	KUNIT_CASE(encap_too_big),
	KUNIT_CASE(encap_headroom),
	KUNIT_CASE(roundtrip_fixed),
	KUNIT_CASE(roundtrip_random),
	KUNIT_CASE(decap_trims),
	KUNIT_CASE(decap_not_ours),
	KUNIT_CASE(decap_fragment),
	KUNIT_CASE(decap_ipip_malformed),
	KUNIT_CASE(decap_minimal_malformed),
	KUNIT_CASE(decap_ecn),
	KUNIT_CASE(decap_skb_state),
	KUNIT_CASE(csum_partial_kept),
	KUNIT_CASE(gso_ipip),
	KUNIT_CASE(gso_ipip_decap),
	KUNIT_CASE(gso_minimal),
	KUNIT_CASE(udp_frame_ok),
	KUNIT_CASE(udp_demux),
	KUNIT_CASE(udp_frame_refused),
	{}
};

static struct kunit_suite hmmp_encap_suite = {
	.name = "hmmp_encap",
	.test_cases = hmmp_encap_cases,
};

kunit_test_suite(hmmp_encap_suite);
