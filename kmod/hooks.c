// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter entry points. SIP_EYE sees every TCP segment this host sends
 * (local-out) and receives (local-in), after the filter tables have had
 * their say, so that it tracks what TCP really exchanges.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/tcp.h>
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

/*
 * The binding whose tunnel carried a packet this host encapsulated, from
 * the packet's outer and original addresses: as a correspondent the outer
 * destination is the care-of address of the original destination; as a
 * mobile the original source is bound to the original destination; as a
 * router the outer destination is the care-of address of the original
 * destination, for any peer. RCU read side.
 */
static const struct hmmp_binding *
hmmp_binding_of_sent(struct hmmp_net *hn, __be32 outer_daddr, __be32 saddr,
		     __be32 daddr)
{
	unsigned long now = jiffies;
	const struct hmmp_binding *b;

	b = hmmp_binding_lookup(&hn->bindings, daddr, saddr,
				HMMP_BIND_CORRESPONDENT, now);
	if (b && b->coa == outer_daddr)
		return b;
	b = hmmp_binding_lookup(&hn->bindings, saddr, daddr, HMMP_BIND_MOBILE,
				now);
	if (b && b->peer == outer_daddr)
		return b;
	b = hmmp_binding_lookup(&hn->bindings, daddr, 0, HMMP_BIND_ROUTER, now);
	if (b && b->coa == outer_daddr)
		return b;
	return NULL;
}

/*
 * ICMP fragmentation-needed about a packet of one of our tunnels (RFC 2003
 * section 4): the path to the tunnel's far end is narrower than its link.
 * The MTU is kept on the binding, not on the route: on a mobile the outer
 * and the original packets go to the same correspondent, and the route's
 * PMTU is the one the original flow must use (20 bytes less).
 */
static void hmmp_icmp_in(struct hmmp_net *hn, struct sk_buff *skb)
{
	unsigned int off = ip_hdrlen(skb), need;
	const struct icmphdr *icmph;
	const struct iphdr *outer, *inner;
	const struct hmmp_minhdr *mh;
	const struct hmmp_binding *b;
	__be32 saddr, daddr;
	u32 mtu;

	if (!atomic_read(&hn->bindings.count))
		return;
	need = off + sizeof(*icmph) + sizeof(*outer);
	if (!pskb_may_pull(skb, need))
		return;
	icmph = (const struct icmphdr *)(skb->data + off);
	outer = (const struct iphdr *)(icmph + 1);
	if (icmph->type != ICMP_DEST_UNREACH ||
	    icmph->code != ICMP_FRAG_NEEDED || outer->ihl < 5)
		return;
	need += outer->ihl * 4 - sizeof(*outer);
	if (outer->protocol == IPPROTO_IPIP) {
		if (!pskb_may_pull(skb, need + sizeof(*inner)))
			return;
		outer = (const struct iphdr *)(skb->data + off +
					       sizeof(*icmph));
		inner = (const struct iphdr *)((const u8 *)outer +
					       outer->ihl * 4);
		saddr = inner->saddr;
		daddr = inner->daddr;
	} else if (outer->protocol == HMMP_IPPROTO_MINIMAL) {
		if (!pskb_may_pull(skb, need + HMMP_MINIMAL_HLEN_SRC))
			return;
		outer = (const struct iphdr *)(skb->data + off +
					       sizeof(*icmph));
		mh = (const struct hmmp_minhdr *)((const u8 *)outer +
						  outer->ihl * 4);
		daddr = mh->daddr;
		saddr = mh->flags & HMMP_MINIMAL_S ? mh->saddr : outer->saddr;
	} else {
		return;
	}
	b = hmmp_binding_of_sent(hn, outer->daddr, saddr, daddr);
	mtu = ntohs(icmph->un.frag.mtu);
	if (!b || mtu < IPV4_MIN_MTU)
		return;
	hmmp_binding_note_pmtu(b, mtu, jiffies + 600 * HZ);
}

/*
 * The MTU of the tunnel's outer path: the route's configured MTU or its
 * device's, lowered by what ICMP taught the binding; never the route's
 * PMTU exception (see hmmp_icmp_in()).
 */
static unsigned int hmmp_outer_mtu(const struct dst_entry *dst,
				   const struct hmmp_binding *b)
{
	unsigned int mtu = dst_metric_raw(dst, RTAX_MTU);
	u32 pmtu = hmmp_binding_pmtu(b, jiffies);

	if (!mtu)
		mtu = READ_ONCE(dst->dev->mtu);
	return pmtu && pmtu < mtu ? pmtu : mtu;
}

