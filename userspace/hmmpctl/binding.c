// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl binding: the module's address bindings (original -> care-of)
 * and their tunnels: dumped, added, replaced, deleted by key (ORIG, peer,
 * kind) or flushed.
 *
 *   hmmpctl [-j] binding [show]
 *   hmmpctl binding { add | replace } ORIG coa COA [peer PEER]
 *           [encap { ipip | minimal | udp port PORT }]
 *           [kind { correspondent | mobile | router }] [lifetime SECONDS] [minsrc]
 *   hmmpctl binding del ORIG [peer PEER] [kind KIND]
 *   hmmpctl [-j] binding flush
 */
#include <string.h>

#include "cmd.h"

/* ORIG and the keywords of add, replace and del. */
static int binding_args(struct hmmpctl_req *req, const char *ctx, int argc,
			char **argv)
{
	struct hmmp_binding *b = &req->binding;
	bool is_del = req->verb == HMMPCTL_DEL;
	bool seen[HMMP_BIND_A_MAX + 1] = { false };
	bool is_udp;
	int i;

	if (argc < 1)
		return hmmpctl_usage_err(req, "%s: missing ORIG address", ctx);
	if (hmmpctl_parse_addr(req, ctx, argv[0], &b->orig))
		return HMMP_EXIT_USAGE;
	HMMP_SET(b, HMMP_BIND_A_ORIG);
	for (i = 1; i < argc; i++) {
		const char *kw = argv[i], *v;
		int attr;

		if (!strcmp(kw, "coa") && !is_del)
			attr = HMMP_BIND_A_COA;
		else if (!strcmp(kw, "peer"))
			attr = HMMP_BIND_A_PEER;
		else if (!strcmp(kw, "encap") && !is_del)
			attr = HMMP_BIND_A_ENCAP;
		else if (!strcmp(kw, "kind"))
			attr = HMMP_BIND_A_KIND;
		else if (!strcmp(kw, "lifetime") && !is_del)
			attr = HMMP_BIND_A_LIFETIME;
		else if (!strcmp(kw, "minsrc") && !is_del)
			attr = HMMP_BIND_A_MIN_SRC;
		else if (!strcmp(kw, "port") && !is_del)
			attr = HMMP_BIND_A_PORT;
		else
			return hmmpctl_usage_err(req, "%s: unknown argument '%s'",
						 ctx, kw);
		if (hmmpctl_once(req, ctx, kw, &seen[attr]))
			return HMMP_EXIT_USAGE;
		HMMP_SET(b, attr);
		if (attr == HMMP_BIND_A_MIN_SRC) {
			b->min_src = 1;
			continue;
		}
		v = hmmpctl_value(req, ctx, argc, argv, &i);
		if (!v)
			return HMMP_EXIT_USAGE;
		switch (attr) {
		case HMMP_BIND_A_COA:
			if (hmmpctl_parse_addr(req, ctx, v, &b->coa))
				return HMMP_EXIT_USAGE;
			break;
		case HMMP_BIND_A_PEER:
			if (hmmpctl_parse_addr(req, ctx, v, &b->peer))
				return HMMP_EXIT_USAGE;
			break;
		case HMMP_BIND_A_ENCAP:
			if (hmmp_encap_parse(v, &b->encap))
				return hmmpctl_usage_err(req, "%s: bad encap '%s' (ipip, minimal or udp)",
							 ctx, v);
			break;
		case HMMP_BIND_A_PORT: {
			uint32_t port;

			if (hmmp_u32_parse(v, 1, UINT16_MAX, &port))
				return hmmpctl_usage_err(req, "%s: bad port '%s' (the far end's UDP port, 1-65535)",
							 ctx, v);
			b->port = (uint16_t)port;
			break;
		}
		case HMMP_BIND_A_KIND:
			if (hmmp_kind_parse(v, &b->kind))
				return hmmpctl_usage_err(req, "%s: bad kind '%s' (correspondent, mobile or router)",
							 ctx, v);
			break;
		default:	/* HMMP_BIND_A_LIFETIME */
			if (hmmp_u32_parse(v, 0, UINT32_MAX, &b->lifetime))
				return hmmpctl_usage_err(req, "%s: bad number '%s' for lifetime (seconds, 0 = until deleted)",
							 ctx, v);
			break;
		}
	}
	/* The key's peer is always explicit: 0.0.0.0 (any) unless given. */
	HMMP_SET(b, HMMP_BIND_A_PEER);
	if (!is_del && !HMMP_HAVE(b, HMMP_BIND_A_COA))
		return hmmpctl_usage_err(req, "%s: 'coa COA' is required", ctx);
	if (b->min_src && (!HMMP_HAVE(b, HMMP_BIND_A_ENCAP) ||
			   b->encap != HMMP_ENCAP_MINIMAL))
		return hmmpctl_usage_err(req, "%s: 'minsrc' needs 'encap minimal'",
					 ctx);
	/* hmmp.ko refuses both with EINVAL; say why before asking it */
	is_udp = HMMP_HAVE(b, HMMP_BIND_A_ENCAP) && b->encap == HMMP_ENCAP_UDP;
	if (is_udp && !HMMP_HAVE(b, HMMP_BIND_A_PORT))
		return hmmpctl_usage_err(req, "%s: 'encap udp' needs 'port PORT' (the far end's UDP port)",
					 ctx);
	if (!is_udp && HMMP_HAVE(b, HMMP_BIND_A_PORT))
		return hmmpctl_usage_err(req, "%s: 'port' needs 'encap udp'", ctx);
	return 0;
}

