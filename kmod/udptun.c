// SPDX-License-Identifier: GPL-2.0
/*
 * UDP encapsulation: the tunnel socket and its receive handler, and the
 * send side through the kernel's UDP tunnel API.
 *
 * The socket is hmmpd's own SIP socket, handed over by file descriptor
 * (as L2TP takes a userspace socket), so that the NAT mapping that carries
 * the INFO also carries the data. Every datagram to it comes to
 * hmmp_udp_rcv() first: a tunnel frame (hmmp_udp_parse(): a whole, valid
 * IPv4 packet) is decapsulated only when the outer address and port are
 * those of a udp binding, and dropped and counted otherwise; anything else
 * (SIP, STUN, keep-alives) goes on to the socket as if hmmp.ko were not
 * there.
 *
 * Lifetime: the namespace holds a reference on the socket while attached.
 * Attach and detach run under hn->udp_lock: from netlink, from the socket's
 * close (encap_destroy) and from the namespace's teardown. Detaching
 * unhooks the socket, then waits for the packet path (synchronize_net())
 * before dropping the reference, so that no handler of this module runs on
 * it afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/udp.h>
#include <net/gro.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/netlink.h>
#include <net/protocol.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>
#include "hmmp.h"
#include "encap.h"
#include "udptun.h"

/*
 * udp_sock.encap_type: any non-zero value turns the encap_rcv path on.
 * The UDP_ENCAP_* values name other users (ESP, L2TP, GTP, RxRPC); this
 * one is hmmp's and means nothing to the rest of the kernel.
 */
#define HMMP_UDP_ENCAP_TYPE	0xe3

static const struct hmmp_binding *
hmmp_udp_binding(struct hmmp_net *hn, const struct hmmp_decap_info *di)
{
	u32 roles = READ_ONCE(hn->roles);
	unsigned long now = jiffies;
	const struct hmmp_binding *b;

	/* From a mobile: its care-of as the correspondent sees it (a NAT's
	 * address and mapped port), for its original source.
	 */
	if (roles & HMMP_ROLE_CORRESPONDENT) {
		b = hmmp_binding_lookup(&hn->bindings, di->inner_saddr,
					di->inner_daddr,
					HMMP_BIND_CORRESPONDENT, now);
		if (b && b->encap == HMMP_ENCAP_UDP &&
		    b->coa == di->outer_saddr && b->port == di->outer_sport)
			return b;
	}
	/* From a correspondent: to this host's care-of, from the
	 * correspondent's own address and tunnel port.
	 */
	if (roles & HMMP_ROLE_MOBILE) {
		b = hmmp_binding_lookup(&hn->bindings, di->inner_daddr,
					di->inner_saddr, HMMP_BIND_MOBILE, now);
		if (b && b->encap == HMMP_ENCAP_UDP &&
		    b->coa == di->outer_daddr &&
		    di->outer_saddr == di->inner_saddr &&
		    b->port == di->outer_sport)
			return b;
	}
	return NULL;
}

/*
 * Could a connection translation take a frame that no udp binding names?
 * A TCP segment, to a correspondent with translations; the lookup itself
 * (its ports) comes after decapsulation.
 */
static bool hmmp_udp_may_xlate(struct hmmp_net *hn,
			       const struct hmmp_decap_info *di)
{
	return (READ_ONCE(hn->roles) & HMMP_ROLE_CORRESPONDENT) &&
	       di->inner_protocol == IPPROTO_TCP &&
	       !hmmp_xlate_empty(&hn->xlates);
}

/*
 * encap_rcv: > 0 hands the datagram on to the socket; 0 means consumed.
 * skb->data is at the UDP header, its checksum verified. A frame is
 * delivered only when a udp binding, or a connection translation, names
 * its outer address and port; a translated segment is rewritten to this
 * host's view first.
 */
