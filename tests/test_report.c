/*
 * test_report.c -- the report's figures: aging buckets at their
 * boundaries, currencies kept apart, DSO, disputes and promises, open
 * tasks, steps and their medians, and the escaping of the HTML page.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"

#define DAY   86400
#define ACTOR "relance run (clerk)"

static const struct date today = {2026, 11, 23};

/* Days in UTC: enough for the tests. */
static struct date
utc_day(int64_t t, void *arg)
{
	(void)arg;
	return date_from_days((long)(t / DAY));
}

/* Noon (UTC) of D as an event time. */
static int64_t
noon(struct date d)
{
	return (int64_t)date_to_days(d) * DAY + DAY / 2;
}

static struct date
days_from_today(long n)
{
	return date_add_days(today, n);
}

/* An open invoice NUMBER of CUSTOMER for AMOUNT (minor units) in CUR,
 * due DUE_IN days from today, issued 30 days before that. */
static void
make(struct invoice *inv, const char *number, const char *customer,
     const char *name, int64_t amount, const char *cur, long due_in)
{
	invoice_init(inv);
	inv->number = strdup(number);
	inv->customer = strdup(customer);
	inv->customer_name = name ? strdup(name) : NULL;
	snprintf(inv->currency, sizeof(inv->currency), "%s", cur);
	inv->amount_due = inv->amount_original = amount;
	inv->due_date = days_from_today(due_in);
	inv->issue_date = date_add_days(inv->due_date, -30);
}

static void
add(struct report *r, struct invoice *inv)
{
	assert_int_equal(report_add(r, inv), 0);
	invoice_free(inv);
}

