/*
 * ledger.c -- invoices and their indexes in the state file.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

#define KEY_INVOICE       "inv:"
#define KEY_TRACKING      "trk:"
#define KEY_MESSAGE       "mid:"
#define KEY_ADDRESS       "adr:"
#define KEY_CUSTOMER      "cus:"
#define KEY_CUSTOMER_DONE "meta:cus-index" /* the cus: index is complete */
#define KEY_DAMAGED       "damaged:"

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
		err_prefix(e,
		           "%s: invoice %s: damaged record (run relance "
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

/* Add the line ITEM to the index entry PREFIX KEY unless it holds it
 * already (customers of an address; invoices of a tracking ID or
 * Message-ID; invoices of a customer). */
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
	if (buf_failed(&val)) {
		err_set(e, "out of memory");
		rc = STORE_ERR;
		goto out;
	}
	rc = put_string(st, prefix, key, buf_cstr(&val), e);
out:
	buf_free(&val);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/*
 * The customer index keeps each customer's numbers in chunks of at most
 * CUS_CHUNK lines, "cus:CUSTOMER", then "cus:CUSTOMER\n1", "\n2"...,
 * so that adding an invoice rewrites one small value: gdbm does not reuse
 * the space of a value that grows, and rewriting a customer's whole list
 * at each new invoice made the file grow with the square of its size.
 */
#define CUS_CHUNK 128

/* The key of chunk I of CUSTOMER's entry into K. */
static void
cus_key(struct buf *k, const char *customer, size_t i)
{
	make_key(k, KEY_CUSTOMER, customer);
	if (i > 0)
		buf_printf(k, "\n%zu", i);
}

static size_t
count_lines(const char *list)
{
	size_t n = *list != '\0';

	for (; *list != '\0'; list++)
		n += *list == '\n';
	return n;
}

/* The non-empty lines of LIST appended to OUT. 0, or -1 on no memory. */
static int
split_lines(const char *list, struct strlist *out)
{
	for (const char *p = list; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > 0 && strlist_addn(out, p, len) < 0)
			return -1;
		p += len + (nl != NULL);
	}
	return 0;
}

/* The numbers CUSTOMER's chunks list, appended to LINES; how many chunks
 * there are (up to the first missing one) into *NCHUNKS. */
