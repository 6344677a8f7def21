/*
 * compose.c -- the values of a reminder's placeholders, and the MIME
 * message that carries it.
 *
 * Pure: everything that changes from one run to the next (today, the time,
 * the Message-ID, the PDF's bytes) comes from the caller. Money is integer
 * minor units throughout; the late-payment interest is computed exactly
 * in int64_t and rounded once.
 *
 * Every header field goes through compose_header(), which removes control
 * characters, encodes (outgoing_header_text: RFC 2047) and folds
 * (outgoing_fold), so that nothing from an invoice can start a line of its
 * own in the header. The MIME boundary starts with "=_", which neither
 * quoted-printable nor base64 output can contain.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compose.h"
#include "money.h"
#include "outgoing.h"
#include "text.h"

#define COMPOSE_BOUNDARY    "=_relance_part"
#define COMPOSE_LINE_MAX    998 /* RFC 5322 2.1.1 */
#define COMPOSE_QP_MAX      75  /* characters before a soft line break */
#define COMPOSE_B64_LINE    57  /* bytes per 76-character base64 line */
#define COMPOSE_PHRASE_RUN  45  /* bytes per B encoded word in a phrase */
#define COMPOSE_2231_RUN    50  /* characters per RFC 2231 section */
#define COMPOSE_MAX_AMOUNT  INT64_C(1000000000000000) /* 1e15 minor units */
#define COMPOSE_NNBSP       "\xe2\x80\xaf" /* U+202F NARROW NO-BREAK SPACE */
#define COMPOSE_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

static const char compose_atext[] = "!#$%&'*+-/=?^_`{|}~";
static const char compose_hex[] = "0123456789ABCDEF";
static const char compose_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char *const compose_months[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const compose_mon[] = {"Jan", "Feb", "Mar", "Apr",
                                          "May", "Jun", "Jul", "Aug",
                                          "Sep", "Oct", "Nov", "Dec"};
static const char *const compose_wday[] = {"Mon", "Tue", "Wed", "Thu",
                                           "Fri", "Sat", "Sun"};

/* ---- text ---- */

/* The UTF-8 character at S[0..LEN) (LEN > 0): its length, with *CP set,
 * or 0 when it is not well-formed. */
static size_t
compose_utf8(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* True for a character that would break a line or a header: C0 and C1
 * controls, DEL, and the Unicode line and paragraph separators. */
static bool
compose_is_break(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 ||
	       cp == 0x2029;
}

/* Append S to OUT as one line of valid UTF-8: every control character
 * becomes a space, every invalid byte U+FFFD. */
static void
compose_clean(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n, run = i;

		/* Printable ASCII, most of every value, goes in one piece. */
		while (run < len && p[run] >= 0x20 && p[run] < 0x7f)
			run++;
		if (run > i) {
			buf_append(out, p + i, run - i);
			i = run;
			continue;
		}
		n = compose_utf8(p + i, len - i, &cp);
		if (n == 0) {
			buf_puts(out, COMPOSE_REPLACEMENT);
			i++;
		} else if (compose_is_break(cp)) {
			buf_putc(out, ' ');
			i += n;
		} else {
			buf_append(out, p + i, n);
			i += n;
		}
	}
	buf_append(out, "", 0);
}

/* Strip the blanks at both ends of B. */
static void
compose_trim(struct buf *b)
{
	char *t;

	if (b->data == NULL)
		return;
	t = text_trim(b->data);
	b->len = strlen(t);
	memmove(b->data, t, b->len + 1);
}

/* The display name S[0..LEN) into OUT: trimmed, unquoted when written
 * as a quoted string, one clean line. */
static void
compose_clean_name(const char *s, size_t len, struct buf *out)
{
	struct buf raw = BUF_INIT, plain = BUF_INIT;
	char *t;
	size_t n;

	buf_append(&raw, s, len);
	buf_append(&raw, "", 0);
	t = raw.data != NULL ? text_trim(raw.data) : "";
	n = strlen(t);
	if (n >= 2 && t[0] == '"' && t[n - 1] == '"') {
		for (size_t i = 1; i + 1 < n; i++) {
			if (t[i] == '\\' && i + 2 < n)
				i++;
			buf_putc(&plain, t[i]);
		}
		buf_append(&plain, "", 0);
		t = plain.data != NULL ? plain.data : "";
	}
	compose_clean(t, out);
	compose_trim(out);
	buf_free(&raw);
	buf_free(&plain);
}

/* True when S is all printable ASCII (spaces allowed). */
static bool
compose_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool
compose_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool
compose_lang_fr(const char *lang)
{
	return lang == NULL || strcmp(lang, "fr") == 0;
}

/* ---- numbers and dates ---- */

void
compose_amount(int64_t amount, int decimals, const char *lang, struct buf *out)
{
	bool fr = compose_lang_fr(lang);
	uint64_t v = amount < 0 ? 0 - (uint64_t)amount : (uint64_t)amount;
	uint64_t scale = 1;
	char digits[24];
	int n;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 3)
		decimals = 3;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	if (amount < 0)
		buf_putc(out, '-');
	n = snprintf(digits, sizeof(digits), "%" PRIu64, v / scale);
	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf_puts(out, fr ? COMPOSE_NNBSP : ",");
		buf_putc(out, digits[i]);
	}
	if (decimals > 0)
		buf_printf(out, "%c%0*" PRIu64, fr ? ',' : '.', decimals,
		           v % scale);
}

void
compose_date(struct date d, const char *lang, struct buf *out)
{
	if (d.month < 1 || d.month > 12) {
		buf_puts(out, "?");
		return;
	}
	if (!compose_lang_fr(lang)) {
		buf_printf(out, "%d %s %d", d.day, compose_months[d.month - 1],
		           d.year);
	} else if (d.day >= 0 && d.day <= 99 && d.year >= 0 && d.year <= 9999) {
		/* "%02d/%02d/%04d" without printf: each reminder has two */
		char s[10] = {(char)('0' + d.day / 10),
		              (char)('0' + d.day % 10),
		              '/',
		              (char)('0' + d.month / 10),
		              (char)('0' + d.month % 10),
		              '/',
		              (char)('0' + d.year / 1000),
		              (char)('0' + d.year / 100 % 10),
		              (char)('0' + d.year / 10 % 10),
		              (char)('0' + d.year % 10)};

		buf_append(out, s, sizeof(s));
	} else {
		buf_printf(out, "%02d/%02d/%04d", d.day, d.month, d.year);
	}
}

int
compose_interest(int64_t amount, int rate, long days, int64_t *out)
{
	const int64_t div = (int64_t)COMPOSE_YEAR_DAYS * 10000;
	int64_t a, whole, rest;

	if (amount <= -COMPOSE_MAX_AMOUNT || amount >= COMPOSE_MAX_AMOUNT ||
	    rate < 0 || rate > 10000 || days < 0 || days > COMPOSE_MAX_DAYS)
		return -1;
	a = amount < 0 ? -amount : amount;
	/* a = q * div + r, so a * rate * days / div is q * rate * days plus
	 * r * rate * days / div: both products fit in int64_t (below 1e17
	 * and 1.4e15), and only the second needs rounding. */
	whole = a / div * rate * days;
	rest = a % div * rate * days;
	whole += rest / div;
	if (2 * (rest % div) >= div)
		whole++;
	*out = amount < 0 ? -whole : whole;
	return 0;
}

/* ---- the values ---- */

struct compose_fill {
	struct compose_values *out;
	const struct compose_input *in;
	const char *lang;
	uint64_t want; /* the placeholders to fill (COMPOSE_ALL: every one) */
	bool nomem;
};

