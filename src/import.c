/*
 * import.c -- invoices from an accounting export (CSV) into records.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "import.h"
#include "money.h"
#include "text.h"

enum column {
	COL_INVOICE,
	COL_CUSTOMER,
	COL_NAME,
	COL_EMAIL,
	COL_AMOUNT,
	COL_ORIGINAL,
	COL_CURRENCY,
	COL_ISSUE,
	COL_DUE,
	COL_PROFILE,
	COL_LANG,
	COL_PDF,
	COL_ADDRESS,
	COL_POSTCODE,
	COL_CITY,
	COL_COUNT
};

struct column_def {
	const char *what;	 /* for messages */
	bool required;
	const char *aliases[12]; /* normalised: lower case, no accents, '_' */
};

static const struct column_def columns[COL_COUNT] = {
    [COL_INVOICE] = {"invoice number", true,
		     {"invoice", "invoice_number", "invoice_no", "numero",
		      "numero_facture", "facture", "n_facture", "no_facture",
		      "num_facture", "piece", "ref_facture"}},
    [COL_CUSTOMER] = {"customer id", true,
		      {"customer", "customer_id", "customer_code", "client",
		       "code_client", "client_id", "id_client", "compte",
		       "compte_client", "account"}},
    [COL_NAME] = {"customer name", false,
		  {"customer_name", "name", "nom", "nom_client", "raison_sociale",
		   "client_name", "company", "societe", "denomination"}},
    [COL_EMAIL] = {"e-mail address", true,
		   {"email", "e_mail", "emails", "mail", "courriel", "courriels",
		    "adresse_email", "adresse_mail", "contact", "contact_email"}},
    [COL_AMOUNT] = {"amount due", true,
		    {"amount", "amount_due", "montant", "montant_du", "du",
		     "reste_a_payer", "solde", "balance", "open_amount",
		     "montant_restant"}},
    [COL_ORIGINAL] = {"original amount", false,
		      {"original_amount", "amount_original", "total",
		       "total_ttc", "montant_ttc", "montant_initial",
		       "montant_facture", "invoice_amount"}},
    [COL_CURRENCY] = {"currency", false, {"currency", "devise", "monnaie"}},
    [COL_ISSUE] = {"issue date", true,
		   {"issue_date", "date", "invoice_date", "date_facture",
		    "date_emission", "date_d_emission", "issued"}},
    [COL_DUE] = {"due date", true,
		 {"due_date", "echeance", "date_echeance", "date_d_echeance",
		  "due", "date_limite", "payment_due"}},
    [COL_PROFILE] = {"payer profile", false,
		     {"profile", "profil", "payer_profile", "profil_payeur"}},
    [COL_LANG] = {"language", false, {"language", "langue", "lang"}},
    [COL_PDF] = {"invoice PDF", false,
		 {"pdf", "fichier", "file", "pdf_path", "chemin", "document"}},
    [COL_ADDRESS] = {"postal address", false,
		     {"address", "postal_address", "billing_address",
		      "street_address", "adresse", "adresse_postale",
		      "adresse_client", "adresse_facturation",
		      "adresse_de_facturation", "rue"}},
    [COL_POSTCODE] = {"postcode", false,
		      {"postcode", "postal_code", "zip", "zip_code",
		       "code_postal", "cp"}},
    [COL_CITY] = {"city", false, {"city", "town", "ville", "commune"}},
};

/* Everything one import needs while it reads rows. */
struct importer {
	const char *name;
	const struct import_opts *opts;
	int col[COL_COUNT];	/* field index, -1 when absent */
	struct strlist headers; /* header cells as written */
	struct import_result *out;
	bool keep;	    /* keep the invoices in OUT (import_parse) */
	import_fn fn;	    /* else, when not NULL: hand each one to FN */
	void *arg;
	bool stopped;	    /* FN said stop */
	size_t rows;	    /* invoices read */
	struct buf numbers; /* the number of each, NUL-terminated, in file
			     * order (for the duplicate check) */
	size_t *offs;	    /* where each one's number starts in NUMBERS */
	unsigned *lines;    /* and its line */
	size_t cap;	    /* of OFFS and LINES */
	struct strlist *errors;
	int nerrors;
	bool nomem;
};

