/*
 * test_config.c -- relance.conf: syntax, defaults, and every check with its
 * exact message.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "conf.h"

/* Every key, in the order of the messages that list them. */
#define ALL_KEYS                                                               \
	"StateFile, PolicyDir, CompanyName, Sender, ReplyAddress, IBAN, BIC, " \
	"PaymentLink, Sendmail, TimeZone, Socket, UserID, PidFile, Mailbox, "  \
	"InternalNetworks, InternalDaemons, On-InternalError, SpoolDir, "      \
	"MaxBodySize, SubjectTag, PlusAddressing, Guard, ReminderSender, "     \
	"ReminderSubject, SummaryTo, OutboxDir, CompanyAddress, "              \
	"LetterPlace, Signatory, ArchiveDir, PdfDir"

/* Parse TEXT as "relance.conf" into a fresh *C; return the error count. */
static int
parse(const char *text, struct config *c, struct strlist *errors)
{
	assert_int_equal(config_init(c), 0);
	return config_parse(c, "relance.conf", text, strlen(text), errors);
}

/* TEXT must give exactly the one error EXPECTED. */
static void
assert_one_error(const char *text, const char *expected)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse(text, &c, &errors), 1);
	assert_int_equal(errors.n, 1);
	assert_string_equal(errors.v[0], expected);
	strlist_clear(&errors);
	config_free(&c);
}

/* TEXT must parse without error; return a copy of the member at OFFSET. */
static char *
value_of(const char *text, size_t offset)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;
	char *v;

	assert_int_equal(parse(text, &c, &errors), 0);
	assert_int_equal(errors.n, 0);
	v = *(char **)((char *)&c + offset);
	assert_non_null(v);
	v = strdup(v);
	assert_non_null(v);
	config_free(&c);
	return v;
}

#define assert_value(text, member, expected)                                   \
	do {                                                                   \
		char *v_ = value_of((text), offsetof(struct config, member));  \
		assert_string_equal(v_, (expected));                           \
		free(v_);                                                      \
	} while (0)

static void
test_defaults(void **state)
{
	struct config c;

	assert_int_equal(config_init(&c), 0);
	assert_null(c.path);
	assert_string_equal(c.state_file, RELANCE_STATE_FILE);
	assert_string_equal(c.policy_dir, RELANCE_POLICY_DIR);
	assert_string_equal(c.sendmail, "/usr/sbin/sendmail");
	assert_string_equal(c.timezone, "Europe/Paris");
	assert_string_equal(c.company_name, "");
	assert_null(c.sender);
	assert_null(c.reply_address);
	assert_null(c.iban);
	assert_null(c.bic);
	assert_null(c.payment_link);
	config_free(&c);
}

static void
test_empty_file_keeps_defaults(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("", &c, &errors), 0);
	assert_string_equal(c.sendmail, "/usr/sbin/sendmail");
	assert_null(c.iban);
	config_free(&c);
}

static const char valid_file[] =
    "# relance.conf\n"
    "StateFile     /srv/relance/state.db\n"
    "PolicyDir     /srv/relance/policies\n"
    "CompanyName   Exemple SARL\n"
    "Sender        Exemple SARL <factures@example.com>\n"
    "ReplyAddress  factures@example.com\n"
    "IBAN          fr76 3000 6000 0112 3456 7890 189\n"
    "BIC           agrifrppxxx\n"
    "PaymentLink   https://pay.example.com/{invoice}?amount={amount}\n"
    "Sendmail      /usr/lib/sendmail\n"
    "TimeZone      America/Port-au-Prince\n";

static void
test_valid_file_sets_every_key(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse(valid_file, &c, &errors), 0);
	assert_int_equal(errors.n, 0);
	assert_null(c.path);
	assert_string_equal(c.state_file, "/srv/relance/state.db");
	assert_string_equal(c.policy_dir, "/srv/relance/policies");
	assert_string_equal(c.company_name, "Exemple SARL");
	assert_string_equal(c.sender, "Exemple SARL <factures@example.com>");
	assert_string_equal(c.reply_address, "factures@example.com");
	assert_string_equal(c.iban, "FR7630006000011234567890189");
	assert_string_equal(c.bic, "AGRIFRPPXXX");
	assert_string_equal(
	    c.payment_link,
	    "https://pay.example.com/{invoice}?amount={amount}");
	assert_string_equal(c.sendmail, "/usr/lib/sendmail");
	assert_string_equal(c.timezone, "America/Port-au-Prince");
	config_free(&c);
	assert_null(c.state_file);
	assert_null(c.iban);
	assert_null(c.company_name);
}

static void
test_keys_ignore_case(void **state)
{
	assert_value("sTATEfILE /a\n", state_file, "/a");
	assert_value("TIMEZONE Etc/GMT+1\n", timezone, "Etc/GMT+1");
}

static void
test_tab_separates_key_and_value(void **state)
{
	assert_value("\tCompanyName\t\tExemple SARL\t\n", company_name,
	             "Exemple SARL");
}

static void
test_comments_and_blank_lines_are_ignored(void **state)
{
	assert_value("# a comment\n\n   \n\t# indented comment\n"
	             "CompanyName Exemple SARL   # trailing comment\n",
	             company_name, "Exemple SARL");
}

static void
test_hash_without_blank_before_is_data(void **state)
{
	assert_value("PaymentLink https://pay.example.com/#{invoice}\n",
	             payment_link, "https://pay.example.com/#{invoice}");
}

static void
test_quoted_value_keeps_blanks_and_hash(void **state)
{
	assert_value("CompanyName \"  SARL # 1  \"  # comment\n", company_name,
	             "  SARL # 1  ");
}

static void
test_quoted_value_unescapes_quote_and_backslash(void **state)
{
	assert_value("CompanyName \"Le \\\"Bon\\\" \\\\ Coin \\n\"\n",
	             company_name, "Le \"Bon\" \\ Coin \\n");
}

static void
test_empty_quoted_value_is_a_value(void **state)
{
	assert_value("CompanyName \"\"\n", company_name, "");
}

static void
test_partly_quoted_value_is_kept_as_written(void **state)
{
	assert_value("Sender \"Dupont, SA\" <f@example.com> # comment\n",
	             sender, "\"Dupont, SA\" <f@example.com>");
}

static void
test_hash_inside_quotes_of_a_value_is_data(void **state)
{
	assert_value("Sender \"Lot # 3\" <f@example.com>\n", sender,
	             "\"Lot # 3\" <f@example.com>");
}

static void
test_unterminated_quote(void **state)
{
	assert_one_error("\nCompanyName Le 5\" SARL\n",
	                 "relance.conf:2: the value of CompanyName has a \" "
	                 "that is never closed (expected the company's name, "
	                 "e.g. Exemple SARL)");
}

