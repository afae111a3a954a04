// SPDX-License-Identifier: GPL-2.0
/*
 * hmmp.ko: SIP-signalled host mobility for TCP. Module init and exit only,
 * and the wiring of the parts: see hmmp.h for the per-namespace state and
 * the other files for the jobs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include "hmmp.h"
#include "hooks.h"
#include "netlink.h"
#include "udptun.h"

/* The tunnel socket goes first: no frame may reach a namespace's state
 * while it is torn down.
 */
static void hmmp_net_parts_exit(struct net *net)
{
	hmmp_udp_detach(net);
	hmmp_hooks_unregister(net);
}

/* Each namespace gets the hooks; the tables' events go to netlink. */
static const struct hmmp_pernet_ops hmmp_pernet_parts = {
	.init = hmmp_hooks_register,
	.exit = hmmp_net_parts_exit,
	.conn_event = hmmp_nl_conn_event,
	.binding_event = hmmp_nl_binding_event,
};

static int __init hmmp_init(void)
{
	int err;

	err = hmmp_pernet_init(&hmmp_pernet_parts);
	if (err)
		goto err_out;
	err = hmmp_nl_init();
	if (err)
		goto err_pernet;
	pr_info("version " HMMP_VERSION " loaded\n");
	return 0;

err_pernet:
	hmmp_pernet_uninit();
err_out:
	return err;
}

static void __exit hmmp_exit(void)
{
	/* The family first: no request may reach a namespace being freed. */
	hmmp_nl_uninit();
	hmmp_pernet_uninit();
	pr_info("unloaded\n");
}

module_init(hmmp_init);
module_exit(hmmp_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(HMMP_VERSION);
MODULE_DESCRIPTION("hmmp: SIP_EYE TCP tracking and IP-in-IP, minimal and UDP tunnels for mobility");
MODULE_AUTHOR("The hmmp developers");
MODULE_ALIAS_GENL_FAMILY(HMMP_GENL_NAME);
