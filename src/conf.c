/*
 * conf.c -- relance.conf, the one configuration file of relance(1) and
 * relance-milter(8).
 *
 * The syntax is OpenDKIM's; what is ours is that every value is checked
 * here, once, with a message naming FILE:LINE, so that `relance check`
 * lists every mistake and the programs never see a malformed value. The
 * keys live in one table: a new key is one line there (its name, its place
 * in struct config, its check, what a value looks like) plus the struct
 * member.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "conf.h"
#include "text.h"

/*
 * A check gets a copy of the value V (NUL-terminated, no control
 * characters, valid UTF-8) that it may rewrite in place to normalise it
 * (only ever shortening it). It returns 0 when the value is good, or -1
 * with WHY holding what is wrong ("is not an absolute path"), and may point
 * *EXPECT at a better description of a good value than the key's own.
 */
typedef int config_check_fn(char *v, struct buf *why, const char **expect);

/* How a checked value is kept at the key's offset in struct config. */
enum config_kind {
	CONFIG_STRING, /* char *, set once */
	CONFIG_LIST,   /* struct strlist: the key may come back, and each
	                  value is a comma-separated list of items, each
	                  checked on its own */
	CONFIG_SIZE,   /* size_t: the check normalises to decimal bytes */
	CONFIG_CHOICE, /* int: the index of the value among CHOICES */
	CONFIG_BOOL,   /* bool: yes or no */
	CONFIG_LINES,  /* struct strlist: the key may come back, each value
	                  is one item, commas and all */
};

struct config_key {
	const char *name; /* as documented; matched ignoring case */
	size_t offset;    /* of its member in struct config */
	config_check_fn *check;
	const char *expect; /* what a value looks like, for messages */
	enum config_kind kind;
	const char *const *choices; /* CONFIG_CHOICE: the values, in the
	                               order of their enum, NULL-ended */
};

static config_check_fn config_check_path, config_check_text,
    config_check_sender, config_check_address, config_check_iban,
    config_check_bic, config_check_link, config_check_timezone,
    config_check_socket, config_check_user, config_check_network,
    config_check_daemon, config_check_size, config_check_tag,
    config_check_pattern, config_check_line;

static const char *const config_guards[] = {"reject", "warn", "off", NULL};
static const char *const config_on_errors[] = {"accept", "tempfail", NULL};

#define CONFIG_KEY(name, member, check, expect)                                \
	{                                                                      \
		name, offsetof(struct config, member), check, expect,          \
		    CONFIG_STRING, NULL                                        \
	}
#define CONFIG_LIST_KEY(name, member, check, expect)                           \
	{                                                                      \
		name, offsetof(struct config, member), check, expect,          \
		    CONFIG_LIST, NULL                                          \
	}
#define CONFIG_TYPED_KEY(name, member, check, expect, kind, choices)           \
	{                                                                      \
		name, offsetof(struct config, member), check, expect, kind,    \
		    choices                                                    \
	}

