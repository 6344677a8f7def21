/*
 * test_classify.c -- classes, evidence, extracted values and signals.
 *
 * Messages are built by hand, field by field, as mime_parse would fill
 * them (tests/mail/ holds the parser's own golden files); the rules are
 * the shipped policies/ (found through $top_srcdir, default "."), so that
 * these tests also check the shipped French and English rules. A few
 * tests use a small policy of their own.
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

#include "classify.h"

#define ID_A "R-79Y93RJVS"
#define ID_B "R-04106105X"
#define ID_C "R-ZZZZZZZZ0"
#define ID_D "R-000000000"

/* A reminder of ours, as a customer's client quotes it. */
#define QUOTED_REMINDER_FR                                                     \
	"Le lun. 23 nov. 2026 à 10:12, Factures <factures@example.com> a "    \
	"écrit :\n"                                                           \
	"> Bonjour,\n"                                                         \
	"> Sauf erreur de notre part, la facture F2026-0101 reste impayée.\n" \
	"> Si vous contestez cette facture ou en cas de litige, répondez à " \
	"ce\n"                                                                 \
	"> message. Merci de procéder au virement dès réception.\n"         \
	"> [Réf. " ID_A "]\n"

static struct policy *shipped;

static int
load_shipped(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct buf dir = BUF_INIT;
	const char *top = getenv("top_srcdir");

	buf_printf(&dir, "%s/policies", top != NULL && *top ? top : ".");
	if (policy_load(buf_cstr(&dir), &shipped, &errors) != 0) {
		for (size_t i = 0; i < errors.n; i++)
			fprintf(stderr, "%s\n", errors.v[i]);
		shipped = NULL;
	}
	strlist_clear(&errors);
	buf_free(&dir);
	return shipped != NULL ? 0 : -1;
}

static int
free_shipped(void **state)
{
	policy_free(shipped);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Messages by hand                                                   */

static void
set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? strdup(value) : NULL;
	assert_true(value == NULL || *field != NULL);
}

static void
msg_init(struct mime_message *m)
{
	memset(m, 0, sizeof(*m));
	m->to = (struct strlist)STRLIST_INIT;
	m->cc = (struct strlist)STRLIST_INIT;
	m->references = (struct strlist)STRLIST_INIT;
	m->auth_results = (struct strlist)STRLIST_INIT;
	m->text = (struct buf)BUF_INIT;
	m->html = (struct buf)BUF_INIT;
}

/* A customer's reply to our mail <relance-1@example.com>: From, To our
 * mailbox, Date, In-Reply-To, Subject, BODY. */
static void
msg_reply(struct mime_message *m, const char *subject, const char *body)
{
	msg_init(m);
	set(&m->from, "compta@dupont.example");
	set(&m->from_name, "Service comptable");
	assert_int_equal(strlist_add(&m->to, "factures@example.com"), 0);
	set(&m->date, "Wed, 25 Nov 2026 09:30:00 +0100");
	set(&m->subject, subject);
	set(&m->message_id, "<reply-1@dupont.example>");
	set(&m->in_reply_to, "<relance-1@example.com>");
	buf_puts(&m->text, body);
}

static void
add_dsn(struct mime_message *m, const char *action, const char *status,
        const char *recipient, const char *diagnostic)
{
	struct mime_dsn *d = realloc(m->dsn, (m->ndsn + 1) * sizeof(*d));

	assert_non_null(d);
	m->dsn = d;
	d = &m->dsn[m->ndsn++];
	memset(d, 0, sizeof(*d));
	set(&d->action, action);
	set(&d->status, status);
	set(&d->final_recipient, recipient);
	set(&d->diagnostic, diagnostic);
}

static void
add_embedded(struct mime_message *m, const char *message_id,
             const char *subject, const char *relance_id)
{
	struct mime_embedded *e =
	    realloc(m->embedded, (m->nembedded + 1) * sizeof(*e));

	assert_non_null(e);
	m->embedded = e;
	e = &m->embedded[m->nembedded++];
	memset(e, 0, sizeof(*e));
	set(&e->message_id, message_id);
	set(&e->subject, subject);
	set(&e->relance_id, relance_id);
	set(&e->to, "jean@client.example");
}

static void
add_attachment(struct mime_message *m, const char *filename, const char *type)
{
	struct mime_attachment *a =
	    realloc(m->attachments, (m->nattachments + 1) * sizeof(*a));

	assert_non_null(a);
	m->attachments = a;
	a = &m->attachments[m->nattachments++];
	memset(a, 0, sizeof(*a));
	set(&a->filename, filename);
	set(&a->type, type);
	a->size = 1234;
}

/* A message built by hand is freed like a parsed one: every field it owns
 * is malloc'ed, as mime_free expects. */
static void
msg_free(struct mime_message *m)
{
	mime_free(m);
}

/* ------------------------------------------------------------------ */
/* Running the classifier                                             */

static const struct strlist *
mailboxes(void)
{
	static struct strlist l = STRLIST_INIT;
	static char *v[] = {"factures@example.com", "relances@example.com",
	                    NULL};

	l.v = v;
	l.n = 2;
	return &l;
}

/* Classify M under P (NULL: the shipped policy), today 2026-12-01. */
static void
run(const struct mime_message *m, const struct policy *p,
    struct classify_result *out)
{
	struct classify_opts o = {{2026, 12, 1}, mailboxes()};
	struct err e = {{0}};

	assert_int_equal(
	    classify_message(m, p != NULL ? p : shipped, &o, out, &e), 0);
	assert_non_null(out->rule);
	assert_non_null(out->matched);
}

static void
assert_class(const struct classify_result *r, enum classify_class cls,
             const char *rule, const char *matched, const char *lang)
{
	assert_string_equal(classify_name(r->class), classify_name(cls));
	assert_string_equal(r->rule, rule);
	assert_string_equal(r->matched, matched);
	if (lang == NULL)
		assert_null(r->lang);
	else
		assert_string_equal(r->lang, lang);
}

static void
assert_date(struct date d, int y, int m, int day)
{
	char got[11], want[11];

	date_format(d, got);
	date_format((struct date){y, m, day}, want);
	assert_string_equal(got, want);
}

/* The signals as "kind value" lines. */
static char *
signals(const struct classify_result *r)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < r->nsignals; i++)
		buf_printf(&b, "%s%s %s", i ? "\n" : "",
		           classify_signal_name(r->signals[i].kind),
		           r->signals[i].value);
	return buf_steal(&b);
}

static void
assert_signals(const struct classify_result *r, const char *want)
{
	char *got = signals(r);

	assert_string_equal(got, want);
	free(got);
}

/* A policy of its own from TEXT (no errors allowed). */
static struct policy *
own_policy(const char *text)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();

	assert_non_null(p);
	assert_int_equal(
	    policy_parse_file(p, "t.policy", text, strlen(text), &errors), 0);
	strlist_clear(&errors);
	return p;
}

/* ------------------------------------------------------------------ */
/* Bounces                                                            */

