// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the SIP transports (RFC 3261 section 18, as sip.h describes
 * them): the UDP socket; TCP and SCTP connections, made on demand or
 * accepted, reused, framed, closed when idle or released; sending and
 * receiving on them; STUN on the SIP ports handed to its handler; the
 * flows and raw access of SIP Outbound. A framed SIP message goes on to
 * transaction.c (sip_int_on_message()).
 *
 * SCTP (RFC 4168) is here too: an association is a connection like TCP's,
 * and what differs (one SIP message per send, recvmsg() for the peer's
 * current address, a bound address never "any") is a few branches, too
 * little for a file of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/sctp.h>

#include "sip-int.h"
#include "stun/stun.h"

#ifndef SOL_SCTP
#define SOL_SCTP	132	/* IPPROTO_SCTP, as <netinet/sctp.h> has it */
#endif

#define SIP_MAX_OUTQ	(1u << 20)	/* bytes queued on one connection */
#define TCP_READ_MIN	4096

/* The errno of socket(IPPROTO_SCTP) on a kernel without SCTP. */
static bool no_sctp(int e)
{
	return e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT || e == EAFNOSUPPORT;
}

enum sip_transport sip_transport_for(size_t len, unsigned int mtu)
{
	return len > (mtu ? mtu : SIP_MTU_DEFAULT) ? SIP_TP_TCP : SIP_TP_UDP;
}

/* Our address towards dst: the configured one, else the route's source. */
uint32_t sip_int_local_addr(struct sip *sip, uint32_t dst)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(SIP_PORT_DEFAULT),
		.sin_addr.s_addr = dst,
	};
	socklen_t sl = sizeof(sin);
	int fd;

	if (sip->cfg.addr)
		return sip->cfg.addr;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl))
		sin.sin_addr.s_addr = 0;
	close(fd);
	return sin.sin_addr.s_addr;
}

/* ---- TCP and SCTP connections --------------------------------------- */

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *arg);

struct sip_conn *sip_int_conn_by_id(struct sip *sip, uint64_t id)
{
	struct sip_conn *c;

	for (c = sip->conns; c && id; c = c->next)
		if (c->id == id && !c->dead)
			return c;
	return NULL;
}

/*
 * A connection of transport tp to a; for TCP with src, only one from that
 * address of ours (an SCTP association's addresses change under it).
 */
static struct sip_conn *conn_by_peer(struct sip *sip, enum sip_transport tp,
				     const struct sip_addr *a, uint32_t src)
{
	struct sip_conn *c;

	for (c = sip->conns; c; c = c->next)
		if (!c->dead && c->tp == tp && c->peer.addr == a->addr &&
		    c->peer.port == a->port &&
		    (!src || tp == SIP_TP_SCTP || c->local == src))
			return c;
	return NULL;
}

static unsigned int conn_count(struct sip *sip)
{
	struct sip_conn *c;
	unsigned int n = 0;

	for (c = sip->conns; c; c = c->next)
		n += !c->dead;
	return n;
}

static void conn_flow(const struct sip_conn *c, struct sip_flow *f)
{
	f->tp = c->tp;
	f->local.addr = c->local;
	f->local.port = c->lport;
	f->peer = c->peer;
	f->conn_id = c->id;
}

/* TCP to the conn handler, SCTP (with its socket) to the SCTP one. */
static void conn_notify(struct sip_conn *c, bool up)
{
	struct sip_flow f;

	conn_flow(c, &f);
	if (c->tp == SIP_TP_SCTP) {
		if (c->sip->sctp_fn)
			c->sip->sctp_fn(c->sip, &f, up ? c->fd : -1,
					c->sip->sctp_data);
		return;
	}
	if (c->sip->conn_fn)
		c->sip->conn_fn(c->sip, &f, up, c->sip->conn_data);
}

void sip_int_conn_close(struct sip_conn *c, int err)
{
	struct sip *sip = c->sip;
	struct sip_client *cl;
	char ip[INET_ADDRSTRLEN];

	if (c->dead)
		return;
	c->dead = true;
	sip->stats.tcp_closed++;
	sip_int_addr_str(c->peer.addr, ip);
	sip_int_log(sip, err ? LOG_INFO : LOG_DEBUG, "%s %s:%u closed%s%s",
		    sip_int_tp_name(c->tp), ip, c->peer.port, err ? ": " : "",
		    err ? strerror(err) : "");
	c->io = sd_event_source_disable_unref(c->io);
	close(c->fd);
	c->fd = -1;
	/* requests still waiting on it fail (RFC 3261 8.1.3.1) */
	for (cl = sip->clients; cl; cl = cl->next)
		if (!cl->reported && cl->tp == c->tp && cl->conn_id == c->id)
			sip_int_client_failed(sip, cl, err ? err : ECONNRESET);
	conn_notify(c, false);
}

