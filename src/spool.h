/*
 * spool.h -- events for the state file: applied at once when it can be
 * written, kept in a spool directory until it can when it cannot.
 *
 * relance-milter never holds mail back for its own trouble: when the
 * state file is locked past its short budget, damaged, or the disk is
 * full, the event it wanted to record ("reminder sent", "manual contact")
 * is written to SpoolDir instead, one file per event, atomically (a
 * temporary file, fsync, then link to its final name), and replayed in
 * order later: at start-up, at connection time (at most every few
 * seconds), or by `relance` through spool_replay().
 *
 * An event is a kind, a time and named one-line fields. The same code
 * applies an event whether it comes straight from the milter or from the
 * spool (spool_apply), so a replayed event means exactly what it would
 * have meant at once. Applying is idempotent: an invoice that already has
 * the same event (time, kind and detail) is left alone, so an event
 * replayed twice after a crash counts once.
 *
 * Fields (all optional unless said):
 *	invoice		the invoice number (required by invoice kinds)
 *	actor		who did it (required)
 *	detail		the history line (required)
 *	step		reminder-sent: the step, which becomes last_step
 *	date		reminder-sent: the day of the step (YYYY-MM-DD)
 *	message-id	reminder-sent: "<...>", recorded and indexed
 *	tracking-id	reminder-sent: recorded and indexed
 *	rcpt		contact: a recipient (repeated)
 *	qid		the MTA's queue ID, for the log
 */
#ifndef RELANCE_SPOOL_H
#define RELANCE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "date.h"
#include "err.h"
#include "invoice.h"
#include "store.h"
#include "strlist.h"

#define SPOOL_MAX_FILE   (64 * 1024) /* bytes of one event file */
#define SPOOL_MAX_FIELDS 256         /* fields of one event */
#define SPOOL_MAX_KEY    32          /* bytes of a field name or kind */
#define SPOOL_FAILED                                                           \
	"failed" /* subdirectory of events that could                          \
	            not be applied */

/* Kinds that spool_apply knows. */
#define SPOOL_REMINDER_SENT "reminder-sent"
#define SPOOL_REMINDER_HELD "reminder-held"
#define SPOOL_CONTACT       "contact"

struct spool_event {
	char *kind;            /* [a-z0-9-]+ */
	int64_t time;          /* seconds since the epoch */
	struct strlist keys;   /* field names, in order; may repeat */
	struct strlist values; /* their values, one line each */
};

/* spool_event_init -- an empty event of KIND at TIME. 0, or -1 on no
 * memory (EV is then still safe to give to spool_event_free). */
int spool_event_init(struct spool_event *ev, const char *kind, int64_t time);

/* spool_event_add -- append the field KEY: VALUE (copied; VALUE may hold
 * any bytes but NUL, the file format escapes them). 0, or -1. */
int spool_event_add(struct spool_event *ev, const char *key, const char *value);

/* spool_event_get -- the first value of KEY, or NULL; borrowed. */
const char *spool_event_get(const struct spool_event *ev, const char *key);

/* spool_event_free -- release what EV owns. */
void spool_event_free(struct spool_event *ev);

/* spool_encode -- append the file form of EV to OUT. */
void spool_encode(const struct spool_event *ev, struct buf *out);

/* spool_decode -- parse DATA[0..LEN), made by spool_encode, into EV
 * (which must be empty: all NULL, as memset 0 leaves it). 0, or -1 with E
 * naming the line and what is wrong (EV is then to be freed). */
int spool_decode(const char *data, size_t len, struct spool_event *ev,
                 struct err *e);

/*
 * spool_apply_invoice -- apply the invoice event EV (reminder-sent,
 * reminder-held, contact) to INV, in memory: the event is inserted in the
 * history at its time; for reminder-sent, the tracking ID and Message-ID
 * are added (when new) and the step becomes last_step unless a later
 * reminder is already recorded. Returns 1 when INV changed, 0 when it
 * already had this event, -1 on no memory or a malformed event (E says).
 */
int spool_apply_invoice(struct invoice *inv, const struct spool_event *ev,
                        struct err *e);

/* What spool_apply did. */
enum spool_result {
	SPOOL_APPLIED,   /* the state file changed */
	SPOOL_DUPLICATE, /* it already held the event */
	SPOOL_NOTHING,   /* contact: no open invoice of a known customer */
	SPOOL_REJECTED,  /* cannot be applied (unknown invoice or kind,
	                    malformed): E says why */
	SPOOL_STORE_ERR, /* the store failed: E says why */
};

/* spool_apply -- apply EV to the state file, inside the write transaction
 * the caller began on ST: read the invoice(s), spool_apply_invoice, write
 * them back. A contact event goes to every unpaid invoice of the customers
 * whose contacts are among its rcpt fields, found through the customer
 * index (ledger_customer_numbers), which the first contact on a state file
 * older than it builds (ledger_customer_index: one pass, once). */
enum spool_result spool_apply(struct store *st, const struct spool_event *ev,
                              struct err *e);

/* spool_write -- keep EV in the directory DIR (created mode 0700 if
 * missing): written to a temporary file, fsynced, linked to its final
 * name "SECONDS.MICROSECONDS-RANDOM" (so that names sort in time order),
 * and the directory fsynced. 0, or -1 with E set. */
int spool_write(const char *dir, const struct spool_event *ev, struct err *e);

/* spool_count -- how many events wait in DIR (0 for a missing DIR), or -1
 * with E set. */
long spool_count(const char *dir, struct err *e);

/* spool_log_fn -- where spool_replay reports what it did, one line each
 * ("spool 1795426200.000001-1a2b3c4d: reminder-sent F2026-0042:
 * applied"). */
typedef void (*spool_log_fn)(void *arg, const char *line);

struct spool_report {
	unsigned applied, duplicates, nothing, failed, left;
};

/*
 * spool_replay -- apply the events waiting in DIR, oldest first, at most
 * MAX of them (0: all), in one write transaction on ST, then remove their
 * files. An event that cannot be applied is moved to DIR/failed and
 * reported. Returns STORE_OK (R says what was done; R->left counts the
 * events still waiting), STORE_BUSY or STORE_ERR (with E set: nothing was
 * removed, the events wait for the next try).
 */
enum store_rc spool_replay(const char *dir, struct store *st, unsigned max,
                           spool_log_fn log, void *arg, struct spool_report *r,
                           struct err *e);

#endif
