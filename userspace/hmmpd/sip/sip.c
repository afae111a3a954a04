// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the SIP user agent core (sip.h says what it does). This file
 * creates and frees it, holds its handlers, statistics and log, and runs
 * osip2 from the loop; the rest is split by job (sip-int.h lists the
 * files): message.c, transaction.c, transport.c.
 *
 * How it sits on osip2:
 *  - osip2 never touches a socket or a clock source of ours: it calls
 *    on_osip_send() (transaction.c) to send, and sip_int_execute() feeds
 *    its timers and event queues. osip2's clock is CLOCK_MONOTONIC, like
 *    sd-event's, and osip_timers_gettimeout() says when the next timer is
 *    due.
 *  - Ownership: an event handed to a transaction (osip_transaction_add_event,
 *    or osip_find_transaction_and_add_event returning 0) belongs to it, with
 *    its message; an event nobody took is ours to osip_event_free().
 *  - osip2 frees no transaction: a kill callback only says it ended. Nor
 *    may one be freed from inside a callback, since osip_*_execute() reads
 *    it again afterwards; kills are marked, and reaped at the top of a loop
 *    callback, where no pointer to them is held up the stack.
 *  - A NIST announces a request before it leaves NIST_PRE_TRYING, where a
 *    response has no transition: executing an answer from inside the
 *    announcement would drop it. So callbacks never execute anything, they
 *    only queue events, and sip_int_execute() loops until the queues are
 *    empty.
 *  - Outcomes of our requests are delivered at the top of a loop callback
 *    (a defer source when they came up in an API call), so a callback never
 *    fires inside sip_send_request() and may call the API itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <osip2/osip.h>

#include "sip-int.h"
#include "util.h"

/* osip2's traces are global: they go to the newest instance with a log. */
static struct sip *trace_sip;

void sip_int_log(struct sip *sip, int prio, const char *fmt, ...)
{
	va_list ap;

	if (!sip->cfg.log)
		return;
	va_start(ap, fmt);
	sip->cfg.log(sip->cfg.log_data, prio, fmt, ap);
	va_end(ap);
}

