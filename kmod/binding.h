/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address-binding table: which care-of address an original address is
 * reachable at, for which correspondent, with which encapsulation, and for
 * how long. One table per network namespace; the caller embeds a struct
 * hmmp_binding_table in its per-netns state.
 *
 * Key: (orig, peer, kind). peer 0.0.0.0 means "any correspondent"; the
 * packet path looks up the exact peer first, then the "any" entry.
 *
 * Entries are immutable once linked, except for their packet counters: a
 * change (replace, refresh) links a new entry in place of the old one with
 * hlist_replace_rcu(), so a reader sees either the old or the new binding,
 * never a half-written one. The per-CPU counters are shared from the old
 * entry to the new one, so packets counted through a stale pointer during
 * the grace period are not lost.
 *
 * Locking: lookups run under rcu_read_lock() and take no lock. Changes
 * (set, delete, flush, expire) take a bucket spinlock with BHs disabled;
 * the count is an atomic. Unlinked entries are freed after a grace period
 * by an RCU callback of this module: hmmp_binding_uninit() waits for them.
 * Time is passed in (jiffies) so that tests drive expiry.
 */
#ifndef _HMMP_BINDING_H
#define _HMMP_BINDING_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/rculist.h>
#include <linux/percpu.h>
#include <uapi/linux/hmmp.h>

#define HMMP_BINDING_HASH_BITS		10
#define HMMP_BINDING_LOCKS		64
#define HMMP_BINDING_MAX_DEFAULT	4096
/* Longest lifetime a binding may ask for, seconds (30 days); fits a
 * jiffies offset. The netlink policy should refuse more.
 */
#define HMMP_BINDING_LIFETIME_MAX	(30U * 24 * 3600)

/* Which way a packet went through a binding (index of its counters). */
enum hmmp_binding_dir {
	HMMP_BINDING_ENCAP,
	HMMP_BINDING_DECAP,
};

/*
 * One entry's packet counters. Not per-CPU: every binding and translation
 * would cost nr_cpu_ids copies of per-CPU memory, which no memory cgroup
 * is charged for (issue 16 item 5); an atomic add per packet on the
 * entry's own counters costs less than that is worth.
 */
struct hmmp_binding_ctr {
	atomic64_t pkts[2];	/* by enum hmmp_binding_dir */
	atomic64_t bytes[2];
};

/*
 * What ICMP about a tunnel's outer packets taught (hooks.c), kept on the
 * entry that names the tunnel (a binding, a connection translation).
 * Written on the packet path with WRITE_ONCE; not carried over by a
 * replace.
 */
struct hmmp_tun_path {
	/* Path MTU to the tunnel's far end (0: none), until pmtu_expires. */
	u32 pmtu;
	unsigned long pmtu_expires;
	/* RFC 2003 section 4.1 soft state: ICMP errors other than
	 * fragmentation-needed about the tunnel, still to be told to the
	 * senders of the next inner packets, until errs_expires. Racing
	 * updates may lose a count, which only changes how many senders
	 * hear of it.
	 */
	u32 errs;
	unsigned long errs_expires;
};

/* One binding. Everything but the counters is immutable while linked. */
struct hmmp_binding {
	struct hlist_node node;
	struct rcu_head rcu;
	__be32 orig;		/* key: the mobile's original address */
	__be32 peer;		/* key: correspondent, 0 = any */
	u8 kind;		/* key: enum hmmp_bind_kind */
	u8 encap;		/* enum hmmp_encap */
	bool min_src;		/* RFC 2004: carry the original source */
	bool ctr_owner;		/* frees ctr when freed (see top) */
	__be16 port;		/* udp: the far end's UDP port; else 0 */
	__be32 coa;		/* care-of address: the tunnel's far end */
	u32 lifetime;		/* seconds, 0 = until deleted */
	unsigned long expires;	/* jiffies; meaningless if !lifetime */
	struct hmmp_tun_path path;
	unsigned long created;
	unsigned long refreshed;
	struct hmmp_binding_ctr *ctr;
};

