/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the daemon's state, all on one sd-event loop (docs/architecture.md).
 *
 *   daemon.c   start, stop, reload; following hmmp.ko's generic netlink
 *              family (waits for it, resyncs, logs its events); the SIP
 *              core's requests handed to the features
 *   watch.c    the address/route watcher: debounce, attachment, hand-off
 *   feature.c  the feature table and its events (feature.h)
 *
 * The roles and protocols are features (features/), which the core calls
 * through feature.h and which keep their own state.
 *
 * Nothing here is thread-safe: there is one thread.
 */
#ifndef HMMPD_DAEMON_H
#define HMMPD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "config.h"
#include "feature.h"
#include "net.h"
#include "nl.h"
#include "sip/auth.h"
#include "sip/digest.h"
#include "sip/sip.h"

#define HMMPD_NONCE_KEY_LEN	32

struct nl_sock;

/* The address/route watcher's view (watch.c). */
struct hmmpd_watch {
	sd_event_source *debounce;
	bool known, attached;
	struct hmmpd_attach cur;	/* valid when attached */
	uint64_t change_us;		/* first change not looked at yet */
	unsigned int gen;		/* hand-offs so far */
};

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
	struct hmmpd_watch watch;

	/* features (feature.h): their states, by index in the table */
	void *fstate[HMMPD_FEATURES_MAX];
	size_t nstarted;
	/* hmmpd_core_set_edge(): the hop this host registers through */
	struct sip_addr edge;
	bool have_edge;
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

/*
 * A one-shot timer on d's loop, in_us from now: *src created on first use,
 * then moved. Returns sd-event's result (< 0 logged).
 */
int hmmpd_timer_arm(struct hmmpd *d, sd_event_source **src, uint64_t in_us,
		    sd_event_time_handler_t fn, void *arg);
void hmmpd_timer_disarm(sd_event_source *src);

/* watch.c: open the rtnetlink watch and look where we are (no hand-off). */
int hmmpd_watch_start(struct hmmpd *d);
void hmmpd_watch_stop(struct hmmpd *d);
/* Look again after the debounce (what: why, for the log). */
void hmmpd_watch_poke(struct hmmpd *d, const char *what);
/* The attachment now, or NULL when detached or not known yet. */
const struct hmmpd_attach *hmmpd_watch_cur(const struct hmmpd *d);

#endif /* HMMPD_DAEMON_H */
