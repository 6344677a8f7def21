/*
 * report.c -- the aging balance, DSO, disputes, promises, tasks and the
 * effect of reminders, counted from invoices fed one at a time, and
 * printed for a terminal, as JSON and as one HTML page.
 *
 * Customers are found by id through an open-addressing table of indexes
 * into the customer array, so that a walk over a million invoices stays
 * linear; everything is sorted once, by report_finish.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "money.h"
#include "report.h"
#include "task.h"
#include "text.h"

#define NO_INDEX ((size_t)-1)

static const char *const bucket_names[REPORT_BUCKETS] = {
    "not due", "1-30", "31-60", "61-90", "over 90"};

/* JSON keys of the buckets. */
static const char *const bucket_keys[REPORT_BUCKETS] = {
    "not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90"};

/* HTML colours of the buckets: green to dark red. */
static const char *const bucket_colours[REPORT_BUCKETS] = {
    "#4caf50", "#f2c94c", "#f2994a", "#eb5757", "#8b1e3f"};

enum report_bucket
report_bucket_of(struct date due, struct date today)
{
	long d = date_diff(today, due);

	if (d <= 0)
		return REPORT_NOT_DUE;
	if (d <= 30)
		return REPORT_1_30;
	if (d <= 60)
		return REPORT_31_60;
	if (d <= 90)
		return REPORT_61_90;
	return REPORT_OVER_90;
}

const char *
report_bucket_name(enum report_bucket b)
{
	return (unsigned)b < REPORT_BUCKETS ? bucket_names[b] : "?";
}

void
report_init(struct report *r, struct date today, report_day_fn day_of,
            void *arg)
{
	memset(r, 0, sizeof(*r));
	r->today = today;
	r->day_of = day_of;
	r->arg = arg;
}

/* ---- counting ---- */

static size_t
hash_str(const char *s)
{
	size_t h = 5381;

	for (; *s != '\0'; s++)
		h = h * 33 ^ (unsigned char)*s;
	return h;
}

/* Rebuild the index with room for twice the customers. 0, or -1. */
static int
grow_index(struct report *r)
{
	size_t n = r->nindex ? r->nindex * 2 : 64;
	size_t *v = malloc(n * sizeof(*v));

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i] = NO_INDEX;
	for (size_t c = 0; c < r->ncustomers; c++) {
		size_t h = hash_str(r->customers[c].id) & (n - 1);

		while (v[h] != NO_INDEX)
			h = (h + 1) & (n - 1);
		v[h] = c;
	}
	free(r->index);
	r->index = v;
	r->nindex = n;
	return 0;
}

/* The customer ID (NAME may be NULL), added when new. NULL on no
 * memory. */
static struct report_customer *
customer_of(struct report *r, const char *id, const char *name)
{
	struct report_customer *c;
	size_t h;

	if ((r->ncustomers + 1) * 2 > r->nindex && grow_index(r) < 0)
		return NULL;
	h = hash_str(id) & (r->nindex - 1);
	for (; r->index[h] != NO_INDEX; h = (h + 1) & (r->nindex - 1)) {
		c = &r->customers[r->index[h]];
		if (strcmp(c->id, id) != 0)
			continue;
		if (name != NULL && strcmp(name, c->name) < 0) {
			char *copy = strdup(name);

			if (copy == NULL)
				return NULL;
			free(c->name);
			c->name = copy;
		}
		return c;
	}
	if (r->ncustomers == r->capcustomers) {
		size_t cap = r->capcustomers ? r->capcustomers * 2 : 16;
		struct report_customer *v =
		    realloc(r->customers, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		r->customers = v;
		r->capcustomers = cap;
	}
	c = &r->customers[r->ncustomers];
	memset(c, 0, sizeof(*c));
	c->id = strdup(id);
	c->name = strdup(name != NULL ? name : id);
	if (c->id == NULL || c->name == NULL) {
		free(c->id);
		free(c->name);
		return NULL;
	}
	r->index[h] = r->ncustomers++;
	return c;
}

/* The aging of CURRENCY in V[0..*N), added when new. NULL on no memory. */
static struct report_aging *
aging_of(struct report_aging **v, size_t *n, const char *currency)
{
	struct report_aging *g;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].currency, currency) == 0)
			return &(*v)[i];
	if ((g = realloc(*v, (*n + 1) * sizeof(*g))) == NULL)
		return NULL;
	*v = g;
	g = &g[(*n)++];
	memset(g, 0, sizeof(*g));
	snprintf(g->currency, sizeof(g->currency), "%s", currency);
	return g;
}

static struct report_currency *
currency_of(struct report *r, const char *code)
{
	struct report_currency *g;

	for (size_t i = 0; i < r->ncurrencies; i++)
		if (strcmp(r->currencies[i].aging.currency, code) == 0)
			return &r->currencies[i];
	g = realloc(r->currencies, (r->ncurrencies + 1) * sizeof(*g));
	if (g == NULL)
		return NULL;
	r->currencies = g;
	g = &g[r->ncurrencies++];
	memset(g, 0, sizeof(*g));
	snprintf(g->aging.currency, sizeof(g->aging.currency), "%s", code);
	return g;
}

static void
aging_add(struct report_aging *a, enum report_bucket b, int64_t amount)
{
	a->bucket[b] += amount;
	a->total += amount;
	a->invoices++;
}

/* The last event of INV of KIND, or NULL. */
static const struct invoice_event *
last_event(const struct invoice *inv, const char *kind)
{
	for (size_t i = inv->nevents; i-- > 0;)
		if (inv->events[i].kind != NULL &&
		    strcmp(inv->events[i].kind, kind) == 0)
			return &inv->events[i];
	return NULL;
}

static bool
has_event(const struct invoice *inv, const char *kind)
{
	return last_event(inv, kind) != NULL;
}

