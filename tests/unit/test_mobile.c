// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the mobile role's encapsulation per correspondent
 * (userspace/hmmpd/features/mobile/encap.c, and what signal.c does with
 * it), issue 13. The mobile's INFOs (mobile_send_info, from its private
 * header) go over real UDP, in a network namespace of the test's own
 * (netns.h), to a scripted correspondent in the same process that answers
 * as a newer one (an answer body saying udp, or ipip), an older one (200
 * without a body) or an older still (400 "bad encap"); the mobile-kind
 * bindings land in the fake hmmp.ko (fake_module.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/daemon.h"
#include "core/feature.h"
#include "core/kern.h"
#include "core/log.h"
#include "core/plan.h"
#include "fake_kernel.h"
#include "fake_module.h"
#include "features/mobile/mobile-int.h"
#include "features/mobile/mobile.h"
#include "netns.h"
#include "sip/body.h"
#include "sip/sip.h"
#include "util.h"

#define ORIG	"192.0.2.10"
#define COA	NETNS_COA	/* the mobile's address now */
#define CN	NETNS_CN	/* the correspondent */
#define NATIP	"198.18.0.77"	/* the NAT's public address, as it saw us */

/* ---- the scripted correspondent ---- */

#define MAX_STEPS 4

struct script {
	int status[MAX_STEPS];
	const char *reason[MAX_STEPS];
	const char *answer[MAX_STEPS];	/* an answer body, or NULL */
	int n, next;
	char got[MAX_STEPS][1024];	/* the INFO bodies received */
	enum sip_transport tp[MAX_STEPS];
};

struct fix {
	sd_event *ev;
	struct hmmpd d;
	struct sip *cn;
	struct hmmpd_mobile *m;
	struct script sc;
};

static void cn_request(struct sip *sip, const osip_message_t *req,
		       const struct sip_addr *src, enum sip_transport tp,
		       void *data)
{
	struct script *sc = data;
	osip_body_t *b = NULL;
	int i = sc->next++;

	(void)src;
	assert_true(i < sc->n);
	if (!osip_message_get_body(req, 0, &b) && b && b->body)
		snprintf(sc->got[i], sizeof(sc->got[i]), "%.*s", (int)b->length,
			 b->body);
	sc->tp[i] = tp;
	assert_int_equal(sip_respond(sip, req, sc->status[i], sc->reason[i], NULL,
				     sc->answer[i] ? HMMPD_BODY_TYPE : NULL,
				     sc->answer[i],
				     sc->answer[i] ? strlen(sc->answer[i]) : 0), 0);
}

static int setup_encap(void **state, uint8_t encap)
{
	struct sip_config cfg = { .addr = 0 };
	struct fix *f;
	void *st = NULL;

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
	f->d.conf->roles = HMMP_ROLE_MOBILE;
	f->d.conf->lifetime = 60;
	f->d.conf->encap = encap;
	fk_setup(&f->d.cmd);
	fm_setup();
	assert_int_equal(hmmp_nl_resolve(&f->d.cmd), 0);
	f->d.up = true;
	f->d.watch.attached = true;
	f->d.watch.cur.addr = A(COA);
	assert_int_equal(sip_new(f->ev, &cfg, &f->d.sip), 0);
	assert_int_equal(sip_new(f->ev, &cfg, &f->cn), 0);
	sip_set_request_handler(f->cn, cn_request, &f->sc);
	/* the correspondent, at its SIP port (an ephemeral one here) */
	f->d.conf->npeers = 1;
	snprintf(f->d.conf->peers[0].name, sizeof(f->d.conf->peers[0].name), "cn");
	snprintf(f->d.conf->peers[0].uri, sizeof(f->d.conf->peers[0].uri),
		 "sip:hmmp@" CN ":%u", sip_port(f->cn, SIP_TP_UDP));
	f->d.conf->peers[0].addr[0] = A(CN);
	f->d.conf->peers[0].naddr = 1;
	assert_int_equal(hmmpd_feature_mobile.start(&f->d, &st), 0);
	f->m = st;
	*state = f;
	return 0;
}

static int setup_auto(void **state)
{
	return setup_encap(state, HMMPD_ENCAP_AUTO);
}

static int setup_udp(void **state)
{
	return setup_encap(state, HMMP_ENCAP_UDP);
}

static int setup_minimal(void **state)
{
	return setup_encap(state, HMMP_ENCAP_MINIMAL);
}

static int teardown(void **state)
{
	struct fix *f = *state;

	hmmpd_feature_mobile.stop(&f->d, f->m);
	sip_free(f->cn);
	sip_free(f->d.sip);
	fk_teardown(&f->d.cmd);
	free(f->d.conf);
	sd_event_unref(f->ev);
	free(f);
	return 0;
}

static void step(struct fix *f, int status, const char *reason,
		 const char *answer)
{
	struct script *sc = &f->sc;

	assert_true(sc->n < MAX_STEPS);
	sc->status[sc->n] = status;
	sc->reason[sc->n] = reason;
	sc->answer[sc->n] = answer;
	sc->n++;
}

/* send_info's connection has its identity (a version-2 body) */
static bool with_isn;

/* One INFO of the plan: ORIG bound to COA, with the configured encap. */
static void send_info(struct fix *f)
{
	struct hmmpd_plan_info in = {
		.kind = HMMP_BIND_CORRESPONDENT, .dest = A(CN), .expires = 60,
	};
	struct hmmpd_tcp t = {
		.laddr = A(ORIG), .raddr = A(CN), .lport = 40000, .rport = 5001,
		.isn_l = with_isn ? 7 : 0, .isn_r = with_isn ? 8 : 0,
		.flags = with_isn ? HMMPD_TCP_ISN : 0,
	};
	struct timespec t0, t1;

	hmmpd_body_init(&in.body);
	assert_int_equal(hmmpd_body_add_bind(&in.body, A(ORIG), A(COA), 60,
					     f->d.conf->encap,
					     HMMP_BIND_CORRESPONDENT), 0);
	if (f->d.conf->encap == HMMP_ENCAP_UDP)
		in.body.bind[0].port = sip_port(f->d.sip, SIP_TP_UDP);
	assert_int_equal(hmmpd_body_add_conn(&in.body, &t), 0);
	mobile_send_info(f->m, &in, false);
	hmmpd_body_free(&in.body);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_true(sd_event_run(f->ev, 100000) >= 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (f->m->txns && t1.tv_sec - t0.tv_sec < 10);
	assert_null(f->m->txns);
}

static const struct hmmp_binding *mobile_binding(void)
{
	int i = fm_find(A(ORIG), A(CN), HMMP_BIND_MOBILE);

	return i < 0 ? NULL : &fm.binds[i];
}

static const char *answer_udp(void)
{
	return "Version: 1\r\nBind: " ORIG " to " NATIP ":61000; lifetime=60; encap=udp; kind=correspondent\r\n";
}

/* auto, behind a NAT: the answer says udp; the reverse tunnel follows. */
static void test_auto_nat(void **state)
{
	struct fix *f = *state;
	const struct hmmp_binding *b;
	const struct udp_peer *u;
	uint16_t port;

	step(f, 200, NULL, answer_udp());
	send_info(f);
	assert_non_null(strstr(f->sc.got[0],
			       "Bind: " ORIG " to " COA "; lifetime=60; encap=auto; kind=correspondent"));
	b = mobile_binding();
	assert_non_null(b);
	assert_int_equal(b->encap, HMMP_ENCAP_UDP);
	assert_int_equal(b->coa, A(COA));
	assert_true(HMMP_HAVE(b, HMMP_BIND_A_PORT));
	assert_int_equal(b->port, sip_port(f->cn, SIP_TP_UDP));	/* where the INFO went */
	/* remembered: the next hand-off's binding is udp at once */
	u = mobile_udp_peer(f->m, A(CN));
	assert_non_null(u);
	assert_int_equal(u->refl, A(NATIP));
	assert_int_equal(u->refl_port, 61000);
	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_UDP);
	assert_int_equal(port, sip_port(f->cn, SIP_TP_UDP));
	/* the same answer again: nothing to change */
	fm.changes = 0;
	step(f, 200, NULL, answer_udp());
	send_info(f);
	assert_int_equal(fm.changes, 0);
	/* it says ipip now (no NAT any more): back to ipip, forgotten */
	step(f, 200, NULL,
	     "Version: 1\r\nBind: " ORIG " to " COA "; lifetime=60; encap=ipip; kind=correspondent\r\n");
	send_info(f);
	b = mobile_binding();
	assert_non_null(b);
	assert_int_equal(b->encap, HMMP_ENCAP_IPIP);
	assert_false(HMMP_HAVE(b, HMMP_BIND_A_PORT));
	assert_null(mobile_udp_peer(f->m, A(CN)));
	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_IPIP);
}

