/*
 * strlist.h -- an owned, growable list of C strings.
 */
#ifndef RELANCE_STRLIST_H
#define RELANCE_STRLIST_H

#include <stddef.h>

struct strlist {
	char **v; /* v[n] is NULL when n > 0 */
	size_t n;
	size_t cap;
};

#define STRLIST_INIT                                                           \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* strlist_add -- append a copy of S. Returns 0, or -1 on no memory. */
int strlist_add(struct strlist *l, const char *s);

/* strlist_addn -- append a copy of the LEN first bytes of S. */
int strlist_addn(struct strlist *l, const char *s, size_t len);

/* strlist_find -- index of S in L, or -1. */
long strlist_find(const struct strlist *l, const char *s);

/* strlist_sort -- sort bytewise (strcmp). */
void strlist_sort(struct strlist *l);

/* strlist_clear -- free every string and the array. */
void strlist_clear(struct strlist *l);

#endif