/* Index of the placeholder NAME, or -1. */
static long
compose_index(const char *name)
{
	for (size_t i = 0; policy_placeholders[i] != NULL; i++)
		if (policy_placeholders[i][0] == name[0] &&
		    strcmp(policy_placeholders[i], name) == 0)
			return (long)i;
	return -1;
}

/* True when the placeholder of index I is to be filled. */
static bool
compose_wanted(const struct compose_fill *f, long i)
{
	return i >= 0 && (f->want == COMPOSE_ALL ||
	                  (i < POLICY_MAX_PLACEHOLDERS && (f->want >> i & 1)));
}

/* True when the placeholder NAME is to be filled: what the fillers ask
 * before they do any work for it. */
static bool
compose_wants(const struct compose_fill *f, const char *name)
{
	return f->want == COMPOSE_ALL || compose_wanted(f, compose_index(name));
}

/* Set the value of NAME to TEXT, made one clean line. */
static void
compose_set(struct compose_fill *f, const char *name, const char *text)
{
	long i = compose_index(name);
	struct buf b = BUF_INIT;

	if (!compose_wanted(f, i) || f->out->v[i] != NULL)
		return;
	compose_clean(text, &b);
	if ((f->out->v[i] = buf_steal(&b)) == NULL)
		f->nomem = true;
	buf_free(&b);
}

/* Set the value of NAME to the contents of B, and empty B. */
static void
compose_set_buf(struct compose_fill *f, const char *name, struct buf *b)
{
	if (buf_failed(b))
		f->nomem = true;
	compose_set(f, name, buf_cstr(b));
	buf_reset(b);
}

/* Say why NAME has no value. */
static void __attribute__((format(printf, 3, 4)))
compose_lack(struct compose_fill *f, const char *name, const char *fmt, ...)
{
	long i = compose_index(name);
	struct buf b = BUF_INIT;
	va_list ap;

	if (!compose_wanted(f, i) || f->out->why[i] != NULL)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if ((f->out->why[i] = buf_steal(&b)) == NULL)
		f->nomem = true;
	buf_free(&b);
}

/* Set NAME to S, or say that the configuration key KEY is not set. */
static void
compose_conf(struct compose_fill *f, const char *name, const char *s,
             const char *key)
{
	if (s != NULL && *s != '\0')
		compose_set(f, name, s);
	else
		compose_lack(f, name, "%s is not set in relance.conf", key);
}

/* Set NAME to the invoice field S, or say that it is empty. */
static void
compose_field(struct compose_fill *f, const char *name, const char *s,
              const char *what)
{
	if (s != NULL && *s != '\0')
		compose_set(f, name, s);
	else
		compose_lack(f, name, "the invoice has no %s", what);
}

/* True when ADDR is among INV's undeliverable contacts. */
static bool
compose_undeliverable(const struct invoice *inv, const char *addr)
{
	for (size_t i = 0; i < inv->undeliverable.n; i++)
		if (strcasecmp(inv->undeliverable.v[i], addr) == 0)
			return true;
	return false;
}

/* {contact}: the first deliverable contact, else the customer's name. */
static void
compose_fill_contact(struct compose_fill *f)
{
	const struct invoice *inv = f->in->inv;

	if (!compose_wants(f, "contact"))
		return;
	for (size_t i = 0; i < inv->contacts.n; i++)
		if (!compose_undeliverable(inv, inv->contacts.v[i])) {
			compose_set(f, "contact", inv->contacts.v[i]);
			return;
		}
	compose_field(f, "contact", inv->customer_name,
	              "deliverable contact nor customer name");
}

static void
compose_fill_date(struct compose_fill *f, const char *name, struct date d,
                  const char *what)
{
	struct buf b = BUF_INIT;

	if (!compose_wants(f, name))
		return;
	if (!date_valid(d)) {
		compose_lack(f, name, "the invoice has no %s", what);
		return;
	}
	compose_date(d, f->lang, &b);
	compose_set_buf(f, name, &b);
	buf_free(&b);
}

static void
compose_fill_amount(struct compose_fill *f, const char *name, int64_t amount)
{
	struct buf b = BUF_INIT;

	if (!compose_wants(f, name))
		return;
	compose_amount(amount, invoice_decimals(f->in->inv), f->lang, &b);
	compose_set_buf(f, name, &b);
	buf_free(&b);
}

/* The fields of the invoice itself, and today and the step. */
static void
compose_fill_invoice(struct compose_fill *f)
{
	const struct invoice *inv = f->in->inv;
	struct buf b = BUF_INIT;

	compose_field(f, "invoice", inv->number, "number");
	compose_field(f, "customer", inv->customer, "customer code");
	compose_field(f, "customer_name", inv->customer_name, "customer name");
	compose_fill_contact(f);
	compose_field(f, "currency", inv->currency, "currency");
	compose_fill_date(f, "issue_date", inv->issue_date, "issue date");
	compose_fill_date(f, "due_date", inv->due_date, "due date");
	compose_fill_date(f, "today", f->in->today, "date for today");
	compose_fill_amount(f, "amount_due", inv->amount_due);
	if (inv->amount_original >= 0)
		compose_fill_amount(f, "amount_original", inv->amount_original);
	else
		compose_lack(f, "amount_original",
		             "the invoice's total is "
		             "not known");
	if (compose_wants(f, "days_overdue") && date_valid(inv->due_date) &&
	    date_valid(f->in->today)) {
		buf_printf(&b, "%ld", invoice_days_overdue(inv, f->in->today));
		compose_set_buf(f, "days_overdue", &b);
	} else {
		compose_lack(f, "days_overdue", "the invoice has no due date");
	}
	if (f->in->step != NULL && *f->in->step != '\0')
		compose_set(f, "step", f->in->step);
	else
		compose_lack(f, "step", "no step was given");
	buf_free(&b);
}

/* {sender}: the display name of Sender, else its address. */
static void
compose_fill_sender(struct compose_fill *f)
{
	const char *s = f->in->cfg->sender, *lt;
	struct buf b = BUF_INIT;

	if (!compose_wants(f, "sender"))
		return;
	if (s == NULL || *s == '\0') {
		compose_lack(f, "sender", "Sender is not set in relance.conf");
		return;
	}
	lt = strchr(s, '<');
	if (lt != NULL)
		compose_clean_name(s, (size_t)(lt - s), &b);
	if (b.len == 0) {
		buf_reset(&b);
		if (lt != NULL)
			buf_append(&b, lt + 1, strcspn(lt + 1, ">"));
		else
			buf_puts(&b, s);
	}
	compose_set_buf(f, "sender", &b);
	buf_free(&b);
}

/* Append S to OUT percent-encoded but for RFC 3986's unreserved
 * characters. */
static void
compose_url_encode(const char *s, struct buf *out)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (compose_is_alnum(c) || strchr("-._~", c) != NULL)
			buf_putc(out, (char)c);
		else
			buf_printf(out, "%%%02X", c);
	}
}

/* {payment_link}: PaymentLink with {invoice} and {amount} (as "1234.56")
 * URL-encoded. */
