/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hmmp userspace: one set of print calls for text and JSON output, in the
 * manner of iproute2's json_print.
 *
 * The caller opens and closes objects and arrays and prints key/value
 * pairs; the printer renders them either as JSON (compact, one line per
 * top-level value, strings escaped) or as text. How text looks depends on
 * the container the value is in:
 *
 *   object (pr_open_object)  "key value" lines: the shape of stats, config
 *   array  (pr_open_array)   each object element is a table row; the
 *                            table is printed aligned, with a header of the
 *                            keys, when the array is closed
 *   line   (pr_open_line)    an object printed as one line of
 *                            space-separated "key value" tokens: the shape
 *                            of monitor events
 *
 * Nested containers inherit the text shape of their parent (an object in
 * an array is a row; an object in a line is more tokens).
 *
 * flags of the value calls: 0 prints in both modes, PR_JSON only in JSON,
 * PR_TEXT only in text; PR_NOKEY prints the value without its key in text.
 * pr_text() writes raw text in text mode (a token in a line; verbatim,
 * newline included, elsewhere) and nothing in JSON.
 *
 * The printer never fails half-way: misuse (unbalanced close, a key missing
 * inside an object, too deep) and allocation failures are remembered and
 * reported by pr_end().
 */
#ifndef HMMP_PRINT_H
#define HMMP_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PR_JSON		0x1u
#define PR_TEXT		0x2u
#define PR_NOKEY	0x4u

#define PR_MAX_DEPTH	8

struct pr_table;

struct hmmp_pr {
	FILE *out;
	bool json;
	bool failed;
	int depth;
	struct pr_level {
		char type;	/* 'o' object, 'a' array, 'l' line */
		char shape;	/* text shape: 'o' lines, 'a' table, 'l' line */
		unsigned int count;	/* members printed so far */
	} lvl[PR_MAX_DEPTH];
	unsigned int tokens;	/* tokens on the current text line */
	struct pr_table *table;	/* text table being collected */
};

void pr_init(struct hmmp_pr *p, FILE *out, bool json);
/* 0 when everything was printed and balanced, else -1. Frees memory. */
int pr_end(struct hmmp_pr *p);

void pr_open_object(struct hmmp_pr *p, const char *key);
void pr_close_object(struct hmmp_pr *p);
void pr_open_array(struct hmmp_pr *p, const char *key);
void pr_close_array(struct hmmp_pr *p);
void pr_open_line(struct hmmp_pr *p, const char *key);
void pr_close_line(struct hmmp_pr *p);

void pr_str(struct hmmp_pr *p, unsigned int flags, const char *key,
	    const char *val);
void pr_u64(struct hmmp_pr *p, unsigned int flags, const char *key,
	    uint64_t val);
void pr_bool(struct hmmp_pr *p, unsigned int flags, const char *key, bool val);
/* An IPv4 address in network byte order, as a dotted-quad string. */
void pr_addr(struct hmmp_pr *p, unsigned int flags, const char *key,
	     uint32_t be32);
void pr_text(struct hmmp_pr *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* JSON string escaping of s into out (RFC 8259; invalid UTF-8 -> U+FFFD). */
void pr_json_string(FILE *out, const char *s);

#endif /* HMMP_PRINT_H */
