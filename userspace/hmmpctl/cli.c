// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl: argv -> struct hmmpctl_req. No netlink here; every error is a
 * usage error (exit 1) with a message that names the offending word.
 */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

static int usage_err(struct hmmpctl_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_err(struct hmmpctl_req *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->err, sizeof(req->err), fmt, ap);
	va_end(ap);
	return HMMP_EXIT_USAGE;
}

/* "conn show" or "binding add": where an error happened. */
static const char *verb_name(enum hmmpctl_verb verb)
{
	static const char *const names[] = {
		[HMMPCTL_SHOW] = "show", [HMMPCTL_SET] = "set",
		[HMMPCTL_ADD] = "add", [HMMPCTL_REPLACE] = "replace",
		[HMMPCTL_DEL] = "del", [HMMPCTL_FLUSH] = "flush",
	};

	return names[verb];
}

/* The value after keyword argv[*i]; NULL (and req->err) when missing. */
static const char *value(struct hmmpctl_req *req, const char *ctx, int argc,
			 char **argv, int *i)
{
	if (*i + 1 >= argc) {
		usage_err(req, "%s: '%s' needs a value", ctx, argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int parse_addr(struct hmmpctl_req *req, const char *ctx, const char *s,
		      uint32_t *out)
{
	if (hmmp_addr_parse(s, out))
		return usage_err(req, "%s: bad address '%s'", ctx, s);
	return 0;
}

static int once(struct hmmpctl_req *req, const char *ctx, const char *kw,
		bool *seen)
{
	if (*seen)
		return usage_err(req, "%s: '%s' given twice", ctx, kw);
	*seen = true;
	return 0;
}

static int no_args(struct hmmpctl_req *req, const char *ctx, int argc,
		   char **argv)
{
	if (argc > 0)
		return usage_err(req, "%s: unexpected argument '%s'", ctx, argv[0]);
	return 0;
}

/* An optional "show" verb: consumes it; anything else is left alone. */
static int skip_show(int *argc, char ***argv)
{
	if (*argc > 0 && !strcmp((*argv)[0], "show")) {
		(*argc)--;
		(*argv)++;
	}
	return 0;
}

static int parse_version(struct hmmpctl_req *req, int argc, char **argv)
{
	return no_args(req, "version", argc, argv);
}

static int parse_stats(struct hmmpctl_req *req, int argc, char **argv)
{
	skip_show(&argc, &argv);
	return no_args(req, "stats", argc, argv);
}

static int parse_monitor(struct hmmpctl_req *req, int argc, char **argv)
{
	return no_args(req, "monitor", argc, argv);
}

static int parse_config(struct hmmpctl_req *req, int argc, char **argv)
{
	int i;

	if (argc == 0 || !strcmp(argv[0], "show")) {
		req->verb = HMMPCTL_SHOW;
		return argc ? no_args(req, "config show", argc - 1, argv + 1) : 0;
	}
	if (strcmp(argv[0], "set"))
		return usage_err(req, "config: unknown verb '%s'", argv[0]);
	req->verb = HMMPCTL_SET;
	if (argc == 1)
		return usage_err(req, "config set: missing KEY VALUE");
	for (i = 1; i < argc; i++) {
		const struct hmmp_cfg_key *k = hmmp_cfg_key_find(argv[i]);
		const char *v;
		size_t idx;

		if (!k)
			return usage_err(req, "config set: unknown key '%s'", argv[i]);
		idx = (size_t)(k - hmmp_cfg_keys);
		if (req->config.given & (1u << idx))
			return usage_err(req, "config set: '%s' given twice", k->name);
		v = value(req, "config set", argc, argv, &i);
		if (!v)
			return HMMP_EXIT_USAGE;
		if (k->parse(v, &req->config.val[idx]))
			return usage_err(req, "config set: bad value '%s' for %s (%s)",
					 v, k->name, k->help);
		req->config.given |= 1u << idx;
	}
	return 0;
}

static int parse_conn(struct hmmpctl_req *req, int argc, char **argv)
{
	const char *ctx = "conn show";
	int i;

	if (argc > 0 && strcmp(argv[0], "show") && strcmp(argv[0], "addr") &&
	    strcmp(argv[0], "state"))
		return usage_err(req, "conn: unknown verb '%s'", argv[0]);
	skip_show(&argc, &argv);
	req->verb = HMMPCTL_SHOW;
	for (i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "addr")) {
			if (once(req, ctx, "addr", &req->conn.have_addr) ||
			    !(v = value(req, ctx, argc, argv, &i)) ||
			    parse_addr(req, ctx, v, &req->conn.addr))
				return HMMP_EXIT_USAGE;
		} else if (!strcmp(argv[i], "state")) {
			if (once(req, ctx, "state", &req->conn.have_state) ||
			    !(v = value(req, ctx, argc, argv, &i)))
				return HMMP_EXIT_USAGE;
			if (hmmp_state_parse(v, &req->conn.state))
				return usage_err(req, "%s: bad state '%s' (setup_req, setup_prog, established, release_req, release_ack or disconnect)",
						 ctx, v);
		} else {
			return usage_err(req, "%s: unknown argument '%s'", ctx, argv[i]);
		}
	}
	return 0;
}

static int parse_handoff(struct hmmpctl_req *req, int argc, char **argv)
{
	const char *ctx = "handoff";
	bool have_new = false;
	int i;

	for (i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "from")) {
			if (once(req, ctx, "from", &req->handoff.have_old) ||
			    !(v = value(req, ctx, argc, argv, &i)) ||
			    parse_addr(req, ctx, v, &req->handoff.old_addr))
				return HMMP_EXIT_USAGE;
		} else if (!strcmp(argv[i], "to")) {
			if (once(req, ctx, "to", &have_new) ||
			    !(v = value(req, ctx, argc, argv, &i)) ||
			    parse_addr(req, ctx, v, &req->handoff.new_addr))
				return HMMP_EXIT_USAGE;
		} else {
			return usage_err(req, "%s: unknown argument '%s'", ctx, argv[i]);
		}
	}
	if (!have_new)
		return usage_err(req, "%s: 'to NEW' is required", ctx);
	return 0;
}