static void
compose_fill_link(struct compose_fill *f)
{
	const char *p = f->in->cfg->payment_link;
	const struct invoice *inv = f->in->inv;
	struct buf b = BUF_INIT;
	char amount[32];

	if (!compose_wants(f, "payment_link"))
		return;
	if (p == NULL || *p == '\0') {
		compose_lack(f, "payment_link",
		             "PaymentLink is not set in "
		             "relance.conf");
		return;
	}
	invoice_format_amount(inv, inv->amount_due, amount, sizeof(amount));
	while (*p != '\0') {
		if (strncmp(p, "{invoice}", 9) == 0) {
			compose_url_encode(inv->number ? inv->number : "", &b);
			p += 9;
		} else if (strncmp(p, "{amount}", 8) == 0) {
			compose_url_encode(amount, &b);
			p += 8;
		} else {
			buf_putc(&b, *p++);
		}
	}
	compose_set_buf(f, "payment_link", &b);
	buf_free(&b);
}

/* Our company's identity and bank details. */
static void
compose_fill_company(struct compose_fill *f)
{
	const struct config *c = f->in->cfg;
	struct buf b = BUF_INIT;

	compose_conf(f, "company_name", c->company_name, "CompanyName");
	compose_conf(f, "reply_address", c->reply_address, "ReplyAddress");
	compose_conf(f, "bic", c->bic, "BIC");
	compose_fill_sender(f);
	compose_fill_link(f);
	if (!compose_wants(f, "iban"))
		return;
	if (c->iban == NULL || *c->iban == '\0') {
		compose_lack(f, "iban", "IBAN is not set in relance.conf");
		return;
	}
	for (size_t i = 0; c->iban[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			buf_putc(&b, ' ');
		buf_putc(&b, c->iban[i]);
	}
	compose_set_buf(f, "iban", &b);
	buf_free(&b);
}

/* {deadline_date} and {deadline_days}. */
static void
compose_fill_deadline(struct compose_fill *f)
{
	int days = f->in->pol->rates.formal_notice_deadline;
	struct date d = f->in->deadline;
	struct buf b = BUF_INIT;

	if (!compose_wants(f, "deadline_days") &&
	    !compose_wants(f, "deadline_date"))
		return;
	if (days <= 0) {
		compose_lack(f, "deadline_days",
		             "the policy has no "
		             "formal-notice-deadline");
		compose_lack(f, "deadline_date",
		             "the policy has no "
		             "formal-notice-deadline");
		return;
	}
	buf_printf(&b, "%d", days);
	compose_set_buf(f, "deadline_days", &b);
	if (date_is_null(d) && date_valid(f->in->today))
		d = date_add_days(f->in->today, days);
	compose_fill_date(f, "deadline_date", d, "date for today");
	buf_free(&b);
}

/* {indemnity}; into *MINOR when it is in the invoice's currency, else
 * -1. */
static void
compose_fill_indemnity(struct compose_fill *f, int64_t *minor)
{
	const struct policy_amount *ind = &f->in->pol->rates.indemnity;
	struct buf b = BUF_INIT;
	int dec = money_currency_decimals(ind->currency);

	*minor = -1;
	if (dec < 0) {
		compose_lack(f, "indemnity", "the policy has no indemnity");
		return;
	}
	compose_amount(ind->minor, dec, f->lang, &b);
	compose_set_buf(f, "indemnity", &b);
	if (strcmp(ind->currency, f->in->inv->currency) == 0)
		*minor = ind->minor;
	buf_free(&b);
}

/* {total_claimed}, with its currency: the amount due plus INTEREST plus
 * the indemnity (INDEMNITY in the invoice's currency, 0 when not owed
 * yet, -1 when in another one: then the two sums are written side by
 * side, "1 234,56 USD + 40,00 EUR", never added). */
static void
compose_fill_total(struct compose_fill *f, int64_t interest, int64_t indemnity)
{
	const struct invoice *inv = f->in->inv;
	const struct policy_amount *ind = &f->in->pol->rates.indemnity;
	int64_t total =
	    inv->amount_due + interest + (indemnity > 0 ? indemnity : 0);
	struct buf b = BUF_INIT;

	compose_amount(total, invoice_decimals(inv), f->lang, &b);
	buf_printf(&b, " %s", inv->currency);
	if (indemnity < 0) {
		buf_puts(&b, " + ");
		compose_amount(ind->minor,
		               money_currency_decimals(ind->currency), f->lang,
		               &b);
		buf_printf(&b, " %s", ind->currency);
	}
	compose_set_buf(f, "total_claimed", &b);
	buf_free(&b);
}

/* {interest_rate}, {interest_amount}, {indemnity} and {total_claimed}. */
static void
compose_fill_penalties(struct compose_fill *f)
{
	const struct invoice *inv = f->in->inv;
	struct buf b = BUF_INIT;
	char due[11];
	int rate;
	int64_t interest, indemnity;
	long days;

	if (!compose_wants(f, "indemnity") &&
	    !compose_wants(f, "interest_rate") &&
	    !compose_wants(f, "interest_amount") &&
	    !compose_wants(f, "total_claimed"))
		return;
	compose_fill_indemnity(f, &indemnity);
	if (!date_valid(inv->due_date) || !date_valid(f->in->today)) {
		compose_lack(f, "interest_rate", "the invoice has no due date");
		compose_lack(f, "interest_amount",
		             "the invoice has no due date");
		compose_lack(f, "total_claimed", "the invoice has no due date");
		goto out;
	}
	date_format(inv->due_date, due);
	if (policy_penalty_rate(f->in->pol, inv->due_date, &rate) < 0) {
		compose_lack(f, "interest_rate",
		             "the policy has no ECB rate on "
		             "or before %s (the due date)",
		             due);
		compose_lack(f, "interest_amount", "no interest rate");
		compose_lack(f, "total_claimed", "no interest rate");
		goto out;
	}
	compose_amount(rate, 2, f->lang, &b);
	compose_set_buf(f, "interest_rate", &b);
	days = invoice_days_overdue(inv, f->in->today);
	if (compose_interest(inv->amount_due, rate, days, &interest) < 0) {
		compose_lack(f, "interest_amount",
		             "the amount, rate or days "
		             "are out of range");
		compose_lack(f, "total_claimed", "no interest amount");
		goto out;
	}
	compose_fill_amount(f, "interest_amount", interest);
	compose_fill_total(f, interest, days > 0 ? indemnity : 0);
out:
	buf_free(&b);
}

/* ---- the table of invoices ---- */

/* Columns of the table: heading per language, right-aligned or not. */
static const struct compose_column {
	const char *fr, *en;
	bool right;
} compose_columns[] = {
    {"Facture", "Invoice", false},
    {"Date", "Issued", false},
    {"Échéance", "Due", false},
    {"Reste dû", "Amount due", true},
    {"Jours de retard", "Days overdue", true},
};

#define COMPOSE_NCOLUMNS (sizeof(compose_columns) / sizeof(compose_columns[0]))

/* Characters (code points) in the UTF-8 string S. */
static size_t
compose_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Append the cells of one line to OUT, padded to WIDTH, two spaces
 * apart, without trailing blanks. */
static void
compose_table_line(char *const *cells, const size_t *width, struct buf *out)
{
	size_t start = out->len;

	for (size_t c = 0; c < COMPOSE_NCOLUMNS; c++) {
		size_t w = compose_width(cells[c]);
		size_t pad = width[c] > w ? width[c] - w : 0;

		if (c > 0)
			buf_puts(out, "  ");
		if (compose_columns[c].right)
			for (size_t i = 0; i < pad; i++)
				buf_putc(out, ' ');
		buf_puts(out, cells[c]);
		if (!compose_columns[c].right)
			for (size_t i = 0; i < pad; i++)
				buf_putc(out, ' ');
	}
	while (out->len > start && out->data[out->len - 1] == ' ')
		out->len--;
	buf_putc(out, '\n');
}

/* The cells of INV's row into CELLS (malloc'ed strings). 0, or -1. */
static int
compose_table_row(const struct invoice *inv, struct date today,
                  const char *lang, char **cells)
{
	struct buf b = BUF_INIT;

	for (size_t c = 0; c < COMPOSE_NCOLUMNS; c++) {
		buf_reset(&b);
		switch (c) {
		case 0:
			compose_clean(inv->number ? inv->number : "", &b);
			break;
		case 1:
		case 2: {
			struct date d =
			    c == 1 ? inv->issue_date : inv->due_date;

			if (date_valid(d))
				compose_date(d, lang, &b);
			else
				buf_puts(&b, "-");
			break;
		}
		case 3:
			compose_amount(inv->amount_due, invoice_decimals(inv),
			               lang, &b);
			buf_putc(&b, ' ');
			compose_clean(inv->currency, &b);
			break;
		default:
			if (date_valid(inv->due_date))
				buf_printf(&b, "%ld",
				           invoice_days_overdue(inv, today));
			else
				buf_puts(&b, "-");
		}
		buf_append(&b, "", 0);
		if (buf_failed(&b) || (cells[c] = strdup(b.data)) == NULL) {
			buf_free(&b);
			return -1;
		}
	}
	buf_free(&b);
	return 0;
}

int
compose_table(const struct invoice *const *invs, size_t n, struct date today,
              const char *lang, struct buf *out)
{
	size_t rows = n + 1, width[COMPOSE_NCOLUMNS] = {0};
	struct buf b = BUF_INIT;
	char **cells;
	int rc = -1;

	if (lang == NULL || *lang == '\0')
		lang = "fr";
	/* the heading, the invoices, then one total line per currency */
	cells = calloc((rows + n) * COMPOSE_NCOLUMNS, sizeof(*cells));
	if (cells == NULL)
		return -1;
	for (size_t c = 0; c < COMPOSE_NCOLUMNS; c++)
		if ((cells[c] = strdup(compose_lang_fr(lang)
		                           ? compose_columns[c].fr
		                           : compose_columns[c].en)) == NULL)
			goto out;
	for (size_t i = 0; i < n; i++)
		if (compose_table_row(invs[i], today, lang,
		                      cells + (i + 1) * COMPOSE_NCOLUMNS) < 0)
			goto out;
	/* totals, in the order the currencies first appear */
	for (size_t i = 0; i < n; i++) {
		const char *cur = invs[i]->currency;
		char **t = cells + rows * COMPOSE_NCOLUMNS;
		int64_t sum = 0;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(invs[j]->currency, cur) == 0;
		if (seen)
			continue;
		for (size_t j = i; j < n; j++)
			if (strcmp(invs[j]->currency, cur) == 0)
				sum += invs[j]->amount_due;
		buf_reset(&b);
		compose_amount(sum, invoice_decimals(invs[i]), lang, &b);
		buf_putc(&b, ' ');
		compose_clean(cur, &b);
		if (buf_failed(&b) || (t[0] = strdup("Total")) == NULL ||
		    (t[3] = strdup(b.data)) == NULL)
			goto out;
		for (size_t c = 0; c < COMPOSE_NCOLUMNS; c++)
			if (t[c] == NULL && (t[c] = strdup("")) == NULL)
				goto out;
		rows++;
	}
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < COMPOSE_NCOLUMNS; c++) {
			size_t w =
			    compose_width(cells[r * COMPOSE_NCOLUMNS + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < rows; r++) {
		if (r == n + 1) {
			size_t all = 2 * (COMPOSE_NCOLUMNS - 1);

			for (size_t c = 0; c < COMPOSE_NCOLUMNS; c++)
				all += width[c];
			for (size_t i = 0; i < all; i++)
				buf_putc(out, '-');
			buf_putc(out, '\n');
		}
		compose_table_line(cells + r * COMPOSE_NCOLUMNS, width, out);
	}
	rc = buf_failed(out) ? -1 : 0;
out:
	for (size_t i = 0; i < (n + 1 + n) * COMPOSE_NCOLUMNS; i++)
		free(cells[i]);
	free(cells);
	buf_free(&b);
	return rc;
}

/* Replace the value of placeholder NAME in V by TEXT (taken as it is). */
static int
compose_replace(struct compose_values *v, const char *name, char *text)
{
	long i = compose_index(name);

	if (text == NULL)
		return -1;
	if (i < 0 || (size_t)i >= v->n) {
		free(text);
		return 0;
	}
	free(v->v[i]);
	v->v[i] = text;
	return 0;
}

int
compose_values_group(struct compose_values *v,
                     const struct invoice *const *invs, size_t n,
                     struct date today)
{
	const char *lang =
	    n > 0 && invs[0]->lang && *invs[0]->lang ? invs[0]->lang : "fr";
	struct buf b = BUF_INIT;
	bool one_currency = true;
	long days = 0;
	int64_t sum = 0;
	int rc = -1;

	if (n == 0)
		return 0;
	if (compose_table(invs, n, today, lang, &b) < 0 ||
	    compose_replace(v, "invoices", buf_steal(&b)) < 0)
		goto out;
	buf_reset(&b);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "%s", i ? ", " : "");
		compose_clean(invs[i]->number ? invs[i]->number : "", &b);
		sum += invs[i]->amount_due;
		if (strcmp(invs[i]->currency, invs[0]->currency) != 0)
			one_currency = false;
		if (date_valid(invs[i]->due_date) &&
		    invoice_days_overdue(invs[i], today) > days)
			days = invoice_days_overdue(invs[i], today);
	}
	if (buf_failed(&b) || compose_replace(v, "invoice", buf_steal(&b)) < 0)
		goto out;
	buf_reset(&b);
	if (one_currency) {
		compose_amount(sum, invoice_decimals(invs[0]), lang, &b);
		if (buf_failed(&b) ||
		    compose_replace(v, "amount_due", buf_steal(&b)) < 0)
			goto out;
		buf_reset(&b);
	}
	buf_printf(&b, "%ld", days);
	if (buf_failed(&b) ||
	    compose_replace(v, "days_overdue", buf_steal(&b)) < 0)
		goto out;
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* {invoices} for one invoice: the table of it alone. */
static void
compose_fill_table(struct compose_fill *f)
{
	const struct invoice *one = f->in->inv;
	struct buf b = BUF_INIT;
	long i = compose_index("invoices");

	if (!compose_wanted(f, i) || f->out->v[i] != NULL)
		return;
	if (compose_table(&one, 1, f->in->today, f->lang, &b) < 0 ||
	    (f->out->v[i] = buf_steal(&b)) == NULL)
		f->nomem = true;
	buf_free(&b);
}

/* Append "{NAME}: WHY" to L. 0, or -1 on no memory. */
static int
compose_note(struct strlist *l, const char *name, const char *why)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_printf(&b, "{%s}: %s", name, why != NULL ? why : "?");
	rc = buf_failed(&b) ? -1 : strlist_add(l, b.data);
	buf_free(&b);
	return rc;
}

