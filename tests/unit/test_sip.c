// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/sip/, the SIP user agent core. Pure parts
 * (framing, transport choice, branches) directly; the rest through real
 * sockets on 127.0.0.1 with ephemeral ports, inside this process only: two
 * sip instances talking to each other, or one and a raw socket playing the
 * peer. Retransmission timing runs on a fake osip2 clock: this file defines
 * osip_gettimeofday(), which libosip2 calls through its PLT, so ours wins.
 * HMMP_TEST_VERBOSE=1 shows sip.c's log on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <osip2/osip.h>

#include "sip/sip.h"
#include "util.h"

#define LO	htonl(INADDR_LOOPBACK)

/* ---- the fake osip2 clock ------------------------------------------- */

static bool fake_clock;
static struct timeval fake_now;

int osip_gettimeofday(struct timeval *tp, void *tz)
{
	struct timespec ts;

	(void)tz;
	if (fake_clock) {
		*tp = fake_now;
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	tp->tv_sec = ts.tv_sec;
	tp->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

static void fake_set_ms(uint64_t ms)
{
	fake_now.tv_sec = (time_t)(1000 + ms / 1000);
	fake_now.tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

/* ---- fixtures ------------------------------------------------------- */

static void test_log(void *data, int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void test_log(void *data, int prio, const char *fmt, va_list ap)
{
	(void)prio;
	fprintf(stderr, "[%s] ", (const char *)data);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

struct fix {
	sd_event *ev;
	struct sip *a, *b;
};

static struct sip *new_sip(sd_event *ev, const char *name, const char *id,
			   unsigned int idle)
{
	struct sip_config cfg = {
		.addr = LO,
		.identity = id,
		.tcp_idle_s = idle,
	};
	struct sip *s = NULL;

	if (getenv("HMMP_TEST_VERBOSE")) {
		cfg.log = test_log;
		cfg.log_data = (void *)name;
	}
	assert_int_equal(sip_new(ev, &cfg, &s), 0);
	assert_non_null(s);
	assert_int_not_equal(sip_port(s, SIP_TP_UDP), 0);
	assert_int_not_equal(sip_port(s, SIP_TP_TCP), 0);
	return s;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_clock = false;
	assert_int_equal(sd_event_new(&f->ev), 0);
	f->a = new_sip(f->ev, "a", "sip:alice@ms.home.com", 0);
	f->b = new_sip(f->ev, "b", "sip:bob@ch.wondernet.com", 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	sip_free(f->a);
	sip_free(f->b);
	sd_event_unref(f->ev);
	free(f);
	fake_clock = false;
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs the loop until *flag or ms pass. */
static void pump(sd_event *ev, const bool *flag, unsigned int ms)
{
	uint64_t end = mono_ms() + ms;

	while ((!flag || !*flag) && mono_ms() < end)
		assert_true(sd_event_run(ev, 10000) >= 0);
}

static int raw_udp(uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = LO };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void raw_sendto(int fd, uint16_t port, const char *buf, size_t len)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = LO,
		.sin_port = htons(port),
	};

	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&sin,
				sizeof(sin)), (ssize_t)len);
}

/* One datagram and its source (pumping the loop meanwhile), or -1 after ms. */
static ssize_t raw_recv_from(sd_event *ev, int fd, char *buf, size_t len,
			     unsigned int ms, struct sockaddr_in *from)
{
	uint64_t end = mono_ms() + ms;

	do {
		socklen_t fl = sizeof(*from);
		ssize_t n = recvfrom(fd, buf, len - 1, MSG_DONTWAIT,
				     (struct sockaddr *)from, &fl);

		if (n >= 0) {
			buf[n] = '\0';
			return n;
		}
		if (!ms)
			break;
		if (ev)
			assert_true(sd_event_run(ev, 5000) >= 0);
		else
			usleep(1000);
	} while (mono_ms() < end);
	return -1;
}

static ssize_t raw_recv(sd_event *ev, int fd, char *buf, size_t len,
			unsigned int ms)
{
	struct sockaddr_in from;

	return raw_recv_from(ev, fd, buf, len, ms, &from);
}

static int raw_tcp(uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = LO,
		.sin_port = htons(port),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Bytes from a TCP socket until want of them or ms; returns the count. */
static size_t tcp_read(sd_event *ev, int fd, char *buf, size_t len,
		       size_t want, unsigned int ms, bool *eof)
{
	uint64_t end = mono_ms() + ms;
	size_t got = 0;

	*eof = false;
	while (got < want && mono_ms() < end) {
		ssize_t n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);

		if (n == 0) {
			*eof = true;
			break;
		}
		if (n > 0)
			got += (size_t)n;
		else
			assert_true(sd_event_run(ev, 5000) >= 0);
	}
	buf[got] = '\0';
	return got;
}

static osip_message_t *parse(const char *buf, size_t len)
{
	osip_message_t *m;

	assert_int_equal(osip_message_init(&m), 0);
	if (osip_message_parse(m, buf, len)) {
		osip_message_free(m);
		return NULL;
	}
	return m;
}

static const char *hdr(const osip_message_t *m, const char *name)
{
	osip_header_t *h = NULL;

	osip_message_header_get_byname(m, name, 0, &h);
	return h ? h->hvalue : NULL;
}

static const char *via_param(const osip_message_t *m, const char *name)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	osip_generic_param_t *p = NULL;

	assert_non_null(via);
	osip_via_param_get_byname(via, (char *)name, &p);
	return p ? (p->gvalue ? p->gvalue : "") : NULL;
}

static const char *body_of(const osip_message_t *m, size_t *len)
{
	osip_body_t *b = NULL;

	osip_message_get_body(m, 0, &b);
	*len = b ? b->length : 0;
	return b ? b->body : NULL;
}

/* A request as a peer of ours would write it. */
static size_t raw_req(char *buf, size_t len, const char *method,
		      const char *branch, uint16_t via_port, const char *cseq,
		      const char *extra)
{
	int n = snprintf(buf, len,
			 "%s sip:bob@127.0.0.1 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=%s\r\n"
			 "From: <sip:alice@ms.home.com>;tag=f1\r\n"
			 "To: <sip:bob@127.0.0.1>\r\n"
			 "Call-ID: raw-%s@test\r\n"
			 "CSeq: %s\r\n"
			 "%s"
			 "Content-Length: 0\r\n\r\n",
			 method, via_port, branch, branch, cseq, extra ? extra : "");

	assert_true(n > 0 && (size_t)n < len);
	return (size_t)n;
}

/* ---- framing -------------------------------------------------------- */

static const char MSG1[] =
	"INFO sip:bob@192.0.2.7 SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 5\r\n"
	"\r\n"
	"hello";
static const char MSG2[] =
	"SIP/2.0 200 OK\r\n"
	"l: 0\r\n"
	"\r\n";

static void test_frame_stream_split(void **state)
{
	size_t len = strlen(MSG1), i, n;

	(void)state;
	for (i = 0; i < len; i++)
		assert_int_equal(sip_frame(MSG1, i, true, &n), SIP_FRAME_MORE);
	assert_int_equal(sip_frame(MSG1, len, true, &n), SIP_FRAME_MSG);
	assert_int_equal(n, len);
}

static void test_frame_stream_coalesced(void **state)
{
	char buf[1024];
	size_t off = 0, n, len;
	int got = 0;

	(void)state;
	len = (size_t)snprintf(buf, sizeof(buf), "%s%s\r\n\r\n%s\r\n%s", MSG1,
			       MSG2, MSG1, MSG2);
	while (off < len) {
		enum sip_frame f = sip_frame(buf + off, len - off, true, &n);

		assert_int_not_equal(f, SIP_FRAME_BAD);
		assert_int_not_equal(f, SIP_FRAME_MORE);
		assert_true(n > 0 && n <= len - off);
		switch (got) {
		case 0:
		case 3:
			assert_int_equal(f, SIP_FRAME_MSG);
			assert_int_equal(n, strlen(MSG1));
			break;
		case 1:
		case 5:
			assert_int_equal(f, SIP_FRAME_MSG);
			assert_int_equal(n, strlen(MSG2));
			break;
		case 2:
			assert_int_equal(f, SIP_FRAME_PING);
			assert_int_equal(n, 4);
			break;
		case 4:
			assert_int_equal(f, SIP_FRAME_SKIP);
			assert_int_equal(n, 2);
			break;
		}
		got++;
		off += n;
	}
	assert_int_equal(got, 6);
	/* half a ping waits, a lone CRLF (a pong) is skipped */
	assert_int_equal(sip_frame("\r\n\r", 3, true, &n), SIP_FRAME_MORE);
	assert_int_equal(sip_frame("\r", 1, true, &n), SIP_FRAME_MORE);
	assert_int_equal(sip_frame("\r\n", 2, true, &n), SIP_FRAME_SKIP);
	assert_int_equal(n, 2);
	assert_int_equal(sip_frame("", 0, true, &n), SIP_FRAME_MORE);
}

static void test_frame_variants(void **state)
{
	static const struct {
		const char *s;
		bool stream;
		enum sip_frame f;
		size_t n;		/* for MSG/SKIP */
	} cases[] = {
		/* bare LF line ends, compact l, blanks around the value */
		{ "OPTIONS sip:a@b SIP/2.0\nl :  3 \n\nabcX", true, SIP_FRAME_MSG, 36 },
		{ "OPTIONS sip:a@b SIP/2.0\r\nCONTENT-LENGTH:0\r\n\r\n", true, SIP_FRAME_MSG, 45 },
		/* a folded line is not a Content-Length */
		{ "OPTIONS sip:a@b SIP/2.0\r\nX: y\r\n l: 5\r\nl: 0\r\n\r\n", true, SIP_FRAME_MSG, 46 },
		/* the start line is no header */
		{ "l: 4 sip:a@b SIP/2.0\r\nl: 0\r\n\r\n", true, SIP_FRAME_MSG, 30 },
		/* the same value twice is fine, two values are not */
		{ "A b SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\nx", true, SIP_FRAME_MSG, 41 },
		{ "A b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nxx", true, SIP_FRAME_BAD, 0 },
		/* no Content-Length on a stream */
		{ "A b SIP/2.0\r\nX: 1\r\n\r\n", true, SIP_FRAME_BAD, 0 },
		{ "A b SIP/2.0\r\nl: -1\r\n\r\n", true, SIP_FRAME_BAD, 0 },
		{ "A b SIP/2.0\r\nl: 1x\r\n\r\n", true, SIP_FRAME_BAD, 0 },
		{ "A b SIP/2.0\r\nl:\r\n\r\n", true, SIP_FRAME_BAD, 0 },
		{ "A b SIP/2.0\r\nl: 65536\r\n\r\n", true, SIP_FRAME_BAD, 0 },
		{ "A b SIP/2.0\r\nl: 99999999999\r\n\r\n", true, SIP_FRAME_BAD, 0 },
		{ "A b SIP/2.0\r\nl: 0x10\r\n\r\n", true, SIP_FRAME_BAD, 0 },
		/* datagrams: the rest without Content-Length, extra cut off */
		{ "A b SIP/2.0\r\nX: 1\r\n\r\nbody", false, SIP_FRAME_MSG, 25 },
		{ "A b SIP/2.0\r\nl: 2\r\n\r\nbodyextra", false, SIP_FRAME_MSG, 23 },
		{ "A b SIP/2.0\r\nl: 20\r\n\r\nshort", false, SIP_FRAME_BAD, 0 },
		{ "A b SIP/2.0\r\nX: 1\r\n", false, SIP_FRAME_BAD, 0 },
		{ "\r\n\r\nA b SIP/2.0\r\nl: 0\r\n\r\n", false, SIP_FRAME_MSG, 25 },
		{ "\r\n\r\n", false, SIP_FRAME_SKIP, 4 },
		{ "garbage", false, SIP_FRAME_BAD, 0 },
		{ "", false, SIP_FRAME_BAD, 0 },
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(cases); i++) {
		enum sip_frame f = sip_frame(cases[i].s, strlen(cases[i].s),
					     cases[i].stream, &n);

		if (f != cases[i].f)
			fail_msg("case %zu: frame %d, want %d", i, f, cases[i].f);
		if ((f == SIP_FRAME_MSG || f == SIP_FRAME_SKIP) && n != cases[i].n)
			fail_msg("case %zu: %zu bytes, want %zu", i, n, cases[i].n);
	}
}

static void test_frame_limits(void **state)
{
	size_t big = SIP_MAX_MSG + 100, n;
	char *buf = malloc(big);
	int len;

	(void)state;
	assert_non_null(buf);
	/* headers that never end */
	memset(buf, 'x', big);
	memcpy(buf, "A b SIP/2.0\r\nX: ", 16);
	assert_int_equal(sip_frame(buf, SIP_MAX_MSG, true, &n), SIP_FRAME_MORE);
	assert_int_equal(sip_frame(buf, big, true, &n), SIP_FRAME_BAD);
	/* a body that would take the message over the limit */
	len = snprintf(buf, big, "A b SIP/2.0\r\nl: %u\r\n\r\n", SIP_MAX_MSG - 10);
	assert_int_equal(sip_frame(buf, (size_t)len, true, &n), SIP_FRAME_BAD);
	len = snprintf(buf, big, "A b SIP/2.0\r\nl: %u\r\n\r\n", SIP_MAX_MSG - 30);
	assert_int_equal(sip_frame(buf, (size_t)len, true, &n), SIP_FRAME_MORE);
	free(buf);
}

/*
 * Against a reference: random messages (random bodies, headers in random
 * case and spelling, keepalives between them) cut into random pieces come
 * out of the framer exactly as they went in.
 */
static void test_frame_random_stream(void **state)
{
	enum { NMSG = 40 };
	static char stream[NMSG * 600];
	size_t start[NMSG], mlen[NMSG], len = 0, have = 0, off = 0, n;
	unsigned int seed = 12345, round, got = 0;
	int i;

	(void)state;
	srand(seed);
	for (i = 0; i < NMSG; i++) {
		static const char *const names[] = {
			"Content-Length", "content-length", "l", "L",
			"CONTENT-LENGTH",
		};
		size_t blen = (size_t)(rand() % 300);
		int k;

		if (rand() % 4 == 0) {
			memcpy(stream + len, "\r\n\r\n", 4);
			len += 4;
		}
		start[i] = len;
		k = snprintf(stream + len, 200,
			     "MESSAGE sip:x@y SIP/2.0\r\nX-N: %d\r\n%s%s: %zu\r\n\r\n",
			     i, rand() % 2 ? "Y: z\r\n" : "",
			     names[rand() % 5], blen);
		len += (size_t)k;
		for (k = 0; k < (int)blen; k++)
			stream[len++] = (char)(rand() % 256);
		mlen[i] = len - start[i];
	}
	for (round = 0; off < len; round++) {
		enum sip_frame f;

		assert_true(round < 100000);
		if (have < len && (rand() % 3 || have == off))
			have += 1 + (size_t)rand() % 50;
		if (have > len)
			have = len;
		f = sip_frame(stream + off, have - off, true, &n);
		assert_int_not_equal(f, SIP_FRAME_BAD);
		if (f == SIP_FRAME_MORE) {
			assert_true(have < len);
			continue;
		}
		if (f == SIP_FRAME_MSG) {
			assert_true(got < NMSG);
			assert_int_equal(off, start[got]);
			assert_int_equal(n, mlen[got]);
			got++;
		}
		off += n;
	}
	assert_int_equal(got, NMSG);
}

/* Garbage never crashes the framer nor makes it claim bytes it lacks. */
static void test_frame_garbage(void **state)
{
	static const char alphabet[] = "\r\n: lLContent-Length0123456789x\t";
	char buf[256];
	int i, j;

	(void)state;
	srand(99);
	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % (int)sizeof(buf)), n;
		bool stream = i & 1;
		enum sip_frame f;

		for (j = 0; j < (int)len; j++)
			buf[j] = i % 3 ? alphabet[rand() % (int)(sizeof(alphabet) - 1)]
				       : (char)rand();
		f = sip_frame(buf, len, stream, &n);
		if (f == SIP_FRAME_MSG || f == SIP_FRAME_SKIP || f == SIP_FRAME_PING)
			assert_true(n > 0 && n <= len);
		if (!stream)
			assert_int_not_equal(f, SIP_FRAME_MORE);
	}
}

