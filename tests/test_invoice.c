/*
 * test_invoice.c -- the invoice record: transitions, history, serialisation.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "invoice.h"

#define NOW 1795000000 /* 2026-11-19 */
#define ACTOR "relance test (tester)"

static struct date
d(int y, int m, int day)
{
	return (struct date){y, m, day};
}

/* A typical open invoice: 1234.56 EUR due on 2026-10-31. */
static void
sample(struct invoice *inv)
{
	invoice_init(inv);
	inv->number = strdup("F2026-0042");
	inv->customer = strdup("C001");
	inv->customer_name = strdup("Dupont SARL");
	strlist_add(&inv->contacts, "compta@dupont.fr");
	inv->lang = strdup("fr");
	inv->profile = strdup("default");
	inv->amount_due = inv->amount_original = 123456;
	inv->issue_date = d(2026, 10, 1);
	inv->due_date = d(2026, 10, 31);
}

static const struct invoice_event *
last_event(const struct invoice *inv)
{
	assert_true(inv->nevents > 0);
	return &inv->events[inv->nevents - 1];
}

static void
test_partial_then_full_payment_marks_paid(void **state)
{
	struct invoice inv;
	struct err e;

	sample(&inv);
	assert_int_equal(invoice_pay(&inv, 23456, d(2026, 11, 18), NOW, ACTOR,
				     &e),
			 0);
	assert_int_equal(inv.amount_due, 100000);
	assert_int_equal(inv.state, INVOICE_OPEN);
	assert_string_equal(last_event(&inv)->kind, "payment");
	assert_string_equal(last_event(&inv)->detail,
			    "partial payment of 234.56 EUR received on "
			    "2026-11-18; 1000.00 EUR still due");
	assert_int_equal(invoice_pay(&inv, -1, d(2026, 11, 19), NOW + 60,
				     ACTOR, &e),
			 0);
	assert_int_equal(inv.amount_due, 0);
	assert_int_equal(inv.state, INVOICE_PAID);
	assert_string_equal(last_event(&inv)->kind, "paid");
	assert_string_equal(last_event(&inv)->actor, ACTOR);
	assert_int_equal(last_event(&inv)->time, NOW + 60);
	invoice_free(&inv);
}

static void
test_overpayment_and_paying_twice_are_refused(void **state)
{
	struct invoice inv;
	struct err e;

	sample(&inv);
	assert_int_equal(invoice_pay(&inv, 123457, d(2026, 11, 18), NOW, ACTOR,
				     &e),
			 -1);
	assert_string_equal(e.msg, "payment of 1234.57 EUR is more than the "
				   "1234.56 EUR due on invoice F2026-0042");
	assert_int_equal(inv.nevents, 0);
	assert_int_equal(invoice_pay(&inv, -1, d(2026, 11, 18), NOW, ACTOR, &e),
			 0);
	assert_int_equal(invoice_pay(&inv, -1, d(2026, 11, 18), NOW, ACTOR, &e),
			 -1);
	assert_string_equal(e.msg,
			    "invoice F2026-0042 is already paid: cannot pay it");
	assert_int_equal(inv.nevents, 1);
	invoice_free(&inv);
}

static void
test_dispute_needs_reason_and_resolve_reopens(void **state)
{
	struct invoice inv;
	struct err e;

	sample(&inv);
	assert_int_equal(invoice_dispute(&inv, "", NOW, ACTOR, &e), -1);
	assert_string_equal(e.msg, "a dispute needs a reason");
	assert_int_equal(invoice_dispute(&inv, "quantités erronées", NOW, ACTOR,
					 &e),
			 0);
	assert_int_equal(inv.state, INVOICE_DISPUTED);
	assert_string_equal(inv.dispute_reason, "quantités erronées");
	assert_int_equal(invoice_dispute(&inv, "again", NOW, ACTOR, &e), -1);
	assert_string_equal(e.msg, "invoice F2026-0042 is already disputed "
				   "(quantités erronées)");
	assert_int_equal(invoice_pause(&inv, d(2026, 12, 1), d(2026, 11, 19),
				       NULL, NOW, ACTOR, &e),
			 -1);
	assert_string_equal(e.msg, "invoice F2026-0042 is disputed: resolve it "
				   "before pausing");
	assert_int_equal(invoice_resolve(&inv, NOW, ACTOR, &e), 0);
	assert_int_equal(inv.state, INVOICE_OPEN);
	assert_null(inv.dispute_reason);
	assert_string_equal(last_event(&inv)->detail,
			    "dispute resolved (quantités erronées); dunning "
			    "resumes");
	assert_int_equal(invoice_resolve(&inv, NOW, ACTOR, &e), -1);
	assert_string_equal(e.msg, "invoice F2026-0042 is open, not disputed: "
				   "nothing to resolve");
	invoice_free(&inv);
}

