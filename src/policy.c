/*
 * policy.c -- the dunning policy: profiles, reactions, rates, templates.
 *
 * A *.policy file is a list of sections. A section starts with a header
 * line ("profile NAME", "reactions", "rates") and runs to the next header
 * or the end of its file; its lines are "keyword value..." directives from
 * the section's table. Lines whose first non-blank character is '#' and
 * blank lines are ignored. A new kind of section is one more entry in
 * sections[] with its own directive table.
 *
 * The "rules LANG" and "matching" sections hold the classifier's words and
 * PCRE2 patterns. Their values are quoted ("je conteste") and may be
 * followed by a # comment; words are stored folded (policy_fold), patterns
 * compiled once here, with match limits, so that hostile mail cannot make
 * a match run away.
 *
 * Everything is bounded (line, file, counts) and every fault is reported
 * through one sink that prefixes "FILE:LINE: " and stops after
 * POLICY_MAX_ERRORS per file. Running out of memory is sticky in the sink
 * and turns into -1 at the end.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "money.h"
#include "policy.h"
#include "text.h"

#define MAX_WORDS      16 /* words on a policy line; more is "too many" */
#define MAX_DIRECTIVES 16 /* directives in one section table */
#define QUOTE_MAX      40 /* bytes of a bad placeholder quoted back */

const char *const policy_placeholders[] = {"invoice",       "customer",
                                           "customer_name", "contact",
                                           "issue_date",    "due_date",
                                           "amount_due",    "amount_original",
                                           "currency",      "days_overdue",
                                           "deadline_date", "deadline_days",
                                           "company_name",  "sender",
                                           "reply_address", "iban",
                                           "bic",           "payment_link",
                                           "interest_rate", "interest_amount",
                                           "indemnity",     "total_claimed",
                                           "today",         "step",
                                           "invoices",      NULL};
_Static_assert(sizeof(policy_placeholders) / sizeof(policy_placeholders[0]) -
                       1 <=
                   POLICY_MAX_PLACEHOLDERS,
               "a template's uses holds every placeholder");

static const char *const channel_names[] = {"email", "letter", "task"};

static const char *const event_names[] = {
    "reply", "promise", "dispute", "remittance", "bounce", "out-of-office"};

static const char *const action_names[] = {"unset",
                                           "pause",
                                           "grace",
                                           "mark-disputed",
                                           "paid",
                                           "announce",
                                           "switch-to-letter",
                                           "wait-return",
                                           "ignore"};

/* The actions each event accepts, and whether they take a number of days
 * (and from how many). */
static const struct reaction_form {
	enum policy_event ev;
	enum policy_action act;
	bool days;
	int min_days;
} reaction_forms[] = {
    {POLICY_EVENT_REPLY, POLICY_ACTION_PAUSE, true, 1},
    {POLICY_EVENT_REPLY, POLICY_ACTION_IGNORE, false, 0},
    {POLICY_EVENT_PROMISE, POLICY_ACTION_GRACE, true, 0},
    {POLICY_EVENT_DISPUTE, POLICY_ACTION_DISPUTE, false, 0},
    {POLICY_EVENT_REMITTANCE, POLICY_ACTION_PAID, false, 0},
    {POLICY_EVENT_REMITTANCE, POLICY_ACTION_ANNOUNCE, true, 1},
    {POLICY_EVENT_BOUNCE, POLICY_ACTION_LETTER, false, 0},
    {POLICY_EVENT_OUT_OF_OFFICE, POLICY_ACTION_WAIT_RETURN, true, 1},
    {POLICY_EVENT_OUT_OF_OFFICE, POLICY_ACTION_IGNORE, false, 0},
};

#define NFORMS (sizeof(reaction_forms) / sizeof(reaction_forms[0]))

/* ------------------------------------------------------------------ */
/* The error sink                                                     */

struct sink {
	struct strlist *list;
	const char *file; /* for the "too many errors" line */
	unsigned max;     /* stop after this many errors; 0: never */
	unsigned n;       /* errors appended */
	bool full;        /* MAX reached: drop the rest */
	bool nomem;
};

#define SINK(list, file)                                                       \
	{                                                                      \
		(list), (file), POLICY_MAX_ERRORS, 0, false, false             \
	}

static void
sink_vadd(struct sink *s, const char *file, unsigned line, const char *fmt,
          va_list ap)
{
	struct buf b = BUF_INIT;

	if (s->full || s->nomem)
		return;
	if (s->max > 0 && s->n == s->max) {
		buf_printf(&b, "%s: too many errors, stopping after %u",
		           s->file, s->max);
		s->full = true;
	} else if (line > 0) {
		buf_printf(&b, "%s:%u: ", file, line);
		buf_vprintf(&b, fmt, ap);
	} else {
		buf_printf(&b, "%s: ", file);
		buf_vprintf(&b, fmt, ap);
	}
	if (buf_failed(&b) || strlist_add(s->list, buf_cstr(&b)) < 0)
		s->nomem = true;
	else
		s->n++;
	buf_free(&b);
}

/* sink_at -- one error about FILE:LINE (LINE 0: about FILE as a whole). */
__attribute__((format(printf, 4, 5))) static void
sink_at(struct sink *s, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink_vadd(s, file, line, fmt, ap);
	va_end(ap);
}

/* sink_result -- what the public functions return. */
static int
sink_result(const struct sink *s)
{
	return s->nomem ? -1 : (int)s->n;
}

/* ------------------------------------------------------------------ */
/* Words and values                                                   */

/* A name: 1..POLICY_NAME_MAX of [a-z0-9-], starting with a letter or digit. */
static bool
valid_name(const char *s)
{
	size_t n = 0;

	if (*s == '-' || *s == '\0')
		return false;
	for (; *s != '\0'; s++, n++)
		if (n >= POLICY_NAME_MAX ||
		    !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-'))
			return false;
	return true;
}

/* Read 1..4 decimal digits at *P, advancing it. */
static int
read_number(const char **p, int *out)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > 4)
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

