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
#include <strings.h>

#include "csv.h"
#include "date.h"
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
	const char *what; /* for messages */
	bool required;
	/* Header names, as exports write them; matched once normalised
	 * (normalise_header). A strong name always claims its field; a
	 * weak one only when no strong name did, and a weak name listed
	 * under two fields claims the first one still free. */
	const char *const *strong;
	const char *const *weak;
};

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct column_def columns[COL_COUNT] = {
    [COL_INVOICE] = {"invoice number", true,
                     NAMES("invoice", "invoice number", "invoice id", "numero",
                           "N° facture", "numéro de facture", "facture",
                           "facture n°", "réf. facture", "N° pièce",
                           "N° document", "document number", "bill number",
                           "numéro de pièce"),
                     NAMES("pièce", "référence", "réf")},
    [COL_CUSTOMER] = {"customer id", true,
                      NAMES("customer id", "customer code", "customer number",
                            "code client", "client id", "id client",
                            "N° client", "compte client", "compte tiers",
                            "N° compte tiers", "code tiers", "N° tiers",
                            "compte auxiliaire", "account number"),
                      NAMES("client", "customer", "compte", "account",
                            "tiers")},
    [COL_NAME] = {"customer name", false,
                  NAMES("customer name", "nom", "nom client", "raison sociale",
                        "client name", "company", "société", "dénomination",
                        "intitulé", "intitulé tiers", "nom tiers", "partenaire",
                        "partner", "third party", "nom du tiers"),
                  NAMES("name", "client", "customer", "tiers")},
    [COL_EMAIL] = {"e-mail address", true,
                   NAMES("email", "e-mail", "emails", "mail", "courriel",
                         "courriels", "adresse email", "adresse mail",
                         "adresse électronique", "contact email",
                         "email facturation", "email comptabilité",
                         "mail facturation", "billing email", "invoice email",
                         "email address", "email client", "customer email",
                         "partner email", "partenaire email",
                         "partenaire courriel"),
                   NAMES("contact")},
    [COL_AMOUNT] = {"amount due", true,
                    NAMES("amount due", "montant dû", "dû", "reste à payer",
                          "reste dû", "restant dû", "solde", "solde dû",
                          "balance", "balance due", "open amount",
                          "open balance", "montant restant", "montant ouvert",
                          "montant restant dû", "outstanding",
                          "amount outstanding", "amount remaining",
                          "montant résiduel", "résiduel", "amount residual"),
                    NAMES("montant", "amount")},
    [COL_ORIGINAL] = {"original amount", false,
                      NAMES("original amount", "amount original", "total ttc",
                            "montant ttc", "montant initial", "montant facture",
                            "invoice amount", "invoice total", "total amount",
                            "amount total", "montant total", "total facture"),
                      NAMES("total", "montant", "amount")},
    [COL_CURRENCY] = {"currency", false,
                      NAMES("currency", "devise", "monnaie", "code devise",
                            "currency code"),
                      NULL},
    [COL_ISSUE] = {"issue date", true,
                   NAMES("issue date", "invoice date", "date facture",
                         "date de facturation", "date émission",
                         "date d'émission", "issued", "date pièce",
                         "date document", "document date", "bill date",
                         "invoice/bill date", "date de la facture"),
                   NAMES("date")},
    [COL_DUE] = {"due date", true,
                 NAMES("due date", "échéance", "date échéance",
                       "date d'échéance", "due", "date limite",
                       "date limite de paiement", "date limite de règlement",
                       "payment due", "payment due date", "due on",
                       "date d'exigibilité"),
                 NAMES("exigibilité")},
    [COL_PROFILE] = {"payer profile", false,
                     NAMES("profile", "profil", "payer profile",
                           "profil payeur"),
                     NULL},
    [COL_LANG] = {"language", false, NAMES("language", "langue", "lang"), NULL},
    [COL_PDF] = {"invoice PDF", false,
                 NAMES("pdf", "fichier", "file", "pdf path", "chemin",
                       "document"),
                 NULL},
    [COL_ADDRESS] = {"postal address", false,
                     NAMES("address", "postal address", "billing address",
                           "street address", "adresse", "adresse postale",
                           "adresse client", "adresse facturation",
                           "adresse de facturation", "rue"),
                     NAMES("adresse 1")},
    [COL_POSTCODE] = {"postcode", false,
                      NAMES("postcode", "postal code", "zip", "zip code",
                            "code postal", "cp"),
                      NULL},
    [COL_CITY] = {"city", false, NAMES("city", "town", "ville", "commune"),
                  NAMES("localité")},
};

/* A credit note of the file, or an unpaid invoice it may be taken off,
 * as the first reading keeps it: number, customer, currency, amounts,
 * due date (nothing else is read for a credit note; the rest of an
 * invoice is dropped). */
struct owed {
	struct invoice inv;
	unsigned line;
};

/*
 * What the first reading decides about the whole file, for the second to
 * apply (import_each). Besides the text, it holds a few bytes per credit
 * note, and the invoices of the customers that have a credit note in the
 * same currency; nothing for the other invoices.
 */
