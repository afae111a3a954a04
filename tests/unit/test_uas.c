// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/features/correspondent/correspondent.c, the correspondent and router side of
 * hmmpd, end to end in one process: a SIP client (sip.c) sends INFO
 * requests to the daemon's request handler, which talks to a fake hmmp.ko
 * (fake_kernel.h, fake_module.h) holding a connection and a binding table.
 *
 * The test runs in a network namespace of its own (unshare; a user
 * namespace too when not privileged) with 203.0.113.10 (the mobile's
 * care-of address, the source of the requests) and 198.51.100.10 (this
 * correspondent) on lo, so that the requests really come from the
 * care-of address. Without namespaces the tests fail, saying why.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <netlink/socket.h>

#include "core/daemon.h"
#include "core/feature.h"
#include "core/kern.h"
#include "core/log.h"
#include "core/net.h"
#include "core/policy.h"
#include "fake_kernel.h"
#include "fake_module.h"
#include "features/correspondent/correspondent.h"
#include "netns.h"
#include "sip/auth.h"
#include "sip/body.h"
#include "sip/sip.h"
#include "sip/uri.h"
#include "util.h"

/* The feature's state (its start() made it) */
static void *uas_state;

/* The core's dispatch, as core/daemon.c does it, for this one feature. */
static void uas_request(struct sip *sip, const osip_message_t *req,
			const struct sip_addr *src, enum sip_transport tp,
			void *data)
{
	(void)sip;
	assert_true(hmmpd_feature_correspondent.sip_request(data, uas_state, req,
							    src, tp));
}

#define ORIG	"192.0.2.10"
#define ORIG2	"192.0.2.11"
#define COA	NETNS_COA
#define CN	NETNS_CN

/* ---- the fake module (fake_module.h) ---- */

static void km_conn(const char *local, const char *remote, uint16_t lport)
{
	fm_conn(local, local, remote, lport, 40000, HMMP_CONN_ESTABLISHED);
}

/* ---- the fixture ---- */

static struct hmmpd_secret lines[] = {
	{ "m", "m", "the cn secret" },
	{ "eve", "eve", "eve's secret" },
};

struct fix {
	sd_event *ev;
	struct hmmpd d;
	struct sip *client;
};

