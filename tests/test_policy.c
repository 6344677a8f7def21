/*
 * test_policy.c -- the policy language, its checks, and the shipped set.
 *
 * Most tests parse a text as "t.policy" and compare every error message,
 * joined by newlines, with the exact expected text. The shipped policies/
 * directory is found through $top_srcdir (default ".").
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "policy.h"

/* A complete, valid policy with one language of templates. */
static const char BASE[] = "profile default\n"
                           "\tdescription Ordinary payer\n"
                           "\tstep courtesy -8d email attach\n"
                           "\tstep reminder-1 +8d email\n"
                           "reactions\n"
                           "\ton reply pause 7d\n"
                           "\ton promise grace 3d\n"
                           "\ton dispute mark-disputed\n"
                           "\ton remittance announce 5d\n"
                           "\ton bounce switch-to-letter\n"
                           "\ton out-of-office ignore\n"
                           "rates\n"
                           "\tecb-rate 2025-07-01 2.15\n"
                           "\tecb-rate 2025-01-01 3.15\n"
                           "\tpenalty-margin 10.00\n"
                           "\tindemnity 40.00 EUR\n"
                           "\tformal-notice-deadline 8d\n";

static const char TPL[] = "Subject: Facture {invoice}\n\nBonjour {contact},\n";

/* ERRORS joined by newlines (caller frees). */
static char *
joined(const struct strlist *errors)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < errors->n; i++)
		buf_printf(&b, "%s%s", i ? "\n" : "", errors->v[i]);
	return buf_steal(&b);
}

/* Parse TEXT as t.policy into a new policy; return its errors joined. */
static char *
parse_errors(const char *text)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	char *s;
	int rc;

	assert_non_null(p);
	rc = policy_parse_file(p, "t.policy", text, strlen(text), &errors);
	assert_int_equal(rc, (int)errors.n);
	s = joined(&errors);
	strlist_clear(&errors);
	policy_free(p);
	return s;
}

static void
assert_parse(const char *text, const char *want)
{
	char *got = parse_errors(text);

	assert_string_equal(got, want);
	free(got);
}

/* A policy from BASE, then EXTRA as t.policy, the templates NAMES (fr),
 * then policy_finish("dir"). *ERRS gets every error joined. */
static struct policy *
build(const char *extra, const char *const *names, char **errs)
{
	static const char *const std[] = {"courtesy", "reminder-1", "thanks",
	                                  NULL};
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();

	assert_non_null(p);
	assert_int_equal(
	    policy_parse_file(p, "base.policy", BASE, strlen(BASE), &errors),
	    0);
	if (extra != NULL)
		assert_true(policy_parse_file(p, "t.policy", extra,
		                              strlen(extra), &errors) >= 0);
	for (const char *const *n = names ? names : std; *n != NULL; n++)
		assert_int_equal(policy_add_template(p, "fr", *n, *n, TPL,
		                                     strlen(TPL), &errors),
		                 0);
	assert_true(policy_finish(p, "dir", &errors) >= 0);
	*errs = joined(&errors);
	strlist_clear(&errors);
	return p;
}

static void
assert_build(const char *extra, const char *const *names, const char *want)
{
	char *errs;
	struct policy *p = build(extra, names, &errs);

	assert_string_equal(errs, want);
	free(errs);
	policy_free(p);
}

/* Check TEXT as template "tpl"; return its errors joined. */
static char *
template_errors(const char *text, size_t len)
{
	struct strlist errors = STRLIST_INIT;
	char *s;
	int rc = policy_check_template("tpl", text, len, &errors, NULL);

	assert_int_equal(rc, (int)errors.n);
	s = joined(&errors);
	strlist_clear(&errors);
	return s;
}

static void
assert_template(const char *text, const char *want)
{
	char *got = template_errors(text, strlen(text));

	assert_string_equal(got, want);
	free(got);
}

static const char *
srcdir(void)
{
	const char *d = getenv("top_srcdir");

	return d != NULL && *d != '\0' ? d : ".";
}

static struct policy *
load_shipped(void)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = NULL;
	struct buf dir = BUF_INIT;
	char *errs;
	int rc;

	buf_printf(&dir, "%s/policies", srcdir());
	rc = policy_load(buf_cstr(&dir), &p, &errors);
	errs = joined(&errors);
	assert_string_equal(errs, "");
	assert_int_equal(rc, 0);
	assert_non_null(p);
	free(errs);
	strlist_clear(&errors);
	buf_free(&dir);
	return p;
}

/* ------------------------------------------------------------------ */
/* The shipped policies                                               */

static void
test_shipped_policies_load_without_errors(void **state)
{
	struct policy *p = load_shipped();

	assert_int_equal(p->nprofiles, 3);
	assert_int_equal(p->ntemplates, 12);
	assert_int_equal(p->langs.n, 2);
	assert_string_equal(p->langs.v[0], "en");
	assert_string_equal(p->langs.v[1], "fr");
	policy_free(p);
}

static void
assert_step(const struct policy_step *st, const char *name, int offset,
            enum policy_channel channel, bool attach)
{
	assert_string_equal(st->name, name);
	assert_int_equal(st->offset, offset);
	assert_false(st->business);
	assert_int_equal(st->channel, channel);
	assert_string_equal(st->template, name);
	assert_int_equal(st->attach, attach);
}

static void
test_shipped_default_profile_follows_the_french_practice(void **state)
{
	struct policy *p = load_shipped();
	const struct policy_profile *pr = policy_find_profile(p, "default");

	assert_non_null(pr);
	assert_int_equal(pr->nsteps, 5);
	assert_step(&pr->steps[0], "courtesy", -8, POLICY_CHANNEL_EMAIL, true);
	assert_step(&pr->steps[1], "reminder-1", 8, POLICY_CHANNEL_EMAIL, true);
	assert_step(&pr->steps[2], "reminder-2", 15, POLICY_CHANNEL_EMAIL,
	            false);
	assert_step(&pr->steps[3], "call", 20, POLICY_CHANNEL_TASK, false);
	assert_step(&pr->steps[4], "formal-notice", 30, POLICY_CHANNEL_LETTER,
	            true);
	assert_string_equal(pr->thanks, "thanks");
	assert_int_equal(pr->gap, 5);
	assert_int_equal(pr->min_amount.minor, 1500);
	assert_string_equal(pr->min_amount.currency, "EUR");
	assert_false(pr->group_by_customer);
	assert_false(pr->auto_submitted);
	policy_free(p);
}

static void
test_shipped_good_payers_are_chased_later(void **state)
{
	struct policy *p = load_shipped();
	const struct policy_profile *good = policy_find_profile(p, "good");
	const struct policy_profile *def = policy_find_profile(p, "default");
	static const int want[] = {-5, 12, 25, 35, 45};

	assert_non_null(good);
	assert_int_equal(good->nsteps, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(good->steps[i].offset, want[i]);
		assert_string_equal(good->steps[i].name, def->steps[i].name);
	}
	assert_int_equal(good->reactions[POLICY_EVENT_REPLY].days, 14);
	assert_int_equal(good->reactions[POLICY_EVENT_OUT_OF_OFFICE].action,
	                 POLICY_ACTION_WAIT_RETURN);
	policy_free(p);
}

static void
test_shipped_bad_payers_are_chased_sooner(void **state)
{
	struct policy *p = load_shipped();
	const struct policy_profile *bad = policy_find_profile(p, "bad");
	const struct policy_profile *def = policy_find_profile(p, "default");
	static const int want[] = {-3, 3, 8, 10, 15};

	assert_non_null(bad);
	assert_int_equal(bad->nsteps, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(bad->steps[i].offset, want[i]);
		assert_string_equal(bad->steps[i].name, def->steps[i].name);
	}
	assert_int_equal(bad->reactions[POLICY_EVENT_REPLY].days, 3);
	assert_int_equal(bad->reactions[POLICY_EVENT_REMITTANCE].action,
	                 POLICY_ACTION_ANNOUNCE);
	assert_int_equal(bad->reactions[POLICY_EVENT_REMITTANCE].days, 5);
	policy_free(p);
}

static void
test_shipped_reactions_cover_every_event(void **state)
{
	struct policy *p = load_shipped();
	const struct policy_reaction *r = p->reactions;

	assert_int_equal(r[POLICY_EVENT_REPLY].action, POLICY_ACTION_PAUSE);
	assert_int_equal(r[POLICY_EVENT_REPLY].days, 7);
	assert_int_equal(r[POLICY_EVENT_PROMISE].action, POLICY_ACTION_GRACE);
	assert_int_equal(r[POLICY_EVENT_PROMISE].days, 3);
	assert_int_equal(r[POLICY_EVENT_DISPUTE].action, POLICY_ACTION_DISPUTE);
	assert_int_equal(r[POLICY_EVENT_REMITTANCE].action, POLICY_ACTION_PAID);
	assert_int_equal(r[POLICY_EVENT_BOUNCE].action, POLICY_ACTION_LETTER);
	assert_int_equal(r[POLICY_EVENT_OUT_OF_OFFICE].action,
	                 POLICY_ACTION_WAIT_RETURN);
	assert_int_equal(r[POLICY_EVENT_OUT_OF_OFFICE].days, 15);
	policy_free(p);
}

static void
test_shipped_rates_are_the_ecb_rates_plus_ten_points(void **state)
{
	struct policy *p = load_shipped();
	static const struct {
		struct date d;
		int ecb;
	} want[] = {{{2024, 3, 1}, 450}, {{2024, 9, 30}, 425},
	            {{2025, 1, 1}, 315}, {{2025, 6, 30}, 315},
	            {{2025, 7, 1}, 215}, {{2026, 6, 30}, 215}};
	int rate = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(policy_ecb_rate(p, want[i].d, &rate), 0);
		assert_int_equal(rate, want[i].ecb);
		assert_int_equal(policy_penalty_rate(p, want[i].d, &rate), 0);
		assert_int_equal(rate, want[i].ecb + 1000);
	}
	assert_int_equal(p->rates.indemnity.minor, 4000);
	assert_string_equal(p->rates.indemnity.currency, "EUR");
	assert_int_equal(p->rates.formal_notice_deadline, 8);
	policy_free(p);
}

static void
test_shipped_formal_notices_carry_the_legal_mentions(void **state)
{
	struct policy *p = load_shipped();
	const struct policy_template *fr, *en;

	fr = policy_find_template(p, "fr", "formal-notice");
	en = policy_find_template(p, "en", "formal-notice");
	assert_non_null(fr);
	assert_non_null(en);
	assert_non_null(strstr(fr->body, "mise en demeure"));
	assert_non_null(strstr(fr->subject, "Mise en demeure"));
	assert_non_null(strstr(en->body, "formal notice (mise en demeure)"));
	for (const struct policy_template *t = fr; t != NULL;
	     t = t == fr ? en : NULL) {
		/* The deadline runs from receipt, so it is a number of days. */
		assert_non_null(strstr(t->body, "{deadline_days}"));
		assert_non_null(strstr(t->body, "{total_claimed}"));
		assert_non_null(strstr(t->body, "{interest_rate}"));
		assert_non_null(strstr(t->body, "{interest_amount}"));
		assert_non_null(strstr(t->body, "{indemnity} EUR"));
		assert_non_null(strstr(t->body, "L441-10"));
	}
	policy_free(p);
}

static void
test_shipped_first_reminder_subject_says_facture_impayee(void **state)
{
	struct policy *p = load_shipped();
	const struct policy_template *t;

	t = policy_find_template(p, "fr", "reminder-1");
	assert_non_null(t);
	assert_string_equal(t->subject, "Facture impayée {invoice} du "
	                                "{issue_date}");
	t = policy_find_template(p, "en", "reminder-1");
	assert_string_equal(t->subject, "Unpaid invoice {invoice} of "
	                                "{issue_date}");
	policy_free(p);
}

static void
test_shipped_reminders_carry_the_payment_details(void **state)
{
	static const char *const steps[] = {
	    "courtesy", "reminder-1", "reminder-2", "call", "formal-notice"};
	static const char *const need[] = {
	    "{contact}",  "{invoice}", "{issue_date}", "{amount_due}",
	    "{due_date}", "{iban}",    "{bic}",        "{payment_link}"};
	struct policy *p = load_shipped();

	for (size_t l = 0; l < p->langs.n; l++)
		for (size_t s = 0; s < 5; s++) {
			const struct policy_template *t =
			    policy_find_template(p, p->langs.v[l], steps[s]);

			assert_non_null(t);
			/* The formal notice is a letter: the letter's
			 * recipient block names the customer (letter.h). */
			for (size_t k = s == 4 ? 1 : 0; k < 8; k++)
				if (strstr(t->body, need[k]) == NULL)
					fail_msg("%s lacks %s", t->file,
					         need[k]);
		}
	policy_free(p);
}

/* ------------------------------------------------------------------ */
/* Sections and lines                                                 */

static void
test_comments_blank_lines_bom_and_crlf_are_accepted(void **state)
{
	assert_parse("\xef\xbb\xbf# a comment\r\n\r\n   # indented comment\r\n"
	             "rates\r\n\tpenalty-margin 10.00\r\n",
	             "");
}