struct plan {
	int sep;          /* the separator of the file */
	size_t title;     /* rows above the header */
	bool month_first; /* slash dates read m/d/yyyy (decide_date_order) */
	struct strlist payers; /* "CURcustomer" of each credit note, sorted */
	struct owed *credits;  /* the credit notes, in file order */
	size_t ncredits;
	struct owed *unpaid; /* the invoices of PAYERS, in file order, then
	                      * sorted by number once credits are applied */
	size_t nunpaid;
	bool settled; /* UNPAID sorted, its amounts final */
};

/* The first value of each kind that tells the order of day and month. */
struct date_proof {
	char *day_v, *month_v, *either_v;
	unsigned day_l, month_l, either_l;
};

/* Everything one reading of the file needs while it reads rows. */
struct importer {
	const char *name;
	const struct import_opts *opts;
	struct plan *plan;
	int col[COL_COUNT];     /* field index, -1 when absent */
	struct strlist headers; /* header cells as written */
	struct import_result *out;
	bool keep;    /* keep the invoices in OUT (import_parse) */
	import_fn fn; /* else, when not NULL: hand each one to FN */
	void *arg;
	bool stopped;       /* FN said stop */
	bool quiet;         /* a reading again: errors counted, not said */
	size_t rows;        /* invoices read */
	struct buf numbers; /* the number of each, NUL-terminated, in file
	                     * order (for the duplicate check) */
	size_t *offs;       /* where each one's number starts in NUMBERS */
	unsigned *lines;    /* and its line */
	size_t cap;         /* of OFFS and LINES */
	struct strlist *errors;
	int nerrors;
	bool nomem;
};

