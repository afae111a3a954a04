// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/lib/nl.c without a kernel. Error mapping and
 * extended-ACK parsing on crafted messages; resolve, talk, join and listen
 * against the fake kernel of fake_kernel.h, through libnl's real receive
 * path (sequence checks, multipart, NLMSG_ERROR handling).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_kernel.h"
#include "nl.h"

static int setup(void **state)
{
	struct hmmp_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return -1;
	fk_setup(nl);
	*state = nl;
	return 0;
}

static int teardown(void **state)
{
	fk_teardown(*state);
	free(*state);
	return 0;
}

/* ---- error mapping ---- */

static void test_errno_exit(void **state)
{
	(void)state;
	assert_int_equal(hmmp_nl_errno_exit(EPERM), HMMP_EXIT_PERM);
	assert_int_equal(hmmp_nl_errno_exit(EACCES), HMMP_EXIT_PERM);
	assert_int_equal(hmmp_nl_errno_exit(EINVAL), HMMP_EXIT_KERNEL);
	assert_int_equal(hmmp_nl_errno_exit(ENOENT), HMMP_EXIT_KERNEL);
	assert_int_equal(hmmp_nl_errno_exit(EEXIST), HMMP_EXIT_KERNEL);
}

static void test_fail_errno(void **state)
{
	struct hmmp_nl nl = { 0 };

	(void)state;
	assert_int_equal(hmmp_nl_fail_errno(&nl, EPERM, NULL), HMMP_EXIT_PERM);
	assert_string_equal(nl.msg, HMMP_MSG_PERM);
	assert_string_equal(nl.msg,
			    "permission denied: changing hmmp state needs CAP_NET_ADMIN");
	assert_int_equal(nl.err, EPERM);
	assert_int_equal(hmmp_nl_fail_errno(&nl, EACCES, "whatever"), HMMP_EXIT_PERM);
	assert_string_equal(nl.msg, HMMP_MSG_PERM);

	assert_int_equal(hmmp_nl_fail_errno(&nl, EINVAL, "lifetime too long"),
			 HMMP_EXIT_KERNEL);
	assert_string_equal(nl.msg, "Invalid argument: lifetime too long");
	assert_int_equal(hmmp_nl_fail_errno(&nl, EEXIST, NULL), HMMP_EXIT_KERNEL);
	assert_string_equal(nl.msg, "File exists");
	assert_int_equal(hmmp_nl_fail_errno(&nl, EEXIST, ""), HMMP_EXIT_KERNEL);
	assert_string_equal(nl.msg, "File exists");
	/* a negative errno, as the kernel writes it, means the same */
	assert_int_equal(hmmp_nl_fail_errno(&nl, -ENOENT, NULL), HMMP_EXIT_KERNEL);
	assert_string_equal(nl.msg, "No such file or directory");
	assert_int_equal(nl.err, ENOENT);
	assert_int_equal(hmmp_nl_fail_errno(&nl, EOPNOTSUPP, NULL), HMMP_EXIT_KERNEL);
	assert_string_equal(nl.msg,
			    "Operation not supported: the loaded hmmp.ko does not implement this command");
}

static void test_fail_nle(void **state)
{
	struct hmmp_nl nl = { 0 };

	(void)state;
	assert_int_equal(hmmp_nl_fail_nle(&nl, -NLE_PERM), HMMP_EXIT_PERM);
	assert_string_equal(nl.msg, HMMP_MSG_PERM);
	assert_int_equal(hmmp_nl_fail_nle(&nl, NLE_NOACCESS), HMMP_EXIT_PERM);
	assert_int_equal(hmmp_nl_fail_nle(&nl, -NLE_NOMEM), HMMP_EXIT_KERNEL);
	assert_string_equal(nl.msg, "netlink: Out of memory");
	assert_int_equal(hmmp_nl_fail_nle(&nl, -NLE_SEQ_MISMATCH), HMMP_EXIT_KERNEL);
	assert_string_equal(nl.msg, "netlink: Message sequence number mismatch");
}

