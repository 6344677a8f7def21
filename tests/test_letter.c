/*
 * test_letter.c -- the formal notice as a letter: its blocks of text
 * (pure), its file name, and, for the drawing half, that a long body flows
 * onto further pages and that a file is written whole or not at all.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "letter.h"

static struct strlist address = STRLIST_INIT;

static int
setup_address(void **state)
{
	strlist_clear(&address);
	return strlist_add(&address, "12, rue de la Paix") < 0 ||
	               strlist_add(&address, "75002 Paris") < 0
	           ? -1
	           : 0;
}

static int
teardown_address(void **state)
{
	strlist_clear(&address);
	return 0;
}

static struct letter_input
input(void)
{
	struct letter_input in = {"fr",
	                          "Exemple SARL",
	                          &address,
	                          "Fleurs Morin",
	                          "3 allée des Cèdres\n69003 Lyon",
	                          "Paris",
	                          {2026, 11, 23},
	                          "Mise en demeure de payer : facture F1",
	                          "Madame, Monsieur,\n\nVeuillez payer.\n",
	                          "Marie Durand, directrice financière"};
	return in;
}

/* The letter for IN as text, built and released here. */
static void
assert_text(const struct letter_input *in, const char *want)
{
	struct letter l;
	struct buf b = BUF_INIT;
	struct err e;

	assert_int_equal(letter_build(in, &l, &e), 0);
	letter_text(&l, &b);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
	letter_free(&l);
}

static void
test_french_letter_has_every_block_in_order(void **state)
{
	struct letter_input in = input();

	assert_text(&in, "Exemple SARL\n"
	                 "12, rue de la Paix\n"
	                 "75002 Paris\n"
	                 "\n"
	                 "Fleurs Morin\n"
	                 "3 allée des Cèdres\n"
	                 "69003 Lyon\n"
	                 "\n"
	                 "Paris, le 23 novembre 2026\n"
	                 "\n"
	                 "Lettre recommandée avec accusé de réception\n"
	                 "Objet : Mise en demeure de payer : facture F1\n"
	                 "\n"
	                 "Madame, Monsieur,\n"
	                 "Veuillez payer.\n"
	                 "\n"
	                 "Marie Durand, directrice financière\n"
	                 "Exemple SARL\n");
}

static void
test_english_letter_and_no_place_no_signatory(void **state)
{
	struct letter_input in = input();

	in.lang = "en";
	in.place = NULL;
	in.signatory = NULL;
	in.customer_address = NULL;
	in.subject = "Formal notice";
	in.body = "Dear Sir or Madam,";
	assert_text(&in, "Exemple SARL\n12, rue de la Paix\n75002 Paris\n\n"
	                 "Fleurs Morin\n\n"
	                 "23 November 2026\n\n"
	                 "Registered letter with acknowledgement of receipt\n"
	                 "Subject: Formal notice\n\n"
	                 "Dear Sir or Madam,\n\n"
	                 "Exemple SARL\n");
}

static void
test_french_date_without_place_and_first_of_month(void **state)
{
	struct letter_input in = input();
	struct letter l;
	struct err e;

	in.place = "";
	in.date = (struct date){2027, 8, 1};
	assert_int_equal(letter_build(&in, &l, &e), 0);
	assert_string_equal(l.place_date, "Le 1er août 2027");
	letter_free(&l);
}

static void
test_dates_in_both_languages(void **state)
{
	struct buf b = BUF_INIT;

	letter_date((struct date){2026, 2, 1}, "fr", &b);
	buf_puts(&b, "|");
	letter_date((struct date){2026, 12, 31}, "fr", &b);
	buf_puts(&b, "|");
	letter_date((struct date){2026, 2, 1}, "en", &b);
	buf_puts(&b, "|");
	letter_date((struct date){2026, 13, 1}, "en", &b); /* invalid: none */
	assert_string_equal(
	    buf_cstr(&b), "1er février 2026|31 décembre 2026|1 February 2026|");
	buf_free(&b);
}

