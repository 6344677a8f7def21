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

/* ledger_customer_index in a write transaction; returns whether it built. */
static bool
build_index(struct fixture *f)
{
	bool built = !false;
	struct err e;

	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(ledger_customer_index(f->st, &built, &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	return built;
}

/* The numbers ledger_customer_numbers gives for CUSTOMER, joined by
 * spaces (malloc'ed). */
static char *
numbers_of(struct fixture *f, const char *customer)
{
	struct strlist l = STRLIST_INIT;
	struct buf out = BUF_INIT;
	struct err e;

	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(strlist_add(&l, "before"), 0);
	assert_int_equal(ledger_customer_numbers(f->st, customer, &l, &e),
			 STORE_OK);
	store_abort(f->st);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(&out, "%s%s", i ? " " : "", l.v[i]);
	strlist_clear(&l);
	return buf_steal(&out);
}

#define assert_numbers(f, customer, want)                                      \
	do {                                                                   \
		char *got_ = numbers_of(f, customer);                          \
		assert_string_equal(got_, want);                               \
		free(got_);                                                    \
	} while (0)

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
	assert_true(build_index(f));
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

static void
test_put_indexes_the_invoices_of_each_customer(void **state)
{
	struct fixture *f = *state;
	struct invoice a, b, c;

	make(&a, "F2", "C1", "a@x.example");
	put(f, &a);
	make(&b, "F1", "C1", "a@x.example");
	put(f, &b);
	make(&c, "F3", "C2", "c@y.example");
	put(f, &c);
	put(f, &a); /* written again: listed once */
	assert_lookup(f, "cus:", "C1", "F2\nF1");
	assert_lookup(f, "cus:", "C2", "F3");
	assert_true(build_index(f)); /* what ledger_put wrote is kept... */
	assert_lookup(f, "cus:", "C1", "F2\nF1");
	assert_false(build_index(f)); /* ... and it is built only once */
	assert_numbers(f, "C1", "before F1 F2");
	assert_numbers(f, "C2", "before F3");
	assert_numbers(f, "C404", "before");
	invoice_free(&a);
	invoice_free(&b);
	invoice_free(&c);
}

static void
test_index_of_an_older_file_is_built_by_fsck(void **state)
{
	struct fixture *f = *state;
	struct strlist report = STRLIST_INIT;
	struct invoice a, b, c;
	struct err e;

	make(&a, "F1", "C1", "a@x.example");
	put(f, &a);
	make(&b, "F2", "C2", "b@x.example");
	put(f, &b);
	make(&c, "F3", "C1", "a@x.example");
	put(f, &c);
	/* A file from before the index: no cus: keys, no marker... */
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(f->st, "cus:C1", &e), STORE_OK);
	assert_int_equal(store_del(f->st, "cus:C2", &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	/* ... but for one put since the upgrade. */
	put(f, &c);
	assert_lookup(f, "cus:", "C1", "F3");
	/* Readers without the index read the records. */
	assert_numbers(f, "C1", "before F1 F3");
	raw_put(f, "inv:F9", "damaged");
	assert_numbers(f, "C2", "before F2");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(f->st, "inv:F9", &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	/* Not a problem, but said; fsck builds it. */
	assert_int_equal(fsck(f, false, &report), 0);
	assert_int_equal(report.n, 1);
	assert_string_equal(report.v[0], "customer index (cus:) not built yet "
					 "(fsck, import or the first staff "
					 "contact builds it)");
	assert_lookup(f, "cus:", "C2", NULL);
	strlist_clear(&report);
	assert_int_equal(fsck(f, true, &report), 0);
	assert_int_equal(report.n, 1);
	assert_string_equal(report.v[0], "customer index (cus:) built");
	strlist_clear(&report);
	assert_lookup(f, "cus:", "C1", "F1\nF3");
	assert_lookup(f, "cus:", "C2", "F2");
	assert_false(build_index(f));
	assert_int_equal(fsck(f, false, &report), 0);
	assert_int_equal(report.n, 0);
	assert_numbers(f, "C1", "before F1 F3");
	invoice_free(&a);
	invoice_free(&b);
	invoice_free(&c);
}

static void
test_index_built_on_demand_keeps_what_is_listed(void **state)
{
	struct fixture *f = *state;
	struct strlist report = STRLIST_INIT;
	struct invoice a, b, c;
	struct err e;

	make(&a, "F1", "C1", "a@x.example");
	put(f, &a);
	make(&b, "F2", "C1", "a@x.example");
	put(f, &b);
	make(&c, "F3", "C2", "c@x.example");
	put(f, &c);
	raw_put(f, "inv:F2", "damaged");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(f->st, "cus:C2", &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	raw_put(f, "cus:C404", "F404");
	assert_true(build_index(f));
	assert_lookup(f, "cus:", "C1", "F1\nF2"); /* F2: its readers see */
	assert_lookup(f, "cus:", "C2", "F3");
	assert_lookup(f, "cus:", "C404", "F404");
	/* Once built, a read transaction will do. */
	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_customer_index(f->st, NULL, &e), STORE_OK);
	store_abort(f->st);
	/* fsck makes it exact. */
	assert_int_equal(fsck(f, true, &report), 3);
	assert_string_equal(report.v[0], "inv:F2: damaged record: line 1: not "
					 "a relance-invoice record of format "
					 "1 (set aside)");
	assert_string_equal(report.v[1], "cus:C1 is wrong (rebuilt)");
	assert_string_equal(report.v[2],
			    "cus:C404 points to no invoice (removed)");
	assert_lookup(f, "cus:", "C1", "F1");
	strlist_clear(&report);
	invoice_free(&a);
	invoice_free(&b);
	invoice_free(&c);
}

static void
test_stale_customer_entries_are_found_and_rebuilt_by_fsck(void **state)
{
	struct fixture *f = *state;
	struct strlist report = STRLIST_INIT;
	struct invoice a, b, c, d;
	struct err e;

	assert_true(build_index(f));
	make(&a, "F1", "C1", "a@x.example");
	put(f, &a);
	make(&b, "F2", "C1", "a@x.example");
	put(f, &b);
	make(&c, "F9", "C3", "c@x.example");
	put(f, &c);
	make(&d, "F3", "C3", "c@x.example");
	put(f, &d);
	assert_lookup(f, "cus:", "C3", "F9\nF3");
	assert_int_equal(fsck(f, false, &report), 0); /* order is no fault */
	assert_int_equal(report.n, 0);
	/* The import corrects F1's customer: C1 keeps listing it. */
	free(a.customer);
	a.customer = strdup("C2");
	put(f, &a);
	assert_numbers(f, "C1", "before F1 F2");
	assert_numbers(f, "C2", "before F1");
	/* An entry lost in a crash, one of no customer at all. */
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(f->st, "cus:C3", &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	raw_put(f, "cus:C404", "F404");
	assert_int_equal(fsck(f, false, &report), 3);
	assert_string_equal(report.v[0], "cus:C1 is wrong");
	assert_string_equal(report.v[1], "cus:C3 is missing");
	assert_string_equal(report.v[2], "cus:C404 points to no invoice");
	strlist_clear(&report);
	assert_int_equal(fsck(f, true, &report), 3);
	assert_string_equal(report.v[0], "cus:C1 is wrong (rebuilt)");
	assert_string_equal(report.v[1], "cus:C3 is missing (rebuilt)");
	assert_string_equal(report.v[2],
			    "cus:C404 points to no invoice (removed)");
	strlist_clear(&report);
	assert_int_equal(fsck(f, false, &report), 0);
	assert_lookup(f, "cus:", "C1", "F2");
	assert_lookup(f, "cus:", "C2", "F1");
	assert_lookup(f, "cus:", "C3", "F3\nF9");
	assert_lookup(f, "cus:", "C404", NULL);
	strlist_clear(&report);
	invoice_free(&a);
	invoice_free(&b);
	invoice_free(&c);
	invoice_free(&d);
}

static void
test_customer_with_many_invoices(void **state)
{
	struct fixture *f = *state;
	struct strlist report = STRLIST_INIT, l = STRLIST_INIT;
	struct buf v = BUF_INIT;
	struct err e;
	char number[16];

	assert_true(build_index(f));
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	for (int i = 0; i < 3000; i++) {
		struct invoice inv;

		snprintf(number, sizeof(number), "F%05d", 2999 - i);
		make(&inv, number, i % 3 ? "BIG" : "SMALL", "ap@big.example");
		assert_int_equal(ledger_put(f->st, &inv, &e), STORE_OK);
		invoice_free(&inv);
	}
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_customer_numbers(f->st, "BIG", &l, &e),
			 STORE_OK);
	store_abort(f->st);
	assert_int_equal(l.n, 2000);
	assert_string_equal(l.v[0], "F00000"); /* 2999 - 2999: i % 3 == 2 */
	assert_string_equal(l.v[1], "F00001");
	assert_string_equal(l.v[1999], "F02998");
	for (size_t i = 1; i < l.n; i++)
		assert_true(strcmp(l.v[i - 1], l.v[i]) < 0);
	/* In chunks of 128: 2000 numbers make 16. */
	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_lookup(f->st, "cus:", "BIG", &v, &e),
			 STORE_OK);
	assert_int_equal(strlen(buf_cstr(&v)), 128 * 7 - 1);
	assert_int_equal(store_get(f->st, "cus:BIG\n15", &v, &e), STORE_OK);
	assert_int_equal(strlen(buf_cstr(&v)), 2000 % 128 * 7 - 1);
	assert_int_equal(store_get(f->st, "cus:BIG\n16", &v, &e),
			 STORE_NOTFOUND);
	store_abort(f->st);
	/* Written in another order than fsck rebuilds it: not a fault. */
	assert_lookup(f, "adr:", "ap@big.example", "SMALL\nBIG");
	assert_int_equal(fsck(f, false, &report), 0);
	assert_int_equal(report.n, 0);
	/* A chunk lost, one left over. */
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(f->st, "cus:BIG\n3", &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	raw_put(f, "cus:SMALL\n9", "F00003");
	assert_int_equal(fsck(f, false, &report), 2);
	assert_string_equal(report.v[0], "cus:BIG is wrong");
	assert_string_equal(report.v[1],
			    "cus:SMALL part 9 points to no invoice");
	strlist_clear(&report);
	assert_int_equal(fsck(f, true, &report), 2);
	strlist_clear(&report);
	assert_int_equal(fsck(f, false, &report), 0);
	strlist_clear(&l);
	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_customer_numbers(f->st, "BIG", &l, &e),
			 STORE_OK);
	store_abort(f->st);
	assert_int_equal(l.n, 2000);
	strlist_clear(&l);
	buf_free(&v);
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
	    cmocka_unit_test_setup_teardown(
		test_put_indexes_the_invoices_of_each_customer, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_index_of_an_older_file_is_built_by_fsck, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_index_built_on_demand_keeps_what_is_listed, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_stale_customer_entries_are_found_and_rebuilt_by_fsck,
		setup, teardown),
	    cmocka_unit_test_setup_teardown(test_customer_with_many_invoices,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
