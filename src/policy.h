/*
 * policy.h -- the dunning policy: profiles, reactions, rates, templates, and
 * the rules that classify incoming mail.
 *
 * The finance manager edits plain files under a policy directory (see
 * relance.policy(5)); this module reads them into typed values with limits
 * and checks them, naming every fault as "FILE:LINE: what is wrong, what
 * was expected". It collects every error instead of stopping at the first,
 * because `relance check` prints them all.
 *
 * Layout of DIR: every "*.policy" file (read in name order; any section may
 * appear in any file) and every template DIR/templates/LANG/NAME.
 *
 * Pure cores: policy_parse_file() and policy_check_template() work on text
 * in memory; policy_load() is the thin shell that reads the directory.
 *
 * A loaded policy is read-only: its structs are public so that the schedule
 * and compose modules can walk them, but only this module changes them.
 * Money is an integer count of minor units, percentages are integers in
 * hundredths of a percent (basis points: 450 is 4.50 %), days are days.
 */
#ifndef RELANCE_POLICY_H
#define RELANCE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "date.h"
#include "err.h"
#include "strlist.h"

#define POLICY_NAME_MAX       64   /* profile, step, template, language */
#define POLICY_MAX_LINE       1024 /* bytes in a line of a *.policy file */
#define POLICY_MAX_FILE       (1024 * 1024) /* bytes in a *.policy file */
#define POLICY_MAX_TEMPLATE   (64 * 1024)   /* bytes in a template file */
#define POLICY_MAX_PROFILES   64
#define POLICY_MAX_STEPS      32  /* steps in one profile */
#define POLICY_MAX_RATES      400 /* ecb-rate lines: 200 years */
#define POLICY_MAX_TEMPLATES  1024
#define POLICY_MAX_OFFSET     365    /* |offset| of a step, in days */
#define POLICY_MAX_DAYS       365    /* gap, pauses, deadlines */
#define POLICY_MAX_PERCENT    5000   /* 50.00 %: rates and margin */
#define POLICY_MAX_ERRORS     100    /* per file; then "too many errors" */
#define POLICY_MAX_RULE_LANGS 16     /* languages of "rules" sections */
#define POLICY_MAX_RULES      1000   /* rules and cues of one language */
#define POLICY_MAX_TAG        100    /* bytes of the subject-tag format */
#define POLICY_MATCH_LIMIT    100000 /* PCRE2 match limit, per match */
#define POLICY_DEPTH_LIMIT    1000   /* PCRE2 backtracking depth limit */
#define POLICY_HEAP_LIMIT     4096   /* PCRE2 heap limit, in KiB */
/* Closed days in all (a range counts every day it spans), and in one range. */
#define POLICY_MAX_CLOSED       4000
#define POLICY_MAX_CLOSED_RANGE 366

/* Where something was defined: FILE is borrowed from the policy that owns
 * the value (valid until policy_free); LINE is 0 when nothing was set. */
struct policy_where {
	const char *file;
	unsigned line;
};

/* An amount of money: MINOR units of CURRENCY (ISO 4217). */
struct policy_amount {
	int64_t minor;
	char currency[4];
};

enum policy_channel {
	POLICY_CHANNEL_EMAIL,  /* a mail, sent by `relance run` */
	POLICY_CHANNEL_LETTER, /* a printable letter plus a task to post it */
	POLICY_CHANNEL_TASK,   /* a task for a person (e.g. a phone call) */
};

/* One step of a profile's schedule. */
struct policy_step {
	char *name;    /* [a-z0-9-]+ */
	int offset;    /* days from the due date, negative before it */
	bool business; /* OFFSET counts business days, not calendar */
	enum policy_channel channel;
	char *template; /* template name: the step's name by default;
	                 * for a task, the task's text */
	bool attach;    /* attach the invoice PDF */
	struct policy_where where;
};

/* What can happen to an invoice from outside, as the classifier sees it. */
enum policy_event {
	POLICY_EVENT_REPLY,         /* the customer answered */
	POLICY_EVENT_PROMISE,       /* promised to pay on a date */
	POLICY_EVENT_DISPUTE,       /* contests the invoice */
	POLICY_EVENT_REMITTANCE,    /* says it has paid */
	POLICY_EVENT_BOUNCE,        /* the reminder bounced */
	POLICY_EVENT_OUT_OF_OFFICE, /* an automatic absence reply */
	POLICY_EVENT_COUNT
};

