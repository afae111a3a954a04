// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP (msctp.h, docs/msctp.md): the daemon's entry points, start
 * and stop, the hand-off and the net change; the jobs are in the other
 * files of the folder (msctp-int.h lists them).
 *
 * Each registered association is a duplicate of an application's
 * connected one-to-one SCTP socket (ctl.c), or one of hmmpd's own SIP
 * associations (sipsctp.c). On a hand-off from OLD to NEW (asconf.c):
 *
 *  1. NEW is added with sctp_bindx (SCTP_SOCKOPT_BINDX_ADD): the kernel
 *     sends ASCONF(Add IP) to the peer; sockets bound to the wildcard with
 *     automatic ASCONF are left to the kernel, which adds the address by
 *     itself;
 *  2. the primary is changed (SCTP_SET_PEER_PRIMARY_ADDR: ASCONF(Set
 *     Primary Address) asks the peer to send to NEW) under the socket's
 *     rule: (a) "ack" as soon as the raw socket sees the ASCONF-ACK that
 *     confirms NEW, at most once per damping_ms (a change wanted earlier
 *     waits, and is dropped if no longer wanted by then); (b) "link" when
 *     NEW's interface is up and its quality (hmmpctl sctp link, or the
 *     link_quality file) reaches the threshold; (c) "upper" only on
 *     request (hmmpctl sctp primary, or the control socket);
 *  3. an address of the association that has left the host is deleted
 *     (SCTP_SOCKOPT_BINDX_REM: ASCONF(Delete IP)) once another one is
 *     confirmed (hmmpd_msctp_net, after the debounce).
 *
 * ASCONFs of one association are serialized by the kernel, so their ACKs
 * come back in the order hmmpd asked; each request waits in a small queue
 * for its ACK, confirm_ms at most: after that the peer is taken as
 * unreachable at every address it has (both ends moved at once), which is
 * logged, told on the application's channel, and the peer's registrar
 * asked where it is now (locate.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/log.h"
#include "msctp.h"
#include "msctp-int.h"
#include "sip/sip.h"

#define SYSCTL_DIR	"/proc/sys/net/sctp"

int hmmpd_msctp_start(struct hmmpd *d, struct hmmpd_msctp **out)
{
	const struct hmmpd_sctp_conf *c = hmmpd_conf_feature(d->conf, &hmmpd_feature_msctp);
	struct hmmpd_msctp *ms;
	char msg[512];
	int r, fd;

	if (d->sip)
		sip_set_sctp_handler(d->sip, msctp_on_sip_sctp, d);
	if (!c->enable)
		return 0;
	ms = calloc(1, sizeof(*ms));
	if (!ms) {
		hmmpd_log(LOG_ERR, "out of memory");
		return -1;
	}
	ms->d = d;
	ms->lfd = ms->raw = -1;
	*out = ms;	/* from here on, stop() cleans up */
	/* an SCTP socket loads the module, and makes net.sctp.* appear */
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0)
		hmmpd_log(LOG_WARNING, "sctp: this kernel has no SCTP (%s): nothing to hand over until it has (modprobe sctp)",
			  strerror(errno));
	else
		close(fd);
	r = hmmpd_sctp_sysctl(SYSCTL_DIR, c->sysctl_setup, msg, sizeof(msg));
	ms->addip = r == 1;
	hmmpd_log(r == 1 ? LOG_INFO : LOG_WARNING, "sctp: %s", msg);
	ms->raw = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (ms->raw < 0) {
		hmmpd_log(LOG_WARNING, "sctp: no raw SCTP socket (%s: CAP_NET_RAW?): ASCONF-ACKs unseen: rule ack asks for the primary right after the add (the kernel sends it once the add is acknowledged), and a peer that does not answer goes unreported",
			  strerror(errno));
	} else {
		r = sd_event_add_io(d->ev, &ms->rsrc, ms->raw, EPOLLIN, msctp_on_raw, ms);
		if (r < 0) {
			hmmpd_log(LOG_ERR, "sctp: sd_event_add_io: %s", strerror(-r));
			return -1;
		}
	}
	r = msctp_listen_open(ms);
	if (r) {
		hmmpd_log(LOG_ERR, "sctp: control socket %s: %s", c->socket, strerror(-r));
		return -1;
	}
	r = sd_event_add_io(d->ev, &ms->lsrc, ms->lfd, EPOLLIN, msctp_on_accept, ms);
	if (r < 0) {
		hmmpd_log(LOG_ERR, "sctp: sd_event_add_io: %s", strerror(-r));
		return -1;
	}
	if (c->link_quality[0] && msctp_arm(ms, &ms->qpoll, 0, msctp_on_qpoll, ms) < 0)
		return -1;
	hmmpd_log(LOG_INFO, "sctp: control socket %s; rule %s, damping %u ms, ASCONF-ACK awaited %u ms",
		  c->socket, hmmpd_sctp_rule_name(c->rule), c->damping_ms, c->confirm_ms);
	return 0;
}

void hmmpd_msctp_stop(struct hmmpd *d, struct hmmpd_msctp *ms)
{
	(void)d;
	if (!ms)
		return;
	while (ms->clients)
		msctp_client_free(ms->clients);
	while (ms->assocs)
		msctp_assoc_free(ms->assocs, "hmmpd stops");
	/* sip_free(), later, drops their transactions without a callback */
	while (ms->locates)
		msctp_locate_free(ms->locates);
	sd_event_source_disable_unref(ms->lsrc);
	sd_event_source_disable_unref(ms->rsrc);
	sd_event_source_disable_unref(ms->qpoll);
	if (ms->lfd >= 0) {
		close(ms->lfd);
		if (ms->path[0] == '/')
			unlink(ms->path);
	}
	if (ms->raw >= 0)
		close(ms->raw);
	free(ms);
}

/* ---- hand-off and net change ------------------------------------------- */

void hmmpd_msctp_handoff(struct hmmpd_msctp *ms, uint32_t old_addr,
			 uint32_t new_addr)
{
	struct assoc *a, *next;

	if (!ms)
		return;
	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if (!msctp_assoc_gone(a))
			msctp_handoff_one(a, old_addr, new_addr);
	}
	msctp_eval_link_all(ms);
}

void hmmpd_msctp_net(struct hmmpd_msctp *ms, const struct hmmpd_netstate *st)
{
	struct assoc *a, *next;

	if (!ms)
		return;
	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if (msctp_assoc_gone(a))
			continue;
		msctp_assoc_refresh(a);
		msctp_delete_gone(a, st);
		msctp_eval_link(a, st);
	}
}