static int conn_events(struct sip_conn *c)
{
	uint32_t ev = EPOLLIN;

	if (c->connecting || c->out_off < c->out_len)
		ev |= EPOLLOUT;
	return sd_event_source_set_io_events(c->io, ev);
}

static struct sip_conn *conn_new(struct sip *sip, int fd,
				 enum sip_transport tp,
				 const struct sip_addr *peer, bool inbound,
				 bool connecting)
{
	struct sip_conn *c = calloc(1, sizeof(*c));
	struct sockaddr_in me;
	socklen_t sl = sizeof(me);
	int one = 1;

	if (!c) {
		close(fd);
		return NULL;
	}
	c->sip = sip;
	c->fd = fd;
	c->tp = tp;
	c->peer = *peer;
	/* chosen by connect() already, even while it is in progress */
	if (!getsockname(fd, (struct sockaddr *)&me, &sl)) {
		c->local = me.sin_addr.s_addr;
		c->lport = ntohs(me.sin_port);
	}
	c->inbound = inbound;
	c->connecting = connecting;
	c->id = ++sip->conn_ids;
	c->last_usec = sip_int_now(sip);
	if (tp == SIP_TP_SCTP)
		setsockopt(fd, SOL_SCTP, SCTP_NODELAY, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sd_event_add_io(sip->ev, &c->io, fd,
			    EPOLLIN | (connecting ? EPOLLOUT : 0), on_conn, c) < 0) {
		close(fd);
		free(c);
		return NULL;
	}
	c->next = sip->conns;
	sip->conns = c;
	return c;
}

/*
 * SCTP: bound to one address of ours (src, else the route's), never to
 * any: ADDIP (msctp.c) moves it by adding and deleting addresses.
 */
static int conn_connect(struct sip *sip, enum sip_transport tp,
			const struct sip_addr *dst, uint32_t src,
			struct sip_conn **out)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = src ? src : sip->cfg.addr,
	};
	char ip[INET_ADDRSTRLEN];
	bool pending = false;
	int fd, e;

	if (conn_count(sip) >= SIP_MAX_CONNS)
		return -EMFILE;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    tp == SIP_TP_SCTP ? IPPROTO_SCTP : 0);
	if (fd < 0) {
		e = errno;
		if (tp == SIP_TP_SCTP && no_sctp(e))
			sip_int_log(sip, LOG_ERR, "sctp: this kernel has no SCTP (%s): no SIP over SCTP (modprobe sctp)",
				    strerror(e));
		return -e;
	}
	if (tp == SIP_TP_SCTP && !sin.sin_addr.s_addr)
		sin.sin_addr.s_addr = sip_int_local_addr(sip, dst->addr);
	if (sin.sin_addr.s_addr && bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		goto err;
	sin.sin_addr.s_addr = dst->addr;
	sin.sin_port = htons(dst->port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		if (errno != EINPROGRESS)
			goto err;
		pending = true;
	}
	*out = conn_new(sip, fd, tp, dst, false, pending);
	if (!*out)
		return -ENOMEM;
	sip_int_addr_str(dst->addr, ip);
	sip_int_log(sip, LOG_DEBUG, "%s %s:%u connecting", sip_int_tp_name(tp),
		    ip, dst->port);
	if (!pending)
		sip->stats.tcp_connected++;
	return 0;
err:
	e = errno;
	close(fd);
	return -e;
}

/*
 * SCTP: one send per framed message, so that each SIP message is one SCTP
 * message (RFC 4168 section 5); SCTP sends a message whole or not at all.
 */
static size_t out_chunk(const struct sip_conn *c)
{
	size_t left = c->out_len - c->out_off, n = left;

	if (c->tp == SIP_TP_SCTP &&
	    sip_frame(c->out + c->out_off, left, true, &n) == SIP_FRAME_MORE)
		n = left;
	return n && n <= left ? n : left;
}

