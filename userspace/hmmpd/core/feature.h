/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the feature interface. A feature (a role or a protocol: the
 * mobile, the correspondent and router, mSCTP, SIP Outbound, and what
 * comes) is one struct hmmpd_feature of callbacks, in the spirit of
 * mptcpd's plugin ops; the core keeps a table of them (hmmpd_features[],
 * defined in features/table.c, the one place that names every feature)
 * and calls each registered feature, in table order, at every point below.
 * Every callback is optional.
 *
 * A feature includes the core and the layers below it, never another
 * feature: where two must cooperate (the Outbound UA decorates the
 * mobile's REGISTER, asks it to register again, learns that it did), they
 * do it through the core's events and services below.
 *
 * Configuration: a feature owns the sections it names (sections, NULL
 * ended), its struct (conf_size bytes at most HMMPD_FEATURE_CONF_MAX),
 * its defaults, its key parser and its check; the config core reads the
 * file and hands each "key = value" of those sections to conf_key, and
 * knows none of their fields. A feature reads its struct with
 * hmmpd_conf_feature().
 *
 * State: start returns the feature's state in *state (may stay NULL);
 * the core passes it back to every later callback as st and never looks
 * inside. stop frees it. Callbacks run on the one sd-event thread.
 */
#ifndef HMMPD_FEATURE_H
#define HMMPD_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/sip.h"

struct hmmpd;
struct hmmpd_conf;
struct hmmpd_netstate;
struct hmmpd_attach;
struct nl_msg;

#define HMMPD_FEATURES_MAX	16
#define HMMPD_FEATURE_CONF_MAX	1024

/* What changed on the host, delivered after the debounce (core/watch.c). */
struct hmmpd_net_event {
	const struct hmmpd_netstate *st;	/* addresses, routes, links */
	const struct hmmpd_attach *cur;		/* NULL: detached */
	bool first;		/* cur is the first attachment known */
	bool handoff;		/* a hand-off began in this evaluation */
};

/* A hand-off: the mobile's address changed from old to new. */
struct hmmpd_handoff {
	const struct hmmpd_attach *old, *cur;
	const struct hmmpd_netstate *st;
	uint64_t since_us;	/* CLOCK_MONOTONIC: the first change seen */
	unsigned int gen;	/* counts hand-offs since start */
};

/* How a hand-off ended (the mobile's INFOs), for handoff_finished. */
struct hmmpd_handoff_result {
	unsigned int gen;
	unsigned int sent, ok;	/* INFOs sent, answered 2xx */
	uint64_t ms;		/* from the first change to the last answer */
};

/* What a feature adds to a REGISTER (register_decorate). */
struct hmmpd_register_extra {
	char headers[256];	/* extra header lines, "\r\n" between */
	char cparams[160];	/* appended to the Contact's URI */
	struct sip_addr next_hop;	/* .addr 0: the registrar's own */
};

struct hmmpd_feature {
	const char *name;

	/* configuration */
	const char *const *sections;	/* owned sections, NULL ended */
	size_t conf_size;
	void (*conf_defaults)(void *conf);
	/* One key of one of its sections: 0, or -1 with why (no line). */
	int (*conf_key)(void *conf, const char *section, const char *name,
			const char *value, unsigned int line, char *why,
			size_t whylen);
	/* The whole file read: 0, or -1 with why and *line (0: no line). */
	int (*conf_check)(const struct hmmpd_conf *c, const void *conf,
			  unsigned int *line, char *why, size_t whylen);

	/* life */
	int (*start)(struct hmmpd *d, void **state);	/* 0, or -1 logged */
	void (*stop)(struct hmmpd *d, void *st);
	/* SIGHUP: d->conf is the new one, old the one replaced. */
	void (*reconfigured)(struct hmmpd *d, void *st,
			     const struct hmmpd_conf *old);

	/* hmmp.ko */
	void (*kernel_up)(struct hmmpd *d, void *st);	/* resynced */
	void (*kernel_down)(struct hmmpd *d, void *st);
	void (*kernel_event)(struct hmmpd *d, void *st, struct nl_msg *msg);

	/* the host's addresses, routes and links */
	void (*net_change)(struct hmmpd *d, void *st, int kind);	/* at once */
	void (*handoff_begun)(struct hmmpd *d, void *st,
			      const struct hmmpd_handoff *h);
	void (*net_settled)(struct hmmpd *d, void *st,
			    const struct hmmpd_net_event *ev);
	void (*handoff_finished)(struct hmmpd *d, void *st,
				 const struct hmmpd_handoff_result *r);

	/* registration with the registrar */
	bool (*register_decorate)(struct hmmpd *d, void *st,
				  struct hmmpd_register_extra *x);
	void (*register_wanted)(struct hmmpd *d, void *st, const char *why);
	void (*registered)(struct hmmpd *d, void *st, uint32_t src,
			   const osip_message_t *resp);

	/* SIP requests to this host: true when it took the request */
	bool (*sip_request)(struct hmmpd *d, void *st,
			    const osip_message_t *req,
			    const struct sip_addr *src, enum sip_transport tp);
	/* STUN on the SIP ports (sip.h): true when it took the message */
	bool (*stun)(struct hmmpd *d, void *st, const struct sip_flow *flow,
		     const uint8_t *buf, size_t len);
	/* a feature asks for the bindings to be signalled again now */
	void (*bindings_wanted)(struct hmmpd *d, void *st, const char *why);
};

/* The table (features/table.c), in the order the core calls them. */
extern const struct hmmpd_feature *const hmmpd_features[];
extern const size_t hmmpd_nfeatures;

/*
 * The table the core uses: hmmpd_features unless a test put its own
 * (tbl NULL: back to hmmpd_features). -EINVAL when it has more than
 * HMMPD_FEATURES_MAX entries, a conf_size over HMMPD_FEATURE_CONF_MAX, or
 * two features claiming one section or a core one.
 */
int hmmpd_features_use(const struct hmmpd_feature *const *tbl, size_t n);
size_t hmmpd_features_count(void);
const struct hmmpd_feature *hmmpd_feature_at(size_t i);
/* The index of f in the table in use, or -1. */
int hmmpd_feature_index(const struct hmmpd_feature *f);
/* The feature owning a section, or NULL. */
const struct hmmpd_feature *hmmpd_feature_by_section(const char *section,
						     size_t *index);

/* ---- the core's services to features ---- */

/* f's state (what its start returned), or NULL. */
void *hmmpd_feature_state(const struct hmmpd *d, const struct hmmpd_feature *f);

/* Ask for a REGISTER now (a flow failed): register_wanted to everyone. */
void hmmpd_core_register_wanted(struct hmmpd *d, const char *why);
/*
 * For a feature sending a REGISTER: every feature's additions. false when
 * no feature added anything (x zeroed).
 */
bool hmmpd_core_register_decorate(struct hmmpd *d,
				  struct hmmpd_register_extra *x);
/* The REGISTER from src succeeded: registered to everyone. */
void hmmpd_core_registered(struct hmmpd *d, uint32_t src,
			   const osip_message_t *resp);
/*
 * Ask for the mobile's bindings to be signalled again now (a NAT mapping
 * changed): bindings_wanted to everyone.
 */
void hmmpd_core_bindings_wanted(struct hmmpd *d, const char *why);
/* The hand-off's signalling ended: handoff_finished to everyone. */
void hmmpd_core_handoff_finished(struct hmmpd *d,
				 const struct hmmpd_handoff_result *r);

/*
 * The SIP hop this host registers through (an Outbound edge), published
 * by the feature that owns it: requests from there were relayed by the
 * host's own proxies (the correspondent then takes the origin from the
 * Vias). addr NULL: none.
 */
void hmmpd_core_set_edge(struct hmmpd *d, const struct sip_addr *addr);

/* ---- for the core (core/daemon.c, core/watch.c) ---- */

int hmmpd_features_start(struct hmmpd *d);	/* in order; 0 or -1 */
void hmmpd_features_stop(struct hmmpd *d);	/* in reverse order */
void hmmpd_features_reconfigured(struct hmmpd *d, const struct hmmpd_conf *old);
void hmmpd_features_kernel_up(struct hmmpd *d);
void hmmpd_features_kernel_down(struct hmmpd *d);
void hmmpd_features_kernel_event(struct hmmpd *d, struct nl_msg *msg);
void hmmpd_features_net_change(struct hmmpd *d, int kind);
void hmmpd_features_handoff_begun(struct hmmpd *d, const struct hmmpd_handoff *h);
void hmmpd_features_net_settled(struct hmmpd *d, const struct hmmpd_net_event *ev);
bool hmmpd_features_sip_request(struct hmmpd *d, const osip_message_t *req,
				const struct sip_addr *src, enum sip_transport tp);
/* STUN on the SIP ports: the first feature that takes it (else dropped). */
bool hmmpd_features_stun(struct hmmpd *d, const struct sip_flow *flow,
			 const uint8_t *buf, size_t len);

#endif /* HMMPD_FEATURE_H */
