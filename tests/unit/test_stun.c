// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/stun/stun.c, the STUN codec. RFC 5769's vectors,
 * round trips of every attribute and method, the seed's FLOW-TOKEN padding
 * rule, and malformed input. Decoded buffers are heap copies of exactly
 * the tested length, so valgrind sees any read past the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "stun/stun.h"

static const uint8_t tid5769[12] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae
};

/* RFC 5769 2.1: sample request (short-term credentials). */
static const uint8_t req5769[] = {
	0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10,
	0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
	0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1,
	0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
	0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
	0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
	0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,
	0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
	0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04,
	0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 2.2: sample IPv4 response. */
static const uint8_t resp4_5769[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08,
	0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99,
	0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
	0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: sample IPv6 response. */
static const uint8_t resp6_5769[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14,
	0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
	0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5,
	0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
	0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
	0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04,
	0xc8, 0xfb, 0x0b, 0x4c,
};

static const char pw5769[] = "VOkJxbRl1RmTxUk/WvJxBt";

/* Decodes an exact heap copy of buf[0..len). */
static enum stun_status decode_copy(const uint8_t *buf, size_t len,
				    struct stun_msg *m)
{
	uint8_t *c = malloc(len ? len : 1);
	enum stun_status st;

	assert_non_null(c);
	memcpy(c, buf, len);
	st = stun_decode(c, len, m);
	/* Pointers into c are dangling now: forget them. */
	m->software.p = m->username.p = m->flow_token.p = m->reason.p = NULL;
	free(c);
	return st;
}

static bool bytes_eq(const struct stun_bytes *b, const void *v, size_t len)
{
	return b->p && b->len == len && !memcmp(b->p, v, len);
}

static void test_type(void **state)
{
	static const uint16_t methods[] = { STUN_BINDING, STUN_FORCE_TCP,
					    STUN_GET_TOKEN, 0x0fff, 0x0abc };
	enum stun_class c, c2;
	uint16_t m2;
	size_t i;

	(void)state;
	assert_int_equal(stun_type(STUN_BINDING, STUN_REQUEST), 0x0001);
	assert_int_equal(stun_type(STUN_BINDING, STUN_INDICATION), 0x0011);
	assert_int_equal(stun_type(STUN_BINDING, STUN_SUCCESS), 0x0101);
	assert_int_equal(stun_type(STUN_BINDING, STUN_ERROR), 0x0111);
	assert_int_equal(stun_type(STUN_FORCE_TCP, STUN_REQUEST), 0x0009);
	assert_int_equal(stun_type(STUN_FORCE_TCP, STUN_SUCCESS), 0x0109);
	assert_int_equal(stun_type(STUN_FORCE_TCP, STUN_ERROR), 0x0119);
	assert_int_equal(stun_type(STUN_GET_TOKEN, STUN_REQUEST), 0x000a);
	assert_int_equal(stun_type(STUN_GET_TOKEN, STUN_SUCCESS), 0x010a);
	assert_int_equal(stun_type(STUN_GET_TOKEN, STUN_ERROR), 0x011a);
	assert_int_equal(stun_type(0x0fff, STUN_ERROR), 0x3fff);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		for (c = STUN_REQUEST; c <= STUN_ERROR; c++) {
			stun_type_split(stun_type(methods[i], c), &m2, &c2);
			assert_int_equal(m2, methods[i]);
			assert_int_equal(c2, c);
		}
}

static void test_rfc5769_request(void **state)
{
	static const uint8_t prio[] = { 0x6e, 0x00, 0x01, 0xff };
	struct stun_msg m;
	uint8_t *c;

	(void)state;
	c = malloc(sizeof(req5769));
	assert_non_null(c);
	memcpy(c, req5769, sizeof(req5769));
	assert_int_equal(stun_decode(c, sizeof(req5769), &m), STUN_OK);
	assert_int_equal(m.method, STUN_BINDING);
	assert_int_equal(m.cls, STUN_REQUEST);
	assert_memory_equal(m.tid, tid5769, 12);
	assert_true(bytes_eq(&m.software, "STUN test client", 16));
	assert_true(bytes_eq(&m.username, "evtj:h6vY", 9));
	/*
	 * 0x0024 is ICE's PRIORITY in RFC 8445 and the seed's FLOW-TOKEN:
	 * the codec reads it as the latter (docs/stun.md).
	 */
	assert_true(bytes_eq(&m.flow_token, prio, 4));
	/* ICE-CONTROLLED (0x8029) is comprehension-optional: ignored. */
	assert_int_equal(m.nunknown_req, 0);
	assert_true(m.has_fingerprint);
	assert_int_equal(m.integrity_off, 0x4c);
	assert_true(stun_check_integrity(c, &m, pw5769, strlen(pw5769)));
	assert_false(stun_check_integrity(c, &m, pw5769, strlen(pw5769) - 1));
	assert_false(stun_check_integrity(c, &m, "", 0));
	/* One bit flipped in the integrity-protected part. */
	c[30] ^= 1;
	assert_int_equal(stun_decode(c, sizeof(req5769), &m),
			 STUN_E_FINGERPRINT);
	free(c);
}

/* Encodes a response like RFC 5769's, with its 0x20 padding byte. */
static void encode_5769_response(const struct stun_addr *a, uint8_t *buf,
				 size_t cap, int *len)
{
	struct stun_enc e;

	stun_enc_init(&e, buf, cap, STUN_BINDING, STUN_SUCCESS, tid5769);
	stun_put_software(&e, "test vector");
	assert_int_equal(e.len, 20 + 4 + 12);
	assert_int_equal(buf[35], 0);	/* we pad with zeroes ... */
	buf[35] = 0x20;			/* ... RFC 5769's sender with a space */
	stun_put_xor_addr(&e, a);
	stun_put_integrity(&e, pw5769, strlen(pw5769));
	stun_put_fingerprint(&e);
	*len = stun_enc_end(&e);
}

static void check_5769_response(const uint8_t *vec, size_t vlen,
				const struct stun_addr *want)
{
	uint8_t buf[256];
	struct stun_msg m;
	int len;

	assert_int_equal(decode_copy(vec, vlen, &m), STUN_OK);
	assert_int_equal(m.cls, STUN_SUCCESS);
	assert_true(m.has_xor_mapped);
	assert_false(m.has_mapped);
	assert_int_equal(m.xor_mapped.family, want->family);
	assert_int_equal(m.xor_mapped.port, want->port);
	assert_memory_equal(m.xor_mapped.addr, want->addr, 16);
	assert_true(m.has_fingerprint);
	assert_true(stun_check_integrity(vec, &m, pw5769, strlen(pw5769)));

	/* And our encoder produces the vector byte for byte. */
	encode_5769_response(want, buf, sizeof(buf), &len);
	assert_int_equal(len, vlen);
	assert_memory_equal(buf, vec, vlen);
}

static void test_rfc5769_ipv4(void **state)
{
	struct stun_addr a = { .family = 4, .port = 32853,
			       .addr = { 192, 0, 2, 1 } };

	(void)state;
	check_5769_response(resp4_5769, sizeof(resp4_5769), &a);
}

static void test_rfc5769_ipv6(void **state)
{
	struct stun_addr a = { .family = 6, .port = 32853,
			       .addr = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34,
					 0x56, 0x78, 0x00, 0x11, 0x22, 0x33,
					 0x44, 0x55, 0x66, 0x77 } };

	(void)state;
	check_5769_response(resp6_5769, sizeof(resp6_5769), &a);
}

static void rand_bytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rand();
}

