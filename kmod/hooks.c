// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter entry points. SIP_EYE sees every TCP segment this host sends
 * (local-out) and receives (local-in), after the filter tables have had
 * their say, so that it tracks what TCP really exchanges.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <net/icmp.h>
#include <net/route.h>
#include <net/dst.h>
#include "hmmp.h"
#include "hooks.h"
#include "encap.h"
#include "udptun.h"
#include "compat.h"

int hmmp_tcp_parse(const struct sk_buff *skb, struct hmmp_tcp_seg *seg)
{
	struct iphdr _iph;
	struct tcphdr _th;
	const struct iphdr *iph;
	const struct tcphdr *th;
	unsigned int ihl, thl;

	iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
	if (!iph)
		return -EINVAL;
	if (iph->protocol != IPPROTO_TCP)
		return -ENOENT;
	if (iph->frag_off & htons(IP_OFFSET))
		return -ENOENT;		/* only the first fragment has ports */
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph) || ihl > skb->len)
		return -EINVAL;
	th = skb_header_pointer(skb, ihl, sizeof(_th), &_th);
	if (!th)
		return -EINVAL;
	thl = th->doff * 4;
	if (thl < sizeof(*th) || ihl + thl > skb->len)
		return -EINVAL;
	if (th->syn && (th->fin || th->rst))
		return -EINVAL;		/* no TCP accepts these */

	seg->saddr = iph->saddr;
	seg->daddr = iph->daddr;
	seg->sport = th->source;
	seg->dport = th->dest;
	seg->seq = ntohl(th->seq);
	seg->ack = ntohl(th->ack_seq);
	seg->len = skb->len - ihl - thl;
	seg->flags = (th->fin ? HMMP_TCP_FIN : 0) | (th->syn ? HMMP_TCP_SYN : 0) |
		     (th->rst ? HMMP_TCP_RST : 0) | (th->ack ? HMMP_TCP_ACK : 0);
	seg->segs = skb_is_gso(skb) ? max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1;
	return 0;
}

static bool hmmp_is_tunnel_proto(u8 proto)
{
	return proto == IPPROTO_IPIP || proto == HMMP_IPPROTO_MINIMAL;
}

/* The four addresses of a tunnel packet: outer, then original (inner). */
struct hmmp_tun_addrs {
	__be32 outer_saddr;
	__be32 outer_daddr;
	__be32 saddr;
	__be32 daddr;
};

/*
 * The binding whose tunnel a packet went through, for the kinds in @kinds
 * (a mask of BIT(HMMP_BIND_*)), whether this host sent the packet (@sent)
 * or received it. A binding keys on the mobile's original address and its
 * correspondent, and its care-of address is the tunnel's end on the
 * mobile's side, so what matters is which way the packet went: toward the
 * mobile when a correspondent or a router sent it or a mobile received
 * it, away from it otherwise. The care-of address must be the outer
 * address on the mobile's side. RCU read side.
 */
static const struct hmmp_binding *
hmmp_tunnel_binding(struct hmmp_net *hn, u32 kinds,
		    const struct hmmp_tun_addrs *a, bool sent)
{
	unsigned long now = jiffies;
	const struct hmmp_binding *b;
	__be32 orig, peer, m_outer;
	bool to_mobile;
	u8 kind;

	for (kind = HMMP_BIND_CORRESPONDENT; kind <= HMMP_BIND_ROUTER; kind++) {
		if (!(kinds & BIT(kind)))
			continue;
		to_mobile = (kind == HMMP_BIND_MOBILE) != sent;
		orig = to_mobile ? a->daddr : a->saddr;
		peer = to_mobile ? a->saddr : a->daddr;
		m_outer = to_mobile ? a->outer_daddr : a->outer_saddr;
		b = hmmp_binding_lookup(&hn->bindings, orig, peer, kind, now);
		if (b && b->coa == m_outer)
			return b;
	}
	return NULL;
}

