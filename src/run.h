/*
 * run.h -- `relance run`: the daily escalation engine.
 *
 * For each invoice: decide (schedule_next, schedule_thanks_due), write
 * (compose_values, compose_message), record and act. Email goes to
 * sendmail(1) through fork and execve, never a shell, at most once: the
 * step is recorded as "sending" (with its Message-ID) in one write
 * transaction before the hand-off, then "sent" (or "thanks") after it; a
 * clean non-zero exit of sendmail records "send-failed" and puts the last
 * step back, so that the next run retries. A "sending" left without an
 * outcome (a crash between the two) is resolved from the milter's
 * "reminder-sent" event carrying the same Message-ID, or reported for a
 * person to decide; it is never sent again blindly.
 *
 * Task steps, and for now letter steps, are recorded as "task" events
 * (letters: "print and send by registered letter with acknowledgement of
 * receipt: SUBJECT"; the PDF letter is not written yet).
 *
 * The caller sets TZ to the configured time zone (days of events and the
 * Date header are local time).
 */
#ifndef RELANCE_RUN_H
#define RELANCE_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "date.h"
#include "err.h"
#include "policy.h"
#include "store.h"

#define RUN_MAX_PDF (32L * 1024 * 1024) /* largest PDF attached */

/* What a run needs. Everything is borrowed. */
struct run_opts {
	const struct config *cfg;
	const struct policy *pol;
	struct store *st;
	struct date today; /* the day the run acts as */
	int64_t now;       /* seconds since the epoch, for events and Date */
	const char *actor; /* "relance run (root)" */
	bool dry_run;      /* decide and print; change and send nothing */
	bool json;         /* one JSON object a line instead of text */
	FILE *out;         /* where the lines go */
};

/* What a run did (or, dry, would do). */
struct run_summary {
	unsigned sent;    /* mails handed to sendmail, thanks included */
	unsigned letters; /* letter steps (tasks to post a letter) */
	unsigned tasks;   /* task steps, and reminders turned into tasks */
	unsigned skipped; /* invoices with nothing to do today */
	unsigned errors;  /* failures, and sends waiting for a person */
};

/*
 * run_all -- process every invoice of O->st once, printing one line (or
 * JSON object) per invoice to O->out, then the summary line (or object).
 * Invoices stream through ledger_walk: each is decided and acted on as it
 * is read, in the state file's (hash) order, and memory does not grow
 * with their number; its guarantee holds (an invoice that exists for the
 * whole run is seen exactly once). A damaged record is an error line
 * ("?: error: ...") and the run goes on. A dry run checks that a PDF to
 * attach can be opened and is not too large, but does not read it: the
 * message it composes is thrown away.
 * Fills *SUM. Returns 0 when the invoices could be read (errors on single
 * invoices are counted in SUM->errors and printed), or a store_rc below
 * zero with E set when the state file could not be read at all.
 */
int run_all(const struct run_opts *o, struct run_summary *sum, struct err *e);

/*
 * run_message_id -- append a Message-ID of ours for step STEP of invoice
 * NUMBER sent at NOW from SENDER ("addr" or "Name <addr>") to OUT:
 * "<run.NUMBER.STEP.NOW@DOMAIN>", bytes of NUMBER and STEP outside
 * [A-Za-z0-9_-] written as '_'. Returns 0, or -1 when SENDER has no domain.
 */
int run_message_id(const char *number, const char *step, int64_t now,
                   const char *sender, struct buf *out);

/*
 * run_sender_address -- the bare address of SENDER ("addr" or
 * "Name <addr>") into OUT (reset first). Returns 0, or -1 when there is
 * none.
 */
int run_sender_address(const char *sender, struct buf *out);

/*
 * run_pending -- the last "sending" event of INV that has no outcome
 * after it ("sent", "thanks" or "send-failed" naming the same
 * Message-ID), or NULL. Borrowed from INV.
 */
const struct invoice_event *run_pending(const struct invoice *inv);

/*
 * run_confirmed -- true when the milter recorded the message MID going
 * out for INV (a "reminder-sent" event naming it, or MID in
 * INV->message_ids).
 */
bool run_confirmed(const struct invoice *inv, const char *mid);

#endif
