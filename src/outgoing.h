/*
 * outgoing.h -- what relance-milter does with mail that leaves: is it
 * outgoing, is it a reminder and for which invoice, may it go, and which
 * header changes tag it.
 *
 * Pure: the milter (milter.c) gathers the envelope and the headers, reads
 * the invoice, takes the clock and the random numbers, and passes them in;
 * this module decides and returns the exact header changes to make. Every
 * header value it writes is built by outgoing_header_text(), which encodes
 * (RFC 2047) and folds.
 *
 * A reminder is recognised by an X-Relance-Invoice header (set by `relance
 * run` or an ERP, with an optional X-Relance-Step), or by the rule of
 * relance.conf: a ReminderSender address and a ReminderSubject pattern
 * whose capture group is the invoice number. The headers X-Relance-* other
 * than X-Relance-ID are internal: they never leave.
 */
#ifndef RELANCE_OUTGOING_H
#define RELANCE_OUTGOING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "conf.h"
#include "date.h"
#include "err.h"
#include "invoice.h"
#include "policy.h"
#include "strlist.h"
#include "track.h"

#define OUTGOING_MAX_STEP      64   /* bytes of an X-Relance-Step value */
#define OUTGOING_MAX_SUBJECT   2048 /* bytes of a Subject we rewrite */
#define OUTGOING_MAX_SMTP_TEXT 400  /* bytes of an SMTP reply's text */
#define OUTGOING_MAX_LISTED    10   /* recipients named in an event */
#define OUTGOING_FOLD_WIDTH    78   /* outgoing_fold's line width */

/* One network of InternalNetworks, parsed. */
struct outgoing_net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned bits;
	char *text; /* as written in relance.conf */
};

struct outgoing_regex; /* a compiled ReminderSubject */

/* The part of a configuration snapshot this module needs, compiled once
 * per snapshot (outgoing_conf_init) and then read-only: safe to share
 * between threads. */
struct outgoing_conf {
	struct strlist mailboxes;  /* dunning mailboxes */
	struct outgoing_net *nets; /* InternalNetworks */
	size_t nnets;
	struct strlist daemons;                  /* InternalDaemons */
	struct strlist reminder_senders;         /* ReminderSender */
	struct outgoing_regex *reminder_subject; /* NULL: no rule */
	char *subject_tag; /* the policy's, else SubjectTag */
	bool plus_addressing;
	int guard; /* enum config_guard */
};

/* outgoing_conf_init -- compile what OC needs from CFG and POL (POL may be
 * NULL: then SubjectTag is the tag format). Returns 0, or -1 with E set
 * (no memory, or a network or pattern that relance.conf's checks let
 * through and that cannot happen). OC is always safe to give to
 * outgoing_conf_free. */
int outgoing_conf_init(struct outgoing_conf *oc, const struct config *cfg,
                       const struct policy *pol, struct err *e);

/* outgoing_conf_free -- release what OC owns. */
void outgoing_conf_free(struct outgoing_conf *oc);

/* Where a message comes from, as the MTA's macros and connection say.
 * Every member may be NULL (a macro the MTA did not send). */
struct outgoing_origin {
	const char *auth_authen;     /* {auth_authen}: the SMTP AUTH login */
	const char *daemon_name;     /* {daemon_name} */
	const struct sockaddr *addr; /* the client's address */
};

/* outgoing_is_outgoing -- true when mail from O leaves the company: an
 * authenticated client, a client in InternalNetworks (which holds
 * localhost: mail injected with sendmail(1) comes from there), or a
 * daemon in InternalDaemons. WHY gets the reason, for the log ("client
 * authenticated as alice", "client 10.1.2.3 in 10.0.0.0/8", "daemon
 * ORIGINATING"); when false, why it is not. */
bool outgoing_is_outgoing(const struct outgoing_conf *oc,
                          const struct outgoing_origin *o, struct buf *why);

/* One message as the milter gathered it. NAMES and VALUES are the header
 * fields in order, values as the MTA passed them (possibly folded); RCPTS
 * the envelope recipients without angle brackets. All borrowed. */
struct outgoing_msg {
	const struct strlist *names;
	const struct strlist *values;
	const char *envfrom; /* without angle brackets; "" for <> */
	const struct strlist *rcpts;
};

/* outgoing_header -- the value of the first header field NAME (any case)
 * of M, or NULL. Borrowed. */
