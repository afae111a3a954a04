// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: hmmpd.conf, read with inih.
 *
 * inih splits lines into sections and "key = value" pairs and strips
 * comments and white space; it does not count lines for the handler, and
 * treats an indented line as the continuation of the previous value. So
 * hmmpd feeds it through its own reader, which counts lines (the handler
 * reports errors at reader.line), strips indentation (no continuations:
 * an indented key is a key), and refuses what inih would accept or cut
 * silently: over-long lines, control characters, text after a section
 * header, a line that is neither a section, a comment nor "key = value".
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <ini.h>
#include <osipparser2/osip_uri.h>

#include <uapi/linux/hmmp.h>

#include "config.h"
#include "feature.h"
#include "sip/body.h"
#include "sip/uri.h"
#include "util.h"

/* --- defaults and lookups ------------------------------------------------- */

void hmmpd_conf_defaults(struct hmmpd_conf *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->roles = HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT;
	c->log_level = LOG_INFO;
	c->debounce_ms = 1000;
	c->listen[0] = (struct hmmpd_listen){ IPPROTO_UDP, 0, 5060 };
	c->listen[1] = (struct hmmpd_listen){ IPPROTO_TCP, 0, 5060 };
	c->nlisten = 2;
	c->register_expires = 3600;
	snprintf(c->realm, sizeof(c->realm), "hmmp");
	snprintf(c->secrets, sizeof(c->secrets), "/etc/hmmp/secrets");
	c->algs[0] = HMMPD_ALG_SHA256;
	c->algs[1] = HMMPD_ALG_MD5;
	c->nalgs = 2;
	c->nonce_lifetime = 300;
	c->lifetime = 600;
	c->max_lifetime = 3600;
	c->encap = HMMPD_ENCAP_AUTO;
	c->gateway_lifetime = 10;
	c->claim_lifetime = 3600;
	c->require_connection = true;
	for (i = 0; i < hmmpd_features_count(); i++) {
		const struct hmmpd_feature *f = hmmpd_feature_at(i);

		if (f->conf_defaults)
			f->conf_defaults(c->feat[i].data);
	}
}

void *hmmpd_conf_feature(const struct hmmpd_conf *c,
			 const struct hmmpd_feature *f)
{
	int i = hmmpd_feature_index(f);

	return i < 0 ? NULL : (void *)c->feat[i].data;
}

const struct hmmpd_peer *hmmpd_conf_peer(const struct hmmpd_conf *c,
					 const char *name)
{
	unsigned int i;

	for (i = 0; name && i < c->npeers; i++) {
		if (!strcmp(c->peers[i].name, name))
			return &c->peers[i];
	}
	return NULL;
}

const struct hmmpd_peer *hmmpd_conf_peer_by_addr(const struct hmmpd_conf *c,
						 uint32_t addr)
{
	unsigned int i, k;

	for (i = 0; i < c->npeers; i++) {
		for (k = 0; k < c->peers[i].naddr; k++) {
			if (c->peers[i].addr[k] == addr)
				return &c->peers[i];
		}
	}
	return NULL;
}