static int binding_args(struct hmmpctl_req *req, const char *ctx, int argc,
			char **argv)
{
	struct hmmp_binding *b = &req->binding;
	bool is_del = req->verb == HMMPCTL_DEL;
	bool seen[HMMP_BIND_A_MAX + 1] = { false };
	int i;

	if (argc < 1)
		return usage_err(req, "%s: missing ORIG address", ctx);
	if (parse_addr(req, ctx, argv[0], &b->orig))
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
		else
			return usage_err(req, "%s: unknown argument '%s'", ctx, kw);
		if (once(req, ctx, kw, &seen[attr]))
			return HMMP_EXIT_USAGE;
		HMMP_SET(b, attr);
		if (attr == HMMP_BIND_A_MIN_SRC) {
			b->min_src = 1;
			continue;
		}
		v = value(req, ctx, argc, argv, &i);
		if (!v)
			return HMMP_EXIT_USAGE;
		switch (attr) {
		case HMMP_BIND_A_COA:
			if (parse_addr(req, ctx, v, &b->coa))
				return HMMP_EXIT_USAGE;
			break;
		case HMMP_BIND_A_PEER:
			if (parse_addr(req, ctx, v, &b->peer))
				return HMMP_EXIT_USAGE;
			break;
		case HMMP_BIND_A_ENCAP:
			if (hmmp_encap_parse(v, &b->encap))
				return usage_err(req, "%s: bad encap '%s' (ipip or minimal)",
						 ctx, v);
			break;
		case HMMP_BIND_A_KIND:
			if (hmmp_kind_parse(v, &b->kind))
				return usage_err(req, "%s: bad kind '%s' (correspondent, mobile or router)",
						 ctx, v);
			break;
		default:	/* HMMP_BIND_A_LIFETIME */
			if (hmmp_u32_parse(v, 0, UINT32_MAX, &b->lifetime))
				return usage_err(req, "%s: bad number '%s' for lifetime (seconds, 0 = until deleted)",
						 ctx, v);
			break;
		}
	}
	/* The key's peer is always explicit: 0.0.0.0 (any) unless given. */
	HMMP_SET(b, HMMP_BIND_A_PEER);
	if (!is_del && !HMMP_HAVE(b, HMMP_BIND_A_COA))
		return usage_err(req, "%s: 'coa COA' is required", ctx);
	if (b->min_src && (!HMMP_HAVE(b, HMMP_BIND_A_ENCAP) ||
			   b->encap != HMMP_ENCAP_MINIMAL))
		return usage_err(req, "%s: 'minsrc' needs 'encap minimal'", ctx);
	return 0;
}

static int parse_binding(struct hmmpctl_req *req, int argc, char **argv)
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
		return usage_err(req, "binding: unknown verb '%s'", argv[0]);
	req->verb = verbs[v].verb;
	snprintf(ctx, sizeof(ctx), "binding %s", verb_name(req->verb));
	if (req->verb == HMMPCTL_SHOW || req->verb == HMMPCTL_FLUSH)
		return no_args(req, ctx, argc - 1, argv + 1);
	return binding_args(req, ctx, argc - 1, argv + 1);
}

static int parse_help(struct hmmpctl_req *req, int argc, char **argv);