static enum store_rc
cus_read(struct store *st, const char *customer, struct strlist *lines,
         size_t *nchunks, struct err *e)
{
	struct buf k = BUF_INIT, v = BUF_INIT;
	enum store_rc rc;
	size_t i = 0;

	for (;; i++) {
		cus_key(&k, customer, i);
		if ((rc = store_get(st, buf_cstr(&k), &v, e)) != STORE_OK)
			break;
		if (buf_failed(&k) || split_lines(buf_cstr(&v), lines) < 0) {
			err_set(e, "out of memory");
			rc = STORE_ERR;
			break;
		}
	}
	*nchunks = i;
	buf_free(&k);
	buf_free(&v);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/* Add NUMBER to CUSTOMER's entry unless it lists it: to its last chunk,
 * or to a new one when the last is full. */
static enum store_rc
cus_add(struct store *st, const char *customer, const char *number,
        struct err *e)
{
	struct buf k = BUF_INIT, v = BUF_INIT, last = BUF_INIT;
	enum store_rc rc;
	size_t i = 0;

	for (;; i++) {
		cus_key(&k, customer, i);
		if ((rc = store_get(st, buf_cstr(&k), &v, e)) != STORE_OK)
			break;
		if (has_line(buf_cstr(&v), number))
			goto out;
		buf_reset(&last);
		buf_puts(&last, buf_cstr(&v));
	}
	if (rc != STORE_NOTFOUND)
		goto out;
	if (i > 0 && count_lines(buf_cstr(&last)) < CUS_CHUNK) {
		cus_key(&k, customer, i - 1);
		buf_putc(&last, '\n');
		buf_puts(&last, number);
	} else {
		cus_key(&k, customer, i);
		buf_reset(&last);
		buf_puts(&last, number);
	}
	if (buf_failed(&k) || buf_failed(&last)) {
		err_set(e, "out of memory");
		rc = STORE_ERR;
		goto out;
	}
	rc = store_put(st, buf_cstr(&k), last.data, last.len, e);
out:
	buf_free(&k);
	buf_free(&v);
	buf_free(&last);
	return rc;
}

/* Write LIST (numbers, one a line) as CUSTOMER's entry, in chunks, and
 * remove the chunks past them up to OLD_NCHUNKS. */
static enum store_rc
cus_write(struct store *st, const char *customer, const char *list,
          size_t old_nchunks, struct err *e)
{
	struct strlist lines = STRLIST_INIT;
	struct buf k = BUF_INIT, v = BUF_INIT;
	enum store_rc rc = STORE_OK;
	size_t i;

	if (split_lines(list, &lines) < 0)
		goto nomem;
	for (i = 0; rc == STORE_OK && i * CUS_CHUNK < lines.n; i++) {
		buf_reset(&v);
		for (size_t j = i * CUS_CHUNK;
		     j < lines.n && j < (i + 1) * CUS_CHUNK; j++) {
			if (j > i * CUS_CHUNK)
				buf_putc(&v, '\n');
			buf_puts(&v, lines.v[j]);
		}
		cus_key(&k, customer, i);
		if (buf_failed(&k) || buf_failed(&v))
			goto nomem;
		rc = store_put(st, buf_cstr(&k), v.data, v.len, e);
	}
	for (; rc == STORE_OK && i < old_nchunks; i++) {
		cus_key(&k, customer, i);
		if (buf_failed(&k))
			goto nomem;
		if ((rc = store_del(st, buf_cstr(&k), e)) == STORE_NOTFOUND)
			rc = STORE_OK;
	}
	goto out;
nomem:
	err_set(e, "out of memory");
	rc = STORE_ERR;
out:
	strlist_clear(&lines);
	buf_free(&k);
	buf_free(&v);
	return rc;
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
		if (add_line(st, KEY_ADDRESS, inv->contacts.v[i], inv->customer,
		             e) != STORE_OK)
			return STORE_ERR;
	return cus_add(st, inv->customer, inv->number, e);
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
 * The customer index: built from (customer, number) pairs, sorted and
 * grouped, so that a pass over N invoices costs N log N, whatever the
 * number of customers.
 */

struct cus_pair {
	char *customer, *number;
};

struct cus_pairs {
	struct cus_pair *v;
	size_t n, cap;
};

static int
cus_pairs_add(struct cus_pairs *p, const char *customer, const char *number)
{
	struct cus_pair *v = p->v, pair;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;

		if ((v = realloc(p->v, cap * sizeof(*v))) == NULL)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	pair.customer = strdup(customer);
	pair.number = strdup(number);
	if (pair.customer == NULL || pair.number == NULL) {
		free(pair.customer);
		free(pair.number);
		return -1;
	}
	p->v[p->n++] = pair;
	return 0;
}

static void
cus_pairs_free(struct cus_pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].customer);
		free(p->v[i].number);
	}
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

static int
cus_pair_cmp(const void *a, const void *b)
{
	const struct cus_pair *x = a, *y = b;
	int c = strcmp(x->customer, y->customer);

	return c != 0 ? c : strcmp(x->number, y->number);
}

/* The (customer, number) of every readable record into P, only those of
 * customer ONLY unless it is NULL. Damaged records are skipped: fsck
 * reports them, ledger_get refuses them. */
static enum store_rc
cus_scan(struct store *st, const char *only, struct cus_pairs *p, struct err *e)
{
	struct strlist keys = STRLIST_INIT;
	struct buf val = BUF_INIT;
	enum store_rc rc;
	struct err why;

	rc = store_keys(st, KEY_INVOICE, &keys, e);
	for (size_t i = 0; rc == STORE_OK && i < keys.n; i++) {
		const char *number = keys.v[i] + strlen(KEY_INVOICE);
		struct invoice inv;

		if ((rc = store_get(st, keys.v[i], &val, e)) != STORE_OK)
			break;
		if (invoice_decode(val.data ? val.data : "", val.len, &inv,
		                   &why) == 0 &&
		    strcmp(inv.number, number) == 0 &&
		    (only == NULL || strcmp(inv.customer, only) == 0) &&
		    cus_pairs_add(p, inv.customer, number) < 0) {
			err_set(e, "out of memory");
			rc = STORE_ERR;
		}
		invoice_free(&inv);
	}
	buf_free(&val);
	strlist_clear(&keys);
	return rc == STORE_NOTFOUND ? STORE_ERR : rc;
}