static void
test_pause_ends_by_itself_on_its_date(void **state)
{
	struct invoice inv;
	struct err e;

	sample(&inv);
	assert_int_equal(invoice_pause(&inv, d(2026, 11, 19), d(2026, 11, 19),
				       NULL, NOW, ACTOR, &e),
			 -1);
	assert_string_equal(e.msg, "pause date 2026-11-19 is not after today");
	assert_int_equal(invoice_pause(&inv, d(2026, 11, 26), d(2026, 11, 19),
				       "promised on the phone", NOW, ACTOR, &e),
			 0);
	assert_string_equal(last_event(&inv)->detail,
			    "paused until 2026-11-26: promised on the phone");
	assert_int_equal(invoice_effective_state(&inv, d(2026, 11, 25)),
			 INVOICE_PAUSED);
	assert_int_equal(invoice_effective_state(&inv, d(2026, 11, 26)),
			 INVOICE_OPEN);
	assert_int_equal(invoice_resume(&inv, NOW, ACTOR, &e), 0);
	assert_int_equal(inv.state, INVOICE_OPEN);
	assert_true(date_is_null(inv.paused_until));
	assert_int_equal(invoice_resume(&inv, NOW, ACTOR, &e), -1);
	invoice_free(&inv);
}

static void
test_cancel_closes_for_good(void **state)
{
	struct invoice inv;
	struct err e;

	sample(&inv);
	assert_int_equal(invoice_cancel(&inv, "avoir AV-12", NOW, ACTOR, &e), 0);
	assert_int_equal(inv.state, INVOICE_CLOSED);
	assert_int_equal(invoice_cancel(&inv, NULL, NOW, ACTOR, &e), -1);
	assert_int_equal(invoice_pay(&inv, -1, d(2026, 11, 1), NOW, ACTOR, &e),
			 -1);
	assert_string_equal(e.msg, "invoice F2026-0042 is closed: cannot pay it");
	assert_int_equal(invoice_dispute(&inv, "x", NOW, ACTOR, &e), -1);
	invoice_free(&inv);
}

static void
test_days_overdue(void **state)
{
	struct invoice inv;

	sample(&inv);
	assert_int_equal(invoice_days_overdue(&inv, d(2026, 10, 31)), 0);
	assert_int_equal(invoice_days_overdue(&inv, d(2026, 10, 1)), 0);
	assert_int_equal(invoice_days_overdue(&inv, d(2026, 11, 23)), 23);
	invoice_free(&inv);
}

static void
test_update_records_every_change(void **state)
{
	struct invoice cur, fresh;

	sample(&cur);
	sample(&fresh);
	assert_int_equal(invoice_update(&cur, &fresh, NOW, ACTOR), 0);
	assert_int_equal(cur.nevents, 0);
	fresh.amount_due = 100000;
	fresh.due_date = d(2026, 11, 15);
	strlist_add(&fresh.contacts, "jean@dupont.fr");
	assert_int_equal(invoice_update(&cur, &fresh, NOW, ACTOR), 3);
	assert_string_equal(last_event(&cur)->kind, "updated");
	assert_string_equal(last_event(&cur)->detail,
			    "contacts: compta@dupont.fr -> compta@dupont.fr, "
			    "jean@dupont.fr; amount due: 1234.56 -> 1000.00; "
			    "due date: 2026-10-31 -> 2026-11-15");
	assert_int_equal(cur.amount_due, 100000);
	assert_int_equal(cur.contacts.n, 2);
	invoice_free(&cur);
	invoice_free(&fresh);
}

