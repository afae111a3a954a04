// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the connection translation table driven through its API (both
 * lookups, replace, delete, flush, expiry, the limit, refusals), and the
 * segment rewrite checked against checksums computed afresh.
 */
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/random.h>
#include <linux/prandom.h>
#include <linux/skbuff.h>
#include <net/checksum.h>
#include <net/ip.h>
#include "xlate.h"

#define EXPECT_EQ_RAW(test, a, b) \
	KUNIT_EXPECT_EQ(test, (__force u32)(a), (__force u32)(b))

/* The correspondent N behind nothing; the mobile behind a home NAT. */
static const __be32 cn = cpu_to_be32(0xcb007101);	/* 203.0.113.1 */
static const __be32 nat1 = cpu_to_be32(0xc6336401);	/* 198.51.100.1 */
static const __be32 nat2 = cpu_to_be32(0xc6336402);	/* 198.51.100.2 */
static const __be32 priv = cpu_to_be32(0xc000020a);	/* 192.0.2.10 */
static const __be32 coa1 = cpu_to_be32(0xc6336481);	/* 198.51.100.129 */
static const __be32 coa2 = cpu_to_be32(0xc6336482);	/* 198.51.100.130 */

#define P(x)	cpu_to_be16(x)
#define F_CREATE	HMMP_XLATE_F_CREATE
#define F_REPLACE	HMMP_XLATE_F_REPLACE
#define F_ANY		(F_CREATE | F_REPLACE)

struct xt_ctx {
	struct hmmp_xlate_table t;
	unsigned long now;
};

static int xt_init(struct kunit *test)
{
	struct xt_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Few buckets, so that chains get exercised. */
	KUNIT_ASSERT_EQ(test, hmmp_xlate_init(&c->t, 2), 0);
	c->now = 1000000;
	test->priv = c;
	return 0;
}

static void xt_exit(struct kunit *test)
{
	struct xt_ctx *c = test->priv;

	hmmp_xlate_uninit(&c->t);
}

/*
 * Item 5 of issue 13: the mobile's socket <priv:40000, cn:80>, cn's
 * <cn:80, nat:@natport>; the mobile now at @coa:@port over udp.
 */
static struct hmmp_xlate_params xp(__be32 nat, u16 natport, __be32 coa,
				   u16 port, u32 lifetime)
{
	struct hmmp_xlate_params p = {
		.laddr = cn, .lport = P(80), .raddr = nat, .rport = P(natport),
		.peer_laddr = priv, .peer_lport = P(40000),
		.peer_raddr = cn, .peer_rport = P(80),
		.coa = coa, .port = P(port), .encap = HMMP_ENCAP_UDP,
		.lifetime = lifetime,
	};

	return p;
}

static int xt_set(struct xt_ctx *c, struct hmmp_xlate_params p,
		  unsigned int flags)
{
	return hmmp_xlate_set(&c->t, &p, flags, c->now);
}

/* By this host's view of @p's key: the entry's coa, or 0. */
static __be32 xt_out(struct xt_ctx *c, const struct hmmp_xlate_params *p)
{
	const struct hmmp_xlate *x;
	__be32 coa = 0;

	rcu_read_lock();
	x = hmmp_xlate_lookup(&c->t, p->laddr, p->lport, p->raddr, p->rport,
			      c->now);
	if (x)
		coa = x->coa;
	rcu_read_unlock();
	return coa;
}

/* By the peer's view of @p and an outer source: the entry's key's rport,
 * or 0.
 */
static u16 xt_in(struct xt_ctx *c, const struct hmmp_xlate_params *p,
		 __be32 coa, __be16 port)
{
	const struct hmmp_xlate *x;
	u16 rport = 0;

	rcu_read_lock();
	x = hmmp_xlate_lookup_peer(&c->t, p->peer_laddr, p->peer_lport,
				   p->peer_raddr, p->peer_rport, coa, port,
				   c->now);
	if (x)
		rport = ntohs(x->rport);
	rcu_read_unlock();
	return rport;
}

static struct hmmp_xlate_stats xt_stats(struct xt_ctx *c)
{
	struct hmmp_xlate_stats st;

	hmmp_xlate_stats(&c->t, &st);
	return st;
}

