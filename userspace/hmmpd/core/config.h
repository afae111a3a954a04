/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmpd: the configuration file, hmmpd.conf(5) (docs/hmmpd.conf.5).
 *
 * INI syntax read with inih (libinih): sections [general], [sip],
 * [binding] and one [peer NAME] per correspondent, which the core owns,
 * and the sections of features (feature.h: [sctp], [outbound], ...),
 * handed key by key to the feature that owns them, whose struct lives in
 * an opaque slot here (hmmpd_conf_feature); "key = value" lines;
 * comments from ';' or '#' at the start of a line, or ' ;' after a value.
 * Every key has a default; a key given twice in one section, an unknown
 * section or key, or a bad value fails the whole load with
 * "FILE:LINE: reason".
 */
#ifndef HMMPD_CONFIG_H
#define HMMPD_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "feature.h"
#include "sip/digest.h"

#define HMMPD_CONF_PATH		"/etc/hmmp/hmmpd.conf"
#define HMMPD_CONF_MAX_LINE	199	/* inih's line buffer, less the NUL */
#define HMMPD_URI_MAX		192
#define HMMPD_CONF_MAX_LISTEN	8
#define HMMPD_CONF_MAX_IFACES	8
#define HMMPD_CONF_MAX_PEERS	64
#define HMMPD_PEER_MAX_ADDRS	8
#define HMMPD_CONF_ERR_MAX	512

struct hmmpd_listen {
	uint8_t proto;			/* IPPROTO_UDP or IPPROTO_TCP */
	uint32_t addr;			/* be32, 0 = any */
	uint16_t port;			/* host order */
};

struct hmmpd_peer {
	char name[HMMPD_SECRET_MAX_PEER + 1];	/* key into the secrets file */
	char uri[HMMPD_URI_MAX];		/* where its INFOs go */
	char proxy[HMMPD_URI_MAX];		/* "" or their next hop (numeric) */
	uint32_t addr[HMMPD_PEER_MAX_ADDRS];	/* be32 */
	unsigned int naddr;
	unsigned int line;			/* of its section header */
};

struct hmmpd_conf {
	/* [general] */
	char identity[HMMPD_URI_MAX];	/* "" until the daemon derives one */
	uint32_t roles;			/* HMMP_ROLE_* */
	char ifaces[HMMPD_CONF_MAX_IFACES][IFNAMSIZ];
	unsigned int nifaces;		/* 0: the default route's interface */
	int log_level;			/* LOG_ERR ... LOG_DEBUG */
	uint32_t debounce_ms;		/* address changes settle this long */
	/* [sip] */
	struct hmmpd_listen listen[HMMPD_CONF_MAX_LISTEN];
	unsigned int nlisten;
	char registrar[HMMPD_URI_MAX];	/* "" = no REGISTER */
	uint32_t register_expires;	/* seconds */
	char realm[128];		/* digest realm of our challenges */
	char secrets[256];		/* path of the secrets file */
	enum hmmpd_digest_alg algs[__HMMPD_ALG_MAX];	/* offered, in order */
	unsigned int nalgs;
	uint32_t nonce_lifetime;	/* seconds */
	/* [binding] */
	uint32_t lifetime;		/* asked for by the mobile, seconds */
	uint32_t max_lifetime;		/* granted at most by a receiver */
	uint8_t encap;			/* enum hmmp_encap, HMMPD_ENCAP_AUTO */
	uint32_t gateway_lifetime;	/* previous gateway's tunnel; 0 = none */
	uint32_t claim_lifetime;	/* on-link claims: asked, granted; 0 none */
	bool require_connection;	/* bind only addresses with live conns */
	/* [peer NAME] */
	struct hmmpd_peer peers[HMMPD_CONF_MAX_PEERS];
	unsigned int npeers;
	/* the features' sections, by index in the feature table */
	struct {
		_Alignas(max_align_t) unsigned char data[HMMPD_FEATURE_CONF_MAX];
	} feat[HMMPD_FEATURES_MAX];
};

/* The defaults of hmmpd.conf(5), the features' too. */
void hmmpd_conf_defaults(struct hmmpd_conf *c);

/*
 * Feature f's configuration struct in c (what its conf_defaults and
 * conf_key filled), or NULL when f is not in the table in use.
 */
void *hmmpd_conf_feature(const struct hmmpd_conf *c,
			 const struct hmmpd_feature *f);

/*
 * Load a file: the defaults, then what the file says. Returns 0 with c
 * replaced, or a negative errno with c unchanged and err set:
 * -EINVAL ("FILE:LINE: reason", or "FILE: reason"), -ENOMEM, or the
 * error of opening/reading it (-ENOENT...: "FILE: cannot open: ...").
 * name is what the messages call the stream.
 */
int hmmpd_conf_load(struct hmmpd_conf *c, const char *path, char *err,
		    size_t errlen);
int hmmpd_conf_load_file(struct hmmpd_conf *c, FILE *f, const char *name,
			 char *err, size_t errlen);

const struct hmmpd_peer *hmmpd_conf_peer(const struct hmmpd_conf *c,
					 const char *name);
const struct hmmpd_peer *hmmpd_conf_peer_by_addr(const struct hmmpd_conf *c,
						 uint32_t addr);

/* The names of log levels in hmmpd.conf: "error" ... "debug"; or NULL. */
const char *hmmpd_log_level_name(int level);

#endif /* HMMPD_CONFIG_H */
