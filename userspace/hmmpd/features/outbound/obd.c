// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: SIP Outbound in the daemon: [outbound], the STUN handler on the
 * SIP sockets, the UA and edge state machines on the loop. See obd.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/config.h"
#include "core/daemon.h"
#include "core/log.h"
#include "edge.h"
#include "obd.h"
#include "objects.h"
#include "sip/uri.h"
#include "util.h"

struct hmmpd_ob {
	struct hmmpd *d;
	bool ua_on, edge_on;
	struct ob_ua ua;
	struct ob_edge edge;
	struct hmmpd_edge *px;
	struct sip_addr edge_addr;	/* UA: the edge's UDP end */
	uint32_t ua_src;		/* UA: the REGISTER's source */
	uint64_t ua_conn;		/* UA: our TCP connection to the edge */
	sd_event_source *timer;
	char instance[HMMPD_OB_INSTANCE_MAX];
	uint8_t secret[OB_SECRET_LEN];
};

/* ---- configuration ---- */

void hmmpd_ob_conf_defaults(struct hmmpd_ob_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->reg_id = 1;
	c->flow_mtu = SIP_MTU_DEFAULT;
}

int hmmpd_ob_conf_key(struct hmmpd_ob_conf *c, const char *name,
		      const char *value, char *why, size_t whylen)
{
	struct sip_addr a;
	char *e;
	unsigned long u;
	size_t i, n;

	if (!strcmp(name, "edge") || !strcmp(name, "next_hop")) {
		char *dst = name[0] == 'e' ? c->edge : c->next_hop;

		if (*value && (strlen(value) >= HMMPD_OB_URI_MAX ||
			       sip_uri_addr(value, &a, NULL))) {
			snprintf(why, whylen, "%s: a sip: URI with a numeric IPv4 host, e.g. sip:192.0.2.1:5060",
				 name);
			return -1;
		}
		snprintf(dst, HMMPD_OB_URI_MAX, "%s", value);
		return 0;
	}
	if (!strcmp(name, "instance")) {
		n = strlen(value);
		if (n >= HMMPD_OB_INSTANCE_MAX || strncmp(value, "urn:", 4) ||
		    strpbrk(value, "\"<> \t;")) {
			snprintf(why, whylen, "instance: a URN, e.g. urn:uuid:00000000-0000-1000-8000-000A95A0E128");
			return -1;
		}
		snprintf(c->instance, sizeof(c->instance), "%s", value);
		return 0;
	}
	if (!strcmp(name, "secret")) {
		if (strlen(value) != 2 * OB_SECRET_LEN)
			goto bad_secret;
		for (i = 0; i < OB_SECRET_LEN; i++) {
			unsigned int b;

			if (sscanf(value + 2 * i, "%2x", &b) != 1 ||
			    !strchr("0123456789abcdefABCDEF", value[2 * i]) ||
			    !strchr("0123456789abcdefABCDEF", value[2 * i + 1]))
				goto bad_secret;
			c->secret[i] = (uint8_t)b;
		}
		c->have_secret = true;
		return 0;
bad_secret:
		snprintf(why, whylen, "secret: %d hex digits", 2 * OB_SECRET_LEN);
		return -1;
	}
	u = strtoul(value, &e, 10);
	if (!*value || *e) {
		snprintf(why, whylen, "%s: a number", name);
		return -1;
	}
	if (!strcmp(name, "reg_id")) {
		if (!u || u > 65535) {
			snprintf(why, whylen, "reg_id: 1-65535");
			return -1;
		}
		c->reg_id = (uint32_t)u;
		return 0;
	}
	if (!strcmp(name, "keepalive")) {
		if (u > 3600) {
			snprintf(why, whylen, "keepalive: 0-3600 s");
			return -1;
		}
		c->keepalive = (uint32_t)u;
		return 0;
	}
	if (!strcmp(name, "flow_mtu")) {
		if (u < 200 || u > SIP_MAX_MSG) {
			snprintf(why, whylen, "flow_mtu: 200-65535 bytes");
			return -1;
		}
		c->flow_mtu = (uint32_t)u;
		return 0;
	}
	snprintf(why, whylen, "unknown key '%s' in [outbound] (edge, instance, reg_id, keepalive, secret, next_hop, flow_mtu)",
		 name);
	return -1;
}

