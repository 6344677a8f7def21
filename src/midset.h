/*
 * midset.h -- the Message-IDs of our reminders, in memory.
 *
 * relance-milter decides from the headers alone whether incoming mail is a
 * reply to one of our reminders. A reply that kept no tracking ID (no
 * Subject tag, not sent to the dunning mailbox) can still name the
 * reminder's Message-ID in In-Reply-To or References, and the reminders of
 * an ERP keep the ERP's own Message-IDs. The set holds those IDs (the
 * state file's "mid:" index) so that the fast path answers without
 * touching the state file.
 *
 * The set keeps a 64-bit hash of each ID, not the ID: a collision only
 * makes the milter read one more message, whose reading then finds no
 * invoice. Eight to sixteen bytes an ID. Not thread-safe: the daemon
 * guards it.
 */
#ifndef RELANCE_MIDSET_H
#define RELANCE_MIDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct midset {
	uint64_t *slots; /* open addressing; 0 marks an empty slot */
	size_t cap;      /* a power of two, or 0 */
	size_t n;
};

#define MIDSET_INIT                                                            \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/*
 * midset_add -- add the Message-ID ID ("<local@domain>", brackets and
 * surrounding blanks optional) to S. Returns 0 (also when it was there
 * already, or ID is empty), or -1 on no memory (S unchanged).
 */
int midset_add(struct midset *s, const char *id);

/* midset_has -- is ID (as for midset_add) in S? */
bool midset_has(const struct midset *s, const char *id);

/*
 * midset_any -- does the header value VALUE (In-Reply-To, References:
 * Message-IDs between angle brackets, with comments or other words
 * between them) name an ID of S? Looks at no more than MIDSET_MAX_REFS
 * IDs (the last ones, the nearest in the thread, when there are more).
 */
#define MIDSET_MAX_REFS 64
bool midset_any(const struct midset *s, const char *value);

/* midset_free -- release S's memory; S is empty afterwards. */
void midset_free(struct midset *s);

#endif
