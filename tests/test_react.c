/*
 * test_react.c -- what a classified message does to its invoice: each
 * class's reaction, and every reason not to act.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "react.h"

#define NOW 1795426200 /* 2026-11-23 */
static const struct date today = {2026, 11, 23};

struct fixture {
	struct invoice inv;
	struct policy_profile profile;
	struct classify_result cls;
	struct react_input in;
	struct react_outcome out;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct policy_reaction *r = f->profile.reactions;

	invoice_init(&f->inv);
	f->inv.number = strdup("F2026-0142");
	f->inv.customer = strdup("C001");
	strlist_add(&f->inv.contacts, "compta@dupont.example");
	f->inv.amount_due = f->inv.amount_original = 123456;
	f->inv.due_date = (struct date){2026, 10, 1};
	r[POLICY_EVENT_REPLY] =
	    (struct policy_reaction){.action = POLICY_ACTION_PAUSE, .days = 7};
	r[POLICY_EVENT_PROMISE] =
	    (struct policy_reaction){.action = POLICY_ACTION_GRACE, .days = 3};
	r[POLICY_EVENT_DISPUTE] = (struct policy_reaction){
	    .action = POLICY_ACTION_DISPUTE, .days = 0};
	r[POLICY_EVENT_REMITTANCE] =
	    (struct policy_reaction){.action = POLICY_ACTION_PAID, .days = 0};
	r[POLICY_EVENT_BOUNCE] =
	    (struct policy_reaction){.action = POLICY_ACTION_LETTER, .days = 0};
	r[POLICY_EVENT_OUT_OF_OFFICE] = (struct policy_reaction){
	    .action = POLICY_ACTION_WAIT_RETURN, .days = 15};
	f->cls.rule = strdup("fr keyword dispute");
	f->cls.matched = strdup("je conteste");
	f->in = (struct react_input){&f->cls,
	                             "compta@dupont.example",
	                             "<m1@dupont.example>",
	                             "4Xy7Z",
	                             true,
	                             false,
	                             today,
	                             NOW,
	                             "relance-milter",
	                             NULL};
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	invoice_free(&f->inv);
	classify_free(&f->cls);
	free(f);
	return 0;
}

static const struct invoice_event *
event(const struct fixture *f, size_t i)
{
	assert_true(i < f->inv.nevents);
	return &f->inv.events[i];
}

static void
apply(struct fixture *f, enum classify_class c)
{
	f->cls.class = c;
	assert_int_equal(
	    react_apply(&f->inv, &f->profile, NULL, &f->in, &f->out), 0);
}

static void
test_dispute_from_a_contact_disputes(void **state)
{
	struct fixture *f = *state;

	apply(f, CLASSIFY_DISPUTE);
	assert_int_equal(f->out.verdict, REACT_APPLIED);
	assert_int_equal(f->inv.state, INVOICE_DISPUTED);
	assert_int_equal(f->inv.nevents, 2);
	assert_string_equal(event(f, 0)->kind, "dispute");
	assert_string_equal(event(f, 0)->detail,
	                    "dispute from compta@dupont.example: fr keyword "
	                    "dispute: je conteste; Message-ID "
	                    "<m1@dupont.example>; queue ID 4Xy7Z");
	assert_string_equal(event(f, 1)->kind, "disputed");
	assert_string_equal(f->inv.dispute_reason,
	                    "the customer wrote \"je conteste\"");
	assert_string_equal(f->out.why,
	                    "dispute: mark-disputed (open -> disputed)");
}

static void
test_a_stranger_changes_nothing(void **state)
{
	struct fixture *f = *state;

	f->in.sender = "billing@attacker.example";
	apply(f, CLASSIFY_REMITTANCE);
	assert_int_equal(f->out.verdict, REACT_REVIEW);
	assert_int_equal(f->inv.state, INVOICE_OPEN);
	assert_int_equal(f->inv.nevents, 1);
	assert_string_equal(event(f, 0)->kind, "review");
	assert_string_equal(event(f, 0)->detail,
	                    "remittance from billing@attacker.example, not "
	                    "acted on (sender billing@attacker.example has "
	                    "nothing to do with this invoice): fr keyword "
	                    "dispute: je conteste; Message-ID "
	                    "<m1@dupont.example>; queue ID 4Xy7Z");
}

static void
test_weak_match_or_failed_authentication_is_review_only(void **state)
{
	struct fixture *f = *state;

	f->in.strong = false;
	apply(f, CLASSIFY_DISPUTE);
	assert_int_equal(f->out.verdict, REACT_REVIEW);
	assert_string_equal(f->out.why, "matched on a weak signal only");
	f->in.strong = true;
	f->in.auth_failed = true;
	apply(f, CLASSIFY_DISPUTE);
	assert_int_equal(f->out.verdict, REACT_REVIEW);
	assert_string_equal(f->out.why, "sender compta@dupont.example failed "
	                                "authentication");
	assert_int_equal(f->inv.state, INVOICE_OPEN);
}

