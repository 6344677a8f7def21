/*
 * mime.c -- one message, as bytes from outside, into typed, decoded fields.
 *
 * The MIME structure (header blocks, multipart boundaries, nesting) is
 * walked here, one bounded pass per level, and every limit of struct
 * mime_limits is checked before a part is read. iconv converts the rarer
 * charsets, libxml2's HTML parser reads HTML (SAX events, no tree).
 * Everything else, base64 included (libetpan's decoder grew its output a
 * byte at a time: two thirds of the run time), is done here, leniently,
 * because libetpan 1.9.4 cannot be trusted with hostile mail:
 *  - mailmime_parse recurses once per nesting level and rescans each level
 *    (4.5 s for 10,000 levels), and its boundary rules cannot be mirrored
 *    by a pre-scan exactly enough to cap what it will see;
 *  - its address parser recurses once per '(' of a comment: a 200 KB From
 *    header of '(' overflows an 8 MB stack (seen here);
 *  - its quoted-printable decoder turns "=ZZ" or "a = b" into garbage
 *    bytes; its encoded-word decoder drops the whole phrase on one bad
 *    byte and reads unknown charsets as Latin-1; it has no RFC 2231.
 *
 * Mail here is lenient: a header block ends at the first line that is not a
 * field; encoded words may be split mid-character, lack their "?=", use a
 * lower-case 'q' or 'b' or a wrong charset label; raw 8-bit headers are
 * UTF-8 if valid, else Windows-1252; so is text in an unknown charset.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>
#include <libxml/HTMLparser.h>

#include "mime.h"
#include "text.h"

#define MIME_ICONV_MAX    8   /* distinct iconv charsets per message */
#define MIME_CHARSET_MAX  40  /* longest charset name honoured */
#define MIME_TYPE_MAX     128 /* longest "type/subtype" honoured */
#define MIME_BOUNDARY_MAX 200 /* longest boundary honoured (RFC: 70) */
#define MIME_SECTIONS_MAX 64  /* RFC 2231 continuations honoured */

#define ENT_TOP    1u /* the message itself: its headers are ours */
#define ENT_DIGEST 2u /* a part of multipart/digest: message/rfc822 */

struct mime_iconv {
	char name[MIME_CHARSET_MAX + 1];
	iconv_t cd;
};

/* One call of mime_parse. */
struct mime_ctx {
	const struct mime_limits *lim;
	struct mime_message *m;
	unsigned nparts;       /* entities seen */
	unsigned ntext, nhtml; /* parts that went to text, html */
	bool no_text, no_html; /* an earlier alternative already did */
	bool saw_plain;        /* an inline text/plain part was seen */
	bool full;             /* max_parts reached: stop walking */
	bool nomem;
	struct mime_iconv ic[MIME_ICONV_MAX];
	size_t nic;
};

/* One header field: name and raw (folded) value, pointing into the input. */
struct hdr_field {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
};

/* Where a header block is being read; P is the body once it ends. */
struct hdr_scan {
	const char *p, *end;
	unsigned n;
};

/* One MIME entity being read. */
struct mime_part {
	struct buf ct, cd;           /* unfolded Content-Type, -Disposition */
	char type[MIME_TYPE_MAX];    /* effective type/subtype, lower case */
	size_t ct_params, cd_params; /* where their parameters start */
	char cte[24];                /* Content-Transfer-Encoding, lower */
	bool attachment;             /* Content-Disposition: attachment */
	const char *body;
	size_t blen;
};

static void entity(struct mime_ctx *c, const char *s, size_t n, unsigned depth,
                   unsigned flags);

/* ---------------------------------------------------------------------
 * Small helpers
 */

static void
ctx_limit(struct mime_ctx *c, const char *name)
{
	if (c->m->truncated)
		return;
	c->m->truncated = true;
	snprintf(c->m->limit, sizeof c->m->limit, "%s", name);
}

static char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool
is_wsp(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool
is_ctl(unsigned char ch)
{
	return ch < 0x20 || ch == 0x7f;
}

/* True when S is one of the NULL-terminated LIST. */
static bool
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* True when S[0..N) equals the C string LIT, ignoring ASCII case. */
static bool
eq_nocase(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || lower(s[i]) != lower(lit[i]))
			return false;
	return lit[n] == '\0';
}

/* B's bytes, never NULL (buf_cstr would give "" for a failed buffer whose
 * length is not 0). */
static const char *
bdata(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

/* The malloc'ed contents of B ("" when empty), or NULL on no memory. */
static char *
ctx_steal(struct mime_ctx *c, struct buf *b)
{
	char *s = buf_steal(b);

	if (s == NULL)
		c->nomem = true;
	return s;
}

/* Like ctx_steal, but NULL (no memory noted) when B is empty. */
static char *
ctx_steal_nonempty(struct mime_ctx *c, struct buf *b)
{
	if (b->len == 0 && !buf_failed(b)) {
		buf_free(b);
		return NULL;
	}
	return ctx_steal(c, b);
}

static char *
ctx_strdup(struct mime_ctx *c, const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		c->nomem = true;
	return p;
}

/* ARR grown, if need be, to hold N + 1 elements of SIZE bytes; NULL on no
 * memory (ARR is then untouched). Capacity is max(4, next power of 2). */
static void *
ctx_grow(struct mime_ctx *c, void *arr, size_t n, size_t size)
{
	size_t cap;
	void *p;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return arr;
	cap = n < 4 ? 4 : n * 2;
	if (cap > SIZE_MAX / size || (p = realloc(arr, cap * size)) == NULL) {
		c->nomem = true;
		return NULL;
	}
	return p;
}

/* Start of the line after the one at P. */
static const char *
line_next(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl + 1 : end;
}

/* ---------------------------------------------------------------------
 * UTF-8
 */

/* Length of the well-formed UTF-8 sequence at S (LEFT > 0 bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t left)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void
put_cp(struct buf *out, uint32_t cp)
{
	char b[4];

	if (cp < 0x80) {
		buf_putc(out, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(out, b, 2);
	} else {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(out, b, 3);
	}
}

/* Append S[0..N) to OUT, each byte of an ill-formed sequence as U+FFFD. */
static void
utf8_copy(const char *s, size_t n, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);

		if (k == 0) {
			buf_append(out, s + run, i - run);
			put_cp(out, 0xfffd);
			run = ++i;
		} else {
			i += k;
		}
	}
	buf_append(out, s + run, n - run);
}

static bool
has_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* ---------------------------------------------------------------------
 * Charsets
 */

enum mime_cs {
	CS_AUTO,   /* UTF-8 if valid, else Windows-1252 */
	CS_UTF8,   /* invalid bytes become U+FFFD */
	CS_LATIN1, /* ASCII, ISO-8859-1, Windows-1252: read as the latter */
	CS_LATIN9, /* ISO-8859-15 */
	CS_ICONV   /* a charset iconv is trusted with */
};

/* Charsets handed to iconv (hostile mail must not pick any of glibc's
 * converters): exact labels, and their iconv names. */
static const char *const cs_iconv_table[][2] = {
    {"koi8-r", "KOI8-R"},         {"koi8-u", "KOI8-U"},
    {"shift_jis", "SHIFT_JIS"},   {"shift-jis", "SHIFT_JIS"},
    {"sjis", "SHIFT_JIS"},        {"x-sjis", "SHIFT_JIS"},
    {"euc-jp", "EUC-JP"},         {"iso-2022-jp", "ISO-2022-JP"},
    {"gb2312", "GB2312"},         {"gbk", "GBK"},
    {"gb18030", "GB18030"},       {"big5", "BIG5"},
    {"big5-hkscs", "BIG5-HKSCS"}, {"euc-kr", "EUC-KR"},
    {"ks_c_5601-1987", "CP949"},  {"cp949", "CP949"},
    {"tis-620", "TIS-620"},       {"windows-874", "CP874"},
    {"cp866", "CP866"},           {"cp850", "CP850"},
    {"ibm850", "CP850"},          {"macintosh", "MACINTOSH"},
    {"x-mac-roman", "MACINTOSH"}, {"utf-7", "UTF-7"},
};

/* Normalise the label S[0..N) into NAME (lower case, no quotes or blanks);
 * false when it is not a plausible charset name. */
static bool
cs_norm(const char *s, size_t n, char name[MIME_CHARSET_MAX + 1])
{
	size_t i, j = 0;

	while (n > 0 && (is_wsp(*s) || *s == '"'))
		s++, n--;
	while (n > 0 && (is_wsp(s[n - 1]) || s[n - 1] == '"'))
		n--;
	if (n == 0 || n > MIME_CHARSET_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char ch = lower(s[i]);

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      strchr("-_.:+", ch) != NULL) ||
		    ch == '\0')
			return false;
		name[j++] = ch;
	}
	name[j] = '\0';
	return true;
}

