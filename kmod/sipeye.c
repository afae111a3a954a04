// SPDX-License-Identifier: GPL-2.0
/*
 * SIP_EYE TCP tracking: the table and the refined state machine. The
 * state machine is documented in docs/sipeye.md; the function names below
 * follow its sections.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <net/tcp.h>
#include "sipeye.h"

static const char * const hmmp_state_names[] = {
	[HMMP_CONN_SETUP_REQ]	= "Setup_Req",
	[HMMP_CONN_SETUP_PROG]	= "Setup_Prog",
	[HMMP_CONN_ESTABLISHED]	= "Established",
	[HMMP_CONN_RELEASE_REQ]	= "Release_Req",
	[HMMP_CONN_RELEASE_ACK]	= "Release_Ack",
	[HMMP_CONN_DISCONNECT]	= "Disconnect",
};

const char *hmmp_conn_state_name(u8 state)
{
	return state <= HMMP_CONN_STATE_MAX ? hmmp_state_names[state] : "?";
}

void hmmp_sipeye_cfg_default(struct hmmp_sipeye_cfg *cfg)
{
	/* In the spirit of nf_conntrack's TCP timeouts. */
	cfg->table_max = HMMP_SIPEYE_TABLE_MAX_DEFAULT;
	cfg->timeout[HMMP_CONN_SETUP_REQ] = 120;
	cfg->timeout[HMMP_CONN_SETUP_PROG] = 120;
	cfg->timeout[HMMP_CONN_ESTABLISHED] = 5 * 24 * 3600;
	cfg->timeout[HMMP_CONN_RELEASE_REQ] = 120;
	cfg->timeout[HMMP_CONN_RELEASE_ACK] = 120;
	cfg->timeout[HMMP_CONN_DISCONNECT] = 10;
	/* Blind segments make records too: short-lived until confirmed. */
	cfg->timeout_unconfirmed = 10;
}

int hmmp_sipeye_init(struct hmmp_sipeye *t, unsigned int hash_bits)
{
	unsigned int i;

	t->hash_bits = hash_bits;
	/* Charged to whoever makes the namespace, as its records are. */
	t->buckets = kvcalloc(1U << hash_bits, sizeof(*t->buckets),
			      GFP_KERNEL_ACCOUNT);
	if (!t->buckets)
		return -ENOMEM;
	t->pcpu = alloc_percpu(struct hmmp_sipeye_pcpu);
	if (!t->pcpu) {
		kvfree(t->buckets);
		return -ENOMEM;
	}
	for (i = 0; i < HMMP_SIPEYE_LOCKS; i++)
		spin_lock_init(&t->locks[i]);
	atomic_set(&t->count, 0);
	t->seed = get_random_u32();
	hmmp_sipeye_cfg_default(&t->cfg);
	t->notify = NULL;
	return 0;
}

static u32 hmmp_conn_hash(const struct hmmp_sipeye *t, __be32 laddr,
			  __be16 lport, __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    ((__force u32)lport << 16) | (__force u32)rport,
			    t->seed) >> (32 - t->hash_bits);
}

static spinlock_t *hmmp_bucket_lock(struct hmmp_sipeye *t, u32 hash)
{
	return &t->locks[hash & (HMMP_SIPEYE_LOCKS - 1)];
}

static u64 hmmp_age_ms(unsigned long since, unsigned long now)
{
	return time_after(now, since) ? jiffies_to_msecs(now - since) : 0;
}

/* The direction the opener's segments travel in, or -1 if unknown. */
static int hmmp_opener_dir(const struct hmmp_conn *c)
{
	switch (c->opener) {
	case HMMP_OPENER_LOCAL:
		return HMMP_DIR_OUT;
	case HMMP_OPENER_REMOTE:
		return HMMP_DIR_IN;
	default:
		return -1;
	}
}

/* The ISN of the side sending in @dir; meaningful when isn_valid says. */
static u32 hmmp_conn_isn(const struct hmmp_conn *c, enum hmmp_dir dir)
{
	return hmmp_opener_dir(c) == (int)dir ? c->cl_id : c->isn_answer;
}

