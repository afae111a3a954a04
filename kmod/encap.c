// SPDX-License-Identifier: GPL-2.0
/*
 * IP-in-IP (RFC 2003) and minimal (RFC 2004) encapsulation, and their
 * decapsulation, as skb transforms. See encap.h for the contract.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/dst.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>
#include "compat.h"
#include "encap.h"

u8 hmmp_ecn_encap(u8 inner_tos)
{
	/* Copy the whole byte, but never put CE on the outer header: a
	 * congestion mark is the inner packet's, the tunnel's path starts
	 * ECN-capable (RFC 6040 4.1, normal mode).
	 */
	if (INET_ECN_is_ce(inner_tos))
		return (inner_tos & ~INET_ECN_MASK) | INET_ECN_ECT_0;
	return inner_tos;
}

int hmmp_ecn_decap(u8 outer_tos, u8 inner_tos)
{
	u8 outer = outer_tos & INET_ECN_MASK;
	u8 inner = inner_tos & INET_ECN_MASK;

	if (inner == INET_ECN_NOT_ECT) {
		/* A congestion mark the endpoints cannot see: drop, it is
		 * the only way to signal it (RFC 6040 4.2).
		 */
		if (outer == INET_ECN_CE)
			return -EILSEQ;
		return inner_tos;
	}
	if (outer == INET_ECN_CE)
		return inner_tos | INET_ECN_CE;
	if (outer == INET_ECN_ECT_1 && inner == INET_ECN_ECT_0)
		return (inner_tos & ~INET_ECN_MASK) | INET_ECN_ECT_1;
	return inner_tos;
}

static bool hmmp_proto_is_encap(u8 protocol)
{
	return protocol == IPPROTO_IPIP || protocol == HMMP_IPPROTO_MINIMAL;
}

/* The IPv4 header at skb->data, whole in the linear area, or NULL. */
static const struct iphdr *hmmp_pull_iphdr(struct sk_buff *skb,
					   unsigned int off)
{
	const struct iphdr *iph;

	if (!pskb_may_pull(skb, off + sizeof(*iph)))
		return NULL;
	iph = (const struct iphdr *)(skb->data + off);
	if (iph->version != 4 || iph->ihl < 5)
		return NULL;
	if (!pskb_may_pull(skb, off + iph->ihl * 4))
		return NULL;
	return (const struct iphdr *)(skb->data + off);
}

int hmmp_encap_ipip(struct net *net, struct sk_buff *skb, __be32 saddr,
		    __be32 daddr, u8 ttl)
{
	const struct iphdr *inner;
	struct iphdr *iph;
	unsigned int ihl;
	__be16 df;
	u8 tos;
	int err;

	inner = hmmp_pull_iphdr(skb, 0);
	if (!inner)
		return -EINVAL;
	if (hmmp_proto_is_encap(inner->protocol))
		return -ELOOP;
	if (!skb_is_gso(skb) && skb->len + sizeof(*iph) > IP_MAX_MTU)
		return -EMSGSIZE;
	ihl = inner->ihl * 4;
	tos = inner->tos;
	df = inner->frag_off & htons(IP_DF);

	err = skb_cow_head(skb, sizeof(*iph));
	if (err)
		return err;

	/* The inner headers, recorded for GSO and checksum offload. */
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, ihl);
	err = iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4);
	if (err)
		return err;
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);

	__skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(*iph));
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = hmmp_ecn_encap(tos);
	/* A GSO skb may exceed 64K; segmentation sets each length. */
	iph_set_totlen(iph, skb->len);
	iph->frag_off = df;
	iph->ttl = ttl ? ttl : HMMP_ENCAP_TTL_DEFAULT;
	iph->protocol = IPPROTO_IPIP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	ip_select_ident_segs(net, skb, NULL,
			     skb_is_gso(skb) ?
			     max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1);
	ip_send_check(iph);

	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	skb->protocol = htons(ETH_P_IP);
	return 0;
}

