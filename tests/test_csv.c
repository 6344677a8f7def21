/*
 * test_csv.c -- the CSV reader against the shapes real exports take.
 *
 * Each test reads a whole input and compares a dump of it: one line per
 * row, "LINE:[field][field]...", with CR and LF inside fields shown as \r
 * and \n, then "error: MESSAGE" when reading stopped on an error.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "csv.h"

static void
dump_field(struct buf *out, const char *f)
{
	buf_putc(out, '[');
	for (; *f != '\0'; f++) {
		if (*f == '\r')
			buf_puts(out, "\\r");
		else if (*f == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *f);
	}
	buf_putc(out, ']');
}

/* Read DATA[0..LEN) with SEP; return the dump (caller frees). */
static char *
dump_n(const char *data, size_t len, int sep)
{
	struct csv_reader *r = csv_reader_new(data, len, sep);
	struct csv_row row = {0};
	struct err e = {{0}};
	struct buf out = BUF_INIT;
	int rc;

	assert_non_null(r);
	while ((rc = csv_next(r, &row, &e)) == 1) {
		buf_printf(&out, "%u:", row.line);
		for (size_t i = 0; i < row.nfields; i++)
			dump_field(&out, row.fields[i]);
		buf_putc(&out, '\n');
	}
	if (rc < 0) {
		buf_printf(&out, "error: %s", e.msg);
		/* After an error the reader stays at the end. */
		assert_int_equal(csv_next(r, &row, &e), 0);
	}
	assert_int_equal(row.nfields, 0);
	assert_null(row.fields);
	csv_row_free(&row);
	csv_reader_free(r);
	assert_false(buf_failed(&out));
	return buf_steal(&out);
}

static char *
dump(const char *data, int sep)
{
	return dump_n(data, strlen(data), sep);
}

#define assert_dump(data, sep, expected)                                       \
	do {                                                                   \
		char *got_ = dump((data), (sep));                              \
		assert_string_equal(got_, (expected));                         \
		free(got_);                                                    \
	} while (0)

static void
test_comma_rows_with_lf(void **state)
{
	assert_dump("a,b,c\n1,2,3\n", ',', "1:[a][b][c]\n2:[1][2][3]\n");
}

static void
test_french_excel_semicolon_crlf(void **state)
{
	assert_dump("Facture;Montant\r\nF-001;1 234,56\r\nF-002;10,00\r\n", ';',
	            "1:[Facture][Montant]\n2:[F-001][1 234,56]\n"
	            "3:[F-002][10,00]\n");
}

static void
test_utf8_bom_is_skipped(void **state)
{
	assert_dump("\xef\xbb\xbfNum\xc3\xa9ro;Client\n", ';',
	            "1:[Num\xc3\xa9ro][Client]\n");
}

static void
test_bom_alone_has_no_rows(void **state)
{
	assert_dump("\xef\xbb\xbf", ';', "");
}

static void
test_empty_input_has_no_rows(void **state)
{
	assert_dump("", ',', "");
}

static void
test_lone_cr_ends_lines(void **state)
{
	assert_dump("a;b\rc;d\r", ';', "1:[a][b]\n2:[c][d]\n");
}

static void
test_mixed_line_ends_count_one_line_each(void **state)
{
	assert_dump("a\r\nb\nc\rd", ',', "1:[a]\n2:[b]\n3:[c]\n4:[d]\n");
}

static void
test_last_line_without_newline(void **state)
{
	assert_dump("a;b\nc;d", ';', "1:[a][b]\n2:[c][d]\n");
}

static void
test_blank_lines_are_skipped_but_counted(void **state)
{
	assert_dump("\n\r\na;b\n\n\r\rc;d\n\n", ';', "3:[a][b]\n7:[c][d]\n");
}

static void
test_trailing_separator_gives_empty_last_field(void **state)
{
	assert_dump("a;b;\nc;d;", ';', "1:[a][b][]\n2:[c][d][]\n");
}

static void
test_separators_only_give_empty_fields(void **state)
{
	assert_dump(";;\n", ';', "1:[][][]\n");
}

static void
test_blanks_around_fields_are_data(void **state)
{
	assert_dump(" a ; b \n", ';', "1:[ a ][ b ]\n");
}

static void
test_quoted_field_with_doubled_quotes(void **state)
{
	assert_dump("\"Dupont \"\"Le Grand\"\" SA\";12\n", ';',
	            "1:[Dupont \"Le Grand\" SA][12]\n");
}