static int hmmp_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct hmmp_net *hn = hmmp_net(sock_net(sk));
	const struct hmmp_binding *b;
	const struct hmmp_xlate *x;
	struct hmmp_decap_info di;
	unsigned int segs;
	int err;

	err = hmmp_udp_parse(skb, &di);
	if (err == -ENOENT)
		return 1;	/* SIP, STUN, a keep-alive: the owner's */
	if (err)
		goto error;
	b = hmmp_udp_binding(hn, &di);
	if (!b && !hmmp_udp_may_xlate(hn, &di)) {
		this_cpu_inc(hn->dp->udp_unknown);
		goto drop;
	}
	if (hmmp_decap_apply(skb, &di))
		goto error;
	segs = skb_is_gso(skb) ? skb_shinfo(skb)->gso_segs : 1;
	if (b) {
		hmmp_binding_count(b, HMMP_BINDING_DECAP, segs, di.len);
	} else {
		/* Stripped already: dropped if no translation takes it. */
		x = hmmp_xlate_decap(&hn->xlates, skb, di.outer_saddr,
				     di.outer_sport, HMMP_ENCAP_UDP, jiffies);
		if (IS_ERR(x))
			goto error;
		if (!x) {
			this_cpu_inc(hn->dp->udp_unknown);
			goto drop;
		}
		hmmp_ctr_add(x->ctr, HMMP_BINDING_DECAP, segs, di.len);
		this_cpu_add(hn->dp->xlate, segs);
	}
	/* The inner packet starts afresh: no route, no conntrack entry (the
	 * outer flow's), no socket; it is received again on the same device,
	 * through pre-routing, as if it had arrived alone.
	 */
	skb_scrub_packet(skb, false);
	skb->protocol = htons(ETH_P_IP);
	this_cpu_add(hn->dp->decap, segs);
	netif_rx(skb);
	return 0;

error:
	this_cpu_inc(hn->dp->decap_errors);
drop:
	kfree_skb(skb);
	return 0;
}

/*
 * GRO, as Linux's FOU does it for IP-in-IP: the UDP payload goes to the
 * IPv4-in-IPv4 offload (inet_offloads[IPPROTO_IPIP]), whose checks are the
 * classifier's in short (a 20-byte IPv4 header, its checksum right, its
 * total length the payload's); anything else (SIP, STUN) is flushed
 * unmerged and reaches hmmp_udp_rcv() as it came. A merged frame reaches
 * it as one GSO packet (SKB_GSO_UDP_TUNNEL* | SKB_GSO_IPXIP4), which
 * decapsulation turns into a plain TCP (or UDP) GSO packet.
 */
static struct sk_buff *hmmp_udp_gro_receive(struct sock *sk,
					    struct list_head *head,
					    struct sk_buff *skb)
{
	const struct net_offload *ops;

	/* The UDP header is the outer tunnel header: the inner IPv4 offload
	 * is the first encapsulation level GRO sees.
	 */
	NAPI_GRO_CB(skb)->encap_mark = 0;
	NAPI_GRO_CB(skb)->is_fou = 1;
	ops = rcu_dereference(inet_offloads[IPPROTO_IPIP]);
	if (!ops || !ops->callbacks.gro_receive) {
		NAPI_GRO_CB(skb)->flush = 1;
		return NULL;
	}
	return call_gro_receive(ops->callbacks.gro_receive, head, skb);
}

static int hmmp_udp_gro_complete(struct sock *sk, struct sk_buff *skb,
				 int nhoff)
{
	const struct net_offload *ops;
	int err;

	ops = rcu_dereference(inet_offloads[IPPROTO_IPIP]);
	if (WARN_ON_ONCE(!ops || !ops->callbacks.gro_complete))
		return -EOPNOTSUPP;
	err = ops->callbacks.gro_complete(skb, nhoff);
	skb_set_inner_mac_header(skb, nhoff);
	return err;
}

/* hn->udp_lock held. */
static void hmmp_udp_release(struct hmmp_net *hn, struct sock *sk)
{
	struct udp_sock *up = udp_sk(sk);

	RCU_INIT_POINTER(hn->udp_sk, NULL);
	WRITE_ONCE(up->encap_rcv, NULL);
	WRITE_ONCE(up->encap_destroy, NULL);
	WRITE_ONCE(up->gro_receive, NULL);
	WRITE_ONCE(up->gro_complete, NULL);
	WRITE_ONCE(up->encap_type, 0);
	rcu_assign_sk_user_data(sk, NULL);
	if (READ_ONCE(inet_sk(sk)->pmtudisc) == IP_PMTUDISC_INTERFACE)
		WRITE_ONCE(inet_sk(sk)->pmtudisc, hn->udp_pmtudisc);
	/* No receive handler nor sender of ours is running on it after. */
	synchronize_net();
	sock_put(sk);
}

/* encap_destroy: the owner closed the socket. Process context. */
static void hmmp_udp_destroy(struct sock *sk)
{
	struct hmmp_net *hn = hmmp_net(sock_net(sk));

	mutex_lock(&hn->udp_lock);
	if (rcu_access_pointer(hn->udp_sk) == sk)
		hmmp_udp_release(hn, sk);
	mutex_unlock(&hn->udp_lock);
}

