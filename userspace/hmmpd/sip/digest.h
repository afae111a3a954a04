/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: SIP digest authentication, RFC 3261 section 22 with the
 * algorithms of RFC 7616: MD5, MD5-sess, SHA-256, SHA-256-sess; qop=auth
 * (auth-int is refused). Hashes and MACs come from OpenSSL 3's libcrypto
 * (EVP). Pure code: the caller gives the time, the key and the secrets.
 *
 * Server side: hmmpd_nonce_make() and hmmpd_digest_challenge() build a
 * WWW-Authenticate value; hmmpd_auth_parse() and hmmpd_digest_cred_parse()
 * read an Authorization value; hmmpd_digest_verify() judges it.
 * Client side: hmmpd_digest_chal_parse() reads a challenge and
 * hmmpd_digest_authorization() answers it.
 *
 * Nonces are stateless: "<16 hex digits of the time><32 hex digits of
 * HMAC-SHA-256(key, time ':' realm ':' context)>". The context (hmmpd uses
 * the request's source address) ties a nonce to where the challenge went.
 * Replay of a nonce within its lifetime (nc tracking) is the caller's.
 */
#ifndef HMMPD_DIGEST_H
#define HMMPD_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hmmpd_digest_alg {
	HMMPD_ALG_MD5,
	HMMPD_ALG_MD5_SESS,
	HMMPD_ALG_SHA256,
	HMMPD_ALG_SHA256_SESS,
	__HMMPD_ALG_MAX,
};
#define HMMPD_ALG_BIT(a)	(1u << (a))

#define HMMPD_DIGEST_HEX_MAX	65	/* SHA-256 in hex, and a NUL */
#define HMMPD_NONCE_LEN		48
#define HMMPD_NONCE_KEY_MIN	16	/* bytes */

/* "MD5", "MD5-sess", "SHA-256", "SHA-256-sess": NULL for another value. */
const char *hmmpd_digest_alg_name(unsigned int alg);
/* Case-insensitive. 0, or -1 (unknown, SHA-512-256 included). */
int hmmpd_digest_alg_parse(const char *s, enum hmmpd_digest_alg *out);

/* What a response is computed from; qop NULL is RFC 2069's old form. */
struct hmmpd_digest_in {
	enum hmmpd_digest_alg alg;
	const char *username, *realm, *password;
	const char *method, *uri, *nonce;
	const char *qop, *cnonce, *nc;	/* qop "auth" or NULL */
};

/* The request-digest in lower-case hex. 0, or -1 (bad input, libcrypto). */
int hmmpd_digest_response(const struct hmmpd_digest_in *in,
			  char out[HMMPD_DIGEST_HEX_MAX]);

/* --- header parameter lists ----------------------------------------------- */

#define HMMPD_AUTH_MAX_PARAMS	24
#define HMMPD_AUTH_MAX_NAME	32
#define HMMPD_AUTH_MAX_VALUE	256

struct hmmpd_auth_param {
	char name[HMMPD_AUTH_MAX_NAME];		/* lower case */
	char value[HMMPD_AUTH_MAX_VALUE];	/* unquoted, unescaped */
	bool quoted;
};

struct hmmpd_auth_params {
	char scheme[HMMPD_AUTH_MAX_NAME];	/* as sent */
	unsigned int n;
	struct hmmpd_auth_param p[HMMPD_AUTH_MAX_PARAMS];
};

/*
 * One challenge or credentials (RFC 7235 section 2.1, RFC 3261 section
 * 25.1): scheme 1*SP param *( "," param ), param = token "=" ( token /
 * quoted-string ), optional white space (SIP line folding included) around
 * "=" and ",", empty list elements allowed. Refused with *why: a missing
 * scheme or parameter, a value or name too long, more than
 * HMMPD_AUTH_MAX_PARAMS, a parameter twice, an unterminated quoted string,
 * a control character or NUL, a second challenge in the same value, a
 * token68 form. s need not be NUL-terminated; len bytes are read at most.
 */
int hmmpd_auth_parse(const char *s, size_t len, struct hmmpd_auth_params *out,
		     const char **why);
/* The value of a parameter (name case-insensitive), or NULL. */
const char *hmmpd_auth_get(const struct hmmpd_auth_params *p, const char *name);

/* --- credentials (Authorization) ------------------------------------------ */

struct hmmpd_digest_cred {
	enum hmmpd_digest_alg alg;	/* MD5 when the header has none */
	const char *username, *realm, *nonce, *uri, *response;
	const char *qop, *cnonce, *nc, *opaque;	/* NULL when absent */
};

/*
 * The Digest credentials of an Authorization value parsed by
 * hmmpd_auth_parse(). Pointers go into p, which must outlive c. Refused
 * with *why: another scheme, username/realm/nonce/uri/response missing,
 * an unknown algorithm, qop other than auth, qop without cnonce and nc,
 * nc not 8 hex digits, a response of the wrong length or not hex,
 * username* or userhash=true (not supported).
 */
int hmmpd_digest_cred_parse(const struct hmmpd_auth_params *p,
			    struct hmmpd_digest_cred *c, const char **why);

/* --- server --------------------------------------------------------------- */

