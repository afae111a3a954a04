/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UDP encapsulation's socket: the namespace's UDP tunnel socket, handed
 * over by hmmpd (HMMP_CMD_TUNNEL_SOCK) so that SIP, STUN and the tunnel
 * share one port and therefore one NAT mapping. hmmp.ko takes the tunnel
 * frames that reach the socket (encap_rcv) and leaves everything else to
 * its owner; frames of udp bindings leave from its address and port.
 */
#ifndef _HMMP_UDPTUN_H
#define _HMMP_UDPTUN_H

#include <linux/types.h>
#include <net/route.h>

struct net;
struct sock;
struct sk_buff;
struct netlink_ext_ack;

/*
 * Makes the bound AF_INET UDP socket of the caller's descriptor @fd the
 * namespace's tunnel socket, replacing (detaching) an earlier one. The
 * socket must be in @net, bound to a port, and not a tunnel socket of
 * anything else. Holds a reference until detached; closing the socket
 * detaches it. 0, or -EBADF/-ENOTSOCK, -EPROTONOSUPPORT (not IPv4 UDP),
 * -EXDEV (another namespace), -EDESTADDRREQ (not bound), -EBUSY (another
 * tunnel's), with @extack saying which. Process context.
 */
int hmmp_udp_attach(struct net *net, int fd, struct netlink_ext_ack *extack);

/* Detaches the namespace's tunnel socket, if any; it becomes a plain UDP
 * socket of its owner again. Waits for the packet path. Process context.
 */
void hmmp_udp_detach(struct net *net);

/* The tunnel socket's local port, or 0 when there is none. */
__be16 hmmp_udp_port(struct net *net);

/* The namespace's tunnel socket, or NULL. RCU read side (the packet path:
 * the socket stays valid until it ends).
 */
struct sock *hmmp_udp_sock(struct net *net);

/*
 * Sends @skb (an IPv4 packet at skb->data) from @sk's port at @saddr to
 * @daddr:@dport: UDP header, outer IPv4 header (DF copied, ECN per RFC
 * 6040), the UDP checksum set, GSO as SKB_GSO_UDP_TUNNEL_CSUM over the
 * inner IPv4 packet so that the stack or the NIC segments it. @rt is the
 * outer route. Consumes @skb and @rt in every case; 0 or -ENOMEM. RCU
 * read side.
 */
int hmmp_udp_xmit(struct sock *sk, struct sk_buff *skb, struct rtable *rt,
		  __be32 saddr, __be32 daddr, __be16 dport);

#endif /* _HMMP_UDPTUN_H */