static void rand_addr(struct stun_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = rand() & 1 ? 4 : 6;
	a->port = (uint16_t)rand();
	rand_bytes(a->addr, a->family == 4 ? 4 : 16);
}

/* Every attribute, every method and class, random values. */
static void test_roundtrip(void **state)
{
	static const uint16_t methods[] = { STUN_BINDING, STUN_FORCE_TCP,
					    STUN_GET_TOKEN };
	static const int codes[] = { 400, 420, 445, 448, 500, 300, 699 };
	uint8_t buf[1024], tid[12], tok[64], user[40];
	uint16_t unk[5];
	struct stun_addr a1, a2;
	struct stun_msg m;
	struct stun_enc e;
	size_t toklen, ulen, nunk, i;
	int iter, len, code;
	enum stun_class cls;
	uint16_t method;
	bool mi, fp;

	(void)state;
	srand(5389);
	for (iter = 0; iter < 2000; iter++) {
		method = methods[iter % 3];
		cls = (enum stun_class)(iter / 3 % 4);
		rand_bytes(tid, sizeof(tid));
		rand_addr(&a1);
		rand_addr(&a2);
		toklen = 1 + (size_t)rand() % sizeof(tok);
		rand_bytes(tok, toklen);
		ulen = (size_t)rand() % sizeof(user);
		rand_bytes(user, ulen);
		nunk = 1 + (size_t)rand() % 5;
		for (i = 0; i < nunk; i++)
			unk[i] = (uint16_t)(0x7000 + i);
		code = codes[rand() % 7];
		mi = rand() & 1;
		fp = rand() & 1;

		stun_enc_init(&e, buf, sizeof(buf), method, cls, tid);
		stun_put_software(&e, "hmmpd test");
		stun_put(&e, STUN_A_USERNAME, user, ulen);
		stun_put_addr(&e, STUN_A_MAPPED_ADDRESS, &a1);
		stun_put_xor_addr(&e, &a2);
		stun_put_flow_token(&e, tok, toklen);
		if (cls == STUN_ERROR) {
			stun_put_error(&e, code, NULL);
			stun_put_unknown(&e, unk, nunk);
		}
		if (mi)
			stun_put_integrity(&e, "key", 3);
		if (fp)
			stun_put_fingerprint(&e);
		len = stun_enc_end(&e);
		assert_true(len > 0);
		assert_int_equal(len % 4, 0);

		assert_int_equal(stun_decode(buf, (size_t)len, &m), STUN_OK);
		assert_int_equal(m.method, method);
		assert_int_equal(m.cls, cls);
		assert_int_equal(m.len, len);
		assert_memory_equal(m.tid, tid, 12);
		assert_true(bytes_eq(&m.software, "hmmpd test", 10));
		assert_int_equal(m.username.len, ulen);
		assert_memory_equal(m.username.p, user, ulen);
		assert_true(m.has_mapped && m.has_xor_mapped);
		assert_memory_equal(&m.mapped, &a1, sizeof(a1));
		assert_memory_equal(&m.xor_mapped, &a2, sizeof(a2));
		assert_true(bytes_eq(&m.flow_token, tok, toklen));
		if (cls == STUN_ERROR) {
			assert_int_equal(m.error, code);
			assert_true(bytes_eq(&m.reason, stun_reason(code),
					     strlen(stun_reason(code))));
			assert_int_equal(m.nunknown, nunk);
			assert_memory_equal(m.unknown, unk, 2 * nunk);
		} else {
			assert_int_equal(m.error, 0);
			assert_int_equal(m.nunknown, 0);
		}
		assert_int_equal(m.has_fingerprint, fp);
		assert_int_equal(!!m.integrity_off, mi);
		assert_int_equal(stun_check_integrity(buf, &m, "key", 3), mi);
		assert_false(stun_check_integrity(buf, &m, "kez", 3));
		assert_int_equal(m.nunknown_req, 0);
	}
}

