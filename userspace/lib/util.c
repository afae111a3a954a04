// SPDX-License-Identifier: GPL-2.0
/*
 * hmmp userspace: pure helpers (addresses, numbers, enum names, config keys).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <uapi/linux/hmmp.h>

#include "util.h"

int hmmp_addr_parse(const char *s, uint32_t *be32)
{
	uint32_t addr = 0;
	int part;

	if (!s)
		return -1;
	for (part = 0; part < 4; part++) {
		unsigned int v = 0;
		int digits = 0;

		if (part > 0 && *s++ != '.')
			return -1;
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return -1;	/* leading zero: octal in some parsers */
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned int)(*s++ - '0');
			if (++digits > 3)
				return -1;
		}
		if (!digits || v > 255)
			return -1;
		addr = addr << 8 | v;
	}
	if (*s)
		return -1;
	*be32 = htonl(addr);
	return 0;
}

const char *hmmp_addr_format(uint32_t be32, char buf[HMMP_ADDRSTRLEN])
{
	uint32_t a = ntohl(be32);

	snprintf(buf, HMMP_ADDRSTRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
	return buf;
}

int hmmp_u32_parse(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static const char *const state_names[] = {
	[HMMP_CONN_SETUP_REQ] = "setup_req",
	[HMMP_CONN_SETUP_PROG] = "setup_prog",
	[HMMP_CONN_ESTABLISHED] = "established",
	[HMMP_CONN_RELEASE_REQ] = "release_req",
	[HMMP_CONN_RELEASE_ACK] = "release_ack",
	[HMMP_CONN_DISCONNECT] = "disconnect",
};

static const char *const opener_names[] = {
	[HMMP_OPENER_LOCAL] = "local",
	[HMMP_OPENER_REMOTE] = "remote",
	[HMMP_OPENER_PICKUP] = "pickup",
};

static const char *const encap_names[] = {
	[HMMP_ENCAP_IPIP] = "ipip",
	[HMMP_ENCAP_MINIMAL] = "minimal",
	[HMMP_ENCAP_UDP] = "udp",
};

static const char *const kind_names[] = {
	[HMMP_BIND_CORRESPONDENT] = "correspondent",
	[HMMP_BIND_MOBILE] = "mobile",
	[HMMP_BIND_ROUTER] = "router",
};

static const char *const reason_names[] = {
	[HMMP_REASON_CLOSED] = "closed",
	[HMMP_REASON_RESET] = "reset",
	[HMMP_REASON_EXPIRED] = "expired",
	[HMMP_REASON_DELETED] = "deleted",
	[HMMP_REASON_FLUSHED] = "flushed",
	[HMMP_REASON_EVICTED] = "evicted",
};

static const char *const stat_names[] = {
	[HMMP_STAT_A_CONN_COUNT] = "conn_count",
	[HMMP_STAT_A_CONN_MAX] = "conn_max",
	[HMMP_STAT_A_CONN_CREATED] = "conn_created",
	[HMMP_STAT_A_CONN_CLOSED] = "conn_closed",
	[HMMP_STAT_A_CONN_EXPIRED] = "conn_expired",
	[HMMP_STAT_A_CONN_TABLE_FULL] = "conn_table_full",
	[HMMP_STAT_A_CONN_PICKED_UP] = "conn_picked_up",
	[HMMP_STAT_A_PKTS_TRACKED] = "pkts_tracked",
	[HMMP_STAT_A_PKTS_INVALID] = "pkts_invalid",
	[HMMP_STAT_A_RST_IGNORED] = "rst_ignored",
	[HMMP_STAT_A_HANDOFFS] = "handoffs",
	[HMMP_STAT_A_CONN_ENTRY_BYTES] = "conn_entry_bytes",
	[HMMP_STAT_A_CONN_MEMORY_BYTES] = "conn_memory_bytes",
	[HMMP_STAT_A_BIND_COUNT] = "bind_count",
	[HMMP_STAT_A_BIND_MAX] = "bind_max",
	[HMMP_STAT_A_BIND_EXPIRED] = "bind_expired",
	[HMMP_STAT_A_BIND_TABLE_FULL] = "bind_table_full",
	[HMMP_STAT_A_ENCAP_PKTS] = "encap_pkts",
	[HMMP_STAT_A_DECAP_PKTS] = "decap_pkts",
	[HMMP_STAT_A_FWD_PKTS] = "fwd_pkts",
	[HMMP_STAT_A_DECAP_ERRORS] = "decap_errors",
	[HMMP_STAT_A_DECAP_UNKNOWN_PEER] = "decap_unknown_peer",
	[HMMP_STAT_A_PMTU_SENT] = "pmtu_sent",
	[HMMP_STAT_A_TUNNEL_ERRORS] = "tunnel_errors",
	[HMMP_STAT_A_ERRORS_RELAYED] = "errors_relayed",
	[HMMP_STAT_A_UDP_UNKNOWN] = "udp_unknown",
	[HMMP_STAT_A_UDP_NOSOCK] = "udp_nosock",
	[HMMP_STAT_A_XLATE_COUNT] = "xlate_count",
	[HMMP_STAT_A_XLATE_TABLE_FULL] = "xlate_table_full",
	[HMMP_STAT_A_XLATE_PKTS] = "xlate_pkts",
	[HMMP_STAT_A_CONN_EVICTED] = "conn_evicted",
};

static const char *name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : NULL;
}

static int parse_name(const char *const *names, size_t n, const char *s,
		      uint8_t *out)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], s)) {
			*out = (uint8_t)i;
			return 0;
		}
	}
	return -1;
}

