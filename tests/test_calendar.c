/*
 * test_calendar.c -- business days: Easter and the French public holidays
 * over several years, weekends, closed days, business-day arithmetic.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "calendar.h"

static struct date
D(const char *s) {
	struct date d;

	if (date_parse(s, &d) < 0)
		fail_msg("bad date in test: %s", s);
	return d;
}

static void
assert_date_is(struct date got, const char *want)
{
	char s[11];

	date_format(got, s);
	assert_string_equal(s, want);
}

static void
test_easter_by_the_gregorian_algorithm(void **state)
{
	const char *want[] = {"2024-03-31", "2025-04-20", "2026-04-05",
	                      "2027-03-28", "2028-04-16", "2029-04-01",
	                      "2030-04-21"};

	for (int y = 2024; y <= 2030; y++)
		assert_date_is(calendar_easter(y), want[y - 2024]);
	/* The extremes: earliest (22 March) and latest (25 April). */
	assert_date_is(calendar_easter(2285), "2285-03-22");
	assert_date_is(calendar_easter(2038), "2038-04-25");
	assert_date_is(calendar_easter(2000), "2000-04-23");
}

static void
test_fixed_holidays_have_their_names(void **state)
{
	const struct {
		const char *day, *name;
	} want[] = {
	    {"2026-01-01", "Jour de l'an"},   {"2027-05-01", "Fête du Travail"},
	    {"2028-05-08", "Victoire 1945"},  {"2029-07-14", "Fête nationale"},
	    {"2030-08-15", "Assomption"},     {"2024-11-01", "Toussaint"},
	    {"2025-11-11", "Armistice 1918"}, {"2026-12-25", "Noël"},
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *name = calendar_holiday_name(D(want[i].day));

		assert_non_null(name);
		assert_string_equal(name, want[i].name);
	}
}

static void
test_movable_holidays_follow_easter(void **state)
{
	const struct {
		const char *monday, *ascension, *whit;
	} want[] = {
	    {"2024-04-01", "2024-05-09", "2024-05-20"},
	    {"2025-04-21", "2025-05-29", "2025-06-09"},
	    {"2026-04-06", "2026-05-14", "2026-05-25"},
	    {"2027-03-29", "2027-05-06", "2027-05-17"},
	    {"2028-04-17", "2028-05-25", "2028-06-05"},
	    {"2029-04-02", "2029-05-10", "2029-05-21"},
	    {"2030-04-22", "2030-05-30", "2030-06-10"},
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(calendar_holiday_name(D(want[i].monday)),
		                    "Lundi de Pâques");
		assert_string_equal(calendar_holiday_name(D(want[i].ascension)),
		                    "Ascension");
		assert_string_equal(calendar_holiday_name(D(want[i].whit)),
		                    "Lundi de Pentecôte");
	}
}

static void
test_good_friday_and_boxing_day_are_not_national_holidays(void **state)
{
	assert_false(calendar_is_holiday(D("2026-04-03")));
	assert_false(calendar_is_holiday(D("2026-12-26")));
	assert_false(calendar_is_holiday(D("2026-04-05"))); /* Easter Sunday */
	assert_false(calendar_is_holiday(D("2026-05-02")));
	assert_false(calendar_is_holiday(D("2027-04-05"))); /* not 2026's */
	assert_true(calendar_is_business_day(NULL, D("2026-04-03")));
}

static void
test_count_of_holidays_per_year_is_eleven(void **state)
{
	for (int y = 2024; y <= 2030; y++) {
		struct date d = {y, 1, 1};
		int n = 0;

		for (; d.year == y; d = date_add_days(d, 1))
			n += calendar_is_holiday(d);
		assert_int_equal(n, 11);
	}
}

static void
test_weekends_are_not_business_days(void **state)
{
	assert_false(calendar_is_business_day(NULL, D("2026-03-07")));
	assert_false(calendar_is_business_day(NULL, D("2026-03-08")));
	assert_true(calendar_is_business_day(NULL, D("2026-03-06")));
	assert_true(calendar_is_business_day(NULL, D("2026-03-09")));
}

static void
test_holidays_are_not_business_days(void **state)
{
	assert_false(calendar_is_business_day(NULL, D("2026-12-25")));
	assert_false(calendar_is_business_day(NULL, D("2026-04-06")));
	assert_false(calendar_is_business_day(NULL, D("2026-05-14")));
}

static void
test_closed_days_from_the_caller_are_not_business_days(void **state)
{
	const struct date closed[] = {
	    {2026, 5, 15}, {2026, 8, 17}, {2026, 12, 24}};
	struct calendar cal = {closed, 3};

	assert_true(calendar_is_closed(&cal, D("2026-05-15")));
	assert_false(calendar_is_business_day(&cal, D("2026-05-15")));
	assert_false(calendar_is_business_day(&cal, D("2026-08-17")));
	assert_false(calendar_is_business_day(&cal, D("2026-12-24")));
	assert_true(calendar_is_business_day(&cal, D("2026-08-18")));
	assert_false(calendar_is_closed(&cal, D("2026-08-18")));
	/* The same days without the list are ordinary. */
	assert_true(calendar_is_business_day(NULL, D("2026-05-15")));
	assert_true(calendar_is_business_day(&(struct calendar)CALENDAR_INIT,
	                                     D("2026-05-15")));
}