static const char *const level_names[] = {
	[LOG_ERR] = "error",
	[LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

const char *hmmpd_log_level_name(int level)
{
	if (level < 0 || level >= (int)HMMP_ARRAY_SIZE(level_names))
		return NULL;
	return level_names[level];
}

/* --- the parse context ---------------------------------------------------- */

enum sect {
	S_NONE,
	S_GENERAL,
	S_SIP,
	S_BINDING,
	S_PEER,
};

struct ctx {
	struct hmmpd_conf *c;
	FILE *f;
	const char *name;
	char *buf;			/* getline's */
	size_t cap;
	unsigned int line;		/* of the line inih is handling */
	unsigned int section_line;	/* of the last section header */
	unsigned int err_line;		/* of the first error, 0: none */
	char err[HMMPD_CONF_ERR_MAX];
	int read_errno;
	bool oom;
	/* the section of the last key, and the header it came under */
	char cur_section[64];
	unsigned int cur_section_line;
	struct hmmpd_peer *peer;	/* of the current [peer NAME] */
	/* where keys were given: for duplicates and cross-checks */
	unsigned int key_line[32];	/* index: keys[], whole file */
	unsigned int peer_key_line[3];	/* uri, address, proxy: this peer */
	unsigned int lifetime_line, max_lifetime_line, registrar_line;
};

static void fail_at(struct ctx *x, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Remember the first error (by line: inih's own may come later). */
static void fail_at(struct ctx *x, unsigned int line, const char *fmt, ...)
{
	char msg[HMMPD_CONF_ERR_MAX - 64];
	va_list ap;

	if (x->err_line && x->err_line <= line)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->err_line = line;
	snprintf(x->err, sizeof(x->err), "%s:%u: %s", x->name, line, msg);
}

/* --- the reader ----------------------------------------------------------- */

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* A line as inih must see it, or a comment in its place after an error. */
static char *reader(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	size_t max = (size_t)num - 1, n;
	ssize_t len;
	char *s, *e, *p;

	if (max > HMMPD_CONF_MAX_LINE)
		max = HMMPD_CONF_MAX_LINE;
	errno = 0;
	len = getline(&x->buf, &x->cap, x->f);
	if (len < 0) {
		if (errno == ENOMEM)
			x->oom = true;
		else if (errno || ferror(x->f))
			x->read_errno = errno ? errno : EIO;
		return NULL;
	}
	x->line++;
	s = x->buf;
	e = s + len;
	if (e > s && e[-1] == '\n')
		*--e = '\0';
	if (e > s && e[-1] == '\r')
		*--e = '\0';
	if (x->line == 1 && e - s >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;			/* a UTF-8 byte order mark */
	for (p = s; p < e; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			fail_at(x, x->line, "invalid character");
			goto comment;
		}
	}
	while (is_wsp(*s))
		s++;			/* no continuation lines */
	while (e > s && is_wsp(e[-1]))
		*--e = '\0';
	n = (size_t)(e - s);
	if (n > max) {
		fail_at(x, x->line, "line longer than %zu characters", max);
		goto comment;
	}
	if (*s == '[') {
		p = strchr(s, ']');
		if (!p) {
			fail_at(x, x->line, "unterminated section header");
			goto comment;
		}
		for (p++; is_wsp(*p); p++)
			;
		if (*p && *p != ';' && *p != '#') {
			fail_at(x, x->line, "text after the section header");
			goto comment;
		}
		x->section_line = x->line;
	} else if (*s && *s != ';' && *s != '#') {
		p = s + strcspn(s, "=:");
		if (*p != '=') {
			fail_at(x, x->line, "expected 'key = value'");
			goto comment;
		}
		if (p == s) {
			fail_at(x, x->line, "a value without a key");
			goto comment;
		}
	}
	memcpy(str, s, n + 1);
	return str;
comment:
	str[0] = ';';
	str[1] = '\0';
	return str;
}

/* --- value parsers: 0, or -1 with *why ------------------------------------ */

/* The longest list a key takes. */
#define LIST_MAX	8
_Static_assert(HMMPD_CONF_MAX_IFACES <= LIST_MAX &&
	       HMMPD_CONF_MAX_LISTEN <= LIST_MAX &&
	       HMMPD_PEER_MAX_ADDRS <= LIST_MAX && __HMMPD_ALG_MAX <= LIST_MAX,
	       "LIST_MAX too small");

/* Split a list on commas and white space into at most max elements. */
static int split(const char *v, char out[][64], unsigned int max,
		 unsigned int *n, const char **why)
{
	*n = 0;
	while (*v) {
		size_t len;

		while (is_wsp(*v))
			v++;
		len = strcspn(v, ", \t");
		if (!len) {
			*why = "empty list element";
			return -1;
		}
		if (len >= 64) {
			*why = "list element too long";
			return -1;
		}
		if (*n == max) {
			*why = "too many list elements";
			return -1;
		}
		memcpy(out[*n], v, len);
		out[(*n)++][len] = '\0';
		v += len;
		while (is_wsp(*v))
			v++;
		if (*v == ',') {
			v++;
			while (is_wsp(*v))
				v++;
			if (!*v) {
				*why = "empty list element";
				return -1;
			}
		}
	}
	if (!*n) {
		*why = "empty list";
		return -1;
	}
	return 0;
}

/* A sip: or sips: URI with a host, as osip2 reads it, and no blanks. */
static int parse_uri(const char *v, char *out, size_t size, const char **why)
{
	osip_uri_t *u = NULL;
	const char *p;
	uint32_t port;
	int ret = -1;

	*why = "not a SIP URI (sip:user@host[:port])";
	if (strlen(v) >= size) {
		*why = "URI too long";
		return -1;
	}
	for (p = v; *p; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>\"", *p))
			return -1;
	}
	if (strncasecmp(v, "sip:", 4) && strncasecmp(v, "sips:", 5))
		return -1;
	if (osip_uri_init(&u))
		return -1;
	if (osip_uri_parse(u, v) || !u->host || !*u->host)
		goto out;
	if (u->port && hmmp_u32_parse(u->port, 1, 65535, &port)) {
		*why = "bad port in the URI";
		goto out;
	}
	snprintf(out, size, "%s", v);
	ret = 0;
out:
	osip_uri_free(u);
	return ret;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < HMMP_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* "udp:ADDR[:PORT]", "tcp:ADDR[:PORT]" or "sctp:ADDR[:PORT]" */
static int parse_listen(const char *v, struct hmmpd_listen *l, const char **why)
{
	char addr[HMMP_ADDRSTRLEN];
	const char *colon;
	uint32_t port = 5060;
	size_t n;

	*why = "expected udp:ADDRESS[:PORT], tcp:ADDRESS[:PORT] or sctp:ADDRESS[:PORT]";
	if (!strncasecmp(v, "udp:", 4))
		l->proto = IPPROTO_UDP;
	else if (!strncasecmp(v, "tcp:", 4))
		l->proto = IPPROTO_TCP;
	else if (!strncasecmp(v, "sctp:", 5))
		l->proto = IPPROTO_SCTP;
	else
		return -1;
	v += l->proto == IPPROTO_SCTP ? 5 : 4;
	colon = strchr(v, ':');
	n = colon ? (size_t)(colon - v) : strlen(v);
	if (!n || n >= sizeof(addr))
		return -1;
	memcpy(addr, v, n);
	addr[n] = '\0';
	if (hmmp_addr_parse(addr, &l->addr)) {
		*why = "bad address (a.b.c.d, 0.0.0.0 for any)";
		return -1;
	}
	if (colon && hmmp_u32_parse(colon + 1, 1, 65535, &port)) {
		*why = "bad port (1-65535)";
		return -1;
	}
	l->port = (uint16_t)port;
	return 0;
}

/* What Linux accepts as a device name (dev_valid_name()). */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++) {
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ' ||
		    (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

static bool text_ok(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

/* --- the keys ------------------------------------------------------------- */

enum ktype {
	K_URI,
	K_ROLES,
	K_IFACES,
	K_LOGLEVEL,
	K_U32,
	K_LISTEN,
	K_TEXT,
	K_PATH,
	K_ALGS,
	K_ENCAP,
	K_BOOL,
};

struct key {
	enum sect sect;
	const char *name;
	enum ktype type;
	size_t off, size;
	uint32_t min, max;
};

#define F(field) offsetof(struct hmmpd_conf, field), \
		 sizeof(((struct hmmpd_conf *)0)->field)

static const struct key keys[] = {
	{ S_GENERAL, "identity", K_URI, F(identity), 0, 0 },
	{ S_GENERAL, "roles", K_ROLES, F(roles), 0, 0 },
	{ S_GENERAL, "interfaces", K_IFACES, F(ifaces), 0, 0 },
	{ S_GENERAL, "log_level", K_LOGLEVEL, F(log_level), 0, 0 },
	{ S_GENERAL, "debounce_ms", K_U32, F(debounce_ms), 0, 60000 },
	{ S_SIP, "listen", K_LISTEN, F(listen), 0, 0 },
	{ S_SIP, "registrar", K_URI, F(registrar), 0, 0 },
	{ S_SIP, "register_expires", K_U32, F(register_expires), 60, 86400 },
	{ S_SIP, "realm", K_TEXT, F(realm), 0, 0 },
	{ S_SIP, "secrets", K_PATH, F(secrets), 0, 0 },
	{ S_SIP, "algorithms", K_ALGS, F(algs), 0, 0 },
	{ S_SIP, "nonce_lifetime", K_U32, F(nonce_lifetime), 10, 3600 },
	{ S_BINDING, "lifetime", K_U32, F(lifetime), 10, 86400 },
	{ S_BINDING, "max_lifetime", K_U32, F(max_lifetime), 10, 86400 },
	{ S_BINDING, "encap", K_ENCAP, F(encap), 0, 0 },
	{ S_BINDING, "gateway_lifetime", K_U32, F(gateway_lifetime), 0, 600 },
	{ S_BINDING, "claim_lifetime", K_U32, F(claim_lifetime), 0, 86400 },
	{ S_BINDING, "require_connection", K_BOOL, F(require_connection), 0, 0 },
};

_Static_assert(HMMP_ARRAY_SIZE(keys) <=
	       sizeof(((struct ctx *)0)->key_line) / sizeof(unsigned int),
	       "ctx.key_line too small");

static const char *const sect_names[] = {
	[S_GENERAL] = "general", [S_SIP] = "sip", [S_BINDING] = "binding",
};

static int set_value(struct ctx *x, const struct key *k, const char *v)
{
	void *dst = (char *)x->c + k->off;
	char list[LIST_MAX][64];
	const char *why = NULL;
	unsigned int n, i, j;
	uint32_t u;

	switch (k->type) {
	case K_URI:
		if (parse_uri(v, dst, k->size, &why))
			goto bad;
		return 0;
	case K_ROLES: {
		/* the library's parser, with blanks after commas allowed */
		char *norm = strdup(v), *p;
		int r;

		if (!norm) {
			x->oom = true;
			return -1;
		}
		for (p = norm, i = 0; norm[i]; i++) {
			if (!is_wsp(norm[i]))
				*p++ = norm[i];
		}
		*p = '\0';
		r = hmmp_roles_parse(norm, &u);
		free(norm);
		if (r) {
			why = "bad roles (mobile, correspondent, router, edge, or none)";
			goto bad;
		}
		*(uint32_t *)dst = u;
		return 0;
	}
	case K_IFACES:
		if (split(v, list, HMMPD_CONF_MAX_IFACES, &n, &why))
			goto bad;
		for (i = 0; i < n; i++) {
			if (!ifname_ok(list[i])) {
				why = "bad interface name";
				goto bad;
			}
			for (j = 0; j < i; j++) {
				if (!strcmp(list[i], list[j])) {
					why = "interface listed twice";
					goto bad;
				}
			}
		}
		for (i = 0; i < n; i++)	/* ifname_ok(): it fits */
			memcpy(x->c->ifaces[i], list[i], strlen(list[i]) + 1);
		x->c->nifaces = n;
		return 0;
	case K_LOGLEVEL:
		for (i = 0; i < HMMP_ARRAY_SIZE(level_names); i++) {
			if (level_names[i] && !strcasecmp(v, level_names[i])) {
				*(int *)dst = (int)i;
				return 0;
			}
		}
		why = "bad log level (error, warning, notice, info, debug)";
		goto bad;
	case K_U32:
		if (hmmp_u32_parse(v, k->min, k->max, &u)) {
			fail_at(x, x->line, "%s: expected a whole number from %u to %u",
				k->name, k->min, k->max);
			return -1;
		}
		*(uint32_t *)dst = u;
		return 0;
	case K_LISTEN: {
		struct hmmpd_listen l[HMMPD_CONF_MAX_LISTEN];

		if (split(v, list, HMMPD_CONF_MAX_LISTEN, &n, &why))
			goto bad;
		for (i = 0; i < n; i++) {
			if (parse_listen(list[i], &l[i], &why))
				goto bad;
			for (j = 0; j < i; j++) {
				if (l[j].proto == l[i].proto &&
				    l[j].port == l[i].port &&
				    (l[j].addr == l[i].addr || !l[j].addr ||
				     !l[i].addr)) {
					why = "the same transport and port twice";
					goto bad;
				}
			}
		}
		memcpy(x->c->listen, l, n * sizeof(l[0]));
		x->c->nlisten = n;
		return 0;
	}
	case K_TEXT:
		if (!*v || strlen(v) >= k->size || !text_ok(v)) {
			why = "expected printable text";
			goto bad;
		}
		snprintf(dst, k->size, "%s", v);
		return 0;
	case K_PATH:
		if (*v != '/' || strlen(v) >= k->size || !text_ok(v)) {
			why = "expected an absolute path";
			goto bad;
		}
		snprintf(dst, k->size, "%s", v);
		return 0;
	case K_ALGS:
		if (split(v, list, __HMMPD_ALG_MAX, &n, &why))
			goto bad;
		for (i = 0; i < n; i++) {
			enum hmmpd_digest_alg a;

			if (hmmpd_digest_alg_parse(list[i], &a)) {
				why = "unknown algorithm (SHA-256, SHA-256-sess, MD5, MD5-sess)";
				goto bad;
			}
			for (j = 0; j < i; j++) {
				if (x->c->algs[j] == a) {
					why = "algorithm listed twice";
					goto bad;
				}
			}
			x->c->algs[i] = a;
		}
		x->c->nalgs = n;
		return 0;
	case K_ENCAP: {
		uint8_t e;

		if (hmmpd_encap_parse(v, &e)) {
			why = "bad encapsulation (auto, ipip, minimal or udp)";
			goto bad;
		}
		*(uint8_t *)dst = e;
		return 0;
	}
	case K_BOOL:
		if (parse_bool(v, dst)) {
			why = "expected yes or no";
			goto bad;
		}
		return 0;
	}
	why = "internal error";
bad:
	fail_at(x, x->line, "%s: %s", k->name, why);
	return -1;
}

static bool peer_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > HMMPD_SECRET_MAX_PEER)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		      *s == '-'))
			return false;
	}
	return true;
}

