/*
 * ledger.c -- invoices and their indexes in the state file.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

#define KEY_INVOICE "inv:"
#define KEY_TRACKING "trk:"
#define KEY_MESSAGE "mid:"
#define KEY_ADDRESS "adr:"
#define KEY_DAMAGED "damaged:"

/* PREFIX followed by KEY (lower-cased for addresses) into OUT. */
static void
make_key(struct buf *out, const char *prefix, const char *key)
{
	buf_reset(out);
	buf_puts(out, prefix);
	if (strcmp(prefix, KEY_ADDRESS) != 0) {
		buf_puts(out, key);
		return;
	}
	for (; *key != '\0'; key++)
		buf_putc(out, (char)tolower((unsigned char)*key));
}

enum store_rc
ledger_get(struct store *st, const char *number, struct invoice *inv,
	   struct err *e)
{
	struct buf key = BUF_INIT, val = BUF_INIT;
	enum store_rc rc;

	invoice_init(inv);
	make_key(&key, KEY_INVOICE, number);
	rc = store_get(st, buf_cstr(&key), &val, e);
	if (rc == STORE_OK && invoice_decode(val.data, val.len, inv, e) < 0) {
		err_prefix(e, "%s: invoice %s: damaged record (run relance "
			      "fsck)",
			   store_path(st), number);
		rc = STORE_ERR;
	}
	buf_free(&key);
	buf_free(&val);
	return rc;
}

enum store_rc
ledger_lookup(struct store *st, const char *prefix, const char *key,
	      struct buf *out, struct err *e)
{
	struct buf k = BUF_INIT;
	enum store_rc rc;

	make_key(&k, prefix, key);
	rc = store_get(st, buf_cstr(&k), out, e);
	buf_free(&k);
	return rc;
}

static enum store_rc
put_string(struct store *st, const char *prefix, const char *key,
	   const char *val, struct err *e)
{
	struct buf k = BUF_INIT;
	enum store_rc rc;

	make_key(&k, prefix, key);
	rc = store_put(st, buf_cstr(&k), val, strlen(val), e);
	buf_free(&k);
	return rc;
}

/* True when LIST (lines) holds the line ITEM. */
static bool
has_line(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && memcmp(p, item, n) == 0)
			return true;
		p += len + (nl != NULL);
	}
	return false;
}

/* Add the line ITEM to the index entry PREFIX KEY (customers of an
 * address; invoices of a tracking ID or Message-ID). */