/* What relance does then. DAYS is the action's number, when it has one. */
enum policy_action {
	POLICY_ACTION_UNSET = 0,   /* (profiles: inherit; never after load) */
	POLICY_ACTION_PAUSE,       /* pause DAYS days */
	POLICY_ACTION_GRACE,       /* pause until the promised date + DAYS */
	POLICY_ACTION_DISPUTE,     /* mark disputed, wait for a person */
	POLICY_ACTION_PAID,        /* mark paid */
	POLICY_ACTION_ANNOUNCE,    /* pause DAYS days waiting for the bank */
	POLICY_ACTION_LETTER,      /* flag the contact, next step by letter
	                            * plus a task */
	POLICY_ACTION_WAIT_RETURN, /* pause until the stated return date,
	                            * at most DAYS days */
	POLICY_ACTION_IGNORE,      /* change nothing */
};

struct policy_reaction {
	enum policy_action action;
	int days;
	struct policy_where where;
};

/* A payer profile: a schedule and its tone. */
struct policy_profile {
	char *name;
	char *description;
	struct policy_step *steps; /* strictly increasing offsets */
	size_t nsteps;
	char *thanks; /* template on full payment; NULL: none */
	struct policy_where thanks_where; /* its "thanks" line (or the
	                                   * profile's, for the default) */
	int gap; /* minimum calendar days between steps */
	struct policy_amount min_amount; /* below it (same currency): no
	                                  * chasing; 0 EUR when unset */
	bool group_by_customer; /* one mail per customer, all invoices */
	bool auto_submitted;    /* add Auto-Submitted: auto-generated */
	/* The latest step an invoice that was never chased may get first
	 * (a step name of this profile, checked at load), so that a late
	 * import does not open with a formal notice; NULL: no limit. */
	char *first_contact;
	struct policy_where first_contact_where;
	/* Complete after load: the profile's own "on" lines, the global
	 * reactions for the others. */
	struct policy_reaction reactions[POLICY_EVENT_COUNT];
	struct policy_where where; /* the "profile NAME" line */
};

/* The ECB main refinancing rate in force on FROM (a 1 January or 1 July). */
struct policy_ecb_rate {
	struct date from;
	int rate; /* hundredths of a percent */
	struct policy_where where;
};

struct policy_rates {
	struct policy_ecb_rate *ecb; /* sorted by date after load */
	size_t necb;
	int penalty_margin;             /* hundredths of a percent (1000) */
	struct policy_amount indemnity; /* fixed recovery indemnity (40 EUR) */
	int formal_notice_deadline;     /* days */
	struct policy_where margin_where, indemnity_where, deadline_where;
};

/* A checked template: RFC 5322-like headers, a blank line, the body. */
struct policy_template {
	char *lang;    /* "fr" */
	char *name;    /* "reminder-1" */
	char *file;    /* the path it was read from */
	char *subject; /* the Subject: value, unfolded */
	char *body;    /* UTF-8, LF line ends, with {placeholders} */
	uint64_t uses; /* bit I: the subject or body names
	                * policy_placeholders[I] (so that a run builds only
	                * the values a template shows) */
};

/* The classes a rule can name, in the order the classifier decides them
 * (classify.h): the first class that applies wins. */
enum policy_class {
	POLICY_CLASS_BOUNCE,
	POLICY_CLASS_AUTO_REPLY,
	POLICY_CLASS_REMITTANCE,
	POLICY_CLASS_DISPUTE,
	POLICY_CLASS_PROMISE,
	POLICY_CLASS_REPLY,
	POLICY_CLASS_COUNT
};

/* Where a rule looks, and how. Words are matched on folded text
 * (policy_fold) as whole words; patterns are PCRE2, caseless, UTF. */
enum policy_rule_kind {
	POLICY_RULE_KEYWORD,    /* words in the text (see relance.policy(5)) */
	POLICY_RULE_PATTERN,    /* a pattern in the text */
	POLICY_RULE_SUBJECT,    /* words in the Subject */
	POLICY_RULE_ATTACHMENT, /* a pattern on attachment file names */
};

/* A compiled PCRE2 pattern with its match limits; opaque, read-only, safe
 * to match from several threads at once. */
struct policy_regex;

struct policy_rule {
	enum policy_rule_kind kind;
	enum policy_class cls;
	char *text; /* words: folded; patterns: as compiled (accents folded) */
	struct policy_regex *re; /* patterns only */
	struct policy_where where;
};

