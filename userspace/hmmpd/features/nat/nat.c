// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: hand-off behind a NAT (nat.h): hmmp.ko's UDP tunnel socket, and
 * STUN keep-alives to the correspondents of udp mobile bindings that
 * notice a NAT rebinding.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <uapi/linux/hmmp.h>

#include "core/config.h"
#include "core/daemon.h"
#include "core/feature.h"
#include "core/kern.h"
#include "core/log.h"
#include "nat.h"
#include "objects.h"
#include "sip/sip.h"
#include "stun/stun.h"
#include "util.h"

#define NAT_MAX_PEERS	64
#define NAT_SOFTWARE	"hmmpd " HMMP_USER_VERSION

struct nat_peer {
	struct sip_addr addr;		/* its SIP address and port */
	uint8_t tid[STUN_TID_LEN];	/* of the request pending */
	bool pending;
	bool have_mapped;
	struct sip_addr mapped;		/* where it saw us last */
	unsigned int missed;		/* keep-alives unanswered in a row */
	bool lost;			/* said so; until it answers again */
	bool seen;			/* has udp mobile bindings this round */
};

struct hmmpd_nat {
	struct hmmpd *d;
	sd_event_source *timer;
	bool attached;			/* hmmp.ko has our UDP socket */
	struct nat_peer peers[NAT_MAX_PEERS];
	unsigned int npeers;
	struct hmmpd_nat_stats stats;
};

void hmmpd_nat_get_stats(const void *st, struct hmmpd_nat_stats *out)
{
	const struct hmmpd_nat *n = st;

	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	*out = n->stats;
	out->peers = n->npeers;
}

static const struct hmmpd_nat_conf *nat_conf(const struct hmmpd *d)
{
	return hmmpd_conf_feature(d->conf, &hmmpd_feature_nat);
}

static const char *ep(const struct sip_addr *a, char *buf, size_t len)
{
	char ip[HMMP_ADDRSTRLEN];

	snprintf(buf, len, "%s:%u", hmmp_addr_format(a->addr, ip), a->port);
	return buf;
}

/* ---- keep-alives -------------------------------------------------------- */

static struct nat_peer *peer_find(struct hmmpd_nat *n, const struct sip_addr *a)
{
	unsigned int i;

	for (i = 0; i < n->npeers; i++)
		if (n->peers[i].addr.addr == a->addr &&
		    n->peers[i].addr.port == a->port)
			return &n->peers[i];
	return NULL;
}

static struct nat_peer *peer_by_tid(struct hmmpd_nat *n,
				    const uint8_t tid[STUN_TID_LEN])
{
	unsigned int i;

	for (i = 0; i < n->npeers; i++)
		if (n->peers[i].pending &&
		    !memcmp(n->peers[i].tid, tid, STUN_TID_LEN))
			return &n->peers[i];
	return NULL;
}

static struct nat_peer *peer_add(struct hmmpd_nat *n, const struct sip_addr *a)
{
	struct nat_peer *p = peer_find(n, a);

	if (p || n->npeers == NAT_MAX_PEERS)
		return p;
	p = &n->peers[n->npeers++];
	memset(p, 0, sizeof(*p));
	p->addr = *a;
	return p;
}

/* A Binding request from the SIP port (and our current address) to p. */
static void probe(struct hmmpd_nat *n, struct nat_peer *p)
{
	struct hmmpd *d = n->d;
	struct sip_flow f = { .tp = SIP_TP_UDP, .peer = p->addr };
	uint8_t buf[128];
	struct stun_enc e;
	char who[32];
	int len, r;

	if (stun_tid_new(p->tid))
		return;
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, p->tid);
	stun_put_software(&e, NAT_SOFTWARE);
	stun_put_fingerprint(&e);
	len = stun_enc_end(&e);
	if (len < 0)
		return;
	/* from the address the INFOs went from: the same NAT mapping */
	f.local.addr = d->watch.attached ? d->watch.cur.addr : 0;
	f.local.port = sip_port(d->sip, SIP_TP_UDP);
	r = sip_send_raw(d->sip, &f, buf, (size_t)len);
	if (r) {
		hmmpd_log(LOG_WARNING, "nat: cannot send a keep-alive to %s: %s",
			  ep(&p->addr, who, sizeof(who)), strerror(-r));
		return;
	}
	p->pending = true;
	n->stats.sent++;
	hmmpd_log(LOG_DEBUG, "nat: keep-alive to %s", ep(&p->addr, who, sizeof(who)));
}

static void arm(struct hmmpd_nat *n);

