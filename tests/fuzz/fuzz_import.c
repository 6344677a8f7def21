/* fuzz-sources: src/import.c src/csv.c src/invoice.c src/buf.c src/err.c src/strlist.c src/text.c src/date.c src/money.c */
/*
 * fuzz_import.c -- `relance import`'s reading of an accounting export on
 * arbitrary bytes: the header found below title lines, the columns by
 * their names, the values checked (amounts as exports write them, dates
 * in the order the file proves), totals rows and notes skipped, credit
 * notes taken off invoices, Windows-1252 converted.
 *
 * The input is not NUL-terminated, so that any read past its end shows.
 * Besides "no crash, no leak", checks what the import relies on: the count
 * returned is the count of errors added, every error and warning names the
 * file, in printable UTF-8; an import without errors holds invoices whose
 * number, customer, contacts, currency, dates and amount passed their
 * checks, none due more than its original amount (credit notes included),
 * and each goes through the state file's record and back unchanged; and
 * import_each (the CLI's two readings) says and hands over exactly what
 * import_parse (one reading, everything held) says and holds.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "money.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_prefix(const struct strlist *l, const char *prefix)
{
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i], prefix, strlen(prefix)) != 0 ||
		    !text_utf8_valid(l->v[i], strlen(l->v[i])) ||
		    text_has_ctl(l->v[i]))
			abort();
}

static void
check_same(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		abort();
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			abort();
}

/* INV goes through invoice_encode and invoice_decode unchanged. */
static void
check_record(const struct invoice *inv)
{
	struct invoice back;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct err e = {{0}};

	invoice_init(&back);
	invoice_encode(inv, &a);
	if (!buf_failed(&a)) {
		if (invoice_decode(a.data, a.len, &back, &e) != 0)
			abort();
		invoice_encode(&back, &b);
		if (!buf_failed(&b) &&
		    (a.len != b.len || memcmp(a.data, b.data, a.len) != 0))
			abort();
	}
	invoice_free(&back);
	buf_free(&a);
	buf_free(&b);
}

static void
check_invoice(const struct invoice *inv)
{
	if (inv->number == NULL || inv->number[0] == '\0' ||
	    inv->customer == NULL || inv->customer[0] == '\0' ||
	    inv->contacts.n == 0 || inv->contacts.n > INVOICE_MAX_CONTACTS ||
	    money_currency_decimals(inv->currency) < 0 ||
	    !date_valid(inv->issue_date) || !date_valid(inv->due_date) ||
	    inv->amount_due < 0 ||
	    (inv->amount_original >= 0 &&
	     inv->amount_due > inv->amount_original))
		abort();
	check_record(inv);
}

/* What import_each hands over: each invoice's record, in order. */
static int
keep_record(const struct invoice *inv, void *arg)
{
	struct strlist *records = arg;
	struct buf a = BUF_INIT;

	invoice_encode(inv, &a);
	if (!buf_failed(&a))
		strlist_add(records, buf_cstr(&a));
	buf_free(&a);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strlist profiles = STRLIST_INIT, langs = STRLIST_INIT;
	struct strlist errors = STRLIST_INIT, errors2 = STRLIST_INIT;
	struct strlist records = STRLIST_INIT, records2 = STRLIST_INIT;
	struct import_opts o = {&profiles, &langs, "default", "fr", "EUR", NULL};
	struct import_result r, r2;
	int rc, rc2;

	strlist_add(&profiles, "default");
	strlist_add(&profiles, "good");
	strlist_add(&profiles, "bad");
	strlist_add(&langs, "fr");
	strlist_add(&langs, "en");
	memset(&r, 0, sizeof(r));
	rc = import_parse("f.csv", (const char *)data, size, &o, &r, &errors);
	if (rc >= 0 && (size_t)rc != errors.n)
		abort();
	check_prefix(&errors, "f.csv");
	check_prefix(&r.warnings, "f.csv");
	if (rc == 0)
		for (size_t i = 0; i < r.n; i++) {
			check_invoice(&r.invoices[i]);
			keep_record(&r.invoices[i], &records);
		}
	rc2 = import_each("f.csv", (const char *)data, size, &o, keep_record,
	                  &records2, &r2, &errors2);
	if (rc >= 0 && rc2 >= 0) {
		if (rc != rc2 || r2.n != 0)
			abort();
		check_same(&errors, &errors2);
		check_same(&r.warnings, &r2.warnings);
		check_same(&records, &records2);
	}
	import_result_free(&r);
	import_result_free(&r2);
	strlist_clear(&errors);
	strlist_clear(&errors2);
	strlist_clear(&records);
	strlist_clear(&records2);
	strlist_clear(&profiles);
	strlist_clear(&langs);
	return 0;
}