static void xlate_create_lookup(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	struct hmmp_xlate_params p = xp(nat1, 50000, coa1, 4500, 60);
	struct hmmp_xlate_info xi;

	KUNIT_EXPECT_TRUE(test, hmmp_xlate_empty(&c->t));
	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_CREATE), 0);
	KUNIT_EXPECT_FALSE(test, hmmp_xlate_empty(&c->t));
	EXPECT_EQ_RAW(test, xt_out(c, &p), coa1);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa1, P(4500)), 50000);
	KUNIT_ASSERT_TRUE(test, hmmp_xlate_get(&c->t, cn, P(80), nat1,
					       P(50000), c->now, &xi));
	EXPECT_EQ_RAW(test, xi.p.laddr, cn);
	EXPECT_EQ_RAW(test, xi.p.raddr, nat1);
	EXPECT_EQ_RAW(test, xi.p.rport, P(50000));
	EXPECT_EQ_RAW(test, xi.p.peer_laddr, priv);
	EXPECT_EQ_RAW(test, xi.p.peer_lport, P(40000));
	EXPECT_EQ_RAW(test, xi.p.peer_raddr, cn);
	EXPECT_EQ_RAW(test, xi.p.peer_rport, P(80));
	EXPECT_EQ_RAW(test, xi.p.coa, coa1);
	EXPECT_EQ_RAW(test, xi.p.port, P(4500));
	KUNIT_EXPECT_EQ(test, xi.p.encap, HMMP_ENCAP_UDP);
	KUNIT_EXPECT_EQ(test, xi.p.lifetime, 60u);
	KUNIT_EXPECT_EQ(test, xi.expires_ms, 60000ull);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.created, 1ull);
	/* Another connection of the same peers is not this one. */
	p.rport = P(50001);
	EXPECT_EQ_RAW(test, xt_out(c, &p), 0);
	/* Looked up by its peer's view in the wrong direction: no. */
	swap(p.peer_laddr, p.peer_raddr);
	swap(p.peer_lport, p.peer_rport);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa1, P(4500)), 0);
}

/* The decapsulation key includes the frame's outer source. */
static void xlate_outer_mismatch(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	struct hmmp_xlate_params p = xp(nat1, 50000, coa1, 4500, 0);
	struct hmmp_xlate_params q = p;

	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa2, P(4500)), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa1, P(4501)), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa1, 0), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa1, P(4500)), 50000);

	/* ipip: no port; a frame with one is another key. */
	q.lport = P(81);
	q.peer_rport = P(81);
	q.encap = HMMP_ENCAP_IPIP;
	q.port = 0;
	KUNIT_ASSERT_EQ(test, xt_set(c, q, F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &q, coa1, 0), 50000);
	KUNIT_EXPECT_EQ(test, xt_in(c, &q, coa1, P(4500)), 0);
}

/*
 * Two mobiles with the same private view (192.0.2.10:40000 to cn:80),
 * behind two NATs or behind one NAT at two ports: cn sees two
 * connections, and their frames differ only by the outer source.
 */
static void xlate_two_mobiles_same_private_view(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	struct hmmp_xlate_params a = xp(nat1, 50000, coa1, 4500, 0);
	struct hmmp_xlate_params b = xp(nat2, 50000, coa2, 4500, 0);
	struct hmmp_xlate_params d = xp(nat1, 50002, coa1, 4502, 0);
	struct hmmp_xlate_params e = xp(nat1, 50003, coa1, 4500, 0);

	KUNIT_ASSERT_EQ(test, xt_set(c, a, F_CREATE), 0);
	KUNIT_ASSERT_EQ(test, xt_set(c, b, F_CREATE), 0);
	KUNIT_ASSERT_EQ(test, xt_set(c, d, F_CREATE), 0);
	EXPECT_EQ_RAW(test, xt_out(c, &a), coa1);
	EXPECT_EQ_RAW(test, xt_out(c, &b), coa2);
	EXPECT_EQ_RAW(test, xt_out(c, &d), coa1);
	KUNIT_EXPECT_EQ(test, xt_in(c, &a, coa1, P(4500)), 50000);
	KUNIT_EXPECT_EQ(test, xt_in(c, &b, coa2, P(4500)), 50000);
	KUNIT_EXPECT_EQ(test, xt_in(c, &d, coa1, P(4502)), 50002);
	/* A third with a's very peer's view and far end would make the
	 * decapsulation ambiguous: refused, nothing changed.
	 */
	KUNIT_EXPECT_EQ(test, xt_set(c, e, F_ANY), -EADDRINUSE);
	EXPECT_EQ_RAW(test, xt_out(c, &e), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &a, coa1, P(4500)), 50000);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 3u);
	/* Once a is gone, e may have it. */
	KUNIT_ASSERT_EQ(test, hmmp_xlate_del(&c->t, cn, P(80), nat1, P(50000),
					     c->now), 0);
	KUNIT_EXPECT_EQ(test, xt_set(c, e, F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &e, coa1, P(4500)), 50003);
}

