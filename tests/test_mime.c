/*
 * test_mime.c -- parsing replies, bounces and remittance notices.
 *
 * Messages are inline strings, as mail clients and MTAs write them
 * (Outlook, Thunderbird, Postfix, qmail), including the broken ones seen
 * in the wild. Expected values are exact.
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

#include "mime.h"

/* UTF-8 spelled out, so that the source stays ASCII. */
#define E_ACUTE "\xc3\xa9"
#define E_GRAVE "\xc3\xa8"
#define C_CEDIL "\xc3\xa7"
#define EURO    "\xe2\x82\xac"
#define DEGREE  "\xc2\xb0"
#define FFFD    "\xef\xbf\xbd"

static void
parse_with(const char *msg, size_t len, const struct mime_limits *lim,
           struct mime_message *m)
{
	struct err e = {{0}};

	assert_int_equal(mime_parse(msg, len, lim, m, &e), 0);
}

static void
parse_lim(const char *msg, const struct mime_limits *lim,
          struct mime_message *m)
{
	parse_with(msg, strlen(msg), lim, m);
}

static void
parse(const char *msg, struct mime_message *m)
{
	parse_with(msg, strlen(msg), NULL, m);
}

/* A message of just HEADER (one field) and a short body. */
static void
parse_header(const char *header, struct mime_message *m)
{
	char msg[4096];

	snprintf(msg, sizeof msg, "%s\r\n\r\nbody\r\n", header);
	parse(msg, m);
}

/* --- Header decoding ------------------------------------------------- */

static void
test_subject_q_and_b_words_are_decoded(void **state)
{
	struct mime_message m;

	parse_header("Subject: Re: =?utf-8?b?RmFjdHVyZSBpbXBhecOpZQ==?= "
	             "=?UTF-8?Q?n=C2=B0_F-2026-0042?= (relance)",
	             &m);
	assert_string_equal(m.subject, "Re: Facture impay" E_ACUTE "en" DEGREE
	                               " F-2026-0042 (relance)");
	mime_free(&m);
}

static void
test_subject_in_iso_8859_1_and_windows_1252(void **state)
{
	struct mime_message m;

	parse_header("Subject: =?ISO-8859-1?Q?R=E8glement_effectu=E9?= de "
	             "100 =?windows-1252?q?=80_=93ok=94?=",
	             &m);
	assert_string_equal(m.subject,
	                    "R" E_GRAVE "glement effectu" E_ACUTE
	                    " de 100 " EURO " \xe2\x80\x9cok\xe2\x80\x9d");
	mime_free(&m);
}

static void
test_folded_subject_is_unfolded(void **state)
{
	struct mime_message m;

	parse("Subject: Votre facture\r\n\tF-2026-0042\r\n  est due\r\n\r\n",
	      &m);
	assert_string_equal(m.subject, "Votre facture F-2026-0042 est due");
	mime_free(&m);
}

static void
test_words_split_mid_character_are_joined(void **state)
{
	struct mime_message m;

	/* Q: "é" cut between its two bytes; B: cut inside a quantum. */
	parse_header("Subject: =?utf-8?q?caf=C3?= =?utf-8?q?=A9?= "
	             "=?utf-8?b?w?= =?UTF-8?B?6k=?=",
	             &m);
	assert_string_equal(m.subject, "caf" E_ACUTE E_ACUTE);
	mime_free(&m);
}

static void
test_word_without_closing_marker_ends_at_blank(void **state)
{
	struct mime_message m;

	parse_header("Subject: =?utf-8?q?Facture_impay=C3=A9e suite", &m);
	assert_string_equal(m.subject, "Facture impay" E_ACUTE "e suite");
	mime_free(&m);
}

static void
test_wrong_latin1_label_on_utf8_bytes(void **state)
{
	struct mime_message m;

	parse_header("Subject: =?iso-8859-1?Q?Caf=C3=A9?=", &m);
	assert_string_equal(m.subject, "Caf" E_ACUTE);
	mime_free(&m);
}

static void
test_unknown_charset_is_utf8_or_windows_1252(void **state)
{
	struct mime_message m;

	parse_header("Subject: =?x-unknown?q?=E9t=E9?= "
	             "=?unknown-8bit?q?=C3=A9t=C3=A9?=",
	             &m);
	assert_string_equal(m.subject, E_ACUTE "t" E_ACUTE E_ACUTE "t" E_ACUTE);
	mime_free(&m);
}

static void
test_invalid_utf8_in_word_becomes_replacement(void **state)
{
	struct mime_message m;

	parse_header("Subject: =?utf-8?q?a=FFb?=", &m);
	assert_string_equal(m.subject, "a" FFFD "b");
	mime_free(&m);
}

static void
test_raw_8bit_header_is_utf8_else_windows_1252(void **state)
{
	struct mime_message m;

	parse("Subject: R" E_ACUTE "ponse\r\n"
	      "From: Fran\xe7ois P\xe9rez <fp@client.fr>\r\n\r\n",
	      &m);
	assert_string_equal(m.subject, "R" E_ACUTE "ponse");
	assert_string_equal(m.from_name, "Fran" C_CEDIL "ois P" E_ACUTE "rez");
	mime_free(&m);
}

static void
test_other_charsets_go_through_iconv(void **state)
{
	struct mime_message m;

	parse_header("Subject: =?koi8-r?b?8NLJ18XU?=", &m);
	assert_string_equal(m.subject, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
	                               "\xd0\xb5\xd1\x82"); /* Привет */
	mime_free(&m);
}

/* --- Addresses ------------------------------------------------------- */

static void
test_from_is_bare_with_domain_lower_cased_and_name_decoded(void **state)
{
	struct mime_message m;

	parse_header("From: =?iso-8859-1?q?Fran=E7ois_P=E9rez?= "
	             "<Francois.Perez@Client.FR>",
	             &m);
	assert_string_equal(m.from, "Francois.Perez@client.fr");
	assert_string_equal(m.from_name, "Fran" C_CEDIL "ois P" E_ACUTE "rez");
	mime_free(&m);
}