/* What to do with the normalised label NAME; *ICONV_NAME for CS_ICONV. */
static enum mime_cs
cs_kind(const char *name, const char **iconv_name)
{
	static const char *const utf8[] = {"utf-8", "utf8", NULL};
	static const char *const latin1[] = {
	    "us-ascii",   "ascii",     "ansi_x3.4-1968",
	    "iso-8859-1", "iso8859-1", "iso_8859-1",
	    "latin1",     "l1",        "windows-1252",
	    "cp1252",     "x-cp1252",  "win-1252",
	    NULL};
	static const char *const latin9[] = {"iso-8859-15", "iso8859-15",
	                                     "iso_8859-15", "latin9",
	                                     "latin-9",     NULL};
	const char *d;

	if (in_list(name, utf8))
		return CS_UTF8;
	if (in_list(name, latin1))
		return CS_LATIN1;
	if (in_list(name, latin9))
		return CS_LATIN9;
	for (size_t i = 0; i < sizeof cs_iconv_table / sizeof *cs_iconv_table;
	     i++) {
		if (strcmp(name, cs_iconv_table[i][0]) == 0) {
			*iconv_name = cs_iconv_table[i][1];
			return CS_ICONV;
		}
	}
	/* iso-8859-N, windows-125N, cp125N */
	if (strncmp(name, "iso-8859-", 9) == 0)
		d = name + 9;
	else if (strncmp(name, "windows-125", 11) == 0)
		d = name + 11;
	else if (strncmp(name, "cp125", 5) == 0)
		d = name + 5;
	else
		return CS_AUTO;
	if (d[0] < '0' || d[0] > '9' || strspn(d, "0123456789") != strlen(d) ||
	    strlen(d) > 2)
		return CS_AUTO;
	*iconv_name = name;
	return CS_ICONV;
}

/* An iconv descriptor from NAME to UTF-8, opened at most once per message
 * and at most MIME_ICONV_MAX of them (iconv_open costs ~50 us). */
static iconv_t
ctx_iconv(struct mime_ctx *c, const char *name)
{
	iconv_t cd;

	for (size_t i = 0; i < c->nic; i++) {
		if (strcmp(c->ic[i].name, name) == 0) {
			cd = c->ic[i].cd;
			iconv(cd, NULL, NULL, NULL, NULL);
			return cd;
		}
	}
	if (c->nic == MIME_ICONV_MAX)
		return (iconv_t)-1;
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return cd;
	snprintf(c->ic[c->nic].name, sizeof c->ic[c->nic].name, "%s", name);
	c->ic[c->nic++].cd = cd;
	return cd;
}

/* Convert with CD; each byte iconv refuses becomes U+FFFD. */
static void
iconv_run(iconv_t cd, const char *s, size_t n, struct buf *out)
{
	char tmp[4096];
	char *in = (char *)s;
	size_t inleft = n;

	for (;;) {
		char *o = tmp;
		size_t oleft = sizeof tmp;
		size_t r =
		    iconv(cd, inleft > 0 ? &in : NULL, &inleft, &o, &oleft);
		int err = errno;

		buf_append(out, tmp, sizeof tmp - oleft);
		if (r != (size_t)-1) {
			if (inleft == 0 && in != NULL) {
				in = NULL; /* flush a stateful encoder */
				continue;
			}
			return;
		}
		if (err == E2BIG)
			continue;
		put_cp(out, 0xfffd);
		if (err != EILSEQ || inleft == 0)
			return;
		in++;
		inleft--;
	}
}

/* Append S[0..N) as Windows-1252, or as UTF-8 when it is valid UTF-8: a
 * label of ASCII or Latin-1 on UTF-8 bytes is a frequent lie. */
static void
conv_auto(const char *s, size_t n, struct buf *out)
{
	if (text_utf8_valid(s, n))
		buf_append(out, s, n);
	else
		text_cp1252_to_utf8(s, n, out);
}

/* Make B valid UTF-8, in place: raw bytes that are not are read as
 * Windows-1252. */
static void
ensure_utf8(struct buf *b)
{
	struct buf u = BUF_INIT;

	if (b->len == 0 || buf_failed(b) || text_utf8_valid(b->data, b->len))
		return;
	text_cp1252_to_utf8(b->data, b->len, &u);
	buf_free(b);
	*b = u;
}

static void
conv_latin9(const char *s, size_t n, struct buf *out)
{
	static const struct {
		unsigned char byte;
		uint16_t cp;
	} diff[] = {{0xa4, 0x20ac}, {0xa6, 0x160}, {0xa8, 0x161},
	            {0xb4, 0x17d},  {0xb8, 0x17e}, {0xbc, 0x152},
	            {0xbd, 0x153},  {0xbe, 0x178}};

	if (has_8bit(s, n) && text_utf8_valid(s, n)) {
		buf_append(out, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < sizeof diff / sizeof *diff; k++)
			if ((unsigned char)s[i] == diff[k].byte)
				break;
		if (k < sizeof diff / sizeof *diff)
			put_cp(out, diff[k].cp);
		else
			text_cp1252_to_utf8(s + i, 1, out);
	}
}

/* Append S[0..N), in the charset labelled CHARSET (NULL: unknown), to OUT
 * as UTF-8. */
static void
conv_utf8(struct mime_ctx *c, const char *charset, const char *s, size_t n,
          struct buf *out)
{
	char name[MIME_CHARSET_MAX + 1];
	const char *iname = NULL;
	enum mime_cs kind = CS_AUTO;
	iconv_t cd;

	if (charset != NULL && cs_norm(charset, strlen(charset), name))
		kind = cs_kind(name, &iname);
	switch (kind) {
	case CS_UTF8:
		utf8_copy(s, n, out);
		return;
	case CS_LATIN9:
		conv_latin9(s, n, out);
		return;
	case CS_ICONV:
		cd = ctx_iconv(c, iname);
		if (cd != (iconv_t)-1) {
			iconv_run(cd, s, n, out);
			return;
		}
		break;
	case CS_AUTO:
	case CS_LATIN1:
		break;
	}
	conv_auto(s, n, out);
}

/* ---------------------------------------------------------------------
 * Transfer encodings
 */

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = lower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Quoted-printable S[0..N) to OUT (Q encoding of RFC 2047 when QWORD).
 * An '=' that starts no escape stays as it is. */
static void
qp_decode(const char *s, size_t n, bool qword, struct buf *out)
{
	size_t i = 0, run = 0;

	while (i < n) {
		size_t j;
		int hi, lo;

		if (qword && s[i] == '_') {
			buf_append(out, s + run, i - run);
			buf_putc(out, ' ');
			run = ++i;
			continue;
		}
		if (s[i] != '=') {
			i++;
			continue;
		}
		buf_append(out, s + run, i - run);
		if (i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			buf_putc(out, (char)(hi * 16 + lo));
			run = i += 3;
			continue;
		}
		/* A soft line break: '=', blanks, end of line. */
		for (j = i + 1; j < n && is_wsp(s[j]); j++)
			;
		if (!qword &&
		    (j == n || s[j] == '\n' ||
		     (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n'))) {
			i = j == n ? n : j + (s[j] == '\r' ? 2 : 1);
			run = i;
			continue;
		}
		run = i++;
	}
	buf_append(out, s + run, n - run);
}

/* Base64 symbol values plus one; 0 for what is not base64. */
static const unsigned char b64_table[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,
    ['G'] = 7,  ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64};

/* The value of base64 symbol CH, or -1 for anything else (line breaks,
 * blanks and garbage are skipped, as decoders in the wild do). */
static int
b64_value(unsigned char ch)
{
	return (int)b64_table[ch] - 1;
}

/* How many times C occurs in S[0..N) (memchr is vectorised). */
static size_t
count_byte(const char *s, size_t n, char c)
{
	const char *p = s, *end = s + n;
	size_t k = 0;

	while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/* The decoded length of base64 S[0..N), estimated without decoding: the
 * bytes less the line breaks and the padding. Attachments are only named
 * and measured, never read, so this is all they cost. */
static size_t
b64_size(const char *s, size_t n)
{
	n -= count_byte(s, n, '\n') + count_byte(s, n, '\r') +
	     count_byte(s, n, '=');
	return n * 3 / 4;
}

/* Base64 S[0..N) to OUT (when not NULL); returns the decoded length.
 * Padding ends a chunk: the bits pending there are dropped and decoding
 * goes on, for bodies made of several encoded chunks run together. */
static size_t
b64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned char group[3];
	uint32_t acc = 0;
	size_t len = 0, at = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (s[i] == '=') {
			acc = 0;
			bits = 0;
			continue;
		}
		if (v < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits < 8)
			continue;
		bits -= 8;
		len++;
		if (out == NULL)
			continue;
		group[at++] = (unsigned char)(acc >> bits);
		if (at == sizeof(group)) {
			buf_append(out, group, at);
			at = 0;
		}
	}
	if (out != NULL && at > 0)
		buf_append(out, group, at);
	return len;
}

/* The body of PT without its transfer encoding: *S, *N point either into
 * the input or into TMP. */
static void
part_decode(struct mime_ctx *c, const struct mime_part *pt, struct buf *tmp,
            const char **s, size_t *n)
{
	if (strcmp(pt->cte, "base64") == 0) {
		b64_decode(pt->body, pt->blen, tmp);
	} else if (strcmp(pt->cte, "quoted-printable") == 0) {
		qp_decode(pt->body, pt->blen, false, tmp);
	} else {
		*s = pt->body;
		*n = pt->blen;
		return;
	}
	*s = bdata(tmp);
	*n = buf_failed(tmp) ? 0 : tmp->len;
	if (buf_failed(tmp))
		c->nomem = true;
}

/* ---------------------------------------------------------------------
 * Header values: unfolding, RFC 2047
 */

/* Append S[0..N) unfolded: each line break with the blanks around it
 * becomes one space, other control characters a space; trimmed. */
static void
unfold(const char *s, size_t n, struct buf *out)
{
	size_t start = out->len;

	while (n > 0 && is_wsp(*s))
		s++, n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r' || ch == '\n') {
			while (i + 1 < n &&
			       (s[i + 1] == '\r' || s[i + 1] == '\n' ||
			        is_wsp(s[i + 1])))
				i++;
			buf_putc(out, ' ');
		} else {
			buf_putc(out, is_ctl(ch) ? ' ' : (char)ch);
		}
	}
	while (out->len > start && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
}

