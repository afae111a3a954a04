/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the correspondent and router roles, a feature (core/feature.h):
 * every SIP request to this host comes here. INFO address-binding
 * requests are authenticated (digest), their body checked, judged by the
 * policy (core/policy.h) and turned into bindings in hmmp.ko; OPTIONS is
 * answered, other methods 405. correspondent.c gives the order of checks.
 */
#ifndef HMMPD_CORRESPONDENT_H
#define HMMPD_CORRESPONDENT_H

#include <stdint.h>

#include "core/feature.h"
#include "sip/sip.h"

extern const struct hmmpd_feature hmmpd_feature_correspondent;

/*
 * The request's origin for the policy. From src (the transport's source)
 * unless req came from edge (the hop this host registers through, the
 * core's hmmpd_core_set_edge; NULL: none), i.e. over this host's Outbound
 * flow: then the proxies this host registers through (the edge, the
 * registrar) relayed it and the origin is taken from the Vias
 * (hmmpd_policy_origin). 0: *origin = src->addr; 1: relayed, *origin from
 * the Vias; -1: relayed, no origin in the Vias.
 */
int hmmpd_uas_origin(const struct sip_addr *edge, const char *registrar,
		     const osip_message_t *req, const struct sip_addr *src,
		     uint32_t *origin);

#endif /* HMMPD_CORRESPONDENT_H */
