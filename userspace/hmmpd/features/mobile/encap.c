// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the mobile role's encapsulation per correspondent (mobile-int.h,
 * issue 13). With [binding] encap = auto the INFOs say encap=auto and the
 * correspondent chooses: udp when the INFO came from another address than
 * the care-of one (a NAT in between), which its answer body says, with the
 * reflexive transport address it saw. The mobile-kind binding (the reverse
 * tunnel) then goes in UDP to the correspondent's SIP port, the port the
 * INFO went to: one NAT mapping carries the signalling and the data. That
 * choice is remembered per correspondent, so that the next hand-off
 * installs udp at once; an answer with another encapsulation forgets it.
 * A 200 without an answer body (an older correspondent) keeps what was
 * asked (auto: the fallback, ipip). A correspondent that refuses encap=auto
 * or udp with 400 "bad encap" (older still) is asked again with the
 * fallback, and from then on only with it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <uapi/linux/hmmp.h>

#include "core/config.h"
#include "core/daemon.h"
#include "core/kern.h"
#include "core/log.h"
#include "sip/body.h"
#include "sip/sip.h"
#include "sip/uri.h"
#include "util.h"
#include "mobile-int.h"

uint8_t mobile_fallback_encap(const struct hmmpd_conf *c)
{
	return c->encap == HMMP_ENCAP_MINIMAL ? HMMP_ENCAP_MINIMAL
					      : HMMP_ENCAP_IPIP;
}

uint16_t mobile_peer_port(const struct hmmpd *d, uint32_t peer)
{
	const struct hmmpd_peer *p = hmmpd_conf_peer_by_addr(d->conf, peer);
	struct sip_addr a;

	if (p && !sip_uri_addr(p->uri, &a, NULL) && a.port)
		return a.port;
	return SIP_PORT_DEFAULT;
}

static bool is_legacy(const struct hmmpd_mobile *m, uint32_t peer)
{
	unsigned int i;

	for (i = 0; i < m->nlegacy; i++)
		if (m->legacy[i] == peer)
			return true;
	return false;
}

const struct udp_peer *mobile_udp_peer(const struct hmmpd_mobile *m,
				       uint32_t peer)
{
	unsigned int i;

	for (i = 0; i < m->nudp; i++)
		if (m->udp[i].peer == peer)
			return &m->udp[i];
	return NULL;
}

void mobile_udp_remember(struct hmmpd_mobile *m, uint32_t peer, uint16_t port,
			 uint32_t refl, uint16_t refl_port)
{
	struct udp_peer *u = (struct udp_peer *)mobile_udp_peer(m, peer);

	if (!u) {
		if (m->nudp == MAX_UDP_PEERS)
			return;		/* it gets udp from the answers still */
		u = &m->udp[m->nudp++];
	}
	u->peer = peer;
	u->port = port;
	u->refl = refl;
	u->refl_port = refl_port;
}

void mobile_udp_forget(struct hmmpd_mobile *m, uint32_t peer)
{
	const struct udp_peer *u = mobile_udp_peer(m, peer);

	if (u)
		m->udp[u - m->udp] = m->udp[--m->nudp];
}

uint8_t mobile_encap_for(const struct hmmpd_mobile *m, uint32_t peer,
			 uint16_t *port)
{
	const struct hmmpd_conf *c = m->d->conf;
	const struct udp_peer *u = mobile_udp_peer(m, peer);

	*port = 0;
	if (is_legacy(m, peer))
		return mobile_fallback_encap(c);
	if (u && (c->encap == HMMPD_ENCAP_AUTO || c->encap == HMMP_ENCAP_UDP)) {
		*port = u->port;
		return HMMP_ENCAP_UDP;
	}
	if (c->encap == HMMP_ENCAP_UDP) {
		*port = mobile_peer_port(m->d, peer);
		return HMMP_ENCAP_UDP;
	}
	return c->encap == HMMPD_ENCAP_AUTO ? mobile_fallback_encap(c) : c->encap;
}

uint8_t mobile_body_encap(const struct hmmpd_mobile *m, uint32_t peer)
{
	uint8_t e = m->d->conf->encap;

	if ((e == HMMPD_ENCAP_AUTO || e == HMMP_ENCAP_UDP) && is_legacy(m, peer))
		return mobile_fallback_encap(m->d->conf);
	return e;
}

