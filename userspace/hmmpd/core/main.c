// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the hmmp daemon (hmmpd(8)). Command line, signals and the loop;
 * everything else is in daemon.c, uas.c and mobile.c (daemon.h).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *arg)
{
	struct hmmpd *d = arg;

	(void)s;
	if (si->ssi_signo == SIGHUP) {
		sd_notify(0, "RELOADING=1");
		hmmpd_reload(d);
		sd_notify(0, "READY=1");
		return 0;
	}
	hmmpd_log(LOG_INFO, "SIG%s: exiting", sigabbrev_np((int)si->ssi_signo));
	sd_notify(0, "STOPPING=1");
	sd_event_exit(d->ev, 0);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: hmmpd [-c CONFIG] [-f] [-v] [-h]\n"
		"  -c CONFIG  configuration file (default " HMMPD_CONF_PATH ")\n"
		"  -f         stay in the foreground and log to stderr\n"
		"  -v         verbose (debug) logging\n"
		"  -h         this help\n");
}

int main(int argc, char **argv)
{
	struct hmmpd d = { 0 };
	bool foreground = false;
	const char *conf = NULL;
	sigset_t ss;
	int opt, r, ret = 1;

	while ((opt = getopt(argc, argv, "c:fvh")) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'v':
			d.verbose = true;
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
	hmmpd_log_open(foreground ? hmmpd_log_detect() : HMMPD_LOG_STDERR);
	if (d.verbose)
		hmmpd_log_set_level(LOG_DEBUG);
	/* a bad configuration is said on the terminal, before detaching */
	if (hmmpd_load(&d, conf))
		return 1;
	if (!foreground) {
		if (daemon(0, 0)) {
			perror("hmmpd: daemon");
			goto out;
		}
		hmmpd_log_open(HMMPD_LOG_SYSLOG);
	}

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = sd_event_default(&d.ev);
	if (r < 0) {
		hmmpd_log(LOG_ERR, "sd_event: %s", strerror(-r));
		goto out;
	}
	if (sd_event_add_signal(d.ev, NULL, SIGTERM, on_signal, &d) < 0 ||
	    sd_event_add_signal(d.ev, NULL, SIGINT, on_signal, &d) < 0 ||
	    sd_event_add_signal(d.ev, NULL, SIGHUP, on_signal, &d) < 0) {
		hmmpd_log(LOG_ERR, "cannot watch signals");
		goto out;
	}
	hmmpd_log(LOG_INFO, "hmmpd %s starting", HMMP_USER_VERSION);
	if (hmmpd_start(&d))
		goto out;
	r = sd_event_loop(d.ev);
	ret = r < 0 ? 1 : r;
out:
	hmmpd_stop(&d);
	sd_event_unref(d.ev);
	hmmpd_log_close();
	return ret;
}