/* One encoded word "=?charset?e?text?=" at the start of S[0..N). */
struct ew {
	char charset[MIME_CHARSET_MAX + 1]; /* "" when not a usable name */
	char enc;                           /* 'b' or 'q' */
	const char *text;
	size_t tlen;
	size_t len; /* bytes taken from S */
};

/* Read one encoded word; a missing "?=" ends the word at a blank. */
static bool
ew_parse(const char *s, size_t n, struct ew *w)
{
	size_t i = 2, cs = 2, csend;

	if (n < 6 || s[0] != '=' || s[1] != '?')
		return false;
	while (i < n && s[i] != '?' && !is_wsp(s[i]) && i - cs <= 80)
		i++;
	if (i >= n || s[i] != '?' || i == cs)
		return false;
	csend = i;
	for (size_t k = cs; k < csend; k++)
		if (s[k] == '*') /* RFC 2231 language: "utf-8*fr" */
			csend = k;
	if (!cs_norm(s + cs, csend - cs, w->charset))
		w->charset[0] = '\0';
	if (i + 2 >= n || s[i + 2] != '?' ||
	    (lower(s[i + 1]) != 'b' && lower(s[i + 1]) != 'q'))
		return false;
	w->enc = lower(s[i + 1]);
	i += 3;
	w->text = s + i;
	while (i < n && !is_wsp(s[i]) &&
	       !(s[i] == '?' && i + 1 < n && s[i + 1] == '='))
		i++;
	w->tlen = (size_t)(s + i - w->text);
	if (i < n && s[i] == '?')
		i += 2;
	w->len = i;
	return true;
}

/* Encoded words of one charset in a row, decoded together so that a
 * character split across two words comes out whole. */
struct ew_run {
	char charset[MIME_CHARSET_MAX + 1];
	bool active;
	struct buf bytes; /* decoded, in CHARSET */
	struct buf b64;   /* base64 text waiting for a whole quantum */
};

static void
run_b64(struct mime_ctx *c, struct ew_run *r)
{
	b64_decode(bdata(&r->b64), r->b64.len, &r->bytes);
	buf_reset(&r->b64);
}

static void
run_flush(struct mime_ctx *c, struct ew_run *r, struct buf *out)
{
	if (!r->active)
		return;
	run_b64(c, r);
	conv_utf8(c, r->charset[0] != '\0' ? r->charset : NULL,
	          bdata(&r->bytes), r->bytes.len, out);
	buf_reset(&r->bytes);
	r->active = false;
}

static void
run_add(struct mime_ctx *c, struct ew_run *r, const struct ew *w,
        struct buf *out)
{
	if (r->active && strcmp(r->charset, w->charset) != 0)
		run_flush(c, r, out);
	if (!r->active) {
		memcpy(r->charset, w->charset, sizeof r->charset);
		r->active = true;
	}
	if (w->enc == 'b') {
		/* Words cut mid-quantum are joined before decoding. */
		buf_append(&r->b64, w->text, w->tlen);
		if (r->b64.len % 4 == 0 ||
		    (w->tlen > 0 && w->text[w->tlen - 1] == '='))
			run_b64(c, r);
	} else {
		run_b64(c, r);
		qp_decode(w->text, w->tlen, true, &r->bytes);
	}
}

static bool
all_wsp(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_wsp(s[i]))
			return false;
	return true;
}

/* Append the unfolded value S[0..N) to OUT as UTF-8, encoded words
 * decoded (the blanks between two of them dropped), raw 8-bit text read
 * as UTF-8 if valid, else Windows-1252. */
static void
hdr_decode(struct mime_ctx *c, const char *s, size_t n, struct buf *out)
{
	struct ew_run r = {.active = false, .bytes = BUF_INIT, .b64 = BUF_INIT};
	size_t i = 0, raw = 0;
	bool prev_ew = false;
	struct ew w;

	while (i < n) {
		if (s[i] != '=' || !ew_parse(s + i, n - i, &w)) {
			i++;
			continue;
		}
		if (!(prev_ew && all_wsp(s + raw, i - raw))) {
			run_flush(c, &r, out);
			conv_auto(s + raw, i - raw, out);
		}
		run_add(c, &r, &w, out);
		i += w.len;
		raw = i;
		prev_ew = true;
	}
	run_flush(c, &r, out);
	conv_auto(s + raw, n - raw, out);
	if (buf_failed(&r.bytes) || buf_failed(&r.b64))
		c->nomem = true;
	buf_free(&r.bytes);
	buf_free(&r.b64);
}

/* UTF-8 text B with control characters made spaces, trimmed, in place. */
static void
clean_line(struct buf *b)
{
	size_t i, start = 0;

	for (i = 0; i < b->len; i++)
		if (is_ctl((unsigned char)b->data[i]))
			b->data[i] = ' ';
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
	while (start < b->len && b->data[start] == ' ')
		start++;
	if (start > 0) {
		memmove(b->data, b->data + start, b->len - start + 1);
		b->len -= start;
	}
}

/* The decoded text of raw value S[0..N) (unfolded, RFC 2047), malloc'ed;
 * NULL on no memory. */
static char *
hdr_text(struct mime_ctx *c, const char *s, size_t n)
{
	struct buf raw = BUF_INIT, dec = BUF_INIT;

	unfold(s, n, &raw);
	hdr_decode(c, bdata(&raw), raw.len, &dec);
	if (buf_failed(&raw))
		c->nomem = true;
	buf_free(&raw);
	clean_line(&dec);
	return ctx_steal(c, &dec);
}

/* The unfolded value, lower-cased when LOW; malloc'ed. */
static char *
hdr_plain(struct mime_ctx *c, const char *s, size_t n, bool low)
{
	struct buf b = BUF_INIT;

	unfold(s, n, &b);
	for (size_t i = 0; low && i < b.len; i++)
		b.data[i] = lower(b.data[i]);
	ensure_utf8(&b);
	return ctx_steal(c, &b);
}

/* ---------------------------------------------------------------------
 * Header blocks
 */

/* The next field of the block at SC into F; false at its end, with SC->p
 * at the body: after the blank line, or at the first line that is not a
 * field. Fields beyond max_headers are read but not returned. */
static bool
hdr_next(struct mime_ctx *c, struct hdr_scan *sc, struct hdr_field *f)
{
	for (;;) {
		const char *p = sc->p, *end = sc->end, *next;
		size_t i = 0;

		if (p >= end)
			return false;
		if (*p == '\n' ||
		    (*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
			sc->p = line_next(p, end);
			return false;
		}
		next = line_next(p, end);
		if (is_wsp(*p)) { /* a continuation with no field */
			sc->p = next;
			continue;
		}
		while (p + i < next && (unsigned char)p[i] > ' ' &&
		       (unsigned char)p[i] < 0x7f && p[i] != ':')
			i++;
		f->name = p;
		f->nlen = i;
		while (p + i < next && is_wsp(p[i]))
			i++;
		if (f->nlen == 0 || p + i == next || p[i] != ':')
			return false;
		while (next < end && is_wsp(*next))
			next = line_next(next, end);
		f->val = p + i + 1;
		f->vlen = (size_t)(next - f->val);
		sc->p = next;
		if (++sc->n <= c->lim->max_headers)
			return true;
		ctx_limit(c, "max_headers");
	}
}

/* ---------------------------------------------------------------------
 * Parameters (RFC 2045, RFC 2231)
 */

struct param {
	const char *name;
	size_t nlen;
	const char *val;
	size_t vlen;
	bool quoted;
};

/* Skip blanks and comments (nested, without recursion) from I. */
static size_t
skip_cfws(const char *s, size_t n, size_t i)
{
	size_t depth = 0;

	while (i < n) {
		if (depth > 0) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')')
				depth--;
		} else if (s[i] == '(') {
			depth = 1;
		} else if (!is_wsp(s[i])) {
			break;
		}
		i++;
	}
	return i < n ? i : n;
}

/* Index of the next ';' from I outside quotes and comments, or N. */
static size_t
skip_to_semicolon(const char *s, size_t n, size_t i)
{
	bool quote = false;
	size_t depth = 0;

	for (; i < n; i++) {
		char ch = s[i];

		if (ch == '\\' && (quote || depth > 0))
			i++;
		else if (quote)
			quote = ch != '"';
		else if (depth > 0 && ch == '(')
			depth++;
		else if (depth > 0 && ch == ')')
			depth--;
		else if (depth > 0)
			continue;
		else if (ch == '"')
			quote = true;
		else if (ch == '(')
			depth = 1;
		else if (ch == ';')
			return i;
	}
	return n;
}

/* The next "name=value" after *POS in S[0..N) (unfolded). Values are
 * quoted strings, or run to ';' or a comment; lenient about blanks. */
static bool
param_next(const char *s, size_t n, size_t *pos, struct param *p)
{
	size_t i = *pos;

	for (;;) {
		i = skip_to_semicolon(s, n, i);
		if (i >= n)
			return false;
		i = skip_cfws(s, n, i + 1);
		p->name = s + i;
		while (i < n && s[i] != '=' && s[i] != ';' && !is_wsp(s[i]))
			i++;
		p->nlen = (size_t)(s + i - p->name);
		i = skip_cfws(s, n, i);
		if (i >= n || s[i] != '=' || p->nlen == 0)
			continue;
		i = skip_cfws(s, n, i + 1);
		p->quoted = i < n && s[i] == '"';
		if (p->quoted) {
			p->val = s + ++i;
			while (i < n && s[i] != '"')
				i += s[i] == '\\' && i + 1 < n ? 2 : 1;
			p->vlen = (size_t)(s + i - p->val);
			i += i < n;
		} else {
			p->val = s + i;
			while (i < n && s[i] != ';' && s[i] != '(')
				i++;
			p->vlen = (size_t)(s + i - p->val);
			while (p->vlen > 0 && is_wsp(p->val[p->vlen - 1]))
				p->vlen--;
		}
		*pos = i;
		return true;
	}
}