/* Caller holds c->lock. */
static void hmmp_conn_fill(const struct hmmp_conn *c, unsigned long now,
			   struct hmmp_conn_info *ci)
{
	ci->orig_local = c->laddr;
	ci->prev_local = c->prev_local;
	ci->cur_local = c->cur_local;
	ci->remote = c->raddr;
	ci->lport = c->lport;
	ci->rport = c->rport;
	ci->cl_id = c->cl_id;
	ci->state = c->state;
	ci->opener = c->opener;
	ci->isn_valid = c->isn_valid;
	ci->confirmed = c->confirmed;
	ci->isn_local = (c->isn_valid & BIT(HMMP_DIR_OUT)) ?
			hmmp_conn_isn(c, HMMP_DIR_OUT) : 0;
	ci->isn_remote = (c->isn_valid & BIT(HMMP_DIR_IN)) ?
			 hmmp_conn_isn(c, HMMP_DIR_IN) : 0;
	ci->handoffs = c->handoffs;
	ci->age_ms = hmmp_age_ms(c->created, now);
	ci->idle_ms = hmmp_age_ms(c->last_seen, now);
	ci->pkts[0] = c->pkts[0];
	ci->pkts[1] = c->pkts[1];
	ci->bytes[0] = c->bytes[0];
	ci->bytes[1] = c->bytes[1];
}

/* Caller holds c->lock. */
static void hmmp_conn_notify(struct hmmp_sipeye *t, const struct hmmp_conn *c,
			     enum hmmp_sipeye_event ev,
			     enum hmmp_event_reason reason, unsigned long now)
{
	struct hmmp_conn_info ci;

	if (!t->notify)
		return;
	hmmp_conn_fill(c, now, &ci);
	t->notify(t, ev, &ci, reason);
}

/* An unconfirmed record never lives longer than timeout_unconfirmed. */
static void hmmp_conn_set_state(struct hmmp_sipeye *t, struct hmmp_conn *c,
				u8 state, unsigned long now)
{
	u32 tmo = READ_ONCE(t->cfg.timeout[state]);

	if (!c->confirmed)
		tmo = min(tmo, READ_ONCE(t->cfg.timeout_unconfirmed));
	c->state = state;
	c->expires = now + tmo * (unsigned long)HZ;
}

/* (Re)start a record for a connection opened by a SYN travelling in @dir. */
static void hmmp_conn_start(struct hmmp_sipeye *t, struct hmmp_conn *c,
			    enum hmmp_dir dir, const struct hmmp_tcp_seg *s,
			    unsigned long now)
{
	c->prev_local = 0;
	c->cur_local = c->laddr;
	c->cl_id = s->seq;
	c->opener = dir == HMMP_DIR_OUT ? HMMP_OPENER_LOCAL : HMMP_OPENER_REMOTE;
	/* Only the opener's ISN so far: a restart forgets the answer's. */
	c->isn_valid = BIT(dir);
	c->isn_answer = 0;
	c->fin_sent = 0;
	c->fin_acked = 0;
	c->end_valid = 0;
	c->ack_valid = false;
	c->confirmed = false;	/* a reuse is a new connection */
	c->fin_pending = false;
	c->created = now;
	c->last_seen = now;
	c->pkts[0] = 0;
	c->pkts[1] = 0;
	c->bytes[0] = 0;
	c->bytes[1] = 0;
	c->handoffs = 0;
	hmmp_conn_set_state(t, c, HMMP_CONN_SETUP_REQ, now);
}

/*
 * A RST this host sends is always genuine. A received one is believed only
 * when its sequence number lies between the last ACK this host sent (less
 * one once the peer sent its FIN) and the highest sequence number seen from
 * the peer: where TCP's own check (RFC 5961: exactly rcv_nxt) can be. A
 * blind or stale RST, which TCP answers with a challenge ACK, must not make
 * SIP_EYE forget a connection that TCP keeps.
 */
