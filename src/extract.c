/*
 * extract.c -- facts in the words of a reply: dates, amounts.
 *
 * The text is folded once (lower case, no accents, typographic apostrophes,
 * no-break spaces and hyphens made ASCII), keeping for every folded byte
 * the offset of the original character it came from, so that a match in
 * the folded text is reported at its place in the original. Matchers are
 * tried at each word start, left to right; each reads a bounded number of
 * bytes (a gap between words is at most GAP_MAX bytes), so the work is
 * linear in the text.
 *
 * A number is read as a date or an amount only when it stands alone: not
 * inside an identifier ("F2026-0042"), not beside a '/', '-' or '.' that
 * carries on with more digits ("12/2026", "15/12-A", "01.23.45.67.89").
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "money.h"
#include "text.h"

#define GAP_MAX        8   /* bytes of blank between two words of a date */
#define MAX_DIGITS     6   /* digits read before a number is "too long" */
#define MAX_IN_DAYS    365 /* "dans N jours": N at most */
#define AMOUNT_CHARS   48  /* longest amount, "1 234 567 890 123,45" */
#define YEARLESS_TRIES 9   /* years to try for "29/02" without a year */
#define NEAR_DAYS      120 /* "near future" for a promised date */

/* The folded text, and where each of its bytes came from. */
struct ftext {
	const char *orig; /* the caller's text */
	const char *f;    /* folded, NUL-terminated */
	size_t n;         /* bytes in f */
	size_t *map;      /* n + 1 offsets into orig; map[n] is its length */
	struct buf fb;
	bool future; /* a date looked forward to: see near_reading */
};

/* A date found at [start, end) of the folded text. */
struct match {
	struct date d;
	size_t end;
};

enum found { FOUND_NONE, FOUND_DATE, FOUND_SKIP };

/* Length of the UTF-8 character at P (at most LEFT bytes); 1 when it is
 * not well formed. */
