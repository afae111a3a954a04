// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl: argv -> struct hmmpctl_req. The table of objects (in the order
 * of the help), the options, "help" and "OBJECT help", and the parsing
 * helpers every object's parse function uses. No netlink here; every
 * error is a usage error (exit 1) with a message that names the
 * offending word.
 */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

int hmmpctl_usage_err(struct hmmpctl_req *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->err, sizeof(req->err), fmt, ap);
	va_end(ap);
	return HMMP_EXIT_USAGE;
}

const char *hmmpctl_value(struct hmmpctl_req *req, const char *ctx, int argc,
			  char **argv, int *i)
{
	if (*i + 1 >= argc) {
		hmmpctl_usage_err(req, "%s: '%s' needs a value", ctx, argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

int hmmpctl_parse_addr(struct hmmpctl_req *req, const char *ctx, const char *s,
		       uint32_t *out)
{
	if (hmmp_addr_parse(s, out))
		return hmmpctl_usage_err(req, "%s: bad address '%s'", ctx, s);
	return 0;
}

int hmmpctl_once(struct hmmpctl_req *req, const char *ctx, const char *kw,
		 bool *seen)
{
	if (*seen)
		return hmmpctl_usage_err(req, "%s: '%s' given twice", ctx, kw);
	*seen = true;
	return 0;
}

int hmmpctl_no_args(struct hmmpctl_req *req, const char *ctx, int argc,
		    char **argv)
{
	if (argc > 0)
		return hmmpctl_usage_err(req, "%s: unexpected argument '%s'",
					 ctx, argv[0]);
	return 0;
}

void hmmpctl_skip_show(int *argc, char ***argv)
{
	if (*argc > 0 && !strcmp((*argv)[0], "show")) {
		(*argc)--;
		(*argv)++;
	}
}

/* ---- the table ---- */

static int parse_help(struct hmmpctl_req *req, int argc, char **argv);

static const struct hmmpctl_object obj_help = {
	.name = "help",
	.parse = parse_help,
	.usage = "hmmpctl help [OBJECT]\n",
	.help = "this help",
};

const struct hmmpctl_object *const hmmpctl_objects[] = {
	&hmmpctl_obj_conn,
	&hmmpctl_obj_handoff,
	&hmmpctl_obj_binding,
	&hmmpctl_obj_xlate,
	&hmmpctl_obj_config,
	&hmmpctl_obj_stats,
	&hmmpctl_obj_monitor,
	&hmmpctl_obj_sctp,
	&hmmpctl_obj_version,
	&obj_help,
};
const size_t hmmpctl_nobjects = HMMP_ARRAY_SIZE(hmmpctl_objects);

static const struct hmmpctl_object *object_find(const char *name)
{
	size_t i;

	for (i = 0; i < hmmpctl_nobjects; i++)
		if (!strcmp(hmmpctl_objects[i]->name, name))
			return hmmpctl_objects[i];
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
		return hmmpctl_usage_err(req, "help: unknown object '%s'", argv[0]);
	return hmmpctl_no_args(req, "help", argc - 1, argv + 1);
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
		"OBJECT := { conn | handoff | binding | xlate | config | stats |\n"
		"            monitor | sctp | version | help }; no VERB means show.\n\n");
	for (i = 0; i < hmmpctl_nobjects; i++)
		fprintf(out, "%-8s %s\n", hmmpctl_objects[i]->name,
			hmmpctl_objects[i]->help);
	fputc('\n', out);
	for (i = 0; i < hmmpctl_nobjects; i++)
		fputs(hmmpctl_objects[i]->usage, out);
}

/* ---- the command line: options, object, then the object's words ---- */

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
			return hmmpctl_usage_err(req, "unknown option '%s'", o);
		}
	}
	if (i >= argc)
		return hmmpctl_usage_err(req, "missing OBJECT");
	req->obj = object_find(argv[i]);
	if (!req->obj)
		return hmmpctl_usage_err(req, "unknown object '%s'", argv[i]);
	i++;
	/* "OBJECT help" anywhere an object is known */
	if (i < argc && !strcmp(argv[i], "help") && req->obj->run) {
		req->action = HMMPCTL_HELP;
		return hmmpctl_no_args(req, req->obj->name, argc - i - 1,
				       argv + i + 1);
	}
	req->action = HMMPCTL_RUN;
	return req->obj->parse(req, argc - i, argv + i);
}
