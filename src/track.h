/*
 * track.h -- tracking IDs: make them, read them back from mail.
 *
 * A tracking ID is "R-" and nine Crockford base32 symbols
 * (0123456789ABCDEFGHJKMNPQRSTVWXYZ): eight random ones (40 bits from the
 * kernel's CSPRNG, never derived from the invoice number) and a check
 * symbol, e.g. "R-7K3Q9WXMT". Short, unambiguous read aloud, unguessable.
 *
 * The check symbol is not Crockford's (the 40-bit value mod 37), whose five
 * extra symbols *~$=U are awkward in subjects and addresses. Nor is it the
 * value modulo a prime below 32: as 32 = 1 (mod 31), the value mod 31 is
 * the sum of the symbols and misses every swap of two neighbours, and any
 * prime p < 32 misses a symbol mistyped as one p away. It is the weighted
 * sum of the eight symbol values, weights 1, 3, 5, ..., 15, modulo 32: the
 * weights are odd, hence invertible modulo 32, so every single mistyped
 * symbol changes the check; a swap of two neighbouring random symbols goes
 * unnoticed only when their values differ by 16. A random well-formed guess
 * fails the check 31 times in 32 before the state is even asked.
 *
 * Reading is forgiving the way Crockford intends: case is ignored, O reads
 * as 0, I and L as 1, the hyphen is optional; the check symbol must match.
 * Everything but track_random is pure.
 */
#ifndef RELANCE_TRACK_H
#define RELANCE_TRACK_H

#include <stddef.h>

#include "buf.h"
#include "strlist.h"

#define TRACK_SYMBOLS 9  /* 8 random + 1 check */
#define TRACK_ID_SIZE 12 /* "R-" + 9 + NUL */

/* track_make -- the ID for the 40 bits in RANDOM[0..5) into OUT. */
void track_make(const unsigned char random[5], char out[TRACK_ID_SIZE]);

/* track_random -- a new ID from getrandom(2). 0, or -1 (errno set). */
int track_random(char out[TRACK_ID_SIZE]);

/* track_parse -- read S[0..LEN) ("R-7K3Q9WXMT", "r7k3q9wxmt",
 * "R-7K3Q9WXMT" with O/I/L confusions) into its canonical form in OUT.
 * 0, or -1 when it is not a well-formed ID with a matching check symbol. */
int track_parse(const char *s, size_t len, char out[TRACK_ID_SIZE]);

/* track_find -- append to OUT, canonical and without duplicates, every
 * well-formed ID standing as a word in TEXT (not inside a longer word).
 * Returns how many were added. */
size_t track_find(const char *text, struct strlist *out);

/* track_from_address -- the ID in the plus-address ADDR
 * ("factures+r-7k3q9wxmt@example.com") into OUT when ADDR's local part
 * before '+' and its domain are those of MAILBOX ("factures@example.com",
 * case-insensitive). 0, or -1. */
int track_from_address(const char *addr, const char *mailbox,
                       char out[TRACK_ID_SIZE]);

/* track_plus_address -- MAILBOX with the ID as its detail:
 * "factures@example.com" -> "factures+r-7k3q9wxmt@example.com". */
void track_plus_address(const char *mailbox, const char *id, struct buf *out);

/* track_subject_tag -- FORMAT with "{id}" replaced by ID (e.g.
 * "[Réf. {id}]" -> "[Réf. R-7K3Q9WXMT]"), appended to OUT. */
void track_subject_tag(const char *format, const char *id, struct buf *out);

#endif
