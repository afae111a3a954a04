// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl version: the versions of hmmpctl and of the loaded hmmp.ko
 * (-V, this tool's version alone without asking the module, is main.c's).
 *
 *   hmmpctl [-j] version
 */
#include "cmd.h"

static int version_parse(struct hmmpctl_req *req, int argc, char **argv)
{
	return hmmpctl_no_args(req, "version", argc, argv);
}

static struct nl_msg *version_build(const struct hmmpctl_req *req,
				    struct hmmp_nl *nl)
{
	(void)req;
	return hmmp_nl_msg(nl, HMMP_CMD_VERSION_GET, 0);
}

static int version_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct nl_msg *reply;
	struct hmmp_pr p;
	int ret = hmmpctl_doit(req, ctx, &reply, tb);

	if (ret)
		return ret;
	if (!tb[HMMP_A_VERSION] || !tb[HMMP_A_API_VERSION]) {
		nlmsg_free(reply);
		return hmmpctl_failed(ctx, HMMP_EXIT_KERNEL,
				      "malformed reply from the kernel: no version");
	}
	pr_init(&p, ctx->out, req->json);
	pr_open_object(&p, NULL);
	pr_str(&p, 0, "hmmpctl", HMMP_USER_VERSION);
	pr_text(&p, "hmmp.ko %s (genl family %s, api %u)\n",
		nla_get_string(tb[HMMP_A_VERSION]), HMMP_GENL_NAME,
		nla_get_u32(tb[HMMP_A_API_VERSION]));
	pr_str(&p, PR_JSON, "module", nla_get_string(tb[HMMP_A_VERSION]));
	pr_u64(&p, PR_JSON, "api", nla_get_u32(tb[HMMP_A_API_VERSION]));
	pr_close_object(&p);
	nlmsg_free(reply);
	return hmmpctl_finish(ctx, &p, 0);
}

const struct hmmpctl_object hmmpctl_obj_version = {
	.name = "version",
	.parse = version_parse,
	.run = version_run,
	.build = version_build,
	.usage = "hmmpctl [-j] version\n",
	.help = "versions of hmmpctl and of the loaded hmmp.ko",
};
