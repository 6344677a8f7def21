/*
 * test_incoming.c -- a message from bytes to the invoice it changes, on a
 * real state file and the shipped policies.
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

#include "incoming.h"
#include "ledger.h"

#define NOW 1795426200 /* 2026-11-23 */

struct fixture {
	char dir[64], path[96];
	struct store *st;
	struct policy *pol;
	struct strlist mailboxes;
	struct incoming_ctx ic;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *top = getenv("top_srcdir");
	struct strlist errors = STRLIST_INIT;
	struct invoice inv;
	struct buf dir = BUF_INIT;
	struct err e;

	strcpy(f->dir, "/tmp/relance-incoming-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/state.db", f->dir);
	f->st = store_new(f->path, 2000);
	buf_printf(&dir, "%s/policies", top ? top : ".");
	assert_int_equal(policy_load(buf_cstr(&dir), &f->pol, &errors), 0);
	buf_free(&dir);
	strlist_add(&f->mailboxes, "factures@example.com");
	f->ic = (struct incoming_ctx){f->pol,         &f->mailboxes, f->st,
	                              {2026, 11, 23}, NOW,           "test",
	                              "4Xy7Z",        NULL,          -1};
	invoice_init(&inv);
	inv.number = strdup("F2026-0142");
	inv.customer = strdup("C001");
	inv.lang = strdup("fr");
	inv.profile = strdup("default");
	strlist_add(&inv.contacts, "compta@dupont.example");
	strlist_add(&inv.tracking_ids, "R-7K3Q9WXMT");
	strlist_add(&inv.message_ids, "<relance.R-7K3Q9WXMT.1@example.com>");
	inv.amount_due = inv.amount_original = 123456;
	inv.issue_date = (struct date){2026, 9, 1};
	inv.due_date = (struct date){2026, 10, 1};
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(ledger_put(f->st, &inv, &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	invoice_free(&inv);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_free(f->st);
	policy_free(f->pol);
	strlist_clear(&f->mailboxes);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
process(struct fixture *f, const char *from, const char *subject,
        const char *body, struct incoming_result *r)
{
	struct buf msg = BUF_INIT;
	struct err e;

	buf_printf(&msg,
	           "From: %s\r\nTo: factures@example.com\r\n"
	           "Subject: %s\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
	           "Message-ID: <r1@dupont.example>\r\n"
	           "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
	           from, subject, body);
	assert_int_equal(incoming_process(&f->ic, msg.data, msg.len, r, &e), 0);
	buf_free(&msg);
}

static struct invoice
load(struct fixture *f)
{
	struct invoice inv;
	struct err e;

	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_get(f->st, "F2026-0142", &inv, &e), STORE_OK);
	store_abort(f->st);
	return inv;
}

static void
test_dispute_with_the_subject_tag_disputes(void **state)
{
	struct fixture *f = *state;
	struct incoming_result r;
	struct invoice inv;

	process(f, "Jean <compta@dupont.example>",
	        "RE: Facture impayée F2026-0142 [Réf. R-7K3Q9WXMT]",
	        "Je conteste cette facture : rien n'a été livré.\r\n", &r);
	assert_int_equal(r.store, STORE_OK);
	assert_int_equal(r.class, CLASSIFY_DISPUTE);
	assert_string_equal(r.invoice, "F2026-0142");
	assert_int_equal(r.state, INVOICE_DISPUTED);
	assert_int_equal(r.verdict, REACT_APPLIED);
	inv = load(f);
	assert_int_equal(inv.state, INVOICE_DISPUTED);
	assert_string_equal(inv.events[inv.nevents - 2].kind, "dispute");
	invoice_free(&inv);
}

static void
test_forged_remittance_from_a_stranger_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct incoming_result r;
	struct invoice inv;

	process(f, "billing@attacker.example",
	        "RE: Facture F2026-0142 [Réf. R-7K3Q9WXMT]",
	        "Le virement a été effectué ce jour.\r\n", &r);
	assert_int_equal(r.class, CLASSIFY_REMITTANCE);
	assert_int_equal(r.verdict, REACT_REVIEW);
	assert_int_equal(r.state, INVOICE_OPEN);
	inv = load(f);
	assert_int_equal(inv.state, INVOICE_OPEN);
	assert_string_equal(inv.events[inv.nevents - 1].kind, "review");
	invoice_free(&inv);
}

static void
test_invoice_number_alone_is_review_only(void **state)
{
	struct fixture *f = *state;
	struct incoming_result r;

	process(f, "compta@dupont.example", "Facture F2026-0142",
	        "Le virement a été effectué ce jour pour la facture "
	        "F2026-0142.\r\n",
	        &r);
	assert_string_equal(r.invoice, "F2026-0142");
	assert_int_equal(r.verdict, REACT_REVIEW);
	assert_int_equal(r.state, INVOICE_OPEN);
}

static void
test_the_same_message_twice_is_recorded_once(void **state)
{
	struct fixture *f = *state;
	struct incoming_result r;
	struct invoice inv;
	size_t n;

	process(f, "compta@dupont.example",
	        "RE: Facture F2026-0142 [Réf. R-7K3Q9WXMT]",
	        "Pouvez-vous me renvoyer la facture ?\r\n", &r);
	assert_int_equal(r.verdict, REACT_APPLIED);
	inv = load(f);
	n = inv.nevents;
	invoice_free(&inv);
	process(f, "compta@dupont.example",
	        "RE: Facture F2026-0142 [Réf. R-7K3Q9WXMT]",
	        "Pouvez-vous me renvoyer la facture ?\r\n", &r);
	assert_int_equal(r.verdict, REACT_REVIEW);
	assert_string_equal(r.log, "invoice F2026-0142: Message-ID "
	                           "<r1@dupont.example> already recorded, "
	                           "ignored");
	inv = load(f);
	assert_int_equal(inv.nevents, n);
	invoice_free(&inv);
}

static void
test_unknown_tracking_id_matches_nothing(void **state)
{
	struct fixture *f = *state;
	struct incoming_result r;

	process(f, "compta@dupont.example", "RE: relance [Réf. R-2M8D4HZPX]",
	        "Je conteste.\r\n", &r);
	assert_string_equal(r.invoice, "");
	assert_int_equal(r.store, STORE_OK);
}

/* A bounce that carries only our Message-ID in the returned headers (no
 * tracking ID: the reminder went out untagged) finds its invoice, and the
 * failed contact is flagged. */
static void
test_bounce_found_by_the_returned_message_id(void **state)
{
	struct fixture *f = *state;
	struct incoming_result r;
	struct invoice inv;
	struct err e;
	const char *msg =
	    "From: MAILER-DAEMON@mx1.example.com\r\n"
	    "To: factures@example.com\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
	    "Message-ID: <b1@mx1.example.com>\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    " boundary=\"B\"\r\n\r\n"
	    "--B\r\nContent-Type: text/plain\r\n\r\nUser unknown.\r\n"
	    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx1.example.com\r\n\r\n"
	    "Final-Recipient: rfc822; compta@dupont.example\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
	    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	    "From: factures@example.com\r\nTo: compta@dupont.example\r\n"
	    "Subject: Facture impayee\r\n"
	    "Message-ID: <relance.R-7K3Q9WXMT.1@example.com>\r\n\r\n"
	    "--B--\r\n";

	assert_int_equal(incoming_process(&f->ic, msg, strlen(msg), &r, &e), 0);
	assert_int_equal(r.class, CLASSIFY_BOUNCE);
	assert_string_equal(r.invoice, "F2026-0142");
	assert_int_equal(r.verdict, REACT_APPLIED);
	inv = load(f);
	assert_int_equal(inv.undeliverable.n, 1);
	assert_string_equal(inv.undeliverable.v[0], "compta@dupont.example");
	invoice_free(&inv);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_dispute_with_the_subject_tag_disputes),
	    T(test_forged_remittance_from_a_stranger_changes_nothing),
	    T(test_invoice_number_alone_is_review_only),
	    T(test_the_same_message_twice_is_recorded_once),
	    T(test_unknown_tracking_id_matches_nothing),
	    T(test_bounce_found_by_the_returned_message_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
