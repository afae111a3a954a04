// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: SIP Outbound on real sockets (loopback): [outbound] keys,
 * STUN demultiplexing on sip.c's UDP socket and TCP streams, the raw
 * connection API, and the edge proxy (edge.c) with a fake core and a fake
 * UA on raw sockets playing seed 003's figure 1 (F1-F4, F8-F14), its
 * failure paths (400 -> 430, a forged token -> 403) and the small request
 * that goes over UDP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "features/outbound/edge.h"
#include "features/outbound/obd.h"
#include "sip/uri.h"
#include "stun/outbound.h"
#include "sip/sip.h"
#include "stun/stun.h"

#define LO htonl(INADDR_LOOPBACK)

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- configuration and helpers ---- */

static void test_conf(void **state)
{
	struct hmmpd_ob_conf c;
	char why[256];

	(void)state;
	hmmpd_ob_conf_defaults(&c);
	assert_int_equal(c.reg_id, 1);
	assert_int_equal(c.flow_mtu, SIP_MTU_DEFAULT);
	assert_false(c.have_secret);
	assert_string_equal(c.edge, "");
	assert_int_equal(hmmpd_ob_conf_key(&c, "edge", "sip:192.0.2.1:5070",
					   why, sizeof(why)), 0);
	assert_string_equal(c.edge, "sip:192.0.2.1:5070");
	assert_int_equal(hmmpd_ob_conf_key(&c, "next_hop",
					   "sip:198.51.100.7;transport=tcp",
					   why, sizeof(why)), 0);
	assert_int_equal(hmmpd_ob_conf_key(&c, "instance",
					   "urn:uuid:00000000-0000-1000-8000-000A95A0E128",
					   why, sizeof(why)), 0);
	assert_int_equal(hmmpd_ob_conf_key(&c, "reg_id", "2", why,
					   sizeof(why)), 0);
	assert_int_equal(c.reg_id, 2);
	assert_int_equal(hmmpd_ob_conf_key(&c, "keepalive", "25", why,
					   sizeof(why)), 0);
	assert_int_equal(c.keepalive, 25);
	assert_int_equal(hmmpd_ob_conf_key(&c, "flow_mtu", "576", why,
					   sizeof(why)), 0);
	assert_int_equal(c.flow_mtu, 576);
	assert_int_equal(hmmpd_ob_conf_key(&c, "secret",
					   "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F",
					   why, sizeof(why)), 0);
	assert_true(c.have_secret);
	assert_int_equal(c.secret[0x1f], 0x1f);
	assert_int_equal(c.secret[0x1a], 0x1a);
	/* And what is refused, each with its reason. */
	{
		static const char *const bad[][2] = {
			{ "edge", "sip:edge.example.org" },
			{ "edge", "http://192.0.2.1" },
			{ "edge", "sip:192.0.2.1:0" },
			{ "edge", "sip:192.0.2.1:70000" },
			{ "next_hop", "sip:1.2.3" },
			{ "instance", "uuid:1234" },
			{ "instance", "urn:uuid:\"x\"" },
			{ "reg_id", "0" },
			{ "reg_id", "65536" },
			{ "reg_id", "1x" },
			{ "keepalive", "3601" },
			{ "keepalive", "" },
			{ "flow_mtu", "199" },
			{ "secret", "00" },
			{ "secret", "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" },
			{ "mtu", "1300" },
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			why[0] = '\0';
			assert_int_equal(hmmpd_ob_conf_key(&c, bad[i][0],
							   bad[i][1], why,
							   sizeof(why)), -1);
			assert_true(strstr(why, bad[i][0]) != NULL);
		}
	}
	/* The empty value switches the UA side off again. */
	assert_int_equal(hmmpd_ob_conf_key(&c, "edge", "", why, sizeof(why)),
			 0);
	assert_string_equal(c.edge, "");
}