/*
 * An ICMP error about a packet of one of our tunnels (RFC 2003 section
 * 4), from a router on the tunnel's path. Fragmentation-needed: the path
 * to the tunnel's far end is narrower than its link; the MTU is kept on
 * the binding, not on the route: on a mobile the outer and the original
 * packets go to the same correspondent, and the route's PMTU is the one
 * the original flow must use (20 bytes less). Unreachable and time
 * exceeded: the binding keeps the error as soft state (section 4.1) and
 * the senders of the next packets into the tunnel hear of it
 * (hmmp_tunnel_xmit()), as Linux's ipip does; the quoted packet rarely
 * holds enough of the inner one to relay the error itself.
 */
/*
 * The translation whose tunnel a quoted packet went through: this host
 * sent it, so its inner packet at @ioff is in the peer's view and its
 * outer destination is the translation's far end (@coa, @port). Needs
 * the inner TCP ports in the quote (routers quote up to 576 bytes since
 * RFC 1812). RCU read side; @skb's data may move.
 */
static const struct hmmp_xlate *hmmp_icmp_xlate(struct hmmp_net *hn,
						struct sk_buff *skb,
						unsigned int ioff, __be32 coa,
						__be16 port)
{
	const struct iphdr *inner;
	const __be16 *ports;
	unsigned int ihl;

	if (hmmp_xlate_empty(&hn->xlates) ||
	    !(READ_ONCE(hn->roles) & HMMP_ROLE_CORRESPONDENT))
		return NULL;
	inner = (const struct iphdr *)(skb->data + ioff);
	if (inner->protocol != IPPROTO_TCP || inner->ihl < 5)
		return NULL;
	ihl = inner->ihl * 4;
	if (!pskb_may_pull(skb, ioff + ihl + 2 * sizeof(__be16)))
		return NULL;
	inner = (const struct iphdr *)(skb->data + ioff);
	ports = (const __be16 *)((const u8 *)inner + ihl);
	return hmmp_xlate_lookup_peer(&hn->xlates, inner->daddr, ports[1],
				      inner->saddr, ports[0], coa, port,
				      jiffies);
}

/* The encapsulation a quoted outer packet's protocol says. */
static u8 hmmp_quoted_encap(u8 proto)
{
	switch (proto) {
	case IPPROTO_IPIP:
		return HMMP_ENCAP_IPIP;
	case HMMP_IPPROTO_MINIMAL:
		return HMMP_ENCAP_MINIMAL;
	default:
		return HMMP_ENCAP_UDP;
	}
}

/*
 * Is the quoted packet one that hmmp_tunnel_xmit() sent through @b's
 * tunnel? Its encapsulation (and a udp tunnel's far-end port), and the
 * outer address on this host's side as that function chooses it: a
 * correspondent sends from the inner source (its own address), a mobile
 * to the inner destination (the correspondent itself); a router's source
 * is its route's, checked by the ICMP's destination alone. With the
 * care-of address (hmmp_tunnel_binding()) and the ICMP addressed to the
 * quoted source, a forger must know the whole tunnel.
 */
static bool hmmp_quote_is_ours(const struct hmmp_binding *b, u8 encap,
			       __be16 port, const struct hmmp_tun_addrs *a)
{
	if (b->encap != encap || (encap == HMMP_ENCAP_UDP && b->port != port))
		return false;
	switch (b->kind) {
	case HMMP_BIND_CORRESPONDENT:
		return a->outer_saddr == a->saddr;
	case HMMP_BIND_MOBILE:
		return a->outer_daddr == a->daddr;
	default:
		return true;
	}
}