static int setup(void **state)
{
	struct sip_config cfg = { .addr = 0 };
	struct fix *f;

	if (netns_err)
		fail_msg("%s", netns_err);
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	hmmpd_log_set_level(getenv("HMMP_TEST_VERBOSE") ? LOG_DEBUG : LOG_EMERG);
	assert_int_equal(sd_event_new(&f->ev), 0);
	f->d.ev = f->ev;
	f->d.conf = malloc(sizeof(*f->d.conf));
	assert_non_null(f->d.conf);
	hmmpd_conf_defaults(f->d.conf);
	f->d.conf->roles = HMMP_ROLE_CORRESPONDENT | HMMP_ROLE_ROUTER;
	f->d.conf->lifetime = 60;
	f->d.conf->max_lifetime = 120;
	/* m's addresses (deny by default: the unlisted ones need proofs) */
	f->d.conf->npeers = 1;
	snprintf(f->d.conf->peers[0].name, sizeof(f->d.conf->peers[0].name), "m");
	f->d.conf->peers[0].addr[0] = A(ORIG);
	f->d.conf->peers[0].addr[1] = A(ORIG2);
	f->d.conf->peers[0].naddr = 2;
	f->d.secrets.n = 2;
	f->d.secrets.v = lines;
	memset(f->d.nonce_key, 7, sizeof(f->d.nonce_key));
	f->d.nc = calloc(1, sizeof(*f->d.nc));
	assert_non_null(f->d.nc);
	fk_setup(&f->d.cmd);
	fm_setup();
	assert_int_equal(hmmp_nl_resolve(&f->d.cmd), 0);
	f->d.up = true;
	f->d.rt = hmmpd_net_open();
	assert_non_null(f->d.rt);
	assert_int_equal(sip_new(f->ev, &cfg, &f->d.sip), 0);
	sip_set_request_handler(f->d.sip, uas_request, &f->d);
	assert_int_equal(hmmpd_feature_correspondent.start(&f->d, &uas_state), 0);
	assert_int_equal(sip_new(f->ev, &cfg, &f->client), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	sip_free(f->client);
	sip_free(f->d.sip);
	hmmpd_feature_correspondent.stop(&f->d, uas_state);
	uas_state = NULL;
	nl_socket_free(f->d.rt);
	fk_teardown(&f->d.cmd);
	free(f->d.nc);
	free(f->d.conf);
	sd_event_unref(f->ev);
	free(f);
	return 0;
}

/* ---- one request ---- */

struct outcome {
	bool done;
	int status, n401;
	const char *pass;	/* answer 401s with it (user m), NULL: not */
	const char *to;		/* To URI, its digest uri too; NULL: R-URI */
	enum sip_transport tp;	/* AUTO: by size (UDP here) */
	/* answer the first 401 from this other client (another port) */
	struct sip *retry_from;
	struct sip_request rq;		/* the request (for retry_from) */
	char uri[64], tobuf[80];	/* its Request-URI and To */
	char reason[128], expires[32], accept[160], allow[64];
	char ctype[64], body[1024];	/* of the final response */
};

/* A header's value, from the message as it is on the wire. */
static void hdr(const osip_message_t *m, const char *name, char *out, size_t n)
{
	char *s = NULL, *p, *e, want[64];
	size_t len;

	out[0] = '\0';
	assert_int_equal(osip_message_to_str((osip_message_t *)m, &s, &len), 0);
	snprintf(want, sizeof(want), "\r\n%s: ", name);
	/* all of them (osip2 writes a list as one line per element) */
	for (p = strcasestr(s, want); p; p = strcasestr(p, want)) {
		len = strlen(out);
		p += strlen(want);
		e = strstr(p, "\r\n");
		snprintf(out + len, n - len, "%s%.*s", len ? ", " : "",
			 (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
		p = e ? e : p + strlen(p);
	}
	osip_free(s);
}

static void on_response(struct sip *sip, int status, const osip_message_t *resp,
			const osip_message_t *req, void *data)
{
	struct outcome *o = data;
	char *chal[4], *uri = NULL, auth[2048];
	const char *why;
	unsigned int n = 0, i;

	o->status = status;
	if (status == 401 && resp) {
		o->n401++;
		while (n < 4 && !sip_header(resp, "WWW-Authenticate", (int)n, &chal[n]))
			n++;
		assert_true(n >= 1);
		assert_int_equal(osip_uri_to_str(o->to ? req->to->url : req->req_uri,
						 &uri), 0);
		if (o->pass && o->retry_from && o->n401 == 1 &&
		    hmmpd_auth_answer((const char *const *)chal, n, "Authorization",
				      "m", o->pass, "INFO", uri, "c0ffee", auth,
				      sizeof(auth), &why) > 0) {
			/* the same request and credentials from another port */
			struct sip_request rq = o->rq;
			char *cid = NULL;

			assert_int_equal(osip_call_id_to_str(req->call_id, &cid), 0);
			rq.call_id = cid;
			rq.headers = auth;
			o->pass = NULL;		/* its 401 is the outcome */
			assert_int_equal(sip_send_request(o->retry_from, &rq,
							  on_response, o), 0);
			osip_free(cid);
			for (i = 0; i < n; i++)
				free(chal[i]);
			osip_free(uri);
			return;
		}
		if (o->pass && o->n401 <= 2 &&
		    hmmpd_auth_answer((const char *const *)chal, n, "Authorization",
				      "m", o->pass, "INFO", uri, "c0ffee", auth,
				      sizeof(auth), &why) > 0 &&
		    !sip_send_retry(sip, req, auth, on_response, o)) {
			for (i = 0; i < n; i++)
				free(chal[i]);
			osip_free(uri);
			return;
		}
		for (i = 0; i < n; i++)
			free(chal[i]);
		osip_free(uri);
	}
	if (resp) {
		snprintf(o->reason, sizeof(o->reason), "%s",
			 resp->reason_phrase ? resp->reason_phrase : "");
		hdr(resp, "Expires", o->expires, sizeof(o->expires));
		hdr(resp, "Accept", o->accept, sizeof(o->accept));
		hdr(resp, "Allow", o->allow, sizeof(o->allow));
		hdr(resp, "Content-Type", o->ctype, sizeof(o->ctype));
		{
			osip_body_t *b = NULL;

			o->body[0] = '\0';
			if (!osip_message_get_body(resp, 0, &b) && b && b->body)
				snprintf(o->body, sizeof(o->body), "%.*s",
					 (int)b->length, b->body);
		}
	}
	o->done = true;
}

static void send_req(struct fix *f, const char *method, const char *ctype,
		     const char *body, const char *headers, struct outcome *o)
{
	struct sip_request *rq = &o->rq;
	struct timespec t0, t;

	memset(rq, 0, sizeof(*rq));
	rq->method = method;
	rq->uri = o->uri;
	rq->content_type = ctype;
	rq->body = body;
	rq->body_len = body ? strlen(body) : 0;
	rq->headers = headers;
	rq->src = A(COA);
	rq->transport = o->tp;
	if (o->to) {
		snprintf(o->tobuf, sizeof(o->tobuf), "<%s>", o->to);
		rq->to = o->tobuf;
	}
	snprintf(o->uri, sizeof(o->uri), "sip:hmmp@127.0.0.1:%u",
		 sip_port(f->d.sip, o->tp == SIP_TP_TCP ? SIP_TP_TCP : SIP_TP_UDP));
	assert_int_equal(sip_send_request(f->client, rq, on_response, o), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_true(sd_event_run(f->ev, 100000) >= 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!o->done && t.tv_sec - t0.tv_sec < 10);
	assert_true(o->done);
}

static const char *const BODY =
	"Version: 1\r\n"
	"Bind: " ORIG " to " COA "; lifetime=600; encap=minimal; kind=correspondent\r\n"
	"Conn: " ORIG ":40000 " CN ":5001\r\n";

/* ---- the cases ---- */

static void test_grant(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret" };
	const struct hmmp_binding *b;

	km_conn(CN, ORIG, 5001);
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.n401, 1);
	assert_int_equal(o.status, 200);
	assert_string_equal(o.expires, "120");	/* max_lifetime */
	assert_int_equal(fm.nbinds, 1);
	b = &fm.binds[0];
	assert_int_equal(b->orig, A(ORIG));
	assert_int_equal(b->coa, A(COA));
	assert_int_equal(b->peer, A(CN));
	assert_int_equal(b->kind, HMMP_BIND_CORRESPONDENT);
	assert_int_equal(b->encap, HMMP_ENCAP_MINIMAL);
	assert_int_equal(b->lifetime, 120);
	assert_false(HMMP_HAVE(b, HMMP_BIND_A_PORT));
	/* the answer body: what was installed */
	assert_string_equal(o.ctype, HMMPD_BODY_TYPE);
	assert_string_equal(o.body,
			    "Version: 1\r\n"
			    "Bind: " ORIG " to " COA "; lifetime=120; encap=minimal; kind=correspondent\r\n");
}

/* The mobile behind a NAT: its care-of (a private address) is not the source. */
#define PRIV	"10.1.2.3"

static void check_udp_answer(const struct outcome *o, uint16_t port)
{
	char want[256];
	struct hmmpd_body b;
	struct hmmpd_body_err err;

	snprintf(want, sizeof(want),
		 "Version: 1\r\nBind: " ORIG " to " COA ":%u; lifetime=120; encap=udp; kind=correspondent\r\n",
		 port);
	assert_string_equal(o->body, want);
	/* what the mobile reads */
	hmmpd_body_init(&b);
	assert_int_equal(hmmpd_body_parse_answer(o->ctype, o->body, strlen(o->body),
						 &b, &err), 0);
	assert_int_equal(b.bind[0].coa, A(COA));
	assert_int_equal(b.bind[0].port, port);
	hmmpd_body_free(&b);
}

static void test_udp_nat(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret" };
	uint16_t port = sip_port(f->client, SIP_TP_UDP);
	const struct hmmp_binding *b;

	km_conn(CN, ORIG, 5001);
	/* encap=udp: to the source address and port; the care-of says nothing */
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " PRIV ":5060; encap=udp; lifetime=600\r\n",
		 NULL, &o);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 1);
	b = &fm.binds[0];
	assert_int_equal(b->coa, A(COA));
	assert_int_equal(b->encap, HMMP_ENCAP_UDP);
	assert_true(HMMP_HAVE(b, HMMP_BIND_A_PORT));
	assert_int_equal(b->port, port);
	assert_int_equal(b->peer, A(CN));
	check_udp_answer(&o, port);
	/* encap=auto, a care-of that is not the source: a NAT, udp */
	fm.nbinds = 0;
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " PRIV "; encap=auto; lifetime=600\r\n",
		 NULL, &o);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 1);
	assert_int_equal(fm.binds[0].encap, HMMP_ENCAP_UDP);
	assert_int_equal(fm.binds[0].port, port);
	check_udp_answer(&o, port);
	/* encap=auto from the care-of itself: the configured one, ipip */
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " COA "; encap=auto\r\n", NULL, &o);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 1);
	assert_int_equal(fm.binds[0].encap, HMMP_ENCAP_IPIP);
	assert_false(HMMP_HAVE(&fm.binds[0], HMMP_BIND_A_PORT));
	assert_string_equal(o.body,
			    "Version: 1\r\nBind: " ORIG " to " COA "; lifetime=60; encap=ipip; kind=correspondent\r\n");
	/* ipip from behind the NAT: refused as ever */
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " PRIV "; encap=ipip\r\n", NULL, &o);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason, "Binding 1: care-of address is not the request's source");
	assert_string_equal(o.body, "");
	/* a release: no line in the answer, no answer body */
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " COA "; lifetime=0\r\n", NULL, &o);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 0);
	assert_string_equal(o.body, "");
	assert_string_equal(o.ctype, "");
}

