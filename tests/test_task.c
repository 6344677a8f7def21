/*
 * test_task.c -- tasks in an invoice's history: IDs, open or done, notes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "task.h"

#define NOW   1795000000 /* 2026-11-19 */
#define ACTOR "relance done (clerk)"

/* An open invoice NUMBER with an import, a call task, a sent reminder,
 * a bounce task. */
static void
sample(struct invoice *inv, const char *number)
{
	invoice_init(inv);
	inv->number = strdup(number);
	inv->customer = strdup("C001");
	strlist_add(&inv->contacts, "compta@dupont.fr");
	inv->lang = strdup("fr");
	inv->profile = strdup("default");
	inv->amount_due = inv->amount_original = 123456;
	invoice_add_event(inv, NOW - 900, "imported", "relance import (clerk)",
	                  "imported");
	invoice_add_event(inv, NOW - 800, "task", "relance run (clerk)",
	                  "Appeler Dupont au sujet de %s\n\nDire ceci.",
	                  number);
	invoice_add_event(inv, NOW - 700, "sent", "relance run (clerk)",
	                  "reminder-1 <x@example.com>");
	invoice_add_event(inv, NOW - 600, "task", "relance-milter",
	                  "mail to a@b.example bounced for good: check the "
	                  "address; the next step goes by letter");
}

static const struct invoice_event *
last_event(const struct invoice *inv)
{
	assert_true(inv->nevents > 0);
	return &inv->events[inv->nevents - 1];
}

static void
test_ids_split_at_the_last_dot(void **state)
{
	unsigned seq = 0;

	(void)state;
	assert_int_equal(task_parse_id("F2026-0042.3", &seq), 10);
	assert_int_equal(seq, 3);
	assert_int_equal(task_parse_id("F.2026-1.12", &seq), 8);
	assert_int_equal(seq, 12);
	assert_int_equal(task_parse_id("F.1", &seq), 1);
	assert_int_equal(seq, 1);
	assert_int_equal(task_parse_id("2026.999999", &seq), 4);
	assert_int_equal(seq, 999999);
}

static void
test_malformed_ids_are_refused(void **state)
{
	static const char *const bad[] = {"F2026-0042",
	                                  ".3",
	                                  "F2026-0042.",
	                                  "F2026-0042.0",
	                                  "F2026-0042.03",
	                                  "F2026-0042.3a",
	                                  "F2026-0042.-3",
	                                  "F2026-0042.+3",
	                                  "F2026-0042.1000000",
	                                  "F2026-0042.3 ",
	                                  "F2026-0042.99999999999999999999",
	                                  ""};
	unsigned seq = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(task_parse_id(bad[i], &seq), 0);
		assert_int_equal(seq, 77);
	}
}

static void
test_ids_round_trip(void **state)
{
	struct buf b = BUF_INIT;
	unsigned seq;

	(void)state;
	task_format_id("F.2026-1", 4, &b);
	assert_string_equal(buf_cstr(&b), "F.2026-1.4");
	assert_int_equal(task_parse_id(buf_cstr(&b), &seq), 8);
	assert_int_equal(seq, 4);
	buf_free(&b);
}

static void
test_tasks_are_numbered_among_tasks_only(void **state)
{
	struct invoice inv;
	struct task t;
	size_t pos = 0;

	(void)state;
	sample(&inv, "F2026-0042");
	assert_true(task_next(&inv, &pos, &t));
	assert_int_equal(t.seq, 1);
	assert_ptr_equal(t.ev, &inv.events[1]);
	assert_null(t.done);
	assert_true(task_next(&inv, &pos, &t));
	assert_int_equal(t.seq, 2);
	assert_ptr_equal(t.ev, &inv.events[3]);
	assert_false(task_next(&inv, &pos, &t));
	assert_false(task_next(&inv, &pos, &t));
	assert_int_equal(task_count(&inv), 2);
	assert_int_equal(task_find(&inv, 2, &t), 0);
	assert_string_equal(t.ev->actor, "relance-milter");
	assert_int_equal(task_find(&inv, 3, &t), -1);
	assert_int_equal(task_find(&inv, 0, &t), -1);
	invoice_free(&inv);
}

static void
test_a_spooled_event_put_back_in_time_keeps_task_ids(void **state)
{
	struct invoice inv;
	struct invoice_event moved;
	struct task t;

	(void)state;
	sample(&inv, "F2026-0042");
	/* What spool.c does with a replayed milter event: the last event
	 * goes back to its place in time, before both tasks. */
	invoice_add_event(&inv, NOW - 850, "reminder-sent", "relance-milter",
	                  "courtesy");
	moved = inv.events[inv.nevents - 1];
	memmove(&inv.events[2], &inv.events[1], 3 * sizeof(moved));
	inv.events[1] = moved;
	assert_int_equal(task_find(&inv, 1, &t), 0);
	assert_ptr_equal(t.ev, &inv.events[2]);
	assert_int_equal(task_find(&inv, 2, &t), 0);
	assert_ptr_equal(t.ev, &inv.events[4]);
	invoice_free(&inv);
}