static void hmmp_icmp_in(struct hmmp_net *hn, struct sk_buff *skb)
{
	unsigned int off = ip_hdrlen(skb), need, ioff = 0;
	const struct icmphdr *icmph;
	const struct iphdr *outer, *inner;
	const struct hmmp_minhdr *mh;
	const struct hmmp_tun_path *path = NULL;
	const struct hmmp_binding *b;
	const struct hmmp_xlate *x;
	struct hmmp_tun_addrs a;
	__be16 port = 0;
	u8 type, code, encap;
	u32 mtu;

	if (!atomic_read(&hn->bindings.count) && hmmp_xlate_empty(&hn->xlates))
		return;
	need = off + sizeof(*icmph) + sizeof(*outer);
	if (!pskb_may_pull(skb, need))
		return;
	icmph = (const struct icmphdr *)(skb->data + off);
	outer = (const struct iphdr *)(icmph + 1);
	if ((icmph->type != ICMP_DEST_UNREACH &&
	     icmph->type != ICMP_TIME_EXCEEDED) || outer->ihl < 5 ||
	    (!hmmp_is_tunnel_proto(outer->protocol) &&
	     outer->protocol != IPPROTO_UDP))
		return;
	need += outer->ihl * 4 - sizeof(*outer);
	if (outer->protocol == IPPROTO_UDP)
		need += sizeof(struct udphdr) + sizeof(*inner);
	else
		need += outer->protocol == IPPROTO_IPIP ? sizeof(*inner) :
							  HMMP_MINIMAL_HLEN;
	if (!pskb_may_pull(skb, need))
		return;
	icmph = (const struct icmphdr *)(skb->data + off);
	outer = (const struct iphdr *)(icmph + 1);
	/* An error about a packet this host sent comes back to its source. */
	if (outer->saddr != ip_hdr(skb)->daddr)
		return;
	/* Kept: further pulls may move the data. */
	encap = hmmp_quoted_encap(outer->protocol);
	type = icmph->type;
	code = icmph->code;
	mtu = ntohs(icmph->un.frag.mtu);
	a.outer_saddr = outer->saddr;
	a.outer_daddr = outer->daddr;
	if (outer->protocol == IPPROTO_UDP) {
		/* UDP encapsulation: only from our tunnel socket's port. */
		const struct udphdr *uh = (const struct udphdr *)
			((const u8 *)outer + outer->ihl * 4);
		struct sock *usk = hmmp_udp_sock(hn->net);

		if (!usk || uh->source != inet_sk(usk)->inet_sport)
			return;
		inner = (const struct iphdr *)(uh + 1);
		a.saddr = inner->saddr;
		a.daddr = inner->daddr;
		port = uh->dest;
		ioff = (const u8 *)inner - skb->data;
	} else if (outer->protocol == IPPROTO_IPIP) {
		inner = (const struct iphdr *)((const u8 *)outer +
					       outer->ihl * 4);
		a.saddr = inner->saddr;
		a.daddr = inner->daddr;
		ioff = (const u8 *)inner - skb->data;
	} else {
		mh = (const struct hmmp_minhdr *)((const u8 *)outer +
						  outer->ihl * 4);
		a.daddr = mh->daddr;
		a.saddr = outer->saddr;
		/* The original source: quoted only when it was sent. */
		if ((mh->flags & HMMP_MINIMAL_S) &&
		    pskb_may_pull(skb, need + HMMP_MINIMAL_HLEN_SRC -
				  HMMP_MINIMAL_HLEN)) {
			outer = (const struct iphdr *)(skb->data + off +
						       sizeof(*icmph));
			mh = (const struct hmmp_minhdr *)((const u8 *)outer +
							  outer->ihl * 4);
			a.saddr = mh->saddr;
		}
	}
	b = hmmp_tunnel_binding(hn, BIT(HMMP_BIND_CORRESPONDENT) |
				BIT(HMMP_BIND_MOBILE) | BIT(HMMP_BIND_ROUTER),
				&a, true);
	if (b && hmmp_quote_is_ours(b, encap, port, &a)) {
		path = &b->path;
	} else if (!b && ioff) {
		/* Minimal encapsulation's quote is not looked into: its
		 * ports sit behind the forwarding header. A translation's
		 * packets leave from its LADDR.
		 */
		x = hmmp_icmp_xlate(hn, skb, ioff, a.outer_daddr, port);
		if (x && x->encap == encap && x->laddr == a.outer_saddr)
			path = &x->path;
	}
	if (!path)
		return;
	this_cpu_inc(hn->dp->tunnel_errors);
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		/* As ipv4_update_pmtu(): clamped to the route's minimum. */
		hmmp_path_note_pmtu(path, mtu,
				    READ_ONCE(hn->net->ipv4.ip_rt_min_pmtu),
				    jiffies, 600 * HZ);
		return;
	}
	hmmp_path_note_error(path, jiffies);
}