int
compose_values(const struct compose_input *in, struct compose_values *out,
               struct strlist *missing)
{
	return compose_values_some(in, COMPOSE_ALL, out, missing);
}

uint64_t
compose_want(const char *name)
{
	long i = compose_index(name);

	return i >= 0 && i < POLICY_MAX_PLACEHOLDERS ? UINT64_C(1) << i : 0;
}

int
compose_values_some(const struct compose_input *in, uint64_t want,
                    struct compose_values *out, struct strlist *missing)
{
	struct compose_fill f = {out, in, in->inv->lang, want, false};
	size_t n = 0;
	int count = 0;

	if (f.lang == NULL || *f.lang == '\0')
		f.lang = "fr";
	while (policy_placeholders[n] != NULL)
		n++;
	out->n = n;
	out->v = calloc(n + 1, sizeof(*out->v));
	out->why = calloc(n + 1, sizeof(*out->why));
	if (out->v == NULL || out->why == NULL)
		return -1;
	compose_fill_invoice(&f);
	compose_fill_company(&f);
	compose_fill_deadline(&f);
	compose_fill_penalties(&f);
	compose_fill_table(&f);
	for (size_t i = 0; i < n; i++) {
		if (out->v[i] != NULL || !compose_wanted(&f, (long)i))
			continue;
		compose_lack(&f, policy_placeholders[i],
		             "relance does not "
		             "know this placeholder");
		count++;
		if (missing != NULL && !f.nomem &&
		    compose_note(missing, policy_placeholders[i], out->why[i]) <
		        0)
			f.nomem = true;
	}
	return f.nomem ? -1 : count;
}

