/*
 * test_import.c -- accounting exports into invoices: column aliases,
 * separators, encodings, amounts and dates, and every error message.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "import.h"

static const char *const profile_names[] = {"bad", "default", "good"};
static const char *const lang_names[] = {"en", "fr"};

struct fixture {
	struct strlist profiles, langs;
	struct import_opts opts;
	struct import_result r;
	struct strlist errors;
};

static int
setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	for (int i = 0; i < 3; i++)
		strlist_add(&f.profiles, profile_names[i]);
	for (int i = 0; i < 2; i++)
		strlist_add(&f.langs, lang_names[i]);
	f.opts = (struct import_opts){&f.profiles, &f.langs, "default", "fr",
				      "EUR", NULL};
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	import_result_free(&f->r);
	strlist_clear(&f->errors);
	strlist_clear(&f->profiles);
	strlist_clear(&f->langs);
	return 0;
}

static int
run(struct fixture *f, const char *csv)
{
	return import_parse("in.csv", csv, strlen(csv), &f->opts, &f->r,
			    &f->errors);
}

static void
test_french_excel_export(void **state)
{
	struct fixture *f = *state;
	const char *csv =
	    "\xef\xbb\xbfN\xc2\xb0 de facture;Code client;Raison sociale;"
	    "Courriel;Reste \xc3\xa0 payer;Montant TTC;Date;\xc3\x89" "ch\xc3\xa9"
	    "ance;Profil;Langue\r\n"
	    "F1;C1;\"Dupont ; Fils\";\"a@dupont.fr; B@Dupont.FR\";"
	    "1 234,56;2 000,00;01/09/2026;01/10/2026;Bad;FR\r\n";
	const struct invoice *inv;

	assert_int_equal(run(f, csv), 0);
	assert_int_equal(f->r.n, 1);
	inv = &f->r.invoices[0];
	assert_string_equal(inv->number, "F1");
	assert_string_equal(inv->customer, "C1");
	assert_string_equal(inv->customer_name, "Dupont ; Fils");
	assert_int_equal(inv->contacts.n, 2);
	assert_string_equal(inv->contacts.v[0], "a@dupont.fr");
	assert_string_equal(inv->contacts.v[1], "B@dupont.fr");
	assert_int_equal(inv->amount_due, 123456);
	assert_int_equal(inv->amount_original, 200000);
	assert_int_equal(inv->issue_date.month, 9);
	assert_int_equal(inv->due_date.month, 10);
	assert_string_equal(inv->profile, "bad");
	assert_string_equal(inv->lang, "fr");
	assert_string_equal(inv->currency, "EUR");
	assert_int_equal(f->r.warnings.n, 0);
}

static void
test_english_export_with_defaults(void **state)
{
	struct fixture *f = *state;
	const char *csv = "Invoice,Customer,Email,Amount,Issue Date,Due Date\n"
			  "INV-7,C10,\"Ann <ann@globex.example>\",\"1,234.56\","
			  "2026-08-01,2026-09-30\n";
	const struct invoice *inv;

	assert_int_equal(run(f, csv), 0);
	inv = &f->r.invoices[0];
	assert_string_equal(inv->contacts.v[0], "ann@globex.example");
	assert_int_equal(inv->amount_due, 123456);
	assert_int_equal(inv->amount_original, -1);
	assert_null(inv->customer_name);
	assert_string_equal(inv->profile, "default");
	assert_string_equal(inv->lang, "fr");
	assert_null(inv->pdf);
}

static void
test_quoted_newline_in_a_name_stays_data(void **state)
{
	struct fixture *f = *state;
	const char *csv = "numero;client;nom;courriel;montant;date;echeance\n"
			  "F1;C1;\"Martin\r\nSubject: x\";m@x.example;10;"
			  "01/10/2026;31/10/2026\n"
			  "F2;C2;Two;t@x.example;20;01/10/2026;31/10/2026\n";

	assert_int_equal(run(f, csv), 0);
	assert_int_equal(f->r.n, 2);
	assert_string_equal(f->r.invoices[0].customer_name,
			    "Martin\r\nSubject: x");
}

static void
test_pdf_path_confined(void **state)
{
	static const struct {
		const char *dir, *path, *want; /* want NULL: escapes */
	} cases[] = {
	    {NULL, "../../etc/passwd", "../../etc/passwd"},
	    {"/srv/pdf", "F1.pdf", "/srv/pdf/F1.pdf"},
	    {"/srv/pdf/", "2026/F1.pdf", "/srv/pdf/2026/F1.pdf"},
	    {"/srv/pdf", "/srv/pdf/2026/F1.pdf", "/srv/pdf/2026/F1.pdf"},
	    {"/", "/etc/passwd", "/etc/passwd"},
	    {"/srv/pdf", "../../etc/passwd", NULL},
	    {"/srv/pdf", "2026/../../x.pdf", NULL},
	    {"/srv/pdf", "./F1.pdf", NULL},
	    {"/srv/pdf", "a//F1.pdf", NULL},
	    {"/srv/pdf", "dir/", NULL},
	    {"/srv/pdf", "", NULL},
	    {"/srv/pdf", "/etc/passwd", NULL},
	    {"/srv/pdf", "/srv/pdf", NULL},
	    {"/srv/pdf", "/srv/pdfs/F1.pdf", NULL},
	    {"/srv/pdf", "/srv/pdf/../../etc/passwd", NULL},
	    {"/srv/pdf", "/srv/pdf/..", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		int rc = import_pdf_path(cases[i].dir, cases[i].path, &out);

		if (cases[i].want == NULL) {
			assert_int_equal(rc, -1);
		} else {
			assert_int_equal(rc, 0);
			assert_string_equal(buf_cstr(&out), cases[i].want);
		}
		buf_free(&out);
	}
}