struct hmmpd_digest_server {
	const uint8_t *key;		/* nonce key, >= HMMPD_NONCE_KEY_MIN */
	size_t keylen;
	const char *realm;
	const char *opaque;		/* NULL: none sent, none checked */
	uint32_t nonce_lifetime;	/* seconds a nonce stays fresh */
	unsigned int algs;		/* HMMPD_ALG_BIT()s accepted */
};

enum hmmpd_nonce_state {
	HMMPD_NONCE_OK,
	HMMPD_NONCE_STALE,		/* ours, but older than its lifetime */
	HMMPD_NONCE_BAD,		/* not ours, another context, future */
};

/* now: seconds on a clock that never goes back (CLOCK_BOOTTIME). */
int hmmpd_nonce_make(const struct hmmpd_digest_server *s, uint64_t now,
		     const char *context, char out[HMMPD_NONCE_LEN + 1]);
enum hmmpd_nonce_state hmmpd_nonce_check(const struct hmmpd_digest_server *s,
					 const char *nonce, const char *context,
					 uint64_t now);

/*
 * A WWW-Authenticate value: Digest realm="...", nonce="...",
 * [opaque="...",] algorithm=..., qop="auth"[, stale=true]. Returns the
 * length needed like snprintf, or -1 (an algorithm not in s->algs, a
 * realm/nonce/opaque with a control character).
 */
int hmmpd_digest_challenge(const struct hmmpd_digest_server *s,
			   enum hmmpd_digest_alg alg, const char *nonce,
			   bool stale, char *buf, size_t size);

enum hmmpd_auth_result {
	HMMPD_AUTH_OK,
	HMMPD_AUTH_STALE,	/* right password, old nonce: stale=true */
	HMMPD_AUTH_BAD_NONCE,	/* challenge again */
	HMMPD_AUTH_DENIED,	/* wrong response, realm, uri or opaque */
};

/*
 * Judge credentials against the password of their user. method is the
 * request's; request_uri, when not NULL, must equal the uri parameter
 * (RFC 3261 section 22.4 asks for the Request-URI). context is the one
 * the nonce was made with. *why says what failed.
 */
enum hmmpd_auth_result hmmpd_digest_verify(const struct hmmpd_digest_server *s,
					   const struct hmmpd_digest_cred *c,
					   const char *method,
					   const char *request_uri,
					   const char *password,
					   const char *context, uint64_t now,
					   const char **why);

/* --- client --------------------------------------------------------------- */

struct hmmpd_digest_chal {
	enum hmmpd_digest_alg alg;
	const char *realm, *nonce, *opaque;	/* opaque NULL when absent */
	bool qop_auth;		/* qop offered and includes auth */
	bool stale;
};

/*
 * A Digest challenge of a WWW-Authenticate value. Refused with *why:
 * another scheme, no realm or nonce, an unknown algorithm, a qop list
 * without auth.
 */
int hmmpd_digest_chal_parse(const struct hmmpd_auth_params *p,
			    struct hmmpd_digest_chal *c, const char **why);

/*
 * An Authorization value answering ch: Digest username="...",
 * realm="...", nonce="...", uri="...", response="...", algorithm=...,
 * [cnonce="...", nc=XXXXXXXX, qop=auth,] [opaque="..."]. cnonce is the
 * caller's random string (needed when ch->qop_auth). Returns the length
 * needed like snprintf, or -1.
 */
int hmmpd_digest_authorization(const struct hmmpd_digest_chal *ch,
			       const char *username, const char *password,
			       const char *method, const char *uri,
			       const char *cnonce, uint32_t nc,
			       char *buf, size_t size);

/* --- secrets file --------------------------------------------------------- */

#define HMMPD_SECRET_MAX_PEER	32
#define HMMPD_SECRET_MAX_USER	64
#define HMMPD_SECRET_MAX_PASS	128
#define HMMPD_SECRETS_MAX	1024
#define HMMPD_ERR_MAX		512

struct hmmpd_secret {
	char peer[HMMPD_SECRET_MAX_PEER + 1];
	char user[HMMPD_SECRET_MAX_USER + 1];
	char pass[HMMPD_SECRET_MAX_PASS + 1];
};

struct hmmpd_secrets {
	unsigned int n;
	struct hmmpd_secret *v;		/* heap */
};

/*
 * Load "peer user password" lines (docs/hmmpd.conf.5, SECRETS FILE).
 * Refuses a file that is not a regular file or that others may read,
 * write or search (mode & 007), and any bad line, with "FILE:LINE:
 * reason" or "FILE: reason" in err. Returns 0 (s filled, free it with
 * hmmpd_secrets_free()), or -1 with s empty.
 */
int hmmpd_secrets_load(const char *path, struct hmmpd_secrets *s,
		       char *err, size_t errlen);
void hmmpd_secrets_free(struct hmmpd_secrets *s);	/* wipes them */
const struct hmmpd_secret *hmmpd_secrets_peer(const struct hmmpd_secrets *s,
					      const char *peer);
/* Entries of a user, one after another: prev NULL for the first. */
const struct hmmpd_secret *hmmpd_secrets_user(const struct hmmpd_secrets *s,
					      const char *user,
					      const struct hmmpd_secret *prev);

#endif /* HMMPD_DIGEST_H */
