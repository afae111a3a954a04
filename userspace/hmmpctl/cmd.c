// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl: the commands. Each builds its request (hmmpctl_build), talks to
 * the kernel through lib/nl.c and prints through lib/print.c, so text and
 * JSON come from the same calls. Results go to ctx->out; counts and
 * summaries of dumps go to ctx->err.
 */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>

#include "cli.h"

static int failed(struct hmmpctl_ctx *ctx, int code, const char *what)
{
	snprintf(ctx->nl->msg, sizeof(ctx->nl->msg), "%s", what);
	return code;
}

/* Resolve the family once per context. */
static int ready(struct hmmpctl_ctx *ctx)
{
	return ctx->nl->family ? HMMP_EXIT_OK : hmmp_nl_resolve(ctx->nl);
}

static int put_be32(struct nl_msg *msg, int attr, uint32_t be32)
{
	return nla_put_u32(msg, attr, be32);
}

struct nl_msg *hmmpctl_build(const struct hmmpctl_req *req, struct hmmp_nl *nl)
{
	const struct hmmpctl_object *o = req->obj;
	struct nl_msg *msg = NULL;
	struct nlattr *nest;
	size_t i;

	if (o->run == hmmpctl_run_version) {
		msg = hmmp_nl_msg(nl, HMMP_CMD_VERSION_GET, 0);
	} else if (o->run == hmmpctl_run_stats) {
		msg = hmmp_nl_msg(nl, HMMP_CMD_STATS_GET, 0);
	} else if (o->run == hmmpctl_run_config) {
		if (req->verb == HMMPCTL_SHOW)
			return hmmp_nl_msg(nl, HMMP_CMD_CONFIG_GET, 0);
		msg = hmmp_nl_msg(nl, HMMP_CMD_CONFIG_SET, 0);
		if (!msg || !(nest = nla_nest_start(msg, HMMP_A_CONFIG)))
			goto nomem;
		for (i = 0; i < hmmp_cfg_nkeys; i++)
			if (req->config.given & (1u << i) &&
			    nla_put_u32(msg, hmmp_cfg_keys[i].attr,
					req->config.val[i]))
				goto nomem;
		nla_nest_end(msg, nest);
	} else if (o->run == hmmpctl_run_conn) {
		msg = hmmp_nl_msg(nl, HMMP_CMD_CONN_GET, NLM_F_DUMP);
		if (!msg ||
		    (req->conn.have_addr &&
		     put_be32(msg, HMMP_A_FILTER_ADDR, req->conn.addr)) ||
		    (req->conn.have_state &&
		     nla_put_u8(msg, HMMP_A_FILTER_STATE, req->conn.state)))
			goto nomem;
	} else if (o->run == hmmpctl_run_handoff) {
		msg = hmmp_nl_msg(nl, HMMP_CMD_HANDOFF, 0);
		if (!msg ||
		    (req->handoff.have_old &&
		     put_be32(msg, HMMP_A_HANDOFF_OLD, req->handoff.old_addr)) ||
		    put_be32(msg, HMMP_A_HANDOFF_NEW, req->handoff.new_addr))
			goto nomem;
	} else if (o->run == hmmpctl_run_binding) {
		switch (req->verb) {
		case HMMPCTL_ADD:
		case HMMPCTL_REPLACE:
			msg = hmmp_nl_msg(nl, HMMP_CMD_BINDING_NEW,
					  req->verb == HMMPCTL_REPLACE ?
					  NLM_F_CREATE | NLM_F_REPLACE : 0);
			break;
		case HMMPCTL_DEL:
			msg = hmmp_nl_msg(nl, HMMP_CMD_BINDING_DEL, 0);
			break;
		case HMMPCTL_FLUSH:
			return hmmp_nl_msg(nl, HMMP_CMD_BINDING_FLUSH, 0);
		default:
			return hmmp_nl_msg(nl, HMMP_CMD_BINDING_GET, NLM_F_DUMP);
		}
		if (!msg || hmmp_binding_put(msg, &req->binding))
			goto nomem;
	}
	return msg;
nomem:
	nlmsg_free(msg);
	snprintf(nl->msg, sizeof(nl->msg), "netlink: out of memory");
	return NULL;
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

/* Send the request of req; *tb then holds the reply's attributes. */
static int doit(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		struct nl_msg **reply, struct nlattr *tb[HMMP_A_MAX + 1])
{
	struct nl_msg *msg;
	int ret;

	*reply = NULL;
	ret = ready(ctx);
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
		ret = failed(ctx, HMMP_EXIT_KERNEL,
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

static int finish(struct hmmpctl_ctx *ctx, struct hmmp_pr *p, int ret)
{
	if (pr_end(p) && !ret)
		ret = failed(ctx, HMMP_EXIT_KERNEL, "write error on output");
	return ret;
}

int hmmpctl_run_version(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct nl_msg *reply;
	struct hmmp_pr p;
	int ret = doit(req, ctx, &reply, tb);

	if (ret)
		return ret;
	if (!tb[HMMP_A_VERSION] || !tb[HMMP_A_API_VERSION]) {
		nlmsg_free(reply);
		return failed(ctx, HMMP_EXIT_KERNEL,
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
	return finish(ctx, &p, 0);
}

/* A reply holding one nest, printed as one object by print(). */
static int show_nest(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		     int attr, int (*print)(struct hmmp_pr *, struct nlattr *))
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct nl_msg *reply;
	struct hmmp_pr p;
	int ret = doit(req, ctx, &reply, tb);

	if (ret)
		return ret;
	pr_init(&p, ctx->out, req->json);
	pr_open_object(&p, NULL);
	if (print(&p, tb[attr]))
		ret = failed(ctx, HMMP_EXIT_KERNEL, "malformed reply from the kernel");
	pr_close_object(&p);
	nlmsg_free(reply);
	return finish(ctx, &p, ret);
}

int hmmpctl_run_stats(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	return show_nest(req, ctx, HMMP_A_STATS, hmmp_stats_print);
}

int hmmpctl_run_config(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct nl_msg *reply;
	int ret;

	if (req->verb == HMMPCTL_SHOW)
		return show_nest(req, ctx, HMMP_A_CONFIG, hmmp_config_print);
	/* set: the kernel answers with the resulting config; show does that */
	ret = doit(req, ctx, &reply, NULL);
	nlmsg_free(reply);
	return ret;
}

/* The HMMP_A_COUNT of a reply, printed as "N <text>" or {"<key>":N}. */
static int show_count(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		      const char *key, const char *text)
{
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct nl_msg *reply;
	struct hmmp_pr p;
	uint32_t n;
	int ret = doit(req, ctx, &reply, tb);

	if (ret)
		return ret;
	if (!tb[HMMP_A_COUNT]) {
		nlmsg_free(reply);
		return failed(ctx, HMMP_EXIT_KERNEL,
			      "malformed reply from the kernel: no count");
	}
	n = nla_get_u32(tb[HMMP_A_COUNT]);
	nlmsg_free(reply);
	pr_init(&p, ctx->out, req->json);
	pr_open_object(&p, NULL);
	pr_u64(&p, PR_JSON, key, n);
	pr_text(&p, "%u %s\n", n, text);
	pr_close_object(&p);
	return finish(ctx, &p, 0);
}

int hmmpctl_run_handoff(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	return show_count(req, ctx, "moved", "connections moved");
}

/* ---- dumps ---- */

struct dump {
	struct hmmp_pr *p;
	unsigned int n;
	int attr;		/* HMMP_A_CONN or HMMP_A_BINDING */
};

static int dump_row(struct nl_msg *msg, void *arg)
{
	struct dump *d = arg;
	struct nlattr *tb[HMMP_A_MAX + 1];
	struct hmmp_conn c;
	struct hmmp_binding b;

	if (hmmp_msg_parse(msg, tb))
		return HMMP_NL_BAD;
	if (d->attr == HMMP_A_CONN) {
		if (hmmp_conn_parse(tb[HMMP_A_CONN], &c))
			return HMMP_NL_BAD;
		pr_open_object(d->p, NULL);
		hmmp_conn_print(d->p, 0, &c);
	} else {
		if (hmmp_binding_parse(tb[HMMP_A_BINDING], &b))
			return HMMP_NL_BAD;
		pr_open_object(d->p, NULL);
		hmmp_binding_print(d->p, 0, &b);
	}
	pr_close_object(d->p);
	d->n++;
	return 0;
}

static int dump(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx,
		int attr, const char *what)
{
	struct hmmp_pr p;
	struct dump d = { .p = &p, .attr = attr };
	struct nl_msg *msg;
	int ret = ready(ctx);

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
	ret = finish(ctx, &p, ret);
	if (!ret)
		fprintf(ctx->err, "%u %s\n", d.n, what);
	return ret;
}

int hmmpctl_run_conn(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	return dump(req, ctx, HMMP_A_CONN, "connections");
}

int hmmpctl_run_binding(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct nl_msg *reply;
	int ret;

	switch (req->verb) {
	case HMMPCTL_SHOW:
		return dump(req, ctx, HMMP_A_BINDING, "bindings");
	case HMMPCTL_FLUSH:
		return show_count(req, ctx, "flushed", "bindings flushed");
	default:
		ret = doit(req, ctx, &reply, NULL);
		nlmsg_free(reply);
		return ret;
	}
}

/* ---- monitor ---- */

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

int hmmpctl_run_monitor(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct hmmp_pr p;
	struct monitor m = { .ctx = ctx, .p = &p };
	int ret = ready(ctx), ctrl, notify = 0;

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
