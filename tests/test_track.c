/*
 * test_track.c -- tracking IDs: the format, the check symbol, and finding
 * them again in addresses and text.
 *
 * Random values come from a fixed-seed xorshift generator, so that a
 * failure can be replayed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "track.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static uint64_t
next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
random_bytes(uint64_t *s, unsigned char r[5])
{
	uint64_t v = next_random(s);

	for (int i = 0; i < 5; i++)
		r[i] = (unsigned char)(v >> (8 * i));
}

static int
parse(const char *s, char out[TRACK_ID_SIZE])
{
	return track_parse(s, strlen(s), out);
}

static void
assert_make(unsigned char b0, unsigned char b1, unsigned char b2,
            unsigned char b3, unsigned char b4, const char *want)
{
	const unsigned char r[5] = {b0, b1, b2, b3, b4};
	char id[TRACK_ID_SIZE];

	track_make(r, id);
	assert_string_equal(id, want);
}

static void
test_make_writes_eight_symbols_then_the_check(void **state)
{
	assert_make(0, 0, 0, 0, 0, "R-000000000");
	assert_make(0xff, 0xff, 0xff, 0xff, 0xff, "R-ZZZZZZZZ0");
	assert_make(1, 2, 3, 4, 5, "R-04106105X");
	assert_make(0x3a, 0x7c, 0x91, 0xe2, 0x5b, "R-79Y93RJVS");
}

static void
test_make_and_parse_round_trip(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	unsigned char r[5];
	char id[TRACK_ID_SIZE], back[TRACK_ID_SIZE];

	for (int i = 0; i < 20000; i++) {
		random_bytes(&seed, r);
		track_make(r, id);
		assert_int_equal(strlen(id), TRACK_ID_SIZE - 1);
		assert_memory_equal(id, "R-", 2);
		for (int k = 2; k < TRACK_ID_SIZE - 1; k++)
			assert_non_null(strchr(alphabet, id[k]));
		assert_int_equal(parse(id, back), 0);
		assert_string_equal(back, id);
	}
}

static void
test_different_bits_give_different_ids(void **state)
{
	const unsigned char a[5] = {1, 2, 3, 4, 5}, b[5] = {1, 2, 3, 4, 4};
	char ia[TRACK_ID_SIZE], ib[TRACK_ID_SIZE];

	track_make(a, ia);
	track_make(b, ib);
	assert_string_not_equal(ia, ib);
}

static void
test_parse_accepts_lower_case_and_no_hyphen(void **state)
{
	char id[TRACK_ID_SIZE];

	assert_int_equal(parse("r-79y93rjvs", id), 0);
	assert_string_equal(id, "R-79Y93RJVS");
	assert_int_equal(parse("R79Y93RJVS", id), 0);
	assert_string_equal(id, "R-79Y93RJVS");
	assert_int_equal(parse("r79Y93rjvS", id), 0);
	assert_string_equal(id, "R-79Y93RJVS");
	assert_int_equal(parse("r7k3q9wxmt", id), 0); /* track.h's example */
	assert_string_equal(id, "R-7K3Q9WXMT");
}

static void
test_parse_reads_o_as_zero_and_i_l_as_one(void **state)
{
	char id[TRACK_ID_SIZE];

	assert_int_equal(parse("R-O41O61O5X", id), 0);
	assert_string_equal(id, "R-04106105X");
	assert_int_equal(parse("R-04I06I05X", id), 0);
	assert_string_equal(id, "R-04106105X");
	assert_int_equal(parse("r-o41o6Io5x", id), 0);
	assert_string_equal(id, "R-04106105X");
	assert_int_equal(parse("R-04l06L05x", id), 0);
	assert_string_equal(id, "R-04106105X");
	assert_int_equal(parse("R-ZZZZZZZZo", id), 0);
	assert_string_equal(id, "R-ZZZZZZZZ0");
}

static void
test_parse_refuses_a_wrong_check_symbol(void **state)
{
	char id[TRACK_ID_SIZE];

	assert_int_equal(parse("R-79Y93RJVT", id), -1);
	assert_int_equal(parse("R-79Y93RJV0", id), -1);
	assert_int_equal(parse("R-000000001", id), -1);
}

