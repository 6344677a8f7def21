/*
 * json.c -- writing JSON values into a buffer.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "json.h"
#include "text.h"

void
json_string(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left;

	if (s == NULL) {
		buf_puts(out, "null");
		return;
	}
	buf_putc(out, '"');
	left = strlen(s);
	while (left > 0) {
		size_t n = 1;

		if (*p == '"' || *p == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)*p);
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			buf_putc(out, '\\');
			buf_putc(out, *p == '\n'   ? 'n'
			              : *p == '\r' ? 'r'
			                           : 't');
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_printf(out, "\\u%04x", *p);
		} else if (*p < 0x80) {
			buf_putc(out, (char)*p);
		} else {
			/* Copy the longest valid UTF-8 sequence here. */
			for (n = 2; n <= 4 && n <= left; n++)
				if (text_utf8_valid((const char *)p, n))
					break;
			if (n > 4 || n > left) {
				buf_puts(out, "\\ufffd");
				n = 1;
			} else {
				buf_append(out, p, n);
			}
		}
		p += n;
		left -= n;
	}
	buf_putc(out, '"');
}

void
json_key(struct buf *out, const char *key, int first)
{
	if (!first)
		buf_putc(out, ',');
	json_string(out, key);
	buf_putc(out, ':');
}
