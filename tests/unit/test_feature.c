// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: userspace/hmmpd/core/feature.c, the feature table. Two test
 * features stand in for the real ones: every event reaches each of them,
 * in table order (stop in reverse), with the state its start returned;
 * their sections are parsed into their own structs by the config core;
 * a reload with a bad section changes nothing and tells nobody; the table
 * itself refuses two owners of a section.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/daemon.h"
#include "core/feature.h"
#include "core/log.h"
#include "core/net.h"
#include "features/mobile/mobile.h"
#include "util.h"

static char trail[2048];

static void note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	size_t n = strlen(trail);
	va_list ap;

	if (n)
		trail[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(trail + n, sizeof(trail) - n, fmt, ap);
	va_end(ap);
}

struct tconf {
	unsigned int x;
	unsigned int x_line;
};

struct tstate {
	char name;
};

static struct tstate state_a = { 'A' }, state_b = { 'B' };

static char who(void *st)
{
	return st ? ((struct tstate *)st)->name : '?';
}

static void t_defaults(void *conf)
{
	struct tconf *c = conf;

	c->x = 1;
}

static int t_key(void *conf, const char *section, const char *name,
		 const char *value, unsigned int line, char *why, size_t len)
{
	struct tconf *c = conf;

	if (strcmp(name, "x")) {
		snprintf(why, len, "unknown key '%s' in [%s]", name, section);
		return -1;
	}
	c->x = (unsigned int)strtoul(value, NULL, 10);
	c->x_line = line;
	return 0;
}

/* x = 13 is refused once the file is read (a cross-check). */
static int t_check(const struct hmmpd_conf *all, const void *conf,
		   unsigned int *line, char *why, size_t len)
{
	const struct tconf *c = conf;

	(void)all;
	if (c->x != 13)
		return 0;
	*line = c->x_line;
	snprintf(why, len, "x: 13 is unlucky");
	return -1;
}

#define EV(fn, ...)	note("%c:" fn, who(st), ##__VA_ARGS__)

static int a_start(struct hmmpd *d, void **state)
{
	(void)d;
	*state = &state_a;
	note("A:start");
	return 0;
}

static int b_start(struct hmmpd *d, void **state)
{
	(void)d;
	*state = &state_b;
	note("B:start");
	return 0;
}

static void t_stop(struct hmmpd *d, void *st)
{
	(void)d;
	EV("stop");
}

static void t_reconfigured(struct hmmpd *d, void *st, const struct hmmpd_conf *old)
{
	EV("reconfigured");
	(void)d;
	(void)old;
}

static void t_kernel_up(struct hmmpd *d, void *st)
{
	(void)d;
	EV("kernel_up");
}

static void t_kernel_down(struct hmmpd *d, void *st)
{
	(void)d;
	EV("kernel_down");
}

static void t_kernel_event(struct hmmpd *d, void *st, struct nl_msg *msg)
{
	(void)d;
	EV("kernel_event(%s)", msg ? "msg" : "null");
}

static void t_net_change(struct hmmpd *d, void *st, int kind)
{
	(void)d;
	EV("net_change(%d)", kind);
}

static void t_handoff_begun(struct hmmpd *d, void *st, const struct hmmpd_handoff *h)
{
	(void)d;
	EV("handoff_begun(%u)", h->gen);
}

static void t_net_settled(struct hmmpd *d, void *st, const struct hmmpd_net_event *ev)
{
	(void)d;
	EV("net_settled(%d%d)", ev->first, ev->handoff);
}

static void t_handoff_finished(struct hmmpd *d, void *st,
			       const struct hmmpd_handoff_result *r)
{
	(void)d;
	EV("handoff_finished(%u/%u)", r->ok, r->sent);
}

static bool t_decorate(struct hmmpd *d, void *st, struct hmmpd_register_extra *x)
{
	size_t n = strlen(x->headers);

	(void)d;
	EV("decorate");
	snprintf(x->headers + n, sizeof(x->headers) - n, "%sX-%c: 1",
		 n ? "\r\n" : "", who(st));
	return true;
}

static void t_register_wanted(struct hmmpd *d, void *st, const char *why)
{
	(void)d;
	EV("register_wanted(%s)", why);
}

static void t_registered(struct hmmpd *d, void *st, uint32_t src,
			 const osip_message_t *resp)
{
	(void)d;
	(void)resp;
	EV("registered(%u)", src);
}