/* The date after MARK in S ("... MARK YYYY-MM-DD..."), or DATE_NULL. */
static struct date
date_after(const char *s, const char *mark)
{
	const char *p = s != NULL ? strstr(s, mark) : NULL;
	char day[11];
	struct date d;

	if (p == NULL)
		return DATE_NULL;
	p += strlen(mark);
	if (strlen(p) < 10)
		return DATE_NULL;
	memcpy(day, p, 10);
	day[10] = '\0';
	return date_parse(day, &d) == 0 ? d : DATE_NULL;
}

/* True when S holds "promise", in any case. */
static bool
says_promise(const char *s)
{
	static const char word[] = "promise";

	for (; s != NULL && *s != '\0'; s++) {
		size_t i = 0;

		while (word[i] != '\0' && s[i] != '\0' &&
		       (s[i] | 0x20) == word[i])
			i++;
		if (word[i] == '\0')
			return true;
	}
	return false;
}

static int
add_dispute(struct report *r, const struct invoice *inv)
{
	const struct invoice_event *ev = last_event(inv, "disputed");
	struct report_dispute *v, *d;

	v = realloc(r->disputes, (r->ndisputes + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	r->disputes = v;
	d = &v[r->ndisputes];
	memset(d, 0, sizeof(*d));
	d->invoice = strdup(inv->number);
	d->customer =
	    strdup(inv->customer_name ? inv->customer_name : inv->customer);
	d->reason = strdup(inv->dispute_reason ? inv->dispute_reason : "");
	memcpy(d->currency, inv->currency, sizeof(d->currency));
	d->amount = inv->amount_due;
	d->since = ev != NULL ? r->day_of(ev->time, r->arg) : DATE_NULL;
	if (d->invoice == NULL || d->customer == NULL || d->reason == NULL) {
		free(d->invoice);
		free(d->customer);
		free(d->reason);
		return -1;
	}
	r->ndisputes++;
	return 0;
}

static int
add_promise(struct report *r, const struct invoice *inv)
{
	const struct invoice_event *ev = last_event(inv, "promise");
	struct report_promise *v, *p;

	v = realloc(r->promises, (r->npromises + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	r->promises = v;
	p = &v[r->npromises];
	memset(p, 0, sizeof(*p));
	p->invoice = strdup(inv->number);
	p->customer =
	    strdup(inv->customer_name ? inv->customer_name : inv->customer);
	memcpy(p->currency, inv->currency, sizeof(p->currency));
	p->amount = inv->amount_due;
	p->promised =
	    ev != NULL ? date_after(ev->detail, "to pay on ") : DATE_NULL;
	p->until = inv->paused_until;
	if (p->invoice == NULL || p->customer == NULL) {
		free(p->invoice);
		free(p->customer);
		return -1;
	}
	r->npromises++;
	return 0;
}

/* The step an event records ("sent", "reminder-sent", "letter": the first
 * word of its detail) into NAME, or false. */
static bool
step_of(const struct invoice_event *ev, char *name, size_t size)
{
	size_t n;

	if (ev->kind == NULL || ev->detail == NULL ||
	    (strcmp(ev->kind, "sent") != 0 &&
	     strcmp(ev->kind, "reminder-sent") != 0 &&
	     strcmp(ev->kind, "letter") != 0))
		return false;
	n = strcspn(ev->detail, " \t\n:");
	if (n == 0 || n >= size)
		return false;
	memcpy(name, ev->detail, n);
	name[n] = '\0';
	return true;
}

static struct report_step *
step_named(struct report *r, const char *name)
{
	struct report_step *v, *s;

	for (size_t i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].name, name) == 0)
			return &r->steps[i];
	if (r->nsteps == REPORT_MAX_STEPS)
		return NULL;
	if ((v = realloc(r->steps, (r->nsteps + 1) * sizeof(*v))) == NULL)
		return NULL;
	r->steps = v;
	s = &v[r->nsteps];
	memset(s, 0, sizeof(*s));
	if ((s->name = strdup(name)) == NULL)
		return NULL;
	r->nsteps++;
	return s;
}

/* The steps INV received before its payment, and the days to it. */
static int
add_steps(struct report *r, const struct invoice *inv)
{
	const struct invoice_event *paid = NULL;
	struct date paid_day = DATE_NULL;
	const char *seen[REPORT_MAX_STEPS];
	size_t nseen = 0;

	for (size_t i = 0; i < inv->nevents && paid == NULL; i++)
		if (inv->events[i].kind != NULL &&
		    strcmp(inv->events[i].kind, "paid") == 0)
			paid = &inv->events[i];
	if (paid != NULL) {
		paid_day = date_after(paid->detail, "received on ");
		if (date_is_null(paid_day))
			paid_day = r->day_of(paid->time, r->arg);
	}
	for (size_t i = 0; i < inv->nevents; i++) {
		const struct invoice_event *ev = &inv->events[i];
		char name[65];
		struct report_step *s;
		struct date day;
		bool dup = false;
		long off;

		if (!step_of(ev, name, sizeof(name)) ||
		    (paid != NULL && ev->time >= paid->time))
			continue;
		for (size_t j = 0; j < nseen && !dup; j++)
			dup = strcmp(seen[j], name) == 0;
		if (dup || nseen == REPORT_MAX_STEPS)
			continue;
		if ((s = step_named(r, name)) == NULL) {
			if (r->nsteps == REPORT_MAX_STEPS)
				continue;
			return -1;
		}
		seen[nseen++] = s->name;
		day = r->day_of(ev->time, r->arg);
		s->invoices++;
		off = date_diff(day, inv->due_date);
		if (s->offsets == NULL &&
		    (s->offsets = calloc(2 * REPORT_MAX_OFFSET + 1,
		                         sizeof(*s->offsets))) == NULL)
			return -1;
		s->offsets[REPORT_MAX_OFFSET +
		           (off < -REPORT_MAX_OFFSET  ? -REPORT_MAX_OFFSET
		            : off > REPORT_MAX_OFFSET ? REPORT_MAX_OFFSET
		                                      : off)]++;
		if (paid != NULL) {
			long d = date_diff(paid_day, day);

			if (s->days == NULL &&
			    (s->days = calloc(REPORT_MAX_DAYS + 1,
			                      sizeof(*s->days))) == NULL)
				return -1;
			s->days[d < 0                 ? 0
			        : d > REPORT_MAX_DAYS ? REPORT_MAX_DAYS
			                              : d]++;
			s->paid++;
		}
	}
	return 0;
}

static unsigned
open_tasks(const struct invoice *inv)
{
	struct task t;
	size_t pos = 0;
	unsigned n = 0;

	if (task_moot(inv))
		return 0;
	while (task_next(inv, &pos, &t))
		n += t.done == NULL;
	return n;
}

int
report_add(struct report *r, const struct invoice *inv)
{
	enum invoice_state s = invoice_effective_state(inv, r->today);
	struct report_currency *cur;
	long age = date_diff(r->today, inv->issue_date);

	r->invoices++;
	if ((cur = currency_of(r, inv->currency)) == NULL)
		return -1;
	if (age >= 0 && age < REPORT_DSO_DAYS && inv->amount_original > 0 &&
	    !has_event(inv, "cancelled"))
		cur->sales += inv->amount_original;
	if ((s == INVOICE_OPEN || s == INVOICE_PAUSED ||
	     s == INVOICE_DISPUTED) &&
	    inv->amount_due > 0) {
		enum report_bucket b =
		    report_bucket_of(inv->due_date, r->today);
		struct report_customer *c = customer_of(
		    r, inv->customer ? inv->customer : "", inv->customer_name);
		struct report_aging *a;

		if (c == NULL || (a = aging_of(&c->aging, &c->naging,
		                               inv->currency)) == NULL)
			return -1;
		aging_add(a, b, inv->amount_due);
		aging_add(&cur->aging, b, inv->amount_due);
	}
	if (s == INVOICE_DISPUTED && add_dispute(r, inv) < 0)
		return -1;
	if (s == INVOICE_PAUSED) {
		const struct invoice_event *ev = last_event(inv, "paused");

		if (ev != NULL && says_promise(ev->detail) &&
		    add_promise(r, inv) < 0)
			return -1;
	}
	r->open_tasks += open_tasks(inv);
	return add_steps(r, inv);
}

/* ---- sorting ---- */

static int
by_currency(const void *a, const void *b)
{
	return strcmp(((const struct report_aging *)a)->currency,
	              ((const struct report_aging *)b)->currency);
}

static int
by_currency_total(const void *a, const void *b)
{
	return strcmp(((const struct report_currency *)a)->aging.currency,
	              ((const struct report_currency *)b)->aging.currency);
}

static int
by_customer(const void *a, const void *b)
{
	const struct report_customer *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	return d ? d : strcmp(x->id, y->id);
}

/* Oldest dispute first, then by invoice. */
static int
by_dispute(const void *a, const void *b)
{
	const struct report_dispute *x = a, *y = b;
	int d = date_cmp(x->since, y->since);

	return d ? d : strcmp(x->invoice, y->invoice);
}

/* Nearest end of pause first, then by invoice. */
static int
by_promise(const void *a, const void *b)
{
	const struct report_promise *x = a, *y = b;
	int d = date_cmp(x->until, y->until);

	return d ? d : strcmp(x->invoice, y->invoice);
}

/* Twice the median of the N values counted in V[0..SIZE), as the sum of
 * the indexes of the two middle values; -1 when N is 0. */
static long
median2(const uint32_t *v, long size, unsigned n)
{
	unsigned lo = (n + 1) / 2, hi = n / 2 + 1, seen = 0;
	long a = -1, b = -1;

	if (n == 0 || v == NULL)
		return -1;
	for (long i = 0; i < size && b < 0; i++) {
		seen += v[i];
		if (a < 0 && seen >= lo)
			a = i;
		if (b < 0 && seen >= hi)
			b = i;
	}
	return a + b;
}

/* By median offset from the due date, then name. */
static int
by_step(const void *a, const void *b)
{
	const struct report_step *x = a, *y = b;
	long l = median2(x->offsets, 2 * REPORT_MAX_OFFSET + 1, x->invoices);
	long r = median2(y->offsets, 2 * REPORT_MAX_OFFSET + 1, y->invoices);

	if (l != r)
		return l < r ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
report_finish(struct report *r)
{
	if (r->finished)
		return;
	r->finished = true;
	for (size_t i = 0; i < r->ncustomers; i++)
		qsort(r->customers[i].aging, r->customers[i].naging,
		      sizeof(struct report_aging), by_currency);
	if (r->ncustomers > 1)
		qsort(r->customers, r->ncustomers, sizeof(*r->customers),
		      by_customer);
	free(r->index); /* its indexes no longer hold */
	r->index = NULL;
	r->nindex = 0;
	if (r->ncurrencies > 1)
		qsort(r->currencies, r->ncurrencies, sizeof(*r->currencies),
		      by_currency_total);
	if (r->ndisputes > 1)
		qsort(r->disputes, r->ndisputes, sizeof(*r->disputes),
		      by_dispute);
	if (r->npromises > 1)
		qsort(r->promises, r->npromises, sizeof(*r->promises),
		      by_promise);
	if (r->nsteps > 1)
		qsort(r->steps, r->nsteps, sizeof(*r->steps), by_step);
}

long
report_median2(const struct report_step *s)
{
	return median2(s->days, REPORT_MAX_DAYS + 1, s->paid);
}

long
report_dso10(const struct report_currency *c)
{
	long double v;

	if (c->sales <= 0)
		return -1;
	v = (long double)c->aging.total * REPORT_DSO_DAYS * 10 / c->sales;
	return (long)(v + 0.5L);
}

void
report_free(struct report *r)
{
	for (size_t i = 0; i < r->ncustomers; i++) {
		free(r->customers[i].id);
		free(r->customers[i].name);
		free(r->customers[i].aging);
	}
	free(r->customers);
	free(r->index);
	free(r->currencies);
	for (size_t i = 0; i < r->ndisputes; i++) {
		free(r->disputes[i].invoice);
		free(r->disputes[i].customer);
		free(r->disputes[i].reason);
	}
	free(r->disputes);
	for (size_t i = 0; i < r->npromises; i++) {
		free(r->promises[i].invoice);
		free(r->promises[i].customer);
	}
	free(r->promises);
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].name);
		free(r->steps[i].days);
		free(r->steps[i].offsets);
	}
	free(r->steps);
	memset(r, 0, sizeof(*r));
}

