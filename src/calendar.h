/*
 * calendar.h -- business days: weekends, French public holidays, and the
 * days the company is closed.
 *
 * Pure: no I/O, no clock. A business day is a Monday to Friday that is
 * neither a French public holiday (Code du travail L3133-1: 1 January,
 * Easter Monday, 1 May, 8 May, Ascension, Whit Monday, 14 July, 15 August,
 * 1 November, 11 November, 25 December) nor one of the extra closed days
 * the caller lists (from the policy: bridges, the summer closure, or the
 * local holidays of Alsace-Moselle, Good Friday and 26 December). Easter
 * is computed for any Gregorian year (the anonymous algorithm of Meeus,
 * Jones and Butcher), so no table runs out.
 */
#ifndef RELANCE_CALENDAR_H
#define RELANCE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>

#include "date.h"

/* The days the company is closed besides weekends and public holidays.
 * CLOSED is borrowed (the policy owns it), sorted by date_cmp, with no
 * duplicates needed; NCLOSED may be 0 (then CLOSED may be NULL). A NULL
 * calendar pointer means the same as an empty one. */
struct calendar {
	const struct date *closed;
	size_t nclosed;
};

#define CALENDAR_INIT                                                          \
	{                                                                      \
		NULL, 0                                                        \
	}

/* calendar_easter -- Easter Sunday of YEAR (Gregorian, any year > 1582). */
struct date calendar_easter(int year);

/* calendar_holiday_name -- the French name of the public holiday on D
 * ("Noël", "Lundi de Pâques"), or NULL when D is not one. Static. */
const char *calendar_holiday_name(struct date d);

/* calendar_is_holiday -- true when D is a French public holiday. */
bool calendar_is_holiday(struct date d);

/* calendar_is_closed -- true when D is in CAL's list of closed days. */
bool calendar_is_closed(const struct calendar *cal, struct date d);

/* calendar_is_business_day -- true when D is Monday to Friday and neither a
 * public holiday nor a closed day of CAL. */
bool calendar_is_business_day(const struct calendar *cal, struct date d);

/* calendar_next_business_day -- D itself when it is a business day, else
 * the first business day after it. */
struct date calendar_next_business_day(const struct calendar *cal,
                                       struct date d);

/*
 * calendar_add_business_days -- count N business days from D: N > 0 gives
 * the Nth business day after D (+1: the next business day, whatever D is),
 * N < 0 the |N|th business day before D, and N == 0 gives
 * calendar_next_business_day(D). D must be valid (date_valid); the time
 * taken grows with |N| and the closed days in the way.
 */
struct date calendar_add_business_days(const struct calendar *cal,
                                       struct date d, long n);

/*
 * calendar_business_days_between -- the business days from A to B: when B
 * is after A, how many of the days after A up to B inclusive are business
 * days; when B is before A, minus how many of the days from B up to A
 * exclusive are; 0 when they are equal. So when B is a business day,
 * calendar_add_business_days(A, result) is B.
 */
long calendar_business_days_between(const struct calendar *cal, struct date a,
                                    struct date b);

#endif