static bool a_request(struct hmmpd *d, void *st, const osip_message_t *req,
		      const struct sip_addr *src, enum sip_transport tp)
{
	(void)d;
	(void)req;
	(void)src;
	(void)tp;
	EV("sip_request");
	return false;		/* not mine: the next one */
}

static bool b_request(struct hmmpd *d, void *st, const osip_message_t *req,
		      const struct sip_addr *src, enum sip_transport tp)
{
	(void)d;
	(void)req;
	(void)src;
	(void)tp;
	EV("sip_request");
	return true;
}

static bool a_stun(struct hmmpd *d, void *st, const struct sip_flow *flow,
		   const uint8_t *buf, size_t len)
{
	(void)d;
	(void)flow;
	(void)buf;
	EV("stun(%zu)", len);
	return false;		/* not an answer to one of mine */
}

static bool b_stun(struct hmmpd *d, void *st, const struct sip_flow *flow,
		   const uint8_t *buf, size_t len)
{
	(void)d;
	(void)flow;
	(void)buf;
	EV("stun(%zu)", len);
	return true;
}

static void t_bindings_wanted(struct hmmpd *d, void *st, const char *why)
{
	(void)d;
	EV("bindings_wanted(%s)", why);
}

static const char *const a_sections[] = { "alpha", NULL };
static const char *const b_sections[] = { "beta", "gamma", NULL };

#define COMMON								\
	.conf_size = sizeof(struct tconf),				\
	.conf_defaults = t_defaults,					\
	.conf_key = t_key,						\
	.conf_check = t_check,						\
	.stop = t_stop,							\
	.reconfigured = t_reconfigured,					\
	.kernel_up = t_kernel_up,					\
	.kernel_down = t_kernel_down,					\
	.kernel_event = t_kernel_event,					\
	.net_change = t_net_change,					\
	.handoff_begun = t_handoff_begun,				\
	.net_settled = t_net_settled,					\
	.handoff_finished = t_handoff_finished,				\
	.register_decorate = t_decorate,				\
	.register_wanted = t_register_wanted,				\
	.bindings_wanted = t_bindings_wanted,				\
	.registered = t_registered

static const struct hmmpd_feature feat_a = {
	.name = "a", .sections = a_sections, .start = a_start,
	.sip_request = a_request, .stun = a_stun, COMMON,
};

static const struct hmmpd_feature feat_b = {
	.name = "b", .sections = b_sections, .start = b_start,
	.sip_request = b_request, .stun = b_stun, COMMON,
};

/* No callbacks at all: every event passes it by. */
static const struct hmmpd_feature feat_empty = { .name = "empty" };

static const struct hmmpd_feature *const table[] = { &feat_a, &feat_empty, &feat_b };