/* The rules of one language ("rules fr"), from every section of it. */
struct policy_rules {
	char *lang;                /* [a-z]{2,8} */
	struct policy_rule *rules; /* in the order written */
	size_t nrules;
	struct strlist return_cues;  /* folded: "de retour le" */
	struct strlist promise_cues; /* folded: "paiement prevu" */
	struct strlist delay_cues;   /* folded: "delayed": a bounce that
	                              * is only a delay (transient) */
	struct policy_where where;   /* the first "rules LANG" line */
};

/* The language-independent "matching" section. */
struct policy_matching {
	char *invoice_pattern;        /* as written; NULL when unset */
	struct policy_regex *invoice; /* compiled; NULL when unset */
	char *subject_tag;            /* "[Réf. {id}]"; NULL when unset */
	struct policy_where invoice_where, tag_where;
};

/* The "calendar" section: when the company works and mails may go out. */
struct policy_calendar {
	struct date *closed; /* the "closed" days, one entry a day; sorted
	                      * and without duplicates after load */
	size_t nclosed;
	bool window;          /* a "window" line was given */
	unsigned window_days; /* bit 0 Monday ... bit 6 Sunday */
	int window_from;      /* minutes after midnight, inclusive */
	int window_to;        /* minutes after midnight, exclusive (<= 1440) */
	struct policy_where window_where;
};

struct policy {
	struct policy_profile **profiles;
	size_t nprofiles;
	struct policy_reaction reactions[POLICY_EVENT_COUNT]; /* global */
	struct policy_rates rates;
	struct policy_template *templates;
	size_t ntemplates;
	struct strlist langs;       /* template languages, sorted */
	struct strlist files;       /* owns the names policy_where borrows */
	struct strlist rejected;    /* "lang/name" of templates with errors,
	                             * so that they are not also "missing" */
	struct policy_rules *rules; /* one per language, in order of first
	                             * appearance */
	size_t nrules;
	struct policy_matching matching;
	struct policy_calendar calendar;
};

/* The placeholder names a template may use, NULL-terminated: the contract
 * between the checker here and the compose module that fills them in. */
extern const char *const policy_placeholders[];

/* At most this many placeholders: a template's uses is a 64-bit set. */
#define POLICY_MAX_PLACEHOLDERS 64

/* policy_placeholder_known -- true when NAME[0..LEN) is a placeholder. */
bool policy_placeholder_known(const char *name, size_t len);

/*
 * policy_load -- read and check the policy directory DIR.
 *
 * Every error is appended to ERRORS as "FILE:LINE: message" (FILE as built
 * from DIR, e.g. "policies/profiles.policy"); an error that belongs to no
 * line (a missing profile, reaction or rate) reads "DIR: message". Returns
 * the number of errors appended (then *OUT is NULL), 0 with *OUT set to a
 * policy the caller frees with policy_free(), or -1 on no memory.
 */
int policy_load(const char *dir, struct policy **out, struct strlist *errors);

/* policy_new -- an empty policy, for policy_parse_file() and friends.
 * NULL on no memory. */
struct policy *policy_new(void);

/*
 * policy_parse_file -- parse the text of one *.policy file into P.
 *
 * TEXT[0..LEN) is what was read from FILE (the name used in messages).
 * Appends "FILE:LINE: message" to ERRORS for each fault (at most
 * POLICY_MAX_ERRORS, then one "FILE: too many errors" line). What was
 * valid is kept in P. Returns the number of errors appended, or -1 on no
 * memory.
 */
int policy_parse_file(struct policy *p, const char *file, const char *text,
                      size_t len, struct strlist *errors);

/*
 * policy_check_template -- check the template TEXT[0..LEN) read from FILE.
 *
 * Faults (invalid UTF-8, control characters, a header other than Subject,
 * no Subject, an empty body, an unknown {placeholder}, an unclosed "{")
 * are appended to ERRORS as "FILE:LINE: message". When there is none and
 * OUT is not NULL, sets OUT->subject and OUT->body (malloc'ed, the
 * caller's) and OUT->uses; the other fields are left alone. Returns the
 * number of errors appended, or -1 on no memory.
 */
int policy_check_template(const char *file, const char *text, size_t len,
                          struct strlist *errors, struct policy_template *out);

/*
 * policy_add_template -- check TEXT[0..LEN) (read from FILE) and keep it in
 * P as template NAME of language LANG. Returns as policy_check_template();
 * a bad or duplicate name is an error too.
 */
int policy_add_template(struct policy *p, const char *lang, const char *name,
                        const char *file, const char *text, size_t len,
                        struct strlist *errors);

