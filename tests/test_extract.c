/*
 * test_extract.c -- dates and amounts in customers' replies, French and
 * English. The reference day is Monday 2026-11-23 unless a test says.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "extract.h"

static const struct date REF = {2026, 11, 23}; /* a Monday */

/* The date in TEXT seen on REF_DAY, as "YYYY-MM-DD", or "none". */
static const char *
date_on(const char *text, struct date ref_day)
{
	static char out[11];
	struct date d = {1, 1, 1};
	size_t at = 999, len = 999;

	if (extract_date(text, ref_day, &d, &at, &len) < 0) {
		assert_int_equal(d.year, 1); /* untouched */
		return "none";
	}
	assert_true(date_valid(d));
	assert_true(at + len <= strlen(text));
	date_format(d, out);
	return out;
}

static const char *
date_of(const char *text)
{
	return date_on(text, REF);
}

/* Check the date in TEXT and the exact words it was read from. */
static void
check_span(const char *text, const char *want, const char *words)
{
	struct date d;
	size_t at, len;
	char got[11];

	assert_int_equal(extract_date(text, REF, &d, &at, &len), 0);
	date_format(d, got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(words));
	assert_memory_equal(text + at, words, len);
}

/* ---- German, Dutch, Italian, Spanish ---- */

static void
test_dates_in_german_dutch_italian_spanish(void **state)
{
	assert_string_equal(date_of("Zahlung am 15. Dezember"), "2026-12-15");
	assert_string_equal(date_of("bis einschließlich 04.12.2026"),
	                    "2026-12-04");
	assert_string_equal(date_of("wir überweisen am Freitag"), "2026-11-27");
	assert_string_equal(date_of("nächste Woche"), "2026-11-30");
	assert_string_equal(date_of("zum Monatsende"), "2026-11-30");
	assert_string_equal(date_of("in 10 Tagen"), "2026-12-03");
	assert_string_equal(date_of("3 maart"), "2027-03-03");
	assert_string_equal(date_of("betaling volgt volgende week"),
	                    "2026-11-30");
	assert_string_equal(date_of("eind van de maand"), "2026-11-30");
	assert_string_equal(date_of("entro il 15 dicembre"), "2026-12-15");
	assert_string_equal(date_of("venerdì"), "2026-11-27");
	assert_string_equal(date_of("a fine mese"), "2026-11-30");
	assert_string_equal(date_of("hasta el 1 de diciembre"), "2026-12-01");
	assert_string_equal(date_of("el miércoles 2 de diciembre de 2027"),
	                    "2027-12-02");
	assert_string_equal(date_of("la semana que viene"), "2026-11-30");
	assert_string_equal(date_of("en 5 días"), "2026-11-28");
	check_span("pagheremo entro il 15 dicembre.", "2026-12-15",
	           "15 dicembre");
}

static void
test_morning_words_are_no_dates(void **state)
{
	/* "Morgen" and "mañana" are also "morning": not read as dates. */
	assert_string_equal(date_of("Guten Morgen"), "none");
	assert_string_equal(date_of("por la mañana"), "none");
}

static void
test_weekday_then_day_of_month(void **state)
{
	/* Québec's "vendredi le 27", "Friday the 27th": the next 27th. */
	assert_string_equal(date_of("vendredi le 27"), "2026-11-27");
	assert_string_equal(date_of("mardi le 1er"), "2026-12-01");
	assert_string_equal(date_of("Friday the 27th"), "2026-11-27");
	check_span("le wire part vendredi le 27.", "2026-11-27",
	           "vendredi le 27");
	/* "le" then no day: the weekday alone. */
	assert_string_equal(date_of("lundi le virement"), "2026-11-30");
}

/* ---- numeric dates ---- */

static void
test_numeric_dates_are_day_first(void **state)
{
	assert_string_equal(date_of("paiement prévu le 15/12/2026"),
	                    "2026-12-15");
	assert_string_equal(date_of("réglé le 5/1/2027"), "2027-01-05");
	assert_string_equal(date_of("le 03/12/2026"), "2026-12-03");
	assert_string_equal(date_of("le 12/03/2027"), "2027-03-12");
}

/* The date looked forward to in TEXT (extract_date_future), or "none". */
static const char *
future_of(const char *text)
{
	static char out[11];
	struct date d;

	if (extract_date_future(text, REF, &d, NULL, NULL) < 0)
		return "none";
	date_format(d, out);
	return out;
}

static void
test_future_date_prefers_the_near_reading(void **state)
{
	/* Both readings valid, only month first near: an American's. */
	assert_string_equal(future_of("payment run on 12/10"), "2026-12-10");
	assert_string_equal(future_of("on 12/10/2026"), "2026-12-10");
	assert_string_equal(date_of("on 12/10"), "2027-10-12");
	/* Day first near (or both near): day first, as always. */
	assert_string_equal(future_of("le 10/12"), "2026-12-10");
	assert_string_equal(future_of("le 05/01"), "2027-01-05");
	assert_string_equal(future_of("le 02/12"), "2026-12-02");
	/* Only one reading valid, or neither near: day first. */
	assert_string_equal(future_of("le 15/12"), "2026-12-15");
	assert_string_equal(future_of("le 11/06"), "2027-06-11");
	assert_string_equal(future_of("le 10/10"), "2027-10-10");
	assert_string_equal(future_of("rien"), "none");
}

