/*
 * invoice.c -- the invoice record, its transitions and its serialised form.
 *
 * The record is text, one field per line ("key<TAB>value<TAB>..."), headed
 * by "relance-invoice <version>", so that a dump of the state file is
 * readable and a damaged record is found by line. Values escape backslash,
 * TAB, CR, LF and other control bytes.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invoice.h"
#include "money.h"
#include "text.h"

#define MAX_FIELDS 6

void
invoice_init(struct invoice *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->state = INVOICE_OPEN;
	strcpy(inv->currency, "EUR");
}

static void
event_free(struct invoice_event *ev)
{
	free(ev->kind);
	free(ev->actor);
	free(ev->detail);
}

void
invoice_free(struct invoice *inv)
{
	free(inv->number);
	free(inv->customer);
	free(inv->customer_name);
	free(inv->postal_address);
	strlist_clear(&inv->contacts);
	strlist_clear(&inv->undeliverable);
	free(inv->lang);
	free(inv->profile);
	free(inv->pdf);
	free(inv->last_step);
	free(inv->dispute_reason);
	strlist_clear(&inv->tracking_ids);
	strlist_clear(&inv->message_ids);
	for (size_t i = 0; i < inv->nevents; i++)
		event_free(&inv->events[i]);
	free(inv->events);
	invoice_init(inv);
}

/* Replace *DST by a copy of SRC (NULL stays NULL). 0 or -1. */
static int
set_str(char **dst, const char *src)
{
	char *copy = NULL;

	if (src != NULL && (copy = strdup(src)) == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

static int
copy_list(struct strlist *dst, const struct strlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (strlist_add(dst, src->v[i]) < 0)
			return -1;
	return 0;
}

static int
push_event(struct invoice *inv, int64_t time, const char *kind,
           const char *actor, const char *detail)
{
	struct invoice_event *v, *ev;

	v = realloc(inv->events, (inv->nevents + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	inv->events = v;
	ev = &v[inv->nevents];
	memset(ev, 0, sizeof(*ev));
	ev->time = time;
	if (set_str(&ev->kind, kind) < 0 || set_str(&ev->actor, actor) < 0 ||
	    set_str(&ev->detail, detail) < 0) {
		event_free(ev);
		return -1;
	}
	inv->nevents++;
	return 0;
}

int
invoice_copy(struct invoice *dst, const struct invoice *src)
{
	invoice_init(dst);
	memcpy(dst->currency, src->currency, sizeof(dst->currency));
	dst->amount_due = src->amount_due;
	dst->amount_original = src->amount_original;
	dst->issue_date = src->issue_date;
	dst->due_date = src->due_date;
	dst->state = src->state;
	dst->paused_until = src->paused_until;
	dst->last_step_date = src->last_step_date;
	if (set_str(&dst->number, src->number) < 0 ||
	    set_str(&dst->customer, src->customer) < 0 ||
	    set_str(&dst->customer_name, src->customer_name) < 0 ||
	    set_str(&dst->postal_address, src->postal_address) < 0 ||
	    set_str(&dst->lang, src->lang) < 0 ||
	    set_str(&dst->profile, src->profile) < 0 ||
	    set_str(&dst->pdf, src->pdf) < 0 ||
	    set_str(&dst->last_step, src->last_step) < 0 ||
	    set_str(&dst->dispute_reason, src->dispute_reason) < 0 ||
	    copy_list(&dst->contacts, &src->contacts) < 0 ||
	    copy_list(&dst->undeliverable, &src->undeliverable) < 0 ||
	    copy_list(&dst->tracking_ids, &src->tracking_ids) < 0 ||
	    copy_list(&dst->message_ids, &src->message_ids) < 0)
		goto fail;
	for (size_t i = 0; i < src->nevents; i++) {
		const struct invoice_event *ev = &src->events[i];

		if (push_event(dst, ev->time, ev->kind, ev->actor, ev->detail))
			goto fail;
	}
	return 0;
fail:
	invoice_free(dst);
	return -1;
}

static const char *const state_names[] = {"open", "paused", "disputed", "paid",
                                          "closed"};

const char *
invoice_state_name(enum invoice_state s)
{
	return (unsigned)s < 5 ? state_names[s] : "?";
}

int
invoice_state_parse(const char *name, enum invoice_state *out)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum invoice_state)i;
			return 0;
		}
	return -1;
}

enum invoice_state
invoice_effective_state(const struct invoice *inv, struct date today)
{
	if (inv->state == INVOICE_PAUSED &&
	    date_cmp(inv->paused_until, today) <= 0)
		return INVOICE_OPEN;
	return inv->state;
}

long
invoice_days_overdue(const struct invoice *inv, struct date today)
{
	long d = date_diff(today, inv->due_date);

	return d > 0 ? d : 0;
}

int
invoice_decimals(const struct invoice *inv)
{
	int d = money_currency_decimals(inv->currency);

	return d < 0 ? 2 : d;
}

void
invoice_format_amount(const struct invoice *inv, int64_t amount, char *out,
                      size_t size)
{
	money_format(amount, invoice_decimals(inv), out, size);
}

int
invoice_add_event(struct invoice *inv, int64_t now, const char *kind,
                  const char *actor, const char *fmt, ...)
{
	struct buf detail = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vprintf(&detail, fmt, ap);
	va_end(ap);
	if (detail.len > INVOICE_MAX_DETAIL) {
		detail.len = INVOICE_MAX_DETAIL;
		detail.data[detail.len] = '\0';
	}
	rc = buf_failed(&detail)
	         ? -1
	         : push_event(inv, now, kind, actor, buf_cstr(&detail));
	buf_free(&detail);
	return rc;
}

/* The refusal common to every transition on a finished invoice. */
static int
refuse_finished(const struct invoice *inv, const char *what, struct err *e)
{
	if (inv->state == INVOICE_CLOSED) {
		err_set(e, "invoice %s is closed: cannot %s it", inv->number,
		        what);
		return -1;
	}
	if (inv->state == INVOICE_PAID) {
		err_set(e, "invoice %s is already paid: cannot %s it",
		        inv->number, what);
		return -1;
	}
	return 0;
}

int
invoice_pay(struct invoice *inv, int64_t amount, struct date date, int64_t now,
            const char *actor, struct err *e)
{
	char a[32], due[32], left[32], day[11];

	if (refuse_finished(inv, "pay", e) < 0)
		return -1;
	if (amount < 0)
		amount = inv->amount_due;
	invoice_format_amount(inv, amount, a, sizeof(a));
	invoice_format_amount(inv, inv->amount_due, due, sizeof(due));
	if (amount == 0) {
		err_set(e, "a payment of 0 changes nothing on invoice %s",
		        inv->number);
		return -1;
	}
	if (amount > inv->amount_due) {
		err_set(e,
		        "payment of %s %s is more than the %s %s due on "
		        "invoice %s",
		        a, inv->currency, due, inv->currency, inv->number);
		return -1;
	}
	date_format(date, day);
	invoice_format_amount(inv, inv->amount_due - amount, left,
	                      sizeof(left));
	if (amount < inv->amount_due) {
		if (invoice_add_event(inv, now, "payment", actor,
		                      "partial payment of %s %s received on "
		                      "%s; %s %s still due",
		                      a, inv->currency, day, left,
		                      inv->currency) < 0)
			goto nomem;
		inv->amount_due -= amount;
		return 0;
	}
	if (invoice_add_event(inv, now, "paid", actor,
	                      "payment of %s %s received on %s; fully paid", a,
	                      inv->currency, day) < 0)
		goto nomem;
	inv->amount_due = 0;
	inv->state = INVOICE_PAID;
	inv->paused_until = DATE_NULL;
	return 0;
nomem:
	err_set(e, "out of memory");
	return -1;
}

int
invoice_dispute(struct invoice *inv, const char *reason, int64_t now,
                const char *actor, struct err *e)
{
	char *copy;

	if (refuse_finished(inv, "dispute", e) < 0)
		return -1;
	if (inv->state == INVOICE_DISPUTED) {
		err_set(e, "invoice %s is already disputed (%s)", inv->number,
		        inv->dispute_reason ? inv->dispute_reason : "");
		return -1;
	}
	if (reason == NULL || *reason == '\0') {
		err_set(e, "a dispute needs a reason");
		return -1;
	}
	if ((copy = strdup(reason)) == NULL ||
	    invoice_add_event(inv, now, "disputed", actor, "disputed: %s",
	                      reason) < 0) {
		free(copy);
		err_set(e, "out of memory");
		return -1;
	}
	free(inv->dispute_reason);
	inv->dispute_reason = copy;
	inv->state = INVOICE_DISPUTED;
	inv->paused_until = DATE_NULL;
	return 0;
}

int
invoice_resolve(struct invoice *inv, int64_t now, const char *actor,
                struct err *e)
{
	if (inv->state != INVOICE_DISPUTED) {
		err_set(e, "invoice %s is %s, not disputed: nothing to resolve",
		        inv->number, invoice_state_name(inv->state));
		return -1;
	}
	if (invoice_add_event(inv, now, "resolved", actor,
	                      "dispute resolved (%s); dunning resumes",
	                      inv->dispute_reason ? inv->dispute_reason : "") <
	    0) {
		err_set(e, "out of memory");
		return -1;
	}
	free(inv->dispute_reason);
	inv->dispute_reason = NULL;
	inv->state = INVOICE_OPEN;
	return 0;
}

int
invoice_pause(struct invoice *inv, struct date until, struct date today,
              const char *why, int64_t now, const char *actor, struct err *e)
{
	char day[11];

	if (refuse_finished(inv, "pause", e) < 0)
		return -1;
	if (inv->state == INVOICE_DISPUTED) {
		err_set(e, "invoice %s is disputed: resolve it before pausing",
		        inv->number);
		return -1;
	}
	date_format(until, day);
	if (date_cmp(until, today) <= 0) {
		err_set(e, "pause date %s is not after today", day);
		return -1;
	}
	if (invoice_add_event(inv, now, "paused", actor, "paused until %s%s%s",
	                      day, why ? ": " : "", why ? why : "") < 0) {
		err_set(e, "out of memory");
		return -1;
	}
	inv->state = INVOICE_PAUSED;
	inv->paused_until = until;
	return 0;
}

int
invoice_resume(struct invoice *inv, int64_t now, const char *actor,
               struct err *e)
{
	if (inv->state != INVOICE_PAUSED) {
		err_set(e, "invoice %s is %s, not paused: nothing to resume",
		        inv->number, invoice_state_name(inv->state));
		return -1;
	}
	if (invoice_add_event(inv, now, "resumed", actor,
	                      "pause ended by hand") < 0) {
		err_set(e, "out of memory");
		return -1;
	}
	inv->state = INVOICE_OPEN;
	inv->paused_until = DATE_NULL;
	return 0;
}

int
invoice_cancel(struct invoice *inv, const char *reason, int64_t now,
               const char *actor, struct err *e)
{
	if (inv->state == INVOICE_CLOSED) {
		err_set(e, "invoice %s is already closed", inv->number);
		return -1;
	}
	if (invoice_add_event(inv, now, "cancelled", actor, "cancelled%s%s",
	                      reason ? ": " : "", reason ? reason : "") < 0) {
		err_set(e, "out of memory");
		return -1;
	}
	inv->state = INVOICE_CLOSED;
	inv->paused_until = DATE_NULL;
	return 0;
}

/* Append "; what: old -> new" to CHANGES when the strings differ. */
static bool
diff_str(struct buf *changes, const char *what, const char *old,
         const char *new)
{
	if ((old == NULL && new == NULL) ||
	    (old != NULL && new != NULL &&strcmp(old, new) == 0))
		return false;
	buf_printf(changes, "%s%s: %s -> %s", changes->len ? "; " : "", what,
	           old ? old : "(none)", new ? new : "(none)");
	return true;
}

static bool
diff_date(struct buf *changes, const char *what, struct date old,
          struct date new)
{
	char a[11], b[11];

	date_format(old, a);
	date_format(new, b);
	return diff_str(changes, what, a, b);
}

static bool
diff_amount(struct buf *changes, const char *what, const struct invoice *inv,
            int64_t old, int64_t new)
{
	char a[32], b[32];

	invoice_format_amount(inv, old, a, sizeof(a));
	invoice_format_amount(inv, new, b, sizeof(b));
	return diff_str(changes, what, a, b);
}

static void
join_list(const struct strlist *l, struct buf *out)
{
	for (size_t i = 0; i < l->n; i++)
		buf_printf(out, "%s%s", i ? ", " : "", l->v[i]);
}

static bool
diff_contacts(struct buf *changes, const struct strlist *old,
              const struct strlist *new)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	bool changed;

	join_list(old, &a);
	join_list(new, &b);
	changed = diff_str(changes, "contacts", buf_cstr(&a), buf_cstr(&b));
	buf_free(&a);
	buf_free(&b);
	return changed;
}

