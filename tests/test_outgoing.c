/*
 * test_outgoing.c -- outgoing mail: who sends it, whether it is a
 * reminder, the exact header changes that tag it, and the guard.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "outgoing.h"

/* Valid tracking IDs (track_make of fixed bytes). */
#define ID_A "R-78DQS6A24"
#define ID_B "R-04106105X"
#define ID_C "R-VTPVXVR19"

/* "[Réf. " encoded, as the default tag starts. */
#define REF_WORD "=?UTF-8?Q?=5BR=C3=A9f=2E?="

/* A message under test: headers as "Name: value" lines, recipients. */
struct fixture {
	struct strlist names, values, rcpts;
	struct outgoing_msg m;
	struct config cfg;
	struct outgoing_conf oc;
};

static struct fixture *
fixture_new(const char *conf)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct strlist errors = STRLIST_INIT;
	struct err e;

	assert_non_null(f);
	assert_int_equal(config_init(&f->cfg), 0);
	assert_int_equal(
	    config_parse(&f->cfg, "relance.conf", conf, strlen(conf), &errors),
	    0);
	assert_int_equal(outgoing_conf_init(&f->oc, &f->cfg, NULL, &e), 0);
	f->m.names = &f->names;
	f->m.values = &f->values;
	f->m.rcpts = &f->rcpts;
	f->m.envfrom = "";
	return f;
}

static int
setup(void **state)
{
	*state = fixture_new("Mailbox factures@example.com\n"
	                     "InternalNetworks 10.0.0.0/9, 2001:db8::/32, "
	                     "127.0.0.1\n"
	                     "InternalDaemons ORIGINATING\n"
	                     "ReminderSender compta@example.com\n"
	                     "ReminderSubject \"relance facture "
	                     "(F[0-9]{4}-[0-9]+)\"\n");
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	strlist_clear(&f->names);
	strlist_clear(&f->values);
	strlist_clear(&f->rcpts);
	outgoing_conf_free(&f->oc);
	config_free(&f->cfg);
	free(f);
	return 0;
}

static void
header(struct fixture *f, const char *name, const char *value)
{
	assert_int_equal(strlist_add(&f->names, name), 0);
	assert_int_equal(strlist_add(&f->values, value), 0);
}

static void
rcpt(struct fixture *f, const char *addr)
{
	assert_int_equal(strlist_add(&f->rcpts, addr), 0);
}