static void
test_empty_quoted_fields(void **state)
{
	assert_dump("\"\";\"\"\n", ';', "1:[][]\n");
}

static void
test_separator_inside_quotes_is_data(void **state)
{
	assert_dump("\"1 234,56\",\"a;b\"\n", ',', "1:[1 234,56][a;b]\n");
}

static void
test_quoted_newlines_are_data_and_counted(void **state)
{
	assert_dump("id;adresse\n1;\"12 rue X\n75001 Paris\"\n2;\"a\rb\"\n"
	            "3;c\n",
	            ';',
	            "1:[id][adresse]\n2:[1][12 rue X\\n75001 Paris]\n"
	            "4:[2][a\\rb]\n6:[3][c]\n");
}

static void
test_quoted_crlf_is_kept_as_is(void **state)
{
	assert_dump("1;\"ligne 1\r\nligne 2\"\r\n2;x\r\n", ';',
	            "1:[1][ligne 1\\r\\nligne 2]\n3:[2][x]\n");
}

static void
test_quoted_field_then_end_of_input(void **state)
{
	assert_dump("a;\"b\"", ';', "1:[a][b]\n");
}

static void
test_bare_quote_in_unquoted_field_is_data(void **state)
{
	assert_dump("Ecran 5\" HD;x\"y\"\n", ';', "1:[Ecran 5\" HD][x\"y\"]\n");
}

static void
test_quote_after_blank_is_unquoted_data(void **state)
{
	assert_dump(" \"a\";b\n", ';', "1:[ \"a\"][b]\n");
}

static void
test_unterminated_quote_names_opening_line(void **state)
{
	assert_dump("a;b\nc;d\n\"x;y\nz\n", ';',
	            "1:[a][b]\n2:[c][d]\n"
	            "error: line 3: unterminated quoted field (the quote "
	            "opened here is never closed)");
}

static void
test_unterminated_quote_after_quoted_newlines(void **state)
{
	assert_dump("1;\"a\nb\"\n2;\"c\n", ';',
	            "1:[1][a\\nb]\n"
	            "error: line 3: unterminated quoted field (the quote "
	            "opened here is never closed)");
}

static void
test_text_after_closing_quote_is_error(void **state)
{
	assert_dump("x;y\n\"a\"b;c\n", ';',
	            "1:[x][y]\n"
	            "error: line 2: text after the closing quote of field 1 "
	            "(expected ';' or the end of the line)");
}

static void
test_text_after_closing_quote_names_its_line(void **state)
{
	assert_dump("1,\"a\nb\" c\n", ',',
	            "error: line 2: text after the closing quote of field 2 "
	            "(expected ',' or the end of the line)");
}

static void
test_text_after_closing_quote_with_tab_separator(void **state)
{
	assert_dump("a\t\"b\"c\n", '\t',
	            "error: line 1: text after the closing quote of field 2 "
	            "(expected a tab or the end of the line)");
}

static void
test_nul_byte_is_error(void **state)
{
	static const char data[] = "a;b\nc;d\0e\n";
	char *got = dump_n(data, sizeof(data) - 1, ';');

	assert_string_equal(got, "1:[a][b]\n"
	                         "error: line 2: NUL byte in field 2 (expected "
	                         "text: a UTF-16 file? export it as CSV, "
	                         "UTF-8 or Windows-1252)");
	free(got);
}

static void
test_nul_byte_inside_quotes_is_error(void **state)
{
	static const char data[] = "\"a\nb\0\"\n";
	char *got = dump_n(data, sizeof(data) - 1, ';');

	assert_string_equal(got, "error: line 2: NUL byte in field 1 "
	                         "(expected text: a UTF-16 file? export it "
	                         "as CSV, UTF-8 or Windows-1252)");
	free(got);
}

/* A row "x;FIELD\n" where FIELD is N bytes of 'a', quoted when QUOTE. */
static char *
long_field_row(size_t n, int quote)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "ok\nx;");
	if (quote)
		buf_putc(&b, '"');
	for (size_t i = 0; i < n; i++)
		buf_putc(&b, 'a');
	if (quote)
		buf_putc(&b, '"');
	buf_putc(&b, '\n');
	assert_false(buf_failed(&b));
	return buf_steal(&b);
}

