// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the binding table driven through its API, and checked against a
 * naive reference array on random operations.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/prandom.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include "binding.h"

/* KUnit compares plain integers: these strip the byte-order and checksum
 * annotations (__be32, __be16, __sum16) so that sparse stays quiet.
 */
#define EXPECT_EQ_RAW(test, a, b) \
	KUNIT_EXPECT_EQ(test, (__force u32)(a), (__force u32)(b))
#define ASSERT_EQ_RAW(test, a, b) \
	KUNIT_ASSERT_EQ(test, (__force u32)(a), (__force u32)(b))

/* Variables, not macros, so that failure messages stay readable. */
static const __be32 orig1 = cpu_to_be32(0xc0000201);	/* 192.0.2.1 */
static const __be32 orig2 = cpu_to_be32(0xc0000202);	/* 192.0.2.2 */
static const __be32 peer1 = cpu_to_be32(0xc6336401);	/* 198.51.100.1 */
static const __be32 peer2 = cpu_to_be32(0xc6336402);	/* 198.51.100.2 */
static const __be32 coa1 = cpu_to_be32(0xcb007105);	/* 203.0.113.5 */
static const __be32 coa2 = cpu_to_be32(0xcb007106);	/* 203.0.113.6 */

#define F_CREATE	HMMP_BINDING_F_CREATE
#define F_REPLACE	HMMP_BINDING_F_REPLACE
#define F_ANY		(F_CREATE | F_REPLACE)

struct bt_ctx {
	struct hmmp_binding_table t;
	unsigned long now;
	int events[3];
	int reasons[HMMP_REASON_FLUSHED + 1];
	struct hmmp_binding_info last;
};

static void bt_notify(struct hmmp_binding_table *t,
		      enum hmmp_binding_event ev,
		      const struct hmmp_binding_info *bi,
		      enum hmmp_event_reason reason)
{
	struct bt_ctx *c = t->priv;

	c->events[ev]++;
	if (ev == HMMP_BINDING_EV_DEL)
		c->reasons[reason]++;
	c->last = *bi;
}

static int bt_init(struct kunit *test)
{
	struct bt_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Few buckets, so that chains and shared locks get exercised. */
	KUNIT_ASSERT_EQ(test, hmmp_binding_init(&c->t, 2), 0);
	c->t.priv = c;
	c->t.notify = bt_notify;
	c->now = 1000000;
	test->priv = c;
	return 0;
}

static void bt_exit(struct kunit *test)
{
	struct bt_ctx *c = test->priv;

	hmmp_binding_uninit(&c->t);
}

static struct hmmp_binding_params bp(__be32 orig, __be32 peer, u8 kind,
				     __be32 coa, u32 lifetime)
{
	struct hmmp_binding_params p = {
		.orig = orig, .peer = peer, .kind = kind, .coa = coa,
		.encap = HMMP_ENCAP_IPIP, .lifetime = lifetime,
	};

	return p;
}

static int bt_set(struct bt_ctx *c, struct hmmp_binding_params p,
		  unsigned int flags)
{
	return hmmp_binding_set(&c->t, &p, flags, c->now);
}

/* The care-of address the packet path finds, 0 for none. */
static __be32 bt_lookup(struct bt_ctx *c, __be32 orig, __be32 peer, u8 kind)
{
	const struct hmmp_binding *b;
	__be32 coa = 0;

	rcu_read_lock();
	b = hmmp_binding_lookup(&c->t, orig, peer, kind, c->now);
	if (b)
		coa = b->coa;
	rcu_read_unlock();
	return coa;
}

static struct hmmp_binding_stats bt_stats(struct bt_ctx *c)
{
	struct hmmp_binding_stats st;

	hmmp_binding_stats(&c->t, &st);
	return st;
}

