/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict little JSON reader for tests (RFC 8259): checks that output
 * parses, and decodes strings so escaping can be checked both ways.
 * No dependencies; not for production use.
 */
#ifndef HMMP_JSON_CHECK_H
#define HMMP_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static const char *js_value(const char *s, int depth);

static const char *js_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static int js_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append code point cp as UTF-8. */
static char *js_put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * A string at s (at its opening quote); decoded into out (may be NULL,
 * else as long as the input). Returns the end, or NULL if invalid.
 */
static const char *js_string(const char *s, char *out)
{
	if (*s++ != '"')
		return NULL;
	while (*s != '"') {
		unsigned char c = (unsigned char)*s;

		if (!c || c < 0x20)
			return NULL;	/* raw control characters are invalid */
		if (c != '\\') {
			if (out)
				*out++ = (char)c;
			s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"': case '\\': case '/':
			if (out)
				*out++ = *s;
			break;
		case 'b': if (out) *out++ = '\b'; break;
		case 'f': if (out) *out++ = '\f'; break;
		case 'n': if (out) *out++ = '\n'; break;
		case 'r': if (out) *out++ = '\r'; break;
		case 't': if (out) *out++ = '\t'; break;
		case 'u': {
			unsigned int cp = 0;
			int i;

			for (i = 1; i <= 4; i++) {
				int h = js_hex(s[i]);

				if (h < 0)
					return NULL;
				cp = cp << 4 | (unsigned int)h;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				return NULL;	/* the printer never needs pairs */
			if (out)
				out = js_put_utf8(out, cp);
			s += 4;
			break;
		}
		default:
			return NULL;
		}
		s++;
	}
	if (out)
		*out = '\0';
	return s + 1;
}

static const char *js_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return NULL;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return NULL;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return NULL;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return s;
}

static const char *js_container(const char *s, int depth, char close)
{
	s = js_ws(s + 1);
	if (*s == close)
		return s + 1;
	while (1) {
		if (close == '}') {
			s = js_string(s, NULL);
			if (!s)
				return NULL;
			s = js_ws(s);
			if (*s++ != ':')
				return NULL;
		}
		s = js_value(s, depth + 1);
		if (!s)
			return NULL;
		s = js_ws(s);
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
	}
}

static const char *js_value(const char *s, int depth)
{
	if (depth > 32)
		return NULL;
	s = js_ws(s);
	switch (*s) {
	case '{':
		return js_container(s, depth, '}');
	case '[':
		return js_container(s, depth, ']');
	case '"':
		return js_string(s, NULL);
	case 't':
		return strncmp(s, "true", 4) ? NULL : s + 4;
	case 'f':
		return strncmp(s, "false", 5) ? NULL : s + 5;
	case 'n':
		return strncmp(s, "null", 4) ? NULL : s + 4;
	default:
		return js_number(s);
	}
}

/* One JSON document per line ("JSON lines"), at least one. */
static inline bool json_lines_valid(const char *s)
{
	int n = 0;

	while (*s) {
		const char *e = js_value(s, 0);

		if (!e || *e != '\n')
			return false;
		s = e + 1;
		n++;
	}
	return n > 0;
}

#endif /* HMMP_JSON_CHECK_H */
