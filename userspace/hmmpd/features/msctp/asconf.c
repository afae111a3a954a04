// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP's ASCONFs (msctp-int.h, docs/msctp.md "What hmmpd does on
 * a hand-off"):
 *
 *   - the requests: add (sctp_bindx ADD), delete (BINDX_REM) and
 *     set-primary (SCTP_SET_PEER_PRIMARY_ADDR), each queued for its ACK;
 *   - the rules that change the primary: (a) "ack" with damping, (b)
 *     "link" with the link quality (hmmpctl sctp link, the link_quality
 *     file); (c) "upper" is only msctp_set_primary on request (ctl.c);
 *   - the raw IPPROTO_SCTP socket, its packet parser, the ASCONF-ACKs
 *     matched to the queue, and the confirm_ms timeout that makes the
 *     peer unreachable (then locate.c asks its registrar);
 *   - the hand-off's steps for one association: add, primary, delete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/sctp.h>

#include "core/daemon.h"
#include "core/log.h"
#include "core/net.h"
#include "msctp.h"
#include "msctp-int.h"
#include "util.h"

#define QUALITY_POLL_MS	250

static const char *const op_names[] = { "add", "delete", "set-primary" };

/* ---- packets ----------------------------------------------------------- */

#define CH_ABORT	6
#define CH_ERROR	9
#define CH_ASCONF_ACK	0x80
#define P_ERR_CAUSE	0xC003
#define CAUSE_UNRECOGNIZED_CHUNK 6

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void parse_ack(const uint8_t *c, size_t clen, struct hmmpd_sctp_pkt *p)
{
	size_t off = 8;		/* chunk header, serial number */

	p->nack++;
	while (off + 4 <= clen) {
		uint16_t type = get16(c + off), plen = get16(c + off + 2);

		if (plen < 4 || off + plen > clen)
			break;
		/* crr id, then causes: code, length */
		if (type == P_ERR_CAUSE && plen >= 12) {
			if (!p->nerr)
				p->cause = get16(c + off + 8);
			p->nerr++;
		}
		off += ((size_t)plen + 3) & ~(size_t)3;
	}
}

int hmmpd_sctp_parse(const uint8_t *buf, size_t len, struct hmmpd_sctp_pkt *p)
{
	size_t ihl, tot, off;

	memset(p, 0, sizeof(*p));
	if (len < 20 || buf[0] >> 4 != 4 || buf[9] != IPPROTO_SCTP)
		return -1;
	ihl = (size_t)(buf[0] & 0xf) * 4;
	tot = get16(buf + 2);
	if (ihl < 20 || tot < ihl + 12 || tot > len)
		return -1;
	if (get16(buf + 6) & 0x3fff)	/* a fragment: the kernel reassembles */
		return -1;
	memcpy(&p->saddr, buf + 12, 4);
	memcpy(&p->daddr, buf + 16, 4);
	buf += ihl;
	len = tot - ihl;
	p->sport = get16(buf);
	p->dport = get16(buf + 2);
	p->vtag = get32(buf + 4);
	for (off = 12; off + 4 <= len;) {
		uint8_t type = buf[off];
		uint16_t clen = get16(buf + off + 2);

		if (clen < 4 || off + clen > len)
			return -1;
		if (type == CH_ASCONF_ACK && clen >= 8)
			parse_ack(buf + off, clen, p);
		else if (type == CH_ABORT)
			p->abort = true;
		else if (type == CH_ERROR && clen >= 8 &&
			 get16(buf + off + 4) == CAUSE_UNRECOGNIZED_CHUNK)
			p->unrecognized = true;
		off += ((size_t)clen + 3) & ~(size_t)3;
	}
	return 0;
}

/* ---- requests ---------------------------------------------------------- */

static int on_confirm_timer(sd_event_source *s, uint64_t usec, void *arg);

static void push(struct assoc *a, enum op op, uint32_t addr)
{
	struct hmmpd_msctp *ms = a->ms;

	if (a->nq == MAX_PENDING) {
		memmove(a->q, a->q + 1, (MAX_PENDING - 1) * sizeof(a->q[0]));
		a->nq--;
	}
	a->q[a->nq++] = (struct pending){ op, addr, hmmpd_now_us(ms->d) };
	if (a->nq == 1 && ms->raw >= 0)
		msctp_arm(ms, &a->confirm, conf(ms)->confirm_ms * 1000ULL,
			  on_confirm_timer, a);
}