static void xlate_invalid(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	const struct hmmp_xlate_params good = xp(nat1, 50000, coa1, 4500, 0);
	struct hmmp_xlate_params p;
	int i;

	for (i = 0; i < 17; i++) {
		p = good;
		switch (i) {
		case 0:
			p.laddr = 0;
			break;
		case 1: /* multicast */
			p.raddr = htonl(0xe0000001);
			break;
		case 2:
			p.peer_laddr = htonl(0x7f000001);
			break;
		case 3:
			p.peer_raddr = htonl(0xffffffff);
			break;
		case 4:
			p.coa = 0;
			break;
		case 5:
			p.lport = 0;
			break;
		case 6:
			p.rport = 0;
			break;
		case 7:
			p.peer_lport = 0;
			break;
		case 8:
			p.peer_rport = 0;
			break;
		case 9:
			p.encap = 0;
			break;
		case 10:
			p.encap = HMMP_ENCAP_UDP + 1;
			break;
		case 11: /* udp, no port */
			p.port = 0;
			break;
		case 12: /* port, not udp */
			p.encap = HMMP_ENCAP_IPIP;
			break;
		case 13:
			p.encap = HMMP_ENCAP_MINIMAL;
			break;
		case 14:
			p.lifetime = HMMP_BINDING_LIFETIME_MAX + 1;
			break;
		case 15:
			p.coa = htonl(0xe0000001);
			break;
		case 16:
			p.peer_laddr = htonl(0xe00000fb);
			break;
		}
		KUNIT_EXPECT_EQ_MSG(test, xt_set(c, p, F_ANY), -EINVAL,
				    "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, hmmp_xlate_check(&p), -EINVAL,
				    "case %d", i);
	}
	KUNIT_EXPECT_EQ(test, xt_set(c, good, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, xt_set(c, good, BIT(5)), -EINVAL);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 0u);
	KUNIT_EXPECT_TRUE(test, hmmp_xlate_empty(&c->t));
	KUNIT_EXPECT_EQ(test, hmmp_xlate_check(&good), 0);
	p = good;
	p.lifetime = HMMP_BINDING_LIFETIME_MAX;
	KUNIT_EXPECT_EQ(test, xt_set(c, p, F_CREATE), 0);
}

