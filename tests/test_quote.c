/*
 * test_quote.c -- the customer's words apart from the reminder it quotes,
 * in the forms French and English mail clients write.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "quote.h"

/* Split TEXT and check both parts exactly. */
static void
check_split(const char *text, const char *want_fresh, const char *want_quoted)
{
	struct buf fresh = BUF_INIT, quoted = BUF_INIT;

	quote_split(text, &fresh, &quoted);
	assert_false(buf_failed(&fresh));
	assert_false(buf_failed(&quoted));
	assert_string_equal(buf_cstr(&fresh), want_fresh);
	assert_string_equal(buf_cstr(&quoted), want_quoted);
	buf_free(&fresh);
	buf_free(&quoted);
}

static void
test_text_without_quote_is_all_fresh(void **state)
{
	check_split("Bonjour,\n\nNous avons réglé la facture F2026-0042 hier.\n"
	            "\nCordialement\n",
	            "Bonjour,\n\nNous avons réglé la facture F2026-0042 hier.\n"
	            "\nCordialement\n",
	            "");
}

static void
test_empty_text_gives_nothing(void **state)
{
	check_split("", "", "");
	check_split("\n\n  \n", "", "");
}

static void
test_last_line_without_newline_is_kept(void **state)
{
	check_split("Paiement vendredi", "Paiement vendredi\n", "");
}

static void
test_gmail_fr_attribution_starts_the_quote(void **state)
{
	check_split("Bonjour,\nJe vous règle vendredi.\n\n"
	            "Le lun. 3 nov. 2026 à 10:12, Service Comptabilité "
	            "<factures@example.com> a écrit :\n"
	            "> Madame, Monsieur,\n"
	            "> Si vous contestez cette facture, répondez.\n",
	            "Bonjour,\nJe vous règle vendredi.\n",
	            "Le lun. 3 nov. 2026 à 10:12, Service Comptabilité "
	            "<factures@example.com> a écrit :\n"
	            "Madame, Monsieur,\n"
	            "Si vous contestez cette facture, répondez.\n");
}

static void
test_gmail_fr_attribution_wrapped_over_two_lines(void **state)
{
	check_split("Paiement prévu le 15/12.\n\n"
	            "Le lun. 3 nov. 2026 à 10:12, Service Comptabilité <\n"
	            "factures@example.com> a écrit :\n"
	            "> Je conteste\n",
	            "Paiement prévu le 15/12.\n",
	            "Le lun. 3 nov. 2026 à 10:12, Service Comptabilité <\n"
	            "factures@example.com> a écrit :\n"
	            "Je conteste\n");
}

static void
test_gmail_en_attribution_starts_the_quote(void **state)
{
	check_split("We will pay on December 15.\n\n"
	            "On Mon, Nov 3, 2026 at 10:12 AM Accounts "
	            "<factures@example.com> wrote:\n\n"
	            "> Dear customer,\n> Invoice F-42 is overdue.\n",
	            "We will pay on December 15.\n",
	            "On Mon, Nov 3, 2026 at 10:12 AM Accounts "
	            "<factures@example.com> wrote:\n\n"
	            "Dear customer,\nInvoice F-42 is overdue.\n");
}

static void
test_gmail_en_attribution_wrapped_over_two_lines(void **state)
{
	check_split("Paid.\n"
	            "On Mon, Nov 3, 2026 at 10:12 AM Accounts Receivable <\n"
	            "factures@example.com> wrote:\n> Dear customer\n",
	            "Paid.\n",
	            "On Mon, Nov 3, 2026 at 10:12 AM Accounts Receivable <\n"
	            "factures@example.com> wrote:\nDear customer\n");
}

static void
test_thunderbird_fr_attribution(void **state)
{
	check_split("Réglé ce matin par virement.\n\n"
	            "Le 03/11/2026 à 10:12, Exemple SARL a écrit :\n"
	            "> Relance : facture impayée\n",
	            "Réglé ce matin par virement.\n",
	            "Le 03/11/2026 à 10:12, Exemple SARL a écrit :\n"
	            "Relance : facture impayée\n");
}

static void
test_thunderbird_en_attribution(void **state)
{
	check_split(
	    "Payment sent.\n\nOn 11/3/26 10:12 AM, Exemple SARL wrote:\n"
	    "> Reminder\n",
	    "Payment sent.\n",
	    "On 11/3/26 10:12 AM, Exemple SARL wrote:\nReminder\n");
}