static size_t
char_len(const unsigned char *p, size_t left)
{
	size_t n = p[0] < 0xc0 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;

	if (p[0] >= 0xf8 || n > left)
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* The ASCII stand-in for a typographic character, or 0. */
static char
ascii_twin(const char *p, size_t n)
{
	static const struct {
		const char *utf8;
		char c;
	} twins[] = {
	    {"\xe2\x80\x99", '\''}, {"\xe2\x80\x98", '\''},
	    {"\xca\xbc", '\''},     {"\xc2\xa0", ' '},
	    {"\xe2\x80\xaf", ' '},  {"\xe2\x80\x89", ' '},
	    {"\xe2\x80\x90", '-'},  {"\xe2\x80\x91", '-'},
	};

	for (size_t i = 0; i < sizeof(twins) / sizeof(twins[0]); i++)
		if (strlen(twins[i].utf8) == n &&
		    memcmp(p, twins[i].utf8, n) == 0)
			return twins[i].c;
	return 0;
}

static void
ftext_free(struct ftext *t)
{
	buf_free(&t->fb);
	free(t->map);
}

/*
 * Fold TEXT into *T. Folding never lengthens the text (every two-byte
 * Latin letter folds to at most two bytes), so MAP is sized by TEXT.
 * Returns 0, or -1 on no memory (T is then freed).
 */
static int
ftext_init(struct ftext *t, const char *text)
{
	size_t len = strlen(text), i = 0;
	const unsigned char *p = (const unsigned char *)text;

	*t = (struct ftext){text, NULL, 0, NULL, BUF_INIT, false};
	if (len >= SIZE_MAX / sizeof(size_t))
		return -1;
	t->map = malloc((len + 1) * sizeof(size_t));
	if (t->map == NULL)
		return -1;
	while (i < len) {
		size_t k = char_len(p + i, len - i), before = t->fb.len;
		char c[5];

		if (k == 1 && p[i] >= 'A' && p[i] <= 'Z') {
			buf_putc(&t->fb, (char)(p[i] - 'A' + 'a'));
		} else if (k == 1) {
			buf_putc(&t->fb, (char)p[i]);
		} else if ((c[0] = ascii_twin(text + i, k)) != 0) {
			buf_putc(&t->fb, c[0]);
		} else {
			memcpy(c, text + i, k);
			c[k] = '\0';
			text_fold(c, &t->fb);
		}
		if (buf_failed(&t->fb) || t->fb.len > i + k)
			goto fail;
		for (size_t j = before; j < t->fb.len; j++)
			t->map[j] = i;
		i += k;
	}
	buf_putc(&t->fb, '\0'); /* makes data non-NULL even for "" */
	if (buf_failed(&t->fb))
		goto fail;
	t->n = t->fb.len - 1;
	t->f = t->fb.data;
	t->map[t->n] = len;
	return 0;
fail:
	ftext_free(t);
	return -1;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return c >= 'a' && c <= 'z';
}

/* A letter or digit of the folded text (which has no upper case). */
static bool
is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static bool
word_start(const struct ftext *t, size_t i)
{
	return i == 0 || !is_alnum(t->f[i - 1]);
}

/* Skip a gap of blanks (fewer than GAP_MAX, at most one newline) at I:
 * true and *J past it. */
static bool
gap(const struct ftext *t, size_t i, size_t *j)
{
	size_t k = i;
	int newlines = 0;

	while (k - i < GAP_MAX && (t->f[k] == ' ' || t->f[k] == '\t' ||
	                           t->f[k] == '\r' || t->f[k] == '\n')) {
		if (t->f[k] == '\n' && ++newlines > 1)
			return false;
		k++;
	}
	if (k == i || k - i == GAP_MAX)
		return false;
	*j = k;
	return true;
}

/* Skip blanks at I, if any (at most GAP_MAX). */
static size_t
opt_gap(const struct ftext *t, size_t i)
{
	size_t j;

	return gap(t, i, &j) ? j : i;
}

/*
 * Does PAT match at I? In PAT a ' ' is a gap and a '-' a hyphen or a gap;
 * a PAT ending in a letter or digit must end at a word's end. *END is set
 * past the match.
 */
static bool
phrase(const struct ftext *t, size_t i, const char *pat, size_t *end)
{
	size_t k = i, j;
	const char *p;

	for (p = pat; *p != '\0'; p++) {
		if (*p == ' ' || (*p == '-' && t->f[k] != '-')) {
			if (!gap(t, k, &j))
				return false;
			k = j;
		} else if (t->f[k] == *p) {
			k++;
		} else {
			return false;
		}
	}
	if (p > pat && is_alnum(p[-1]) && is_alnum(t->f[k]))
		return false;
	*end = k;
	return true;
}

/* Read the digits at I: their count (MAX_DIGITS when longer), *V, *END. */
static int
digits(const struct ftext *t, size_t i, int *v, size_t *end)
{
	int n = 0;

	*v = 0;
	while (is_digit(t->f[i])) {
		if (n == MAX_DIGITS) {
			while (is_digit(t->f[i]))
				i++;
			break;
		}
		*v = *v * 10 + (t->f[i] - '0');
		n++;
		i++;
	}
	*end = i;
	return n;
}

/* May a number start at I: not glued to a word, an identifier or "n°"? */
static bool
number_start_ok(const struct ftext *t, size_t i)
{
	unsigned char c;

	if (i == 0)
		return true;
	c = (unsigned char)t->f[i - 1];
	if (is_alnum((char)c) || c == '#' || c == '/' || c == '_' ||
	    c == 0xb0 || c == 0xba)
		return false;
	if ((c == '.' || c == ',' || c == ':' || c == '-') && i >= 2 &&
	    is_alnum(t->f[i - 2]))
		return false;
	return true;
}

/* May a number end at I: not glued to a word, and not carried on by a
 * separator and more of an identifier ("15/12-A", "15.12.2026")? */
static bool
number_end_ok(const struct ftext *t, size_t i)
{
	char c = t->f[i];

	if (is_alnum(c))
		return false;
	if ((c == '.' || c == ',' || c == ':') && is_digit(t->f[i + 1]))
		return false;
	if ((c == '-' || c == '/' || c == '_') && is_alnum(t->f[i + 1]))
		return false;
	return true;
}

/* Does a currency ("€", "$", "EUR") or a percent sign follow I, after
 * optional blanks? Then the number before is an amount or a rate, not a
 * day or a year. */
static bool
is_money_after(const struct ftext *t, size_t i)
{
	i = opt_gap(t, i);
	return t->f[i] == '%' || t->f[i] == '$' ||
	       strncmp(t->f + i, "\xe2\x82\xac", 3) == 0 ||
	       strncmp(t->f + i, "eur", 3) == 0;
}

/* ---- resolving what was read against REF ---- */

static struct date
last_day(int year, int month)
{
	struct date first = {year + month / 12, month % 12 + 1, 1};

	return date_add_days(first, -1);
}

/* The first day of the month K months after REF's. */
static struct date
month_after(struct date ref, int k)
{
	int m = ref.month - 1 + k;

	return (struct date){ref.year + m / 12, m % 12 + 1, 1};
}

/* The next DAY/MONTH on or after REF; false when there is no such day. */
static bool
yearless(int day, int month, struct date ref, struct date *out)
{
	if (!date_valid((struct date){2000, month, day}))
		return false;
	for (int i = 0; i < YEARLESS_TRIES; i++) {
		struct date d = {ref.year + i, month, day};

		if (date_valid(d) && date_cmp(d, ref) >= 0) {
			*out = d;
			return true;
		}
	}
	return false;
}

/* The next day numbered DAY on or after REF ("le 15"). */
static bool
day_of_month(int day, struct date ref, struct date *out)
{
	if (day < 1 || day > 31)
		return false;
	for (int k = 0; k <= 12; k++) {
		struct date m = month_after(ref, k);
		struct date d = {m.year, m.month, day};

		if (date_valid(d) && date_cmp(d, ref) >= 0) {
			*out = d;
			return true;
		}
	}
	return false;
}

/* The next weekday WD (0 Monday) strictly after REF, or strictly before
 * when PAST. */
static struct date
weekday_from(struct date ref, int wd, bool past)
{
	int ahead = (wd - date_weekday(ref) + 7) % 7;
	int back = (7 - ahead) % 7;

	if (past)
		return date_add_days(ref, back == 0 ? -7 : -back);
	return date_add_days(ref, ahead == 0 ? 7 : ahead);
}

/* REF plus N working days (Monday to Friday). */
static struct date
add_working_days(struct date ref, int n)
{
	struct date d = ref;

	while (n > 0) {
		d = date_add_days(d, 1);
		if (date_weekday(d) < 5)
			n--;
	}
	return d;
}

/* ---- words ---- */

#define FULL_MONTH_NAMES 60 /* then the abbreviations */

/* A month name, or an abbreviation and an optional '.', at I: 1..12 and
 * *END, or 0. */
static int
month_at(const struct ftext *t, size_t i, size_t *end)
{
	static const struct {
		const char *name;
		int month;
	} months[] = {
	    {"janvier", 1},
	    {"fevrier", 2},
	    {"mars", 3},
	    {"avril", 4},
	    {"mai", 5},
	    {"juin", 6},
	    {"juillet", 7},
	    {"aout", 8},
	    {"septembre", 9},
	    {"octobre", 10},
	    {"novembre", 11},
	    {"decembre", 12},
	    {"january", 1},
	    {"february", 2},
	    {"march", 3},
	    {"april", 4},
	    {"may", 5},
	    {"june", 6},
	    {"july", 7},
	    {"august", 8},
	    {"september", 9},
	    {"october", 10},
	    {"november", 11},
	    {"december", 12},
	    /* German, Dutch, Italian, Spanish: the names not already
	     * above ("april", "november", "mai" are shared). */
	    {"januar", 1},
	    {"janner", 1},
	    {"februar", 2},
	    {"marz", 3},
	    {"maerz", 3},
	    {"juni", 6},
	    {"juli", 7},
	    {"oktober", 10},
	    {"dezember", 12},
	    {"januari", 1},
	    {"februari", 2},
	    {"maart", 3},
	    {"mei", 5},
	    {"augustus", 8},
	    {"gennaio", 1},
	    {"febbraio", 2},
	    {"marzo", 3},
	    {"aprile", 4},
	    {"maggio", 5},
	    {"giugno", 6},
	    {"luglio", 7},
	    {"agosto", 8},
	    {"settembre", 9},
	    {"ottobre", 10},
	    {"dicembre", 12},
	    {"enero", 1},
	    {"febrero", 2},
	    {"abril", 4},
	    {"mayo", 5},
	    {"junio", 6},
	    {"julio", 7},
	    {"septiembre", 9},
	    {"setiembre", 9},
	    {"octubre", 10},
	    {"noviembre", 11},
	    {"diciembre", 12},
	    {"janv", 1},
	    {"fevr", 2},
	    {"fev", 2},
	    {"avr", 4},
	    {"juil", 7},
	    {"sept", 9},
	    {"jan", 1},
	    {"feb", 2},
	    {"mar", 3},
	    {"apr", 4},
	    {"jun", 6},
	    {"jul", 7},
	    {"aug", 8},
	    {"sep", 9},
	    {"oct", 10},
	    {"nov", 11},
	    {"dec", 12},
	};

	if (!word_start(t, i))
		return 0;
	for (size_t k = 0; k < sizeof(months) / sizeof(months[0]); k++) {
		if (phrase(t, i, months[k].name, end)) {
			if (k >= FULL_MONTH_NAMES && t->f[*end] == '.')
				(*end)++;
			return months[k].month;
		}
	}
	return 0;
}

/* A day of the week at I: 0 (Monday) .. 6 and *END, or -1. */
static int
weekday_at(const struct ftext *t, size_t i, size_t *end)
{
	/* French, English, German, Dutch, Italian, Spanish: seven each. */
	static const char *const names[] = {
	    "lundi",     "mardi",    "mercredi",   "jeudi",    "vendredi",
	    "samedi",    "dimanche", "monday",     "tuesday",  "wednesday",
	    "thursday",  "friday",   "saturday",   "sunday",   "montag",
	    "dienstag",  "mittwoch", "donnerstag", "freitag",  "samstag",
	    "sonntag",   "maandag",  "dinsdag",    "woensdag", "donderdag",
	    "vrijdag",   "zaterdag", "zondag",     "lunedi",   "martedi",
	    "mercoledi", "giovedi",  "venerdi",    "sabato",   "domenica",
	    "lunes",     "martes",   "miercoles",  "jueves",   "viernes",
	    "sabado",    "domingo"};

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (phrase(t, i, names[k], end))
			return (int)(k % 7);
	return -1;
}

/* A small number written as a word ("deux", "two") at I, or 0. */
static int
number_word_at(const struct ftext *t, size_t i, size_t *end)
{
	static const struct {
		const char *word;
		int n;
	} words[] = {
	    {"un", 1},       {"une", 1},     {"one", 1},     {"a", 1},
	    {"deux", 2},     {"two", 2},     {"trois", 3},   {"three", 3},
	    {"quatre", 4},   {"four", 4},    {"cinq", 5},    {"five", 5},
	    {"six", 6},      {"sept", 7},    {"seven", 7},   {"huit", 8},
	    {"eight", 8},    {"dix", 10},    {"ten", 10},    {"quinze", 15},
	    {"fifteen", 15}, {"trente", 30}, {"thirty", 30},
	};

	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (phrase(t, i, words[k].word, end))
			return words[k].n;
	return 0;
}

/* Skip an ordinal suffix ("1er", "15th") at I: true and *END, or false
 * and *END = I. */
static bool
ordinal(const struct ftext *t, size_t i, size_t *end)
{
	static const char *const suffixes[] = {"er", "st", "nd",
	                                       "rd", "th", NULL};

	*end = i;
	for (int k = 0; suffixes[k] != NULL; k++) {
		if (t->f[i] == suffixes[k][0] &&
		    t->f[i + 1] == suffixes[k][1] && !is_alnum(t->f[i + 2])) {
			*end = i + 2;
			return true;
		}
	}
	return false;
}

/* A day of the month (1..31, with an optional suffix) at I, alone as a
 * number: the day and *END, or 0. */
static int
day_at(const struct ftext *t, size_t i, bool need_suffix, size_t *end)
{
	int v, n;
	size_t j;

	if (!is_digit(t->f[i]) || !number_start_ok(t, i))
		return 0;
	n = digits(t, i, &v, &j);
	if (n < 1 || n > 2 || v < 1 || v > 31)
		return 0;
	if ((!ordinal(t, j, &j) && need_suffix) || !number_end_ok(t, j))
		return 0;
	*end = j;
	return v;
}

/* A four-digit year after a day and month, at I (", 2026", " 2026"):
 * the year and *END, or 0. */
static int
year_after(const struct ftext *t, size_t i, size_t *end)
{
	size_t j = i, k;
	int y;

	if (t->f[j] == ',')
		j++;
	if (!gap(t, j, &j) || digits(t, j, &y, &k) != 4 ||
	    !number_end_ok(t, k) || is_money_after(t, k))
		return 0;
	*end = k;
	return y;
}

/* ---- matchers: each tries one form of date at I ---- */

/* Does D fall within NEAR_DAYS days on or after REF? */
static bool
near_future(struct date d, struct date ref)
{
	long k = date_diff(d, ref);

	return k >= 0 && k <= NEAR_DAYS;
}

/*
 * A numeric date A/B read day first gave *D. In a date looked forward to
 * (T->future), when B/A is a valid date too, read month first, it is
 * taken instead if only it falls in the near future: "12/10" promised on
 * 23 November 2026 by an American is 10 December, not 12 October 2027;
 * "05/01" stays 5 January. YEAR is 0 for a date without one.
 */
static void
near_reading(const struct ftext *t, int a, int b, int year, struct date ref,
             struct date *d)
{
	struct date alt;

	if (!t->future || a == b || a > 12 || b > 12)
		return;
	if (year != 0)
		alt = (struct date){year, a, b};
	else if (!yearless(b, a, ref, &alt))
		return;
	if (date_valid(alt) && near_future(alt, ref) && !near_future(*d, ref))
		*d = alt;
}

/* "15/12/2026", "15/12/26", "15/12", "15.12.2026", "15-12-2026",
 * "2026-12-15". */
static enum found
match_numeric(const struct ftext *t, size_t i, struct date ref, struct match *m)
{
	int a, b, c, na, nb, nc;
	size_t j, k, l;
	char sep;
	struct date d;

	if (!number_start_ok(t, i))
		return FOUND_NONE;
	na = digits(t, i, &a, &j);
	sep = t->f[j];
	if (na == 4 && sep == '-') {
		nb = digits(t, j + 1, &b, &k);
		if (nb < 1 || nb > 2 || t->f[k] != '-')
			return FOUND_NONE;
		nc = digits(t, k + 1, &c, &l);
		d = (struct date){a, b, c};
		if (nc < 1 || nc > 2 || !number_end_ok(t, l) || !date_valid(d))
			return FOUND_NONE;
		m->d = d;
		m->end = l;
		return FOUND_DATE;
	}
	if (na < 1 || na > 2 || (sep != '/' && sep != '.' && sep != '-'))
		return FOUND_NONE;
	nb = digits(t, j + 1, &b, &k);
	if (nb < 1 || nb > 2)
		return FOUND_NONE;
	if (t->f[k] == sep && is_digit(t->f[k + 1])) {
		nc = digits(t, k + 1, &c, &l);
		if ((nc != 2 && nc != 4) || !number_end_ok(t, l))
			return FOUND_NONE;
		d = (struct date){nc == 2 ? 2000 + c : c, b, a};
		if (!date_valid(d))
			return FOUND_NONE;
		near_reading(t, a, b, d.year, ref, &d);
		m->d = d;
		m->end = l;
		return FOUND_DATE;
	}
	if (sep != '/' || !number_end_ok(t, k) || !yearless(a, b, ref, &m->d))
		return FOUND_NONE;
	near_reading(t, a, b, 0, ref, &m->d);
	m->end = k;
	return FOUND_DATE;
}

/* "04-Dec-2026", "4-dec-26", "04-Dec" (payment portals, ERPs). */
static enum found
match_dashed_month(const struct ftext *t, size_t i, struct date ref,
                   struct match *m)
{
	int day, month, year, n;
	size_t j, k, l;

	if (!number_start_ok(t, i) || (n = digits(t, i, &day, &j)) < 1 ||
	    n > 2 || t->f[j] != '-' || (month = month_at(t, j + 1, &k)) == 0)
		return FOUND_NONE;
	if (t->f[k] == '-' && is_digit(t->f[k + 1])) {
		n = digits(t, k + 1, &year, &l);
		if ((n != 2 && n != 4) || !number_end_ok(t, l))
			return FOUND_NONE;
		m->d = (struct date){n == 2 ? 2000 + year : year, month, day};
		m->end = l;
		return date_valid(m->d) ? FOUND_DATE : FOUND_NONE;
	}
	if (!number_end_ok(t, k) || !yearless(day, month, ref, &m->d))
		return FOUND_NONE;
	m->end = k;
	return FOUND_DATE;
}

/* DAY of MONTH, read up to J, then the year written after it, or the next
 * such day on or after REF. */
static enum found
with_year(const struct ftext *t, size_t j, int day, int month, struct date ref,
          struct match *m)
{
	int year = year_after(t, j, &m->end);

	if (year != 0) {
		m->d = (struct date){year, month, day};
		return date_valid(m->d) ? FOUND_DATE : FOUND_NONE;
	}
	m->end = j;
	return yearless(day, month, ref, &m->d) ? FOUND_DATE : FOUND_NONE;
}

/* "15 décembre", "1er déc. 2026", "15th December", "15th of Dec, 2026". */
static enum found
match_day_month(const struct ftext *t, size_t i, struct date ref,
                struct match *m)
{
	int day = day_at(t, i, false, &m->end), month;
	size_t j, k, l;

	if (day == 0)
		return FOUND_NONE;
	if (t->f[m->end] == '.' &&
	    (t->f[m->end + 1] == ' ' || t->f[m->end + 1] == '\n'))
		m->end++; /* German "15. Dezember" */
	if (!gap(t, m->end, &j))
		return FOUND_NONE;
	if ((phrase(t, j, "of", &k) || phrase(t, j, "de", &k)) && gap(t, k, &k))
		j = k;
	if ((month = month_at(t, j, &j)) == 0)
		return FOUND_NONE;
	/* "1 de diciembre de 2026" */
	if (phrase(t, opt_gap(t, j), "de", &k) && year_after(t, k, &l) != 0)
		return with_year(t, k, day, month, ref, m);
	return with_year(t, j, day, month, ref, m);
}

/* "December 15", "Dec. 15th, 2026". "May" only with a capital, as "may"
 * is also a verb. */
static enum found
match_month_day(const struct ftext *t, size_t i, struct date ref,
                struct match *m)
{
	size_t j;
	int month = month_at(t, i, &j), day;

	if (month == 0 || !gap(t, j, &j))
		return FOUND_NONE;
	if (month == 5 && t->f[i + 1] == 'a' && t->f[i + 2] == 'y' &&
	    t->orig[t->map[i]] != 'M')
		return FOUND_NONE;
	if ((day = day_at(t, j, false, &j)) == 0)
		return FOUND_NONE;
	return with_year(t, j, day, month, ref, m);
}

/* Is what follows a lone day number at I a noun that makes it a count or
 * a rank ("le 1er rappel", "the 2nd invoice", "le 15 000 €")? */
static bool
day_then_noun(const struct ftext *t, size_t i)
{
	static const char *const nouns[] = {
	    "rappel",   "relance",  "courrier",    "mail",      "e-mail",
	    "email",    "message",  "avis",        "versement", "paiement",
	    "acompte",  "echeance", "trimestre",   "semestre",  "facture",
	    "factures", "jour",     "jours",       "mois",      "an",
	    "ans",      "annee",    "annees",      "fois",      "heure",
	    "heures",   "h",        "reminder",    "notice",    "invoice",
	    "invoices", "payment",  "installment", "time",      "times",
	    "day",      "days",     "week",        "weeks",     "month",
	    "months",   "year",     "years",       "hour",      "hours",
	    "of",       "minutes",  "min",         NULL};
	size_t j, k;

	if (is_money_after(t, i))
		return true;
	if (!gap(t, i, &j))
		return false;
	if (is_digit(t->f[j]) || month_at(t, j, &k) != 0)
		return true;
	for (int n = 0; nouns[n] != NULL; n++)
		if (phrase(t, j, nouns[n], &k))
			return true;
	return false;
}

/* "le 15", "le 1er", "the 15th": the next such day of a month. */
static enum found
match_day_only(const struct ftext *t, size_t i, struct date ref,
               struct match *m)
{
	bool english;
	size_t j;
	int day;

	if (phrase(t, i, "le", &j))
		english = false;
	else if (phrase(t, i, "the", &j))
		english = true;
	else
		return FOUND_NONE;
	if (!gap(t, j, &j) || (day = day_at(t, j, english, &j)) == 0 ||
	    day_then_noun(t, j) || !day_of_month(day, ref, &m->d))
		return FOUND_NONE;
	m->end = j;
	return FOUND_DATE;
}

/* An explicit date right after a weekday: "vendredi 15/12", "Friday,
 * December 15", "vendredi 15 décembre", "vendredi 15". */
static enum found
match_after_weekday(const struct ftext *t, size_t i, struct date ref,
                    struct match *m)
{
	size_t j = i;
	int day;

	if (t->f[j] == ',')
		j++;
	if (!gap(t, j, &j))
		return FOUND_NONE;
	/* "Friday the 27th", Québec's "vendredi le 27", "Freitag, den 27." */
	if ((phrase(t, j, "the", &i) || phrase(t, j, "le", &i) ||
	     phrase(t, j, "den", &i) || phrase(t, j, "il", &i) ||
	     phrase(t, j, "el", &i)) &&
	    gap(t, i, &i))
		j = i;
	if (is_alpha(t->f[j]))
		return match_month_day(t, j, ref, m);
	if (match_numeric(t, j, ref, m) == FOUND_DATE ||
	    match_day_month(t, j, ref, m) == FOUND_DATE)
		return FOUND_DATE;
	if ((day = day_at(t, j, false, &j)) == 0 || day_then_noun(t, j) ||
	    !day_of_month(day, ref, &m->d))
		return FOUND_NONE;
	m->end = j;
	return FOUND_DATE;
}

/* "vendredi", "vendredi prochain", "vendredi dernier", "Friday", "last
 * Friday"; "du lundi au vendredi" is a span of opening days, skipped. */
static enum found
match_weekday(const struct ftext *t, size_t i, struct date ref, struct match *m)
{
	static const char *const spans[] = {"au", "a",  "to",  "through",
	                                    "-",  "et", "and", NULL};
	bool past = false;
	size_t j, k, l;
	int wd;

	if (phrase(t, i, "last", &j) && gap(t, j, &j) &&
	    (wd = weekday_at(t, j, &j)) >= 0)
		past = true;
	else if ((wd = weekday_at(t, i, &j)) < 0)
		return FOUND_NONE;
	for (int s = 0; !past && spans[s] != NULL; s++) {
		if (phrase(t, opt_gap(t, j), spans[s], &k) &&
		    weekday_at(t, opt_gap(t, k), &l) >= 0) {
			m->end = l;
			return FOUND_SKIP;
		}
	}
	if (!past && match_after_weekday(t, j, ref, m) == FOUND_DATE)
		return FOUND_DATE;
	if (gap(t, j, &k) &&
	    (phrase(t, k, "dernier", &l) || phrase(t, k, "passe", &l))) {
		past = true;
		j = l;
	} else if (gap(t, j, &k) && phrase(t, k, "prochain", &l)) {
		j = l;
	}
	m->d = weekday_from(ref, wd, past);
	m->end = j;
	return FOUND_DATE;
}

enum relative {
	REL_DAYS,             /* REF + arg */
	REL_NEXT_WEEK,        /* Monday of next week */
	REL_END_WEEK,         /* Friday of this week (next when Fri..Sun) */
	REL_END_NEXT_WEEK,    /* Friday of next week */
	REL_END_MONTH,        /* last day of the month */
	REL_END_NEXT_MONTH,   /* last day of next month */
	REL_NEXT_MONTH_START, /* the 5th of next month */
};

static struct date
resolve(enum relative kind, int arg, struct date ref)
{
	int wd = date_weekday(ref);
	struct date d;

	switch (kind) {
	case REL_DAYS:
		return date_add_days(ref, arg);
	case REL_NEXT_WEEK:
		return date_add_days(ref, 7 - wd);
	case REL_END_WEEK:
		return date_add_days(ref, wd <= 3 ? 4 - wd : 11 - wd);
	case REL_END_NEXT_WEEK:
		return date_add_days(ref, 11 - wd);
	case REL_END_MONTH:
		d = last_day(ref.year, ref.month);
		if (date_cmp(d, ref) == 0)
			d = last_day(d.year, d.month + 1);
		return d;
	case REL_END_NEXT_MONTH:
		d = month_after(ref, 1);
		return last_day(d.year, d.month);
	case REL_NEXT_MONTH_START:
		d = month_after(ref, 1);
		d.day = 5;
		return d;
	}
	return DATE_NULL;
}

/* "demain", "la semaine prochaine", "fin du mois", "end of the week"... */
static enum found
match_relative(const struct ftext *t, size_t i, struct date ref,
               struct match *m)
{
	static const struct {
		const char *pat;
		enum relative kind;
		int arg;
	} phrases[] = {
	    {"apres-demain", REL_DAYS, 2},
	    {"the day after tomorrow", REL_DAYS, 2},
	    {"day after tomorrow", REL_DAYS, 2},
	    {"demain", REL_DAYS, 1},
	    {"tomorrow", REL_DAYS, 1},
	    {"sous huitaine", REL_DAYS, 8},
	    {"sous quinzaine", REL_DAYS, 15},
	    {"la semaine prochaine", REL_NEXT_WEEK, 0},
	    {"semaine prochaine", REL_NEXT_WEEK, 0},
	    {"next week", REL_NEXT_WEEK, 0},
	    {"fin de la semaine prochaine", REL_END_NEXT_WEEK, 0},
	    {"fin de semaine prochaine", REL_END_NEXT_WEEK, 0},
	    {"by the end of next week", REL_END_NEXT_WEEK, 0},
	    {"by end of next week", REL_END_NEXT_WEEK, 0},
	    {"end of next week", REL_END_NEXT_WEEK, 0},
	    {"fin de semaine", REL_END_WEEK, 0},
	    {"fin de la semaine", REL_END_WEEK, 0},
	    {"fin de cette semaine", REL_END_WEEK, 0},
	    {"by the end of the week", REL_END_WEEK, 0},
	    {"by the end of this week", REL_END_WEEK, 0},
	    {"by end of the week", REL_END_WEEK, 0},
	    {"by end of week", REL_END_WEEK, 0},
	    {"end of the week", REL_END_WEEK, 0},
	    {"end of this week", REL_END_WEEK, 0},
	    {"end of week", REL_END_WEEK, 0},
	    {"fin du mois prochain", REL_END_NEXT_MONTH, 0},
	    {"fin de mois prochain", REL_END_NEXT_MONTH, 0},
	    {"by the end of next month", REL_END_NEXT_MONTH, 0},
	    {"by end of next month", REL_END_NEXT_MONTH, 0},
	    {"end of next month", REL_END_NEXT_MONTH, 0},
	    {"fin du mois", REL_END_MONTH, 0},
	    {"fin de mois", REL_END_MONTH, 0},
	    {"fin de ce mois", REL_END_MONTH, 0},
	    {"by the end of the month", REL_END_MONTH, 0},
	    {"by the end of this month", REL_END_MONTH, 0},
	    {"by the end of month", REL_END_MONTH, 0},
	    {"by end of the month", REL_END_MONTH, 0},
	    {"by end of month", REL_END_MONTH, 0},
	    {"end of the month", REL_END_MONTH, 0},
	    {"end of this month", REL_END_MONTH, 0},
	    {"end of month", REL_END_MONTH, 0},
	    {"debut du mois prochain", REL_NEXT_MONTH_START, 0},
	    {"debut de mois prochain", REL_NEXT_MONTH_START, 0},
	    {"early next month", REL_NEXT_MONTH_START, 0},
	    {"beginning of next month", REL_NEXT_MONTH_START, 0},
	    {"start of next month", REL_NEXT_MONTH_START, 0},
	    /* German, Dutch, Italian, Spanish ("morgen", "mañana" are
	     * also "morning": left out). */
	    {"nachste woche", REL_NEXT_WEEK, 0},
	    {"naechste woche", REL_NEXT_WEEK, 0},
	    {"kommende woche", REL_NEXT_WEEK, 0},
	    {"ende nachster woche", REL_END_NEXT_WEEK, 0},
	    {"ende der woche", REL_END_WEEK, 0},
	    {"ende dieser woche", REL_END_WEEK, 0},
	    {"ende nachsten monats", REL_END_NEXT_MONTH, 0},
	    {"ende des monats", REL_END_MONTH, 0},
	    {"ende dieses monats", REL_END_MONTH, 0},
	    {"monatsende", REL_END_MONTH, 0},
	    {"volgende week", REL_NEXT_WEEK, 0},
	    {"komende week", REL_NEXT_WEEK, 0},
	    {"eind volgende week", REL_END_NEXT_WEEK, 0},
	    {"eind van de week", REL_END_WEEK, 0},
	    {"eind deze week", REL_END_WEEK, 0},
	    {"eind volgende maand", REL_END_NEXT_MONTH, 0},
	    {"eind van de maand", REL_END_MONTH, 0},
	    {"einde van de maand", REL_END_MONTH, 0},
	    {"eind van deze maand", REL_END_MONTH, 0},
	    {"eind deze maand", REL_END_MONTH, 0},
	    {"einde maand", REL_END_MONTH, 0},
	    {"eind maand", REL_END_MONTH, 0},
	    {"dopodomani", REL_DAYS, 2},
	    {"domani", REL_DAYS, 1},
	    {"la prossima settimana", REL_NEXT_WEEK, 0},
	    {"prossima settimana", REL_NEXT_WEEK, 0},
	    {"settimana prossima", REL_NEXT_WEEK, 0},
	    {"fine del mese prossimo", REL_END_NEXT_MONTH, 0},
	    {"fine mese prossimo", REL_END_NEXT_MONTH, 0},
	    {"fine del mese", REL_END_MONTH, 0},
	    {"fine mese", REL_END_MONTH, 0},
	    {"pasado manana", REL_DAYS, 2},
	    {"la proxima semana", REL_NEXT_WEEK, 0},
	    {"proxima semana", REL_NEXT_WEEK, 0},
	    {"la semana que viene", REL_NEXT_WEEK, 0},
	    {"semana que viene", REL_NEXT_WEEK, 0},
	    {"la semana proxima", REL_NEXT_WEEK, 0},
	    {"fin del mes que viene", REL_END_NEXT_MONTH, 0},
	    {"finales del mes que viene", REL_END_NEXT_MONTH, 0},
	    {"fin de mes", REL_END_MONTH, 0},
	    {"fin del mes", REL_END_MONTH, 0},
	    {"finales de mes", REL_END_MONTH, 0},
	    {"final de mes", REL_END_MONTH, 0},
	};

	for (size_t k = 0; k < sizeof(phrases) / sizeof(phrases[0]); k++) {
		if (phrase(t, i, phrases[k].pat, &m->end)) {
			m->d = resolve(phrases[k].kind, phrases[k].arg, ref);
			return FOUND_DATE;
		}
	}
	return FOUND_NONE;
}

/* "dans 10 jours", "sous 8 jours", "d'ici 15 jours", "in 10 days",
 * "within 2 weeks", "dans 5 jours ouvrés", "in 5 business days". */
static enum found
match_in_days(const struct ftext *t, size_t i, struct date ref, struct match *m)
{
	static const char *const leads[] = {
	    "dans",          "sous",  "d'ici", "in",        "within", "binnen",
	    "innerhalb von", "entro", "en",    "dentro de", NULL};
	static const char *const working[] = {"ouvres", "ouvre", "ouvrables",
	                                      "ouvrable", NULL};
	size_t j = i, k;
	int n, mult, l;
	bool business = false;

	for (l = 0; leads[l] != NULL; l++)
		if (phrase(t, i, leads[l], &j) && gap(t, j, &j))
			break;
	if (leads[l] == NULL)
		return FOUND_NONE;
	if (is_digit(t->f[j])) {
		if (digits(t, j, &n, &j) > 3)
			return FOUND_NONE;
	} else if ((n = number_word_at(t, j, &j)) == 0) {
		return FOUND_NONE;
	}
	if (n < 1 || !gap(t, j, &j))
		return FOUND_NONE;
	if ((phrase(t, j, "business", &k) || phrase(t, j, "working", &k)) &&
	    gap(t, k, &k))
		business = true, j = k;
	if (phrase(t, j, "jours", &k) || phrase(t, j, "jour", &k) ||
	    phrase(t, j, "days", &k) || phrase(t, j, "day", &k) ||
	    phrase(t, j, "tagen", &k) || phrase(t, j, "tage", &k) ||
	    phrase(t, j, "dagen", &k) || phrase(t, j, "giorni", &k) ||
	    phrase(t, j, "dias", &k))
		mult = 1;
	else if (!business &&
	         (phrase(t, j, "semaines", &k) || phrase(t, j, "semaine", &k) ||
	          phrase(t, j, "weeks", &k) || phrase(t, j, "week", &k) ||
	          phrase(t, j, "wochen", &k) || phrase(t, j, "weken", &k) ||
	          phrase(t, j, "settimane", &k) || phrase(t, j, "semanas", &k)))
		mult = 7;
	else
		return FOUND_NONE;
	j = k;
	for (int w = 0; !business && mult == 1 && working[w] != NULL; w++)
		if (gap(t, j, &k) && phrase(t, k, working[w], &k))
			business = true, j = k;
	if (n * mult > MAX_IN_DAYS)
		return FOUND_NONE;
	m->d =
	    business ? add_working_days(ref, n) : date_add_days(ref, n * mult);
	m->end = j;
	return FOUND_DATE;
}

/* Day DAY (0 for the last) of MONTH in YEAR, or when YEAR is 0 the next
 * such day on or after REF. */
static bool
month_part_date(int day, int month, int year, struct date ref, struct date *out)
{
	if (year != 0) {
		*out = day == 0 ? last_day(year, month)
		                : (struct date){year, month, day};
		return date_valid(*out);
	}
	if (day != 0)
		return yearless(day, month, ref, out);
	*out = last_day(ref.year, month);
	if (date_cmp(*out, ref) < 0)
		*out = last_day(ref.year + 1, month);
	return true;
}

/* "fin décembre", "début janvier", "mi-mars", "end of December", "early
 * January", "mid-March": the last day, the 5th, the 15th of the month. */
static enum found
match_month_part(const struct ftext *t, size_t i, struct date ref,
                 struct match *m)
{
	static const struct {
		const char *pat;
		int day; /* 0 for the last */
	} parts[] = {
	    {"fin", 0},          {"by the end of", 0}, {"by end of", 0},
	    {"end of", 0},       {"debut", 5},         {"early", 5},
	    {"beginning of", 5}, {"mi", 15},           {"mid", 15},
	};
	size_t j, k;
	int month, year;

	for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
		if (!phrase(t, i, parts[p].pat, &j))
			continue;
		if (t->f[j] == '-')
			j++;
		else if (!gap(t, j, &j))
			continue;
		if ((month = month_at(t, j, &j)) == 0)
			continue;
		if ((year = year_after(t, j, &k)) != 0)
			j = k;
		m->end = j;
		return month_part_date(parts[p].day, month, year, ref, &m->d)
		           ? FOUND_DATE
		           : FOUND_NONE;
	}
	return FOUND_NONE;
}