static void
test_future_date_after_a_cue(void **state)
{
	static const char *const cues[] = {"payment run on", NULL};
	struct date d;
	char got[11];

	assert_int_equal(extract_date_after_future("Our payment run on 12/10.",
	                                           cues, REF, &d),
	                 0);
	date_format(d, got);
	assert_string_equal(got, "2026-12-10");
	assert_int_equal(
	    extract_date_after("Our payment run on 12/10.", cues, REF, &d), 0);
	date_format(d, got);
	assert_string_equal(got, "2027-10-12");
}

static void
test_day_dash_month_abbreviation(void **state)
{
	assert_string_equal(date_of("Scheduled payment date: 04-Dec-2026"),
	                    "2026-12-04");
	assert_string_equal(date_of("due 4-jan-27"), "2027-01-04");
	assert_string_equal(date_of("due 15-Sep"), "2027-09-15");
	check_span("Date: 04-Dec-2026.", "2026-12-04", "04-Dec-2026");
	assert_string_equal(date_of("ref 04-Dec-2026X"), "none");
	assert_string_equal(date_of("31-Feb-2026"), "none");
}

static void
test_two_digit_year_is_this_century(void **state)
{
	assert_string_equal(date_of("virement du 15/12/26"), "2026-12-15");
}

static void
test_iso_and_dotted_and_dashed_dates(void **state)
{
	assert_string_equal(date_of("payment on 2026-12-15."), "2026-12-15");
	assert_string_equal(date_of("le 15.12.2026"), "2026-12-15");
	assert_string_equal(date_of("le 15-12-2026"), "2026-12-15");
}

static void
test_date_without_year_is_the_next_on_or_after_ref(void **state)
{
	assert_string_equal(date_of("paiement prévu le 15/12"), "2026-12-15");
	assert_string_equal(date_of("réglé le 23/11"), "2026-11-23");
	assert_string_equal(date_of("réglé le 22/11"), "2027-11-22");
	assert_string_equal(date_on("le 15/12", (struct date){2026, 12, 20}),
	                    "2027-12-15");
}

static void
test_29_february_without_year_waits_for_a_leap_year(void **state)
{
	assert_string_equal(date_of("le 29/02"), "2028-02-29");
}

static void
test_invalid_dates_are_skipped(void **state)
{
	assert_string_equal(date_of("le 31/02/2027"), "none");
	assert_string_equal(date_of("le 30 février"), "none");
	assert_string_equal(date_of("le 31/04 ou plutôt le 02/03"),
	                    "2027-03-02");
	assert_string_equal(date_of("le 2026-13-01"), "none");
	assert_string_equal(date_of("le 15/12/1800"), "none");
}

static void
test_numbers_inside_identifiers_are_not_dates(void **state)
{
	assert_string_equal(date_of("facture F2026-0042"), "none");
	assert_string_equal(date_of("période 12/2026"), "none");
	assert_string_equal(date_of("avoir 15/12-A"), "none");
	assert_string_equal(date_of("réf. FA-15/12"), "none");
	assert_string_equal(date_of("dossier n°15/12"), "none");
	assert_string_equal(date_of("ticket #15/12"), "none");
	assert_string_equal(date_of("appelez le 01 23 45 67 89"), "none");
	assert_string_equal(date_of("01.23.45.67.89"), "none");
	assert_string_equal(date_of("à 10:12"), "none");
	assert_string_equal(date_of("version 1.2.3"), "none");
	assert_string_equal(date_of("le 15.12 ou 15,12"), "none");
	assert_string_equal(date_of("FR76 3000 6000 0112 3456 7890 189"),
	                    "none");
}

/* ---- month names ---- */

static void
test_french_month_names(void **state)
{
	static const char *const names[] = {"janvier", "février",  "mars",
	                                    "avril",   "mai",      "juin",
	                                    "juillet", "août",     "septembre",
	                                    "octobre", "novembre", "décembre"};
	static const char *const want[] = {
	    "2027-01-15", "2027-02-15", "2027-03-15", "2027-04-15",
	    "2027-05-15", "2027-06-15", "2027-07-15", "2027-08-15",
	    "2027-09-15", "2027-10-15", "2027-11-15", "2026-12-15"};

	for (int i = 0; i < 12; i++) {
		char text[64];

		snprintf(text, sizeof(text), "le 15 %s", names[i]);
		assert_string_equal(date_of(text), want[i]);
	}
}

