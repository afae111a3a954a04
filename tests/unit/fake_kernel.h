/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake generic netlink peer for unit tests, in the test process.
 *
 * fk_setup() gives a struct hmmp_nl whose socket is never connected: libnl's
 * send and receive are overridden (nl_cb_overwrite_send/recv), so every
 * request the code under test sends lands in fk_send(), which answers it
 * like the kernel would, into a queue that fk_recv() hands back to libnl one
 * datagram at a time.
 *
 *  - The controller (GENL_ID_CTRL, CTRL_CMD_GETFAMILY) knows "nlctrl"
 *    (group "notify") and, when fk.family_present, "hmmp" with the id
 *    FK_FAMILY and the group "events" = FK_EVENTS_GRP; any other name gets
 *    ENOENT, as from the real controller. fk.ctrl_errno makes it fail.
 *  - Requests to FK_FAMILY go to fk.handler (the test's kernel), which
 *    queues the reply with fk_reply()/fk_ack()/fk_done(). fk_setup()
 *    installs one that only ACKs; with none, nothing answers.
 *  - Multicast messages queued with fk_mcast() are delivered once the code
 *    has joined their group (nl->join is replaced by fk_join()).
 *  - fk.req is a copy of the last request to FK_FAMILY.
 */
#ifndef HMMP_FAKE_KERNEL_H
#define HMMP_FAKE_KERNEL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>

#include <uapi/linux/hmmp.h>

#include "nl.h"

#define FK_FAMILY	0x21
#define FK_EVENTS_GRP	9
#define FK_NOTIFY_GRP	0x10
#define FK_MAXQ		256

struct fk_dgram {
	unsigned char *buf;
	int len;		/* < 0: recv returns this libnl error */
	int group;		/* multicast: waits for a join */
};

struct fake_kernel {
	bool family_present;
	int family_version;
	int ctrl_errno;			/* controller fails with this */
	bool ctrl_no_id;		/* controller reply without an id */
	int join_err;			/* fk_join returns this */
	void (*handler)(const struct nlmsghdr *req);
	struct nlmsghdr *req;		/* last request to FK_FAMILY */
	int nreq;			/* requests to FK_FAMILY */
	int nctrl;			/* requests to the controller */
	int joined[8];
	int njoined;
	struct fk_dgram q[FK_MAXQ];	/* to the code under test */
	int qh, qt;
	struct fk_dgram mc[FK_MAXQ];	/* multicast not yet joined */
	int nmc;
};

static struct fake_kernel fk;

static bool fk_joined(int group)
{
	int i;

	for (i = 0; i < fk.njoined; i++)
		if (fk.joined[i] == group)
			return true;
	return false;
}

/* Multicast to a group not joined yet waits in fk.mc. */
static void fk_push(const struct nlmsghdr *nlh, int group)
{
	struct fk_dgram *d;

	if (group && !fk_joined(group))
		d = &fk.mc[fk.nmc++];
	else
		d = &fk.q[fk.qt++];
	if (fk.qt > FK_MAXQ || fk.nmc > FK_MAXQ)
		abort();
	d->len = (int)nlh->nlmsg_len;
	d->buf = malloc(nlh->nlmsg_len);
	if (!d->buf)
		abort();
	memcpy(d->buf, nlh, nlh->nlmsg_len);
	d->group = group;
}

/*
 * Queue a libnl error for a receive (e.g. -NLE_NOMEM, what ENOBUFS becomes):
 * now, or among the messages of a group not joined yet.
 */
static inline void fk_mcast_error(int nle, int group)
{
	struct fk_dgram *d;

	if (group && !fk_joined(group))
		d = &fk.mc[fk.nmc++];
	else
		d = &fk.q[fk.qt++];
	if (fk.qt > FK_MAXQ || fk.nmc > FK_MAXQ)
		abort();
	d->buf = NULL;
	d->len = nle;
	d->group = group;
}

static inline void fk_push_error(int nle)
{
	fk_mcast_error(nle, 0);
}

/* A generic netlink message answering req (or an event when req is NULL). */
static inline struct nl_msg *fk_msg(const struct nlmsghdr *req, int type,
				    uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, req ? req->nlmsg_pid : 0,
			       req ? req->nlmsg_seq : 0, type, 0, flags, cmd, 1))
		abort();
	return m;
}