/* ---- pure helpers --------------------------------------------------- */

static void test_transport_for(void **state)
{
	(void)state;
	assert_int_equal(sip_transport_for(100, 0), SIP_TP_UDP);
	assert_int_equal(sip_transport_for(1300, 0), SIP_TP_UDP);
	assert_int_equal(sip_transport_for(1301, 0), SIP_TP_TCP);
	assert_int_equal(sip_transport_for(1300, 1000), SIP_TP_TCP);
	assert_int_equal(sip_transport_for(1000, 1000), SIP_TP_UDP);
	assert_int_equal(sip_transport_for(SIP_MAX_MSG, 0), SIP_TP_TCP);
}

static void test_branch(void **state)
{
	static char seen[256][SIP_BRANCH_LEN + 1];
	int i, j;

	(void)state;
	for (i = 0; i < 256; i++) {
		sip_branch_new(seen[i]);
		assert_int_equal(strlen(seen[i]), SIP_BRANCH_LEN);
		assert_memory_equal(seen[i], "z9hG4bK", 7);
		assert_int_equal(strspn(seen[i] + 7, "0123456789abcdef"),
				 SIP_BRANCH_LEN - 7);
		for (j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
	}
}

/* parse -> to_str -> parse -> to_str is stable, bodies intact. */
static void test_osip_roundtrip(void **state)
{
	static const char *const msgs[] = {
		"INFO sip:bob@192.0.2.7:5070 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKabc\r\n"
		"Via: SIP/2.0/TCP 198.51.100.1;branch=z9hG4bKdef;received=1.2.3.4\r\n"
		"From: \"Alice\" <sip:alice@ms.home.com>;tag=12\r\n"
		"To: <sip:bob@ch.wondernet.com>\r\n"
		"Call-ID: 567987@ara.visited.com\r\n"
		"CSeq: 1 INFO\r\n"
		"Contact: <sip:alice@10.15.20.25>\r\n"
		"Authorization: Digest username=\"alice\", realm=\"hmmp\", "
		"nonce=\"abc\", uri=\"sip:bob@192.0.2.7\", response=\"0123\", "
		"algorithm=SHA-256\r\n"
		"X-Custom: some, list\r\n"
		"Content-Type: application/binding\r\n"
		"Content-Length: 51\r\n"
		"\r\n"
		"Original-IP-Addr: 9.10.11.12\r\nNew-IP-Addr:10.15.20.25\r\n",
		"SIP/2.0 401 Unauthorized\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;rport=5060;branch=z9hG4bKabc;received=192.0.2.1\r\n"
		"From: <sip:alice@ms.home.com>;tag=12\r\n"
		"To: <sip:bob@ch.wondernet.com>;tag=99\r\n"
		"Call-ID: 1@x\r\n"
		"CSeq: 1 INFO\r\n"
		"WWW-Authenticate: Digest realm=\"hmmp\", nonce=\"n1\", "
		"algorithm=SHA-256, qop=\"auth\"\r\n"
		"Content-Length: 0\r\n\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(msgs); i++) {
		osip_message_t *m = parse(msgs[i], strlen(msgs[i])), *m2;
		char *s1, *s2;
		size_t l1, l2, bl1, bl2;
		const char *b1, *b2;

		assert_non_null(m);
		assert_int_equal(osip_message_to_str(m, &s1, &l1), 0);
		m2 = parse(s1, l1);
		assert_non_null(m2);
		assert_int_equal(osip_message_to_str(m2, &s2, &l2), 0);
		assert_int_equal(l1, l2);
		assert_memory_equal(s1, s2, l1);
		b1 = body_of(m, &bl1);
		b2 = body_of(m2, &bl2);
		assert_int_equal(bl1, bl2);
		if (bl1)
			assert_memory_equal(b1, b2, bl1);
		osip_free(s1);
		osip_free(s2);
		osip_message_free(m);
		osip_message_free(m2);
	}
}

/* ---- request building, as it goes out on the wire ------------------- */

struct outcome {
	bool done;
	int status, calls;
	char body[4096];
	char www[256], www_raw[256];
	char callid[128], ftag[64], branch[64];
	unsigned int cseq;
	struct sip_request retry;	/* .headers: retry once with them */
	bool retried;
};

static void on_response(struct sip *sip, int status, const osip_message_t *resp,
			const osip_message_t *req, void *data)
{
	struct outcome *o = data;
	osip_generic_param_t *tag = NULL;
	osip_www_authenticate_t *w = NULL;
	size_t bl;
	const char *b;

	o->calls++;
	o->status = status;
	assert_non_null(req);
	snprintf(o->callid, sizeof(o->callid), "%s", req->call_id->number);
	osip_from_get_tag(req->from, &tag);
	snprintf(o->ftag, sizeof(o->ftag), "%s", tag ? tag->gvalue : "");
	snprintf(o->branch, sizeof(o->branch), "%s", via_param(req, "branch"));
	o->cseq = (unsigned int)atoi(req->cseq->number);
	if (resp) {
		b = body_of(resp, &bl);
		snprintf(o->body, sizeof(o->body), "%.*s", (int)bl, b ? b : "");
		osip_message_get_www_authenticate(resp, 0, &w);
		if (w) {
			char *v = NULL;

			snprintf(o->www, sizeof(o->www), "%s", w->nonce ? w->nonce : "");
			assert_int_equal(sip_header(resp, "www-authenticate", 0, &v), 0);
			snprintf(o->www_raw, sizeof(o->www_raw), "%s", v);
			free(v);
		}
	}
	if (status == 401 && o->retry.headers && !o->retried) {
		o->retried = true;
		assert_int_equal(sip_send_retry(sip, req, o->retry.headers,
						on_response, o), 0);
		return;
	}
	o->done = true;
}

static void test_request_on_the_wire(void **state)
{
	struct fix *f = *state;
	struct outcome o = { 0 };
	char uri[64], buf[4096], resp[2048];
	struct sip_request rq = {
		.method = "INFO",
		.uri = uri,
		.headers = "X-Hmmp-Test: yes\r\nExpires: 30",
		.content_type = "application/binding",
		.body = "Original-IP-Addr: 9.10.11.12\r\nNew-IP-Addr: 10.15.20.25\r\n",
	};
	osip_message_t *m;
	osip_contact_t *ct = NULL;
	osip_generic_param_t *tag = NULL;
	uint16_t port;
	int fd = raw_udp(&port), n;
	ssize_t len;
	size_t bl;
	const char *b;

	rq.body_len = strlen(rq.body);
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", port);
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	assert_false(o.done);	/* never from inside the call */
	len = raw_recv(f->ev, fd, buf, sizeof(buf), 2000);
	assert_true(len > 0);
	m = parse(buf, (size_t)len);
	assert_non_null(m);
	assert_string_equal(m->sip_method, "INFO");
	assert_string_equal(m->req_uri->host, "127.0.0.1");
	assert_string_equal(((osip_via_t *)osip_list_get(&m->vias, 0))->protocol, "UDP");
	assert_int_equal(strncmp(via_param(m, "branch"), "z9hG4bK", 7), 0);
	assert_int_equal(strlen(via_param(m, "branch")), SIP_BRANCH_LEN);
	assert_non_null(via_param(m, "rport"));
	assert_string_equal(m->from->url->username, "alice");
	osip_from_get_tag(m->from, &tag);
	assert_non_null(tag);
	assert_string_equal(m->to->url->username, "bob");
	assert_string_equal(m->cseq->number, "1");
	assert_string_equal(m->cseq->method, "INFO");
	assert_non_null(m->call_id);
	assert_string_equal(hdr(m, "max-forwards"), "70");
	assert_string_equal(hdr(m, "x-hmmp-test"), "yes");
	assert_string_equal(hdr(m, "expires"), "30");
	assert_non_null(strstr(buf, "\r\nX-Hmmp-Test: yes\r\n"));	/* spelling kept */
	osip_message_get_contact(m, 0, &ct);
	assert_non_null(ct);
	assert_string_equal(ct->url->username, "alice");
	assert_string_equal(ct->url->host, "127.0.0.1");
	assert_int_equal(atoi(ct->url->port), sip_port(f->a, SIP_TP_UDP));
	assert_string_equal(m->content_type->type, "application");
	b = body_of(m, &bl);
	assert_int_equal(bl, rq.body_len);
	assert_memory_equal(b, rq.body, bl);
	assert_int_equal(atoi(m->content_length->value), (int)rq.body_len);
	{
		char *v = NULL;

		assert_int_equal(sip_header(m, "x-hmmp-TEST", 0, &v), 0);
		assert_string_equal(v, "yes");
		free(v);
		assert_int_equal(sip_header(m, "X-Hmmp-Test", 1, &v), -ENOENT);
		assert_null(v);
		assert_int_equal(sip_header(m, "Content-Type", 0, &v), 0);
		assert_string_equal(v, "application/binding");
		free(v);
		assert_int_equal(sip_header(m, "Contact", 0, &v), 0);
		assert_non_null(strstr(v, "sip:alice@127.0.0.1:"));
		free(v);
		assert_int_equal(sip_header(m, "WWW-Authenticate", 0, &v), -ENOENT);
		assert_int_equal(sip_header(m, "Authorization", 0, &v), -ENOENT);
	}

	/* the peer answers 200 with a body, along the Via */
	n = snprintf(resp, sizeof(resp),
		     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=%s;rport\r\n"
		     "From: <sip:alice@ms.home.com>;tag=%s\r\nTo: <sip:bob@x>;tag=t\r\n"
		     "Call-ID: %s\r\nCSeq: 1 INFO\r\nContent-Type: text/plain\r\n"
		     "Content-Length: 4\r\n\r\ndone",
		     sip_port(f->a, SIP_TP_UDP), via_param(m, "branch"), tag->gvalue,
		     m->call_id->number);
	raw_sendto(fd, sip_port(f->a, SIP_TP_UDP), resp, (size_t)n);
	pump(f->ev, &o.done, 2000);
	assert_true(o.done);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.status, 200);
	assert_string_equal(o.body, "done");
	/* the same 200 again is absorbed by the transaction */
	raw_sendto(fd, sip_port(f->a, SIP_TP_UDP), resp, (size_t)n);
	pump(f->ev, NULL, 50);
	assert_int_equal(o.calls, 1);
	osip_message_free(m);
	close(fd);
}