/* An older correspondent: 200 without a body; auto means the fallback. */
static void test_auto_old_correspondent(void **state)
{
	struct fix *f = *state;
	uint16_t port;

	mobile_udp_remember(f->m, A(CN), 5060, 0, 0);
	step(f, 200, NULL, NULL);
	send_info(f);
	assert_null(mobile_udp_peer(f->m, A(CN)));
	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_IPIP);
	assert_int_equal(fm.changes, 0);	/* nothing installed by the answer */
	/* a malformed answer body counts as none */
	step(f, 200, NULL, "Version: 1\r\nBind: " ORIG " to " NATIP "; encap=auto\r\n");
	send_info(f);
	assert_int_equal(fm.changes, 0);
	assert_null(mobile_udp_peer(f->m, A(CN)));
}

/*
 * A correspondent older than the connection identities: 400 "unsupported
 * version" to a version-2 body; asked again in version 1, without
 * identities, and from then on. One older still then says "bad encap":
 * asked a third time, with ipip.
 */
static void test_version1_correspondent(void **state)
{
	struct fix *f = *state;

	with_isn = true;
	step(f, 400, "Bad binding body: line 1: unsupported version (this receiver knows 1)", NULL);
	step(f, 200, NULL, NULL);
	send_info(f);
	assert_int_equal(f->sc.next, 2);
	assert_non_null(strstr(f->sc.got[0], "Version: 2\r\n"));
	assert_non_null(strstr(f->sc.got[0], "Conn: " ORIG ":40000 " CN ":5001; isn=7/8\r\n"));
	assert_non_null(strstr(f->sc.got[1], "Version: 1\r\n"));
	assert_non_null(strstr(f->sc.got[1], "Conn: " ORIG ":40000 " CN ":5001\r\n"));
	assert_null(strstr(f->sc.got[1], "isn="));
	assert_non_null(strstr(f->sc.got[1], "encap=auto"));
	/* the next INFO: version 1 at once */
	step(f, 200, NULL, NULL);
	send_info(f);
	assert_int_equal(f->sc.next, 3);
	assert_non_null(strstr(f->sc.got[2], "Version: 1\r\n"));
	assert_null(strstr(f->sc.got[2], "isn="));
	/* that 400 again (to a version-1 body) is a failure: not asked again */
	step(f, 400, "Bad binding body: line 1: unsupported version (this receiver knows 1)", NULL);
	send_info(f);
	assert_int_equal(f->sc.next, 4);
	with_isn = false;
}