static void
test_crlf_file(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("# CRLF\r\nCompanyName Exemple SARL\r\n\r\n"
	                       "TimeZone \"Europe/Paris\"  \r\n"
	                       "Sendmail sendmail\r\n",
	                       &c, &errors),
	                 1);
	assert_string_equal(c.company_name, "Exemple SARL");
	assert_string_equal(c.timezone, "Europe/Paris");
	assert_string_equal(errors.v[0],
	                    "relance.conf:5: Sendmail \"sendmail\" is not an "
	                    "absolute path (expected an absolute path, e.g. "
	                    "/usr/sbin/sendmail)");
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_bom_and_last_line_without_newline(void **state)
{
	assert_value("\xef\xbb\xbf"
	             "CompanyName Soci\xc3\xa9t\xc3\xa9",
	             company_name, "Soci\xc3\xa9t\xc3\xa9");
}

static void
test_unknown_key(void **state)
{
	assert_one_error("\n\n\n\n\n\nFoo bar\n",
	                 "relance.conf:7: unknown key \"Foo\" (expected one "
	                 "of " ALL_KEYS ")");
}

static void
test_unknown_key_is_printed_safely(void **state)
{
	assert_one_error("Fo\x01\"o\xff bar\n",
	                 "relance.conf:1: unknown key \"Fo\\x01\\\"o\\xff\" "
	                 "(expected one of " ALL_KEYS ")");
}

static void
test_long_unknown_key_is_cut(void **state)
{
	char text[128], want[512];

	memset(text, 'K', 100);
	snprintf(text + 100, sizeof(text) - 100, " x\n");
	snprintf(want, sizeof(want),
	         "relance.conf:1: unknown key \"%.64s\"... (expected one "
	         "of " ALL_KEYS ")",
	         text);
	assert_one_error(text, want);
}

static void
test_key_given_twice_keeps_the_first(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("\n\n\nSender a@example.com\n"
	                       "# ...\nsender b@example.com\n",
	                       &c, &errors),
	                 1);
	assert_string_equal(errors.v[0],
	                    "relance.conf:6: key Sender given twice (first on "
	                    "line 4; expected each key at most once)");
	assert_string_equal(c.sender, "a@example.com");
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_key_in_error_still_counts_as_given(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("StateFile x\nStateFile /y\n", &c, &errors), 2);
	assert_string_equal(errors.v[1],
	                    "relance.conf:2: key StateFile given twice (first "
	                    "on line 1; expected each key at most once)");
	assert_string_equal(c.state_file, RELANCE_STATE_FILE);
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_missing_value(void **state)
{
	assert_one_error("IBAN\n", "relance.conf:1: missing value for IBAN "
	                           "(expected an IBAN, e.g. FR76 3000 6000 "
	                           "0112 3456 7890 189)");
}

static void
test_comment_only_value_is_missing(void **state)
{
	assert_one_error("BIC    # to do\n",
	                 "relance.conf:1: missing value for BIC (expected a "
	                 "BIC, e.g. AGRIFRPPXXX)");
}

static void
test_value_at_limit_is_accepted(void **state)
{
	char text[CONFIG_MAX_VALUE + 32];
	size_t n = (size_t)snprintf(text, sizeof(text), "CompanyName ");

	memset(text + n, 'x', CONFIG_MAX_VALUE);
	text[n + CONFIG_MAX_VALUE] = '\0';
	assert_value(text, company_name, text + n);
}

static void
test_value_too_long(void **state)
{
	char text[CONFIG_MAX_VALUE + 32];
	size_t n = (size_t)snprintf(text, sizeof(text), "CompanyName ");

	memset(text + n, 'x', CONFIG_MAX_VALUE + 1);
	text[n + CONFIG_MAX_VALUE + 1] = '\0';
	assert_one_error(text, "relance.conf:1: the value of CompanyName is "
	                       "too long (1025 bytes, expected at most "
	                       "1024)");
}

static void
test_control_character_in_value(void **state)
{
	assert_one_error("CompanyName Exemple\tSARL\n",
	                 "relance.conf:1: the value of CompanyName has a "
	                 "control character (expected the company's name, "
	                 "e.g. Exemple SARL)");
	assert_one_error("CompanyName \"a\x1b[2J\"\n",
	                 "relance.conf:1: the value of CompanyName has a "
	                 "control character (expected the company's name, "
	                 "e.g. Exemple SARL)");
}

