/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpctl: the objects, their table, the request a command line is parsed
 * into (with no netlink involved) and the context a request runs in.
 *
 *   hmmpctl [-j] OBJECT [VERB] [ARGS...]
 *
 * Objects and verbs are matched exactly (no prefixes); no verb means show.
 * Each object is one file (conn.c, handoff.c, binding.c, xlate.c, config.c,
 * stats.c, monitor.c, sctp.c, version.c) that exports its struct
 * hmmpctl_object; cli.c holds the table, the option parsing and the
 * parsing helpers the objects share (declared at the end here); cmd.h
 * the helpers their run functions share.
 */
#ifndef HMMPCTL_CLI_H
#define HMMPCTL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nl.h"
#include "objects.h"
#include "util.h"

enum hmmpctl_verb {
	HMMPCTL_SHOW,
	HMMPCTL_SET,
	HMMPCTL_ADD,
	HMMPCTL_REPLACE,
	HMMPCTL_DEL,
	HMMPCTL_FLUSH,
};

enum hmmpctl_action {
	HMMPCTL_RUN,		/* run req->obj */
	HMMPCTL_HELP,		/* print help for req->obj, or all */
	HMMPCTL_VERSION,	/* -V: this tool's version only */
};

struct hmmpctl_req;
struct hmmpctl_ctx;

struct hmmpctl_object {
	const char *name;
	/* argv: the words after the object; fills req or sets req->err */
	int (*parse)(struct hmmpctl_req *req, int argc, char **argv);
	/* NULL for help, which only parses */
	int (*run)(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
	/* the message to hmmp.ko (see hmmpctl_build); NULL: none */
	struct nl_msg *(*build)(const struct hmmpctl_req *req, struct hmmp_nl *nl);
	const char *usage;	/* synopsis, one line per form */
	const char *help;	/* what it is, one line */
};

/* The objects, in the order of the help (cli.c). */
extern const struct hmmpctl_object *const hmmpctl_objects[];
extern const size_t hmmpctl_nobjects;

extern const struct hmmpctl_object hmmpctl_obj_conn;
extern const struct hmmpctl_object hmmpctl_obj_handoff;
extern const struct hmmpctl_object hmmpctl_obj_binding;
extern const struct hmmpctl_object hmmpctl_obj_xlate;
extern const struct hmmpctl_object hmmpctl_obj_config;
extern const struct hmmpctl_object hmmpctl_obj_stats;
extern const struct hmmpctl_object hmmpctl_obj_monitor;
extern const struct hmmpctl_object hmmpctl_obj_sctp;	/* asks hmmpd */
extern const struct hmmpctl_object hmmpctl_obj_version;

#define HMMPCTL_CFG_MAX	16

struct hmmpctl_req {
	enum hmmpctl_action action;
	const struct hmmpctl_object *obj;
	enum hmmpctl_verb verb;
	bool json;
	union {
		struct {
			bool have_addr, have_state;
			uint32_t addr;		/* be32 */
			uint8_t state;
		} conn;
		struct {
			bool have_old;
			uint32_t old_addr, new_addr;	/* be32 */
		} handoff;
		struct {
			uint32_t given;		/* bit i: hmmp_cfg_keys[i] */
			uint32_t val[HMMPCTL_CFG_MAX];
		} config;
		struct hmmp_binding binding;	/* have: attributes given */
		struct hmmp_xlate xlate;	/* have: attributes given */
		struct {
			char line[256];		/* the request to hmmpd */
			int pid;		/* register pid: its sockets */
		} sctp;
	};
	char err[256];		/* the usage error, without "hmmpctl: " */
};

/*
 * argv[0] is the program. Returns HMMP_EXIT_OK or HMMP_EXIT_USAGE with
 * req->err set (and req->obj set when the error is inside an object, so
 * its usage can be shown).
 */
int hmmpctl_parse(int argc, char **argv, struct hmmpctl_req *req);
/* Usage of one object, or of all when obj is NULL. */
void hmmpctl_usage(FILE *out, const struct hmmpctl_object *obj);

/* Execution context of the run functions. */
struct hmmpctl_ctx {
	struct hmmp_nl *nl;	/* nl->msg holds the error of a failed run */
	FILE *out;		/* results */
	FILE *err;		/* counts, summaries and warnings */
};

/*
 * The request message a command sends: req->obj->build, NULL for an
 * object without one (monitor, sctp) or when out of memory (nl->msg
 * then says so). For tests too (cmd.c).
 */
struct nl_msg *hmmpctl_build(const struct hmmpctl_req *req, struct hmmp_nl *nl);

/*
 * For the objects' parse functions (cli.c). ctx names where an error
 * happened ("conn show", "binding add"). Each returns HMMP_EXIT_USAGE
 * with req->err set, or 0; hmmpctl_value returns NULL on error.
 */
int hmmpctl_usage_err(struct hmmpctl_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The value after keyword argv[*i], *i moved onto it. */
const char *hmmpctl_value(struct hmmpctl_req *req, const char *ctx, int argc,
			  char **argv, int *i);
int hmmpctl_parse_addr(struct hmmpctl_req *req, const char *ctx, const char *s,
		       uint32_t *out);
/* A keyword given at most once. */
int hmmpctl_once(struct hmmpctl_req *req, const char *ctx, const char *kw,
		 bool *seen);
int hmmpctl_no_args(struct hmmpctl_req *req, const char *ctx, int argc,
		    char **argv);
/* An optional "show" verb: consumes it; anything else is left alone. */
void hmmpctl_skip_show(int *argc, char ***argv);

#endif /* HMMPCTL_CLI_H */