static void test_version1_legacy(void **state)
{
	struct fix *f = *state;

	with_isn = true;
	step(f, 400, "Bad binding body: line 1: unsupported version (this receiver knows 1)", NULL);
	step(f, 400, "Bad binding body: line 2: bad encap (ipip or minimal)", NULL);
	step(f, 200, NULL, NULL);
	send_info(f);
	with_isn = false;
	assert_int_equal(f->sc.next, 3);
	assert_non_null(strstr(f->sc.got[2], "Version: 1\r\n"));
	assert_non_null(strstr(f->sc.got[2], "encap=ipip"));
	assert_null(strstr(f->sc.got[2], "isn="));
}

/* Older still: 400 "bad encap"; asked again with ipip, and from then on. */
static void test_auto_legacy_400(void **state)
{
	struct fix *f = *state;
	struct hmmpd_body b;

	step(f, 400, "Bad binding body: line 2: bad encap (ipip or minimal)", NULL);
	step(f, 200, NULL, NULL);
	send_info(f);
	assert_int_equal(f->sc.next, 2);
	assert_non_null(strstr(f->sc.got[0], "encap=auto"));
	assert_non_null(strstr(f->sc.got[1],
			       "Bind: " ORIG " to " COA "; lifetime=60; encap=ipip; kind=correspondent"));
	assert_non_null(strstr(f->sc.got[1], "Conn: " ORIG ":40000 " CN ":5001"));
	assert_int_equal(mobile_body_encap(f->m, A(CN)), HMMP_ENCAP_IPIP);
	/* the next INFO asks ipip at once */
	step(f, 200, NULL, NULL);
	send_info(f);
	assert_int_equal(f->sc.next, 3);
	assert_non_null(strstr(f->sc.got[2], "encap=ipip"));
	/* another 400 is a failure as ever: not asked a third way */
	step(f, 400, "Bad binding body: line 2: bad encap (ipip or minimal)", NULL);
	send_info(f);
	assert_int_equal(f->sc.next, 4);
	/* others are not older for it */
	assert_int_equal(mobile_body_encap(f->m, A("198.51.100.99")), HMMPD_ENCAP_AUTO);
	hmmpd_body_init(&b);
	assert_int_equal(hmmpd_body_add_bind(&b, A(ORIG), A(COA), 60,
					     HMMPD_ENCAP_AUTO, 0), 0);
	mobile_body_for_peer(f->m, A(CN), &b);
	assert_int_equal(b.bind[0].encap, HMMP_ENCAP_IPIP);
	hmmpd_body_free(&b);
}

