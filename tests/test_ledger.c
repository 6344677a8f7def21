/*
 * test_ledger.c -- invoices and indexes in a real gdbm file, and fsck.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ledger.h"

struct fixture {
	char dir[64];
	char path[96];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/relance-ledger-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/state.db", f->dir);
	f->st = store_new(f->path, 2000);
	assert_non_null(f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_free(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
make(struct invoice *inv, const char *number, const char *customer,
     const char *contact)
{
	invoice_init(inv);
	inv->number = strdup(number);
	inv->customer = strdup(customer);
	strlist_add(&inv->contacts, contact);
	inv->lang = strdup("fr");
	inv->profile = strdup("default");
	inv->amount_due = inv->amount_original = 10000;
	inv->issue_date = (struct date){2026, 10, 1};
	inv->due_date = (struct date){2026, 10, 31};
}

static void
put(struct fixture *f, struct invoice *inv)
{
	struct err e;

	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(ledger_put(f->st, inv, &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
}

static void
assert_lookup(struct fixture *f, const char *prefix, const char *key,
	      const char *want)
{
	struct buf v = BUF_INIT;
	struct err e;

	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_lookup(f->st, prefix, key, &v, &e),
			 want ? STORE_OK : STORE_NOTFOUND);
	if (want)
		assert_string_equal(buf_cstr(&v), want);
	store_abort(f->st);
	buf_free(&v);
}

static void
test_put_writes_record_and_every_index(void **state)
{
	struct fixture *f = *state;
	struct invoice a, b, back;
	struct strlist numbers = STRLIST_INIT;
	struct err e;

	make(&a, "F2", "C1", "Compta@Dupont.example");
	strlist_add(&a.tracking_ids, "R7K3Q9WX");
	strlist_add(&a.message_ids, "<m1@relance.example>");
	put(f, &a);
	make(&b, "F1", "C9", "compta@dupont.example");
	put(f, &b);
	assert_lookup(f, "trk:", "R7K3Q9WX", "F2");
	assert_lookup(f, "mid:", "<m1@relance.example>", "F2");
	assert_lookup(f, "adr:", "COMPTA@dupont.example", "C1\nC9");
	assert_lookup(f, "trk:", "NOPE", NULL);
	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_numbers(f->st, &numbers, &e), STORE_OK);
	assert_int_equal(numbers.n, 2);
	assert_string_equal(numbers.v[0], "F1");
	assert_int_equal(ledger_get(f->st, "F2", &back, &e), STORE_OK);
	assert_string_equal(back.customer, "C1");
	invoice_free(&back);
	assert_int_equal(ledger_get(f->st, "F3", &back, &e), STORE_NOTFOUND);
	store_abort(f->st);
	strlist_clear(&numbers);
	invoice_free(&a);
	invoice_free(&b);
}

static unsigned
fsck(struct fixture *f, bool repair, struct strlist *report)
{
	unsigned problems = 99;
	struct err e;

	assert_int_equal(store_begin(f->st, repair ? STORE_WRITE : STORE_READ,
				     &e),
			 STORE_OK);
	assert_int_equal(ledger_fsck(f->st, repair, report, &problems, &e),
			 STORE_OK);
	if (repair)
		assert_int_equal(store_commit(f->st, &e), STORE_OK);
	else
		store_abort(f->st);
	return problems;
}

static void
raw_put(struct fixture *f, const char *key, const char *val)
{
	struct err e;

	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_put(f->st, key, val, strlen(val), &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
}

static void
test_fsck_finds_and_repairs_broken_indexes_and_records(void **state)
{
	struct fixture *f = *state;
	struct strlist report = STRLIST_INIT;
	struct invoice a, back;
	struct err e;

	make(&a, "F1", "C1", "a@x.example");
	strlist_add(&a.tracking_ids, "R1");
	put(f, &a);
	assert_int_equal(fsck(f, false, &report), 0);
	/* A crash between the record and its indexes, an index left behind
	 * by a deleted invoice, a wrong index and a damaged record. */
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(f->st, "trk:R1", &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	raw_put(f, "mid:<gone@x>", "F404");
	raw_put(f, "adr:a@x.example", "C7");
	raw_put(f, "inv:F2", "relance-invoice\t1\nnumber\tF2\nbogus\n");
	assert_int_equal(fsck(f, false, &report), 4);
	assert_string_equal(report.v[0], "inv:F2: damaged record: line 3: bad "
					 "field \"bogus\"");
	assert_string_equal(report.v[1], "mid:<gone@x> points to no invoice");
	assert_string_equal(report.v[2], "adr:a@x.example is wrong");
	assert_string_equal(report.v[3], "trk:R1 is missing");
	strlist_clear(&report);
	assert_int_equal(fsck(f, true, &report), 4);
	assert_string_equal(report.v[0], "inv:F2: damaged record: line 3: bad "
					 "field \"bogus\" (set aside)");
	strlist_clear(&report);
	assert_int_equal(fsck(f, false, &report), 0);
	assert_lookup(f, "trk:", "R1", "F1");
	assert_lookup(f, "adr:", "a@x.example", "C1");
	assert_lookup(f, "mid:", "<gone@x>", NULL);
	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_get(f->st, "F2", &back, &e), STORE_NOTFOUND);
	store_abort(f->st);
	strlist_clear(&report);
	invoice_free(&a);
}

static void
test_damaged_record_is_an_error_naming_the_invoice(void **state)
{
	struct fixture *f = *state;
	struct invoice back;
	struct err e;

	raw_put(f, "inv:F9", "garbage");
	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_get(f->st, "F9", &back, &e), STORE_ERR);
	assert_non_null(strstr(e.msg, "invoice F9: damaged record (run "
				      "relance fsck)"));
	store_abort(f->st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_put_writes_record_and_every_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_fsck_finds_and_repairs_broken_indexes_and_records, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_damaged_record_is_an_error_naming_the_invoice, setup,
		teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