static int conn_flush(struct sip_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, out_chunk(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->out_off += (size_t)n;
		c->last_usec = sip_int_now(c->sip);
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	return conn_events(c);
}

/* Queues len bytes; on failure the connection is closed. */
static int conn_send(struct sip_conn *c, const char *buf, size_t len)
{
	size_t pending = c->out_len - c->out_off;
	int r;

	if (pending + len > SIP_MAX_OUTQ)
		return -ENOBUFS;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : TCP_READ_MIN;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	if (c->connecting)
		return 0;
	r = conn_flush(c);
	if (r < 0)
		sip_int_conn_close(c, -r);
	return r < 0 ? r : 0;
}

/* ---- sending -------------------------------------------------------- */

/* A datagram from a chosen source address (IP_PKTINFO). */
static ssize_t send_from(int fd, const char *buf, size_t len,
			 const struct sockaddr_in *to, uint32_t src)
{
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = (void *)to, .msg_namelen = sizeof(*to),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.b, .msg_controllen = sizeof(u.b),
	};
	struct in_pktinfo pi = { .ipi_spec_dst.s_addr = src };
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	return sendmsg(fd, &mh, MSG_DONTWAIT);
}

/*
 * One message out. UDP: to dst (from src when not 0). TCP: on connection
 * *conn_id when it is alive, else on any to dst (from src), else a new
 * one; *conn_id says which.
 */
int sip_int_send(struct sip *sip, enum sip_transport tp,
		 const struct sip_addr *dst, uint32_t src,
		 uint64_t *conn_id, const char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	int r = 0;

	sip_int_addr_str(dst->addr, ip);
	if (tp == SIP_TP_UDP) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_port = htons(dst->port),
			.sin_addr.s_addr = dst->addr,
		};

		if ((src ? send_from(sip->udp_fd, buf, len, &sin, src)
			 : sendto(sip->udp_fd, buf, len, MSG_DONTWAIT,
				  (struct sockaddr *)&sin, sizeof(sin))) < 0) {
			r = -errno;
			/* a full queue loses a datagram, as the network may */
			if (r == -EAGAIN || r == -ENOBUFS)
				r = 0;
		}
	} else {
		struct sip_conn *c = sip_int_conn_by_id(sip, *conn_id);

		if (!c)
			c = conn_by_peer(sip, tp, dst, src);
		if (!c) {
			r = conn_connect(sip, tp, dst, src, &c);
			if (!r && !c->connecting)
				conn_notify(c, true);
		}
		if (!r && c->dead)
			r = -ECONNRESET;
		if (!r) {
			*conn_id = c->id;
			r = conn_send(c, buf, len);
		}
	}
	if (r) {
		sip->stats.tx_errors++;
		sip_int_log(sip, LOG_INFO, "sending to %s:%u/%s: %s", ip,
			    dst->port, sip_int_tp_name(tp), strerror(-r));
		return r;
	}
	sip->stats.tx_msgs++;
	sip_int_log(sip, LOG_DEBUG, "sent %zu bytes to %s:%u/%s", len, ip,
		    dst->port, sip_int_tp_name(tp));
	return 0;
}

/* ---- receiving ------------------------------------------------------ */

static void flow_of(struct sip *sip, const struct sip_conn *c,
		    const struct sip_addr *src, struct sip_flow *f)
{
	if (c) {
		conn_flow(c, f);
		return;
	}
	f->tp = SIP_TP_UDP;
	f->local.addr = sip->rx_local ? sip->rx_local : sip->cfg.addr;
	f->local.port = sip->udp_port;
	f->peer = *src;
	f->conn_id = 0;
}

/* STUN on a SIP port (RFC 5626 section 8): to its handler, if any. */
static void on_stun(struct sip *sip, struct sip_conn *c,
		    const struct sip_addr *src, const char *buf, size_t len)
{
	struct sip_flow f;

	sip->stats.rx_stun++;
	if (!sip->stun_fn)
		return;
	flow_of(sip, c, src, &f);
	sip->stun_fn(sip, &f, (const uint8_t *)buf, len, sip->stun_data);
}

/* A SIP message its raw handler takes (true) or leaves to osip2. */
static bool on_raw(struct sip *sip, struct sip_conn *c,
		   const struct sip_addr *src, const char *buf, size_t len)
{
	struct sip_flow f;

	if (!sip->raw_fn)
		return false;
	flow_of(sip, c, src, &f);
	return sip->raw_fn(sip, &f, buf, len, sip->raw_data);
}

/*
 * A datagram, its source, and the local address it came to (the one to
 * answer from: IP_PKTINFO's ipi_spec_dst; 0 without the option).
 */
