/*
 * letter.h -- the formal notice as a printed letter: a French business
 * letter on A4, written as PDF with cairo and pango.
 *
 * Two halves. The pure half (letter_build, letter_text, letter_date,
 * letter_file_name) turns values into the letter's blocks of text: no I/O,
 * no clock, tested by tests/test_letter.c. The drawing half (letter_pdf)
 * lays the blocks out with pango (real text layout: accents, kerning, line
 * breaking) onto as many A4 pages as the body needs, and writes the PDF
 * into memory with cairo; letter_write_file puts it in a file atomically.
 *
 * Text is always given to pango as text, never as markup: a "<b>" or "&"
 * in a customer name is printed as it is. Every line of every block is
 * valid UTF-8 without control characters (a CR or LF in a customer name
 * from the CSV becomes a space).
 *
 * The layout: the sender (company name, postal address) at the top left;
 * the recipient (customer name, postal address) on the right, where the
 * window of a DL envelope is; the place and date under it; the mention
 * "Lettre recommandée avec accusé de réception" and the subject line
 * ("Objet : ...") on the left; the body; the signature on the right. A
 * letter of more than one page is numbered ("Page 2/3") at the foot.
 */
#ifndef RELANCE_LETTER_H
#define RELANCE_LETTER_H

#include <stddef.h>

#include "buf.h"
#include "date.h"
#include "err.h"
#include "strlist.h"

#define LETTER_MAX_ADDRESS 8 /* lines of an address block, name included */
#define LETTER_FLOW_WIDTH                                                      \
	50 /* a template line this wide or wider was                           \
	    * wrapped: the next line continues it */

/* What a letter is built from. Everything is borrowed; LANG "fr" writes
 * French, anything else English. */
struct letter_input {
	const char *lang;
	const char *company_name;              /* required */
	const struct strlist *company_address; /* lines; at least one */
	const char *customer_name;             /* required */
	const char *customer_address;          /* lines split at LF, CR or
	                                          CRLF; NULL or "": none */
	const char *place;                     /* "Paris"; NULL: none */
	struct date date;                      /* the letter's date */
	const char *subject;                   /* the template's Subject */
	const char *body;                      /* the rendered template body */
	const char *signatory;                 /* NULL: none */
};

/* A letter's blocks of text, every string malloc'ed and owned here. */
struct letter {
	char *lang;
	struct strlist sender;     /* company name, then its address lines */
	struct strlist recipient;  /* customer name, then its address lines */
	char *place_date;          /* "Paris, le 23 novembre 2026" */
	char *mention;             /* "Lettre recommandée avec accusé de
	                              réception" */
	char *subject;             /* "Objet : Mise en demeure de payer" */
	struct strlist paragraphs; /* the body, reflowed: one item per
	                              paragraph, LF where a line is kept */
	struct strlist signature;  /* signatory, company name */
};

/*
 * letter_build -- the blocks of the letter for IN into OUT (release with
 * letter_free, whatever the result).
 *
 * The body is reflowed: blank lines separate paragraphs; a line that
 * starts with "- " starts a new paragraph (a list item); any other line
 * continues the one before it when that one is at least
 * LETTER_FLOW_WIDTH characters wide (the template wrapped it), and starts
 * a new line of the same paragraph otherwise. Returns 0, or -1 with E set
 * (no company name or address, no customer name, too many address lines,
 * no memory).
 */
int letter_build(const struct letter_input *in, struct letter *out,
                 struct err *e);

/* letter_free -- release what L owns; leaves it empty. */
void letter_free(struct letter *l);

/*
 * letter_text -- the letter L as plain text into OUT (appended): each
 * block's lines, blocks and paragraphs separated by a blank line, in the
 * order they are printed. What the PDF says, for tests and people.
 */
void letter_text(const struct letter *l, struct buf *out);

/* letter_date -- D written out in LANG, appended to OUT: "23 novembre
 * 2026", "1er décembre 2026" ("fr"), "23 November 2026" (others). */
void letter_date(struct date d, const char *lang, struct buf *out);

/*
 * letter_file_name -- "NUMBER-STEP-YYYY-MM-DD.pdf" into OUT (appended), a
 * single safe file name: bytes of NUMBER and STEP outside [A-Za-z0-9._-]
 * and a leading '.' become '_', and when anything was replaced the name
 * gets "-XXXXXXXX" (a hash of the original NUMBER and STEP) before ".pdf",
 * so that "F/1" and "F_1" never share a file. Returns 0, or -1 on no
 * memory.
 */
int letter_file_name(const char *number, const char *step, struct date d,
                     struct buf *out);

/*
 * letter_pdf -- draw L on A4 pages and append the PDF to OUT. Returns the
 * number of pages, or -1 with E set (cairo's or pango's failure, no
 * memory).
 */
int letter_pdf(const struct letter *l, struct buf *out, struct err *e);

/*
 * letter_write_file -- write DATA[0..LEN) to DIR/NAME atomically: into
 * DIR/.NAME.PID.tmp (created with mode 0666 less the umask), fsync,
 * rename over DIR/NAME, fsync DIR. DIR is created (mode 0777 less the
 * umask) when it does not exist but its parent does. NAME must be a
 * single file name (letter_file_name). Returns 0, or -1 with E set and
 * nothing left behind.
 */
int letter_write_file(const char *dir, const char *name, const void *data,
                      size_t len, struct err *e);

#endif