static void
test_parse_refuses_every_single_mistyped_symbol(void **state)
{
	uint64_t seed = 42;
	unsigned char r[5];
	char id[TRACK_ID_SIZE], typo[TRACK_ID_SIZE], out[TRACK_ID_SIZE];

	for (int n = 0; n < 200; n++) {
		random_bytes(&seed, r);
		track_make(r, id);
		for (int k = 2; k < TRACK_ID_SIZE - 1; k++)
			for (int c = 0; c < 32; c++) {
				if (alphabet[c] == id[k])
					continue;
				memcpy(typo, id, sizeof(typo));
				typo[k] = alphabet[c];
				assert_int_equal(parse(typo, out), -1);
			}
	}
}

static void
test_parse_refuses_most_swapped_neighbours(void **state)
{
	uint64_t seed = 7;
	unsigned char r[5];
	char id[TRACK_ID_SIZE], swap[TRACK_ID_SIZE], out[TRACK_ID_SIZE];
	int tried = 0, missed = 0;

	for (int n = 0; n < 2000; n++) {
		random_bytes(&seed, r);
		track_make(r, id);
		for (int k = 2; k < TRACK_ID_SIZE - 3; k++) {
			if (id[k] == id[k + 1])
				continue;
			memcpy(swap, id, sizeof(swap));
			swap[k] = id[k + 1];
			swap[k + 1] = id[k];
			tried++;
			if (parse(swap, out) == 0) {
				/* Only neighbours 16 apart slip through. */
				assert_int_equal(
				    abs((int)(strchr(alphabet, id[k]) -
				              strchr(alphabet, id[k + 1]))),
				    16);
				missed++;
			}
		}
	}
	assert_true(tried > 10000);
	assert_true(missed > 0);
	assert_true(missed * 20 < tried);
}

static void
test_parse_refuses_malformed_ids(void **state)
{
	static const char *const bad[] = {"",
	                                  "R",
	                                  "R-",
	                                  "R-79Y93RJV",
	                                  "R-79Y93RJVSS",
	                                  "X-79Y93RJVS",
	                                  "-79Y93RJVS",
	                                  "R--79Y93RJVS",
	                                  "R-79Y93RJUS",
	                                  "R-79Y93RJ S",
	                                  "R-79Y93RJ-S",
	                                  " R-79Y93RJVS",
	                                  "R_79Y93RJVS",
	                                  NULL};
	char id[TRACK_ID_SIZE];

	for (int i = 0; bad[i] != NULL; i++)
		assert_int_equal(parse(bad[i], id), -1);
	/* The length is what counts, not a terminating NUL. */
	assert_int_equal(track_parse("R-79Y93RJVSX", 11, id), 0);
	assert_string_equal(id, "R-79Y93RJVS");
	assert_int_equal(track_parse("R-79Y93RJVS", 10, id), -1);
}

static void
test_random_well_formed_strings_are_rarely_accepted(void **state)
{
	uint64_t seed = 0x123456789abcdefu;
	char s[TRACK_ID_SIZE], id[TRACK_ID_SIZE];
	int accepted = 0;

	s[0] = 'R';
	s[1] = '-';
	s[TRACK_ID_SIZE - 1] = '\0';
	for (int i = 0; i < 10000; i++) {
		for (int k = 2; k < TRACK_ID_SIZE - 1; k++)
			s[k] = alphabet[next_random(&seed) % 32];
		accepted += parse(s, id) == 0;
	}
	/* 1 in 32 expected: about 312. */
	assert_true(accepted < 600);
	assert_true(accepted > 150);
}

static void
test_random_gives_a_valid_new_id(void **state)
{
	char a[TRACK_ID_SIZE], b[TRACK_ID_SIZE], back[TRACK_ID_SIZE];

	assert_int_equal(track_random(a), 0);
	assert_int_equal(track_random(b), 0);
	assert_int_equal(parse(a, back), 0);
	assert_string_equal(back, a);
	assert_int_equal(parse(b, back), 0);
	assert_string_not_equal(a, b);
}