static const struct config_key config_keys[] = {
    CONFIG_KEY("StateFile", state_file, config_check_path,
               "an absolute path, e.g. /var/lib/relance/relance.db"),
    CONFIG_KEY("PolicyDir", policy_dir, config_check_path,
               "an absolute path, e.g. /etc/relance/policies"),
    CONFIG_KEY("CompanyName", company_name, config_check_text,
               "the company's name, e.g. Exemple SARL"),
    CONFIG_KEY("Sender", sender, config_check_sender,
               "local@domain or Name <local@domain>"),
    CONFIG_KEY("ReplyAddress", reply_address, config_check_address,
               "local@domain"),
    CONFIG_KEY("IBAN", iban, config_check_iban,
               "an IBAN, e.g. FR76 3000 6000 0112 3456 7890 189"),
    CONFIG_KEY("BIC", bic, config_check_bic, "a BIC, e.g. AGRIFRPPXXX"),
    CONFIG_KEY("PaymentLink", payment_link, config_check_link,
               "an http:// or https:// URL, e.g. "
               "https://pay.example.com/{invoice}?amount={amount}"),
    CONFIG_KEY("Sendmail", sendmail, config_check_path,
               "an absolute path, e.g. /usr/sbin/sendmail"),
    CONFIG_KEY("TimeZone", timezone, config_check_timezone,
               "a time zone name, e.g. Europe/Paris"),
    CONFIG_KEY("Socket", socket, config_check_socket,
               "unix:/path, inet:PORT@HOST or inet6:PORT@HOST, e.g. "
               "unix:/run/relance/relance-milter.sock"),
    CONFIG_KEY("UserID", user_id, config_check_user,
               "a user name, or USER:GROUP, e.g. relance"),
    CONFIG_KEY("PidFile", pid_file, config_check_path,
               "an absolute path, e.g. /run/relance/relance-milter.pid"),
    CONFIG_LIST_KEY("Mailbox", mailboxes, config_check_address,
                    "local@domain, or several separated by commas"),
    CONFIG_LIST_KEY("InternalNetworks", internal_networks, config_check_network,
                    "IPv4 or IPv6 networks such as 10.0.0.0/8, ::1/128, "
                    "separated by commas"),
    CONFIG_LIST_KEY("InternalDaemons", internal_daemons, config_check_daemon,
                    "names of MTA daemons (the {daemon_name} macro) such "
                    "as ORIGINATING, separated by commas"),
    CONFIG_TYPED_KEY("On-InternalError", on_internal_error, config_check_text,
                     "accept or tempfail", CONFIG_CHOICE, config_on_errors),
    CONFIG_KEY("SpoolDir", spool_dir, config_check_path,
               "an absolute path, e.g. /var/spool/relance"),
    CONFIG_TYPED_KEY("MaxBodySize", max_body_size, config_check_size,
                     "a size in bytes from 1K to 1G, with an optional K or "
                     "M suffix, e.g. 1M",
                     CONFIG_SIZE, NULL),
    CONFIG_KEY("SubjectTag", subject_tag, config_check_tag,
               "text holding {id} once, e.g. [Réf. {id}]"),
    CONFIG_TYPED_KEY("PlusAddressing", plus_addressing, config_check_text,
                     "yes or no", CONFIG_BOOL, NULL),
    CONFIG_TYPED_KEY("Guard", guard, config_check_text, "reject, warn or off",
                     CONFIG_CHOICE, config_guards),
    CONFIG_LIST_KEY("ReminderSender", reminder_senders, config_check_address,
                    "local@domain, or several separated by commas"),
    CONFIG_KEY("ReminderSubject", reminder_subject, config_check_pattern,
               "a PCRE2 pattern with one capture group for the invoice "
               "number, e.g. \"facture (F\\d{4}-\\d+)\""),
    CONFIG_LIST_KEY("SummaryTo", summary_to, config_check_address,
                    "local@domain, or several separated by commas"),
    CONFIG_KEY("OutboxDir", outbox_dir, config_check_path,
               "an absolute path, e.g. /var/lib/relance/outbox"),
    CONFIG_TYPED_KEY("CompanyAddress", company_address, config_check_line,
                     "one line of the company's postal address, e.g. "
                     "\"12, rue de la Paix\" (repeat the key for each line)",
                     CONFIG_LINES, NULL),
    CONFIG_KEY("LetterPlace", letter_place, config_check_line,
               "the town letters are written from, e.g. Paris"),
    CONFIG_KEY("Signatory", signatory, config_check_line,
               "who signs letters, e.g. \"Marie Durand, directrice "
               "financière\""),
    CONFIG_KEY("ArchiveDir", archive_dir, config_check_path,
               "an absolute path, e.g. /var/lib/relance/archive"),
    CONFIG_KEY("PdfDir", pdf_dir, config_check_path,
               "an absolute path, e.g. /var/lib/relance/invoices"),
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

/* The longest piece of input quoted in a message, in bytes. */
#define CONFIG_QUOTE_MAX 64

struct config_parser {
	struct config *c;
	const char *name;
	struct strlist *errors;
	unsigned line;
	unsigned seen[CONFIG_NKEYS]; /* line where each key was set, or 0 */
	int nerrors;
	bool nomem;
};

int
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->state_file = strdup(RELANCE_STATE_FILE);
	c->policy_dir = strdup(RELANCE_POLICY_DIR);
	c->sendmail = strdup("/usr/sbin/sendmail");
	c->timezone = strdup("Europe/Paris");
	c->company_name = strdup("");
	c->socket = strdup(CONFIG_DEFAULT_SOCKET);
	c->user_id = strdup(CONFIG_DEFAULT_USER);
	c->pid_file = strdup(CONFIG_DEFAULT_PIDFILE);
	c->spool_dir = strdup(CONFIG_DEFAULT_SPOOL);
	c->subject_tag = strdup(CONFIG_DEFAULT_TAG);
	c->outbox_dir = strdup(RELANCE_OUTBOX_DIR);
	c->max_body_size = CONFIG_DEFAULT_MAX_BODY;
	c->on_internal_error = CONFIG_ON_ERROR_ACCEPT;
	c->guard = CONFIG_GUARD_REJECT;
	c->plus_addressing = true;
	if (c->state_file == NULL || c->policy_dir == NULL ||
	    c->sendmail == NULL || c->timezone == NULL ||
	    c->company_name == NULL || c->socket == NULL ||
	    c->user_id == NULL || c->pid_file == NULL || c->spool_dir == NULL ||
	    c->subject_tag == NULL || c->outbox_dir == NULL ||
	    strlist_add(&c->internal_networks, "127.0.0.0/8") < 0 ||
	    strlist_add(&c->internal_networks, "::1/128") < 0)
		return -1;
	return 0;
}

void
config_archive_dir(const struct config *c, struct buf *out)
{
	const char *slash;

	if (c->archive_dir != NULL) {
		buf_puts(out, c->archive_dir);
		return;
	}
	slash = strrchr(c->state_file, '/');
	if (slash == NULL)
		buf_puts(out, "archive");
	else
		buf_printf(out, "%.*s/archive", (int)(slash - c->state_file),
		           c->state_file);
}

void
config_free(struct config *c)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		void *slot = (char *)c + config_keys[i].offset;

		if (config_keys[i].kind == CONFIG_STRING) {
			free(*(char **)slot);
			*(char **)slot = NULL;
		} else if (config_keys[i].kind == CONFIG_LIST ||
		           config_keys[i].kind == CONFIG_LINES) {
			strlist_clear(slot);
		}
	}
	free(c->path);
	c->path = NULL;
}

