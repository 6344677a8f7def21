/*
 * conf.h -- relance.conf, the one configuration file of relance(1) and
 * relance-milter(8).
 *
 * (Named conf.h, not config.h: "config.h" is autoconf's header, which every
 * .c includes first, and a src/config.h would shadow it.)
 *
 * OpenDKIM style: "Key value" lines, keys case-insensitive, the value is the
 * rest of the line with blanks trimmed, '#' at the start of a line or after
 * a blank starts a comment, and a value written as one double-quoted string
 * keeps its blanks and '#' ("\"" and "\\" escape inside it). Every value is
 * checked when it is read, so that the programs only ever see valid ones;
 * see relance.conf(5) for the keys.
 */
#ifndef RELANCE_CONF_H
#define RELANCE_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "strlist.h"

#ifndef RELANCE_STATE_FILE
#define RELANCE_STATE_FILE "/var/lib/relance/relance.db"
#endif
#ifndef RELANCE_POLICY_DIR
#define RELANCE_POLICY_DIR "/etc/relance/policies"
#endif
#ifndef RELANCE_OUTBOX_DIR
#define RELANCE_OUTBOX_DIR "/var/lib/relance/outbox"
#endif

/* Longest value accepted, in bytes. */
#define CONFIG_MAX_VALUE 1024
/* config_parse stops after this many errors. */
#define CONFIG_MAX_ERRORS 50
/* config_load refuses larger files. */
#define CONFIG_MAX_FILE (1024 * 1024)

/* Defaults of relance-milter's keys. */
#define CONFIG_DEFAULT_SOCKET   "unix:/run/relance/relance-milter.sock"
#define CONFIG_DEFAULT_USER     "relance"
#define CONFIG_DEFAULT_PIDFILE  "/run/relance/relance-milter.pid"
#define CONFIG_DEFAULT_SPOOL    "/var/spool/relance"
#define CONFIG_DEFAULT_TAG      "[Réf. {id}]"
#define CONFIG_DEFAULT_MAX_BODY (1024 * 1024)
/* Bounds of MaxBodySize, in bytes. */
#define CONFIG_MIN_BODY 1024
#define CONFIG_MAX_BODY (1024L * 1024 * 1024)
/* Longest SubjectTag, in bytes (as policy's subject-tag). */
#define CONFIG_MAX_TAG 100
/* Most CompanyAddress lines (a French postal address has at most 6). */
#define CONFIG_MAX_ADDRESS_LINES 6

/* Guard: what relance-milter does with a reminder for an invoice that is
 * paid, closed, disputed or paused. */
enum config_guard {
	CONFIG_GUARD_REJECT, /* refuse it (5.7.1) and say why */
	CONFIG_GUARD_WARN,   /* let it go, log it, flag it */
	CONFIG_GUARD_OFF,    /* let it go */
};

/* On-InternalError: what relance-milter answers when it fails itself. */
enum config_on_error {
	CONFIG_ON_ERROR_ACCEPT,   /* let the mail through unchanged */
	CONFIG_ON_ERROR_TEMPFAIL, /* ask the client to try again later */
};

/* Every string is owned by the struct (malloc'ed) or NULL when unset; so is
 * every list. */
struct config {
	char *path; /* the file it came from, NULL for built-in defaults */
	char *state_file;    /* StateFile */
	char *policy_dir;    /* PolicyDir */
	char *company_name;  /* CompanyName */
	char *sender;        /* Sender: the From of reminders (address,
	                        optionally "Name <addr>") */
	char *reply_address; /* ReplyAddress: the dunning mailbox */
	char *iban;          /* IBAN (stored without spaces, upper case) */
	char *bic;           /* BIC (upper case) */
	char *payment_link;  /* PaymentLink: URL pattern with {invoice} and
	                        {amount} */
	char *sendmail;      /* Sendmail: path of sendmail(1) */
	char *timezone;      /* TimeZone, e.g. Europe/Paris */

	/* Letters (the formal notice by registered post) */
	char *outbox_dir;               /* OutboxDir: where PDF letters go */
	char *pdf_dir;                  /* PdfDir: the invoice PDFs an
	                                   export names are under it; NULL
	                                   when unset (anywhere) */
	struct strlist company_address; /* CompanyAddress: the sender's
	                                   postal address, one line per key */
	char *letter_place;             /* LetterPlace: "Paris" in "Paris,
	                                   le ..."; NULL when unset */
	char *signatory;                /* Signatory: who signs letters;
	                                   NULL when unset */

