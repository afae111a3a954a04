/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hmmp: the generic netlink family "hmmp", shared by hmmp.ko, hmmpd and
 * hmmpctl. This header is the one definition of the API; docs/netlink.md
 * describes it in prose with examples.
 *
 * Addresses are IPv4 (RFC 2003 and RFC 2004 encapsulate IPv4) and are
 * carried in network byte order as NLA_BE32; ports as NLA_BE16.
 *
 * Commands
 *   HMMP_CMD_VERSION_GET   doit. Reply: HMMP_A_VERSION, HMMP_A_API_VERSION.
 *   HMMP_CMD_STATS_GET     doit. Reply: HMMP_A_STATS (nest of HMMP_STAT_A_*).
 *   HMMP_CMD_CONN_GET      dump, resumable across messages. Request may
 *                          carry HMMP_A_FILTER_ADDR (matches any of the
 *                          four addresses of a record) and
 *                          HMMP_A_FILTER_STATE. One message per record,
 *                          each with HMMP_A_CONN (nest of HMMP_CONN_A_*).
 *   HMMP_CMD_HANDOFF       doit, CAP_NET_ADMIN. HMMP_A_HANDOFF_NEW (required)
 *                          and HMMP_A_HANDOFF_OLD (optional: without it,
 *                          every record moves). Each live record whose
 *                          current address is OLD becomes <original,
 *                          previous := current, current := NEW>. Reply:
 *                          HMMP_A_COUNT, the number of records changed.
 *   HMMP_CMD_CONFIG_GET    doit. Reply: HMMP_A_CONFIG (nest of HMMP_CFG_A_*).
 *   HMMP_CMD_CONFIG_SET    doit, CAP_NET_ADMIN. HMMP_A_CONFIG with any subset
 *                          of HMMP_CFG_A_*; all are checked before any is
 *                          applied. Reply: the resulting HMMP_A_CONFIG.
 *   HMMP_CMD_BINDING_NEW   doit, CAP_NET_ADMIN. HMMP_A_BINDING. Creates a
 *                          binding; with NLM_F_REPLACE replaces or refreshes
 *                          the one with the same key atomically.
 *   HMMP_CMD_BINDING_DEL   doit, CAP_NET_ADMIN. HMMP_A_BINDING with the key.
 *   HMMP_CMD_BINDING_GET   dump, resumable; one HMMP_A_BINDING per message.
 *   HMMP_CMD_BINDING_FLUSH doit, CAP_NET_ADMIN. Reply: HMMP_A_COUNT.
 *   HMMP_CMD_TUNNEL_SOCK   doit, CAP_NET_ADMIN. With HMMP_A_SOCK_FD: the
 *                          caller's bound AF_INET UDP socket of that file
 *                          descriptor, in the request's namespace, becomes
 *                          the namespace's UDP tunnel socket (replacing any
 *                          earlier one): hmmp.ko takes the tunnel frames
 *                          that reach it and leaves every other datagram
 *                          to the socket's owner; frames of udp bindings
 *                          leave from its address and port. Without
 *                          HMMP_A_SOCK_FD: detaches it. Closing the socket
 *                          detaches it too. Reply: the resulting
 *                          HMMP_A_CONFIG (HMMP_CFG_A_UDP_PORT).
 *   HMMP_CMD_XLATE_NEW     doit, CAP_NET_ADMIN. HMMP_A_XLATE. Creates a
 *                          connection translation; with NLM_F_REPLACE
 *                          replaces or refreshes the one with the same key.
 *   HMMP_CMD_XLATE_DEL     doit, CAP_NET_ADMIN. HMMP_A_XLATE with the key.
 *   HMMP_CMD_XLATE_GET     dump, resumable; one HMMP_A_XLATE per message.
 *   HMMP_CMD_XLATE_FLUSH   doit, CAP_NET_ADMIN. Reply: HMMP_A_COUNT.
 *
 * Events, multicast on group HMMP_MCGRP_EVENTS ("events"), which needs
 * CAP_NET_ADMIN in the network namespace to join: HMMP_CMD_EVENT_* below,
 * each carrying the record it is about (HMMP_A_CONN or HMMP_A_BINDING), a
 * hand-off carrying HMMP_A_HANDOFF_OLD/NEW and HMMP_A_COUNT.
 *
 * A binding's key is (HMMP_BIND_A_ORIG, HMMP_BIND_A_PEER, HMMP_BIND_A_KIND);
 * PEER 0.0.0.0 means any correspondent. A binding with HMMP_ENCAP_UDP also
 * has HMMP_BIND_A_PORT, the UDP port of the tunnel's far end (on a
 * correspondent: the mobile's care-of port as seen, e.g. a NAT's mapping;
 * on a mobile: the correspondent's tunnel port); other encapsulations have
 * none.
 *
 * A connection translation (HMMP_A_XLATE) is a binding for one TCP
 * connection whose two ends do not see the same 4-tuple: a NAT rewrote it
 * (the mobile's original address was behind a NAT, or this host is behind
 * a port forward). It names the connection twice: as this host's socket
 * has it (LADDR:LPORT this host, RADDR:RPORT the peer: the key) and as the
 * peer's socket has it (PEER_LADDR:PEER_LPORT the peer, PEER_RADDR:
 * PEER_RPORT this host). Segments of the key's connection that this host
 * sends are rewritten to the peer's view and sent through the tunnel to
 * COA (PORT with HMMP_ENCAP_UDP); a tunnelled segment from COA (PORT) in
 * the peer's view is rewritten to this host's view and delivered. The two
 * ends' initial sequence numbers, which NATs leave alone, tell hmmpd which
 * of its connections the peer means (docs/binding-body.md).
 */
