// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl xlate: the module's connection translations, bindings of one TCP
 * connection whose two ends see different 4-tuples (a NAT between them):
 * dumped, added, replaced, deleted by key (this host's view of the
 * connection) or flushed.
 *
 *   hmmpctl [-j] xlate [show [-j]]
 *   hmmpctl xlate { add | replace } LADDR:LPORT RADDR:RPORT
 *           peer PEER_LADDR:PEER_LPORT PEER_RADDR:PEER_RPORT
 *           via COA[:PORT] encap { udp | ipip | minimal } [lifetime SECONDS]
 *   hmmpctl xlate del LADDR:LPORT RADDR:RPORT
 *   hmmpctl [-j] xlate flush
 */
#include <string.h>

#include "cmd.h"

#define PORT_RANGE	"1-65535"

/* The address in the first len characters of s. */
static int addr_prefix(const char *s, size_t len, uint32_t *addr)
{
	char a[HMMP_ADDRSTRLEN];

	if (len >= sizeof(a))
		return -1;
	memcpy(a, s, len);
	a[len] = '\0';
	return hmmp_addr_parse(a, addr);
}

/* "ADDR:PORT" named what ("LADDR:LPORT") in the messages; port 1-65535. */
static int parse_endpoint(struct hmmpctl_req *req, const char *ctx,
			  const char *what, const char *s, uint32_t *addr,
			  uint16_t *port)
{
	const char *colon = strchr(s, ':');
	uint32_t p;

	if (!colon)
		return hmmpctl_usage_err(req, "%s: bad %s '%s' (ADDR:PORT)", ctx,
					 what, s);
	if (addr_prefix(s, (size_t)(colon - s), addr))
		return hmmpctl_usage_err(req, "%s: bad address '%.*s' in %s '%s'",
					 ctx, (int)(colon - s), s, what, s);
	if (hmmp_u32_parse(colon + 1, 1, UINT16_MAX, &p))
		return hmmpctl_usage_err(req, "%s: bad port '%s' in %s '%s' (" PORT_RANGE ")",
					 ctx, colon + 1, what, s);
	*port = (uint16_t)p;
	return 0;
}

/* "COA" or "COA:PORT" (the port of a udp tunnel's far end). */
static int parse_via(struct hmmpctl_req *req, const char *ctx, const char *s)
{
	struct hmmp_xlate *x = &req->xlate;
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	uint32_t p;

	if (addr_prefix(s, len, &x->coa))
		return hmmpctl_usage_err(req, "%s: bad address '%.*s' in via '%s'",
					 ctx, (int)len, s, s);
	HMMP_SET(x, HMMP_XLATE_A_COA);
	if (!colon)
		return 0;
	if (hmmp_u32_parse(colon + 1, 1, UINT16_MAX, &p))
		return hmmpctl_usage_err(req, "%s: bad port '%s' in via '%s' (the far end's UDP port, " PORT_RANGE ")",
					 ctx, colon + 1, s);
	x->port = (uint16_t)p;
	HMMP_SET(x, HMMP_XLATE_A_PORT);
	return 0;
}

/* The key: LADDR:LPORT RADDR:RPORT, the first two words. */
static int xlate_key(struct hmmpctl_req *req, const char *ctx, int argc,
		     char **argv)
{
	struct hmmp_xlate *x = &req->xlate;

	if (argc < 1)
		return hmmpctl_usage_err(req, "%s: missing LADDR:LPORT", ctx);
	if (parse_endpoint(req, ctx, "LADDR:LPORT", argv[0], &x->laddr, &x->lport))
		return HMMP_EXIT_USAGE;
	if (argc < 2)
		return hmmpctl_usage_err(req, "%s: missing RADDR:RPORT", ctx);
	if (parse_endpoint(req, ctx, "RADDR:RPORT", argv[1], &x->raddr, &x->rport))
		return HMMP_EXIT_USAGE;
	HMMP_SET(x, HMMP_XLATE_A_LADDR);
	HMMP_SET(x, HMMP_XLATE_A_LPORT);
	HMMP_SET(x, HMMP_XLATE_A_RADDR);
	HMMP_SET(x, HMMP_XLATE_A_RPORT);
	return 0;
}

