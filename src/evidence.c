/*
 * evidence.c -- the archive's names and notes, and the evidence file's
 * manifest and index. Pure.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "evidence.h"
#include "task.h"

#define NOTE_HEAD "; archived as "
#define NOTE_HASH ", SHA-256 "

void
evidence_archive_name(int64_t time, const char *qid, const char *way,
                      unsigned n, struct buf *out)
{
	time_t t = (time_t)time;
	struct tm tm;
	char stamp[32] = "00000000T000000Z";

	if (gmtime_r(&t, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	buf_printf(out, "%s-", stamp);
	if (qid == NULL || *qid == '\0')
		qid = "NOQUEUE";
	for (size_t i = 0; qid[i] != '\0' && i < EVIDENCE_MAX_QID; i++) {
		char c = qid[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9');

		buf_putc(out, ok ? c : '_');
	}
	buf_printf(out, "-%s", way);
	if (n > 0)
		buf_printf(out, "-%u", n);
	buf_puts(out, ".eml");
}

bool
evidence_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len < 5 || len > 128 || name[0] == '.' ||
	    strcmp(name + len - 4, ".eml") != 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

void
evidence_note(const char *name, const char *hex, struct buf *out)
{
	buf_printf(out, NOTE_HEAD "%s" NOTE_HASH "%s", name, hex);
}

static bool
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

bool
evidence_find_note(const char *detail, struct buf *name, char hex[SHA256_HEX])
{
	size_t len = strlen(detail), tail = strlen(NOTE_HASH) + 64;
	const char *h, *head = NULL, *p;

	if (len < tail)
		return false;
	h = detail + len - tail;
	if (strncmp(h, NOTE_HASH, strlen(NOTE_HASH)) != 0 ||
	    !is_hex(h + strlen(NOTE_HASH), 64))
		return false;
	for (p = detail; (p = strstr(p, NOTE_HEAD)) != NULL && p < h; p++)
		head = p; /* the last one before the hash */
	if (head == NULL)
		return false;
	buf_reset(name);
	buf_append(name, head + strlen(NOTE_HEAD),
	           (size_t)(h - head - strlen(NOTE_HEAD)));
	if (buf_failed(name) || !evidence_name_ok(buf_cstr(name)))
		return false;
	memcpy(hex, h + strlen(NOTE_HASH), 64);
	hex[64] = '\0';
	return true;
}

/* Index in NAMES of the INDEXth field named NAME (from 1), or -1. */
static long
nth_field(const struct strlist *names, const char *name, int index)
{
	int seen = 0;

	for (size_t i = 0; i < names->n; i++)
		if (names->v[i] != NULL && strcasecmp(names->v[i], name) == 0 &&
		    ++seen == index)
			return (long)i;
	return -1;
}

int
evidence_message(const struct strlist *names, const struct strlist *values,
                 const struct outgoing_plan *plan, const void *body, size_t len,
                 struct buf *out)
{
	struct strlist n = STRLIST_INIT, v = STRLIST_INIT;
	int rc = -1;

	for (size_t i = 0; i < names->n; i++)
		if (strlist_add(&n, names->v[i]) < 0 ||
		    strlist_add(&v, values->v[i]) < 0)
			goto out;
	for (size_t i = 0; plan != NULL && i < plan->n; i++) {
		const struct outgoing_change *ch = &plan->v[i];
		long at = ch->op == OUTGOING_ADD
		              ? -1
		              : nth_field(&n, ch->name, ch->index);

		if (ch->op == OUTGOING_DELETE ||
		    (ch->op == OUTGOING_CHANGE && ch->value == NULL)) {
			if (at >= 0) { /* NULL: dropped when written */
				free(n.v[at]);
				n.v[at] = NULL;
			}
		} else if (at >= 0) {
			char *s = strdup(ch->value);

			if (s == NULL)
				goto out;
			free(v.v[at]);
			v.v[at] = s;
		} else if (strlist_add(&n, ch->name) < 0 ||
		           strlist_add(&v, ch->value) < 0) {
			goto out;
		}
	}
	for (size_t i = 0; i < n.n; i++) {
		if (n.v[i] == NULL)
			continue;
		buf_printf(out, "%s: ", n.v[i]);
		for (const char *p = v.v[i]; *p; p++) {
			if (*p == '\n' && (p == v.v[i] || p[-1] != '\r'))
				buf_putc(out, '\r');
			buf_putc(out, *p);
		}
		buf_puts(out, "\r\n");
	}
	buf_puts(out, "\r\n");
	buf_append(out, body != NULL ? body : "", len);
	rc = buf_failed(out) ? -1 : 0;
out:
	/* strlist_clear frees what it holds; a NULL slot is fine to free */
	strlist_clear(&n);
	strlist_clear(&v);
	return rc;
}