/* ---- formatting helpers ---- */

static void
amount(const char *currency, int64_t v, char *out, size_t size)
{
	int d = money_currency_decimals(currency);

	money_format(v, d < 0 ? 2 : d, out, size);
}

/* "5", "5.5" for half days H; "-" when H < 0. */
static void
half_days(long h, char *out, size_t size)
{
	if (h < 0)
		snprintf(out, size, "-");
	else if (h % 2)
		snprintf(out, size, "%ld.5", h / 2);
	else
		snprintf(out, size, "%ld", h / 2);
}

/* "90.0" for tenths T; "-" when T < 0. */
static void
tenths(long t, char *out, size_t size)
{
	if (t < 0)
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%ld.%ld", t / 10, t % 10);
}

/* Whole percent of PART in ALL, rounded. */
static unsigned
percent(unsigned part, unsigned all)
{
	return all ? (unsigned)((part * 200ULL + all) / (2ULL * all)) : 0;
}

/* S on one line (control characters as spaces), fitted to WIDTH. */
static void
cell(struct buf *o, const char *s, size_t width, bool pad)
{
	struct buf flat = BUF_INIT;

	for (; *s != '\0'; s++)
		buf_putc(&flat, (unsigned char)*s < 0x20 ? ' ' : *s);
	text_fit(buf_cstr(&flat), width, pad, o);
	buf_free(&flat);
}