static void
test_pdf_dir_errors_name_the_line(void **state)
{
	struct fixture *f = *state;
	const char *csv = "numero;client;courriel;montant;date;echeance;pdf\n"
			  "F1;C1;a@x.example;10;01/10/2026;31/10/2026;F1.pdf\n"
			  "F2;C2;b@x.example;10;01/10/2026;31/10/2026;"
			  "../../etc/passwd\n"
			  "F3;C3;c@x.example;10;01/10/2026;31/10/2026;"
			  "/etc/passwd\n";

	f->opts.pdf_dir = "/srv/pdf";
	assert_int_equal(run(f, csv), 2);
	assert_int_equal(f->errors.n, 2);
	assert_string_equal(f->errors.v[0],
			    "in.csv:3: PDF path \"../../etc/passwd\" in column "
			    "\"pdf\" is outside PdfDir /srv/pdf (expected a "
			    "file under it, without \".\" or \"..\" "
			    "components)");
	assert_string_equal(f->errors.v[1],
			    "in.csv:4: PDF path \"/etc/passwd\" in column "
			    "\"pdf\" is outside PdfDir /srv/pdf (expected a "
			    "file under it, without \".\" or \"..\" "
			    "components)");
	import_result_free(&f->r);
	strlist_clear(&f->errors);
	csv = "numero;client;courriel;montant;date;echeance;pdf\n"
	      "F1;C1;a@x.example;10;01/10/2026;31/10/2026;F1.pdf\n"
	      "F2;C2;b@x.example;10;01/10/2026;31/10/2026;\n";
	assert_int_equal(run(f, csv), 0);
	assert_string_equal(f->r.invoices[0].pdf, "/srv/pdf/F1.pdf");
	assert_null(f->r.invoices[1].pdf);
}

static void
test_windows_1252_is_converted_with_a_warning(void **state)
{
	struct fixture *f = *state;
	const char *csv = "numero;client;nom;courriel;montant;date;\xc9" "ch\xe9"
			  "ance\nF1;C1;Soci\xe9t\xe9;s@x.example;10;01/10/2026;"
			  "31/10/2026\n";

	assert_int_equal(run(f, csv), 0);
	assert_string_equal(f->r.invoices[0].customer_name,
			    "Soci\xc3\xa9t\xc3\xa9");
	assert_int_equal(f->r.warnings.n, 1);
	assert_string_equal(f->r.warnings.v[0],
			    "in.csv:1: warning: not UTF-8: read as "
			    "Windows-1252 (Excel's encoding)");
}