/*
 * The MTU of the tunnel's outer path: the route's configured MTU or its
 * device's, lowered by what ICMP taught the binding; never the route's
 * PMTU exception (see hmmp_icmp_in()).
 */
static unsigned int hmmp_outer_mtu(const struct dst_entry *dst,
				   const struct hmmp_tun_path *path)
{
	unsigned int mtu = dst_metric_raw(dst, RTAX_MTU);
	u32 pmtu = hmmp_path_pmtu(path, jiffies);

	if (!mtu)
		mtu = READ_ONCE(dst->dev->mtu);
	return pmtu && pmtu < mtu ? pmtu : mtu;
}

/* SIP_EYE observes; it never drops. Returns hmmp_tcp_parse()'s result,
 * @seg filled when 0.
 */
static int hmmp_track(struct hmmp_net *hn, struct sk_buff *skb,
		      enum hmmp_dir dir, struct hmmp_tcp_seg *seg)
{
	int err;

	err = hmmp_tcp_parse(skb, seg);
	if (!err)
		hmmp_sipeye_track(&hn->sipeye, dir, seg, jiffies);
	else if (err == -EINVAL)
		hmmp_sipeye_count_invalid(&hn->sipeye);
	return err;
}

/*
 * What hmmp_tunnel_xmit() needs of the entry that names a tunnel: a
 * binding, or a connection translation, whose segments are also
 * rewritten to the peer's view on their way in.
 */
struct hmmp_tx {
	const struct hmmp_tun_path *path;
	struct hmmp_binding_ctr *ctr;
	const struct hmmp_xlate *xlate;	/* NULL: a binding's */
	__be16 port;
	u8 encap;
	bool min_src;
};

static void hmmp_tx_binding(struct hmmp_tx *tx, const struct hmmp_binding *b)
{
	tx->path = &b->path;
	tx->ctr = b->ctr;
	tx->xlate = NULL;
	tx->port = b->port;
	tx->encap = b->encap;
	tx->min_src = b->min_src;
}

static void hmmp_tx_xlate(struct hmmp_tx *tx, const struct hmmp_xlate *x)
{
	tx->path = &x->path;
	tx->ctr = x->ctr;
	tx->xlate = x;
	tx->port = x->port;
	tx->encap = x->encap;
	tx->min_src = false;
}

static unsigned int hmmp_overhead(u8 encap, bool with_src)
{
	if (encap == HMMP_ENCAP_IPIP)
		return sizeof(struct iphdr);
	if (encap == HMMP_ENCAP_UDP)
		return HMMP_UDP_OVERHEAD;
	return with_src ? HMMP_MINIMAL_HLEN_SRC : HMMP_MINIMAL_HLEN;
}

static bool hmmp_too_big(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb))
		return !skb_gso_validate_network_len(skb, mtu);
	return skb->len > mtu;
}

/*
 * Encapsulates one packet. The outer packet is marked as forwarded so
 * that the output path sizes it by its device's MTU, as it would leave a
 * tunnel device, and not by the route's PMTU exception: on a mobile the
 * outer and the original packets go to the same correspondent, and that
 * exception is the original flow's, 20 bytes narrower (hmmp_tunnel_xmit()
 * has already checked the outer size against the tunnel's path).
 */