static void
assert_plan(const struct outgoing_plan *p, const char *want)
{
	struct buf b = BUF_INIT;
	static const char *const ops[] = {"change", "delete", "add"};

	for (size_t i = 0; i < p->n; i++) {
		buf_printf(&b, "%s %s", ops[p->v[i].op], p->v[i].name);
		if (p->v[i].op != OUTGOING_ADD)
			buf_printf(&b, " %d", p->v[i].index);
		if (p->v[i].value != NULL)
			buf_printf(&b, ": %s", p->v[i].value);
		buf_putc(&b, '\n');
	}
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
assert_decode(const char *v, const char *want)
{
	struct buf b = BUF_INIT;

	outgoing_decode(v, &b);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void
assert_text(const char *text, bool after, const char *want)
{
	struct buf b = BUF_INIT;

	outgoing_header_text(text, after, &b);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

/* ---- configuration ---- */

static void
test_policy_tag_wins_over_subject_tag(void **state)
{
	struct config cfg;
	struct outgoing_conf oc;
	struct policy *pol = policy_new();
	struct err e;

	assert_non_null(pol);
	assert_int_equal(config_init(&cfg), 0);
	assert_int_equal(outgoing_conf_init(&oc, &cfg, pol, &e), 0);
	assert_string_equal(oc.subject_tag, "[Réf. {id}]");
	outgoing_conf_free(&oc);
	pol->matching.subject_tag = strdup("(dossier {id})");
	assert_int_equal(outgoing_conf_init(&oc, &cfg, pol, &e), 0);
	assert_string_equal(oc.subject_tag, "(dossier {id})");
	assert_int_equal(oc.mailboxes.n, 0);
	outgoing_conf_free(&oc);
	policy_free(pol);
	config_free(&cfg);
}

static void
test_mailboxes_default_to_reply_address(void **state)
{
	struct fixture *f = fixture_new("ReplyAddress factures@example.com\n");

	assert_int_equal(f->oc.mailboxes.n, 1);
	assert_string_equal(f->oc.mailboxes.v[0], "factures@example.com");
	assert_true(f->oc.plus_addressing);
	assert_int_equal(f->oc.guard, CONFIG_GUARD_REJECT);
	teardown((void **)&f);
}

/* ---- outgoing or not ---- */

static bool
from_ipv4(struct fixture *f, const char *ip, struct buf *why)
{
	struct sockaddr_in sin;
	struct outgoing_origin o = {NULL, NULL, (struct sockaddr *)&sin};

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	buf_reset(why);
	return outgoing_is_outgoing(&f->oc, &o, why);
}

static bool
from_ipv6(struct fixture *f, const char *ip, struct buf *why)
{
	struct sockaddr_in6 sin6;
	struct outgoing_origin o = {NULL, NULL, (struct sockaddr *)&sin6};

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, &sin6.sin6_addr), 1);
	buf_reset(why);
	return outgoing_is_outgoing(&f->oc, &o, why);
}

static void
test_authenticated_client_is_outgoing(void **state)
{
	struct fixture *f = *state;
	struct outgoing_origin o = {"alice", "smtpd", NULL};
	struct buf why = BUF_INIT;

	assert_true(outgoing_is_outgoing(&f->oc, &o, &why));
	assert_string_equal(buf_cstr(&why), "client authenticated as alice");
	buf_free(&why);
}

static void
test_internal_daemon_is_outgoing(void **state)
{
	struct fixture *f = *state;
	struct outgoing_origin o = {"", "originating", NULL};
	struct buf why = BUF_INIT;

	assert_true(outgoing_is_outgoing(&f->oc, &o, &why));
	assert_string_equal(buf_cstr(&why), "daemon ORIGINATING");
	buf_free(&why);
}

static void
test_internal_networks_match_by_prefix(void **state)
{
	struct fixture *f = *state;
	struct buf why = BUF_INIT;

	assert_true(from_ipv4(f, "10.127.255.255", &why));
	assert_string_equal(buf_cstr(&why), "client 10.127.255.255 in "
	                                    "10.0.0.0/9");
	assert_false(from_ipv4(f, "10.128.0.1", &why));
	assert_string_equal(buf_cstr(&why), "client 10.128.0.1 not "
	                                    "authenticated, not internal");
	assert_true(from_ipv4(f, "127.0.0.1", &why));
	assert_string_equal(buf_cstr(&why), "client 127.0.0.1 in 127.0.0.1");
	assert_false(from_ipv4(f, "127.0.0.2", &why));
	assert_true(from_ipv6(f, "2001:db8:ffff::1", &why));
	assert_string_equal(buf_cstr(&why), "client 2001:db8:ffff::1 in "
	                                    "2001:db8::/32");
	assert_false(from_ipv6(f, "2001:db9::1", &why));
	buf_free(&why);
}

static void
test_ipv4_mapped_address_reads_as_ipv4(void **state)
{
	struct fixture *f = *state;
	struct buf why = BUF_INIT;

	assert_true(from_ipv6(f, "::ffff:10.1.2.3", &why));
	assert_string_equal(buf_cstr(&why), "client 10.1.2.3 in 10.0.0.0/9");
	buf_free(&why);
}

static void
test_unknown_client_is_not_outgoing(void **state)
{
	struct fixture *f = *state;
	struct outgoing_origin o = {NULL, "smtpd", NULL};
	struct buf why = BUF_INIT;

	assert_false(outgoing_is_outgoing(&f->oc, &o, &why));
	assert_string_equal(buf_cstr(&why), "client (unknown address) not "
	                                    "authenticated, not internal");
	buf_free(&why);
}

/* ---- recognising reminders ---- */

static void
test_invoice_header_makes_a_reminder(void **state)
{
	struct fixture *f = *state;
	struct outgoing_reminder r;
	struct buf why = BUF_INIT;

	header(f, "Subject", "Votre facture");
	header(f, "x-relance-invoice", "  F2026-0042\r\n ");
	header(f, "X-Relance-Step", "Reminder-1");
	assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
	                 OUTGOING_REMINDER);
	assert_string_equal(r.invoice, "F2026-0042");
	assert_string_equal(r.step, "reminder-1");
	assert_string_equal(r.how, "X-Relance-Invoice");
	assert_true(outgoing_has_internal(&f->m));
	buf_free(&why);
}

static void
test_unreadable_invoice_header_is_not_a_reminder(void **state)
{
	struct fixture *f = *state;
	struct outgoing_reminder r;
	struct buf why = BUF_INIT;
	char big[100];

	memset(big, '9', 65);
	big[65] = '\0';
	header(f, "X-Relance-Invoice", big);
	assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
	                 OUTGOING_BAD);
	assert_string_equal(buf_cstr(&why),
	                    "X-Relance-Invoice is not an invoice number "
	                    "(expected one line of at most 64 bytes, or a "
	                    "list of at most 50 separated by commas)");
	buf_free(&why);
}

static void
test_invoice_header_lists_a_group(void **state)
{
	struct fixture *f = *state;
	struct outgoing_reminder r;
	struct buf why = BUF_INIT;

	header(f, "X-Relance-Invoice", "G-2, G-1,\r\n G-7 ");
	header(f, "X-Relance-Step", "reminder-2");
	assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
	                 OUTGOING_REMINDER);
	assert_int_equal(r.ninvoices, 3);
	assert_string_equal(r.invoice, "G-2");
	assert_string_equal(r.invoices[0], "G-2");
	assert_string_equal(r.invoices[1], "G-1");
	assert_string_equal(r.invoices[2], "G-7");
	assert_string_equal(r.step, "reminder-2");
	buf_free(&why);
}

