/*
 * text.c -- small, pure helpers for UTF-8 text from the outside world.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "text.h"

/* Length of the valid UTF-8 sequence at S (at most LEFT bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t left, uint32_t *cp)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool
text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_seq(p, len, &cp);

		if (n == 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static void
put_utf8(struct buf *out, uint32_t c)
{
	char b[4];

	if (c < 0x80) {
		buf_putc(out, (char)c);
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		buf_append(out, b, 2);
	} else {
		b[0] = (char)(0xe0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		buf_append(out, b, 3);
	}
}

void
text_cp1252_to_utf8(const char *s, size_t len, struct buf *out)
{
	/* 0x80..0x9f in Windows-1252; 0xfffd where the code page has a hole. */
	static const uint16_t c1[32] = {
	    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178};

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		put_utf8(out, c >= 0x80 && c < 0xa0 ? c1[c - 0x80] : c);
	}
}

/* The unaccented lower-case form of a Latin code point, or NULL. */
static const char *
fold_latin(uint32_t c)
{
	static const char *const latin1[64] = {
	    "a",  "a",  "a", "a", "a", "a",  "ae", "c",  "e",  "e",  "e",
	    "e",  "i",  "i", "i", "i", "d",  "n",  "o",  "o",  "o",  "o",
	    "o",  NULL, "o", "u", "u", "u",  "u",  "y",  "th", "ss", "a",
	    "a",  "a",  "a", "a", "a", "ae", "c",  "e",  "e",  "e",  "e",
	    "i",  "i",  "i", "i", "d", "n",  "o",  "o",  "o",  "o",  "o",
	    NULL, "o",  "u", "u", "u", "u",  "y",  "th", "y"};

	if (c >= 0xc0 && c <= 0xff)
		return latin1[c - 0xc0];
	switch (c) {
	case 0x152:
	case 0x153:
		return "oe";
	case 0x178:
		return "y";
	case 0x160:
	case 0x161:
		return "s";
	case 0x17d:
	case 0x17e:
		return "z";
	default:
		return NULL;
	}
}

void
text_fold(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);
	uint32_t cp;

	while (left > 0) {
		size_t n = utf8_seq(p, left, &cp);
		const char *f;

		if (n == 0) {
			buf_putc(out, (char)*p);
			n = 1;
		} else if (cp >= 'A' && cp <= 'Z') {
			buf_putc(out, (char)(cp - 'A' + 'a'));
		} else if ((f = fold_latin(cp)) != NULL) {
			buf_puts(out, f);
		} else {
			buf_append(out, p, n);
		}
		p += n;
		left -= n;
	}
}

char *
text_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	                 s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

bool
text_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void
text_fit(const char *s, size_t width, bool pad, struct buf *out)
{
	size_t w = text_width(s), used = 0;

	if (w <= width) {
		buf_puts(out, s);
		used = w;
	} else if (width > 0) {
		/* Copy width - 1 code points, then the ellipsis. */
		const char *p = s;

		while (*p != '\0' && used < width - 1) {
			p++;
			while (((unsigned char)*p & 0xc0) == 0x80)
				p++;
			used++;
		}
		buf_append(out, s, (size_t)(p - s));
		buf_puts(out, "\xe2\x80\xa6");
		used++;
	}
	while (pad && used++ < width)
		buf_putc(out, ' ');
}

void
text_escape(const char *s, struct buf *out)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			buf_puts(out, "\\\\");
		else if (c == '\t')
			buf_puts(out, "\\t");
		else if (c == '\n')
			buf_puts(out, "\\n");
		else if (c == '\r')
			buf_puts(out, "\\r");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(out, "\\x%02x", c);
		else
			buf_putc(out, (char)c);
	}
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
text_unescape(const char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '\\') {
			buf_putc(out, s[i]);
			continue;
		}
		if (++i == len)
			return -1;
		if (s[i] == '\\')
			buf_putc(out, '\\');
		else if (s[i] == 't')
			buf_putc(out, '\t');
		else if (s[i] == 'n')
			buf_putc(out, '\n');
		else if (s[i] == 'r')
			buf_putc(out, '\r');
		else if (s[i] == 'x' && i + 2 < len &&
		         (hi = hex_value(s[i + 1])) >= 0 &&
		         (lo = hex_value(s[i + 2])) >= 0 && (hi | lo) != 0) {
			buf_putc(out, (char)(hi << 4 | lo));
			i += 2;
		} else
			return -1;
	}
	buf_append(out, "", 0);
	return 0;
}

void
text_printable(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_seq(p, len, &cp);

		if (n == 0 || *p < 0x20 || *p == 0x7f) {
			buf_putc(out, '?');
			n = 1;
		} else
			buf_append(out, (const char *)p, n);
		p += n;
		len -= n;
	}
}
