// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: the STUN codec (RFC 8489) with the seed 003 usage's methods and
 * attributes. See stun.h and docs/stun.md.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <zlib.h>

#include "stun.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static const char *const status_names[__STUN_E_MAX] = {
	[STUN_OK] = "ok",
	[STUN_E_SHORT] = "shorter than a STUN header",
	[STUN_E_NOT_STUN] = "not STUN (top bits or magic cookie)",
	[STUN_E_LENGTH] = "message length not a multiple of 4 or not the size",
	[STUN_E_TRUNCATED] = "an attribute runs past the end",
	[STUN_E_ATTR] = "an attribute with a malformed value",
	[STUN_E_AFTER_FP] = "an attribute after FINGERPRINT",
	[STUN_E_FINGERPRINT] = "FINGERPRINT does not match",
	[STUN_E_CLASS] = "an error response without ERROR-CODE",
};

const char *stun_strstatus(enum stun_status st)
{
	if ((unsigned int)st >= __STUN_E_MAX)
		return "?";
	return status_names[st];
}

uint16_t stun_type(uint16_t method, enum stun_class cls)
{
	unsigned int c = cls;

	return (uint16_t)((method & 0x000f) | (method & 0x0070) << 1 |
			  (method & 0x0f80) << 2 | (c & 1) << 4 |
			  (c & 2) << 7);
}

void stun_type_split(uint16_t type, uint16_t *method, enum stun_class *cls)
{
	*method = (type & 0x000f) | (type & 0x00e0) >> 1 |
		  (type & 0x3e00) >> 2;
	*cls = (enum stun_class)((type >> 4 & 1) | (type >> 7 & 2));
}

bool stun_is_stun(const uint8_t *buf, size_t len)
{
	return len >= STUN_HDR_LEN && !(buf[0] & 0xc0) &&
	       get32(buf + 4) == STUN_MAGIC;
}

int stun_frame(const uint8_t *buf, size_t len, size_t max, size_t *n)
{
	size_t i, total;
	uint8_t cookie[4];

	if (len >= 1 && (buf[0] & 0xc0))
		return -1;
	put32(cookie, STUN_MAGIC);
	for (i = 4; i < 8 && i < len; i++)
		if (buf[i] != cookie[i - 4])
			return -1;
	if (len < 4)
		return 0;
	total = STUN_HDR_LEN + get16(buf + 2);
	if (total & 3 || total > max)
		return -1;
	if (len < total)
		return 0;
	*n = total;
	return 1;
}

/* MAPPED-ADDRESS or XOR-MAPPED-ADDRESS value (RFC 8489 14.1, 14.2). */
static bool decode_addr(const uint8_t *v, size_t len, bool xor,
			const uint8_t *tid, struct stun_addr *a)
{
	uint8_t mask[16];
	size_t alen, i;

	if (len < 4)
		return false;
	memset(a, 0, sizeof(*a));
	switch (v[1]) {
	case 0x01:
		a->family = 4;
		alen = 4;
		break;
	case 0x02:
		a->family = 6;
		alen = 16;
		break;
	default:
		return false;
	}
	if (len != 4 + alen)
		return false;
	put32(mask, STUN_MAGIC);
	memcpy(mask + 4, tid, STUN_TID_LEN);
	a->port = get16(v + 2);
	memcpy(a->addr, v + 4, alen);
	if (xor) {
		a->port ^= STUN_MAGIC >> 16;
		for (i = 0; i < alen; i++)
			a->addr[i] ^= mask[i];
	}
	return true;
}

static void note_unknown(uint16_t *list, size_t *n, uint16_t type)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (list[i] == type)
			return;
	if (*n < STUN_MAX_UNKNOWN)
		list[(*n)++] = type;
}