static void
test_policy_without_a_final_newline_is_read(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	static const char src[] = "rates\n\tpenalty-margin 9.5";
	char *text = malloc(sizeof(src) - 1);

	assert_non_null(text);
	memcpy(text, src, sizeof(src) - 1);
	assert_int_equal(
	    policy_parse_file(p, "t.policy", text, sizeof(src) - 1, &errors),
	    0);
	assert_int_equal(p->rates.penalty_margin, 950);
	free(text);
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_directive_outside_a_section_is_an_error(void **state)
{
	assert_parse("gap 5d\n",
	             "t.policy:1: \"gap\" outside a section, expected a "
	             "section first: profile NAME, reactions, rates, rules "
	             "LANG, matching or calendar");
}

static void
test_unknown_directive_in_a_profile_names_the_expected_ones(void **state)
{
	assert_parse("profile default\n\tdelay 5d\n",
	             "t.policy:2: unknown directive \"delay\" in profile "
	             "\"default\", expected description, step, thanks, gap, "
	             "min-amount, group-by-customer, auto-submitted, "
	             "first-contact, on, or a new section: profile NAME, "
	             "reactions, rates, rules LANG, matching or calendar");
}

static void
test_unknown_directive_in_rates_names_the_expected_ones(void **state)
{
	assert_parse("rates\n\tlegal-rate 3.71\n",
	             "t.policy:2: unknown directive \"legal-rate\" in rates, "
	             "expected ecb-rate, penalty-margin, indemnity, "
	             "formal-notice-deadline, or a new section: profile NAME, "
	             "reactions, rates, rules LANG, matching or calendar");
}

static void
test_unknown_directive_in_reactions_names_the_expected_ones(void **state)
{
	assert_parse("reactions\n\twhen reply pause 7d\n",
	             "t.policy:2: unknown directive \"when\" in reactions, "
	             "expected on, or a new section: profile NAME, reactions, "
	             "rates, rules LANG, matching or calendar");
}

static void
test_too_few_values_show_the_usage(void **state)
{
	assert_parse("profile default\n\tstep courtesy -8d\n",
	             "t.policy:2: too few values for \"step\", expected \"step "
	             "NAME OFFSET CHANNEL [attach] [template NAME]\"");
}

static void
test_too_many_values_show_the_usage(void **state)
{
	assert_parse("profile default\n\tgap 5d 6d\n",
	             "t.policy:2: too many values for \"gap\", expected \"gap "
	             "DAYS\"");
}

static void
test_far_too_many_words_are_too_many_values(void **state)
{
	assert_parse("rates\n\tpenalty-margin 1 2 3 4 5 6 7 8 9 10 11 12 13 14 "
	             "15 16 17 18 19 20\n",
	             "t.policy:2: too many values for \"penalty-margin\", "
	             "expected \"penalty-margin PERCENT\"");
}

static void
test_section_header_with_values_is_an_error(void **state)
{
	assert_parse("reactions all\n\ton reply pause 7d\n",
	             "t.policy:1: too many values for \"reactions\", expected "
	             "\"reactions\"");
}

static void
test_profile_without_a_name_is_an_error(void **state)
{
	assert_parse("profile\n\tgap 5d\n",
	             "t.policy:1: too few values for \"profile\", expected "
	             "\"profile NAME\"");
}

static void
test_bad_profile_name_is_an_error(void **state)
{
	assert_parse("profile Bons_Payeurs\n\tgap 5d\n",
	             "t.policy:1: bad profile name \"Bons_Payeurs\", expected "
	             "lower-case letters, digits and '-' (at most 64)");
}

static void
test_duplicate_profile_is_an_error_and_its_lines_still_checked(void **state)
{
	assert_parse("profile good\n\tgap 5d\nprofile good\n\tgap x\n",
	             "t.policy:3: duplicate profile \"good\", first defined at "
	             "t.policy:1\n"
	             "t.policy:4: bad duration \"x\" for \"gap\", expected a "
	             "number of days from 0d to 365d");
}

static void
test_duplicate_profiles_across_files_name_the_first_file(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	const char a[] = "profile good\n", b[] = "\nprofile good\n";

	assert_int_equal(
	    policy_parse_file(p, "a.policy", a, strlen(a), &errors), 0);
	assert_int_equal(
	    policy_parse_file(p, "b.policy", b, strlen(b), &errors), 1);
	assert_string_equal(errors.v[0], "b.policy:2: duplicate profile "
	                                 "\"good\", first defined at "
	                                 "a.policy:1");
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_too_many_profiles_is_an_error(void **state)
{
	struct buf b = BUF_INIT;
	char *got;

	for (int i = 0; i <= POLICY_MAX_PROFILES; i++)
		buf_printf(&b, "profile p%d\n", i);
	got = parse_errors(buf_cstr(&b));
	assert_string_equal(got, "t.policy:65: too many profiles, expected at "
	                         "most 64");
	free(got);
	buf_free(&b);
}

static void
test_duplicate_directive_in_a_profile_is_an_error(void **state)
{
	assert_parse("profile default\n\tgap 5d\n\tgap 6d\n",
	             "t.policy:3: duplicate \"gap\", first set at t.policy:2");
}

static void
test_description_takes_the_rest_of_the_line(void **state)
{
	char *errs;
	struct policy *p = build("profile x\n\tdescription  Slow  payer: "
	                         "#1 of 3   \n\tstep courtesy +1d email\n",
	                         NULL, &errs);

	assert_string_equal(errs, "");
	assert_string_equal(policy_find_profile(p, "x")->description,
	                    "Slow  payer: #1 of 3");
	free(errs);
	policy_free(p);
}

static void
test_every_error_in_a_file_is_reported(void **state)
{
	assert_parse("profile default\n\tgap 5\n\tstep a +1x email\n"
	             "\tgroup-by-customer oui\n",
	             "t.policy:2: bad duration \"5\" for \"gap\", expected a "
	             "number of days from 0d to 365d\n"
	             "t.policy:3: bad offset \"+1x\", expected days from the "
	             "due date such as -8d, +15d or +20bd\n"
	             "t.policy:4: bad value \"oui\" for \"group-by-customer\", "
	             "expected yes or no");
}

static void
test_errors_stop_after_the_maximum(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	struct buf b = BUF_INIT;

	for (int i = 0; i < 150; i++)
		buf_puts(&b, "oops\n");
	assert_int_equal(
	    policy_parse_file(p, "t.policy", b.data, b.len, &errors),
	    POLICY_MAX_ERRORS + 1);
	assert_string_equal(errors.v[POLICY_MAX_ERRORS],
	                    "t.policy: too many errors, stopping after 100");
	strlist_clear(&errors);
	policy_free(p);
	buf_free(&b);
}

static void
test_line_too_long_is_an_error(void **state)
{
	struct buf b = BUF_INIT;
	char *got;

	buf_puts(&b, "profile default\n\tdescription ");
	for (int i = 0; i < POLICY_MAX_LINE; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\n");
	got = parse_errors(buf_cstr(&b));
	assert_string_equal(got, "t.policy:2: line too long, expected at most "
	                         "1024 bytes");
	free(got);
	buf_free(&b);
}

static void
test_invalid_utf8_is_an_error(void **state)
{
	assert_parse("profile default\n\tdescription Pay\xe9 en retard\n",
	             "t.policy:2: invalid UTF-8, expected UTF-8 text");
}

static void
test_control_character_is_an_error(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	const char text[] = "rates\n\tpenalty-margin\0 10.00\n";

	assert_int_equal(
	    policy_parse_file(p, "t.policy", text, sizeof(text) - 1, &errors),
	    1);
	assert_string_equal(errors.v[0], "t.policy:2: control character 0x00, "
	                                 "expected printable text");
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_file_too_large_is_an_error(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	char *big = calloc(1, POLICY_MAX_FILE + 1);

	assert_non_null(big);
	assert_int_equal(
	    policy_parse_file(p, "t.policy", big, POLICY_MAX_FILE + 1, &errors),
	    1);
	assert_string_equal(errors.v[0], "t.policy: file too large, expected "
	                                 "at most 1048576 bytes");
	free(big);
	strlist_clear(&errors);
	policy_free(p);
}

/* ------------------------------------------------------------------ */
/* Steps                                                              */

static void
test_step_reads_offset_channel_attach_and_template(void **state)
{
	char *errs;
	struct policy *p = build("profile x\n\tdescription X\n"
	                         "\tstep first -3bd email\n"
	                         "\tstep post 0d letter template courtesy "
	                         "attach\n"
	                         "\tstep ring +20bd task template reminder-1\n"
	                         "\tthanks none\n",
	                         NULL, &errs);
	const struct policy_profile *pr = policy_find_profile(p, "x");

	assert_string_equal(errs, "t.policy:3: template \"first\" for step "
	                          "\"first\" is missing in language \"fr\", "
	                          "expected a file dir/templates/fr/first");
	assert_int_equal(pr->nsteps, 3);
	assert_int_equal(pr->steps[0].offset, -3);
	assert_true(pr->steps[0].business);
	assert_false(pr->steps[0].attach);
	assert_int_equal(pr->steps[1].offset, 0);
	assert_false(pr->steps[1].business);
	assert_int_equal(pr->steps[1].channel, POLICY_CHANNEL_LETTER);
	assert_string_equal(pr->steps[1].template, "courtesy");
	assert_true(pr->steps[1].attach);
	assert_int_equal(pr->steps[2].channel, POLICY_CHANNEL_TASK);
	assert_int_equal(pr->steps[2].offset, 20);
	assert_true(pr->steps[2].business);
	assert_null(pr->thanks);
	assert_ptr_equal(policy_find_step(pr, "post"), &pr->steps[1]);
	assert_null(policy_find_step(pr, "none"));
	free(errs);
	policy_free(p);
}

static void
test_bad_step_name_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep Relance1 +8d email\n",
	             "t.policy:2: bad step name \"Relance1\", expected "
	             "lower-case letters, digits and '-' (at most 64)");
}

static void
test_step_name_longer_than_the_maximum_is_an_error(void **state)
{
	struct buf b = BUF_INIT, want = BUF_INIT;
	char name[POLICY_NAME_MAX + 2];
	char *got;

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	buf_printf(&b,
	           "profile default\n\tstep %s +1d email\n"
	           "\tstep %s +2d email\n",
	           name + 1, name);
	buf_printf(&want,
	           "t.policy:3: bad step name \"%s\", expected "
	           "lower-case letters, digits and '-' (at most 64)",
	           name);
	got = parse_errors(buf_cstr(&b));
	assert_string_equal(got, buf_cstr(&want));
	free(got);
	buf_free(&b);
	buf_free(&want);
}

static void
test_bad_offset_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep courtesy 8 email\n"
	             "\tstep reminder-1 +000008d email\n",
	             "t.policy:2: bad offset \"8\", expected days from the due "
	             "date such as -8d, +15d or +20bd\n"
	             "t.policy:3: bad offset \"+000008d\", expected days from "
	             "the due date such as -8d, +15d or +20bd");
}

static void
test_offset_out_of_range_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep late +366d email\n",
	             "t.policy:2: offset \"+366d\" out of range, expected "
	             "-365d to +365d");
}

static void
test_unknown_channel_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep call +20d phone\n",
	             "t.policy:2: unknown channel \"phone\", expected email, "
	             "letter or task");
}

static void
test_attach_on_a_task_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep call +20d task attach\n",
	             "t.policy:2: \"attach\" on a task step, expected attach "
	             "only with email or letter");
}

static void
test_unexpected_step_option_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep courtesy -8d email pdf\n",
	             "t.policy:2: unexpected \"pdf\" in step, expected attach "
	             "or template NAME");
}

static void
test_template_option_without_a_name_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep courtesy -8d email template\n",
	             "t.policy:2: unexpected \"template\" in step, expected "
	             "attach or template NAME");
}

static void
test_bad_template_name_in_a_step_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep courtesy -8d email template "
	             "../x\n",
	             "t.policy:2: bad template name \"../x\", expected "
	             "lower-case letters, digits and '-' (at most 64)");
}

static void
test_duplicate_step_is_an_error(void **state)
{
	assert_parse("profile default\n\tstep a +1d email\n"
	             "\tstep a +2d email\n",
	             "t.policy:3: duplicate step \"a\", first defined at "
	             "t.policy:2");
}

static void
test_steps_at_the_same_offset_are_out_of_order(void **state)
{
	assert_parse("profile default\n\tstep a +8d email\n"
	             "\tstep b +8d email\n",
	             "t.policy:3: step \"b\" at +8d is not after step \"a\" at "
	             "+8d, expected steps in increasing order of offset");
}

static void
test_steps_out_of_order_are_an_error(void **state)
{
	assert_parse("profile default\n\tstep a +15d email\n"
	             "\tstep b -8d email\n",
	             "t.policy:3: step \"b\" at -8d is not after step \"a\" at "
	             "+15d, expected steps in increasing order of offset");
}

static void
test_business_days_count_as_seven_fifths_for_ordering(void **state)
{
	/* +20bd is about 28 calendar days: after +25d, before +30d. */
	assert_parse("profile default\n\tstep a +20bd task\n"
	             "\tstep b +30d letter\n",
	             "");
	assert_parse("profile default\n\tstep a +20bd task\n"
	             "\tstep b +25d letter\n",
	             "t.policy:3: step \"b\" at +25d is not after step \"a\" "
	             "at +20bd, expected steps in increasing order of offset");
}

