// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the run functions of userspace/hmmpctl's objects and their
 * helpers (cmd.c), every command run end to end (parse, request, reply,
 * output) against the fake kernel of fake_kernel.h. The
 * output contract of hmmpctl(8) is checked here with exact strings.
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

#include <cmocka.h>

#include "cli.h"
#include "fake_kernel.h"
#include "json_check.h"

struct fix {
	struct hmmp_nl nl;
	struct hmmpctl_ctx ctx;
	char *out, *err;
	size_t outlen, errlen;
};

static struct fix *F;

/* What the fake module answers; a test may change it. */
static struct {
	int err;			/* fail requests with this errno */
	const char *extack;
	bool bad_row;			/* dumps: one malformed record */
	int rows;			/* dumps: records */
	bool no_api;			/* version reply without the api */
} kernel;

static uint32_t ip(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void put_conn(struct nl_msg *m, int i)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONN);

	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ORIG_LOCAL, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_PREV_LOCAL,
				     i ? ip("192.0.2.1") : 0), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_CUR_LOCAL,
				     ip(i ? "203.0.113.5" : "192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_REMOTE, ip("198.51.100.1")), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_LPORT, htons((uint16_t)(40000 + i))), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_RPORT, htons(5001)), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_CL_ID, 1000u + (uint32_t)i), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_STATE, HMMP_CONN_ESTABLISHED), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_OPENER, (uint8_t)i), 0);
	assert_int_equal(nla_put_u64(m, HMMP_CONN_A_PKTS_OUT, 10), 0);
	assert_int_equal(nla_put_u64(m, HMMP_CONN_A_PKTS_IN, 12), 0);
	assert_int_equal(nla_put_u64(m, HMMP_CONN_A_BYTES_OUT, 1000), 0);
	assert_int_equal(nla_put_u64(m, HMMP_CONN_A_BYTES_IN, 123456), 0);
	assert_int_equal(nla_put_u64(m, HMMP_CONN_A_AGE_MS, 5000), 0);
	assert_int_equal(nla_put_u64(m, HMMP_CONN_A_IDLE_MS, 7), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_HANDOFFS, (uint32_t)i), 0);
	if (i) {	/* the peer opened: cl_id is its ISN */
		assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ISN_LOCAL, 777), 0);
		assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ISN_REMOTE,
					     1000u + (uint32_t)i), 0);
	}
	nla_nest_end(m, n);
}

/* Row 0 an ipip binding, the others udp ones behind a NAT's port. */
static void put_binding(struct nl_msg *m, int i)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_BINDING);

	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_ORIG, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_COA, ip("203.0.113.5")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_PEER, 0), 0);
	assert_int_equal(nla_put_u8(m, HMMP_BIND_A_ENCAP,
				    i ? HMMP_ENCAP_UDP : HMMP_ENCAP_IPIP), 0);
	if (i)
		assert_int_equal(nla_put_u16(m, HMMP_BIND_A_PORT,
					     htons((uint16_t)(61000 + i))), 0);
	assert_int_equal(nla_put_u8(m, HMMP_BIND_A_KIND, HMMP_BIND_CORRESPONDENT), 0);
	assert_int_equal(nla_put_u32(m, HMMP_BIND_A_LIFETIME, 60), 0);
	assert_int_equal(nla_put_u64(m, HMMP_BIND_A_EXPIRES_MS, 59500), 0);
	assert_int_equal(nla_put_u64(m, HMMP_BIND_A_PKTS_ENCAP, 3), 0);
	assert_int_equal(nla_put_u8(m, HMMP_BIND_A_MIN_SRC, 0), 0);
	nla_nest_end(m, n);
}

/* Row 0 a udp translation (a NAT's port), the others ipip. */
static void put_xlate(struct nl_msg *m, int i)
{
	struct nlattr *n = nla_nest_start(m, HMMP_A_XLATE);

	assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_LADDR, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_LPORT,
				     htons((uint16_t)(40000 + i))), 0);
	assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_RADDR, ip("198.51.100.1")), 0);
	assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_RPORT, htons(5001)), 0);
	assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_PEER_LADDR, ip("10.0.0.7")), 0);
	assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_PEER_LPORT, htons(5001)), 0);
	assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_PEER_RADDR, ip("203.0.113.9")), 0);
	assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_PEER_RPORT,
				     htons((uint16_t)(61000 + i))), 0);
	assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_COA, ip("203.0.113.5")), 0);
	if (!i)
		assert_int_equal(nla_put_u16(m, HMMP_XLATE_A_PORT, htons(4500)), 0);
	assert_int_equal(nla_put_u8(m, HMMP_XLATE_A_ENCAP,
				    i ? HMMP_ENCAP_IPIP : HMMP_ENCAP_UDP), 0);
	assert_int_equal(nla_put_u32(m, HMMP_XLATE_A_LIFETIME, 60), 0);
	assert_int_equal(nla_put_u64(m, HMMP_XLATE_A_EXPIRES_MS, 59500), 0);
	assert_int_equal(nla_put_u64(m, HMMP_XLATE_A_PKTS_ENCAP, 3), 0);
	assert_int_equal(nla_put_u64(m, HMMP_XLATE_A_PKTS_DECAP, 2), 0);
	nla_nest_end(m, n);
}