static void test_api_errors(void **state)
{
	struct fix *f = *state;
	struct outcome o = { 0 };
	struct sip_request ok = { .method = "INFO", .uri = "sip:b@127.0.0.1:9" };
	struct sip_request rq;
	static const char *const bad_headers[] = {
		"Via: SIP/2.0/UDP 1.2.3.4", "CSeq: 2 INFO", "Content-Length: 3",
		"Max-Forwards: 1", "no colon here", "Bad Name: x", ": x",
		"X-Ok: 1\r\nX-Bad\x01: 2", "X: a\x7f",
	};
	size_t i;

	(void)state;
	rq = ok;
	rq.method = "INVITE";
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), -EINVAL);
	rq.method = "IN FO";
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), -EINVAL);
	rq.method = NULL;
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), -EINVAL);
	rq = ok;
	rq.uri = "not a uri";
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), -EINVAL);
	rq.uri = "sip:bob@example.com";	/* no DNS: a next hop is needed */
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), -EINVAL);
	rq.uri = "sip:bob@127.0.0.1;transport=tls";
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o),
			 -EPROTONOSUPPORT);
	rq = ok;
	rq.cseq = 0x80000000u;	/* RFC 3261 8.1.1.5: below 2**31 */
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), -EINVAL);
	rq = ok;
	rq.body = "x";
	rq.body_len = 1;
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), -EINVAL);
	for (i = 0; i < HMMP_ARRAY_SIZE(bad_headers); i++) {
		rq = ok;
		rq.headers = bad_headers[i];
		if (sip_send_request(f->a, &rq, on_response, &o) != -EINVAL)
			fail_msg("accepted header '%s'", bad_headers[i]);
	}
	assert_int_equal(sip_respond(f->a, NULL, 200, NULL, NULL, NULL, NULL, 0),
			 -ENOENT);
	assert_int_equal(sip_send_retry(f->a, NULL, NULL, on_response, &o), -EINVAL);
	pump(f->ev, NULL, 20);
	assert_int_equal(o.calls, 0);
}

