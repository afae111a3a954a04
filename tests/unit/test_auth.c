// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/sip/auth.c (judging credentials against the
 * secrets, nonce counts, challenges, answering challenges). The client
 * side (hmmpd_auth_answer) and the server side meet: whatever the one
 * writes, the other must accept, and any change must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/auth.h"
#include "util.h"

static const uint8_t key[32] = "0123456789abcdef0123456789abcdef";

static struct hmmpd_digest_server srv = {
	.key = key, .keylen = sizeof(key), .realm = "hmmp",
	.nonce_lifetime = 300,
	.algs = HMMPD_ALG_BIT(HMMPD_ALG_MD5) | HMMPD_ALG_BIT(HMMPD_ALG_SHA256),
};

static const enum hmmpd_digest_alg algs[] = { HMMPD_ALG_SHA256, HMMPD_ALG_MD5 };

static struct hmmpd_secret lines[] = {
	{ "cn", "m", "the cn secret" },
	{ "r1", "m", "the r1 secret" },
	{ "other", "x", "the x secret" },
	{ "twin", "m", "the cn secret" },
};
static const struct hmmpd_secrets sec = { 4, lines };

/* The WWW-Authenticate values of a 401 built by hmmpd_auth_challenge. */
static unsigned int challenges(uint64_t now, const char *ctx, bool stale,
			       char vals[4][1024])
{
	char buf[4096], *p, *line;
	unsigned int n = 0;
	int len;

	len = hmmpd_auth_challenge(&srv, algs, 2, now, ctx, stale, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal((size_t)len, strlen(buf));
	for (line = strtok_r(buf, "\r\n", &p); line; line = strtok_r(NULL, "\r\n", &p)) {
		assert_true(n < 4);
		assert_memory_equal(line, "WWW-Authenticate: ", 18);
		snprintf(vals[n++], 1024, "%s", line + 18);
	}
	return n;
}

/* Credentials for (user, pass) answering the challenge sent to ctx. */
static void credentials(const char *user, const char *pass, const char *uri,
			uint64_t now, const char *ctx, char *out, size_t size)
{
	char vals[4][1024], hdr[2048];
	const char *chal[4], *why = NULL;
	unsigned int n = challenges(now, ctx, false, vals), i;
	int len;

	for (i = 0; i < n; i++)
		chal[i] = vals[i];
	len = hmmpd_auth_answer(chal, n, "Authorization", user, pass, "INFO", uri,
				"0a1b2c3d4e5f6789", hdr, sizeof(hdr), &why);
	assert_true(len > 0);
	assert_memory_equal(hdr, "Authorization: ", 15);
	snprintf(out, size, "%s", hdr + 15);
}

static void judge(const char *authz, const char *ctx, const char *uri,
		  uint64_t now, struct hmmpd_nc *nc, struct hmmpd_auth_out *out)
{
	const char *a[1] = { authz };
	struct hmmpd_auth_in in = {
		.method = "INFO", .request_uri = uri, .context = ctx,
		.authz = a, .nauthz = authz ? 1 : 0, .now = now,
	};

	hmmpd_auth_judge(&srv, &sec, nc, &in, out);
}

static void test_challenge_lines(void **state)
{
	char vals[4][1024];

	(void)state;
	assert_int_equal(challenges(1000, "203.0.113.10", false, vals), 2);
	assert_non_null(strstr(vals[0], "algorithm=SHA-256"));
	assert_non_null(strstr(vals[1], "algorithm=MD5"));
	assert_non_null(strstr(vals[0], "realm=\"hmmp\""));
	assert_null(strstr(vals[0], "stale"));
	/* one nonce for both */
	assert_memory_equal(strstr(vals[0], "nonce="), strstr(vals[1], "nonce="), 56);
	assert_int_equal(challenges(1000, "203.0.113.10", true, vals), 2);
	assert_non_null(strstr(vals[1], "stale=true"));
}

static void test_challenge_algs_filtered(void **state)
{
	struct hmmpd_digest_server s = srv;
	char buf[2048];

	(void)state;
	s.algs = HMMPD_ALG_BIT(HMMPD_ALG_MD5);
	assert_true(hmmpd_auth_challenge(&s, algs, 2, 5, "x", false, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "SHA-256"));
	assert_null(strstr(buf, "\r\n"));
	s.algs = HMMPD_ALG_BIT(HMMPD_ALG_SHA256_SESS);
	assert_int_equal(hmmpd_auth_challenge(&s, algs, 2, 5, "x", false, buf, sizeof(buf)), -1);
	/* too small: the length needed, cut */
	assert_true(hmmpd_auth_challenge(&srv, algs, 2, 5, "x", false, buf, 10) > 10);
	assert_int_equal(strlen(buf), 9);
}

static void test_pass(void **state)
{
	struct hmmpd_nc *nc = calloc(1, sizeof(*nc));
	const char *uri = "sip:hmmp@198.51.100.10:5060";
	struct hmmpd_auth_out out;
	char cred[2048];

	(void)state;
	assert_non_null(nc);
	credentials("m", "the cn secret", uri, 1000, "203.0.113.10", cred, sizeof(cred));
	assert_non_null(strstr(cred, "algorithm=SHA-256"));
	judge(cred, "203.0.113.10", uri, 1001, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_PASS);
	assert_string_equal(out.user, "m");
	/* both lines of m with that password: cn and twin, not r1 */
	assert_int_equal(out.npeers, 2);
	assert_string_equal(out.peers[0]->peer, "cn");
	assert_string_equal(out.peers[1]->peer, "twin");
	/* the same credentials again: a replay */
	judge(cred, "203.0.113.10", uri, 1002, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_CHALLENGE);
	assert_string_equal(out.why, "nonce count replayed");
	assert_int_equal(out.npeers, 0);

	/* another request (its own context: hmmpd adds the Call-ID) */
	credentials("m", "the r1 secret", uri, 1000, "203.0.113.10 b", cred, sizeof(cred));
	judge(cred, "203.0.113.10 b", uri, 1001, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_PASS);
	assert_int_equal(out.npeers, 1);
	assert_string_equal(out.peers[0]->peer, "r1");
	free(nc);
}

static void test_refused(void **state)
{
	struct hmmpd_nc *nc = calloc(1, sizeof(*nc));
	const char *uri = "sip:hmmp@198.51.100.10:5060";
	struct hmmpd_auth_out out;
	char cred[2048], bad[2048], *p;

	(void)state;
	assert_non_null(nc);
	judge(NULL, "203.0.113.10", uri, 1000, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_CHALLENGE);
	assert_string_equal(out.why, "no credentials");
	assert_false(out.stale);

	credentials("m", "wrong", uri, 1000, "203.0.113.10", cred, sizeof(cred));
	judge(cred, "203.0.113.10", uri, 1000, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_CHALLENGE);
	assert_string_equal(out.why, "wrong response");

	credentials("nobody", "x", uri, 1000, "203.0.113.10", cred, sizeof(cred));
	judge(cred, "203.0.113.10", uri, 1000, nc, &out);
	assert_string_equal(out.why, "unknown user");
	assert_string_equal(out.user, "nobody");

	/* the challenge went elsewhere: its nonce is not for this source */
	credentials("m", "the cn secret", uri, 1000, "192.0.2.66", cred, sizeof(cred));
	judge(cred, "203.0.113.10", uri, 1000, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_CHALLENGE);
	assert_non_null(strstr(out.why, "nonce not ours"));

	/* another Request-URI */
	credentials("m", "the cn secret", uri, 1000, "203.0.113.10", cred, sizeof(cred));
	judge(cred, "203.0.113.10", "sip:hmmp@198.51.100.11", 1000, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_CHALLENGE);

	/* an old nonce with the right password: stale */
	judge(cred, "203.0.113.10", uri, 1000 + 301, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_CHALLENGE);
	assert_true(out.stale);

	/* another realm is skipped: as if there were no credentials */
	snprintf(bad, sizeof(bad), "%s", cred);
	p = strstr(bad, "realm=\"hmmp\"");
	assert_non_null(p);
	memcpy(p, "realm=\"hmmq\"", 12);
	judge(bad, "203.0.113.10", uri, 1000, nc, &out);
	assert_string_equal(out.why, "credentials for another realm");

	/* garbage */
	judge("Digest", "203.0.113.10", uri, 1000, nc, &out);
	assert_string_equal(out.why, "malformed credentials");
	judge("Basic bTpw", "203.0.113.10", uri, 1000, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_CHALLENGE);

	/* any changed byte of the response is refused */
	p = strstr(cred, "response=\"");
	assert_non_null(p);
	p[10] = p[10] == 'a' ? 'b' : 'a';
	judge(cred, "203.0.113.10", uri, 1000, nc, &out);
	assert_string_equal(out.why, "wrong response");
	free(nc);
}

static void test_md5_only_client(void **state)
{
	struct hmmpd_nc *nc = calloc(1, sizeof(*nc));
	const char *uri = "sip:hmmp@192.0.2.1:5060";
	struct hmmpd_auth_out out;
	char vals[4][1024], hdr[2048];
	const char *chal[1], *why = NULL;

	(void)state;
	assert_non_null(nc);
	/* a client that takes the second challenge (MD5) */
	assert_int_equal(challenges(50, "203.0.113.10", false, vals), 2);
	chal[0] = vals[1];
	assert_true(hmmpd_auth_answer(chal, 1, "Authorization", "m", "the r1 secret",
				      "INFO", uri, "cafe", hdr, sizeof(hdr), &why) > 0);
	assert_non_null(strstr(hdr, "algorithm=MD5"));
	judge(hdr + 15, "203.0.113.10", uri, 51, nc, &out);
	assert_int_equal(out.verdict, HMMPD_AUTH_PASS);
	assert_string_equal(out.peers[0]->peer, "r1");
	free(nc);
}

static void test_answer_errors(void **state)
{
	const char *chal[2] = { "Basic realm=\"x\"", "Digest realm=\"x\"" };
	const char *why = NULL;
	char hdr[64];

	(void)state;
	assert_int_equal(hmmpd_auth_answer(chal, 2, "Authorization", "u", "p",
					   "INFO", "sip:x@y", "c", hdr, sizeof(hdr),
					   &why), -1);
	assert_non_null(why);
	assert_string_equal(hdr, "");
	why = NULL;
	assert_int_equal(hmmpd_auth_answer(chal, 0, "Authorization", "u", "p",
					   "INFO", "sip:x@y", "c", hdr, sizeof(hdr),
					   &why), -1);
	assert_string_equal(why, "no challenge");
}

static void test_nc_table(void **state)
{
	struct hmmpd_nc *t = calloc(1, sizeof(*t));
	char n[HMMPD_NONCE_LEN + 1];
	unsigned int i;

	(void)state;
	assert_non_null(t);
	assert_int_equal(hmmpd_nc_use(t, "aa", 1, 100, 300), 0);
	assert_int_equal(hmmpd_nc_use(t, "aa", 1, 101, 300), -1);
	assert_int_equal(hmmpd_nc_use(t, "aa", 3, 101, 300), 0);
	assert_int_equal(hmmpd_nc_use(t, "aa", 2, 101, 300), -1);
	assert_int_equal(hmmpd_nc_use(t, "bb", 1, 101, 300), 0);
	/* after its life, a nonce is forgotten (the digest check says stale) */
	assert_int_equal(hmmpd_nc_use(t, "aa", 1, 401, 300), 0);
	/* a full table forgets the entry nearest to its end */
	for (i = 0; i < HMMPD_NC_SLOTS + 10; i++) {
		snprintf(n, sizeof(n), "n%u", i);
		assert_int_equal(hmmpd_nc_use(t, n, 1, 1000 + i, 300), 0);
	}
	/* newest first: a miss takes a slot, the oldest one */
	for (i = HMMPD_NC_SLOTS + 10; i-- > 0;) {
		snprintf(n, sizeof(n), "n%u", i);
		assert_int_equal(hmmpd_nc_use(t, n, 1, 1300, 300),
				 i >= 10 ? -1 : 0);
	}
	/* too long to be ours */
	memset(n, 'x', sizeof(n) - 1);
	n[sizeof(n) - 1] = '\0';
	assert_int_equal(hmmpd_nc_use(t, n, 1, 1, 1), 0);
	assert_int_equal(hmmpd_nc_use(t, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 1, 1, 1), -1);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_lines),
		cmocka_unit_test(test_challenge_algs_filtered),
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_md5_only_client),
		cmocka_unit_test(test_answer_errors),
		cmocka_unit_test(test_nc_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