static void
test_french_months_without_accents_and_abbreviated(void **state)
{
	assert_string_equal(date_of("le 3 fevrier"), "2027-02-03");
	assert_string_equal(date_of("le 3 aout"), "2027-08-03");
	assert_string_equal(date_of("le 3 decembre"), "2026-12-03");
	assert_string_equal(date_of("le 3 janv."), "2027-01-03");
	assert_string_equal(date_of("le 3 févr."), "2027-02-03");
	assert_string_equal(date_of("le 3 avr."), "2027-04-03");
	assert_string_equal(date_of("le 3 juil."), "2027-07-03");
	assert_string_equal(date_of("le 3 sept."), "2027-09-03");
	assert_string_equal(date_of("le 3 oct."), "2027-10-03");
	assert_string_equal(date_of("le 30 nov."), "2026-11-30");
	assert_string_equal(date_of("le 3 déc."), "2026-12-03");
	assert_string_equal(date_of("le 3 déc"), "2026-12-03");
}

static void
test_english_month_names_full_and_short(void **state)
{
	static const char *const names[] = {
	    "January", "Feb",  "March", "Apr.",    "May", "June",
	    "Jul",     "Aug.", "Sept.", "October", "Nov", "Dec."};
	static const char *const want[] = {
	    "2027-01-15", "2027-02-15", "2027-03-15", "2027-04-15",
	    "2027-05-15", "2027-06-15", "2027-07-15", "2027-08-15",
	    "2027-09-15", "2027-10-15", "2027-11-15", "2026-12-15"};

	for (int i = 0; i < 12; i++) {
		char text[64];

		snprintf(text, sizeof(text), "on 15 %s", names[i]);
		assert_string_equal(date_of(text), want[i]);
		snprintf(text, sizeof(text), "on %s 15", names[i]);
		assert_string_equal(date_of(text), want[i]);
	}
}

static void
test_day_month_with_year(void **state)
{
	assert_string_equal(date_of("le 15 décembre 2027"), "2027-12-15");
	assert_string_equal(date_of("Dec 15, 2026"), "2026-12-15");
	assert_string_equal(date_of("December 15 2027"), "2027-12-15");
	assert_string_equal(date_of("15 Dec 2026"), "2026-12-15");
	assert_string_equal(date_of("le 3 nov. 2025"), "2025-11-03");
}

static void
test_amount_after_a_date_is_not_its_year(void **state)
{
	assert_string_equal(date_of("le 15 décembre, 2000 € seront réglés"),
	                    "2026-12-15");
}

static void
test_ordinal_suffixes(void **state)
{
	assert_string_equal(date_of("le 1er décembre"), "2026-12-01");
	assert_string_equal(date_of("on 1st December"), "2026-12-01");
	assert_string_equal(date_of("on 2nd December"), "2026-12-02");
	assert_string_equal(date_of("on 3rd December"), "2026-12-03");
	assert_string_equal(date_of("on 15th December"), "2026-12-15");
	assert_string_equal(date_of("on the 15th of December"), "2026-12-15");
	assert_string_equal(date_of("on December 15th"), "2026-12-15");
}

static void
test_may_the_verb_is_not_a_month(void **state)
{
	assert_string_equal(date_of("we may 2 pay"), "none");
	assert_string_equal(date_of("by May 2"), "2027-05-02");
	assert_string_equal(date_of("le 2 mai"), "2027-05-02");
}

static void
test_month_and_year_alone_is_not_a_date(void **state)
{
	assert_string_equal(date_of("en mars 2027"), "none");
	assert_string_equal(date_of("in December 2026"), "none");
}

static void
test_part_of_a_named_month(void **state)
{
	assert_string_equal(date_of("paiement fin décembre"), "2026-12-31");
	assert_string_equal(date_of("fin février"), "2027-02-28");
	assert_string_equal(date_of("fin février 2028"), "2028-02-29");
	assert_string_equal(date_of("début janvier"), "2027-01-05");
	assert_string_equal(date_of("mi-janvier"), "2027-01-15");
	assert_string_equal(date_of("by the end of December"), "2026-12-31");
	assert_string_equal(date_of("early January"), "2027-01-05");
	assert_string_equal(date_of("mid-March"), "2027-03-15");
	assert_string_equal(date_of("fin novembre"), "2026-11-30");
}

/* ---- days of the week ---- */

static void
test_day_of_week_is_the_next_one_strictly_after_ref(void **state)
{
	assert_string_equal(date_of("je vous règle vendredi"), "2026-11-27");
	assert_string_equal(date_of("ce vendredi"), "2026-11-27");
	assert_string_equal(date_of("this Friday"), "2026-11-27");
	assert_string_equal(date_of("vendredi prochain"), "2026-11-27");
	assert_string_equal(date_of("next Friday"), "2026-11-27");
	assert_string_equal(date_of("lundi"), "2026-11-30");
	assert_string_equal(date_of("mardi"), "2026-11-24");
	assert_string_equal(date_of("mercredi"), "2026-11-25");
	assert_string_equal(date_of("jeudi"), "2026-11-26");
	assert_string_equal(date_of("samedi"), "2026-11-28");
	assert_string_equal(date_of("dimanche"), "2026-11-29");
	assert_string_equal(date_of("on Monday"), "2026-11-30");
	assert_string_equal(date_of("Tuesday"), "2026-11-24");
	assert_string_equal(date_of("Wednesday"), "2026-11-25");
	assert_string_equal(date_of("Thursday"), "2026-11-26");
	assert_string_equal(date_of("Saturday"), "2026-11-28");
	assert_string_equal(date_of("Sunday"), "2026-11-29");
}