/* Append P's value, its quoted pairs resolved. */
static void
param_value(const struct param *p, struct buf *out)
{
	size_t run = 0;

	if (!p->quoted) {
		buf_append(out, p->val, p->vlen);
		return;
	}
	for (size_t i = 0; i < p->vlen; i++) {
		if (p->val[i] == '\\' && i + 1 < p->vlen) {
			buf_append(out, p->val + run, i - run);
			run = ++i;
		}
	}
	buf_append(out, p->val + run, p->vlen - run);
}

/* The first parameter NAME of S[0..N) from POS, as written, to OUT. */
static bool
param_raw(const char *s, size_t n, size_t pos, const char *name,
          struct buf *out)
{
	struct param p;

	while (param_next(s, n, &pos, &p)) {
		if (eq_nocase(p.name, p.nlen, name)) {
			param_value(&p, out);
			return true;
		}
	}
	return false;
}

/* Append S[0..N) with its %XX escapes resolved. */
static void
pct_decode(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			buf_putc(out, (char)(hi * 16 + lo));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* Split RFC 2231's "charset'lang'text": the charset into CS (may be ""),
 * returns where the text starts. */
static size_t
split_2231(const char *s, size_t n, char cs[MIME_CHARSET_MAX + 1])
{
	const char *q1 = memchr(s, '\'', n), *q2;

	cs[0] = '\0';
	if (q1 == NULL)
		return 0;
	if (!cs_norm(s, (size_t)(q1 - s), cs))
		cs[0] = '\0';
	q2 = memchr(q1 + 1, '\'', (size_t)(s + n - q1 - 1));
	return (size_t)((q2 != NULL ? q2 : q1) + 1 - s);
}

/* The sections "name*0", "name*1*", ... of an RFC 2231 parameter; EXT
 * when a section is percent-encoded ("*k*"). */
struct sections {
	struct param p[MIME_SECTIONS_MAX];
	bool set[MIME_SECTIONS_MAX], ext[MIME_SECTIONS_MAX];
};

/* The section number of "NAME*k" or "NAME*k*" in P, or -1; *EXT set. */
static int
section_of(const struct param *p, size_t base, bool *ext)
{
	size_t i = base + 1, k = 0;

	if (p->nlen <= i || p->name[base] != '*')
		return -1;
	for (; i < p->nlen && p->name[i] >= '0' && p->name[i] <= '9'; i++) {
		k = k * 10 + (size_t)(p->name[i] - '0');
		if (k >= MIME_SECTIONS_MAX)
			return -1;
	}
	if (i == base + 1)
		return -1;
	*ext = i < p->nlen && p->name[i] == '*';
	if (i + *ext != p->nlen)
		return -1;
	return (int)k;
}

/* Join sections 0, 1, ... of SEC into UTF-8 OUT. */
static void
sections_join(struct mime_ctx *c, const struct sections *sec, struct buf *out)
{
	char cs[MIME_CHARSET_MAX + 1] = "";
	struct buf bytes = BUF_INIT, raw = BUF_INIT;

	for (size_t k = 0; k < MIME_SECTIONS_MAX && sec->set[k]; k++) {
		size_t at = 0;

		buf_reset(&raw);
		param_value(&sec->p[k], &raw);
		if (!sec->ext[k]) {
			buf_append(&bytes, bdata(&raw), raw.len);
			continue;
		}
		if (k == 0)
			at = split_2231(bdata(&raw), raw.len, cs);
		pct_decode(bdata(&raw) + at, raw.len - at, &bytes);
	}
	conv_utf8(c, cs[0] != '\0' ? cs : NULL, bdata(&bytes), bytes.len, out);
	if (buf_failed(&bytes) || buf_failed(&raw))
		c->nomem = true;
	buf_free(&bytes);
	buf_free(&raw);
}

/* Append the value of "NAME*=charset''..." in P to OUT as UTF-8. */
static void
extended_value(struct mime_ctx *c, const struct param *p, struct buf *out)
{
	struct sections one;

	one.p[0] = *p;
	one.set[0] = one.ext[0] = true;
	one.set[1] = false;
	sections_join(c, &one, out);
}

/* The parameter NAME of S[0..N) from POS as UTF-8 text in OUT: RFC 2231
 * forms (name*=, name*0*=, name*1=...) first, else the plain one
 * RFC 2047-decoded (what many clients write). False if absent. */
static bool
param_text(struct mime_ctx *c, const char *s, size_t n, size_t pos,
           const char *name, struct buf *out)
{
	struct sections sec;
	struct param p, plain, ext;
	size_t base = strlen(name);
	bool has_plain = false, has_ext = false, x;
	int k;

	memset(&sec, 0, sizeof sec);
	while (param_next(s, n, &pos, &p)) {
		if (p.nlen < base || !eq_nocase(p.name, base, name))
			continue;
		if (p.nlen == base && !has_plain) {
			plain = p;
			has_plain = true;
		} else if (p.nlen == base + 1 && p.name[base] == '*' &&
		           !has_ext) {
			ext = p;
			has_ext = true;
		} else if ((k = section_of(&p, base, &x)) >= 0 && !sec.set[k]) {
			sec.p[k] = p;
			sec.set[k] = true;
			sec.ext[k] = x;
		}
	}
	if (sec.set[0]) {
		sections_join(c, &sec, out);
	} else if (has_ext) {
		extended_value(c, &ext, out);
	} else if (has_plain) {
		struct buf raw = BUF_INIT;

		param_value(&plain, &raw);
		hdr_decode(c, bdata(&raw), raw.len, out);
		buf_free(&raw);
	}
	return sec.set[0] || has_ext || has_plain;
}

/* "type/subtype" at the start of S[0..N), lower case, into OUT; *POS past
 * it. False when it is not one. */
static bool
type_parse(const char *s, size_t n, char out[MIME_TYPE_MAX], size_t *pos)
{
	static const char tspecials[] = "()<>@,;:\\\"/[]?=";
	size_t i = skip_cfws(s, n, 0), j = 0, slash = 0;

	for (; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '/' && slash == 0 && j > 0) {
			slash = j + 1;
		} else if (ch <= ' ' || ch >= 0x7f ||
		           strchr(tspecials, ch) != NULL) {
			break;
		}
		if (j + 1 >= MIME_TYPE_MAX)
			return false;
		out[j++] = lower((char)ch);
	}
	out[j] = '\0';
	*pos = i;
	return slash > 0 && slash < j;
}

/* ---------------------------------------------------------------------
 * Addresses and Message-IDs
 */

/* One item of an address list, as read. */
struct addr_item {
	struct buf phrase;  /* words outside <> and comments, unquoted */
	struct buf angle;   /* what was inside the last <> */
	struct buf comment; /* the first comment's text */
	bool has_angle;
	struct buf addr, name; /* results: bare address, raw display name */
};

static void
addr_item_free(struct addr_item *a)
{
	buf_free(&a->phrase);
	buf_free(&a->angle);
	buf_free(&a->comment);
	buf_free(&a->addr);
	buf_free(&a->name);
}

/* Read one item of the list S[0..N) from I (up to ',' or ';' outside
 * quotes, comments, <> and [], a group's "name:" dropped); returns the
 * index after it. Iterative: nested comments cost no stack. */
static size_t
addr_scan(const char *s, size_t n, size_t i, struct addr_item *a)
{
	size_t depth = 0;
	bool quote = false, lit = false, angle = false;

	buf_reset(&a->phrase);
	buf_reset(&a->angle);
	buf_reset(&a->comment);
	a->has_angle = false;
	for (; i < n; i++) {
		char ch = s[i];
		struct buf *to = angle ? &a->angle : &a->phrase;

		if (depth > 0) {
			if (ch == '\\' && i + 1 < n)
				ch = s[++i];
			else if (ch == '(')
				depth++;
			else if (ch == ')')
				depth--;
			if (depth > 0 && !a->has_angle && a->comment.len < 256)
				buf_putc(&a->comment, ch);
			continue;
		}
		if (quote) {
			if (ch == '\\' && i + 1 < n)
				buf_putc(to, s[++i]);
			else if (ch == '"')
				quote = false;
			else
				buf_putc(to, ch);
			if (ch == '"' && angle)
				buf_putc(to, ch);
			continue;
		}
		if (lit) {
			lit = ch != ']';
			buf_putc(to, ch);
			continue;
		}
		switch (ch) {
		case '(':
			depth = 1;
			if (a->comment.len > 0)
				buf_putc(&a->comment, ' ');
			break;
		case '"':
			quote = true;
			if (angle)
				buf_putc(to, ch);
			break;
		case '[':
			lit = true;
			buf_putc(to, ch);
			break;
		case '<':
			angle = a->has_angle = true;
			buf_reset(&a->angle);
			break;
		case '>':
			angle = false;
			break;
		case ',':
		case ';':
			if (!angle)
				return i + 1;
			buf_putc(to, ch);
			break;
		case ':':
			if (!angle && !a->has_angle)
				buf_reset(&a->phrase); /* "group: a@b, c@d;" */
			else
				buf_putc(to, ch);
			break;
		default:
			buf_putc(to, ch);
		}
	}
	return n;
}

/* Append S[0..N) as a bare address: no obsolete route, no blanks, domain
 * in lower case. */
