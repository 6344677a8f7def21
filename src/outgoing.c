/*
 * outgoing.c -- what relance-milter does with mail that leaves.
 *
 * Pure: headers, envelope, invoice, time and random numbers come in; the
 * decision and the exact header changes go out (tests/test_outgoing.c).
 * Header values from outside are read by outgoing_decode (unfolded, RFC
 * 2047 decoded, sanitised); the values we write are built by
 * outgoing_header_text and outgoing_fold, and only there.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <iconv.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "outgoing.h"
#include "text.h"

#define OUTGOING_MAX_HEADER (64 * 1024) /* bytes of a value we read */
#define OUTGOING_MAX_MSGID  250         /* bytes of a Message-ID */
#define OUTGOING_WORD_MAX   75          /* bytes of an encoded word */
#define OUTGOING_LINE_MAX   78          /* folding width */
#define OUTGOING_INTERNAL   "X-Relance-"
#define OUTGOING_ID_HEADER  "X-Relance-ID"

_Static_assert(OUTGOING_LINE_MAX == OUTGOING_FOLD_WIDTH,
               "compose.c counts on the width outgoing.h gives");

struct outgoing_regex {
	pcre2_code *code;
};

/* ---- the compiled configuration ---- */

static int
outgoing_net_parse(const char *text, struct outgoing_net *net)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);

	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	memset(net->addr, 0, sizeof(net->addr));
	if (inet_pton(AF_INET, host, net->addr) == 1) {
		net->family = AF_INET;
		net->bits = 32;
	} else if (inet_pton(AF_INET6, host, net->addr) == 1) {
		net->family = AF_INET6;
		net->bits = 128;
	} else {
		return -1;
	}
	if (slash != NULL) {
		char *end;
		unsigned long bits = strtoul(slash + 1, &end, 10);

		if (*end != '\0' || end == slash + 1 || bits > net->bits)
			return -1;
		net->bits = (unsigned)bits;
	}
	net->text = strdup(text);
	return net->text == NULL ? -1 : 0;
}

static int
outgoing_regex_new(const char *pattern, struct outgoing_regex **out,
                   struct err *e)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE offset;
	int code;
	struct outgoing_regex *re = calloc(1, sizeof(*re));

	*out = NULL;
	if (re == NULL) {
		err_set(e, "out of memory");
		return -1;
	}
	re->code =
	    pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	                  PCRE2_CASELESS | PCRE2_UTF, &code, &offset, NULL);
	if (re->code == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		err_set(e, "ReminderSubject \"%s\": %s at offset %zu", pattern,
		        (const char *)msg, (size_t)offset);
		free(re);
		return -1;
	}
	*out = re;
	return 0;
}

static int
outgoing_copy_list(struct strlist *dst, const struct strlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (strlist_add(dst, src->v[i]) < 0)
			return -1;
	return 0;
}

int
outgoing_conf_init(struct outgoing_conf *oc, const struct config *cfg,
                   const struct policy *pol, struct err *e)
{
	const char *tag = cfg->subject_tag;

	memset(oc, 0, sizeof(*oc));
	oc->plus_addressing = cfg->plus_addressing;
	oc->guard = cfg->guard;
	if (pol != NULL && pol->matching.subject_tag != NULL)
		tag = pol->matching.subject_tag;
	if ((oc->subject_tag = strdup(tag ? tag : CONFIG_DEFAULT_TAG)) ==
	        NULL ||
	    config_mailboxes(cfg, &oc->mailboxes) < 0 ||
	    outgoing_copy_list(&oc->daemons, &cfg->internal_daemons) < 0 ||
	    outgoing_copy_list(&oc->reminder_senders, &cfg->reminder_senders) <
	        0)
		goto nomem;
	if (cfg->internal_networks.n > 0) {
		oc->nets = calloc(cfg->internal_networks.n, sizeof(*oc->nets));
		if (oc->nets == NULL)
			goto nomem;
	}
	for (size_t i = 0; i < cfg->internal_networks.n; i++) {
		if (outgoing_net_parse(cfg->internal_networks.v[i],
		                       &oc->nets[i]) < 0) {
			err_set(e, "InternalNetworks \"%s\": not a network",
			        cfg->internal_networks.v[i]);
			return -1;
		}
		oc->nnets++;
	}
	if (cfg->reminder_subject != NULL)
		return outgoing_regex_new(cfg->reminder_subject,
		                          &oc->reminder_subject, e);
	return 0;
nomem:
	err_set(e, "out of memory");
	return -1;
}

void
outgoing_conf_free(struct outgoing_conf *oc)
{
	strlist_clear(&oc->mailboxes);
	strlist_clear(&oc->daemons);
	strlist_clear(&oc->reminder_senders);
	for (size_t i = 0; i < oc->nnets; i++)
		free(oc->nets[i].text);
	free(oc->nets);
	if (oc->reminder_subject != NULL) {
		pcre2_code_free(oc->reminder_subject->code);
		free(oc->reminder_subject);
	}
	free(oc->subject_tag);
	memset(oc, 0, sizeof(*oc));
}

/* ---- where the mail comes from ---- */

static bool
outgoing_net_has(const struct outgoing_net *net, int family,
                 const unsigned char *addr)
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (net->family != family)
		return false;
	if (memcmp(net->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((net->addr[full] ^ addr[full]) & (0xff00 >> rest) & 0xff) == 0;
}

/* The client's address as a family and bytes (IPv4-mapped IPv6 as IPv4),
 * and as text into TEXT. False for anything but IPv4 and IPv6. */
static bool
outgoing_addr_bytes(const struct sockaddr *sa, int *family,
                    unsigned char bytes[16], char text[INET6_ADDRSTRLEN])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
	                                         0, 0, 0, 0, 0xff, 0xff};

	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		*family = AF_INET;
		memcpy(bytes, &sin.sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		*family = AF_INET6;
		memcpy(bytes, &sin6.sin6_addr, 16);
		if (memcmp(bytes, mapped, 12) == 0) {
			*family = AF_INET;
			memmove(bytes, bytes + 12, 4);
		}
	} else {
		return false;
	}
	return inet_ntop(*family, bytes, text, INET6_ADDRSTRLEN) != NULL;
}