#define NAME_OF(tbl, v) name_of(tbl, HMMP_ARRAY_SIZE(tbl), v)
#define PARSE_NAME(tbl, s, out) parse_name(tbl, HMMP_ARRAY_SIZE(tbl), s, out)

const char *hmmp_state_name(unsigned int state)
{
	return NAME_OF(state_names, state);
}

int hmmp_state_parse(const char *s, uint8_t *out)
{
	return PARSE_NAME(state_names, s, out);
}

const char *hmmp_opener_name(unsigned int opener)
{
	return NAME_OF(opener_names, opener);
}

int hmmp_opener_parse(const char *s, uint8_t *out)
{
	return PARSE_NAME(opener_names, s, out);
}

const char *hmmp_encap_name(unsigned int encap)
{
	return NAME_OF(encap_names, encap);
}

int hmmp_encap_parse(const char *s, uint8_t *out)
{
	return PARSE_NAME(encap_names, s, out);
}

const char *hmmp_kind_name(unsigned int kind)
{
	return NAME_OF(kind_names, kind);
}

int hmmp_kind_parse(const char *s, uint8_t *out)
{
	return PARSE_NAME(kind_names, s, out);
}

const char *hmmp_reason_name(unsigned int reason)
{
	return NAME_OF(reason_names, reason);
}

const char *hmmp_stat_name(unsigned int attr)
{
	return NAME_OF(stat_names, attr);
}

static const struct {
	const char *name;
	uint32_t bit;
} role_names[] = {
	{ "mobile", HMMP_ROLE_MOBILE },
	{ "correspondent", HMMP_ROLE_CORRESPONDENT },
	{ "router", HMMP_ROLE_ROUTER },
	{ "edge", HMMP_ROLE_EDGE },
};

int hmmp_roles_parse(const char *s, uint32_t *mask)
{
	uint32_t m = 0;

	if (!s || !*s)
		return -1;
	if (!strcmp(s, "none")) {
		*mask = 0;
		return 0;
	}
	while (1) {
		size_t len = strcspn(s, ",");
		size_t i;

		for (i = 0; i < HMMP_ARRAY_SIZE(role_names); i++) {
			if (strlen(role_names[i].name) == len &&
			    !strncmp(role_names[i].name, s, len))
				break;
		}
		if (i == HMMP_ARRAY_SIZE(role_names))
			return -1;	/* unknown or empty element */
		m |= role_names[i].bit;
		s += len;
		if (!*s)
			break;
		s++;			/* the comma */
	}
	*mask = m;
	return 0;
}

int hmmp_roles_format(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0, i;
	int n;

	if (len)
		buf[0] = '\0';
	if (!mask)
		return snprintf(buf, len, "none");
	for (i = 0; i < HMMP_ARRAY_SIZE(role_names); i++) {
		if (!(mask & role_names[i].bit))
			continue;
		mask &= ~role_names[i].bit;
		n = snprintf(used < len ? buf + used : NULL,
			     used < len ? len - used : 0, "%s%s",
			     used ? "," : "", role_names[i].name);
		used += (size_t)n;
	}
	if (mask) {
		n = snprintf(used < len ? buf + used : NULL,
			     used < len ? len - used : 0, "%s0x%x",
			     used ? "," : "", mask);
		used += (size_t)n;
	}
	return (int)used;
}

static int parse_count(const char *s, uint32_t *out)
{
	return hmmp_u32_parse(s, 1, UINT32_MAX, out);
}

static int parse_seconds(const char *s, uint32_t *out)
{
	return hmmp_u32_parse(s, 0, UINT32_MAX, out);
}

static int format_u32(uint32_t v, char *buf, size_t len)
{
	return snprintf(buf, len, "%u", v);
}

const struct hmmp_cfg_key hmmp_cfg_keys[] = {
	{ "table_max", HMMP_CFG_A_TABLE_MAX, parse_count, format_u32, true,
	  "connection records, at least 1" },
	{ "timeout_setup", HMMP_CFG_A_TIMEOUT_SETUP, parse_seconds, format_u32,
	  true, "seconds in setup_req and setup_prog" },
	{ "timeout_established", HMMP_CFG_A_TIMEOUT_ESTABLISHED, parse_seconds,
	  format_u32, true, "seconds an idle established record lives" },
	{ "timeout_release", HMMP_CFG_A_TIMEOUT_RELEASE, parse_seconds,
	  format_u32, true, "seconds in release_req and release_ack" },
	{ "timeout_disconnect", HMMP_CFG_A_TIMEOUT_DISCONNECT, parse_seconds,
	  format_u32, true, "seconds a closed record lingers" },
	{ "roles", HMMP_CFG_A_ROLES, hmmp_roles_parse, hmmp_roles_format,
	  false, "mobile,correspondent,router,edge or none" },
	{ "bind_max", HMMP_CFG_A_BIND_MAX, parse_count, format_u32, true,
	  "binding records, at least 1" },
};
const size_t hmmp_cfg_nkeys = HMMP_ARRAY_SIZE(hmmp_cfg_keys);

const struct hmmp_cfg_key *hmmp_cfg_key_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < hmmp_cfg_nkeys; i++)
		if (!strcmp(hmmp_cfg_keys[i].name, name))
			return &hmmp_cfg_keys[i];
	return NULL;
}

const struct hmmp_cfg_key *hmmp_cfg_key_by_attr(int attr)
{
	size_t i;

	for (i = 0; i < hmmp_cfg_nkeys; i++)
		if (hmmp_cfg_keys[i].attr == attr)
			return &hmmp_cfg_keys[i];
	return NULL;
}

unsigned int hmmp_backoff_next(unsigned int cur, unsigned int min,
			       unsigned int max)
{
	if (cur < min)
		return min;
	if (cur > max / 2)
		return max;
	return cur * 2;
}