/* A Postfix DSN for our reminder to jean@client.example. */
static void
msg_dsn(struct mime_message *m, const char *action, const char *status,
        const char *diagnostic)
{
	msg_init(m);
	set(&m->from, "mailer-daemon@mx.example.com");
	set(&m->from_name, "Mail Delivery System");
	set(&m->return_path, "");
	assert_int_equal(strlist_add(&m->to, "factures@example.com"), 0);
	set(&m->subject, "Undelivered Mail Returned to Sender");
	set(&m->date, "Tue, 24 Nov 2026 10:13:00 +0100");
	set(&m->auto_submitted, "auto-replied");
	set(&m->content_type, "multipart/report");
	set(&m->report_type, "delivery-status");
	buf_puts(&m->text,
	         "This is the mail system at host mx.example.com.\n\n"
	         "I'm sorry to have to inform you that your message could "
	         "not\nbe delivered to one or more recipients.\n\n"
	         "<jean@client.example>: host mx.client.example said: 550 "
	         "5.1.1\n    User unknown\n");
	add_dsn(m, action, status, "jean@client.example", diagnostic);
	add_embedded(m, "<relance-1@example.com>",
	             "Facture impayée F2026-0101 [Réf. " ID_A "]", ID_A);
}

static void
test_dsn_failed_is_a_permanent_bounce(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_dsn(&m, "failed", "5.1.1", "smtp; 550 5.1.1 User unknown");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "dsn action=failed",
	             "smtp; 550 5.1.1 User unknown", NULL);
	assert_string_equal(r.bounce_recipient, "jean@client.example");
	assert_true(r.bounce_permanent);
	assert_signals(&r, "embedded " ID_A "\n"
	                   "embedded <relance-1@example.com>");
	assert_int_equal(r.tracking_ids.n, 1);
	assert_string_equal(r.tracking_ids.v[0], ID_A);
	assert_true(date_is_null(r.promise_date));
	assert_true(date_is_null(r.return_date));
	classify_free(&r);
	msg_free(&m);
}

static void
test_dsn_delayed_is_a_transient_bounce(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_dsn(&m, "delayed", "4.4.1", NULL);
	set(&m.subject, "Delayed Mail (still being retried)");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "dsn action=delayed", "4.4.1", NULL);
	assert_string_equal(r.bounce_recipient, "jean@client.example");
	assert_false(r.bounce_permanent);
	classify_free(&r);
	msg_free(&m);
}

static void
test_dsn_prefers_the_failed_recipient(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_dsn(&m, "delayed", "4.4.1", NULL);
	add_dsn(&m, "failed", "5.2.2", "marie@client.example",
	        "smtp; 552 5.2.2 Mailbox full");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "dsn action=failed",
	             "smtp; 552 5.2.2 Mailbox full", NULL);
	assert_string_equal(r.bounce_recipient, "marie@client.example");
	assert_true(r.bounce_permanent);
	classify_free(&r);
	msg_free(&m);
}

static void
test_dsn_quoting_a_virement_reminder_stays_a_bounce(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_dsn(&m, "failed", "5.1.1", NULL);
	buf_puts(&m.text, "\nLe virement a été effectué. Je vous règle "
	                  "vendredi. Je conteste.\n" QUOTED_REMINDER_FR);
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "dsn action=failed", "5.1.1", NULL);
	assert_int_equal(r.namounts, 0);
	assert_true(date_is_null(r.promise_date));
	classify_free(&r);
	msg_free(&m);
}

static void
test_dsn_that_failed_nothing_is_an_auto_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_dsn(&m, "delivered", "2.0.0", NULL);
	set(&m.subject, "Successful Mail Delivery Report");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY, "dsn action=delivered",
	             "delivered", NULL);
	assert_null(r.bounce_recipient);
	classify_free(&r);
	msg_free(&m);
}

static void
test_report_without_dsn_blocks_is_read_from_its_text(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_init(&m);
	set(&m.from, "postmaster@client.example");
	set(&m.subject, "Delivery failure");
	set(&m.content_type, "multipart/report");
	set(&m.report_type, "delivery-status");
	assert_int_equal(strlist_add(&m.to, "factures@example.com"), 0);
	buf_puts(&m.text, "Delivery to factures@example.com's recipient "
	                  "failed.\n\nmarie.durand@client.example: 452 "
	                  "4.2.2 Over quota\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "report-type delivery-status",
	             "multipart/report; report-type=delivery-status", NULL);
	assert_string_equal(r.bounce_recipient, "marie.durand@client.example");
	assert_false(r.bounce_permanent);
	classify_free(&r);
	msg_free(&m);
}

static void
test_qmail_bounce_from_mailer_daemon(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_init(&m);
	set(&m.from, "MAILER-DAEMON@mx.client.example");
	set(&m.return_path, "");
	set(&m.subject, "failure notice");
	assert_int_equal(strlist_add(&m.to, "factures@example.com"), 0);
	buf_puts(&m.text,
	         "Hi. This is the qmail-send program at mx.client.example.\n"
	         "I'm afraid I wasn't able to deliver your message to the "
	         "following addresses.\nThis is a permanent error; I've given "
	         "up. Sorry it didn't work out.\n\n"
	         "<Jean.Martin@Client.Example>:\nSorry, no mailbox here by "
	         "that name. (#5.1.1)\n\n"
	         "--- Below this line is a copy of the message.\n\n"
	         "From: factures@example.com\nSubject: Facture impayée "
	         "F2026-0101 [Réf. " ID_B
	         "]\n\nMerci de procéder au virement.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "en subject bounce", "failure notice",
	             "en");
	assert_string_equal(r.bounce_recipient, "Jean.Martin@client.example");
	assert_true(r.bounce_permanent);
	assert_int_equal(r.tracking_ids.n, 1);
	assert_string_equal(r.tracking_ids.v[0], ID_B);
	classify_free(&r);
	msg_free(&m);
}

static void
test_exchange_ndr_in_french_from_postmaster(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_init(&m);
	set(&m.from, "postmaster@client.example");
	set(&m.subject, "Non remis : Facture impayée F2026-0101");
	assert_int_equal(strlist_add(&m.to, "factures@example.com"), 0);
	buf_puts(&m.text,
	         "Impossible de remettre le message à ces destinataires.\n\n"
	         "La remise à ces destinataires ou groupes a échoué :\n\n"
	         "jean.dupont@client.example\n"
	         "L'adresse de messagerie est introuvable.\n\n"
	         "Informations de diagnostic pour les administrateurs :\n"
	         "Remote Server returned '550 5.1.10 "
	         "RESOLVER.ADR.RecipientNotFound'\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "fr subject bounce", "Non remis",
	             "fr");
	assert_string_equal(r.bounce_recipient, "jean.dupont@client.example");
	assert_true(r.bounce_permanent);
	assert_int_equal(r.invoices.n, 1);
	assert_string_equal(r.invoices.v[0], "F2026-0101");
	classify_free(&r);
	msg_free(&m);
}

static void
test_bounce_body_gives_the_recipient_after_its_sentence(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_init(&m);
	set(&m.from, "noreply@mail.client.example");
	set(&m.auto_submitted, "auto-generated");
	set(&m.subject, "Re: Facture impayée F2026-0101");
	buf_puts(&m.text, "Sent by factures@example.com to "
	                  "accounts@client.example.\n"
	                  "Delivery has failed to these recipients or groups:"
	                  "\n\npierre@client.example\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "en keyword bounce",
	             "Delivery has failed to these recipients", "en");
	assert_string_equal(r.bounce_recipient, "pierre@client.example");
	assert_true(r.bounce_permanent);
	classify_free(&r);
	msg_free(&m);
}

