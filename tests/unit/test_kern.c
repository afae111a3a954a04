// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/core/kern.c (hmmpd's requests to hmmp.ko), on the
 * fake kernel of fake_kernel.h holding the small model of the module of
 * fake_module.h: a connection table, a binding table with the module's
 * create/replace rules, and (as Linux 6.1+ does for families that validate
 * headers) an optional refusal of NLM_F_CREATE / NLM_F_REPLACE.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_kernel.h"
#include "fake_module.h"
#include "core/kern.h"
#include "util.h"

static int setup(void **state)
{
	struct hmmp_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return -1;
	fk_setup(nl);
	fm_setup();
	hmmpd_kern_forget();	/* each test starts with a fresh module */
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
	fm_conn(orig, cur, remote, lport, 80, st);
}

static void test_conns(void **state)
{
	struct hmmp_nl *nl = *state;
	struct hmmpd_conns c = { 0 };
	int i;

	for (i = 0; i < 20 && fm.nconns < 8; i++)
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
	assert_true(hmmpd_conn_live(&fm.conns[0]));
	fm.conns[0].state = HMMP_CONN_RELEASE_ACK;
	assert_false(hmmpd_conn_live(&fm.conns[0]));
	fm.conns[0].state = HMMP_CONN_RELEASE_REQ;
	assert_true(hmmpd_conn_live(&fm.conns[0]));
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
	assert_int_equal(fm.nbinds, 0);
	/* deleting what is not there is fine */
	assert_int_equal(hmmpd_kern_binding_del(nl, b.orig, b.peer, b.kind), 0);
}

static void test_bindings_atomic(void **state)
{
	set_and_replace(*state);
	assert_int_equal(fm.changes, 4);	/* create, replace, replace, delete */
}

static void test_bindings_flags_refused(void **state)
{
	fm.refuse_flags = true;
	set_and_replace(*state);
	/* create; delete + create twice; delete */
	assert_int_equal(fm.changes, 6);
	/* remembered: no more refused attempts */
	set_and_replace(*state);
	assert_int_equal(fm.changes, 12);
}

