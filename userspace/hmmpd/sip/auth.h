/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: judging the digest credentials of a received request against the
 * secrets file (server side of RFC 3261 section 22 / RFC 7616, on top of
 * digest.h), and the nonce-count table that refuses a replayed request.
 * Pure: the caller gives the time, the request's fields and the secrets.
 *
 * The nonce is bound to the request's source address (the context), so
 * credentials only count when they answer a challenge that was sent to
 * where the request comes from.
 */
#ifndef HMMPD_AUTH_H
#define HMMPD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"

#define HMMPD_NC_SLOTS		256
#define HMMPD_AUTH_MAX_PEERS	16	/* secret lines one user may match */
#define HMMPD_AUTH_MAX_AUTHZ	8	/* Authorization headers looked at */

/*
 * The highest nonce count seen per nonce, while the nonce is fresh. A full
 * table forgets the entry nearest to its end (that nonce could then be
 * replayed with a count already used: only by someone who has the
 * password's digest of it, within its lifetime).
 */
struct hmmpd_nc_entry {
	char nonce[HMMPD_NONCE_LEN + 1];
	uint32_t nc;
	uint64_t until;
};

struct hmmpd_nc {
	struct hmmpd_nc_entry e[HMMPD_NC_SLOTS];
};

/*
 * Records nc for nonce (fresh until now + lifetime): 0 when nc is higher
 * than every count seen with this nonce, -1 for a replay (nothing changed).
 */
int hmmpd_nc_use(struct hmmpd_nc *t, const char *nonce, uint32_t nc,
		 uint64_t now, uint64_t lifetime);

struct hmmpd_auth_in {
	const char *method;		/* of the request */
	const char *request_uri;	/* its Request-URI, as a string */
	const char *context;		/* its source address, as a string */
	const char *const *authz;	/* its Authorization values */
	unsigned int nauthz;
	uint64_t now;			/* seconds, CLOCK_BOOTTIME */
};

enum hmmpd_auth_verdict {
	HMMPD_AUTH_PASS,		/* credentials right */
	HMMPD_AUTH_CHALLENGE,		/* answer 401 (stale: stale=true) */
};

struct hmmpd_auth_out {
	enum hmmpd_auth_verdict verdict;
	bool stale;
	const char *why;		/* for the log, fixed text */
	char user[HMMPD_SECRET_MAX_USER + 1];
	/* PASS: the secret lines of user whose password gave the response */
	const struct hmmpd_secret *peers[HMMPD_AUTH_MAX_PEERS];
	unsigned int npeers;
};

/*
 * Judge a request. Credentials for another realm or an algorithm srv does
 * not accept are skipped; the first Digest credentials for our realm
 * decide: PASS when a secret line of its user verifies and the nonce count
 * is new; otherwise CHALLENGE with why (no credentials, unknown user,
 * wrong response, stale or foreign nonce, replay).
 */
void hmmpd_auth_judge(const struct hmmpd_digest_server *srv,
		      const struct hmmpd_secrets *sec, struct hmmpd_nc *nc,
		      const struct hmmpd_auth_in *in,
		      struct hmmpd_auth_out *out);

/*
 * The WWW-Authenticate header lines of a 401: one challenge per algorithm
 * of algs (in order, those srv accepts), all with one fresh nonce bound to
 * context, separated by CRLF. Returns the length like snprintf, or -1.
 */
int hmmpd_auth_challenge(const struct hmmpd_digest_server *srv,
			 const enum hmmpd_digest_alg *algs, unsigned int nalgs,
			 uint64_t now, const char *context, bool stale,
			 char *buf, size_t size);

/*
 * Client side: an Authorization (or Proxy-Authorization, by name) header
 * line answering the first challenge among chal[] whose algorithm is
 * known, for method and uri. cnonce: the caller's random text. Returns
 * the length like snprintf, or -1 with *why.
 */
int hmmpd_auth_answer(const char *const *chal, unsigned int nchal,
		      const char *name, const char *user, const char *pass,
		      const char *method, const char *uri, const char *cnonce,
		      char *buf, size_t size, const char **why);

#endif /* HMMPD_AUTH_H */
