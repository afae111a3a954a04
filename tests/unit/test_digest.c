// SPDX-License-Identifier: GPL-2.0
/* Unit tests: userspace/hmmpd/sip/digest.c (SIP digest authentication). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "sip/digest.h"
#include "util.h"

/* RFC 7616 section 3.9.1 */
#define RFC_REALM	"http-auth@example.org"
#define RFC_NONCE	"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define RFC_CNONCE	"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define RFC_OPAQUE	"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define RFC_MD5		"8ca523f5e9506fed4657c9700eebdbec"
#define RFC_SHA256	"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"

static const uint8_t key[32] = "0123456789abcdef0123456789abcdef";

static const struct hmmpd_digest_server srv = {
	.key = key, .keylen = sizeof(key), .realm = "hmmp.test",
	.nonce_lifetime = 300,
	.algs = HMMPD_ALG_BIT(HMMPD_ALG_MD5) | HMMPD_ALG_BIT(HMMPD_ALG_MD5_SESS) |
		HMMPD_ALG_BIT(HMMPD_ALG_SHA256) |
		HMMPD_ALG_BIT(HMMPD_ALG_SHA256_SESS),
};

static int parse_hdr(const char *s, struct hmmpd_auth_params *p,
		     const char **why)
{
	/* an exact-size heap copy: valgrind sees any read past the end */
	size_t len = strlen(s);
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, s, len);
	ret = hmmpd_auth_parse(copy, len, p, why);
	free(copy);
	return ret;
}

static void test_rfc7616_responses(void **state)
{
	struct hmmpd_digest_in in = {
		.username = "Mufasa", .realm = RFC_REALM,
		.password = "Circle of Life", .method = "GET",
		.uri = "/dir/index.html", .nonce = RFC_NONCE,
		.qop = "auth", .cnonce = RFC_CNONCE, .nc = "00000001",
	};
	char out[HMMPD_DIGEST_HEX_MAX];

	(void)state;
	in.alg = HMMPD_ALG_MD5;
	assert_int_equal(hmmpd_digest_response(&in, out), 0);
	assert_string_equal(out, RFC_MD5);
	in.alg = HMMPD_ALG_SHA256;
	assert_int_equal(hmmpd_digest_response(&in, out), 0);
	assert_string_equal(out, RFC_SHA256);
}

/* RFC 2617 section 3.5, the classic MD5 vector. */
static void test_rfc2617_response(void **state)
{
	struct hmmpd_digest_in in = {
		.alg = HMMPD_ALG_MD5, .username = "Mufasa",
		.realm = "testrealm@host.com", .password = "Circle Of Life",
		.method = "GET", .uri = "/dir/index.html",
		.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		.qop = "auth", .cnonce = "0a4f113b", .nc = "00000001",
	};
	char out[HMMPD_DIGEST_HEX_MAX];

	(void)state;
	assert_int_equal(hmmpd_digest_response(&in, out), 0);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
}