static unsigned int hmmp_track(struct hmmp_net *hn, struct sk_buff *skb,
			       enum hmmp_dir dir)
{
	struct hmmp_tcp_seg seg;
	int err;

	err = hmmp_tcp_parse(skb, &seg);
	if (!err)
		hmmp_sipeye_track(&hn->sipeye, dir, &seg, jiffies);
	else if (err == -EINVAL)
		hmmp_sipeye_count_invalid(&hn->sipeye);
	/* SIP_EYE observes; it never drops. */
	return NF_ACCEPT;
}

static bool hmmp_is_tunnel_proto(u8 proto)
{
	return proto == IPPROTO_IPIP || proto == HMMP_IPPROTO_MINIMAL;
}

static unsigned int hmmp_overhead(const struct hmmp_binding *b, bool with_src)
{
	if (b->encap == HMMP_ENCAP_IPIP)
		return sizeof(struct iphdr);
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
static int hmmp_encap_one(struct net *net, struct sk_buff *skb,
			  const struct hmmp_binding *b, __be32 saddr,
			  __be32 daddr, bool with_src)
{
	int err;

	if (b->encap == HMMP_ENCAP_IPIP)
		err = hmmp_encap_ipip(net, skb, saddr, daddr, 0);
	else
		err = hmmp_encap_minimal(skb, saddr, daddr, with_src);
	if (!err)
		IPCB(skb)->flags |= IPSKB_FORWARDED;
	return err;
}

/*
 * Sends @skb (an IPv4 packet at skb->data) into the tunnel of @b, from
 * @saddr (0: the route's choice) to @daddr. In place when it can, so that
 * the hook goes on with the encapsulated packet (NF_ACCEPT); a GSO packet
 * for minimal encapsulation, which has no GSO type, is segmented and each
 * segment sent on its own (NF_STOLEN); with @steal (forwarding) the packet
 * always leaves through ip_local_out() from this host. A packet too big
 * for the tunnel with DF set is answered with ICMP fragmentation-needed
 * carrying the tunnel's MTU (RFC 2003 section 5.1).
 */
static unsigned int hmmp_tunnel_xmit(struct hmmp_net *hn, struct sk_buff *skb,
				     const struct hmmp_binding *b,
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
		.flowi4_proto = b->encap == HMMP_ENCAP_IPIP ? IPPROTO_IPIP :
					HMMP_IPPROTO_MINIMAL,
	};
	struct sk_buff *segs_list, *seg, *next;
	bool with_src;
	struct rtable *rt;
	int err;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NF_DROP;
	saddr = fl4.saddr;
	/* RFC 2004: the original source travels along when it changes. */
	with_src = b->min_src || saddr != ip_hdr(skb)->saddr;
	mtu = hmmp_outer_mtu(&rt->dst, b) - hmmp_overhead(b, with_src);
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

	if (b->encap == HMMP_ENCAP_MINIMAL && skb_is_gso(skb)) {
		segs_list = hmmp_encap_segment(skb, 0);
		if (IS_ERR(segs_list)) {
			ip_rt_put(rt);
			return NF_DROP;
		}
		skb_list_walk_safe(segs_list, seg, next) {
			skb_mark_not_on_list(seg);
			if (hmmp_encap_one(net, seg, b, saddr, daddr, with_src)) {
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

	err = hmmp_encap_one(net, skb, b, saddr, daddr, with_src);
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
	this_cpu_inc(dp->encap);
	hmmp_binding_count(b, HMMP_BINDING_ENCAP, segs, len);
	return NF_ACCEPT;

stolen:
	if (steal)
		this_cpu_inc(dp->fwd);
	else
		this_cpu_inc(dp->encap);
	hmmp_binding_count(b, HMMP_BINDING_ENCAP, segs, len);
	return NF_STOLEN;
}

/*
 * Local-out: SIP_EYE first, then the tunnels this host starts: as a
 * correspondent, packets to a bound original address go to its care-of
 * address; as a mobile, packets from an original address to a bound
 * correspondent leave from the current address (reverse tunnel, so that
 * ingress filtering in the visited network passes them).
 */
static unsigned int hmmp_local_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct hmmp_net *hn = hmmp_net(state->net);
	const struct hmmp_binding *b;
	const struct iphdr *iph;
	u32 roles;

	hmmp_track(hn, skb, HMMP_DIR_OUT);
	if (!atomic_read(&hn->bindings.count))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (hmmp_is_tunnel_proto(iph->protocol))
		return NF_ACCEPT;	/* never nest */
	roles = READ_ONCE(hn->roles);
	if (roles & HMMP_ROLE_CORRESPONDENT) {
		b = hmmp_binding_lookup(&hn->bindings, iph->daddr, iph->saddr,
					HMMP_BIND_CORRESPONDENT, jiffies);
		if (b)
			return hmmp_tunnel_xmit(hn, skb, b, iph->saddr, b->coa,
						false);
	}
	if (roles & HMMP_ROLE_MOBILE) {
		b = hmmp_binding_lookup(&hn->bindings, iph->saddr, iph->daddr,
					HMMP_BIND_MOBILE, jiffies);
		if (b)
			return hmmp_tunnel_xmit(hn, skb, b, b->coa, iph->daddr,
						false);
	}
	return NF_ACCEPT;
}

static unsigned int hmmp_local_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct hmmp_net *hn = hmmp_net(state->net);

	if (ip_hdr(skb)->protocol == IPPROTO_ICMP)
		hmmp_icmp_in(hn, skb);
	return hmmp_track(hn, skb, HMMP_DIR_IN);
}

/* Is the packet at skb->data addressed to this host? (Before routing.) */
static bool hmmp_for_us(struct net *net, const struct sk_buff *skb)
{
	return inet_addr_type_dev_table(net, skb->dev, ip_hdr(skb)->daddr) ==
	       RTN_LOCAL;
}

/*
 * Pre-routing, after defragmentation and before conntrack: take packets
 * out of the tunnels this host ends. The outer addresses must match a
 * binding: as a correspondent, the outer source is the care-of address
 * bound to the inner source; as a mobile, the outer destination is the
 * care-of address bound to the inner destination. The inner packet is
 * then routed and delivered as if it had arrived alone. Encapsulated
 * packets addressed to this host that match no binding, or are malformed,
 * are dropped and counted; those passing through (a router) are left be.
 */
static unsigned int hmmp_pre_routing(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct hmmp_net *hn = hmmp_net(state->net);
	const struct hmmp_binding *b = NULL;
	struct hmmp_decap_info di;
	u32 roles;
	int err;

	if (!hmmp_is_tunnel_proto(ip_hdr(skb)->protocol))
		return NF_ACCEPT;
	roles = READ_ONCE(hn->roles);
	if (!(roles & (HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT)))
		return NF_ACCEPT;
	err = hmmp_decap_parse(skb, &di);
	if (err == -EPROTONOSUPPORT || err == -EAGAIN)
		return NF_ACCEPT;
	if (err)
		goto bad;

	if (roles & HMMP_ROLE_CORRESPONDENT) {
		b = hmmp_binding_lookup(&hn->bindings, di.inner_saddr,
					di.inner_daddr, HMMP_BIND_CORRESPONDENT,
					jiffies);
		if (b && b->coa != di.outer_saddr)
			b = NULL;
	}
	if (!b && (roles & HMMP_ROLE_MOBILE)) {
		b = hmmp_binding_lookup(&hn->bindings, di.inner_daddr,
					di.inner_saddr, HMMP_BIND_MOBILE,
					jiffies);
		if (b && b->coa != di.outer_daddr)
			b = NULL;
	}
	if (!b) {
		if (!hmmp_for_us(state->net, skb))
			return NF_ACCEPT;
		this_cpu_inc(hn->dp->unknown_peer);
		return NF_DROP;
	}
	if (hmmp_decap_apply(skb, &di)) {
		this_cpu_inc(hn->dp->decap_errors);
		return NF_DROP;
	}
	this_cpu_inc(hn->dp->decap);
	hmmp_binding_count(b, HMMP_BINDING_DECAP,
			   skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1,
			   di.len);
	return NF_ACCEPT;

bad:
	/* Only what ends here is ours to judge; transit passes. */
	if (!hmmp_for_us(state->net, skb))
		return NF_ACCEPT;
	this_cpu_inc(hn->dp->decap_errors);
	return NF_DROP;
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
	return hmmp_tunnel_xmit(hn, skb, b, 0, b->coa, true);
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