/* Sort P and group it by customer: CUSTOMERS (sorted) and their VALS
 * (numbers, sorted, one a line). 0, or -1 on no memory. */
static int
cus_group(struct cus_pairs *p, struct strlist *customers, struct strlist *vals)
{
	struct buf v = BUF_INIT;
	int rc = 0;

	if (p->n > 0)
		qsort(p->v, p->n, sizeof(*p->v), cus_pair_cmp);
	for (size_t i = 0; rc == 0 && i < p->n;) {
		size_t j = i;

		buf_reset(&v);
		for (; j < p->n &&
		       strcmp(p->v[j].customer, p->v[i].customer) == 0;
		     j++) {
			if (j > i)
				buf_putc(&v, '\n');
			buf_puts(&v, p->v[j].number);
		}
		if (buf_failed(&v) ||
		    strlist_add(customers, p->v[i].customer) < 0 ||
		    strlist_add(vals, buf_cstr(&v)) < 0)
			rc = -1;
		i = j;
	}
	buf_free(&v);
	return rc;
}

/* The lines of LIST, sorted, one a line, into OUT; with UNIQUE, each
 * once. 0, or -1 on no memory. */
static int
sorted_lines(const char *list, bool unique, struct buf *out)
{
	struct strlist lines = STRLIST_INIT;
	int rc = 0;

	buf_reset(out);
	for (const char *p = list; rc == 0 && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		rc = strlist_addn(&lines, p, len);
		p += len + (nl != NULL);
	}
	strlist_sort(&lines);
	for (size_t i = 0, put = 0; rc == 0 && i < lines.n; i++) {
		if (unique &&
		    (*lines.v[i] == '\0' ||
		     (i > 0 && strcmp(lines.v[i - 1], lines.v[i]) == 0)))
			continue;
		if (put++ > 0)
			buf_putc(out, '\n');
		buf_puts(out, lines.v[i]);
	}
	strlist_clear(&lines);
	return rc < 0 || buf_failed(out) ? -1 : 0;
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
	size_t *slots;            /* want_keys' positions + 1 by hash, 0 free */
	size_t nslots;            /* a power of two, at least 2 x keys */
	struct err *e;
	struct cus_pairs cus; /* (customer, number) of every good record */
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

/* A hash of the string KEY (FNV-1a). */
static size_t
fsck_hash(const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32));
}

/* The slot of KEY in F's table: where it is, or the free one where it
 * goes. */
static size_t
fsck_slot(const struct fsck *f, const char *key)
{
	size_t i = fsck_hash(key) & (f->nslots - 1);

	while (f->slots[i] != 0 &&
	       strcmp(f->want_keys.v[f->slots[i] - 1], key) != 0)
		i = (i + 1) & (f->nslots - 1);
	return i;
}

/* The position of KEY in want_keys, or -1: a hash table, so that fsck
 * stays linear in the number of index entries. */
static long
fsck_find(const struct fsck *f, const char *key)
{
	size_t i;

	if (f->nslots == 0)
		return -1;
	i = fsck_slot(f, key);
	return f->slots[i] != 0 ? (long)(f->slots[i] - 1) : -1;
}

/* Note that want_keys' last string is new, growing the table as needed.
 * 0, or -1 on no memory. */
static int
fsck_indexed(struct fsck *f)
{
	size_t n = f->want_keys.n;

	if (2 * n > f->nslots) {
		size_t cap = f->nslots ? 2 * f->nslots : 1024;
		size_t *old = f->slots, oldn = f->nslots;

		if ((f->slots = calloc(cap, sizeof(*f->slots))) == NULL) {
			f->slots = old;
			return -1;
		}
		f->nslots = cap;
		for (size_t i = 0; i < oldn; i++)
			if (old[i] != 0)
				f->slots[fsck_slot(
				    f, f->want_keys.v[old[i] - 1])] = old[i];
		free(old);
	}
	f->slots[fsck_slot(f, f->want_keys.v[n - 1])] = n;
	return 0;
}

