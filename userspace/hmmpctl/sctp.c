// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl sctp: the SCTP associations hmmpd hands over (docs/msctp.md).
 * Not hmmp.ko: these ask hmmpd over its control socket
 * (lib/hmmp_sctp.h), in the caller's network namespace.
 *
 *   hmmpctl [-j] sctp [show]
 *   hmmpctl sctp primary ADDR [id ID]
 *   hmmpctl sctp link DEV quality N
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hmmp_sctp.h"
#include "print.h"

static int usage(struct hmmpctl_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage(struct hmmpctl_req *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->err, sizeof(req->err), fmt, ap);
	va_end(ap);
	return HMMP_EXIT_USAGE;
}

int hmmpctl_parse_sctp(struct hmmpctl_req *req, int argc, char **argv)
{
	char *line = req->sctp.line;
	size_t size = sizeof(req->sctp.line);
	uint32_t a, u;

	req->verb = HMMPCTL_SHOW;
	if (argc == 0 || !strcmp(argv[0], "show")) {
		if (argc > 1)
			return usage(req, "sctp: unexpected argument '%s'", argv[1]);
		snprintf(line, size, "show");
		return 0;
	}
	req->verb = HMMPCTL_SET;
	if (!strcmp(argv[0], "primary")) {
		if (argc < 2)
			return usage(req, "sctp primary: an address is needed");
		if (hmmp_addr_parse(argv[1], &a))
			return usage(req, "sctp primary: bad address '%s'", argv[1]);
		if (argc == 2) {
			snprintf(line, size, "primary addr=%s", argv[1]);
			return 0;
		}
		if (argc != 4 || strcmp(argv[2], "id"))
			return usage(req, "sctp primary: unexpected argument '%s'", argv[2]);
		if (hmmp_u32_parse(argv[3], 1, UINT32_MAX, &u))
			return usage(req, "sctp primary: bad id '%s'", argv[3]);
		snprintf(line, size, "primary addr=%s id=%u", argv[1], u);
		return 0;
	}
	if (!strcmp(argv[0], "link")) {
		if (argc != 4 || strcmp(argv[2], "quality"))
			return usage(req, "sctp link: DEV quality N");
		if (!argv[1][0] || strlen(argv[1]) >= 16 || strpbrk(argv[1], " =\n"))
			return usage(req, "sctp link: bad device name '%s'", argv[1]);
		if (hmmp_u32_parse(argv[3], 0, 100, &u))
			return usage(req, "sctp link: quality 0 to 100, not '%s'", argv[3]);
		snprintf(line, size, "link dev=%s quality=%u", argv[1], u);
		return 0;
	}
	return usage(req, "sctp: unknown verb '%s' (show, primary, link)", argv[0]);
}

/* "key=value" words -> one printed line (an object in JSON). */
static void print_record(struct hmmp_pr *p, char *rec)
{
	char *save = NULL, *w;

	pr_open_line(p, NULL);
	for (w = strtok_r(rec, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *v = strchr(w, '=');
		char *end;
		unsigned long long n;

		if (!v)
			continue;
		*v++ = '\0';
		n = strtoull(v, &end, 10);
		if (*v && !*end && *v != '-') {
			pr_u64(p, 0, w, n);
		} else if (!strcmp(w, "local") || !strcmp(w, "peer")) {
			char *s2 = NULL, *x;

			pr_open_array(p, w);
			for (x = strtok_r(v, ",", &s2); x; x = strtok_r(NULL, ",", &s2))
				if (strcmp(x, "-"))
					pr_str(p, PR_NOKEY, NULL, x);
			pr_close_array(p);
		} else {
			pr_str(p, 0, w, v);
		}
	}
	pr_close_line(p);
}

int hmmpctl_run_sctp(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	char *buf = malloc(HMMP_CTL_MAX);
	char *msg = ctx->nl->msg, *save = NULL, *l;
	size_t msize = sizeof(ctx->nl->msg);
	struct hmmp_pr p;
	unsigned int n = 0;
	int ch, r;

	if (!buf) {
		snprintf(msg, msize, "out of memory");
		return HMMP_EXIT_KERNEL;
	}
	ch = hmmp_ctl_connect(hmmp_ctl_name(), msg, msize);
	if (ch < 0) {
		free(buf);
		return HMMP_EXIT_KERNEL;
	}
	r = hmmp_ctl_call(ch, req->sctp.line, -1, buf, HMMP_CTL_MAX, msg, msize);
	close(ch);
	if (r) {
		free(buf);
		return r == -EPERM || r == -EACCES ? HMMP_EXIT_PERM : HMMP_EXIT_KERNEL;
	}
	if (req->verb != HMMPCTL_SHOW) {
		free(buf);
		return HMMP_EXIT_OK;
	}
	pr_init(&p, ctx->out, req->json);
	pr_open_array(&p, NULL);
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "assoc ", 6))
			continue;
		print_record(&p, l + 6);
		n++;
	}
	pr_close_array(&p);
	r = pr_end(&p);
	free(buf);
	fprintf(ctx->err, "%u associations\n", n);
	if (r) {
		snprintf(msg, msize, "cannot print the associations");
		return HMMP_EXIT_KERNEL;
	}
	return HMMP_EXIT_OK;
}
