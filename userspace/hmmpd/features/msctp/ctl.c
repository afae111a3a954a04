// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP's control socket (lib/hmmp_sctp.h, docs/msctp.md
 * "Registration"): a SOCK_SEQPACKET unix socket, one request a datagram.
 * Applications register a duplicate of their socket (SCM_RIGHTS), with a
 * pidfd for a detached registration (hmmpctl sctp register pid); hmmpctl
 * asks for the state (show), a primary change (primary: rule (c)) and
 * sets a link's quality (link: rule (b)).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/sctp.h>

#include "core/daemon.h"
#include "core/log.h"
#include "hmmp_sctp.h"
#include "msctp.h"
#include "msctp-int.h"
#include "util.h"

/* ---- the words of a request -------------------------------------------- */

int hmmpd_sctp_word(const char *args, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = args;

	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " \n");
		if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			size_t vlen = n - klen - 1;

			if (vlen >= size)
				return -1;
			memcpy(val, p + klen + 1, vlen);
			val[vlen] = '\0';
			return (int)vlen;
		}
		p += n;
		if (*p == '\n')
			break;
	}
	return -1;
}

/* ---- answers ----------------------------------------------------------- */

static void reply(struct client *c, const char *text)
{
	if (send(c->fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		hmmpd_log(LOG_DEBUG, "sctp: control: cannot answer: %s",
			  strerror(errno));
}

static void reply_err(struct client *c, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_err(struct client *c, int e, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "error %s ", hmmp_errno_name(e));
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	reply(c, buf);
}

static bool privileged(struct client *c)
{
	return c->uid == 0 || c->uid == geteuid();
}

/* ---- register ---------------------------------------------------------- */

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	(void)s;
	(void)fd;
	(void)revents;
	msctp_assoc_free(arg, "its process exited");
	return 0;
}

/*
 * fd: the socket; pidfd >= 0: a detached registration (hmmpctl sctp
 * register pid), which lives until that process exits, not with c.
 */
static void do_register(struct client *c, const char *args, int fd, int pidfd)
{
	struct hmmpd_msctp *ms = c->ms;
	struct sctp_assoc_value av = { 0 };
	struct sockaddr_in sin;
	socklen_t len;
	char val[64], ip[HMMP_ADDRSTRLEN], out[64];
	struct assoc *a;
	int v = 0, s;

	if (fd < 0) {
		reply_err(c, EBADF, "register: no socket passed (SCM_RIGHTS)");
		if (pidfd >= 0)
			close(pidfd);
		return;
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) || v != IPPROTO_SCTP) {
		reply_err(c, ENOTSOCK, "register: not an SCTP socket");
		goto err;
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) || v != SOCK_STREAM) {
		reply_err(c, EINVAL, "register: one-to-one (SOCK_STREAM) SCTP sockets only");
		goto err;
	}
	s = msctp_assoc_state(fd);
	if (s != SCTP_ESTABLISHED) {
		reply_err(c, ENOTCONN, "register: the association is not established (%s)",
			  s < 0 ? strerror(-s) : msctp_state_name(s));
		goto err;
	}
	if (ms->nassocs >= MAX_ASSOCS) {
		reply_err(c, ENOSPC, "register: %u associations registered already",
			  MAX_ASSOCS);
		goto err;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		reply_err(c, ENOMEM, "register: out of memory");
		goto err;
	}
	a->ms = ms;
	a->fd = fd;
	a->pidfd = -1;
	a->ch = c;
	a->uid = c->uid;
	a->last_ms = -1;
	a->last = "none";
	a->rule = conf(ms)->rule;
	snprintf(a->name, sizeof(a->name), "-");
	if (hmmpd_sctp_word(args, "name", a->name, sizeof(a->name)) <= 0)
		snprintf(a->name, sizeof(a->name), "-");
	if (hmmpd_sctp_word(args, "rule", val, sizeof(val)) >= 0 &&
	    hmmpd_sctp_rule_parse(val, &a->rule)) {
		free(a);
		reply_err(c, EINVAL, "register: rule: ack (a), link (b) or upper (c), not '%s'",
			  val);
		goto err;
	}
	len = sizeof(sin);
	if (!getsockname(fd, (struct sockaddr *)&sin, &len))
		a->lport = ntohs(sin.sin_port);
	len = sizeof(sin);
	if (!getpeername(fd, (struct sockaddr *)&sin, &len))
		a->pport = ntohs(sin.sin_port);
	msctp_assoc_refresh(a);
	len = sizeof(v);
	v = 0;
	a->wildcard = !getsockopt(fd, SOL_SCTP, SCTP_AUTO_ASCONF, &v, &len) && v;
	len = sizeof(av);
	if (getsockopt(fd, SOL_SCTP, SCTP_ASCONF_SUPPORTED, &av, &len) ||
	    !av.assoc_value) {
		const char *who = ms->addip ?
			"the peer does not do ADDIP (ASCONF with AUTH; on Linux net.sctp.addip_enable and auth_enable)" :
			"this host's net.sctp.addip_enable/auth_enable were off when the socket was made";

		hmmpd_log(LOG_ERR, "sctp: registration refused: association to %s: %s: it cannot hand over and stays on its present path",
			  a->npeer ? ip_s(a->peer[0], ip) : "?", who);
		reply_err(c, EOPNOTSUPP, "association to %s: %s: it cannot hand over and stays on its present path",
			  a->npeer ? ip_s(a->peer[0], ip) : "?", who);
		free(a);
		goto err;
	}
	if (pidfd >= 0) {
		int r = sd_event_add_io(ms->d->ev, &a->psrc, pidfd, EPOLLIN, on_pidfd, a);

		if (r < 0) {
			reply_err(c, -r, "register: cannot watch the process: %s",
				  strerror(-r));
			free(a);
			goto err;
		}
		a->pidfd = pidfd;
		a->ch = NULL;
		pidfd = -1;
	}
	a->id = ++ms->next_id;
	/* the address the association began with is the peer's primary */
	a->primary = a->nlocal ? a->local[0] : 0;
	a->next = ms->assocs;
	ms->assocs = a;
	ms->nassocs++;
	hmmpd_log(LOG_INFO, "sctp: association %u (%s) registered: port %u, %u local and %u peer addresses (peer %s:%u), rule %s%s%s",
		  a->id, a->name, a->lport, a->nlocal, a->npeer,
		  a->npeer ? ip_s(a->peer[0], ip) : "?", a->pport,
		  hmmpd_sctp_rule_name(a->rule),
		  a->wildcard ? ", bound to any address with automatic ASCONF" : "",
		  a->ch ? "" : ", for the life of its process");
	snprintf(out, sizeof(out), "ok id=%u", a->id);
	reply(c, out);
	return;
