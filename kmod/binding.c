// SPDX-License-Identifier: GPL-2.0
/*
 * The address-binding table: an RCU hash table of immutable entries,
 * replaced whole on every change so that the packet path never sees a
 * binding half-written. See binding.h for the contract.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/in.h>
#include "binding.h"

int hmmp_binding_init(struct hmmp_binding_table *t, unsigned int hash_bits)
{
	unsigned int i;

	if (hash_bits < 1 || hash_bits > 20)
		return -EINVAL;
	t->hash_bits = hash_bits;
	t->buckets = kvcalloc(1U << hash_bits, sizeof(*t->buckets),
			      GFP_KERNEL_ACCOUNT);
	if (!t->buckets)
		return -ENOMEM;
	t->pcpu = alloc_percpu(struct hmmp_binding_pcpu);
	if (!t->pcpu) {
		kvfree(t->buckets);
		t->buckets = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < HMMP_BINDING_LOCKS; i++)
		spin_lock_init(&t->locks[i]);
	atomic_set(&t->count, 0);
	atomic_set(&t->gen, 0);
	t->max = HMMP_BINDING_MAX_DEFAULT;
	t->seed = get_random_u32();
	t->notify = NULL;
	return 0;
}

static u32 hmmp_binding_hash(const struct hmmp_binding_table *t, __be32 orig,
			     __be32 peer, u8 kind)
{
	return jhash_3words((__force u32)orig, (__force u32)peer, kind,
			    t->seed) >> (32 - t->hash_bits);
}

static spinlock_t *hmmp_binding_lock(struct hmmp_binding_table *t, u32 hash)
{
	return &t->locks[hash & (HMMP_BINDING_LOCKS - 1)];
}

static bool hmmp_binding_expired(const struct hmmp_binding *b,
				 unsigned long now)
{
	return b->lifetime && time_after_eq(now, b->expires);
}

static u64 hmmp_ms_since(unsigned long since, unsigned long now)
{
	return time_after(now, since) ? jiffies64_to_msecs(now - since) : 0;
}

static void hmmp_binding_fill(const struct hmmp_binding *b, unsigned long now,
			      struct hmmp_binding_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->orig = b->orig;
	bi->peer = b->peer;
	bi->coa = b->coa;
	bi->kind = b->kind;
	bi->encap = b->encap;
	bi->min_src = b->min_src;
	bi->port = b->port;
	bi->lifetime = b->lifetime;
	if (b->lifetime && time_before(now, b->expires))
		bi->expires_ms = jiffies64_to_msecs(b->expires - now);
	bi->age_ms = hmmp_ms_since(b->created, now);
	bi->refresh_ms = hmmp_ms_since(b->refreshed, now);
	hmmp_ctr_read(b->ctr, bi->pkts, bi->bytes);
	bi->pmtu = hmmp_path_pmtu(&b->path, now);
}

/* Caller holds the bucket lock. */
static void hmmp_binding_notify(struct hmmp_binding_table *t,
				const struct hmmp_binding *b,
				enum hmmp_binding_event ev,
				enum hmmp_event_reason reason,
				unsigned long now)
{
	struct hmmp_binding_info bi;

	if (!t->notify)
		return;
	hmmp_binding_fill(b, now, &bi);
	t->notify(t, ev, &bi, reason);
}

static void hmmp_binding_free_rcu(struct rcu_head *head)
{
	struct hmmp_binding *b = container_of(head, struct hmmp_binding, rcu);

	if (b->ctr_owner)
		kfree(b->ctr);
	kfree(b);
}

/* RCU read side, or the bucket lock held. */
static struct hmmp_binding *hmmp_binding_find(struct hmmp_binding_table *t,
					      u32 hash, __be32 orig,
					      __be32 peer, u8 kind)
{
	struct hmmp_binding *b;

	hlist_for_each_entry_rcu(b, &t->buckets[hash], node) {
		if (b->orig == orig && b->peer == peer && b->kind == kind)
			return b;
	}
	return NULL;
}