const char *
compose_value(const struct compose_values *v, const char *name)
{
	long i = compose_index(name);

	return i >= 0 && (size_t)i < v->n ? v->v[i] : NULL;
}

void
compose_values_free(struct compose_values *v)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->v != NULL)
			free(v->v[i]);
		if (v->why != NULL)
			free(v->why[i]);
	}
	free(v->v);
	free(v->why);
	v->v = v->why = NULL;
	v->n = 0;
}

/* ---- templates ---- */

/* What compose_lookup needs: the values, and which placeholder was
 * missing (for the error), or which ones (for compose_check). */
struct compose_lookup_ctx {
	const struct compose_values *v;
	long last;  /* the last placeholder without value, or -1 */
	bool *seen; /* compose_check: missing ones, noted; else NULL */
};

/* policy_value_fn: the value of NAME; for compose_check, "" for a missing
 * one, which is noted. */
static const char *
compose_lookup(const char *name, void *arg)
{
	struct compose_lookup_ctx *c = arg;
	long i = compose_index(name);

	if (i < 0 || (size_t)i >= c->v->n)
		return NULL;
	if (c->v->v[i] != NULL)
		return c->v->v[i];
	c->last = i;
	if (c->seen == NULL)
		return NULL;
	c->seen[i] = true;
	return "";
}

/* Expand TEXT from T into OUT; on error E says which placeholder and
 * why. */
static int
compose_expand(const struct policy_template *t, const char *text,
               const struct compose_values *v, struct buf *out, struct err *e)
{
	struct compose_lookup_ctx c = {v, -1, NULL};

	if (policy_expand(text, compose_lookup, &c, out, e) == 0)
		return 0;
	if (c.last >= 0)
		err_set(e, "%s: {%s} has no value: %s", t->file,
		        policy_placeholders[c.last],
		        v->why[c.last] != NULL ? v->why[c.last] : "?");
	else
		err_prefix(e, "%s", t->file);
	return -1;
}

int
compose_check(const struct policy_template *t, const struct compose_values *v,
              struct strlist *errors)
{
	struct compose_lookup_ctx c = {v, -1, calloc(v->n + 1, sizeof(bool))};
	struct buf scratch = BUF_INIT, line = BUF_INIT;
	struct err e;
	int count = 0;

	if (c.seen == NULL)
		return -1;
	if (policy_expand(t->subject, compose_lookup, &c, &scratch, &e) < 0 ||
	    policy_expand(t->body, compose_lookup, &c, &scratch, &e) < 0) {
		buf_printf(&line, "%s: %s", t->file, e.msg);
		count = strlist_add(errors, buf_cstr(&line)) < 0 ? -1 : 1;
		goto out;
	}
	for (size_t i = 0; i < v->n && count >= 0; i++) {
		if (!c.seen[i])
			continue;
		buf_reset(&line);
		buf_printf(&line, "%s: {%s} has no value: %s", t->file,
		           policy_placeholders[i], v->why[i]);
		count =
		    strlist_add(errors, buf_cstr(&line)) < 0 ? -1 : count + 1;
	}
out:
	if (buf_failed(&line))
		count = -1;
	free(c.seen);
	buf_free(&scratch);
	buf_free(&line);
	return count;
}

/* ---- header fields ---- */

/*
 * compose_header -- the one writer of header fields: append "NAME: VALUE"
 * and a line end to OUT. VALUE is made one clean line and trimmed; when
 * ENCODE, words that are not plain ASCII become RFC 2047 encoded words;
 * otherwise VALUE must be ASCII (structured fields built here). Folded at
 * blanks to 78 columns where a blank allows it, also right after the
 * colon when the first word does not fit on the first line (an encoded
 * word is up to 75 characters). Returns 0, or -1 with E set when a line
 * would pass 998 characters (a word too long), or on no memory.
 */
/* compose_header's short cut for most structured fields: when VALUE is
 * printable ASCII without blanks at either end and "NAME: VALUE" fits on
 * one line, cleaning, trimming and folding would leave it as it is, so it
 * is appended at once and true returned; else false, OUT untouched. */
static bool
compose_header_plain(struct buf *out, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = 0;

	for (; value[vlen] != '\0'; vlen++)
		if ((unsigned char)value[vlen] < 0x20 ||
		    (unsigned char)value[vlen] > 0x7e ||
		    nlen + 2 + vlen >= OUTGOING_FOLD_WIDTH)
			return false;
	if (vlen == 0 || value[0] == ' ' || value[vlen - 1] == ' ')
		return false;
	buf_append(out, name, nlen);
	buf_append(out, ": ", 2);
	buf_append(out, value, vlen);
	buf_putc(out, '\n');
	return true;
}

static int
compose_header(struct buf *out, const char *name, const char *value,
               bool encode, struct err *e)
{
	struct buf clean = BUF_INIT, enc = BUF_INIT, line = BUF_INIT;
	const char *v, *p;
	int rc = -1;

	if (!encode && compose_header_plain(out, name, value))
		return 0;
	compose_clean(value, &clean);
	v = clean.data != NULL ? text_trim(clean.data) : "";
	buf_putc(&enc, ' ');
	if (encode) {
		outgoing_header_text(v, false, &enc);
	} else if (!compose_is_ascii(v)) {
		err_set(e, "%s: not ASCII, cannot be written", name);
		goto out;
	} else {
		buf_puts(&enc, v);
	}
	buf_puts(&line, name);
	buf_putc(&line, ':');
	outgoing_fold(name, buf_cstr(&enc), &line);
	for (p = buf_cstr(&line); *p != '\0';) {
		size_t n = strcspn(p, "\n");

		if (n > COMPOSE_LINE_MAX) {
			err_set(e,
			        "%s: a word is too long for a header line "
			        "(at most %d characters)",
			        name, COMPOSE_LINE_MAX);
			goto out;
		}
		p += n + (p[n] == '\n');
	}
	if (buf_failed(&clean) || buf_failed(&enc) || buf_failed(&line)) {
		err_set(e, "no memory");
		goto out;
	}
	buf_append(out, line.data, line.len);
	buf_putc(out, '\n');
	rc = 0;
out:
	buf_free(&clean);
	buf_free(&enc);
	buf_free(&line);
	return rc;
}

/* True when S[0..LEN) is a dot-atom (RFC 5322 3.2.3). */
static bool
compose_dot_atom(const char *s, size_t len)
{
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.'
		        ? s[i + 1] == '.'
		        : !compose_is_alnum(c) && !strchr(compose_atext, c))
			return false;
	}
	return true;
}