/* A plain reference: H() of one string, in hex. */
static void ref_h(const EVP_MD *md, const char *s, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n, i;

	assert_int_equal(EVP_Digest(s, strlen(s), d, &n, md, NULL), 1);
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* -sess and RFC 2069 forms against the plain reference. */
static void test_sess_and_2069(void **state)
{
	static const struct {
		enum hmmpd_digest_alg alg;
		bool qop;
	} cases[] = {
		{ HMMPD_ALG_MD5, false }, { HMMPD_ALG_SHA256, false },
		{ HMMPD_ALG_MD5_SESS, true }, { HMMPD_ALG_SHA256_SESS, true },
	};
	char ha1[65], ha2[65], want[65], s[512], out[HMMPD_DIGEST_HEX_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(cases); i++) {
		const EVP_MD *md = cases[i].alg <= HMMPD_ALG_MD5_SESS ?
				   EVP_md5() : EVP_sha256();
		struct hmmpd_digest_in in = {
			.alg = cases[i].alg, .username = "alice",
			.realm = "hmmp.test", .password = "pw",
			.method = "INFO", .uri = "sip:bob@203.0.113.7",
			.nonce = "n0nce", .cnonce = "c", .nc = "0000000a",
			.qop = cases[i].qop ? "auth" : NULL,
		};

		ref_h(md, "alice:hmmp.test:pw", ha1);
		if (cases[i].qop) {	/* the -sess A1 */
			snprintf(s, sizeof(s), "%s:n0nce:c", ha1);
			ref_h(md, s, ha1);
		}
		ref_h(md, "INFO:sip:bob@203.0.113.7", ha2);
		if (cases[i].qop)
			snprintf(s, sizeof(s), "%s:n0nce:0000000a:c:auth:%s", ha1, ha2);
		else
			snprintf(s, sizeof(s), "%s:n0nce:%s", ha1, ha2);
		ref_h(md, s, want);
		assert_int_equal(hmmpd_digest_response(&in, out), 0);
		assert_string_equal(out, want);
	}
}

static void test_response_bad_input(void **state)
{
	struct hmmpd_digest_in in = {
		.alg = HMMPD_ALG_MD5, .username = "u", .realm = "r",
		.password = "p", .method = "INFO", .uri = "sip:x",
		.nonce = "n", .qop = "auth", .cnonce = "c", .nc = "00000001",
	};
	struct hmmpd_digest_in t;
	char out[HMMPD_DIGEST_HEX_MAX];

	(void)state;
	assert_int_equal(hmmpd_digest_response(&in, out), 0);
	t = in;
	t.qop = "auth-int";
	assert_int_equal(hmmpd_digest_response(&t, out), -1);
	assert_string_equal(out, "");
	t = in;
	t.cnonce = NULL;
	assert_int_equal(hmmpd_digest_response(&t, out), -1);
	t = in;
	t.nc = NULL;
	assert_int_equal(hmmpd_digest_response(&t, out), -1);
	t = in;
	t.alg = __HMMPD_ALG_MAX;
	assert_int_equal(hmmpd_digest_response(&t, out), -1);
	t = in;
	t.password = NULL;
	assert_int_equal(hmmpd_digest_response(&t, out), -1);
	t = in;
	t.qop = NULL;
	t.cnonce = NULL;
	t.alg = HMMPD_ALG_SHA256_SESS;	/* -sess needs a cnonce */
	assert_int_equal(hmmpd_digest_response(&t, out), -1);
}

static void test_alg_names(void **state)
{
	enum hmmpd_digest_alg a;

	(void)state;
	assert_string_equal(hmmpd_digest_alg_name(HMMPD_ALG_MD5), "MD5");
	assert_string_equal(hmmpd_digest_alg_name(HMMPD_ALG_SHA256_SESS), "SHA-256-sess");
	assert_null(hmmpd_digest_alg_name(__HMMPD_ALG_MAX));
	assert_int_equal(hmmpd_digest_alg_parse("sha-256", &a), 0);
	assert_int_equal(a, HMMPD_ALG_SHA256);
	assert_int_equal(hmmpd_digest_alg_parse("md5-SESS", &a), 0);
	assert_int_equal(a, HMMPD_ALG_MD5_SESS);
	assert_int_equal(hmmpd_digest_alg_parse("SHA-512-256", &a), -1);
	assert_int_equal(hmmpd_digest_alg_parse("SHA256", &a), -1);
	assert_int_equal(hmmpd_digest_alg_parse("", &a), -1);
	assert_int_equal(hmmpd_digest_alg_parse(NULL, &a), -1);
}

/* The RFC's Authorization, folded as printed, read and recomputed. */
static void test_rfc7616_authorization_parse(void **state)
{
	static const char *const hdr[] = {
		"Digest username=\"Mufasa\",\r\n"
		"    realm=\"http-auth@example.org\",\r\n"
		"    uri=\"/dir/index.html\",\r\n"
		"    algorithm=MD5,\r\n"
		"    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
		"    nc=00000001,\r\n"
		"    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n"
		"    qop=auth,\r\n"
		"    response=\"8ca523f5e9506fed4657c9700eebdbec\",\r\n"
		"    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
		"Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
		"uri=\"/dir/index.html\", algorithm=SHA-256, nonce=\"" RFC_NONCE
		"\", nc=00000001, cnonce=\"" RFC_CNONCE "\", qop=auth, "
		"response=\"" RFC_SHA256 "\", opaque=\"" RFC_OPAQUE "\"",
	};
	struct hmmpd_auth_params p;
	struct hmmpd_digest_cred c;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(hdr); i++) {
		char out[HMMPD_DIGEST_HEX_MAX];
		struct hmmpd_digest_in in;

		if (parse_hdr(hdr[i], &p, &why))
			fail_msg("refused: %s", why);
		assert_string_equal(p.scheme, "Digest");
		assert_int_equal(p.n, 10);
		assert_int_equal(hmmpd_digest_cred_parse(&p, &c, &why), 0);
		assert_int_equal(c.alg, i ? HMMPD_ALG_SHA256 : HMMPD_ALG_MD5);
		assert_string_equal(c.username, "Mufasa");
		assert_string_equal(c.realm, RFC_REALM);
		assert_string_equal(c.uri, "/dir/index.html");
		assert_string_equal(c.nonce, RFC_NONCE);
		assert_string_equal(c.cnonce, RFC_CNONCE);
		assert_string_equal(c.nc, "00000001");
		assert_string_equal(c.qop, "auth");
		assert_string_equal(c.opaque, RFC_OPAQUE);
		in = (struct hmmpd_digest_in){
			.alg = c.alg, .username = c.username, .realm = c.realm,
			.password = "Circle of Life", .method = "GET",
			.uri = c.uri, .nonce = c.nonce, .qop = c.qop,
			.cnonce = c.cnonce, .nc = c.nc,
		};
		assert_int_equal(hmmpd_digest_response(&in, out), 0);
		assert_string_equal(out, c.response);
	}
}

/* The RFC's challenge read by the client, answered as the RFC answers. */
static void test_rfc7616_client(void **state)
{
	static const char www[] =
		"Digest\r\n"
		"    realm=\"http-auth@example.org\",\r\n"
		"    qop=\"auth, auth-int\",\r\n"
		"    algorithm=SHA-256,\r\n"
		"    nonce=\"" RFC_NONCE "\",\r\n"
		"    opaque=\"" RFC_OPAQUE "\"";
	struct hmmpd_auth_params p;
	struct hmmpd_digest_chal ch;
	const char *why;
	char buf[1024];
	int n;

	(void)state;
	if (parse_hdr(www, &p, &why))
		fail_msg("refused: %s", why);
	assert_int_equal(hmmpd_digest_chal_parse(&p, &ch, &why), 0);
	assert_int_equal(ch.alg, HMMPD_ALG_SHA256);
	assert_true(ch.qop_auth);
	assert_false(ch.stale);
	assert_string_equal(ch.realm, RFC_REALM);
	assert_string_equal(ch.opaque, RFC_OPAQUE);
	n = hmmpd_digest_authorization(&ch, "Mufasa", "Circle of Life", "GET",
				       "/dir/index.html", RFC_CNONCE, 1, buf,
				       sizeof(buf));
	assert_string_equal(buf,
		"Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
		"nonce=\"" RFC_NONCE "\", uri=\"/dir/index.html\", "
		"response=\"" RFC_SHA256 "\", algorithm=SHA-256, "
		"cnonce=\"" RFC_CNONCE "\", nc=00000001, qop=auth, "
		"opaque=\"" RFC_OPAQUE "\"");
	assert_int_equal(n, (int)strlen(buf));

	/* the MD5 challenge of the same example */
	ch.alg = HMMPD_ALG_MD5;
	n = hmmpd_digest_authorization(&ch, "Mufasa", "Circle of Life", "GET",
				       "/dir/index.html", RFC_CNONCE, 1, buf,
				       sizeof(buf));
	assert_non_null(strstr(buf, "response=\"" RFC_MD5 "\""));
	assert_int_equal(n, (int)strlen(buf));

	/* snprintf-like when the buffer is short */
	assert_int_equal(hmmpd_digest_authorization(&ch, "Mufasa", "Circle of Life",
						    "GET", "/dir/index.html",
						    RFC_CNONCE, 1, buf, 8), n);
	assert_string_equal(buf, "Digest ");
}