const char *outgoing_header(const struct outgoing_msg *m, const char *name);

/* outgoing_has_internal -- true when M has an internal header (X-Relance-*
 * other than X-Relance-ID), which must be removed before it leaves. */
bool outgoing_has_internal(const struct outgoing_msg *m);

/* What outgoing_recognise found. */
enum outgoing_kind {
	OUTGOING_ORDINARY, /* not a reminder */
	OUTGOING_REMINDER, /* a reminder for INVOICE */
	OUTGOING_BAD,      /* an X-Relance-Invoice or X-Relance-Step that
	                      cannot be read: not a reminder (WHY says) */
};

/* A grouped reminder (one mail for several invoices of a customer, see
 * relance.policy(5) group-by-customer) lists them all in
 * X-Relance-Invoice, separated by commas ("F1, F2, F3"), at most
 * OUTGOING_MAX_INVOICES; an invoice number holding a comma cannot be
 * named there. The milter guards every listed invoice (the first one the
 * guard stops names the rejection), and tags the mail with one tracking
 * ID: the first listed invoice's (outgoing_pick_id), recorded on every
 * listed invoice, so that the state file's trk: and mid: entries map the
 * ID and the Message-ID to all of them (ledger.h) and a reply to the mail
 * reaches every invoice it was about (incoming.h). For a list the
 * milter leaves each invoice's last step alone (relance run records each
 * invoice's own step; X-Relance-Step names the template's). */
#define OUTGOING_MAX_INVOICES 50

struct outgoing_reminder {
	char invoice[INVOICE_MAX_ID + 1]; /* the first listed */
	char invoices[OUTGOING_MAX_INVOICES][INVOICE_MAX_ID + 1];
	size_t ninvoices; /* 1 unless X-Relance-Invoice lists several */
	char step[OUTGOING_MAX_STEP + 1]; /* "" when none was given */
	const char *how; /* "X-Relance-Invoice" or "ReminderSubject" */
};

/* outgoing_recognise -- is the outgoing message M a reminder? Fills R for
 * OUTGOING_REMINDER; sets WHY for OUTGOING_BAD. The header wins over the
 * rule; the rule needs the envelope sender or the From address among the
 * ReminderSenders, and the decoded Subject to match ReminderSubject. */
enum outgoing_kind outgoing_recognise(const struct outgoing_conf *oc,
                                      const struct outgoing_msg *m,
                                      struct outgoing_reminder *r,
                                      struct buf *why);

/* outgoing_decode -- append the header value V to OUT unfolded, with its
 * RFC 2047 encoded words decoded to UTF-8 (charsets iconv knows; a word
 * that cannot be decoded is kept as written). Invalid UTF-8 and control
 * characters become '?'. */
void outgoing_decode(const char *v, struct buf *out);

/* outgoing_header_text -- append the UTF-8 text TEXT to OUT as a header
 * value: words of ASCII as they are, runs of words with other characters
 * (or that look like encoded words) as RFC 2047 Q encoded words in UTF-8.
 * When AFTER_ENCODED is true the value continues one that ends with an
 * encoded word, and TEXT starts with the space between them, which is
 * then kept inside an encoded word (RFC 2047 drops blanks between two). */
void outgoing_header_text(const char *text, bool after_encoded,
                          struct buf *out);

/* outgoing_fold -- append the header value V, for a field named NAME, to
 * OUT folded before blanks so that lines stay within OUTGOING_FOLD_WIDTH
 * (78) characters where
 * a blank allows it (folds are "\n" followed by the blank). */
void outgoing_fold(const char *name, const char *v, struct buf *out);

/* outgoing_subject_ids -- append the tracking IDs in the (decoded) Subject
 * of M to OUT. Returns how many. */
size_t outgoing_subject_ids(const struct outgoing_msg *m, struct strlist *out);

/* outgoing_pick_id -- the tracking ID to use for a reminder of INV: one of
 * INV's IDs found in M's Subject or X-Relance-ID, else INV's first ID.
 * Returns 1 with OUT set, or 0 when INV has none (make one with
 * track_random and add it to INV). */
int outgoing_pick_id(const struct invoice *inv, const struct outgoing_msg *m,
                     char out[TRACK_ID_SIZE]);

/* outgoing_sender_domain -- the domain of M's From address, else of its
 * envelope sender, else of the first mailbox of OC, else "localhost".
 * Borrowed from M or OC, or static; LEN gets its length. */