static const char *errno_hint(int e)
{
	switch (e) {
	case EPERM:
		return ": the peer does not do ADDIP, or refused it before";
	case EADDRNOTAVAIL:
		return ": not an address of the association";
	case ENOTCONN:
		return ": the association is not established";
	default:
		return "";
	}
}

int msctp_set_primary(struct assoc *a, uint32_t addr, const char *why)
{
	struct sctp_setpeerprim sp;
	struct sockaddr_in sin;
	char ip[HMMP_ADDRSTRLEN];

	memset(&sp, 0, sizeof(sp));
	sin_of(&sin, addr, a->lport);
	memcpy(&sp.sspp_addr, &sin, sizeof(sin));
	a->want = 0;
	if (setsockopt(a->fd, SOL_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, &sp,
		       sizeof(sp))) {
		int e = errno;

		hmmpd_log(LOG_ERR, "sctp: association %u (%s): cannot ask the peer to make %s primary: %s%s",
			  a->id, a->name, ip_s(addr, ip), strerror(e), errno_hint(e));
		a->last = "set-primary-failed";
		return -e;
	}
	a->last_change_us = hmmpd_now_us(a->ms->d);
	hmmpd_log(LOG_INFO, "sctp: association %u (%s): set-primary %s sent (rule %s: %s)",
		  a->id, a->name, ip_s(addr, ip), hmmpd_sctp_rule_name(a->rule), why);
	a->last = "set-primary-sent";
	if (a->ms->raw >= 0) {
		push(a, OP_PRIM, addr);
	} else {
		/* no raw socket: no ACK to wait for */
		a->primary = addr;
		a->changes++;
	}
	return 0;
}

/* ---- rule (a): damping ------------------------------------------------- */

uint64_t hmmpd_sctp_damp(uint64_t now_us, uint64_t last_us, uint32_t damping_ms)
{
	uint64_t until = last_us + (uint64_t)damping_ms * 1000;

	if (!last_us || now_us >= until)
		return 0;
	return until - now_us;
}

static int on_damp(sd_event_source *s, uint64_t usec, void *arg)
{
	struct assoc *a = arg;

	(void)s;
	(void)usec;
	if (msctp_assoc_gone(a))
		return 0;
	msctp_assoc_refresh(a);
	if (a->want && a->want != a->primary && has(a->local, a->nlocal, a->want))
		msctp_set_primary(a, a->want, "damping over");
	a->want = 0;
	return 0;
}

/* Make addr the primary: at once, or once damping allows (rule a). */
static void want_primary(struct assoc *a, uint32_t addr, bool damped,
			 const char *why)
{
	struct hmmpd_msctp *ms = a->ms;
	char ip[HMMP_ADDRSTRLEN];
	uint64_t wait;
	unsigned int i;

	for (i = 0; i < a->nq; i++)
		if (a->q[i].op == OP_PRIM)
			break;
	if (addr == a->primary && i == a->nq) {
		a->want = 0;
		return;
	}
	wait = damped ? hmmpd_sctp_damp(hmmpd_now_us(ms->d), a->last_change_us,
					conf(ms)->damping_ms) : 0;
	if (!wait) {
		msctp_set_primary(a, addr, why);
		return;
	}
	if (a->want != addr) {
		a->damped++;
		hmmpd_log(LOG_INFO, "sctp: association %u (%s): damping: primary %s waits %llu ms (the last change was %llu ms ago)",
			  a->id, a->name, ip_s(addr, ip),
			  (unsigned long long)(wait / 1000),
			  (unsigned long long)((hmmpd_now_us(ms->d) - a->last_change_us) / 1000));
	}
	a->want = addr;
	msctp_arm(ms, &a->damp, wait, on_damp, a);
}

/* ---- rule (b): link up, quality over the threshold --------------------- */

