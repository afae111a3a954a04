// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the correspondent and router roles, answering INFO: a feature
 * (correspondent.h) that takes every SIP request to this host.
 *
 * The order of the checks: digest authentication first (401: an
 * unauthenticated request learns nothing about its body), then the body
 * (400/413/415), then hmmp.ko being there (503), then the policy
 * (policy.h: 403), then the kernel operations; a kernel refusal undoes
 * what was done (500). Every refusal leaves the binding table as it was.
 * The 200 carries the answer body (sip/body.h): what was installed, so
 * that a mobile behind a NAT learns the encapsulation chosen and its
 * reflexive transport address. Other methods: OPTIONS is answered 200,
 * the rest 405.
 *
 * The router keeps the on-link claims (policy.h, struct hmmpd_claim) in
 * memory: a claim granted is recorded for its lifetime, replacing any
 * other of the same address; they are not kept across a restart (the
 * mobiles claim again at their refresh, docs/security.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <uapi/linux/hmmp.h>

#include "core/daemon.h"
#include "core/feature.h"
#include "core/kern.h"
#include "core/log.h"
#include "core/net.h"
#include "core/policy.h"
#include "correspondent.h"
#include "sip/auth.h"
#include "sip/body.h"
#include "sip/uri.h"
#include "util.h"

#define HDR_ALLOW	"Allow: INFO, OPTIONS"
#define HMMPD_UAS_MAX_VIAS	16	/* relayed requests: Vias looked at */

static void respond(struct hmmpd *d, const osip_message_t *req, int status,
		    const char *reason, const char *headers)
{
	int r = sip_respond(d->sip, req, status, reason, headers, NULL, NULL, 0);

	if (r)
		hmmpd_log(LOG_ERR, "sip: cannot answer %d: %s", status, strerror(-r));
}

/* The feature's state: the router's on-link claims. */
struct corr {
	struct hmmpd_claim *claims;	/* heap, at most HMMPD_CLAIMS_MAX */
	size_t nclaims, cap;
};

struct req_ctx {
	struct hmmpd *d;
	struct corr *c;
	const osip_message_t *req;
	char ip[HMMP_ADDRSTRLEN];	/* source address */
	/* of the nonce: "ip Call-ID", over UDP "ip:port Call-ID" */
	char ctx[HMMP_ADDRSTRLEN + 6 + 128];
	uint32_t src;
	uint16_t src_port;		/* over UDP, else 0 */
	uint32_t origin;		/* for the policy (hmmpd_uas_origin) */
	int relayed;			/* hmmpd_uas_origin()'s answer */
	struct hmmpd_auth_out auth;
	struct hmmpd_body body;
	struct hmmpd_conns conns;
	struct hmmpd_bindings binds;
	struct hmmpd_xlates xlates;	/* dumped when translations change */
	struct hmmpd_netstate net;
	struct hmmpd_policy pol;
};

static void ctx_free(struct req_ctx *x)
{
	hmmpd_body_free(&x->body);
	hmmpd_conns_free(&x->conns);
	hmmpd_bindings_free(&x->binds);
	hmmpd_xlates_free(&x->xlates);
	hmmpd_net_free(&x->net);
	hmmpd_policy_free(&x->pol);
}

static unsigned int alg_mask(const struct hmmpd_conf *c)
{
	unsigned int i, m = 0;

	for (i = 0; i < c->nalgs; i++)
		m |= HMMPD_ALG_BIT(c->algs[i]);
	return m;
}

/* 0 when the request is authenticated, else answered 401. */
static int authenticate(struct req_ctx *x)
{
	struct hmmpd *d = x->d;
	struct hmmpd_digest_server srv = {
		.key = d->nonce_key, .keylen = sizeof(d->nonce_key),
		.realm = d->conf->realm, .nonce_lifetime = d->conf->nonce_lifetime,
		.algs = alg_mask(d->conf),
	};
	char *authz[HMMPD_AUTH_MAX_AUTHZ], *ruri = NULL, hdr[2048];
	struct hmmpd_auth_in in = {
		.method = x->req->sip_method, .context = x->ctx,
		.authz = (const char *const *)authz, .now = hmmpd_now_s(),
	};
	unsigned int i;
	int ret = -1;

	while (in.nauthz < HMMPD_AUTH_MAX_AUTHZ &&
	       !sip_header(x->req, "Authorization", (int)in.nauthz,
			   &authz[in.nauthz]))
		in.nauthz++;
	/*
	 * Relayed (hmmpd_uas_origin): the registrar retargeted the
	 * Request-URI to our contact; the To URI is still what the sender
	 * addressed and put in its digest uri. The nonce stays bound to
	 * the source and Call-ID.
	 */
	if (osip_uri_to_str(x->relayed && x->req->to && x->req->to->url ?
			    x->req->to->url : x->req->req_uri, &ruri)) {
		respond(d, x->req, 500, "Out of memory", NULL);
		goto out;
	}
	in.request_uri = ruri;
	hmmpd_auth_judge(&srv, &d->secrets, d->nc, &in, &x->auth);
	if (x->auth.verdict == HMMPD_AUTH_PASS) {
		ret = 0;
		goto out;
	}
	if (hmmpd_auth_challenge(&srv, d->conf->algs, d->conf->nalgs, in.now,
				 x->ctx, x->auth.stale, hdr, sizeof(hdr)) < 0 ||
	    strlen(hdr) >= sizeof(hdr) - 1) {
		respond(d, x->req, 500, "Cannot build a challenge", NULL);
		goto out;
	}
	hmmpd_log(LOG_INFO, "info: 401 to %s (%s%s%s)", x->ip, x->auth.why,
		  x->auth.user[0] ? ", user " : "", x->auth.user);
	respond(d, x->req, 401, NULL, hdr);
out:
	for (i = 0; i < in.nauthz; i++)
		free(authz[i]);
	osip_free(ruri);
	return ret;
}

/* 0 when the body parsed, else answered 400/413/415/500. */
static int parse_body(struct req_ctx *x)
{
	struct hmmpd *d = x->d;
	/* A body that names no encapsulation (the seed's forms) comes from
	 * a sender that knows only the seed's: never udp for it, which it
	 * could not take out of UDP; auto and udp in the config mean ipip.
	 */
	struct hmmpd_body_defaults def = {
		.lifetime = d->conf->lifetime,
		.encap = d->conf->encap == HMMP_ENCAP_MINIMAL ? HMMP_ENCAP_MINIMAL
							      : HMMP_ENCAP_IPIP,
	};
	struct hmmpd_body_err err;
	osip_body_t *b = NULL;
	char *ctype = NULL, *exp = NULL;
	uint32_t v;
	int st;

	sip_header(x->req, "Content-Type", 0, &ctype);
	if (!sip_header(x->req, "Expires", 0, &exp) &&
	    !hmmp_u32_parse(exp, 0, UINT32_MAX, &v))
		def.lifetime = v;
	free(exp);
	osip_message_get_body(x->req, 0, &b);
	st = hmmpd_body_parse(ctype, b && b->body ? b->body : "",
			      b ? b->length : 0, &def, &x->body, &err);
	free(ctype);
	if (!st)
		return 0;
	hmmpd_log(LOG_INFO, "info: %d to %s (%s)", err.status, x->ip, err.reason);
	respond(d, x->req, err.status, err.reason,
		err.status == 415 ? "Accept: " HMMPD_BODY_ACCEPT : NULL);
	return -1;
}

/* What the policy needs from the kernel and the host. 0, or answered. */
static int gather(struct req_ctx *x)
{
	struct hmmpd *d = x->d;
	unsigned int i, k;
	bool all;
	int r;

	if (!hmmpd_kernel_up(d)) {
		hmmpd_log(LOG_WARNING, "info: 503 to %s (hmmp.ko not loaded)", x->ip);
		respond(d, x->req, 503, "hmmp.ko not loaded", "Retry-After: 5");
		return -1;
	}
	/*
	 * A Conn with an identity may name a record whose remote address is
	 * not the original (a NAT rewrote it): every record then.
	 */
	for (i = 0; i < x->body.nconn; i++)
		if (x->body.conn[i].flags & HMMPD_TCP_ISN)
			break;
	all = i < x->body.nconn;
	if (all && hmmpd_kern_conns(&d->cmd, 0, &x->conns))
		goto kernel;
	for (i = 0; i < x->body.nbind && !all; i++) {
		uint32_t orig = x->body.bind[i].orig;

		for (k = 0; k < i; k++)
			if (x->body.bind[k].orig == orig)
				break;
		if (k < i)
			continue;
		if (hmmpd_kern_conns(&d->cmd, orig, &x->conns))
			goto kernel;
	}
	if (hmmpd_kern_bindings(&d->cmd, &x->binds))
		goto kernel;
	r = hmmpd_net_read(d->rt, &x->net);
	if (r) {
		hmmpd_log(LOG_ERR, "info: 500 to %s: cannot read the addresses: %s",
			  x->ip, nl_geterror(r));
		respond(d, x->req, 500, "Cannot read the addresses", NULL);
		return -1;
	}
	return 0;
kernel:
	hmmpd_log(LOG_ERR, "info: 500 to %s: kernel: %s", x->ip, d->cmd.msg);
	hmmpd_cmd_failed(d);
	respond(d, x->req, 500, "Kernel request failed", NULL);
	return -1;
}

static const struct hmmp_binding *find_binding(const struct hmmpd_bindings *t,
					       const struct hmmp_binding *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].orig == key->orig && t->v[i].peer == key->peer &&
		    t->v[i].kind == key->kind)
			return &t->v[i];
	return NULL;
}