/* A duration "7d" for directive WHAT, MIN..MAX days. */
static int
parse_days(struct sink *s, const char *file, unsigned line, const char *what,
           const char *tok, int min, int max, int *out)
{
	const char *p = tok;
	int v;

	if (read_number(&p, &v) < 0 || strcmp(p, "d") != 0 || v < min ||
	    v > max) {
		sink_at(s, file, line,
		        "bad duration \"%s\" for \"%s\", expected a number of "
		        "days from %dd to %dd",
		        tok, what, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* An offset from the due date: "-8d", "+15d", "8d", "+20bd". */
static int
parse_offset(struct sink *s, const char *file, unsigned line, const char *tok,
             int *days, bool *business)
{
	const char *p = tok;
	int sign = 1, v;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (read_number(&p, &v) < 0 ||
	    (strcmp(p, "d") != 0 && strcmp(p, "bd") != 0)) {
		sink_at(s, file, line,
		        "bad offset \"%s\", expected days from the due date "
		        "such as -8d, +15d or +20bd",
		        tok);
		return -1;
	}
	if (v > POLICY_MAX_OFFSET) {
		sink_at(s, file, line,
		        "offset \"%s\" out of range, expected -%dd to +%dd",
		        tok, POLICY_MAX_OFFSET, POLICY_MAX_OFFSET);
		return -1;
	}
	*days = sign * v;
	*business = p[0] == 'b';
	return 0;
}

/* A percentage "2.15" into hundredths of a percent, 0..POLICY_MAX_PERCENT. */
static int
parse_percent(struct sink *s, const char *file, unsigned line, const char *what,
              const char *tok, int *out)
{
	int64_t v;

	if (money_parse(tok, 2, &v) < 0 || v < 0 || v > POLICY_MAX_PERCENT) {
		sink_at(s, file, line,
		        "bad percentage \"%s\" for \"%s\", expected 0.00 to "
		        "%d.00 such as 2.15",
		        tok, what, POLICY_MAX_PERCENT / 100);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* An amount AMOUNT in currency CUR (NULL: EUR), not negative. */
static int
parse_amount(struct sink *s, const char *file, unsigned line,
             const char *amount, const char *cur, struct policy_amount *out)
{
	int decimals;
	int64_t v;

	if (cur == NULL)
		cur = "EUR";
	decimals = money_currency_decimals(cur);
	if (decimals < 0) {
		sink_at(s, file, line,
		        "bad currency \"%s\", expected an ISO 4217 code such "
		        "as EUR",
		        cur);
		return -1;
	}
	if (money_parse(amount, decimals, &v) < 0 || v < 0) {
		sink_at(s, file, line,
		        "bad amount \"%s\", expected an amount such as 15.00",
		        amount);
		return -1;
	}
	out->minor = v;
	memcpy(out->currency, cur, 4);
	return 0;
}

static int
parse_bool(struct sink *s, const char *file, unsigned line, const char *what,
           const char *tok, bool *out)
{
	if (strcmp(tok, "yes") == 0)
		*out = true;
	else if (strcmp(tok, "no") == 0)
		*out = false;
	else {
		sink_at(s, file, line,
		        "bad value \"%s\" for \"%s\", expected yes or no", tok,
		        what);
		return -1;
	}
	return 0;
}

/* Offsets compare with business days counted as 7/5 of a calendar day. */
static long
offset_estimate(const struct policy_step *st)
{
	return st->business ? (long)st->offset * 7 / 5 : st->offset;
}

static void
offset_format(const struct policy_step *st, char *out, size_t size)
{
	snprintf(out, size, "%s%d%s", st->offset < 0 ? "-" : "+",
	         st->offset < 0 ? -st->offset : st->offset,
	         st->business ? "bd" : "d");
}

/* ------------------------------------------------------------------ */
/* The parser                                                         */

struct parser;

static int quote_len(const char *s, size_t len);

/* A directive: its keyword, how many values it takes (MAX -1: the rest of
 * the line as one value), whether it may appear once per section, its
 * usage for messages, and its handler (V holds N values). */
struct directive {
	const char *name;
	int min, max;
	bool once;
	const char *usage;
	void (*fn)(struct parser *ps, char **v, int n);
};

struct section {
	const char *name;
	int nargs;
	const char *usage;
	void (*open)(struct parser *ps, char **v, int n);
	const struct directive *directives;
};

struct parser {
	struct policy *p;
	struct sink *sink;
	const char *file; /* borrowed from p->files */
	unsigned line;
	const struct section *sec;   /* NULL before the first header */
	struct policy_profile *prof; /* the open profile section */
	bool keep;                   /* add PROF to P when it closes */
	long rules_i; /* the open rules section's index in P->rules, or -1 */
	unsigned seen[MAX_DIRECTIVES]; /* line of each "once" directive */
	char ctx[POLICY_NAME_MAX + 16];
};

__attribute__((format(printf, 2, 3))) static void
perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink_vadd(ps->sink, ps->file, ps->line, fmt, ap);
	va_end(ap);
}

static char *
pstrdup(struct parser *ps, const char *s)
{
	char *c = strdup(s);

	if (c == NULL)
		ps->sink->nomem = true;
	return c;
}

static void
profile_free(struct policy_profile *pr)
{
	if (pr == NULL)
		return;
	for (size_t i = 0; i < pr->nsteps; i++) {
		free(pr->steps[i].name);
		free(pr->steps[i].template);
	}
	free(pr->steps);
	free(pr->name);
	free(pr->description);
	free(pr->thanks);
	free(pr->first_contact);
	free(pr);
}

static struct policy_where
here(const struct parser *ps)
{
	return (struct policy_where){ps->file, ps->line};
}

/* --- "on EVENT ACTION [DAYS]", in profiles and in reactions --------- */

static void
expected_actions(enum policy_event ev, char *out, size_t size)
{
	size_t used = 0;
	bool first = true;

	out[0] = '\0';
	for (size_t i = 0; i < NFORMS && used < size; i++) {
		const struct reaction_form *f = &reaction_forms[i];

		if (f->ev != ev)
			continue;
		used += (size_t)snprintf(
		    out + used, size - used, "%s%s%s", first ? "" : " or ",
		    action_names[f->act], f->days ? " DAYS" : "");
		first = false;
	}
}

static void
set_reaction(struct parser *ps, struct policy_reaction *table, char **v, int n)
{
	const struct reaction_form *form = NULL;
	struct policy_reaction r = {POLICY_ACTION_UNSET, 0, here(ps)};
	char want[128];
	int ev = policy_event_parse(v[0]);

	if (ev < 0) {
		perr(ps,
		     "unknown event \"%s\", expected reply, promise, dispute, "
		     "remittance, bounce or out-of-office",
		     v[0]);
		return;
	}
	expected_actions(ev, want, sizeof(want));
	for (size_t i = 0; i < NFORMS; i++)
		if (reaction_forms[i].ev == (enum policy_event)ev &&
		    strcmp(action_names[reaction_forms[i].act], v[1]) == 0)
			form = &reaction_forms[i];
	if (form == NULL) {
		perr(ps, "unknown action \"%s\" for \"%s\", expected %s", v[1],
		     v[0], want);
		return;
	}
	if (form->days && n < 3) {
		perr(ps,
		     "\"%s\" needs a number of days, expected \"on %s %s "
		     "DAYS\"",
		     v[1], v[0], v[1]);
		return;
	}
	if (!form->days && n > 2) {
		perr(ps, "\"%s\" takes no value, expected \"on %s %s\"", v[1],
		     v[0], v[1]);
		return;
	}
	r.action = form->act;
	if (form->days &&
	    parse_days(ps->sink, ps->file, ps->line, v[1], v[2], form->min_days,
	               POLICY_MAX_DAYS, &r.days) < 0)
		return;
	if (table[ev].where.line > 0) {
		perr(ps, "duplicate reaction to \"%s\", first set at %s:%u",
		     v[0], table[ev].where.file, table[ev].where.line);
		return;
	}
	table[ev] = r;
}

/* --- profile sections ----------------------------------------------- */

static void
open_profile(struct parser *ps, char **v, int n)
{
	struct policy_profile *pr = calloc(1, sizeof(*pr));
	const char *name = n > 0 ? v[0] : "";

	if (pr == NULL) {
		ps->sink->nomem = true;
		return;
	}
	ps->prof = pr;
	ps->keep = false;
	pr->where = here(ps);
	pr->thanks_where = here(ps);
	memcpy(pr->min_amount.currency, "EUR", 4);
	pr->name = pstrdup(ps, name);
	pr->thanks = pstrdup(ps, "thanks");
	snprintf(ps->ctx, sizeof(ps->ctx), "profile \"%.*s\"", POLICY_NAME_MAX,
	         name);
	if (n == 0)
		return;
	if (!valid_name(name)) {
		perr(ps,
		     "bad profile name \"%s\", expected lower-case letters, "
		     "digits and '-' (at most %d)",
		     name, POLICY_NAME_MAX);
		return;
	}
	for (size_t i = 0; i < ps->p->nprofiles; i++) {
		const struct policy_profile *o = ps->p->profiles[i];

		if (strcmp(o->name, name) == 0) {
			perr(ps,
			     "duplicate profile \"%s\", first defined at "
			     "%s:%u",
			     name, o->where.file, o->where.line);
			return;
		}
	}
	if (ps->p->nprofiles >= POLICY_MAX_PROFILES) {
		perr(ps, "too many profiles, expected at most %d",
		     POLICY_MAX_PROFILES);
		return;
	}
	ps->keep = true;
}

static void
close_profile(struct parser *ps)
{
	struct policy *p = ps->p;
	struct policy_profile **v;

	if (ps->prof == NULL)
		return;
	if (!ps->keep || ps->sink->nomem || ps->prof->name == NULL)
		goto discard;
	v = realloc(p->profiles, (p->nprofiles + 1) * sizeof(*v));
	if (v == NULL) {
		ps->sink->nomem = true;
		goto discard;
	}
	p->profiles = v;
	p->profiles[p->nprofiles++] = ps->prof;
	ps->prof = NULL;
	return;
discard:
	profile_free(ps->prof);
	ps->prof = NULL;
}

static void
d_description(struct parser *ps, char **v, int n)
{
	char *d = pstrdup(ps, v[0]);

	if (d == NULL)
		return;
	free(ps->prof->description);
	ps->prof->description = d;
}

/* Read the words after "step NAME OFFSET CHANNEL" into ST. */
static int
step_options(struct parser *ps, struct policy_step *st, char **v, int n)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(v[i], "attach") == 0 && !st->attach) {
			if (st->channel == POLICY_CHANNEL_TASK) {
				perr(ps, "\"attach\" on a task step, expected "
				         "attach only with email or letter");
				return -1;
			}
			st->attach = true;
		} else if (strcmp(v[i], "template") == 0 && i + 1 < n) {
			if (!valid_name(v[++i])) {
				perr(ps,
				     "bad template name \"%s\", expected "
				     "lower-case letters, digits and '-' (at "
				     "most %d)",
				     v[i], POLICY_NAME_MAX);
				return -1;
			}
			free(st->template);
			st->template = pstrdup(ps, v[i]);
		} else {
			perr(ps,
			     "unexpected \"%s\" in step, expected attach or "
			     "template NAME",
			     v[i]);
			return -1;
		}
	}
	return 0;
}

/* Check ST against the steps already in PR: name unique, offset after. */
static int
step_fits(struct parser *ps, const struct policy_profile *pr,
          const struct policy_step *st)
{
	const struct policy_step *last;
	char a[16], b[16];

	for (size_t i = 0; i < pr->nsteps; i++)
		if (strcmp(pr->steps[i].name, st->name) == 0) {
			perr(ps,
			     "duplicate step \"%s\", first defined at %s:%u",
			     st->name, pr->steps[i].where.file,
			     pr->steps[i].where.line);
			return -1;
		}
	if (pr->nsteps == 0)
		return 0;
	last = &pr->steps[pr->nsteps - 1];
	if (offset_estimate(st) <= offset_estimate(last)) {
		offset_format(st, a, sizeof(a));
		offset_format(last, b, sizeof(b));
		perr(ps,
		     "step \"%s\" at %s is not after step \"%s\" at %s, "
		     "expected steps in increasing order of offset",
		     st->name, a, last->name, b);
		return -1;
	}
	if (pr->nsteps >= POLICY_MAX_STEPS) {
		perr(ps, "too many steps in %s, expected at most %d", ps->ctx,
		     POLICY_MAX_STEPS);
		return -1;
	}
	return 0;
}

static void
d_step(struct parser *ps, char **v, int n)
{
	struct policy_profile *pr = ps->prof;
	struct policy_step st = {0};
	struct policy_step *steps;
	int c;

	if (!valid_name(v[0])) {
		perr(ps,
		     "bad step name \"%s\", expected lower-case letters, "
		     "digits and '-' (at most %d)",
		     v[0], POLICY_NAME_MAX);
		return;
	}
	if (parse_offset(ps->sink, ps->file, ps->line, v[1], &st.offset,
	                 &st.business) < 0)
		return;
	for (c = 0; c < 3; c++)
		if (strcmp(v[2], channel_names[c]) == 0)
			break;
	if (c == 3) {
		perr(ps,
		     "unknown channel \"%s\", expected email, letter or task",
		     v[2]);
		return;
	}
	st.channel = (enum policy_channel)c;
	st.name = v[0];
	st.where = here(ps);
	if (step_options(ps, &st, v + 3, n - 3) < 0 ||
	    step_fits(ps, pr, &st) < 0)
		goto out;
	st.name = pstrdup(ps, v[0]);
	if (st.template == NULL)
		st.template = pstrdup(ps, v[0]);
	steps = realloc(pr->steps, (pr->nsteps + 1) * sizeof(*steps));
	if (steps == NULL)
		ps->sink->nomem = true;
	if (st.name == NULL || st.template == NULL || steps == NULL) {
		free(st.name);
		goto out;
	}
	pr->steps = steps;
	pr->steps[pr->nsteps++] = st;
	return;
out:
	free(st.template);
}

static void
d_thanks(struct parser *ps, char **v, int n)
{
	char *t = NULL;

	if (strcmp(v[0], "none") != 0) {
		if (!valid_name(v[0])) {
			perr(ps,
			     "bad template name \"%s\", expected lower-case "
			     "letters, digits and '-' (at most %d), or none",
			     v[0], POLICY_NAME_MAX);
			return;
		}
		if ((t = pstrdup(ps, v[0])) == NULL)
			return;
	}
	free(ps->prof->thanks);
	ps->prof->thanks = t;
	ps->prof->thanks_where = here(ps);
}

static void
d_gap(struct parser *ps, char **v, int n)
{
	parse_days(ps->sink, ps->file, ps->line, "gap", v[0], 0,
	           POLICY_MAX_DAYS, &ps->prof->gap);
}

static void
d_min_amount(struct parser *ps, char **v, int n)
{
	parse_amount(ps->sink, ps->file, ps->line, v[0], n > 1 ? v[1] : NULL,
	             &ps->prof->min_amount);
}

static void
d_group(struct parser *ps, char **v, int n)
{
	parse_bool(ps->sink, ps->file, ps->line, "group-by-customer", v[0],
	           &ps->prof->group_by_customer);
}

static void
d_auto_submitted(struct parser *ps, char **v, int n)
{
	parse_bool(ps->sink, ps->file, ps->line, "auto-submitted", v[0],
	           &ps->prof->auto_submitted);
}

static void
d_first_contact(struct parser *ps, char **v, int n)
{
	char *t;

	if (!valid_name(v[0])) {
		perr(ps,
		     "bad step name \"%s\" for \"first-contact\", expected "
		     "the name of a step of this profile",
		     v[0]);
		return;
	}
	if ((t = pstrdup(ps, v[0])) == NULL)
		return;
	free(ps->prof->first_contact);
	ps->prof->first_contact = t;
	ps->prof->first_contact_where = here(ps);
}

static void
d_profile_on(struct parser *ps, char **v, int n)
{
	set_reaction(ps, ps->prof->reactions, v, n);
}

static const struct directive profile_directives[] = {
    {"description", 1, -1, true, "description TEXT", d_description},
    {"step", 3, 6, false, "step NAME OFFSET CHANNEL [attach] [template NAME]",
     d_step},
    {"thanks", 1, 1, true, "thanks TEMPLATE|none", d_thanks},
    {"gap", 1, 1, true, "gap DAYS", d_gap},
    {"min-amount", 1, 2, true, "min-amount AMOUNT [CURRENCY]", d_min_amount},
    {"group-by-customer", 1, 1, true, "group-by-customer yes|no", d_group},
    {"auto-submitted", 1, 1, true, "auto-submitted yes|no", d_auto_submitted},
    {"first-contact", 1, 1, true, "first-contact STEP", d_first_contact},
    {"on", 2, 3, false, "on EVENT ACTION [DAYS]", d_profile_on},
    {NULL, 0, 0, false, NULL, NULL}};

/* --- reactions sections --------------------------------------------- */

static void
open_plain(struct parser *ps, char **v, int n)
{
	snprintf(ps->ctx, sizeof(ps->ctx), "%s", ps->sec->name);
}

static void
d_on(struct parser *ps, char **v, int n)
{
	set_reaction(ps, ps->p->reactions, v, n);
}

static const struct directive reaction_directives[] = {
    {"on", 2, 3, false, "on EVENT ACTION [DAYS]", d_on},
    {NULL, 0, 0, false, NULL, NULL}};

/* --- rates sections ------------------------------------------------- */

/* The rates are global: a second value anywhere is a duplicate. */
static bool
rate_once(struct parser *ps, const char *what, struct policy_where *w)
{
	if (w->line > 0) {
		perr(ps, "duplicate \"%s\", first set at %s:%u", what, w->file,
		     w->line);
		return false;
	}
	return true;
}

static void
d_ecb_rate(struct parser *ps, char **v, int n)
{
	struct policy_rates *r = &ps->p->rates;
	struct policy_ecb_rate e = {DATE_NULL, 0, here(ps)};
	struct policy_ecb_rate *ecb;
	char day[11];

	if (date_parse(v[0], &e.from) < 0) {
		perr(ps, "bad date \"%s\", expected YYYY-MM-DD", v[0]);
		return;
	}
	date_format(e.from, day);
	if (e.from.day != 1 || (e.from.month != 1 && e.from.month != 7)) {
		perr(ps,
		     "ecb-rate date %s is not a 1 January or 1 July, expected "
		     "the first day of a half-year",
		     day);
		return;
	}
	if (parse_percent(ps->sink, ps->file, ps->line, "ecb-rate", v[1],
	                  &e.rate) < 0)
		return;
	for (size_t i = 0; i < r->necb; i++)
		if (date_cmp(r->ecb[i].from, e.from) == 0) {
			perr(ps,
			     "duplicate ecb-rate for %s, first set at %s:%u",
			     day, r->ecb[i].where.file, r->ecb[i].where.line);
			return;
		}
	if (r->necb >= POLICY_MAX_RATES) {
		perr(ps, "too many ecb-rate lines, expected at most %d",
		     POLICY_MAX_RATES);
		return;
	}
	ecb = realloc(r->ecb, (r->necb + 1) * sizeof(*ecb));
	if (ecb == NULL) {
		ps->sink->nomem = true;
		return;
	}
	r->ecb = ecb;
	r->ecb[r->necb++] = e;
}

static void
d_margin(struct parser *ps, char **v, int n)
{
	struct policy_rates *r = &ps->p->rates;

	if (rate_once(ps, "penalty-margin", &r->margin_where) &&
	    parse_percent(ps->sink, ps->file, ps->line, "penalty-margin", v[0],
	                  &r->penalty_margin) == 0)
		r->margin_where = here(ps);
}

static void
d_indemnity(struct parser *ps, char **v, int n)
{
	struct policy_rates *r = &ps->p->rates;

	if (rate_once(ps, "indemnity", &r->indemnity_where) &&
	    parse_amount(ps->sink, ps->file, ps->line, v[0], v[1],
	                 &r->indemnity) == 0)
		r->indemnity_where = here(ps);
}

static void
d_deadline(struct parser *ps, char **v, int n)
{
	struct policy_rates *r = &ps->p->rates;

	if (rate_once(ps, "formal-notice-deadline", &r->deadline_where) &&
	    parse_days(ps->sink, ps->file, ps->line, "formal-notice-deadline",
	               v[0], 1, POLICY_MAX_DAYS,
	               &r->formal_notice_deadline) == 0)
		r->deadline_where = here(ps);
}

static const struct directive rate_directives[] = {
    {"ecb-rate", 2, 2, false, "ecb-rate YYYY-MM-DD PERCENT", d_ecb_rate},
    {"penalty-margin", 1, 1, false, "penalty-margin PERCENT", d_margin},
    {"indemnity", 2, 2, false, "indemnity AMOUNT CURRENCY", d_indemnity},
    {"formal-notice-deadline", 1, 1, false, "formal-notice-deadline DAYS",
     d_deadline},
    {NULL, 0, 0, false, NULL, NULL}};

/* --- rules and matching sections ------------------------------------ */

static const char *const class_names[] = {"bounce",  "auto-reply", "remittance",
                                          "dispute", "promise",    "reply"};

static const char *const rule_kind_names[] = {"keyword", "pattern", "subject",
                                              "attachment"};

struct policy_regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
};