/* The fake hmmp.ko. */
static void module(const struct nlmsghdr *req)
{
	uint8_t cmd = ((struct genlmsghdr *)nlmsg_data(req))->cmd;
	struct nl_msg *m;
	struct nlattr *n;
	int i;

	if (kernel.err) {
		fk_ack(req, kernel.err, kernel.extack);
		return;
	}
	switch (cmd) {
	case HMMP_CMD_VERSION_GET:
		m = fk_msg(req, FK_FAMILY, cmd, 0);
		assert_int_equal(nla_put_string(m, HMMP_A_VERSION, "0.1.0"), 0);
		if (!kernel.no_api)
			assert_int_equal(nla_put_u32(m, HMMP_A_API_VERSION, 1), 0);
		fk_reply(m);
		break;
	case HMMP_CMD_STATS_GET:
		m = fk_msg(req, FK_FAMILY, cmd, 0);
		n = nla_nest_start(m, HMMP_A_STATS);
		assert_int_equal(nla_put_u32(m, HMMP_STAT_A_CONN_COUNT, 2), 0);
		assert_int_equal(nla_put_u32(m, HMMP_STAT_A_CONN_MAX, 65536), 0);
		assert_int_equal(nla_put_u64(m, HMMP_STAT_A_CONN_CREATED, 5), 0);
		assert_int_equal(nla_put_u64(m, HMMP_STAT_A_HANDOFFS, 1), 0);
		assert_int_equal(nla_put_u64(m, HMMP_STAT_A_UDP_NOSOCK, 4), 0);
		assert_int_equal(nla_put_u32(m, HMMP_STAT_A_XLATE_COUNT, 1), 0);
		assert_int_equal(nla_put_u64(m, HMMP_STAT_A_XLATE_PKTS, 9), 0);
		nla_nest_end(m, n);
		fk_reply(m);
		break;
	case HMMP_CMD_CONFIG_GET:
	case HMMP_CMD_CONFIG_SET:
		m = fk_msg(req, FK_FAMILY, cmd, 0);
		n = nla_nest_start(m, HMMP_A_CONFIG);
		assert_int_equal(nla_put_u32(m, HMMP_CFG_A_TABLE_MAX, 65536), 0);
		assert_int_equal(nla_put_u32(m, HMMP_CFG_A_TIMEOUT_SETUP, 120), 0);
		assert_int_equal(nla_put_u32(m, HMMP_CFG_A_ROLES,
					     HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT), 0);
		assert_int_equal(nla_put_u16(m, HMMP_CFG_A_UDP_PORT, htons(5060)), 0);
		nla_nest_end(m, n);
		fk_reply(m);
		break;
	case HMMP_CMD_CONN_GET:
	case HMMP_CMD_BINDING_GET:
	case HMMP_CMD_XLATE_GET:
		for (i = 0; i < kernel.rows; i++) {
			m = fk_msg(req, FK_FAMILY, cmd, NLM_F_MULTI);
			if (kernel.bad_row && i == 1)
				;	/* a record without its nest */
			else if (cmd == HMMP_CMD_CONN_GET)
				put_conn(m, i);
			else if (cmd == HMMP_CMD_XLATE_GET)
				put_xlate(m, i);
			else
				put_binding(m, i);
			fk_reply(m);
		}
		fk_done(req);
		return;		/* a dump ends with DONE, no ACK */
	case HMMP_CMD_HANDOFF:
	case HMMP_CMD_BINDING_FLUSH:
	case HMMP_CMD_XLATE_FLUSH:
		m = fk_msg(req, FK_FAMILY, cmd, 0);
		assert_int_equal(nla_put_u32(m, HMMP_A_COUNT,
					     cmd == HMMP_CMD_HANDOFF ? 3 :
					     cmd == HMMP_CMD_XLATE_FLUSH ? 4 : 2), 0);
		fk_reply(m);
		break;
	default:
		break;		/* BINDING_NEW/DEL, XLATE_NEW/DEL: just the ACK */
	}
	fk_ack(req, 0, NULL);
}

static int setup(void **state)
{
	F = calloc(1, sizeof(*F));
	if (!F)
		return -1;
	fk_setup(&F->nl);
	fk.handler = module;
	memset(&kernel, 0, sizeof(kernel));
	kernel.rows = 2;
	F->ctx.nl = &F->nl;
	F->ctx.out = open_memstream(&F->out, &F->outlen);
	F->ctx.err = open_memstream(&F->err, &F->errlen);
	*state = F;
	return F->ctx.out && F->ctx.err ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fk_teardown(&F->nl);
	fclose(F->ctx.out);
	fclose(F->ctx.err);
	free(F->out);
	free(F->err);
	free(F);
	return 0;
}