bool
outgoing_is_outgoing(const struct outgoing_conf *oc,
                     const struct outgoing_origin *o, struct buf *why)
{
	unsigned char bytes[16];
	char text[INET6_ADDRSTRLEN];
	int family;
	bool known;

	if (o->auth_authen != NULL && o->auth_authen[0] != '\0') {
		buf_printf(why, "client authenticated as %.100s",
		           o->auth_authen);
		return true;
	}
	if (o->daemon_name != NULL)
		for (size_t i = 0; i < oc->daemons.n; i++)
			if (strcasecmp(o->daemon_name, oc->daemons.v[i]) == 0) {
				buf_printf(why, "daemon %s", oc->daemons.v[i]);
				return true;
			}
	known = outgoing_addr_bytes(o->addr, &family, bytes, text);
	for (size_t i = 0; known && i < oc->nnets; i++)
		if (outgoing_net_has(&oc->nets[i], family, bytes)) {
			buf_printf(why, "client %s in %s", text,
			           oc->nets[i].text);
			return true;
		}
	buf_printf(why, "client %s not authenticated, not internal",
	           known ? text : "(unknown address)");
	return false;
}

/* ---- reading headers ---- */

const char *
outgoing_header(const struct outgoing_msg *m, const char *name)
{
	for (size_t i = 0; i < m->names->n; i++)
		if (strcasecmp(m->names->v[i], name) == 0)
			return m->values->v[i];
	return NULL;
}

static bool
outgoing_is_internal(const char *name)
{
	return strncasecmp(name, OUTGOING_INTERNAL,
	                   strlen(OUTGOING_INTERNAL)) == 0 &&
	       strcasecmp(name, OUTGOING_ID_HEADER) != 0;
}

bool
outgoing_has_internal(const struct outgoing_msg *m)
{
	for (size_t i = 0; i < m->names->n; i++)
		if (outgoing_is_internal(m->names->v[i]))
			return true;
	return false;
}

/* V unfolded (CR and LF dropped) and trimmed, at most
 * OUTGOING_MAX_HEADER bytes, into OUT. */
static void
outgoing_unfold(const char *v, struct buf *out)
{
	size_t start = out->len, n = 0;

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	for (; *v != '\0' && n < OUTGOING_MAX_HEADER; v++, n++)
		if (*v != '\r' && *v != '\n')
			buf_putc(out, *v);
	while (out->len > start && (out->data[out->len - 1] == ' ' ||
	                            out->data[out->len - 1] == '\t'))
		out->data[--out->len] = '\0';
	buf_append(out, "", 0);
}

static int
outgoing_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
outgoing_b64(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode the encoded text S[0..LEN) of encoding ENC ('Q' or 'B') into OUT.
 * 0, or -1 when it is malformed. */
static int
outgoing_word_bytes(char enc, const char *s, size_t len, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		if (enc == 'Q') {
			int hi, lo;

			if (s[i] == '_') {
				buf_putc(out, ' ');
			} else if (s[i] != '=') {
				buf_putc(out, s[i]);
			} else if (i + 2 < len &&
			           (hi = outgoing_hex(s[i + 1])) >= 0 &&
			           (lo = outgoing_hex(s[i + 2])) >= 0) {
				buf_putc(out, (char)(hi << 4 | lo));
				i += 2;
			} else {
				return -1;
			}
			continue;
		}
		if (s[i] == '=')
			break;
		if (outgoing_b64(s[i]) < 0)
			return -1;
		acc = (acc << 6 | (unsigned)outgoing_b64(s[i])) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)(acc >> bits & 0xff));
		}
	}
	return 0;
}

/* Convert IN from CHARSET to UTF-8 into OUT. 0, or -1 when iconv does not
 * know the charset or the bytes are not in it. */
static int
outgoing_iconv(const char *charset, const struct buf *in, struct buf *out)
{
	iconv_t cd;
	char chunk[256];
	char *src = in->data;
	size_t left = in->len;
	int rc = 0;

	if (strcasecmp(charset, "utf-8") == 0 ||
	    strcasecmp(charset, "us-ascii") == 0 ||
	    strcasecmp(charset, "utf8") == 0) {
		buf_append(out, in->data, in->len);
		return 0;
	}
	if ((cd = iconv_open("UTF-8", charset)) == (iconv_t)-1)
		return -1;
	while (left > 0 && rc == 0) {
		char *dst = chunk;
		size_t room = sizeof(chunk);

		if (iconv(cd, &src, &left, &dst, &room) == (size_t)-1 &&
		    errno != E2BIG)
			rc = -1;
		buf_append(out, chunk, sizeof(chunk) - room);
	}
	iconv_close(cd);
	return rc;
}

/*
 * An encoded word "=?CHARSET[*LANG]?E?TEXT?=" at S: its decoded UTF-8
 * appended to OUT and its length returned, or 0 when S does not start one
 * that can be decoded (OUT unchanged).
 */
