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

#include <stddef.h>

#include "strlist.h"

#ifndef RELANCE_STATE_FILE
#define RELANCE_STATE_FILE "/var/lib/relance/relance.db"
#endif
#ifndef RELANCE_POLICY_DIR
#define RELANCE_POLICY_DIR "/etc/relance/policies"
#endif

/* Longest value accepted, in bytes. */
#define CONFIG_MAX_VALUE 1024
/* config_parse stops after this many errors. */
#define CONFIG_MAX_ERRORS 50
/* config_load refuses larger files. */
#define CONFIG_MAX_FILE (1024 * 1024)

/* Every string is owned by the struct (malloc'ed) or NULL when unset. */
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
};

/*
 * config_init -- fill C with the built-in defaults: state_file =
 * RELANCE_STATE_FILE, policy_dir = RELANCE_POLICY_DIR, sendmail
 * "/usr/sbin/sendmail", timezone "Europe/Paris", company_name "", the
 * others NULL. Returns 0, or -1 on no memory (C is then still safe to give
 * to config_free). Release with config_free.
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

/* config_free -- release every string of C and set them to NULL. */
void config_free(struct config *c);

#endif