/* Seed 003 7.1: length before padding, padded to four bytes. */
static void test_flow_token_padding(void **state)
{
	uint8_t buf[128], tok[9], tid[12] = { 1 };
	struct stun_msg m;
	struct stun_enc e;
	size_t n, padded;

	(void)state;
	for (n = 1; n <= sizeof(tok); n++) {
		memset(tok, 0xa5, sizeof(tok));
		memset(buf, 0xee, sizeof(buf));
		stun_enc_init(&e, buf, sizeof(buf), STUN_GET_TOKEN,
			      STUN_SUCCESS, tid);
		stun_put_flow_token(&e, tok, n);
		padded = (n + 3) / 4 * 4;
		assert_int_equal(stun_enc_end(&e), 20 + 4 + padded);
		assert_int_equal(buf[2] << 8 | buf[3], 4 + padded);
		assert_int_equal(buf[20] << 8 | buf[21], 0x0024);
		assert_int_equal(buf[22] << 8 | buf[23], n);	/* unpadded */
		assert_memory_equal(buf + 24, tok, n);
		for (size_t i = n; i < padded; i++)
			assert_int_equal(buf[24 + i], 0);	/* zero padding */
		assert_int_equal(decode_copy(buf, 24 + padded, &m), STUN_OK);
		assert_int_equal(m.flow_token.len, n);
		/* Padding bytes are ignored whatever their value. */
		for (size_t i = n; i < padded; i++)
			buf[24 + i] = 0xff;
		assert_int_equal(stun_decode(buf, 24 + padded, &m), STUN_OK);
		assert_true(bytes_eq(&m.flow_token, tok, n));
		/* Rounding the length up instead is a different token. */
		if (n != padded) {
			buf[23] = (uint8_t)padded;
			assert_int_equal(stun_decode(buf, 24 + padded, &m),
					 STUN_OK);
			assert_int_equal(m.flow_token.len, padded);
		}
	}
}

