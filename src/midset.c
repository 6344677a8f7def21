/*
 * midset.c -- the Message-IDs of our reminders, in memory (see midset.h).
 *
 * A Message-ID is hashed from its bytes between the angle brackets
 * (FNV-1a, 64 bits; 0 is remapped to 1, since 0 marks an empty slot).
 * Linear probing in a table kept at most half full.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "midset.h"

/* The ID's bytes without blanks and angle brackets: *LEN bytes at the
 * returned pointer. */
static const char *
midset_core(const char *id, size_t *len)
{
	const char *end;

	while (*id == ' ' || *id == '\t' || *id == '<')
		id++;
	end = id + strlen(id);
	while (end > id &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '>' ||
	        end[-1] == '\r' || end[-1] == '\n'))
		end--;
	*len = (size_t)(end - id);
	return id;
}

static uint64_t
midset_hash(const char *p, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h != 0 ? h : 1;
}

/* The slot of H in SLOTS[0..CAP): where it is, or the empty one where it
 * goes. */
static size_t
midset_slot(const uint64_t *slots, size_t cap, uint64_t h)
{
	size_t i = (size_t)(h ^ (h >> 32)) & (cap - 1);

	while (slots[i] != 0 && slots[i] != h)
		i = (i + 1) & (cap - 1);
	return i;
}

static int
midset_grow(struct midset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	uint64_t *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i] != 0)
			slots[midset_slot(slots, cap, s->slots[i])] =
			    s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int
midset_add(struct midset *s, const char *id)
{
	size_t len, i;
	const char *core = midset_core(id, &len);
	uint64_t h;

	if (len == 0)
		return 0;
	if ((s->n + 1) * 2 > s->cap && midset_grow(s) < 0)
		return -1;
	h = midset_hash(core, len);
	i = midset_slot(s->slots, s->cap, h);
	if (s->slots[i] == 0) {
		s->slots[i] = h;
		s->n++;
	}
	return 0;
}

/* Is the ID P[0..LEN) in S? */
static bool
midset_has_core(const struct midset *s, const char *p, size_t len)
{
	uint64_t h;

	if (s->n == 0 || len == 0)
		return false;
	h = midset_hash(p, len);
	return s->slots[midset_slot(s->slots, s->cap, h)] == h;
}

bool
midset_has(const struct midset *s, const char *id)
{
	size_t len;
	const char *core = midset_core(id, &len);

	return midset_has_core(s, core, len);
}

bool
midset_any(const struct midset *s, const char *value)
{
	const char *ids[MIDSET_MAX_REFS];
	size_t lens[MIDSET_MAX_REFS], n = 0, total = 0;

	if (s->n == 0)
		return false;
	for (const char *p = value; (p = strchr(p, '<')) != NULL;) {
		const char *end = strchr(++p, '>');

		if (end == NULL)
			break;
		/* a ring of the last MIDSET_MAX_REFS */
		ids[total % MIDSET_MAX_REFS] = p;
		lens[total % MIDSET_MAX_REFS] = (size_t)(end - p);
		total++;
		p = end + 1;
	}
	n = total < MIDSET_MAX_REFS ? total : MIDSET_MAX_REFS;
	for (size_t i = 0; i < n; i++)
		if (midset_has_core(s, ids[i], lens[i]))
			return true;
	return false;
}

void
midset_free(struct midset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->n = 0;
}
