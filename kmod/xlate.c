// SPDX-License-Identifier: GPL-2.0
/*
 * Connection translations: an RCU hash table of immutable entries on two
 * chains, replaced whole on every change, and the rewrite of a segment
 * from one view to the other. See xlate.h for the contract.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/skbuff.h>
#include <net/checksum.h>
#include <net/ip.h>
#include "xlate.h"

int hmmp_xlate_init(struct hmmp_xlate_table *t, unsigned int hash_bits)
{
	unsigned int n;

	if (hash_bits < 1 || hash_bits > 16)
		return -EINVAL;
	n = 1U << hash_bits;
	t->hash_bits = hash_bits;
	t->lbuckets = kvcalloc(n, sizeof(*t->lbuckets), GFP_KERNEL_ACCOUNT);
	t->pbuckets = kvcalloc(n, sizeof(*t->pbuckets), GFP_KERNEL_ACCOUNT);
	t->pcpu = alloc_percpu(struct hmmp_xlate_pcpu);
	if (!t->lbuckets || !t->pbuckets || !t->pcpu) {
		free_percpu(t->pcpu);
		kvfree(t->pbuckets);
		kvfree(t->lbuckets);
		t->lbuckets = NULL;
		t->pbuckets = NULL;
		return -ENOMEM;
	}
	spin_lock_init(&t->lock);
	atomic_set(&t->count, 0);
	atomic_set(&t->gen, 0);
	t->max = HMMP_XLATE_MAX_DEFAULT;
	t->seed = get_random_u32();
	return 0;
}

static u32 hmmp_ports(__be16 a, __be16 b)
{
	return ((__force u32)a << 16) | (__force u32)b;
}

static u32 hmmp_xlate_lhash(const struct hmmp_xlate_table *t, __be32 laddr,
			    __be16 lport, __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    hmmp_ports(lport, rport),
			    t->seed) >> (32 - t->hash_bits);
}

static u32 hmmp_xlate_phash(const struct hmmp_xlate_table *t,
			    __be32 peer_laddr, __be16 peer_lport,
			    __be32 peer_raddr, __be16 peer_rport, __be32 coa,
			    __be16 port)
{
	u32 w[5] = {
		(__force u32)peer_laddr, (__force u32)peer_raddr,
		hmmp_ports(peer_lport, peer_rport), (__force u32)coa,
		(__force u32)port,
	};

	return jhash2(w, ARRAY_SIZE(w), t->seed) >> (32 - t->hash_bits);
}

static u32 hmmp_xlate_phash_of(const struct hmmp_xlate_table *t,
			       const struct hmmp_xlate_params *p)
{
	return hmmp_xlate_phash(t, p->peer_laddr, p->peer_lport, p->peer_raddr,
				p->peer_rport, p->coa, p->port);
}

static bool hmmp_xlate_expired(const struct hmmp_xlate *x, unsigned long now)
{
	return x->lifetime && time_after_eq(now, x->expires);
}

static u64 hmmp_ms_since(unsigned long since, unsigned long now)
{
	return time_after(now, since) ? jiffies64_to_msecs(now - since) : 0;
}

static void hmmp_xlate_fill(const struct hmmp_xlate *x, unsigned long now,
			    struct hmmp_xlate_info *xi)
{
	struct hmmp_xlate_params *p = &xi->p;

	memset(xi, 0, sizeof(*xi));
	p->laddr = x->laddr;
	p->lport = x->lport;
	p->raddr = x->raddr;
	p->rport = x->rport;
	p->peer_laddr = x->peer_laddr;
	p->peer_lport = x->peer_lport;
	p->peer_raddr = x->peer_raddr;
	p->peer_rport = x->peer_rport;
	p->coa = x->coa;
	p->port = x->port;
	p->encap = x->encap;
	p->lifetime = x->lifetime;
	if (x->lifetime && time_before(now, x->expires))
		xi->expires_ms = jiffies64_to_msecs(x->expires - now);
	xi->age_ms = hmmp_ms_since(x->created, now);
	hmmp_ctr_read(x->ctr, xi->pkts, xi->bytes);
}

static void hmmp_xlate_free_rcu(struct rcu_head *head)
{
	struct hmmp_xlate *x = container_of(head, struct hmmp_xlate, rcu);

	if (x->ctr_owner)
		kfree(x->ctr);
	kfree(x);
}

/* RCU read side, or t->lock held. */
static struct hmmp_xlate *hmmp_xlate_find(struct hmmp_xlate_table *t,
					  u32 hash, __be32 laddr,
					  __be16 lport, __be32 raddr,
					  __be16 rport)
{
	struct hmmp_xlate *x;

	hlist_for_each_entry_rcu(x, &t->lbuckets[hash], lnode) {
		if (x->laddr == laddr && x->raddr == raddr &&
		    x->lport == lport && x->rport == rport)
			return x;
	}
	return NULL;
}