static void
regex_free(struct policy_regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	pcre2_match_context_free(re->mctx);
	free(re);
}

static void
rules_clear(struct policy_rules *r)
{
	for (size_t i = 0; i < r->nrules; i++) {
		free(r->rules[i].text);
		regex_free(r->rules[i].re);
	}
	free(r->rules);
	free(r->lang);
	strlist_clear(&r->return_cues);
	strlist_clear(&r->promise_cues);
	strlist_clear(&r->delay_cues);
	strlist_clear(&r->spell_from);
	strlist_clear(&r->spell_to);
}

/* A rules language: 2 to 8 lower-case ASCII letters. */
static bool
valid_lang(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz");

	return s[n] == '\0' && n >= 2 && n <= 8;
}

static void
open_rules(struct parser *ps, char **v, int n)
{
	struct policy *p = ps->p;
	struct policy_rules *r;
	const char *lang = n > 0 ? v[0] : "";

	ps->rules_i = -1;
	snprintf(ps->ctx, sizeof(ps->ctx), "rules \"%.*s\"", POLICY_NAME_MAX,
	         lang);
	if (n == 0)
		return;
	if (!valid_lang(lang)) {
		perr(ps,
		     "bad language \"%s\", expected 2 to 8 lower-case letters "
		     "such as fr",
		     lang);
		return;
	}
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].lang, lang) == 0) {
			ps->rules_i = (long)i;
			return;
		}
	if (p->nrules >= POLICY_MAX_RULE_LANGS) {
		perr(ps, "too many rules languages, expected at most %d",
		     POLICY_MAX_RULE_LANGS);
		return;
	}
	r = realloc(p->rules, (p->nrules + 1) * sizeof(*r));
	if (r == NULL) {
		ps->sink->nomem = true;
		return;
	}
	p->rules = r;
	r = &p->rules[p->nrules];
	memset(r, 0, sizeof(*r));
	if ((r->lang = pstrdup(ps, lang)) == NULL)
		return;
	r->where = here(ps);
	ps->rules_i = (long)p->nrules++;
}

/* The rules of the open section, or NULL when its header was bad. */
static struct policy_rules *
open_rules_of(struct parser *ps)
{
	return ps->rules_i >= 0 ? &ps->p->rules[ps->rules_i] : NULL;
}

/*
 * Read the value at S: "quoted text" or one bare word, then nothing but
 * blanks or a # comment. In quotes, \" and \\ stand for " and \ unless
 * RAW (patterns: kept as written, PCRE2 reads them the same way). The
 * value goes to OUT. Returns 0, or -1 after an error naming WHAT.
 */
static int
read_value(struct parser *ps, const char *what, const char *usage,
           const char *s, bool raw, struct buf *out)
{
	const char *p = s;

	if (*p == '\0' || *p == '#') {
		perr(ps, "too few values for \"%s\", expected %s", what, usage);
		return -1;
	}
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0') {
				perr(ps,
				     "unclosed quote in the value of \"%s\", "
				     "expected %s",
				     what, usage);
				return -1;
			}
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
				if (raw)
					buf_putc(out, *p);
				p++;
			}
			buf_putc(out, *p);
		}
		p++;
	} else {
		size_t n = strcspn(p, " \t");

		buf_append(out, p, n);
		p += n;
	}
	p += strspn(p, " \t");
	if (*p != '\0' && *p != '#') {
		perr(ps,
		     "unexpected \"%s\" after the value of \"%s\", expected "
		     "%s, then nothing or a # comment",
		     p, what, usage);
		return -1;
	}
	if (buf_failed(out)) {
		ps->sink->nomem = true;
		return -1;
	}
	return 0;
}

/* The words of a rule: folded, blanks at both ends removed. NULL after an
 * error (or on no memory). */
static char *
fold_words(struct parser *ps, const char *what, const char *value)
{
	struct buf f = BUF_INIT;
	char *s, *t = NULL;

	if (policy_fold(value, strlen(value), &f, NULL) < 0 ||
	    (s = buf_steal(&f)) == NULL) {
		buf_free(&f);
		ps->sink->nomem = true;
		return NULL;
	}
	t = text_trim(s);
	if (*t == '\0') {
		perr(ps, "empty value for \"%s\", expected some words", what);
		free(s);
		return NULL;
	}
	memmove(s, t, strlen(t) + 1);
	return s;
}

/* The text of a pattern as compiled: ASCII as written (escapes such as \D
 * keep their case), other characters folded, so that "prévu" matches the
 * folded "prevu". */
static int
fold_pattern(const char *s, struct buf *out)
{
	while (*s != '\0') {
		size_t n = 1;

		if ((unsigned char)*s < 0x80) {
			buf_putc(out, *s++);
			continue;
		}
		while (((unsigned char)s[n] & 0xc0) == 0x80)
			n++;
		if (policy_fold(s, n, out, NULL) < 0)
			return -1;
		s += n;
	}
	return buf_failed(out) ? -1 : 0;
}

/* Compile the pattern TEXT (folded) for directive WHAT. NULL after an
 * error (or on no memory). */
static struct policy_regex *
compile_pattern(struct parser *ps, const char *what, const char *text)
{
	struct policy_regex *re = calloc(1, sizeof(*re));
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	uint32_t minlen = 0;
	int code;

	if (re == NULL || (re->mctx = pcre2_match_context_create(NULL)) == NULL)
		goto nomem;
	re->code = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED,
	                         PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS |
	                             PCRE2_NEVER_BACKSLASH_C,
	                         &code, &off, NULL);
	if (re->code == NULL) {
		if (code == PCRE2_ERROR_NOMEMORY)
			goto nomem;
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		perr(ps,
		     "bad pattern \"%s\" for \"%s\": %s at offset %zu, "
		     "expected a PCRE2 regular expression",
		     text, what, (const char *)msg, (size_t)off);
		regex_free(re);
		return NULL;
	}
	if (pcre2_pattern_info(re->code, PCRE2_INFO_MINLENGTH, &minlen) == 0 &&
	    minlen == 0) {
		perr(ps,
		     "pattern \"%s\" for \"%s\" can match empty text, expected "
		     "a pattern that needs at least one character",
		     text, what);
		regex_free(re);
		return NULL;
	}
	pcre2_set_match_limit(re->mctx, POLICY_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, POLICY_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, POLICY_HEAP_LIMIT);
	return re;
nomem:
	ps->sink->nomem = true;
	regex_free(re);
	return NULL;
}

/* Read and check the value of a pattern directive into *TEXT and *RE. */
static int
pattern_value(struct parser *ps, const char *what, const char *usage,
              const char *s, char **text, struct policy_regex **re)
{
	struct buf raw = BUF_INIT, f = BUF_INIT;
	int rc = -1;

	if (read_value(ps, what, usage, s, true, &raw) < 0)
		goto out;
	if (raw.len == 0) {
		perr(ps, "empty value for \"%s\", expected a pattern", what);
		goto out;
	}
	if (fold_pattern(buf_cstr(&raw), &f) < 0) {
		ps->sink->nomem = true;
		goto out;
	}
	if ((*re = compile_pattern(ps, what, buf_cstr(&f))) == NULL)
		goto out;
	if ((*text = buf_steal(&f)) == NULL) {
		ps->sink->nomem = true;
		regex_free(*re);
		*re = NULL;
		goto out;
	}
	rc = 0;
out:
	buf_free(&raw);
	buf_free(&f);
	return rc;
}

/* Room for one more rule or cue in R. */
static bool
rules_room(struct parser *ps, const struct policy_rules *r)
{
	if (r->nrules + r->return_cues.n + r->promise_cues.n + r->delay_cues.n +
	        r->spell_from.n <
	    POLICY_MAX_RULES)
		return true;
	perr(ps, "too many rules for \"%s\", expected at most %d", r->lang,
	     POLICY_MAX_RULES);
	return false;
}

