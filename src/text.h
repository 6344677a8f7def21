/*
 * text.h -- small, pure helpers for UTF-8 text from the outside world.
 */
#ifndef RELANCE_TEXT_H
#define RELANCE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* text_utf8_valid -- true when S[0..LEN) is well-formed UTF-8 (no overlongs,
 * no surrogates). */
bool text_utf8_valid(const char *s, size_t len);

/* text_cp1252_to_utf8 -- append S[0..LEN), read as Windows-1252 (what
 * French Excel writes), to OUT as UTF-8. */
void text_cp1252_to_utf8(const char *s, size_t len, struct buf *out);

/* text_fold -- append S to OUT lower-cased with accents removed (é -> e,
 * ç -> c, œ -> oe, ß -> ss), for matching names and keywords; other
 * characters are copied unchanged. */
void text_fold(const char *s, struct buf *out);

/* text_trim -- strip ASCII blanks at both ends, in place; returns S moved
 * past the leading ones. */
char *text_trim(char *s);

/* text_has_ctl -- true when S holds a control character (< 0x20 or 0x7f). */
bool text_has_ctl(const char *s);

/* text_escape -- append S to OUT with backslash, TAB, LF, CR and the other
 * control bytes written as \\ \t \n \r \xHH, so that any value fits in
 * one TAB-separated field of one line (state records, spool files). */
void text_escape(const char *s, struct buf *out);

/* text_unescape -- append the value S[0..LEN) escaped by text_escape to
 * OUT. 0, or -1 on a malformed escape (or \x00). */
int text_unescape(const char *s, size_t len, struct buf *out);

/* text_width -- display columns of a UTF-8 string (one per code point). */
size_t text_width(const char *s);

/* text_fit -- append S to OUT cut to at most WIDTH columns ("…" marks a
 * cut) and padded with spaces to exactly WIDTH when PAD. */
void text_fit(const char *s, size_t width, bool pad, struct buf *out);

/* text_printable -- append S to OUT safe to print on a terminal or in a
 * log: each control character (< 0x20 or 0x7f) and each byte that does
 * not start a well-formed UTF-8 sequence (a character cut in two by a
 * "%.40s") becomes '?'. */
void text_printable(const char *s, struct buf *out);

#endif