static enum store_rc
add_line(struct store *st, const char *prefix, const char *key,
	 const char *item, struct err *e)
{
	struct buf val = BUF_INIT;
	enum store_rc rc;

	rc = ledger_lookup(st, prefix, key, &val, e);
	if (rc == STORE_ERR || (rc == STORE_OK && has_line(val.data, item)))
		goto out;
	if (val.len > 0)
		buf_putc(&val, '\n');
	buf_puts(&val, item);
	rc = put_string(st, prefix, key, buf_cstr(&val), e);
out:
	buf_free(&val);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

static enum store_rc
put_indexes(struct store *st, const struct invoice *inv, struct err *e)
{
	for (size_t i = 0; i < inv->tracking_ids.n; i++)
		if (add_line(st, KEY_TRACKING, inv->tracking_ids.v[i],
			     inv->number, e) != STORE_OK)
			return STORE_ERR;
	for (size_t i = 0; i < inv->message_ids.n; i++)
		if (add_line(st, KEY_MESSAGE, inv->message_ids.v[i],
			     inv->number, e) != STORE_OK)
			return STORE_ERR;
	for (size_t i = 0; i < inv->contacts.n; i++)
		if (add_line(st, KEY_ADDRESS, inv->contacts.v[i],
			     inv->customer, e) != STORE_OK)
			return STORE_ERR;
	return STORE_OK;
}

enum store_rc
ledger_put(struct store *st, const struct invoice *inv, struct err *e)
{
	struct buf rec = BUF_INIT;
	enum store_rc rc = STORE_ERR;

	invoice_encode(inv, &rec);
	if (buf_failed(&rec)) {
		err_set(e, "out of memory");
		goto out;
	}
	if (put_string(st, KEY_INVOICE, inv->number, buf_cstr(&rec), e) !=
	    STORE_OK)
		goto out;
	rc = put_indexes(st, inv, e);
out:
	buf_free(&rec);
	return rc;
}

enum store_rc
ledger_numbers(struct store *st, struct strlist *out, struct err *e)
{
	struct strlist keys = STRLIST_INIT;
	enum store_rc rc;
	size_t skip = strlen(KEY_INVOICE);

	rc = store_keys(st, KEY_INVOICE, &keys, e);
	for (size_t i = 0; rc == STORE_OK && i < keys.n; i++)
		if (strlist_add(out, keys.v[i] + skip) < 0) {
			err_set(e, "out of memory");
			rc = STORE_ERR;
		}
	strlist_clear(&keys);
	return rc;
}

/* What ledger_walk passes through store_walk. */
struct walk {
	struct store *st;
	ledger_walk_fn fn;
	void *arg;
};

static int
walk_one(const char *key, const char *val, size_t len, void *arg)
{
	struct walk *w = arg;
	struct invoice inv;
	struct err e;
	int rc;

	invoice_init(&inv);
	if (invoice_decode(val, len, &inv, &e) < 0) {
		err_prefix(&e,
		           "%s: invoice %s: damaged record (run relance "
		           "fsck)",
		           store_path(w->st), key + strlen(KEY_INVOICE));
		invoice_free(&inv);
		return w->fn(NULL, &e, w->arg);
	}
	rc = w->fn(&inv, NULL, w->arg);
	invoice_free(&inv);
	return rc;
}

int
ledger_walk(struct store *st, size_t batch, ledger_walk_fn fn, void *arg,
            struct err *e)
{
	struct walk w = {st, fn, arg};

	return store_walk(st, KEY_INVOICE, batch, walk_one, &w, e);
}

/*
 * fsck: the expected index, rebuilt from the records, is compared with
 * what the file holds.
 */

struct fsck {
	struct store *st;
	bool repair;
	struct strlist *report;
	unsigned problems;
	struct strlist want_keys; /* expected index keys ... */
	struct strlist want_vals; /* ... and their values, same order */
	struct err *e;
};

static void fsck_note(struct fsck *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fsck_note(struct fsck *f, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	strlist_add(f->report, buf_cstr(&line));
	buf_free(&line);
	f->problems++;
}

/* Expect index entry PREFIX KEY to hold VAL; several invoices (or
 * customers) of one key gather lines. */
static int
fsck_want(struct fsck *f, const char *prefix, const char *key,
	  const char *val)
{
	struct buf k = BUF_INIT;
	long at;
	int rc = -1;

	make_key(&k, prefix, key);
	at = strlist_find(&f->want_keys, buf_cstr(&k));
	if (at < 0) {
		rc = strlist_add(&f->want_keys, buf_cstr(&k)) < 0 ||
			     strlist_add(&f->want_vals, val) < 0
			 ? -1
			 : 0;
	} else {
		struct buf v = BUF_INIT;
		char **slot = &f->want_vals.v[at];

		rc = 0;
		if (!has_line(*slot, val)) {
			buf_printf(&v, "%s\n%s", *slot, val);
			rc = buf_failed(&v) ? -1 : 0;
			if (rc == 0) {
				free(*slot);
				*slot = buf_steal(&v);
			}
		}
		buf_free(&v);
	}
	buf_free(&k);
	return rc;
}

static int
fsck_want_invoice(struct fsck *f, const struct invoice *inv)
{
	for (size_t i = 0; i < inv->tracking_ids.n; i++)
		if (fsck_want(f, KEY_TRACKING, inv->tracking_ids.v[i],
			      inv->number) < 0)
			return -1;
	for (size_t i = 0; i < inv->message_ids.n; i++)
		if (fsck_want(f, KEY_MESSAGE, inv->message_ids.v[i],
			      inv->number) < 0)
			return -1;
	for (size_t i = 0; i < inv->contacts.n; i++)
		if (fsck_want(f, KEY_ADDRESS, inv->contacts.v[i],
			      inv->customer) < 0)
			return -1;
	return 0;
}

/* Move a damaged record aside so that it is kept for a person to read. */
static enum store_rc
fsck_set_aside(struct fsck *f, const char *key)
{
	struct buf val = BUF_INIT, aside = BUF_INIT;
	enum store_rc rc;

	buf_printf(&aside, "%s%s", KEY_DAMAGED, key);
	rc = store_get(f->st, key, &val, f->e);
	if (rc == STORE_OK)
		rc = store_put(f->st, buf_cstr(&aside), val.data ? val.data : "",
			       val.len, f->e);
	if (rc == STORE_OK)
		rc = store_del(f->st, key, f->e);
	buf_free(&val);
	buf_free(&aside);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

static enum store_rc
fsck_records(struct fsck *f)
{
	struct strlist keys = STRLIST_INIT;
	struct buf val = BUF_INIT;
	enum store_rc rc;
	struct err why;

	rc = store_keys(f->st, KEY_INVOICE, &keys, f->e);
	for (size_t i = 0; rc == STORE_OK && i < keys.n; i++) {
		struct invoice inv;
		const char *number = keys.v[i] + strlen(KEY_INVOICE);

		rc = store_get(f->st, keys.v[i], &val, f->e);
		if (rc != STORE_OK)
			break;
		if (invoice_decode(val.data ? val.data : "", val.len, &inv,
				   &why) < 0 ||
		    strcmp(inv.number, number) != 0) {
			if (inv.number != NULL)
				err_set(&why, "record is for invoice %s",
					inv.number);
			fsck_note(f, "%s: damaged record: %s%s", keys.v[i],
				  why.msg, f->repair ? " (set aside)" : "");
			if (f->repair)
				rc = fsck_set_aside(f, keys.v[i]);
			invoice_free(&inv);
			continue;
		}
		if (fsck_want_invoice(f, &inv) < 0) {
			err_set(f->e, "out of memory");
			rc = STORE_ERR;
		}
		invoice_free(&inv);
	}
	buf_free(&val);
	strlist_clear(&keys);
	return rc;
}

/* True when the lines of A and B are the same, in any order. */
static bool
same_lines(const char *a, const char *b)
{
	size_t na = 0, nb = 0;

	for (const char *p = a; *p != '\0'; na++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		bool in = line != NULL && has_line(b, line);

		free(line);
		if (!in)
			return false;
		p += len + (nl != NULL);
	}
	for (const char *p = b; *p != '\0'; nb++) {
		const char *nl = strchr(p, '\n');

		p = nl ? nl + 1 : p + strlen(p);
	}
	return na == nb;
}

/* Compare the file's index entries under PREFIX with the expected ones. */
static enum store_rc
fsck_index(struct fsck *f, const char *prefix)
{
	struct strlist keys = STRLIST_INIT;
	struct buf val = BUF_INIT;
	enum store_rc rc;

	rc = store_keys(f->st, prefix, &keys, f->e);
	for (size_t i = 0; rc == STORE_OK && i < keys.n; i++) {
		long at = strlist_find(&f->want_keys, keys.v[i]);

		rc = store_get(f->st, keys.v[i], &val, f->e);
		if (rc != STORE_OK)
			break;
		if (at < 0) {
			fsck_note(f, "%s points to no invoice%s", keys.v[i],
				  f->repair ? " (removed)" : "");
			if (f->repair)
				rc = store_del(f->st, keys.v[i], f->e);
		} else if (!same_lines(buf_cstr(&val), f->want_vals.v[at])) {
			fsck_note(f, "%s is wrong%s", keys.v[i],
				  f->repair ? " (rebuilt)" : "");
			if (f->repair)
				rc = store_put(f->st, keys.v[i],
					       f->want_vals.v[at],
					       strlen(f->want_vals.v[at]), f->e);
		}
	}
	buf_free(&val);
	strlist_clear(&keys);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/* Add the expected index entries the file lacks. */
static enum store_rc
fsck_missing(struct fsck *f)
{
	struct buf val = BUF_INIT;
	enum store_rc rc = STORE_OK;

	for (size_t i = 0; rc == STORE_OK && i < f->want_keys.n; i++) {
		rc = store_get(f->st, f->want_keys.v[i], &val, f->e);
		if (rc != STORE_NOTFOUND)
			continue;
		fsck_note(f, "%s is missing%s", f->want_keys.v[i],
			  f->repair ? " (rebuilt)" : "");
		rc = STORE_OK;
		if (f->repair)
			rc = store_put(f->st, f->want_keys.v[i],
				       f->want_vals.v[i],
				       strlen(f->want_vals.v[i]), f->e);
	}
	buf_free(&val);
	return rc;
}

enum store_rc
ledger_fsck(struct store *st, bool repair, struct strlist *report,
	    unsigned *problems, struct err *e)
{
	struct fsck f = {st, repair, report, 0, STRLIST_INIT, STRLIST_INIT, e};
	static const char *const prefixes[] = {KEY_TRACKING, KEY_MESSAGE,
					       KEY_ADDRESS};
	enum store_rc rc;

	rc = fsck_records(&f);
	for (size_t i = 0; rc == STORE_OK && i < 3; i++)
		rc = fsck_index(&f, prefixes[i]);
	if (rc == STORE_OK)
		rc = fsck_missing(&f);
	strlist_clear(&f.want_keys);
	strlist_clear(&f.want_vals);
	*problems = f.problems;
	return rc;
}