static int setup(void **state)
{
	(void)state;
	trail[0] = '\0';
	hmmpd_log_set_level(getenv("HMMP_TEST_LOG") ? LOG_DEBUG : LOG_EMERG);
	assert_int_equal(hmmpd_features_use(table, HMMP_ARRAY_SIZE(table)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(hmmpd_features_use(NULL, 0), 0);
	return 0;
}

static void test_events_in_order(void **state)
{
	struct hmmpd d = { 0 };
	struct hmmpd_conf c;
	struct hmmpd_attach old = { .addr = 1 }, cur = { .addr = 2 };
	struct hmmpd_netstate ns = { 0 };
	struct hmmpd_handoff h = { .old = &old, .cur = &cur, .st = &ns, .gen = 7 };
	struct hmmpd_net_event ev = { .st = &ns, .cur = &cur, .handoff = true };
	struct hmmpd_handoff_result r = { .gen = 7, .sent = 3, .ok = 2 };
	struct hmmpd_register_extra x;
	struct sip_addr src = { 0 };

	(void)state;
	hmmpd_conf_defaults(&c);
	d.conf = &c;
	assert_int_equal(hmmpd_features_start(&d), 0);
	assert_ptr_equal(hmmpd_feature_state(&d, &feat_a), &state_a);
	assert_null(hmmpd_feature_state(&d, &feat_empty));
	assert_ptr_equal(hmmpd_feature_state(&d, &feat_b), &state_b);
	assert_null(hmmpd_feature_state(&d, &hmmpd_feature_mobile));
	hmmpd_features_kernel_up(&d);
	hmmpd_features_net_change(&d, HMMPD_NET_ADDR_DEL);
	hmmpd_features_handoff_begun(&d, &h);
	hmmpd_features_net_settled(&d, &ev);
	hmmpd_core_register_wanted(&d, "flow");
	assert_true(hmmpd_core_register_decorate(&d, &x));
	assert_string_equal(x.headers, "X-A: 1\r\nX-B: 1");
	hmmpd_core_registered(&d, 9, NULL);
	hmmpd_core_handoff_finished(&d, &r);
	assert_true(hmmpd_features_sip_request(&d, NULL, &src, SIP_TP_UDP));
	{
		struct sip_flow fl = { .tp = SIP_TP_UDP };
		uint8_t msg[20] = { 0 };

		assert_true(hmmpd_features_stun(&d, &fl, msg, sizeof(msg)));
	}
	hmmpd_core_bindings_wanted(&d, "rebinding");
	hmmpd_features_reconfigured(&d, &c);
	hmmpd_features_kernel_event(&d, NULL);
	hmmpd_features_kernel_down(&d);
	hmmpd_features_stop(&d);
	{
		/* nobody started: nobody takes it */
		struct sip_flow fl = { .tp = SIP_TP_UDP };
		uint8_t msg[20] = { 0 };

		assert_false(hmmpd_features_stun(&d, &fl, msg, sizeof(msg)));
	}
	assert_string_equal(trail,
		"A:start B:start "
		"A:kernel_up B:kernel_up "
		"A:net_change(2) B:net_change(2) "
		"A:handoff_begun(7) B:handoff_begun(7) "
		"A:net_settled(01) B:net_settled(01) "
		"A:register_wanted(flow) B:register_wanted(flow) "
		"A:decorate B:decorate "
		"A:registered(9) B:registered(9) "
		"A:handoff_finished(2/3) B:handoff_finished(2/3) "
		"A:sip_request B:sip_request "
		"A:stun(20) B:stun(20) "
		"A:bindings_wanted(rebinding) B:bindings_wanted(rebinding) "
		"A:reconfigured B:reconfigured "
		"A:kernel_event(null) B:kernel_event(null) "
		"A:kernel_down B:kernel_down "
		"B:stop A:stop");
	assert_null(hmmpd_feature_state(&d, &feat_a));
}

/* A feature whose start fails: the ones started before it are stopped. */
static int fail_start(struct hmmpd *d, void **state)
{
	(void)d;
	(void)state;
	note("F:start");
	return -1;
}

static void test_start_fails(void **state)
{
	static const struct hmmpd_feature failing = { .name = "f", .start = fail_start };
	static const struct hmmpd_feature *const t2[] = { &feat_a, &failing, &feat_b };
	struct hmmpd d = { 0 };

	(void)state;
	assert_int_equal(hmmpd_features_use(t2, 3), 0);
	assert_int_equal(hmmpd_features_start(&d), -1);
	hmmpd_features_stop(&d);
	assert_string_equal(trail, "A:start F:start A:stop");
}

static int load(struct hmmpd_conf *c, const char *text, char *err, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = hmmpd_conf_load_file(c, f, "T", err, len);
	fclose(f);
	return r;
}

static void test_sections(void **state)
{
	struct hmmpd_conf *c = malloc(sizeof(*c)), *before = malloc(sizeof(*before));
	const struct tconf *a, *b;
	char err[HMMPD_CONF_ERR_MAX];

	(void)state;
	assert_non_null(c);
	assert_non_null(before);
	hmmpd_conf_defaults(c);
	a = hmmpd_conf_feature(c, &feat_a);
	b = hmmpd_conf_feature(c, &feat_b);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(hmmpd_conf_feature(c, &hmmpd_feature_mobile));
	assert_int_equal(a->x, 1);
	assert_int_equal(b->x, 1);
	assert_int_equal(load(c, "[alpha]\nx = 5\n[gamma]\nx = 7\n[general]\ndebounce_ms = 10\n",
			      err, sizeof(err)), 0);
	assert_int_equal(a->x, 5);
	assert_int_equal(b->x, 7);	/* [gamma] is b's too */
	assert_int_equal(c->debounce_ms, 10);
	memcpy(before, c, sizeof(*c));
	/* each refusal: the message, and c as it was */
	assert_int_equal(load(c, "[alpha]\nx = 6\ny = 1\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "T:3: unknown key 'y' in [alpha]");
	assert_memory_equal(c, before, sizeof(*c));
	assert_int_equal(load(c, "[beta]\nx = 6\n\nx = 13\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "T:4: x: 13 is unlucky");
	assert_memory_equal(c, before, sizeof(*c));
	assert_int_equal(load(c, "[delta]\nx = 6\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "T:1: unknown section [delta] (general, sip, binding, alpha, beta, gamma, peer NAME)");
	assert_memory_equal(c, before, sizeof(*c));
	free(c);
	free(before);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_reload(void **state)
{
	char path[] = "/tmp/hmmp-test-feature.XXXXXX";
	struct hmmpd d = { 0 };
	const struct hmmpd_conf *first;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_file(path, "[general]\ndebounce_ms = 20\n[sip]\nsecrets = /nonexistent\n[alpha]\nx = 3\n");
	assert_int_equal(hmmpd_load(&d, path), 0);
	first = d.conf;
	assert_int_equal(hmmpd_features_start(&d), 0);
	trail[0] = '\0';
	assert_int_equal(((const struct tconf *)hmmpd_conf_feature(d.conf, &feat_a))->x, 3);
	/* a bad section, a bad key of a feature's: nothing changes, no event */
	write_file(path, "[general]\ndebounce_ms = 30\n[alpha]\nx = 4\n[omega]\nx = 1\n");
	hmmpd_reload(&d);
	write_file(path, "[general]\ndebounce_ms = 30\n[alpha]\nx = 4\nz = 1\n");
	hmmpd_reload(&d);
	assert_ptr_equal(d.conf, first);
	assert_int_equal(d.conf->debounce_ms, 20);
	assert_int_equal(((const struct tconf *)hmmpd_conf_feature(d.conf, &feat_a))->x, 3);
	assert_string_equal(trail, "");
	/* a good one: every feature hears, and sees its new section */
	write_file(path, "[general]\ndebounce_ms = 30\n[sip]\nsecrets = /nonexistent\n[alpha]\nx = 4\n");
	hmmpd_reload(&d);
	assert_int_equal(d.conf->debounce_ms, 30);
	assert_int_equal(((const struct tconf *)hmmpd_conf_feature(d.conf, &feat_a))->x, 4);
	assert_string_equal(trail, "A:reconfigured B:reconfigured");
	hmmpd_stop(&d);
	assert_string_equal(trail, "A:reconfigured B:reconfigured B:stop A:stop");
	unlink(path);
}

static void test_table_refused(void **state)
{
	static const char *const dup[] = { "gamma", NULL };
	static const char *const core[] = { "peer", NULL };
	static const struct hmmpd_feature f_dup = { .name = "dup", .sections = dup };
	static const struct hmmpd_feature f_core = { .name = "core", .sections = core };
	static const struct hmmpd_feature f_big = {
		.name = "big", .conf_size = HMMPD_FEATURE_CONF_MAX + 1,
	};
	static const struct hmmpd_feature f_anon = { .name = NULL };
	const struct hmmpd_feature *t[HMMPD_FEATURES_MAX + 1];
	size_t i;

	(void)state;
	t[0] = &feat_b;
	t[1] = &f_dup;
	assert_int_equal(hmmpd_features_use(t, 2), -EINVAL);
	t[1] = &f_core;
	assert_int_equal(hmmpd_features_use(t, 2), -EINVAL);
	t[1] = &f_big;
	assert_int_equal(hmmpd_features_use(t, 2), -EINVAL);
	t[1] = &f_anon;
	assert_int_equal(hmmpd_features_use(t, 2), -EINVAL);
	for (i = 0; i < HMMP_ARRAY_SIZE(t); i++)
		t[i] = &feat_empty;
	assert_int_equal(hmmpd_features_use(t, HMMP_ARRAY_SIZE(t)), -EINVAL);
	/* the table in use is still the fixture's */
	assert_int_equal(hmmpd_features_count(), HMMP_ARRAY_SIZE(table));
	assert_ptr_equal(hmmpd_feature_by_section("gamma", NULL), &feat_b);
	assert_null(hmmpd_feature_by_section("general", NULL));
}

/* The real table: every feature named, no section claimed twice. */
static void test_real_table(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(hmmpd_features_use(NULL, 0), 0);
	assert_int_equal(hmmpd_features_use(hmmpd_features, hmmpd_nfeatures), 0);
	assert_true(hmmpd_nfeatures >= 4);
	for (i = 0; i < hmmpd_nfeatures; i++)
		assert_non_null(hmmpd_features[i]->name);
	assert_non_null(hmmpd_feature_by_section("sctp", NULL));
	assert_non_null(hmmpd_feature_by_section("outbound", NULL));
	assert_non_null(hmmpd_feature_by_section("nat", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_table, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
