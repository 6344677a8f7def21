/*
 * import.h -- invoices from an accounting export (CSV) into records.
 *
 * Pure: bytes in, validated invoices out. Columns are found by header name
 * (case, accents, spaces and punctuation ignored) with French and English
 * aliases; the separator is detected; UTF-8 with or without a BOM, and
 * Windows-1252 (what French Excel writes) is converted. Every problem is
 * collected as "FILE:LINE: what is wrong, what was expected", so that the
 * caller can refuse the whole file: an import is all or nothing.
 */
#ifndef RELANCE_IMPORT_H
#define RELANCE_IMPORT_H

#include <stddef.h>

#include "buf.h"
#include "invoice.h"
#include "strlist.h"

/* Payment terms above this many days from the issue date draw a warning
 * (Code de commerce L441-10 I: at most 60 days). */
#define IMPORT_MAX_TERMS 60
#define IMPORT_MAX_ROWS  1000000
/* Lines of title an export may have above its header. */
#define IMPORT_MAX_TITLE 10
/* No column name is longer (bytes); longer cells are data. */
#define IMPORT_MAX_HEADER 64

struct import_opts {
	const struct strlist *profiles;  /* known payer profiles */
	const struct strlist *languages; /* known languages ("fr", "en") */
	const char *default_profile;     /* when the column is absent/empty */
	const char *default_lang;
	const char *default_currency;
	const char *pdf_dir; /* PdfDir: PDF paths must lie under
	                      * it (a relative one is taken under
	                      * it); NULL: taken as they are */
};

struct import_result {
	struct invoice *invoices; /* in file order; amount_original is -1
	                           * when the export does not give it */
	size_t n;
	struct strlist warnings; /* "FILE:LINE: warning: ..." */
};

/* import_parse -- read the export DATA[0..LEN) named NAME. Returns the
 * number of errors appended to ERRORS (0: OUT holds every invoice), or -1
 * on no memory. OUT is always to be freed with import_result_free. */
int import_parse(const char *name, const char *data, size_t len,
                 const struct import_opts *opts, struct import_result *out,
                 struct strlist *errors);

/* What import_each hands over: INV, borrowed for the call. Non-zero
 * stops the reading. */
typedef int (*import_fn)(const struct invoice *inv, void *arg);

/*
 * import_each -- import_parse without holding every invoice at once.
 * A first reading decides and checks: it sweeps DATA[0..LEN) once for
 * what concerns the whole file (separator, header and title lines, the
 * order of day and month in slash dates, the customers with a credit note
 * in each currency), then reads and checks every row as import_parse
 * does (the same errors and warnings, duplicate numbers and credit notes
 * included), keeping only each invoice's number and line, the credit
 * notes, and the invoices of the customers that have one in the same
 * currency (to compute, due first, what each credit takes off them).
 * When it finds no error, a second reading calls FN(invoice, ARG) for
 * each invoice in file order, its amounts after the credit notes. So the
 * memory is the text, a few bytes per invoice, and what the credit notes
 * concern; not every invoice. Returns the number of errors appended to
 * ERRORS (then FN was never called), 0 (FN saw every invoice, or asked to
 * stop: ARG says which), or -1 on no memory. OUT gets the warnings only
 * (n stays 0); free it with import_result_free.
 */
int import_each(const char *name, const char *data, size_t len,
                const struct import_opts *opts, import_fn fn, void *arg,
                struct import_result *out, struct strlist *errors);

/* import_result_free -- release the invoices and warnings. */
void import_result_free(struct import_result *r);

/* import_pdf_path -- the PDF path PATH of an export, confined to DIR
 * (PdfDir, an absolute path), appended to OUT: a relative PATH is
 * taken under DIR; the result must lie under DIR and have no "." or ".."
 * component nor an empty one ("//"). With DIR NULL, PATH as it is. Pure:
 * symbolic links are not looked at (run.c does, when it opens the file).
 * 0 (OUT may have failed: buf_failed), or -1 when PATH escapes DIR (OUT
 * then unspecified). */
int import_pdf_path(const char *dir, const char *path, struct buf *out);

/* import_columns -- the documented column names and their aliases, one
 * "field: alias, alias, ..." line each, appended to OUT (for --help). */
void import_columns(struct strlist *out);

#endif