int hmmp_encap_minimal(struct sk_buff *skb, __be32 saddr, __be32 daddr,
		       bool with_src)
{
	const struct iphdr *orig;
	struct hmmp_minhdr *mh;
	struct iphdr *iph;
	unsigned int ihl, flen;
	__be32 osaddr, odaddr;
	u8 protocol;
	int err;

	orig = hmmp_pull_iphdr(skb, 0);
	if (!orig)
		return -EINVAL;
	if (ntohs(orig->tot_len) != skb->len)
		return -EINVAL;
	if (skb_is_gso(skb) || ip_is_fragment(orig))
		return -EOPNOTSUPP;
	if (hmmp_proto_is_encap(orig->protocol))
		return -ELOOP;
	ihl = orig->ihl * 4;
	osaddr = orig->saddr;
	odaddr = orig->daddr;
	protocol = orig->protocol;
	/* Without S the exit takes the source from the IP header: it must
	 * be the original one.
	 */
	if (saddr != osaddr)
		with_src = true;
	flen = with_src ? HMMP_MINIMAL_HLEN_SRC : HMMP_MINIMAL_HLEN;
	if (skb->len + flen > IP_MAX_MTU)
		return -EMSGSIZE;

	err = skb_cow_head(skb, flen);
	if (err)
		return err;

	/* Move the IP header towards the head; the payload stays put. */
	__skb_push(skb, flen);
	memmove(skb->data, skb->data + flen, ihl);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, ihl + flen);

	mh = (struct hmmp_minhdr *)(skb->data + ihl);
	mh->protocol = protocol;
	mh->flags = with_src ? HMMP_MINIMAL_S : 0;
	mh->check = 0;
	mh->daddr = odaddr;
	if (with_src)
		mh->saddr = osaddr;
	mh->check = ip_compute_csum(mh, flen);

	iph = ip_hdr(skb);
	iph->protocol = HMMP_IPPROTO_MINIMAL;
	iph->saddr = saddr;
	iph->daddr = daddr;
	iph->tot_len = htons(skb->len);
	ip_send_check(iph);

	if (skb->ip_summed != CHECKSUM_PARTIAL)
		skb->ip_summed = CHECKSUM_NONE;
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	skb->protocol = htons(ETH_P_IP);
	return 0;
}

struct sk_buff *hmmp_encap_segment(struct sk_buff *skb,
				   netdev_features_t features)
{
	struct sk_buff *segs;

	if (!skb_is_gso(skb))
		return ERR_PTR(-EINVAL);
	segs = skb_gso_segment(skb, features & ~NETIF_F_GSO_MASK);
	if (IS_ERR(segs))
		return segs;
	if (!segs)
		return ERR_PTR(-EINVAL);
	consume_skb(skb);
	return segs;
}

/*
 * The inner IPv4 packet at @off, @avail bytes of payload from there, of
 * an outer packet with TOS @outer_tos. First whether it is one: a whole
 * header (-ENODATA), version 4 and ihl >= 5 (-EPROTO), its checksum right
 * (-EBADMSG), its total length within @avail and not below the header, all
 * of @avail when @exact (-EMSGSIZE); then the checks of one that is:
 * nested (-ELOOP), RFC 6040 (-EILSEQ). Fills @info's inner addresses and
 * protocol, len, inner_hlen and inner_tos.
 */
static int hmmp_parse_inner(struct sk_buff *skb, unsigned int off,
			    unsigned int avail, bool exact, u8 outer_tos,
			    struct hmmp_decap_info *info)
{
	const struct iphdr *iiph;
	unsigned int ihl, ilen;
	int tos;

	if (avail < sizeof(*iiph) || !pskb_may_pull(skb, off + sizeof(*iiph)))
		return -ENODATA;
	iiph = (const struct iphdr *)(skb->data + off);
	if (iiph->version != 4 || iiph->ihl < 5)
		return -EPROTO;
	ihl = iiph->ihl * 4;
	if (ihl > avail || !pskb_may_pull(skb, off + ihl))
		return -ENODATA;
	iiph = (const struct iphdr *)(skb->data + off);
	if (ip_fast_csum(iiph, iiph->ihl))
		return -EBADMSG;
	ilen = ntohs(iiph->tot_len);
	if (!ilen && skb_is_gso(skb))
		ilen = avail;	/* a GRO aggregate beyond 64K */
	if (ilen > avail || ilen < ihl || (exact && ilen != avail))
		return -EMSGSIZE;
	if (hmmp_proto_is_encap(iiph->protocol))
		return -ELOOP;
	tos = hmmp_ecn_decap(outer_tos, iiph->tos);
	if (tos < 0)
		return tos;

