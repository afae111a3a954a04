/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IP-in-IP (RFC 2003) and minimal (RFC 2004) encapsulation and
 * decapsulation of IPv4 packets, and the receive side of UDP encapsulation
 * (the send side is the kernel's UDP tunnel API, in udptun.c): skb
 * transforms only. The caller routes the
 * result, runs netfilter, checks bindings and counts; nothing here takes a
 * lock or looks at the namespace's state.
 *
 * Every function takes an skb whose IPv4 header is at skb->data, as in a
 * netfilter hook, with skb->protocol htons(ETH_P_IP). None of them frees
 * the skb (but hmmp_encap_segment(), which consumes it on success).
 *
 * ECN follows RFC 6040 normal mode both ways. The outer TTL of IP-in-IP is
 * the caller's choice (RFC 2003 3.1: "appropriate for delivery to the
 * tunnel exit"); 0 picks HMMP_ENCAP_TTL_DEFAULT. Minimal encapsulation
 * keeps the original TTL (RFC 2004 3).
 *
 * Path MTU is the caller's: both encapsulations make the packet longer
 * (20 bytes, or 8/12) and copy DF, so the caller compares the result with
 * the route's MTU and answers ICMP fragmentation-needed as it sees fit.
 */
#ifndef _HMMP_ENCAP_H
#define _HMMP_ENCAP_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <linux/netdev_features.h>
#include <uapi/linux/hmmp.h>

struct net;

#define HMMP_ENCAP_TTL_DEFAULT	64

/* RFC 2004 minimal forwarding header. */
#define HMMP_IPPROTO_MINIMAL	55
#define HMMP_MINIMAL_S		0x80	/* original source address present */
#define HMMP_MINIMAL_HLEN	8
#define HMMP_MINIMAL_HLEN_SRC	12

struct hmmp_minhdr {
	u8 protocol;		/* of the original datagram */
	u8 flags;		/* HMMP_MINIMAL_S; the rest reserved, sent 0 */
	__sum16 check;		/* over this header only */
	__be32 daddr;		/* original destination */
	__be32 saddr;		/* original source, only with HMMP_MINIMAL_S */
};

/*
 * RFC 2003: puts an outer IPv4 header (@saddr -> @daddr, protocol 4) in
 * front of the packet. Outer TOS: the inner one with ECN per RFC 6040
 * normal mode (CE becomes ECT(0)); DF copied from the inner header; ID from
 * ip_select_ident_segs() (0 when DF is set, RFC 6864); checksum set.
 * Offloads as Linux's ipip device: inner headers recorded, skb->encapsulation
 * set, SKB_GSO_IPXIP4 added to a GSO skb, whose segmentation (the stack's
 * or the NIC's) then produces correct outer and inner headers; a
 * CHECKSUM_PARTIAL skb keeps its pending inner checksum, any other is left
 * CHECKSUM_NONE. IPCB(skb) is cleared: the outer header has no options.
 * On return the network header is the outer one, the transport header the
 * inner IPv4 header. Conntrack, the dst and the mark are left as they are.
 *
 * Returns 0; -EINVAL when skb->data holds no valid IPv4 header; -ELOOP when
 * the packet is already IP-in-IP or minimal (no nesting); -EMSGSIZE when a
 * non-GSO result would exceed 65535 bytes; -ENOMEM. On error the packet's
 * bytes are unchanged. Any context; @net is for the ID generator.
 */
int hmmp_encap_ipip(struct net *net, struct sk_buff *skb, __be32 saddr,
		    __be32 daddr, u8 ttl);

/*
 * RFC 2004: rewrites the original header (protocol 55, destination @daddr,
 * source @saddr) and inserts the minimal forwarding header after it. The
 * original source goes into the forwarding header (S bit) when @with_src,
 * and always when @saddr differs from the original source, which would
 * otherwise be lost (RFC 2004 3). TTL, TOS, ID and DF are kept; tot_len
 * and both checksums are set.
 *
 * The transport header and payload do not move (the IP header moves 8 or
 * 12 bytes towards the head), so a CHECKSUM_PARTIAL skb stays right:
 * csum_start still points at the TCP/UDP header, now 8/12 bytes further
 * from the network header, and the pending checksum still covers the
 * transport header and payload with the original addresses' pseudo
 * header, which is what the receiver checks after decapsulation. Devices
 * with NETIF_F_HW_CSUM complete it; the stack does it in software for the
 * others (skb_csum_hwoffload_help). Other skbs are left CHECKSUM_NONE.
 *
 * Returns 0; -EINVAL (no valid IPv4 header, or tot_len != skb->len);
 * -EOPNOTSUPP for a GSO skb (segment it first with hmmp_encap_segment())
 * or a fragment (RFC 2004 forbids it: use IP-in-IP); -ELOOP (already
 * encapsulated); -EMSGSIZE (would exceed 65535 bytes); -ENOMEM. On error
 * the packet's bytes are unchanged. Any context.
 */
int hmmp_encap_minimal(struct sk_buff *skb, __be32 saddr, __be32 daddr,
		       bool with_src);

/*
 * RFC 2004 has no GSO type, so a GSO skb must be cut into MTU-sized
 * packets before minimal encapsulation. Segments @skb in software (as
 * ip_finish_output_gso() does) with @features minus every GSO bit: pass
 * the output device's netif_skb_features() to keep checksum offload (the
 * segments are then CHECKSUM_PARTIAL), or 0 for fully computed checksums.
 * Consumes @skb and returns the list of segments (skb->next chain, each
 * with its IPv4 header at skb->data): walk it with skb_list_walk_safe(),
 * skb_mark_not_on_list() each segment, encapsulate and send it. On error
 * returns an ERR_PTR and leaves @skb to the caller. Mind the MTU: the
 * segments are gso_size long before the 8/12 bytes of encapsulation.
 * Any context.
 */
struct sk_buff *hmmp_encap_segment(struct sk_buff *skb,
				   netdev_features_t features);

/* What hmmp_decap_parse() found. */
struct hmmp_decap_info {
	__be32 outer_saddr;	/* the tunnel entry (care-of address) */
	__be32 outer_daddr;
	__be32 inner_saddr;	/* the original datagram's addresses */
	__be32 inner_daddr;
	__be16 outer_sport;	/* UDP: the tunnel entry's port */
	u8 encap;		/* HMMP_ENCAP_IPIP, _MINIMAL or _UDP */
	u8 inner_protocol;	/* the original datagram's protocol */
	bool min_src;		/* minimal: the S bit was set */
	u16 len;		/* the original datagram's length */
	/* for hmmp_decap_apply() */
	u16 outer_hlen;		/* outer IP header bytes */
	u16 strip;		/* bytes removed: outer header or minimal;
				 * UDP: the UDP header
				 */
	u16 inner_hlen;		/* IP-in-IP, UDP: inner header bytes */
	u8 inner_tos;		/* IP-in-IP, UDP: after RFC 6040 */
};

/*
 * Decapsulation, in two steps so that the caller can check the binding
 * (outer source against the care-of address of the inner source) between
 * them; hmmp_decap() does both. The outer header is at skb->data, as in a
 * PRE_ROUTING hook, where ip_rcv() has already checked it (it is checked
 * again, cheaply).
 *
 * hmmp_decap_parse() validates and fills @info without changing the
 * packet's bytes (it may pull headers into the linear area). Protocol 4:
 * the inner packet must be a whole, valid IPv4 header (version 4, ihl >= 5,
 * within the payload, checksum right), its tot_len within the payload
 * (trailing bytes are trimmed later), and its ECN field must accept the
 * outer one (RFC 6040: outer CE on a not-ECT inner packet is dropped).
 * Protocol 55: the forwarding header, 8 or 12 bytes by its S bit, must be
 * within the payload and its checksum right.
 *
 * Errors, each its own reason (drop the packet and count it, but for the
 * first two):
 *   -EPROTONOSUPPORT  neither protocol 4 nor 55: not ours, let it pass
 *   -EAGAIN           the outer packet is a fragment: decapsulate after
 *                     reassembly (hook after NF_IP_PRI_CONNTRACK_DEFRAG)
 *   -EPROTO           a header that is not IPv4 or has ihl < 5
 *   -ENODATA          truncated: payload shorter than the inner header
 *                     or than the forwarding header
 *   -EMSGSIZE         lengths disagree: inner tot_len beyond the payload
 *                     or below its header, outer tot_len beyond the skb
 *   -EBADMSG          bad inner header or forwarding header checksum
 *   -ELOOP            nested encapsulation (inner protocol 4 or 55)
 *   -EILSEQ           ECN: outer CE on a not-ECT inner packet
 *
 * hmmp_decap_apply() strips what @info describes: the packet becomes the
 * original datagram at skb->data, network header there, transport header
 * after it, MAC header moved up to it; IP-in-IP: trailing bytes trimmed,
 * ECN applied, GSO encapsulation bits and skb->encapsulation cleared (GRO
 * aggregates); minimal: protocol, destination and (S) source restored,
 * tot_len and checksum set. CHECKSUM_COMPLETE is kept right,
 * CHECKSUM_PARTIAL needs nothing (the payload does not move). The dst and
 * the flow hash are dropped: the caller returns NF_ACCEPT and
 * ip_rcv_finish() routes the inner packet afresh. Conntrack is left as it
 * is: hook before NF_IP_PRI_CONNTRACK so that the inner packet is the one
 * tracked (after it, the skb carries the outer packet's entry). Returns 0,
 * or -ENOMEM (drop the packet).
 * All three: any context, the skb owned by the caller.
 */
int hmmp_decap_parse(struct sk_buff *skb, struct hmmp_decap_info *info);
int hmmp_decap_apply(struct sk_buff *skb, const struct hmmp_decap_info *info);

/* Outer IPv4 plus UDP header of HMMP_ENCAP_UDP. */
#define HMMP_UDP_OVERHEAD	28

/*
 * UDP encapsulation shares its port with SIP and STUN (docs/datapath.md,
 * "UDP encapsulation"), so each datagram that reaches the tunnel socket is
 * classified first. @skb is as a UDP socket's encap_rcv handler gets it:
 * skb->data at the UDP header (whose checksum the stack has verified), the
 * network header the outer IPv4 one. A tunnel frame is a payload that is
 * one whole IPv4 packet: version 4, ihl >= 5, the header within the
 * payload and its checksum right, and its total length exactly the
 * payload's. A SIP request ("INFO" begins with 0x49, version 4 and ihl 9)
 * would have to get a header checksum and a total length right by
 * chance; STUN (first byte 0 or 1) and keep-alives (CR LF) are never one.
 *
 * Returns 0 and fills @info (outer addresses and source port, inner
 * addresses and protocol, len, strip, inner_hlen, inner_tos) for
 * hmmp_decap_apply(); -ENOENT when the payload is not a tunnel frame (the
 * socket's owner gets it); for a tunnel frame that must be dropped:
 * -ELOOP (nested: inner protocol 4 or 55) or -EILSEQ (RFC 6040: outer CE
 * on a not-ECT inner packet). Does not change the packet's bytes; may
 * pull headers into the linear area. Any context.
 */
int hmmp_udp_parse(struct sk_buff *skb, struct hmmp_decap_info *info);
int hmmp_decap(struct sk_buff *skb, struct hmmp_decap_info *info);

/* RFC 6040 normal mode on a TOS byte. The outer TOS for an inner one. */
u8 hmmp_ecn_encap(u8 inner_tos);
/* The inner TOS after decapsulation, or -EILSEQ: drop (Figure 4). */
int hmmp_ecn_decap(u8 outer_tos, u8 inner_tos);

#endif /* _HMMP_ENCAP_H */