/* Parse line, run it; stdout/stderr so far in F->out/F->err. */
static int run(const char *line)
{
	char *copy = strdup(line), *save = NULL, *tok;
	char *argv[32] = { "hmmpctl" };
	struct hmmpctl_req req;
	int argc = 1, ret;

	assert_non_null(copy);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	if (hmmpctl_parse(argc, argv, &req))
		fail_msg("'%s': %s", line, req.err);
	assert_int_equal(req.action, HMMPCTL_RUN);
	ret = req.obj->run(&req, &F->ctx);
	free(copy);
	fflush(F->ctx.out);
	fflush(F->ctx.err);
	return ret;
}

static void expect(const char *line, int code, const char *out, const char *err)
{
	/* start from empty output */
	fclose(F->ctx.out);
	fclose(F->ctx.err);
	free(F->out);
	free(F->err);
	F->ctx.out = open_memstream(&F->out, &F->outlen);
	F->ctx.err = open_memstream(&F->err, &F->errlen);
	assert_non_null(F->ctx.out);
	assert_non_null(F->ctx.err);
	assert_int_equal(run(line), code);
	assert_string_equal(F->out, out);
	assert_string_equal(F->err, err);
	if (strncmp(line, "-j ", 3) == 0 && *out && !json_lines_valid(out))
		fail_msg("invalid JSON: %s", out);
}

static void req_attrs(struct nlattr *tb[HMMP_A_MAX + 1])
{
	assert_non_null(fk.req);
	assert_int_equal(fk_req_parse(tb), 0);
}

static void test_version(void **state)
{
	(void)state;
	expect("version", 0,
	       "hmmpctl 0.1.0\nhmmp.ko 0.1.0 (genl family hmmp, api 1)\n", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_VERSION_GET);
	expect("-j version", 0, "{\"hmmpctl\":\"0.1.0\",\"module\":\"0.1.0\",\"api\":1}\n",
	       "");
	kernel.no_api = true;
	expect("version", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg, "malformed reply from the kernel: no version");
	assert_int_equal(fk_pending(), 0);
}

static void test_stats(void **state)
{
	(void)state;
	expect("stats", 0, "conn_count 2\nconn_max 65536\nconn_created 5\nhandoffs 1\n"
	       "udp_nosock 4\nxlate_count 1\nxlate_pkts 9\n", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_STATS_GET);
	expect("-j stats show", 0,
	       "{\"conn_count\":2,\"conn_max\":65536,\"conn_created\":5,\"handoffs\":1,"
	       "\"udp_nosock\":4,\"xlate_count\":1,\"xlate_pkts\":9}\n", "");
}

static void test_config(void **state)
{
	struct nlattr *tb[HMMP_A_MAX + 1], *cfg[HMMP_CFG_A_MAX + 1];

	(void)state;
	expect("config", 0,
	       "table_max 65536\ntimeout_setup 120\nroles mobile,correspondent\n"
	       "udp_port 5060\n", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_CONFIG_GET);
	expect("-j config show", 0,
	       "{\"table_max\":65536,\"timeout_setup\":120,"
	       "\"roles\":\"mobile,correspondent\",\"udp_port\":5060}\n", "");
	expect("config set roles router timeout_release 9", 0, "", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_CONFIG_SET);
	req_attrs(tb);
	assert_non_null(tb[HMMP_A_CONFIG]);
	assert_int_equal(nla_parse_nested(cfg, HMMP_CFG_A_MAX, tb[HMMP_A_CONFIG], NULL), 0);
	assert_int_equal(nla_get_u32(cfg[HMMP_CFG_A_ROLES]), HMMP_ROLE_ROUTER);
	assert_int_equal(nla_get_u32(cfg[HMMP_CFG_A_TIMEOUT_RELEASE]), 9);
	assert_null(cfg[HMMP_CFG_A_TABLE_MAX]);	/* only what was given */
	assert_null(cfg[HMMP_CFG_A_BIND_MAX]);
	kernel.err = EINVAL;
	kernel.extack = "timeout_release out of range";
	expect("config set timeout_release 9", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg, "Invalid argument: timeout_release out of range");
	kernel.err = EPERM;
	kernel.extack = NULL;
	expect("config set timeout_release 9", HMMP_EXIT_PERM, "", "");
	assert_string_equal(F->nl.msg, HMMP_MSG_PERM);
}