/* ---- two instances -------------------------------------------------- */

struct server {
	int calls;
	int status;		/* answer with this */
	const char *www;	/* a 401 with this WWW-Authenticate first */
	bool later;		/* answer from the test, not the handler */
	const osip_message_t *held;
	struct sip_addr src;
	enum sip_transport tp;
	char body[4096];
	size_t body_len;
	char auth[256];
	char callid[128], ftag[64], branch[64];
	unsigned int cseq;
};

static void on_request(struct sip *sip, const osip_message_t *req,
		       const struct sip_addr *src, enum sip_transport tp,
		       void *data)
{
	struct server *sv = data;
	osip_authorization_t *a = NULL;
	osip_generic_param_t *tag = NULL;
	size_t bl;
	const char *b = body_of(req, &bl);
	char h[300];

	sv->calls++;
	sv->src = *src;
	sv->tp = tp;
	sv->body_len = bl;
	if (bl)
		memcpy(sv->body, b, bl < sizeof(sv->body) ? bl : sizeof(sv->body));
	osip_message_get_authorization(req, 0, &a);
	snprintf(sv->auth, sizeof(sv->auth), "%s", a && a->response ? a->response : "");
	snprintf(sv->callid, sizeof(sv->callid), "%s", req->call_id->number);
	osip_from_get_tag(req->from, &tag);
	snprintf(sv->ftag, sizeof(sv->ftag), "%s", tag ? tag->gvalue : "");
	snprintf(sv->branch, sizeof(sv->branch), "%s", via_param(req, "branch"));
	sv->cseq = (unsigned int)atoi(req->cseq->number);
	if (sv->later) {
		sv->held = req;
		return;
	}
	if (sv->www && !a) {
		snprintf(h, sizeof(h), "WWW-Authenticate: %s", sv->www);
		assert_int_equal(sip_respond(sip, req, 401, NULL, h, NULL, NULL, 0), 0);
		return;
	}
	assert_int_equal(sip_respond(sip, req, sv->status ? sv->status : 200,
				     NULL, NULL, "text/plain", "ok", 2), 0);
	/* one final answer only */
	assert_int_equal(sip_respond(sip, req, 500, NULL, NULL, NULL, NULL, 0),
			 -ENOENT);
}

static void exchange(struct fix *f, enum sip_transport tp, size_t body_len,
		     enum sip_transport want)
{
	struct server sv = { 0 };
	struct outcome o = { 0 };
	char uri[64], *body = malloc(body_len + 1);
	struct sip_request rq = {
		.method = "INFO",
		.uri = uri,
		.content_type = "application/vnd.hmmp.binding",
		.body = body,
		.body_len = body_len,
		.transport = tp,
	};
	size_t i;

	assert_non_null(body);
	for (i = 0; i < body_len; i++)
		body[i] = (char)('a' + i % 26);
	sip_set_request_handler(f->b, on_request, &sv);
	/* b's two ports differ (ephemeral): name the one that will be used */
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", sip_port(f->b, want));
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	pump(f->ev, &o.done, 5000);
	assert_true(o.done);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.status, 200);
	assert_string_equal(o.body, "ok");
	assert_int_equal(sv.calls, 1);
	assert_int_equal(sv.tp, want);
	assert_int_equal(sv.src.addr, LO);
	assert_int_equal(sv.body_len, body_len);
	assert_memory_equal(sv.body, body, body_len > sizeof(sv.body) ?
			    sizeof(sv.body) : body_len);
	if (want == SIP_TP_UDP)	/* responses go to the source port */
		assert_int_equal(sv.src.port, sip_port(f->a, SIP_TP_UDP));
	free(body);
}

static void test_nict_nist_udp(void **state)
{
	struct fix *f = *state;
	struct sip_stats sa, sb;

	exchange(f, SIP_TP_AUTO, 100, SIP_TP_UDP);
	exchange(f, SIP_TP_UDP, 0, SIP_TP_UDP);
	sip_get_stats(f->a, &sa);
	sip_get_stats(f->b, &sb);
	/* timer E may fire under valgrind: count retransmissions in */
	assert_int_equal(sa.tx_msgs, 2 + sa.tx_retrans);
	assert_int_equal(sb.rx_msgs, 2 + sb.rx_retrans);
	assert_int_equal(sb.tx_msgs, 2 + sb.rx_retrans);
	assert_true(sa.rx_msgs >= 2);
	assert_int_equal(sa.rx_stray, 0);
	assert_int_equal(sa.rx_malformed + sb.rx_malformed, 0);
	assert_int_equal(sa.tcp_connected + sb.tcp_accepted, 0);
}

static void test_nict_nist_tcp_reuse(void **state)
{
	struct fix *f = *state;
	struct sip_stats sa, sb;

	exchange(f, SIP_TP_TCP, 10, SIP_TP_TCP);
	exchange(f, SIP_TP_TCP, 20, SIP_TP_TCP);
	exchange(f, SIP_TP_TCP, 30, SIP_TP_TCP);
	sip_get_stats(f->a, &sa);
	sip_get_stats(f->b, &sb);
	assert_int_equal(sa.tcp_connected, 1);	/* one connection, reused */
	assert_int_equal(sb.tcp_accepted, 1);
	assert_int_equal(sa.tcp_accepted, 0);	/* answers came back on it */
	assert_int_equal(sb.tcp_connected, 0);
	assert_int_equal(sa.tx_retrans, 0);	/* no timer E on TCP */
}

