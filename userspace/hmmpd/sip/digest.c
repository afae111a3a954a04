// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: SIP digest authentication (RFC 3261 section 22, RFC 7616) with
 * OpenSSL 3 libcrypto, and the secrets file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "digest.h"
#include "util.h"

static const char *const alg_names[] = {
	[HMMPD_ALG_MD5] = "MD5",
	[HMMPD_ALG_MD5_SESS] = "MD5-sess",
	[HMMPD_ALG_SHA256] = "SHA-256",
	[HMMPD_ALG_SHA256_SESS] = "SHA-256-sess",
};

const char *hmmpd_digest_alg_name(unsigned int alg)
{
	return alg < HMMP_ARRAY_SIZE(alg_names) ? alg_names[alg] : NULL;
}

int hmmpd_digest_alg_parse(const char *s, enum hmmpd_digest_alg *out)
{
	unsigned int i;

	for (i = 0; s && i < HMMP_ARRAY_SIZE(alg_names); i++) {
		if (!strcasecmp(s, alg_names[i])) {
			*out = (enum hmmpd_digest_alg)i;
			return 0;
		}
	}
	return -1;
}

static bool alg_sess(enum hmmpd_digest_alg alg)
{
	return alg == HMMPD_ALG_MD5_SESS || alg == HMMPD_ALG_SHA256_SESS;
}

static const EVP_MD *alg_md(enum hmmpd_digest_alg alg)
{
	switch (alg) {
	case HMMPD_ALG_MD5:
	case HMMPD_ALG_MD5_SESS:
		return EVP_md5();
	case HMMPD_ALG_SHA256:
	case HMMPD_ALG_SHA256_SESS:
		return EVP_sha256();
	default:
		return NULL;
	}
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* out = hex(H(parts[0] ":" parts[1] ":" ... parts[n-1])) */
static int hash_hex(const EVP_MD *md, const char *const *parts, size_t n,
		    char out[HMMPD_DIGEST_HEX_MAX])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;
	size_t i;

	if (!ctx)
		return -1;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (i = 0; ok && i < n; i++) {
		if (i)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok)
			ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, d, &dl);
	EVP_MD_CTX_free(ctx);
	if (!ok || dl * 2 >= HMMPD_DIGEST_HEX_MAX)
		return -1;
	hex(d, dl, out);
	return 0;
}

int hmmpd_digest_response(const struct hmmpd_digest_in *in,
			  char out[HMMPD_DIGEST_HEX_MAX])
{
	const EVP_MD *md = alg_md(in->alg);
	char ha1[HMMPD_DIGEST_HEX_MAX], ha2[HMMPD_DIGEST_HEX_MAX];
	int ret;

	out[0] = '\0';
	if (!md || !in->username || !in->realm || !in->password ||
	    !in->method || !in->uri || !in->nonce)
		return -1;
	if ((in->qop || alg_sess(in->alg)) && (!in->cnonce || !in->nc))
		return -1;
	if (in->qop && strcasecmp(in->qop, "auth"))
		return -1;	/* auth-int: the body's hash, not supported */

	ret = hash_hex(md, (const char *const[]){ in->username, in->realm,
						  in->password }, 3, ha1);
	if (!ret && alg_sess(in->alg))
		ret = hash_hex(md, (const char *const[]){ ha1, in->nonce,
							  in->cnonce }, 3, ha1);
	if (!ret)
		ret = hash_hex(md, (const char *const[]){ in->method, in->uri },
			       2, ha2);
	if (ret)
		goto out;
	if (in->qop)
		ret = hash_hex(md, (const char *const[]){ ha1, in->nonce, in->nc,
							  in->cnonce, in->qop,
							  ha2 }, 6, out);
	else
		ret = hash_hex(md, (const char *const[]){ ha1, in->nonce, ha2 },
			       3, out);
out:
	OPENSSL_cleanse(ha1, sizeof(ha1));
	return ret;
}