static void
test_bad_invoice_lists_are_not_reminders(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"G-1,", ", G-1", "G-1,,G-2",
	                                  "G-1, , G-2", NULL};
	struct buf many = BUF_INIT;

	for (size_t i = 0; bad[i] != NULL; i++) {
		struct outgoing_reminder r;
		struct buf why = BUF_INIT;

		strlist_clear(&f->names);
		strlist_clear(&f->values);
		header(f, "X-Relance-Invoice", bad[i]);
		assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
		                 OUTGOING_BAD);
		buf_free(&why);
	}
	for (int i = 0; i <= OUTGOING_MAX_INVOICES; i++)
		buf_printf(&many, "%sF%d", i ? "," : "", i);
	{
		struct outgoing_reminder r;
		struct buf why = BUF_INIT;

		strlist_clear(&f->names);
		strlist_clear(&f->values);
		header(f, "X-Relance-Invoice", buf_cstr(&many));
		assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
		                 OUTGOING_BAD);
		buf_free(&why);
	}
	buf_free(&many);
}

static void
test_unreadable_step_header_is_not_a_reminder(void **state)
{
	struct fixture *f = *state;
	struct outgoing_reminder r;
	struct buf why = BUF_INIT;

	header(f, "X-Relance-Invoice", "F1");
	header(f, "X-Relance-Step",
	       "rappel n\xc2\xb0"
	       "1");
	assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
	                 OUTGOING_BAD);
	assert_string_equal(buf_cstr(&why),
	                    "X-Relance-Step is not a step name (expected "
	                    "letters, digits and '-', e.g. reminder-1)");
	buf_free(&why);
}

static void
test_rule_recognises_a_typed_reminder(void **state)
{
	struct fixture *f = *state;
	struct outgoing_reminder r;
	struct buf why = BUF_INIT;

	f->m.envfrom = "Compta@Example.com";
	header(f, "Subject",
	       "=?iso-8859-1?Q?Relance_facture_F2026-0042_impay?="
	       " =?iso-8859-1?Q?=E9e?=");
	assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
	                 OUTGOING_REMINDER);
	assert_string_equal(r.invoice, "F2026-0042");
	assert_string_equal(r.step, "");
	assert_string_equal(r.how, "ReminderSubject");
	assert_false(outgoing_has_internal(&f->m));
	buf_free(&why);
}

static void
test_rule_reads_the_from_address(void **state)
{
	struct fixture *f = *state;
	struct outgoing_reminder r;
	struct buf why = BUF_INIT;

	f->m.envfrom = "bounces@example.com";
	header(f, "From", "\"Compta, Exemple\" <compta@example.com>");
	header(f, "Subject", "RELANCE FACTURE F2026-7");
	assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
	                 OUTGOING_REMINDER);
	assert_string_equal(r.invoice, "F2026-7");
	buf_free(&why);
}

static void
test_rule_needs_a_reminder_sender(void **state)
{
	struct fixture *f = *state;
	struct outgoing_reminder r;
	struct buf why = BUF_INIT;

	f->m.envfrom = "alice@example.com";
	header(f, "From", "alice@example.com");
	header(f, "Subject", "Relance facture F2026-0042");
	assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
	                 OUTGOING_ORDINARY);
	buf_free(&why);
}

static void
test_mail_without_header_or_rule_is_ordinary(void **state)
{
	struct fixture *f = *state;
	struct outgoing_reminder r;
	struct buf why = BUF_INIT;

	f->m.envfrom = "compta@example.com";
	header(f, "Subject", "Bonjour");
	header(f, "X-Relance-ID", ID_A);
	assert_int_equal(outgoing_recognise(&f->oc, &f->m, &r, &why),
	                 OUTGOING_ORDINARY);
	assert_false(outgoing_has_internal(&f->m));
	buf_free(&why);
}

/* ---- reading header values ---- */

static void
test_decode_q_and_b_words(void **state)
{
	assert_decode("=?UTF-8?Q?Facture_impay=C3=A9e?=", "Facture impayée");
	assert_decode("=?utf-8?b?RmFjdHVyZSBpbXBhecOpZQ==?=",
	              "Facture impayée");
	assert_decode("Re: =?UTF-8*fr?Q?caf=C3=A9?= ok", "Re: café ok");
}

static void
test_decode_drops_blanks_between_encoded_words_only(void **state)
{
	assert_decode("=?UTF-8?Q?a?= \t =?UTF-8?Q?b?=  c  d", "ab  c  d");
	assert_decode("x =?UTF-8?Q?a?=", "x a");
}

static void
test_decode_converts_charsets(void **state)
{
	assert_decode("=?ISO-8859-15?Q?=A4_100?=", "€ 100");
	assert_decode("=?windows-1252?Q?=80?=", "€");
}

static void
test_decode_keeps_words_it_cannot_read(void **state)
{
	assert_decode("=?x-unknown?Q?abc?=", "=?x-unknown?Q?abc?=");
	assert_decode("=?UTF-8?Q?a=ZZ?=", "=?UTF-8?Q?a=ZZ?=");
	assert_decode("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=");
	assert_decode("=?UTF-8?Q?abc", "=?UTF-8?Q?abc");
}