static bool hmmp_rst_acceptable(const struct hmmp_conn *c, enum hmmp_dir dir,
				const struct hmmp_tcp_seg *s)
{
	u32 low;

	if (dir == HMMP_DIR_OUT)
		return true;
	if (!c->ack_valid)	/* the answer to our SYN must ACK it */
		return c->opener != HMMP_OPENER_LOCAL ||
		       ((s->flags & HMMP_TCP_ACK) && s->ack == c->cl_id + 1);
	/* One less only once the peer has closed (Linux's tcp_reset_check():
	 * CLOSE_WAIT, LAST_ACK, CLOSING).
	 */
	low = c->ack_sent - !!(c->fin_sent & BIT(HMMP_DIR_IN));
	return !before(s->seq, low) &&
	       (!(c->end_valid & BIT(HMMP_DIR_IN)) ||
		!after(s->seq, c->end[HMMP_DIR_IN]));
}

/*
 * A received FIN is believed as a RST is: when it starts where TCP can
 * take it, no further than the highest sequence number seen from the peer
 * and not wholly behind the last ACK this host sent (a retransmitted one
 * may sit one below). One that is not (blind, or overtaking data) waits
 * in fin_pend until this host acknowledges exactly it.
 */
static bool hmmp_fin_acceptable(const struct hmmp_conn *c,
				const struct hmmp_tcp_seg *s)
{
	if (!c->ack_valid)
		return true;	/* nothing to check against yet */
	return !before(s->seq + s->len + 1, c->ack_sent) &&
	       (!(c->end_valid & BIT(HMMP_DIR_IN)) ||
		!after(s->seq, c->end[HMMP_DIR_IN]));
}

/*
 * Sequence-space bookkeeping: end of data each way, our last ACK. The
 * peer's end only grows by a segment that starts within what was seen (a
 * blind one far ahead would widen the RST and FIN windows), or by what
 * this host acknowledges, which its TCP has received.
 */
static void hmmp_conn_account(struct hmmp_conn *c, enum hmmp_dir dir,
			      const struct hmmp_tcp_seg *s)
{
	u32 end = s->seq + s->len + !!(s->flags & HMMP_TCP_SYN) +
		  !!(s->flags & HMMP_TCP_FIN);

	if (!(c->end_valid & BIT(dir)) ||
	    (after(end, c->end[dir]) &&
	     (dir == HMMP_DIR_OUT || !after(s->seq, c->end[dir])))) {
		c->end[dir] = end;
		c->end_valid |= BIT(dir);
	}
	if (dir == HMMP_DIR_OUT && (s->flags & HMMP_TCP_ACK)) {
		if (!c->ack_valid || after(s->ack, c->ack_sent)) {
			c->ack_sent = s->ack;
			c->ack_valid = true;
		}
		if (!(c->end_valid & BIT(HMMP_DIR_IN)) ||
		    after(s->ack, c->end[HMMP_DIR_IN])) {
			c->end[HMMP_DIR_IN] = s->ack;
			c->end_valid |= BIT(HMMP_DIR_IN);
		}
	}
}

/*
 * Does this segment show that the record is no blind sender's? Anything
 * this host sends but a RST (its answer to a stray segment) or a SYN-ACK
 * (its answer to anyone's SYN); or the peer's ACK of this host's ISN,
 * which only who saw the SYN or SYN-ACK knows.
 */
static bool hmmp_conn_confirms(const struct hmmp_conn *c, enum hmmp_dir dir,
			       const struct hmmp_tcp_seg *s)
{
	u32 isn;

	if (s->flags & HMMP_TCP_RST)
		return false;
	if (dir == HMMP_DIR_OUT)
		return (s->flags & (HMMP_TCP_SYN | HMMP_TCP_ACK)) !=
		       (HMMP_TCP_SYN | HMMP_TCP_ACK);
	if (!(s->flags & HMMP_TCP_ACK) ||
	    !(c->isn_valid & BIT(HMMP_DIR_OUT)) ||
	    !(c->end_valid & BIT(HMMP_DIR_OUT)))
		return false;
	isn = hmmp_conn_isn(c, HMMP_DIR_OUT);
	return after(s->ack, isn) && !after(s->ack, c->end[HMMP_DIR_OUT]);
}

/*
 * The answering side's ISN, from the segment that moved the record to
 * Setup_Prog (its SYN-ACK or crossing SYN): the first answer counts, as
 * the opener's TCP takes the first SYN-ACK and answers later ones with a
 * duplicate ACK. A retransmitted SYN with another ISN is a new attempt
 * (hmmp_conn_start()): it forgets the answer's ISN.
 */
