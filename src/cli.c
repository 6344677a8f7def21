/*
 * cli.c -- the relance command: import invoices, look at them, change them
 * by hand, check the policies, and look after the state file.
 *
 * A thin shell: it reads arguments and files, takes the clock, and prints;
 * the decisions are in the pure modules (invoice, import, policy) and the
 * state file is the store's. Exit codes follow sysexits(3).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "conf.h"
#include "evidence.h"
#include "import.h"
#include "incoming.h"
#include "json.h"
#include "letter.h"
#include "ledger.h"
#include "money.h"
#include "policy.h"
#include "report.h"
#include "run.h"
#include "task.h"
#include "text.h"

#define CLI_MAX_INPUT (256L * 1024 * 1024) /* largest file read */
#define TABLE_WIDTH   80

/* What every subcommand needs; built once in main. */
struct cli {
	const char *command;
	const char *config_path; /* -c, or NULL for the default */
	const char *db;          /* --db, or NULL for the config's */
	struct config cfg;
	struct store *st;
	struct policy *pol;
	int64_t now;
	struct date today;
	char actor[160];
	bool config_bad; /* check goes on to report the policies too */
};

struct command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *usage;
	const char *help;
};

static void die_usage(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warnx_(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "relance COMMAND: message" on stderr. */
static void
warnx_(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "relance: %s%s", c->command ? c->command : "",
	        c->command ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const struct command *find_command(const char *name);

static void
die_usage(const struct cli *c, const char *fmt, ...)
{
	const struct command *cmd = find_command(c->command);
	va_list ap;

	fprintf(stderr, "relance: %s: ", c->command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: relance %s\n", cmd ? cmd->usage : "");
	exit(EX_USAGE);
}

/* Map a store failure to an exit code, after printing its message. */
static int
store_failed(const struct cli *c, enum store_rc rc, const struct err *e)
{
	warnx_(c, "%s", e->msg);
	return rc == STORE_BUSY ? EX_TEMPFAIL : EX_IOERR;
}

/*
 * Start-up: configuration, clock, state file, policies.
 */

static int
load_config(struct cli *c)
{
	struct strlist errors = STRLIST_INIT;
	const char *path = c->config_path;
	int n;

	if (config_init(&c->cfg) < 0)
		return -1;
	if (path == NULL && access(RELANCE_CONF, F_OK) == 0)
		path = RELANCE_CONF;
	if (path == NULL)
		return 0;
	n = config_load(&c->cfg, path, &errors);
	for (size_t i = 0; i < errors.n; i++)
		fprintf(stderr, "%s\n", errors.v[i]);
	strlist_clear(&errors);
	return n == 0 ? 0 : -1;
}

/* "Now" is the clock, or RELANCE_NOW (seconds since the epoch) for tests
 * and previews; "today" is now's date in the configured time zone. */
static int
set_clock(struct cli *c)
{
	const char *fixed = getenv("RELANCE_NOW");
	time_t t;
	struct tm tm;

	if (fixed != NULL && *fixed != '\0') {
		char *end;
		long long v = strtoll(fixed, &end, 10);

		if (*end != '\0' || v < 0) {
			warnx_(c,
			       "RELANCE_NOW=\"%s\" is not a number of "
			       "seconds since 1970",
			       fixed);
			return -1;
		}
		c->now = v;
	} else {
		c->now = (int64_t)time(NULL);
	}
	if (c->cfg.timezone != NULL && setenv("TZ", c->cfg.timezone, 1) < 0)
		return -1;
	tzset();
	t = (time_t)c->now;
	if (localtime_r(&t, &tm) == NULL)
		return -1;
	c->today = (struct date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
	return 0;
}

static void
set_actor(struct cli *c)
{
	const char *user = getenv("SUDO_USER");
	struct passwd *pw;

	if (user == NULL && (pw = getpwuid(getuid())) != NULL)
		user = pw->pw_name;
	snprintf(c->actor, sizeof(c->actor), "relance %s (%s)", c->command,
	         user ? user : "?");
}

static int
open_store(struct cli *c)
{
	c->st = store_new(c->db ? c->db : c->cfg.state_file, 0);
	if (c->st == NULL) {
		warnx_(c, "out of memory");
		return -1;
	}
	return 0;
}

/* Load the policies; print every error. 0, or an exit code. */
static int
load_policy(struct cli *c, const char *dir)
{
	struct strlist errors = STRLIST_INIT;
	int n;

	n = policy_load(dir, &c->pol, &errors);
	for (size_t i = 0; i < errors.n; i++)
		fprintf(stderr, "%s\n", errors.v[i]);
	strlist_clear(&errors);
	if (n < 0) {
		warnx_(c, "out of memory");
		return EX_OSERR;
	}
	return n == 0 ? 0 : EX_CONFIG;
}

/* The profile names and the template languages of the policy, sorted. */
static int
policy_names(const struct policy *p, struct strlist *profiles,
             struct strlist *langs)
{
	for (size_t i = 0; i < p->nprofiles; i++)
		if (strlist_add(profiles, p->profiles[i]->name) < 0)
			return -1;
	for (size_t i = 0; i < p->langs.n; i++)
		if (strlist_add(langs, p->langs.v[i]) < 0)
			return -1;
	strlist_sort(profiles);
	strlist_sort(langs);
	return 0;
}

/*
 * Arguments.
 */

/* getopt_long over a subcommand's arguments; --help prints its usage. */
static int
next_opt(struct cli *c, int argc, char **argv, const char *shortopts,
         const struct option *longopts)
{
	int ch = getopt_long(argc, argv, shortopts, longopts, NULL);
	const struct command *cmd = find_command(c->command);

	if (ch == 'h') {
		printf("usage: relance %s\n\n%s", cmd->usage, cmd->help);
		exit(EX_OK);
	}
	if (ch == '?')
		die_usage(c, "bad option");
	return ch;
}

static struct date
arg_date(const struct cli *c, const char *what, const char *s)
{
	struct date d;

	if (date_parse(s, &d) < 0)
		die_usage(c,
		          "bad %s \"%s\" (expected YYYY-MM-DD or DD/MM/YYYY)",
		          what, s);
	return d;
}

/* A subcommand that takes only --help and exactly NPOS operands. */
static void
plain_args(struct cli *c, int argc, char **argv, int npos)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};

	while (next_opt(c, argc, argv, "h", opts) != -1)
		;
	if (argc - optind != npos)
		die_usage(c, "expected %d argument%s", npos,
		          npos == 1 ? "" : "s");
}

/*
 * Reading invoices.
 */

static int
by_due_date(const void *a, const void *b)
{
	const struct invoice *x = a, *y = b;
	int d = date_cmp(x->due_date, y->due_date);

	return d != 0 ? d : strcmp(x->number, y->number);
}

/* Every invoice, sorted by due date then number, in *OUT (caller frees
 * each with invoice_free and the array with free). 0 or an exit code. */
static int
load_all(struct cli *c, struct invoice **out, size_t *n)
{
	struct strlist numbers = STRLIST_INIT;
	struct invoice *v = NULL;
	enum store_rc rc;
	struct err e;
	size_t got = 0;

	*out = NULL;
	*n = 0;
	if ((rc = store_begin(c->st, STORE_READ, &e)) != STORE_OK)
		return store_failed(c, rc, &e);
	rc = ledger_numbers(c->st, &numbers, &e);
	if (rc == STORE_OK && numbers.n > 0 &&
	    (v = calloc(numbers.n, sizeof(*v))) == NULL) {
		err_set(&e, "out of memory");
		rc = STORE_ERR;
	}
	for (size_t i = 0; rc == STORE_OK && i < numbers.n; i++) {
		rc = ledger_get(c->st, numbers.v[i], &v[got], &e);
		if (rc == STORE_OK)
			got++;
	}
	store_abort(c->st);
	strlist_clear(&numbers);
	if (rc != STORE_OK) {
		for (size_t i = 0; i < got; i++)
			invoice_free(&v[i]);
		free(v);
		return store_failed(c, rc, &e);
	}
	if (got > 1)
		qsort(v, got, sizeof(*v), by_due_date);
	*out = v;
	*n = got;
	return 0;
}

static void
free_all(struct invoice *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		invoice_free(&v[i]);
	free(v);
}

static bool
is_unpaid(enum invoice_state s)
{
	return s == INVOICE_OPEN || s == INVOICE_PAUSED ||
	       s == INVOICE_DISPUTED;
}

/* The JSON fields that list and show share. */
static void
json_invoice_fields(const struct cli *c, const struct invoice *inv,
                    struct buf *o)
{
	char amount[32], d[11];
	enum invoice_state s = invoice_effective_state(inv, c->today);

	json_key(o, "invoice", 1);
	json_string(o, inv->number);
	json_key(o, "customer", 0);
	json_string(o, inv->customer);
	json_key(o, "customer_name", 0);
	json_string(o, inv->customer_name ? inv->customer_name : inv->customer);
	json_key(o, "state", 0);
	json_string(o, invoice_state_name(s));
	invoice_format_amount(inv, inv->amount_due, amount, sizeof(amount));
	json_key(o, "amount_due", 0);
	json_string(o, amount);
	json_key(o, "currency", 0);
	json_string(o, inv->currency);
	date_format(inv->due_date, d);
	json_key(o, "due_date", 0);
	json_string(o, d);
	json_key(o, "days_overdue", 0);
	buf_printf(o, "%ld", invoice_days_overdue(inv, c->today));
	json_key(o, "last_step", 0);
	json_string(o, inv->last_step);
	date_format(inv->paused_until, d);
	json_key(o, "paused_until", 0);
	json_string(o, s == INVOICE_PAUSED ? d : NULL);
}

/* One cell of the table: customer names may hold newlines from the CSV. */
static void
put_cell(struct buf *o, const char *s, size_t width, bool pad)
{
	struct buf flat = BUF_INIT;

	for (; *s != '\0'; s++)
		buf_putc(&flat, (unsigned char)*s < 0x20 ? ' ' : *s);
	text_fit(buf_cstr(&flat), width, pad, o);
	buf_free(&flat);
}

struct table_widths {
	size_t number, customer, amount, step;
};

static struct table_widths
table_widths(const struct invoice *v, size_t n)
{
	struct table_widths w = {7, 8, 10, 4};
	size_t fixed;

	for (size_t i = 0; i < n; i++) {
		char a[32];
		size_t step = v[i].last_step ? text_width(v[i].last_step) : 1;

		invoice_format_amount(&v[i], v[i].amount_due, a, sizeof(a));
		if (text_width(v[i].number) > w.number)
			w.number = text_width(v[i].number);
		if (strlen(a) > w.amount)
			w.amount = strlen(a);
		if (step > w.step)
			w.step = step;
	}
	if (w.number > 16)
		w.number = 16;
	if (w.step > 13)
		w.step = 13;
	/* number, customer, state 8, amount + " EUR", due 10, late 4, step,
	 * and six separating spaces; the customer gets what is left. */
	fixed = w.number + 8 + w.amount + 4 + 10 + 4 + w.step + 6;
	w.customer = fixed + 12 < TABLE_WIDTH ? TABLE_WIDTH - fixed - 1 : 12;
	return w;
}

static void
table_row(struct buf *o, const struct table_widths *w, const char *number,
          const char *customer, const char *state, const char *amount,
          const char *currency, const char *due, const char *late,
          const char *step)
{
	put_cell(o, number, w->number, true);
	buf_putc(o, ' ');
	put_cell(o, customer, w->customer, true);
	buf_putc(o, ' ');
	put_cell(o, state, 8, true);
	buf_printf(o, " %*s %-3s %-10s %4s ", (int)w->amount, amount, currency,
	           due, late);
	put_cell(o, step, w->step, false);
	while (o->len > 0 && o->data[o->len - 1] == ' ')
		o->len--;
	buf_putc(o, '\n');
}

static void
print_table(const struct cli *c, const struct invoice *v, size_t n)
{
	struct table_widths w = table_widths(v, n);
	struct buf o = BUF_INIT;

	table_row(&o, &w, "INVOICE", "CUSTOMER", "STATE", "AMOUNT DUE", "",
	          "DUE DATE", "LATE", "STEP");
	for (size_t i = 0; i < n; i++) {
		char a[32], d[11], late[16];
		const struct invoice *inv = &v[i];

		invoice_format_amount(inv, inv->amount_due, a, sizeof(a));
		date_format(inv->due_date, d);
		snprintf(late, sizeof(late), "%ld",
		         invoice_days_overdue(inv, c->today));
		table_row(
		    &o, &w, inv->number,
		    inv->customer_name ? inv->customer_name : inv->customer,
		    invoice_state_name(invoice_effective_state(inv, c->today)),
		    a, inv->currency, d, late,
		    inv->last_step ? inv->last_step : "-");
	}
	fputs(buf_cstr(&o), stdout);
	buf_free(&o);
}

static int
cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state", required_argument, NULL, 's'},
	    {"overdue", no_argument, NULL, 'o'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	bool overdue = false, as_json = false, want_state = false;
	enum invoice_state state = INVOICE_OPEN;
	struct invoice *v;
	size_t n, kept = 0;
	int ch, rc;

	while ((ch = next_opt(c, argc, argv, "s:ojh", opts)) != -1) {
		if (ch == 's' && invoice_state_parse(optarg, &state) < 0)
			die_usage(c,
			          "bad state \"%s\" (expected open, paused, "
			          "disputed, paid or closed)",
			          optarg);
		want_state |= ch == 's';
		overdue |= ch == 'o';
		as_json |= ch == 'j';
	}
	if (optind != argc)
		die_usage(c, "unexpected argument \"%s\"", argv[optind]);
	if ((rc = load_all(c, &v, &n)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		enum invoice_state s = invoice_effective_state(&v[i], c->today);

		if ((want_state && s != state) ||
		    (overdue && (!is_unpaid(s) ||
		                 invoice_days_overdue(&v[i], c->today) == 0))) {
			invoice_free(&v[i]);
			continue;
		}
		v[kept++] = v[i];
	}
	if (as_json) {
		struct buf o = BUF_INIT;

		buf_putc(&o, '[');
		for (size_t i = 0; i < kept; i++) {
			buf_puts(&o, i ? ",\n{" : "\n{");
			json_invoice_fields(c, &v[i], &o);
			buf_putc(&o, '}');
		}
		buf_puts(&o, kept ? "\n]\n" : "]\n");
		fputs(buf_cstr(&o), stdout);
		buf_free(&o);
	} else {
		print_table(c, v, kept);
	}
	free_all(v, kept);
	return EX_OK;
}

/* The local time of an event, "2026-11-23 14:02". */
static void
format_local(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, size, "@%" PRId64, t);
}

static void
format_utc(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, size, "@%" PRId64, t);
}

static void
join(struct buf *o, const struct strlist *l, const char *sep)
{
	for (size_t i = 0; i < l->n; i++)
		buf_printf(o, "%s%s", i ? sep : "", l->v[i]);
}

static void
json_list(struct buf *o, const char *key, const struct strlist *l)
{
	json_key(o, key, 0);
	buf_putc(o, '[');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_putc(o, ',');
		json_string(o, l->v[i]);
	}
	buf_putc(o, ']');
}

static void
show_json(const struct cli *c, const struct invoice *inv, struct buf *o)
{
	char a[32], d[11], t[32];

	buf_putc(o, '{');
	json_invoice_fields(c, inv, o);
	invoice_format_amount(inv, inv->amount_original, a, sizeof(a));
	json_key(o, "amount_original", 0);
	json_string(o, a);
	date_format(inv->issue_date, d);
	json_key(o, "issue_date", 0);
	json_string(o, d);
	json_key(o, "profile", 0);
	json_string(o, inv->profile);
	json_key(o, "language", 0);
	json_string(o, inv->lang);
	json_key(o, "pdf", 0);
	json_string(o, inv->pdf);
	json_key(o, "dispute_reason", 0);
	json_string(o, inv->dispute_reason);
	json_list(o, "contacts", &inv->contacts);
	json_list(o, "undeliverable", &inv->undeliverable);
	json_list(o, "tracking_ids", &inv->tracking_ids);
	json_list(o, "message_ids", &inv->message_ids);
	json_key(o, "history", 0);
	buf_putc(o, '[');
	for (size_t i = 0; i < inv->nevents; i++) {
		const struct invoice_event *ev = &inv->events[i];

		format_utc(ev->time, t, sizeof(t));
		buf_puts(o, i ? ",{" : "{");
		json_key(o, "time", 1);
		json_string(o, t);
		json_key(o, "kind", 0);
		json_string(o, ev->kind);
		json_key(o, "actor", 0);
		json_string(o, ev->actor);
		json_key(o, "detail", 0);
		json_string(o, ev->detail);
		buf_putc(o, '}');
	}
	buf_puts(o, "]}\n");
}

static void
show_line(struct buf *o, const char *label, const char *value)
{
	buf_printf(o, "  %-13s ", label);
	put_cell(o, value, 200, false);
	buf_putc(o, '\n');
}

static void
show_text(const struct cli *c, const struct invoice *inv, struct buf *o)
{
	char a[32], b[32], d[11], t[32];
	struct buf v = BUF_INIT;
	long late = invoice_days_overdue(inv, c->today);
	enum invoice_state s = invoice_effective_state(inv, c->today);

	buf_printf(o, "Invoice %s\n", inv->number);
	buf_printf(&v, "%s (%s)",
	           inv->customer_name ? inv->customer_name : inv->customer,
	           inv->customer);
	show_line(o, "Customer", buf_cstr(&v));
	buf_reset(&v);
	join(&v, &inv->contacts, ", ");
	show_line(o, "Contacts", buf_cstr(&v));
	buf_reset(&v);
	buf_puts(&v, invoice_state_name(s));
	date_format(inv->paused_until, d);
	if (s == INVOICE_PAUSED)
		buf_printf(&v, " until %s", d);
	if (s == INVOICE_DISPUTED && inv->dispute_reason)
		buf_printf(&v, ": %s", inv->dispute_reason);
	show_line(o, "State", buf_cstr(&v));
	invoice_format_amount(inv, inv->amount_due, a, sizeof(a));
	invoice_format_amount(inv, inv->amount_original, b, sizeof(b));
	buf_reset(&v);
	buf_printf(&v, "%s %s (invoiced %s %s)", a, inv->currency, b,
	           inv->currency);
	show_line(o, "Amount due", buf_cstr(&v));
	date_format(inv->issue_date, d);
	show_line(o, "Issued", d);
	date_format(inv->due_date, d);
	buf_reset(&v);
	buf_printf(&v, "%s", d);
	if (late > 0 && is_unpaid(s))
		buf_printf(&v, " (%ld day%s overdue)", late,
		           late == 1 ? "" : "s");
	show_line(o, "Due", buf_cstr(&v));
	buf_reset(&v);
	buf_printf(&v, "%s, %s", inv->profile, inv->lang);
	show_line(o, "Profile", buf_cstr(&v));
	buf_reset(&v);
	date_format(inv->last_step_date, d);
	if (inv->last_step)
		buf_printf(&v, "%s on %s", inv->last_step, d);
	show_line(o, "Last step", inv->last_step ? buf_cstr(&v) : "none");
	show_line(o, "PDF", inv->pdf ? inv->pdf : "none");
	buf_puts(o, "History\n");
	for (size_t i = 0; i < inv->nevents; i++) {
		const struct invoice_event *ev = &inv->events[i];

		format_local(ev->time, t, sizeof(t));
		buf_printf(o, "  %s  %-9s %s\n", t, ev->kind, ev->actor);
		buf_puts(o, "                    ");
		put_cell(o, ev->detail, INVOICE_MAX_DETAIL, false);
		buf_putc(o, '\n');
	}
	buf_free(&v);
}

/* Fetch one invoice in a read transaction. 0 or an exit code. */
static int
get_invoice(struct cli *c, const char *number, struct invoice *inv)
{
	enum store_rc rc;
	struct err e;

	if ((rc = store_begin(c->st, STORE_READ, &e)) != STORE_OK)
		return store_failed(c, rc, &e);
	rc = ledger_get(c->st, number, inv, &e);
	store_abort(c->st);
	if (rc == STORE_NOTFOUND) {
		warnx_(c, "unknown invoice \"%s\"", number);
		return EX_DATAERR;
	}
	return rc == STORE_OK ? 0 : store_failed(c, rc, &e);
}

static int
cmd_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool as_json = false;
	struct invoice inv;
	struct buf o = BUF_INIT;
	int ch, rc;

	while ((ch = next_opt(c, argc, argv, "jh", opts)) != -1)
		as_json |= ch == 'j';
	if (argc - optind != 1)
		die_usage(c, "expected one invoice number");
	if ((rc = get_invoice(c, argv[optind], &inv)) != 0)
		return rc;
	if (as_json)
		show_json(c, &inv, &o);
	else
		show_text(c, &inv, &o);
	fputs(buf_cstr(&o), stdout);
	buf_free(&o);
	invoice_free(&inv);
	return EX_OK;
}

