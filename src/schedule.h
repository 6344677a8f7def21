/*
 * schedule.h -- which dunning step is due for an invoice, and when.
 *
 * Pure: no I/O, no clock. The caller (`relance run`) passes "today", the
 * payer profile and the facts it computed from the history, so every rule
 * here is testable with fixed dates (tests/test_schedule.c).
 *
 * The rules, in the order they are applied:
 *   - paid, disputed, closed and cancelled invoices get nothing, nor do
 *     invoices with nothing due or with less due than the profile's
 *     minimum amount (when it is in the invoice's currency);
 *   - each step of the profile falls on the due date plus its offset, in
 *     business days (weekends, public holidays and closed days skipped)
 *     or in calendar days (moved to the next business day when it lands
 *     on a day that is not one);
 *   - a step at or before the invoice's last step in the profile's order
 *     is never sent again; when the last step is not in the profile (the
 *     profile changed), the steps on or before the day it was sent count
 *     as done;
 *   - a paused invoice waits until the end of its pause;
 *   - of the steps due (on or before today), only the latest is sent: a
 *     run that did not happen for some days sends one step, not a burst;
 *     steps that a weekend or a holiday pushed onto the same day are not
 *     missed: the first of them goes, the others in turn after the gap;
 *   - one step per invoice per run and per day, at least the profile's
 *     gap after the previous step and after the customer's last reply;
 *   - an invoice never chased (no last step) gets at most the profile's
 *     first-contact step: when later steps are due (a late import), the
 *     first-contact step goes first and the later ones follow it, spaced
 *     by the gap, so that nobody's first letter is a formal notice;
 *   - nothing is sent on a day that is not a business day;
 *   - an email step goes by letter when no contact of the invoice can
 *     receive mail (none, or every one bounced for good).
 * The thanks step is not part of the schedule: see schedule_thanks_due().
 */
#ifndef RELANCE_SCHEDULE_H
#define RELANCE_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "calendar.h"
#include "date.h"
#include "invoice.h"
#include "policy.h"

#define SCHEDULE_WHY_MAX 160

enum schedule_result {
	SCHEDULE_DUE,  /* send STEP today */
	SCHEDULE_WAIT, /* nothing today; maybe on WHEN */
	SCHEDULE_NONE, /* nothing, ever, until the invoice changes */
};

/* Why, for the run's summary; schedule_reason_name() spells them. */
enum schedule_reason {
	SCHEDULE_STEP_DUE,     /* DUE */
	SCHEDULE_PAUSED,       /* WAIT: the invoice is paused */
	SCHEDULE_GAP_STEP,     /* WAIT: too soon after the previous step */
	SCHEDULE_GAP_REPLY,    /* WAIT: too soon after the customer's reply */
	SCHEDULE_NOT_YET,      /* WAIT: the next step is not due yet */
	SCHEDULE_SENT_TODAY,   /* WAIT: a step went out today already */
	SCHEDULE_NOT_BUSINESS, /* WAIT: today is not a business day */
	SCHEDULE_PAID,         /* NONE */
	SCHEDULE_DISPUTED,     /* NONE */
	SCHEDULE_CLOSED,       /* NONE */
	SCHEDULE_CANCELLED,    /* NONE: closed by a "cancelled" event */
	SCHEDULE_NOTHING_DUE,  /* NONE: the amount due is 0 */
	SCHEDULE_BELOW_MIN,    /* NONE: below the profile's minimum amount */
	SCHEDULE_NO_STEP_LEFT, /* NONE: every step is done */
	SCHEDULE_BAD_DATE,     /* NONE: the invoice or today is no valid day */
	SCHEDULE_NO_PROFILE,   /* NONE: PROF is NULL */
	SCHEDULE_REASON_COUNT
};

/*
 * What the caller knows beyond the invoice and the profile.
 *
 * CAL: the company's closed days (from the policy), borrowed.
 * LAST_REPLY: the day of the customer's most recent reply, promise,
 * dispute or remittance notice (schedule_last_reply() computes it from the
 * history, in the run's time zone); DATE_NULL when there is none.
 */
struct schedule_rules {
	struct calendar cal;
	struct date last_reply;
};

