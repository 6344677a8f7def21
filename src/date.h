/*
 * date.h -- calendar dates, without time zones.
 *
 * Pure. A date is a proleptic Gregorian day; arithmetic goes through a day
 * count since 1970-01-01 (Howard Hinnant's civil-days algorithm). Time zones
 * only matter when the shell turns "now" into "today".
 */
#ifndef RELANCE_DATE_H
#define RELANCE_DATE_H

#include <stdbool.h>

struct date {
	int year;  /* 0 in the null date */
	int month; /* 1..12 */
	int day;   /* 1..31 */
};

#define DATE_NULL     ((struct date){0, 0, 0})
#define DATE_MIN_YEAR 1900
#define DATE_MAX_YEAR 9999

/* date_parse -- read "YYYY-MM-DD" or "DD/MM/YYYY" (French order; also
 * "D/M/YYYY"), surrounding blanks allowed. Returns 0, or -1 when S is not
 * one of these forms or not a real day (2026-02-30). */
int date_parse(const char *s, struct date *out);

/* date_parse_export -- read a date as accounting exports write it:
 * "YYYY-MM-DD" or "YYYY/MM/DD"; or day, month and year separated by '/',
 * '.' or '-' ("22/11/2026", "22.11.2026", "22-11-26"), the year in four
 * digits or two (2000..2099); with MONTH_FIRST, a date written with '/'
 * reads month first ("11/22/2026", as Excel writes in the US). A time of
 * day after a blank or a 'T' ("22/11/2026 00:00", "2026-11-22T00:00:00")
 * is ignored. Surrounding blanks allowed. Returns 0, or -1 when S is not
 * one of these forms or not a real day. */
int date_parse_export(const char *s, bool month_first, struct date *out);

/* What a date written "A/B/YEAR" tells about the order of day and month. */
enum date_hint {
	DATE_HINT_NONE,        /* not such a date, or A == B: either order */
	DATE_HINT_DAY_FIRST,   /* A > 12: only day first makes sense */
	DATE_HINT_MONTH_FIRST, /* B > 12: only month first makes sense */
	DATE_HINT_EITHER       /* both at most 12 and different: ambiguous */
};

/* date_order_hint -- the hint S gives (see enum date_hint). */
enum date_hint date_order_hint(const char *s);

/* date_valid -- true for a real day between DATE_MIN_YEAR and DATE_MAX_YEAR. */
bool date_valid(struct date d);

/* date_is_null -- true for DATE_NULL (no date). */
bool date_is_null(struct date d);

/* date_to_days -- days since 1970-01-01 (negative before). */
long date_to_days(struct date d);

/* date_from_days -- inverse of date_to_days. */
struct date date_from_days(long days);

/* date_add_days -- D plus N calendar days (N may be negative). */
struct date date_add_days(struct date d, long n);

/* date_diff -- A minus B, in days. */
long date_diff(struct date a, struct date b);

/* date_cmp -- <0, 0, >0 as A is before, equal to, after B. */
int date_cmp(struct date a, struct date b);

/* date_weekday -- 0 for Monday ... 6 for Sunday. */
int date_weekday(struct date d);

/* date_format -- "YYYY-MM-DD" into OUT (11 bytes); "" for the null date. */
void date_format(struct date d, char out[11]);

/* date_parse_span -- a length of time in days: "7d", "7", "2w" (weeks).
 * Returns 0 and *days (1..3650), or -1. */
int date_parse_span(const char *s, long *days);

#endif
