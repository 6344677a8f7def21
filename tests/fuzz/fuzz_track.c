/* fuzz-sources: src/track.c src/buf.c src/strlist.c */
/*
 * fuzz_track.c -- reading tracking IDs back from arbitrary bytes: as an ID,
 * in a text, in a plus-address. Every ID found must read back to itself.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strlist ids = STRLIST_INIT;
	struct buf b = BUF_INIT;
	char id[TRACK_ID_SIZE], back[TRACK_ID_SIZE];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (track_parse((const char *)data, size, id) == 0 &&
	    (track_parse(id, strlen(id), back) != 0 || strcmp(id, back) != 0))
		abort();
	track_find(text, &ids);
	for (size_t i = 0; i < ids.n; i++) {
		if (track_parse(ids.v[i], strlen(ids.v[i]), back) != 0 ||
		    strcmp(ids.v[i], back) != 0)
			abort();
		buf_reset(&b);
		track_plus_address("factures@example.com", ids.v[i], &b);
		if (track_from_address(buf_cstr(&b), "factures@example.com",
		                       back) != 0 ||
		    strcmp(ids.v[i], back) != 0)
			abort();
	}
	if (track_from_address(text, "factures@example.com", id) == 0 &&
	    track_parse(id, strlen(id), back) != 0)
		abort();
	buf_reset(&b);
	track_subject_tag(text, "R-79Y93RJVS", &b);
	buf_free(&b);
	strlist_clear(&ids);
	free(text);
	return 0;
}
