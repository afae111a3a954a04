/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the requests hmmpd makes to hmmp.ko over generic netlink, on a
 * resolved struct hmmp_nl (userspace/lib/nl.h). Each returns an enum
 * hmmp_exit code (0 on success) with the reason in nl->msg, like the rest
 * of the netlink library. Blocking: the socket's receive timeout bounds
 * them.
 */
#ifndef HMMPD_KERN_H
#define HMMPD_KERN_H

#include <stddef.h>
#include <stdint.h>

#include "nl.h"
#include "objects.h"

/* A growable array of records, filled by the dumps. */
struct hmmpd_conns {
	struct hmmp_conn *v;
	size_t n, cap;
};

struct hmmpd_bindings {
	struct hmmp_binding *v;
	size_t n, cap;
};

struct hmmpd_xlates {
	struct hmmp_xlate *v;
	size_t n, cap;
};

void hmmpd_conns_free(struct hmmpd_conns *c);
void hmmpd_bindings_free(struct hmmpd_bindings *b);
void hmmpd_xlates_free(struct hmmpd_xlates *x);

/*
 * HMMP_CMD_CONN_GET, appending to out (which may already hold records);
 * filter_addr 0: every record, else HMMP_A_FILTER_ADDR.
 */
int hmmpd_kern_conns(struct hmmp_nl *nl, uint32_t filter_addr,
		     struct hmmpd_conns *out);
/* HMMP_CMD_BINDING_GET, appending to out. */
int hmmpd_kern_bindings(struct hmmp_nl *nl, struct hmmpd_bindings *out);
/*
 * HMMP_CMD_BINDING_NEW with NLM_F_CREATE | NLM_F_REPLACE: creates the
 * binding or replaces the one with its key. b needs ORIG and COA; the
 * other request attributes are sent when b has them. A kernel that
 * refuses those flags on generic netlink (Linux 6.1+ header validation)
 * gets a create, or a delete and a create (kern.c says why).
 */
int hmmpd_kern_binding_set(struct hmmp_nl *nl, const struct hmmp_binding *b);
/* Forget what was learnt about the module (it was loaded again). */
void hmmpd_kern_forget(void);
/* HMMP_CMD_BINDING_DEL of the key; ENOENT counts as success. */
int hmmpd_kern_binding_del(struct hmmp_nl *nl, uint32_t orig, uint32_t peer,
			   uint8_t kind);
/* HMMP_CMD_XLATE_GET, appending to out. */
int hmmpd_kern_xlates(struct hmmp_nl *nl, struct hmmpd_xlates *out);
/*
 * HMMP_CMD_XLATE_NEW with NLM_F_CREATE | NLM_F_REPLACE: creates the
 * connection translation or replaces (refreshes) the one with its key
 * (LADDR, LPORT, RADDR, RPORT). Only x's request attributes are sent. The
 * same fallback as hmmpd_kern_binding_set where the kernel refuses the
 * flags: a create, or a delete and a create.
 */
int hmmpd_kern_xlate_set(struct hmmp_nl *nl, const struct hmmp_xlate *x);
/* HMMP_CMD_XLATE_DEL of x's key; ENOENT counts as success. */
int hmmpd_kern_xlate_del(struct hmmp_nl *nl, const struct hmmp_xlate *x);
/* HMMP_CMD_HANDOFF: old 0 moves every record. *count: records moved. */
int hmmpd_kern_handoff(struct hmmp_nl *nl, uint32_t old_addr,
		       uint32_t new_addr, uint32_t *count);
/* HMMP_CMD_CONFIG_SET of the roles. */
int hmmpd_kern_set_roles(struct hmmp_nl *nl, uint32_t roles);
/*
 * HMMP_CMD_TUNNEL_SOCK: fd (>= 0), a bound AF_INET UDP socket of this
 * process, becomes the namespace's UDP tunnel socket; fd < 0 detaches the
 * one there is. *port: the tunnel socket's local port from the reply (host
 * order; 0 after a detach). Closing the socket detaches it too (the
 * UAPI's rule), so the socket's owner keeps it open while it tunnels.
 */
int hmmpd_kern_tunnel_sock(struct hmmp_nl *nl, int fd, uint16_t *port);

/*
 * A binding request record: the key, the care-of address and the rest.
 * A udp binding also needs its port (b->port, HMMP_SET(b, HMMP_BIND_A_PORT)):
 * hmmpd_binding_set_port.
 */
void hmmpd_binding_make(struct hmmp_binding *b, uint32_t orig, uint32_t peer,
			uint8_t kind, uint32_t coa, uint8_t encap,
			uint32_t lifetime);
void hmmpd_binding_set_port(struct hmmp_binding *b, uint16_t port);

/*
 * A connection translation request record: the key (this host's view of
 * the connection: laddr:lport this host, raddr:rport the peer), the
 * peer's view (peer_laddr:peer_lport the peer, peer_raddr:peer_rport this
 * host, as the peer's socket has them), the tunnel's far end, its
 * encapsulation and lifetime. udp also needs hmmpd_xlate_set_port.
 */
void hmmpd_xlate_make(struct hmmp_xlate *x, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport, uint32_t peer_laddr,
		      uint16_t peer_lport, uint32_t peer_raddr,
		      uint16_t peer_rport, uint32_t coa, uint8_t encap,
		      uint32_t lifetime);
void hmmpd_xlate_set_port(struct hmmp_xlate *x, uint16_t port);

/* Live: a state that still carries data or finishes a handshake. */
int hmmpd_conn_live(const struct hmmp_conn *c);

#endif /* HMMPD_KERN_H */