static ssize_t recv_to(int fd, char *buf, size_t size,
		       struct sockaddr_in *from, uint32_t *local)
{
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_name = from, .msg_namelen = sizeof(*from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.b, .msg_controllen = sizeof(u.b),
	};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	*local = 0;
	if (n < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		struct in_pktinfo pi;

		if (cm->cmsg_level != IPPROTO_IP || cm->cmsg_type != IP_PKTINFO ||
		    cm->cmsg_len < CMSG_LEN(sizeof(pi)))
			continue;
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		*local = pi.ipi_spec_dst.s_addr;
	}
	return n;
}

static int on_udp(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	struct sip *sip = arg;
	int i;

	(void)es;
	(void)revents;
	for (i = 0; i < 64; i++) {	/* a batch, then the others' turn */
		struct sockaddr_in sin;
		struct sip_addr src;
		ssize_t n = recv_to(fd, sip->rx, sizeof(sip->rx), &sin,
				    &sip->rx_local);
		size_t len;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				sip_int_log(sip, LOG_WARNING, "udp: %s", strerror(errno));
			break;
		}
		src.addr = sin.sin_addr.s_addr;
		src.port = ntohs(sin.sin_port);
		if (stun_is_stun((const uint8_t *)sip->rx, (size_t)n)) {
			on_stun(sip, NULL, &src, sip->rx, (size_t)n);
			continue;
		}
		switch (sip_frame(sip->rx, (size_t)n, false, &len)) {
		case SIP_FRAME_MSG:
			if (!on_raw(sip, NULL, &src, sip->rx, len))
				sip_int_on_message(sip, sip->rx, len, &src,
						   SIP_TP_UDP, NULL);
			break;
		case SIP_FRAME_SKIP:
		case SIP_FRAME_PING:
			break;
		default:
			sip->stats.rx_malformed++;
			sip_int_log(sip, LOG_INFO,
				    "unframeable datagram dropped");
			break;
		}
		sip->rx_local = 0;
	}
	sip_int_run(sip, true);
	return 0;
}

/* Frames and handles what the connection buffered. */
static void conn_input(struct sip_conn *c)
{
	struct sip *sip = c->sip;
	size_t off = 0, n;

	while (!c->dead && off < c->in_len) {
		enum sip_frame f;
		int r;

		/*
		 * STUN and SIP share the stream (RFC 5626 4.4.1): a message
		 * whose first byte is 0-3 is STUN (RFC 7983), framed by its
		 * header's length; SIP starts with a letter, CR or LF.
		 */
		if ((uint8_t)c->in[off] <= 3) {
			r = stun_frame((const uint8_t *)c->in + off,
				       c->in_len - off, SIP_MAX_MSG, &n);
			if (!r)
				break;
			if (r < 0) {
				sip->stats.rx_malformed++;
				sip_int_conn_close(c, EPROTO);
				return;
			}
			on_stun(sip, c, &c->peer, c->in + off, n);
			off += n;
			continue;
		}
		f = sip_frame(c->in + off, c->in_len - off, true, &n);
		if (f == SIP_FRAME_MORE)
			break;
		if (f == SIP_FRAME_BAD) {
			sip->stats.rx_malformed++;
			sip_int_conn_close(c, EPROTO);
			return;
		}
		if (f == SIP_FRAME_PING)
			conn_send(c, "\r\n", 2);
		else if (f == SIP_FRAME_MSG &&
			 !on_raw(sip, c, &c->peer, c->in + off, n))
			sip_int_on_message(sip, c->in + off, n, &c->peer, c->tp,
					   c);
		off += n;
	}
	if (c->dead)
		return;
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

/*
 * recv(); SCTP: recvmsg(), for the address the message came from (the
 * association's peer may have moved) and to skip notifications (someone
 * holding a duplicate of the socket may subscribe to them): -2.
 */
static ssize_t conn_recv(struct sip_conn *c)
{
	struct sockaddr_in sin;
	struct iovec iov = {
		.iov_base = c->in + c->in_len, .iov_len = c->in_cap - c->in_len,
	};
	struct msghdr mh = {
		.msg_name = &sin, .msg_namelen = sizeof(sin),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	if (c->tp != SIP_TP_SCTP)
		return recv(c->fd, iov.iov_base, iov.iov_len, MSG_DONTWAIT);
	memset(&sin, 0, sizeof(sin));
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT);
	if (n > 0 && (mh.msg_flags & MSG_NOTIFICATION))
		return -2;
	if (n > 0 && mh.msg_namelen >= sizeof(sin) &&
	    sin.sin_family == AF_INET && sin.sin_addr.s_addr)
		c->peer.addr = sin.sin_addr.s_addr;
	return n;
}

static void conn_read(struct sip_conn *c)
{
	int i;

	for (i = 0; i < 16 && !c->dead; i++) {
		ssize_t n;

		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? 2 * c->in_cap : TCP_READ_MIN;
			char *p;

			if (cap > SIP_MAX_MSG + 1)
				cap = SIP_MAX_MSG + 1;
			if (cap == c->in_cap) {	/* framing forbids this */
				sip_int_conn_close(c, EMSGSIZE);
				return;
			}
			p = realloc(c->in, cap);
			if (!p) {
				sip_int_conn_close(c, ENOMEM);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = conn_recv(c);
		if (n == -2)
			continue;	/* an SCTP notification */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				sip_int_conn_close(c, errno);
			return;
		}
		if (!n) {
			sip_int_conn_close(c, c->in_len ? EPROTO : 0);
			return;
		}
		c->in_len += (size_t)n;
		c->last_usec = sip_int_now(c->sip);
		conn_input(c);
	}
}

static int on_conn(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	struct sip_conn *c = arg;
	struct sip *sip = c->sip;

	(void)es;
	if (c->connecting) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl))
			err = errno;
		if (err) {
			sip_int_conn_close(c, err);
			goto out;
		}
		if (!(revents & EPOLLOUT))
			goto out;
		c->connecting = false;
		sip->stats.tcp_connected++;
		c->last_usec = sip_int_now(sip);
		conn_notify(c, true);
		if (c->dead)
			goto out;
	}
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(c);
	if (!c->dead && (revents & EPOLLOUT)) {
		int r = conn_flush(c);

		if (r < 0)
			sip_int_conn_close(c, -r);
	}
