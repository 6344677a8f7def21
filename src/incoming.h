/*
 * incoming.h -- one incoming message, from bytes to the invoice it changes.
 *
 * The one path that relance-milter (at the end of a message to a dunning
 * mailbox) and `relance replay` (mail that arrived while the milter was
 * down, or that the milter spooled) both take: parse (mime.h), classify
 * (classify.h), find the invoice from the signals, strongest first, and
 * apply the payer profile's reaction (react.h), in one write transaction
 * of the state file. When the state file cannot be written, nothing is
 * changed and the caller keeps the message to replay it later.
 */
#ifndef RELANCE_INCOMING_H
#define RELANCE_INCOMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "invoice.h"
#include "policy.h"
#include "react.h"
#include "store.h"

struct incoming_ctx {
	const struct policy *pol;
	const struct strlist *mailboxes; /* dunning mailboxes */
	struct store *st;
	struct date today;
	int64_t now;
	const char *actor;    /* "relance-milter", "relance replay (root)" */
	const char *queue_id; /* for the evidence, NULL if none */
	const char *archive_note; /* "; archived as NAME, SHA-256 HEX" to end
	                             the event that records the message, or
	                             NULL (evidence.h) */
	int archive_fd; /* the archive's directory when its file is not on
	                 * disk yet (store_write_shared_synced), or -1 */
};

struct incoming_result {
	enum classify_class class;
	char invoice[INVOICE_MAX_ID + 1]; /* "" when no invoice matched */
	enum invoice_state state;         /* the invoice's state after */
	enum react_verdict verdict;       /* when an invoice matched */
	enum store_rc store;              /* STORE_OK, or why nothing was
	                                   * written: keep the message */
	char log[512];                    /* one line for the log */
	bool recorded;                    /* an event of the invoice records
	                                     the message (with archive_note) */
};

/* incoming_process -- read MSG[0..LEN) (a whole message: headers and body)
 * and act on it. Returns 0 with *OUT filled (OUT->store says whether the
 * state file could be used), or -1 on no memory (E set). */
int incoming_process(const struct incoming_ctx *ic, const char *msg, size_t len,
                     struct incoming_result *out, struct err *e);

/* incoming_spool -- keep MSG[0..LEN) in DIR (created if missing) to be
 * processed later: written to a temporary file, fsynced, then renamed to
 * "TIME.RANDOM.eml" so that replay takes messages in arrival order and
 * never sees half a file. 0, or -1 with E naming the file. */
int incoming_spool(const char *dir, int64_t now, const char *msg, size_t len,
                   struct err *e);

/* incoming_replay -- process the messages kept in DIR, oldest first, at
 * most MAX of them; each one the state file took is removed. Stops at the
 * first the state file could not take. *DONE and *LEFT count messages
 * processed and still waiting. 0, or -1 (E set) when DIR cannot be read or
 * the state file could not be used (the rest waits). */
int incoming_replay(const struct incoming_ctx *ic, const char *dir,
                    unsigned max, unsigned *done, unsigned *left,
                    struct err *e);

/* incoming_auth_failed -- do the Authentication-Results values in AR say
 * the sender failed DMARC, or SPF without a passing DKIM? */
bool incoming_auth_failed(const struct strlist *ar);

#endif