static enum stun_status decode_attr(const uint8_t *buf, size_t pos,
				    uint16_t type, const uint8_t *v,
				    size_t alen, struct stun_msg *m)
{
	size_t i;

	switch (type) {
	case STUN_A_MAPPED_ADDRESS:
		if (m->has_mapped)
			break;
		if (!decode_addr(v, alen, false, m->tid, &m->mapped))
			return STUN_E_ATTR;
		m->has_mapped = true;
		break;
	case STUN_A_XOR_MAPPED_ADDRESS:
		if (m->has_xor_mapped)
			break;
		if (!decode_addr(v, alen, true, m->tid, &m->xor_mapped))
			return STUN_E_ATTR;
		m->has_xor_mapped = true;
		break;
	case STUN_A_ERROR_CODE:
		if (m->error)
			break;
		if (alen < 4 || alen - 4 > STUN_MAX_REASON ||
		    (v[2] & 7) < 3 || (v[2] & 7) > 6 || v[3] > 99)
			return STUN_E_ATTR;
		m->error = (v[2] & 7) * 100 + v[3];
		m->reason.p = v + 4;
		m->reason.len = alen - 4;
		break;
	case STUN_A_UNKNOWN_ATTRIBUTES:
		if (m->nunknown)
			break;
		if (alen & 1)
			return STUN_E_ATTR;
		for (i = 0; i + 1 < alen; i += 2)
			note_unknown(m->unknown, &m->nunknown, get16(v + i));
		break;
	case STUN_A_SOFTWARE:
		if (m->software.p)
			break;
		if (alen > STUN_MAX_SOFTWARE)
			return STUN_E_ATTR;
		m->software.p = v;
		m->software.len = alen;
		break;
	case STUN_A_USERNAME:
		if (m->username.p)
			break;
		if (alen > 512)
			return STUN_E_ATTR;
		m->username.p = v;
		m->username.len = alen;
		break;
	case STUN_A_FLOW_TOKEN:
		if (m->flow_token.p)
			break;
		if (!alen)
			return STUN_E_ATTR;
		m->flow_token.p = v;
		m->flow_token.len = alen;
		break;
	case STUN_A_MESSAGE_INTEGRITY:
		if (alen != STUN_MI_LEN)
			return STUN_E_ATTR;
		m->integrity_off = pos;
		break;
	case STUN_A_FINGERPRINT:
		if (alen != 4)
			return STUN_E_ATTR;
		if ((crc32(0, buf, (uInt)pos) ^ STUN_FP_XOR) != get32(v))
			return STUN_E_FINGERPRINT;
		m->has_fingerprint = true;
		break;
	default:
		/* Comprehension-optional ones are ignored (RFC 8489 15). */
		if (type < 0x8000)
			note_unknown(m->unknown_req, &m->nunknown_req, type);
		break;
	}
	return STUN_OK;
}

enum stun_status stun_decode(const uint8_t *buf, size_t len,
			     struct stun_msg *m)
{
	enum stun_status st;
	size_t pos, alen;
	uint16_t type;

	memset(m, 0, sizeof(*m));
	if (len < STUN_HDR_LEN)
		return STUN_E_SHORT;
	if (!stun_is_stun(buf, len))
		return STUN_E_NOT_STUN;
	stun_type_split(get16(buf), &m->method, &m->cls);
	memcpy(m->tid, buf + 8, STUN_TID_LEN);
	if (get16(buf + 2) & 3 ||
	    (size_t)STUN_HDR_LEN + get16(buf + 2) != len)
		return STUN_E_LENGTH;
	m->len = len;

	for (pos = STUN_HDR_LEN; pos < len; pos += 4 + pad4(alen)) {
		if (len - pos < 4)
			return STUN_E_TRUNCATED;
		if (m->has_fingerprint)
			return STUN_E_AFTER_FP;
		type = get16(buf + pos);
		alen = get16(buf + pos + 2);
		if (pad4(alen) > len - pos - 4)
			return STUN_E_TRUNCATED;
		/*
		 * After MESSAGE-INTEGRITY only FINGERPRINT counts; the rest
		 * is ignored (RFC 8489 14.5), though still framed.
		 */
		if (m->integrity_off && type != STUN_A_FINGERPRINT)
			continue;
		st = decode_attr(buf, pos, type, buf + pos + 4, alen, m);
		if (st != STUN_OK)
			return st;
	}
	if (m->cls == STUN_ERROR && !m->error)
		return STUN_E_CLASS;
	return STUN_OK;
}