static void hmmp_conn_set_answer_isn(struct hmmp_conn *c, enum hmmp_dir dir,
				     u32 isn)
{
	c->isn_answer = isn;
	c->isn_valid |= BIT(dir);
}

/*
 * One segment against one record; c->lock held. Returns the event to
 * report, or -1. Sections refer to docs/sipeye.md.
 */
static int hmmp_conn_step(struct hmmp_sipeye *t, struct hmmp_conn *c,
			  enum hmmp_dir dir, const struct hmmp_tcp_seg *s,
			  unsigned long now, enum hmmp_event_reason *reason)
{
	int od = hmmp_opener_dir(c);
	u8 fl = s->flags;
	bool fin_ok;
	int ev = -1;

	/* 1. RST from either side ends the connection. */
	if (fl & HMMP_TCP_RST) {
		if (c->state == HMMP_CONN_DISCONNECT)
			return -1;
		if (!hmmp_rst_acceptable(c, dir, s)) {
			this_cpu_inc(t->pcpu->rst_ignored);
			return -1;
		}
		hmmp_conn_set_state(t, c, HMMP_CONN_DISCONNECT, now);
		*reason = HMMP_REASON_RESET;
		return HMMP_SIPEYE_EV_CLOSED;
	}

	/* 2. SYN without ACK: open, retransmission, crossing SYN, reuse. */
	if ((fl & (HMMP_TCP_SYN | HMMP_TCP_ACK)) == HMMP_TCP_SYN) {
		switch (c->state) {
		case HMMP_CONN_SETUP_REQ:
		case HMMP_CONN_SETUP_PROG:
			if ((int)dir == od) {
				if (s->seq == c->cl_id)
					break;	/* retransmitted SYN */
				/* A new attempt on the same ports. */
				hmmp_conn_start(t, c, dir, s, now);
				ev = HMMP_SIPEYE_EV_NEW;
			} else if (c->state == HMMP_CONN_SETUP_REQ) {
				/* Simultaneous open: the SYNs crossed. */
				hmmp_conn_set_state(t, c, HMMP_CONN_SETUP_PROG,
						    now);
				hmmp_conn_set_answer_isn(c, dir, s->seq);
			}
			break;
		case HMMP_CONN_DISCONNECT:
			/* Port reuse after close. */
			hmmp_conn_start(t, c, dir, s, now);
			this_cpu_inc(t->pcpu->created);
			ev = HMMP_SIPEYE_EV_NEW;
			break;
		default:
			/* A SYN on a live connection: TCP answers it with
			 * a challenge ACK; the record stays.
			 */
			break;
		}
		hmmp_conn_account(c, dir, s);
		return ev;
	}

	if (c->state == HMMP_CONN_DISCONNECT)
		return -1;	/* late duplicates after the close */

	/* Before the segment moves the peer's end: the FIN's window. */
	fin_ok = dir == HMMP_DIR_OUT || hmmp_fin_acceptable(c, s);
	hmmp_conn_account(c, dir, s);

	/* 3. SYN-ACK: the answer to the opener's SYN. */
	if (fl & HMMP_TCP_SYN) {
		if (c->state == HMMP_CONN_SETUP_REQ && (int)dir != od &&
		    s->ack == c->cl_id + 1) {
			hmmp_conn_set_state(t, c, HMMP_CONN_SETUP_PROG, now);
			hmmp_conn_set_answer_isn(c, dir, s->seq);
		}
		return -1;
	}

	if (!(fl & HMMP_TCP_ACK))
		return -1;	/* no ACK outside a SYN: TCP drops it */

	/* 4. First ACK after the handshake (or the opener's ACK when the
	 * SYN-ACK was never seen, e.g. tracking began in between).
	 */
	if (c->state == HMMP_CONN_SETUP_PROG ||
	    (c->state == HMMP_CONN_SETUP_REQ && (int)dir == od)) {
		hmmp_conn_set_state(t, c, HMMP_CONN_ESTABLISHED, now);
		ev = HMMP_SIPEYE_EV_ESTABLISHED;
	} else if (c->state == HMMP_CONN_SETUP_REQ) {
		return -1;	/* stray ACK from the peer */
	}

	/* A FIN that was outside the window counts once this host ACKs it:
	 * its TCP took it.
	 */
	if (dir == HMMP_DIR_OUT && c->fin_pending &&
	    !(c->fin_sent & BIT(HMMP_DIR_IN)) && s->ack == c->fin_pend + 1) {
		c->fin_sent |= BIT(HMMP_DIR_IN);
		c->fin_seq[HMMP_DIR_IN] = c->fin_pend;
		c->fin_pending = false;
	}

	/* 5. ACK of the other side's FIN. */
	if ((c->fin_sent & BIT(!dir)) &&
	    !before(s->ack, c->fin_seq[!dir] + 1))
		c->fin_acked |= BIT(!dir);

	/* 6. FIN: first side asks to release, second side answers. */
	if ((fl & HMMP_TCP_FIN) && !(c->fin_sent & BIT(dir))) {
		if (fin_ok) {
			c->fin_sent |= BIT(dir);
			c->fin_seq[dir] = s->seq + s->len;
		} else {
			c->fin_pending = true;
			c->fin_pend = s->seq + s->len;
		}
	}

	if (c->fin_sent == (BIT(0) | BIT(1))) {
		if (c->fin_acked == (BIT(0) | BIT(1))) {
			hmmp_conn_set_state(t, c, HMMP_CONN_DISCONNECT, now);
			*reason = HMMP_REASON_CLOSED;
			return HMMP_SIPEYE_EV_CLOSED;
		}
		hmmp_conn_set_state(t, c, HMMP_CONN_RELEASE_ACK, now);
	} else if (c->fin_sent) {
		hmmp_conn_set_state(t, c, HMMP_CONN_RELEASE_REQ, now);
	} else {
		/* Idle timeout: every segment restarts it. */
		hmmp_conn_set_state(t, c, c->state, now);
	}
	return ev;
}