/* Run track_find on TEXT; the IDs found joined by spaces (caller frees). */
static char *
find(const char *text, size_t *added)
{
	struct strlist l = STRLIST_INIT;
	struct buf b = BUF_INIT;

	*added = track_find(text, &l);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", l.v[i]);
	strlist_clear(&l);
	return buf_steal(&b);
}

static void
assert_find(const char *text, size_t want_n, const char *want)
{
	size_t n;
	char *got = find(text, &n);

	assert_string_equal(got, want);
	assert_int_equal(n, want_n);
	free(got);
}

static void
test_find_reads_ids_standing_as_words(void **state)
{
	assert_find("Re: Facture F2026-0042 [Réf. R-79Y93RJVS]", 1,
	            "R-79Y93RJVS");
	assert_find("réf r79y93rjvs, et R-04106105X.", 2,
	            "R-79Y93RJVS R-04106105X");
	assert_find("(R-79Y93RJVS)\n>R-O41O61O5X\n", 2,
	            "R-79Y93RJVS R-04106105X");
	assert_find("R-79Y93RJVS", 1, "R-79Y93RJVS");
	assert_find("factures+r-79y93rjvs@example.com", 1, "R-79Y93RJVS");
}

static void
test_find_ignores_ids_inside_longer_words(void **state)
{
	assert_find("XR-79Y93RJVS", 0, "");
	assert_find("R-79Y93RJVSB", 0, "");
	assert_find("XR-79Y93RJVSB", 0, "");
	assert_find("_R-79Y93RJVS", 0, "");
	assert_find("R-79Y93RJVS_", 0, "");
	assert_find("éR-79Y93RJVS", 0, "");
	assert_find("R-79Y93RJVSé", 0, "");
	assert_find("R-79Y93RJVSXR-79Y93RJVS", 0, "");
}

static void
test_find_ignores_wrong_checks_and_adds_no_duplicates(void **state)
{
	assert_find("R-79Y93RJVT R-79Y93RJVS r79y93rjvs R-79Y93RJVS", 1,
	            "R-79Y93RJVS");
	assert_find("", 0, "");
	assert_find("R R- R-R-R", 0, "");
}

static void
test_find_counts_only_new_ids(void **state)
{
	struct strlist l = STRLIST_INIT;

	assert_int_equal(strlist_add(&l, "R-79Y93RJVS"), 0);
	assert_int_equal(track_find("R-79Y93RJVS R-04106105X", &l), 1);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1], "R-04106105X");
	strlist_clear(&l);
}

static void
test_from_address_reads_the_plus_detail(void **state)
{
	char id[TRACK_ID_SIZE];

	assert_int_equal(track_from_address("factures+r-79y93rjvs@example.com",
	                                    "factures@example.com", id),
	                 0);
	assert_string_equal(id, "R-79Y93RJVS");
	assert_int_equal(track_from_address("Factures+R79Y93RJVS@Example.COM",
	                                    "factures@example.com", id),
	                 0);
	assert_string_equal(id, "R-79Y93RJVS");
	assert_int_equal(track_from_address("factures+r-79y93rjvs@example.com",
	                                    "FACTURES@EXAMPLE.COM", id),
	                 0);
	assert_string_equal(id, "R-79Y93RJVS");
}

static void
test_from_address_refuses_other_mailboxes(void **state)
{
	char id[TRACK_ID_SIZE];

	assert_int_equal(track_from_address("compta+r-79y93rjvs@example.com",
	                                    "factures@example.com", id),
	                 -1);
	assert_int_equal(track_from_address("factures+r-79y93rjvs@example.org",
	                                    "factures@example.com", id),
	                 -1);
	assert_int_equal(track_from_address("xfactures+r-79y93rjvs@example.com",
	                                    "factures@example.com", id),
	                 -1);
	assert_int_equal(track_from_address("facture+r-79y93rjvs@example.com",
	                                    "factures@example.com", id),
	                 -1);
	assert_int_equal(
	    track_from_address("factures+r-79y93rjvs@mail.example.com",
	                       "factures@example.com", id),
	    -1);
}

