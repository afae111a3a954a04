// SPDX-License-Identifier: GPL-2.0
/*
 * hmmp userspace: generic netlink helpers on libnl-3 (see nl.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>

#include <uapi/linux/hmmp.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static void set_msg(struct hmmp_nl *nl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_msg(struct hmmp_nl *nl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->msg, sizeof(nl->msg), fmt, ap);
	va_end(ap);
}

int hmmp_nl_errno_exit(int err)
{
	return err == EPERM || err == EACCES ? HMMP_EXIT_PERM : HMMP_EXIT_KERNEL;
}

int hmmp_nl_fail_errno(struct hmmp_nl *nl, int err, const char *extack)
{
	int code = hmmp_nl_errno_exit(err);

	if (err < 0)
		err = -err;
	nl->err = err;
	if (code == HMMP_EXIT_PERM)
		set_msg(nl, "%s", HMMP_MSG_PERM);
	else if (extack && *extack)
		set_msg(nl, "%s: %s", strerror(err), extack);
	else if (err == EOPNOTSUPP)
		set_msg(nl, "%s: the loaded hmmp.ko does not implement this command",
			strerror(err));
	else
		set_msg(nl, "%s", strerror(err));
	return code;
}

int hmmp_nl_fail_nle(struct hmmp_nl *nl, int nle)
{
	if (nle < 0)
		nle = -nle;
	if (nle == NLE_PERM || nle == NLE_NOACCESS) {
		set_msg(nl, "%s", HMMP_MSG_PERM);
		return HMMP_EXIT_PERM;
	}
	set_msg(nl, "netlink: %s", nl_geterror(nle));
	return HMMP_EXIT_KERNEL;
}

static int default_join(struct nl_sock *sk, int group)
{
	return nl_socket_add_membership(sk, group);
}

int hmmp_nl_init(struct hmmp_nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	nl->join = default_join;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		set_msg(nl, "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	return HMMP_EXIT_OK;
}

int hmmp_nl_connect(struct hmmp_nl *nl)
{
	int one = 1, err;

	err = genl_connect(nl->sk);
	if (err < 0) {
		if (-err == NLE_PERM || -err == NLE_NOACCESS)
			return hmmp_nl_fail_nle(nl, err);
		set_msg(nl, "cannot open a generic netlink socket: %s",
			nl_geterror(err));
		return HMMP_EXIT_KERNEL;
	}
	/*
	 * Extended ACKs carry the kernel's explanation of an error; a capped
	 * ACK does not echo our request back. Both are optional: an old
	 * kernel that lacks them still works.
	 */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	return HMMP_EXIT_OK;
}

void hmmp_nl_close(struct hmmp_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

size_t hmmp_nl_extack(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	const struct nlmsgerr *e;
	const struct nlattr *a;
	size_t off;
	int rem;

	if (len)
		buf[0] = '\0';
	if (nlh->nlmsg_type != NLMSG_ERROR || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return 0;
	e = NLMSG_DATA(nlh);
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		/* the request came back too: skip it */
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return 0;
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (off >= nlh->nlmsg_len)
		return 0;
	a = (const struct nlattr *)((const char *)nlh + off);
	rem = (int)(nlh->nlmsg_len - off);
	for (; nla_ok(a, rem); a = nla_next(a, &rem)) {
		const char *s = nla_data(a);
		size_t n;

		if (nla_type(a) != NLMSGERR_ATTR_MSG || !len)
			continue;
		n = strnlen(s, (size_t)nla_len(a));
		if (n >= len)
			n = len - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		return n;
	}
	return 0;
}

struct talk {
	hmmp_nl_reply_fn fn;
	void *arg;
	bool done;
	int kerr;		/* errno from the kernel */
	int cberr;		/* first failure of fn */
	char extack[256];
};

static int talk_valid(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;
	int err;

	if (!t->fn || t->cberr)
		return NL_SKIP;
	err = t->fn(msg, t->arg);
	if (err < 0)
		t->cberr = err;
	return NL_OK;
}

static int talk_done(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	(void)msg;
	t->done = true;
	return NL_STOP;
}

static int talk_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct talk *t = arg;
	/* libnl hands us the payload of the NLMSG_ERROR message */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)nla;
	t->done = true;
	t->kerr = -e->error;
	hmmp_nl_extack(nlh, t->extack, sizeof(t->extack));
	return NL_STOP;
}