static struct hmmp_conn *hmmp_conn_lookup(struct hmmp_sipeye *t, u32 hash,
					  __be32 laddr, __be16 lport,
					  __be32 raddr, __be16 rport)
{
	struct hmmp_conn *c;

	hlist_for_each_entry_rcu(c, &t->buckets[hash], node) {
		if (c->laddr == laddr && c->raddr == raddr &&
		    c->lport == lport && c->rport == rport)
			return c;
	}
	return NULL;
}

/* What a full table may drop: a record not confirmed, or one closed. */
static bool hmmp_conn_evictable(const struct hmmp_conn *c)
{
	return !c->unlinked &&
	       (!c->confirmed || c->state == HMMP_CONN_DISCONNECT);
}

static void hmmp_conn_unlink(struct hmmp_sipeye *t, struct hmmp_conn *c);

/*
 * The table is full: drop one evictable record in the buckets from @hash
 * on, looking at no more than HMMP_SIPEYE_EVICT_RECORDS records, so that
 * blind segments cannot keep out a real connection (nf_conntrack's early
 * drop of unassured entries). Returns true when one went. Call under
 * rcu_read_lock(), no lock held.
 */
static bool hmmp_conn_evict(struct hmmp_sipeye *t, u32 hash,
			    unsigned long now)
{
	u32 mask = (1U << t->hash_bits) - 1, b;
	unsigned int i, seen = 0;
	struct hmmp_conn *c;
	bool done = false;

	for (i = 0; i < HMMP_SIPEYE_EVICT_BUCKETS && i <= mask &&
	     seen < HMMP_SIPEYE_EVICT_RECORDS && !done; i++) {
		b = (hash + i) & mask;
		if (hlist_empty(&t->buckets[b]))
			continue;
		spin_lock_bh(hmmp_bucket_lock(t, b));
		hlist_for_each_entry(c, &t->buckets[b], node) {
			spin_lock(&c->lock);
			if (hmmp_conn_evictable(c)) {
				if (c->state != HMMP_CONN_DISCONNECT)
					hmmp_conn_notify(t, c,
							 HMMP_SIPEYE_EV_CLOSED,
							 HMMP_REASON_EVICTED,
							 now);
				this_cpu_inc(t->pcpu->evicted);
				hmmp_conn_unlink(t, c);
				done = true;
			}
			spin_unlock(&c->lock);
			if (done || ++seen >= HMMP_SIPEYE_EVICT_RECORDS)
				break;
		}
		spin_unlock_bh(hmmp_bucket_lock(t, b));
	}
	return done;
}