int
config_mailboxes(const struct config *c, struct strlist *out)
{
	strlist_clear(out);
	if (c->mailboxes.n == 0)
		return c->reply_address == NULL
		           ? 0
		           : strlist_add(out, c->reply_address);
	for (size_t i = 0; i < c->mailboxes.n; i++)
		if (strlist_add(out, c->mailboxes.v[i]) < 0)
			return -1;
	return 0;
}

/* How much of the UTF-8 text S[0..LEN) to show: at most CONFIG_QUOTE_MAX
 * bytes, cut on a character boundary. */
static size_t
config_cut(const char *s, size_t len)
{
	size_t n = CONFIG_QUOTE_MAX;

	if (len <= n)
		return len;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/*
 * Append S[0..LEN) to B in double quotes, safe to print: control bytes,
 * '"' and '\' escaped, bytes above 0x7f escaped unless S is valid UTF-8,
 * and cut after CONFIG_QUOTE_MAX bytes.
 */
static void
config_quote(struct buf *b, const char *s, size_t len)
{
	bool utf8 = text_utf8_valid(s, len);
	size_t n = utf8 ? config_cut(s, len)
	                : (len > CONFIG_QUOTE_MAX ? CONFIG_QUOTE_MAX : len);

	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_puts(b, n < len ? "\"..." : "\"");
}

/* Add "NAME:LINE: " and the message to the errors. */
static void config_error(struct config_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
config_error(struct config_parser *p, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_printf(&b, "%s:%u: ", p->name, p->line);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (buf_failed(&b) || strlist_add(p->errors, buf_cstr(&b)) < 0)
		p->nomem = true;
	buf_free(&b);
	p->nerrors++;
}

/* ---- the checks ---- */

static int
config_check_text(char *v, struct buf *why, const char **expect)
{
	return 0;
}

/* Text printed on one line of a letter: at most 200 bytes. */
static int
config_check_line(char *v, struct buf *why, const char **expect)
{
	if (strlen(v) <= 200)
		return 0;
	buf_puts(why, "is longer than 200 bytes");
	return -1;
}

static int
config_check_path(char *v, struct buf *why, const char **expect)
{
	if (v[0] == '/')
		return 0;
	buf_puts(why, "is not an absolute path");
	return -1;
}

static bool
config_is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

static bool
config_is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
config_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void
config_upcase(char *v)
{
	for (; *v != '\0'; v++)
		if (*v >= 'a' && *v <= 'z')
			*v = (char)(*v - 'a' + 'A');
}

/* What is wrong with the dot-atom LOCAL[0..LEN) (RFC 5322 3.2.3), or NULL. */
static const char *
config_local_part(const char *s, size_t len)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";

	if (len == 0)
		return "has an empty local part (before the @)";
	if (len > 64)
		return "has a local part longer than 64 characters";
	if (s[0] == '.' || s[len - 1] == '.' || memmem(s, len, "..", 2))
		return "has a misplaced dot in the local part";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ')
			return "contains a space";
		if (c >= 0x80)
			return "contains a non-ASCII character "
			       "(internationalised addresses are not "
			       "supported)";
		if (!config_is_alnum(c) && c != '.' && !strchr(atext, c))
			return "has a character not allowed in an address "
			       "(write it as local@domain)";
	}
	return NULL;
}

/* What is wrong with the host name S[0..LEN), or NULL. */
static const char *
config_domain(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0)
		return "has an empty domain (after the @)";
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-' ||
			    s[i - label] == '-')
				return "has a malformed domain";
			label = 0;
		} else if (config_is_alnum(c) || c == '-') {
			if (++label > 63)
				return "has a malformed domain";
		} else if (c == ' ') {
			return "contains a space";
		} else {
			return "has a malformed domain";
		}
	}
	return NULL;
}

/* What is wrong with the address local@domain S[0..LEN), or NULL. */
static const char *
config_addr_spec(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *why;
	size_t llen;

	if (at == NULL)
		return "has no @";
	llen = (size_t)(at - s);
	if (memchr(at + 1, '@', len - llen - 1) != NULL)
		return "has more than one @";
	if (len > 254)
		return "is longer than 254 characters";
	why = config_local_part(s, llen);
	return why != NULL ? why : config_domain(at + 1, len - llen - 1);
}

static int
config_check_address(char *v, struct buf *why, const char **expect)
{
	const char *bad = config_addr_spec(v, strlen(v));

	if (bad == NULL)
		return 0;
	buf_printf(why, "is not a valid address: it %s", bad);
	return -1;
}

/* local@domain, or "Name <local@domain>" with a name that has no <>. */
static int
config_check_sender(char *v, struct buf *why, const char **expect)
{
	char *lt = strchr(v, '<');
	size_t len = strlen(v);
	const char *bad;

	if (lt == NULL && strchr(v, '>') == NULL)
		return config_check_address(v, why, expect);
	if (lt == NULL || v[len - 1] != '>' || strchr(lt + 1, '<') ||
	    strchr(v, '>') != v + len - 1) {
		buf_puts(why, "is not a valid address: its <...> is malformed");
		return -1;
	}
	bad = config_addr_spec(lt + 1, (size_t)(v + len - 1 - (lt + 1)));
	if (bad == NULL)
		return 0;
	buf_printf(why, "is not a valid address: it %s", bad);
	return -1;
}

