/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where hmmp.ko bends to kernel API differences between the
 * Debian 12 kernel lines it supports (6.1 and 6.12).
 */
#ifndef _HMMP_COMPAT_H
#define _HMMP_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

/* Kernel version at least a.b (keeps the version constant on the right). */
#define HMMP_KERNEL_AT_LEAST(a, b) \
	(KERNEL_VERSION(a, b, 0) <= LINUX_VERSION_CODE)

/* 6.5 moved skb_gso_segment(), skb_gso_validate_network_len() and
 * friends out of netdevice.h and skbuff.h into net/gso.h.
 */
#if HMMP_KERNEL_AT_LEAST(6, 5)
#include <net/gso.h>
#endif

/* 6.2 moved the parsed attributes of a dump request into a genl_info. */
static inline struct nlattr **hmmp_dump_attrs(struct netlink_callback *cb)
{
#if HMMP_KERNEL_AT_LEAST(6, 2)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _HMMP_COMPAT_H */
