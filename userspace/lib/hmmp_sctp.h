/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmp userspace: hmmpd's control socket, client side (docs/msctp.md).
 *
 * hmmpd listens on a local SOCK_SEQPACKET socket, by default the abstract
 * name "@hmmpd" (one per network namespace, like hmmpd itself), or the
 * path in $HMMPD_SOCKET. One request is one datagram of text, one word
 * then "key=value" words; the answer is one datagram: a first line "ok"
 * or "error ERRNO-NAME text", then one line per record.
 *
 * An application hands an SCTP socket over to hmmpd with one call:
 *
 *	int ch = hmmp_sctp_register(fd, "rule=ack name=myapp", err, sizeof(err));
 *
 * which passes a duplicate of fd (SCM_RIGHTS) over a new connection, the
 * channel. The registration lasts while the channel is open: close it
 * when the socket is closed (hmmpd holds a duplicate, so the association
 * lives on until both are closed). hmmpd sends events on the channel
 * ("event unreachable id=1 ...", docs/msctp.md); read them with
 * hmmp_ctl_recv() when poll() says so, or ignore them.
 */
#ifndef HMMP_SCTP_LIB_H
#define HMMP_SCTP_LIB_H

#include <stddef.h>

#define HMMP_CTL_DEFAULT	"@hmmpd"
#define HMMP_CTL_ENV		"HMMPD_SOCKET"
#define HMMP_CTL_MAX		65536	/* the largest datagram either way */

/* The control socket's name: $HMMPD_SOCKET, else HMMP_CTL_DEFAULT. */
const char *hmmp_ctl_name(void);

/*
 * Connect to hmmpd's control socket name ('@' first: abstract). Returns
 * the fd, or -errno with err set to what to do about it.
 */
int hmmp_ctl_connect(const char *name, char *err, size_t errlen);

/*
 * Send req (and pass_fd when >= 0), read the answer into reply (NUL
 * terminated). Returns 0 when the answer is "ok...", -errno of the
 * "error" line (err set to its text), or -errno of the transport.
 */
int hmmp_ctl_call(int ch, const char *req, int pass_fd, char *reply,
		  size_t size, char *err, size_t errlen);

/* The same with nfds (at most 2) descriptors passed. */
int hmmp_ctl_call_fds(int ch, const char *req, const int *fds, unsigned int nfds,
		      char *reply, size_t size, char *err, size_t errlen);

/* One datagram (an event) into buf, NUL terminated; length or -errno. */
int hmmp_ctl_recv(int ch, char *buf, size_t size);

/*
 * Register the connected SCTP socket fd with hmmpd. opts: "" or words
 * "rule=ack|link|upper name=NAME" (docs/msctp.md). Returns the channel
 * (keep it open while the registration should last), or -errno with err
 * set: -ECONNREFUSED/-ENOENT (no hmmpd, or its [sctp] is off),
 * -EOPNOTSUPP (the peer does not do ADDIP), -ENOTCONN, -EINVAL...
 */
int hmmp_sctp_register(int fd, const char *opts, char *err, size_t errlen);

/* The errno value of a name as hmmpd sends it ("EINVAL"), or 0. */
int hmmp_errno_parse(const char *name);
/* The name of an errno value ("EINVAL"), or "EIO" for one not known. */
const char *hmmp_errno_name(int err);

#endif /* HMMP_SCTP_LIB_H */