static void binding_insert_lookup(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	struct hmmp_binding_params p = bp(orig1, peer1, HMMP_BIND_CORRESPONDENT,
					  coa1, 60);
	struct hmmp_binding_info bi;

	p.encap = HMMP_ENCAP_MINIMAL;
	p.min_src = true;
	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_NEW], 1);
	EXPECT_EQ_RAW(test, c->last.coa, coa1);

	KUNIT_ASSERT_TRUE(test, hmmp_binding_get(&c->t, orig1, peer1,
						 HMMP_BIND_CORRESPONDENT,
						 c->now, &bi));
	EXPECT_EQ_RAW(test, bi.orig, orig1);
	EXPECT_EQ_RAW(test, bi.peer, peer1);
	EXPECT_EQ_RAW(test, bi.coa, coa1);
	KUNIT_EXPECT_EQ(test, bi.kind, HMMP_BIND_CORRESPONDENT);
	KUNIT_EXPECT_EQ(test, bi.encap, HMMP_ENCAP_MINIMAL);
	KUNIT_EXPECT_TRUE(test, bi.min_src);
	KUNIT_EXPECT_EQ(test, bi.lifetime, 60u);
	KUNIT_EXPECT_EQ(test, bi.expires_ms, 60000ull);
	KUNIT_EXPECT_EQ(test, bi.age_ms, 0ull);

	EXPECT_EQ_RAW(test,
		      bt_lookup(c, orig1, peer1, HMMP_BIND_CORRESPONDENT), coa1);
	/* The key has all three parts. */
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, HMMP_BIND_MOBILE), 0u);
	EXPECT_EQ_RAW(test,
		      bt_lookup(c, orig2, peer1, HMMP_BIND_CORRESPONDENT), 0u);
	EXPECT_EQ_RAW(test,
		      bt_lookup(c, orig1, peer2, HMMP_BIND_CORRESPONDENT), 0u);
	KUNIT_EXPECT_FALSE(test, hmmp_binding_get(&c->t, orig1, 0,
						  HMMP_BIND_CORRESPONDENT,
						  c->now, &bi));

	/* Create-only on an existing key. */
	KUNIT_EXPECT_EQ(test, bt_set(c, p, F_CREATE), -EEXIST);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, bt_stats(c).sum.created, 1ull);

	/* IP-in-IP bindings never carry the minimal S flag. */
	p = bp(orig2, 0, HMMP_BIND_MOBILE, coa1, 0);
	p.min_src = true;
	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_CREATE), 0);
	KUNIT_ASSERT_TRUE(test, hmmp_binding_get(&c->t, orig2, 0,
						 HMMP_BIND_MOBILE, c->now,
						 &bi));
	KUNIT_EXPECT_FALSE(test, bi.min_src);
	KUNIT_EXPECT_EQ(test, bi.expires_ms, 0ull);
}

static void binding_invalid(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	struct hmmp_binding_params p = bp(orig1, peer1, HMMP_BIND_ROUTER, coa1,
					  10);
	struct hmmp_binding_params q;

	KUNIT_EXPECT_EQ(test, bt_set(c, p, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, bt_set(c, p, BIT(5)), -EINVAL);
	q = p;
	q.orig = 0;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.coa = 0;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.coa = orig1;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.coa = cpu_to_be32(0xe0000001);	/* multicast */
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.orig = cpu_to_be32(0x7f000001);	/* loopback */
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.peer = cpu_to_be32(0xffffffff);
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.kind = 0;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q.kind = HMMP_BIND_ROUTER + 1;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.encap = 0;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q.encap = HMMP_ENCAP_UDP + 1;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	/* a UDP tunnel needs the far end's port; the others take none */
	q = p;
	q.encap = HMMP_ENCAP_UDP;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.port = htons(5060);
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q.encap = HMMP_ENCAP_MINIMAL;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q = p;
	q.lifetime = HMMP_BINDING_LIFETIME_MAX + 1;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), -EINVAL);
	q.lifetime = HMMP_BINDING_LIFETIME_MAX;
	KUNIT_EXPECT_EQ(test, bt_set(c, q, F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_NEW], 1);
}

/* A UDP binding keeps its port, and a replace may change it. */
static void binding_udp_port(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	struct hmmp_binding_params p = bp(orig1, peer1,
					  HMMP_BIND_CORRESPONDENT, coa1, 0);
	const struct hmmp_binding *b;
	struct hmmp_binding_info bi;

	p.encap = HMMP_ENCAP_UDP;
	p.port = htons(40000);
	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_CREATE), 0);
	rcu_read_lock();
	b = hmmp_binding_lookup(&c->t, orig1, peer1, HMMP_BIND_CORRESPONDENT,
				c->now);
	KUNIT_EXPECT_NOT_NULL(test, b);
	if (b) {
		KUNIT_EXPECT_EQ(test, b->encap, HMMP_ENCAP_UDP);
		KUNIT_EXPECT_EQ(test, ntohs(b->port), 40000);
	}
	rcu_read_unlock();
	/* the NAT gave another mapping: rebinding replaces the port */
	p.port = htons(40001);
	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_REPLACE), 0);
	KUNIT_ASSERT_TRUE(test, hmmp_binding_get(&c->t, orig1, peer1,
						 HMMP_BIND_CORRESPONDENT,
						 c->now, &bi));
	KUNIT_EXPECT_EQ(test, ntohs(bi.port), 40001);
	KUNIT_EXPECT_EQ(test, bi.encap, HMMP_ENCAP_UDP);
	/* back to IP-in-IP: the port goes */
	p.encap = HMMP_ENCAP_IPIP;
	p.port = 0;
	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_REPLACE), 0);
	KUNIT_ASSERT_TRUE(test, hmmp_binding_get(&c->t, orig1, peer1,
						 HMMP_BIND_CORRESPONDENT,
						 c->now, &bi));
	KUNIT_EXPECT_EQ(test, bi.port, 0);
}