/* add and replace: the key, then peer, via, encap, lifetime in any order. */
static int xlate_args(struct hmmpctl_req *req, const char *ctx, int argc,
		      char **argv)
{
	struct hmmp_xlate *x = &req->xlate;
	bool seen_peer = false, seen_via = false, seen_encap = false,
	     seen_lifetime = false;
	bool is_udp;
	int i;

	if (xlate_key(req, ctx, argc, argv))
		return HMMP_EXIT_USAGE;
	for (i = 2; i < argc; i++) {
		const char *kw = argv[i], *v;

		if (!strcmp(kw, "peer")) {
			if (hmmpctl_once(req, ctx, kw, &seen_peer))
				return HMMP_EXIT_USAGE;
			if (i + 2 >= argc)
				return hmmpctl_usage_err(req, "%s: 'peer' needs PEER_LADDR:PEER_LPORT PEER_RADDR:PEER_RPORT",
							 ctx);
			if (parse_endpoint(req, ctx, "PEER_LADDR:PEER_LPORT",
					   argv[i + 1], &x->peer_laddr,
					   &x->peer_lport) ||
			    parse_endpoint(req, ctx, "PEER_RADDR:PEER_RPORT",
					   argv[i + 2], &x->peer_raddr,
					   &x->peer_rport))
				return HMMP_EXIT_USAGE;
			HMMP_SET(x, HMMP_XLATE_A_PEER_LADDR);
			HMMP_SET(x, HMMP_XLATE_A_PEER_LPORT);
			HMMP_SET(x, HMMP_XLATE_A_PEER_RADDR);
			HMMP_SET(x, HMMP_XLATE_A_PEER_RPORT);
			i += 2;
			continue;
		}
		if (!strcmp(kw, "via")) {
			if (hmmpctl_once(req, ctx, kw, &seen_via) ||
			    !(v = hmmpctl_value(req, ctx, argc, argv, &i)) ||
			    parse_via(req, ctx, v))
				return HMMP_EXIT_USAGE;
		} else if (!strcmp(kw, "encap")) {
			if (hmmpctl_once(req, ctx, kw, &seen_encap) ||
			    !(v = hmmpctl_value(req, ctx, argc, argv, &i)))
				return HMMP_EXIT_USAGE;
			if (hmmp_encap_parse(v, &x->encap))
				return hmmpctl_usage_err(req, "%s: bad encap '%s' (udp, ipip or minimal)",
							 ctx, v);
			HMMP_SET(x, HMMP_XLATE_A_ENCAP);
		} else if (!strcmp(kw, "lifetime")) {
			if (hmmpctl_once(req, ctx, kw, &seen_lifetime) ||
			    !(v = hmmpctl_value(req, ctx, argc, argv, &i)))
				return HMMP_EXIT_USAGE;
			if (hmmp_u32_parse(v, 0, UINT32_MAX, &x->lifetime))
				return hmmpctl_usage_err(req, "%s: bad number '%s' for lifetime (seconds, 0 = until deleted)",
							 ctx, v);
			HMMP_SET(x, HMMP_XLATE_A_LIFETIME);
		} else if (!strcmp(kw, "port")) {
			/* binding's way of saying it: say where it goes here */
			return hmmpctl_usage_err(req, "%s: unknown argument 'port' (a udp tunnel's port goes in 'via COA:PORT')",
						 ctx);
		} else {
			return hmmpctl_usage_err(req, "%s: unknown argument '%s'",
						 ctx, kw);
		}
	}
	if (!seen_peer)
		return hmmpctl_usage_err(req, "%s: 'peer PEER_LADDR:PEER_LPORT PEER_RADDR:PEER_RPORT' is required",
					 ctx);
	if (!seen_via)
		return hmmpctl_usage_err(req, "%s: 'via COA[:PORT]' is required",
					 ctx);
	if (!seen_encap)
		return hmmpctl_usage_err(req, "%s: 'encap ENCAP' is required (udp, ipip or minimal)",
					 ctx);
	/* hmmp.ko refuses both with EINVAL; say why before asking it */
	is_udp = x->encap == HMMP_ENCAP_UDP;
	if (is_udp && !HMMP_HAVE(x, HMMP_XLATE_A_PORT))
		return hmmpctl_usage_err(req, "%s: 'encap udp' needs 'via COA:PORT' (the far end's UDP port)",
					 ctx);
	if (!is_udp && HMMP_HAVE(x, HMMP_XLATE_A_PORT))
		return hmmpctl_usage_err(req, "%s: a port in 'via' needs 'encap udp'",
					 ctx);
	return 0;
}