static void
test_too_many_steps_is_an_error(void **state)
{
	struct buf b = BUF_INIT;
	char *got;

	buf_puts(&b, "profile default\n");
	for (int i = 0; i <= POLICY_MAX_STEPS; i++)
		buf_printf(&b, "\tstep s%d +%dd email\n", i, i);
	got = parse_errors(buf_cstr(&b));
	assert_string_equal(got, "t.policy:34: too many steps in profile "
	                         "\"default\", expected at most 32");
	free(got);
	buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Other profile directives                                           */

static void
test_profile_values_are_read(void **state)
{
	char *errs;
	struct policy *p = build("profile x\n\tdescription X\n"
	                         "\tstep courtesy -8d email\n\tgap 0d\n"
	                         "\tmin-amount 1 500,50\n"
	                         "\tgroup-by-customer yes\n"
	                         "\tauto-submitted yes\n",
	                         NULL, &errs);
	const struct policy_profile *pr = policy_find_profile(p, "x");

	/* "1 500,50" is two words: a currency "500,50". */
	assert_string_equal(errs, "t.policy:5: bad currency \"500,50\", "
	                          "expected an ISO 4217 code such as EUR");
	assert_int_equal(pr->gap, 0);
	assert_true(pr->group_by_customer);
	assert_true(pr->auto_submitted);
	assert_int_equal(pr->min_amount.minor, 0);
	free(errs);
	policy_free(p);
}

static void
test_min_amount_reads_the_currency_decimals(void **state)
{
	char *errs;
	struct policy *p = build("profile x\n\tdescription X\n"
	                         "\tstep courtesy -8d email\n"
	                         "\tmin-amount 2000 JPY\n"
	                         "profile y\n\tdescription Y\n"
	                         "\tstep courtesy -8d email\n"
	                         "\tmin-amount 15,5\n",
	                         NULL, &errs);

	assert_string_equal(errs, "");
	assert_int_equal(policy_find_profile(p, "x")->min_amount.minor, 2000);
	assert_string_equal(policy_find_profile(p, "x")->min_amount.currency,
	                    "JPY");
	assert_int_equal(policy_find_profile(p, "y")->min_amount.minor, 1550);
	assert_string_equal(policy_find_profile(p, "y")->min_amount.currency,
	                    "EUR");
	free(errs);
	policy_free(p);
}

static void
test_bad_gap_is_an_error(void **state)
{
	assert_parse("profile default\n\tgap -1d\n",
	             "t.policy:2: bad duration \"-1d\" for \"gap\", expected a "
	             "number of days from 0d to 365d");
}

static void
test_bad_amount_is_an_error(void **state)
{
	assert_parse("profile default\n\tmin-amount -15.00 EUR\n",
	             "t.policy:2: bad amount \"-15.00\", expected an amount "
	             "such as 15.00");
}

static void
test_bad_currency_is_an_error(void **state)
{
	assert_parse("profile default\n\tmin-amount 15.00 euros\n",
	             "t.policy:2: bad currency \"euros\", expected an ISO 4217 "
	             "code such as EUR");
}

static void
test_bad_yes_no_is_an_error(void **state)
{
	assert_parse("profile default\n\tauto-submitted true\n",
	             "t.policy:2: bad value \"true\" for \"auto-submitted\", "
	             "expected yes or no");
}

static void
test_bad_thanks_template_name_is_an_error(void **state)
{
	assert_parse("profile default\n\tthanks Merci\n",
	             "t.policy:2: bad template name \"Merci\", expected "
	             "lower-case letters, digits and '-' (at most 64), or "
	             "none");
}

/* ------------------------------------------------------------------ */
/* Reactions                                                          */

static void
test_unknown_event_is_an_error(void **state)
{
	assert_parse("reactions\n\ton answer pause 7d\n",
	             "t.policy:2: unknown event \"answer\", expected reply, "
	             "promise, dispute, remittance, bounce or out-of-office");
}

static void
test_unknown_action_names_the_event_actions(void **state)
{
	assert_parse("reactions\n\ton remittance stop\n"
	             "\ton out-of-office pause 3d\n",
	             "t.policy:2: unknown action \"stop\" for \"remittance\", "
	             "expected paid or announce DAYS\n"
	             "t.policy:3: unknown action \"pause\" for "
	             "\"out-of-office\", expected wait-return DAYS or ignore");
}

static void
test_action_without_its_days_is_an_error(void **state)
{
	assert_parse("reactions\n\ton reply pause\n",
	             "t.policy:2: \"pause\" needs a number of days, expected "
	             "\"on reply pause DAYS\"");
}

static void
test_action_with_a_value_it_does_not_take_is_an_error(void **state)
{
	assert_parse("reactions\n\ton dispute mark-disputed 5d\n",
	             "t.policy:2: \"mark-disputed\" takes no value, expected "
	             "\"on dispute mark-disputed\"");
}

static void
test_bad_reaction_days_is_an_error(void **state)
{
	assert_parse(
	    "reactions\n\ton reply pause 0d\n",
	    "t.policy:2: bad duration \"0d\" for \"pause\", expected a "
	    "number of days from 1d to 365d");
}

static void
test_duplicate_reaction_is_an_error_across_files(void **state)
{
	char *errs;
	struct policy *p = build("reactions\n\ton reply ignore\n", NULL, &errs);

	assert_string_equal(errs, "t.policy:2: duplicate reaction to "
	                          "\"reply\", first set at base.policy:6");
	free(errs);
	policy_free(p);
}

static void
test_profile_reactions_override_the_global_ones(void **state)
{
	char *errs;
	struct policy *p = build("profile x\n\tdescription X\n"
	                         "\tstep courtesy -8d email\n"
	                         "\ton remittance paid\n"
	                         "\ton reply ignore\n",
	                         NULL, &errs);
	const struct policy_profile *x = policy_find_profile(p, "x");
	const struct policy_profile *d = policy_find_profile(p, "default");

	assert_string_equal(errs, "");
	assert_int_equal(x->reactions[POLICY_EVENT_REMITTANCE].action,
	                 POLICY_ACTION_PAID);
	assert_int_equal(x->reactions[POLICY_EVENT_REPLY].action,
	                 POLICY_ACTION_IGNORE);
	assert_int_equal(x->reactions[POLICY_EVENT_PROMISE].action,
	                 POLICY_ACTION_GRACE);
	assert_int_equal(x->reactions[POLICY_EVENT_PROMISE].days, 3);
	assert_int_equal(d->reactions[POLICY_EVENT_REMITTANCE].action,
	                 POLICY_ACTION_ANNOUNCE);
	assert_int_equal(d->reactions[POLICY_EVENT_REMITTANCE].days, 5);
	free(errs);
	policy_free(p);
}

static void
test_duplicate_reaction_in_a_profile_is_an_error(void **state)
{
	assert_parse(
	    "profile x\n\ton reply pause 3d\n\ton reply ignore\n",
	    "t.policy:3: duplicate reaction to \"reply\", first set at "
	    "t.policy:2");
}

static void
test_missing_reaction_is_an_error_naming_the_event(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	const char text[] =
	    "reactions\n\ton reply pause 7d\n"
	    "\ton promise grace 3d\n\ton dispute mark-disputed\n"
	    "\ton remittance paid\n\ton out-of-office ignore\n";

	assert_int_equal(
	    policy_parse_file(p, "t.policy", text, strlen(text), &errors), 0);
	assert_true(policy_finish(p, "dir", &errors) > 0);
	assert_string_equal(errors.v[0], "dir: no reaction to \"bounce\", "
	                                 "expected a line \"on bounce ACTION\" "
	                                 "in a reactions section");
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_event_and_action_names(void **state)
{
	assert_string_equal(policy_event_name(POLICY_EVENT_OUT_OF_OFFICE),
	                    "out-of-office");
	assert_string_equal(policy_event_name(POLICY_EVENT_COUNT), "?");
	assert_int_equal(policy_event_parse("remittance"),
	                 POLICY_EVENT_REMITTANCE);
	assert_int_equal(policy_event_parse("Reply"), -1);
	assert_string_equal(policy_action_name(POLICY_ACTION_LETTER),
	                    "switch-to-letter");
	assert_string_equal(policy_channel_name(POLICY_CHANNEL_TASK), "task");
	assert_string_equal(policy_channel_name((enum policy_channel)7), "?");
}

/* ------------------------------------------------------------------ */
/* Rates                                                              */

static void
test_ecb_rate_is_the_half_years_rate(void **state)
{
	char *errs;
	struct policy *p = build(NULL, NULL, &errs);
	int rate = 0;

	assert_string_equal(errs, "");
	/* Sorted by policy_finish although written July first. */
	assert_int_equal(p->rates.ecb[0].from.month, 1);
	assert_int_equal(policy_ecb_rate(p, (struct date){2025, 6, 30}, &rate),
	                 0);
	assert_int_equal(rate, 315);
	assert_int_equal(policy_ecb_rate(p, (struct date){2025, 7, 1}, &rate),
	                 0);
	assert_int_equal(rate, 215);
	assert_int_equal(
	    policy_penalty_rate(p, (struct date){2025, 12, 31}, &rate), 0);
	assert_int_equal(rate, 1215);
	free(errs);
	policy_free(p);
}

static void
test_ecb_rate_of_a_missing_half_year_is_stale(void **state)
{
	char *errs;
	struct policy *p = build(NULL, NULL, &errs);
	int rate = 0;

	assert_int_equal(policy_ecb_rate(p, (struct date){2026, 2, 1}, &rate),
	                 1);
	assert_int_equal(rate, 215);
	assert_int_equal(
	    policy_penalty_rate(p, (struct date){2027, 8, 1}, &rate), 1);
	assert_int_equal(rate, 1215);
	free(errs);
	policy_free(p);
}

static void
test_ecb_rate_before_the_first_is_none(void **state)
{
	char *errs;
	struct policy *p = build(NULL, NULL, &errs);
	int rate = 42;

	assert_int_equal(policy_ecb_rate(p, (struct date){2024, 12, 31}, &rate),
	                 -1);
	assert_int_equal(
	    policy_penalty_rate(p, (struct date){2024, 12, 31}, &rate), -1);
	assert_int_equal(rate, 42);
	free(errs);
	policy_free(p);
}

static void
test_bad_ecb_date_is_an_error(void **state)
{
	assert_parse("rates\n\tecb-rate 2025-13-01 2.15\n",
	             "t.policy:2: bad date \"2025-13-01\", expected "
	             "YYYY-MM-DD");
}

static void
test_ecb_date_must_start_a_half_year(void **state)
{
	assert_parse("rates\n\tecb-rate 2025-06-11 2.15\n",
	             "t.policy:2: ecb-rate date 2025-06-11 is not a 1 January "
	             "or 1 July, expected the first day of a half-year");
}

static void
test_bad_percentage_is_an_error(void **state)
{
	assert_parse(
	    "rates\n\tecb-rate 2025-07-01 2.15%\n"
	    "\tpenalty-margin 60\n",
	    "t.policy:2: bad percentage \"2.15%\" for \"ecb-rate\", "
	    "expected 0.00 to 50.00 such as 2.15\n"
	    "t.policy:3: bad percentage \"60\" for \"penalty-margin\", "
	    "expected 0.00 to 50.00 such as 2.15");
}

static void
test_duplicate_ecb_rate_is_an_error(void **state)
{
	assert_parse("rates\n\tecb-rate 2025-07-01 2.15\n"
	             "\tecb-rate 01/07/2025 2.40\n",
	             "t.policy:3: duplicate ecb-rate for 2025-07-01, first set "
	             "at t.policy:2");
}

static void
test_too_many_ecb_rates_is_an_error(void **state)
{
	struct buf b = BUF_INIT;
	char *got;

	buf_puts(&b, "rates\n");
	for (int i = 0; i < POLICY_MAX_RATES / 2; i++)
		buf_printf(&b, "\tecb-rate %d-01-01 1\n\tecb-rate %d-07-01 1\n",
		           1900 + i, 1900 + i);
	buf_puts(&b, "\tecb-rate 2100-01-01 1\n");
	got = parse_errors(buf_cstr(&b));
	assert_string_equal(got, "t.policy:402: too many ecb-rate lines, "
	                         "expected at most 400");
	free(got);
	buf_free(&b);
}

static void
test_duplicate_rate_value_is_an_error_across_files(void **state)
{
	char *errs;
	struct policy *p = build("rates\n\tpenalty-margin 8.00\n"
	                         "\tindemnity 50 EUR\n"
	                         "\tformal-notice-deadline 15d\n",
	                         NULL, &errs);

	assert_string_equal(
	    errs, "t.policy:2: duplicate \"penalty-margin\", first set at "
	          "base.policy:15\n"
	          "t.policy:3: duplicate \"indemnity\", first set at "
	          "base.policy:16\n"
	          "t.policy:4: duplicate \"formal-notice-deadline\", first "
	          "set at base.policy:17");
	assert_int_equal(p->rates.penalty_margin, 1000);
	free(errs);
	policy_free(p);
}

static void
test_bad_indemnity_and_deadline_are_errors(void **state)
{
	assert_parse("rates\n\tindemnity 40.00 eur\n"
	             "\tformal-notice-deadline 0d\n",
	             "t.policy:2: bad currency \"eur\", expected an ISO 4217 "
	             "code such as EUR\n"
	             "t.policy:3: bad duration \"0d\" for "
	             "\"formal-notice-deadline\", expected a number of days "
	             "from 1d to 365d");
}

static void
test_missing_ecb_rate_is_an_error(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	const char text[] = "rates\n\tpenalty-margin 10\n"
	                    "\tindemnity 40 EUR\n\tformal-notice-deadline 8d\n";

	policy_parse_file(p, "t.policy", text, strlen(text), &errors);
	policy_finish(p, "dir", &errors);
	assert_int_equal(strlist_find(&errors,
	                              "dir: no ecb-rate, expected at least one "
	                              "line \"ecb-rate YYYY-MM-DD PERCENT\" in "
	                              "a rates section"),
	                 8);
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_missing_rate_values_are_errors(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	const char text[] = "rates\n\tecb-rate 2025-01-01 3.15\n";
	char *got;

	policy_parse_file(p, "t.policy", text, strlen(text), &errors);
	policy_finish(p, "dir", &errors);
	got = joined(&errors);
	assert_non_null(strstr(got, "\ndir: no penalty-margin, expected a "
	                            "line \"penalty-margin PERCENT\" in a "
	                            "rates section\n"
	                            "dir: no indemnity, expected a line "
	                            "\"indemnity AMOUNT CURRENCY\" in a rates "
	                            "section\n"
	                            "dir: no formal-notice-deadline, expected "
	                            "a line \"formal-notice-deadline DAYS\" "
	                            "in a rates section"));
	free(got);
	strlist_clear(&errors);
	policy_free(p);
}

/* ------------------------------------------------------------------ */
/* Whole-policy checks                                                */

static void
test_empty_policy_names_everything_missing(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	char *got;

	assert_int_equal(policy_finish(p, "dir", &errors), 12);
	got = joined(&errors);
	assert_string_equal(
	    got,
	    "dir: no reaction to \"reply\", expected a line \"on reply "
	    "ACTION\" in a reactions section\n"
	    "dir: no reaction to \"promise\", expected a line \"on promise "
	    "ACTION\" in a reactions section\n"
	    "dir: no reaction to \"dispute\", expected a line \"on dispute "
	    "ACTION\" in a reactions section\n"
	    "dir: no reaction to \"remittance\", expected a line \"on "
	    "remittance ACTION\" in a reactions section\n"
	    "dir: no reaction to \"bounce\", expected a line \"on bounce "
	    "ACTION\" in a reactions section\n"
	    "dir: no reaction to \"out-of-office\", expected a line \"on "
	    "out-of-office ACTION\" in a reactions section\n"
	    "dir: no profile \"default\", expected a section \"profile "
	    "default\"\n"
	    "dir: no templates, expected files dir/templates/LANG/NAME such "
	    "as dir/templates/fr/reminder-1\n"
	    "dir: no ecb-rate, expected at least one line \"ecb-rate "
	    "YYYY-MM-DD PERCENT\" in a rates section\n"
	    "dir: no penalty-margin, expected a line \"penalty-margin "
	    "PERCENT\" in a rates section\n"
	    "dir: no indemnity, expected a line \"indemnity AMOUNT "
	    "CURRENCY\" in a rates section\n"
	    "dir: no formal-notice-deadline, expected a line "
	    "\"formal-notice-deadline DAYS\" in a rates section");
	free(got);
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_missing_default_profile_is_an_error(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	const char text[] = "profile normal\n";

	policy_parse_file(p, "t.policy", text, strlen(text), &errors);
	policy_finish(p, "dir", &errors);
	assert_true(strlist_find(&errors, "dir: no profile \"default\", "
	                                  "expected a section \"profile "
	                                  "default\"") >= 0);
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_profile_without_description_is_an_error(void **state)
{
	assert_build("profile x\n\tstep courtesy -8d email\n", NULL,
	             "t.policy:1: profile \"x\" has no description, expected a "
	             "line \"description TEXT\"");
}

static void
test_profile_without_steps_is_an_error(void **state)
{
	assert_build("\nprofile x\n\tdescription X\n", NULL,
	             "t.policy:2: profile \"x\" has no steps, expected at "
	             "least one line \"step NAME OFFSET CHANNEL\"");
}

static void
test_missing_step_template_is_an_error_per_language(void **state)
{
	static const char *const names[] = {"courtesy", "thanks", NULL};
	char *errs;
	struct policy *p = build(NULL, names, &errs);
	struct strlist errors = STRLIST_INIT;

	assert_string_equal(errs, "base.policy:4: template \"reminder-1\" for "
	                          "step \"reminder-1\" is missing in language "
	                          "\"fr\", expected a file "
	                          "dir/templates/fr/reminder-1");
	/* A second language without any template misses all three. */
	assert_int_equal(policy_add_template(p, "en", "thanks", "en/thanks",
	                                     TPL, strlen(TPL), &errors),
	                 0);
	assert_int_equal(policy_finish(p, "dir", &errors), 3);
	assert_string_equal(errors.v[0],
	                    "base.policy:3: template \"courtesy\" for step "
	                    "\"courtesy\" is missing in language \"en\", "
	                    "expected a file dir/templates/en/courtesy");
	free(errs);
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_missing_thanks_template_is_an_error(void **state)
{
	static const char *const names[] = {"courtesy", "reminder-1", NULL};
	char *errs;
	struct policy *p = build("profile x\n\tdescription X\n"
	                         "\tstep courtesy -8d email\n"
	                         "\tthanks merci\n",
	                         names, &errs);

	assert_string_equal(errs,
	                    "base.policy:1: template \"thanks\" for thanks is "
	                    "missing in language \"fr\", expected a file "
	                    "dir/templates/fr/thanks\n"
	                    "t.policy:4: template \"merci\" for thanks is "
	                    "missing in language \"fr\", expected a file "
	                    "dir/templates/fr/merci");
	free(errs);
	policy_free(p);
}

/* ------------------------------------------------------------------ */
/* Templates                                                          */

static void
test_template_gives_subject_and_body(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy_template t = {0};
	const char text[] = "subject:  Facture {invoice}\r\n"
	                    "  du {issue_date}  \r\n"
	                    "\r\n"
	                    "Bonjour {contact},\r\n"
	                    "{{pas un champ}\r\n";

	assert_int_equal(
	    policy_check_template("tpl", text, strlen(text), &errors, &t), 0);
	assert_string_equal(t.subject, "Facture {invoice} du {issue_date}");
	assert_string_equal(t.body, "Bonjour {contact},\n{{pas un champ}\n");
	free(t.subject);
	free(t.body);
	strlist_clear(&errors);
}

static void
test_template_knows_the_placeholders_it_uses(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy_template t = {0};
	const char text[] = "Subject: Facture {invoice}\n"
	                    "\n"
	                    "Bonjour {contact}, {invoice} : {amount_due}.\n"
	                    "{{iban} n'est pas un champ\n";
	uint64_t want = 0;

	assert_int_equal(
	    policy_check_template("tpl", text, strlen(text), &errors, &t), 0);
	for (size_t i = 0; policy_placeholders[i] != NULL; i++)
		if (strcmp(policy_placeholders[i], "invoice") == 0 ||
		    strcmp(policy_placeholders[i], "contact") == 0 ||
		    strcmp(policy_placeholders[i], "amount_due") == 0)
			want |= UINT64_C(1) << i;
	assert_true(t.uses == want);
	free(t.subject);
	free(t.body);
	strlist_clear(&errors);
}

static void
test_template_without_a_final_newline_is_accepted(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy_template t = {0};
	static const char src[] = "Subject: x\n\nBonjour\n \t";
	/* Not NUL-terminated: a read past the end would show. */
	char *text = malloc(sizeof(src) - 1);

	assert_non_null(text);
	memcpy(text, src, sizeof(src) - 1);
	assert_int_equal(
	    policy_check_template("tpl", text, sizeof(src) - 1, &errors, &t),
	    0);
	assert_string_equal(t.subject, "x");
	assert_string_equal(t.body, "Bonjour\n \t\n");
	free(t.subject);
	free(t.body);
	free(text);
	strlist_clear(&errors);
}

static void
test_template_without_subject_is_an_error(void **state)
{
	assert_template("\nBonjour {contact},\n",
	                "tpl:1: no Subject header, expected \"Subject: ...\" "
	                "on the first line");
}

static void
test_template_with_empty_subject_is_an_error(void **state)
{
	assert_template("Subject:   \n\nBonjour,\n",
	                "tpl:1: empty Subject, expected the subject text after "
	                "\"Subject:\"");
}

static void
test_template_with_two_subjects_is_an_error(void **state)
{
	assert_template("Subject: a\nSubject: b\n\nBonjour,\n",
	                "tpl:2: duplicate Subject header, expected one");
}

static void
test_template_unknown_header_is_an_error(void **state)
{
	assert_template("Objet: Facture\nSubject: Facture\n\nBonjour,\n",
	                "tpl:1: unknown header \"Objet\", expected only "
	                "Subject");
}

static void
test_template_bad_header_line_is_an_error(void **state)
{
	assert_template("Bonjour {contact},\n\nVotre facture.\n",
	                "tpl:1: bad header line, expected \"Name: value\" "
	                "lines, then a blank line, then the body\n"
	                "tpl:1: no Subject header, expected \"Subject: ...\" "
	                "on the first line");
}

static void
test_template_with_empty_body_is_an_error(void **state)
{
	assert_template("Subject: Facture\n\n  \n\n",
	                "tpl:2: empty body, expected text after the blank line "
	                "that ends the headers");
	assert_template("Subject: Facture\n",
	                "tpl:1: empty body, expected text after the blank line "
	                "that ends the headers");
}

static void
test_empty_template_is_an_error(void **state)
{
	assert_template("", "tpl:1: no Subject header, expected \"Subject: "
	                    "...\" on the first line\n"
	                    "tpl:1: empty body, expected text after the blank "
	                    "line that ends the headers");
}

static void
test_template_unknown_placeholder_is_an_error(void **state)
{
	assert_template("Subject: Facture {numero}\n\nBonjour {contact},\n",
	                "tpl:1: unknown placeholder {numero}, expected one of: "
	                "invoice, customer, customer_name, contact, "
	                "issue_date, due_date, amount_due, amount_original, "
	                "currency, days_overdue, deadline_date, "
	                "deadline_days, company_name, sender, reply_address, "
	                "iban, bic, payment_link, interest_rate, "
	                "interest_amount, indemnity, total_claimed, today, "
	                "step, invoices");
}

static void
test_template_long_unknown_placeholder_is_cut(void **state)
{
	/* Cut at 40 bytes, before the "é" that straddles the cut. */
	const char text[] = "Subject: x\n\n{ceci n'est pas un champ mais "
	                    "une longueÃ© phrase}\n";
	char *got = template_errors(text, strlen(text));

	assert_non_null(strstr(got, "tpl:3: unknown placeholder {ceci n'est "
	                            "pas un champ mais une longue...}, "));
	free(got);
}

static void
test_template_unclosed_brace_is_an_error(void **state)
{
	assert_template("Subject: x\n\nMontant : {amount_due\n{invoice}\n",
	                "tpl:3: unclosed \"{\", expected {name}, or \"{{\" for "
	                "a literal brace");
}

static void
test_template_invalid_utf8_is_an_error(void **state)
{
	assert_template("Subject: Relance\n\nMontant d\xfb\n",
	                "tpl:3: invalid UTF-8, expected UTF-8 text");
}

static void
test_template_control_character_is_an_error(void **state)
{
	assert_template("Subject: Relance\n\nBonjour\x1b[1m\n",
	                "tpl:3: control character 0x1b, expected printable "
	                "text");
}

static void
test_template_too_large_is_an_error(void **state)
{
	char *big = malloc(POLICY_MAX_TEMPLATE + 1);
	char *got;

	assert_non_null(big);
	memset(big, 'x', POLICY_MAX_TEMPLATE + 1);
	got = template_errors(big, POLICY_MAX_TEMPLATE + 1);
	assert_string_equal(got, "tpl: file too large, expected at most 65536 "
	                         "bytes");
	free(got);
	free(big);
}

static void
test_add_template_rejects_bad_and_duplicate_names(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();

	assert_int_equal(policy_add_template(p, "fr", "Relance", "f", TPL,
	                                     strlen(TPL), &errors),
	                 1);
	assert_int_equal(policy_add_template(p, "fr", "thanks", "g", TPL,
	                                     strlen(TPL), &errors),
	                 0);
	assert_int_equal(policy_add_template(p, "fr", "thanks", "h", TPL,
	                                     strlen(TPL), &errors),
	                 1);
	assert_string_equal(errors.v[0], "f: bad template name \"Relance\", "
	                                 "expected lower-case letters, digits "
	                                 "and '-' (at most 64)");
	assert_string_equal(errors.v[1], "h: duplicate template \"thanks\" for "
	                                 "\"fr\"");
	assert_non_null(policy_find_template(p, "fr", "thanks"));
	assert_null(policy_find_template(p, "en", "thanks"));
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_too_many_templates_is_an_error(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	char name[16];

	for (int i = 0; i < POLICY_MAX_TEMPLATES; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		assert_int_equal(policy_add_template(p, "fr", name, name, TPL,
		                                     strlen(TPL), &errors),
		                 0);
	}
	assert_int_equal(policy_add_template(p, "fr", "last", "last", TPL,
	                                     strlen(TPL), &errors),
	                 1);
	assert_string_equal(errors.v[0], "last: too many templates, expected "
	                                 "at most 1024");
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_placeholder_names_are_known(void **state)
{
	assert_true(policy_placeholder_known("total_claimed", 13));
	assert_true(policy_placeholder_known("stepx", 4));
	assert_false(policy_placeholder_known("total", 5));
	assert_false(policy_placeholder_known("", 0));
}

static const char *
values(const char *name, void *arg)
{
	if (strcmp(name, "invoice") == 0)
		return "F-2026-001";
	if (strcmp(name, "contact") == 0)
		return (const char *)arg;
	return NULL;
}

static void
test_expand_fills_placeholders_and_literal_braces(void **state)
{
	struct buf out = BUF_INIT;
	struct err e = {{0}};

	assert_int_equal(policy_expand("Bonjour {contact}, facture {invoice} "
	                               "{{invoice} }.",
	                               values, "Mme Martin", &out, &e),
	                 0);
	assert_string_equal(buf_cstr(&out), "Bonjour Mme Martin, facture "
	                                    "F-2026-001 {invoice} }.");
	buf_free(&out);
}

static void
test_expand_fails_on_a_value_it_lacks(void **state)
{
	struct buf out = BUF_INIT;
	struct err e = {{0}};

	assert_int_equal(policy_expand("IBAN {iban}", values, NULL, &out, &e),
	                 -1);
	assert_string_equal(e.msg, "no value for placeholder {iban}");
	buf_free(&out);
}

static void
test_expand_fails_on_an_unclosed_brace(void **state)
{
	struct buf out = BUF_INIT;
	struct err e = {{0}};

	assert_int_equal(policy_expand("a {invoice\n}", values, NULL, &out, &e),
	                 -1);
	assert_string_equal(e.msg, "unclosed \"{\", expected {name}, or \"{{\" "
	                           "for a literal brace");
	buf_free(&out);
}

/* ------------------------------------------------------------------ */
/* The directory                                                      */

static void
write_file(const char *dir, const char *name, const char *text)
{
	struct buf path = BUF_INIT;
	FILE *f;

	buf_printf(&path, "%s/%s", dir, name);
	f = fopen(buf_cstr(&path), "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	buf_free(&path);
}

/* A temporary policy directory with BASE and the fr templates; the
 * caller removes it with "rm -r". */
static char *
make_dir(void)
{
	char tmpl[] = "/tmp/test_policy.XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct buf b = BUF_INIT;

	assert_non_null(dir);
	write_file(dir, "base.policy", BASE);
	buf_printf(&b, "%s/templates", dir);
	assert_int_equal(mkdir(buf_cstr(&b), 0700), 0);
	buf_printf(&b, "/fr");
	assert_int_equal(mkdir(buf_cstr(&b), 0700), 0);
	write_file(buf_cstr(&b), "courtesy", TPL);
	write_file(buf_cstr(&b), "reminder-1", TPL);
	write_file(buf_cstr(&b), "thanks", TPL);
	buf_free(&b);
	return strdup(dir);
}

static void
remove_dir(char *dir)
{
	struct buf cmd = BUF_INIT;

	buf_printf(&cmd, "rm -r '%s'", dir);
	assert_int_equal(system(buf_cstr(&cmd)), 0);
	buf_free(&cmd);
	free(dir);
}

/* Load DIR; return the errors joined with DIR replaced by "D". */
static char *
load_errors(const char *dir, int *rc)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = (struct policy *)1;
	struct buf b = BUF_INIT;
	size_t n = strlen(dir);

	*rc = policy_load(dir, &p, &errors);
	if (*rc != 0)
		assert_null(p);
	for (size_t i = 0; i < errors.n; i++) {
		const char *s = errors.v[i];

		buf_puts(&b, i ? "\n" : "");
		for (const char *hit; (hit = strstr(s, dir)) != NULL;
		     s = hit + n) {
			buf_append(&b, s, (size_t)(hit - s));
			buf_putc(&b, 'D');
		}
		buf_puts(&b, s);
	}
	policy_free(p);
	strlist_clear(&errors);
	return buf_steal(&b);
}

static void
test_load_reads_a_directory(void **state)
{
	char *dir = make_dir();
	char *got;
	int rc;

	write_file(dir, ".hidden.policy", "garbage\n");
	write_file(dir, "notes.txt", "garbage\n");
	got = load_errors(dir, &rc);
	assert_string_equal(got, "");
	assert_int_equal(rc, 0);
	free(got);
	remove_dir(dir);
}

static void
test_load_of_a_missing_directory_is_an_error(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = NULL;

	assert_int_equal(policy_load("/nonexistent/policies", &p, &errors), 1);
	assert_null(p);
	assert_string_equal(errors.v[0], "/nonexistent/policies: cannot open "
	                                 "directory: No such file or "
	                                 "directory");
	strlist_clear(&errors);
}

static void
test_load_without_policy_files_is_an_error(void **state)
{
	char *dir = make_dir();
	struct buf path = BUF_INIT;
	char *got;
	int rc;

	buf_printf(&path, "%s/base.policy", dir);
	assert_int_equal(unlink(buf_cstr(&path)), 0);
	got = load_errors(dir, &rc);
	assert_true(rc > 1);
	assert_non_null(strstr(got, "D: no *.policy file, expected files such "
	                            "as profiles.policy, reactions.policy "
	                            "and rates.policy\n"));
	free(got);
	buf_free(&path);
	remove_dir(dir);
}

static void
test_load_reports_errors_with_the_file_path(void **state)
{
	char *dir = make_dir();
	char *got;
	int rc;

	write_file(dir, "extra.policy", "rates\n\tindemnity 40 EUR\n");
	got = load_errors(dir, &rc);
	assert_int_equal(rc, 1);
	assert_string_equal(got, "D/extra.policy:2: duplicate \"indemnity\", "
	                         "first set at D/base.policy:16");
	free(got);
	remove_dir(dir);
}

static void
test_load_checks_template_files_and_names(void **state)
{
	char *dir = make_dir();
	struct buf path = BUF_INIT;
	char *got;
	int rc;

	buf_printf(&path, "%s/templates/fr", dir);
	write_file(buf_cstr(&path), "Courtesy", TPL);
	write_file(buf_cstr(&path), "courtesy~", "junk");
	write_file(buf_cstr(&path), "reminder-2", "Bonjour\n");
	buf_reset(&path);
	buf_printf(&path, "%s/templates/FR", dir);
	assert_int_equal(mkdir(buf_cstr(&path), 0700), 0);
	buf_reset(&path);
	buf_printf(&path, "%s/templates", dir);
	write_file(buf_cstr(&path), "README", "x");
	got = load_errors(dir, &rc);
	assert_int_equal(rc, 5);
	assert_string_equal(
	    got,
	    "D/templates/FR: bad language name, expected lower-case letters, "
	    "digits and '-' such as fr\n"
	    "D/templates/README: not a directory, expected one directory per "
	    "language such as fr\n"
	    "D/templates/fr/Courtesy: bad template name \"Courtesy\", "
	    "expected lower-case letters, digits and '-' (at most 64)\n"
	    "D/templates/fr/reminder-2:1: bad header line, expected \"Name: "
	    "value\" lines, then a blank line, then the body\n"
	    "D/templates/fr/reminder-2:1: no Subject header, expected "
	    "\"Subject: ...\" on the first line");
	free(got);
	buf_free(&path);
	remove_dir(dir);
}

static void
test_load_rejects_what_is_not_a_regular_file(void **state)
{
	char *dir = make_dir();
	struct buf path = BUF_INIT;
	char *got;
	int rc;

	buf_printf(&path, "%s/old.policy", dir);
	assert_int_equal(mkdir(buf_cstr(&path), 0700), 0);
	buf_reset(&path);
	buf_printf(&path, "%s/templates/fr/call", dir);
	assert_int_equal(mkdir(buf_cstr(&path), 0700), 0);
	got = load_errors(dir, &rc);
	assert_int_equal(rc, 2);
	assert_string_equal(got, "D/old.policy: not a regular file, expected "
	                         "a plain text file\n"
	                         "D/templates/fr/call: not a regular file, "
	                         "expected a plain text file");
	free(got);
	buf_free(&path);
	remove_dir(dir);
}

static void
test_load_rejects_a_template_that_is_too_large(void **state)
{
	char *dir = make_dir();
	struct buf path = BUF_INIT, text = BUF_INIT;
	char *got;
	int rc;

	buf_printf(&path, "%s/templates/fr", dir);
	buf_puts(&text, "Subject: x\n\n");
	while (text.len <= POLICY_MAX_TEMPLATE)
		buf_puts(&text, "Lorem ipsum dolor sit amet.\n");
	write_file(buf_cstr(&path), "long", buf_cstr(&text));
	got = load_errors(dir, &rc);
	assert_int_equal(rc, 1);
	assert_string_equal(got, "D/templates/fr/long: file too large, "
	                         "expected at most 65536 bytes");
	free(got);
	buf_free(&path);
	buf_free(&text);
	remove_dir(dir);
}

/* ------------------------------------------------------------------ */
/* Rules and matching                                                 */

/* Parse TEXT as t.policy into a new policy that must have no error. */
static struct policy *
parse_ok(const char *text)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	char *errs;

	assert_non_null(p);
	policy_parse_file(p, "t.policy", text, strlen(text), &errors);
	errs = joined(&errors);
	assert_string_equal(errs, "");
	free(errs);
	strlist_clear(&errors);
	return p;
}

static void
assert_rule(const struct policy_rule *r, enum policy_rule_kind kind,
            enum policy_class cls, const char *text, unsigned line)
{
	assert_int_equal(r->kind, kind);
	assert_int_equal(r->cls, cls);
	assert_string_equal(r->text, text);
	assert_int_equal(r->re != NULL, kind == POLICY_RULE_PATTERN ||
	                                    kind == POLICY_RULE_ATTACHMENT);
	assert_string_equal(r->where.file, "t.policy");
	assert_int_equal(r->where.line, line);
}

static void
test_rules_section_reads_every_directive(void **state)
{
	struct policy *p =
	    parse_ok("rules fr\n"
	             "\tkeyword     dispute     \"Je  CONTESTE\"\n"
	             "\tpattern     promise     \"je vous (?:regle|reglerai)\" "
	             " # PCRE2\n"
	             "\tsubject     auto-reply  \"Réponse automatique\"\n"
	             "\tattachment  remittance  \"avis|virement\"\n"
	             "\tkeyword     reply       duplicata\n"
	             "\treturn-cue  \"De retour le\"\n"
	             "\tpromise-cue \"paiement prévu\"\n"
	             "\tdelay-cue   \"retardé\"\n");
	const struct policy_rules *r;

	assert_int_equal(p->nrules, 1);
	r = &p->rules[0];
	assert_string_equal(r->lang, "fr");
	assert_int_equal(r->where.line, 1);
	assert_int_equal(r->nrules, 5);
	assert_rule(&r->rules[0], POLICY_RULE_KEYWORD, POLICY_CLASS_DISPUTE,
	            "je conteste", 2);
	assert_rule(&r->rules[1], POLICY_RULE_PATTERN, POLICY_CLASS_PROMISE,
	            "je vous (?:regle|reglerai)", 3);
	assert_rule(&r->rules[2], POLICY_RULE_SUBJECT, POLICY_CLASS_AUTO_REPLY,
	            "reponse automatique", 4);
	assert_rule(&r->rules[3], POLICY_RULE_ATTACHMENT,
	            POLICY_CLASS_REMITTANCE, "avis|virement", 5);
	assert_rule(&r->rules[4], POLICY_RULE_KEYWORD, POLICY_CLASS_REPLY,
	            "duplicata", 6);
	assert_int_equal(r->return_cues.n, 1);
	assert_string_equal(r->return_cues.v[0], "de retour le");
	assert_int_equal(r->promise_cues.n, 1);
	assert_string_equal(r->promise_cues.v[0], "paiement prevu");
	assert_int_equal(r->delay_cues.n, 1);
	assert_string_equal(r->delay_cues.v[0], "retarde");
	policy_free(p);
}

static void
test_rules_of_one_language_add_up_across_sections(void **state)
{
	struct policy *p = parse_ok("rules fr\n"
	                            "\tkeyword dispute litige\n"
	                            "rules en\n"
	                            "\tkeyword dispute \"we dispute\"\n"
	                            "rules fr\n"
	                            "\tkeyword promise \"fin du mois\"\n");
	struct strlist errors = STRLIST_INIT;
	static const char more[] = "rules fr\n\treturn-cue jusqu'au\n";

	assert_int_equal(
	    policy_parse_file(p, "u.policy", more, sizeof(more) - 1, &errors),
	    0);
	assert_int_equal(p->nrules, 2);
	assert_string_equal(p->rules[0].lang, "fr");
	assert_int_equal(p->rules[0].nrules, 2);
	assert_string_equal(p->rules[0].rules[1].text, "fin du mois");
	assert_string_equal(p->rules[0].return_cues.v[0], "jusqu'au");
	assert_string_equal(p->rules[1].lang, "en");
	assert_int_equal(p->rules[1].nrules, 1);
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_rules_escapes_and_comments_in_values(void **state)
{
	struct policy *p = parse_ok(
	    "rules en\n"
	    "\tkeyword reply \"say \\\"hi\\\" \\\\ there\"   # a comment\n"
	    "\tpattern reply \"a\\\"b\\\\d\"\n"
	    "\tkeyword reply one#two\n"
	    "\tkeyword dispute \"#hash\"\n");
	const struct policy_rules *r = &p->rules[0];

	assert_int_equal(r->nrules, 4);
	assert_string_equal(r->rules[0].text, "say \"hi\" \\ there");
	assert_string_equal(r->rules[1].text, "a\\\"b\\\\d");
	assert_string_equal(r->rules[2].text, "one#two");
	assert_string_equal(r->rules[3].text, "#hash");
	policy_free(p);
}

static void
test_rules_bad_language_is_an_error(void **state)
{
	assert_parse("rules FR\n\tkeyword dispute litige\n"
	             "rules f\n"
	             "rules francais1\n"
	             "rules\n\tkeyword dispute x\n",
	             "t.policy:1: bad language \"FR\", expected 2 to 8 "
	             "lower-case letters such as fr\n"
	             "t.policy:3: bad language \"f\", expected 2 to 8 "
	             "lower-case letters such as fr\n"
	             "t.policy:4: bad language \"francais1\", expected 2 to 8 "
	             "lower-case letters such as fr\n"
	             "t.policy:5: too few values for \"rules\", expected "
	             "\"rules LANG\"");
}

static void
test_rules_lines_under_a_bad_header_are_checked_not_kept(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	static const char text[] = "rules FR\n"
	                           "\tkeyword dispute litige\n"
	                           "\tkeyword nope litige\n";
	char *errs;

	assert_int_equal(
	    policy_parse_file(p, "t.policy", text, sizeof(text) - 1, &errors),
	    2);
	errs = joined(&errors);
	assert_string_equal(errs,
	                    "t.policy:1: bad language \"FR\", expected 2 to 8 "
	                    "lower-case letters such as fr\n"
	                    "t.policy:3: unknown class \"nope\", expected "
	                    "bounce, auto-reply, remittance, dispute, promise "
	                    "or reply");
	assert_int_equal(p->nrules, 0);
	free(errs);
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_rules_unknown_class_is_an_error(void **state)
{
	assert_parse("rules fr\n"
	             "\tkeyword paid \"virement effectué\"\n"
	             "\tsubject out-of-office \"absent\"\n"
	             "\tkeyword unrelated x\n",
	             "t.policy:2: unknown class \"paid\", expected bounce, "
	             "auto-reply, remittance, dispute, promise or reply\n"
	             "t.policy:3: unknown class \"out-of-office\", expected "
	             "bounce, auto-reply, remittance, dispute, promise or "
	             "reply\n"
	             "t.policy:4: unknown class \"unrelated\", expected "
	             "bounce, auto-reply, remittance, dispute, promise or "
	             "reply");
}

static void
test_rules_value_faults_are_errors(void **state)
{
	assert_parse(
	    "rules fr\n"
	    "\tkeyword\n"
	    "\tkeyword dispute\n"
	    "\tkeyword dispute   # nothing\n"
	    "\tkeyword dispute \"je conteste\n"
	    "\tkeyword dispute \"je\" \"conteste\"\n"
	    "\tkeyword dispute je conteste\n"
	    "\tkeyword dispute \"  \"\n"
	    "\tpattern dispute \"\"\n"
	    "\treturn-cue\n"
	    "\tpromise-cue \"\\u00a0\n",
	    "t.policy:2: too few values for \"keyword\", expected keyword "
	    "CLASS \"WORDS\"\n"
	    "t.policy:3: too few values for \"keyword\", expected keyword "
	    "CLASS \"WORDS\"\n"
	    "t.policy:4: too few values for \"keyword\", expected keyword "
	    "CLASS \"WORDS\"\n"
	    "t.policy:5: unclosed quote in the value of \"keyword\", expected "
	    "keyword CLASS \"WORDS\"\n"
	    "t.policy:6: unexpected \"\"conteste\"\" after the value of "
	    "\"keyword\", expected keyword CLASS \"WORDS\", then nothing or a "
	    "# comment\n"
	    "t.policy:7: unexpected \"conteste\" after the value of "
	    "\"keyword\", expected keyword CLASS \"WORDS\", then nothing or a "
	    "# comment\n"
	    "t.policy:8: empty value for \"keyword\", expected some words\n"
	    "t.policy:9: empty value for \"pattern\", expected a pattern\n"
	    "t.policy:10: too few values for \"return-cue\", expected "
	    "return-cue \"WORDS\"\n"
	    "t.policy:11: unclosed quote in the value of \"promise-cue\", "
	    "expected promise-cue \"WORDS\"");
}

static void
test_rules_bad_pattern_names_the_pcre2_message_and_offset(void **state)
{
	assert_parse("rules fr\n"
	             "\tpattern promise \"je (vous\"\n"
	             "\tattachment remittance \"avis[\"\n"
	             "\tpattern promise \"a{2,1}\"\n",
	             "t.policy:2: bad pattern \"je (vous\" for \"pattern\": "
	             "missing closing parenthesis at offset 8, expected a "
	             "PCRE2 regular expression\n"
	             "t.policy:3: bad pattern \"avis[\" for \"attachment\": "
	             "missing terminating ] for character class at offset 5, "
	             "expected a PCRE2 regular expression\n"
	             "t.policy:4: bad pattern \"a{2,1}\" for \"pattern\": "
	             "numbers out of order in {} quantifier at offset 5, "
	             "expected a PCRE2 regular expression");
}

static void
test_rules_pattern_that_matches_empty_text_is_an_error(void **state)
{
	assert_parse(
	    "rules fr\n"
	    "\tpattern promise \"(?:vendredi)?\"\n"
	    "\tattachment remittance \"avis|\"\n",
	    "t.policy:2: pattern \"(?:vendredi)?\" for \"pattern\" can "
	    "match empty text, expected a pattern that needs at least "
	    "one character\n"
	    "t.policy:3: pattern \"avis|\" for \"attachment\" can match "
	    "empty text, expected a pattern that needs at least one "
	    "character");
}

static void
test_rules_duplicates_are_errors(void **state)
{
	assert_parse("rules fr\n"
	             "\tkeyword dispute \"Je conteste\"\n"
	             "\tkeyword dispute \"je  contesté\"\n"
	             "\tkeyword reply \"je conteste\"\n"
	             "\tsubject dispute \"je conteste\"\n"
	             "\treturn-cue \"de retour\"\n"
	             "\treturn-cue \"De Retour\"\n"
	             "rules en\n"
	             "\tkeyword dispute \"je conteste\"\n",
	             "t.policy:3: duplicate rule, first set at t.policy:2\n"
	             "t.policy:7: duplicate return-cue \"de retour\" in rules "
	             "\"fr\", expected each cue once");
}

static void
test_rules_too_many_languages_and_rules_are_errors(void **state)
{
	struct buf text = BUF_INIT;
	char *got;

	for (int i = 0; i < POLICY_MAX_RULE_LANGS + 1; i++)
		buf_printf(&text, "rules l%c\n", 'a' + i);
	got = parse_errors(buf_cstr(&text));
	assert_string_equal(got, "t.policy:17: too many rules languages, "
	                         "expected at most 16");
	free(got);
	buf_reset(&text);
	buf_puts(&text, "rules fr\n");
	for (int i = 0; i < POLICY_MAX_RULES - 1; i++)
		buf_printf(&text, "\tkeyword reply w%d\n", i);
	buf_puts(&text, "\treturn-cue last\n\tdelay-cue over\n");
	got = parse_errors(buf_cstr(&text));
	assert_string_equal(got, "t.policy:1002: too many rules for \"fr\", "
	                         "expected at most 1000");
	free(got);
	buf_free(&text);
}

static void
test_matching_reads_the_invoice_pattern_and_subject_tag(void **state)
{
	struct policy *p =
	    parse_ok("matching\n"
	             "\tinvoice-pattern \"\\bF\\d{4}-\\d{4,6}\\b\""
	             "  # F2026-0042\n"
	             "\tsubject-tag \"[Réf. {id}]\"\n");
	size_t a, b;
	static const char text[] = "re: f2026-0042 et xf2026-0043";

	assert_string_equal(p->matching.invoice_pattern,
	                    "\\bF\\d{4}-\\d{4,6}\\b");
	assert_non_null(p->matching.invoice);
	assert_int_equal(p->matching.invoice_where.line, 2);
	assert_string_equal(p->matching.subject_tag, "[Réf. {id}]");
	assert_int_equal(p->matching.tag_where.line, 3);
	assert_int_equal(policy_regex_find(p->matching.invoice, text,
	                                   sizeof(text) - 1, 0, &a, &b),
	                 1);
	assert_int_equal(a, 4);
	assert_int_equal(b, 14);
	assert_int_equal(policy_regex_find(p->matching.invoice, text,
	                                   sizeof(text) - 1, b, &a, &b),
	                 0);
	policy_free(p);
}

static void
test_matching_faults_are_errors(void **state)
{
	struct strlist errors = STRLIST_INIT;
	struct policy *p = policy_new();
	static const char a[] = "matching\n"
	                        "\tinvoice-pattern \"F\\d+\"\n"
	                        "\tsubject-tag \"[{id}]\"\n";
	static const char b[] = "matching\n"
	                        "\tinvoice-pattern \"G\\d+\"\n"
	                        "\tsubject-tag \"[{id}]\"\n"
	                        "\tinvoice-pattern \"(\"\n"
	                        "\tunknown x\n";
	char *got;

	assert_int_equal(
	    policy_parse_file(p, "a.policy", a, sizeof(a) - 1, &errors), 0);
	assert_int_equal(
	    policy_parse_file(p, "b.policy", b, sizeof(b) - 1, &errors), 4);
	got = joined(&errors);
	assert_string_equal(
	    got, "b.policy:2: duplicate \"invoice-pattern\", first set at "
	         "a.policy:2\n"
	         "b.policy:3: duplicate \"subject-tag\", first set at "
	         "a.policy:3\n"
	         "b.policy:4: duplicate \"invoice-pattern\", first set at "
	         "a.policy:2\n"
	         "b.policy:5: unknown directive \"unknown\" in matching, "
	         "expected invoice-pattern, subject-tag, or a new section: "
	         "profile NAME, reactions, rates, rules LANG, matching or "
	         "calendar");
	assert_string_equal(p->matching.invoice_pattern, "F\\d+");
	free(got);
	strlist_clear(&errors);
	policy_free(p);
}

static void
test_subject_tag_must_hold_id_once(void **state)
{
	struct buf text = BUF_INIT;
	char *got;

	assert_parse("matching\n\tsubject-tag \"[Réf. {ID}]\"\n",
	             "t.policy:2: subject-tag \"[Réf. {ID}]\" does not hold "
	             "{id} once, expected a text with one {id} such as "
	             "\"[Réf. {id}]\"");
	assert_parse("matching\n\tsubject-tag \"{id} {id}\"\n",
	             "t.policy:2: subject-tag \"{id} {id}\" does not hold {id} "
	             "once, expected a text with one {id} such as \"[Réf. "
	             "{id}]\"");
	buf_puts(&text, "matching\n\tsubject-tag \"{id}");
	for (int i = 0; i < POLICY_MAX_TAG; i++)
		buf_putc(&text, 'x');
	buf_puts(&text, "\"\n");
	got = parse_errors(buf_cstr(&text));
	assert_string_equal(got, "t.policy:2: subject-tag too long, expected "
	                         "at most 100 bytes");
	free(got);
	buf_free(&text);
}

static void
test_subject_rule_matching_our_own_subject_is_an_error(void **state)
{
	assert_build("rules fr\n"
	             "\tsubject dispute \"facture\"\n"
	             "\tsubject reply \"bonjour\"\n"
	             "\tsubject remittance \"{INVOICE}\"\n"
	             "\tkeyword dispute \"facture\"\n",
	             NULL,
	             "t.policy:2: subject rule \"facture\" matches the subject "
	             "of template fr/courtesy, expected words that our own "
	             "subjects do not hold (a reply repeats them)\n"
	             "t.policy:4: subject rule \"{invoice}\" matches the "
	             "subject of template fr/courtesy, expected words that our "
	             "own subjects do not hold (a reply repeats them)");
}

static void
test_class_and_rule_kind_names(void **state)
{
	static const char *const names[] = {"bounce",     "auto-reply",
	                                    "remittance", "dispute",
	                                    "promise",    "reply"};

	for (int c = 0; c < POLICY_CLASS_COUNT; c++) {
		assert_string_equal(policy_class_name(c), names[c]);
		assert_int_equal(policy_class_parse(names[c]), c);
	}
	assert_string_equal(policy_class_name(POLICY_CLASS_COUNT), "?");
	assert_int_equal(policy_class_parse("unrelated"), -1);
	assert_string_equal(policy_rule_kind_name(POLICY_RULE_KEYWORD),
	                    "keyword");
	assert_string_equal(policy_rule_kind_name(POLICY_RULE_ATTACHMENT),
	                    "attachment");
	assert_string_equal(policy_rule_kind_name(9), "?");
}

/* policy_fold of S as a new string (caller frees). */
static char *
folded(const char *s)
{
	struct buf b = BUF_INIT;

	assert_int_equal(policy_fold(s, strlen(s), &b, NULL), 0);
	return buf_steal(&b);
}

static void
assert_folded(const char *s, const char *want)
{
	char *got = folded(s);

	assert_string_equal(got, want);
	free(got);
}

static void
test_fold_lowers_case_and_drops_accents(void **state)
{
	assert_folded("Réponse AUTOMATIQUE : Œuvre, ÇA, straße",
	              "reponse automatique : oeuvre, ca, strasse");
	assert_folded("Nous n\xe2\x80\x99"
	              "avons jamais re\xc3\xa7u",
	              "nous n'avons jamais recu");
	assert_folded("a\xc2\xa0:\xe2\x80\xaf"
	              "b",
	              "a : b");
	assert_folded("  je\n\n\tconteste \r\n", " je conteste ");
	assert_folded("F2026\xe2\x80\x91"
	              "0042 r\xc3\xa8gle\xc2\xad"
	              "ment",
	              "f2026-0042 reglement");
	assert_folded("Привет", "Привет");
	assert_folded("", "");
}

static void
test_fold_turns_invalid_utf8_and_nul_into_question_marks(void **state)
{
	struct buf b = BUF_INIT;
	static const char s[] = "a\xff"
	                        "b\xc3"
	                        "\0c\xe2\x80";

	assert_int_equal(policy_fold(s, sizeof(s) - 1, &b, NULL), 0);
	assert_string_equal(buf_cstr(&b), "a?b??c??");
	buf_free(&b);
}

static void
test_fold_maps_every_byte_to_its_source(void **state)
{
	struct buf b = BUF_INIT;
	size_t *map;
	static const char s[] = "Œ é  x\xe2\x80\x99y";
	/* "oe e x'y": o e from 0, ' ' from 2, e from 3, ' ' from 5 (the
	 * first of two blanks), x from 7, ' from 8, y from 11, end 12. */
	static const size_t want[] = {0, 0, 2, 3, 5, 7, 8, 11, 12};

	assert_int_equal(policy_fold(s, sizeof(s) - 1, &b, &map), 0);
	assert_string_equal(buf_cstr(&b), "oe e x'y");
	for (size_t i = 0; i <= b.len; i++)
		assert_int_equal(map[i], want[i]);
	free(map);
	buf_free(&b);
}

/* Find rule R of P in the folded form of TEXT; 1 and [*a, *b) or 0. */
static int
find_in(const struct policy_rule *r, const char *text, size_t *a, size_t *b)
{
	char *f = folded(text);
	int rc = policy_rule_find(r, f, strlen(f), 0, a, b);

	free(f);
	return rc;
}

static void
test_rule_find_matches_whole_words_only(void **state)
{
	struct policy *p = parse_ok("rules fr\n"
	                            "\tkeyword dispute litige\n"
	                            "\tkeyword dispute \"n'avons jamais\"\n"
	                            "\tsubject bounce \"undeliverable:\"\n");
	const struct policy_rule *r = p->rules[0].rules;
	size_t a = 0, b = 0;

	assert_int_equal(find_in(&r[0], "Un LITIGE.", &a, &b), 1);
	assert_int_equal(a, 3);
	assert_int_equal(b, 9);
	assert_int_equal(find_in(&r[0], "litiges, litigeux, xlitige", &a, &b),
	                 0);
	assert_int_equal(find_in(&r[0], "litiges puis litige", &a, &b), 1);
	assert_int_equal(a, 13);
	assert_int_equal(find_in(&r[0], "LITIGÉ", &a, &b), 1); /* folded */
	assert_int_equal(find_in(&r[0], "litigeé", &a, &b), 0);
	assert_int_equal(find_in(&r[1],
	                         "Nous n\xe2\x80\x99"
	                         "avons\n jamais",
	                         &a, &b),
	                 1);
	assert_int_equal(a, 5);
	assert_int_equal(find_in(&r[2], "Undeliverable:Facture", &a, &b), 1);
	assert_int_equal(policy_rule_find(&r[0], "litige", 6, 1, &a, &b), 0);
	assert_int_equal(policy_rule_find(&r[0], "litige", 6, 7, &a, &b), 0);
	policy_free(p);
}

static void
test_rule_find_runs_patterns_caseless_from_an_offset(void **state)
{
	struct policy *p =
	    parse_ok("rules fr\n"
	             "\tpattern promise \"je vous r[eè]gle\"\n"
	             "\tattachment remittance \"avis|virement\"\n"
	             "\tpattern dispute \"(a|aa)+$\"\n");
	const struct policy_rule *r = p->rules[0].rules;
	static const char text[] = "je vous regle ; je vous regle";
	struct buf hostile = BUF_INIT;
	size_t a = 0, b = 0;

	assert_string_equal(r[0].text, "je vous r[ee]gle");
	assert_int_equal(
	    policy_rule_find(&r[0], text, sizeof(text) - 1, 1, &a, &b), 1);
	assert_int_equal(a, 16);
	assert_int_equal(b, 29);
	assert_int_equal(find_in(&r[1], "Avis de VIREMENT.pdf", &a, &b), 1);
	assert_int_equal(a, 0);
	assert_int_equal(b, 4);
	assert_int_equal(find_in(&r[1], "facture.pdf", &a, &b), 0);
	/* A runaway match stops at the match limit. */
	for (int i = 0; i < 40; i++)
		buf_putc(&hostile, 'a');
	buf_putc(&hostile, '!');
	assert_int_equal(
	    policy_rule_find(&r[2], hostile.data, hostile.len, 0, &a, &b), -1);
	buf_free(&hostile);
	policy_free(p);
}

static void
test_shipped_rules_cover_every_class_in_french_and_english(void **state)
{
	struct policy *p = load_shipped();
	size_t a, b;
	static const char inv[] = "facture f2026-0101 et f2026-01011x";

	assert_int_equal(p->nrules, 2);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rules *r = &p->rules[i];
		bool seen[POLICY_CLASS_COUNT] = {false};

		for (size_t k = 0; k < r->nrules; k++)
			seen[r->rules[k].cls] = true;
		for (int c = 0; c < POLICY_CLASS_COUNT; c++)
			assert_true(seen[c]);
		assert_true(r->return_cues.n > 0);
		assert_true(r->promise_cues.n > 0);
		assert_true(r->delay_cues.n > 0);
	}
	assert_string_equal(p->matching.subject_tag, "[Réf. {id}]");
	assert_int_equal(policy_regex_find(p->matching.invoice, inv,
	                                   sizeof(inv) - 1, 0, &a, &b),
	                 1);
	assert_int_equal(a, 8);
	assert_int_equal(b, 18);
	assert_int_equal(policy_regex_find(p->matching.invoice, inv,
	                                   sizeof(inv) - 1, b, &a, &b),
	                 0);
	policy_free(p);
}

/* ------------------------------------------------------------------ */
/* The calendar section and first-contact                             */

static void
assert_day(struct date d, const char *want)
{
	char got[11];

	date_format(d, got);
	assert_string_equal(got, want);
}

static void
test_closed_days_and_ranges_are_sorted_and_unique(void **state)
{
	char *errs;
	struct policy *p =
	    build("calendar\n"
	          "\tclosed 2026-12-24 to 2026-12-27\n"
	          "\tclosed 2026-08-14\n"
	          "\tclosed 2026-12-26\n" /* inside the range: kept once */
	          "calendar\n"
	          "\tclosed 31/12/2026\n",
	          NULL, &errs);

	assert_string_equal(errs, "");
	assert_int_equal(p->calendar.nclosed, 6);
	assert_day(p->calendar.closed[0], "2026-08-14");
	assert_day(p->calendar.closed[1], "2026-12-24");
	assert_day(p->calendar.closed[2], "2026-12-25");
	assert_day(p->calendar.closed[3], "2026-12-26");
	assert_day(p->calendar.closed[4], "2026-12-27");
	assert_day(p->calendar.closed[5], "2026-12-31");
	assert_false(p->calendar.window);
	free(errs);
	policy_free(p);
}

static void
test_bad_closed_lines_name_file_and_line(void **state)
{
	assert_parse(
	    "calendar\n"
	    "\tclosed 2026-02-30\n"
	    "\tclosed 2026-12-24 to 2027-13-01\n"
	    "\tclosed 2027-01-01 to 2026-12-24\n"
	    "\tclosed 2026-12-24 until 2027-01-01\n"
	    "\tclosed 2026-12-24 to\n"
	    "\tclosed 2026-01-01 to 2027-01-02\n"
	    "\tclosed\n",
	    "t.policy:2: bad date \"2026-02-30\", expected YYYY-MM-DD\n"
	    "t.policy:3: bad date \"2027-13-01\", expected YYYY-MM-DD\n"
	    "t.policy:4: closed range 2027-01-01 to 2026-12-24 ends "
	    "before it starts, expected the first day, then the "
	    "last\n"
	    "t.policy:5: unexpected \"until\" in closed, expected "
	    "\"closed YYYY-MM-DD [to YYYY-MM-DD]\"\n"
	    "t.policy:6: too few values for \"closed\", expected "
	    "\"closed YYYY-MM-DD [to YYYY-MM-DD]\"\n"
	    "t.policy:7: closed range 2026-01-01 to 2027-01-02 is 367 "
	    "days long, expected at most 366\n"
	    "t.policy:8: too few values for \"closed\", expected "
	    "\"closed YYYY-MM-DD [to YYYY-MM-DD]\"");
}

static void
test_too_many_closed_days_is_an_error(void **state)
{
	struct buf text = BUF_INIT;
	char *got;

	buf_puts(&text, "calendar\n");
	for (int y = 2030; y < 2041; y++) /* 11 ranges of 365 days */
		buf_printf(&text, "\tclosed %d-01-01 to %d-12-31\n", y, y);
	got = parse_errors(buf_cstr(&text));
	assert_string_equal(got, "t.policy:12: too many closed days, expected "
	                         "at most 4000 in all");
	free(got);
	buf_free(&text);
}

static void
test_window_days_and_hours(void **state)
{
	struct policy *p =
	    parse_ok("calendar\n\twindow mon-thu,sat 08:30-24:00\n");

	assert_true(p->calendar.window);
	assert_int_equal(p->calendar.window_days, 0x2f);
	assert_int_equal(p->calendar.window_from, 510);
	assert_int_equal(p->calendar.window_to, 1440);
	assert_string_equal(p->calendar.window_where.file, "t.policy");
	assert_int_equal(p->calendar.window_where.line, 2);
	policy_free(p);
	p = parse_ok("calendar\n\twindow mon,wed,fri 09:00-12:00\n");
	assert_int_equal(p->calendar.window_days, 0x15);
	policy_free(p);
}

static void
test_bad_window_lines_name_file_and_line(void **state)
{
	assert_parse(
	    "calendar\n"
	    "\twindow fri-mon 09:00-18:00\n"
	    "\twindow monday 09:00-18:00\n"
	    "\twindow mon-fri, 09:00-18:00\n"
	    "\twindow mon-fri 9:00-18:00\n"
	    "\twindow mon-fri 09:00-24:01\n"
	    "\twindow mon-fri 09:60-18:00\n"
	    "\twindow mon-fri 18:00-09:00\n"
	    "\twindow mon-fri 09:00\n"
	    "\twindow mon-fri 09:00-18:00\n"
	    "\twindow mon-sun 00:00-24:00\n",
	    "t.policy:2: bad days \"fri-mon\" for \"window\", expected days "
	    "mon "
	    "to sun in week order, such as mon-fri or mon,wed,fri\n"
	    "t.policy:3: bad days \"monday\" for \"window\", expected days mon "
	    "to sun in week order, such as mon-fri or mon,wed,fri\n"
	    "t.policy:4: bad days \"mon-fri,\" for \"window\", expected days "
	    "mon to sun in week order, such as mon-fri or mon,wed,fri\n"
	    "t.policy:5: bad hours \"9:00-18:00\" for \"window\", expected "
	    "HH:MM-HH:MM such as 09:00-18:00\n"
	    "t.policy:6: bad hours \"09:00-24:01\" for \"window\", expected "
	    "HH:MM-HH:MM such as 09:00-18:00\n"
	    "t.policy:7: bad hours \"09:60-18:00\" for \"window\", expected "
	    "HH:MM-HH:MM such as 09:00-18:00\n"
	    "t.policy:8: window hours 18:00-09:00 end before they start, "
	    "expected the opening time, then the closing time, such as "
	    "09:00-18:00\n"
	    "t.policy:9: bad hours \"09:00\" for \"window\", expected "
	    "HH:MM-HH:MM such as 09:00-18:00\n"
	    "t.policy:11: duplicate \"window\", first set at t.policy:10");
}

static void
test_unknown_directive_in_calendar_names_the_expected_ones(void **state)
{
	assert_parse("calendar\n\tholiday 2026-12-24\n",
	             "t.policy:2: unknown directive \"holiday\" in calendar, "
	             "expected closed, window, or a new section: profile "
	             "NAME, reactions, rates, rules LANG, matching or "
	             "calendar");
}

static void
test_first_contact_names_a_step_of_its_profile(void **state)
{
	char *errs;
	struct policy *p = build("profile late\n"
	                         "\tdescription Late payer\n"
	                         "\tfirst-contact reminder-1\n"
	                         "\tstep courtesy -8d email\n"
	                         "\tstep reminder-1 +8d email\n",
	                         NULL, &errs);

	assert_string_equal(errs, "");
	assert_string_equal(policy_find_profile(p, "late")->first_contact,
	                    "reminder-1");
	assert_null(policy_find_profile(p, "default")->first_contact);
	free(errs);
	policy_free(p);
	assert_build("profile late\n"
	             "\tdescription Late payer\n"
	             "\tstep courtesy -8d email\n"
	             "\tfirst-contact reminder-2\n",
	             NULL,
	             "t.policy:4: first-contact \"reminder-2\" is not a step "
	             "of profile \"late\", expected the name of one of its "
	             "steps");
	assert_parse("profile late\n"
	             "\tfirst-contact Reminder\n" /* counts as set */
	             "\tfirst-contact a\n"
	             "\tfirst-contact b\n",
	             "t.policy:2: bad step name \"Reminder\" for "
	             "\"first-contact\", expected the name of a step of this "
	             "profile\n"
	             "t.policy:3: duplicate \"first-contact\", first set at "
	             "t.policy:2\n"
	             "t.policy:4: duplicate \"first-contact\", first set at "
	             "t.policy:2");
}

static void
test_shipped_calendar_and_first_contact(void **state)
{
	struct policy *p = load_shipped();

	assert_true(p->calendar.window);
	assert_int_equal(p->calendar.window_days, 0x1f);
	assert_int_equal(p->calendar.window_from, 8 * 60);
	assert_int_equal(p->calendar.window_to, 18 * 60);
	for (size_t i = 0; i < p->nprofiles; i++)
		assert_string_equal(p->profiles[i]->first_contact,
		                    "reminder-1");
	policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_policies_load_without_errors),
	    cmocka_unit_test(
	        test_shipped_default_profile_follows_the_french_practice),
	    cmocka_unit_test(test_shipped_good_payers_are_chased_later),
	    cmocka_unit_test(test_shipped_bad_payers_are_chased_sooner),
	    cmocka_unit_test(test_shipped_reactions_cover_every_event),
	    cmocka_unit_test(
	        test_shipped_rates_are_the_ecb_rates_plus_ten_points),
	    cmocka_unit_test(
	        test_shipped_formal_notices_carry_the_legal_mentions),
	    cmocka_unit_test(
	        test_shipped_first_reminder_subject_says_facture_impayee),
	    cmocka_unit_test(test_shipped_reminders_carry_the_payment_details),
	    cmocka_unit_test(
	        test_comments_blank_lines_bom_and_crlf_are_accepted),
	    cmocka_unit_test(test_policy_without_a_final_newline_is_read),
	    cmocka_unit_test(test_directive_outside_a_section_is_an_error),
	    cmocka_unit_test(
	        test_unknown_directive_in_a_profile_names_the_expected_ones),
	    cmocka_unit_test(
	        test_unknown_directive_in_rates_names_the_expected_ones),
	    cmocka_unit_test(
	        test_unknown_directive_in_reactions_names_the_expected_ones),
	    cmocka_unit_test(test_too_few_values_show_the_usage),
	    cmocka_unit_test(test_too_many_values_show_the_usage),
	    cmocka_unit_test(test_far_too_many_words_are_too_many_values),
	    cmocka_unit_test(test_section_header_with_values_is_an_error),
	    cmocka_unit_test(test_profile_without_a_name_is_an_error),
	    cmocka_unit_test(test_bad_profile_name_is_an_error),
	    cmocka_unit_test(
	        test_duplicate_profile_is_an_error_and_its_lines_still_checked),
	    cmocka_unit_test(
	        test_duplicate_profiles_across_files_name_the_first_file),
	    cmocka_unit_test(test_too_many_profiles_is_an_error),
	    cmocka_unit_test(test_duplicate_directive_in_a_profile_is_an_error),
	    cmocka_unit_test(test_description_takes_the_rest_of_the_line),
	    cmocka_unit_test(test_every_error_in_a_file_is_reported),
	    cmocka_unit_test(test_errors_stop_after_the_maximum),
	    cmocka_unit_test(test_line_too_long_is_an_error),
	    cmocka_unit_test(test_invalid_utf8_is_an_error),
	    cmocka_unit_test(test_control_character_is_an_error),
	    cmocka_unit_test(test_file_too_large_is_an_error),
	    cmocka_unit_test(
	        test_step_reads_offset_channel_attach_and_template),
	    cmocka_unit_test(test_bad_step_name_is_an_error),
	    cmocka_unit_test(
	        test_step_name_longer_than_the_maximum_is_an_error),
	    cmocka_unit_test(test_bad_offset_is_an_error),
	    cmocka_unit_test(test_offset_out_of_range_is_an_error),
	    cmocka_unit_test(test_unknown_channel_is_an_error),
	    cmocka_unit_test(test_attach_on_a_task_is_an_error),
	    cmocka_unit_test(test_unexpected_step_option_is_an_error),
	    cmocka_unit_test(test_template_option_without_a_name_is_an_error),
	    cmocka_unit_test(test_bad_template_name_in_a_step_is_an_error),
	    cmocka_unit_test(test_duplicate_step_is_an_error),
	    cmocka_unit_test(test_steps_at_the_same_offset_are_out_of_order),
	    cmocka_unit_test(test_steps_out_of_order_are_an_error),
	    cmocka_unit_test(
	        test_business_days_count_as_seven_fifths_for_ordering),
	    cmocka_unit_test(test_too_many_steps_is_an_error),
	    cmocka_unit_test(test_profile_values_are_read),
	    cmocka_unit_test(test_min_amount_reads_the_currency_decimals),
	    cmocka_unit_test(test_bad_gap_is_an_error),
	    cmocka_unit_test(test_bad_amount_is_an_error),
	    cmocka_unit_test(test_bad_currency_is_an_error),
	    cmocka_unit_test(test_bad_yes_no_is_an_error),
	    cmocka_unit_test(test_bad_thanks_template_name_is_an_error),
	    cmocka_unit_test(test_unknown_event_is_an_error),
	    cmocka_unit_test(test_unknown_action_names_the_event_actions),
	    cmocka_unit_test(test_action_without_its_days_is_an_error),
	    cmocka_unit_test(
	        test_action_with_a_value_it_does_not_take_is_an_error),
	    cmocka_unit_test(test_bad_reaction_days_is_an_error),
	    cmocka_unit_test(test_duplicate_reaction_is_an_error_across_files),
	    cmocka_unit_test(test_profile_reactions_override_the_global_ones),
	    cmocka_unit_test(test_duplicate_reaction_in_a_profile_is_an_error),
	    cmocka_unit_test(
	        test_missing_reaction_is_an_error_naming_the_event),
	    cmocka_unit_test(test_event_and_action_names),
	    cmocka_unit_test(test_ecb_rate_is_the_half_years_rate),
	    cmocka_unit_test(test_ecb_rate_of_a_missing_half_year_is_stale),
	    cmocka_unit_test(test_ecb_rate_before_the_first_is_none),
	    cmocka_unit_test(test_bad_ecb_date_is_an_error),
	    cmocka_unit_test(test_ecb_date_must_start_a_half_year),
	    cmocka_unit_test(test_bad_percentage_is_an_error),
	    cmocka_unit_test(test_duplicate_ecb_rate_is_an_error),
	    cmocka_unit_test(test_too_many_ecb_rates_is_an_error),
	    cmocka_unit_test(
	        test_duplicate_rate_value_is_an_error_across_files),
	    cmocka_unit_test(test_bad_indemnity_and_deadline_are_errors),
	    cmocka_unit_test(test_missing_ecb_rate_is_an_error),
	    cmocka_unit_test(test_missing_rate_values_are_errors),
	    cmocka_unit_test(test_empty_policy_names_everything_missing),
	    cmocka_unit_test(test_missing_default_profile_is_an_error),
	    cmocka_unit_test(test_profile_without_description_is_an_error),
	    cmocka_unit_test(test_profile_without_steps_is_an_error),
	    cmocka_unit_test(
	        test_missing_step_template_is_an_error_per_language),
	    cmocka_unit_test(test_missing_thanks_template_is_an_error),
	    cmocka_unit_test(test_template_gives_subject_and_body),
	    cmocka_unit_test(test_template_without_a_final_newline_is_accepted),
	    cmocka_unit_test(test_template_without_subject_is_an_error),
	    cmocka_unit_test(test_template_with_empty_subject_is_an_error),
	    cmocka_unit_test(test_template_with_two_subjects_is_an_error),
	    cmocka_unit_test(test_template_unknown_header_is_an_error),
	    cmocka_unit_test(test_template_bad_header_line_is_an_error),
	    cmocka_unit_test(test_template_with_empty_body_is_an_error),
	    cmocka_unit_test(test_empty_template_is_an_error),
	    cmocka_unit_test(test_template_unknown_placeholder_is_an_error),
	    cmocka_unit_test(test_template_long_unknown_placeholder_is_cut),
	    cmocka_unit_test(test_template_unclosed_brace_is_an_error),
	    cmocka_unit_test(test_template_knows_the_placeholders_it_uses),
	    cmocka_unit_test(test_template_invalid_utf8_is_an_error),
	    cmocka_unit_test(test_template_control_character_is_an_error),
	    cmocka_unit_test(test_template_too_large_is_an_error),
	    cmocka_unit_test(test_add_template_rejects_bad_and_duplicate_names),
	    cmocka_unit_test(test_too_many_templates_is_an_error),
	    cmocka_unit_test(test_placeholder_names_are_known),
	    cmocka_unit_test(test_expand_fills_placeholders_and_literal_braces),
	    cmocka_unit_test(test_expand_fails_on_a_value_it_lacks),
	    cmocka_unit_test(test_expand_fails_on_an_unclosed_brace),
	    cmocka_unit_test(test_load_reads_a_directory),
	    cmocka_unit_test(test_load_of_a_missing_directory_is_an_error),
	    cmocka_unit_test(test_load_without_policy_files_is_an_error),
	    cmocka_unit_test(test_load_reports_errors_with_the_file_path),
	    cmocka_unit_test(test_load_checks_template_files_and_names),
	    cmocka_unit_test(test_load_rejects_what_is_not_a_regular_file),
	    cmocka_unit_test(test_load_rejects_a_template_that_is_too_large),
	    cmocka_unit_test(test_rules_section_reads_every_directive),
	    cmocka_unit_test(test_rules_of_one_language_add_up_across_sections),
	    cmocka_unit_test(test_rules_escapes_and_comments_in_values),
	    cmocka_unit_test(test_rules_bad_language_is_an_error),
	    cmocka_unit_test(
	        test_rules_lines_under_a_bad_header_are_checked_not_kept),
	    cmocka_unit_test(test_rules_unknown_class_is_an_error),
	    cmocka_unit_test(test_rules_value_faults_are_errors),
	    cmocka_unit_test(
	        test_rules_bad_pattern_names_the_pcre2_message_and_offset),
	    cmocka_unit_test(
	        test_rules_pattern_that_matches_empty_text_is_an_error),
	    cmocka_unit_test(test_rules_duplicates_are_errors),
	    cmocka_unit_test(
	        test_rules_too_many_languages_and_rules_are_errors),
	    cmocka_unit_test(
	        test_matching_reads_the_invoice_pattern_and_subject_tag),
	    cmocka_unit_test(test_matching_faults_are_errors),
	    cmocka_unit_test(test_subject_tag_must_hold_id_once),
	    cmocka_unit_test(
	        test_subject_rule_matching_our_own_subject_is_an_error),
	    cmocka_unit_test(test_class_and_rule_kind_names),
	    cmocka_unit_test(test_fold_lowers_case_and_drops_accents),
	    cmocka_unit_test(
	        test_fold_turns_invalid_utf8_and_nul_into_question_marks),
	    cmocka_unit_test(test_fold_maps_every_byte_to_its_source),
	    cmocka_unit_test(test_rule_find_matches_whole_words_only),
	    cmocka_unit_test(
	        test_rule_find_runs_patterns_caseless_from_an_offset),
	    cmocka_unit_test(
	        test_shipped_rules_cover_every_class_in_french_and_english),
	    cmocka_unit_test(test_closed_days_and_ranges_are_sorted_and_unique),
	    cmocka_unit_test(test_bad_closed_lines_name_file_and_line),
	    cmocka_unit_test(test_too_many_closed_days_is_an_error),
	    cmocka_unit_test(test_window_days_and_hours),
	    cmocka_unit_test(test_bad_window_lines_name_file_and_line),
	    cmocka_unit_test(
	        test_unknown_directive_in_calendar_names_the_expected_ones),
	    cmocka_unit_test(test_first_contact_names_a_step_of_its_profile),
	    cmocka_unit_test(test_shipped_calendar_and_first_contact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
