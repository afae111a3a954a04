// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP's registered associations (msctp-int.h): their addresses
 * and state as the kernel has them, the events written on their
 * channel, freeing them (on the end of the association, of the channel,
 * of the process), and the one-shot timers they and the rest use.
 */
#include <errno.h>
#include <stdarg.h>
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
#include "msctp-int.h"

/* The IPv4 addresses of a getaddrs answer. */
static unsigned int addrs_of(int fd, int opt, uint32_t *out)
{
	union {
		struct sctp_getaddrs ga;
		uint8_t buf[sizeof(struct sctp_getaddrs) + 64 * 28];
	} u;
	socklen_t len = sizeof(u);
	unsigned int i, n = 0;
	uint8_t *p;

	memset(&u, 0, sizeof(u));
	/*
	 * Not 0: a one-to-one socket's association (any id will do), whose
	 * addresses are what the peer knows: with 0, the local ones are the
	 * endpoint's, for a wildcard socket every address of the host.
	 */
	u.ga.assoc_id = 1;
	if (getsockopt(fd, SOL_SCTP, opt, &u, &len))
		return 0;
	p = u.ga.addrs;
	for (i = 0; i < u.ga.addr_num && p < u.buf + len; i++) {
		struct sockaddr *sa = (struct sockaddr *)p;

		if (sa->sa_family == AF_INET) {
			struct sockaddr_in sin;

			memcpy(&sin, p, sizeof(sin));
			if (n < MAX_ADDRS)
				out[n++] = sin.sin_addr.s_addr;
			p += sizeof(struct sockaddr_in);
		} else {
			p += sizeof(struct sockaddr_in6);
		}
	}
	return n;
}

int msctp_assoc_state(int fd)
{
	struct sctp_status st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (getsockopt(fd, SOL_SCTP, SCTP_STATUS, &st, &len))
		return -errno;
	return st.sstat_state;
}

void msctp_assoc_refresh(struct assoc *a)
{
	a->nlocal = addrs_of(a->fd, SCTP_GET_LOCAL_ADDRS, a->local);
	a->npeer = addrs_of(a->fd, SCTP_GET_PEER_ADDRS, a->peer);
}

const char *msctp_state_name(int s)
{
	switch (s) {
	case SCTP_ESTABLISHED: return "established";
	case SCTP_CLOSED: return "closed";
	case SCTP_COOKIE_WAIT: return "cookie-wait";
	case SCTP_COOKIE_ECHOED: return "cookie-echoed";
	case SCTP_SHUTDOWN_PENDING: return "shutdown-pending";
	case SCTP_SHUTDOWN_SENT: return "shutdown-sent";
	case SCTP_SHUTDOWN_RECEIVED: return "shutdown-received";
	case SCTP_SHUTDOWN_ACK_SENT: return "shutdown-ack-sent";
	default: return "none";
	}
}

/* An event on the application's channel, if it has one. */
void msctp_tell(struct assoc *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!a->ch)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		send(a->ch->fd, buf, strnlen(buf, sizeof(buf)),
		     MSG_NOSIGNAL | MSG_DONTWAIT);
}

void msctp_assoc_free(struct assoc *a, const char *why)
{
	struct hmmpd_msctp *ms = a->ms;
	struct assoc **pp;

	for (pp = &ms->assocs; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	ms->nassocs--;
	hmmpd_log(LOG_INFO, "sctp: association %u (%s) unregistered: %s", a->id,
		  a->name, why);
	sd_event_source_disable_unref(a->damp);
	sd_event_source_disable_unref(a->confirm);
	sd_event_source_disable_unref(a->psrc);
	if (a->pidfd >= 0)
		close(a->pidfd);
	close(a->fd);
	free(a);
}

/* Drop an association that has ended; true when it did. */
bool msctp_assoc_gone(struct assoc *a)
{
	int s = msctp_assoc_state(a->fd);

	if (s == SCTP_ESTABLISHED || s == SCTP_SHUTDOWN_PENDING)
		return false;
	msctp_assoc_free(a, s < 0 ? strerror(-s) : msctp_state_name(s));
	return true;
}

int msctp_arm(struct hmmpd_msctp *ms, sd_event_source **src, uint64_t in_us,
	      sd_event_time_handler_t fn, void *arg)
{
	return hmmpd_timer_arm(ms->d, src, in_us, fn, arg);
}

struct assoc *msctp_assoc_by_id(struct hmmpd_msctp *ms, unsigned int id)
{
	struct assoc *a;

	for (a = ms->assocs; a; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}
