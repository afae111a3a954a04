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
#include "hmmp.h"
#include "hooks.h"

/* The window scale option of a SYN, or -1. */
static s8 hmmp_tcp_wscale(const struct sk_buff *skb, unsigned int off,
			  unsigned int optlen)
{
	u8 buf[40];
	const u8 *p;
	unsigned int i = 0;

	p = skb_header_pointer(skb, off, optlen, buf);
	if (!p)
		return -1;
	while (i < optlen) {
		u8 kind = p[i];

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= optlen || p[i + 1] < 2 || i + p[i + 1] > optlen)
			break;
		if (kind == TCPOPT_WINDOW && p[i + 1] == TCPOLEN_WINDOW)
			return min_t(u8, p[i + 2], TCP_MAX_WSCALE);
		i += p[i + 1];
	}
	return -1;
}

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
	seg->win = ntohs(th->window);
	seg->len = skb->len - ihl - thl;
	seg->flags = (th->fin ? HMMP_TCP_FIN : 0) | (th->syn ? HMMP_TCP_SYN : 0) |
		     (th->rst ? HMMP_TCP_RST : 0) | (th->ack ? HMMP_TCP_ACK : 0);
	seg->wscale = th->syn ? hmmp_tcp_wscale(skb, ihl + sizeof(*th),
						thl - sizeof(*th)) : -1;
	seg->segs = skb_is_gso(skb) ? max_t(u16, skb_shinfo(skb)->gso_segs, 1) : 1;
	return 0;
}

static unsigned int hmmp_track(struct sk_buff *skb,
			       const struct nf_hook_state *state,
			       enum hmmp_dir dir)
{
	struct hmmp_net *hn = hmmp_net(state->net);
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

static unsigned int hmmp_local_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	return hmmp_track(skb, state, HMMP_DIR_OUT);
}

static unsigned int hmmp_local_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	return hmmp_track(skb, state, HMMP_DIR_IN);
}

static const struct nf_hook_ops hmmp_nf_ops[] = {
	{
		.hook = hmmp_local_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_FILTER + 10,
	},
	{
		.hook = hmmp_local_in,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
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
