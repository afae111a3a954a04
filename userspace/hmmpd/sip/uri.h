/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the one URI form the daemon routes to by itself, a SIP URI with
 * a numeric IPv4 host: sip:[user@]a.b.c.d[:port][;params]. Used for
 * [peer] proxy, [sip] registrar and [outbound] edge and next_hop.
 */
#ifndef HMMPD_SIP_URI_H
#define HMMPD_SIP_URI_H

#include <stdbool.h>

#include "sip.h"

/* 0 with *a (port 5060 when none), or -1. *tcp: ;transport=tcp. */
int sip_uri_addr(const char *uri, struct sip_addr *a, bool *tcp);

#endif /* HMMPD_SIP_URI_H */