static void test_errors(void **state)
{
	static const uint16_t unk[3] = { 0x0003, 0x7f01, 0x0042 };
	uint8_t buf[256], tid[12] = { 9 };
	struct stun_msg m;
	struct stun_enc e;
	int len;

	(void)state;
	assert_string_equal(stun_reason(445), "Operation for TCP Only");
	assert_string_equal(stun_reason(448), "Operation for UDP Only");
	assert_string_equal(stun_reason(400), "Bad Request");
	assert_string_equal(stun_reason(420), "Unknown Attribute");
	assert_string_equal(stun_reason(599), "Error");

	stun_enc_init(&e, buf, sizeof(buf), STUN_FORCE_TCP, STUN_ERROR, tid);
	stun_put_error(&e, 420, NULL);
	stun_put_unknown(&e, unk, 3);		/* 6 bytes: padded */
	stun_put_fingerprint(&e);
	len = stun_enc_end(&e);
	assert_int_equal(len, 20 + 4 + 4 + 17 + 3 + 4 + 8 + 8);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_OK);
	assert_int_equal(m.error, 420);
	assert_int_equal(m.nunknown, 3);
	assert_memory_equal(m.unknown, unk, sizeof(unk));

	/* The encoder refuses what cannot be said. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_ERROR, tid);
	stun_put_error(&e, 299, NULL);
	assert_int_equal(stun_enc_end(&e), -EINVAL);
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_ERROR, tid);
	stun_put_error(&e, 700, "x");
	assert_int_equal(stun_enc_end(&e), -EINVAL);
	stun_enc_init(&e, buf, sizeof(buf), 0x1000, STUN_REQUEST, tid);
	assert_int_equal(stun_enc_end(&e), -EINVAL);

	/* An error response without ERROR-CODE is malformed. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_ERROR, tid);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_E_CLASS);
	assert_int_equal(m.cls, STUN_ERROR);	/* header still known */
}