static void
test_nul_byte_in_value(void **state)
{
	static const char text[] = "CompanyName a\0b\n";
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(config_init(&c), 0);
	assert_int_equal(
	    config_parse(&c, "x.conf", text, sizeof(text) - 1, &errors), 1);
	assert_string_equal(errors.v[0],
	                    "x.conf:1: the value of CompanyName has a control "
	                    "character (expected the company's name, e.g. "
	                    "Exemple SARL)");
	assert_string_equal(c.company_name, "");
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_invalid_utf8_value(void **state)
{
	assert_one_error("CompanyName Soci\xe9t\xe9\n",
	                 "relance.conf:1: the value of CompanyName is not "
	                 "valid UTF-8 (expected UTF-8 text: save the file as "
	                 "UTF-8)");
}

static void
test_paths_must_be_absolute(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("StateFile relance.db\nPolicyDir ./policies\n"
	                       "Sendmail \"\"\n",
	                       &c, &errors),
	                 3);
	assert_string_equal(errors.v[0],
	                    "relance.conf:1: StateFile \"relance.db\" is not "
	                    "an absolute path (expected an absolute path, e.g. "
	                    "/var/lib/relance/relance.db)");
	assert_string_equal(errors.v[1],
	                    "relance.conf:2: PolicyDir \"./policies\" is not "
	                    "an absolute path (expected an absolute path, e.g. "
	                    "/etc/relance/policies)");
	assert_string_equal(errors.v[2],
	                    "relance.conf:3: Sendmail \"\" is not an absolute "
	                    "path (expected an absolute path, e.g. "
	                    "/usr/sbin/sendmail)");
	assert_string_equal(c.state_file, RELANCE_STATE_FILE);
	assert_string_equal(c.policy_dir, RELANCE_POLICY_DIR);
	assert_string_equal(c.sendmail, "/usr/sbin/sendmail");
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_iban_is_stored_compact_and_upper_case(void **state)
{
	assert_value("IBAN \"de89 3704 0044 0532 0130 00\"\n", iban,
	             "DE89370400440532013000");
	assert_value("IBAN GB82WEST12345698765432\n", iban,
	             "GB82WEST12345698765432");
	assert_value("IBAN BE68 5390 0754 7034\n", iban, "BE68539007547034");
}

static void
test_iban_wrong_check_digits(void **state)
{
	assert_one_error("IBAN FR76 3000 6000 0112 3456 7890 188\n",
	                 "relance.conf:1: IBAN \"FR76 3000 6000 0112 3456 7890 "
	                 "188\" has wrong check digits (the ISO 13616 mod-97 "
	                 "checksum fails: a typing mistake?) (expected an "
	                 "IBAN, e.g. FR76 3000 6000 0112 3456 7890 189)");
}

static void
test_iban_wrong_length_for_country(void **state)
{
	assert_one_error("IBAN FR04300060000112345678901\n",
	                 "relance.conf:1: IBAN \"FR04300060000112345678901\" "
	                 "has 25 characters, an IBAN of FR has 27 (expected "
	                 "an IBAN, e.g. FR76 3000 6000 0112 3456 7890 189)");
}

static void
test_iban_other_country_length_range(void **state)
{
	assert_value("IBAN XK051212012345678906\n", iban,
	             "XK051212012345678906");
	assert_value("IBAN ZZ8112345678901\n", iban, "ZZ8112345678901");
	assert_value("IBAN ZZ20123456789012345678901234567890\n", iban,
	             "ZZ20123456789012345678901234567890");
	assert_one_error("IBAN ZZ121234567890\n",
	                 "relance.conf:1: IBAN \"ZZ121234567890\" has 14 "
	                 "characters, an IBAN has 15 to 34 (expected an IBAN, "
	                 "e.g. FR76 3000 6000 0112 3456 7890 189)");
	assert_one_error("IBAN ZZ641234567890123456789012345678901\n",
	                 "relance.conf:1: IBAN \"ZZ6412345678901234567890123"
	                 "45678901\" has 35 characters, an IBAN has 15 to 34 "
	                 "(expected an IBAN, e.g. FR76 3000 6000 0112 3456 "
	                 "7890 189)");
}

static void
test_iban_bad_characters(void **state)
{
	assert_one_error("IBAN FR76-3000-6000\n",
	                 "relance.conf:1: IBAN \"FR76-3000-6000\" contains a "
	                 "character other than letters, digits and spaces "
	                 "(expected an IBAN, e.g. FR76 3000 6000 0112 3456 "
	                 "7890 189)");
}

static void
test_iban_without_country_code(void **state)
{
	assert_one_error("IBAN 7630006000011234567890189\n",
	                 "relance.conf:1: IBAN \"7630006000011234567890189\" "
	                 "does not start with a country code and check digits "
	                 "(two letters, two digits) (expected an IBAN, e.g. "
	                 "FR76 3000 6000 0112 3456 7890 189)");
	assert_one_error("IBAN FR\n",
	                 "relance.conf:1: IBAN \"FR\" does not start with a "
	                 "country code and check digits (two letters, two "
	                 "digits) (expected an IBAN, e.g. FR76 3000 6000 0112 "
	                 "3456 7890 189)");
}

static void
test_bic_eight_or_eleven_characters(void **state)
{
	assert_value("BIC AGRIFRPP\n", bic, "AGRIFRPP");
	assert_value("BIC bnpafrpp123\n", bic, "BNPAFRPP123");
}

static void
test_bic_wrong_length(void **state)
{
	assert_one_error("BIC AGRIFRPPXX\n",
	                 "relance.conf:1: BIC \"AGRIFRPPXX\" has 10 "
	                 "characters (expected 8 or 11 characters: 4 letters "
	                 "(bank), 2 letters (country), 2 letters or digits "
	                 "(location), optionally 3 letters or digits "
	                 "(branch))");
}

static void
test_bic_malformed(void **state)
{
	static const char *const bad[] = {"AGR1FRPP", "AGRIF1PP", "AGRIFRP-",
	                                  "AGRIFRPPX-X"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[64], want[512];

		snprintf(text, sizeof(text), "BIC %s\n", bad[i]);
		snprintf(want, sizeof(want),
		         "relance.conf:1: BIC \"%s\" is malformed (expected "
		         "8 or 11 characters: 4 letters (bank), 2 letters "
		         "(country), 2 letters or digits (location), "
		         "optionally 3 letters or digits (branch))",
		         bad[i]);
		assert_one_error(text, want);
	}
}

static void
test_sender_forms(void **state)
{
	assert_value("Sender factures@example.com\n", sender,
	             "factures@example.com");
	assert_value("Sender Exemple SARL <factures@example.com>\n", sender,
	             "Exemple SARL <factures@example.com>");
	assert_value("Sender <factures@example.com>\n", sender,
	             "<factures@example.com>");
	assert_value(
	    "Sender Soci\xc3\xa9t\xc3\xa9 <f.x+relance@mail.example.fr>\n",
	    sender, "Soci\xc3\xa9t\xc3\xa9 <f.x+relance@mail.example.fr>");
}

static void
test_sender_malformed_angle_brackets(void **state)
{
	static const char *const bad[] = {
	    "Exemple <f@example.com", "Exemple f@example.com>",
	    "A <b> <f@example.com>", "A <f@example.com> x",
	    "A <<f@example.com>"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128], want[512];

		snprintf(text, sizeof(text), "Sender %s\n", bad[i]);
		snprintf(want, sizeof(want),
		         "relance.conf:1: Sender \"%s\" is not a valid "
		         "address: its <...> is malformed (expected "
		         "local@domain or Name <local@domain>)",
		         bad[i]);
		assert_one_error(text, want);
	}
}

static void
test_sender_bad_address_inside_brackets(void **state)
{
	assert_one_error("Sender Exemple <factures>\n",
	                 "relance.conf:1: Sender \"Exemple <factures>\" is not "
	                 "a valid address: it has no @ (expected local@domain "
	                 "or Name <local@domain>)");
}

/* ReplyAddress VALUE (ASCII) must fail with "is not a valid address: it
 * WHY"; messages quote at most 64 bytes of a value. */
static void
assert_bad_reply(const char *value, const char *why)
{
	char text[512], want[1024];

	snprintf(text, sizeof(text), "ReplyAddress %s\n", value);
	snprintf(want, sizeof(want),
	         "relance.conf:1: ReplyAddress \"%.64s\"%s is not a valid "
	         "address: it %s (expected local@domain)",
	         value, strlen(value) > 64 ? "..." : "", why);
	assert_one_error(text, want);
}

static void
test_reply_address_checks(void **state)
{
	assert_value("ReplyAddress o'brien+x@sub.example-1.fr\n", reply_address,
	             "o'brien+x@sub.example-1.fr");
	assert_value("ReplyAddress root@localhost\n", reply_address,
	             "root@localhost");
	assert_bad_reply("factures", "has no @");
	assert_bad_reply("a@b@example.com", "has more than one @");
	assert_bad_reply("@example.com",
	                 "has an empty local part (before the @)");
	assert_bad_reply("factures@", "has an empty domain (after the @)");
	assert_bad_reply(".f@example.com",
	                 "has a misplaced dot in the local part");
	assert_bad_reply("f..x@example.com",
	                 "has a misplaced dot in the local part");
	assert_bad_reply("Exemple <f@example.com>", "contains a space");
	assert_bad_reply("f@exa mple.com", "contains a space");
	assert_bad_reply("f(x)@example.com",
	                 "has a character not allowed in an address (write it "
	                 "as local@domain)");
	assert_bad_reply("factur\xc3\xa9@example.com",
	                 "contains a non-ASCII character (internationalised "
	                 "addresses are not supported)");
	assert_bad_reply("f@example..com", "has a malformed domain");
	assert_bad_reply("f@-example.com", "has a malformed domain");
	assert_bad_reply("f@example-.com", "has a malformed domain");
	assert_bad_reply("f@example.com.", "has a malformed domain");
	assert_bad_reply("f@[127.0.0.1]", "has a malformed domain");
}

