// SPDX-License-Identifier: GPL-2.0
/*
 * hmmp-tunsock: the UDP tunnel socket's owner in the VM scenarios
 * (tests/vm/scenarios/23-udp-nat.sh) and the bench, built by make into
 * build/bin.
 *
 *   hmmp-tunsock [-a ADDR] -p PORT [-c COUNTFILE] [-s ADDR:PORT [-t TEXT]]
 *   hmmp-tunsock -D
 *
 * Binds an AF_INET UDP socket to ADDR:PORT (ADDR 0.0.0.0 by default; PORT
 * 0: one the kernel picks, which the reply shows) and
 * hands it to hmmp.ko with HMMP_CMD_TUNNEL_SOCK (HMMP_A_SOCK_FD): it
 * becomes this network namespace's UDP tunnel socket. Prints the reply's
 * HMMP_CFG_A_UDP_PORT ("attached: udp_port N"). Then reads what the module
 * leaves to the socket (the datagrams that are not tunnel frames) until
 * SIGTERM or SIGINT (exit 0), and after each one, and once at the start,
 * rewrites COUNTFILE (atomically: a temporary file renamed) with
 *
 *   count N          datagrams received so far
 *   from A.B.C.D:P   the last one's source, as the socket saw it
 *   len N            its length
 *   hex HH...        its first 16 bytes in hexadecimal
 *   text ...         its first 64 bytes, unprintable bytes as '.'
 *
 * (from, len, hex and text only once something arrived).
 *   -s ADDR:PORT  send one datagram (TEXT, "hmmp-tunsock hello" by default)
 *                 from the socket to ADDR:PORT once attached, and again on
 *                 each SIGUSR1: e.g. to open a NAT mapping from the tunnel
 *                 port and show the correspondent where it is
 *   SIGUSR2       detach the socket from hmmp.ko (HMMP_CMD_TUNNEL_SOCK
 *                 without HMMP_A_SOCK_FD), keep it and go on reading:
 *                 tunnel frames then reach it too
 *   -D            only detach this namespace's tunnel socket, print the
 *                 reply's port and exit
 * Exit 1 on a bad command line, 2 when hmmp.ko refuses or is absent, 3
 * when a socket operation fails; every failure says what failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <uapi/linux/hmmp.h>

#include "nl.h"

enum { EXIT_USAGE = 1, EXIT_HMMP = 2, EXIT_SOCK = 3 };

static const char *countfile;
static volatile sig_atomic_t got_term, got_usr1, got_usr2;

static void usage(void)
{
	fprintf(stderr,
		"usage: hmmp-tunsock [-a ADDR] -p PORT [-c COUNTFILE] [-s ADDR:PORT [-t TEXT]]\n"
		"       hmmp-tunsock -D\n");
	exit(EXIT_USAGE);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else
		got_term = 1;
}

static int parse_port(const char *s, uint16_t *port, unsigned long min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] < '0' || s[0] > '9' || v < min || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_addr(const char *s, struct in_addr *a)
{
	return inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
}

/* "A.B.C.D:PORT" */
static int parse_dest(const char *s, struct sockaddr_in *sin)
{
	char buf[64], *colon;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (parse_addr(buf, &sin->sin_addr) || parse_port(colon + 1, &sin->sin_port, 1))
		return -1;
	sin->sin_port = htons(sin->sin_port);
	return 0;
}

/* ---- hmmp.ko ---- */

struct reply {
	bool has_port;
	uint16_t port;
};

static int sock_reply(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;
	struct nlattr *tb[HMMP_A_MAX + 1], *cfg[HMMP_CFG_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HMMP_A_MAX, NULL))
		return HMMP_NL_BAD;
	if (!tb[HMMP_A_CONFIG])
		return 0;
	if (nla_parse_nested(cfg, HMMP_CFG_A_MAX, tb[HMMP_A_CONFIG], NULL))
		return HMMP_NL_BAD;
	if (cfg[HMMP_CFG_A_UDP_PORT]) {
		if (nla_len(cfg[HMMP_CFG_A_UDP_PORT]) < 2)
			return HMMP_NL_BAD;
		r->port = ntohs(nla_get_u16(cfg[HMMP_CFG_A_UDP_PORT]));
		r->has_port = true;
	}
	return 0;
}

/*
 * HMMP_CMD_TUNNEL_SOCK with fd (attach) or without (fd < 0: detach). On
 * success prints the port of the reply; returns 0 or EXIT_HMMP.
 */
static int tunnel_sock(int fd)
{
	const char *what = fd >= 0 ? "attach" : "detach";
	struct hmmp_nl nl;
	struct reply r = { 0 };
	struct nl_msg *msg;
	int ret;

	if (hmmp_nl_init(&nl))
		goto fail;
	if (hmmp_nl_connect(&nl) || hmmp_nl_resolve(&nl))
		goto fail_close;
	msg = hmmp_nl_msg(&nl, HMMP_CMD_TUNNEL_SOCK, 0);
	if (!msg)
		goto fail_close;
	if (fd >= 0 && nla_put_u32(msg, HMMP_A_SOCK_FD, (uint32_t)fd) < 0) {
		nlmsg_free(msg);
		snprintf(nl.msg, sizeof(nl.msg), "netlink: out of memory");
		goto fail_close;
	}
	ret = hmmp_nl_talk(&nl, msg, sock_reply, &r);
	if (ret)
		goto fail_close;
	hmmp_nl_close(&nl);
	if (r.has_port)
		printf("%sed: udp_port %u\n", what, r.port);
	else
		printf("%sed: the reply carries no udp_port\n", what);
	fflush(stdout);
	return 0;

fail_close:
	hmmp_nl_close(&nl);
fail:
	fprintf(stderr, "hmmp-tunsock: %s: HMMP_CMD_TUNNEL_SOCK: %s\n", what, nl.msg);
	return EXIT_HMMP;
}

