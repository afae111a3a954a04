// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl monitor: print the module's events as they happen, one
 * "[EVENT] ..." line (one JSON object) each, until the module goes away
 * (exit 2) or the socket fails.
 *
 *   hmmpctl [-j] monitor
 */
#include <linux/genetlink.h>

#include "cmd.h"

static int monitor_parse(struct hmmpctl_req *req, int argc, char **argv)
{
	return hmmpctl_no_args(req, "monitor", argc, argv);
}

struct monitor {
	struct hmmpctl_ctx *ctx;
	struct hmmp_pr *p;
};

static int monitor_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct hmmp_nl *nl = m->ctx->nl;
	int type = nlmsg_hdr(msg)->nlmsg_type;

	if (type == GENL_ID_CTRL) {
		if (hmmp_nl_ctrl_event(msg, HMMP_GENL_NAME) < 0) {
			snprintf(nl->msg, sizeof(nl->msg),
				 "generic netlink family 'hmmp' went away: hmmp.ko was unloaded");
			return -NLE_OBJ_NOTFOUND;
		}
		return 0;
	}
	if (type != nl->family)
		return 0;
	if (hmmp_event_print(m->p, msg))
		fprintf(m->ctx->err, "hmmpctl: malformed event ignored\n");
	if (fflush(m->ctx->out) || ferror(m->ctx->out)) {
		snprintf(nl->msg, sizeof(nl->msg), "write error on output");
		return -NLE_FAILURE;
	}
	return 0;
}

static void monitor_lost(void *arg)
{
	struct monitor *m = arg;

	fprintf(m->ctx->err, "hmmpctl: events lost (receive buffer overrun)\n");
}

static int monitor_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct hmmp_pr p;
	struct monitor m = { .ctx = ctx, .p = &p };
	int ret = hmmpctl_ready(ctx), ctrl, notify = 0;

	/*
	 * The controller's notifications tell us when the module goes away.
	 * Resolve everything before joining: once joined, events may arrive
	 * in the middle of a request's replies.
	 */
	if (!ret)
		ret = hmmp_nl_resolve_family(ctx->nl, "nlctrl", "notify", &ctrl,
					     &notify);
	if (!ret)
		ret = hmmp_nl_join(ctx->nl, ctx->nl->events_grp);
	if (!ret)
		ret = hmmp_nl_join(ctx->nl, notify);
	if (ret)
		return ret;
	pr_init(&p, ctx->out, req->json);
	ret = hmmp_nl_listen(ctx->nl, monitor_event, monitor_lost, &m);
	pr_end(&p);
	if (ret == -NLE_OBJ_NOTFOUND)
		return HMMP_EXIT_NOFAMILY;
	if (ret < 0)
		return HMMP_EXIT_KERNEL;
	return ret;
}

/* No build: monitor sends no request of its own, it joins the groups. */
const struct hmmpctl_object hmmpctl_obj_monitor = {
	.name = "monitor",
	.parse = monitor_parse,
	.run = monitor_run,
	.usage = "hmmpctl [-j] monitor\n",
	.help = "print events as they happen",
};
