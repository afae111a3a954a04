// SPDX-License-Identifier: GPL-2.0
/* hmmpd: judging digest credentials, and answering challenges (auth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"

int hmmpd_nc_use(struct hmmpd_nc *t, const char *nonce, uint32_t nc,
		 uint64_t now, uint64_t lifetime)
{
	struct hmmpd_nc_entry *e, *free_slot = NULL, *oldest = NULL;
	unsigned int i;

	if (!nonce || strlen(nonce) > HMMPD_NONCE_LEN)
		return -1;
	for (i = 0; i < HMMPD_NC_SLOTS; i++) {
		e = &t->e[i];
		if (!e->nonce[0] || e->until <= now) {
			if (!free_slot)
				free_slot = e;
			continue;
		}
		if (!strcmp(e->nonce, nonce)) {
			if (nc <= e->nc)
				return -1;
			e->nc = nc;
			return 0;
		}
		if (!oldest || e->until < oldest->until)
			oldest = e;
	}
	e = free_slot ? free_slot : oldest;
	snprintf(e->nonce, sizeof(e->nonce), "%s", nonce);
	e->nc = nc;
	e->until = now + lifetime;
	return 0;
}

static void challenge(struct hmmpd_auth_out *out, const char *why, bool stale)
{
	out->verdict = HMMPD_AUTH_CHALLENGE;
	out->why = why;
	out->stale = stale;
	out->npeers = 0;
}

void hmmpd_auth_judge(const struct hmmpd_digest_server *srv,
		      const struct hmmpd_secrets *sec, struct hmmpd_nc *nc,
		      const struct hmmpd_auth_in *in,
		      struct hmmpd_auth_out *out)
{
	struct hmmpd_auth_params p;
	struct hmmpd_digest_cred c;
	const struct hmmpd_secret *s = NULL;
	const char *why = "no credentials", *w;
	bool stale = false, known = false;
	unsigned int i;
	uint32_t count;
	char *end;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < in->nauthz; i++) {
		if (hmmpd_auth_parse(in->authz[i], strlen(in->authz[i]), &p, &w) ||
		    hmmpd_digest_cred_parse(&p, &c, &w)) {
			why = "malformed credentials";
			continue;
		}
		if (strcmp(c.realm, srv->realm)) {
			why = "credentials for another realm";
			continue;
		}
		if (!(srv->algs & HMMPD_ALG_BIT(c.alg))) {
			why = "algorithm not accepted";
			continue;
		}
		break;
	}
	if (i == in->nauthz) {
		challenge(out, why, false);
		return;
	}
	snprintf(out->user, sizeof(out->user), "%s", c.username);
	why = "unknown user";
	while ((s = hmmpd_secrets_user(sec, c.username, s))) {
		enum hmmpd_auth_result r;

		known = true;
		r = hmmpd_digest_verify(srv, &c, in->method, in->request_uri,
					s->pass, in->context, in->now, &w);
		if (r == HMMPD_AUTH_OK) {
			if (out->npeers < HMMPD_AUTH_MAX_PEERS)
				out->peers[out->npeers++] = s;
			continue;
		}
		if (r == HMMPD_AUTH_STALE)
			stale = true;
		if (r == HMMPD_AUTH_BAD_NONCE) {
			challenge(out, "nonce not ours (another source or key)", false);
			return;
		}
		why = w;
	}
	if (!out->npeers) {
		if (stale)
			challenge(out, "nonce expired", true);
		else
			challenge(out, known ? why : "unknown user", false);
		return;
	}
	count = (uint32_t)strtoul(c.nc, &end, 16);
	if (*end || hmmpd_nc_use(nc, c.nonce, count, in->now,
				 srv->nonce_lifetime ? srv->nonce_lifetime : 1)) {
		challenge(out, "nonce count replayed", false);
		return;
	}
	out->verdict = HMMPD_AUTH_PASS;
	out->why = NULL;
}

int hmmpd_auth_challenge(const struct hmmpd_digest_server *srv,
			 const enum hmmpd_digest_alg *algs, unsigned int nalgs,
			 uint64_t now, const char *context, bool stale,
			 char *buf, size_t size)
{
	char nonce[HMMPD_NONCE_LEN + 1], ch[768];
	size_t len = 0;
	unsigned int i, n = 0;
	int r;

	if (size)
		buf[0] = '\0';
	if (hmmpd_nonce_make(srv, now, context, nonce))
		return -1;
	for (i = 0; i < nalgs; i++) {
		if (!(srv->algs & HMMPD_ALG_BIT(algs[i])))
			continue;
		r = hmmpd_digest_challenge(srv, algs[i], nonce, stale, ch,
					   sizeof(ch));
		if (r < 0 || (size_t)r >= sizeof(ch))
			return -1;
		r = snprintf(len < size ? buf + len : NULL,
			     len < size ? size - len : 0,
			     "%sWWW-Authenticate: %s", n ? "\r\n" : "", ch);
		if (r < 0)
			return -1;
		len += (size_t)r;
		n++;
	}
	if (size && len >= size)
		buf[size - 1] = '\0';
	return n ? (int)len : -1;
}

int hmmpd_auth_answer(const char *const *chal, unsigned int nchal,
		      const char *name, const char *user, const char *pass,
		      const char *method, const char *uri, const char *cnonce,
		      char *buf, size_t size, const char **why)
{
	struct hmmpd_auth_params p;
	struct hmmpd_digest_chal ch;
	char val[1024];
	unsigned int i;
	const char *w = "no challenge";
	int r;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < nchal; i++) {
		if (hmmpd_auth_parse(chal[i], strlen(chal[i]), &p, &w) ||
		    hmmpd_digest_chal_parse(&p, &ch, &w))
			continue;
		r = hmmpd_digest_authorization(&ch, user, pass, method, uri,
					       cnonce, 1, val, sizeof(val));
		if (r < 0 || (size_t)r >= sizeof(val)) {
			w = "cannot compute the credentials";
			continue;
		}
		return snprintf(buf, size, "%s: %s", name, val);
	}
	*why = w;
	return -1;
}