int hmmpd_sctp_quality_in(const char *text, const char *ifname)
{
	const char *p = text;

	while (*p) {
		char name[IFNAMSIZ + 1];
		unsigned int q;
		int n = 0;

		if (sscanf(p, " %16s %u%n", name, &q, &n) == 2 && n > 0 &&
		    name[0] != '#' && !strcmp(name, ifname))
			return q > 100 ? 100 : (int)q;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return -1;
}

static int quality_of(struct hmmpd_msctp *ms, const char *ifname)
{
	unsigned int i;

	for (i = 0; i < ms->nquality; i++)
		if (!strcmp(ms->quality[i].ifname, ifname))
			return ms->quality[i].q;
	return hmmpd_sctp_quality_in(ms->qtext, ifname);
}

/* Rule (b): the target's link up, its quality over the threshold. */
void msctp_eval_link(struct assoc *a, const struct hmmpd_netstate *st)
{
	const struct hmmpd_link *l = NULL;
	char ip[HMMP_ADDRSTRLEN], why[96];
	size_t i;
	int q;

	if (a->rule != HMMPD_SCTP_LINK || !a->target || a->target == a->primary ||
	    !has(a->local, a->nlocal, a->target))
		return;
	for (i = 0; i < st->naddrs; i++)
		if (st->addrs[i].addr == a->target && !st->addrs[i].loopback)
			l = hmmpd_net_link(st, st->addrs[i].ifindex);
	if (!l || !l->up)
		return;
	q = quality_of(a->ms, l->name);
	if (q < (int)conf(a->ms)->quality_threshold) {
		hmmpd_log(LOG_DEBUG, "sctp: association %u: %s on %s: quality %d under %u",
			  a->id, ip_s(a->target, ip), l->name, q,
			  conf(a->ms)->quality_threshold);
		return;
	}
	snprintf(why, sizeof(why), "%s up, quality %d >= %u", l->name, q,
		 conf(a->ms)->quality_threshold);
	want_primary(a, a->target, false, why);
}

void msctp_eval_link_all(struct hmmpd_msctp *ms)
{
	struct hmmpd_netstate st;
	struct assoc *a;

	for (a = ms->assocs; a; a = a->next)
		if (a->rule == HMMPD_SCTP_LINK)
			break;
	if (!a || hmmpd_net_read(ms->d->rt, &st))
		return;
	for (a = ms->assocs; a; a = a->next) {
		msctp_assoc_refresh(a);
		msctp_eval_link(a, &st);
	}
	hmmpd_net_free(&st);
}

/* The link_quality file, read every QUALITY_POLL_MS; a change: rule (b). */
int msctp_on_qpoll(sd_event_source *s, uint64_t usec, void *arg)
{
	struct hmmpd_msctp *ms = arg;
	char buf[sizeof(ms->qtext)];
	ssize_t n = 0;
	int fd;

	(void)s;
	(void)usec;
	fd = open(conf(ms)->link_quality, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	if (strcmp(buf, ms->qtext)) {
		memcpy(ms->qtext, buf, sizeof(buf));
		hmmpd_log(LOG_INFO, "sctp: link quality file %s changed",
			  conf(ms)->link_quality);
		msctp_eval_link_all(ms);
	}
	msctp_arm(ms, &ms->qpoll, QUALITY_POLL_MS * 1000ULL, msctp_on_qpoll, ms);
	return 0;
}

/* ---- the ACKs, or none ------------------------------------------------- */

static void confirmed(struct assoc *a, const struct pending *p,
		      const struct hmmpd_sctp_pkt *pkt)
{
	struct hmmpd_msctp *ms = a->ms;
	char ip[HMMP_ADDRSTRLEN];
	uint64_t now = hmmpd_now_us(ms->d);

	if (pkt->nerr) {
		hmmpd_log(LOG_ERR, "sctp: association %u (%s): the peer refused %s %s (cause %u)",
			  a->id, a->name, op_names[p->op], ip_s(p->addr, ip), pkt->cause);
		a->last = "refused";
		msctp_tell(a, "event refused id=%u op=%s addr=%s cause=%u",
			   a->id, op_names[p->op], ip, pkt->cause);
		return;
	}
	hmmpd_log(LOG_INFO, "sctp: association %u (%s): ASCONF-ACK: %s %s confirmed in %llu ms",
		  a->id, a->name, op_names[p->op], ip_s(p->addr, ip),
		  (unsigned long long)((now - p->at_us) / 1000));
	switch (p->op) {
	case OP_ADD:
		a->last = "added";
		if (a->rule == HMMPD_SCTP_ACK && p->addr == a->target)
			want_primary(a, p->addr, true, "ASCONF-ACK of the add");
		else if (a->rule == HMMPD_SCTP_LINK)
			msctp_eval_link_all(ms);
		break;
	case OP_PRIM:
		a->primary = p->addr;
		a->changes++;
		a->last = "primary-confirmed";
		if (a->handoff_us && p->addr == a->target) {
			a->last_ms = (int64_t)((now - a->handoff_us) / 1000);
			hmmpd_log(LOG_INFO, "sctp: association %u (%s): hand-over to %s done: primary confirmed %lld ms after the hand-off",
				  a->id, a->name, ip, (long long)a->last_ms);
			msctp_tell(a, "event handover id=%u primary=%s ms=%lld",
				   a->id, ip, (long long)a->last_ms);
		}
		break;
	case OP_DEL:
		a->last = "old-deleted";
		break;
	}
}

static struct assoc *assoc_of_pkt(struct hmmpd_msctp *ms,
				  const struct hmmpd_sctp_pkt *p)
{
	struct assoc *a;

	for (a = ms->assocs; a; a = a->next)
		if (a->lport == p->dport && a->pport == p->sport &&
		    (has(a->peer, a->npeer, p->saddr) || !a->npeer))
			return a;
	return NULL;
}

static void on_packet(struct hmmpd_msctp *ms, const struct hmmpd_sctp_pkt *pkt)
{
	struct assoc *a = assoc_of_pkt(ms, pkt);
	char ip[HMMP_ADDRSTRLEN];
	unsigned int i;

	if (!a)
		return;
	if (pkt->unrecognized && a->nq)
		hmmpd_log(LOG_ERR, "sctp: association %u (%s): the peer %s does not know ASCONF (unrecognized chunk): it cannot hand over",
			  a->id, a->name, ip_s(pkt->saddr, ip));
	for (i = 0; i < pkt->nack; i++) {
		struct pending p;

		if (!a->nq) {
			/* the kernel's own ASCONF (automatic ASCONF) */
			msctp_assoc_refresh(a);
			hmmpd_log(LOG_INFO, "sctp: association %u (%s): ASCONF-ACK of the kernel's automatic ASCONF",
				  a->id, a->name);
			if (a->rule == HMMPD_SCTP_ACK && a->target &&
			    has(a->local, a->nlocal, a->target))
				want_primary(a, a->target, true,
					     "ASCONF-ACK after the automatic add");
			continue;
		}
		p = a->q[0];
		memmove(a->q, a->q + 1, (a->nq - 1) * sizeof(a->q[0]));
		a->nq--;
		/* an error belongs to the one request the ACK answers */
		confirmed(a, &p, pkt);
	}
	if (pkt->nack) {
		a->unreachable = false;
		if (a->nq)
			msctp_arm(ms, &a->confirm,
				  conf(ms)->confirm_ms * 1000ULL,
				  on_confirm_timer, a);
		else if (a->confirm)
			sd_event_source_set_enabled(a->confirm, SD_EVENT_OFF);
	}
}

static int on_confirm_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	struct assoc *a = arg;
	struct hmmpd_msctp *ms = a->ms;
	char ip[HMMP_ADDRSTRLEN], peers[MAX_ADDRS * HMMP_ADDRSTRLEN] = "";
	unsigned int i;

	(void)s;
	(void)usec;
	if (!a->nq)
		return 0;
	msctp_assoc_refresh(a);
	for (i = 0; i < a->npeer; i++) {
		size_t n = strlen(peers);

		snprintf(peers + n, sizeof(peers) - n, "%s%s", i ? "," : "",
			 ip_s(a->peer[i], ip));
	}
	hmmpd_log(LOG_ERR, "sctp: association %u (%s): no ASCONF-ACK from %s in %u ms after %s %s: the peer is unreachable at its addresses (did both ends move at once?): this association cannot hand over",
		  a->id, a->name, peers[0] ? peers : "the peer", conf(ms)->confirm_ms,
		  op_names[a->q[0].op], ip_s(a->q[0].addr, ip));
	msctp_tell(a, "event unreachable id=%u peer=%s op=%s addr=%s", a->id,
		   peers[0] ? peers : "-", op_names[a->q[0].op], ip);
	a->unreachable = true;
	a->last = "unreachable";
	a->nq = 0;
	msctp_locate(a);
	return 0;
}

int msctp_on_raw(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct hmmpd_msctp *ms = arg;
	uint8_t buf[2048];
	struct hmmpd_sctp_pkt pkt;
	ssize_t n;

	(void)s;
	(void)revents;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			break;
		if (!hmmpd_sctp_parse(buf, (size_t)n, &pkt) &&
		    (pkt.nack || pkt.abort || pkt.unrecognized))
			on_packet(ms, &pkt);
	}
	return 0;
}