static void
test_long_payment_terms_warn(void **state)
{
	struct fixture *f = *state;
	const char *csv = "numero,client,courriel,montant,date,echeance\n"
			  "F1,C1,a@x.example,10,2026-01-01,2026-03-02\n"
			  "F2,C1,a@x.example,10,2026-01-01,2026-03-03\n";

	assert_int_equal(run(f, csv), 0);
	assert_int_equal(f->r.warnings.n, 1);
	assert_string_equal(f->r.warnings.v[0],
			    "in.csv:3: warning: invoice F2: payment terms of "
			    "61 days exceed the legal maximum of 60 days from "
			    "the issue date (Code de commerce L441-10)");
}

static void
test_every_bad_row_is_reported_with_its_line(void **state)
{
	struct fixture *f = *state;
	const char *csv =
	    "numero;client;courriel;montant;date;echeance;profil;langue\n"
	    "F1;C1;a@x.example;12,3,4;01/10/2026;31/10/2026;;\n"
	    "F2;C2;not-an-address;100;31/02/2026;31/10/2026;vip;de\n"
	    "F3;C3;c@x.example;100;01/10/2026;01/09/2026;;\n"
	    ";C4;d@x.example;-5;01/10/2026;31/10/2026;;\n"
	    "F5;C5;e@x.example;100;01/10/2026;31/10/2026;;\n"
	    "F5;C5;e@x.example;100;01/10/2026;31/10/2026;;\n";
	const char *want[] = {
	    "in.csv:2: bad amount due \"12,3,4\" in column \"montant\" "
	    "(expected an amount such as 1234.56, 1 234,56 or 1,234.56; a "
	    "credit note as -120,00 or (120,00))",
	    "in.csv:3: bad e-mail address \"not-an-address\" in column "
	    "\"courriel\" (expected name@domain.tld)",
	    "in.csv:3: bad issue date \"31/02/2026\" in column \"date\" "
	    "(expected a date such as 2026-11-22, 22/11/2026 or 22.11.2026)",
	    "in.csv:3: unknown payer profile \"vip\" in column \"profil\" "
	    "(expected one of: bad, default, good)",
	    "in.csv:3: unknown language \"de\" in column \"langue\" (expected "
	    "one of: en, fr)",
	    "in.csv:4: due date 2026-09-01 is before the issue date "
	    "2026-10-01",
	    "in.csv:5: empty invoice number in column \"numero\"",
	    "in.csv:7: invoice F5 is already on line 6 (expected each "
	    "invoice once)",
	};
	size_t n = sizeof(want) / sizeof(want[0]);

	assert_int_equal(run(f, csv), (int)n);
	assert_int_equal(f->errors.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(f->errors.v[i], want[i]);
}

/* What import_fn "see" was handed: each invoice's number; it asks to
 * stop after the invoice STOP_AFTER, when not NULL. */
struct seen {
	struct strlist numbers;
	const char *stop_after;
};

static int
see(const struct invoice *inv, void *arg)
{
	struct seen *s = arg;

	assert_int_equal(strlist_add(&s->numbers, inv->number), 0);
	return s->stop_after != NULL && strcmp(inv->number, s->stop_after) == 0;
}

static void
test_each_checks_everything_before_handing_out_any(void **state)
{
	struct fixture *f = *state;
	struct seen s = {STRLIST_INIT, NULL};
	const char *csv = "numero;client;courriel;montant;date;echeance\n"
			  "F1;C1;a@x.example;100;01/10/2026;31/10/2026\n"
			  "F2;C2;b@x.example;100;01/10/2026;31/12/2026\n"
			  "F1;C3;c@x.example;100;01/10/2026;31/10/2026\n";

	assert_int_equal(import_each("in.csv", csv, strlen(csv), &f->opts, see,
				     &s, &f->r, &f->errors),
			 1);
	assert_int_equal(s.numbers.n, 0);
	assert_int_equal(f->errors.n, 1);
	assert_string_equal(f->errors.v[0],
			    "in.csv:4: invoice F1 is already on line 2 "
			    "(expected each invoice once)");
	assert_int_equal(f->r.warnings.n, 1); /* 91 days of terms */
	strlist_clear(&s.numbers);
}

static void
test_each_hands_out_every_invoice_in_file_order(void **state)
{
	struct fixture *f = *state;
	struct seen s = {STRLIST_INIT, NULL};
	const char *csv = "numero;client;courriel;montant;date;echeance\n"
			  "F3;C1;a@x.example;100;01/10/2026;31/10/2026\n"
			  "F1;C2;b@x.example;100;01/10/2026;31/12/2026\n"
			  "F2;C3;c@x.example;100;01/10/2026;31/10/2026\n";

	assert_int_equal(import_each("in.csv", csv, strlen(csv), &f->opts, see,
				     &s, &f->r, &f->errors),
			 0);
	assert_int_equal(f->errors.n, 0);
	assert_int_equal(f->r.n, 0);
	/* the warning once, from the first reading */
	assert_int_equal(f->r.warnings.n, 1);
	assert_string_equal(f->r.warnings.v[0],
			    "in.csv:3: warning: invoice F1: payment terms of "
			    "91 days exceed the legal maximum of 60 days from "
			    "the issue date (Code de commerce L441-10)");
	assert_int_equal(s.numbers.n, 3);
	assert_string_equal(s.numbers.v[0], "F3");
	assert_string_equal(s.numbers.v[1], "F1");
	assert_string_equal(s.numbers.v[2], "F2");
	strlist_clear(&s.numbers);
	import_result_free(&f->r);
	s.stop_after = "F1";
	assert_int_equal(import_each("in.csv", csv, strlen(csv),
				     &f->opts, see, &s, &f->r, &f->errors),
			 0);
	assert_int_equal(s.numbers.n, 2);
	strlist_clear(&s.numbers);
}

/* import_fn "describe": each invoice as "NUMBER due=AMOUNT/ORIGINAL
 * issued=DATE", into the strlist ARG. */
static int
describe(const struct invoice *inv, void *arg)
{
	char line[128], issued[11];

	date_format(inv->issue_date, issued);
	snprintf(line, sizeof(line), "%s due=%lld/%lld issued=%s", inv->number,
	         (long long)inv->amount_due, (long long)inv->amount_original,
	         issued);
	assert_int_equal(strlist_add(arg, line), 0);
	return 0;
}

/* The second reading applies what the first decided over the whole file:
 * the header below a title, month first proved by the last line only, a
 * credit note written before the invoices it is taken off (the one due
 * first first), another customer's and another currency's untouched. */
static void
test_each_applies_what_the_whole_file_decides(void **state)
{
	struct fixture *f = *state;
	struct strlist got = STRLIST_INIT;
	const char *csv = "Aged receivables as of 11/23/2026\n"
			  "invoice,customer,email,date,due date,amount due,"
			  "currency\n"
			  "CM1,C1,,,,(80.00),EUR\n"
			  "I1,C1,a@x.example,10/2/2026,11/10/2026,100.00,EUR\n"
			  "I2,C2,b@x.example,9/2/2026,10/2/2026,70.00,EUR\n"
			  "I3,C1,a@x.example,9/1/2026,10/1/2026,50.00,EUR\n"
			  "I4,C1,a@x.example,9/1/2026,9/10/2026,40.00,USD\n"
			  "I5,C2,b@x.example,11/1/2026,11/13/2026,5.00,EUR\n";

	assert_int_equal(import_each("in.csv", csv, strlen(csv), &f->opts,
	                             describe, &got, &f->r, &f->errors),
	                 0);
	assert_int_equal(f->errors.n, 0);
	assert_int_equal(got.n, 5);
	assert_string_equal(got.v[0], "I1 due=7000/10000 issued=2026-10-02");
	assert_string_equal(got.v[1], "I2 due=7000/-1 issued=2026-09-02");
	assert_string_equal(got.v[2], "I3 due=0/5000 issued=2026-09-01");
	assert_string_equal(got.v[3], "I4 due=4000/-1 issued=2026-09-01");
	assert_string_equal(got.v[4], "I5 due=500/-1 issued=2026-11-01");
	assert_int_equal(f->r.warnings.n, 4);
	assert_string_equal(f->r.warnings.v[0],
	                    "in.csv:1: warning: skipped 1 line above the "
	                    "header on line 2 (\"Aged receivables as of "
	                    "11/23/2026\")");
	assert_string_equal(f->r.warnings.v[1],
	                    "in.csv:8: warning: dates read month first "
	                    "(m/d/yyyy), as \"11/13/2026\" shows");
	assert_string_equal(f->r.warnings.v[2],
	                    "in.csv:3: warning: credit note CM1: 50.00 EUR "
	                    "taken off invoice I3, now 0.00 due (the invoice "
	                    "due first; match it otherwise in the books if "
	                    "needed)");
	assert_string_equal(f->r.warnings.v[3],
	                    "in.csv:3: warning: credit note CM1: 30.00 EUR "
	                    "taken off invoice I1, now 70.00 due (the invoice "
	                    "due first; match it otherwise in the books if "
	                    "needed)");
	strlist_clear(&got);
	/* import_parse holds the same */
	import_result_free(&f->r);
	assert_int_equal(run(f, csv), 0);
	assert_int_equal(f->r.n, 5);
	assert_int_equal(f->r.invoices[0].amount_due, 7000);
	assert_int_equal(f->r.invoices[2].amount_due, 0);
	assert_int_equal(f->r.invoices[3].amount_due, 4000);
}

/* A credit note's row in error refuses the file before anything is
 * handed over, as an invoice's does. */
static void
test_each_refuses_a_bad_credit_note(void **state)
{
	struct fixture *f = *state;
	struct strlist got = STRLIST_INIT;
	const char *csv = "facture;client;email;date;echeance;solde;devise\n"
			  "F1;C1;a@x.example;01/10/2026;31/10/2026;10;EUR\n"
			  "AV1;;;;;-5;EUR\n";

	assert_int_equal(import_each("in.csv", csv, strlen(csv), &f->opts,
	                             describe, &got, &f->r, &f->errors),
	                 1);
	assert_int_equal(got.n, 0);
	assert_string_equal(f->errors.v[0],
	                    "in.csv:3: empty customer id in column "
	                    "\"client\"");
	strlist_clear(&got);
}

static void
test_missing_and_doubled_columns(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    run(f, "invoice;client;reste a payer;solde\nF1;C1;1;1\n"), 4);
	assert_string_equal(f->errors.v[0],
	                    "in.csv:1: columns \"reste a payer\" and \"solde\" "
	                    "both give the amount due (expected only one)");
	assert_string_equal(
	    f->errors.v[1],
	    "in.csv:1: no column for the e-mail address (expected a header "
	    "named one of: email, e-mail, emails, mail, courriel, courriels, "
	    "adresse email, adresse mail, adresse \xc3\xa9lectronique, "
	    "contact email, email facturation, email comptabilit\xc3\xa9, "
	    "mail facturation, billing email, invoice email, email address, "
	    "email client, customer email, partner email, partenaire email, "
	    "partenaire courriel)");
	assert_int_equal(f->r.n, 0);
}