static int xlate_parse(struct hmmpctl_req *req, int argc, char **argv)
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
	int ret;

	if (argc == 0) {
		req->verb = HMMPCTL_SHOW;
		return 0;
	}
	for (v = 0; v < HMMP_ARRAY_SIZE(verbs); v++)
		if (!strcmp(argv[0], verbs[v].name))
			break;
	if (v == HMMP_ARRAY_SIZE(verbs))
		return hmmpctl_usage_err(req, "xlate: unknown verb '%s'", argv[0]);
	req->verb = verbs[v].verb;
	snprintf(ctx, sizeof(ctx), "xlate %s", verbs[v].name);
	switch (req->verb) {
	case HMMPCTL_SHOW:
		/* "xlate show -j" as well as "-j xlate show" */
		if (argc == 2 && (!strcmp(argv[1], "-j") ||
				  !strcmp(argv[1], "--json"))) {
			req->json = true;
			return 0;
		}
		return hmmpctl_no_args(req, ctx, argc - 1, argv + 1);
	case HMMPCTL_FLUSH:
		return hmmpctl_no_args(req, ctx, argc - 1, argv + 1);
	case HMMPCTL_DEL:
		ret = xlate_key(req, ctx, argc - 1, argv + 1);
		return ret ? ret : hmmpctl_no_args(req, ctx, argc - 3, argv + 3);
	default:
		return xlate_args(req, ctx, argc - 1, argv + 1);
	}
}

static struct nl_msg *xlate_build(const struct hmmpctl_req *req,
				  struct hmmp_nl *nl)
{
	struct nl_msg *msg;

	switch (req->verb) {
	case HMMPCTL_ADD:
	case HMMPCTL_REPLACE:
		msg = hmmp_nl_msg(nl, HMMP_CMD_XLATE_NEW,
				  req->verb == HMMPCTL_REPLACE ?
				  NLM_F_CREATE | NLM_F_REPLACE : 0);
		break;
	case HMMPCTL_DEL:
		msg = hmmp_nl_msg(nl, HMMP_CMD_XLATE_DEL, 0);
		break;
	case HMMPCTL_FLUSH:
		return hmmp_nl_msg(nl, HMMP_CMD_XLATE_FLUSH, 0);
	default:
		return hmmp_nl_msg(nl, HMMP_CMD_XLATE_GET, NLM_F_DUMP);
	}
	if (!msg || hmmp_xlate_put(msg, &req->xlate))
		return hmmpctl_nomem(msg, nl);
	return msg;
}

static int xlate_row(struct hmmp_pr *p, struct nlattr *tb[HMMP_A_MAX + 1])
{
	struct hmmp_xlate x;

	if (hmmp_xlate_parse(tb[HMMP_A_XLATE], &x))
		return HMMP_NL_BAD;
	pr_open_object(p, NULL);
	hmmp_xlate_print(p, 0, &x);
	pr_close_object(p);
	return 0;
}

static int xlate_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	struct nl_msg *reply;
	int ret;

	switch (req->verb) {
	case HMMPCTL_SHOW:
		return hmmpctl_dump(req, ctx, xlate_row, "translations");
	case HMMPCTL_FLUSH:
		return hmmpctl_show_count(req, ctx, "flushed", "translations flushed");
	default:
		ret = hmmpctl_doit(req, ctx, &reply, NULL);
		nlmsg_free(reply);
		return ret;
	}
}

const struct hmmpctl_object hmmpctl_obj_xlate = {
	.name = "xlate",
	.parse = xlate_parse,
	.run = xlate_run,
	.build = xlate_build,
	.usage = "hmmpctl [-j] xlate [show [-j]]\n"
		 "hmmpctl xlate { add | replace } LADDR:LPORT RADDR:RPORT\n"
		 "        peer PEER_LADDR:PEER_LPORT PEER_RADDR:PEER_RPORT\n"
		 "        via COA[:PORT] encap { udp | ipip | minimal } [lifetime SECONDS]\n"
		 "hmmpctl xlate del LADDR:LPORT RADDR:RPORT\n"
		 "hmmpctl [-j] xlate flush\n",
	.help = "connection translations (one TCP connection across a NAT)",
};