static void test_encoder_limits(void **state)
{
	struct stun_addr a = { .family = 6, .port = 1 };
	uint8_t buf[128], tid[12] = { 0 };
	struct stun_enc e;
	size_t cap;
	int len, full;

	(void)state;
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_put_xor_addr(&e, &a);
	stun_put_software(&e, "abc");
	stun_put_integrity(&e, "k", 1);
	stun_put_fingerprint(&e);
	full = stun_enc_end(&e);
	assert_int_equal(full, 20 + 24 + 8 + 24 + 8);
	/* Every smaller buffer: -ENOSPC, never a write past cap. */
	for (cap = 0; cap < (size_t)full; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		assert_non_null(b);
		stun_enc_init(&e, b, cap, STUN_BINDING, STUN_SUCCESS, tid);
		stun_put_xor_addr(&e, &a);
		stun_put_software(&e, "abc");
		stun_put_integrity(&e, "k", 1);
		stun_put_fingerprint(&e);
		assert_int_equal(stun_enc_end(&e), -ENOSPC);
		free(b);
	}
	/* Nothing after FINGERPRINT; only FINGERPRINT after INTEGRITY. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put_fingerprint(&e);
	stun_put_software(&e, "x");
	assert_int_equal(stun_enc_end(&e), -EINVAL);
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put_integrity(&e, "k", 1);
	stun_put_flow_token(&e, "x", 1);
	assert_int_equal(stun_enc_end(&e), -EINVAL);
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put_integrity(&e, "k", 1);
	stun_put_fingerprint(&e);
	len = stun_enc_end(&e);
	assert_int_equal(len, 20 + 24 + 8);
	/* Bad family, empty token. */
	a.family = 5;
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_put_xor_addr(&e, &a);
	assert_int_equal(stun_enc_end(&e), -EINVAL);
	stun_enc_init(&e, buf, sizeof(buf), STUN_GET_TOKEN, STUN_SUCCESS, tid);
	stun_put_flow_token(&e, "", 0);
	assert_int_equal(stun_enc_end(&e), -EINVAL);
	/* The first error sticks. */
	stun_enc_init(&e, buf, 20, STUN_BINDING, STUN_SUCCESS, tid);
	stun_put_software(&e, "x");
	stun_put_error(&e, 1, NULL);
	assert_int_equal(stun_enc_end(&e), -ENOSPC);
	assert_int_equal(stun_tid_new(tid), 0);
}