static void
test_field_at_limit_is_accepted(void **state)
{
	char *in = long_field_row(CSV_MAX_FIELD, 1);
	struct csv_reader *r = csv_reader_new(in, strlen(in), ';');
	struct csv_row row = {0};
	struct err e = {{0}};

	assert_int_equal(csv_next(r, &row, &e), 1);
	assert_int_equal(csv_next(r, &row, &e), 1);
	assert_int_equal(row.line, 2);
	assert_int_equal(row.nfields, 2);
	assert_int_equal(strlen(row.fields[1]), CSV_MAX_FIELD);
	assert_int_equal(csv_next(r, &row, &e), 0);
	csv_reader_free(r);
	free(in);
}

static void
test_field_over_limit_is_error(void **state)
{
	char *in = long_field_row(CSV_MAX_FIELD + 1, 0);
	char *got = dump(in, ';');

	assert_string_equal(got, "1:[ok]\nerror: line 2: field 2 is longer "
	                         "than 65536 bytes (expected at most 65536)");
	free(got);
	free(in);
}

static void
test_quoted_field_over_limit_suspects_open_quote(void **state)
{
	char *in = long_field_row(CSV_MAX_FIELD + 1, 1);
	char *got = dump(in, ';');

	assert_string_equal(got, "1:[ok]\nerror: line 2: field 2 is longer "
	                         "than 65536 bytes (expected at most 65536; "
	                         "is the quote opened here ever closed?)");
	free(got);
	free(in);
}

/* "\n" then a row of N fields "0;1;2;..." (digits mod 10). */
static char *
wide_row(size_t n)
{
	struct buf b = BUF_INIT;

	buf_putc(&b, '\n');
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%zu", i ? ";" : "", i % 10);
	assert_false(buf_failed(&b));
	return buf_steal(&b);
}

static void
test_row_at_field_limit_is_accepted(void **state)
{
	char *in = wide_row(CSV_MAX_FIELDS);
	struct csv_reader *r = csv_reader_new(in, strlen(in), ';');
	struct csv_row row = {0};
	struct err e = {{0}};

	assert_int_equal(csv_next(r, &row, &e), 1);
	assert_int_equal(row.line, 2);
	assert_int_equal(row.nfields, CSV_MAX_FIELDS);
	assert_string_equal(row.fields[CSV_MAX_FIELDS - 1], "5");
	assert_int_equal(csv_next(r, &row, &e), 0);
	csv_reader_free(r);
	free(in);
}

static void
test_row_over_field_limit_is_error(void **state)
{
	char *in = wide_row(CSV_MAX_FIELDS + 1);
	char *got = dump(in, ';');

	assert_string_equal(
	    got, "error: line 2: more than 256 fields (expected at most 256)");
	free(got);
	free(in);
}

static void
test_next_frees_the_previous_row(void **state)
{
	static const char in[] = "a;b\nc\n";
	struct csv_reader *r = csv_reader_new(in, strlen(in), ';');
	struct csv_row row = {0};
	struct err e = {{0}};

	assert_int_equal(csv_next(r, &row, &e), 1);
	assert_int_equal(row.nfields, 2);
	assert_int_equal(csv_next(r, &row, &e), 1);
	assert_int_equal(row.nfields, 1);
	assert_string_equal(row.fields[0], "c");
	assert_int_equal(row.line, 2);
	assert_int_equal(csv_next(r, &row, &e), 0);
	assert_int_equal(row.nfields, 0);
	assert_null(row.fields);
	csv_reader_free(r);
}

static void
test_reader_rejects_impossible_separators(void **state)
{
	assert_null(csv_reader_new("a", 1, '"'));
	assert_null(csv_reader_new("a", 1, '\n'));
	assert_null(csv_reader_new("a", 1, '\r'));
	assert_null(csv_reader_new("a", 1, '\0'));
	assert_null(csv_reader_new("a", 1, 0xc3));
}

static void
test_detect_semicolon(void **state)
{
	static const char in[] = "Facture;Client;Montant\n1,2,3,4,5\n";

	assert_int_equal(csv_detect_separator(in, strlen(in)), ';');
}

static void
test_detect_comma(void **state)
{
	static const char in[] = "invoice,customer,amount\r\n";

	assert_int_equal(csv_detect_separator(in, strlen(in)), ',');
}

static void
test_detect_tab(void **state)
{
	static const char in[] = "a\tb,c\td\n";

	assert_int_equal(csv_detect_separator(in, strlen(in)), '\t');
}

static void
test_detect_defaults_to_comma(void **state)
{
	assert_int_equal(csv_detect_separator("facture\n;;;;\n", 13), ',');
	assert_int_equal(csv_detect_separator("", 0), ',');
}