/* Bytes of the network in a log line: printable, short. */
const char *sip_int_clean(const char *in, char out[48])
{
	size_t i;

	for (i = 0; in && in[i] && i < 47; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
	return out;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void osip_trace_cb(const char *fi, int li, osip_trace_level_t level,
			  const char *fmt, va_list ap)
{
	char buf[256];
	size_t n;

	(void)level;
	if (!trace_sip)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	while (n--)	/* they quote what came in */
		if ((unsigned char)buf[n] < 0x20 || (unsigned char)buf[n] >= 0x7f)
			buf[n] = '?';
	sip_int_log(trace_sip, LOG_DEBUG, "osip2 %s:%d: %s", fi ? fi : "?", li,
		    buf);
}
#pragma GCC diagnostic pop

uint64_t sip_int_now(struct sip *sip)
{
	uint64_t t = 0;

	sd_event_now(sip->ev, CLOCK_MONOTONIC, &t);
	return t;
}

const char *sip_int_tp_name(enum sip_transport tp)
{
	return tp == SIP_TP_TCP ? "tcp" : tp == SIP_TP_SCTP ? "sctp" : "udp";
}

void sip_int_addr_str(uint32_t be32, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = be32 };

	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- the run -------------------------------------------------------- */

static void deliver(struct sip *sip)
{
	struct sip_client *c;

	sip->delivering = true;
	for (c = sip->clients; c; c = c->next) {
		if (!c->reported || c->delivered)
			continue;
		c->delivered = true;
		if (c->cb)
			c->cb(sip, c->status,
			      c->has_resp ? c->tr->last_response : NULL, c->req,
			      c->data);
	}
	sip->delivering = false;
}

static bool undelivered(struct sip *sip)
{
	struct sip_client *c;

	for (c = sip->clients; c; c = c->next)
		if (c->reported && !c->delivered)
			return true;
	return false;
}

static void reap(struct sip *sip)
{
	struct sip_client **pc = &sip->clients, *c;
	struct sip_server **ps = &sip->servers, *s;
	struct sip_conn **pn = &sip->conns, *n;

	while ((c = *pc)) {
		if (c->dead && (c->delivered || !c->reported)) {
			*pc = c->next;
			osip_transaction_free(c->tr);
			free(c);
		} else {
			pc = &c->next;
		}
	}
	while ((s = *ps)) {
		if (s->dead) {
			*ps = s->next;
			osip_transaction_free(s->tr);
			free(s);
		} else {
			ps = &s->next;
		}
	}
	while ((n = *pn)) {
		if (n->dead) {
			*pn = n->next;
			free(n->in);
			free(n->out);
			free(n);
		} else {
			pn = &n->next;
		}
	}
}

void sip_int_housekeeping(struct sip *sip)
{
	uint64_t now = sip_int_now(sip);
	uint64_t idle = (uint64_t)(sip->cfg.tcp_idle_s ? sip->cfg.tcp_idle_s
				   : SIP_TCP_IDLE_DEFAULT) * 1000000;
	struct sip_server *s;
	struct sip_conn *c;

	for (c = sip->conns; c; c = c->next) {
		struct sip_client *cl;
		bool busy = c->out_off < c->out_len;

		if (c->dead || (!c->released && now < c->last_usec + idle))
			continue;
		for (cl = sip->clients; cl && !busy; cl = cl->next)
			busy = !cl->reported && cl->conn_id == c->id;
		for (s = sip->servers; s && !busy && c->released; s = s->next)
			busy = !s->dead && !s->answered && s->conn_id == c->id;
		if (!busy)
			sip_int_conn_close(c, 0);
	}
	for (s = sip->servers; s; s = s->next) {
		if (s->dead || s->answered || !s->req ||
		    now < s->born_usec + SIP_ANSWER_TIMEOUT_MS * 1000ULL)
			continue;
		char c1[48], c2[48];

		sip_int_log(sip, LOG_WARNING, "%s %s left unanswered: 500",
			    sip_int_clean(s->req->sip_method, c1),
			    sip_int_clean(s->req->call_id->number, c2));
		sip_int_queue_response(sip, s, 500, "No Answer From hmmpd",
				       NULL, NULL, NULL, 0);
	}
}

static uint64_t earlier(uint64_t when, uint64_t deadline, uint64_t now)
{
	if (deadline <= now)
		deadline = now + 1000000;
	return deadline < when ? deadline : when;
}

void sip_int_rearm(struct sip *sip)
{
	uint64_t now = sip_int_now(sip), when, idle;
	struct sip_server *s;
	struct sip_conn *c;
	struct timeval tv;

	osip_timers_gettimeout(sip->osip, &tv);
	when = now + (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	idle = (uint64_t)(sip->cfg.tcp_idle_s ? sip->cfg.tcp_idle_s
			  : SIP_TCP_IDLE_DEFAULT) * 1000000;
	/* a deadline that passed without effect (busy) is looked at again */
	/* a released connection is looked at every second until it goes */
	for (c = sip->conns; c; c = c->next)
		if (!c->dead)
			when = earlier(when, c->released ? now
					    : c->last_usec + idle, now);
	for (s = sip->servers; s; s = s->next)
		if (!s->dead && !s->answered)
			when = earlier(when, s->born_usec +
				       SIP_ANSWER_TIMEOUT_MS * 1000ULL, now);
	if (sd_event_source_set_time(sip->timer, when) < 0 ||
	    sd_event_source_set_enabled(sip->timer, SD_EVENT_ONESHOT) < 0)
		sip_int_log(sip, LOG_ERR, "cannot arm the SIP timer");
}

/*
 * Feeds osip2's timers and queues until nothing is left to do. Nested
 * calls (from callbacks) only ask the outer one for another round.
 */
void sip_int_execute(struct sip *sip)
{
	if (sip->running) {
		sip->again = true;
		return;
	}
	sip->running = true;
	do {
		sip->again = false;
		osip_timers_nict_execute(sip->osip);
		osip_timers_nist_execute(sip->osip);
		osip_nict_execute(sip->osip);
		osip_nist_execute(sip->osip);
	} while (sip->again);
	sip->running = false;
}

/*
 * sip_int_execute(), then, at the top of a loop callback (top), the
 * outcomes go to their callers and the dead are freed. Anywhere else
 * pointers to clients, servers or connections may be held up the stack:
 * nothing is freed, and outcomes wait for the defer source.
 */
void sip_int_run(struct sip *sip, bool top)
{
	sip_int_execute(sip);
	if (top && !sip->delivering) {
		deliver(sip);
		reap(sip);
	} else if (undelivered(sip)) {
		sd_event_source_set_enabled(sip->defer, SD_EVENT_ONESHOT);
	}
	sip_int_rearm(sip);
}

void sip_process(struct sip *sip)
{
	sip_int_housekeeping(sip);
	sip_int_run(sip, true);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	(void)s;
	(void)usec;
	sip_process(arg);
	return 0;
}

static int on_defer(sd_event_source *s, void *arg)
{
	(void)s;
	sip_int_run(arg, true);
	return 0;
}

/* ---- the API -------------------------------------------------------- */

void sip_set_request_handler(struct sip *sip, sip_request_fn fn, void *data)
{
	sip->handler = fn;
	sip->handler_data = data;
}

void sip_set_stun_handler(struct sip *sip, sip_stun_fn fn, void *data)
{
	sip->stun_fn = fn;
	sip->stun_data = data;
}

void sip_set_conn_handler(struct sip *sip, sip_conn_fn fn, void *data)
{
	sip->conn_fn = fn;
	sip->conn_data = data;
}

void sip_set_sctp_handler(struct sip *sip, sip_sctp_fn fn, void *data)
{
	sip->sctp_fn = fn;
	sip->sctp_data = data;
}

void sip_set_raw_handler(struct sip *sip, sip_raw_fn fn, void *data)
{
	sip->raw_fn = fn;
	sip->raw_data = data;
}

void sip_get_stats(const struct sip *sip, struct sip_stats *st)
{
	*st = sip->stats;
}

uint16_t sip_port(const struct sip *sip, enum sip_transport tp)
{
	return tp == SIP_TP_TCP ? sip->tcp_port :
	       tp == SIP_TP_SCTP ? sip->sctp_port : sip->udp_port;
}

int sip_udp_fd(const struct sip *sip)
{
	return sip ? sip->udp_fd : -1;
}

int sip_new(sd_event *ev, const struct sip_config *cfg, struct sip **out)
{
	struct sip *sip = calloc(1, sizeof(*sip));
	osip_uri_t *uri = NULL;
	int r = -ENOMEM;

	*out = NULL;
	if (!sip)
		return -ENOMEM;
	sip->ev = sd_event_ref(ev);
	sip->cfg = *cfg;
	sip->udp_fd = sip->tcp_fd = sip->sctp_fd = -1;
	sip->cfg.identity = sip->cfg.user_agent = NULL;
	sip->ua = strdup(cfg->user_agent ? cfg->user_agent
			 : "hmmpd/" HMMP_USER_VERSION);
	if (!sip->ua)
		goto err;
	if (cfg->identity) {
		if (osip_uri_init(&uri))
			goto err;
		if (osip_uri_parse(uri, cfg->identity) || !uri->host) {
			sip_int_log(sip, LOG_ERR, "identity '%s' is no SIP URI",
				    cfg->identity);
			r = -EINVAL;
			goto err;
		}
		sip->identity = strdup(cfg->identity);
		sip->user = strdup(uri->username ? uri->username : "hmmpd");
	} else {
		sip->user = strdup("hmmpd");
	}
	if (!sip->user || (cfg->identity && !sip->identity))
		goto err;
	if (osip_init(&sip->osip))
		goto err;
	osip_set_application_context(sip->osip, sip);
	r = sip_int_set_callbacks(sip->osip);
	if (r)
		goto err;
	if (cfg->log) {
		trace_sip = sip;
		osip_trace_initialize_func(OSIP_INFO1, osip_trace_cb);
	} else if (!trace_sip) {
		/* unset, osip2 would trace warnings to stdout */
		osip_trace_initialize_func(OSIP_INFO1, osip_trace_cb);
	}
	r = sip_int_transport_open(sip);
	if (r < 0)
		goto err;
	/* 1 ms accuracy: the default 250 ms would blur timer E */
	r = sd_event_add_time(ev, &sip->timer, CLOCK_MONOTONIC, 0, 1000,
			      on_timer, sip);
	if (r >= 0)
		r = sd_event_source_set_enabled(sip->timer, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_defer(ev, &sip->defer, on_defer, sip);
	if (r >= 0)
		r = sd_event_source_set_enabled(sip->defer, SD_EVENT_OFF);
	if (r < 0) {
		sip_int_log(sip, LOG_ERR, "sd-event: %s", strerror(-r));
		goto err;
	}
	osip_uri_free(uri);
	*out = sip;
	return 0;
err:
	osip_uri_free(uri);
	sip_free(sip);
	return r;
}

void sip_free(struct sip *sip)
{
	struct sip_client *c;
	struct sip_server *s;
	struct sip_conn *n;

	if (!sip)
		return;
	while ((c = sip->clients)) {
		sip->clients = c->next;
		osip_transaction_free(c->tr);
		free(c);
	}
	while ((s = sip->servers)) {
		sip->servers = s->next;
		osip_transaction_free(s->tr);
		free(s);
	}
	while ((n = sip->conns)) {
		sip->conns = n->next;
		sd_event_source_disable_unref(n->io);
		if (n->fd >= 0)
			close(n->fd);
		free(n->in);
		free(n->out);
		free(n);
	}
	if (trace_sip == sip)
		trace_sip = NULL;
	if (sip->osip)
		osip_release(sip->osip);
	sd_event_source_disable_unref(sip->udp_src);
	sd_event_source_disable_unref(sip->tcp_src);
	sd_event_source_disable_unref(sip->sctp_src);
	sd_event_source_disable_unref(sip->timer);
	sd_event_source_disable_unref(sip->defer);
	if (sip->udp_fd >= 0)
		close(sip->udp_fd);
	if (sip->tcp_fd >= 0)
		close(sip->tcp_fd);
	if (sip->sctp_fd >= 0)
		close(sip->sctp_fd);
	sd_event_unref(sip->ev);
	free(sip->identity);
	free(sip->user);
	free(sip->ua);
	free(sip);
}