static void
test_csv_syntax_error_names_the_line(void **state)
{
	struct fixture *f = *state;
	const char *csv = "numero;client;courriel;montant;date;echeance\n"
			  "F1;C1;a@x.example;1;01/10/2026;31/10/2026\n"
			  "F2;\"C2;a@x.example;1;01/10/2026;31/10/2026\n";

	assert_int_equal(run(f, csv), 1);
	assert_true(strncmp(f->errors.v[0], "in.csv:3: ", 10) == 0);
}

static void
test_empty_file_and_extra_fields(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, ""), 1);
	assert_string_equal(f->errors.v[0],
			    "in.csv:1: empty file (expected a header line "
			    "naming the columns, then one invoice per line)");
	import_result_free(&f->r);
	strlist_clear(&f->errors);
	assert_int_equal(run(f, "numero;client;courriel;montant;date;echeance\n"
				"F1;C1;a@x.example;1;01/10/2026;31/10/2026;;\n"
				"F2;C1;a@x.example;1;01/10/2026;31/10/2026;;x\n"),
			 1);
	assert_string_equal(f->errors.v[0],
			    "in.csv:3: 8 fields, but the header has 6 "
			    "(expected one value per column)");
}

/* The first invoice of a run that must succeed. */
static const struct invoice *
ok(struct fixture *f, const char *csv)
{
	int n = run(f, csv);

	for (size_t i = 0; i < f->errors.n; i++)
		print_message("%s\n", f->errors.v[i]);
	assert_int_equal(n, 0);
	assert_true(f->r.n > 0);
	return &f->r.invoices[0];
}