/* ---- extended ACK ---- */

/* An NLMSG_ERROR for a request of req_len bytes, with optional echo. */
static struct nl_msg *err_msg(int flags, bool echo, const char *text,
			      size_t req_payload)
{
	struct nl_msg *m = nlmsg_alloc_simple(NLMSG_ERROR, flags);
	struct nlmsgerr e = { .error = -EINVAL };
	char payload[64];

	assert_non_null(m);
	assert_true(req_payload <= sizeof(payload));
	e.msg.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + req_payload);
	e.msg.nlmsg_type = FK_FAMILY;
	assert_int_equal(nlmsg_append(m, &e, sizeof(e), NLMSG_ALIGNTO), 0);
	if (echo) {
		/* the echoed request body: text that must not be taken as TLVs */
		memset(payload, 'Z', sizeof(payload));
		assert_int_equal(nlmsg_append(m, payload, req_payload, NLMSG_ALIGNTO), 0);
	}
	if (text)
		assert_int_equal(nla_put_string(m, NLMSGERR_ATTR_MSG, text), 0);
	return m;
}

static void test_extack(void **state)
{
	struct nl_msg *m;
	char buf[64];

	(void)state;
	/* capped: the TLVs follow the nlmsgerr */
	m = err_msg(NLM_F_CAPPED | NLM_F_ACK_TLVS, false, "bad lifetime", 20);
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, sizeof(buf)), 12);
	assert_string_equal(buf, "bad lifetime");
	/* truncated into a small buffer, still terminated */
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, 4), 3);
	assert_string_equal(buf, "bad");
	nlmsg_free(m);

	/* not capped: the request comes back first and is skipped */
	m = err_msg(NLM_F_ACK_TLVS, true, "no such binding", 22);
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, sizeof(buf)), 15);
	assert_string_equal(buf, "no such binding");
	nlmsg_free(m);

	/* no NLM_F_ACK_TLVS: nothing to read even if bytes follow */
	m = err_msg(NLM_F_CAPPED, false, "ignored", 20);
	buf[0] = 'x';
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	nlmsg_free(m);

	/* TLVs flag but no message attribute */
	m = err_msg(NLM_F_CAPPED | NLM_F_ACK_TLVS, false, NULL, 20);
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, sizeof(buf)), 0);
	nlmsg_free(m);

	/* a claimed echoed request longer than the message: nothing */
	m = err_msg(NLM_F_ACK_TLVS, false, "x", 64);
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, sizeof(buf)), 0);
	nlmsg_free(m);

	/* not an error message at all */
	m = nlmsg_alloc_simple(FK_FAMILY, NLM_F_ACK_TLVS);
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, sizeof(buf)), 0);
	nlmsg_free(m);

	/* an error message too short to hold its nlmsgerr */
	m = nlmsg_alloc_simple(NLMSG_ERROR, NLM_F_ACK_TLVS | NLM_F_CAPPED);
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, sizeof(buf)), 0);
	nlmsg_free(m);
}

/* A message attribute without its NUL stays within the attribute. */
static void test_extack_unterminated(void **state)
{
	struct nl_msg *m = err_msg(NLM_F_CAPPED | NLM_F_ACK_TLVS, false, NULL, 20);
	char buf[64];

	(void)state;
	assert_int_equal(nla_put(m, NLMSGERR_ATTR_OFFS, 4, "\0\0\0\0"), 0);
	assert_int_equal(nla_put(m, NLMSGERR_ATTR_MSG, 5, "abcde"), 0);
	assert_int_equal(hmmp_nl_extack(nlmsg_hdr(m), buf, sizeof(buf)), 5);
	assert_string_equal(buf, "abcde");
	nlmsg_free(m);
}

/* ---- resolve ---- */

