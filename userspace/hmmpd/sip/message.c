// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: SIP messages for the UA core (sip.h, sip-int.h): framing a TCP
 * stream or a datagram (sip_frame()), branches and tags, building
 * requests and responses on osip2 (extra headers, body, Via and Contact),
 * the next hop a URI names, the checks of what came in and the top Via's
 * received= and rport=, and reading a header back (sip_header()). No
 * socket and no transaction here.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <osip2/osip.h>

#include "sip-int.h"
#include "util.h"

static const char *const forbidden_headers[] = {
	"via", "v", "from", "f", "to", "t", "call-id", "i", "cseq",
	"content-length", "l", "content-type", "c", "max-forwards",
};

void sip_int_rand_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[32];
	size_t i;

	if (nbytes > sizeof(b))
		nbytes = sizeof(b);
	if (getrandom(b, nbytes, 0) != (ssize_t)nbytes) {
		/* no entropy source: unique is all SIP needs */
		static uint64_t ctr;
		uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
			     ++ctr * 0x9e3779b97f4a7c15ULL;

		for (i = 0; i < nbytes; i++, x = x * 6364136223846793005ULL + 1)
			b[i] = (unsigned char)(x >> 56);
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

void sip_branch_new(char buf[SIP_BRANCH_LEN + 1])
{
	memcpy(buf, "z9hG4bK", 7);
	sip_int_rand_hex(buf + 7, (SIP_BRANCH_LEN - 7) / 2);
}

/* ---- framing -------------------------------------------------------- */

static bool is_lws(char c)
{
	return c == ' ' || c == '\t';
}

/* Content-Length (or "l") in the header line [p, e)? 1: yes, *v set; -1 bad. */
static int frame_cl(const char *p, const char *e, size_t *v)
{
	const char *colon = memchr(p, ':', (size_t)(e - p));
	const char *ne;
	size_t nl, val = 0, digits = 0;

	if (!colon)
		return 0;
	for (ne = colon; ne > p && is_lws(ne[-1]); ne--)
		;
	nl = (size_t)(ne - p);
	if (!((nl == 14 && !strncasecmp(p, "content-length", 14)) ||
	      (nl == 1 && (*p == 'l' || *p == 'L'))))
		return 0;
	for (p = colon + 1; p < e && is_lws(*p); p++)
		;
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		if (++digits > 10)
			return -1;
		val = val * 10 + (size_t)(*p - '0');
	}
	for (; p < e && is_lws(*p); p++)
		;
	if (!digits || p != e || val > SIP_MAX_MSG)
		return -1;
	*v = val;
	return 1;
}

enum sip_frame sip_frame(const char *buf, size_t len, bool stream, size_t *n)
{
	size_t s = 0, p, body, cl = 0;
	bool have_cl = false;

