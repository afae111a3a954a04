// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl handoff: move the connections on local address OLD (or on any)
 * to the local address NEW; prints how many moved.
 *
 *   hmmpctl [-j] handoff [from OLD] to NEW
 */
#include <string.h>

#include "cmd.h"

static int handoff_parse(struct hmmpctl_req *req, int argc, char **argv)
{
	const char *ctx = "handoff";
	bool have_new = false;
	int i;

	for (i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "from")) {
			if (hmmpctl_once(req, ctx, "from", &req->handoff.have_old) ||
			    !(v = hmmpctl_value(req, ctx, argc, argv, &i)) ||
			    hmmpctl_parse_addr(req, ctx, v, &req->handoff.old_addr))
				return HMMP_EXIT_USAGE;
		} else if (!strcmp(argv[i], "to")) {
			if (hmmpctl_once(req, ctx, "to", &have_new) ||
			    !(v = hmmpctl_value(req, ctx, argc, argv, &i)) ||
			    hmmpctl_parse_addr(req, ctx, v, &req->handoff.new_addr))
				return HMMP_EXIT_USAGE;
		} else {
			return hmmpctl_usage_err(req, "%s: unknown argument '%s'",
						 ctx, argv[i]);
		}
	}
	if (!have_new)
		return hmmpctl_usage_err(req, "%s: 'to NEW' is required", ctx);
	return 0;
}

static struct nl_msg *handoff_build(const struct hmmpctl_req *req,
				    struct hmmp_nl *nl)
{
	struct nl_msg *msg = hmmp_nl_msg(nl, HMMP_CMD_HANDOFF, 0);

	if (!msg ||
	    (req->handoff.have_old &&
	     hmmpctl_put_be32(msg, HMMP_A_HANDOFF_OLD, req->handoff.old_addr)) ||
	    hmmpctl_put_be32(msg, HMMP_A_HANDOFF_NEW, req->handoff.new_addr))
		return hmmpctl_nomem(msg, nl);
	return msg;
}

static int handoff_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	return hmmpctl_show_count(req, ctx, "moved", "connections moved");
}

const struct hmmpctl_object hmmpctl_obj_handoff = {
	.name = "handoff",
	.parse = handoff_parse,
	.run = handoff_run,
	.build = handoff_build,
	.usage = "hmmpctl [-j] handoff [from OLD] to NEW\n",
	.help = "move connections to a new local address",
};