static void test_handoff_and_roles(void **state)
{
	struct hmmp_nl *nl = *state;
	uint32_t n = 99;

	conn("192.0.2.10", "192.0.2.10", "198.51.100.10", 1, HMMP_CONN_ESTABLISHED);
	conn("192.0.2.11", "192.0.2.11", "198.51.100.10", 2, HMMP_CONN_ESTABLISHED);
	assert_int_equal(hmmpd_kern_handoff(nl, A("192.0.2.10"), A("203.0.113.10"), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fm.conns[0].cur_local, A("203.0.113.10"));
	assert_int_equal(fm.conns[1].cur_local, A("192.0.2.11"));
	assert_int_equal(hmmpd_kern_handoff(nl, 0, A("203.0.113.20"), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(hmmpd_kern_set_roles(nl, HMMP_ROLE_ROUTER), 0);
	assert_int_equal(fm.roles, HMMP_ROLE_ROUTER);
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
	fk.handler = fm_handler;
	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fm.nbinds = 8;
	memset(fm.binds, 0, sizeof(fm.binds));
	hmmpd_binding_make(&fm.binds[0], b.orig, 0, HMMP_BIND_ROUTER, b.coa, 1, 1);
	assert_int_equal(hmmpd_kern_binding_del(nl, A("192.0.2.99"), 0, 1), 0);
	assert_int_equal(nl->err, ENOENT);
	assert_int_equal(hmmpd_kern_binding_set(nl, &b), 0);
	assert_int_equal(fm.nbinds, 8);
	assert_int_equal(fm.binds[fm_find(b.orig, 0, HMMP_BIND_ROUTER)].lifetime, 5);
}

/* A udp binding goes with its port; the module's EINVAL rules hold. */
static void test_binding_udp(void **state)
{
	struct hmmp_nl *nl = *state;
	struct hmmpd_bindings t = { 0 };
	struct hmmp_binding b;

	hmmpd_binding_make(&b, A("192.0.2.10"), A("198.51.100.10"),
			   HMMP_BIND_CORRESPONDENT, A("198.51.100.77"),
			   HMMP_ENCAP_UDP, 60);
	hmmpd_binding_set_port(&b, 61000);
	assert_true(HMMP_HAVE(&b, HMMP_BIND_A_PORT));
	assert_int_equal(hmmpd_kern_binding_set(nl, &b), 0);
	assert_int_equal(hmmpd_kern_bindings(nl, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].encap, HMMP_ENCAP_UDP);
	assert_int_equal(t.v[0].port, 61000);
	assert_true(HMMP_HAVE(&t.v[0], HMMP_BIND_A_PORT));
	/* the dumped record goes back as it was: a refresh */
	assert_int_equal(hmmpd_kern_binding_set(nl, &t.v[0]), 0);
	hmmpd_bindings_free(&t);
	/* udp without a port, a port without udp: EINVAL, nothing changed */
	b.have &= ~(1u << HMMP_BIND_A_PORT);
	assert_int_equal(hmmpd_kern_binding_set(nl, &b), HMMP_EXIT_KERNEL);
	assert_int_equal(nl->err, EINVAL);
	b.encap = HMMP_ENCAP_IPIP;
	hmmpd_binding_set_port(&b, 61000);
	assert_int_equal(hmmpd_kern_binding_set(nl, &b), HMMP_EXIT_KERNEL);
	assert_int_equal(nl->err, EINVAL);
	assert_int_equal(fm.nbinds, 1);
	assert_int_equal(fm.binds[0].port, 61000);
	assert_int_equal(fm.changes, 2);
}

static int udp_socket(int type, bool bound)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bound)
		assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static void test_tunnel_sock(void **state)
{
	struct hmmp_nl *nl = *state;
	struct nlattr *tb[HMMP_A_MAX + 1];
	int fd = udp_socket(SOCK_DGRAM, true), other;
	uint16_t port = 1;

	/* attach: the descriptor goes, the reply says the port */
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, fd, &port), 0);
	assert_int_equal(fk_req_cmd(), HMMP_CMD_TUNNEL_SOCK);
	assert_int_equal(fk_req_parse(tb), 0);
	assert_non_null(tb[HMMP_A_SOCK_FD]);
	assert_int_equal(nla_get_u32(tb[HMMP_A_SOCK_FD]), (uint32_t)fd);
	assert_int_not_equal(port, 0);
	assert_int_equal(port, port_of(fd));
	assert_int_equal(fm.udp_port, port);
	/* detach: no descriptor, port 0 */
	port = 1;
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, -1, &port), 0);
	assert_int_equal(fk_req_parse(tb), 0);
	assert_null(tb[HMMP_A_SOCK_FD]);
	assert_int_equal(port, 0);
	assert_int_equal(fm.udp_port, 0);
	assert_int_equal(fm.tunnel_calls, 2);

	/* what the module refuses: a TCP socket, an unbound one, no socket */
	other = udp_socket(SOCK_STREAM, true);
	port = 1;
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, other, &port), HMMP_EXIT_KERNEL);
	assert_int_equal(nl->err, EINVAL);
	assert_non_null(strstr(nl->msg, "not a bound AF_INET UDP socket"));
	assert_int_equal(port, 0);
	close(other);
	other = udp_socket(SOCK_DGRAM, false);
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, other, &port), HMMP_EXIT_KERNEL);
	assert_int_equal(nl->err, EINVAL);
	close(other);
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, other, &port), HMMP_EXIT_KERNEL);
	assert_int_equal(nl->err, EBADF);
	assert_int_equal(fm.udp_port, 0);

	/* an attach answered without the port is malformed; a detach is not */
	fm.tunnel_no_reply = true;
	port = 1;
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, fd, &port), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "malformed reply from the kernel: no udp_port");
	assert_int_equal(port, 0);
	port = 1;
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, -1, &port), 0);
	assert_int_equal(port, 0);
	close(fd);
}

/* A reply whose udp_port is too short. */
static void bad_port_module(const struct nlmsghdr *req)
{
	struct nl_msg *m = fk_msg(req, FK_FAMILY, HMMP_CMD_TUNNEL_SOCK, 0);
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONFIG);

	assert_int_equal(nla_put_u8(m, HMMP_CFG_A_UDP_PORT, 1), 0);
	nla_nest_end(m, n);
	fk_reply(m);
	fk_ack(req, 0, NULL);
}

/* A module older than the command. */
static void old_module(const struct nlmsghdr *req)
{
	fk_ack(req, EOPNOTSUPP, NULL);
}

static void test_tunnel_sock_errors(void **state)
{
	struct hmmp_nl *nl = *state;
	uint16_t port = 1;

	fk.handler = bad_port_module;
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, 0, &port), HMMP_EXIT_KERNEL);
	assert_int_equal(port, 0);
	assert_non_null(strstr(nl->msg, "malformed reply"));
	fk.handler = old_module;
	port = 1;
	assert_int_equal(hmmpd_kern_tunnel_sock(nl, 0, &port), HMMP_EXIT_KERNEL);
	assert_int_equal(nl->err, EOPNOTSUPP);
	assert_int_equal(port, 0);
	fk.handler = NULL;	/* nobody answers: a libnl error, no errno */
	port = 1;
	assert_int_not_equal(hmmpd_kern_tunnel_sock(nl, -1, &port), 0);
	assert_int_equal(nl->err, 0);
	assert_int_equal(port, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bindings_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bindings_flags_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_sock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_sock_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
