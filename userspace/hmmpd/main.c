// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the hmmp daemon. This is its foundation only: it follows the
 * kernel module's generic netlink family and logs what happens. SIP
 * signalling, address watching and hand-off are not here yet.
 *
 *  - waits for the family "hmmp" to appear, retrying with exponential
 *    backoff, and listens to the controller's notifications so that it
 *    notices the family vanishing and reappearing at once;
 *  - on every (re)appearance: resolves the family again, joins its
 *    "events" group and resyncs, i.e. dumps the connection table and logs
 *    how many records it holds; a receive-buffer overrun (events lost)
 *    triggers a resync too;
 *  - logs every event;
 *  - tells systemd READY=1 after the first resync; SIGTERM/SIGINT exit
 *    cleanly; SIGHUP logs a reload (there is no configuration yet).
 *
 * Two sockets: "cmd" for requests (blocking, with a receive timeout) and
 * "evt" for multicast (non-blocking, driven by sd-event).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include <netlink/socket.h>

#include "nl.h"
#include "objects.h"
#include "print.h"
#include "util.h"

#define BACKOFF_MIN_MS	500
#define BACKOFF_MAX_MS	30000
#define CMD_TIMEOUT_S	5

struct hmmpd {
	sd_event *ev;
	sd_event_source *evt_src, *retry;
	struct hmmp_nl cmd, evt;
	bool up;		/* family resolved, joined and resynced */
	bool ready;		/* READY=1 sent */
	bool waiting_logged;	/* "waiting for the family" said once */
	unsigned int backoff_ms;
};

static bool foreground, verbose;