/* A small valid message to break: SOFTWARE, XOR-MAPPED, FLOW-TOKEN, FP. */
static size_t sample(uint8_t *buf, size_t cap, bool fp)
{
	struct stun_addr a = { .family = 4, .port = 5060,
			       .addr = { 192, 0, 2, 7 } };
	uint8_t tid[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct stun_enc e;
	int len;

	stun_enc_init(&e, buf, cap, STUN_FORCE_TCP, STUN_SUCCESS, tid);
	stun_put_software(&e, "hmmpd");
	stun_put_xor_addr(&e, &a);
	stun_put_flow_token(&e, "tok", 3);
	if (fp)
		stun_put_fingerprint(&e);
	len = stun_enc_end(&e);
	assert_true(len > 0);
	return (size_t)len;
}

static void test_truncations(void **state)
{
	const uint8_t *vecs[] = { req5769, resp4_5769, resp6_5769 };
	size_t vlens[] = { sizeof(req5769), sizeof(resp4_5769),
			   sizeof(resp6_5769) };
	uint8_t buf[128];
	struct stun_msg m;
	size_t len, cut, i;

	(void)state;
	len = sample(buf, sizeof(buf), true);
	for (i = 0; i < 4; i++) {
		const uint8_t *v = i < 3 ? vecs[i] : buf;
		size_t vl = i < 3 ? vlens[i] : len;

		assert_int_equal(decode_copy(v, vl, &m), STUN_OK);
		for (cut = 0; cut < vl; cut++) {
			enum stun_status st = decode_copy(v, cut, &m);

			assert_int_not_equal(st, STUN_OK);
			assert_int_equal(st, cut < 20 ? STUN_E_SHORT :
					 STUN_E_LENGTH);
		}
	}
}

/* Rewrites the header length and returns the status of decoding. */
static enum stun_status with_len(uint8_t *buf, size_t len, unsigned int hl)
{
	struct stun_msg m;

	buf[2] = (uint8_t)(hl >> 8);
	buf[3] = (uint8_t)hl;
	return decode_copy(buf, len, &m);
}

static void test_malformed(void **state)
{
	uint8_t buf[256], orig[256];
	struct stun_msg m;
	size_t len;

	(void)state;
	len = sample(orig, sizeof(orig), false);
	memcpy(buf, orig, len);
	assert_int_equal(decode_copy(buf, len, &m), STUN_OK);

	/* Header length past the end, short of it, not a multiple of 4. */
	assert_int_equal(with_len(buf, len, (unsigned int)len - 20 + 4),
			 STUN_E_LENGTH);
	assert_int_equal(with_len(buf, len, (unsigned int)len - 20 - 4),
			 STUN_E_LENGTH);
	assert_int_equal(with_len(buf, len, (unsigned int)len - 20 - 1),
			 STUN_E_LENGTH);
	assert_int_equal(with_len(buf, len, 0xffff), STUN_E_LENGTH);
	memcpy(buf, orig, len);

	/* Top bits, magic cookie. */
	buf[0] |= 0x40;
	assert_int_equal(decode_copy(buf, len, &m), STUN_E_NOT_STUN);
	buf[0] = orig[0] | 0x80;
	assert_int_equal(decode_copy(buf, len, &m), STUN_E_NOT_STUN);
	buf[0] = orig[0];
	buf[7] ^= 1;
	assert_int_equal(decode_copy(buf, len, &m), STUN_E_NOT_STUN);
	buf[7] = orig[7];

	/* An attribute length past the end: the last one (FLOW-TOKEN). */
	buf[len - 8 + 3] = 5;
	assert_int_equal(decode_copy(buf, len, &m), STUN_E_TRUNCATED);
	buf[len - 8 + 3] = 0xff;
	buf[len - 8 + 2] = 0xff;
	assert_int_equal(decode_copy(buf, len, &m), STUN_E_TRUNCATED);
	memcpy(buf, orig, len);

	/* A bad family, a bad address length. */
	buf[20 + 12 + 5] = 3;		/* XOR-MAPPED family */
	assert_int_equal(decode_copy(buf, len, &m), STUN_E_ATTR);
	buf[20 + 12 + 5] = 2;		/* IPv6 with an IPv4 length */
	assert_int_equal(decode_copy(buf, len, &m), STUN_E_ATTR);
	memcpy(buf, orig, len);

	/* A zero-length FLOW-TOKEN. */
	buf[len - 8 + 3] = 0;
	memset(buf + len - 4, 0, 4);
	assert_int_equal(decode_copy(buf, len, &m), STUN_E_ATTR);
	memcpy(buf, orig, len);
}

static void test_attr_rules(void **state)
{
	uint8_t buf[512], tid[12] = { 7 };
	static const uint16_t zero_len_types[] = { 0x8001, 0x8002, 0x8003 };
	struct stun_addr a1 = { .family = 4, .port = 1, .addr = { 1, 1, 1, 1 } };
	struct stun_addr a2 = { .family = 4, .port = 2, .addr = { 2, 2, 2, 2 } };
	struct stun_msg m;
	struct stun_enc e;
	int len, i;
	uint32_t fp;

	(void)state;
	/* Repeated attributes: the first counts. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_SUCCESS, tid);
	stun_put_xor_addr(&e, &a1);
	stun_put_xor_addr(&e, &a2);
	stun_put_flow_token(&e, "one", 3);
	stun_put_flow_token(&e, "two!", 4);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_OK);
	assert_int_equal(m.xor_mapped.port, 1);
	assert_int_equal(m.flow_token.len, 3);

	/*
	 * Unknown comprehension-required ones are listed for a 420 (each
	 * once); comprehension-optional ones are not.
	 */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put(&e, 0x0003, "abcd", 4);	/* CHANGE-REQUEST (RFC 5780) */
	stun_put(&e, 0x7ffe, NULL, 0);
	stun_put(&e, 0x0003, "abcd", 4);
	stun_put(&e, 0x8029, "12345678", 8);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_OK);
	assert_int_equal(m.nunknown_req, 2);
	assert_int_equal(m.unknown_req[0], 0x0003);
	assert_int_equal(m.unknown_req[1], 0x7ffe);

	/* After MESSAGE-INTEGRITY everything but FINGERPRINT is ignored. */
	/* Append a SOFTWARE by hand, then a FINGERPRINT. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put_integrity(&e, "k", 1);
	e.integrity = false;		/* let the encoder go on */
	stun_put_software(&e, "late");
	stun_put(&e, 0x0042, "x", 1);	/* unknown, but ignored here */
	stun_put_fingerprint(&e);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_OK);
	assert_null(m.software.p);
	assert_int_equal(m.nunknown_req, 0);
	assert_true(m.has_fingerprint);
	/* The integrity still verifies: it covers only what precedes it. */
	assert_int_equal(stun_decode(buf, (size_t)len, &m), STUN_OK);
	assert_true(stun_check_integrity(buf, &m, "k", 1));

	/* Something after FINGERPRINT. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put_fingerprint(&e);
	e.fingerprint = false;
	stun_put(&e, 0x8022, "x", 1);
	len = stun_enc_end(&e);
	/* A correct CRC as the header now stands, so only the order is bad. */
	fp = (uint32_t)crc32(0, buf, 20) ^ STUN_FP_XOR;
	buf[24] = fp >> 24, buf[25] = fp >> 16, buf[26] = fp >> 8, buf[27] = fp;
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_E_AFTER_FP);
	/* A FINGERPRINT of the wrong length, or a wrong value. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put(&e, STUN_A_FINGERPRINT, "12345678", 8);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_E_ATTR);
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put(&e, STUN_A_FINGERPRINT, "1234", 4);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m),
			 STUN_E_FINGERPRINT);
	/* MESSAGE-INTEGRITY of the wrong length. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	stun_put(&e, STUN_A_MESSAGE_INTEGRITY, "1234", 4);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_E_ATTR);
	/* No MESSAGE-INTEGRITY: never verified. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_OK);
	assert_false(stun_check_integrity(buf, &m, "k", 1));

	/* ERROR-CODE: class out of 3-6, number over 99, too short. */
	for (i = 0; i < 3; i++) {
		static const uint8_t bad[3][4] = {
			{ 0, 0, 2, 0 }, { 0, 0, 4, 100 }, { 0, 0, 7, 0 },
		};

		stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_ERROR,
			      tid);
		stun_put(&e, STUN_A_ERROR_CODE, bad[i], 4);
		len = stun_enc_end(&e);
		assert_int_equal(decode_copy(buf, (size_t)len, &m),
				 STUN_E_ATTR);
	}
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_ERROR, tid);
	stun_put(&e, STUN_A_ERROR_CODE, "\0\0\4", 3);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_E_ATTR);
	/* UNKNOWN-ATTRIBUTES of odd length. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_ERROR, tid);
	stun_put_error(&e, 420, NULL);
	stun_put(&e, STUN_A_UNKNOWN_ATTRIBUTES, "\0\3\0", 3);
	len = stun_enc_end(&e);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_E_ATTR);
	/* Over-long SOFTWARE and USERNAME. */
	{
		static uint8_t big[800];

		stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING,
			      STUN_SUCCESS, tid);
		stun_put(&e, STUN_A_USERNAME, big, 513);
		len = stun_enc_end(&e);
		assert_true(len < 0);	/* our buffer is 512 bytes */
		{
			uint8_t *b = malloc(1024);

			assert_non_null(b);
			stun_enc_init(&e, b, 1024, STUN_BINDING,
				      STUN_SUCCESS, tid);
			stun_put(&e, STUN_A_USERNAME, big, 513);
			len = stun_enc_end(&e);
			assert_int_equal(decode_copy(b, (size_t)len, &m),
					 STUN_E_ATTR);
			stun_enc_init(&e, b, 1024, STUN_BINDING,
				      STUN_SUCCESS, tid);
			stun_put(&e, STUN_A_SOFTWARE, big, 764);
			len = stun_enc_end(&e);
			assert_int_equal(decode_copy(b, (size_t)len, &m),
					 STUN_E_ATTR);
			free(b);
		}
	}

	/* Many empty attributes (the nearest thing to a loop) end. */
	stun_enc_init(&e, buf, sizeof(buf), STUN_BINDING, STUN_REQUEST, tid);
	for (i = 0; i < 100; i++)
		stun_put(&e, zero_len_types[i % 3], NULL, 0);
	len = stun_enc_end(&e);
	assert_int_equal(len, 20 + 400);
	assert_int_equal(decode_copy(buf, (size_t)len, &m), STUN_OK);
}