static void
test_to_and_cc_list_every_address(void **state)
{
	struct mime_message m;

	parse("To: \"Dupont, Jean\" <jd@X.fr>, b@Y.FR,\r\n"
	      "\tcompta: c@d.fr, e@f.fr;, undisclosed-recipients:;\r\n"
	      "Cc: (copie) a@b.fr, \"x, y\" <c@D.fr>\r\n\r\n",
	      &m);
	assert_int_equal(m.to.n, 4);
	assert_string_equal(m.to.v[0], "jd@x.fr");
	assert_string_equal(m.to.v[1], "b@y.fr");
	assert_string_equal(m.to.v[2], "c@d.fr");
	assert_string_equal(m.to.v[3], "e@f.fr");
	assert_int_equal(m.cc.n, 2);
	assert_string_equal(m.cc.v[0], "a@b.fr");
	assert_string_equal(m.cc.v[1], "c@d.fr");
	mime_free(&m);
}

static void
test_addresses_without_angle_brackets(void **state)
{
	struct mime_message m;

	parse("From: Jean Dupont jean@Client.fr\r\n"
	      "Reply-To: compta@client.fr (Service compta)\r\n"
	      "Sender: MAILER-DAEMON\r\n\r\n",
	      &m);
	assert_string_equal(m.from, "jean@client.fr");
	assert_string_equal(m.from_name, "Jean Dupont");
	assert_string_equal(m.reply_to, "compta@client.fr");
	assert_string_equal(m.sender, "MAILER-DAEMON");
	mime_free(&m);
}

static void
test_display_name_from_comment(void **state)
{
	struct mime_message m;

	parse_header("From: MAILER-DAEMON@mx.example.fr (Mail Delivery System)",
	             &m);
	assert_string_equal(m.from, "MAILER-DAEMON@mx.example.fr");
	assert_string_equal(m.from_name, "Mail Delivery System");
	mime_free(&m);
}

static void
test_null_return_path_is_empty(void **state)
{
	struct mime_message m;

	parse("Return-Path: <>\r\nSender: <>\r\nFrom: <>\r\n\r\n", &m);
	assert_string_equal(m.return_path, "");
	assert_null(m.sender);
	assert_null(m.from);
	assert_null(m.from_name);
	mime_free(&m);
	parse_header("Return-Path: <Bounce@Example.FR>", &m);
	assert_string_equal(m.return_path, "Bounce@example.fr");
	mime_free(&m);
}

/* libetpan's address parser recurses once per '(' and overflows the stack
 * on a few thousand: ours does not recurse. */
static void
test_deeply_nested_comments_do_not_recurse(void **state)
{
	size_t n = 200000;
	char *msg = malloc(n + 64);
	struct mime_message m;

	assert_non_null(msg);
	memcpy(msg, "From: ", 6);
	memset(msg + 6, '(', n);
	strcpy(msg + 6 + n, "\r\nTo: a@b.fr (x (y) z)\r\n\r\n");
	parse(msg, &m);
	assert_null(m.from);
	assert_int_equal(m.to.n, 1);
	assert_string_equal(m.to.v[0], "a@b.fr");
	mime_free(&m);
	parse_header("From: a@b.fr (x (y) z)", &m);
	assert_string_equal(m.from_name, "x (y) z");
	mime_free(&m);
	free(msg);
}

/* --- Message-IDs and other headers ---------------------------------- */

static void
test_message_ids_keep_brackets_and_references_split(void **state)
{
	struct mime_message m;

	parse("Message-ID: <abc.123@mail.client.fr>\r\n"
	      "In-Reply-To: <relance.1@example.fr> (Factures's message)\r\n"
	      "References: <relance.0@example.fr>\r\n"
	      " <relance.1@example.fr>\t<bad id@x> <x@y>\r\n\r\n",
	      &m);
	assert_string_equal(m.message_id, "<abc.123@mail.client.fr>");
	assert_string_equal(m.in_reply_to, "<relance.1@example.fr>");
	assert_int_equal(m.references.n, 3);
	assert_string_equal(m.references.v[0], "<relance.0@example.fr>");
	assert_string_equal(m.references.v[1], "<relance.1@example.fr>");
	assert_string_equal(m.references.v[2], "<x@y>");
	mime_free(&m);
}

static void
test_message_id_without_brackets_is_bracketed(void **state)
{
	struct mime_message m;

	parse_header("In-Reply-To: relance.1@example.fr", &m);
	assert_string_equal(m.in_reply_to, "<relance.1@example.fr>");
	mime_free(&m);
}

static void
test_automatic_reply_headers(void **state)
{
	struct mime_message m;

	parse("Auto-Submitted:  Auto-Replied (vacation)\r\n"
	      "Precedence: Bulk\r\n"
	      "X-Autoreply: YES\r\n"
	      "X-Autorespond: On\r\n"
	      "X-Auto-Response-Suppress: All\r\n"
	      "X-Relance-ID: R-7K3Q9WXMA \r\n"
	      "Date: Tue,  3 Nov 2026 10:12:14 +0100\r\n"
	      "Authentication-Results: mx.example.fr;\r\n"
	      "\tdkim=pass header.d=client.fr\r\n"
	      "Authentication-Results: mx.example.fr; spf=pass\r\n\r\n",
	      &m);
	assert_string_equal(m.auto_submitted, "auto-replied (vacation)");
	assert_string_equal(m.precedence, "bulk");
	assert_string_equal(m.x_autoreply, "yes");
	assert_string_equal(m.x_autorespond, "on");
	assert_string_equal(m.x_auto_response_suppress, "all");
	assert_string_equal(m.x_relance_id, "R-7K3Q9WXMA");
	assert_string_equal(m.date, "Tue,  3 Nov 2026 10:12:14 +0100");
	assert_int_equal(m.auth_results.n, 2);
	assert_string_equal(m.auth_results.v[0],
	                    "mx.example.fr; dkim=pass header.d=client.fr");
	assert_string_equal(m.auth_results.v[1], "mx.example.fr; spf=pass");
	assert_null(m.content_type);
	mime_free(&m);
}