static void test_auth_parse_good(void **state)
{
	struct hmmpd_auth_params p;
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(parse_hdr("  digest A=1,b = \"x\\\"y\\\\z\" ,, c=\t\"\" ,", &p, &why), 0);
	assert_string_equal(p.scheme, "digest");
	assert_int_equal(p.n, 3);
	assert_string_equal(p.p[0].name, "a");
	assert_string_equal(p.p[0].value, "1");
	assert_false(p.p[0].quoted);
	assert_string_equal(hmmpd_auth_get(&p, "B"), "x\"y\\z");
	assert_true(p.p[1].quoted);
	assert_string_equal(hmmpd_auth_get(&p, "c"), "");
	assert_null(hmmpd_auth_get(&p, "d"));

	/* folding inside a quoted string; UTF-8 kept; quoted commas */
	assert_int_equal(parse_hdr("Digest realm=\"a,\r\n b\", username=\"J\xc3\xa9r\xc3\xb4me\"", &p, &why), 0);
	assert_string_equal(hmmpd_auth_get(&p, "realm"), "a, b");
	assert_string_equal(hmmpd_auth_get(&p, "username"), "J\xc3\xa9r\xc3\xb4me");

	/* the limits, just inside */
	{
		char s[2048], v[HMMPD_AUTH_MAX_VALUE];
		int n = snprintf(s, sizeof(s), "Digest ");

		for (i = 0; i < HMMPD_AUTH_MAX_PARAMS; i++)
			n += snprintf(s + n, sizeof(s) - (size_t)n, "p%zu=%zu,", i, i);
		assert_int_equal(parse_hdr(s, &p, &why), 0);
		assert_int_equal(p.n, HMMPD_AUTH_MAX_PARAMS);
		memset(v, 'v', sizeof(v) - 1);
		v[sizeof(v) - 1] = '\0';
		snprintf(s, sizeof(s), "Digest a=\"%s\", b=%s", v, v);
		assert_int_equal(parse_hdr(s, &p, &why), 0);
		assert_int_equal(strlen(hmmpd_auth_get(&p, "a")), HMMPD_AUTH_MAX_VALUE - 1);
	}
}

static void test_auth_parse_bad(void **state)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "", "no authentication scheme" },
		{ "   ", "no authentication scheme" },
		{ "=x", "no authentication scheme" },
		{ "Digest", "no parameters" },
		{ "Digest   ,  ,", "no parameters" },
		{ "Digest,realm=\"x\"", "expected white space after the scheme" },
		{ "Digestrealm=\"x\"", "expected white space after the scheme" },
		{ "Digest realm", "parameter without '='" },
		{ "Digest realm=", "parameter without value" },
		{ "Digest realm= ,", "parameter without value" },
		{ "Digest realm=\"x", "unterminated quoted string" },
		{ "Digest realm=\"x\\", "unterminated quoted string" },
		{ "Digest realm=\"x\\\"", "unterminated quoted string" },
		{ "Digest realm=\"x\" nonce=\"y\"", "expected ',' between parameters" },
		{ "Digest realm=x y", "expected ',' between parameters" },
		{ "Digest realm=a/b", "expected ',' between parameters" },
		{ "Digest realm=\"x\", realm=\"y\"", "parameter given twice" },
		{ "Digest realm=\"x\", REALM=\"y\"", "parameter given twice" },
		{ "Digest realm=\"x\", Basic realm=\"y\"", "several challenges in one header" },
		{ "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "parameter without value" },
		{ "Digest =\"x\"", "malformed parameter" },
		{ "Digest \"x\"", "malformed parameter" },
		{ "Digest realm=\"x\"\r\n, nonce=\"y\"", "control character" },
		{ "Digest realm=\"x\r\ny\"", "control character" },
		{ "Digest realm=\"x\ny\"", "control character" },
		{ "Digest realm=\"x\ry\"", "control character" },
		{ "Digest realm=\"x\x01y\"", "control character" },
		{ "Digest realm=\"x\x7fy\"", "control character" },
		{ "Digest realm=\"x\\\r\n y\"", "bad escape in a quoted string" },
		{ "Digest realm=\"x\"\r\n", "control character" },
		{ "Digest realm=\"x\",\r\n", "control character" },
		{ "Digestaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa realm=x", "authentication scheme too long" },
		{ "Digest aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=x", "parameter name too long" },
	};
	struct hmmpd_auth_params p;
	const char *why;
	char s[2048], v[HMMPD_AUTH_MAX_VALUE + 1];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		why = NULL;
		if (!parse_hdr(bad[i].s, &p, &why))
			fail_msg("accepted '%s'", bad[i].s);
		if (!why || strcmp(why, bad[i].why))
			fail_msg("'%s': '%s', not '%s'", bad[i].s, why, bad[i].why);
	}
	/* a NUL inside */
	assert_int_equal(hmmpd_auth_parse("Digest a=\"x\0y\"", 14, &p, &why), -1);
	assert_string_equal(why, "control character");
	assert_int_equal(hmmpd_auth_parse(NULL, 0, &p, &why), -1);

	/* the limits, just outside */
	n = snprintf(s, sizeof(s), "Digest ");
	for (i = 0; i <= HMMPD_AUTH_MAX_PARAMS; i++)
		n += snprintf(s + n, sizeof(s) - (size_t)n, "p%zu=%zu,", i, i);
	assert_int_equal(parse_hdr(s, &p, &why), -1);
	assert_string_equal(why, "too many parameters");
	memset(v, 'v', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	snprintf(s, sizeof(s), "Digest a=\"%s\"", v);
	assert_int_equal(parse_hdr(s, &p, &why), -1);
	assert_string_equal(why, "parameter value too long");
	snprintf(s, sizeof(s), "Digest a=%s", v);
	assert_int_equal(parse_hdr(s, &p, &why), -1);
	assert_string_equal(why, "parameter value too long");
}