static void xlate_replace(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	struct hmmp_xlate_params p = xp(nat1, 50000, coa1, 4500, 60);
	struct hmmp_binding_ctr *ctr;
	const struct hmmp_xlate *x;
	struct hmmp_xlate_info xi;

	KUNIT_EXPECT_EQ(test, xt_set(c, p, F_REPLACE), -ENOENT);
	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, xt_set(c, p, F_CREATE), -EEXIST);
	rcu_read_lock();
	x = hmmp_xlate_lookup(&c->t, cn, P(80), nat1, P(50000), c->now);
	KUNIT_ASSERT_NOT_NULL(test, x);
	ctr = x->ctr;
	hmmp_ctr_add(x->ctr, HMMP_BINDING_ENCAP, 3, 300);
	hmmp_ctr_add(x->ctr, HMMP_BINDING_DECAP, 2, 80);
	rcu_read_unlock();

	/* The mobile moves: another care-of and port, same connection. */
	c->now += 30 * HZ;
	p.coa = coa2;
	p.port = P(4600);
	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_REPLACE), 0);
	EXPECT_EQ_RAW(test, xt_out(c, &p), coa2);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa1, P(4500)), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa2, P(4600)), 50000);
	KUNIT_ASSERT_TRUE(test, hmmp_xlate_get(&c->t, cn, P(80), nat1,
					       P(50000), c->now, &xi));
	KUNIT_EXPECT_EQ(test, xi.pkts[HMMP_BINDING_ENCAP], 3ull);
	KUNIT_EXPECT_EQ(test, xi.bytes[HMMP_BINDING_ENCAP], 300ull);
	KUNIT_EXPECT_EQ(test, xi.pkts[HMMP_BINDING_DECAP], 2ull);
	KUNIT_EXPECT_EQ(test, xi.age_ms, 30000ull);
	/* The lifetime restarts from the replace. */
	KUNIT_EXPECT_EQ(test, xi.expires_ms, 60000ull);
	rcu_read_lock();
	x = hmmp_xlate_lookup(&c->t, cn, P(80), nat1, P(50000), c->now);
	KUNIT_EXPECT_TRUE(test, x && x->ctr == ctr);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.replaced, 1ull);
	/* Many replaces, same bucket or not, leave one entry on each chain. */
	for (p.port = P(1); ntohs(p.port) < 40; p.port = P(ntohs(p.port) + 1))
		KUNIT_ASSERT_EQ(test, xt_set(c, p, F_ANY), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa2, P(39)), 50000);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa2, P(38)), 0);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 1u);
}

static void xlate_delete(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	struct hmmp_xlate_params p = xp(nat1, 50000, coa1, 4500, 0);

	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_del(&c->t, cn, P(80), nat1, P(50001),
					     c->now), -ENOENT);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_del(&c->t, cn, P(80), nat1, P(50000),
					     c->now), 0);
	EXPECT_EQ_RAW(test, xt_out(c, &p), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa1, P(4500)), 0);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_del(&c->t, cn, P(80), nat1, P(50000),
					     c->now), -ENOENT);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 0u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.deleted, 1ull);
	KUNIT_EXPECT_TRUE(test, hmmp_xlate_empty(&c->t));
}

static void xlate_expire(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	struct hmmp_xlate_params p = xp(nat1, 50000, coa1, 4500, 10);
	struct hmmp_xlate_params q = xp(nat1, 50001, coa1, 4501, 0);

	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_CREATE), 0);
	KUNIT_ASSERT_EQ(test, xt_set(c, q, F_CREATE), 0);
	c->now += 10 * HZ - 1;
	EXPECT_EQ_RAW(test, xt_out(c, &p), coa1);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_expire(&c->t, c->now), 0u);
	c->now += 1;
	/* Gone for the packet path before the worker removes it. */
	EXPECT_EQ_RAW(test, xt_out(c, &p), 0);
	KUNIT_EXPECT_EQ(test, xt_in(c, &p, coa1, P(4500)), 0);
	KUNIT_EXPECT_EQ(test, xt_set(c, p, F_REPLACE), -ENOENT);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.expired, 1ull);
	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_CREATE), 0);
	c->now += 3600 * HZ;
	KUNIT_EXPECT_EQ(test, hmmp_xlate_expire(&c->t, c->now), 1u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.expired, 2ull);
	/* No lifetime: never expires. */
	EXPECT_EQ_RAW(test, xt_out(c, &q), coa1);
}

static void xlate_flush(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	int i;

	for (i = 0; i < 20; i++)
		KUNIT_ASSERT_EQ(test, xt_set(c, xp(nat1, 50000 + i, coa1,
						   4500 + i, i ? 0 : 5),
					     F_CREATE), 0);
	c->now += 5 * HZ;
	/* The expired one counts as expired, not flushed. */
	KUNIT_EXPECT_EQ(test, hmmp_xlate_flush(&c->t, c->now), 19u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 0u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.flushed, 19ull);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.expired, 1ull);
	KUNIT_EXPECT_TRUE(test, hmmp_xlate_empty(&c->t));
	KUNIT_EXPECT_EQ(test, hmmp_xlate_flush(&c->t, c->now), 0u);
}