static void
test_gmail_delay_without_status_is_transient(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_init(&m);
	set(&m.from, "mailer-daemon@googlemail.com");
	set(&m.from_name, "Mail Delivery Subsystem");
	set(&m.subject, "Delivery Status Notification (Delay)");
	buf_puts(&m.text, "There was a temporary problem delivering your "
	                  "message to jean@client.example. Gmail will retry "
	                  "for 46 more hours.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_BOUNCE, "en subject bounce",
	             "Delivery Status Notification", "en");
	assert_string_equal(r.bounce_recipient, "jean@client.example");
	assert_false(r.bounce_permanent);
	classify_free(&r);
	msg_free(&m);
}

static void
test_bounce_words_from_a_person_are_not_a_bounce(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Undeliverable: Facture impayée F2026-0101",
	          "Bonjour, votre mail nous revient :\n"
	          "Delivery has failed to these recipients or groups.\n"
	          "Pouvez-vous vérifier l'adresse ?\n");
	set(&m.in_reply_to, "<relance-1@example.com>");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_REPLY);
	assert_null(r.bounce_recipient);
	classify_free(&r);
	msg_free(&m);
}

/* ------------------------------------------------------------------ */
/* Automatic replies                                                  */

static void
test_auto_submitted_is_an_auto_reply_with_its_return_date(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Réponse automatique : Facture impayée F2026-0101",
	          "Bonjour,\n\nJe suis absente du bureau, de retour le 3 "
	          "décembre.\nPour toute urgence : compta@dupont.example.\n");
	set(&m.auto_submitted, "auto-replied");
	set(&m.date, "Tue, 24 Nov 2026 10:12:30 +0100");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY,
	             "header Auto-Submitted: auto-replied", "auto-replied",
	             NULL);
	assert_date(r.return_date, 2026, 12, 3);
	classify_free(&r);
	msg_free(&m);
}

static void
test_auto_submitted_no_is_not_an_auto_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture impayée F2026-0101",
	          "Bonjour, nous contestons cette facture.\n");
	set(&m.auto_submitted, "no");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_DISPUTE, "fr keyword dispute",
	             "nous contestons", "fr");
	classify_free(&r);
	msg_free(&m);
}

static void
test_out_of_office_quoting_we_will_pay_stays_an_auto_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Re: Unpaid invoice F2026-0103",
	          "I am out of the office until 7 December with limited "
	          "access to email.\n\n"
	          "On Mon, Nov 23, 2026 at 10:12 AM Accounts "
	          "<factures@example.com> wrote:\n"
	          "> Thank you for your message: we will pay on December 15.\n"
	          "> We have paid. We dispute this invoice.\n");
	set(&m.x_autoreply, "yes");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY, "header X-Autoreply: yes", "yes",
	             NULL);
	assert_date(r.return_date, 2026, 12, 7);
	assert_true(date_is_null(r.promise_date));
	assert_int_equal(r.namounts, 0);
	classify_free(&r);
	msg_free(&m);
}

static void
test_subject_speaks_when_the_body_says_nothing(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "F2026-0101 PAYEE LE 20/11", "Cordialement,\nA. Roux\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REMITTANCE, "fr pattern remittance",
	             "PAYEE LE 2", "fr");
	classify_free(&r);
	msg_free(&m);
	/* With words of its own, the body speaks alone. */
	msg_reply(&m, "F2026-0101 PAYEE LE 20/11",
	          "Bonjour, je transmets au service comptable.\n");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_REPLY);
	classify_free(&r);
	msg_free(&m);
}

static void
test_careless_forms_read_as_words(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Re: F2026-0101", "ok jfais le vir lundi\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_PROMISE, "fr pattern promise", "jfais le vir",
	             "fr");
	assert_date(r.promise_date, 2026, 11, 30);
	classify_free(&r);
	msg_free(&m);
}

static void
test_other_languages_are_read(void **state)
{
	static const struct {
		const char *body;
		enum classify_class cls;
		const char *lang;
	} cases[] = {
	    {"Der Betrag stimmt nicht mit dem Angebot überein.",
	     CLASSIFY_DISPUTE, "de"},
	    {"Die Zahlung wurde heute ausgelöst.", CLASSIFY_REMITTANCE, "de"},
	    {"Betaling volgt volgende week.", CLASSIFY_PROMISE, "nl"},
	    {"Abbiamo effettuato il bonifico stamattina.", CLASSIFY_REMITTANCE,
	     "it"},
	    {"Provvederemo al pagamento entro il 15 dicembre.",
	     CLASSIFY_PROMISE, "it"},
	    {"No reconocemos esta factura.", CLASSIFY_DISPUTE, "es"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mime_message m;
		struct classify_result r;

		msg_reply(&m, "Re: F2026-0101", cases[i].body);
		run(&m, NULL, &r);
		assert_string_equal(classify_name(r.class),
		                    classify_name(cases[i].cls));
		assert_string_equal(r.lang, cases[i].lang);
		classify_free(&r);
		msg_free(&m);
	}
}

static void
test_out_of_office_by_its_subject_alone(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Out of Office: Unpaid invoice F2026-0103",
	          "Thanks for your email. I am away, back on 7 December. We "
	          "will pay all invoices on my return.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY, "en subject auto-reply",
	             "Out of Office", "en");
	assert_date(r.return_date, 2026, 12, 7);
	assert_true(date_is_null(r.promise_date));
	classify_free(&r);
	msg_free(&m);
}

static void
test_out_of_office_by_its_words_alone(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture impayée F2026-0101",
	          "Je suis actuellement absent jusqu'au 05/12 inclus. Je vous "
	          "règle dès mon retour.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY, "fr pattern auto-reply",
	             "Je suis actuellement absent jusqu'au", "fr");
	assert_date(r.return_date, 2026, 12, 5);
	classify_free(&r);
	msg_free(&m);
}

static void
test_precedence_and_vendor_headers_are_auto_replies(void **state)
{
	static const char *const bulk[] = {"bulk", "junk", "list",
	                                   "auto_reply"};
	struct mime_message m;
	struct classify_result r;

	for (size_t i = 0; i < 4; i++) {
		msg_reply(&m, "RE: Facture", "Je conteste.\n");
		set(&m.precedence, bulk[i]);
		run(&m, NULL, &r);
		assert_int_equal(r.class, CLASSIFY_AUTO_REPLY);
		assert_string_equal(r.matched, bulk[i]);
		classify_free(&r);
		msg_free(&m);
	}
	msg_reply(&m, "RE: Facture", "Je conteste.\n");
	set(&m.x_autorespond, "1");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY, "header X-Autorespond: 1", "1",
	             NULL);
	classify_free(&r);
	msg_free(&m);
	msg_reply(&m, "RE: Facture", "Je conteste.\n");
	set(&m.precedence, "first-class");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_DISPUTE);
	classify_free(&r);
	msg_free(&m);
}

static void
test_outlook_auto_response_suppress_alone_stays_a_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture impayée F2026-0101 [Réf. " ID_A "]",
	          "Bonjour,\n\nJe transmets à notre service comptable.\n\n"
	          "Cordialement\n");
	set(&m.x_auto_response_suppress, "All");
	set(&m.in_reply_to, "<relance-1@example.com>");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REPLY, "signal reference",
	             "<relance-1@example.com>", NULL);
	classify_free(&r);
	msg_free(&m);
}