#ifndef _UAPI_LINUX_HMMP_H
#define _UAPI_LINUX_HMMP_H

#define HMMP_GENL_NAME		"hmmp"
#define HMMP_GENL_VERSION	1
#define HMMP_MCGRP_EVENTS	"events"

enum hmmp_cmd {
	HMMP_CMD_UNSPEC,
	HMMP_CMD_VERSION_GET,
	HMMP_CMD_STATS_GET,
	HMMP_CMD_CONN_GET,
	HMMP_CMD_HANDOFF,
	HMMP_CMD_CONFIG_GET,
	HMMP_CMD_CONFIG_SET,
	HMMP_CMD_BINDING_NEW,
	HMMP_CMD_BINDING_DEL,
	HMMP_CMD_BINDING_GET,
	HMMP_CMD_BINDING_FLUSH,
	HMMP_CMD_EVENT_CONN_NEW,
	HMMP_CMD_EVENT_CONN_ESTABLISHED,
	HMMP_CMD_EVENT_CONN_CLOSED,
	HMMP_CMD_EVENT_HANDOFF,
	HMMP_CMD_EVENT_BINDING_NEW,
	HMMP_CMD_EVENT_BINDING_DEL,
	HMMP_CMD_TUNNEL_SOCK,
	HMMP_CMD_XLATE_NEW,
	HMMP_CMD_XLATE_DEL,
	HMMP_CMD_XLATE_GET,
	HMMP_CMD_XLATE_FLUSH,
	__HMMP_CMD_MAX,
};

#define HMMP_CMD_MAX (__HMMP_CMD_MAX - 1)

/* Top-level attributes. */
enum hmmp_attr {
	HMMP_A_UNSPEC,
	HMMP_A_PAD,
	HMMP_A_VERSION,		/* string: module version */
	HMMP_A_API_VERSION,	/* u32: HMMP_GENL_VERSION of the module */
	HMMP_A_STATS,		/* nest: HMMP_STAT_A_* */
	HMMP_A_CONN,		/* nest: HMMP_CONN_A_* */
	HMMP_A_FILTER_ADDR,	/* be32 */
	HMMP_A_FILTER_STATE,	/* u8: enum hmmp_conn_state */
	HMMP_A_HANDOFF_OLD,	/* be32 */
	HMMP_A_HANDOFF_NEW,	/* be32 */
	HMMP_A_COUNT,		/* u32 */
	HMMP_A_CONFIG,		/* nest: HMMP_CFG_A_* */
	HMMP_A_BINDING,		/* nest: HMMP_BIND_A_* */
	HMMP_A_REASON,		/* u8: enum hmmp_event_reason */
	HMMP_A_SOCK_FD,		/* u32: a file descriptor of the caller */
	HMMP_A_XLATE,		/* nest: HMMP_XLATE_A_* */
	__HMMP_A_MAX,
};

#define HMMP_A_MAX (__HMMP_A_MAX - 1)