static void xlate_table_full(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	struct hmmp_xlate_params p = xp(nat1, 50000, coa1, 4500, 0);

	c->t.max = 2;
	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_CREATE), 0);
	KUNIT_ASSERT_EQ(test, xt_set(c, xp(nat1, 50001, coa1, 4501, 0),
				     F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, xt_set(c, xp(nat1, 50002, coa1, 4502, 0),
				     F_CREATE), -ENOSPC);
	KUNIT_EXPECT_EQ(test, xt_stats(c).count, 2u);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.table_full, 1ull);
	EXPECT_EQ_RAW(test, xt_out(c, &p), coa1);
	/* A replace needs no room. */
	p.coa = coa2;
	KUNIT_EXPECT_EQ(test, xt_set(c, p, F_ANY), 0);
	EXPECT_EQ_RAW(test, xt_out(c, &p), coa2);
	KUNIT_EXPECT_EQ(test, xt_stats(c).sum.table_full, 1ull);
}

static int walk_one(const struct hmmp_xlate_info *xi, void *arg)
{
	int *n = arg;

	/* Stop at every other entry, as a full message would. */
	return (*n)++ & 1;
}

static void xlate_walk_resume(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	long pos[2] = { 0, 0 };
	unsigned int gen;
	int i, n = 0, calls = 0;

	for (i = 0; i < 9; i++)
		KUNIT_ASSERT_EQ(test, xt_set(c, xp(nat1, 50000 + i, coa1,
						   4500 + i, 0),
					     F_CREATE), 0);
	gen = hmmp_xlate_gen(&c->t);
	rcu_read_lock();
	while (hmmp_xlate_walk(&c->t, pos, c->now, walk_one, &n) && calls < 50)
		calls++;
	rcu_read_unlock();
	/* Every entry once, plus once more for each stop (seen again). */
	KUNIT_EXPECT_EQ(test, n - calls, 9);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_gen(&c->t), gen);
	KUNIT_ASSERT_EQ(test, hmmp_xlate_del(&c->t, cn, P(80), nat1, P(50000),
					     c->now), 0);
	KUNIT_EXPECT_NE(test, hmmp_xlate_gen(&c->t), gen);
}

/* A TCP segment @saddr:@sport -> @daddr:@dport with @payload bytes and
 * right checksums (CHECKSUM_NONE).
 */
static struct sk_buff *seg_pkt(struct kunit *test, __be32 saddr,
			       __be16 sport, __be32 daddr, __be16 dport,
			       unsigned int payload)
{
	unsigned int tlen = sizeof(struct tcphdr) + payload;
	unsigned int len = sizeof(struct iphdr) + tlen;
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
	struct iphdr *iph;
	struct tcphdr *th;
	u8 *data;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	iph = skb_put_zero(skb, len);
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(len);
	iph->ttl = 64;
	iph->frag_off = htons(IP_DF);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	iph->check = ip_fast_csum(iph, iph->ihl);
	th = (struct tcphdr *)(iph + 1);
	skb_set_transport_header(skb, sizeof(*iph));
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(get_random_u32());
	th->ack_seq = htonl(get_random_u32());
	th->doff = 5;
	th->ack = 1;
	th->window = htons(512);
	data = (u8 *)(th + 1);
	for (i = 0; i < payload; i++)
		data[i] = get_random_u32() & 0xff;
	th->check = csum_tcpudp_magic(saddr, daddr, tlen, IPPROTO_TCP,
				      csum_partial(th, tlen, 0));
	skb->ip_summed = CHECKSUM_NONE;
	return skb;
}

/* Both checksums of the segment at skb->data verify. */
static bool seg_csums_ok(struct sk_buff *skb)
{
	struct iphdr *iph = (struct iphdr *)skb->data;
	struct tcphdr *th = (struct tcphdr *)(iph + 1);
	unsigned int tlen = skb->len - sizeof(*iph);

	return !ip_fast_csum(iph, iph->ihl) &&
	       !csum_tcpudp_magic(iph->saddr, iph->daddr, tlen, IPPROTO_TCP,
				  csum_partial(th, tlen, 0));
}

static void expect_tuple(struct kunit *test, struct sk_buff *skb,
			 __be32 saddr, __be16 sport, __be32 daddr,
			 __be16 dport)
{
	struct iphdr *iph = (struct iphdr *)skb->data;
	struct tcphdr *th = (struct tcphdr *)(iph + 1);

	EXPECT_EQ_RAW(test, iph->saddr, saddr);
	EXPECT_EQ_RAW(test, iph->daddr, daddr);
	EXPECT_EQ_RAW(test, th->source, sport);
	EXPECT_EQ_RAW(test, th->dest, dport);
}