/* Another 400 is not about the encapsulation: no second try. */
static void test_auto_other_400(void **state)
{
	struct fix *f = *state;

	step(f, 400, "Bad binding body: line 2: bad new address", NULL);
	send_info(f);
	assert_int_equal(f->sc.next, 1);
	assert_int_equal(mobile_body_encap(f->m, A(CN)), HMMPD_ENCAP_AUTO);
}

/* encap = udp: udp from the start, the INFO over UDP with our port. */
static void test_udp_configured(void **state)
{
	struct fix *f = *state;
	char want[128];
	uint16_t port;

	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_UDP);
	assert_int_equal(port, sip_port(f->cn, SIP_TP_UDP));	/* the [peer] URI's */
	assert_int_equal(mobile_encap_for(f->m, A("198.51.100.99"), &port),
			 HMMP_ENCAP_UDP);
	assert_int_equal(port, SIP_PORT_DEFAULT);		/* no [peer]: 5060 */
	/* what the hand-off installs first (mobile.c) */
	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_UDP);
	assert_int_equal(mobile_bind_peer(f->m, A(ORIG), A(CN), HMMP_ENCAP_UDP, port,
					  false), 0);
	step(f, 200, NULL, answer_udp());
	send_info(f);
	snprintf(want, sizeof(want), "Bind: " ORIG " to " COA ":%u; lifetime=60; encap=udp",
		 sip_port(f->d.sip, SIP_TP_UDP));
	assert_non_null(strstr(f->sc.got[0], want));
	assert_int_equal(f->sc.tp[0], SIP_TP_UDP);
	assert_non_null(mobile_binding());
	assert_int_equal(mobile_binding()->encap, HMMP_ENCAP_UDP);
	/* an older correspondent: the fallback, its mobile binding too */
	step(f, 400, "Bad binding body: line 2: bad encap (ipip or minimal)", NULL);
	step(f, 200, NULL, NULL);
	send_info(f);
	assert_non_null(strstr(f->sc.got[2], "encap=ipip"));
	assert_null(strstr(f->sc.got[2], COA ":"));
	assert_int_equal(mobile_binding()->encap, HMMP_ENCAP_IPIP);
	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_IPIP);
}