	*n = 0;
	if (!len)
		return stream ? SIP_FRAME_MORE : SIP_FRAME_BAD;
	if (stream && (buf[0] == '\r' || buf[0] == '\n')) {
		/* keepalives between messages (RFC 5626 4.4.1) */
		if (len >= 4 && !memcmp(buf, "\r\n\r\n", 4)) {
			*n = 4;
			return SIP_FRAME_PING;
		}
		if (buf[0] == '\n') {
			*n = 1;
			return SIP_FRAME_SKIP;
		}
		if (len == 1 || (len == 3 && buf[1] == '\n' && buf[2] == '\r'))
			return SIP_FRAME_MORE;
		*n = buf[1] == '\n' ? 2 : 1;
		return SIP_FRAME_SKIP;
	}
	if (!stream) {
		/* RFC 3261 7.5: CRLFs before the start line are ignored */
		while (s < len && (buf[s] == '\r' || buf[s] == '\n'))
			s++;
		if (s == len) {
			*n = len;
			return SIP_FRAME_SKIP;
		}
	}
	for (p = s;;) {
		const char *nl = memchr(buf + p, '\n', len - p);
		size_t e, le;

		if (!nl) {
			if (len - s > SIP_MAX_MSG || !stream)
				return SIP_FRAME_BAD;
			return SIP_FRAME_MORE;
		}
		e = (size_t)(nl - buf);
		le = e > p && buf[e - 1] == '\r' ? e - 1 : e;
		if (le == p) {
			body = e + 1;
			break;
		}
		if (p != s && !is_lws(buf[p])) {
			size_t v;
			int r = frame_cl(buf + p, buf + le, &v);

			if (r < 0 || (r > 0 && have_cl && v != cl))
				return SIP_FRAME_BAD;
			if (r > 0) {
				cl = v;
				have_cl = true;
			}
		}
		p = e + 1;
		if (p - s > SIP_MAX_MSG)
			return SIP_FRAME_BAD;
	}
	if (!have_cl) {
		if (stream || len - s > SIP_MAX_MSG)
			return SIP_FRAME_BAD;
		*n = len;
		return SIP_FRAME_MSG;
	}
	if (body - s + cl > SIP_MAX_MSG)
		return SIP_FRAME_BAD;
	if (len < body + cl)
		return stream ? SIP_FRAME_MORE : SIP_FRAME_BAD;
	*n = body + cl;
	return SIP_FRAME_MSG;
}

/* ---- building messages ---------------------------------------------- */

