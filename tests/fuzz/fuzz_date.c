/* fuzz-sources: src/date.c src/money.c src/calendar.c */
/*
 * fuzz_date.c -- the readers of dates, spans and amounts (date.h, money.h)
 * on arbitrary bytes, as they come from CSV cells, policy files, the
 * command line and replies, and business-day counting from what they read
 * (calendar.h).
 *
 * The first byte picks the amount's minor digits (0..3) and a number of
 * business days (-32..31); the rest becomes a C string (cut at its first
 * NUL), as the callers pass one. Besides "no crash, no leak", checks that
 * what is read is in range and reads back from its printed form: a date
 * is a real day and its "YYYY-MM-DD" reads back to it, a span is 1..3650
 * days, an amount printed reads back to itself, and counting business
 * days from a date and back again agrees.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "date.h"
#include "money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Business days from D, N of them, and back. */
static void
check_business(struct date d, long n)
{
	static const struct date closed[] = {
	    {2026, 8, 10}, {2026, 8, 11}, {2026, 12, 24}};
	struct calendar cal = {closed, sizeof closed / sizeof *closed};
	struct date to, next;

	if (d.year <= 1583 || d.year >= DATE_MAX_YEAR)
		return;
	next = calendar_next_business_day(&cal, d);
	if (date_cmp(next, d) < 0 || date_diff(next, d) > 30 ||
	    !calendar_is_business_day(&cal, next))
		abort();
	to = calendar_add_business_days(&cal, d, n);
	if (!calendar_is_business_day(&cal, to) ||
	    (n > 0 && date_cmp(to, d) <= 0) || (n < 0 && date_cmp(to, d) >= 0))
		abort();
	if (n != 0 && calendar_business_days_between(&cal, d, to) != n)
		abort();
	(void)calendar_holiday_name(d);
}

static void
check_date(const char *s, long n)
{
	struct date d, back;
	char out[11];

	if (date_parse(s, &d) != 0)
		return;
	if (!date_valid(d))
		abort();
	date_format(d, out);
	if (date_parse(out, &back) != 0 || date_cmp(d, back) != 0 ||
	    date_from_days(date_to_days(d)).day != d.day ||
	    date_weekday(d) < 0 || date_weekday(d) > 6)
		abort();
	check_business(d, n);
}

static void
check_amount(const char *s, int decimals)
{
	char out[32];
	int64_t v, back;

	if (money_parse(s, decimals, &v) != 0)
		return;
	money_format(v, decimals, out, sizeof out);
	if (money_parse(out, decimals, &back) != 0 || back != v)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	long days;
	int d;

	if (size == 0)
		return 0;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	check_date(s, (long)(data[0] >> 2) - 32);
	if (date_parse_span(s, &days) == 0 && (days < 1 || days > 3650))
		abort();
	check_amount(s, data[0] & 3);
	d = money_currency_decimals(s);
	if (d < -1 || d > 3 || (d >= 0 && strlen(s) != 3))
		abort();
	free(s);
	return 0;
}