/* Over TCP there is no mapping to learn: udp refused, auto the configured. */
static void test_udp_over_tcp(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret", .tp = SIP_TP_TCP };

	km_conn(CN, ORIG, 5001);
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " COA "; encap=udp\r\n", NULL, &o);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason, "Binding 1: udp encapsulation needs the request over UDP");
	assert_int_equal(fm.changes, 0);
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	o.tp = SIP_TP_TCP;
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " PRIV "; encap=auto\r\n", NULL, &o);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason, "Binding 1: care-of address is not the request's source");
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	o.tp = SIP_TP_TCP;
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " COA "; encap=auto\r\n", NULL, &o);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.binds[0].encap, HMMP_ENCAP_IPIP);
}

/*
 * The challenge answered from another port (another NAT mapping): the
 * nonce was for the port the 401 went to, so 401 again, nothing changed.
 */
static void test_other_mapping_401(void **state)
{
	struct fix *f = *state;
	struct sip_config cfg = { .addr = 0 };
	struct outcome o = { .pass = "the cn secret" };
	struct sip *other;

	assert_int_equal(sip_new(f->ev, &cfg, &other), 0);
	assert_int_not_equal(sip_port(other, SIP_TP_UDP), sip_port(f->client, SIP_TP_UDP));
	o.retry_from = other;
	km_conn(CN, ORIG, 5001);
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " PRIV "; encap=udp\r\n", NULL, &o);
	assert_int_equal(o.n401, 2);
	assert_int_equal(o.status, 401);
	assert_int_equal(fm.changes, 0);
	assert_int_equal(fm.nbinds, 0);
	/* over TCP the port is no part of it: another connection may answer */
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	o.retry_from = other;
	o.tp = SIP_TP_TCP;
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " COA "\r\n", NULL, &o);
	assert_int_equal(o.n401, 1);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 1);
	sip_free(other);
}

static void test_no_connection_403(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret" };

	km_conn(CN, ORIG2, 5001);	/* another address */
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason,
			    "Binding 1: no live connection with the original address");
	assert_int_equal(fm.changes, 0);
}

static void test_unauthenticated(void **state)
{
	struct fix *f = *state;
	struct outcome o = { 0 };

	km_conn(CN, ORIG, 5001);
	/* no credentials: 401 whatever the body */
	send_req(f, "INFO", "application/sdp", "v=0", NULL, &o);
	assert_int_equal(o.status, 401);
	assert_int_equal(fm.changes, 0);
	/* a wrong password: challenged again, never granted */
	memset(&o, 0, sizeof(o));
	o.pass = "guess";
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.status, 401);
	assert_int_equal(o.n401, 3);
	assert_int_equal(fm.changes, 0);
}