static void test_size_picks_tcp(void **state)
{
	struct fix *f = *state;
	struct sip_stats sa;

	/* both ports of b differ: the URI names the TCP one for the big one */
	exchange(f, SIP_TP_AUTO, 2000, SIP_TP_TCP);
	exchange(f, SIP_TP_AUTO, 50000, SIP_TP_TCP);
	sip_get_stats(f->a, &sa);
	assert_int_equal(sa.tcp_connected, 1);
}

static void test_challenge_and_retry(void **state)
{
	struct fix *f = *state;
	struct server sv = { .www = "Digest realm=\"hmmp\", nonce=\"n0nce\", algorithm=SHA-256" };
	struct outcome o = { 0 };
	char uri[64], first_branch[64], first_callid[128], first_tag[64];
	struct sip_request rq = { .method = "INFO", .uri = uri };

	o.retry.headers = "Authorization: Digest username=\"alice\", realm=\"hmmp\", "
			  "nonce=\"n0nce\", uri=\"sip:bob@127.0.0.1\", response=\"feed\"";
	sip_set_request_handler(f->b, on_request, &sv);
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", sip_port(f->b, SIP_TP_UDP));
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	pump(f->ev, &o.retried, 3000);
	assert_true(o.retried);
	assert_int_equal(o.status, 401);
	assert_string_equal(o.www, "\"n0nce\"");
	assert_string_equal(o.www_raw, "Digest realm=\"hmmp\", nonce=\"n0nce\", "
			    "algorithm=SHA-256");
	snprintf(first_branch, sizeof(first_branch), "%s", sv.branch);
	snprintf(first_callid, sizeof(first_callid), "%s", sv.callid);
	snprintf(first_tag, sizeof(first_tag), "%s", sv.ftag);
	assert_int_equal(sv.cseq, 1);
	/* the 401 went to where the request came from */
	assert_int_equal(sv.src.port, sip_port(f->a, SIP_TP_UDP));
	pump(f->ev, &o.done, 3000);
	assert_true(o.done);
	assert_int_equal(o.status, 200);
	assert_int_equal(o.calls, 2);
	assert_int_equal(sv.calls, 2);
	assert_string_equal(sv.auth, "\"feed\"");
	assert_int_equal(sv.cseq, 2);
	assert_string_equal(sv.callid, first_callid);
	assert_string_equal(sv.ftag, first_tag);
	assert_string_not_equal(sv.branch, first_branch);
	assert_int_equal(o.cseq, 2);
}

/* A chosen source address: in the packets, and kept by a retry. */
static void test_request_from_source(void **state)
{
	struct fix *f = *state;
	struct sip_config cfg = { .addr = 0 };
	struct server sv = { .www = "Digest realm=\"hmmp\", nonce=\"n\"" };
	struct outcome o = { 0 };
	char uri[64];
	struct sip_request rq = { .method = "INFO", .uri = uri,
				  .src = htonl(0x7f000002) };
	struct sip *c = NULL;
	enum sip_transport tp;

	/* bound to any address, as the daemon is */
	assert_int_equal(sip_new(f->ev, &cfg, &c), 0);
	o.retry.headers = "Authorization: Digest username=\"u\", realm=\"hmmp\", "
			  "nonce=\"n\", uri=\"sip:b@127.0.0.1\", response=\"00\"";
	sip_set_request_handler(f->b, on_request, &sv);
	for (tp = SIP_TP_UDP; tp <= SIP_TP_TCP; tp++) {
		memset(&o, 0, sizeof(o));
		o.retry.headers = "Authorization: Digest username=\"u\", realm=\"hmmp\", "
				  "nonce=\"n\", uri=\"sip:b@127.0.0.1\", response=\"00\"";
		sv.calls = 0;
		rq.transport = tp;
		snprintf(uri, sizeof(uri), "sip:b@127.0.0.1:%u", sip_port(f->b, tp));
		assert_int_equal(sip_send_request(c, &rq, on_response, &o), 0);
		pump(f->ev, &o.done, 5000);
		assert_true(o.done);
		assert_true(o.retried);
		assert_int_equal(o.status, 200);
		assert_int_equal(sv.calls, 2);
		/* the retry came from there too */
		assert_int_equal(sv.src.addr, htonl(0x7f000002));
		assert_int_equal(sv.tp, tp);
	}
	sip_free(c);
}

static void test_answer_later(void **state)
{
	struct fix *f = *state;
	struct server sv = { .later = true };
	struct outcome o = { 0 };
	char uri[64];
	struct sip_request rq = { .method = "OPTIONS", .uri = uri };
	int i;

	sip_set_request_handler(f->b, on_request, &sv);
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", sip_port(f->b, SIP_TP_UDP));
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	for (i = 0; i < 300 && !sv.held; i++)
		pump(f->ev, NULL, 10);
	assert_non_null(sv.held);
	assert_int_equal(sip_respond(f->b, sv.held, 200, "bad\r\nreason", NULL,
				     NULL, NULL, 0), -EINVAL);
	assert_int_equal(sip_respond(f->b, sv.held, 99, NULL, NULL, NULL, NULL, 0),
			 -EINVAL);
	assert_int_equal(sip_respond(f->b, sv.held, 200, NULL, "Via: x", NULL,
				     NULL, 0), -EINVAL);
	/* a provisional first, then the final one, outside the handler */
	assert_int_equal(sip_respond(f->b, sv.held, 100, NULL, NULL, NULL, NULL, 0), 0);
	assert_int_equal(sip_respond(f->b, sv.held, 404, "Nobody Here", NULL, NULL,
				     NULL, 0), 0);
	assert_int_equal(sip_respond(f->b, sv.held, 200, NULL, NULL, NULL, NULL, 0),
			 -ENOENT);
	pump(f->ev, &o.done, 3000);
	assert_int_equal(o.status, 404);
}

static void test_no_handler_501(void **state)
{
	struct fix *f = *state;
	struct outcome o = { 0 };
	char uri[64];
	struct sip_request rq = { .method = "MESSAGE", .uri = uri };

	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", sip_port(f->b, SIP_TP_UDP));
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	pump(f->ev, &o.done, 3000);
	assert_int_equal(o.status, 501);
}