/* Keep RULE (its text and pattern are taken) in the open section. */
static void
add_rule(struct parser *ps, struct policy_rule *rule)
{
	struct policy_rules *r = open_rules_of(ps);
	struct policy_rule *v;

	if (r == NULL || !rules_room(ps, r))
		goto drop;
	for (size_t i = 0; i < r->nrules; i++) {
		const struct policy_rule *o = &r->rules[i];

		if (o->kind == rule->kind && o->cls == rule->cls &&
		    strcmp(o->text, rule->text) == 0) {
			perr(ps, "duplicate rule, first set at %s:%u",
			     o->where.file, o->where.line);
			goto drop;
		}
	}
	v = realloc(r->rules, (r->nrules + 1) * sizeof(*v));
	if (v == NULL) {
		ps->sink->nomem = true;
		goto drop;
	}
	r->rules = v;
	r->rules[r->nrules++] = *rule;
	return;
drop:
	free(rule->text);
	regex_free(rule->re);
}

/* "KIND CLASS VALUE": V[0] is the rest of the line. */
static void
rule_directive(struct parser *ps, enum policy_rule_kind kind, const char *s)
{
	static const char *const usage[] = {
	    "keyword CLASS \"WORDS\"", "pattern CLASS \"PCRE2\"",
	    "subject CLASS \"WORDS\"", "attachment CLASS \"PCRE2\""};
	struct policy_rule rule = {kind, 0, NULL, NULL, here(ps)};
	const char *what = rule_kind_names[kind];
	char cls[32];
	size_t n = strcspn(s, " \t");
	struct buf value = BUF_INIT;
	int c;

	if (*s == '\0' || *s == '#') {
		perr(ps, "too few values for \"%s\", expected %s", what,
		     usage[kind]);
		return;
	}
	snprintf(cls, sizeof(cls), "%.*s", (int)(n < 31 ? n : 31), s);
	if ((c = policy_class_parse(cls)) < 0 || n >= 31) {
		perr(ps,
		     "unknown class \"%.*s\", expected bounce, auto-reply, "
		     "remittance, dispute, promise or reply",
		     quote_len(s, n), s);
		return;
	}
	rule.cls = (enum policy_class)c;
	s += n + strspn(s + n, " \t");
	if (kind == POLICY_RULE_PATTERN || kind == POLICY_RULE_ATTACHMENT) {
		if (pattern_value(ps, what, usage[kind], s, &rule.text,
		                  &rule.re) < 0)
			return;
	} else {
		if (read_value(ps, what, usage[kind], s, false, &value) == 0)
			rule.text = fold_words(ps, what, buf_cstr(&value));
		buf_free(&value);
		if (rule.text == NULL)
			return;
	}
	add_rule(ps, &rule);
}

/* The directives below take the rest of the line, maybe nothing (they
 * say themselves what is missing, with the quotes the value needs). */
static const char *
rest_of_line(char **v, int n)
{
	return n > 0 ? v[0] : "";
}

static void
d_keyword(struct parser *ps, char **v, int n)
{
	rule_directive(ps, POLICY_RULE_KEYWORD, rest_of_line(v, n));
}

static void
d_pattern(struct parser *ps, char **v, int n)
{
	rule_directive(ps, POLICY_RULE_PATTERN, rest_of_line(v, n));
}

static void
d_subject(struct parser *ps, char **v, int n)
{
	rule_directive(ps, POLICY_RULE_SUBJECT, rest_of_line(v, n));
}

static void
d_attachment(struct parser *ps, char **v, int n)
{
	rule_directive(ps, POLICY_RULE_ATTACHMENT, rest_of_line(v, n));
}

/* "return-cue WORDS", "promise-cue WORDS", "delay-cue WORDS": into the
 * open section's list WHICH (0, 1, 2 in that order). */
static void
cue_directive(struct parser *ps, const char *what, const char *s, int which)
{
	struct policy_rules *r;
	struct strlist *list;
	struct buf value = BUF_INIT;
	char usage[48], *cue = NULL;

	snprintf(usage, sizeof(usage), "%s \"WORDS\"", what);
	if (read_value(ps, what, usage, s, false, &value) == 0)
		cue = fold_words(ps, what, buf_cstr(&value));
	buf_free(&value);
	if (cue == NULL || (r = open_rules_of(ps)) == NULL ||
	    !rules_room(ps, r))
		goto out;
	list = which == 0   ? &r->return_cues
	       : which == 1 ? &r->promise_cues
	                    : &r->delay_cues;
	if (strlist_find(list, cue) >= 0)
		perr(ps,
		     "duplicate %s \"%s\" in rules \"%s\", expected each "
		     "cue once",
		     what, cue, r->lang);
	else if (strlist_add(list, cue) < 0)
		ps->sink->nomem = true;
out:
	free(cue);
}

static void
d_return_cue(struct parser *ps, char **v, int n)
{
	cue_directive(ps, "return-cue", rest_of_line(v, n), 0);
}

static void
d_promise_cue(struct parser *ps, char **v, int n)
{
	cue_directive(ps, "promise-cue", rest_of_line(v, n), 1);
}

static void
d_delay_cue(struct parser *ps, char **v, int n)
{
	cue_directive(ps, "delay-cue", rest_of_line(v, n), 2);
}

/* The length of the first value of S: a quoted string with its quotes,
 * or a word. */
static size_t
first_value_len(const char *s)
{
	const char *p = s;

	if (*p != '"')
		return strcspn(p, " \t");
	for (p++; *p != '\0' && *p != '"'; p++)
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
	return (size_t)(p - s) + (*p == '"');
}

/* "spelling \"FORM\" \"WORDS\"": FORM, as careless or short mail writes
 * it, is read as WORDS before the rules are matched. */
static void
d_spelling(struct parser *ps, char **v, int n)
{
	static const char usage[] = "spelling \"FORM\" \"WORDS\"";
	const char *s = rest_of_line(v, n);
	size_t k = first_value_len(s);
	struct buf a = BUF_INIT, b = BUF_INIT;
	char *first = strndup(s, k), *from = NULL, *to = NULL;
	const char *rest = s + k + strspn(s + k, " \t");
	struct policy_rules *r;

	if (first == NULL) {
		ps->sink->nomem = true;
		return;
	}
	if (read_value(ps, "spelling", usage, first, false, &a) < 0)
		goto out;
	if (*rest == '\0' || *rest == '#') {
		perr(ps, "too few values for \"spelling\", expected %s", usage);
		goto out;
	}
	if ((from = fold_words(ps, "spelling", buf_cstr(&a))) == NULL ||
	    read_value(ps, "spelling", usage, rest, false, &b) < 0 ||
	    (to = fold_words(ps, "spelling", buf_cstr(&b))) == NULL ||
	    (r = open_rules_of(ps)) == NULL || !rules_room(ps, r))
		goto out;
	if (strcmp(from, to) == 0) {
		perr(ps,
		     "spelling \"%s\" reads as itself, expected another "
		     "form than the words",
		     from);
		goto out;
	}
	if (strlist_find(&r->spell_from, from) >= 0) {
		perr(ps,
		     "duplicate spelling \"%s\" in rules \"%s\", expected "
		     "each form once",
		     from, r->lang);
		goto out;
	}
	if (strlist_add(&r->spell_from, from) < 0 ||
	    strlist_add(&r->spell_to, to) < 0)
		ps->sink->nomem = true;
out:
	free(first);
	free(from);
	free(to);
	buf_free(&a);
	buf_free(&b);
}

static const struct directive rules_directives[] = {
    {"keyword", 0, -1, false, "keyword CLASS \"WORDS\"", d_keyword},
    {"pattern", 0, -1, false, "pattern CLASS \"PCRE2\"", d_pattern},
    {"subject", 0, -1, false, "subject CLASS \"WORDS\"", d_subject},
    {"attachment", 0, -1, false, "attachment CLASS \"PCRE2\"", d_attachment},
    {"return-cue", 0, -1, false, "return-cue \"WORDS\"", d_return_cue},
    {"promise-cue", 0, -1, false, "promise-cue \"WORDS\"", d_promise_cue},
    {"delay-cue", 0, -1, false, "delay-cue \"WORDS\"", d_delay_cue},
    {"spelling", 0, -1, false, "spelling \"FORM\" \"WORDS\"", d_spelling},
    {NULL, 0, 0, false, NULL, NULL}};

static void
d_invoice_pattern(struct parser *ps, char **v, int n)
{
	struct policy_matching *m = &ps->p->matching;
	char *text = NULL;
	struct policy_regex *re = NULL;

	if (!rate_once(ps, "invoice-pattern", &m->invoice_where) ||
	    pattern_value(ps, "invoice-pattern", "invoice-pattern \"PCRE2\"",
	                  rest_of_line(v, n), &text, &re) < 0)
		return;
	m->invoice_pattern = text;
	m->invoice = re;
	m->invoice_where = here(ps);
}

static void
d_subject_tag(struct parser *ps, char **v, int n)
{
	struct policy_matching *m = &ps->p->matching;
	struct buf value = BUF_INIT;
	const char *s, *id;

	if (!rate_once(ps, "subject-tag", &m->tag_where) ||
	    read_value(ps, "subject-tag", "subject-tag \"TEXT {id}\"",
	               rest_of_line(v, n), false, &value) < 0)
		goto out;
	s = buf_cstr(&value);
	id = strstr(s, "{id}");
	if (id == NULL || strstr(id + 4, "{id}") != NULL) {
		perr(ps,
		     "subject-tag \"%s\" does not hold {id} once, expected a "
		     "text with one {id} such as \"[Réf. {id}]\"",
		     s);
		goto out;
	}
	if (value.len > POLICY_MAX_TAG) {
		perr(ps, "subject-tag too long, expected at most %d bytes",
		     POLICY_MAX_TAG);
		goto out;
	}
	if ((m->subject_tag = buf_steal(&value)) == NULL)
		ps->sink->nomem = true;
	else
		m->tag_where = here(ps);
out:
	buf_free(&value);
}

static const struct directive matching_directives[] = {
    {"invoice-pattern", 0, -1, false, "invoice-pattern \"PCRE2\"",
     d_invoice_pattern},
    {"subject-tag", 0, -1, false, "subject-tag \"TEXT {id}\"", d_subject_tag},
    {NULL, 0, 0, false, NULL, NULL}};

/* --- calendar sections ---------------------------------------------- */

/* "closed DATE" or "closed DATE to DATE": every day of it, one entry a
 * day (sorted and made unique by policy_finish). */
static void
d_closed(struct parser *ps, char **v, int n)
{
	static const char usage[] = "closed YYYY-MM-DD [to YYYY-MM-DD]";
	struct policy_calendar *c = &ps->p->calendar;
	struct date from, to, *closed;
	char a[11], b[11];
	long days;

	if (n == 2 && strcmp(v[1], "to") == 0) {
		perr(ps, "too few values for \"closed\", expected \"%s\"",
		     usage);
		return;
	}
	if (n > 1 && strcmp(v[1], "to") != 0) {
		perr(ps, "unexpected \"%s\" in closed, expected \"%s\"", v[1],
		     usage);
		return;
	}
	if (date_parse(v[0], &from) < 0) {
		perr(ps, "bad date \"%s\", expected YYYY-MM-DD", v[0]);
		return;
	}
	to = from;
	if (n == 3 && date_parse(v[2], &to) < 0) {
		perr(ps, "bad date \"%s\", expected YYYY-MM-DD", v[2]);
		return;
	}
	date_format(from, a);
	date_format(to, b);
	days = date_diff(to, from) + 1;
	if (days < 1) {
		perr(ps,
		     "closed range %s to %s ends before it starts, expected "
		     "the first day, then the last",
		     a, b);
		return;
	}
	if (days > POLICY_MAX_CLOSED_RANGE) {
		perr(ps,
		     "closed range %s to %s is %ld days long, expected at "
		     "most %d",
		     a, b, days, POLICY_MAX_CLOSED_RANGE);
		return;
	}
	if (c->nclosed + (size_t)days > POLICY_MAX_CLOSED) {
		perr(ps, "too many closed days, expected at most %d in all",
		     POLICY_MAX_CLOSED);
		return;
	}
	closed =
	    realloc(c->closed, (c->nclosed + (size_t)days) * sizeof(*closed));
	if (closed == NULL) {
		ps->sink->nomem = true;
		return;
	}
	c->closed = closed;
	for (long i = 0; i < days; i++)
		c->closed[c->nclosed++] = date_add_days(from, i);
}