static void
trim_line(struct buf *o)
{
	while (o->len > 0 && o->data[o->len - 1] == ' ')
		o->len--;
	buf_putc(o, '\n');
}

static size_t
max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* ---- terminal ---- */

#define NAME_WIDTH 24

static void
text_aging_row(struct buf *o, const char *name, size_t wname,
               const struct report_aging *a, int wamount)
{
	char v[32];

	cell(o, name, wname, true);
	buf_printf(o, " %-3s", a->currency);
	for (int b = 0; b < REPORT_BUCKETS; b++) {
		amount(a->currency, a->bucket[b], v, sizeof(v));
		buf_printf(o, " %*s", wamount, v);
	}
	amount(a->currency, a->total, v, sizeof(v));
	buf_printf(o, " %*s", wamount, v);
	trim_line(o);
}

static void
text_aging(const struct report *r, struct buf *o)
{
	size_t wname = 8, wamount = 10;
	char v[32];

	buf_puts(o, "Aging balance: amounts due by days past the due date\n");
	for (size_t i = 0; i < r->ncustomers; i++)
		wname = max_size(wname, text_width(r->customers[i].name));
	wname = wname > NAME_WIDTH ? NAME_WIDTH : wname;
	for (size_t i = 0; i < r->ncurrencies; i++) {
		amount(r->currencies[i].aging.currency,
		       r->currencies[i].aging.total, v, sizeof(v));
		wamount = max_size(wamount, strlen(v));
	}
	if (r->ncustomers == 0) {
		buf_puts(o, "nothing is due\n");
		return;
	}
	cell(o, "CUSTOMER", wname, true);
	buf_puts(o, " CUR");
	for (int b = 0; b < REPORT_BUCKETS; b++)
		buf_printf(o, " %*s", (int)wamount, bucket_names[b]);
	buf_printf(o, " %*s", (int)wamount, "total");
	trim_line(o);
	for (size_t i = 0; i < r->ncustomers; i++)
		for (size_t j = 0; j < r->customers[i].naging; j++)
			text_aging_row(o, r->customers[i].name, wname,
			               &r->customers[i].aging[j], (int)wamount);
	for (size_t i = 0; i < r->ncurrencies; i++)
		if (r->currencies[i].aging.invoices > 0)
			text_aging_row(o, "TOTAL", wname,
			               &r->currencies[i].aging, (int)wamount);
}

static void
text_dso(const struct report *r, struct buf *o)
{
	struct date from = date_add_days(r->today, 1 - REPORT_DSO_DAYS);
	char d[11], due[32], sales[32], days[32];

	date_format(from, d);
	buf_printf(o, "\nDSO = amount due / invoiced from %s (%d days) x %d\n",
	           d, REPORT_DSO_DAYS, REPORT_DSO_DAYS);
	if (r->ncurrencies == 0)
		buf_puts(o, "no invoices\n");
	for (size_t i = 0; i < r->ncurrencies; i++) {
		const struct report_currency *c = &r->currencies[i];
		long t = report_dso10(c);

		amount(c->aging.currency, c->aging.total, due, sizeof(due));
		amount(c->aging.currency, c->sales, sales, sizeof(sales));
		tenths(t, days, sizeof(days));
		buf_printf(o, "%s %s due, %s invoiced: ", c->aging.currency,
		           due, sales);
		if (t < 0)
			buf_puts(o, "no DSO (nothing invoiced)\n");
		else
			buf_printf(o, "%s days\n", days);
	}
}

/* The widths of the columns an invoice's line begins with: number,
 * customer, amount due. */
struct text_cols {
	size_t inv, name, amount;
};