static void report(struct importer *im, struct strlist *to, unsigned line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
report(struct importer *im, struct strlist *to, unsigned line,
       const char *fmt, ...)
{
	struct buf msg = BUF_INIT, safe = BUF_INIT;
	va_list ap;

	buf_printf(&msg, "%s:%u: %s", im->name, line,
		   to == &im->out->warnings ? "warning: " : "");
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	/* the values quoted may hold control characters, and "%.40s" may
	 * cut a character in two */
	text_printable(buf_cstr(&msg), &safe);
	if (buf_failed(&msg) || buf_failed(&safe) ||
	    strlist_add(to, buf_cstr(&safe)) < 0)
		im->nomem = true;
	if (to == im->errors)
		im->nerrors++;
	buf_free(&msg);
	buf_free(&safe);
}

/* "N° de facture" -> "n_de_facture": folded, non-alphanumerics as '_'. */
static void
normalise_header(const char *s, struct buf *out)
{
	struct buf folded = BUF_INIT;
	bool sep = false;

	text_fold(s, &folded);
	for (const char *p = buf_cstr(&folded); *p != '\0'; p++) {
		if (isalnum((unsigned char)*p)) {
			if (sep && out->len > 0)
				buf_putc(out, '_');
			buf_putc(out, *p);
			sep = false;
		} else {
			sep = true;
		}
	}
	buf_free(&folded);
	/* "n_de_facture" and "numero_de_facture" read as their short forms. */
	if (strncmp(buf_cstr(out), "n_de_", 5) == 0 ||
	    strncmp(buf_cstr(out), "no_de_", 6) == 0) {
		char *p = strstr(out->data, "de_");

		memmove(p, p + 3, strlen(p + 3) + 1);
		out->len -= 3;
	}
}

static int
find_column(const char *normalised)
{
	for (int c = 0; c < COL_COUNT; c++)
		for (int a = 0; a < 12 && columns[c].aliases[a]; a++)
			if (strcmp(normalised, columns[c].aliases[a]) == 0)
				return c;
	return -1;
}

static void
list_aliases(int c, struct buf *out)
{
	for (int a = 0; a < 12 && columns[c].aliases[a]; a++)
		buf_printf(out, "%s%s", a ? ", " : "", columns[c].aliases[a]);
}

static void
map_header(struct importer *im, const struct csv_row *row)
{
	struct buf norm = BUF_INIT;

	for (int c = 0; c < COL_COUNT; c++)
		im->col[c] = -1;
	for (size_t i = 0; i < row->nfields; i++) {
		int c;

		buf_reset(&norm);
		normalise_header(row->fields[i], &norm);
		if (strlist_add(&im->headers, row->fields[i]) < 0)
			im->nomem = true;
		if ((c = find_column(buf_cstr(&norm))) < 0)
			continue; /* other columns of the export are fine */
		if (im->col[c] >= 0)
			report(im, im->errors, row->line,
			       "columns \"%s\" and \"%s\" both give the %s "
			       "(expected only one)",
			       row->fields[im->col[c]], row->fields[i],
			       columns[c].what);
		else
			im->col[c] = (int)i;
	}
	for (int c = 0; c < COL_COUNT; c++) {
		if (im->col[c] >= 0 || !columns[c].required)
			continue;
		buf_reset(&norm);
		list_aliases(c, &norm);
		report(im, im->errors, row->line,
		       "no column for the %s (expected a header named one of: "
		       "%s)",
		       columns[c].what, buf_cstr(&norm));
	}
	buf_free(&norm);
}

/* The trimmed value of column C in ROW, or "" when absent. */
static const char *
cell(const struct importer *im, struct csv_row *row, enum column c)
{
	if (im->col[c] < 0 || (size_t)im->col[c] >= row->nfields)
		return "";
	return text_trim(row->fields[im->col[c]]);
}

static const char *
header(const struct importer *im, enum column c)
{
	return im->headers.v[im->col[c]];
}

/* An identifier: non-empty, bounded, one line. */
static int
take_id(struct importer *im, struct csv_row *row, enum column c, char **dst)
{
	const char *v = cell(im, row, c);

	if (*v == '\0') {
		report(im, im->errors, row->line, "empty %s in column \"%s\"",
		       columns[c].what, header(im, c));
		return -1;
	}
	if (strlen(v) > INVOICE_MAX_ID || text_has_ctl(v)) {
		report(im, im->errors, row->line,
		       "bad %s \"%.40s\" in column \"%s\" (expected one line "
		       "of at most %d bytes)",
		       columns[c].what, v, header(im, c), INVOICE_MAX_ID);
		return -1;
	}
	if ((*dst = strdup(v)) == NULL)
		im->nomem = true;
	return 0;
}

static bool
address_valid(const char *a)
{
	const char *at = strchr(a, '@');
	const char *dom = at ? at + 1 : NULL;

	if (at == NULL || at == a || strchr(dom, '@') != NULL ||
	    strlen(a) > INVOICE_MAX_ADDRESS || at - a > 64)
		return false;
	for (const char *p = a; p < at; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[]\\,;:\"", *p) != NULL)
			return false;
	if (*dom == '\0' || *dom == '.' || dom[strlen(dom) - 1] == '.' ||
	    strstr(dom, "..") != NULL || strchr(dom, '.') == NULL)
		return false;
	for (const char *p = dom; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

/* One address, maybe as "Name <addr>"; the domain is lower-cased. */
static int
take_address(struct importer *im, unsigned line, char *item,
	     struct invoice *inv)
{
	char *lt = strchr(item, '<'), *gt, *at;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL && gt[1] == '\0') {
		*gt = '\0';
		item = lt + 1;
	}
	item = text_trim(item);
	if (!address_valid(item)) {
		report(im, im->errors, line,
		       "bad e-mail address \"%.60s\" in column \"%s\" "
		       "(expected name@domain.tld)",
		       item, header(im, COL_EMAIL));
		return -1;
	}
	for (at = strchr(item, '@'); *at != '\0'; at++)
		*at = (char)tolower((unsigned char)*at);
	if (strlist_find(&inv->contacts, item) >= 0)
		return 0;
	if (inv->contacts.n == INVOICE_MAX_CONTACTS) {
		report(im, im->errors, line,
		       "more than %d e-mail addresses in column \"%s\"",
		       INVOICE_MAX_CONTACTS, header(im, COL_EMAIL));
		return -1;
	}
	if (strlist_add(&inv->contacts, item) < 0)
		im->nomem = true;
	return 0;
}

/* Several addresses, separated by ',' or ';' (or newlines). */
static int
take_contacts(struct importer *im, struct csv_row *row, struct invoice *inv)
{
	char *v = (char *)cell(im, row, COL_EMAIL), *save = NULL, *item;
	int rc = 0;

	for (item = strtok_r(v, ",;\r\n", &save); item != NULL;
	     item = strtok_r(NULL, ",;\r\n", &save))
		if (*text_trim(item) != '\0' &&
		    take_address(im, row->line, item, inv) < 0)
			rc = -1;
	if (rc == 0 && inv->contacts.n == 0) {
		report(im, im->errors, row->line,
		       "no e-mail address in column \"%s\" (expected at least "
		       "one name@domain.tld)",
		       header(im, COL_EMAIL));
		rc = -1;
	}
	return rc;
}

static int
take_amount(struct importer *im, struct csv_row *row, enum column c,
	    const struct invoice *inv, int64_t *out)
{
	const char *v = cell(im, row, c);

	if (money_parse(v, invoice_decimals(inv), out) < 0 || *out < 0) {
		report(im, im->errors, row->line,
		       "bad %s \"%.40s\" in column \"%s\" (expected a positive "
		       "amount such as 1234.56 or 1 234,56)",
		       columns[c].what, v, header(im, c));
		return -1;
	}
	return 0;
}

static int
take_date(struct importer *im, struct csv_row *row, enum column c,
	  struct date *out)
{
	const char *v = cell(im, row, c);

	if (date_parse(v, out) < 0) {
		report(im, im->errors, row->line,
		       "bad %s \"%.40s\" in column \"%s\" (expected a date "
		       "such as 2026-11-22 or 22/11/2026)",
		       columns[c].what, v, header(im, c));
		return -1;
	}
	return 0;
}

/* A value from a known list (profiles, languages), folded to lower case. */
static int
take_choice(struct importer *im, struct csv_row *row, enum column c,
	    const struct strlist *known, const char *dflt, char **dst)
{
	const char *v = cell(im, row, c);
	struct buf folded = BUF_INIT, list = BUF_INIT;
	int rc = 0;

	text_fold(*v ? v : dflt, &folded);
	if (known != NULL && strlist_find(known, buf_cstr(&folded)) < 0) {
		for (size_t i = 0; i < known->n; i++)
			buf_printf(&list, "%s%s", i ? ", " : "", known->v[i]);
		report(im, im->errors, row->line,
		       "unknown %s \"%.40s\"%s%s%s (expected one of: %s)",
		       columns[c].what, *v ? v : dflt,
		       im->col[c] >= 0 ? " in column \"" : "",
		       im->col[c] >= 0 ? header(im, c) : "",
		       im->col[c] >= 0 ? "\"" : "", buf_cstr(&list));
		rc = -1;
	} else if ((*dst = buf_steal(&folded)) == NULL) {
		im->nomem = true;
	}
	buf_free(&folded);
	buf_free(&list);
	return rc;
}

static int
take_currency(struct importer *im, struct csv_row *row, struct invoice *inv)
{
	const char *v = cell(im, row, COL_CURRENCY);
	char code[4] = {0};

	if (*v == '\0')
		v = im->opts->default_currency;
	if (strcmp(v, "€") == 0)
		v = "EUR";
	for (int i = 0; i < 3 && v[i] != '\0'; i++)
		code[i] = (char)toupper((unsigned char)v[i]);
	if (strlen(v) != 3 || money_currency_decimals(code) < 0) {
		report(im, im->errors, row->line,
		       "bad currency \"%.20s\" in column \"%s\" (expected an "
		       "ISO 4217 code such as EUR)",
		       v, header(im, COL_CURRENCY));
		return -1;
	}
	memcpy(inv->currency, code, 4);
	return 0;
}

static int
take_text(struct importer *im, struct csv_row *row, enum column c,
	  size_t max, char **dst)
{
	const char *v = cell(im, row, c);

	if (*v == '\0')
		return 0;
	if (strlen(v) > max) {
		report(im, im->errors, row->line,
		       "%s too long in column \"%s\" (expected at most %zu "
		       "bytes)",
		       columns[c].what, header(im, c), max);
		return -1;
	}
	if ((*dst = strdup(v)) == NULL)
		im->nomem = true;
	return 0;
}

int
import_pdf_path(const char *dir, const char *path, struct buf *out)
{
	size_t start = out->len, dlen;
	const char *p;

	if (dir == NULL) {
		buf_puts(out, path);
		return 0;
	}
	dlen = strlen(dir);
	while (dlen > 0 && dir[dlen - 1] == '/')
		dlen--;
	if (path[0] == '/') {
		if (strncmp(path, dir, dlen) != 0 || path[dlen] != '/')
			return -1;
		buf_puts(out, path);
	} else {
		buf_printf(out, "%.*s/%s", (int)dlen, dir, path);
	}
	if (buf_failed(out))
		return 0; /* the caller sees it */
	/* every component after DIR: not empty, not "." nor ".." */
	p = out->data + start + dlen + 1;
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* The PDF path of INV confined to PdfDir, when one is set: replaced by
 * its full path under PdfDir, or an error. */
static int
take_pdf_dir(struct importer *im, struct csv_row *row, struct invoice *inv)
{
	struct buf full = BUF_INIT;
	char *s;

	if (inv->pdf == NULL || im->opts->pdf_dir == NULL)
		return 0;
	if (import_pdf_path(im->opts->pdf_dir, inv->pdf, &full) < 0) {
		report(im, im->errors, row->line,
		       "PDF path \"%.80s\" in column \"%s\" is outside "
		       "PdfDir %s (expected a file under it, without \".\" "
		       "or \"..\" components)",
		       inv->pdf, header(im, COL_PDF), im->opts->pdf_dir);
		buf_free(&full);
		return -1;
	}
	if (buf_failed(&full) || (s = strdup(buf_cstr(&full))) == NULL) {
		im->nomem = true;
	} else {
		free(inv->pdf);
		inv->pdf = s;
	}
	buf_free(&full);
	return 0;
}

/* Append the lines of S (split at CR, LF or CRLF; blanks trimmed, other
 * control characters as spaces, empty lines dropped) to OUT, each ended
 * by LF; count them in *LINES. */
static void
postal_lines(const char *s, struct buf *out, int *lines)
{
	struct buf line = BUF_INIT;

	while (*s != '\0') {
		size_t n = strcspn(s, "\r\n");
		char *t;

		buf_reset(&line);
		for (size_t i = 0; i < n; i++)
			buf_putc(&line, (unsigned char)s[i] < 0x20 ||
						s[i] == 0x7f
					    ? ' '
					    : s[i]);
		if (!buf_failed(&line) && line.len > 0 &&
		    *(t = text_trim(line.data)) != '\0') {
			buf_puts(out, t);
			buf_putc(out, '\n');
			(*lines)++;
		}
		s += n;
		s += strspn(s, "\r\n");
	}
	if (buf_failed(&line))
		out->failed = true;
	buf_free(&line);
}

/* The postal address: the address column (several lines in one quoted
 * cell), then "POSTCODE CITY" when those columns are given. */
static int
take_postal(struct importer *im, struct csv_row *row, struct invoice *inv)
{
	struct buf a = BUF_INIT, last = BUF_INIT;
	const char *pc = cell(im, row, COL_POSTCODE),
		   *city = cell(im, row, COL_CITY);
	int lines = 0, rc = 0;

	postal_lines(cell(im, row, COL_ADDRESS), &a, &lines);
	buf_printf(&last, "%s%s%s", pc, *pc && *city ? " " : "", city);
	postal_lines(buf_cstr(&last), &a, &lines);
	if (buf_failed(&a) || buf_failed(&last)) {
		im->nomem = true;
		rc = -1;
	} else if (lines > INVOICE_MAX_POSTAL_LINES ||
		   a.len > INVOICE_MAX_POSTAL) {
		report(im, im->errors, row->line,
		       "postal address too long (expected at most %d lines "
		       "and %d bytes)",
		       INVOICE_MAX_POSTAL_LINES, INVOICE_MAX_POSTAL);
		rc = -1;
	} else if (lines > 0) {
		a.data[--a.len] = '\0'; /* the last LF */
		if ((inv->postal_address = buf_steal(&a)) == NULL)
			im->nomem = true;
	}
	buf_free(&a);
	buf_free(&last);
	return rc;
}

/* Cross-field checks once every field of a row has been read. */
static int
check_row(struct importer *im, unsigned line, struct invoice *inv)
{
	char due[32], orig[32], a[11], b[11];
	long terms = date_diff(inv->due_date, inv->issue_date);

	date_format(inv->issue_date, a);
	date_format(inv->due_date, b);
	if (terms < 0) {
		report(im, im->errors, line,
		       "due date %s is before the issue date %s", b, a);
		return -1;
	}
	if (inv->amount_original >= 0 &&
	    inv->amount_due > inv->amount_original) {
		invoice_format_amount(inv, inv->amount_due, due, sizeof(due));
		invoice_format_amount(inv, inv->amount_original, orig,
				      sizeof(orig));
		report(im, im->errors, line,
		       "amount due %s is more than the original amount %s",
		       due, orig);
		return -1;
	}
	if (terms > IMPORT_MAX_TERMS)
		report(im, &im->out->warnings, line,
		       "invoice %s: payment terms of %ld days exceed the "
		       "legal maximum of %d days from the issue date (Code de "
		       "commerce L441-10)",
		       inv->number, terms, IMPORT_MAX_TERMS);
	return 0;
}

static int
read_row(struct importer *im, struct csv_row *row, struct invoice *inv)
{
	int bad = 0;

	if (row->nfields > im->headers.n) {
		for (size_t i = im->headers.n; i < row->nfields; i++)
			if (*text_trim(row->fields[i]) != '\0') {
				report(im, im->errors, row->line,
				       "%zu fields, but the header has %zu "
				       "(expected one value per column)",
				       row->nfields, im->headers.n);
				return -1;
			}
	}
	bad |= take_id(im, row, COL_INVOICE, &inv->number);
	bad |= take_id(im, row, COL_CUSTOMER, &inv->customer);
	bad |= take_text(im, row, COL_NAME, INVOICE_MAX_TEXT,
			 &inv->customer_name);
	bad |= take_contacts(im, row, inv);
	bad |= take_currency(im, row, inv);
	bad |= take_amount(im, row, COL_AMOUNT, inv, &inv->amount_due);
	inv->amount_original = -1;
	if (im->col[COL_ORIGINAL] >= 0 && *cell(im, row, COL_ORIGINAL))
		bad |= take_amount(im, row, COL_ORIGINAL, inv,
				   &inv->amount_original);
	bad |= take_date(im, row, COL_ISSUE, &inv->issue_date);
	bad |= take_date(im, row, COL_DUE, &inv->due_date);
	bad |= take_choice(im, row, COL_PROFILE, im->opts->profiles,
			   im->opts->default_profile, &inv->profile);
	bad |= take_choice(im, row, COL_LANG, im->opts->languages,
			   im->opts->default_lang, &inv->lang);
	bad |= take_text(im, row, COL_PDF, INVOICE_MAX_PATH, &inv->pdf);
	bad |= take_pdf_dir(im, row, inv);
	bad |= take_postal(im, row, inv);
	if (bad || im->nomem)
		return -1;
	return check_row(im, row->line, inv);
}

/* Note the number and line of INV for the duplicate check: a few bytes
 * an invoice, where keeping the invoice would take hundreds. */
static int
note_number(struct importer *im, const struct invoice *inv, unsigned line)
{
	if (im->rows == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 1024;
		size_t *o = realloc(im->offs, cap * sizeof(*o));
		unsigned *l;

		if (o != NULL)
			im->offs = o;
		l = o != NULL ? realloc(im->lines, cap * sizeof(*l)) : NULL;
		if (l != NULL)
			im->lines = l;
		if (o == NULL || l == NULL) {
			im->nomem = true;
			return -1;
		}
		im->cap = cap;
	}
	im->offs[im->rows] = im->numbers.len;
	im->lines[im->rows] = line;
	buf_append(&im->numbers, inv->number, strlen(inv->number) + 1);
	if (buf_failed(&im->numbers)) {
		im->nomem = true;
		return -1;
	}
	return 0;
}

/* The number of the invoice read I-th. */
static const char *
number_of(const struct importer *im, size_t i)
{
	return im->numbers.data + im->offs[i];
}

static int
add_invoice(struct importer *im, struct invoice *inv, unsigned line)
{
	size_t n = im->out->n;
	struct invoice *v;

	if (im->fn != NULL) {
		im->rows++;
		if (im->fn(inv, im->arg) != 0)
			im->stopped = true;
		return 0;
	}
	if (note_number(im, inv, line) < 0)
		return -1;
	im->rows++;
	if (!im->keep)
		return 0;
	if ((v = realloc(im->out->invoices, (n + 1) * sizeof(*v))) == NULL) {
		im->nomem = true;
		return -1;
	}
	im->out->invoices = v;
	v[n] = *inv;
	im->out->n++;
	invoice_init(inv);
	return 0;
}

/* Turn the reader's "line N: message" into "FILE:N: message". */
static void
report_csv(struct importer *im, const struct err *e)
{
	unsigned line = 0;
	int skip = 0;

	if (sscanf(e->msg, "line %u: %n", &line, &skip) < 1 || skip == 0)
		skip = 0;
	report(im, im->errors, line, "%s", e->msg + skip);
}

static void
read_rows(struct importer *im, struct csv_reader *r)
{
	struct csv_row row = {0};
	struct err e;
	int got;

	while (!im->nomem && !im->stopped &&
	       (got = csv_next(r, &row, &e)) != 0) {
		struct invoice inv;

		if (got < 0) {
			report_csv(im, &e);
			break;
		}
		if (im->rows >= IMPORT_MAX_ROWS) {
			report(im, im->errors, row.line,
			       "more than %d invoices in one file",
			       IMPORT_MAX_ROWS);
			break;
		}
		invoice_init(&inv);
		if (read_row(im, &row, &inv) == 0)
			add_invoice(im, &inv, row.line);
		invoice_free(&inv);
	}
	csv_row_free(&row);
}

/* Sort order of the duplicate check: by number, then by line. */
static int
by_number(const void *a, const void *b, void *arg)
{
	const struct importer *im = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(number_of(im, x), number_of(im, y));

	if (c != 0)
		return c;
	return (im->lines[x] > im->lines[y]) - (im->lines[x] < im->lines[y]);
}

/* Refuse a second row for the same invoice number. */
static void
check_duplicates(struct importer *im)
{
	size_t n = im->rows, *order;

	if (n < 2)
		return;
	if ((order = malloc(n * sizeof(*order))) == NULL) {
		im->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), by_number, im);
	for (size_t i = 1; i < n; i++) {
		size_t first = order[i - 1], dup = order[i];

		if (strcmp(number_of(im, first), number_of(im, dup)) != 0)
			continue;
		report(im, im->errors, im->lines[dup],
		       "invoice %s is already on line %u (expected each "
		       "invoice once)",
		       number_of(im, dup), im->lines[first]);
		order[i] = first; /* name the first line for a third copy */
	}
	free(order);
}

/* Read DATA[0..LEN) with IM set up by the caller: header, rows, and the
 * duplicate check unless IM->fn takes the invoices (a second reading of
 * data already checked). Returns as import_parse. */
static int
import_read(struct importer *im, const char *data, size_t len)
{
	struct import_result *out = im->out;
	struct buf converted = BUF_INIT;
	struct csv_reader *r = NULL;
	struct csv_row row = {0};
	struct err e;
	int got;

	if (!text_utf8_valid(data, len)) {
		text_cp1252_to_utf8(data, len, &converted);
		data = buf_cstr(&converted);
		len = converted.len;
		report(im, &out->warnings, 1,
		       "not UTF-8: read as Windows-1252 (Excel's encoding)");
	}
	r = csv_reader_new(data, len, csv_detect_separator(data, len));
	if (r == NULL || buf_failed(&converted))
		goto nomem;
	got = csv_next(r, &row, &e);
	if (got <= 0) {
		if (got < 0)
			report_csv(im, &e);
		else
			report(im, im->errors, 1,
			       "empty file (expected a header line naming the "
			       "columns, then one invoice per line)");
		goto out;
	}
	map_header(im, &row);
	if (im->nerrors == 0) {
		read_rows(im, r);
		if (im->fn == NULL)
			check_duplicates(im);
	}
out:
	free(im->offs);
	free(im->lines);
	buf_free(&im->numbers);
	csv_row_free(&row);
	csv_reader_free(r);
	buf_free(&converted);
	strlist_clear(&im->headers);
	if (im->nomem)
		return -1;
	return im->nerrors;
nomem:
	im->nomem = true;
	goto out;
}

int
import_parse(const char *name, const char *data, size_t len,
	     const struct import_opts *opts, struct import_result *out,
	     struct strlist *errors)
{
	struct importer im = {.name = name,
			      .opts = opts,
			      .headers = STRLIST_INIT,
			      .out = out,
			      .keep = true,
			      .numbers = BUF_INIT,
			      .errors = errors};

	memset(out, 0, sizeof(*out));
	return import_read(&im, data, len);
}

int
import_each(const char *name, const char *data, size_t len,
	    const struct import_opts *opts, import_fn fn, void *arg,
	    struct import_result *out, struct strlist *errors)
{
	struct importer check = {.name = name,
				 .opts = opts,
				 .headers = STRLIST_INIT,
				 .out = out,
				 .numbers = BUF_INIT,
				 .errors = errors};
	struct import_result again = {0};
	struct strlist none = STRLIST_INIT;
	struct importer take = {.name = name,
				.opts = opts,
				.headers = STRLIST_INIT,
				.out = &again,
				.fn = fn,
				.arg = arg,
				.numbers = BUF_INIT,
				.errors = &none};
	int rc;

	memset(out, 0, sizeof(*out));
	rc = import_read(&check, data, len);
	if (rc == 0) {
		/* The same reading again cannot find an error: only its
		 * invoices, warnings already given, are new. */
		rc = import_read(&take, data, len);
		if (rc > 0)
			rc = -1;
	}
	import_result_free(&again);
	strlist_clear(&none);
	return rc;
}

void
import_result_free(struct import_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		invoice_free(&r->invoices[i]);
	free(r->invoices);
	strlist_clear(&r->warnings);
	memset(r, 0, sizeof(*r));
}

void
import_columns(struct strlist *out)
{
	struct buf line = BUF_INIT;

	for (int c = 0; c < COL_COUNT; c++) {
		buf_reset(&line);
		buf_printf(&line, "%s%s: ", columns[c].what,
			   columns[c].required ? " (required)" : "");
		list_aliases(c, &line);
		strlist_add(out, buf_cstr(&line));
	}
	buf_free(&line);
}