static const char *const day_names[] = {"mon", "tue", "wed", "thu",
                                        "fri", "sat", "sun"};

static int
day_index(const char *s, size_t len)
{
	for (int i = 0; i < 7; i++)
		if (len == 3 && strncmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "mon-fri", "mon,wed,fri", "mon-thu,sat" into a mask (bit 0 Monday). */
static int
parse_window_days(const char *tok, unsigned *mask)
{
	const char *p = tok;

	*mask = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		int a, b;

		if (dash == NULL) {
			a = b = day_index(p, len);
		} else {
			a = day_index(p, (size_t)(dash - p));
			b = day_index(dash + 1, len - (size_t)(dash - p) - 1);
		}
		if (a < 0 || b < 0 || b < a)
			return -1;
		for (int d = a; d <= b; d++)
			*mask |= 1u << d;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/* "HH:MM" at *P (00:00 to 24:00), advancing it, into minutes. */
static int
read_clock(const char **p, int *minutes)
{
	const char *s = *p;
	int h, m;

	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[2] != ':' || s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	*p = s + 5;
	return 0;
}

/* "window DAYS HH:MM-HH:MM": when mails may go out. */
static void
d_window(struct parser *ps, char **v, int n)
{
	struct policy_calendar *c = &ps->p->calendar;
	const char *p = v[1];
	unsigned days;
	int from, to;

	if (!rate_once(ps, "window", &c->window_where))
		return;
	if (parse_window_days(v[0], &days) < 0) {
		perr(ps,
		     "bad days \"%s\" for \"window\", expected days mon to sun "
		     "in week order, such as mon-fri or mon,wed,fri",
		     v[0]);
		return;
	}
	if (read_clock(&p, &from) < 0 || *p++ != '-' ||
	    read_clock(&p, &to) < 0 || *p != '\0') {
		perr(ps,
		     "bad hours \"%s\" for \"window\", expected HH:MM-HH:MM "
		     "such as 09:00-18:00",
		     v[1]);
		return;
	}
	if (from >= to) {
		perr(ps,
		     "window hours %s end before they start, expected the "
		     "opening time, then the closing time, such as "
		     "09:00-18:00",
		     v[1]);
		return;
	}
	c->window = true;
	c->window_days = days;
	c->window_from = from;
	c->window_to = to;
	c->window_where = here(ps);
}

static const struct directive calendar_directives[] = {
    {"closed", 1, 3, false, "closed YYYY-MM-DD [to YYYY-MM-DD]", d_closed},
    {"window", 2, 2, false, "window DAYS HH:MM-HH:MM", d_window},
    {NULL, 0, 0, false, NULL, NULL}};

/* --- the section table: add a kind of section here ----------------- */

static const struct section sections[] = {
    {"profile", 1, "profile NAME", open_profile, profile_directives},
    {"reactions", 0, "reactions", open_plain, reaction_directives},
    {"rates", 0, "rates", open_plain, rate_directives},
    {"rules", 1, "rules LANG", open_rules, rules_directives},
    {"matching", 0, "matching", open_plain, matching_directives},
    {"calendar", 0, "calendar", open_plain, calendar_directives},
    {NULL, 0, NULL, NULL, NULL}};

#define SECTION_LIST                                                           \
	"profile NAME, reactions, rates, rules LANG, matching or calendar"

static void
close_section(struct parser *ps)
{
	close_profile(ps);
	ps->sec = NULL;
	memset(ps->seen, 0, sizeof(ps->seen));
}

/* Split LINE in place into at most MAX_WORDS + 1 words (one more than
 * allowed says "too many"). */
static int
split_words(char *line, char **v)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || n == MAX_WORDS + 1)
			return n;
		v[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static bool
arity_ok(struct parser *ps, const char *name, const char *usage, int n, int min,
         int max)
{
	if (n < min) {
		perr(ps, "too few values for \"%s\", expected \"%s\"", name,
		     usage);
		return false;
	}
	if (max >= 0 && n > max) {
		perr(ps, "too many values for \"%s\", expected \"%s\"", name,
		     usage);
		return false;
	}
	return true;
}

static void
unknown_directive(struct parser *ps, const char *word)
{
	struct buf b = BUF_INIT;

	for (const struct directive *d = ps->sec->directives; d->name; d++)
		buf_printf(&b, "%s, ", d->name);
	if (buf_failed(&b))
		ps->sink->nomem = true;
	else
		perr(ps,
		     "unknown directive \"%s\" in %s, expected %sor a new "
		     "section: " SECTION_LIST,
		     word, ps->ctx, buf_cstr(&b));
	buf_free(&b);
}

static void
open_section(struct parser *ps, const struct section *sec, char **v, int n)
{
	close_section(ps);
	ps->sec = sec;
	if (!arity_ok(ps, sec->name, sec->usage, n, sec->nargs, sec->nargs) &&
	    n > sec->nargs)
		n = sec->nargs;
	sec->open(ps, v, n);
}

/* One directive line, RAW an untouched copy of LINE (for "rest" values). */
static void
parse_directive(struct parser *ps, char *line, const char *raw)
{
	char *v[MAX_WORDS + 1];
	const struct directive *d;
	int n = split_words(line, v);
	size_t i;

	for (i = 0; sections[i].name != NULL; i++)
		if (strcmp(v[0], sections[i].name) == 0) {
			open_section(ps, &sections[i], v + 1, n - 1);
			return;
		}
	if (ps->sec == NULL) {
		perr(ps,
		     "\"%s\" outside a section, expected a section "
		     "first: " SECTION_LIST,
		     v[0]);
		return;
	}
	for (i = 0, d = ps->sec->directives; d->name != NULL; d++, i++)
		if (strcmp(v[0], d->name) == 0)
			break;
	if (d->name == NULL) {
		unknown_directive(ps, v[0]);
		return;
	}
	if (d->max < 0 && n > 1) {
		/* The rest of the raw line, blanks at the end removed. */
		char *rest = (char *)raw + (v[1] - line);

		v[1] = text_trim(rest);
		n = 2;
	}
	if (!arity_ok(ps, d->name, d->usage, n - 1, d->min, d->max))
		return;
	if (d->once && ps->seen[i] > 0) {
		perr(ps, "duplicate \"%s\", first set at %s:%u", d->name,
		     ps->file, ps->seen[i]);
		return;
	}
	ps->seen[i] = ps->line;
	d->fn(ps, v + 1, n - 1);
}

/* Check the bytes of one line: UTF-8, no control characters but tabs. */
static int
check_chars(struct sink *s, const char *file, unsigned line, const char *b,
            size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)b[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			sink_at(s, file, line,
			        "control character 0x%02x, expected printable "
			        "text",
			        c);
			return -1;
		}
	}
	if (!text_utf8_valid(b, len)) {
		sink_at(s, file, line, "invalid UTF-8, expected UTF-8 text");
		return -1;
	}
	return 0;
}

/* The next line of TEXT[*POS..LEN): [*B, *B + *N) without its "\n" or
 * "\r\n". Returns false at the end. */
static bool
next_line(const char *text, size_t len, size_t *pos, const char **b, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*b = text + *pos;
	nl = memchr(*b, '\n', len - *pos);
	*n = nl != NULL ? (size_t)(nl - *b) : len - *pos;
	*pos += *n + (nl != NULL);
	if (nl != NULL && *n > 0 && (*b)[*n - 1] == '\r')
		(*n)--;
	return true;
}

/* Skip a UTF-8 byte order mark (Windows editors write one). */
static size_t
skip_bom(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

/* The copy of FILE that P keeps for policy_where; NULL on no memory. */
static const char *
policy_file_name(struct policy *p, const char *file)
{
	long i = strlist_find(&p->files, file);

	if (i < 0) {
		if (strlist_add(&p->files, file) < 0)
			return NULL;
		i = (long)p->files.n - 1;
	}
	return p->files.v[i];
}

static void
parse_text(struct parser *ps, const char *text, size_t len)
{
	char line[POLICY_MAX_LINE + 1], raw[POLICY_MAX_LINE + 1];
	size_t pos = skip_bom(text, len), n;
	const char *b;
	char *w;

	while (!ps->sink->full && !ps->sink->nomem &&
	       next_line(text, len, &pos, &b, &n)) {
		ps->line++;
		if (n > POLICY_MAX_LINE) {
			perr(ps, "line too long, expected at most %d bytes",
			     POLICY_MAX_LINE);
			continue;
		}
		if (check_chars(ps->sink, ps->file, ps->line, b, n) < 0)
			continue;
		memcpy(line, b, n);
		line[n] = '\0';
		memcpy(raw, line, n + 1);
		w = line + strspn(line, " \t");
		if (*w == '\0' || *w == '#')
			continue;
		parse_directive(ps, line, raw);
	}
	close_section(ps);
}

int
policy_parse_file(struct policy *p, const char *file, const char *text,
                  size_t len, struct strlist *errors)
{
	struct sink s = SINK(errors, file);
	struct parser ps = {0};

	ps.p = p;
	ps.sink = &s;
	ps.file = policy_file_name(p, file);
	if (ps.file == NULL)
		return -1;
	if (len > POLICY_MAX_FILE)
		sink_at(&s, file, 0,
		        "file too large, expected at most %d bytes",
		        POLICY_MAX_FILE);
	else
		parse_text(&ps, text, len);
	return sink_result(&s);
}

/* ------------------------------------------------------------------ */
/* Templates                                                          */

bool
policy_placeholder_known(const char *name, size_t len)
{
	for (size_t i = 0; policy_placeholders[i] != NULL; i++)
		if (strlen(policy_placeholders[i]) == len &&
		    memcmp(policy_placeholders[i], name, len) == 0)
			return true;
	return false;
}

enum piece { PIECE_TEXT, PIECE_ESCAPE, PIECE_NAME, PIECE_UNCLOSED };

/*
 * The one reading of template syntax. At S[0..LEN) (S[0] == '{'): "{{" is
 * PIECE_ESCAPE, "{name}" (closed on the same line) PIECE_NAME with the
 * name at S[1..1 + *NLEN), else PIECE_UNCLOSED. *ADV is how far to skip.
 */
static enum piece
scan_brace(const char *s, size_t len, size_t *nlen, size_t *adv)
{
	if (len > 1 && s[1] == '{') {
		*adv = 2;
		return PIECE_ESCAPE;
	}
	for (size_t i = 1; i < len && s[i] != '\n'; i++)
		if (s[i] == '}') {
			*nlen = i - 1;
			*adv = i + 1;
			return PIECE_NAME;
		}
	*adv = len;
	return PIECE_UNCLOSED;
}

/* Bytes of S[0..LEN) to quote back, cut at a character boundary. */
static int
quote_len(const char *s, size_t len)
{
	if (len <= QUOTE_MAX)
		return (int)len;
	len = QUOTE_MAX;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	return (int)len;
}

static void
check_placeholders(struct sink *s, const char *file, unsigned line,
                   const char *b, size_t len)
{
	size_t i = 0, nlen = 0, adv;

	while (i < len) {
		if (b[i] != '{') {
			i++;
			continue;
		}
		switch (scan_brace(b + i, len - i, &nlen, &adv)) {
		case PIECE_UNCLOSED:
			sink_at(s, file, line,
			        "unclosed \"{\", expected {name}, or \"{{\" "
			        "for a literal brace");
			return;
		case PIECE_NAME:
			if (!policy_placeholder_known(b + i + 1, nlen)) {
				struct buf want = BUF_INIT;

				for (size_t k = 0; policy_placeholders[k]; k++)
					buf_printf(&want, "%s%s", k ? ", " : "",
					           policy_placeholders[k]);
				if (buf_failed(&want))
					s->nomem = true;
				sink_at(s, file, line,
				        "unknown placeholder {%.*s%s}, "
				        "expected one of: %s",
				        quote_len(b + i + 1, nlen), b + i + 1,
				        nlen > QUOTE_MAX ? "..." : "",
				        buf_cstr(&want));
				buf_free(&want);
			}
			break;
		default:
			break;
		}
		i += adv;
	}
}

/* The state of a template check, header by header and line by line. */
struct tcheck {
	struct sink *s;
	const char *file;
	bool in_headers;
	bool subject_seen;     /* a Subject line (maybe empty) */
	bool last_was_subject; /* for continuation lines */
	unsigned subject_line;
	unsigned blank_line; /* the line ending the headers, or 0 */
	bool body_text;      /* a non-blank body line */
	struct buf subject, body;
};

/* Header name at B[0..N) up to ':': its length, or 0 when not a header. */
static size_t
header_name(const char *b, size_t n)
{
	size_t i = 0;

	while (i < n &&
	       ((b[i] >= 'A' && b[i] <= 'Z') || (b[i] >= 'a' && b[i] <= 'z') ||
	        (b[i] >= '0' && b[i] <= '9') || b[i] == '-'))
		i++;
	return i > 0 && i < n && b[i] == ':' ? i : 0;
}

static void
append_trimmed(struct buf *out, const char *b, size_t n)
{
	while (n > 0 && (*b == ' ' || *b == '\t'))
		b++, n--;
	while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '\t'))
		n--;
	if (out->len > 0 && n > 0)
		buf_putc(out, ' ');
	buf_append(out, b, n);
}

