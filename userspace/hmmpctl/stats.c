// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl stats: the module's counters, one object.
 *
 *   hmmpctl [-j] stats [show]
 */
#include "cmd.h"

static int stats_parse(struct hmmpctl_req *req, int argc, char **argv)
{
	hmmpctl_skip_show(&argc, &argv);
	return hmmpctl_no_args(req, "stats", argc, argv);
}

static struct nl_msg *stats_build(const struct hmmpctl_req *req,
				  struct hmmp_nl *nl)
{
	(void)req;
	return hmmp_nl_msg(nl, HMMP_CMD_STATS_GET, 0);
}

static int stats_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	return hmmpctl_show_nest(req, ctx, HMMP_A_STATS, hmmp_stats_print);
}

const struct hmmpctl_object hmmpctl_obj_stats = {
	.name = "stats",
	.parse = stats_parse,
	.run = stats_run,
	.build = stats_build,
	.usage = "hmmpctl [-j] stats [show]\n",
	.help = "module counters",
};
