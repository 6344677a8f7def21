/*
 * report.h -- `relance report`: the figures a finance manager reads, from
 * the invoices fed one at a time.
 *
 * - The aging balance on a day: each unpaid invoice's amount due (open,
 *   paused or disputed) in one bucket by days past its due date (not yet
 *   due, 1-30, 31-60, 61-90, over 90), by customer and in total, per
 *   currency (amounts in different currencies are never added).
 * - DSO per currency, the simple formula: amount due on the day / credit
 *   sales of the 90 days up to it (amount_original of the invoices issued
 *   in them, cancelled invoices left out) x 90.
 * - Open disputes (reason, and age since the last "disputed" event), and
 *   the invoices paused by a promise to pay (the last "paused" event says
 *   "promise"): the promised date (from the last "promise" event, "to pay
 *   on DATE") and the end of the pause.
 * - Open tasks (task.h: not done, invoice not paid or closed).
 * - The effect of reminders, per step: how many invoices received it (a
 *   "sent", "reminder-sent" or "letter" event before any payment, its
 *   detail's first word naming the step; first occurrence counted), how
 *   many of them were then paid (a "paid" event after it), and the
 *   median days from the step to the payment (the day in "received on
 *   DATE" of the "paid" event, else the event's day). Task steps (a phone
 *   call) are not in this table: their "task" event does not name the step.
 *   Steps are listed in escalation order: by their median offset from
 *   the due date (a late first contact does not move a step), then by
 *   name.
 *
 * Memory grows with customers, currencies and step names, not invoices,
 * except for the listed disputes and promises (one row each) and a
 * histogram of days (0..REPORT_MAX_DAYS) per step for the medians.
 *
 * Pure: no I/O, no clock. The caller passes "today" and the function that
 * turns an event's time into a local day. Printing appends to a buf.
 */
#ifndef RELANCE_REPORT_H
#define RELANCE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "date.h"
#include "invoice.h"

#define REPORT_DSO_DAYS   90   /* the DSO's window of credit sales */
#define REPORT_MAX_DAYS   3650 /* longer delays count as this many days */
#define REPORT_MAX_STEPS  64   /* step names kept; more are left out */
#define REPORT_MAX_OFFSET 730  /* step day - due date, clamped, in days */
#define REPORT_CHART_MAX  20   /* customers in an HTML aging chart */

/* The aging buckets, by days past the due date. */
enum report_bucket {
	REPORT_NOT_DUE, /* due today or later */
	REPORT_1_30,
	REPORT_31_60,
	REPORT_61_90,
	REPORT_OVER_90,
	REPORT_BUCKETS
};

/* Aging in one currency: amounts due in minor units. */
struct report_aging {
	char currency[4];
	int64_t bucket[REPORT_BUCKETS];
	int64_t total;
	unsigned invoices; /* unpaid invoices counted */
};

struct report_customer {
	char *id;   /* customer id in the accounting system */
	char *name; /* the smallest (strcmp) name seen; id when none */
	struct report_aging *aging; /* one per currency, sorted */
	size_t naging;
};

/* Totals and DSO in one currency. */
struct report_currency {
	struct report_aging aging;
	int64_t sales; /* amount_original issued in the DSO window */
};

struct report_dispute {
	char *invoice, *customer, *reason;
	char currency[4];
	int64_t amount;
	struct date since; /* DATE_NULL when no "disputed" event */
};

struct report_promise {
	char *invoice, *customer;
	char currency[4];
	int64_t amount;
	struct date promised; /* DATE_NULL when the history does not say */
	struct date until;
};

struct report_step {
	char *name;
	unsigned invoices; /* received it before any payment */
	unsigned paid;     /* of those, paid afterwards */
	uint32_t *offsets; /* 2 * REPORT_MAX_OFFSET + 1 counters of (step day -
	                      due date), for the order */
	uint32_t *days;    /* REPORT_MAX_DAYS + 1 counters; NULL until paid */
};

/* The day (local time) of T, seconds since the epoch. */
typedef struct date (*report_day_fn)(int64_t t, void *arg);

struct report {
	struct date today;
	report_day_fn day_of;
	void *arg;
	struct report_customer *customers;
	size_t ncustomers, capcustomers;
	size_t *index; /* open addressing over customers by id */
	size_t nindex;
	struct report_currency *currencies;
	size_t ncurrencies;
	struct report_dispute *disputes;
	size_t ndisputes;
	struct report_promise *promises;
	size_t npromises;
	struct report_step *steps;
	size_t nsteps;
	unsigned open_tasks;
	unsigned invoices; /* invoices fed */
	bool finished;
};

/* report_bucket_of -- the bucket of an invoice due on DUE, on TODAY. */
enum report_bucket report_bucket_of(struct date due, struct date today);

/* report_bucket_name -- "not due", "1-30", "31-60", "61-90", "over 90". */
const char *report_bucket_name(enum report_bucket b);

/* report_init -- an empty report for TODAY; DAY_OF(t, ARG) gives the
 * local day of an event's time. */
void report_init(struct report *r, struct date today, report_day_fn day_of,
                 void *arg);

/* report_add -- count INV (borrowed; nothing of it is kept but copies).
 * Returns 0, or -1 on no memory (the report is then incomplete). */
int report_add(struct report *r, const struct invoice *inv);

/* report_finish -- sort everything for printing; call once, after the
 * last report_add. */
void report_finish(struct report *r);

/* report_median2 -- the median of step S's days to payment, in half days
 * (11 means 5.5 days), or -1 when none was paid. */
long report_median2(const struct report_step *s);

/* report_dso10 -- DSO of currency C in tenths of days (rounded), or -1
 * when nothing was invoiced in the window. */
long report_dso10(const struct report_currency *c);

/* report_text -- the report for a terminal, appended to OUT. */
void report_text(const struct report *r, struct buf *out);

/* report_json -- the same figures as one JSON object, appended to OUT. */
void report_json(const struct report *r, struct buf *out);

/* report_html -- one self-contained HTML page (inline CSS and SVG, no
 * external asset; every string from the data escaped), appended to OUT. */
void report_html(const struct report *r, struct buf *out);

/* report_free -- release everything R owns. */
void report_free(struct report *r);

#endif