static void
test_header_names_are_read_word_by_word(void **state)
{
	struct fixture *f = *state;
	const struct invoice *inv = ok(
	    f, "Num\xc3\xa9ro de la Facture;No. Client;E-Mail;"
	       "Date d'\xc3\x89mission;DATE D'ECHEANCE;Reste d\xc3\xbb\n"
	       "F1;C1;a@x.example;01/10/2026;31/10/2026;10,00\n");

	assert_string_equal(inv->number, "F1");
	assert_string_equal(inv->customer, "C1");
	assert_int_equal(inv->amount_due, 1000);
}

static void
test_weak_names_yield_to_strong_ones(void **state)
{
	struct fixture *f = *state;
	const struct invoice *inv =
	    ok(f, "R\xc3\xa9" "f.;Tiers;Code client;Montant;Reste \xc3\xa0 "
		  "payer;Email;Date;\xc3\x89" "ch\xc3\xa9" "ance\n"
		  "F1;Dupont SA;C1;100,00;40,00;a@x.example;01/10/2026;"
		  "31/10/2026\n");

	assert_string_equal(inv->customer, "C1");
	assert_string_equal(inv->customer_name, "Dupont SA");
	assert_int_equal(inv->amount_original, 10000);
	assert_int_equal(inv->amount_due, 4000);
}