/*
 * Changing one invoice: read, transition, write, in one write transaction.
 */

struct change {
	enum {
		CH_PAY,
		CH_DISPUTE,
		CH_RESOLVE,
		CH_PAUSE,
		CH_RESUME,
		CH_CANCEL
	} what;
	const char *amount; /* pay: as typed, NULL for all */
	struct date date;   /* pay: day received; pause: until */
	const char *text;   /* dispute, cancel, pause: the reason */
};

static int
apply_change(struct cli *c, struct invoice *inv, const struct change *ch,
             struct err *e)
{
	int64_t amount = -1;

	switch (ch->what) {
	case CH_PAY:
		if (ch->amount != NULL &&
		    (money_parse(ch->amount, invoice_decimals(inv), &amount) <
		         0 ||
		     amount <= 0)) {
			err_set(e,
			        "bad amount \"%s\" (expected a positive amount "
			        "such as 120.50 or 120,50)",
			        ch->amount);
			return EX_USAGE;
		}
		return invoice_pay(inv, amount, ch->date, c->now, c->actor, e)
		           ? EX_DATAERR
		           : 0;
	case CH_DISPUTE:
		return invoice_dispute(inv, ch->text, c->now, c->actor, e)
		           ? EX_DATAERR
		           : 0;
	case CH_RESOLVE:
		return invoice_resolve(inv, c->now, c->actor, e) ? EX_DATAERR
		                                                 : 0;
	case CH_PAUSE:
		return invoice_pause(inv, ch->date, c->today, ch->text, c->now,
		                     c->actor, e)
		           ? EX_DATAERR
		           : 0;
	case CH_RESUME:
		return invoice_resume(inv, c->now, c->actor, e) ? EX_DATAERR
		                                                : 0;
	case CH_CANCEL:
		return invoice_cancel(inv, ch->text, c->now, c->actor, e)
		           ? EX_DATAERR
		           : 0;
	}
	return EX_SOFTWARE;
}