/* Postal addresses compared, shown on one line ("l1, l2"). */
static bool
diff_postal(struct buf *changes, const char *old, const char *new)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	bool changed = false;

	if ((old == NULL) != (new == NULL) ||
	    (old != NULL && strcmp(old, new) != 0)) {
		for (const char *p = old ? old : "(none)"; *p != '\0'; p++)
			buf_puts(&a, *p == '\n' ? ", " : (char[]){*p, '\0'});
		for (const char *p = new ? new : "(none)"; *p != '\0'; p++)
			buf_puts(&b, *p == '\n' ? ", " : (char[]){*p, '\0'});
		changed = diff_str(changes, "postal address", buf_cstr(&a),
		                   buf_cstr(&b));
	}
	buf_free(&a);
	buf_free(&b);
	return changed;
}

/* Count and describe the differences between CUR and FRESH. */
static int
describe_update(const struct invoice *cur, const struct invoice *fresh,
                struct buf *changes)
{
	int n = 0;

	n += diff_str(changes, "customer", cur->customer, fresh->customer);
	n +=
	    diff_str(changes, "name", cur->customer_name, fresh->customer_name);
	n += diff_postal(changes, cur->postal_address, fresh->postal_address);
	n += diff_contacts(changes, &cur->contacts, &fresh->contacts);
	n += diff_str(changes, "language", cur->lang, fresh->lang);
	n += diff_str(changes, "profile", cur->profile, fresh->profile);
	n += diff_str(changes, "currency", cur->currency, fresh->currency);
	n += diff_amount(changes, "amount due", fresh, cur->amount_due,
	                 fresh->amount_due);
	n += diff_amount(changes, "original amount", fresh,
	                 cur->amount_original, fresh->amount_original);
	n += diff_date(changes, "issue date", cur->issue_date,
	               fresh->issue_date);
	n += diff_date(changes, "due date", cur->due_date, fresh->due_date);
	n += diff_str(changes, "pdf", cur->pdf, fresh->pdf);
	return n;
}