	/* relance-milter(8) */
	char *socket;      /* Socket: unix:/path, inet:PORT@HOST, inet6:... */
	char *user_id;     /* UserID: USER or USER:GROUP */
	char *pid_file;    /* PidFile */
	char *spool_dir;   /* SpoolDir: events waiting for the state file */
	char *archive_dir; /* ArchiveDir: reminders and replies as they
	                      passed (NULL: config_archive_dir's default) */
	char *subject_tag; /* SubjectTag: holds "{id}" once */
	char *reminder_subject;   /* ReminderSubject: PCRE2, one capture group
	                             (the invoice number); NULL when unset */
	struct strlist mailboxes; /* Mailbox: the dunning mailboxes (empty:
	                             ReplyAddress) */
	struct strlist internal_networks; /* InternalNetworks: ADDR[/BITS] */
	struct strlist internal_daemons;  /* InternalDaemons: {daemon_name}
	                                     values that mean outgoing */
	struct strlist reminder_senders;  /* ReminderSender: addresses */
	size_t max_body_size;             /* MaxBodySize, bytes */
	int on_internal_error; /* On-InternalError: enum config_on_error */
	int guard;             /* Guard: enum config_guard */
	bool plus_addressing;  /* PlusAddressing */

	/* relance(1) run */
	struct strlist summary_to; /* SummaryTo: who gets the mailed summary
	                             of each run (empty: nobody) */
};

/*
 * config_init -- fill C with the built-in defaults: state_file =
 * RELANCE_STATE_FILE, policy_dir = RELANCE_POLICY_DIR, sendmail
 * "/usr/sbin/sendmail", timezone "Europe/Paris", company_name "", and for
 * relance-milter the CONFIG_DEFAULT_* values, internal_networks
 * "127.0.0.0/8" and "::1/128", guard reject, on_internal_error accept,
 * plus_addressing true; the others NULL or empty. Returns 0, or -1 on no
 * memory (C is then still safe to give to config_free). Release with
 * config_free.
 *
 * Keys that take a list (Mailbox, InternalNetworks, InternalDaemons,
 * ReminderSender, SummaryTo) may be given several times and hold
 * comma-separated values; the first time a file gives one, it replaces the
 * default list.
 * CompanyAddress may be given several times too, one address line each
 * (commas are text there: "12, rue de la Paix"), at most
 * CONFIG_MAX_ADDRESS_LINES; outbox_dir defaults to RELANCE_OUTBOX_DIR.
 */
int config_init(struct config *c);

/*
 * config_parse -- parse TEXT[0..LEN) (any bytes; LF or CRLF line ends),
 * named NAME in messages, into C, overriding its values. Every error is
 * appended to ERRORS as "NAME:LINE: what is wrong (what was expected)" and
 * parsing goes on with the next line, so that `relance check` can print
 * them all; a key in error keeps its previous value. Stops after
 * CONFIG_MAX_ERRORS errors. Returns the number of errors, or -1 on no
 * memory. Borrows TEXT and NAME.
 */
int config_parse(struct config *c, const char *name, const char *text,
                 size_t len, struct strlist *errors);

/*
 * config_load -- read the file PATH and config_parse it (errors name PATH),
 * and set c->path. A file that cannot be read is one error "PATH: cannot
 * read: REASON"; a file over CONFIG_MAX_FILE bytes is one error too.
 * Returns the number of errors, or -1 on no memory.
 */
int config_load(struct config *c, const char *path, struct strlist *errors);

/* config_mailboxes -- the dunning mailboxes: Mailbox, or ReplyAddress
 * when no Mailbox is set (then OUT holds it alone), into OUT (cleared
 * first). 0, or -1 on no memory. */
int config_mailboxes(const struct config *c, struct strlist *out);

/* config_archive_dir -- where relance-milter keeps the messages it
 * archives for evidence: ArchiveDir, or "archive" beside the state file
 * (StateFile's directory), into OUT (appended). */
void config_archive_dir(const struct config *c, struct buf *out);

/* config_free -- release every string and list of C and set them to NULL
 * or empty. */
void config_free(struct config *c);

#endif