static struct nl_cb *talk_cb(struct hmmp_nl *nl, struct talk *t)
{
	struct nl_cb *orig = nl_socket_get_cb(nl->sk), *cb;

	cb = nl_cb_clone(orig);
	nl_cb_put(orig);
	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, talk_valid, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, talk_done, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, talk_done, t);
	nl_cb_err(cb, NL_CB_CUSTOM, talk_error, t);
	return cb;
}

int hmmp_nl_talk(struct hmmp_nl *nl, struct nl_msg *msg, hmmp_nl_reply_fn fn,
		 void *arg)
{
	struct talk t = { .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int err, ret = HMMP_EXIT_OK;

	nl->err = 0;
	nl->msg[0] = '\0';
	cb = talk_cb(nl, &t);
	if (!cb) {
		nlmsg_free(msg);
		return hmmp_nl_fail_nle(nl, NLE_NOMEM);
	}
	err = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		ret = hmmp_nl_fail_nle(nl, err);
		goto out;
	}
	while (!t.done) {
		err = nl_recvmsgs_report(nl->sk, cb);
		if (t.kerr) {
			ret = hmmp_nl_fail_errno(nl, t.kerr, t.extack);
			goto out;
		}
		if (err == -NLE_DUMP_INTR) {
			set_msg(nl, "the table changed during the dump: try again");
			ret = HMMP_EXIT_KERNEL;
			goto out;
		}
		if (err < 0) {
			ret = hmmp_nl_fail_nle(nl, err);
			goto out;
		}
		if (err == 0 && !t.done) {
			set_msg(nl, "netlink: no answer from the kernel");
			ret = HMMP_EXIT_KERNEL;
			goto out;
		}
	}
	if (t.cberr) {
		set_msg(nl, "malformed reply from the kernel (%s)",
			nl_geterror(t.cberr));
		ret = HMMP_EXIT_KERNEL;
	}
out:
	nl_cb_put(cb);
	return ret;
}

struct nl_msg *hmmp_nl_msg(struct hmmp_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				 flags, cmd, HMMP_GENL_VERSION)) {
		nlmsg_free(msg);
		set_msg(nl, "netlink: out of memory");
		return NULL;
	}
	return msg;
}

/* ---- the controller ---- */

static struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16 },
	[CTRL_ATTR_FAMILY_NAME] = { .type = NLA_STRING },
	[CTRL_ATTR_VERSION] = { .type = NLA_U32 },
	[CTRL_ATTR_MCAST_GROUPS] = { .type = NLA_NESTED },
};

static struct nla_policy grp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME] = { .type = NLA_STRING },
	[CTRL_ATTR_MCAST_GRP_ID] = { .type = NLA_U32 },
};

struct resolve {
	const char *family, *group;
	int family_id, version, group_id;
};