/* True when S[0..LEN) is a plain address local@domain, ASCII. */
static bool
compose_addr_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);

	if (at == NULL || len > INVOICE_MAX_ADDRESS)
		return false;
	return compose_dot_atom(s, (size_t)(at - s)) &&
	       compose_dot_atom(at + 1, len - (size_t)(at - s) - 1) &&
	       memchr(at + 1, '@', len - (size_t)(at - s) - 1) == NULL;
}

/* Append S (some address we could not use) to the message in E, cleaned
 * and cut. */
static void
compose_bad(struct err *e, const char *what, const char *s)
{
	struct buf b = BUF_INIT;

	compose_clean(s, &b);
	err_set(e, "%s \"%.100s\" is not an address, expected local@domain",
	        what, buf_cstr(&b));
	buf_free(&b);
}

/* Append the display name NAME to OUT as a phrase: as it is when it is
 * made of atoms, a quoted string when it is other ASCII, else B encoded
 * words (RFC 2047 5(3)), split between characters. */
static void
compose_phrase(const char *name, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name), run = 0;
	bool atoms = true;

	for (size_t i = 0; i < len; i++)
		if (!compose_is_alnum(p[i]) && p[i] != ' ' &&
		    !strchr(compose_atext, p[i]))
			atoms = false;
	if (atoms) {
		buf_puts(out, name);
		return;
	}
	if (compose_is_ascii(name)) {
		buf_putc(out, '"');
		for (size_t i = 0; i < len; i++) {
			if (p[i] == '"' || p[i] == '\\')
				buf_putc(out, '\\');
			buf_putc(out, (char)p[i]);
		}
		buf_putc(out, '"');
		return;
	}
	for (size_t i = 0; i < len; i += run) {
		unsigned cp;
		size_t n;

		for (run = 0; i + run < len; run += n) {
			n = compose_utf8(p + i + run, len - i - run, &cp);
			if (n == 0)
				n = 1;
			if (run + n > COMPOSE_PHRASE_RUN)
				break;
		}
		buf_puts(out, i > 0 ? " =?UTF-8?B?" : "=?UTF-8?B?");
		for (size_t k = 0; k < run; k += 3) {
			unsigned v = (unsigned)p[i + k] << 16;

			if (k + 1 < run)
				v |= (unsigned)p[i + k + 1] << 8;
			if (k + 2 < run)
				v |= p[i + k + 2];
			buf_putc(out, compose_b64[v >> 18 & 63]);
			buf_putc(out, compose_b64[v >> 12 & 63]);
			buf_putc(out,
			         k + 1 < run ? compose_b64[v >> 6 & 63] : '=');
			buf_putc(out, k + 2 < run ? compose_b64[v & 63] : '=');
		}
		buf_puts(out, "?=");
	}
}

/* The From field of FROM ("addr" or "Name <addr>") into OUT. */
static int
compose_from(const char *from, struct buf *out, struct err *e)
{
	const char *lt = from != NULL ? strchr(from, '<') : NULL;
	struct buf name = BUF_INIT;
	const char *addr = from;
	size_t alen;
	char *n;

	if (from == NULL || *from == '\0') {
		err_set(e, "Sender is not set in relance.conf");
		return -1;
	}
	alen = strlen(from);
	if (lt != NULL) {
		addr = lt + 1;
		alen = strcspn(addr, ">");
		if (addr[alen] != '>' || addr[alen + 1] != '\0')
			alen = SIZE_MAX;
	}
	if (alen == SIZE_MAX || !compose_addr_ok(addr, alen)) {
		compose_bad(e, "Sender", from);
		return -1;
	}
	if (lt != NULL)
		compose_clean_name(from, (size_t)(lt - from), &name);
	n = name.data != NULL ? name.data : "";
	if (*n != '\0') {
		compose_phrase(n, out);
		buf_puts(out, " <");
	}
	buf_append(out, addr, alen);
	if (*n != '\0')
		buf_putc(out, '>');
	buf_free(&name);
	return 0;
}

/* The Date field for T (seconds since the epoch) at ZONE minutes east of
 * UTC into OUT: "Tue, 15 Dec 2026 09:30:00 +0100". */
static int
compose_date_field(int64_t t, int zone, struct buf *out, struct err *e)
{
	int64_t local, days, secs;
	struct date d;

	if (zone < -COMPOSE_MAX_ZONE || zone > COMPOSE_MAX_ZONE) {
		err_set(e,
		        "zone offset %d minutes is out of range, expected "
		        "-%d to %d",
		        zone, COMPOSE_MAX_ZONE, COMPOSE_MAX_ZONE);
		return -1;
	}
	local = t + (int64_t)zone * 60;
	days = local / 86400 - (local % 86400 < 0);
	secs = local - days * 86400;
	d = date_from_days((long)days);
	if (t < -INT64_C(1000000000000) || t > INT64_C(1000000000000) ||
	    !date_valid(d)) {
		err_set(e, "time %" PRId64 " is out of range", t);
		return -1;
	}
	buf_printf(out, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
	           compose_wday[date_weekday(d)], d.day,
	           compose_mon[d.month - 1], d.year, (int)(secs / 3600),
	           (int)(secs / 60 % 60), (int)(secs % 60),
	           zone < 0 ? '-' : '+', abs(zone) / 60, abs(zone) % 60);
	return 0;
}

/* True when ID is "<left@right>", both dot-atoms, at most
 * COMPOSE_MAX_MSGID bytes. */
static bool
compose_msgid_ok(const char *id)
{
	size_t len = id != NULL ? strlen(id) : 0;

	return len >= 5 && len <= COMPOSE_MAX_MSGID && id[0] == '<' &&
	       id[len - 1] == '>' && compose_addr_ok(id + 1, len - 2);
}

/* True when S is [a-z0-9._-]+, at most OUTGOING_MAX_STEP bytes: what the
 * milter reads back from X-Relance-Step. */
static bool
compose_step_ok(const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (len == 0 || len > OUTGOING_MAX_STEP)
		return false;
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= '0' && *s <= '9') &&
		    strchr("-_.", *s) == NULL)
			return false;
	return true;
}

/* The To field: INV's deliverable contacts, also added to RCPTS. */
static int
compose_to(const struct invoice *inv, struct buf *out, struct strlist *rcpts,
           struct err *e)
{
	size_t count = 0;

	for (size_t i = 0; i < inv->contacts.n; i++) {
		const char *a = inv->contacts.v[i];

		if (compose_undeliverable(inv, a))
			continue;
		if (!compose_addr_ok(a, strlen(a))) {
			compose_bad(e, "contact", a);
			return -1;
		}
		if (strlist_add(rcpts, a) < 0) {
			err_set(e, "no memory");
			return -1;
		}
		buf_printf(out, "%s%s", count++ > 0 ? ", " : "", a);
	}
	if (count == 0) {
		err_set(e, "invoice %.64s has no deliverable contact",
		        inv->number != NULL ? inv->number : "?");
		return -1;
	}
	return 0;
}

/* ---- bodies ---- */

/* The quoted-printable form of S[I] at column COL into TOK: itself, or
 * =XX for '=', bytes outside printable ASCII, a blank before a line end,
 * and a '.' or the F of "From " at the start of a line (for transports
 * that treat them specially). Returns its length. */
