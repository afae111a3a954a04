/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmp userspace: the records of the UAPI (connections, bindings, stats,
 * config, events) parsed from netlink attributes and printed with the
 * printer, shared by hmmpctl and hmmpd.
 *
 * Parsers validate every attribute's length against a policy and return 0
 * or HMMP_NL_BAD. A record remembers which attributes it had (have, one bit
 * per attribute type) and the printers print only those, in a fixed order:
 * a missing counter is left out, never shown as 0.
 */
#ifndef HMMP_OBJECTS_H
#define HMMP_OBJECTS_H

#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <uapi/linux/hmmp.h>

#include "print.h"

#define HMMP_HAVE(x, attr)	(((x)->have >> (attr)) & 1u)
#define HMMP_SET(x, attr)	((x)->have |= 1u << (attr))

struct hmmp_conn {
	uint32_t have;			/* 1 << HMMP_CONN_A_* */
	uint32_t orig_local, prev_local, cur_local, remote;	/* be32 */
	uint16_t lport, rport;		/* host order */
	uint32_t cl_id, handoffs;
	uint32_t isn_local, isn_remote;	/* when HMMP_HAVE(c, ..._ISN_*) */
	uint8_t state, opener;
	uint8_t confirmed;		/* when HMMP_HAVE(c, ..._CONFIRMED) */
	uint64_t age_ms, idle_ms, pkts_out, pkts_in, bytes_out, bytes_in;
};

struct hmmp_binding {
	uint32_t have;			/* 1 << HMMP_BIND_A_* */
	uint32_t orig, coa, peer;	/* be32 */
	uint8_t encap, kind, min_src;
	uint16_t port;			/* host order: udp only, far end */
	uint32_t pmtu;			/* learned path MTU, when HMMP_HAVE */
	uint32_t lifetime;
	uint64_t expires_ms, age_ms, refresh_ms;
	uint64_t pkts_encap, bytes_encap, pkts_decap, bytes_decap;
};

/* A connection translation (HMMP_A_XLATE; uapi/linux/hmmp.h). */
struct hmmp_xlate {
	uint32_t have;			/* 1 << HMMP_XLATE_A_* */
	uint32_t laddr, raddr;		/* be32: the key, this host's view */
	uint16_t lport, rport;		/* host order */
	uint32_t peer_laddr, peer_raddr; /* be32: the peer's view */
	uint16_t peer_lport, peer_rport; /* host order */
	uint32_t coa;			/* be32 */
	uint16_t port;			/* host order: udp only */
	uint8_t encap;
	uint32_t lifetime;
	uint64_t expires_ms, age_ms;
	uint64_t pkts_encap, bytes_encap, pkts_decap, bytes_decap;
};

/* genlmsg_parse of a reply or event against the HMMP_A_* policy. */
int hmmp_msg_parse(struct nl_msg *msg, struct nlattr *tb[HMMP_A_MAX + 1]);
/* The genl command of a message. */
int hmmp_msg_cmd(struct nl_msg *msg);

/* Needs ORIG_LOCAL, CUR_LOCAL, REMOTE, LPORT, RPORT and STATE. */
int hmmp_conn_parse(struct nlattr *nest, struct hmmp_conn *c);
void hmmp_conn_print(struct hmmp_pr *p, unsigned int flags,
		     const struct hmmp_conn *c);

/* Needs ORIG. */
int hmmp_binding_parse(struct nlattr *nest, struct hmmp_binding *b);
void hmmp_binding_print(struct hmmp_pr *p, unsigned int flags,
			const struct hmmp_binding *b);
/* Puts the attributes b has (request side) in an HMMP_A_BINDING nest. */
int hmmp_binding_put(struct nl_msg *msg, const struct hmmp_binding *b);

/* Needs the key (LADDR, LPORT, RADDR, RPORT). */
int hmmp_xlate_parse(struct nlattr *nest, struct hmmp_xlate *x);
void hmmp_xlate_print(struct hmmp_pr *p, unsigned int flags,
		      const struct hmmp_xlate *x);
/* Puts the attributes x has (request side) in an HMMP_A_XLATE nest. */
int hmmp_xlate_put(struct nl_msg *msg, const struct hmmp_xlate *x);

/* Members of an HMMP_A_STATS / HMMP_A_CONFIG nest, in UAPI order. */
int hmmp_stats_print(struct hmmp_pr *p, struct nlattr *nest);
int hmmp_config_print(struct hmmp_pr *p, struct nlattr *nest);

/*
 * One event (HMMP_CMD_EVENT_*) as one "[EVENT] ..." line, or one JSON
 * object. Returns 0, or HMMP_NL_BAD for a malformed event (nothing
 * printed).
 */
int hmmp_event_print(struct hmmp_pr *p, struct nl_msg *msg);

#endif /* HMMP_OBJECTS_H */
