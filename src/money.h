/*
 * money.h -- amounts as integer counts of minor units, never floating point.
 *
 * Pure. Reads the forms accounting exports write ("1 234,56", "1234.56",
 * "1,234.56", "1.234,56", "1'234.56") and prints one canonical form.
 */
#ifndef RELANCE_MONEY_H
#define RELANCE_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* Largest amount accepted: 10^13 major units, well inside int64_t. */
#define MONEY_MAX_DIGITS 15

/* money_parse -- read S as an amount with DECIMALS minor digits (0..3).
 * Thousands may be grouped with spaces (also U+00A0 and U+202F), '\'', or
 * whichever of ',' and '.' is not the decimal mark; when only one kind of
 * mark appears and three digits follow the last, it groups thousands when
 * DECIMALS is less than 3. A leading '-' is allowed. Returns 0 and *out, or -1.
 */
int money_parse(const char *s, int decimals, int64_t *out);

/* money_format -- "-1234.56" style into OUT (at least 32 bytes). */
void money_format(int64_t v, int decimals, char *out, size_t size);

/* money_currency_decimals -- minor digits of an ISO 4217 code (2 for most,
 * 0 for JPY and friends, 3 for the dinars); -1 when CODE is not three
 * upper-case letters. */
int money_currency_decimals(const char *code);

#endif
