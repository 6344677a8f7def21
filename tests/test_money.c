/*
 * test_money.c -- amounts as exports write them, in integer minor units.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "money.h"

static int64_t
parse(const char *s, int decimals)
{
	int64_t v = -999;

	assert_int_equal(money_parse(s, decimals, &v), 0);
	return v;
}

static void
test_french_english_and_plain_forms(void **state)
{
	assert_int_equal(parse("1234.56", 2), 123456);
	assert_int_equal(parse("1 234,56", 2), 123456);
	assert_int_equal(parse("1,234.56", 2), 123456);
	assert_int_equal(parse("1.234,56", 2), 123456);
	assert_int_equal(parse("1'234.56", 2), 123456);
	assert_int_equal(parse("1\xc2\xa0" "234,56", 2), 123456);
	assert_int_equal(parse("1\xe2\x80\xaf" "234,56", 2), 123456);
	assert_int_equal(parse("12,5", 2), 1250);
	assert_int_equal(parse("  42 ", 2), 4200);
	assert_int_equal(parse("1 234 567,89", 2), 123456789);
	assert_int_equal(parse("-15,00", 2), -1500);
}

static void
test_three_digits_after_a_lone_mark_group_thousands(void **state)
{
	assert_int_equal(parse("1,234", 2), 123400);
	assert_int_equal(parse("1.234", 2), 123400);
	assert_int_equal(parse("1.234.567", 2), 123456700);
	assert_int_equal(parse("1,234", 3), 1234);
}

static void
test_zero_decimal_currencies(void **state)
{
	assert_int_equal(parse("1500", 0), 1500);
	assert_int_equal(parse("1 500", 0), 1500);
	assert_int_equal(money_currency_decimals("JPY"), 0);
	assert_int_equal(money_currency_decimals("EUR"), 2);
	assert_int_equal(money_currency_decimals("KWD"), 3);
	assert_int_equal(money_currency_decimals("eur"), -1);
	assert_int_equal(money_currency_decimals("EURO"), -1);
}

static void
test_refuses_what_is_not_an_amount(void **state)
{
	const char *bad[] = {"", "abc", "12,3,4", "1,23,456.00", "12.345,6,7",
			     "1.2.3", "12,3456", "€12", "12-3", "1 23,00",
			     "1234567890123456", "--1", "12.", ",5", NULL};
	int64_t v;

	for (int i = 0; bad[i] != NULL; i++) {
		if (money_parse(bad[i], 2, &v) == 0)
			fail_msg("accepted \"%s\" as %lld", bad[i],
				 (long long)v);
	}
}

static void
test_format_is_canonical(void **state)
{
	char s[32];

	money_format(123456, 2, s, sizeof(s));
	assert_string_equal(s, "1234.56");
	money_format(5, 2, s, sizeof(s));
	assert_string_equal(s, "0.05");
	money_format(-1500, 2, s, sizeof(s));
	assert_string_equal(s, "-15.00");
	money_format(1500, 0, s, sizeof(s));
	assert_string_equal(s, "1500");
	money_format(1234, 3, s, sizeof(s));
	assert_string_equal(s, "1.234");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_french_english_and_plain_forms),
	    cmocka_unit_test(test_three_digits_after_a_lone_mark_group_thousands),
	    cmocka_unit_test(test_zero_decimal_currencies),
	    cmocka_unit_test(test_refuses_what_is_not_an_amount),
	    cmocka_unit_test(test_format_is_canonical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