/* Widen W for one line's INVOICE, CUSTOMER and AMOUNT in CURRENCY. */
static void
text_cols_fit(struct text_cols *w, const char *invoice, const char *customer,
              const char *currency, int64_t amount_due)
{
	char v[32];

	w->inv = max_size(w->inv, text_width(invoice));
	w->name = max_size(w->name, text_width(customer));
	if (w->name > NAME_WIDTH)
		w->name = NAME_WIDTH;
	amount(currency, amount_due, v, sizeof(v));
	w->amount = max_size(w->amount, strlen(v));
}

/* The heading of those columns, then REST (the other headings). */
static void
text_cols_head(struct buf *o, const struct text_cols *w, const char *rest)
{
	cell(o, "INVOICE", w->inv, true);
	buf_putc(o, ' ');
	cell(o, "CUSTOMER", w->name, true);
	buf_printf(o, " %*s     %s\n", (int)w->amount, "AMOUNT DUE", rest);
}

/* The start of a line: INVOICE, CUSTOMER, the amount and CURRENCY. */
static void
text_cols_line(struct buf *o, const struct text_cols *w, const char *invoice,
               const char *customer, const char *currency, int64_t amount_due)
{
	char v[32];

	cell(o, invoice, w->inv, true);
	buf_putc(o, ' ');
	cell(o, customer, w->name, true);
	amount(currency, amount_due, v, sizeof(v));
	buf_printf(o, " %*s %-3s ", (int)w->amount, v, currency);
}

static void
text_disputes(const struct report *r, struct buf *o)
{
	struct text_cols w = {7, 8, 10};
	char d[11];

	buf_printf(o, "\nOpen disputes: %zu\n", r->ndisputes);
	if (r->ndisputes == 0)
		return;
	for (size_t i = 0; i < r->ndisputes; i++)
		text_cols_fit(&w, r->disputes[i].invoice,
		              r->disputes[i].customer, r->disputes[i].currency,
		              r->disputes[i].amount);
	text_cols_head(o, &w, "SINCE       AGE REASON");
	for (size_t i = 0; i < r->ndisputes; i++) {
		const struct report_dispute *x = &r->disputes[i];

		text_cols_line(o, &w, x->invoice, x->customer, x->currency,
		               x->amount);
		date_format(x->since, d);
		buf_printf(o, "%-10s ", date_is_null(x->since) ? "-" : d);
		if (date_is_null(x->since))
			buf_puts(o, "   - ");
		else
			buf_printf(o, "%4ld ", date_diff(r->today, x->since));
		cell(o, x->reason, INVOICE_MAX_DETAIL, false);
		trim_line(o);
	}
}

static void
text_promises(const struct report *r, struct buf *o)
{
	struct text_cols w = {7, 8, 10};
	char p[11], u[11];

	buf_printf(o, "\nPaused by a promise to pay: %zu\n", r->npromises);
	if (r->npromises == 0)
		return;
	for (size_t i = 0; i < r->npromises; i++)
		text_cols_fit(&w, r->promises[i].invoice,
		              r->promises[i].customer, r->promises[i].currency,
		              r->promises[i].amount);
	text_cols_head(o, &w, "PROMISED   UNTIL");
	for (size_t i = 0; i < r->npromises; i++) {
		const struct report_promise *x = &r->promises[i];

		text_cols_line(o, &w, x->invoice, x->customer, x->currency,
		               x->amount);
		date_format(x->promised, p);
		date_format(x->until, u);
		buf_printf(o, "%-10s %s", date_is_null(x->promised) ? "-" : p,
		           u);
		trim_line(o);
	}
}

static void
text_steps(const struct report *r, struct buf *o)
{
	size_t wstep = 4;
	char m[32];

	buf_printf(o, "\nOpen tasks: %u\n", r->open_tasks);
	buf_puts(o, "\nReminders and payment: invoices that received a step "
	            "before any payment\n");
	if (r->nsteps == 0) {
		buf_puts(o, "no reminder sent yet\n");
		return;
	}
	for (size_t i = 0; i < r->nsteps; i++)
		wstep = max_size(wstep, text_width(r->steps[i].name));
	cell(o, "STEP", wstep, true);
	buf_puts(o, " INVOICES PAID AFTER SHARE MEDIAN DAYS TO PAYMENT\n");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];

		cell(o, s->name, wstep, true);
		half_days(report_median2(s), m, sizeof(m));
		buf_printf(o, " %8u %10u %4u%% %s\n", s->invoices, s->paid,
		           percent(s->paid, s->invoices), m);
	}
}

void
report_text(const struct report *r, struct buf *o)
{
	char d[11];

	date_format(r->today, d);
	buf_printf(o, "relance report on %s: %u invoices\n\n", d, r->invoices);
	text_aging(r, o);
	text_dso(r, o);
	text_disputes(r, o);
	text_promises(r, o);
	text_steps(r, o);
}

/* ---- JSON ---- */