static size_t
compose_qp_token(const char *s, size_t len, size_t i, size_t col, char tok[4])
{
	unsigned char c = (unsigned char)s[i];
	bool eol = i + 1 == len || s[i + 1] == '\n';
	bool plain = c > 0x20 && c < 0x7f && c != '=';

	if ((c == ' ' || c == '\t') && !eol)
		plain = true;
	if (col == 0 &&
	    (c == '.' || (c == 'F' && strncmp(s + i, "From ", 5) == 0)))
		plain = false;
	if (plain) {
		tok[0] = (char)c;
		return 1;
	}
	tok[0] = '=';
	tok[1] = compose_hex[c >> 4];
	tok[2] = compose_hex[c & 15];
	return 3;
}

/* Append TEXT to OUT quoted-printable (RFC 2045 6.7), lines of at most 76
 * characters, LF line ends, ending with a line end. Each line is built in
 * LINE and appended whole: a body is thousands of characters. */
static void
compose_qp(const char *text, struct buf *out)
{
	size_t len = strlen(text), col = 0;
	char tok[4], line[COMPOSE_QP_MAX + 3];

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		size_t n;

		/* Most characters: plain, not first on a line, with room. */
		if (c > 0x20 && c < 0x7f && c != '=' && col > 0 &&
		    col < COMPOSE_QP_MAX) {
			line[col++] = (char)c;
			continue;
		}
		if (c == '\n') {
			line[col++] = '\n';
			buf_append(out, line, col);
			col = 0;
			continue;
		}
		n = compose_qp_token(text, len, i, col, tok);
		if (col + n > COMPOSE_QP_MAX) {
			line[col++] = '=';
			line[col++] = '\n';
			buf_append(out, line, col);
			col = 0;
			n = compose_qp_token(text, len, i, col, tok);
		}
		memcpy(line + col, tok, n);
		col += n;
	}
	if (col > 0) {
		line[col++] = '\n';
		buf_append(out, line, col);
	}
}

/* Append DATA[0..LEN) to OUT in base64, 76-character lines: a line at a
 * time, not a byte at a time (a PDF is most of a reminder's bytes). */
static void
compose_base64(const unsigned char *data, size_t len, struct buf *out)
{
	char line[COMPOSE_B64_LINE / 3 * 4 + 1];

	for (size_t i = 0; i < len; i += COMPOSE_B64_LINE) {
		size_t end = i + COMPOSE_B64_LINE < len ? i + COMPOSE_B64_LINE
		                                        : len,
		       n = 0;

		for (size_t j = i; j < end; j += 3) {
			unsigned v = (unsigned)data[j] << 16;

			if (j + 1 < end)
				v |= (unsigned)data[j + 1] << 8;
			if (j + 2 < end)
				v |= data[j + 2];
			line[n++] = compose_b64[v >> 18 & 63];
			line[n++] = compose_b64[v >> 12 & 63];
			line[n++] =
			    j + 1 < end ? compose_b64[v >> 6 & 63] : '=';
			line[n++] = j + 2 < end ? compose_b64[v & 63] : '=';
		}
		line[n++] = '\n';
		buf_append(out, line, n);
	}
}

/* ---- the attachment's headers ---- */

/* The file name of A: NAME without its directory, one clean trimmed line,
 * into OUT. */
static int
compose_filename(const struct compose_attachment *a, struct buf *out,
                 struct err *e)
{
	const char *name = a->name != NULL ? a->name : "";
	const char *slash = strrchr(name, '/'), *bslash = strrchr(name, '\\');

	if (slash != NULL)
		name = slash + 1;
	if (bslash != NULL && bslash + 1 > name)
		name = bslash + 1;
	compose_clean(name, out);
	compose_trim(out);
	if (out->len == 0 || out->len > COMPOSE_MAX_FILENAME) {
		err_set(e,
		        "attachment file name is empty or longer than %d "
		        "bytes",
		        COMPOSE_MAX_FILENAME);
		return -1;
	}
	return 0;
}

/* Append NAME as an ASCII quoted string: other characters and '"', '\'
 * become '_'. */
static void
compose_ascii_name(const char *name, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name);

	buf_putc(out, '"');
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = compose_utf8(p + i, len - i, &cp);

		n = n == 0 ? 1 : n;
		buf_putc(out, cp < 0x80 && n == 1 && p[i] != '"' && p[i] != '\\'
		                  ? (char)p[i]
		                  : '_');
		i += n;
	}
	buf_putc(out, '"');
}

/* Append "; filename*0*=UTF-8''..." (RFC 2231): NAME percent-encoded in
 * sections of at most COMPOSE_2231_RUN characters. */
static void
compose_2231(const char *name, struct buf *out)
{
	size_t col = 0, sec = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		char tok[4];
		size_t n = 1;

		if (compose_is_alnum(*p) || strchr("!#$&+-.^_`|~", *p) != NULL)
			tok[0] = (char)*p;
		else
			n = (size_t)snprintf(tok, sizeof(tok), "%%%02X", *p);
		if (col == 0 || col + n > COMPOSE_2231_RUN) {
			buf_printf(out, "; filename*%zu*=%s", sec,
			           sec == 0 ? "UTF-8''" : "");
			sec++;
			col = 0;
		}
		buf_append(out, tok, n);
		col += n;
	}
}

/* The headers of the attachment's part. */
static int
compose_attachment_headers(const struct compose_attachment *a, struct buf *out,
                           struct err *e)
{
	struct buf name = BUF_INIT, v = BUF_INIT;
	const char *type = a->type != NULL ? a->type : "application/pdf";
	int rc = -1;

	if (compose_filename(a, &name, e) < 0)
		goto out;
	if (strchr(type, '/') == NULL ||
	    strspn(type, "abcdefghijklmnopqrstuvwxyz0123456789/.+-") !=
	        strlen(type)) {
		err_set(e, "attachment type \"%.64s\" is not a media type",
		        type);
		goto out;
	}
	buf_printf(&v, "%s; name=", type);
	compose_ascii_name(buf_cstr(&name), &v);
	if (compose_header(out, "Content-Type", buf_cstr(&v), false, e) < 0)
		goto out;
	buf_reset(&v);
	buf_puts(&v, "attachment; filename=");
	compose_ascii_name(buf_cstr(&name), &v);
	if (!compose_is_ascii(buf_cstr(&name)))
		compose_2231(buf_cstr(&name), &v);
	if (compose_header(out, "Content-Disposition", buf_cstr(&v), false, e) <
	        0 ||
	    compose_header(out, "Content-Transfer-Encoding", "base64", false,
	                   e) < 0)
		goto out;
	rc = 0;
out:
	buf_free(&name);
	buf_free(&v);
	return rc;
}

/* ---- the message ---- */

/* Check what M gives that goes into header fields as it is. */
static int
compose_check_mail(const struct compose_mail *m, const struct compose_group *g,
                   struct err *e)
{
	const char *number = m->inv->number != NULL ? m->inv->number : "";
	struct buf b = BUF_INIT;