static void
test_first_header_of_a_kind_wins(void **state)
{
	struct mime_message m;

	parse("Subject: first\r\nSubject: second\r\n"
	      "To: a@b.fr\r\nTo: c@d.fr\r\n\r\n",
	      &m);
	assert_string_equal(m.subject, "first");
	assert_int_equal(m.to.n, 2);
	mime_free(&m);
}

/* --- Bodies ---------------------------------------------------------- */

static void
test_quoted_printable_body_in_iso_8859_1(void **state)
{
	struct mime_message m;

	parse("Content-Type: text/plain; charset=\"ISO-8859-1\"\r\n"
	      "Content-Transfer-Encoding: Quoted-Printable\r\n\r\n"
	      "J'ai pay=E9 la facture =\r\nF-2026 =3D 100 EUR.\r\n"
	      "Broken: a = b, =ZZ.\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text),
	                    "J'ai pay" E_ACUTE " la facture F-2026 = 100 EUR.\n"
	                    "Broken: a = b, =ZZ.\n");
	assert_string_equal(m.content_type, "text/plain");
	assert_false(m.html_only);
	mime_free(&m);
}

static void
test_base64_body_in_windows_1252(void **state)
{
	struct mime_message m;

	/* "Bonjour,\r\nj'ai payé hier € !\r\n" in Windows-1252 */
	parse("Content-Type: text/plain; charset=windows-1252\r\n"
	      "Content-Transfer-Encoding: base64\r\n\r\n"
	      "Qm9uam91ciwNCmonYWkgcGF5\r\n6SBoaWVyIIAgIQ0K\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text),
	                    "Bonjour,\nj'ai pay" E_ACUTE " hier " EURO " !\n");
	mime_free(&m);
}

static void
test_base64_and_qp_bodies_in_three_charsets(void **state)
{
	static const struct {
		const char *charset, *cte, *body, *text;
	} cases[] = {
	    {"utf-8", "base64", "UsOpZ2zDqSA6IDEwMCDigqw=",
	     "R" E_ACUTE "gl" E_ACUTE " : 100 " EURO},
	    {"utf-8", "quoted-printable", "R=C3=A9gl=C3=A9 : 100 =E2=82=AC",
	     "R" E_ACUTE "gl" E_ACUTE " : 100 " EURO},
	    {"windows-1252", "base64",
	     "UulnbOkgOiAxMDAggA==", "R" E_ACUTE "gl" E_ACUTE " : 100 " EURO},
	    {"windows-1252", "quoted-printable", "R=E9gl=E9 : 100 =80",
	     "R" E_ACUTE "gl" E_ACUTE " : 100 " EURO},
	    {"iso-8859-1", "base64", "UulnbOkgOiAxMDAgRVVSLCByZed1",
	     "R" E_ACUTE "gl" E_ACUTE " : 100 EUR, re" C_CEDIL "u"},
	    {"iso-8859-1", "quoted-printable", "R=E9gl=E9 : 100 EUR, re=E7u",
	     "R" E_ACUTE "gl" E_ACUTE " : 100 EUR, re" C_CEDIL "u"},
	};
	char msg[512];
	struct mime_message m;

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(msg, sizeof msg,
		         "Content-Type: text/plain; charset=%s\r\n"
		         "Content-Transfer-Encoding: %s\r\n\r\n%s",
		         cases[i].charset, cases[i].cte, cases[i].body);
		parse(msg, &m);
		assert_string_equal(buf_cstr(&m.text), cases[i].text);
		mime_free(&m);
	}
}

static void
test_8bit_bodies_in_utf8_and_iso_8859_15(void **state)
{
	struct mime_message m;

	parse("Content-Type: text/plain; charset=utf-8\r\n"
	      "Content-Transfer-Encoding: 8bit\r\n\r\n"
	      "R" E_ACUTE "gl" E_ACUTE " : 100 " EURO " \xff fin\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text),
	                    "R" E_ACUTE "gl" E_ACUTE " : 100 " EURO " " FFFD
	                    " fin\n");
	mime_free(&m);
	parse("Content-Type: text/plain; charset=iso-8859-15\r\n\r\n"
	      "Pi\xe8"
	      "ce : 100 \xa4, \xbd"
	      "uvre\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text),
	                    "Pi" E_GRAVE "ce : 100 " EURO ", \xc5\x93uvre\n");
	mime_free(&m);
}

