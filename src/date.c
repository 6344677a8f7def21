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

/* The three numbers of an export's date: A, B and C as written, MARK the
 * separator, ALEN and CLEN the digits of A and C. After them, only blanks
 * or a time of day (after a blank or 'T'). 0, or -1. */
static int
date_split(const char *s, int n[3], int *alen, int *clen, char *mark)
{
	const char *p = s, *q;

	while (*p == ' ' || *p == '\t')
		p++;
	q = p;
	if (read_digits(&p, 1, 4, &n[0]) < 0)
		return -1;
	*alen = (int)(p - q);
	*mark = *p;
	if (*mark != '/' && *mark != '.' && *mark != '-')
		return -1;
	p++;
	if (read_digits(&p, 1, 2, &n[1]) < 0 || *p++ != *mark)
		return -1;
	q = p;
	if (read_digits(&p, 2, 4, &n[2]) < 0)
		return -1;
	*clen = (int)(p - q);
	if (*p == 'T' || *p == ' ') {
		/* a time of day: digits, ':' and '.' up to the end */
		const char *t = p + 1;

		while (*t == ' ')
			t++;
		if (isdigit((unsigned char)*t)) {
			while (isdigit((unsigned char)*t) || *t == ':' ||
			       *t == '.')
				t++;
			p = t;
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' ? 0 : -1;
}

int
date_parse_export(const char *s, bool month_first, struct date *out)
{
	struct date d;
	int n[3], alen, clen;
	char mark;

	if (date_split(s, n, &alen, &clen, &mark) < 0)
		return -1;
	if (alen == 4 && clen == 2 && (mark == '-' || mark == '/'))
		d = (struct date){n[0], n[1], n[2]};
	else if (alen > 2 || clen == 3)
		return -1;
	else if (month_first && mark == '/')
		d = (struct date){n[2], n[0], n[1]};
	else
		d = (struct date){n[2], n[1], n[0]};
	if (clen == 2 && alen <= 2)
		d.year += 2000;
	if (!date_valid(d))
		return -1;
	*out = d;
	return 0;
}

enum date_hint
date_order_hint(const char *s)
{
	int n[3], alen, clen;
	char mark;

	if (date_split(s, n, &alen, &clen, &mark) < 0 || mark != '/' ||
	    alen > 2 || clen == 3 || n[0] == n[1])
		return DATE_HINT_NONE;
	if (n[0] > 12)
		return DATE_HINT_DAY_FIRST;
	if (n[1] > 12)
		return DATE_HINT_MONTH_FIRST;
	return DATE_HINT_EITHER;
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