static void test_body_errors(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret" };

	km_conn(CN, ORIG, 5001);
	send_req(f, "INFO", "application/sdp", "v=0\r\n", NULL, &o);
	assert_int_equal(o.status, 415);
	assert_string_equal(o.accept, HMMPD_BODY_ACCEPT);
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	send_req(f, "INFO", HMMPD_BODY_TYPE, "Version: 1\r\nBind: 192.0.2.10 to 300.1.1.1\r\n",
		 NULL, &o);
	assert_int_equal(o.status, 400);
	assert_non_null(strstr(o.reason, "Bad binding body: line 2"));
	assert_int_equal(fm.changes, 0);
}

static void test_seed_forms(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret" };

	km_conn(CN, ORIG, 5001);
	/* F1, its lifetime from Expires */
	send_req(f, "INFO", "Application/binding",
		 "Original-IP-Addr: " ORIG "\r\nNew-IP-Addr:" COA "\r\n",
		 "Expires: 30", &o);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 1);
	assert_int_equal(fm.binds[0].lifetime, 30);
	assert_int_equal(fm.binds[0].encap, HMMP_ENCAP_IPIP);
	/* HMMP's instruction */
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	send_req(f, "INFO", "text/plain", "Bind " ORIG " to " COA "\r\n", NULL, &o);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 1);
	assert_int_equal(fm.binds[0].lifetime, 60);	/* configured */
	/* a router binding: not on one of this host's links here */
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\nBind: " ORIG " to " COA "; kind=router\r\n", NULL, &o);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason,
			    "Binding 1: original address is on none of this host's links");
}

static void test_kernel_refusal_undone(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret" };

	km_conn(CN, ORIG, 5001);
	km_conn(CN, ORIG2, 5002);
	/* ORIG2 was bound before: it must come back as it was */
	hmmpd_binding_make(&fm.binds[0], A(ORIG), A(CN), HMMP_BIND_CORRESPONDENT,
			   A("203.0.113.99"), HMMP_ENCAP_IPIP, 0);
	fm.nbinds = 1;
	fm.refuse_orig = A(ORIG2);
	send_req(f, "INFO", HMMPD_BODY_TYPE,
		 "Version: 1\r\n"
		 "Bind: " ORIG " to " COA "\r\n"
		 "Bind: " ORIG2 " to " COA "\r\n", NULL, &o);
	assert_int_equal(o.status, 500);
	assert_string_equal(o.reason, "Kernel refused the binding");
	assert_int_equal(fm.nbinds, 1);
	assert_int_equal(fm.binds[0].coa, A("203.0.113.99"));
	assert_int_equal(fm.binds[0].lifetime, 0);
}

static void test_kernel_down_and_methods(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret" };

	f->d.up = false;
	km_conn(CN, ORIG, 5001);
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.status, 503);
	assert_int_equal(fm.changes, 0);
	memset(&o, 0, sizeof(o));
	send_req(f, "OPTIONS", NULL, NULL, NULL, &o);
	assert_int_equal(o.status, 200);
	assert_string_equal(o.allow, "INFO, OPTIONS");
	memset(&o, 0, sizeof(o));
	send_req(f, "REGISTER", NULL, NULL, NULL, &o);
	assert_int_equal(o.status, 405);
}

static void test_other_peers_address(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret" };

	/* hmmpd.conf gives ORIG to the peer eve: m may not bind it */
	f->d.conf->npeers = 1;
	snprintf(f->d.conf->peers[0].name, sizeof(f->d.conf->peers[0].name), "eve");
	f->d.conf->peers[0].addr[0] = A(ORIG);
	f->d.conf->peers[0].naddr = 1;
	km_conn(CN, ORIG, 5001);
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason, "Binding 1: original address belongs to another peer");
	assert_int_equal(fm.changes, 0);
}

/* ---- the origin of a request relayed by the edge (hmmpd_uas_origin) ---- */

static osip_message_t *with_vias(const char *vias)
{
	char buf[4096];
	osip_message_t *m = NULL;

	snprintf(buf, sizeof(buf),
		 "INFO sip:cn@192.0.2.20:5060 SIP/2.0\r\n%s"
		 "From: <sip:m@hmmp.test>;tag=1\r\nTo: <sip:cn@hmmp.test>\r\n"
		 "Call-ID: via-test\r\nCSeq: 1 INFO\r\nContent-Length: 0\r\n\r\n",
		 vias);
	assert_int_equal(osip_message_init(&m), 0);
	assert_int_equal(osip_message_parse(m, buf, strlen(buf)), 0);
	return m;
}

/* The [outbound] edge the Outbound feature would publish; "": none. */
static char edge_uri[64];

static int origin_of(const struct hmmpd_conf *c, const char *vias,
		     const char *src, uint16_t port, uint32_t *o)
{
	osip_message_t *m = with_vias(vias);
	struct sip_addr a = { .port = port }, edge;
	int r;

	assert_int_equal(hmmp_addr_parse(src, &a.addr), 0);
	if (edge_uri[0])
		assert_int_equal(sip_uri_addr(edge_uri, &edge, NULL), 0);
	r = hmmpd_uas_origin(edge_uri[0] ? &edge : NULL, c->registrar, m, &a, o);
	osip_message_free(m);
	return r;
}

#define V_EDGE	"Via: SIP/2.0/TCP 203.0.113.2:5060;branch=z9hG4bK1;rport\r\n"
#define V_REG	"Via: SIP/2.0/TCP 198.51.100.2:5060;branch=z9hG4bK2\r\n"

