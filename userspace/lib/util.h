/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmp userspace: pure helpers shared by hmmpctl and hmmpd. Nothing here
 * talks to the kernel: addresses, numbers, the names of the UAPI enums and
 * the table of configuration keys.
 *
 * Addresses are IPv4 in network byte order (as carried in the UAPI's be32
 * attributes). Name lookups are exact and case-sensitive: no prefixes.
 */
#ifndef HMMP_UTIL_H
#define HMMP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmmp_version.h"

/* hmmpd and hmmpctl carry the version of the tree (include/hmmp_version.h). */
#define HMMP_USER_VERSION	HMMP_VERSION

/* Exit codes of hmmpctl, also used as return codes inside the library. */
enum hmmp_exit {
	HMMP_EXIT_OK = 0,
	HMMP_EXIT_USAGE = 1,	/* bad command line */
	HMMP_EXIT_NOFAMILY = 2,	/* generic netlink family not registered */
	HMMP_EXIT_PERM = 3,	/* EPERM/EACCES: needs CAP_NET_ADMIN */
	HMMP_EXIT_KERNEL = 4,	/* any other failure talking to the kernel */
};

/* "a.b.c.d", exactly four decimal parts 0-255, no leading zeros. */
#define HMMP_ADDRSTRLEN	16
int hmmp_addr_parse(const char *s, uint32_t *be32);
const char *hmmp_addr_format(uint32_t be32, char buf[HMMP_ADDRSTRLEN]);

/* Decimal digits only, no sign, no blanks, within [min, max]. */
int hmmp_u32_parse(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/*
 * Enum <-> name. *_name() returns NULL for a value it does not know;
 * *_parse() returns 0 and sets *out, or -1.
 */
const char *hmmp_state_name(unsigned int state);
int hmmp_state_parse(const char *s, uint8_t *out);
const char *hmmp_opener_name(unsigned int opener);
int hmmp_opener_parse(const char *s, uint8_t *out);
const char *hmmp_encap_name(unsigned int encap);
int hmmp_encap_parse(const char *s, uint8_t *out);
const char *hmmp_kind_name(unsigned int kind);
int hmmp_kind_parse(const char *s, uint8_t *out);
const char *hmmp_reason_name(unsigned int reason);
const char *hmmp_stat_name(unsigned int attr);

/*
 * Roles: "mobile,correspondent,router,edge" <-> HMMP_ROLE_* mask. "none" is
 * the empty mask. Parsing rejects unknown and empty elements. Formatting
 * writes unknown bits as one hexadecimal element ("mobile,0x10") and
 * returns the length it needed, like snprintf.
 */
int hmmp_roles_parse(const char *s, uint32_t *mask);
int hmmp_roles_format(uint32_t mask, char *buf, size_t len);

/*
 * Configuration keys: the settable HMMP_CFG_A_* (u32) by name, with value
 * parser/formatter. HMMP_CFG_A_UDP_PORT is not among them: it is be16,
 * read-only, set by HMMP_CMD_TUNNEL_SOCK (hmmp_config_print shows it as
 * HMMP_CFG_UDP_PORT_NAME).
 */
#define HMMP_CFG_UDP_PORT_NAME	"udp_port"
struct hmmp_cfg_key {
	const char *name;
	int attr;			/* HMMP_CFG_A_* */
	int (*parse)(const char *s, uint32_t *out);	/* 0 or -1 */
	int (*format)(uint32_t v, char *buf, size_t len); /* like snprintf */
	bool numeric;			/* a number in JSON, else a string */
	const char *help;		/* what the value is */
};
extern const struct hmmp_cfg_key hmmp_cfg_keys[];
extern const size_t hmmp_cfg_nkeys;
const struct hmmp_cfg_key *hmmp_cfg_key_find(const char *name);
const struct hmmp_cfg_key *hmmp_cfg_key_by_attr(int attr);

/* Exponential backoff: doubles cur within [min, max] (all milliseconds). */
unsigned int hmmp_backoff_next(unsigned int cur, unsigned int min,
			       unsigned int max);

#define HMMP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* HMMP_UTIL_H */
