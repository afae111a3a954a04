// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/kern.c (hmmpd's requests to hmmp.ko), on the
 * fake kernel of fake_kernel.h holding a small model of the module: a
 * connection table, a binding table with the module's create/replace
 * rules, and (as Linux 6.1+ does for families that validate headers) an
 * optional refusal of NLM_F_CREATE / NLM_F_REPLACE.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_kernel.h"
#include "kern.h"
#include "util.h"

static uint32_t A(const char *s)
{
	uint32_t a = 0;

	if (hmmp_addr_parse(s, &a))
		fail_msg("bad test address %s", s);
	return a;
}

struct model {
	struct hmmp_conn conns[8];
	int nconns;
	struct hmmp_binding binds[8];
	int nbinds;
	bool refuse_flags;
	uint32_t roles;
	int ops;	/* binding changes applied */
} km;

static void put_conn(struct nl_msg *m, const struct hmmp_conn *c)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONN);

	assert_non_null(n);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ORIG_LOCAL, c->orig_local), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_CUR_LOCAL, c->cur_local), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_REMOTE, c->remote), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_LPORT, htons(c->lport)), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_RPORT, htons(c->rport)), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_STATE, c->state), 0);
	nla_nest_end(m, n);
}

static int find(uint32_t orig, uint32_t peer, uint8_t kind)
{
	int i;

	for (i = 0; i < km.nbinds; i++)
		if (km.binds[i].orig == orig && km.binds[i].peer == peer &&
		    km.binds[i].kind == kind)
			return i;
	return -1;
}

static void model(const struct nlmsghdr *req)
{
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_binding b;
	struct nl_msg *m;
	uint32_t f, n;
	int i;

	assert_int_equal(genlmsg_parse((struct nlmsghdr *)req, 0, tb, HMMP_A_MAX, NULL), 0);
	switch (g->cmd) {
	case HMMP_CMD_CONN_GET:
		f = tb[HMMP_A_FILTER_ADDR] ? nla_get_u32(tb[HMMP_A_FILTER_ADDR]) : 0;
		for (i = 0; i < km.nconns; i++) {
			const struct hmmp_conn *c = &km.conns[i];

			if (f && c->orig_local != f && c->cur_local != f &&
			    c->remote != f)
				continue;
			m = fk_msg(req, FK_FAMILY, HMMP_CMD_CONN_GET, NLM_F_MULTI);
			put_conn(m, c);
			fk_reply(m);
		}
		fk_done(req);
		return;
	case HMMP_CMD_BINDING_GET:
		for (i = 0; i < km.nbinds; i++) {
			m = fk_msg(req, FK_FAMILY, HMMP_CMD_BINDING_GET, NLM_F_MULTI);
			assert_int_equal(hmmp_binding_put(m, &km.binds[i]), 0);
			fk_reply(m);
		}
		fk_done(req);
		return;
	case HMMP_CMD_BINDING_NEW:
		if (km.refuse_flags && (req->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE))) {
			fk_ack(req, EINVAL, "ambiguous or reserved bits set in nlmsg_flags");
			return;
		}
		assert_int_equal(hmmp_binding_parse(tb[HMMP_A_BINDING], &b), 0);
		/* reply-only attributes are refused by the module's policy */
		assert_false(HMMP_HAVE(&b, HMMP_BIND_A_EXPIRES_MS));
		i = find(b.orig, b.peer, b.kind);
		if (req->nlmsg_flags & NLM_F_REPLACE) {
			if (i < 0 && !(req->nlmsg_flags & NLM_F_CREATE)) {
				fk_ack(req, ENOENT, NULL);
				return;
			}
		} else if (i >= 0) {
			fk_ack(req, EEXIST, "binding exists (use replace)");
			return;
		}
		if (i < 0)
			i = km.nbinds++;
		km.binds[i] = b;
		km.ops++;
		fk_ack(req, 0, NULL);
		return;
	case HMMP_CMD_BINDING_DEL:
		assert_int_equal(hmmp_binding_parse(tb[HMMP_A_BINDING], &b), 0);
		i = find(b.orig, b.peer, b.kind);
		if (i < 0) {
			fk_ack(req, ENOENT, NULL);
			return;
		}
		km.binds[i] = km.binds[--km.nbinds];
		km.ops++;
		fk_ack(req, 0, NULL);
		return;
	case HMMP_CMD_HANDOFF:
		f = tb[HMMP_A_HANDOFF_OLD] ? nla_get_u32(tb[HMMP_A_HANDOFF_OLD]) : 0;
		n = 0;
		for (i = 0; i < km.nconns; i++) {
			if (f && km.conns[i].cur_local != f)
				continue;
			km.conns[i].prev_local = km.conns[i].cur_local;
			km.conns[i].cur_local = nla_get_u32(tb[HMMP_A_HANDOFF_NEW]);
			n++;
		}
		m = fk_msg(req, FK_FAMILY, HMMP_CMD_HANDOFF, 0);
		assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, n), 0);
		fk_reply(m);
		fk_ack(req, 0, NULL);
		return;
	case HMMP_CMD_CONFIG_SET: {
		struct nlattr *c[HMMP_CFG_A_MAX + 1];

		assert_int_equal(nla_parse_nested(c, HMMP_CFG_A_MAX, tb[HMMP_A_CONFIG], NULL), 0);
		km.roles = nla_get_u32(c[HMMP_CFG_A_ROLES]);
		fk_ack(req, 0, NULL);
		return;
	}
	default:
		fk_ack(req, EOPNOTSUPP, NULL);
	}
}