static void
addr_bare(const char *s, size_t n, struct buf *out)
{
	size_t at = SIZE_MAX;
	const char *colon;

	if (n > 0 && s[0] == '@' && (colon = memchr(s, ':', n)) != NULL) {
		n -= (size_t)(colon + 1 - s);
		s = colon + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_ctl((unsigned char)s[i]) || s[i] == ' ')
			continue;
		if (s[i] == '@')
			at = out->len;
		buf_putc(out, s[i]);
	}
	if (at == SIZE_MAX || buf_failed(out))
		return;
	for (size_t i = at; i < out->len; i++)
		out->data[i] = lower(out->data[i]);
}

/* Collapse blanks of S[0..N) into single spaces, trimmed, to OUT. */
static void
put_words(const char *s, size_t n, struct buf *out)
{
	bool space = false;
	size_t start = out->len;

	for (size_t i = 0; i < n; i++) {
		if (is_wsp(s[i]) || is_ctl((unsigned char)s[i])) {
			space = out->len > start;
			continue;
		}
		if (space)
			buf_putc(out, ' ');
		space = false;
		buf_putc(out, s[i]);
	}
}

/* The last blank-separated word of S[0..N) holding an '@', its length in
 * *LEN; NULL if none. */
static const char *
word_with_at(const char *s, size_t n, size_t *len)
{
	const char *found = NULL;
	size_t i = 0, j;

	for (; i < n; i = j + 1) {
		for (j = i; j < n && s[j] != ' '; j++)
			;
		if (memchr(s + i, '@', j - i) != NULL) {
			found = s + i;
			*len = j - i;
		}
	}
	return found;
}

/* Turn what addr_scan read into A->addr and A->name. Without <>, the
 * last word with an '@' is the address ("Jean Dupont jean@x.fr"); a
 * single word without one too ("MAILER-DAEMON"). */
static void
addr_finish(struct addr_item *a)
{
	struct buf words = BUF_INIT, rest = BUF_INIT;
	const char *w, *at = NULL;
	size_t wl = 0;

	buf_reset(&a->addr);
	buf_reset(&a->name);
	put_words(bdata(&a->phrase), a->phrase.len, &words);
	w = bdata(&words);
	if (a->has_angle) {
		addr_bare(bdata(&a->angle), a->angle.len, &a->addr);
		buf_append(&a->name, w, words.len);
	} else if (words.len > 0) {
		at = word_with_at(w, words.len, &wl);
		if (at == NULL && memchr(w, ' ', words.len) == NULL) {
			at = w;
			wl = words.len;
		}
	}
	if (at != NULL) {
		addr_bare(at, wl, &a->addr);
		buf_append(&rest, w, (size_t)(at - w));
		buf_putc(&rest, ' ');
		buf_append(&rest, at + wl, words.len - (size_t)(at + wl - w));
		put_words(bdata(&rest), rest.len, &a->name);
	}
	if (a->name.len == 0) {
		buf_reset(&a->name);
		put_words(bdata(&a->comment), a->comment.len, &a->name);
	}
	ensure_utf8(&a->addr);
	buf_free(&words);
	buf_free(&rest);
}

/* The first address of S[0..N) into *ADDR and (when NAME) its decoded
 * display name into *NAME (NULL if none). Leaves them NULL if none; an
 * empty "<>" counts only when EMPTY_OK (Return-Path). */
static void
addr_first(struct mime_ctx *c, const char *s, size_t n, bool empty_ok,
           char **addr, char **name)
{
	struct addr_item a = {BUF_INIT, BUF_INIT, BUF_INIT,
	                      false,    BUF_INIT, BUF_INIT};
	struct buf un = BUF_INIT, dec = BUF_INIT;
	size_t i = 0;

	unfold(s, n, &un);
	while (i < un.len) {
		i = addr_scan(un.data, un.len, i, &a);
		addr_finish(&a);
		if (a.addr.len == 0 && !(empty_ok && a.has_angle))
			continue;
		*addr = ctx_steal(c, &a.addr);
		if (name != NULL && a.name.len > 0) {
			hdr_decode(c, a.name.data, a.name.len, &dec);
			clean_line(&dec);
			*name = ctx_steal_nonempty(c, &dec);
		}
		break;
	}
	if (buf_failed(&un) || buf_failed(&a.phrase) || buf_failed(&a.angle))
		c->nomem = true;
	addr_item_free(&a);
	buf_free(&un);
	buf_free(&dec);
}

/* Every non-empty address of S[0..N) to L, at most max_headers in all. */
static void
addr_all(struct mime_ctx *c, const char *s, size_t n, struct strlist *l)
{
	struct addr_item a = {BUF_INIT, BUF_INIT, BUF_INIT,
	                      false,    BUF_INIT, BUF_INIT};
	struct buf un = BUF_INIT;
	size_t i = 0;

	unfold(s, n, &un);
	while (i < un.len && !c->nomem) {
		i = addr_scan(un.data, un.len, i, &a);
		addr_finish(&a);
		if (a.addr.len == 0)
			continue;
		if (l->n >= c->lim->max_headers) {
			ctx_limit(c, "max_headers");
			break;
		}
		if (strlist_addn(l, a.addr.data, a.addr.len) < 0)
			c->nomem = true;
	}
	if (buf_failed(&un) || buf_failed(&a.phrase) || buf_failed(&a.angle))
		c->nomem = true;
	addr_item_free(&a);
	buf_free(&un);
}

/* Add the Message-ID S[0..N) to L (in brackets when BRACKET) unless L
 * holds MAX already: then false, and max_headers noted when NOTE. */
static bool
id_add(struct mime_ctx *c, struct strlist *l, size_t max, bool note,
       const char *s, size_t n, bool bracket)
{
	struct buf id = BUF_INIT;

	if (l->n >= max) {
		if (note)
			ctx_limit(c, "max_headers");
		return false;
	}
	if (bracket)
		buf_putc(&id, '<');
	buf_append(&id, s, n);
	if (bracket)
		buf_putc(&id, '>');
	if (buf_failed(&id) || strlist_addn(l, bdata(&id), id.len) < 0)
		c->nomem = true;
	buf_free(&id);
	return !c->nomem;
}

/* Each Message-ID "<...>" of S[0..N) (nothing blank or '<' inside) to L,
 * while L holds fewer than MAX; when there is none, each word with an '@',
 * bracketed. NOTE: reaching MAX is max_headers. */
static void
ids_scan(struct mime_ctx *c, const char *s, size_t n, struct strlist *l,
         size_t max, bool note)
{
	struct buf un = BUF_INIT;
	const char *u;
	size_t i = 0, j, found = 0;
	bool more = true;

	unfold(s, n, &un);
	ensure_utf8(&un);
	u = bdata(&un);
	while (i < un.len && more) {
		if (u[i] != '<') {
			i++;
			continue;
		}
		for (j = i + 1;
		     j < un.len && u[j] != '>' && u[j] != '<' && u[j] != ' ';
		     j++)
			;
		if (j < un.len && u[j] == '>' && j > i + 1) {
			found++;
			j++;
			more = id_add(c, l, max, note, u + i, j - i, false);
		}
		i = j;
	}
	for (i = 0; found == 0 && i < un.len && more; i = j + 1) {
		const char *sp = memchr(u + i, ' ', un.len - i);

		j = sp != NULL ? (size_t)(sp - u) : un.len;
		if (memchr(u + i, '@', j - i) != NULL)
			more = id_add(c, l, max, note, u + i, j - i, true);
	}
	if (buf_failed(&un))
		c->nomem = true;
	buf_free(&un);
}

/* The first Message-ID of S[0..N), malloc'ed, or NULL. */
static char *
id_first(struct mime_ctx *c, const char *s, size_t n)
{
	struct strlist l = STRLIST_INIT;
	char *id = NULL;

	ids_scan(c, s, n, &l, 1, false);
	if (l.n > 0) {
		id = l.v[0];
		l.v[0] = NULL;
	}
	strlist_clear(&l);
	return id;
}

/* ---------------------------------------------------------------------
 * The message's own headers
 */

enum top_how { TOP_TEXT, TOP_LOWER, TOP_PLAIN, TOP_ADDR, TOP_ID };

static const struct {
	const char *name;
	size_t off;
	enum top_how how;
} top_fields[] = {
    {"subject", offsetof(struct mime_message, subject), TOP_TEXT},
    {"reply-to", offsetof(struct mime_message, reply_to), TOP_ADDR},
    {"sender", offsetof(struct mime_message, sender), TOP_ADDR},
    {"message-id", offsetof(struct mime_message, message_id), TOP_ID},
    {"in-reply-to", offsetof(struct mime_message, in_reply_to), TOP_ID},
    {"date", offsetof(struct mime_message, date), TOP_PLAIN},
    {"auto-submitted", offsetof(struct mime_message, auto_submitted),
     TOP_LOWER},
    {"precedence", offsetof(struct mime_message, precedence), TOP_LOWER},
    {"x-autoreply", offsetof(struct mime_message, x_autoreply), TOP_LOWER},
    {"x-autorespond", offsetof(struct mime_message, x_autorespond), TOP_LOWER},
    {"x-auto-response-suppress",
     offsetof(struct mime_message, x_auto_response_suppress), TOP_LOWER},
    {"x-relance-id", offsetof(struct mime_message, x_relance_id), TOP_PLAIN},
};

/* Return-Path: "" for "<>", else the bare address. */
static void
top_return_path(struct mime_ctx *c, const struct hdr_field *f)
{
	char *addr = NULL;

	addr_first(c, f->val, f->vlen, true, &addr, NULL);
	c->m->return_path = addr;
}

/* Each Authentication-Results, unfolded, at most max_headers of them. */
static void
top_auth_results(struct mime_ctx *c, const struct hdr_field *f)
{
	struct strlist *l = &c->m->auth_results;
	char *v;

	if (l->n >= c->lim->max_headers) {
		ctx_limit(c, "max_headers");
		return;
	}
	v = hdr_plain(c, f->val, f->vlen, false);
	if (v != NULL && strlist_add(l, v) < 0)
		c->nomem = true;
	free(v);
}