static void
json_amount(struct buf *o, const char *key, const char *currency, int64_t v)
{
	char a[32];

	amount(currency, v, a, sizeof(a));
	json_key(o, key, 0);
	json_string(o, a);
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
json_aging(struct buf *o, const struct report_aging *a, bool first)
{
	json_key(o, "currency", first);
	json_string(o, a->currency);
	for (int b = 0; b < REPORT_BUCKETS; b++)
		json_amount(o, bucket_keys[b], a->currency, a->bucket[b]);
	json_amount(o, "total", a->currency, a->total);
	json_key(o, "invoices", 0);
	buf_printf(o, "%u", a->invoices);
}

void
report_json(const struct report *r, struct buf *o)
{
	char s[32];
	bool first = true;

	buf_putc(o, '{');
	json_key(o, "date", 1);
	date_format(r->today, s);
	json_string(o, s);
	json_key(o, "invoices", 0);
	buf_printf(o, "%u", r->invoices);
	json_key(o, "aging", 0);
	buf_putc(o, '[');
	for (size_t i = 0; i < r->ncustomers; i++)
		for (size_t j = 0; j < r->customers[i].naging; j++) {
			buf_puts(o, first ? "\n{" : ",\n{");
			first = false;
			json_key(o, "customer", 1);
			json_string(o, r->customers[i].id);
			json_key(o, "customer_name", 0);
			json_string(o, r->customers[i].name);
			json_aging(o, &r->customers[i].aging[j], false);
			buf_putc(o, '}');
		}
	buf_puts(o, "],\n\"totals\":[");
	for (size_t i = 0; i < r->ncurrencies; i++) {
		const struct report_currency *c = &r->currencies[i];
		long t = report_dso10(c);

		buf_puts(o, i ? ",\n{" : "\n{");
		json_aging(o, &c->aging, true);
		json_amount(o, "sales_90_days", c->aging.currency, c->sales);
		tenths(t, s, sizeof(s));
		json_key(o, "dso_days", 0);
		buf_puts(o, t < 0 ? "null" : s);
		buf_putc(o, '}');
	}
	buf_puts(o, "],\n\"disputes\":[");
	for (size_t i = 0; i < r->ndisputes; i++) {
		const struct report_dispute *x = &r->disputes[i];

		buf_puts(o, i ? ",\n{" : "\n{");
		json_key(o, "invoice", 1);
		json_string(o, x->invoice);
		json_key(o, "customer_name", 0);
		json_string(o, x->customer);
		json_amount(o, "amount_due", x->currency, x->amount);
		json_key(o, "currency", 0);
		json_string(o, x->currency);
		json_date(o, "since", x->since);
		json_key(o, "age_days", 0);
		if (date_is_null(x->since))
			buf_puts(o, "null");
		else
			buf_printf(o, "%ld", date_diff(r->today, x->since));
		json_key(o, "reason", 0);
		json_string(o, x->reason);
		buf_putc(o, '}');
	}
	buf_puts(o, "],\n\"promises\":[");
	for (size_t i = 0; i < r->npromises; i++) {
		const struct report_promise *x = &r->promises[i];

		buf_puts(o, i ? ",\n{" : "\n{");
		json_key(o, "invoice", 1);
		json_string(o, x->invoice);
		json_key(o, "customer_name", 0);
		json_string(o, x->customer);
		json_amount(o, "amount_due", x->currency, x->amount);
		json_key(o, "currency", 0);
		json_string(o, x->currency);
		json_date(o, "promised", x->promised);
		json_date(o, "paused_until", x->until);
		buf_putc(o, '}');
	}
	buf_printf(o, "],\n\"open_tasks\":%u,\n\"steps\":[", r->open_tasks);
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *x = &r->steps[i];
		long m = report_median2(x);

		buf_puts(o, i ? ",\n{" : "\n{");
		json_key(o, "step", 1);
		json_string(o, x->name);
		json_key(o, "invoices", 0);
		buf_printf(o, "%u", x->invoices);
		json_key(o, "paid_after", 0);
		buf_printf(o, "%u", x->paid);
		json_key(o, "share_percent", 0);
		buf_printf(o, "%u", percent(x->paid, x->invoices));
		json_key(o, "median_days", 0);
		half_days(m, s, sizeof(s));
		buf_puts(o, m < 0 ? "null" : s);
		buf_putc(o, '}');
	}
	buf_puts(o, "]}\n");
}

/* ---- HTML ---- */

/* S with & < > " ' as entities; control characters as spaces. */
static void
html(struct buf *o, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_puts(o, "&amp;");
			break;
		case '<':
			buf_puts(o, "&lt;");
			break;
		case '>':
			buf_puts(o, "&gt;");
			break;
		case '"':
			buf_puts(o, "&quot;");
			break;
		case '\'':
			buf_puts(o, "&#39;");
			break;
		default:
			buf_putc(o, (unsigned char)*s < 0x20 ? ' ' : *s);
		}
	}
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width\">\n"
    "<style>\n"
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;"
    "color:#222;background:#fff}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;"
    "border-bottom:2px solid #2f5d8a;color:#2f5d8a}\n"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "th,td{padding:.25em .6em;border-bottom:1px solid #ddd;"
    "text-align:left}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.total td{font-weight:bold;border-top:2px solid #222}\n"
    ".legend span{display:inline-block;width:1em;height:1em;"
    "margin:0 .3em 0 1em;vertical-align:middle}\n"
    "svg text{font-family:'DejaVu Sans',Arial,sans-serif;font-size:12px}\n"
    "</style>\n";

static void
html_td_amount(struct buf *o, const char *cls, const char *currency, int64_t v)
{
	char a[32];

	amount(currency, v, a, sizeof(a));
	buf_printf(o, "<td class=\"n\" data-k=\"%s\">%s</td>", cls, a);
}

static void
html_aging_row(struct buf *o, const char *kind, const char *id,
               const char *name, const struct report_aging *a)
{
	buf_printf(o, "<tr class=\"%s\" data-currency=\"%s\"", kind,
	           a->currency);
	if (id != NULL) {
		buf_puts(o, " data-customer=\"");
		html(o, id);
		buf_putc(o, '"');
	}
	buf_puts(o, "><td>");
	html(o, name);
	buf_printf(o, "</td><td>%s</td>", a->currency);
	for (int b = 0; b < REPORT_BUCKETS; b++)
		html_td_amount(o, bucket_keys[b], a->currency, a->bucket[b]);
	html_td_amount(o, "total", a->currency, a->total);
	buf_puts(o, "</tr>\n");
}

/* The stacked bars of the customers owing in CURRENCY, the largest
 * totals first, at most REPORT_CHART_MAX. */