/* IBAN lengths of the SEPA countries (SWIFT IBAN registry). */
static int
config_iban_length(const char *cc)
{
	static const struct {
		char cc[3];
		int len;
	} lengths[] = {
	    {"AD", 24}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21},
	    {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20},
	    {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22}, {"GI", 23},
	    {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26},
	    {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
	    {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28},
	    {"PT", 25}, {"RO", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24},
	    {"SM", 27}, {"VA", 22},
	};

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
		if (memcmp(cc, lengths[i].cc, 2) == 0)
			return lengths[i].len;
	return 0;
}

/* ISO 13616: the rearranged IBAN, letters as 10..35, is 1 modulo 97. */
static bool
config_iban_mod97(const char *v, size_t len)
{
	unsigned rem = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[(i + 4) % len];

		if (config_is_digit(c))
			rem = (rem * 10 + (c - '0')) % 97;
		else
			rem = (rem * 100 + (c - 'A' + 10)) % 97;
	}
	return rem == 1;
}

/* Spaces dropped, upper case; country code, length, then checksum. */
static int
config_check_iban(char *v, struct buf *why, const char **expect)
{
	size_t len = 0;
	int want;

	for (char *s = v; *s != '\0'; s++)
		if (*s != ' ')
			v[len++] = *s;
	v[len] = '\0';
	config_upcase(v);
	for (size_t i = 0; i < len; i++) {
		if (!config_is_alnum((unsigned char)v[i])) {
			buf_puts(why, "contains a character other than "
			              "letters, digits and spaces");
			return -1;
		}
	}
	if (len < 4 || !config_is_alpha((unsigned char)v[0]) ||
	    !config_is_alpha((unsigned char)v[1]) ||
	    !config_is_digit((unsigned char)v[2]) ||
	    !config_is_digit((unsigned char)v[3])) {
		buf_puts(why, "does not start with a country code and check "
		              "digits (two letters, two digits)");
		return -1;
	}
	want = config_iban_length(v);
	if (want != 0 && len != (size_t)want) {
		buf_printf(why, "has %zu characters, an IBAN of %.2s has %d",
		           len, v, want);
		return -1;
	}
	if (want == 0 && (len < 15 || len > 34)) {
		buf_printf(why, "has %zu characters, an IBAN has 15 to 34",
		           len);
		return -1;
	}
	if (!config_iban_mod97(v, len)) {
		buf_puts(why, "has wrong check digits (the ISO 13616 mod-97 "
		              "checksum fails: a typing mistake?)");
		return -1;
	}
	return 0;
}

/* ISO 9362: bank (4 letters), country (2 letters), location (2 letters or
 * digits), optional branch (3 letters or digits). Upper-cased. */
static int
config_check_bic(char *v, struct buf *why, const char **expect)
{
	size_t len = strlen(v);

	*expect = "8 or 11 characters: 4 letters (bank), 2 letters "
	          "(country), 2 letters or digits (location), optionally 3 "
	          "letters or digits (branch)";
	config_upcase(v);
	if (len != 8 && len != 11) {
		buf_printf(why, "has %zu characters", len);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (i < 6 ? !config_is_alpha(c) : !config_is_alnum(c)) {
			buf_puts(why, "is malformed");
			return -1;
		}
	}
	return 0;
}

/* The placeholders in the URL V: only {invoice} and {amount}. */
static int
config_link_placeholders(const char *v, struct buf *why, const char **expect)
{
	*expect = "a URL with no placeholders but {invoice} and {amount}";
	for (const char *s = v; *s != '\0'; s++) {
		const char *close;
		size_t n;

		if (*s == '}') {
			buf_puts(why, "has a \"}\" with no \"{\" before it");
			return -1;
		}
		if (*s != '{')
			continue;
		close = strchr(s, '}');
		if (close == NULL) {
			buf_puts(why, "has a \"{\" that is never closed");
			return -1;
		}
		n = (size_t)(close - s - 1);
		if (!(n == 7 && memcmp(s + 1, "invoice", 7) == 0) &&
		    !(n == 6 && memcmp(s + 1, "amount", 6) == 0)) {
			buf_printf(why, "has an unknown placeholder {%.*s}",
			           (int)config_cut(s + 1, n), s + 1);
			return -1;
		}
		s = close;
	}
	return 0;
}