static void
test_the_name_identifies_a_customer_without_code(void **state)
{
	struct fixture *f = *state;
	const struct invoice *inv =
	    ok(f, "Facture;Raison sociale;Email;Date;Due date;Amount due\n"
		  "F1;Caf\xc3\xa9 du Port;a@x.example;2026-10-01;2026-10-31;"
		  "5\n");

	assert_string_equal(inv->customer, "Caf\xc3\xa9 du Port");
	assert_string_equal(inv->customer_name, "Caf\xc3\xa9 du Port");
}

static void
test_title_totals_and_notes_are_skipped_with_warnings(void **state)
{
	struct fixture *f = *state;

	ok(f, "Export du 23/11/2026;;;;;\n"
	      "N\xc2\xb0 facture;Client;Email;Date;\xc3\x89" "ch\xc3\xa9" "ance;"
	      "Solde\n"
	      "F1;C1;a@x.example;01/10/2026;31/10/2026;10,00\n"
	      ";;;;;\n"
	      "F2;C1;a@x.example;01/10/2026;31/10/2026;20,00\n"
	      "Sous-total C1;;;;;30,00\n"
	      ";;;;;30,00\n"
	      "Nombre de factures : 2;;;;;\n");
	assert_int_equal(f->r.n, 2);
	assert_int_equal(f->r.warnings.n, 4);
	assert_string_equal(f->r.warnings.v[0],
			    "in.csv:1: warning: skipped 1 line above the "
			    "header on line 2 (\"Export du 23/11/2026\")");
	assert_string_equal(f->r.warnings.v[1],
			    "in.csv:6: warning: skipped a totals row "
			    "(\"Sous-total C1\"), not an invoice");
	assert_string_equal(f->r.warnings.v[2],
			    "in.csv:7: warning: skipped a totals row "
			    "(\"30,00\"), not an invoice");
	assert_string_equal(f->r.warnings.v[3],
			    "in.csv:8: warning: skipped a row that is not an "
			    "invoice (\"Nombre de factures : 2\": no amount, "
			    "and no invoice number and customer)");
}

static void
test_amounts_as_exports_write_them(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *cur, *in;
		int64_t want;
	} cases[] = {
	    {"EUR", "1\xc2\xa0" "234,56", 123456},
	    {"EUR", "1\xe2\x80\xaf" "234,56", 123456},
	    {"EUR", "1 234,56 \xe2\x82\xac", 123456},
	    {"EUR", "EUR 1.234,56", 123456},
	    {"CHF", "1'234.50", 123450},
	    {"CHF", "1\xe2\x80\x99" "234.50", 123450},
	    {"CHF", "Fr. 12.50", 1250},
	    {"USD", "$1,234.56", 123456},
	    {"GBP", "\xc2\xa3" "10", 1000},
	    {"EUR", "+10", 1000},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char csv[256];

		snprintf(csv, sizeof(csv),
			 "facture;client;email;date;echeance;devise;solde\n"
			 "F1;C1;a@x.example;01/10/2026;31/10/2026;%s;\"%s\"\n",
			 cases[i].cur, cases[i].in);
		assert_int_equal(ok(f, csv)->amount_due, cases[i].want);
		import_result_free(&f->r);
	}
}