static void
test_past_day_of_week(void **state)
{
	assert_string_equal(date_of("payé vendredi dernier"), "2026-11-20");
	assert_string_equal(date_of("paid last Friday"), "2026-11-20");
	assert_string_equal(date_of("paid last Monday"), "2026-11-16");
}

static void
test_day_of_week_with_a_date_takes_the_date(void **state)
{
	assert_string_equal(date_of("vendredi 15 janvier"), "2027-01-15");
	assert_string_equal(date_of("le lundi 7/12"), "2026-12-07");
	assert_string_equal(date_of("Friday, December 4"), "2026-12-04");
	assert_string_equal(date_of("Friday the 4th"), "2026-12-04");
	assert_string_equal(date_of("Friday the 4th of December"),
	                    "2026-12-04");
	assert_string_equal(date_of("vendredi 4"), "2026-12-04");
}

static void
test_span_of_weekdays_is_not_a_date(void **state)
{
	assert_string_equal(date_of("joignable du lundi au vendredi de 9h à "
	                            "17h"),
	                    "none");
	assert_string_equal(date_of("open Monday to Friday"), "none");
	assert_string_equal(
	    date_of("du lundi au vendredi ; paiement le 2 déc."), "2026-12-02");
}

/* ---- relative dates ---- */

static void
test_tomorrow_and_the_day_after(void **state)
{
	assert_string_equal(date_of("je paie demain"), "2026-11-24");
	assert_string_equal(date_of("tomorrow"), "2026-11-24");
	assert_string_equal(date_of("après-demain"), "2026-11-25");
	assert_string_equal(date_of("après demain"), "2026-11-25");
	assert_string_equal(date_of("the day after tomorrow"), "2026-11-25");
}

static void
test_next_week_is_its_monday(void **state)
{
	assert_string_equal(date_of("la semaine prochaine"), "2026-11-30");
	assert_string_equal(date_of("next week"), "2026-11-30");
	assert_string_equal(date_on("next week", (struct date){2026, 11, 29}),
	                    "2026-11-30");
	assert_string_equal(
	    date_on("semaine prochaine", (struct date){2026, 11, 27}),
	    "2026-11-30");
}

static void
test_end_of_month_is_its_last_day(void **state)
{
	static const char *const phrases[] = {"fin du mois",
	                                      "fin de mois",
	                                      "fin de ce mois",
	                                      "end of the month",
	                                      "end of month",
	                                      "by end of month",
	                                      "by the end of the month",
	                                      "end of this month",
	                                      NULL};

	for (int i = 0; phrases[i] != NULL; i++)
		assert_string_equal(date_of(phrases[i]), "2026-11-30");
}

static void
test_end_of_month_on_its_last_day_is_next_month(void **state)
{
	assert_string_equal(date_on("fin du mois", (struct date){2026, 11, 30}),
	                    "2026-12-31");
	assert_string_equal(date_on("fin du mois", (struct date){2026, 12, 31}),
	                    "2027-01-31");
	assert_string_equal(date_on("end of month", (struct date){2028, 2, 3}),
	                    "2028-02-29");
}

static void
test_end_of_next_month(void **state)
{
	assert_string_equal(date_of("fin du mois prochain"), "2026-12-31");
	assert_string_equal(date_of("end of next month"), "2026-12-31");
}

static void
test_end_of_week_is_friday(void **state)
{
	assert_string_equal(date_of("fin de semaine"), "2026-11-27");
	assert_string_equal(date_of("d'ici la fin de la semaine"),
	                    "2026-11-27");
	assert_string_equal(date_of("end of the week"), "2026-11-27");
	assert_string_equal(
	    date_on("end of the week", (struct date){2026, 11, 26}),
	    "2026-11-27");
	assert_string_equal(
	    date_on("fin de semaine", (struct date){2026, 11, 27}),
	    "2026-12-04");
	assert_string_equal(
	    date_on("fin de semaine", (struct date){2026, 11, 29}),
	    "2026-12-04");
	assert_string_equal(date_of("fin de la semaine prochaine"),
	                    "2026-12-04");
}

static void
test_early_next_month_is_the_fifth(void **state)
{
	assert_string_equal(date_of("début du mois prochain"), "2026-12-05");
	assert_string_equal(date_of("early next month"), "2026-12-05");
	assert_string_equal(date_of("beginning of next month"), "2026-12-05");
	assert_string_equal(
	    date_on("début du mois prochain", (struct date){2026, 12, 10}),
	    "2027-01-05");
}