static int
config_check_link(char *v, struct buf *why, const char **expect)
{
	size_t skip;

	if (strncasecmp(v, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		skip = 7;
	else {
		buf_puts(why, "does not start with https:// or http://");
		return -1;
	}
	if (strchr(v, ' ') != NULL) {
		buf_puts(why, "contains a space (write it as %20)");
		return -1;
	}
	if (v[skip] == '\0' || strchr("/?#", v[skip]) != NULL) {
		buf_puts(why, "has no host name");
		return -1;
	}
	return config_link_placeholders(v, why, expect);
}

/* Letters, digits, '/', '_', '-', '+'; relative; no empty component.
 * ('.' is not allowed at all, so ".." cannot climb out of the zoneinfo
 * directory.) Whether the zone exists is the caller's business. */
static int
config_check_timezone(char *v, struct buf *why, const char **expect)
{
	size_t len = strlen(v);

	if (len == 0) {
		buf_puts(why, "is empty");
		return -1;
	}
	if (v[0] == '/') {
		buf_puts(why, "is an absolute path, not a time zone name");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!config_is_alnum(c) && !strchr("/_-+", c)) {
			buf_puts(why, "has a character other than letters, "
			              "digits, /, _, - and +");
			return -1;
		}
	}
	if (strstr(v, "//") != NULL || v[len - 1] == '/') {
		buf_puts(why, "has an empty component");
		return -1;
	}
	return 0;
}

/* unix:/path (or local:/path), inet:PORT[@HOST], inet6:PORT[@HOST]: what
 * smfi_setconn(3) takes. Whether the host resolves is libmilter's
 * business, at start-up. */
static int
config_check_socket(char *v, struct buf *why, const char **expect)
{
	const char *rest, *at;
	unsigned long port = 0;
	size_t digits = 0;

	if (strncasecmp(v, "unix:", 5) == 0 ||
	    strncasecmp(v, "local:", 6) == 0) {
		rest = strchr(v, ':') + 1;
		if (rest[0] != '/') {
			buf_puts(why, "does not name an absolute path");
			return -1;
		}
		if (strlen(rest) > 100) {
			buf_puts(why, "names a path longer than 100 bytes");
			return -1;
		}
		return 0;
	}
	if (strncasecmp(v, "inet:", 5) == 0)
		rest = v + 5;
	else if (strncasecmp(v, "inet6:", 6) == 0)
		rest = v + 6;
	else {
		buf_puts(why, "does not start with unix:, inet: or inet6:");
		return -1;
	}
	for (; config_is_digit((unsigned char)rest[digits]) && digits < 6;
	     digits++)
		port = port * 10 + (unsigned long)(rest[digits] - '0');
	at = rest + digits;
	if (digits == 0 || port == 0 || port > 65535 ||
	    (*at != '\0' && *at != '@')) {
		buf_puts(why, "has no port from 1 to 65535");
		return -1;
	}
	if (*at == '@') {
		if (at[1] == '\0') {
			buf_puts(why, "has an empty host after the @");
			return -1;
		}
		for (const char *h = at + 1; *h != '\0'; h++)
			if (!config_is_alnum((unsigned char)*h) &&
			    !strchr(".-:[]", *h)) {
				buf_puts(why, "has a malformed host");
				return -1;
			}
	}
	return 0;
}

/* A user or group name: letters, digits, '.', '_', '-', not first '-'. */
static bool
config_is_name(const char *s, size_t len)
{
	if (len == 0 || len > 32 || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!config_is_alnum((unsigned char)s[i]) &&
		    !strchr("._-", s[i]))
			return false;
	return true;
}

static int
config_check_user(char *v, struct buf *why, const char **expect)
{
	const char *colon = strchr(v, ':');
	size_t ulen = colon ? (size_t)(colon - v) : strlen(v);

	if (!config_is_name(v, ulen) ||
	    (colon != NULL && !config_is_name(colon + 1, strlen(colon + 1)))) {
		buf_puts(why, "is not a user name (letters, digits, '.', '_' "
		              "and '-', at most 32)");
		return -1;
	}
	return 0;
}

/* ADDR or ADDR/BITS, IPv4 or IPv6. */
static int
config_check_network(char *v, struct buf *why, const char **expect)
{
	unsigned char addr[16];
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	size_t hlen = slash ? (size_t)(slash - v) : strlen(v);
	int max, bits = -1;

	if (hlen == 0 || hlen >= sizeof(host)) {
		buf_puts(why, "is not an IP address");
		return -1;
	}
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, addr) == 1)
		max = 32;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		max = 128;
	else {
		buf_puts(why, "is not an IP address");
		return -1;
	}
	if (slash != NULL) {
		const char *b = slash + 1;

		bits = 0;
		if (*b == '\0' || strlen(b) > 3)
			bits = -1;
		for (; bits >= 0 && *b != '\0'; b++)
			bits = config_is_digit((unsigned char)*b)
			           ? bits * 10 + (*b - '0')
			           : -1;
		if (bits < 0 || bits > max) {
			buf_printf(why,
			           "has a prefix length that is not 0 to %d",
			           max);
			return -1;
		}
	}
	return 0;
}

