// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl conn: the connections hmmp.ko tracks (its SIP_EYE records),
 * dumped with an optional filter by local address and state.
 *
 *   hmmpctl [-j] conn [show] [addr ADDR] [state STATE]
 */
#include <string.h>

#include "cmd.h"

static int conn_parse(struct hmmpctl_req *req, int argc, char **argv)
{
	const char *ctx = "conn show";
	int i;

	if (argc > 0 && strcmp(argv[0], "show") && strcmp(argv[0], "addr") &&
	    strcmp(argv[0], "state"))
		return hmmpctl_usage_err(req, "conn: unknown verb '%s'", argv[0]);
	hmmpctl_skip_show(&argc, &argv);
	req->verb = HMMPCTL_SHOW;
	for (i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "addr")) {
			if (hmmpctl_once(req, ctx, "addr", &req->conn.have_addr) ||
			    !(v = hmmpctl_value(req, ctx, argc, argv, &i)) ||
			    hmmpctl_parse_addr(req, ctx, v, &req->conn.addr))
				return HMMP_EXIT_USAGE;
		} else if (!strcmp(argv[i], "state")) {
			if (hmmpctl_once(req, ctx, "state", &req->conn.have_state) ||
			    !(v = hmmpctl_value(req, ctx, argc, argv, &i)))
				return HMMP_EXIT_USAGE;
			if (hmmp_state_parse(v, &req->conn.state))
				return hmmpctl_usage_err(req, "%s: bad state '%s' (setup_req, setup_prog, established, release_req, release_ack or disconnect)",
							 ctx, v);
		} else {
			return hmmpctl_usage_err(req, "%s: unknown argument '%s'",
						 ctx, argv[i]);
		}
	}
	return 0;
}

static struct nl_msg *conn_build(const struct hmmpctl_req *req,
				 struct hmmp_nl *nl)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_CONN_GET, NLM_F_DUMP);

	if (!msg ||
	    (req->conn.have_addr &&
	     hmmpctl_put_be32(msg, HMMP_A_FILTER_ADDR, req->conn.addr)) ||
	    (req->conn.have_state &&
	     nla_put_u8(msg, HMMP_A_FILTER_STATE, req->conn.state)))
		return hmmpctl_nomem(msg, nl);
	return msg;
}

static int conn_row(struct hmmp_pr *p, struct nlattr *tb[HMMP_A_MAX + 1])
{
	struct hmmp_conn c;

	if (hmmp_conn_parse(tb[HMMP_A_CONN], &c))
		return HMMP_NL_BAD;
	pr_open_object(p, NULL);
	hmmp_conn_print(p, 0, &c);
	pr_close_object(p);
	return 0;
}

static int conn_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	return hmmpctl_dump(req, ctx, conn_row, "connections");
}

const struct hmmpctl_object hmmpctl_obj_conn = {
	.name = "conn",
	.parse = conn_parse,
	.run = conn_run,
	.build = conn_build,
	.usage = "hmmpctl [-j] conn [show] [addr ADDR] [state STATE]\n",
	.help = "tracked connections (SIP_EYE records)",
};
