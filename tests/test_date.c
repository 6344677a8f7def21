/*
 * test_date.c -- calendar dates: parsing both orders, arithmetic, weekdays.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "date.h"

static void
assert_date(const char *s, int y, int m, int d)
{
	struct date out;

	assert_int_equal(date_parse(s, &out), 0);
	assert_int_equal(out.year, y);
	assert_int_equal(out.month, m);
	assert_int_equal(out.day, d);
}

static void
test_parse_iso_and_french_order(void **state)
{
	assert_date("2026-11-22", 2026, 11, 22);
	assert_date("22/11/2026", 2026, 11, 22);
	assert_date("1/2/2026", 2026, 2, 1);
	assert_date("  2026-01-31 ", 2026, 1, 31);
}

static void
test_parse_refuses_impossible_days_and_other_forms(void **state)
{
	struct date d;
	const char *bad[] = {"2026-02-29", "2026-13-01", "31/04/2026",
			     "2026-1-5", "11/22/26", "2026/11/22", "",
			     "2026-11-22x", "22.11.2026", "0000-01-01",
			     NULL};

	for (int i = 0; bad[i] != NULL; i++)
		assert_int_equal(date_parse(bad[i], &d), -1);
	assert_int_equal(date_parse("2024-02-29", &d), 0);
}

static void
test_days_round_trip_across_centuries(void **state)
{
	struct date d = {1999, 12, 31};

	assert_int_equal(date_to_days((struct date){1970, 1, 1}), 0);
	for (long n = -25000; n < 2900000; n += 7) {
		struct date x = date_from_days(n);

		assert_true(date_valid(x));
		assert_int_equal(date_to_days(x), n);
	}
	d = date_add_days(d, 1);
	assert_int_equal(d.year, 2000);
	assert_int_equal(d.month, 1);
	assert_int_equal(d.day, 1);
	assert_int_equal(date_diff((struct date){2026, 3, 1},
				   (struct date){2026, 2, 1}),
			 28);
}

static void
test_weekday_monday_is_zero(void **state)
{
	assert_int_equal(date_weekday((struct date){2026, 11, 23}), 0);
	assert_int_equal(date_weekday((struct date){2026, 11, 22}), 6);
	assert_int_equal(date_weekday((struct date){2000, 1, 1}), 5);
}

static void
test_format_and_null(void **state)
{
	char s[11];

	date_format((struct date){2026, 1, 5}, s);
	assert_string_equal(s, "2026-01-05");
	date_format(DATE_NULL, s);
	assert_string_equal(s, "");
	assert_true(date_is_null(DATE_NULL));
}

static void
test_span_days_and_weeks(void **state)
{
	long d;

	assert_int_equal(date_parse_span("7d", &d), 0);
	assert_int_equal(d, 7);
	assert_int_equal(date_parse_span("2w", &d), 0);
	assert_int_equal(d, 14);
	assert_int_equal(date_parse_span("10", &d), 0);
	assert_int_equal(d, 10);
	assert_int_equal(date_parse_span("0d", &d), -1);
	assert_int_equal(date_parse_span("-3d", &d), -1);
	assert_int_equal(date_parse_span("7x", &d), -1);
	assert_int_equal(date_parse_span("99999", &d), -1);
}

static void
test_export_forms(void **state)
{
	struct date d;

	(void)state;
	assert_int_equal(date_parse_export("22.11.2026", false, &d), 0);
	assert_int_equal(d.day, 22);
	assert_int_equal(date_parse_export("22-11-26", false, &d), 0);
	assert_int_equal(d.year, 2026);
	assert_int_equal(date_parse_export("2026/11/22", false, &d), 0);
	assert_int_equal(d.month, 11);
	assert_int_equal(date_parse_export(" 2026-11-22T00:00:00 ", false, &d),
			 0);
	assert_int_equal(date_parse_export("22/11/2026 00:00", false, &d), 0);
	assert_int_equal(date_parse_export("11/22/2026", true, &d), 0);
	assert_int_equal(d.day, 22);
	assert_int_equal(d.month, 11);
	/* month first is for slashes only */
	assert_int_equal(date_parse_export("02.11.2026", true, &d), 0);
	assert_int_equal(d.month, 11);
	assert_int_equal(date_parse_export("11/22/2026", false, &d), -1);
	assert_int_equal(date_parse_export("2026.11.22", false, &d), -1);
	assert_int_equal(date_parse_export("22/11/226", false, &d), -1);
	assert_int_equal(date_parse_export("22/11/2026x", false, &d), -1);
	assert_int_equal(date_parse_export("", false, &d), -1);
}

static void
test_order_hints(void **state)
{
	(void)state;
	assert_int_equal(date_order_hint("13/10/2026"), DATE_HINT_DAY_FIRST);
	assert_int_equal(date_order_hint("10/13/2026"), DATE_HINT_MONTH_FIRST);
	assert_int_equal(date_order_hint("10/11/2026"), DATE_HINT_EITHER);
	assert_int_equal(date_order_hint("10/10/2026"), DATE_HINT_NONE);
	assert_int_equal(date_order_hint("10.11.2026"), DATE_HINT_NONE);
	assert_int_equal(date_order_hint("2026/10/11"), DATE_HINT_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_iso_and_french_order),
	    cmocka_unit_test(test_parse_refuses_impossible_days_and_other_forms),
	    cmocka_unit_test(test_days_round_trip_across_centuries),
	    cmocka_unit_test(test_weekday_monday_is_zero),
	    cmocka_unit_test(test_format_and_null),
	    cmocka_unit_test(test_span_days_and_weeks),
	    cmocka_unit_test(test_export_forms),
	    cmocka_unit_test(test_order_hints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