static void
test_null_return_path_without_bounce_words_is_an_auto_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Merci pour votre message",
	          "Nous avons bien reçu votre message et vous répondrons "
	          "rapidement. Le virement a été effectué.\n");
	set(&m.return_path, "");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY, "null return path", "<>", NULL);
	classify_free(&r);
	msg_free(&m);
}

static void
test_mailer_daemon_without_bounce_words_is_an_auto_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Notice", "Nous contestons.\n");
	set(&m.from, "MAILER-DAEMON@mx.client.example");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY, "sender mail system",
	             "MAILER-DAEMON@mx.client.example", NULL);
	classify_free(&r);
	msg_free(&m);
}

static void
test_read_receipt_is_an_auto_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Lu : Facture impayée F2026-0101",
	          "Votre message a été lu le 25/11/2026.\n");
	set(&m.content_type, "multipart/report");
	set(&m.report_type, "disposition-notification");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY,
	             "report-type disposition-notification",
	             "disposition-notification", NULL);
	classify_free(&r);
	msg_free(&m);
}

/* ------------------------------------------------------------------ */
/* Remittance, dispute, promise, reply                                */

static void
test_remittance_extracts_the_amounts(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture impayée F2026-0101",
	          "Bonjour,\n\nLe virement de 1 234,56 € a été effectué ce "
	          "matin (frais : 0,50 EUR).\n\nCordialement\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REMITTANCE, "fr pattern remittance",
	             "virement de 1 234,56 € a été effectué", "fr");
	assert_int_equal(r.namounts, 2);
	assert_int_equal(r.amounts[0], 123456);
	assert_int_equal(r.amounts[1], 50);
	classify_free(&r);
	msg_free(&m);
}

static void
test_remittance_by_its_attachment_name(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "TR: Facture F2026-0101",
	          "Bonjour, veuillez trouver ci-joint le document.\n");
	add_attachment(&m, "F2026-0101.pdf", "application/pdf");
	add_attachment(&m, "Avis de virement.pdf", "application/pdf");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REMITTANCE, "fr attachment remittance",
	             "Avis de virement.pdf", "fr");
	classify_free(&r);
	msg_free(&m);
}

static void
test_remittance_in_english(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Unpaid invoice F2026-0103",
	          "Hello,\nPayment of EUR 2,500.00 has been sent today.\n"
	          "Regards\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REMITTANCE, "en pattern remittance",
	             "Payment of EUR 2,500.00 has been sent", "en");
	assert_int_equal(r.namounts, 1);
	assert_int_equal(r.amounts[0], 250000);
	classify_free(&r);
	msg_free(&m);
}

static void
test_dispute_in_the_new_text(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture impayée F2026-0101",
	          "Bonjour,\nNous n’avons jamais reçu la marchandise.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_DISPUTE, "fr keyword dispute",
	             "Nous n’avons jamais reçu", "fr");
	classify_free(&r);
	msg_free(&m);
}

static void
test_reply_quoting_our_contestation_wording_is_a_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture impayée F2026-0101 [Réf. " ID_A "]",
	          "Bonjour,\n\nJe regarde cela avec notre comptable et "
	          "reviens vers vous.\n\n" QUOTED_REMINDER_FR);
	strlist_clear(&m.to);
	assert_int_equal(strlist_add(&m.to, "factures+r-79y93rjvs@example.com"),
	                 0);
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REPLY, "signal plus-address", ID_A, NULL);
	assert_signals(&r, "plus-address " ID_A "\n"
	                   "reference <relance-1@example.com>\n"
	                   "invoice F2026-0101");
	classify_free(&r);
	msg_free(&m);
}

static void
test_promise_resolves_relative_dates_against_the_date_header(void **state)
{
	struct mime_message m;
	struct classify_result r;

	/* Wednesday 25 November: "vendredi" is the 27th, not after today
	 * (1 December). */
	msg_reply(&m, "RE: Facture impayée F2026-0101",
	          "Bonjour,\nJe vous règle vendredi sans faute.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_PROMISE, "fr pattern promise",
	             "Je vous règle", "fr");
	assert_date(r.promise_date, 2026, 11, 27);
	classify_free(&r);
	msg_free(&m);
}

static void
test_promise_end_of_month_and_english_dates(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture", "Le règlement sera fait fin du mois.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_PROMISE, "fr pattern promise",
	             "règlement sera fait fin du mois", "fr");
	assert_date(r.promise_date, 2026, 11, 30);
	classify_free(&r);
	msg_free(&m);
	/* A time alone, without a word of paying, promises nothing. */
	msg_reply(&m, "RE: Facture F2026-0042",
	          "Je suis en déplacement jusqu'à la fin du mois, je "
	          "regarde à mon retour.\n");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_REPLY);
	classify_free(&r);
	msg_free(&m);
	msg_reply(&m, "RE: Unpaid invoice F2026-0042",
	          "I'm away until the end of next week, I'll check then.\n");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_REPLY);
	classify_free(&r);
	msg_free(&m);
	msg_reply(&m, "RE: Unpaid invoice",
	          "Hi,\nThanks. We will pay on December 15.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_PROMISE, "en pattern promise", "We will pay",
	             "en");
	assert_date(r.promise_date, 2026, 12, 15);
	classify_free(&r);
	msg_free(&m);
}

static void
test_promise_date_before_the_promise_or_after_a_cue(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture",
	          "Le 10 décembre, nous vous réglerons la totalité.\n");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_PROMISE);
	assert_date(r.promise_date, 2026, 12, 10);
	classify_free(&r);
	msg_free(&m);
	msg_reply(&m, "RE: Facture",
	          "Nous vous réglerons bientôt. Merci de patienter.\n"
	          "Date de paiement au plus tard le 18/12.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_PROMISE, "fr pattern promise",
	             "Nous vous réglerons", "fr");
	assert_date(r.promise_date, 2026, 12, 18);
	classify_free(&r);
	msg_free(&m);
}

static void
test_promise_without_a_date_is_a_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture impayée F2026-0101",
	          "Bonjour, je vous règle dès que possible.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REPLY, "fr pattern promise, no date",
	             "je vous règle", "fr");
	assert_true(date_is_null(r.promise_date));
	classify_free(&r);
	msg_free(&m);
}

static void
test_reply_rule_gives_the_evidence_of_a_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Question",
	          "Bonjour, pourriez-vous m'envoyer une copie de la facture "
	          "?\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REPLY, "fr keyword reply",
	             "copie de la facture", "fr");
	assert_signals(&r, "reference <relance-1@example.com>");
	classify_free(&r);
	msg_free(&m);
}

static void
test_words_without_any_signal_are_unrelated(void **state)
{
	static const char *const bodies[] = {
	    "Bonjour, pourriez-vous m'envoyer une copie de la facture ?\n",
	    "Also new this month: remittance advice matching (beta). We "
	    "dispute nothing. Payment has been sent.\n",
	    "Je vous règle vendredi.\n"};
	struct mime_message m;
	struct classify_result r;

	for (size_t i = 0; i < 3; i++) {
		msg_reply(&m, "Question", bodies[i]);
		set(&m.in_reply_to, NULL);
		run(&m, NULL, &r);
		assert_class(&r, CLASSIFY_UNRELATED, "no signal", "", NULL);
		assert_int_equal(r.nsignals, 0);
		assert_true(date_is_null(r.promise_date));
		classify_free(&r);
		msg_free(&m);
	}
}