/* The correspondents of udp mobile bindings, now: p->seen. */
static int scan(struct hmmpd_nat *n)
{
	struct hmmpd *d = n->d;
	struct hmmpd_bindings t = { 0 };
	unsigned int i;
	size_t k;

	if (hmmpd_kern_bindings(&d->cmd, &t)) {
		hmmpd_log(LOG_ERR, "nat: reading the bindings: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
		return -1;
	}
	for (i = 0; i < n->npeers; i++)
		n->peers[i].seen = false;
	for (k = 0; k < t.n; k++) {
		const struct hmmp_binding *b = &t.v[k];
		struct sip_addr a = { .addr = b->peer, .port = b->port };
		struct nat_peer *p;

		if (b->kind != HMMP_BIND_MOBILE || b->encap != HMMP_ENCAP_UDP ||
		    !HMMP_HAVE(b, HMMP_BIND_A_PORT) || !b->peer)
			continue;
		p = peer_add(n, &a);
		if (p)
			p->seen = true;
	}
	hmmpd_bindings_free(&t);
	/* the others have no udp binding left: no mapping to hold */
	for (i = n->npeers; i-- > 0;)
		if (!n->peers[i].seen)
			n->peers[i] = n->peers[--n->npeers];
	return 0;
}

void hmmpd_nat_keepalive_now(struct hmmpd *d, void *st)
{
	struct hmmpd_nat *n = st;
	unsigned int i;
	char who[32];

	(void)d;
	if (!n || !hmmpd_kernel_up(n->d) || !n->d->sip || scan(n)) {
		arm(n);
		return;
	}
	for (i = 0; i < n->npeers; i++) {
		struct nat_peer *p = &n->peers[i];

		if (p->pending && ++p->missed >= HMMPD_NAT_LOST_AFTER && !p->lost) {
			p->lost = true;
			n->stats.lost++;
			hmmpd_log(LOG_WARNING, "nat: %u keep-alives to %s unanswered: the NAT mapping may be gone, signalling the bindings again",
				  p->missed, ep(&p->addr, who, sizeof(who)));
			hmmpd_core_bindings_wanted(n->d, "nat: keep-alives unanswered");
		}
		probe(n, p);
	}
	arm(n);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	struct hmmpd_nat *n = arg;

	(void)s;
	(void)usec;
	hmmpd_nat_keepalive_now(n->d, n);
	return 0;
}

static void arm(struct hmmpd_nat *n)
{
	uint32_t ka;

	if (!n)
		return;
	ka = nat_conf(n->d)->keepalive;
	if (!ka || !hmmpd_kernel_up(n->d)) {
		hmmpd_timer_disarm(n->timer);
		return;
	}
	hmmpd_timer_arm(n->d, &n->timer, ka * 1000000ULL, on_timer, n);
}

/* An answer to one of our requests: the mapping the correspondent sees. */
static bool nat_stun(struct hmmpd *d, void *st, const struct sip_flow *flow,
		     const uint8_t *buf, size_t len)
{
	struct hmmpd_nat *n = st;
	struct sip_addr mapped = { 0 };
	char who[32], was[32], now[32];
	struct nat_peer *p;
	struct stun_msg m;

	if (!n || flow->tp != SIP_TP_UDP || stun_decode(buf, len, &m) != STUN_OK ||
	    m.method != STUN_BINDING ||
	    (m.cls != STUN_SUCCESS && m.cls != STUN_ERROR))
		return false;
	/*
	 * By transaction id alone (RFC 8489 6.3: 96 random bits): a
	 * correspondent on a wildcard socket answers from the address its
	 * route picks, not always the one we sent to.
	 */
	p = peer_by_tid(n, m.tid);
	if (!p)
		return false;	/* not ours: the next feature's */
	p->pending = false;
	p->missed = 0;
	n->stats.answered++;
	if (p->lost) {
		p->lost = false;
		hmmpd_log(LOG_INFO, "nat: %s answers keep-alives again",
			  ep(&p->addr, who, sizeof(who)));
	}
	if (m.cls != STUN_SUCCESS || !m.has_xor_mapped || m.xor_mapped.family != 4) {
		hmmpd_log(LOG_DEBUG, "nat: %s answered without a mapped address",
			  ep(&p->addr, who, sizeof(who)));
		return true;
	}
	memcpy(&mapped.addr, m.xor_mapped.addr, 4);
	mapped.port = m.xor_mapped.port;
	if (!p->have_mapped) {
		hmmpd_log(LOG_INFO, "nat: %s sees us at %s",
			  ep(&p->addr, who, sizeof(who)), ep(&mapped, now, sizeof(now)));
	} else if (p->mapped.addr != mapped.addr || p->mapped.port != mapped.port) {
		hmmpd_log(LOG_WARNING, "nat: %s sees us at %s, no longer at %s (NAT rebinding): signalling the bindings again",
			  ep(&p->addr, who, sizeof(who)), ep(&mapped, now, sizeof(now)),
			  ep(&p->mapped, was, sizeof(was)));
		n->stats.rebindings++;
		hmmpd_core_bindings_wanted(d, "nat: rebinding");
	}
	p->have_mapped = true;
	p->mapped = mapped;
	return true;
}

/* ---- hmmp.ko's tunnel socket -------------------------------------------- */

static void nat_kernel_up(struct hmmpd *d, void *st)
{
	struct hmmpd_nat *n = st;
	uint16_t port = 0;

	if (!n)
		return;
	if (hmmpd_kern_tunnel_sock(&d->cmd, sip_udp_fd(d->sip), &port)) {
		n->attached = false;
		hmmpd_log(LOG_WARNING, "nat: hmmp.ko takes no UDP tunnel socket: %s%s",
			  d->cmd.msg, d->cmd.err == EOPNOTSUPP ?
			  " (an older module): udp bindings carry nothing" : "");
		if (!d->cmd.err)
			hmmpd_cmd_failed(d);
	} else {
		n->attached = true;
		hmmpd_log(LOG_INFO, "nat: hmmp.ko tunnels udp through the SIP socket, port %u",
			  port);
	}
	arm(n);
}

static void nat_kernel_down(struct hmmpd *d, void *st)
{
	struct hmmpd_nat *n = st;

	(void)d;
	if (!n)
		return;
	/* the module and its reference to the socket are gone */
	n->attached = false;
	n->npeers = 0;
	hmmpd_timer_disarm(n->timer);
}

/* A new udp mobile binding: a first keep-alive at once (the baseline). */
static void nat_kernel_event(struct hmmpd *d, void *st, struct nl_msg *msg)
{
	struct hmmpd_nat *n = st;
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_binding b;
	struct sip_addr a;
	struct nat_peer *p;

	if (!n || !d->sip || !nat_conf(d)->keepalive ||
	    hmmp_msg_cmd(msg) != HMMP_CMD_EVENT_BINDING_NEW ||
	    hmmp_msg_parse(msg, tb) || hmmp_binding_parse(tb[HMMP_A_BINDING], &b) ||
	    b.kind != HMMP_BIND_MOBILE || b.encap != HMMP_ENCAP_UDP ||
	    !HMMP_HAVE(&b, HMMP_BIND_A_PORT) || !b.peer)
		return;
	a.addr = b.peer;
	a.port = b.port;
	p = peer_add(n, &a);
	if (p && !p->pending)
		probe(n, p);
}

/* ---- life --------------------------------------------------------------- */

static int nat_start(struct hmmpd *d, void **state)
{
	struct hmmpd_nat *n;

	if (!d->sip)
		return 0;
	n = calloc(1, sizeof(*n));
	if (!n) {
		hmmpd_log(LOG_ERR, "nat: out of memory");
		return -1;
	}
	n->d = d;
	*state = n;
	return 0;
}

static void nat_stop(struct hmmpd *d, void *st)
{
	struct hmmpd_nat *n = st;
	uint16_t port;

	if (!n)
		return;
	if (n->attached && hmmpd_kernel_up(d) &&
	    hmmpd_kern_tunnel_sock(&d->cmd, -1, &port))
		hmmpd_log(LOG_WARNING, "nat: cannot take the tunnel socket back from hmmp.ko: %s",
			  d->cmd.msg);
	sd_event_source_disable_unref(n->timer);
	free(n);
}

static void nat_reconfigured(struct hmmpd *d, void *st,
			     const struct hmmpd_conf *old)
{
	(void)d;
	(void)old;
	arm(st);
}

/* ---- [nat] -------------------------------------------------------------- */

static const char *const nat_sections[] = { "nat", NULL };

static void nat_conf_defaults(void *conf)
{
	struct hmmpd_nat_conf *c = conf;

	c->keepalive = HMMPD_NAT_KEEPALIVE_DEFAULT;
}

static int nat_conf_key(void *conf, const char *section, const char *name,
			const char *value, unsigned int line, char *why,
			size_t whylen)
{
	struct hmmpd_nat_conf *c = conf;

	(void)section;
	(void)line;
	if (strcmp(name, "keepalive")) {
		snprintf(why, whylen, "unknown key '%s' in [nat]", name);
		return -1;
	}
	if (hmmp_u32_parse(value, 0, HMMPD_NAT_KEEPALIVE_MAX, &c->keepalive)) {
		snprintf(why, whylen, "keepalive: seconds, 0 (off) to %d",
			 HMMPD_NAT_KEEPALIVE_MAX);
		return -1;
	}
	return 0;
}

const struct hmmpd_feature hmmpd_feature_nat = {
	.name = "nat",
	.sections = nat_sections,
	.conf_size = sizeof(struct hmmpd_nat_conf),
	.conf_defaults = nat_conf_defaults,
	.conf_key = nat_conf_key,
	.start = nat_start,
	.stop = nat_stop,
	.reconfigured = nat_reconfigured,
	.kernel_up = nat_kernel_up,
	.kernel_down = nat_kernel_down,
	.kernel_event = nat_kernel_event,
	.stun = nat_stun,
};
