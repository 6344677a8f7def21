/*
 * track.c -- tracking IDs: make them, read them back from mail.
 *
 * An ID is 40 random bits written as eight Crockford base32 symbols, most
 * significant first, then the check symbol described in track.h. Reading
 * maps each character to its value through one table that also knows
 * Crockford's forgiving readings (lower case, O for 0, I and L for 1).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "track.h"

#define DATA_SYMBOLS (TRACK_SYMBOLS - 1)

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The value of symbol C (any accepted spelling), or -1. */
static int
symbol_value(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		return 0;
	if (c == 'I' || c == 'L')
		return 1;
	if (c == '\0' || (p = strchr(alphabet, c)) == NULL)
		return -1;
	return (int)(p - alphabet);
}

/* The check value of the eight data symbol values V. */
static int
check_value(const int v[DATA_SYMBOLS])
{
	int sum = 0;

	for (int i = 0; i < DATA_SYMBOLS; i++)
		sum += (2 * i + 1) * v[i];
	return sum % 32;
}

void
track_make(const unsigned char random[5], char out[TRACK_ID_SIZE])
{
	uint64_t bits = 0;
	int v[DATA_SYMBOLS];

	for (int i = 0; i < 5; i++)
		bits = bits << 8 | random[i];
	for (int i = DATA_SYMBOLS - 1; i >= 0; i--) {
		v[i] = (int)(bits & 31);
		bits >>= 5;
	}
	out[0] = 'R';
	out[1] = '-';
	for (int i = 0; i < DATA_SYMBOLS; i++)
		out[2 + i] = alphabet[v[i]];
	out[2 + DATA_SYMBOLS] = alphabet[check_value(v)];
	out[TRACK_ID_SIZE - 1] = '\0';
}

int
track_random(char out[TRACK_ID_SIZE])
{
	unsigned char r[5];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	track_make(r, out);
	return 0;
}

int
track_parse(const char *s, size_t len, char out[TRACK_ID_SIZE])
{
	int v[TRACK_SYMBOLS];
	size_t i = 1;

	if (len < 1 + TRACK_SYMBOLS || (s[0] != 'R' && s[0] != 'r'))
		return -1;
	if (s[1] == '-')
		i++;
	if (len != i + TRACK_SYMBOLS)
		return -1;
	for (int k = 0; k < TRACK_SYMBOLS; k++)
		if ((v[k] = symbol_value(s[i + (size_t)k])) < 0)
			return -1;
	if (check_value(v) != v[DATA_SYMBOLS])
		return -1;
	out[0] = 'R';
	out[1] = '-';
	for (int k = 0; k < TRACK_SYMBOLS; k++)
		out[2 + k] = alphabet[v[k]];
	out[TRACK_ID_SIZE - 1] = '\0';
	return 0;
}

/* Part of a word: ASCII letters and digits, '_', and any byte of a
 * multi-byte UTF-8 character (a letter of another script, say). */
static bool
word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || (unsigned char)c >= 0x80;
}

size_t
track_find(const char *text, struct strlist *out)
{
	char id[TRACK_ID_SIZE];
	size_t added = 0;

	for (const char *p = text; *p != '\0'; p++) {
		size_t n = 1;

		if ((*p != 'R' && *p != 'r') || (p > text && word_byte(p[-1])))
			continue;
		if (p[1] == '-')
			n++;
		while (n < TRACK_ID_SIZE && word_byte(p[n]))
			n++;
		if (word_byte(p[n]) || track_parse(p, n, id) < 0)
			continue;
		if (strlist_find(out, id) < 0) {
			if (strlist_add(out, id) < 0)
				break;
			added++;
		}
		p += n - 1;
	}
	return added;
}

int
track_from_address(const char *addr, const char *mailbox,
                   char out[TRACK_ID_SIZE])
{
	const char *at = strrchr(addr, '@');
	const char *mat = strrchr(mailbox, '@');
	size_t local;

	if (at == NULL || mat == NULL || strcasecmp(at, mat) != 0)
		return -1;
	local = (size_t)(mat - mailbox);
	if (local == 0 || (size_t)(at - addr) <= local + 1 ||
	    strncasecmp(addr, mailbox, local) != 0 || addr[local] != '+')
		return -1;
	return track_parse(addr + local + 1, (size_t)(at - addr) - local - 1,
	                   out);
}

void
track_plus_address(const char *mailbox, const char *id, struct buf *out)
{
	const char *at = strrchr(mailbox, '@');
	size_t local = at != NULL ? (size_t)(at - mailbox) : strlen(mailbox);

	buf_append(out, mailbox, local);
	buf_putc(out, '+');
	for (const char *p = id; *p != '\0'; p++)
		buf_putc(out,
		         *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
	if (at != NULL)
		buf_puts(out, at);
}

void
track_subject_tag(const char *format, const char *id, struct buf *out)
{
	const char *p = format, *hit;

	while ((hit = strstr(p, "{id}")) != NULL) {
		buf_append(out, p, (size_t)(hit - p));
		buf_puts(out, id);
		p = hit + 4;
	}
	buf_puts(out, p);
}