static size_t
outgoing_encoded_word(const char *s, struct buf *out)
{
	struct buf raw = BUF_INIT, utf8 = BUF_INIT;
	char charset[64];
	const char *q1, *q2, *end;
	size_t clen, used = 0;
	char enc;

	if (s[0] != '=' || s[1] != '?')
		return 0;
	q1 = strchr(s + 2, '?');
	if (q1 == NULL || q1[1] == '\0' || q1[2] != '?')
		return 0;
	enc = (char)(q1[1] == 'q' ? 'Q' : q1[1] == 'b' ? 'B' : q1[1]);
	q2 = q1 + 2;
	end = strstr(q2 + 1, "?=");
	clen = (size_t)(q1 - (s + 2));
	if ((enc != 'Q' && enc != 'B') || end == NULL || clen == 0 ||
	    clen >= sizeof(charset) || memchr(q2 + 1, ' ', (size_t)(end - q2)))
		return 0;
	memcpy(charset, s + 2, clen);
	charset[clen] = '\0';
	if (strchr(charset, '*') != NULL)
		*strchr(charset, '*') = '\0'; /* RFC 2231 language */
	if (outgoing_word_bytes(enc, q2 + 1, (size_t)(end - q2 - 1), &raw) ==
	        0 &&
	    !buf_failed(&raw) && outgoing_iconv(charset, &raw, &utf8) == 0 &&
	    !buf_failed(&utf8)) {
		buf_append(out, utf8.data, utf8.len);
		used = (size_t)(end + 2 - s);
	}
	buf_free(&raw);
	buf_free(&utf8);
	return used;
}

/* Append S[0..LEN) to OUT with invalid UTF-8 and control characters as
 * '?' (a tab as a space). */
static void
outgoing_sanitise(const char *s, size_t len, struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (c == '\t') {
			buf_putc(out, ' ');
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			buf_putc(out, '?');
			i++;
		} else if (n == 1) {
			buf_putc(out, (char)c);
			i++;
		} else if (i + n <= len && text_utf8_valid(s + i, n)) {
			buf_append(out, s + i, n);
			i += n;
		} else {
			buf_putc(out, '?');
			i++;
		}
	}
	buf_append(out, "", 0);
}

void
outgoing_decode(const char *v, struct buf *out)
{
	struct buf flat = BUF_INIT, raw = BUF_INIT, word = BUF_INIT;
	const char *p;
	size_t blanks = 0;
	bool after_word = false;

	outgoing_unfold(v, &flat);
	for (p = buf_cstr(&flat); *p != '\0';) {
		size_t used;

		if (*p == ' ' || *p == '\t') {
			blanks++;
			p++;
			continue;
		}
		buf_reset(&word);
		used = outgoing_encoded_word(p, &word);
		/* blanks between two encoded words are dropped */
		if (used == 0 || !after_word)
			for (; blanks > 0; blanks--)
				buf_putc(&raw, ' ');
		blanks = 0;
		if (used > 0) {
			buf_append(&raw, word.data, word.len);
			p += used;
		} else {
			buf_putc(&raw, *p++);
		}
		after_word = used > 0;
	}
	outgoing_sanitise(raw.data ? raw.data : "", raw.len, out);
	buf_free(&flat);
	buf_free(&raw);
	buf_free(&word);
}

/* ---- writing header values ---- */

/* True when the word S[0..LEN) must be encoded: a byte that is not
 * printable ASCII, or something a reader would take for an encoded word. */
static bool
outgoing_needs_encoding(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e)
			return true;
		if (i + 1 < len && ((c == '=' && s[i + 1] == '?') ||
		                    (c == '?' && s[i + 1] == '=')))
			return true;
	}
	return false;
}

/* Q-encoded form of the byte C: itself for letters, digits and "!*+-/"
 * (safe in any header, RFC 2047 5(3)), "_" for a space, else =XX. */
static void
outgoing_q_byte(unsigned char c, struct buf *out)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("!*+-/", c) != NULL)
		buf_putc(out, (char)c);
	else if (c == ' ')
		buf_putc(out, '_');
	else
		buf_printf(out, "=%02X", c);
}

/* Append S[0..LEN) as encoded words, each at most OUTGOING_WORD_MAX
 * bytes, split between characters, separated by spaces. */
static void
outgoing_q_words(const char *s, size_t len, struct buf *out)
{
	static const char open[] = "=?UTF-8?Q?";
	size_t room = OUTGOING_WORD_MAX - (sizeof(open) - 1) - 2, used = 0;
	struct buf ch = BUF_INIT;

	buf_puts(out, open);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (i + n > len)
			n = len - i;
		buf_reset(&ch);
		for (size_t k = 0; k < n; k++)
			outgoing_q_byte((unsigned char)s[i + k], &ch);
		if (used + ch.len > room && used > 0) {
			buf_puts(out, "?= ");
			buf_puts(out, open);
			used = 0;
		}
		buf_append(out, ch.data, ch.len);
		used += ch.len;
		i += n;
	}
	buf_puts(out, "?=");
	buf_free(&ch);
}

void
outgoing_header_text(const char *text, bool after_encoded, struct buf *out)
{
	const char *p = text, *end = text + strlen(text);
	bool prev_encoded = after_encoded;

	while (p < end) {
		const char *w = p, *run_end;
		size_t lead = 0;

		while (w < end && *w == ' ')
			w++;
		lead = (size_t)(w - p);
		if (w == end) {
			buf_append(out, p, lead);
			break;
		}
		run_end = w + strcspn(w, " ");
		if (!outgoing_needs_encoding(w, (size_t)(run_end - w))) {
			buf_append(out, p, (size_t)(run_end - p));
			prev_encoded = false;
			p = run_end;
			continue;
		}
		/* A run of words to encode, with the blanks between them. */
		for (;;) {
			const char *n = run_end, *n_end;

			while (n < end && *n == ' ')
				n++;
			n_end = n + strcspn(n, " ");
			if (n == end ||
			    !outgoing_needs_encoding(n, (size_t)(n_end - n)))
				break;
			run_end = n_end;
		}
		if (prev_encoded && lead > 0) {
			/* keep the blanks: inside the word, after one space */
			buf_putc(out, ' ');
			outgoing_q_words(p, (size_t)(run_end - p), out);
		} else {
			buf_append(out, p, lead);
			outgoing_q_words(w, (size_t)(run_end - w), out);
		}
		prev_encoded = true;
		p = run_end;
	}
	buf_append(out, "", 0);
}