static int hmmp_encap_one(struct net *net, struct sk_buff *skb, u8 encap,
			  __be32 saddr, __be32 daddr, bool with_src)
{
	int err;

	if (encap == HMMP_ENCAP_IPIP)
		err = hmmp_encap_ipip(net, skb, saddr, daddr, 0);
	else
		err = hmmp_encap_minimal(skb, saddr, daddr, with_src);
	if (!err)
		IPCB(skb)->flags |= IPSKB_FORWARDED;
	return err;
}

/*
 * Sends @skb (an IPv4 packet at skb->data) into the tunnel @tx describes,
 * from @saddr (0: the route's choice) to @daddr. In place when it can, so that
 * the hook goes on with the encapsulated packet (NF_ACCEPT); a GSO packet
 * for minimal encapsulation, which has no GSO type, is segmented and each
 * segment sent on its own (NF_STOLEN); with @steal (forwarding) the packet
 * always leaves through ip_local_out() from this host. A packet too big
 * for the tunnel with DF set is answered with ICMP fragmentation-needed
 * carrying the tunnel's MTU (RFC 2003 section 5.1). UDP encapsulation
 * leaves through the namespace's tunnel socket (udptun.c), always
 * NF_STOLEN; without a socket its packets are dropped and counted.
 *
 * A translation's segment is rewritten to the peer's view only after the
 * checks: the ICMP errors they send (fragmentation-needed, relayed
 * unreachables) quote it in this host's view, the one its TCP knows.
 */
