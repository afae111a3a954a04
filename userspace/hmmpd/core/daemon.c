// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the daemon's life (daemon.h): configuration, start, reload, stop,
 * and following hmmp.ko's generic netlink family:
 *
 *  - waits for the family "hmmp" to appear, retrying with exponential
 *    backoff, and listens to the controller's notifications so that it
 *    notices the family vanishing and reappearing at once;
 *  - on every (re)appearance: resolves the family again, joins its
 *    "events" group, resyncs (dumps the connection table), and sets the
 *    module's roles from hmmpd.conf; a receive-buffer overrun (events
 *    lost) triggers a resync too;
 *  - logs every event and hands it to the features;
 *  - tells systemd READY=1 after the first resync.
 *
 * Then the life of the features (feature.h): started in table order after
 * the SIP core, stopped in reverse, told of every reload, of hmmp.ko
 * coming and going, and handed the SIP requests to this host.
 *
 * Two generic netlink sockets: "cmd" for requests (blocking, with a
 * receive timeout) and "evt" for multicast (non-blocking, on the loop).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netlink/socket.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "feature.h"
#include "kern.h"
#include "log.h"
#include "net.h"
#include "objects.h"
#include "print.h"
#include "util.h"

#define BACKOFF_MIN_MS	500
#define BACKOFF_MAX_MS	30000
#define CMD_TIMEOUT_S	5

uint64_t hmmpd_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

uint64_t hmmpd_now_us(struct hmmpd *d)
{
	uint64_t now = 0;

	if (sd_event_now(d->ev, CLOCK_MONOTONIC, &now) < 0) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	}
	return now;
}

int hmmpd_timer_arm(struct hmmpd *d, sd_event_source **src, uint64_t in_us,
		    sd_event_time_handler_t fn, void *arg)
{
	uint64_t when = hmmpd_now_us(d) + in_us;
	int r;

	if (*src) {
		r = sd_event_source_set_time(*src, when);
		if (r >= 0)
			r = sd_event_source_set_enabled(*src, SD_EVENT_ONESHOT);
	} else {
		r = sd_event_add_time(d->ev, src, CLOCK_MONOTONIC, when, 1000,
				      fn, arg);
	}
	if (r < 0)
		hmmpd_log(LOG_ERR, "cannot arm a timer: %s", strerror(-r));
	return r;
}

void hmmpd_timer_disarm(sd_event_source *src)
{
	if (src)
		sd_event_source_set_enabled(src, SD_EVENT_OFF);
}

/* ---- configuration ------------------------------------------------------ */

/* sip.c takes one address for all transports, one port each. */
static int listen_check(const struct hmmpd_conf *c, const char *path)
{
	unsigned int i, nudp = 0, ntcp = 0, nsctp = 0;
	uint32_t addr = 0;
	bool have_addr = false;

	for (i = 0; i < c->nlisten; i++) {
		if (c->listen[i].proto == IPPROTO_UDP)
			nudp++;
		else if (c->listen[i].proto == IPPROTO_SCTP)
			nsctp++;
		else
			ntcp++;
		if (have_addr && c->listen[i].addr != addr)
			break;
		addr = c->listen[i].addr;
		have_addr = true;
	}
	if (i < c->nlisten || nudp > 1 || ntcp > 1 || nsctp > 1) {
		hmmpd_log(LOG_ERR, "%s: listen: this hmmpd listens on one address, with at most one udp, one tcp and one sctp port",
			  path);
		return -1;
	}
	return 0;
}

static int load_into(const char *path, struct hmmpd_conf *c,
		     struct hmmpd_secrets *s)
{
	char err[HMMPD_CONF_ERR_MAX > HMMPD_ERR_MAX ? HMMPD_CONF_ERR_MAX : HMMPD_ERR_MAX];
	const char *p = path ? path : HMMPD_CONF_PATH;
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (!path && stat(p, &st) && errno == ENOENT) {
		hmmpd_conf_defaults(c);
		hmmpd_log(LOG_NOTICE, "config: no %s: using the defaults", p);
	} else if (hmmpd_conf_load(c, p, err, sizeof(err))) {
		hmmpd_log(LOG_ERR, "%s", err);
		return -1;
	}
	if (listen_check(c, p))
		return -1;
	if (stat(c->secrets, &st) && errno == ENOENT) {
		hmmpd_log(LOG_WARNING, "config: no secrets file %s: requests to this host cannot authenticate, and challenges from peers cannot be answered",
			  c->secrets);
		return 0;
	}
	if (hmmpd_secrets_load(c->secrets, s, err, sizeof(err))) {
		hmmpd_log(LOG_ERR, "%s", err);
		return -1;
	}
	return 0;
}

