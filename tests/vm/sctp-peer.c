// SPDX-License-Identifier: GPL-2.0
/*
 * hmmp-sctp-peer: the two ends of the mSCTP scenarios (tests/vm/
 * scenarios/5x-sctp-*.sh), built by make into build/bin.
 *
 *   hmmp-sctp-peer server ADDR PORT [options]
 *   hmmp-sctp-peer client ADDR PORT [options]     (ADDR: the server)
 *
 * One one-to-one SCTP association; each end sends --bytes of a known
 * pattern at --rate bytes/s and checks every byte it receives against it.
 * Options:
 *   --bind ADDR       client: bind to ADDR first (else any address)
 *   --register RULE   client: register the socket with hmmpd (ack, link,
 *                     upper; "default": hmmpd's) and keep the channel
 *   --events FILE     client: append hmmpd's events there
 *   --status FILE     append "SECONDS.MS peers=A,B primary=P" (SCTP API:
 *                     the peer addresses and the primary path) at start
 *                     and on every change
 *   --progress FILE   bytes received so far, rewritten as it grows
 *   --out FILE        the result, JSON: sent, recv, peer_sent, bad_at,
 *                     stall_ms, reopened, register, error
 *   --reopen yes      client: on hmmpd's "relocated" event (the server's
 *                     address from its registrar) open a new association
 *                     there and go on (the server always takes a new
 *                     association while one runs, and goes on with it)
 *   --stop FILE       stream until FILE exists (at most --bytes), then
 *                     write the total sent to FILE.server or FILE.client
 *                     and read the other end's there: the ends agree on
 *                     where the stream stopped without a word on the wire
 * Exit 0 when every byte was sent and received intact.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/sctp.h>

#include "hmmp_sctp.h"

#ifndef SOL_SCTP
#define SOL_SCTP	132
#endif

static struct {
	const char *bind, *reg, *events, *status, *progress, *out, *stop;
	const char *role;
	unsigned long long bytes, rate;
} o = { .bytes = 1000000, .rate = 200000 };

static int lfd = -1, newfd = -1;	/* server: listening; a new association */
static uint32_t reopen_addr;		/* client: where the server is now */
static unsigned int reopened;
static bool reopen;

static uint8_t pattern(unsigned long long i)
{
	return (uint8_t)((i * 131 + (i >> 8) * 7) ^ (i >> 16));
}

static uint64_t now_ms(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void addrs(int fd, int opt, char *out, size_t size)
{
	union {
		struct sctp_getaddrs ga;
		uint8_t buf[sizeof(struct sctp_getaddrs) + 16 * 28];
	} u;
	socklen_t len = sizeof(u);
	uint8_t *p;
	unsigned int i;

	out[0] = '\0';
	memset(&u, 0, sizeof(u));
	if (getsockopt(fd, SOL_SCTP, opt, &u, &len)) {
		snprintf(out, size, "?");
		return;
	}
	p = u.ga.addrs;
	for (i = 0; i < u.ga.addr_num; i++) {
		struct sockaddr_in sin;
		size_t n = strlen(out);

		memcpy(&sin, p, sizeof(sin));
		if (sin.sin_family != AF_INET) {
			p += sizeof(struct sockaddr_in6);
			continue;
		}
		snprintf(out + n, size - n, "%s%s", n ? "," : "", inet_ntoa(sin.sin_addr));
		p += sizeof(sin);
	}
}

static void status(int fd, char *last, size_t size)
{
	struct sctp_status st;
	socklen_t len = sizeof(st);
	char peers[512], line[700];
	struct sockaddr_in sin;
	uint64_t t;
	FILE *f;

	if (!o.status)
		return;
	memset(&st, 0, sizeof(st));
	if (getsockopt(fd, SOL_SCTP, SCTP_STATUS, &st, &len))
		return;
	memcpy(&sin, &st.sstat_primary.spinfo_address, sizeof(sin));
	addrs(fd, SCTP_GET_PEER_ADDRS, peers, sizeof(peers));
	snprintf(line, sizeof(line), "peers=%s primary=%s", peers,
		 inet_ntoa(sin.sin_addr));
	if (!strcmp(line, last))
		return;
	snprintf(last, size, "%s", line);
	t = now_ms(CLOCK_REALTIME);
	f = fopen(o.status, "a");
	if (f) {
		fprintf(f, "%llu.%03llu %s\n", (unsigned long long)(t / 1000),
			(unsigned long long)(t % 1000), line);
		fclose(f);
	}
}

static void progress(unsigned long long n)
{
	char tmp[512];
	FILE *f;

	if (!o.progress)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", o.progress);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%llu\n", n);
	fclose(f);
	rename(tmp, o.progress);
}

