// SPDX-License-Identifier: GPL-2.0
/* Unit tests: userspace/hmmpd/core/net.c (choosing the attachment). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/socket.h>

#include "core/net.h"
#include "util.h"

static uint32_t A(const char *s)
{
	uint32_t a = 0;

	if (hmmp_addr_parse(s, &a))
		fail_msg("bad test address %s", s);
	return a;
}

struct st {
	struct hmmpd_ifaddr addrs[8];
	struct hmmpd_defroute routes[4];
	struct hmmpd_link links[4];
	struct hmmpd_netstate ns;
};

static void init(struct st *s)
{
	memset(s, 0, sizeof(*s));
	s->links[0] = (struct hmmpd_link){ 1, "lo", true, true };
	s->links[1] = (struct hmmpd_link){ 2, "m1", true, false };
	s->links[2] = (struct hmmpd_link){ 3, "m2", true, false };
	s->ns.links = s->links;
	s->ns.nlinks = 3;
	s->ns.addrs = s->addrs;
	s->ns.routes = s->routes;
}

static void addr(struct st *s, int ifindex, const char *a, uint8_t plen,
		 uint32_t flags)
{
	struct hmmpd_ifaddr *x = &s->addrs[s->ns.naddrs++];

	x->addr = A(a);
	x->plen = plen;
	x->ifindex = ifindex;
	x->flags = flags;
	x->scope = ifindex == 1 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	x->loopback = ifindex == 1;
}

static void route(struct st *s, int ifindex, const char *gw, uint32_t metric)
{
	struct hmmpd_defroute *r = &s->routes[s->ns.nroutes++];

	r->ifindex = ifindex;
	r->gw = gw ? A(gw) : 0;
	r->metric = metric;
}

static void test_simple(void **state)
{
	struct st s;
	struct hmmpd_attach at;

	(void)state;
	init(&s);
	addr(&s, 1, "127.0.0.1", 8, 0);
	addr(&s, 2, "192.0.2.10", 24, IFA_F_PERMANENT);
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), -1);	/* no route */
	route(&s, 2, "192.0.2.1", 0);
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), 0);
	assert_int_equal(at.addr, A("192.0.2.10"));
	assert_int_equal(at.plen, 24);
	assert_int_equal(at.gw, A("192.0.2.1"));
	assert_int_equal(at.ifindex, 2);
	assert_string_equal(at.ifname, "m1");
	assert_int_equal(hmmpd_net_lo_index(&s.ns), 1);
	assert_true(hmmpd_net_has_addr(&s.ns, A("192.0.2.10"), false));
	assert_false(hmmpd_net_has_addr(&s.ns, A("192.0.2.10"), true));
}

static void test_move(void **state)
{
	struct st s;
	struct hmmpd_attach at;

	(void)state;
	init(&s);
	addr(&s, 2, "192.0.2.10", 24, 0);
	addr(&s, 3, "203.0.113.10", 24, 0);
	route(&s, 2, "192.0.2.1", 100);
	route(&s, 3, "203.0.113.1", 50);
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), 0);
	assert_int_equal(at.addr, A("203.0.113.10"));
	assert_string_equal(at.ifname, "m2");
	/* only m1 watched */
	{
		char ifs[1][IFNAMSIZ] = { "m1" };

		assert_int_equal(hmmpd_net_pick(&s.ns, (const char (*)[IFNAMSIZ])ifs, 1, &at), 0);
		assert_int_equal(at.addr, A("192.0.2.10"));
	}
	/* m2 down: m1 */
	s.links[2].up = false;
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), 0);
	assert_int_equal(at.addr, A("192.0.2.10"));
	/* equal metrics: the lower ifindex, whatever the order */
	s.links[2].up = true;
	s.routes[0].metric = s.routes[1].metric = 0;
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), 0);
	assert_int_equal(at.ifindex, 2);
}

static void test_address_choice(void **state)
{
	struct st s;
	struct hmmpd_attach at;

	(void)state;
	init(&s);
	/* tentative, DAD failed, host scope: not usable */
	addr(&s, 2, "192.0.2.20", 24, IFA_F_TENTATIVE);
	addr(&s, 2, "192.0.2.21", 24, IFA_F_DADFAILED);
	route(&s, 2, "192.0.2.1", 0);
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), -1);
	/* a primary elsewhere, then one holding the gateway */
	addr(&s, 2, "198.18.0.5", 16, 0);
	addr(&s, 2, "192.0.2.10", 24, 0);
	addr(&s, 2, "192.0.2.11", 24, IFA_F_SECONDARY);
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), 0);
	assert_int_equal(at.addr, A("192.0.2.10"));
	/* the route's preferred source wins */
	s.routes[0].prefsrc = A("192.0.2.11");
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), 0);
	assert_int_equal(at.addr, A("192.0.2.11"));
	/* a device route, no gateway: the first primary */
	s.routes[0].prefsrc = 0;
	s.routes[0].gw = 0;
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), 0);
	assert_int_equal(at.addr, A("198.18.0.5"));
	/* only secondaries: one of them */
	init(&s);
	addr(&s, 3, "203.0.113.10", 24, IFA_F_SECONDARY);
	route(&s, 3, "203.0.113.1", 0);
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), 0);
	assert_int_equal(at.addr, A("203.0.113.10"));
	/* a route through an unknown link, or lo: ignored */
	init(&s);
	addr(&s, 1, "192.0.2.10", 32, 0);
	s.addrs[0].scope = RT_SCOPE_UNIVERSE;
	route(&s, 1, NULL, 0);
	route(&s, 9, "192.0.2.1", 0);
	assert_int_equal(hmmpd_net_pick(&s.ns, NULL, 0, &at), -1);
	assert_null(hmmpd_net_link(&s.ns, 9));
	assert_true(hmmpd_net_has_addr(&s.ns, A("192.0.2.10"), true));
}

static void test_read_live(void **state)
{
	struct nl_sock *sk = hmmpd_net_open();
	struct hmmpd_netstate st;

	(void)state;
	/* this process's namespace: at least lo is there */
	assert_non_null(sk);
	assert_int_equal(hmmpd_net_read(sk, &st), 0);
	assert_true(hmmpd_net_lo_index(&st) > 0);
	hmmpd_net_free(&st);
	assert_int_equal(hmmpd_net_arp_hide("../x"), -EINVAL);
	assert_int_equal(hmmpd_net_arp_hide("no-such-interface"), -ENOENT);
	nl_socket_free(sk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_address_choice),
		cmocka_unit_test(test_read_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