/* Every prefix of a good header: no crash, no read past the end. */
static void test_auth_parse_prefixes(void **state)
{
	static const char hdr[] =
		"Digest username=\"Mu\\\"fasa\",\r\n realm=\"r\", nc=00000001";
	struct hmmpd_auth_params p;
	const char *why;
	size_t len;

	(void)state;
	for (len = 0; len <= strlen(hdr); len++) {
		char *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, hdr, len);
		hmmpd_auth_parse(copy, len, &p, &why);
		free(copy);
	}
}

static const char good_cred[] =
	"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", "
	"response=\"" RFC_MD5 "\", qop=auth, nc=00000001, cnonce=\"c\"";

static void test_cred_parse_bad(void **state)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "Basic realm=\"r\"", "not Digest credentials" },
		{ "Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\"", "missing username" },
		{ "Digest username=\"\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\"", "missing username" },
		{ "Digest username=\"u\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\"", "missing realm" },
		{ "Digest username=\"u\", realm=\"r\", uri=\"u\", response=\"" RFC_MD5 "\"", "missing nonce" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"" RFC_MD5 "\"", "missing uri" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\"", "missing response" },
		{ "Digest username*=UTF-8''u, realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\"", "username* is not supported" },
		{ "Digest username=\"u\", userhash=true, realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\"", "userhash is not supported" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", algorithm=SHA-512-256", "unknown algorithm" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", qop=auth-int, nc=00000001, cnonce=\"c\"", "qop is not auth" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", qop=auth, nc=00000001", "qop without cnonce or nc" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", qop=auth, cnonce=\"c\"", "qop without cnonce or nc" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", qop=auth, nc=00000001, cnonce=\"\"", "qop without cnonce or nc" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", qop=auth, nc=1, cnonce=\"c\"", "nc is not 8 hex digits" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", qop=auth, nc=0000000g, cnonce=\"c\"", "nc is not 8 hex digits" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", qop=auth, nc=000000001, cnonce=\"c\"", "nc is not 8 hex digits" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", cnonce=\"c\"", "cnonce or nc without qop" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", algorithm=MD5-sess", "a -sess algorithm without qop" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_MD5 "\", algorithm=SHA-256", "response is not a hex digest of the algorithm" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"" RFC_SHA256 "\"", "response is not a hex digest of the algorithm" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"8ca523f5e9506fed4657c9700eebdbeg\"", "response is not a hex digest of the algorithm" },
	};
	struct hmmpd_auth_params p;
	struct hmmpd_digest_cred c;
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(parse_hdr(good_cred, &p, &why), 0);
	assert_int_equal(hmmpd_digest_cred_parse(&p, &c, &why), 0);
	assert_int_equal(c.alg, HMMPD_ALG_MD5);
	assert_null(c.opaque);
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		if (parse_hdr(bad[i].s, &p, &why))
			fail_msg("case %zu: header refused: %s", i, why);
		why = NULL;
		if (!hmmpd_digest_cred_parse(&p, &c, &why))
			fail_msg("accepted '%s'", bad[i].s);
		if (!why || strcmp(why, bad[i].why))
			fail_msg("'%s': '%s', not '%s'", bad[i].s, why, bad[i].why);
	}
	/* RFC 2069 credentials (no qop) are well-formed; userhash=false too */
	assert_int_equal(parse_hdr("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", userhash=false, response=\"" RFC_MD5 "\"", &p, &why), 0);
	assert_int_equal(hmmpd_digest_cred_parse(&p, &c, &why), 0);
	assert_null(c.qop);
}