void
outgoing_fold(const char *name, const char *v, struct buf *out)
{
	size_t col = strlen(name) + 2; /* "Name: " */

	for (const char *p = v; *p != '\0';) {
		size_t word = 1 + strcspn(p + 1, " \t\n");

		if (*p == '\n') {
			buf_putc(out, '\n');
			col = 0;
			p++;
			continue;
		}
		if ((*p == ' ' || *p == '\t') && col > 1 &&
		    col + word > OUTGOING_LINE_MAX) {
			buf_putc(out, '\n');
			col = 0;
		}
		buf_append(out, p, word);
		col += word;
		p += word;
	}
	buf_append(out, "", 0);
}

/* ---- addresses ---- */

/*
 * The first address of the header value V: its span [*START, *END) in V
 * (without angle brackets). Returns how many addresses V holds (0, 1, or
 * 2 for "more than one"). Quoted strings and comments are skipped.
 */
static int
outgoing_addr_span(const char *v, size_t *start, size_t *end)
{
	int count = 0, depth = 0;
	bool quoted = false, content = false, found = false;
	const char *token = NULL;

	for (const char *p = v;; p++) {
		char c = *p;

		if (quoted) {
			if (c == '\\' && p[1] != '\0')
				p++;
			else if (c == '"')
				quoted = false;
			else if (c == '\0')
				break;
			continue;
		}
		if (depth > 0) {
			if (c == '\\' && p[1] != '\0')
				p++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			else if (c == '\0')
				break;
			continue;
		}
		if (c == ',' || c == '\0') {
			if (content)
				count++;
			content = false;
			token = NULL;
			if (c == '\0')
				break;
			continue;
		}
		if (c == '"') {
			quoted = content = true;
		} else if (c == '(') {
			depth = 1;
		} else if (c == '<' && !found) {
			const char *gt = strchr(p, '>');

			content = true;
			if (gt != NULL && count == 0) {
				*start = (size_t)(p + 1 - v);
				*end = (size_t)(gt - v);
				found = true;
				p = gt;
			}
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			token = NULL;
		} else {
			content = true;
			if (token == NULL)
				token = p;
			if (c == '@' && !found && count == 0) {
				size_t len = strcspn(token, " \t\r\n(,<");

				*start = (size_t)(token - v);
				*end = *start + len;
				found = true;
			}
		}
	}
	if (!found)
		return 0;
	return count > 1 ? 2 : 1;
}

/* The first address of V into OUT (reset). 0, or -1 when there is none. */
static int
outgoing_addr(const char *v, struct buf *out)
{
	size_t start, end;

	buf_reset(out);
	if (v == NULL || outgoing_addr_span(v, &start, &end) == 0 ||
	    end <= start || end - start > INVOICE_MAX_ADDRESS)
		return -1;
	buf_append(out, v + start, end - start);
	return buf_failed(out) ? -1 : 0;
}

static bool
outgoing_list_has(const struct strlist *l, const char *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], addr) == 0)
			return true;
	return false;
}

/* ---- recognising a reminder ---- */

/* Unfold and trim V into OUT; false when it is empty, longer than MAX, or
 * holds control characters or invalid UTF-8. */
static bool
outgoing_one_line(const char *v, size_t max, struct buf *out)
{
	outgoing_unfold(v, out);
	return out->len > 0 && out->len <= max && !buf_failed(out) &&
	       !text_has_ctl(out->data) && text_utf8_valid(out->data, out->len);
}

/* A step name: [a-z0-9-], lower-cased in place. */
static bool
outgoing_step_valid(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	}
	return true;
}

/* The comma-separated invoice numbers of S (trimmed, each 1 to
 * INVOICE_MAX_ID bytes, at most OUTGOING_MAX_INVOICES) into R. 0, or -1. */
static int
outgoing_split_numbers(const char *s, struct outgoing_reminder *r)
{
	r->ninvoices = 0;
	for (;;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		while (len > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0 || len > INVOICE_MAX_ID ||
		    r->ninvoices == OUTGOING_MAX_INVOICES)
			return -1;
		memcpy(r->invoices[r->ninvoices], s, len);
		r->invoices[r->ninvoices++][len] = '\0';
		if (end == NULL)
			break;
		s = end + 1;
	}
	memcpy(r->invoice, r->invoices[0], strlen(r->invoices[0]) + 1);
	return 0;
}

static enum outgoing_kind
outgoing_by_header(const struct outgoing_msg *m, const char *number,
                   struct outgoing_reminder *r, struct buf *why)
{
	const char *step = outgoing_header(m, "X-Relance-Step");
	struct buf v = BUF_INIT;
	enum outgoing_kind kind = OUTGOING_BAD;

	if (!outgoing_one_line(
	        number, OUTGOING_MAX_INVOICES * (INVOICE_MAX_ID + 2), &v) ||
	    outgoing_split_numbers(v.data, r) < 0) {
		buf_puts(why, "X-Relance-Invoice is not an invoice number "
		              "(expected one line of at most 64 bytes, or a "
		              "list of at most 50 separated by commas)");
		goto out;
	}
	buf_reset(&v);
	if (step != NULL && (!outgoing_one_line(step, OUTGOING_MAX_STEP, &v) ||
	                     !outgoing_step_valid(v.data))) {
		buf_puts(why, "X-Relance-Step is not a step name (expected "
		              "letters, digits and '-', e.g. reminder-1)");
		goto out;
	}
	if (step != NULL)
		memcpy(r->step, v.data, v.len + 1);
	r->how = "X-Relance-Invoice";
	kind = OUTGOING_REMINDER;
out:
	buf_free(&v);
	return kind;
}

/* True when the envelope sender or the From address of M is one of the
 * ReminderSenders. */