static void
test_attribution_with_no_break_space_before_colon(void **state)
{
	check_split("OK\nLe 03/11/2026 à 10:12, Exemple SARL a écrit\xc2\xa0:\n"
	            "> Relance\n",
	            "OK\n",
	            "Le 03/11/2026 à 10:12, Exemple SARL a écrit\xc2\xa0:\n"
	            "Relance\n");
}

static void
test_apple_mail_fr_quoted_attribution(void **state)
{
	check_split("Je paie demain.\n\nEnvoyé de mon iPhone\n\n"
	            "> Le 3 nov. 2026 à 10:12, X <x@y> a écrit :\n"
	            ">\n> Bonjour,\n",
	            "Je paie demain.\n",
	            "Le 3 nov. 2026 à 10:12, X <x@y> a écrit :\n\nBonjour,\n");
}

static void
test_apple_mail_en_attribution(void **state)
{
	check_split("Will pay next week.\n\nSent from my iPhone\n\n"
	            "On 3 Nov 2026, at 10:12, X <x@y> wrote:\n\n"
	            "> Dear customer,\n",
	            "Will pay next week.\n",
	            "On 3 Nov 2026, at 10:12, X <x@y> wrote:\n\n"
	            "Dear customer,\n");
}

static void
test_address_then_wrote_is_an_attribution(void **state)
{
	check_split("Vu.\nfactures@example.com a écrit :\n> Relance\n", "Vu.\n",
	            "factures@example.com a écrit :\nRelance\n");
}

static void
test_outlook_fr_header_block(void **state)
{
	check_split("Bonjour,\nNous contestons le montant.\n\n"
	            "De : Exemple SARL <factures@example.com>\n"
	            "Envoyé : lundi 3 novembre 2026 10:12\n"
	            "À : Jean Dupont <jean@client.fr>\n"
	            "Objet : Facture impayée F2026-0042\n\n"
	            "Madame, Monsieur,\n",
	            "Bonjour,\nNous contestons le montant.\n",
	            "De : Exemple SARL <factures@example.com>\n"
	            "Envoyé : lundi 3 novembre 2026 10:12\n"
	            "À : Jean Dupont <jean@client.fr>\n"
	            "Objet : Facture impayée F2026-0042\n\n"
	            "Madame, Monsieur,\n");
}

static void
test_outlook_fr_header_block_with_date_line(void **state)
{
	check_split("Réglé.\nDe : Exemple SARL <factures@example.com>\n"
	            "Date : lundi 3 novembre 2026 à 10:12\n"
	            "À : jean@client.fr\nObjet : Relance\n\nTexte\n",
	            "Réglé.\n",
	            "De : Exemple SARL <factures@example.com>\n"
	            "Date : lundi 3 novembre 2026 à 10:12\n"
	            "À : jean@client.fr\nObjet : Relance\n\nTexte\n");
}

static void
test_outlook_bold_header_block_from_html(void **state)
{
	check_split("Paiement fin du mois.\n\n"
	            "*De :* Exemple SARL <factures@example.com>\n"
	            "*Envoyé :* lundi 3 novembre 2026 10:12\n"
	            "*À :* Jean Dupont\n*Objet :* Relance\n\nTexte\n",
	            "Paiement fin du mois.\n",
	            "*De :* Exemple SARL <factures@example.com>\n"
	            "*Envoyé :* lundi 3 novembre 2026 10:12\n"
	            "*À :* Jean Dupont\n*Objet :* Relance\n\nTexte\n");
}

static void
test_outlook_header_block_with_blank_line_between_headers(void **state)
{
	check_split("OK.\n\n*From:* Accounts\n\n*Sent:* Monday\n\n*To:* Bob\n",
	            "OK.\n",
	            "*From:* Accounts\n\n*Sent:* Monday\n\n*To:* Bob\n");
}

static void
test_outlook_en_header_block(void **state)
{
	check_split("We dispute this invoice.\n\n"
	            "From: Accounts <factures@example.com>\n"
	            "Sent: Monday, November 3, 2026 10:12 AM\n"
	            "To: Bob <bob@client.com>\n"
	            "Subject: Overdue invoice F2026-0042\n\nDear Bob,\n",
	            "We dispute this invoice.\n",
	            "From: Accounts <factures@example.com>\n"
	            "Sent: Monday, November 3, 2026 10:12 AM\n"
	            "To: Bob <bob@client.com>\n"
	            "Subject: Overdue invoice F2026-0042\n\nDear Bob,\n");
}

