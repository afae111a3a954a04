// SPDX-License-Identifier: GPL-2.0
/* hmmpd: addresses and default routes over rtnetlink (net.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "net.h"
#include "util.h"

/* ---- pure ---- */

void hmmpd_net_free(struct hmmpd_netstate *st)
{
	free(st->addrs);
	free(st->routes);
	free(st->links);
	memset(st, 0, sizeof(*st));
}

const struct hmmpd_link *hmmpd_net_link(const struct hmmpd_netstate *st,
					int ifindex)
{
	size_t i;

	for (i = 0; i < st->nlinks; i++)
		if (st->links[i].ifindex == ifindex)
			return &st->links[i];
	return NULL;
}

int hmmpd_net_lo_index(const struct hmmpd_netstate *st)
{
	size_t i;

	for (i = 0; i < st->nlinks; i++)
		if (st->links[i].loopback)
			return st->links[i].ifindex;
	return 0;
}

bool hmmpd_net_has_addr(const struct hmmpd_netstate *st, uint32_t addr,
			bool loopback)
{
	size_t i;

	for (i = 0; i < st->naddrs; i++)
		if (st->addrs[i].addr == addr && st->addrs[i].loopback == loopback)
			return true;
	return false;
}

static bool usable(const struct hmmpd_ifaddr *a)
{
	return !a->loopback && a->scope == RT_SCOPE_UNIVERSE &&
	       !(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) && a->addr;
}

static bool holds(const struct hmmpd_ifaddr *a, uint32_t x)
{
	uint32_t mask;

	if (!a->plen)
		return true;
	mask = a->plen >= 32 ? ~0u : htonl(~0u << (32 - a->plen));
	return (a->addr & mask) == (x & mask);
}

/* The usable address of a default route's interface, or NULL. */
static const struct hmmpd_ifaddr *route_addr(const struct hmmpd_netstate *st,
					     const struct hmmpd_defroute *r)
{
	const struct hmmpd_ifaddr *first = NULL, *primary = NULL;
	size_t i;

	for (i = 0; r->prefsrc && i < st->naddrs; i++)
		if (st->addrs[i].ifindex == r->ifindex && usable(&st->addrs[i]) &&
		    st->addrs[i].addr == r->prefsrc)
			return &st->addrs[i];
	for (i = 0; i < st->naddrs; i++) {
		const struct hmmpd_ifaddr *a = &st->addrs[i];

		if (a->ifindex != r->ifindex || !usable(a))
			continue;
		if (!first)
			first = a;
		if (a->flags & IFA_F_SECONDARY)
			continue;
		if (!primary)
			primary = a;
		if (r->gw && holds(a, r->gw) && a->plen < 32)
			return a;
	}
	return primary ? primary : first;
}

static bool wanted(const struct hmmpd_link *l, const char (*ifaces)[IFNAMSIZ],
		   unsigned int nifaces)
{
	unsigned int i;

	if (!l || !l->up || l->loopback)
		return false;
	if (!nifaces)
		return true;
	for (i = 0; i < nifaces; i++)
		if (!strcmp(ifaces[i], l->name))
			return true;
	return false;
}

int hmmpd_net_pick(const struct hmmpd_netstate *st,
		   const char (*ifaces)[IFNAMSIZ], unsigned int nifaces,
		   struct hmmpd_attach *out)
{
	const struct hmmpd_defroute *best = NULL;
	const struct hmmpd_ifaddr *best_a = NULL;
	const struct hmmpd_link *l;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < st->nroutes; i++) {
		const struct hmmpd_defroute *r = &st->routes[i];
		const struct hmmpd_ifaddr *a;

		l = hmmpd_net_link(st, r->ifindex);
		if (!wanted(l, ifaces, nifaces))
			continue;
		a = route_addr(st, r);
		if (!a)
			continue;
		/* the lowest metric; among equals the lowest ifindex, stably */
		if (!best || r->metric < best->metric ||
		    (r->metric == best->metric && r->ifindex < best->ifindex)) {
			best = r;
			best_a = a;
		}
	}
	if (!best)
		return -1;
	l = hmmpd_net_link(st, best->ifindex);
	out->addr = best_a->addr;
	out->plen = best_a->plen;
	out->gw = best->gw;
	out->ifindex = best->ifindex;
	snprintf(out->ifname, sizeof(out->ifname), "%s", l->name);
	return 0;
}

/* ---- rtnetlink ---- */

struct nl_sock *hmmpd_net_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

static uint32_t addr4(struct nl_addr *a)
{
	uint32_t v = 0;

	if (a && nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == 4)
		memcpy(&v, nl_addr_get_binary_addr(a), 4);
	return v;
}