/* Try every form of date at I, the word start. */
static enum found
match_at(const struct ftext *t, size_t i, struct date ref, struct match *m)
{
	static enum found (*const words[])(const struct ftext *, size_t,
	                                   struct date,
	                                   struct match *) = {match_relative,
	                                                      match_in_days,
	                                                      match_month_part,
	                                                      match_weekday,
	                                                      match_month_day,
	                                                      match_day_only,
	                                                      NULL};
	enum found r;

	if (is_digit(t->f[i])) {
		if (match_numeric(t, i, ref, m) == FOUND_DATE ||
		    match_dashed_month(t, i, ref, m) == FOUND_DATE)
			return FOUND_DATE;
		return match_day_month(t, i, ref, m);
	}
	if (!is_alpha(t->f[i]))
		return FOUND_NONE;
	for (int k = 0; words[k] != NULL; k++)
		if ((r = words[k](t, i, ref, m)) != FOUND_NONE)
			return r;
	return FOUND_NONE;
}

/* The first date that starts in [FROM, TO): true, *M and *AT. */
static bool
scan(const struct ftext *t, size_t from, size_t to, struct date ref,
     struct match *m, size_t *at)
{
	for (size_t i = from; i < to; i++) {
		if (!word_start(t, i))
			continue;
		switch (match_at(t, i, ref, m)) {
		case FOUND_DATE:
			if (!date_valid(m->d))
				continue;
			*at = i;
			return true;
		case FOUND_SKIP:
			i = m->end - 1;
			continue;
		case FOUND_NONE:
			continue;
		}
	}
	return false;
}

