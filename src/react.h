/*
 * react.h -- what a classified incoming message does to the invoice it is
 * about.
 *
 * Pure: the invoice, the payer profile's reactions, the classification and
 * the facts about the message in; the invoice changed (with one event per
 * change, carrying the evidence) and the outcome out. The milter finds the
 * invoice from the signals (react_strong tells which ones are strong
 * enough) and writes the result.
 *
 * Never chase wrongly, never stop wrongly: a message changes an invoice
 * only when it matched on a strong signal (the tracking ID in the
 * recipient's plus-address, our Message-ID in In-Reply-To/References, the
 * X-Relance-ID header, the Subject tag, the ID in the quoted text or in a
 * bounced original) AND comes from someone who has to do with the invoice
 * (one of its contacts, or a colleague at the same company domain; for a
 * bounce, the failed recipient is one of its contacts) AND does not fail
 * its sender authentication. Anything less is recorded for review and
 * changes nothing.
 */
#ifndef RELANCE_REACT_H
#define RELANCE_REACT_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "invoice.h"
#include "policy.h"

struct react_input {
	const struct classify_result *cls;
	const char *sender;     /* bare From address, NULL if none */
	const char *message_id; /* of the incoming message, NULL if none */
	const char *queue_id;   /* for the event's evidence, NULL if none */
	bool strong;            /* matched on a strong signal (react_strong) */
	bool auth_failed;       /* DKIM/SPF/DMARC failed for the sender */
	struct date today;
	int64_t now;
	const char *actor;        /* "relance-milter" */
	const char *archive_note; /* ends the event that records the
	                             message (evidence_note), or NULL */
};

enum react_verdict {
	REACT_APPLIED, /* the reaction was applied (maybe no change of
	                * state, e.g. an out-of-office without a date) */
	REACT_REVIEW,  /* recorded for a person to look at; no change */
};

struct react_outcome {
	enum react_verdict verdict;
	enum invoice_state before, after;
	char why[160]; /* one line for the log: what was done, or why not */
};

/* react_strong -- is a signal of kind K strong enough to act on? */
bool react_strong(enum classify_signal_kind k);

/* react_sender_known -- does SENDER have to do with INV: one of its
 * contacts, or an address at a contact's domain unless that domain is a
 * public mail provider (gmail.com, orange.fr, ...)? */
bool react_sender_known(const struct invoice *inv, const char *sender);

/* react_apply -- apply the reaction of PROFILE (NULL: the policy's global
 * reactions in GLOBAL) to the message described by IN, on INV. Appends the
 * events to INV's history. Returns 0 with *OUT filled, or -1 on no memory
 * (INV may then hold fewer events, never a half-applied change). */
int react_apply(struct invoice *inv, const struct policy_profile *profile,
                const struct policy_reaction *global,
                const struct react_input *in, struct react_outcome *out);

#endif