static void
test_latin_label_on_utf8_body_is_read_as_utf8(void **state)
{
	struct mime_message m;

	parse("Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
	      "Pay" E_ACUTE "\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text), "Pay" E_ACUTE "\n");
	mime_free(&m);
	parse("Content-Type: text/plain; charset=iso-8859-15\r\n\r\n"
	      "Pay" E_ACUTE " " EURO "\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text), "Pay" E_ACUTE " " EURO "\n");
	mime_free(&m);
}

static void
test_body_without_charset_is_utf8_else_windows_1252(void **state)
{
	struct mime_message m;

	parse("Subject: x\r\n\r\nPay\xe9 \x80\r\n", &m);
	assert_string_equal(buf_cstr(&m.text), "Pay" E_ACUTE " " EURO "\n");
	mime_free(&m);
	parse("Subject: x\r\n\r\nPay" E_ACUTE "\r\n", &m);
	assert_string_equal(buf_cstr(&m.text), "Pay" E_ACUTE "\n");
	mime_free(&m);
}

static const char outlook_html[] =
    "From: \"Client SARL\" <compta@client.fr>\r\n"
    "Subject: RE: Relance facture\r\n"
    "Content-Type: text/html; charset=\"iso-8859-1\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "<html><head><meta charset=3Dutf-8><title>T</title>\r\n"
    "<style>p.MsoNormal{margin:0}</style></head>\r\n"
    "<body lang=3DFR><div class=3DWordSection1>\r\n"
    "<p class=3DMsoNormal>Bonjour,<o:p></o:p></p>\r\n"
    "<p class=3DMsoNormal><o:p>&nbsp;</o:p></p>\r\n"
    "<p class=3DMsoNormal>Le r=E8glement de 100&nbsp;&euro; est parti =\r\n"
    "hier.<br>Cordialement,<br>Marie</p>\r\n"
    "<div style=3D'border:none'><p><b>De&nbsp;:</b> Factures<br>\r\n"
    "<b>Envoy&eacute;&nbsp;:</b> lundi 2 novembre 2026</p></div>\r\n"
    "<script>document.write('x')</script>\r\n"
    "</div></body></html>\r\n";

static void
test_html_only_outlook_message(void **state)
{
	struct mime_message m;

	parse(outlook_html, &m);
	assert_string_equal(buf_cstr(&m.text), "");
	assert_string_equal(buf_cstr(&m.html),
	                    "Bonjour,\n"
	                    "\n"
	                    "Le r" E_GRAVE "glement de 100 " EURO
	                    " est parti hier.\n"
	                    "Cordialement,\n"
	                    "Marie\n"
	                    "De : Factures\n"
	                    "Envoy" E_ACUTE " : lundi 2 novembre 2026\n");
	assert_true(m.html_only);
	assert_string_equal(mime_body(&m), buf_cstr(&m.html));
	mime_free(&m);
}

static void
test_html_blockquote_is_quoted(void **state)
{
	struct mime_message m;

	parse("Content-Type: text/html\r\n\r\n"
	      "<div>Pay&eacute;.</div><div>Le 2 nov. a &#233;crit&nbsp;:</div>"
	      "<blockquote type=cite><div>Relance<br><br>facture</div>"
	      "<blockquote>plus ancien</blockquote></blockquote><p>Fin</p>",
	      &m);
	assert_string_equal(buf_cstr(&m.html), "Pay" E_ACUTE ".\n"
	                                       "Le 2 nov. a " E_ACUTE "crit :\n"
	                                       "> Relance\n"
	                                       ">\n"
	                                       "> facture\n"
	                                       "> > plus ancien\n"
	                                       "Fin\n");
	mime_free(&m);
}

static const char alternative[] =
    "Content-Type: multipart/alternative; boundary=\"=_alt\"\r\n\r\n"
    "--=_alt\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Bonjour, pay" E_ACUTE ".\r\n"
    "--=_alt\r\n"
    "Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
    "Second plain alternative.\r\n"
    "--=_alt\r\n"
    "Content-Type: text/html; charset=utf-8\r\n\r\n"
    "<p>Bonjour, <b>pay&eacute;</b>.</p>\r\n"
    "--=_alt--\r\n";

static void
test_alternative_prefers_plain_and_keeps_html(void **state)
{
	struct mime_message m;

	parse(alternative, &m);
	assert_string_equal(buf_cstr(&m.text), "Bonjour, pay" E_ACUTE ".");
	assert_string_equal(buf_cstr(&m.html), "Bonjour, pay" E_ACUTE ".\n");
	assert_false(m.html_only);
	assert_string_equal(mime_body(&m), "Bonjour, pay" E_ACUTE ".");
	assert_string_equal(m.content_type, "multipart/alternative");
	assert_int_equal(m.nattachments, 0);
	mime_free(&m);
}

static void
test_text_parts_are_joined_by_a_blank_line(void **state)
{
	struct mime_message m;

	parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	      "--b\r\n\r\npart one\r\n"
	      "--b\r\nContent-Type: text/plain\r\n\r\npart two\r\n\r\n"
	      "--b\r\nContent-Type: text/plain\r\n"
	      "Content-Disposition: inline\r\n\r\npart three\r\n"
	      "--b--\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text),
	                    "part one\n\npart two\n\npart three");
	mime_free(&m);
}

/* --- Attachments ----------------------------------------------------- */

static const char attachments[] =
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Ci-joint le re" C_CEDIL "u.\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf; name=\"=?utf-8?q?re=C3=A7u.pdf?=\"\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename*0*=utf-8''Re%C3%A7u%20de%20paiement%20;\r\n"
    " filename*1=\"n" DEGREE " 12.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "JVBERi0xLjQK\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; "
    "filename*=iso-8859-1'fr'%C9ch%E9ancier%20d%E9cembre.xlsx\r\n\r\n"
    "PK\r\n"
    "--outer\r\n"
    "Content-Type: image/png; name=\"=?utf-8?b?bG9nb8OpLnBuZw==?=\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "iVBORw0KGgo=\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Disposition: attachment; filename=\"releve.txt\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Solde : 0 =E2=82=AC\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf\r\n\r\n"
    "%PDF\r\n"
    "--outer--\r\n";

static void
test_attachments_have_decoded_names_types_and_sizes(void **state)
{
	struct mime_message m;

	parse(attachments, &m);
	assert_string_equal(buf_cstr(&m.text), "Ci-joint le re" C_CEDIL "u.");
	assert_int_equal(m.nattachments, 5);
	assert_string_equal(m.attachments[0].filename,
	                    "Re" C_CEDIL "u de paiement n" DEGREE " 12.pdf");
	assert_string_equal(m.attachments[0].type, "application/pdf");
	assert_int_equal(m.attachments[0].size, 9);
	assert_string_equal(m.attachments[1].filename,
	                    "\xc3\x89"
	                    "ch" E_ACUTE "ancier d" E_ACUTE "cembre.xlsx");
	assert_string_equal(m.attachments[1].type, "application/octet-stream");
	assert_int_equal(m.attachments[1].size, 2);
	assert_string_equal(m.attachments[2].filename, "logo" E_ACUTE ".png");
	assert_string_equal(m.attachments[2].type, "image/png");
	assert_int_equal(m.attachments[2].size, 8);
	mime_free(&m);
}

static void
test_text_attachment_is_not_body_text(void **state)
{
	struct mime_message m;

	parse(attachments, &m);
	assert_string_equal(m.attachments[3].filename, "releve.txt");
	assert_string_equal(m.attachments[3].type, "text/plain");
	assert_int_equal(m.attachments[3].size, 13);
	assert_null(strstr(buf_cstr(&m.text), "Solde"));
	assert_null(m.attachments[4].filename);
	assert_string_equal(m.attachments[4].type, "application/pdf");
	assert_int_equal(m.attachments[4].size, 4);
	mime_free(&m);
}

/* --- Bounces and embedded messages ----------------------------------- */

static const char postfix_dsn[] =
    "Return-Path: <>\n"
    "Received: by mx.example.fr (Postfix)\n"
    "\tid 4F1A2B3C4D; Tue,  3 Nov 2026 10:12:14 +0100 (CET)\n"
    "Date: Tue,  3 Nov 2026 10:12:14 +0100 (CET)\n"
    "From: MAILER-DAEMON@mx.example.fr (Mail Delivery System)\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "To: factures@example.fr\n"
    "Auto-Submitted: auto-replied\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"4F1A2B3C4D.1793700734/mx.example.fr\"\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Message-Id: <20261103091214.5E6F7A8B9C@mx.example.fr>\n"
    "\n"
    "This is a MIME-encapsulated message.\n"
    "\n"
    "--4F1A2B3C4D.1793700734/mx.example.fr\n"
    "Content-Description: Notification\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "This is the mail system at host mx.example.fr.\n"
    "\n"
    "<jean.dupont@client.fr>: host mx.client.fr[192.0.2.7] said: 550 5.1.1\n"
    "    <jean.dupont@client.fr>: Recipient address rejected: User unknown\n"
    "\n"
    "--4F1A2B3C4D.1793700734/mx.example.fr\n"
    "Content-Description: Delivery report\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.fr\n"
    "X-Postfix-Queue-ID: 4F1A2B3C4D\n"
    "X-Postfix-Sender: rfc822; factures@example.fr\n"
    "Arrival-Date: Tue,  3 Nov 2026 10:12:12 +0100 (CET)\n"
    "\n"
    "Final-Recipient: rfc822; Jean.Dupont@Client.FR\n"
    "Original-Recipient: rfc822;jean.dupont@client.fr\n"
    "Action: Failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.client.fr\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <jean.dupont@client.fr>: Recipient\n"
    "    address rejected: User unknown\n"
    "\n"
    "Final-Recipient: rfc822; compta@client.fr\n"
    "Action: delayed\n"
    "Status: 4.4.1 (connection timed out)\n"
    "\n"
    "--4F1A2B3C4D.1793700734/mx.example.fr\n"
    "Content-Description: Undelivered Message Headers\n"
    "Content-Type: text/rfc822-headers\n"
    "\n"
    "Return-Path: <factures@example.fr>\n"
    "From: Factures <factures@example.fr>\n"
    "To: Jean Dupont <jean.dupont@client.fr>\n"
    "Subject: =?utf-8?q?Facture_impay=C3=A9e_F-2026-0042?=\n"
    "Message-Id: <relance.R-7K3Q9WXMA@example.fr>\n"
    "X-Relance-ID: R-7K3Q9WXMA\n"
    "\n"
    "--4F1A2B3C4D.1793700734/mx.example.fr--\n";

static void
test_postfix_dsn_gives_each_recipient(void **state)
{
	struct mime_message m;

	parse(postfix_dsn, &m);
	assert_string_equal(m.content_type, "multipart/report");
	assert_string_equal(m.report_type, "delivery-status");
	assert_string_equal(m.return_path, "");
	assert_int_equal(m.ndsn, 2);
	assert_string_equal(m.dsn[0].action, "failed");
	assert_string_equal(m.dsn[0].status, "5.1.1");
	assert_string_equal(m.dsn[0].final_recipient, "Jean.Dupont@client.fr");
	assert_string_equal(m.dsn[0].diagnostic,
	                    "550 5.1.1 <jean.dupont@client.fr>: Recipient "
	                    "address rejected: User unknown");
	assert_string_equal(m.dsn[1].action, "delayed");
	assert_string_equal(m.dsn[1].status, "4.4.1");
	assert_string_equal(m.dsn[1].final_recipient, "compta@client.fr");
	assert_null(m.dsn[1].diagnostic);
	mime_free(&m);
}

static void
test_postfix_dsn_embeds_the_original_headers(void **state)
{
	struct mime_message m;

	parse(postfix_dsn, &m);
	assert_int_equal(m.nembedded, 1);
	assert_string_equal(m.embedded[0].message_id,
	                    "<relance.R-7K3Q9WXMA@example.fr>");
	assert_string_equal(m.embedded[0].subject,
	                    "Facture impay" E_ACUTE "e F-2026-0042");
	assert_string_equal(m.embedded[0].relance_id, "R-7K3Q9WXMA");
	assert_string_equal(m.embedded[0].to, "jean.dupont@client.fr");
	assert_string_equal(buf_cstr(&m.text),
	                    "This is the mail system at host mx.example.fr.\n\n"
	                    "<jean.dupont@client.fr>: host mx.client.fr"
	                    "[192.0.2.7] said: 550 5.1.1\n"
	                    "    <jean.dupont@client.fr>: Recipient address "
	                    "rejected: User unknown\n");
	assert_int_equal(m.nattachments, 0);
	mime_free(&m);
}

static void
test_qmail_bounce_is_plain_text(void **state)
{
	struct mime_message m;

	parse("Return-Path: <>\n"
	      "From: MAILER-DAEMON@mail.client.fr\n"
	      "Subject: failure notice\n\n"
	      "Hi. This is the qmail-send program at mail.client.fr.\n"
	      "I'm afraid I wasn't able to deliver your message.\n\n"
	      "<jean@client.fr>:\n"
	      "Sorry, no mailbox here by that name. (#5.1.1)\n\n"
	      "--- Below this line is a copy of the message.\n\n"
	      "Subject: Facture F-2026-0042\n",
	      &m);
	assert_string_equal(m.from, "MAILER-DAEMON@mail.client.fr");
	assert_string_equal(m.subject, "failure notice");
	assert_int_equal(m.ndsn, 0);
	assert_int_equal(m.nembedded, 0);
	assert_null(m.content_type);
	assert_non_null(
	    strstr(buf_cstr(&m.text),
	           "Sorry, no mailbox here by that name. (#5.1.1)\n"));
	assert_non_null(
	    strstr(buf_cstr(&m.text), "\n\nSubject: Facture F-2026-0042\n"));
	mime_free(&m);
}

static void
test_forwarded_message_is_embedded_not_text(void **state)
{
	struct mime_message m;

	parse("Content-Type: multipart/mixed; boundary=f\r\n\r\n"
	      "--f\r\nContent-Type: text/plain\r\n\r\nVoir ci-dessous.\r\n"
	      "--f\r\nContent-Type: message/rfc822\r\n\r\n"
	      "To: Client <Client@Client.FR>, b@c.fr\r\n"
	      "Subject: Facture F-1\r\n"
	      "Message-ID: <r.1@example.fr>\r\n"
	      "Content-Type: text/plain\r\n\r\n"
	      "Texte de la relance.\r\n"
	      "--f--\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text), "Voir ci-dessous.");
	assert_int_equal(m.nembedded, 1);
	assert_string_equal(m.embedded[0].message_id, "<r.1@example.fr>");
	assert_string_equal(m.embedded[0].subject, "Facture F-1");
	assert_null(m.embedded[0].relance_id);
	assert_string_equal(m.embedded[0].to, "Client@client.fr");
	mime_free(&m);
}

static void
test_digest_parts_are_messages(void **state)
{
	struct mime_message m;

	parse("Content-Type: multipart/digest; boundary=d\n\n"
	      "--d\n\nSubject: one\nMessage-ID: <m1@x>\n\nbody one\n"
	      "--d\nContent-Type: text/plain\n\nplain\n"
	      "--d--\n",
	      &m);
	assert_int_equal(m.nembedded, 1);
	assert_string_equal(m.embedded[0].subject, "one");
	assert_string_equal(buf_cstr(&m.text), "plain");
	mime_free(&m);
}

/* --- Broken structure ------------------------------------------------ */

static void
test_broken_boundaries(void **state)
{
	struct mime_message m;

	/* a longer boundary is not ours; blanks may follow ours; no close */
	parse("Content-Type: multipart/mixed; boundary=\"abc\"\r\n\r\n"
	      "preamble\r\n"
	      "--abcd\r\n\r\nnot a part\r\n"
	      "--abc\r\n\r\npart one\r\n"
	      "--abc \t\r\nContent-Type: text/html\r\n\r\n<p>two",
	      &m);
	assert_string_equal(buf_cstr(&m.text), "part one");
	assert_string_equal(buf_cstr(&m.html), "two\n");
	mime_free(&m);
}

static void
test_multipart_without_boundary_is_text(void **state)
{
	struct mime_message m;

	parse("Content-Type: multipart/mixed\r\n\r\nJust text.\r\n", &m);
	assert_string_equal(buf_cstr(&m.text), "Just text.\n");
	mime_free(&m);
}

static void
test_header_block_ends_at_a_line_that_is_no_field(void **state)
{
	struct mime_message m;

	parse("From bounce@x Mon Jan  1 00:00:00 2026\n"
	      "Subject: mbox\n"
	      "This line has no colon\nSubject: not a header\n",
	      &m);
	assert_string_equal(m.subject, "mbox");
	assert_string_equal(buf_cstr(&m.text), "This line has no colon\n"
	                                       "Subject: not a header\n");
	mime_free(&m);
}

static void
test_nul_bytes_are_dropped(void **state)
{
	static const char msg[] = "Subject: a\0b\r\n"
	                          "From: x\0y@z.fr\r\n\r\n"
	                          "pa\0y" E_ACUTE "\r\n";
	struct mime_message m;

	parse_with(msg, sizeof msg - 1, NULL, &m);
	assert_string_equal(m.subject, "a b");
	assert_string_equal(m.from, "y@z.fr");
	assert_string_equal(m.from_name, "x");
	assert_string_equal(buf_cstr(&m.text), "pay" E_ACUTE "\n");
	mime_free(&m);
}

/* Found by fuzzing: an empty Content-Transfer-Encoding read a NULL
 * buffer. */
static void
test_empty_header_values(void **state)
{
	struct mime_message m;

	parse("Content-Type: multipart/mixed; boundary=X\r\n\r\n"
	      "--X\r\nContent-Type:\r\nContent-Transfer-Encoding:\r\n"
	      "Content-Disposition:\r\n\r\ntext\r\n"
	      "--X\r\nContent-Type: application/pdf\r\n"
	      "Content-Disposition: attachment; filename*0*=;filename*1=\r\n"
	      "Content-Transfer-Encoding:\r\n\r\nPDF\r\n--X--\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text), "text");
	assert_int_equal(m.nattachments, 1);
	assert_null(m.attachments[0].filename);
	assert_int_equal(m.attachments[0].size, 3);
	mime_free(&m);
}

static void
test_empty_input(void **state)
{
	struct mime_message m;

	parse_with("", 0, NULL, &m);
	assert_null(m.subject);
	assert_null(m.from);
	assert_string_equal(mime_body(&m), "");
	assert_false(m.truncated);
	assert_string_equal(m.limit, "");
	mime_free(&m);
	parse_with(NULL, 0, NULL, &m);
	assert_string_equal(mime_body(&m), "");
	mime_free(&m);
}

static void
test_garbage_gives_mostly_empty_fields(void **state)
{
	static const char msg[] = "\xff\xfe=?=?\x01--\n:\n \n<<>>(((\n"
	                          "=?utf-8?q?";
	struct mime_message m;

	parse_with(msg, sizeof msg - 1, NULL, &m);
	assert_null(m.subject);
	assert_null(m.from);
	assert_int_equal(m.to.n, 0);
	assert_string_equal(
	    buf_cstr(&m.text),
	    "\xc3\xbf\xc3\xbe=?=?--\n:\n \n<<>>(((\n=?utf-8?q?");
	mime_free(&m);
}

static void
test_free_then_parse_again(void **state)
{
	struct mime_message m;

	parse(attachments, &m);
	mime_free(&m);
	assert_null(m.attachments);
	assert_int_equal(m.nattachments, 0);
	assert_null(m.text.data);
	parse(postfix_dsn, &m);
	assert_int_equal(m.ndsn, 2);
	mime_free(&m);
}

/* --- Limits ---------------------------------------------------------- */

static void
test_max_bytes_cuts_at_a_line_end(void **state)
{
	static const char msg[] = "Subject: x\r\n\r\nline one\r\nline two\r\n";
	struct mime_limits lim = mime_default_limits();
	struct mime_message m;

	lim.max_bytes = 30; /* inside "line two" */
	parse_with(msg, sizeof msg - 1, &lim, &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_bytes");
	assert_string_equal(buf_cstr(&m.text), "line one\n");
	mime_free(&m);
}

static void
test_max_bytes_cuts_a_long_line_at_the_limit(void **state)
{
	size_t n = 50u << 20, head;
	char *msg = malloc(n);
	struct mime_message m;

	/* a 50 MB body on one base64 line: "YWFh" is "aaa" */
	assert_non_null(msg);
	head = (size_t)snprintf(msg, n,
	                        "Subject: big\r\n"
	                        "Content-Transfer-Encoding: base64\r\n\r\n");
	for (size_t i = head; i < n; i++)
		msg[i] = "YWFh"[(i - head) % 4];
	parse_with(msg, n, NULL, &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_bytes");
	assert_string_equal(m.subject, "big");
	assert_int_equal(m.text.len, 1u << 20); /* then max_text */
	free(msg);
	mime_free(&m);
}

static void
test_max_headers_stops_keeping_fields(void **state)
{
	size_t n = 100000, cap = n * 16 + 64, len = 0;
	char *msg = malloc(cap);
	struct mime_message m;

	assert_non_null(msg);
	len += (size_t)snprintf(msg, cap, "Subject: kept\r\n");
	for (size_t i = 0; i < n; i++)
		len +=
		    (size_t)snprintf(msg + len, cap - len, "X-H%zu: v\r\n", i);
	len += (size_t)snprintf(msg + len, cap - len,
	                        "From: late@x.fr\r\n\r\nbody\r\n");
	parse_with(msg, len, NULL, &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_headers");
	assert_string_equal(m.subject, "kept");
	assert_null(m.from);
	assert_string_equal(buf_cstr(&m.text), "body\n");
	free(msg);
	mime_free(&m);
}

static void
test_address_and_id_lists_stop_at_max_headers(void **state)
{
	struct mime_limits lim = mime_default_limits();
	struct mime_message m;

	lim.max_headers = 4;
	parse_lim("To: a@x.fr, b@x.fr, c@x.fr, d@x.fr, e@x.fr\r\n"
	          "References: <1@x> <2@x>\r\n"
	          "References: <3@x> <4@x> <5@x>\r\n\r\n",
	          &lim, &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_headers");
	assert_int_equal(m.to.n, 4);
	assert_string_equal(m.to.v[3], "d@x.fr");
	assert_int_equal(m.references.n, 4);
	assert_string_equal(m.references.v[3], "<4@x>");
	mime_free(&m);
}

/* DEPTH multiparts nested in one another around a text part. */
static char *
nested(unsigned depth, size_t *len)
{
	size_t cap = (size_t)depth * 96 + 128, n = 0;
	char *msg = malloc(cap);

	assert_non_null(msg);
	for (unsigned i = 0; i < depth; i++)
		n += (size_t)snprintf(msg + n, cap - n,
		                      "Content-Type: multipart/mixed; "
		                      "boundary=\"b%u\"\r\n\r\n--b%u\r\n",
		                      i, i);
	n += (size_t)snprintf(msg + n, cap - n, "\r\ndeep text\r\n");
	for (unsigned i = depth; i-- > 0;)
		n += (size_t)snprintf(msg + n, cap - n, "--b%u--\r\n", i);
	*len = n;
	return msg;
}

static void
test_max_depth_refuses_deeper_parts(void **state)
{
	struct mime_limits lim = mime_default_limits();
	struct mime_message m;
	size_t len;
	char *msg = nested(3, &len);

	lim.max_depth = 3;
	parse_with(msg, len, &lim, &m);
	assert_false(m.truncated);
	assert_string_equal(buf_cstr(&m.text), "deep text");
	mime_free(&m);
	lim.max_depth = 2;
	parse_with(msg, len, &lim, &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_depth");
	assert_string_equal(buf_cstr(&m.text), "");
	mime_free(&m);
	free(msg);
}

static void
test_ten_thousand_levels_are_bounded(void **state)
{
	struct mime_message m;
	size_t len;
	char *msg = nested(10000, &len);

	parse_with(msg, len, NULL, &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_depth");
	assert_string_equal(m.content_type, "multipart/mixed");
	mime_free(&m);
	free(msg);
}

static void
test_max_parts_stops_the_walk(void **state)
{
	struct mime_limits lim = mime_default_limits();
	struct mime_message m;

	lim.max_parts = 3; /* the multipart and two of its parts */
	parse_lim("Content-Type: multipart/mixed; boundary=x\r\n\r\n"
	          "--x\r\n\r\none\r\n--x\r\n\r\ntwo\r\n"
	          "--x\r\n\r\nthree\r\n--x--\r\n",
	          &lim, &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_parts");
	assert_string_equal(buf_cstr(&m.text), "one\n\ntwo");
	mime_free(&m);
}

static void
test_max_text_cuts_on_a_character_boundary(void **state)
{
	struct mime_limits lim = mime_default_limits();
	struct mime_message m;

	lim.max_text = 7; /* "ab", two "é" and half of the third */
	parse_lim("Subject: x\r\n\r\nab" E_ACUTE E_ACUTE E_ACUTE "\r\n", &lim,
	          &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_text");
	assert_string_equal(buf_cstr(&m.text), "ab" E_ACUTE E_ACUTE);
	mime_free(&m);
}

static void
test_first_limit_reached_is_named(void **state)
{
	struct mime_limits lim = mime_default_limits();
	struct mime_message m;

	lim.max_headers = 1;
	lim.max_text = 2;
	parse_lim("A: 1\r\nB: 2\r\n\r\nlong text\r\n", &lim, &m);
	assert_true(m.truncated);
	assert_string_equal(m.limit, "max_headers");
	assert_string_equal(buf_cstr(&m.text), "lo");
	mime_free(&m);
}

static void
test_encoded_word_bomb_is_bounded(void **state)
{
	static const char *const cs[] = {
	    "koi8-r", "big5",    "shift_jis", "iso-8859-2", "euc-kr",    "gbk",
	    "cp866",  "tis-620", "euc-jp",    "koi8-u",     "iso-8859-5"};
	size_t n = 0, cap = 4u << 20;
	char *msg = malloc(cap);
	struct mime_message m;

	/* 180,000 words in 11 charsets: at most 8 iconv_open, not 180,000 */
	assert_non_null(msg);
	n += (size_t)snprintf(msg, cap, "Subject:");
	for (size_t i = 0; n + 64 < cap - 16; i++)
		n += (size_t)snprintf(msg + n, cap - n,
		                      " =?%s?q?A?=", cs[i % 11]);
	n += (size_t)snprintf(msg + n, cap - n, "\r\n\r\nx\r\n");
	parse_with(msg, n, NULL, &m);
	assert_non_null(m.subject);
	assert_int_equal(strspn(m.subject, "A"), strlen(m.subject));
	assert_string_equal(buf_cstr(&m.text), "x\n");
	mime_free(&m);
	free(msg);
}

static void
test_base64_body_of_several_chunks_decodes_whole(void **state)
{
	struct mime_message m;

	parse("Content-Type: text/plain; charset=utf-8\r\n"
	      "Content-Transfer-Encoding: base64\r\n\r\n"
	      "SGVsbG8g\r\nd29ybGQ=\r\nIQ==\r\n",
	      &m);
	assert_string_equal(buf_cstr(&m.text), "Hello world!");
	mime_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_body_of_several_chunks_decodes_whole),
	    cmocka_unit_test(test_subject_q_and_b_words_are_decoded),
	    cmocka_unit_test(test_subject_in_iso_8859_1_and_windows_1252),
	    cmocka_unit_test(test_folded_subject_is_unfolded),
	    cmocka_unit_test(test_words_split_mid_character_are_joined),
	    cmocka_unit_test(test_word_without_closing_marker_ends_at_blank),
	    cmocka_unit_test(test_wrong_latin1_label_on_utf8_bytes),
	    cmocka_unit_test(test_unknown_charset_is_utf8_or_windows_1252),
	    cmocka_unit_test(test_invalid_utf8_in_word_becomes_replacement),
	    cmocka_unit_test(test_raw_8bit_header_is_utf8_else_windows_1252),
	    cmocka_unit_test(test_other_charsets_go_through_iconv),
	    cmocka_unit_test(
	        test_from_is_bare_with_domain_lower_cased_and_name_decoded),
	    cmocka_unit_test(test_to_and_cc_list_every_address),
	    cmocka_unit_test(test_addresses_without_angle_brackets),
	    cmocka_unit_test(test_display_name_from_comment),
	    cmocka_unit_test(test_null_return_path_is_empty),
	    cmocka_unit_test(test_deeply_nested_comments_do_not_recurse),
	    cmocka_unit_test(
	        test_message_ids_keep_brackets_and_references_split),
	    cmocka_unit_test(test_message_id_without_brackets_is_bracketed),
	    cmocka_unit_test(test_automatic_reply_headers),
	    cmocka_unit_test(test_first_header_of_a_kind_wins),
	    cmocka_unit_test(test_quoted_printable_body_in_iso_8859_1),
	    cmocka_unit_test(test_base64_body_in_windows_1252),
	    cmocka_unit_test(test_base64_and_qp_bodies_in_three_charsets),
	    cmocka_unit_test(test_8bit_bodies_in_utf8_and_iso_8859_15),
	    cmocka_unit_test(test_latin_label_on_utf8_body_is_read_as_utf8),
	    cmocka_unit_test(
	        test_body_without_charset_is_utf8_else_windows_1252),
	    cmocka_unit_test(test_html_only_outlook_message),
	    cmocka_unit_test(test_html_blockquote_is_quoted),
	    cmocka_unit_test(test_alternative_prefers_plain_and_keeps_html),
	    cmocka_unit_test(test_text_parts_are_joined_by_a_blank_line),
	    cmocka_unit_test(
	        test_attachments_have_decoded_names_types_and_sizes),
	    cmocka_unit_test(test_text_attachment_is_not_body_text),
	    cmocka_unit_test(test_postfix_dsn_gives_each_recipient),
	    cmocka_unit_test(test_postfix_dsn_embeds_the_original_headers),
	    cmocka_unit_test(test_qmail_bounce_is_plain_text),
	    cmocka_unit_test(test_forwarded_message_is_embedded_not_text),
	    cmocka_unit_test(test_digest_parts_are_messages),
	    cmocka_unit_test(test_broken_boundaries),
	    cmocka_unit_test(test_multipart_without_boundary_is_text),
	    cmocka_unit_test(test_header_block_ends_at_a_line_that_is_no_field),
	    cmocka_unit_test(test_nul_bytes_are_dropped),
	    cmocka_unit_test(test_empty_header_values),
	    cmocka_unit_test(test_empty_input),
	    cmocka_unit_test(test_garbage_gives_mostly_empty_fields),
	    cmocka_unit_test(test_free_then_parse_again),
	    cmocka_unit_test(test_max_bytes_cuts_at_a_line_end),
	    cmocka_unit_test(test_max_bytes_cuts_a_long_line_at_the_limit),
	    cmocka_unit_test(test_max_headers_stops_keeping_fields),
	    cmocka_unit_test(test_address_and_id_lists_stop_at_max_headers),
	    cmocka_unit_test(test_max_depth_refuses_deeper_parts),
	    cmocka_unit_test(test_ten_thousand_levels_are_bounded),
	    cmocka_unit_test(test_max_parts_stops_the_walk),
	    cmocka_unit_test(test_max_text_cuts_on_a_character_boundary),
	    cmocka_unit_test(test_first_limit_reached_is_named),
	    cmocka_unit_test(test_encoded_word_bomb_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