/* A remittance notice from an accounting system: no reference, no
 * invoice number outside its PDF. */
static void
msg_remittance_notice(struct mime_message *m, const char *auth)
{
	msg_reply(m, "Remittance advice from Baker & Sons",
	          "Hi Exemple SARL,\n\nHere's your remittance advice for "
	          "payment of EUR 1,150.00 made on 24 Nov 2026.\n");
	set(&m->in_reply_to, NULL);
	set(&m->from, "messaging-service@post.xero.com");
	add_attachment(m, "Remittance Advice.pdf", "application/pdf");
	assert_int_equal(strlist_add(&m->auth_results,
	                             "mx1.example.com; dkim=pass "
	                             "header.d=post.xero.com"),
	                 0);
	assert_int_equal(strlist_add(&m->auth_results, auth), 0);
}

static void
test_authenticated_remittance_notice_needs_no_signal(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_remittance_notice(&m, "mx1.example.com; dmarc=pass (p=none) "
	                          "header.from=post.xero.com");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REMITTANCE, "en subject remittance",
	             "Remittance", "en");
	assert_int_equal(r.nsignals, 0);
	assert_int_equal(r.namounts, 1);
	assert_int_equal(r.amounts[0], 115000);
	classify_free(&r);
	msg_free(&m);
}

static void
test_remittance_notice_failing_authentication_is_unrelated(void **state)
{
	static const char *const fails[] = {
	    "mx1.example.com; dmarc=fail (p=none dis=none) header.from=x",
	    "mx1.example.com; spf=softfail smtp.mailfrom=x",
	    "mx1.example.com;\tdkim=fail header.d=x", "spf=fail"};
	struct mime_message m;
	struct classify_result r;

	for (size_t i = 0; i < 4; i++) {
		msg_remittance_notice(&m, fails[i]);
		run(&m, NULL, &r);
		assert_class(&r, CLASSIFY_UNRELATED, "no signal", "", NULL);
		classify_free(&r);
		msg_free(&m);
	}
	/* Words that merely hold a failure's name are no failure. */
	msg_remittance_notice(&m, "mx1.example.com; x-dmarc=failed-not");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_REMITTANCE);
	classify_free(&r);
	msg_free(&m);
}

/* A mail to our mailbox that refers to nothing of ours. */
static void
msg_unsigned(struct mime_message *m, const char *subject, const char *body)
{
	msg_reply(m, subject, body);
	set(&m->in_reply_to, NULL);
	set(&m->from, "alertes@banque.example");
}

static void
test_automatic_mail_without_a_signal_is_unrelated(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_unsigned(&m, "Offre Black Friday",
	             "Paiement en 3x sans frais jusqu'au 30/11 inclus.\n");
	set(&m.precedence, "bulk");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_UNRELATED, "automatic, no signal", "bulk",
	             NULL);
	assert_true(date_is_null(r.return_date));
	classify_free(&r);
	msg_free(&m);
	msg_unsigned(&m, "Virement reçu",
	             "Ceci est un message automatique. Un virement a été "
	             "crédité sur votre compte.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_UNRELATED, "automatic, no signal",
	             "Ceci est un message automatique", NULL);
	classify_free(&r);
	msg_free(&m);
}

static void
test_absence_notice_without_a_signal_is_an_auto_reply_by_its_return_date(
    void **state)
{
	struct mime_message m;
	struct classify_result r;

	/* An Outlook rule "reply with template": no header, no reference. */
	msg_unsigned(&m, "Absent du bureau",
	             "Je suis absente du bureau, de retour le 3 décembre.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_AUTO_REPLY, "fr subject auto-reply",
	             "Absent du bureau", "fr");
	assert_date(r.return_date, 2026, 12, 3);
	classify_free(&r);
	msg_free(&m);
	/* Without a return date it refers to nothing of ours. */
	msg_unsigned(&m, "Absent du bureau", "Je suis absente du bureau.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_UNRELATED, "automatic, no signal",
	             "Absent du bureau", NULL);
	assert_true(date_is_null(r.return_date));
	classify_free(&r);
	msg_free(&m);
	/* A mass mailing is never an answer, whatever date it gives. */
	msg_unsigned(&m, "Nos horaires",
	             "Nous serons de retour le 3 "
	             "décembre.\n");
	set(&m.precedence, "list");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_UNRELATED, "automatic, no signal", "list",
	             NULL);
	classify_free(&r);
	msg_free(&m);
}

/* A procurement system's payment notice about our invoice F2026-0101. */
static void
msg_system_notice(struct mime_message *m, const char *subject)
{
	msg_unsigned(m, subject,
	             "Calder Hotels has paid invoice F2026-0101: EUR "
	             "12,480.00 on 24 Nov 2026.\n");
	set(&m->from, "do_not_reply@calder.coupahost.example");
	set(&m->auto_submitted, "auto-generated");
}

static void
test_system_remittance_notice_is_a_remittance(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_system_notice(&m, "Payment Confirmation - Invoice F2026-0101");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REMITTANCE,
	             "en subject remittance, system notice",
	             "Payment Confirmation", "en");
	assert_int_equal(r.namounts, 1);
	assert_int_equal(r.amounts[0], 1248000);
	classify_free(&r);
	msg_free(&m);
}

static void
test_automatic_reply_with_remittance_words_stays_an_auto_reply(void **state)
{
	struct mime_message m;
	struct classify_result r;

	/* Exchange's out-of-office is auto-generated too: its subject. */
	msg_system_notice(&m,
	                  "Automatic reply: Payment confirmation F2026-0101");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_AUTO_REPLY);
	classify_free(&r);
	msg_free(&m);
	/* An answer to our mail (a helpdesk's acknowledgement). */
	msg_system_notice(&m, "Payment confirmation F2026-0101");
	set(&m.in_reply_to, "<relance-1@example.com>");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_AUTO_REPLY);
	classify_free(&r);
	msg_free(&m);
	/* auto-replied, X-Autoreply, a failed authentication. */
	msg_system_notice(&m, "Payment confirmation F2026-0101");
	set(&m.auto_submitted, "auto-replied");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_AUTO_REPLY);
	classify_free(&r);
	msg_free(&m);
	msg_system_notice(&m, "Payment confirmation F2026-0101");
	set(&m.x_autoreply, "yes");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_AUTO_REPLY);
	classify_free(&r);
	msg_free(&m);
	msg_system_notice(&m, "Payment confirmation F2026-0101");
	assert_int_equal(strlist_add(&m.auth_results, "mx; dmarc=fail"), 0);
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_AUTO_REPLY);
	classify_free(&r);
	msg_free(&m);
}

static void
test_start_of_an_absence_is_not_its_return_date(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Absent du bureau",
	          "Je suis absent à partir du 20/11/2026 et ne serai de "
	          "retour que le 02/12/2026.\n");
	set(&m.auto_submitted, "auto-replied");
	run(&m, NULL, &r);
	assert_int_equal(r.class, CLASSIFY_AUTO_REPLY);
	assert_date(r.return_date, 2026, 12, 2);
	classify_free(&r);
	msg_free(&m);
}

static void
test_message_without_any_signal_is_unrelated(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Nouvelle brochure", "Bonjour, voici notre catalogue.\n");
	strlist_clear(&m.to);
	assert_int_equal(strlist_add(&m.to, "contact@example.com"), 0);
	set(&m.in_reply_to, NULL);
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_UNRELATED, "no signal", "", NULL);
	assert_int_equal(r.nsignals, 0);
	assert_int_equal(r.tracking_ids.n, 0);
	classify_free(&r);
	msg_free(&m);
}