out:
	sip_int_run(sip, true);
	return 0;
}

static void accept_on(struct sip *sip, int fd, enum sip_transport tp)
{
	int i;

	for (i = 0; i < 16; i++) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		struct sip_addr peer;
		char ip[INET_ADDRSTRLEN];
		int cfd = accept4(fd, (struct sockaddr *)&sin, &sl,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				sip_int_log(sip, LOG_WARNING, "accept: %s", strerror(errno));
			break;
		}
		peer.addr = sin.sin_addr.s_addr;
		peer.port = ntohs(sin.sin_port);
		sip_int_addr_str(peer.addr, ip);
		if (conn_count(sip) >= SIP_MAX_CONNS) {
			sip_int_log(sip, LOG_WARNING,
				    "%s %s:%u refused: %u connections",
				    sip_int_tp_name(tp), ip, peer.port,
				    SIP_MAX_CONNS);
			close(cfd);
			continue;
		}
		struct sip_conn *c = conn_new(sip, cfd, tp, &peer, true, false);

		if (c) {
			sip->stats.tcp_accepted++;
			sip_int_log(sip, LOG_DEBUG, "%s %s:%u accepted", sip_int_tp_name(tp), ip,
				    peer.port);
			conn_notify(c, true);
		}
	}
	sip_int_rearm(sip);
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	(void)es;
	(void)revents;
	accept_on(arg, fd, SIP_TP_TCP);
	return 0;
}

static int on_accept_sctp(sd_event_source *es, int fd, uint32_t revents,
			  void *arg)
{
	(void)es;
	(void)revents;
	accept_on(arg, fd, SIP_TP_SCTP);
	return 0;
}

/* ---- the API -------------------------------------------------------- */

int sip_send_raw(struct sip *sip, const struct sip_flow *flow,
		 const void *buf, size_t len)
{
	struct sip_conn *c;
	uint64_t id;
	int r;

	if (flow->tp == SIP_TP_UDP) {
		id = 0;
		r = sip_int_send(sip, SIP_TP_UDP, &flow->peer,
				 flow->local.addr, &id, buf, len);
	} else {
		c = sip_int_conn_by_id(sip, flow->conn_id);
		r = c ? conn_send(c, buf, len) : -ENOTCONN;
		if (!r)
			sip->stats.tx_msgs++;
	}
	sip_int_rearm(sip);
	return r;
}