/* One line of the header block. Returns false when the line turns out to
 * belong to the body (a malformed header line ends the headers). */
static bool
template_header(struct tcheck *tc, unsigned line, const char *b, size_t n)
{
	size_t name;

	if (n == 0) {
		tc->in_headers = false;
		tc->blank_line = line;
		return true;
	}
	if ((b[0] == ' ' || b[0] == '\t') && line > 1) {
		if (tc->last_was_subject)
			append_trimmed(&tc->subject, b, n);
		return true;
	}
	name = header_name(b, n);
	tc->last_was_subject = false;
	if (name == 0) {
		sink_at(tc->s, tc->file, line,
		        "bad header line, expected \"Name: value\" lines, then "
		        "a blank line, then the body");
		tc->in_headers = false;
		return false;
	}
	if (name != 7 || strncasecmp(b, "subject", 7) != 0) {
		sink_at(tc->s, tc->file, line,
		        "unknown header \"%.*s\", expected only Subject",
		        quote_len(b, name), b);
	} else if (tc->subject_seen) {
		sink_at(tc->s, tc->file, line,
		        "duplicate Subject header, expected one");
	} else {
		tc->subject_seen = true;
		tc->last_was_subject = true;
		tc->subject_line = line;
		append_trimmed(&tc->subject, b + 8, n - 8);
	}
	return true;
}

static void
template_line(struct tcheck *tc, unsigned line, const char *b, size_t n)
{
	if (check_chars(tc->s, tc->file, line, b, n) < 0) {
		tc->body_text |= !tc->in_headers; /* no "empty body" too */
		return;
	}
	check_placeholders(tc->s, tc->file, line, b, n);
	if (tc->in_headers && template_header(tc, line, b, n))
		return;
	buf_append(&tc->body, b, n);
	buf_putc(&tc->body, '\n');
	for (size_t i = 0; i < n; i++)
		if (b[i] != ' ' && b[i] != '\t')
			tc->body_text = true;
}

static void
template_end(struct tcheck *tc, unsigned lines)
{
	if (!tc->subject_seen)
		sink_at(tc->s, tc->file, 1,
		        "no Subject header, expected \"Subject: ...\" on the "
		        "first line");
	else if (tc->subject.len == 0)
		sink_at(tc->s, tc->file, tc->subject_line,
		        "empty Subject, expected the subject text after "
		        "\"Subject:\"");
	if (!tc->body_text)
		sink_at(tc->s, tc->file,
		        tc->blank_line > 0 ? tc->blank_line
		                           : (lines > 0 ? lines : 1),
		        "empty body, expected text after the blank line that "
		        "ends the headers");
	if (buf_failed(&tc->subject) || buf_failed(&tc->body))
		tc->s->nomem = true;
}

/* policy_value_fn: add placeholder NAME to the set *ARG (a uint64_t);
 * "". */
static const char *
template_note_use(const char *name, void *arg)
{
	uint64_t *uses = arg;

	for (size_t i = 0; policy_placeholders[i] != NULL; i++)
		if (strcmp(policy_placeholders[i], name) == 0)
			*uses |= UINT64_C(1) << i;
	return "";
}

/* The placeholders T's subject and body name, into T->uses. 0, or -1 on
 * no memory. */
static int
template_uses(struct policy_template *t)
{
	struct buf scratch = BUF_INIT;
	struct err e;
	int rc = 0;

	t->uses = 0;
	if (policy_expand(t->subject, template_note_use, &t->uses, &scratch,
	                  &e) < 0 ||
	    policy_expand(t->body, template_note_use, &t->uses, &scratch, &e) <
	        0)
		t->uses = UINT64_MAX; /* checked already: cannot happen */
	if (buf_failed(&scratch))
		rc = -1;
	buf_free(&scratch);
	return rc;
}

int
policy_check_template(const char *file, const char *text, size_t len,
                      struct strlist *errors, struct policy_template *out)
{
	struct sink s = SINK(errors, file);
	struct tcheck tc = {&s, file, true,  false,    false,
	                    0,  0,    false, BUF_INIT, BUF_INIT};
	size_t pos = skip_bom(text, len), n;
	unsigned line = 0;
	const char *b;

	if (len > POLICY_MAX_TEMPLATE) {
		sink_at(&s, file, 0,
		        "file too large, expected at most %d bytes",
		        POLICY_MAX_TEMPLATE);
		return sink_result(&s);
	}
	while (!s.full && !s.nomem && next_line(text, len, &pos, &b, &n))
		template_line(&tc, ++line, b, n);
	template_end(&tc, line);
	if (s.n == 0 && !s.nomem && out != NULL) {
		out->subject = buf_steal(&tc.subject);
		out->body = buf_steal(&tc.body);
		if (out->subject == NULL || out->body == NULL ||
		    template_uses(out) < 0) {
			s.nomem = true;
			free(out->subject);
			free(out->body);
			out->subject = out->body = NULL;
		}
	}
	buf_free(&tc.subject);
	buf_free(&tc.body);
	return sink_result(&s);
}

int
policy_expand(const char *text, policy_value_fn fn, void *arg, struct buf *out,
              struct err *e)
{
	size_t len = strlen(text), i = 0, nlen = 0, adv;
	char name[POLICY_NAME_MAX + 1];
	const char *val;

	while (i < len) {
		size_t run = strcspn(text + i, "{");

		buf_append(out, text + i, run);
		if ((i += run) >= len)
			break;
		switch (scan_brace(text + i, len - i, &nlen, &adv)) {
		case PIECE_ESCAPE:
			buf_putc(out, '{');
			break;
		case PIECE_NAME:
			val = NULL;
			if (nlen < sizeof(name)) {
				memcpy(name, text + i + 1, nlen);
				name[nlen] = '\0';
				val = fn(name, arg);
			}
			if (val == NULL) {
				err_set(e, "no value for placeholder {%.*s}",
				        quote_len(text + i + 1, nlen),
				        text + i + 1);
				return -1;
			}
			buf_puts(out, val);
			break;
		default:
			err_set(e, "unclosed \"{\", expected {name}, or \"{{\" "
			           "for a literal brace");
			return -1;
		}
		i += adv;
	}
	return 0;
}

static void
template_clear(struct policy_template *t)
{
	free(t->lang);
	free(t->name);
	free(t->file);
	free(t->subject);
	free(t->body);
}

const struct policy_template *
policy_find_template(const struct policy *p, const char *lang, const char *name)
{
	for (size_t i = 0; i < p->ntemplates; i++)
		if (strcmp(p->templates[i].lang, lang) == 0 &&
		    strcmp(p->templates[i].name, name) == 0)
			return &p->templates[i];
	return NULL;
}

/* Add LANG to P's languages once. Returns 0, or -1 on no memory. */
static int
add_lang(struct policy *p, const char *lang)
{
	if (strlist_find(&p->langs, lang) >= 0)
		return 0;
	if (strlist_add(&p->langs, lang) < 0)
		return -1;
	strlist_sort(&p->langs);
	return 0;
}

static bool
template_name_ok(struct sink *s, const char *file, const char *kind,
                 const char *name)
{
	if (valid_name(name))
		return true;
	sink_at(s, file, 0,
	        "bad %s name \"%s\", expected lower-case letters, digits and "
	        "'-' (at most %d)",
	        kind, name, POLICY_NAME_MAX);
	return false;
}

int
policy_add_template(struct policy *p, const char *lang, const char *name,
                    const char *file, const char *text, size_t len,
                    struct strlist *errors)
{
	struct sink s = SINK(errors, file);
	struct policy_template t = {0};
	struct policy_template *v;
	int rc;