const char *outgoing_sender_domain(const struct outgoing_conf *oc,
                                   const struct outgoing_msg *m, size_t *len);

/* outgoing_message_id -- append a new Message-ID to OUT:
 * "<ID.YYYYMMDDTHHMMSSZ.RANDOM@DOMAIN>" from the tracking ID, NOW (UTC)
 * and 32 random bits, at M's sender domain. */
void outgoing_message_id(const struct outgoing_conf *oc,
                         const struct outgoing_msg *m, const char *id,
                         int64_t now, uint32_t random, struct buf *out);

/* outgoing_message_id_of -- M's Message-ID, "<...>" without blanks or
 * comments, into OUT; 0, or -1 when M has none that can be read. */
int outgoing_message_id_of(const struct outgoing_msg *m, struct buf *out);

/* One header change, in the terms of smfi_chgheader(3) and
 * smfi_addheader(3). */
enum outgoing_op {
	OUTGOING_CHANGE, /* the INDEX-th field NAME (from 1) gets VALUE */
	OUTGOING_DELETE, /* the INDEX-th field NAME is removed */
	OUTGOING_ADD,    /* a field NAME: VALUE is appended */
};

struct outgoing_change {
	enum outgoing_op op;
	char *name;
	int index;
	char *value; /* NULL for OUTGOING_DELETE */
};

/* The changes to make, in order (deletions of one name from the last
 * occurrence to the first, so that indexes stay right). */
struct outgoing_plan {
	struct outgoing_change *v;
	size_t n;
};

/* What a reminder gets: its tracking ID, a Message-ID to add when it has
 * none ("<...>"), and a warning to add (X-Relance-Warning) or NULL. */
struct outgoing_tagging {
	const char *id;
	const char *message_id;
	const char *warning;
};

/* outgoing_plan_strip -- the changes that remove M's internal headers.
 * Returns 0, or -1 on no memory (P is then empty). */
int outgoing_plan_strip(const struct outgoing_msg *m, struct outgoing_plan *p);

/* outgoing_plan_reminder -- the changes that tag the reminder M with T:
 * the internal headers removed; the subject tag appended to the Subject
 * (or a Subject made of it) unless the Subject already holds the ID; with
 * PlusAddressing and a mailbox, Reply-To set to the mailbox's
 * plus-address (a Reply-To naming another address is left alone);
 * X-Relance-ID set; the Message-ID added when M has none; the warning
 * added. Returns 0, or -1 on no memory (P is then empty). */
int outgoing_plan_reminder(const struct outgoing_conf *oc,
                           const struct outgoing_msg *m,
                           const struct outgoing_tagging *t,
                           struct outgoing_plan *p);

/* outgoing_plan_free -- release what P owns and empty it. */
void outgoing_plan_free(struct outgoing_plan *p);

/* outgoing_day_fn -- the local calendar day of the time T (seconds since
 * the epoch): the shell's time zone. */
typedef struct date (*outgoing_day_fn)(int64_t t);

/* outgoing_guard -- may a reminder of STEP ("" when none) for INV go out
 * on TODAY? Returns false when its state (effective on TODAY) is open, or
 * for the thanks of a paid invoice; true when it is paused, disputed, paid
 * or closed: then SENTENCE gets why, for the internal sender ("invoice
 * F2026-0042 was marked paid on 2026-11-20: payment of 1234.56 EUR received
 * on 2026-11-20; fully paid", from the last event that brought it to that
 * state, its day by DAY_OF) and STATE its state. */
bool outgoing_guard(const struct invoice *inv, const char *step,
                    struct date today, outgoing_day_fn day_of,
                    enum invoice_state *state, struct buf *sentence);

/* outgoing_smtp_text -- append S to OUT fit for an SMTP reply through
 * smfi_setreply(3): ASCII (accented letters lose their accents, other
 * characters become '?'), no control characters, '%' doubled, at most
 * OUTGOING_MAX_SMTP_TEXT bytes ("..." marks a cut). */
void outgoing_smtp_text(const char *s, struct buf *out);

/* outgoing_list_rcpts -- append "a@x, b@y" to OUT: the recipients of M,
 * at most OUTGOING_MAX_LISTED, then "and N more". */
void outgoing_list_rcpts(const struct outgoing_msg *m, struct buf *out);

#endif