	info->inner_saddr = iiph->saddr;
	info->inner_daddr = iiph->daddr;
	info->inner_protocol = iiph->protocol;
	info->len = ilen;
	info->inner_hlen = ihl;
	info->inner_tos = tos;
	return 0;
}

static int hmmp_decap_parse_ipip(struct sk_buff *skb,
				 const struct iphdr *oiph,
				 unsigned int ohl, unsigned int olen,
				 struct hmmp_decap_info *info)
{
	int err;

	err = hmmp_parse_inner(skb, ohl, olen - ohl, false, oiph->tos, info);
	if (err)
		return err;
	info->encap = HMMP_ENCAP_IPIP;
	info->strip = ohl;
	return 0;
}

static int hmmp_decap_parse_minimal(struct sk_buff *skb,
				    const struct iphdr *oiph,
				    unsigned int ohl, unsigned int olen,
				    struct hmmp_decap_info *info)
{
	const struct hmmp_minhdr *mh;
	unsigned int flen, avail = olen - ohl;

	if (avail < HMMP_MINIMAL_HLEN ||
	    !pskb_may_pull(skb, ohl + HMMP_MINIMAL_HLEN))
		return -ENODATA;
	mh = (const struct hmmp_minhdr *)(skb->data + ohl);
	flen = mh->flags & HMMP_MINIMAL_S ? HMMP_MINIMAL_HLEN_SRC :
					     HMMP_MINIMAL_HLEN;
	if (avail < flen || !pskb_may_pull(skb, ohl + flen))
		return -ENODATA;
	mh = (const struct hmmp_minhdr *)(skb->data + ohl);
	oiph = (const struct iphdr *)skb->data;
	if (ip_compute_csum(mh, flen))
		return -EBADMSG;
	if (hmmp_proto_is_encap(mh->protocol))
		return -ELOOP;

	info->encap = HMMP_ENCAP_MINIMAL;
	info->min_src = flen == HMMP_MINIMAL_HLEN_SRC;
	info->inner_saddr = info->min_src ? mh->saddr : oiph->saddr;
	info->inner_daddr = mh->daddr;
	info->inner_protocol = mh->protocol;
	info->len = olen - flen;
	info->strip = flen;
	info->inner_hlen = ohl;
	info->inner_tos = oiph->tos;
	return 0;
}

int hmmp_decap_parse(struct sk_buff *skb, struct hmmp_decap_info *info)
{
	const struct iphdr *oiph;
	unsigned int ohl, olen;

	memset(info, 0, sizeof(*info));
	if (!pskb_may_pull(skb, sizeof(*oiph)))
		return -ENODATA;
	oiph = (const struct iphdr *)skb->data;
	if (oiph->version != 4 || oiph->ihl < 5)
		return -EPROTO;
	if (oiph->protocol != IPPROTO_IPIP &&
	    oiph->protocol != HMMP_IPPROTO_MINIMAL)
		return -EPROTONOSUPPORT;
	if (ip_is_fragment(oiph))
		return -EAGAIN;
	ohl = oiph->ihl * 4;
	if (!pskb_may_pull(skb, ohl))
		return -ENODATA;
	oiph = (const struct iphdr *)skb->data;
	olen = iph_totlen(skb, oiph);
	if (olen > skb->len || olen < ohl)
		return -EMSGSIZE;

	info->outer_saddr = oiph->saddr;
	info->outer_daddr = oiph->daddr;
	info->outer_hlen = ohl;
	if (oiph->protocol == IPPROTO_IPIP)
		return hmmp_decap_parse_ipip(skb, oiph, ohl, olen, info);
	return hmmp_decap_parse_minimal(skb, oiph, ohl, olen, info);
}

/* Common end: the original datagram starts at skb->data. */
static void hmmp_decap_finish(struct sk_buff *skb, unsigned int ihl)
{
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, ihl);
	skb_mac_header_rebuild(skb);
	/* The outer route and flow hash say nothing of the inner packet. */
	skb_dst_drop(skb);
	skb_clear_hash(skb);
}