static void
test_in_n_days(void **state)
{
	assert_string_equal(date_of("dans 10 jours"), "2026-12-03");
	assert_string_equal(date_of("in 10 days"), "2026-12-03");
	assert_string_equal(date_of("sous 15 jours"), "2026-12-08");
	assert_string_equal(date_of("within 30 days"), "2026-12-23");
	assert_string_equal(date_of("d'ici 10 jours"), "2026-12-03");
	assert_string_equal(date_of("d’ici 10 jours"), "2026-12-03");
	assert_string_equal(date_of("sous huitaine"), "2026-12-01");
	assert_string_equal(date_of("sous quinzaine"), "2026-12-08");
	assert_string_equal(date_of("dans deux jours"), "2026-11-25");
	assert_string_equal(date_of("dans 1 jour"), "2026-11-24");
}

static void
test_in_n_weeks(void **state)
{
	assert_string_equal(date_of("dans 2 semaines"), "2026-12-07");
	assert_string_equal(date_of("in a week"), "2026-11-30");
	assert_string_equal(date_of("in two weeks"), "2026-12-07");
}

static void
test_in_n_working_days_skips_weekends(void **state)
{
	assert_string_equal(date_of("dans 10 jours ouvrés"), "2026-12-07");
	assert_string_equal(date_of("within 5 business days"), "2026-11-30");
	assert_string_equal(
	    date_on("in 1 working day", (struct date){2026, 11, 27}),
	    "2026-11-30");
}

static void
test_counts_that_are_not_delays(void **state)
{
	assert_string_equal(date_of("dans 2026 jours"), "none");
	assert_string_equal(date_of("dans 0 jours"), "none");
	assert_string_equal(date_of("dans 400 jours"), "none");
	assert_string_equal(date_of("in a few days"), "none");
	assert_string_equal(date_of("in 2026"), "none");
}

/* ---- a day of the month alone ---- */

static void
test_day_of_month_alone_is_the_next_such_day(void **state)
{
	assert_string_equal(date_of("je vous règle le 15"), "2026-12-15");
	assert_string_equal(date_of("le 30 au plus tard"), "2026-11-30");
	assert_string_equal(date_of("le 23."), "2026-11-23");
	assert_string_equal(date_of("le 1er"), "2026-12-01");
	assert_string_equal(date_of("le 31"), "2026-12-31");
	assert_string_equal(date_of("on the 15th"), "2026-12-15");
	assert_string_equal(date_of("the 15"), "none");
}

static void
test_rank_or_count_is_not_a_day(void **state)
{
	assert_string_equal(date_of("suite au 1er rappel"), "none");
	assert_string_equal(date_of("Le 1er rappel est arrivé"), "none");
	assert_string_equal(date_of("the 2nd reminder"), "none");
	assert_string_equal(date_of("le 15 000 € restant"), "none");
	assert_string_equal(date_of("le 15 € restant"), "none");
	assert_string_equal(date_of("le 3 fois"), "none");
	assert_string_equal(date_of("le 20 %"), "none");
	assert_string_equal(date_of("le 15h"), "none");
}

/* ---- matching ---- */

static void
test_case_and_accents_do_not_matter(void **state)
{
	assert_string_equal(date_of("VENDREDI"), "2026-11-27");
	assert_string_equal(date_of("le 15 DÉCEMBRE"), "2026-12-15");
	assert_string_equal(date_of("le 15 DECEMBRE"), "2026-12-15");
	assert_string_equal(date_of("le 3 AOÛT"), "2027-08-03");
	assert_string_equal(date_of("FIN DU MOIS"), "2026-11-30");
	assert_string_equal(date_of("Apres-Demain"), "2026-11-25");
	assert_string_equal(date_of("fin\xc2\xa0"
	                            "du\xc2\xa0"
	                            "mois"),
	                    "2026-11-30");
}

static void
test_first_date_wins(void **state)
{
	assert_string_equal(date_of("Réglé le 15/12, ou vendredi"),
	                    "2026-12-15");
	assert_string_equal(date_of("vendredi, ou au plus tard le 15/12"),
	                    "2026-11-27");
}

static void
test_offset_and_length_are_in_the_original_text(void **state)
{
	check_span("Réglé après-demain, promis", "2026-11-25", "après-demain");
	check_span("Ça sera payé le 15 décembre.", "2026-12-15", "15 décembre");
	check_span("Éé: fin du mois", "2026-11-30", "fin du mois");
	check_span("We will pay on Dec. 15th, 2026!", "2026-12-15",
	           "Dec. 15th, 2026");
	check_span("je paie le 15 !", "2026-12-15", "le 15");
	check_span("lundi 7 décembre", "2026-12-07", "lundi 7 décembre");
}

static void
test_null_offset_pointers_are_allowed(void **state)
{
	struct date d;

	assert_int_equal(extract_date("demain", REF, &d, NULL, NULL), 0);
	assert_int_equal(d.day, 24);
}