/*
 * Caller holds the bucket lock. Unlinks @b and reports it: an entry whose
 * lifetime had run out goes as EXPIRED whatever the request. Returns true
 * when it was still live, i.e. when @reason applied.
 */
static bool hmmp_binding_remove(struct hmmp_binding_table *t,
				struct hmmp_binding *b,
				enum hmmp_event_reason reason,
				unsigned long now)
{
	bool live = !hmmp_binding_expired(b, now);

	if (!live)
		reason = HMMP_REASON_EXPIRED;
	switch (reason) {
	case HMMP_REASON_EXPIRED:
		this_cpu_inc(t->pcpu->expired);
		break;
	case HMMP_REASON_FLUSHED:
		this_cpu_inc(t->pcpu->flushed);
		break;
	default:
		this_cpu_inc(t->pcpu->deleted);
		break;
	}
	hlist_del_rcu(&b->node);
	atomic_dec(&t->count);
	atomic_inc(&t->gen);
	hmmp_binding_notify(t, b, HMMP_BINDING_EV_DEL, reason, now);
	call_rcu(&b->rcu, hmmp_binding_free_rcu);
	return live;
}

static bool hmmp_addr_ok(__be32 a)
{
	return !ipv4_is_zeronet(a) && !ipv4_is_multicast(a) &&
	       !ipv4_is_lbcast(a) && !ipv4_is_loopback(a);
}

static int hmmp_binding_check(const struct hmmp_binding_params *p,
			      unsigned int flags)
{
	if (!flags || (flags & ~(HMMP_BINDING_F_CREATE |
				 HMMP_BINDING_F_REPLACE)))
		return -EINVAL;
	if (!hmmp_addr_ok(p->orig) || !hmmp_addr_ok(p->coa) ||
	    p->coa == p->orig || (p->peer && !hmmp_addr_ok(p->peer)))
		return -EINVAL;
	if (p->kind < HMMP_BIND_CORRESPONDENT || p->kind > HMMP_BIND_ROUTER)
		return -EINVAL;
	if (p->encap != HMMP_ENCAP_IPIP && p->encap != HMMP_ENCAP_MINIMAL &&
	    p->encap != HMMP_ENCAP_UDP)
		return -EINVAL;
	/* A UDP tunnel's far end has a port; the others have none. */
	if (p->encap == HMMP_ENCAP_UDP ? !p->port : p->port != 0)
		return -EINVAL;
	if (p->lifetime > HMMP_BINDING_LIFETIME_MAX)
		return -EINVAL;
	return 0;
}

/* Bucket lock held. The tail keeps the walk's positions stable. */
static void hmmp_binding_add_tail(struct hlist_head *head,
				  struct hmmp_binding *b)
{
	struct hlist_node *n, *last = NULL;

	for (n = head->first; n; n = n->next)
		last = n;
	if (last)
		hlist_add_behind_rcu(&b->node, last);
	else
		hlist_add_head_rcu(&b->node, head);
}