/* extract_date, for a date looked forward to when FUTURE. */
static int
first_date(const char *text, struct date ref, bool future, struct date *out,
           size_t *at, size_t *len)
{
	struct ftext t;
	struct match m;
	size_t i;
	int rc = -1;

	if (!date_valid(ref) || ftext_init(&t, text) < 0)
		return -1;
	t.future = future;
	if (scan(&t, 0, t.n, ref, &m, &i)) {
		*out = m.d;
		if (at != NULL)
			*at = t.map[i];
		if (len != NULL)
			*len = t.map[m.end] - t.map[i];
		rc = 0;
	}
	ftext_free(&t);
	return rc;
}

/* Is the word that ends at I (before a '.') an abbreviation ("déc.",
 * "lun.", "M.") rather than the end of a sentence? */
static bool
abbreviation_before(const struct ftext *t, size_t i)
{
	static const char *const abbrevs[] = {
	    "jan", "janv", "feb",   "fev", "fevr", "mar", "apr", "avr",  "jun",
	    "jul", "juil", "aug",   "sep", "sept", "oct", "nov", "dec",  "lun",
	    "mer", "jeu",  "ven",   "sam", "dim",  "mon", "tue", "tues", "wed",
	    "thu", "thur", "thurs", "fri", "sat",  "sun", "m",   "mr",   "mme",
	    "dr",  "st",   "env",   "no",  NULL};
	size_t s = i, e;

	while (s > 0 && is_alpha(t->f[s - 1]) && i - s < 8)
		s--;
	if (s == i || (s > 0 && is_alnum(t->f[s - 1])))
		return false;
	for (int k = 0; abbrevs[k] != NULL; k++)
		if (phrase(t, s, abbrevs[k], &e) && e == i)
			return true;
	return false;
}