static int
apply_update(struct invoice *cur, const struct invoice *fresh)
{
	struct strlist contacts = STRLIST_INIT;

	if (copy_list(&contacts, &fresh->contacts) < 0 ||
	    set_str(&cur->customer, fresh->customer) < 0 ||
	    set_str(&cur->customer_name, fresh->customer_name) < 0 ||
	    set_str(&cur->postal_address, fresh->postal_address) < 0 ||
	    set_str(&cur->lang, fresh->lang) < 0 ||
	    set_str(&cur->profile, fresh->profile) < 0 ||
	    set_str(&cur->pdf, fresh->pdf) < 0) {
		strlist_clear(&contacts);
		return -1;
	}
	strlist_clear(&cur->contacts);
	cur->contacts = contacts;
	memcpy(cur->currency, fresh->currency, sizeof(cur->currency));
	cur->amount_due = fresh->amount_due;
	cur->amount_original = fresh->amount_original;
	cur->issue_date = fresh->issue_date;
	cur->due_date = fresh->due_date;
	return 0;
}

int
invoice_update(struct invoice *cur, const struct invoice *newer, int64_t now,
               const char *actor)
{
	struct invoice known = *newer; /* shallow: only read */
	const struct invoice *fresh = &known;
	struct buf changes = BUF_INIT;
	bool unpaid = cur->state == INVOICE_OPEN ||
	              cur->state == INVOICE_PAUSED ||
	              cur->state == INVOICE_DISPUTED;
	int n, rc = -1;

	if (known.amount_original < 0)
		known.amount_original = cur->amount_original > known.amount_due
		                            ? cur->amount_original
		                            : known.amount_due;
	n = describe_update(cur, fresh, &changes);
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if (buf_failed(&changes) ||
	    invoice_add_event(cur, now, "updated", actor, "%s",
	                      buf_cstr(&changes)) < 0 ||
	    apply_update(cur, fresh) < 0)
		goto out;
	if (unpaid && cur->amount_due == 0) {
		if (invoice_add_event(cur, now, "paid", actor,
		                      "the accounting export shows nothing "
		                      "left to pay") < 0)
			goto out;
		cur->state = INVOICE_PAID;
		cur->paused_until = DATE_NULL;
		free(cur->dispute_reason);
		cur->dispute_reason = NULL;
	}
	rc = n;
out:
	buf_free(&changes);
	return rc;
}