static void test_tcp_refused_then_udp(void **state)
{
	struct fix *f = *state;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = LO };
	struct outcome o = { 0 };
	char uri[64], buf[SIP_MAX_MSG + 1], body[1500];
	struct sip_request rq = {
		.method = "INFO", .uri = uri, .content_type = "text/plain",
		.body = body, .body_len = sizeof(body),
	};
	uint16_t port;
	int udp = raw_udp(&port), tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ssize_t n;
	osip_message_t *m;

	/* the same port bound but not listening: connections are refused */
	memset(body, 'b', sizeof(body));
	sin.sin_port = htons(port);
	assert_true(tcp >= 0);
	assert_int_equal(bind(tcp, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", port);
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	n = raw_recv(f->ev, udp, buf, sizeof(buf), 3000);
	assert_true(n > (ssize_t)sizeof(body));
	m = parse(buf, (size_t)n);
	assert_non_null(m);
	assert_string_equal(((osip_via_t *)osip_list_get(&m->vias, 0))->protocol, "UDP");
	assert_false(o.done);
	osip_message_free(m);
	close(tcp);
	close(udp);
}

static void test_transport_error_503(void **state)
{
	struct fix *f = *state;
	struct outcome o = { 0 };
	struct sip_request rq = {
		.method = "INFO", .uri = "sip:bob@127.0.0.1:1",
		.transport = SIP_TP_TCP,
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = LO };
	socklen_t sl = sizeof(sin);
	char uri[64];

	/* a port surely without a listener: bound, never listening */
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", ntohs(sin.sin_port));
	rq.uri = uri;
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	assert_false(o.done);
	pump(f->ev, &o.done, 3000);
	assert_true(o.done);
	assert_int_equal(o.status, SIP_STATUS_TRANSPORT);
	assert_int_equal(o.calls, 1);
	close(fd);
}

/* ---- SCTP (RFC 4168): what runs without SCTP in the kernel ----------- */

/* Whether this kernel has SCTP; the VM scenario 55-sip-sctp has it. */
static bool have_sctp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static char logged[8192];

static void keep_log(void *data, int prio, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void keep_log(void *data, int prio, const char *fmt, va_list ap)
{
	size_t n = strlen(logged);

	(void)data;
	(void)prio;
	if (n + 2 < sizeof(logged)) {
		vsnprintf(logged + n, sizeof(logged) - n - 1, fmt, ap);
		strcat(logged, "\n");
	}
}

/* Listening on SCTP: a port, or a clear error on a kernel without it. */
static void test_sctp_listen(void **state)
{
	struct sip_config cfg = {
		.addr = LO, .sctp = true, .log = keep_log,
	};
	struct sip *s = NULL;
	sd_event *ev = NULL;
	int r;

	(void)state;
	logged[0] = '\0';
	assert_int_equal(sd_event_new(&ev), 0);
	r = sip_new(ev, &cfg, &s);
	if (have_sctp()) {
		assert_int_equal(r, 0);
		assert_int_not_equal(sip_port(s, SIP_TP_SCTP), 0);
	} else {
		assert_true(r == -EPROTONOSUPPORT || r == -ESOCKTNOSUPPORT ||
			    r == -EAFNOSUPPORT);
		assert_null(s);
		assert_non_null(strstr(logged, "cannot listen on SIP sctp: this kernel has no SCTP"));
		assert_non_null(strstr(logged, "modprobe sctp"));
	}
	sip_free(s);
	/* without sctp = true: no SCTP socket, port 0 */
	cfg.sctp = false;
	assert_int_equal(sip_new(ev, &cfg, &s), 0);
	assert_int_equal(sip_port(s, SIP_TP_SCTP), 0);
	sip_free(s);
	sd_event_unref(ev);
}

struct sent {
	bool done;
	int status;
	char proto[16], via_port[8], branch[64];
};

static void on_sctp_response(struct sip *sip, int status,
			     const osip_message_t *resp,
			     const osip_message_t *req, void *data)
{
	struct sent *o = data;
	osip_via_t *via = osip_list_get(&req->vias, 0);

	(void)sip;
	assert_null(resp);
	o->status = status;
	snprintf(o->proto, sizeof(o->proto), "%s", via->protocol);
	snprintf(o->via_port, sizeof(o->via_port), "%s",
		 via->port ? via->port : "");
	snprintf(o->branch, sizeof(o->branch), "%s", via_param(req, "branch"));
	o->done = true;
}

/*
 * ;transport=sctp in the URI, or the caller's choice: the request is built
 * with a Via SIP/2.0/SCTP and, with no association possible (no SCTP
 * here, or nobody listening), ends in 503 with a log line that says why.
 */
static void test_sctp_request(void **state)
{
	struct sip_config cfg = { .addr = LO, .log = keep_log };
	struct sip_request rq = { .method = "INFO" };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = LO };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sip_stats st;
	struct sent o;
	struct sip *s = NULL;
	sd_event *ev = NULL;
	char uri[96];
	int pass;

	(void)state;
	/* a port surely without a listener (were there SCTP) */
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	assert_int_equal(sd_event_new(&ev), 0);
	assert_int_equal(sip_new(ev, &cfg, &s), 0);
	for (pass = 0; pass < 2; pass++) {
		memset(&o, 0, sizeof(o));
		logged[0] = '\0';
		if (!pass) {
			snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u;transport=SCTP",
				 ntohs(sin.sin_port));
			rq.transport = SIP_TP_AUTO;
		} else {
			snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u",
				 ntohs(sin.sin_port));
			rq.transport = SIP_TP_SCTP;
		}
		rq.uri = uri;
		assert_int_equal(sip_send_request(s, &rq, on_sctp_response, &o), 0);
		pump(ev, &o.done, 5000);
		assert_true(o.done);
		assert_int_equal(o.status, SIP_STATUS_TRANSPORT);
		assert_string_equal(o.proto, "SCTP");
		assert_int_equal(strncmp(o.branch, "z9hG4bK", 7), 0);
		assert_non_null(strstr(logged, "/sctp"));
		if (!have_sctp()) {
			/* no listener: the Via's port is 0, not UDP's or TCP's */
			assert_string_equal(o.via_port, "0");
			assert_non_null(strstr(logged, "sctp: this kernel has no SCTP"));
			assert_non_null(strstr(logged, "modprobe sctp"));
		}
	}
	sip_get_stats(s, &st);
	assert_int_equal(st.tx_msgs, 0);
	assert_int_equal(st.tx_errors, 2);
	/* nothing stays behind: no connection, no transaction */
	sip_free(s);
	sd_event_unref(ev);
	close(fd);
}

/* ---- a raw peer ----------------------------------------------------- */

static void test_nist_absorbs_retransmission(void **state)
{
	struct fix *f = *state;
	struct server sv = { 0 };
	char req[1024], r1[2048], r2[2048];
	uint16_t port;
	int fd = raw_udp(&port);
	size_t len = raw_req(req, sizeof(req), "INFO", "z9hG4bKretrans", port,
			     "1 INFO", NULL);
	ssize_t n1, n2;
	struct sip_stats st;

	sip_set_request_handler(f->b, on_request, &sv);
	raw_sendto(fd, sip_port(f->b, SIP_TP_UDP), req, len);
	n1 = raw_recv(f->ev, fd, r1, sizeof(r1), 2000);
	assert_true(n1 > 0);
	raw_sendto(fd, sip_port(f->b, SIP_TP_UDP), req, len);
	n2 = raw_recv(f->ev, fd, r2, sizeof(r2), 2000);
	assert_int_equal(n1, n2);
	assert_memory_equal(r1, r2, (size_t)n1);	/* the same answer */
	assert_int_equal(sv.calls, 1);
	sip_get_stats(f->b, &st);
	assert_int_equal(st.rx_retrans, 1);
	close(fd);
}

/* received= and rport=, and the answer to the source, not to the Via. */
static void test_rport_received(void **state)
{
	struct fix *f = *state;
	struct server sv = { 0 };
	char req[1024], resp[2048];
	uint16_t port;
	int fd = raw_udp(&port);
	size_t len;
	ssize_t n;
	osip_message_t *m;
	char want[8];

	len = (size_t)snprintf(req, sizeof(req),
			       "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
			       "Via: SIP/2.0/UDP 192.0.2.99:5999;rport;branch=z9hG4bKrp\r\n"
			       "From: <sip:a@b>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
			       "Call-ID: rp@test\r\nCSeq: 7 OPTIONS\r\n"
			       "Content-Length: 0\r\n\r\n");
	sip_set_request_handler(f->b, on_request, &sv);
	raw_sendto(fd, sip_port(f->b, SIP_TP_UDP), req, len);
	n = raw_recv(f->ev, fd, resp, sizeof(resp), 2000);
	assert_true(n > 0);
	m = parse(resp, (size_t)n);
	assert_non_null(m);
	assert_int_equal(m->status_code, 200);
	assert_string_equal(via_param(m, "received"), "127.0.0.1");
	snprintf(want, sizeof(want), "%u", port);
	assert_string_equal(via_param(m, "rport"), want);
	assert_non_null(m->to);
	{
		osip_generic_param_t *tag = NULL;

		osip_to_get_tag(m->to, &tag);
		assert_non_null(tag);	/* a UAS adds its To tag */
	}
	assert_string_equal(m->cseq->number, "7");
	assert_non_null(strstr(resp, "\r\nServer: hmmpd/"));
	osip_message_free(m);
	close(fd);
}

/*
 * Answers leave from the address the request came to (RFC 3261 18.2.2):
 * a router with several addresses, asked at one behind a NAT, is matched
 * by the NAT only so. Bound to any address, asked at 127.0.0.3 by a client
 * on 127.0.0.1: the route's choice would be 127.0.0.1.
 */
static void test_answer_from_request_address(void **state)
{
	struct fix *f = *state;
	struct sip_config cfg = { .addr = 0 };
	struct server sv = { 0 };
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(0x7f000003) };
	struct sockaddr_in from;
	char req[1024], resp[2048];
	const char *const cseq[] = { "1 INFO", "x INFO" };	/* 200, 400 */
	struct sip *any = NULL;
	uint16_t port;
	int fd = raw_udp(&port);
	unsigned int i;
	size_t len;
	ssize_t n;

	assert_int_equal(sip_new(f->ev, &cfg, &any), 0);
	sip_set_request_handler(any, on_request, &sv);
	to.sin_port = htons(sip_port(any, SIP_TP_UDP));
	for (i = 0; i < HMMP_ARRAY_SIZE(cseq); i++) {
		char branch[32];

		snprintf(branch, sizeof(branch), "z9hG4bKlocal%u", i);
		len = raw_req(req, sizeof(req), "INFO", branch, port, cseq[i],
			      NULL);
		assert_int_equal(sendto(fd, req, len, 0, (struct sockaddr *)&to,
					sizeof(to)), (ssize_t)len);
		n = raw_recv_from(f->ev, fd, resp, sizeof(resp), 2000, &from);
		assert_true(n > 0);
		assert_int_equal(strncmp(resp, i ? "SIP/2.0 400 " : "SIP/2.0 200 ",
					 12), 0);
		assert_int_equal(from.sin_addr.s_addr, htonl(0x7f000003));
		assert_int_equal(from.sin_port, to.sin_port);
	}
	sip_free(any);
	close(fd);
}