static int binding_parse(struct hmmpctl_req *req, int argc, char **argv)
{
	static const struct {
		const char *name;
		enum hmmpctl_verb verb;
	} verbs[] = {
		{ "show", HMMPCTL_SHOW }, { "add", HMMPCTL_ADD },
		{ "replace", HMMPCTL_REPLACE }, { "del", HMMPCTL_DEL },
		{ "flush", HMMPCTL_FLUSH },
	};
	char ctx[32];
	size_t v;

	if (argc == 0) {
		req->verb = HMMPCTL_SHOW;
		return 0;
	}
	for (v = 0; v < HMMP_ARRAY_SIZE(verbs); v++)
		if (!strcmp(argv[0], verbs[v].name))
			break;
	if (v == HMMP_ARRAY_SIZE(verbs))
		return hmmpctl_usage_err(req, "binding: unknown verb '%s'", argv[0]);
	req->verb = verbs[v].verb;
	/* "binding add": where an error happened */
	snprintf(ctx, sizeof(ctx), "binding %s", verbs[v].name);
	if (req->verb == HMMPCTL_SHOW || req->verb == HMMPCTL_FLUSH)
		return hmmpctl_no_args(req, ctx, argc - 1, argv + 1);
	return binding_args(req, ctx, argc - 1, argv + 1);
}

static struct nl_msg *binding_build(const struct hmmpctl_req *req,
				    struct hmmp_nl *nl)
{
	struct nl_msg *msg;

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
		return hmmpctl_nomem(msg, nl);
	return msg;
}

static int binding_row(struct hmmp_pr *p, struct nlattr *tb[HMMP_A_MAX + 1])
{
	struct hmmp_binding b;

	if (hmmp_binding_parse(tb[HMMP_A_BINDING], &b))
		return HMMP_NL_BAD;
	pr_open_object(p, NULL);
	hmmp_binding_print(p, 0, &b);
	pr_close_object(p);
	return 0;
}

static int binding_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct nl_msg *reply;
	int ret;

	switch (req->verb) {
	case HMMPCTL_SHOW:
		return hmmpctl_dump(req, ctx, binding_row, "bindings");
	case HMMPCTL_FLUSH:
		return hmmpctl_show_count(req, ctx, "flushed", "bindings flushed");
	default:
		ret = hmmpctl_doit(req, ctx, &reply, NULL);
		nlmsg_free(reply);
		return ret;
	}
}

const struct hmmpctl_object hmmpctl_obj_binding = {
	.name = "binding",
	.parse = binding_parse,
	.run = binding_run,
	.build = binding_build,
	.usage = "hmmpctl [-j] binding [show]\n"
		 "hmmpctl binding { add | replace } ORIG coa COA [peer PEER]\n"
		 "        [encap { ipip | minimal | udp port PORT }]\n"
		 "        [kind { correspondent | mobile | router }] [lifetime SECONDS] [minsrc]\n"
		 "hmmpctl binding del ORIG [peer PEER] [kind KIND]\n"
		 "hmmpctl [-j] binding flush\n",
	.help = "address bindings (original -> care-of) and their tunnels",
};