/* Both directions of item 5's connection, full checksums. */
static void xlate_rewrite_views(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	struct hmmp_xlate_params p = xp(nat1, 50000, coa1, 4500, 0);
	const struct hmmp_xlate *x;
	struct sk_buff *skb;

	KUNIT_ASSERT_EQ(test, xt_set(c, p, F_CREATE), 0);
	rcu_read_lock();
	x = hmmp_xlate_lookup(&c->t, cn, P(80), nat1, P(50000), c->now);
	KUNIT_ASSERT_NOT_NULL(test, x);

	/* cn sends in its view; the mobile must get its own. */
	skb = seg_pkt(test, cn, P(80), nat1, P(50000), 100);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_to_peer(skb, x), 0);
	expect_tuple(test, skb, cn, P(80), priv, P(40000));
	KUNIT_EXPECT_TRUE(test, seg_csums_ok(skb));
	kfree_skb(skb);

	/* The mobile sends in its view; cn's socket must get cn's. */
	skb = seg_pkt(test, priv, P(40000), cn, P(80), 1);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_to_local(skb, x), 0);
	expect_tuple(test, skb, nat1, P(50000), cn, P(80));
	KUNIT_EXPECT_TRUE(test, seg_csums_ok(skb));
	kfree_skb(skb);
	rcu_read_unlock();
}

/*
 * Random tuples and lengths, incremental against computed afresh; and
 * CHECKSUM_PARTIAL (local-out, GSO or not): only the pseudo header's sum
 * is pending in th->check, which must become the new pseudo header's.
 */
static void xlate_rewrite_random(struct kunit *test)
{
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;
	__be32 s2, d2;
	__be16 sp2, dp2;
	unsigned int tlen;
	int i;

	for (i = 0; i < 200; i++) {
		skb = seg_pkt(test, (__force __be32)get_random_u32(),
			      (__force __be16)(get_random_u32() | 1),
			      (__force __be32)get_random_u32(),
			      (__force __be16)(get_random_u32() | 1),
			      get_random_u32() % 300);
		s2 = (__force __be32)get_random_u32();
		d2 = (__force __be32)get_random_u32();
		sp2 = (__force __be16)get_random_u32();
		dp2 = (__force __be16)get_random_u32();
		if (i & 1) {
			iph = (struct iphdr *)skb->data;
			th = (struct tcphdr *)(iph + 1);
			tlen = skb->len - sizeof(*iph);
			skb->ip_summed = CHECKSUM_PARTIAL;
			skb->csum_start = skb_headroom(skb) + sizeof(*iph);
			skb->csum_offset = offsetof(struct tcphdr, check);
			th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr,
						       tlen, IPPROTO_TCP, 0);
			KUNIT_ASSERT_EQ(test, hmmp_xlate_rewrite(skb, s2, sp2,
								 d2, dp2), 0);
			/* The stack's software completion, as at a device
			 * without checksum offload.
			 */
			KUNIT_ASSERT_EQ(test, skb_checksum_help(skb), 0);
			KUNIT_EXPECT_TRUE(test, seg_csums_ok(skb));
		} else {
			KUNIT_ASSERT_EQ(test, hmmp_xlate_rewrite(skb, s2, sp2,
								 d2, dp2), 0);
			KUNIT_EXPECT_TRUE(test, seg_csums_ok(skb));
		}
		expect_tuple(test, skb, s2, sp2, d2, dp2);
		kfree_skb(skb);
	}
}