/* Expect index entry PREFIX KEY to hold VAL; several invoices (or
 * customers) of one key gather lines. */
static int
fsck_want(struct fsck *f, const char *prefix, const char *key, const char *val)
{
	struct buf k = BUF_INIT;
	long at;
	int rc = -1;

	make_key(&k, prefix, key);
	at = fsck_find(f, buf_cstr(&k));
	if (at < 0) {
		rc = strlist_add(&f->want_keys, buf_cstr(&k)) < 0 ||
		             strlist_add(&f->want_vals, val) < 0 ||
		             fsck_indexed(f) < 0
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
	return cus_pairs_add(&f->cus, inv->customer, inv->number);
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
		rc = store_put(f->st, buf_cstr(&aside),
		               val.data ? val.data : "", val.len, f->e);
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

/* True when the index value HAVE says what WANT does: the same lines in
 * any order (lists are kept in the order of the writes, not of the
 * records). -1 on no memory. */
static int
fsck_same(const char *prefix, const char *have, const char *want)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	int rc;

	(void)prefix;
	if (sorted_lines(have, false, &a) < 0 ||
	    sorted_lines(want, false, &b) < 0)
		rc = -1;
	else
		rc = strcmp(buf_cstr(&a), buf_cstr(&b)) == 0;
	buf_free(&a);
	buf_free(&b);
	return rc;
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
		long at = fsck_find(f, keys.v[i]);
		int same = 0;

		rc = store_get(f->st, keys.v[i], &val, f->e);
		if (rc != STORE_OK)
			break;
		if (at >= 0 && (same = fsck_same(prefix, buf_cstr(&val),
		                                 f->want_vals.v[at])) < 0) {
			err_set(f->e, "out of memory");
			rc = STORE_ERR;
			break;
		}
		if (at < 0) {
			fsck_note(f, "%s points to no invoice%s", keys.v[i],
			          f->repair ? " (removed)" : "");
			if (f->repair)
				rc = store_del(f->st, keys.v[i], f->e);
		} else if (!same) {
			fsck_note(f, "%s is wrong%s", keys.v[i],
			          f->repair ? " (rebuilt)" : "");
			if (f->repair)
				rc = store_put(
				    f->st, keys.v[i], f->want_vals.v[at],
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

static int
cus_customer_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of LINES, sorted, joined into OUT. */
static void
cus_join(struct strlist *lines, struct buf *out)
{
	strlist_sort(lines);
	buf_reset(out);
	for (size_t i = 0; i < lines->n; i++) {
		if (i > 0)
			buf_putc(out, '\n');
		buf_puts(out, lines->v[i]);
	}
}

/* Whether the cus: key KEY is one of the expected CUSTOMERS' chunks (VALS
 * says how many each has). -1 on no memory. */
static int
cus_key_wanted(const char *key, const struct strlist *customers,
               const struct strlist *vals)
{
	const char *name = key + strlen(KEY_CUSTOMER);
	const char *nl = strchr(name, '\n');
	char *customer = strndup(name, nl ? (size_t)(nl - name) : strlen(name));
	char *const *at;
	unsigned long i = 0;
	char *end = NULL;

	if (customer == NULL)
		return -1;
	at = customers->n == 0
	         ? NULL
	         : bsearch(&customer, customers->v, customers->n,
	                   sizeof(*customers->v), cus_customer_cmp);
	free(customer);
	if (at == NULL)
		return 0;
	if (nl != NULL) {
		i = strtoul(nl + 1, &end, 10);
		if (i == 0 || *end != '\0' || !isdigit((unsigned char)nl[1]))
			return 0;
	}
	return i * CUS_CHUNK < count_lines(vals->v[at - customers->v]);
}

/*
 * Make the file's cus: entries those of the pairs P (sorted here): write
 * the missing and wrong ones, remove those of no customer. With F, each
 * difference is reported, and fixed only when F->repair; without F, all
 * are fixed silently. A stored list in another order is not wrong.
 */
static enum store_rc
cus_sync(struct store *st, struct cus_pairs *p, struct fsck *f, struct err *e)
{
	struct strlist customers = STRLIST_INIT, vals = STRLIST_INIT,
	               lines = STRLIST_INIT, keys = STRLIST_INIT;
	struct buf have = BUF_INIT, shown = BUF_INIT;
	bool fix = f == NULL || f->repair;
	enum store_rc rc = STORE_OK;
	size_t nchunks;
	int wanted;

	if (cus_group(p, &customers, &vals) < 0)
		goto nomem;
	for (size_t i = 0; rc == STORE_OK && i < customers.n; i++) {
		strlist_clear(&lines);
		rc = cus_read(st, customers.v[i], &lines, &nchunks, e);
		if (rc != STORE_OK)
			break;
		cus_join(&lines, &have);
		if (buf_failed(&have))
			goto nomem;
		if (nchunks > 0 && strcmp(buf_cstr(&have), vals.v[i]) == 0)
			continue;
		if (f != NULL)
			fsck_note(f, "%s%s is %s%s", KEY_CUSTOMER,
			          customers.v[i], nchunks ? "wrong" : "missing",
			          fix ? " (rebuilt)" : "");
		if (fix)
			rc = cus_write(st, customers.v[i], vals.v[i], nchunks,
			               e);
	}
	if (rc == STORE_OK)
		rc = store_keys(st, KEY_CUSTOMER, &keys, e);
	for (size_t i = 0; rc == STORE_OK && i < keys.n; i++) {
		if ((wanted = cus_key_wanted(keys.v[i], &customers, &vals)) < 0)
			goto nomem;
		if (wanted)
			continue;
		buf_reset(&shown);
		for (const char *c = keys.v[i]; *c != '\0'; c++)
			if (*c == '\n')
				buf_puts(&shown, " part ");
			else
				buf_putc(&shown, *c);
		if (f != NULL)
			fsck_note(f, "%s points to no invoice%s",
			          buf_cstr(&shown), fix ? " (removed)" : "");
		if (fix)
			rc = store_del(st, keys.v[i], e);
	}
	goto out;
nomem:
	err_set(e, "out of memory");
	rc = STORE_ERR;
out:
	strlist_clear(&customers);
	strlist_clear(&vals);
	strlist_clear(&lines);
	strlist_clear(&keys);
	buf_free(&have);
	buf_free(&shown);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/*
 * Add the numbers of the pairs P (sorted here) to the file's cus: entries,
 * keeping what they list already: an invoice whose record is damaged stays
 * listed, so that its customer's readers meet the damage (and say so)
 * rather than miss the invoice. Only fsck makes the entries exact.
 */
static enum store_rc
cus_merge(struct store *st, struct cus_pairs *p, struct err *e)
{
	struct strlist customers = STRLIST_INIT, vals = STRLIST_INIT,
	               lines = STRLIST_INIT;
	struct buf have = BUF_INIT, both = BUF_INIT, old = BUF_INIT,
	           merged = BUF_INIT;
	enum store_rc rc = STORE_OK;
	size_t nchunks;

	if (cus_group(p, &customers, &vals) < 0)
		goto nomem;
	for (size_t i = 0; rc == STORE_OK && i < customers.n; i++) {
		strlist_clear(&lines);
		rc = cus_read(st, customers.v[i], &lines, &nchunks, e);
		if (rc != STORE_OK)
			break;
		cus_join(&lines, &have);
		buf_reset(&both);
		buf_printf(&both, "%s\n%s", buf_cstr(&have), vals.v[i]);
		if (buf_failed(&have) || buf_failed(&both) ||
		    sorted_lines(buf_cstr(&have), true, &old) < 0 ||
		    sorted_lines(buf_cstr(&both), true, &merged) < 0)
			goto nomem;
		if (nchunks == 0 || strcmp(buf_cstr(&old), buf_cstr(&merged)))
			rc = cus_write(st, customers.v[i], buf_cstr(&merged),
			               nchunks, e);
	}
	goto out;
nomem:
	err_set(e, "out of memory");
	rc = STORE_ERR;
out:
	strlist_clear(&customers);
	strlist_clear(&vals);
	strlist_clear(&lines);
	buf_free(&have);
	buf_free(&both);
	buf_free(&old);
	buf_free(&merged);
	return rc;
}

/* Set the marker that says the cus: index is complete. */
static enum store_rc
cus_done(struct store *st, struct err *e)
{
	return store_put(st, KEY_CUSTOMER_DONE, "1", 1, e);
}

/* The customer index: checked when complete, built (with REPAIR) when it
 * never was. */
static enum store_rc
fsck_customers(struct fsck *f)
{
	struct buf val = BUF_INIT;
	enum store_rc rc;

	rc = store_get(f->st, KEY_CUSTOMER_DONE, &val, f->e);
	buf_free(&val);
	if (rc == STORE_OK)
		return cus_sync(f->st, &f->cus, f, f->e);
	if (rc != STORE_NOTFOUND)
		return rc;
	if (strlist_add(f->report,
	                f->repair
	                    ? "customer index (cus:) built"
	                    : "customer index (cus:) not built yet (fsck, "
	                      "import or the first staff contact builds "
	                      "it)") < 0) {
		err_set(f->e, "out of memory");
		return STORE_ERR;
	}
	if (!f->repair)
		return STORE_OK;
	rc = cus_sync(f->st, &f->cus, NULL, f->e);
	return rc == STORE_OK ? cus_done(f->st, f->e) : rc;
}

enum store_rc
ledger_fsck(struct store *st, bool repair, struct strlist *report,
            unsigned *problems, struct err *e)
{
	struct fsck f = {st,           repair, report, 0, STRLIST_INIT,
	                 STRLIST_INIT, NULL,   0,      e, {NULL, 0, 0}};
	static const char *const prefixes[] = {KEY_TRACKING, KEY_MESSAGE,
	                                       KEY_ADDRESS};
	enum store_rc rc;

	rc = fsck_records(&f);
	for (size_t i = 0; rc == STORE_OK && i < 3; i++)
		rc = fsck_index(&f, prefixes[i]);
	if (rc == STORE_OK)
		rc = fsck_missing(&f);
	if (rc == STORE_OK)
		rc = fsck_customers(&f);
	strlist_clear(&f.want_keys);
	strlist_clear(&f.want_vals);
	free(f.slots);
	cus_pairs_free(&f.cus);
	*problems = f.problems;
	return rc;
}

enum store_rc
ledger_customer_index(struct store *st, bool *built, struct err *e)
{
	struct cus_pairs pairs = {NULL, 0, 0};
	struct buf val = BUF_INIT;
	enum store_rc rc;

	if (built != NULL)
		*built = false;
	rc = store_get(st, KEY_CUSTOMER_DONE, &val, e);
	buf_free(&val);
	if (rc != STORE_NOTFOUND)
		return rc;
	rc = cus_scan(st, NULL, &pairs, e);
	if (rc == STORE_OK)
		rc = cus_merge(st, &pairs, e);
	if (rc == STORE_OK)
		rc = cus_done(st, e);
	if (rc == STORE_OK && built != NULL)
		*built = true;
	cus_pairs_free(&pairs);
	return rc;
}

enum store_rc
ledger_customer_numbers(struct store *st, const char *customer,
                        struct strlist *out, struct err *e)
{
	struct cus_pairs pairs = {NULL, 0, 0};
	struct strlist found = STRLIST_INIT;
	struct buf val = BUF_INIT;
	enum store_rc rc;

	rc = store_get(st, KEY_CUSTOMER_DONE, &val, e);
	if (rc == STORE_OK) {
		size_t nchunks;

		rc = cus_read(st, customer, &found, &nchunks, e);
	} else if (rc == STORE_NOTFOUND) {
		rc = cus_scan(st, customer, &pairs, e);
		for (size_t i = 0; rc == STORE_OK && i < pairs.n; i++)
			if (strlist_add(&found, pairs.v[i].number) < 0)
				goto nomem;
	}
	strlist_sort(&found);
	for (size_t i = 0; rc == STORE_OK && i < found.n; i++)
		if (strlist_add(out, found.v[i]) < 0)
			goto nomem;
	goto out;
nomem:
	err_set(e, "out of memory");
	rc = STORE_ERR;
out:
	cus_pairs_free(&pairs);
	strlist_clear(&found);
	buf_free(&val);
	return rc == STORE_NOTFOUND ? STORE_OK : rc;
}