static void
test_no_date_in_plain_text(void **state)
{
	assert_string_equal(date_of(""), "none");
	assert_string_equal(date_of("Bonjour, nous contestons la facture."),
	                    "none");
	assert_string_equal(date_of("We dispute this invoice."), "none");
	assert_string_equal(date_of("démonstration, lendemain, remainder"),
	                    "none");
}

static void
test_invalid_ref_gives_no_date(void **state)
{
	struct date d;

	assert_int_equal(extract_date("15/12/2026", DATE_NULL, &d, NULL, NULL),
	                 -1);
	assert_int_equal(
	    extract_date_after("until 15/12/2026",
	                       (const char *const[]){"until", NULL}, DATE_NULL,
	                       &d),
	    -1);
}

static void
test_dates_past_the_calendar_are_refused(void **state)
{
	assert_string_equal(date_on("demain", (struct date){9999, 12, 31}),
	                    "none");
	assert_string_equal(date_on("le 15/12", (struct date){9999, 12, 20}),
	                    "none");
}

/* ---- dates after a cue ---- */

static const char *const RETURN_CUES[] = {"de retour", "back on", "jusqu'au",
                                          "until", NULL};

static const char *
return_date(const char *text)
{
	static char out[11];
	struct date d = {1, 1, 1};

	if (extract_date_after(text, RETURN_CUES, REF, &d) < 0) {
		assert_int_equal(d.year, 1);
		return "none";
	}
	date_format(d, out);
	return out;
}

static void
test_return_date_after_a_french_cue(void **state)
{
	assert_string_equal(
	    return_date("Je suis absente jusqu'au 05/12 inclus. "
	                "Merci."),
	    "2026-12-05");
	assert_string_equal(return_date("Absent, de retour le 3 décembre."),
	                    "2026-12-03");
	assert_string_equal(return_date("Je serai de retour le lundi 7 "
	                                "décembre 2026."),
	                    "2026-12-07");
}

static void
test_return_date_after_an_english_cue(void **state)
{
	assert_string_equal(return_date("I am out of the office. Back on 7 "
	                                "December."),
	                    "2026-12-07");
	assert_string_equal(return_date("Out until Monday, with limited "
	                                "access."),
	                    "2026-11-30");
}

static void
test_date_before_the_cue_is_ignored(void **state)
{
	assert_string_equal(return_date("Depuis le 20/11, absent jusqu'au "
	                                "30/11."),
	                    "2026-11-30");
}

static void
test_date_in_a_later_sentence_is_ignored(void **state)
{
	assert_string_equal(return_date("De retour bientôt. Le 15/12 est "
	                                "férié."),
	                    "none");
	assert_string_equal(return_date("Absent until further notice!\n15/12"),
	                    "none");
	assert_string_equal(return_date("Absent jusqu'au\n\n15/12"), "none");
}

static void
test_date_may_follow_a_single_newline(void **state)
{
	assert_string_equal(return_date("Absent jusqu'au\n15/12"),
	                    "2026-12-15");
}

static void
test_abbreviations_do_not_end_the_sentence(void **state)
{
	assert_string_equal(return_date("de retour le lun. 7 déc."),
	                    "2026-12-07");
	assert_string_equal(return_date("back on Dec. 7"), "2026-12-07");
	assert_string_equal(return_date("jusqu'au 15 déc. 2027."),
	                    "2027-12-15");
}

static void
test_later_cue_is_tried_when_the_first_has_no_date(void **state)
{
	assert_string_equal(return_date("De retour bientôt. De retour le 3 "
	                                "décembre."),
	                    "2026-12-03");
}

static void
test_cue_must_start_a_word(void **state)
{
	assert_string_equal(return_date("Your feedback on 15/12 was noted."),
	                    "none");
	assert_string_equal(return_date("Thanks, back onsite 15/12."), "none");
}

static void
test_cue_matches_typographic_apostrophe_and_case(void **state)
{
	assert_string_equal(return_date("Absent JUSQU’AU 05/12"), "2026-12-05");
}

static void
test_no_cue_no_date(void **state)
{
	assert_string_equal(return_date("Je vous règle le 15/12."), "none");
	assert_string_equal(return_date(""), "none");
}

static void
test_empty_cue_is_ignored(void **state)
{
	struct date d;

	assert_int_equal(extract_date_after("le 15/12",
	                                    (const char *const[]){"", NULL},
	                                    REF, &d),
	                 -1);
}

/* ---- amounts ---- */

/* The amounts in TEXT, as "123456 300" (minor units), "" for none. */
static const char *
amounts(const char *text)
{
	static char out[256];
	int64_t v[EXTRACT_MAX_AMOUNTS];
	size_t n = extract_amounts(text, v, EXTRACT_MAX_AMOUNTS), used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used +=
		    (size_t)snprintf(out + used, sizeof(out) - used, "%s%lld",
		                     i ? " " : "", (long long)v[i]);
	return out;
}