int hmmpd_net_read(struct nl_sock *sk, struct hmmpd_netstate *st)
{
	struct nl_cache *links = NULL, *addrs = NULL, *routes = NULL;
	struct nl_object *o;
	size_t cap;
	int r;

	memset(st, 0, sizeof(*st));
	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	if (!r)
		r = rtnl_addr_alloc_cache(sk, &addrs);
	if (!r)
		r = rtnl_route_alloc_cache(sk, AF_INET, 0, &routes);
	if (r)
		goto out;
	r = -NLE_NOMEM;
	cap = 0;
	for (o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		struct hmmpd_link *x;

		if (grow((void **)&st->links, &cap, st->nlinks, sizeof(*x)))
			goto out;
		x = &st->links[st->nlinks++];
		memset(x, 0, sizeof(*x));
		x->ifindex = rtnl_link_get_ifindex(l);
		snprintf(x->name, sizeof(x->name), "%s",
			 rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "?");
		x->up = rtnl_link_get_flags(l) & IFF_UP;
		x->loopback = rtnl_link_get_flags(l) & IFF_LOOPBACK;
	}
	cap = 0;
	for (o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		const struct hmmpd_link *l;
		struct hmmpd_ifaddr *x;

		if (rtnl_addr_get_family(a) != AF_INET)
			continue;
		if (grow((void **)&st->addrs, &cap, st->naddrs, sizeof(*x)))
			goto out;
		x = &st->addrs[st->naddrs++];
		memset(x, 0, sizeof(*x));
		x->addr = addr4(rtnl_addr_get_local(a));
		x->plen = (uint8_t)rtnl_addr_get_prefixlen(a);
		x->scope = (uint8_t)rtnl_addr_get_scope(a);
		x->ifindex = rtnl_addr_get_ifindex(a);
		x->flags = rtnl_addr_get_flags(a);
		l = hmmpd_net_link(st, x->ifindex);
		x->loopback = l && l->loopback;
	}
	cap = 0;
	for (o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		struct rtnl_nexthop *nh;
		struct hmmpd_defroute *x;

		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(rt) != RTN_UNICAST ||
		    (dst && nl_addr_get_prefixlen(dst) != 0) ||
		    rtnl_route_get_nnexthops(rt) < 1)
			continue;
		nh = rtnl_route_nexthop_n(rt, 0);
		if (!nh)
			continue;
		if (grow((void **)&st->routes, &cap, st->nroutes, sizeof(*x)))
			goto out;
		x = &st->routes[st->nroutes++];
		memset(x, 0, sizeof(*x));
		x->gw = addr4(rtnl_route_nh_get_gateway(nh));
		x->ifindex = rtnl_route_nh_get_ifindex(nh);
		x->prefsrc = addr4(rtnl_route_get_pref_src(rt));
		x->metric = rtnl_route_get_priority(rt);
	}
	r = 0;
out:
	nl_cache_free(links);
	nl_cache_free(addrs);
	nl_cache_free(routes);
	if (r)
		hmmpd_net_free(st);
	return r;
}

static struct rtnl_addr *lo_addr(int lo_ifindex, uint32_t addr)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;

	if (!a)
		return NULL;
	local = nl_addr_build(AF_INET, &addr, 4);
	if (!local) {
		rtnl_addr_put(a);
		return NULL;
	}
	nl_addr_set_prefixlen(local, 32);
	rtnl_addr_set_ifindex(a, lo_ifindex);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, 32);
	rtnl_addr_set_scope(a, RT_SCOPE_UNIVERSE);
	nl_addr_put(local);
	return a;
}

int hmmpd_net_lo_add(struct nl_sock *sk, int lo_ifindex, uint32_t addr)
{
	struct rtnl_addr *a = lo_addr(lo_ifindex, addr);
	int r;

	if (!a)
		return -NLE_NOMEM;
	r = rtnl_addr_add(sk, a, NLM_F_EXCL);
	rtnl_addr_put(a);
	return r == -NLE_EXIST ? 0 : r;
}

int hmmpd_net_lo_del(struct nl_sock *sk, int lo_ifindex, uint32_t addr)
{
	struct rtnl_addr *a = lo_addr(lo_ifindex, addr);
	int r;

	if (!a)
		return -NLE_NOMEM;
	r = rtnl_addr_delete(sk, a, 0);
	rtnl_addr_put(a);
	return r == -NLE_NOADDR || r == -NLE_OBJ_NOTFOUND ? 0 : r;
}