static void apply_log_level(struct hmmpd *d)
{
	hmmpd_log_set_level(d->verbose ? LOG_DEBUG : d->conf->log_level);
}

int hmmpd_load(struct hmmpd *d, const char *path)
{
	struct hmmpd_conf *c = malloc(sizeof(*c));
	char roles[64];

	if (!c) {
		hmmpd_log(LOG_ERR, "out of memory");
		return -1;
	}
	if (load_into(path, c, &d->secrets)) {
		free(c);
		return -1;
	}
	d->conf_path = path;
	d->conf = c;
	apply_log_level(d);
	hmmp_roles_format(c->roles, roles, sizeof(roles));
	hmmpd_log(LOG_INFO, "config: %s loaded: roles %s, %u peers, %u secrets",
		  path ? path : HMMPD_CONF_PATH, roles, c->npeers, d->secrets.n);
	return 0;
}

/* ---- hmmp.ko ------------------------------------------------------------ */

static int cmd_open(struct hmmpd *d)
{
	struct timeval tv = { .tv_sec = CMD_TIMEOUT_S };
	int ret;

	ret = hmmp_nl_init(&d->cmd);
	if (!ret)
		ret = hmmp_nl_connect(&d->cmd);
	if (ret)
		return ret;
	/* never hang on a kernel that does not answer */
	setsockopt(nl_socket_get_fd(d->cmd.sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	return 0;
}

/* After a failed request the socket may hold stale replies: start afresh. */
static int cmd_reset(struct hmmpd *d)
{
	int family = d->cmd.family, ver = d->cmd.family_version;
	int grp = d->cmd.events_grp, ret;

	hmmp_nl_close(&d->cmd);
	ret = cmd_open(d);
	d->cmd.family = family;
	d->cmd.family_version = ver;
	d->cmd.events_grp = grp;
	return ret;
}

void hmmpd_cmd_failed(struct hmmpd *d)
{
	/* a kernel error left the socket in step; anything else may not */
	if (!d->cmd.err && cmd_reset(d))
		hmmpd_log(LOG_ERR, "kernel: %s", d->cmd.msg);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *arg);

static void schedule(struct hmmpd *d, unsigned int ms)
{
	uint64_t now = hmmpd_now_us(d);
	int r;

	if (d->retry) {
		r = sd_event_source_set_time(d->retry, now + ms * 1000ULL);
		if (r >= 0)
			r = sd_event_source_set_enabled(d->retry, SD_EVENT_ONESHOT);
	} else {
		r = sd_event_add_time(d->ev, &d->retry, CLOCK_MONOTONIC,
				      now + ms * 1000ULL, 0, on_retry, d);
	}
	if (r < 0) {
		hmmpd_log(LOG_ERR, "cannot arm the retry timer: %s", strerror(-r));
		sd_event_exit(d->ev, 1);
	}
}

static void retry_later(struct hmmpd *d)
{
	d->backoff_ms = hmmp_backoff_next(d->backoff_ms, BACKOFF_MIN_MS,
					  BACKOFF_MAX_MS);
	hmmpd_log(LOG_DEBUG, "kernel: next attempt in %u ms", d->backoff_ms);
	schedule(d, d->backoff_ms);
}

static void went_down(struct hmmpd *d, const char *why)
{
	bool was_up = d->up;

	if (d->up)
		hmmpd_log(LOG_WARNING, "kernel: %s; waiting for it to come back", why);
	d->up = false;
	if (was_up)
		hmmpd_features_kernel_down(d);
	d->cmd.family = 0;
	d->waiting_logged = true;
	sd_notify(0, "STATUS=waiting for hmmp.ko");
}

static void set_roles(struct hmmpd *d)
{
	char roles[64];

	hmmp_roles_format(d->conf->roles, roles, sizeof(roles));
	if (hmmpd_kern_set_roles(&d->cmd, d->conf->roles)) {
		hmmpd_log(LOG_ERR, "kernel: cannot set the roles %s: %s", roles,
			  d->cmd.msg);
		cmd_reset(d);
		return;
	}
	hmmpd_log(LOG_INFO, "kernel: roles %s", roles);
}

/* Resolve, join, resync; on failure try again later. */
static void probe(struct hmmpd *d)
{
	struct hmmpd_conns conns = { 0 };
	size_t i, live = 0;
	int ret;

	ret = hmmp_nl_resolve(&d->cmd);
	if (ret == HMMP_EXIT_NOFAMILY) {
		if (!d->waiting_logged)
			hmmpd_log(LOG_INFO, "kernel: waiting: %s", d->cmd.msg);
		d->waiting_logged = true;
		sd_notify(0, "STATUS=waiting for hmmp.ko");
		retry_later(d);
		return;
	}
	if (ret)
		goto fail;
	/*
	 * Join every time: the kernel drops the members of a family's groups
	 * when it goes away, and we may have missed that (overrun). Joining
	 * twice is harmless. Joined before the dump: no event falls between.
	 */
	ret = hmmp_nl_join(&d->evt, d->cmd.events_grp);
	if (ret) {
		hmmpd_log(LOG_ERR, "kernel: joining the events group: %s", d->evt.msg);
		goto again;
	}
	ret = hmmpd_kern_conns(&d->cmd, 0, &conns);
	if (ret)
		goto fail;
	for (i = 0; i < conns.n; i++)
		live += (size_t)hmmpd_conn_live(&conns.v[i]);
	hmmpd_log(LOG_INFO, "resync: hmmp family %d (api %d), %zu connections tracked, %zu live",
		  d->cmd.family, d->cmd.family_version, conns.n, live);
	hmmpd_conns_free(&conns);
	d->up = true;
	hmmpd_kern_forget();
	d->waiting_logged = false;
	d->backoff_ms = 0;
	set_roles(d);
	sd_notifyf(0, "STATUS=following hmmp.ko: %zu connections at last resync",
		   live);
	if (!d->ready) {
		sd_notify(0, "READY=1");
		d->ready = true;
	}
	hmmpd_features_kernel_up(d);
	return;
fail:
	hmmpd_conns_free(&conns);
	hmmpd_log(LOG_ERR, "kernel: %s", d->cmd.msg);
again:
	d->up = false;
	if (cmd_reset(d))
		hmmpd_log(LOG_ERR, "kernel: %s", d->cmd.msg);
	retry_later(d);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *arg)
{
	struct hmmpd *d = arg;

	(void)s;
	(void)usec;
	if (!d->cmd.sk && cmd_open(d)) {
		hmmpd_log(LOG_ERR, "kernel: %s", d->cmd.msg);
		retry_later(d);
		return 0;
	}
	probe(d);
	return 0;
}

static void log_event(struct nl_msg *msg)
{
	struct hmmp_pr p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		hmmpd_log(LOG_ERR, "out of memory");
		return;
	}
	pr_init(&p, f, false);
	if (hmmp_event_print(&p, msg)) {
		pr_end(&p);
		fclose(f);
		free(buf);
		hmmpd_log(LOG_WARNING, "kernel: malformed event ignored");
		return;
	}
	pr_end(&p);
	fclose(f);
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	hmmpd_log(LOG_INFO, "%s", buf);
	free(buf);
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct hmmpd *d = arg;
	int type = nlmsg_hdr(msg)->nlmsg_type;

	switch (hmmp_nl_ctrl_event(msg, HMMP_GENL_NAME)) {
	case 1:
		hmmpd_log(LOG_INFO, "kernel: family 'hmmp' registered");
		if (!d->up) {
			d->backoff_ms = 0;
			schedule(d, 0);
		}
		return 0;
	case -1:
		went_down(d, "family 'hmmp' unregistered (hmmp.ko unloaded)");
		d->backoff_ms = 0;
		retry_later(d);
		return 0;
	default:
		break;
	}
	if (d->up && type == d->cmd.family) {
		log_event(msg);
		hmmpd_features_kernel_event(d, msg);
	}
	return 0;
}

static void on_lost(void *arg)
{
	struct hmmpd *d = arg;

	hmmpd_log(LOG_WARNING, "kernel: event socket overrun: events lost, resyncing");
	schedule(d, 0);
}

static int on_evt(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct hmmpd *d = arg;
	int ret;

	(void)s;
	(void)fd;
	(void)revents;
	ret = hmmp_nl_listen(&d->evt, on_message, on_lost, d);
	if (ret) {
		hmmpd_log(LOG_ERR, "kernel: event socket: %s", d->evt.msg);
		sd_event_exit(d->ev, 1);
	}
	return 0;
}

static int evt_open(struct hmmpd *d)
{
	int ret, ctrl, notify = 0;

	ret = hmmp_nl_init(&d->evt);
	if (!ret)
		ret = hmmp_nl_connect(&d->evt);
	if (ret)
		return ret;
	nl_socket_set_nonblocking(d->evt.sk);
	nl_socket_set_buffer_size(d->evt.sk, 1 << 20, 0);
	/* the controller tells everyone when a family comes and goes */
	ret = hmmp_nl_resolve_family(&d->cmd, "nlctrl", "notify", &ctrl, &notify);
	if (ret) {
		snprintf(d->evt.msg, sizeof(d->evt.msg), "%s", d->cmd.msg);
		return ret;
	}
	return hmmp_nl_join(&d->evt, notify);
}

/* ---- SIP ---------------------------------------------------------------- */

static void sip_log(void *data, int prio, const char *fmt, va_list ap)
{
	char buf[512];

	(void)data;
	if (prio > hmmpd_log_level())
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	hmmpd_log(prio, "sip: %s", buf);
}

static void sip_cfg(const struct hmmpd_conf *c, struct sip_config *sc)
{
	unsigned int i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < c->nlisten; i++) {
		sc->addr = c->listen[i].addr;
		if (c->listen[i].proto == IPPROTO_UDP) {
			sc->udp_port = c->listen[i].port;
		} else if (c->listen[i].proto == IPPROTO_SCTP) {
			sc->sctp = true;
			sc->sctp_port = c->listen[i].port;
		} else {
			sc->tcp_port = c->listen[i].port;
		}
	}
	sc->identity = c->identity[0] ? c->identity : NULL;
	sc->log = sip_log;
}