static bool
outgoing_from_reminder_sender(const struct outgoing_conf *oc,
                              const struct outgoing_msg *m)
{
	struct buf from = BUF_INIT;
	bool yes = false;

	if (m->envfrom != NULL &&
	    outgoing_list_has(&oc->reminder_senders, m->envfrom))
		yes = true;
	else if (outgoing_addr(outgoing_header(m, "From"), &from) == 0)
		yes = outgoing_list_has(&oc->reminder_senders, from.data);
	buf_free(&from);
	return yes;
}

static enum outgoing_kind
outgoing_by_rule(const struct outgoing_conf *oc, const struct outgoing_msg *m,
                 struct outgoing_reminder *r, struct buf *why)
{
	const char *subject = outgoing_header(m, "Subject");
	struct buf text = BUF_INIT;
	pcre2_match_data *md = NULL;
	pcre2_match_context *mc = NULL;
	enum outgoing_kind kind = OUTGOING_ORDINARY;
	PCRE2_SIZE *ov;
	size_t len;
	int rc;

	if (oc->reminder_subject == NULL || subject == NULL ||
	    !outgoing_from_reminder_sender(oc, m))
		return OUTGOING_ORDINARY;
	outgoing_decode(subject, &text);
	md = pcre2_match_data_create_from_pattern(oc->reminder_subject->code,
	                                          NULL);
	mc = pcre2_match_context_create(NULL);
	if (md == NULL || mc == NULL || buf_failed(&text))
		goto out;
	pcre2_set_match_limit(mc, POLICY_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, POLICY_DEPTH_LIMIT);
	rc = pcre2_match(oc->reminder_subject->code,
	                 (PCRE2_SPTR)buf_cstr(&text), text.len, 0, 0, md, mc);
	if (rc < 2)
		goto out;
	ov = pcre2_get_ovector_pointer(md);
	len = ov[3] - ov[2];
	if (ov[2] == PCRE2_UNSET || len == 0 || len > INVOICE_MAX_ID) {
		buf_puts(why, "the Subject matches ReminderSubject but its "
		              "capture group is not an invoice number");
		kind = OUTGOING_BAD;
		goto out;
	}
	memcpy(r->invoice, text.data + ov[2], len);
	r->invoice[len] = '\0';
	memcpy(r->invoices[0], r->invoice, len + 1);
	r->ninvoices = 1;
	r->step[0] = '\0';
	r->how = "ReminderSubject";
	kind = OUTGOING_REMINDER;
out:
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	buf_free(&text);
	return kind;
}

enum outgoing_kind
outgoing_recognise(const struct outgoing_conf *oc, const struct outgoing_msg *m,
                   struct outgoing_reminder *r, struct buf *why)
{
	const char *number = outgoing_header(m, "X-Relance-Invoice");

	memset(r, 0, sizeof(*r));
	if (number != NULL)
		return outgoing_by_header(m, number, r, why);
	return outgoing_by_rule(oc, m, r, why);
}

/* ---- tracking IDs and Message-IDs ---- */

size_t
outgoing_subject_ids(const struct outgoing_msg *m, struct strlist *out)
{
	const char *subject = outgoing_header(m, "Subject");
	struct buf text = BUF_INIT;
	size_t n = 0;

	if (subject != NULL) {
		outgoing_decode(subject, &text);
		if (!buf_failed(&text))
			n = track_find(buf_cstr(&text), out);
	}
	buf_free(&text);
	return n;
}

int
outgoing_pick_id(const struct invoice *inv, const struct outgoing_msg *m,
                 char out[TRACK_ID_SIZE])
{
	struct strlist ids = STRLIST_INIT;
	const char *hdr = outgoing_header(m, OUTGOING_ID_HEADER);
	struct buf v = BUF_INIT;
	char id[TRACK_ID_SIZE];
	int found = 0;

	outgoing_subject_ids(m, &ids);
	if (hdr != NULL && outgoing_one_line(hdr, 32, &v) &&
	    track_parse(v.data, v.len, id) == 0)
		strlist_add(&ids, id);
	for (size_t i = 0; !found && i < ids.n; i++)
		if (strlist_find(&inv->tracking_ids, ids.v[i]) >= 0) {
			memcpy(out, ids.v[i], TRACK_ID_SIZE);
			found = 1;
		}
	if (!found && inv->tracking_ids.n > 0 &&
	    strlen(inv->tracking_ids.v[0]) == TRACK_ID_SIZE - 1) {
		memcpy(out, inv->tracking_ids.v[0], TRACK_ID_SIZE);
		found = 1;
	}
	strlist_clear(&ids);
	buf_free(&v);
	return found;
}

static bool
outgoing_domain_valid(const char *d, size_t len)
{
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') ||
		      (d[i] >= 'A' && d[i] <= 'Z') ||
		      (d[i] >= '0' && d[i] <= '9') || d[i] == '-' ||
		      d[i] == '.'))
			return false;
	return true;
}

const char *
outgoing_sender_domain(const struct outgoing_conf *oc,
                       const struct outgoing_msg *m, size_t *len)
{
	const char *from = outgoing_header(m, "From"), *at;
	size_t start, end;

	if (from != NULL && outgoing_addr_span(from, &start, &end) > 0 &&
	    (at = memchr(from + start, '@', end - start)) != NULL &&
	    outgoing_domain_valid(at + 1, (size_t)(from + end - at - 1))) {
		*len = (size_t)(from + end - at - 1);
		return at + 1;
	}
	if (m->envfrom != NULL && (at = strrchr(m->envfrom, '@')) != NULL &&
	    outgoing_domain_valid(at + 1, strlen(at + 1))) {
		*len = strlen(at + 1);
		return at + 1;
	}
	if (oc->mailboxes.n > 0 &&
	    (at = strrchr(oc->mailboxes.v[0], '@')) != NULL) {
		*len = strlen(at + 1);
		return at + 1;
	}
	*len = strlen("localhost");
	return "localhost";
}