static void
test_detect_looks_past_a_title_line(void **state)
{
	static const char title[] = "Export du 23/11/2026\n"
	                            "N\xc2\xb0 facture;Client;Montant\n";
	static const char trailing[] = "Export du 23/11/2026;;\n"
	                               "a,b,c,d,e\n";

	assert_int_equal(csv_detect_separator(title, strlen(title)), ';');
	assert_int_equal(csv_detect_separator(trailing, strlen(trailing)), ',');
}

static void
test_detect_ignores_quoted_separators(void **state)
{
	static const char in[] = "\"a;b;c\",\"d;e\",f\n";

	assert_int_equal(csv_detect_separator(in, strlen(in)), ',');
}

static void
test_detect_reads_the_first_line_only(void **state)
{
	static const char in[] = "a;b\r1,2,3,4\n";

	assert_int_equal(csv_detect_separator(in, strlen(in)), ';');
}

static void
test_detect_skips_bom_and_blank_lines(void **state)
{
	static const char in[] = "\xef\xbb\xbf\r\n\na\tb\n";

	assert_int_equal(csv_detect_separator(in, strlen(in)), '\t');
}

static void
test_detect_tie_prefers_semicolon(void **state)
{
	static const char in[] = "a;b,c\n";

	assert_int_equal(csv_detect_separator(in, strlen(in)), ';');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_comma_rows_with_lf),
	    cmocka_unit_test(test_french_excel_semicolon_crlf),
	    cmocka_unit_test(test_utf8_bom_is_skipped),
	    cmocka_unit_test(test_bom_alone_has_no_rows),
	    cmocka_unit_test(test_empty_input_has_no_rows),
	    cmocka_unit_test(test_lone_cr_ends_lines),
	    cmocka_unit_test(test_mixed_line_ends_count_one_line_each),
	    cmocka_unit_test(test_last_line_without_newline),
	    cmocka_unit_test(test_blank_lines_are_skipped_but_counted),
	    cmocka_unit_test(test_trailing_separator_gives_empty_last_field),
	    cmocka_unit_test(test_separators_only_give_empty_fields),
	    cmocka_unit_test(test_blanks_around_fields_are_data),
	    cmocka_unit_test(test_quoted_field_with_doubled_quotes),
	    cmocka_unit_test(test_empty_quoted_fields),
	    cmocka_unit_test(test_separator_inside_quotes_is_data),
	    cmocka_unit_test(test_quoted_newlines_are_data_and_counted),
	    cmocka_unit_test(test_quoted_crlf_is_kept_as_is),
	    cmocka_unit_test(test_quoted_field_then_end_of_input),
	    cmocka_unit_test(test_bare_quote_in_unquoted_field_is_data),
	    cmocka_unit_test(test_quote_after_blank_is_unquoted_data),
	    cmocka_unit_test(test_unterminated_quote_names_opening_line),
	    cmocka_unit_test(test_unterminated_quote_after_quoted_newlines),
	    cmocka_unit_test(test_text_after_closing_quote_is_error),
	    cmocka_unit_test(test_text_after_closing_quote_names_its_line),
	    cmocka_unit_test(test_text_after_closing_quote_with_tab_separator),
	    cmocka_unit_test(test_nul_byte_is_error),
	    cmocka_unit_test(test_nul_byte_inside_quotes_is_error),
	    cmocka_unit_test(test_field_at_limit_is_accepted),
	    cmocka_unit_test(test_field_over_limit_is_error),
	    cmocka_unit_test(test_quoted_field_over_limit_suspects_open_quote),
	    cmocka_unit_test(test_row_at_field_limit_is_accepted),
	    cmocka_unit_test(test_row_over_field_limit_is_error),
	    cmocka_unit_test(test_next_frees_the_previous_row),
	    cmocka_unit_test(test_reader_rejects_impossible_separators),
	    cmocka_unit_test(test_detect_semicolon),
	    cmocka_unit_test(test_detect_comma),
	    cmocka_unit_test(test_detect_tab),
	    cmocka_unit_test(test_detect_defaults_to_comma),
	    cmocka_unit_test(test_detect_looks_past_a_title_line),
	    cmocka_unit_test(test_detect_ignores_quoted_separators),
	    cmocka_unit_test(test_detect_reads_the_first_line_only),
	    cmocka_unit_test(test_detect_skips_bom_and_blank_lines),
	    cmocka_unit_test(test_detect_tie_prefers_semicolon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