int hmmp_binding_set(struct hmmp_binding_table *t,
		     const struct hmmp_binding_params *p, unsigned int flags,
		     unsigned long now)
{
	struct hmmp_binding_ctr *ctr = NULL;
	struct hmmp_binding *b, *old;
	spinlock_t *lock;	/* the key's bucket */
	u32 hash;
	int err;

	err = hmmp_binding_check(p, flags);
	if (err)
		return err;

	/* Charged to the caller's memory cgroup (issue 16 item 5). */
	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	if (flags & HMMP_BINDING_F_CREATE) {
		ctr = kzalloc(sizeof(*ctr), GFP_KERNEL_ACCOUNT);
		if (!ctr) {
			kfree(b);
			return -ENOMEM;
		}
	}
	b->orig = p->orig;
	b->peer = p->peer;
	b->kind = p->kind;
	b->encap = p->encap;
	b->min_src = p->encap == HMMP_ENCAP_MINIMAL && p->min_src;
	b->coa = p->coa;
	b->port = p->port;
	b->lifetime = p->lifetime;
	b->expires = now + (unsigned long)p->lifetime * HZ;
	b->created = now;
	b->refreshed = now;

	hash = hmmp_binding_hash(t, p->orig, p->peer, p->kind);
	lock = hmmp_binding_lock(t, hash);
	spin_lock_bh(lock);
	old = hmmp_binding_find(t, hash, p->orig, p->peer, p->kind);
	if (old && hmmp_binding_expired(old, now)) {
		/* Gone for the packet path already: make it official. */
		hmmp_binding_remove(t, old, HMMP_REASON_EXPIRED, now);
		old = NULL;
	}
	if (old) {
		if (!(flags & HMMP_BINDING_F_REPLACE)) {
			err = -EEXIST;
			goto out;
		}
		b->created = old->created;
		b->ctr = old->ctr;
		b->ctr_owner = true;
		old->ctr_owner = false;
		hlist_replace_rcu(&old->node, &b->node);
		this_cpu_inc(t->pcpu->replaced);
		hmmp_binding_notify(t, b, HMMP_BINDING_EV_REPLACED, 0, now);
		call_rcu(&old->rcu, hmmp_binding_free_rcu);
		b = NULL;
		goto out;
	}
	if (!(flags & HMMP_BINDING_F_CREATE)) {
		err = -ENOENT;
		goto out;
	}
	if (atomic_inc_return(&t->count) > READ_ONCE(t->max)) {
		atomic_dec(&t->count);
		this_cpu_inc(t->pcpu->table_full);
		err = -ENOSPC;
		goto out;
	}
	b->ctr = ctr;
	b->ctr_owner = true;
	ctr = NULL;
	hmmp_binding_add_tail(&t->buckets[hash], b);
	atomic_inc(&t->gen);
	this_cpu_inc(t->pcpu->created);
	hmmp_binding_notify(t, b, HMMP_BINDING_EV_NEW, 0, now);
	b = NULL;
out:
	spin_unlock_bh(lock);
	kfree(ctr);
	kfree(b);
	return err;
}

int hmmp_binding_del(struct hmmp_binding_table *t, __be32 orig, __be32 peer,
		     u8 kind, unsigned long now)
{
	u32 hash = hmmp_binding_hash(t, orig, peer, kind);
	spinlock_t *lock = hmmp_binding_lock(t, hash);
	struct hmmp_binding *b;
	int err = -ENOENT;

	spin_lock_bh(lock);
	b = hmmp_binding_find(t, hash, orig, peer, kind);
	if (b && hmmp_binding_remove(t, b, HMMP_REASON_DELETED, now))
		err = 0;
	spin_unlock_bh(lock);
	return err;
}

/* Removes the bindings of bucket @i that @all says, or that expired. */
static unsigned int hmmp_binding_sweep(struct hmmp_binding_table *t,
				       unsigned int i, bool all,
				       unsigned long now)
{
	spinlock_t *lock = hmmp_binding_lock(t, i);
	struct hmmp_binding *b;
	struct hlist_node *tmp;
	unsigned int n = 0;

	if (hlist_empty(&t->buckets[i]))
		return 0;
	spin_lock_bh(lock);
	hlist_for_each_entry_safe(b, tmp, &t->buckets[i], node) {
		if (all) {
			n += hmmp_binding_remove(t, b, HMMP_REASON_FLUSHED, now);
		} else if (hmmp_binding_expired(b, now)) {
			hmmp_binding_remove(t, b, HMMP_REASON_EXPIRED, now);
			n++;
		}
	}
	spin_unlock_bh(lock);
	return n;
}

unsigned int hmmp_binding_flush(struct hmmp_binding_table *t,
				unsigned long now)
{
	unsigned int i, n = 0;

	for (i = 0; i < (1U << t->hash_bits); i++)
		n += hmmp_binding_sweep(t, i, true, now);
	return n;
}

