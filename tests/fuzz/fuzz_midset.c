/* fuzz-sources: src/midset.c */
/*
 * fuzz_midset.c -- the milter's fast path on arbitrary In-Reply-To and
 * References values (midset.h).
 *
 * The input's first line lists Message-IDs, separated by blanks, that go
 * into the set (as the state file's "mid:" index would); the rest is a
 * header value as a sender wrote it. Besides "no crash, no leak", checks
 * that every ID added is found, with and without its brackets, that the
 * value "<ID>" names it, and that an empty set names nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The length of ID once stripped as midset.h says: leading blanks and
 * '<', trailing blanks, '>' and line ends. */
static size_t
core_len(const char *id)
{
	size_t n;

	id += strspn(id, " \t<");
	n = strlen(id);
	while (n > 0 && strchr(" \t>\r\n", id[n - 1]) != NULL)
		n--;
	return n;
}

/* The ID in a value of its own, between angle brackets. */
static void
check_named(const struct midset *s, const char *id)
{
	size_t len = strlen(id);
	char *v;

	if (strpbrk(id, "<>\r\n") != NULL)
		return;
	v = malloc(len + 3);
	if (v == NULL)
		return;
	v[0] = '<';
	memcpy(v + 1, id, len);
	memcpy(v + 1 + len, ">", 2);
	if (!midset_any(s, v))
		abort();
	free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct midset s = MIDSET_INIT;
	char *text = malloc(size + 1), *line, *value, *id, *save = NULL;
	struct midset empty = MIDSET_INIT;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	value = strchr(text, '\n');
	if (value != NULL)
		*value++ = '\0';
	else
		value = text + strlen(text);
	line = text;
	for (id = strtok_r(line, " \t", &save); id != NULL;
	     id = strtok_r(NULL, " \t", &save)) {
		if (midset_add(&s, id) < 0)
			break;
		if (core_len(id) == 0)
			continue;
		if (!midset_has(&s, id))
			abort();
		check_named(&s, id);
	}
	(void)midset_any(&s, value);
	if (midset_any(&empty, value) || midset_has(&empty, value))
		abort();
	midset_free(&s);
	free(text);
	return 0;
}