	if (!template_name_ok(&s, file, "language", lang) ||
	    !template_name_ok(&s, file, "template", name))
		return sink_result(&s);
	if (policy_find_template(p, lang, name) != NULL) {
		sink_at(&s, file, 0, "duplicate template \"%s\" for \"%s\"",
		        name, lang);
		return sink_result(&s);
	}
	if (p->ntemplates >= POLICY_MAX_TEMPLATES) {
		sink_at(&s, file, 0, "too many templates, expected at most %d",
		        POLICY_MAX_TEMPLATES);
		return sink_result(&s);
	}
	if (add_lang(p, lang) < 0)
		return -1;
	rc = policy_check_template(file, text, len, errors, &t);
	if (rc > 0) {
		struct buf key = BUF_INIT;

		buf_printf(&key, "%s/%s", lang, name);
		if (buf_failed(&key) ||
		    strlist_add(&p->rejected, buf_cstr(&key)) < 0)
			rc = -1;
		buf_free(&key);
	}
	if (rc != 0)
		return rc;
	t.lang = strdup(lang);
	t.name = strdup(name);
	t.file = strdup(file);
	v = realloc(p->templates, (p->ntemplates + 1) * sizeof(*v));
	if (v != NULL)
		p->templates = v;
	if (t.lang == NULL || t.name == NULL || t.file == NULL || v == NULL) {
		template_clear(&t);
		return -1;
	}
	p->templates[p->ntemplates++] = t;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Checks that need the whole policy                                  */

static void
need_template(const struct policy *p, struct sink *s, const char *dir,
              const char *name, const char *what, struct policy_where w)
{
	struct buf key = BUF_INIT;

	for (size_t i = 0; i < p->langs.n; i++) {
		buf_reset(&key);
		buf_printf(&key, "%s/%s", p->langs.v[i], name);
		if (policy_find_template(p, p->langs.v[i], name) != NULL ||
		    strlist_find(&p->rejected, buf_cstr(&key)) >= 0)
			continue;
		sink_at(s, w.file, w.line,
		        "template \"%s\" for %s is missing in "
		        "language \"%s\", expected a file "
		        "%s/templates/%s/%s",
		        name, what, p->langs.v[i], dir, p->langs.v[i], name);
	}
	buf_free(&key);
}

static void
finish_profile(struct policy *p, struct policy_profile *pr, struct sink *s,
               const char *dir)
{
	char what[POLICY_NAME_MAX + 16];

	if (pr->description == NULL)
		sink_at(s, pr->where.file, pr->where.line,
		        "profile \"%s\" has no description, expected a line "
		        "\"description TEXT\"",
		        pr->name);
	if (pr->nsteps == 0)
		sink_at(s, pr->where.file, pr->where.line,
		        "profile \"%s\" has no steps, expected at least one "
		        "line \"step NAME OFFSET CHANNEL\"",
		        pr->name);
	for (size_t i = 0; i < pr->nsteps; i++) {
		snprintf(what, sizeof(what), "step \"%s\"", pr->steps[i].name);
		need_template(p, s, dir, pr->steps[i].template, what,
		              pr->steps[i].where);
	}
	if (pr->thanks != NULL)
		need_template(p, s, dir, pr->thanks, "thanks",
		              pr->thanks_where);
	if (pr->first_contact != NULL &&
	    policy_find_step(pr, pr->first_contact) == NULL)
		sink_at(s, pr->first_contact_where.file,
		        pr->first_contact_where.line,
		        "first-contact \"%s\" is not a step of profile "
		        "\"%s\", expected the name of one of its steps",
		        pr->first_contact, pr->name);
	for (int ev = 0; ev < POLICY_EVENT_COUNT; ev++)
		if (pr->reactions[ev].action == POLICY_ACTION_UNSET)
			pr->reactions[ev] = p->reactions[ev];
}

static int
ecb_cmp(const void *a, const void *b)
{
	return date_cmp(((const struct policy_ecb_rate *)a)->from,
	                ((const struct policy_ecb_rate *)b)->from);
}

static int
closed_cmp(const void *a, const void *b)
{
	return date_cmp(*(const struct date *)a, *(const struct date *)b);
}

/* Sort the closed days and drop the days given twice (ranges overlap). */
static void
finish_calendar(struct policy_calendar *c)
{
	size_t n = 0;

	if (c->nclosed == 0)
		return;
	qsort(c->closed, c->nclosed, sizeof(*c->closed), closed_cmp);
	for (size_t i = 1; i < c->nclosed; i++)
		if (date_cmp(c->closed[i], c->closed[n]) != 0)
			c->closed[++n] = c->closed[i];
	c->nclosed = n + 1;
}

static void
finish_rates(struct policy *p, struct sink *s, const char *dir)
{
	struct policy_rates *r = &p->rates;

	if (r->necb == 0)
		sink_at(s, dir, 0,
		        "no ecb-rate, expected at least one line \"ecb-rate "
		        "YYYY-MM-DD PERCENT\" in a rates section");
	if (r->margin_where.line == 0)
		sink_at(s, dir, 0,
		        "no penalty-margin, expected a line \"penalty-margin "
		        "PERCENT\" in a rates section");
	if (r->indemnity_where.line == 0)
		sink_at(s, dir, 0,
		        "no indemnity, expected a line \"indemnity AMOUNT "
		        "CURRENCY\" in a rates section");
	if (r->deadline_where.line == 0)
		sink_at(s, dir, 0,
		        "no formal-notice-deadline, expected a line "
		        "\"formal-notice-deadline DAYS\" in a rates section");
	if (r->necb > 1)
		qsort(r->ecb, r->necb, sizeof(*r->ecb), ecb_cmp);
}

/* A subject rule that matches one of our own subjects would match every
 * reply to it ("RE: ..."): name the first such template. */
static void
finish_subject_rule(const struct policy *p, const struct policy_rule *r,
                    struct sink *s)
{
	struct buf f = BUF_INIT;
	size_t a, b;

	if (r->kind != POLICY_RULE_SUBJECT)
		return;
	for (size_t i = 0; i < p->ntemplates; i++) {
		const struct policy_template *t = &p->templates[i];

		buf_reset(&f);
		if (policy_fold(t->subject, strlen(t->subject), &f, NULL) < 0) {
			s->nomem = true;
			break;
		}
		if (policy_rule_find(r, buf_cstr(&f), f.len, 0, &a, &b) == 1) {
			sink_at(s, r->where.file, r->where.line,
			        "subject rule \"%s\" matches the subject of "
			        "template %s/%s, expected words that our own "
			        "subjects do not hold (a reply repeats them)",
			        r->text, t->lang, t->name);
			break;
		}
	}
	buf_free(&f);
}

int
policy_finish(struct policy *p, const char *dir, struct strlist *errors)
{
	struct sink s = SINK(errors, dir);

	for (int ev = 0; ev < POLICY_EVENT_COUNT; ev++)
		if (p->reactions[ev].action == POLICY_ACTION_UNSET)
			sink_at(&s, dir, 0,
			        "no reaction to \"%s\", expected a line \"on "
			        "%s ACTION\" in a reactions section",
			        event_names[ev], event_names[ev]);
	if (policy_find_profile(p, "default") == NULL)
		sink_at(&s, dir, 0,
		        "no profile \"default\", expected a section \"profile "
		        "default\"");
	if (p->langs.n == 0)
		sink_at(&s, dir, 0,
		        "no templates, expected files %s/templates/LANG/NAME "
		        "such as %s/templates/fr/reminder-1",
		        dir, dir);
	for (size_t i = 0; i < p->nprofiles; i++)
		finish_profile(p, p->profiles[i], &s, dir);
	finish_rates(p, &s, dir);
	finish_calendar(&p->calendar);
	for (size_t i = 0; i < p->nrules; i++)
		for (size_t k = 0; k < p->rules[i].nrules; k++)
			finish_subject_rule(p, &p->rules[i].rules[k], &s);
	return sink_result(&s);
}

/* ------------------------------------------------------------------ */
/* The directory: the only I/O in this module                         */

/* Read the regular file PATH (at most MAX bytes) into *DATA (malloc'ed,
 * NUL-terminated) and *LEN. Faults go to S. Returns 0 or -1. */
static int
read_file(struct sink *s, const char *path, size_t max, char **data,
          size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) < 0) {
		sink_at(s, path, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		sink_at(s, path, 0,
		        "not a regular file, expected a plain text file");
		goto fail;
	}
	if ((buf = malloc(max + 2)) == NULL) {
		s->nomem = true;
		goto fail;
	}
	while (n <= max && (r = read(fd, buf + n, max + 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sink_at(s, path, 0, "cannot read: %s", strerror(errno));
			goto fail;
		}
		n += (size_t)r;
	}
	if (n > max) {
		sink_at(s, path, 0,
		        "file too large, expected at most %zu bytes", max);
		goto fail;
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The entries of directory PATH, sorted, skipping hidden ones (and, when
 * SUFFIX is set, keeping only those ending in it). */
static int
list_dir(struct sink *s, const char *path, const char *suffix,
         struct strlist *names)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		sink_at(s, path, 0, "cannot open directory: %s",
		        strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    (suffix != NULL && !has_suffix(de->d_name, suffix)))
			continue;
		if (strlist_add(names, de->d_name) < 0) {
			s->nomem = true;
			break;
		}
	}
	closedir(d);
	strlist_sort(names);
	return s->nomem ? -1 : 0;
}

static void
join(struct buf *b, const char *dir, const char *name)
{
	size_t n = strlen(dir);

	buf_reset(b);
	buf_printf(b, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/",
	           name);
}

/* Add R (a count of errors, or -1) to the sink's tally. */
static void
tally(struct sink *s, int r)
{
	if (r < 0)
		s->nomem = true;
	else
		s->n += (unsigned)r;
}

/* Read every DIR/ *.policy file into P. Returns -1 when DIR cannot be
 * read at all (nothing else is worth saying then), else 0. */
static int
load_policy_files(struct policy *p, const char *dir, struct sink *s)
{
	struct strlist names = STRLIST_INIT;
	struct buf path = BUF_INIT;
	char *data;
	size_t len;
	int rc = 0;

	if (list_dir(s, dir, ".policy", &names) < 0) {
		rc = -1;
		goto out;
	}
	if (names.n == 0)
		sink_at(s, dir, 0,
		        "no *.policy file, expected files such as "
		        "profiles.policy, reactions.policy and rates.policy");
	for (size_t i = 0; i < names.n && !s->nomem; i++) {
		join(&path, dir, names.v[i]);
		if (buf_failed(&path)) {
			s->nomem = true;
			break;
		}
		if (read_file(s, buf_cstr(&path), POLICY_MAX_FILE, &data,
		              &len) < 0)
			continue;
		tally(s, policy_parse_file(p, buf_cstr(&path), data, len,
		                           s->list));
		free(data);
	}
out:
	strlist_clear(&names);
	buf_free(&path);
	return rc;
}

static void
load_lang(struct policy *p, const char *tdir, const char *lang, struct sink *s)
{
	struct strlist names = STRLIST_INIT;
	struct buf path = BUF_INIT;
	char *data;
	size_t len;

	join(&path, tdir, lang);
	if (buf_failed(&path))
		goto out;
	if (!valid_name(lang)) {
		sink_at(
		    s, buf_cstr(&path), 0,
		    "bad language name, expected lower-case letters, digits "
		    "and '-' such as fr");
		goto out;
	}
	if (list_dir(s, buf_cstr(&path), NULL, &names) < 0)
		goto out;
	if (add_lang(p, lang) < 0)
		s->nomem = true;
	for (size_t i = 0; i < names.n && !s->nomem; i++) {
		if (has_suffix(names.v[i], "~"))
			continue; /* an editor's backup */
		join(&path, tdir, lang);
		buf_printf(&path, "/%s", names.v[i]);
		if (buf_failed(&path)) {
			s->nomem = true;
			break;
		}
		if (read_file(s, buf_cstr(&path), POLICY_MAX_TEMPLATE, &data,
		              &len) < 0)
			continue;
		tally(s,
		      policy_add_template(p, lang, names.v[i], buf_cstr(&path),
		                          data, len, s->list));
		free(data);
	}
out:
	if (buf_failed(&path))
		s->nomem = true;
	strlist_clear(&names);
	buf_free(&path);
}

static void
load_templates(struct policy *p, const char *dir, struct sink *s)
{
	struct strlist langs = STRLIST_INIT;
	struct buf tdir = BUF_INIT;
	struct stat st;

	join(&tdir, dir, "templates");
	if (buf_failed(&tdir)) {
		s->nomem = true;
		goto out;
	}
	if (list_dir(s, buf_cstr(&tdir), NULL, &langs) < 0)
		goto out;
	for (size_t i = 0; i < langs.n && !s->nomem; i++) {
		struct buf path = BUF_INIT;

		join(&path, buf_cstr(&tdir), langs.v[i]);
		if (buf_failed(&path))
			s->nomem = true;
		else if (stat(buf_cstr(&path), &st) < 0 || !S_ISDIR(st.st_mode))
			sink_at(s, buf_cstr(&path), 0,
			        "not a directory, expected one directory per "
			        "language such as fr");
		else
			load_lang(p, buf_cstr(&tdir), langs.v[i], s);
		buf_free(&path);
	}
out:
	strlist_clear(&langs);
	buf_free(&tdir);
}

int
policy_load(const char *dir, struct policy **out, struct strlist *errors)
{
	struct sink s = {errors, dir, 0, 0, false, false}; /* no cap */
	struct policy *p = policy_new();

	*out = NULL;
	if (p == NULL)
		return -1;
	/* Each file's sink caps its own errors; S adds them up and takes
	 * the directory-level ones. */
	if (load_policy_files(p, dir, &s) == 0 && !s.nomem) {
		load_templates(p, dir, &s);
		if (!s.nomem)
			tally(&s, policy_finish(p, dir, errors));
	}
	if (s.nomem || s.n > 0) {
		policy_free(p);
		return s.nomem ? -1 : (int)s.n;
	}
	*out = p;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The rest of the API                                                */

struct policy *
policy_new(void)
{
	return calloc(1, sizeof(struct policy));
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nprofiles; i++)
		profile_free(p->profiles[i]);
	free(p->profiles);
	for (size_t i = 0; i < p->ntemplates; i++)
		template_clear(&p->templates[i]);
	free(p->templates);
	free(p->rates.ecb);
	strlist_clear(&p->langs);
	strlist_clear(&p->files);
	strlist_clear(&p->rejected);
	for (size_t i = 0; i < p->nrules; i++)
		rules_clear(&p->rules[i]);
	free(p->rules);
	free(p->matching.invoice_pattern);
	regex_free(p->matching.invoice);
	free(p->matching.subject_tag);
	free(p->calendar.closed);
	free(p);
}

const struct policy_profile *
policy_find_profile(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nprofiles; i++)
		if (strcmp(p->profiles[i]->name, name) == 0)
			return p->profiles[i];
	return NULL;
}