/* Where the sentence that holds I ends: at '.', '!' or '?' before a blank
 * or the end, or at a blank line. */
static size_t
sentence_end(const struct ftext *t, size_t i)
{
	for (; i < t->n; i++) {
		char c = t->f[i], d = t->f[i + 1];

		if ((c == '!' || c == '?') &&
		    (d == '\0' || d == ' ' || d == '\t' || d == '\r' ||
		     d == '\n'))
			return i;
		if (c == '.' &&
		    (d == '\0' || d == ' ' || d == '\t' || d == '\r' ||
		     d == '\n') &&
		    !abbreviation_before(t, i))
			return i;
		if (c == '\n') {
			size_t j = i + 1;

			while (t->f[j] == ' ' || t->f[j] == '\t' ||
			       t->f[j] == '\r')
				j++;
			if (t->f[j] == '\n')
				return i;
		}
	}
	return t->n;
}

/* A cue at I: true and *END past it. */
static bool
cue_at(const struct ftext *t, size_t i, const char *const *cues, size_t *end)
{
	for (int k = 0; cues[k] != NULL; k++)
		if (cues[k][0] != '\0' && phrase(t, i, cues[k], end))
			return true;
	return false;
}

int
extract_date(const char *text, struct date ref, struct date *out, size_t *at,
             size_t *len)
{
	return first_date(text, ref, false, out, at, len);
}

