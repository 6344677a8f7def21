/*
 * run.h -- `relance run`: the daily escalation engine.
 *
 * For each invoice: decide (schedule_next, schedule_thanks_due), write
 * (compose_values, compose_message), record and act. Email goes to
 * sendmail(1) through fork and execve, never a shell, at most once: the
 * step is recorded as "sending" (with its Message-ID) in one write
 * transaction before the hand-off, then "sent" (or "thanks") after it,
 * which also adds the Message-ID to the invoice's Message-IDs so that a
 * reply naming it in In-Reply-To or References finds the invoice even
 * when no milter saw the reminder go out; a
 * clean non-zero exit of sendmail records "send-failed" and puts the last
 * step back, so that the next run retries. A "sending" left without an
 * outcome (a crash between the two) is resolved from the milter's
 * "reminder-sent" event carrying the same Message-ID, or reported for a
 * person to decide; it is never sent again blindly.
 *
 * Task steps are recorded as "task" events. A letter step (the formal
 * notice) writes a PDF letter (letter.h) to OutboxDir as
 * NUMBER-STEP-YYYY-MM-DD.pdf, atomically, then records a "letter" event
 * ("STEP PATH") and a "task" event ("send by registered letter with
 * acknowledgement of receipt: PATH") in one transaction; a letter that
 * cannot be written records "letter-failed" and leaves the last step, so
 * that the next run tries again. --dry-run writes nothing and says which
 * file it would write.
 *
 * Nothing goes out on a day that is not a business day (weekends, French
 * public holidays, the policy's closed days), nor outside the policy's
 * send window: a step or thanks due then is printed as "wait" with
 * "skipped: outside the send window (...)", counted as skipped, and
 * nothing is recorded, so that the next run inside the window sends it.
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
#include "invoice.h"
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
	/* The time of day the run acts at, for the policy's send window:
	 * MINUTE minutes after midnight of TODAY in TimeZone when TIMED;
	 * a run that is not TIMED (`--date` without `--time`) is inside
	 * any window. */
	bool timed;
	int minute;
};

/* What a run did (or, dry, would do). */
struct run_summary {
	unsigned sent;    /* mails handed to sendmail, thanks included */
	unsigned letters; /* letters written (dry: that would be) */
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

/*
 * run_mail_summary -- mail TEXT, the lines a run printed, to the
 * configured SummaryTo through Sendmail (the execve path of reminders):
 * From Sender, Subject "relance run DAY: N sent, N letters, N tasks,
 * N errors" from SUM, Date O->now, Message-ID
 * "<relance-run.DAY.NOW@DOMAIN>", Auto-Submitted: auto-generated, a
 * text/plain UTF-8 body. DAY is O->today. Changes nothing in the state
 * file. Returns 0 when sendmail took it, or -1 with E saying why (not
 * sent, or unknown whether it was).
 */
int run_mail_summary(const struct run_opts *o, const struct run_summary *sum,
                     const char *text, struct err *e);

/*
 * run_settle -- a person's answer for INV's "sending" left without an
 * outcome (run_pending), which `relance run` reports as needing a person:
 * SENT true records "sent" ("thanks" for a thanks) for its Message-ID;
 * false records "send-failed" and puts the last step back to the step sent
 * before it (from the history's last "sent" or "reminder-sent"), so that
 * the next run sends it again. Events are by ACTOR at NOW, with NOTE (may
 * be NULL) appended. Returns 0 and copies the step into STEP (size
 * STEPSIZE), or -1 with E set: nothing waits for an answer (INV
 * unchanged), or no memory (INV must then not be written).
 */
int run_settle(struct invoice *inv, bool sent, int64_t now, const char *actor,
               const char *note, char *step, size_t stepsize, struct err *e);

#endif
