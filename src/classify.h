/*
 * classify.h -- what an incoming message is, which invoice it is about, and
 * why relance thinks so.
 *
 * Pure: a parsed message (mime.h) and the policy's rules in, a class with
 * its evidence and the matching signals out. No state access: the milter
 * looks the signals up (strongest first) and decides.
 *
 * Classes, decided in this order (the first that applies wins):
 *   bounce      a delivery status notification or a known bounce format
 *   auto-reply  RFC 3834 and the vendors' automatic replies
 *   dispute     the customer contests the invoice
 *   remittance  the customer says it paid
 *   promise     the customer promises to pay on a date
 *   reply       any other human reply about an invoice of ours
 *   unrelated   no signal that it is about an invoice of ours
 * Dispute comes before remittance: a mail that says both ("already paid,
 * this one is a duplicate") goes to a person rather than marking the
 * invoice paid. Every class but unrelated needs a signal (tracking ID, one
 * of our Message-IDs, an invoice number), automatic mail included, except
 * a dated absence notice. Keywords and patterns come from the policy
 * ("rules" sections, one per language); they are matched on the new text
 * of the reply only (quote.h), case and accents folded.
 */
#ifndef RELANCE_CLASSIFY_H
#define RELANCE_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "date.h"
#include "err.h"
#include "extract.h"
#include "mime.h"
#include "policy.h"
#include "strlist.h"

enum classify_class {
	CLASSIFY_BOUNCE,
	CLASSIFY_AUTO_REPLY,
	CLASSIFY_REMITTANCE,
	CLASSIFY_DISPUTE,
	CLASSIFY_PROMISE,
	CLASSIFY_REPLY,
	CLASSIFY_UNRELATED,
	CLASSIFY_COUNT
};

/* Where a matching signal was found, strongest first. */
enum classify_signal_kind {
	SIGNAL_PLUS_ADDRESS, /* a recipient's plus-address carries the ID */
	SIGNAL_REFERENCE,    /* In-Reply-To / References: one of our IDs */
	SIGNAL_HEADER,       /* X-Relance-ID kept by the client */
	SIGNAL_SUBJECT_TAG,  /* the Subject's tag */
	SIGNAL_QUOTED,       /* the ID in the quoted text */
	SIGNAL_EMBEDDED,     /* the ID in an embedded original (bounces) */
	SIGNAL_BODY,         /* the ID in the new text */
	SIGNAL_INVOICE,      /* an invoice number in the text: weak */
};

struct classify_signal {
	enum classify_signal_kind kind;
	char *value; /* tracking ID, Message-ID or invoice number */
};

struct classify_opts {
	struct date today; /* when the message has no usable Date */
	const struct strlist *mailboxes; /* dunning mailboxes, for
	                                  * plus-addresses */
};

struct classify_result {
	enum classify_class class;
	char *rule;    /* evidence: the rule that decided ("dsn-failed",
	                * "fr/keyword dispute", "header Auto-Submitted") */
	char *matched; /* evidence: the text it matched */
	char *lang;    /* language of the rule that matched, or NULL */
	struct classify_signal *signals; /* ranked, strongest first */
	size_t nsignals;
	struct strlist tracking_ids; /* canonical, ranked */
	struct strlist invoices;     /* invoice numbers in the text */
	struct date promise_date;    /* DATE_NULL unless a promise */
	struct date return_date;     /* DATE_NULL unless an auto-reply says */
	int64_t amounts[EXTRACT_MAX_AMOUNTS]; /* minor units */
	size_t namounts;
	char *bounce_recipient; /* NULL unless a bounce */
	bool bounce_permanent;  /* 5.x.x (true) or 4.x.x */
	bool truncated;         /* the parser hit a limit */
};

/* classify_message -- classify M under the rules of P. OUT is always to be
 * freed with classify_free. 0, or -1 on no memory. */
int classify_message(const struct mime_message *m, const struct policy *p,
                     const struct classify_opts *o, struct classify_result *out,
                     struct err *e);

/* classify_name -- "bounce", "auto-reply", ..., "unrelated". */
const char *classify_name(enum classify_class c);

/* classify_signal_name -- "plus-address", "reference", ... */
const char *classify_signal_name(enum classify_signal_kind k);

/* classify_evidence -- append "RULE: MATCHED" to OUT, or RULE alone when
 * it already ends with what matched ("no rule" when there is none). */
void classify_evidence(const struct classify_result *r, struct buf *out);

/* classify_free -- release what OUT owns. */
void classify_free(struct classify_result *out);

#endif