static void
test_what_is_the_first_line(void **state)
{
	struct invoice inv;
	struct buf b = BUF_INIT;
	struct invoice_event ev = {0, "task", "x", NULL};
	char longline[TASK_MAX_WHAT + 10];

	(void)state;
	sample(&inv, "F1");
	task_what(&inv.events[1], &b);
	assert_string_equal(buf_cstr(&b), "Appeler Dupont au sujet de F1");
	buf_reset(&b);
	task_what(&ev, &b);
	assert_string_equal(buf_cstr(&b), "");
	/* cut on a character boundary: "é" is two bytes across the limit */
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline + TASK_MAX_WHAT - 1, "\xc3\xa9", 2);
	ev.detail = longline;
	buf_reset(&b);
	task_what(&ev, &b);
	assert_int_equal(b.len, TASK_MAX_WHAT - 1);
	buf_free(&b);
	invoice_free(&inv);
}

static void
test_close_records_task_done_naming_task_and_note(void **state)
{
	struct invoice inv;
	struct buf note = BUF_INIT;
	struct task t;
	struct err e;

	(void)state;
	sample(&inv, "F2026-0042");
	assert_int_equal(
	    task_close(&inv, 1, "promis pour vendredi", NOW, ACTOR, &e), 0);
	assert_string_equal(last_event(&inv)->kind, "task-done");
	assert_string_equal(last_event(&inv)->actor, ACTOR);
	assert_int_equal(last_event(&inv)->time, NOW);
	assert_string_equal(last_event(&inv)->detail,
	                    "F2026-0042.1: Appeler Dupont au sujet de "
	                    "F2026-0042; note: promis pour vendredi");
	assert_int_equal(task_find(&inv, 1, &t), 0);
	assert_ptr_equal(t.done, last_event(&inv));
	assert_true(task_note(&inv, &t, &note));
	assert_string_equal(buf_cstr(&note), "promis pour vendredi");
	/* the other task is still open */
	assert_int_equal(task_find(&inv, 2, &t), 0);
	assert_null(t.done);
	assert_false(task_note(&inv, &t, &note));
	buf_free(&note);
	invoice_free(&inv);
}

static void
test_close_without_note(void **state)
{
	struct invoice inv;
	struct buf note = BUF_INIT;
	struct task t;
	struct err e;

	(void)state;
	sample(&inv, "F2026-0042");
	assert_int_equal(task_close(&inv, 2, NULL, NOW, ACTOR, &e), 0);
	assert_string_equal(last_event(&inv)->detail,
	                    "F2026-0042.2: mail to a@b.example bounced for "
	                    "good: check the address; the next step goes by "
	                    "letter");
	assert_int_equal(task_find(&inv, 2, &t), 0);
	assert_non_null(t.done);
	assert_false(task_note(&inv, &t, &note));
	assert_int_equal(note.len, 0);
	buf_free(&note);
	invoice_free(&inv);
}

static void
test_a_note_separator_in_the_task_does_not_mislead(void **state)
{
	struct invoice inv;
	struct buf note = BUF_INIT;
	struct task t;
	struct err e;

	(void)state;
	sample(&inv, "F1");
	invoice_add_event(&inv, NOW, "task", "x", "call; note: urgent");
	assert_int_equal(task_close(&inv, 3, NULL, NOW, ACTOR, &e), 0);
	assert_int_equal(task_find(&inv, 3, &t), 0);
	assert_false(task_note(&inv, &t, &note));
	invoice_add_event(&inv, NOW, "task", "x", "call; note: urgent");
	assert_int_equal(
	    task_close(&inv, 4, "done; note: twice", NOW, ACTOR, &e), 0);
	assert_int_equal(task_find(&inv, 4, &t), 0);
	assert_true(task_note(&inv, &t, &note));
	assert_string_equal(buf_cstr(&note), "done; note: twice");
	buf_free(&note);
	invoice_free(&inv);
}

static void
test_task_1_done_does_not_close_task_10(void **state)
{
	struct invoice inv;
	struct task t;
	struct err e;

	(void)state;
	sample(&inv, "F1");
	for (int i = 3; i <= 10; i++)
		invoice_add_event(&inv, NOW, "task", "x", "task %d", i);
	/* a note naming another task in its text is not that task's close */
	assert_int_equal(
	    task_close(&inv, 1, "see F1.10: later", NOW, ACTOR, &e), 0);
	assert_int_equal(task_find(&inv, 10, &t), 0);
	assert_null(t.done);
	assert_int_equal(task_close(&inv, 10, NULL, NOW, ACTOR, &e), 0);
	assert_int_equal(task_find(&inv, 1, &t), 0);
	assert_string_equal(t.done->detail, "F1.1: Appeler Dupont au sujet de "
	                                    "F1; note: see F1.10: later");
	assert_int_equal(task_find(&inv, 10, &t), 0);
	assert_string_equal(t.done->detail, "F1.10: task 10");
	invoice_free(&inv);
}

