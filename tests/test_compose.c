/*
 * test_compose.c -- the values of every placeholder in French and English,
 * the late-payment interest, and the messages: exact bytes, MIME structure
 * parsed back with mime_parse, header injection attempts, folding.
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

#include "compose.h"
#include "mime.h"

#define NNBSP "\xe2\x80\xaf"
#define MSGID "<R-78DQS6A24.20261215T083000Z.1a2b3c4d@exemple.fr>"

static const char conf_text[] =
    "CompanyName \"Exemple SARL\"\n"
    "Sender Service comptable <compta@exemple.fr>\n"
    "ReplyAddress relances@exemple.fr\n"
    "IBAN FR76 3000 6000 0112 3456 7890 189\n"
    "BIC AGRIFRPPXXX\n"
    "PaymentLink https://pay.exemple.fr/p?inv={invoice}&amt={amount}\n";

static const char rates_text[] = "rates\n"
                                 "\tecb-rate 2025-07-01 2.00\n"
                                 "\tecb-rate 2026-01-01 2.15\n"
                                 "\tpenalty-margin 10.00\n"
                                 "\tindemnity 40.00 EUR\n"
                                 "\tformal-notice-deadline 8d\n";

struct fixture {
	struct config cfg;
	struct policy *pol;
	struct invoice inv;
	struct compose_input in;
	struct compose_values vals;
	struct strlist missing;
	struct policy_template tpl;
	struct strlist rcpts;
	struct buf msg;
	struct mime_message parsed;
	struct err e;
};

static struct date
day(int y, int m, int d)
{
	return (struct date){y, m, d};
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct strlist errors = STRLIST_INIT;

	assert_non_null(f);
	assert_int_equal(config_init(&f->cfg), 0);
	assert_int_equal(config_parse(&f->cfg, "relance.conf", conf_text,
	                              strlen(conf_text), &errors),
	                 0);
	assert_non_null(f->pol = policy_new());
	assert_int_equal(policy_parse_file(f->pol, "rates.policy", rates_text,
	                                   strlen(rates_text), &errors),
	                 0);
	invoice_init(&f->inv);
	f->inv.number = strdup("F2026-0042");
	f->inv.customer = strdup("C042");
	f->inv.customer_name = strdup("Dupont & Fils");
	f->inv.lang = strdup("fr");
	assert_int_equal(strlist_add(&f->inv.contacts, "jean.dupont@client.fr"),
	                 0);
	assert_int_equal(strlist_add(&f->inv.contacts, "compta@client.fr"), 0);
	memcpy(f->inv.currency, "EUR", 4);
	f->inv.amount_due = 123456;
	f->inv.amount_original = 150000;
	f->inv.issue_date = day(2026, 1, 15);
	f->inv.due_date = day(2026, 2, 14);
	f->in.inv = &f->inv;
	f->in.cfg = &f->cfg;
	f->in.pol = f->pol;
	f->in.step = "formal-notice";
	f->in.today = day(2026, 4, 8); /* 53 days after the due date */
	f->in.deadline = DATE_NULL;
	f->tpl.lang = strdup("fr");
	f->tpl.name = strdup("reminder-1");
	f->tpl.file = strdup("templates/fr/reminder-1");
	f->tpl.subject = strdup("Facture impayée {invoice}");
	f->tpl.body = strdup("Bonjour {contact},\n\nMontant dû : {amount_due} "
	                     "{currency}.\n");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	config_free(&f->cfg);
	policy_free(f->pol);
	invoice_free(&f->inv);
	compose_values_free(&f->vals);
	strlist_clear(&f->missing);
	free(f->tpl.lang);
	free(f->tpl.name);
	free(f->tpl.file);
	free(f->tpl.subject);
	free(f->tpl.body);
	strlist_clear(&f->rcpts);
	buf_free(&f->msg);
	mime_free(&f->parsed);
	free(f);
	return 0;
}

/* Replace the string *P by a copy of S. */
static void
set(char **p, const char *s)
{
	free(*p);
	assert_non_null(*p = strdup(s));
}

static void
fill(struct fixture *f, int want_missing)
{
	compose_values_free(&f->vals);
	strlist_clear(&f->missing);
	assert_int_equal(compose_values(&f->in, &f->vals, &f->missing),
	                 want_missing);
}

static void
assert_value(struct fixture *f, const char *name, const char *want)
{
	const char *v = compose_value(&f->vals, name);

	if (v == NULL)
		fail_msg("{%s} has no value", name);
	assert_string_equal(v, want);
}

/* Compose the message of F (values filled first) and expect RC. */
static void
compose(struct fixture *f, const struct compose_attachment *a, int rc)
{
	struct compose_mail m = {
	    .tpl = &f->tpl,
	    .values = &f->vals,
	    .inv = &f->inv,
	    .from = f->cfg.sender,
	    .step = "reminder-1",
	    .auto_submitted = false,
	    .date =
	        date_to_days(day(2026, 12, 15)) * 86400L + 8 * 3600 + 30 * 60,
	    .zone = 60,
	    .message_id = MSGID,
	    .attachment = a,
	};

	fill(f, 0);
	buf_reset(&f->msg);
	strlist_clear(&f->rcpts);
	assert_int_equal(compose_message(&m, &f->msg, &f->rcpts, &f->e), rc);
}

/* Parse the composed message back. */
static void
parse(struct fixture *f)
{
	struct mime_limits lim = mime_default_limits();

	mime_free(&f->parsed);
	assert_int_equal(
	    mime_parse(f->msg.data, f->msg.len, &lim, &f->parsed, &f->e), 0);
}

/* The header section of the message (up to the blank line). */
static const char *
header_end(const struct fixture *f)
{
	const char *end = strstr(buf_cstr(&f->msg), "\n\n");

	assert_non_null(end);
	return end + 1;
}

/* Every header line is at most MAX characters, and every line that does
 * not start with a blank starts a field among NAMES. */