/* ipip or minimal configured: as before, whatever an answer says. */
static void test_minimal_configured(void **state)
{
	struct fix *f = *state;
	uint16_t port;

	mobile_udp_remember(f->m, A(CN), 5060, 0, 0);	/* ignored */
	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_MINIMAL);
	assert_int_equal(mobile_fallback_encap(f->d.conf), HMMP_ENCAP_MINIMAL);
	mobile_udp_forget(f->m, A(CN));
	step(f, 200, NULL,
	     "Version: 1\r\nBind: " ORIG " to " COA "; lifetime=60; encap=minimal; kind=correspondent\r\n");
	send_info(f);
	assert_non_null(strstr(f->sc.got[0], "encap=minimal"));
	assert_int_equal(fm.changes, 0);
	/* a 400 about the encapsulation is not retried: nothing was new */
	step(f, 400, "Bad binding body: line 2: bad encap (ipip or minimal)", NULL);
	send_info(f);
	assert_int_equal(f->sc.next, 2);
}

/* The memory: bounded, forget, a mobile binding per answer binding. */
static void test_memory(void **state)
{
	struct fix *f = *state;
	unsigned int i;

	for (i = 0; i < MAX_UDP_PEERS + 3; i++)
		mobile_udp_remember(f->m, htonl(0xc6336400u + i), 5060, 0, 0);
	assert_int_equal(f->m->nudp, MAX_UDP_PEERS);
	mobile_udp_remember(f->m, htonl(0xc6336400u), 5070, A(NATIP), 1);
	assert_int_equal(f->m->nudp, MAX_UDP_PEERS);
	assert_int_equal(mobile_udp_peer(f->m, htonl(0xc6336400u))->port, 5070);
	mobile_udp_forget(f->m, htonl(0xc6336400u));
	assert_null(mobile_udp_peer(f->m, htonl(0xc6336400u)));
	assert_int_equal(f->m->nudp, MAX_UDP_PEERS - 1);
	mobile_udp_forget(f->m, A("192.0.2.99"));	/* unknown: nothing */
	assert_int_equal(f->m->nudp, MAX_UDP_PEERS - 1);
	/* the kernel refuses: logged, no memory lost */
	fm.refuse_orig = A(ORIG);
	assert_int_equal(mobile_bind_peer(f->m, A(ORIG), A(CN), HMMP_ENCAP_UDP,
					  5060, false), -1);
	fm.refuse_orig = 0;
	assert_int_equal(mobile_bind_peer(f->m, A(ORIG), A(CN), HMMP_ENCAP_UDP,
					  5060, true), 0);
	assert_int_equal(mobile_binding()->port, 5060);
	/* answers for a router binding or a release change nothing */
	fm.changes = 0;
	{
		static const char router[] =
			"Version: 1\r\nBind: " ORIG " to " NATIP ":1; lifetime=9; encap=udp; kind=router\r\n";
		static const char release[] =
			"Version: 1\r\nBind: " ORIG " to " COA "; lifetime=0; encap=ipip; kind=correspondent\r\n";

		mobile_info_answer(f->m, A(CN), HMMPD_ENCAP_AUTO, HMMPD_BODY_TYPE,
				   router, strlen(router));
		mobile_info_answer(f->m, A(CN), HMMPD_ENCAP_AUTO, HMMPD_BODY_TYPE,
				   release, strlen(release));
	}
	assert_int_equal(fm.changes, 0);
}