static void binding_init_bits(struct kunit *test)
{
	struct hmmp_binding_table *t = kunit_kzalloc(test, sizeof(*t),
						     GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, hmmp_binding_init(t, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hmmp_binding_init(t, 21), -EINVAL);
	KUNIT_ASSERT_EQ(test, hmmp_binding_init(t, HMMP_BINDING_HASH_BITS), 0);
	KUNIT_EXPECT_EQ(test, t->max, HMMP_BINDING_MAX_DEFAULT);
	hmmp_binding_uninit(t);
}

/* Exact peer first, then "any"; each falls back independently. */
static void binding_exact_vs_any(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	const u8 k = HMMP_BIND_CORRESPONDENT;

	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, 0, k, coa1, 0), F_CREATE), 0);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), coa1);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer2, k), coa1);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, 0, k), coa1);

	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer1, k, coa2, 0), F_CREATE),
			0);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), coa2);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer2, k), coa1);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, 0, k), coa1);

	/* An exact binding whose lifetime ran out falls back to "any". */
	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer2, k, coa2, 5), F_CREATE),
			0);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer2, k), coa2);
	c->now += 5 * HZ;
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer2, k), coa1);

	KUNIT_ASSERT_EQ(test, hmmp_binding_del(&c->t, orig1, 0, k, c->now), 0);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), coa2);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer2, k), 0u);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, 0, k), 0u);
}

static void binding_replace_refresh(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	const u8 k = HMMP_BIND_MOBILE;
	struct hmmp_binding_params p = bp(orig1, peer1, k, coa1, 30);
	struct hmmp_binding_ctr *ctr;
	const struct hmmp_binding *b;
	struct hmmp_binding_info bi;
	unsigned long t0 = c->now;

	/* Replace-only needs an existing binding. */
	KUNIT_EXPECT_EQ(test, bt_set(c, p, F_REPLACE), -ENOENT);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 0u);
	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_CREATE), 0);

	rcu_read_lock();
	b = hmmp_binding_lookup(&c->t, orig1, peer1, k, c->now);
	KUNIT_ASSERT_NOT_NULL(test, b);
	hmmp_binding_count(b, HMMP_BINDING_ENCAP, 3, 300);
	hmmp_binding_count(b, HMMP_BINDING_DECAP, 1, 40);
	rcu_read_unlock();

	/* Replace: new care-of address, created time and counters kept. */
	c->now += 20 * HZ;
	p.coa = coa2;
	p.lifetime = 100;
	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_REPLACE), 0);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_REPLACED], 1);
	EXPECT_EQ_RAW(test, c->last.coa, coa2);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), coa2);
	KUNIT_ASSERT_TRUE(test, hmmp_binding_get(&c->t, orig1, peer1, k, c->now,
						 &bi));
	KUNIT_EXPECT_EQ(test, bi.age_ms, (u64)jiffies_to_msecs(c->now - t0));
	KUNIT_EXPECT_EQ(test, bi.refresh_ms, 0ull);
	KUNIT_EXPECT_EQ(test, bi.expires_ms, 100000ull);
	KUNIT_EXPECT_EQ(test, bi.pkts[HMMP_BINDING_ENCAP], 3ull);
	KUNIT_EXPECT_EQ(test, bi.bytes[HMMP_BINDING_ENCAP], 300ull);
	KUNIT_EXPECT_EQ(test, bi.pkts[HMMP_BINDING_DECAP], 1ull);
	KUNIT_EXPECT_EQ(test, bi.bytes[HMMP_BINDING_DECAP], 40ull);

	/* The old and the new entry share their counters, so that a
	 * reader still holding the old one during the grace period counts
	 * into the new one.
	 */
	rcu_read_lock();
	b = hmmp_binding_lookup(&c->t, orig1, peer1, k, c->now);
	KUNIT_ASSERT_NOT_NULL(test, b);
	ctr = b->ctr;
	rcu_read_unlock();
	c->now += 90 * HZ;
	/* Refresh: the same values again restart the lifetime. */
	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_ANY), 0);
	rcu_read_lock();
	b = hmmp_binding_lookup(&c->t, orig1, peer1, k, c->now);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_TRUE(test, b->ctr == ctr);
	hmmp_binding_count(b, HMMP_BINDING_ENCAP, 1, 1);
	rcu_read_unlock();
	KUNIT_ASSERT_TRUE(test, hmmp_binding_get(&c->t, orig1, peer1, k, c->now,
						 &bi));
	KUNIT_EXPECT_EQ(test, bi.pkts[HMMP_BINDING_ENCAP], 4ull);
	KUNIT_EXPECT_EQ(test, bi.bytes[HMMP_BINDING_ENCAP], 301ull);
	KUNIT_EXPECT_EQ(test, bi.expires_ms, 100000ull);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_REPLACED], 2);
	c->now += 99 * HZ;
	KUNIT_EXPECT_EQ(test, hmmp_binding_expire(&c->t, c->now), 0u);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), coa2);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, bt_stats(c).sum.replaced, 2ull);
	KUNIT_EXPECT_EQ(test, bt_stats(c).sum.created, 1ull);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_NEW], 1);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_DEL], 0);
}