void
evidence_time(int64_t t, struct buf *out)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[40];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(s, sizeof(s), "@%" PRId64, t);
	buf_puts(out, s);
}

/* The last path component of PATH. */
static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* A file name of FOLDER/NAME not yet used in DOCS, appended to OUT:
 * NAME, or NAME with "-N" before its extension. Unsafe bytes become
 * '_'. */
static void
unique_file(const struct evidence_docs *docs, const char *folder,
            const char *name, struct buf *out)
{
	struct buf clean = BUF_INIT;
	const char *dot;
	size_t stem;

	for (const char *p = name; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		          (c == '.' && p != name);

		buf_putc(&clean, ok ? c : '_');
	}
	if (clean.len == 0)
		buf_puts(&clean, "document");
	dot = strrchr(buf_cstr(&clean), '.');
	stem = dot != NULL ? (size_t)(dot - clean.data) : clean.len;
	for (unsigned n = 0;; n++) {
		bool taken = false;

		buf_reset(out);
		buf_printf(out, "%s/%.*s", folder, (int)stem, buf_cstr(&clean));
		if (n > 0)
			buf_printf(out, "-%u", n);
		buf_puts(out, buf_cstr(&clean) + stem);
		for (size_t i = 0; i < docs->n && !taken; i++)
			taken = strcmp(docs->v[i].file, buf_cstr(out)) == 0;
		if (!taken || buf_failed(out))
			break;
	}
	buf_free(&clean);
}