/* A request to this host: the first feature that takes it; else 501. */
static void on_sip_request(struct sip *sip, const osip_message_t *req,
			   const struct sip_addr *src, enum sip_transport tp,
			   void *data)
{
	struct hmmpd *d = data;
	int r;

	if (hmmpd_features_sip_request(d, req, src, tp))
		return;
	r = sip_respond(sip, req, 501, NULL, NULL, NULL, NULL, 0);
	if (r)
		hmmpd_log(LOG_ERR, "sip: cannot answer 501: %s", strerror(-r));
}

/* STUN on the SIP ports: the first feature that takes it. */
static void on_sip_stun(struct sip *sip, const struct sip_flow *flow,
			const uint8_t *buf, size_t len, void *data)
{
	(void)sip;
	hmmpd_features_stun(data, flow, buf, len);
}

static int sip_start(struct hmmpd *d)
{
	struct sip_config sc;
	char ip[HMMP_ADDRSTRLEN];
	int r;

	sip_cfg(d->conf, &sc);
	r = sip_new(d->ev, &sc, &d->sip);
	if (r) {
		hmmpd_log(LOG_ERR, "sip: cannot start: %s", strerror(-r));
		return -1;
	}
	sip_set_request_handler(d->sip, on_sip_request, d);
	sip_set_stun_handler(d->sip, on_sip_stun, d);
	hmmpd_log(LOG_INFO, "sip: listening on %s, udp %u, tcp %u",
		  hmmp_addr_format(sc.addr, ip), sip_port(d->sip, SIP_TP_UDP),
		  sip_port(d->sip, SIP_TP_TCP));
	return 0;
}