static void test_resolve(void **state)
{
	struct hmmp_nl *nl = *state;

	fk.family_version = 3;
	assert_int_equal(hmmp_nl_resolve(nl), HMMP_EXIT_OK);
	assert_int_equal(nl->family, FK_FAMILY);
	assert_int_equal(nl->events_grp, FK_EVENTS_GRP);
	assert_int_equal(nl->family_version, 3);
	assert_int_equal(fk.nctrl, 1);
	assert_int_equal(fk_pending(), 0);	/* reply and ACK both read */
}

static void test_resolve_other_family(void **state)
{
	struct hmmp_nl *nl = *state;
	int id = 0, grp = -1;

	assert_int_equal(hmmp_nl_resolve_family(nl, "nlctrl", "notify", &id, &grp),
			 HMMP_EXIT_OK);
	assert_int_equal(id, GENL_ID_CTRL);
	assert_int_equal(grp, FK_NOTIFY_GRP);
	/* a group it does not have: 0 */
	assert_int_equal(hmmp_nl_resolve_family(nl, "nlctrl", "nope", &id, &grp),
			 HMMP_EXIT_OK);
	assert_int_equal(grp, 0);
	assert_int_equal(hmmp_nl_resolve_family(nl, "wireguard", NULL, &id, NULL),
			 HMMP_EXIT_NOFAMILY);
	assert_string_equal(nl->msg, "generic netlink family 'wireguard' not found");
}

static void test_resolve_missing(void **state)
{
	struct hmmp_nl *nl = *state;

	fk.family_present = false;
	assert_int_equal(hmmp_nl_resolve(nl), HMMP_EXIT_NOFAMILY);
	assert_string_equal(nl->msg,
			    "generic netlink family 'hmmp' not found: is hmmp.ko loaded? (modprobe hmmp)");
	assert_int_equal(nl->family, 0);
	assert_int_equal(fk_pending(), 0);
	/* and it appears later: the same socket resolves it */
	fk.family_present = true;
	assert_int_equal(hmmp_nl_resolve(nl), HMMP_EXIT_OK);
	assert_int_equal(nl->family, FK_FAMILY);
}

static void test_resolve_errors(void **state)
{
	struct hmmp_nl *nl = *state;

	fk.ctrl_errno = EPERM;
	assert_int_equal(hmmp_nl_resolve(nl), HMMP_EXIT_PERM);
	assert_string_equal(nl->msg, HMMP_MSG_PERM);
	fk.ctrl_errno = EBUSY;
	assert_int_equal(hmmp_nl_resolve(nl), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "Device or resource busy");
	fk.ctrl_errno = 0;
	fk.ctrl_no_id = true;
	assert_int_equal(hmmp_nl_resolve(nl), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg,
			    "malformed reply from the kernel (Unable to parse object)");
	assert_int_equal(nl->family, 0);
	assert_int_equal(fk_pending(), 0);
}

/* ---- talk ---- */

static int count_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[HMMP_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, HMMP_A_MAX, NULL) ||
	    !tb[HMMP_A_COUNT])
		return HMMP_NL_BAD;
	*(uint32_t *)arg += nla_get_u32(tb[HMMP_A_COUNT]);
	return 0;
}

static void reply_count(const struct nlmsghdr *req)
{
	struct nl_msg *m = fk_msg(req, FK_FAMILY, HMMP_CMD_HANDOFF, 0);

	assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, 7), 0);
	fk_reply(m);
	fk_ack(req, 0, NULL);
}

static void test_msg(void **state)
{
	struct hmmp_nl *nl = *state;
	struct nl_msg *m;
	struct genlmsghdr *g;

	nl->family = FK_FAMILY;
	m = hmmp_nl_msg(nl, HMMP_CMD_CONN_GET, NLM_F_DUMP);
	assert_non_null(m);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_type, FK_FAMILY);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_flags & NLM_F_DUMP, NLM_F_DUMP);
	g = nlmsg_data(nlmsg_hdr(m));
	assert_int_equal(g->cmd, HMMP_CMD_CONN_GET);
	assert_int_equal(g->version, HMMP_GENL_VERSION);
	nlmsg_free(m);
}