static void
test_earlier_class_wins_whatever_the_language(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture",
	          "Le virement a été effectué. We will pay the rest "
	          "next week.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_REMITTANCE, "fr pattern remittance",
	             "virement a été effectué", "fr");
	classify_free(&r);
	msg_free(&m);
	msg_reply(&m, "RE: Facture", "Hello, we dispute this invoice.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_DISPUTE, "en keyword dispute", "we dispute",
	             "en");
	classify_free(&r);
	msg_free(&m);
}

static void
test_dispute_outranks_a_remittance_in_the_same_mail(void **state)
{
	static const char *const bodies[] = {
	    "We dispute the penalties. Le virement a été effectué.\n",
	    "We already paid this in October: this invoice is a duplicate "
	    "of F2026-0100.\n",
	    "Nous avons réglé la facture F2026-0100 ; celle-ci fait "
	    "doublon.\n"};
	static const char *const matched[] = {"We dispute", "is a duplicate",
	                                      "doublon"};
	struct mime_message m;
	struct classify_result r;

	for (size_t i = 0; i < 3; i++) {
		msg_reply(&m, "RE: Facture", bodies[i]);
		run(&m, NULL, &r);
		assert_int_equal(r.class, CLASSIFY_DISPUTE);
		assert_string_equal(r.matched, matched[i]);
		assert_int_equal(r.namounts, 0);
		classify_free(&r);
		msg_free(&m);
	}
}

/* The class and the matched text of a reply saying BODY. */
static void
assert_reply_words(const char *body, enum classify_class cls,
                   const char *matched)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture impayée F2026-0101", body);
	run(&m, NULL, &r);
	assert_string_equal(classify_name(r.class), classify_name(cls));
	assert_string_equal(r.matched, matched);
	classify_free(&r);
	msg_free(&m);
}

static void
test_remittance_phrasings_of_accounts_payable(void **state)
{
	assert_reply_words("We've processed the payment today.\n",
	                   CLASSIFY_REMITTANCE, "We've processed the payment");
	assert_reply_words("Payment went out this morning.\n",
	                   CLASSIFY_REMITTANCE, "Payment went out");
	assert_reply_words("Please see the MT103 below.\n", CLASSIFY_REMITTANCE,
	                   "MT103");
	assert_reply_words("Ci-dessous l'ordre de virement.\n",
	                   CLASSIFY_REMITTANCE, "ordre de virement");
	assert_reply_words("Vous trouverez l'avis d'opéré.\n",
	                   CLASSIFY_REMITTANCE, "avis d'opéré");
	assert_reply_words("Virement SEPA émis hier.\n", CLASSIFY_REMITTANCE,
	                   "Virement SEPA émis");
	assert_reply_words("Votre facture a été mise en paiement.\n",
	                   CLASSIFY_REMITTANCE, "a été mise en paiement");
}

static void
test_dispute_phrasings_of_accounts_payable(void **state)
{
	assert_reply_words("Le tarif appliqué ne correspond pas.\n",
	                   CLASSIFY_DISPUTE,
	                   "tarif appliqué ne correspond pas");
	assert_reply_words("Le prix unitaire est erroné.\n", CLASSIFY_DISPUTE,
	                   "prix unitaire est erroné");
	assert_reply_words("Nous ne réglerons pas cette facture.\n",
	                   CLASSIFY_DISPUTE, "Nous ne réglerons");
	assert_reply_words("Nous refusons cette facture.\n", CLASSIFY_DISPUTE,
	                   "Nous refusons");
	assert_reply_words("La livraison n'a jamais été effectuée.\n",
	                   CLASSIFY_DISPUTE,
	                   "livraison n'a jamais été effectuée");
	assert_reply_words("We will not pay until the goods arrive.\n",
	                   CLASSIFY_DISPUTE, "We will not pay until");
	assert_reply_words("The invoice does not match the purchase order.\n",
	                   CLASSIFY_DISPUTE,
	                   "does not match the purchase order");
	assert_reply_words("You charged the wrong VAT rate.\n",
	                   CLASSIFY_DISPUTE, "wrong VAT");
}

static void
test_future_and_terse_promises(void **state)
{
	struct mime_message m;
	struct classify_result r;
	static const struct {
		const char *body, *matched;
		int y, mo, d;
	} cases[] = {
	    {"Nous réglerons lundi prochain.\n", "Nous réglerons", 2026, 11,
	     30},
	    {"Bonjour,\n\nPaiement sous 8 jours.\n", "Paiement sous", 2026, 12,
	     3},
	    {"Je fais le virement fin décembre.\n", "Je fais le virement", 2026,
	     12, 31},
	    {"Nous nous engageons à régler le 10/12.\n",
	     "Nous nous engageons à régler", 2026, 12, 10},
	    {"Thanks. Transfer by Friday.\n", "Transfer by", 2026, 11, 27},
	    {"You will receive the funds on Friday.\n",
	     "You will receive the funds", 2026, 11, 27},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg_reply(&m, "RE: Facture impayée F2026-0101", cases[i].body);
		run(&m, NULL, &r);
		assert_string_equal(classify_name(r.class), "promise");
		assert_string_equal(r.matched, cases[i].matched);
		assert_date(r.promise_date, cases[i].y, cases[i].mo,
		            cases[i].d);
		classify_free(&r);
		msg_free(&m);
	}
}

static void
test_payment_terms_are_not_a_terse_promise(void **state)
{
	assert_reply_words("Nos conditions prévoient un paiement sous 45 "
	                   "jours.\n",
	                   CLASSIFY_REPLY, "<relance-1@example.com>");
	assert_reply_words("Our terms are: payment within 60 days.\n",
	                   CLASSIFY_REPLY, "<relance-1@example.com>");
}

static void
test_html_only_mail_is_read(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture", "");
	m.html_only = true;
	buf_puts(&m.html, "Bonjour,\nNous contestons cette facture.\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_DISPUTE, "fr keyword dispute",
	             "Nous contestons", "fr");
	classify_free(&r);
	msg_free(&m);
}

/* ------------------------------------------------------------------ */
/* Signals                                                            */

static void
test_signals_are_ranked_strongest_first_without_duplicates(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture F2026-0101 [Réf. " ID_B "]",
	          "Voir aussi " ID_D " et la facture F2026-0102, ou "
	          "F2026-0101.\n\n"
	          "On Mon, Nov 23, 2026 at 10:12 AM Factures "
	          "<factures@example.com> wrote:\n"
	          "> [Réf. " ID_C "] [Réf. " ID_A "]\n");
	assert_int_equal(strlist_add(&m.cc, "relances+R79Y93RJVS@example.com"),
	                 0);
	set(&m.in_reply_to, "<msg-2@example.com>");
	assert_int_equal(strlist_add(&m.references, "<msg-1@example.com>"), 0);
	assert_int_equal(strlist_add(&m.references, "<msg-2@example.com>"), 0);
	set(&m.x_relance_id, ID_A);
	run(&m, NULL, &r);
	assert_signals(&r, "plus-address " ID_A "\n"
	                   "reference <msg-2@example.com>\n"
	                   "reference <msg-1@example.com>\n"
	                   "subject-tag " ID_B "\n"
	                   "quoted " ID_C "\n"
	                   "body " ID_D "\n"
	                   "invoice F2026-0101\n"
	                   "invoice F2026-0102");
	assert_int_equal(r.tracking_ids.n, 4);
	assert_string_equal(r.tracking_ids.v[0], ID_A);
	assert_string_equal(r.tracking_ids.v[1], ID_B);
	assert_string_equal(r.tracking_ids.v[2], ID_C);
	assert_string_equal(r.tracking_ids.v[3], ID_D);
	assert_int_equal(r.invoices.n, 2);
	assert_class(&r, CLASSIFY_REPLY, "signal plus-address", ID_A, NULL);
	classify_free(&r);
	msg_free(&m);
}

