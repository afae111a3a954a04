/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmp userspace: generic netlink on libnl-3 for the family "hmmp".
 *
 * Every function that can fail returns an enum hmmp_exit code (0 on
 * success) and leaves a message for the user in nl->msg, ready to print:
 *   family missing   HMMP_EXIT_NOFAMILY  HMMP_MSG_NOFAMILY
 *   EPERM/EACCES     HMMP_EXIT_PERM      HMMP_MSG_PERM
 *   anything else    HMMP_EXIT_KERNEL    strerror, then the kernel's
 *                                        extended-ack message if any
 *
 * The socket is blocking and used by one thread. hmmp_nl_init() only
 * allocates; hmmp_nl_connect() binds it to NETLINK_GENERIC. Tests install
 * libnl send/recv overrides on the socket's callbacks (nl_cb_overwrite_*)
 * and replace nl->join, and then talk to a fake kernel without connecting.
 */
#ifndef HMMP_NL_H
#define HMMP_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "util.h"

#define HMMP_MSG_NOFAMILY \
	"generic netlink family 'hmmp' not found: is hmmp.ko loaded? (modprobe hmmp)"
#define HMMP_MSG_PERM \
	"permission denied: changing hmmp state needs CAP_NET_ADMIN"

struct hmmp_nl {
	struct nl_sock *sk;
	int family;		/* hmmp family id once resolved, else 0 */
	int family_version;	/* the module's HMMP_GENL_VERSION */
	int events_grp;		/* id of the "events" group, 0 if none */
	int err;		/* errno of the last kernel error, or 0 */
	char msg[512];		/* what went wrong last, for the user */
	/* joins a multicast group: nl_socket_add_membership by default */
	int (*join)(struct nl_sock *sk, int group);
};

/* A reply callback: 0 to go on, or HMMP_NL_BAD if the message is malformed. */
#define HMMP_NL_BAD	(-NLE_PARSE_ERR)
typedef int (*hmmp_nl_reply_fn)(struct nl_msg *msg, void *arg);

int hmmp_nl_init(struct hmmp_nl *nl);
int hmmp_nl_connect(struct hmmp_nl *nl);
void hmmp_nl_close(struct hmmp_nl *nl);

/*
 * Ask the controller for a family and, when group is not NULL, the id of
 * one of its multicast groups (0 if it has none of that name).
 * ENOENT from the controller becomes HMMP_EXIT_NOFAMILY, with
 * HMMP_MSG_NOFAMILY when family is "hmmp".
 */
int hmmp_nl_resolve_family(struct hmmp_nl *nl, const char *family,
			   const char *group, int *family_id, int *group_id);
/* The hmmp family and its "events" group, into nl->family/events_grp. */
int hmmp_nl_resolve(struct hmmp_nl *nl);
/* Join a multicast group by id (after resolving it). */
int hmmp_nl_join(struct hmmp_nl *nl, int group);

/* A request to the hmmp family; NULL on allocation failure (msg set). */
struct nl_msg *hmmp_nl_msg(struct hmmp_nl *nl, uint8_t cmd, int flags);

/*
 * Send msg (always freed) and read until the kernel's ACK, NLMSG_DONE or
 * error, calling fn (if not NULL) for every other message. A reply that fn
 * calls malformed fails the request after it is read to its end, so the
 * socket stays in step for the next request.
 */
int hmmp_nl_talk(struct hmmp_nl *nl, struct nl_msg *msg, hmmp_nl_reply_fn fn,
		 void *arg);

/*
 * Read unsolicited messages (events) and call fn for each. Returns fn's
 * value as soon as it is negative; 0 when the socket has nothing more to
 * read (EOF, or EAGAIN on a non-blocking socket); an exit code (> 0, with
 * nl->msg) when receiving fails. Sequence numbers are not checked. A
 * receive-buffer overrun (events lost) calls lost(arg) and carries on.
 */
int hmmp_nl_listen(struct hmmp_nl *nl, hmmp_nl_reply_fn fn,
		   void (*lost)(void *arg), void *arg);

/* Message and exit code for a kernel errno plus its extack text (or NULL). */
int hmmp_nl_fail_errno(struct hmmp_nl *nl, int err, const char *extack);
/* Message and exit code for a libnl error code (negative or positive). */
int hmmp_nl_fail_nle(struct hmmp_nl *nl, int nle);
/* The exit code of a kernel errno: EPERM/EACCES -> PERM, else KERNEL. */
int hmmp_nl_errno_exit(int err);

/*
 * The NLMSGERR_ATTR_MSG text of an NLMSG_ERROR message (extended ACK),
 * copied to buf; returns its length, or 0 when there is none.
 */
size_t hmmp_nl_extack(const struct nlmsghdr *nlh, char *buf, size_t len);

/*
 * A controller notification about family name: +1 NEWFAMILY, -1
 * DELFAMILY, 0 for anything else (another family or another message).
 */
int hmmp_nl_ctrl_event(struct nl_msg *msg, const char *name);

#endif /* HMMP_NL_H */
