/*
 * date.c -- calendar dates, without time zones.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "date.h"

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool
date_valid(struct date d)
{
	return d.year >= DATE_MIN_YEAR && d.year <= DATE_MAX_YEAR &&
	       d.month >= 1 && d.month <= 12 && d.day >= 1 &&
	       d.day <= month_days(d.year, d.month);
}

bool
date_is_null(struct date d)
{
	return d.year == 0 && d.month == 0 && d.day == 0;
}

/* Read exactly N digits at *P; advance *P. */
static int
read_digits(const char **p, int min, int max, int *out)
{
	int n = 0, v = 0;

	while (n < max && isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n < min)
		return -1;
	*out = v;
	return 0;
}

int
date_parse(const char *s, struct date *out)
{
	struct date d = DATE_NULL;
	const char *p = s;
	int a, b, c;

	while (*p == ' ' || *p == '\t')
		p++;
	if (read_digits(&p, 1, 4, &a) < 0)
		return -1;
	if (*p == '-' && p - s >= 4) {
		p++;
		if (read_digits(&p, 2, 2, &b) < 0 || *p++ != '-' ||
		    read_digits(&p, 2, 2, &c) < 0)
			return -1;
		d = (struct date){a, b, c};
	} else if (*p == '/' && a <= 31) {
		p++;
		if (read_digits(&p, 1, 2, &b) < 0 || *p++ != '/' ||
		    read_digits(&p, 4, 4, &c) < 0)
			return -1;
		d = (struct date){c, b, a};
	} else {
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' || !date_valid(d))
		return -1;
	*out = d;
	return 0;
}

long
date_to_days(struct date d)
{
	long y = d.year - (d.month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = (d.month + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d.day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

struct date
date_from_days(long z)
{
	long era, doe, yoe, y, doy, mp, dd, mm;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	dd = doy - (153 * mp + 2) / 5 + 1;
	mm = mp < 10 ? mp + 3 : mp - 9;
	return (struct date){(int)(y + (mm <= 2)), (int)mm, (int)dd};
}

struct date
date_add_days(struct date d, long n)
{
	return date_from_days(date_to_days(d) + n);
}

long
date_diff(struct date a, struct date b)
{
	return date_to_days(a) - date_to_days(b);
}

int
date_cmp(struct date a, struct date b)
{
	long x = date_to_days(a), y = date_to_days(b);

	return (x > y) - (x < y);
}

int
date_weekday(struct date d)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	long w = (date_to_days(d) + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

void
date_format(struct date d, char out[11])
{
	if (date_is_null(d)) {
		out[0] = '\0';
		return;
	}
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)d.year % 10000u,
		 (unsigned)d.month % 100u, (unsigned)d.day % 100u);
}

int
date_parse_span(const char *s, long *days)
{
	long v = 0, mult = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		if (v > 3650)
			return -1;
	}
	if (*p == 'd')
		p++;
	else if (*p == 'w')
		mult = 7, p++;
	if (*p != '\0' || v * mult < 1 || v * mult > 3650)
		return -1;
	*days = v * mult;
	return 0;
}