/* The first key of a section (inih only tells us about keys). */
static int enter_section(struct ctx *x, const char *section)
{
	const char *name;
	unsigned int i;

	snprintf(x->cur_section, sizeof(x->cur_section), "%s", section);
	x->cur_section_line = x->section_line;
	memset(x->peer_key_line, 0, sizeof(x->peer_key_line));
	x->peer = NULL;
	if (strncmp(section, "peer", 4) || !is_wsp(section[4]))
		return 0;
	for (name = section + 4; is_wsp(*name); name++)
		;
	if (!peer_name_ok(name)) {
		fail_at(x, x->section_line,
			"bad peer name (1-32 letters, digits, '.', '_', '-')");
		return -1;
	}
	for (i = 0; i < x->c->npeers; i++) {
		if (!strcmp(x->c->peers[i].name, name)) {
			fail_at(x, x->section_line,
				"[peer %s] given twice (first on line %u)", name,
				x->c->peers[i].line);
			return -1;
		}
	}
	if (x->c->npeers == HMMPD_CONF_MAX_PEERS) {
		fail_at(x, x->section_line, "more than %d peers",
			HMMPD_CONF_MAX_PEERS);
		return -1;
	}
	x->peer = &x->c->peers[x->c->npeers++];
	memset(x->peer, 0, sizeof(*x->peer));
	snprintf(x->peer->name, sizeof(x->peer->name), "%s", name);
	x->peer->line = x->section_line;
	return 0;
}