static void
test_outlook_underscore_line_goes_with_the_block(void **state)
{
	check_split("Paid today.\n\n________________________________\n"
	            "From: Accounts <factures@example.com>\n"
	            "Sent: Monday, November 3, 2026 10:12 AM\n",
	            "Paid today.\n",
	            "________________________________\n"
	            "From: Accounts <factures@example.com>\n"
	            "Sent: Monday, November 3, 2026 10:12 AM\n");
}

static void
test_underscore_line_alone_is_text(void **state)
{
	check_split("Paid.\n________________________________\nThanks\n",
	            "Paid.\n________________________________\nThanks\n", "");
}

static void
test_separator_lines_start_the_quote(void **state)
{
	static const char *const seps[] = {
	    "-----Original Message-----",
	    "-----Message d'origine-----",
	    "-----Message d’origine-----",
	    "-------- Message d'origine --------",
	    "-------- Original Message --------",
	    "-------- Message transféré --------",
	    "---------- Forwarded message ---------",
	    "Begin forwarded message:",
	    "Début du message réexpédié :",
	    NULL};

	for (int i = 0; seps[i] != NULL; i++) {
		char text[256], quoted[256];

		snprintf(text, sizeof(text), "Vu.\n\n%s\nSubject: x\n",
		         seps[i]);
		snprintf(quoted, sizeof(quoted), "%s\nSubject: x\n", seps[i]);
		check_split(text, "Vu.\n", quoted);
	}
}

static void
test_everything_after_the_marker_is_quoted(void **state)
{
	check_split("Top.\nLe 03/11/2026 à 10:12, Exemple SARL a écrit :\n"
	            "> Relance\nNot quoted by a marker\n> more\n",
	            "Top.\n",
	            "Le 03/11/2026 à 10:12, Exemple SARL a écrit :\n"
	            "Relance\nNot quoted by a marker\nmore\n");
}

static void
test_quoted_lines_lose_their_markers(void **state)
{
	check_split("> un\n>deux\n> > trois\n>> quatre\n>  retrait\n", "",
	            "un\ndeux\ntrois\nquatre\n retrait\n");
}

static void
test_interleaved_reply_keeps_text_between_quotes(void **state)
{
	check_split("> Facture F-42 : 1 200,00 EUR\n"
	            "Payée le 2 novembre.\n"
	            "> Facture F-43 : 300,00 EUR\n"
	            "Nous contestons celle-ci.\n",
	            "Payée le 2 novembre.\nNous contestons celle-ci.\n",
	            "Facture F-42 : 1 200,00 EUR\nFacture F-43 : 300,00 EUR\n");
}

static void
test_bottom_posted_reply_keeps_the_text_under_the_quote(void **state)
{
	check_split("Le lun. 23 nov. 2026 à 10:12, Exemple SARL "
	            "<factures@example.com> a écrit :\n"
	            "> Sauf erreur, la facture F2026-0142 reste impayée.\n"
	            "> En cas de contestation, répondez à ce message.\n"
	            "\n"
	            "Je conteste cette facture : rien n'a été livré.\n"
	            "-- \nJean\n",
	            "Je conteste cette facture : rien n'a été livré.\n",
	            "Le lun. 23 nov. 2026 à 10:12, Exemple SARL "
	            "<factures@example.com> a écrit :\n"
	            "Sauf erreur, la facture F2026-0142 reste impayée.\n"
	            "En cas de contestation, répondez à ce message.\n");
}

static void
test_greeting_above_an_interleaved_reply_keeps_it_interleaved(void **state)
{
	check_split("Bonjour,\n"
	            "\n"
	            "Le 20/11/2026 à 09:00, Exemple SARL a écrit :\n"
	            "> La prestation du 12/10 reste impayée.\n"
	            "Elle n'a jamais été réalisée.\n"
	            "> Merci de régler sous huitaine.\n",
	            "Bonjour,\n\nElle n'a jamais été réalisée.\n",
	            "Le 20/11/2026 à 09:00, Exemple SARL a écrit :\n"
	            "La prestation du 12/10 reste impayée.\n"
	            "Merci de régler sous huitaine.\n");
}