/* RCU read side, or t->lock held. */
static struct hmmp_xlate *
hmmp_xlate_find_peer(struct hmmp_xlate_table *t, u32 hash, __be32 peer_laddr,
		     __be16 peer_lport, __be32 peer_raddr, __be16 peer_rport,
		     __be32 coa, __be16 port)
{
	struct hmmp_xlate *x;

	hlist_for_each_entry_rcu(x, &t->pbuckets[hash], pnode) {
		if (x->peer_laddr == peer_laddr && x->peer_raddr == peer_raddr &&
		    x->peer_lport == peer_lport && x->peer_rport == peer_rport &&
		    x->coa == coa && x->port == port)
			return x;
	}
	return NULL;
}

/* t->lock held. Unlinks @x; returns true when it was still live, i.e.
 * when @reason applied (one past its lifetime counts as expired).
 */
static bool hmmp_xlate_remove(struct hmmp_xlate_table *t,
			      struct hmmp_xlate *x,
			      enum hmmp_event_reason reason, unsigned long now)
{
	bool live = !hmmp_xlate_expired(x, now);

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
	hlist_del_rcu(&x->lnode);
	hlist_del_rcu(&x->pnode);
	atomic_dec(&t->count);
	atomic_inc(&t->gen);
	call_rcu(&x->rcu, hmmp_xlate_free_rcu);
	return live;
}

static bool hmmp_addr_ok(__be32 a)
{
	return !ipv4_is_zeronet(a) && !ipv4_is_multicast(a) &&
	       !ipv4_is_lbcast(a) && !ipv4_is_loopback(a);
}

int hmmp_xlate_check(const struct hmmp_xlate_params *p)
{
	if (!hmmp_addr_ok(p->laddr) || !hmmp_addr_ok(p->raddr) ||
	    !hmmp_addr_ok(p->peer_laddr) || !hmmp_addr_ok(p->peer_raddr) ||
	    !hmmp_addr_ok(p->coa))
		return -EINVAL;
	if (!p->lport || !p->rport || !p->peer_lport || !p->peer_rport)
		return -EINVAL;
	if (p->encap != HMMP_ENCAP_IPIP && p->encap != HMMP_ENCAP_MINIMAL &&
	    p->encap != HMMP_ENCAP_UDP)
		return -EINVAL;
	if (p->encap == HMMP_ENCAP_UDP ? !p->port : p->port != 0)
		return -EINVAL;
	if (p->lifetime > HMMP_BINDING_LIFETIME_MAX)
		return -EINVAL;
	return 0;
}

/* t->lock held. The tail keeps the walk's positions stable. */
static void hmmp_xlate_add_tail(struct hlist_head *head,
				struct hlist_node *node)
{
	struct hlist_node *n, *last = NULL;

	for (n = head->first; n; n = n->next)
		last = n;
	if (last)
		hlist_add_behind_rcu(node, last);
	else
		hlist_add_head_rcu(node, head);
}