/* Counts a new record in, evicting one if the table is full. */
static bool hmmp_conn_reserve(struct hmmp_sipeye *t, u32 hash,
			      unsigned long now)
{
	if (atomic_inc_return(&t->count) <= READ_ONCE(t->cfg.table_max))
		return true;
	atomic_dec(&t->count);
	if (!hmmp_conn_evict(t, hash, now))
		return false;
	if (atomic_inc_return(&t->count) <= READ_ONCE(t->cfg.table_max))
		return true;
	atomic_dec(&t->count);	/* another CPU took the room */
	return false;
}

/*
 * A segment of a connection the table does not know. Creates and links the
 * record when the segment can start one (*created set), or returns the
 * record another CPU linked first; NULL when there is nothing to track.
 * Call under rcu_read_lock(); the record is returned unlocked.
 */
static struct hmmp_conn *hmmp_conn_create(struct hmmp_sipeye *t, u32 hash,
					  enum hmmp_dir dir,
					  const struct hmmp_tcp_seg *s,
					  __be32 laddr, __be16 lport,
					  __be32 raddr, __be16 rport,
					  unsigned long now, bool *created)
{
	spinlock_t *bl = hmmp_bucket_lock(t, hash);
	struct hmmp_conn *c, *old;
	struct hmmp_conn_info ci;

	if (s->flags & HMMP_TCP_RST)
		return NULL;	/* nothing to reset */
	if (!(s->flags & (HMMP_TCP_SYN | HMMP_TCP_ACK)))
		return NULL;	/* TCP drops it too */

	if (!hmmp_conn_reserve(t, hash, now)) {
		this_cpu_inc(t->pcpu->table_full);
		return NULL;
	}
	/* Charged to the memory cgroup of a local sender (at local-out in
	 * its context); softirq context charges no one.
	 */
	c = kzalloc(sizeof(*c), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!c) {
		atomic_dec(&t->count);
		return NULL;
	}
	c->laddr = laddr;
	c->raddr = raddr;
	c->lport = lport;
	c->rport = rport;
	spin_lock_init(&c->lock);
	hmmp_conn_start(t, c, dir, s, now);
	if (s->flags & HMMP_TCP_ACK) {
		if (s->flags & HMMP_TCP_SYN) {
			/* A SYN-ACK: its receiver opened the connection. */
			c->opener = dir == HMMP_DIR_OUT ? HMMP_OPENER_REMOTE :
							  HMMP_OPENER_LOCAL;
			c->cl_id = s->ack - 1;	/* the seed's ACKN-1 */
			c->isn_valid = BIT(!dir);
			hmmp_conn_set_answer_isn(c, dir, s->seq);
			hmmp_conn_set_state(t, c, HMMP_CONN_SETUP_PROG, now);
		} else {
			/* Mid-stream, e.g. opened before the module loaded. */
			c->opener = HMMP_OPENER_PICKUP;
			c->cl_id = 0;
			c->isn_valid = 0;	/* neither SYN was seen */
			hmmp_conn_set_state(t, c, HMMP_CONN_ESTABLISHED, now);
		}
	}
	if (hmmp_conn_confirms(c, dir, s)) {
		c->confirmed = true;
		hmmp_conn_set_state(t, c, c->state, now);
	}

	/* Nobody else sees the record yet: the event can be filled now. */
	hmmp_conn_fill(c, now, &ci);
	spin_lock_bh(bl);
	old = hmmp_conn_lookup(t, hash, laddr, lport, raddr, rport);
	if (!old)
		hlist_add_head_rcu(&c->node, &t->buckets[hash]);
	spin_unlock_bh(bl);
	if (old) {
		atomic_dec(&t->count);
		kfree(c);
		return old;
	}
	this_cpu_inc(t->pcpu->created);
	if (c->opener == HMMP_OPENER_PICKUP)
		this_cpu_inc(t->pcpu->picked_up);
	if (t->notify)
		t->notify(t, HMMP_SIPEYE_EV_NEW, &ci, 0);
	*created = true;
	return c;
}

