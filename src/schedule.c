/*
 * schedule.c -- which dunning step is due for an invoice, and when.
 *
 * Pure: no I/O, no clock. The caller passes "today" and the policy, so every
 * rule here is testable with fixed dates (tests/test_schedule.c). The rules
 * and their order are listed in schedule.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "money.h"
#include "schedule.h"

static const char *const reason_names[SCHEDULE_REASON_COUNT] = {
    "due",           "paused",       "gap-step",  "gap-reply",
    "not-yet",       "sent-today",   "day-off",   "paid",
    "disputed",      "closed",       "cancelled", "nothing-due",
    "below-minimum", "no-step-left", "bad-date",  "no-profile",
};

/* The history kinds that are the customer speaking to us. */
static const char *const reply_kinds[] = {"reply", "promise", "dispute",
                                          "remittance"};

const char *
schedule_reason_name(enum schedule_reason r)
{
	if ((int)r < 0 || r >= SCHEDULE_REASON_COUNT)
		return "?";
	return reason_names[r];
}

/* Fill *OUT and return its result; WHY is printf-like. */
static enum schedule_result
decide(struct schedule_decision *out, enum schedule_result result,
       enum schedule_reason reason, const struct policy_step *step,
       struct date when, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static enum schedule_result
decide(struct schedule_decision *out, enum schedule_result result,
       enum schedule_reason reason, const struct policy_step *step,
       struct date when, const char *fmt, ...)
{
	va_list ap;

	out->result = result;
	out->reason = reason;
	out->step = step;
	out->when = when;
	out->channel = step != NULL ? step->channel : POLICY_CHANNEL_EMAIL;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
	return result;
}

static bool
has_event(const struct invoice *inv, const char *kind)
{
	for (size_t i = 0; i < inv->nevents; i++)
		if (inv->events[i].kind != NULL &&
		    strcmp(inv->events[i].kind, kind) == 0)
			return true;
	return false;
}

/* True when at least one contact has not bounced for good. */
static bool
mail_deliverable(const struct invoice *inv)
{
	for (size_t i = 0; i < inv->contacts.n; i++)
		if (strlist_find(&inv->undeliverable, inv->contacts.v[i]) < 0)
			return true;
	return false;
}

static bool
below_minimum(const struct invoice *inv, const struct policy_profile *prof)
{
	return prof->min_amount.minor > 0 &&
	       strcmp(prof->min_amount.currency, inv->currency) == 0 &&
	       inv->amount_due < prof->min_amount.minor;
}

struct date
schedule_step_date(const struct calendar *cal, const struct policy_step *s,
                   struct date due)
{
	if (s->business)
		return calendar_add_business_days(cal, due, s->offset);
	return calendar_next_business_day(cal, date_add_days(due, s->offset));
}

/* The index of the first step not done yet (PROF->nsteps: none left). */
static size_t
first_open_step(const struct invoice *inv, const struct policy_profile *prof,
                const struct calendar *cal)
{
	size_t i;

	if (inv->last_step == NULL)
		return 0;
	for (i = 0; i < prof->nsteps; i++)
		if (strcmp(prof->steps[i].name, inv->last_step) == 0)
			return i + 1;
	/* Not in this profile: the steps up to the day it went are done. */
	if (!date_valid(inv->last_step_date))
		return 0;
	for (i = 0; i < prof->nsteps; i++)
		if (date_cmp(
		        schedule_step_date(cal, &prof->steps[i], inv->due_date),
		        inv->last_step_date) > 0)
			break;
	return i;
}

/* The decisions that need no step arithmetic; -1 when none applies. */
static int
settled(const struct invoice *inv, const struct policy_profile *prof,
        struct date today, struct schedule_decision *out)
{
	char due[32], min[32];

	if (!date_valid(today))
		return decide(out, SCHEDULE_NONE, SCHEDULE_BAD_DATE, NULL,
		              DATE_NULL, "today is not a valid day");
	switch (invoice_effective_state(inv, today)) {
	case INVOICE_PAID:
		return decide(out, SCHEDULE_NONE, SCHEDULE_PAID, NULL,
		              DATE_NULL, "invoice is paid");
	case INVOICE_DISPUTED:
		return decide(out, SCHEDULE_NONE, SCHEDULE_DISPUTED, NULL,
		              DATE_NULL, "invoice is disputed");
	case INVOICE_CLOSED:
		if (has_event(inv, "cancelled"))
			return decide(out, SCHEDULE_NONE, SCHEDULE_CANCELLED,
			              NULL, DATE_NULL, "invoice is cancelled");
		return decide(out, SCHEDULE_NONE, SCHEDULE_CLOSED, NULL,
		              DATE_NULL, "invoice is closed");
	default:
		break;
	}
	if (prof == NULL)
		return decide(out, SCHEDULE_NONE, SCHEDULE_NO_PROFILE, NULL,
		              DATE_NULL, "no payer profile");
	if (inv->amount_due <= 0)
		return decide(out, SCHEDULE_NONE, SCHEDULE_NOTHING_DUE, NULL,
		              DATE_NULL, "nothing is due");
	if (below_minimum(inv, prof)) {
		invoice_format_amount(inv, inv->amount_due, due, sizeof(due));
		invoice_format_amount(inv, prof->min_amount.minor, min,
		                      sizeof(min));
		return decide(out, SCHEDULE_NONE, SCHEDULE_BELOW_MIN, NULL,
		              DATE_NULL,
		              "amount due %s %s is below the minimum of %s %s",
		              due, inv->currency, min, inv->currency);
	}
	if (!date_valid(inv->due_date))
		return decide(out, SCHEDULE_NONE, SCHEDULE_BAD_DATE, NULL,
		              DATE_NULL, "invoice has no valid due date");
	return -1;
}

/* Why today is a day off, for people: "Saturday", "Noël", "closed". */
static const char *
day_off_name(struct date d)
{
	static const char *const weekend[] = {"Saturday", "Sunday"};
	const char *h = calendar_holiday_name(d);

	if (h != NULL)
		return h;
	if (date_weekday(d) >= 5)
		return weekend[date_weekday(d) - 5];
	return "closed";
}

/* What the steps from FIRST on say about TODAY. */
struct scan {
	long due;              /* latest step due on or before today, or -1 */
	struct date due_date;  /* its date */
	long next;             /* earliest step after today, or -1 */
	struct date next_date; /* its date */
	int missed;            /* steps due other than DUE */
	int same;              /* due on DUE's day after it: they wait */
	long held;             /* the step first-contact held back, or -1 */
};

static void
scan_steps(const struct policy_profile *prof, size_t first,
           const struct calendar *cal, struct date due, struct date today,
           struct scan *s)
{
	s->due = s->next = s->held = -1;
	s->missed = s->same = 0;
	for (size_t i = first; i < prof->nsteps; i++) {
		struct date d = schedule_step_date(cal, &prof->steps[i], due);

		if (date_cmp(d, today) <= 0 && s->due >= 0 &&
		    date_cmp(d, s->due_date) == 0) {
			/* Pushed to the same day as the step before it (by a
			 * weekend or a holiday): not missed, next in turn. */
			s->same++;
		} else if (date_cmp(d, today) <= 0) {
			if (s->due >= 0)
				s->missed += 1 + s->same;
			s->same = 0;
			s->due = (long)i;
			s->due_date = d;
		} else if (s->next < 0 || date_cmp(d, s->next_date) < 0) {
			s->next = (long)i;
			s->next_date = d;
		}
	}
}

/* An invoice never chased gets at most the profile's first-contact step:
 * when a later step is due, send that one instead (the later ones follow,
 * spaced by the gap). */
static void
first_contact(const struct invoice *inv, const struct policy_profile *prof,
              size_t first, const struct calendar *cal, struct date today,
              struct scan *s)
{
	long fc = -1;
	struct date d;

	if (inv->last_step != NULL || date_valid(inv->last_step_date) ||
	    prof->first_contact == NULL || s->due < 0)
		return;
	for (size_t i = 0; i < prof->nsteps; i++)
		if (strcmp(prof->steps[i].name, prof->first_contact) == 0)
			fc = (long)i;
	if (fc < (long)first || s->due <= fc)
		return;
	d = schedule_step_date(cal, &prof->steps[fc], inv->due_date);
	if (date_cmp(d, today) > 0)
		return;
	s->held = s->due;
	s->due = fc;
	s->due_date = d;
	s->missed = 0;
	for (long i = (long)first; i < fc; i++)
		if (date_cmp(
		        schedule_step_date(cal, &prof->steps[i], inv->due_date),
		        today) <= 0)
			s->missed++;
}

static const char *
plural(long n)
{
	return n == 1 ? "" : "s";
}

/* The WAIT for the latest of: the next step's date, the gap after the
 * previous step, the gap after the reply; -1 when none is after TODAY. */
static int
wait_for(const struct invoice *inv, const struct policy_profile *prof,
         const struct schedule_rules *r, const struct calendar *cal,
         struct date today, const struct scan *s, struct schedule_decision *out)
{
	const struct policy_step *step =
	    &prof->steps[s->due >= 0 ? s->due : s->next];
	enum schedule_reason why = SCHEDULE_NOT_YET;
	struct date until = s->due >= 0 ? today : s->next_date, d;
	const char *last = inv->last_step ? inv->last_step : "a step";
	char a[11], b[11];
	int gap = prof->gap > 0 ? prof->gap : 0;

	if (date_valid(inv->last_step_date)) {
		d = date_add_days(inv->last_step_date, gap > 0 ? gap : 1);
		if (date_cmp(d, until) > 0) {
			until = d;
			why = date_cmp(inv->last_step_date, today) >= 0
			          ? SCHEDULE_SENT_TODAY
			          : SCHEDULE_GAP_STEP;
		}
	}
	if (r != NULL && date_valid(r->last_reply)) {
		d = date_add_days(r->last_reply, gap);
		if (date_cmp(d, until) > 0) {
			until = d;
			why = SCHEDULE_GAP_REPLY;
		}
	}
	if (date_cmp(until, today) <= 0)
		return -1;
	until = calendar_next_business_day(cal, until);
	date_format(inv->last_step_date, a);
	switch (why) {
	case SCHEDULE_SENT_TODAY:
		return decide(out, SCHEDULE_WAIT, why, step, until,
		              "%s already sent today", last);
	case SCHEDULE_GAP_STEP:
		return decide(out, SCHEDULE_WAIT, why, step, until,
		              "gap of %d day%s after the previous step (%s on "
		              "%s)",
		              gap, plural(gap), last, a);
	case SCHEDULE_GAP_REPLY:
		date_format(r->last_reply, b);
		return decide(out, SCHEDULE_WAIT, why, step, until,
		              "gap of %d day%s after the customer's reply on "
		              "%s",
		              gap, plural(gap), b);
	default:
		date_format(until, b);
		return decide(out, SCHEDULE_WAIT, why, step, until,
		              "%s not due before %s", step->name, b);
	}
}

static enum schedule_result
send_step(const struct invoice *inv, const struct policy_profile *prof,
          const struct scan *s, struct schedule_decision *out)
{
	const struct policy_step *step = &prof->steps[s->due];
	bool letter =
	    step->channel == POLICY_CHANNEL_EMAIL && !mail_deliverable(inv);
	char d[11], skip[48] = "", held[POLICY_NAME_MAX + 40] = "";

	date_format(s->due_date, d);
	if (s->missed > 0)
		snprintf(skip, sizeof(skip), " (skipping %d missed step%s)",
		         s->missed, plural(s->missed));
	if (s->held >= 0)
		snprintf(held, sizeof(held), " as the first contact, not %.*s",
		         POLICY_NAME_MAX, prof->steps[s->held].name);
	decide(out, SCHEDULE_DUE, SCHEDULE_STEP_DUE, step, s->due_date,
	       "%s due on %s%s%s%s", step->name, d, held, skip,
	       letter ? ", by letter: no contact can receive mail" : "");
	out->skipped = s->missed;
	out->held = s->held >= 0 ? &prof->steps[s->held] : NULL;
	if (letter)
		out->channel = POLICY_CHANNEL_LETTER;
	return SCHEDULE_DUE;
}

enum schedule_result
schedule_next(const struct invoice *inv, const struct policy_profile *prof,
              const struct schedule_rules *r, struct date today,
              struct schedule_decision *out)
{
	const struct calendar *cal = r != NULL ? &r->cal : NULL;
	struct scan s;
	size_t first;
	int rc;
	char d[11];

	memset(out, 0, sizeof(*out));
	if ((rc = settled(inv, prof, today, out)) >= 0)
		return (enum schedule_result)rc;
	first = first_open_step(inv, prof, cal);
	if (first >= prof->nsteps) {
		if (inv->last_step != NULL)
			return decide(out, SCHEDULE_NONE, SCHEDULE_NO_STEP_LEFT,
			              NULL, DATE_NULL, "no step left after %s",
			              inv->last_step);
		return decide(out, SCHEDULE_NONE, SCHEDULE_NO_STEP_LEFT, NULL,
		              DATE_NULL, "profile %s has no step", prof->name);
	}
	if (invoice_effective_state(inv, today) == INVOICE_PAUSED) {
		date_format(inv->paused_until, d);
		return decide(out, SCHEDULE_WAIT, SCHEDULE_PAUSED, NULL,
		              inv->paused_until, "paused until %s", d);
	}
	scan_steps(prof, first, cal, inv->due_date, today, &s);
	first_contact(inv, prof, first, cal, today, &s);
	if ((rc = wait_for(inv, prof, r, cal, today, &s, out)) >= 0)
		return (enum schedule_result)rc;
	if (schedule_day_off(cal, &prof->steps[s.due], today, out))
		return out->result;
	return send_step(inv, prof, &s, out);
}

bool
schedule_day_off(const struct calendar *cal, const struct policy_step *step,
                 struct date today, struct schedule_decision *out)
{
	char d[11];

	if (calendar_is_business_day(cal, today))
		return false;
	memset(out, 0, sizeof(*out));
	date_format(today, d);
	decide(out, SCHEDULE_WAIT, SCHEDULE_NOT_BUSINESS, step,
	       calendar_add_business_days(cal, today, 1),
	       "%s is not a business day (%s)", d, day_off_name(today));
	return true;
}

struct date
schedule_last_reply(const struct invoice *inv, schedule_day_fn day_of,
                    void *arg)
{
	struct date last = DATE_NULL;

	for (size_t i = 0; i < inv->nevents; i++) {
		const char *kind = inv->events[i].kind;
		bool reply = false;

		for (size_t k = 0;
		     kind != NULL &&
		     k < sizeof(reply_kinds) / sizeof(reply_kinds[0]);
		     k++)
			reply = reply || strcmp(kind, reply_kinds[k]) == 0;
		if (reply) {
			struct date d = day_of(inv->events[i].time, arg);

			if (date_valid(d) &&
			    (date_is_null(last) || date_cmp(d, last) > 0))
				last = d;
		}
	}
	return last;
}

bool
schedule_thanks_due(const struct invoice *inv,
                    const struct policy_profile *prof)
{
	return inv->state == INVOICE_PAID && prof != NULL &&
	       prof->thanks != NULL && !has_event(inv, "thanks");
}

bool
schedule_in_window(const struct schedule_window *w, const struct tm *local)
{
	int weekday, minute;

	if (local->tm_wday < 0 || local->tm_wday > 6 || local->tm_hour < 0 ||
	    local->tm_hour > 23 || local->tm_min < 0 || local->tm_min > 59)
		return false;
	weekday = (local->tm_wday + 6) % 7; /* tm: 0 is Sunday */
	minute = local->tm_hour * 60 + local->tm_min;
	return (w->days & (1u << weekday)) != 0 && w->from < w->to &&
	       minute >= w->from && minute < w->to;
}

bool
schedule_window_open(const struct schedule_window *w, struct date day,
                     int minute)
{
	struct tm local;

	if (w == NULL || minute < 0)
		return true;
	if (!date_valid(day) || minute >= 24 * 60)
		return false;
	memset(&local, 0, sizeof(local));
	local.tm_wday = (date_weekday(day) + 1) % 7;
	local.tm_hour = minute / 60;
	local.tm_min = minute % 60;
	return schedule_in_window(w, &local);
}

void
schedule_window_format(const struct schedule_window *w, char *out, size_t size)
{
	static const char *const names[] = {"mon", "tue", "wed", "thu",
	                                    "fri", "sat", "sun"};
	size_t used = 0;

	if (size == 0)
		return;
	out[0] = '\0';
	for (int d = 0; d < 7; d++) {
		int e = d;

		if (!(w->days & (1u << d)))
			continue;
		while (e + 1 < 7 && (w->days & (1u << (e + 1))))
			e++;
		if (e > d + 1)
			used += (size_t)snprintf(out + used, size - used,
			                         "%s%s-%s", used ? "," : "",
			                         names[d], names[e]);
		else
			for (int k = d; k <= e && used < size; k++)
				used += (size_t)snprintf(
				    out + used, size - used, "%s%s",
				    used ? "," : "", names[k]);
		d = e;
		if (used >= size)
			return;
	}
	snprintf(out + used, size - used, "%s%02d:%02d-%02d:%02d",
	         used ? " " : "", w->from / 60, w->from % 60, w->to / 60,
	         w->to % 60);
}