/* Everything the decoder returns lies inside the buffer. */
static void check_inside(const uint8_t *buf, size_t len,
			 const struct stun_bytes *b)
{
	if (!b->p)
		return;
	assert_true(b->p >= buf && b->p + b->len <= buf + len);
}

static void test_fuzz(void **state)
{
	uint8_t good[128];
	struct stun_msg m;
	size_t glen, len, i;
	int iter, ok = 0;

	(void)state;
	srand(8489);
	glen = sample(good, sizeof(good), true);
	for (iter = 0; iter < 30000; iter++) {
		uint8_t *b;

		if (iter % 2) {
			/* Random bytes, often with a STUN-looking header. */
			len = (size_t)rand() % 200;
			b = malloc(len ? len : 1);
			assert_non_null(b);
			rand_bytes(b, len);
			if (len >= 20 && rand() % 4) {
				b[0] &= 0x01;
				b[2] = (uint8_t)((len - 20) >> 8);
				b[3] = (uint8_t)(len - 20);
				b[4] = 0x21, b[5] = 0x12;
				b[6] = 0xa4, b[7] = 0x42;
			}
		} else {
			/* The good message with a few bytes changed. */
			len = glen;
			b = malloc(len);
			assert_non_null(b);
			memcpy(b, good, len);
			for (i = 0; i < 1 + (size_t)rand() % 3; i++)
				b[20 + (size_t)rand() % (len - 20)] =
					(uint8_t)rand();
		}
		if (stun_decode(b, len, &m) == STUN_OK) {
			ok++;
			assert_int_equal(m.len, len);
			check_inside(b, len, &m.software);
			check_inside(b, len, &m.username);
			check_inside(b, len, &m.flow_token);
			check_inside(b, len, &m.reason);
			if (m.integrity_off)
				assert_true(m.integrity_off + 24 <= len);
			(void)stun_check_integrity(b, &m, "k", 1);
		}
		free(b);
	}
	/* Some random messages parse (no FINGERPRINT to protect them). */
	assert_true(ok > 0);
}

