// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the mobile role, a feature (mobile.h).
 *
 * The core's watcher (core/watch.c) tells when the address changed: a new
 * address on the default route's interface, or a new default route with
 * another address, is a hand-off from the old address to the new one
 * (handoff_begun):
 *
 *  1. the original addresses of live connections that are no longer on an
 *     interface go to lo as /32, and the new interface neither answers nor
 *     announces them in ARP (docs/datapath.md, "The original address on
 *     the mobile");
 *  2. HMMP_CMD_HANDOFF old -> new;
 *  3. a mobile-kind binding per (original address, correspondent);
 *  4. the plan (plan.h) from the connection table: one INFO to the
 *     previous gateway (when connections left from the old address), one
 *     per correspondent; each answered 401 is sent again with digest
 *     credentials of that peer from the secrets file; failures (timeout,
 *     transport, 5xx) are retried with exponential backoff while this
 *     hand-off is the latest one (and, for the gateway, within its
 *     lifetime);
 *  5. a REGISTER of the new contact, when a registrar is configured, with
 *     what the other features add to it (core: register_decorate; the
 *     Outbound UA's Route and Contact parameters); its 200 goes to them
 *     (registered), and any of them may ask for another (register_wanted).
 *
 * Refresh: at two thirds of the shortest lifetime granted (the 200's
 * Expires, else the configured one), the bindings of live connections are
 * asked for again and the mobile-kind bindings renewed; mobile bindings
 * and lo addresses whose connections are gone are removed, and when none
 * is left the refreshing stops (the correspondents' bindings expire).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>

#include <netlink/errno.h>
#include <netlink/socket.h>
#include <uapi/linux/hmmp.h>

#include "core/daemon.h"
#include "core/feature.h"
#include "core/kern.h"
#include "core/log.h"
#include "core/net.h"
#include "core/plan.h"
#include "mobile.h"
#include "sip/auth.h"
#include "sip/body.h"
#include "sip/sip.h"
#include "sip/uri.h"
#include "util.h"
#include "mobile-int.h"

/* ---- the host's side of a hand-off -------------------------------------- */

static bool kept(const struct hmmpd_mobile *m, uint32_t a, unsigned int *pos)
{
	unsigned int i;

	for (i = 0; i < m->nkept; i++) {
		if (m->kept[i] == a) {
			if (pos)
				*pos = i;
			return true;
		}
	}
	return false;
}

static void unkeep(struct hmmpd_mobile *m, const struct hmmpd_netstate *st,
		   uint32_t a, const char *why)
{
	char ip[HMMP_ADDRSTRLEN];
	unsigned int i;
	int r;

	if (!kept(m, a, &i))
		return;
	r = hmmpd_net_lo_del(m->d->rt, hmmpd_net_lo_index(st), a);
	if (r) {
		hmmpd_log(LOG_ERR, "handoff: cannot remove %s/32 from lo: %s",
			  ip_s(a, ip), nl_geterror(r));
		return;
	}
	m->kept[i] = m->kept[--m->nkept];
	hmmpd_log(LOG_INFO, "handoff: released %s/32 from lo (%s)", ip_s(a, ip), why);
}

static unsigned int live_from(const struct hmmpd_conns *c, uint32_t orig)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < c->n; i++)
		n += c->v[i].orig_local == orig && hmmpd_conn_live(&c->v[i]);
	return n;
}

/*
 * The original addresses of live connections stay local: /32 on lo when
 * they left their interface, unanswered on the interface of the default
 * route; those we kept that are back on an interface leave lo. Added to
 * lo only at the hand-off (@add), right after the mobile bindings: while
 * an original address is on no interface, its packets cannot leave; on lo
 * before the bindings they would leave untunnelled through the new
 * network, and a NAT there would carry them to the correspondent, which
 * resets the unknown flow (seen in 33-hmmpd-nat.sh).
 */
static void keep_originals(struct hmmpd_mobile *m, const struct hmmpd_conns *c,
			   const struct hmmpd_netstate *st, bool add)
{
	struct hmmpd *d = m->d;
	struct hmmpd_attach now;
	char ip[HMMP_ADDRSTRLEN];
	uint32_t done[MAX_KEPT * 2];
	unsigned int ndone = 0, k, hide = 0;
	int lo = hmmpd_net_lo_index(st), r;
	size_t i;

	if (hmmpd_net_pick(st, (const char (*)[IFNAMSIZ])d->conf->ifaces,
			   d->conf->nifaces, &now))
		now.ifname[0] = '\0';
	for (i = 0; i < c->n; i++) {
		uint32_t a = c->v[i].orig_local;

		if (!hmmpd_conn_live(&c->v[i]) || !hmmpd_addr_unicast(a))
			continue;
		for (k = 0; k < ndone; k++)
			if (done[k] == a)
				break;
		if (k < ndone || ndone == HMMP_ARRAY_SIZE(done))
			continue;
		done[ndone++] = a;
		if (hmmpd_net_has_addr(st, a, false))
			continue;	/* on an interface */
		hide++;
		if (!add || hmmpd_net_has_addr(st, a, true))
			continue;	/* not yet, or on lo already */
		if (m->nkept == MAX_KEPT) {
			hmmpd_log(LOG_ERR, "handoff: more than %u original addresses to keep: %s not kept",
				  MAX_KEPT, ip_s(a, ip));
			continue;
		}
		r = hmmpd_net_lo_add(d->rt, lo, a);
		if (r) {
			hmmpd_log(LOG_ERR, "handoff: cannot add %s/32 to lo: %s",
				  ip_s(a, ip), nl_geterror(r));
			continue;
		}
		m->kept[m->nkept++] = a;
		hmmpd_log(LOG_INFO, "handoff: kept %s/32 on lo for %u live connections",
			  ip_s(a, ip), live_from(c, a));
	}
	if (hide && now.ifname[0] && strcmp(m->hidden_on, now.ifname)) {
		r = hmmpd_net_arp_hide(now.ifname);
		if (r) {
			hmmpd_log(LOG_ERR, "handoff: %s: cannot set arp_ignore/arp_announce: %s",
				  now.ifname, strerror(-r));
		} else {
			hmmpd_log(LOG_INFO, "handoff: %s: arp_ignore=1 arp_announce=2 (original addresses stay unanswered there)",
				  now.ifname);
			snprintf(m->hidden_on, sizeof(m->hidden_on), "%s", now.ifname);
		}
	}
	/* home again: the address is on its interface */
	for (k = m->nkept; k-- > 0;)
		if (hmmpd_net_has_addr(st, m->kept[k], false))
			unkeep(m, st, m->kept[k], "back on its interface");
}

/*
 * Mobile-kind bindings, one per (original address, correspondent) of the
 * live connections now at new_addr; those home again are removed.
 * Returns how many are in place.
 */
static unsigned int mobile_bindings(struct hmmpd_mobile *m,
				    const struct hmmpd_conns *c,
				    uint32_t new_addr, bool quiet)
{
	struct hmmpd *d = m->d;
	char o[HMMP_ADDRSTRLEN], p[HMMP_ADDRSTRLEN];
	unsigned int count = 0;
	size_t i, k;

	for (i = 0; i < c->n; i++) {
		const struct hmmp_conn *x = &c->v[i];
		uint16_t port;
		uint8_t encap;
		bool home;

		if (!hmmpd_conn_live(x) || x->cur_local != new_addr ||
		    !hmmpd_addr_unicast(x->orig_local) ||
		    !hmmpd_addr_unicast(x->remote) || x->remote == x->orig_local)
			continue;
		for (k = 0; k < i; k++)	/* once per pair */
			if (c->v[k].orig_local == x->orig_local &&
			    c->v[k].remote == x->remote && hmmpd_conn_live(&c->v[k]) &&
			    c->v[k].cur_local == new_addr)
				break;
		if (k < i)
			continue;
		home = x->orig_local == new_addr;
		if (home) {
			if (!x->handoffs)
				continue;
			if (hmmpd_kern_binding_del(&d->cmd, x->orig_local, x->remote,
						   HMMP_BIND_MOBILE)) {
				hmmpd_log(LOG_ERR, "binding: cannot remove %s peer %s kind mobile: %s",
					  ip_s(x->orig_local, o), ip_s(x->remote, p),
					  d->cmd.msg);
				hmmpd_cmd_failed(d);
			} else if (!quiet) {
				hmmpd_log(LOG_INFO, "binding: removed %s peer %s kind mobile (home again)",
					  ip_s(x->orig_local, o), ip_s(x->remote, p));
			}
			continue;
		}
		/* udp when the correspondent chose it before (encap.c) */
		encap = mobile_encap_for(m, x->remote, &port);
		if (!mobile_bind_peer(m, x->orig_local, x->remote, encap, port,
				      quiet))
			count++;
	}
	return count;
}

/* Between hand-offs: original addresses that left their interface. */
static void maintain_originals(struct hmmpd_mobile *m,
			       const struct hmmpd_netstate *st)
{
	struct hmmpd *d = m->d;
	struct hmmpd_conns c = { 0 };

	if (!hmmpd_kernel_up(d))
		return;
	if (hmmpd_kern_conns(&d->cmd, 0, &c)) {
		hmmpd_log(LOG_ERR, "net: reading the connections: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		return;
	}
	keep_originals(m, &c, st, false);
	hmmpd_conns_free(&c);
}

/* Plan and send; returns the number of correspondent INFOs. */
static unsigned int plan_and_send(struct hmmpd_mobile *m,
				  const struct hmmpd_conns *c, uint32_t old_addr,
				  uint32_t new_addr, uint32_t gw, bool refresh)
{
	struct hmmpd *d = m->d;
	struct hmmpd_plan_in in = {
		.conns = c->v, .nconns = c->n, .old_addr = old_addr,
		.new_addr = new_addr, .gateway = gw,
		.lifetime = d->conf->lifetime,
		.gateway_lifetime = d->conf->gateway_lifetime,
		.encap = d->conf->encap,
		.port = d->sip ? sip_port(d->sip, SIP_TP_UDP) : 0,
	};
	struct hmmpd_plan p;
	unsigned int i, ncorr = 0;
	int r;

	r = hmmpd_plan_build(&in, &p);
	if (r) {
		hmmpd_log(LOG_ERR, "handoff: cannot plan: %s", strerror(-r));
		return 0;
	}
	for (i = 0; i < p.n; i++)
		ncorr += p.info[i].kind == HMMP_BIND_CORRESPONDENT;
	hmmpd_log(refresh ? LOG_DEBUG : LOG_INFO,
		  "handoff: plan: %u INFOs (%u to correspondents), %u connections covered, %u released, skipped %u closing, %u opened here, %u other",
		  p.n, ncorr, p.covered, p.released, p.skipped_closing,
		  p.skipped_home, p.skipped_other + p.duplicates);
	for (i = 0; i < p.n; i++)
		mobile_send_info(m, &p.info[i], refresh);
	hmmpd_plan_free(&p);
	return ncorr;
}

/* What each new attachment tells: the registrar, and the gateway (a claim). */
static void announce(struct hmmpd_mobile *m)
{
	mobile_send_register(m);
	mobile_send_claim(m);
}

static void mobile_handoff_begun(struct hmmpd *d, void *state,
				 const struct hmmpd_handoff *h)
{
	struct hmmpd_mobile *m = state;
	const struct hmmpd_attach *old = h->old;
	const struct hmmpd_netstate *st = h->st;
	struct hmmpd_conns before = { 0 }, after = { 0 };
	char o[HMMP_ADDRSTRLEN], n[HMMP_ADDRSTRLEN];
	uint32_t moved = 0, gw;
	unsigned int nb, ncorr;

	if (!m)
		return;
	m->handoff_us = h->since_us;
	m->gen++;
	m->waiting = m->sent = m->ok = 0;
	m->granted = 0;
	mobile_txns_cancel(m, MOBILE_TXN_ALL);
	hmmpd_timer_disarm(m->refresh);
	ip_s(m->d->watch.cur.addr, n);
	ip_s(old->addr, o);
	if (!hmmpd_kernel_up(d)) {
		hmmpd_log(LOG_WARNING, "handoff: hmmp.ko not loaded: no connection to move");
		announce(m);
		return;
	}
	if (hmmpd_kern_conns(&d->cmd, 0, &before)) {
		hmmpd_log(LOG_ERR, "handoff: reading the connections: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		goto out;
	}
	if (hmmpd_kern_handoff(&d->cmd, old->addr, m->d->watch.cur.addr, &moved)) {
		hmmpd_log(LOG_ERR, "handoff: hmmp.ko refused the hand-off: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		goto out;
	}
	hmmpd_log(LOG_INFO, "handoff: hmmp.ko moved %u connections from %s to %s",
		  moved, o, n);
	if (hmmpd_kern_conns(&d->cmd, 0, &after)) {
		hmmpd_log(LOG_ERR, "handoff: reading the connections: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		goto out;
	}
	nb = mobile_bindings(m, &after, m->d->watch.cur.addr, false);
	/* only now: on lo before its bindings, a segment would leave bare */
	keep_originals(m, &before, st, true);
	/* the old gateway only helps connections that used the old address */
	gw = live_from(&after, old->addr) ? old->gw : 0;
	ncorr = plan_and_send(m, &after, old->addr, m->d->watch.cur.addr, gw, false);
	if (!m->sent)
		hmmpd_log(LOG_INFO, "handoff: nothing to tell: no live connection moved");
	if (nb || ncorr)
		mobile_schedule_refresh(m);
out:
	hmmpd_conns_free(&before);
	hmmpd_conns_free(&after);
	announce(m);
}

/* ---- refresh ------------------------------------------------------------ */

static int on_refresh(sd_event_source *s, uint64_t usec, void *arg);

void mobile_schedule_refresh(struct hmmpd_mobile *m)
{
	uint32_t life = m->d->conf->lifetime;
	uint64_t in_s;

	if (m->granted && m->granted < life)
		life = m->granted;
	in_s = life * 2ULL / 3;
	if (in_s < REFRESH_MIN_S)
		in_s = REFRESH_MIN_S;
	hmmpd_log(LOG_DEBUG, "refresh: in %llu s", (unsigned long long)in_s);
	hmmpd_timer_arm(m->d, &m->refresh, in_s * 1000000ULL, on_refresh, m);
}

/* Mobile bindings and lo addresses whose connections are gone. */
static void drop_stale(struct hmmpd_mobile *m, const struct hmmpd_conns *c,
		       const struct hmmpd_netstate *st)
{
	struct hmmpd *d = m->d;
	struct hmmpd_bindings t = { 0 };
	char o[HMMP_ADDRSTRLEN], p[HMMP_ADDRSTRLEN];
	unsigned int i;
	size_t k, j;

	if (hmmpd_kern_bindings(&d->cmd, &t)) {
		hmmpd_log(LOG_ERR, "refresh: reading the bindings: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		return;
	}
	for (k = 0; k < t.n; k++) {
		const struct hmmp_binding *b = &t.v[k];

		if (b->kind != HMMP_BIND_MOBILE)
			continue;
		for (j = 0; j < c->n; j++)
			if (c->v[j].orig_local == b->orig &&
			    c->v[j].remote == b->peer && hmmpd_conn_live(&c->v[j]))
				break;
		if (j < c->n)
			continue;
		if (hmmpd_kern_binding_del(&d->cmd, b->orig, b->peer,
					   HMMP_BIND_MOBILE)) {
			hmmpd_cmd_failed(d);
			continue;
		}
		hmmpd_log(LOG_INFO, "binding: removed %s peer %s kind mobile (no live connection)",
			  ip_s(b->orig, o), ip_s(b->peer, p));
	}
	hmmpd_bindings_free(&t);
	for (i = m->nkept; i-- > 0;)
		if (!live_from(c, m->kept[i]))
			unkeep(m, st, m->kept[i], "no live connection left");
}

static void refresh(struct hmmpd_mobile *m)
{
	struct hmmpd *d = m->d;
	struct hmmpd_conns c = { 0 }, away = { 0 };
	struct hmmpd_netstate st;
	unsigned int nb, ncorr;
	size_t i;
	int r;

	if (!is_mobile(d) || !m->d->watch.attached || !hmmpd_kernel_up(d)) {
		mobile_schedule_refresh(m);
		return;
	}
	r = hmmpd_net_read(d->rt, &st);
	if (r) {
		hmmpd_log(LOG_ERR, "refresh: cannot read the addresses: %s", nl_geterror(r));
		mobile_schedule_refresh(m);
		return;
	}
	if (hmmpd_kern_conns(&d->cmd, 0, &c)) {
		hmmpd_log(LOG_ERR, "refresh: reading the connections: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		mobile_schedule_refresh(m);
		goto out;
	}
	drop_stale(m, &c, &st);
	/* those home need no binding, and their release was sent */
	away.v = calloc(c.n ? c.n : 1, sizeof(*away.v));
	if (!away.v) {
		mobile_schedule_refresh(m);
		goto out;
	}
	for (i = 0; i < c.n; i++)
		if (c.v[i].orig_local != m->d->watch.cur.addr)
			away.v[away.n++] = c.v[i];
	nb = mobile_bindings(m, &away, m->d->watch.cur.addr, true);
	ncorr = plan_and_send(m, &away, m->d->watch.cur.addr, m->d->watch.cur.addr, 0, true);
	if (nb || ncorr) {
		hmmpd_log(LOG_INFO, "refresh: %u mobile bindings renewed, %u INFOs sent", nb,
			  ncorr);
		mobile_schedule_refresh(m);
	} else {
		hmmpd_log(LOG_INFO, "refresh: no live connection away from its address: stopping");
	}
out:
	hmmpd_conns_free(&c);
	hmmpd_conns_free(&away);
	hmmpd_net_free(&st);
}

static int on_refresh(sd_event_source *s, uint64_t usec, void *arg)
{
	(void)s;
	(void)usec;
	refresh(arg);
	return 0;
}

/* ---- the feature ------------------------------------------------------- */

static int mobile_start(struct hmmpd *d, void **state)
{
	struct hmmpd_mobile *m = calloc(1, sizeof(*m));

	if (!m) {
		hmmpd_log(LOG_ERR, "out of memory");
		return -1;
	}
	m->d = d;
	*state = m;
	return 0;
}

static void mobile_stop(struct hmmpd *d, void *state)
{
	struct hmmpd_mobile *m = state;
	char ip[HMMP_ADDRSTRLEN];
	unsigned int i;

	(void)d;
	if (!m)
		return;
	/* sip_free() will drop what is in flight without a callback */
	while (m->txns)
		mobile_txn_free(m->txns);
	for (i = 0; i < m->nkept; i++)
		hmmpd_log(LOG_INFO, "handoff: leaving %s/32 on lo for the sockets that use it",
			  ip_s(m->kept[i], ip));
	sd_event_source_disable_unref(m->refresh);
	sd_event_source_disable_unref(m->reg_timer);
	sd_event_source_disable_unref(m->claim_timer);
	free(m);
}

/*
 * An address removed may be the original address of connections: keep it
 * on lo at once (the debounce would leave the sockets without their
 * address, and TCP stalled, for its length).
 */
static void mobile_net_change(struct hmmpd *d, void *state, int kind)
{
	struct hmmpd_netstate st;

	if (kind == HMMPD_NET_ADDR_DEL && state && is_mobile(d) &&
	    hmmpd_kernel_up(d) && !hmmpd_net_read(d->rt, &st)) {
		maintain_originals(state, &st);
		hmmpd_net_free(&st);
	}
}

static void mobile_net_settled(struct hmmpd *d, void *state,
			       const struct hmmpd_net_event *ev)
{
	struct hmmpd_mobile *m = state;

	if (!m || !ev->cur || !is_mobile(d))
		return;
	if (ev->first)
		announce(m);
	else if (!ev->handoff)	/* an original may have left its interface */
		maintain_originals(m, ev->st);
}

/* A NAT mapping changed (features/nat): the INFOs now, not at the refresh. */
static void mobile_bindings_wanted(struct hmmpd *d, void *state, const char *why)
{
	struct hmmpd_mobile *m = state;

	if (!m || !is_mobile(d))
		return;
	hmmpd_log(LOG_INFO, "refresh: now (%s)", why);
	refresh(m);
}

static void mobile_register_wanted(struct hmmpd *d, void *state, const char *why)
{
	(void)d;
	(void)why;
	if (state)
		mobile_send_register(state);
}

/*
 * hmmp.ko is (again) there: at start, after a restart of hmmpd, or when the
 * module came back. Mobile bindings at the current address in its table
 * are a hand-off an earlier hmmpd made: take its state over from the
 * kernel (the original addresses on lo become ours to release) and refresh
 * at once, since when the correspondents' bindings expire is not known
 * here; the refresh renews what live connections still need and drops the
 * rest.
 */
static void mobile_kernel_up(struct hmmpd *d, void *state)
{
	struct hmmpd_mobile *m = state;
	struct hmmpd_bindings t = { 0 };
	struct hmmpd_netstate st;
	char a[HMMP_ADDRSTRLEN];
	unsigned int n = 0;
	size_t k;
	int r;

	if (!m || !is_mobile(d) || !m->d->watch.attached)
		return;
	if (hmmpd_kern_bindings(&d->cmd, &t)) {
		hmmpd_log(LOG_ERR, "resync: reading the bindings: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		return;
	}
	r = hmmpd_net_read(d->rt, &st);
	if (r) {
		hmmpd_log(LOG_ERR, "resync: cannot read the addresses: %s", nl_geterror(r));
		hmmpd_bindings_free(&t);
		return;
	}
	for (k = 0; k < t.n; k++) {
		const struct hmmp_binding *b = &t.v[k];

		if (b->kind != HMMP_BIND_MOBILE || b->coa != m->d->watch.cur.addr)
			continue;
		n++;
		/* an earlier hmmpd's udp choice: the reflexive address unknown */
		if (b->encap == HMMP_ENCAP_UDP && HMMP_HAVE(b, HMMP_BIND_A_PORT))
			mobile_udp_remember(m, b->peer, b->port, 0, 0);
		if (kept(m, b->orig, NULL) || m->nkept == MAX_KEPT ||
		    hmmpd_net_has_addr(&st, b->orig, false) ||
		    !hmmpd_net_has_addr(&st, b->orig, true))
			continue;
		m->kept[m->nkept++] = b->orig;
		hmmpd_log(LOG_INFO, "resync: %s/32 on lo is an original address: kept",
			  ip_s(b->orig, a));
	}
	hmmpd_bindings_free(&t);
	hmmpd_net_free(&st);
	if (!n)
		return;
	hmmpd_log(LOG_INFO, "resync: %u mobile bindings at %s from an earlier hand-off: refreshing",
		  n, ip_s(m->d->watch.cur.addr, a));
	refresh(m);
}

static void mobile_reconfigured(struct hmmpd *d, void *state,
				const struct hmmpd_conf *old)
{
	struct hmmpd_mobile *m = state;

	(void)old;
	if (!m)
		return;
	if (!d->conf->registrar[0]) {
		mobile_txns_cancel(m, MOBILE_TXN_REG);
		hmmpd_timer_disarm(m->reg_timer);
	}
	if (!d->conf->claim_lifetime || !d->conf->gateway_lifetime)
		mobile_send_claim(m);	/* cancels */
}

const struct hmmpd_feature hmmpd_feature_mobile = {
	.name = "mobile",
	.start = mobile_start,
	.stop = mobile_stop,
	.reconfigured = mobile_reconfigured,
	.kernel_up = mobile_kernel_up,
	.net_change = mobile_net_change,
	.handoff_begun = mobile_handoff_begun,
	.net_settled = mobile_net_settled,
	.register_wanted = mobile_register_wanted,
	.bindings_wanted = mobile_bindings_wanted,
};