static void test_uri(void **state)
{
	struct sip_addr a;
	bool tcp = true;

	(void)state;
	assert_int_equal(sip_uri_addr("sip:192.0.2.1", &a, &tcp), 0);
	assert_int_equal(a.addr, inet_addr("192.0.2.1"));
	assert_int_equal(a.port, 5060);
	assert_false(tcp);
	assert_int_equal(sip_uri_addr("sip:bob@192.0.2.9:5080;transport=tcp",
					   &a, &tcp), 0);
	assert_int_equal(a.addr, inet_addr("192.0.2.9"));
	assert_int_equal(a.port, 5080);
	assert_true(tcp);
	assert_int_equal(sip_uri_addr("SIP:192.0.2.1:7;lr", &a, NULL), 0);
	assert_int_equal(a.port, 7);
	assert_int_equal(sip_uri_addr("sips:192.0.2.1", &a, NULL), -1);
	assert_int_equal(sip_uri_addr("sip:", &a, NULL), -1);
	assert_int_equal(sip_uri_addr("sip:192.0.2.1:x", &a, NULL), -1);
	assert_int_equal(sip_uri_addr("sip:192.0.2.1:5060x", &a, NULL), -1);
	assert_int_equal(sip_uri_addr("sip:host.example", &a, NULL), -1);
}

static void test_hex(void **state)
{
	uint8_t tok[OB_TOKEN_LEN], back[OB_TOKEN_LEN];
	char hex[2 * OB_TOKEN_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tok); i++)
		tok[i] = (uint8_t)(i * 37 + 1);
	hmmpd_edge_hex(tok, hex);
	assert_int_equal(strlen(hex), 2 * OB_TOKEN_LEN);
	assert_int_equal(hmmpd_edge_unhex(hex, back), 0);
	assert_memory_equal(tok, back, sizeof(tok));
	hex[5] = 'G';
	assert_int_equal(hmmpd_edge_unhex(hex, back), -1);
	hex[5] = 'A';	/* upper case is fine */
	assert_int_equal(hmmpd_edge_unhex(hex, back), 0);
	hex[2 * OB_TOKEN_LEN - 1] = '\0';
	assert_int_equal(hmmpd_edge_unhex(hex, back), -1);
	assert_int_equal(hmmpd_edge_unhex(NULL, back), -1);
}

/* ---- a sip instance with the edge's STUN side ---- */

struct fix {
	sd_event *ev;
	struct sip *sip;
	struct ob_edge edge;
	struct hmmpd_edge *px;
	int nup, ndown, nstun;
	struct sip_flow last_up, last_down;
	uint8_t secret[OB_SECRET_LEN];
};

static int fix_send(void *data, const struct ob_flow *flow,
		    const uint8_t *buf, size_t len)
{
	struct fix *f = data;
	struct sip_flow sf = { .tp = flow->tp == OB_TCP ? SIP_TP_TCP
							: SIP_TP_UDP };
	struct sip_addr local = { flow->laddr, flow->lport };
	struct sip_addr peer = { flow->raddr, flow->rport };

	sf.local = local;
	sf.peer = peer;
	if (flow->tp == OB_TCP && !sip_tcp_find(f->sip, &local, &peer, &sf))
		return -ENOTCONN;
	return sip_send_raw(f->sip, &sf, buf, len);
}

static bool fix_tcp_open(void *data, const struct ob_flow *tcp)
{
	struct fix *f = data;
	struct sip_addr local = { tcp->laddr, tcp->lport };
	struct sip_addr peer = { tcp->raddr, tcp->rport };
	struct sip_flow sf;

	return sip_tcp_find(f->sip, &local, &peer, &sf);
}

static void fix_forced(void *data, void *ctx, int status,
		       const struct ob_flow *tcp)
{
	struct fix *f = data;

	if (f->px)
		hmmpd_edge_forced(f->px, ctx, status, tcp);
}

static const struct ob_edge_ops fix_ops = {
	.send = fix_send,
	.tcp_open = fix_tcp_open,
	.forced = fix_forced,
};