static void test_frame(void **state)
{
	uint8_t buf[256];
	size_t len, n = 0, i;

	(void)state;
	len = sample(buf, sizeof(buf), true);
	for (i = 0; i < len; i++)
		assert_int_equal(stun_frame(buf, i, 1024, &n), 0);
	assert_int_equal(stun_frame(buf, len, 1024, &n), 1);
	assert_int_equal(n, len);
	memcpy(buf + len, "REGISTER", 8);
	assert_int_equal(stun_frame(buf, len + 8, 1024, &n), 1);
	assert_int_equal(n, len);
	assert_int_equal(stun_frame(buf, len, len - 1, &n), -1);
	assert_int_equal(stun_frame((const uint8_t *)"REGISTER", 8, 1024, &n),
			 -1);
	buf[5] = 0;		/* cookie */
	assert_int_equal(stun_frame(buf, 6, 1024, &n), -1);
	buf[5] = 0x12;
	buf[3] |= 1;		/* length not a multiple of 4 */
	assert_int_equal(stun_frame(buf, 4, 1024, &n), -1);

	assert_true(stun_is_stun(buf, len));
	assert_false(stun_is_stun(buf, 19));
	assert_false(stun_is_stun((const uint8_t *)"INVITE sip:a@b SIP/2.0\r\n",
				  24));
	assert_string_equal(stun_strstatus(STUN_E_AFTER_FP),
			    "an attribute after FINGERPRINT");
	assert_string_equal(stun_strstatus(__STUN_E_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_rfc5769_request),
		cmocka_unit_test(test_rfc5769_ipv4),
		cmocka_unit_test(test_rfc5769_ipv6),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_flow_token_padding),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_encoder_limits),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_attr_rules),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
