// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the feature table and the core's calls into it (feature.h).
 * Every event goes to every started feature in table order; stop goes in
 * reverse order, so that a feature stops before what started ahead of it.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "daemon.h"
#include "feature.h"
#include "log.h"

static const struct hmmpd_feature *const *table = hmmpd_features;
static size_t ntable = (size_t)-1;	/* -1: hmmpd_nfeatures, read late */

/* The sections the config core parses itself. */
static const char *const core_sections[] = { "general", "sip", "binding", "peer" };

static size_t count(void)
{
	return ntable == (size_t)-1 ? hmmpd_nfeatures : ntable;
}

int hmmpd_features_use(const struct hmmpd_feature *const *tbl, size_t n)
{
	size_t i, j, k, l, m;

	if (!tbl) {
		table = hmmpd_features;
		ntable = (size_t)-1;
		return 0;
	}
	if (n > HMMPD_FEATURES_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const char *const *s = tbl[i]->sections;

		if (!tbl[i]->name || tbl[i]->conf_size > HMMPD_FEATURE_CONF_MAX)
			return -EINVAL;
		for (k = 0; s && s[k]; k++) {
			for (m = 0; m < HMMP_ARRAY_SIZE(core_sections); m++)
				if (!strcmp(s[k], core_sections[m]))
					return -EINVAL;
			for (j = 0; j < i; j++)
				for (l = 0; tbl[j]->sections && tbl[j]->sections[l]; l++)
					if (!strcmp(s[k], tbl[j]->sections[l]))
						return -EINVAL;
		}
	}
	table = tbl;
	ntable = n;
	return 0;
}

size_t hmmpd_features_count(void)
{
	return count();
}

const struct hmmpd_feature *hmmpd_feature_at(size_t i)
{
	return i < count() ? table[i] : NULL;
}

int hmmpd_feature_index(const struct hmmpd_feature *f)
{
	size_t i;

	for (i = 0; i < count(); i++)
		if (table[i] == f)
			return (int)i;
	return -1;
}

const struct hmmpd_feature *hmmpd_feature_by_section(const char *section,
						     size_t *index)
{
	size_t i, k;

	for (i = 0; i < count(); i++) {
		const char *const *s = table[i]->sections;

		for (k = 0; s && s[k]; k++) {
			if (!strcmp(s[k], section)) {
				if (index)
					*index = i;
				return table[i];
			}
		}
	}
	return NULL;
}

void *hmmpd_feature_state(const struct hmmpd *d, const struct hmmpd_feature *f)
{
	int i = hmmpd_feature_index(f);

	return i < 0 ? NULL : d->fstate[i];
}

/* Call op on every started feature that has it, in table order. */
#define EACH(d, op, ...)						\
	do {								\
		size_t i_;						\
		for (i_ = 0; i_ < (d)->nstarted; i_++)			\
			if (table[i_]->op)				\
				table[i_]->op((d), (d)->fstate[i_],	\
					      ##__VA_ARGS__);		\
	} while (0)

int hmmpd_features_start(struct hmmpd *d)
{
	size_t i;

	for (i = 0; i < count(); i++) {
		d->fstate[i] = NULL;
		d->nstarted = i + 1;	/* stop() also cleans up a half start */
		if (table[i]->start && table[i]->start(d, &d->fstate[i])) {
			hmmpd_log(LOG_ERR, "%s: cannot start", table[i]->name);
			return -1;
		}
	}
	return 0;
}

void hmmpd_features_stop(struct hmmpd *d)
{
	size_t i;

	for (i = d->nstarted; i-- > 0;) {
		if (table[i]->stop)
			table[i]->stop(d, d->fstate[i]);
		d->fstate[i] = NULL;
	}
	d->nstarted = 0;
}

void hmmpd_features_reconfigured(struct hmmpd *d, const struct hmmpd_conf *old)
{
	EACH(d, reconfigured, old);
}

void hmmpd_features_kernel_up(struct hmmpd *d)
{
	EACH(d, kernel_up);
}

void hmmpd_features_kernel_down(struct hmmpd *d)
{
	EACH(d, kernel_down);
}

void hmmpd_features_kernel_event(struct hmmpd *d, struct nl_msg *msg)
{
	EACH(d, kernel_event, msg);
}

void hmmpd_features_net_change(struct hmmpd *d, int kind)
{
	EACH(d, net_change, kind);
}

void hmmpd_features_handoff_begun(struct hmmpd *d, const struct hmmpd_handoff *h)
{
	EACH(d, handoff_begun, h);
}

void hmmpd_features_net_settled(struct hmmpd *d, const struct hmmpd_net_event *ev)
{
	EACH(d, net_settled, ev);
}

bool hmmpd_features_sip_request(struct hmmpd *d, const osip_message_t *req,
				const struct sip_addr *src, enum sip_transport tp)
{
	size_t i;

	for (i = 0; i < d->nstarted; i++)
		if (table[i]->sip_request &&
		    table[i]->sip_request(d, d->fstate[i], req, src, tp))
			return true;
	return false;
}

bool hmmpd_features_stun(struct hmmpd *d, const struct sip_flow *flow,
			 const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < d->nstarted; i++)
		if (table[i]->stun &&
		    table[i]->stun(d, d->fstate[i], flow, buf, len))
			return true;
	return false;
}

/* ---- services ---- */

void hmmpd_core_bindings_wanted(struct hmmpd *d, const char *why)
{
	EACH(d, bindings_wanted, why);
}

void hmmpd_core_register_wanted(struct hmmpd *d, const char *why)
{
	EACH(d, register_wanted, why);
}

bool hmmpd_core_register_decorate(struct hmmpd *d,
				  struct hmmpd_register_extra *x)
{
	bool any = false;
	size_t i;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < d->nstarted; i++)
		if (table[i]->register_decorate &&
		    table[i]->register_decorate(d, d->fstate[i], x))
			any = true;
	return any;
}

void hmmpd_core_registered(struct hmmpd *d, uint32_t src,
			   const osip_message_t *resp)
{
	EACH(d, registered, src, resp);
}

void hmmpd_core_handoff_finished(struct hmmpd *d,
				 const struct hmmpd_handoff_result *r)
{
	EACH(d, handoff_finished, r);
}

void hmmpd_core_set_edge(struct hmmpd *d, const struct sip_addr *addr)
{
	d->have_edge = addr != NULL;
	if (addr)
		d->edge = *addr;
	else
		memset(&d->edge, 0, sizeof(d->edge));
}