static bool is_v1(const struct hmmpd_mobile *m, uint32_t peer)
{
	unsigned int i;

	for (i = 0; i < m->nv1; i++)
		if (m->v1[i] == peer)
			return true;
	return false;
}

/*
 * A built native body (heap, *len bytes) again without connection
 * identities: version 1. 1 when rewritten, 0 when it had none, -1 when it
 * cannot be (out of memory, not a body): left as it was.
 */
static int body_text_v1(char **body, size_t *len)
{
	static const struct hmmpd_body_defaults def = { 0 };
	struct hmmpd_body b;
	unsigned int i;
	char *nb;
	int n;

	hmmpd_body_init(&b);
	if (hmmpd_body_parse(HMMPD_BODY_TYPE, *body, *len, &def, &b, NULL)) {
		hmmpd_body_free(&b);
		return -1;
	}
	if (hmmpd_body_version(&b) == HMMPD_BODY_VERSION) {
		hmmpd_body_free(&b);
		return 0;
	}
	for (i = 0; i < b.nconn; i++) {
		b.conn[i].flags &= ~HMMPD_TCP_ISN;
		b.conn[i].isn_l = b.conn[i].isn_r = 0;
	}
	n = hmmpd_body_build(&b, NULL, 0, NULL);
	nb = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (nb)
		hmmpd_body_build(&b, nb, (size_t)n + 1, NULL);
	hmmpd_body_free(&b);
	if (!nb)
		return -1;
	free(*body);
	*body = nb;
	*len = (size_t)n;
	return 1;
}

bool mobile_info_v1(struct hmmpd_mobile *m, uint32_t peer, const char *reason,
		    char **body, size_t *len)
{
	if (!reason || !strstr(reason, "unsupported version") ||
	    is_v1(m, peer) || m->nv1 == MAX_UDP_PEERS)
		return false;
	if (body_text_v1(body, len) != 1)
		return false;
	m->v1[m->nv1++] = peer;
	return true;
}

int mobile_body_text_for_peer(const struct hmmpd_mobile *m, uint32_t peer,
			      char **body, size_t *len)
{
	if (!is_v1(m, peer))
		return 0;
	return body_text_v1(body, len) < 0 ? -1 : 0;
}

void mobile_body_for_peer(const struct hmmpd_mobile *m, uint32_t peer,
			  struct hmmpd_body *b)
{
	uint8_t e = mobile_body_encap(m, peer);
	unsigned int i;

	for (i = 0; i < b->nbind; i++) {
		if (b->bind[i].encap == e)
			continue;
		b->bind[i].encap = e;
		b->bind[i].port = 0;
	}
}

int mobile_bind_peer(struct hmmpd_mobile *m, uint32_t orig, uint32_t peer,
		     uint8_t encap, uint16_t port, bool quiet)
{
	struct hmmpd *d = m->d;
	char o[HMMP_ADDRSTRLEN], p[HMMP_ADDRSTRLEN], n[HMMP_ADDRSTRLEN];
	uint32_t coa = d->watch.cur.addr;
	struct hmmp_binding b;
	char ps[8] = "";

	hmmpd_binding_make(&b, orig, peer, HMMP_BIND_MOBILE, coa, encap,
			   d->conf->lifetime);
	if (encap == HMMP_ENCAP_UDP) {
		hmmpd_binding_set_port(&b, port);
		snprintf(ps, sizeof(ps), ":%u", port);
	}
	if (hmmpd_kern_binding_set(&d->cmd, &b)) {
		hmmpd_log(LOG_ERR, "binding: cannot install %s -> %s kind mobile peer %s%s: %s",
			  ip_s(orig, o), ip_s(coa, n), ip_s(peer, p), ps,
			  d->cmd.msg);
		hmmpd_cmd_failed(d);
		return -1;
	}
	hmmpd_log(quiet ? LOG_DEBUG : LOG_INFO,
		  "binding: %s %s -> %s kind mobile peer %s%s encap %s lifetime %u s",
		  quiet ? "refreshed" : "installed", ip_s(orig, o), ip_s(coa, n),
		  ip_s(peer, p), ps, hmmp_encap_name(encap), b.lifetime);
	return 0;
}