static void binding_delete(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	const u8 k = HMMP_BIND_ROUTER;

	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, 0, k, coa1, 0), F_CREATE), 0);
	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer1, k, coa1, 0), F_CREATE),
			0);
	KUNIT_EXPECT_EQ(test, hmmp_binding_del(&c->t, orig1, peer2, k, c->now),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, hmmp_binding_del(&c->t, orig1, peer1,
					       HMMP_BIND_MOBILE, c->now),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, hmmp_binding_del(&c->t, orig1, peer1, k, c->now),
			0);
	KUNIT_EXPECT_EQ(test, hmmp_binding_del(&c->t, orig1, peer1, k, c->now),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_DEL], 1);
	KUNIT_EXPECT_EQ(test, c->reasons[HMMP_REASON_DELETED], 1);
	EXPECT_EQ_RAW(test, c->last.peer, peer1);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, bt_stats(c).sum.deleted, 1ull);
	/* The "any" binding answers for peer1 now. */
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), coa1);
	/* And a deleted key can be created again. */
	KUNIT_EXPECT_EQ(test, bt_set(c, bp(orig1, peer1, k, coa2, 0), F_CREATE),
			0);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), coa2);
}

static void binding_expire(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	const u8 k = HMMP_BIND_CORRESPONDENT;
	struct hmmp_binding_info bi;

	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer1, k, coa1, 10), F_CREATE),
			0);
	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig2, peer1, k, coa1, 20), F_CREATE),
			0);
	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer2, k, coa1, 0), F_CREATE),
			0);
	c->now += 10 * HZ - 1;
	KUNIT_EXPECT_EQ(test, hmmp_binding_expire(&c->t, c->now), 0u);
	KUNIT_ASSERT_TRUE(test, hmmp_binding_get(&c->t, orig1, peer1, k, c->now,
						 &bi));
	KUNIT_EXPECT_EQ(test, bi.expires_ms, (u64)jiffies_to_msecs(1));
	c->now += 1;
	/* Due but not collected yet: the packet path no longer sees it. */
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), 0u);
	KUNIT_EXPECT_FALSE(test, hmmp_binding_get(&c->t, orig1, peer1, k, c->now,
						  &bi));
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 3u);
	KUNIT_EXPECT_EQ(test, hmmp_binding_expire(&c->t, c->now), 1u);
	KUNIT_EXPECT_EQ(test, c->reasons[HMMP_REASON_EXPIRED], 1);
	EXPECT_EQ_RAW(test, c->last.orig, orig1);
	KUNIT_EXPECT_EQ(test, c->last.expires_ms, 0ull);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 2u);
	KUNIT_EXPECT_EQ(test, bt_stats(c).sum.expired, 1ull);

	/* A due binding is absent for set and del too: both collect it. */
	c->now += 10 * HZ;
	KUNIT_EXPECT_EQ(test, bt_set(c, bp(orig2, peer1, k, coa2, 20),
				     F_REPLACE), -ENOENT);
	KUNIT_EXPECT_EQ(test, c->reasons[HMMP_REASON_EXPIRED], 2);
	KUNIT_EXPECT_EQ(test, bt_set(c, bp(orig2, peer1, k, coa2, 20),
				     F_CREATE), 0);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_NEW], 4);
	c->now += 20 * HZ;
	KUNIT_EXPECT_EQ(test, hmmp_binding_del(&c->t, orig2, peer1, k, c->now),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, c->reasons[HMMP_REASON_EXPIRED], 3);
	KUNIT_EXPECT_EQ(test, c->reasons[HMMP_REASON_DELETED], 0);
	/* No lifetime: never expires. */
	c->now += 1000000 * HZ;
	KUNIT_EXPECT_EQ(test, hmmp_binding_expire(&c->t, c->now), 0u);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer2, k), coa1);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 1u);
	KUNIT_EXPECT_EQ(test, bt_stats(c).sum.expired, 3ull);
}