/* ---- life --------------------------------------------------------------- */

int hmmpd_start(struct hmmpd *d)
{
	int r;

	if (getrandom(d->nonce_key, sizeof(d->nonce_key), 0) !=
	    (ssize_t)sizeof(d->nonce_key)) {
		hmmpd_log(LOG_ERR, "getrandom: %s", strerror(errno));
		return -1;
	}
	{
		/*
		 * libcrypto loads its providers and configuration on first
		 * use: hundreds of milliseconds on a slow machine. Not in the
		 * middle of a hand-off, then.
		 */
		struct hmmpd_digest_server s = {
			.key = d->nonce_key, .keylen = sizeof(d->nonce_key),
			.realm = "warm-up", .nonce_lifetime = 1,
		};
		char nonce[HMMPD_NONCE_LEN + 1];

		if (hmmpd_nonce_make(&s, 0, "", nonce))
			hmmpd_log(LOG_WARNING, "libcrypto: cannot compute an HMAC");
	}
	d->nc = calloc(1, sizeof(*d->nc));
	if (!d->nc) {
		hmmpd_log(LOG_ERR, "out of memory");
		return -1;
	}
	if (cmd_open(d)) {
		hmmpd_log(LOG_ERR, "kernel: %s", d->cmd.msg);
		return -1;
	}
	if (evt_open(d)) {
		hmmpd_log(LOG_ERR, "kernel: %s", d->evt.msg);
		return -1;
	}
	r = sd_event_add_io(d->ev, &d->evt_src, nl_socket_get_fd(d->evt.sk),
			    EPOLLIN, on_evt, d);
	if (r < 0) {
		hmmpd_log(LOG_ERR, "sd_event_add_io: %s", strerror(-r));
		return -1;
	}
	d->rt = hmmpd_net_open();
	if (!d->rt) {
		hmmpd_log(LOG_ERR, "net: cannot open a NETLINK_ROUTE socket");
		return -1;
	}
	/* features after the SIP core; the watch after them: it tells them */
	if (sip_start(d) || hmmpd_features_start(d) || hmmpd_watch_start(d))
		return -1;
	schedule(d, 0);
	return 0;
}

