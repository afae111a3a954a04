// SPDX-License-Identifier: GPL-2.0
/*
 * hmmp userspace: text and JSON output from the same calls (see print.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "util.h"

/* A text table: collected cell by cell, printed aligned when closed. */
struct pr_table {
	char *key;		/* the array's key: column of bare elements */
	size_t ncols, nrows, cap_rows;
	char **cols;		/* column names, in order of first use */
	char ***rows;		/* rows[r][c], NULL = no value */
};

void pr_init(struct hmmp_pr *p, FILE *out, bool json)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->json = json;
}

static void table_free(struct pr_table *t)
{
	size_t r, c;

	if (!t)
		return;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	for (c = 0; c < t->ncols; c++)
		free(t->cols[c]);
	free(t->rows);
	free(t->cols);
	free(t->key);
	free(t);
}

int pr_end(struct hmmp_pr *p)
{
	if (p->depth)
		p->failed = true;
	table_free(p->table);
	p->table = NULL;
	if (fflush(p->out) || ferror(p->out))
		p->failed = true;
	return p->failed ? -1 : 0;
}

static struct pr_level *cur(struct hmmp_pr *p)
{
	return p->depth ? &p->lvl[p->depth - 1] : NULL;
}

static char cur_shape(struct hmmp_pr *p)
{
	return p->depth ? p->lvl[p->depth - 1].shape : 'o';
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	int n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (c == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;	/* overlong */
	else if (c == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void pr_json_string(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	putc('"', out);
	while (*u) {
		unsigned char c = *u;
		int n;

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20) {
				fprintf(out, "\\u%04x", c);
			} else if (c < 0x80) {
				putc(c, out);
			} else {
				n = utf8_len(u);
				if (!n) {
					fputs("\\ufffd", out);
					break;
				}
				fwrite(u, 1, (size_t)n, out);
				u += n;
				continue;
			}
		}
		u++;
	}
	putc('"', out);
}

/* Separator and key before a JSON member; false when the key is missing. */
static bool json_member(struct hmmp_pr *p, const char *key)
{
	struct pr_level *l = cur(p);

	if (!l)
		return true;
	if (l->count++)
		putc(',', p->out);
	if (l->type == 'a')
		return true;
	if (!key) {
		p->failed = true;
		key = "";
	}
	pr_json_string(p->out, key);
	putc(':', p->out);
	return true;
}

/* ---- text ---- */

static char *xstrdup(struct hmmp_pr *p, const char *s)
{
	char *d = strdup(s);

	if (!d)
		p->failed = true;
	return d;
}

static int table_col(struct hmmp_pr *p, struct pr_table *t, const char *key)
{
	size_t c, r;
	char **cols;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c], key))
			return (int)c;
	cols = realloc(t->cols, (t->ncols + 1) * sizeof(*cols));
	if (!cols)
		goto err;
	t->cols = cols;
	for (r = 0; r < t->nrows; r++) {
		char **row = realloc(t->rows[r], (t->ncols + 1) * sizeof(*row));

		if (!row)
			goto err;
		row[t->ncols] = NULL;
		t->rows[r] = row;
	}
	cols[t->ncols] = xstrdup(p, key);
	if (!cols[t->ncols])
		goto err;
	return (int)t->ncols++;
err:
	p->failed = true;
	return -1;
}

static int table_row(struct hmmp_pr *p, struct pr_table *t)
{
	char **row;

	if (t->nrows == t->cap_rows) {
		size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
		char ***rows = realloc(t->rows, cap * sizeof(*rows));

		if (!rows)
			goto err;
		t->rows = rows;
		t->cap_rows = cap;
	}
	row = calloc(t->ncols ? t->ncols : 1, sizeof(*row));
	if (!row)
		goto err;
	t->rows[t->nrows++] = row;
	return 0;
err:
	p->failed = true;
	return -1;
}

static void table_cell(struct hmmp_pr *p, const char *key, const char *val)
{
	struct pr_table *t = p->table;
	int c;

	if (!t || !t->nrows)
		return;
	c = table_col(p, t, key ? key : "");
	if (c < 0)
		return;
	free(t->rows[t->nrows - 1][c]);
	t->rows[t->nrows - 1][c] = xstrdup(p, val);
}

static void table_print(struct hmmp_pr *p, struct pr_table *t)
{
	size_t *w, r, c;

	if (!t->nrows)
		return;
	w = calloc(t->ncols, sizeof(*w));
	if (!w) {
		p->failed = true;
		return;
	}
	for (c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->cols[c]);
		for (r = 0; r < t->nrows; r++) {
			const char *v = t->rows[r][c] ? t->rows[r][c] : "-";

			if (strlen(v) > w[c])
				w[c] = strlen(v);
		}
	}
	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *v = !r ? t->cols[c] :
				t->rows[r - 1][c] ? t->rows[r - 1][c] : "-";

			if (c + 1 < t->ncols)
				fprintf(p->out, "%-*s  ", (int)w[c], v);
			else
				fprintf(p->out, "%s\n", v);
		}
	}
	free(w);
}