const struct hmmpctl_object hmmpctl_objects[] = {
	{ "conn", parse_conn, hmmpctl_run_conn,
	  "hmmpctl [-j] conn [show] [addr ADDR] [state STATE]\n",
	  "tracked connections (SIP_EYE records)" },
	{ "handoff", parse_handoff, hmmpctl_run_handoff,
	  "hmmpctl [-j] handoff [from OLD] to NEW\n",
	  "move connections to a new local address" },
	{ "binding", parse_binding, hmmpctl_run_binding,
	  "hmmpctl [-j] binding [show]\n"
	  "hmmpctl binding { add | replace } ORIG coa COA [peer PEER]\n"
	  "        [encap { ipip | minimal }] [kind { correspondent | mobile | router }]\n"
	  "        [lifetime SECONDS] [minsrc]\n"
	  "hmmpctl binding del ORIG [peer PEER] [kind KIND]\n"
	  "hmmpctl [-j] binding flush\n",
	  "address bindings (original -> care-of) and their tunnels" },
	{ "config", parse_config, hmmpctl_run_config,
	  "hmmpctl [-j] config [show]\n"
	  "hmmpctl config set KEY VALUE [KEY VALUE...]\n"
	  "        KEY := { table_max | timeout_setup | timeout_established |\n"
	  "                 timeout_release | timeout_disconnect | roles | bind_max }\n",
	  "module settings" },
	{ "stats", parse_stats, hmmpctl_run_stats,
	  "hmmpctl [-j] stats [show]\n",
	  "module counters" },
	{ "monitor", parse_monitor, hmmpctl_run_monitor,
	  "hmmpctl [-j] monitor\n",
	  "print events as they happen" },
	{ "sctp", hmmpctl_parse_sctp, hmmpctl_run_sctp,
	  "hmmpctl [-j] sctp [show]\n"
	  "hmmpctl sctp primary ADDR [id ID]\n"
	  "hmmpctl sctp link DEV quality N\n"
	  "hmmpctl sctp register pid PID [rule RULE] [name NAME]\n",
	  "SCTP associations hmmpd hands over (asks hmmpd)" },
	{ "version", parse_version, hmmpctl_run_version,
	  "hmmpctl [-j] version\n",
	  "versions of hmmpctl and of the loaded hmmp.ko" },
	{ "help", parse_help, NULL,
	  "hmmpctl help [OBJECT]\n",
	  "this help" },
};
const size_t hmmpctl_nobjects = HMMP_ARRAY_SIZE(hmmpctl_objects);

static const struct hmmpctl_object *object_find(const char *name)
{
	size_t i;

	for (i = 0; i < hmmpctl_nobjects; i++)
		if (!strcmp(hmmpctl_objects[i].name, name))
			return &hmmpctl_objects[i];
	return NULL;
}

static int parse_help(struct hmmpctl_req *req, int argc, char **argv)
{
	req->action = HMMPCTL_HELP;
	req->obj = NULL;
	if (argc == 0)
		return 0;
	req->obj = object_find(argv[0]);
	if (!req->obj)
		return usage_err(req, "help: unknown object '%s'", argv[0]);
	return no_args(req, "help", argc - 1, argv + 1);
}

void hmmpctl_usage(FILE *out, const struct hmmpctl_object *obj)
{
	size_t i;

	if (obj) {
		fprintf(out, "Usage: %s", obj->usage);
		return;
	}
	fprintf(out,
		"Usage: hmmpctl [OPTIONS] OBJECT [VERB] [ARGS...]\n"
		"OPTIONS := { -j | --json }  JSON output\n"
		"           { -h | --help }  this help\n"
		"           { -V | --version }  version of hmmpctl\n"
		"OBJECT := { conn | handoff | binding | config | stats | monitor |\n"
		"            version | help }; no VERB means show.\n\n");
	for (i = 0; i < hmmpctl_nobjects; i++)
		fprintf(out, "%-8s %s\n", hmmpctl_objects[i].name,
			hmmpctl_objects[i].help);
	fputc('\n', out);
	for (i = 0; i < hmmpctl_nobjects; i++)
		fputs(hmmpctl_objects[i].usage, out);
}

int hmmpctl_parse(int argc, char **argv, struct hmmpctl_req *req)
{
	int i = 1;

	memset(req, 0, sizeof(*req));
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			req->json = true;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			req->action = HMMPCTL_HELP;
			return 0;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			req->action = HMMPCTL_VERSION;
			return 0;
		} else if (!strcmp(o, "--")) {
			i++;
			break;
		} else {
			return usage_err(req, "unknown option '%s'", o);
		}
	}
	if (i >= argc)
		return usage_err(req, "missing OBJECT");
	req->obj = object_find(argv[i]);
	if (!req->obj)
		return usage_err(req, "unknown object '%s'", argv[i]);
	i++;
	/* "OBJECT help" anywhere an object is known */
	if (i < argc && !strcmp(argv[i], "help") && req->obj->run) {
		req->action = HMMPCTL_HELP;
		return no_args(req, req->obj->name, argc - i - 1, argv + i + 1);
	}
	req->action = HMMPCTL_RUN;
	return req->obj->parse(req, argc - i, argv + i);
}