static int
config_check_daemon(char *v, struct buf *why, const char **expect)
{
	size_t len = strlen(v);

	if (len == 0 || len > 64) {
		buf_puts(why, "is not a daemon name");
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (!config_is_alnum((unsigned char)v[i]) &&
		    !strchr("._-", v[i])) {
			buf_puts(why, "is not a daemon name (letters, digits, "
			              "'.', '_' and '-')");
			return -1;
		}
	return 0;
}

/* Digits and an optional K, M or G (binary multiples) into *OUT: 0, or
 * -1 when V is not such a size. At most 12 digits, so no overflow. */
static int
config_parse_size(const char *v, unsigned long long *out)
{
	unsigned long long n = 0;
	size_t i = 0;
	unsigned shift = 0;

	for (; config_is_digit((unsigned char)v[i]) && i < 12; i++)
		n = n * 10 + (unsigned long long)(v[i] - '0');
	if (v[i] == 'k' || v[i] == 'K')
		shift = 10;
	else if (v[i] == 'm' || v[i] == 'M')
		shift = 20;
	else if (v[i] == 'g' || v[i] == 'G')
		shift = 30;
	if (i == 0 || (shift == 0 && v[i] != '\0') ||
	    (shift != 0 && v[i + 1] != '\0'))
		return -1;
	*out = n << shift;
	return 0;
}

static int
config_check_size(char *v, struct buf *why, const char **expect)
{
	unsigned long long n;

	if (config_parse_size(v, &n) < 0) {
		buf_puts(why, "is not a size");
		return -1;
	}
	if (n < CONFIG_MIN_BODY || n > (unsigned long long)CONFIG_MAX_BODY) {
		buf_puts(why, "is out of range");
		return -1;
	}
	return 0;
}

static int
config_check_tag(char *v, struct buf *why, const char **expect)
{
	const char *id = strstr(v, "{id}");

	if (id == NULL || strstr(id + 1, "{id}") != NULL) {
		buf_puts(why, "does not hold {id} exactly once");
		return -1;
	}
	for (const char *s = v; *s != '\0'; s++)
		if ((*s == '{' || *s == '}') && !(s >= id && s < id + 4)) {
			buf_puts(why, "has a { or } outside {id}");
			return -1;
		}
	if (strlen(v) > CONFIG_MAX_TAG) {
		buf_printf(why, "is longer than %d bytes", CONFIG_MAX_TAG);
		return -1;
	}
	return 0;
}

/* A PCRE2 pattern (caseless, UTF) with exactly one capture group. */
static int
config_check_pattern(char *v, struct buf *why, const char **expect)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE offset;
	pcre2_code *re;
	uint32_t groups = 0;
	int code;

	re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED,
	                   PCRE2_CASELESS | PCRE2_UTF, &code, &offset, NULL);
	if (re == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		buf_printf(why, "is not a valid pattern: %s at offset %zu",
		           (const char *)msg, (size_t)offset);
		return -1;
	}
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
	pcre2_code_free(re);
	if (groups != 1) {
		buf_printf(
		    why, "has %u capture groups, not one (the invoice number)",
		    groups);
		return -1;
	}
	return 0;
}

/* ---- the parser ---- */

static bool
config_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const struct config_key *
config_find(const char *key, size_t len)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		const char *name = config_keys[i].name;

		if (strlen(name) != len)
			continue;
		if (strncasecmp(key, name, len) == 0)
			return &config_keys[i];
	}
	return NULL;
}