static void test_conn(void **state)
{
	struct nlattr *tb[HMMP_A_MAX + 1];

	(void)state;
	expect("conn", 0,
	       "orig_local  prev_local  cur_local    remote        lport  rport  state        cl_id  opener  pkts_out  pkts_in  bytes_out  bytes_in  age_ms  idle_ms  handoffs  isn_local  isn_remote\n"
	       "192.0.2.1   0.0.0.0     192.0.2.1    198.51.100.1  40000  5001   established  1000   local   10        12       1000       123456    5000    7        0         -          -\n"
	       "192.0.2.1   192.0.2.1   203.0.113.5  198.51.100.1  40001  5001   established  1001   remote  10        12       1000       123456    5000    7        1         777        1001\n",
	       "2 connections\n");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_CONN_GET);
	assert_true(fk.req->nlmsg_flags & NLM_F_DUMP);
	req_attrs(tb);
	assert_null(tb[HMMP_A_FILTER_ADDR]);
	assert_null(tb[HMMP_A_FILTER_STATE]);

	kernel.rows = 1;
	expect("-j conn show addr 192.0.2.1 state established", 0,
	       "[{\"orig_local\":\"192.0.2.1\",\"prev_local\":\"0.0.0.0\","
	       "\"cur_local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
	       "\"lport\":40000,\"rport\":5001,\"state\":\"established\","
	       "\"cl_id\":1000,\"opener\":\"local\",\"pkts_out\":10,\"pkts_in\":12,"
	       "\"bytes_out\":1000,\"bytes_in\":123456,\"age_ms\":5000,"
	       "\"idle_ms\":7,\"handoffs\":0}]\n",
	       "1 connections\n");
	req_attrs(tb);
	assert_int_equal(nla_get_u32(tb[HMMP_A_FILTER_ADDR]), ip("192.0.2.1"));
	assert_int_equal(nla_get_u8(tb[HMMP_A_FILTER_STATE]), HMMP_CONN_ESTABLISHED);

	kernel.rows = 0;
	expect("conn", 0, "", "0 connections\n");
	expect("-j conn", 0, "[]\n", "0 connections\n");
}

static void test_conn_errors(void **state)
{
	(void)state;
	kernel.rows = 3;
	kernel.bad_row = true;
	/* the JSON stays valid, no count line, exit 4 */
	expect("-j conn", HMMP_EXIT_KERNEL,
	       "[{\"orig_local\":\"192.0.2.1\",\"prev_local\":\"0.0.0.0\","
	       "\"cur_local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
	       "\"lport\":40000,\"rport\":5001,\"state\":\"established\","
	       "\"cl_id\":1000,\"opener\":\"local\",\"pkts_out\":10,\"pkts_in\":12,"
	       "\"bytes_out\":1000,\"bytes_in\":123456,\"age_ms\":5000,"
	       "\"idle_ms\":7,\"handoffs\":0}]\n", "");
	assert_string_equal(F->nl.msg,
			    "malformed reply from the kernel (Unable to parse object)");
	assert_int_equal(fk_pending(), 0);
	kernel.err = ENOBUFS;
	expect("conn", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg, "No buffer space available");
}

static void test_handoff(void **state)
{
	struct nlattr *tb[HMMP_A_MAX + 1];

	(void)state;
	expect("handoff from 192.0.2.1 to 203.0.113.5", 0, "3 connections moved\n", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_HANDOFF);
	req_attrs(tb);
	assert_int_equal(nla_get_u32(tb[HMMP_A_HANDOFF_OLD]), ip("192.0.2.1"));
	assert_int_equal(nla_get_u32(tb[HMMP_A_HANDOFF_NEW]), ip("203.0.113.5"));
	expect("-j handoff to 203.0.113.5", 0, "{\"moved\":3}\n", "");
	req_attrs(tb);
	assert_null(tb[HMMP_A_HANDOFF_OLD]);
	assert_int_equal(nla_get_u32(tb[HMMP_A_HANDOFF_NEW]), ip("203.0.113.5"));
	kernel.err = EACCES;
	expect("handoff to 203.0.113.5", HMMP_EXIT_PERM, "", "");
	assert_string_equal(F->nl.msg, HMMP_MSG_PERM);
}

static void binding_req(struct nlattr *b[HMMP_BIND_A_MAX + 1])
{
	struct nlattr *tb[HMMP_A_MAX + 1];

	req_attrs(tb);
	assert_non_null(tb[HMMP_A_BINDING]);
	assert_int_equal(nla_parse_nested(b, HMMP_BIND_A_MAX, tb[HMMP_A_BINDING],
					  NULL), 0);
}

