/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A network namespace of the test's own for unit tests that send real
 * datagrams between hmmpd's parts (test_uas.c, test_mobile.c, test_nat.c): unshare
 * (with a user namespace too when not privileged), lo up, and the test's
 * addresses on lo, so that requests really come from the addresses they
 * claim. netns_err says why it could not be made; the tests then fail
 * saying so (they do not pass silently).
 */
#ifndef HMMP_TEST_NETNS_H
#define HMMP_TEST_NETNS_H

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/socket.h>

#include "core/net.h"
#include "util.h"

static const char *netns_err;

static int netns_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		r = -1;
	close(fd);
	return r;
}

/* addrs: dotted quads to put on lo. 0, or -1 (netns_err may say why). */
static int enter_netns(const char *const *addrs, size_t n)
{
	struct ifreq ifr = { 0 };
	struct hmmpd_netstate st;
	struct nl_sock *sk;
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	uint32_t a;
	int fd, lo;
	size_t i;

	if (unshare(CLONE_NEWNET)) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
			netns_err = "cannot make a network namespace (unshare: needs root, or unprivileged user namespaces)";
			return -1;
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		netns_write_file("/proc/self/setgroups", "deny");
		if (netns_write_file("/proc/self/uid_map", map))
			return -1;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		netns_write_file("/proc/self/gid_map", map);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return -1;
	close(fd);
	sk = hmmpd_net_open();
	if (!sk || hmmpd_net_read(sk, &st))
		return -1;
	lo = hmmpd_net_lo_index(&st);
	hmmpd_net_free(&st);
	for (i = 0; i < n; i++) {
		if (hmmp_addr_parse(addrs[i], &a) || hmmpd_net_lo_add(sk, lo, a)) {
			netns_err = "cannot add addresses to lo in the new namespace";
			nl_socket_free(sk);
			return -1;
		}
	}
	nl_socket_free(sk);
	return 0;
}

/* The two addresses these tests put on lo: the mobile's current one and
 * the correspondent's.
 */
#define NETNS_COA	"203.0.113.10"
#define NETNS_CN	"198.51.100.10"

/* cmocka group setup: the namespace, NETNS_COA and NETNS_CN on lo. */
static int netns_group_setup(void **state)
{
	static const char *const addrs[] = { NETNS_COA, NETNS_CN };

	(void)state;
	if (enter_netns(addrs, 2) && !netns_err)
		netns_err = "cannot set up the network namespace";
	return 0;
}

#endif /* HMMP_TEST_NETNS_H */