static void binding_flush(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	int i;

	for (i = 0; i < 20; i++) {
		__be32 orig = cpu_to_be32(0xc0000210 + i);

		KUNIT_ASSERT_EQ(test,
				bt_set(c, bp(orig, peer1, 1 + i % 3, coa1,
					     i == 0 ? 5 : 0), F_CREATE), 0);
	}
	c->now += 5 * HZ;
	/* 19 live ones are flushed; the due one goes as expired. */
	KUNIT_EXPECT_EQ(test, hmmp_binding_flush(&c->t, c->now), 19u);
	KUNIT_EXPECT_EQ(test, c->reasons[HMMP_REASON_FLUSHED], 19);
	KUNIT_EXPECT_EQ(test, c->reasons[HMMP_REASON_EXPIRED], 1);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 0u);
	KUNIT_EXPECT_EQ(test, bt_stats(c).sum.flushed, 19ull);
	KUNIT_EXPECT_EQ(test, hmmp_binding_flush(&c->t, c->now), 0u);
	for (i = 0; i < 20; i++)
		EXPECT_EQ_RAW(test, bt_lookup(c, cpu_to_be32(0xc0000210 + i),
					      peer1, 1 + i % 3), 0u);
}

static void binding_limit(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	const u8 k = HMMP_BIND_CORRESPONDENT;

	KUNIT_EXPECT_EQ(test, bt_stats(c).max, HMMP_BINDING_MAX_DEFAULT);
	WRITE_ONCE(c->t.max, 2);
	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer1, k, coa1, 0), F_CREATE),
			0);
	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer2, k, coa1, 0), F_ANY), 0);
	KUNIT_EXPECT_EQ(test, bt_set(c, bp(orig2, peer1, k, coa1, 0), F_CREATE),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, bt_set(c, bp(orig2, peer1, k, coa1, 0), F_ANY),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, bt_stats(c).sum.table_full, 2ull);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 2u);
	KUNIT_EXPECT_EQ(test, bt_stats(c).max, 2u);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_NEW], 2);
	/* A full table still replaces. */
	KUNIT_EXPECT_EQ(test, bt_set(c, bp(orig1, peer1, k, coa2, 0), F_ANY), 0);
	EXPECT_EQ_RAW(test, bt_lookup(c, orig1, peer1, k), coa2);
	/* Room again after a delete. */
	KUNIT_ASSERT_EQ(test, hmmp_binding_del(&c->t, orig1, peer2, k, c->now),
			0);
	KUNIT_EXPECT_EQ(test, bt_set(c, bp(orig2, peer1, k, coa1, 0), F_CREATE),
			0);
	KUNIT_EXPECT_EQ(test, bt_stats(c).count, 2u);
}

/* Dumps resume: a walk stopped after every binding yields each once. */
struct walk_ctx {
	int seen[32];
	int calls;
	bool stop_next;
	bool replace_between;
	struct bt_ctx *c;
};

static int walk_one(const struct hmmp_binding_info *bi, void *arg)
{
	struct walk_ctx *w = arg;
	unsigned int i = be32_to_cpu(bi->orig) - 0xc0000210;

	if (w->stop_next) {
		w->stop_next = false;
		return 1;
	}
	if (i < ARRAY_SIZE(w->seen))
		w->seen[i]++;
	w->calls++;
	w->stop_next = true;
	return 0;
}

static void binding_walk_resume(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	struct walk_ctx w = {};
	long pos[2] = { 0, 0 };
	int i, rounds = 0;

	for (i = 0; i < 32; i++)
		KUNIT_ASSERT_EQ(test, bt_set(c, bp(cpu_to_be32(0xc0000210 + i),
						   peer1, HMMP_BIND_MOBILE,
						   coa1, i % 2 ? 0 : 100),
					     F_CREATE), 0);
	rcu_read_lock();
	while (hmmp_binding_walk(&c->t, pos, c->now, walk_one, &w)) {
		rcu_read_unlock();
		/* Between two messages of a dump, every binding is replaced:
		 * positions do not move, nothing is seen twice or skipped.
		 */
		for (i = 0; i < 32; i++)
			KUNIT_ASSERT_EQ(test,
					bt_set(c, bp(cpu_to_be32(0xc0000210 + i),
						     peer1, HMMP_BIND_MOBILE,
						     coa2, 0), F_REPLACE), 0);
		KUNIT_ASSERT_LT(test, ++rounds, 100);
		rcu_read_lock();
	}
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, w.calls, 32);
	for (i = 0; i < 32; i++)
		KUNIT_EXPECT_EQ(test, w.seen[i], 1);
	KUNIT_EXPECT_GE(test, rounds, 31);
}

/* Adds and removals change the generation a dump compares. */
static void binding_gen(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	const u8 k = HMMP_BIND_MOBILE;
	unsigned int g = hmmp_binding_gen(&c->t);

	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer1, k, coa1, 0), F_CREATE),
			0);
	KUNIT_EXPECT_NE(test, hmmp_binding_gen(&c->t), g);
	g = hmmp_binding_gen(&c->t);
	KUNIT_ASSERT_EQ(test, bt_set(c, bp(orig1, peer1, k, coa2, 0), F_REPLACE),
			0);
	KUNIT_EXPECT_EQ(test, hmmp_binding_gen(&c->t), g);
	KUNIT_ASSERT_EQ(test, hmmp_binding_del(&c->t, orig1, peer1, k, c->now),
			0);
	KUNIT_EXPECT_NE(test, hmmp_binding_gen(&c->t), g);
}