/* Changes an invoice for edit_invoice: 0, or an exit status after saying
 * why. */
typedef int (*edit_fn)(struct cli *c, struct invoice *inv, void *arg);

/*
 * edit_invoice -- read invoice NUMBER into *INV in a write transaction, let
 * FN change it, write it back and commit. Returns 0 with *INV filled (the
 * caller prints from it and frees it), -1 when there is no such invoice
 * (nothing said: the caller names it), or an exit status after saying why
 * (*INV then free).
 */
static int
edit_invoice(struct cli *c, const char *number, edit_fn fn, void *arg,
             struct invoice *inv)
{
	enum store_rc rc;
	struct err e;
	int status;

	if ((rc = store_begin(c->st, STORE_WRITE, &e)) != STORE_OK)
		return store_failed(c, rc, &e);
	rc = ledger_get(c->st, number, inv, &e);
	if (rc != STORE_OK) {
		store_abort(c->st);
		return rc == STORE_NOTFOUND ? -1 : store_failed(c, rc, &e);
	}
	if ((status = fn(c, inv, arg)) != 0)
		store_abort(c->st);
	else if ((rc = ledger_put(c->st, inv, &e)) != STORE_OK) {
		status = store_failed(c, rc, &e);
		store_abort(c->st);
	} else if ((rc = store_commit(c->st, &e)) != STORE_OK) {
		status = store_failed(c, rc, &e);
	}
	if (status != 0)
		invoice_free(inv);
	return status;
}

/* edit_fn of change_invoice: apply_change, saying why it refused. */
static int
change_apply(struct cli *c, struct invoice *inv, void *arg)
{
	struct err e;
	int status = apply_change(c, inv, arg, &e);

	if (status != 0)
		warnx_(c, "%s", e.msg);
	return status;
}

static int
change_invoice(struct cli *c, const char *number, const struct change *ch)
{
	struct invoice inv;
	int status = edit_invoice(c, number, change_apply, (void *)ch, &inv);

	if (status < 0) {
		warnx_(c, "unknown invoice \"%s\"", number);
		return EX_DATAERR;
	}
	if (status == 0) {
		printf("%s: %s (%s)\n", inv.number,
		       invoice_state_name(inv.state),
		       inv.events[inv.nevents - 1].detail);
		invoice_free(&inv);
	}
	return status;
}

static int
cmd_pay(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"date", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct change ch = {CH_PAY, NULL, c->today, NULL};
	int opt;

	while ((opt = next_opt(c, argc, argv, "d:h", opts)) != -1)
		ch.date = arg_date(c, "date", optarg);
	if (argc - optind < 1 || argc - optind > 2)
		die_usage(c, "expected an invoice number and maybe an amount");
	ch.amount = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (date_cmp(ch.date, c->today) > 0)
		die_usage(c, "payment date is in the future");
	return change_invoice(c, argv[optind], &ch);
}

/* dispute and cancel: one invoice and a --reason, one line of text,
 * required for a dispute. */
