/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP_EYE: the TCP tracking agent of draft-itsumo-sip-mobility-tcp.
 *
 * One table per network namespace. Records are keyed by the connection's
 * original endpoints as this host sees them (local address and port,
 * remote address and port); the key never changes, a hand-off only moves
 * the record's previous/current local address.
 *
 * Locking: lookups run under rcu_read_lock() and take no table lock. A
 * record's mutable fields are guarded by its own spinlock; inserting and
 * unlinking take the bucket lock. Records are freed after a grace period.
 * Time is passed in (jiffies) so the state machine can be driven by tests.
 */
#ifndef _HMMP_SIPEYE_H
#define _HMMP_SIPEYE_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/rculist.h>
#include <linux/percpu.h>
#include <uapi/linux/hmmp.h>

/* TCP flags as the tracker sees them. */
#define HMMP_TCP_FIN	0x01
#define HMMP_TCP_SYN	0x02
#define HMMP_TCP_RST	0x04
#define HMMP_TCP_ACK	0x10

enum hmmp_dir {
	HMMP_DIR_OUT,	/* sent by this host (local-out) */
	HMMP_DIR_IN,	/* received by this host (local-in) */
};

/* The parts of a TCP segment the tracker uses, in host byte order but for
 * addresses and ports.
 */
struct hmmp_tcp_seg {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	u32 seq;
	u32 ack;
	u32 len;	/* payload bytes */
	u8 flags;	/* HMMP_TCP_* */
	u16 segs;	/* segments this skb stands for (GSO/GRO), >= 1 */
};

struct hmmp_conn {
	struct hlist_node node;
	struct rcu_head rcu;
	/* key: immutable while linked */
	__be32 laddr;
	__be32 raddr;
	__be16 lport;
	__be16 rport;

	spinlock_t lock;	/* guards everything below */
	__be32 prev_local;
	__be32 cur_local;
	u32 cl_id;
	u8 state;		/* enum hmmp_conn_state */
	u8 opener;		/* enum hmmp_conn_opener */
	u8 fin_sent;		/* BIT(dir) once that side sent a FIN */
	u8 fin_acked;		/* BIT(dir) once that side's FIN was ACKed */
	u8 end_valid;		/* BIT(dir) once end[dir] is known */
	bool ack_valid;		/* once this host has sent an ACK */
	bool unlinked;
	/*
	 * Once the record is known not to be made of blind segments: this
	 * host sent on it (anything but a RST, or a SYN-ACK, which anyone's
	 * SYN gets), or the peer acknowledged this host's ISN. Only
	 * confirmed records are live: handed over, kept for their state's
	 * timeout, never evicted (docs/sipeye.md, "Spoofed segments").
	 */
	bool confirmed;
	bool fin_pending;	/* a received FIN outside the window, at fin_pend */
	/* BIT(dir) once the ISN of the side sending in @dir is known: the
	 * opener's is cl_id, the other side's isn_answer. None for a record
	 * picked up mid-stream.
	 */
	u8 isn_valid;
	u32 end[2];		/* next sequence number after data sent */
	u32 fin_seq[2];		/* sequence number of each side's FIN */
	u32 ack_sent;		/* the last ACK number this host sent */
	unsigned long created;
	unsigned long last_seen;
	unsigned long expires;
	u64 pkts[2];
	u64 bytes[2];
	u32 handoffs;
	u32 isn_answer;		/* ISN of the side that did not open */
	u32 fin_pend;		/* its sequence number: counts once ACKed */
};

/* A consistent copy of a record, taken under its lock. */
struct hmmp_conn_info {
	__be32 orig_local;
	__be32 prev_local;
	__be32 cur_local;
	__be32 remote;
	__be16 lport;
	__be16 rport;
	u32 cl_id;
	u8 state;
	u8 opener;
	u8 isn_valid;		/* BIT(HMMP_DIR_OUT): isn_local, _IN: isn_remote */
	bool confirmed;		/* live: see struct hmmp_conn */
	u32 isn_local;		/* the ISN this host sent (its SYN or SYN-ACK) */
	u32 isn_remote;		/* the peer's */
	u32 handoffs;
	u64 age_ms;
	u64 idle_ms;
	u64 pkts[2];
	u64 bytes[2];
};

