/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection translations: one TCP connection whose two ends do not see
 * the same 4-tuple, because a NAT rewrote it (the mobile opened it behind
 * a home NAT, or this host is behind a port forward). Each entry names the
 * connection twice: as this host's socket has it (laddr:lport this host,
 * raddr:rport the peer; the key) and as the peer's socket has it
 * (peer_laddr:peer_lport the peer, peer_raddr:peer_rport this host), with
 * the tunnel that now carries it (coa, port for udp, encap). One table per
 * network namespace; the caller embeds a struct hmmp_xlate_table.
 *
 * Two lookups on the packet path, so every entry is on two hash chains:
 * by this host's view, for the segments this host sends; and by the
 * peer's view together with the tunnel's far end (coa and, for udp, its
 * port), for the tunnelled segments it receives. The far end is part of
 * that key: two mobiles behind two NATs may have the very same private
 * view (both 192.168.1.10:40000 to the same server) and differ only by
 * where their frames come from. Both keys are unique in a table.
 *
 * Entries are immutable once linked, but for their packet counters and
 * the path's soft state (struct hmmp_tun_path): a replace links a new
 * entry in place of the old one on both chains (hlist_replace_rcu(), or
 * a move to another bucket of the second chain when the peer's view or
 * far end changed), so that a reader sees the old or the new entry, never
 * a half-written one. The per-CPU counters pass from the old entry to the
 * new one, as bindings' do.
 *
 * Locking: lookups run under rcu_read_lock() and take no lock. Changes
 * (set, delete, flush, expire) take the table's spinlock with BHs
 * disabled: an entry sits in two buckets of two chains, which bucket locks
 * would have to take in order (three on a replace that moves it), against
 * the expiry sweep's order; changes come only from netlink requests and
 * the namespace's worker, so one lock costs nothing. The count is an
 * atomic, read alone on the packet path when the table is empty. Unlinked
 * entries are freed after a grace period by an RCU callback of this
 * module: hmmp_xlate_uninit() waits for them. Time is passed in (jiffies)
 * so that tests drive expiry.
 */
#ifndef _HMMP_XLATE_H
#define _HMMP_XLATE_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/rculist.h>
#include <linux/percpu.h>
#include <uapi/linux/hmmp.h>
#include "binding.h"

struct sk_buff;

#define HMMP_XLATE_HASH_BITS	8
#define HMMP_XLATE_MAX_DEFAULT	4096

/* One translation. Everything but the counters and path is immutable. */
struct hmmp_xlate {
	struct hlist_node lnode;	/* chain of this host's view */
	struct hlist_node pnode;	/* chain of the peer's view and far end */
	struct rcu_head rcu;
	/* this host's view: the key */
	__be32 laddr;
	__be32 raddr;
	__be16 lport;
	__be16 rport;
	/* the peer's view */
	__be16 peer_lport;
	__be16 peer_rport;
	__be32 peer_laddr;
	__be32 peer_raddr;
	/* the tunnel */
	__be32 coa;		/* its far end */
	__be16 port;		/* udp: the far end's port; else 0 */
	u8 encap;		/* enum hmmp_encap */
	bool ctr_owner;		/* frees ctr when freed */
	u32 lifetime;		/* seconds, 0 = until deleted */
	unsigned long expires;	/* jiffies; meaningless if !lifetime */
	unsigned long created;
	unsigned long refreshed;
	struct hmmp_tun_path path;	/* learned from ICMP; not carried over */
	struct hmmp_binding_ctr *ctr;	/* by enum hmmp_binding_dir */
};

/* What a caller asks for in hmmp_xlate_set(). */
struct hmmp_xlate_params {
	__be32 laddr;		/* unicast; with lport, raddr, rport: the key */
	__be32 raddr;		/* unicast */
	__be16 lport;		/* every port != 0 */
	__be16 rport;
	__be32 peer_laddr;	/* unicast */
	__be32 peer_raddr;	/* unicast */
	__be16 peer_lport;
	__be16 peer_rport;
	__be32 coa;		/* unicast */
	__be16 port;		/* udp: != 0; ipip, minimal: 0 */
	u8 encap;		/* HMMP_ENCAP_IPIP, _MINIMAL or _UDP */
	u32 lifetime;		/* seconds, <= HMMP_BINDING_LIFETIME_MAX; 0 none */
};