static void
test_amounts_that_are_not(void **state)
{
	struct fixture *f = *state;
	const char *csv = "facture;client;email;date;echeance;devise;solde\n"
			  "F1;C1;a@x.example;01/10/2026;31/10/2026;EUR;$10\n"
			  "F2;C1;a@x.example;01/10/2026;31/10/2026;EUR;"
			  "1 234,567\n"
			  "F3;C1;a@x.example;01/10/2026;31/10/2026;EUR;"
			  "(-10)\n";

	assert_int_equal(run(f, csv), 3);
	assert_string_equal(f->errors.v[0],
			    "in.csv:2: bad amount due \"$10\" in column "
			    "\"solde\" (expected an amount such as 1234.56, "
			    "1 234,56 or 1,234.56; a credit note as -120,00 "
			    "or (120,00))");
	assert_true(strncmp(f->errors.v[1], "in.csv:3: bad amount due", 24) ==
		    0);
	assert_true(strncmp(f->errors.v[2], "in.csv:4: bad amount due", 24) ==
		    0);
}

static void
test_credit_notes_go_to_the_invoice_due_first(void **state)
{
	struct fixture *f = *state;
	const char *csv =
	    "facture;client;email;date;echeance;montant ttc;solde\n"
	    "F1;C1;a@x.example;01/10/2026;30/11/2026;100,00;100,00\n"
	    "F2;C1;a@x.example;01/09/2026;31/10/2026;;50,00\n"
	    "F3;C2;b@x.example;01/09/2026;31/10/2026;;70,00\n"
	    "AV1;C1;;;;;(80,00)\n"
	    "AV2;C1;;;;;10,00-\n"
	    "AV3;C1;;;;;-100,00\n";

	assert_int_equal(run(f, csv), 0);
	assert_int_equal(f->r.n, 3);
	/* F2 is due first: 50 of AV1 there, 30 on F1, then AV2 on F1 */
	assert_int_equal(f->r.invoices[1].amount_due, 0);
	assert_int_equal(f->r.invoices[1].amount_original, 5000);
	assert_int_equal(f->r.invoices[0].amount_due, 0);
	assert_int_equal(f->r.invoices[0].amount_original, 10000);
	assert_int_equal(f->r.invoices[2].amount_due, 7000);
	assert_int_equal(f->r.warnings.n, 5);
	assert_string_equal(f->r.warnings.v[0],
			    "in.csv:5: warning: credit note AV1: 50.00 EUR "
			    "taken off invoice F2, now 0.00 due (the invoice "
			    "due first; match it otherwise in the books if "
			    "needed)");
	assert_string_equal(f->r.warnings.v[4],
			    "in.csv:7: warning: credit note AV3: 40.00 EUR "
			    "not taken off any invoice (customer C1 has no "
			    "other unpaid invoice in EUR in this file)");
}

static void
test_date_forms(void **state)
{
	struct fixture *f = *state;
	const struct invoice *inv =
	    ok(f, "facture;client;email;date;echeance;solde\n"
		  "F1;C1;a@x.example;01.10.2026;31-10-26;1\n"
		  "F2;C1;a@x.example;2026/10/01;2026-10-31 00:00:00;1\n");

	assert_int_equal(inv->issue_date.day, 1);
	assert_int_equal(inv->issue_date.month, 10);
	assert_int_equal(inv->due_date.year, 2026);
	assert_int_equal(inv->due_date.day, 31);
	assert_int_equal(f->r.invoices[1].due_date.day, 31);
}