void
outgoing_message_id(const struct outgoing_conf *oc,
                    const struct outgoing_msg *m, const char *id, int64_t now,
                    uint32_t random, struct buf *out)
{
	time_t t = (time_t)now;
	struct tm tm;
	size_t dlen;
	const char *domain = outgoing_sender_domain(oc, m, &dlen);

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	buf_printf(out, "<%s.%04d%02d%02dT%02d%02d%02dZ.%08x@%.*s>", id,
	           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	           tm.tm_min, tm.tm_sec, random, (int)dlen, domain);
}

int
outgoing_message_id_of(const struct outgoing_msg *m, struct buf *out)
{
	const char *v = outgoing_header(m, "Message-ID"), *lt, *gt;
	struct buf flat = BUF_INIT;
	int rc = -1;

	buf_reset(out);
	if (v == NULL)
		return -1;
	outgoing_unfold(v, &flat);
	lt = strchr(buf_cstr(&flat), '<');
	gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (gt != NULL && gt - lt > 2 &&
	    (size_t)(gt - lt) < OUTGOING_MAX_MSGID &&
	    memchr(lt + 1, '@', (size_t)(gt - lt - 1)) != NULL) {
		size_t n = (size_t)(gt - lt + 1);

		rc = 0;
		for (size_t i = 1; i + 1 < n; i++)
			if (lt[i] <= ' ' || lt[i] >= 0x7f || lt[i] == '<')
				rc = -1;
		if (rc == 0)
			buf_append(out, lt, n);
	}
	buf_free(&flat);
	return rc == 0 && !buf_failed(out) ? 0 : -1;
}

/* ---- header changes ---- */

static int
outgoing_plan_add(struct outgoing_plan *p, enum outgoing_op op,
                  const char *name, int index, const char *value)
{
	struct outgoing_change *v, *c;

	v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	p->v = v;
	c = &p->v[p->n];
	c->op = op;
	c->index = index;
	c->name = strdup(name);
	c->value = value != NULL ? strdup(value) : NULL;
	if (c->name == NULL || (value != NULL && c->value == NULL)) {
		free(c->name);
		free(c->value);
		return -1;
	}
	p->n++;
	return 0;
}