static unsigned int hmmp_tunnel_xmit(struct hmmp_net *hn, struct sk_buff *skb,
				     const struct hmmp_tx *tx,
				     __be32 saddr, __be32 daddr, bool steal)
{
	struct hmmp_dp_pcpu __percpu *dp = hn->dp;
	struct net *net = hn->net;
	unsigned int segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
	unsigned int len = skb->len, mtu;
	struct flowi4 fl4 = {
		.daddr = daddr,
		.saddr = saddr,
		.flowi4_mark = skb->mark,
		.flowi4_proto = tx->encap == HMMP_ENCAP_IPIP ? IPPROTO_IPIP :
					HMMP_IPPROTO_MINIMAL,
	};
	struct sk_buff *segs_list, *seg, *next;
	struct sock *usk = NULL;
	bool with_src;
	struct rtable *rt;
	int err;

	if (tx->encap == HMMP_ENCAP_UDP) {
		usk = hmmp_udp_sock(net);
		if (!usk) {
			this_cpu_inc(dp->udp_nosock);
			return NF_DROP;
		}
		fl4.flowi4_proto = IPPROTO_UDP;
		fl4.fl4_sport = inet_sk(usk)->inet_sport;
		fl4.fl4_dport = tx->port;
	}
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NF_DROP;
	saddr = fl4.saddr;
	if (hmmp_path_take_error(tx->path, jiffies)) {
		/* RFC 2003 section 4.1: the tunnel reported trouble; tell
		 * this sender, and still try to deliver.
		 */
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
		this_cpu_inc(dp->errors_relayed);
	}
	/* RFC 2004: the original source travels along when it changes
	 * (a translation's is the peer's view of this host).
	 */
	with_src = tx->min_src ||
		   saddr != (tx->xlate ? tx->xlate->peer_raddr :
					 ip_hdr(skb)->saddr);
	mtu = hmmp_outer_mtu(&rt->dst, tx->path) -
	      hmmp_overhead(tx->encap, with_src);
	if ((ip_hdr(skb)->frag_off & htons(IP_DF)) && hmmp_too_big(skb, mtu)) {
		/* To the sender, local or not; a local TCP's error handler
		 * then lowers the path MTU of its own route. (Not
		 * skb_dst_update_pmtu(): it needs skb->dev, unset at
		 * local-out.)
		 */
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
		this_cpu_inc(dp->pmtu_sent);
		ip_rt_put(rt);
		/* Consumed, not dropped: NF_DROP would fail a local sender's
		 * sendmsg() with EPERM, where a tunnel device accepts the
		 * packet and lets ICMP tell.
		 */
		kfree_skb(skb);
		return NF_STOLEN;
	}

	if (tx->xlate) {
		if (hmmp_xlate_to_peer(skb, tx->xlate)) {
			ip_rt_put(rt);
			return NF_DROP;
		}
		this_cpu_add(dp->xlate, segs);
	}

	if (usk) {
		/* iptunnel_xmit() scrubs it: the outer flow is the socket's */
		if (hmmp_udp_xmit(usk, skb, rt, saddr, daddr, tx->port))
			return NF_STOLEN;	/* consumed, and not sent */
		goto stolen;
	}

	if (tx->encap == HMMP_ENCAP_MINIMAL && skb_is_gso(skb)) {
		segs_list = hmmp_encap_segment(skb, 0);
		if (IS_ERR(segs_list)) {
			ip_rt_put(rt);
			return NF_DROP;
		}
		skb_list_walk_safe(segs_list, seg, next) {
			skb_mark_not_on_list(seg);
			if (hmmp_encap_one(net, seg, tx->encap, saddr, daddr,
					   with_src)) {
				kfree_skb(seg);
				continue;
			}
			skb_dst_drop(seg);
			skb_dst_set(seg, dst_clone(&rt->dst));
			ip_local_out(net, seg->sk, seg);
		}
		ip_rt_put(rt);
		goto stolen;
	}

	err = hmmp_encap_one(net, skb, tx->encap, saddr, daddr, with_src);
	if (err) {
		ip_rt_put(rt);
		return NF_DROP;
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	if (steal) {
		nf_reset_ct(skb);
		ip_local_out(net, skb->sk, skb);
		goto stolen;
	}
	this_cpu_add(dp->encap, segs);
	hmmp_ctr_add(tx->ctr, HMMP_BINDING_ENCAP, segs, len);
	return NF_ACCEPT;

stolen:
	/* Counted in packets on the wire: a GSO packet's segments. */
	if (steal)
		this_cpu_add(dp->fwd, segs);
	else
		this_cpu_add(dp->encap, segs);
	hmmp_ctr_add(tx->ctr, HMMP_BINDING_ENCAP, segs, len);
	return NF_STOLEN;
}

/*
 * Local-out: SIP_EYE first (in this host's view), then the tunnels this
 * host starts. As a correspondent, a TCP segment of a translated
 * connection (by this host's view) goes to the peer's view and into its
 * tunnel, before any binding: the translation is the more specific; other
 * packets to a bound original address go to its care-of address. As a
 * mobile, packets from an original address to a bound correspondent leave
 * from the current address (reverse tunnel, so that ingress filtering in
 * the visited network passes them).
 */
static unsigned int hmmp_local_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct hmmp_net *hn = hmmp_net(state->net);
	const struct hmmp_binding *b;
	const struct hmmp_xlate *x;
	const struct iphdr *iph;
	struct hmmp_tcp_seg seg;
	struct hmmp_tx tx;
	u32 roles;
	int tcp;

	tcp = hmmp_track(hn, skb, HMMP_DIR_OUT, &seg);
	if (!tcp && !hmmp_xlate_empty(&hn->xlates) &&
	    (READ_ONCE(hn->roles) & HMMP_ROLE_CORRESPONDENT) &&
	    !ip_is_fragment(ip_hdr(skb))) {
		x = hmmp_xlate_lookup(&hn->xlates, seg.saddr, seg.sport,
				      seg.daddr, seg.dport, jiffies);
		if (x) {
			hmmp_tx_xlate(&tx, x);
			/* The outer source: this host's own address. */
			return hmmp_tunnel_xmit(hn, skb, &tx, seg.saddr, x->coa,
						false);
		}
	}
	if (!atomic_read(&hn->bindings.count))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (hmmp_is_tunnel_proto(iph->protocol))
		return NF_ACCEPT;	/* never nest */
	roles = READ_ONCE(hn->roles);
	if (roles & HMMP_ROLE_CORRESPONDENT) {
		b = hmmp_binding_lookup(&hn->bindings, iph->daddr, iph->saddr,
					HMMP_BIND_CORRESPONDENT, jiffies);
		if (b) {
			hmmp_tx_binding(&tx, b);
			return hmmp_tunnel_xmit(hn, skb, &tx, iph->saddr,
						b->coa, false);
		}
	}
	if (roles & HMMP_ROLE_MOBILE) {
		b = hmmp_binding_lookup(&hn->bindings, iph->saddr, iph->daddr,
					HMMP_BIND_MOBILE, jiffies);
		if (b) {
			hmmp_tx_binding(&tx, b);
			return hmmp_tunnel_xmit(hn, skb, &tx, b->coa,
						iph->daddr, false);
		}
	}
	return NF_ACCEPT;
}

