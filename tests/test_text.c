/*
 * test_text.c -- UTF-8 checks, Windows-1252, folding, fitting, JSON.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "text.h"

static void
test_utf8_validity(void **state)
{
	assert_true(text_utf8_valid("D\xc3\xa9j\xc3\xa0", 6));
	assert_false(text_utf8_valid("\xe9t\xe9", 3));
	assert_false(text_utf8_valid("\xc0\xaf", 2));     /* overlong */
	assert_false(text_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(text_utf8_valid("\xe2\x82", 2));     /* truncated */
}

static void
test_cp1252_becomes_utf8(void **state)
{
	struct buf b = BUF_INIT;

	text_cp1252_to_utf8("\xe9"
	                    "ch\xe9"
	                    "ance \x80",
	                    11, &b);
	assert_string_equal(buf_cstr(&b), "\xc3\xa9"
	                                  "ch\xc3\xa9"
	                                  "ance \xe2\x82\xac");
	buf_free(&b);
}

static void
test_fold_removes_case_and_accents(void **state)
{
	struct buf b = BUF_INIT;

	text_fold("\xc3\x89"
	          "ch\xc3\xa9"
	          "ance N\xc2\xb0 C\xc5\x92UR \xc3\x87"
	          "a",
	          &b);
	assert_string_equal(buf_cstr(&b), "echeance n\xc2\xb0 coeur ca");
	buf_free(&b);
}

static void
test_trim_and_controls(void **state)
{
	char s[] = " \t value \r\n";

	assert_string_equal(text_trim(s), "value");
	assert_true(text_has_ctl("a\nb"));
	assert_false(text_has_ctl("caf\xc3\xa9"));
}

static void
test_fit_cuts_with_ellipsis_and_pads(void **state)
{
	struct buf b = BUF_INIT;

	text_fit("Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale", 8, true, &b);
	assert_string_equal(buf_cstr(&b), "Soci\xc3\xa9t\xc3\xa9\xe2\x80\xa6");
	buf_reset(&b);
	text_fit("abc", 5, true, &b);
	assert_string_equal(buf_cstr(&b), "abc  ");
	assert_int_equal(text_width("\xc3\xa9t\xc3\xa9"), 3);
	buf_free(&b);
}

static void
test_json_string_escapes(void **state)
{
	struct buf b = BUF_INIT;

	json_string(&b, "a\"b\\c\nd\x01\xc3\xa9\xff");
	assert_string_equal(buf_cstr(&b),
	                    "\"a\\\"b\\\\c\\nd\\u0001\xc3\xa9\\ufffd\"");
	buf_reset(&b);
	json_string(&b, NULL);
	assert_string_equal(buf_cstr(&b), "null");
	buf_free(&b);
}

static void
test_escape_round_trip_and_malformed_escapes(void **state)
{
	struct buf e = BUF_INIT, u = BUF_INIT;
	const char *v = "a\\b\tc\nd\re\x01"
	                "f\x7f";

	text_escape(v, &e);
	assert_string_equal(buf_cstr(&e), "a\\\\b\\tc\\nd\\re\\x01f\\x7f");
	assert_int_equal(text_unescape(e.data, e.len, &u), 0);
	assert_string_equal(buf_cstr(&u), v);
	buf_reset(&u);
	assert_int_equal(text_unescape("\\x41", 4, &u), 0);
	assert_string_equal(buf_cstr(&u), "A");
	assert_int_equal(text_unescape("\\x4", 3, &u), -1);
	assert_int_equal(text_unescape("\\x00", 4, &u), -1);
	assert_int_equal(text_unescape("\\q", 2, &u), -1);
	assert_int_equal(text_unescape("a\\", 2, &u), -1);
	buf_free(&e);
	buf_free(&u);
}

static void
test_printable_replaces_controls_and_cut_characters(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	text_printable("caf\xc3\xa9 \xe2\x82\xac\t\r\nok\x7f", &b);
	assert_string_equal(buf_cstr(&b), "caf\xc3\xa9 \xe2\x82\xac???ok?");
	buf_reset(&b);
	/* a character cut in two, an overlong form, a stray continuation */
	text_printable("\"\xc3\" \xc0\xaf \x80x", &b);
	assert_string_equal(buf_cstr(&b), "\"?\" ?? ?x");
	buf_reset(&b);
	text_printable("", &b);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_validity),
	    cmocka_unit_test(test_cp1252_becomes_utf8),
	    cmocka_unit_test(test_fold_removes_case_and_accents),
	    cmocka_unit_test(test_trim_and_controls),
	    cmocka_unit_test(test_fit_cuts_with_ellipsis_and_pads),
	    cmocka_unit_test(test_json_string_escapes),
	    cmocka_unit_test(test_escape_round_trip_and_malformed_escapes),
	    cmocka_unit_test(
	        test_printable_replaces_controls_and_cut_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
