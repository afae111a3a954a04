// SPDX-License-Identifier: GPL-2.0
/*
 * hmmp userspace: hmmpd's control socket, client side (hmmp_sctp.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hmmp_sctp.h"

static const struct {
	int err;
	const char *name;
} errnos[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
	{ EBADF, "EBADF" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" }, { ENOTSOCK, "ENOTSOCK" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ENOTCONN, "ENOTCONN" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ EHOSTUNREACH, "EHOSTUNREACH" }, { ENOPROTOOPT, "ENOPROTOOPT" },
	{ E2BIG, "E2BIG" }, { ESRCH, "ESRCH" },
};

int hmmp_errno_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		if (!strcmp(errnos[i].name, name))
			return errnos[i].err;
	}
	return 0;
}

const char *hmmp_errno_name(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		if (errnos[i].err == err)
			return errnos[i].name;
	}
	return "EIO";
}

const char *hmmp_ctl_name(void)
{
	const char *e = getenv(HMMP_CTL_ENV);

	return e && *e ? e : HMMP_CTL_DEFAULT;
}

int hmmp_ctl_connect(const char *name, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	socklen_t len;
	int fd, e;

	if (!n || n >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket name '%s': empty or too long", name);
		return -EINVAL;
	}
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "socket: %s", strerror(e));
		return -e;
	}
	if (connect(fd, (struct sockaddr *)&sun, len)) {
		e = errno;
		snprintf(err, errlen,
			 "hmmpd's control socket %s: %s: is hmmpd running in this network namespace with [sctp] enable = yes?",
			 name, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

int hmmp_ctl_recv(int ch, char *buf, size_t size)
{
	ssize_t n;

	if (size < 2)
		return -EINVAL;
	do {
		n = recv(ch, buf, size - 1, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int hmmp_ctl_call(int ch, const char *req, int pass_fd, char *reply,
		  size_t size, char *err, size_t errlen)
{
	return hmmp_ctl_call_fds(ch, req, &pass_fd, pass_fd >= 0 ? 1 : 0, reply,
				 size, err, errlen);
}

int hmmp_ctl_call_fds(int ch, const char *req, const int *fds, unsigned int nfds,
		      char *reply, size_t size, char *err, size_t errlen)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 2)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)req, .iov_len = strlen(req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	char *nl, *sp;
	ssize_t n;
	int r, e;

	if (iov.iov_len >= HMMP_CTL_MAX) {
		snprintf(err, errlen, "request too long");
		return -E2BIG;
	}
	if (nfds > 2) {
		snprintf(err, errlen, "two descriptors at most");
		return -E2BIG;
	}
	if (nfds) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(ch, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		e = errno;
		snprintf(err, errlen, "sending to hmmpd: %s", strerror(e));
		return -e;
	}
	r = hmmp_ctl_recv(ch, reply, size);
	if (r <= 0) {
		e = r ? -r : ECONNRESET;
		snprintf(err, errlen, "reading hmmpd's answer: %s",
			 r ? strerror(e) : "hmmpd closed the connection");
		return -e;
	}
	if (!strncmp(reply, "ok", 2) && (reply[2] == '\0' || reply[2] == '\n' ||
					 reply[2] == ' '))
		return 0;
	if (strncmp(reply, "error ", 6)) {
		snprintf(err, errlen, "hmmpd answered something unexpected");
		return -EPROTO;
	}
	/* "error ENAME text" */
	nl = strchr(reply, '\n');
	if (nl)
		*nl = '\0';
	sp = strchr(reply + 6, ' ');
	if (sp)
		*sp++ = '\0';
	e = hmmp_errno_parse(reply + 6);
	snprintf(err, errlen, "%s", sp ? sp : reply + 6);
	if (sp)
		sp[-1] = ' ';
	if (nl)
		*nl = '\n';
	return -(e ? e : EIO);
}

int hmmp_sctp_register(int fd, const char *opts, char *err, size_t errlen)
{
	char req[512], reply[512];
	int ch, r;

	if (fd < 0) {
		snprintf(err, errlen, "no socket");
		return -EBADF;
	}
	ch = hmmp_ctl_connect(hmmp_ctl_name(), err, errlen);
	if (ch < 0)
		return ch;
	if ((size_t)snprintf(req, sizeof(req), "register %s", opts ? opts : "") >=
	    sizeof(req)) {
		close(ch);
		snprintf(err, errlen, "options too long");
		return -E2BIG;
	}
	r = hmmp_ctl_call(ch, req, fd, reply, sizeof(reply), err, errlen);
	if (r) {
		close(ch);
		return r;
	}
	return ch;
}
