/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the daemon's state and its parts, all on one sd-event loop.
 *
 *   daemon.c  start, stop, reload; following hmmp.ko's generic netlink
 *             family (waits for it, resyncs, logs its events)
 *   uas.c     correspondent and router roles: answering INFO requests
 *   mobile.c  mobile role: watching addresses and routes, hand-off, the
 *             INFOs and REGISTER it sends, refreshes
 *
 * Nothing here is thread-safe: there is one thread.
 */
#ifndef HMMPD_DAEMON_H
#define HMMPD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "sip/auth.h"
#include "config.h"
#include "sip/digest.h"
#include "nl.h"
#include "sip/sip.h"

#define HMMPD_NONCE_KEY_LEN	32

struct nl_sock;
struct hmmpd_mobile;
struct hmmpd_ob;
struct hmmpd_msctp;

struct hmmpd {
	sd_event *ev;
	const char *conf_path;
	struct hmmpd_conf *conf;		/* heap */
	struct hmmpd_secrets secrets;
	bool verbose;				/* -v: debug, whatever the file */

	/* hmmp.ko */
	struct hmmp_nl cmd, evt;
	sd_event_source *evt_src, *retry;
	bool up;		/* family resolved, joined and resynced */
	bool ready;		/* READY=1 sent */
	bool waiting_logged;	/* "waiting for the family" said once */
	unsigned int backoff_ms;

	/* SIP */
	struct sip *sip;
	uint8_t nonce_key[HMMPD_NONCE_KEY_LEN];
	struct hmmpd_nc *nc;			/* heap */

	/* rtnetlink: requests, and the watch */
	struct nl_sock *rt, *rtw;
	sd_event_source *rtw_src;

	struct hmmpd_mobile *mob;
	struct hmmpd_ob *ob;			/* obd.h: SIP Outbound */
	struct hmmpd_msctp *msctp;		/* msctp.h; NULL: [sctp] off */
};

/*
 * Load the configuration and the secrets (path NULL: the default).
 * Returns 0, or -1 with the reason logged ("FILE:LINE: reason").
 */
int hmmpd_load(struct hmmpd *d, const char *path);
/* Open everything on d->ev and start. 0, or -1 (logged). */
int hmmpd_start(struct hmmpd *d);
/* SIGHUP: load again; on any error keep what runs. */
void hmmpd_reload(struct hmmpd *d);
/* Close everything (safe on a half-started d). */
void hmmpd_stop(struct hmmpd *d);

/* hmmp.ko is there and resynced. */
static inline bool hmmpd_kernel_up(const struct hmmpd *d)
{
	return d->up;
}

/* After a failed request on d->cmd: reopen it unless the kernel answered. */
void hmmpd_cmd_failed(struct hmmpd *d);

/* Seconds on CLOCK_BOOTTIME, for nonces. */
uint64_t hmmpd_now_s(void);
/* Microseconds on CLOCK_MONOTONIC (sd-event's clock). */
uint64_t hmmpd_now_us(struct hmmpd *d);

/* uas.c: the SIP request handler (a sip_request_fn; data is d). */
void hmmpd_uas_request(struct sip *sip, const osip_message_t *req,
		       const struct sip_addr *src, enum sip_transport tp,
		       void *data);
/*
 * uas.c: the request's origin for the policy. From src (the transport's
 * source) unless req came from [outbound] edge's address and port, i.e.
 * over this host's Outbound flow: then the proxies this host registers
 * through (the edge, the registrar) relayed it and the origin is taken
 * from the Vias (hmmpd_policy_origin). 0: *origin = src->addr; 1:
 * relayed, *origin from the Vias; -1: relayed, no origin in the Vias.
 */
int hmmpd_uas_origin(const struct hmmpd_conf *conf, const osip_message_t *req,
		     const struct sip_addr *src, uint32_t *origin);

/* mobile.c */
int hmmpd_mobile_start(struct hmmpd *d);
void hmmpd_mobile_stop(struct hmmpd *d);
/* The kernel came (back): nothing to do unless a hand-off waited for it. */
void hmmpd_mobile_kernel_up(struct hmmpd *d);
/* The configuration changed (SIGHUP). */
void hmmpd_mobile_reconfigured(struct hmmpd *d);
/* REGISTER now (the Outbound flow failed). */
void hmmpd_mobile_register_now(struct hmmpd *d);

#endif /* HMMPD_DAEMON_H */