/* A header of the message itself; the first of each kind counts, except
 * To, Cc, References and Authentication-Results, which accumulate. */
static void
top_field(struct mime_ctx *c, const struct hdr_field *f)
{
	struct mime_message *m = c->m;

	if (eq_nocase(f->name, f->nlen, "from")) {
		if (m->from == NULL)
			addr_first(c, f->val, f->vlen, false, &m->from,
			           &m->from_name);
	} else if (eq_nocase(f->name, f->nlen, "return-path")) {
		if (m->return_path == NULL)
			top_return_path(c, f);
	} else if (eq_nocase(f->name, f->nlen, "to")) {
		addr_all(c, f->val, f->vlen, &m->to);
	} else if (eq_nocase(f->name, f->nlen, "cc")) {
		addr_all(c, f->val, f->vlen, &m->cc);
	} else if (eq_nocase(f->name, f->nlen, "references")) {
		ids_scan(c, f->val, f->vlen, &m->references,
		         c->lim->max_headers, true);
	} else if (eq_nocase(f->name, f->nlen, "authentication-results")) {
		top_auth_results(c, f);
	} else {
		for (size_t i = 0; i < sizeof top_fields / sizeof *top_fields;
		     i++) {
			char **dst = (char **)((char *)m + top_fields[i].off);

			if (!eq_nocase(f->name, f->nlen, top_fields[i].name) ||
			    *dst != NULL)
				continue;
			switch (top_fields[i].how) {
			case TOP_TEXT:
				*dst = hdr_text(c, f->val, f->vlen);
				break;
			case TOP_LOWER:
			case TOP_PLAIN:
				*dst =
				    hdr_plain(c, f->val, f->vlen,
				              top_fields[i].how == TOP_LOWER);
				break;
			case TOP_ADDR:
				addr_first(c, f->val, f->vlen, false, dst,
				           NULL);
				break;
			case TOP_ID:
				*dst = id_first(c, f->val, f->vlen);
				break;
			}
			break;
		}
	}
}

/* ---------------------------------------------------------------------
 * Bodies: text, HTML
 */

/* Append UTF-8 S[0..N) to DST as one more part: CRLF and lone CR become
 * LF, other control characters but TAB go, a blank line separates it from
 * the previous part; cut at max_text on a character boundary. */
static void
text_put(struct mime_ctx *c, struct buf *dst, const char *s, size_t n)
{
	size_t max = c->lim->max_text, i = 0;

	if (n == 0)
		return;
	if (dst->len > 0) {
		const char *sep =
		    dst->data[dst->len - 1] == '\n' ? "\n" : "\n\n";

		if (dst->len + strlen(sep) > max) {
			ctx_limit(c, "max_text");
			return;
		}
		buf_puts(dst, sep);
	}
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		size_t k = 1;

		if (ch == '\r' && i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (is_ctl(ch) && ch != '\t' && ch != '\n' && ch != '\r') {
			i++;
			continue;
		}
		if (ch >= 0x80 &&
		    (k = utf8_seq((const unsigned char *)s + i, n - i)) == 0)
			k = 1;
		if (dst->len + k > max) {
			ctx_limit(c, "max_text");
			return;
		}
		if (ch == '\r')
			buf_putc(dst, '\n');
		else
			buf_append(dst, s + i, k);
		i += k;
	}
}

/* HTML to text, a line at a time, from libxml2's SAX events: no tree is
 * built (a tree costs ~80 times the HTML: 4 MB of "<p>a" took 336 MB). */
struct html_out {
	struct buf *b;
	unsigned skip;  /* inside <script>, <style>, <head>...: depth */
	unsigned quote; /* <blockquote> depth: lines start with "> " each */
	unsigned pre;   /* inside <pre>: blanks kept */
	bool line;      /* the current line has content */
	bool space;     /* a blank is pending before the next content */
};

static void
ho_newline(struct html_out *o)
{
	for (unsigned i = 0; !o->line && i < o->quote; i++)
		buf_putc(o->b, '>');
	buf_putc(o->b, '\n');
	o->line = o->space = false;
}

static void
ho_block(struct html_out *o)
{
	if (o->line)
		ho_newline(o);
}

/* Start a line with content: its quote markers. */
static void
ho_content(struct html_out *o)
{
	if (!o->line) {
		for (unsigned q = 0; q < o->quote; q++)
			buf_puts(o->b, "> ");
		o->line = true;
	} else if (o->space) {
		buf_putc(o->b, ' ');
	}
	o->space = false;
}

/* Text S[0..N), entities already decoded by libxml2. */
static void
ho_text(struct html_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t k = 1;

		if (o->pre == 0 && (is_wsp((char)ch) || ch == '\n' ||
		                    ch == '\r' || ch == '\f')) {
			o->space = o->line;
			continue;
		}
		if (ch == '\n') {
			ho_newline(o);
			continue;
		}
		if (is_ctl(ch) && ch != '\t')
			continue;
		ho_content(o);
		if (ch == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] == 0xa0) {
			buf_putc(o->b, ' '); /* &nbsp;: a space that shows */
			i++;
			continue;
		}
		if (ch >= 0x80 &&
		    (k = utf8_seq((const unsigned char *)s + i, n - i)) == 0)
			k = 1;
		buf_append(o->b, s + i, k);
		i += k - 1;
	}
}

static const char *const html_skip[] = {"script",   "style",    "head", "title",
                                        "noscript", "template", "xml",  NULL};

static const char *const html_block[] = {
    "p",       "div",    "h1",   "h2",       "h3",         "h4",    "h5",
    "h6",      "ul",     "ol",   "li",       "table",      "tr",    "hr",
    "dl",      "dt",     "dd",   "address",  "article",    "aside", "section",
    "header",  "footer", "nav",  "main",     "figure",     "form",  "center",
    "caption", "body",   "html", "fieldset", "figcaption", NULL};

/* An element starts or (LEAVING) ends. */
static void
ho_element(struct html_out *o, const char *name, bool leaving)
{
	if (strcmp(name, "blockquote") == 0) {
		ho_block(o);
		if (!leaving)
			o->quote++;
		else if (o->quote > 0)
			o->quote--;
	} else if (strcmp(name, "pre") == 0) {
		ho_block(o);
		if (!leaving)
			o->pre++;
		else if (o->pre > 0)
			o->pre--;
	} else if (in_list(name, html_block)) {
		ho_block(o);
	} else if (!leaving && strcmp(name, "br") == 0) {
		ho_newline(o);
	} else if (!leaving &&
	           (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)) {
		o->space = o->line;
	}
}

static void
sax_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
	struct html_out *o = ctx;
	const char *name = (const char *)xname;

	if (o->skip > 0 || in_list(name, html_skip))
		o->skip++;
	else
		ho_element(o, name, false);
}

static void
sax_end(void *ctx, const xmlChar *xname)
{
	struct html_out *o = ctx;

	if (o->skip > 0)
		o->skip--;
	else
		ho_element(o, (const char *)xname, true);
}

static void
sax_text(void *ctx, const xmlChar *s, int len)
{
	struct html_out *o = ctx;

	if (o->skip == 0 && len > 0)
		ho_text(o, (const char *)s, (size_t)len);
}

/* Append TEXT's lines to OUT without trailing blanks, at most one blank
 * line in a row, none at either end. */
static void
html_tidy(const char *s, size_t n, struct buf *out)
{
	size_t i = 0;
	bool blank = false, any = false;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t l = nl != NULL ? (size_t)(nl - s) - i : n - i;

		while (l > 0 && is_wsp(s[i + l - 1]))
			l--;
		if (l == 0) {
			blank = any;
		} else {
			if (blank)
				buf_putc(out, '\n');
			buf_append(out, s + i, l);
			buf_putc(out, '\n');
			blank = false;
			any = true;
		}
		i += (nl != NULL ? (size_t)(nl - s) - i : n - i) + 1;
	}
}

/* Append the text of the HTML document S[0..N) (UTF-8) to OUT. Fed to
 * libxml2's HTML parser in chunks: its sizes are ints. */
static void
html_text(struct mime_ctx *c, const char *s, size_t n, struct buf *out)
{
	struct buf raw = BUF_INIT;
	struct html_out o = {&raw, 0, 0, 0, false, false};
	htmlSAXHandler sax;
	htmlParserCtxtPtr ctxt;

	if (n == 0)
		return;
	memset(&sax, 0, sizeof sax);
	sax.startElement = sax_start;
	sax.endElement = sax_end;
	sax.characters = sax_text;
	sax.cdataBlock = sax_text;
	ctxt = htmlCreatePushParserCtxt(&sax, &o, NULL, 0, NULL,
	                                XML_CHAR_ENCODING_UTF8);
	if (ctxt == NULL) {
		c->nomem = true;
		return;
	}
	htmlCtxtUseOptions(ctxt, HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	                             HTML_PARSE_NONET | HTML_PARSE_RECOVER |
	                             HTML_PARSE_IGNORE_ENC);
	while (n > 0) {
		int k = n > 65536 ? 65536 : (int)n;

		htmlParseChunk(ctxt, s, k, 0);
		s += k;
		n -= (size_t)k;
	}
	htmlParseChunk(ctxt, NULL, 0, 1);
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	htmlFreeParserCtxt(ctxt);
	html_tidy(bdata(&raw), raw.len, out);
	if (buf_failed(&raw))
		c->nomem = true;
	buf_free(&raw);
}

