// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP as a feature (core/feature.h): owns [sctp]; on each
 * hand-off the new address is added to the registered associations and
 * the primary changed by their rule; when the host's addresses settle the
 * old ones are deleted and rule (b) looks at the links (msctp.h).
 */
#include "core/daemon.h"
#include "core/feature.h"
#include "msctp.h"

static const char *const sections[] = { "sctp", NULL };

static void conf_defaults(void *conf)
{
	hmmpd_sctp_conf_defaults(conf);
}

static int conf_key(void *conf, const char *section, const char *name,
		    const char *value, unsigned int line, char *why,
		    size_t whylen)
{
	(void)section;
	return hmmpd_sctp_conf_key(conf, name, value, line, why, whylen);
}

static int start(struct hmmpd *d, void **state)
{
	struct hmmpd_msctp *ms = NULL;
	int r = hmmpd_msctp_start(d, &ms);

	*state = ms;
	return r;
}

static void stop(struct hmmpd *d, void *state)
{
	hmmpd_msctp_stop(d, state);
}

static void handoff_begun(struct hmmpd *d, void *state,
			  const struct hmmpd_handoff *h)
{
	(void)d;
	if (state)
		hmmpd_msctp_handoff(state, h->old->addr, h->cur->addr);
}

static void net_settled(struct hmmpd *d, void *state,
			const struct hmmpd_net_event *ev)
{
	(void)d;
	if (state)
		hmmpd_msctp_net(state, ev->st);
}

const struct hmmpd_feature hmmpd_feature_msctp = {
	.name = "msctp",
	.sections = sections,
	.conf_size = sizeof(struct hmmpd_sctp_conf),
	.conf_defaults = conf_defaults,
	.conf_key = conf_key,
	.start = start,
	.stop = stop,
	.handoff_begun = handoff_begun,
	.net_settled = net_settled,
};