static int peer_key(struct ctx *x, const char *name, const char *v)
{
	static const char *const pkeys[] = { "uri", "address", "proxy" };
	char list[LIST_MAX][64];
	struct hmmpd_peer *p = x->peer;
	const char *why = NULL;
	unsigned int i, j, n;
	uint32_t a[HMMPD_PEER_MAX_ADDRS];

	for (i = 0; i < HMMP_ARRAY_SIZE(pkeys); i++) {
		if (!strcmp(name, pkeys[i]))
			break;
	}
	if (i == HMMP_ARRAY_SIZE(pkeys)) {
		fail_at(x, x->line, "unknown key '%s' in [peer %s] (uri, address, proxy)",
			name, p->name);
		return -1;
	}
	if (x->peer_key_line[i]) {
		fail_at(x, x->line, "%s given twice in [peer %s] (first on line %u)",
			name, p->name, x->peer_key_line[i]);
		return -1;
	}
	x->peer_key_line[i] = x->line;
	if (i == 0) {
		if (parse_uri(v, p->uri, sizeof(p->uri), &why))
			goto bad;
		return 0;
	}
	if (i == 2) {
		struct sip_addr pa;
		bool tcp;

		if (parse_uri(v, p->proxy, sizeof(p->proxy), &why))
			goto bad;
		if (sip_uri_addr(p->proxy, &pa, &tcp)) {
			why = "not a sip: URI with a numeric IPv4 host";
			goto bad;
		}
		return 0;
	}
	if (split(v, list, HMMPD_PEER_MAX_ADDRS, &n, &why))
		goto bad;
	for (i = 0; i < n; i++) {
		const struct hmmpd_peer *other;

		if (hmmp_addr_parse(list[i], &a[i])) {
			why = "bad address";
			goto bad;
		}
		for (j = 0; j < i; j++) {
			if (a[j] == a[i]) {
				why = "address listed twice";
				goto bad;
			}
		}
		other = hmmpd_conf_peer_by_addr(x->c, a[i]);
		if (other) {
			fail_at(x, x->line, "address: %s is already [peer %s]'s",
				list[i], other->name);
			return -1;
		}
	}
	memcpy(p->addr, a, n * sizeof(a[0]));
	p->naddr = n;
	return 0;
bad:
	fail_at(x, x->line, "%s: %s", name, why);
	return -1;
}

