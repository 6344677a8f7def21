/*
 * invoice.h -- the invoice record: fields, states, transitions, history, and
 * its serialised form in the state file.
 *
 * Pure: no I/O, no clock. Every transition takes the time ("now", seconds
 * since the epoch) and the actor from the caller, and appends one event to
 * the history, which is what the clerk reads and what a court file needs.
 * A transition that makes no sense (paying a closed invoice) changes
 * nothing and says why.
 */
#ifndef RELANCE_INVOICE_H
#define RELANCE_INVOICE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "date.h"
#include "err.h"
#include "strlist.h"

/* Bounds on fields that come from outside. */
#define INVOICE_MAX_ID           64   /* invoice number, customer id */
#define INVOICE_MAX_TEXT         256  /* customer name */
#define INVOICE_MAX_PATH         1024 /* PDF path */
#define INVOICE_MAX_CONTACTS     16
#define INVOICE_MAX_ADDRESS      254
#define INVOICE_MAX_POSTAL       512 /* postal address, all lines */
#define INVOICE_MAX_POSTAL_LINES 6
#define INVOICE_MAX_DETAIL       2048 /* one event's detail */
#define INVOICE_FORMAT           1    /* version of the serialised record */

enum invoice_state {
	INVOICE_OPEN,
	INVOICE_PAUSED,
	INVOICE_DISPUTED,
	INVOICE_PAID,
	INVOICE_CLOSED,
};

struct invoice_event {
	int64_t time; /* seconds since the epoch, UTC */
	char *kind;   /* "imported", "paid", "disputed", ... */
	char *actor;  /* "relance import (root)", "relance-milter", ... */
	char *detail; /* what happened and the evidence, for people */
};

struct invoice {
	char *number;
	char *customer; /* customer id in the accounting system */
	char *customer_name;
	char *postal_address;    /* lines separated by LF; NULL when none */
	struct strlist contacts; /* e-mail addresses, lower-case domain */
	struct strlist undeliverable; /* contacts whose mail bounced for good */
	char *lang;                   /* "fr", "en" */
	char *profile;                /* payer profile name in the policy */
	char currency[4];             /* ISO 4217 */
	int64_t amount_due;           /* minor units */
	int64_t amount_original;
	struct date issue_date;
	struct date due_date;
	char *pdf; /* NULL when none */
	enum invoice_state state;
	struct date paused_until; /* DATE_NULL unless paused */
	char *last_step;          /* NULL until a step is sent */
	struct date last_step_date;
	char *dispute_reason; /* NULL unless disputed */
	struct strlist tracking_ids;
	struct strlist message_ids;
	struct invoice_event *events;
	size_t nevents;
};

/* invoice_init -- an empty, open invoice (all pointers NULL). */
void invoice_init(struct invoice *inv);

/* invoice_free -- release everything INV owns; leaves it as invoice_init. */
void invoice_free(struct invoice *inv);

/* invoice_copy -- a deep copy of SRC into DST (which must be free).
 * Returns 0, or -1 on no memory (DST is then left empty). */
int invoice_copy(struct invoice *dst, const struct invoice *src);

/* invoice_state_name -- "open", "paused", "disputed", "paid", "closed". */
const char *invoice_state_name(enum invoice_state s);

/* invoice_state_parse -- inverse of invoice_state_name; -1 if unknown. */
int invoice_state_parse(const char *name, enum invoice_state *out);

/* invoice_effective_state -- the state on TODAY: a pause that has ended
 * (paused_until on or before TODAY) reads as open. */
enum invoice_state invoice_effective_state(const struct invoice *inv,
                                           struct date today);

/* invoice_days_overdue -- days past the due date on TODAY, 0 if not due. */
long invoice_days_overdue(const struct invoice *inv, struct date today);

/* invoice_decimals -- minor digits of the invoice's currency. */
int invoice_decimals(const struct invoice *inv);

/* invoice_format_amount -- "1234.56" for AMOUNT in INV's currency. */
void invoice_format_amount(const struct invoice *inv, int64_t amount, char *out,
                           size_t size);

/* invoice_add_event -- append an event (strings copied). 0 or -1. */
int invoice_add_event(struct invoice *inv, int64_t now, const char *kind,
                      const char *actor, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Transitions. Each returns 0 and appends an event, or -1 with E saying why
 * the invoice is left unchanged ("invoice F1 is closed: ...").
 */

/* invoice_pay -- record a payment of AMOUNT (minor units; negative means
 * "the whole amount due") received on DATE. Lowers the amount due; at zero
 * the invoice becomes paid. An amount above the amount due is refused. */
int invoice_pay(struct invoice *inv, int64_t amount, struct date date,
                int64_t now, const char *actor, struct err *e);

/* invoice_dispute -- the customer contests the invoice (REASON required). */
int invoice_dispute(struct invoice *inv, const char *reason, int64_t now,
                    const char *actor, struct err *e);

/* invoice_resolve -- a dispute is settled: back to open. */
int invoice_resolve(struct invoice *inv, int64_t now, const char *actor,
                    struct err *e);

/* invoice_pause -- no reminder before UNTIL, which must be after TODAY.
 * WHY is recorded in the event (NULL for none). */
int invoice_pause(struct invoice *inv, struct date until, struct date today,
                  const char *why, int64_t now, const char *actor,
                  struct err *e);

/* invoice_resume -- end a pause now. */
int invoice_resume(struct invoice *inv, int64_t now, const char *actor,
                   struct err *e);

/* invoice_cancel -- cancelled (credit note, error): closed for good. */
int invoice_cancel(struct invoice *inv, const char *reason, int64_t now,
                   const char *actor, struct err *e);

/* invoice_update -- bring CUR up to date with FRESH, a newer export of the
 * same invoice: amounts, dates, names, contacts, language, profile, PDF.
 * FRESH's amount_original may be -1 (the export does not say): CUR's is
 * kept unless the new amount due is larger.
 * Records one "updated" event listing every change (old -> new); an amount
 * due that drops to zero marks an unpaid invoice paid. Returns the number
 * of fields changed (0: nothing to do, no event), or -1 on no memory. */
int invoice_update(struct invoice *cur, const struct invoice *fresh,
                   int64_t now, const char *actor);

/* invoice_encode -- append the versioned text record of INV to OUT. */
void invoice_encode(const struct invoice *inv, struct buf *out);

/* invoice_decode -- parse a record made by invoice_encode into INV (which
 * must be free). Returns 0, or -1 with E naming the bad line. */
int invoice_decode(const char *data, size_t len, struct invoice *inv,
                   struct err *e);

#endif
