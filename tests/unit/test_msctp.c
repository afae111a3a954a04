// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/features/msctp/ (mSCTP: [sctp] keys, sysctls, the
 * ASCONF-ACK parser, damping, the control socket) and the client side in
 * userspace/lib/hmmp_sctp.c. SCTP sockets themselves exist only in the VM
 * (tests/vm/scenarios/5x-sctp-*.sh); here the control socket is driven
 * with sockets of other kinds.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/daemon.h"
#include "hmmp_sctp.h"
#include "core/log.h"
#include "features/msctp/msctp.h"
#include "util.h"

static uint32_t A(const char *s)
{
	uint32_t a = 0;

	if (hmmp_addr_parse(s, &a))
		fail_msg("bad test address %s", s);
	return a;
}

/* ---- [sctp] ---- */

static void test_conf_keys(void **state)
{
	struct hmmpd_sctp_conf c;
	char why[300];

	(void)state;
	hmmpd_sctp_conf_defaults(&c);
	assert_false(c.enable);
	assert_false(c.sysctl_setup);
	assert_string_equal(c.socket, "@hmmpd");
	assert_int_equal(c.rule, HMMPD_SCTP_ACK);
	assert_int_equal(c.damping_ms, 2000);
	assert_int_equal(c.confirm_ms, 5000);
	assert_int_equal(c.quality_threshold, 50);

	assert_int_equal(hmmpd_sctp_conf_key(&c, "enable", "yes", 2, why, sizeof(why)), 0);
	assert_true(c.enable);
	assert_int_equal(hmmpd_sctp_conf_key(&c, "sysctl_setup", "true", 3, why, sizeof(why)), 0);
	assert_true(c.sysctl_setup);
	assert_int_equal(hmmpd_sctp_conf_key(&c, "rule", "b", 4, why, sizeof(why)), 0);
	assert_int_equal(c.rule, HMMPD_SCTP_LINK);
	assert_int_equal(hmmpd_sctp_conf_key(&c, "damping_ms", "0", 5, why, sizeof(why)), 0);
	assert_int_equal(c.damping_ms, 0);
	assert_int_equal(hmmpd_sctp_conf_key(&c, "confirm_ms", "100", 6, why, sizeof(why)), 0);
	assert_int_equal(c.confirm_ms, 100);
	assert_int_equal(hmmpd_sctp_conf_key(&c, "socket", "/run/x.sock", 7, why, sizeof(why)), 0);
	assert_string_equal(c.socket, "/run/x.sock");
	assert_int_equal(hmmpd_sctp_conf_key(&c, "link_quality", "/run/q", 8, why, sizeof(why)), 0);
	assert_string_equal(c.link_quality, "/run/q");
	assert_int_equal(hmmpd_sctp_conf_key(&c, "quality_threshold", "100", 9, why, sizeof(why)), 0);
	assert_int_equal(c.quality_threshold, 100);

	/* each given once */
	assert_int_equal(hmmpd_sctp_conf_key(&c, "rule", "ack", 10, why, sizeof(why)), -1);
	assert_string_equal(why, "rule given twice (first on line 4)");
	assert_int_equal(c.rule, HMMPD_SCTP_LINK);
}