/* SIP_EYE connection states, named as in draft-itsumo-sip-mobility-tcp. */
enum hmmp_conn_state {
	HMMP_CONN_SETUP_REQ,	/* SYN seen */
	HMMP_CONN_SETUP_PROG,	/* SYN-ACK (or a crossing SYN) seen */
	HMMP_CONN_ESTABLISHED,	/* handshake completed, or picked up */
	HMMP_CONN_RELEASE_REQ,	/* FIN seen from one side */
	HMMP_CONN_RELEASE_ACK,	/* FIN seen from both sides */
	HMMP_CONN_DISCONNECT,	/* closed (last ACK or RST); lingers */
	__HMMP_CONN_STATE_MAX,
};

#define HMMP_CONN_STATE_MAX (__HMMP_CONN_STATE_MAX - 1)

/* Who opened a tracked connection. */
enum hmmp_conn_opener {
	HMMP_OPENER_LOCAL,	/* this host sent the first SYN */
	HMMP_OPENER_REMOTE,	/* the correspondent did */
	HMMP_OPENER_PICKUP,	/* first seen mid-stream, e.g. before load */
};

/* Nested in HMMP_A_CONN. Ages are milliseconds before the reply. */
enum hmmp_conn_attr {
	HMMP_CONN_A_UNSPEC,
	HMMP_CONN_A_PAD,
	HMMP_CONN_A_ORIG_LOCAL,	/* be32: original local (mobile) address */
	HMMP_CONN_A_PREV_LOCAL,	/* be32: previous local address, 0 if none */
	HMMP_CONN_A_CUR_LOCAL,	/* be32: current local address */
	HMMP_CONN_A_REMOTE,	/* be32: original correspondent address */
	HMMP_CONN_A_LPORT,	/* be16 */
	HMMP_CONN_A_RPORT,	/* be16 */
	HMMP_CONN_A_CL_ID,	/* u32: the opener's ISN (the seed's CL_ID) */
	HMMP_CONN_A_STATE,	/* u8: enum hmmp_conn_state */
	HMMP_CONN_A_OPENER,	/* u8: enum hmmp_conn_opener */
	HMMP_CONN_A_AGE_MS,	/* u64: since the record was created */
	HMMP_CONN_A_IDLE_MS,	/* u64: since the last segment */
	HMMP_CONN_A_PKTS_OUT,	/* u64 */
	HMMP_CONN_A_PKTS_IN,	/* u64 */
	HMMP_CONN_A_BYTES_OUT,	/* u64: TCP payload bytes */
	HMMP_CONN_A_BYTES_IN,	/* u64 */
	HMMP_CONN_A_HANDOFFS,	/* u32: hand-offs applied to this record */
	/* u32: the initial sequence number this host sent (its SYN), absent
	 * when not seen (a record picked up mid-stream)
	 */
	HMMP_CONN_A_ISN_LOCAL,
	HMMP_CONN_A_ISN_REMOTE,	/* u32: the peer's ISN, absent when not seen */
	/* u8 0/1: 1 once this host has sent on the connection (or the peer
	 * acknowledged its ISN): only such a record is a live connection,
	 * the rest may be made of spoofed segments
	 */
	HMMP_CONN_A_CONFIRMED,
	__HMMP_CONN_A_MAX,
};

#define HMMP_CONN_A_MAX (__HMMP_CONN_A_MAX - 1)