int
extract_date_future(const char *text, struct date ref, struct date *out,
                    size_t *at, size_t *len)
{
	return first_date(text, ref, true, out, at, len);
}

/* extract_date_after, for a date looked forward to when FUTURE. */
static int
date_after(const char *text, const char *const *cues, struct date ref,
           bool future, struct date *out)
{
	struct ftext t;
	struct match m;
	size_t done = 0, end, stop, at;
	int rc = -1;

	if (!date_valid(ref) || ftext_init(&t, text) < 0)
		return -1;
	t.future = future;
	for (size_t i = 0; i < t.n && rc < 0; i++) {
		if (!word_start(&t, i) || !cue_at(&t, i, cues, &end) ||
		    end <= done)
			continue;
		/* A sentence already scanned from an earlier cue has no date
		 * after this one either. */
		stop = sentence_end(&t, end);
		if (scan(&t, end, stop, ref, &m, &at)) {
			*out = m.d;
			rc = 0;
		}
		done = stop;
	}
	ftext_free(&t);
	return rc;
}

int
extract_date_after(const char *text, const char *const *cues, struct date ref,
                   struct date *out)
{
	return date_after(text, cues, ref, false, out);
}

int
extract_date_after_future(const char *text, const char *const *cues,
                          struct date ref, struct date *out)
{
	return date_after(text, cues, ref, true, out);
}