static void
test_buckets_at_their_boundaries(void **state)
{
	static const struct {
		long overdue;
		enum report_bucket b;
	} cases[] = {{-10, REPORT_NOT_DUE}, {0, REPORT_NOT_DUE},
	             {1, REPORT_1_30},      {30, REPORT_1_30},
	             {31, REPORT_31_60},    {60, REPORT_31_60},
	             {61, REPORT_61_90},    {90, REPORT_61_90},
	             {91, REPORT_OVER_90},  {400, REPORT_OVER_90}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(
		    report_bucket_of(days_from_today(-cases[i].overdue), today),
		    cases[i].b);
	assert_string_equal(report_bucket_name(REPORT_OVER_90), "over 90");
}

static void
test_aging_by_customer_and_currency(void **state)
{
	struct report r;
	struct invoice inv;

	(void)state;
	report_init(&r, today, utc_day, NULL);
	make(&inv, "A1", "C1", "Zeta", 10000, "EUR", -30);
	add(&r, &inv);
	make(&inv, "A2", "C1", "Zeta", 2050, "EUR", -31);
	add(&r, &inv);
	make(&inv, "A3", "C1", "Zeta", 700, "USD", -91);
	add(&r, &inv);
	make(&inv, "B1", "C2", "Alpha", 300, "JPY", 0);
	add(&r, &inv);
	make(&inv, "B2", "C2", "Alpha", 5000, "EUR", -61);
	inv.state = INVOICE_PAID; /* paid: not in the aging */
	add(&r, &inv);
	make(&inv, "B3", "C2", "Alpha", 999, "EUR", -5);
	inv.state = INVOICE_DISPUTED; /* disputed: still owed */
	add(&r, &inv);
	report_finish(&r);

	assert_int_equal(r.invoices, 6);
	assert_int_equal(r.ncustomers, 2);
	/* Sorted by name: Alpha (C2) first; its currencies sorted. */
	assert_string_equal(r.customers[0].id, "C2");
	assert_int_equal(r.customers[0].naging, 2);
	assert_string_equal(r.customers[0].aging[0].currency, "EUR");
	assert_int_equal(r.customers[0].aging[0].bucket[REPORT_1_30], 999);
	assert_int_equal(r.customers[0].aging[0].total, 999);
	assert_string_equal(r.customers[0].aging[1].currency, "JPY");
	assert_int_equal(r.customers[0].aging[1].bucket[REPORT_NOT_DUE], 300);
	assert_string_equal(r.customers[1].id, "C1");
	assert_int_equal(r.customers[1].aging[0].bucket[REPORT_1_30], 10000);
	assert_int_equal(r.customers[1].aging[0].bucket[REPORT_31_60], 2050);
	assert_int_equal(r.customers[1].aging[0].total, 12050);
	assert_int_equal(r.customers[1].aging[1].bucket[REPORT_OVER_90], 700);

	/* Totals per currency, never added across currencies. */
	assert_int_equal(r.ncurrencies, 3);
	assert_string_equal(r.currencies[0].aging.currency, "EUR");
	assert_int_equal(r.currencies[0].aging.total, 13049);
	assert_int_equal(r.currencies[0].aging.invoices, 3);
	assert_string_equal(r.currencies[1].aging.currency, "JPY");
	assert_int_equal(r.currencies[1].aging.total, 300);
	assert_string_equal(r.currencies[2].aging.currency, "USD");
	assert_int_equal(r.currencies[2].aging.total, 700);
	report_free(&r);
}

static void
test_dso_is_due_over_sales_of_90_days(void **state)
{
	struct report r;
	struct invoice inv;

	(void)state;
	report_init(&r, today, utc_day, NULL);
	/* Issued 89 days ago (in the window), 1500.00 still due of 3000. */
	make(&inv, "D1", "C1", NULL, 300000, "EUR", 0);
	inv.issue_date = days_from_today(-89);
	inv.amount_due = 150000;
	add(&r, &inv);
	/* Issued today, paid: sales, no receivable. */
	make(&inv, "D2", "C1", NULL, 150000, "EUR", 30);
	inv.issue_date = today;
	inv.amount_due = 0;
	inv.state = INVOICE_PAID;
	add(&r, &inv);
	/* Issued 90 days ago: outside the window, 600.00 due. */
	make(&inv, "D3", "C1", NULL, 60000, "EUR", -60);
	inv.issue_date = days_from_today(-90);
	add(&r, &inv);
	/* Cancelled in the window: not a sale. */
	make(&inv, "D4", "C1", NULL, 99900, "EUR", 0);
	inv.issue_date = days_from_today(-1);
	inv.state = INVOICE_CLOSED;
	invoice_add_event(&inv, noon(today), "cancelled", ACTOR, "cancelled");
	add(&r, &inv);
	/* Due, but nothing invoiced in the window: no DSO. */
	make(&inv, "D5", "C1", NULL, 100, "USD", -200);
	add(&r, &inv);
	report_finish(&r);

	assert_string_equal(r.currencies[0].aging.currency, "EUR");
	assert_int_equal(r.currencies[0].sales, 450000);
	assert_int_equal(r.currencies[0].aging.total, 210000);
	/* 2100 / 4500 x 90 = 42.0 days */
	assert_int_equal(report_dso10(&r.currencies[0]), 420);
	assert_int_equal(r.currencies[1].sales, 0);
	assert_int_equal(report_dso10(&r.currencies[1]), -1);
	report_free(&r);
}

static void
test_dso_rounds_to_a_tenth(void **state)
{
	struct report_currency c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.aging.total = 100;
	c.sales = 300; /* 30.0 */
	assert_int_equal(report_dso10(&c), 300);
	c.sales = 700; /* 12.857... -> 12.9 */
	assert_int_equal(report_dso10(&c), 129);
	c.aging.total = 0;
	assert_int_equal(report_dso10(&c), 0);
}

static void
test_disputes_and_promises(void **state)
{
	struct report r;
	struct invoice inv;
	struct err e;

	(void)state;
	report_init(&r, today, utc_day, NULL);
	make(&inv, "P1", "C1", "Dupont", 12345, "EUR", -10);
	assert_int_equal(invoice_dispute(&inv, "wrong price",
	                                 noon(days_from_today(-4)), ACTOR, &e),
	                 0);
	add(&r, &inv);
	make(&inv, "P2", "C2", "Martin", 500, "EUR", -3);
	invoice_add_event(&inv, noon(days_from_today(-1)), "promise",
	                  "relance-milter",
	                  "promise from a@b.example (to pay on 2026-11-30): x");
	assert_int_equal(invoice_pause(&inv, days_from_today(8), today,
	                               "the customer promised to pay",
	                               noon(days_from_today(-1)),
	                               "relance-milter", &e),
	                 0);
	add(&r, &inv);
	/* Paused for another reason: not a promise. */
	make(&inv, "P3", "C2", "Martin", 500, "EUR", -3);
	assert_int_equal(invoice_pause(&inv, days_from_today(8), today,
	                               "on holiday", noon(today), ACTOR, &e),
	                 0);
	add(&r, &inv);
	/* A promise whose pause has ended reads as open: not listed. */
	make(&inv, "P4", "C2", "Martin", 500, "EUR", -3);
	assert_int_equal(invoice_pause(&inv, days_from_today(1), today,
	                               "Promised by phone", noon(today), ACTOR,
	                               &e),
	                 0);
	add(&r, &inv);
	report_finish(&r);

	assert_int_equal(r.ndisputes, 1);
	assert_string_equal(r.disputes[0].invoice, "P1");
	assert_string_equal(r.disputes[0].reason, "wrong price");
	assert_int_equal(date_diff(today, r.disputes[0].since), 4);
	assert_int_equal(r.npromises, 2);
	assert_string_equal(r.promises[0].invoice, "P4");
	assert_true(date_is_null(r.promises[0].promised));
	assert_string_equal(r.promises[1].invoice, "P2");
	assert_int_equal(
	    date_cmp(r.promises[1].promised, (struct date){2026, 11, 30}), 0);
	assert_int_equal(date_diff(r.promises[1].until, today), 8);

	/* A report a day later: P4's pause is over. */
	report_free(&r);
	report_init(&r, days_from_today(1), utc_day, NULL);
	make(&inv, "P4", "C2", "Martin", 500, "EUR", -3);
	assert_int_equal(invoice_pause(&inv, days_from_today(1), today,
	                               "Promised by phone", noon(today), ACTOR,
	                               &e),
	                 0);
	add(&r, &inv);
	report_finish(&r);
	assert_int_equal(r.npromises, 0);
	report_free(&r);
}

static void
test_open_tasks_leave_out_done_and_moot(void **state)
{
	struct report r;
	struct invoice inv;
	struct err e;

	(void)state;
	report_init(&r, today, utc_day, NULL);
	make(&inv, "T1", "C1", NULL, 100, "EUR", -20);
	invoice_add_event(&inv, noon(today), "task", ACTOR, "call them");
	invoice_add_event(&inv, noon(today), "task", ACTOR, "check address");
	invoice_add_event(&inv, noon(today), "task-done", "relance done (x)",
	                  "T1.2: check address");
	add(&r, &inv);
	make(&inv, "T2", "C1", NULL, 100, "EUR", -20);
	invoice_add_event(&inv, noon(today), "task", ACTOR, "call them");
	assert_int_equal(invoice_pay(&inv, -1, today, noon(today), ACTOR, &e),
	                 0);
	add(&r, &inv);
	report_finish(&r);
	assert_int_equal(r.open_tasks, 1);
	report_free(&r);
}

/* An invoice due DUE_IN days from today with STEP sent SENT_AT days from
 * today and, when PAID, paid PAID_AT days from today. */
static void
stepped(struct report *r, const char *number, long due_in, const char *step,
        long sent_at, bool paid, long paid_at)
{
	struct invoice inv;
	struct err e;

	make(&inv, number, "C1", NULL, 1000, "EUR", due_in);
	invoice_add_event(&inv, noon(days_from_today(sent_at)), "sent", ACTOR,
	                  "%s <%s@x>", step, number);
	if (paid)
		assert_int_equal(invoice_pay(&inv, -1, days_from_today(paid_at),
		                             noon(days_from_today(paid_at)),
		                             ACTOR, &e),
		                 0);
	add(r, &inv);
}

static void
test_steps_share_and_medians(void **state)
{
	struct report r;
	struct invoice inv;
	struct err e;

	(void)state;
	report_init(&r, today, utc_day, NULL);
	/* reminder-1 (8 days after due): paid after 2, 4, 10 days; one
	 * unpaid. Median of 2, 4, 10: 4. */
	stepped(&r, "S1", -40, "reminder-1", -32, true, -30);
	stepped(&r, "S2", -40, "reminder-1", -32, true, -28);
	stepped(&r, "S3", -40, "reminder-1", -32, true, -22);
	stepped(&r, "S4", -40, "reminder-1", -32, false, 0);
	/* courtesy (8 days before due): paid after 3 and 6: median 4.5. */
	stepped(&r, "S5", 20, "courtesy", 12, true, 15);
	stepped(&r, "S6", 20, "courtesy", 12, true, 18);

	/* One invoice: courtesy by run and again by the milter (counted
	 * once), a letter, then paid; thanks after payment not counted;
	 * the payment's day is the one it says it was received on. */
	make(&inv, "S7", "C1", NULL, 1000, "EUR", -40);
	invoice_add_event(&inv, noon(days_from_today(-48)), "sent", ACTOR,
	                  "courtesy <m@x>");
	invoice_add_event(&inv, noon(days_from_today(-48)), "reminder-sent",
	                  "relance-milter",
	                  "courtesy to a@b.example, queue ID X");
	invoice_add_event(&inv, noon(days_from_today(-10)), "letter", ACTOR,
	                  "formal-notice /var/lib/relance/outbox/x.pdf");
	assert_int_equal(invoice_pay(&inv, -1, days_from_today(-9),
	                             noon(days_from_today(-2)), ACTOR, &e),
	                 0);
	invoice_add_event(&inv, noon(days_from_today(-1)), "thanks", ACTOR,
	                  "thanks <t@x>");
	invoice_add_event(&inv, noon(days_from_today(-1)), "sent", ACTOR,
	                  "late <t@x>");
	add(&r, &inv);
	report_finish(&r);

	/* Escalation order: by mean offset from the due date. */
	assert_int_equal(r.nsteps, 3);
	assert_string_equal(r.steps[0].name, "courtesy");
	assert_string_equal(r.steps[1].name, "reminder-1");
	assert_string_equal(r.steps[2].name, "formal-notice");
	assert_int_equal(r.steps[0].invoices, 3);
	assert_int_equal(r.steps[0].paid, 3);
	/* 3, 6 and 39 days: median 6. */
	assert_int_equal(report_median2(&r.steps[0]), 12);
	assert_int_equal(r.steps[1].invoices, 4);
	assert_int_equal(r.steps[1].paid, 3);
	assert_int_equal(report_median2(&r.steps[1]), 8);
	assert_int_equal(r.steps[2].invoices, 1);
	assert_int_equal(report_median2(&r.steps[2]), 2);
	report_free(&r);

	report_init(&r, today, utc_day, NULL);
	stepped(&r, "S5", 20, "courtesy", 12, true, 15);
	stepped(&r, "S6", 20, "courtesy", 12, true, 18);
	stepped(&r, "S8", 20, "never", 12, false, 0);
	report_finish(&r);
	assert_string_equal(r.steps[0].name, "courtesy");
	assert_int_equal(report_median2(&r.steps[0]), 9); /* 4.5 days */
	assert_int_equal(report_median2(&r.steps[1]), -1);
	report_free(&r);
}

static void
test_text_and_json_agree(void **state)
{
	struct report r;
	struct invoice inv;
	struct buf o = BUF_INIT;

	(void)state;
	report_init(&r, today, utc_day, NULL);
	make(&inv, "X1", "C1", "Dupont", 123456, "EUR", -45);
	add(&r, &inv);
	make(&inv, "X2", "C2", "Smith", 5000, "USD", 3);
	add(&r, &inv);
	stepped(&r, "S1", 20, "courtesy", 12, true, 15);
	report_finish(&r);
	report_text(&r, &o);
	assert_string_equal(
	    buf_cstr(&o),
	    "relance report on 2026-11-23: 3 invoices\n"
	    "\n"
	    "Aging balance: amounts due by days past the due date\n"
	    "CUSTOMER CUR    not due       1-30      31-60      61-90    "
	    "over 90      total\n"
	    "Dupont   EUR       0.00       0.00    1234.56       0.00       "
	    "0.00    1234.56\n"
	    "Smith    USD      50.00       0.00       0.00       0.00       "
	    "0.00      50.00\n"
	    "TOTAL    EUR       0.00       0.00    1234.56       0.00       "
	    "0.00    1234.56\n"
	    "TOTAL    USD      50.00       0.00       0.00       0.00       "
	    "0.00      50.00\n"
	    "\n"
	    "DSO = amount due / invoiced from 2026-08-26 (90 days) x 90\n"
	    "EUR 1234.56 due, 1244.56 invoiced: 89.3 days\n"
	    "USD 50.00 due, 50.00 invoiced: 90.0 days\n"
	    "\n"
	    "Open disputes: 0\n"
	    "\n"
	    "Paused by a promise to pay: 0\n"
	    "\n"
	    "Open tasks: 0\n"
	    "\n"
	    "Reminders and payment: invoices that received a step before "
	    "any payment\n"
	    "STEP     INVOICES PAID AFTER SHARE MEDIAN DAYS TO PAYMENT\n"
	    "courtesy        1          1  100% 3\n");
	buf_reset(&o);
	report_json(&r, &o);
	assert_non_null(strstr(buf_cstr(&o),
	                       "\"customer_name\":\"Dupont\",\"currency\":"
	                       "\"EUR\",\"not_due\":\"0.00\",\"days_1_30\":"
	                       "\"0.00\",\"days_31_60\":\"1234.56\""));
	assert_non_null(strstr(buf_cstr(&o), "\"dso_days\":89.3}"));
	assert_non_null(strstr(buf_cstr(&o),
	                       "{\"step\":\"courtesy\",\"invoices\":1,"
	                       "\"paid_after\":1,\"share_percent\":100,"
	                       "\"median_days\":3}"));
	buf_free(&o);
	report_free(&r);
}

static void
test_html_escapes_names_from_the_data(void **state)
{
	struct report r;
	struct invoice inv;
	struct err e;
	struct buf o = BUF_INIT;

	(void)state;
	report_init(&r, today, utc_day, NULL);
	make(&inv, "H<1>", "C\"1", "<script>alert('x')</script> & Co", 100,
	     "EUR", -5);
	assert_int_equal(
	    invoice_dispute(&inv, "<b>bad</b>", noon(today), ACTOR, &e), 0);
	add(&r, &inv);
	stepped(&r, "S1", 20, "<img>", 12, true, 15);
	report_finish(&r);
	report_html(&r, &o);
	assert_null(strstr(buf_cstr(&o), "<script>"));
	assert_null(strstr(buf_cstr(&o), "<b>"));
	assert_null(strstr(buf_cstr(&o), "<img>"));
	assert_null(strstr(buf_cstr(&o), "H<1>"));
	assert_non_null(strstr(buf_cstr(&o),
	                       "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
	                       " &amp; Co"));
	assert_non_null(strstr(buf_cstr(&o), "data-customer=\"C&quot;1\""));
	assert_non_null(strstr(buf_cstr(&o), "<svg class=\"aging\""));
	assert_non_null(strstr(buf_cstr(&o), "<svg class=\"funnel\""));
	/* Self-contained: nothing fetched from elsewhere. */
	assert_null(strstr(buf_cstr(&o), "src="));
	assert_null(strstr(buf_cstr(&o), "href="));
	assert_null(strstr(buf_cstr(&o), "url("));
	buf_free(&o);
	report_free(&r);
}

static void
test_many_customers_stay_distinct(void **state)
{
	struct report r;
	struct invoice inv;
	char id[16];

	(void)state;
	report_init(&r, today, utc_day, NULL);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 1000; i++) {
			snprintf(id, sizeof(id), "C%04d", i);
			make(&inv, "N", id, NULL, 1, "EUR", -1);
			add(&r, &inv);
		}
	report_finish(&r);
	assert_int_equal(r.ncustomers, 1000);
	assert_string_equal(r.customers[0].id, "C0000");
	assert_string_equal(r.customers[999].id, "C0999");
	for (size_t i = 0; i < r.ncustomers; i++)
		assert_int_equal(r.customers[i].aging[0].total, 2);
	report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buckets_at_their_boundaries),
	    cmocka_unit_test(test_aging_by_customer_and_currency),
	    cmocka_unit_test(test_dso_is_due_over_sales_of_90_days),
	    cmocka_unit_test(test_dso_rounds_to_a_tenth),
	    cmocka_unit_test(test_disputes_and_promises),
	    cmocka_unit_test(test_open_tasks_leave_out_done_and_moot),
	    cmocka_unit_test(test_steps_share_and_medians),
	    cmocka_unit_test(test_text_and_json_agree),
	    cmocka_unit_test(test_html_escapes_names_from_the_data),
	    cmocka_unit_test(test_many_customers_stay_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