static void
test_top_posted_reply_never_reads_the_quote_as_fresh(void **state)
{
	/* Text above the attribution: a wrapped quote line that lost its
	 * '>' stays quoted. */
	check_split("Merci.\n"
	            "On Mon, Nov 23, 2026 at 10:12 AM Exemple SARL "
	            "<factures@example.com> wrote:\n"
	            "> If you dispute this invoice, please\n"
	            "reply to this message.\n",
	            "Merci.\n",
	            "On Mon, Nov 23, 2026 at 10:12 AM Exemple SARL "
	            "<factures@example.com> wrote:\n"
	            "If you dispute this invoice, please\n"
	            "reply to this message.\n");
}

static void
test_from_in_a_sentence_is_not_a_header_block(void **state)
{
	check_split("Bonjour,\nFrom: our side, the invoice is paid.\n"
	            "Thanks\n",
	            "Bonjour,\nFrom: our side, the invoice is paid.\nThanks\n",
	            "");
	check_split("De : notre côté tout est réglé.\nMerci\n",
	            "De : notre côté tout est réglé.\nMerci\n", "");
}

static void
test_prose_that_looks_like_an_attribution_is_text(void **state)
{
	/* No date in it, or no colon: what a customer writes. */
	check_split("Le comptable a écrit :\nrien\n",
	            "Le comptable a écrit :\nrien\n", "");
	check_split("On Monday, as your colleague wrote:\nfine\n",
	            "On Monday, as your colleague wrote:\nfine\n", "");
	check_split("Le 3/11, vous avez écrit :\nbien\n",
	            "Le 3/11, vous avez écrit :\nbien\n", "");
}

static void
test_signature_after_dash_dash_space_is_dropped(void **state)
{
	check_split("Réglé.\n-- \nJean Dupont\nTél. 01 23 45 67 89\n",
	            "Réglé.\n", "");
}

static void
test_signature_after_dash_dash_alone_is_dropped(void **state)
{
	check_split("Réglé.\n--\nJean Dupont\n", "Réglé.\n", "");
}

static void
test_other_dashes_are_not_a_signature(void **state)
{
	check_split("Réglé.\n---\n-- oui\nFin\n", "Réglé.\n---\n-- oui\nFin\n",
	            "");
}

static void
test_quote_after_signature_still_goes_to_quoted(void **state)
{
	check_split(
	    "Réglé.\n-- \nJean\n\n"
	    "Le 03/11/2026 à 10:12, Exemple SARL a écrit :\n> Relance\n",
	    "Réglé.\n",
	    "Le 03/11/2026 à 10:12, Exemple SARL a écrit :\nRelance\n");
	check_split("Réglé.\n-- \nJean\n> Relance\nsig\n", "Réglé.\n",
	            "Relance\n");
}

static void
test_mobile_signatures_are_dropped(void **state)
{
	check_split("Je paie vendredi.\n\nEnvoyé de mon iPhone\n",
	            "Je paie vendredi.\n", "");
	check_split("Paid.\nSent from my iPhone\n", "Paid.\n", "");
	check_split("Paid.\nGet Outlook for Android\n", "Paid.\n", "");
	check_split("Payé.\nObtenir Outlook pour iOS\n", "Payé.\n", "");
	check_split("Payé.\nENVOYÉ DE MON SAMSUNG GALAXY\n", "Payé.\n", "");
}

static void
test_sentence_starting_like_a_mobile_signature_is_kept(void **state)
{
	check_split("Sent from our bank yesterday: 1 200,00 EUR.\n",
	            "Sent from our bank yesterday: 1 200,00 EUR.\n", "");
}

static void
test_disclaimer_under_the_signature_is_dropped(void **state)
{
	check_split("Bonjour,\n\nBien reçu, je transmets au service "
	            "comptable.\n\nCordialement,\nSophie\n\n"
	            "Ce message et ses pièces jointes sont confidentiels et "
	            "établis à l’attention exclusive de leurs\n"
	            "destinataires. Tout litige relève du Tribunal de "
	            "commerce.\n\n"
	            "De : Exemple SARL <factures@example.com>\n"
	            "Envoyé : lundi 23 novembre 2026 10:12\n"
	            "Objet : Facture\n\nBonjour,\n",
	            "Bonjour,\n\nBien reçu, je transmets au service "
	            "comptable.\n\nCordialement,\nSophie\n",
	            "De : Exemple SARL <factures@example.com>\n"
	            "Envoyé : lundi 23 novembre 2026 10:12\n"
	            "Objet : Facture\n\nBonjour,\n");
	check_split("Payment sent today.\n\nJohn\n\n"
	            "This email is CONFIDENTIAL and intended solely for the "
	            "addressee.\n\nNothing after it.\n",
	            "Payment sent today.\n\nJohn\n\nNothing after it.\n", "");
}