static void event_line(const char *ev)
{
	FILE *f;

	fprintf(stderr, "hmmpd: %s\n", ev);
	if (!o.events)
		return;
	f = fopen(o.events, "a");
	if (f) {
		fprintf(f, "%s\n", ev);
		fclose(f);
	}
}

static int sock_in(const char *a, unsigned int port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, a, &sin->sin_addr) == 1 ? 0 : -1;
}

static int stream(int fd, int ch, const char *regres)
{
	unsigned long long sent = 0, recvd = 0, bad_at = ~0ULL;
	uint64_t t0 = now_ms(CLOCK_MONOTONIC), last_rx = t0, stall = 0, t_prog = 0;
	char last[700] = "", buf[16384], err[256] = "";
	int ret = 1;
	FILE *f;

	long long peer_total = -1;
	bool stopping = false;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	status(fd, last, sizeof(last));
	for (;;) {
		struct pollfd p[3] = { { fd, POLLIN, 0 }, { ch, POLLIN, 0 }, { -1, 0, 0 } };
		uint64_t now = now_ms(CLOCK_MONOTONIC);
		unsigned long long allowed = (now - t0) * o.rate / 1000 + 1400;
		ssize_t n;

		if (o.stop && !stopping && !access(o.stop, F_OK)) {
			char path[512];

			stopping = true;
			snprintf(path, sizeof(path), "%s.%s", o.stop, o.role);
			f = fopen(path, "w");
			if (f) {
				fprintf(f, "%llu\n", sent);
				fclose(f);
			}
		}
		if (stopping && peer_total < 0) {
			char path[512];

			snprintf(path, sizeof(path), "%s.%s", o.stop,
				 strcmp(o.role, "server") ? "server" : "client");
			f = fopen(path, "r");
			if (f) {
				if (fscanf(f, "%lld", &peer_total) != 1)
					peer_total = -1;
				fclose(f);
			}
		}
		if (o.stop ? stopping && peer_total >= 0 &&
			     recvd >= (unsigned long long)peer_total :
			     sent >= o.bytes && recvd >= o.bytes)
			break;
		if (allowed > o.bytes)
			allowed = o.bytes;
		if (stopping)
			allowed = sent;
		while (sent < allowed) {
			size_t len = allowed - sent > 1400 ? 1400 : allowed - sent, i;

			for (i = 0; i < len; i++)
				buf[i] = (char)pattern(sent + i);
			n = send(fd, buf, len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN)
					break;
				snprintf(err, sizeof(err), "send: %s", strerror(errno));
				goto out;
			}
			sent += (unsigned long long)n;
		}
		p[2].fd = lfd;	/* the server takes a new association any time */
		p[2].events = POLLIN;
		if (poll(p, 3, 20) < 0 && errno != EINTR) {
			snprintf(err, sizeof(err), "poll: %s", strerror(errno));
			goto out;
		}
		if (p[2].revents & POLLIN) {
			newfd = accept(lfd, NULL, NULL);
			if (newfd >= 0) {
				fprintf(stderr, "hmmp-sctp-peer: a new association: going on with it\n");
				ret = 2;
				goto out;
			}
		}
		if (ch >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
			char ev[512];

			if (hmmp_ctl_recv(ch, ev, sizeof(ev)) > 0) {
				const char *x = strstr(ev, " addr=");
				struct in_addr ia;

				event_line(ev);
				if (reopen && !strncmp(ev, "event relocated", 15) && x &&
				    inet_pton(AF_INET, x + 6, &ia) == 1) {
					reopen_addr = ia.s_addr;
					ret = 2;
					goto out;
				}
			} else {
				event_line("channel closed");
				close(ch);
				ch = -1;
			}
		}
		for (;;) {
			size_t i;

			n = recv(fd, buf, sizeof(buf), 0);
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0) {
				snprintf(err, sizeof(err), "recv: %s",
					 n ? strerror(errno) : "the peer closed early");
				goto out;
			}
			for (i = 0; i < (size_t)n; i++) {
				if ((uint8_t)buf[i] != pattern(recvd + i) && bad_at == ~0ULL)
					bad_at = recvd + i;
			}
			recvd += (unsigned long long)n;
			now = now_ms(CLOCK_MONOTONIC);
			if (now - last_rx > stall)
				stall = now - last_rx;
			last_rx = now;
		}
		if (bad_at != ~0ULL) {
			snprintf(err, sizeof(err), "byte %llu differs", bad_at);
			goto out;
		}
		now = now_ms(CLOCK_MONOTONIC);
		if (now - t_prog >= 100) {
			progress(recvd);
			status(fd, last, sizeof(last));
			t_prog = now;
		}
	}
	ret = 0;
	/* both sides got everything: a last look, then a graceful end */
	status(fd, last, sizeof(last));
	usleep(300000);