static void
test_header_and_reference_ids_are_signals(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Question", "Bonjour.\n");
	strlist_clear(&m.to);
	assert_int_equal(strlist_add(&m.to, "contact@example.com"), 0);
	assert_int_equal(strlist_add(&m.references, "<" ID_C ".1@example.com>"),
	                 0);
	set(&m.x_relance_id, " <r79y93rjvs> ");
	set(&m.in_reply_to, NULL);
	run(&m, NULL, &r);
	assert_signals(&r, "reference <" ID_C ".1@example.com>\n"
	                   "reference " ID_C "\n"
	                   "header " ID_A);
	assert_int_equal(r.tracking_ids.n, 2);
	assert_string_equal(r.tracking_ids.v[0], ID_C);
	assert_string_equal(r.tracking_ids.v[1], ID_A);
	classify_free(&r);
	msg_free(&m);
}

static void
test_ids_with_a_wrong_check_symbol_are_no_signal(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: [Réf. R-79Y93RJVT]", "Bonjour.\n");
	strlist_clear(&m.to);
	assert_int_equal(strlist_add(&m.to, "factures+r-79y93rjvt@example.com"),
	                 0);
	assert_int_equal(strlist_add(&m.cc, "compta+r-79y93rjvs@example.com"),
	                 0);
	set(&m.in_reply_to, NULL);
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_UNRELATED, "no signal", "", NULL);
	assert_int_equal(r.nsignals, 0);
	classify_free(&r);
	msg_free(&m);
}

/* ------------------------------------------------------------------ */
/* Limits and odd input                                               */

static void
test_unusable_date_header_falls_back_to_today(void **state)
{
	static const char *const dates[] = {"garbage", "32 Nov 2026",
	                                    "Mon, 3 Foo 2026", "", NULL};
	struct mime_message m;
	struct classify_result r;

	for (size_t i = 0; i <= 4; i++) {
		msg_reply(&m, "RE: Facture", "Je vous règle demain.\n");
		set(&m.date, dates[i]);
		run(&m, NULL, &r);
		assert_int_equal(r.class, CLASSIFY_PROMISE);
		assert_date(r.promise_date, 2026, 12, 2);
		classify_free(&r);
		msg_free(&m);
	}
}

static void
test_date_header_forms(void **state)
{
	static const struct {
		const char *date;
		int y, m, d;
	} cases[] = {
	    {"3 Nov 2026 10:12:00 +0100", 2026, 11, 4},
	    {"Tue, 3 November 2026 10:12 GMT", 2026, 11, 4},
	    {"Tue,  3 nov 26 10:12 +0000", 2026, 11, 4},
	    {"Sun, 28 Feb 99 23:00 -0500", 1999, 3, 1},
	};
	struct mime_message m;
	struct classify_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg_reply(&m, "RE: Facture", "Je vous règle demain.\n");
		set(&m.date, cases[i].date);
		run(&m, NULL, &r);
		assert_int_equal(r.class, CLASSIFY_PROMISE);
		assert_date(r.promise_date, cases[i].y, cases[i].m, cases[i].d);
		classify_free(&r);
		msg_free(&m);
	}
}

static void
test_evidence_is_bounded_and_printable(void **state)
{
	struct mime_message m;
	struct classify_result r;
	struct buf diag = BUF_INIT;

	buf_puts(&diag, "smtp;\n550 ");
	for (int i = 0; i < 300; i++)
		buf_putc(&diag, i % 2 ? 'x' : '\t');
	msg_dsn(&m, "failed", "5.1.1", buf_cstr(&diag));
	run(&m, NULL, &r);
	assert_int_equal(strlen(r.matched), 200);
	assert_memory_equal(r.matched, "smtp; 550  x x", 14);
	classify_free(&r);
	msg_free(&m);
	buf_free(&diag);
}

static void
test_runaway_pattern_is_no_match_and_marks_truncation(void **state)
{
	struct policy *p = own_policy("rules xx\n"
	                              "\tpattern dispute \"(a|aa)+$\"\n"
	                              "\tkeyword reply \"aaaa\"\n");
	struct mime_message m;
	struct classify_result r;
	struct buf body = BUF_INIT;

	for (int i = 0; i < 60; i++)
		buf_putc(&body, 'a');
	buf_puts(&body, " aaaa!");
	msg_reply(&m, "x", buf_cstr(&body));
	run(&m, p, &r);
	assert_class(&r, CLASSIFY_REPLY, "xx keyword reply", "aaaa", "xx");
	assert_true(r.truncated);
	classify_free(&r);
	msg_free(&m);
	buf_free(&body);
	policy_free(p);
}

static void
test_truncated_message_says_so(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: Facture", "Bonjour.\n");
	m.truncated = true;
	run(&m, NULL, &r);
	assert_true(r.truncated);
	classify_free(&r);
	msg_free(&m);
	msg_reply(&m, "RE: Facture", "Bonjour.\n");
	run(&m, NULL, &r);
	assert_false(r.truncated);
	classify_free(&r);
	msg_free(&m);
}

static void
test_empty_message_and_empty_policy(void **state)
{
	struct policy *p = policy_new();
	struct mime_message m;
	struct classify_result r;

	msg_init(&m);
	run(&m, p, &r);
	assert_class(&r, CLASSIFY_UNRELATED, "no signal", "", NULL);
	classify_free(&r);
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_UNRELATED, "no signal", "", NULL);
	classify_free(&r);
	msg_free(&m);
	policy_free(p);
}

static void
test_invalid_utf8_and_control_bytes_are_survived(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "RE: \xff\xfe Facture F2026-0101\x01",
	          "\xc3\x28 je conteste \xe2\x82 la facture\x7f\n");
	run(&m, NULL, &r);
	assert_class(&r, CLASSIFY_DISPUTE, "fr keyword dispute", "je conteste",
	             "fr");
	assert_string_equal(r.invoices.v[0], "F2026-0101");
	classify_free(&r);
	msg_free(&m);
}

static void
test_names(void **state)
{
	static const char *const classes[] = {
	    "bounce",  "auto-reply", "remittance", "dispute",
	    "promise", "reply",      "unrelated"};
	static const char *const kinds[] = {
	    "plus-address", "reference", "header", "subject-tag",
	    "quoted",       "embedded",  "body",   "invoice"};

	for (int i = 0; i < CLASSIFY_COUNT; i++)
		assert_string_equal(classify_name(i), classes[i]);
	assert_string_equal(classify_name(CLASSIFY_COUNT), "?");
	for (int i = 0; i <= SIGNAL_INVOICE; i++)
		assert_string_equal(classify_signal_name(i), kinds[i]);
	assert_string_equal(classify_signal_name(SIGNAL_INVOICE + 1), "?");
}