int hmmp_xlate_set(struct hmmp_xlate_table *t,
		   const struct hmmp_xlate_params *p, unsigned int flags,
		   unsigned long now)
{
	struct hmmp_binding_ctr *ctr = NULL;
	struct hmmp_xlate *x, *old, *clash;
	u32 lhash, phash;
	int err;

	if (!flags || (flags & ~(HMMP_XLATE_F_CREATE | HMMP_XLATE_F_REPLACE)))
		return -EINVAL;
	err = hmmp_xlate_check(p);
	if (err)
		return err;

	/* Charged to the caller's memory cgroup (issue 16 item 5). */
	x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	if (!x)
		return -ENOMEM;
	if (flags & HMMP_XLATE_F_CREATE) {
		ctr = kzalloc(sizeof(*ctr), GFP_KERNEL_ACCOUNT);
		if (!ctr) {
			kfree(x);
			return -ENOMEM;
		}
	}
	x->laddr = p->laddr;
	x->lport = p->lport;
	x->raddr = p->raddr;
	x->rport = p->rport;
	x->peer_laddr = p->peer_laddr;
	x->peer_lport = p->peer_lport;
	x->peer_raddr = p->peer_raddr;
	x->peer_rport = p->peer_rport;
	x->coa = p->coa;
	x->port = p->port;
	x->encap = p->encap;
	x->lifetime = p->lifetime;
	x->expires = now + (unsigned long)p->lifetime * HZ;
	x->created = now;
	x->refreshed = now;

	lhash = hmmp_xlate_lhash(t, p->laddr, p->lport, p->raddr, p->rport);
	phash = hmmp_xlate_phash_of(t, p);
	spin_lock_bh(&t->lock);
	old = hmmp_xlate_find(t, lhash, p->laddr, p->lport, p->raddr,
			      p->rport);
	if (old && hmmp_xlate_expired(old, now)) {
		/* Gone for the packet path already: make it official. */
		hmmp_xlate_remove(t, old, HMMP_REASON_EXPIRED, now);
		old = NULL;
	}
	if (old ? !(flags & HMMP_XLATE_F_REPLACE) :
		  !(flags & HMMP_XLATE_F_CREATE)) {
		err = old ? -EEXIST : -ENOENT;
		goto out;
	}
	/* The decapsulation key must name one connection only. */
	clash = hmmp_xlate_find_peer(t, phash, p->peer_laddr, p->peer_lport,
				     p->peer_raddr, p->peer_rport, p->coa,
				     p->port);
	if (clash && clash != old) {
		if (!hmmp_xlate_expired(clash, now)) {
			err = -EADDRINUSE;
			goto out;
		}
		hmmp_xlate_remove(t, clash, HMMP_REASON_EXPIRED, now);
	}
	if (old) {
		x->created = old->created;
		x->ctr = old->ctr;
		x->ctr_owner = true;
		old->ctr_owner = false;
		hlist_replace_rcu(&old->lnode, &x->lnode);
		if (hmmp_xlate_phash(t, old->peer_laddr, old->peer_lport,
				     old->peer_raddr, old->peer_rport,
				     old->coa, old->port) == phash) {
			hlist_replace_rcu(&old->pnode, &x->pnode);
		} else {
			/* A reader on the old chain may miss it for a
			 * moment, as it would a new entry.
			 */
			hlist_del_rcu(&old->pnode);
			hmmp_xlate_add_tail(&t->pbuckets[phash], &x->pnode);
		}
		atomic_inc(&t->gen);
		this_cpu_inc(t->pcpu->replaced);
		call_rcu(&old->rcu, hmmp_xlate_free_rcu);
		x = NULL;
		goto out;
	}
	if (atomic_inc_return(&t->count) > READ_ONCE(t->max)) {
		atomic_dec(&t->count);
		this_cpu_inc(t->pcpu->table_full);
		err = -ENOSPC;
		goto out;
	}
	x->ctr = ctr;
	x->ctr_owner = true;
	ctr = NULL;
	hmmp_xlate_add_tail(&t->pbuckets[phash], &x->pnode);
	hmmp_xlate_add_tail(&t->lbuckets[lhash], &x->lnode);
	atomic_inc(&t->gen);
	this_cpu_inc(t->pcpu->created);
	x = NULL;
out:
	spin_unlock_bh(&t->lock);
	kfree(ctr);
	kfree(x);
	return err;
}

int hmmp_xlate_del(struct hmmp_xlate_table *t, __be32 laddr, __be16 lport,
		   __be32 raddr, __be16 rport, unsigned long now)
{
	u32 hash = hmmp_xlate_lhash(t, laddr, lport, raddr, rport);
	struct hmmp_xlate *x;
	int err = -ENOENT;

	spin_lock_bh(&t->lock);
	x = hmmp_xlate_find(t, hash, laddr, lport, raddr, rport);
	if (x && hmmp_xlate_remove(t, x, HMMP_REASON_DELETED, now))
		err = 0;
	spin_unlock_bh(&t->lock);
	return err;
}