/* Nested in HMMP_A_STATS; all u64 unless noted. */
enum hmmp_stat_attr {
	HMMP_STAT_A_UNSPEC,
	HMMP_STAT_A_PAD,
	HMMP_STAT_A_CONN_COUNT,		/* u32: records in the table now */
	HMMP_STAT_A_CONN_MAX,		/* u32: the configured limit */
	HMMP_STAT_A_CONN_CREATED,
	HMMP_STAT_A_CONN_CLOSED,	/* removed after a close or reset */
	HMMP_STAT_A_CONN_EXPIRED,	/* removed by a timeout */
	HMMP_STAT_A_CONN_TABLE_FULL,	/* new record refused: limit hit */
	HMMP_STAT_A_CONN_PICKED_UP,
	HMMP_STAT_A_PKTS_TRACKED,
	HMMP_STAT_A_PKTS_INVALID,	/* truncated or bad TCP header */
	HMMP_STAT_A_RST_IGNORED,	/* RST outside the window: ignored */
	HMMP_STAT_A_HANDOFFS,
	HMMP_STAT_A_CONN_ENTRY_BYTES,	/* u32: memory per record */
	HMMP_STAT_A_CONN_MEMORY_BYTES,	/* memory of all records */
	/* bindings and the datapath */
	HMMP_STAT_A_BIND_COUNT,		/* u32 */
	HMMP_STAT_A_BIND_MAX,		/* u32 */
	HMMP_STAT_A_BIND_EXPIRED,
	HMMP_STAT_A_BIND_TABLE_FULL,
	HMMP_STAT_A_ENCAP_PKTS,
	HMMP_STAT_A_DECAP_PKTS,
	HMMP_STAT_A_FWD_PKTS,
	HMMP_STAT_A_DECAP_ERRORS,	/* malformed encapsulated packets */
	HMMP_STAT_A_DECAP_UNKNOWN_PEER,
	HMMP_STAT_A_PMTU_SENT,		/* ICMP frag-needed sent */
	HMMP_STAT_A_TUNNEL_ERRORS,	/* ICMP errors about tunnel packets */
	HMMP_STAT_A_ERRORS_RELAYED,	/* ICMP unreachable sent for them */
	/* UDP tunnel frames (whole inner IPv4 header) that match no udp
	 * binding's outer address and port: dropped
	 */
	HMMP_STAT_A_UDP_UNKNOWN,
	HMMP_STAT_A_UDP_NOSOCK,		/* udp binding, no tunnel socket: dropped */
	/* connection translations */
	HMMP_STAT_A_XLATE_COUNT,	/* u32 */
	HMMP_STAT_A_XLATE_TABLE_FULL,	/* creations refused: limit reached */
	HMMP_STAT_A_XLATE_PKTS,		/* segments rewritten, both ways */
	HMMP_STAT_A_CONN_EVICTED,	/* unconfirmed records dropped for room */
	__HMMP_STAT_A_MAX,
};

#define HMMP_STAT_A_MAX (__HMMP_STAT_A_MAX - 1)

/* Roles of a host (HMMP_CFG_A_ROLES bit mask). */
#define HMMP_ROLE_MOBILE	(1U << 0)
#define HMMP_ROLE_CORRESPONDENT	(1U << 1)
#define HMMP_ROLE_ROUTER	(1U << 2)
#define HMMP_ROLE_EDGE		(1U << 3)
#define HMMP_ROLE_ALL		0xfU

/* Nested in HMMP_A_CONFIG; timeouts in seconds, u32. */
enum hmmp_cfg_attr {
	HMMP_CFG_A_UNSPEC,
	HMMP_CFG_A_TABLE_MAX,		/* u32, >= 1: connection records */
	HMMP_CFG_A_TIMEOUT_SETUP,	/* Setup_Req and Setup_Prog */
	HMMP_CFG_A_TIMEOUT_ESTABLISHED,	/* idle Established */
	HMMP_CFG_A_TIMEOUT_RELEASE,	/* Release_Req and Release_Ack */
	HMMP_CFG_A_TIMEOUT_DISCONNECT,	/* linger after close or reset */
	HMMP_CFG_A_ROLES,		/* u32: HMMP_ROLE_* */
	HMMP_CFG_A_BIND_MAX,		/* u32, >= 1: binding records */
	/* be16, replies only: the UDP tunnel socket's local port, 0 when
	 * none (set with HMMP_CMD_TUNNEL_SOCK; CONFIG_SET refuses it)
	 */
	HMMP_CFG_A_UDP_PORT,
	__HMMP_CFG_A_MAX,
};

#define HMMP_CFG_A_MAX (__HMMP_CFG_A_MAX - 1)

/* Encapsulation of a binding. */
enum hmmp_encap {
	HMMP_ENCAP_IPIP = 1,	/* RFC 2003, IP protocol 4 */
	HMMP_ENCAP_MINIMAL,	/* RFC 2004, IP protocol 55 */
	HMMP_ENCAP_UDP,		/* the IPv4 packet right after a UDP header
				 * (as Linux FOU direct), docs/datapath.md
				 */
};

/* Which side of the hand-off a binding serves. */
enum hmmp_bind_kind {
	HMMP_BIND_CORRESPONDENT = 1,	/* tunnel to the mobile's care-of */
	HMMP_BIND_MOBILE,		/* reverse tunnel from the mobile */
	HMMP_BIND_ROUTER,		/* previous gateway's forwarding */
};