static void
test_boilerplate_and_the_paragraph_it_runs_into_are_dropped(void **state)
{
	/* Two phrases make a disclaimer; after it, one is enough. */
	check_split("AVIS DE VIREMENT\n\nMontant 4 356,00 EUR\n\n"
	            "Ce message vous est adressé automatiquement. Merci de ne "
	            "pas y répondre.\n\n"
	            "Pour toute réclamation, adressez-vous au donneur "
	            "d’ordre. Document confidentiel.\n",
	            "AVIS DE VIREMENT\n\nMontant 4 356,00 EUR\n", "");
}

static void
test_what_only_looks_like_a_disclaimer_is_kept(void **state)
{
	/* One phrase is not a disclaimer; the first paragraph never is. */
	check_split("Bonjour,\n\nLe destinataire de la facture a changé : "
	            "merci de la renvoyer à compta@x.example.\n",
	            "Bonjour,\n\nLe destinataire de la facture a changé : "
	            "merci de la renvoyer à compta@x.example.\n",
	            "");
	check_split("Do not reply to the confidential notice: we paid.\n",
	            "Do not reply to the confidential notice: we paid.\n", "");
}

/* quote_forward on QUOTED: true with WANT_FROM and WANT_BODY, or false
 * (WANT_FROM NULL). */
static void
check_forward(const char *quoted, const char *want_from, const char *want_body)
{
	struct buf from = BUF_INIT, body = BUF_INIT;

	assert_int_equal(quote_forward(quoted, &from, &body),
	                 want_from != NULL);
	assert_string_equal(buf_cstr(&from), want_from ? want_from : "");
	assert_string_equal(buf_cstr(&body), want_body ? want_body : "");
	buf_free(&from);
	buf_free(&body);
}

static void
test_forwarded_message_gives_its_sender_and_text(void **state)
{
	check_forward("---------- Forwarded message ---------\n"
	              "De : Banque Kobalt <notif@kobalt.example>\n"
	              "Date: mar. 24 nov. 2026 à 09:31\n"
	              "Subject: Votre virement a été envoyé\n"
	              "To: <hugo@gmail.com>\n\n\nBonjour Hugo,\nVotre virement "
	              "a bien été envoyé.\n",
	              "Banque Kobalt <notif@kobalt.example>",
	              "Bonjour Hugo,\nVotre virement a bien été envoyé.\n");
	check_forward("Begin forwarded message:\n\nFrom: Stripe "
	              "<receipts@stripe.example>\nSubject: Your receipt\n\n"
	              "Amount paid\n",
	              "Stripe <receipts@stripe.example>", "Amount paid\n");
}

static void
test_a_reply_or_a_marker_without_headers_is_no_forward(void **state)
{
	check_forward("Le lun. 23 nov. 2026 à 10:12, X <x@y.example> a écrit "
	              ":\nBonjour\n",
	              NULL, NULL);
	check_forward("-----Original Message-----\nFrom: X <x@y.example>\n"
	              "Sent: Monday\n\nHello\n",
	              NULL, NULL);
	check_forward("---------- Forwarded message ---------\nBonjour\n", NULL,
	              NULL);
	check_forward("", NULL, NULL);
}

static void
test_crlf_line_ends_are_tolerated(void **state)
{
	check_split("Réglé.\r\n\r\nFrom: A\r\nSent: B\r\n> x\r\n", "Réglé.\n",
	            "From: A\nSent: B\nx\n");
}

static void
test_invalid_utf8_passes_through(void **state)
{
	check_split("R\xe9gl\xe9\n> \xff\xfe\n", "R\xe9gl\xe9\n", "\xff\xfe\n");
}

static void
test_appends_to_what_the_buffers_hold(void **state)
{
	struct buf fresh = BUF_INIT, quoted = BUF_INIT;

	buf_puts(&fresh, "A:");
	buf_puts(&quoted, "B:");
	quote_split("x\n> y\n", &fresh, &quoted);
	assert_string_equal(buf_cstr(&fresh), "A:x\n");
	assert_string_equal(buf_cstr(&quoted), "B:y\n");
	buf_free(&fresh);
	buf_free(&quoted);
}