/*
 * policy_finish -- the checks that need everything: a "default" profile,
 * every profile complete (description, steps, templates in every language
 * of P->langs), every reaction and rate present, and no subject rule that
 * matches the subject of one of our own templates (a reply repeats it),
 * and every first-contact naming a step of its profile. Fills each profile's
 * unset reactions from the global ones, sorts the rates and the closed days
 * (dropping days given twice). DIR names the directory in messages. Returns the
 * number of errors appended, or -1.
 */
int policy_finish(struct policy *p, const char *dir, struct strlist *errors);

/* policy_free -- release P and everything it owns; NULL is fine. */
void policy_free(struct policy *p);

/* policy_find_profile -- the profile NAME, or NULL; borrowed from P. */
const struct policy_profile *policy_find_profile(const struct policy *p,
                                                 const char *name);

/* policy_find_step -- the step NAME of PROFILE, or NULL; borrowed. */
const struct policy_step *policy_find_step(const struct policy_profile *pr,
                                           const char *name);

/* policy_find_template -- template NAME in language LANG, or NULL. */
const struct policy_template *policy_find_template(const struct policy *p,
                                                   const char *lang,
                                                   const char *name);

/*
 * policy_ecb_rate -- the ECB rate for late-payment interest on day D, in
 * hundredths of a percent, into *RATE: the rate of D's half-year (the one
 * in force on 1 January for January to June, on 1 July for July to
 * December). Returns 0 when P has that half-year's rate; 1 when it does
 * not and *RATE is the latest earlier one (stale: the administrator must
 * add the half-year's rate); -1 when P has no rate on or before D.
 */
int policy_ecb_rate(const struct policy *p, struct date d, int *rate);

/* policy_penalty_rate -- the statutory late-payment rate on D: the ECB
 * rate plus the penalty margin. Returns as policy_ecb_rate(). */
int policy_penalty_rate(const struct policy *p, struct date d, int *rate);

/*
 * policy_value_fn -- what policy_expand() asks for the value of a
 * placeholder NAME: a string (borrowed, copied at once) or NULL when it has
 * none.
 */
typedef const char *(*policy_value_fn)(const char *name, void *arg);

/*
 * policy_expand -- append TEXT to OUT with each "{name}" replaced by
 * FN(name, ARG) and each "{{" by "{" (a lone "}" is plain text). Returns 0,
 * or -1 with E set when a placeholder is unclosed or FN has no value for
 * it. The one reading of the template syntax, shared with the checker.
 */
int policy_expand(const char *text, policy_value_fn fn, void *arg,
                  struct buf *out, struct err *e);

/* Names, as the policy files spell them ("email", "out-of-office",
 * "pause"); "?" for a value out of range. */
const char *policy_channel_name(enum policy_channel c);
const char *policy_event_name(enum policy_event ev);
const char *policy_action_name(enum policy_action a);

/* policy_event_parse -- the event spelt S, or -1. */
int policy_event_parse(const char *s);

/* policy_class_name -- "bounce", "auto-reply", ..., "reply"; "?" for a
 * value out of range. */
const char *policy_class_name(enum policy_class c);

/* policy_class_parse -- the class spelt S, or -1. */
int policy_class_parse(const char *s);

/* policy_rule_kind_name -- "keyword", "pattern", "subject", "attachment". */
const char *policy_rule_kind_name(enum policy_rule_kind k);

/*
 * policy_fold -- append S[0..LEN) to OUT the way rules see text: lower
 * case without accents (text_fold), typographic apostrophes as "'", every
 * run of blanks, line ends and no-break spaces as one space, invalid UTF-8
 * and NUL bytes as "?". The result is valid UTF-8.
 *
 * When MAP is not NULL, *MAP gets a malloc'ed array (the caller's) of
 * OUT->len + 1 offsets after the call: for each byte appended, the offset
 * in S of the character it came from, then LEN. Returns 0, or -1 on no
 * memory (then *MAP is NULL and OUT is failed).
 */
int policy_fold(const char *s, size_t len, struct buf *out, size_t **map);

/*
 * policy_rule_find -- the first match of rule R in TEXT[FROM..LEN), TEXT
 * folded by policy_fold (words match whole words only). Returns 1 with
 * [*START, *END) set, 0 when there is none, -1 when a pattern hit its
 * match limit or on no memory (hostile text: treat as no match).
 */
int policy_rule_find(const struct policy_rule *r, const char *text, size_t len,
                     size_t from, size_t *start, size_t *end);

/* policy_regex_find -- the same for a compiled pattern (the invoice
 * pattern). TEXT must be valid UTF-8 and FROM a character boundary. */
int policy_regex_find(const struct policy_regex *re, const char *text,
                      size_t len, size_t from, size_t *start, size_t *end);

#endif
