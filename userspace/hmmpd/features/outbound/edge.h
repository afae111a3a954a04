/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the SIP side of the edge role, a stateless Outbound edge proxy
 * (RFC 5626 section 5, RFC 3261 16.11) with seed 003's ForceTCP step.
 *
 *  - A request from a UA (any source but the next hop): top Via gets
 *    received/rport, Max-Forwards goes down, a top Route naming us goes,
 *    REGISTER gets "Path: <sip:TOKEN@edge;lr;ob>" and other requests a
 *    Record-Route of the same form (TOKEN: the flow token of the flow it
 *    came on, in hex), our Via goes on top; then to the next hop.
 *  - A request from the next hop must carry that Route on top: it goes,
 *    and the request goes over the flow the token names: over TCP as is;
 *    over UDP when it fits flow_mtu; else ForceTCP on the UDP flow first
 *    and then over the TCP connection the UA's token names. A token that
 *    is not ours: 403; a flow that is gone or a UA without the usage:
 *    430 Flow Failed (not for ACK).
 *  - A response with our Via on top loses it and goes where the next Via
 *    says (received/rport first), on its transport.
 *
 * Nothing is kept per transaction but the requests waiting for ForceTCP.
 */
#ifndef HMMPD_EDGE_H
#define HMMPD_EDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stun/outbound.h"
#include "sip/sip.h"

struct hmmpd_edge_cfg {
	struct sip_addr self;		/* our address, UDP port */
	uint16_t tcp_port;
	struct sip_addr next;		/* the next hop (registrar) */
	bool next_tcp;
	unsigned int flow_mtu;		/* 0: SIP_MTU_DEFAULT */
	const uint8_t *secret;		/* OB_SECRET_LEN: tokens, branches */
	void (*rearm)(void *arg);	/* a ForceTCP started: look at timers */
	void *arg;
};

struct hmmpd_edge_stats {
	uint64_t from_ua, to_ua, responses;
	uint64_t forced_tcp;		/* delivered over TCP after ForceTCP */
	uint64_t flow_failed;		/* answered 430 */
	uint64_t forbidden;		/* answered 403: not our token */
	uint64_t dropped;
};

struct hmmpd_edge;

/* The edge on sip's sockets (raw handler), ForceTCP through ob. */
struct hmmpd_edge *hmmpd_edge_new(struct sip *sip, struct ob_edge *ob,
				  const struct hmmpd_edge_cfg *cfg);
void hmmpd_edge_free(struct hmmpd_edge *px);
/* The sip_raw_fn (data: the edge). */
bool hmmpd_edge_raw(struct sip *sip, const struct sip_flow *flow,
		    const char *buf, size_t len, void *data);
/* ob_edge_ops.forced lands here (ctx: the waiting request). */
void hmmpd_edge_forced(struct hmmpd_edge *px, void *ctx, int status,
		       const struct ob_flow *tcp);
void hmmpd_edge_get_stats(const struct hmmpd_edge *px,
			  struct hmmpd_edge_stats *st);

/* sip_flow <-> ob_flow (IPv4 both). */
void hmmpd_edge_ob_flow(const struct sip_flow *in, struct ob_flow *out);

/* ---- pure, for the unit tests ---- */

/* 0 and bytes, or -1 for a token that is not 2 * OB_TOKEN_LEN hex. */
int hmmpd_edge_unhex(const char *hex, uint8_t tok[OB_TOKEN_LEN]);
void hmmpd_edge_hex(const uint8_t tok[OB_TOKEN_LEN],
		    char hex[2 * OB_TOKEN_LEN + 1]);

#endif /* HMMPD_EDGE_H */