static void log_binding(const char *what, const struct hmmp_binding *b,
			unsigned int nconn)
{
	char o[HMMP_ADDRSTRLEN], c[HMMP_ADDRSTRLEN], p[HMMP_ADDRSTRLEN], port[8];

	port[0] = '\0';
	if (HMMP_HAVE(b, HMMP_BIND_A_PORT))
		snprintf(port, sizeof(port), ":%u", b->port);
	hmmpd_log(LOG_INFO, "binding: %s %s -> %s%s kind %s peer %s encap %s lifetime %u s (%u connections)",
		  what, hmmp_addr_format(b->orig, o), hmmp_addr_format(b->coa, c),
		  port, hmmp_kind_name(b->kind) ? hmmp_kind_name(b->kind) : "?",
		  b->peer ? hmmp_addr_format(b->peer, p) : "any",
		  hmmp_encap_name(b->encap) ? hmmp_encap_name(b->encap) : "?",
		  b->lifetime, nconn);
}

/* A delete's (key_only) names the key; the rest the translation. */
static void log_xlate(const char *what, const struct hmmp_xlate *t,
		      bool key_only)
{
	char l[HMMP_ADDRSTRLEN], r[HMMP_ADDRSTRLEN], pl[HMMP_ADDRSTRLEN],
	     pr[HMMP_ADDRSTRLEN], c[HMMP_ADDRSTRLEN], port[8];

	if (key_only) {
		hmmpd_log(LOG_INFO, "xlate: %s %s:%u %s:%u", what,
			  hmmp_addr_format(t->laddr, l), t->lport,
			  hmmp_addr_format(t->raddr, r), t->rport);
		return;
	}
	port[0] = '\0';
	if (HMMP_HAVE(t, HMMP_XLATE_A_PORT))
		snprintf(port, sizeof(port), ":%u", t->port);
	hmmpd_log(LOG_INFO, "xlate: %s %s:%u %s:%u as %s:%u %s:%u -> %s%s encap %s lifetime %u s",
		  what, hmmp_addr_format(t->laddr, l), t->lport,
		  hmmp_addr_format(t->raddr, r), t->rport,
		  hmmp_addr_format(t->peer_laddr, pl), t->peer_lport,
		  hmmp_addr_format(t->peer_raddr, pr), t->peer_rport,
		  hmmp_addr_format(t->coa, c), port,
		  hmmp_encap_name(t->encap) ? hmmp_encap_name(t->encap) : "?",
		  t->lifetime);
}