int sip_tcp_open(struct sip *sip, const struct sip_addr *dst, uint32_t src,
		 uint64_t *conn_id)
{
	struct sip_conn *c;
	int r = conn_connect(sip, SIP_TP_TCP, dst, src, &c);

	if (!r) {
		/* the id first: the handler may be looking for it */
		*conn_id = c->id;
		if (!c->connecting)
			conn_notify(c, true);
	}
	sip_int_rearm(sip);
	return r;
}

void sip_tcp_release(struct sip *sip, uint64_t conn_id)
{
	struct sip_conn *c = sip_int_conn_by_id(sip, conn_id);

	if (!c)
		return;
	c->released = true;
	sip_int_housekeeping(sip);
	sip_int_run(sip, false);
}

bool sip_tcp_find(struct sip *sip, const struct sip_addr *local,
		  const struct sip_addr *peer, struct sip_flow *flow)
{
	struct sip_conn *c;

	for (c = sip->conns; c; c = c->next)
		if (!c->dead && !c->connecting && c->tp == SIP_TP_TCP &&
		    c->peer.addr == peer->addr &&
		    (!peer->port || c->peer.port == peer->port) &&
		    (!local || (c->local == local->addr &&
				c->lport == local->port))) {
			conn_flow(c, flow);
			return true;
		}
	return false;
}

/* ---- listening ------------------------------------------------------ */

static int bind_sock(struct sip *sip, int type, int proto, uint16_t port,
		     uint16_t *bound)
{
	const char *name = proto == IPPROTO_SCTP ? "sctp" :
			   type == SOCK_STREAM ? "tcp" : "udp";
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = sip->cfg.addr,
	};
	socklen_t sl = sizeof(sin);
	char ip[INET_ADDRSTRLEN];
	int fd, one = 1, e;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		e = errno;
		if (proto == IPPROTO_SCTP && no_sctp(e))
			sip_int_log(sip, LOG_ERR, "cannot listen on SIP sctp: this kernel has no SCTP (%s): load it (modprobe sctp) or drop sctp: from listen in [sip]",
				    strerror(e));
		else
			sip_int_log(sip, LOG_ERR,
				    "cannot open a SIP %s socket: %s", name,
				    strerror(e));
		return -e;
	}
	/* TCP only: UDP would let a second daemon share the port */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* UDP: where each datagram came to, to answer from there */
	else if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
		sip_int_log(sip, LOG_WARNING, "udp: IP_PKTINFO: %s (answers leave from the route's address)",
			    strerror(errno));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    (type == SOCK_STREAM && listen(fd, 64)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl)) {
		e = errno;
		close(fd);
		sip_int_addr_str(sip->cfg.addr, ip);
		sip_int_log(sip, LOG_ERR, "cannot bind SIP %s %s:%u: %s", name,
			    ip, port, strerror(e));
		return -e;
	}
	*bound = ntohs(sin.sin_port);
	return fd;
}

/*
 * The listening sockets (UDP, TCP, and SCTP with cfg.sctp) and their
 * sources, for sip_new(): 0, or -errno (logged). sip_free() closes them.
 */
int sip_int_transport_open(struct sip *sip)
{
	const struct sip_config *cfg = &sip->cfg;
	int r;

	r = bind_sock(sip, SOCK_DGRAM, 0, cfg->udp_port, &sip->udp_port);
	if (r < 0)
		return r;
	sip->udp_fd = r;
	r = bind_sock(sip, SOCK_STREAM, 0, cfg->tcp_port, &sip->tcp_port);
	if (r < 0)
		return r;
	sip->tcp_fd = r;
	if (cfg->sctp) {
		r = bind_sock(sip, SOCK_STREAM, IPPROTO_SCTP, cfg->sctp_port,
			      &sip->sctp_port);
		if (r < 0)
			return r;
		sip->sctp_fd = r;
		r = sd_event_add_io(sip->ev, &sip->sctp_src, sip->sctp_fd,
				    EPOLLIN, on_accept_sctp, sip);
		if (r < 0) {
			sip_int_log(sip, LOG_ERR, "sd-event: %s", strerror(-r));
			return r;
		}
	}
	r = sd_event_add_io(sip->ev, &sip->udp_src, sip->udp_fd, EPOLLIN,
			    on_udp, sip);
	if (r >= 0)
		r = sd_event_add_io(sip->ev, &sip->tcp_src, sip->tcp_fd,
				    EPOLLIN, on_accept, sip);
	if (r < 0) {
		sip_int_log(sip, LOG_ERR, "sd-event: %s", strerror(-r));
		return r;
	}
	return 0;
}