static void fix_stun(struct sip *sip, const struct sip_flow *flow,
		     const uint8_t *buf, size_t len, void *data)
{
	struct fix *f = data;
	struct ob_flow of;

	(void)sip;
	f->nstun++;
	hmmpd_edge_ob_flow(flow, &of);
	ob_edge_input(&f->edge, &of, buf, len, mono_ms());
}

static void fix_conn(struct sip *sip, const struct sip_flow *flow, bool up,
		     void *data)
{
	struct fix *f = data;

	(void)sip;
	if (up) {
		f->nup++;
		f->last_up = *flow;
	} else {
		f->ndown++;
		f->last_down = *flow;
	}
}

static int setup(void **state)
{
	struct sip_config cfg = { .addr = LO, .tcp_idle_s = 30 };
	struct ob_edge_cfg ecfg = { .software = "test-edge" };
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sd_event_new(&f->ev), 0);
	assert_int_equal(sip_new(f->ev, &cfg, &f->sip), 0);
	memset(f->secret, 0x42, sizeof(f->secret));
	memcpy(ecfg.secret, f->secret, sizeof(ecfg.secret));
	ob_edge_init(&f->edge, &ecfg, &fix_ops, f);
	sip_set_stun_handler(f->sip, fix_stun, f);
	sip_set_conn_handler(f->sip, fix_conn, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	hmmpd_edge_free(f->px);
	sip_free(f->sip);
	sd_event_unref(f->ev);
	free(f);
	return 0;
}

static void pump(struct fix *f, unsigned int ms)
{
	uint64_t end = mono_ms() + ms;

	while (mono_ms() < end)
		assert_true(sd_event_run(f->ev, 2000) >= 0);
}

static int raw_udp(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = LO };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void raw_sendto(int fd, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = LO,
				   .sin_port = htons(port) };

	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&sin,
				sizeof(sin)), (ssize_t)len);
}

/* A datagram, pumping the loop; -1 after ms. */
static ssize_t raw_recv(struct fix *f, int fd, void *buf, size_t len,
			unsigned int ms)
{
	uint64_t end = mono_ms() + ms;

	do {
		ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

		if (n >= 0) {
			((char *)buf)[n] = '\0';
			return n;
		}
		assert_true(sd_event_run(f->ev, 2000) >= 0);
	} while (mono_ms() < end);
	return -1;
}

static int raw_tcp(uint16_t port, uint16_t *lport)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = LO,
				   .sin_port = htons(port) };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*lport = ntohs(sin.sin_port);
	return fd;
}

/* Up to want bytes from a stream (pumping); *eof at the end of it. */
static size_t tcp_read(struct fix *f, int fd, void *buf, size_t len,
		       size_t want, unsigned int ms, bool *eof)
{
	uint64_t end = mono_ms() + ms;
	size_t got = 0;

	*eof = false;
	while (got < want && mono_ms() < end) {
		ssize_t n = recv(fd, (char *)buf + got, len - 1 - got,
				 MSG_DONTWAIT);

		if (n == 0) {
			*eof = true;
			break;
		}
		if (n > 0)
			got += (size_t)n;
		else
			assert_true(sd_event_run(f->ev, 2000) >= 0);
	}
	((char *)buf)[got] = '\0';
	return got;
}

static int stun_req(uint16_t method, uint8_t *tid, uint8_t *buf, size_t cap)
{
	struct stun_enc e;

	assert_int_equal(stun_tid_new(tid), 0);
	stun_enc_init(&e, buf, cap, method, STUN_REQUEST, tid);
	stun_put_fingerprint(&e);
	return stun_enc_end(&e);
}