err:
	if (pidfd >= 0)
		close(pidfd);
	close(fd);
}

/* ---- show, primary, link ----------------------------------------------- */

static void addr_list(FILE *f, const char *key, const uint32_t *v, unsigned int n)
{
	char ip[HMMP_ADDRSTRLEN];
	unsigned int i;

	fprintf(f, " %s=", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", ip_s(v[i], ip));
	if (!n)
		fputc('-', f);
}

static void do_show(struct client *c)
{
	struct hmmpd_msctp *ms = c->ms;
	char *buf = NULL, ip[HMMP_ADDRSTRLEN];
	size_t len = 0;
	struct assoc *a, *next;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		reply_err(c, ENOMEM, "out of memory");
		return;
	}
	fputs("ok", f);
	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if (msctp_assoc_gone(a) || (!privileged(c) && a->uid != c->uid))
			continue;
		msctp_assoc_refresh(a);
		fprintf(f, "\nassoc id=%u name=%s rule=%s auto_asconf=%s state=%s port=%u",
			a->id, a->name, hmmpd_sctp_rule_name(a->rule),
			a->wildcard ? "yes" : "no",
			msctp_state_name(msctp_assoc_state(a->fd)), a->lport);
		addr_list(f, "local", a->local, a->nlocal);
		addr_list(f, "peer", a->peer, a->npeer);
		fprintf(f, " peer_port=%u primary=%s handovers=%u primary_changes=%u damped=%u last=%s",
			a->pport, a->primary ? ip_s(a->primary, ip) : "-",
			a->handovers, a->changes, a->damped, a->last);
		if (a->last_ms >= 0)
			fprintf(f, " last_ms=%lld", (long long)a->last_ms);
	}
	if (fclose(f) || len >= HMMP_CTL_MAX) {
		free(buf);
		reply_err(c, E2BIG, "show: the answer does not fit");
		return;
	}
	reply(c, buf);
	free(buf);
}

static void do_primary(struct client *c, const char *args)
{
	struct hmmpd_msctp *ms = c->ms;
	char val[64], out[64], ip[HMMP_ADDRSTRLEN];
	struct assoc *a, *next;
	uint32_t addr, id = 0;
	unsigned int n = 0, refused = 0;

	if (hmmpd_sctp_word(args, "addr", val, sizeof(val)) < 0 ||
	    hmmp_addr_parse(val, &addr)) {
		reply_err(c, EINVAL, "primary: addr=A.B.C.D needed");
		return;
	}
	if (hmmpd_sctp_word(args, "id", val, sizeof(val)) >= 0 &&
	    hmmp_u32_parse(val, 1, UINT32_MAX, &id)) {
		reply_err(c, EINVAL, "primary: id: a number");
		return;
	}
	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if ((id && a->id != id) || msctp_assoc_gone(a))
			continue;
		if (!privileged(c) && a->uid != c->uid) {
			refused++;
			continue;
		}
		msctp_assoc_refresh(a);
		if (!has(a->local, a->nlocal, addr))
			continue;
		if (a->primary == addr) {
			n++;
			continue;
		}
		if (!msctp_set_primary(a, addr, "explicit request"))
			n++;
	}
	hmmpd_log(LOG_INFO, "sctp: control: primary %s%s%s from uid %u: %u associations",
		  ip_s(addr, ip), id ? " id " : "", id ? val : "", (unsigned int)c->uid, n);
	if (!n) {
		if (refused)
			reply_err(c, EPERM, "primary: not your association");
		else
			reply_err(c, EADDRNOTAVAIL, "primary: no registered association%s has the address %s (%u registered)",
				  id ? " of that id" : "", ip, ms->nassocs);
		return;
	}
	snprintf(out, sizeof(out), "ok associations=%u", n);
	reply(c, out);
}