/* Queue m (freed) to be received; group != 0 makes it multicast. */
static inline void fk_send_msg(struct nl_msg *m, int group)
{
	fk_push(nlmsg_hdr(m), group);
	nlmsg_free(m);
}

static inline void fk_reply(struct nl_msg *m)
{
	fk_send_msg(m, 0);
}

static inline void fk_mcast(struct nl_msg *m, int group)
{
	fk_send_msg(m, group);
}

/* NLMSG_ERROR for req: err 0 is an ACK; extack adds the kernel's text. */
static inline void fk_ack(const struct nlmsghdr *req, int err,
			  const char *extack)
{
	struct nl_msg *m;
	struct nlmsgerr e;
	int flags = NLM_F_CAPPED | (extack ? NLM_F_ACK_TLVS : 0);

	m = nlmsg_alloc_simple(NLMSG_ERROR, flags);
	if (!m)
		abort();
	nlmsg_hdr(m)->nlmsg_seq = req->nlmsg_seq;
	nlmsg_hdr(m)->nlmsg_pid = req->nlmsg_pid;
	memset(&e, 0, sizeof(e));
	e.error = -err;
	e.msg = *req;
	if (nlmsg_append(m, &e, sizeof(e), NLMSG_ALIGNTO) < 0 ||
	    (extack && nla_put_string(m, NLMSGERR_ATTR_MSG, extack) < 0))
		abort();
	fk_reply(m);
}

/* NLMSG_DONE ending a dump. */
static inline void fk_done(const struct nlmsghdr *req)
{
	struct nl_msg *m = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
	int zero = 0;

	if (!m)
		abort();
	nlmsg_hdr(m)->nlmsg_seq = req->nlmsg_seq;
	nlmsg_hdr(m)->nlmsg_pid = req->nlmsg_pid;
	if (nlmsg_append(m, &zero, sizeof(zero), NLMSG_ALIGNTO) < 0)
		abort();
	fk_reply(m);
}

static inline void fk_put_family(struct nl_msg *m, const char *name, int id,
				 const char *grp, int grp_id)
{
	struct nlattr *groups, *g;

	if (nla_put_string(m, CTRL_ATTR_FAMILY_NAME, name) ||
	    (!fk.ctrl_no_id && nla_put_u16(m, CTRL_ATTR_FAMILY_ID, (uint16_t)id)) ||
	    nla_put_u32(m, CTRL_ATTR_VERSION, (uint32_t)fk.family_version))
		abort();
	groups = nla_nest_start(m, CTRL_ATTR_MCAST_GROUPS);
	g = nla_nest_start(m, 1);
	if (!groups || !g || nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME, grp) ||
	    nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, (uint32_t)grp_id))
		abort();
	nla_nest_end(m, g);
	nla_nest_end(m, groups);
}

static void fk_ctrl(const struct nlmsghdr *req)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const char *name;
	struct nl_msg *m;

	fk.nctrl++;
	if (fk.ctrl_errno) {
		fk_ack(req, fk.ctrl_errno, NULL);
		return;
	}
	if (genlmsg_parse((struct nlmsghdr *)req, 0, tb, CTRL_ATTR_MAX, NULL) ||
	    !tb[CTRL_ATTR_FAMILY_NAME]) {
		fk_ack(req, EINVAL, NULL);
		return;
	}
	name = nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]);
	if (!strcmp(name, "nlctrl")) {
		m = fk_msg(req, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 0);
		fk_put_family(m, "nlctrl", GENL_ID_CTRL, "notify", FK_NOTIFY_GRP);
	} else if (!strcmp(name, HMMP_GENL_NAME) && fk.family_present) {
		m = fk_msg(req, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 0);
		fk_put_family(m, HMMP_GENL_NAME, FK_FAMILY, HMMP_MCGRP_EVENTS,
			      FK_EVENTS_GRP);
	} else {
		fk_ack(req, ENOENT, NULL);
		return;
	}
	fk_reply(m);
	fk_ack(req, 0, NULL);
}