static void test_conf_bad(void **state)
{
	static const struct {
		const char *k, *v, *why;
	} bad[] = {
		{ "enable", "maybe", "enable: yes or no, not 'maybe'" },
		{ "sysctl_setup", "", "sysctl_setup: yes or no, not ''" },
		{ "rule", "d", "rule: ack (a), link (b) or upper (c), not 'd'" },
		{ "rule", "ACK", "rule: ack (a), link (b) or upper (c), not 'ACK'" },
		{ "damping_ms", "-1", "damping_ms: milliseconds, 0 to 600000" },
		{ "damping_ms", "600001", "damping_ms: milliseconds, 0 to 600000" },
		{ "confirm_ms", "99", "confirm_ms: milliseconds, 100 to 600000" },
		{ "socket", "relative", "socket: an absolute path, or @NAME (abstract), of at most 107 characters" },
		{ "socket", "", "socket: an absolute path, or @NAME (abstract), of at most 107 characters" },
		{ "link_quality", "q.txt", "link_quality: an absolute path" },
		{ "quality_threshold", "101", "quality_threshold: 0 to 100" },
		{ "rules", "ack", "unknown key 'rules' in [sctp] (enable, sysctl_setup, socket, rule, damping_ms, confirm_ms, link_quality, quality_threshold)" },
	};
	struct hmmpd_sctp_conf c;
	char why[300], longp[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hmmpd_sctp_conf_defaults(&c);
		why[0] = '\0';
		assert_int_equal(hmmpd_sctp_conf_key(&c, bad[i].k, bad[i].v, 1, why,
						     sizeof(why)), -1);
		assert_string_equal(why, bad[i].why);
	}
	hmmpd_sctp_conf_defaults(&c);
	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(hmmpd_sctp_conf_key(&c, "socket", longp, 1, why, sizeof(why)), -1);
	assert_string_equal(c.socket, "@hmmpd");
}

static void test_conf_file(void **state)
{
	static const char good[] =
		"[general]\nroles = mobile\n[sctp]\nenable = yes\nrule = upper\n"
		"damping_ms = 500\n";
	static const char dup[] = "[sctp]\nenable = yes\n\n[sctp]\nenable = no\n";
	static const char bad[] = "[sctp]\nenable = yes\nrule = z\n";
	struct hmmpd_conf *c = malloc(sizeof(*c));
	const struct hmmpd_sctp_conf *sc;
	char err[HMMPD_CONF_ERR_MAX];
	FILE *f;

	(void)state;
	assert_non_null(c);
	f = fmemopen((void *)good, sizeof(good) - 1, "r");
	assert_int_equal(hmmpd_conf_load_file(c, f, "T", err, sizeof(err)), 0);
	fclose(f);
	sc = hmmpd_conf_feature(c, &hmmpd_feature_msctp);
	assert_non_null(sc);
	assert_true(sc->enable);
	assert_int_equal(sc->rule, HMMPD_SCTP_UPPER);
	assert_int_equal(sc->damping_ms, 500);

	f = fmemopen((void *)dup, sizeof(dup) - 1, "r");
	assert_int_equal(hmmpd_conf_load_file(c, f, "T", err, sizeof(err)), -EINVAL);
	fclose(f);
	assert_string_equal(err, "T:5: enable given twice (first on line 2)");
	/* the failed load left c as it was */
	assert_int_equal(sc->rule, HMMPD_SCTP_UPPER);

	f = fmemopen((void *)bad, sizeof(bad) - 1, "r");
	assert_int_equal(hmmpd_conf_load_file(c, f, "T", err, sizeof(err)), -EINVAL);
	fclose(f);
	assert_string_equal(err, "T:3: rule: ack (a), link (b) or upper (c), not 'z'");
	free(c);
}

static void test_rule_names(void **state)
{
	enum hmmpd_sctp_rule r;
	unsigned int i;

	(void)state;
	for (i = 0; i < __HMMPD_SCTP_RULE_MAX; i++) {
		assert_int_equal(hmmpd_sctp_rule_parse(hmmpd_sctp_rule_name(i), &r), 0);
		assert_int_equal(r, i);
	}
	assert_null(hmmpd_sctp_rule_name(__HMMPD_SCTP_RULE_MAX));
	assert_int_equal(hmmpd_sctp_rule_parse("c", &r), 0);
	assert_int_equal(r, HMMPD_SCTP_UPPER);
	assert_int_equal(hmmpd_sctp_rule_parse("", &r), -1);
}

/* ---- sysctls ---- */

static char sdir[64];

static void put(const char *name, const char *val)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", sdir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(val, f);
	fclose(f);
}