out:
	progress(recvd);
	if (ret == 1)
		fprintf(stderr, "hmmp-sctp-peer: %s\n", err);
	if (ret != 2 && o.out && (f = fopen(o.out, "w"))) {
		fprintf(f, "{\"sent\": %llu, \"recv\": %llu, \"peer_sent\": %lld, \"bad_at\": %lld, \"stall_ms\": %llu, \"reopened\": %u, \"register\": \"%s\", \"error\": \"%s\"}\n",
			sent, recvd, peer_total, bad_at == ~0ULL ? -1LL : (long long)bad_at,
			(unsigned long long)stall, reopened, regres, err);
		fclose(f);
	}
	if (ch >= 0)
		close(ch);
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;
	char regres[300] = "none";
	int fd, i, ch = -1, on = 1;
	unsigned int port;
	bool server;

	if (argc < 4 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
		fprintf(stderr, "usage: hmmp-sctp-peer server|client ADDR PORT [--bind A] [--register RULE] [--events F] [--status F] [--progress F] [--out F] [--bytes N] [--rate N]\n");
		return 2;
	}
	server = !strcmp(argv[1], "server");
	o.role = argv[1];
	port = (unsigned int)atoi(argv[3]);
	for (i = 4; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--bind")) o.bind = v;
		else if (!strcmp(k, "--register")) o.reg = v;
		else if (!strcmp(k, "--events")) o.events = v;
		else if (!strcmp(k, "--status")) o.status = v;
		else if (!strcmp(k, "--progress")) o.progress = v;
		else if (!strcmp(k, "--out")) o.out = v;
		else if (!strcmp(k, "--stop")) o.stop = v;
		else if (!strcmp(k, "--reopen") && !strcmp(v, "yes")) reopen = true;
		else if (!strcmp(k, "--bytes")) o.bytes = strtoull(v, NULL, 10);
		else if (!strcmp(k, "--rate")) o.rate = strtoull(v, NULL, 10);
		else {
			fprintf(stderr, "hmmp-sctp-peer: unknown option %s\n", k);
			return 2;
		}
	}
	if (i != argc || sock_in(argv[2], port, &sin)) {
		fprintf(stderr, "hmmp-sctp-peer: bad arguments\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0) {
		perror("hmmp-sctp-peer: socket");
		return 1;
	}
	if (server) {
		int l = fd;

		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) || listen(l, 1)) {
			perror("hmmp-sctp-peer: bind/listen");
			return 1;
		}
		fd = accept(l, NULL, NULL);
		if (fd < 0) {
			perror("hmmp-sctp-peer: accept");
			return 1;
		}
		lfd = l;
		for (;;) {
			int r = stream(fd, -1, regres);

			if (r != 2)
				return r;
			fd = newfd;
			reopened++;
		}
	} else {
		if (o.bind) {
			struct sockaddr_in b;

			if (sock_in(o.bind, 0, &b) ||
			    bind(fd, (struct sockaddr *)&b, sizeof(b))) {
				perror("hmmp-sctp-peer: bind");
				return 1;
			}
		}
again:
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
			perror("hmmp-sctp-peer: connect");
			return 1;
		}
		if (reopened)
			fprintf(stderr, "hmmp-sctp-peer: a new association to %s\n",
				inet_ntoa(sin.sin_addr));
		if (o.reg) {
			char opts[128], err[256];

			snprintf(opts, sizeof(opts), "name=peer%s%s",
				 strcmp(o.reg, "default") ? " rule=" : "",
				 strcmp(o.reg, "default") ? o.reg : "");
			ch = hmmp_sctp_register(fd, opts, err, sizeof(err));
			if (ch < 0) {
				fprintf(stderr, "hmmp-sctp-peer: register: %s\n", err);
				snprintf(regres, sizeof(regres), "error: %.200s", err);
				for (char *q = regres; *q; q++)
					if (*q == '"' || *q == '\\')
						*q = '\'';
			} else {
				snprintf(regres, sizeof(regres), "ok");
				fprintf(stderr, "hmmp-sctp-peer: registered with hmmpd\n");
			}
		}
	}
	{
		int r = stream(fd, ch, regres);

		if (r != 2 || server)
			return r;
		/* where the registrar says the server is now */
		sin.sin_addr.s_addr = reopen_addr;
		reopened++;
		fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
		if (fd < 0) {
			perror("hmmp-sctp-peer: socket");
			return 1;
		}
		ch = -1;
		goto again;
	}
}
