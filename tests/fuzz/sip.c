// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz harness: SIP messages through hmmpd's request path, as far as it
 * goes without the network: osip2's parser, sip/transaction.c's checks
 * (stateless 400/505/501/481, the server transaction), and the
 * correspondent feature's request handler (digest authentication, the
 * body, the policy, bindings in a fake hmmp.ko), as tests/unit/test_uas.c
 * drives them: the daemon context of test_uas.c, fake_kernel.h and
 * fake_module.h (one connection 198.51.100.10:5001 <-> 192.0.2.10:40000).
 *
 * Input: the first byte chooses, the rest is one SIP message as received
 * over UDP from 203.0.113.10:5070:
 *   bit 0 clear: the message as it is (an unauthenticated request is
 *                answered 401 before its body is looked at);
 *   bit 0 set:   the harness answers the challenge first: it parses the
 *                message, computes a valid Authorization for user "m" with
 *                a fresh nonce bound to the message's source and Call-ID
 *                (as correspondent.c binds it), and inserts that header
 *                after the first line, so that the body and the policy are
 *                reached.
 * Every input gets a fresh struct sip (no transaction left from an earlier
 * input), nonce-count table and fake module: a run of an input is always
 * the same. The sockets live in a network namespace of the harness's own
 * (as test_uas.c's), where the answers go nowhere; without one (no
 * privilege) the source is 127.0.0.1.
 *
 * Checked beyond "no crash": a refused request changes no binding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* fake_module.h and fake_kernel.h check with cmocka's macros: abort here */
#define fail_msg(...)		abort()
#define fail()			abort()
#define assert_true(c)		do { if (!(c)) abort(); } while (0)
#define assert_false(c)		assert_true(!(c))
#define assert_non_null(p)	assert_true((p) != NULL)
#define assert_int_equal(a, b)	assert_true((a) == (b))

#include <netlink/socket.h>

#include "core/daemon.h"
#include "core/feature.h"
#include "core/log.h"
#include "core/net.h"
#include "fake_kernel.h"
#include "fake_module.h"
#include "features/correspondent/correspondent.h"
#include "netns.h"
#include "sip/auth.h"
#include "sip/sip-int.h"
#include "sip/sip.h"

#define ORIG	"192.0.2.10"
#define SRC_PORT 5070

static struct hmmpd_secret lines[] = {
	{ "m", "m", "the cn secret" },
	{ "eve", "eve", "eve's secret" },
};

static sd_event *ev;
static struct hmmpd d;
static void *uas_state;		/* the feature's (its start() made it) */
static struct sip_addr src;
static char src_ip[HMMP_ADDRSTRLEN];

static void on_request(struct sip *sip, const osip_message_t *req,
		       const struct sip_addr *from, enum sip_transport tp,
		       void *data)
{
	(void)sip;
	if (!hmmpd_feature_correspondent.sip_request(data, uas_state, req, from, tp))
		abort();	/* it takes every request */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const addrs[] = { NETNS_COA, NETNS_CN };

	(void)argc;
	(void)argv;
	(void)netns_group_setup;	/* netns.h's, for cmocka */
	hmmpd_log_set_level(getenv("HMMP_FUZZ_VERBOSE") ? LOG_DEBUG : LOG_EMERG);
	if (enter_netns(addrs, 2)) {
		fprintf(stderr, "sip fuzz: no network namespace (%s): source 127.0.0.1\n",
			netns_err ? netns_err : "unshare");
		src.addr = A("127.0.0.1");
	} else {
		src.addr = A(NETNS_COA);
	}
	src.port = SRC_PORT;
	parser_init();	/* authorize() parses before any sip_new() (sip.h) */
	hmmp_addr_format(src.addr, src_ip);
	if (sd_event_new(&ev) < 0)
		abort();
	d.ev = ev;
	d.conf = malloc(sizeof(*d.conf));
	d.nc = malloc(sizeof(*d.nc));
	if (!d.conf || !d.nc)
		abort();
	hmmpd_conf_defaults(d.conf);
	d.conf->roles = HMMP_ROLE_CORRESPONDENT | HMMP_ROLE_ROUTER;
	d.conf->lifetime = 60;
	d.conf->max_lifetime = 120;
	/* m's address, so that grants are reached (deny by default) */
	d.conf->npeers = 1;
	snprintf(d.conf->peers[0].name, sizeof(d.conf->peers[0].name), "m");
	d.conf->peers[0].addr[0] = A(ORIG);
	d.conf->peers[0].naddr = 1;
	d.secrets.n = 2;
	d.secrets.v = lines;
	memset(d.nonce_key, 7, sizeof(d.nonce_key));
	fk_setup(&d.cmd);
	fm_setup();
	if (hmmp_nl_resolve(&d.cmd))
		abort();
	d.up = true;
	d.rt = hmmpd_net_open();
	if (!d.rt)
		abort();
	if (hmmpd_feature_correspondent.start(&d, &uas_state))
		abort();
	return 0;
}