static int
add_doc(struct evidence_docs *docs, enum evidence_kind kind, const char *source,
        const char *folder, const char *name, const char *what, int64_t time,
        const char *recorded)
{
	struct evidence_doc *v, *d;
	struct buf file = BUF_INIT;

	v = realloc(docs->v, (docs->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	docs->v = v;
	unique_file(docs, folder, name, &file);
	d = &v[docs->n];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->time = time;
	snprintf(d->recorded, sizeof(d->recorded), "%s",
	         recorded ? recorded : "");
	d->source = strdup(source);
	d->what = strdup(what);
	d->file = buf_steal(&file);
	if (d->source == NULL || d->what == NULL || d->file == NULL) {
		free(d->source);
		free(d->what);
		free(d->file);
		return -1;
	}
	docs->n++;
	return 0;
}

/* The letter of the "letter" event EV ("STEP PATH", and since relance
 * run records it "; SHA-256 HEX"), added to DOCS with its hash when
 * recorded; NAME is scratch. */
static int
add_letter(struct evidence_docs *docs, const struct invoice_event *ev,
           const char *what, struct buf *name)
{
	static const char mark[] = "; SHA-256 ";
	const char *path = strchr(ev->detail, ' '), *h;
	char hex[SHA256_HEX];
	bool hashed = false;
	size_t len;

	if (path == NULL || path[1] != '/')
		return 0;
	path++;
	h = strstr(path, mark);
	len = h != NULL ? (size_t)(h - path) : strlen(path);
	if (h != NULL && strlen(h + sizeof(mark) - 1) == SHA256_HEX - 1 &&
	    strspn(h + sizeof(mark) - 1, "0123456789abcdef") ==
	        SHA256_HEX - 1) {
		memcpy(hex, h + sizeof(mark) - 1, SHA256_HEX);
		hashed = true;
	}
	buf_reset(name);
	buf_append(name, path, len);
	if (buf_failed(name))
		return -1;
	return add_doc(docs, EVIDENCE_LETTER, buf_cstr(name), "letters",
	               base_name(buf_cstr(name)), what, ev->time,
	               hashed ? hex : NULL);
}

int
evidence_collect(const struct invoice *inv, struct evidence_docs *docs)
{
	struct buf name = BUF_INIT, what = BUF_INIT;
	char hex[SHA256_HEX];
	int rc = 0;

	docs->v = NULL;
	docs->n = 0;
	if (inv->pdf != NULL && *inv->pdf != '\0')
		rc = add_doc(docs, EVIDENCE_INVOICE, inv->pdf, "invoice",
		             base_name(inv->pdf), "the invoice", 0, NULL);
	for (size_t i = 0; rc == 0 && i < inv->nevents; i++) {
		const struct invoice_event *ev = &inv->events[i];

		buf_reset(&what);
		buf_printf(&what, "%s ", ev->kind);
		evidence_time(ev->time, &what);
		if (evidence_find_note(ev->detail, &name, hex)) {
			rc = add_doc(docs, EVIDENCE_MAIL, buf_cstr(&name),
			             "mail", buf_cstr(&name), buf_cstr(&what),
			             ev->time, hex);
		} else if (strcmp(ev->kind, "letter") == 0) {
			rc = add_letter(docs, ev, buf_cstr(&what), &name);
		}
		if (buf_failed(&what))
			rc = -1;
	}
	buf_free(&name);
	buf_free(&what);
	return rc;
}

void
evidence_docs_free(struct evidence_docs *docs)
{
	for (size_t i = 0; i < docs->n; i++) {
		free(docs->v[i].source);
		free(docs->v[i].file);
		free(docs->v[i].what);
		free(docs->v[i].problem);
	}
	free(docs->v);
	docs->v = NULL;
	docs->n = 0;
}

static int
by_file(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x + 66, *y + 66);
}

void
evidence_manifest(const struct evidence_docs *docs, const struct strlist *extra,
                  const struct strlist *extra_hex, struct buf *out)
{
	struct strlist lines = STRLIST_INIT;
	struct buf l = BUF_INIT;

	for (size_t i = 0; i < docs->n; i++) {
		if (docs->v[i].hex[0] == '\0')
			continue;
		buf_reset(&l);
		buf_printf(&l, "%s  %s", docs->v[i].hex, docs->v[i].file);
		strlist_add(&lines, buf_cstr(&l));
	}
	for (size_t i = 0; extra != NULL && i < extra->n; i++) {
		buf_reset(&l);
		buf_printf(&l, "%s  %s", extra_hex->v[i], extra->v[i]);
		strlist_add(&lines, buf_cstr(&l));
	}
	if (lines.n > 0)
		qsort(lines.v, lines.n, sizeof(*lines.v), by_file);
	for (size_t i = 0; i < lines.n; i++)
		buf_printf(out, "%s\n", lines.v[i]);
	strlist_clear(&lines);
	buf_free(&l);
}

/* S with control characters as spaces, appended to OUT. */
static void
one_line(const char *s, struct buf *out)
{
	for (; s != NULL && *s; s++)
		buf_putc(out,
		         (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

void
evidence_timeline_line(const struct invoice_event *ev, struct buf *out)
{
	evidence_time(ev->time, out);
	buf_puts(out, "  ");
	one_line(ev->kind, out);
	buf_puts(out, "  ");
	one_line(ev->actor, out);
	buf_puts(out, ": ");
	one_line(ev->detail, out);
}

/* The facts of INV as label/value pairs into L (label, value, ...). */
static int
facts(const struct invoice *inv, struct strlist *l)
{
	char a[32], d[11];
	struct buf v = BUF_INIT;
	int rc = 0;

#define FACT(label, value)                                                     \
	do {                                                                   \
		if (strlist_add(l, label) < 0 || strlist_add(l, value) < 0)    \
			rc = -1;                                               \
	} while (0)

	FACT("Invoice", inv->number ? inv->number : "");
	buf_printf(&v, "%s (%s)", inv->customer_name ? inv->customer_name : "",
	           inv->customer ? inv->customer : "");
	FACT("Customer", buf_cstr(&v));
	if (inv->postal_address != NULL)
		FACT("Postal address", inv->postal_address);
	buf_reset(&v);
	for (size_t i = 0; i < inv->contacts.n; i++)
		buf_printf(&v, "%s%s", i ? ", " : "", inv->contacts.v[i]);
	FACT("Contacts", buf_cstr(&v));
	date_format(inv->issue_date, d);
	FACT("Issued", d);
	date_format(inv->due_date, d);
	FACT("Due", d);
	buf_reset(&v);
	invoice_format_amount(inv, inv->amount_original, a, sizeof(a));
	buf_printf(&v, "%s %s", a, inv->currency);
	FACT("Amount invoiced", buf_cstr(&v));
	buf_reset(&v);
	invoice_format_amount(inv, inv->amount_due, a, sizeof(a));
	buf_printf(&v, "%s %s", a, inv->currency);
	FACT("Amount due", buf_cstr(&v));
	buf_reset(&v);
	buf_puts(&v, invoice_state_name(inv->state));
	if (inv->dispute_reason != NULL)
		buf_printf(&v, ": %s", inv->dispute_reason);
	FACT("State", buf_cstr(&v));
	buf_reset(&v);
	for (size_t i = 0; i < inv->tracking_ids.n; i++)
		buf_printf(&v, "%s%s", i ? ", " : "", inv->tracking_ids.v[i]);
	FACT("Tracking IDs", buf_cstr(&v));
#undef FACT
	if (buf_failed(&v))
		rc = -1;
	buf_free(&v);
	return rc;
}

/* One line about document D: "FILE  SHA-256 HEX  WHAT[  PROBLEM]". */
static void
doc_line(const struct evidence_doc *d, struct buf *out)
{
	buf_printf(out, "%s  SHA-256 %s  %s", d->file,
	           d->hex[0] ? d->hex : "(none)", d->what);
	if (d->recorded[0] != '\0' && d->problem == NULL)
		buf_puts(out, "  (matches the hash recorded when it passed)");
	if (d->problem != NULL)
		buf_printf(out, "  PROBLEM: %s", d->problem);
}

/* The task lines of INV: "ID  open|done  WHAT". */
static void
task_lines(const struct invoice *inv, struct strlist *out)
{
	struct task t;
	size_t pos = 0;
	struct buf l = BUF_INIT;

	while (task_next(inv, &pos, &t)) {
		buf_reset(&l);
		task_format_id(inv->number, t.seq, &l);
		buf_printf(&l, "  %s  ", t.done ? "done" : "open");
		task_what(t.ev, &l);
		strlist_add(out, buf_cstr(&l));
	}
	buf_free(&l);
}

static void
html_text(const char *s, struct buf *out)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<':
			buf_puts(out, "&lt;");
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		case '&':
			buf_puts(out, "&amp;");
			break;
		case '"':
			buf_puts(out, "&quot;");
			break;
		case '\n':
			buf_puts(out, "<br>");
			break;
		default:
			buf_putc(out, (unsigned char)*s < 0x20 ? ' ' : *s);
		}
	}
}

void
evidence_html(const struct invoice *inv, const struct evidence_docs *docs,
              int64_t now, struct buf *out)
{
	struct strlist f = STRLIST_INIT, tasks = STRLIST_INIT;
	struct buf t = BUF_INIT;

	facts(inv, &f);
	task_lines(inv, &tasks);
	buf_puts(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	              "<title>Evidence file: invoice ");
	html_text(inv->number, out);
	buf_puts(out, "</title>\n<style>body{font-family:serif;margin:2em}"
	              "table{border-collapse:collapse}td,th{border:1px solid "
	              "#999;padding:2px 6px;vertical-align:top;text-align:"
	              "left}code{font-size:90%}.bad{color:#b00;font-weight:"
	              "bold}</style></head>\n<body>\n<h1>Evidence file: "
	              "invoice ");
	html_text(inv->number, out);
	buf_puts(out, "</h1>\n<p>Made by relance on ");
	evidence_time(now, out);
	buf_puts(out, ". Every document is listed with its SHA-256 in "
	              "<code>" EVIDENCE_MANIFEST "</code>.</p>\n"
	              "<h2>Invoice</h2>\n<table>\n");
	for (size_t i = 0; i + 1 < f.n; i += 2) {
		buf_puts(out, "<tr><th>");
		html_text(f.v[i], out);
		buf_puts(out, "</th><td>");
		html_text(f.v[i + 1], out);
		buf_puts(out, "</td></tr>\n");
	}
	buf_puts(out,
	         "</table>\n<h2>Documents</h2>\n<table>\n<tr><th>File"
	         "</th><th>What</th><th>SHA-256</th><th>Check</th></tr>\n");
	for (size_t i = 0; i < docs->n; i++) {
		const struct evidence_doc *d = &docs->v[i];

		buf_puts(out, "<tr><td>");
		if (d->hex[0]) {
			buf_puts(out, "<a href=\"");
			html_text(d->file, out);
			buf_puts(out, "\">");
		}
		html_text(d->file, out);
		buf_puts(out, d->hex[0] ? "</a></td><td>" : "</td><td>");
		html_text(d->what, out);
		buf_puts(out, "</td><td><code>");
		html_text(d->hex[0] ? d->hex : "(none)", out);
		buf_puts(out, "</code></td><td");
		if (d->problem != NULL) {
			buf_puts(out, " class=\"bad\">");
			html_text(d->problem, out);
		} else {
			buf_puts(out, ">");
			buf_puts(out, d->recorded[0]
			                  ? "matches the hash recorded when it "
			                    "passed"
			                  : "no hash recorded at the time");
		}
		buf_puts(out, "</td></tr>\n");
	}
	buf_puts(out, "</table>\n<h2>Tasks</h2>\n");
	if (tasks.n == 0)
		buf_puts(out, "<p>None.</p>\n");
	else
		buf_puts(out, "<ul>\n");
	for (size_t i = 0; i < tasks.n; i++) {
		buf_puts(out, "<li>");
		html_text(tasks.v[i], out);
		buf_puts(out, "</li>\n");
	}
	if (tasks.n > 0)
		buf_puts(out, "</ul>\n");
	buf_puts(out, "<h2>Timeline</h2>\n<table>\n<tr><th>When (UTC)</th>"
	              "<th>What</th><th>Who</th><th>Detail</th></tr>\n");
	for (size_t i = 0; i < inv->nevents; i++) {
		const struct invoice_event *ev = &inv->events[i];

		buf_reset(&t);
		evidence_time(ev->time, &t);
		buf_puts(out, "<tr><td>");
		html_text(buf_cstr(&t), out);
		buf_puts(out, "</td><td>");
		html_text(ev->kind, out);
		buf_puts(out, "</td><td>");
		html_text(ev->actor, out);
		buf_puts(out, "</td><td>");
		html_text(ev->detail, out);
		buf_puts(out, "</td></tr>\n");
	}
	buf_puts(out, "</table>\n</body></html>\n");
	strlist_clear(&f);
	strlist_clear(&tasks);
	buf_free(&t);
}

int
evidence_index_paragraphs(const struct invoice *inv,
                          const struct evidence_docs *docs, int64_t now,
                          struct strlist *out)
{
	struct strlist f = STRLIST_INIT, tasks = STRLIST_INIT;
	struct buf p = BUF_INIT;
	int rc = 0;

	if (facts(inv, &f) < 0)
		rc = -1;
	task_lines(inv, &tasks);
	buf_puts(&p, "Made by relance on ");
	evidence_time(now, &p);
	buf_puts(
	    &p,
	    ". Every document is listed with its SHA-256 in " EVIDENCE_MANIFEST
	    ".");
	rc |= strlist_add(out, buf_cstr(&p));
	buf_reset(&p);
	for (size_t i = 0; i + 1 < f.n; i += 2) {
		buf_printf(&p, "%s%s: ", i ? "\n" : "", f.v[i]);
		one_line(f.v[i + 1], &p);
	}
	rc |= strlist_add(out, buf_cstr(&p));
	rc |= strlist_add(out, "Documents");
	for (size_t i = 0; i < docs->n; i++) {
		buf_reset(&p);
		buf_puts(&p, "- ");
		doc_line(&docs->v[i], &p);
		rc |= strlist_add(out, buf_cstr(&p));
	}
	if (docs->n == 0)
		rc |= strlist_add(out, "None.");
	rc |= strlist_add(out, "Tasks");
	for (size_t i = 0; i < tasks.n; i++) {
		buf_reset(&p);
		buf_printf(&p, "- %s", tasks.v[i]);
		rc |= strlist_add(out, buf_cstr(&p));
	}
	if (tasks.n == 0)
		rc |= strlist_add(out, "None.");
	rc |= strlist_add(out, "Timeline");
	for (size_t i = 0; i < inv->nevents; i++) {
		buf_reset(&p);
		buf_puts(&p, "- ");
		evidence_timeline_line(&inv->events[i], &p);
		rc |= strlist_add(out, buf_cstr(&p));
	}
	if (buf_failed(&p))
		rc = -1;
	strlist_clear(&f);
	strlist_clear(&tasks);
	buf_free(&p);
	return rc < 0 ? -1 : 0;
}