static bool same_sip(const struct hmmpd_conf *a, const struct hmmpd_conf *b)
{
	return a->nlisten == b->nlisten &&
	       !memcmp(a->listen, b->listen, a->nlisten * sizeof(a->listen[0])) &&
	       !strcmp(a->identity, b->identity);
}

void hmmpd_reload(struct hmmpd *d)
{
	struct hmmpd_conf *c = malloc(sizeof(*c)), *old;
	struct hmmpd_secrets s;
	uint32_t old_roles = d->conf->roles;

	hmmpd_log(LOG_INFO, "config: SIGHUP: reloading %s",
		  d->conf_path ? d->conf_path : HMMPD_CONF_PATH);
	if (!c || load_into(d->conf_path, c, &s)) {
		free(c);
		hmmpd_log(LOG_ERR, "config: reload failed: keeping the configuration in use");
		return;
	}
	if (!same_sip(c, d->conf)) {
		hmmpd_log(LOG_WARNING, "config: listen or identity changed: restart hmmpd to apply that; keeping the old ones");
		memcpy(c->listen, d->conf->listen, sizeof(c->listen));
		c->nlisten = d->conf->nlisten;
		memcpy(c->identity, d->conf->identity, sizeof(c->identity));
	}
	hmmpd_secrets_free(&d->secrets);
	d->secrets = s;
	old = d->conf;
	d->conf = c;
	apply_log_level(d);
	hmmpd_log(LOG_INFO, "config: reloaded: %u peers, %u secrets", c->npeers, s.n);
	if (d->up && c->roles != old_roles)
		set_roles(d);
	hmmpd_features_reconfigured(d, old);
	free(old);
	/* look again: the interfaces to watch may have changed */
	hmmpd_watch_poke(d, "configuration reloaded");
}

void hmmpd_stop(struct hmmpd *d)
{
	hmmpd_watch_stop(d);
	hmmpd_features_stop(d);
	sip_free(d->sip);
	d->sip = NULL;
	d->retry = sd_event_source_disable_unref(d->retry);
	d->evt_src = sd_event_source_disable_unref(d->evt_src);
	hmmp_nl_close(&d->evt);
	hmmp_nl_close(&d->cmd);
	if (d->rt)
		nl_socket_free(d->rt);
	d->rt = NULL;
	free(d->nc);
	d->nc = NULL;
	hmmpd_secrets_free(&d->secrets);
	free(d->conf);
	d->conf = NULL;
}