/* The answer's binding of orig: what the mobile-kind one becomes. */
static void apply_bind(struct hmmpd_mobile *m, uint32_t peer,
		       const struct hmmpd_bind *a)
{
	struct hmmpd *d = m->d;
	char who[HMMP_ADDRSTRLEN], r[HMMP_ADDRSTRLEN];
	uint16_t had_port, port = mobile_peer_port(d, peer);
	uint8_t had = mobile_encap_for(m, peer, &had_port);
	bool nat;

	if (a->encap != HMMP_ENCAP_UDP) {
		hmmpd_log(LOG_DEBUG, "info: 200 from %s: encap %s",
			  ip_s(peer, who), hmmp_encap_name(a->encap));
		mobile_udp_forget(m, peer);
		if (had != a->encap)
			mobile_bind_peer(m, a->orig, peer, a->encap, 0, false);
		return;
	}
	nat = a->coa != d->watch.cur.addr ||
	      (d->sip && a->port != sip_port(d->sip, SIP_TP_UDP));
	hmmpd_log(LOG_INFO, "info: 200 from %s: encap udp, reflexive %s:%u (%s)",
		  ip_s(peer, who), ip_s(a->coa, r), a->port,
		  nat ? "NAT" : "no NAT");
	mobile_udp_remember(m, peer, port, a->coa, a->port);
	if (had != HMMP_ENCAP_UDP || had_port != port)
		mobile_bind_peer(m, a->orig, peer, HMMP_ENCAP_UDP, port, false);
}

void mobile_info_answer(struct hmmpd_mobile *m, uint32_t peer, uint8_t asked,
			const char *ctype, const char *body, size_t len)
{
	char who[HMMP_ADDRSTRLEN];
	struct hmmpd_body_err err;
	struct hmmpd_body ans;
	unsigned int i;
	uint16_t port;

	hmmpd_body_init(&ans);
	if (ctype && body && len &&
	    hmmpd_body_parse_answer(ctype, body, len, &ans, &err)) {
		hmmpd_log(LOG_WARNING, "info: 200 from %s: answer body ignored (%s)",
			  ip_s(peer, who), err.reason);
		ans.nbind = 0;
	}
	if (!ans.nbind) {
		/*
		 * An older correspondent: what was asked holds. auto asked
		 * with udp bindings from an earlier answer: it chose not.
		 */
		if (asked == HMMPD_ENCAP_AUTO && mobile_udp_peer(m, peer))
			mobile_udp_forget(m, peer);
		hmmpd_log(LOG_DEBUG, "info: 200 from %s without an answer body: encap %s stays",
			  ip_s(peer, who),
			  hmmp_encap_name(mobile_encap_for(m, peer, &port)));
		hmmpd_body_free(&ans);
		return;
	}
	for (i = 0; i < ans.nbind; i++)
		if (ans.bind[i].kind == HMMP_BIND_CORRESPONDENT &&
		    ans.bind[i].lifetime)
			apply_bind(m, peer, &ans.bind[i]);
	hmmpd_body_free(&ans);
}

bool mobile_info_legacy(struct hmmpd_mobile *m, uint32_t peer, uint8_t asked,
			const char *reason, char **body, size_t *len)
{
	static const struct hmmpd_body_defaults def = { 0 };
	uint8_t fb = mobile_fallback_encap(m->d->conf);
	struct hmmpd_body b;
	char *nb;
	int n;

	if ((asked != HMMPD_ENCAP_AUTO && asked != HMMP_ENCAP_UDP) ||
	    !reason || !strstr(reason, "bad encap") || is_legacy(m, peer) ||
	    m->nlegacy == MAX_UDP_PEERS)
		return false;
	hmmpd_body_init(&b);
	if (hmmpd_body_parse(HMMPD_BODY_TYPE, *body, *len, &def, &b, NULL)) {
		hmmpd_body_free(&b);
		return false;
	}
	m->legacy[m->nlegacy++] = peer;
	mobile_udp_forget(m, peer);
	mobile_body_for_peer(m, peer, &b);
	n = hmmpd_body_build(&b, NULL, 0, NULL);
	nb = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (!nb) {
		hmmpd_body_free(&b);
		return false;
	}
	hmmpd_body_build(&b, nb, (size_t)n + 1, NULL);
	/* its mobile bindings: the fallback too (udp was configured) */
	if (m->d->conf->encap == HMMP_ENCAP_UDP) {
		unsigned int i;

		for (i = 0; i < b.nbind; i++)
			if (b.bind[i].lifetime)
				mobile_bind_peer(m, b.bind[i].orig, peer, fb, 0, false);
	}
	hmmpd_body_free(&b);
	free(*body);
	*body = nb;
	*len = (size_t)n;
	return true;
}