static int fk_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	(void)sk;
	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		fk_ctrl(nlh);
	} else {
		fk.nreq++;
		free(fk.req);
		fk.req = malloc(nlh->nlmsg_len);
		if (!fk.req)
			abort();
		memcpy(fk.req, nlh, nlh->nlmsg_len);
		if (nlh->nlmsg_type != FK_FAMILY)
			fk_ack(nlh, ENOENT, NULL);
		else if (fk.handler)
			fk.handler(nlh);	/* queues its answer */
	}
	return (int)nlh->nlmsg_len;
}

static int fk_recv(struct nl_sock *sk, struct sockaddr_nl *nla,
		   unsigned char **buf, struct ucred **creds)
{
	struct fk_dgram *d;

	(void)sk;
	(void)creds;
	if (fk.qh == fk.qt)
		return 0;
	d = &fk.q[fk.qh++];
	if (d->len < 0)
		return d->len;
	nla->nl_family = AF_NETLINK;
	*buf = d->buf;		/* libnl frees it */
	d->buf = NULL;
	return d->len;
}

static int fk_join(struct nl_sock *sk, int group)
{
	int i, n = 0;

	(void)sk;
	if (fk.join_err)
		return fk.join_err;
	if (fk.njoined >= (int)(sizeof(fk.joined) / sizeof(fk.joined[0])))
		abort();
	fk.joined[fk.njoined++] = group;
	/* deliver what waited for this group, in order */
	for (i = 0; i < fk.nmc; i++) {
		if (fk.mc[i].group == group) {
			if (fk.qt >= FK_MAXQ)
				abort();
			fk.q[fk.qt++] = fk.mc[i];
		} else {
			fk.mc[n++] = fk.mc[i];
		}
	}
	fk.nmc = n;
	return 0;
}

/* Without a handler, requests to FK_FAMILY are simply ACKed. */
static void fk_default_handler(const struct nlmsghdr *req)
{
	fk_ack(req, 0, NULL);
}

static inline void fk_setup(struct hmmp_nl *nl)
{
	struct nl_cb *cb;

	memset(&fk, 0, sizeof(fk));
	fk.family_present = true;
	fk.family_version = HMMP_GENL_VERSION;
	fk.handler = fk_default_handler;
	if (hmmp_nl_init(nl))
		abort();
	cb = nl_socket_get_cb(nl->sk);
	nl_cb_overwrite_send(cb, fk_send);
	nl_cb_overwrite_recv(cb, fk_recv);
	nl_cb_put(cb);
	nl->join = fk_join;
}

/* Datagrams not consumed by the code under test. */
static inline int fk_pending(void)
{
	return fk.qt - fk.qh;
}

static inline void fk_teardown(struct hmmp_nl *nl)
{
	int i;

	hmmp_nl_close(nl);
	for (i = fk.qh; i < fk.qt; i++)
		free(fk.q[i].buf);
	for (i = 0; i < fk.nmc; i++)
		free(fk.mc[i].buf);
	free(fk.req);
	memset(&fk, 0, sizeof(fk));
}

/* The attributes of the last request to FK_FAMILY. */
static inline int fk_req_parse(struct nlattr *tb[HMMP_A_MAX + 1])
{
	return genlmsg_parse(fk.req, 0, tb, HMMP_A_MAX, NULL);
}

static inline int fk_req_cmd(void)
{
	return ((struct genlmsghdr *)nlmsg_data(fk.req))->cmd;
}

#endif /* HMMP_FAKE_KERNEL_H */