static void
test_colleague_at_the_same_company_is_known(void **state)
{
	struct fixture *f = *state;
	struct invoice *inv = &f->inv;

	assert_true(react_sender_known(inv, "jean@dupont.example"));
	assert_true(react_sender_known(inv, "COMPTA@dupont.example"));
	assert_false(react_sender_known(inv, "jean@dupont.example.evil"));
	assert_false(react_sender_known(inv, NULL));
	strlist_add(&inv->contacts, "boulangerie.lefevre@gmail.com");
	assert_false(react_sender_known(inv, "someone@gmail.com"));
	assert_true(react_sender_known(inv, "boulangerie.lefevre@gmail.com"));
}

static void
test_reply_pauses_and_never_shortens_a_pause(void **state)
{
	struct fixture *f = *state;
	char d[11];

	apply(f, CLASSIFY_REPLY);
	date_format(f->inv.paused_until, d);
	assert_string_equal(d, "2026-11-30");
	assert_int_equal(f->out.after, INVOICE_PAUSED);
	f->cls.promise_date = (struct date){2026, 12, 15};
	apply(f, CLASSIFY_PROMISE);
	date_format(f->inv.paused_until, d);
	assert_string_equal(d, "2026-12-18");
	apply(f, CLASSIFY_REPLY);
	date_format(f->inv.paused_until, d);
	assert_string_equal(d, "2026-12-18");
}

static void
test_remittance_marks_paid_or_waits_for_the_bank(void **state)
{
	struct fixture *f = *state;
	char d[11];

	f->profile.reactions[POLICY_EVENT_REMITTANCE] =
	    (struct policy_reaction){.action = POLICY_ACTION_ANNOUNCE,
	                             .days = 5};
	apply(f, CLASSIFY_REMITTANCE);
	date_format(f->inv.paused_until, d);
	assert_string_equal(d, "2026-11-28");
	assert_int_equal(f->inv.state, INVOICE_PAUSED);
	f->profile.reactions[POLICY_EVENT_REMITTANCE] =
	    (struct policy_reaction){.action = POLICY_ACTION_PAID, .days = 0};
	apply(f, CLASSIFY_REMITTANCE);
	assert_int_equal(f->inv.state, INVOICE_PAID);
	assert_int_equal(f->inv.amount_due, 0);
	assert_string_equal(f->out.why, "remittance: paid (paused -> paid)");
}

static void
test_permanent_bounce_flags_the_contact_once(void **state)
{
	struct fixture *f = *state;

	f->in.sender = "MAILER-DAEMON@mx.dupont.example";
	f->cls.bounce_recipient = strdup("compta@dupont.example");
	f->cls.bounce_permanent = true;
	apply(f, CLASSIFY_BOUNCE);
	apply(f, CLASSIFY_BOUNCE);
	assert_int_equal(f->inv.undeliverable.n, 1);
	assert_string_equal(f->inv.undeliverable.v[0], "compta@dupont.example");
	assert_string_equal(event(f, 1)->kind, "task");
	assert_int_equal(f->inv.nevents, 3); /* bounce, task, bounce */
	assert_int_equal(f->inv.state, INVOICE_OPEN);
}

static void
test_bounce_for_someone_else_is_review(void **state)
{
	struct fixture *f = *state;

	f->cls.bounce_recipient = strdup("other@elsewhere.example");
	f->cls.bounce_permanent = true;
	apply(f, CLASSIFY_BOUNCE);
	assert_int_equal(f->out.verdict, REACT_REVIEW);
	assert_int_equal(f->inv.undeliverable.n, 0);
}

static void
test_out_of_office_waits_for_the_return_date_within_the_cap(void **state)
{
	struct fixture *f = *state;
	char d[11];

	apply(f, CLASSIFY_AUTO_REPLY); /* no date: nothing but the event */
	assert_int_equal(f->inv.state, INVOICE_OPEN);
	f->cls.return_date = (struct date){2026, 12, 3};
	apply(f, CLASSIFY_AUTO_REPLY);
	date_format(f->inv.paused_until, d);
	assert_string_equal(d, "2026-12-03");
	f->cls.return_date = (struct date){2027, 3, 1};
	apply(f, CLASSIFY_AUTO_REPLY);
	date_format(f->inv.paused_until, d);
	assert_string_equal(d, "2026-12-08"); /* capped at 15 days */
}

static void
test_nothing_moves_a_paid_invoice(void **state)
{
	struct fixture *f = *state;

	f->inv.state = INVOICE_PAID;
	apply(f, CLASSIFY_DISPUTE);
	apply(f, CLASSIFY_REPLY);
	assert_int_equal(f->inv.state, INVOICE_PAID);
	assert_int_equal(f->inv.nevents, 2); /* the two arrivals */
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_dispute_from_a_contact_disputes),
	    T(test_a_stranger_changes_nothing),
	    T(test_weak_match_or_failed_authentication_is_review_only),
	    T(test_colleague_at_the_same_company_is_known),
	    T(test_reply_pauses_and_never_shortens_a_pause),
	    T(test_remittance_marks_paid_or_waits_for_the_bank),
	    T(test_permanent_bounce_flags_the_contact_once),
	    T(test_bounce_for_someone_else_is_review),
	    T(test_out_of_office_waits_for_the_return_date_within_the_cap),
	    T(test_nothing_moves_a_paid_invoice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