/* "general, sip, binding, <the features' sections>, peer NAME" */
static void section_names(char *buf, size_t size)
{
	size_t i, k, n;

	n = (size_t)snprintf(buf, size, "general, sip, binding");
	for (i = 0; i < hmmpd_features_count() && n < size; i++) {
		const char *const *sec = hmmpd_feature_at(i)->sections;

		for (k = 0; sec && sec[k] && n < size; k++)
			n += (size_t)snprintf(buf + n, size - n, ", %s", sec[k]);
	}
	if (n < size)
		snprintf(buf + n, size - n, ", peer NAME");
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct ctx *x = user;
	const struct hmmpd_feature *f;
	unsigned int i;
	size_t fi;
	enum sect s = S_NONE;

	if (x->oom)
		return 0;
	if (!*section) {
		fail_at(x, x->line, "'%s' outside any section", name);
		return 0;
	}
	/*
	 * A new section, or a header of the same name again. A [general],
	 * [sip] or [binding] given twice is one section (key_line spans the
	 * file); a [peer NAME] given twice is an error.
	 */
	if (strcmp(section, x->cur_section) ||
	    x->section_line != x->cur_section_line) {
		if (enter_section(x, section))
			return 0;
	}
	if (x->peer)
		return peer_key(x, name, value) ? 0 : 1;
	for (i = 1; i < HMMP_ARRAY_SIZE(sect_names); i++) {
		if (!strcmp(section, sect_names[i]))
			s = (enum sect)i;
	}
	if (s == S_NONE && (f = hmmpd_feature_by_section(section, &fi))) {
		char why[256] = "bad value";

		if (!f->conf_key || !f->conf_key(x->c->feat[fi].data, section,
						 name, value, x->line, why,
						 sizeof(why)))
			return 1;
		fail_at(x, x->line, "%s", why);
		return 0;
	}
	if (s == S_NONE) {
		char known[256];

		section_names(known, sizeof(known));
		fail_at(x, x->section_line, "unknown section [%s] (%s)", section,
			known);
		return 0;
	}
	for (i = 0; i < HMMP_ARRAY_SIZE(keys); i++) {
		if (keys[i].sect == s && !strcmp(keys[i].name, name))
			break;
	}
	if (i == HMMP_ARRAY_SIZE(keys)) {
		fail_at(x, x->line, "unknown key '%s' in [%s]", name, section);
		return 0;
	}
	if (x->key_line[i]) {
		fail_at(x, x->line, "%s given twice (first on line %u)", name,
			x->key_line[i]);
		return 0;
	}
	x->key_line[i] = x->line;
	if (!strcmp(name, "lifetime"))
		x->lifetime_line = x->line;
	else if (!strcmp(name, "max_lifetime"))
		x->max_lifetime_line = x->line;
	else if (!strcmp(name, "registrar"))
		x->registrar_line = x->line;
	return set_value(x, &keys[i], value) ? 0 : 1;
}