static void test_origin(void **state)
{
	struct hmmpd_conf c;
	uint32_t o = 0, want;
	char many[2048] = V_EDGE;
	int i;

	(void)state;
	hmmpd_conf_defaults(&c);
	assert_int_equal(hmmp_addr_parse(COA, &want), 0);
	/* no [outbound] edge: the source, whatever the Vias say */
	assert_int_equal(origin_of(&c, V_EDGE "Via: SIP/2.0/UDP " COA ";branch=z9hG4bK3\r\n",
				   "203.0.113.2", 5060, &o), 0);
	assert_int_equal(o, inet_addr("203.0.113.2"));
	snprintf(edge_uri, sizeof(edge_uri), "sip:203.0.113.2:5060");
	snprintf(c.registrar, sizeof(c.registrar), "sip:198.51.100.2:5060;transport=tcp");
	/* from the edge's address but another port, or another address */
	assert_int_equal(origin_of(&c, V_EDGE V_REG "Via: SIP/2.0/UDP " COA ";branch=z9hG4bK3\r\n",
				   "203.0.113.2", 5061, &o), 0);
	assert_int_equal(o, inet_addr("203.0.113.2"));
	assert_int_equal(origin_of(&c, V_EDGE V_REG "Via: SIP/2.0/UDP " COA ";branch=z9hG4bK3\r\n",
				   "203.0.113.3", 5060, &o), 0);
	assert_int_equal(o, inet_addr("203.0.113.3"));
	/* relayed: the mobile's Via, sent-by */
	assert_int_equal(origin_of(&c, V_EDGE V_REG "Via: SIP/2.0/TCP " COA ":5060;branch=z9hG4bK3\r\n",
				   "203.0.113.2", 5060, &o), 1);
	assert_int_equal(o, want);
	/* received= wins over sent-by; in one Via header line with others */
	assert_int_equal(origin_of(&c, "Via: SIP/2.0/TCP 203.0.113.2:5060;branch=z9hG4bK1, "
				   "SIP/2.0/TCP 198.51.100.2;branch=z9hG4bK2, "
				   "SIP/2.0/UDP 192.0.2.10:5060;received=" COA ";branch=z9hG4bK3\r\n",
				   "203.0.113.2", 5060, &o), 1);
	assert_int_equal(o, want);
	/* a forged Via below the sender's: the sender's stamped address */
	assert_int_equal(origin_of(&c, V_EDGE V_REG
				   "Via: SIP/2.0/TCP " COA ";received=192.0.2.66;branch=z9hG4bK3\r\n"
				   "Via: SIP/2.0/TCP " COA ";branch=z9hG4bK4\r\n",
				   "203.0.113.2", 5060, &o), 1);
	assert_int_equal(o, inet_addr("192.0.2.66"));
	/* a forged edge Via: stamped with the sender's address by the edge */
	assert_int_equal(origin_of(&c, V_EDGE V_REG
				   "Via: SIP/2.0/TCP 203.0.113.2;received=192.0.2.66;branch=z9hG4bK3\r\n"
				   "Via: SIP/2.0/TCP " COA ";branch=z9hG4bK4\r\n",
				   "203.0.113.2", 5060, &o), 1);
	assert_int_equal(o, inet_addr("192.0.2.66"));
	/* no origin: only the proxies' Vias, a host name, 16 Vias */
	assert_int_equal(origin_of(&c, V_EDGE V_REG, "203.0.113.2", 5060, &o), -1);
	assert_int_equal(origin_of(&c, V_EDGE "Via: SIP/2.0/TCP m.hmmp.test;branch=z9hG4bK3\r\n",
				   "203.0.113.2", 5060, &o), -1);
	for (i = 0; i < 15; i++)
		strcat(many, V_REG);
	strcat(many, "Via: SIP/2.0/TCP " COA ";branch=z9hG4bK3\r\n");
	assert_int_equal(origin_of(&c, many, "203.0.113.2", 5060, &o), -1);
	/* 15 are looked at */
	memset(many, 0, sizeof(many));
	strcat(many, V_EDGE);
	for (i = 0; i < 13; i++)
		strcat(many, V_REG);
	strcat(many, "Via: SIP/2.0/TCP " COA ";branch=z9hG4bK3\r\n");
	assert_int_equal(origin_of(&c, many, "203.0.113.2", 5060, &o), 1);
	assert_int_equal(o, want);
	/* a registrar by name is no trusted proxy: its Via is the origin */
	snprintf(c.registrar, sizeof(c.registrar), "sip:registrar.hmmp.test");
	assert_int_equal(origin_of(&c, V_EDGE V_REG "Via: SIP/2.0/TCP " COA ";branch=z9hG4bK3\r\n",
				   "203.0.113.2", 5060, &o), 1);
	assert_int_equal(o, inet_addr("198.51.100.2"));
}

/*
 * A request from [outbound] edge's address and port is relayed: its
 * origin comes from the Vias, and its digest uri is checked against the
 * To URI (a registrar retargeted the Request-URI). Here the client is the
 * "edge" and its Via the only one: no origin, 403, nothing changed.
 */