static int sysctl_write(const char *ifname, const char *key, const char *val)
{
	char path[128];
	int fd, e = 0;

	if (!ifname[0] || strchr(ifname, '/') || !strcmp(ifname, ".") ||
	    !strcmp(ifname, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		e = -errno;
	close(fd);
	return e;
}

int hmmpd_net_arp_hide(const char *ifname)
{
	int r = sysctl_write(ifname, "arp_ignore", "1");

	return r ? r : sysctl_write(ifname, "arp_announce", "2");
}

/* ---- the watch socket ---- */

struct watch {
	hmmpd_net_change_fn fn;
	void *arg;
};

static void describe_addr(struct nlmsghdr *h, char *buf, size_t size)
{
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1];
	char ip[HMMP_ADDRSTRLEN], ifn[IF_NAMESIZE] = "?";
	uint32_t a = 0;

	buf[0] = '\0';
	if (ifa->ifa_family != AF_INET ||
	    nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return;
	if (tb[IFA_LOCAL] && nla_len(tb[IFA_LOCAL]) == 4)
		a = nla_get_u32(tb[IFA_LOCAL]);
	else if (tb[IFA_ADDRESS] && nla_len(tb[IFA_ADDRESS]) == 4)
		a = nla_get_u32(tb[IFA_ADDRESS]);
	if (!if_indextoname(ifa->ifa_index, ifn))
		snprintf(ifn, sizeof(ifn), "#%u", ifa->ifa_index);
	snprintf(buf, size, "address %s/%u %s on %s", hmmp_addr_format(a, ip),
		 ifa->ifa_prefixlen,
		 h->nlmsg_type == RTM_NEWADDR ? "added" : "removed", ifn);
}

static void describe_route(struct nlmsghdr *h, char *buf, size_t size)
{
	struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *tb[RTA_MAX + 1];
	char ip[HMMP_ADDRSTRLEN], ifn[IF_NAMESIZE] = "?";
	uint32_t gw = 0, table;

	buf[0] = '\0';
	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len ||
	    rtm->rtm_type != RTN_UNICAST ||
	    nlmsg_parse(h, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return;
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN)
		return;
	if (tb[RTA_GATEWAY] && nla_len(tb[RTA_GATEWAY]) == 4)
		gw = nla_get_u32(tb[RTA_GATEWAY]);
	if (tb[RTA_OIF] && nla_len(tb[RTA_OIF]) == 4 &&
	    !if_indextoname(nla_get_u32(tb[RTA_OIF]), ifn))
		snprintf(ifn, sizeof(ifn), "#%u", nla_get_u32(tb[RTA_OIF]));
	snprintf(buf, size, "default route via %s dev %s %s",
		 gw ? hmmp_addr_format(gw, ip) : "-", ifn,
		 h->nlmsg_type == RTM_NEWROUTE ? "added" : "removed");
}

static void describe_link(struct nlmsghdr *h, char *buf, size_t size)
{
	struct ifinfomsg *ifi = nlmsg_data(h);
	char ifn[IF_NAMESIZE] = "?";

	buf[0] = '\0';
	/* a link message comes for many reasons: only up/down counts */
	if (h->nlmsg_type == RTM_NEWLINK && !(ifi->ifi_change & IFF_UP))
		return;
	if (!if_indextoname((unsigned int)ifi->ifi_index, ifn))
		snprintf(ifn, sizeof(ifn), "#%d", ifi->ifi_index);
	snprintf(buf, size, "link %s %s", ifn,
		 h->nlmsg_type == RTM_DELLINK ? "removed" :
		 ifi->ifi_flags & IFF_UP ? "up" : "down");
}

static int on_watch_msg(struct nl_msg *msg, void *arg)
{
	struct watch *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	enum hmmpd_net_change kind = HMMPD_NET_OTHER;
	char what[128] = "";

	switch (h->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (nlmsg_datalen(h) >= (int)sizeof(struct ifaddrmsg))
			describe_addr(h, what, sizeof(what));
		kind = h->nlmsg_type == RTM_NEWADDR ? HMMPD_NET_ADDR_NEW
						    : HMMPD_NET_ADDR_DEL;
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (nlmsg_datalen(h) >= (int)sizeof(struct rtmsg))
			describe_route(h, what, sizeof(what));
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (nlmsg_datalen(h) >= (int)sizeof(struct ifinfomsg))
			describe_link(h, what, sizeof(what));
		break;
	default:
		break;
	}
	if (what[0])
		w->fn(w->arg, what, kind);
	return NL_OK;
}

struct nl_sock *hmmpd_net_watch_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	nl_socket_disable_seq_check(sk);
	if (nl_connect(sk, NETLINK_ROUTE) ||
	    nl_socket_add_memberships(sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
				      RTNLGRP_IPV4_ROUTE, 0) ||
	    nl_socket_set_nonblocking(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	nl_socket_set_buffer_size(sk, 1 << 20, 0);
	return sk;
}

int hmmpd_net_watch_read(struct nl_sock *sk, hmmpd_net_change_fn fn, void *arg)
{
	struct watch w = { fn, arg };
	struct nl_cb *cb = nl_cb_clone(nl_socket_get_cb(sk));
	int r, lost = 0;

	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_watch_msg, &w);
	for (;;) {
		r = nl_recvmsgs_report(sk, cb);
		if (r > 0)
			continue;
		if (r == -NLE_AGAIN || r == 0)
			break;
		if (r == -NLE_NOMEM || r == -NLE_MSG_OVERFLOW) {
			lost = 1;	/* ENOBUFS: the buffer overran */
			continue;
		}
		if (r < 0)
			break;
	}
	nl_cb_put(cb);
	if (r < 0 && r != -NLE_AGAIN)
		return r;
	return lost;
}