/* Nested in HMMP_A_BINDING. */
enum hmmp_bind_attr {
	HMMP_BIND_A_UNSPEC,
	HMMP_BIND_A_PAD,
	HMMP_BIND_A_ORIG,	/* be32: the mobile's original address */
	HMMP_BIND_A_COA,	/* be32: its care-of (current) address */
	HMMP_BIND_A_PEER,	/* be32: correspondent, 0 = any */
	HMMP_BIND_A_ENCAP,	/* u8: enum hmmp_encap */
	HMMP_BIND_A_KIND,	/* u8: enum hmmp_bind_kind */
	HMMP_BIND_A_LIFETIME,	/* u32 seconds, 0 = until deleted */
	HMMP_BIND_A_EXPIRES_MS,	/* u64: time left (replies only) */
	HMMP_BIND_A_AGE_MS,	/* u64: since created (replies only) */
	HMMP_BIND_A_REFRESH_MS,	/* u64: since last refreshed (replies) */
	HMMP_BIND_A_PKTS_ENCAP,	/* u64 */
	HMMP_BIND_A_BYTES_ENCAP, /* u64 */
	HMMP_BIND_A_PKTS_DECAP,	/* u64 */
	HMMP_BIND_A_BYTES_DECAP, /* u64 */
	HMMP_BIND_A_MIN_SRC,	/* u8 flag 0/1: RFC 2004 original-source field */
	HMMP_BIND_A_PORT,	/* be16: udp only, the far end's UDP port */
	/* u32, replies only: the path MTU to the care-of address that ICMP
	 * taught the tunnel (never below the route's min_pmtu); absent when
	 * none
	 */
	HMMP_BIND_A_PMTU,
	__HMMP_BIND_A_MAX,
};

#define HMMP_BIND_A_MAX (__HMMP_BIND_A_MAX - 1)

/* Nested in HMMP_A_XLATE. Addresses be32, ports be16. */
enum hmmp_xlate_attr {
	HMMP_XLATE_A_UNSPEC,
	HMMP_XLATE_A_PAD,
	HMMP_XLATE_A_LADDR,	/* key: this host's address, as its socket has it */
	HMMP_XLATE_A_LPORT,	/* key: this host's port */
	HMMP_XLATE_A_RADDR,	/* key: the peer's address, as this host has it */
	HMMP_XLATE_A_RPORT,	/* key: the peer's port, as this host has it */
	HMMP_XLATE_A_PEER_LADDR, /* the peer's address, as the peer has it */
	HMMP_XLATE_A_PEER_LPORT, /* the peer's port, as the peer has it */
	HMMP_XLATE_A_PEER_RADDR, /* this host's address, as the peer has it */
	HMMP_XLATE_A_PEER_RPORT, /* this host's port, as the peer has it */
	HMMP_XLATE_A_COA,	/* be32: the tunnel's far end */
	HMMP_XLATE_A_PORT,	/* be16: udp only, the far end's UDP port */
	HMMP_XLATE_A_ENCAP,	/* u8: enum hmmp_encap */
	HMMP_XLATE_A_LIFETIME,	/* u32 seconds, 0 = until deleted */
	HMMP_XLATE_A_EXPIRES_MS, /* u64: time left (replies only) */
	HMMP_XLATE_A_AGE_MS,	/* u64: since created (replies only) */
	HMMP_XLATE_A_PKTS_ENCAP, /* u64 (replies only) */
	HMMP_XLATE_A_BYTES_ENCAP, /* u64 */
	HMMP_XLATE_A_PKTS_DECAP, /* u64 */
	HMMP_XLATE_A_BYTES_DECAP, /* u64 */
	__HMMP_XLATE_A_MAX,
};

#define HMMP_XLATE_A_MAX (__HMMP_XLATE_A_MAX - 1)

/* Why a record left a table (HMMP_A_REASON in *_CLOSED / *_DEL events). */
enum hmmp_event_reason {
	HMMP_REASON_CLOSED,	/* FIN handshake completed */
	HMMP_REASON_RESET,	/* RST */
	HMMP_REASON_EXPIRED,	/* timeout or lifetime */
	HMMP_REASON_DELETED,	/* by request */
	HMMP_REASON_FLUSHED,	/* flush, or namespace/module going away */
	HMMP_REASON_EVICTED,	/* an unconfirmed record, for room */
};

#endif /* _UAPI_LINUX_HMMP_H */