/* ---- amounts ---- */

/* Does a currency sign or word follow I (after at most two blanks)? */
static bool
currency_after(const struct ftext *t, size_t i)
{
	static const char *const words[] = {"euros", "euro", "eur",     "usd",
	                                    "gbp",   "chf",  "dollars", "ht",
	                                    "ttc",   NULL};
	size_t e;

	for (int k = 0; k < 2 && (t->f[i] == ' ' || t->f[i] == '\t'); k++)
		i++;
	if (strncmp(t->f + i, "\xe2\x82\xac", 3) == 0 || t->f[i] == '$' ||
	    strncmp(t->f + i, "\xc2\xa3", 2) == 0)
		return true;
	for (int k = 0; words[k] != NULL; k++)
		if (phrase(t, i, words[k], &e))
			return true;
	return false;
}

/* Does a currency sign or word end just before I (at most two blanks)? */
static bool
currency_before(const struct ftext *t, size_t i)
{
	static const char *const words[] = {"eur", "usd", "gbp", "chf", NULL};
	size_t e;

	for (int k = 0;
	     k < 2 && i > 0 && (t->f[i - 1] == ' ' || t->f[i - 1] == '\t'); k++)
		i--;
	if ((i >= 3 && strncmp(t->f + i - 3, "\xe2\x82\xac", 3) == 0) ||
	    (i >= 1 && t->f[i - 1] == '$') ||
	    (i >= 2 && strncmp(t->f + i - 2, "\xc2\xa3", 2) == 0))
		return true;
	for (int k = 0; words[k] != NULL; k++) {
		size_t n = strlen(words[k]);

		if (i >= n && word_start(t, i - n) &&
		    phrase(t, i - n, words[k], &e) && e == i)
			return true;
	}
	return false;
}