static void test_binding_add_del(void **state)
{
	struct nlattr *b[HMMP_BIND_A_MAX + 1];

	(void)state;
	expect("binding add 192.0.2.1 coa 203.0.113.5 peer 198.51.100.1 encap minimal "
	       "kind correspondent lifetime 30 minsrc", 0, "", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_BINDING_NEW);
	assert_false(fk.req->nlmsg_flags & NLM_F_REPLACE);
	binding_req(b);
	assert_int_equal(nla_get_u32(b[HMMP_BIND_A_ORIG]), ip("192.0.2.1"));
	assert_int_equal(nla_get_u32(b[HMMP_BIND_A_COA]), ip("203.0.113.5"));
	assert_int_equal(nla_get_u32(b[HMMP_BIND_A_PEER]), ip("198.51.100.1"));
	assert_int_equal(nla_get_u8(b[HMMP_BIND_A_ENCAP]), HMMP_ENCAP_MINIMAL);
	assert_int_equal(nla_get_u8(b[HMMP_BIND_A_KIND]), HMMP_BIND_CORRESPONDENT);
	assert_int_equal(nla_get_u32(b[HMMP_BIND_A_LIFETIME]), 30);
	assert_int_equal(nla_get_u8(b[HMMP_BIND_A_MIN_SRC]), 1);

	expect("binding replace 192.0.2.1 coa 203.0.113.9", 0, "", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_BINDING_NEW);
	assert_true(fk.req->nlmsg_flags & NLM_F_REPLACE);
	assert_true(fk.req->nlmsg_flags & NLM_F_CREATE);	/* like ip route replace */
	binding_req(b);
	assert_int_equal(nla_get_u32(b[HMMP_BIND_A_COA]), ip("203.0.113.9"));
	assert_int_equal(nla_get_u32(b[HMMP_BIND_A_PEER]), 0);	/* any */
	assert_null(b[HMMP_BIND_A_ENCAP]);
	assert_null(b[HMMP_BIND_A_KIND]);
	assert_null(b[HMMP_BIND_A_LIFETIME]);
	assert_null(b[HMMP_BIND_A_MIN_SRC]);

	expect("binding add 192.0.2.1 coa 203.0.113.5 peer 198.51.100.1 encap udp "
	       "port 61000 kind correspondent", 0, "", "");
	binding_req(b);
	assert_int_equal(nla_get_u8(b[HMMP_BIND_A_ENCAP]), HMMP_ENCAP_UDP);
	assert_non_null(b[HMMP_BIND_A_PORT]);
	assert_int_equal(nla_len(b[HMMP_BIND_A_PORT]), 2);
	assert_int_equal(ntohs(nla_get_u16(b[HMMP_BIND_A_PORT])), 61000);

	expect("binding del 192.0.2.1 kind mobile", 0, "", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_BINDING_DEL);
	binding_req(b);
	assert_int_equal(nla_get_u32(b[HMMP_BIND_A_ORIG]), ip("192.0.2.1"));
	assert_int_equal(nla_get_u32(b[HMMP_BIND_A_PEER]), 0);
	assert_int_equal(nla_get_u8(b[HMMP_BIND_A_KIND]), HMMP_BIND_MOBILE);
	assert_null(b[HMMP_BIND_A_COA]);
	assert_null(b[HMMP_BIND_A_PORT]);

	kernel.err = EEXIST;
	kernel.extack = "binding exists";
	expect("binding add 192.0.2.1 coa 203.0.113.5", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg, "File exists: binding exists");
	kernel.err = ENOENT;
	kernel.extack = NULL;
	expect("binding del 192.0.2.1", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg, "No such file or directory");
	kernel.err = EOPNOTSUPP;
	expect("binding add 192.0.2.1 coa 203.0.113.5", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg,
			    "Operation not supported: the loaded hmmp.ko does not implement this command");
}

static void test_binding_show_flush(void **state)
{
	(void)state;
	kernel.rows = 1;
	expect("binding", 0,
	       "orig       coa          peer     kind           encap  lifetime  expires_ms  pkts_encap  minsrc\n"
	       "192.0.2.1  203.0.113.5  0.0.0.0  correspondent  ipip   60        59500       3           no\n",
	       "1 bindings\n");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_BINDING_GET);
	assert_true(fk.req->nlmsg_flags & NLM_F_DUMP);
	expect("-j binding show", 0,
	       "[{\"orig\":\"192.0.2.1\",\"coa\":\"203.0.113.5\",\"peer\":\"0.0.0.0\","
	       "\"kind\":\"correspondent\",\"encap\":\"ipip\",\"lifetime\":60,"
	       "\"expires_ms\":59500,\"pkts_encap\":3,\"minsrc\":false}]\n",
	       "1 bindings\n");
	kernel.rows = 2;	/* a udp binding's port: its own column */
	expect("binding", 0,
	       "orig       coa          peer     kind           encap  lifetime  expires_ms  pkts_encap  minsrc  port\n"
	       "192.0.2.1  203.0.113.5  0.0.0.0  correspondent  ipip   60        59500       3           no      -\n"
	       "192.0.2.1  203.0.113.5  0.0.0.0  correspondent  udp    60        59500       3           no      61001\n",
	       "2 bindings\n");
	expect("-j binding show", 0,
	       "[{\"orig\":\"192.0.2.1\",\"coa\":\"203.0.113.5\",\"peer\":\"0.0.0.0\","
	       "\"kind\":\"correspondent\",\"encap\":\"ipip\",\"lifetime\":60,"
	       "\"expires_ms\":59500,\"pkts_encap\":3,\"minsrc\":false},"
	       "{\"orig\":\"192.0.2.1\",\"coa\":\"203.0.113.5\",\"peer\":\"0.0.0.0\","
	       "\"kind\":\"correspondent\",\"encap\":\"udp\",\"port\":61001,"
	       "\"lifetime\":60,\"expires_ms\":59500,\"pkts_encap\":3,"
	       "\"minsrc\":false}]\n",
	       "2 bindings\n");
	expect("binding flush", 0, "2 bindings flushed\n", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_BINDING_FLUSH);
	expect("-j binding flush", 0, "{\"flushed\":2}\n", "");
}