static void
test_decode_unfolds_and_sanitises(void **state)
{
	assert_decode(" Relance\r\n\tfacture\n F1 ", "Relance facture F1");
	assert_decode("a\x01"
	              "b\xff"
	              "c =?UTF-8?Q?d=00e?=",
	              "a?b?c d?e");
}

/* ---- writing header values ---- */

static void
test_ascii_text_is_written_as_it_is(void **state)
{
	assert_text("[Ref. R-78DQS6A24]", false, "[Ref. R-78DQS6A24]");
}

static void
test_accented_words_are_encoded_alone(void **state)
{
	assert_text("[Réf. R-78DQS6A24]", false, REF_WORD " R-78DQS6A24]");
	assert_text(" [Réf. R-78DQS6A24]", false, " " REF_WORD " R-78DQS6A24]");
}

static void
test_neighbouring_words_share_an_encoded_word(void **state)
{
	assert_text("réf. née x", false, "=?UTF-8?Q?r=C3=A9f=2E_n=C3=A9e?= x");
}

static void
test_blank_after_an_encoded_word_goes_inside(void **state)
{
	assert_text(" [Réf. R-78DQS6A24]", true,
	            " =?UTF-8?Q?_=5BR=C3=A9f=2E?= R-78DQS6A24]");
	assert_text(" R-78DQS6A24", true, " R-78DQS6A24");
}

static void
test_lookalike_encoded_word_is_encoded(void **state)
{
	assert_text("a =?x?= b", false, "a =?UTF-8?Q?=3D=3Fx=3F=3D?= b");
}

static void
test_long_runs_are_split_between_characters(void **state)
{
	struct buf b = BUF_INIT;
	char text[200] = "";
	const char *p;

	for (int i = 0; i < 30; i++)
		strcat(text, "é");
	outgoing_header_text(text, false, &b);
	/* 63 bytes of payload a word: 10 "=C3=A9" each */
	assert_string_equal(buf_cstr(&b),
	                    "=?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3"
	                    "=A9=C3=A9=C3=A9=C3=A9?= =?UTF-8?Q?=C3=A9=C3=A9=C3"
	                    "=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9?= "
	                    "=?UTF-8?Q?=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3"
	                    "=A9=C3=A9=C3=A9=C3=A9?=");
	for (p = buf_cstr(&b); *p != '\0'; p += strcspn(p, " ")) {
		assert_true(strcspn(p + (*p == ' '), " ") <= 75);
		p += *p == ' ';
	}
	buf_free(&b);
}

static void
test_fold_breaks_long_values_before_blanks(void **state)
{
	struct buf b = BUF_INIT;

	outgoing_fold("Subject",
	              "Relance de la facture F2026-0042 du 1er octobre "
	              "2026 restee impayee a ce jour [Ref. R-78DQS6A24]",
	              &b);
	assert_string_equal(buf_cstr(&b),
	                    "Relance de la facture F2026-0042 du 1er octobre "
	                    "2026 restee impayee a\n ce jour [Ref. "
	                    "R-78DQS6A24]");
	buf_reset(&b);
	outgoing_fold("Subject", "short one", &b);
	assert_string_equal(buf_cstr(&b), "short one");
	buf_free(&b);
}

/* ---- tracking IDs and Message-IDs ---- */

static void
test_pick_id_prefers_the_invoice_id_in_the_subject(void **state)
{
	struct fixture *f = *state;
	struct invoice inv;
	char id[TRACK_ID_SIZE];

	invoice_init(&inv);
	strlist_add(&inv.tracking_ids, ID_A);
	strlist_add(&inv.tracking_ids, ID_B);
	header(f, "Subject", "RE: " ID_C " and [Ref. r-04106105x]");
	assert_int_equal(outgoing_pick_id(&inv, &f->m, id), 1);
	assert_string_equal(id, ID_B);
	invoice_free(&inv);
}

static void
test_pick_id_reads_x_relance_id_of_the_invoice(void **state)
{
	struct fixture *f = *state;
	struct invoice inv;
	char id[TRACK_ID_SIZE];

	invoice_init(&inv);
	strlist_add(&inv.tracking_ids, ID_A);
	strlist_add(&inv.tracking_ids, ID_B);
	header(f, "X-Relance-ID", " r04106105x");
	assert_int_equal(outgoing_pick_id(&inv, &f->m, id), 1);
	assert_string_equal(id, ID_B);
	invoice_free(&inv);
}

static void
test_pick_id_falls_back_to_the_first_or_none(void **state)
{
	struct fixture *f = *state;
	struct invoice inv;
	char id[TRACK_ID_SIZE];

	invoice_init(&inv);
	header(f, "Subject", "[Ref. " ID_C "]");
	header(f, "X-Relance-ID", ID_C);
	assert_int_equal(outgoing_pick_id(&inv, &f->m, id), 0);
	strlist_add(&inv.tracking_ids, ID_A);
	assert_int_equal(outgoing_pick_id(&inv, &f->m, id), 1);
	assert_string_equal(id, ID_A);
	invoice_free(&inv);
}