static void test_relayed(void **state)
{
	struct fix *f = *state;
	struct outcome o = { .pass = "the cn secret", .to = "sip:cn@hmmp.test" };

	km_conn(CN, ORIG, 5001);
	/* not relayed: a digest uri other than the Request-URI fails */
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.status, 401);
	assert_int_equal(o.n401, 3);
	assert_int_equal(fm.changes, 0);
	/* from the edge's address, another port: not relayed either */
	{
		struct sip_addr e = { .port = (uint16_t)(unsigned int)(sip_port(f->client, SIP_TP_UDP) + 1) };

		assert_int_equal(hmmp_addr_parse(COA, &e.addr), 0);
		hmmpd_core_set_edge(&f->d, &e);
	}
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	o.to = "sip:cn@hmmp.test";
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.status, 401);
	/* relayed: the To URI passes, and then no origin below the edge */
	{
		struct sip_addr e = { .port = (uint16_t)(unsigned int)sip_port(f->client, SIP_TP_UDP) };

		assert_int_equal(hmmp_addr_parse(COA, &e.addr), 0);
		hmmpd_core_set_edge(&f->d, &e);
	}
	memset(&o, 0, sizeof(o));
	o.pass = "the cn secret";
	o.to = "sip:cn@hmmp.test";
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.n401, 1);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason, "No origin in the Vias");
	/* unauthenticated: 401 first, whatever the Vias */
	memset(&o, 0, sizeof(o));
	send_req(f, "INFO", HMMPD_BODY_TYPE, BODY, NULL, &o);
	assert_int_equal(o.status, 401);
	assert_int_equal(fm.changes, 0);
	assert_int_equal(fm.nbinds, 0);
}

/* ---- connection identities (body version 2): translations ---- */

#define PRIVO	"192.168.1.20"	/* the mobile's original, behind its home NAT */
#define NATPUB	"192.0.2.99"	/* that NAT's public address */
#define FWDPUB	"203.0.113.50"	/* this host's port forward's public address */
#define ISN_M	3735928559u	/* the mobile's ISN */
#define ISN_C	1234567890u	/* ours */
#define ISNS	"isn=3735928559/1234567890"

static struct outcome cn_info(struct fix *f, const char *body, enum sip_transport tp)
{
	struct outcome o = { .pass = "the cn secret", .tp = tp };

	send_req(f, "INFO", HMMPD_BODY_TYPE, body, NULL, &o);
	return o;
}

static void check_xlate(const struct hmmp_xlate *x, const char *l, uint16_t lp,
			const char *r, uint16_t rp, const char *pl, uint16_t plp,
			const char *pr, uint16_t prp)
{
	assert_int_equal(x->laddr, A(l));
	assert_int_equal(x->lport, lp);
	assert_int_equal(x->raddr, A(r));
	assert_int_equal(x->rport, rp);
	assert_int_equal(x->peer_laddr, A(pl));
	assert_int_equal(x->peer_lport, plp);
	assert_int_equal(x->peer_raddr, A(pr));
	assert_int_equal(x->peer_rport, prp);
}

/*
 * Item 5: the mobile opened the connection behind a home NAT. Our record
 * has the NAT's address and port; the mobile's Conn its private ones. The
 * identity finds the record: a translation, no address binding of the
 * private original; a refresh replaces it; a release deletes it.
 */
static void test_xlate_mobile_behind_nat(void **state)
{
	struct fix *f = *state;
	uint16_t cport = sip_port(f->client, SIP_TP_UDP);
	struct outcome o;
	char want[512];

	fm_isn(fm_conn(CN, CN, NATPUB, 22, 61034, HMMP_CONN_ESTABLISHED), ISN_C, ISN_M);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " PRIVO " to " COA "; lifetime=600; encap=auto\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 0);		/* no binding of the private original */
	assert_int_equal(fm.nxlates, 1);
	check_xlate(&fm.xlates[0], CN, 22, NATPUB, 61034, PRIVO, 40312, CN, 22);
	assert_int_equal(fm.xlates[0].coa, A(COA));
	assert_int_equal(fm.xlates[0].encap, HMMP_ENCAP_IPIP);
	assert_false(HMMP_HAVE(&fm.xlates[0], HMMP_XLATE_A_PORT));
	assert_int_equal(fm.xlates[0].lifetime, 120);	/* max_lifetime */
	assert_string_equal(o.expires, "120");
	assert_string_equal(o.body,
			    "Version: 2\r\n"
			    "Bind: " PRIVO " to " COA "; lifetime=120; encap=ipip; kind=correspondent; xlate=only\r\n"
			    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n");
	/* the refresh, now behind a NAT itself: replaced, udp to the source */
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " PRIVO " to 10.9.9.9:5060; lifetime=60; encap=udp\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 0);
	assert_int_equal(fm.nxlates, 1);
	check_xlate(&fm.xlates[0], CN, 22, NATPUB, 61034, PRIVO, 40312, CN, 22);
	assert_int_equal(fm.xlates[0].coa, A(COA));
	assert_int_equal(fm.xlates[0].encap, HMMP_ENCAP_UDP);
	assert_int_equal(fm.xlates[0].port, cport);
	assert_int_equal(fm.xlates[0].lifetime, 60);
	snprintf(want, sizeof(want),
		 "Version: 2\r\n"
		 "Bind: " PRIVO " to " COA ":%u; lifetime=60; encap=udp; kind=correspondent; xlate=only\r\n"
		 "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n", cport);
	assert_string_equal(o.body, want);
	/* what the mobile reads of it */
	{
		struct hmmpd_body b;
		struct hmmpd_body_err err;

		hmmpd_body_init(&b);
		assert_int_equal(hmmpd_body_parse_answer(o.ctype, o.body, strlen(o.body),
							 &b, &err), 0);
		assert_true(b.bind[0].xlate_only);
		assert_int_equal(b.nconn, 1);
		assert_int_equal(b.conn[0].isn_l, ISN_M);
		hmmpd_body_free(&b);
	}
	/* the release, home again behind the NAT: from its public address
	 * (not the original), the identity is the proof; deleted */
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " PRIVO " to " PRIVO "; lifetime=0\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nxlates, 0);
	assert_int_equal(fm.nbinds, 0);
	assert_string_equal(o.body, "");
	/* a release without the identity is the address's, as ever: refused */
	o = cn_info(f, "Version: 1\r\n"
		    "Bind: " PRIVO " to " PRIVO "; lifetime=0\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason, "Binding 1: release not sent from the address");
}

