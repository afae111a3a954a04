/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: this host's IPv4 addresses and default routes, over rtnetlink
 * with libnl-route: reading them, choosing the attachment (the address a
 * hand-off moves to), keeping an original address usable, and the watch
 * socket that tells when something changed.
 *
 * The attachment: among the default routes of the main table (on the
 * configured interfaces, if any; on links that are up), the one with the
 * lowest metric that has a usable address on its interface: the route's
 * preferred source if it is one, else a primary address whose prefix
 * holds the gateway, else the first primary address, else any. Usable:
 * global scope, not tentative, DAD not failed, not on a loopback device.
 */
#ifndef HMMPD_NET_H
#define HMMPD_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

/* One IPv4 address of this host and its prefix. */
struct hmmpd_ifaddr {
	uint32_t addr;		/* be32 */
	uint8_t plen;
	uint8_t scope;		/* RT_SCOPE_* */
	int ifindex;
	uint32_t flags;		/* IFA_F_* */
	bool loopback;		/* on a loopback device */
};

struct hmmpd_defroute {
	uint32_t gw;		/* be32, 0: none (a device route) */
	uint32_t prefsrc;	/* be32, 0: none */
	int ifindex;
	uint32_t metric;
};

struct hmmpd_link {
	int ifindex;
	char name[IFNAMSIZ];
	bool up, loopback;
};

struct hmmpd_netstate {
	struct hmmpd_ifaddr *addrs;
	size_t naddrs;
	struct hmmpd_defroute *routes;
	size_t nroutes;
	struct hmmpd_link *links;
	size_t nlinks;
};

/* Where this host is attached. */
struct hmmpd_attach {
	uint32_t addr;		/* be32 */
	uint8_t plen;
	uint32_t gw;		/* be32, 0: none */
	int ifindex;
	char ifname[IFNAMSIZ];
};

/* ---- pure ---- */

/* 0 with *out, or -1 when no default route has a usable address. */
int hmmpd_net_pick(const struct hmmpd_netstate *st,
		   const char (*ifaces)[IFNAMSIZ], unsigned int nifaces,
		   struct hmmpd_attach *out);
const struct hmmpd_link *hmmpd_net_link(const struct hmmpd_netstate *st,
					int ifindex);
/* The addresses on non-loopback devices, with any scope. */
bool hmmpd_net_has_addr(const struct hmmpd_netstate *st, uint32_t addr,
			bool loopback);
void hmmpd_net_free(struct hmmpd_netstate *st);

/* ---- rtnetlink ---- */

/* A NETLINK_ROUTE socket for requests; NULL on failure. */
struct nl_sock *hmmpd_net_open(void);
/* Dump links, IPv4 addresses and default routes. 0, or a libnl error. */
int hmmpd_net_read(struct nl_sock *sk, struct hmmpd_netstate *st);
/* addr/32 on the loopback device (scope global); EEXIST is success. */
int hmmpd_net_lo_add(struct nl_sock *sk, int lo_ifindex, uint32_t addr);
int hmmpd_net_lo_del(struct nl_sock *sk, int lo_ifindex, uint32_t addr);
/* The loopback device's index in st, or 0. */
int hmmpd_net_lo_index(const struct hmmpd_netstate *st);
/*
 * Never answer or announce an address of another device on ifname:
 * net.ipv4.conf.IFNAME.arp_ignore = 1, arp_announce = 2. 0 or -errno.
 */
int hmmpd_net_arp_hide(const char *ifname);

/*
 * The watch socket: joined to the link, IPv4 address and IPv4 route
 * groups, non-blocking. hmmpd_net_watch_read() reads what is there and
 * calls fn for each change worth a look (an address or a default route
 * added or removed, a link going up or down), with a line for the log.
 * Returns 0, or 1 when events were lost (overrun: look at everything), or
 * a negative libnl error.
 */
struct nl_sock *hmmpd_net_watch_open(void);
/* What changed: an address removed calls for keeping it at once. */
enum hmmpd_net_change {
	HMMPD_NET_OTHER,
	HMMPD_NET_ADDR_NEW,
	HMMPD_NET_ADDR_DEL,
};
typedef void (*hmmpd_net_change_fn)(void *arg, const char *what,
				    enum hmmpd_net_change kind);
int hmmpd_net_watch_read(struct nl_sock *sk, hmmpd_net_change_fn fn, void *arg);

#endif /* HMMPD_NET_H */
