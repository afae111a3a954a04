// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the address/route watcher (daemon.h).
 *
 * An rtnetlink socket on the loop (net.h) reports addresses, default
 * routes and links coming and going; each change goes to the features at
 * once (net_change) and (re)arms the debounce timer, and when nothing
 * changed for debounce_ms the attachment is read afresh and compared with
 * the last one. On a mobile host, a new address on the default route's
 * interface, or a new default route with another address, is a hand-off
 * from the old address to the new one: handoff_begun to every feature
 * (the mobile moves the connections and signals; mSCTP adds the address).
 * Every evaluation ends with net_settled (what the host has now).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <netlink/errno.h>
#include <netlink/socket.h>
#include <uapi/linux/hmmp.h>

#include "daemon.h"
#include "feature.h"
#include "log.h"
#include "net.h"
#include "util.h"

const struct hmmpd_attach *hmmpd_watch_cur(const struct hmmpd *d)
{
	return d->watch.attached ? &d->watch.cur : NULL;
}

static void evaluate(struct hmmpd *d)
{
	struct hmmpd_watch *w = &d->watch;
	struct hmmpd_net_event ev = { 0 };
	struct hmmpd_netstate st;
	struct hmmpd_attach now, old;
	char a[HMMP_ADDRSTRLEN], g[HMMP_ADDRSTRLEN];
	int r;

	r = hmmpd_net_read(d->rt, &st);
	if (r) {
		hmmpd_log(LOG_ERR, "net: cannot read the addresses and routes: %s",
			  nl_geterror(r));
		return;
	}
	ev.st = &st;
	if (hmmpd_net_pick(&st, (const char (*)[IFNAMSIZ])d->conf->ifaces,
			   d->conf->nifaces, &now)) {
		if (w->attached)
			hmmpd_log(LOG_INFO, "net: detached: no default route with a usable address (was %s on %s)",
				  hmmp_addr_format(w->cur.addr, a), w->cur.ifname);
		w->attached = false;
		goto out;
	}
	if (!w->known) {
		w->known = w->attached = true;
		w->cur = now;
		ev.first = true;
		hmmpd_log(LOG_INFO, "net: attached: %s/%u on %s via %s",
			  hmmp_addr_format(now.addr, a), now.plen, now.ifname,
			  now.gw ? hmmp_addr_format(now.gw, g) : "-");
		goto out;
	}
	w->attached = true;
	if (now.addr == w->cur.addr) {
		if (now.gw != w->cur.gw || now.ifindex != w->cur.ifindex)
			hmmpd_log(LOG_INFO, "net: default route now via %s dev %s (address %s unchanged)",
				  now.gw ? hmmp_addr_format(now.gw, g) : "-", now.ifname,
				  hmmp_addr_format(now.addr, a));
		w->cur = now;
		goto out;
	}
	old = w->cur;
	w->cur = now;
	if (!(d->conf->roles & HMMP_ROLE_MOBILE)) {
		hmmpd_log(LOG_INFO, "net: address now %s on %s (not mobile: no hand-off)",
			  hmmp_addr_format(now.addr, a), now.ifname);
		goto out;
	}
	{
		char o[HMMP_ADDRSTRLEN], n[HMMP_ADDRSTRLEN];
		struct hmmpd_handoff h = {
			.old = &old, .cur = &w->cur, .st = &st,
			.since_us = w->change_us ? w->change_us : hmmpd_now_us(d),
			.gen = ++w->gen,
		};

		hmmpd_log(LOG_INFO, "handoff: new address %s on %s (was %s on %s via %s)",
			  hmmp_addr_format(w->cur.addr, n), w->cur.ifname,
			  hmmp_addr_format(old.addr, o), old.ifname,
			  old.gw ? hmmp_addr_format(old.gw, g) : "-");
		ev.handoff = true;
		hmmpd_features_handoff_begun(d, &h);
	}
out:
	ev.cur = hmmpd_watch_cur(d);
	hmmpd_features_net_settled(d, &ev);
	w->change_us = 0;
	hmmpd_net_free(&st);
}

static int on_debounce(sd_event_source *s, uint64_t usec, void *arg)
{
	(void)s;
	(void)usec;
	evaluate(arg);
	return 0;
}

static void on_change(void *arg, const char *what, enum hmmpd_net_change kind)
{
	struct hmmpd *d = arg;

	hmmpd_log(LOG_INFO, "net: %s", what);
	hmmpd_features_net_change(d, (int)kind);
	if (!d->watch.change_us)
		d->watch.change_us = hmmpd_now_us(d);
	hmmpd_timer_arm(d, &d->watch.debounce, d->conf->debounce_ms * 1000ULL,
			on_debounce, d);
}

void hmmpd_watch_poke(struct hmmpd *d, const char *what)
{
	if (d->rtw)
		on_change(d, what, HMMPD_NET_OTHER);
}

static int on_rtw(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct hmmpd *d = arg;
	int r;

	(void)s;
	(void)fd;
	(void)revents;
	r = hmmpd_net_watch_read(d->rtw, on_change, d);
	if (r == 1)
		on_change(d, "events lost (overrun): looking again", HMMPD_NET_OTHER);
	else if (r < 0)
		hmmpd_log(LOG_ERR, "net: watch socket: %s", nl_geterror(r));
	return 0;
}

int hmmpd_watch_start(struct hmmpd *d)
{
	int r;

	d->rtw = hmmpd_net_watch_open();
	if (!d->rtw) {
		hmmpd_log(LOG_ERR, "net: cannot open the rtnetlink watch socket");
		return -1;
	}
	r = sd_event_add_io(d->ev, &d->rtw_src, nl_socket_get_fd(d->rtw), EPOLLIN,
			    on_rtw, d);
	if (r < 0) {
		hmmpd_log(LOG_ERR, "sd_event_add_io: %s", strerror(-r));
		return -1;
	}
	/* where we are now: no hand-off for that */
	evaluate(d);
	return 0;
}

void hmmpd_watch_stop(struct hmmpd *d)
{
	d->rtw_src = sd_event_source_disable_unref(d->rtw_src);
	if (d->rtw)
		nl_socket_free(d->rtw);
	d->rtw = NULL;
	d->watch.debounce = sd_event_source_disable_unref(d->watch.debounce);
}