static void test_malformed_udp(void **state)
{
	struct fix *f = *state;
	struct server sv = { 0 };
	char req[1024], resp[2048];
	uint16_t port, bport = sip_port(f->b, SIP_TP_UDP);
	int fd = raw_udp(&port);
	struct sip_stats st;
	osip_message_t *m;
	size_t len;
	ssize_t n;
	static const struct {
		const char *cseq;
		const char *why;
	} bad[] = {
		{ "x INFO", "Missing or Bad CSeq" },
		{ "1 OPTIONS", "CSeq Method Mismatch" },
		{ "99999999999 INFO", "Missing or Bad CSeq" },
	};
	static const char *const drop[] = {
		"garbage\r\n\r\n",
		"INFO sip:bob@127.0.0.1 SIP/2.0\r\nVia: nonsense\r\n\r\n",
		"INFO sip:bob@127.0.0.1 SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\n\r\n",
		"INFO sip:bob@127.0.0.1 SIP/2.0\r\nl: 50\r\n\r\nshort",
		"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
		"SIP/2.0 2x0 OK\r\nContent-Length: 0\r\n\r\n",
		"\x01\x02\x03\x04",
		"INFO  SIP/2.0\r\n\r\n",
	};
	size_t i;

	sip_set_request_handler(f->b, on_request, &sv);
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		len = raw_req(req, sizeof(req), "INFO", "z9hG4bKbad", port,
			      bad[i].cseq, NULL);
		raw_sendto(fd, bport, req, len);
		n = raw_recv(f->ev, fd, resp, sizeof(resp), 2000);
		assert_true(n > 0);
		m = parse(resp, (size_t)n);
		assert_non_null(m);
		assert_int_equal(m->status_code, 400);
		assert_string_equal(m->reason_phrase, bad[i].why);
		osip_message_free(m);
	}
	for (i = 0; i < HMMP_ARRAY_SIZE(drop); i++)
		raw_sendto(fd, bport, drop[i], strlen(drop[i]));
	/* INVITE: 501, statelessly; ACK: nothing */
	len = raw_req(req, sizeof(req), "INVITE", "z9hG4bKinv", port, "1 INVITE", NULL);
	raw_sendto(fd, bport, req, len);
	n = raw_recv(f->ev, fd, resp, sizeof(resp), 2000);
	assert_true(n > 0);
	assert_int_equal(strncmp(resp, "SIP/2.0 501 ", 12), 0);
	len = raw_req(req, sizeof(req), "ACK", "z9hG4bKinv", port, "1 ACK", NULL);
	raw_sendto(fd, bport, req, len);
	/* a stray response matches nothing */
	len = (size_t)snprintf(req, sizeof(req),
			       "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKnone\r\n"
			       "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: s\r\n"
			       "CSeq: 1 INFO\r\nContent-Length: 0\r\n\r\n");
	raw_sendto(fd, bport, req, len);
	/* a good one still works after all that */
	len = raw_req(req, sizeof(req), "INFO", "z9hG4bKgood", port, "1 INFO", NULL);
	raw_sendto(fd, bport, req, len);
	n = raw_recv(f->ev, fd, resp, sizeof(resp), 2000);
	assert_true(n > 0);
	assert_int_equal(strncmp(resp, "SIP/2.0 200 ", 12), 0);
	assert_int_equal(raw_recv(f->ev, fd, resp, sizeof(resp), 50), -1);
	assert_int_equal(sv.calls, 1);
	sip_get_stats(f->b, &st);
	assert_int_equal(st.rx_malformed, HMMP_ARRAY_SIZE(bad) + HMMP_ARRAY_SIZE(drop));
	assert_int_equal(st.rx_stray, 1);
	assert_int_equal(st.stateless, HMMP_ARRAY_SIZE(bad) + 1);
	close(fd);
}

/* Random bytes and mangled requests: counted, never a crash. */
static void test_fuzz_udp(void **state)
{
	struct fix *f = *state;
	struct server sv = { 0 };
	char req[1024], buf[1024];
	uint16_t port;
	int fd = raw_udp(&port), i;
	size_t len = raw_req(req, sizeof(req), "INFO", "z9hG4bKfuzz", port,
			     "1 INFO", "Content-Type: text/plain\r\n");

	sip_set_request_handler(f->b, on_request, &sv);
	srand(7);
	for (i = 0; i < 300; i++) {
		size_t k, flips = 1 + (size_t)rand() % 8;

		memcpy(buf, req, len);
		for (k = 0; k < flips; k++)
			buf[(size_t)rand() % len] = (char)rand();
		raw_sendto(fd, sip_port(f->b, SIP_TP_UDP), buf,
			   (size_t)rand() % (len + 1));
		if (i % 20 == 0)
			pump(f->ev, NULL, 5);
	}
	pump(f->ev, NULL, 200);
	while (raw_recv(NULL, fd, buf, sizeof(buf), 0) > 0)
		;
	close(fd);
}

static void test_tcp_stream_live(void **state)
{
	struct fix *f = *state;
	struct server sv = { 0 };
	char req[1024], two[2048], buf[8192];
	size_t len, got;
	int fd = raw_tcp(sip_port(f->b, SIP_TP_TCP));
	bool eof;
	const char *p;
	int count = 0;

	sip_set_request_handler(f->b, on_request, &sv);
	/* two requests in one write */
	len = raw_req(req, sizeof(req), "INFO", "z9hG4bKt1", 5060, "1 INFO", NULL);
	memcpy(two, req, len);
	len += raw_req(two + len, sizeof(two) - len, "INFO", "z9hG4bKt2", 5060,
		       "2 INFO", NULL);
	assert_int_equal(send(fd, two, len, 0), (ssize_t)len);
	/* a keepalive, then a third cut in three */
	assert_int_equal(send(fd, "\r\n\r\n", 4, 0), 4);
	len = raw_req(req, sizeof(req), "INFO", "z9hG4bKt3", 5060, "3 INFO", NULL);
	assert_int_equal(send(fd, req, 10, 0), 10);
	pump(f->ev, NULL, 20);
	assert_int_equal(send(fd, req + 10, 40, 0), 40);
	pump(f->ev, NULL, 20);
	assert_int_equal(send(fd, req + 50, len - 50, 0), (ssize_t)(len - 50));
	got = tcp_read(f->ev, fd, buf, sizeof(buf), 1 << 30, 500, &eof);
	assert_false(eof);
	assert_true(got > 0);
	for (p = buf; (p = strstr(p, "SIP/2.0 200 ")); p++)
		count++;
	assert_int_equal(count, 3);
	assert_int_equal(sv.calls, 3);
	/* the pong between the second answer and the third */
	assert_non_null(strstr(buf, "\r\n\r\nok\r\nSIP/2.0 200 "));
	/* now garbage: no Content-Length on a stream closes it */
	p = "INFO sip:x SIP/2.0\r\nX: 1\r\n\r\n";
	assert_int_equal(send(fd, p, strlen(p), 0), (ssize_t)strlen(p));
	tcp_read(f->ev, fd, buf, sizeof(buf), 1 << 30, 2000, &eof);
	assert_true(eof);
	close(fd);
}

/* Random bytes and mangled messages on TCP: closed or handled, no crash. */
static void test_fuzz_tcp(void **state)
{
	struct fix *f = *state;
	struct server sv = { 0 };
	char req[1024], buf[4096];
	size_t len = raw_req(req, sizeof(req), "INFO", "z9hG4bKtf", 5060,
			     "1 INFO", "Content-Type: text/plain\r\n");
	struct sip_stats st;
	struct outcome o = { 0 };
	char uri[64];
	struct sip_request rq = { .method = "INFO", .uri = uri,
				  .transport = SIP_TP_TCP };
	int i, j;

	sip_set_request_handler(f->b, on_request, &sv);
	srand(11);
	for (i = 0; i < 20; i++) {
		int fd = raw_tcp(sip_port(f->b, SIP_TP_TCP));

		for (j = 0; j < 10; j++) {
			size_t k, n = (size_t)rand() % (len + 1);

			memcpy(buf, req, len);
			for (k = 0; k < (size_t)(rand() % 6); k++)
				buf[(size_t)rand() % len] = (char)rand();
			if (send(fd, buf, n, MSG_NOSIGNAL) < 0)
				break;
			pump(f->ev, NULL, 2);
		}
		close(fd);
	}
	pump(f->ev, NULL, 100);
	sip_get_stats(f->b, &st);
	assert_int_equal(st.tcp_accepted, 20);
	/* still serving */
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", sip_port(f->b, SIP_TP_TCP));
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	pump(f->ev, &o.done, 3000);
	assert_int_equal(o.status, 200);
}