static void text_value(struct hmmp_pr *p, unsigned int flags, const char *key,
		       const char *val)
{
	struct pr_level *l = cur(p);
	bool nokey = (flags & PR_NOKEY) || !key;

	switch (cur_shape(p)) {
	case 'a':
		if (l->type == 'a') {
			/* a bare element of a table: a row of its own */
			if (p->table && table_row(p, p->table) == 0)
				table_cell(p, p->table->key, val);
		} else {
			table_cell(p, key, val);
		}
		l->count++;
		break;
	case 'l':
		fprintf(p->out, "%s%s%s%s", p->tokens++ ? " " : "",
			nokey ? "" : key, nokey ? "" : " ", val);
		break;
	default:
		if (nokey)
			fprintf(p->out, "%s\n", val);
		else
			fprintf(p->out, "%s %s\n", key, val);
		if (l)
			l->count++;
	}
}

/* ---- containers ---- */

static bool push(struct hmmp_pr *p, char type, char shape)
{
	if (p->depth == PR_MAX_DEPTH) {
		p->failed = true;
		return false;
	}
	p->lvl[p->depth].type = type;
	p->lvl[p->depth].shape = shape;
	p->lvl[p->depth].count = 0;
	p->depth++;
	return true;
}

static void open_container(struct hmmp_pr *p, const char *key, char type)
{
	char parent = cur_shape(p);
	char shape;

	if (p->json) {
		json_member(p, key);
		putc(type == 'a' ? '[' : '{', p->out);
		push(p, type, type);
		return;
	}
	if (type == 'a') {
		if (p->table) {
			/* one table at a time; nested arrays have no text form */
			p->failed = true;
			push(p, type, parent);
			return;
		}
		p->table = calloc(1, sizeof(*p->table));
		if (!p->table || !(p->table->key = xstrdup(p, key ? key : ""))) {
			p->failed = true;
			free(p->table);
			p->table = NULL;
			push(p, 'a', parent);
			return;
		}
		if (cur(p))
			cur(p)->count++;
		push(p, 'a', 'a');
		return;
	}
	if (parent == 'a') {
		struct pr_level *l = cur(p);

		if (l->type == 'a' && p->table)
			table_row(p, p->table);	/* a new row */
		shape = 'a';
	} else if (parent == 'l' || type == 'l') {
		shape = 'l';
	} else {
		shape = 'o';
	}
	if (cur(p))
		cur(p)->count++;
	if (push(p, type, shape) && shape == 'l' && parent != 'l')
		p->tokens = 0;	/* an outermost line starts */
}

static void close_container(struct hmmp_pr *p, char type)
{
	struct pr_level *l = cur(p);
	char parent;

	if (!l || l->type != type) {
		p->failed = true;
		return;
	}
	p->depth--;
	parent = cur_shape(p);
	if (p->json) {
		putc(type == 'a' ? ']' : '}', p->out);
		if (!p->depth)
			putc('\n', p->out);
		return;
	}
	if (type == 'a' && l->shape == 'a' && parent != 'a' && p->table) {
		table_print(p, p->table);
		table_free(p->table);
		p->table = NULL;
	} else if (l->shape == 'l' && parent != 'l') {
		putc('\n', p->out);
	}
}

void pr_open_object(struct hmmp_pr *p, const char *key)
{
	open_container(p, key, 'o');
}

void pr_close_object(struct hmmp_pr *p)
{
	close_container(p, 'o');
}

void pr_open_array(struct hmmp_pr *p, const char *key)
{
	open_container(p, key, 'a');
}

void pr_close_array(struct hmmp_pr *p)
{
	close_container(p, 'a');
}

void pr_open_line(struct hmmp_pr *p, const char *key)
{
	open_container(p, key, 'l');
}

void pr_close_line(struct hmmp_pr *p)
{
	close_container(p, 'l');
}

/* ---- values ---- */

static bool skip(struct hmmp_pr *p, unsigned int flags)
{
	return (p->json && (flags & PR_TEXT)) || (!p->json && (flags & PR_JSON));
}

static void json_scalar_end(struct hmmp_pr *p)
{
	if (!p->depth)
		putc('\n', p->out);
}

void pr_str(struct hmmp_pr *p, unsigned int flags, const char *key,
	    const char *val)
{
	if (skip(p, flags))
		return;
	if (!val)
		val = "";
	if (p->json) {
		json_member(p, key);
		pr_json_string(p->out, val);
		json_scalar_end(p);
		return;
	}
	text_value(p, flags, key, val);
}

void pr_u64(struct hmmp_pr *p, unsigned int flags, const char *key,
	    uint64_t val)
{
	char buf[24];

	if (skip(p, flags))
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64, val);
	if (p->json) {
		json_member(p, key);
		fputs(buf, p->out);
		json_scalar_end(p);
		return;
	}
	text_value(p, flags, key, buf);
}

void pr_bool(struct hmmp_pr *p, unsigned int flags, const char *key, bool val)
{
	if (skip(p, flags))
		return;
	if (p->json) {
		json_member(p, key);
		fputs(val ? "true" : "false", p->out);
		json_scalar_end(p);
		return;
	}
	text_value(p, flags, key, val ? "yes" : "no");
}

void pr_addr(struct hmmp_pr *p, unsigned int flags, const char *key,
	     uint32_t be32)
{
	char buf[HMMP_ADDRSTRLEN];

	pr_str(p, flags, key, hmmp_addr_format(be32, buf));
}

void pr_text(struct hmmp_pr *p, const char *fmt, ...)
{
	va_list ap;

	if (p->json)
		return;
	switch (cur_shape(p)) {
	case 'a':
		return;		/* tables have no room for free text */
	case 'l':
		if (p->tokens++)
			putc(' ', p->out);
		break;
	default:
		break;
	}
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
}
