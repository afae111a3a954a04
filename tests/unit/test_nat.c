// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/features/nat (hand-off behind a NAT, issue
 * 13), in a test feature table: the nat feature, the Outbound one (which
 * answers STUN Binding on a correspondent's SIP port) and a probe that
 * records what the core's bindings_wanted tells. Two daemons in one
 * process, in a network namespace of the test's own (netns.h): the mobile
 * at 203.0.113.10 with a fake hmmp.ko (fake_module.h) holding its udp
 * mobile binding, and a correspondent at 198.51.100.10, either real
 * (hmmpd's features answering STUN) or scripted (a STUN server that
 * reports the mapping the test says, or stays silent: a NAT rebinding, a
 * mapping gone).
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

#include "core/config.h"
#include "core/daemon.h"
#include "core/feature.h"
#include "core/kern.h"
#include "core/log.h"
#include "fake_kernel.h"
#include "fake_module.h"
#include "features/nat/nat.h"
#include "features/outbound/obd.h"
#include "netns.h"
#include "sip/sip.h"
#include "stun/stun.h"
#include "util.h"

#define ORIG	"192.0.2.10"
#define COA	NETNS_COA
#define CN	NETNS_CN
#define NATIP	"198.18.0.77"

/* ---- the probe: what bindings_wanted says ---- */

static char wanted[256];
static unsigned int nwanted;

static void probe_wanted(struct hmmpd *d, void *st, const char *why)
{
	(void)d;
	(void)st;
	nwanted++;
	snprintf(wanted, sizeof(wanted), "%s", why);
}

static const struct hmmpd_feature probe = {
	.name = "probe", .bindings_wanted = probe_wanted,
};

static const struct hmmpd_feature *const table[] = {
	&hmmpd_feature_nat, &hmmpd_feature_outbound, &probe,
};

/* ---- two daemons ---- */

struct fix {
	sd_event *ev;
	struct hmmpd m, cn;		/* the mobile, the correspondent */
	struct sip *server;		/* the scripted STUN server */
	/* what the scripted server answers, per request: a port, 0: silence */
	uint16_t answer_port;
	unsigned int nreq;
};

static void dispatch_stun(struct sip *sip, const struct sip_flow *flow,
			  const uint8_t *buf, size_t len, void *data)
{
	(void)sip;
	hmmpd_features_stun(data, flow, buf, len);	/* as core/daemon.c */
}

/* The scripted server: answers as a NAT in between would have it. */
static void server_stun(struct sip *sip, const struct sip_flow *flow,
			const uint8_t *buf, size_t len, void *data)
{
	struct fix *f = data;
	struct stun_addr a = { .family = 4 };
	struct stun_msg m;
	struct stun_enc e;
	uint8_t out[128];
	uint32_t ip = A(NATIP);
	int n;

	assert_int_equal(stun_decode(buf, len, &m), STUN_OK);
	assert_int_equal(m.method, STUN_BINDING);
	assert_int_equal(m.cls, STUN_REQUEST);
	/* from the mobile's address and SIP port: the INFOs' mapping */
	assert_int_equal(flow->peer.addr, A(COA));
	f->nreq++;
	if (!f->answer_port)
		return;
	a.port = f->answer_port;
	memcpy(a.addr, &ip, 4);
	stun_enc_response(&e, out, sizeof(out), &m, false);
	stun_put_xor_addr(&e, &a);
	n = stun_enc_end(&e);
	assert_true(n > 0);
	assert_int_equal(sip_send_raw(sip, flow, out, (size_t)n), 0);
}

static void daemon_init(struct fix *f, struct hmmpd *d, uint32_t roles)
{
	struct sip_config cfg = { .addr = 0 };

	d->ev = f->ev;
	d->conf = malloc(sizeof(*d->conf));
	assert_non_null(d->conf);
	hmmpd_conf_defaults(d->conf);
	d->conf->roles = roles;
	assert_int_equal(sip_new(f->ev, &cfg, &d->sip), 0);
	sip_set_stun_handler(d->sip, dispatch_stun, d);
}

static void udp_binding(uint16_t port)
{
	struct hmmp_binding *b = &fm.binds[fm.nbinds++];

	hmmpd_binding_make(b, A(ORIG), A(CN), HMMP_BIND_MOBILE, A(COA),
			   HMMP_ENCAP_UDP, 60);
	hmmpd_binding_set_port(b, port);
}

static int setup(void **state)
{
	struct sip_config cfg = { .addr = 0 };
	struct fix *f;

	if (netns_err)
		fail_msg("%s", netns_err);
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	hmmpd_log_set_level(getenv("HMMP_TEST_VERBOSE") ? LOG_DEBUG : LOG_EMERG);
	assert_int_equal(hmmpd_features_use(table, HMMP_ARRAY_SIZE(table)), 0);
	assert_int_equal(sd_event_new(&f->ev), 0);
	daemon_init(f, &f->m, HMMP_ROLE_MOBILE);
	daemon_init(f, &f->cn, HMMP_ROLE_CORRESPONDENT);
	fk_setup(&f->m.cmd);
	fm_setup();
	assert_int_equal(hmmp_nl_resolve(&f->m.cmd), 0);
	f->m.up = true;
	f->m.watch.attached = true;
	f->m.watch.cur.addr = A(COA);
	assert_int_equal(sip_new(f->ev, &cfg, &f->server), 0);
	sip_set_stun_handler(f->server, server_stun, f);
	wanted[0] = '\0';
	nwanted = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	hmmpd_features_stop(&f->m);
	hmmpd_features_stop(&f->cn);
	sip_free(f->server);
	sip_free(f->m.sip);
	sip_free(f->cn.sip);
	fk_teardown(&f->m.cmd);
	free(f->m.conf);
	free(f->cn.conf);
	sd_event_unref(f->ev);
	assert_int_equal(hmmpd_features_use(NULL, 0), 0);
	free(f);
	return 0;
}

static void *nat_state(struct hmmpd *d)
{
	void *st = hmmpd_feature_state(d, &hmmpd_feature_nat);

	assert_non_null(st);
	return st;
}

static struct hmmpd_nat_stats stats(struct hmmpd *d)
{
	struct hmmpd_nat_stats s;

	hmmpd_nat_get_stats(nat_state(d), &s);
	return s;
}

/* Run the loop until the mobile's answered count reaches n (or 5 s). */
static void run_until_answered(struct fix *f, uint64_t n)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_true(sd_event_run(f->ev, 50000) >= 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (stats(&f->m).answered < n && t.tv_sec - t0.tv_sec < 5);
}

/* Let the loop run briefly: what is in flight arrives. */
static void run_briefly(struct fix *f)
{
	int i;

	for (i = 0; i < 10; i++)
		assert_true(sd_event_run(f->ev, 20000) >= 0);
}

/* ---- the tunnel socket ---- */

static void test_tunnel_sock(void **state)
{
	struct fix *f = *state;

	assert_int_equal(hmmpd_features_start(&f->m), 0);
	hmmpd_features_kernel_up(&f->m);
	assert_int_equal(fm.tunnel_calls, 1);
	assert_int_equal(fm.tunnel_fd, sip_udp_fd(f->m.sip));
	assert_int_equal(fm.udp_port, sip_port(f->m.sip, SIP_TP_UDP));
	/* the module went and came back: handed again */
	hmmpd_features_kernel_down(&f->m);
	hmmpd_features_kernel_up(&f->m);
	assert_int_equal(fm.tunnel_calls, 2);
	/* stop: taken back */
	hmmpd_features_stop(&f->m);
	assert_int_equal(fm.tunnel_calls, 3);
	assert_int_equal(fm.udp_port, 0);
	/* gone with the module: nothing to take back */
	assert_int_equal(hmmpd_features_start(&f->m), 0);
	hmmpd_features_kernel_up(&f->m);
	hmmpd_features_kernel_down(&f->m);
	f->m.up = false;
	hmmpd_features_stop(&f->m);
	assert_int_equal(fm.tunnel_calls, 4);
	assert_int_equal(sip_udp_fd(NULL), -1);
}

/* A module older than HMMP_CMD_TUNNEL_SOCK. */
static void old_module(const struct nlmsghdr *req)
{
	if (((struct genlmsghdr *)nlmsg_data(req))->cmd == HMMP_CMD_TUNNEL_SOCK) {
		fk_ack(req, EOPNOTSUPP, NULL);
		return;
	}
	fm_handler(req);
}

static void test_tunnel_sock_refused(void **state)
{
	struct fix *f = *state;

	fk.handler = old_module;
	assert_int_equal(hmmpd_features_start(&f->m), 0);
	hmmpd_features_kernel_up(&f->m);	/* logged; nothing else */
	fk.handler = fm_handler;
	hmmpd_features_stop(&f->m);		/* not attached: no detach */
	assert_int_equal(fm.tunnel_calls, 0);
}

/* ---- keep-alives ---- */

/* A real correspondent answers on its SIP port (Outbound's STUN side). */
static void test_keepalive_answered(void **state)
{
	struct fix *f = *state;
	struct hmmpd_nat_stats s;

	assert_int_equal(hmmpd_features_start(&f->m), 0);
	assert_int_equal(hmmpd_features_start(&f->cn), 0);
	udp_binding(sip_port(f->cn.sip, SIP_TP_UDP));
	hmmpd_features_kernel_up(&f->m);
	hmmpd_nat_keepalive_now(&f->m, nat_state(&f->m));
	run_until_answered(f, 1);
	s = stats(&f->m);
	assert_int_equal(s.peers, 1);
	assert_int_equal(s.sent, 1);
	assert_int_equal(s.answered, 1);
	assert_int_equal(s.rebindings, 0);
	/* the correspondent's own nat feature took none of it */
	s = stats(&f->cn);
	assert_int_equal(s.answered, 0);
	assert_int_equal(nwanted, 0);
	/* again: the same mapping */
	hmmpd_nat_keepalive_now(&f->m, nat_state(&f->m));
	run_until_answered(f, 2);
	assert_int_equal(stats(&f->m).rebindings, 0);
	assert_int_equal(nwanted, 0);
}

/* Without udp mobile bindings: nothing sent; when they go, neither. */
static void test_no_udp_binding(void **state)
{
	struct fix *f = *state;

	assert_int_equal(hmmpd_features_start(&f->m), 0);
	hmmpd_binding_make(&fm.binds[fm.nbinds++], A(ORIG), A(CN), HMMP_BIND_MOBILE,
			   A(COA), HMMP_ENCAP_IPIP, 60);
	hmmpd_binding_make(&fm.binds[fm.nbinds], A(ORIG), A(CN),
			   HMMP_BIND_CORRESPONDENT, A(COA), HMMP_ENCAP_UDP, 60);
	hmmpd_binding_set_port(&fm.binds[fm.nbinds++], 5060);
	hmmpd_features_kernel_up(&f->m);
	hmmpd_nat_keepalive_now(&f->m, nat_state(&f->m));
	assert_int_equal(stats(&f->m).sent, 0);
	assert_int_equal(stats(&f->m).peers, 0);
	udp_binding(sip_port(f->server, SIP_TP_UDP));
	f->answer_port = 1000;
	hmmpd_nat_keepalive_now(&f->m, nat_state(&f->m));
	run_until_answered(f, 1);
	assert_int_equal(stats(&f->m).peers, 1);
	fm.nbinds = 0;
	hmmpd_nat_keepalive_now(&f->m, nat_state(&f->m));
	assert_int_equal(stats(&f->m).peers, 0);
	assert_int_equal(stats(&f->m).sent, 1);
	/* hmmp.ko not there: no round at all */
	udp_binding(sip_port(f->server, SIP_TP_UDP));
	f->m.up = false;
	hmmpd_nat_keepalive_now(&f->m, nat_state(&f->m));
	assert_int_equal(stats(&f->m).sent, 1);
	f->m.up = true;
}

/* The mapping changes (a NAT rebinding), then answers stop. */
static void test_rebinding_and_lost(void **state)
{
	struct fix *f = *state;
	void *st;

	assert_int_equal(hmmpd_features_start(&f->m), 0);
	udp_binding(sip_port(f->server, SIP_TP_UDP));
	hmmpd_features_kernel_up(&f->m);
	st = nat_state(&f->m);
	f->answer_port = 1000;
	hmmpd_nat_keepalive_now(&f->m, st);
	run_until_answered(f, 1);
	assert_int_equal(nwanted, 0);		/* the first: the baseline */
	f->answer_port = 2000;
	hmmpd_nat_keepalive_now(&f->m, st);
	run_until_answered(f, 2);
	assert_int_equal(stats(&f->m).rebindings, 1);
	assert_int_equal(nwanted, 1);
	assert_string_equal(wanted, "nat: rebinding");
	hmmpd_nat_keepalive_now(&f->m, st);	/* the new one holds */
	run_until_answered(f, 3);
	assert_int_equal(nwanted, 1);
	/* silence: after HMMPD_NAT_LOST_AFTER rounds unanswered, once */
	f->answer_port = 0;
	hmmpd_nat_keepalive_now(&f->m, st);	/* sent */
	run_briefly(f);
	hmmpd_nat_keepalive_now(&f->m, st);	/* 1 missed */
	run_briefly(f);
	assert_int_equal(nwanted, 1);
	hmmpd_nat_keepalive_now(&f->m, st);	/* 2 missed: lost */
	run_briefly(f);
	assert_int_equal(nwanted, 2);
	assert_string_equal(wanted, "nat: keep-alives unanswered");
	assert_int_equal(stats(&f->m).lost, 1);
	hmmpd_nat_keepalive_now(&f->m, st);	/* still lost: not again */
	run_briefly(f);
	assert_int_equal(nwanted, 2);
	assert_int_equal(f->nreq, 7);
	/* answers again, at the same mapping: nothing to signal */
	f->answer_port = 2000;
	hmmpd_nat_keepalive_now(&f->m, st);
	run_until_answered(f, 4);
	assert_int_equal(nwanted, 2);
	assert_int_equal(stats(&f->m).lost, 1);
}

/* Only answers to its own requests: others go to the next feature. */
static void test_not_ours(void **state)
{
	struct fix *f = *state;
	struct sip_flow fl = { .tp = SIP_TP_UDP };
	uint8_t tid[STUN_TID_LEN] = { 1 }, buf[64];
	struct stun_enc e;
	int n;
	void *st;

	assert_int_equal(hmmpd_features_start(&f->m), 0);
	st = nat_state(&f->m);
	fl.peer.addr = A(CN);
	fl.peer.port = sip_port(f->server, SIP_TP_UDP);
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	n = stun_enc_end(&e);
	assert_true(n > 0);
	/* from nobody it asked */
	assert_false(hmmpd_feature_nat.stun(&f->m, st, &fl, buf, (size_t)n));
	/* from a peer it asked, another transaction */
	udp_binding(fl.peer.port);
	hmmpd_features_kernel_up(&f->m);
	hmmpd_nat_keepalive_now(&f->m, st);
	assert_false(hmmpd_feature_nat.stun(&f->m, st, &fl, buf, (size_t)n));
	/* a request, garbage, over TCP */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	n = stun_enc_end(&e);
	assert_false(hmmpd_feature_nat.stun(&f->m, st, &fl, buf, (size_t)n));
	assert_false(hmmpd_feature_nat.stun(&f->m, st, &fl, (const uint8_t *)"xx", 2));
	fl.tp = SIP_TP_TCP;
	assert_false(hmmpd_feature_nat.stun(&f->m, st, &fl, buf, (size_t)n));
	/* no state (no SIP core): nothing */
	assert_false(hmmpd_feature_nat.stun(&f->m, NULL, &fl, buf, (size_t)n));
	hmmpd_nat_keepalive_now(&f->m, NULL);
	assert_int_equal(stats(&f->m).answered, 0);
}

/* hmmp.ko's event of a new udp mobile binding: a first probe at once. */
static void test_binding_event(void **state)
{
	struct fix *f = *state;
	struct hmmp_binding b;
	struct nl_msg *m;

	assert_int_equal(hmmpd_features_start(&f->m), 0);
	hmmpd_features_kernel_up(&f->m);
	f->answer_port = 1000;
	hmmpd_binding_make(&b, A(ORIG), A(CN), HMMP_BIND_MOBILE, A(COA),
			   HMMP_ENCAP_UDP, 60);
	hmmpd_binding_set_port(&b, sip_port(f->server, SIP_TP_UDP));
	m = nlmsg_alloc();
	assert_non_null(m);
	assert_non_null(genlmsg_put(m, 0, 0, FK_FAMILY, 0, 0,
				    HMMP_CMD_EVENT_BINDING_NEW, 1));
	assert_int_equal(hmmp_binding_put(m, &b), 0);
	hmmpd_features_kernel_event(&f->m, m);
	assert_int_equal(stats(&f->m).sent, 1);
	run_until_answered(f, 1);
	/* twice: the one pending is not sent again */
	hmmpd_features_kernel_event(&f->m, m);
	hmmpd_features_kernel_event(&f->m, m);
	assert_int_equal(stats(&f->m).sent, 2);
	nlmsg_free(m);
	/* an ipip binding, a correspondent one, another event: none */
	b.encap = HMMP_ENCAP_IPIP;
	b.have &= ~(1u << HMMP_BIND_A_PORT);
	m = nlmsg_alloc();
	assert_non_null(genlmsg_put(m, 0, 0, FK_FAMILY, 0, 0,
				    HMMP_CMD_EVENT_BINDING_NEW, 1));
	assert_int_equal(hmmp_binding_put(m, &b), 0);
	hmmpd_features_kernel_event(&f->m, m);
	nlmsg_free(m);
	m = nlmsg_alloc();
	assert_non_null(genlmsg_put(m, 0, 0, FK_FAMILY, 0, 0,
				    HMMP_CMD_EVENT_BINDING_DEL, 1));
	hmmpd_features_kernel_event(&f->m, m);
	nlmsg_free(m);
	assert_int_equal(stats(&f->m).sent, 2);
}

/* The timer: keepalive seconds after hmmp.ko came; 0 turns it off. */
static void test_timer(void **state)
{
	struct fix *f = *state;
	struct hmmpd_nat_conf *c;
	struct timespec t0, t;

	c = hmmpd_conf_feature(f->m.conf, &hmmpd_feature_nat);
	assert_non_null(c);
	assert_int_equal(c->keepalive, HMMPD_NAT_KEEPALIVE_DEFAULT);
	c->keepalive = 1;
	assert_int_equal(hmmpd_features_start(&f->m), 0);
	udp_binding(sip_port(f->server, SIP_TP_UDP));
	f->answer_port = 1000;
	hmmpd_features_kernel_up(&f->m);
	assert_int_equal(stats(&f->m).sent, 0);
	run_until_answered(f, 1);
	assert_int_equal(stats(&f->m).answered, 1);
	/* off: a reload with keepalive 0 stops it */
	c->keepalive = 0;
	hmmpd_features_reconfigured(&f->m, f->m.conf);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		assert_true(sd_event_run(f->ev, 100000) >= 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 2);
	assert_int_equal(stats(&f->m).sent, 1);
}

/* [nat] in hmmpd.conf. */
static void test_conf(void **state)
{
	static const struct {
		const char *text, *err;
		uint32_t ka;
	} cases[] = {
		{ "[nat]\nkeepalive = 10\n", NULL, 10 },
		{ "[nat]\nkeepalive = 0\n", NULL, 0 },
		{ "[nat]\nkeepalive = 3600\n", NULL, 3600 },
		{ "", NULL, HMMPD_NAT_KEEPALIVE_DEFAULT },
		{ "[nat]\nkeepalive = 3601\n", "T:2: keepalive: seconds, 0 (off) to 3600", 0 },
		{ "[nat]\nkeepalive = -1\n", "T:2: keepalive: seconds, 0 (off) to 3600", 0 },
		{ "[nat]\ninterval = 5\n", "T:2: unknown key 'interval' in [nat]", 0 },
	};
	struct hmmpd_conf *c = malloc(sizeof(*c));
	char err[HMMPD_CONF_ERR_MAX];
	size_t i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < HMMP_ARRAY_SIZE(cases); i++) {
		FILE *fp = tmpfile();
		int r;

		assert_non_null(fp);
		assert_int_equal(fwrite(cases[i].text, 1, strlen(cases[i].text), fp),
				 strlen(cases[i].text));
		rewind(fp);
		err[0] = '\0';
		r = hmmpd_conf_load_file(c, fp, "T", err, sizeof(err));
		fclose(fp);
		if (cases[i].err) {
			assert_int_not_equal(r, 0);
			assert_string_equal(err, cases[i].err);
		} else {
			if (r)
				fail_msg("case %zu: %s", i, err);
			assert_int_equal(((struct hmmpd_nat_conf *)
					  hmmpd_conf_feature(c, &hmmpd_feature_nat))->keepalive,
					 cases[i].ka);
		}
	}
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tunnel_sock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_sock_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_udp_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebinding_and_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf, setup, teardown),
	};

	return cmocka_run_group_tests(tests, netns_group_setup, NULL);
}