void hmmp_sipeye_track(struct hmmp_sipeye *t, enum hmmp_dir dir,
		       const struct hmmp_tcp_seg *s, unsigned long now)
{
	enum hmmp_event_reason reason = 0;
	__be32 laddr, raddr;
	__be16 lport, rport;
	struct hmmp_conn *c;
	bool created = false;
	u32 hash;
	int ev;

	this_cpu_inc(t->pcpu->pkts);
	if (dir == HMMP_DIR_OUT) {
		laddr = s->saddr;
		lport = s->sport;
		raddr = s->daddr;
		rport = s->dport;
	} else {
		laddr = s->daddr;
		lport = s->dport;
		raddr = s->saddr;
		rport = s->sport;
	}
	hash = hmmp_conn_hash(t, laddr, lport, raddr, rport);
	c = hmmp_conn_lookup(t, hash, laddr, lport, raddr, rport);
	if (!c) {
		c = hmmp_conn_create(t, hash, dir, s, laddr, lport, raddr,
				     rport, now, &created);
		if (!c)
			return;
	}
	spin_lock_bh(&c->lock);
	if (c->unlinked) {
		spin_unlock_bh(&c->lock);
		return;
	}

	if (created && (s->flags & HMMP_TCP_SYN)) {
		/* The record is this SYN (or SYN-ACK): nothing to step. */
		hmmp_conn_account(c, dir, s);
		ev = -1;
	} else {
		ev = hmmp_conn_step(t, c, dir, s, now, &reason);
	}
	if (!c->confirmed && hmmp_conn_confirms(c, dir, s)) {
		c->confirmed = true;
		/* the full timeout of its state from now on */
		if (c->state != HMMP_CONN_DISCONNECT)
			hmmp_conn_set_state(t, c, c->state, now);
	}
	c->last_seen = now;
	c->pkts[dir] += s->segs;
	c->bytes[dir] += s->len;
	if (ev >= 0)
		hmmp_conn_notify(t, c, ev, reason, now);
	spin_unlock_bh(&c->lock);
}

void hmmp_sipeye_count_invalid(struct hmmp_sipeye *t)
{
	this_cpu_inc(t->pcpu->invalid);
}

bool hmmp_sipeye_get(struct hmmp_sipeye *t, __be32 laddr, __be16 lport,
		     __be32 raddr, __be16 rport, unsigned long now,
		     struct hmmp_conn_info *ci)
{
	u32 hash = hmmp_conn_hash(t, laddr, lport, raddr, rport);
	struct hmmp_conn *c;
	bool found = false;

	rcu_read_lock();
	c = hmmp_conn_lookup(t, hash, laddr, lport, raddr, rport);
	if (c) {
		spin_lock_bh(&c->lock);
		if (!c->unlinked) {
			hmmp_conn_fill(c, now, ci);
			found = true;
		}
		spin_unlock_bh(&c->lock);
	}
	rcu_read_unlock();
	return found;
}

/* Caller holds the bucket lock and c->lock. */
static void hmmp_conn_unlink(struct hmmp_sipeye *t, struct hmmp_conn *c)
{
	c->unlinked = true;
	hlist_del_rcu(&c->node);
	atomic_dec(&t->count);
	kfree_rcu(c, rcu);
}

unsigned int hmmp_sipeye_expire(struct hmmp_sipeye *t, unsigned long now)
{
	unsigned int i, n = 0;
	struct hmmp_conn *c;
	struct hlist_node *tmp;

	for (i = 0; i < (1U << t->hash_bits); i++) {
		spinlock_t *bl = hmmp_bucket_lock(t, i);

		if (hlist_empty(&t->buckets[i]))
			continue;
		spin_lock_bh(bl);
		hlist_for_each_entry_safe(c, tmp, &t->buckets[i], node) {
			spin_lock(&c->lock);
			if (time_after_eq(now, c->expires)) {
				if (c->state == HMMP_CONN_DISCONNECT) {
					this_cpu_inc(t->pcpu->closed);
				} else {
					this_cpu_inc(t->pcpu->expired);
					hmmp_conn_notify(t, c,
							 HMMP_SIPEYE_EV_CLOSED,
							 HMMP_REASON_EXPIRED,
							 now);
				}
				hmmp_conn_unlink(t, c);
				n++;
			}
			spin_unlock(&c->lock);
		}
		spin_unlock_bh(bl);
		cond_resched();
	}
	return n;
}

