/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the mobile role's private header, for the files in features/mobile only:
 * its state, the transactions it keeps, and what its two files share.
 *
 *   mobile.c   the feature: hand-off, original addresses, refresh, life
 *   signal.c   the requests it sends: INFO and REGISTER transactions,
 *              challenges answered, retries with backoff
 *   encap.c    which encapsulation the mobile-kind bindings and the INFOs
 *              get per correspondent (udp behind a NAT, learnt from the
 *              answer bodies; older correspondents), issue 13
 */
#ifndef HMMPD_MOBILE_INT_H
#define HMMPD_MOBILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "core/daemon.h"
#include "core/plan.h"
#include "util.h"

#define RETRY_MIN_MS		1000
#define RETRY_MAX_MS		30000
#define RETRY_MAX_ATTEMPTS	8
#define AUTH_MAX_TRIES		2
#define REFRESH_MIN_S		5
#define MAX_KEPT		16
#define MAX_UDP_PEERS		64

struct txn {
	struct txn *next;
	struct hmmpd_mobile *m;
	bool reg;			/* REGISTER, else INFO */
	bool refresh;			/* INFO of a refresh */
	bool claim;			/* INFO: an on-link claim (router) */
	bool in_flight, dead;
	uint8_t kind;			/* INFO: router or correspondent */
	uint32_t dest;			/* INFO: be32 */
	uint32_t src;			/* be32: the new address */
	char uri[HMMPD_URI_MAX];
	char *body;
	size_t body_len;
	unsigned int nbind, nconn;
	uint32_t expires;
	uint8_t asked;			/* INFO: the body's encap */
	unsigned int gen;
	unsigned int attempt, auth_tries, backoff_ms;
	uint64_t deadline_us;		/* 0: none */
	sd_event_source *timer;
	char contact[HMMPD_URI_MAX];	/* REGISTER */
	char old_contact[HMMPD_URI_MAX];	/* REGISTER: to remove */
};

struct hmmpd_mobile {
	struct hmmpd *d;
	sd_event_source *refresh, *reg_timer, *claim_timer;
	uint64_t handoff_us;		/* the change the hand-off began with */
	unsigned int gen;
	unsigned int waiting, sent, ok;	/* INFOs of this hand-off */
	struct txn *txns;
	uint32_t kept[MAX_KEPT];	/* addresses we put on lo */
	unsigned int nkept;
	uint32_t granted;		/* least lifetime granted, 0: none */
	char hidden_on[IFNAMSIZ];	/* arp_ignore/announce set there */
	char registered[HMMPD_URI_MAX];	/* contact the registrar took */
	/*
	 * Correspondents that chose udp (answer bodies, or the udp mobile
	 * bindings an earlier hmmpd left): their mobile-kind bindings are
	 * udp from the start of a hand-off. Older correspondents, which
	 * refused encap=auto/udp (400 "bad encap"), get the fallback.
	 */
	struct udp_peer {
		uint32_t peer;		/* be32 */
		uint16_t port;		/* its SIP port: the tunnel's far end */
		uint32_t refl;		/* be32: our address as it saw it */
		uint16_t refl_port;	/* 0: not known (resync) */
	} udp[MAX_UDP_PEERS];
	unsigned int nudp;
	uint32_t legacy[MAX_UDP_PEERS];	/* be32 */
	unsigned int nlegacy;
	/*
	 * Correspondents that know body version 1 only (400 "unsupported
	 * version" to a body with connection identities): asked without.
	 */
	uint32_t v1[MAX_UDP_PEERS];	/* be32 */
	unsigned int nv1;
};

static inline bool is_mobile(struct hmmpd *d)
{
	return d->conf->roles & HMMP_ROLE_MOBILE;
}

static inline const char *ip_s(uint32_t a, char buf[HMMP_ADDRSTRLEN])
{
	return hmmp_addr_format(a, buf);
}

static inline uint64_t ms_since(struct hmmpd *d, uint64_t us)
{
	uint64_t now = hmmpd_now_us(d);

	return now > us ? (now - us) / 1000 : 0;
}