/* What a caller asks for in hmmp_binding_set(). */
struct hmmp_binding_params {
	__be32 orig;		/* != 0, unicast */
	__be32 peer;		/* 0 = any correspondent */
	u8 kind;		/* HMMP_BIND_CORRESPONDENT..HMMP_BIND_ROUTER */
	u8 encap;		/* HMMP_ENCAP_IPIP, _MINIMAL or _UDP */
	bool min_src;		/* minimal only; ignored (stored false) for IPIP */
	__be16 port;		/* udp: != 0, the far end's port; others: 0 */
	__be32 coa;		/* != 0, unicast, != orig */
	u32 lifetime;		/* seconds, <= HMMP_BINDING_LIFETIME_MAX; 0 = none */
};

/* A consistent copy of a binding, for netlink. Times in milliseconds. */
struct hmmp_binding_info {
	__be32 orig;
	__be32 peer;
	__be32 coa;
	u8 kind;
	u8 encap;
	bool min_src;
	__be16 port;
	u32 lifetime;
	u64 expires_ms;		/* time left; 0 when expired or no lifetime */
	u64 age_ms;		/* since created */
	u64 refresh_ms;		/* since last set or refreshed */
	u64 pkts[2];		/* by enum hmmp_binding_dir */
	u64 bytes[2];
	u32 pmtu;		/* learned path MTU now, 0 = none */
};

struct hmmp_binding_pcpu {
	u64 created;
	u64 replaced;
	u64 deleted;
	u64 expired;
	u64 flushed;
	u64 table_full;		/* creations refused: limit reached */
};

struct hmmp_binding_stats {
	u32 count;
	u32 max;
	struct hmmp_binding_pcpu sum;
};

enum hmmp_binding_event {
	HMMP_BINDING_EV_NEW,		/* created */
	HMMP_BINDING_EV_REPLACED,	/* replaced or refreshed; @bi is new */
	HMMP_BINDING_EV_DEL,		/* removed; reason says why */
};

struct hmmp_binding_table;

/*
 * Called for every change, after it is visible to lookups, with a bucket
 * lock held and BHs disabled: it must not sleep nor call back into the
 * table. @reason is HMMP_REASON_DELETED, _EXPIRED or _FLUSHED for
 * HMMP_BINDING_EV_DEL, 0 otherwise.
 */
typedef void (*hmmp_binding_notify_t)(struct hmmp_binding_table *t,
				      enum hmmp_binding_event ev,
				      const struct hmmp_binding_info *bi,
				      enum hmmp_event_reason reason);

struct hmmp_binding_table {
	struct hlist_head *buckets;
	unsigned int hash_bits;
	u32 seed;
	atomic_t count;
	atomic_t gen;			/* bumped by every add and removal */
	u32 max;			/* WRITE_ONCE by the caller, >= 1 */
	struct hmmp_binding_pcpu __percpu *pcpu;
	spinlock_t locks[HMMP_BINDING_LOCKS];	/* bucket i: locks[i % 64] */
	hmmp_binding_notify_t notify;	/* may be NULL; set before use */
	void *priv;
};

/* Flags of hmmp_binding_set(). */
#define HMMP_BINDING_F_CREATE	BIT(0)	/* may create a new binding */
#define HMMP_BINDING_F_REPLACE	BIT(1)	/* may replace an existing one */

/* Process context. max starts at HMMP_BINDING_MAX_DEFAULT. */
int hmmp_binding_init(struct hmmp_binding_table *t, unsigned int hash_bits);
/*
 * Frees every binding without notification (call hmmp_binding_flush()
 * first for events) and waits for the RCU callbacks. No lookup may run
 * on @t any more. Process context; sleeps.
 */
void hmmp_binding_uninit(struct hmmp_binding_table *t);