/* ---- glue ---- */

static uint64_t now_ms(struct hmmpd_ob *ob)
{
	return hmmpd_now_us(ob->d) / 1000;
}

static void rearm(struct hmmpd_ob *ob)
{
	uint64_t next = ob_ua_next(&ob->ua), e = ob_edge_next(&ob->edge);

	if (e < next)
		next = e;
	if (next == OB_NEVER) {
		sd_event_source_set_enabled(ob->timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(ob->timer, next * 1000);
	sd_event_source_set_enabled(ob->timer, SD_EVENT_ONESHOT);
}

static void rearm_cb(void *arg)
{
	rearm(arg);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	struct hmmpd_ob *ob = arg;

	(void)s;
	(void)usec;
	ob_ua_tick(&ob->ua, now_ms(ob));
	ob_edge_tick(&ob->edge, now_ms(ob));
	rearm(ob);
	return 0;
}

/* sip.c knows no local address for datagrams: the UA's flow has its own. */
static void to_ob(struct hmmpd_ob *ob, const struct sip_flow *in,
		  struct ob_flow *out)
{
	hmmpd_edge_ob_flow(in, out);
	if (in->tp == SIP_TP_UDP && ob->ua_on)
		out->laddr = ob->ua_src;
}

static int ob_send(void *data, const struct ob_flow *flow,
		   const uint8_t *buf, size_t len)
{
	struct hmmpd_ob *ob = data;
	struct sip_addr local = { flow->laddr, flow->lport };
	struct sip_addr peer = { flow->raddr, flow->rport };
	struct sip_flow f = { .tp = SIP_TP_UDP, .local = local, .peer = peer };

	if (flow->tp == OB_TCP && !sip_tcp_find(ob->d->sip, &local, &peer, &f))
		return -ENOTCONN;
	return sip_send_raw(ob->d->sip, &f, buf, len);
}

static int ua_connect(void *data, const struct ob_flow *udp)
{
	struct hmmpd_ob *ob = data;
	struct sip_addr dst = { udp->raddr, udp->rport };
	int r;

	r = sip_tcp_open(ob->d->sip, &dst, ob->ua_src, &ob->ua_conn);
	if (r) {
		hmmpd_log(LOG_WARNING, "outbound: cannot connect to the edge: %s",
			  strerror(-r));
		ob->ua_conn = 0;
	} else {
		hmmpd_log(LOG_INFO, "outbound: ForceTCP: connecting to the edge for a flow token");
	}
	return r;
}

static void ua_close(void *data, const struct ob_flow *tcp)
{
	struct hmmpd_ob *ob = data;
	uint64_t id = ob->ua_conn;

	(void)tcp;
	ob->ua_conn = 0;
	if (id) {
		hmmpd_log(LOG_INFO, "outbound: releasing the TCP connection to the edge");
		sip_tcp_release(ob->d->sip, id);
	}
}

static void ua_failed(void *data, const char *why)
{
	struct hmmpd_ob *ob = data;

	hmmpd_log(LOG_WARNING, "outbound: the flow to the edge failed (%s): registering again",
		  why);
	hmmpd_core_register_wanted(ob->d, "the Outbound flow failed");
}

static const struct ob_ua_ops ua_ops = {
	.send = ob_send,
	.tcp_connect = ua_connect,
	.tcp_close = ua_close,
	.flow_failed = ua_failed,
};

static bool edge_tcp_open(void *data, const struct ob_flow *tcp)
{
	struct hmmpd_ob *ob = data;
	struct sip_addr local = { tcp->laddr, tcp->lport };
	struct sip_addr peer = { tcp->raddr, tcp->rport };
	struct sip_flow f;

	return sip_tcp_find(ob->d->sip, &local, &peer, &f);
}

static void edge_forced(void *data, void *ctx, int status,
			const struct ob_flow *tcp)
{
	struct hmmpd_ob *ob = data;

	if (ob->px)
		hmmpd_edge_forced(ob->px, ctx, status, tcp);
}

static const struct ob_edge_ops edge_ops = {
	.send = ob_send,
	.tcp_open = edge_tcp_open,
	.forced = edge_forced,
};

static void on_stun(struct sip *sip, const struct sip_flow *flow,
		    const uint8_t *buf, size_t len, void *data)
{
	struct hmmpd_ob *ob = data;
	char ip[HMMP_ADDRSTRLEN], ip2[HMMP_ADDRSTRLEN];
	struct ob_flow f;

	(void)sip;
	to_ob(ob, flow, &f);
	if (ob->edge_on) {
		struct ob_edge_stats b = ob->edge.stats, *a = &ob->edge.stats;

		ob_edge_input(&ob->edge, &f, buf, len, now_ms(ob));
		if (a->gettoken != b.gettoken)
			hmmpd_log(LOG_INFO, "outbound: GetToken over TCP from %s:%u: flow token given",
				  hmmp_addr_format(f.raddr, ip), f.rport);
		if (a->gettoken_udp != b.gettoken_udp)
			hmmpd_log(LOG_INFO, "outbound: GetToken over UDP from %s:%u: 445",
				  hmmp_addr_format(f.raddr, ip), f.rport);
		if (a->force_400 != b.force_400)
			hmmpd_log(LOG_INFO, "outbound: ForceTCP answered 400 by %s:%u: the UA lacks the usage",
				  hmmp_addr_format(f.raddr, ip), f.rport);
	} else {
		struct ob_ua_stats b = ob->ua.stats, *a = &ob->ua.stats;

		uint32_t mapped = 0;

		ob_ua_input(&ob->ua, &f, buf, len, now_ms(ob));
		if (ob->ua.have_mapped)
			memcpy(&mapped, ob->ua.mapped.addr, 4);
		if (a->ka_ok != b.ka_ok)
			hmmpd_log(LOG_INFO, "outbound: keep-alive answered by %s:%u (mapped %s:%u)",
				  hmmp_addr_format(f.raddr, ip), f.rport,
				  hmmp_addr_format(mapped, ip2), ob->ua.mapped.port);
		if (a->force_tcp != b.force_tcp)
			hmmpd_log(LOG_INFO, "outbound: ForceTCP over TCP from %s:%u: 448",
				  hmmp_addr_format(f.raddr, ip), f.rport);
		if (a->force_answered != b.force_answered)
			hmmpd_log(LOG_INFO, "outbound: ForceTCP answered with the flow token of the TCP connection");
		if (a->gettoken_ok != b.gettoken_ok)
			hmmpd_log(LOG_INFO, "outbound: GetToken answered: flow token of %zu bytes",
				  ob->ua.token_len);
		if (a->force_failed != b.force_failed)
			hmmpd_log(LOG_WARNING, "outbound: ForceTCP answered 500: no flow token");
	}
	rearm(ob);
}

/* The core's STUN event: all of it is Outbound's (answered or dropped). */
static bool ob_stun(struct hmmpd *d, void *st, const struct sip_flow *flow,
		    const uint8_t *buf, size_t len)
{
	if (!st)
		return false;
	on_stun(d->sip, flow, buf, len, st);
	return true;
}

static void on_conn(struct sip *sip, const struct sip_flow *flow, bool up,
		    void *data)
{
	struct hmmpd_ob *ob = data;
	struct ob_flow f;

	(void)sip;
	if (!ob->ua_on || !ob->ua_conn || flow->conn_id != ob->ua_conn)
		return;
	to_ob(ob, flow, &f);
	if (up) {
		ob_ua_tcp_up(&ob->ua, &f, now_ms(ob));
	} else {
		ob->ua_conn = 0;
		hmmpd_log(LOG_INFO, "outbound: the TCP connection to the edge is gone");
		ob_ua_tcp_down(&ob->ua, &f, now_ms(ob));
	}
	rearm(ob);
}

/* A stable +sip.instance: a name-based UUID of /etc/machine-id. */
static void derive_instance(struct hmmpd_ob *ob)
{
	uint8_t id[64], h[32];
	unsigned int hl = 0;
	ssize_t n = 0;
	int fd;

	fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, id, sizeof(id));
		close(fd);
	}
	if (n <= 0) {
		if (getrandom(id, 16, 0) != 16)
			memset(id, 0, 16);
		n = 16;
	}
	if (!EVP_Digest(id, (size_t)n, h, &hl, EVP_sha256(), NULL))
		memset(h, 0, sizeof(h));
	h[6] = (h[6] & 0x0f) | 0x50;	/* version 5-like, name-based */
	h[8] = (h[8] & 0x3f) | 0x80;
	snprintf(ob->instance, sizeof(ob->instance),
		 "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9],
		 h[10], h[11], h[12], h[13], h[14], h[15]);
}