static const struct hmmp_xlate *find_xlate(const struct hmmpd_xlates *t,
					   const struct hmmp_xlate *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].laddr == key->laddr && t->v[i].lport == key->lport &&
		    t->v[i].raddr == key->raddr && t->v[i].rport == key->rport)
			return &t->v[i];
	return NULL;
}

/* Put a translation back as it was (rollback). */
static void restore_xlate(struct hmmpd *d, const struct hmmp_xlate *prior,
			  const struct hmmp_xlate *key)
{
	struct hmmp_xlate t;
	int r;

	if (prior) {
		uint32_t life = prior->lifetime;

		if (life && HMMP_HAVE(prior, HMMP_XLATE_A_EXPIRES_MS))
			life = (uint32_t)((prior->expires_ms + 999) / 1000);
		hmmpd_xlate_make(&t, prior->laddr, prior->lport, prior->raddr,
				 prior->rport, prior->peer_laddr,
				 prior->peer_lport, prior->peer_raddr,
				 prior->peer_rport, prior->coa, prior->encap,
				 prior->lifetime ? (life ? life : 1) : 0);
		if (HMMP_HAVE(prior, HMMP_XLATE_A_PORT))
			hmmpd_xlate_set_port(&t, prior->port);
		r = hmmpd_kern_xlate_set(&d->cmd, &t);
	} else {
		r = hmmpd_kern_xlate_del(&d->cmd, key);
	}
	if (r) {
		hmmpd_log(LOG_ERR, "xlate: cannot undo a change: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
	}
}

/* Put a binding back as it was (rollback). */
static void restore(struct hmmpd *d, const struct hmmp_binding *prior,
		    const struct hmmp_binding *key)
{
	struct hmmp_binding b;
	int r;

	if (prior) {
		uint32_t life = prior->lifetime;

		if (life && HMMP_HAVE(prior, HMMP_BIND_A_EXPIRES_MS))
			life = (uint32_t)((prior->expires_ms + 999) / 1000);
		hmmpd_binding_make(&b, prior->orig, prior->peer, prior->kind,
				   prior->coa, prior->encap, life ? life : 1);
		if (!prior->lifetime)
			b.lifetime = 0;
		if (HMMP_HAVE(prior, HMMP_BIND_A_MIN_SRC)) {
			b.min_src = prior->min_src;
			HMMP_SET(&b, HMMP_BIND_A_MIN_SRC);
		}
		if (HMMP_HAVE(prior, HMMP_BIND_A_PORT))
			hmmpd_binding_set_port(&b, prior->port);
		r = hmmpd_kern_binding_set(&d->cmd, &b);
	} else {
		r = hmmpd_kern_binding_del(&d->cmd, key->orig, key->peer, key->kind);
	}
	if (r) {
		hmmpd_log(LOG_ERR, "binding: cannot undo a change: %s", d->cmd.msg);
		hmmpd_cmd_failed(d);
	}
}

/*
 * The claims granted: each replaces any other of its address (and the
 * expired ones go); the policy checked that they fit the table.
 */
static void record_claims(struct req_ctx *x)
{
	struct corr *c = x->c;
	uint64_t now = hmmpd_now_s();
	char a[HMMP_ADDRSTRLEN];
	unsigned int i;
	size_t k, n;

	for (i = 0; i < x->pol.n; i++) {
		const struct hmmpd_policy_op *op = &x->pol.ops[i];
		struct hmmpd_claim *cl;

		if (!op->claim)
			continue;
		for (k = n = 0; k < c->nclaims; k++)
			if (c->claims[k].addr != op->b.orig &&
			    c->claims[k].expires_s > now)
				c->claims[n++] = c->claims[k];
		c->nclaims = n;
		if (c->nclaims == c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 16;
			struct hmmpd_claim *v;

			if (ncap > HMMPD_CLAIMS_MAX)
				ncap = HMMPD_CLAIMS_MAX;
			v = ncap > c->cap ? realloc(c->claims, ncap * sizeof(*v)) : NULL;
			if (!v) {
				hmmpd_log(LOG_ERR, "claim: %s not recorded: out of memory",
					  hmmp_addr_format(op->b.orig, a));
				continue;
			}
			c->claims = v;
			c->cap = ncap;
		}
		cl = &c->claims[c->nclaims++];
		cl->addr = op->b.orig;
		snprintf(cl->peer, sizeof(cl->peer), "%s", x->auth.peers[0]->peer);
		cl->expires_s = now + op->b.lifetime;
		hmmpd_log(LOG_INFO, "claim: %s is peer %s's for %u s (on-link)",
			  hmmp_addr_format(op->b.orig, a), cl->peer, op->b.lifetime);
	}
}

/* Apply the policy's operations; undo them all if one fails. */
static int apply(struct req_ctx *x)
{
	struct hmmpd *d = x->d;
	unsigned int i;
	int r = 0;

	/* what a translation replaces, to put it back if the kernel refuses */
	for (i = 0; i < x->pol.n && !x->pol.ops[i].xlate; i++)
		;
	if (i < x->pol.n && hmmpd_kern_xlates(&d->cmd, &x->xlates)) {
		hmmpd_log(LOG_ERR, "info: 500 to %s: kernel: %s", x->ip, d->cmd.msg);
		hmmpd_cmd_failed(d);
		respond(d, x->req, 500, "Kernel request failed", NULL);
		return -1;
	}
	for (i = 0; i < x->pol.n; i++) {
		const struct hmmpd_policy_op *op = &x->pol.ops[i];

		if (op->claim)
			continue;	/* recorded once the kernel took the rest */
		if (op->xlate)
			r = op->del ? hmmpd_kern_xlate_del(&d->cmd, &op->x)
				    : hmmpd_kern_xlate_set(&d->cmd, &op->x);
		else if (op->del)
			r = hmmpd_kern_binding_del(&d->cmd, op->b.orig, op->b.peer,
						   op->b.kind);
		else
			r = hmmpd_kern_binding_set(&d->cmd, &op->b);
		if (r)
			break;
		if (op->xlate)
			log_xlate(op->del ? "removed" : "installed", &op->x,
				  op->del);
		else
			log_binding(op->del ? "removed" : "installed", &op->b,
				    op->nconn);
	}
	if (i == x->pol.n) {
		record_claims(x);
		return 0;
	}
	hmmpd_log(LOG_ERR, "info: 500 to %s: kernel refused binding %u: %s",
		  x->ip, x->pol.ops[i].bind + 1, d->cmd.msg);
	hmmpd_cmd_failed(d);
	while (i--) {
		const struct hmmpd_policy_op *op = &x->pol.ops[i];

		if (op->claim)
			continue;
		if (op->xlate) {
			restore_xlate(d, find_xlate(&x->xlates, &op->x), &op->x);
			log_xlate("undone", &op->x, op->del);
			continue;
		}
		restore(d, find_binding(&x->binds, &op->b), &op->b);
		log_binding("undone", &op->b, op->nconn);
	}
	respond(d, x->req, 500, "Kernel refused the binding", NULL);
	return -1;
}

/*
 * The answer body: one Bind per body binding that was installed, as it
 * was (its operations share coa, port, encapsulation, lifetime and kind).
 * NULL when nothing was installed (releases only) or out of memory.
 */
static char *answer_body(const struct req_ctx *x, size_t *len)
{
	bool seen[HMMPD_BODY_MAX_BINDINGS] = { false };
	struct hmmpd_body ans;
	struct hmmpd_body_err err;
	char *buf = NULL;
	unsigned int i;
	int n;

	hmmpd_body_init(&ans);
	for (i = 0; i < x->pol.n; i++) {
		const struct hmmpd_policy_op *op = &x->pol.ops[i];
		const struct hmmpd_policy_op *o;
		struct hmmpd_bind *ab;
		unsigned int k;

		if (op->del || op->claim || op->bind >= HMMPD_BODY_MAX_BINDINGS ||
		    seen[op->bind])
			continue;
		seen[op->bind] = true;
		/* a translation has its binding's coa, port, encap, lifetime */
		if (op->xlate ?
		    hmmpd_body_add_bind(&ans, x->body.bind[op->bind].orig,
					op->x.coa, op->x.lifetime, op->x.encap,
					HMMP_BIND_CORRESPONDENT) :
		    hmmpd_body_add_bind(&ans, op->b.orig, op->b.coa,
					op->b.lifetime, op->b.encap, op->b.kind))
			break;
		ab = &ans.bind[ans.nbind - 1];
		if (op->xlate ? HMMP_HAVE(&op->x, HMMP_XLATE_A_PORT) :
				HMMP_HAVE(&op->b, HMMP_BIND_A_PORT))
			ab->port = op->xlate ? op->x.port : op->b.port;
		/* its translations: Conn lines as the request wrote them */
		ab->xlate_only = true;
		for (k = i; k < x->pol.n; k++) {
			o = &x->pol.ops[k];
			if (o->bind != op->bind || o->del)
				continue;
			if (!o->xlate) {
				ab->xlate_only = false;
				continue;
			}
			if (o->conn < x->body.nconn &&
			    hmmpd_body_add_conn(&ans, &x->body.conn[o->conn]))
				break;
		}
	}
	n = ans.nbind ? hmmpd_body_build(&ans, NULL, 0, &err) : 0;
	if (n < 0)
		hmmpd_log(LOG_ERR, "info: cannot build the answer body to %s: %s",
			  x->ip, err.reason);
	if (n > 0 && (buf = malloc((size_t)n + 1)))
		hmmpd_body_build(&ans, buf, (size_t)n + 1, NULL);
	hmmpd_body_free(&ans);
	*len = buf ? (size_t)n : 0;
	return buf;
}

static void handle_info(struct req_ctx *x)
{
	struct hmmpd *d = x->d;
	const char *peers[HMMPD_AUTH_MAX_PEERS];
	struct hmmpd_policy_in in = { 0 };
	char hdr[64], *ans;
	unsigned int i;
	size_t alen;
	int st, r;

	if (authenticate(x) || parse_body(x) || gather(x))
		return;
	for (i = 0; i < x->auth.npeers; i++)
		peers[i] = x->auth.peers[i]->peer;
	if (x->relayed < 0) {
		hmmpd_log(LOG_INFO, "info: 403 to %s (relayed by the edge, no origin in the Vias)",
			  x->ip);
		respond(d, x->req, 403, "No origin in the Vias", NULL);
		return;
	}
	if (x->relayed) {
		char o[HMMP_ADDRSTRLEN];

		hmmp_addr_format(x->origin, o);
		hmmpd_log(LOG_INFO, "info: relayed by the edge %s: origin %s (Via)",
			  x->ip, o);
	}
	in.conf = d->conf;
	in.src = x->origin;
	in.src_port = x->src_port;
	in.proxied = x->relayed > 0;
	in.peers = peers;
	in.npeers = x->auth.npeers;
	in.body = &x->body;
	in.conns = x->conns.v;
	in.nconns = x->conns.n;
	in.binds = x->binds.v;
	in.nbinds = x->binds.n;
	in.addrs = x->net.addrs;
	in.naddrs = x->net.naddrs;
	in.claims = x->c->claims;
	in.nclaims = x->c->nclaims;
	in.now_s = hmmpd_now_s();
	hmmpd_log(LOG_INFO, "info: from %s user %s (peer %s): %u bindings, %u connections listed",
		  x->ip, x->auth.user, peers[0], x->body.nbind, x->body.nconn);
	st = hmmpd_policy_decide(&in, &x->pol);
	if (st) {
		hmmpd_log(LOG_INFO, "info: %d to %s (%s)", st, x->ip, x->pol.reason);
		respond(d, x->req, st, x->pol.reason, NULL);
		return;
	}
	if (apply(x))
		return;
	hdr[0] = '\0';
	if (x->pol.granted)
		snprintf(hdr, sizeof(hdr), "Expires: %u", x->pol.granted);
	hmmpd_log(LOG_INFO, "info: 200 to %s (%u bindings, %u changes)", x->ip,
		  x->body.nbind, x->pol.n);
	ans = answer_body(x, &alen);
	r = sip_respond(d->sip, x->req, 200, NULL, hdr[0] ? hdr : NULL,
			ans ? HMMPD_BODY_TYPE : NULL, ans, alen);
	if (r)
		hmmpd_log(LOG_ERR, "sip: cannot answer 200: %s", strerror(-r));
	free(ans);
}

/* A Via's address: received=, else its numeric sent-by host; 0: neither. */
static uint32_t via_addr(const osip_via_t *via)
{
	osip_generic_param_t *rcv = NULL;
	struct in_addr a;
	const char *s;

	osip_via_param_get_byname((osip_via_t *)via, "received", &rcv);
	s = rcv && rcv->gvalue ? rcv->gvalue : via->host;
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return 0;
	return a.s_addr;
}

int hmmpd_uas_origin(const struct sip_addr *edge, const char *registrar,
		     const osip_message_t *req, const struct sip_addr *src,
		     uint32_t *origin)
{
	uint32_t trusted[2] = { 0, 0 }, vias[HMMPD_UAS_MAX_VIAS];
	struct sip_addr reg;
	osip_via_t *via;
	size_t n = 0;

	*origin = src->addr;
	if (!edge || edge->addr != src->addr || edge->port != src->port)
		return 0;
	trusted[0] = edge->addr;
	if (registrar && registrar[0] && !sip_uri_addr(registrar, &reg, NULL))
		trusted[1] = reg.addr;
	while (n < HMMPD_UAS_MAX_VIAS &&
	       osip_message_get_via(req, (int)n, &via) >= 0 && via)
		vias[n++] = via_addr(via);
	/* that many Vias or more: no origin (fails closed) */
	if (n == HMMPD_UAS_MAX_VIAS)
		return -1;
	return hmmpd_policy_origin(trusted, 2, vias, n, origin) ? -1 : 1;
}

static bool uas_request(struct hmmpd *d, void *state,
			const osip_message_t *req, const struct sip_addr *src,
			enum sip_transport tp)
{
	struct req_ctx *x;

	if (!strcmp(req->sip_method, "OPTIONS")) {
		respond(d, req, 200, NULL, HDR_ALLOW "\r\nAccept: " HMMPD_BODY_ACCEPT);
		return true;
	}
	if (strcmp(req->sip_method, "INFO")) {
		respond(d, req, 405, NULL, HDR_ALLOW);
		return true;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		respond(d, req, 500, "Out of memory", NULL);
		return true;
	}
	x->d = d;
	x->c = state;
	x->req = req;
	x->src = src->addr;
	x->src_port = tp == SIP_TP_UDP ? src->port : 0;
	hmmp_addr_format(src->addr, x->ip);
	x->relayed = hmmpd_uas_origin(d->have_edge ? &d->edge : NULL,
				      d->conf->registrar, req, src, &x->origin);
	/*
	 * The nonce is bound to the source (the 401 goes there: answering it
	 * proves the address reachable) and to the Call-ID, which a retry
	 * with credentials keeps: every request has a nonce of its own, so
	 * the nonce-count table tells a replay from a new request. Over UDP
	 * the source port too: a udp binding goes to that address and port
	 * (a NAT's mapping), so the answer must come from the mapping the
	 * 401 went to; from another port it is challenged again.
	 */
	if (x->src_port)
		snprintf(x->ctx, sizeof(x->ctx), "%s:%u %.60s@%.60s", x->ip,
			 x->src_port,
			 req->call_id && req->call_id->number ? req->call_id->number : "",
			 req->call_id && req->call_id->host ? req->call_id->host : "");
	else
		snprintf(x->ctx, sizeof(x->ctx), "%s %.60s@%.60s", x->ip,
			 req->call_id && req->call_id->number ? req->call_id->number : "",
			 req->call_id && req->call_id->host ? req->call_id->host : "");
	hmmpd_body_init(&x->body);
	handle_info(x);
	ctx_free(x);
	free(x);
	return true;
}

static int corr_start(struct hmmpd *d, void **state)
{
	(void)d;
	*state = calloc(1, sizeof(struct corr));
	if (!*state) {
		hmmpd_log(LOG_ERR, "correspondent: out of memory");
		return -1;
	}
	return 0;
}

static void corr_stop(struct hmmpd *d, void *state)
{
	struct corr *c = state;

	(void)d;
	if (c)
		free(c->claims);
	free(c);
}

const struct hmmpd_feature hmmpd_feature_correspondent = {
	.name = "correspondent",
	.start = corr_start,
	.stop = corr_stop,
	.sip_request = uas_request,
};