/* A consistent copy of an entry, for netlink. Times in milliseconds. */
struct hmmp_xlate_info {
	struct hmmp_xlate_params p;
	u64 expires_ms;		/* time left; 0 when expired or no lifetime */
	u64 age_ms;		/* since created */
	u64 pkts[2];		/* by enum hmmp_binding_dir */
	u64 bytes[2];
};

struct hmmp_xlate_pcpu {
	u64 created;
	u64 replaced;
	u64 deleted;
	u64 expired;
	u64 flushed;
	u64 table_full;		/* creations refused: limit reached */
};

struct hmmp_xlate_stats {
	u32 count;
	u32 max;
	struct hmmp_xlate_pcpu sum;
};

struct hmmp_xlate_table {
	struct hlist_head *lbuckets;	/* by this host's view */
	struct hlist_head *pbuckets;	/* by the peer's view and far end */
	unsigned int hash_bits;
	u32 seed;
	atomic_t count;
	atomic_t gen;			/* bumped by every add and removal */
	u32 max;			/* WRITE_ONCE by the caller, >= 1 */
	struct hmmp_xlate_pcpu __percpu *pcpu;
	spinlock_t lock;		/* serialises changes (see top) */
};

/* Flags of hmmp_xlate_set(), as hmmp_binding_set()'s. */
#define HMMP_XLATE_F_CREATE	BIT(0)
#define HMMP_XLATE_F_REPLACE	BIT(1)

/* Process context. hash_bits 1..16; max starts at HMMP_XLATE_MAX_DEFAULT. */
int hmmp_xlate_init(struct hmmp_xlate_table *t, unsigned int hash_bits);
/* Frees every entry and waits for the RCU callbacks. No lookup may run on
 * @t any more. Process context; sleeps.
 */
void hmmp_xlate_uninit(struct hmmp_xlate_table *t);

/*
 * Checks @p as hmmp_xlate_set() does: 0 or -EINVAL. Addresses unicast,
 * ports non-zero, encap one of the three, port iff udp, lifetime in range.
 */
int hmmp_xlate_check(const struct hmmp_xlate_params *p);

/*
 * Creates or replaces the entry with @p's key (laddr, lport, raddr,
 * rport). @flags: F_CREATE alone creates only (-EEXIST if the key
 * exists); F_REPLACE alone replaces only (-ENOENT if not); both: either.
 * A replace is atomic for readers, keeps the created time and the
 * counters, and restarts the lifetime from @now. Returns 0, -EINVAL (bad
 * parameters or flags), -EEXIST, -ENOENT, -EADDRINUSE (another entry has
 * the same peer's view and far end), -ENOSPC (max entries: counted in
 * table_full), -ENOMEM; on error nothing changed. An entry of the key
 * whose lifetime has run out counts as absent (it is removed). Process
 * context: allocates with GFP_KERNEL.
 */
int hmmp_xlate_set(struct hmmp_xlate_table *t,
		   const struct hmmp_xlate_params *p, unsigned int flags,
		   unsigned long now);

/* Removes the entry of this key. 0, or -ENOENT when there is none or its
 * lifetime had run out (it is removed then, as expired). Any context.
 */
int hmmp_xlate_del(struct hmmp_xlate_table *t, __be32 laddr, __be16 lport,
		   __be32 raddr, __be16 rport, unsigned long now);

/* Removes every entry; returns how many live ones. Any context. */
unsigned int hmmp_xlate_flush(struct hmmp_xlate_table *t, unsigned long now);

/* Removes the entries whose lifetime has run out; returns how many.
 * Process context.
 */
unsigned int hmmp_xlate_expire(struct hmmp_xlate_table *t, unsigned long now);

/* True when the table holds no entry: the packet path's only cost then. */
static inline bool hmmp_xlate_empty(const struct hmmp_xlate_table *t)
{
	return !atomic_read(&t->count);
}