/*
 * Serialisation.
 */

/* One line: KEY, then each non-NULL value, TAB-separated. */
static void
put_line(struct buf *out, const char *key, const char *v1, const char *v2)
{
	buf_puts(out, key);
	buf_putc(out, '\t');
	text_escape(v1, out);
	if (v2 != NULL) {
		buf_putc(out, '\t');
		text_escape(v2, out);
	}
	buf_putc(out, '\n');
}

static void
put_date(struct buf *out, const char *key, struct date d)
{
	char s[11];

	if (date_is_null(d))
		return;
	date_format(d, s);
	put_line(out, key, s, NULL);
}

static void
put_list(struct buf *out, const char *key, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		put_line(out, key, l->v[i], NULL);
}

void
invoice_encode(const struct invoice *inv, struct buf *out)
{
	char n[32];

	buf_printf(out, "relance-invoice\t%d\n", INVOICE_FORMAT);
	put_line(out, "number", inv->number, NULL);
	put_line(out, "customer", inv->customer, NULL);
	if (inv->customer_name != NULL)
		put_line(out, "name", inv->customer_name, NULL);
	if (inv->postal_address != NULL)
		put_line(out, "postal", inv->postal_address, NULL);
	put_list(out, "contact", &inv->contacts);
	put_list(out, "bounced", &inv->undeliverable);
	put_line(out, "lang", inv->lang ? inv->lang : "fr", NULL);
	put_line(out, "profile", inv->profile ? inv->profile : "default", NULL);
	put_line(out, "currency", inv->currency, NULL);
	snprintf(n, sizeof(n), "%" PRId64, inv->amount_due);
	put_line(out, "due", n, NULL);
	snprintf(n, sizeof(n), "%" PRId64, inv->amount_original);
	put_line(out, "original", n, NULL);
	put_date(out, "issued", inv->issue_date);
	put_date(out, "duedate", inv->due_date);
	if (inv->pdf != NULL)
		put_line(out, "pdf", inv->pdf, NULL);
	put_line(out, "state", invoice_state_name(inv->state), NULL);
	put_date(out, "paused", inv->paused_until);
	if (inv->last_step != NULL) {
		char d[11];

		date_format(inv->last_step_date, d);
		put_line(out, "laststep", inv->last_step, d);
	}
	if (inv->dispute_reason != NULL)
		put_line(out, "reason", inv->dispute_reason, NULL);
	put_list(out, "track", &inv->tracking_ids);
	put_list(out, "msgid", &inv->message_ids);
	for (size_t i = 0; i < inv->nevents; i++) {
		const struct invoice_event *ev = &inv->events[i];

		snprintf(n, sizeof(n), "%" PRId64, ev->time);
		buf_printf(out, "event\t%s\t", n);
		text_escape(ev->kind, out);
		buf_putc(out, '\t');
		text_escape(ev->actor, out);
		buf_putc(out, '\t');
		text_escape(ev->detail, out);
		buf_putc(out, '\n');
	}
}

