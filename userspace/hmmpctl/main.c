// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl: inspect and drive hmmp.ko over generic netlink.
 * The table of objects and the parsing are in cli.c, each object in its
 * own file (conn.c, binding.c, ...); this only wires them up: parse,
 * then run, and -V and the help, which need no kernel.
 *
 * Exit codes: 0 ok, 1 usage error, 2 module not loaded, 3 permission
 * denied, 4 other kernel error.
 */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	struct hmmpctl_req req;
	struct hmmp_nl nl;
	struct hmmpctl_ctx ctx = { .nl = &nl, .out = stdout, .err = stderr };
	struct hmmp_pr p;
	int ret;

	ret = hmmpctl_parse(argc, argv, &req);
	if (ret) {
		fprintf(stderr, "hmmpctl: %s\n", req.err);
		if (req.obj && req.obj->run)
			hmmpctl_usage(stderr, req.obj);
		else
			fprintf(stderr, "Try 'hmmpctl help'.\n");
		return ret;
	}
	switch (req.action) {
	case HMMPCTL_HELP:
		hmmpctl_usage(stdout, req.obj);
		return fflush(stdout) ? HMMP_EXIT_USAGE : HMMP_EXIT_OK;
	case HMMPCTL_VERSION:
		pr_init(&p, stdout, req.json);
		pr_open_object(&p, NULL);
		pr_str(&p, 0, "hmmpctl", HMMP_USER_VERSION);
		pr_close_object(&p);
		return pr_end(&p) ? HMMP_EXIT_USAGE : HMMP_EXIT_OK;
	case HMMPCTL_RUN:
		break;
	}

	ret = hmmp_nl_init(&nl);
	if (!ret)
		ret = hmmp_nl_connect(&nl);
	if (!ret)
		ret = req.obj->run(&req, &ctx);
	if (ret)
		fprintf(stderr, "hmmpctl: %s\n", nl.msg);
	hmmp_nl_close(&nl);
	return ret;
}