static void test_talk_doit(void **state)
{
	struct hmmp_nl *nl = *state;
	uint32_t n = 0;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fk.handler = reply_count;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_HANDOFF, 0),
				      count_cb, &n), HMMP_EXIT_OK);
	assert_int_equal(n, 7);
	assert_int_equal(fk.nreq, 1);
	assert_int_equal(fk_req_cmd(), HMMP_CMD_HANDOFF);
	/* what libnl added: a request that wants an ACK */
	assert_true(fk.req->nlmsg_flags & NLM_F_REQUEST);
	assert_true(fk.req->nlmsg_flags & NLM_F_ACK);
	assert_int_equal(fk_pending(), 0);
	/* the socket stays in step: a second request works */
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_HANDOFF, 0),
				      count_cb, &n), HMMP_EXIT_OK);
	assert_int_equal(n, 14);
}

static void reply_dump(const struct nlmsghdr *req)
{
	int i;

	for (i = 1; i <= 3; i++) {
		struct nl_msg *m = fk_msg(req, FK_FAMILY, HMMP_CMD_CONN_GET,
					  NLM_F_MULTI);

		assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, (uint32_t)i), 0);
		fk_reply(m);
	}
	fk_done(req);
}

static void test_talk_dump(void **state)
{
	struct hmmp_nl *nl = *state;
	uint32_t n = 0;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fk.handler = reply_dump;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_CONN_GET,
						      NLM_F_DUMP),
				      count_cb, &n), HMMP_EXIT_OK);
	assert_int_equal(n, 1 + 2 + 3);
	assert_int_equal(fk_pending(), 0);
}

static void reply_extack(const struct nlmsghdr *req)
{
	fk_ack(req, EINVAL, "attribute has a bad value");
}

static void reply_eperm(const struct nlmsghdr *req)
{
	fk_ack(req, EPERM, NULL);
}

static void test_talk_kernel_errors(void **state)
{
	struct hmmp_nl *nl = *state;
	uint32_t n = 0;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fk.handler = reply_extack;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_CONFIG_SET, 0),
				      count_cb, &n), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "Invalid argument: attribute has a bad value");
	assert_int_equal(nl->err, EINVAL);
	fk.handler = reply_eperm;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_CONFIG_SET, 0),
				      count_cb, &n), HMMP_EXIT_PERM);
	assert_string_equal(nl->msg, HMMP_MSG_PERM);
	assert_int_equal(n, 0);
	assert_int_equal(fk_pending(), 0);
	/* and a success right after: no stale state */
	fk.handler = reply_count;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_HANDOFF, 0),
				      count_cb, &n), HMMP_EXIT_OK);
	assert_int_equal(nl->err, 0);
	assert_string_equal(nl->msg, "");
}

static void reply_bad_then_good(const struct nlmsghdr *req)
{
	struct nl_msg *m = fk_msg(req, FK_FAMILY, HMMP_CMD_CONN_GET, NLM_F_MULTI);

	fk_reply(m);			/* no HMMP_A_COUNT: malformed */
	reply_dump(req);
}

static void test_talk_malformed(void **state)
{
	struct hmmp_nl *nl = *state;
	uint32_t n = 0;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fk.handler = reply_bad_then_good;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_CONN_GET,
						      NLM_F_DUMP),
				      count_cb, &n), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg,
			    "malformed reply from the kernel (Unable to parse object)");
	/* read to the end all the same, without calling back any more */
	assert_int_equal(n, 0);
	assert_int_equal(fk_pending(), 0);
}

static void test_talk_no_answer(void **state)
{
	struct hmmp_nl *nl = *state;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fk.handler = NULL;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_STATS_GET, 0),
				      NULL, NULL), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "netlink: no answer from the kernel");
}