/*
 * Packet path, under rcu_read_lock() (or BHs disabled); the result stays
 * valid until the read side ends; NULL when none is live at @now.
 * hmmp_xlate_lookup(): by this host's view, for a segment it sends.
 * hmmp_xlate_lookup_peer(): by the peer's view of a tunnelled segment
 * received (its source peer_laddr:peer_lport, its destination
 * peer_raddr:peer_rport) and the frame's outer source @coa (and UDP
 * source port @port; 0 for ipip and minimal).
 */
const struct hmmp_xlate *hmmp_xlate_lookup(struct hmmp_xlate_table *t,
					   __be32 laddr, __be16 lport,
					   __be32 raddr, __be16 rport,
					   unsigned long now);
const struct hmmp_xlate *
hmmp_xlate_lookup_peer(struct hmmp_xlate_table *t, __be32 peer_laddr,
		       __be16 peer_lport, __be32 peer_raddr,
		       __be16 peer_rport, __be32 coa, __be16 port,
		       unsigned long now);

/* Copy of the live entry of this key; true when found. Any context. */
bool hmmp_xlate_get(struct hmmp_xlate_table *t, __be32 laddr, __be16 lport,
		    __be32 raddr, __be16 rport, unsigned long now,
		    struct hmmp_xlate_info *xi);

/*
 * Resumable walk for dumps, as hmmp_binding_walk() (over the chains of
 * this host's view): @pos {bucket, index}, both 0 to start; @fn returns
 * non-zero to stop, and the next call resumes at that entry. Call under
 * rcu_read_lock(); @fn must not sleep. hmmp_xlate_gen() changes with
 * every add and removal.
 */
typedef int (*hmmp_xlate_walk_t)(const struct hmmp_xlate_info *xi, void *arg);
int hmmp_xlate_walk(struct hmmp_xlate_table *t, long pos[2],
		    unsigned long now, hmmp_xlate_walk_t fn, void *arg);

static inline unsigned int hmmp_xlate_gen(struct hmmp_xlate_table *t)
{
	return atomic_read(&t->gen);
}

void hmmp_xlate_stats(struct hmmp_xlate_table *t, struct hmmp_xlate_stats *st);

/*
 * Rewrites the TCP segment at skb->data (its IPv4 header there) to
 * @saddr:@sport -> @daddr:@dport, keeping the IP and TCP checksums right
 * incrementally: a CHECKSUM_PARTIAL skb (local-out, GSO or not) gets only
 * the pseudo-header's change in its pending checksum, a CHECKSUM_COMPLETE
 * one its skb->csum adjusted. Returns 0; -EINVAL when the packet is not a
 * whole-enough TCP segment (not TCP, a fragment, headers truncated);
 * -ENOMEM when its headers cannot be made writable. On error the packet
 * is unchanged. Any context.
 */
int hmmp_xlate_rewrite(struct sk_buff *skb, __be32 saddr, __be16 sport,
		       __be32 daddr, __be16 dport);

/*
 * A tunnelled segment, its outer headers stripped (the inner IPv4 packet
 * at skb->data), that no binding names: finds the translation for its
 * peer's view and outer source (@coa, @port; 0 but for udp) of
 * encapsulation @encap, and rewrites it to this host's view. Returns the
 * translation (valid for the read side), NULL when none matches or the
 * packet is no whole TCP segment (the caller drops it: nothing without a
 * binding or a translation is delivered), or ERR_PTR(-ENOMEM). RCU read
 * side.
 */
const struct hmmp_xlate *hmmp_xlate_decap(struct hmmp_xlate_table *t,
					  struct sk_buff *skb, __be32 coa,
					  __be16 port, u8 encap,
					  unsigned long now);

/* A segment this host sends, to the peer's view. */
static inline int hmmp_xlate_to_peer(struct sk_buff *skb,
				     const struct hmmp_xlate *x)
{
	return hmmp_xlate_rewrite(skb, x->peer_raddr, x->peer_rport,
				  x->peer_laddr, x->peer_lport);
}

/* A segment received in the peer's view, to this host's. */
static inline int hmmp_xlate_to_local(struct sk_buff *skb,
				      const struct hmmp_xlate *x)
{
	return hmmp_xlate_rewrite(skb, x->raddr, x->rport, x->laddr, x->lport);
}

#endif /* _HMMP_XLATE_H */