static int
reason_command(struct cli *c, int argc, char **argv, struct change ch,
               bool required)
{
	static const struct option opts[] = {
	    {"reason", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	int opt;

	while ((opt = next_opt(c, argc, argv, "r:h", opts)) != -1)
		ch.text = optarg;
	if (argc - optind != 1)
		die_usage(c, "expected one invoice number");
	if (required &&
	    (ch.text == NULL || *text_trim((char *)ch.text) == '\0'))
		die_usage(c, "--reason TEXT is required");
	if (ch.text != NULL && text_has_ctl(ch.text))
		die_usage(c, "--reason must be one line of text");
	return change_invoice(c, argv[optind], &ch);
}

static int
cmd_dispute(struct cli *c, int argc, char **argv)
{
	struct change ch = {CH_DISPUTE, NULL, DATE_NULL, NULL};

	return reason_command(c, argc, argv, ch, true);
}

static int
cmd_resolve(struct cli *c, int argc, char **argv)
{
	struct change ch = {CH_RESOLVE, NULL, DATE_NULL, NULL};

	plain_args(c, argc, argv, 1);
	return change_invoice(c, argv[optind], &ch);
}

static int
cmd_resume(struct cli *c, int argc, char **argv)
{
	struct change ch = {CH_RESUME, NULL, DATE_NULL, NULL};

	plain_args(c, argc, argv, 1);
	return change_invoice(c, argv[optind], &ch);
}

static int
cmd_pause(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"until", required_argument, NULL, 'u'},
	    {"for", required_argument, NULL, 'f'},
	    {"reason", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct change ch = {CH_PAUSE, NULL, DATE_NULL, NULL};
	long days;
	int opt, given = 0;

	while ((opt = next_opt(c, argc, argv, "u:f:r:h", opts)) != -1) {
		if (opt == 'u') {
			ch.date = arg_date(c, "date", optarg);
			given++;
		} else if (opt == 'f') {
			if (date_parse_span(optarg, &days) < 0)
				die_usage(c,
				          "bad duration \"%s\" (expected days "
				          "such as 7d, or weeks such as 2w)",
				          optarg);
			ch.date = date_add_days(c->today, days);
			given++;
		} else if (opt == 'r') {
			ch.text = optarg;
		}
	}
	if (given != 1)
		die_usage(c, "give exactly one of --until DATE and --for DAYS");
	if (argc - optind != 1)
		die_usage(c, "expected one invoice number");
	if (ch.text != NULL && text_has_ctl(ch.text))
		die_usage(c, "--reason must be one line of text");
	return change_invoice(c, argv[optind], &ch);
}

static int
cmd_cancel(struct cli *c, int argc, char **argv)
{
	struct change ch = {CH_CANCEL, NULL, DATE_NULL, NULL};

	return reason_command(c, argc, argv, ch, false);
}

/*
 * import
 */

/* Read a whole file (bounded) into OUT. 0, or -1 with E set. */
static int
read_file(const char *path, struct buf *out, struct err *e)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		err_set(e, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(out, chunk, n);
		if (out->len > (size_t)CLI_MAX_INPUT) {
			err_set(e, "%s: larger than %ld MB", path,
			        CLI_MAX_INPUT >> 20);
			break;
		}
	}
	if (ferror(f))
		err_set(e, "%s: cannot read: %s", path, strerror(errno));
	else if (buf_failed(out))
		err_set(e, "%s: out of memory", path);
	n = ferror(f) || buf_failed(out) || out->len > (size_t)CLI_MAX_INPUT;
	if (f != stdin)
		fclose(f);
	return n ? -1 : 0;
}

struct import_counts {
	unsigned added, updated, unchanged;
};

/* Write one imported invoice: new, updated, or unchanged. */
static enum store_rc
import_one(struct cli *c, const char *file, const struct invoice *fresh,
           struct import_counts *counts, struct err *e)
{
	struct invoice cur;
	enum store_rc rc;
	int changed;

	rc = ledger_get(c->st, fresh->number, &cur, e);
	if (rc == STORE_NOTFOUND) {
		if (invoice_copy(&cur, fresh) < 0 ||
		    invoice_add_event(&cur, c->now, "imported", c->actor,
		                      "imported from %s", file) < 0)
			goto nomem;
		if (cur.amount_original < 0)
			cur.amount_original = cur.amount_due;
		counts->added++;
	} else if (rc == STORE_OK) {
		if ((changed = invoice_update(&cur, fresh, c->now, c->actor)) <
		    0)
			goto nomem;
		if (changed == 0) {
			counts->unchanged++;
			invoice_free(&cur);
			return STORE_OK;
		}
		counts->updated++;
	} else {
		return rc;
	}
	rc = ledger_put(c->st, &cur, e);
	invoice_free(&cur);
	return rc;
nomem:
	invoice_free(&cur);
	err_set(e, "out of memory");
	return STORE_ERR;
}

/* The writing of an import, one invoice at a time as import_each reads
 * them, in one write transaction begun with the first (the file was
 * checked whole before): all or nothing still. */
struct import_writer {
	struct cli *c;
	const char *file;
	struct import_counts counts;
	size_t n;
	bool begun;
	enum store_rc rc;
	struct err e;
	size_t bytes; /* of the CSV: what the invoices will take, roughly */
};

/* Room in the state file's file system for an import of BYTES of CSV:
 * each invoice takes a few times its row (record and indexes). */
#define IMPORT_ROOM(bytes) (4 * (uint64_t)(bytes) + 1024 * 1024)

/* Begin W's write transaction, when the disk has room for the import
 * (there is no rollback: a full disk must refuse it whole). STORE_OK, or
 * W->rc set. */
static enum store_rc
import_begin(struct import_writer *w)
{
	w->rc = store_room(w->c->st, IMPORT_ROOM(w->bytes), &w->e);
	if (w->rc != STORE_OK)
		return w->rc;
	w->rc = store_begin(w->c->st, STORE_WRITE, &w->e);
	if (w->rc == STORE_OK) {
		w->begun = true;
		/* A file older than the customer index gets it here, once,
		 * rather than in the milter at the first staff contact
		 * (ledger.h). */
		w->rc = ledger_customer_index(w->c->st, NULL, &w->e);
	}
	return w->rc;
}

/* import_fn: write INV. */
static int
import_write_one(const struct invoice *inv, void *arg)
{
	struct import_writer *w = arg;

	if (!w->begun && import_begin(w) != STORE_OK)
		return -1;
	w->n++;
	w->rc = import_one(w->c, w->file, inv, &w->counts, &w->e);
	return w->rc == STORE_OK ? 0 : -1;
}

/* After import_each: commit what W wrote, or give it up. */
static int
import_finish(struct import_writer *w)
{
	struct cli *c = w->c;

	if (w->rc == STORE_OK && !w->begun) /* no invoice: as before */
		import_begin(w);
	else if (w->rc != STORE_OK && w->begun)
		store_abort(c->st);
	if (w->rc == STORE_OK)
		w->rc = store_commit(c->st, &w->e);
	if (w->rc != STORE_OK)
		return store_failed(c, w->rc, &w->e);
	printf("%s: %zu invoice%s: %u new, %u updated, %u unchanged\n", w->file,
	       w->n, w->n == 1 ? "" : "s", w->counts.added, w->counts.updated,
	       w->counts.unchanged);
	return EX_OK;
}

static int
cmd_import(struct cli *c, int argc, char **argv)
{
	struct strlist errors = STRLIST_INIT, profiles = STRLIST_INIT,
	               langs = STRLIST_INIT;
	struct import_result r;
	struct buf data = BUF_INIT;
	struct err e;
	const char *file;
	int n, status;

	plain_args(c, argc, argv, 1);
	file = argv[optind];
	if ((status = load_policy(c, c->cfg.policy_dir)) != 0)
		return status;
	if (read_file(file, &data, &e) < 0) {
		warnx_(c, "%s", e.msg);
		buf_free(&data);
		return EX_NOINPUT;
	}
	if (policy_names(c->pol, &profiles, &langs) < 0) {
		warnx_(c, "out of memory");
		status = EX_OSERR;
		goto out;
	}
	struct import_opts opts = {&profiles, &langs, "default",
	                           "fr",      "EUR",  c->cfg.pdf_dir};
	struct import_writer w = {c,     file,     {0, 0, 0}, 0,
	                          false, STORE_OK, {""},      data.len};
	n = import_each(file, buf_cstr(&data), data.len, &opts,
	                import_write_one, &w, &r, &errors);
	for (size_t i = 0; i < r.warnings.n; i++)
		fprintf(stderr, "%s\n", r.warnings.v[i]);
	for (size_t i = 0; i < errors.n; i++)
		fprintf(stderr, "%s\n", errors.v[i]);
	if (n < 0) {
		if (w.begun)
			store_abort(c->st);
		warnx_(c, "out of memory");
		status = EX_OSERR;
	} else if (n > 0) {
		warnx_(c, "%s: %d error%s: nothing imported", file, n,
		       n == 1 ? "" : "s");
		status = EX_DATAERR;
	} else {
		status = import_finish(&w);
	}
	import_result_free(&r);
out:
	strlist_clear(&errors);
	strlist_clear(&profiles);
	strlist_clear(&langs);
	buf_free(&data);
	return status;
}

/*
 * check, fsck, backup, restore
 */

static int
cmd_check(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	const char *dir;
	char zone[1024];
	int status;

	while (next_opt(c, argc, argv, "h", opts) != -1)
		;
	if (argc - optind > 1)
		die_usage(c, "expected at most one policy directory");
	dir = optind < argc ? argv[optind] : c->cfg.policy_dir;
	snprintf(zone, sizeof(zone), "/usr/share/zoneinfo/%s", c->cfg.timezone);
	status = load_policy(c, dir);
	if (c->config_bad)
		status = EX_CONFIG;
	if (access(zone, R_OK) < 0) {
		fprintf(stderr,
		        "%s: TimeZone \"%s\" is not a known time zone "
		        "(expected a name such as Europe/Paris)\n",
		        c->cfg.path ? c->cfg.path : "relance.conf",
		        c->cfg.timezone);
		status = EX_CONFIG;
	}
	if (status == 0)
		printf("%s%s%s: OK\n", c->cfg.path ? c->cfg.path : "",
		       c->cfg.path ? ", " : "", dir);
	return status;
}

static int
cmd_fsck(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct strlist report = STRLIST_INIT;
	bool repair = true, repaired = false;
	unsigned problems = 0;
	struct stat sb;
	enum store_rc rc;
	struct err e;
	int ch;

	while ((ch = next_opt(c, argc, argv, "nh", opts)) != -1)
		repair = false;
	if (optind != argc)
		die_usage(c, "unexpected argument \"%s\"", argv[optind]);
	if (repair)
		rc = store_recover(c->st, &report, &repaired, &e);
	else if (stat(store_path(c->st), &sb) == 0 && sb.st_size == 0) {
		/* a read sees an empty file as an empty state: not here */
		err_set(&e,
		        "%s: the file is empty (0 bytes), not a state file "
		        "(truncated?); restore it from a backup with `relance "
		        "restore`",
		        store_path(c->st));
		rc = STORE_ERR;
	} else
		rc = STORE_OK;
	if (!repaired)
		strlist_clear(&report); /* "no damage found" says nothing */
	if (rc == STORE_OK)
		rc = store_begin(c->st, repair ? STORE_WRITE : STORE_READ, &e);
	if (rc == STORE_OK) {
		rc = ledger_fsck(c->st, repair, &report, &problems, &e);
		if (rc == STORE_OK && repair)
			rc = store_commit(c->st, &e);
		else
			store_abort(c->st);
	}
	for (size_t i = 0; i < report.n; i++)
		printf("%s\n", report.v[i]);
	strlist_clear(&report);
	if (rc != STORE_OK)
		return store_failed(c, rc, &e);
	if (problems == 0 && !repaired) {
		printf("%s: OK\n", store_path(c->st));
		return EX_OK;
	}
	printf("%s: %u problem%s %s\n", store_path(c->st), problems,
	       problems == 1 ? "" : "s", repair ? "repaired" : "found");
	return repair ? 1 : EX_DATAERR;
}

static int
cmd_backup(struct cli *c, int argc, char **argv)
{
	enum store_rc rc;
	struct err e;

	plain_args(c, argc, argv, 1);
	if ((rc = store_backup(c->st, argv[optind], &e)) != STORE_OK)
		return store_failed(c, rc, &e);
	printf("%s: backed up to %s\n", store_path(c->st), argv[optind]);
	return EX_OK;
}

static int
cmd_restore(struct cli *c, int argc, char **argv)
{
	enum store_rc rc;
	struct err e;

	plain_args(c, argc, argv, 1);
	if ((rc = store_restore(c->st, argv[optind], &e)) != STORE_OK)
		return store_failed(c, rc, &e);
	printf("%s: restored from %s\n", store_path(c->st), argv[optind]);
	return EX_OK;
}

/*
 * classify: messages from files, an mbox or a Maildir, one line each.
 */

/* A walk over messages (files, mboxes, Maildirs): ONE handles each. */
struct classify_run {
	struct cli *c;
	bool as_json;
	struct strlist mailboxes;
	int unreadable;
	int busy; /* replay: messages the state file was not available for */
	int (*one)(struct classify_run *run, const char *label,
	           const char *data, size_t len);
};

static void
print_list(struct buf *o, const char *key, const struct strlist *l)
{
	if (l->n == 0)
		return;
	buf_printf(o, " %s=", key);
	join(o, l, ",");
}

static void
print_amounts(struct buf *o, const struct classify_result *r, bool as_json)
{
	char a[32];

	for (size_t i = 0; i < r->namounts; i++) {
		money_format(r->amounts[i], 2, a, sizeof(a));
		if (as_json) {
			if (i)
				buf_putc(o, ',');
			json_string(o, a);
		} else {
			buf_printf(o, "%s%s", i ? "," : " amounts=", a);
		}
	}
}

static void
json_date(struct buf *o, const char *key, struct date d)
{
	char s[11];

	date_format(d, s);
	json_key(o, key, 0);
	json_string(o, date_is_null(d) ? NULL : s);
}

static void
classify_print(const char *label, const struct classify_result *r, bool as_json,
               struct buf *o)
{
	struct buf ev = BUF_INIT;
	char d[11];

	classify_evidence(r, &ev);
	if (as_json) {
		buf_putc(o, '{');
		json_key(o, "file", 1);
		json_string(o, label);
		json_key(o, "class", 0);
		json_string(o, classify_name(r->class));
		json_key(o, "evidence", 0);
		json_string(o, buf_cstr(&ev));
		json_list(o, "tracking_ids", &r->tracking_ids);
		json_list(o, "invoices", &r->invoices);
		json_date(o, "promise_date", r->promise_date);
		json_date(o, "return_date", r->return_date);
		json_key(o, "amounts", 0);
		buf_putc(o, '[');
		print_amounts(o, r, true);
		buf_putc(o, ']');
		json_key(o, "bounce_recipient", 0);
		json_string(o, r->bounce_recipient);
		json_key(o, "bounce_permanent", 0);
		buf_puts(o, r->bounce_recipient == NULL ? "null"
		            : r->bounce_permanent       ? "true"
		                                        : "false");
		json_key(o, "truncated", 0);
		buf_puts(o, r->truncated ? "true" : "false");
		buf_puts(o, "}\n");
	} else {
		buf_printf(o, "%s: %s", label, classify_name(r->class));
		print_list(o, "tracking", &r->tracking_ids);
		print_list(o, "invoices", &r->invoices);
		date_format(r->promise_date, d);
		if (*d)
			buf_printf(o, " promise_date=%s", d);
		date_format(r->return_date, d);
		if (*d)
			buf_printf(o, " return_date=%s", d);
		print_amounts(o, r, false);
		if (r->bounce_recipient)
			buf_printf(o, " recipient=%s (%s)", r->bounce_recipient,
			           r->bounce_permanent ? "permanent"
			                               : "transient");
		if (r->truncated)
			buf_puts(o, " truncated");
		buf_puts(o, " evidence=\"");
		put_cell(o, buf_cstr(&ev), 300, false);
		buf_puts(o, "\"\n");
	}
	buf_free(&ev);
}

/* Classify one message held in DATA[0..LEN) and print its line. */
static int
classify_one(struct classify_run *run, const char *label, const char *data,
             size_t len)
{
	struct mime_limits lim = mime_default_limits();
	struct classify_opts opts = {run->c->today, &run->mailboxes};
	struct mime_message m;
	struct classify_result r;
	struct buf o = BUF_INIT;
	struct err e;
	int rc = -1;

	if (mime_parse(data, len, &lim, &m, &e) == 0 &&
	    classify_message(&m, run->c->pol, &opts, &r, &e) == 0) {
		classify_print(label, &r, run->as_json, &o);
		fputs(buf_cstr(&o), stdout);
		rc = 0;
		classify_free(&r);
	} else {
		warnx_(run->c, "%s: %s", label, e.msg);
	}
	mime_free(&m);
	buf_free(&o);
	return rc;
}

/* Classify the message gathered in MSG, the Nth of FILE, then empty MSG. */
static int
classify_mbox_message(struct classify_run *run, const char *file, unsigned n,
                      struct buf *msg)
{
	struct buf label = BUF_INIT;
	int rc;

	buf_printf(&label, "%s#%u", file, n);
	rc = run->one(run, buf_cstr(&label), buf_cstr(msg), msg->len);
	buf_free(&label);
	buf_reset(msg);
	return rc;
}

/* An mbox: messages start at "From " lines; ">From " is unquoted. */
static int
classify_mbox(struct classify_run *run, const char *file, const char *data,
              size_t len)
{
	struct buf msg = BUF_INIT;
	const char *p = data, *end = data + len;
	unsigned n = 0;
	int rc = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end, *q = p;

		if (next - p >= 5 && memcmp(p, "From ", 5) == 0) {
			if (msg.len > 0)
				rc |=
				    classify_mbox_message(run, file, ++n, &msg);
			p = next;
			continue;
		}
		while (q < next && *q == '>')
			q++;
		if (q > p && next - q >= 5 && memcmp(q, "From ", 5) == 0)
			p++; /* ">From " stood for "From " */
		buf_append(&msg, p, (size_t)(next - p));
		p = next;
	}
	if (msg.len > 0)
		rc |= classify_mbox_message(run, file, ++n, &msg);
	buf_free(&msg);
	return rc;
}