/* --- header parameter lists ----------------------------------------------- */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 3261 token characters. */
static bool is_token(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-.!%*_+`'~", c));
}

/* Optional white space: SP, HTAB, and line folding (CRLF then SP/HTAB). */
static size_t skip_lws(const char **p, const char *e)
{
	const char *s = *p;

	while (*p < e) {
		if (is_wsp(**p))
			(*p)++;
		else if (e - *p >= 3 && (*p)[0] == '\r' && (*p)[1] == '\n' &&
			 is_wsp((*p)[2]))
			*p += 3;
		else
			break;
	}
	return (size_t)(*p - s);
}

static size_t take_token(const char **p, const char *e, const char **w)
{
	*w = *p;
	while (*p < e && is_token(**p))
		(*p)++;
	return (size_t)(*p - *w);
}

/* The opening quote is at *p. Copies the unescaped value into v. */
static int take_quoted(const char **p, const char *e, char *v, size_t vsize,
		       const char **why)
{
	size_t n = 0;

	for ((*p)++; *p < e && **p != '"'; (*p)++) {
		char c = **p;

		if (c == '\r') {	/* a fold: checked by the byte scan */
			*p += 1;	/* the LF; the SP/HTAB is copied */
			continue;
		}
		if (c == '\\') {
			if (++(*p) == e)
				break;
			c = **p;
			if (c == '\r') {
				*why = "bad escape in a quoted string";
				return -1;
			}
		}
		if (n + 1 >= vsize) {
			*why = "parameter value too long";
			return -1;
		}
		v[n++] = c;
	}
	if (*p == e) {
		*why = "unterminated quoted string";
		return -1;
	}
	(*p)++;
	v[n] = '\0';
	return 0;
}

int hmmpd_auth_parse(const char *s, size_t len, struct hmmpd_auth_params *out,
		     const char **why)
{
	const char *p, *e, *w;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (!s) {
		*why = "no authentication scheme";
		return -1;
	}
	p = s;
	e = s + len;
	/* control characters: none, but for folding */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' && len - i >= 3 && s[i + 1] == '\n' &&
		    is_wsp(s[i + 2])) {
			i++;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "control character";
			return -1;
		}
	}

	skip_lws(&p, e);
	n = take_token(&p, e, &w);
	if (!n) {
		*why = "no authentication scheme";
		return -1;
	}
	if (n >= sizeof(out->scheme)) {
		*why = "authentication scheme too long";
		return -1;
	}
	memcpy(out->scheme, w, n);
	if (p < e && !skip_lws(&p, e)) {
		*why = "expected white space after the scheme";
		return -1;
	}
	while (skip_lws(&p, e), p < e) {
		struct hmmpd_auth_param *prm;

		if (*p == ',') {	/* empty list elements are allowed */
			p++;
			continue;
		}
		n = take_token(&p, e, &w);
		if (!n) {
			*why = "malformed parameter";
			return -1;
		}
		if (n >= HMMPD_AUTH_MAX_NAME) {
			*why = "parameter name too long";
			return -1;
		}
		if (out->n == HMMPD_AUTH_MAX_PARAMS) {
			*why = "too many parameters";
			return -1;
		}
		prm = &out->p[out->n];
		for (i = 0; i < n; i++)
			prm->name[i] = (char)tolower((unsigned char)w[i]);
		skip_lws(&p, e);
		if (p == e || *p != '=') {
			*why = p < e && is_token(*p) ?
			       "several challenges in one header" :
			       "parameter without '='";
			return -1;
		}
		p++;
		skip_lws(&p, e);
		if (p < e && *p == '"') {
			if (take_quoted(&p, e, prm->value, sizeof(prm->value),
					why))
				return -1;
			prm->quoted = true;
		} else {
			n = take_token(&p, e, &w);
			if (!n) {
				*why = "parameter without value";
				return -1;
			}
			if (n >= sizeof(prm->value)) {
				*why = "parameter value too long";
				return -1;
			}
			memcpy(prm->value, w, n);
		}
		for (i = 0; i < out->n; i++) {
			if (!strcmp(out->p[i].name, prm->name)) {
				*why = "parameter given twice";
				return -1;
			}
		}
		out->n++;
		skip_lws(&p, e);
		if (p < e && *p != ',') {
			*why = "expected ',' between parameters";
			return -1;
		}
	}
	if (!out->n) {
		*why = "no parameters";
		return -1;
	}
	return 0;
}

const char *hmmpd_auth_get(const struct hmmpd_auth_params *p, const char *name)
{
	unsigned int i;

	for (i = 0; i < p->n; i++) {
		if (!strcasecmp(p->p[i].name, name))
			return p->p[i].value;
	}
	return NULL;
}

/* --- credentials ---------------------------------------------------------- */

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return strlen(s) == n;
}

int hmmpd_digest_cred_parse(const struct hmmpd_auth_params *p,
			    struct hmmpd_digest_cred *c, const char **why)
{
#define NEED(f) { #f, "missing " #f, offsetof(struct hmmpd_digest_cred, f) }
	static const struct {
		const char *name, *missing;
		size_t off;
	} need[] = {
		NEED(username), NEED(realm), NEED(nonce), NEED(uri), NEED(response),
	};
#undef NEED
	const char *v;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (strcasecmp(p->scheme, "Digest")) {
		*why = "not Digest credentials";
		return -1;
	}
	if (hmmpd_auth_get(p, "username*")) {
		*why = "username* is not supported";
		return -1;
	}
	v = hmmpd_auth_get(p, "userhash");
	if (v && strcasecmp(v, "false")) {
		*why = "userhash is not supported";
		return -1;
	}
	for (i = 0; i < HMMP_ARRAY_SIZE(need); i++) {
		v = hmmpd_auth_get(p, need[i].name);
		if (!v || !*v) {
			*why = need[i].missing;
			return -1;
		}
		*(const char **)((char *)c + need[i].off) = v;
	}
	c->alg = HMMPD_ALG_MD5;
	v = hmmpd_auth_get(p, "algorithm");
	if (v && hmmpd_digest_alg_parse(v, &c->alg)) {
		*why = "unknown algorithm";
		return -1;
	}
	c->qop = hmmpd_auth_get(p, "qop");
	c->cnonce = hmmpd_auth_get(p, "cnonce");
	c->nc = hmmpd_auth_get(p, "nc");
	c->opaque = hmmpd_auth_get(p, "opaque");
	if (c->qop) {
		if (strcasecmp(c->qop, "auth")) {
			*why = "qop is not auth";
			return -1;
		}
		if (!c->cnonce || !*c->cnonce || !c->nc) {
			*why = "qop without cnonce or nc";
			return -1;
		}
		if (!all_hex(c->nc, 8)) {
			*why = "nc is not 8 hex digits";
			return -1;
		}
	} else if (c->cnonce || c->nc) {
		*why = "cnonce or nc without qop";
		return -1;
	} else if (alg_sess(c->alg)) {
		*why = "a -sess algorithm without qop";
		return -1;
	}
	if (!all_hex(c->response, (size_t)EVP_MD_get_size(alg_md(c->alg)) * 2)) {
		*why = "response is not a hex digest of the algorithm";
		return -1;
	}
	return 0;
}

/* --- nonces --------------------------------------------------------------- */

#define NONCE_TS_LEN	16
#define NONCE_MAC_LEN	16	/* bytes of HMAC-SHA-256 kept */

static int nonce_mac(const struct hmmpd_digest_server *s, const char *ts,
		     const char *context, char out[2 * NONCE_MAC_LEN + 1])
{
	const char *const parts[] = { ts, ":", s->realm, ":", context ? context : "" };
	unsigned char mac[EVP_MAX_MD_SIZE];
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *m;
	size_t i, ml = 0;
	int ok;

	if (!s->key || s->keylen < HMMPD_NONCE_KEY_MIN || !s->realm)
		return -1;
	m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!m)
		return -1;
	ctx = EVP_MAC_CTX_new(m);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = ctx && EVP_MAC_init(ctx, s->key, s->keylen, params);
	for (i = 0; ok && i < HMMP_ARRAY_SIZE(parts); i++)
		ok = EVP_MAC_update(ctx, (const unsigned char *)parts[i],
				    strlen(parts[i]));
	if (ok)
		ok = EVP_MAC_final(ctx, mac, &ml, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	if (!ok || ml < NONCE_MAC_LEN)
		return -1;
	hex(mac, NONCE_MAC_LEN, out);
	return 0;
}

int hmmpd_nonce_make(const struct hmmpd_digest_server *s, uint64_t now,
		     const char *context, char out[HMMPD_NONCE_LEN + 1])
{
	char ts[NONCE_TS_LEN + 1];

	out[0] = '\0';
	snprintf(ts, sizeof(ts), "%016" PRIx64, now);
	if (nonce_mac(s, ts, context, out + NONCE_TS_LEN))
		return -1;
	memcpy(out, ts, NONCE_TS_LEN);
	return 0;
}

enum hmmpd_nonce_state hmmpd_nonce_check(const struct hmmpd_digest_server *s,
					 const char *nonce, const char *context,
					 uint64_t now)
{
	char ts[NONCE_TS_LEN + 1], mac[2 * NONCE_MAC_LEN + 1];
	uint64_t t = 0;
	size_t i;

	if (!nonce || strlen(nonce) != HMMPD_NONCE_LEN)
		return HMMPD_NONCE_BAD;
	for (i = 0; i < NONCE_TS_LEN; i++) {
		char c = nonce[i];

		if (c >= '0' && c <= '9')
			t = t << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			t = t << 4 | (uint64_t)(c - 'a' + 10);
		else
			return HMMPD_NONCE_BAD;
		ts[i] = c;
	}
	ts[NONCE_TS_LEN] = '\0';
	if (nonce_mac(s, ts, context, mac) ||
	    CRYPTO_memcmp(mac, nonce + NONCE_TS_LEN, 2 * NONCE_MAC_LEN))
		return HMMPD_NONCE_BAD;
	if (t > now)
		return HMMPD_NONCE_BAD;
	if (now - t > s->nonce_lifetime)
		return HMMPD_NONCE_STALE;
	return HMMPD_NONCE_OK;
}

/* --- builders ------------------------------------------------------------- */

struct out {
	char *buf;
	size_t size, len;
	bool bad;
};

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* A quoted string, '"' and '\' escaped; a control character spoils o. */
static void out_quoted(struct out *o, const char *s)
{
	out_printf(o, "\"");
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			o->bad = true;
		out_printf(o, "%s%c", c == '"' || c == '\\' ? "\\" : "", c);
	}
	if (!s)
		o->bad = true;
	out_printf(o, "\"");
}

static int out_end(struct out *o)
{
	if (o->bad) {
		if (o->size)
			o->buf[0] = '\0';
		return -1;
	}
	return (int)o->len;
}

int hmmpd_digest_challenge(const struct hmmpd_digest_server *s,
			   enum hmmpd_digest_alg alg, const char *nonce,
			   bool stale, char *buf, size_t size)
{
	struct out o = { buf, size, 0, false };

	if (size)
		buf[0] = '\0';
	if (!hmmpd_digest_alg_name(alg) || !(s->algs & HMMPD_ALG_BIT(alg)))
		return -1;
	out_printf(&o, "Digest realm=");
	out_quoted(&o, s->realm);
	out_printf(&o, ", nonce=");
	out_quoted(&o, nonce);
	if (s->opaque) {
		out_printf(&o, ", opaque=");
		out_quoted(&o, s->opaque);
	}
	out_printf(&o, ", algorithm=%s, qop=\"auth\"%s",
		   hmmpd_digest_alg_name(alg), stale ? ", stale=true" : "");
	return out_end(&o);
}

int hmmpd_digest_authorization(const struct hmmpd_digest_chal *ch,
			       const char *username, const char *password,
			       const char *method, const char *uri,
			       const char *cnonce, uint32_t nc,
			       char *buf, size_t size)
{
	struct hmmpd_digest_in in = {
		.alg = ch->alg, .username = username, .realm = ch->realm,
		.password = password, .method = method, .uri = uri,
		.nonce = ch->nonce,
	};
	struct out o = { buf, size, 0, false };
	char resp[HMMPD_DIGEST_HEX_MAX], ncs[9];

	if (size)
		buf[0] = '\0';
	snprintf(ncs, sizeof(ncs), "%08" PRIx32, nc);
	if (ch->qop_auth) {
		if (!cnonce || !*cnonce || !nc)
			return -1;
		in.qop = "auth";
		in.cnonce = cnonce;
		in.nc = ncs;
	}
	if (hmmpd_digest_response(&in, resp))
		return -1;
	out_printf(&o, "Digest username=");
	out_quoted(&o, username);
	out_printf(&o, ", realm=");
	out_quoted(&o, ch->realm);
	out_printf(&o, ", nonce=");
	out_quoted(&o, ch->nonce);
	out_printf(&o, ", uri=");
	out_quoted(&o, uri);
	out_printf(&o, ", response=\"%s\", algorithm=%s", resp,
		   hmmpd_digest_alg_name(ch->alg));
	if (ch->qop_auth) {
		out_printf(&o, ", cnonce=");
		out_quoted(&o, cnonce);
		out_printf(&o, ", nc=%s, qop=auth", ncs);
	}
	if (ch->opaque) {
		out_printf(&o, ", opaque=");
		out_quoted(&o, ch->opaque);
	}
	return out_end(&o);
}

/* --- server and client judgements ----------------------------------------- */

enum hmmpd_auth_result hmmpd_digest_verify(const struct hmmpd_digest_server *s,
					   const struct hmmpd_digest_cred *c,
					   const char *method,
					   const char *request_uri,
					   const char *password,
					   const char *context, uint64_t now,
					   const char **why)
{
	struct hmmpd_digest_in in = {
		.alg = c->alg, .username = c->username, .realm = c->realm,
		.password = password, .method = method, .uri = c->uri,
		.nonce = c->nonce, .qop = c->qop, .cnonce = c->cnonce,
		.nc = c->nc,
	};
	char want[HMMPD_DIGEST_HEX_MAX], got[HMMPD_DIGEST_HEX_MAX];
	enum hmmpd_nonce_state ns;
	size_t i, n;

	if (!c->realm || !s->realm || strcmp(c->realm, s->realm)) {
		*why = "wrong realm";
		return HMMPD_AUTH_DENIED;
	}
	if (!(s->algs & HMMPD_ALG_BIT(c->alg))) {
		*why = "algorithm not accepted";
		return HMMPD_AUTH_DENIED;
	}
	if (!c->qop) {
		*why = "qop=auth required";
		return HMMPD_AUTH_DENIED;
	}
	if (s->opaque && (!c->opaque || strcmp(c->opaque, s->opaque))) {
		*why = "wrong opaque";
		return HMMPD_AUTH_DENIED;
	}
	if (request_uri && (!c->uri || strcmp(c->uri, request_uri))) {
		*why = "uri is not the Request-URI";
		return HMMPD_AUTH_DENIED;
	}
	ns = hmmpd_nonce_check(s, c->nonce, context, now);
	if (ns == HMMPD_NONCE_BAD) {
		*why = "nonce not ours";
		return HMMPD_AUTH_BAD_NONCE;
	}
	n = c->response ? strlen(c->response) : 0;
	if (!password || n >= sizeof(got) || hmmpd_digest_response(&in, want)) {
		*why = "cannot compute the response";
		return HMMPD_AUTH_DENIED;
	}
	for (i = 0; i < n; i++)
		got[i] = (char)tolower((unsigned char)c->response[i]);
	got[n] = '\0';
	if (n != strlen(want) || CRYPTO_memcmp(got, want, n)) {
		*why = "wrong response";
		return HMMPD_AUTH_DENIED;
	}
	if (ns == HMMPD_NONCE_STALE) {
		*why = "nonce expired";
		return HMMPD_AUTH_STALE;
	}
	*why = NULL;
	return HMMPD_AUTH_OK;
}

int hmmpd_digest_chal_parse(const struct hmmpd_auth_params *p,
			    struct hmmpd_digest_chal *c, const char **why)
{
	const char *v;

	memset(c, 0, sizeof(*c));
	if (strcasecmp(p->scheme, "Digest")) {
		*why = "not a Digest challenge";
		return -1;
	}
	c->realm = hmmpd_auth_get(p, "realm");
	c->nonce = hmmpd_auth_get(p, "nonce");
	c->opaque = hmmpd_auth_get(p, "opaque");
	if (!c->realm) {
		*why = "challenge without realm";
		return -1;
	}
	if (!c->nonce || !*c->nonce) {
		*why = "challenge without nonce";
		return -1;
	}
	c->alg = HMMPD_ALG_MD5;
	v = hmmpd_auth_get(p, "algorithm");
	if (v && hmmpd_digest_alg_parse(v, &c->alg)) {
		*why = "unknown algorithm";
		return -1;
	}
	v = hmmpd_auth_get(p, "qop");
	if (v) {
		/* a comma-separated list of tokens */
		while (*v) {
			size_t n;

			while (*v == ' ' || *v == '\t' || *v == ',')
				v++;
			n = strcspn(v, " \t,");
			if (n == 4 && !strncasecmp(v, "auth", 4))
				c->qop_auth = true;
			v += n;
		}
		if (!c->qop_auth) {
			*why = "qop without auth";
			return -1;
		}
	} else if (alg_sess(c->alg)) {
		*why = "a -sess algorithm without qop";
		return -1;
	}
	v = hmmpd_auth_get(p, "stale");
	c->stale = v && !strcasecmp(v, "true");
	return 0;
}

/* --- secrets file --------------------------------------------------------- */

static void secrets_wipe(struct hmmpd_secrets *s)
{
	if (s->v)
		OPENSSL_cleanse(s->v, s->n * sizeof(*s->v));
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void hmmpd_secrets_free(struct hmmpd_secrets *s)
{
	secrets_wipe(s);
}

const struct hmmpd_secret *hmmpd_secrets_peer(const struct hmmpd_secrets *s,
					      const char *peer)
{
	unsigned int i;

	for (i = 0; peer && i < s->n; i++) {
		if (!strcmp(s->v[i].peer, peer))
			return &s->v[i];
	}
	return NULL;
}

const struct hmmpd_secret *hmmpd_secrets_user(const struct hmmpd_secrets *s,
					      const char *user,
					      const struct hmmpd_secret *prev)
{
	unsigned int i = prev ? (unsigned int)(prev - s->v) + 1 : 0;

	for (; user && i < s->n; i++) {
		if (!strcmp(s->v[i].user, user))
			return &s->v[i];
	}
	return NULL;
}

static bool peer_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

#define SECRET_LINE_MAX	512

/* One line without its end. 0 (entry or nothing in *e), or -1 and *why. */
static int secret_line(char *line, struct hmmpd_secret *e, bool *entry,
		       const char **why)
{
	char *p = line, *w;
	size_t n, i;

	*entry = false;
	for (i = 0; line[i]; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c != '\t' && (c < 0x20 || c > 0x7e)) {
			*why = "invalid character";
			return -1;
		}
	}
	if (i > SECRET_LINE_MAX) {
		*why = "line too long";
		return -1;
	}
	while (i > 0 && is_wsp(line[i - 1]))
		line[--i] = '\0';
	while (is_wsp(*p))
		p++;
	if (!*p || *p == '#')
		return 0;
	memset(e, 0, sizeof(*e));
	/* peer */
	for (w = p; *p && !is_wsp(*p); p++) {
		if (!peer_char(*p)) {
			*why = "bad peer name (letters, digits, '.', '_', '-')";
			return -1;
		}
	}
	n = (size_t)(p - w);
	if (n > HMMPD_SECRET_MAX_PEER) {
		*why = "peer name longer than 32 characters";
		return -1;
	}
	memcpy(e->peer, w, n);
	while (is_wsp(*p))
		p++;
	/* user */
	for (w = p; *p && !is_wsp(*p); p++)
		;
	n = (size_t)(p - w);
	while (is_wsp(*p))
		p++;
	if (!n || !*p) {
		*why = "expected 'peer user password'";
		return -1;
	}
	if (n > HMMPD_SECRET_MAX_USER) {
		*why = "user name longer than 64 characters";
		return -1;
	}
	memcpy(e->user, w, n);
	/* password: the rest of the line */
	n = strlen(p);
	if (n > HMMPD_SECRET_MAX_PASS) {
		*why = "password longer than 128 characters";
		return -1;
	}
	memcpy(e->pass, p, n);
	*entry = true;
	return 0;
}

int hmmpd_secrets_load(const char *path, struct hmmpd_secrets *s,
		       char *err, size_t errlen)
{
	struct hmmpd_secret e;
	unsigned int lineno = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	struct stat st;
	ssize_t len;
	FILE *f;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open the secrets file: %s",
			 path, strerror(errno));
		return -1;
	}
	/* on the open file: no race with a chmod in between */
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: the secrets file is not a regular file",
			 path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXO)) {
		snprintf(err, errlen,
			 "%s: the secrets file is accessible to others (mode %04o); refusing it: run 'chmod o-rwx %s'",
			 path, (unsigned int)(st.st_mode & 07777), path);
		close(fd);
		return -1;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((len = getline(&line, &lcap, f)) >= 0) {
		const char *why = NULL;
		bool entry;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (strlen(line) != (size_t)len)
			why = "invalid character";
		else if (secret_line(line, &e, &entry, &why) || !entry)
			;
		else if (hmmpd_secrets_peer(s, e.peer))
			why = "peer given twice";
		else if (s->n >= HMMPD_SECRETS_MAX)
			why = "more than 1024 secrets";
		if (why) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			goto fail;
		}
		if (!entry)
			continue;
		if (s->n == cap) {
			unsigned int ncap = cap ? cap * 2 : 8;
			struct hmmpd_secret *v = calloc(ncap, sizeof(*v));

			if (!v) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			if (s->v)
				memcpy(v, s->v, s->n * sizeof(*v));
			/* wipe the old copy rather than realloc leaving it */
			if (s->v)
				OPENSSL_cleanse(s->v, s->n * sizeof(*v));
			free(s->v);
			s->v = v;
			cap = ncap;
		}
		s->v[s->n++] = e;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	OPENSSL_cleanse(&e, sizeof(e));
	if (line)
		OPENSSL_cleanse(line, lcap);
	free(line);
	fclose(f);
	return 0;
fail:
	OPENSSL_cleanse(&e, sizeof(e));
	if (line)
		OPENSSL_cleanse(line, lcap);
	free(line);
	fclose(f);
	secrets_wipe(s);
	return -1;
}