/* hmmp.ko's udp mobile bindings of an earlier hmmpd: remembered at resync. */
static void test_resync(void **state)
{
	struct fix *f = *state;
	uint16_t port;

	f->d.rt = hmmpd_net_open();
	assert_non_null(f->d.rt);
	hmmpd_binding_make(&fm.binds[0], A(ORIG), A(CN), HMMP_BIND_MOBILE, A(COA),
			   HMMP_ENCAP_UDP, 60);
	hmmpd_binding_set_port(&fm.binds[0], 5099);
	fm.nbinds = 1;
	hmmpd_feature_mobile.kernel_up(&f->d, f->m);
	assert_non_null(mobile_udp_peer(f->m, A(CN)));
	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_UDP);
	assert_int_equal(port, 5099);
	nl_socket_free(f->d.rt);
	f->d.rt = NULL;
}

/* The core's bindings_wanted (a NAT rebinding): the INFOs at once. */
static void test_bindings_wanted(void **state)
{
	struct fix *f = *state;
	struct timespec t0, t1;
	uint16_t port;

	f->d.rt = hmmpd_net_open();
	assert_non_null(f->d.rt);
	fm_conn(ORIG, COA, CN, 40000, 5001, HMMP_CONN_ESTABLISHED);
	mobile_udp_remember(f->m, A(CN), sip_port(f->cn, SIP_TP_UDP), A(NATIP), 61000);
	step(f, 200, NULL, answer_udp());
	hmmpd_feature_mobile.bindings_wanted(&f->d, f->m, "nat: rebinding");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_true(sd_event_run(f->ev, 100000) >= 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((f->sc.next < 1 || f->m->txns) && t1.tv_sec - t0.tv_sec < 10);
	assert_int_equal(f->sc.next, 1);
	assert_non_null(strstr(f->sc.got[0], "Bind: " ORIG " to " COA "; lifetime=60; encap=auto"));
	/* the reverse tunnel: udp from the start (remembered), still so */
	assert_non_null(mobile_binding());
	assert_int_equal(mobile_binding()->encap, HMMP_ENCAP_UDP);
	assert_int_equal(mobile_encap_for(f->m, A(CN), &port), HMMP_ENCAP_UDP);
	/* not a mobile: nothing */
	f->d.conf->roles = HMMP_ROLE_CORRESPONDENT;
	hmmpd_feature_mobile.bindings_wanted(&f->d, f->m, "nat: rebinding");
	hmmpd_feature_mobile.bindings_wanted(&f->d, NULL, "nat: rebinding");
	assert_null(f->m->txns);
	nl_socket_free(f->d.rt);
	f->d.rt = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_auto_nat, setup_auto, teardown),
		cmocka_unit_test_setup_teardown(test_auto_old_correspondent, setup_auto, teardown),
		cmocka_unit_test_setup_teardown(test_auto_legacy_400, setup_auto, teardown),
		cmocka_unit_test_setup_teardown(test_version1_correspondent, setup_auto, teardown),
		cmocka_unit_test_setup_teardown(test_version1_legacy, setup_auto, teardown),
		cmocka_unit_test_setup_teardown(test_auto_other_400, setup_auto, teardown),
		cmocka_unit_test_setup_teardown(test_udp_configured, setup_udp, teardown),
		cmocka_unit_test_setup_teardown(test_minimal_configured, setup_minimal, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup_auto, teardown),
		cmocka_unit_test_setup_teardown(test_resync, setup_auto, teardown),
		cmocka_unit_test_setup_teardown(test_bindings_wanted, setup_auto, teardown),
	};

	return cmocka_run_group_tests(tests, netns_group_setup, NULL);
}