/*
 * Item 7: this host behind a port forward. Our record has our private
 * address and the service's port; the mobile's Conn the forward's public
 * address and port. auto is udp over UDP (ipip does not cross a forwarded
 * UDP port); ipip asked for, or auto relayed over TCP, is what the binding
 * rules give (this host cannot tell a port forward from a masquerade that
 * ipip crosses): a translation in ipip. The mobile's original is a live
 * remote of ours, yet every Conn is translated: no address binding.
 */
static void test_xlate_port_forward(void **state)
{
	struct fix *f = *state;
	uint16_t cport = sip_port(f->client, SIP_TP_UDP);
	struct outcome o;
	char want[512];

	fm_isn(fm_conn(CN, CN, ORIG, 2222, 40000, HMMP_CONN_ESTABLISHED), ISN_C, ISN_M);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " ORIG " to " COA "; encap=ipip\r\n"
		    "Conn: " ORIG ":40000 " FWDPUB ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 0);
	assert_int_equal(fm.nxlates, 1);
	assert_int_equal(fm.xlates[0].encap, HMMP_ENCAP_IPIP);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " ORIG " to " COA "; encap=auto\r\n"
		    "Conn: " ORIG ":40000 " FWDPUB ":22; " ISNS "\r\n", SIP_TP_TCP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 0);
	assert_int_equal(fm.nxlates, 1);
	assert_int_equal(fm.xlates[0].encap, HMMP_ENCAP_IPIP);
	assert_int_equal(fm.xlates[0].port, 0);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " ORIG " to " COA "; encap=auto\r\n"
		    "Conn: " ORIG ":40000 " FWDPUB ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 0);
	assert_int_equal(fm.nxlates, 1);
	check_xlate(&fm.xlates[0], CN, 2222, ORIG, 40000, ORIG, 40000, FWDPUB, 22);
	assert_int_equal(fm.xlates[0].encap, HMMP_ENCAP_UDP);
	assert_int_equal(fm.xlates[0].coa, A(COA));
	assert_int_equal(fm.xlates[0].port, cport);
	assert_int_equal(fm.xlates[0].lifetime, 60);	/* lifetime */
	snprintf(want, sizeof(want),
		 "Version: 2\r\n"
		 "Bind: " ORIG " to " COA ":%u; lifetime=60; encap=udp; kind=correspondent; xlate=only\r\n"
		 "Conn: " ORIG ":40000 " FWDPUB ":22; " ISNS "\r\n", cport);
	assert_string_equal(o.body, want);
}

/*
 * Equal views (no NAT on the connection): the identity changes nothing,
 * the address binding as in version 1; no translation, a version-1
 * answer. A second connection translated beside it: both.
 */
static void test_xlate_equal_views(void **state)
{
	struct fix *f = *state;
	struct outcome o;

	fm_isn(fm_conn(CN, CN, ORIG, 5001, 40000, HMMP_CONN_ESTABLISHED), ISN_C, ISN_M);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " ORIG " to " COA "; lifetime=600; encap=minimal\r\n"
		    "Conn: " ORIG ":40000 " CN ":5001; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nxlates, 0);
	assert_int_equal(fm.nbinds, 1);
	assert_int_equal(fm.binds[0].orig, A(ORIG));
	assert_int_equal(fm.binds[0].peer, A(CN));
	assert_int_equal(fm.binds[0].encap, HMMP_ENCAP_MINIMAL);
	assert_string_equal(o.body,
			    "Version: 1\r\n"
			    "Bind: " ORIG " to " COA "; lifetime=120; encap=minimal; kind=correspondent\r\n");
	/* one more from the same original through a port forward */
	fm_isn(fm_conn(CN, CN, ORIG, 2222, 40001, HMMP_CONN_ESTABLISHED), 5, 6);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " ORIG " to " COA "; lifetime=600; encap=udp\r\n"
		    "Conn: " ORIG ":40000 " CN ":5001; " ISNS "\r\n"
		    "Conn: " ORIG ":40001 " FWDPUB ":22; isn=6/5\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 1);
	assert_int_equal(fm.binds[0].encap, HMMP_ENCAP_UDP);
	assert_int_equal(fm.nxlates, 1);
	check_xlate(&fm.xlates[0], CN, 2222, ORIG, 40001, ORIG, 40001, FWDPUB, 22);
	assert_non_null(strstr(o.body, "kind=correspondent\r\n"
			       "Conn: " ORIG ":40001 " FWDPUB ":22; isn=6/5\r\n"));
	assert_null(strstr(o.body, "xlate=only"));
	assert_null(strstr(o.body, ":5001"));
}

/*
 * Deny by default (issue 16 items 1 and 13): the original address is
 * nobody's in hmmpd.conf (a laptop's dynamic lease). A body without an
 * identity gets 403; the identity proves the one connection, which gets a translation
 * to its own 4-tuple: no address binding, the address's other connection
 * (not listed) and its other traffic stay as they were.
 */
