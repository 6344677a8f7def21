/* fuzz-sources: src/invoice.c src/buf.c src/err.c src/strlist.c src/text.c src/date.c src/money.c */
/*
 * fuzz_invoice.c -- the invoice record decoder on arbitrary bytes.
 *
 * The state file's records are read back with invoice_decode(): a damaged
 * file (a torn write, a bad disk, a hand edit of a dump) is hostile input.
 * The input is not NUL-terminated, so that any read past its end shows.
 * Besides "no crash, no leak", checks that a record that decodes encodes
 * to a record that decodes again to the same encoding (what `relance fsck`
 * and every rewrite of the record rely on), and that the derived values
 * stay in range.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "invoice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct invoice inv, back;
	struct buf once = BUF_INIT, twice = BUF_INIT;
	struct err e = {{0}};
	int d;

	invoice_init(&inv);
	invoice_init(&back);
	if (invoice_decode((const char *)data, size, &inv, &e) == 0) {
		invoice_encode(&inv, &once);
		if (!buf_failed(&once)) {
			if (invoice_decode(once.data, once.len, &back, &e) != 0)
				abort();
			invoice_encode(&back, &twice);
			if (!buf_failed(&twice) &&
			    (once.len != twice.len ||
			     memcmp(once.data, twice.data, once.len) != 0))
				abort();
		}
		d = invoice_decimals(&inv);
		if (d < 0 || d > 3)
			abort();
		(void)invoice_effective_state(&inv, (struct date){2026, 6, 1});
	} else if (e.msg[0] == '\0')
		abort();
	invoice_free(&inv);
	invoice_free(&back);
	buf_free(&once);
	buf_free(&twice);
	return 0;
}