static void
html_aging_chart(const struct report *r, struct buf *o, const char *currency)
{
	const struct report_aging *rows[REPORT_CHART_MAX];
	const char *names[REPORT_CHART_MAX];
	size_t n = 0, all = 0;
	int64_t max = 0;
	const int left = 200, width = 560, bar = 22, gap = 8;

	for (size_t i = 0; i < r->ncustomers; i++)
		for (size_t j = 0; j < r->customers[i].naging; j++) {
			const struct report_aging *a =
			    &r->customers[i].aging[j];
			size_t k;

			if (strcmp(a->currency, currency) != 0)
				continue;
			all++;
			if (n == REPORT_CHART_MAX &&
			    a->total <= rows[n - 1]->total)
				continue;
			k = n < REPORT_CHART_MAX ? n++ : n - 1;
			while (k > 0 && rows[k - 1]->total < a->total) {
				rows[k] = rows[k - 1];
				names[k] = names[k - 1];
				k--;
			}
			rows[k] = a;
			names[k] = r->customers[i].name;
		}
	for (size_t i = 0; i < n; i++)
		if (rows[i]->total > max)
			max = rows[i]->total;
	if (n == 0 || max <= 0)
		return;
	buf_printf(o, "<h3>%s", currency);
	if (all > n)
		buf_printf(o, ": the %zu largest of %zu customers", n, all);
	buf_puts(o, "</h3>\n");
	buf_printf(o,
	           "<svg class=\"aging\" xmlns=\"http://www.w3.org/2000/svg\" "
	           "width=\"%d\" height=\"%zu\" role=\"img\">\n",
	           left + width + 120, n * (size_t)(bar + gap) + gap);
	for (size_t i = 0; i < n; i++) {
		int y = gap + (int)i * (bar + gap);
		double x = left;
		char a[32];

		buf_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		           left - 8, y + bar / 2 + 4);
		{
			struct buf fit = BUF_INIT;

			cell(&fit, names[i], 28, false);
			html(o, buf_cstr(&fit));
			buf_free(&fit);
		}
		buf_puts(o, "</text>\n");
		for (int b = 0; b < REPORT_BUCKETS; b++) {
			double w = (double)rows[i]->bucket[b] * width / max;

			if (rows[i]->bucket[b] <= 0)
				continue;
			buf_printf(o,
			           "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			           "height=\"%d\" fill=\"%s\"><title>%s</title>"
			           "</rect>\n",
			           x, y, w, bar, bucket_colours[b],
			           bucket_names[b]);
			x += w;
		}
		amount(currency, rows[i]->total, a, sizeof(a));
		buf_printf(o, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x + 6,
		           y + bar / 2 + 4, a);
	}
	buf_puts(o, "</svg>\n");
}

static void
html_aging(const struct report *r, struct buf *o)
{
	buf_puts(o, "<h2>Aging balance</h2>\n");
	if (r->ncustomers == 0) {
		buf_puts(o, "<p>Nothing is due.</p>\n");
		return;
	}
	buf_puts(o, "<p class=\"legend\">Days past the due date:");
	for (int b = 0; b < REPORT_BUCKETS; b++)
		buf_printf(o, "<span style=\"background:%s\"></span>%s",
		           bucket_colours[b], bucket_names[b]);
	buf_puts(o, "</p>\n");
	for (size_t i = 0; i < r->ncurrencies; i++)
		html_aging_chart(r, o, r->currencies[i].aging.currency);
	buf_puts(o, "<table id=\"aging\">\n<tr><th>Customer</th><th>Currency"
	            "</th>");
	for (int b = 0; b < REPORT_BUCKETS; b++)
		buf_printf(o, "<th class=\"n\">%s</th>", bucket_names[b]);
	buf_puts(o, "<th class=\"n\">total</th></tr>\n");
	for (size_t i = 0; i < r->ncustomers; i++)
		for (size_t j = 0; j < r->customers[i].naging; j++)
			html_aging_row(o, "customer", r->customers[i].id,
			               r->customers[i].name,
			               &r->customers[i].aging[j]);
	for (size_t i = 0; i < r->ncurrencies; i++)
		if (r->currencies[i].aging.invoices > 0)
			html_aging_row(o, "total", NULL, "Total",
			               &r->currencies[i].aging);
	buf_puts(o, "</table>\n");
}

static void
html_dso(const struct report *r, struct buf *o)
{
	char d[11], due[32], sales[32], days[32];

	date_format(date_add_days(r->today, 1 - REPORT_DSO_DAYS), d);
	buf_printf(o,
	           "<h2>DSO</h2>\n<p>Days sales outstanding = amount due / "
	           "amount invoiced from %s (%d days) &times; %d.</p>\n"
	           "<table id=\"dso\">\n<tr><th>Currency</th><th class=\"n\">"
	           "Amount due</th><th class=\"n\">Invoiced</th>"
	           "<th class=\"n\">DSO (days)</th></tr>\n",
	           d, REPORT_DSO_DAYS, REPORT_DSO_DAYS);
	for (size_t i = 0; i < r->ncurrencies; i++) {
		const struct report_currency *c = &r->currencies[i];

		amount(c->aging.currency, c->aging.total, due, sizeof(due));
		amount(c->aging.currency, c->sales, sales, sizeof(sales));
		tenths(report_dso10(c), days, sizeof(days));
		buf_printf(o,
		           "<tr data-currency=\"%s\"><td>%s</td>"
		           "<td class=\"n\" data-k=\"total\">%s</td>"
		           "<td class=\"n\" data-k=\"sales\">%s</td>"
		           "<td class=\"n\" data-k=\"dso\">%s</td></tr>\n",
		           c->aging.currency, c->aging.currency, due, sales,
		           days);
	}
	buf_puts(o, "</table>\n");
}

