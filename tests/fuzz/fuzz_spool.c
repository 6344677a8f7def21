/* fuzz-sources: src/spool.c src/ledger.c src/store.c src/invoice.c src/track.c src/buf.c src/err.c src/strlist.c src/text.c src/date.c src/money.c */
/* fuzz-libs: -lgdbm -lpthread */
/*
 * fuzz_spool.c -- a spool file from arbitrary bytes (a damaged disk, a
 * hand edit): read, and if it reads, applied to an invoice in memory and
 * written again. Besides "no crash, no leak", checks that what is written
 * reads back to the same event.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_same(const struct spool_event *a, const struct spool_event *b)
{
	if (strcmp(a->kind, b->kind) != 0 || a->time != b->time ||
	    a->keys.n != b->keys.n)
		abort();
	for (size_t i = 0; i < a->keys.n; i++)
		if (strcmp(a->keys.v[i], b->keys.v[i]) != 0 ||
		    strcmp(a->values.v[i], b->values.v[i]) != 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_event ev, back;
	struct invoice inv;
	struct buf b = BUF_INIT;
	struct err e;

	memset(&ev, 0, sizeof(ev));
	memset(&back, 0, sizeof(back));
	if (spool_decode((const char *)data, size, &ev, &e) == 0) {
		spool_encode(&ev, &b);
		if (!buf_failed(&b)) {
			if (spool_decode(b.data, b.len, &back, &e) != 0)
				abort();
			check_same(&ev, &back);
		}
		invoice_init(&inv);
		inv.number = strdup("F1");
		if (spool_apply_invoice(&inv, &ev, &e) == 1 &&
		    spool_apply_invoice(&inv, &ev, &e) != 0)
			abort();
		invoice_free(&inv);
	}
	spool_event_free(&ev);
	spool_event_free(&back);
	buf_free(&b);
	return 0;
}