static unsigned int hmmp_local_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct hmmp_net *hn = hmmp_net(state->net);
	struct hmmp_tcp_seg seg;

	if (ip_hdr(skb)->protocol == IPPROTO_ICMP)
		hmmp_icmp_in(hn, skb);
	hmmp_track(hn, skb, HMMP_DIR_IN, &seg);
	return NF_ACCEPT;
}

/* Is the packet at skb->data addressed to this host? (Before routing.) */
static bool hmmp_for_us(struct net *net, const struct sk_buff *skb)
{
	return inet_addr_type_dev_table(net, skb->dev, ip_hdr(skb)->daddr) ==
	       RTN_LOCAL;
}

/*
 * Reassembles a fragmented tunnel packet addressed to this host, as the
 * local delivery path would, so that it can be decapsulated (a
 * namespace without conntrack has no defragmentation in pre-routing).
 * Returns 0 with the whole packet in @skb, or non-zero when @skb was
 * queued or dropped (the caller returns NF_STOLEN).
 */
static int hmmp_defrag(struct net *net, struct sk_buff *skb)
{
	int err;

	local_bh_disable();
	err = ip_defrag(net, skb, IP_DEFRAG_LOCAL_DELIVER);
	local_bh_enable();
	if (!err)
		skb->ignore_df = 1;
	return err;
}

/*
 * Could a connection translation take this tunnel packet that no binding
 * names? A TCP segment, to a correspondent with translations: the lookup
 * itself needs its ports, after decapsulation.
 */
static bool hmmp_xlate_may_decap(struct hmmp_net *hn, u32 kinds,
				 const struct hmmp_decap_info *di)
{
	return (kinds & BIT(HMMP_BIND_CORRESPONDENT)) &&
	       di->inner_protocol == IPPROTO_TCP &&
	       !hmmp_xlate_empty(&hn->xlates);
}

/*
 * Pre-routing, after defragmentation and before conntrack: take packets
 * out of the tunnels this host ends. Only packets addressed to this host
 * are looked at: a router passes tunnels through untouched, whatever its
 * bindings. The outer addresses must match a binding of the same
 * encapsulation: as a correspondent, the outer source is the care-of
 * address bound to the inner source; as a mobile, the outer destination is
 * the care-of address bound to the inner destination (the outer source is
 * not checked: it is the correspondent, or the previous gateway's
 * forwarding tunnel; see docs/datapath.md, "Trust"). The inner packet is
 * then routed and delivered as if it had arrived alone. Encapsulated
 * packets that match no binding, or are malformed, are dropped and
 * counted.
 */
