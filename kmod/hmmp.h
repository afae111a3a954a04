/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmp.ko: per network namespace state. Every table and setting of the
 * module lives in struct hmmp_net; nothing is global but the module's
 * registrations.
 */
#ifndef _HMMP_H
#define _HMMP_H

#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <net/net_namespace.h>
#include "sipeye.h"
#include "binding.h"
#include "xlate.h"
#include "hmmp_version.h"	/* HMMP_VERSION, from include/ */

/* Datapath counters, per CPU. */
struct hmmp_dp_pcpu {
	u64 encap;		/* packets sent into a tunnel */
	u64 decap;		/* packets taken out of a tunnel */
	u64 fwd;		/* router: packets forwarded to a care-of */
	u64 decap_errors;	/* malformed encapsulated packets dropped */
	u64 unknown_peer;	/* encapsulated packets with no binding */
	u64 pmtu_sent;		/* ICMP fragmentation-needed sent */
	u64 tunnel_errors;	/* ICMP errors about our tunnel packets */
	u64 errors_relayed;	/* ICMP unreachable relayed to senders */
	u64 udp_unknown;	/* UDP tunnel frames no binding names */
	u64 udp_nosock;		/* udp binding without a tunnel socket */
	u64 xlate;		/* segments rewritten by a translation */
};

struct hmmp_net {
	struct net *net;
	struct hmmp_sipeye sipeye;
	struct hmmp_binding_table bindings;
	struct hmmp_xlate_table xlates;
	struct hmmp_dp_pcpu __percpu *dp;
	u32 roles;			/* HMMP_ROLE_*; READ_ONCE on packets */
	struct delayed_work gc_work;	/* expires records, bindings, xlates */
	/* The UDP tunnel socket (udptun.c), RCU on the packet path;
	 * attached and detached under udp_lock.
	 */
	struct sock __rcu *udp_sk;
	struct mutex udp_lock;		/* serialises udp_sk's changes */
	u8 udp_pmtudisc;		/* the owner's, given back at detach */
};

/* The namespace's state; valid while @net is alive and the module loaded. */
struct hmmp_net *hmmp_net(const struct net *net);

/*
 * What the rest of the module plugs into every namespace, so that this file
 * calls none of it: main.c fills the table (the netfilter hooks, the netlink
 * events) and hands it to hmmp_pernet_init(); it must stay valid until
 * hmmp_pernet_uninit() returns. Every member is required.
 */
struct hmmp_pernet_ops {
	/* Last step of a namespace's setup, its tables and counters ready;
	 * undone by @exit, the first step of its teardown. Process context.
	 */
	int (*init)(struct net *net);
	void (*exit)(struct net *net);
	/* The tables' events (struct hmmp_sipeye and hmmp_binding_table
	 * notify): any context, called under the tables' locks with BHs off.
	 */
	void (*conn_event)(struct net *net, enum hmmp_sipeye_event ev,
			   const struct hmmp_conn_info *ci,
			   enum hmmp_event_reason reason);
	void (*binding_event)(struct net *net, enum hmmp_binding_event ev,
			      const struct hmmp_binding_info *bi,
			      enum hmmp_event_reason reason);
};

int hmmp_pernet_init(const struct hmmp_pernet_ops *ops);
void hmmp_pernet_uninit(void);

#endif /* _HMMP_H */