struct hmmp_sipeye_cfg {
	u32 table_max;
	u32 timeout[__HMMP_CONN_STATE_MAX];	/* seconds, per state */
	/* seconds: the longest an unconfirmed record lives (not netlink) */
	u32 timeout_unconfirmed;
};

struct hmmp_sipeye_pcpu {
	u64 created;
	u64 closed;
	u64 expired;
	u64 table_full;
	u64 picked_up;
	u64 pkts;
	u64 invalid;
	u64 rst_ignored;
	u64 handoffs;
	u64 evicted;		/* unconfirmed records dropped: table full */
};

struct hmmp_sipeye_stats {
	u32 count;
	u32 table_max;
	u32 entry_bytes;
	u64 memory_bytes;
	struct hmmp_sipeye_pcpu sum;
};

enum hmmp_sipeye_event {
	HMMP_SIPEYE_EV_NEW,
	HMMP_SIPEYE_EV_ESTABLISHED,
	HMMP_SIPEYE_EV_CLOSED,
};

struct hmmp_sipeye;

/* Called with the record's lock held, possibly in softirq context. */
typedef void (*hmmp_sipeye_notify_t)(struct hmmp_sipeye *t,
				     enum hmmp_sipeye_event ev,
				     const struct hmmp_conn_info *ci,
				     enum hmmp_event_reason reason);

#define HMMP_SIPEYE_HASH_BITS	12
#define HMMP_SIPEYE_TABLE_MAX_DEFAULT	65536
#define HMMP_SIPEYE_LOCKS	64
/* A full table looks this far for a record to evict (as nf_conntrack's
 * early drop): so many records, in at most so many buckets.
 */
#define HMMP_SIPEYE_EVICT_RECORDS	128
#define HMMP_SIPEYE_EVICT_BUCKETS	256

struct hmmp_sipeye {
	struct hlist_head *buckets;
	unsigned int hash_bits;
	u32 seed;
	atomic_t count;
	struct hmmp_sipeye_cfg cfg;	/* written under the caller's lock */
	struct hmmp_sipeye_pcpu __percpu *pcpu;
	spinlock_t locks[HMMP_SIPEYE_LOCKS];	/* bucket i: locks[i % N] */
	hmmp_sipeye_notify_t notify;	/* may be NULL */
	void *priv;
};

int hmmp_sipeye_init(struct hmmp_sipeye *t, unsigned int hash_bits);
/* Frees every record; no packet path may run on @t any more. */
void hmmp_sipeye_uninit(struct hmmp_sipeye *t);
void hmmp_sipeye_cfg_default(struct hmmp_sipeye_cfg *cfg);

/* Packet path. Call under rcu_read_lock(). */
void hmmp_sipeye_track(struct hmmp_sipeye *t, enum hmmp_dir dir,
		       const struct hmmp_tcp_seg *seg, unsigned long now);
void hmmp_sipeye_count_invalid(struct hmmp_sipeye *t);

/* Lookup by key; fills @ci and returns true when found. */
bool hmmp_sipeye_get(struct hmmp_sipeye *t, __be32 laddr, __be16 lport,
		     __be32 raddr, __be16 rport, unsigned long now,
		     struct hmmp_conn_info *ci);

/* Removes timed-out records; returns how many were removed. */
unsigned int hmmp_sipeye_expire(struct hmmp_sipeye *t, unsigned long now);

/* Every live record (confirmed, not Disconnect) whose current address is
 * @old (any, if 0) becomes <original, previous := current, current :=
 * @new>. Returns the count.
 */
unsigned int hmmp_sipeye_handoff(struct hmmp_sipeye *t, __be32 old,
				 __be32 new);

/* Resumable walk for dumps. @pos holds {bucket, index in bucket}; @fn
 * returns non-zero to stop, and the walk then resumes at that record.
 * Call under rcu_read_lock(). Returns non-zero if stopped early.
 */
typedef int (*hmmp_sipeye_walk_t)(const struct hmmp_conn_info *ci, void *arg);
int hmmp_sipeye_walk(struct hmmp_sipeye *t, long pos[2], unsigned long now,
		     hmmp_sipeye_walk_t fn, void *arg);

void hmmp_sipeye_stats(struct hmmp_sipeye *t, struct hmmp_sipeye_stats *st);

const char *hmmp_conn_state_name(u8 state);

#endif /* _HMMP_SIPEYE_H */