static unsigned int hmmp_pre_routing(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct hmmp_net *hn = hmmp_net(state->net);
	const struct hmmp_binding *b;
	const struct hmmp_xlate *x;
	struct hmmp_decap_info di;
	struct hmmp_tun_addrs a;
	u32 roles, kinds = 0;
	unsigned int segs;
	int err;

	if (!hmmp_is_tunnel_proto(ip_hdr(skb)->protocol))
		return NF_ACCEPT;
	roles = READ_ONCE(hn->roles);
	if (roles & HMMP_ROLE_CORRESPONDENT)
		kinds |= BIT(HMMP_BIND_CORRESPONDENT);
	if (roles & HMMP_ROLE_MOBILE)
		kinds |= BIT(HMMP_BIND_MOBILE);
	if (!kinds || !hmmp_for_us(state->net, skb))
		return NF_ACCEPT;
	if (ip_is_fragment(ip_hdr(skb)) && hmmp_defrag(state->net, skb))
		return NF_STOLEN;
	err = hmmp_decap_parse(skb, &di);
	if (err == -EPROTONOSUPPORT)
		return NF_ACCEPT;
	if (err) {
		this_cpu_inc(hn->dp->decap_errors);
		return NF_DROP;
	}

	a.outer_saddr = di.outer_saddr;
	a.outer_daddr = di.outer_daddr;
	a.saddr = di.inner_saddr;
	a.daddr = di.inner_daddr;
	b = hmmp_tunnel_binding(hn, kinds, &a, false);
	if (b && b->encap != di.encap)
		b = NULL;
	if (!b && !hmmp_xlate_may_decap(hn, kinds, &di)) {
		this_cpu_inc(hn->dp->unknown_peer);
		return NF_DROP;
	}
	if (hmmp_decap_apply(skb, &di)) {
		this_cpu_inc(hn->dp->decap_errors);
		return NF_DROP;
	}
	segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
	if (b) {
		hmmp_binding_count(b, HMMP_BINDING_DECAP, segs, di.len);
	} else {
		/* Stripped already: dropped if no translation takes it. */
		x = hmmp_xlate_decap(&hn->xlates, skb, di.outer_saddr, 0,
				     di.encap, jiffies);
		if (IS_ERR_OR_NULL(x)) {
			if (x)
				this_cpu_inc(hn->dp->decap_errors);
			else
				this_cpu_inc(hn->dp->unknown_peer);
			return NF_DROP;
		}
		hmmp_ctr_add(x->ctr, HMMP_BINDING_DECAP, segs, di.len);
		this_cpu_add(hn->dp->xlate, segs);
	}
	this_cpu_add(hn->dp->decap, segs);
	return NF_ACCEPT;
}

/*
 * Forward: the previous gateway's short-lived tunnel (the seed's P-MSC).
 * Packets routed toward a mobile's previous address go to its care-of
 * address for as long as the router binding lives. ip_forward() has
 * already decremented the inner TTL, as RFC 2003 section 3.1 asks of a
 * forwarding encapsulator.
 */
static unsigned int hmmp_forward(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct hmmp_net *hn = hmmp_net(state->net);
	const struct hmmp_binding *b;
	const struct iphdr *iph;
	struct hmmp_tx tx;

	if (!(READ_ONCE(hn->roles) & HMMP_ROLE_ROUTER) ||
	    !atomic_read(&hn->bindings.count))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (hmmp_is_tunnel_proto(iph->protocol))
		return NF_ACCEPT;
	b = hmmp_binding_lookup(&hn->bindings, iph->daddr, iph->saddr,
				HMMP_BIND_ROUTER, jiffies);
	if (!b)
		return NF_ACCEPT;
	hmmp_tx_binding(&tx, b);
	return hmmp_tunnel_xmit(hn, skb, &tx, 0, b->coa, true);
}

static const struct nf_hook_ops hmmp_nf_ops[] = {
	{
		.hook = hmmp_pre_routing,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		/* after defragmentation, before raw and conntrack */
		.priority = NF_IP_PRI_CONNTRACK_DEFRAG + 50,
	},
	{
		.hook = hmmp_local_in,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP_PRI_FILTER + 10,
	},
	{
		.hook = hmmp_forward,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_FORWARD,
		.priority = NF_IP_PRI_FILTER + 10,
	},
	{
		.hook = hmmp_local_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_FILTER + 10,
	},
};

int hmmp_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, hmmp_nf_ops, ARRAY_SIZE(hmmp_nf_ops));
}

void hmmp_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, hmmp_nf_ops, ARRAY_SIZE(hmmp_nf_ops));
}