static void xlate_req(struct nlattr *x[HMMP_XLATE_A_MAX + 1])
{
	struct nlattr *tb[HMMP_A_MAX + 1];

	req_attrs(tb);
	assert_non_null(tb[HMMP_A_XLATE]);
	assert_null(tb[HMMP_A_BINDING]);
	assert_int_equal(nla_parse_nested(x, HMMP_XLATE_A_MAX, tb[HMMP_A_XLATE],
					  NULL), 0);
}

static void xlate_key_is(struct nlattr *x[HMMP_XLATE_A_MAX + 1])
{
	assert_int_equal(nla_len(x[HMMP_XLATE_A_LADDR]), 4);
	assert_int_equal(nla_get_u32(x[HMMP_XLATE_A_LADDR]), ip("192.0.2.1"));
	assert_int_equal(nla_len(x[HMMP_XLATE_A_LPORT]), 2);
	assert_int_equal(ntohs(nla_get_u16(x[HMMP_XLATE_A_LPORT])), 40000);
	assert_int_equal(nla_get_u32(x[HMMP_XLATE_A_RADDR]), ip("198.51.100.1"));
	assert_int_equal(nla_len(x[HMMP_XLATE_A_RPORT]), 2);
	assert_int_equal(ntohs(nla_get_u16(x[HMMP_XLATE_A_RPORT])), 5001);
}

static void test_xlate_add_del(void **state)
{
	struct nlattr *x[HMMP_XLATE_A_MAX + 1];
	int i;

	(void)state;
	expect("xlate add 192.0.2.1:40000 198.51.100.1:5001 peer 10.0.0.7:5001 "
	       "203.0.113.9:61000 via 203.0.113.5:4500 encap udp lifetime 30",
	       0, "", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_XLATE_NEW);
	assert_false(fk.req->nlmsg_flags & NLM_F_REPLACE);
	xlate_req(x);
	xlate_key_is(x);
	assert_int_equal(nla_get_u32(x[HMMP_XLATE_A_PEER_LADDR]), ip("10.0.0.7"));
	assert_int_equal(ntohs(nla_get_u16(x[HMMP_XLATE_A_PEER_LPORT])), 5001);
	assert_int_equal(nla_get_u32(x[HMMP_XLATE_A_PEER_RADDR]), ip("203.0.113.9"));
	assert_int_equal(ntohs(nla_get_u16(x[HMMP_XLATE_A_PEER_RPORT])), 61000);
	assert_int_equal(nla_get_u32(x[HMMP_XLATE_A_COA]), ip("203.0.113.5"));
	assert_int_equal(nla_len(x[HMMP_XLATE_A_PORT]), 2);
	assert_int_equal(ntohs(nla_get_u16(x[HMMP_XLATE_A_PORT])), 4500);
	assert_int_equal(nla_len(x[HMMP_XLATE_A_ENCAP]), 1);
	assert_int_equal(nla_get_u8(x[HMMP_XLATE_A_ENCAP]), HMMP_ENCAP_UDP);
	assert_int_equal(nla_get_u32(x[HMMP_XLATE_A_LIFETIME]), 30);
	for (i = HMMP_XLATE_A_EXPIRES_MS; i <= HMMP_XLATE_A_MAX; i++)
		assert_null(x[i]);	/* replies only */

	expect("xlate replace 192.0.2.1:40000 198.51.100.1:5001 peer 10.0.0.7:5001 "
	       "203.0.113.9:61000 via 203.0.113.6 encap minimal", 0, "", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_XLATE_NEW);
	assert_true(fk.req->nlmsg_flags & NLM_F_REPLACE);
	assert_true(fk.req->nlmsg_flags & NLM_F_CREATE);
	xlate_req(x);
	xlate_key_is(x);
	assert_int_equal(nla_get_u32(x[HMMP_XLATE_A_COA]), ip("203.0.113.6"));
	assert_int_equal(nla_get_u8(x[HMMP_XLATE_A_ENCAP]), HMMP_ENCAP_MINIMAL);
	assert_null(x[HMMP_XLATE_A_PORT]);
	assert_null(x[HMMP_XLATE_A_LIFETIME]);	/* left to the module */

	expect("xlate del 192.0.2.1:40000 198.51.100.1:5001", 0, "", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_XLATE_DEL);
	xlate_req(x);
	xlate_key_is(x);	/* the key and nothing else */
	for (i = HMMP_XLATE_A_PEER_LADDR; i <= HMMP_XLATE_A_MAX; i++)
		assert_null(x[i]);

	kernel.err = EEXIST;
	kernel.extack = "translation exists";
	expect("xlate add 192.0.2.1:40000 198.51.100.1:5001 peer 10.0.0.7:5001 "
	       "203.0.113.9:61000 via 203.0.113.5 encap ipip", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg, "File exists: translation exists");
	kernel.err = ENOENT;
	kernel.extack = NULL;
	expect("xlate del 192.0.2.1:40000 198.51.100.1:5001", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg, "No such file or directory");
	kernel.err = EPERM;
	expect("xlate flush", HMMP_EXIT_PERM, "", "");
	assert_string_equal(F->nl.msg, HMMP_MSG_PERM);
	/* a module from before translations */
	kernel.err = EOPNOTSUPP;
	expect("xlate add 192.0.2.1:40000 198.51.100.1:5001 peer 10.0.0.7:5001 "
	       "203.0.113.9:61000 via 203.0.113.5 encap ipip", HMMP_EXIT_KERNEL, "", "");
	assert_string_equal(F->nl.msg,
			    "Operation not supported: the loaded hmmp.ko does not implement this command");
}