/*
 * The message with an Authorization header answering the challenge the
 * correspondent would send it; NULL when it does not parse as a request
 * with a Call-ID (then it goes as it is).
 */
static char *authorize(const char *msg, size_t len, size_t *outlen)
{
	struct hmmpd_digest_server srv = {
		.key = d.nonce_key, .keylen = sizeof(d.nonce_key),
		.realm = d.conf->realm, .nonce_lifetime = d.conf->nonce_lifetime,
	};
	char ctx[HMMP_ADDRSTRLEN + 6 + 128], chal[2048], auth[2048];
	const char *why, *eol, *p;
	osip_message_t *m = NULL;
	char *uri = NULL, *out = NULL, *c, *e;
	unsigned int i;
	size_t head;
	int n;

	for (i = 0; i < d.conf->nalgs; i++)
		srv.algs |= HMMPD_ALG_BIT(d.conf->algs[i]);
	if (osip_message_init(&m))
		return NULL;
	if (osip_message_parse(m, msg, len) || !MSG_IS_REQUEST(m) || !m->sip_method ||
	    !m->call_id || !m->req_uri || osip_uri_to_str(m->req_uri, &uri))
		goto out;
	snprintf(ctx, sizeof(ctx), "%s:%u %.60s@%.60s", src_ip, src.port,
		 m->call_id->number ? m->call_id->number : "",
		 m->call_id->host ? m->call_id->host : "");
	if (hmmpd_auth_challenge(&srv, d.conf->algs, d.conf->nalgs, hmmpd_now_s(),
				 ctx, false, chal, sizeof(chal)) < 0)
		goto out;
	/* the first challenge's value: after "WWW-Authenticate: ", to its line end */
	c = strchr(chal, ':');
	if (!c)
		goto out;
	c += 2;
	e = strstr(c, "\r\n");
	if (e)
		*e = '\0';
	p = c;
	n = hmmpd_auth_answer(&p, 1, "Authorization", "m", "the cn secret",
			      m->sip_method, uri, "f00d", auth, sizeof(auth), &why);
	if (n <= 0 || (size_t)n >= sizeof(auth))
		goto out;
	eol = memchr(msg, '\n', len);
	if (!eol)
		goto out;
	head = (size_t)(eol - msg) + 1;
	out = malloc(len + (size_t)n + 2);
	if (!out)
		goto out;
	memcpy(out, msg, head);
	memcpy(out + head, auth, (size_t)n);
	memcpy(out + head + n, "\r\n", 2);
	memcpy(out + head + n + 2, msg + head, len - head);
	*outlen = len + (size_t)n + 2;
out:
	osip_free(uri);
	osip_message_free(m);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_config cfg = { .addr = 0 };
	char *buf, *signed_msg = NULL;
	size_t len;
	int before;

	if (size < 1 || size > SIP_MAX_MSG)
		return 0;
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	memcpy(buf, data + 1, len);
	if (data[0] & 1)
		signed_msg = authorize(buf, len, &len);
	if (!signed_msg)
		len = size - 1;

	/* fake_kernel.h's queue runs for one test: empty it for each input */
	for (; fk.qh < fk.qt; fk.qh++)
		free(fk.q[fk.qh].buf);
	fk.qh = fk.qt = 0;
	fm_setup();
	fm_conn(NETNS_CN, NETNS_CN, ORIG, 5001, 40000, HMMP_CONN_ESTABLISHED);
	memset(d.nc, 0, sizeof(*d.nc));
	if (sip_new(ev, &cfg, &d.sip))
		abort();
	sip_set_request_handler(d.sip, on_request, &d);
	d.sip->rx_local = A(NETNS_CN);
	before = fm.changes;
	sip_int_on_message(d.sip, signed_msg ? signed_msg : buf, len, &src,
			   SIP_TP_UDP, NULL);
	if (!signed_msg && fm.changes != before)
		abort();	/* unauthenticated, yet a binding changed */
	sip_free(d.sip);
	d.sip = NULL;
	free(signed_msg);
	free(buf);
	return 0;
}
