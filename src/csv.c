/*
 * csv.c -- RFC 4180 reader for accounting exports.
 *
 * A small state machine over a borrowed buffer. Where RFC 4180 and real
 * exports disagree, the exports win when the meaning is still clear: any of
 * CRLF, LF or a lone CR ends a line (French Excel, old Mac exports), a
 * double quote inside an unquoted field is data (5" screen), and the last
 * line may lack its line end. Where the meaning is not clear, it is an
 * error that names the physical line: text after a closing quote, a quote
 * that never closes, a NUL byte (UTF-16 files), oversized fields and rows.
 *
 * Inside quotes every byte is data, line ends included, kept as they are
 * (a CRLF stays a CRLF). Line numbers count physical lines, so a row that
 * holds a quoted newline moves the next row's number on by one per newline.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"

struct csv_reader {
	const char *data; /* borrowed */
	size_t len;
	size_t pos;
	char sep;
	unsigned line;                /* physical line of data[pos] */
	struct buf field;             /* the field being read */
	char *fields[CSV_MAX_FIELDS]; /* the row being read */
	size_t nfields;
};

#define CSV_BOM "\xef\xbb\xbf"

static size_t
csv_skip_bom(const char *data, size_t len)
{
	return len >= 3 && memcmp(data, CSV_BOM, 3) == 0 ? 3 : 0;
}

/* Count the separators ';', ',' and tab of the line at DATA[*I] into N,
 * and into F the non-blank fields each would make (quoted text skipped;
 * a quoted newline does not end the line); leave *I at its end. */
static void
csv_count_line(const char *data, size_t len, size_t *i, size_t n[3],
               size_t f[3])
{
	static const char seps[3] = {';', ',', '\t'};
	int quoted = 0, full[3] = {0, 0, 0};

	for (int k = 0; k < 3; k++)
		n[k] = f[k] = 0;
	for (; *i < len; (*i)++) {
		char c = data[*i];

		if (c == '"')
			quoted = !quoted;
		if (!quoted && (c == '\r' || c == '\n'))
			break;
		for (int k = 0; k < 3; k++) {
			if (!quoted && c == seps[k]) {
				n[k]++;
				f[k] += full[k];
				full[k] = 0;
			} else if (c != ' ' && c != '\t' && c != seps[k]) {
				full[k] = 1;
			}
		}
	}
	for (int k = 0; k < 3; k++)
		f[k] += full[k];
}

/*
 * The first line that is not blank and would make two fields or more
 * decides, so that a title line above the header ("Export du 23/11/2026",
 * or "Export du 23/11/2026;;;;" as Excel writes it) does not; at most
 * CSV_DETECT_LINES lines are read. On a tie the order of preference is ';'
 * (French exports), ',' then tab.
 */
int
csv_detect_separator(const char *data, size_t len)
{
	size_t i = csv_skip_bom(data, len);
	size_t n[3], f[3];

	for (int lines = 0; i < len && lines < CSV_DETECT_LINES; lines++) {
		while (i < len && (data[i] == '\r' || data[i] == '\n'))
			i++;
		if (i >= len)
			break;
		csv_count_line(data, len, &i, n, f);
		if (f[0] < 2 && f[1] < 2 && f[2] < 2)
			continue;
		if (n[0] >= n[1] && n[0] >= n[2])
			return ';';
		return n[1] >= n[2] ? ',' : '\t';
	}
	return ',';
}

/* Besides no memory, NULL for a separator that cannot work: '"', CR, LF,
 * NUL or a byte above 0x7f. */
struct csv_reader *
csv_reader_new(const char *data, size_t len, int sep)
{
	struct csv_reader *r;

	if (sep <= 0 || sep > 0x7f || sep == '"' || sep == '\r' || sep == '\n')
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->data = data;
	r->len = len;
	r->pos = csv_skip_bom(data, len);
	r->sep = (char)sep;
	r->line = 1;
	r->field = (struct buf)BUF_INIT;
	return r;
}

/* One more physical line; saturates rather than wrapping. */
static void
csv_newline(struct csv_reader *r)
{
	if (r->line < UINT_MAX)
		r->line++;
}

static int
csv_peek(const struct csv_reader *r)
{
	return r->pos < r->len ? (unsigned char)r->data[r->pos] : -1;
}

/* Consume the line end at pos (CRLF, LF or a lone CR), if there is one. */
static void
csv_eat_eol(struct csv_reader *r)
{
	int c = csv_peek(r);

	if (c == '\r') {
		r->pos++;
		if (csv_peek(r) == '\n')
			r->pos++;
		csv_newline(r);
	} else if (c == '\n') {
		r->pos++;
		csv_newline(r);
	}
}

static void
csv_sep_name(char sep, char out[8])
{
	if (sep == '\t') {
		memcpy(out, "a tab", 6);
	} else {
		out[0] = '\'';
		out[1] = sep;
		out[2] = '\'';
		out[3] = '\0';
	}
}

/* Append byte C to the field that starts on line START; -1 with E set when
 * the field grows too long. QUOTED: the field is quoted, and the likely
 * cause is a quote that never closes. */