static void test_xlate_show_flush(void **state)
{
	static const char *const json1 =
		"[{\"laddr\":\"192.0.2.1\",\"lport\":40000,\"raddr\":\"198.51.100.1\","
		"\"rport\":5001,\"peer_laddr\":\"10.0.0.7\",\"peer_lport\":5001,"
		"\"peer_raddr\":\"203.0.113.9\",\"peer_rport\":61000,"
		"\"coa\":\"203.0.113.5\",\"port\":4500,\"encap\":\"udp\","
		"\"lifetime\":60,\"expires_ms\":59500,\"pkts_encap\":3,"
		"\"pkts_decap\":2}]\n";

	(void)state;
	kernel.rows = 1;
	expect("xlate", 0,
	       "laddr      lport  raddr         rport  peer_laddr  peer_lport  peer_raddr   peer_rport  coa          port  encap  lifetime  expires_ms  pkts_encap  pkts_decap\n"
	       "192.0.2.1  40000  198.51.100.1  5001   10.0.0.7    5001        203.0.113.9  61000       203.0.113.5  4500  udp    60        59500       3           2\n",
	       "1 translations\n");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_XLATE_GET);
	assert_true(fk.req->nlmsg_flags & NLM_F_DUMP);
	expect("-j xlate show", 0, json1, "1 translations\n");
	expect("xlate show -j", 0, json1, "1 translations\n");
	assert_true(json_lines_valid(F->out));
	kernel.rows = 2;	/* an ipip one: no port, "-" in its column */
	expect("xlate show", 0,
	       "laddr      lport  raddr         rport  peer_laddr  peer_lport  peer_raddr   peer_rport  coa          port  encap  lifetime  expires_ms  pkts_encap  pkts_decap\n"
	       "192.0.2.1  40000  198.51.100.1  5001   10.0.0.7    5001        203.0.113.9  61000       203.0.113.5  4500  udp    60        59500       3           2\n"
	       "192.0.2.1  40001  198.51.100.1  5001   10.0.0.7    5001        203.0.113.9  61001       203.0.113.5  -     ipip   60        59500       3           2\n",
	       "2 translations\n");
	kernel.rows = 0;
	expect("xlate", 0, "", "0 translations\n");
	expect("-j xlate", 0, "[]\n", "0 translations\n");
	kernel.rows = 3;
	kernel.bad_row = true;
	expect("-j xlate", HMMP_EXIT_KERNEL, json1, "");
	assert_string_equal(F->nl.msg,
			    "malformed reply from the kernel (Unable to parse object)");
	kernel.bad_row = false;

	expect("xlate flush", 0, "4 translations flushed\n", "");
	assert_int_equal(fk_req_cmd(), HMMP_CMD_XLATE_FLUSH);
	expect("-j xlate flush", 0, "{\"flushed\":4}\n", "");
}

/* Every command says the same when the module is not loaded: exit 2. */
static void test_no_module(void **state)
{
	static const char *const lines[] = {
		"version", "stats", "config", "config set table_max 5", "conn",
		"handoff to 1.2.3.4", "monitor", "binding", "binding flush",
		"binding add 1.2.3.4 coa 5.6.7.8", "binding del 1.2.3.4",
		"-j conn", "xlate", "xlate show -j", "xlate flush",
		"xlate add 1.2.3.4:1 5.6.7.8:2 peer 1.1.1.1:3 2.2.2.2:4 via 5.5.5.5 encap ipip",
		"xlate del 1.2.3.4:1 5.6.7.8:2",
	};
	size_t i;

	(void)state;
	fk.family_present = false;
	for (i = 0; i < HMMP_ARRAY_SIZE(lines); i++) {
		expect(lines[i], HMMP_EXIT_NOFAMILY, "", "");
		assert_string_equal(F->nl.msg,
				    "generic netlink family 'hmmp' not found: is hmmp.ko loaded? (modprobe hmmp)");
	}
	assert_int_equal(fk.nreq, 0);	/* nothing sent to a missing family */
}

/* ---- monitor ---- */

