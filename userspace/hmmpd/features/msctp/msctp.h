/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: mSCTP (seed 002, docs/msctp.md): SCTP associations of the host's
 * applications handed over with ADDIP (RFC 5061) on each hand-off: the
 * new address added, the primary changed by a rule, the old address
 * deleted once it has left the host.
 *
 *   - [sctp] of hmmpd.conf: struct hmmpd_sctp_conf, parsed key by key;
 *   - the SCTP sysctls ADDIP needs, checked (and set, when allowed) at
 *     start;
 *   - the control socket (lib/hmmp_sctp.h): applications register a
 *     duplicate of their socket; hmmpctl asks for the state and for a
 *     primary change;
 *   - a raw IPPROTO_SCTP socket that sees the ASCONF-ACKs coming back, the
 *     confirmation rule (a) waits for;
 *   - the rules: (a) "ack", (b) "link", (c) "upper", with damping.
 *
 * The pure parts (configuration keys, sysctl judgement, the packet
 * parser, the damping decision, the request words) are exposed for the
 * unit tests.
 */
#ifndef HMMPD_MSCTP_H
#define HMMPD_MSCTP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/feature.h"

enum hmmpd_sctp_rule {
	HMMPD_SCTP_ACK,		/* (a) on the ASCONF-ACK of the new address */
	HMMPD_SCTP_LINK,	/* (b) link up and quality >= threshold */
	HMMPD_SCTP_UPPER,	/* (c) on an explicit request only */
	__HMMPD_SCTP_RULE_MAX,
};

#define HMMPD_SCTP_PATH_MAX	108

struct hmmpd_sctp_conf {
	bool enable;			/* control socket and hand-over */
	bool sysctl_setup;		/* may write net.sctp.* */
	char socket[HMMPD_SCTP_PATH_MAX];	/* '@': abstract */
	enum hmmpd_sctp_rule rule;	/* default of registrations */
	uint32_t damping_ms;		/* rule (a): least time between changes */
	uint32_t confirm_ms;		/* ASCONF-ACK awaited this long */
	char link_quality[256];		/* "IFNAME QUALITY" lines, "" none */
	uint32_t quality_threshold;	/* 0-100 */
	unsigned int given;		/* bit per key: given already */
	unsigned int given_line[8];
};

/* ---- pure ---- */

void hmmpd_sctp_conf_defaults(struct hmmpd_sctp_conf *c);
/*
 * One "key = value" of [sctp] on line. 0, or -1 with why set ("unknown
 * key 'x' in [sctp] (...)", "rule: ...", "x given twice (first on line N)").
 */
int hmmpd_sctp_conf_key(struct hmmpd_sctp_conf *c, const char *name,
			const char *value, unsigned int line, char *why,
			size_t size);
const char *hmmpd_sctp_rule_name(enum hmmpd_sctp_rule r);
/* "ack"/"a", "link"/"b", "upper"/"c"; 0 or -1 */
int hmmpd_sctp_rule_parse(const char *s, enum hmmpd_sctp_rule *out);

/*
 * The sysctls under dir (normally /proc/sys/net/sctp): what ADDIP needs
 * is addip_enable = 1 and either auth_enable = 1 or addip_noauth_enable
 * = 1. With setup, addip_enable and auth_enable are written to 1 when
 * needed. Returns 1 when ADDIP works (msg says how), 0 when it does not
 * (msg says what to change), -errno when dir cannot be read (no SCTP).
 */
int hmmpd_sctp_sysctl(const char *dir, bool setup, char *msg, size_t size);

/* What a received SCTP packet (an IPv4 datagram) holds for us. */
struct hmmpd_sctp_pkt {
	uint32_t saddr, daddr;		/* be32 */
	uint16_t sport, dport;		/* host order */
	uint32_t vtag;
	unsigned int nack;		/* ASCONF-ACK chunks */
	unsigned int nerr;		/* error cause indications in them */
	uint16_t cause;			/* the first error's cause code */
	bool abort;			/* an ABORT chunk */
	bool unrecognized;		/* an ERROR: unrecognized chunk type */
};
/* 0, or -1 when it is not a well-formed SCTP packet. */
int hmmpd_sctp_parse(const uint8_t *buf, size_t len, struct hmmpd_sctp_pkt *p);

/*
 * Damping: a change of primary wanted at now_us, the last one made at
 * last_us (0: never). Returns 0 to change now, or the microseconds to
 * wait first.
 */
uint64_t hmmpd_sctp_damp(uint64_t now_us, uint64_t last_us, uint32_t damping_ms);

/*
 * The words of a request after its verb: "key=value" pairs. Finds key;
 * returns its value's length and copies it into val, or -1 when absent or
 * too long.
 */
int hmmpd_sctp_word(const char *args, const char *key, char *val, size_t size);

/* The quality of ifname in a "IFNAME QUALITY" text; -1 when not listed. */
int hmmpd_sctp_quality_in(const char *text, const char *ifname);

/* The IPv4 host of a Contact value ("<sip:u@198.51.100.20:5060>;..."), or 0. */
uint32_t hmmpd_sctp_contact_addr(const char *contact);

/* ---- the daemon's part (daemon.h) ---- */

struct hmmpd;
struct hmmpd_msctp;
struct hmmpd_netstate;

/* The feature (feature.c, core/feature.h): [sctp], hand-off, net. */
extern const struct hmmpd_feature hmmpd_feature_msctp;

/*
 * Start: *out the state, or NULL when [sctp] is off; 0, or -1 (logged; a
 * state in *out is then stopped by the caller).
 */
int hmmpd_msctp_start(struct hmmpd *d, struct hmmpd_msctp **out);
void hmmpd_msctp_stop(struct hmmpd *d, struct hmmpd_msctp *ms);
/* A hand-off from old to new (be32): add, primary by rule. */
void hmmpd_msctp_handoff(struct hmmpd_msctp *ms, uint32_t old_addr,
			 uint32_t new_addr);
/* Addresses or links changed (after the debounce): deletes, rule (b). */
void hmmpd_msctp_net(struct hmmpd_msctp *ms, const struct hmmpd_netstate *st);

#endif /* HMMPD_MSCTP_H */