/* The charset parameter of PT, malloc'ed, or NULL. */
static char *
part_charset(struct mime_ctx *c, const struct mime_part *pt)
{
	struct buf b = BUF_INIT;

	if (!param_raw(bdata(&pt->ct), pt->ct.len, pt->ct_params, "charset",
	               &b)) {
		buf_free(&b);
		return NULL;
	}
	return ctx_steal(c, &b);
}

/* An inline text/plain or text/html part. */
static void
part_text(struct mime_ctx *c, const struct mime_part *pt, bool html)
{
	struct buf *dst = html ? &c->m->html : &c->m->text;
	struct buf tmp = BUF_INIT, utf = BUF_INIT, txt = BUF_INIT;
	const char *s;
	size_t n;
	char *cs;

	if (!html)
		c->saw_plain = true;
	if (html ? c->no_html : c->no_text)
		return;
	if (dst->len >= c->lim->max_text) {
		ctx_limit(c, "max_text");
		return;
	}
	part_decode(c, pt, &tmp, &s, &n);
	cs = part_charset(c, pt);
	conv_utf8(c, cs, s, n, &utf);
	free(cs);
	if (html) {
		html_text(c, bdata(&utf), utf.len, &txt);
		text_put(c, dst, bdata(&txt), txt.len);
		c->nhtml++;
	} else {
		text_put(c, dst, bdata(&utf), utf.len);
		c->ntext++;
	}
	if (buf_failed(&utf) || buf_failed(&txt) || buf_failed(dst))
		c->nomem = true;
	buf_free(&tmp);
	buf_free(&utf);
	buf_free(&txt);
}

/* The file name of PT (Content-Disposition's filename, else Content-Type's
 * name), decoded, malloc'ed; NULL if none. */
static char *
part_filename(struct mime_ctx *c, const struct mime_part *pt)
{
	struct buf b = BUF_INIT;

	if (!param_text(c, bdata(&pt->cd), pt->cd.len, pt->cd_params,
	                "filename", &b))
		param_text(c, bdata(&pt->ct), pt->ct.len, pt->ct_params, "name",
		           &b);
	clean_line(&b);
	return ctx_steal_nonempty(c, &b);
}

static void
part_attachment(struct mime_ctx *c, const struct mime_part *pt)
{
	struct mime_message *m = c->m;
	struct mime_attachment *arr, *a;
	struct buf tmp = BUF_INIT;
	const char *s;
	size_t n;

	arr = ctx_grow(c, m->attachments, m->nattachments, sizeof *arr);
	if (arr == NULL)
		return;
	m->attachments = arr;
	a = &arr[m->nattachments++];
	memset(a, 0, sizeof *a);
	a->filename = part_filename(c, pt);
	a->type = ctx_strdup(c, pt->type);
	if (strcmp(pt->cte, "base64") == 0) {
		/* Counted, not decoded: only the name and size matter. */
		a->size = b64_size(pt->body, pt->blen);
	} else {
		part_decode(c, pt, &tmp, &s, &n);
		a->size = n;
	}
	buf_free(&tmp);
}

/* ---------------------------------------------------------------------
 * Embedded messages, delivery status notifications
 */

/* Headers of a message inside this one (message/rfc822, or the headers
 * of text/rfc822-headers); its body is not read. */
static void
part_embedded(struct mime_ctx *c, const struct mime_part *pt)
{
	struct mime_message *m = c->m;
	struct mime_embedded *arr, *em;
	struct buf tmp = BUF_INIT;
	struct hdr_scan sc;
	struct hdr_field f;
	const char *s;
	size_t n;

	arr = ctx_grow(c, m->embedded, m->nembedded, sizeof *arr);
	if (arr == NULL)
		return;
	m->embedded = arr;
	em = &arr[m->nembedded++];
	memset(em, 0, sizeof *em);
	part_decode(c, pt, &tmp, &s, &n);
	sc = (struct hdr_scan){s, s + n, 0};
	while (hdr_next(c, &sc, &f)) {
		if (eq_nocase(f.name, f.nlen, "message-id") && !em->message_id)
			em->message_id = id_first(c, f.val, f.vlen);
		else if (eq_nocase(f.name, f.nlen, "subject") && !em->subject)
			em->subject = hdr_text(c, f.val, f.vlen);
		else if (eq_nocase(f.name, f.nlen, "x-relance-id") &&
		         !em->relance_id)
			em->relance_id = hdr_plain(c, f.val, f.vlen, false);
		else if (eq_nocase(f.name, f.nlen, "to") && !em->to)
			addr_first(c, f.val, f.vlen, false, &em->to, NULL);
	}
	buf_free(&tmp);
}

/* The fields of one per-recipient block of a delivery status. */
struct dsn_block {
	struct hdr_field action, status, final, original, diag;
	bool any;
};

static void
dsn_field(struct dsn_block *b, const struct hdr_field *f)
{
	static const char *const names[] = {
	    "action", "status", "final-recipient", "original-recipient",
	    "diagnostic-code"};
	struct hdr_field *slots[] = {&b->action, &b->status, &b->final,
	                             &b->original, &b->diag};

	for (size_t i = 0; i < 5; i++) {
		if (eq_nocase(f->name, f->nlen, names[i]) &&
		    slots[i]->name == NULL) {
			*slots[i] = *f;
			b->any = true;
		}
	}
}

/* The text after "type;" of a typed DSN value ("rfc822; a@b", "smtp; 550
 * ..."), blanks collapsed; all of it when there is no such type. */
static void
dsn_typed(const struct hdr_field *f, struct buf *out)
{
	struct buf un = BUF_INIT;
	const char *semi;
	size_t at = 0;

	unfold(f->val, f->vlen, &un);
	ensure_utf8(&un);
	semi = memchr(bdata(&un), ';', un.len);
	if (semi != NULL &&
	    memchr(un.data, ' ', (size_t)(semi - un.data)) == NULL)
		at = (size_t)(semi + 1 - un.data);
	put_words(bdata(&un) + at, un.len - at, out);
	buf_free(&un);
}

/* A recipient's address from Final-Recipient (or Original-Recipient). */
static char *
dsn_recipient(struct mime_ctx *c, const struct dsn_block *b)
{
	const struct hdr_field *f =
	    b->final.name != NULL ? &b->final : &b->original;
	struct buf v = BUF_INIT;
	char *addr = NULL;

	if (f->name == NULL)
		return NULL;
	dsn_typed(f, &v);
	if (v.len > 0)
		addr_first(c, v.data, v.len, false, &addr, NULL);
	buf_free(&v);
	return addr;
}

static void
dsn_add(struct mime_ctx *c, const struct dsn_block *b)
{
	struct mime_message *m = c->m;
	struct mime_dsn *arr, *d;
	struct buf v = BUF_INIT;

	if (m->ndsn >= c->lim->max_parts) {
		ctx_limit(c, "max_parts");
		return;
	}
	arr = ctx_grow(c, m->dsn, m->ndsn, sizeof *arr);
	if (arr == NULL)
		return;
	m->dsn = arr;
	d = &arr[m->ndsn++];
	memset(d, 0, sizeof *d);
	if (b->action.name != NULL)
		d->action = hdr_plain(c, b->action.val, b->action.vlen, true);
	if (b->status.name != NULL) {
		unfold(b->status.val, b->status.vlen, &v);
		ensure_utf8(&v);
		d->status = ctx_steal(c, &v);
		if (d->status != NULL)
			d->status[strcspn(d->status, " (")] = '\0';
	}
	d->final_recipient = dsn_recipient(c, b);
	if (b->diag.name != NULL) {
		dsn_typed(&b->diag, &v);
		d->diagnostic = ctx_steal(c, &v);
	}
}

/* message/delivery-status: blocks of fields separated by blank lines; the
 * first is about the message, each other one about a recipient. */
static void
part_dsn(struct mime_ctx *c, const struct mime_part *pt)
{
	struct buf tmp = BUF_INIT;
	const char *s, *end;
	size_t n;

	part_decode(c, pt, &tmp, &s, &n);
	end = s + n;
	while (s < end && !c->nomem) {
		struct hdr_scan sc = {s, end, 0};
		struct dsn_block b;
		struct hdr_field f;

		memset(&b, 0, sizeof b);
		while (hdr_next(c, &sc, &f))
			dsn_field(&b, &f);
		if (b.any)
			dsn_add(c, &b);
		s = sc.p > s ? sc.p : line_next(s, end);
	}
	buf_free(&tmp);
}

/* ---------------------------------------------------------------------
 * The MIME tree
 */

/* The kind of line [P, NEXT) for BOUNDARY: 0 none, 1 delimiter, 2 close
 * delimiter ("--boundary--"); blanks may follow. */
