/* fuzz-sources: src/csv.c src/buf.c src/err.c */
/*
 * fuzz_csv.c -- the CSV reader on arbitrary bytes.
 *
 * The input is not NUL-terminated, so that any read past its end shows. The
 * separator is the detected one, so the corpus steers it. Besides "no
 * crash, no leak", checks what callers rely on: rows start on
 * non-decreasing lines, have 1..CSV_MAX_FIELDS fields of at most
 * CSV_MAX_FIELD bytes, and errors read "line N: ...".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_row(const struct csv_row *row, unsigned last)
{
	if (row->line < last || row->line == 0 || row->nfields == 0 ||
	    row->nfields > CSV_MAX_FIELDS)
		abort();
	for (size_t i = 0; i < row->nfields; i++)
		if (strlen(row->fields[i]) > CSV_MAX_FIELD)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	int sep = csv_detect_separator(text, size);
	struct csv_reader *r;
	struct csv_row row = {0};
	struct err e = {{0}};
	unsigned last = 0;
	int rc;

	if (sep != ',' && sep != ';' && sep != '\t')
		abort();
	r = csv_reader_new(text, size, sep);
	if (r == NULL)
		return 0;
	while ((rc = csv_next(r, &row, &e)) == 1) {
		fuzz_check_row(&row, last);
		last = row.line;
	}
	if (rc < 0 && strncmp(e.msg, "line ", 5) != 0)
		abort();
	if (row.nfields != 0 || csv_next(r, &row, &e) != 0)
		abort();
	csv_row_free(&row);
	csv_reader_free(r);
	return 0;
}