/* Not a whole TCP segment: refused, the bytes unchanged. */
static void xlate_rewrite_refuses(struct kunit *test)
{
	struct sk_buff *skb = seg_pkt(test, priv, P(40000), cn, P(80), 10);
	struct iphdr *iph = (struct iphdr *)skb->data;
	u8 before[64];

	iph->protocol = IPPROTO_UDP;
	memcpy(before, skb->data, sizeof(before));
	KUNIT_EXPECT_EQ(test, hmmp_xlate_rewrite(skb, nat1, P(1), cn, P(2)),
			-EINVAL);
	iph->protocol = IPPROTO_TCP;
	iph->frag_off = htons(IP_MF);
	memcpy(before, skb->data, sizeof(before));
	KUNIT_EXPECT_EQ(test, hmmp_xlate_rewrite(skb, nat1, P(1), cn, P(2)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(before, skb->data, sizeof(before)), 0);
	iph->frag_off = 0;
	skb_trim(skb, sizeof(*iph) + 10);
	memcpy(before, skb->data, skb->len);
	KUNIT_EXPECT_EQ(test, hmmp_xlate_rewrite(skb, nat1, P(1), cn, P(2)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(before, skb->data, skb->len), 0);
	kfree_skb(skb);
}

/*
 * A decapsulated segment: taken and rewritten only when a translation
 * names its peer's view, its outer source and its encapsulation; the
 * other mobile's segment (same private view, another port) gets its own
 * connection's view.
 */
static void xlate_decap(struct kunit *test)
{
	struct xt_ctx *c = test->priv;
	const struct hmmp_xlate *x;
	struct sk_buff *skb;

	KUNIT_ASSERT_EQ(test, xt_set(c, xp(nat1, 50000, coa1, 4500, 0),
				     F_CREATE), 0);
	KUNIT_ASSERT_EQ(test, xt_set(c, xp(nat1, 50001, coa1, 4501, 0),
				     F_CREATE), 0);
	rcu_read_lock();
	skb = seg_pkt(test, priv, P(40000), cn, P(80), 20);
	KUNIT_EXPECT_NULL(test, hmmp_xlate_decap(&c->t, skb, coa1, P(4502),
						 HMMP_ENCAP_UDP, c->now));
	KUNIT_EXPECT_NULL(test, hmmp_xlate_decap(&c->t, skb, coa2, P(4500),
						 HMMP_ENCAP_UDP, c->now));
	KUNIT_EXPECT_NULL(test, hmmp_xlate_decap(&c->t, skb, coa1, 0,
						 HMMP_ENCAP_IPIP, c->now));
	expect_tuple(test, skb, priv, P(40000), cn, P(80));
	x = hmmp_xlate_decap(&c->t, skb, coa1, P(4501), HMMP_ENCAP_UDP,
			     c->now);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(x));
	expect_tuple(test, skb, nat1, P(50001), cn, P(80));
	KUNIT_EXPECT_TRUE(test, seg_csums_ok(skb));
	kfree_skb(skb);

	skb = seg_pkt(test, priv, P(40000), cn, P(80), 20);
	x = hmmp_xlate_decap(&c->t, skb, coa1, P(4500), HMMP_ENCAP_UDP,
			     c->now);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(x));
	expect_tuple(test, skb, nat1, P(50000), cn, P(80));
	kfree_skb(skb);

	/* Not TCP: never a translation's. */
	skb = seg_pkt(test, priv, P(40000), cn, P(80), 20);
	((struct iphdr *)skb->data)->protocol = IPPROTO_UDP;
	KUNIT_EXPECT_NULL(test, hmmp_xlate_decap(&c->t, skb, coa1, P(4500),
						 HMMP_ENCAP_UDP, c->now));
	kfree_skb(skb);
	rcu_read_unlock();
}

static struct kunit_case hmmp_xlate_cases[] = {
	KUNIT_CASE(xlate_create_lookup),
	KUNIT_CASE(xlate_outer_mismatch),
	KUNIT_CASE(xlate_two_mobiles_same_private_view),
	KUNIT_CASE(xlate_invalid),
	KUNIT_CASE(xlate_replace),
	KUNIT_CASE(xlate_delete),
	KUNIT_CASE(xlate_expire),
	KUNIT_CASE(xlate_flush),
	KUNIT_CASE(xlate_table_full),
	KUNIT_CASE(xlate_walk_resume),
	KUNIT_CASE(xlate_rewrite_views),
	KUNIT_CASE(xlate_rewrite_random),
	KUNIT_CASE(xlate_rewrite_refuses),
	KUNIT_CASE(xlate_decap),
	{}
};

static struct kunit_suite hmmp_xlate_suite = {
	.name = "hmmp_xlate",
	.init = xt_init,
	.exit = xt_exit,
	.test_cases = hmmp_xlate_cases,
};

kunit_test_suite(hmmp_xlate_suite);
