/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: mSCTP's private header, included only by the .c files of
 * features/msctp/; the rest of the daemon sees msctp.h alone.
 *
 * The shared state (struct hmmpd_msctp: one per daemon, the feature's state (feature.c), NULL
 * when [sctp] enable = no) and the functions one file of the folder
 * calls in another:
 *
 *   msctp.c    start, stop; the hand-off and net entry points
 *   conf.c     [sctp] keys, rule names, the sysctls
 *   assoc.c    the registered associations: addresses, state, events on
 *              their channel, freeing, timers
 *   asconf.c   ASCONF requests (add, delete, set-primary), the raw
 *              socket and its parser, the ACKs and their timeout, the
 *              rules and damping
 *   locate.c   finding a peer that moved through its registrar
 *   ctl.c      the control socket: registrations, hmmpctl's requests
 *   sipsctp.c  hmmpd's own SIP-over-SCTP associations
 *
 * Ownership: an assoc owns its fd (a duplicate of the application's
 * socket) and pidfd; a client owns its fd, and its associations go with
 * it (msctp_client_free). All on the one sd-event thread: no locking.
 */
#ifndef HMMPD_MSCTP_INT_H
#define HMMPD_MSCTP_INT_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "core/daemon.h"
#include "msctp.h"
#include "sip/sip.h"
#include "util.h"

#ifndef SOL_SCTP
#define SOL_SCTP	132
#endif

#define MAX_ASSOCS	256
#define MAX_ADDRS	8
#define MAX_PENDING	8
#define MAX_QUALITY	16

/* ---- the state --------------------------------------------------------- */

enum op { OP_ADD, OP_DEL, OP_PRIM };

/* An ASCONF asked for, waiting for its ACK. */
struct pending {
	enum op op;
	uint32_t addr;		/* be32 */
	uint64_t at_us;
};

struct client;
struct locate;			/* locate.c */

struct assoc {
	struct assoc *next;
	struct hmmpd_msctp *ms;
	struct client *ch;	/* NULL: detached, lives with a process */
	unsigned int id;
	int fd;
	int pidfd;		/* detached: the process it lives with */
	uint64_t sip_conn;	/* hmmpd's own SIP association (sip.h) */
	sd_event_source *psrc;
	uid_t uid;
	char name[32];
	enum hmmpd_sctp_rule rule;
	bool wildcard;		/* bound to any, automatic ASCONF */
	bool unreachable;
	uint16_t lport, pport;	/* host order */
	uint32_t local[MAX_ADDRS], peer[MAX_ADDRS];
	unsigned int nlocal, npeer;
	uint32_t primary;	/* ours the peer sends to, as asked; 0: unknown */
	uint32_t target;	/* the address of the latest hand-off */
	uint32_t want;		/* a primary change waiting for damping */
	uint64_t last_change_us, handoff_us;
	sd_event_source *damp, *confirm;
	struct pending q[MAX_PENDING];
	unsigned int nq;
	unsigned int handovers, changes, damped;
	int64_t last_ms;	/* hand-off -> primary confirmed; -1: none */
	const char *last;	/* how the last hand-over stands */
};

/* A connection to the control socket (an application's channel). */
struct client {
	struct client *next;
	struct hmmpd_msctp *ms;
	int fd;
	uid_t uid;
	sd_event_source *src;
};

struct quality {
	char ifname[IFNAMSIZ];
	int q;
};

struct hmmpd_msctp {
	struct hmmpd *d;
	int lfd, raw;
	sd_event_source *lsrc, *rsrc, *qpoll;
	struct client *clients;
	struct assoc *assocs;
	unsigned int nassocs, next_id;
	bool addip;		/* the sysctls allow ADDIP */
	struct quality quality[MAX_QUALITY];	/* hmmpctl sctp link */
	unsigned int nquality;
	char qtext[1024];	/* the link_quality file, as last read */
	char path[HMMPD_SCTP_PATH_MAX];	/* of the control socket */
	struct locate *locates;		/* registrar queries in flight */
};

static inline const struct hmmpd_sctp_conf *conf(struct hmmpd_msctp *ms)
{
	return hmmpd_conf_feature(ms->d->conf, &hmmpd_feature_msctp);
}

static inline const char *ip_s(uint32_t a, char buf[HMMP_ADDRSTRLEN])
{
	return hmmp_addr_format(a, buf);
}

static inline bool has(const uint32_t *v, unsigned int n, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i] == a)
			return true;
	return false;
}

static inline void sin_of(struct sockaddr_in *sin, uint32_t addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	sin->sin_port = htons(port);
}

/* ---- assoc.c ----------------------------------------------------------- */

/* SCTP_STATUS's sstat_state, or -errno. */
int msctp_assoc_state(int fd);
const char *msctp_state_name(int s);
/* Reads the association's local and peer addresses again. */
void msctp_assoc_refresh(struct assoc *a);
/* An event on the application's channel, if it has one. */
void msctp_tell(struct assoc *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Unlinks and frees a, logging why; closes its fd and pidfd. */
void msctp_assoc_free(struct assoc *a, const char *why);
/* Frees an association that has ended; true when it did. */
bool msctp_assoc_gone(struct assoc *a);
/* (Re)arms the one-shot timer *src in_us from now; 0, or -errno logged. */
int msctp_arm(struct hmmpd_msctp *ms, sd_event_source **src, uint64_t in_us,
	      sd_event_time_handler_t fn, void *arg);
struct assoc *msctp_assoc_by_id(struct hmmpd_msctp *ms, unsigned int id);

/* ---- asconf.c ---------------------------------------------------------- */

/* Asks the peer to make addr primary now; 0, or -errno logged. */
int msctp_set_primary(struct assoc *a, uint32_t addr, const char *why);
/* Rule (b) for a, or for every association (reads the links). */
void msctp_eval_link(struct assoc *a, const struct hmmpd_netstate *st);
void msctp_eval_link_all(struct hmmpd_msctp *ms);
/* Hand-off step 1 (add) and the primary by rule, for one association. */
void msctp_handoff_one(struct assoc *a, uint32_t old_addr, uint32_t new_addr);
/* Hand-off step 3: deletes the addresses that left the host. */
void msctp_delete_gone(struct assoc *a, const struct hmmpd_netstate *st);
/* sd-event handlers: the raw socket; the link_quality file's poll. */
int msctp_on_raw(sd_event_source *s, int fd, uint32_t revents, void *arg);
int msctp_on_qpoll(sd_event_source *s, uint64_t usec, void *arg);

/* ---- locate.c ---------------------------------------------------------- */

/* Asks the registrar where the peer of a is now (after unreachable). */
void msctp_locate(struct assoc *a);
void msctp_locate_free(struct locate *l);

/* ---- ctl.c ------------------------------------------------------------- */

/* Binds and listens on conf's socket (ms->lfd); 0 or -errno. */
int msctp_listen_open(struct hmmpd_msctp *ms);
int msctp_on_accept(sd_event_source *s, int fd, uint32_t revents, void *arg);
/* Closes a client and the associations registered through it. */
void msctp_client_free(struct client *c);

/* ---- sipsctp.c --------------------------------------------------------- */

/* sip.h's SCTP handler: data is the struct hmmpd. */
void msctp_on_sip_sctp(struct sip *sip, const struct sip_flow *f, int fd,
		       void *data);

#endif /* HMMPD_MSCTP_INT_H */