static void
test_message_id_is_at_the_sender_domain(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;

	f->m.envfrom = "bounce@Bounces.Example.net";
	outgoing_message_id(&f->oc, &f->m, ID_A, 1795426200, 0xbeef, &b);
	assert_string_equal(buf_cstr(&b), "<" ID_A ".20261123T093000Z."
	                                  "0000beef@Bounces.Example.net>");
	header(f, "From", "Exemple SARL <factures@exemple.fr>");
	buf_reset(&b);
	outgoing_message_id(&f->oc, &f->m, ID_A, 0, 1, &b);
	assert_string_equal(buf_cstr(&b), "<" ID_A ".19700101T000000Z."
	                                  "00000001@exemple.fr>");
	buf_free(&b);
}

static void
test_message_id_falls_back_to_the_mailbox_then_localhost(void **state)
{
	struct fixture *f = *state;
	struct fixture *g = fixture_new("");
	struct buf b = BUF_INIT;

	header(f, "From", "undisclosed");
	f->m.envfrom = "";
	outgoing_message_id(&f->oc, &f->m, ID_A, 0, 2, &b);
	assert_string_equal(buf_cstr(&b), "<" ID_A ".19700101T000000Z."
	                                  "00000002@example.com>");
	buf_reset(&b);
	outgoing_message_id(&g->oc, &g->m, ID_A, 0, 3, &b);
	assert_string_equal(buf_cstr(&b), "<" ID_A ".19700101T000000Z."
	                                  "00000003@localhost>");
	buf_free(&b);
	teardown((void **)&g);
}

static void
test_message_id_of_reads_the_angle_brackets(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;

	assert_int_equal(outgoing_message_id_of(&f->m, &b), -1);
	header(f, "Message-Id", " (erp)\r\n <20261123.42@erp.example.com> ");
	assert_int_equal(outgoing_message_id_of(&f->m, &b), 0);
	assert_string_equal(buf_cstr(&b), "<20261123.42@erp.example.com>");
	strlist_clear(&f->values);
	strlist_add(&f->values, "<no at sign>");
	assert_int_equal(outgoing_message_id_of(&f->m, &b), -1);
	buf_free(&b);
}

/* ---- header changes ---- */

static void
test_strip_deletes_internal_headers_last_first(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};

	header(f, "X-Relance-Invoice", "F1");
	header(f, "Subject", "x");
	header(f, "x-relance-invoice", "F2");
	header(f, "X-Relance-ID", ID_A);
	header(f, "X-Relance-Step", "reminder-1");
	assert_int_equal(outgoing_plan_strip(&f->m, &p), 0);
	assert_plan(&p, "delete X-Relance-Invoice 2\n"
	                "delete X-Relance-Invoice 1\n"
	                "delete X-Relance-Step 1\n");
	outgoing_plan_free(&p);
}

static void
test_reminder_gets_every_change(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};
	struct outgoing_tagging t = {ID_A, "<new@example.com>", NULL};

	header(f, "From", "Exemple SARL <factures@example.com>");
	header(f, "Subject", "Relance facture F2026-0042");
	header(f, "X-Relance-Invoice", "F2026-0042");
	header(f, "X-Relance-Step", "reminder-1");
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	assert_plan(&p, "delete X-Relance-Invoice 1\n"
	                "delete X-Relance-Step 1\n"
	                "add X-Relance-ID: " ID_A "\n"
	                "change Subject 1: Relance facture F2026-0042 " REF_WORD
	                " " ID_A "]\n"
	                "add Reply-To: factures+r-78dqs6a24@example.com\n"
	                "add Message-ID: <new@example.com>\n");
	outgoing_plan_free(&p);
}

static void
test_tagged_subject_is_left_alone(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};
	struct outgoing_tagging t = {ID_A, "<new@example.com>", NULL};

	header(f, "Subject",
	       "=?UTF-8?Q?Relance_=5BR=C3=A9f=2E?= "
	       "r-78dqs6a24]");
	header(f, "Message-ID", "<old@example.com>");
	header(f, "Reply-To", "Service comptable <Factures@Example.com>");
	header(f, "X-Relance-ID", ID_A);
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	assert_plan(&p, "change Reply-To 1: Service comptable "
	                "<factures+r-78dqs6a24@example.com>\n");
	outgoing_plan_free(&p);
}

static void
test_missing_subject_is_made_of_the_tag(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};
	struct outgoing_tagging t = {ID_A, NULL, NULL};

	f->oc.plus_addressing = false;
	header(f, "Message-ID", "<old@example.com>");
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	assert_plan(&p, "add X-Relance-ID: " ID_A "\n"
	                "add Subject: " REF_WORD " " ID_A "]\n");
	outgoing_plan_free(&p);
}

/* A tag format of many non-ASCII words makes one long encoded word: when
 * it begins the Subject the milter adds, the first line must stay within
 * RFC 2047's 76 columns, "Subject: " included. */
