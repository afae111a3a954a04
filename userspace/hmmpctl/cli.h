/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpctl: the command line, parsed into a request with no netlink
 * involved (cli.c), and the commands that execute a request (cmd.c).
 *
 *   hmmpctl [-j] OBJECT [VERB] [ARGS...]
 *
 * Objects and verbs are matched exactly (no prefixes); no verb means show.
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
	int (*parse)(struct hmmpctl_req *req, int argc, char **argv);
	int (*run)(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
	const char *usage;	/* synopsis, one line per form */
	const char *help;	/* what it is, one line */
};

extern const struct hmmpctl_object hmmpctl_objects[];
extern const size_t hmmpctl_nobjects;

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

/* Execution context of the commands (cmd.c). */
struct hmmpctl_ctx {
	struct hmmp_nl *nl;	/* nl->msg holds the error of a failed run */
	FILE *out;		/* results */
	FILE *err;		/* counts, summaries and warnings */
};

int hmmpctl_run_version(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
int hmmpctl_run_stats(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
int hmmpctl_run_config(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
int hmmpctl_run_conn(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
int hmmpctl_run_handoff(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
int hmmpctl_run_monitor(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
int hmmpctl_run_binding(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);
/* sctp.c: asks hmmpd, not hmmp.ko */
int hmmpctl_parse_sctp(struct hmmpctl_req *req, int argc, char **argv);
int hmmpctl_run_sctp(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx);

/* The request message a command sends (NULL for monitor), for tests too. */
struct nl_msg *hmmpctl_build(const struct hmmpctl_req *req, struct hmmp_nl *nl);

#endif /* HMMPCTL_CLI_H */