static int get(const char *name)
{
	char p[128];
	int v = -1;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", sdir, name);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

static void rm_sdir(void)
{
	static const char *const names[] = {
		"addip_enable", "auth_enable", "addip_noauth_enable",
		"default_auto_asconf",
	};
	char p[128];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", sdir, names[i]);
		if (remove(p) && errno != ENOENT)
			rmdir(p);
	}
	rmdir(sdir);
}

static void test_sysctl(void **state)
{
	char msg[600];

	(void)state;
	snprintf(sdir, sizeof(sdir), "/tmp/hmmp-msctp-test.%d", (int)getpid());
	assert_int_equal(hmmpd_sctp_sysctl(sdir, true, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "no SCTP in this kernel? (modprobe sctp)"));
	assert_int_equal(mkdir(sdir, 0700), 0);

	/* Linux's defaults: off; checking only says what to run */
	put("addip_enable", "0\n");
	put("auth_enable", "0\n");
	put("addip_noauth_enable", "0\n");
	put("default_auto_asconf", "0\n");
	assert_int_equal(hmmpd_sctp_sysctl(sdir, false, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "ADDIP off (net.sctp.addip_enable=0 auth_enable=0 addip_noauth_enable=0)"));
	assert_non_null(strstr(msg, "sysctl -w net.sctp.addip_enable=1 net.sctp.auth_enable=1"));
	assert_non_null(strstr(msg, "sysctl_setup = yes"));
	assert_int_equal(get("addip_enable"), 0);

	/* setting up writes both */
	assert_int_equal(hmmpd_sctp_sysctl(sdir, true, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "set net.sctp.addip_enable=1 auth_enable=1"));
	assert_int_equal(get("addip_enable"), 1);
	assert_int_equal(get("auth_enable"), 1);
	assert_int_equal(hmmpd_sctp_sysctl(sdir, false, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "ADDIP on: net.sctp.addip_enable=1 auth_enable=1"));

	/* without AUTH but allowed: on, with a warning; not changed */
	put("auth_enable", "0\n");
	put("addip_noauth_enable", "1\n");
	assert_int_equal(hmmpd_sctp_sysctl(sdir, true, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "without authentication"));
	assert_int_equal(get("auth_enable"), 0);

	/* addip on, auth off, noauth off: only auth is written */
	put("addip_noauth_enable", "0\n");
	assert_int_equal(hmmpd_sctp_sysctl(sdir, true, msg, sizeof(msg)), 1);
	assert_int_equal(get("auth_enable"), 1);

	/* a sysctl that cannot be written: says so, and what to do */
	put("addip_enable", "0\n");
	put("auth_enable", "0\n");
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/auth_enable", sdir);
		assert_int_equal(remove(p), 0);
		assert_int_equal(mkdir(p, 0700), 0);	/* reads fail: EISDIR */
	}
	assert_true(hmmpd_sctp_sysctl(sdir, true, msg, sizeof(msg)) < 0);
	rm_sdir();
	assert_int_equal(mkdir(sdir, 0700), 0);
	put("addip_enable", "0\n");
	put("auth_enable", "0\n");
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/addip_enable", sdir);
		assert_int_equal(chmod(p, 0400), 0);
		/* root may write anyway: make writing fail another way */
		assert_int_equal(remove(p), 0);
		assert_int_equal(symlink("/proc/version", p), 0);
	}
	assert_int_equal(hmmpd_sctp_sysctl(sdir, true, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "cannot set net.sctp.addip_enable=1 auth_enable=1"));
	assert_non_null(strstr(msg, "set them by hand"));
	rm_sdir();
}

/* ---- packets ---- */

static size_t ip_sctp(uint8_t *b, const uint8_t *chunks, size_t clen)
{
	size_t tot = 20 + 12 + clen;

	memset(b, 0, 32);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[6] = 0x40;		/* DF */
	b[8] = 64;
	b[9] = IPPROTO_SCTP;
	memcpy(b + 12, "\xc6\x33\x64\x0a", 4);	/* 198.51.100.10 */
	memcpy(b + 16, "\xc0\x00\x02\x0a", 4);	/* 192.0.2.10 */
	b[20] = 0x17; b[21] = 0x0c;		/* 5900 */
	b[22] = 0xe9; b[23] = 0xe8;		/* 59880 */
	memcpy(b + 24, "\x01\x02\x03\x04", 4);
	memcpy(b + 32, chunks, clen);
	return tot;
}