struct schedule_decision {
	enum schedule_result result;
	enum schedule_reason reason;
	/* DUE: the step to send. WAIT: the step waited for (NULL while
	 * paused or on a day off). NONE: NULL. Borrowed from the profile. */
	const struct policy_step *step;
	/* DUE: the day STEP fell due (before today when missed). WAIT: the
	 * first day something can happen. NONE: DATE_NULL. */
	struct date when;
	/* DUE: how the step goes out: the step's channel, or
	 * POLICY_CHANNEL_LETTER for an email step when no contact can
	 * receive mail. */
	enum policy_channel channel;
	int skipped; /* DUE: missed steps passed over for STEP */
	/* DUE: the later step that was due but held back because the invoice
	 * was never chased and the profile's first-contact is STEP; NULL. */
	const struct policy_step *held;
	char why[SCHEDULE_WHY_MAX]; /* one line for people */
};

/*
 * schedule_next -- decide for INV under profile PROF on TODAY, with the
 * extra facts in R (NULL: no closed days, no reply). Fills *OUT and
 * returns OUT->result. Borrows everything; allocates nothing. PROF is the
 * profile named by INV->profile (the caller looks it up; NULL when there
 * is none gives SCHEDULE_NONE, "no payer profile").
 */
enum schedule_result schedule_next(const struct invoice *inv,
                                   const struct policy_profile *prof,
                                   const struct schedule_rules *r,
                                   struct date today,
                                   struct schedule_decision *out);

/*
 * schedule_step_date -- the day step S of an invoice due on DUE falls on:
 * DUE plus S's offset in business days, or in calendar days moved to the
 * next business day. CAL may be NULL.
 */
struct date schedule_step_date(const struct calendar *cal,
                               const struct policy_step *s, struct date due);

/* The day of an event's time (seconds since the epoch) in the caller's
 * time zone. */
typedef struct date (*schedule_day_fn)(int64_t time, void *arg);

/* schedule_last_reply -- the day (by DAY_OF(time, ARG)) of the latest event
 * of INV of kind "reply", "promise", "dispute" or "remittance", or
 * DATE_NULL when there is none. */
struct date schedule_last_reply(const struct invoice *inv,
                                schedule_day_fn day_of, void *arg);

/* schedule_thanks_due -- true when INV is paid, PROF has a thanks
 * template, and INV's history has no "thanks" event yet (the run records
 * one of that kind when it sends the thanks). */
bool schedule_thanks_due(const struct invoice *inv,
                         const struct policy_profile *prof);

/* A send window: the days and the hours of the day reminders may go out. */
struct schedule_window {
	unsigned days; /* bit 0 Monday ... bit 6 Sunday (date_weekday) */
	int from;      /* minutes after midnight, inclusive (8:30 is 510) */
	int to;        /* minutes after midnight, exclusive, up to 1440 */
};

#define SCHEDULE_WEEKDAYS 0x1fu /* Monday to Friday */

/*
 * schedule_in_window -- true when the local time LOCAL (as localtime_r
 * fills it in the configured time zone: tm_wday, tm_hour, tm_min are
 * read) falls in W: its weekday in W->days and W->from <= time < W->to.
 * False for out-of-range fields or an empty window (from >= to).
 */
bool schedule_in_window(const struct schedule_window *w,
                        const struct tm *local);

/*
 * schedule_window_open -- true when the run, at MINUTE minutes after local
 * midnight on DAY, is inside W (DAY's weekday in W->days, W->from <= MINUTE
 * < W->to). A NULL W (no window) or a MINUTE below 0 (a run for a day
 * rather than at a time: `relance run --date`) is always inside. False
 * for an invalid DAY or a MINUTE from 1440 on.
 */
bool schedule_window_open(const struct schedule_window *w, struct date day,
                          int minute);

/* schedule_window_format -- W as the policy spells it, "mon-fri
 * 09:00-18:00" (days in week order, runs of three or more as a range),
 * into OUT (size SIZE, truncated to fit). */
void schedule_window_format(const struct schedule_window *w, char *out,
                            size_t size);

/*
 * schedule_day_off -- when TODAY is not a business day under CAL (NULL:
 * no closed days), fill *OUT with a WAIT (reason SCHEDULE_NOT_BUSINESS,
 * step STEP, which may be NULL, until the next business day, why "D is not
 * a business day (Saturday)") and return true; otherwise return false and
 * leave *OUT alone. The gate for what schedule_next does not decide (the
 * thanks).
 */
bool schedule_day_off(const struct calendar *cal,
                      const struct policy_step *step, struct date today,
                      struct schedule_decision *out);

/* schedule_reason_name -- "paused", "gap-step", ... for summaries; "?" for
 * a value out of range. */
const char *schedule_reason_name(enum schedule_reason r);

#endif