static void test_stun_udp(void **state)
{
	struct fix *f = *state;
	uint8_t buf[2048], tid[12];
	struct sip_stats st;
	struct stun_msg m;
	uint16_t port;
	int fd = raw_udp(&port), len;
	ssize_t n;

	len = stun_req(STUN_BINDING, tid, buf, sizeof(buf));
	raw_sendto(fd, sip_port(f->sip, SIP_TP_UDP), buf, (size_t)len);
	n = raw_recv(f, fd, buf, sizeof(buf), 2000);
	assert_true(n > 0);
	assert_int_equal(stun_decode(buf, (size_t)n, &m), STUN_OK);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_memory_equal(m.tid, tid, 12);
	assert_int_equal(m.xor_mapped.port, port);
	assert_memory_equal(m.xor_mapped.addr, "\x7f\0\0\1", 4);
	/* GetToken over UDP: 445, through the same socket. */
	len = stun_req(STUN_GET_TOKEN, tid, buf, sizeof(buf));
	raw_sendto(fd, sip_port(f->sip, SIP_TP_UDP), buf, (size_t)len);
	n = raw_recv(f, fd, buf, sizeof(buf), 2000);
	assert_true(n > 0);
	assert_int_equal(stun_decode(buf, (size_t)n, &m), STUN_OK);
	assert_int_equal(m.error, 445);
	/* SIP on the same socket still reaches the SIP core (501). */
	{
		static const char opt[] =
			"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKstun1\r\n"
			"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\n"
			"Call-ID: stun1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
			"Content-Length: 0\r\n\r\n";

		raw_sendto(fd, sip_port(f->sip, SIP_TP_UDP), opt,
			   sizeof(opt) - 1);
		n = raw_recv(f, fd, buf, sizeof(buf), 2000);
		assert_true(n > 0);
		assert_memory_equal(buf, "SIP/2.0 501", 11);
	}
	sip_get_stats(f->sip, &st);
	assert_int_equal(st.rx_stun, 2);
	assert_int_equal(f->nstun, 2);
	close(fd);
}

static void test_stun_tcp_stream(void **state)
{
	struct fix *f = *state;
	static const char opt[] =
		"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKstun2\r\n"
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\n"
		"Call-ID: stun2\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n";
	uint8_t out[1024], in[4096], t1[12], t2[12];
	struct ob_flow named;
	struct stun_msg m;
	size_t len = 0, got, off;
	uint16_t lport;
	bool eof;
	int fd, n;

	fd = raw_tcp(sip_port(f->sip, SIP_TP_TCP), &lport);
	/* Binding, a SIP request, GetToken: one write, three messages. */
	n = stun_req(STUN_BINDING, t1, out, sizeof(out));
	len = (size_t)n;
	memcpy(out + len, opt, sizeof(opt) - 1);
	len += sizeof(opt) - 1;
	n = stun_req(STUN_GET_TOKEN, t2, out + len, sizeof(out) - len);
	/* the last one in two pieces */
	assert_int_equal(write(fd, out, len + 10), (ssize_t)(len + 10));
	pump(f, 50);
	assert_int_equal(write(fd, out + len + 10, (size_t)n - 10), n - 10);
	len += (size_t)n;
	got = tcp_read(f, fd, in, sizeof(in), 400, 2000, &eof);
	assert_false(eof);
	assert_int_equal(f->nup, 1);
	assert_int_equal(f->last_up.tp, SIP_TP_TCP);
	assert_int_equal(f->last_up.peer.port, lport);
	/* In order: the Binding answer, the 501, the GetToken answer. */
	off = 0;
	assert_int_equal(stun_frame(in, got, 4096, &len), 1);
	assert_int_equal(stun_decode(in, len, &m), STUN_OK);
	assert_memory_equal(m.tid, t1, 12);
	assert_int_equal(m.xor_mapped.port, lport);
	off = len;
	assert_memory_equal(in + off, "SIP/2.0 501", 11);
	{
		const char *end = strstr((const char *)in + off, "\r\n\r\n");

		assert_non_null(end);
		off = (size_t)((const uint8_t *)end + 4 - in);
	}
	if (got == off)
		got += tcp_read(f, fd, in + got, sizeof(in) - got, 1, 2000,
				&eof);
	assert_int_equal(stun_frame(in + off, got - off, 4096, &len), 1);
	assert_int_equal(stun_decode(in + off, len, &m), STUN_OK);
	assert_memory_equal(m.tid, t2, 12);
	assert_int_equal(m.cls, STUN_SUCCESS);
	/* The token names this very connection, as the edge sees it. */
	assert_true(ob_token_check(f->secret, m.flow_token.p, m.flow_token.len,
				   &named));
	assert_int_equal(named.tp, OB_TCP);
	assert_int_equal(named.rport, lport);
	assert_int_equal(named.lport, sip_port(f->sip, SIP_TP_TCP));

	/* Bytes that start like STUN but cannot be: the stream is closed. */
	memcpy(out, "\x00\x01\x00\x00\x21\x12\xa4\x43", 8);
	assert_int_equal(write(fd, out, 8), 8);
	tcp_read(f, fd, in, sizeof(in), 1, 2000, &eof);
	assert_true(eof);
	pump(f, 20);
	assert_int_equal(f->ndown, 1);
	assert_int_equal(f->last_down.conn_id, f->last_up.conn_id);
	close(fd);
}