static void test_parse(void **state)
{
	/* AUTH (type 15) then an empty ASCONF-ACK: all requests succeeded */
	static const uint8_t ok[] = {
		15, 0, 0, 8, 0, 1, 0, 1,
		0x80, 0, 0, 8, 0, 0, 0, 7,
	};
	/* ASCONF-ACK: error cause indication, cause 0x00a0 (request refused) */
	static const uint8_t err[] = {
		0x80, 0, 0, 24, 0, 0, 0, 8,
		0xc0, 0x03, 0, 16, 0, 0, 0, 1, 0x00, 0xa0, 0, 8, 0, 0, 0, 0,
	};
	/* ERROR: unrecognized chunk type (an ASCONF the peer did not know) */
	static const uint8_t unrec[] = {
		9, 0, 0, 16, 0, 6, 0, 12, 0xc1, 0, 0, 8, 0, 0, 0, 1,
	};
	static const uint8_t abort_[] = { 6, 0, 0, 4 };
	static const uint8_t badlen[] = { 0x80, 0, 0, 40, 0, 0, 0, 1 };
	static const uint8_t zerolen[] = { 0x80, 0, 0, 0 };
	uint8_t b[256];
	struct hmmpd_sctp_pkt p;
	size_t n;

	(void)state;
	n = ip_sctp(b, ok, sizeof(ok));
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), 0);
	assert_int_equal(p.saddr, A("198.51.100.10"));
	assert_int_equal(p.daddr, A("192.0.2.10"));
	assert_int_equal(p.sport, 5900);
	assert_int_equal(p.dport, 59880);
	assert_int_equal(p.vtag, 0x01020304);
	assert_int_equal(p.nack, 1);
	assert_int_equal(p.nerr, 0);
	assert_false(p.abort);
	assert_false(p.unrecognized);

	n = ip_sctp(b, err, sizeof(err));
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), 0);
	assert_int_equal(p.nack, 1);
	assert_int_equal(p.nerr, 1);
	assert_int_equal(p.cause, 0xa0);

	n = ip_sctp(b, unrec, sizeof(unrec));
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), 0);
	assert_true(p.unrecognized);
	assert_int_equal(p.nack, 0);

	n = ip_sctp(b, abort_, sizeof(abort_));
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), 0);
	assert_true(p.abort);

	/* malformed: chunk past the end, zero length, truncated datagram */
	n = ip_sctp(b, badlen, sizeof(badlen));
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), -1);
	n = ip_sctp(b, zerolen, sizeof(zerolen));
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), -1);
	n = ip_sctp(b, ok, sizeof(ok));
	assert_int_equal(hmmpd_sctp_parse(b, n - 1, &p), -1);
	assert_int_equal(hmmpd_sctp_parse(b, 19, &p), -1);
	/* not SCTP, not IPv4, a fragment, a bad header length */
	b[9] = IPPROTO_TCP;
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), -1);
	b[9] = IPPROTO_SCTP;
	b[0] = 0x65;
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), -1);
	b[0] = 0x44;
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), -1);
	b[0] = 0x45;
	b[6] = 0x20;		/* MF */
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), -1);
	b[6] = 0x40;
	assert_int_equal(hmmpd_sctp_parse(b, n, &p), 0);
}

/* ---- damping, words, quality ---- */

static void test_damp(void **state)
{
	(void)state;
	/* never changed: at once */
	assert_int_equal(hmmpd_sctp_damp(5000000, 0, 2000), 0);
	/* 500 ms after a change, 2 s damping: 1.5 s more */
	assert_int_equal(hmmpd_sctp_damp(10500000, 10000000, 2000), 1500000);
	assert_int_equal(hmmpd_sctp_damp(12000000, 10000000, 2000), 0);
	assert_int_equal(hmmpd_sctp_damp(11999999, 10000000, 2000), 1);
	/* no damping */
	assert_int_equal(hmmpd_sctp_damp(10000001, 10000000, 0), 0);
}