static void report(struct importer *im, struct strlist *to, unsigned line,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
report(struct importer *im, struct strlist *to, unsigned line, const char *fmt,
       ...)
{
	struct buf msg = BUF_INIT, safe = BUF_INIT;
	va_list ap;

	if (im->quiet) {
		im->nerrors += to == im->errors;
		return;
	}
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

/* Words a header may hold that change nothing: "Date d'échéance" is
 * "Date échéance", "Numéro de la facture" is "Numéro facture". */
static const char *const filler_words[] = {"de", "d",   "des", "la",  "le",
                                           "l",  "les", "of",  "the", NULL};
/* Ways of writing "number": "N°", "No.", "Num.", "Numéro", "Nr". */
static const char *const number_words[] = {"n",      "no",     "nr",  "num",
                                           "numero", "number", "nbr", NULL};

static bool
word_in(const char *w, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncmp(w, *list, n) == 0)
			return true;
	return false;
}

/*
 * "N° de la Facture" -> "no_facture": folded (lower case, no accents),
 * split into words at anything not a letter or a digit, filler words
 * dropped, every way of writing "number" as "no", "e mail" as "email",
 * joined by '_'.
 */
static void
normalise_header(const char *s, struct buf *out)
{
	struct buf folded = BUF_INIT;
	const char *p;

	buf_reset(out);
	text_fold(s, &folded);
	p = buf_cstr(&folded);
	while (*p != '\0') {
		size_t n = 0;

		while (*p != '\0' && !isalnum((unsigned char)*p))
			p++;
		while (isalnum((unsigned char)p[n]))
			n++;
		if (n == 0)
			break;
		if (!word_in(p, n, filler_words)) {
			if (out->len > 0)
				buf_putc(out, '_');
			if (word_in(p, n, number_words))
				buf_puts(out, "no");
			else
				buf_append(out, p, n);
		}
		p += n;
	}
	buf_free(&folded);
	/* "e_mail" -> "email", wherever it stands */
	for (char *m; (m = strstr(out->data ? out->data : "", "e_mail")) &&
	              (m == out->data || m[-1] == '_');) {
		memmove(m + 1, m + 2, strlen(m + 2) + 1);
		out->len--;
	}
}

/* True when the normalised header NORM is one of LIST's names. */
static bool
names_match(const char *norm, const char *const *list)
{
	struct buf n = BUF_INIT;
	bool found = false;

	for (; !found && list != NULL && *list != NULL; list++) {
		normalise_header(*list, &n);
		found = strcmp(buf_cstr(&n), norm) == 0;
	}
	buf_free(&n);
	return found;
}

/* The field whose strong name NORM is, or -1. */
static int
find_strong(const char *norm)
{
	for (int c = 0; c < COL_COUNT; c++)
		if (names_match(norm, columns[c].strong))
			return c;
	return -1;
}

static void
list_aliases(int c, struct buf *out)
{
	const char *const *l = columns[c].strong;

	for (int a = 0; l[a] != NULL; a++)
		buf_printf(out, "%s%s", a ? ", " : "", l[a]);
}

/* How many cells of ROW name a column we know, counting up to 2: a header
 * scores 2, a title line ("Export du 23/11/2026") or a data row less. */
static int
header_score(const struct csv_row *row)
{
	struct buf norm = BUF_INIT;
	int score = 0;

	for (size_t i = 0; i < row->nfields && score < 2; i++) {
		if (strlen(row->fields[i]) > IMPORT_MAX_HEADER)
			continue;
		normalise_header(row->fields[i], &norm);
		if (norm.len == 0)
			continue;
		for (int c = 0; c < COL_COUNT; c++)
			if (names_match(buf_cstr(&norm), columns[c].strong) ||
			    names_match(buf_cstr(&norm), columns[c].weak)) {
				score++;
				break;
			}
	}
	buf_free(&norm);
	return score;
}

static void
map_header(struct importer *im, const struct csv_row *row)
{
	struct buf norm = BUF_INIT;
	bool claimed[CSV_MAX_FIELDS] = {false};

	for (int c = 0; c < COL_COUNT; c++)
		im->col[c] = -1;
	/* strong names first: two for one field is an error */
	for (size_t i = 0; i < row->nfields; i++) {
		int c;

		normalise_header(row->fields[i], &norm);
		if (strlist_add(&im->headers, row->fields[i]) < 0)
			im->nomem = true;
		if (norm.len == 0 || norm.len > IMPORT_MAX_HEADER ||
		    (c = find_strong(buf_cstr(&norm))) < 0)
			continue; /* other columns of the export are fine */
		claimed[i] = true;
		if (im->col[c] >= 0)
			report(im, im->errors, row->line,
			       "columns \"%s\" and \"%s\" both give the %s "
			       "(expected only one)",
			       row->fields[im->col[c]], row->fields[i],
			       columns[c].what);
		else
			im->col[c] = (int)i;
	}
	/* then weak names, each to the first of its fields still free */
	for (size_t i = 0; i < row->nfields; i++) {
		if (claimed[i])
			continue;
		normalise_header(row->fields[i], &norm);
		for (int c = 0; norm.len > 0 && norm.len <= IMPORT_MAX_HEADER &&
		                c < COL_COUNT;
		     c++)
			if (im->col[c] < 0 &&
			    names_match(buf_cstr(&norm), columns[c].weak)) {
				im->col[c] = (int)i;
				break;
			}
	}
	/* no customer id column: the customer's name identifies them */
	if (im->col[COL_CUSTOMER] < 0 && im->col[COL_NAME] >= 0)
		im->col[COL_CUSTOMER] = im->col[COL_NAME];
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

/* Drop PREFIX (ASCII, any case) from the start of *S; true if it was there. */
static bool
eat_prefix(char **s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncasecmp(*s, prefix, n) != 0)
		return false;
	*s = text_trim(*s + n);
	return true;
}

/* Drop SUFFIX (ASCII, any case) from the end of S; true if it was there. */
static bool
eat_suffix(char *s, const char *suffix)
{
	size_t n = strlen(suffix), len = strlen(s);

	if (len < n || strcasecmp(s + len - n, suffix) != 0)
		return false;
	s[len - n] = '\0';
	text_trim(s);
	return true;
}

/* Drop the currency, written as CURRENCY's code or as its sign, from the
 * start or the end of *S. */
static void
eat_currency(char **s, const char *currency)
{
	const char *sign = strcmp(currency, "EUR") == 0   ? "\xe2\x82\xac"
	                   : strcmp(currency, "GBP") == 0 ? "\xc2\xa3"
	                   : currency[2] == 'D'           ? "$"
	                   : strcmp(currency, "CHF") == 0 ? "Fr."
	                                                  : NULL;

	if (!eat_prefix(s, currency) && !eat_suffix(*s, currency) &&
	    sign != NULL && !eat_prefix(s, sign))
		eat_suffix(*s, sign);
}

/* True for "1 234,567" or "1'234.567": thousands grouped by a blank or an
 * apostrophe, so the one ',' or '.' is the decimal mark, followed by more
 * digits than DECIMALS (money_parse would take it for a thousands mark). */
static bool
grouped_decimals(const char *s, int decimals)
{
	const char *dot = strchr(s, '.'), *comma = strchr(s, ','), *mark;

	if ((dot != NULL) == (comma != NULL))
		return false;
	mark = dot != NULL ? dot : comma;
	if (strchr(mark + 1, *mark) != NULL ||
	    strspn(mark + 1, "0123456789") <= (size_t)decimals)
		return false;
	return strchr(s, ' ') != NULL || strchr(s, '\'') != NULL ||
	       strstr(s, "\xc2\xa0") != NULL ||
	       strstr(s, "\xe2\x80\xaf") != NULL;
}

/*
 * An amount as accounting exports write it, into minor units of CURRENCY
 * (DECIMALS digits): whatever money_parse reads, and besides a currency
 * code or sign before or after ("1 234,56 €", "$1,234.56", "EUR 10"), a
 * credit written "(120,00)" or "120,00-" (the accountant's ways of writing
 * a negative amount), "−" (U+2212) for '-', and "’" (U+2019, Swiss
 * thousands) for '\''. 0, or -1.
 */
static int
parse_amount(const char *v, const char *currency, int decimals, int64_t *out)
{
	struct buf b = BUF_INIT;
	char *p;
	bool neg = false;
	int rc = -1;

	for (const char *q = v; *q != '\0'; q++) {
		if (strncmp(q, "\xe2\x88\x92", 3) == 0)
			buf_putc(&b, '-'), q += 2;
		else if (strncmp(q, "\xe2\x80\x99", 3) == 0)
			buf_putc(&b, '\''), q += 2;
		else
			buf_putc(&b, *q);
	}
	if (buf_failed(&b) || b.len == 0 || b.len > 64)
		goto out;
	p = text_trim(b.data);
	if (*p == '(' && eat_suffix(p, ")")) {
		neg = true;
		p = text_trim(p + 1);
	}
	eat_currency(&p, currency);
	if (*p != '-' && eat_suffix(p, "-"))
		neg = !neg;
	if (*p == '+')
		p++;
	if (grouped_decimals(p, decimals) ||
	    money_parse(p, decimals, out) < 0 || (neg && *out < 0))
		goto out;
	if (neg)
		*out = -*out;
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

/* The amount in column C; a negative one only when NEG_OK (a credit note
 * in the amount due column). */
static int
take_amount(struct importer *im, struct csv_row *row, enum column c,
            const struct invoice *inv, bool neg_ok, int64_t *out)
{
	const char *v = cell(im, row, c);

	if (parse_amount(v, inv->currency, invoice_decimals(inv), out) < 0 ||
	    (*out < 0 && !neg_ok)) {
		report(im, im->errors, row->line,
		       "bad %s \"%.40s\" in column \"%s\" (expected %s "
		       "amount such as 1234.56, 1 234,56 or 1,234.56%s)",
		       columns[c].what, v, header(im, c),
		       neg_ok ? "an" : "a positive",
		       neg_ok ? "; a credit note as -120,00 or (120,00)" : "");
		return -1;
	}
	return 0;
}

static int
take_date(struct importer *im, struct csv_row *row, enum column c,
          struct date *out)
{
	const char *v = cell(im, row, c);

	if (date_parse_export(v, im->plan->month_first, out) < 0) {
		report(im, im->errors, row->line,
		       "bad %s \"%.40s\" in column \"%s\" (expected a date "
		       "such as 2026-11-22, 22/11/2026 or 22.11.2026)",
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

/* The ISO 4217 code of ROW's currency (the default when the column is
 * absent or empty) into CODE; the value read into *V. 0, or -1. */
static int
row_currency(struct importer *im, struct csv_row *row, char code[4],
             const char **v)
{
	*v = cell(im, row, COL_CURRENCY);
	memset(code, 0, 4);
	if (**v == '\0')
		*v = im->opts->default_currency;
	if (strcmp(*v, "€") == 0)
		*v = "EUR";
	for (int i = 0; i < 3 && (*v)[i] != '\0'; i++)
		code[i] = (char)toupper((unsigned char)(*v)[i]);
	return strlen(*v) != 3 || money_currency_decimals(code) < 0 ? -1 : 0;
}

static int
take_currency(struct importer *im, struct csv_row *row, struct invoice *inv)
{
	const char *v;
	char code[4];

	if (row_currency(im, row, code, &v) < 0) {
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
take_text(struct importer *im, struct csv_row *row, enum column c, size_t max,
          char **dst)
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
			buf_putc(&line,
			         (unsigned char)s[i] < 0x20 || s[i] == 0x7f
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
		       "amount due %s is more than the original amount %s", due,
		       orig);
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

/* Read ROW into INV: 0 for an invoice, 1 for a credit note (a negative
 * amount due; only its number, customer, currency and amount are read),
 * -1 when something is wrong (reported). */
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
	bad |=
	    take_text(im, row, COL_NAME, INVOICE_MAX_TEXT, &inv->customer_name);
	bad |= take_currency(im, row, inv);
	inv->amount_original = -1;
	if (take_amount(im, row, COL_AMOUNT, inv, true, &inv->amount_due) < 0)
		bad = -1;
	else if (inv->amount_due < 0) /* a credit note: what else it says
	                               * does not matter */
		return bad || im->nomem ? -1 : 1;
	bad |= take_contacts(im, row, inv);
	if (im->col[COL_ORIGINAL] >= 0 && *cell(im, row, COL_ORIGINAL))
		bad |= take_amount(im, row, COL_ORIGINAL, inv, false,
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

/* What a row of the export is. */
enum row_kind {
	ROW_BLANK,   /* nothing but separators and blanks */
	ROW_TOTALS,  /* "Total;;;12 345,67" or an amount alone */
	ROW_NOTE,    /* no number, customer nor amount, or one cell alone:
	              * a footnote ("Nombre de factures : 2") */
	ROW_INVOICE, /* anything else: an invoice or a credit note */
};

/* True when the cell V reads as the label of a totals row. */
static bool
totals_label(const char *v)
{
	static const char *const labels[] = {
	    "total", "totaux",   "sous_total", "grand_total",
	    "sum",   "subtotal", NULL};
	struct buf norm = BUF_INIT;
	bool yes = false;
	const char *p = v;

	/* the cell of every row comes here: most start with a letter or a
	 * digit that no label starts with ("F0001"), and need no folding */
	while (*p != '\0' && (unsigned char)*p < 0x80 &&
	       !isalnum((unsigned char)*p))
		p++;
	if ((unsigned char)*p < 0x80 && strchr("tsg", tolower(*p)) == NULL)
		return false;
	normalise_header(v, &norm);
	for (int i = 0; !yes && labels[i] != NULL; i++) {
		size_t n = strlen(labels[i]);

		yes = norm.len >= n && strncmp(norm.data, labels[i], n) == 0 &&
		      (norm.data[n] == '\0' || norm.data[n] == '_');
	}
	buf_free(&norm);
	return yes;
}

static enum row_kind
row_kind(struct importer *im, struct csv_row *row, const char **label)
{
	const char *first = NULL;

	for (size_t i = 0; first == NULL && i < row->nfields; i++)
		if (*text_trim(row->fields[i]) != '\0')
			first = text_trim(row->fields[i]);
	*label = first;
	if (first == NULL)
		return ROW_BLANK;
	if (totals_label(cell(im, row, COL_INVOICE)) ||
	    (*cell(im, row, COL_INVOICE) == '\0' && totals_label(first)))
		return ROW_TOTALS;
	if (*cell(im, row, COL_INVOICE) == '\0' &&
	    *cell(im, row, COL_CUSTOMER) == '\0')
		return *cell(im, row, COL_AMOUNT) != '\0' ? ROW_TOTALS
		                                          : ROW_NOTE;
	for (size_t i = 0; i < row->nfields; i++)
		if (*text_trim(row->fields[i]) != '\0' &&
		    row->fields[i] != first)
			return ROW_INVOICE;
	/* one cell alone, not an amount: "Nombre de factures : 2" */
	return ROW_NOTE;
}

/* Note in P the first date of each kind in ROW's dates that tells the
 * order of day and month (decide_date_order). */
static void
note_date_hints(struct importer *im, struct csv_row *row, struct date_proof *p)
{
	static const enum column which[] = {COL_ISSUE, COL_DUE};

	for (int k = 0; k < 2; k++) {
		const char *v = cell(im, row, which[k]);
		char **first = NULL;
		unsigned *line = NULL;

		switch (date_order_hint(v)) {
		case DATE_HINT_DAY_FIRST:
			first = &p->day_v, line = &p->day_l;
			break;
		case DATE_HINT_MONTH_FIRST:
			first = &p->month_v, line = &p->month_l;
			break;
		case DATE_HINT_EITHER:
			first = &p->either_v, line = &p->either_l;
			break;
		case DATE_HINT_NONE:
			break;
		}
		if (first == NULL || *first != NULL)
			continue;
		if ((*first = strdup(v)) == NULL)
			im->nomem = true;
		*line = row->line;
	}
}

/*
 * Day and month order of the slash dates of the whole file, from what P
 * proves: a first number above 12 proves day first (French), a second one
 * above 12 month first (US). Nothing proves either: day first, unless the
 * file is comma-separated as US Excel writes it, where it is ambiguous.
 */
static void
decide_date_order(struct importer *im, const struct date_proof *p)
{
	struct plan *plan = im->plan;

	if (p->day_v != NULL && p->month_v != NULL)
		report(im, im->errors, p->month_l,
		       "date \"%s\" has its month first, but line %u has "
		       "\"%s\" with its day first (expected one order in "
		       "the whole file; export ISO dates such as 2026-11-22)",
		       p->month_v, p->day_l, p->day_v);
	else if (p->month_v != NULL)
		plan->month_first = true;
	else if (p->day_v == NULL && p->either_v != NULL && plan->sep == ',')
		report(im, im->errors, p->either_l,
		       "date \"%s\" may be day/month or month/day, and no "
		       "date in this comma-separated file tells which "
		       "(expected ISO dates such as 2026-11-22, or day/month "
		       "in a file separated by ';')",
		       p->either_v);
	if (plan->month_first)
		report(im, &im->out->warnings, p->month_l,
		       "dates read month first (m/d/yyyy), as \"%s\" shows",
		       p->month_v);
}

/* When ROW is a credit note (a negative amount due), note its currency
 * and customer in IM's plan, as "CURcustomer". A row in error is the
 * check's to report. */
static void
note_payer(struct importer *im, struct csv_row *row)
{
	const char *v = cell(im, row, COL_AMOUNT), *customer, *cur;
	struct buf key = BUF_INIT;
	int64_t amount;
	char code[4];

	/* what parse_amount reads as negative has one of these */
	if (strpbrk(v, "-(") == NULL && strstr(v, "\xe2\x88\x92") == NULL)
		return;
	customer = cell(im, row, COL_CUSTOMER);
	if (*customer == '\0' || row_currency(im, row, code, &cur) < 0 ||
	    parse_amount(v, code, money_currency_decimals(code), &amount) < 0 ||
	    amount >= 0)
		return;
	buf_printf(&key, "%s%s", code, customer);
	if (buf_failed(&key) ||
	    strlist_add(&im->plan->payers, buf_cstr(&key)) < 0)
		im->nomem = true;
	buf_free(&key);
}

/* The header: the first of the first N (at most IMPORT_MAX_TITLE + 1)
 * rows that names at least two known columns (lines above it are a
 * title), else row 0. */
static size_t
find_header(struct importer *im, struct csv_row *rows, size_t n)
{
	for (size_t i = 0; i < n && i <= IMPORT_MAX_TITLE; i++)
		if (header_score(&rows[i]) >= 2) {
			if (i > 0)
				report(im, &im->out->warnings, rows[0].line,
				       "skipped %zu line%s above the header "
				       "on line %u (\"%.40s\")",
				       i, i == 1 ? "" : "s", rows[i].line,
				       text_trim(rows[0].fields[0]));
			return i;
		}
	return 0;
}

/* What the scan takes from a row below the header. */
static void
scan_row(struct importer *im, struct csv_row *row, struct date_proof *p)
{
	const char *label;

	if (row_kind(im, row, &label) != ROW_INVOICE)
		return;
	note_date_hints(im, row, p);
	note_payer(im, row);
}

/*
 * The first sweep of the first reading, over DATA[0..LEN), for what
 * reading a row needs to know of the whole file: the separator, the header
 * and the title lines above it, the order of day and month, the customers
 * with a credit note. Only the first IMPORT_MAX_TITLE + 1 rows are held at
 * once. Reports CSV, header and date order errors; rows are not checked.
 */
static void
scan_file(struct importer *im, const char *data, size_t len)
{
	struct plan *plan = im->plan;
	struct csv_row head[IMPORT_MAX_TITLE + 1], row = {0};
	struct date_proof proof = {NULL, NULL, NULL, 0, 0, 0};
	struct csv_reader *r;
	size_t n = 0;
	struct err e;
	int got = 1;

	memset(head, 0, sizeof(head));
	plan->sep = csv_detect_separator(data, len);
	if ((r = csv_reader_new(data, len, plan->sep)) == NULL) {
		im->nomem = true;
		return;
	}
	while (n <= IMPORT_MAX_TITLE && (got = csv_next(r, &head[n], &e)) > 0)
		n++;
	if (got < 0) {
		report_csv(im, &e);
		goto out;
	}
	if (n == 0) {
		report(im, im->errors, 1,
		       "empty file (expected a header line naming the "
		       "columns, then one invoice per line)");
		goto out;
	}
	plan->title = find_header(im, head, n);
	map_header(im, &head[plan->title]);
	if (im->nerrors > 0)
		goto out;
	for (size_t i = plan->title + 1; i < n; i++)
		scan_row(im, &head[i], &proof);
	while (got > 0 && !im->nomem && (got = csv_next(r, &row, &e)) > 0)
		scan_row(im, &row, &proof);
	if (got < 0) {
		report_csv(im, &e);
		goto out;
	}
	decide_date_order(im, &proof);
	strlist_sort(&plan->payers);
out:
	for (size_t i = 0; i <= IMPORT_MAX_TITLE; i++)
		csv_row_free(&head[i]);
	csv_row_free(&row);
	csv_reader_free(r);
	free(proof.day_v);
	free(proof.month_v);
	free(proof.either_v);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True when INV is unpaid and its customer has a credit note in its
 * currency in the file (note_payer). */
static bool
owes(struct importer *im, const struct invoice *inv)
{
	const struct strlist *payers = &im->plan->payers;
	struct buf key = BUF_INIT;
	const char *k;
	bool yes;

	if (payers->n == 0 || inv->amount_due <= 0)
		return false;
	buf_printf(&key, "%s%s", inv->currency, inv->customer);
	if (buf_failed(&key)) {
		im->nomem = true;
		return false;
	}
	k = buf_cstr(&key);
	yes = bsearch(&k, payers->v, payers->n, sizeof(*payers->v),
	              by_string) != NULL;
	buf_free(&key);
	return yes;
}

/* Append to *V (of *N) what apply_credits needs of INV, read on LINE:
 * its number, customer, currency, amounts and due date. */
static int
note_owed(struct importer *im, struct owed **v, size_t *n,
          const struct invoice *inv, unsigned line)
{
	struct owed *o;

	if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4...: double */
		struct owed *w = realloc(*v, (*n ? 2 * *n : 1) * sizeof(*w));

		if (w == NULL) {
			im->nomem = true;
			return -1;
		}
		*v = w;
	}
	o = &(*v)[(*n)++];
	invoice_init(&o->inv);
	o->line = line;
	o->inv.number = strdup(inv->number);
	o->inv.customer = strdup(inv->customer);
	memcpy(o->inv.currency, inv->currency, sizeof(o->inv.currency));
	o->inv.amount_due = inv->amount_due;
	o->inv.amount_original = inv->amount_original;
	o->inv.due_date = inv->due_date;
	if (o->inv.number == NULL || o->inv.customer == NULL) {
		im->nomem = true;
		return -1;
	}
	return 0;
}

static int
by_owed_number(const void *a, const void *b)
{
	return strcmp(((const struct owed *)a)->inv.number,
	              ((const struct owed *)b)->inv.number);
}

/* What the credit notes of the file left due on INV (apply_credits). */
static void
settle(const struct plan *plan, struct invoice *inv)
{
	struct owed key, *o;

	if (!plan->settled || plan->nunpaid == 0)
		return;
	key.inv.number = inv->number;
	o = bsearch(&key, plan->unpaid, plan->nunpaid, sizeof(*o),
	            by_owed_number);
	if (o != NULL) {
		inv->amount_due = o->inv.amount_due;
		inv->amount_original = o->inv.amount_original;
	}
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

/* An invoice read: handed to IM->fn, with what credit notes take off it
 * (the writing); or noted for the duplicate check and the credit notes,
 * and kept when IM->keep (the check). */
static int
add_invoice(struct importer *im, struct invoice *inv, unsigned line)
{
	size_t n = im->out->n;
	struct invoice *v;

	if (im->fn != NULL) {
		settle(im->plan, inv);
		im->rows++;
		if (im->fn(inv, im->arg) != 0)
			im->stopped = true;
		return 0;
	}
	if (note_number(im, inv, line) < 0)
		return -1;
	im->rows++;
	if (owes(im, inv) &&
	    note_owed(im, &im->plan->unpaid, &im->plan->nunpaid, inv, line) < 0)
		return -1;
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

/* The unpaid invoice of CUSTOMER in CURRENCY due first (the first in the
 * file among equals), or NULL. */
static struct invoice *
oldest_unpaid(struct plan *plan, const char *customer, const char *currency)
{
	struct invoice *best = NULL;

	for (size_t i = 0; i < plan->nunpaid; i++) {
		struct invoice *inv = &plan->unpaid[i].inv;

		if (inv->amount_due > 0 &&
		    strcmp(inv->customer, customer) == 0 &&
		    strcmp(inv->currency, currency) == 0 &&
		    (best == NULL ||
		     date_cmp(inv->due_date, best->due_date) < 0))
			best = inv;
	}
	return best;
}

/*
 * A credit note is money the company owes the customer: it reduces what
 * the customer owes, the invoice due first first (Code civil art. 1342-10,
 * the default imputation of a payment), and is never chased itself. Each
 * deduction is a warning, so that the accountant can match it otherwise
 * (lettrage) in the books and export again. The amounts left due are then
 * found by number (settle).
 */
static void
apply_credits(struct importer *im)
{
	struct plan *plan = im->plan;

	for (size_t k = 0; k < plan->ncredits; k++) {
		struct invoice *cn = &plan->credits[k].inv, *inv;
		int64_t left = -cn->amount_due;
		char a[32], b[32];

		while (left > 0 && (inv = oldest_unpaid(plan, cn->customer,
		                                        cn->currency))) {
			int64_t take =
			    left < inv->amount_due ? left : inv->amount_due;

			if (inv->amount_original < 0)
				inv->amount_original = inv->amount_due;
			inv->amount_due -= take;
			left -= take;
			invoice_format_amount(cn, take, a, sizeof(a));
			invoice_format_amount(inv, inv->amount_due, b,
			                      sizeof(b));
			report(im, &im->out->warnings, plan->credits[k].line,
			       "credit note %s: %s %s taken off invoice %s, "
			       "now %s due (the invoice due first; match it "
			       "otherwise in the books if needed)",
			       cn->number, a, cn->currency, inv->number, b);
		}
		if (left > 0) {
			invoice_format_amount(cn, left, a, sizeof(a));
			report(im, &im->out->warnings, plan->credits[k].line,
			       "credit note %s: %s %s not taken off any "
			       "invoice (customer %s has no other unpaid "
			       "invoice in %s in this file)",
			       cn->number, a, cn->currency, cn->customer,
			       cn->currency);
		}
	}
	if (plan->nunpaid > 1)
		qsort(plan->unpaid, plan->nunpaid, sizeof(*plan->unpaid),
		      by_owed_number);
	plan->settled = true;
	for (size_t i = 0; i < im->out->n; i++) /* import_parse */
		settle(plan, &im->out->invoices[i]);
}

/*
 * A reading of the rows of DATA[0..LEN) below the header the scan found:
 * the check (IM->fn NULL: every row read and checked, the invoices noted
 * for the duplicate check and the credit notes) or the writing (each
 * invoice handed to IM->fn).
 */
static void
read_rows(struct importer *im, const char *data, size_t len)
{
	struct csv_reader *r = csv_reader_new(data, len, im->plan->sep);
	struct csv_row row = {0};
	struct err e;
	int got = 1;

	if (r == NULL) {
		im->nomem = true;
		return;
	}
	for (size_t i = 0; got > 0 && i <= im->plan->title; i++)
		got = csv_next(r, &row, &e);
	if (got > 0) /* the scan read the header: it is there */
		map_header(im, &row);
	while (got > 0 && !im->nomem && !im->stopped &&
	       (got = csv_next(r, &row, &e)) != 0) {
		struct invoice inv;
		const char *label;
		int kind;

		if (got < 0) {
			report_csv(im, &e);
			break;
		}
		switch (row_kind(im, &row, &label)) {
		case ROW_BLANK:
			continue;
		case ROW_TOTALS:
			report(im, &im->out->warnings, row.line,
			       "skipped a totals row (\"%.40s\"), not an "
			       "invoice",
			       label);
			continue;
		case ROW_NOTE:
			report(im, &im->out->warnings, row.line,
			       "skipped a row that is not an invoice "
			       "(\"%.40s\": no amount, and no invoice number "
			       "and customer)",
			       label);
			continue;
		case ROW_INVOICE:
			break;
		}
		if (im->rows >= IMPORT_MAX_ROWS) {
			report(im, im->errors, row.line,
			       "more than %d invoices in one file",
			       IMPORT_MAX_ROWS);
			break;
		}
		invoice_init(&inv);
		kind = read_row(im, &row, &inv);
		if (kind == 0)
			add_invoice(im, &inv, row.line);
		else if (kind == 1 && im->fn == NULL)
			note_owed(im, &im->plan->credits, &im->plan->ncredits,
			          &inv, row.line);
		invoice_free(&inv);
	}
	csv_row_free(&row);
	csv_reader_free(r);
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

/* Release what IM holds (again: nothing). */
static void
importer_free(struct importer *im)
{
	free(im->offs);
	free(im->lines);
	im->offs = NULL;
	im->lines = NULL;
	im->cap = 0;
	buf_free(&im->numbers);
	strlist_clear(&im->headers);
}

static void
plan_free(struct plan *plan)
{
	for (size_t i = 0; i < plan->ncredits; i++)
		invoice_free(&plan->credits[i].inv);
	free(plan->credits);
	for (size_t i = 0; i < plan->nunpaid; i++)
		invoice_free(&plan->unpaid[i].inv);
	free(plan->unpaid);
	strlist_clear(&plan->payers);
}

/*
 * import_parse and import_each: the first reading (scan_file, then the
 * check of every row, the duplicate check and the credit notes applied),
 * and when FN is given and nothing is wrong, the second (every invoice to
 * FN). Without FN, the invoices are kept in OUT.
 */
static int
import_run(const char *name, const char *data, size_t len,
           const struct import_opts *opts, import_fn fn, void *arg,
           struct import_result *out, struct strlist *errors)
{
	struct plan plan = {.payers = STRLIST_INIT};
	struct importer scan = {.name = name,
	                        .opts = opts,
	                        .plan = &plan,
	                        .headers = STRLIST_INIT,
	                        .out = out,
	                        .numbers = BUF_INIT,
	                        .errors = errors};
	struct importer check = scan, take = scan;
	struct import_result again = {0};
	struct strlist none = STRLIST_INIT;
	struct buf converted = BUF_INIT;
	bool nomem;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!text_utf8_valid(data, len)) {
		text_cp1252_to_utf8(data, len, &converted);
		data = buf_cstr(&converted);
		len = converted.len;
		scan.nomem = buf_failed(&converted);
		report(&scan, &out->warnings, 1,
		       "not UTF-8: read as Windows-1252 (Excel's encoding)");
	}
	if (!scan.nomem)
		scan_file(&scan, data, len);
	rc = scan.nerrors;
	if (rc == 0 && !scan.nomem) {
		check.keep = fn == NULL;
		read_rows(&check, data, len);
		check_duplicates(&check);
		if (check.nerrors == 0 && !check.nomem)
			apply_credits(&check);
		rc = check.nerrors;
		importer_free(&check); /* the numbers: not for the writing */
	}
	if (fn != NULL && rc == 0 && !scan.nomem && !check.nomem) {
		/* The same reading again cannot find an error: only its
		 * invoices, warnings already given, are new. */
		take.fn = fn;
		take.arg = arg;
		take.quiet = true;
		take.out = &again;
		take.errors = &none;
		read_rows(&take, data, len);
		if (take.nerrors > 0)
			rc = -1;
	}
	nomem = scan.nomem || check.nomem || take.nomem;
	importer_free(&scan);
	importer_free(&check);
	importer_free(&take);
	plan_free(&plan);
	import_result_free(&again);
	strlist_clear(&none);
	buf_free(&converted);
	return nomem ? -1 : rc;
}

int
import_parse(const char *name, const char *data, size_t len,
             const struct import_opts *opts, struct import_result *out,
             struct strlist *errors)
{
	return import_run(name, data, len, opts, NULL, NULL, out, errors);
}

int
import_each(const char *name, const char *data, size_t len,
            const struct import_opts *opts, import_fn fn, void *arg,
            struct import_result *out, struct strlist *errors)
{
	return import_run(name, data, len, opts, fn, arg, out, errors);
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
