/*
 * test_schedule.c -- which step is due for one invoice on one day: step
 * dates over weekends and holidays, missed runs, gaps, pauses, states,
 * the minimum amount, bounced contacts, thanks, and the send window.
 *
 * The invoice of most tests is due on Monday 2 March 2026 under a profile
 * modelled on the French practice (gap of 5 days):
 *   courtesy       -8  2026-02-22 (Sunday) -> 2026-02-23
 *   reminder-1     +8  2026-03-10
 *   reminder-2     +15 2026-03-17
 *   phone          +20 2026-03-22 (Sunday) -> 2026-03-23, a task
 *   formal-notice  +30 2026-04-01, a letter
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "schedule.h"

static struct policy_step steps[] = {
    {"courtesy", -8, false, POLICY_CHANNEL_EMAIL, "courtesy", true, {0}},
    {"reminder-1", 8, false, POLICY_CHANNEL_EMAIL, "reminder-1", true, {0}},
    {"reminder-2", 15, false, POLICY_CHANNEL_EMAIL, "reminder-2", false, {0}},
    {"phone", 20, false, POLICY_CHANNEL_TASK, "call the customer", false, {0}},
    {"formal-notice",
     30,
     false,
     POLICY_CHANNEL_LETTER,
     "formal-notice",
     true,
     {0}},
};

struct fixture {
	struct invoice inv;
	struct policy_profile prof;
	struct schedule_rules rules;
	struct schedule_decision out;
};

static struct date
D(const char *s) {
	struct date d;

	if (date_parse(s, &d) < 0)
		fail_msg("bad date in test: %s", s);
	return d;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	invoice_init(&f->inv);
	if (strlist_add(&f->inv.contacts, "compta@client.fr") < 0 ||
	    strlist_add(&f->inv.contacts, "dg@client.fr") < 0)
		return -1;
	f->inv.amount_due = 120000;
	f->inv.amount_original = 120000;
	f->inv.due_date = D("2026-03-02");
	f->prof.name = "default";
	f->prof.steps = steps;
	f->prof.nsteps = sizeof(steps) / sizeof(steps[0]);
	f->prof.thanks = "thanks";
	f->prof.gap = 5;
	strcpy(f->prof.min_amount.currency, "EUR");
	f->rules.last_reply = DATE_NULL;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	invoice_free(&f->inv);
	free(f);
	return 0;
}

/* Record that STEP was sent on DAY. */
static void
sent(struct fixture *f, const char *step, const char *day)
{
	free(f->inv.last_step);
	f->inv.last_step = strdup(step);
	assert_non_null(f->inv.last_step);
	f->inv.last_step_date = D(day);
}

static enum schedule_result
run(struct fixture *f, const char *today)
{
	return schedule_next(&f->inv, &f->prof, &f->rules, D(today), &f->out);
}

/* The decision is exactly this: STEP NULL for none, WHEN "" for none. */
static void
assert_decision(const struct schedule_decision *d, enum schedule_result res,
                enum schedule_reason reason, const char *step, const char *when,
                const char *why)
{
	char w[11];

	date_format(d->when, w);
	assert_string_equal(d->why, why);
	assert_int_equal(d->result, res);
	assert_string_equal(schedule_reason_name(d->reason),
	                    schedule_reason_name(reason));
	if (step == NULL)
		assert_null(d->step);
	else {
		assert_non_null(d->step);
		assert_string_equal(d->step->name, step);
	}
	assert_string_equal(w, when);
}

static void
test_courtesy_notice_on_the_monday_after_a_sunday(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "2026-02-23"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "courtesy",
	                "2026-02-23", "courtesy due on 2026-02-23");
	assert_int_equal(f->out.channel, POLICY_CHANNEL_EMAIL);
	assert_int_equal(f->out.skipped, 0);
}

static void
test_step_on_a_sunday_is_not_due_that_sunday(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "2026-02-22"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_NOT_YET, "courtesy",
	                "2026-02-23", "courtesy not due before 2026-02-23");
}

static void
test_next_step_waits_for_its_date(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	assert_int_equal(run(f, "2026-03-05"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_NOT_YET, "reminder-1",
	                "2026-03-10", "reminder-1 not due before 2026-03-10");
}

static void
test_first_reminder_on_its_date(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-1",
	                "2026-03-10", "reminder-1 due on 2026-03-10");
}