static int
csv_put(struct csv_reader *r, char c, unsigned start, int quoted, struct err *e)
{
	if (r->field.len >= CSV_MAX_FIELD) {
		err_set(e,
		        "line %u: field %zu is longer than %d bytes "
		        "(expected at most %d%s)",
		        start, r->nfields + 1, CSV_MAX_FIELD, CSV_MAX_FIELD,
		        quoted ? "; is the quote opened here ever closed?"
		               : "");
		return -1;
	}
	buf_putc(&r->field, c);
	return 0;
}

static void
csv_nul_error(const struct csv_reader *r, struct err *e)
{
	err_set(e,
	        "line %u: NUL byte in field %zu (expected text: a UTF-16 "
	        "file? export it as CSV, UTF-8 or Windows-1252)",
	        r->line, r->nfields + 1);
}

/* A quoted field: pos is on the opening quote. Leaves pos after the
 * closing quote, on the separator or the line end. */
static int
csv_quoted(struct csv_reader *r, struct err *e)
{
	unsigned start = r->line;
	char sepname[8];
	int c;

	r->pos++;
	for (;;) {
		c = csv_peek(r);
		if (c < 0) {
			err_set(e,
			        "line %u: unterminated quoted field (the "
			        "quote opened here is never closed)",
			        start);
			return -1;
		}
		r->pos++;
		if (c == '"') {
			if (csv_peek(r) != '"')
				break;
			r->pos++;
		} else if (c == '\0') {
			csv_nul_error(r, e);
			return -1;
		} else if (c == '\n' || (c == '\r' && csv_peek(r) != '\n')) {
			csv_newline(r);
		}
		if (csv_put(r, (char)c, start, 1, e) < 0)
			return -1;
	}
	c = csv_peek(r);
	if (c < 0 || c == r->sep || c == '\r' || c == '\n')
		return 0;
	csv_sep_name(r->sep, sepname);
	err_set(e,
	        "line %u: text after the closing quote of field %zu "
	        "(expected %s or the end of the line)",
	        r->line, r->nfields + 1, sepname);
	return -1;
}

/* An unquoted field: up to the separator, the line end or the end. */
static int
csv_plain(struct csv_reader *r, struct err *e)
{
	int c;

	while ((c = csv_peek(r)) >= 0 && c != r->sep && c != '\r' &&
	       c != '\n') {
		if (c == '\0') {
			csv_nul_error(r, e);
			return -1;
		}
		if (csv_put(r, (char)c, r->line, 0, e) < 0)
			return -1;
		r->pos++;
	}
	return 0;
}

/* Move the field just read into the row being built. */
static int
csv_keep_field(struct csv_reader *r, struct err *e)
{
	char *copy;

	if (r->nfields >= CSV_MAX_FIELDS) {
		err_set(e, "line %u: more than %d fields (expected at most %d)",
		        r->line, CSV_MAX_FIELDS, CSV_MAX_FIELDS);
		return -1;
	}
	copy = buf_steal(&r->field);
	if (copy == NULL) {
		err_set(e, "line %u: out of memory", r->line);
		return -1;
	}
	r->fields[r->nfields++] = copy;
	return 0;
}

static void
csv_drop_fields(struct csv_reader *r)
{
	for (size_t i = 0; i < r->nfields; i++)
		free(r->fields[i]);
	r->nfields = 0;
	buf_free(&r->field);
}

/* Read the fields of one row into r->fields; pos is on its first byte. */
static int
csv_read_row(struct csv_reader *r, struct err *e)
{
	int c;

	for (;;) {
		buf_reset(&r->field);
		if (csv_peek(r) == '"') {
			if (csv_quoted(r, e) < 0)
				return -1;
		} else if (csv_plain(r, e) < 0) {
			return -1;
		}
		if (csv_keep_field(r, e) < 0)
			return -1;
		c = csv_peek(r);
		if (c != r->sep)
			break;
		r->pos++;
	}
	csv_eat_eol(r);
	return 0;
}

int
csv_next(struct csv_reader *r, struct csv_row *row, struct err *e)
{
	unsigned start;
	int c;

	csv_row_free(row);
	while ((c = csv_peek(r)) == '\r' || c == '\n')
		csv_eat_eol(r);
	if (c < 0)
		return 0;
	start = r->line;
	if (csv_read_row(r, e) < 0)
		goto fail;
	row->fields = malloc(r->nfields * sizeof(*row->fields));
	if (row->fields == NULL) {
		err_set(e, "line %u: out of memory", start);
		goto fail;
	}
	memcpy(row->fields, r->fields, r->nfields * sizeof(*row->fields));
	row->nfields = r->nfields;
	row->line = start;
	r->nfields = 0;
	return 1;
fail:
	csv_drop_fields(r);
	r->pos = r->len; /* after an error the rest cannot be trusted */
	return -1;
}

void
csv_row_free(struct csv_row *row)
{
	for (size_t i = 0; i < row->nfields; i++)
		free(row->fields[i]);
	free(row->fields);
	row->fields = NULL;
	row->nfields = 0;
	row->line = 0;
}

void
csv_reader_free(struct csv_reader *r)
{
	if (r == NULL)
		return;
	csv_drop_fields(r);
	free(r);
}
