/*
 * test_evidence.c -- SHA-256, the archive's names and notes, the message
 * as it leaves the milter, and the evidence file's manifest and index.
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

#include "evidence.h"
#include "sha256.h"

#define NOW 1795426200 /* 2026-11-23 09:30:00 UTC */
#define HEX_ABC                                                                \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void
test_sha256_fips_vectors(void **state)
{
	char hex[SHA256_HEX];
	struct sha256 s;
	unsigned char d[SHA256_SIZE];
	char *a = malloc(1000000);

	(void)state;
	sha256_hex("abc", 3, hex);
	assert_string_equal(hex, HEX_ABC);
	sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	                         "27ae41e4649b934ca495991b7852b855");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	           56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
	                         "a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a', fed in uneven pieces */
	memset(a, 'a', 1000000);
	sha256_init(&s);
	sha256_update(&s, a, 1);
	sha256_update(&s, a, 63);
	sha256_update(&s, a, 999936);
	sha256_final(&s, d);
	sha256_hex_of(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	                         "f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

static void
test_archive_names_come_from_time_and_queue_id(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	evidence_archive_name(NOW, "4Xy7Z", "out", 0, &b);
	assert_string_equal(buf_cstr(&b), "20261123T093000Z-4Xy7Z-out.eml");
	buf_reset(&b);
	evidence_archive_name(NOW, "../a b/é", "in", 2, &b);
	assert_string_equal(buf_cstr(&b),
	                    "20261123T093000Z-___a_b___-in-2.eml");
	assert_true(evidence_name_ok(buf_cstr(&b)));
	buf_reset(&b);
	evidence_archive_name(NOW, NULL, "in", 0, &b);
	assert_string_equal(buf_cstr(&b), "20261123T093000Z-NOQUEUE-in.eml");
	buf_reset(&b);
	evidence_archive_name(NOW, "0123456789012345678901234567890123456789",
	                      "out", 0, &b);
	assert_string_equal(
	    buf_cstr(&b),
	    "20261123T093000Z-01234567890123456789012345678901-out.eml");
	buf_free(&b);
	assert_false(evidence_name_ok("../x.eml"));
	assert_false(evidence_name_ok(".x.eml"));
	assert_false(evidence_name_ok("x.pdf"));
	assert_false(evidence_name_ok("a b.eml"));
}

static void
test_note_is_read_back_only_at_the_end(void **state)
{
	struct buf d = BUF_INIT, name = BUF_INIT;
	char hex[SHA256_HEX];

	(void)state;
	buf_puts(&d, "reminder-1 to a@b.example, queue ID R1");
	evidence_note("20261123T093000Z-R1-out.eml", HEX_ABC, &d);
	assert_string_equal(buf_cstr(&d),
	                    "reminder-1 to a@b.example, queue ID R1; archived "
	                    "as 20261123T093000Z-R1-out.eml, SHA-256 " HEX_ABC);
	assert_true(evidence_find_note(buf_cstr(&d), &name, hex));
	assert_string_equal(buf_cstr(&name), "20261123T093000Z-R1-out.eml");
	assert_string_equal(hex, HEX_ABC);
	/* text after the note: it is not ours */
	buf_puts(&d, "; queue ID X");
	assert_false(evidence_find_note(buf_cstr(&d), &name, hex));
	/* a name that could leave the archive */
	assert_false(evidence_find_note(
	    "x; archived as ../../etc/passwd.eml, SHA-256 " HEX_ABC, &name,
	    hex));
	assert_false(evidence_find_note("x; archived as a.eml, SHA-256 ABC",
	                                &name, hex));
	assert_false(evidence_find_note("", &name, hex));
	buf_free(&d);
	buf_free(&name);
}

static void
test_message_gets_the_plan_as_the_mta_applies_it(void **state)
{
	struct strlist n = STRLIST_INIT, v = STRLIST_INIT;
	struct outgoing_change ch[] = {
	    {OUTGOING_DELETE, "X-Relance-Invoice", 1, NULL},
	    {OUTGOING_CHANGE, "Subject", 1, "Relance [Ref. K7]"},
	    {OUTGOING_CHANGE, "Reply-To", 1, "factures+K7@example.com"},
	    {OUTGOING_ADD, "X-Relance-ID", 0, "K7"},
	};
	struct outgoing_plan plan = {ch, 4};
	struct buf out = BUF_INIT;

	(void)state;
	strlist_add(&n, "From");
	strlist_add(&v, "compta@example.com");
	strlist_add(&n, "X-Relance-Invoice");
	strlist_add(&v, "F1");
	strlist_add(&n, "subject");
	strlist_add(&v, "Relance\n\tsuite");
	assert_int_equal(evidence_message(&n, &v, &plan, "Body\r\n", 6, &out),
	                 0);
	assert_string_equal(buf_cstr(&out),
	                    "From: compta@example.com\r\n"
	                    "subject: Relance [Ref. K7]\r\n"
	                    "Reply-To: factures+K7@example.com\r\n"
	                    "X-Relance-ID: K7\r\n"
	                    "\r\n"
	                    "Body\r\n");
	buf_reset(&out);
	assert_int_equal(evidence_message(&n, &v, NULL, NULL, 0, &out), 0);
	assert_string_equal(buf_cstr(&out), "From: compta@example.com\r\n"
	                                    "X-Relance-Invoice: F1\r\n"
	                                    "subject: Relance\r\n\tsuite\r\n"
	                                    "\r\n");
	buf_free(&out);
	strlist_clear(&n);
	strlist_clear(&v);
}

/* An invoice with a PDF, an archived reminder and reply, a letter, a
 * task. */
static void
sample(struct invoice *inv)
{
	invoice_init(inv);
	inv->number = strdup("F2026-0101");
	inv->customer = strdup("C001");
	inv->customer_name = strdup("Dupont <&> Fils");
	inv->lang = strdup("fr");
	inv->profile = strdup("default");
	strcpy(inv->currency, "EUR");
	inv->amount_due = inv->amount_original = 123456;
	inv->issue_date = (struct date){2026, 9, 1};
	inv->due_date = (struct date){2026, 10, 1};
	inv->pdf = strdup("/srv/factures/F2026-0101.pdf");
	strlist_add(&inv->contacts, "compta@dupont.example");
	invoice_add_event(inv, NOW, "imported", "relance import (clerk)",
	                  "imported from x.csv");
	invoice_add_event(inv, NOW + 60, "reminder-sent", "relance-milter",
	                  "reminder-1 to compta@dupont.example, queue ID "
	                  "R1; archived as 20261123T093100Z-R1-out.eml, "
	                  "SHA-256 " HEX_ABC);
	invoice_add_event(inv, NOW + 120, "reply", "relance-milter",
	                  "reply from compta@dupont.example: signal "
	                  "reference: <m@x>; queue ID I1; archived as "
	                  "20261123T093200Z-I1-in.eml, SHA-256 " HEX_ABC);
	invoice_add_event(inv, NOW + 180, "letter", "relance run (clerk)",
	                  "formal-notice /var/lib/relance/outbox/"
	                  "F2026-0101-formal-notice-2026-11-23.pdf");
	invoice_add_event(inv, NOW + 180, "task", "relance run (clerk)",
	                  "send by registered letter\nmore");
}

static void
test_collect_lists_what_the_history_names(void **state)
{
	struct invoice inv;
	struct evidence_docs docs;

	(void)state;
	sample(&inv);
	assert_int_equal(evidence_collect(&inv, &docs), 0);
	assert_int_equal(docs.n, 4);
	assert_int_equal(docs.v[0].kind, EVIDENCE_INVOICE);
	assert_string_equal(docs.v[0].file, "invoice/F2026-0101.pdf");
	assert_string_equal(docs.v[0].recorded, "");
	assert_int_equal(docs.v[1].kind, EVIDENCE_MAIL);
	assert_string_equal(docs.v[1].source, "20261123T093100Z-R1-out.eml");
	assert_string_equal(docs.v[1].file, "mail/20261123T093100Z-R1-out.eml");
	assert_string_equal(docs.v[1].what,
	                    "reminder-sent 2026-11-23 09:31:00 UTC");
	assert_string_equal(docs.v[1].recorded, HEX_ABC);
	assert_string_equal(docs.v[2].file, "mail/20261123T093200Z-I1-in.eml");
	assert_int_equal(docs.v[3].kind, EVIDENCE_LETTER);
	assert_string_equal(docs.v[3].source,
	                    "/var/lib/relance/outbox/"
	                    "F2026-0101-formal-notice-2026-11-23.pdf");
	assert_string_equal(docs.v[3].file,
	                    "letters/F2026-0101-formal-notice-2026-11-23.pdf");
	evidence_docs_free(&docs);
	invoice_free(&inv);
}

static void
test_two_documents_never_share_a_file_name(void **state)
{
	struct invoice inv;
	struct evidence_docs docs;

	(void)state;
	sample(&inv);
	invoice_add_event(&inv, NOW + 240, "letter", "relance run (clerk)",
	                  "formal-notice /elsewhere/"
	                  "F2026-0101-formal-notice-2026-11-23.pdf");
	assert_int_equal(evidence_collect(&inv, &docs), 0);
	assert_int_equal(docs.n, 5);
	assert_string_equal(docs.v[4].file, "letters/F2026-0101-formal-notice-"
	                                    "2026-11-23-1.pdf");
	evidence_docs_free(&docs);
	invoice_free(&inv);
}

/* Since relance run records it, a letter event carries the PDF's hash:
 * the path stops before it, and the hash is what the copy is checked
 * against; a malformed hash is no hash. */
static void
test_a_letter_hash_recorded_at_the_time_is_kept(void **state)
{
	struct invoice inv;
	struct evidence_docs docs;

	(void)state;
	invoice_init(&inv);
	inv.number = strdup("F1");
	invoice_add_event(&inv, NOW, "letter", "relance run (clerk)",
	                  "formal-notice /out/F1-formal-notice-2026-11-23.pdf; "
	                  "SHA-256 %s",
	                  HEX_ABC);
	invoice_add_event(&inv, NOW + 60, "letter", "relance run (clerk)",
	                  "formal-notice /out/F1-b.pdf; SHA-256 12ab");
	assert_int_equal(evidence_collect(&inv, &docs), 0);
	assert_int_equal(docs.n, 2);
	assert_string_equal(docs.v[0].source,
	                    "/out/F1-formal-notice-2026-11-23.pdf");
	assert_string_equal(docs.v[0].file,
	                    "letters/F1-formal-notice-2026-11-23.pdf");
	assert_string_equal(docs.v[0].recorded, HEX_ABC);
	assert_string_equal(docs.v[1].source, "/out/F1-b.pdf");
	assert_string_equal(docs.v[1].recorded, "");
	evidence_docs_free(&docs);
	invoice_free(&inv);
}

static void
test_manifest_is_sha256sum_format_sorted(void **state)
{
	struct invoice inv;
	struct evidence_docs docs;
	struct strlist extra = STRLIST_INIT, hex = STRLIST_INIT;
	struct buf out = BUF_INIT;

	(void)state;
	sample(&inv);
	assert_int_equal(evidence_collect(&inv, &docs), 0);
	for (size_t i = 1; i < docs.n; i++)
		snprintf(docs.v[i].hex, sizeof(docs.v[i].hex), "%064zu", i);
	/* docs.v[0] is missing: no hash, not in the manifest */
	strlist_add(&extra, "index.html");
	strlist_add(&hex, HEX_ABC);
	evidence_manifest(&docs, &extra, &hex, &out);
	assert_string_equal(
	    buf_cstr(&out),
	    HEX_ABC "  index.html\n"
	            "0000000000000000000000000000000000000000000000000000000000"
	            "000003  letters/F2026-0101-formal-notice-2026-11-23.pdf\n"
	            "0000000000000000000000000000000000000000000000000000000000"
	            "000001  mail/20261123T093100Z-R1-out.eml\n"
	            "0000000000000000000000000000000000000000000000000000000000"
	            "000002  mail/20261123T093200Z-I1-in.eml\n");
	buf_free(&out);
	strlist_clear(&extra);
	strlist_clear(&hex);
	evidence_docs_free(&docs);
	invoice_free(&inv);
}

static void
test_timeline_line_is_one_line_in_utc(void **state)
{
	struct invoice_event ev = {NOW, "task", "relance run (clerk)",
	                           "call\nthem"};
	struct buf out = BUF_INIT;

	(void)state;
	evidence_timeline_line(&ev, &out);
	assert_string_equal(buf_cstr(&out), "2026-11-23 09:30:00 UTC  task  "
	                                    "relance run (clerk): call them");
	buf_free(&out);
}

static void
test_html_escapes_and_flags_problems(void **state)
{
	struct invoice inv;
	struct evidence_docs docs;
	struct buf out = BUF_INIT;

	(void)state;
	sample(&inv);
	assert_int_equal(evidence_collect(&inv, &docs), 0);
	strcpy(docs.v[1].hex, HEX_ABC);
	docs.v[2].problem = strdup("missing: /a/b");
	evidence_html(&inv, &docs, NOW, &out);
	assert_non_null(strstr(buf_cstr(&out),
	                       "<th>Customer</th><td>Dupont &lt;&amp;&gt; Fils "
	                       "(C001)</td>"));
	assert_null(strstr(buf_cstr(&out), "<&>"));
	assert_non_null(strstr(
	    buf_cstr(&out), "<a href=\"mail/20261123T093100Z-R1-out.eml\">"));
	assert_non_null(strstr(buf_cstr(&out), "matches the hash recorded"));
	assert_non_null(
	    strstr(buf_cstr(&out), "<td class=\"bad\">missing: /a/b</td>"));
	assert_non_null(strstr(buf_cstr(&out),
	                       "<li>F2026-0101.1  open  send by registered "
	                       "letter</li>"));
	buf_free(&out);
	evidence_docs_free(&docs);
	invoice_free(&inv);
}

static void
test_index_paragraphs_for_the_pdf(void **state)
{
	struct invoice inv;
	struct evidence_docs docs;
	struct strlist p = STRLIST_INIT;

	(void)state;
	sample(&inv);
	assert_int_equal(evidence_collect(&inv, &docs), 0);
	strcpy(docs.v[1].hex, HEX_ABC);
	assert_int_equal(evidence_index_paragraphs(&inv, &docs, NOW, &p), 0);
	assert_string_equal(p.v[0], "Made by relance on 2026-11-23 09:30:00 "
	                            "UTC. Every document is listed with its "
	                            "SHA-256 in SHA256SUMS.");
	assert_non_null(strstr(p.v[1], "Invoice: F2026-0101\nCustomer: "
	                               "Dupont <&> Fils (C001)\n"));
	assert_non_null(strstr(p.v[1], "\nAmount due: 1234.56 EUR\n"));
	assert_string_equal(p.v[2], "Documents");
	assert_string_equal(
	    p.v[4], "- mail/20261123T093100Z-R1-out.eml  SHA-256 " HEX_ABC
	            "  reminder-sent 2026-11-23 09:31:00 UTC  (matches "
	            "the hash recorded when it passed)");
	strlist_clear(&p);
	evidence_docs_free(&docs);
	invoice_free(&inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_fips_vectors),
	    cmocka_unit_test(test_archive_names_come_from_time_and_queue_id),
	    cmocka_unit_test(test_note_is_read_back_only_at_the_end),
	    cmocka_unit_test(test_message_gets_the_plan_as_the_mta_applies_it),
	    cmocka_unit_test(test_collect_lists_what_the_history_names),
	    cmocka_unit_test(test_two_documents_never_share_a_file_name),
	    cmocka_unit_test(test_a_letter_hash_recorded_at_the_time_is_kept),
	    cmocka_unit_test(test_manifest_is_sha256sum_format_sorted),
	    cmocka_unit_test(test_timeline_line_is_one_line_in_utc),
	    cmocka_unit_test(test_html_escapes_and_flags_problems),
	    cmocka_unit_test(test_index_paragraphs_for_the_pdf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