static int hmmp_decap_apply_ipip(struct sk_buff *skb,
				 const struct hmmp_decap_info *info)
{
	struct iphdr *iph;

	/* Every allocation first: past them nothing fails. */
	if (skb_is_gso(skb) && skb_unclone(skb, GFP_ATOMIC))
		return -ENOMEM;
	if (skb_ensure_writable(skb, info->strip + info->inner_hlen))
		return -ENOMEM;
	if (pskb_trim_rcsum(skb, info->strip + info->len))
		return -ENOMEM;

	skb_pull_rcsum(skb, info->strip);
	iph = (struct iphdr *)skb->data;
	if (iph->tos != info->inner_tos) {
		/* A valid header sums to zero before and after: a
		 * CHECKSUM_COMPLETE sum does not change.
		 */
		iph->tos = info->inner_tos;
		ip_send_check(iph);
	}
	if (skb_is_gso(skb))
		skb_shinfo(skb)->gso_type &= ~(NETIF_F_GSO_ENCAP_ALL >>
					       NETIF_F_GSO_SHIFT);
	skb->encapsulation = 0;
	hmmp_decap_finish(skb, info->inner_hlen);
	return 0;
}

static int hmmp_decap_apply_minimal(struct sk_buff *skb,
				    const struct hmmp_decap_info *info)
{
	unsigned int hl = info->outer_hlen, flen = info->strip;
	const struct hmmp_minhdr *mh;
	struct hmmp_minhdr m;
	struct iphdr *iph;

	if (skb_ensure_writable(skb, hl + flen))
		return -ENOMEM;
	if (pskb_trim_rcsum(skb, flen + info->len))
		return -ENOMEM;

	mh = (const struct hmmp_minhdr *)(skb->data + hl);
	memcpy(&m, mh, flen);
	/* Out of a CHECKSUM_COMPLETE sum go both headers, in comes the
	 * rebuilt one; the payload does not move, the IP header does.
	 */
	skb_postpull_rcsum(skb, skb->data, hl + flen);
	memmove(skb->data + flen, skb->data, hl);
	__skb_pull(skb, flen);
	iph = (struct iphdr *)skb->data;
	iph->protocol = m.protocol;
	iph->daddr = m.daddr;
	if (m.flags & HMMP_MINIMAL_S)
		iph->saddr = m.saddr;
	iph->tot_len = htons(info->len);
	ip_send_check(iph);
	skb_postpush_rcsum(skb, skb->data, hl);
	hmmp_decap_finish(skb, hl);
	return 0;
}

int hmmp_udp_parse(struct sk_buff *skb, struct hmmp_decap_info *info)
{
	const unsigned int uhl = sizeof(struct udphdr);
	const struct iphdr *oiph = ip_hdr(skb);
	int err;

	memset(info, 0, sizeof(*info));
	if (skb->len < uhl)
		return -ENOENT;
	err = hmmp_parse_inner(skb, uhl, skb->len - uhl, true, oiph->tos, info);
	/* Not a whole, valid IPv4 packet: not a frame, the socket's. */
	if (err == -ENODATA || err == -EPROTO || err == -EBADMSG ||
	    err == -EMSGSIZE)
		return -ENOENT;
	if (err)
		return err;
	/* pulls may have moved the head: the headers afresh */
	oiph = ip_hdr(skb);
	info->encap = HMMP_ENCAP_UDP;
	info->outer_saddr = oiph->saddr;
	info->outer_daddr = oiph->daddr;
	info->outer_sport = ((const struct udphdr *)skb->data)->source;
	info->strip = uhl;
	return 0;
}

int hmmp_decap_apply(struct sk_buff *skb, const struct hmmp_decap_info *info)
{
	/* UDP: the UDP header goes as IP-in-IP's outer header does. */
	if (info->encap == HMMP_ENCAP_IPIP || info->encap == HMMP_ENCAP_UDP)
		return hmmp_decap_apply_ipip(skb, info);
	return hmmp_decap_apply_minimal(skb, info);
}

int hmmp_decap(struct sk_buff *skb, struct hmmp_decap_info *info)
{
	int err;

	err = hmmp_decap_parse(skb, info);
	if (err)
		return err;
	return hmmp_decap_apply(skb, info);
}