/* Unescape S[0..LEN) in place into a NUL-terminated string (the value is
 * never longer than its escaped form). 0 or -1. */
static int
unescape(char *s, size_t len)
{
	struct buf out = BUF_INIT;
	int rc;

	if (memchr(s, '\\', len) == NULL) {
		s[len] = '\0'; /* nothing escaped: most fields */
		return 0;
	}
	rc = text_unescape(s, len, &out);
	if (rc == 0 && !buf_failed(&out))
		memcpy(s, buf_cstr(&out), out.len + 1);
	else
		rc = -1;
	buf_free(&out);
	return rc;
}

/* Split LINE (modified) at TABs into at most MAX_FIELDS unescaped fields. */
static int
split_line(char *line, char **f, int *nf)
{
	char *p = line;

	*nf = 0;
	for (;;) {
		char *tab = strchr(p, '\t');
		size_t len = tab ? (size_t)(tab - p) : strlen(p);

		if (*nf == MAX_FIELDS || unescape(p, len) < 0)
			return -1;
		f[(*nf)++] = p;
		if (tab == NULL)
			return 0;
		p = tab + 1;
	}
}

static int
parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '\0')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Apply one decoded line to INV. 0, or -1 if it does not make sense. */
static int
decode_field(struct invoice *inv, char **f, int nf)
{
	const char *k = f[0];

	if (nf == 2 && strcmp(k, "number") == 0)
		return set_str(&inv->number, f[1]);
	if (nf == 2 && strcmp(k, "customer") == 0)
		return set_str(&inv->customer, f[1]);
	if (nf == 2 && strcmp(k, "name") == 0)
		return set_str(&inv->customer_name, f[1]);
	if (nf == 2 && strcmp(k, "postal") == 0)
		return set_str(&inv->postal_address, f[1]);
	if (nf == 2 && strcmp(k, "contact") == 0)
		return strlist_add(&inv->contacts, f[1]);
	if (nf == 2 && strcmp(k, "bounced") == 0)
		return strlist_add(&inv->undeliverable, f[1]);
	if (nf == 2 && strcmp(k, "lang") == 0)
		return set_str(&inv->lang, f[1]);
	if (nf == 2 && strcmp(k, "profile") == 0)
		return set_str(&inv->profile, f[1]);
	if (nf == 2 && strcmp(k, "currency") == 0) {
		if (money_currency_decimals(f[1]) < 0)
			return -1;
		memcpy(inv->currency, f[1], 4);
		return 0;
	}
	if (nf == 2 && strcmp(k, "due") == 0)
		return parse_int64(f[1], &inv->amount_due);
	if (nf == 2 && strcmp(k, "original") == 0)
		return parse_int64(f[1], &inv->amount_original);
	if (nf == 2 && strcmp(k, "issued") == 0)
		return date_parse(f[1], &inv->issue_date);
	if (nf == 2 && strcmp(k, "duedate") == 0)
		return date_parse(f[1], &inv->due_date);
	if (nf == 2 && strcmp(k, "pdf") == 0)
		return set_str(&inv->pdf, f[1]);
	if (nf == 2 && strcmp(k, "state") == 0)
		return invoice_state_parse(f[1], &inv->state);
	if (nf == 2 && strcmp(k, "paused") == 0)
		return date_parse(f[1], &inv->paused_until);
	if (nf == 3 && strcmp(k, "laststep") == 0)
		return set_str(&inv->last_step, f[1]) < 0
		           ? -1
		           : date_parse(f[2], &inv->last_step_date);
	if (nf == 2 && strcmp(k, "reason") == 0)
		return set_str(&inv->dispute_reason, f[1]);
	if (nf == 2 && strcmp(k, "track") == 0)
		return strlist_add(&inv->tracking_ids, f[1]);
	if (nf == 2 && strcmp(k, "msgid") == 0)
		return strlist_add(&inv->message_ids, f[1]);
	if (nf == 5 && strcmp(k, "event") == 0) {
		int64_t t;

		return parse_int64(f[1], &t) < 0
		           ? -1
		           : push_event(inv, t, f[2], f[3], f[4]);
	}
	return -1;
}

