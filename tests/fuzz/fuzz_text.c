/* fuzz-sources: src/quote.c src/extract.c src/buf.c src/err.c src/strlist.c src/date.c src/money.c src/text.c */
/*
 * fuzz_text.c -- the reading of replies (quote.h, extract.h) on arbitrary
 * bytes.
 *
 * The input becomes a C string (cut at its first NUL), as the callers pass
 * one. The reference day is taken from the first two bytes, so the corpus
 * steers it across months and years. Besides "no crash, no leak", checks
 * what callers rely on: neither part of a split (nor of a forward) is
 * longer than the text plus one newline per line, a forward has a
 * sender and leaves nothing behind when there is none, a date found is a real
 * day inside the text, and no more amounts come back than asked for.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_split(const char *text, size_t len)
{
	struct buf fresh = BUF_INIT, quoted = BUF_INIT;
	size_t lines = 1;

	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	quote_split(text, &fresh, &quoted);
	if (buf_failed(&fresh) || buf_failed(&quoted) ||
	    fresh.len + quoted.len > len + lines)
		abort();
	buf_free(&fresh);
	buf_free(&quoted);
	/* The text itself as a quoted part that may be a forward. */
	if (quote_forward(text, &fresh, &quoted)
	        ? fresh.len == 0 || fresh.len + quoted.len > len + lines
	        : fresh.len + quoted.len > 0)
		abort();
	buf_free(&fresh);
	buf_free(&quoted);
}

static void
fuzz_dates(const char *text, size_t len, struct date ref)
{
	static const char *const cues[] = {"de retour", "back on", "jusqu'au",
	                                   "until",     "le",      NULL};
	struct date d;
	size_t at, n;

	if (extract_date(text, ref, &d, &at, &n) == 0 &&
	    (!date_valid(d) || n == 0 || at + n > len))
		abort();
	if (extract_date_after(text, cues, ref, &d) == 0 && !date_valid(d))
		abort();
	if (extract_date_future(text, ref, &d, &at, &n) == 0 &&
	    (!date_valid(d) || n == 0 || at + n > len))
		abort();
	if (extract_date_after_future(text, cues, ref, &d) == 0 &&
	    !date_valid(d))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct date ref = {2026, 11, 23};
	int64_t amounts[EXTRACT_MAX_AMOUNTS];
	size_t len;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);
	if (size >= 2)
		ref =
		    date_add_days(ref, (long)(data[0] | data[1] << 8) - 32768);
	fuzz_split(text, len);
	fuzz_dates(text, len, ref);
	if (extract_amounts(text, amounts, EXTRACT_MAX_AMOUNTS) >
	    EXTRACT_MAX_AMOUNTS)
		abort();
	free(text);
	return 0;
}