static void
test_from_address_refuses_bad_details(void **state)
{
	char id[TRACK_ID_SIZE];

	assert_int_equal(track_from_address("factures@example.com",
	                                    "factures@example.com", id),
	                 -1);
	assert_int_equal(track_from_address("factures+@example.com",
	                                    "factures@example.com", id),
	                 -1);
	assert_int_equal(track_from_address("factures+r-79y93rjvt@example.com",
	                                    "factures@example.com", id),
	                 -1);
	assert_int_equal(
	    track_from_address("factures+x+r-79y93rjvs@example.com",
	                       "factures@example.com", id),
	    -1);
	assert_int_equal(track_from_address("factures+r-79y93rjvs",
	                                    "factures@example.com", id),
	                 -1);
	assert_int_equal(track_from_address("factures+r-79y93rjvs@example.com",
	                                    "factures", id),
	                 -1);
	assert_int_equal(
	    track_from_address("+r-79y93rjvs@example.com", "@example.com", id),
	    -1);
}

static void
test_plus_address_puts_the_id_in_lower_case(void **state)
{
	struct buf b = BUF_INIT;
	char id[TRACK_ID_SIZE];

	track_plus_address("factures@example.com", "R-79Y93RJVS", &b);
	assert_string_equal(buf_cstr(&b), "factures+r-79y93rjvs@example.com");
	assert_int_equal(
	    track_from_address(buf_cstr(&b), "factures@example.com", id), 0);
	assert_string_equal(id, "R-79Y93RJVS");
	buf_reset(&b);
	track_plus_address("factures", "R-79Y93RJVS", &b);
	assert_string_equal(buf_cstr(&b), "factures+r-79y93rjvs");
	buf_free(&b);
}

static void
test_subject_tag_replaces_every_id_placeholder(void **state)
{
	struct buf b = BUF_INIT;
	struct strlist l = STRLIST_INIT;

	track_subject_tag("[Réf. {id}]", "R-79Y93RJVS", &b);
	assert_string_equal(buf_cstr(&b), "[Réf. R-79Y93RJVS]");
	assert_int_equal(track_find(buf_cstr(&b), &l), 1);
	assert_string_equal(l.v[0], "R-79Y93RJVS");
	buf_reset(&b);
	track_subject_tag("{id}/{id} {ID} {i", "R-04106105X", &b);
	assert_string_equal(buf_cstr(&b), "R-04106105X/R-04106105X {ID} {i");
	buf_reset(&b);
	track_subject_tag("", "R-04106105X", &b);
	assert_string_equal(buf_cstr(&b), "");
	strlist_clear(&l);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_make_writes_eight_symbols_then_the_check),
	    cmocka_unit_test(test_make_and_parse_round_trip),
	    cmocka_unit_test(test_different_bits_give_different_ids),
	    cmocka_unit_test(test_parse_accepts_lower_case_and_no_hyphen),
	    cmocka_unit_test(test_parse_reads_o_as_zero_and_i_l_as_one),
	    cmocka_unit_test(test_parse_refuses_a_wrong_check_symbol),
	    cmocka_unit_test(test_parse_refuses_every_single_mistyped_symbol),
	    cmocka_unit_test(test_parse_refuses_most_swapped_neighbours),
	    cmocka_unit_test(test_parse_refuses_malformed_ids),
	    cmocka_unit_test(
	        test_random_well_formed_strings_are_rarely_accepted),
	    cmocka_unit_test(test_random_gives_a_valid_new_id),
	    cmocka_unit_test(test_find_reads_ids_standing_as_words),
	    cmocka_unit_test(test_find_ignores_ids_inside_longer_words),
	    cmocka_unit_test(
	        test_find_ignores_wrong_checks_and_adds_no_duplicates),
	    cmocka_unit_test(test_find_counts_only_new_ids),
	    cmocka_unit_test(test_from_address_reads_the_plus_detail),
	    cmocka_unit_test(test_from_address_refuses_other_mailboxes),
	    cmocka_unit_test(test_from_address_refuses_bad_details),
	    cmocka_unit_test(test_plus_address_puts_the_id_in_lower_case),
	    cmocka_unit_test(test_subject_tag_replaces_every_id_placeholder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