int
invoice_decode(const char *data, size_t len, struct invoice *inv, struct err *e)
{
	char *copy, *line, *next;
	char *f[MAX_FIELDS];
	int nf, lineno = 1, rc = -1;

	invoice_init(inv);
	if (memchr(data, '\0', len) != NULL) {
		err_set(e, "record holds a NUL byte");
		return -1;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		err_set(e, "out of memory");
		return -1;
	}
	memcpy(copy, data, len);
	copy[len] = '\0';
	next = strchr(copy, '\n');
	if (next == NULL || strncmp(copy, "relance-invoice\t", 16) != 0 ||
	    atoi(copy + 16) != INVOICE_FORMAT) {
		err_set(e, "line 1: not a relance-invoice record of format %d",
		        INVOICE_FORMAT);
		goto out;
	}
	for (line = next + 1; *line != '\0'; line = next + 1) {
		lineno++;
		if ((next = strchr(line, '\n')) == NULL) {
			err_set(e, "line %d: truncated record", lineno);
			goto out;
		}
		*next = '\0';
		if (split_line(line, f, &nf) < 0 ||
		    decode_field(inv, f, nf) < 0) {
			err_set(e, "line %d: bad field \"%.40s\"", lineno,
			        line);
			goto out;
		}
	}
	if (inv->number == NULL || inv->customer == NULL ||
	    date_is_null(inv->due_date)) {
		err_set(e, "record lacks its number, customer or due date");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		invoice_free(inv);
	free(copy);
	return rc;
}