static void test_nonce(void **state)
{
	struct hmmpd_digest_server s2 = srv;
	uint8_t key2[32];
	char n[HMMPD_NONCE_LEN + 1], m[HMMPD_NONCE_LEN + 1];
	size_t i;

	(void)state;
	assert_int_equal(hmmpd_nonce_make(&srv, 1000, "10.15.20.25", n), 0);
	assert_int_equal(strlen(n), HMMPD_NONCE_LEN);
	assert_memory_equal(n, "00000000000003e8", 16);
	for (i = 0; i < HMMPD_NONCE_LEN; i++)
		assert_true((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f'));
	/* deterministic: the same inputs make the same nonce */
	assert_int_equal(hmmpd_nonce_make(&srv, 1000, "10.15.20.25", m), 0);
	assert_string_equal(n, m);
	assert_int_equal(hmmpd_nonce_make(&srv, 1000, "10.15.20.26", m), 0);
	assert_string_not_equal(n, m);

	assert_int_equal(hmmpd_nonce_check(&srv, n, "10.15.20.25", 1000), HMMPD_NONCE_OK);
	assert_int_equal(hmmpd_nonce_check(&srv, n, "10.15.20.25", 1300), HMMPD_NONCE_OK);
	assert_int_equal(hmmpd_nonce_check(&srv, n, "10.15.20.25", 1301), HMMPD_NONCE_STALE);
	assert_int_equal(hmmpd_nonce_check(&srv, n, "10.15.20.25", 999), HMMPD_NONCE_BAD);
	assert_int_equal(hmmpd_nonce_check(&srv, n, "10.15.20.26", 1000), HMMPD_NONCE_BAD);
	assert_int_equal(hmmpd_nonce_check(&srv, n, NULL, 1000), HMMPD_NONCE_BAD);
	/* the context NULL is the empty one */
	assert_int_equal(hmmpd_nonce_make(&srv, 5, NULL, m), 0);
	assert_int_equal(hmmpd_nonce_check(&srv, m, "", 5), HMMPD_NONCE_OK);

	/* any change spoils it */
	for (i = 0; i < HMMPD_NONCE_LEN; i++) {
		strcpy(m, n);
		m[i] = m[i] == '0' ? '1' : '0';
		assert_int_equal(hmmpd_nonce_check(&srv, m, "10.15.20.25", 1000),
				 HMMPD_NONCE_BAD);
	}
	strcpy(m, n);
	m[20] = m[20] >= 'a' ? (char)(m[20] - 'a' + 'A') : 'X';
	assert_int_equal(hmmpd_nonce_check(&srv, m, "10.15.20.25", 1000), HMMPD_NONCE_BAD);
	m[0] = 'x';
	assert_int_equal(hmmpd_nonce_check(&srv, m, "10.15.20.25", 1000), HMMPD_NONCE_BAD);
	m[HMMPD_NONCE_LEN - 1] = '\0';
	assert_int_equal(hmmpd_nonce_check(&srv, m, "10.15.20.25", 1000), HMMPD_NONCE_BAD);
	assert_int_equal(hmmpd_nonce_check(&srv, "", "10.15.20.25", 1000), HMMPD_NONCE_BAD);
	assert_int_equal(hmmpd_nonce_check(&srv, NULL, "10.15.20.25", 1000), HMMPD_NONCE_BAD);
	assert_int_equal(hmmpd_nonce_check(&srv, RFC_NONCE, "10.15.20.25", 1000), HMMPD_NONCE_BAD);

	/* another key, another realm: not ours */
	memcpy(key2, key, sizeof(key2));
	key2[0] ^= 1;
	s2.key = key2;
	assert_int_equal(hmmpd_nonce_check(&s2, n, "10.15.20.25", 1000), HMMPD_NONCE_BAD);
	s2 = srv;
	s2.realm = "other";
	assert_int_equal(hmmpd_nonce_check(&s2, n, "10.15.20.25", 1000), HMMPD_NONCE_BAD);
	/* a key too short makes nothing */
	s2 = srv;
	s2.keylen = HMMPD_NONCE_KEY_MIN - 1;
	assert_int_equal(hmmpd_nonce_make(&s2, 1000, "x", m), -1);
	assert_string_equal(m, "");
	assert_int_equal(hmmpd_nonce_check(&s2, n, "10.15.20.25", 1000), HMMPD_NONCE_BAD);
	s2.key = NULL;
	s2.keylen = sizeof(key);
	assert_int_equal(hmmpd_nonce_make(&s2, 1000, "x", m), -1);
}

static void test_challenge(void **state)
{
	struct hmmpd_digest_server s = srv;
	char buf[512];
	int n;

	(void)state;
	n = hmmpd_digest_challenge(&s, HMMPD_ALG_SHA256, "abc", false, buf, sizeof(buf));
	assert_string_equal(buf, "Digest realm=\"hmmp.test\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\"");
	assert_int_equal(n, (int)strlen(buf));
	s.opaque = "op";
	s.realm = "a\"b\\c";
	n = hmmpd_digest_challenge(&s, HMMPD_ALG_MD5, "abc", true, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "Digest realm=\"a\\\"b\\\\c\", nonce=\"abc\", opaque=\"op\", algorithm=MD5, qop=\"auth\", stale=true");
	/* it parses back */
	{
		struct hmmpd_auth_params p;
		struct hmmpd_digest_chal ch;
		const char *why;

		assert_int_equal(parse_hdr(buf, &p, &why), 0);
		assert_int_equal(hmmpd_digest_chal_parse(&p, &ch, &why), 0);
		assert_string_equal(ch.realm, "a\"b\\c");
		assert_true(ch.stale);
		assert_true(ch.qop_auth);
		assert_string_equal(ch.opaque, "op");
	}
	assert_int_equal(hmmpd_digest_challenge(&s, HMMPD_ALG_MD5, "abc", true, buf, 10), n);
	assert_string_equal(buf, "Digest re");

	s.realm = "bad\r\nrealm";
	assert_int_equal(hmmpd_digest_challenge(&s, HMMPD_ALG_MD5, "abc", false, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	s.realm = NULL;
	assert_int_equal(hmmpd_digest_challenge(&s, HMMPD_ALG_MD5, "abc", false, buf, sizeof(buf)), -1);
	s = srv;
	s.algs = HMMPD_ALG_BIT(HMMPD_ALG_SHA256);
	assert_int_equal(hmmpd_digest_challenge(&s, HMMPD_ALG_MD5, "abc", false, buf, sizeof(buf)), -1);
	assert_int_equal(hmmpd_digest_challenge(&s, __HMMPD_ALG_MAX, "abc", false, buf, sizeof(buf)), -1);
}

static void test_chal_parse_bad(void **state)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "Basic realm=\"r\"", "not a Digest challenge" },
		{ "Digest nonce=\"n\"", "challenge without realm" },
		{ "Digest realm=\"r\"", "challenge without nonce" },
		{ "Digest realm=\"r\", nonce=\"\"", "challenge without nonce" },
		{ "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256", "unknown algorithm" },
		{ "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"", "qop without auth" },
		{ "Digest realm=\"r\", nonce=\"n\", qop=\"authx, ,\"", "qop without auth" },
		{ "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess", "a -sess algorithm without qop" },
	};
	struct hmmpd_auth_params p;
	struct hmmpd_digest_chal ch;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		assert_int_equal(parse_hdr(bad[i].s, &p, &why), 0);
		why = NULL;
		if (!hmmpd_digest_chal_parse(&p, &ch, &why))
			fail_msg("accepted '%s'", bad[i].s);
		if (!why || strcmp(why, bad[i].why))
			fail_msg("'%s': '%s', not '%s'", bad[i].s, why, bad[i].why);
	}
	/* an RFC 2069 challenge: no qop; the answer has none either */
	assert_int_equal(parse_hdr("Digest realm=\"r\", nonce=\"n\", stale=FALSE", &p, &why), 0);
	assert_int_equal(hmmpd_digest_chal_parse(&p, &ch, &why), 0);
	assert_false(ch.qop_auth);
	assert_false(ch.stale);
	assert_null(ch.opaque);
	{
		char buf[512];

		assert_true(hmmpd_digest_authorization(&ch, "u", "p", "INFO", "sip:x",
						       NULL, 0, buf, sizeof(buf)) > 0);
		assert_null(strstr(buf, "qop"));
		assert_null(strstr(buf, "cnonce"));
		assert_null(strstr(buf, "opaque"));
	}
}

static void test_authorization_bad(void **state)
{
	struct hmmpd_digest_chal ch = {
		.alg = HMMPD_ALG_SHA256, .realm = "r", .nonce = "n",
		.qop_auth = true,
	};
	char buf[512];

	(void)state;
	assert_int_equal(hmmpd_digest_authorization(&ch, "u", "p", "INFO", "sip:x", NULL, 1, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(hmmpd_digest_authorization(&ch, "u", "p", "INFO", "sip:x", "", 1, buf, sizeof(buf)), -1);
	assert_int_equal(hmmpd_digest_authorization(&ch, "u", "p", "INFO", "sip:x", "c", 0, buf, sizeof(buf)), -1);
	assert_int_equal(hmmpd_digest_authorization(&ch, "u\n", "p", "INFO", "sip:x", "c", 1, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(hmmpd_digest_authorization(&ch, NULL, "p", "INFO", "sip:x", "c", 1, buf, sizeof(buf)), -1);
	assert_int_equal(hmmpd_digest_authorization(&ch, "u", NULL, "INFO", "sip:x", "c", 1, buf, sizeof(buf)), -1);
	assert_true(hmmpd_digest_authorization(&ch, "u", "p", "INFO", "sip:x", "c", 0xffffffff, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "nc=ffffffff"));
}

/* A full exchange: challenge, answer, verdict, for every algorithm. */
static enum hmmpd_auth_result exchange(const struct hmmpd_digest_server *s,
				       enum hmmpd_digest_alg alg,
				       const char *password, uint64_t t_chal,
				       uint64_t t_req, const char *ctx_chal,
				       const char *ctx_req, const char *uri,
				       const char **why)
{
	char nonce[HMMPD_NONCE_LEN + 1], www[512], auth[1024];
	struct hmmpd_auth_params pw, pa;
	struct hmmpd_digest_chal ch;
	struct hmmpd_digest_cred c;

	assert_int_equal(hmmpd_nonce_make(s, t_chal, ctx_chal, nonce), 0);
	assert_true(hmmpd_digest_challenge(s, alg, nonce, false, www, sizeof(www)) > 0);
	assert_int_equal(parse_hdr(www, &pw, why), 0);
	assert_int_equal(hmmpd_digest_chal_parse(&pw, &ch, why), 0);
	assert_true(hmmpd_digest_authorization(&ch, "alice", password, "INFO",
					       uri, "0a4f113b", 1, auth,
					       sizeof(auth)) > 0);
	assert_int_equal(parse_hdr(auth, &pa, why), 0);
	assert_int_equal(hmmpd_digest_cred_parse(&pa, &c, why), 0);
	assert_int_equal(c.alg, alg);
	return hmmpd_digest_verify(s, &c, "INFO", "sip:bob@203.0.113.7",
				   "secret", ctx_req, t_req, why);
}

static void test_verify_exchange(void **state)
{
	static const char *const ctx = "10.15.20.25";
	static const char *const ruri = "sip:bob@203.0.113.7";
	struct hmmpd_digest_server s = srv;
	const char *why;
	unsigned int a;

	(void)state;
	s.opaque = "opaque-value";
	for (a = 0; a < __HMMPD_ALG_MAX; a++) {
		assert_int_equal(exchange(&s, a, "secret", 100, 110, ctx, ctx, ruri, &why), HMMPD_AUTH_OK);
		assert_null(why);
		assert_int_equal(exchange(&s, a, "Secret", 100, 110, ctx, ctx, ruri, &why), HMMPD_AUTH_DENIED);
		assert_string_equal(why, "wrong response");
		assert_int_equal(exchange(&s, a, "secret", 100, 500, ctx, ctx, ruri, &why), HMMPD_AUTH_STALE);
		assert_string_equal(why, "nonce expired");
		assert_int_equal(exchange(&s, a, "wrong", 100, 500, ctx, ctx, ruri, &why), HMMPD_AUTH_DENIED);
		assert_int_equal(exchange(&s, a, "secret", 100, 110, ctx, "10.9.9.9", ruri, &why), HMMPD_AUTH_BAD_NONCE);
		assert_string_equal(why, "nonce not ours");
		assert_int_equal(exchange(&s, a, "secret", 100, 110, ctx, ctx, "sip:eve@203.0.113.7", &why), HMMPD_AUTH_DENIED);
		assert_string_equal(why, "uri is not the Request-URI");
	}
	s.algs = HMMPD_ALG_BIT(HMMPD_ALG_SHA256);
	assert_int_equal(exchange(&s, HMMPD_ALG_SHA256, "secret", 1, 2, ctx, ctx, ruri, &why), HMMPD_AUTH_OK);
}

/* The checks before the digest, on credentials edited by hand. */
static void test_verify_fields(void **state)
{
	struct hmmpd_digest_server s = srv;
	struct hmmpd_digest_in in = {
		.alg = HMMPD_ALG_MD5, .username = "alice", .realm = "hmmp.test",
		.password = "secret", .method = "INFO", .uri = "sip:b@h",
		.qop = "auth", .cnonce = "c", .nc = "00000001",
	};
	char nonce[HMMPD_NONCE_LEN + 1], resp[HMMPD_DIGEST_HEX_MAX];
	struct hmmpd_digest_cred c, t;
	const char *why;
	size_t i;

	(void)state;
	s.opaque = "op";
	assert_int_equal(hmmpd_nonce_make(&s, 10, "ctx", nonce), 0);
	in.nonce = nonce;
	assert_int_equal(hmmpd_digest_response(&in, resp), 0);
	c = (struct hmmpd_digest_cred){
		.alg = HMMPD_ALG_MD5, .username = "alice", .realm = "hmmp.test",
		.nonce = nonce, .uri = "sip:b@h", .response = resp,
		.qop = "auth", .cnonce = "c", .nc = "00000001", .opaque = "op",
	};
	assert_int_equal(hmmpd_digest_verify(&s, &c, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_OK);
	/* upper-case hex is the same digest */
	{
		char up[HMMPD_DIGEST_HEX_MAX];

		for (i = 0; resp[i]; i++)
			up[i] = (char)(resp[i] >= 'a' ? resp[i] - 'a' + 'A' : resp[i]);
		up[i] = '\0';
		t = c;
		t.response = up;
		assert_int_equal(hmmpd_digest_verify(&s, &t, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_OK);
	}
	/* the method is part of the digest */
	assert_int_equal(hmmpd_digest_verify(&s, &c, "REGISTER", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_DENIED);
	assert_string_equal(why, "wrong response");
	t = c;
	t.realm = "other";
	assert_int_equal(hmmpd_digest_verify(&s, &t, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_DENIED);
	assert_string_equal(why, "wrong realm");
	t = c;
	t.alg = HMMPD_ALG_SHA256;
	s.algs = HMMPD_ALG_BIT(HMMPD_ALG_MD5);
	assert_int_equal(hmmpd_digest_verify(&s, &c, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_OK);
	assert_int_equal(hmmpd_digest_verify(&s, &t, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_DENIED);
	assert_string_equal(why, "algorithm not accepted");
	s.algs = srv.algs;
	t = c;
	t.qop = NULL;
	assert_int_equal(hmmpd_digest_verify(&s, &t, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_DENIED);
	assert_string_equal(why, "qop=auth required");
	t = c;
	t.opaque = NULL;
	assert_int_equal(hmmpd_digest_verify(&s, &t, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_DENIED);
	assert_string_equal(why, "wrong opaque");
	t.opaque = "OP";
	assert_int_equal(hmmpd_digest_verify(&s, &t, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_DENIED);
	t = c;
	t.response = "0123";
	assert_int_equal(hmmpd_digest_verify(&s, &t, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_DENIED);
	assert_int_equal(hmmpd_digest_verify(&s, &c, "INFO", NULL, NULL, "ctx", 10, &why), HMMPD_AUTH_DENIED);
	assert_string_equal(why, "cannot compute the response");
	/* a server without opaque ignores the client's */
	s.opaque = NULL;
	assert_int_equal(hmmpd_digest_verify(&s, &c, "INFO", NULL, "secret", "ctx", 10, &why), HMMPD_AUTH_OK);
}

/* --- secrets file ---------------------------------------------------------- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hmmp-digest-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text, size_t len,
			      mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void test_secrets_good(void **state)
{
	static const char text[] =
		"# peer  user  password\n"
		"\n"
		"bob     alice   Circle of Life  \r\n"
		"   carol alice\tp2\n"
		"dave.example_1-x  dave  \"quoted\" is literal\n"
		"\t# comment after white space\n"
		"last lastuser lastpass";
	struct hmmpd_secrets s;
	const struct hmmpd_secret *e;
	char err[HMMPD_ERR_MAX];
	const char *path;

	(void)state;
	path = write_file("good", text, sizeof(text) - 1, 0600);
	if (hmmpd_secrets_load(path, &s, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(s.n, 4);
	e = hmmpd_secrets_peer(&s, "bob");
	assert_non_null(e);
	assert_string_equal(e->user, "alice");
	assert_string_equal(e->pass, "Circle of Life");
	e = hmmpd_secrets_peer(&s, "dave.example_1-x");
	assert_string_equal(e->pass, "\"quoted\" is literal");
	assert_string_equal(hmmpd_secrets_peer(&s, "last")->pass, "lastpass");
	assert_null(hmmpd_secrets_peer(&s, "Bob"));
	assert_null(hmmpd_secrets_peer(&s, NULL));
	/* the entries of one user, in file order */
	e = hmmpd_secrets_user(&s, "alice", NULL);
	assert_string_equal(e->peer, "bob");
	e = hmmpd_secrets_user(&s, "alice", e);
	assert_string_equal(e->peer, "carol");
	assert_string_equal(e->pass, "p2");
	assert_null(hmmpd_secrets_user(&s, "alice", e));
	assert_null(hmmpd_secrets_user(&s, "nobody", NULL));
	hmmpd_secrets_free(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
	hmmpd_secrets_free(&s);		/* twice is fine */

	/* group access is the administrator's choice; an empty file is fine */
	path = write_file("group", "", 0, 0640);
	assert_int_equal(hmmpd_secrets_load(path, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	hmmpd_secrets_free(&s);

	/* many entries: the array grows */
	{
		char *big = malloc(64 * 300);
		size_t len = 0;
		int i;

		assert_non_null(big);
		for (i = 0; i < 300; i++)
			len += (size_t)sprintf(big + len, "peer%d user%d pass %d\n", i, i % 7, i);
		path = write_file("big", big, len, 0400);
		free(big);
		assert_int_equal(hmmpd_secrets_load(path, &s, err, sizeof(err)), 0);
		assert_int_equal(s.n, 300);
		assert_string_equal(hmmpd_secrets_peer(&s, "peer299")->pass, "pass 299");
		hmmpd_secrets_free(&s);
	}
}

static void test_secrets_mode(void **state)
{
	static const mode_t modes[] = { 0644, 0604, 0602, 0601, 0666, 0777, 0607 };
	struct hmmpd_secrets s;
	char err[HMMPD_ERR_MAX], want[HMMPD_ERR_MAX];
	const char *path;
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(modes); i++) {
		path = write_file("open", "bob alice pw\n", 13, modes[i]);
		assert_int_equal(hmmpd_secrets_load(path, &s, err, sizeof(err)), -1);
		snprintf(want, sizeof(want),
			 "%s: the secrets file is accessible to others (mode %04o); refusing it: run 'chmod o-rwx %s'",
			 path, (unsigned int)modes[i], path);
		assert_string_equal(err, want);
		assert_int_equal(s.n, 0);
		assert_null(s.v);
	}
	snprintf(want, sizeof(want), "%s/missing", tmpdir);
	assert_int_equal(hmmpd_secrets_load(want, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing: cannot open the secrets file: No such file or directory"));
	assert_int_equal(hmmpd_secrets_load(tmpdir, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ": the secrets file is not a regular file"));
}

static void test_secrets_bad(void **state)
{
	static const struct {
		const char *text;
		const char *err;	/* after "PATH:" */
	} bad[] = {
		{ "bob\n", "1: expected 'peer user password'" },
		{ "# c\nbob alice\n", "2: expected 'peer user password'" },
		{ "bob alice   \n", "1: expected 'peer user password'" },
		{ "b@b alice pw\n", "1: bad peer name (letters, digits, '.', '_', '-')" },
		{ "bob alice pw\nbob carol pw2\n", "2: peer given twice" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa alice pw\n", "1: peer name longer than 32 characters" },
		{ "bob uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu pw\n", "1: user name longer than 64 characters" },
		{ "bob alice p\x01w\n", "1: invalid character" },
		{ "bob alice p\xc3\xa9\n", "1: invalid character" },
		{ "\n\nbob alice p\rw\n", "3: invalid character" },
	};
	struct hmmpd_secrets s;
	char err[HMMPD_ERR_MAX], want[HMMPD_ERR_MAX], *big;
	const char *path;
	size_t i;

	(void)state;
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		path = write_file("bad", bad[i].text, strlen(bad[i].text), 0600);
		assert_int_equal(hmmpd_secrets_load(path, &s, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:%s", path, bad[i].err);
		assert_string_equal(err, want);
		assert_int_equal(s.n, 0);
		assert_null(s.v);
	}
	/* a NUL byte */
	path = write_file("nul", "bob alice p\0w\n", 14, 0600);
	assert_int_equal(hmmpd_secrets_load(path, &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: invalid character", path);
	assert_string_equal(err, want);
	/* a password of 129 characters, a line of 513 */
	big = malloc(1200);
	assert_non_null(big);
	i = (size_t)sprintf(big, "bob alice ");
	memset(big + i, 'p', 129);
	big[i + 129] = '\n';
	path = write_file("long", big, i + 130, 0600);
	assert_int_equal(hmmpd_secrets_load(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: password longer than 128 characters"));
	memset(big, ' ', 513);
	big[513] = '\n';
	path = write_file("long", big, 514, 0600);
	assert_int_equal(hmmpd_secrets_load(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: line too long"));
	free(big);
	/* more than HMMPD_SECRETS_MAX entries */
	big = malloc(32 * (HMMPD_SECRETS_MAX + 1));
	assert_non_null(big);
	for (i = 0, *big = '\0'; i <= HMMPD_SECRETS_MAX; i++)
		sprintf(big + strlen(big), "p%zu u pw\n", i);
	path = write_file("many", big, strlen(big), 0600);
	assert_int_equal(hmmpd_secrets_load(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1025: more than 1024 secrets"));
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7616_responses),
		cmocka_unit_test(test_rfc2617_response),
		cmocka_unit_test(test_sess_and_2069),
		cmocka_unit_test(test_response_bad_input),
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_rfc7616_authorization_parse),
		cmocka_unit_test(test_rfc7616_client),
		cmocka_unit_test(test_auth_parse_good),
		cmocka_unit_test(test_auth_parse_bad),
		cmocka_unit_test(test_auth_parse_prefixes),
		cmocka_unit_test(test_cred_parse_bad),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_chal_parse_bad),
		cmocka_unit_test(test_authorization_bad),
		cmocka_unit_test(test_verify_exchange),
		cmocka_unit_test(test_verify_fields),
		cmocka_unit_test(test_secrets_good),
		cmocka_unit_test(test_secrets_mode),
		cmocka_unit_test(test_secrets_bad),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