/*
 * Creates or replaces the binding with @p's key. @flags: F_CREATE alone
 * creates only (-EEXIST if the key exists); F_REPLACE alone replaces only
 * (-ENOENT if it does not); both: either. A replace is atomic for readers,
 * keeps the created time and the counters, and restarts the lifetime from
 * @now (a refresh is a replace with the same values). Returns 0, -EINVAL
 * (bad parameters or flags), -EEXIST, -ENOENT, -ENOSPC (the table holds
 * max bindings: counted in table_full), -ENOMEM. A binding of the key
 * whose lifetime has run out is removed first (reason EXPIRED), so it
 * counts as absent. Process context: allocates with GFP_KERNEL_ACCOUNT, charged to
 * the caller's memory cgroup.
 */
int hmmp_binding_set(struct hmmp_binding_table *t,
		     const struct hmmp_binding_params *p, unsigned int flags,
		     unsigned long now);

/* Removes one binding by exact key (reason DELETED). Returns 0, or
 * -ENOENT when there is none or its lifetime had run out (it is then
 * removed with reason EXPIRED). Any context.
 */
int hmmp_binding_del(struct hmmp_binding_table *t, __be32 orig, __be32 peer,
		     u8 kind, unsigned long now);

/* Removes every binding (reason FLUSHED; EXPIRED for those whose lifetime
 * had run out) and returns how many live ones it removed. Any context.
 */
unsigned int hmmp_binding_flush(struct hmmp_binding_table *t,
				unsigned long now);

/* Removes the bindings whose lifetime has run out at @now (reason
 * EXPIRED); returns how many. Process context (it reschedules).
 */
unsigned int hmmp_binding_expire(struct hmmp_binding_table *t,
				 unsigned long now);

/*
 * Packet path. Call under rcu_read_lock() (or with BHs disabled); the
 * result stays valid until the read side ends. Returns the live binding
 * for (@orig, @peer, @kind): the one for exactly @peer if any, else the
 * one for any peer (0); NULL when none, or when its lifetime has run out
 * at @now even if hmmp_binding_expire() has not removed it yet.
 */
const struct hmmp_binding *hmmp_binding_lookup(struct hmmp_binding_table *t,
					       __be32 orig, __be32 peer,
					       u8 kind, unsigned long now);

/* Counts @pkts packets of @bytes bytes (GSO: the segments) in @ctr, the
 * counters of an entry found in the same read-side section.
 */
static inline void hmmp_ctr_add(struct hmmp_binding_ctr *ctr,
				enum hmmp_binding_dir dir, unsigned int pkts,
				unsigned int bytes)
{
	atomic64_add(pkts, &ctr->pkts[dir]);
	atomic64_add(bytes, &ctr->bytes[dir]);
}

/* Adds @c's counts to @pkts and @bytes (by enum hmmp_binding_dir). */
static inline void hmmp_ctr_read(const struct hmmp_binding_ctr *c,
				 u64 pkts[2], u64 bytes[2])
{
	pkts[0] += atomic64_read(&c->pkts[0]);
	pkts[1] += atomic64_read(&c->pkts[1]);
	bytes[0] += atomic64_read(&c->bytes[0]);
	bytes[1] += atomic64_read(&c->bytes[1]);
}

/* The same through @b, found by hmmp_binding_lookup(). */
static inline void hmmp_binding_count(const struct hmmp_binding *b,
				      enum hmmp_binding_dir dir,
				      unsigned int pkts, unsigned int bytes)
{
	hmmp_ctr_add(b->ctr, dir, pkts, bytes);
}

/* The path soft state of an entry found under RCU: the entry is
 * immutable but for it, hence the cast.
 */
static inline struct hmmp_tun_path *
hmmp_path_w(const struct hmmp_tun_path *p)
{
	return (struct hmmp_tun_path *)p;
}