static int classify_path(struct classify_run *run, const char *path, bool mbox);

/* A Maildir: every message of cur/ and new/, in name order. */
static int
classify_maildir(struct classify_run *run, const char *dir)
{
	static const char *const subs[] = {"cur", "new"};
	struct strlist names = STRLIST_INIT;
	struct buf path = BUF_INIT;
	int rc = 0;

	for (int i = 0; i < 2; i++) {
		DIR *d;
		struct dirent *de;

		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, subs[i]);
		if ((d = opendir(buf_cstr(&path))) == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				struct buf full = BUF_INIT;

				buf_printf(&full, "%s/%s", buf_cstr(&path),
				           de->d_name);
				strlist_add(&names, buf_cstr(&full));
				buf_free(&full);
			}
		closedir(d);
	}
	strlist_sort(&names);
	for (size_t i = 0; i < names.n; i++)
		rc |= classify_path(run, names.v[i], false);
	strlist_clear(&names);
	buf_free(&path);
	return rc;
}

static int
classify_path(struct classify_run *run, const char *path, bool mbox)
{
	struct buf data = BUF_INIT;
	struct stat st;
	struct err e;
	int rc;

	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		return classify_maildir(run, path);
	if (read_file(path, &data, &e) < 0) {
		warnx_(run->c, "%s", e.msg);
		run->unreadable++;
		buf_free(&data);
		return -1;
	}
	rc = mbox ? classify_mbox(run, path, buf_cstr(&data), data.len)
	          : run->one(run, path, buf_cstr(&data), data.len);
	buf_free(&data);
	return rc;
}

static int
cmd_classify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
	                                     {"mbox", no_argument, NULL, 'm'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	struct classify_run run = {c, false, STRLIST_INIT, 0, 0, classify_one};
	bool mbox = false;
	int ch, status;

	while ((ch = next_opt(c, argc, argv, "jmh", opts)) != -1) {
		run.as_json |= ch == 'j';
		mbox |= ch == 'm';
	}
	if (optind == argc)
		die_usage(c, "expected at least one file, - or a Maildir");
	if ((status = load_policy(c, c->cfg.policy_dir)) != 0)
		return status;
	if (config_mailboxes(&c->cfg, &run.mailboxes) < 0) {
		warnx_(c, "out of memory");
		return EX_OSERR;
	}
	for (int i = optind; i < argc; i++)
		classify_path(&run, argv[i], mbox);
	strlist_clear(&run.mailboxes);
	return run.unreadable ? EX_NOINPUT : EX_OK;
}

/* replay: one message through the milter's incoming path. */
static int
replay_one(struct classify_run *run, const char *label, const char *data,
           size_t len)
{
	struct cli *c = run->c;
	struct incoming_ctx ic = {c->pol, &run->mailboxes, c->st, c->today,
	                          c->now, c->actor,        NULL,  NULL,
	                          -1};
	struct incoming_result r;
	struct err e;

	if (incoming_process(&ic, data, len, &r, &e) < 0) {
		warnx_(c, "%s: %s", label, e.msg);
		return -1;
	}
	if (r.store != STORE_OK) {
		warnx_(c, "%s: not replayed: %s", label, e.msg);
		run->busy++;
		return -1;
	}
	printf("%s: %s%s%s%s%s: %s\n", label, classify_name(r.class),
	       r.invoice[0] ? " invoice=" : "", r.invoice,
	       r.invoice[0] ? " state=" : "",
	       r.invoice[0] ? invoice_state_name(r.state) : "", r.log);
	return 0;
}

static int
cmd_replay(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"mbox", no_argument, NULL, 'm'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	struct classify_run run = {c, false, STRLIST_INIT, 0, 0, replay_one};
	bool mbox = false;
	int ch, status;

	while ((ch = next_opt(c, argc, argv, "mh", opts)) != -1)
		mbox |= ch == 'm';
	if (optind == argc)
		die_usage(c,
		          "expected a Maildir, an mbox with --mbox, or files");
	if ((status = load_policy(c, c->cfg.policy_dir)) != 0)
		return status;
	if (config_mailboxes(&c->cfg, &run.mailboxes) < 0) {
		warnx_(c, "out of memory");
		return EX_OSERR;
	}
	for (int i = optind; i < argc; i++)
		classify_path(&run, argv[i], mbox);
	strlist_clear(&run.mailboxes);
	if (run.busy)
		return EX_TEMPFAIL;
	return run.unreadable ? EX_NOINPUT : EX_OK;
}

/*
 * run: the daily escalation (run.h does the work).
 */

/*
 * The run's lines go to stdout as they come and, when the summary is to
 * be mailed, into a buffer too: a stdio stream over both.
 */
struct tee {
	FILE *out;
	struct buf *copy;
};

static ssize_t
tee_write(void *cookie, const char *data, size_t len)
{
	struct tee *t = cookie;

	buf_append(t->copy, data, len);
	if (fwrite(data, 1, len, t->out) != len || fflush(t->out) != 0)
		return -1;
	return (ssize_t)len;
}

/* A write-only stream over T (fclose it), or NULL with errno set. */
static FILE *
tee_open(struct tee *t)
{
	cookie_io_functions_t io = {NULL, tee_write, NULL, NULL};

	return fopencookie(t, "w", io);
}

/* "HH:MM", 00:00 to 23:59, in minutes after midnight. */
static int
arg_time(const struct cli *c, const char *s)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' ||
	    s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '5' ||
	    s[4] < '0' || s[4] > '9' ||
	    (h = (s[0] - '0') * 10 + (s[1] - '0')) > 23)
		die_usage(c, "bad time \"%s\" (expected HH:MM, 00:00 to 23:59)",
		          s);
	m = (s[3] - '0') * 10 + (s[4] - '0');
	return h * 60 + m;
}

/* The time of day of NOW in the configured zone (set_clock set TZ). */
static int
now_minute(const struct cli *c)
{
	time_t t = (time_t)c->now;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_hour * 60 + tm.tm_min;
}

static int
cmd_run(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"date", required_argument, NULL, 'd'},
	    {"time", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct run_opts o = {&c->cfg, NULL,     c->st,        c->today,
	                     c->now,  c->actor, false,        false,
	                     stdout,  true,     now_minute(c)};
	struct run_summary sum;
	struct buf copy = BUF_INIT;
	struct tee tee = {stdout, &copy};
	struct err e;
	bool mail;
	int ch, rc, minute = -1;

	while ((ch = next_opt(c, argc, argv, "nd:t:jh", opts)) != -1) {
		if (ch == 'd') {
			o.today = arg_date(c, "date", optarg);
			o.timed = false;
		}
		if (ch == 't')
			minute = arg_time(c, optarg);
		o.dry_run |= ch == 'n';
		o.json |= ch == 'j';
	}
	if (minute >= 0) {
		o.timed = true;
		o.minute = minute;
	}
	if (optind != argc)
		die_usage(c, "unexpected argument \"%s\"", argv[optind]);
	if ((rc = load_policy(c, c->cfg.policy_dir)) != 0)
		return rc;
	o.pol = c->pol;
	mail = !o.dry_run && c->cfg.summary_to.n > 0;
	if (mail && (o.out = tee_open(&tee)) == NULL) {
		warnx_(c, "cannot keep the summary: %s", strerror(errno));
		return EX_OSERR;
	}
	rc = run_all(&o, &sum, &e);
	if (mail)
		fclose(o.out);
	if (rc != 0) {
		buf_free(&copy);
		return store_failed(c, rc, &e);
	}
	rc = sum.errors ? EX_TEMPFAIL : EX_OK;
	if (mail && (buf_failed(&copy) ||
	             run_mail_summary(&o, &sum, buf_cstr(&copy), &e) < 0)) {
		warnx_(c, "summary mail not sent: %s",
		       buf_failed(&copy) ? "out of memory" : e.msg);
		rc = EX_TEMPFAIL;
	}
	buf_free(&copy);
	return rc;
}