/* Removes the entries of bucket @i (all, or the expired ones). */
static unsigned int hmmp_xlate_sweep(struct hmmp_xlate_table *t,
				     unsigned int i, bool all,
				     unsigned long now)
{
	struct hlist_node *tmp;
	struct hmmp_xlate *x;
	unsigned int n = 0;

	if (hlist_empty(&t->lbuckets[i]))
		return 0;
	spin_lock_bh(&t->lock);
	hlist_for_each_entry_safe(x, tmp, &t->lbuckets[i], lnode) {
		if (all) {
			n += hmmp_xlate_remove(t, x, HMMP_REASON_FLUSHED, now);
		} else if (hmmp_xlate_expired(x, now)) {
			hmmp_xlate_remove(t, x, HMMP_REASON_EXPIRED, now);
			n++;
		}
	}
	spin_unlock_bh(&t->lock);
	return n;
}

unsigned int hmmp_xlate_flush(struct hmmp_xlate_table *t, unsigned long now)
{
	unsigned int i, n = 0;

	for (i = 0; i < (1U << t->hash_bits); i++)
		n += hmmp_xlate_sweep(t, i, true, now);
	return n;
}

unsigned int hmmp_xlate_expire(struct hmmp_xlate_table *t, unsigned long now)
{
	unsigned int i, n = 0;

	if (hmmp_xlate_empty(t))
		return 0;
	for (i = 0; i < (1U << t->hash_bits); i++) {
		n += hmmp_xlate_sweep(t, i, false, now);
		if ((i & 63) == 63)
			cond_resched();
	}
	return n;
}

const struct hmmp_xlate *hmmp_xlate_lookup(struct hmmp_xlate_table *t,
					   __be32 laddr, __be16 lport,
					   __be32 raddr, __be16 rport,
					   unsigned long now)
{
	struct hmmp_xlate *x;

	x = hmmp_xlate_find(t, hmmp_xlate_lhash(t, laddr, lport, raddr, rport),
			    laddr, lport, raddr, rport);
	return x && !hmmp_xlate_expired(x, now) ? x : NULL;
}

const struct hmmp_xlate *
hmmp_xlate_lookup_peer(struct hmmp_xlate_table *t, __be32 peer_laddr,
		       __be16 peer_lport, __be32 peer_raddr,
		       __be16 peer_rport, __be32 coa, __be16 port,
		       unsigned long now)
{
	struct hmmp_xlate *x;
	u32 hash;

	hash = hmmp_xlate_phash(t, peer_laddr, peer_lport, peer_raddr,
				peer_rport, coa, port);
	x = hmmp_xlate_find_peer(t, hash, peer_laddr, peer_lport, peer_raddr,
				 peer_rport, coa, port);
	return x && !hmmp_xlate_expired(x, now) ? x : NULL;
}

bool hmmp_xlate_get(struct hmmp_xlate_table *t, __be32 laddr, __be16 lport,
		    __be32 raddr, __be16 rport, unsigned long now,
		    struct hmmp_xlate_info *xi)
{
	const struct hmmp_xlate *x;
	bool found = false;

	rcu_read_lock();
	x = hmmp_xlate_lookup(t, laddr, lport, raddr, rport, now);
	if (x) {
		hmmp_xlate_fill(x, now, xi);
		found = true;
	}
	rcu_read_unlock();
	return found;
}

int hmmp_xlate_walk(struct hmmp_xlate_table *t, long pos[2],
		    unsigned long now, hmmp_xlate_walk_t fn, void *arg)
{
	struct hmmp_xlate_info xi;
	struct hmmp_xlate *x;
	long idx;

	for (; pos[0] < (1L << t->hash_bits); pos[0]++, pos[1] = 0) {
		idx = 0;
		hlist_for_each_entry_rcu(x, &t->lbuckets[pos[0]], lnode) {
			if (idx++ < pos[1])
				continue;
			if (!hmmp_xlate_expired(x, now)) {
				hmmp_xlate_fill(x, now, &xi);
				if (fn(&xi, arg))
					return 1;
			}
			pos[1] = idx;
		}
	}
	return 0;
}