const struct policy_step *
policy_find_step(const struct policy_profile *pr, const char *name)
{
	for (size_t i = 0; i < pr->nsteps; i++)
		if (strcmp(pr->steps[i].name, name) == 0)
			return &pr->steps[i];
	return NULL;
}

int
policy_ecb_rate(const struct policy *p, struct date d, int *rate)
{
	struct date half = {d.year, d.month <= 6 ? 1 : 7, 1};
	const struct policy_ecb_rate *best = NULL;

	for (size_t i = 0; i < p->rates.necb; i++) {
		const struct policy_ecb_rate *e = &p->rates.ecb[i];

		if (date_cmp(e->from, d) <= 0 &&
		    (best == NULL || date_cmp(e->from, best->from) > 0))
			best = e;
	}
	if (best == NULL)
		return -1;
	*rate = best->rate;
	return date_cmp(best->from, half) == 0 ? 0 : 1;
}

int
policy_penalty_rate(const struct policy *p, struct date d, int *rate)
{
	int rc = policy_ecb_rate(p, d, rate);

	if (rc >= 0)
		*rate += p->rates.penalty_margin;
	return rc;
}

const char *
policy_channel_name(enum policy_channel c)
{
	return (unsigned)c < 3 ? channel_names[c] : "?";
}

const char *
policy_event_name(enum policy_event ev)
{
	return (unsigned)ev < POLICY_EVENT_COUNT ? event_names[ev] : "?";
}

const char *
policy_action_name(enum policy_action a)
{
	return (unsigned)a <= POLICY_ACTION_IGNORE ? action_names[a] : "?";
}

int
policy_event_parse(const char *s)
{
	for (int ev = 0; ev < POLICY_EVENT_COUNT; ev++)
		if (strcmp(s, event_names[ev]) == 0)
			return ev;
	return -1;
}

const char *
policy_class_name(enum policy_class c)
{
	return (unsigned)c < POLICY_CLASS_COUNT ? class_names[c] : "?";
}

int
policy_class_parse(const char *s)
{
	for (int c = 0; c < POLICY_CLASS_COUNT; c++)
		if (strcmp(s, class_names[c]) == 0)
			return c;
	return -1;
}

const char *
policy_rule_kind_name(enum policy_rule_kind k)
{
	return (unsigned)k <= POLICY_RULE_ATTACHMENT ? rule_kind_names[k] : "?";
}

/* ------------------------------------------------------------------ */
/* Matching the rules                                                 */

/* Bytes of the well-formed UTF-8 character at S (LEFT > 0), or 0. */
static size_t
utf8_len(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	return n <= left && text_utf8_valid(s, n) ? n : 0;
}

enum fold_as { FOLD_TEXT, FOLD_SPACE, FOLD_DROP, FOLD_APOSTROPHE, FOLD_HYPHEN };

/* How policy_fold treats the character S[0..N). */
static enum fold_as
fold_class(const char *s, size_t n)
{
	static const struct {
		const char *utf8;
		enum fold_as as;
	} special[] = {
	    {"\xc2\xa0", FOLD_SPACE},          /* no-break space */
	    {"\xe2\x80\xaf", FOLD_SPACE},      /* narrow no-break space */
	    {"\xe2\x80\x87", FOLD_SPACE},      /* figure space */
	    {"\xe2\x80\x89", FOLD_SPACE},      /* thin space */
	    {"\xe3\x80\x80", FOLD_SPACE},      /* ideographic space */
	    {"\xc2\xad", FOLD_DROP},           /* soft hyphen */
	    {"\xe2\x80\x8b", FOLD_DROP},       /* zero-width space */
	    {"\xe2\x80\x8c", FOLD_DROP},       /* zero-width non-joiner */
	    {"\xe2\x80\x8d", FOLD_DROP},       /* zero-width joiner */
	    {"\xef\xbb\xbf", FOLD_DROP},       /* byte order mark */
	    {"\xe2\x80\x99", FOLD_APOSTROPHE}, /* right single quote */
	    {"\xe2\x80\x98", FOLD_APOSTROPHE}, /* left single quote */
	    {"\xca\xbc", FOLD_APOSTROPHE},     /* modifier apostrophe */
	    {"\xc2\xb4", FOLD_APOSTROPHE},     /* acute accent */
	    {"\xe2\x80\x90", FOLD_HYPHEN},     /* hyphen */
	    {"\xe2\x80\x91", FOLD_HYPHEN},     /* non-breaking hyphen */
	};

	if (n == 1)
		return strchr(" \t\n\r\f\v", *s) != NULL && *s != '\0'
		           ? FOLD_SPACE
		           : FOLD_TEXT;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (strlen(special[i].utf8) == n &&
		    memcmp(special[i].utf8, s, n) == 0)
			return special[i].as;
	return FOLD_TEXT;
}

/* Append the folded form of the character S[0..N) to OUT. */
static void
fold_char(const char *s, size_t n, bool *space, struct buf *out)
{
	char one[5];

	if (n == 0 || *s == '\0') {
		buf_putc(out, '?');
		*space = false;
		return;
	}
	switch (fold_class(s, n)) {
	case FOLD_SPACE:
		if (!*space)
			buf_putc(out, ' ');
		*space = true;
		return;
	case FOLD_DROP:
		return;
	case FOLD_APOSTROPHE:
		buf_putc(out, '\'');
		break;
	case FOLD_HYPHEN:
		buf_putc(out, '-');
		break;
	default:
		memcpy(one, s, n);
		one[n] = '\0';
		text_fold(one, out);
	}
	*space = false;
}

int
policy_fold(const char *s, size_t len, struct buf *out, size_t **map)
{
	size_t *m = NULL, base = out->len, i = 0;
	bool space = false;

	if (map != NULL) {
		*map = NULL;
		/* Folding never lengthens: at most one byte out per byte in. */
		if (len >= SIZE_MAX / sizeof(*m) ||
		    (m = malloc((len + 1) * sizeof(*m))) == NULL)
			return -1;
	}
	while (i < len && !buf_failed(out)) {
		size_t n = utf8_len(s + i, len - i), before = out->len;

		fold_char(s + i, n, &space, out);
		if (n == 0)
			n = 1;
		if (m != NULL && out->len - base > i + n) /* overrun */
			out->failed = true;
		for (size_t k = before;
		     m != NULL && !out->failed && k < out->len; k++)
			m[k - base] = i;
		i += n;
	}
	if (buf_failed(out)) {
		free(m);
		return -1;
	}
	if (m != NULL) {
		m[out->len - base] = len;
		*map = m;
	}
	return 0;
}

/* Part of a word in folded text: letters, digits, '_', other scripts. */
static bool
word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* The first whole-word occurrence of the words W in TEXT[FROM..LEN). */
static int
words_find(const char *w, const char *text, size_t len, size_t from,
           size_t *start, size_t *end)
{
	size_t wl = strlen(w);
	bool open = wl > 0 && word_byte((unsigned char)w[0]);
	bool close = wl > 0 && word_byte((unsigned char)w[wl - 1]);
	const char *hit;

	if (wl == 0)
		return 0;
	while (from < len && wl <= len - from &&
	       (hit = memmem(text + from, len - from, w, wl)) != NULL) {
		size_t s = (size_t)(hit - text), e = s + wl;

		if ((!open || s == 0 ||
		     !word_byte((unsigned char)text[s - 1])) &&
		    (!close || e == len ||
		     !word_byte((unsigned char)text[e]))) {
			*start = s;
			*end = e;
			return 1;
		}
		from = s + 1;
	}
	return 0;
}

/* The replacement for the whole-word form that starts at F[I] (a word
 * start), with *END past the form, or NULL. */
static const char *
respelling_at(const struct policy *p, const char *f, size_t len, size_t i,
              size_t *end)
{
	for (size_t l = 0; l < p->nrules; l++) {
		const struct policy_rules *r = &p->rules[l];

		for (size_t k = 0; k < r->spell_from.n; k++) {
			const char *w = r->spell_from.v[k];
			size_t wl = strlen(w);

			if (wl == 0 || wl > len - i ||
			    memcmp(f + i, w, wl) != 0)
				continue;
			if (word_byte((unsigned char)w[wl - 1]) &&
			    i + wl < len && word_byte((unsigned char)f[i + wl]))
				continue;
			*end = i + wl;
			return r->spell_to.v[k];
		}
	}
	return NULL;
}

int
policy_respell(const struct policy *p, const char *f, size_t len,
               const size_t *map, struct buf *out, size_t **omap)
{
	size_t *m, cap = len + 1, i = 0, base = out->len;

	*omap = NULL;
	if (len >= SIZE_MAX / sizeof(*m) / 2 ||
	    (m = malloc(cap * sizeof(*m))) == NULL)
		return -1;
	while (i < len) {
		const char *to = NULL;
		size_t end = i + 1, from = out->len - base;

		if (i == 0 || !word_byte((unsigned char)f[i - 1]))
			to = respelling_at(p, f, len, i, &end);
		if (to != NULL)
			buf_puts(out, to);
		else
			buf_putc(out, f[i]);
		if (buf_failed(out))
			goto fail;
		if (out->len - base + 1 > cap) {
			size_t *v;

			cap = 2 * (out->len - base + 1);
			if ((v = realloc(m, cap * sizeof(*m))) == NULL)
				goto fail;
			m = v;
		}
		for (size_t k = from; k < out->len - base; k++)
			m[k] = map[i];
		i = end;
	}
	m[out->len - base] = map[len];
	*omap = m;
	return 0;
fail:
	free(m);
	out->failed = true;
	return -1;
}

int
policy_regex_find(const struct policy_regex *re, const char *text, size_t len,
                  size_t from, size_t *start, size_t *end)
{
	pcre2_match_data *md;
	PCRE2_SIZE *ov;
	int rc;

	if (from > len)
		return 0;
	md = pcre2_match_data_create_from_pattern(re->code, NULL);
	if (md == NULL)
		return -1;
	rc =
	    pcre2_match(re->code, (PCRE2_SPTR)text, len, from, 0, md, re->mctx);
	if (rc >= 0) {
		ov = pcre2_get_ovector_pointer(md);
		*start = ov[0];
		*end = ov[1] > ov[0] ? ov[1] : ov[0]; /* \K can reverse them */
		rc = 1;
	} else {
		rc = rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
	}
	pcre2_match_data_free(md);
	return rc;
}

int
policy_rule_find(const struct policy_rule *r, const char *text, size_t len,
                 size_t from, size_t *start, size_t *end)
{
	if (r->re != NULL)
		return policy_regex_find(r->re, text, len, from, start, end);
	return words_find(r->text, text, len, from, start, end);
}
