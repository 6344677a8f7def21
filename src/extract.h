/*
 * extract.h -- facts in the words of a reply: dates, amounts.
 *
 * Pure: the caller passes the reference day (the message's Date, in the
 * company's time zone) against which relative dates resolve. French and
 * English, and the month and weekday names and common relative phrases
 * of German, Dutch, Italian and Spanish ("15. Dezember", "1 de
 * diciembre", "volgende week", "fine mese"). Text is matched case- and
 * accent-insensitively.
 */
#ifndef RELANCE_EXTRACT_H
#define RELANCE_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "date.h"

#define EXTRACT_MAX_AMOUNTS 16

/* extract_date -- the first date stated in TEXT, resolved against REF:
 * "15/12/2026", "15/12", "2026-12-15", "le 15 décembre", "15 déc.",
 * "December 15", "15th December", "Dec 15, 2026", "04-Dec-2026",
 * "vendredi" / "Friday"
 * (the next such day after REF), "demain" / "tomorrow", "la semaine
 * prochaine" / "next week" (Monday of next week), "fin du mois" / "end of
 * (the) month" / "by end of month" (last day of REF's month, or of the
 * next month when REF is that day), "début du mois prochain" / "early next
 * month" (the 5th of next month), "dans 10 jours" / "in 10 days". A date
 * without a year is the next such date on or after REF. Returns 0 and *out,
 * or -1 when TEXT states none. *AT (if not NULL) is set to the offset in
 * TEXT where the date expression starts, *LEN to its length. */
int extract_date(const char *text, struct date ref, struct date *out,
                 size_t *at, size_t *len);

/* extract_date_future -- like extract_date, for a date the writer looks
 * forward to (a promised payment): a numeric date that reads as a valid
 * date both day first and month first ("12/10", "05/01/2027") is read
 * month first when only that reading falls within 120 days on or after
 * REF (an American's "12/10" written in November is 10 December), else
 * day first as always. */
int extract_date_future(const char *text, struct date ref, struct date *out,
                        size_t *at, size_t *len);

/* extract_date_after -- like extract_date, but only the first date found
 * after one of the CUES (NULL-terminated phrases, folded: lower case, no
 * accents) within the same sentence: e.g. cues {"de retour", "back on",
 * "jusqu'au", "until", NULL} for an out-of-office return date. */
int extract_date_after(const char *text, const char *const *cues,
                       struct date ref, struct date *out);

/* extract_date_after_future -- extract_date_after, reading numeric dates
 * as extract_date_future does. */
int extract_date_after_future(const char *text, const char *const *cues,
                              struct date ref, struct date *out);

/* extract_amounts -- the amounts of money stated in TEXT, in minor units
 * of two decimals ("1 234,56 €", "EUR 1,234.56", "1234.56 euros",
 * "$1,234.56", "1.234,56 EUR"): a number counts as an amount only with a
 * currency word or sign beside it, or with two decimals. Up to MAX into
 * OUT; returns how many. */
size_t extract_amounts(const char *text, int64_t *out, size_t max);

#endif
