// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP: where a peer that did not answer is now (seed 002 5.2).
 * When an association's ASCONF goes unacknowledged (both ends moved at
 * once), the registrar is asked for the peer's binding with a REGISTER
 * that only fetches, answering a digest challenge with the registrar's
 * [peer] credentials, and the address it has is logged and told on the
 * application's channel ("event relocated").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>

#include "core/config.h"
#include "core/daemon.h"
#include "core/log.h"
#include "msctp.h"
#include "msctp-int.h"
#include "sip/auth.h"
#include "sip/sip.h"
#include "util.h"

struct locate {
	struct locate *next;
	struct hmmpd_msctp *ms;
	unsigned int id;		/* of the association */
	bool answered;			/* a challenge was answered */
	char aor[HMMPD_URI_MAX];
};

void msctp_locate_free(struct locate *l)
{
	struct locate **pp;

	for (pp = &l->ms->locates; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	free(l);
}

/* The registrar's [peer]: the one whose uri is the registrar's. */
static const struct hmmpd_secret *registrar_secret(struct hmmpd *d)
{
	const struct hmmpd_conf *c = d->conf;
	unsigned int i;

	for (i = 0; i < c->npeers; i++)
		if (!strcmp(c->peers[i].uri, c->registrar))
			return hmmpd_secrets_peer(&d->secrets, c->peers[i].name);
	return NULL;
}

/* The first numeric IPv4 host of the Contact values of a 200. */
uint32_t hmmpd_sctp_contact_addr(const char *contact)
{
	const char *p = strstr(contact, "sip:");
	char host[HMMP_ADDRSTRLEN];
	uint32_t a;
	size_t n;

	if (!p)
		return 0;
	p += 4;
	if (strchr(p, '@') && strchr(p, '@') < p + strcspn(p, ">;"))
		p = strchr(p, '@') + 1;
	n = strcspn(p, ":;>");
	if (!n || n >= sizeof(host))
		return 0;
	memcpy(host, p, n);
	host[n] = '\0';
	return hmmp_addr_parse(host, &a) ? 0 : a;
}

static void on_locate(struct sip *sip, int status, const osip_message_t *resp,
		      const osip_message_t *req, void *data)
{
	struct locate *l = data;
	struct hmmpd_msctp *ms = l->ms;
	struct hmmpd *d = ms->d;
	struct assoc *a = msctp_assoc_by_id(ms, l->id);
	char ip[HMMP_ADDRSTRLEN], *v = NULL;
	uint32_t addr = 0;
	int i;

	if ((status == 401 || status == 407) && !l->answered) {
		const struct hmmpd_secret *sec = registrar_secret(d);
		char *chal[4], *uri = NULL, hdr[2048], cnonce[17];
		const char *why = NULL;
		unsigned int n = 0, k;
		uint8_t rnd[8];
		int r = -1;

		while (n < 4 && !sip_header(resp, status == 401 ? "WWW-Authenticate" :
					    "Proxy-Authenticate", (int)n, &chal[n]))
			n++;
		if (sec && getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd) &&
		    !osip_uri_to_str(req->req_uri, &uri)) {
			for (k = 0; k < sizeof(rnd); k++)
				snprintf(cnonce + 2 * k, 3, "%02x", rnd[k]);
			r = hmmpd_auth_answer((const char *const *)chal, n,
					      status == 401 ? "Authorization" :
					      "Proxy-Authorization", sec->user,
					      sec->pass, req->sip_method, uri, cnonce,
					      hdr, sizeof(hdr), &why);
			if (r >= 0 && (size_t)r < sizeof(hdr))
				r = sip_send_retry(sip, req, hdr, on_locate, l);
			else
				r = -1;
		}
		osip_free(uri);
		for (k = 0; k < n; k++)
			free(chal[k]);
		if (!r) {
			l->answered = true;
			return;
		}
		hmmpd_log(LOG_ERR, "sctp: locating %s: %d from the registrar and no credentials for it (%s)",
			  l->aor, status, sec ? (why ? why : "cannot answer") :
			  "no [peer] with the registrar's uri, or no line for it in the secrets file");
		goto out;
	}
	if (status != 200) {
		hmmpd_log(LOG_ERR, "sctp: locating %s: the registrar answered %d", l->aor,
			  status);
		goto out;
	}
	for (i = 0; !addr && !sip_header(resp, "Contact", i, &v); i++) {
		addr = hmmpd_sctp_contact_addr(v);
		free(v);
	}
	if (!addr) {
		hmmpd_log(LOG_ERR, "sctp: locating %s: the registrar has no address for it",
			  l->aor);
		goto out;
	}
	hmmpd_log(LOG_NOTICE, "sctp: the registrar has %s at %s: association %u can be opened again there",
		  l->aor, ip_s(addr, ip), l->id);
	if (a)
		msctp_tell(a, "event relocated id=%u aor=%s addr=%s", a->id, l->aor, ip);
out:
	msctp_locate_free(l);
}

/* Ask the registrar where the peer of a is now (a REGISTER that only
 * fetches: its one Contact, expires=0, is a binding that never was). */
void msctp_locate(struct assoc *a)
{
	struct hmmpd_msctp *ms = a->ms;
	struct hmmpd *d = ms->d;
	const struct hmmpd_peer *p = NULL;
	struct sip_request rq = { .method = "REGISTER" };
	char to[HMMPD_URI_MAX + 2];
	struct locate *l;
	unsigned int i;
	int r;

	if (!d->conf->registrar[0] || !d->sip)
		return;
	for (i = 0; !p && i < a->npeer; i++)
		p = hmmpd_conf_peer_by_addr(d->conf, a->peer[i]);
	if (!p) {
		hmmpd_log(LOG_INFO, "sctp: association %u: no [peer] has its peer's address: nothing to ask the registrar",
			  a->id);
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return;
	l->ms = ms;
	l->id = a->id;
	snprintf(l->aor, sizeof(l->aor), "%s", p->uri);
	snprintf(to, sizeof(to), "<%s>", p->uri);
	rq.uri = d->conf->registrar;
	rq.to = to;
	rq.headers = "Contact: <sip:hmmpd-locate@invalid>;expires=0";
	r = sip_send_request(d->sip, &rq, on_locate, l);
	if (r) {
		hmmpd_log(LOG_ERR, "sctp: locating %s: cannot ask %s: %s", l->aor,
			  rq.uri, strerror(-r));
		free(l);
		return;
	}
	l->next = ms->locates;
	ms->locates = l;
	hmmpd_log(LOG_INFO, "sctp: association %u: asking the registrar %s where %s is now",
		  a->id, rq.uri, l->aor);
}