static void
test_french_amounts(void **state)
{
	assert_string_equal(amounts("virement de 1 234,56 € effectué"),
	                    "123456");
	assert_string_equal(amounts("1.234,56 EUR"), "123456");
	assert_string_equal(amounts("1234,56 euros"), "123456");
	assert_string_equal(amounts("1\xc2\xa0"
	                            "234,56\xc2\xa0€"),
	                    "123456");
	assert_string_equal(amounts("1\xe2\x80\xaf"
	                            "234,56 €"),
	                    "123456");
	assert_string_equal(amounts("12,5 €"), "1250");
	assert_string_equal(amounts("1 234 567,89 EUR TTC"), "123456789");
}

static void
test_english_amounts(void **state)
{
	assert_string_equal(amounts("we sent €1,234.56 today"), "123456");
	assert_string_equal(amounts("EUR 1,234.56"), "123456");
	assert_string_equal(amounts("$1,234.56"), "123456");
	assert_string_equal(amounts("1234.56 EUR"), "123456");
	assert_string_equal(amounts("€ 250"), "25000");
}

static void
test_currency_code_glued_to_an_amount(void **state)
{
	assert_string_equal(amounts("EUR4872,00"), "487200");
	assert_string_equal(amounts(":32A:261124EUR4872,00"), "487200");
	assert_string_equal(amounts("USD1,234.56"), "123456");
	assert_string_equal(amounts("GBP250"), "25000");
	/* Not a code: lower case, or the end of a longer word. */
	assert_string_equal(amounts("eur4872"), "");
	assert_string_equal(amounts("FOURNISSEUR1234"), "");
	assert_string_equal(amounts("XEUR12"), "");
}

static void
test_integer_counts_only_with_a_currency(void **state)
{
	assert_string_equal(amounts("1234 €"), "123400");
	assert_string_equal(amounts("1 234 EUR"), "123400");
	assert_string_equal(amounts("500 euros"), "50000");
	assert_string_equal(amounts("100euros"), "10000");
	assert_string_equal(amounts("1 500 € HT"), "150000");
	assert_string_equal(amounts("1234"), "");
	assert_string_equal(amounts("2 factures"), "");
}

static void
test_two_decimals_count_without_a_currency(void **state)
{
	assert_string_equal(amounts("montant : 1234.56"), "123456");
	assert_string_equal(amounts("montant : 1 234,56."), "123456");
	assert_string_equal(amounts("soit 12,3"), "");
}

static void
test_percentages_are_not_amounts(void **state)
{
	assert_string_equal(amounts("remise de 10 %"), "");
	assert_string_equal(amounts("taux 10,50 %"), "");
	assert_string_equal(amounts("taux 10,50%"), "");
	assert_string_equal(amounts("12,50 pour cent"), "");
}

static void
test_dates_and_times_are_not_amounts(void **state)
{
	assert_string_equal(amounts("le 15/12/2026"), "");
	assert_string_equal(amounts("le 15.12.2026"), "");
	assert_string_equal(amounts("le 2026-12-15"), "");
	assert_string_equal(amounts("à 10:12"), "");
}

static void
test_phone_numbers_and_identifiers_are_not_amounts(void **state)
{
	assert_string_equal(amounts("01 23 45 67 89"), "");
	assert_string_equal(amounts("01.23.45.67.89"), "");
	assert_string_equal(amounts("facture F2026-0042"), "");
	assert_string_equal(amounts("dossier n°123,45"), "");
	assert_string_equal(amounts("version 1.2.3"), "");
	assert_string_equal(amounts("ratio 1,2345"), "");
}

static void
test_amounts_in_order(void **state)
{
	assert_string_equal(amounts("Le 15.12.2026 nous avons viré 1 234,56 € "
	                            "et 300 € le 20/12."),
	                    "123456 30000");
	assert_string_equal(amounts("Total 2 500,00 EUR TTC, soit 2 083,33 HT"),
	                    "250000 208333");
}

static void
test_amounts_stop_at_max(void **state)
{
	int64_t v[2] = {0, -1};

	assert_int_equal(extract_amounts("1,00 € 2,00 € 3,00 €", v, 1), 1);
	assert_int_equal(v[0], 100);
	assert_int_equal(v[1], -1);
	assert_int_equal(extract_amounts("1,00 €", v, 0), 0);
}