static void
test_reply_address_length_limits(void **state)
{
	char part[300], text[512];

	memset(part, 'l', 65);
	part[65] = '\0';
	snprintf(text, sizeof(text), "%s@example.com", part);
	assert_bad_reply(text, "has a local part longer than 64 characters");
	memset(part, 'd', 64);
	part[64] = '\0';
	snprintf(text, sizeof(text), "f@%s.com", part);
	assert_bad_reply(text, "has a malformed domain");
	snprintf(text, sizeof(text), "f@%.63s.%.63s.%.63s.%.63s", part, part,
	         part, part);
	assert_bad_reply(text, "is longer than 254 characters");
}

static void
test_payment_link_accepts_http_and_https(void **state)
{
	assert_value("PaymentLink http://pay.example.com/\n", payment_link,
	             "http://pay.example.com/");
	assert_value("PaymentLink HTTPS://pay.example.com/p?i={invoice}\n",
	             payment_link, "HTTPS://pay.example.com/p?i={invoice}");
}

/* PaymentLink VALUE must fail with WHY, and EXPECT. */
static void
assert_bad_link(const char *value, const char *why, const char *expect)
{
	char text[512], want[1024];

	snprintf(text, sizeof(text), "PaymentLink %s\n", value);
	snprintf(want, sizeof(want),
	         "relance.conf:1: PaymentLink \"%s\" %s (expected %s)", value,
	         why, expect);
	assert_one_error(text, want);
}

static void
test_payment_link_checks(void **state)
{
	static const char url[] =
	    "an http:// or https:// URL, e.g. "
	    "https://pay.example.com/{invoice}?amount={amount}";
	static const char placeholders[] =
	    "a URL with no placeholders but {invoice} and {amount}";

	assert_bad_link("ftp://pay.example.com/",
	                "does not start with https:// or http://", url);
	assert_bad_link("pay.example.com/{invoice}",
	                "does not start with https:// or http://", url);
	assert_bad_link("https:///{invoice}", "has no host name", url);
	assert_bad_link("https://", "has no host name", url);
	assert_bad_link("https://pay.example.com/{invoice} {amount}",
	                "contains a space (write it as %20)", url);
	assert_bad_link("https://pay.example.com/{facture}",
	                "has an unknown placeholder {facture}", placeholders);
	assert_bad_link("https://pay.example.com/{Invoice}",
	                "has an unknown placeholder {Invoice}", placeholders);
	assert_bad_link("https://pay.example.com/{}",
	                "has an unknown placeholder {}", placeholders);
	assert_bad_link("https://pay.example.com/{invoice",
	                "has a \"{\" that is never closed", placeholders);
	assert_bad_link("https://pay.example.com/invoice}",
	                "has a \"}\" with no \"{\" before it", placeholders);
}

static void
test_timezone_names(void **state)
{
	assert_value("TimeZone UTC\n", timezone, "UTC");
	assert_value("TimeZone America/Argentina/Buenos_Aires\n", timezone,
	             "America/Argentina/Buenos_Aires");
}

/* TimeZone VALUE must fail with WHY. */
static void
assert_bad_zone(const char *value, const char *why)
{
	char text[512], want[1024];

	snprintf(text, sizeof(text), "TimeZone %s\n", value);
	snprintf(want, sizeof(want),
	         "relance.conf:1: TimeZone \"%s\" %s (expected a time zone "
	         "name, e.g. Europe/Paris)",
	         value, why);
	assert_one_error(text, want);
}

static void
test_timezone_checks(void **state)
{
	assert_bad_zone("/usr/share/zoneinfo/Europe/Paris",
	                "is an absolute path, not a time zone name");
	assert_bad_zone("../../etc/passwd",
	                "has a character other than letters, digits, /, _, - "
	                "and +");
	assert_bad_zone("Europe/Paris CET",
	                "has a character other than letters, digits, /, _, - "
	                "and +");
	assert_bad_zone("Europe//Paris", "has an empty component");
	assert_bad_zone("Europe/", "has an empty component");
	assert_one_error("TimeZone \"\"\n",
	                 "relance.conf:1: TimeZone \"\" is empty (expected a "
	                 "time zone name, e.g. Europe/Paris)");
}