static void test_unlisted_identity(void **state)
{
	struct fix *f = *state;
	struct outcome o;

	f->d.conf->npeers = 0;
	fm_isn(fm_conn(CN, CN, ORIG, 5001, 40000, HMMP_CONN_ESTABLISHED), ISN_C, ISN_M);
	fm_conn(CN, CN, ORIG, 5002, 40002, HMMP_CONN_ESTABLISHED);
	o = cn_info(f, "Version: 1\r\nBind: " ORIG " to " COA "; lifetime=600\r\n",
		    SIP_TP_UDP);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason, "Binding 1: " HMMPD_POLICY_NOT_PROVEN);
	assert_int_equal(fm.changes, 0);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " ORIG " to " COA "; lifetime=600; encap=ipip\r\n"
		    "Conn: " ORIG ":40000 " CN ":5001; " ISNS "\r\n"
		    "Conn: " ORIG ":40002 " CN ":5002\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nbinds, 0);
	assert_int_equal(fm.nxlates, 1);
	check_xlate(&fm.xlates[0], CN, 5001, ORIG, 40000, ORIG, 40000, CN, 5001);
	assert_int_equal(fm.xlates[0].coa, A(COA));
	assert_int_equal(fm.xlates[0].encap, HMMP_ENCAP_IPIP);
	assert_string_equal(o.body,
			    "Version: 2\r\n"
			    "Bind: " ORIG " to " COA "; lifetime=120; encap=ipip; kind=correspondent; xlate=only\r\n"
			    "Conn: " ORIG ":40000 " CN ":5001; " ISNS "\r\n");
}

/*
 * No record with the identity, or one whose ISNs differ (one of them, or
 * swapped): no translation, and without another live connection with
 * the original, 403 as in version 1; nothing changes.
 */
static void test_xlate_no_match_403(void **state)
{
	struct fix *f = *state;
	static const char *const isns[] = {
		"isn=3735928559/1234567891", "isn=3735928558/1234567890",
		"isn=1234567890/3735928559",
	};
	struct outcome o;
	char body[512];
	size_t i;

	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " PRIVO " to " COA "; kind=correspondent\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 403);
	assert_string_equal(o.reason, "Binding 1: " HMMPD_POLICY_NOT_PROVEN);
	fm_isn(fm_conn(CN, CN, NATPUB, 22, 61034, HMMP_CONN_ESTABLISHED), ISN_C, ISN_M);
	/* a record with only one ISN (picked up) proves nothing */
	fm.conns[fm.nconns - 1].have &= ~(1u << HMMP_CONN_A_ISN_LOCAL);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " PRIVO " to " COA "; kind=correspondent\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 403);
	HMMP_SET(&fm.conns[fm.nconns - 1], HMMP_CONN_A_ISN_LOCAL);
	for (i = 0; i < HMMP_ARRAY_SIZE(isns); i++) {
		snprintf(body, sizeof(body), "Version: 2\r\n"
			 "Bind: " PRIVO " to " COA "; kind=correspondent\r\n"
			 "Conn: " PRIVO ":40312 " CN ":22; %s\r\n", isns[i]);
		o = cn_info(f, body, SIP_TP_UDP);
		assert_int_equal(o.status, 403);
		assert_string_equal(o.reason, "Binding 1: " HMMPD_POLICY_NOT_PROVEN);
	}
	/* a closed record matches nothing */
	fm.conns[fm.nconns - 1].state = HMMP_CONN_DISCONNECT;
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " PRIVO " to " COA "; kind=correspondent\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 403);
	assert_int_equal(fm.changes, 0);
	assert_int_equal(fm.nxlates, 0);
	assert_int_equal(fm.nbinds, 0);
}

/* A translation the kernel refuses: every change undone, the earlier one back. */
static void test_xlate_refusal_undone(void **state)
{
	struct fix *f = *state;
	struct outcome o;

	fm_isn(fm_conn(CN, CN, NATPUB, 22, 61034, HMMP_CONN_ESTABLISHED), ISN_C, ISN_M);
	fm_isn(fm_conn(CN, CN, NATPUB, 23, 61035, HMMP_CONN_ESTABLISHED), 7, 8);
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " PRIVO " to " COA "\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 200);
	assert_int_equal(fm.nxlates, 1);
	/* the table is full after the first of two: both undone, the first as it was */
	fm.nxlates = FM_MAX;
	memset(&fm.xlates[1], 0, (FM_MAX - 1) * sizeof(fm.xlates[0]));
	{
		int i;

		for (i = 1; i < FM_MAX; i++) {
			hmmpd_xlate_make(&fm.xlates[i], A("10.0.0.1"), (uint16_t)i,
					 A("10.0.0.2"), 1, A("10.0.0.3"), 1,
					 A("10.0.0.4"), 1, A(COA), HMMP_ENCAP_IPIP, 0);
		}
	}
	o = cn_info(f, "Version: 2\r\n"
		    "Bind: " PRIVO " to " COA "; lifetime=30; encap=minimal\r\n"
		    "Conn: " PRIVO ":40312 " CN ":22; " ISNS "\r\n"
		    "Conn: " PRIVO ":40313 " CN ":23; isn=8/7\r\n", SIP_TP_UDP);
	assert_int_equal(o.status, 500);
	assert_string_equal(o.reason, "Kernel refused the binding");
	assert_int_equal(fm.nxlates, FM_MAX);
	check_xlate(&fm.xlates[0], CN, 22, NATPUB, 61034, PRIVO, 40312, CN, 22);
	assert_int_equal(fm.xlates[0].encap, HMMP_ENCAP_IPIP);
	assert_true(fm.xlates[0].lifetime >= 59 && fm.xlates[0].lifetime <= 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_connection_403, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unauthenticated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seed_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_refusal_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_down_and_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_peers_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_nat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_over_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_mapping_401, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlate_mobile_behind_nat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlate_port_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlate_equal_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlisted_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlate_no_match_403, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlate_refusal_undone, setup, teardown),
		cmocka_unit_test(test_origin),
	};

	return cmocka_run_group_tests(tests, netns_group_setup, NULL);
}