static bool is_token(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-.!%*_+`'~", s[i]))
			return false;
	return true;
}

bool sip_int_is_text(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool is_forbidden(const char *name)
{
	size_t i;

	for (i = 0; i < HMMP_ARRAY_SIZE(forbidden_headers); i++)
		if (!strcasecmp(name, forbidden_headers[i]))
			return true;
	return false;
}

/*
 * Adds "Name: value" lines. osip2 parses the headers it knows into their
 * fields (Authorization, Contact...) and lowercases the name of the others,
 * which get the caller's spelling back.
 */
int sip_int_add_headers(osip_message_t *m, const char *h)
{
	while (h && *h) {
		const char *eol = strchr(h, '\n'), *colon, *v, *ve, *ne;
		size_t l = eol ? (size_t)(eol - h) : strlen(h);
		const char *next = h + l + (eol ? 1 : 0);
		char *name, *value;
		int before, i, r;

		if (l && h[l - 1] == '\r')
			l--;
		if (!l) {
			h = next;
			continue;
		}
		colon = memchr(h, ':', l);
		if (!colon || !sip_int_is_text(h, l))
			return -EINVAL;
		for (ne = colon; ne > h && is_lws(ne[-1]); ne--)
			;
		for (v = colon + 1; v < h + l && is_lws(*v); v++)
			;
		for (ve = h + l; ve > v && is_lws(ve[-1]); ve--)
			;
		if (!is_token(h, (size_t)(ne - h)))
			return -EINVAL;
		name = strndup(h, (size_t)(ne - h));
		value = strndup(v, (size_t)(ve - v));
		if (!name || !value) {
			free(name);
			free(value);
			return -ENOMEM;
		}
		if (is_forbidden(name)) {
			free(name);
			free(value);
			return -EINVAL;
		}
		before = osip_list_size(&m->headers);
		{
			char *lname = strdup(name);

			r = lname ? osip_message_set_multiple_header(m, lname, value)
				  : OSIP_NOMEM;
			free(lname);
		}
		for (i = before; !r && i < osip_list_size(&m->headers); i++) {
			osip_header_t *hd = osip_list_get(&m->headers, i);
			char *dup = osip_strdup(name);

			if (dup) {
				osip_free(hd->hname);
				hd->hname = dup;
			}
		}
		free(name);
		free(value);
		if (r)
			return r == OSIP_NOMEM ? -ENOMEM : -EINVAL;
		h = next;
	}
	return 0;
}

int sip_int_set_body(osip_message_t *m, const char *ctype, const char *body,
		     size_t len)
{
	if (!ctype)
		return len ? -EINVAL : 0;
	if (!sip_int_is_text(ctype, strlen(ctype)) || !*ctype ||
	    len > SIP_MAX_MSG)
		return -EINVAL;
	if (osip_message_set_content_type(m, ctype))
		return -EINVAL;
	if (len && osip_message_set_body(m, body, len))
		return -ENOMEM;
	return 0;
}

int sip_int_msg_to_str(osip_message_t *m, char **buf, size_t *len)
{
	if (osip_message_to_str(m, buf, len) || !*buf)
		return -EINVAL;
	if (*len > SIP_MAX_MSG) {
		osip_free(*buf);
		*buf = NULL;
		return -EMSGSIZE;
	}
	return 0;
}

/* The host of a URI or Via: numeric IPv4 only (no DNS in this daemon). */
static int parse_hostport(const char *host, const char *port,
			  struct sip_addr *out)
{
	struct in_addr a;
	uint32_t p = SIP_PORT_DEFAULT;

	if (!host || inet_pton(AF_INET, host, &a) != 1)
		return -EINVAL;
	if (port && hmmp_u32_parse(port, 1, 65535, &p))
		return -EINVAL;
	out->addr = a.s_addr;
	out->port = (uint16_t)p;
	return 0;
}

/* Where a request goes by its URI: host, port, transport parameter. */
int sip_int_uri_dest(const osip_uri_t *uri, struct sip_addr *dest,
		     enum sip_transport *tp)
{
	osip_uri_param_t *t = NULL;

	if (!uri || parse_hostport(uri->host, uri->port, dest))
		return -EINVAL;
	*tp = SIP_TP_AUTO;
	osip_uri_param_get_byname((osip_list_t *)&uri->url_params, "transport", &t);
	if (t && t->gvalue) {
		if (!strcasecmp(t->gvalue, "udp"))
			*tp = SIP_TP_UDP;
		else if (!strcasecmp(t->gvalue, "tcp"))
			*tp = SIP_TP_TCP;
		else if (!strcasecmp(t->gvalue, "sctp"))
			*tp = SIP_TP_SCTP;
		else
			return -EPROTONOSUPPORT;
	}
	return 0;
}

osip_message_t *sip_int_build_response(struct sip *sip,
				       const osip_message_t *req, int status,
				       const char *reason, const char *tag)
{
	osip_message_t *r;
	osip_generic_param_t *t = NULL;
	int i;

	if (!reason)
		reason = osip_message_get_reason(status);
	if (osip_message_init(&r))
		return NULL;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, status);
	osip_message_set_reason_phrase(r, osip_strdup(reason ? reason : "Unknown"));
	for (i = 0; i < osip_list_size(&req->vias); i++) {
		osip_via_t *v = NULL;

		if (osip_via_clone(osip_list_get(&req->vias, i), &v))
			goto err;
		osip_list_add(&r->vias, v, -1);
	}
	if ((req->from && osip_from_clone(req->from, &r->from)) ||
	    (req->to && osip_to_clone(req->to, &r->to)) ||
	    (req->call_id && osip_call_id_clone(req->call_id, &r->call_id)) ||
	    (req->cseq && osip_cseq_clone(req->cseq, &r->cseq)))
		goto err;
	if (r->to && status > 100 && tag) {
		osip_to_get_tag(r->to, &t);
		if (!t)
			osip_to_set_tag(r->to, osip_strdup(tag));
	}
	osip_message_set_header(r, "Server", sip->ua);
	return r;
err:
	osip_message_free(r);
	return NULL;
}

int sip_int_build_request(struct sip *sip, const struct sip_request *rq,
			  osip_message_t **out)
{
	char buf[64], hex[33], *v = NULL;
	osip_message_t *m;
	osip_uri_t *uri;
	osip_generic_param_t *tag = NULL;
	int r = -EINVAL;

	if (!rq->method || !is_token(rq->method, strlen(rq->method)) ||
	    !strcmp(rq->method, "INVITE") || !strcmp(rq->method, "ACK") ||
	    !strcmp(rq->method, "CANCEL") || !rq->uri || rq->cseq > INT32_MAX)
		return -EINVAL;
	if (osip_message_init(&m))
		return -ENOMEM;
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	osip_message_set_method(m, osip_strdup(rq->method));
	if (osip_uri_init(&uri))
		goto err;
	if (osip_uri_parse(uri, rq->uri) || !uri->host) {
		osip_uri_free(uri);
		goto err;
	}
	osip_message_set_uri(m, uri);
	if (rq->to) {
		if (osip_message_set_to(m, rq->to))
			goto err;
	} else {
		if (asprintf(&v, "<%s>", rq->uri) < 0)
			goto nomem;
		if (osip_message_set_to(m, v))
			goto err;
		free(v);
		v = NULL;
	}
	if (rq->from) {
		if (osip_message_set_from(m, rq->from))
			goto err;
	} else {
		if (sip->identity) {
			if (asprintf(&v, "<%s>", sip->identity) < 0)
				goto nomem;
		} else {
			char ip[INET_ADDRSTRLEN];
			struct sip_addr d;
			enum sip_transport tp;

			sip_int_addr_str(sip_int_uri_dest(uri, &d, &tp) ? 0 :
					 sip_int_local_addr(sip, d.addr), ip);
			if (asprintf(&v, "<sip:hmmpd@%s>", ip) < 0)
				goto nomem;
		}
		if (osip_message_set_from(m, v))
			goto err;
		free(v);
		v = NULL;
	}
	osip_from_get_tag(m->from, &tag);
	if (!tag) {
		sip_int_rand_hex(hex, TAG_BYTES);
		osip_from_set_tag(m->from, osip_strdup(hex));
	}
	if (rq->call_id) {
		if (!*rq->call_id || !sip_int_is_text(rq->call_id, strlen(rq->call_id)) ||
		    osip_message_set_call_id(m, rq->call_id))
			goto err;
	} else {
		sip_int_rand_hex(hex, 16);
		snprintf(buf, sizeof(buf), "%s@hmmpd", hex);
		if (osip_message_set_call_id(m, buf))
			goto err;
	}
	if (asprintf(&v, "%u %s", rq->cseq ? rq->cseq : 1, rq->method) < 0)
		goto nomem;
	if (osip_message_set_cseq(m, v))
		goto err;
	free(v);
	v = NULL;
	osip_message_set_header(m, "Max-Forwards", "70");
	osip_message_set_header(m, "User-Agent", sip->ua);
	r = sip_int_add_headers(m, rq->headers);
	if (!r)
		r = sip_int_set_body(m, rq->content_type, rq->body,
				     rq->body_len);
	if (r)
		goto err;
	*out = m;
	return 0;
nomem:
	r = -ENOMEM;
err:
	free(v);
	osip_message_free(m);
	return r;
}

/* The top Via and, when the caller gave none, the Contact. */
int sip_int_set_via(struct sip *sip, osip_message_t *m, enum sip_transport tp,
		    uint32_t local, bool contact)
{
	char ip[INET_ADDRSTRLEN], branch[SIP_BRANCH_LEN + 1], *v;
	int r;

	osip_list_special_free(&m->vias, (void (*)(void *))osip_via_free);
	sip_int_addr_str(local, ip);
	sip_branch_new(branch);
	if (asprintf(&v, "SIP/2.0/%s %s:%u;rport;branch=%s",
		     tp == SIP_TP_TCP ? "TCP" : tp == SIP_TP_SCTP ? "SCTP" : "UDP",
		     ip, sip_port(sip, tp), branch) < 0)
		return -ENOMEM;
	r = osip_message_set_via(m, v);
	free(v);
	if (!r && contact && osip_list_eol(&m->contacts, 0)) {
		if (asprintf(&v, "<sip:%s@%s:%u>", sip->user, ip, sip->udp_port) < 0)
			return -ENOMEM;
		r = osip_message_set_contact(m, v);
		free(v);
	}
	osip_message_force_update(m);
	return r ? -EINVAL : 0;
}

/* ---- checking and reading messages ---------------------------------- */

const char *sip_int_check_common(const osip_message_t *m)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);

	if (!via || !via->host || !via->protocol)
		return "Missing or Bad Via";
	if (!m->from || !m->from->url)
		return "Missing or Bad From";
	if (!m->to || !m->to->url)
		return "Missing or Bad To";
	if (!m->call_id || !m->call_id->number)
		return "Missing or Bad Call-ID";
	if (!m->cseq || !m->cseq->number || !m->cseq->method ||
	    hmmp_u32_parse(m->cseq->number, 0, INT32_MAX, &(uint32_t){ 0 }))
		return "Missing or Bad CSeq";
	return NULL;
}

const char *sip_int_check_request(const osip_message_t *m)
{
	const char *why = sip_int_check_common(m);

	if (why)
		return why;
	if (strcmp(m->cseq->method, m->sip_method))
		return "CSeq Method Mismatch";
	return NULL;
}

/* received= and rport= in the top Via (RFC 3261 18.2.1, RFC 3581). */
void sip_int_fix_via(osip_message_t *m, const struct sip_addr *src)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	osip_generic_param_t *rport = NULL, *recv = NULL;
	char ip[INET_ADDRSTRLEN];

	sip_int_addr_str(src->addr, ip);
	osip_message_fix_last_via_header(m, ip, src->port);
	osip_via_param_get_byname(via, "rport", &rport);
	osip_via_param_get_byname(via, "received", &recv);
	if (rport && !recv)
		osip_via_set_received(via, osip_strdup(ip));
	osip_message_force_update(m);
}

/* The pos-th element of a parsed header list as a string (osip_free). */
static int parsed_header(const osip_message_t *m, const char *name, int pos,
			 char **s)
{
	static const char *const names[] = {
		"www-authenticate", "proxy-authenticate", "authorization",
		"proxy-authorization", "contact",
	};
	const osip_list_t *lists[] = {
		&m->www_authenticates, &m->proxy_authenticates,
		&m->authorizations, &m->proxy_authorizations, &m->contacts,
	};
	size_t i;
	void *h;

	for (i = 0; i < HMMP_ARRAY_SIZE(names); i++)
		if (!strcasecmp(name, names[i]))
			break;
	if (i == HMMP_ARRAY_SIZE(names))
		return 1;
	h = osip_list_get(lists[i], pos);
	if (!h)
		return OSIP_NOTFOUND;
	switch (i) {
	case 0:
	case 1:	/* the same type under two names */
		return osip_www_authenticate_to_str(h, s);
	case 2:
	case 3:
		return osip_authorization_to_str(h, s);
	default:
		return osip_contact_to_str(h, s);
	}
}

int sip_header(const osip_message_t *m, const char *name, int pos,
	       char **value)
{
	char *s = NULL;
	int k, r;

	*value = NULL;
	if (!m || !name || pos < 0)
		return -ENOENT;
	r = parsed_header(m, name, pos, &s);
	if (r == 1 && !strcasecmp(name, "content-type")) {
		r = !pos && m->content_type ?
		    osip_content_type_to_str(m->content_type, &s) : OSIP_NOTFOUND;
	} else if (r == 1) {
		r = OSIP_NOTFOUND;
		for (k = 0; k < osip_list_size(&m->headers); k++) {
			osip_header_t *h = osip_list_get(&m->headers, k);

			if (!h->hname || strcasecmp(h->hname, name) || pos--)
				continue;
			s = osip_strdup(h->hvalue ? h->hvalue : "");
			r = s ? OSIP_SUCCESS : OSIP_NOMEM;
			break;
		}
	}
	if (r || !s) {
		osip_free(s);
		return r == OSIP_NOMEM ? -ENOMEM : -ENOENT;
	}
	*value = strdup(s);
	osip_free(s);
	return *value ? 0 : -ENOMEM;
}
