/*
 * csv.h -- RFC 4180 reader for accounting exports.
 *
 * Pure: reads from a memory buffer the caller owns and keeps alive. Handles
 * a UTF-8 BOM, CRLF, LF or lone CR line ends, quoted fields with doubled
 * quotes (a quote inside an unquoted field, as in 5" screen, is data) and
 * with separators and newlines inside them, and a separator chosen by the
 * caller or detected from the header line. Every row knows the physical
 * line it starts on, so that errors can name FILE:LINE. Bounded: a field
 * longer than CSV_MAX_FIELD bytes or a row of more than CSV_MAX_FIELDS
 * fields is an error, never a crash.
 */
#ifndef RELANCE_CSV_H
#define RELANCE_CSV_H

#include <stddef.h>

#include "err.h"

#define CSV_MAX_FIELD  (64 * 1024)
#define CSV_MAX_FIELDS 256

struct csv_reader;

struct csv_row {
	char **fields; /* NUL-terminated copies, owned by the row */
	size_t nfields;
	unsigned line; /* physical line (1-based) where the row starts */
};

/* Lines csv_detect_separator looks at. */
#define CSV_DETECT_LINES 12

/* csv_detect_separator -- ',', ';' or '\t': whichever occurs most, outside
 * quotes, on the first line of DATA (after a BOM) that is not blank and
 * that it would split into two non-blank fields or more, so that a title
 * line above the header does not decide; among the first CSV_DETECT_LINES
 * lines; ',' when none does. */
int csv_detect_separator(const char *data, size_t len);

/* csv_reader_new -- a reader over DATA[0..LEN) (borrowed; a leading UTF-8
 * BOM is skipped) with separator SEP. NULL on no memory, or when SEP cannot
 * separate ('"', CR, LF, NUL, a non-ASCII byte). */
struct csv_reader *csv_reader_new(const char *data, size_t len, int sep);

/* csv_next -- the next row into *ROW (freed first if it holds one). Rows
 * that are entirely empty (a blank line) are skipped. Returns 1 for a row,
 * 0 at the end, -1 with E set to "line N: what is wrong" (an unterminated
 * quote names the line where the quote opened; text after a closing quote,
 * a NUL byte, a field or row too large); after -1 the reader is at the end.
 * ROW must start zeroed ({0}). */
int csv_next(struct csv_reader *r, struct csv_row *row, struct err *e);

/* csv_row_free -- release a row's fields (the row itself is the caller's). */
void csv_row_free(struct csv_row *row);

/* csv_reader_free -- release the reader. */
void csv_reader_free(struct csv_reader *r);

#endif