static void
test_month_first_only_when_a_date_proves_it(void **state)
{
	struct fixture *f = *state;
	const struct invoice *inv =
	    ok(f, "invoice,customer,email,date,due date,amount due\n"
		  "1,C1,a@x.example,10/2/2026,11/13/2026,1\n");

	assert_int_equal(inv->issue_date.month, 10);
	assert_int_equal(inv->issue_date.day, 2);
	assert_string_equal(f->r.warnings.v[0],
			    "in.csv:2: warning: dates read month first "
			    "(m/d/yyyy), as \"11/13/2026\" shows");
	import_result_free(&f->r);
	/* nothing proves anything in a ';' file: French, day first */
	inv = ok(f, "facture;client;email;date;echeance;solde\n"
		    "F1;C1;a@x.example;10/02/2026;11/03/2026;1\n");
	assert_int_equal(inv->issue_date.month, 2);
}

static void
test_ambiguous_or_mixed_dates_are_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    run(f, "invoice,customer,email,date,due date,amount due\n"
		   "1,C1,a@x.example,10/2/2026,11/2/2026,1\n"),
	    1);
	assert_string_equal(f->errors.v[0],
			    "in.csv:2: date \"10/2/2026\" may be day/month or "
			    "month/day, and no date in this comma-separated "
			    "file tells which (expected ISO dates such as "
			    "2026-11-22, or day/month in a file separated by "
			    "';')");
	import_result_free(&f->r);
	strlist_clear(&f->errors);
	assert_int_equal(
	    run(f, "facture;client;email;date;echeance;solde\n"
		   "F1;C1;a@x.example;13/10/2026;12/11/2026;1\n"
		   "F2;C1;a@x.example;10/14/2026;11/13/2026;1\n"),
	    1);
	assert_string_equal(f->errors.v[0],
			    "in.csv:3: date \"10/14/2026\" has its month "
			    "first, but line 2 has \"13/10/2026\" with its day "
			    "first (expected one order in the whole file; "
			    "export ISO dates such as 2026-11-22)");
	assert_int_equal(f->r.n, 0);
}

/* Found by tests/fuzz/fuzz_import.c: "%.40s" cut a character in two,
 * and a number holding a CR went into the message as it was. */
static void
test_errors_quote_values_printably(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(
	    run(f, "numero;client;courriel;montant;date;echeance\n"
		   "F1;C1;a@x.example;1;01/10/2026;"
		   "31/10\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n"
		   "\"F\r2\";C1;a@x.example;1;01/10/2026;31/10/2026\n"),
	    2);
	assert_string_equal(
	    f->errors.v[0],
	    "in.csv:2: bad due date \"31/10\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9?\" in column "
	    "\"echeance\" (expected a date such as 2026-11-22, 22/11/2026 or "
	    "22.11.2026)");
	assert_string_equal(f->errors.v[1],
			    "in.csv:3: bad invoice number \"F?2\" in column "
			    "\"numero\" (expected one line of at most 64 "
			    "bytes)");
}

/* Found by tests/fuzz/fuzz_import.c (UBSan): an address ending in '@'
 * read the byte before its empty domain. */
static void
test_address_without_a_domain(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "numero;client;courriel;montant;date;echeance\n"
				"F1;C1;compta@;1;01/10/2026;31/10/2026\n"),
			 1);
	assert_string_equal(f->errors.v[0],
			    "in.csv:2: bad e-mail address \"compta@\" in "
			    "column \"courriel\" (expected name@domain.tld)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pdf_path_confined),
	    cmocka_unit_test_setup_teardown(test_pdf_dir_errors_name_the_line,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_french_excel_export, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_english_export_with_defaults,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_quoted_newline_in_a_name_stays_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_windows_1252_is_converted_with_a_warning, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_payment_terms_warn, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_every_bad_row_is_reported_with_its_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_and_doubled_columns,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_each_checks_everything_before_handing_out_any, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_each_hands_out_every_invoice_in_file_order, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(
		test_each_applies_what_the_whole_file_decides, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_each_refuses_a_bad_credit_note,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_csv_syntax_error_names_the_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_file_and_extra_fields,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_header_names_are_read_word_by_word, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_weak_names_yield_to_strong_ones, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_the_name_identifies_a_customer_without_code, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_title_totals_and_notes_are_skipped_with_warnings, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_amounts_as_exports_write_them, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_amounts_that_are_not, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_credit_notes_go_to_the_invoice_due_first, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_date_forms, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_month_first_only_when_a_date_proves_it, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ambiguous_or_mixed_dates_are_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_errors_quote_values_printably,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_address_without_a_domain,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
