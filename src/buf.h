/*
 * buf.h -- growable byte buffers with a sticky failure flag.
 *
 * Appending never aborts: when memory runs out the buffer is marked failed,
 * later appends do nothing, and the owner checks buf_failed() once at the
 * end. The milter relies on this to fail open instead of crashing.
 */
#ifndef RELANCE_BUF_H
#define RELANCE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated once anything was appended */
	size_t len;
	size_t cap;
	bool failed;
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0, false                                              \
	}

/* buf_append -- append LEN bytes of P. */
void buf_append(struct buf *b, const void *p, size_t len);

/* buf_puts -- append the C string S. */
void buf_puts(struct buf *b, const char *s);

/* buf_putc -- append one byte. */
void buf_putc(struct buf *b, char c);

/* buf_printf -- append printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* buf_vprintf -- va_list form of buf_printf. */
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* buf_cstr -- the contents as a C string ("" when empty); borrowed. */
const char *buf_cstr(const struct buf *b);

/* buf_failed -- true when an allocation failed since the last reset. */
bool buf_failed(const struct buf *b);

/* buf_reset -- empty the buffer, keep its memory, clear the failure. */
void buf_reset(struct buf *b);

/* buf_steal -- hand the contents (malloc'ed, NUL-terminated) to the caller
 * and leave the buffer empty; NULL if the buffer failed or on no memory. */
char *buf_steal(struct buf *b);

/* buf_free -- release the memory. */
void buf_free(struct buf *b);

#endif