static void
config_unknown_key(struct config_parser *p, const char *key, size_t len)
{
	struct buf b = BUF_INIT;

	config_quote(&b, key, len);
	buf_puts(&b, " (expected one of ");
	for (size_t i = 0; i < CONFIG_NKEYS; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", config_keys[i].name);
	buf_putc(&b, ')');
	if (buf_failed(&b))
		p->nomem = true;
	config_error(p, "unknown key %s", buf_cstr(&b));
	buf_free(&b);
}

/*
 * The value in S..END (after the key and its blanks): where it ends, before
 * a comment and trailing blanks. A '#' starts a comment at the start of the
 * value or after a blank, outside double quotes. Returns the end, or NULL
 * when a double quote is never closed.
 */
static const char *
config_value_end(const char *s, const char *end)
{
	bool quoted = false;
	const char *q;

	for (q = s; q < end; q++) {
		if (quoted) {
			if (*q == '\\' && q + 1 < end)
				q++;
			else if (*q == '"')
				quoted = false;
		} else if (*q == '"') {
			quoted = true;
		} else if (*q == '#' && (q == s || config_blank(q[-1]))) {
			break;
		}
	}
	if (quoted)
		return NULL;
	while (q > s && config_blank(q[-1]))
		q--;
	return q;
}

/*
 * Put the value S[0..LEN) into OUT: when it is one double-quoted string,
 * its contents with \" and \\ unescaped; otherwise as written.
 */
static void
config_unquote(const char *s, size_t len, struct buf *out)
{
	size_t i = 1;

	if (len >= 2 && s[0] == '"') {
		while (i < len && s[i] != '"')
			i += s[i] == '\\' ? 2 : 1;
	}
	if (len < 2 || s[0] != '"' || i != len - 1) {
		buf_append(out, s, len);
		return;
	}
	for (i = 1; i < len - 1; i++) {
		if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		buf_putc(out, s[i]);
	}
	buf_append(out, "", 0);
}

/* The index of V among CHOICES (ignoring case), or -1. */
static int
config_choice(const char *v, const char *const *choices)
{
	for (int i = 0; choices[i] != NULL; i++)
		if (strcasecmp(v, choices[i]) == 0)
			return i;
	return -1;
}

/* Check V for a key of kind CONFIG_CHOICE or CONFIG_BOOL and store it. */
static int
config_store_choice(const struct config_key *k, void *slot, const char *v,
                    struct buf *why)
{
	static const char *const yes[] = {"yes", "true", "on", "1", NULL};
	static const char *const no[] = {"no", "false", "off", "0", NULL};
	int i;

	if (k->kind == CONFIG_CHOICE) {
		if ((i = config_choice(v, k->choices)) < 0) {
			buf_puts(why, "is not a known value");
			return -1;
		}
		*(int *)slot = i;
	} else if (config_choice(v, yes) >= 0) {
		*(bool *)slot = true;
	} else if (config_choice(v, no) >= 0) {
		*(bool *)slot = false;
	} else {
		buf_puts(why, "is neither yes nor no");
		return -1;
	}
	return 0;
}

/* Store the checked value V at K's SLOT. 0, -1 with WHY set (a value
 * that is not one of the choices), or -2 on no memory. */
static int
config_store(const struct config_key *k, void *slot, char *v, struct buf *why)
{
	unsigned long long n = 0;
	char *copy;

	switch (k->kind) {
	case CONFIG_STRING:
		if ((copy = strdup(v)) == NULL)
			return -2;
		free(*(char **)slot);
		*(char **)slot = copy;
		return 0;
	case CONFIG_LIST:
		return strlist_add(slot, v) < 0 ? -2 : 0;
	case CONFIG_LINES:
		if (((struct strlist *)slot)->n >= CONFIG_MAX_ADDRESS_LINES) {
			buf_printf(why, "is one line too many (at most %d)",
			           CONFIG_MAX_ADDRESS_LINES);
			return -1;
		}
		return strlist_add(slot, v) < 0 ? -2 : 0;
	case CONFIG_SIZE:
		(void)config_parse_size(v, &n); /* checked already */
		*(size_t *)slot = (size_t)n;
		return 0;
	case CONFIG_CHOICE:
	case CONFIG_BOOL:
		return config_store_choice(k, slot, v, why);
	}
	return -2;
}

/* Run K's check on V[0..LEN) (free of control bytes, valid UTF-8; one item
 * of a list) and store the normalised value, or add the check's error. */
static void
config_check_store(struct config_parser *p, const struct config_key *k, char *v,
                   size_t len)
{
	struct buf why = BUF_INIT, shown = BUF_INIT;
	const char *expect = k->expect;
	void *slot = (char *)p->c + k->offset;
	int rc;

	config_quote(&shown, v, len); /* before normalising */
	rc = k->check(v, &why, &expect);
	if (rc == 0)
		rc = config_store(k, slot, v, &why);
	if (rc == -1) {
		config_error(p, "%s %s %s (expected %s)", k->name,
		             buf_cstr(&shown), buf_cstr(&why), expect);
		p->nomem |= buf_failed(&why) || buf_failed(&shown);
	} else if (rc == -2) {
		p->nomem = true;
	}
	buf_free(&why);
	buf_free(&shown);
}

/* A list value: comma-separated items, blanks around each ignored. The
 * first time the file gives the key, its items replace the default. Stops
 * at CONFIG_MAX_ERRORS errors, as the parse does. */
static void
config_check_list(struct config_parser *p, const struct config_key *k,
                  struct buf *value)
{
	size_t idx = (size_t)(k - config_keys);
	char *item = value->data, *comma, *end;

	if (p->seen[idx] == 0)
		strlist_clear((struct strlist *)((char *)p->c + k->offset));
	for (;;) {
		comma = strchr(item, ',');
		end = comma != NULL ? comma : item + strlen(item);
		*end = '\0';
		while (config_blank(*item))
			item++;
		while (end > item && config_blank(end[-1]))
			*--end = '\0';
		if (item == end)
			config_error(p,
			             "%s has an empty item in its list "
			             "(expected %s)",
			             k->name, k->expect);
		else
			config_check_store(p, k, item, (size_t)(end - item));
		/* one line, many items: the cap on errors holds all the same */
		if (comma == NULL || p->nerrors >= CONFIG_MAX_ERRORS)
			break;
		item = comma + 1;
	}
}

/* One line of a CONFIG_LINES key: the first time the file gives the key,
 * it replaces what was there. */
static void
config_check_lines(struct config_parser *p, const struct config_key *k,
                   struct buf *value)
{
	if (p->seen[k - config_keys] == 0)
		strlist_clear((struct strlist *)((char *)p->c + k->offset));
	config_check_store(p, k, value->data, value->len);
}

/* Check VALUE (unquoted) for key K and store it. */
static void
config_set(struct config_parser *p, const struct config_key *k,
           struct buf *value)
{
	if (strlen(value->data) != value->len || text_has_ctl(value->data))
		config_error(p,
		             "the value of %s has a control character "
		             "(expected %s)",
		             k->name, k->expect);
	else if (!text_utf8_valid(value->data, value->len))
		config_error(p,
		             "the value of %s is not valid UTF-8 "
		             "(expected UTF-8 text: save the file as UTF-8)",
		             k->name);
	else if (k->kind == CONFIG_LIST)
		config_check_list(p, k, value);
	else if (k->kind == CONFIG_LINES)
		config_check_lines(p, k, value);
	else
		config_check_store(p, k, value->data, value->len);
}

/* The value of key K: S..END, after the key and its blanks. */
static void
config_value(struct config_parser *p, const struct config_key *k, const char *s,
             const char *end)
{
	const char *vend = config_value_end(s, end);
	struct buf value = BUF_INIT;

	if (vend == NULL) {
		config_error(p,
		             "the value of %s has a \" that is never "
		             "closed (expected %s)",
		             k->name, k->expect);
	} else if (vend == s) {
		config_error(p, "missing value for %s (expected %s)", k->name,
		             k->expect);
	} else if ((size_t)(vend - s) > CONFIG_MAX_VALUE) {
		config_error(p,
		             "the value of %s is too long (%zu bytes, "
		             "expected at most %d)",
		             k->name, (size_t)(vend - s), CONFIG_MAX_VALUE);
	} else {
		config_unquote(s, (size_t)(vend - s), &value);
		if (buf_failed(&value))
			p->nomem = true;
		else
			config_set(p, k, &value);
	}
	buf_free(&value);
}

/* One line S..END, without its line end. */
static void
config_line(struct config_parser *p, const char *s, const char *end)
{
	const struct config_key *k;
	const char *key;
	size_t idx;

	while (s < end && config_blank(*s))
		s++;
	if (s == end || *s == '#')
		return;
	for (key = s; s < end && !config_blank(*s); s++)
		;
	k = config_find(key, (size_t)(s - key));
	if (k == NULL) {
		config_unknown_key(p, key, (size_t)(s - key));
		return;
	}
	idx = (size_t)(k - config_keys);
	if (p->seen[idx] != 0 && k->kind != CONFIG_LIST &&
	    k->kind != CONFIG_LINES) {
		config_error(p,
		             "key %s given twice (first on line %u; "
		             "expected each key at most once)",
		             k->name, p->seen[idx]);
		return;
	}
	while (s < end && config_blank(*s))
		s++;
	config_value(p, k, s, end);
	if (p->seen[idx] == 0)
		p->seen[idx] = p->line;
}

/* ReminderSender and ReminderSubject make one rule: both or neither. The
 * error names the line of the one that was given. */
static void
config_check_rule(struct config_parser *p)
{
	const struct config_key *subject = config_find("ReminderSubject", 15);
	const struct config_key *sender = config_find("ReminderSender", 14);
	bool has_subject = p->c->reminder_subject != NULL;
	bool has_sender = p->c->reminder_senders.n > 0;
	const struct config_key *given = has_subject ? subject : sender;
	const struct config_key *missing = has_subject ? sender : subject;

	/* A missing key that was given had an error of its own. */
	if (has_subject == has_sender || p->seen[missing - config_keys] != 0)
		return;
	p->line = p->seen[given - config_keys];
	config_error(p, "%s is set but %s is not (expected both, or neither)",
	             given->name, missing->name);
}

int
config_parse(struct config *c, const char *name, const char *text, size_t len,
             struct strlist *errors)
{
	struct config_parser p = {c, name, errors, 0, {0}, 0, false};
	const char *s = text, *end = text + len;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < end && !p.nomem) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl != NULL ? nl : end;

		p.line++;
		if (p.nerrors >= CONFIG_MAX_ERRORS) {
			config_error(&p, "too many errors, the rest of the "
			                 "file was not read");
			break;
		}
		config_line(&p, s, le > s && le[-1] == '\r' ? le - 1 : le);
		s = nl != NULL ? nl + 1 : end;
	}
	if (!p.nomem && p.nerrors < CONFIG_MAX_ERRORS)
		config_check_rule(&p);
	return p.nomem ? -1 : p.nerrors;
}

