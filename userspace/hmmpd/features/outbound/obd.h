/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: SIP Outbound in the daemon (docs/outbound.md), the [outbound]
 * section of hmmpd.conf(5), and the glue between the sockets of sip.c and
 * the state machines of outbound.h:
 *
 *  - UA side (edge = URI set): REGISTERs go through the edge with
 *    Outbound's Contact parameters (+sip.instance, reg-id) and
 *    "Supported: path, outbound"; once one succeeded, STUN keep-alives
 *    run on the UDP flow to the edge; ForceTCP received there is answered
 *    (opening the TCP connection and asking GetToken as needed); a failed
 *    flow or a hand-off registers again.
 *  - edge role (roles has "edge"): STUN Binding and GetToken answered on
 *    the SIP ports; every SIP message is proxied statelessly (edge.c):
 *    from UAs to next_hop with a Path / Record-Route carrying the flow
 *    token, from the core to the UA over the flow the token names, through
 *    ForceTCP when it is UDP and the request larger than flow_mtu.
 */
#ifndef HMMPD_OBD_H
#define HMMPD_OBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/feature.h"
#include "sip/sip.h"
#include "stun/outbound.h"

#define HMMPD_OB_URI_MAX	192
#define HMMPD_OB_INSTANCE_MAX	64

struct hmmpd_ob_conf {
	/* UA side */
	char edge[HMMPD_OB_URI_MAX];	/* "" = no Outbound */
	char instance[HMMPD_OB_INSTANCE_MAX];	/* "" = from machine-id */
	uint32_t reg_id;
	uint32_t keepalive;		/* s; 0 = RFC 5626 / Flow-Timer */
	/* edge role */
	uint8_t secret[OB_SECRET_LEN];
	bool have_secret;		/* else random at each start */
	char next_hop[HMMPD_OB_URI_MAX];	/* where UAs' requests go */
	uint32_t flow_mtu;		/* bytes; larger requests: ForceTCP */
};

void hmmpd_ob_conf_defaults(struct hmmpd_ob_conf *c);
/* One "name = value" of [outbound]: 0, or -1 with why. */
int hmmpd_ob_conf_key(struct hmmpd_ob_conf *c, const char *name,
		      const char *value, char *why, size_t whylen);

/*
 * The feature (core/feature.h): owns [outbound]; starts after the SIP
 * core; decorates the REGISTERs the mobile sends, runs keep-alives once
 * one succeeded, asks for another when the flow fails; publishes the edge
 * to the core (hmmpd_core_set_edge) for the correspondent's origin rule.
 */
extern const struct hmmpd_feature hmmpd_feature_outbound;

#endif /* HMMPD_OBD_H */