int hmmp_udp_attach(struct net *net, int fd, struct netlink_ext_ack *extack)
{
	struct hmmp_net *hn = hmmp_net(net);
	struct udp_tunnel_sock_cfg cfg = {
		.encap_type = HMMP_UDP_ENCAP_TYPE,
		.encap_rcv = hmmp_udp_rcv,
		.encap_destroy = hmmp_udp_destroy,
		.gro_receive = hmmp_udp_gro_receive,
		.gro_complete = hmmp_udp_gro_complete,
	};
	struct socket *sock;
	struct sock *sk, *old;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		NL_SET_ERR_MSG(extack, "file descriptor is not a socket");
		return err;
	}
	sk = sock->sk;
	err = -EPROTONOSUPPORT;
	if (sk->sk_family != AF_INET || sk->sk_type != SOCK_DGRAM ||
	    sk->sk_protocol != IPPROTO_UDP) {
		NL_SET_ERR_MSG(extack, "not an IPv4 UDP socket");
		goto out;
	}
	err = -EXDEV;
	if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG(extack, "socket of another network namespace");
		goto out;
	}
	err = -EDESTADDRREQ;
	if (!inet_sk(sk)->inet_sport) {
		NL_SET_ERR_MSG(extack, "socket is not bound to a port");
		goto out;
	}

	mutex_lock(&hn->udp_lock);
	old = rcu_dereference_protected(hn->udp_sk,
					lockdep_is_held(&hn->udp_lock));
	err = 0;
	if (old == sk)
		goto unlock;		/* attached already */
	err = -EBUSY;
	if (READ_ONCE(udp_sk(sk)->encap_type)) {
		NL_SET_ERR_MSG(extack, "socket is another tunnel's");
		goto unlock;
	}
	if (old)
		hmmp_udp_release(hn, old);
	sock_hold(sk);
	setup_udp_tunnel_sock(net, sock, &cfg);
	/* Frames are sized by hmmp_tunnel_xmit() against the tunnel's path,
	 * not by the route's PMTU exception: on a mobile that is the inner
	 * flow's to the same correspondent, narrower by the overhead. ipip
	 * marks IPSKB_FORWARDED for that; iptunnel_xmit() clears it, so the
	 * socket uses the device MTU (docs/datapath.md, "ICMP errors").
	 */
	hn->udp_pmtudisc = READ_ONCE(inet_sk(sk)->pmtudisc);
	WRITE_ONCE(inet_sk(sk)->pmtudisc, IP_PMTUDISC_INTERFACE);
	rcu_assign_pointer(hn->udp_sk, sk);
	err = 0;
unlock:
	mutex_unlock(&hn->udp_lock);
out:
	sockfd_put(sock);
	return err;
}

void hmmp_udp_detach(struct net *net)
{
	struct hmmp_net *hn = hmmp_net(net);
	struct sock *sk;

	mutex_lock(&hn->udp_lock);
	sk = rcu_dereference_protected(hn->udp_sk,
				       lockdep_is_held(&hn->udp_lock));
	if (sk)
		hmmp_udp_release(hn, sk);
	mutex_unlock(&hn->udp_lock);
}

struct sock *hmmp_udp_sock(struct net *net)
{
	return rcu_dereference(hmmp_net(net)->udp_sk);
}

__be16 hmmp_udp_port(struct net *net)
{
	struct sock *sk;
	__be16 port = 0;

	rcu_read_lock();
	sk = hmmp_udp_sock(net);
	if (sk)
		port = inet_sk(sk)->inet_sport;
	rcu_read_unlock();
	return port;
}

int hmmp_udp_xmit(struct sock *sk, struct sk_buff *skb, struct rtable *rt,
		  __be32 saddr, __be32 daddr, __be16 dport)
{
	const struct iphdr *iph = ip_hdr(skb);
	u8 tos = hmmp_ecn_encap(iph->tos);
	__be16 df = iph->frag_off & htons(IP_DF);
	int err;

	err = skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
			   rt->dst.header_len + HMMP_UDP_OVERHEAD);
	if (err)
		goto free;
	/* As Linux's ipip device with FOU: the inner IPv4 packet as
	 * IPXIP4, inside a UDP tunnel with a checksum.
	 */
	err = iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4);
	if (err)
		goto free;
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);
	err = iptunnel_handle_offloads(skb, SKB_GSO_UDP_TUNNEL_CSUM);
	if (err)
		goto free;
	udp_tunnel_xmit_skb(rt, sk, skb, saddr, daddr, tos,
			    ip4_dst_hoplimit(&rt->dst), df,
			    inet_sk(sk)->inet_sport, dport, false, false);
	return 0;
free:
	ip_rt_put(rt);
	kfree_skb(skb);
	return err;
}