static const struct hmmpd_ob_conf *ob_conf(const struct hmmpd *d)
{
	return hmmpd_conf_feature(d->conf, &hmmpd_feature_outbound);
}

static void ob_stop(struct hmmpd *d, void *st);

static int ob_start(struct hmmpd *d, void **state)
{
	const struct hmmpd_ob_conf *c = ob_conf(d);
	struct ob_edge_cfg ecfg = { .software = "hmmpd " HMMP_USER_VERSION };
	struct ob_ua_cfg ucfg = { .software = "hmmpd " HMMP_USER_VERSION };
	struct hmmpd_ob *ob;
	int r;

	if (!d->sip)
		return 0;
	ob = calloc(1, sizeof(*ob));
	if (!ob) {
		hmmpd_log(LOG_ERR, "outbound: out of memory");
		return -1;
	}
	ob->d = d;
	*state = ob;
	ob->ua_on = c->edge[0] != '\0';
	ob->edge_on = (d->conf->roles & HMMP_ROLE_EDGE) != 0;
	if (c->keepalive)
		ucfg.ka_min_ms = ucfg.ka_max_ms = c->keepalive * 1000;
	ob_ua_init(&ob->ua, &ucfg, &ua_ops, ob);
	if (c->have_secret) {
		memcpy(ob->secret, c->secret, sizeof(ob->secret));
	} else if (getrandom(ob->secret, sizeof(ob->secret), 0) !=
		   sizeof(ob->secret)) {
		hmmpd_log(LOG_ERR, "outbound: getrandom: %s", strerror(errno));
		goto err;
	}
	memcpy(ecfg.secret, ob->secret, sizeof(ecfg.secret));
	ob_edge_init(&ob->edge, &ecfg, &edge_ops, ob);
	if (ob->ua_on && sip_uri_addr(c->edge, &ob->edge_addr, NULL)) {
		hmmpd_log(LOG_ERR, "outbound: edge %s: not a usable URI", c->edge);
		goto err;
	}
	if (c->instance[0])
		snprintf(ob->instance, sizeof(ob->instance), "%s", c->instance);
	else
		derive_instance(ob);
	r = sd_event_add_time(d->ev, &ob->timer, CLOCK_MONOTONIC, 0, 1000,
			      on_timer, ob);
	if (r >= 0)
		r = sd_event_source_set_enabled(ob->timer, SD_EVENT_OFF);
	if (r < 0) {
		hmmpd_log(LOG_ERR, "outbound: sd-event: %s", strerror(-r));
		goto err;
	}
	if (ob->edge_on) {
		struct hmmpd_edge_cfg pcfg = {
			.self.addr = d->conf->nlisten ? d->conf->listen[0].addr : 0,
			.self.port = sip_port(d->sip, SIP_TP_UDP),
			.tcp_port = sip_port(d->sip, SIP_TP_TCP),
			.flow_mtu = c->flow_mtu,
			.secret = ob->secret,
			.rearm = rearm_cb,
			.arg = ob,
		};

		if (!pcfg.self.addr || !c->next_hop[0] ||
		    sip_uri_addr(c->next_hop, &pcfg.next, &pcfg.next_tcp)) {
			hmmpd_log(LOG_ERR, "outbound: the edge role needs [sip] listen with an address and [outbound] next_hop");
			goto err;
		}
		ob->px = hmmpd_edge_new(d->sip, &ob->edge, &pcfg);
		if (!ob->px) {
			hmmpd_log(LOG_ERR, "outbound: out of memory");
			goto err;
		}
		hmmpd_log(LOG_INFO, "outbound: edge proxy on port %u, next hop %s, flow MTU %u, %s secret",
			  pcfg.self.port, c->next_hop, c->flow_mtu,
			  c->have_secret ? "configured" : "random");
	}
	if (ob->ua_on)
		hmmpd_log(LOG_INFO, "outbound: registering through %s as %s, reg-id %u",
			  c->edge, ob->instance, c->reg_id);
	sip_set_conn_handler(d->sip, on_conn, ob);
	hmmpd_core_set_edge(d, ob->ua_on ? &ob->edge_addr : NULL);
	return 0;
err:
	ob_stop(d, ob);
	*state = NULL;
	return -1;
}