unsigned int hmmp_binding_expire(struct hmmp_binding_table *t,
				 unsigned long now)
{
	unsigned int i, n = 0;

	for (i = 0; i < (1U << t->hash_bits); i++) {
		n += hmmp_binding_sweep(t, i, false, now);
		if ((i & 63) == 63)
			cond_resched();
	}
	return n;
}

const struct hmmp_binding *hmmp_binding_lookup(struct hmmp_binding_table *t,
					       __be32 orig, __be32 peer,
					       u8 kind, unsigned long now)
{
	struct hmmp_binding *b;

	if (peer) {
		b = hmmp_binding_find(t, hmmp_binding_hash(t, orig, peer, kind),
				      orig, peer, kind);
		if (b && !hmmp_binding_expired(b, now))
			return b;
	}
	b = hmmp_binding_find(t, hmmp_binding_hash(t, orig, 0, kind), orig, 0,
			      kind);
	if (b && !hmmp_binding_expired(b, now))
		return b;
	return NULL;
}

bool hmmp_binding_get(struct hmmp_binding_table *t, __be32 orig, __be32 peer,
		      u8 kind, unsigned long now,
		      struct hmmp_binding_info *bi)
{
	struct hmmp_binding *b;
	bool found = false;

	rcu_read_lock();
	b = hmmp_binding_find(t, hmmp_binding_hash(t, orig, peer, kind), orig,
			      peer, kind);
	if (b && !hmmp_binding_expired(b, now)) {
		hmmp_binding_fill(b, now, bi);
		found = true;
	}
	rcu_read_unlock();
	return found;
}

int hmmp_binding_walk(struct hmmp_binding_table *t, long pos[2],
		      unsigned long now, hmmp_binding_walk_t fn, void *arg)
{
	struct hmmp_binding_info bi;
	struct hmmp_binding *b;
	long idx;

	for (; pos[0] < (1L << t->hash_bits); pos[0]++, pos[1] = 0) {
		idx = 0;
		hlist_for_each_entry_rcu(b, &t->buckets[pos[0]], node) {
			if (idx++ < pos[1])
				continue;
			if (!hmmp_binding_expired(b, now)) {
				hmmp_binding_fill(b, now, &bi);
				if (fn(&bi, arg))
					return 1;
			}
			pos[1] = idx;
		}
	}
	return 0;
}

void hmmp_binding_stats(struct hmmp_binding_table *t,
			struct hmmp_binding_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct hmmp_binding_pcpu *p = per_cpu_ptr(t->pcpu, cpu);

		st->sum.created += READ_ONCE(p->created);
		st->sum.replaced += READ_ONCE(p->replaced);
		st->sum.deleted += READ_ONCE(p->deleted);
		st->sum.expired += READ_ONCE(p->expired);
		st->sum.flushed += READ_ONCE(p->flushed);
		st->sum.table_full += READ_ONCE(p->table_full);
	}
	st->count = atomic_read(&t->count);
	st->max = READ_ONCE(t->max);
}

void hmmp_binding_uninit(struct hmmp_binding_table *t)
{
	struct hmmp_binding *b;
	struct hlist_node *tmp;
	unsigned int i;

	for (i = 0; i < (1U << t->hash_bits); i++) {
		spinlock_t *lock = hmmp_binding_lock(t, i);

		spin_lock_bh(lock);
		hlist_for_each_entry_safe(b, tmp, &t->buckets[i], node) {
			hlist_del_rcu(&b->node);
			atomic_dec(&t->count);
			call_rcu(&b->rcu, hmmp_binding_free_rcu);
		}
		spin_unlock_bh(lock);
	}
	/* The callbacks are this module's code and free per-CPU memory. */
	rcu_barrier();
	free_percpu(t->pcpu);
	kvfree(t->buckets);
	t->buckets = NULL;
}
