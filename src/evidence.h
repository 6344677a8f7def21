/*
 * evidence.h -- the evidence file of an invoice: what relance-milter keeps
 * of every reminder and reply (the archive), and what `relance evidence`
 * puts together from it for a court payment order (injonction de payer)
 * or a collection agency.
 *
 * The archive: relance-milter writes each reminder as it left the milter,
 * and each reply it recorded on an invoice as it read it, to one file of
 * ArchiveDir, named by evidence_archive_name (never from text of the mail),
 * and appends evidence_note ("; archived as NAME, SHA-256 HEX") at the end
 * of the history event that records the message. evidence_find_note reads
 * it back.
 *
 * The evidence file: evidence_collect lists the documents an invoice's
 * history names (archived messages, PDF letters, the invoice's own PDF);
 * the shell copies them and hashes the copies; evidence_manifest,
 * evidence_html and evidence_index_paragraphs write the manifest and the
 * index from the result.
 *
 * Pure: no I/O, no clock (times are written in UTC with gmtime_r).
 */
#ifndef RELANCE_EVIDENCE_H
#define RELANCE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "invoice.h"
#include "outgoing.h"
#include "sha256.h"
#include "strlist.h"

#define EVIDENCE_MAX_ARCHIVE (64L * 1024 * 1024) /* largest reminder kept */
#define EVIDENCE_MAX_QID                                                       \
	32 /* bytes of a queue ID in                                           \
	      a file name */
#define EVIDENCE_MANIFEST "SHA256SUMS"

/*
 * evidence_archive_name -- the file name of a message kept at TIME (UTC)
 * with the queue ID QID (NULL or "": "NOQUEUE"), WAY "out" (a reminder)
 * or "in" (a reply), appended to OUT: "20261123T093000Z-QID-WAY.eml", or
 * "...-WAY-N.eml" for the Nth try when the name is taken (N > 0). Bytes of
 * QID outside [A-Za-z0-9] become '_'; at most EVIDENCE_MAX_QID of them.
 */
void evidence_archive_name(int64_t time, const char *qid, const char *way,
                           unsigned n, struct buf *out);

/* evidence_name_ok -- is NAME one that evidence_archive_name can make
 * (a single safe file name ending in ".eml")? */
bool evidence_name_ok(const char *name);

/* evidence_note -- append "; archived as NAME, SHA-256 HEX" to OUT. */
void evidence_note(const char *name, const char *hex, struct buf *out);

/* evidence_find_note -- when DETAIL ends with a note that evidence_note
 * made (with a NAME that evidence_name_ok accepts), its name into NAME
 * (reset first) and its hash into HEX, and true; false otherwise. */
bool evidence_find_note(const char *detail, struct buf *name,
                        char hex[SHA256_HEX]);

/*
 * evidence_message -- the message as it leaves the milter, appended to
 * OUT: the header fields NAMES/VALUES with the changes of PLAN applied
 * as the MTA applies them (OUTGOING_CHANGE of the INDEXth field of a name,
 * or appended when there are fewer; OUTGOING_DELETE; OUTGOING_ADD at the
 * end), each "Name: value" ended by CRLF (a lone LF inside a folded value
 * becomes CRLF), a blank line, then BODY[0..LEN) as it is. PLAN may be
 * NULL. 0, or -1 on no memory.
 */
int evidence_message(const struct strlist *names, const struct strlist *values,
                     const struct outgoing_plan *plan, const void *body,
                     size_t len, struct buf *out);

/* The kinds of document of an evidence file. */
enum evidence_kind {
	EVIDENCE_MAIL,    /* an archived message (reminder or reply) */
	EVIDENCE_LETTER,  /* a PDF letter of the outbox */
	EVIDENCE_INVOICE, /* the invoice's own PDF */
};

/* One document: where it comes from, where it goes, what it is. */
struct evidence_doc {
	enum evidence_kind kind;
	char *source; /* archive name (MAIL) or path (LETTER, INVOICE) */
	char *file;   /* its name in the evidence directory, e.g.
	                 "mail/20261123T093000Z-R1-out.eml" */
	char *what;   /* "reminder-sent 2026-11-23 09:30:00 UTC" */
	int64_t time; /* of its event (0 for the invoice's PDF) */
	char recorded[SHA256_HEX]; /* the hash the history holds, or "" */
	/* filled by the shell: */
	char hex[SHA256_HEX]; /* of the copy, or "" when missing */
	char *problem;        /* NULL, or what is wrong (missing, changed) */
};

struct evidence_docs {
	struct evidence_doc *v;
	size_t n;
};

/*
 * evidence_collect -- the documents INV's history names, in history order,
 * into DOCS (empty; release with evidence_docs_free): the invoice's PDF
 * first when it has one, then each event with a note (an archived
 * message), each "letter" event ("STEP PATH": the PDF letter). Two
 * documents never share a file name in the directory (a suffix "-N" is
 * added). 0, or -1 on no memory.
 */
int evidence_collect(const struct invoice *inv, struct evidence_docs *docs);

/* evidence_docs_free -- release what DOCS owns. */
void evidence_docs_free(struct evidence_docs *docs);

/* evidence_time -- "2026-11-23 09:30:00 UTC" for T, appended to OUT. */
void evidence_time(int64_t t, struct buf *out);

/* evidence_manifest -- the manifest of DOCS (those with a hash) and the
 * other files EXTRA/EXTRA_HEX (the index...), in sha256sum(1)'s format:
 * "HEX  FILE" a line, sorted by file name, appended to OUT (so that
 * `sha256sum -c SHA256SUMS` checks the directory). */
void evidence_manifest(const struct evidence_docs *docs,
                       const struct strlist *extra,
                       const struct strlist *extra_hex, struct buf *out);

/* evidence_timeline_line -- one event as a line of the timeline:
 * "2026-11-23 09:30:00 UTC  KIND  ACTOR: DETAIL" (control characters as
 * spaces), appended to OUT. */
void evidence_timeline_line(const struct invoice_event *ev, struct buf *out);

/* evidence_html -- the index page of the evidence file of INV, with DOCS,
 * made at NOW, appended to OUT: one self-contained HTML page (no external
 * asset), every text escaped. */
void evidence_html(const struct invoice *inv, const struct evidence_docs *docs,
                   int64_t now, struct buf *out);

/* evidence_index_paragraphs -- the same index as paragraphs of text (LF
 * inside a paragraph keeps a line), for the PDF, appended to OUT. 0, or
 * -1 on no memory. */
int evidence_index_paragraphs(const struct invoice *inv,
                              const struct evidence_docs *docs, int64_t now,
                              struct strlist *out);

#endif