/* Is there a percent sign or word after I? */
static bool
percent_after(const struct ftext *t, size_t i)
{
	size_t e;

	i = opt_gap(t, i);
	return t->f[i] == '%' || phrase(t, i, "pour cent", &e) ||
	       phrase(t, i, "percent", &e);
}

/*
 * Read the number at I: "1 234,56", "1.234,56", "1,234.56", "1234.56",
 * "1234". Thousands are grouped only after one to three digits, by one
 * kind of mark; the decimal mark is the other one. Sets *END, *DECIMALS
 * and copies the number into S. Returns 0, or -1 when it is no number.
 */
static int
read_number(const struct ftext *t, size_t i, size_t *end, int *decimals,
            char *s, size_t size)
{
	size_t j = i, lead;
	char group = 0, c;
	int v, nd;

	while (is_digit(t->f[j]))
		j++;
	lead = j - i;
	while (lead <= 3 && lead > 0) {
		c = t->f[j];
		if ((c != ' ' && c != '.' && c != ',' && c != '\'') ||
		    (group != 0 && c != group) ||
		    digits(t, j + 1, &v, &*end) != 3)
			break;
		group = c;
		j = *end;
	}
	*decimals = 0;
	c = t->f[j];
	if ((c == '.' || c == ',') && c != group && is_digit(t->f[j + 1])) {
		nd = digits(t, j + 1, &v, end);
		if (nd > 2) {
			*end = j + 1 + (size_t)nd;
			return -1;
		}
		*decimals = nd;
		j = *end;
	}
	*end = j;
	if (j - i >= size)
		return -1;
	memcpy(s, t->f + i, j - i);
	s[j - i] = '\0';
	return 0;
}

/* Does an ISO currency code written in capitals end just before I, glued
 * to the number as banks and SWIFT fields write it ("EUR4872,00",
 * ":32A:261124EUR4872,00"), and not the end of a word ("fournisseur12")? */
static bool
code_glued_before(const struct ftext *t, size_t i)
{
	static const char *const codes[] = {"EUR", "USD", "GBP", "CHF", NULL};

	if (i < 3 || (i > 3 && is_alpha(t->f[i - 4])))
		return false;
	for (int k = 0; codes[k] != NULL; k++) {
		size_t n = 0;

		while (n < 3 && t->map[i - 3 + n] < t->map[t->n] &&
		       t->orig[t->map[i - 3 + n]] == codes[k][n])
			n++;
		if (n == 3)
			return true;
	}
	return false;
}

size_t
extract_amounts(const char *text, int64_t *out, size_t max)
{
	struct ftext t;
	char s[AMOUNT_CHARS];
	size_t count = 0, i = 0, end;
	int decimals;
	int64_t v;

	if (max == 0 || ftext_init(&t, text) < 0)
		return 0;
	while (i < t.n && count < max) {
		bool glued;

		if (!is_digit(t.f[i])) {
			i++;
			continue;
		}
		glued = code_glued_before(&t, i);
		if (!glued && !number_start_ok(&t, i)) {
			i++;
			continue;
		}
		if (read_number(&t, i, &end, &decimals, s, sizeof(s)) == 0 &&
		    !percent_after(&t, end) &&
		    (glued || currency_after(&t, end) ||
		     currency_before(&t, i) || decimals == 2) &&
		    (number_end_ok(&t, end) || currency_after(&t, end)) &&
		    money_parse(s, 2, &v) == 0)
			out[count++] = v;
		while (end < t.n && is_digit(t.f[end]))
			end++;
		i = end > i ? end : i + 1;
	}
	ftext_free(&t);
	return count;
}