static void
test_next_business_day_leaves_a_business_day_alone(void **state)
{
	assert_date_is(calendar_next_business_day(NULL, D("2026-03-09")),
	               "2026-03-09");
	assert_date_is(calendar_next_business_day(NULL, D("2026-03-07")),
	               "2026-03-09");
	assert_date_is(calendar_next_business_day(NULL, D("2026-04-04")),
	               "2026-04-07"); /* Saturday, Easter, Easter Monday */
}

static void
test_add_one_business_day_is_the_next_one(void **state)
{
	assert_date_is(calendar_add_business_days(NULL, D("2026-03-09"), 1),
	               "2026-03-10");
	assert_date_is(calendar_add_business_days(NULL, D("2026-03-06"), 1),
	               "2026-03-09");
	assert_date_is(calendar_add_business_days(NULL, D("2026-03-07"), 1),
	               "2026-03-09");
	assert_date_is(calendar_add_business_days(NULL, D("2026-03-07"), 0),
	               "2026-03-09");
	assert_date_is(calendar_add_business_days(NULL, D("2026-03-10"), 0),
	               "2026-03-10");
}

static void
test_add_business_days_across_easter_monday(void **state)
{
	assert_date_is(calendar_add_business_days(NULL, D("2026-04-02"), 1),
	               "2026-04-03");
	assert_date_is(calendar_add_business_days(NULL, D("2026-04-02"), 2),
	               "2026-04-07");
	assert_date_is(calendar_add_business_days(NULL, D("2027-03-26"), 1),
	               "2027-03-30");
}

static void
test_add_business_days_across_christmas_and_new_year(void **state)
{
	assert_date_is(calendar_add_business_days(NULL, D("2026-12-24"), 1),
	               "2026-12-28");
	assert_date_is(calendar_add_business_days(NULL, D("2026-12-24"), 5),
	               "2027-01-04");
}

static void
test_add_business_days_backwards(void **state)
{
	assert_date_is(calendar_add_business_days(NULL, D("2026-04-07"), -1),
	               "2026-04-03");
	assert_date_is(calendar_add_business_days(NULL, D("2026-04-07"), -2),
	               "2026-04-02");
	assert_date_is(calendar_add_business_days(NULL, D("2027-01-04"), -1),
	               "2026-12-31");
	assert_date_is(calendar_add_business_days(NULL, D("2026-03-08"), -1),
	               "2026-03-06");
}

static void
test_add_business_days_skips_closed_days(void **state)
{
	const struct date closed[] = {{2026, 5, 15}};
	struct calendar cal = {closed, 1};

	/* Wednesday 13 May: Ascension, the bridge, the weekend. */
	assert_date_is(calendar_add_business_days(&cal, D("2026-05-13"), 1),
	               "2026-05-18");
	assert_date_is(calendar_add_business_days(NULL, D("2026-05-13"), 1),
	               "2026-05-15");
}

static void
test_business_days_between_counts_across_holidays(void **state)
{
	/* May 2026: 21 weekdays, of which 1, 8, 14 and 25 are holidays. */
	assert_int_equal(calendar_business_days_between(NULL, D("2026-04-30"),
	                                                D("2026-05-31")),
	                 17);
	assert_int_equal(calendar_business_days_between(NULL, D("2026-12-24"),
	                                                D("2027-01-04")),
	                 5);
	assert_int_equal(calendar_business_days_between(NULL, D("2027-01-04"),
	                                                D("2026-12-24")),
	                 -5);
	assert_int_equal(calendar_business_days_between(NULL, D("2026-03-07"),
	                                                D("2026-03-08")),
	                 0);
	assert_int_equal(calendar_business_days_between(NULL, D("2026-03-09"),
	                                                D("2026-03-09")),
	                 0);
}

static void
test_business_days_between_undoes_adding_them(void **state)
{
	const struct date closed[] = {{2026, 5, 15}, {2026, 8, 17}};
	struct calendar cal = {closed, 2};
	struct date a = D("2025-12-01");

	for (int i = 0; i < 500; i += 3, a = date_add_days(a, 3)) {
		for (long n = -40; n <= 40; n++) {
			struct date b = calendar_add_business_days(&cal, a, n);

			if (n == 0)
				continue;
			assert_int_equal(
			    calendar_business_days_between(&cal, a, b), n);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_easter_by_the_gregorian_algorithm),
	    cmocka_unit_test(test_fixed_holidays_have_their_names),
	    cmocka_unit_test(test_movable_holidays_follow_easter),
	    cmocka_unit_test(
	        test_good_friday_and_boxing_day_are_not_national_holidays),
	    cmocka_unit_test(test_count_of_holidays_per_year_is_eleven),
	    cmocka_unit_test(test_weekends_are_not_business_days),
	    cmocka_unit_test(test_holidays_are_not_business_days),
	    cmocka_unit_test(
	        test_closed_days_from_the_caller_are_not_business_days),
	    cmocka_unit_test(
	        test_next_business_day_leaves_a_business_day_alone),
	    cmocka_unit_test(test_add_one_business_day_is_the_next_one),
	    cmocka_unit_test(test_add_business_days_across_easter_monday),
	    cmocka_unit_test(
	        test_add_business_days_across_christmas_and_new_year),
	    cmocka_unit_test(test_add_business_days_backwards),
	    cmocka_unit_test(test_add_business_days_skips_closed_days),
	    cmocka_unit_test(test_business_days_between_counts_across_holidays),
	    cmocka_unit_test(test_business_days_between_undoes_adding_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
