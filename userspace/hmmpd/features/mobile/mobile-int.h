/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the mobile role's private header, for the files in features/mobile only:
 * its state, the transactions it keeps, and what its two files share.
 *
 *   mobile.c   the feature: hand-off, original addresses, refresh, life
 *   signal.c   the requests it sends: INFO and REGISTER transactions,
 *              challenges answered, retries with backoff
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

struct txn {
	struct txn *next;
	struct hmmpd_mobile *m;
	bool reg;			/* REGISTER, else INFO */
	bool refresh;			/* INFO of a refresh */
	bool in_flight, dead;
	uint8_t kind;			/* INFO: router or correspondent */
	uint32_t dest;			/* INFO: be32 */
	uint32_t src;			/* be32: the new address */
	char uri[HMMPD_URI_MAX];
	char *body;
	size_t body_len;
	unsigned int nbind, nconn;
	uint32_t expires;
	unsigned int gen;
	unsigned int attempt, auth_tries, backoff_ms;
	uint64_t deadline_us;		/* 0: none */
	sd_event_source *timer;
	char contact[HMMPD_URI_MAX];	/* REGISTER */
	char old_contact[HMMPD_URI_MAX];	/* REGISTER: to remove */
};

struct hmmpd_mobile {
	struct hmmpd *d;
	sd_event_source *refresh, *reg_timer;
	uint64_t handoff_us;		/* the change the hand-off began with */
	unsigned int gen;
	unsigned int waiting, sent, ok;	/* INFOs of this hand-off */
	struct txn *txns;
	uint32_t kept[MAX_KEPT];	/* addresses we put on lo */
	unsigned int nkept;
	uint32_t granted;		/* least lifetime granted, 0: none */
	char hidden_on[IFNAMSIZ];	/* arp_ignore/announce set there */
	char registered[HMMPD_URI_MAX];	/* contact the registrar took */
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
/* One INFO of the plan, from the current address. */
void mobile_send_info(struct hmmpd_mobile *m, const struct hmmpd_plan_info *in,
		      bool refresh);
/* REGISTER the current contact, when a registrar is configured. */
void mobile_send_register(struct hmmpd_mobile *m);

/* mobile.c: refresh at two thirds of the least lifetime granted. */
void mobile_schedule_refresh(struct hmmpd_mobile *m);

#endif /* HMMPD_MOBILE_INT_H */