/* HMAC-SHA1 over a then b. */
static bool hmac_sha1(const void *key, size_t keylen, const uint8_t *a,
		      size_t alen, const uint8_t *b, size_t blen,
		      uint8_t out[STUN_MI_LEN])
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac;
	size_t outlen = 0;
	bool ok = false;
	/* HMAC accepts an empty key; EVP_MAC wants a pointer anyway. */
	static const uint8_t nokey;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return false;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA1", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, keylen ? key : &nokey, keylen, params) &&
	    EVP_MAC_update(ctx, a, alen) &&
	    (!blen || EVP_MAC_update(ctx, b, blen)) &&
	    EVP_MAC_final(ctx, out, &outlen, STUN_MI_LEN) &&
	    outlen == STUN_MI_LEN)
		ok = true;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok;
}

bool stun_check_integrity(const uint8_t *buf, const struct stun_msg *m,
			  const void *key, size_t keylen)
{
	uint8_t hdr[STUN_HDR_LEN], mac[STUN_MI_LEN];
	size_t off = m->integrity_off;

	if (!off || off + 4 + STUN_MI_LEN > m->len)
		return false;
	/* The length as if MESSAGE-INTEGRITY ended the message. */
	memcpy(hdr, buf, STUN_HDR_LEN);
	put16(hdr + 2, (uint16_t)(off + 4 + STUN_MI_LEN - STUN_HDR_LEN));
	if (!hmac_sha1(key, keylen, hdr, STUN_HDR_LEN, buf + STUN_HDR_LEN,
		       off - STUN_HDR_LEN, mac))
		return false;
	return CRYPTO_memcmp(mac, buf + off + 4, STUN_MI_LEN) == 0;
}

/* ---- encoding ---- */

void stun_enc_init(struct stun_enc *e, uint8_t *buf, size_t cap,
		   uint16_t method, enum stun_class cls,
		   const uint8_t tid[STUN_TID_LEN])
{
	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->cap = cap;
	if (cap < STUN_HDR_LEN || method > 0xfff) {
		e->err = cap < STUN_HDR_LEN ? -ENOSPC : -EINVAL;
		return;
	}
	put16(buf, stun_type(method, cls));
	put16(buf + 2, 0);
	put32(buf + 4, STUN_MAGIC);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	e->len = STUN_HDR_LEN;
}

/* Room for an attribute of len value bytes; returns its value or NULL. */
static uint8_t *reserve(struct stun_enc *e, uint16_t type, size_t len)
{
	size_t total;
	uint8_t *p;

	if (e->err)
		return NULL;
	if (e->fingerprint ||
	    (e->integrity && type != STUN_A_FINGERPRINT) || len > 0xffff) {
		e->err = -EINVAL;
		return NULL;
	}
	total = 4 + pad4(len);
	if (total > e->cap - e->len ||
	    e->len + total - STUN_HDR_LEN > 0xffff) {
		e->err = -ENOSPC;
		return NULL;
	}
	p = e->buf + e->len;
	put16(p, type);
	put16(p + 2, (uint16_t)len);
	memset(p + 4 + len, 0, pad4(len) - len);
	e->len += total;
	put16(e->buf + 2, (uint16_t)(e->len - STUN_HDR_LEN));
	return p + 4;
}

void stun_put(struct stun_enc *e, uint16_t type, const void *v, size_t len)
{
	uint8_t *p = reserve(e, type, len);

	if (p && len)
		memcpy(p, v, len);
}

static void put_addr(struct stun_enc *e, uint16_t type,
		     const struct stun_addr *a, bool xor)
{
	size_t alen = a->family == 6 ? 16 : 4, i;
	uint8_t *p, mask[16];

	if (a->family != 4 && a->family != 6) {
		if (!e->err)
			e->err = -EINVAL;
		return;
	}
	p = reserve(e, type, 4 + alen);
	if (!p)
		return;
	put32(mask, STUN_MAGIC);
	memcpy(mask + 4, e->buf + 8, STUN_TID_LEN);
	p[0] = 0;
	p[1] = a->family == 6 ? 0x02 : 0x01;
	put16(p + 2, xor ? a->port ^ (STUN_MAGIC >> 16) : a->port);
	for (i = 0; i < alen; i++)
		p[4 + i] = xor ? a->addr[i] ^ mask[i] : a->addr[i];
}