/* The learned path MTU of a tunnel at @now, or 0. */
static inline u32 hmmp_path_pmtu(const struct hmmp_tun_path *p,
				 unsigned long now)
{
	u32 mtu = READ_ONCE(p->pmtu);

	return mtu && time_before(now, READ_ONCE(p->pmtu_expires)) ? mtu : 0;
}

/*
 * Records a path MTU that ICMP fragmentation-needed reported for a tunnel
 * at @now, for @timeo jiffies, as ipv4_update_pmtu() does for a route:
 * never below @floor (the namespace's net.ipv4.route.min_pmtu), so that a
 * forged "MTU 68" cannot shrink the tunnel to nothing, and never raising
 * a path MTU still valid (RCU read side).
 */
static inline void hmmp_path_note_pmtu(const struct hmmp_tun_path *p,
				       u32 mtu, u32 floor, unsigned long now,
				       unsigned long timeo)
{
	u32 cur = hmmp_path_pmtu(p, now);

	mtu = max(mtu, floor);
	if (cur && mtu >= cur)
		return;
	WRITE_ONCE(hmmp_path_w(p)->pmtu_expires, now + timeo);
	WRITE_ONCE(hmmp_path_w(p)->pmtu, mtu);
}

/* Window in which a tunnel error is told to senders (as Linux's ipip). */
#define HMMP_BINDING_ERR_TIMEO	(30 * HZ)

/* Records one ICMP error about a tunnel at @now (RCU read side). */
static inline void hmmp_path_note_error(const struct hmmp_tun_path *p,
					unsigned long now)
{
	WRITE_ONCE(hmmp_path_w(p)->errs_expires, now + HMMP_BINDING_ERR_TIMEO);
	WRITE_ONCE(hmmp_path_w(p)->errs, READ_ONCE(p->errs) + 1);
}

/*
 * Takes one recorded tunnel error at @now: true when the sender of the
 * packet at hand should hear of it. Errors older than the window are
 * forgotten.
 */
static inline bool hmmp_path_take_error(const struct hmmp_tun_path *p,
					unsigned long now)
{
	u32 errs = READ_ONCE(p->errs);

	if (!errs)
		return false;
	if (!time_before(now, READ_ONCE(p->errs_expires))) {
		WRITE_ONCE(hmmp_path_w(p)->errs, 0);
		return false;
	}
	WRITE_ONCE(hmmp_path_w(p)->errs, errs - 1);
	return true;
}

/* Copy of the live binding with exactly this key (no "any" fallback; one
 * whose lifetime has run out counts as absent). Returns true and fills
 * @bi when found. Any context.
 */
bool hmmp_binding_get(struct hmmp_binding_table *t, __be32 orig, __be32 peer,
		      u8 kind, unsigned long now,
		      struct hmmp_binding_info *bi);

/*
 * Resumable walk for dumps, as hmmp_sipeye_walk(): @pos holds {bucket,
 * index in bucket}, both 0 to start; @fn returns non-zero to stop, and the
 * next call resumes at that binding. Call under rcu_read_lock(); @fn must
 * not sleep. Returns non-zero if stopped early. New bindings go to the
 * tail of their bucket and a replace keeps the position, so between two
 * calls a replaced binding is still seen once (old or new) and an added
 * one may be seen or not; a removal may make the walk skip one binding.
 * hmmp_binding_gen() changes with every add and removal: compare it across
 * calls (netlink: cb->seq and nl_dump_check_consistent()).
 */
typedef int (*hmmp_binding_walk_t)(const struct hmmp_binding_info *bi,
				   void *arg);
int hmmp_binding_walk(struct hmmp_binding_table *t, long pos[2],
		      unsigned long now, hmmp_binding_walk_t fn, void *arg);

static inline unsigned int hmmp_binding_gen(struct hmmp_binding_table *t)
{
	return atomic_read(&t->gen);
}

void hmmp_binding_stats(struct hmmp_binding_table *t,
			struct hmmp_binding_stats *st);

#endif /* _HMMP_BINDING_H */