/* Read PATH whole into OUT. Returns 0, -1 with *ERRNUM set, or -2 when
 * the file is larger than CONFIG_MAX_FILE. */
static int
config_read(const char *path, struct buf *out, int *errnum)
{
	char chunk[8192];
	FILE *f = fopen(path, "r");
	size_t n;
	int rc = 0;

	if (f == NULL) {
		*errnum = errno;
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > CONFIG_MAX_FILE) {
			rc = -2;
			break;
		}
		buf_append(out, chunk, n);
	}
	if (rc == 0 && ferror(f)) {
		*errnum = errno;
		rc = -1;
	}
	fclose(f);
	return rc;
}

int
config_load(struct config *c, const char *path, struct strlist *errors)
{
	struct buf text = BUF_INIT, msg = BUF_INIT;
	char *copy;
	int errnum = 0, rc;

	rc = config_read(path, &text, &errnum);
	if (rc < 0) {
		buf_free(&text);
		if (rc == -1)
			buf_printf(&msg, "%s: cannot read: %s", path,
			           strerror(errnum));
		else
			buf_printf(&msg,
			           "%s: too large (more than %d bytes, "
			           "expected a configuration file)",
			           path, CONFIG_MAX_FILE);
		rc = buf_failed(&msg) || strlist_add(errors, buf_cstr(&msg)) < 0
		         ? -1
		         : 1;
		buf_free(&msg);
		return rc;
	}
	if (buf_failed(&text) || (copy = strdup(path)) == NULL) {
		buf_free(&text);
		return -1;
	}
	free(c->path);
	c->path = copy;
	rc = config_parse(c, path, text.data != NULL ? text.data : "", text.len,
	                  errors);
	buf_free(&text);
	return rc;
}