/*
 * A packet-path reader in another thread while bindings are replaced
 * over and over: it must always find a whole binding (care-of address and
 * encapsulation from the same set() call), and every packet it counts,
 * through whichever entry it found, must survive the replaces.
 */
struct reader_ctx {
	struct bt_ctx *c;
	unsigned long seen;
	unsigned long torn;
	unsigned long missing;
};

static int reader_fn(void *arg)
{
	struct reader_ctx *r = arg;
	const struct hmmp_binding *b;

	while (!kthread_should_stop()) {
		rcu_read_lock();
		b = hmmp_binding_lookup(&r->c->t, orig1, peer1,
					HMMP_BIND_CORRESPONDENT, r->c->now);
		if (!b) {
			r->missing++;
		} else {
			if (!(b->coa == coa1 && b->encap == HMMP_ENCAP_IPIP) &&
			    !(b->coa == coa2 && b->encap == HMMP_ENCAP_MINIMAL))
				r->torn++;
			hmmp_binding_count(b, HMMP_BINDING_ENCAP, 1, 100);
			r->seen++;
		}
		rcu_read_unlock();
		cond_resched();
	}
	return 0;
}

static void binding_concurrent_reader(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	struct hmmp_binding_params p = bp(orig1, peer1,
					  HMMP_BIND_CORRESPONDENT, coa1, 0);
	struct reader_ctx r = { .c = c };
	struct hmmp_binding_info bi;
	struct task_struct *task;
	int i;

	KUNIT_ASSERT_EQ(test, bt_set(c, p, F_CREATE), 0);
	task = kthread_run(reader_fn, &r, "hmmp-bt-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	for (i = 0; i < 2000; i++) {
		p.coa = i & 1 ? coa1 : coa2;
		p.encap = i & 1 ? HMMP_ENCAP_IPIP : HMMP_ENCAP_MINIMAL;
		if (bt_set(c, p, F_REPLACE))
			break;
		if (i % 100 == 0)
			usleep_range(100, 200);
		else
			cond_resched();
	}
	kthread_stop(task);
	KUNIT_EXPECT_EQ(test, i, 2000);
	KUNIT_EXPECT_GT(test, r.seen, 0ul);
	KUNIT_EXPECT_EQ(test, r.torn, 0ul);
	KUNIT_EXPECT_EQ(test, r.missing, 0ul);
	KUNIT_ASSERT_TRUE(test, hmmp_binding_get(&c->t, orig1, peer1,
						 HMMP_BIND_CORRESPONDENT,
						 c->now, &bi));
	KUNIT_EXPECT_EQ(test, bi.pkts[HMMP_BINDING_ENCAP], (u64)r.seen);
	KUNIT_EXPECT_EQ(test, bi.bytes[HMMP_BINDING_ENCAP], 100 * (u64)r.seen);
	KUNIT_EXPECT_EQ(test, c->events[HMMP_BINDING_EV_REPLACED], 2000);
}

/*
 * Random operations against a naive reference: an array over a small key
 * space, each slot absent or holding the care-of address and expiry the
 * table must have. After each operation every key is checked with get()
 * and with the packet-path lookup (exact, then any), and the counts and
 * events are compared.
 */
#define REF_ORIGS	3
#define REF_PEERS	3	/* index 0 is "any" */
#define REF_KINDS	3
#define REF_N		(REF_ORIGS * REF_PEERS * REF_KINDS)

struct ref_binding {
	bool present;
	__be32 coa;
	u32 lifetime;
	unsigned long expires;
};

static __be32 ref_orig(int i)
{
	return cpu_to_be32(0xc0000201 + i);
}

static __be32 ref_peer(int i)
{
	return i ? cpu_to_be32(0xc6336400 + i) : 0;
}

static int ref_idx(int o, int p, int k)
{
	return (o * REF_PEERS + p) * REF_KINDS + k;
}

static bool ref_live(const struct ref_binding *r, unsigned long now)
{
	return r->present && (!r->lifetime || time_before(now, r->expires));
}