/* An empty quoted value reaches every check: none may read before it. */
static void
test_every_check_takes_an_empty_value(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("StateFile \"\"\nPolicyDir \"\"\n"
	                       "CompanyName \"\"\nSender \"\"\n"
	                       "ReplyAddress \"\"\nIBAN \"\"\nBIC \"\"\n"
	                       "PaymentLink \"\"\nSendmail \"\"\n"
	                       "TimeZone \"\"\n",
	                       &c, &errors),
	                 9);
	assert_string_equal(c.company_name, "");
	assert_true(strstr(errors.v[2], "Sender \"\" is not a valid address: "
	                                "it has no @") != NULL);
	assert_true(strstr(errors.v[4], "IBAN \"\" does not start with") !=
	            NULL);
	assert_true(strstr(errors.v[5], "BIC \"\" has 0 characters") != NULL);
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_every_error_is_reported_and_good_lines_apply(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("Bogus 1\nCompanyName Exemple SARL\n"
	                       "BIC X\nTimeZone Europe/Paris\nIBAN\n",
	                       &c, &errors),
	                 3);
	assert_int_equal(errors.n, 3);
	assert_true(strncmp(errors.v[0], "relance.conf:1: unknown key", 27) ==
	            0);
	assert_true(strncmp(errors.v[1], "relance.conf:3: BIC", 19) == 0);
	assert_true(strncmp(errors.v[2], "relance.conf:5: missing value", 29) ==
	            0);
	assert_string_equal(c.company_name, "Exemple SARL");
	assert_null(c.bic);
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_too_many_errors_stop_the_parse(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;
	struct buf text = BUF_INIT;

	for (int i = 0; i < CONFIG_MAX_ERRORS + 10; i++)
		buf_puts(&text, "Bogus x\n");
	assert_int_equal(parse(buf_cstr(&text), &c, &errors),
	                 CONFIG_MAX_ERRORS + 1);
	assert_int_equal(errors.n, CONFIG_MAX_ERRORS + 1);
	assert_string_equal(errors.v[CONFIG_MAX_ERRORS],
	                    "relance.conf:51: too many errors, the rest of the "
	                    "file was not read");
	buf_free(&text);
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_errors_are_appended_to_existing_ones(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(strlist_add(&errors, "earlier"), 0);
	assert_int_equal(parse("Bogus x\n", &c, &errors), 1);
	assert_int_equal(errors.n, 2);
	assert_string_equal(errors.v[0], "earlier");
	strlist_clear(&errors);
	config_free(&c);
}

/* Write TEXT to a new temporary file; return its path (caller frees). */
static char *
temp_file(const char *text, size_t len)
{
	char *path = strdup("/tmp/test_config.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
test_load_reads_the_file_and_names_it(void **state)
{
	static const char text[] = "CompanyName Exemple SARL\nBIC AGRI\n";
	char *path = temp_file(text, strlen(text));
	struct config c;
	struct strlist errors = STRLIST_INIT;
	char want[256];

	assert_int_equal(config_init(&c), 0);
	assert_int_equal(config_load(&c, path, &errors), 1);
	assert_string_equal(c.path, path);
	assert_string_equal(c.company_name, "Exemple SARL");
	snprintf(want, sizeof(want),
	         "%s:2: BIC \"AGRI\" has 4 characters (expected 8 or 11 "
	         "characters: 4 letters (bank), 2 letters (country), 2 letters "
	         "or digits (location), optionally 3 letters or digits "
	         "(branch))",
	         path);
	assert_string_equal(errors.v[0], want);
	unlink(path);
	free(path);
	strlist_clear(&errors);
	config_free(&c);
	assert_null(c.path);
}

static void
test_load_missing_file(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(config_init(&c), 0);
	assert_int_equal(config_load(&c, "/nonexistent/relance.conf", &errors),
	                 1);
	assert_string_equal(errors.v[0], "/nonexistent/relance.conf: cannot "
	                                 "read: No such file or directory");
	assert_null(c.path);
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_load_directory(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(config_init(&c), 0);
	assert_int_equal(config_load(&c, "/", &errors), 1);
	assert_string_equal(errors.v[0], "/: cannot read: Is a directory");
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_load_too_large(void **state)
{
	size_t len = CONFIG_MAX_FILE + 1;
	char *text = malloc(len);
	char *path, want[256];
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_non_null(text);
	memset(text, '\n', len);
	path = temp_file(text, len);
	assert_int_equal(config_init(&c), 0);
	assert_int_equal(config_load(&c, path, &errors), 1);
	snprintf(want, sizeof(want),
	         "%s: too large (more than 1048576 bytes, expected a "
	         "configuration file)",
	         path);
	assert_string_equal(errors.v[0], want);
	unlink(path);
	free(path);
	free(text);
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_contrib_sample_is_valid(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct config c;
	struct strlist errors = STRLIST_INIT;
	int n;

	snprintf(path, sizeof(path), "%s/contrib/relance.conf",
	         top != NULL ? top : ".");
	assert_int_equal(config_init(&c), 0);
	n = config_load(&c, path, &errors);
	for (size_t i = 0; i < errors.n; i++)
		print_error("%s\n", errors.v[i]);
	assert_int_equal(n, 0);
	assert_string_equal(c.company_name, "Exemple SARL");
	assert_string_equal(c.iban, "FR7630006000011234567890189");
	strlist_clear(&errors);
	config_free(&c);
}

/* ---- relance-milter's keys ---- */

static void
test_milter_defaults(void **state)
{
	struct config c;

	assert_int_equal(config_init(&c), 0);
	assert_string_equal(c.socket, "unix:/run/relance/relance-milter.sock");
	assert_string_equal(c.user_id, "relance");
	assert_string_equal(c.pid_file, "/run/relance/relance-milter.pid");
	assert_string_equal(c.spool_dir, "/var/spool/relance");
	assert_string_equal(c.subject_tag, "[Réf. {id}]");
	assert_int_equal(c.internal_networks.n, 2);
	assert_string_equal(c.internal_networks.v[0], "127.0.0.0/8");
	assert_string_equal(c.internal_networks.v[1], "::1/128");
	assert_int_equal(c.internal_daemons.n, 0);
	assert_int_equal(c.mailboxes.n, 0);
	assert_int_equal(c.reminder_senders.n, 0);
	assert_null(c.reminder_subject);
	assert_int_equal(c.max_body_size, 1048576);
	assert_int_equal(c.guard, CONFIG_GUARD_REJECT);
	assert_int_equal(c.on_internal_error, CONFIG_ON_ERROR_ACCEPT);
	assert_true(c.plus_addressing);
	config_free(&c);
	assert_null(c.socket);
	assert_int_equal(c.internal_networks.n, 0);
}

static void
test_summary_to_takes_addresses(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	(void)state;
	assert_int_equal(parse("SummaryTo compta@example.com, "
	                       "dg@example.com\nSummaryTo x@example.com\n",
	                       &c, &errors),
	                 0);
	assert_int_equal(c.summary_to.n, 3);
	assert_string_equal(c.summary_to.v[0], "compta@example.com");
	assert_string_equal(c.summary_to.v[1], "dg@example.com");
	assert_string_equal(c.summary_to.v[2], "x@example.com");
	config_free(&c);
	assert_int_equal(parse("SummaryTo compta\n", &c, &errors), 1);
	assert_int_equal(c.summary_to.n, 0);
	config_free(&c);
	strlist_clear(&errors);
}

static void
test_milter_keys_are_set(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(
	    parse("Socket inet:8891@127.0.0.1\n"
	          "UserID relance:mail\n"
	          "PidFile /run/r.pid\n"
	          "Mailbox factures@example.com, compta@example.com\n"
	          "InternalNetworks 10.0.0.0/8\n"
	          "InternalDaemons ORIGINATING\n"
	          "On-InternalError TempFail\n"
	          "SpoolDir /srv/spool\n"
	          "MaxBodySize 512K\n"
	          "SubjectTag \"(ref {id})\"\n"
	          "PlusAddressing no\n"
	          "Guard warn\n"
	          "ReminderSender compta@example.com\n"
	          "ReminderSubject \"relance facture (F[0-9-]+)\"\n",
	          &c, &errors),
	    0);
	assert_string_equal(c.socket, "inet:8891@127.0.0.1");
	assert_string_equal(c.user_id, "relance:mail");
	assert_string_equal(c.pid_file, "/run/r.pid");
	assert_int_equal(c.mailboxes.n, 2);
	assert_string_equal(c.mailboxes.v[0], "factures@example.com");
	assert_string_equal(c.mailboxes.v[1], "compta@example.com");
	assert_int_equal(c.internal_networks.n, 1);
	assert_string_equal(c.internal_networks.v[0], "10.0.0.0/8");
	assert_int_equal(c.internal_daemons.n, 1);
	assert_string_equal(c.internal_daemons.v[0], "ORIGINATING");
	assert_int_equal(c.on_internal_error, CONFIG_ON_ERROR_TEMPFAIL);
	assert_string_equal(c.spool_dir, "/srv/spool");
	assert_int_equal(c.max_body_size, 512 * 1024);
	assert_string_equal(c.subject_tag, "(ref {id})");
	assert_false(c.plus_addressing);
	assert_int_equal(c.guard, CONFIG_GUARD_WARN);
	assert_int_equal(c.reminder_senders.n, 1);
	assert_string_equal(c.reminder_subject, "relance facture (F[0-9-]+)");
	config_free(&c);
}

static void
test_list_key_may_repeat_and_replaces_the_default(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("InternalNetworks 10.0.0.0/8 , 192.168.1.7\n"
	                       "internalnetworks 2001:db8::/32\n",
	                       &c, &errors),
	                 0);
	assert_int_equal(c.internal_networks.n, 3);
	assert_string_equal(c.internal_networks.v[0], "10.0.0.0/8");
	assert_string_equal(c.internal_networks.v[1], "192.168.1.7");
	assert_string_equal(c.internal_networks.v[2], "2001:db8::/32");
	config_free(&c);
}

static void
test_list_key_empty_item(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(
	    parse("Mailbox a@example.com,, b@example.com\n", &c, &errors), 1);
	assert_string_equal(errors.v[0],
	                    "relance.conf:1: Mailbox has an empty item in its "
	                    "list (expected local@domain, or several separated "
	                    "by commas)");
	assert_int_equal(c.mailboxes.n, 2);
	assert_string_equal(c.mailboxes.v[1], "b@example.com");
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_list_item_errors_name_the_item(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("InternalNetworks 10.0.0.0/33, 300.1.1.1, "
	                       "::1/129, 10.1.2.3/x, 10.9.0.0/16\n",
	                       &c, &errors),
	                 4);
	assert_string_equal(errors.v[0],
	                    "relance.conf:1: InternalNetworks \"10.0.0.0/33\" "
	                    "has a prefix length that is not 0 to 32 (expected "
	                    "IPv4 or IPv6 networks such as 10.0.0.0/8, "
	                    "::1/128, separated by commas)");
	assert_true(strncmp(errors.v[1],
	                    "relance.conf:1: InternalNetworks \"300.1.1.1\" is "
	                    "not an IP address (",
	                    66) == 0);
	assert_true(
	    strncmp(errors.v[2],
	            "relance.conf:1: InternalNetworks \"::1/129\" has a "
	            "prefix length that is not 0 to 128 (",
	            82) == 0);
	assert_true(strstr(errors.v[3], "\"10.1.2.3/x\" has a prefix") != NULL);
	assert_int_equal(c.internal_networks.n, 1);
	assert_string_equal(c.internal_networks.v[0], "10.9.0.0/16");
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_list_items_count_against_the_error_cap(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;
	struct buf text = BUF_INIT;

	for (int i = 0; i < CONFIG_MAX_ERRORS - 1; i++)
		buf_puts(&text, "Bogus x\n");
	buf_puts(&text, "Mailbox a, b, c\nBogus y\n");
	assert_int_equal(parse(buf_cstr(&text), &c, &errors),
	                 CONFIG_MAX_ERRORS + 1);
	assert_int_equal(errors.n, CONFIG_MAX_ERRORS + 1);
	assert_string_equal(errors.v[CONFIG_MAX_ERRORS - 1],
	                    "relance.conf:50: Mailbox \"a\" is not a valid "
	                    "address: it has no @ (expected local@domain, or "
	                    "several separated by commas)");
	assert_string_equal(errors.v[CONFIG_MAX_ERRORS],
	                    "relance.conf:51: too many errors, the rest of the "
	                    "file was not read");
	strlist_clear(&errors);
	buf_free(&text);
	config_free(&c);
}

static void
test_mailboxes_default_to_reply_address(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT, boxes = STRLIST_INIT;

	assert_int_equal(config_init(&c), 0);
	assert_int_equal(config_mailboxes(&c, &boxes), 0);
	assert_int_equal(boxes.n, 0);
	config_free(&c);

	assert_int_equal(
	    parse("ReplyAddress factures@example.com\n", &c, &errors), 0);
	assert_int_equal(config_mailboxes(&c, &boxes), 0);
	assert_int_equal(boxes.n, 1);
	assert_string_equal(boxes.v[0], "factures@example.com");
	config_free(&c);

	assert_int_equal(parse("ReplyAddress factures@example.com\n"
	                       "Mailbox relances@example.com\n",
	                       &c, &errors),
	                 0);
	assert_int_equal(config_mailboxes(&c, &boxes), 0);
	assert_int_equal(boxes.n, 1);
	assert_string_equal(boxes.v[0], "relances@example.com");
	strlist_clear(&boxes);
	config_free(&c);
}

static void
test_socket_forms(void **state)
{
	assert_value("Socket local:/var/run/r.sock\n", socket,
	             "local:/var/run/r.sock");
	assert_value("Socket inet:8891\n", socket, "inet:8891");
	assert_value("Socket inet6:8891@[::1]\n", socket, "inet6:8891@[::1]");
	assert_value("Socket inet:65535@mx.example.com\n", socket,
	             "inet:65535@mx.example.com");
}

#define SOCKET_EXPECT                                                          \
	"(expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST, e.g. "       \
	"unix:/run/relance/relance-milter.sock)"

static void
test_socket_checks(void **state)
{
	assert_one_error(
	    "Socket /run/r.sock\n",
	    "relance.conf:1: Socket \"/run/r.sock\" does not start "
	    "with unix:, inet: or inet6: " SOCKET_EXPECT);
	assert_one_error("Socket unix:run/r.sock\n",
	                 "relance.conf:1: Socket \"unix:run/r.sock\" does not "
	                 "name an absolute path " SOCKET_EXPECT);
	assert_one_error("Socket inet:0@localhost\n",
	                 "relance.conf:1: Socket \"inet:0@localhost\" has no "
	                 "port from 1 to 65535 " SOCKET_EXPECT);
	assert_one_error("Socket inet:65536\n",
	                 "relance.conf:1: Socket \"inet:65536\" has no port "
	                 "from 1 to 65535 " SOCKET_EXPECT);
	assert_one_error("Socket inet:@localhost\n",
	                 "relance.conf:1: Socket \"inet:@localhost\" has no "
	                 "port from 1 to 65535 " SOCKET_EXPECT);
	assert_one_error(
	    "Socket inet:25@\n",
	    "relance.conf:1: Socket \"inet:25@\" has an empty host "
	    "after the @ " SOCKET_EXPECT);
	assert_one_error(
	    "Socket inet:25@a/b\n",
	    "relance.conf:1: Socket \"inet:25@a/b\" has a malformed "
	    "host " SOCKET_EXPECT);
}

static void
test_user_id_checks(void **state)
{
	assert_value("UserID _relance-2\n", user_id, "_relance-2");
	assert_one_error("UserID -u\n",
	                 "relance.conf:1: UserID \"-u\" is not a user name "
	                 "(letters, digits, '.', '_' and '-', at most 32) "
	                 "(expected a user name, or USER:GROUP, e.g. relance)");
	assert_one_error(
	    "UserID relance:\n",
	    "relance.conf:1: UserID \"relance:\" is not a user name "
	    "(letters, digits, '.', '_' and '-', at most 32) "
	    "(expected a user name, or USER:GROUP, e.g. relance)");
}

#define SIZE_EXPECT                                                            \
	"(expected a size in bytes from 1K to 1G, with an optional K or M "    \
	"suffix, e.g. 1M)"

static void
test_max_body_size(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("MaxBodySize 2m\n", &c, &errors), 0);
	assert_int_equal(c.max_body_size, 2 * 1024 * 1024);
	config_free(&c);
	assert_int_equal(parse("MaxBodySize 1G\n", &c, &errors), 0);
	assert_int_equal(c.max_body_size, 1024 * 1024 * 1024);
	config_free(&c);
	assert_int_equal(parse("MaxBodySize 1024\n", &c, &errors), 0);
	assert_int_equal(c.max_body_size, 1024);
	config_free(&c);
	assert_one_error("MaxBodySize 1023\n",
	                 "relance.conf:1: MaxBodySize \"1023\" is out of "
	                 "range " SIZE_EXPECT);
	assert_one_error(
	    "MaxBodySize 2G\n",
	    "relance.conf:1: MaxBodySize \"2G\" is out of range " SIZE_EXPECT);
	assert_one_error(
	    "MaxBodySize 1MB\n",
	    "relance.conf:1: MaxBodySize \"1MB\" is not a size " SIZE_EXPECT);
	assert_one_error(
	    "MaxBodySize 99999999999999\n",
	    "relance.conf:1: MaxBodySize \"99999999999999\" is not "
	    "a size " SIZE_EXPECT);
	assert_one_error(
	    "MaxBodySize K\n",
	    "relance.conf:1: MaxBodySize \"K\" is not a size " SIZE_EXPECT);
}

#define TAG_EXPECT "(expected text holding {id} once, e.g. [Réf. {id}])"

static void
test_subject_tag_checks(void **state)
{
	char text[160], want[320];

	assert_one_error("SubjectTag [Ref.]\n",
	                 "relance.conf:1: SubjectTag \"[Ref.]\" does not hold "
	                 "{id} exactly once " TAG_EXPECT);
	assert_one_error(
	    "SubjectTag {id}{id}\n",
	    "relance.conf:1: SubjectTag \"{id}{id}\" does not hold "
	    "{id} exactly once " TAG_EXPECT);
	assert_one_error(
	    "SubjectTag {ref} {id}\n",
	    "relance.conf:1: SubjectTag \"{ref} {id}\" has a { or } "
	    "outside {id} " TAG_EXPECT);
	snprintf(text, sizeof(text), "SubjectTag {id}%0*d\n", 97, 0);
	snprintf(want, sizeof(want),
	         "relance.conf:1: SubjectTag \"%.64s\"... is longer than 100 "
	         "bytes " TAG_EXPECT,
	         text + 11);
	assert_one_error(text, want);
}

static void
test_choices_ignore_case_and_name_the_choices(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(parse("Guard OFF\nPlusAddressing False\n"
	                       "On-InternalError accept\n",
	                       &c, &errors),
	                 0);
	assert_int_equal(c.guard, CONFIG_GUARD_OFF);
	assert_false(c.plus_addressing);
	assert_int_equal(c.on_internal_error, CONFIG_ON_ERROR_ACCEPT);
	config_free(&c);
	assert_one_error("Guard block\n",
	                 "relance.conf:1: Guard \"block\" is not a known value "
	                 "(expected reject, warn or off)");
	assert_one_error("On-InternalError reject\n",
	                 "relance.conf:1: On-InternalError \"reject\" is not a "
	                 "known value (expected accept or tempfail)");
	assert_one_error("PlusAddressing maybe\n",
	                 "relance.conf:1: PlusAddressing \"maybe\" is neither "
	                 "yes nor no (expected yes or no)");
}

static void
test_internal_daemons_checks(void **state)
{
	assert_one_error("InternalDaemons ORIGINATING, sub mission\n",
	                 "relance.conf:1: InternalDaemons \"sub mission\" is "
	                 "not a daemon name (letters, digits, '.', '_' and "
	                 "'-') (expected names of MTA daemons (the "
	                 "{daemon_name} macro) such as ORIGINATING, separated "
	                 "by commas)");
}

#define PATTERN_EXPECT                                                         \
	"(expected a PCRE2 pattern with one capture group for the invoice "    \
	"number, e.g. \"facture (F\\d{4}-\\d+)\")"

static void
test_reminder_subject_pattern_checks(void **state)
{
	assert_one_error("ReminderSender a@example.com\n"
	                 "ReminderSubject facture (F\\d+\n",
	                 "relance.conf:2: ReminderSubject \"facture (F\\\\d+\" "
	                 "is not a valid pattern: missing closing parenthesis "
	                 "at offset 13 " PATTERN_EXPECT);
	assert_one_error(
	    "ReminderSender a@example.com\n"
	    "ReminderSubject (relance) (F\\d+)\n",
	    "relance.conf:2: ReminderSubject \"(relance) "
	    "(F\\\\d+)\" has 2 capture groups, not one (the invoice "
	    "number) " PATTERN_EXPECT);
	assert_one_error(
	    "ReminderSender a@example.com\n"
	    "ReminderSubject F\\d+\n",
	    "relance.conf:2: ReminderSubject \"F\\\\d+\" has 0 "
	    "capture groups, not one (the invoice number) " PATTERN_EXPECT);
}

static void
test_reminder_rule_needs_sender_and_subject(void **state)
{
	assert_one_error("\nReminderSubject \"facture (F\\d+)\"\n",
	                 "relance.conf:2: ReminderSubject is set but "
	                 "ReminderSender is not (expected both, or neither)");
	assert_one_error("\n\nReminderSender a@example.com\n",
	                 "relance.conf:3: ReminderSender is set but "
	                 "ReminderSubject is not (expected both, or neither)");
}

static void
test_non_list_milter_key_given_twice(void **state)
{
	assert_one_error("Guard warn\nGuard off\n",
	                 "relance.conf:2: key Guard given twice (first on line "
	                 "1; expected each key at most once)");
}

static void
test_letter_keys_and_address_lines_keep_their_commas(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	assert_int_equal(
	    parse("CompanyAddress 12, rue de la Paix\n"
	          "OutboxDir /srv/relance/outbox\n"
	          "companyaddress \"  BP 42  \"\n"
	          "CompanyAddress 75002 Paris Cedex 02\n"
	          "LetterPlace Paris\n"
	          "Signatory Marie Durand, directrice financière\n",
	          &c, &errors),
	    0);
	assert_int_equal(c.company_address.n, 3);
	assert_string_equal(c.company_address.v[0], "12, rue de la Paix");
	assert_string_equal(c.company_address.v[1], "  BP 42  ");
	assert_string_equal(c.company_address.v[2], "75002 Paris Cedex 02");
	assert_string_equal(c.outbox_dir, "/srv/relance/outbox");
	assert_string_equal(c.letter_place, "Paris");
	assert_string_equal(c.signatory, "Marie Durand, directrice financière");
	config_free(&c);
}

static void
test_letter_key_errors(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;
	struct buf text = BUF_INIT;

	for (int i = 1; i <= 7; i++)
		buf_printf(&text, "CompanyAddress line %d\n", i);
	buf_puts(&text, "OutboxDir outbox\nLetterPlace Paris\n"
	                "LetterPlace Lyon\n");
	assert_int_equal(parse(buf_cstr(&text), &c, &errors), 3);
	assert_string_equal(
	    errors.v[0], "relance.conf:7: CompanyAddress \"line 7\" is one "
	                 "line too many (at most 6) (expected one line of "
	                 "the company's postal address, e.g. \"12, rue de la "
	                 "Paix\" (repeat the key for each line))");
	assert_string_equal(errors.v[1],
	                    "relance.conf:8: OutboxDir \"outbox\" is not an "
	                    "absolute path (expected an absolute path, e.g. "
	                    "/var/lib/relance/outbox)");
	assert_string_equal(
	    errors.v[2], "relance.conf:10: key LetterPlace given twice "
	                 "(first on line 9; expected each key at most once)");
	assert_int_equal(c.company_address.n, 6);
	assert_string_equal(c.outbox_dir, RELANCE_OUTBOX_DIR);
	buf_free(&text);
	strlist_clear(&errors);
	config_free(&c);
}

static void
test_pdf_dir(void **state)
{
	struct config c;
	struct strlist errors = STRLIST_INIT;

	(void)state;
	assert_int_equal(parse("PdfDir /srv/invoices\n", &c, &errors), 0);
	assert_string_equal(c.pdf_dir, "/srv/invoices");
	config_free(&c);
	assert_int_equal(parse("StateFile /x.db\n", &c, &errors), 0);
	assert_null(c.pdf_dir);
	config_free(&c);
	assert_int_equal(parse("PdfDir invoices\n", &c, &errors), 1);
	assert_string_equal(errors.v[0],
	                    "relance.conf:1: PdfDir \"invoices\" is not an "
	                    "absolute path (expected an absolute path, e.g. "
	                    "/var/lib/relance/invoices)");
	assert_null(c.pdf_dir);
	strlist_clear(&errors);
	config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_empty_file_keeps_defaults),
	    cmocka_unit_test(test_valid_file_sets_every_key),
	    cmocka_unit_test(test_keys_ignore_case),
	    cmocka_unit_test(test_tab_separates_key_and_value),
	    cmocka_unit_test(test_comments_and_blank_lines_are_ignored),
	    cmocka_unit_test(test_hash_without_blank_before_is_data),
	    cmocka_unit_test(test_quoted_value_keeps_blanks_and_hash),
	    cmocka_unit_test(test_quoted_value_unescapes_quote_and_backslash),
	    cmocka_unit_test(test_empty_quoted_value_is_a_value),
	    cmocka_unit_test(test_partly_quoted_value_is_kept_as_written),
	    cmocka_unit_test(test_hash_inside_quotes_of_a_value_is_data),
	    cmocka_unit_test(test_unterminated_quote),
	    cmocka_unit_test(test_crlf_file),
	    cmocka_unit_test(test_bom_and_last_line_without_newline),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_unknown_key_is_printed_safely),
	    cmocka_unit_test(test_long_unknown_key_is_cut),
	    cmocka_unit_test(test_key_given_twice_keeps_the_first),
	    cmocka_unit_test(test_key_in_error_still_counts_as_given),
	    cmocka_unit_test(test_missing_value),
	    cmocka_unit_test(test_comment_only_value_is_missing),
	    cmocka_unit_test(test_value_at_limit_is_accepted),
	    cmocka_unit_test(test_value_too_long),
	    cmocka_unit_test(test_control_character_in_value),
	    cmocka_unit_test(test_nul_byte_in_value),
	    cmocka_unit_test(test_invalid_utf8_value),
	    cmocka_unit_test(test_paths_must_be_absolute),
	    cmocka_unit_test(test_iban_is_stored_compact_and_upper_case),
	    cmocka_unit_test(test_iban_wrong_check_digits),
	    cmocka_unit_test(test_iban_wrong_length_for_country),
	    cmocka_unit_test(test_iban_other_country_length_range),
	    cmocka_unit_test(test_iban_bad_characters),
	    cmocka_unit_test(test_iban_without_country_code),
	    cmocka_unit_test(test_bic_eight_or_eleven_characters),
	    cmocka_unit_test(test_bic_wrong_length),
	    cmocka_unit_test(test_bic_malformed),
	    cmocka_unit_test(test_sender_forms),
	    cmocka_unit_test(test_sender_malformed_angle_brackets),
	    cmocka_unit_test(test_sender_bad_address_inside_brackets),
	    cmocka_unit_test(test_reply_address_checks),
	    cmocka_unit_test(test_reply_address_length_limits),
	    cmocka_unit_test(test_payment_link_accepts_http_and_https),
	    cmocka_unit_test(test_payment_link_checks),
	    cmocka_unit_test(test_timezone_names),
	    cmocka_unit_test(test_timezone_checks),
	    cmocka_unit_test(test_every_check_takes_an_empty_value),
	    cmocka_unit_test(test_every_error_is_reported_and_good_lines_apply),
	    cmocka_unit_test(test_too_many_errors_stop_the_parse),
	    cmocka_unit_test(test_errors_are_appended_to_existing_ones),
	    cmocka_unit_test(test_load_reads_the_file_and_names_it),
	    cmocka_unit_test(test_load_missing_file),
	    cmocka_unit_test(test_load_directory),
	    cmocka_unit_test(test_load_too_large),
	    cmocka_unit_test(test_contrib_sample_is_valid),
	    cmocka_unit_test(test_milter_defaults),
	    cmocka_unit_test(test_milter_keys_are_set),
	    cmocka_unit_test(test_summary_to_takes_addresses),
	    cmocka_unit_test(test_list_key_may_repeat_and_replaces_the_default),
	    cmocka_unit_test(test_list_key_empty_item),
	    cmocka_unit_test(test_list_item_errors_name_the_item),
	    cmocka_unit_test(test_list_items_count_against_the_error_cap),
	    cmocka_unit_test(test_mailboxes_default_to_reply_address),
	    cmocka_unit_test(test_socket_forms),
	    cmocka_unit_test(test_socket_checks),
	    cmocka_unit_test(test_user_id_checks),
	    cmocka_unit_test(test_max_body_size),
	    cmocka_unit_test(test_subject_tag_checks),
	    cmocka_unit_test(test_choices_ignore_case_and_name_the_choices),
	    cmocka_unit_test(test_internal_daemons_checks),
	    cmocka_unit_test(test_reminder_subject_pattern_checks),
	    cmocka_unit_test(test_reminder_rule_needs_sender_and_subject),
	    cmocka_unit_test(test_non_list_milter_key_given_twice),
	    cmocka_unit_test(
	        test_letter_keys_and_address_lines_keep_their_commas),
	    cmocka_unit_test(test_letter_key_errors),
	    cmocka_unit_test(test_pdf_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
