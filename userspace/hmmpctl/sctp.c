// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpctl sctp: the SCTP associations hmmpd hands over (docs/msctp.md).
 * Not hmmp.ko: these ask hmmpd over its control socket
 * (lib/hmmp_sctp.h), in the caller's network namespace.
 *
 *   hmmpctl [-j] sctp [show]
 *   hmmpctl sctp primary ADDR [id ID]
 *   hmmpctl sctp link DEV quality N
 *   hmmpctl sctp register pid PID [rule RULE] [name NAME]
 *
 * register pid is the wrapper for applications that do not register
 * themselves: it takes a duplicate of each connected one-to-one SCTP
 * socket of PID (pidfd_getfd(2): ptrace rights over PID needed) and
 * registers it with a pidfd of PID, so that the registration lasts as
 * long as the process, not as long as hmmpctl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "cli.h"
#include "hmmp_sctp.h"
#include "print.h"

static int sctp_parse(struct hmmpctl_req *req, int argc, char **argv)
{
	char *line = req->sctp.line;
	size_t size = sizeof(req->sctp.line);
	uint32_t a, u;

	req->verb = HMMPCTL_SHOW;
	if (argc == 0 || !strcmp(argv[0], "show")) {
		if (argc > 1)
			return hmmpctl_usage_err(req, "sctp: unexpected argument '%s'", argv[1]);
		snprintf(line, size, "show");
		return 0;
	}
	req->verb = HMMPCTL_SET;
	if (!strcmp(argv[0], "primary")) {
		if (argc < 2)
			return hmmpctl_usage_err(req, "sctp primary: an address is needed");
		if (hmmp_addr_parse(argv[1], &a))
			return hmmpctl_usage_err(req, "sctp primary: bad address '%s'", argv[1]);
		if (argc == 2) {
			snprintf(line, size, "primary addr=%s", argv[1]);
			return 0;
		}
		if (argc != 4 || strcmp(argv[2], "id"))
			return hmmpctl_usage_err(req,
						 "sctp primary: unexpected argument '%s'", argv[2]);
		if (hmmp_u32_parse(argv[3], 1, UINT32_MAX, &u))
			return hmmpctl_usage_err(req, "sctp primary: bad id '%s'", argv[3]);
		snprintf(line, size, "primary addr=%s id=%u", argv[1], u);
		return 0;
	}
	if (!strcmp(argv[0], "link")) {
		if (argc != 4 || strcmp(argv[2], "quality"))
			return hmmpctl_usage_err(req, "sctp link: DEV quality N");
		if (!argv[1][0] || strlen(argv[1]) >= 16 || strpbrk(argv[1], " =\n"))
			return hmmpctl_usage_err(req, "sctp link: bad device name '%s'", argv[1]);
		if (hmmp_u32_parse(argv[3], 0, 100, &u))
			return hmmpctl_usage_err(req,
						 "sctp link: quality 0 to 100, not '%s'", argv[3]);
		snprintf(line, size, "link dev=%s quality=%u", argv[1], u);
		return 0;
	}
	if (!strcmp(argv[0], "register")) {
		char rule[24] = "", name[40] = "";
		int i;

		if (argc < 3 || strcmp(argv[1], "pid") ||
		    hmmp_u32_parse(argv[2], 1, 4194304, &u))
			return hmmpctl_usage_err(req, "sctp register: pid PID needed");
		req->sctp.pid = (int)u;
		for (i = 3; i < argc; i += 2) {
			if (i + 1 >= argc)
				return hmmpctl_usage_err(req,
							 "sctp register: %s needs a value", argv[i]);
			if (!strcmp(argv[i], "rule") && strlen(argv[i + 1]) < 10 &&
			    !strpbrk(argv[i + 1], " =\n"))
				snprintf(rule, sizeof(rule), " rule=%.9s", argv[i + 1]);
			else if (!strcmp(argv[i], "name") && strlen(argv[i + 1]) < 32 &&
				 !strpbrk(argv[i + 1], " =\n"))
				snprintf(name, sizeof(name), " name=%.31s", argv[i + 1]);
			else
				return hmmpctl_usage_err(req,
							 "sctp register: unexpected '%s'", argv[i]);
		}
		snprintf(line, size, "register%s%s", rule, name);
		return 0;
	}
	return hmmpctl_usage_err(req,
				 "sctp: unknown verb '%s' (show, primary, link, register)", argv[0]);
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

/* register pid: every connected one-to-one SCTP socket of the process */
static int run_register_pid(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
{
	char *msg = ctx->nl->msg, path[64], reply[256], err[512];
	size_t msize = sizeof(ctx->nl->msg);
	unsigned int n = 0, refused = 0;
	struct dirent *de;
	int pidfd, ret = HMMP_EXIT_OK;
	DIR *dir;

	pidfd = pidfd_open(req->sctp.pid, 0);
	if (pidfd < 0) {
		snprintf(msg, msize, "pid %d: %s", req->sctp.pid, strerror(errno));
		return HMMP_EXIT_KERNEL;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", req->sctp.pid);
	dir = opendir(path);
	if (!dir) {
		snprintf(msg, msize, "%s: %s", path, strerror(errno));
		close(pidfd);
		return HMMP_EXIT_KERNEL;
	}
	while ((de = readdir(dir))) {
		int fds[2], v = 0, ch, r;
		socklen_t len = sizeof(v);
		uint32_t target;

		if (hmmp_u32_parse(de->d_name, 0, 1u << 30, &target))
			continue;
		fds[0] = pidfd_getfd(pidfd, (int)target, 0);
		if (fds[0] < 0) {
			if (errno == EPERM) {
				snprintf(msg, msize, "pid %d: %s (ptrace rights needed)",
					 req->sctp.pid, strerror(errno));
				ret = HMMP_EXIT_PERM;
				break;
			}
			continue;
		}
		if (getsockopt(fds[0], SOL_SOCKET, SO_PROTOCOL, &v, &len) ||
		    v != IPPROTO_SCTP) {
			close(fds[0]);
			continue;
		}
		fds[1] = pidfd;
		ch = hmmp_ctl_connect(hmmp_ctl_name(), msg, msize);
		if (ch < 0) {
			close(fds[0]);
			ret = HMMP_EXIT_KERNEL;
			break;
		}
		r = hmmp_ctl_call_fds(ch, req->sctp.line, fds, 2, reply, sizeof(reply),
				      err, sizeof(err));
		close(ch);
		close(fds[0]);
		if (r) {
			/* a listening socket, or one not established: not for us */
			fprintf(ctx->err, "pid %d fd %u: %s\n", req->sctp.pid, target, err);
			refused++;
			continue;
		}
		fprintf(ctx->out, "pid %d fd %u: registered (%s)\n", req->sctp.pid, target,
			reply + 3);
		n++;
	}
	closedir(dir);
	close(pidfd);
	if (ret == HMMP_EXIT_OK && !n) {
		snprintf(msg, msize, "pid %d: no SCTP association registered (%u refused)",
			 req->sctp.pid, refused);
		ret = HMMP_EXIT_KERNEL;
	}
	return ret;
}

static int sctp_run(const struct hmmpctl_req *req, struct hmmpctl_ctx *ctx)
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
	if (req->sctp.pid) {
		free(buf);
		return run_register_pid(req, ctx);
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

/* No build: hmmp.ko is not asked. */
const struct hmmpctl_object hmmpctl_obj_sctp = {
	.name = "sctp",
	.parse = sctp_parse,
	.run = sctp_run,
	.usage = "hmmpctl [-j] sctp [show]\n"
		 "hmmpctl sctp primary ADDR [id ID]\n"
		 "hmmpctl sctp link DEV quality N\n"
		 "hmmpctl sctp register pid PID [rule RULE] [name NAME]\n",
	.help = "SCTP associations hmmpd hands over (asks hmmpd)",
};