static void
test_body_is_reflowed_keeping_short_lines_and_list_items(void **state)
{
	struct letter_input in = input();
	struct letter l;
	struct err e;

	in.body =
	    "Malgré nos relances, la facture F1 émise le 01/09/2026, d'un\n"
	    "montant de 150,00 EUR, reste impayée.\n"
	    "\n"
	    "- principal restant dû : 150,00 EUR ;\n"
	    "- pénalités de retard au taux annuel de 12,15 % (taux de la\n"
	    "  Banque centrale européenne majoré de 10 points) ;\n"
	    "\n\n"
	    "Court\n"
	    "   et bref\n";
	assert_int_equal(letter_build(&in, &l, &e), 0);
	assert_int_equal(l.paragraphs.n, 4);
	assert_string_equal(l.paragraphs.v[0],
	                    "Malgré nos relances, la facture F1 émise le "
	                    "01/09/2026, d'un montant de 150,00 EUR, reste "
	                    "impayée.");
	assert_string_equal(l.paragraphs.v[1],
	                    "- principal restant dû : 150,00 EUR ;");
	assert_string_equal(l.paragraphs.v[2],
	                    "- pénalités de retard au taux annuel de 12,15 % "
	                    "(taux de la Banque centrale européenne majoré de "
	                    "10 points) ;");
	assert_string_equal(l.paragraphs.v[3], "Court\net bref");
	letter_free(&l);
}

static void
test_control_characters_in_names_are_spaces(void **state)
{
	struct letter_input in = input();
	struct letter l;
	struct err e;

	in.customer_name = "  Hélène\r\n& Fils <b>\t SARL\r\n";
	in.customer_address = "\r\n 3 allée\tdes Cèdres \r\r\n\n69003 Lyon\r";
	in.subject = "Objet\r\nBcc: x@example.com";
	assert_int_equal(letter_build(&in, &l, &e), 0);
	assert_int_equal(l.recipient.n, 3);
	assert_string_equal(l.recipient.v[0], "Hélène & Fils <b> SARL");
	assert_string_equal(l.recipient.v[1], "3 allée des Cèdres");
	assert_string_equal(l.recipient.v[2], "69003 Lyon");
	assert_string_equal(l.subject, "Objet : Objet Bcc: x@example.com");
	letter_free(&l);
}

static void
test_text_that_is_not_utf8_is_read_as_windows_1252(void **state)
{
	struct letter_input in = input();
	struct letter l;
	struct err e;

	in.customer_name = "H\xe9l\xe8ne";
	assert_int_equal(letter_build(&in, &l, &e), 0);
	assert_string_equal(l.recipient.v[0], "Hélène");
	letter_free(&l);
}

static void
test_missing_sender_or_recipient_is_an_error(void **state)
{
	struct strlist none = STRLIST_INIT;
	struct letter_input in = input();
	struct letter l;
	struct err e;

	in.company_name = "";
	assert_int_equal(letter_build(&in, &l, &e), -1);
	assert_string_equal(e.msg, "no CompanyName in relance.conf: a letter "
	                           "needs the sender's name");
	in = input();
	in.company_address = &none;
	assert_int_equal(letter_build(&in, &l, &e), -1);
	assert_string_equal(e.msg, "no CompanyAddress in relance.conf: a "
	                           "letter needs the sender's postal address");
	in = input();
	in.customer_name = NULL;
	assert_int_equal(letter_build(&in, &l, &e), -1);
	assert_string_equal(e.msg, "no customer name for the letter");
	in = input();
	in.customer_address = "1\n2\n3\n4\n5\n6\n7\n8";
	assert_int_equal(letter_build(&in, &l, &e), -1);
	assert_string_equal(e.msg,
	                    "the recipient's address has more than 7 lines");
	assert_null(l.lang);
}

static void
test_file_names_are_safe_and_distinct(void **state)
{
	struct date d = {2026, 11, 23};
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT, f = BUF_INIT;

	assert_int_equal(letter_file_name("F2026-0101", "formal-notice", d, &a),
	                 0);
	assert_string_equal(buf_cstr(&a),
	                    "F2026-0101-formal-notice-2026-11-23.pdf");
	letter_file_name("../F/1", "formal-notice", d, &b);
	letter_file_name("F_1", "formal-notice", d, &c);
	letter_file_name("___F_1", "formal-notice", d, &f);
	assert_null(strchr(buf_cstr(&b), '/'));
	assert_int_equal(buf_cstr(&b)[0], '_');
	assert_null(strstr(buf_cstr(&b), ".."));
	assert_int_equal(
	    strncmp(buf_cstr(&b), "_._F_1-formal-notice-2026-11-23-", 32), 0);
	assert_string_equal(buf_cstr(&b) + 40, ".pdf");
	assert_string_equal(buf_cstr(&c), "F_1-formal-notice-2026-11-23.pdf");
	assert_string_not_equal(buf_cstr(&b), buf_cstr(&f));
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
	buf_free(&f);
}

