/*
 * compose.h -- writing a reminder: the values of the template placeholders
 * for an invoice, and the complete MIME message that `relance run` hands to
 * sendmail(1).
 *
 * Pure: no I/O, no clock, no randomness. The caller passes today, the
 * Date (a time and a zone offset), the Message-ID and the PDF bytes.
 *
 * Values are text for people: dates and amounts in the invoice's language
 * ("15/12/2026" and "1 234,56" with U+202F as the thousands separator for
 * "fr"; "15 December 2026" and "1,234.56" for any other), one line each
 * (control characters become spaces, invalid UTF-8 becomes U+FFFD), and
 * inserted as they are: "{iban}" in a customer name stays literal text.
 *
 * Messages use LF line ends (what sendmail(1) reads; the MTA writes CRLF
 * on the wire). Every header field is written by one function, which
 * encodes (RFC 2047, through outgoing_header_text) and folds (through
 * outgoing_fold): invoice data can never start a header line of its own.
 */
#ifndef RELANCE_COMPOSE_H
#define RELANCE_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "date.h"
#include "err.h"
#include "invoice.h"
#include "policy.h"
#include "strlist.h"

#define COMPOSE_MAX_FILENAME 200   /* bytes of an attachment's file name */
#define COMPOSE_MAX_DAYS     36500 /* days overdue interest is computed on */
#define COMPOSE_MAX_ZONE     (23 * 60 + 59) /* |zone offset|, minutes */
#define COMPOSE_MAX_MSGID    250            /* bytes of a Message-ID */
#define COMPOSE_YEAR_DAYS    365 /* days in the interest year, always */

/* What compose_values needs. Everything is borrowed. */
struct compose_input {
	const struct invoice *inv;
	const struct config *cfg;
	const struct policy *pol;
	const char *step;     /* the step's name, for {step} */
	struct date today;    /* the day of the run */
	struct date deadline; /* the formal notice's deadline; DATE_NULL:
	                       * today plus the policy's deadline in calendar
	                       * days (pass a business-day date to override) */
};

/* The value of every placeholder: V[I] belongs to policy_placeholders[I]
 * and is NULL when it has none; then WHY[I] says why. All malloc'ed and
 * owned by the struct. */
struct compose_values {
	char **v;
	char **why;
	size_t n;
};

/*
 * compose_values -- fill OUT (free it with compose_values_free, whatever
 * the result) with the value of every placeholder for IN.
 *
 * A value that cannot be given (no IBAN in relance.conf, no ECB rate for
 * the due date) is left NULL and "{NAME}: why" is appended to MISSING
 * (which may be NULL). Returns the number of values missing, or -1 on no
 * memory.
 *
 * interest_amount is the statutory late-payment interest: amount_due x
 * the penalty rate in force on the due date x days_overdue / 365, in
 * integer minor units rounded half away from zero (compose_interest).
 * indemnity is the policy's fixed recovery indemnity (all customers are
 * professional for now); total_claimed adds the interest and, once the
 * invoice is overdue, the indemnity to the amount due; it is missing when
 * the indemnity's currency is not the invoice's.
 */
int compose_values(const struct compose_input *in, struct compose_values *out,
                   struct strlist *missing);

/* Every placeholder, for compose_values_some. */
#define COMPOSE_ALL UINT64_MAX

/* compose_want -- the bit of placeholder NAME in a set of placeholders
 * (bit I for policy_placeholders[I], as policy_template.uses); 0 for an
 * unknown name. */
uint64_t compose_want(const char *name);

/*
 * compose_values_some -- compose_values for the placeholders in WANT only
 * (COMPOSE_ALL: every one): what `relance run` calls with the template's
 * uses, so that a mail does not pay for the values it does not show (the
 * late-payment interest, the formal notice's deadline). A placeholder
 * not in WANT is left NULL, with no why, and not counted as missing.
 */
int compose_values_some(const struct compose_input *in, uint64_t want,
                        struct compose_values *out, struct strlist *missing);

/* compose_value -- the value of the placeholder NAME in V, or NULL (none,
 * or no such placeholder). Borrowed from V. */
const char *compose_value(const struct compose_values *v, const char *name);

/*
 * compose_table -- append to OUT the fixed-width plain-text table of the
 * N invoices INVS (borrowed) on TODAY, headings in LANG ("fr": Facture,
 * Date, Échéance, Reste dû, Jours de retard; any other: Invoice, Issued,
 * Due, Amount due, Days overdue): one line per invoice in the order
 * given (number, issue date, due date, amount due with its currency,
 * days overdue; "-" for a date the invoice lacks), then a rule of '-'
 * and one "Total" line per currency, in the order the currencies first
 * appear. Columns are padded by characters (not bytes), two spaces
 * apart, amounts and days right-aligned, no trailing blanks; every line
 * ends with LF. This is the value of {invoices}. Returns 0, or -1 on no
 * memory.
 */
int compose_table(const struct invoice *const *invs, size_t n,
                  struct date today, const char *lang, struct buf *out);

/*
 * compose_values_group -- turn V, the values of INVS[0], into those of a
 * mail for the N invoices INVS of one customer (grouped reminder):
 * {invoices} is their table (compose_table, in INVS[0]'s language),
 * {invoice} their numbers, ", "-separated, {days_overdue} the largest,
 * and {amount_due} their total when they share one currency (else it
 * stays INVS[0]'s). The other placeholders keep INVS[0]'s values.
 * Returns 0, or -1 on no memory.
 */