/* ---- hand-off: add, primary, delete ------------------------------------ */

void msctp_handoff_one(struct assoc *a, uint32_t old_addr, uint32_t new_addr)
{
	struct hmmpd_msctp *ms = a->ms;
	char o[HMMP_ADDRSTRLEN], n[HMMP_ADDRSTRLEN];
	struct sockaddr_in sin;

	msctp_assoc_refresh(a);
	a->target = new_addr;
	a->handoff_us = hmmpd_now_us(ms->d);
	a->handovers++;
	a->last_ms = -1;
	a->last = "started";
	ip_s(old_addr, o);
	ip_s(new_addr, n);
	if (a->unreachable)
		hmmpd_log(LOG_WARNING, "sctp: association %u (%s): the peer did not answer the last ASCONF: trying again",
			  a->id, a->name);
	if (a->wildcard) {
		hmmpd_log(LOG_INFO, "sctp: association %u (%s): %s -> %s: bound to any address, the kernel adds and deletes addresses (automatic ASCONF); rule %s for the primary",
			  a->id, a->name, o, n, hmmpd_sctp_rule_name(a->rule));
		/*
		 * In the association: the kernel has sent its ASCONF; the
		 * set-primary queues behind it (else the ACK of the kernel's
		 * ASCONF, on_packet(), brings us back).
		 */
		if (a->rule == HMMPD_SCTP_ACK && has(a->local, a->nlocal, new_addr))
			want_primary(a, new_addr, true, "added by the kernel");
		return;
	}
	if (!has(a->local, a->nlocal, new_addr)) {
		sin_of(&sin, new_addr, a->lport);
		if (setsockopt(a->fd, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, &sin,
			       sizeof(sin))) {
			int e = errno;

			hmmpd_log(LOG_ERR, "sctp: association %u (%s): cannot add %s: %s",
				  a->id, a->name, n, strerror(e));
			a->last = "add-failed";
			return;
		}
		hmmpd_log(LOG_INFO, "sctp: association %u (%s): %s -> %s: add %s (ASCONF to the peer)",
			  a->id, a->name, o, n, n);
		push(a, OP_ADD, new_addr);
		a->last = "add-sent";
		/* without the raw socket the kernel's queue orders it for us */
		if (a->rule == HMMPD_SCTP_ACK && ms->raw < 0)
			want_primary(a, new_addr, true, "after the add (no ACK seen)");
		return;
	}
	hmmpd_log(LOG_INFO, "sctp: association %u (%s): %s -> %s: %s is in the association already",
		  a->id, a->name, o, n, n);
	if (a->rule == HMMPD_SCTP_ACK)
		want_primary(a, new_addr, true, "confirmed before");
}