static void test_tcp_idle_close(void **state)
{
	struct fix *f = *state;
	struct sip *a = new_sip(f->ev, "idle", "sip:idle@x", 1);
	struct server sv = { 0 };
	struct outcome o = { 0 };
	char uri[64];
	struct sip_request rq = { .method = "INFO", .uri = uri, .transport = SIP_TP_TCP };
	struct sip_stats st;

	sip_set_request_handler(f->b, on_request, &sv);
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", sip_port(f->b, SIP_TP_TCP));
	assert_int_equal(sip_send_request(a, &rq, on_response, &o), 0);
	pump(f->ev, &o.done, 3000);
	assert_int_equal(o.status, 200);
	sip_get_stats(a, &st);
	assert_int_equal(st.tcp_closed, 0);
	pump(f->ev, NULL, 1600);
	sip_get_stats(a, &st);
	assert_int_equal(st.tcp_closed, 1);
	sip_free(a);
}

/* ---- timers on the fake clock --------------------------------------- */

static void test_timer_e_f(void **state)
{
	struct fix *f = *state;
	struct outcome o = { 0 };
	char uri[64], first[2048], buf[2048];
	struct sip_request rq = { .method = "INFO", .uri = uri };
	/* RFC 3261 17.1.2.2: T1 doubling up to T2, timer F at 64*T1 */
	static const unsigned int sends[] = {
		500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
	};
	uint16_t port;
	int fd = raw_udp(&port);
	unsigned int t = 0, next = 0;
	ssize_t n0, n;
	struct sip_stats st;

	fake_clock = true;
	fake_set_ms(0);
	snprintf(uri, sizeof(uri), "sip:bob@127.0.0.1:%u", port);
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	n0 = raw_recv(NULL, fd, first, sizeof(first), 100);
	assert_true(n0 > 0);
	for (t = 10; t <= 32000; t += 10) {
		fake_set_ms(t);
		sip_process(f->a);
		n = raw_recv(NULL, fd, buf, sizeof(buf), 0);
		if (next < HMMP_ARRAY_SIZE(sends) && t == sends[next]) {
			if (n != n0)
				fail_msg("no retransmission at %u ms", t);
			assert_memory_equal(buf, first, (size_t)n0);	/* the same */
			next++;
		} else if (n >= 0) {
			fail_msg("unexpected send at %u ms", t);
		}
		if (t < 32000)
			assert_false(o.done);
	}
	assert_int_equal(next, HMMP_ARRAY_SIZE(sends));
	assert_true(o.done);	/* timer F */
	assert_int_equal(o.status, SIP_STATUS_TIMEOUT);
	assert_int_equal(o.calls, 1);
	sip_get_stats(f->a, &st);
	assert_int_equal(st.tx_retrans, HMMP_ARRAY_SIZE(sends));
	fake_clock = false;
	close(fd);
}

/* A response from the raw peer to the request it captured. */
static size_t reply(char *buf, size_t len, const osip_message_t *req,
		    uint16_t to_port, int status)
{
	osip_generic_param_t *tag = NULL;
	int n;

	osip_from_get_tag(req->from, &tag);
	assert_non_null(tag);
	n = snprintf(buf, len,
		     "SIP/2.0 %d X\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=%s\r\n"
		     "From: <sip:a@b>;tag=%s\r\nTo: <sip:r@x>\r\nCall-ID: %s\r\n"
		     "CSeq: %s %s\r\nContent-Length: 0\r\n\r\n",
		     status, to_port, via_param(req, "branch"), tag->gvalue,
		     req->call_id->number, req->cseq->number, req->cseq->method);
	assert_true(n > 0 && (size_t)n < len);
	return (size_t)n;
}

/* A 1xx stretches timer E to T2; the final answer stops it. */
static void test_timer_after_provisional(void **state)
{
	struct fix *f = *state;
	struct outcome o = { 0 };
	char uri[64], buf[2048], r[1024];
	struct sip_request rq = { .method = "REGISTER", .uri = uri };
	uint16_t port, aport = sip_port(f->a, SIP_TP_UDP);
	int fd = raw_udp(&port);
	osip_message_t *m;
	unsigned int t, sends = 0;
	ssize_t n;

	fake_clock = true;
	fake_set_ms(0);
	snprintf(uri, sizeof(uri), "sip:registrar@127.0.0.1:%u", port);
	assert_int_equal(sip_send_request(f->a, &rq, on_response, &o), 0);
	n = raw_recv(NULL, fd, buf, sizeof(buf), 100);
	assert_true(n > 0);
	m = parse(buf, (size_t)n);
	assert_non_null(m);
	raw_sendto(fd, aport, r, reply(r, sizeof(r), m, aport, 100));
	pump(f->ev, NULL, 30);	/* receive it (timers are fake) */
	for (t = 10; t <= 10000; t += 10) {
		fake_set_ms(t);
		sip_process(f->a);
		if (raw_recv(NULL, fd, buf, sizeof(buf), 0) > 0)
			sends++;
	}
	/* the 1xx came at ~0: retransmissions every T2 = 4 s */
	assert_int_equal(sends, 2);
	raw_sendto(fd, aport, r, reply(r, sizeof(r), m, aport, 200));
	pump(f->ev, &o.done, 500);
	assert_true(o.done);
	assert_int_equal(o.status, 200);
	for (t = 10000; t <= 20000; t += 100) {
		fake_set_ms(t);
		sip_process(f->a);
		assert_int_equal(raw_recv(NULL, fd, buf, sizeof(buf), 0), -1);
	}
	fake_clock = false;
	osip_message_free(m);
	close(fd);
}

/* A NIST over UDP keeps its answer for 64*T1 (timer J), then goes. */
static void test_timer_j(void **state)
{
	struct fix *f = *state;
	struct server sv = { 0 };
	char req[1024], resp[2048];
	uint16_t port;
	int fd = raw_udp(&port);
	size_t len = raw_req(req, sizeof(req), "INFO", "z9hG4bKj", port, "1 INFO", NULL);

	fake_clock = true;
	fake_set_ms(0);
	sip_set_request_handler(f->b, on_request, &sv);
	raw_sendto(fd, sip_port(f->b, SIP_TP_UDP), req, len);
	assert_true(raw_recv(f->ev, fd, resp, sizeof(resp), 2000) > 0);
	fake_set_ms(31000);
	sip_process(f->b);
	raw_sendto(fd, sip_port(f->b, SIP_TP_UDP), req, len);
	assert_true(raw_recv(f->ev, fd, resp, sizeof(resp), 2000) > 0);
	assert_int_equal(sv.calls, 1);		/* still absorbed */
	fake_set_ms(32100);
	sip_process(f->b);
	raw_sendto(fd, sip_port(f->b, SIP_TP_UDP), req, len);
	assert_true(raw_recv(f->ev, fd, resp, sizeof(resp), 2000) > 0);
	assert_int_equal(sv.calls, 2);		/* a new transaction */
	fake_clock = false;
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_stream_split),
		cmocka_unit_test(test_frame_stream_coalesced),
		cmocka_unit_test(test_frame_variants),
		cmocka_unit_test(test_frame_limits),
		cmocka_unit_test(test_frame_random_stream),
		cmocka_unit_test(test_frame_garbage),
		cmocka_unit_test(test_transport_for),
		cmocka_unit_test(test_branch),
		cmocka_unit_test(test_osip_roundtrip),
		cmocka_unit_test_setup_teardown(test_request_on_the_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nict_nist_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nict_nist_tcp_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_picks_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_and_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_from_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_handler_501, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_refused_then_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transport_error_503, setup, teardown),
		cmocka_unit_test(test_sctp_listen),
		cmocka_unit_test(test_sctp_request),
		cmocka_unit_test_setup_teardown(test_nist_absorbs_retransmission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rport_received, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_from_request_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_stream_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_idle_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_e_f, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_after_provisional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_j, setup, teardown),
	};

	/* osip_message_parse() before any osip_init() crashes without it */
	parser_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