/* Oscillation: one wanted change every period_ms; damping lets through at
 * most one per damping_ms (a simulation of want_primary's timer). */
static unsigned int simulate(uint32_t period_ms, uint32_t damping_ms,
			     uint32_t total_ms)
{
	uint64_t now, last = 0, due = 0;
	unsigned int changes = 0, want = 0, primary = 0, tick = 0;

	for (now = 1000; now <= (uint64_t)total_ms * 1000; now += 1000) {
		if (now % ((uint64_t)period_ms * 1000) == 0) {
			want = ++tick % 2;	/* A, B, A, B... */
			if (want != primary) {
				uint64_t w = hmmpd_sctp_damp(now, last, damping_ms);

				if (!w) {
					primary = want;
					last = now;
					changes++;
					due = 0;
				} else {
					due = now + w;
				}
			} else {
				due = 0;	/* wanted back: nothing to do */
			}
		}
		if (due && now >= due) {
			due = 0;
			if (want != primary) {
				primary = want;
				last = now;
				changes++;
			}
		}
	}
	return changes;
}

static void test_damp_pingpong(void **state)
{
	(void)state;
	/* flapping every 300 ms for 10 s: without damping 33 changes */
	assert_int_equal(simulate(300, 0, 10000), 33);
	/* with 2 s damping: at most 1 + 10 / 2 */
	assert_true(simulate(300, 2000, 10000) <= 6);
	assert_true(simulate(300, 2000, 10000) >= 1);
	/* slow moves are not held back */
	assert_int_equal(simulate(3000, 2000, 10000), 3);
}