static void
test_a_done_event_of_another_invoice_prefix_does_not_count(void **state)
{
	struct invoice inv;
	struct task t;

	(void)state;
	/* invoice "F1" must not take "F1.2.1: ..." (task 1 of invoice
	 * "F1.2") as closing its task 2, nor "F12.1" its task 1 */
	sample(&inv, "F1");
	invoice_add_event(&inv, NOW, "task-done", ACTOR, "F1.2.1: x");
	invoice_add_event(&inv, NOW, "task-done", ACTOR, "F12.1: x");
	assert_int_equal(task_find(&inv, 2, &t), 0);
	assert_null(t.done);
	assert_int_equal(task_find(&inv, 1, &t), 0);
	assert_null(t.done);
	invoice_free(&inv);
}

static void
test_a_done_before_the_task_does_not_count(void **state)
{
	struct invoice inv;
	struct task t;

	(void)state;
	invoice_init(&inv);
	inv.number = strdup("F1");
	invoice_add_event(&inv, NOW, "task-done", ACTOR, "F1.1: x");
	invoice_add_event(&inv, NOW, "task", "x", "call");
	assert_int_equal(task_find(&inv, 1, &t), 0);
	assert_null(t.done);
	invoice_free(&inv);
}

static void
test_close_refuses_and_changes_nothing(void **state)
{
	struct invoice inv;
	struct err e;
	char longnote[TASK_MAX_NOTE + 2];
	size_t n;

	(void)state;
	sample(&inv, "F2026-0042");
	n = inv.nevents;
	assert_int_equal(task_close(&inv, 3, NULL, NOW, ACTOR, &e), -1);
	assert_string_equal(e.msg, "unknown task \"F2026-0042.3\": invoice "
	                           "F2026-0042 has 2 tasks");
	assert_int_equal(task_close(&inv, 1, "two\nlines", NOW, ACTOR, &e), -1);
	assert_string_equal(e.msg, "the note must be one line of at most 500 "
	                           "bytes, without control characters");
	memset(longnote, 'x', sizeof(longnote) - 1);
	longnote[sizeof(longnote) - 1] = '\0';
	assert_int_equal(task_close(&inv, 1, longnote, NOW, ACTOR, &e), -1);
	longnote[TASK_MAX_NOTE] = '\0';
	assert_int_equal(inv.nevents, n);
	assert_int_equal(task_close(&inv, 1, longnote, NOW, ACTOR, &e), 0);
	n = inv.nevents;
	assert_int_equal(task_close(&inv, 1, NULL, NOW + 5, "someone", &e), -1);
	assert_string_equal(e.msg, "task F2026-0042.1 is already done (by "
	                           "relance done (clerk))");
	assert_int_equal(inv.nevents, n);
	invoice_free(&inv);
}

static void
test_one_task_says_task_not_tasks(void **state)
{
	struct invoice inv;
	struct err e;

	(void)state;
	invoice_init(&inv);
	inv.number = strdup("F1");
	assert_int_equal(task_close(&inv, 1, NULL, NOW, ACTOR, &e), -1);
	assert_string_equal(e.msg, "unknown task \"F1.1\": invoice F1 has 0 "
	                           "tasks");
	invoice_add_event(&inv, NOW, "task", "x", "call");
	assert_int_equal(task_close(&inv, 2, NULL, NOW, ACTOR, &e), -1);
	assert_string_equal(e.msg, "unknown task \"F1.2\": invoice F1 has 1 "
	                           "task");
	invoice_free(&inv);
}

static void
test_paid_and_closed_invoices_make_tasks_moot(void **state)
{
	struct invoice inv;

	(void)state;
	invoice_init(&inv);
	assert_false(task_moot(&inv));
	inv.state = INVOICE_PAUSED;
	assert_false(task_moot(&inv));
	inv.state = INVOICE_DISPUTED;
	assert_false(task_moot(&inv));
	inv.state = INVOICE_PAID;
	assert_true(task_moot(&inv));
	inv.state = INVOICE_CLOSED;
	assert_true(task_moot(&inv));
	invoice_free(&inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids_split_at_the_last_dot),
	    cmocka_unit_test(test_malformed_ids_are_refused),
	    cmocka_unit_test(test_ids_round_trip),
	    cmocka_unit_test(test_tasks_are_numbered_among_tasks_only),
	    cmocka_unit_test(
	        test_a_spooled_event_put_back_in_time_keeps_task_ids),
	    cmocka_unit_test(test_what_is_the_first_line),
	    cmocka_unit_test(test_close_records_task_done_naming_task_and_note),
	    cmocka_unit_test(test_close_without_note),
	    cmocka_unit_test(
	        test_a_note_separator_in_the_task_does_not_mislead),
	    cmocka_unit_test(test_task_1_done_does_not_close_task_10),
	    cmocka_unit_test(
	        test_a_done_event_of_another_invoice_prefix_does_not_count),
	    cmocka_unit_test(test_a_done_before_the_task_does_not_count),
	    cmocka_unit_test(test_close_refuses_and_changes_nothing),
	    cmocka_unit_test(test_one_task_says_task_not_tasks),
	    cmocka_unit_test(test_paid_and_closed_invoices_make_tasks_moot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
