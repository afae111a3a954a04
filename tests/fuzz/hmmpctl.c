// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz harness: hmmpctl's argument parsing (userspace/hmmpctl/cli.c and
 * each object's parse function) and the request each command builds for
 * hmmp.ko (hmmpctl_build), without a kernel.
 *
 * Input: the words after "hmmpctl", one per line (a line end is the only
 * byte an argument cannot hold here). Each word is a heap string of its
 * own, so that reading past one is an ASan error.
 *
 * Checked beyond "no crash": a refused command line says why (req.err);
 * an accepted one that runs builds its netlink request (or has none:
 * monitor, sctp); help prints.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/msg.h>

#include "cli.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char *argv[MAX_ARGS + 2];
	struct hmmpctl_req req;
	struct hmmp_nl nl = { .family = 0x21, .family_version = 1 };
	struct nl_msg *msg;
	size_t i = 0, start = 0;
	int argc = 1, r;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	argv[0] = strdup("hmmpctl");
	while (i <= size && argc <= MAX_ARGS) {
		if (i == size || data[i] == '\n') {
			/* no word after a last line end, none in "" */
			if (i == size && i == start && (argc > 1 || !size))
				break;
			argv[argc] = strndup((const char *)data + start, i - start);
			if (!argv[argc])
				abort();
			argc++;
			start = i + 1;
		}
		i++;
	}
	argv[argc] = NULL;

	memset(&req, 0, sizeof(req));
	r = hmmpctl_parse(argc, argv, &req);
	if (r) {
		if (r != HMMP_EXIT_USAGE || !memchr(req.err, '\0', sizeof(req.err)) ||
		    !req.err[0])
			abort();
		if (req.obj && req.obj->run)
			hmmpctl_usage(devnull, req.obj);
	} else if (req.action == HMMPCTL_HELP) {
		hmmpctl_usage(devnull, req.obj);
	} else if (req.action == HMMPCTL_RUN) {
		if (!req.obj)
			abort();
		msg = hmmpctl_build(&req, &nl);
		if (msg)
			nlmsg_free(msg);
		else if (req.obj->build)
			abort();	/* only out of memory may fail */
	}
	for (i = 0; i < (size_t)argc; i++)
		free(argv[i]);
	return 0;
}