static void test_tcp_open_release(void **state)
{
	struct fix *f = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = LO };
	socklen_t sl = sizeof(sin);
	struct sip_addr dst = { LO, 0 };
	struct sip_flow fl = { 0 };
	char buf[64];
	uint64_t id = 0;
	bool eof;
	int lfd, cfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
	dst.port = ntohs(sin.sin_port);
	assert_int_equal(sip_tcp_open(f->sip, &dst, LO, &id), 0);
	assert_true(id != 0);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	pump(f, 50);
	assert_int_equal(f->nup, 1);
	assert_int_equal(f->last_up.conn_id, id);
	assert_int_equal(f->last_up.peer.port, dst.port);
	assert_true(sip_tcp_find(f->sip, NULL, &dst, &fl));
	assert_int_equal(fl.conn_id, id);
	assert_int_equal(sip_send_raw(f->sip, &fl, "hello", 5), 0);
	assert_int_equal(tcp_read(f, cfd, buf, sizeof(buf), 5, 2000, &eof), 5);
	assert_string_equal(buf, "hello");
	/* Released with nothing pending: closed at once. */
	sip_tcp_release(f->sip, id);
	tcp_read(f, cfd, buf, sizeof(buf), 1, 2000, &eof);
	assert_true(eof);
	assert_int_equal(f->ndown, 1);
	assert_false(sip_tcp_find(f->sip, NULL, &dst, &fl));
	fl.conn_id = id;
	assert_int_equal(sip_send_raw(f->sip, &fl, "x", 1), -ENOTCONN);
	close(cfd);
	close(lfd);
}

/* Seed 003 6.2.2: a released connection stays until its transaction ends. */
static const osip_message_t *held_req;

static void hold_request(struct sip *sip, const osip_message_t *req,
			 const struct sip_addr *src, enum sip_transport tp,
			 void *data)
{
	(void)sip;
	(void)src;
	(void)tp;
	(void)data;
	held_req = req;
}

