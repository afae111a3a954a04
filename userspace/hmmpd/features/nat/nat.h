/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: hand-off behind a NAT (issue 13), a feature (core/feature.h) that
 * owns the [nat] section of hmmpd.conf(5).
 *
 *  - hmmp.ko's UDP tunnel socket is hmmpd's SIP UDP socket: handed over at
 *    kernel_up (HMMP_CMD_TUNNEL_SOCK), forgotten at kernel_down, detached at
 *    stop. One port for signalling and data: the NAT mapping that carries
 *    the INFO carries the tunnel.
 *  - While this host has udp bindings of kind mobile (the reverse tunnels
 *    of a mobile behind a NAT), a STUN Binding request goes every keepalive
 *    seconds from the SIP port to each such correspondent's SIP address
 *    and port: it holds the NAT mapping open, and the XOR-MAPPED-ADDRESS of
 *    the answer says which mapping the correspondent sees. When that
 *    changes (NAT rebinding), or when answers stop, the feature asks for
 *    the bindings to be signalled again through the core
 *    (hmmpd_core_bindings_wanted: the mobile sends its INFOs now).
 *  - The other side of those requests, a correspondent answering STUN
 *    Binding on its SIP ports with the source's XOR-MAPPED-ADDRESS, is the
 *    Outbound feature's (RFC 5626 keep-alives, stun/outbound.c): the core
 *    hands STUN to the features in table order, this one first, and this
 *    one takes only the answers to its own requests.
 */
#ifndef HMMPD_NAT_H
#define HMMPD_NAT_H

#include <stdint.h>

#include "core/feature.h"

#define HMMPD_NAT_KEEPALIVE_DEFAULT	25	/* s: under common UDP timeouts */
#define HMMPD_NAT_KEEPALIVE_MAX		3600
/* Keep-alives unanswered in a row before the mapping counts as lost. */
#define HMMPD_NAT_LOST_AFTER		2

struct hmmpd_nat_conf {
	uint32_t keepalive;		/* seconds; 0: no keep-alives */
};

extern const struct hmmpd_feature hmmpd_feature_nat;

/* A keep-alive round now, as the timer does (for tests). */
void hmmpd_nat_keepalive_now(struct hmmpd *d, void *st);

/* What the feature did so far, from its state (for tests and the log). */
struct hmmpd_nat_stats {
	unsigned int peers;		/* correspondents kept alive now */
	uint64_t sent, answered;	/* Binding requests, their answers */
	uint64_t rebindings;		/* mapped addresses that changed */
	uint64_t lost;			/* answers that stopped */
};
void hmmpd_nat_get_stats(const void *st, struct hmmpd_nat_stats *out);

#endif /* HMMPD_NAT_H */
