// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz harness: the INFO binding body (userspace/hmmpd/sip/body.c,
 * docs/binding-body.md).
 *
 * Input: the Content-Type value, a LF, then the body (no LF: all of it is
 * the body, with the native media type). The body is copied into a buffer
 * of exactly its size, so that reading past len is an ASan error.
 *
 * Checked beyond "no crash": a refusal has a documented status and a
 * printable reason; an accepted body obeys hmmpd_body_check(), builds, and
 * the built body parses back to the same bindings (the encoder against
 * the decoder); the answer parser accepts only what the request parser
 * accepts too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/linux/hmmp.h>

#include "sip/body.h"

static void check_err(int st, const struct hmmpd_body_err *err)
{
	const char *p;

	if (st != 400 && st != 413 && st != 415 && st != 500)
		abort();
	if (err->status != st || !err->reason[0])
		abort();
	for (p = err->reason; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
}

static void same(const struct hmmpd_body *a, const struct hmmpd_body *b)
{
	unsigned int i;

	if (a->nbind != b->nbind || a->nconn != b->nconn)
		abort();
	for (i = 0; i < a->nbind; i++) {
		const struct hmmpd_bind *x = &a->bind[i], *y = &b->bind[i];

		if (x->orig != y->orig || x->coa != y->coa ||
		    x->lifetime != y->lifetime || x->port != y->port ||
		    x->encap != y->encap || x->kind != y->kind ||
		    x->first_conn != y->first_conn || x->nconn != y->nconn)
			abort();
	}
	if (a->nconn && memcmp(a->conn, b->conn, a->nconn * sizeof(*a->conn)))
		abort();
}

static void roundtrip(const struct hmmpd_body *b)
{
	static const struct hmmpd_body_defaults none = { 0 };
	struct hmmpd_body_err err;
	struct hmmpd_body again;
	char *out;
	int n;

	if (hmmpd_body_check(b, &err))
		abort();
	n = hmmpd_body_build(b, NULL, 0, &err);
	if (n <= 0)
		abort();
	out = malloc((size_t)n + 1);
	if (!out)
		abort();
	if (hmmpd_body_build(b, out, (size_t)n + 1, &err) != n)
		abort();
	hmmpd_body_init(&again);
	if (hmmpd_body_parse(HMMPD_BODY_TYPE, out, (size_t)n, &none, &again, &err))
		abort();
	same(b, &again);
	hmmpd_body_free(&again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hmmpd_body_defaults def = {
		.lifetime = 300, .encap = HMMP_ENCAP_IPIP,
	};
	const uint8_t *nl = memchr(data, '\n', size);
	char ctype[256] = HMMPD_BODY_TYPE, *buf;
	struct hmmpd_body b;
	struct hmmpd_body_err err;
	size_t len = size;
	int st, st_answer;

	if (nl) {
		size_t clen = (size_t)(nl - data);

		if (clen >= sizeof(ctype))
			return 0;
		memcpy(ctype, data, clen);
		ctype[clen] = '\0';
		data = nl + 1;
		len = size - clen - 1;
	}
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, len);

	hmmpd_body_init(&b);
	st = hmmpd_body_parse(ctype[0] ? ctype : NULL, buf, len, &def, &b, &err);
	if (st)
		check_err(st, &err);
	else
		roundtrip(&b);

	st_answer = hmmpd_body_parse_answer(ctype[0] ? ctype : NULL, buf, len, &b, &err);
	if (st_answer)
		check_err(st_answer, &err);
	else if (st)
		abort();	/* an answer is a stricter request */
	else
		roundtrip(&b);
	hmmpd_body_free(&b);
	free(buf);
	return 0;
}