static void do_link(struct client *c, const char *args)
{
	struct hmmpd_msctp *ms = c->ms;
	char ifname[IFNAMSIZ] = "", val[16];
	uint32_t q;
	unsigned int i;

	if (!privileged(c)) {
		reply_err(c, EPERM, "link: root only");
		return;
	}
	if (hmmpd_sctp_word(args, "dev", ifname, IFNAMSIZ) <= 0 ||
	    hmmpd_sctp_word(args, "quality", val, sizeof(val)) < 0 ||
	    hmmp_u32_parse(val, 0, 100, &q)) {
		reply_err(c, EINVAL, "link: dev=IFNAME quality=0..100 needed");
		return;
	}
	for (i = 0; i < ms->nquality; i++)
		if (!strcmp(ms->quality[i].ifname, ifname))
			break;
	if (i == MAX_QUALITY) {
		reply_err(c, ENOSPC, "link: %u interfaces at most", MAX_QUALITY);
		return;
	}
	if (i == ms->nquality) {
		ms->nquality++;
		memcpy(ms->quality[i].ifname, ifname, IFNAMSIZ);
	}
	ms->quality[i].q = (int)q;
	hmmpd_log(LOG_INFO, "sctp: link %s: quality %u (threshold %u)", ifname, q,
		  conf(ms)->quality_threshold);
	reply(c, "ok");
	msctp_eval_link_all(ms);
}

/* ---- the socket: clients and their requests ---------------------------- */

void msctp_client_free(struct client *c)
{
	struct hmmpd_msctp *ms = c->ms;
	struct client **pp;
	struct assoc *a, *next;

	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if (a->ch == c)
			msctp_assoc_free(a, "its channel closed");
	}
	for (pp = &ms->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	sd_event_source_disable_unref(c->src);
	close(c->fd);
	free(c);
}

static int on_client(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct client *c = arg;
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	char *req = malloc(HMMP_CTL_MAX);
	struct iovec iov = { .iov_base = req, .iov_len = HMMP_CTL_MAX - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int pfd = -1, pfd2 = -1;
	ssize_t n;
	char *args;

	(void)s;
	(void)revents;
	if (!req)
		return 0;
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(req);
		return 0;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t k, nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (k = 0; k < nfd; k++) {
				int x;

				memcpy(&x, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
				if (pfd < 0)
					pfd = x;
				else if (pfd2 < 0)
					pfd2 = x;
				else
					close(x);	/* two at most */
			}
		}
	}
	if (n <= 0) {
		if (pfd >= 0)
			close(pfd);
		if (pfd2 >= 0)
			close(pfd2);
		free(req);
		msctp_client_free(c);
		return 0;
	}
	req[n] = '\0';
	args = req + strcspn(req, " ");
	if (*args)
		*args++ = '\0';
	if (!strcmp(req, "register")) {
		do_register(c, args, pfd, pfd2);
		pfd = pfd2 = -1;
	} else if (!strcmp(req, "show")) {
		do_show(c);
	} else if (!strcmp(req, "primary")) {
		do_primary(c, args);
	} else if (!strcmp(req, "link")) {
		do_link(c, args);
	} else {
		reply_err(c, EINVAL, "unknown request '%.32s' (register, show, primary, link)",
			  req);
	}
	if (pfd >= 0)
		close(pfd);
	if (pfd2 >= 0)
		close(pfd2);
	free(req);
	return 0;
}

int msctp_on_accept(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct hmmpd_msctp *ms = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	int cfd, r;

	(void)s;
	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c || getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		free(c);
		close(cfd);
		return 0;
	}
	c->ms = ms;
	c->fd = cfd;
	c->uid = cred.uid;
	r = sd_event_add_io(ms->d->ev, &c->src, cfd, EPOLLIN, on_client, c);
	if (r < 0) {
		hmmpd_log(LOG_ERR, "sctp: control: %s", strerror(-r));
		close(cfd);
		free(c);
		return 0;
	}
	c->next = ms->clients;
	ms->clients = c;
	return 0;
}

int msctp_listen_open(struct hmmpd_msctp *ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *name = conf(ms)->socket;
	size_t n = strlen(name);
	int fd;

	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(name);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) ||
	    (name[0] != '@' && chmod(name, 0666)) || listen(fd, 16)) {
		int e = errno;

		close(fd);
		return -e;
	}
	ms->lfd = fd;
	snprintf(ms->path, sizeof(ms->path), "%s", name);
	return 0;
}
