/* fuzz-sources: src/import.c src/csv.c src/invoice.c src/money.c src/date.c src/text.c src/strlist.c src/buf.c src/err.c */
/*
 * fuzz_import.c -- an accounting export of arbitrary bytes through
 * import_parse: header detection, column names, amounts, dates, credit
 * notes, totals rows. Besides "no crash, no leak", checks what the CLI
 * relies on: either errors and no invoice, or invoices and no error; each
 * message starts with "in.csv:"; every invoice has a number, a customer,
 * a contact and an amount due that is neither negative nor above its
 * original amount.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(const struct import_result *r, const struct strlist *errors, int n)
{
	if (n < 0)
		return;
	if ((size_t)n != errors->n)
		abort();
	for (size_t i = 0; i < errors->n; i++)
		if (strncmp(errors->v[i], "in.csv:", 7) != 0)
			abort();
	for (size_t i = 0; i < r->warnings.n; i++)
		if (strncmp(r->warnings.v[i], "in.csv:", 7) != 0)
			abort();
	if (n > 0)
		return;
	for (size_t i = 0; i < r->n; i++) {
		const struct invoice *inv = &r->invoices[i];

		if (inv->number == NULL || inv->customer == NULL ||
		    inv->contacts.n == 0 || inv->amount_due < 0 ||
		    (inv->amount_original >= 0 &&
		     inv->amount_due > inv->amount_original))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strlist profiles = STRLIST_INIT, langs = STRLIST_INIT,
	               errors = STRLIST_INIT;
	struct import_result r;
	struct import_opts opts = {&profiles, &langs, "default", "fr", "EUR"};
	int n;

	strlist_add(&profiles, "default");
	strlist_add(&langs, "fr");
	strlist_add(&langs, "en");
	n = import_parse("in.csv", (const char *)data, size, &opts, &r,
	                 &errors);
	fuzz_check(&r, &errors, n);
	import_result_free(&r);
	strlist_clear(&errors);
	strlist_clear(&profiles);
	strlist_clear(&langs);
	return 0;
}