static void
assert_header_lines(const struct fixture *f, size_t max, const char *names)
{
	const char *p = buf_cstr(&f->msg), *end = header_end(f);

	while (p < end) {
		size_t n = strcspn(p, "\n");

		if (n > max)
			fail_msg("line longer than %zu: %.*s", max, (int)n, p);
		if (*p != ' ' && *p != '\t') {
			char name[64];
			size_t k = strcspn(p, ":");

			assert_true(k < sizeof(name) - 2 && k < n);
			snprintf(name, sizeof(name), "|%.*s|", (int)k, p);
			if (strstr(names, name) == NULL)
				fail_msg("unexpected header line: %.*s", (int)n,
				         p);
		}
		p += n + 1;
	}
}

#define OUR_HEADERS                                                            \
	"|From|To|Subject|Date|Message-ID|X-Relance-Invoice|X-Relance-Step|"   \
	"Auto-Submitted|MIME-Version|Content-Type|Content-Transfer-Encoding|"

/* ---- values ---- */

static void
test_values_fill_every_placeholder_in_french(void **state)
{
	struct fixture *f = *state;

	fill(f, 0);
	assert_int_equal(f->missing.n, 0);
	assert_value(f, "invoice", "F2026-0042");
	assert_value(f, "customer", "C042");
	assert_value(f, "customer_name", "Dupont & Fils");
	assert_value(f, "contact", "jean.dupont@client.fr");
	assert_value(f, "issue_date", "15/01/2026");
	assert_value(f, "due_date", "14/02/2026");
	assert_value(f, "amount_due", "1" NNBSP "234,56");
	assert_value(f, "amount_original", "1" NNBSP "500,00");
	assert_value(f, "currency", "EUR");
	assert_value(f, "days_overdue", "53");
	assert_value(f, "deadline_date", "16/04/2026");
	assert_value(f, "deadline_days", "8");
	assert_value(f, "company_name", "Exemple SARL");
	assert_value(f, "sender", "Service comptable");
	assert_value(f, "reply_address", "relances@exemple.fr");
	assert_value(f, "iban", "FR76 3000 6000 0112 3456 7890 189");
	assert_value(f, "bic", "AGRIFRPPXXX");
	assert_value(f, "payment_link",
	             "https://pay.exemple.fr/p?inv=F2026-0042&amt=1234.56");
	assert_value(f, "interest_rate", "12,15");
	assert_value(f, "interest_amount", "21,78");
	assert_value(f, "indemnity", "40,00");
	assert_value(f, "total_claimed", "1" NNBSP "296,34 EUR");
	assert_value(f, "today", "08/04/2026");
	assert_value(f, "step", "formal-notice");
	/* every placeholder the policy knows has a value */
	for (size_t i = 0; policy_placeholders[i] != NULL; i++)
		assert_non_null(
		    compose_value(&f->vals, policy_placeholders[i]));
}

static void
test_values_fill_every_placeholder_in_english(void **state)
{
	struct fixture *f = *state;

	set(&f->inv.lang, "en");
	f->inv.amount_due = 123456789;
	fill(f, 0);
	assert_value(f, "issue_date", "15 January 2026");
	assert_value(f, "due_date", "14 February 2026");
	assert_value(f, "amount_due", "1,234,567.89");
	assert_value(f, "amount_original", "1,500.00");
	assert_value(f, "days_overdue", "53");
	assert_value(f, "deadline_date", "16 April 2026");
	assert_value(f, "deadline_days", "8");
	assert_value(f, "payment_link",
	             "https://pay.exemple.fr/p?inv=F2026-0042&amt=1234567.89");
	assert_value(f, "interest_rate", "12.15");
	/* 1234567.89 x 12.15 % x 53 / 365 = 21780.8217... */
	assert_value(f, "interest_amount", "21,780.82");
	assert_value(f, "indemnity", "40.00");
	assert_value(f, "total_claimed", "1,256,388.71 EUR");
	assert_value(f, "today", "8 April 2026");
	assert_value(f, "contact", "jean.dupont@client.fr");
	assert_value(f, "iban", "FR76 3000 6000 0112 3456 7890 189");
}

static void
test_deadline_given_by_caller_wins(void **state)
{
	struct fixture *f = *state;

	f->in.deadline = day(2026, 4, 20); /* 8 business days, say */
	fill(f, 0);
	assert_value(f, "deadline_date", "20/04/2026");
	assert_value(f, "deadline_days", "8");
}

static void
test_rate_is_the_one_in_force_on_the_due_date(void **state)
{
	struct fixture *f = *state;

	f->inv.due_date = day(2025, 12, 31);
	fill(f, 0);
	assert_value(f, "interest_rate", "12,00");
	assert_value(f, "days_overdue", "98");
	/* 1234.56 x 12 % x 98 / 365 = 39.776... */
	assert_value(f, "interest_amount", "39,78");
}

static void
test_before_the_due_date_nothing_is_added(void **state)
{
	struct fixture *f = *state;

	f->in.today = day(2026, 2, 6);
	fill(f, 0);
	assert_value(f, "days_overdue", "0");
	assert_value(f, "interest_amount", "0,00");
	assert_value(f, "indemnity", "40,00");
	assert_value(f, "total_claimed", "1" NNBSP "234,56 EUR");
}

