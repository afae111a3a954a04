// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the INFO address-binding body, parser and builder. The grammar is
 * in docs/binding-body.md; this file follows it line by line.
 *
 * The parser works on (pointer, length) spans and never reads past the
 * end of the body: the body is not NUL-terminated. Its reason phrases
 * quote no byte of the request, only line numbers and fixed words, so
 * they can go into a SIP status line as they are.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uapi/linux/hmmp.h>

#include "body.h"
#include "util.h"

#define BAD	"Bad binding body: "

static void set_err(struct hmmpd_body_err *err, int status, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static void set_err(struct hmmpd_body_err *err, int status, const char *fmt,
		    ...)
{
	va_list ap;

	if (!err)
		return;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

int hmmpd_addr_unicast(uint32_t be32)
{
	uint32_t a = ntohl(be32);

	if ((a >> 24) == 0 || (a >> 24) == 127)
		return 0;	/* "this network", loopback */
	if ((a >> 28) >= 0xe)
		return 0;	/* multicast, reserved, broadcast */
	return 1;
}

const char *hmmpd_encap_name(uint8_t encap)
{
	return encap == HMMPD_ENCAP_AUTO ? "auto" : hmmp_encap_name(encap);
}

int hmmpd_encap_parse(const char *s, uint8_t *out)
{
	if (s && !strcmp(s, "auto")) {
		*out = HMMPD_ENCAP_AUTO;
		return 0;
	}
	return hmmp_encap_parse(s, out);
}

static bool encap_known(uint8_t encap)
{
	return encap == HMMP_ENCAP_IPIP || encap == HMMP_ENCAP_MINIMAL ||
	       encap == HMMP_ENCAP_UDP || encap == HMMPD_ENCAP_AUTO;
}

void hmmpd_body_init(struct hmmpd_body *b)
{
	memset(b, 0, sizeof(*b));
}

void hmmpd_body_free(struct hmmpd_body *b)
{
	free(b->conn);
	hmmpd_body_init(b);
}

/* Empty it, keeping the connection array for reuse. */
static void body_reset(struct hmmpd_body *b)
{
	struct hmmpd_tcp *conn = b->conn;
	unsigned int cap = b->conn_cap;

	hmmpd_body_init(b);
	b->conn = conn;
	b->conn_cap = cap;
}

int hmmpd_body_add_bind(struct hmmpd_body *b, uint32_t orig, uint32_t coa,
			uint32_t lifetime, uint8_t encap, uint8_t kind)
{
	struct hmmpd_bind *bd;

	if (b->nbind >= HMMPD_BODY_MAX_BINDINGS)
		return -1;
	bd = &b->bind[b->nbind++];
	memset(bd, 0, sizeof(*bd));
	bd->orig = orig;
	bd->coa = coa;
	bd->lifetime = lifetime;
	bd->encap = encap;
	bd->kind = kind;
	bd->first_conn = b->nconn;
	return 0;
}

int hmmpd_body_add_conn(struct hmmpd_body *b, const struct hmmpd_tcp *t)
{
	if (!b->nbind || b->nconn >= HMMPD_BODY_MAX_CONNS)
		return -1;
	if (b->nconn == b->conn_cap) {
		unsigned int cap = b->conn_cap ? b->conn_cap * 2 : 16;
		struct hmmpd_tcp *n;

		if (cap > HMMPD_BODY_MAX_CONNS)
			cap = HMMPD_BODY_MAX_CONNS;
		n = realloc(b->conn, cap * sizeof(*n));
		if (!n)
			return -1;
		b->conn = n;
		b->conn_cap = cap;
	}
	b->conn[b->nconn++] = *t;
	b->bind[b->nbind - 1].nconn++;
	return 0;
}

/* The same connection: its 4-tuple, whatever its identity says. */
static bool same_tuple(const struct hmmpd_tcp *x, const struct hmmpd_tcp *y)
{
	return x->laddr == y->laddr && x->lport == y->lport &&
	       x->raddr == y->raddr && x->rport == y->rport;
}

int hmmpd_body_version(const struct hmmpd_body *b)
{
	unsigned int i;

	for (i = 0; i < b->nconn; i++)
		if (b->conn[i].flags & HMMPD_TCP_ISN)
			return 2;
	return HMMPD_BODY_VERSION;
}

int hmmpd_body_check(const struct hmmpd_body *b, struct hmmpd_body_err *err)
{
	unsigned int i, j, k, next = 0;

	if (!b->nbind) {
		set_err(err, 400, BAD "no binding");
		return -1;
	}
	if (b->nbind > HMMPD_BODY_MAX_BINDINGS) {
		set_err(err, 400, BAD "more than %d bindings",
			HMMPD_BODY_MAX_BINDINGS);
		return -1;
	}
	if (b->nconn > HMMPD_BODY_MAX_CONNS) {
		set_err(err, 400, BAD "more than %d connections",
			HMMPD_BODY_MAX_CONNS);
		return -1;
	}
	for (i = 0; i < b->nbind; i++) {
		const struct hmmpd_bind *bd = &b->bind[i];
		const char *why = NULL;

		if (bd->first_conn != next || bd->nconn > b->nconn - next)
			why = "connections out of order";
		else if (!hmmpd_addr_unicast(bd->orig))
			why = "original address not unicast";
		else if (!hmmpd_addr_unicast(bd->coa))
			why = "new address not unicast";
		else if (bd->orig == bd->coa && bd->lifetime &&
			 bd->kind != HMMP_BIND_ROUTER)
			why = "new address equals the original";
		else if (!encap_known(bd->encap))
			why = "unknown encapsulation";
		else if (bd->port && bd->encap != HMMP_ENCAP_UDP)
			why = "a port without encap=udp";
		else if (bd->kind && bd->kind != HMMP_BIND_CORRESPONDENT &&
			 bd->kind != HMMP_BIND_ROUTER)
			why = "unknown kind";
		for (j = 0; !why && j < i; j++) {
			if (b->bind[j].orig == bd->orig)
				why = "original address bound twice";
		}
		for (k = next; !why && k < next + bd->nconn; k++) {
			const struct hmmpd_tcp *t = &b->conn[k];

			if (t->laddr != bd->orig)
				why = "connection not from the original address";
			else if (!hmmpd_addr_unicast(t->raddr))
				why = "correspondent address not unicast";
			else if (!t->lport || !t->rport)
				why = "connection with port 0";
			else if (t->flags & ~HMMPD_TCP_ISN)
				why = "connection with unknown flags";
			for (j = next; !why && j < k; j++) {
				if (same_tuple(&b->conn[j], t))
					why = "connection listed twice";
			}
		}
		if (why) {
			set_err(err, 400, BAD "binding %u: %s", i + 1, why);
			return -1;
		}
		next += bd->nconn;
	}
	if (next != b->nconn) {
		set_err(err, 400, BAD "connection outside any binding");
		return -1;
	}
	return 0;
}

/* --- parsing helpers ------------------------------------------------------ */

struct cur {
	const char *p, *e;
};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 3261 token characters. */
static bool is_token(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-.!%*_+`'~", c));
}

static size_t skip_wsp(struct cur *c)
{
	const char *s = c->p;

	while (c->p < c->e && is_wsp(*c->p))
		c->p++;
	return (size_t)(c->p - s);
}

/* A run of characters that are neither white space nor in stop. */
static size_t take_word(struct cur *c, const char *stop, const char **w)
{
	*w = c->p;
	while (c->p < c->e && !is_wsp(*c->p) && !strchr(stop, *c->p))
		c->p++;
	return (size_t)(c->p - *w);
}

static size_t take_token(struct cur *c, const char **w)
{
	*w = c->p;
	while (c->p < c->e && is_token(*c->p))
		c->p++;
	return (size_t)(c->p - *w);
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && !strncasecmp(w, lit, n);
}

static int addr_of(const char *w, size_t n, uint32_t *out)
{
	char s[HMMP_ADDRSTRLEN];

	if (!n || n >= sizeof(s))
		return -1;
	memcpy(s, w, n);
	s[n] = '\0';
	return hmmp_addr_parse(s, out);
}

static int u32_of(const char *w, size_t n, uint32_t min, uint32_t max,
		  uint32_t *out)
{
	char s[11];

	if (!n || n >= sizeof(s))
		return -1;
	memcpy(s, w, n);
	s[n] = '\0';
	return hmmp_u32_parse(s, min, max, out);
}

/* "a.b.c.d:port" */
static int endpoint_of(const char *w, size_t n, uint32_t *addr, uint16_t *port)
{
	const char *colon = NULL;
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (w[i] == ':')
			colon = w + i;
	}
	if (!colon || addr_of(w, (size_t)(colon - w), addr))
		return -1;
	if (u32_of(colon + 1, n - (size_t)(colon - w) - 1, 1, 65535, &v))
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/*
 * Every line at most HMMPD_BODY_MAX_LINE bytes of printable ASCII or HTAB,
 * ended by LF or CRLF (the last line may have no end).
 */
static int check_bytes(const char *buf, size_t len, struct hmmpd_body_err *err)
{
	unsigned int line = 1;
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			line++;
			col = 0;
			continue;
		}
		if (c == '\r' && i + 1 < len && buf[i + 1] == '\n')
			continue;
		if (c != '\t' && (c < 0x20 || c > 0x7e)) {
			set_err(err, 400, BAD "line %u: invalid character", line);
			return -1;
		}
		if (++col > HMMPD_BODY_MAX_LINE) {
			set_err(err, 400, BAD "line %u: longer than %d bytes",
				line, HMMPD_BODY_MAX_LINE);
			return -1;
		}
	}
	return 0;
}

/*
 * Rules checked with the line number at hand; the rest in body_check. A
 * to A with a lifetime is a claim (kind=router only): the sender is at A.
 */
static const char *bind_rule(uint32_t orig, uint32_t coa, uint32_t lifetime,
			     uint8_t kind)
{
	if (!hmmpd_addr_unicast(orig))
		return "original address not unicast";
	if (!hmmpd_addr_unicast(coa))
		return "new address not unicast";
	if (orig == coa && lifetime && kind != HMMP_BIND_ROUTER)
		return "new address equals the original";
	return NULL;
}

static int add_bind_at(struct hmmpd_body *b, unsigned int line, uint32_t orig,
		       uint32_t coa, uint32_t lifetime, uint8_t encap,
		       uint8_t kind, struct hmmpd_body_err *err)
{
	const char *why = bind_rule(orig, coa, lifetime, kind);

	if (why) {
		set_err(err, 400, BAD "line %u: %s", line, why);
		return -1;
	}
	if (hmmpd_body_add_bind(b, orig, coa, lifetime, encap, kind)) {
		set_err(err, 400, BAD "line %u: more than %d bindings", line,
			HMMPD_BODY_MAX_BINDINGS);
		return -1;
	}
	return 0;
}

/* --- native form ---------------------------------------------------------- */

struct native {
	struct hmmpd_body *b;
	const struct hmmpd_body_defaults *def;
	struct hmmpd_body_err *err;
	unsigned int line;
	bool version;
	unsigned int ver;	/* the Version line's, once seen */
	bool answer;		/* an answer body: hmmpd_body_parse_answer */
};

#define LERR(n, fmt, ...) \
	set_err((n)->err, 400, BAD "line %u: " fmt, (n)->line, ##__VA_ARGS__)

static int native_version(struct native *n, struct cur *v)
{
	const char *w;
	size_t len = take_word(v, "", &w);
	uint32_t ver;

	if (n->version) {
		LERR(n, "Version given twice");
		return -1;
	}
	if (v->p != v->e || u32_of(w, len, 0, UINT32_MAX, &ver)) {
		LERR(n, "malformed Version");
		return -1;
	}
	if (ver < HMMPD_BODY_VERSION || ver > HMMPD_BODY_VERSION_MAX) {
		LERR(n, "unsupported version (this receiver knows %d to %d)",
		     HMMPD_BODY_VERSION, HMMPD_BODY_VERSION_MAX);
		return -1;
	}
	n->version = true;
	n->ver = ver;
	n->b->version = ver;
	return 0;
}

static int native_bind(struct native *n, struct cur *v)
{
	uint32_t orig, coa, lifetime = n->def->lifetime;
	uint8_t encap = n->def->encap, kind = 0;
	bool seen_lifetime = false, seen_encap = false, seen_kind = false;
	bool xlate_only = false;
	uint16_t port = 0;
	const char *w;
	size_t len;

	len = take_word(v, ";", &w);
	if (addr_of(w, len, &orig)) {
		LERR(n, "bad original address");
		return -1;
	}
	if (skip_wsp(v))
		len = take_word(v, ";", &w);
	else
		len = 0;
	if (!word_is(w, len, "to") || !skip_wsp(v)) {
		LERR(n, "expected '<original> to <new>'");
		return -1;
	}
	len = take_word(v, ";", &w);
	if (memchr(w, ':', len) ? endpoint_of(w, len, &coa, &port) :
				  addr_of(w, len, &coa)) {
		LERR(n, "bad new address");
		return -1;
	}
	while (skip_wsp(v), v->p < v->e) {
		const char *val = NULL;
		size_t vlen = 0;
		char lc[16];
		size_t i;

		if (*v->p != ';') {
			LERR(n, "expected ';' before a parameter");
			return -1;
		}
		v->p++;
		skip_wsp(v);
		len = take_token(v, &w);
		skip_wsp(v);
		if (v->p < v->e && *v->p == '=') {
			v->p++;
			skip_wsp(v);
			vlen = take_token(v, &val);
			if (!vlen) {
				LERR(n, "malformed parameter");
				return -1;
			}
		}
		if (!len || (v->p < v->e && !is_wsp(*v->p) && *v->p != ';')) {
			LERR(n, "malformed parameter");
			return -1;
		}
		if (word_is(w, len, "lifetime")) {
			if (seen_lifetime) {
				LERR(n, "lifetime given twice");
				return -1;
			}
			seen_lifetime = true;
			if (u32_of(val, vlen, 0, UINT32_MAX, &lifetime)) {
				LERR(n, "bad lifetime");
				return -1;
			}
			continue;
		}
		if (n->answer && word_is(w, len, "xlate")) {
			if (!word_is(val, vlen, "only")) {
				LERR(n, "bad xlate (only)");
				return -1;
			}
			xlate_only = true;
			continue;
		}
		if (!word_is(w, len, "encap") && !word_is(w, len, "kind"))
			continue;	/* an extension: ignored */
		for (i = 0; i < vlen && i < sizeof(lc) - 1; i++)
			lc[i] = (char)((val[i] >= 'A' && val[i] <= 'Z') ?
				       val[i] - 'A' + 'a' : val[i]);
		lc[i] = '\0';
		if (word_is(w, len, "encap")) {
			if (seen_encap) {
				LERR(n, "encap given twice");
				return -1;
			}
			seen_encap = true;
			if (vlen >= sizeof(lc) || hmmpd_encap_parse(lc, &encap)) {
				LERR(n, "bad encap (ipip, minimal, udp or auto)");
				return -1;
			}
		} else {
			if (seen_kind) {
				LERR(n, "kind given twice");
				return -1;
			}
			seen_kind = true;
			if (vlen >= sizeof(lc) || hmmp_kind_parse(lc, &kind) ||
			    kind == HMMP_BIND_MOBILE) {
				LERR(n, "bad kind (correspondent or router)");
				return -1;
			}
		}
	}
	/* a port says where udp frames go: it needs encap=udp, said here */
	if (port && (!seen_encap || encap != HMMP_ENCAP_UDP)) {
		LERR(n, "a port in the new address needs encap=udp");
		return -1;
	}
	if (n->answer && (!seen_lifetime || !seen_encap || !seen_kind)) {
		LERR(n, "an answer's Bind has lifetime, encap and kind");
		return -1;
	}
	if (n->answer && encap == HMMPD_ENCAP_AUTO) {
		LERR(n, "an answer's Bind says the encapsulation chosen, not auto");
		return -1;
	}
	if (n->answer && encap == HMMP_ENCAP_UDP && !port) {
		LERR(n, "an answer's udp Bind has the port it tunnels to");
		return -1;
	}
	if (add_bind_at(n->b, n->line, orig, coa, lifetime, encap, kind,
			n->err))
		return -1;
	n->b->bind[n->b->nbind - 1].port = port;
	n->b->bind[n->b->nbind - 1].xlate_only = xlate_only;
	return 0;
}

/* "<u32>/<u32>": the mobile's ISN, the correspondent's. */
static int isn_of(struct native *n, const char *w, size_t len,
		  struct hmmpd_tcp *t)
{
	const char *slash = memchr(w, '/', len);

	if (!slash) {
		LERR(n, "isn needs '<mobile's ISN>/<correspondent's ISN>'");
		return -1;
	}
	if (u32_of(w, (size_t)(slash - w), 0, UINT32_MAX, &t->isn_l) ||
	    u32_of(slash + 1, len - (size_t)(slash - w) - 1, 0, UINT32_MAX,
		   &t->isn_r)) {
		LERR(n, "bad isn (decimal 0 to 4294967295, '/' between)");
		return -1;
	}
	t->flags |= HMMPD_TCP_ISN;
	return 0;
}

/*
 * What follows a Conn line's endpoints: *( OWS ";" OWS conn-param ) OWS.
 * Version 1 has none (an old receiver says "bad remote endpoint").
 */
static int native_conn_params(struct native *n, struct cur *v,
			      struct hmmpd_tcp *t)
{
	bool seen_isn = false;

	while (skip_wsp(v), v->p < v->e) {
		const char *w, *val = NULL;
		size_t len, vlen = 0;

		if (*v->p != ';') {
			if (n->ver < 2)
				LERR(n, "bad remote endpoint");
			else
				LERR(n, "expected ';' before a Conn parameter");
			return -1;
		}
		if (n->ver < 2) {
			LERR(n, "a Conn parameter needs 'Version: 2'");
			return -1;
		}
		v->p++;
		skip_wsp(v);
		len = take_token(v, &w);
		skip_wsp(v);
		if (v->p < v->e && *v->p == '=') {
			v->p++;
			skip_wsp(v);
			/* isn's value has a '/', which is no token character */
			vlen = take_word(v, ";", &val);
			if (!vlen) {
				LERR(n, "malformed Conn parameter");
				return -1;
			}
		}
		if (!len) {
			LERR(n, "malformed Conn parameter");
			return -1;
		}
		if (!word_is(w, len, "isn")) {
			const char *e = val;
			size_t k;

			/* an extension: ignored, but a token or token=token */
			for (k = 0; k < vlen && is_token(e[k]); k++)
				;
			if (k != vlen || (v->p < v->e && !is_wsp(*v->p) &&
					  *v->p != ';')) {
				LERR(n, "malformed Conn parameter");
				return -1;
			}
			continue;
		}
		if (seen_isn) {
			LERR(n, "isn given twice");
			return -1;
		}
		seen_isn = true;
		if (!vlen) {
			LERR(n, "isn needs '<mobile's ISN>/<correspondent's ISN>'");
			return -1;
		}
		if (isn_of(n, val, vlen, t))
			return -1;
	}
	return 0;
}

static int native_conn(struct native *n, struct cur *v)
{
	const struct hmmpd_bind *bd;
	struct hmmpd_tcp t = { 0 };
	const char *w;
	size_t len;

	if (!n->b->nbind) {
		LERR(n, "Conn before any Bind");
		return -1;
	}
	bd = &n->b->bind[n->b->nbind - 1];
	len = take_word(v, "", &w);
	if (endpoint_of(w, len, &t.laddr, &t.lport)) {
		LERR(n, "bad local endpoint");
		return -1;
	}
	if (!skip_wsp(v)) {
		LERR(n, "expected '<local addr:port> <remote addr:port>'");
		return -1;
	}
	len = take_word(v, ";", &w);
	if (endpoint_of(w, len, &t.raddr, &t.rport)) {
		LERR(n, "bad remote endpoint");
		return -1;
	}
	t.isn_l = t.isn_r = 0;
	t.flags = 0;
	if (native_conn_params(n, v, &t))
		return -1;
	if (t.laddr != bd->orig) {
		LERR(n, "connection not from the binding's original address");
		return -1;
	}
	if (!hmmpd_addr_unicast(t.raddr)) {
		LERR(n, "correspondent address not unicast");
		return -1;
	}
	if (n->b->nconn >= HMMPD_BODY_MAX_CONNS) {
		LERR(n, "more than %d connections", HMMPD_BODY_MAX_CONNS);
		return -1;
	}
	if (hmmpd_body_add_conn(n->b, &t)) {
		set_err(n->err, 500, "Out of memory");
		return -1;
	}
	return 0;
}

/* One line, without its end; not empty, not only white space. */
static int native_line(struct native *n, const char *s, const char *e)
{
	struct cur c = { s, e };
	const char *name;
	size_t len;

	if (is_wsp(*s)) {
		LERR(n, "begins with white space");
		return -1;
	}
	len = take_token(&c, &name);
	skip_wsp(&c);
	if (!len || c.p == c.e || *c.p != ':') {
		LERR(n, "expected 'Name: value'");
		return -1;
	}
	c.p++;
	skip_wsp(&c);
	if (!n->version && !word_is(name, len, "Version")) {
		LERR(n, "the body begins with 'Version: %d'", HMMPD_BODY_VERSION);
		return -1;
	}
	if (word_is(name, len, "Version"))
		return native_version(n, &c);
	if (word_is(name, len, "Bind"))
		return native_bind(n, &c);
	if (word_is(name, len, "Conn"))
		return native_conn(n, &c);
	return 0;	/* an extension line: ignored */
}

static int parse_native(const char *buf, size_t len,
			const struct hmmpd_body_defaults *def, bool answer,
			struct hmmpd_body *b, struct hmmpd_body_err *err)
{
	struct native n = { .b = b, .def = def, .err = err, .answer = answer };
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *e = nl ? nl : end;

		p = nl ? nl + 1 : end;
		n.line++;
		if (e > s && e[-1] == '\r')
			e--;
		while (e > s && is_wsp(e[-1]))
			e--;
		if (e == s)
			continue;
		if (native_line(&n, s, e))
			return -1;
	}
	if (!n.version) {
		set_err(err, 400, BAD "no 'Version: %d' line", HMMPD_BODY_VERSION);
		return -1;
	}
	return 0;
}

/* --- the seed's forms ----------------------------------------------------- */

static bool is_lws(char c)
{
	return is_wsp(c) || c == '\r' || c == '\n';
}

static bool is_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/*
 * A sequence, separated by any white space including line ends, of
 *   Original-IP-Addr: <a1>   New-IP-Addr: <a2>     (seed 000, F1)
 *   Bind <a1> to <a2>                              (seed 001, section 6)
 */
static int parse_seed(const char *buf, size_t len,
		      const struct hmmpd_body_defaults *def,
		      struct hmmpd_body *b, struct hmmpd_body_err *err)
{
	struct cur c = { buf, buf + len };
	unsigned int line = 1, orig_line = 0;
	uint32_t orig = 0, coa;

	while (1) {
		const char *w;
		bool is_orig;
		size_t n;

		while (c.p < c.e && is_lws(*c.p)) {
			if (*c.p == '\n')
				line++;
			c.p++;
		}
		if (c.p == c.e)
			break;
		w = c.p;
		while (c.p < c.e && is_name(*c.p))
			c.p++;
		n = (size_t)(c.p - w);
		if (word_is(w, n, "Bind") && c.p < c.e && is_wsp(*c.p)) {
			if (orig_line)
				break;
			skip_wsp(&c);
			n = take_word(&c, "\r\n", &w);
			if (addr_of(w, n, &orig)) {
				set_err(err, 400, BAD "line %u: bad address 1 of Bind",
					line);
				return -1;
			}
			n = skip_wsp(&c) ? take_word(&c, "\r\n", &w) : 0;
			if (!word_is(w, n, "to") || !skip_wsp(&c)) {
				set_err(err, 400, BAD "line %u: expected 'Bind <address 1> to <address 2>'",
					line);
				return -1;
			}
			n = take_word(&c, "\r\n", &w);
			if (addr_of(w, n, &coa)) {
				set_err(err, 400, BAD "line %u: bad address 2 of Bind",
					line);
				return -1;
			}
			if (add_bind_at(b, line, orig, coa, def->lifetime,
					def->encap, 0, err))
				return -1;
			continue;
		}
		is_orig = word_is(w, n, "Original-IP-Addr");
		if (!is_orig && !word_is(w, n, "New-IP-Addr")) {
			set_err(err, 400, BAD "line %u: expected Original-IP-Addr, New-IP-Addr or Bind",
				line);
			return -1;
		}
		skip_wsp(&c);
		if (c.p == c.e || *c.p != ':') {
			set_err(err, 400, BAD "line %u: expected ':' after %s",
				line, is_orig ? "Original-IP-Addr" : "New-IP-Addr");
			return -1;
		}
		c.p++;
		skip_wsp(&c);
		if (is_orig) {
			if (orig_line)
				break;
			n = take_word(&c, "\r\n", &w);
			if (addr_of(w, n, &orig)) {
				set_err(err, 400, BAD "line %u: bad Original-IP-Addr",
					line);
				return -1;
			}
			orig_line = line;
			continue;
		}
		if (!orig_line) {
			set_err(err, 400, BAD "line %u: New-IP-Addr without Original-IP-Addr",
				line);
			return -1;
		}
		n = take_word(&c, "\r\n", &w);
		if (addr_of(w, n, &coa)) {
			set_err(err, 400, BAD "line %u: bad New-IP-Addr", line);
			return -1;
		}
		if (add_bind_at(b, line, orig, coa, def->lifetime, def->encap,
				0, err))
			return -1;
		orig_line = 0;
	}
	if (orig_line) {
		set_err(err, 400, BAD "line %u: Original-IP-Addr without New-IP-Addr",
			orig_line);
		return -1;
	}
	return 0;
}

/* --- Content-Type --------------------------------------------------------- */

/*
 * media-type = type "/" subtype *( OWS ";" OWS token "=" ( token /
 * quoted-string ) ), surrounded by optional white space. Returns the form,
 * -1 for a malformed value, -2 for an unknown media type.
 */
static int ctype_form(const char *ctype)
{
	struct cur c = { ctype, ctype + strlen(ctype) };
	const char *t, *s;
	size_t tn, sn;
	int form;

	skip_wsp(&c);
	tn = take_token(&c, &t);
	if (!tn || c.p == c.e || *c.p != '/')
		return -1;
	c.p++;
	sn = take_token(&c, &s);
	if (!sn)
		return -1;
	while (skip_wsp(&c), c.p < c.e) {
		const char *w;

		if (*c.p++ != ';')
			return -1;
		skip_wsp(&c);
		if (!take_token(&c, &w) || c.p == c.e || *c.p != '=')
			return -1;
		c.p++;
		if (c.p < c.e && *c.p == '"') {
			for (c.p++; c.p < c.e && *c.p != '"'; c.p++) {
				if (*c.p == '\\' && ++c.p == c.e)
					return -1;
			}
			if (c.p == c.e)
				return -1;
			c.p++;
		} else if (!take_token(&c, &w)) {
			return -1;
		}
	}
	if (word_is(t, tn, "application") && word_is(s, sn, "vnd.hmmp.binding"))
		form = HMMPD_FORM_NATIVE;
	else if (word_is(t, tn, "application") && word_is(s, sn, "binding"))
		form = HMMPD_FORM_SEED;
	else if (word_is(t, tn, "text") && word_is(s, sn, "plain"))
		form = HMMPD_FORM_TEXT;
	else
		form = -2;
	return form;
}

static int body_parse(const char *ctype, const char *buf, size_t len,
		      const struct hmmpd_body_defaults *def, bool answer,
		      struct hmmpd_body *b, struct hmmpd_body_err *err)
{
	int form, ret;

	body_reset(b);
	if (!ctype) {
		set_err(err, 400, "Missing Content-Type");
		return 400;
	}
	form = ctype_form(ctype);
	if (form == -1) {
		set_err(err, 400, "Malformed Content-Type");
		return 400;
	}
	if (form == -2 || (answer && form != HMMPD_FORM_NATIVE)) {
		set_err(err, 415, "Unsupported Media Type");
		return 415;
	}
	if (!len || !buf) {
		set_err(err, 400, "Empty binding body");
		return 400;
	}
	if (len > HMMPD_BODY_MAX_LEN) {
		set_err(err, 413, "Binding body larger than %d bytes",
			HMMPD_BODY_MAX_LEN);
		return 413;
	}
	if (check_bytes(buf, len, err))
		return 400;
	b->form = (enum hmmpd_body_form)form;
	if (form == HMMPD_FORM_NATIVE)
		ret = parse_native(buf, len, def, answer, b, err);
	else
		ret = parse_seed(buf, len, def, b, err);
	if (!ret)
		ret = hmmpd_body_check(b, err);
	if (ret) {
		ret = err ? err->status : 400;
		body_reset(b);
		b->form = (enum hmmpd_body_form)form;
	}
	return ret;
}

int hmmpd_body_parse(const char *ctype, const char *buf, size_t len,
		     const struct hmmpd_body_defaults *def,
		     struct hmmpd_body *b, struct hmmpd_body_err *err)
{
	return body_parse(ctype, buf, len, def, false, b, err);
}

int hmmpd_body_parse_answer(const char *ctype, const char *buf, size_t len,
			    struct hmmpd_body *b, struct hmmpd_body_err *err)
{
	/* no defaults: an answer says everything (native_bind checks) */
	static const struct hmmpd_body_defaults none = { 0 };

	return body_parse(ctype, buf, len, &none, true, b, err);
}

/* --- builder -------------------------------------------------------------- */

struct out {
	char *buf;
	size_t size, len;
};

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

int hmmpd_body_build(const struct hmmpd_body *b, char *buf, size_t size,
		     struct hmmpd_body_err *err)
{
	struct out o = { buf, size, 0 };
	char a1[HMMP_ADDRSTRLEN], a2[HMMP_ADDRSTRLEN];
	unsigned int i, k;

	if (size)
		buf[0] = '\0';
	if (hmmpd_body_check(b, err))
		return -1;
	out_printf(&o, "Version: %d\r\n", hmmpd_body_version(b));
	for (i = 0; i < b->nbind; i++) {
		const struct hmmpd_bind *bd = &b->bind[i];

		out_printf(&o, "Bind: %s to %s", hmmp_addr_format(bd->orig, a1),
			   hmmp_addr_format(bd->coa, a2));
		if (bd->port)
			out_printf(&o, ":%u", bd->port);
		out_printf(&o, "; lifetime=%u; encap=%s", bd->lifetime,
			   hmmpd_encap_name(bd->encap));
		if (bd->kind)
			out_printf(&o, "; kind=%s", hmmp_kind_name(bd->kind));
		if (bd->xlate_only)
			out_printf(&o, "; xlate=only");
		out_printf(&o, "\r\n");
		for (k = bd->first_conn; k < bd->first_conn + bd->nconn; k++) {
			const struct hmmpd_tcp *t = &b->conn[k];

			out_printf(&o, "Conn: %s:%u %s:%u",
				   hmmp_addr_format(t->laddr, a1), t->lport,
				   hmmp_addr_format(t->raddr, a2), t->rport);
			if (t->flags & HMMPD_TCP_ISN)
				out_printf(&o, "; isn=%u/%u", t->isn_l, t->isn_r);
			out_printf(&o, "\r\n");
		}
	}
	return (int)o.len;
}