static void ob_stop(struct hmmpd *d, void *st)
{
	struct hmmpd_ob *ob = st;

	if (!ob)
		return;
	if (d->sip)
		sip_set_conn_handler(d->sip, NULL, NULL);
	hmmpd_core_set_edge(d, NULL);
	hmmpd_edge_free(ob->px);
	sd_event_source_disable_unref(ob->timer);
	free(ob);
}

/*
 * The UA side's part of a REGISTER: the extra header lines (Route,
 * Supported), the Contact parameters, and the next hop.
 */
static bool ob_register_decorate(struct hmmpd *d, void *st,
				 struct hmmpd_register_extra *x)
{
	struct hmmpd_ob *ob = st;
	char ip[INET_ADDRSTRLEN];

	if (!ob || !ob->ua_on)
		return false;
	inet_ntop(AF_INET, &ob->edge_addr.addr, ip, sizeof(ip));
	/* RFC 5626 4.2: through the edge, Outbound's Contact parameters. */
	snprintf(x->headers, sizeof(x->headers),
		 "Route: <sip:%s:%u;lr>\r\nSupported: path, outbound",
		 ip, ob->edge_addr.port);
	snprintf(x->cparams, sizeof(x->cparams), ";reg-id=%u;+sip.instance=\"<%s>\"",
		 ob_conf(d)->reg_id, ob->instance);
	x->next_hop = ob->edge_addr;
	return true;
}

