/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpctl: what the objects' run functions share (cmd.c). They talk to
 * the kernel through lib/nl.c and print through lib/print.c, so text and
 * JSON come from the same calls. Results go to ctx->out; counts and
 * summaries of dumps go to ctx->err. A failed run returns its exit code
 * with ctx->nl->msg saying why.
 */
#ifndef HMMPCTL_CMD_H
#define HMMPCTL_CMD_H

#include "cli.h"
#include "print.h"

/* Set ctx->nl->msg to what; returns code. */
int hmmpctl_failed(struct hmmpctl_ctx *ctx, int code, const char *what);
/* Resolve the family once per context. */
int hmmpctl_ready(struct hmmpctl_ctx *ctx);
/* For a build function: frees msg, says out of memory, returns NULL. */
struct nl_msg *hmmpctl_nomem(struct nl_msg *msg, struct hmmp_nl *nl);

static inline int hmmpctl_put_be32(struct nl_msg *msg, int attr, uint32_t be32)
{
	return nla_put_u32(msg, attr, be32);
}

/*
 * Send the request of req and wait for the ACK. With tb, the reply is
 * parsed into it and *reply must be freed; without, *reply may be freed
 * (nlmsg_free takes NULL).
 */
int hmmpctl_doit(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		 struct nl_msg **reply, struct nlattr *tb[HMMP_A_MAX + 1]);
/* pr_end(p); a write error fails a run that had not failed yet. */
int hmmpctl_finish(struct hmmpctl_ctx *ctx, struct hmmp_pr *p, int ret);
/* A reply holding one nest attr, printed as one object by print(). */
int hmmpctl_show_nest(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		      int attr, int (*print)(struct hmmp_pr *, struct nlattr *));
/* The HMMP_A_COUNT of a reply, printed as "N <text>" or {"<key>":N}. */
int hmmpctl_show_count(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		       const char *key, const char *text);
/*
 * A dump: a JSON array (a table in text) of records, each printed whole
 * (object opened and closed) by row() from a message's attributes; row()
 * returns HMMP_NL_BAD, having printed nothing, for a malformed one. Then
 * "N <what>" on ctx->err.
 */
int hmmpctl_dump(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		 int (*row)(struct hmmp_pr *p, struct nlattr *tb[HMMP_A_MAX + 1]),
		 const char *what);

#endif /* HMMPCTL_CMD_H */