void
outgoing_plan_free(struct outgoing_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* How many fields of M are named like the I-th (any case), and which of
 * them the I-th is (from 1). */
static int
outgoing_occurrence(const struct outgoing_msg *m, size_t i, int *count)
{
	int index = 0;

	*count = 0;
	for (size_t k = 0; k < m->names->n; k++) {
		if (strcasecmp(m->names->v[k], m->names->v[i]) != 0)
			continue;
		(*count)++;
		if (k == i)
			index = *count;
	}
	return index;
}

int
outgoing_plan_strip(const struct outgoing_msg *m, struct outgoing_plan *p)
{
	/* For each internal name, at its first field: every occurrence,
	 * last first. */
	for (size_t i = 0; i < m->names->n; i++) {
		int count;

		if (!outgoing_is_internal(m->names->v[i]) ||
		    outgoing_occurrence(m, i, &count) != 1)
			continue;
		for (int k = count; k >= 1; k--)
			if (outgoing_plan_add(p, OUTGOING_DELETE,
			                      m->names->v[i], k, NULL) < 0)
				goto nomem;
	}
	return 0;
nomem:
	outgoing_plan_free(p);
	return -1;
}

/* The spelling M uses for the field NAME, or NAME. */
static const char *
outgoing_spelling(const struct outgoing_msg *m, const char *name)
{
	for (size_t i = 0; i < m->names->n; i++)
		if (strcasecmp(m->names->v[i], name) == 0)
			return m->names->v[i];
	return name;
}

/* True when S holds a control character other than a tab: a Subject we
 * would not write. */
static bool
outgoing_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* True when the unfolded value V ends with an encoded word. */
static bool
outgoing_ends_encoded(const char *v, size_t len)
{
	const char *last;

	if (len < 4 || memcmp(v + len - 2, "?=", 2) != 0)
		return false;
	for (last = v + len; last > v && last[-1] != ' ' && last[-1] != '\t';)
		last--;
	return last[0] == '=' && last[1] == '?';
}

static int
outgoing_plan_subject(const struct outgoing_conf *oc,
                      const struct outgoing_msg *m, const char *id,
                      struct outgoing_plan *p)
{
	const char *subject = outgoing_header(m, "Subject");
	struct strlist ids = STRLIST_INIT;
	struct buf tag = BUF_INIT, v = BUF_INIT, folded = BUF_INIT;
	int rc = 0;

	outgoing_subject_ids(m, &ids);
	if (strlist_find(&ids, id) >= 0)
		goto out;
	if (subject == NULL) {
		track_subject_tag(oc->subject_tag, id, &tag);
		outgoing_header_text(buf_cstr(&tag), false, &v);
		outgoing_fold("Subject", buf_cstr(&v), &folded);
		rc = buf_failed(&folded)
		         ? -1
		         : outgoing_plan_add(p, OUTGOING_ADD, "Subject", 0,
		                             folded.data);
		goto out;
	}
	outgoing_unfold(subject, &v);
	if (buf_failed(&v) || v.len > OUTGOING_MAX_SUBJECT ||
	    outgoing_has_ctl(buf_cstr(&v)))
		goto out; /* left alone: the tag is also in the headers */
	buf_putc(&tag, ' ');
	track_subject_tag(oc->subject_tag, id, &tag);
	outgoing_header_text(buf_cstr(&tag),
	                     outgoing_ends_encoded(v.data, v.len), &v);
	outgoing_fold("Subject", buf_cstr(&v), &folded);
	rc = buf_failed(&folded) || buf_failed(&tag)
	         ? -1
	         : outgoing_plan_add(p, OUTGOING_CHANGE,
	                             outgoing_spelling(m, "Subject"), 1,
	                             folded.data);
out:
	strlist_clear(&ids);
	buf_free(&tag);
	buf_free(&v);
	buf_free(&folded);
	return rc;
}

/* The mailbox whose plus-address goes in Reply-To: the From address if it
 * is a mailbox, else the first mailbox. */
static const char *
outgoing_reply_mailbox(const struct outgoing_conf *oc,
                       const struct outgoing_msg *m)
{
	struct buf from = BUF_INIT;
	const char *box = oc->mailboxes.v[0];

	if (outgoing_addr(outgoing_header(m, "From"), &from) == 0)
		for (size_t i = 0; i < oc->mailboxes.n; i++)
			if (strcasecmp(oc->mailboxes.v[i], from.data) == 0)
				box = oc->mailboxes.v[i];
	buf_free(&from);
	return box;
}

static int
outgoing_plan_reply_to(const struct outgoing_conf *oc,
                       const struct outgoing_msg *m, const char *id,
                       struct outgoing_plan *p)
{
	const char *reply = outgoing_header(m, "Reply-To"), *box = NULL;
	struct buf plus = BUF_INIT, v = BUF_INIT, flat = BUF_INIT;
	size_t start, end;
	int rc = 0;

	if (!oc->plus_addressing || oc->mailboxes.n == 0)
		return 0;
	if (reply == NULL) {
		track_plus_address(outgoing_reply_mailbox(oc, m), id, &plus);
		rc = buf_failed(&plus)
		         ? -1
		         : outgoing_plan_add(p, OUTGOING_ADD, "Reply-To", 0,
		                             plus.data);
		goto out;
	}
	outgoing_unfold(reply, &flat);
	if (buf_failed(&flat) || outgoing_has_ctl(flat.data) ||
	    outgoing_addr_span(flat.data, &start, &end) != 1)
		goto out; /* none, several (someone chose them), or broken */
	for (size_t i = 0; i < oc->mailboxes.n; i++)
		if (strlen(oc->mailboxes.v[i]) == end - start &&
		    strncasecmp(oc->mailboxes.v[i], flat.data + start,
		                end - start) == 0)
			box = oc->mailboxes.v[i];
	if (box == NULL)
		goto out; /* another address, or already a plus-address */
	buf_append(&v, flat.data, start);
	track_plus_address(box, id, &v);
	buf_puts(&v, flat.data + end);
	buf_reset(&plus);
	outgoing_fold("Reply-To", buf_cstr(&v), &plus);
	rc = buf_failed(&plus)
	         ? -1
	         : outgoing_plan_add(p, OUTGOING_CHANGE,
	                             outgoing_spelling(m, "Reply-To"), 1,
	                             plus.data);
out:
	buf_free(&plus);
	buf_free(&v);
	buf_free(&flat);
	return rc;
}

static int
outgoing_plan_id(const struct outgoing_msg *m, const char *id,
                 struct outgoing_plan *p)
{
	const char *name = outgoing_spelling(m, OUTGOING_ID_HEADER);
	struct buf v = BUF_INIT;
	int count = 0, first = -1;

	for (size_t i = 0; i < m->names->n; i++)
		if (strcasecmp(m->names->v[i], OUTGOING_ID_HEADER) == 0 &&
		    count++ == 0)
			first = (int)i;
	for (int k = count; k >= 2; k--)
		if (outgoing_plan_add(p, OUTGOING_DELETE, name, k, NULL) < 0)
			return -1;
	if (first < 0)
		return outgoing_plan_add(p, OUTGOING_ADD, OUTGOING_ID_HEADER, 0,
		                         id);
	outgoing_unfold(m->values->v[first], &v);
	count = strcmp(buf_cstr(&v), id) == 0
	            ? 0
	            : outgoing_plan_add(p, OUTGOING_CHANGE, name, 1, id);
	buf_free(&v);
	return count;
}

int
outgoing_plan_reminder(const struct outgoing_conf *oc,
                       const struct outgoing_msg *m,
                       const struct outgoing_tagging *t,
                       struct outgoing_plan *p)
{
	struct buf mid = BUF_INIT, v = BUF_INIT;
	int rc = -1;

	if (outgoing_plan_strip(m, p) < 0 ||
	    outgoing_plan_id(m, t->id, p) < 0 ||
	    outgoing_plan_subject(oc, m, t->id, p) < 0 ||
	    outgoing_plan_reply_to(oc, m, t->id, p) < 0)
		goto out;
	if (outgoing_message_id_of(m, &mid) < 0 && t->message_id != NULL &&
	    outgoing_plan_add(p,
	                      outgoing_header(m, "Message-ID") != NULL
	                          ? OUTGOING_CHANGE
	                          : OUTGOING_ADD,
	                      outgoing_spelling(m, "Message-ID"),
	                      outgoing_header(m, "Message-ID") != NULL ? 1 : 0,
	                      t->message_id) < 0)
		goto out;
	/* A Guard warn is flagged in the log and the history, never in a
	 * header: the customer would read it. */
	rc = 0;
out:
	if (rc < 0)
		outgoing_plan_free(p);
	buf_free(&mid);
	buf_free(&v);
	return rc;
}

/* ---- the guard ---- */

/* True when an event of KIND can have brought an invoice to STATE. */
static bool
outgoing_event_explains(const char *kind, enum invoice_state state)
{
	static const char *const bookkeeping[] = {
	    "reminder-sent", "reminder-held", "contact", "updated",
	    "payment",       "imported",      NULL};

	switch (state) {
	case INVOICE_PAID:
		return strcmp(kind, "paid") == 0;
	case INVOICE_DISPUTED:
		return strcmp(kind, "disputed") == 0;
	case INVOICE_CLOSED:
		if (strcmp(kind, "cancelled") == 0 ||
		    strcmp(kind, "closed") == 0)
			return true;
		break;
	default:
		break;
	}
	if (state == INVOICE_PAID || state == INVOICE_DISPUTED)
		return false;
	for (size_t i = 0; bookkeeping[i] != NULL; i++)
		if (strcmp(kind, bookkeeping[i]) == 0)
			return false;
	return true;
}

bool
outgoing_guard(const struct invoice *inv, const char *step, struct date today,
               outgoing_day_fn day_of, enum invoice_state *state,
               struct buf *sentence)
{
	enum invoice_state s = invoice_effective_state(inv, today);
	const struct invoice_event *ev = NULL;
	const char *note;
	char day[11];

	*state = s;
	if (s == INVOICE_OPEN ||
	    (s == INVOICE_PAID && strcmp(step, "thanks") == 0))
		return false;
	for (size_t i = inv->nevents; ev == NULL && i > 0; i--)
		if (outgoing_event_explains(inv->events[i - 1].kind, s))
			ev = &inv->events[i - 1];
	if (ev == NULL) {
		buf_printf(sentence, "invoice %s is %s", inv->number,
		           invoice_state_name(s));
		return true;
	}
	/* the archive's note (file name and hash) is for the evidence, not
	 * for the sentence a colleague reads */
	note = strstr(ev->detail, "; archived as ");
	date_format(day_of(ev->time), day);
	buf_printf(sentence, "invoice %s was marked %s on %s: %.*s",
	           inv->number, invoice_state_name(s), day,
	           note ? (int)(note - ev->detail) : (int)strlen(ev->detail),
	           ev->detail);
	return true;
}

/* The ASCII spelling of the Latin-1 supplement letter or sign C (U+00A0
 * to U+00FF), or NULL. */
static const char *
outgoing_latin1_ascii(unsigned c)
{
	static const char *const table[96] = {
	    " ",  "!", "c", "L",   "?",  "Y",  "|",   "S",   "\"",  "(c)", "a",
	    "\"", "-", "-", "(R)", "-",  "o",  "+-",  "2",   "3",   "'",   "u",
	    "P",  ".", ",", "1",   "o",  "\"", "1/4", "1/2", "3/4", "?",   "A",
	    "A",  "A", "A", "A",   "A",  "AE", "C",   "E",   "E",   "E",   "E",
	    "I",  "I", "I", "I",   "D",  "N",  "O",   "O",   "O",   "O",   "O",
	    "x",  "O", "U", "U",   "U",  "U",  "Y",   "TH",  "ss",  "a",   "a",
	    "a",  "a", "a", "a",   "ae", "c",  "e",   "e",   "e",   "e",   "i",
	    "i",  "i", "i", "d",   "n",  "o",  "o",   "o",   "o",   "o",   "/",
	    "o",  "u", "u", "u",   "u",  "y",  "th",  "y",
	};

	return c >= 0xa0 && c <= 0xff ? table[c - 0xa0] : NULL;
}

/* The ASCII spelling of the code point C, or "?". */
static const char *
outgoing_ascii(unsigned c)
{
	const char *s = outgoing_latin1_ascii(c);

	if (s != NULL)
		return s;
	switch (c) {
	case 0x152:
		return "OE";
	case 0x153:
		return "oe";
	case 0x2018:
	case 0x2019:
		return "'";
	case 0x201c:
	case 0x201d:
		return "\"";
	case 0x2013:
	case 0x2014:
		return "-";
	case 0x2026:
		return "...";
	case 0x20ac:
		return "EUR";
	default:
		return "?";
	}
}

/* The code point of the UTF-8 character at S (N bytes, valid). */
static unsigned
outgoing_code_point(const unsigned char *s, size_t n)
{
	unsigned c = n == 2 ? s[0] & 0x1f : n == 3 ? s[0] & 0x0f : s[0] & 0x07;

	for (size_t i = 1; i < n; i++)
		c = c << 6 | (s[i] & 0x3f);
	return c;
}

void
outgoing_smtp_text(const char *s, struct buf *out)
{
	struct buf ascii = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, kept = 0;

	while (i < len) {
		size_t n = p[i] < 0x80    ? 1
		           : p[i] >= 0xf0 ? 4
		           : p[i] >= 0xe0 ? 3
		                          : 2;

		if (n == 1) {
			buf_putc(&ascii, p[i] < 0x20 || p[i] == 0x7f
			                     ? ' '
			                     : (char)p[i]);
		} else if (i + n <= len && text_utf8_valid(s + i, n)) {
			buf_puts(&ascii,
			         outgoing_ascii(outgoing_code_point(p + i, n)));
		} else {
			buf_putc(&ascii, '?');
			n = 1;
		}
		i += n;
	}
	for (i = 0; i < ascii.len; i++)
		kept += ascii.data[i] == '%' ? 2 : 1;
	/* everything, or what fits before "..." */
	len =
	    kept <= OUTGOING_MAX_SMTP_TEXT ? kept : OUTGOING_MAX_SMTP_TEXT - 3;
	for (i = 0, kept = 0; i < ascii.len; i++) {
		size_t need = ascii.data[i] == '%' ? 2 : 1;

		if (kept + need > len)
			break;
		buf_puts(out, ascii.data[i] == '%' ? "%%" : "");
		if (ascii.data[i] != '%')
			buf_putc(out, ascii.data[i]);
		kept += need;
	}
	if (i < ascii.len)
		buf_puts(out, "...");
	buf_free(&ascii);
}

void
outgoing_list_rcpts(const struct outgoing_msg *m, struct buf *out)
{
	size_t n = m->rcpts->n;

	for (size_t i = 0; i < n && i < OUTGOING_MAX_LISTED; i++)
		buf_printf(out, "%s%.254s", i ? ", " : "", m->rcpts->v[i]);
	if (n > OUTGOING_MAX_LISTED)
		buf_printf(out, " and %zu more", n - OUTGOING_MAX_LISTED);
}