/* signal.c */
/* Free now (its callback, if any, is no longer owed). */
void mobile_txn_free(struct txn *t);
/* Cancel: at once, or when its answer comes (a callback is owed). */
void mobile_txn_cancel(struct txn *t);
/* Cancel every transaction of the classes in mask. */
#define MOBILE_TXN_INFO		1u	/* INFOs of hand-offs and refreshes */
#define MOBILE_TXN_REG		2u	/* REGISTERs */
#define MOBILE_TXN_CLAIM	4u	/* on-link claims */
#define MOBILE_TXN_ALL		7u
void mobile_txns_cancel(struct hmmpd_mobile *m, unsigned int mask);
/* One INFO of the plan, from the current address. */
void mobile_send_info(struct hmmpd_mobile *m, const struct hmmpd_plan_info *in,
		      bool refresh);
/* REGISTER the current contact, when a registrar is configured. */
void mobile_send_register(struct hmmpd_mobile *m);
/*
 * Claim the current address at the current gateway (docs/security.md),
 * when it is a [peer], gateway_lifetime and claim_lifetime are not 0:
 * "Bind: A to A; lifetime=claim_lifetime; kind=router", again at two
 * thirds of what its 200 grants. The gateway then takes this peer's
 * binding of A after a move.
 */
void mobile_send_claim(struct hmmpd_mobile *m);

/* encap.c */
/* Where udp is not (known to be) possible: ipip or minimal as configured, else ipip. */
uint8_t mobile_fallback_encap(const struct hmmpd_conf *c);
/* The SIP port INFOs to peer go to: its [peer] URI's, else 5060. */
uint16_t mobile_peer_port(const struct hmmpd *d, uint32_t peer);
/* A mobile-kind binding to peer: its encapsulation, and for udp *port. */
uint8_t mobile_encap_for(const struct hmmpd_mobile *m, uint32_t peer,
			 uint16_t *port);
/* What an INFO to peer asks for: the configured one, the fallback for an older peer. */
uint8_t mobile_body_encap(const struct hmmpd_mobile *m, uint32_t peer);
const struct udp_peer *mobile_udp_peer(const struct hmmpd_mobile *m,
				       uint32_t peer);
void mobile_udp_remember(struct hmmpd_mobile *m, uint32_t peer, uint16_t port,
			 uint32_t refl, uint16_t refl_port);
void mobile_udp_forget(struct hmmpd_mobile *m, uint32_t peer);
/* Install (or replace) the mobile-kind binding (orig, peer) at the current address. */
int mobile_bind_peer(struct hmmpd_mobile *m, uint32_t orig, uint32_t peer,
		     uint8_t encap, uint16_t port, bool quiet);
/*
 * A 2xx to an INFO to peer that asked for encap asked, with its body
 * (ctype NULL or len 0: none): the answer body's encapsulation per
 * original address, (re)installing the mobile-kind bindings and
 * remembering udp; without an answer body (an older correspondent) the
 * requested one stays (auto: the fallback).
 */
void mobile_info_answer(struct hmmpd_mobile *m, uint32_t peer, uint8_t asked,
			const char *ctype, const char *body, size_t len);
/*
 * A 400 to an INFO whose reason says its encap was not understood (an
 * older correspondent): remember peer as such and rewrite body (native,
 * *len bytes, heap) with the fallback and no port. true when rewritten.
 */
bool mobile_info_legacy(struct hmmpd_mobile *m, uint32_t peer, uint8_t asked,
			const char *reason, char **body, size_t *len);
/*
 * A 400 to an INFO whose reason says its body version is unknown (a
 * correspondent older than the connection identities): remember peer as
 * such and rewrite body (native, *len bytes, heap) without identities,
 * version 1. true when rewritten.
 */
bool mobile_info_v1(struct hmmpd_mobile *m, uint32_t peer, const char *reason,
		    char **body, size_t *len);
/*
 * The built body of an INFO to peer (heap, *len bytes): without
 * connection identities when peer knows version 1 only. 0, or -1 (out of
 * memory: the body is as it was).
 */
int mobile_body_text_for_peer(const struct hmmpd_mobile *m, uint32_t peer,
			      char **body, size_t *len);
/* Rewrite a plan's body for peer (an older one): the fallback, no port. */
void mobile_body_for_peer(const struct hmmpd_mobile *m, uint32_t peer,
			  struct hmmpd_body *b);

/* mobile.c: refresh at two thirds of the least lifetime granted. */
void mobile_schedule_refresh(struct hmmpd_mobile *m);

#endif /* HMMPD_MOBILE_INT_H */