static void reply_wrong_seq(const struct nlmsghdr *req)
{
	struct nlmsghdr h = *req;

	h.nlmsg_seq += 100;
	fk_ack(&h, 0, NULL);
}

static void test_talk_seq_mismatch(void **state)
{
	struct hmmp_nl *nl = *state;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fk.handler = reply_wrong_seq;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_STATS_GET, 0),
				      NULL, NULL), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "netlink: Message sequence number mismatch");
}

static void reply_dump_intr(const struct nlmsghdr *req)
{
	struct nl_msg *m = fk_msg(req, FK_FAMILY, HMMP_CMD_CONN_GET,
				  NLM_F_MULTI | NLM_F_DUMP_INTR);

	assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, 1), 0);
	fk_reply(m);
	fk_done(req);
}

static void test_talk_dump_interrupted(void **state)
{
	struct hmmp_nl *nl = *state;
	uint32_t n = 0;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fk.handler = reply_dump_intr;
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_CONN_GET,
						      NLM_F_DUMP),
				      count_cb, &n), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "the table changed during the dump: try again");
	assert_int_equal(fk_pending(), 0);
}

static void test_talk_recv_error(void **state)
{
	struct hmmp_nl *nl = *state;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	fk.handler = NULL;
	fk_push_error(-NLE_BAD_SOCK);
	assert_int_equal(hmmp_nl_talk(nl, hmmp_nl_msg(nl, HMMP_CMD_STATS_GET, 0),
				      NULL, NULL), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "netlink: Bad socket");
}

/* ---- join and listen ---- */

static void test_join(void **state)
{
	struct hmmp_nl *nl = *state;

	assert_int_equal(hmmp_nl_resolve(nl), 0);
	assert_int_equal(hmmp_nl_join(nl, nl->events_grp), HMMP_EXIT_OK);
	assert_int_equal(fk.njoined, 1);
	assert_int_equal(fk.joined[0], FK_EVENTS_GRP);
	assert_int_equal(hmmp_nl_join(nl, 0), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg,
			    "multicast group not found: is this the right hmmp.ko?");
	fk.join_err = -NLE_PERM;
	assert_int_equal(hmmp_nl_join(nl, FK_EVENTS_GRP), HMMP_EXIT_PERM);
	assert_string_equal(nl->msg,
			    "permission denied: watching hmmp events needs CAP_NET_ADMIN");
	fk.join_err = -NLE_INVAL;
	assert_int_equal(hmmp_nl_join(nl, FK_EVENTS_GRP), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "netlink: Invalid input data or parameter");
	assert_int_equal(fk.njoined, 1);
}

static struct nl_msg *ctrl_notice(uint8_t cmd, const char *name)
{
	struct nl_msg *m = fk_msg(NULL, GENL_ID_CTRL, cmd, 0);

	assert_int_equal(nla_put_string(m, CTRL_ATTR_FAMILY_NAME, name), 0);
	return m;
}

static void test_ctrl_event(void **state)
{
	struct nl_msg *m;

	(void)state;
	m = ctrl_notice(CTRL_CMD_NEWFAMILY, "hmmp");
	assert_int_equal(hmmp_nl_ctrl_event(m, "hmmp"), 1);
	assert_int_equal(hmmp_nl_ctrl_event(m, "hmm"), 0);
	nlmsg_free(m);
	m = ctrl_notice(CTRL_CMD_DELFAMILY, "hmmp");
	assert_int_equal(hmmp_nl_ctrl_event(m, "hmmp"), -1);
	nlmsg_free(m);
	m = ctrl_notice(CTRL_CMD_DELFAMILY, "wireguard");
	assert_int_equal(hmmp_nl_ctrl_event(m, "hmmp"), 0);
	nlmsg_free(m);
	m = ctrl_notice(CTRL_CMD_NEWMCAST_GRP, "hmmp");
	assert_int_equal(hmmp_nl_ctrl_event(m, "hmmp"), 0);
	nlmsg_free(m);
	m = fk_msg(NULL, GENL_ID_CTRL, CTRL_CMD_DELFAMILY, 0);	/* no name */
	assert_int_equal(hmmp_nl_ctrl_event(m, "hmmp"), 0);
	nlmsg_free(m);
	m = fk_msg(NULL, FK_FAMILY, CTRL_CMD_DELFAMILY, 0);	/* not ctrl */
	assert_int_equal(nla_put_string(m, CTRL_ATTR_FAMILY_NAME, "hmmp"), 0);
	assert_int_equal(hmmp_nl_ctrl_event(m, "hmmp"), 0);
	nlmsg_free(m);
	m = nlmsg_alloc_simple(GENL_ID_CTRL, 0);	/* no genl header */
	assert_int_equal(hmmp_nl_ctrl_event(m, "hmmp"), 0);
	nlmsg_free(m);
}