static void test_word(void **state)
{
	char v[16];

	(void)state;
	assert_int_equal(hmmpd_sctp_word("rule=ack name=app", "name", v, sizeof(v)), 3);
	assert_string_equal(v, "app");
	assert_int_equal(hmmpd_sctp_word("rule=ack name=app", "rule", v, sizeof(v)), 3);
	assert_string_equal(v, "ack");
	assert_int_equal(hmmpd_sctp_word("rulex=ack", "rule", v, sizeof(v)), -1);
	assert_int_equal(hmmpd_sctp_word("xrule=ack", "rule", v, sizeof(v)), -1);
	assert_int_equal(hmmpd_sctp_word("rule", "rule", v, sizeof(v)), -1);
	assert_int_equal(hmmpd_sctp_word("", "rule", v, sizeof(v)), -1);
	assert_int_equal(hmmpd_sctp_word("  name=  ", "name", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(hmmpd_sctp_word("name=0123456789abcdef", "name", v, sizeof(v)), -1);
	/* words stop at the first line */
	assert_int_equal(hmmpd_sctp_word("a=1\nname=x", "name", v, sizeof(v)), -1);
}

static void test_quality(void **state)
{
	static const char text[] = "# dev quality\nm1 20\n  m2 80\nm3 300\nm4\n";

	(void)state;
	assert_int_equal(hmmpd_sctp_quality_in(text, "m1"), 20);
	assert_int_equal(hmmpd_sctp_quality_in(text, "m2"), 80);
	assert_int_equal(hmmpd_sctp_quality_in(text, "m3"), 100);
	assert_int_equal(hmmpd_sctp_quality_in(text, "m4"), -1);
	assert_int_equal(hmmpd_sctp_quality_in(text, "m"), -1);
	assert_int_equal(hmmpd_sctp_quality_in(text, "#"), -1);
	assert_int_equal(hmmpd_sctp_quality_in("", "m1"), -1);
}

static void test_contact_addr(void **state)
{
	(void)state;
	assert_int_equal(hmmpd_sctp_contact_addr("<sip:fs@198.51.100.20:5060>;expires=3600"),
			 A("198.51.100.20"));
	assert_int_equal(hmmpd_sctp_contact_addr("<sip:198.51.100.20>"), A("198.51.100.20"));
	assert_int_equal(hmmpd_sctp_contact_addr("sip:fs@198.51.100.20;transport=udp"),
			 A("198.51.100.20"));
	assert_int_equal(hmmpd_sctp_contact_addr("<sip:fs@host.example:5060>"), 0);
	assert_int_equal(hmmpd_sctp_contact_addr("<tel:+1555>"), 0);
	assert_int_equal(hmmpd_sctp_contact_addr("<sip:fs@>"), 0);
	assert_int_equal(hmmpd_sctp_contact_addr("<sip:fs@1.2.3.4.5.6.7.8.9>"), 0);
}

/* ---- client library ---- */

static void test_errnos(void **state)
{
	static const int e[] = { EPERM, EINVAL, EOPNOTSUPP, ENOTCONN, EADDRNOTAVAIL,
				 ENOTSOCK, EBADF, ENOSPC, E2BIG };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		assert_int_equal(hmmp_errno_parse(hmmp_errno_name(e[i])), e[i]);
	assert_string_equal(hmmp_errno_name(12345), "EIO");
	assert_int_equal(hmmp_errno_parse("ENOPE"), 0);
}

/* hmmp_ctl_call against a socketpair end that answers ans */
static int call_with(const char *ans, int pass_fd, int *got_fd, char *reply,
		     size_t size, char *err, size_t errlen)
{
	int sv[2], r;
	char req[64];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { req, sizeof(req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* the answer first: the call reads it after sending */
	if (ans)
		assert_int_equal(send(sv[1], ans, strlen(ans), 0), (ssize_t)strlen(ans));
	else
		shutdown(sv[1], SHUT_WR);
	r = hmmp_ctl_call(sv[0], "show", pass_fd, reply, size, err, errlen);
	n = recvmsg(sv[1], &mh, 0);
	assert_int_equal(n, 4);
	*got_fd = -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(got_fd, CMSG_DATA(c), sizeof(int));
	close(sv[0]);
	close(sv[1]);
	return r;
}

static void test_ctl_call(void **state)
{
	char reply[256], err[256];
	int fd, got;

	(void)state;
	assert_int_equal(call_with("ok id=3", -1, &got, reply, sizeof(reply), err,
				   sizeof(err)), 0);
	assert_string_equal(reply, "ok id=3");
	assert_int_equal(got, -1);
	assert_int_equal(call_with("ok\nassoc id=1", -1, &got, reply, sizeof(reply), err,
				   sizeof(err)), 0);
	assert_int_equal(call_with("error EOPNOTSUPP the peer does not do ADDIP", -1, &got,
				   reply, sizeof(reply), err, sizeof(err)), -EOPNOTSUPP);
	assert_string_equal(err, "the peer does not do ADDIP");
	assert_int_equal(call_with("error EWHAT x", -1, &got, reply, sizeof(reply), err,
				   sizeof(err)), -EIO);
	assert_int_equal(call_with("okay", -1, &got, reply, sizeof(reply), err,
				   sizeof(err)), -EPROTO);
	assert_int_equal(call_with(NULL, -1, &got, reply, sizeof(reply), err,
				   sizeof(err)), -ECONNRESET);
	assert_non_null(strstr(err, "hmmpd closed the connection"));
	/* a descriptor goes along */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(call_with("ok", fd, &got, reply, sizeof(reply), err,
				   sizeof(err)), 0);
	assert_true(got >= 0);
	close(got);
	close(fd);
}

static void test_ctl_connect(void **state)
{
	char err[300];
	char longname[200];

	(void)state;
	assert_int_equal(hmmp_ctl_connect("@hmmp-test-nobody-here", err, sizeof(err)),
			 -ECONNREFUSED);
	assert_non_null(strstr(err, "is hmmpd running in this network namespace with [sctp] enable = yes?"));
	assert_int_equal(hmmp_ctl_connect("/nonexistent/hmmpd.sock", err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(hmmp_ctl_connect("", err, sizeof(err)), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(hmmp_ctl_connect(longname, err, sizeof(err)), -EINVAL);
	assert_int_equal(hmmp_sctp_register(-1, "", err, sizeof(err)), -EBADF);
	setenv(HMMP_CTL_ENV, "@hmmp-test-nobody-here", 1);
	assert_string_equal(hmmp_ctl_name(), "@hmmp-test-nobody-here");
	assert_int_equal(hmmp_sctp_register(0, "", err, sizeof(err)), -ECONNREFUSED);
	unsetenv(HMMP_CTL_ENV);
	assert_string_equal(hmmp_ctl_name(), HMMP_CTL_DEFAULT);
}

/* ---- the daemon's control socket, with sockets that are not SCTP ---- */

struct fixture {
	struct hmmpd d;
	struct hmmpd_msctp *ms;
	struct hmmpd_conf conf;
	char name[64];
};

static int setup_daemon(void **state)
{
	struct fixture *F = calloc(1, sizeof(*F));
	struct hmmpd_sctp_conf *sc;

	assert_non_null(F);
	hmmpd_conf_defaults(&F->conf);
	sc = hmmpd_conf_feature(&F->conf, &hmmpd_feature_msctp);
	assert_non_null(sc);
	sc->enable = true;
	snprintf(F->name, sizeof(F->name), "@hmmp-test-%d", (int)getpid());
	snprintf(sc->socket, sizeof(sc->socket), "%s", F->name);
	F->d.conf = &F->conf;
	assert_int_equal(sd_event_new(&F->d.ev), 0);
	hmmpd_log_set_level(getenv("HMMP_TEST_LOG") ? LOG_DEBUG : LOG_EMERG);
	assert_int_equal(hmmpd_msctp_start(&F->d, &F->ms), 0);
	assert_non_null(F->ms);
	*state = F;
	return 0;
}

static int teardown_daemon(void **state)
{
	struct fixture *F = *state;

	hmmpd_msctp_stop(&F->d, F->ms);
	sd_event_unref(F->d.ev);
	free(F);
	return 0;
}

/* One request on a new connection; the loop runs until it answers. */
static int ask(struct fixture *F, int ch, const char *req, int pass_fd,
	       char *reply, size_t size, char *err, size_t errlen)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)req, strlen(req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int i, r;

	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	assert_int_equal(sendmsg(ch, &mh, 0), (ssize_t)strlen(req));
	for (i = 0; i < 100; i++) {
		struct pollfd p = { .fd = ch, .events = POLLIN };

		assert_true(sd_event_run(F->d.ev, 20000) >= 0);
		if (poll(&p, 1, 0) == 1)
			break;
	}
	r = hmmp_ctl_recv(ch, reply, size);
	assert_true(r > 0);
	if (!strncmp(reply, "ok", 2))
		return 0;
	assert_int_equal(strncmp(reply, "error ", 6), 0);
	snprintf(err, errlen, "%s", reply + 6);
	return -1;
}

static void test_control(void **state)
{
	struct fixture *F = *state;
	char reply[1024], err[600];
	int ch, tcp, i;

	/* connect: accepted on the next loop turn */
	ch = hmmp_ctl_connect(F->name, err, sizeof(err));
	assert_true(ch >= 0);
	{
		struct timeval tv = { .tv_sec = 2 };

		/* an answer that does not come fails the test, not hangs it */
		assert_int_equal(setsockopt(ch, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	}
	for (i = 0; i < 3; i++)
		assert_true(sd_event_run(F->d.ev, 10000) >= 0);

	assert_int_equal(ask(F, ch, "show", -1, reply, sizeof(reply), err, sizeof(err)), 0);
	assert_string_equal(reply, "ok");
	assert_int_equal(ask(F, ch, "register rule=ack", -1, reply, sizeof(reply), err,
			     sizeof(err)), -1);
	assert_string_equal(err, "EBADF register: no socket passed (SCM_RIGHTS)");
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(tcp >= 0);
	assert_int_equal(ask(F, ch, "register rule=ack", tcp, reply, sizeof(reply), err,
			     sizeof(err)), -1);
	assert_string_equal(err, "ENOTSOCK register: not an SCTP socket");
	{
		/* detached (with a pidfd): the same checks; both closed */
		int fds[2] = { tcp, open("/dev/null", O_RDONLY) }, ch2;
		char rep[256], e2[256];

		assert_true(fds[1] >= 0);
		/* a connection that says nothing and goes */
		ch2 = hmmp_ctl_connect(F->name, e2, sizeof(e2));
		assert_true(ch2 >= 0);
		for (i = 0; i < 3; i++)
			assert_true(sd_event_run(F->d.ev, 10000) >= 0);
		close(ch2);
		for (i = 0; i < 3; i++)
			assert_true(sd_event_run(F->d.ev, 10000) >= 0);
		assert_int_equal(hmmp_ctl_call_fds(-1, "register", fds, 3, rep, sizeof(rep),
						   e2, sizeof(e2)), -E2BIG);
		close(fds[1]);
	}
	close(tcp);
	assert_int_equal(ask(F, ch, "primary", -1, reply, sizeof(reply), err, sizeof(err)), -1);
	assert_string_equal(err, "EINVAL primary: addr=A.B.C.D needed");
	assert_int_equal(ask(F, ch, "primary addr=1.2.3", -1, reply, sizeof(reply), err,
			     sizeof(err)), -1);
	assert_string_equal(err, "EINVAL primary: addr=A.B.C.D needed");
	assert_int_equal(ask(F, ch, "primary addr=203.0.113.10 id=x", -1, reply,
			     sizeof(reply), err, sizeof(err)), -1);
	assert_string_equal(err, "EINVAL primary: id: a number");
	assert_int_equal(ask(F, ch, "primary addr=203.0.113.10", -1, reply, sizeof(reply),
			     err, sizeof(err)), -1);
	assert_string_equal(err, "EADDRNOTAVAIL primary: no registered association has the address 203.0.113.10 (0 registered)");
	assert_int_equal(ask(F, ch, "link dev=m2 quality=80", -1, reply, sizeof(reply), err,
			     sizeof(err)), 0);
	assert_int_equal(ask(F, ch, "link dev=m2 quality=101", -1, reply, sizeof(reply), err,
			     sizeof(err)), -1);
	assert_string_equal(err, "EINVAL link: dev=IFNAME quality=0..100 needed");
	assert_int_equal(ask(F, ch, "link quality=1", -1, reply, sizeof(reply), err,
			     sizeof(err)), -1);
	assert_int_equal(ask(F, ch, "frobnicate", -1, reply, sizeof(reply), err,
			     sizeof(err)), -1);
	assert_string_equal(err, "EINVAL unknown request 'frobnicate' (register, show, primary, link)");
	close(ch);
	/* the daemon notices the close, and goes on */
	for (i = 0; i < 3; i++)
		assert_true(sd_event_run(F->d.ev, 10000) >= 0);
	ch = hmmp_ctl_connect(F->name, err, sizeof(err));
	assert_true(ch >= 0);
	for (i = 0; i < 3; i++)
		assert_true(sd_event_run(F->d.ev, 10000) >= 0);
	assert_int_equal(ask(F, ch, "show", -1, reply, sizeof(reply), err, sizeof(err)), 0);
	close(ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_keys),
		cmocka_unit_test(test_conf_bad),
		cmocka_unit_test(test_conf_file),
		cmocka_unit_test(test_rule_names),
		cmocka_unit_test(test_sysctl),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_damp),
		cmocka_unit_test(test_damp_pingpong),
		cmocka_unit_test(test_word),
		cmocka_unit_test(test_quality),
		cmocka_unit_test(test_contact_addr),
		cmocka_unit_test(test_errnos),
		cmocka_unit_test(test_ctl_call),
		cmocka_unit_test(test_ctl_connect),
		cmocka_unit_test_setup_teardown(test_control, setup_daemon, teardown_daemon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