void hmmp_xlate_stats(struct hmmp_xlate_table *t, struct hmmp_xlate_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct hmmp_xlate_pcpu *p = per_cpu_ptr(t->pcpu, cpu);

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

void hmmp_xlate_uninit(struct hmmp_xlate_table *t)
{
	struct hlist_node *tmp;
	struct hmmp_xlate *x;
	unsigned int i;

	spin_lock_bh(&t->lock);
	for (i = 0; i < (1U << t->hash_bits); i++) {
		hlist_for_each_entry_safe(x, tmp, &t->lbuckets[i], lnode) {
			hlist_del_rcu(&x->lnode);
			hlist_del_rcu(&x->pnode);
			atomic_dec(&t->count);
			call_rcu(&x->rcu, hmmp_xlate_free_rcu);
		}
	}
	spin_unlock_bh(&t->lock);
	/* The callbacks are this module's code and free per-CPU memory. */
	rcu_barrier();
	free_percpu(t->pcpu);
	kvfree(t->pbuckets);
	kvfree(t->lbuckets);
	t->lbuckets = NULL;
	t->pbuckets = NULL;
}

/* One 32-bit field of the IP header and the pseudo header. */
static void hmmp_xlate_addr(struct sk_buff *skb, struct iphdr *iph,
			    struct tcphdr *th, __be32 *field, __be32 to)
{
	if (*field == to)
		return;
	inet_proto_csum_replace4(&th->check, skb, *field, to, true);
	csum_replace4(&iph->check, *field, to);
	*field = to;
}

/* One port: in the TCP header only, so not in a pending checksum's
 * pseudo header (inet_proto_csum_replace2() leaves CHECKSUM_PARTIAL alone).
 */
static void hmmp_xlate_port(struct sk_buff *skb, struct tcphdr *th,
			    __be16 *field, __be16 to)
{
	if (*field == to)
		return;
	inet_proto_csum_replace2(&th->check, skb, *field, to, false);
	*field = to;
}

const struct hmmp_xlate *hmmp_xlate_decap(struct hmmp_xlate_table *t,
					  struct sk_buff *skb, __be32 coa,
					  __be16 port, u8 encap,
					  unsigned long now)
{
	const struct hmmp_xlate *x;
	const struct iphdr *iph;
	const struct tcphdr *th;
	struct iphdr _iph;
	struct tcphdr _th;

	iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
	if (!iph || iph->protocol != IPPROTO_TCP || ip_is_fragment(iph) ||
	    iph->ihl < 5)
		return NULL;
	th = skb_header_pointer(skb, iph->ihl * 4, sizeof(_th), &_th);
	if (!th)
		return NULL;
	x = hmmp_xlate_lookup_peer(t, iph->saddr, th->source, iph->daddr,
				   th->dest, coa, port, now);
	if (!x || x->encap != encap)
		return NULL;
	if (hmmp_xlate_to_local(skb, x))
		return ERR_PTR(-ENOMEM);
	return x;
}

int hmmp_xlate_rewrite(struct sk_buff *skb, __be32 saddr, __be16 sport,
		       __be32 daddr, __be16 dport)
{
	struct iphdr _iph;
	const struct iphdr *hp;
	struct iphdr *iph;
	struct tcphdr *th;
	unsigned int ihl;

	hp = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
	if (!hp || hp->version != 4 || hp->protocol != IPPROTO_TCP ||
	    ip_is_fragment(hp))
		return -EINVAL;
	ihl = hp->ihl * 4;
	if (ihl < sizeof(*hp) || skb->len < ihl + sizeof(*th))
		return -EINVAL;
	if (skb_ensure_writable(skb, ihl + sizeof(*th)))
		return -ENOMEM;
	iph = (struct iphdr *)skb->data;
	th = (struct tcphdr *)(skb->data + ihl);
	hmmp_xlate_addr(skb, iph, th, &iph->saddr, saddr);
	hmmp_xlate_addr(skb, iph, th, &iph->daddr, daddr);
	hmmp_xlate_port(skb, th, &th->source, sport);
	hmmp_xlate_port(skb, th, &th->dest, dport);
	return 0;
}