int compose_values_group(struct compose_values *v,
                         const struct invoice *const *invs, size_t n,
                         struct date today);

/* compose_values_free -- release what V owns; leaves it empty. */
void compose_values_free(struct compose_values *v);

/*
 * compose_check -- the placeholders template T uses that V has no value
 * for: appends "FILE: {NAME} has no value: why" to ERRORS for each, once
 * (FILE is T's file). Returns how many, or -1 on no memory. This is what
 * `relance check` reports instead of a blank in a customer's mail.
 */
int compose_check(const struct policy_template *t,
                  const struct compose_values *v, struct strlist *errors);

/*
 * compose_interest -- AMOUNT (minor units) x RATE (hundredths of a
 * percent) x DAYS / (365 x 10000), rounded half away from zero, into
 * *OUT. Exact integer arithmetic: no floating point. AMOUNT below 1e15
 * in magnitude, RATE in 0..10000, DAYS in 0..COMPOSE_MAX_DAYS; returns 0,
 * or -1 when an argument is out of range.
 */
int compose_interest(int64_t amount, int rate, long days, int64_t *out);

/* compose_amount -- append AMOUNT (minor units, DECIMALS digits of them)
 * to OUT as LANG writes it: "1 234,56" (U+202F) for "fr", "1,234.56"
 * otherwise; "-" in front of a negative amount. */
void compose_amount(int64_t amount, int decimals, const char *lang,
                    struct buf *out);

/* compose_date -- append D to OUT as LANG writes it: "15/12/2026" for
 * "fr", "15 December 2026" otherwise. */
void compose_date(struct date d, const char *lang, struct buf *out);

/* A file to attach: NAME is its file name (UTF-8; a directory part is
 * dropped), DATA[0..LEN) its bytes, TYPE its media type. Borrowed. */
struct compose_attachment {
	const char *name;
	const char *type; /* "application/pdf" */
	const unsigned char *data;
	size_t len;
};

/* What compose_message writes. Everything is borrowed. */
struct compose_mail {
	const struct policy_template *tpl;   /* subject and body */
	const struct compose_values *values; /* from compose_values */
	const struct invoice *inv;           /* number and contacts */
	const char *from;                    /* Sender: addr, "Name <addr>" */
	const char *step;                    /* X-Relance-Step */
	bool auto_submitted;                 /* the profile's setting */
	int64_t date;                        /* seconds since the epoch */
	int zone;                            /* minutes east of UTC */
	const char *message_id;              /* "<...@...>" */
	const struct compose_attachment *attachment; /* NULL: none */
};

/*
 * compose_message -- append to OUT the complete message for M: From, To
 * (the invoice's contacts but the undeliverable ones), Subject, Date,
 * Message-ID, MIME-Version, X-Relance-Invoice, X-Relance-Step,
 * Auto-Submitted when asked, and a text/plain UTF-8 quoted-printable body;
 * with an attachment, a multipart/mixed message whose second part is the
 * file in base64 (76-character lines) with its file name in
 * Content-Disposition (RFC 2231 when it is not ASCII).
 *
 * The recipients (for sendmail's command line) are appended to RCPTS.
 * Returns 0, or -1 with E set and OUT and RCPTS in an unspecified state:
 * no deliverable contact, a contact or the sender that is not an address,
 * a placeholder without value, a bad Message-ID or zone, no memory.
 */
int compose_message(const struct compose_mail *m, struct buf *out,
                    struct strlist *rcpts, struct err *e);

/* What a grouped reminder adds to a compose_mail. Borrowed. */
struct compose_group {
	const char *const *numbers; /* what X-Relance-Invoice lists */
	size_t nnumbers;
	const struct compose_attachment *more; /* after M->attachment */
	size_t nmore;
};

/*
 * compose_message_group -- compose_message for one mail about several
 * invoices of a customer: X-Relance-Invoice lists G->numbers (", "
 * between them; each at most INVOICE_MAX_ID printable ASCII characters
 * without ','), and the files of G->more follow M->attachment (which
 * must then be set) in the multipart/mixed message. G NULL or without
 * numbers: exactly compose_message. Same returns.
 */
int compose_message_group(const struct compose_mail *m,
                          const struct compose_group *g, struct buf *out,
                          struct strlist *rcpts, struct err *e);

/* A plain-text report for the company's own people (the summary of a
 * run). Everything is borrowed. */
struct compose_report {
	const char *from;         /* Sender: addr, "Name <addr>" */
	const struct strlist *to; /* addresses, at least one */
	const char *subject;      /* UTF-8 text */
	const char *text;         /* the body, UTF-8, LF line ends */
	int64_t date;             /* seconds since the epoch */
	int zone;                 /* minutes east of UTC */
	const char *message_id;   /* "<...@...>" */
};

/*
 * compose_report -- append to OUT the message for R: To, From, Subject,
 * Date, Message-ID, Auto-Submitted: auto-generated (no vacation replies),
 * MIME-Version, and R->text as a text/plain UTF-8 quoted-printable body.
 * Returns 0, or -1 with E set and OUT in an unspecified state: no
 * recipient, a recipient or the sender that is not an address, a bad
 * Message-ID or zone, no memory.
 */
int compose_report(const struct compose_report *r, struct buf *out,
                   struct err *e);

#endif
