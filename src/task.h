/*
 * task.h -- the tasks for a person that an invoice's history holds: which
 * are open, what they say, their IDs, and closing one.
 *
 * A task is a "task" event: a phone call or letter step of `relance run`,
 * a reminder whose PDF is missing, a contact whose mail bounced for good.
 * It is done when a later "task-done" event names it; that event's detail
 * is "ID: WHAT" or "ID: WHAT; note: NOTE", where WHAT is the task's first
 * line, so that the history reads by itself.
 *
 * A task's ID is "INVOICE.N": the invoice number, a dot, and the task's
 * ordinal among the invoice's "task" events (1 for the first). The
 * ordinal, not the event's place in the history: relance-milter's spooled
 * events are put back in time order (spool.c) and can shift the events
 * after them, but tasks are only ever appended, so task N stays task N.
 * IDs split at their last dot, and N is digits only, so an invoice number
 * holding dots or dashes ("F.2026-1.3" is task 3 of "F.2026-1") reads one
 * way only.
 *
 * Pure: no I/O, no clock. Everything returned is borrowed from the invoice.
 */
#ifndef RELANCE_TASK_H
#define RELANCE_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "invoice.h"

#define TASK_KIND      "task"
#define TASK_DONE_KIND "task-done"
#define TASK_MAX_SEQ   999999 /* highest task ordinal an ID may hold */
#define TASK_MAX_WHAT  300    /* bytes of the first line quoted */
#define TASK_MAX_NOTE  500    /* bytes of a note */

/* One task of an invoice. */
struct task {
	unsigned seq;                     /* 1-based ordinal among tasks */
	const struct invoice_event *ev;   /* the "task" event */
	const struct invoice_event *done; /* the "task-done" naming it, or
	                                     NULL while open */
};

/*
 * task_next -- iterate over INV's tasks in history order: *POS starts at
 * 0 and is advanced; each call fills *T with the next task and returns
 * true, or returns false when there is none left.
 */
bool task_next(const struct invoice *inv, size_t *pos, struct task *t);

/* task_find -- task SEQ of INV into *T. 0, or -1 when there is none. */
int task_find(const struct invoice *inv, unsigned seq, struct task *t);

/* task_count -- how many tasks INV holds, done or not. */
unsigned task_count(const struct invoice *inv);

/* task_moot -- true when INV is paid or closed: its open tasks are no
 * longer to be done (no formal notice posted for a paid invoice), and
 * `relance tasks` leaves them out. */
bool task_moot(const struct invoice *inv);

/* task_format_id -- append "NUMBER.SEQ" to OUT. */
void task_format_id(const char *number, unsigned seq, struct buf *out);

/*
 * task_parse_id -- read ID as "INVOICE.N". Returns the length of the
 * INVOICE part (at least 1) and sets *SEQ, or returns 0 when ID is not of
 * that form (no dot, nothing before it, N empty, not digits, a leading
 * zero, above TASK_MAX_SEQ).
 */
size_t task_parse_id(const char *id, unsigned *seq);

/* task_what -- what the task says to do, in one line: the first line of
 * its detail, at most TASK_MAX_WHAT bytes cut on a character boundary,
 * appended to OUT. */
void task_what(const struct invoice_event *ev, struct buf *out);

/* task_note -- the note of done task T of INV, appended to OUT. Returns
 * true when there is one, false when T is open or was closed without a
 * note. */
bool task_note(const struct invoice *inv, const struct task *t,
               struct buf *out);

/*
 * task_close -- record that task SEQ of INV is done: a "task-done" event
 * at NOW by ACTOR, "ID: WHAT" and "; note: NOTE" when NOTE is not NULL.
 * NOTE must be one line (no control characters) of at most TASK_MAX_NOTE
 * bytes. Returns 0, or -1 with E saying why and INV unchanged: no such
 * task, already done, a bad note, no memory ("out of memory").
 */
int task_close(struct invoice *inv, unsigned seq, const char *note, int64_t now,
               const char *actor, struct err *e);

#endif