static int setup(void **state)
{
	struct hmmp_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return -1;
	fk_setup(nl);
	memset(&km, 0, sizeof(km));
	fk.handler = model;
	if (hmmp_nl_resolve(nl))
		return -1;
	*state = nl;
	return 0;
}

static int teardown(void **state)
{
	struct hmmp_nl *nl = *state;

	assert_int_equal(fk_pending(), 0);
	fk_teardown(nl);
	free(nl);
	return 0;
}

static void conn(const char *orig, const char *cur, const char *remote,
		 uint16_t lport, uint8_t st)
{
	struct hmmp_conn *c = &km.conns[km.nconns++];

	memset(c, 0, sizeof(*c));
	c->orig_local = A(orig);
	c->cur_local = A(cur);
	c->remote = A(remote);
	c->lport = lport;
	c->rport = 80;
	c->state = st;
}

static void test_conns(void **state)
{
	struct hmmp_nl *nl = *state;
	struct hmmpd_conns c = { 0 };
	int i;

	for (i = 0; i < 20 && km.nconns < 8; i++)
		conn(i % 2 ? "192.0.2.10" : "192.0.2.11", "192.0.2.10",
		     "198.51.100.10", (uint16_t)(1000 + i), HMMP_CONN_ESTABLISHED);
	assert_int_equal(hmmpd_kern_conns(nl, 0, &c), 0);
	assert_int_equal(c.n, 8);
	assert_int_equal(c.v[7].lport, 1007);
	/* appends */
	assert_int_equal(hmmpd_kern_conns(nl, A("192.0.2.11"), &c), 0);
	assert_int_equal(c.n, 8 + 4);
	hmmpd_conns_free(&c);
	assert_null(c.v);
	assert_int_equal(hmmpd_kern_conns(nl, A("198.18.0.1"), &c), 0);
	assert_int_equal(c.n, 0);
	hmmpd_conns_free(&c);
	assert_true(hmmpd_conn_live(&km.conns[0]));
	km.conns[0].state = HMMP_CONN_RELEASE_ACK;
	assert_false(hmmpd_conn_live(&km.conns[0]));
	km.conns[0].state = HMMP_CONN_RELEASE_REQ;
	assert_true(hmmpd_conn_live(&km.conns[0]));
}