static void test_release_waits_for_transaction(void **state)
{
	struct fix *f = *state;
	static const char opt[] =
		"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKhold1\r\n"
		"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\n"
		"Call-ID: hold1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n";
	char buf[2048];
	uint16_t lport;
	uint64_t t0;
	bool eof;
	int fd;

	held_req = NULL;
	sip_set_request_handler(f->sip, hold_request, NULL);
	fd = raw_tcp(sip_port(f->sip, SIP_TP_TCP), &lport);
	assert_int_equal(write(fd, opt, sizeof(opt) - 1),
			 (ssize_t)(sizeof(opt) - 1));
	t0 = mono_ms();
	while (!held_req && mono_ms() < t0 + 2000)
		assert_true(sd_event_run(f->ev, 2000) >= 0);
	assert_non_null(held_req);
	assert_int_equal(f->nup, 1);
	/* Released while the OPTIONS is unanswered: it stays. */
	sip_tcp_release(f->sip, f->last_up.conn_id);
	assert_int_equal(tcp_read(f, fd, buf, sizeof(buf), 1, 1500, &eof), 0);
	assert_false(eof);
	assert_int_equal(f->ndown, 0);
	/* Answered: the 200 goes out, then the connection, within ~1 s. */
	assert_int_equal(sip_respond(f->sip, held_req, 200, NULL, NULL, NULL,
				     NULL, 0), 0);
	t0 = mono_ms();
	tcp_read(f, fd, buf, sizeof(buf), sizeof(buf) - 1, 3000, &eof);
	assert_memory_equal(buf, "SIP/2.0 200", 11);
	assert_true(eof);
	assert_true(mono_ms() - t0 < 2500);
	assert_int_equal(f->ndown, 1);
	close(fd);
}

/* ---- the edge proxy, end to end on loopback ---- */

/* A header's value in msg (first instance), into out. */
static bool header(const char *msg, const char *name, char *out, size_t len)
{
	const char *p = msg;
	size_t nl = strlen(name);

	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1, *e = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(out, len, "%.*s", (int)(e - v), v);
			return true;
		}
	}
	return false;
}

/* A response to req (Vias, From, To, Call-ID, CSeq copied). */
static size_t make_response(const char *req, int code, char *out, size_t len)
{
	const char *p = req;
	size_t n = (size_t)snprintf(out, len, "SIP/2.0 %d X\r\n", code);

	while ((p = strstr(p, "\r\n"))) {
		const char *e;

		p += 2;
		e = strstr(p, "\r\n");
		if (!e || e == p)
			break;
		if (!strncasecmp(p, "Via:", 4) || !strncasecmp(p, "From:", 5) ||
		    !strncasecmp(p, "Call-ID:", 8) || !strncasecmp(p, "CSeq:", 5))
			n += (size_t)snprintf(out + n, len - n, "%.*s\r\n",
					      (int)(e - p), p);
		else if (!strncasecmp(p, "To:", 3))
			n += (size_t)snprintf(out + n, len - n, "%.*s;tag=t%d\r\n",
					      (int)(e - p), p, code);
	}
	n += (size_t)snprintf(out + n, len - n, "Content-Length: 0\r\n\r\n");
	return n;
}

static size_t make_request(char *out, size_t len, const char *method,
			   const char *route, uint16_t via_port, size_t body,
			   int cseq)
{
	size_t n = (size_t)snprintf(out, len,
		"%s sip:ua@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKcore%d\r\n"
		"%s%s%s"
		"Max-Forwards: 70\r\nFrom: <sip:core@127.0.0.1>;tag=c1\r\n"
		"To: <sip:ua@127.0.0.1>\r\nCall-ID: big%d@core\r\n"
		"CSeq: %d %s\r\nContent-Type: text/plain\r\n"
		"Content-Length: %zu\r\n\r\n",
		method, via_port, cseq, route ? "Route: " : "",
		route ? route : "", route ? "\r\n" : "", cseq, cseq, method,
		body);

	memset(out + n, 'x', body);
	return n + body;
}

