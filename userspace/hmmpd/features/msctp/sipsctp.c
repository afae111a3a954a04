// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP for hmmpd's own SIP over SCTP (sip/sip.h, RFC 4168): each
 * association of sip.c is registered when it comes up (a duplicate of its
 * socket, rule from [sctp] rule, no channel) and dropped when sip.c
 * closes it, so the daemon's signalling hands over like an application's
 * association.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/sctp.h>

#include "core/daemon.h"
#include "core/log.h"
#include "msctp.h"
#include "msctp-int.h"
#include "sip/sip.h"
#include "util.h"

/* sip.h's sctp handler: fd the socket of f coming up, or -1: it went away. */
void msctp_on_sip_sctp(struct sip *sip, const struct sip_flow *f, int fd,
		       void *data)
{
	struct hmmpd *d = data;
	struct hmmpd_msctp *ms = hmmpd_feature_state(d, &hmmpd_feature_msctp);
	struct sctp_assoc_value av = { 0 };
	char ip[HMMP_ADDRSTRLEN];
	socklen_t len = sizeof(av);
	struct assoc *a;
	int dfd;

	(void)sip;
	ip_s(f->peer.addr, ip);
	if (fd < 0) {
		for (a = ms ? ms->assocs : NULL; a; a = a->next) {
			if (a->sip_conn == f->conn_id) {
				msctp_assoc_free(a, "its SIP connection closed");
				return;
			}
		}
		return;
	}
	if (!ms) {
		hmmpd_log(LOG_INFO, "sctp: SIP association to %s:%u not handed over: [sctp] enable = no",
			  ip, f->peer.port);
		return;
	}
	if (getsockopt(fd, SOL_SCTP, SCTP_ASCONF_SUPPORTED, &av, &len) ||
	    !av.assoc_value) {
		hmmpd_log(LOG_WARNING, "sctp: SIP association to %s:%u cannot hand over: %s; it stays on its present path",
			  ip, f->peer.port, ms->addip ?
			  "the peer does not do ADDIP (ASCONF with AUTH)" :
			  "this host's net.sctp.addip_enable/auth_enable are off");
		return;
	}
	if (ms->nassocs >= MAX_ASSOCS) {
		hmmpd_log(LOG_WARNING, "sctp: SIP association to %s:%u not handed over: %u associations registered already",
			  ip, f->peer.port, MAX_ASSOCS);
		return;
	}
	a = calloc(1, sizeof(*a));
	dfd = a ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
	if (dfd < 0) {
		hmmpd_log(LOG_ERR, "sctp: SIP association to %s:%u not handed over: %s",
			  ip, f->peer.port, a ? strerror(errno) : "out of memory");
		free(a);
		return;
	}
	a->ms = ms;
	a->fd = dfd;
	a->pidfd = -1;
	a->sip_conn = f->conn_id;
	a->last_ms = -1;
	a->last = "none";
	a->rule = conf(ms)->rule;
	a->uid = getuid();
	snprintf(a->name, sizeof(a->name), "hmmpd-sip");
	a->lport = f->local.port;
	a->pport = f->peer.port;
	msctp_assoc_refresh(a);
	a->id = ++ms->next_id;
	a->primary = a->nlocal ? a->local[0] : 0;
	a->next = ms->assocs;
	ms->assocs = a;
	ms->nassocs++;
	hmmpd_log(LOG_INFO, "sctp: association %u (%s) registered: SIP to %s:%u, port %u, %u local and %u peer addresses, rule %s",
		  a->id, a->name, ip, f->peer.port, a->lport, a->nlocal, a->npeer,
		  hmmpd_sctp_rule_name(a->rule));
}