static int
delimiter(const char *p, const char *next, const char *b, size_t blen)
{
	size_t n = (size_t)(next - p), i = 2 + blen;
	int kind = 1;

	if (n < i || p[0] != '-' || p[1] != '-' || memcmp(p + 2, b, blen) != 0)
		return 0;
	if (i + 1 < n && p[i] == '-' && p[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	while (i < n && (is_wsp(p[i]) || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i == n ? kind : 0;
}

/* Children of a multipart/alternative: the first that gave text (or
 * HTML) is the only one to. */
struct alt {
	bool on, text, html;
};

static void
child(struct mime_ctx *c, struct alt *a, const char *s, size_t n,
      unsigned depth, unsigned flags)
{
	bool nt = c->no_text, nh = c->no_html;
	unsigned t = c->ntext, h = c->nhtml;

	if (a->on) {
		c->no_text = c->no_text || a->text;
		c->no_html = c->no_html || a->html;
	}
	entity(c, s, n, depth, flags);
	c->no_text = nt;
	c->no_html = nh;
	a->text = a->text || c->ntext != t;
	a->html = a->html || c->nhtml != h;
}

/* Walk the parts of multipart PT, delimited by BOUNDARY; the preamble and
 * epilogue are skipped, a missing close delimiter tolerated. */
static void
multipart_walk(struct mime_ctx *c, const struct mime_part *pt, const char *b,
               size_t blen, unsigned depth)
{
	const char *p = pt->body, *end = pt->body + pt->blen, *start = NULL;
	struct alt a = {strcmp(pt->type, "multipart/alternative") == 0, false,
	                false};
	unsigned flags =
	    strcmp(pt->type, "multipart/digest") == 0 ? ENT_DIGEST : 0;

	while (p < end && !c->full && !c->nomem) {
		const char *next = line_next(p, end);
		int kind = delimiter(p, next, b, blen);

		if (kind != 0 && start != NULL) {
			const char *e = p;

			if (e > start && e[-1] == '\n')
				e--;
			if (e > start && e[-1] == '\r')
				e--;
			child(c, &a, start, (size_t)(e - start), depth, flags);
		}
		if (kind == 2)
			return;
		if (kind == 1)
			start = next;
		p = next;
	}
	if (start != NULL && !c->full && !c->nomem)
		child(c, &a, start, (size_t)(end - start), depth, flags);
}

/* A multipart entity; false when it has no boundary (read as text). */
static bool
part_multipart(struct mime_ctx *c, const struct mime_part *pt, unsigned depth)
{
	struct buf b = BUF_INIT;
	bool ok;

	ok = param_raw(bdata(&pt->ct), pt->ct.len, pt->ct_params, "boundary",
	               &b) &&
	     b.len > 0 && b.len <= MIME_BOUNDARY_MAX && !buf_failed(&b);
	if (ok && depth >= c->lim->max_depth)
		ctx_limit(c, "max_depth");
	else if (ok)
		multipart_walk(c, pt, b.data, b.len, depth + 1);
	buf_free(&b);
	return ok;
}

/* Read the header block of S[0..N) into PT (and the message's own headers
 * when FLAGS has ENT_TOP). */
static void
part_headers(struct mime_ctx *c, const char *s, size_t n, unsigned flags,
             struct mime_part *pt)
{
	struct hdr_scan sc = {s, s + n, 0};
	struct hdr_field f;
	bool has_ct = false, has_cd = false, has_cte = false;

	if ((flags & ENT_TOP) && n >= 5 && memcmp(s, "From ", 5) == 0)
		sc.p = line_next(s, s + n); /* an mbox separator */
	while (hdr_next(c, &sc, &f)) {
		if (eq_nocase(f.name, f.nlen, "content-type") && !has_ct) {
			unfold(f.val, f.vlen, &pt->ct);
			has_ct = true;
		} else if (eq_nocase(f.name, f.nlen, "content-disposition") &&
		           !has_cd) {
			unfold(f.val, f.vlen, &pt->cd);
			has_cd = true;
		} else if (eq_nocase(f.name, f.nlen,
		                     "content-transfer-encoding") &&
		           !has_cte) {
			struct buf v = BUF_INIT;

			unfold(f.val, f.vlen, &v);
			if (v.len < sizeof pt->cte && !buf_failed(&v))
				for (size_t i = 0; i <= v.len; i++)
					pt->cte[i] = lower(bdata(&v)[i]);
			buf_free(&v);
			has_cte = true;
		}
		if (flags & ENT_TOP)
			top_field(c, &f);
	}
	pt->body = sc.p;
	pt->blen = (size_t)(s + n - sc.p);
	if (buf_failed(&pt->ct) || buf_failed(&pt->cd))
		c->nomem = true;
	if (!has_ct ||
	    !type_parse(bdata(&pt->ct), pt->ct.len, pt->type, &pt->ct_params))
		snprintf(pt->type, sizeof pt->type, "%s",
		         flags & ENT_DIGEST ? "message/rfc822" : "text/plain");
	if (has_cd) {
		char tok[MIME_TYPE_MAX];

		type_parse(bdata(&pt->cd), pt->cd.len, tok, &pt->cd_params);
		pt->attachment = strcmp(tok, "attachment") == 0;
	}
	if ((flags & ENT_TOP) && has_ct) {
		struct buf rt = BUF_INIT;

		c->m->content_type = ctx_strdup(c, pt->type);
		if (param_raw(bdata(&pt->ct), pt->ct.len, pt->ct_params,
		              "report-type", &rt)) {
			for (size_t i = 0; i < rt.len; i++)
				rt.data[i] = lower(rt.data[i]);
			clean_line(&rt);
			ensure_utf8(&rt);
			c->m->report_type = ctx_steal(c, &rt);
		}
		buf_free(&rt);
	}
}

/* Whether PT is a text part sent as a file: "attachment" with a name. */
static bool
text_attached(struct mime_ctx *c, const struct mime_part *pt)
{
	char *name;

	if (!pt->attachment)
		return false;
	name = part_filename(c, pt);
	free(name);
	return name != NULL;
}

static void
part_dispatch(struct mime_ctx *c, const struct mime_part *pt, unsigned depth)
{
	static const char *const embedded[] = {
	    "message/rfc822", "message/global", "text/rfc822-headers",
	    "message/global-headers", NULL};
	static const char *const dsn[] = {
	    "message/delivery-status", "message/global-delivery-status", NULL};
	bool multi = strncmp(pt->type, "multipart/", 10) == 0;

	if (multi && part_multipart(c, pt, depth))
		return;
	if (in_list(pt->type, embedded))
		part_embedded(c, pt);
	else if (in_list(pt->type, dsn))
		part_dsn(c, pt);
	else if ((multi || strcmp(pt->type, "text/plain") == 0) &&
	         !text_attached(c, pt))
		part_text(c, pt, false);
	else if (strcmp(pt->type, "text/html") == 0 && !text_attached(c, pt))
		part_text(c, pt, true);
	else
		part_attachment(c, pt);
}

/* One MIME entity S[0..N) at DEPTH (the message is at 0). */
static void
entity(struct mime_ctx *c, const char *s, size_t n, unsigned depth,
       unsigned flags)
{
	struct mime_part pt;

	if (c->nomem)
		return;
	if (c->nparts >= c->lim->max_parts) {
		ctx_limit(c, "max_parts");
		c->full = true;
		return;
	}
	c->nparts++;
	memset(&pt, 0, sizeof pt);
	part_headers(c, s, n, flags, &pt);
	part_dispatch(c, &pt, depth);
	buf_free(&pt.ct);
	buf_free(&pt.cd);
}

/* ---------------------------------------------------------------------
 * Public
 */

struct mime_limits
mime_default_limits(void)
{
	struct mime_limits l = {
	    .max_bytes = 4u << 20,
	    .max_headers = 1000,
	    .max_depth = 20,
	    .max_parts = 200,
	    .max_text = 1u << 20,
	};

	return l;
}

/* Where to cut DATA to at most MAX bytes: after the last line end within
 * a line's length (RFC 5322: 1000) of MAX, else at MAX itself, so that a
 * long base64 line keeps what fits. */
static size_t
cut_at_line(const char *data, size_t max)
{
	size_t cut = max, floor = max > 1000 ? max - 1000 : 0;

	while (cut > floor && data[cut - 1] != '\n')
		cut--;
	return cut > floor ? cut : max;
}

int
mime_parse(const char *data, size_t len, const struct mime_limits *lim,
           struct mime_message *out, struct err *e)
{
	struct mime_limits def = mime_default_limits();
	struct mime_ctx c;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	c.lim = lim != NULL ? lim : &def;
	c.m = out;
	if (data == NULL)
		data = "", len = 0;
	if (len > c.lim->max_bytes) {
		len = cut_at_line(data, c.lim->max_bytes);
		ctx_limit(&c, "max_bytes");
	}
	entity(&c, data, len, 0, ENT_TOP);
	out->html_only = !c.saw_plain && out->html.len > 0;
	for (size_t i = 0; i < c.nic; i++)
		iconv_close(c.ic[i].cd);
	if (c.nomem || buf_failed(&out->text) || buf_failed(&out->html)) {
		err_set(e, "mime: out of memory parsing a message of %zu bytes",
		        len);
		return -1;
	}
	return 0;
}

const char *
mime_body(const struct mime_message *m)
{
	return m->text.len > 0 ? buf_cstr(&m->text) : buf_cstr(&m->html);
}

void
mime_free(struct mime_message *m)
{
	char **fields[] = {&m->subject,       &m->from,
	                   &m->from_name,     &m->reply_to,
	                   &m->sender,        &m->return_path,
	                   &m->message_id,    &m->in_reply_to,
	                   &m->date,          &m->auto_submitted,
	                   &m->precedence,    &m->x_autoreply,
	                   &m->x_autorespond, &m->x_auto_response_suppress,
	                   &m->x_relance_id,  &m->content_type,
	                   &m->report_type};

	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		free(*fields[i]);
	strlist_clear(&m->to);
	strlist_clear(&m->cc);
	strlist_clear(&m->references);
	strlist_clear(&m->auth_results);
	buf_free(&m->text);
	buf_free(&m->html);
	for (size_t i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].filename);
		free(m->attachments[i].type);
	}
	free(m->attachments);
	for (size_t i = 0; i < m->ndsn; i++) {
		free(m->dsn[i].action);
		free(m->dsn[i].status);
		free(m->dsn[i].final_recipient);
		free(m->dsn[i].diagnostic);
	}
	free(m->dsn);
	for (size_t i = 0; i < m->nembedded; i++) {
		free(m->embedded[i].message_id);
		free(m->embedded[i].subject);
		free(m->embedded[i].relance_id);
		free(m->embedded[i].to);
	}
	free(m->embedded);
	memset(m, 0, sizeof *m);
}