static void test_edge_proxy(void **state)
{
	struct fix *f = *state;
	struct hmmpd_edge_cfg cfg = { .flow_mtu = 1300 };
	struct hmmpd_edge_stats st;
	static char msg[8192], path[256], resp[4096];
	uint8_t sbuf[512], tid[12];
	uint16_t core_port, ua_port, tcp_lport;
	int core, ua, tcp, edge_udp, edge_tcp_port;
	struct stun_msg m, force;
	struct stun_enc e;
	size_t len, got;
	ssize_t n;
	bool eof;

	core = raw_udp(&core_port);
	ua = raw_udp(&ua_port);
	edge_udp = sip_port(f->sip, SIP_TP_UDP);
	edge_tcp_port = sip_port(f->sip, SIP_TP_TCP);
	cfg.self.addr = LO;
	cfg.self.port = (uint16_t)edge_udp;
	cfg.tcp_port = (uint16_t)edge_tcp_port;
	cfg.next.addr = LO;
	cfg.next.port = core_port;
	cfg.secret = f->secret;
	/* The core is on loopback too: the edge tells it by its port. */
	f->px = hmmpd_edge_new(f->sip, &f->edge, &cfg);
	assert_non_null(f->px);

	/* F1/F2: REGISTER from the UA over UDP, to the core with Path. */
	len = (size_t)snprintf(msg, sizeof(msg),
		"REGISTER sip:127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.2:5060;rport;branch=z9hG4bKua1\r\n"
		"Route: <sip:127.0.0.1:%d;lr>\r\n"
		"Max-Forwards: 70\r\nFrom: <sip:ua@127.0.0.1>;tag=u1\r\n"
		"To: <sip:ua@127.0.0.1>\r\nCall-ID: reg1\r\nCSeq: 1 REGISTER\r\n"
		"Supported: path, outbound\r\n"
		"Contact: <sip:ua@10.0.0.2:5060>;reg-id=1;+sip.instance=\"<urn:uuid:1>\"\r\n"
		"Content-Length: 0\r\n\r\n", edge_udp);
	raw_sendto(ua, (uint16_t)edge_udp, msg, len);
	n = raw_recv(f, core, msg, sizeof(msg), 2000);
	assert_true(n > 0);
	assert_memory_equal(msg, "REGISTER ", 9);
	assert_true(header(msg, "Path", path, sizeof(path)));
	assert_true(strstr(path, ";lr;ob>") != NULL);
	assert_null(strstr(msg, "\r\nRoute:"));	/* ours, popped */
	assert_non_null(strstr(msg, "Max-Forwards: 69") ?
			strstr(msg, "Max-Forwards: 69") :
			strstr(msg, "Max-forwards: 69"));
	/* our Via on top, the UA's stamped with received and rport */
	assert_non_null(strstr(msg, "\r\nVia: SIP/2.0/UDP 127.0.0.1:"));
	{
		char r[64];

		snprintf(r, sizeof(r), "received=127.0.0.1;rport=%u", ua_port);
		assert_true(strstr(msg, r) != NULL ||
			    (strstr(msg, "rport=") && strstr(msg, "received=127.0.0.1")));
	}

	/* F3/F4: 200 back to the UA, our Via gone. */
	len = make_response(msg, 200, resp, sizeof(resp));
	raw_sendto(core, (uint16_t)edge_udp, resp, len);
	n = raw_recv(f, ua, msg, sizeof(msg), 2000);
	assert_true(n > 0);
	assert_memory_equal(msg, "SIP/2.0 200", 11);
	assert_null(strstr(msg, "SIP/2.0/UDP 127.0.0.1:"));
	assert_non_null(strstr(msg, "branch=z9hG4bKua1"));

	/* A small request for the UA goes over the UDP flow. */
	len = make_request(msg, sizeof(msg), "OPTIONS", path, core_port, 100, 1);
	raw_sendto(core, (uint16_t)edge_udp, msg, len);
	n = raw_recv(f, ua, msg, sizeof(msg), 2000);
	assert_true(n > 0);
	assert_memory_equal(msg, "OPTIONS ", 8);
	assert_null(strstr(msg, "\r\nRoute:"));

	/* F8/F9: a large one: ForceTCP on the UDP flow instead. */
	len = make_request(msg, sizeof(msg), "MESSAGE", path, core_port, 3000, 2);
	raw_sendto(core, (uint16_t)edge_udp, msg, len);
	n = raw_recv(f, ua, sbuf, sizeof(sbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(stun_decode(sbuf, (size_t)n, &force), STUN_OK);
	assert_int_equal(force.method, STUN_FORCE_TCP);
	assert_int_equal(force.cls, STUN_REQUEST);
	/* F10/F11: the UA connects and asks GetToken. */
	tcp = raw_tcp((uint16_t)edge_tcp_port, &tcp_lport);
	n = stun_req(STUN_GET_TOKEN, tid, sbuf, sizeof(sbuf));
	assert_int_equal(write(tcp, sbuf, (size_t)n), n);
	got = tcp_read(f, tcp, resp, sizeof(resp), 20 + 4 + 32, 2000, &eof);
	assert_int_equal(stun_frame((uint8_t *)resp, got, 4096, &len), 1);
	assert_int_equal(stun_decode((uint8_t *)resp, len, &m), STUN_OK);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_int_equal(m.flow_token.len, OB_TOKEN_LEN);
	/* F12: the ForceTCP answer with that token, over UDP. */
	stun_enc_response(&e, sbuf, sizeof(sbuf), &force, false);
	stun_put_flow_token(&e, m.flow_token.p, m.flow_token.len);
	stun_put_fingerprint(&e);
	raw_sendto(ua, (uint16_t)edge_udp, sbuf, (size_t)stun_enc_end(&e));
	/* F13: the request arrives over TCP, our Via says TCP. */
	got = tcp_read(f, tcp, msg, sizeof(msg), 3000, 3000, &eof);
	assert_true(got > 3000);
	assert_memory_equal(msg, "MESSAGE ", 8);
	assert_non_null(strstr(msg, "\r\nVia: SIP/2.0/TCP 127.0.0.1:"));
	/* F14: 200 over TCP, on to the core over UDP. */
	len = make_response(msg, 200, resp, sizeof(resp));
	assert_int_equal(write(tcp, resp, len), (ssize_t)len);
	n = raw_recv(f, core, msg, sizeof(msg), 2000);
	assert_true(n > 0);
	assert_memory_equal(msg, "SIP/2.0 200", 11);
	assert_non_null(strstr(msg, "CSeq: 2 MESSAGE"));

	/* A UA without the usage answers ForceTCP 400: the core gets 430. */
	len = make_request(msg, sizeof(msg), "MESSAGE", path, core_port, 3000, 3);
	raw_sendto(core, (uint16_t)edge_udp, msg, len);
	n = raw_recv(f, ua, sbuf, sizeof(sbuf), 2000);
	assert_true(n > 0);
	assert_int_equal(stun_decode(sbuf, (size_t)n, &force), STUN_OK);
	stun_enc_response(&e, sbuf, sizeof(sbuf), &force, true);
	stun_put_error(&e, 400, NULL);
	raw_sendto(ua, (uint16_t)edge_udp, sbuf, (size_t)stun_enc_end(&e));
	n = raw_recv(f, core, msg, sizeof(msg), 2000);
	assert_true(n > 0);
	assert_memory_equal(msg, "SIP/2.0 430 Flow Failed", 23);
	assert_non_null(strstr(msg, "CSeq: 3 MESSAGE"));

	/* A forged token: 403. */
	path[8] = path[8] == '0' ? '1' : '0';
	len = make_request(msg, sizeof(msg), "OPTIONS", path, core_port, 10, 4);
	raw_sendto(core, (uint16_t)edge_udp, msg, len);
	n = raw_recv(f, core, msg, sizeof(msg), 2000);
	assert_true(n > 0);
	assert_memory_equal(msg, "SIP/2.0 403", 11);

	hmmpd_edge_get_stats(f->px, &st);
	assert_int_equal(st.from_ua, 1);
	assert_int_equal(st.forced_tcp, 1);
	assert_int_equal(st.flow_failed, 1);
	assert_int_equal(st.forbidden, 1);
	assert_int_equal(f->edge.stats.force_400, 1);
	assert_int_equal(f->edge.stats.gettoken, 1);
	close(tcp);
	close(ua);
	close(core);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_hex),
		cmocka_unit_test_setup_teardown(test_stun_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stun_tcp_stream, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tcp_open_release, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_edge_proxy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_release_waits_for_transaction,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