static void
test_long_hostile_input_stays_linear(void **state)
{
	/* 200 000 lines that each start an attribution or a header block and
	 * never finish one: quadratic work would take minutes. */
	size_t n = 200000;
	struct buf text = BUF_INIT, fresh = BUF_INIT, quoted = BUF_INIT;

	for (size_t i = 0; i < n; i++)
		buf_puts(&text, i % 2 ? "Le 3, x\n" : "From: y\n");
	quote_split(buf_cstr(&text), &fresh, &quoted);
	assert_int_equal(fresh.len, text.len);
	assert_int_equal(quoted.len, 0);
	buf_free(&text);
	buf_free(&fresh);
	buf_free(&quoted);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_without_quote_is_all_fresh),
	    cmocka_unit_test(test_empty_text_gives_nothing),
	    cmocka_unit_test(test_last_line_without_newline_is_kept),
	    cmocka_unit_test(test_gmail_fr_attribution_starts_the_quote),
	    cmocka_unit_test(test_gmail_fr_attribution_wrapped_over_two_lines),
	    cmocka_unit_test(test_gmail_en_attribution_starts_the_quote),
	    cmocka_unit_test(test_gmail_en_attribution_wrapped_over_two_lines),
	    cmocka_unit_test(test_thunderbird_fr_attribution),
	    cmocka_unit_test(test_thunderbird_en_attribution),
	    cmocka_unit_test(test_attribution_with_no_break_space_before_colon),
	    cmocka_unit_test(test_apple_mail_fr_quoted_attribution),
	    cmocka_unit_test(test_apple_mail_en_attribution),
	    cmocka_unit_test(test_address_then_wrote_is_an_attribution),
	    cmocka_unit_test(test_outlook_fr_header_block),
	    cmocka_unit_test(test_outlook_fr_header_block_with_date_line),
	    cmocka_unit_test(test_outlook_bold_header_block_from_html),
	    cmocka_unit_test(
	        test_outlook_header_block_with_blank_line_between_headers),
	    cmocka_unit_test(test_outlook_en_header_block),
	    cmocka_unit_test(test_outlook_underscore_line_goes_with_the_block),
	    cmocka_unit_test(test_underscore_line_alone_is_text),
	    cmocka_unit_test(test_separator_lines_start_the_quote),
	    cmocka_unit_test(test_everything_after_the_marker_is_quoted),
	    cmocka_unit_test(test_quoted_lines_lose_their_markers),
	    cmocka_unit_test(test_interleaved_reply_keeps_text_between_quotes),
	    cmocka_unit_test(
	        test_bottom_posted_reply_keeps_the_text_under_the_quote),
	    cmocka_unit_test(
	        test_top_posted_reply_never_reads_the_quote_as_fresh),
	    cmocka_unit_test(
	        test_greeting_above_an_interleaved_reply_keeps_it_interleaved),
	    cmocka_unit_test(test_from_in_a_sentence_is_not_a_header_block),
	    cmocka_unit_test(test_prose_that_looks_like_an_attribution_is_text),
	    cmocka_unit_test(test_signature_after_dash_dash_space_is_dropped),
	    cmocka_unit_test(test_signature_after_dash_dash_alone_is_dropped),
	    cmocka_unit_test(test_other_dashes_are_not_a_signature),
	    cmocka_unit_test(test_quote_after_signature_still_goes_to_quoted),
	    cmocka_unit_test(test_mobile_signatures_are_dropped),
	    cmocka_unit_test(
	        test_sentence_starting_like_a_mobile_signature_is_kept),
	    cmocka_unit_test(test_disclaimer_under_the_signature_is_dropped),
	    cmocka_unit_test(
	        test_boilerplate_and_the_paragraph_it_runs_into_are_dropped),
	    cmocka_unit_test(test_what_only_looks_like_a_disclaimer_is_kept),
	    cmocka_unit_test(test_forwarded_message_gives_its_sender_and_text),
	    cmocka_unit_test(
	        test_a_reply_or_a_marker_without_headers_is_no_forward),
	    cmocka_unit_test(test_crlf_line_ends_are_tolerated),
	    cmocka_unit_test(test_invalid_utf8_passes_through),
	    cmocka_unit_test(test_appends_to_what_the_buffers_hold),
	    cmocka_unit_test(test_long_hostile_input_stays_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