static void
test_added_subject_first_line_stays_within_76_columns(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};
	struct outgoing_tagging t = {ID_A, NULL, NULL};
	const char *v, *nl;

	f->oc.plus_addressing = false;
	free(f->oc.subject_tag);
	f->oc.subject_tag = strdup("[Référence échéance réglée prévue {id}]");
	header(f, "Message-ID", "<old@example.com>");
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[1].name, "Subject");
	v = p.v[1].value;
	nl = strchr(v, '\n');
	assert_true(strlen("Subject: ") + (nl ? (size_t)(nl - v) : strlen(v)) <=
	            76);
	assert_memory_equal(v, "=?UTF-8?Q?", 10);
	outgoing_plan_free(&p);
}

static void
test_encoded_subject_keeps_the_blank_before_the_tag(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};
	struct outgoing_tagging t = {ID_A, NULL, NULL};
	struct buf b = BUF_INIT;

	f->oc.plus_addressing = false;
	header(f, "Subject", "=?UTF-8?Q?Facture_impay=C3=A9e?=");
	header(f, "Message-ID", "<old@example.com>");
	header(f, "X-Relance-ID", ID_A);
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	/* folded: "Subject: " and the value make 83 characters */
	assert_plan(&p, "change Subject 1: =?UTF-8?Q?Facture_impay=C3=A9e?= "
	                "=?UTF-8?Q?_=5BR=C3=A9f=2E?=\n " ID_A "]\n");
	outgoing_decode(p.v[0].value, &b);
	assert_string_equal(buf_cstr(&b), "Facture impayée [Réf. " ID_A "]");
	buf_free(&b);
	outgoing_plan_free(&p);
}

static void
test_reply_to_another_address_is_left_alone(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};
	struct outgoing_tagging t = {ID_A, NULL, NULL};

	header(f, "Subject", "x [Ref " ID_A "]");
	header(f, "Message-ID", "<old@example.com>");
	header(f, "X-Relance-ID", ID_A);
	header(f, "Reply-To", "alice@example.com");
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	assert_plan(&p, "");
	strlist_clear(&f->values);
	strlist_add(&f->values, "x [Ref " ID_A "]");
	strlist_add(&f->values, "<old@example.com>");
	strlist_add(&f->values, ID_A);
	strlist_add(&f->values, "factures@example.com, alice@example.com");
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	assert_plan(&p, "");
	outgoing_plan_free(&p);
}

static void
test_stale_id_header_is_replaced_and_copies_deleted(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};
	struct outgoing_tagging t = {ID_A, "<new@example.com>",
	                             "invoice F1 is paid"};

	f->oc.plus_addressing = false;
	header(f, "Subject", "x " ID_A);
	header(f, "Message-ID", "garbage");
	header(f, "x-relance-id", ID_B);
	header(f, "X-Relance-ID", ID_C);
	header(f, "X-Relance-Warning", "forged");
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	assert_plan(&p, "delete X-Relance-Warning 1\n"
	                "delete x-relance-id 2\n"
	                "change x-relance-id 1: " ID_A "\n"
	                "change Message-ID 1: <new@example.com>\n");
	outgoing_plan_free(&p);
}

static void
test_broken_subject_and_reply_to_are_left_alone(void **state)
{
	struct fixture *f = *state;
	struct outgoing_plan p = {NULL, 0};
	struct outgoing_tagging t = {ID_A, NULL, NULL};

	header(f, "Subject",
	       "Relance\x18"
	       "facture");
	header(f, "Reply-To", "Service\x01<factures@example.com>");
	header(f, "Message-ID", "<old@example.com>");
	header(f, "X-Relance-ID", ID_A);
	assert_int_equal(outgoing_plan_reminder(&f->oc, &f->m, &t, &p), 0);
	assert_plan(&p, "");
	outgoing_plan_free(&p);
}

/* ---- the guard ---- */