	for (size_t i = 0; g != NULL && i < g->nnumbers; i++) {
		const char *n = g->numbers[i] ? g->numbers[i] : "";

		if (*n == '\0' || strlen(n) > INVOICE_MAX_ID ||
		    !compose_is_ascii(n) || strchr(n, ',') != NULL) {
			number = n;
			break;
		}
	}
	if (!compose_msgid_ok(m->message_id)) {
		compose_clean(m->message_id != NULL ? m->message_id : "", &b);
		err_set(e,
		        "Message-ID \"%.100s\" is malformed, expected "
		        "<left@right>",
		        buf_cstr(&b));
	} else if (!compose_step_ok(m->step)) {
		compose_clean(m->step != NULL ? m->step : "", &b);
		err_set(e,
		        "step \"%.100s\" is malformed, expected letters, "
		        "digits and '-'",
		        buf_cstr(&b));
	} else if (*number == '\0' || strlen(number) > INVOICE_MAX_ID ||
	           !compose_is_ascii(number) ||
	           (g != NULL && g->nnumbers > 0 &&
	            strchr(number, ',') != NULL)) {
		compose_clean(number, &b);
		err_set(e,
		        "invoice number \"%.100s\" cannot go in "
		        "X-Relance-Invoice, expected at most %d printable "
		        "ASCII characters",
		        buf_cstr(&b), INVOICE_MAX_ID);
	} else {
		return 0;
	}
	buf_free(&b);
	return -1;
}

/* The header fields of M but the MIME ones into OUT. */
static int
compose_top(const struct compose_mail *m, const struct compose_group *g,
            struct buf *out, struct strlist *rcpts, struct err *e)
{
	struct buf v = BUF_INIT;
	int rc = -1;

	if (compose_from(m->from, &v, e) < 0 ||
	    compose_header(out, "From", buf_cstr(&v), false, e) < 0)
		goto out;
	buf_reset(&v);
	if (compose_to(m->inv, &v, rcpts, e) < 0 ||
	    compose_header(out, "To", buf_cstr(&v), false, e) < 0)
		goto out;
	buf_reset(&v);
	if (compose_expand(m->tpl, m->tpl->subject, m->values, &v, e) < 0 ||
	    compose_header(out, "Subject", buf_cstr(&v), true, e) < 0)
		goto out;
	buf_reset(&v);
	if (compose_date_field(m->date, m->zone, &v, e) < 0 ||
	    compose_header(out, "Date", buf_cstr(&v), false, e) < 0)
		goto out;
	buf_reset(&v);
	for (size_t i = 0; g != NULL && i < g->nnumbers; i++)
		buf_printf(&v, "%s%s", i ? ", " : "", g->numbers[i]);
	if (g == NULL || g->nnumbers == 0)
		buf_puts(&v, m->inv->number);
	if (compose_header(out, "Message-ID", m->message_id, false, e) < 0 ||
	    compose_header(out, "X-Relance-Invoice", buf_cstr(&v), false, e) <
	        0 ||
	    compose_header(out, "X-Relance-Step", m->step, false, e) < 0)
		goto out;
	if (m->auto_submitted && compose_header(out, "Auto-Submitted",
	                                        "auto-generated", false, e) < 0)
		goto out;
	rc = compose_header(out, "MIME-Version", "1.0", false, e);
out:
	buf_free(&v);
	return rc;
}

/* The text part's MIME header fields and a blank line into OUT. */
static int
compose_text_headers(struct buf *out, struct err *e)
{
	if (compose_header(out, "Content-Type", "text/plain; charset=utf-8",
	                   false, e) < 0 ||
	    compose_header(out, "Content-Transfer-Encoding", "quoted-printable",
	                   false, e) < 0)
		return -1;
	buf_putc(out, '\n');
	return 0;
}

/* The multipart/mixed body: TEXT, then the attachment A, then the NMORE
 * of MORE. */
static int
compose_mixed(const char *text, const struct compose_attachment *a,
              const struct compose_attachment *more, size_t nmore,
              struct buf *out, struct err *e)
{
	if (compose_header(out, "Content-Type",
	                   "multipart/mixed; boundary=\"" COMPOSE_BOUNDARY "\"",
	                   false, e) < 0)
		return -1;
	buf_puts(out, "\nThis is a multi-part message in MIME format.\n"
	              "\n--" COMPOSE_BOUNDARY "\n");
	if (compose_text_headers(out, e) < 0)
		return -1;
	compose_qp(text, out);
	buf_puts(out, "\n--" COMPOSE_BOUNDARY "\n");
	if (compose_attachment_headers(a, out, e) < 0)
		return -1;
	buf_putc(out, '\n');
	compose_base64(a->data, a->len, out);
	for (size_t i = 0; i < nmore; i++) {
		buf_puts(out, "\n--" COMPOSE_BOUNDARY "\n");
		if (compose_attachment_headers(&more[i], out, e) < 0)
			return -1;
		buf_putc(out, '\n');
		compose_base64(more[i].data, more[i].len, out);
	}
	buf_puts(out, "\n--" COMPOSE_BOUNDARY "--\n");
	return 0;
}

int
compose_message(const struct compose_mail *m, struct buf *out,
                struct strlist *rcpts, struct err *e)
{
	return compose_message_group(m, NULL, out, rcpts, e);
}

int
compose_message_group(const struct compose_mail *m,
                      const struct compose_group *g, struct buf *out,
                      struct strlist *rcpts, struct err *e)
{
	struct buf text = BUF_INIT;
	int rc = -1;

	if (g != NULL && g->nnumbers == 0)
		g = NULL;
	if (compose_check_mail(m, g, e) < 0 ||
	    compose_top(m, g, out, rcpts, e) < 0)
		goto out;
	if (compose_expand(m->tpl, m->tpl->body, m->values, &text, e) < 0)
		goto out;
	if (m->attachment != NULL) {
		if (compose_mixed(buf_cstr(&text), m->attachment,
		                  g ? g->more : NULL, g ? g->nmore : 0, out,
		                  e) < 0)
			goto out;
	} else {
		if (compose_text_headers(out, e) < 0)
			goto out;
		compose_qp(buf_cstr(&text), out);
	}
	rc = 0;
	if (buf_failed(out) || buf_failed(&text)) {
		err_set(e, "no memory");
		rc = -1;
	}
out:
	buf_free(&text);
	return rc;
}

/* ---- a report for the company's own people ---- */

int
compose_report(const struct compose_report *r, struct buf *out, struct err *e)
{
	struct buf v = BUF_INIT;
	int rc = -1;

	if (!compose_msgid_ok(r->message_id)) {
		err_set(e, "Message-ID is malformed, expected <left@right>");
		goto out;
	}
	if (r->to == NULL || r->to->n == 0) {
		err_set(e, "no recipient");
		goto out;
	}
	if (compose_from(r->from, &v, e) < 0 ||
	    compose_header(out, "From", buf_cstr(&v), false, e) < 0)
		goto out;
	buf_reset(&v);
	for (size_t i = 0; i < r->to->n; i++) {
		const char *a = r->to->v[i];

		if (!compose_addr_ok(a, strlen(a))) {
			compose_bad(e, "recipient", a);
			goto out;
		}
		buf_printf(&v, "%s%s", i ? ", " : "", a);
	}
	if (compose_header(out, "To", buf_cstr(&v), false, e) < 0 ||
	    compose_header(out, "Subject", r->subject, true, e) < 0)
		goto out;
	buf_reset(&v);
	if (compose_date_field(r->date, r->zone, &v, e) < 0 ||
	    compose_header(out, "Date", buf_cstr(&v), false, e) < 0 ||
	    compose_header(out, "Message-ID", r->message_id, false, e) < 0 ||
	    compose_header(out, "Auto-Submitted", "auto-generated", false, e) <
	        0 ||
	    compose_header(out, "MIME-Version", "1.0", false, e) < 0 ||
	    compose_text_headers(out, e) < 0)
		goto out;
	compose_qp(r->text, out);
	rc = 0;
	if (buf_failed(out) || buf_failed(&v)) {
		err_set(e, "no memory");
		rc = -1;
	}
out:
	buf_free(&v);
	return rc;
}
