/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmp.ko: per network namespace state. Every table and setting of the
 * module lives in struct hmmp_net; nothing is global but the module's
 * registrations.
 */
#ifndef _HMMP_H
#define _HMMP_H

#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include "sipeye.h"

#define HMMP_VERSION "0.1.0"

struct hmmp_net {
	struct net *net;
	struct hmmp_sipeye sipeye;
	u32 roles;			/* HMMP_ROLE_*; under genl_mutex */
	struct delayed_work gc_work;	/* expires records */
};

/* The namespace's state; valid while @net is alive and the module loaded. */
struct hmmp_net *hmmp_net(const struct net *net);

int hmmp_pernet_init(void);
void hmmp_pernet_uninit(void);

#endif /* _HMMP_H */