static void
test_interest_is_exact_and_rounded_half_away_from_zero(void **state)
{
	int64_t v = -7;

	/* 123456 x 1215 x 53 / 3650000 = 2178.068 */
	assert_int_equal(compose_interest(123456, 1215, 53, &v), 0);
	assert_int_equal(v, 2178);
	/* exactly half a cent: 365 x 5000 x 1 / 3650000 = 0.5 */
	assert_int_equal(compose_interest(365, 5000, 1, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(compose_interest(365, 4999, 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(compose_interest(-365, 5000, 1, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(compose_interest(123456, 1215, 0, &v), 0);
	assert_int_equal(v, 0);
	/* the largest amount, rate and days: exact, no overflow */
	assert_int_equal(
	    compose_interest(INT64_C(999999999999999), 10000, 36500, &v), 0);
	assert_true(v == INT64_C(99999999999999900));
	assert_int_equal(
	    compose_interest(INT64_C(999999999999999), 9999, 36499, &v), 0);
	/* 999999999999999 x 9999 x 36499 / 3650000 = 99987260547945105.49 */
	assert_true(v == INT64_C(99987260547945105));
}

static void
test_interest_refuses_out_of_range_arguments(void **state)
{
	int64_t v = 5;

	assert_int_equal(
	    compose_interest(INT64_C(1000000000000000), 1000, 1, &v), -1);
	assert_int_equal(compose_interest(100, -1, 1, &v), -1);
	assert_int_equal(compose_interest(100, 10001, 1, &v), -1);
	assert_int_equal(compose_interest(100, 1000, -1, &v), -1);
	assert_int_equal(compose_interest(100, 1000, COMPOSE_MAX_DAYS + 1, &v),
	                 -1);
	assert_int_equal(v, 5);
}

static void
test_amounts_follow_language_and_currency(void **state)
{
	struct buf b = BUF_INIT;

	compose_amount(0, 2, "fr", &b);
	assert_string_equal(buf_cstr(&b), "0,00");
	buf_reset(&b);
	compose_amount(5, 2, "en", &b);
	assert_string_equal(buf_cstr(&b), "0.05");
	buf_reset(&b);
	compose_amount(-123456, 2, "fr", &b);
	assert_string_equal(buf_cstr(&b), "-1" NNBSP "234,56");
	buf_reset(&b);
	compose_amount(1234567, 0, "fr", &b);
	assert_string_equal(buf_cstr(&b), "1" NNBSP "234" NNBSP "567");
	buf_reset(&b);
	compose_amount(1234567890, 3, "en", &b);
	assert_string_equal(buf_cstr(&b), "1,234,567.890");
	buf_reset(&b);
	compose_amount(INT64_MIN, 2, "en", &b);
	assert_string_equal(buf_cstr(&b), "-92,233,720,368,547,758.08");
	buf_free(&b);
}

static void
test_dates_follow_language(void **state)
{
	struct buf b = BUF_INIT;

	compose_date(day(2026, 12, 5), "fr", &b);
	assert_string_equal(buf_cstr(&b), "05/12/2026");
	buf_reset(&b);
	compose_date(day(2026, 12, 5), "en", &b);
	assert_string_equal(buf_cstr(&b), "5 December 2026");
	buf_reset(&b);
	compose_date(day(2026, 12, 5), "de", &b);
	assert_string_equal(buf_cstr(&b), "5 December 2026");
	buf_free(&b);
}

static void
test_missing_values_are_listed_with_the_reason(void **state)
{
	struct fixture *f = *state;
	struct policy *empty = policy_new();

	free(f->cfg.iban);
	f->cfg.iban = NULL;
	free(f->cfg.payment_link);
	f->cfg.payment_link = NULL;
	f->in.pol = empty;
	fill(f, 8);
	assert_int_equal(f->missing.n, 8);
	assert_string_equal(f->missing.v[0], "{deadline_date}: the policy has "
	                                     "no formal-notice-deadline");
	assert_string_equal(f->missing.v[1], "{deadline_days}: the policy has "
	                                     "no formal-notice-deadline");
	assert_string_equal(f->missing.v[2],
	                    "{iban}: IBAN is not set in relance.conf");
	assert_string_equal(f->missing.v[3],
	                    "{payment_link}: PaymentLink is not set in "
	                    "relance.conf");
	assert_string_equal(f->missing.v[4],
	                    "{interest_rate}: the policy has no ECB rate on or "
	                    "before 2026-02-14 (the due date)");
	assert_string_equal(f->missing.v[5],
	                    "{interest_amount}: no interest rate");
	assert_string_equal(f->missing.v[6],
	                    "{indemnity}: the policy has no indemnity");
	assert_string_equal(f->missing.v[7],
	                    "{total_claimed}: no interest rate");
	assert_null(compose_value(&f->vals, "iban"));
	assert_value(f, "bic", "AGRIFRPPXXX");
	policy_free(empty);
}

static void
test_only_the_values_asked_for_are_built(void **state)
{
	struct fixture *f = *state;
	struct compose_values all = {NULL, NULL, 0};

	free(f->cfg.iban);
	f->cfg.iban = NULL;
	assert_int_equal(compose_values(&f->in, &all, NULL), 1);
	/* {iban} has no value, but only asking for it makes it missing */
	assert_int_equal(compose_values_some(&f->in,
	                                     compose_want("invoice") |
	                                         compose_want("total_claimed"),
	                                     &f->vals, &f->missing),
	                 0);
	assert_int_equal(f->missing.n, 0);
	assert_value(f, "invoice", "F2026-0042");
	assert_value(f, "total_claimed", compose_value(&all, "total_claimed"));
	for (size_t i = 0; i < f->vals.n; i++)
		if (strcmp(policy_placeholders[i], "invoice") != 0 &&
		    strcmp(policy_placeholders[i], "total_claimed") != 0) {
			assert_null(f->vals.v[i]);
			assert_null(f->vals.why[i]);
		}
	compose_values_free(&f->vals);
	assert_int_equal(compose_values_some(
	                     &f->in, compose_want("iban") | compose_want("bic"),
	                     &f->vals, &f->missing),
	                 1);
	assert_int_equal(f->missing.n, 1);
	assert_string_equal(f->missing.v[0],
	                    "{iban}: IBAN is not set in relance.conf");
	assert_value(f, "bic", "AGRIFRPPXXX");
	assert_null(compose_value(&f->vals, "invoice"));
	assert_true(compose_want("no_such_placeholder") == 0);
	compose_values_free(&all);
}

static void
test_indemnity_in_another_currency_is_never_added(void **state)
{
	struct fixture *f = *state;

	memcpy(f->inv.currency, "USD", 4);
	fill(f, 0);
	assert_value(f, "indemnity", "40,00");
	assert_value(f, "interest_amount", "21,78");
	assert_value(f, "total_claimed", "1" NNBSP "256,34 USD + 40,00 EUR");
}

static void
test_check_names_the_placeholders_a_template_lacks(void **state)
{
	struct fixture *f = *state;
	struct strlist errors = STRLIST_INIT;

	free(f->cfg.iban);
	f->cfg.iban = NULL;
	free(f->cfg.company_name);
	f->cfg.company_name = NULL;
	fill(f, 2);
	set(&f->tpl.body, "IBAN {iban}, {iban} again\n{company_name}\n");
	assert_int_equal(compose_check(&f->tpl, &f->vals, &errors), 2);
	assert_string_equal(errors.v[0], "templates/fr/reminder-1: "
	                                 "{company_name} has no value: "
	                                 "CompanyName is not set in "
	                                 "relance.conf");
	assert_string_equal(errors.v[1], "templates/fr/reminder-1: {iban} has "
	                                 "no value: IBAN is not set in "
	                                 "relance.conf");
	strlist_clear(&errors);
	set(&f->tpl.body, "{bic}\n");
	assert_int_equal(compose_check(&f->tpl, &f->vals, &errors), 0);
	assert_int_equal(errors.n, 0);
}

static void
test_contact_skips_undeliverable_then_falls_back_to_the_name(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    strlist_add(&f->inv.undeliverable, "Jean.Dupont@client.fr"), 0);
	fill(f, 0);
	assert_value(f, "contact", "compta@client.fr");
	assert_int_equal(strlist_add(&f->inv.undeliverable, "compta@client.fr"),
	                 0);
	fill(f, 0);
	assert_value(f, "contact", "Dupont & Fils");
}

static void
test_values_are_one_line_and_never_expanded_again(void **state)
{
	struct fixture *f = *state;

	set(&f->inv.customer_name, "Dupont\r\nBcc: evil@x {iban}\x01\xff");
	fill(f, 0);
	assert_value(f, "customer_name",
	             "Dupont  Bcc: evil@x {iban} \xef\xbf\xbd");
	set(&f->tpl.body, "{customer_name}|{{iban}\n");
	compose(f, NULL, 0);
	parse(f);
	assert_string_equal(f->parsed.text.data,
	                    "Dupont  Bcc: evil@x {iban} \xef\xbf\xbd|{iban}\n");
}

static void
test_payment_link_encodes_invoice_data(void **state)
{
	struct fixture *f = *state;

	set(&f->inv.number, "F 2026/42&x=é");
	fill(f, 0);
	assert_value(f, "payment_link",
	             "https://pay.exemple.fr/p?inv="
	             "F%202026%2F42%26x%3D%C3%A9&amt="
	             "1234.56");
}

static void
test_sender_is_the_display_name_or_the_address(void **state)
{
	struct fixture *f = *state;

	set(&f->cfg.sender, "\"Marie \\\"Compta\\\" Durand\" <m@exemple.fr>");
	fill(f, 0);
	assert_value(f, "sender", "Marie \"Compta\" Durand");
	set(&f->cfg.sender, "m@exemple.fr");
	fill(f, 0);
	assert_value(f, "sender", "m@exemple.fr");
	set(&f->cfg.sender, " <m@exemple.fr>");
	fill(f, 0);
	assert_value(f, "sender", "m@exemple.fr");
}

/* ---- messages ---- */

static void
test_message_is_exact(void **state)
{
	struct fixture *f = *state;

	compose(f, NULL, 0);
	assert_string_equal(
	    buf_cstr(&f->msg),
	    "From: Service comptable <compta@exemple.fr>\n"
	    "To: jean.dupont@client.fr, compta@client.fr\n"
	    "Subject: Facture =?UTF-8?Q?impay=C3=A9e?= F2026-0042\n"
	    "Date: Tue, 15 Dec 2026 09:30:00 +0100\n"
	    "Message-ID: " MSGID "\n"
	    "X-Relance-Invoice: F2026-0042\n"
	    "X-Relance-Step: reminder-1\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "Bonjour jean.dupont@client.fr,\n"
	    "\n"
	    "Montant d=C3=BB : 1=E2=80=AF234,56 EUR.\n");
	assert_int_equal(f->rcpts.n, 2);
	assert_string_equal(f->rcpts.v[0], "jean.dupont@client.fr");
	assert_string_equal(f->rcpts.v[1], "compta@client.fr");
	parse(f);
	assert_string_equal(f->parsed.subject, "Facture impayée F2026-0042");
	assert_string_equal(f->parsed.text.data,
	                    "Bonjour jean.dupont@client.fr,\n\nMontant dû : "
	                    "1" NNBSP "234,56 EUR.\n");
}

static void
test_recipients_leave_out_undeliverable_contacts(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    strlist_add(&f->inv.undeliverable, "JEAN.DUPONT@client.fr"), 0);
	compose(f, NULL, 0);
	assert_int_equal(f->rcpts.n, 1);
	assert_string_equal(f->rcpts.v[0], "compta@client.fr");
	assert_non_null(strstr(f->msg.data, "\nTo: compta@client.fr\n"));
}

static void
test_no_deliverable_contact_is_an_error(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    strlist_add(&f->inv.undeliverable, "jean.dupont@client.fr"), 0);
	assert_int_equal(strlist_add(&f->inv.undeliverable, "compta@client.fr"),
	                 0);
	compose(f, NULL, -1);
	assert_string_equal(f->e.msg,
	                    "invoice F2026-0042 has no deliverable contact");
}

static void
test_contact_that_is_not_an_address_is_an_error(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    strlist_add(&f->inv.contacts, "x@y\r\nBcc: evil@example.com"), 0);
	compose(f, NULL, -1);
	assert_string_equal(f->e.msg, "contact \"x@y  Bcc: evil@example.com\" "
	                              "is not an address, expected "
	                              "local@domain");
}

static void
test_auto_submitted_only_when_the_profile_says_so(void **state)
{
	struct fixture *f = *state;
	struct compose_mail m = {&f->tpl,    &f->vals, &f->inv, f->cfg.sender,
	                         "courtesy", true,     0,       0,
	                         MSGID,      NULL};

	fill(f, 0);
	assert_int_equal(compose_message(&m, &f->msg, &f->rcpts, &f->e), 0);
	assert_non_null(
	    strstr(f->msg.data, "\nAuto-Submitted: auto-generated\n"));
	assert_non_null(
	    strstr(f->msg.data, "\nDate: Thu, 1 Jan 1970 00:00:00 +0000\n"));
	parse(f);
	assert_string_equal(f->parsed.auto_submitted, "auto-generated");
	compose(f, NULL, 0);
	assert_null(strstr(f->msg.data, "Auto-Submitted"));
}

static void
test_date_carries_the_zone_offset(void **state)
{
	struct fixture *f = *state;
	struct compose_mail m = {&f->tpl,    &f->vals, &f->inv, f->cfg.sender,
	                         "courtesy", false,    0,       -210,
	                         MSGID,      NULL};

	fill(f, 0);
	/* 1 March 2024 02:00 UTC is 29 February 22:30 at -03:30 */
	m.date = date_to_days(day(2024, 3, 1)) * 86400L + 2 * 3600;
	assert_int_equal(compose_message(&m, &f->msg, &f->rcpts, &f->e), 0);
	assert_non_null(
	    strstr(f->msg.data, "\nDate: Thu, 29 Feb 2024 22:30:00 -0330\n"));
	buf_reset(&f->msg);
	m.zone = 24 * 60;
	assert_int_equal(compose_message(&m, &f->msg, &f->rcpts, &f->e), -1);
	assert_string_equal(f->e.msg, "zone offset 1440 minutes is out of "
	                              "range, expected -1439 to 1439");
}

static void
test_bad_message_id_step_or_number_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct compose_mail m = {&f->tpl,    &f->vals, &f->inv, f->cfg.sender,
	                         "courtesy", false,    0,       0,
	                         "<a b@c>",  NULL};

	fill(f, 0);
	assert_int_equal(compose_message(&m, &f->msg, &f->rcpts, &f->e), -1);
	assert_string_equal(f->e.msg, "Message-ID \"<a b@c>\" is malformed, "
	                              "expected <left@right>");
	m.message_id = MSGID;
	m.step = "reminder-1\nBcc: x@y";
	assert_int_equal(compose_message(&m, &f->msg, &f->rcpts, &f->e), -1);
	assert_string_equal(f->e.msg, "step \"reminder-1 Bcc: x@y\" is "
	                              "malformed, expected letters, digits "
	                              "and '-'");
	m.step = "courtesy";
	set(&f->inv.number, "F1\r\nBcc: x@y");
	assert_int_equal(compose_message(&m, &f->msg, &f->rcpts, &f->e), -1);
	assert_string_equal(f->e.msg, "invoice number \"F1  Bcc: x@y\" cannot "
	                              "go in X-Relance-Invoice, expected at "
	                              "most 64 printable ASCII characters");
}

static void
test_template_placeholder_without_value_is_an_error(void **state)
{
	struct fixture *f = *state;

	free(f->cfg.iban);
	f->cfg.iban = NULL;
	set(&f->tpl.body, "IBAN: {iban}\n");
	fill(f, 1);
	{
		struct compose_mail m = {
		    &f->tpl, &f->vals, &f->inv, f->cfg.sender, "courtesy",
		    false,   0,        0,       MSGID,         NULL};

		assert_int_equal(compose_message(&m, &f->msg, &f->rcpts, &f->e),
		                 -1);
	}
	assert_string_equal(f->e.msg, "templates/fr/reminder-1: {iban} has no "
	                              "value: IBAN is not set in relance.conf");
}

static void
test_header_injection_in_subject_stays_text(void **state)
{
	struct fixture *f = *state;

	set(&f->inv.customer_name, "Dupont\r\nBcc: evil@x\nX-Evil: 1\r\n");
	set(&f->tpl.subject, "Facture {customer_name} {invoice}");
	compose(f, NULL, 0);
	assert_null(strstr(f->msg.data, "\nBcc:"));
	assert_null(strstr(f->msg.data, "\nX-Evil"));
	assert_null(strchr(f->msg.data, '\r'));
	assert_header_lines(f, 78, OUR_HEADERS);
	parse(f);
	assert_string_equal(
	    f->parsed.subject,
	    "Facture Dupont  Bcc: evil@x X-Evil: 1   F2026-0042");
	assert_int_equal(f->parsed.to.n, 2);
}

static void
test_encoded_word_lookalike_stays_literal(void **state)
{
	struct fixture *f = *state;

	set(&f->inv.customer_name, "=?utf-8?q?=0D=0ABcc:_evil@x?=");
	set(&f->tpl.subject, "{customer_name}");
	compose(f, NULL, 0);
	assert_non_null(strstr(f->msg.data, "\nSubject: =?UTF-8?Q?"));
	parse(f);
	assert_string_equal(f->parsed.subject, "=?utf-8?q?=0D=0ABcc:_evil@x?=");
}

static void
test_long_subject_is_folded_and_reads_back(void **state)
{
	struct fixture *f = *state;
	const char *want = "Relance : facture F2026-0042 émise le 15/01/2026, "
	                   "échue le 14/02/2026, restant due à hauteur de "
	                   "1" NNBSP "234,56 EUR, Dupont & Fils, Dupont & "
	                   "Fils, Dupont & Fils";

	set(&f->tpl.subject,
	    "Relance : facture {invoice} émise le {issue_date}, échue le "
	    "{due_date}, restant due à hauteur de {amount_due} {currency}, "
	    "{customer_name}, {customer_name}, {customer_name}");
	compose(f, NULL, 0);
	assert_header_lines(f, 78, OUR_HEADERS);
	assert_non_null(strstr(f->msg.data, "\n "));
	parse(f);
	assert_string_equal(f->parsed.subject, want);
}

static void
test_word_too_long_for_a_header_line_is_an_error(void **state)
{
	struct fixture *f = *state;
	char name[1201];

	memset(name, 'A', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	set(&f->inv.customer_name, name);
	set(&f->tpl.subject, "{customer_name}");
	compose(f, NULL, -1);
	assert_string_equal(f->e.msg, "Subject: a word is too long for a "
	                              "header line (at most 998 characters)");
}

static void
test_long_non_ascii_subject_is_encoded_in_short_words(void **state)
{
	struct fixture *f = *state;
	char name[INVOICE_MAX_TEXT + 1] = "";

	for (int i = 0; i < 60; i++)
		strcat(name, "é");
	set(&f->inv.customer_name, name);
	set(&f->tpl.subject, "{customer_name}");
	compose(f, NULL, 0);
	assert_header_lines(f, 78, OUR_HEADERS);
	parse(f);
	assert_string_equal(f->parsed.subject, name);
}

static void
test_from_display_name_is_quoted_or_encoded(void **state)
{
	struct fixture *f = *state;

	set(&f->cfg.sender, "Exemple, SA <compta@exemple.fr>");
	compose(f, NULL, 0);
	assert_non_null(
	    strstr(f->msg.data, "From: \"Exemple, SA\" <compta@exemple.fr>\n"));
	set(&f->cfg.sender, "Société Exemple, SA <compta@exemple.fr>");
	compose(f, NULL, 0);
	assert_non_null(strstr(f->msg.data, "From: =?UTF-8?B?U29jacOpdMOpIEV4"
	                                    "ZW1wbGUsIFNB?= "
	                                    "<compta@exemple.fr>\n"));
	parse(f);
	assert_string_equal(f->parsed.from, "compta@exemple.fr");
	assert_string_equal(f->parsed.from_name, "Société Exemple, SA");
	set(&f->cfg.sender, "Evil\r\nBcc: x@y <compta@exemple.fr>");
	compose(f, NULL, 0);
	assert_non_null(strstr(f->msg.data, "From: \"Evil  Bcc: x@y\" "
	                                    "<compta@exemple.fr>\n"));
	set(&f->cfg.sender, "Name <not an address>");
	compose(f, NULL, -1);
	assert_string_equal(f->e.msg, "Sender \"Name <not an address>\" is not "
	                              "an address, expected local@domain");
}

static void
test_body_is_quoted_printable_within_76_columns(void **state)
{
	struct fixture *f = *state;
	const char *body = "From here on, a = sign and trailing blanks  \n"
	                   ".a dot line\n"
	                   "éééééééééééééééééééééééééééééééééééééééééééé"
	                   "ééééééééééééééé end\n"
	                   "\tTab\n";
	const char *p;

	set(&f->tpl.body, body);
	compose(f, NULL, 0);
	p = header_end(f) + 1;
	/* soft breaks may fall between the bytes of a character */
	assert_string_equal(p, "=46rom here on, a =3D sign and trailing "
	                       "blanks =20\n"
	                       "=2Ea dot line\n"
	                       "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9"
	                       "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=\n"
	                       "=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9"
	                       "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=\n"
	                       "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9"
	                       "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=\n"
	                       "=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9"
	                       "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=\n"
	                       "=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9=C3=A9"
	                       "=C3=A9=C3=A9 end\n"
	                       "\tTab\n");
	for (; *p != '\0'; p += strcspn(p, "\n") + 1)
		assert_true(strcspn(p, "\n") <= 76);
	parse(f);
	assert_string_equal(f->parsed.text.data, body);
}

static void
test_body_breaks_ascii_lines_at_75_columns(void **state)
{
	struct fixture *f = *state;
	struct buf body = BUF_INIT, want = BUF_INIT;
	/* what ends up at a line's start after a soft break is encoded as
	 * it would be at the start of any line */
	static const struct {
		size_t n;
		char c;
		const char *rest, *encoded;
	} lines[] = {
	    {75, 'a', ".x", "=2Ex"},         {75, 'b', "From y", "=46rom y"},
	    {73, 'c', "=d", "=3Dd"},         {74, 'e', " ", "=20"},
	    {74, 'g', "\xc3\xa9", "=C3=A9"}, {75, 'h', "", NULL},
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		for (size_t k = 0; k < lines[i].n; k++) {
			buf_putc(&body, lines[i].c);
			buf_putc(&want, lines[i].c);
		}
		buf_printf(&body, "%s\n", lines[i].rest);
		if (lines[i].encoded != NULL)
			buf_printf(&want, "=\n%s", lines[i].encoded);
		buf_putc(&want, '\n');
	}
	set(&f->tpl.body, buf_cstr(&body));
	compose(f, NULL, 0);
	assert_string_equal(header_end(f) + 1, buf_cstr(&want));
	parse(f);
	assert_string_equal(f->parsed.text.data, buf_cstr(&body));
	buf_free(&body);
	buf_free(&want);
}

/* Decode base64 S into OUT (the test's own reading). */
static void
b64_decode(const char *s, struct buf *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst"
	                        "uvwxyz0123456789+/";
	unsigned v = 0, bits = 0;

	for (; *s != '\0' && *s != '='; s++) {
		const char *c = strchr(a, *s);

		if (*s == '\n')
			continue;
		assert_non_null(c);
		v = v << 6 | (unsigned)(c - a);
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_putc(out, (char)(v >> bits & 0xff));
		}
	}
}

static void
test_attachment_makes_a_multipart_message(void **state)
{
	struct fixture *f = *state;
	unsigned char pdf[1000];
	struct compose_attachment a = {"/var/lib/relance/pdf/F2026-0042.pdf",
	                               "application/pdf", pdf, sizeof(pdf)};
	struct buf got = BUF_INIT;
	const char *b64, *end;

	for (size_t i = 0; i < sizeof(pdf); i++)
		pdf[i] = (unsigned char)(i * 7 + 3);
	compose(f, &a, 0);
	assert_header_lines(f, 78, OUR_HEADERS);
	assert_non_null(strstr(f->msg.data, "\nContent-Type: multipart/mixed; "
	                                    "boundary=\"=_relance_part\"\n"));
	assert_non_null(strstr(f->msg.data,
	                       "\n--=_relance_part\n"
	                       "Content-Type: application/pdf; "
	                       "name=\"F2026-0042.pdf\"\n"
	                       "Content-Disposition: attachment; "
	                       "filename=\"F2026-0042.pdf\"\n"
	                       "Content-Transfer-Encoding: base64\n\n"));
	b64 = strstr(f->msg.data, "base64\n\n") + 8;
	end = strstr(b64, "\n--=_relance_part--\n");
	assert_non_null(end);
	assert_string_equal(end, "\n--=_relance_part--\n");
	for (const char *p = b64; p < end; p += strcspn(p, "\n") + 1)
		assert_true(strcspn(p, "\n") <= 76);
	b64_decode(b64, &got);
	assert_int_equal(got.len, sizeof(pdf));
	assert_memory_equal(got.data, pdf, sizeof(pdf));
	parse(f);
	assert_int_equal(f->parsed.nattachments, 1);
	assert_string_equal(f->parsed.attachments[0].filename,
	                    "F2026-0042.pdf");
	assert_string_equal(f->parsed.attachments[0].type, "application/pdf");
	assert_in_range(f->parsed.attachments[0].size, sizeof(pdf) - 2,
	                sizeof(pdf) + 2);
	assert_string_equal(f->parsed.text.data,
	                    "Bonjour jean.dupont@client.fr,\n\nMontant dû : "
	                    "1" NNBSP "234,56 EUR.\n");
	buf_free(&got);
}

static void
test_non_ascii_file_name_uses_rfc_2231(void **state)
{
	struct fixture *f = *state;
	const unsigned char pdf[] = "%PDF-1.4\n";
	const char *name = "Facture n°F2026-0042 émise le 15 janvier 2026 "
	                   "pour Dupont & Fils, \"copie\".pdf";
	struct compose_attachment a = {name, NULL, pdf, sizeof(pdf) - 1};

	compose(f, &a, 0);
	assert_header_lines(f, 78, OUR_HEADERS);
	assert_non_null(strstr(
	    f->msg.data,
	    "\nContent-Type: application/pdf; name=\"Facture n_F2026-0042 "
	    "_mise le 15 janvier\n 2026 pour Dupont & Fils, _copie_.pdf\"\n"
	    "Content-Disposition: attachment; filename=\"Facture "
	    "n_F2026-0042 _mise le 15\n janvier 2026 pour Dupont & Fils, "
	    "_copie_.pdf\";\n"
	    " filename*0*=UTF-8''Facture%20n%C2%B0F2026-0042%20%C3%A9mise%20le"
	    "%2015;\n"
	    " filename*1*=%20janvier%202026%20pour%20Dupont%20&%20Fils%2C%20;\n"
	    " filename*2*=%22copie%22.pdf\n"
	    "Content-Transfer-Encoding: base64\n\n"));
	parse(f);
	assert_int_equal(f->parsed.nattachments, 1);
	assert_string_equal(f->parsed.attachments[0].filename, name);
}

static void
test_attachment_name_loses_its_directory_and_must_not_be_empty(void **state)
{
	struct fixture *f = *state;
	const unsigned char pdf[] = "x";
	struct compose_attachment a = {"C:\\Factures\\F1.pdf", NULL, pdf, 1};

	compose(f, &a, 0);
	parse(f);
	assert_string_equal(f->parsed.attachments[0].filename, "F1.pdf");
	a.name = "/tmp/";
	compose(f, &a, -1);
	assert_string_equal(f->e.msg, "attachment file name is empty or longer "
	                              "than 200 bytes");
}

static void
test_report_is_exact(void **state)
{
	struct strlist to = STRLIST_INIT;
	struct compose_report r = {"Compta Société <factures@example.com>",
	                           &to,
	                           "relance run 2026-11-23: 1 sent",
	                           "F1: send courtesy: dû\nF2 = ok\n",
	                           1795426200,
	                           60,
	                           "<relance-run.2026-11-23.1@example.com>"};
	struct buf out = BUF_INIT;
	struct err e;

	(void)state;
	strlist_add(&to, "compta@example.com");
	strlist_add(&to, "dg@example.com");
	assert_int_equal(compose_report(&r, &out, &e), 0);
	assert_string_equal(
	    buf_cstr(&out),
	    "From: =?UTF-8?B?Q29tcHRhIFNvY2nDqXTDqQ==?= "
	    "<factures@example.com>\n"
	    "To: compta@example.com, dg@example.com\n"
	    "Subject: relance run 2026-11-23: 1 sent\n"
	    "Date: Mon, 23 Nov 2026 10:30:00 +0100\n"
	    "Message-ID: <relance-run.2026-11-23.1@example.com>\n"
	    "Auto-Submitted: auto-generated\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "\n"
	    "F1: send courtesy: d=C3=BB\n"
	    "F2 =3D ok\n");
	buf_free(&out);
	strlist_clear(&to);
}

static void
test_report_refuses_bad_addresses(void **state)
{
	struct strlist to = STRLIST_INIT;
	struct compose_report r = {
	    "factures@example.com", &to, "s", "t\n", 1795426200, 60,
	    "<a.1@b.example>"};
	struct buf out = BUF_INIT;
	struct err e;

	(void)state;
	assert_int_equal(compose_report(&r, &out, &e), -1);
	assert_string_equal(e.msg, "no recipient");
	strlist_add(&to, "compta\n@example.com");
	buf_reset(&out);
	assert_int_equal(compose_report(&r, &out, &e), -1);
	assert_string_equal(e.msg, "recipient \"compta @example.com\" is not "
	                           "an address, expected local@domain");
	strlist_clear(&to);
	strlist_add(&to, "compta@example.com");
	r.from = NULL;
	buf_reset(&out);
	assert_int_equal(compose_report(&r, &out, &e), -1);
	assert_string_equal(e.msg, "Sender is not set in relance.conf");
	r.from = "factures@example.com";
	r.message_id = "nope";
	buf_reset(&out);
	assert_int_equal(compose_report(&r, &out, &e), -1);
	assert_string_equal(e.msg,
	                    "Message-ID is malformed, expected <left@right>");
	buf_free(&out);
	strlist_clear(&to);
}

/* ---- the table of invoices ({invoices}) ---- */

static void
table_invoice(struct invoice *inv, const char *number, const char *cur,
              int64_t due, struct date issued, struct date due_date)
{
	invoice_init(inv);
	inv->number = strdup(number);
	assert_non_null(inv->number);
	snprintf(inv->currency, sizeof(inv->currency), "%s", cur);
	inv->amount_due = due;
	inv->issue_date = issued;
	inv->due_date = due_date;
}

static void
test_table_lists_invoices_and_totals(void **state)
{
	struct invoice a, b, c;
	const struct invoice *v[3] = {&a, &b, &c};
	struct buf out = BUF_INIT;

	(void)state;
	table_invoice(&a, "G-2", "EUR", 9900, day(2026, 10, 9),
	              day(2026, 11, 8));
	table_invoice(&b, "G-1\n", "EUR", 123450, day(2026, 10, 16),
	              day(2026, 11, 15));
	table_invoice(&c, "G-10", "USD", 500, day(2026, 10, 16), DATE_NULL);
	assert_int_equal(compose_table(v, 3, day(2026, 11, 23), "fr", &out), 0);
	assert_string_equal(
	    buf_cstr(&out),
	    "Facture  Date        Échéance        Reste dû  Jours de retard\n"
	    "G-2      09/10/2026  08/11/2026     99,00 EUR               15\n"
	    "G-1      16/10/2026  15/11/2026  1\u202f234,50 EUR                "
	    "8\n"
	    "G-10     16/10/2026  -               5,00 USD                -\n"
	    "--------------------------------------------------------------\n"
	    "Total                            1\u202f333,50 EUR\n"
	    "Total                                5,00 USD\n");
	buf_reset(&out);
	assert_int_equal(compose_table(v, 1, day(2026, 11, 23), "en", &out), 0);
	assert_string_equal(
	    buf_cstr(&out),
	    "Invoice  Issued          Due              Amount due  Days "
	    "overdue\n"
	    "G-2      9 October 2026  8 November 2026   99.00 EUR            "
	    "15\n"
	    "------------------------------------------------------------------"
	    "\n"
	    "Total                                      99.00 EUR\n");
	buf_free(&out);
	invoice_free(&a);
	invoice_free(&b);
	invoice_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_values_fill_every_placeholder_in_french),
	    T(test_values_fill_every_placeholder_in_english),
	    T(test_deadline_given_by_caller_wins),
	    T(test_rate_is_the_one_in_force_on_the_due_date),
	    T(test_before_the_due_date_nothing_is_added),
	    T(test_interest_is_exact_and_rounded_half_away_from_zero),
	    T(test_interest_refuses_out_of_range_arguments),
	    T(test_amounts_follow_language_and_currency),
	    T(test_dates_follow_language),
	    T(test_missing_values_are_listed_with_the_reason),
	    T(test_only_the_values_asked_for_are_built),
	    T(test_indemnity_in_another_currency_is_never_added),
	    T(test_check_names_the_placeholders_a_template_lacks),
	    T(test_contact_skips_undeliverable_then_falls_back_to_the_name),
	    T(test_values_are_one_line_and_never_expanded_again),
	    T(test_payment_link_encodes_invoice_data),
	    T(test_sender_is_the_display_name_or_the_address),
	    T(test_message_is_exact),
	    T(test_recipients_leave_out_undeliverable_contacts),
	    T(test_no_deliverable_contact_is_an_error),
	    T(test_contact_that_is_not_an_address_is_an_error),
	    T(test_auto_submitted_only_when_the_profile_says_so),
	    T(test_date_carries_the_zone_offset),
	    T(test_bad_message_id_step_or_number_is_an_error),
	    T(test_template_placeholder_without_value_is_an_error),
	    T(test_header_injection_in_subject_stays_text),
	    T(test_encoded_word_lookalike_stays_literal),
	    T(test_long_subject_is_folded_and_reads_back),
	    T(test_word_too_long_for_a_header_line_is_an_error),
	    T(test_long_non_ascii_subject_is_encoded_in_short_words),
	    T(test_from_display_name_is_quoted_or_encoded),
	    T(test_body_is_quoted_printable_within_76_columns),
	    T(test_body_breaks_ascii_lines_at_75_columns),
	    T(test_attachment_makes_a_multipart_message),
	    T(test_non_ascii_file_name_uses_rfc_2231),
	    T(test_attachment_name_loses_its_directory_and_must_not_be_empty),
#undef T
	    cmocka_unit_test(test_report_is_exact),
	    cmocka_unit_test(test_table_lists_invoices_and_totals),
	    cmocka_unit_test(test_report_refuses_bad_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