/* Delete the addresses that left the host, once another one is sure. */
void msctp_delete_gone(struct assoc *a, const struct hmmpd_netstate *st)
{
	char ip[HMMP_ADDRSTRLEN];
	struct sockaddr_in sin;
	unsigned int i, j, usable = 0;

	if (a->wildcard)
		return;
	for (i = 0; i < a->nq; i++)
		if (a->q[i].op == OP_ADD)
			return;		/* the new one is not confirmed yet */
	for (i = 0; i < a->nlocal; i++)
		if (hmmpd_net_has_addr(st, a->local[i], false))
			usable++;
	for (i = 0; i < a->nlocal && usable; i++) {
		uint32_t x = a->local[i];

		if (hmmpd_net_has_addr(st, x, false) || hmmpd_net_has_addr(st, x, true))
			continue;
		for (j = 0; j < a->nq; j++)
			if (a->q[j].op == OP_DEL && a->q[j].addr == x)
				break;
		if (j < a->nq)
			continue;
		sin_of(&sin, x, a->lport);
		if (setsockopt(a->fd, SOL_SCTP, SCTP_SOCKOPT_BINDX_REM, &sin,
			       sizeof(sin))) {
			hmmpd_log(LOG_ERR, "sctp: association %u (%s): cannot delete %s: %s",
				  a->id, a->name, ip_s(x, ip), strerror(errno));
			continue;
		}
		hmmpd_log(LOG_INFO, "sctp: association %u (%s): %s left the host: delete it (ASCONF to the peer)",
			  a->id, a->name, ip_s(x, ip));
		push(a, OP_DEL, x);
		if (a->primary == x)
			a->primary = 0;
	}
}