static int walk_count(const struct hmmp_binding_info *bi, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* get() and the packet-path lookup (exact, then any) against @ref. */
static void ref_check_key(struct kunit *test, struct bt_ctx *c,
			  const struct ref_binding *ref, int o, int p, int k)
{
	const struct ref_binding *x = &ref[ref_idx(o, p, k)];
	const struct ref_binding *any = &ref[ref_idx(o, 0, k)];
	bool live = ref_live(x, c->now);
	struct hmmp_binding_info bi;
	__be32 want;

	KUNIT_ASSERT_EQ(test, hmmp_binding_get(&c->t, ref_orig(o), ref_peer(p),
					       k + 1, c->now, &bi), live);
	if (live) {
		ASSERT_EQ_RAW(test, bi.coa, x->coa);
		KUNIT_ASSERT_EQ(test, bi.lifetime, x->lifetime);
	}
	if (live)
		want = x->coa;
	else
		want = ref_live(any, c->now) ? any->coa : 0;
	ASSERT_EQ_RAW(test, bt_lookup(c, ref_orig(o), ref_peer(p), k + 1),
		      want);
}

static void binding_random_vs_reference(struct kunit *test)
{
	struct bt_ctx *c = test->priv;
	struct ref_binding ref[REF_N] = {};
	int want_ev[3] = {}, want_reason[HMMP_REASON_FLUSHED + 1] = {};
	u64 want_full = 0;
	u32 max = HMMP_BINDING_MAX_DEFAULT;
	struct rnd_state rnd;
	int op, i;

	prandom_seed_state(&rnd, 2003);
	for (op = 0; op < 4000; op++) {
		u32 r = prandom_u32_state(&rnd);
		int o = r % REF_ORIGS, p = (r >> 4) % REF_PEERS;
		int k = (r >> 8) % REF_KINDS;
		struct ref_binding *e = &ref[ref_idx(o, p, k)];
		struct hmmp_binding_params prm = bp(ref_orig(o), ref_peer(p),
						    k + 1,
						    cpu_to_be32(0xcb007100 +
								(r >> 12) % 7),
						    (r >> 16) % 3 ? 0 :
						    (r >> 18) % 50);
		int n_live = 0, err, want;

		for (i = 0; i < REF_N; i++)
			n_live += ref[i].present;

		switch ((r >> 24) % 10) {
		case 0:
		case 1:
		case 2:
		case 3: { /* set, with one of the three flag sets */
			unsigned int fl = 1 + (r >> 28) % 3;
			bool live = ref_live(e, c->now);

			if (e->present && !live) {	/* collected first */
				e->present = false;
				want_reason[HMMP_REASON_EXPIRED]++;
				want_ev[HMMP_BINDING_EV_DEL]++;
				n_live--;
			}
			if (live && !(fl & F_REPLACE)) {
				want = -EEXIST;
			} else if (!live && !(fl & F_CREATE)) {
				want = -ENOENT;
			} else if (!live && n_live >= max) {
				want = -ENOSPC;
				want_full++;
			} else {
				want = 0;
				want_ev[live ? HMMP_BINDING_EV_REPLACED :
					HMMP_BINDING_EV_NEW]++;
				e->present = true;
				e->coa = prm.coa;
				e->lifetime = prm.lifetime;
				e->expires = c->now + prm.lifetime * HZ;
			}
			err = hmmp_binding_set(&c->t, &prm, fl, c->now);
			KUNIT_ASSERT_EQ(test, err, want);
			break;
		}
		case 4:
		case 5: /* delete */
			want = ref_live(e, c->now) ? 0 : -ENOENT;
			if (e->present) {
				want_ev[HMMP_BINDING_EV_DEL]++;
				want_reason[want ? HMMP_REASON_EXPIRED :
					    HMMP_REASON_DELETED]++;
			}
			e->present = false;
			KUNIT_ASSERT_EQ(test,
					hmmp_binding_del(&c->t, prm.orig,
							 prm.peer, prm.kind,
							 c->now), want);
			break;
		case 6: /* rarely: flush */
			if ((r & 0xff) > 8)
				break;
			want = 0;
			for (i = 0; i < REF_N; i++) {
				if (!ref[i].present)
					continue;
				want_ev[HMMP_BINDING_EV_DEL]++;
				if (ref_live(&ref[i], c->now)) {
					want++;
					want_reason[HMMP_REASON_FLUSHED]++;
				} else {
					want_reason[HMMP_REASON_EXPIRED]++;
				}
				ref[i].present = false;
			}
			KUNIT_ASSERT_EQ(test, hmmp_binding_flush(&c->t, c->now),
					(unsigned int)want);
			break;
		case 7: /* the limit moves */
			max = 1 + (r >> 12) % (REF_N + 4);
			WRITE_ONCE(c->t.max, max);
			break;
		default: /* time passes, the collector runs */
			c->now += ((r >> 12) % 20) * HZ;
			want = 0;
			for (i = 0; i < REF_N; i++) {
				if (ref[i].present && !ref_live(&ref[i], c->now)) {
					ref[i].present = false;
					want_ev[HMMP_BINDING_EV_DEL]++;
					want_reason[HMMP_REASON_EXPIRED]++;
					want++;
				}
			}
			KUNIT_ASSERT_EQ(test,
					hmmp_binding_expire(&c->t, c->now),
					(unsigned int)want);
			break;
		}

		/* The table equals the reference, key by key. */
		n_live = 0;
		for (i = 0; i < REF_N; i++)
			n_live += ref[i].present;
		for (o = 0; o < REF_ORIGS; o++)
			for (p = 0; p < REF_PEERS; p++)
				for (k = 0; k < REF_KINDS; k++)
					ref_check_key(test, c, ref, o, p, k);
		KUNIT_ASSERT_EQ(test, bt_stats(c).count, (u32)n_live);
		KUNIT_ASSERT_EQ(test, bt_stats(c).sum.table_full, want_full);
		for (i = 0; i < 3; i++)
			KUNIT_ASSERT_EQ(test, c->events[i], want_ev[i]);
		for (i = 0; i <= HMMP_REASON_FLUSHED; i++)
			KUNIT_ASSERT_EQ(test, c->reasons[i], want_reason[i]);
		if (op % 50 == 0) {
			long pos[2] = { 0, 0 };
			int n = 0, live = 0;

			for (i = 0; i < REF_N; i++)
				live += ref_live(&ref[i], c->now);
			rcu_read_lock();
			hmmp_binding_walk(&c->t, pos, c->now, walk_count, &n);
			rcu_read_unlock();
			KUNIT_ASSERT_EQ(test, n, live);
		}
	}
	/* The run must have reached the interesting cases. */
	KUNIT_EXPECT_GT(test, want_full, 0ull);
	KUNIT_EXPECT_GT(test, want_ev[HMMP_BINDING_EV_REPLACED], 0);
	KUNIT_EXPECT_GT(test, want_reason[HMMP_REASON_EXPIRED], 0);
	KUNIT_EXPECT_GT(test, want_reason[HMMP_REASON_FLUSHED], 0);
}

/*
 * Issue 16 item 7: what ICMP fragmentation-needed may teach a tunnel. One
 * forged "MTU 68" must not shrink it below the route's minimum (552 by
 * default), nor may a later, larger report raise a path MTU still valid.
 */
static void binding_pmtu_floor(struct kunit *test)
{
	struct hmmp_tun_path p = {};
	unsigned long now = 1000000;

	KUNIT_EXPECT_EQ(test, hmmp_path_pmtu(&p, now), 0u);
	hmmp_path_note_pmtu(&p, 68, 552, now, 600 * HZ);
	KUNIT_EXPECT_EQ(test, hmmp_path_pmtu(&p, now), 552u);
	hmmp_path_note_pmtu(&p, 0, 552, now, 600 * HZ);
	KUNIT_EXPECT_EQ(test, hmmp_path_pmtu(&p, now), 552u);
	hmmp_path_note_pmtu(&p, 1400, 552, now + HZ, 600 * HZ);
	KUNIT_EXPECT_EQ(test, hmmp_path_pmtu(&p, now + HZ), 552u);
	/* Forgotten after its time; then a real report counts. */
	KUNIT_EXPECT_EQ(test, hmmp_path_pmtu(&p, now + 600 * HZ), 0u);
	hmmp_path_note_pmtu(&p, 1400, 552, now + 600 * HZ, 600 * HZ);
	KUNIT_EXPECT_EQ(test, hmmp_path_pmtu(&p, now + 600 * HZ), 1400u);
	hmmp_path_note_pmtu(&p, 1300, 552, now + 601 * HZ, 600 * HZ);
	KUNIT_EXPECT_EQ(test, hmmp_path_pmtu(&p, now + 601 * HZ), 1300u);
	/* A namespace with a higher floor keeps it. */
	p.pmtu = 0;
	hmmp_path_note_pmtu(&p, 576, 1280, now, 600 * HZ);
	KUNIT_EXPECT_EQ(test, hmmp_path_pmtu(&p, now), 1280u);
}

static struct kunit_case hmmp_binding_cases[] = {
	KUNIT_CASE(binding_pmtu_floor),
	KUNIT_CASE(binding_insert_lookup),
	KUNIT_CASE(binding_invalid),
	KUNIT_CASE(binding_udp_port),
	KUNIT_CASE(binding_init_bits),
	KUNIT_CASE(binding_exact_vs_any),
	KUNIT_CASE(binding_replace_refresh),
	KUNIT_CASE(binding_delete),
	KUNIT_CASE(binding_expire),
	KUNIT_CASE(binding_flush),
	KUNIT_CASE(binding_limit),
	KUNIT_CASE(binding_walk_resume),
	KUNIT_CASE(binding_gen),
	KUNIT_CASE(binding_concurrent_reader),
	KUNIT_CASE(binding_random_vs_reference),
	{}
};

static struct kunit_suite hmmp_binding_suite = {
	.name = "hmmp_binding",
	.init = bt_init,
	.exit = bt_exit,
	.test_cases = hmmp_binding_cases,
};

kunit_test_suite(hmmp_binding_suite);
