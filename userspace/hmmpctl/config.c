// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl config: the module's settings, shown or set by the names of
 * hmmp_cfg_keys (lib/objects.c); set sends only the keys given.
 *
 *   hmmpctl [-j] config [show]
 *   hmmpctl config set KEY VALUE [KEY VALUE...]
 */
#include <string.h>

#include "cmd.h"

static int config_parse(struct hmmpctl_req *req, int argc, char **argv)
{
	int i;

	if (argc == 0 || !strcmp(argv[0], "show")) {
		req->verb = HMMPCTL_SHOW;
		return argc ? hmmpctl_no_args(req, "config show", argc - 1,
					      argv + 1) : 0;
	}
	if (strcmp(argv[0], "set"))
		return hmmpctl_usage_err(req, "config: unknown verb '%s'", argv[0]);
	req->verb = HMMPCTL_SET;
	if (argc == 1)
		return hmmpctl_usage_err(req, "config set: missing KEY VALUE");
	for (i = 1; i < argc; i++) {
		const struct hmmp_cfg_key *k = hmmp_cfg_key_find(argv[i]);
		const char *v;
		size_t idx;

		if (!k && !strcmp(argv[i], HMMP_CFG_UDP_PORT_NAME))
			return hmmpctl_usage_err(req, "config set: %s is read-only (hmmpd hands its UDP tunnel socket to the module)",
						 argv[i]);
		if (!k)
			return hmmpctl_usage_err(req, "config set: unknown key '%s'",
						 argv[i]);
		idx = (size_t)(k - hmmp_cfg_keys);
		if (req->config.given & (1u << idx))
			return hmmpctl_usage_err(req, "config set: '%s' given twice",
						 k->name);
		v = hmmpctl_value(req, "config set", argc, argv, &i);
		if (!v)
			return HMMP_EXIT_USAGE;
		if (k->parse(v, &req->config.val[idx]))
			return hmmpctl_usage_err(req, "config set: bad value '%s' for %s (%s)",
						 v, k->name, k->help);
		req->config.given |= 1u << idx;
	}
	return 0;
}

static struct nl_msg *config_build(const struct hmmpctl_req *req,
				   struct hmmp_nl *nl)
{
	struct nl_msg *msg;
	struct nlattr *nest;
	size_t i;

	if (req->verb == HMMPCTL_SHOW)
		return hmmp_nl_msg(nl, HMMP_CMD_CONFIG_GET, 0);
	msg = hmmp_nl_msg(nl, HMMP_CMD_CONFIG_SET, 0);
	if (!msg || !(nest = nla_nest_start(msg, HMMP_A_CONFIG)))
		return hmmpctl_nomem(msg, nl);
	for (i = 0; i < hmmp_cfg_nkeys; i++)
		if (req->config.given & (1u << i) &&
		    nla_put_u32(msg, hmmp_cfg_keys[i].attr, req->config.val[i]))
			return hmmpctl_nomem(msg, nl);
	nla_nest_end(msg, nest);
	return msg;
}

static int config_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct nl_msg *reply;
	int ret;

	if (req->verb == HMMPCTL_SHOW)
		return hmmpctl_show_nest(req, ctx, HMMP_A_CONFIG,
					 hmmp_config_print);
	/* set: the kernel answers with the resulting config; show does that */
	ret = hmmpctl_doit(req, ctx, &reply, NULL);
	nlmsg_free(reply);
	return ret;
}

const struct hmmpctl_object hmmpctl_obj_config = {
	.name = "config",
	.parse = config_parse,
	.run = config_run,
	.build = config_build,
	.usage = "hmmpctl [-j] config [show]\n"
		 "hmmpctl config set KEY VALUE [KEY VALUE...]\n"
		 "        KEY := { table_max | timeout_setup | timeout_established |\n"
		 "                 timeout_release | timeout_disconnect | roles | bind_max }\n",
	.help = "module settings",
};