static struct date
utc_day(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	return (struct date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

static void
make_invoice(struct invoice *inv)
{
	invoice_init(inv);
	inv->number = strdup("F2026-0042");
	inv->customer = strdup("C1");
	strcpy(inv->currency, "EUR");
	inv->amount_due = inv->amount_original = 123456;
	inv->issue_date = (struct date){2026, 9, 1};
	inv->due_date = (struct date){2026, 10, 1};
	invoice_add_event(inv, 1790000000, "imported", "relance import",
	                  "imported from x.csv");
}

static void
test_guard_lets_open_invoices_go(void **state)
{
	struct invoice inv;
	struct buf why = BUF_INIT;
	enum invoice_state s;

	make_invoice(&inv);
	assert_false(outgoing_guard(&inv, "", (struct date){2026, 11, 23},
	                            utc_day, &s, &why));
	assert_int_equal(s, INVOICE_OPEN);
	assert_string_equal(buf_cstr(&why), "");
	invoice_free(&inv);
}

static void
test_guard_says_when_and_why_an_invoice_was_paid(void **state)
{
	struct invoice inv;
	struct buf why = BUF_INIT;
	struct err e;
	enum invoice_state s;

	make_invoice(&inv);
	assert_int_equal(invoice_pay(&inv, -1, (struct date){2026, 11, 20},
	                             1795180000, "relance pay (clerk)", &e),
	                 0);
	invoice_add_event(&inv, 1795300000, "reminder-held", "relance-milter",
	                  "held");
	assert_true(outgoing_guard(&inv, "", (struct date){2026, 11, 23},
	                           utc_day, &s, &why));
	assert_int_equal(s, INVOICE_PAID);
	assert_string_equal(buf_cstr(&why),
	                    "invoice F2026-0042 was marked paid on 2026-11-20: "
	                    "payment of 1234.56 EUR received on 2026-11-20; "
	                    "fully paid");
	invoice_free(&inv);
	buf_free(&why);
}

static void
test_guard_names_the_dispute(void **state)
{
	struct invoice inv;
	struct buf why = BUF_INIT;
	struct err e;
	enum invoice_state s;

	make_invoice(&inv);
	assert_int_equal(invoice_dispute(&inv, "goods never delivered",
	                                 1795000000, "relance-milter", &e),
	                 0);
	assert_true(outgoing_guard(&inv, "", (struct date){2026, 11, 23},
	                           utc_day, &s, &why));
	assert_int_equal(s, INVOICE_DISPUTED);
	assert_string_equal(buf_cstr(&why),
	                    "invoice F2026-0042 was marked disputed on "
	                    "2026-11-18: disputed: goods never delivered");
	invoice_free(&inv);
	buf_free(&why);
}

static void
test_guard_lets_the_thanks_of_a_paid_invoice_through(void **state)
{
	struct invoice inv;
	struct buf why = BUF_INIT;
	struct err e;
	enum invoice_state s;

	make_invoice(&inv);
	assert_int_equal(invoice_pay(&inv, -1, (struct date){2026, 11, 20},
	                             1795000000, "relance pay", &e),
	                 0);
	assert_false(outgoing_guard(&inv, "thanks", (struct date){2026, 11, 23},
	                            utc_day, &s, &why));
	assert_true(outgoing_guard(&inv, "reminder-1",
	                           (struct date){2026, 11, 23}, utc_day, &s,
	                           &why));
	assert_int_equal(s, INVOICE_PAID);
	assert_int_equal(invoice_dispute(&inv, "x", 1795000000, "t", &e), -1);
	inv.state = INVOICE_DISPUTED;
	assert_true(outgoing_guard(&inv, "thanks", (struct date){2026, 11, 23},
	                           utc_day, &s, &why));
	invoice_free(&inv);
	buf_free(&why);
}

static void
test_guard_holds_a_pause_until_it_ends(void **state)
{
	struct invoice inv;
	struct buf why = BUF_INIT;
	struct err e;
	enum invoice_state s;

	make_invoice(&inv);
	assert_int_equal(invoice_pause(&inv, (struct date){2026, 12, 1},
	                               (struct date){2026, 11, 18},
	                               "on holiday", 1795000000,
	                               "relance pause (clerk)", &e),
	                 0);
	assert_true(outgoing_guard(&inv, "", (struct date){2026, 11, 30},
	                           utc_day, &s, &why));
	assert_int_equal(s, INVOICE_PAUSED);
	assert_string_equal(
	    buf_cstr(&why),
	    "invoice F2026-0042 was marked paused on 2026-11-18: "
	    "paused until 2026-12-01: on holiday");
	buf_reset(&why);
	assert_false(outgoing_guard(&inv, "", (struct date){2026, 12, 1},
	                            utc_day, &s, &why));
	invoice_free(&inv);
	buf_free(&why);
}

static void
test_guard_names_a_cancellation_or_only_the_state(void **state)
{
	struct invoice inv;
	struct buf why = BUF_INIT;
	struct err e;
	enum invoice_state s;

	make_invoice(&inv);
	assert_int_equal(invoice_cancel(&inv, "credit note AV-12", 1795000000,
	                                "relance cancel (clerk)", &e),
	                 0);
	assert_true(outgoing_guard(&inv, "", (struct date){2026, 11, 23},
	                           utc_day, &s, &why));
	assert_string_equal(
	    buf_cstr(&why),
	    "invoice F2026-0042 was marked closed on 2026-11-18: "
	    "cancelled: credit note AV-12");
	invoice_free(&inv);
	make_invoice(&inv);
	inv.state = INVOICE_PAID;
	buf_reset(&why);
	assert_true(outgoing_guard(&inv, "", (struct date){2026, 11, 23},
	                           utc_day, &s, &why));
	assert_string_equal(buf_cstr(&why), "invoice F2026-0042 is paid");
	invoice_free(&inv);
	buf_free(&why);
}

static void
test_smtp_text_is_ascii_with_percent_doubled(void **state)
{
	struct buf b = BUF_INIT;

	outgoing_smtp_text("réglée à 100 % le 1ᵉʳ\r\n« oui » – €", &b);
	assert_string_equal(buf_cstr(&b),
	                    "reglee a 100 %% le 1??  \" oui \" - EUR");
	buf_free(&b);
}

static void
test_smtp_text_is_cut(void **state)
{
	struct buf b = BUF_INIT;
	char text[600];

	memset(text, '%', 300);
	text[300] = '\0';
	outgoing_smtp_text(text, &b);
	/* 198 "%%" and "...": a "%%" is never cut in half */
	assert_int_equal(b.len, 396 + 3);
	assert_string_equal(b.data + 396, "...");
	buf_reset(&b);
	memset(text, 'x', 400);
	text[400] = '\0';
	outgoing_smtp_text(text, &b);
	assert_string_equal(buf_cstr(&b), text);
	buf_free(&b);
}

static void
test_recipients_are_listed_up_to_ten(void **state)
{
	struct fixture *f = *state;
	struct buf b = BUF_INIT;
	char addr[32];

	rcpt(f, "a@x.example");
	outgoing_list_rcpts(&f->m, &b);
	assert_string_equal(buf_cstr(&b), "a@x.example");
	for (int i = 0; i < 11; i++) {
		snprintf(addr, sizeof(addr), "r%d@x.example", i);
		rcpt(f, addr);
	}
	buf_reset(&b);
	outgoing_list_rcpts(&f->m, &b);
	assert_string_equal(buf_cstr(&b),
	                    "a@x.example, r0@x.example, r1@x.example, "
	                    "r2@x.example, r3@x.example, r4@x.example, "
	                    "r5@x.example, r6@x.example, r7@x.example, "
	                    "r8@x.example and 2 more");
	buf_free(&b);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_policy_tag_wins_over_subject_tag),
	    cmocka_unit_test(test_mailboxes_default_to_reply_address),
	    T(test_authenticated_client_is_outgoing),
	    T(test_internal_daemon_is_outgoing),
	    T(test_internal_networks_match_by_prefix),
	    T(test_ipv4_mapped_address_reads_as_ipv4),
	    T(test_unknown_client_is_not_outgoing),
	    T(test_invoice_header_makes_a_reminder),
	    T(test_unreadable_invoice_header_is_not_a_reminder),
	    T(test_invoice_header_lists_a_group),
	    T(test_bad_invoice_lists_are_not_reminders),
	    T(test_unreadable_step_header_is_not_a_reminder),
	    T(test_rule_recognises_a_typed_reminder),
	    T(test_rule_reads_the_from_address),
	    T(test_rule_needs_a_reminder_sender),
	    T(test_mail_without_header_or_rule_is_ordinary),
	    cmocka_unit_test(test_decode_q_and_b_words),
	    cmocka_unit_test(
	        test_decode_drops_blanks_between_encoded_words_only),
	    cmocka_unit_test(test_decode_converts_charsets),
	    cmocka_unit_test(test_decode_keeps_words_it_cannot_read),
	    cmocka_unit_test(test_decode_unfolds_and_sanitises),
	    cmocka_unit_test(test_ascii_text_is_written_as_it_is),
	    cmocka_unit_test(test_accented_words_are_encoded_alone),
	    cmocka_unit_test(test_neighbouring_words_share_an_encoded_word),
	    cmocka_unit_test(test_blank_after_an_encoded_word_goes_inside),
	    cmocka_unit_test(test_lookalike_encoded_word_is_encoded),
	    cmocka_unit_test(test_long_runs_are_split_between_characters),
	    cmocka_unit_test(test_fold_breaks_long_values_before_blanks),
	    T(test_pick_id_prefers_the_invoice_id_in_the_subject),
	    T(test_pick_id_reads_x_relance_id_of_the_invoice),
	    T(test_pick_id_falls_back_to_the_first_or_none),
	    T(test_message_id_is_at_the_sender_domain),
	    T(test_message_id_falls_back_to_the_mailbox_then_localhost),
	    T(test_message_id_of_reads_the_angle_brackets),
	    T(test_strip_deletes_internal_headers_last_first),
	    T(test_reminder_gets_every_change),
	    T(test_tagged_subject_is_left_alone),
	    T(test_missing_subject_is_made_of_the_tag),
	    T(test_added_subject_first_line_stays_within_76_columns),
	    T(test_encoded_subject_keeps_the_blank_before_the_tag),
	    T(test_reply_to_another_address_is_left_alone),
	    T(test_stale_id_header_is_replaced_and_copies_deleted),
	    T(test_broken_subject_and_reply_to_are_left_alone),
	    cmocka_unit_test(test_guard_lets_open_invoices_go),
	    cmocka_unit_test(test_guard_says_when_and_why_an_invoice_was_paid),
	    cmocka_unit_test(test_guard_names_the_dispute),
	    cmocka_unit_test(
	        test_guard_lets_the_thanks_of_a_paid_invoice_through),
	    cmocka_unit_test(test_guard_holds_a_pause_until_it_ends),
	    cmocka_unit_test(test_guard_names_a_cancellation_or_only_the_state),
	    cmocka_unit_test(test_smtp_text_is_ascii_with_percent_doubled),
	    cmocka_unit_test(test_smtp_text_is_cut),
	    T(test_recipients_are_listed_up_to_ten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