/* The number of "/Type /Page" objects (not /Pages) in a PDF. */
static int
count_pages(const struct buf *pdf)
{
	int n = 0;
	const char *p = pdf->data, *end = pdf->data + pdf->len;

	while ((p = memmem(p, (size_t)(end - p), "/Type /Page", 11)) != NULL) {
		p += 11;
		if (p < end && *p != 's')
			n++;
	}
	return n;
}

static void
test_pdf_is_one_page_and_a_long_body_flows_onto_more(void **state)
{
	struct letter_input in = input();
	struct buf body = BUF_INIT, pdf = BUF_INIT;
	struct letter l;
	struct err e;
	int pages;

	assert_int_equal(letter_build(&in, &l, &e), 0);
	assert_int_equal(letter_pdf(&l, &pdf, &e), 1);
	assert_int_equal(memcmp(pdf.data, "%PDF-", 5), 0);
	assert_int_equal(count_pages(&pdf), 1);
	letter_free(&l);
	buf_reset(&pdf);

	for (int i = 0; i < 120; i++)
		buf_printf(&body,
		           "Paragraphe %d : à défaut de règlement, "
		           "nous saisirons le tribunal.\n\n",
		           i);
	in.body = buf_cstr(&body);
	assert_int_equal(letter_build(&in, &l, &e), 0);
	/* 120 paragraphs of two lines or so: several pages, whatever the
	 * font's metrics. */
	pages = letter_pdf(&l, &pdf, &e);
	assert_in_range(pages, 3, 8);
	assert_int_equal(count_pages(&pdf), pages);
	letter_free(&l);
	buf_free(&body);
	buf_free(&pdf);
}

static void
test_write_file_is_atomic_and_follows_the_umask(void **state)
{
	char dir[] = "/tmp/test_letter.XXXXXX", path[128], sub[96];
	mode_t old = umask(027);
	struct stat st;
	struct err e;
	FILE *f;
	char got[16] = {0};

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/outbox", dir);
	assert_int_equal(letter_write_file(sub, "a.pdf", "%PDF-1", 6, &e), 0);
	snprintf(path, sizeof(path), "%s/a.pdf", sub);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	/* Again: the file is replaced whole. */
	assert_int_equal(letter_write_file(sub, "a.pdf", "%PDF-2", 6, &e), 0);
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fread(got, 1, sizeof(got) - 1, f), 6);
	fclose(f);
	assert_string_equal(got, "%PDF-2");
	/* Refused names and directories; nothing left behind. */
	assert_int_equal(letter_write_file(sub, "../b.pdf", "x", 1, &e), -1);
	assert_string_equal(e.msg, "bad letter file name \"../b.pdf\"");
	assert_int_equal(letter_write_file(sub, ".b.pdf", "x", 1, &e), -1);
	snprintf(path, sizeof(path), "%s/no/such", dir);
	assert_int_equal(letter_write_file(path, "b.pdf", "x", 1, &e), -1);
	assert_non_null(strstr(e.msg, "No such file or directory"));
	snprintf(path, sizeof(path), "rm -r '%s'", dir);
	assert_int_equal(system(path), 0);
	umask(old);
}

#define T(name)                                                                \
	cmocka_unit_test_setup_teardown(name, setup_address, teardown_address)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_french_letter_has_every_block_in_order),
	    T(test_english_letter_and_no_place_no_signatory),
	    T(test_french_date_without_place_and_first_of_month),
	    cmocka_unit_test(test_dates_in_both_languages),
	    T(test_body_is_reflowed_keeping_short_lines_and_list_items),
	    T(test_control_characters_in_names_are_spaces),
	    T(test_text_that_is_not_utf8_is_read_as_windows_1252),
	    T(test_missing_sender_or_recipient_is_an_error),
	    cmocka_unit_test(test_file_names_are_safe_and_distinct),
	    T(test_pdf_is_one_page_and_a_long_body_flows_onto_more),
	    cmocka_unit_test(test_write_file_is_atomic_and_follows_the_umask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
