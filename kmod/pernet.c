// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace setup: the SIP_EYE table, the binding and the
 * connection translation tables, their expiry worker and what main.c plugs
 * in (struct hmmp_pernet_ops: the netfilter hooks, the netlink events),
 * created with the namespace and torn down with it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/netns/generic.h>
#include "hmmp.h"

static unsigned int hmmp_net_id __read_mostly;
/* Set before the namespaces are set up, read-only while any exists. */
static const struct hmmp_pernet_ops *hmmp_parts __read_mostly;

struct hmmp_net *hmmp_net(const struct net *net)
{
	return net_generic(net, hmmp_net_id);
}

static void hmmp_gc_work(struct work_struct *work)
{
	struct hmmp_net *hn = container_of(to_delayed_work(work),
					   struct hmmp_net, gc_work);

	hmmp_sipeye_expire(&hn->sipeye, jiffies);
	hmmp_binding_expire(&hn->bindings, jiffies);
	hmmp_xlate_expire(&hn->xlates, jiffies);
	queue_delayed_work(system_power_efficient_wq, &hn->gc_work, HZ);
}

static void hmmp_conn_event(struct hmmp_sipeye *t, enum hmmp_sipeye_event ev,
			    const struct hmmp_conn_info *ci,
			    enum hmmp_event_reason reason)
{
	struct hmmp_net *hn = t->priv;

	hmmp_parts->conn_event(hn->net, ev, ci, reason);
}

static void hmmp_binding_event(struct hmmp_binding_table *t,
			       enum hmmp_binding_event ev,
			       const struct hmmp_binding_info *bi,
			       enum hmmp_event_reason reason)
{
	struct hmmp_net *hn = t->priv;

	hmmp_parts->binding_event(hn->net, ev, bi, reason);
}

static int __net_init hmmp_net_init(struct net *net)
{
	struct hmmp_net *hn = hmmp_net(net);
	int err;

	hn->net = net;
	mutex_init(&hn->udp_lock);
	hn->roles = HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT;
	err = hmmp_sipeye_init(&hn->sipeye, HMMP_SIPEYE_HASH_BITS);
	if (err)
		return err;
	hn->sipeye.priv = hn;
	hn->sipeye.notify = hmmp_conn_event;

	err = hmmp_binding_init(&hn->bindings, HMMP_BINDING_HASH_BITS);
	if (err)
		goto err_sipeye;
	hn->bindings.priv = hn;
	hn->bindings.notify = hmmp_binding_event;

	err = hmmp_xlate_init(&hn->xlates, HMMP_XLATE_HASH_BITS);
	if (err)
		goto err_bindings;

	hn->dp = alloc_percpu(struct hmmp_dp_pcpu);
	if (!hn->dp) {
		err = -ENOMEM;
		goto err_xlates;
	}

	err = hmmp_parts->init(net);
	if (err)
		goto err_dp;

	INIT_DELAYED_WORK(&hn->gc_work, hmmp_gc_work);
	queue_delayed_work(system_power_efficient_wq, &hn->gc_work, HZ);
	return 0;

err_dp:
	free_percpu(hn->dp);
err_xlates:
	hmmp_xlate_uninit(&hn->xlates);
err_bindings:
	hmmp_binding_uninit(&hn->bindings);
err_sipeye:
	hmmp_sipeye_uninit(&hn->sipeye);
	return err;
}

static void __net_exit hmmp_net_exit(struct net *net)
{
	struct hmmp_net *hn = hmmp_net(net);

	/* Unregistering the hooks waits for packets already inside them. */
	hmmp_parts->exit(net);
	cancel_delayed_work_sync(&hn->gc_work);
	hmmp_xlate_uninit(&hn->xlates);
	hmmp_binding_uninit(&hn->bindings);
	free_percpu(hn->dp);
	hmmp_sipeye_uninit(&hn->sipeye);
}

static struct pernet_operations hmmp_net_ops = {
	.init = hmmp_net_init,
	.exit = hmmp_net_exit,
	.id = &hmmp_net_id,
	.size = sizeof(struct hmmp_net),
};

int hmmp_pernet_init(const struct hmmp_pernet_ops *ops)
{
	/* Registering sets up the namespaces that exist already. */
	hmmp_parts = ops;
	return register_pernet_subsys(&hmmp_net_ops);
}

void hmmp_pernet_uninit(void)
{
	unregister_pernet_subsys(&hmmp_net_ops);
}