/* ---- the count file ---- */

static int write_count(unsigned long long n, const struct sockaddr_in *from,
		       const unsigned char *buf, size_t len)
{
	char tmp[4096], a[INET_ADDRSTRLEN];
	FILE *f;
	size_t i;

	if (!countfile)
		return 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", countfile) >= sizeof(tmp)) {
		fprintf(stderr, "hmmp-tunsock: %s: name too long\n", countfile);
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "hmmp-tunsock: cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "count %llu\n", n);
	if (from) {
		inet_ntop(AF_INET, &from->sin_addr, a, sizeof(a));
		fprintf(f, "from %s:%u\nlen %zu\nhex ", a, ntohs(from->sin_port), len);
		for (i = 0; i < len && i < 16; i++)
			fprintf(f, "%02x", buf[i]);
		fputs("\ntext ", f);
		for (i = 0; i < len && i < 64; i++)
			fputc(buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.', f);
		fputc('\n', f);
	}
	if (fclose(f)) {
		fprintf(stderr, "hmmp-tunsock: cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (rename(tmp, countfile)) {
		fprintf(stderr, "hmmp-tunsock: cannot rename %s to %s: %s\n", tmp,
			countfile, strerror(errno));
		return -1;
	}
	return 0;
}

static int send_hello(int fd, const struct sockaddr_in *to, const char *text)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &to->sin_addr, a, sizeof(a));
	if (sendto(fd, text, strlen(text), 0, (const struct sockaddr *)to,
		   sizeof(*to)) < 0) {
		fprintf(stderr, "hmmp-tunsock: sendto %s:%u: %s\n", a,
			ntohs(to->sin_port), strerror(errno));
		return -1;
	}
	printf("sent %zu bytes to %s:%u\n", strlen(text), a, ntohs(to->sin_port));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET }, dest;
	const char *text = "hmmp-tunsock hello";
	bool have_port = false, have_dest = false, detach_only = false;
	unsigned long long count = 0;
	struct sigaction sa;
	sigset_t block, empty;
	int fd, c, ret;

	while ((c = getopt(argc, argv, "a:p:c:s:t:Dh")) != -1) {
		switch (c) {
		case 'a':
			if (parse_addr(optarg, &sin.sin_addr)) {
				fprintf(stderr, "hmmp-tunsock: -a: not an IPv4 address: '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (parse_port(optarg, &sin.sin_port, 0)) {
				fprintf(stderr, "hmmp-tunsock: -p: not a port (0-65535): '%s'\n", optarg);
				return EXIT_USAGE;
			}
			sin.sin_port = htons(sin.sin_port);
			have_port = true;
			break;
		case 'c':
			countfile = optarg;
			break;
		case 's':
			if (parse_dest(optarg, &dest)) {
				fprintf(stderr, "hmmp-tunsock: -s: not ADDR:PORT: '%s'\n", optarg);
				return EXIT_USAGE;
			}
			have_dest = true;
			break;
		case 't':
			text = optarg;
			break;
		case 'D':
			detach_only = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (detach_only) {
		if (have_port || have_dest || countfile) {
			fprintf(stderr, "hmmp-tunsock: -D takes no other option\n");
			return EXIT_USAGE;
		}
		return tunnel_sock(-1);
	}
	if (!have_port) {
		fprintf(stderr, "hmmp-tunsock: -p PORT is required\n");
		usage();
	}

	/*
	 * The signals stay blocked but in ppoll(): none is lost between the
	 * check of the flags and the wait.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "hmmp-tunsock: socket(AF_INET, SOCK_DGRAM): %s\n", strerror(errno));
		return EXIT_SOCK;
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
		fprintf(stderr, "hmmp-tunsock: bind %s:%u: %s\n", a, ntohs(sin.sin_port),
			strerror(errno));
		return EXIT_SOCK;
	}
	ret = tunnel_sock(fd);
	if (ret)
		return ret;
	if (write_count(0, NULL, NULL, 0))
		return EXIT_SOCK;
	if (have_dest && send_hello(fd, &dest, text))
		return EXIT_SOCK;

	while (!got_term) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		unsigned char buf[65536];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (got_usr1) {
			got_usr1 = 0;
			if (!have_dest)
				fprintf(stderr, "hmmp-tunsock: SIGUSR1 without -s: nothing to send\n");
			else if (send_hello(fd, &dest, text))
				return EXIT_SOCK;
		}
		if (got_usr2) {
			got_usr2 = 0;
			ret = tunnel_sock(-1);
			if (ret)
				return ret;
		}
		if (ppoll(&pfd, 1, NULL, &empty) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hmmp-tunsock: poll: %s\n", strerror(errno));
			return EXIT_SOCK;
		}
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			/* ICMP errors about what we sent: say so, go on */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH) {
				fprintf(stderr, "hmmp-tunsock: recvfrom: %s (ignored)\n",
					strerror(errno));
				continue;
			}
			fprintf(stderr, "hmmp-tunsock: recvfrom: %s\n", strerror(errno));
			return EXIT_SOCK;
		}
		count++;
		if (write_count(count, &from, buf, (size_t)n))
			return EXIT_SOCK;
	}
	printf("received %llu datagrams\n", count);
	close(fd);
	return 0;
}
