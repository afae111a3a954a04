// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl: the run helpers the objects share (cmd.h): the family resolved
 * once, a request answered by one reply (doit), one nest or one count
 * printed, a dump printed as a table or a JSON array, and the errors
 * that end a run.
 */
#include <string.h>

#include "cmd.h"

int hmmpctl_failed(struct hmmpctl_ctx *ctx, int code, const char *what)
{
	snprintf(ctx->nl->msg, sizeof(ctx->nl->msg), "%s", what);
	return code;
}

int hmmpctl_ready(struct hmmpctl_ctx *ctx)
{
	return ctx->nl->family ? HMMP_EXIT_OK : hmmp_nl_resolve(ctx->nl);
}

struct nl_msg *hmmpctl_nomem(struct nl_msg *msg, struct hmmp_nl *nl)
{
	nlmsg_free(msg);
	snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
	return NULL;
}

struct nl_msg *hmmpctl_build(const struct hmmpctl_req *req, struct hmmp_nl *nl)
{
	return req->obj->build ? req->obj->build(req, nl) : NULL;
}

/* ---- doit: keep the reply, print after the ACK ---- */

static int keep_reply(struct nl_msg *msg, void *arg)
{
	struct nl_msg **reply = arg;

	if (*reply)
		return HMMP_NL_BAD;	/* a doit answers once */
	nlmsg_get(msg);
	*reply = msg;
	return 0;
}

int hmmpctl_doit(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		 struct nl_msg **reply, struct nlattr *tb[HMMP_A_MAX + 1])
{
	struct nl_msg *msg;
	int ret;

	*reply = NULL;
	ret = hmmpctl_ready(ctx);
	if (ret)
		return ret;
	msg = hmmpctl_build(req, ctx->nl);
	if (!msg)
		return HMMP_EXIT_KERNEL;
	ret = hmmp_nl_talk(ctx->nl, msg, keep_reply, reply);
	if (ret)
		goto err;
	if (!tb)
		return 0;
	if (!*reply || hmmp_msg_parse(*reply, tb)) {
		ret = hmmpctl_failed(ctx, HMMP_EXIT_KERNEL,
				     *reply ? "malformed reply from the kernel" :
					      "no reply from the kernel");
		goto err;
	}
	return 0;
err:
	nlmsg_free(*reply);
	*reply = NULL;
	return ret;
}

int hmmpctl_finish(struct hmmpctl_ctx *ctx, struct hmmp_pr *p, int ret)
{
	if (pr_end(p) && !ret)
		ret = hmmpctl_failed(ctx, HMMP_EXIT_KERNEL, "write error on output");
	return ret;
}

int hmmpctl_show_nest(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		      int attr, int (*print)(struct hmmp_pr *, struct nlattr *))
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct nl_msg *reply;
	struct hmmp_pr p;
	int ret = hmmpctl_doit(req, ctx, &reply, tb);

	if (ret)
		return ret;
	pr_init(&p, ctx->out, req->json);
	pr_open_object(&p, NULL);
	if (print(&p, tb[attr]))
		ret = hmmpctl_failed(ctx, HMMP_EXIT_KERNEL,
				     "malformed reply from the kernel");
	pr_close_object(&p);
	nlmsg_free(reply);
	return hmmpctl_finish(ctx, &p, ret);
}

int hmmpctl_show_count(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		       const char *key, const char *text)
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct nl_msg *reply;
	struct hmmp_pr p;
	uint32_t n;
	int ret = hmmpctl_doit(req, ctx, &reply, tb);

	if (ret)
		return ret;
	if (!tb[HMMP_A_COUNT]) {
		nlmsg_free(reply);
		return hmmpctl_failed(ctx, HMMP_EXIT_KERNEL,
				      "malformed reply from the kernel: no count");
	}
	n = nla_get_u32(tb[HMMP_A_COUNT]);
	nlmsg_free(reply);
	pr_init(&p, ctx->out, req->json);
	pr_open_object(&p, NULL);
	pr_u64(&p, PR_JSON, key, n);
	pr_text(&p, "%u %s\n", n, text);
	pr_close_object(&p);
	return hmmpctl_finish(ctx, &p, 0);
}

/* ---- dumps ---- */

struct dump {
	struct hmmp_pr *p;
	unsigned int n;
	int (*row)(struct hmmp_pr *p, struct nlattr *tb[HMMP_A_MAX + 1]);
};

static int dump_row(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	struct nlattr *tb[HMMP_A_MAX + 1];

	if (hmmp_msg_parse(msg, tb) || d->row(d->p, tb))
		return HMMP_NL_BAD;
	d->n++;
	return 0;
}

int hmmpctl_dump(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		 int (*row)(struct hmmp_pr *p, struct nlattr *tb[HMMP_A_MAX + 1]),
		 const char *what)
{
	struct hmmp_pr p;
	struct dump d = { .p = &p, .row = row };
	struct nl_msg *msg;
	int ret = hmmpctl_ready(ctx);

	if (ret)
		return ret;
	msg = hmmpctl_build(req, ctx->nl);
	if (!msg)
		return HMMP_EXIT_KERNEL;
	pr_init(&p, ctx->out, req->json);
	pr_open_array(&p, NULL);
	ret = hmmp_nl_talk(ctx->nl, msg, dump_row, &d);
	/* close the array even after an error: the JSON stays valid */
	pr_close_array(&p);
	ret = hmmpctl_finish(ctx, &p, ret);
	if (!ret)
		fprintf(ctx->err, "%u %s\n", d.n, what);
	return ret;
}