/* The REGISTER from src succeeded (resp: its 200, for Flow-Timer). */
static void ob_registered(struct hmmpd *d, void *st, uint32_t src,
			  const osip_message_t *resp)
{
	struct hmmpd_ob *ob = st;
	struct ob_flow f = { .tp = OB_UDP };
	char *ft = NULL;

	if (!ob || !ob->ua_on)
		return;
	ob->ua_src = src;
	f.laddr = src;
	f.lport = sip_port(d->sip, SIP_TP_UDP);
	f.raddr = ob->edge_addr.addr;
	f.rport = ob->edge_addr.port;
	/* RFC 5626 4.4.1: the registrar's Flow-Timer paces keep-alives. */
	if (resp && !ob_conf(d)->keepalive &&
	    !sip_header(resp, "Flow-Timer", 0, &ft)) {
		ob_ua_set_flow_timer(&ob->ua, (unsigned int)strtoul(ft, NULL, 10));
		free(ft);
	}
	if (!ob->ua.active || !ob_flow_eq(&f, &ob->ua.udp))
		hmmpd_log(LOG_INFO, "outbound: keep-alives on the UDP flow to the edge");
	ob_ua_set_flow(&ob->ua, &f, now_ms(ob));
	rearm(ob);
}

/* ---- the feature ---- */

static const char *const ob_sections[] = { "outbound", NULL };

static void ob_conf_defaults(void *conf)
{
	hmmpd_ob_conf_defaults(conf);
}

static int ob_conf_key(void *conf, const char *section, const char *name,
		       const char *value, unsigned int line, char *why,
		       size_t whylen)
{
	(void)section;
	(void)line;
	return hmmpd_ob_conf_key(conf, name, value, why, whylen);
}

const struct hmmpd_feature hmmpd_feature_outbound = {
	.name = "outbound",
	.sections = ob_sections,
	.conf_size = sizeof(struct hmmpd_ob_conf),
	.conf_defaults = ob_conf_defaults,
	.conf_key = ob_conf_key,
	.start = ob_start,
	.stop = ob_stop,
	.register_decorate = ob_register_decorate,
	.registered = ob_registered,
	.stun = ob_stun,
};
