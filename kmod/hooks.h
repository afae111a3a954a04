/* SPDX-License-Identifier: GPL-2.0 */
/* Netfilter entry points of hmmp.ko. */
#ifndef _HMMP_HOOKS_H
#define _HMMP_HOOKS_H

#include <linux/skbuff.h>
#include "sipeye.h"

int hmmp_hooks_register(struct net *net);
void hmmp_hooks_unregister(struct net *net);

/* Reads the IPv4/TCP headers at skb->data into @seg. Returns 0, -ENOENT
 * when the packet is not TCP (or a non-first fragment), -EINVAL when its
 * headers are truncated or inconsistent.
 */
int hmmp_tcp_parse(const struct sk_buff *skb, struct hmmp_tcp_seg *seg);

#endif /* _HMMP_HOOKS_H */
