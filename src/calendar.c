/*
 * calendar.c -- business days: weekends, French public holidays, and the
 * days the company is closed.
 *
 * Everything is computed from the date: a fixed holiday is a month and a
 * day, a movable one an offset from Easter. A walk over many days keeps
 * the holidays of the year it is in as day numbers, for the length of one
 * call: nothing outlives a call, so there is no state to share between
 * threads.
 */
#include "config.h"

#include "calendar.h"

/* The fixed public holidays, by month and day. */
static const struct {
	int month, day;
	const char *name;
} fixed_holidays[] = {
    {1, 1, "Jour de l'an"},     {5, 1, "Fête du Travail"},
    {5, 8, "Victoire 1945"},    {7, 14, "Fête nationale"},
    {8, 15, "Assomption"},      {11, 1, "Toussaint"},
    {11, 11, "Armistice 1918"}, {12, 25, "Noël"},
};

/* The movable ones, in days after Easter Sunday. */
static const struct {
	int after_easter;
	const char *name;
} easter_holidays[] = {
    {1, "Lundi de Pâques"},
    {39, "Ascension"},
    {50, "Lundi de Pentecôte"},
};

struct date
calendar_easter(int year)
{
	int a = year % 19, b = year / 100, c = year % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25;
	int g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	return (struct date){year, n / 31, n % 31 + 1};
}

const char *
calendar_holiday_name(struct date d)
{
	size_t i;
	long after;

	for (i = 0; i < sizeof(fixed_holidays) / sizeof(fixed_holidays[0]); i++)
		if (fixed_holidays[i].month == d.month &&
		    fixed_holidays[i].day == d.day)
			return fixed_holidays[i].name;
	/* Easter is between 22 March and 25 April, Whit Monday between
	 * 11 May and 14 June: nothing movable outside March to June. */
	if (d.month < 3 || d.month > 6)
		return NULL;
	after = date_diff(d, calendar_easter(d.year));
	for (i = 0; i < sizeof(easter_holidays) / sizeof(easter_holidays[0]);
	     i++)
		if (easter_holidays[i].after_easter == after)
			return easter_holidays[i].name;
	return NULL;
}

bool
calendar_is_holiday(struct date d)
{
	return calendar_holiday_name(d) != NULL;
}

#define NHOLIDAYS                                                              \
	(sizeof(fixed_holidays) / sizeof(fixed_holidays[0]) +                  \
	 sizeof(easter_holidays) / sizeof(easter_holidays[0]))

/* A walk over days by their number (date_to_days), with the holidays of
 * the year it is in as day numbers, so that a long walk computes them
 * once a year and does no date conversion per day. */
struct walk {
	const struct calendar *cal;
	long first, end; /* the year's days are [FIRST, END); empty at first */
	long holidays[NHOLIDAYS];
};

static void
walk_year(struct walk *w, long days)
{
	/* Days before the first of each month in a common year. */
	static const int before[] = {0,   31,  59,  90,  120, 151,
	                             181, 212, 243, 273, 304, 334};
	int y = date_from_days(days).year;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	long easter = date_to_days(calendar_easter(y));
	size_t n = 0, i;

	w->first = date_to_days((struct date){y, 1, 1});
	w->end = w->first + 365 + leap;
	for (i = 0; i < sizeof(fixed_holidays) / sizeof(fixed_holidays[0]);
	     i++) {
		int m = fixed_holidays[i].month;

		w->holidays[n++] = w->first + before[m - 1] + (leap && m > 2) +
		                   fixed_holidays[i].day - 1;
	}
	for (i = 0; i < sizeof(easter_holidays) / sizeof(easter_holidays[0]);
	     i++)
		w->holidays[n++] = easter + easter_holidays[i].after_easter;
}

/* Is the day number DAYS in the sorted closed days? */
static bool
walk_closed(const struct walk *w, long days)
{
	size_t lo = 0, hi;

	if (w->cal == NULL || w->cal->closed == NULL)
		return false;
	hi = w->cal->nclosed;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		long c = date_to_days(w->cal->closed[mid]);

		if (c == days)
			return true;
		if (c < days)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool
walk_business(struct walk *w, long days)
{
	long wd = ((days + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */

	if (wd >= 5)
		return false;
	if (days < w->first || days >= w->end)
		walk_year(w, days);
	for (size_t i = 0; i < NHOLIDAYS; i++)
		if (w->holidays[i] == days)
			return false;
	return !walk_closed(w, days);
}

bool
calendar_is_closed(const struct calendar *cal, struct date d)
{
	struct walk w = {cal, 0, 0, {0}};

	return walk_closed(&w, date_to_days(d));
}

bool
calendar_is_business_day(const struct calendar *cal, struct date d)
{
	struct walk w = {cal, 0, 0, {0}};

	return walk_business(&w, date_to_days(d));
}

struct date
calendar_next_business_day(const struct calendar *cal, struct date d)
{
	struct walk w = {cal, 0, 0, {0}};
	long days = date_to_days(d);

	while (!walk_business(&w, days))
		days++;
	return date_from_days(days);
}

struct date
calendar_add_business_days(const struct calendar *cal, struct date d, long n)
{
	struct walk w = {cal, 0, 0, {0}};
	long dir = n < 0 ? -1 : 1, days = date_to_days(d);

	if (n == 0)
		return calendar_next_business_day(cal, d);
	while (n != 0) {
		days += dir;
		if (walk_business(&w, days))
			n -= dir;
	}
	return date_from_days(days);
}

long
calendar_business_days_between(const struct calendar *cal, struct date a,
                               struct date b)
{
	struct walk w = {cal, 0, 0, {0}};
	long from = date_to_days(a), to = date_to_days(b), n = 0;

	if (to > from) {
		while (from < to)
			n += walk_business(&w, ++from);
		return n;
	}
	while (to < from)
		n -= walk_business(&w, to++);
	return n;
}