/*
 * tasks and done: the tasks for a person (task.h does the logic).
 */

/* One task of one invoice, for the listing. */
struct task_row {
	const struct invoice *inv;
	struct task t;
};

/* Oldest first; then by invoice and ordinal, for a stable order. */
static int
task_row_cmp(const void *a, const void *b)
{
	const struct task_row *x = a, *y = b;
	int d;

	if (x->t.ev->time != y->t.ev->time)
		return x->t.ev->time < y->t.ev->time ? -1 : 1;
	if ((d = strcmp(x->inv->number, y->inv->number)) != 0)
		return d;
	return x->t.seq < y->t.seq ? -1 : x->t.seq > y->t.seq;
}

static const char *
task_status_name(const struct task_row *r)
{
	return r->t.done != NULL ? "done" : task_moot(r->inv) ? "moot" : "open";
}

static void
tasks_json(const struct task_row *rows, size_t n, struct buf *o)
{
	struct buf b = BUF_INIT;
	char t[32];

	buf_putc(o, '[');
	for (size_t i = 0; i < n; i++) {
		const struct task_row *r = &rows[i];

		buf_puts(o, i ? ",\n{" : "\n{");
		buf_reset(&b);
		task_format_id(r->inv->number, r->t.seq, &b);
		json_key(o, "task", 1);
		json_string(o, buf_cstr(&b));
		format_utc(r->t.ev->time, t, sizeof(t));
		json_key(o, "time", 0);
		json_string(o, t);
		json_key(o, "invoice", 0);
		json_string(o, r->inv->number);
		json_key(o, "customer", 0);
		json_string(o, r->inv->customer);
		json_key(o, "customer_name", 0);
		json_string(o, r->inv->customer_name ? r->inv->customer_name
		                                     : r->inv->customer);
		json_key(o, "state", 0);
		json_string(o, invoice_state_name(r->inv->state));
		json_key(o, "status", 0);
		json_string(o, task_status_name(r));
		buf_reset(&b);
		task_what(r->t.ev, &b);
		json_key(o, "what", 0);
		json_string(o, buf_cstr(&b));
		json_key(o, "detail", 0);
		json_string(o, r->t.ev->detail);
		json_key(o, "by", 0);
		json_string(o, r->t.ev->actor);
		if (r->t.done != NULL)
			format_utc(r->t.done->time, t, sizeof(t));
		json_key(o, "done_time", 0);
		json_string(o, r->t.done ? t : NULL);
		json_key(o, "done_by", 0);
		json_string(o, r->t.done ? r->t.done->actor : NULL);
		buf_reset(&b);
		json_key(o, "note", 0);
		json_string(o,
		            task_note(r->inv, &r->t, &b) ? buf_cstr(&b) : NULL);
		buf_putc(o, '}');
	}
	buf_puts(o, n ? "\n]\n" : "]\n");
	buf_free(&b);
}

#define TASKS_CUSTOMER_WIDTH 20

static void
tasks_text(const struct task_row *rows, size_t n, struct buf *o)
{
	size_t wid = 4, winv = 7;
	struct buf b = BUF_INIT;
	char t[32];

	for (size_t i = 0; i < n; i++) {
		buf_reset(&b);
		task_format_id(rows[i].inv->number, rows[i].t.seq, &b);
		if (text_width(buf_cstr(&b)) > wid)
			wid = text_width(buf_cstr(&b));
		if (text_width(rows[i].inv->number) > winv)
			winv = text_width(rows[i].inv->number);
	}
	put_cell(o, "TASK", wid, true);
	buf_puts(o, " DATE       ");
	put_cell(o, "INVOICE", winv, true);
	buf_putc(o, ' ');
	put_cell(o, "CUSTOMER", TASKS_CUSTOMER_WIDTH, true);
	buf_puts(o, " TO DO\n");
	for (size_t i = 0; i < n; i++) {
		const struct task_row *r = &rows[i];

		buf_reset(&b);
		task_format_id(r->inv->number, r->t.seq, &b);
		put_cell(o, buf_cstr(&b), wid, true);
		format_local(r->t.ev->time, t, sizeof(t));
		buf_printf(o, " %.10s ", t);
		put_cell(o, r->inv->number, winv, true);
		buf_putc(o, ' ');
		put_cell(o,
		         r->inv->customer_name ? r->inv->customer_name
		                               : r->inv->customer,
		         TASKS_CUSTOMER_WIDTH, true);
		buf_putc(o, ' ');
		buf_reset(&b);
		task_what(r->t.ev, &b);
		put_cell(o, buf_cstr(&b), TASK_MAX_WHAT, false);
		buf_putc(o, '\n');
		if (r->t.done != NULL) {
			format_local(r->t.done->time, t, sizeof(t));
			buf_printf(o, "    done %s by ", t);
			put_cell(o, r->t.done->actor ? r->t.done->actor : "?",
			         INVOICE_MAX_DETAIL, false);
			buf_reset(&b);
			if (task_note(r->inv, &r->t, &b)) {
				buf_puts(o, ": ");
				put_cell(o, buf_cstr(&b), INVOICE_MAX_DETAIL,
				         false);
			}
			buf_putc(o, '\n');
		} else if (task_moot(r->inv)) {
			buf_printf(o, "    not to do: the invoice is %s\n",
			           invoice_state_name(r->inv->state));
		}
	}
	buf_free(&b);
}