struct seen {
	int n, lost, stop_at;
	uint32_t sum;
};

static int listen_cb(struct nl_msg *msg, void *arg)
{
	struct seen *s = arg;

	count_cb(msg, &s->sum);	/* a message without a count adds nothing */
	s->n++;
	if (s->stop_at && s->n == s->stop_at)
		return -1000;
	return 0;
}

static void listen_lost(void *arg)
{
	((struct seen *)arg)->lost++;
}

static void event(uint32_t v)
{
	struct nl_msg *m = fk_msg(NULL, FK_FAMILY, HMMP_CMD_EVENT_HANDOFF, 0);

	assert_int_equal(nla_put_u32(m, HMMP_A_COUNT, v), 0);
	fk_mcast(m, FK_EVENTS_GRP);
}

static void test_listen(void **state)
{
	struct hmmp_nl *nl = *state;
	struct seen s = { 0 };

	event(1);
	event(10);
	assert_int_equal(fk_pending(), 0);	/* not joined yet */
	assert_int_equal(hmmp_nl_join(nl, FK_EVENTS_GRP), 0);
	assert_int_equal(fk_pending(), 2);
	fk_push_error(-NLE_NOMEM);		/* ENOBUFS: events lost */
	event(100);	/* joined: delivered at once */
	fk_mcast(fk_msg(NULL, FK_FAMILY, HMMP_CMD_EVENT_HANDOFF, 0), 0);
	/* sequence numbers of events are not checked (all 0 here) */
	assert_int_equal(hmmp_nl_listen(nl, listen_cb, listen_lost, &s), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.sum, 111);
	assert_int_equal(s.lost, 1);
}

static void test_listen_stop_and_fail(void **state)
{
	struct hmmp_nl *nl = *state;
	struct seen s = { .stop_at = 2 };

	assert_int_equal(hmmp_nl_join(nl, FK_EVENTS_GRP), 0);
	event(1);
	event(2);
	event(3);
	assert_int_equal(hmmp_nl_listen(nl, listen_cb, NULL, &s), -1000);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.sum, 3);
	/* the rest is still there; then a receive failure (not an overrun) */
	s.stop_at = 0;
	fk_push_error(-NLE_BAD_SOCK);
	assert_int_equal(hmmp_nl_listen(nl, listen_cb, NULL, &s), HMMP_EXIT_KERNEL);
	assert_string_equal(nl->msg, "netlink: Bad socket");
	assert_int_equal(s.n, 3);
	assert_int_equal(s.sum, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_exit),
		cmocka_unit_test(test_fail_errno),
		cmocka_unit_test(test_fail_nle),
		cmocka_unit_test(test_extack),
		cmocka_unit_test(test_extack_unterminated),
		cmocka_unit_test(test_ctrl_event),
		cmocka_unit_test_setup_teardown(test_msg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_other_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_talk_doit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_talk_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_talk_kernel_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_talk_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_talk_no_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_talk_seq_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_talk_dump_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_talk_recv_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_stop_and_fail, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
