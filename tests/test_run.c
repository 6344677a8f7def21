/*
 * test_run.c -- run_settle: a person's answer for a send left without an
 * outcome.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "run.h"

#define DAY   86400
#define NOW   1795426200 /* 2026-11-23 10:30 in Paris */
#define ACTOR "relance confirm (clerk)"

/* An invoice that got reminder-1 on 2026-11-13 (by the milter's record)
 * and whose reminder-2 was being handed over when the run died. */
static void
sample(struct invoice *inv, const char *pending)
{
	invoice_init(inv);
	inv->number = strdup("F1");
	invoice_add_event(inv, NOW - 20 * DAY, "imported", "relance import",
	                  "imported");
	invoice_add_event(inv, NOW - 10 * DAY, "sending", "relance run",
	                  "reminder-1 <run.F1.reminder-1.1@example.com>");
	invoice_add_event(inv, NOW - 10 * DAY, "reminder-sent",
	                  "relance-milter",
	                  "reminder-1 to a@b.example, Message-ID "
	                  "<run.F1.reminder-1.1@example.com>");
	invoice_add_event(inv, NOW - 10 * DAY, "sent", "relance run",
	                  "reminder-1 <run.F1.reminder-1.1@example.com>");
	invoice_add_event(inv, NOW - DAY, "sending", "relance run", "%s",
	                  pending);
	inv->last_step = strdup(
	    strncmp(pending, "thanks", 6) == 0 ? "reminder-1" : "reminder-2");
	inv->last_step_date = (struct date){2026, 11, 22};
}

static void
test_not_sent_puts_the_step_before_back(void **state)
{
	struct invoice inv;
	struct err e;
	char step[65];

	(void)state;
	sample(&inv, "reminder-2 <run.F1.reminder-2.2@example.com>");
	assert_int_equal(
	    run_settle(&inv, false, NOW, ACTOR, NULL, step, sizeof(step), &e),
	    0);
	assert_string_equal(step, "reminder-2");
	assert_string_equal(inv.events[inv.nevents - 1].kind, "send-failed");
	assert_string_equal(inv.events[inv.nevents - 1].actor, ACTOR);
	assert_string_equal(
	    inv.events[inv.nevents - 1].detail,
	    "reminder-2 <run.F1.reminder-2.2@example.com>: not "
	    "sent (a person's answer); retried on the next run");
	assert_string_equal(inv.last_step, "reminder-1");
	assert_int_equal(inv.last_step_date.year, 2026);
	assert_int_equal(inv.last_step_date.month, 11);
	assert_int_equal(inv.last_step_date.day, 13);
	assert_null(run_pending(&inv));
	assert_int_equal(
	    run_settle(&inv, true, NOW, ACTOR, NULL, step, sizeof(step), &e),
	    -1);
	assert_string_equal(e.msg,
	                    "invoice F1 has no send waiting for an answer");
	invoice_free(&inv);
}

static void
test_sent_records_the_outcome_and_keeps_the_step(void **state)
{
	struct invoice inv;
	struct err e;
	char step[65];

	(void)state;
	sample(&inv, "reminder-2 <run.F1.reminder-2.2@example.com>");
	assert_non_null(run_pending(&inv));
	assert_int_equal(run_settle(&inv, true, NOW, ACTOR,
	                            "vu dans le journal", step, sizeof(step),
	                            &e),
	                 0);
	assert_string_equal(inv.events[inv.nevents - 1].kind, "sent");
	assert_string_equal(
	    inv.events[inv.nevents - 1].detail,
	    "reminder-2 <run.F1.reminder-2.2@example.com>: sent "
	    "(a person's answer); note: vu dans le journal");
	assert_string_equal(inv.last_step, "reminder-2");
	assert_null(run_pending(&inv));
	invoice_free(&inv);
}

static void
test_a_thanks_is_settled_as_thanks_and_leaves_the_step(void **state)
{
	struct invoice inv;
	struct err e;
	char step[65];

	(void)state;
	sample(&inv, "thanks <run.F1.thanks.3@example.com>");
	assert_int_equal(
	    run_settle(&inv, true, NOW, ACTOR, NULL, step, sizeof(step), &e),
	    0);
	assert_string_equal(inv.events[inv.nevents - 1].kind, "thanks");
	invoice_free(&inv);
	sample(&inv, "thanks <run.F1.thanks.3@example.com>");
	assert_int_equal(
	    run_settle(&inv, false, NOW, ACTOR, NULL, step, sizeof(step), &e),
	    0);
	assert_string_equal(inv.events[inv.nevents - 1].kind, "send-failed");
	assert_string_equal(inv.last_step, "reminder-1");
	assert_int_equal(inv.last_step_date.day, 22);
	invoice_free(&inv);
}

static void
test_without_an_earlier_step_not_sent_leaves_none(void **state)
{
	struct invoice inv;
	struct err e;
	char step[65];

	(void)state;
	invoice_init(&inv);
	inv.number = strdup("F2");
	invoice_add_event(&inv, NOW - DAY, "sending", "relance run",
	                  "courtesy <run.F2.courtesy.1@example.com>");
	inv.last_step = strdup("courtesy");
	inv.last_step_date = (struct date){2026, 11, 22};
	assert_int_equal(
	    run_settle(&inv, false, NOW, ACTOR, NULL, step, sizeof(step), &e),
	    0);
	assert_null(inv.last_step);
	assert_int_equal(inv.last_step_date.year, 0);
	invoice_free(&inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_sent_puts_the_step_before_back),
	    cmocka_unit_test(test_sent_records_the_outcome_and_keeps_the_step),
	    cmocka_unit_test(
	        test_a_thanks_is_settled_as_thanks_and_leaves_the_step),
	    cmocka_unit_test(test_without_an_earlier_step_not_sent_leaves_none),
	};

	setenv("TZ", "Europe/Paris", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