unsigned int hmmp_sipeye_handoff(struct hmmp_sipeye *t, __be32 old,
				 __be32 new)
{
	unsigned int i, n = 0;
	struct hmmp_conn *c;

	for (i = 0; i < (1U << t->hash_bits); i++) {
		spinlock_t *bl = hmmp_bucket_lock(t, i);

		if (hlist_empty(&t->buckets[i]))
			continue;
		spin_lock_bh(bl);
		hlist_for_each_entry(c, &t->buckets[i], node) {
			spin_lock(&c->lock);
			if (c->state != HMMP_CONN_DISCONNECT && c->confirmed &&
			    (!old || c->cur_local == old) &&
			    c->cur_local != new) {
				c->prev_local = c->cur_local;
				c->cur_local = new;
				c->handoffs++;
				n++;
			}
			spin_unlock(&c->lock);
		}
		spin_unlock_bh(bl);
		cond_resched();
	}
	if (n)
		this_cpu_add(t->pcpu->handoffs, n);
	return n;
}

int hmmp_sipeye_walk(struct hmmp_sipeye *t, long pos[2], unsigned long now,
		     hmmp_sipeye_walk_t fn, void *arg)
{
	struct hmmp_conn_info ci;
	struct hmmp_conn *c;
	long idx;

	for (; pos[0] < (1L << t->hash_bits); pos[0]++, pos[1] = 0) {
		idx = 0;
		hlist_for_each_entry_rcu(c, &t->buckets[pos[0]], node) {
			bool live;

			if (idx++ < pos[1])
				continue;
			spin_lock_bh(&c->lock);
			live = !c->unlinked;
			if (live)
				hmmp_conn_fill(c, now, &ci);
			spin_unlock_bh(&c->lock);
			if (live && fn(&ci, arg))
				return 1;
			pos[1] = idx;
		}
	}
	return 0;
}

void hmmp_sipeye_stats(struct hmmp_sipeye *t, struct hmmp_sipeye_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct hmmp_sipeye_pcpu *p = per_cpu_ptr(t->pcpu, cpu);

		st->sum.created += READ_ONCE(p->created);
		st->sum.closed += READ_ONCE(p->closed);
		st->sum.expired += READ_ONCE(p->expired);
		st->sum.table_full += READ_ONCE(p->table_full);
		st->sum.picked_up += READ_ONCE(p->picked_up);
		st->sum.pkts += READ_ONCE(p->pkts);
		st->sum.invalid += READ_ONCE(p->invalid);
		st->sum.rst_ignored += READ_ONCE(p->rst_ignored);
		st->sum.handoffs += READ_ONCE(p->handoffs);
		st->sum.evicted += READ_ONCE(p->evicted);
	}
	st->count = atomic_read(&t->count);
	st->table_max = READ_ONCE(t->cfg.table_max);
	st->entry_bytes = kmalloc_size_roundup(sizeof(struct hmmp_conn));
	st->memory_bytes = (u64)st->count * st->entry_bytes +
			   sizeof(*t->buckets) * (1UL << t->hash_bits);
}

void hmmp_sipeye_uninit(struct hmmp_sipeye *t)
{
	struct hlist_node *tmp;
	struct hmmp_conn *c;
	unsigned int i;

	for (i = 0; i < (1U << t->hash_bits); i++) {
		spinlock_t *bl = hmmp_bucket_lock(t, i);

		spin_lock_bh(bl);
		hlist_for_each_entry_safe(c, tmp, &t->buckets[i], node) {
			spin_lock(&c->lock);
			hmmp_conn_unlink(t, c);
			spin_unlock(&c->lock);
		}
		spin_unlock_bh(bl);
	}
	/* kfree_rcu() callbacks do not call into this module. */
	synchronize_rcu();
	free_percpu(t->pcpu);
	kvfree(t->buckets);
	t->buckets = NULL;
}
