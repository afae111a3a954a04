/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "hmmp" (include/uapi/linux/hmmp.h).
 */
#ifndef _HMMP_NETLINK_H
#define _HMMP_NETLINK_H

#include <net/netlink.h>
#include "sipeye.h"
#include "binding.h"
#include "xlate.h"

int hmmp_nl_init(void);
void hmmp_nl_uninit(void);

/* Multicasts a connection event to the namespace's listeners. Any
 * context; a no-op when nobody listens or the family is going away.
 */
void hmmp_nl_conn_event(struct net *net, enum hmmp_sipeye_event ev,
			const struct hmmp_conn_info *ci,
			enum hmmp_event_reason reason);

/* The same for a binding event. */
void hmmp_nl_binding_event(struct net *net, enum hmmp_binding_event ev,
			   const struct hmmp_binding_info *bi,
			   enum hmmp_event_reason reason);

/* Puts one HMMP_A_CONN; without @secrets, no CL_ID nor ISNs (dumps for
 * callers without CAP_NET_ADMIN). Exposed for the KUnit suite.
 */
int hmmp_nl_put_conn(struct sk_buff *skb, const struct hmmp_conn_info *ci,
		     bool secrets);

/* Does this CONFIG_SET nest raise table_max or bind_max above the
 * defaults (which needs CAP_NET_ADMIN in the initial user namespace)?
 */
bool hmmp_nl_cfg_raises_limits(struct nlattr **tb);

/* Exposed for the KUnit suite, which checks that they refuse bad input. */
extern const struct nla_policy hmmp_nl_policy[HMMP_A_MAX + 1];
extern const struct nla_policy hmmp_nl_cfg_policy[HMMP_CFG_A_MAX + 1];
extern const struct nla_policy hmmp_nl_bind_policy[HMMP_BIND_A_MAX + 1];
extern const struct nla_policy hmmp_nl_xlate_policy[HMMP_XLATE_A_MAX + 1];

/*
 * Splits and checks an HMMP_A_XLATE request nest (strict policy, then the
 * required attributes: the key alone with @key_only, else everything but
 * PORT and LIFETIME; unicast addresses; PORT present iff udp) into @p.
 * Returns 0 or -EINVAL (-ERANGE from the policy) with @extack saying
 * which attribute and why. Exposed for the KUnit suite.
 */
int hmmp_nl_xlate_params(struct nlattr *nest, bool key_only,
			 struct hmmp_xlate_params *p,
			 struct netlink_ext_ack *extack);

#endif /* _HMMP_NETLINK_H */