static void logm(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logm(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	if (foreground) {
		fputs("hmmpd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}

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
	hmmp_nl_close(&d->cmd);
	return cmd_open(d);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *arg);

static void schedule(struct hmmpd *d, unsigned int ms)
{
	uint64_t now;
	int r;

	sd_event_now(d->ev, CLOCK_MONOTONIC, &now);
	if (d->retry) {
		r = sd_event_source_set_time(d->retry, now + ms * 1000ULL);
		if (r >= 0)
			r = sd_event_source_set_enabled(d->retry, SD_EVENT_ONESHOT);
	} else {
		r = sd_event_add_time(d->ev, &d->retry, CLOCK_MONOTONIC,
				      now + ms * 1000ULL, 0, on_retry, d);
	}
	if (r < 0) {
		logm(LOG_ERR, "cannot arm the retry timer: %s", strerror(-r));
		sd_event_exit(d->ev, 1);
	}
}

static void retry_later(struct hmmpd *d)
{
	d->backoff_ms = hmmp_backoff_next(d->backoff_ms, BACKOFF_MIN_MS,
					  BACKOFF_MAX_MS);
	logm(LOG_DEBUG, "next attempt in %u ms", d->backoff_ms);
	schedule(d, d->backoff_ms);
}

static int count_conn(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_conn c;

	if (hmmp_msg_parse(msg, tb) || hmmp_conn_parse(tb[HMMP_A_CONN], &c))
		return HMMP_NL_BAD;
	(*(unsigned int *)arg)++;
	return 0;
}

static int resync(struct hmmpd *d, unsigned int *n)
{
	struct nl_msg *msg = hmmp_nl_msg(&d->cmd, HMMP_CMD_CONN_GET, NLM_F_DUMP);

	*n = 0;
	if (!msg)
		return HMMP_EXIT_KERNEL;
	return hmmp_nl_talk(&d->cmd, msg, count_conn, n);
}

static void went_down(struct hmmpd *d, const char *why)
{
	if (d->up)
		logm(LOG_WARNING, "%s; waiting for it to come back", why);
	d->up = false;
	d->cmd.family = 0;
	d->waiting_logged = true;
	sd_notify(0, "STATUS=waiting for hmmp.ko");
}

/* Resolve, join, resync; on failure try again later. */
static void probe(struct hmmpd *d)
{
	unsigned int n;
	int ret;

	ret = hmmp_nl_resolve(&d->cmd);
	if (ret == HMMP_EXIT_NOFAMILY) {
		if (!d->waiting_logged)
			logm(LOG_INFO, "waiting: %s", d->cmd.msg);
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
		logm(LOG_ERR, "joining the events group: %s", d->evt.msg);
		goto again;
	}
	ret = resync(d, &n);
	if (ret)
		goto fail;
	logm(LOG_INFO, "resync: hmmp family %d (api %d), %u connections tracked",
	     d->cmd.family, d->cmd.family_version, n);
	d->up = true;
	d->waiting_logged = false;
	d->backoff_ms = 0;
	sd_notifyf(0, "STATUS=following hmmp.ko: %u connections at last resync", n);
	if (!d->ready) {
		sd_notify(0, "READY=1");
		d->ready = true;
	}
	return;
fail:
	logm(LOG_ERR, "%s", d->cmd.msg);
again:
	d->up = false;
	if (cmd_reset(d))
		logm(LOG_ERR, "%s", d->cmd.msg);
	retry_later(d);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *arg)
{
	struct hmmpd *d = arg;

	(void)s;
	(void)usec;
	if (!d->cmd.sk && cmd_open(d)) {
		logm(LOG_ERR, "%s", d->cmd.msg);
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
		logm(LOG_ERR, "out of memory");
		return;
	}
	pr_init(&p, f, false);
	if (hmmp_event_print(&p, msg)) {
		pr_end(&p);
		fclose(f);
		free(buf);
		logm(LOG_WARNING, "malformed event ignored");
		return;
	}
	pr_end(&p);
	fclose(f);
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	logm(LOG_INFO, "%s", buf);
	free(buf);
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct hmmpd *d = arg;
	int type = nlmsg_hdr(msg)->nlmsg_type;

	switch (hmmp_nl_ctrl_event(msg, HMMP_GENL_NAME)) {
	case 1:
		logm(LOG_INFO, "family 'hmmp' registered");
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
	if (d->up && type == d->cmd.family)
		log_event(msg);
	return 0;
}

static void on_lost(void *arg)
{
	struct hmmpd *d = arg;

	logm(LOG_WARNING, "event socket overrun: events lost, resyncing");
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
		logm(LOG_ERR, "event socket: %s", d->evt.msg);
		sd_event_exit(d->ev, 1);
	}
	return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *arg)
{
	struct hmmpd *d = arg;

	(void)s;
	if (si->ssi_signo == SIGHUP) {
		logm(LOG_INFO, "SIGHUP: reload requested; nothing to reload yet");
		return 0;
	}
	logm(LOG_INFO, "SIG%s: exiting", sigabbrev_np((int)si->ssi_signo));
	sd_notify(0, "STOPPING=1");
	sd_event_exit(d->ev, 0);
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

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: hmmpd [-f] [-v] [-h]\n"
		"  -f  stay in the foreground and log to stderr\n"
		"  -v  verbose (debug) logging\n"
		"  -h  this help\n");
}

int main(int argc, char **argv)
{
	struct hmmpd d = { 0 };
	sigset_t ss;
	int opt, r, ret = 1;

	while ((opt = getopt(argc, argv, "fvh")) != -1) {
		switch (opt) {
		case 'f':
			foreground = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hmmpd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (!foreground) {
		openlog("hmmpd", LOG_PID, LOG_DAEMON);
		if (daemon(0, 0)) {
			perror("hmmpd: daemon");
			return 1;
		}
	}

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);

	r = sd_event_default(&d.ev);
	if (r < 0) {
		logm(LOG_ERR, "sd_event: %s", strerror(-r));
		return 1;
	}
	if (sd_event_add_signal(d.ev, NULL, SIGTERM, on_signal, &d) < 0 ||
	    sd_event_add_signal(d.ev, NULL, SIGINT, on_signal, &d) < 0 ||
	    sd_event_add_signal(d.ev, NULL, SIGHUP, on_signal, &d) < 0) {
		logm(LOG_ERR, "cannot watch signals");
		goto out;
	}
	if (cmd_open(&d)) {
		logm(LOG_ERR, "%s", d.cmd.msg);
		goto out;
	}
	if (evt_open(&d)) {
		logm(LOG_ERR, "%s", d.evt.msg);
		goto out;
	}
	r = sd_event_add_io(d.ev, &d.evt_src, nl_socket_get_fd(d.evt.sk),
			    EPOLLIN, on_evt, &d);
	if (r < 0) {
		logm(LOG_ERR, "sd_event_add_io: %s", strerror(-r));
		goto out;
	}
	logm(LOG_INFO, "hmmpd %s starting", HMMP_USER_VERSION);
	schedule(&d, 0);
	r = sd_event_loop(d.ev);
	ret = r < 0 ? 1 : r;
out:
	sd_event_source_unref(d.retry);
	sd_event_source_unref(d.evt_src);
	hmmp_nl_close(&d.evt);
	hmmp_nl_close(&d.cmd);
	sd_event_unref(d.ev);
	if (!foreground)
		closelog();
	return ret;
}
