/*
 * test_midset.c -- the in-memory set of our reminders' Message-IDs.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "midset.h"

static void
test_an_id_is_found_with_or_without_brackets(void **state)
{
	struct midset s = MIDSET_INIT;

	(void)state;
	assert_int_equal(midset_add(&s, "<run.F1.reminder-1.17@example.com>"),
	                 0);
	assert_true(midset_has(&s, "<run.F1.reminder-1.17@example.com>"));
	assert_true(midset_has(&s, " run.F1.reminder-1.17@example.com\r\n"));
	assert_false(midset_has(&s, "<run.F1.reminder-1.18@example.com>"));
	assert_false(midset_has(&s, "<RUN.F1.reminder-1.17@example.com>"));
	assert_false(midset_has(&s, "<>"));
	assert_int_equal(s.n, 1);
	midset_free(&s);
	assert_int_equal(s.n, 0);
	assert_false(midset_has(&s, "<run.F1.reminder-1.17@example.com>"));
}

static void
test_adding_twice_or_empty_keeps_one(void **state)
{
	struct midset s = MIDSET_INIT;

	(void)state;
	assert_int_equal(midset_add(&s, "<a@b>"), 0);
	assert_int_equal(midset_add(&s, "a@b"), 0);
	assert_int_equal(midset_add(&s, "<>"), 0);
	assert_int_equal(midset_add(&s, "  "), 0);
	assert_int_equal(s.n, 1);
	midset_free(&s);
}

static void
test_many_ids_grow_the_table_and_stay_found(void **state)
{
	struct midset s = MIDSET_INIT;
	char id[64];
	unsigned missing = 0, strangers = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "<erp.%d.reminder@erp.example.com>",
		         i);
		assert_int_equal(midset_add(&s, id), 0);
	}
	assert_int_equal(s.n, 100000);
	assert_true(s.cap >= 2 * s.n);
	for (int i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "<erp.%d.reminder@erp.example.com>",
		         i);
		missing += !midset_has(&s, id);
		snprintf(id, sizeof(id), "<erp.%d.reply@erp.example.com>", i);
		strangers += midset_has(&s, id);
	}
	assert_int_equal(missing, 0);
	assert_int_equal(strangers, 0);
	midset_free(&s);
}

static void
test_any_id_of_a_references_header(void **state)
{
	struct midset s = MIDSET_INIT;

	(void)state;
	midset_add(&s, "<reminder-42@erp.example.com>");
	assert_true(midset_any(&s, "<first@x.example> (a comment)\r\n\t"
	                           "<reminder-42@erp.example.com> "
	                           "<last@y.example>"));
	assert_true(midset_any(&s, "<reminder-42@erp.example.com>"));
	assert_false(midset_any(&s, "reminder-42@erp.example.com"));
	assert_false(midset_any(&s, "<first@x.example> <last@y.example>"));
	assert_false(midset_any(&s, "<reminder-42@erp.example.com"));
	assert_false(midset_any(&s, ""));
	midset_free(&s);
}

/* Only the last MIDSET_MAX_REFS IDs of a long References are looked at:
 * a thread's nearest messages are at its end. */
static void
test_any_looks_at_the_last_ids_of_a_long_thread(void **state)
{
	struct midset s = MIDSET_INIT;
	char *refs = malloc(200 * 32);
	size_t len = 0;

	(void)state;
	assert_non_null(refs);
	for (int i = 0; i < 200; i++)
		len += (size_t)sprintf(refs + len, "<m%d@t.example> ", i);
	midset_add(&s, "<m0@t.example>");
	assert_false(midset_any(&s, refs));
	midset_add(&s, "<m199@t.example>");
	assert_true(midset_any(&s, refs));
	midset_free(&s);
	midset_add(&s, "<m136@t.example>"); /* the 64th from the end */
	assert_true(midset_any(&s, refs));
	midset_free(&s);
	midset_add(&s, "<m135@t.example>"); /* the 65th */
	assert_false(midset_any(&s, refs));
	midset_free(&s);
	free(refs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_an_id_is_found_with_or_without_brackets),
	    cmocka_unit_test(test_adding_twice_or_empty_keeps_one),
	    cmocka_unit_test(test_many_ids_grow_the_table_and_stay_found),
	    cmocka_unit_test(test_any_id_of_a_references_header),
	    cmocka_unit_test(test_any_looks_at_the_last_ids_of_a_long_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
