/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: hand-off planning. From the SIP_EYE records (struct hmmp_conn, as
 * dumped from hmmp.ko), the address left, the new one and the previous
 * default gateway, decide which INFO requests the mobile sends, to whom,
 * with which body. Pure: no I/O, no clock; the same input in any order
 * gives the same plan.
 *
 * The plan, in this order:
 *  1. one INFO to the previous gateway (the seed's P-MSC), when it is
 *     known and gateway_lifetime is not 0: Bind old to new, kind=router,
 *     lifetime = Expires = gateway_lifetime, no connections;
 *  2. one INFO per correspondent, by ascending address: one binding per
 *     original address (ascending), orig -> new with the given lifetime
 *     and kind=correspondent, listing that correspondent's connections
 *     from that address (by local then remote port). A correspondent with
 *     more than HMMPD_BODY_MAX_CONNS connections or HMMPD_BODY_MAX_BINDINGS
 *     original addresses gets several INFOs, one after the other. A
 *     connection whose record has both ISNs (HMMP_CONN_A_ISN_LOCAL and
 *     _REMOTE: both SYNs seen, whoever opened it) carries its identity,
 *     isn=<isn_local>/<isn_remote> (the body is then version 2); a record
 *     picked up mid-stream has none.
 *
 * Which records count (docs/binding-body.md, "Who gets an INFO"):
 *  - those the hand-off moves: current address old or new (the dump may be
 *    taken before or after HMMP_CMD_HANDOFF), any when old is 0;
 *  - in a state that still carries data or finishes a handshake:
 *    setup_req, setup_prog, established, release_req. release_ack and
 *    disconnect are skipped (closing);
 *  - whose original address is not the new one: those are home. A record
 *    that had moved away and is home again gets a release instead: a
 *    binding orig -> orig with lifetime 0 (its correspondent drops it);
 *  - with a unicast correspondent that is not this host.
 */
#ifndef HMMPD_PLAN_H
#define HMMPD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "sip/body.h"
#include "objects.h"

struct hmmpd_plan_in {
	const struct hmmp_conn *conns;	/* SIP_EYE records */
	size_t nconns;
	uint32_t old_addr;		/* be32: the address left, 0 unknown */
	uint32_t new_addr;		/* be32: the new (care-of) address */
	uint32_t gateway;		/* be32: previous default gateway, 0 */
	uint32_t lifetime;		/* of correspondent bindings, >= 1 */
	uint32_t gateway_lifetime;	/* 0: no INFO to the gateway */
	uint8_t encap;			/* enum hmmp_encap, HMMPD_ENCAP_AUTO */
	uint16_t port;			/* encap udp: our SIP UDP port, written
					 * as the new address's ("new:port"),
					 * releases aside; 0: none */
};

struct hmmpd_plan_info {
	uint8_t kind;		/* HMMP_BIND_ROUTER (gateway) or _CORRESPONDENT */
	uint32_t dest;		/* be32: where the INFO goes */
	uint32_t expires;	/* its Expires header, seconds */
	struct hmmpd_body body;
};

struct hmmpd_plan {
	unsigned int n;
	struct hmmpd_plan_info *info;	/* heap */
	/* what became of the records, for the log */
	unsigned int covered;		/* in a binding */
	unsigned int released;		/* home again: in a release */
	unsigned int skipped_closing;	/* release_ack, disconnect */
	unsigned int skipped_home;	/* opened from the new address */
	unsigned int skipped_other;	/* not moved, bad or local peer */
	unsigned int duplicates;	/* the same connection again */
};

/*
 * Returns 0 with p filled (free it with hmmpd_plan_free() even when p->n
 * is 0), -EINVAL for bad input (new address not unicast, lifetime 0,
 * unknown encapsulation, conns NULL with nconns), or -ENOMEM; p is empty
 * then.
 */
int hmmpd_plan_build(const struct hmmpd_plan_in *in, struct hmmpd_plan *p);
void hmmpd_plan_free(struct hmmpd_plan *p);

#endif /* HMMPD_PLAN_H */