static void set_and_replace(struct hmmp_nl *nl)
{
	struct hmmpd_bindings t = { 0 };
	struct hmmp_binding b;

	hmmpd_binding_make(&b, A("192.0.2.10"), A("198.51.100.10"),
			   HMMP_BIND_CORRESPONDENT, A("203.0.113.10"),
			   HMMP_ENCAP_IPIP, 60);
	assert_int_equal(hmmpd_kern_binding_set(nl, &b), 0);
	b.coa = A("203.0.113.20");
	b.lifetime = 30;
	assert_int_equal(hmmpd_kern_binding_set(nl, &b), 0);
	assert_int_equal(hmmpd_kern_bindings(nl, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].coa, A("203.0.113.20"));
	assert_int_equal(t.v[0].lifetime, 30);
	/* a dumped record goes back without its reply-only attributes */
	t.v[0].expires_ms = 1234;
	HMMP_SET(&t.v[0], HMMP_BIND_A_EXPIRES_MS);
	assert_int_equal(hmmpd_kern_binding_set(nl, &t.v[0]), 0);
	hmmpd_bindings_free(&t);
	assert_int_equal(hmmpd_kern_binding_del(nl, b.orig, b.peer, b.kind), 0);
	assert_int_equal(km.nbinds, 0);
	/* deleting what is not there is fine */
	assert_int_equal(hmmpd_kern_binding_del(nl, b.orig, b.peer, b.kind), 0);
}

static void test_bindings_atomic(void **state)
{
	set_and_replace(*state);
	assert_int_equal(km.ops, 4);	/* create, replace, replace, delete */
}

static void test_bindings_flags_refused(void **state)
{
	km.refuse_flags = true;
	set_and_replace(*state);
	/* create; delete + create twice; delete */
	assert_int_equal(km.ops, 6);
	/* remembered: no more refused attempts */
	set_and_replace(*state);
	assert_int_equal(km.ops, 12);
}

static void test_handoff_and_roles(void **state)
{
	struct hmmp_nl *nl = *state;
	uint32_t n = 99;

	conn("192.0.2.10", "192.0.2.10", "198.51.100.10", 1, HMMP_CONN_ESTABLISHED);
	conn("192.0.2.11", "192.0.2.11", "198.51.100.10", 2, HMMP_CONN_ESTABLISHED);
	assert_int_equal(hmmpd_kern_handoff(nl, A("192.0.2.10"), A("203.0.113.10"), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(km.conns[0].cur_local, A("203.0.113.10"));
	assert_int_equal(km.conns[1].cur_local, A("192.0.2.11"));
	assert_int_equal(hmmpd_kern_handoff(nl, 0, A("203.0.113.20"), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(hmmpd_kern_set_roles(nl, HMMP_ROLE_ROUTER), 0);
	assert_int_equal(km.roles, HMMP_ROLE_ROUTER);
}

static void test_errors(void **state)
{
	struct hmmp_nl *nl = *state;
	struct hmmp_binding b;

	fk.handler = NULL;	/* nobody answers: a libnl error, no errno */
	hmmpd_binding_make(&b, A("192.0.2.10"), 0, HMMP_BIND_ROUTER,
			   A("203.0.113.10"), HMMP_ENCAP_IPIP, 5);
	assert_int_not_equal(hmmpd_kern_binding_set(nl, &b), 0);
	/* err 0: the daemon reopens the socket (hmmpd_cmd_failed) */
	assert_int_equal(nl->err, 0);
	assert_true(nl->msg[0]);
	/* a kernel error: err says which, the socket stays in step */
	fk_teardown(nl);
	fk_setup(nl);
	fk.handler = model;
	assert_int_equal(hmmp_nl_resolve(nl), 0);
	km.nbinds = 8;
	memset(km.binds, 0, sizeof(km.binds));
	hmmpd_binding_make(&km.binds[0], b.orig, 0, HMMP_BIND_ROUTER, b.coa, 1, 1);
	assert_int_equal(hmmpd_kern_binding_del(nl, A("192.0.2.99"), 0, 1), 0);
	assert_int_equal(nl->err, ENOENT);
	assert_int_equal(hmmpd_kern_binding_set(nl, &b), 0);
	assert_int_equal(km.nbinds, 8);
	assert_int_equal(km.binds[find(b.orig, 0, HMMP_BIND_ROUTER)].lifetime, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bindings_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bindings_flags_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