static void
test_update_to_zero_due_marks_paid(void **state)
{
	struct invoice cur, fresh;

	sample(&cur);
	sample(&fresh);
	fresh.amount_due = 0;
	fresh.amount_original = -1; /* the export does not say */
	assert_int_equal(invoice_update(&cur, &fresh, NOW, ACTOR), 1);
	assert_int_equal(cur.amount_original, 123456);
	assert_int_equal(cur.state, INVOICE_PAID);
	assert_string_equal(last_event(&cur)->kind, "paid");
	invoice_free(&cur);
	invoice_free(&fresh);
}

static void
test_record_round_trip_keeps_hostile_text(void **state)
{
	struct invoice inv, back;
	struct buf rec = BUF_INIT, again = BUF_INIT;
	struct err e;

	sample(&inv);
	free(inv.customer_name);
	inv.customer_name = strdup("Dupont\tSARL\nSubject: pwned\\x41\r");
	inv.pdf = strdup("/srv/factures/F2026-0042.pdf");
	strlist_add(&inv.undeliverable, "old@dupont.fr");
	strlist_add(&inv.tracking_ids, "R7K3Q9WX");
	strlist_add(&inv.message_ids, "<abc@example.com>");
	inv.last_step = strdup("reminder-1");
	inv.last_step_date = d(2026, 11, 8);
	invoice_add_event(&inv, NOW, "imported", ACTOR, "line1\nline2\t%s",
			  "x");
	assert_int_equal(invoice_dispute(&inv, "wrong\\qty", NOW, ACTOR, &e), 0);
	invoice_encode(&inv, &rec);
	assert_false(buf_failed(&rec));
	assert_int_equal(invoice_decode(rec.data, rec.len, &back, &e), 0);
	assert_string_equal(back.customer_name, inv.customer_name);
	assert_string_equal(back.dispute_reason, "wrong\\qty");
	assert_string_equal(back.events[0].detail, "line1\nline2\tx");
	assert_int_equal(back.state, INVOICE_DISPUTED);
	assert_int_equal(back.last_step_date.day, 8);
	assert_int_equal(back.undeliverable.n, 1);
	assert_string_equal(back.undeliverable.v[0], "old@dupont.fr");
	invoice_encode(&back, &again);
	assert_string_equal(buf_cstr(&rec), buf_cstr(&again));
	buf_free(&rec);
	buf_free(&again);
	invoice_free(&inv);
	invoice_free(&back);
}

static void
test_decode_names_the_bad_line(void **state)
{
	struct invoice inv;
	struct err e;
	const char *bad = "relance-invoice\t1\nnumber\tF1\ncustomer\tC1\n"
			  "due\t12x\n";
	const char *future = "relance-invoice\t2\nnumber\tF1\n";
	const char *cut = "relance-invoice\t1\nnumber\tF1\ncustomer\tC1";

	assert_int_equal(invoice_decode(bad, strlen(bad), &inv, &e), -1);
	assert_string_equal(e.msg, "line 4: bad field \"due\"");
	assert_int_equal(invoice_decode(future, strlen(future), &inv, &e), -1);
	assert_string_equal(e.msg,
			    "line 1: not a relance-invoice record of format 1");
	assert_int_equal(invoice_decode(cut, strlen(cut), &inv, &e), -1);
	assert_string_equal(e.msg, "line 3: truncated record");
	assert_int_equal(invoice_decode("x", 1, &inv, &e), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_partial_then_full_payment_marks_paid),
	    cmocka_unit_test(test_overpayment_and_paying_twice_are_refused),
	    cmocka_unit_test(test_dispute_needs_reason_and_resolve_reopens),
	    cmocka_unit_test(test_pause_ends_by_itself_on_its_date),
	    cmocka_unit_test(test_cancel_closes_for_good),
	    cmocka_unit_test(test_days_overdue),
	    cmocka_unit_test(test_update_records_every_change),
	    cmocka_unit_test(test_update_to_zero_due_marks_paid),
	    cmocka_unit_test(test_record_round_trip_keeps_hostile_text),
	    cmocka_unit_test(test_decode_names_the_bad_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