/* ------------------------------------------------------------------ */
/* Forwards                                                           */

static void
test_forwarded_bank_notice_is_the_customers_word(void **state)
{
	struct mime_message m;
	struct classify_result r;

	msg_reply(&m, "Virement F2026-0042",
	          "Voici la confirmation de la banque.\n\n"
	          "---------- Forwarded message ---------\n"
	          "De : Banque <notif@banque.example>\n"
	          "Subject: Votre virement\n\n"
	          "Votre virement de 1 250,00 EUR a bien été envoyé.\n");
	run(&m, NULL, &r);
	assert_string_equal(classify_name(r.class), "remittance");
	assert_int_equal(r.namounts, 1);
	assert_int_equal(r.amounts[0], 125000);
	classify_free(&r);
	msg_free(&m);
}

static void
test_our_reminder_forwarded_back_never_counts(void **state)
{
	struct mime_message m;
	struct classify_result r;

	/* From our mailbox, or carrying our tracking ID: ours. */
	msg_reply(&m, "TR: Facture F2026-0042",
	          "Pour info.\n\n"
	          "-------- Message transféré --------\n"
	          "De : Exemple SARL <factures@example.com>\n"
	          "Objet : Facture impayée F2026-0042\n\n"
	          "Si votre paiement a été envoyé, ignorez ce message.\n");
	run(&m, NULL, &r);
	assert_string_equal(classify_name(r.class), "reply");
	classify_free(&r);
	msg_free(&m);
	msg_reply(&m, "TR: Facture F2026-0042",
	          "Pour info.\n\n"
	          "-------- Message transféré --------\n"
	          "De : Claire <claire@ailleurs.example>\n"
	          "Objet : Facture [Réf. R-7K3Q9WXMT]\n\n"
	          "Si votre paiement a été envoyé, ignorez ce message.\n");
	run(&m, NULL, &r);
	assert_string_equal(classify_name(r.class), "reply");
	classify_free(&r);
	msg_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forwarded_bank_notice_is_the_customers_word),
	    cmocka_unit_test(test_our_reminder_forwarded_back_never_counts),
	    cmocka_unit_test(test_dsn_failed_is_a_permanent_bounce),
	    cmocka_unit_test(test_dsn_delayed_is_a_transient_bounce),
	    cmocka_unit_test(test_dsn_prefers_the_failed_recipient),
	    cmocka_unit_test(
	        test_dsn_quoting_a_virement_reminder_stays_a_bounce),
	    cmocka_unit_test(test_dsn_that_failed_nothing_is_an_auto_reply),
	    cmocka_unit_test(
	        test_report_without_dsn_blocks_is_read_from_its_text),
	    cmocka_unit_test(test_qmail_bounce_from_mailer_daemon),
	    cmocka_unit_test(test_exchange_ndr_in_french_from_postmaster),
	    cmocka_unit_test(
	        test_bounce_body_gives_the_recipient_after_its_sentence),
	    cmocka_unit_test(test_gmail_delay_without_status_is_transient),
	    cmocka_unit_test(test_bounce_words_from_a_person_are_not_a_bounce),
	    cmocka_unit_test(
	        test_auto_submitted_is_an_auto_reply_with_its_return_date),
	    cmocka_unit_test(test_auto_submitted_no_is_not_an_auto_reply),
	    cmocka_unit_test(
	        test_out_of_office_quoting_we_will_pay_stays_an_auto_reply),
	    cmocka_unit_test(test_out_of_office_by_its_subject_alone),
	    cmocka_unit_test(test_subject_speaks_when_the_body_says_nothing),
	    cmocka_unit_test(test_careless_forms_read_as_words),
	    cmocka_unit_test(test_other_languages_are_read),
	    cmocka_unit_test(test_out_of_office_by_its_words_alone),
	    cmocka_unit_test(
	        test_precedence_and_vendor_headers_are_auto_replies),
	    cmocka_unit_test(
	        test_outlook_auto_response_suppress_alone_stays_a_reply),
	    cmocka_unit_test(
	        test_null_return_path_without_bounce_words_is_an_auto_reply),
	    cmocka_unit_test(
	        test_mailer_daemon_without_bounce_words_is_an_auto_reply),
	    cmocka_unit_test(test_read_receipt_is_an_auto_reply),
	    cmocka_unit_test(test_remittance_extracts_the_amounts),
	    cmocka_unit_test(test_remittance_by_its_attachment_name),
	    cmocka_unit_test(test_remittance_in_english),
	    cmocka_unit_test(test_dispute_in_the_new_text),
	    cmocka_unit_test(
	        test_reply_quoting_our_contestation_wording_is_a_reply),
	    cmocka_unit_test(
	        test_promise_resolves_relative_dates_against_the_date_header),
	    cmocka_unit_test(test_promise_end_of_month_and_english_dates),
	    cmocka_unit_test(
	        test_promise_date_before_the_promise_or_after_a_cue),
	    cmocka_unit_test(test_promise_without_a_date_is_a_reply),
	    cmocka_unit_test(test_reply_rule_gives_the_evidence_of_a_reply),
	    cmocka_unit_test(test_words_without_any_signal_are_unrelated),
	    cmocka_unit_test(
	        test_authenticated_remittance_notice_needs_no_signal),
	    cmocka_unit_test(
	        test_remittance_notice_failing_authentication_is_unrelated),
	    cmocka_unit_test(test_message_without_any_signal_is_unrelated),
	    cmocka_unit_test(test_automatic_mail_without_a_signal_is_unrelated),
	    cmocka_unit_test(
	        test_absence_notice_without_a_signal_is_an_auto_reply_by_its_return_date),
	    cmocka_unit_test(test_system_remittance_notice_is_a_remittance),
	    cmocka_unit_test(
	        test_automatic_reply_with_remittance_words_stays_an_auto_reply),
	    cmocka_unit_test(test_start_of_an_absence_is_not_its_return_date),
	    cmocka_unit_test(test_earlier_class_wins_whatever_the_language),
	    cmocka_unit_test(
	        test_dispute_outranks_a_remittance_in_the_same_mail),
	    cmocka_unit_test(test_remittance_phrasings_of_accounts_payable),
	    cmocka_unit_test(test_dispute_phrasings_of_accounts_payable),
	    cmocka_unit_test(test_future_and_terse_promises),
	    cmocka_unit_test(test_payment_terms_are_not_a_terse_promise),
	    cmocka_unit_test(test_html_only_mail_is_read),
	    cmocka_unit_test(
	        test_signals_are_ranked_strongest_first_without_duplicates),
	    cmocka_unit_test(test_header_and_reference_ids_are_signals),
	    cmocka_unit_test(test_ids_with_a_wrong_check_symbol_are_no_signal),
	    cmocka_unit_test(test_unusable_date_header_falls_back_to_today),
	    cmocka_unit_test(test_date_header_forms),
	    cmocka_unit_test(test_evidence_is_bounded_and_printable),
	    cmocka_unit_test(
	        test_runaway_pattern_is_no_match_and_marks_truncation),
	    cmocka_unit_test(test_truncated_message_says_so),
	    cmocka_unit_test(test_empty_message_and_empty_policy),
	    cmocka_unit_test(test_invalid_utf8_and_control_bytes_are_survived),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, load_shipped, free_shipped);
}