static int resolve_reply(struct nl_msg *msg, void *arg)
{
	struct resolve *r = arg;
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *g;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, ctrl_policy) ||
	    !tb[CTRL_ATTR_FAMILY_ID] || !tb[CTRL_ATTR_FAMILY_NAME])
		return HMMP_NL_BAD;
	if (strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), r->family))
		return 0;	/* not the one we asked for */
	r->family_id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		r->version = (int)nla_get_u32(tb[CTRL_ATTR_VERSION]);
	if (!r->group || !tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	g = nla_data(tb[CTRL_ATTR_MCAST_GROUPS]);
	rem = nla_len(tb[CTRL_ATTR_MCAST_GROUPS]);
	for (; nla_ok(g, rem); g = nla_next(g, &rem)) {
		struct nlattr *gb[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (nla_parse_nested(gb, CTRL_ATTR_MCAST_GRP_MAX, g, grp_policy) ||
		    !gb[CTRL_ATTR_MCAST_GRP_NAME] || !gb[CTRL_ATTR_MCAST_GRP_ID])
			return HMMP_NL_BAD;
		if (!strcmp(nla_get_string(gb[CTRL_ATTR_MCAST_GRP_NAME]), r->group))
			r->group_id = (int)nla_get_u32(gb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

int hmmp_nl_resolve_family(struct hmmp_nl *nl, const char *family,
			   const char *group, int *family_id, int *group_id)
{
	struct resolve r = { .family = family, .group = group };
	struct nl_msg *msg = nlmsg_alloc();
	int ret;

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
				 0, CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, family) < 0) {
		nlmsg_free(msg);
		set_msg(nl, "netlink: out of memory");
		return HMMP_EXIT_KERNEL;
	}
	ret = hmmp_nl_talk(nl, msg, resolve_reply, &r);
	if (ret == HMMP_EXIT_KERNEL && nl->err == ENOENT) {
		if (!strcmp(family, HMMP_GENL_NAME))
			set_msg(nl, "%s", HMMP_MSG_NOFAMILY);
		else
			set_msg(nl, "generic netlink family '%s' not found", family);
		return HMMP_EXIT_NOFAMILY;
	}
	if (ret)
		return ret;
	if (!r.family_id) {
		set_msg(nl, "netlink: the controller did not answer for family '%s'",
			family);
		return HMMP_EXIT_KERNEL;
	}
	*family_id = r.family_id;
	if (group_id)
		*group_id = r.group_id;
	if (!strcmp(family, HMMP_GENL_NAME))
		nl->family_version = r.version;
	return HMMP_EXIT_OK;
}

int hmmp_nl_resolve(struct hmmp_nl *nl)
{
	return hmmp_nl_resolve_family(nl, HMMP_GENL_NAME, HMMP_MCGRP_EVENTS,
				      &nl->family, &nl->events_grp);
}

int hmmp_nl_join(struct hmmp_nl *nl, int group)
{
	int err;

	if (group <= 0) {
		set_msg(nl, "multicast group not found: is this the right hmmp.ko?");
		return HMMP_EXIT_KERNEL;
	}
	err = nl->join(nl->sk, group);
	if (err < 0) {
		hmmp_nl_fail_nle(nl, err);
		if (-err == NLE_PERM || -err == NLE_NOACCESS) {
			set_msg(nl, "permission denied: watching hmmp events needs CAP_NET_ADMIN");
			return HMMP_EXIT_PERM;
		}
		return HMMP_EXIT_KERNEL;
	}
	return HMMP_EXIT_OK;
}

int hmmp_nl_ctrl_event(struct nl_msg *msg, const char *name)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *g;

	if (nlh->nlmsg_type != GENL_ID_CTRL || !genlmsg_valid_hdr(nlh, 0))
		return 0;
	g = genlmsg_hdr(nlh);
	if (g->cmd != CTRL_CMD_NEWFAMILY && g->cmd != CTRL_CMD_DELFAMILY)
		return 0;
	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, ctrl_policy) ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), name))
		return 0;
	return g->cmd == CTRL_CMD_NEWFAMILY ? 1 : -1;
}

/* ---- events ---- */

struct listen {
	hmmp_nl_reply_fn fn;
	void *arg;
	int err;
};

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int listen_valid(struct nl_msg *msg, void *arg)
{
	struct listen *l = arg;
	int err = l->fn(msg, l->arg);

	if (err < 0) {
		l->err = err;
		return NL_STOP;
	}
	return NL_OK;
}

int hmmp_nl_listen(struct hmmp_nl *nl, hmmp_nl_reply_fn fn,
		   void (*lost)(void *arg), void *arg)
{
	struct listen l = { .fn = fn, .arg = arg };
	struct nl_cb *orig = nl_socket_get_cb(nl->sk), *cb;
	int err;

	cb = nl_cb_clone(orig);
	nl_cb_put(orig);
	if (!cb)
		return hmmp_nl_fail_nle(nl, NLE_NOMEM);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, listen_valid, &l);
	while (1) {
		err = nl_recvmsgs_report(nl->sk, cb);
		if (l.err) {
			err = l.err;
			break;
		}
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the receive buffer overran, events lost */
			if (lost)
				lost(arg);
			continue;
		}
		if (err == -NLE_AGAIN || err == 0) {
			err = 0;
			break;
		}
		if (err < 0) {
			err = hmmp_nl_fail_nle(nl, err);
			break;
		}
	}
	nl_cb_put(cb);
	return err;
}