/* Rules between keys, checked once everything is read. */
static void cross_check(struct ctx *x)
{
	const struct hmmpd_conf *c = x->c;
	unsigned int i;

	for (i = 0; i < c->npeers; i++) {
		if (!c->peers[i].uri[0])
			fail_at(x, c->peers[i].line, "[peer %s] has no uri",
				c->peers[i].name);
	}
	if (c->lifetime > c->max_lifetime)
		fail_at(x, x->lifetime_line > x->max_lifetime_line ?
			x->lifetime_line : x->max_lifetime_line,
			"lifetime %u is more than max_lifetime %u", c->lifetime,
			c->max_lifetime);
	if (c->registrar[0] && !c->identity[0])
		fail_at(x, x->registrar_line,
			"registrar needs an identity in [general] to register");
	for (i = 0; i < hmmpd_features_count(); i++) {
		const struct hmmpd_feature *f = hmmpd_feature_at(i);
		unsigned int line = 0;
		char why[256] = "bad configuration";

		if (f->conf_check &&
		    f->conf_check(c, c->feat[i].data, &line, why, sizeof(why)))
			fail_at(x, line ? line : x->line, "%s", why);
	}
}

int hmmpd_conf_load_file(struct hmmpd_conf *c, FILE *f, const char *name,
			 char *err, size_t errlen)
{
	struct ctx *x = calloc(1, sizeof(*x));
	struct hmmpd_conf *tmp = malloc(sizeof(*tmp));
	int ret, line;

	if (!x || !tmp) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(x);
		free(tmp);
		return -ENOMEM;
	}
	hmmpd_conf_defaults(tmp);
	x->c = tmp;
	x->f = f;
	x->name = name;
	line = ini_parse_stream(reader, x, handler, x);
	if (line > 0 && (!x->err_line || (unsigned int)line < x->err_line))
		fail_at(x, (unsigned int)line, "syntax error");
	if (!x->err_line && !x->oom && !x->read_errno)
		cross_check(x);
	if (x->oom || line == -2) {
		snprintf(err, errlen, "%s: out of memory", name);
		ret = -ENOMEM;
	} else if (x->read_errno) {
		snprintf(err, errlen, "%s: read error: %s", name,
			 strerror(x->read_errno));
		ret = -x->read_errno;
	} else if (x->err_line) {
		snprintf(err, errlen, "%s", x->err);
		ret = -EINVAL;
	} else {
		memcpy(c, tmp, sizeof(*c));
		ret = 0;
	}
	free(x->buf);
	free(x);
	free(tmp);
	return ret;
}

int hmmpd_conf_load(struct hmmpd_conf *c, const char *path, char *err,
		    size_t errlen)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return ret;
	}
	ret = hmmpd_conf_load_file(c, f, path, err, errlen);
	fclose(f);
	return ret;
}