static void
test_long_hostile_input_stays_linear(void **state)
{
	/* Half a million bytes of near-dates, near-amounts and cues that
	 * never complete: quadratic work would take minutes. */
	static const char piece[] = "le 1er rappel, dans 3 ans, fin de, "
	                            "until 1/2/3 3,4 5 000 ";
	size_t n = 500000 / (sizeof(piece) - 1);
	char *text = malloc(n * (sizeof(piece) - 1) + 1);
	int64_t v[4];
	struct date d;

	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * (sizeof(piece) - 1), piece,
		       sizeof(piece) - 1);
	text[n * (sizeof(piece) - 1)] = '\0';
	assert_int_equal(extract_date(text, REF, &d, NULL, NULL), -1);
	assert_int_equal(extract_date_after(text, RETURN_CUES, REF, &d), -1);
	assert_int_equal(extract_amounts(text, v, 4), 0);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_numeric_dates_are_day_first),
	    cmocka_unit_test(test_dates_in_german_dutch_italian_spanish),
	    cmocka_unit_test(test_morning_words_are_no_dates),
	    cmocka_unit_test(test_weekday_then_day_of_month),
	    cmocka_unit_test(test_future_date_prefers_the_near_reading),
	    cmocka_unit_test(test_future_date_after_a_cue),
	    cmocka_unit_test(test_day_dash_month_abbreviation),
	    cmocka_unit_test(test_two_digit_year_is_this_century),
	    cmocka_unit_test(test_iso_and_dotted_and_dashed_dates),
	    cmocka_unit_test(
	        test_date_without_year_is_the_next_on_or_after_ref),
	    cmocka_unit_test(
	        test_29_february_without_year_waits_for_a_leap_year),
	    cmocka_unit_test(test_invalid_dates_are_skipped),
	    cmocka_unit_test(test_numbers_inside_identifiers_are_not_dates),
	    cmocka_unit_test(test_french_month_names),
	    cmocka_unit_test(
	        test_french_months_without_accents_and_abbreviated),
	    cmocka_unit_test(test_english_month_names_full_and_short),
	    cmocka_unit_test(test_day_month_with_year),
	    cmocka_unit_test(test_amount_after_a_date_is_not_its_year),
	    cmocka_unit_test(test_ordinal_suffixes),
	    cmocka_unit_test(test_may_the_verb_is_not_a_month),
	    cmocka_unit_test(test_month_and_year_alone_is_not_a_date),
	    cmocka_unit_test(test_part_of_a_named_month),
	    cmocka_unit_test(
	        test_day_of_week_is_the_next_one_strictly_after_ref),
	    cmocka_unit_test(test_past_day_of_week),
	    cmocka_unit_test(test_day_of_week_with_a_date_takes_the_date),
	    cmocka_unit_test(test_span_of_weekdays_is_not_a_date),
	    cmocka_unit_test(test_tomorrow_and_the_day_after),
	    cmocka_unit_test(test_next_week_is_its_monday),
	    cmocka_unit_test(test_end_of_month_is_its_last_day),
	    cmocka_unit_test(test_end_of_month_on_its_last_day_is_next_month),
	    cmocka_unit_test(test_end_of_next_month),
	    cmocka_unit_test(test_end_of_week_is_friday),
	    cmocka_unit_test(test_early_next_month_is_the_fifth),
	    cmocka_unit_test(test_in_n_days),
	    cmocka_unit_test(test_in_n_weeks),
	    cmocka_unit_test(test_in_n_working_days_skips_weekends),
	    cmocka_unit_test(test_counts_that_are_not_delays),
	    cmocka_unit_test(test_day_of_month_alone_is_the_next_such_day),
	    cmocka_unit_test(test_rank_or_count_is_not_a_day),
	    cmocka_unit_test(test_case_and_accents_do_not_matter),
	    cmocka_unit_test(test_first_date_wins),
	    cmocka_unit_test(test_offset_and_length_are_in_the_original_text),
	    cmocka_unit_test(test_null_offset_pointers_are_allowed),
	    cmocka_unit_test(test_no_date_in_plain_text),
	    cmocka_unit_test(test_invalid_ref_gives_no_date),
	    cmocka_unit_test(test_dates_past_the_calendar_are_refused),
	    cmocka_unit_test(test_return_date_after_a_french_cue),
	    cmocka_unit_test(test_return_date_after_an_english_cue),
	    cmocka_unit_test(test_date_before_the_cue_is_ignored),
	    cmocka_unit_test(test_date_in_a_later_sentence_is_ignored),
	    cmocka_unit_test(test_date_may_follow_a_single_newline),
	    cmocka_unit_test(test_abbreviations_do_not_end_the_sentence),
	    cmocka_unit_test(
	        test_later_cue_is_tried_when_the_first_has_no_date),
	    cmocka_unit_test(test_cue_must_start_a_word),
	    cmocka_unit_test(test_cue_matches_typographic_apostrophe_and_case),
	    cmocka_unit_test(test_no_cue_no_date),
	    cmocka_unit_test(test_empty_cue_is_ignored),
	    cmocka_unit_test(test_french_amounts),
	    cmocka_unit_test(test_english_amounts),
	    cmocka_unit_test(test_currency_code_glued_to_an_amount),
	    cmocka_unit_test(test_integer_counts_only_with_a_currency),
	    cmocka_unit_test(test_two_decimals_count_without_a_currency),
	    cmocka_unit_test(test_percentages_are_not_amounts),
	    cmocka_unit_test(test_dates_and_times_are_not_amounts),
	    cmocka_unit_test(
	        test_phone_numbers_and_identifiers_are_not_amounts),
	    cmocka_unit_test(test_amounts_in_order),
	    cmocka_unit_test(test_amounts_stop_at_max),
	    cmocka_unit_test(test_long_hostile_input_stays_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