static int
cmd_tasks(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	bool all = false, as_json = false;
	struct task_row *rows = NULL;
	struct invoice *v;
	struct buf o = BUF_INIT;
	size_t n, nrows = 0, cap = 0;
	int ch, rc;

	while ((ch = next_opt(c, argc, argv, "ajh", opts)) != -1) {
		all |= ch == 'a';
		as_json |= ch == 'j';
	}
	if (optind != argc)
		die_usage(c, "unexpected argument \"%s\"", argv[optind]);
	if ((rc = load_all(c, &v, &n)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct task t;
		size_t pos = 0;

		while (task_next(&v[i], &pos, &t)) {
			if (!all && (t.done != NULL || task_moot(&v[i])))
				continue;
			if (nrows == cap) {
				struct task_row *g;

				cap = cap ? cap * 2 : 16;
				if ((g = realloc(rows, cap * sizeof(*g))) ==
				    NULL) {
					free(rows);
					free_all(v, n);
					warnx_(c, "out of memory");
					return EX_OSERR;
				}
				rows = g;
			}
			rows[nrows++] = (struct task_row){&v[i], t};
		}
	}
	if (nrows > 1)
		qsort(rows, nrows, sizeof(*rows), task_row_cmp);
	if (as_json)
		tasks_json(rows, nrows, &o);
	else
		tasks_text(rows, nrows, &o);
	fputs(buf_failed(&o) ? "out of memory\n" : buf_cstr(&o), stdout);
	buf_free(&o);
	free(rows);
	free_all(v, n);
	return EX_OK;
}

/* A --note of `done` and `confirm`: one line of 1 to TASK_MAX_NOTE bytes,
 * or a usage error. */
static void
check_note(const struct cli *c, const char *note)
{
	if (note != NULL && (text_has_ctl(note) || *note == '\0' ||
	                     strlen(note) > TASK_MAX_NOTE))
		die_usage(c, "--note must be one line of 1 to %d bytes",
		          TASK_MAX_NOTE);
}

/* What `done` closes: task SEQ, written ID, with NOTE. */
struct done_task {
	const char *id;
	unsigned seq;
	const char *note;
};

/* edit_fn of `done`: close the task, or say why not. */
static int
done_apply(struct cli *c, struct invoice *inv, void *arg)
{
	const struct done_task *d = arg;
	const char *id = d->id;
	unsigned seq = d->seq;
	const char *note = d->note;
	struct task t;
	struct err e;
	char when[32];

	if (task_find(inv, seq, &t) == 0 && t.done != NULL) {
		format_local(t.done->time, when, sizeof(when));
		warnx_(c, "task %s is already done (%s by %s)", id, when,
		       t.done->actor ? t.done->actor : "?");
		return EX_DATAERR;
	}
	if (task_close(inv, seq, note, c->now, c->actor, &e) < 0) {
		warnx_(c, "%s", e.msg);
		return strcmp(e.msg, "out of memory") == 0 ? EX_OSERR
		                                           : EX_DATAERR;
	}
	return 0;
}

static int
cmd_done(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"note", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct done_task d = {NULL, 0, NULL};
	struct invoice inv;
	struct buf number = BUF_INIT;
	size_t len;
	int ch, status;

	while ((ch = next_opt(c, argc, argv, "n:h", opts)) != -1)
		d.note = optarg;
	if (argc - optind != 1)
		die_usage(c, "expected one task, as relance tasks lists it");
	d.id = argv[optind];
	if ((len = task_parse_id(d.id, &d.seq)) == 0)
		die_usage(c,
		          "bad task \"%s\" (expected INVOICE.N as relance "
		          "tasks lists it, e.g. F2026-0042.1)",
		          d.id);
	check_note(c, d.note);
	buf_append(&number, d.id, len);
	if (buf_failed(&number)) {
		warnx_(c, "out of memory");
		return EX_OSERR;
	}
	status = edit_invoice(c, buf_cstr(&number), done_apply, &d, &inv);
	if (status < 0) {
		warnx_(c, "unknown task \"%s\": no invoice %s", d.id,
		       buf_cstr(&number));
		status = EX_DATAERR;
	} else if (status == 0) {
		printf("%s: done (%s)\n", d.id,
		       inv.events[inv.nevents - 1].detail + strlen(d.id) + 2);
		invoice_free(&inv);
	}
	buf_free(&number);
	return status;
}

/*
 * confirm: a person's answer for a send that `relance run` could not
 * settle (a crash between "sending" and "sent", not seen by the milter).
 */

struct confirm_answer {
	bool sent;
	const char *note;
};

/* edit_fn of `confirm`: run_settle, or say why not. */
static int
confirm_apply(struct cli *c, struct invoice *inv, void *arg)
{
	const struct confirm_answer *a = arg;
	char step[POLICY_NAME_MAX + 1];
	struct err e;

	if (run_settle(inv, a->sent, c->now, c->actor, a->note, step,
	               sizeof(step), &e) < 0) {
		warnx_(c, "%s", e.msg);
		return EX_DATAERR;
	}
	return 0;
}

static int
cmd_confirm(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"note", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct confirm_answer a = {false, NULL};
	struct invoice inv;
	int ch, status;

	while ((ch = next_opt(c, argc, argv, "n:h", opts)) != -1)
		a.note = optarg;
	if (argc - optind != 2 || (strcmp(argv[optind + 1], "sent") != 0 &&
	                           strcmp(argv[optind + 1], "not-sent") != 0))
		die_usage(c, "expected an invoice, then sent or not-sent");
	a.sent = strcmp(argv[optind + 1], "sent") == 0;
	check_note(c, a.note);
	status = edit_invoice(c, argv[optind], confirm_apply, &a, &inv);
	if (status < 0) {
		warnx_(c, "no invoice %s", argv[optind]);
		return EX_DATAERR;
	}
	if (status == 0) {
		printf("%s: %s\n", inv.number,
		       inv.events[inv.nevents - 1].detail);
		invoice_free(&inv);
	}
	return status;
}

/*
 * report: aging, DSO, disputes, promises, tasks, reminders (report.h).
 */

/* report_day_fn: the local day of T (set_clock set TZ). */
static struct date
report_day(int64_t t, void *arg)
{
	time_t tt = (time_t)t;
	struct tm tm;

	(void)arg;
	if (localtime_r(&tt, &tm) == NULL)
		return DATE_NULL;
	return (struct date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

struct report_walk {
	struct cli *c;
	struct report *r;
	unsigned damaged;
	bool nomem;
};

/* ledger_walk_fn: count one invoice; a damaged record is said and
 * skipped. */
static int
report_walk_one(const struct invoice *inv, const struct err *damaged, void *arg)
{
	struct report_walk *w = arg;

	if (inv == NULL) {
		warnx_(w->c, "%s", damaged->msg);
		w->damaged++;
		return 0;
	}
	if (report_add(w->r, inv) < 0) {
		w->nomem = true;
		return 1;
	}
	return 0;
}

/* Write LEN bytes of DATA to PATH. 0, or -1 after saying why. */
static int
report_write(const struct cli *c, const char *path, const char *data,
             size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(data, 1, len, f) != len) {
		warnx_(c, "%s: %s", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		warnx_(c, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"date", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"html", required_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct date today = c->today;
	const char *html = NULL;
	bool as_json = false;
	struct report r;
	struct report_walk w = {c, &r, 0, false};
	struct buf o = BUF_INIT;
	struct err e;
	int ch, rc;

	while ((ch = next_opt(c, argc, argv, "d:jH:h", opts)) != -1) {
		if (ch == 'd')
			today = arg_date(c, "date", optarg);
		if (ch == 'H')
			html = optarg;
		as_json |= ch == 'j';
	}
	if (optind != argc)
		die_usage(c, "unexpected argument \"%s\"", argv[optind]);
	if (html != NULL && as_json)
		die_usage(c, "--json and --html go to different places: "
		             "choose one");
	if (html != NULL && *html == '\0')
		die_usage(c, "--html needs a file name");
	report_init(&r, today, report_day, NULL);
	rc = ledger_walk(c->st, 0, report_walk_one, &w, &e);
	if (w.nomem || rc != STORE_OK) {
		report_free(&r);
		if (w.nomem) {
			warnx_(c, "out of memory");
			return EX_OSERR;
		}
		return store_failed(c, rc, &e);
	}
	report_finish(&r);
	if (html != NULL)
		report_html(&r, &o);
	else if (as_json)
		report_json(&r, &o);
	else
		report_text(&r, &o);
	report_free(&r);
	if (buf_failed(&o)) {
		buf_free(&o);
		warnx_(c, "out of memory");
		return EX_OSERR;
	}
	if (html != NULL)
		rc = report_write(c, html, o.data, o.len) < 0 ? EX_CANTCREAT
		                                              : EX_OK;
	else
		rc = fputs(buf_cstr(&o), stdout) == EOF ? EX_IOERR : EX_OK;
	buf_free(&o);
	if (rc == EX_OK && w.damaged > 0) {
		warnx_(c, "%u damaged record(s) left out (relance fsck)",
		       w.damaged);
		rc = EX_DATAERR;
	}
	return rc;
}

/*
 * The evidence file of one invoice (evidence.h): the archived messages,
 * letters and invoice PDF copied into a new directory, their hashes
 * checked against those the history recorded, the timeline, an index in
 * HTML and PDF, and SHA256SUMS over it all.
 */

/* True when DIR is missing or empty; false (with E set) otherwise. */
static bool
evidence_dir_free(const char *dir, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool empty = true;

	if (d == NULL) {
		if (errno == ENOENT)
			return true;
		err_set(e, "%s: cannot read: %s", dir, strerror(errno));
		return false;
	}
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 ||
		        strcmp(de->d_name, "..") == 0;
	closedir(d);
	if (!empty)
		err_set(e,
		        "%s: not empty (expected a new or empty directory: an "
		        "evidence file is made whole, never merged into "
		        "another)",
		        dir);
	return empty;
}

/* Write DATA[0..LEN) to OUT/FILE (FILE may hold one "folder/"). */
static int
evidence_put(const char *out, const char *file, const void *data, size_t len,
             struct err *e)
{
	const char *slash = strrchr(file, '/');
	struct buf dir = BUF_INIT;
	int rc;

	buf_puts(&dir, out);
	if (slash != NULL)
		buf_printf(&dir, "/%.*s", (int)(slash - file), file);
	rc = letter_write_file(buf_cstr(&dir), slash ? slash + 1 : file, data,
	                       len, e);
	buf_free(&dir);
	return rc;
}

/* Copy the document D into OUT, hash the copy, check it against the
 * history; a problem is recorded in D and said on stderr. */
static void
evidence_copy(struct cli *c, const char *archive, const char *out,
              struct evidence_doc *d)
{
	struct buf path = BUF_INIT, data = BUF_INIT, why = BUF_INIT;
	struct err e;

	if (d->kind == EVIDENCE_MAIL)
		buf_printf(&path, "%s/%s", archive, d->source);
	else
		buf_puts(&path, d->source);
	if (read_file(buf_cstr(&path), &data, &e) < 0) {
		buf_printf(&why, "missing: %s (named by %s)", e.msg, d->what);
	} else if (evidence_put(out, d->file, data.data, data.len, &e) < 0) {
		buf_printf(&why, "not copied: %s", e.msg);
	} else {
		sha256_hex(data.data, data.len, d->hex);
		if (d->recorded[0] != '\0' && strcmp(d->hex, d->recorded) != 0)
			buf_printf(&why,
			           "MISMATCH: %s has SHA-256 %s, but %s "
			           "recorded %s when the message passed: the "
			           "archived copy was changed",
			           buf_cstr(&path), d->hex, d->what,
			           d->recorded);
	}
	if (why.len > 0) {
		warnx_(c, "%s: %s", d->file, buf_cstr(&why));
		d->problem = buf_steal(&why);
	}
	buf_free(&path);
	buf_free(&data);
	buf_free(&why);
}

/* The index as a PDF, drawn by letter.c's layout. */
static int
evidence_pdf(const struct cli *c, const struct invoice *inv,
             const struct evidence_docs *docs, struct buf *pdf, struct err *e)
{
	struct letter l = {0};
	struct buf b = BUF_INIT;
	int rc = -1;

	l.lang = strdup("en");
	strlist_add(&l.sender, c->cfg.company_name && *c->cfg.company_name
	                           ? c->cfg.company_name
	                           : "relance");
	strlist_add(&l.recipient,
	            inv->customer_name ? inv->customer_name : inv->customer);
	buf_printf(&b, "Customer %s", inv->customer);
	strlist_add(&l.recipient, buf_cstr(&b));
	buf_reset(&b);
	buf_puts(&b, "Made on ");
	evidence_time(c->now, &b);
	l.place_date = buf_steal(&b);
	l.mention = strdup("Evidence file");
	buf_printf(&b, "Invoice %s", inv->number);
	l.subject = buf_steal(&b);
	if (l.lang == NULL || l.place_date == NULL || l.mention == NULL ||
	    l.subject == NULL ||
	    evidence_index_paragraphs(inv, docs, c->now, &l.paragraphs) < 0)
		err_set(e, "out of memory");
	else if (letter_pdf(&l, pdf, e) > 0)
		rc = 0;
	letter_free(&l);
	buf_free(&b);
	return rc;
}

static int
cmd_evidence(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *out = NULL;
	struct strlist extra = STRLIST_INIT, extra_hex = STRLIST_INIT;
	struct buf archive = BUF_INIT, text = BUF_INIT, pdf = BUF_INIT;
	struct evidence_docs docs = {NULL, 0};
	char hex[SHA256_HEX];
	unsigned problems = 0;
	struct invoice inv;
	struct err e;
	int ch, rc;

	while ((ch = next_opt(c, argc, argv, "o:h", opts)) != -1)
		if (ch == 'o')
			out = optarg;
	if (argc - optind != 1 || out == NULL)
		die_usage(c, "expected one invoice number and --out DIR");
	if ((rc = get_invoice(c, argv[optind], &inv)) != 0)
		return rc;
	umask(077); /* the customer's mail: private, like the archive */
	if (!evidence_dir_free(out, &e) ||
	    (mkdir(out, 0700) < 0 && errno != EEXIST &&
	     (err_set(&e, "%s: cannot create: %s", out, strerror(errno)), 1))) {
		warnx_(c, "%s", e.msg);
		invoice_free(&inv);
		return EX_CANTCREAT;
	}
	rc = EX_OK;
	config_archive_dir(&c->cfg, &archive);
	if (evidence_collect(&inv, &docs) < 0) {
		warnx_(c, "out of memory");
		rc = EX_OSERR;
		goto done;
	}
	for (size_t i = 0; i < docs.n; i++) {
		evidence_copy(c, buf_cstr(&archive), out, &docs.v[i]);
		problems += docs.v[i].problem != NULL;
	}
	for (size_t i = 0; i < inv.nevents; i++) {
		evidence_timeline_line(&inv.events[i], &text);
		buf_putc(&text, '\n');
	}
	if (evidence_put(out, "timeline.txt", text.data, text.len, &e) < 0)
		goto failed;
	sha256_hex(text.data, text.len, hex);
	strlist_add(&extra, "timeline.txt");
	strlist_add(&extra_hex, hex);
	buf_reset(&text);
	evidence_html(&inv, &docs, c->now, &text);
	if (evidence_put(out, "index.html", text.data, text.len, &e) < 0)
		goto failed;
	sha256_hex(text.data, text.len, hex);
	strlist_add(&extra, "index.html");
	strlist_add(&extra_hex, hex);
	if (evidence_pdf(c, &inv, &docs, &pdf, &e) < 0 ||
	    evidence_put(out, "index.pdf", pdf.data, pdf.len, &e) < 0)
		goto failed;
	sha256_hex(pdf.data, pdf.len, hex);
	strlist_add(&extra, "index.pdf");
	strlist_add(&extra_hex, hex);
	buf_reset(&text);
	evidence_manifest(&docs, &extra, &extra_hex, &text);
	if (buf_failed(&text) || extra_hex.n != 3 ||
	    evidence_put(out, EVIDENCE_MANIFEST, text.data, text.len, &e) < 0)
		goto failed;
	printf("evidence for invoice %s in %s: %zu document%s, %u "
	       "problem%s\n",
	       inv.number, out, docs.n, docs.n == 1 ? "" : "s", problems,
	       problems == 1 ? "" : "s");
	rc = problems > 0 ? EX_DATAERR : EX_OK;
	goto done;
failed:
	warnx_(c, "%s", buf_failed(&text) ? "out of memory" : e.msg);
	rc = EX_CANTCREAT;
done:
	evidence_docs_free(&docs);
	strlist_clear(&extra);
	strlist_clear(&extra_hex);
	buf_free(&archive);
	buf_free(&text);
	buf_free(&pdf);
	invoice_free(&inv);
	return rc;
}

static const struct command commands[] = {
    {"import", cmd_import, "import FILE.csv",
     "Read open invoices from an accounting export (CSV) into the state\n"
     "file. All or nothing: any bad row is reported as FILE:LINE and\n"
     "nothing is imported. Importing a newer export updates the invoices\n"
     "and records what changed.\n"},
    {"list", cmd_list, "list [--state STATE] [--overdue] [--json]",
     "List invoices, oldest due date first.\n"
     "  --state STATE  only open, paused, disputed, paid or closed ones\n"
     "  --overdue      only unpaid invoices past their due date\n"
     "  --json         a JSON array instead of the table\n"},
    {"show", cmd_show, "show INVOICE [--json]",
     "Show one invoice and its whole history.\n"},
    {"pay", cmd_pay, "pay INVOICE [AMOUNT] [--date YYYY-MM-DD]",
     "Record a payment (the whole amount due when AMOUNT is omitted).\n"
     "A partial payment lowers the amount due; a full one marks the\n"
     "invoice paid. --date is the day the money arrived (today).\n"},
    {"dispute", cmd_dispute, "dispute INVOICE --reason TEXT",
     "Mark an invoice disputed: dunning stops until `relance resolve`.\n"},
    {"resolve", cmd_resolve, "resolve INVOICE",
     "Close a dispute: the invoice is open again.\n"},
    {"pause", cmd_pause,
     "pause INVOICE (--until YYYY-MM-DD | --for DAYS) [--reason TEXT]",
     "Send nothing about an invoice until a date (--for 7d, 2w).\n"},
    {"resume", cmd_resume, "resume INVOICE", "End a pause now.\n"},
    {"cancel", cmd_cancel, "cancel INVOICE [--reason TEXT]",
     "Close an invoice for good (credit note, error).\n"},
    {"classify", cmd_classify, "classify [--json] [--mbox] FILE...",
     "Say what each message is (bounce, auto-reply, remittance, dispute,\n"
     "promise, reply, unrelated), which invoice it is about, and why.\n"
     "FILE is a message, - for standard input, an mbox with --mbox, or a\n"
     "Maildir. --json prints one JSON object per message.\n"},
    {"replay", cmd_replay, "replay [--mbox] MAILDIR|MBOX|FILE...",
     "Feed mail that arrived while relance-milter was down through the\n"
     "milter's incoming path: classify each message, find its invoice and\n"
     "apply the policy's reaction, exactly as the milter would have.\n"},
    {"run", cmd_run,
     "run [--dry-run] [--date YYYY-MM-DD] [--time HH:MM] [--json]",
     "Send what is due today: for each invoice, the step its payer\n"
     "profile calls for (reminder mails through Sendmail, tasks for\n"
     "calls), the thanks once paid; one line per invoice saying what\n"
     "was done and why, then a summary. Letters are recorded as a task\n"
     "to print and post them for now (no PDF letter yet). Nothing goes\n"
     "out on weekends, public holidays, the policy's closed days, or\n"
     "outside its send window.\n"
     "  --dry-run  say what would be done; change and send nothing\n"
     "  --date D   run as if today were D (previews and tests); without\n"
     "             --time, the send window is not checked\n"
     "  --time T   run as if it were T (HH:MM, local) for the window\n"
     "  --json     one JSON object per invoice, then the summary\n"
     "With SummaryTo in relance.conf, the lines are also mailed there\n"
     "(not on --dry-run).\n"
     "Exit 0, or 75 when an invoice needs another run or a person, or\n"
     "the summary mail was not sent.\n"},
    {"confirm", cmd_confirm, "confirm INVOICE sent|not-sent [--note TEXT]",
     "Answer for a send that relance run reports as needing a person\n"
     "(\"was reminder-1 sent?\": the run stopped between handing the mail\n"
     "to sendmail and recording it, and relance-milter did not see it go\n"
     "out). Look for its Message-ID in the mail log, then: sent records\n"
     "it as sent; not-sent records it as failed and puts the last step\n"
     "back, so that the next run sends it again.\n"},
    {"report", cmd_report, "report [--date YYYY-MM-DD] [--json] [--html FILE]",
     "The figures of the receivables: the aging balance (not yet due,\n"
     "1-30, 31-60, 61-90, over 90 days past due) by customer and in\n"
     "total, per currency; DSO (amount due / invoiced in the last 90\n"
     "days x 90); open disputes; invoices paused by a promise to pay;\n"
     "open tasks; and, per reminder step, how many invoices received it,\n"
     "how many were then paid, and the median days to payment.\n"
     "  --date D     count days past due as on D\n"
     "  --json       the same figures as one JSON object\n"
     "  --html FILE  write one self-contained HTML page with charts to\n"
     "               FILE instead\n"},
    {"tasks", cmd_tasks, "tasks [--all] [--json]",
     "List the open tasks for a person (phone calls, letters to post,\n"
     "reminders to send by hand, addresses to check), oldest first, with\n"
     "their IDs (INVOICE.N). Tasks of paid or closed invoices are left\n"
     "out.\n"
     "  --all   also the done ones (when, by whom, the note) and those\n"
     "          of paid or closed invoices\n"
     "  --json  a JSON array instead of the table\n"},
    {"done", cmd_done, "done TASK [--note TEXT]",
     "Record that a task is done, in its invoice's history, with an\n"
     "optional one-line note (\"promised for Friday\").\n"},
    {"evidence", cmd_evidence, "evidence INVOICE --out DIR",
     "Put together the evidence file of an invoice for a court payment\n"
     "order or a collection agency, in DIR (new or empty): every reminder\n"
     "as sent and every reply as received (from ArchiveDir, each checked\n"
     "against the SHA-256 recorded when it passed), the letters, the\n"
     "invoice's PDF, timeline.txt, index.html and index.pdf (facts,\n"
     "documents, tasks, timeline), and SHA256SUMS over them all.\n"
     "Exit 0, or 65 when a document is missing or was changed (said on\n"
     "stderr and in the index).\n"},
    {"check", cmd_check, "check [POLICYDIR]",
     "Validate the configuration and the policy files; print every\n"
     "error as FILE:LINE: message.\n"},
    {"fsck", cmd_fsck, "fsck [--dry-run]",
     "Check every record and index of the state file and repair what\n"
     "can be repaired. Exit 0: no problem; 1: problems repaired.\n"},
    {"backup", cmd_backup, "backup FILE",
     "Dump the state file to FILE (gdbm's portable dump format).\n"
     "Safe while relance-milter runs.\n"},
    {"restore", cmd_restore, "restore FILE",
     "Replace the state file's contents with a dump made by backup.\n"},
    {NULL, NULL, NULL, NULL},
};

static const struct command *
find_command(const char *name)
{
	for (const struct command *cmd = commands; name && cmd->name; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: relance [-c CONFIG] [--db STATEFILE] COMMAND "
	           "[ARGS]\n\ncommands:\n");
	for (const struct command *cmd = commands; cmd->name; cmd++)
		fprintf(f, "  %s\n", cmd->usage);
	fprintf(f, "\n`relance COMMAND --help` tells more; see relance(1).\n");
}

/* Global options stop at the first word that is not one of them. */
static int
global_options(struct cli *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			c->config_path = argv[++i];
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			c->db = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 ||
		           strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(EX_OK);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("relance %s\n", PACKAGE_VERSION);
			exit(EX_OK);
		} else {
			fprintf(stderr, "relance: bad option \"%s\"\n",
			        argv[i]);
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	return i;
}

int
main(int argc, char **argv)
{
	struct cli c;
	const struct command *cmd;
	int first, status;

	memset(&c, 0, sizeof(c));
	first = global_options(&c, argc, argv);
	if (first >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	c.command = argv[first];
	if ((cmd = find_command(c.command)) == NULL) {
		fprintf(stderr, "relance: unknown command \"%s\"\n", c.command);
		usage(stderr);
		return EX_USAGE;
	}
	if (load_config(&c) < 0) {
		c.config_bad = true;
		if (cmd->run != cmd_check) {
			config_free(&c.cfg);
			return EX_CONFIG;
		}
	}
	set_actor(&c);
	if (set_clock(&c) < 0 || open_store(&c) < 0) {
		config_free(&c.cfg);
		return EX_SOFTWARE;
	}
	optind = 1;
	status = cmd->run(&c, argc - first, argv + first);
	store_free(c.st);
	if (c.pol != NULL)
		policy_free(c.pol);
	config_free(&c.cfg);
	if (fflush(stdout) != 0)
		status = status ? status : EX_IOERR;
	return status;
}