static void ev_conn_new(void)
{
	struct nl_msg *m = fk_msg(NULL, FK_FAMILY, HMMP_CMD_EVENT_CONN_NEW, 0);
	struct nlattr *n = nla_nest_start(m, HMMP_A_CONN);

	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_ORIG_LOCAL, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_CUR_LOCAL, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_CONN_A_REMOTE, ip("198.51.100.1")), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_LPORT, htons(40000)), 0);
	assert_int_equal(nla_put_u16(m, HMMP_CONN_A_RPORT, htons(5001)), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_STATE, HMMP_CONN_SETUP_REQ), 0);
	assert_int_equal(nla_put_u8(m, HMMP_CONN_A_OPENER, HMMP_OPENER_LOCAL), 0);
	nla_nest_end(m, n);
	fk_mcast(m, FK_EVENTS_GRP);
}

static void ev_handoff(void)
{
	struct nl_msg *m = fk_msg(NULL, FK_FAMILY, HMMP_CMD_EVENT_HANDOFF, 0);

	assert_int_equal(nla_put_u32(m, HMMP_A_HANDOFF_OLD, ip("192.0.2.1")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_A_HANDOFF_NEW, ip("203.0.113.5")), 0);
	assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, 3), 0);
	fk_mcast(m, FK_EVENTS_GRP);
}

static void ev_ctrl(uint8_t cmd, const char *name)
{
	struct nl_msg *m = fk_msg(NULL, GENL_ID_CTRL, cmd, 0);

	assert_int_equal(nla_put_string(m, CTRL_ATTR_FAMILY_NAME, name), 0);
	fk_mcast(m, FK_NOTIFY_GRP);
}

static void queue_events(void)
{
	ev_conn_new();
	fk_mcast(fk_msg(NULL, FK_FAMILY, HMMP_CMD_EVENT_CONN_NEW, 0),
		 FK_EVENTS_GRP);			/* malformed */
	ev_handoff();
	/* another family's message on the events group is ignored */
	fk_mcast(fk_msg(NULL, FK_FAMILY + 1, HMMP_CMD_EVENT_CONN_NEW, 0),
		 FK_EVENTS_GRP);
	ev_ctrl(CTRL_CMD_NEWFAMILY, "wireguard");	/* not ours: ignored */
}

static void test_monitor(void **state)
{
	(void)state;
	queue_events();
	ev_ctrl(CTRL_CMD_DELFAMILY, "hmmp");
	ev_ctrl(CTRL_CMD_NEWFAMILY, "hmmp");	/* after it went: never read */
	expect("monitor", HMMP_EXIT_NOFAMILY,
	       "[EVENT] conn new 192.0.2.1:40000 -> 198.51.100.1:5001 state setup_req opener local\n"
	       "[EVENT] handoff 192.0.2.1 -> 203.0.113.5 moved 3\n",
	       "hmmpctl: malformed event ignored\n");
	assert_string_equal(F->nl.msg,
			    "generic netlink family 'hmmp' went away: hmmp.ko was unloaded");
	assert_int_equal(fk.njoined, 2);
	assert_int_equal(fk.joined[0], FK_EVENTS_GRP);
	assert_int_equal(fk.joined[1], FK_NOTIFY_GRP);
	assert_int_equal(fk_pending(), 1);
}

static void test_monitor_json(void **state)
{
	(void)state;
	queue_events();
	fk_mcast_error(-NLE_NOMEM, FK_NOTIFY_GRP);	/* ENOBUFS: events lost */
	/* then nothing more to read: monitor returns 0 */
	expect("-j monitor", 0,
	       "{\"event\":\"conn_new\",\"orig_local\":\"192.0.2.1\","
	       "\"cur_local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
	       "\"lport\":40000,\"rport\":5001,\"state\":\"setup_req\","
	       "\"opener\":\"local\"}\n"
	       "{\"event\":\"handoff\",\"old\":\"192.0.2.1\","
	       "\"new\":\"203.0.113.5\",\"moved\":3}\n",
	       "hmmpctl: malformed event ignored\n"
	       "hmmpctl: events lost (receive buffer overrun)\n");
}

static void test_monitor_errors(void **state)
{
	(void)state;
	fk.join_err = -NLE_PERM;
	expect("monitor", HMMP_EXIT_PERM, "", "");
	assert_string_equal(F->nl.msg,
			    "permission denied: watching hmmp events needs CAP_NET_ADMIN");
	fk.join_err = 0;
	ev_handoff();
	fk_mcast_error(-NLE_BAD_SOCK, FK_EVENTS_GRP);	/* while listening */
	expect("monitor", HMMP_EXIT_KERNEL,
	       "[EVENT] handoff 192.0.2.1 -> 203.0.113.5 moved 3\n", "");
	assert_string_equal(F->nl.msg, "netlink: Bad socket");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_version),
		T(test_stats),
		T(test_config),
		T(test_conn),
		T(test_conn_errors),
		T(test_handoff),
		T(test_binding_add_del),
		T(test_binding_show_flush),
		T(test_xlate_add_del),
		T(test_xlate_show_flush),
		T(test_no_module),
		T(test_monitor),
		T(test_monitor_json),
		T(test_monitor_errors),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