void stun_put_addr(struct stun_enc *e, uint16_t type,
		   const struct stun_addr *a)
{
	put_addr(e, type, a, false);
}

void stun_put_xor_addr(struct stun_enc *e, const struct stun_addr *a)
{
	put_addr(e, STUN_A_XOR_MAPPED_ADDRESS, a, true);
}

const char *stun_reason(int code)
{
	switch (code) {
	case 300: return "Try Alternate";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 420: return "Unknown Attribute";
	case 438: return "Stale Nonce";
	case 445: return "Operation for TCP Only";
	case 448: return "Operation for UDP Only";
	case 500: return "Server Error";
	}
	return "Error";
}

void stun_put_error(struct stun_enc *e, int code, const char *reason)
{
	size_t rlen;
	uint8_t *p;

	if (!reason)
		reason = stun_reason(code);
	rlen = strlen(reason);
	if (code < 300 || code > 699 || rlen > STUN_MAX_REASON) {
		if (!e->err)
			e->err = -EINVAL;
		return;
	}
	p = reserve(e, STUN_A_ERROR_CODE, 4 + rlen);
	if (!p)
		return;
	p[0] = 0;
	p[1] = 0;
	p[2] = (uint8_t)(code / 100);
	p[3] = (uint8_t)(code % 100);
	memcpy(p + 4, reason, rlen);
}

void stun_put_unknown(struct stun_enc *e, const uint16_t *types, size_t n)
{
	uint8_t *p = reserve(e, STUN_A_UNKNOWN_ATTRIBUTES, 2 * n);
	size_t i;

	if (!p)
		return;
	for (i = 0; i < n; i++)
		put16(p + 2 * i, types[i]);
}

void stun_put_software(struct stun_enc *e, const char *s)
{
	size_t len = strlen(s);

	if (len > STUN_MAX_SOFTWARE) {
		if (!e->err)
			e->err = -EINVAL;
		return;
	}
	stun_put(e, STUN_A_SOFTWARE, s, len);
}

void stun_put_flow_token(struct stun_enc *e, const void *tok, size_t len)
{
	if (!len) {
		if (!e->err)
			e->err = -EINVAL;
		return;
	}
	stun_put(e, STUN_A_FLOW_TOKEN, tok, len);
}

void stun_put_integrity(struct stun_enc *e, const void *key, size_t keylen)
{
	uint8_t *p = reserve(e, STUN_A_MESSAGE_INTEGRITY, STUN_MI_LEN);

	if (!p)
		return;
	/* The header length already counts this attribute, as it must. */
	if (!hmac_sha1(key, keylen, e->buf, (size_t)(p - 4 - e->buf), NULL, 0,
		       p)) {
		e->err = -ENOMEM;
		return;
	}
	e->integrity = true;
}

void stun_put_fingerprint(struct stun_enc *e)
{
	uint8_t *p = reserve(e, STUN_A_FINGERPRINT, 4);

	if (!p)
		return;
	put32(p, (uint32_t)crc32(0, e->buf, (uInt)(p - 4 - e->buf)) ^
		 STUN_FP_XOR);
	e->fingerprint = true;
}

int stun_enc_end(const struct stun_enc *e)
{
	return e->err ? e->err : (int)e->len;
}

void stun_enc_response(struct stun_enc *e, uint8_t *buf, size_t cap,
		       const struct stun_msg *req, bool error)
{
	stun_enc_init(e, buf, cap, req->method, error ? STUN_ERROR : STUN_SUCCESS,
		      req->tid);
}

int stun_tid_new(uint8_t tid[STUN_TID_LEN])
{
	ssize_t n = getrandom(tid, STUN_TID_LEN, 0);

	if (n < 0)
		return -errno;
	return n == STUN_TID_LEN ? 0 : -EIO;
}