static void
test_run_skipped_20_days_sends_only_the_latest_due_step(void **state)
{
	struct fixture *f = *state;

	sent(f, "reminder-1", "2026-03-10");
	/* reminder-2 (17th) and phone (23rd) are due; formal notice not. */
	assert_int_equal(run(f, "2026-03-30"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "phone",
	                "2026-03-23",
	                "phone due on 2026-03-23 (skipping 1 missed step)");
	assert_int_equal(f->out.skipped, 1);
	assert_int_equal(f->out.channel, POLICY_CHANNEL_TASK);
}

/* The bad payers' steps: reminder-2 at +8 days (8 May 2026, a holiday
 * and a Friday) and the call at +10 (a Sunday) both move to Monday 11
 * May. The runs happened every day: nothing was missed, so both go, in
 * their order, spaced by the gap. */
static void
test_two_steps_pushed_to_one_day_go_in_turn(void **state)
{
	static struct policy_step bad[] = {
	    {"reminder-1",
	     3,
	     false,
	     POLICY_CHANNEL_EMAIL,
	     "reminder-1",
	     true,
	     {0}},
	    {"reminder-2",
	     8,
	     false,
	     POLICY_CHANNEL_EMAIL,
	     "reminder-2",
	     true,
	     {0}},
	    {"call", 10, false, POLICY_CHANNEL_TASK, "call", false, {0}},
	    {"formal-notice",
	     15,
	     false,
	     POLICY_CHANNEL_LETTER,
	     "formal-notice",
	     true,
	     {0}},
	};
	struct fixture *f = *state;

	f->prof.steps = bad;
	f->prof.nsteps = sizeof(bad) / sizeof(bad[0]);
	f->prof.gap = 2;
	f->inv.due_date = D("2026-04-30");
	sent(f, "reminder-1", "2026-05-04");
	assert_int_equal(run(f, "2026-05-11"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-2",
	                "2026-05-11", "reminder-2 due on 2026-05-11");
	assert_int_equal(f->out.skipped, 0);
	sent(f, "reminder-2", "2026-05-11");
	assert_int_equal(run(f, "2026-05-12"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_GAP_STEP, "call",
	                "2026-05-13",
	                "gap of 2 days after the previous step (reminder-2 on "
	                "2026-05-11)");
	assert_int_equal(run(f, "2026-05-13"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "call",
	                "2026-05-11", "call due on 2026-05-11");
	/* A run that did not happen from the 5th to the 14th: the formal
	 * notice (15th) is the latest, the two before it are passed over. */
	sent(f, "reminder-1", "2026-05-04");
	assert_int_equal(run(f, "2026-05-15"), SCHEDULE_DUE);
	assert_decision(
	    &f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "formal-notice",
	    "2026-05-15",
	    "formal-notice due on 2026-05-15 (skipping 2 missed steps)");
}

static void
test_missed_steps_are_not_sent_the_next_day(void **state)
{
	struct fixture *f = *state;

	sent(f, "phone", "2026-03-30");
	/* The formal notice (1 April) waits for the gap, which ends on
	 * Saturday 4 April; Easter Monday pushes it to Tuesday. */
	assert_int_equal(run(f, "2026-03-31"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_GAP_STEP,
	                "formal-notice", "2026-04-07",
	                "gap of 5 days after the previous step (phone on "
	                "2026-03-30)");
	assert_int_equal(run(f, "2026-04-07"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE,
	                "formal-notice", "2026-04-01",
	                "formal-notice due on 2026-04-01");
	assert_int_equal(f->out.channel, POLICY_CHANNEL_LETTER);
}

static void
test_first_run_after_the_courtesy_date_skips_it(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "2026-03-12"), SCHEDULE_DUE);
	assert_decision(
	    &f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-1",
	    "2026-03-10",
	    "reminder-1 due on 2026-03-10 (skipping 1 missed step)");
}

static void
test_christmas_pushes_a_calendar_step_to_monday(void **state)
{
	struct fixture *f = *state;

	f->inv.due_date = D("2026-12-17");
	sent(f, "courtesy", "2026-12-09");
	/* +8 days is Friday 25 December. */
	assert_int_equal(run(f, "2026-12-24"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_NOT_YET, "reminder-1",
	                "2026-12-28", "reminder-1 not due before 2026-12-28");
	assert_int_equal(run(f, "2026-12-28"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-1",
	                "2026-12-28", "reminder-1 due on 2026-12-28");
}

static void
test_business_day_offset_across_easter_monday(void **state)
{
	struct fixture *f = *state;
	struct policy_step b[] = {
	    {"reminder-b",
	     3,
	     true,
	     POLICY_CHANNEL_EMAIL,
	     "reminder-b",
	     false,
	     {0}},
	};
	char s[11];

	f->prof.steps = b;
	f->prof.nsteps = 1;
	f->inv.due_date = D("2026-04-02"); /* Thursday before Easter */
	date_format(schedule_step_date(NULL, &b[0], f->inv.due_date), s);
	assert_string_equal(s, "2026-04-08");
	assert_int_equal(run(f, "2026-04-07"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_NOT_YET, "reminder-b",
	                "2026-04-08", "reminder-b not due before 2026-04-08");
	assert_int_equal(run(f, "2026-04-08"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-b",
	                "2026-04-08", "reminder-b due on 2026-04-08");
}

static void
test_negative_business_day_offset_counts_back_over_easter(void **state)
{
	struct fixture *f = *state;
	struct policy_step b = {"notice", -2,    true, POLICY_CHANNEL_EMAIL,
	                        "notice", false, {0}};
	char s[11];

	date_format(schedule_step_date(NULL, &b, D("2026-04-07")), s);
	assert_string_equal(s, "2026-04-02");
	/* The same in calendar days: Sunday, moved to Tuesday. */
	b.business = false;
	date_format(schedule_step_date(NULL, &b, D("2026-04-07")), s);
	assert_string_equal(s, "2026-04-07");
	(void)f;
}

static void
test_closed_day_from_the_policy_pushes_a_step(void **state)
{
	struct fixture *f = *state;
	const struct date closed[] = {{2026, 3, 10}};

	f->rules.cal.closed = closed;
	f->rules.cal.nclosed = 1;
	sent(f, "courtesy", "2026-02-23");
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_NOT_YET, "reminder-1",
	                "2026-03-11", "reminder-1 not due before 2026-03-11");
}

static void
test_nothing_goes_out_on_a_holiday(void **state)
{
	struct fixture *f = *state;

	f->inv.due_date = D("2026-12-10");
	sent(f, "courtesy", "2026-12-02");
	/* reminder-1 was due on Friday 18 December (missed); the run of
	 * Christmas Day waits for Monday. */
	assert_int_equal(run(f, "2026-12-25"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_NOT_BUSINESS,
	                "reminder-1", "2026-12-28",
	                "2026-12-25 is not a business day (Noël)");
}

static void
test_nothing_goes_out_on_a_saturday(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	assert_int_equal(run(f, "2026-03-14"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_NOT_BUSINESS,
	                "reminder-1", "2026-03-16",
	                "2026-03-14 is not a business day (Saturday)");
}

static void
test_gap_after_the_previous_step(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-03-07");
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_GAP_STEP, "reminder-1",
	                "2026-03-12",
	                "gap of 5 days after the previous step (courtesy on "
	                "2026-03-07)");
}

static void
test_gap_after_the_customers_reply(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	f->rules.last_reply = D("2026-03-08");
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_GAP_REPLY,
	                "reminder-1", "2026-03-13",
	                "gap of 5 days after the customer's reply on "
	                "2026-03-08");
	assert_int_equal(run(f, "2026-03-13"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-1",
	                "2026-03-10", "reminder-1 due on 2026-03-10");
}

static void
test_one_step_per_day_even_without_a_gap(void **state)
{
	struct fixture *f = *state;
	/* Saturday and Sunday both move to Monday 9 March. */
	struct policy_step two[] = {
	    {"a", 5, false, POLICY_CHANNEL_EMAIL, "a", false, {0}},
	    {"b", 6, false, POLICY_CHANNEL_EMAIL, "b", false, {0}},
	};

	f->prof.steps = two;
	f->prof.nsteps = 2;
	f->prof.gap = 0;
	sent(f, "a", "2026-03-09");
	assert_int_equal(run(f, "2026-03-09"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_SENT_TODAY, "b",
	                "2026-03-10", "a already sent today");
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "b",
	                "2026-03-09", "b due on 2026-03-09");
}

static void
test_paused_invoice_waits_until_its_date(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	f->inv.state = INVOICE_PAUSED;
	f->inv.paused_until = D("2026-03-20");
	assert_int_equal(run(f, "2026-03-12"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_PAUSED, NULL,
	                "2026-03-20", "paused until 2026-03-20");
}

static void
test_pause_over_sends_the_latest_due_step(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	f->inv.state = INVOICE_PAUSED;
	f->inv.paused_until = D("2026-03-20");
	assert_int_equal(run(f, "2026-03-20"), SCHEDULE_DUE);
	assert_decision(
	    &f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-2",
	    "2026-03-17",
	    "reminder-2 due on 2026-03-17 (skipping 1 missed step)");
}

static void
test_paid_invoice_gets_nothing(void **state)
{
	struct fixture *f = *state;

	f->inv.state = INVOICE_PAID;
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_PAID, NULL, "",
	                "invoice is paid");
}

static void
test_disputed_invoice_gets_nothing(void **state)
{
	struct fixture *f = *state;

	f->inv.state = INVOICE_DISPUTED;
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_DISPUTED, NULL, "",
	                "invoice is disputed");
}

static void
test_closed_invoice_gets_nothing(void **state)
{
	struct fixture *f = *state;

	f->inv.state = INVOICE_CLOSED;
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_CLOSED, NULL, "",
	                "invoice is closed");
}

static void
test_cancelled_invoice_gets_nothing(void **state)
{
	struct fixture *f = *state;
	struct err e;

	assert_int_equal(
	    invoice_cancel(&f->inv, "credit note", 1772000000, "test", &e), 0);
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_CANCELLED, NULL, "",
	                "invoice is cancelled");
}

static void
test_nothing_due_gets_nothing(void **state)
{
	struct fixture *f = *state;

	f->inv.amount_due = 0;
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_NOTHING_DUE, NULL, "",
	                "nothing is due");
}

static void
test_below_the_minimum_amount_nobody_is_chased(void **state)
{
	struct fixture *f = *state;

	f->prof.min_amount.minor = 1500;
	f->inv.amount_due = 1200;
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_BELOW_MIN, NULL, "",
	                "amount due 12.00 EUR is below the minimum of 15.00 "
	                "EUR");
}

static void
test_the_minimum_amount_itself_is_chased(void **state)
{
	struct fixture *f = *state;

	f->prof.min_amount.minor = 1500;
	f->inv.amount_due = 1500;
	assert_int_equal(run(f, "2026-02-23"), SCHEDULE_DUE);
}

static void
test_minimum_in_another_currency_does_not_apply(void **state)
{
	struct fixture *f = *state;

	f->prof.min_amount.minor = 1500;
	strcpy(f->inv.currency, "USD");
	f->inv.amount_due = 1200;
	assert_int_equal(run(f, "2026-02-23"), SCHEDULE_DUE);
}

static void
test_step_already_sent_is_never_sent_again(void **state)
{
	struct fixture *f = *state;

	/* reminder-2 went out late; reminder-1's date has passed too. */
	sent(f, "reminder-2", "2026-03-18");
	assert_int_equal(run(f, "2026-03-23"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "phone",
	                "2026-03-23", "phone due on 2026-03-23");
}

static void
test_steps_sent_stay_sent_while_the_next_one_waits(void **state)
{
	struct fixture *f = *state;

	sent(f, "reminder-2", "2026-03-17");
	assert_int_equal(run(f, "2026-03-20"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_NOT_YET, "phone",
	                "2026-03-23", "phone not due before 2026-03-23");
}

static void
test_no_step_left_after_the_last_one(void **state)
{
	struct fixture *f = *state;

	sent(f, "formal-notice", "2026-04-01");
	assert_int_equal(run(f, "2026-06-01"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_NO_STEP_LEFT, NULL, "",
	                "no step left after formal-notice");
}

static void
test_profile_without_steps_has_nothing(void **state)
{
	struct fixture *f = *state;

	f->prof.nsteps = 0;
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_NO_STEP_LEFT, NULL, "",
	                "profile default has no step");
}

static void
test_last_step_from_another_profile_counts_by_its_date(void **state)
{
	struct fixture *f = *state;

	/* Sent under the previous profile on 12 March: courtesy and
	 * reminder-1 (10 March) count as done. */
	sent(f, "old-reminder", "2026-03-12");
	assert_int_equal(run(f, "2026-03-18"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-2",
	                "2026-03-17", "reminder-2 due on 2026-03-17");
}

static void
test_all_contacts_bounced_switches_email_to_letter(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	assert_int_equal(strlist_add(&f->inv.undeliverable, "compta@client.fr"),
	                 0);
	assert_int_equal(strlist_add(&f->inv.undeliverable, "dg@client.fr"), 0);
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-1",
	                "2026-03-10",
	                "reminder-1 due on 2026-03-10, by letter: no contact "
	                "can receive mail");
	assert_int_equal(f->out.channel, POLICY_CHANNEL_LETTER);
	assert_int_equal(f->out.step->channel, POLICY_CHANNEL_EMAIL);
}

static void
test_one_contact_left_keeps_email(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	assert_int_equal(strlist_add(&f->inv.undeliverable, "compta@client.fr"),
	                 0);
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_DUE);
	assert_int_equal(f->out.channel, POLICY_CHANNEL_EMAIL);
	assert_string_equal(f->out.why, "reminder-1 due on 2026-03-10");
}

static void
test_bounced_contacts_leave_a_task_step_alone(void **state)
{
	struct fixture *f = *state;

	sent(f, "reminder-2", "2026-03-17");
	assert_int_equal(strlist_add(&f->inv.undeliverable, "compta@client.fr"),
	                 0);
	assert_int_equal(strlist_add(&f->inv.undeliverable, "dg@client.fr"), 0);
	assert_int_equal(run(f, "2026-03-23"), SCHEDULE_DUE);
	assert_int_equal(f->out.channel, POLICY_CHANNEL_TASK);
	assert_string_equal(f->out.why, "phone due on 2026-03-23");
}

static void
test_missing_profile_or_dates_decide_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    schedule_next(&f->inv, NULL, NULL, D("2026-03-10"), &f->out),
	    SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_NO_PROFILE, NULL, "",
	                "no payer profile");
	assert_int_equal(
	    schedule_next(&f->inv, &f->prof, NULL, DATE_NULL, &f->out),
	    SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_BAD_DATE, NULL, "",
	                "today is not a valid day");
	f->inv.due_date = DATE_NULL;
	assert_int_equal(run(f, "2026-03-10"), SCHEDULE_NONE);
	assert_decision(&f->out, SCHEDULE_NONE, SCHEDULE_BAD_DATE, NULL, "",
	                "invoice has no valid due date");
}

static void
test_no_rules_means_no_closed_days_and_no_reply(void **state)
{
	struct fixture *f = *state;

	sent(f, "courtesy", "2026-02-23");
	assert_int_equal(
	    schedule_next(&f->inv, &f->prof, NULL, D("2026-03-10"), &f->out),
	    SCHEDULE_DUE);
	assert_string_equal(f->out.why, "reminder-1 due on 2026-03-10");
}

static struct date
utc_day(int64_t t, void *arg)
{
	int64_t days = t / 86400 - (t % 86400 < 0);

	(void)arg;
	return date_from_days((long)days);
}

static void
test_last_reply_is_the_latest_customer_event(void **state)
{
	struct fixture *f = *state;
	const int64_t day = 86400, mar1 = 1772323200; /* 2026-03-01 UTC */
	struct date d;
	char s[11];

	assert_true(date_is_null(schedule_last_reply(&f->inv, utc_day, NULL)));
	assert_int_equal(
	    invoice_add_event(&f->inv, mar1 + 2 * day, "reply", "t", "x"), 0);
	assert_int_equal(
	    invoice_add_event(&f->inv, mar1 + 6 * day, "promise", "t", "x"), 0);
	assert_int_equal(
	    invoice_add_event(&f->inv, mar1 + 4 * day, "remittance", "t", "x"),
	    0);
	/* Not the customer speaking: */
	assert_int_equal(
	    invoice_add_event(&f->inv, mar1 + 9 * day, "bounce", "t", "x"), 0);
	assert_int_equal(
	    invoice_add_event(&f->inv, mar1 + 9 * day, "auto-reply", "t", "x"),
	    0);
	assert_int_equal(
	    invoice_add_event(&f->inv, mar1 + 9 * day, "review", "t", "x"), 0);
	d = schedule_last_reply(&f->inv, utc_day, NULL);
	date_format(d, s);
	assert_string_equal(s, "2026-03-07");
	assert_int_equal(
	    invoice_add_event(&f->inv, mar1 + 8 * day, "dispute", "t", "x"), 0);
	date_format(schedule_last_reply(&f->inv, utc_day, NULL), s);
	assert_string_equal(s, "2026-03-09");
}

static void
test_thanks_due_once_when_paid(void **state)
{
	struct fixture *f = *state;

	assert_false(schedule_thanks_due(&f->inv, &f->prof));
	f->inv.state = INVOICE_PAID;
	assert_true(schedule_thanks_due(&f->inv, &f->prof));
	assert_int_equal(
	    invoice_add_event(&f->inv, 1772323200, "thanks", "t", "sent"), 0);
	assert_false(schedule_thanks_due(&f->inv, &f->prof));
}

static void
test_no_thanks_without_a_thanks_template(void **state)
{
	struct fixture *f = *state;

	f->inv.state = INVOICE_PAID;
	f->prof.thanks = NULL;
	assert_false(schedule_thanks_due(&f->inv, &f->prof));
}

static struct tm
local(int wday, int hour, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_wday = wday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	return tm;
}

static void
test_window_is_weekdays_from_inclusive_to_exclusive(void **state)
{
	struct schedule_window w = {SCHEDULE_WEEKDAYS, 8 * 60 + 30, 18 * 60};
	struct tm t;

	t = local(1, 8, 30); /* Monday */
	assert_true(schedule_in_window(&w, &t));
	t = local(1, 8, 29);
	assert_false(schedule_in_window(&w, &t));
	t = local(5, 17, 59); /* Friday */
	assert_true(schedule_in_window(&w, &t));
	t = local(5, 18, 0);
	assert_false(schedule_in_window(&w, &t));
	t = local(6, 10, 0); /* Saturday */
	assert_false(schedule_in_window(&w, &t));
	t = local(0, 10, 0); /* Sunday */
	assert_false(schedule_in_window(&w, &t));
	w.days = 0x7f;
	assert_true(schedule_in_window(&w, &t));
}

static void
test_empty_window_or_bad_time_is_outside(void **state)
{
	struct schedule_window w = {0x7f, 600, 600};
	struct tm t = local(2, 10, 0);

	assert_false(schedule_in_window(&w, &t));
	w.to = 1440;
	assert_true(schedule_in_window(&w, &t));
	t = local(7, 10, 0);
	assert_false(schedule_in_window(&w, &t));
	t = local(2, 24, 0);
	assert_false(schedule_in_window(&w, &t));
	t = local(-1, 10, 0);
	assert_false(schedule_in_window(&w, &t));
}

/* The shell hands the local time in the configured zone: 07:30 UTC is
 * 08:30 in Paris before the change to summer time and 09:30 after it. */
static void
test_window_follows_local_time_across_daylight_saving(void **state)
{
	struct schedule_window w = {SCHEDULE_WEEKDAYS, 9 * 60, 18 * 60};
	const time_t fri = 1774596600; /* 2026-03-27 07:30 UTC */
	const time_t mon = 1774855800; /* 2026-03-30 07:30 UTC */
	struct tm t;

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	assert_non_null(localtime_r(&fri, &t));
	assert_int_equal(t.tm_hour, 8);
	assert_false(schedule_in_window(&w, &t));
	assert_non_null(localtime_r(&mon, &t));
	assert_int_equal(t.tm_hour, 9);
	assert_true(schedule_in_window(&w, &t));
}

/* ---- first contact ---- */

/* Imported on Monday 11 May 2026, 70 days after its due date, never
 * chased: every step is due, but it opens with reminder-1. */
static void
test_first_contact_caps_a_late_import(void **state)
{
	struct fixture *f = *state;

	f->prof.first_contact = "reminder-1";
	assert_int_equal(run(f, "2026-05-11"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-1",
	                "2026-03-10",
	                "reminder-1 due on 2026-03-10 as the first contact, "
	                "not formal-notice (skipping 1 missed step)");
	assert_int_equal(f->out.skipped, 1);
	assert_non_null(f->out.held);
	assert_string_equal(f->out.held->name, "formal-notice");
	assert_int_equal(f->out.channel, POLICY_CHANNEL_EMAIL);
	/* The later steps follow, spaced by the gap (Saturday 16 May goes
	 * to Monday 18 May). */
	sent(f, "reminder-1", "2026-05-11");
	assert_int_equal(run(f, "2026-05-12"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_GAP_STEP,
	                "formal-notice", "2026-05-18",
	                "gap of 5 days after the previous step (reminder-1 on "
	                "2026-05-11)");
	assert_int_equal(run(f, "2026-05-18"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE,
	                "formal-notice", "2026-04-01",
	                "formal-notice due on 2026-04-01 (skipping 2 missed "
	                "steps)");
	assert_null(f->out.held);
}

static void
test_first_contact_applies_only_to_invoices_never_chased(void **state)
{
	struct fixture *f = *state;

	/* No first-contact in the profile: the latest due step. */
	assert_int_equal(run(f, "2026-05-11"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE,
	                "formal-notice", "2026-04-01",
	                "formal-notice due on 2026-04-01 (skipping 4 missed "
	                "steps)");
	/* Chased once already: the rule is spent. */
	f->prof.first_contact = "reminder-1";
	sent(f, "courtesy", "2026-02-23");
	assert_int_equal(run(f, "2026-05-11"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE,
	                "formal-notice", "2026-04-01",
	                "formal-notice due on 2026-04-01 (skipping 3 missed "
	                "steps)");
	assert_null(f->out.held);
}

static void
test_first_contact_leaves_earlier_steps_alone(void **state)
{
	struct fixture *f = *state;

	f->prof.first_contact = "reminder-2";
	/* reminder-1 is the latest due: nothing to hold back. */
	assert_int_equal(run(f, "2026-03-12"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-1",
	                "2026-03-10",
	                "reminder-1 due on 2026-03-10 (skipping 1 missed "
	                "step)");
	assert_null(f->out.held);
	/* The phone call is held back for reminder-2. */
	assert_int_equal(run(f, "2026-03-24"), SCHEDULE_DUE);
	assert_decision(&f->out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, "reminder-2",
	                "2026-03-17",
	                "reminder-2 due on 2026-03-17 as the first contact, "
	                "not phone (skipping 2 missed steps)");
}

static void
test_first_contact_waits_out_a_reply_gap(void **state)
{
	struct fixture *f = *state;

	f->prof.first_contact = "reminder-1";
	f->rules.last_reply = D("2026-05-08");
	assert_int_equal(run(f, "2026-05-11"), SCHEDULE_WAIT);
	assert_decision(&f->out, SCHEDULE_WAIT, SCHEDULE_GAP_REPLY,
	                "reminder-1", "2026-05-13",
	                "gap of 5 days after the customer's reply on "
	                "2026-05-08");
}

/* ---- days off and the send window ---- */

static void
test_day_off_gate_for_what_schedule_next_does_not_decide(void **state)
{
	struct schedule_decision d;
	const struct date closed[] = {{2026, 11, 30}};
	struct calendar cal = {closed, 1};

	memset(&d, 0x5a, sizeof(d));
	assert_false(schedule_day_off(NULL, NULL, D("2026-11-27"), &d));
	assert_int_equal(d.result, 0x5a5a5a5a); /* left alone */
	assert_true(schedule_day_off(NULL, NULL, D("2026-11-28"), &d));
	assert_decision(&d, SCHEDULE_WAIT, SCHEDULE_NOT_BUSINESS, NULL,
	                "2026-11-30",
	                "2026-11-28 is not a business day (Saturday)");
	assert_true(schedule_day_off(&cal, &steps[0], D("2026-11-28"), &d));
	assert_decision(&d, SCHEDULE_WAIT, SCHEDULE_NOT_BUSINESS, "courtesy",
	                "2026-12-01",
	                "2026-11-28 is not a business day (Saturday)");
	assert_true(schedule_day_off(&cal, NULL, D("2026-11-30"), &d));
	assert_decision(&d, SCHEDULE_WAIT, SCHEDULE_NOT_BUSINESS, NULL,
	                "2026-12-01",
	                "2026-11-30 is not a business day (closed)");
	assert_true(schedule_day_off(NULL, NULL, D("2026-12-25"), &d));
	assert_decision(&d, SCHEDULE_WAIT, SCHEDULE_NOT_BUSINESS, NULL,
	                "2026-12-28",
	                "2026-12-25 is not a business day (Noël)");
}

static void
test_window_open_on_a_day_at_a_minute(void **state)
{
	struct schedule_window w = {SCHEDULE_WEEKDAYS, 9 * 60, 18 * 60};

	assert_true(schedule_window_open(&w, D("2026-11-23"), 540));
	assert_true(schedule_window_open(&w, D("2026-11-27"), 1079));
	assert_false(schedule_window_open(&w, D("2026-11-23"), 539));
	assert_false(schedule_window_open(&w, D("2026-11-23"), 1080));
	assert_false(schedule_window_open(&w, D("2026-11-28"), 600));
	assert_false(schedule_window_open(&w, D("2026-11-29"), 600));
	/* A run for a day (--date), or no window: always open. */
	assert_true(schedule_window_open(&w, D("2026-11-28"), -1));
	assert_true(schedule_window_open(NULL, D("2026-11-28"), 0));
	assert_false(schedule_window_open(&w, D("2026-11-23"), 1440));
	assert_false(schedule_window_open(&w, DATE_NULL, 600));
}

static void
assert_window_text(unsigned days, int from, int to, size_t size,
                   const char *want)
{
	struct schedule_window w = {days, from, to};
	char out[64];

	memset(out, 'x', sizeof(out));
	schedule_window_format(&w, out, size);
	assert_string_equal(out, want);
	if (size < sizeof(out))
		assert_int_equal(out[size], 'x');
}

static void
test_window_format_spells_it_as_the_policy_does(void **state)
{
	assert_window_text(SCHEDULE_WEEKDAYS, 540, 1080, 64,
	                   "mon-fri 09:00-18:00");
	assert_window_text(0x15, 510, 720, 64, "mon,wed,fri 08:30-12:00");
	assert_window_text(0x2f, 0, 1440, 64, "mon-thu,sat 00:00-24:00");
	assert_window_text(0x60, 600, 660, 64, "sat,sun 10:00-11:00");
	assert_window_text(0x7f, 600, 660, 64, "mon-sun 10:00-11:00");
	assert_window_text(0x03, 600, 660, 64, "mon,tue 10:00-11:00");
	assert_window_text(0, 600, 660, 64, "10:00-11:00");
	assert_window_text(SCHEDULE_WEEKDAYS, 540, 1080, 5, "mon-");
	assert_window_text(0x15, 540, 1080, 6, "mon,w");
	assert_window_text(SCHEDULE_WEEKDAYS, 540, 1080, 1, "");
}

/* Whether W is open at the instant T, the way `relance run` asks it: the
 * day and the time of day of T in the local zone (TZ), by localtime_r. */
static bool
window_at(const struct schedule_window *w, time_t t)
{
	struct tm tm;
	struct date day;

	assert_non_null(localtime_r(&t, &tm));
	day = (struct date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	return schedule_window_open(w, day, tm.tm_hour * 60 + tm.tm_min);
}

/* Summer time starts on Sunday 29 March 2026 at 01:00 UTC (02:00 CET
 * becomes 03:00 CEST): 09:00 in Paris is 08:00 UTC before, 07:00 after. */
static void
test_window_across_the_change_to_summer_time(void **state)
{
	struct schedule_window w = {SCHEDULE_WEEKDAYS, 9 * 60, 18 * 60};
	struct schedule_window night = {0x40, 2 * 60, 3 * 60}; /* Sun 2-3 */

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	assert_false(window_at(&w, 1774596600)); /* Fri 07:30 UTC, 08:30 */
	assert_true(window_at(&w, 1774598400));  /* Fri 08:00 UTC, 09:00 */
	assert_false(window_at(&w, 1774853940)); /* Mon 06:59 UTC, 08:59 */
	assert_true(window_at(&w, 1774854000));  /* Mon 07:00 UTC, 09:00 */
	assert_true(window_at(&w, 1774886340));  /* Mon 15:59 UTC, 17:59 */
	assert_false(window_at(&w, 1774886400)); /* Mon 16:00 UTC, 18:00 */
	/* 02:00 to 03:00 does not exist that night. */
	assert_false(window_at(&night, 1774745940)); /* 00:59 UTC, 01:59 */
	assert_false(window_at(&night, 1774746000)); /* 01:00 UTC, 03:00 */
}

/* Summer time ends on Sunday 25 October 2026 at 01:00 UTC (03:00 CEST
 * becomes 02:00 CET): 09:00 in Paris is 07:00 UTC before, 08:00 after. */
static void
test_window_across_the_change_to_winter_time(void **state)
{
	struct schedule_window w = {SCHEDULE_WEEKDAYS, 9 * 60, 18 * 60};
	struct schedule_window night = {0x40, 2 * 60, 3 * 60}; /* Sun 2-3 */

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	assert_false(window_at(&w, 1792738740)); /* Fri 06:59 UTC, 08:59 */
	assert_true(window_at(&w, 1792738800));  /* Fri 07:00 UTC, 09:00 */
	assert_false(window_at(&w, 1792998000)); /* Mon 07:00 UTC, 08:00 */
	assert_true(window_at(&w, 1793001600));  /* Mon 08:00 UTC, 09:00 */
	assert_true(window_at(&w, 1793033940));  /* Mon 16:59 UTC, 17:59 */
	assert_false(window_at(&w, 1793034000)); /* Mon 17:00 UTC, 18:00 */
	/* 02:00 to 03:00 happens twice that night: open both times. */
	assert_false(window_at(&night, 1792886340)); /* 23:59 UTC, 01:59 */
	assert_true(window_at(&night, 1792888200));  /* 00:30 UTC, 02:30 CEST */
	assert_true(window_at(&night, 1792891800));  /* 01:30 UTC, 02:30 CET */
	assert_false(window_at(&night, 1792893600)); /* 02:00 UTC, 03:00 */
}

static void
test_reason_names(void **state)
{
	assert_string_equal(schedule_reason_name(SCHEDULE_STEP_DUE), "due");
	assert_string_equal(schedule_reason_name(SCHEDULE_GAP_REPLY),
	                    "gap-reply");
	assert_string_equal(schedule_reason_name(SCHEDULE_BELOW_MIN),
	                    "below-minimum");
	assert_string_equal(schedule_reason_name(SCHEDULE_NO_PROFILE),
	                    "no-profile");
	assert_string_equal(schedule_reason_name(SCHEDULE_REASON_COUNT), "?");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_courtesy_notice_on_the_monday_after_a_sunday),
	    T(test_step_on_a_sunday_is_not_due_that_sunday),
	    T(test_next_step_waits_for_its_date),
	    T(test_first_reminder_on_its_date),
	    T(test_run_skipped_20_days_sends_only_the_latest_due_step),
	    T(test_two_steps_pushed_to_one_day_go_in_turn),
	    T(test_missed_steps_are_not_sent_the_next_day),
	    T(test_first_run_after_the_courtesy_date_skips_it),
	    T(test_christmas_pushes_a_calendar_step_to_monday),
	    T(test_business_day_offset_across_easter_monday),
	    T(test_negative_business_day_offset_counts_back_over_easter),
	    T(test_closed_day_from_the_policy_pushes_a_step),
	    T(test_nothing_goes_out_on_a_holiday),
	    T(test_nothing_goes_out_on_a_saturday),
	    T(test_gap_after_the_previous_step),
	    T(test_gap_after_the_customers_reply),
	    T(test_one_step_per_day_even_without_a_gap),
	    T(test_paused_invoice_waits_until_its_date),
	    T(test_pause_over_sends_the_latest_due_step),
	    T(test_paid_invoice_gets_nothing),
	    T(test_disputed_invoice_gets_nothing),
	    T(test_closed_invoice_gets_nothing),
	    T(test_cancelled_invoice_gets_nothing),
	    T(test_nothing_due_gets_nothing),
	    T(test_below_the_minimum_amount_nobody_is_chased),
	    T(test_the_minimum_amount_itself_is_chased),
	    T(test_minimum_in_another_currency_does_not_apply),
	    T(test_step_already_sent_is_never_sent_again),
	    T(test_steps_sent_stay_sent_while_the_next_one_waits),
	    T(test_no_step_left_after_the_last_one),
	    T(test_profile_without_steps_has_nothing),
	    T(test_last_step_from_another_profile_counts_by_its_date),
	    T(test_all_contacts_bounced_switches_email_to_letter),
	    T(test_one_contact_left_keeps_email),
	    T(test_bounced_contacts_leave_a_task_step_alone),
	    T(test_missing_profile_or_dates_decide_nothing),
	    T(test_no_rules_means_no_closed_days_and_no_reply),
	    T(test_last_reply_is_the_latest_customer_event),
	    T(test_thanks_due_once_when_paid),
	    T(test_no_thanks_without_a_thanks_template),
	    T(test_window_is_weekdays_from_inclusive_to_exclusive),
	    T(test_empty_window_or_bad_time_is_outside),
	    T(test_window_follows_local_time_across_daylight_saving),
	    T(test_first_contact_caps_a_late_import),
	    T(test_first_contact_applies_only_to_invoices_never_chased),
	    T(test_first_contact_leaves_earlier_steps_alone),
	    T(test_first_contact_waits_out_a_reply_gap),
	    T(test_day_off_gate_for_what_schedule_next_does_not_decide),
	    T(test_window_open_on_a_day_at_a_minute),
	    T(test_window_format_spells_it_as_the_policy_does),
	    T(test_window_across_the_change_to_summer_time),
	    T(test_window_across_the_change_to_winter_time),
	    T(test_reason_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