static void
html_lists(const struct report *r, struct buf *o)
{
	char v[32], d[11], u[11];

	buf_printf(
	    o, "<h2>Open disputes: <span id=\"ndisputes\">%zu</span></h2>\n",
	    r->ndisputes);
	if (r->ndisputes > 0) {
		buf_puts(o, "<table id=\"disputes\">\n<tr><th>Invoice</th>"
		            "<th>Customer</th><th class=\"n\">Amount due</th>"
		            "<th>Since</th><th class=\"n\">Age (days)</th>"
		            "<th>Reason</th></tr>\n");
		for (size_t i = 0; i < r->ndisputes; i++) {
			const struct report_dispute *x = &r->disputes[i];

			amount(x->currency, x->amount, v, sizeof(v));
			date_format(x->since, d);
			buf_puts(o, "<tr><td>");
			html(o, x->invoice);
			buf_puts(o, "</td><td>");
			html(o, x->customer);
			buf_printf(
			    o, "</td><td class=\"n\">%s %s</td><td>%s</td>", v,
			    x->currency, date_is_null(x->since) ? "-" : d);
			if (date_is_null(x->since))
				buf_puts(o, "<td class=\"n\">-</td><td>");
			else
				buf_printf(o, "<td class=\"n\">%ld</td><td>",
				           date_diff(r->today, x->since));
			html(o, x->reason);
			buf_puts(o, "</td></tr>\n");
		}
		buf_puts(o, "</table>\n");
	}
	buf_printf(o,
	           "<h2>Paused by a promise to pay: <span id=\"npromises\">"
	           "%zu</span></h2>\n",
	           r->npromises);
	if (r->npromises > 0) {
		buf_puts(o, "<table id=\"promises\">\n<tr><th>Invoice</th>"
		            "<th>Customer</th><th class=\"n\">Amount due</th>"
		            "<th>Promised</th><th>Paused until</th></tr>\n");
		for (size_t i = 0; i < r->npromises; i++) {
			const struct report_promise *x = &r->promises[i];

			amount(x->currency, x->amount, v, sizeof(v));
			date_format(x->promised, d);
			date_format(x->until, u);
			buf_puts(o, "<tr><td>");
			html(o, x->invoice);
			buf_puts(o, "</td><td>");
			html(o, x->customer);
			buf_printf(o,
			           "</td><td class=\"n\">%s %s</td><td>%s</td>"
			           "<td>%s</td></tr>\n",
			           v, x->currency,
			           date_is_null(x->promised) ? "-" : d, u);
		}
		buf_puts(o, "</table>\n");
	}
	buf_printf(o, "<h2>Open tasks: <span id=\"tasks\">%u</span></h2>\n",
	           r->open_tasks);
}

/* The funnel: per step, a bar of the invoices that received it and, over
 * it, the part then paid. */
static void
html_steps(const struct report *r, struct buf *o)
{
	const int left = 160, width = 480, bar = 24, gap = 10;
	unsigned max = 0;
	char m[32];

	buf_puts(o, "<h2>Reminders and payment</h2>\n");
	if (r->nsteps == 0) {
		buf_puts(o, "<p>No reminder sent yet.</p>\n");
		return;
	}
	for (size_t i = 0; i < r->nsteps; i++)
		if (r->steps[i].invoices > max)
			max = r->steps[i].invoices;
	buf_printf(o,
	           "<p class=\"legend\"><span style=\"background:#c8d3df\">"
	           "</span>received the step before any payment<span "
	           "style=\"background:#2f5d8a\"></span>then paid</p>\n"
	           "<svg class=\"funnel\" xmlns=\"http://www.w3.org/2000/svg\" "
	           "width=\"%d\" height=\"%zu\" role=\"img\">\n",
	           left + width + 200, r->nsteps * (size_t)(bar + gap) + gap);
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];
		int y = gap + (int)i * (bar + gap);
		double w = max ? (double)s->invoices * width / max : 0;
		double p = max ? (double)s->paid * width / max : 0;

		buf_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		           left - 8, y + bar / 2 + 4);
		html(o, s->name);
		buf_printf(
		    o,
		    "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%d\" fill=\"#c8d3df\"/>\n"
		    "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
		    "fill=\"#2f5d8a\"/>\n"
		    "<text x=\"%.1f\" y=\"%d\">%u paid of %u (%u%%)</text>\n",
		    left, y, w, bar, left, y, p, bar, left + w + 6,
		    y + bar / 2 + 4, s->paid, s->invoices,
		    percent(s->paid, s->invoices));
	}
	buf_puts(o, "</svg>\n<table id=\"steps\">\n<tr><th>Step</th>"
	            "<th class=\"n\">Invoices</th><th class=\"n\">Paid after"
	            "</th><th class=\"n\">Share</th><th class=\"n\">Median "
	            "days to payment</th></tr>\n");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct report_step *s = &r->steps[i];

		half_days(report_median2(s), m, sizeof(m));
		buf_puts(o, "<tr><td>");
		html(o, s->name);
		buf_printf(o,
		           "</td><td class=\"n\" data-k=\"invoices\">%u</td>"
		           "<td class=\"n\" data-k=\"paid\">%u</td>"
		           "<td class=\"n\" data-k=\"share\">%u%%</td>"
		           "<td class=\"n\" data-k=\"median\">%s</td></tr>\n",
		           s->invoices, s->paid, percent(s->paid, s->invoices),
		           m);
	}
	buf_puts(o, "</table>\n");
}

void
report_html(const struct report *r, struct buf *o)
{
	char d[11];

	date_format(r->today, d);
	buf_puts(o, html_head);
	buf_printf(o,
	           "<title>relance report %s</title>\n</head>\n<body>\n"
	           "<h1>relance report on %s</h1>\n<p>%u invoices.</p>\n",
	           d, d, r->invoices);
	html_aging(r, o);
	html_dso(r, o);
	html_lists(r, o);
	html_steps(r, o);
	buf_puts(o, "</body>\n</html>\n");
}
