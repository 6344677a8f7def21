/*
 * quote.c -- the new text of a reply, apart from what it quotes.
 *
 * One pass over the lines, with a lookahead of at most three lines, so the
 * work is linear in the text. The text is folded once (text_fold: lower
 * case, no accents); folding keeps every '\n' and never makes one, so line
 * N of the folded copy is line N of the text and the tests below read the
 * folded line while the output copies the original one.
 *
 * States: FRESH (the customer's text; '>' lines go to QUOTED and the text
 * after them is fresh again, as in interleaved replies), SIGNATURE (after
 * "-- ": dropped, though '>' lines and quote markers still count) and
 * QUOTED (after the first attribution, Outlook header block or separator:
 * everything to the end).
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "quote.h"
#include "text.h"

#define GREETING_MAX          40  /* bytes of a greeting line, "Bonjour," */
#define ATTRIBUTION_MAX_LINES 3   /* Gmail wraps a long one over two */
#define ATTRIBUTION_MAX_BYTES 400 /* longer is prose, not a client's line */
#define MOBILE_SIG_MAX_BYTES  80
#define UNDERSCORES_MIN       20 /* Outlook writes 32 */
#define DISCLAIMER_MARKS      2  /* typical phrases that make one */

/* QUOTE_INTERLEAVED: a bottom-posted or interleaved reply: the customer
 * wrote nothing above an attribution that '>' lines follow, so the lines
 * without '>' further down are the customer's own. */
enum quote_state {
	QUOTE_FRESH,
	QUOTE_INTERLEAVED,
	QUOTE_SIGNATURE,
	QUOTE_QUOTED
};

/* A line of the text and the same line of its folded copy, without the
 * '\n' and without a '\r' before it. */
struct quote_line {
	const char *o;
	size_t olen;
	const char *f;
	size_t flen;
};

/* Where the next line starts, in the text and in its folded copy. */
struct quote_cursor {
	const char *o;
	const char *f;
};

/* Where lines go: blank lines are held back so that neither output starts
 * or ends with one. */
struct quote_sink {
	struct buf *b;
	size_t blanks;
	bool started;
	size_t start; /* B's length when the split began */
};

/* A view of part of a folded line. */
struct quote_span {
	const char *p;
	size_t n;
};

/* Length of the line at P, without its end; *NEXT is set past the '\n'. */
static size_t
quote_line_len(const char *p, const char **next)
{
	const char *nl = strchr(p, '\n');
	size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

	*next = nl != NULL ? nl + 1 : p + n;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

/* Read the line at C into *L and move C past it; false at the end. */
static bool
quote_next_line(struct quote_cursor *c, struct quote_line *l)
{
	if (*c->o == '\0')
		return false;
	l->o = c->o;
	l->olen = quote_line_len(c->o, &c->o);
	l->f = c->f;
	l->flen = quote_line_len(c->f, &c->f);
	return true;
}

/* Bytes of the blank (space, tab, U+00A0, U+202F) at P[0..N), or 0. */
static size_t
quote_blank(const char *p, size_t n)
{
	if (n >= 1 && (p[0] == ' ' || p[0] == '\t'))
		return 1;
	if (n >= 2 && p[0] == '\xc2' && p[1] == '\xa0')
		return 2;
	if (n >= 3 && p[0] == '\xe2' && p[1] == '\x80' && p[2] == '\xaf')
		return 3;
	return 0;
}

/* Bytes of the blank that ends P[0..N), or 0. */
static size_t
quote_blank_end(const char *p, size_t n)
{
	if (n >= 1 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		return 1;
	if (n >= 2 && p[n - 2] == '\xc2' && p[n - 1] == '\xa0')
		return 2;
	if (n >= 3 && memcmp(p + n - 3, "\xe2\x80\xaf", 3) == 0)
		return 3;
	return 0;
}

static struct quote_span
quote_trim(struct quote_span s)
{
	size_t k;

	while ((k = quote_blank(s.p, s.n)) > 0)
		s.p += k, s.n -= k;
	while ((k = quote_blank_end(s.p, s.n)) > 0)
		s.n -= k;
	return s;
}

static bool
quote_is_blank(const char *p, size_t n)
{
	return quote_trim((struct quote_span){p, n}).n == 0;
}

/*
 * Does S start with PAT? In PAT a ' ' stands for one or more blanks and a
 * '\'' for either apostrophe (' or U+2019). *USED (if not NULL) is set to
 * the bytes of S matched.
 */
static bool
quote_prefix(struct quote_span s, const char *pat, size_t *used)
{
	size_t i = 0, k;

	for (; *pat != '\0'; pat++) {
		if (*pat == ' ') {
			if ((k = quote_blank(s.p + i, s.n - i)) == 0)
				return false;
			do
				i += k;
			while ((k = quote_blank(s.p + i, s.n - i)) > 0);
		} else if (*pat == '\'' && s.n - i >= 3 &&
		           memcmp(s.p + i, "\xe2\x80\x99", 3) == 0) {
			i += 3;
		} else if (i < s.n && s.p[i] == *pat) {
			i++;
		} else {
			return false;
		}
	}
	if (used != NULL)
		*used = i;
	return true;
}

/* Does S, trimmed, read exactly PAT (see quote_prefix)? */
static bool
quote_equal(struct quote_span s, const char *pat)
{
	size_t used;

	s = quote_trim(s);
	return quote_prefix(s, pat, &used) && used == s.n;
}

/* Bytes of the '>' markers (and the blank after them) at the start of the
 * line P[0..N), or 0 when it is not a quoted line. */
static size_t
quote_marker_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == n || p[i] != '>')
		return 0;
	while (i < n && p[i] == '>') {
		i++;
		if (i + 1 < n && p[i] == ' ' && p[i + 1] == '>')
			i++;
		else if (i < n && p[i] == ' ')
			i++;
	}
	return i;
}

/* The folded line L without its '>' markers. */
static struct quote_span
quote_unquoted(const struct quote_line *l)
{
	size_t k = quote_marker_len(l->f, l->flen);

	return (struct quote_span){l->f + k, l->flen - k};
}

/* Does the trimmed span S end with "a écrit :" or "wrote:"? */
static bool
quote_ends_with_verb(struct quote_span s)
{
	size_t k;

	s = quote_trim(s);
	if (s.n == 0 || s.p[s.n - 1] != ':')
		return false;
	s.n--;
	while ((k = quote_blank_end(s.p, s.n)) > 0)
		s.n -= k;
	if (s.n >= 5 && memcmp(s.p + s.n - 5, "wrote", 5) == 0) {
		s.n -= 5;
		return s.n == 0 || quote_blank_end(s.p, s.n) > 0;
	}
	if (s.n >= 5 && memcmp(s.p + s.n - 5, "ecrit", 5) == 0) {
		s.n -= 5;
		if ((k = quote_blank_end(s.p, s.n)) == 0)
			return false;
		s.n -= k;
		if (s.n == 0 || s.p[s.n - 1] != 'a')
			return false;
		s.n--;
		return s.n == 0 || quote_blank_end(s.p, s.n) > 0;
	}
	return false;
}

static bool
quote_has(struct quote_span s, const char *set)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] != '\0' && strchr(set, s.p[i]) != NULL)
			return true;
	return false;
}

static bool
quote_has_digit(struct quote_span s)
{
	return quote_has(s, "0123456789");
}

/*
 * Is the line L, with the lines after C, an attribution? "Le ... , X a
 * écrit :" or "On ..., X wrote:" over at most ATTRIBUTION_MAX_LINES lines
 * (holding a digit and a comma), or one line "X <x@y> wrote:".
 */
static bool
quote_is_attribution(const struct quote_line *l, struct quote_cursor c)
{
	struct quote_span s = quote_trim(quote_unquoted(l));
	struct quote_line next;
	size_t total = s.n;
	bool digit, comma;

	if (quote_ends_with_verb(s) && quote_has(s, "@"))
		return true;
	if (!quote_prefix(s, "le ", NULL) && !quote_prefix(s, "on ", NULL))
		return false;
	digit = quote_has_digit(s);
	comma = quote_has(s, ",");
	for (int i = 1; i <= ATTRIBUTION_MAX_LINES; i++) {
		if (total > ATTRIBUTION_MAX_BYTES)
			return false;
		if (quote_ends_with_verb(s))
			return digit && comma;
		if (i == ATTRIBUTION_MAX_LINES || !quote_next_line(&c, &next))
			return false;
		s = quote_trim(quote_unquoted(&next));
		if (s.n == 0)
			return false;
		total += s.n;
		digit = digit || quote_has_digit(s);
		comma = comma || quote_has(s, ",");
	}
	return false;
}

enum quote_header { HEADER_NONE, HEADER_FROM, HEADER_OTHER };

/* Does S start with the header NAME, then blanks or '*', then ':'? */
static bool
quote_header_is(struct quote_span s, const char *name)
{
	size_t used, k;

	if (!quote_prefix(s, name, &used))
		return false;
	s.p += used, s.n -= used;
	while (s.n > 0 && ((k = quote_blank(s.p, s.n)) > 0 || s.p[0] == '*')) {
		k = k > 0 ? k : 1;
		s.p += k, s.n -= k;
	}
	return s.n > 0 && s.p[0] == ':';
}

/*
 * Which Outlook header line the folded span S is: "From: ...", "De : ...",
 * "*Envoyé :* ..." (bold markers from HTML). Names are matched folded, so
 * "À :" reads "a :".
 */
static enum quote_header
quote_header_name(struct quote_span s)
{
	static const char *const others[] = {
	    "sent",     "to",         "cc",         "bcc",  "subject", "date",
	    "envoye",   "a",          "objet",      "pour", "sujet",   "cci",
	    "reply-to", "repondre a", "importance", NULL};

	s = quote_trim(s);
	while (s.n > 0 && s.p[0] == '*')
		s.p++, s.n--;
	if (quote_header_is(s, "from") || quote_header_is(s, "de"))
		return HEADER_FROM;
	for (int i = 0; others[i] != NULL; i++)
		if (quote_header_is(s, others[i]))
			return HEADER_OTHER;
	return HEADER_NONE;
}

/* The next line after C that is not blank, looking at most two lines on;
 * false when there is none. */
static bool
quote_next_nonblank(struct quote_cursor *c, struct quote_line *l)
{
	for (int i = 0; i < 2; i++) {
		if (!quote_next_line(c, l))
			return false;
		if (!quote_is_blank(l->f, l->flen))
			return true;
	}
	return false;
}

/* Is L the "From:" / "De :" line of an Outlook header block, that is,
 * followed (one blank line allowed) by another header line? */
static bool
quote_is_header_block(const struct quote_line *l, struct quote_cursor c)
{
	struct quote_line next;

	if (quote_header_name((struct quote_span){l->f, l->flen}) !=
	    HEADER_FROM)
		return false;
	return quote_next_nonblank(&c, &next) &&
	       quote_header_name((struct quote_span){next.f, next.flen}) ==
	           HEADER_OTHER;
}

/* Is S "-----Original Message-----", "-------- Message transféré ---" or
 * another dashed separator? */
static bool
quote_is_dashed(struct quote_span s)
{
	static const char *const names[] = {
	    "original message",  "message d'origine", "message transfere",
	    "forwarded message", "message transmis",  NULL};
	size_t lead = 0, trail = 0;

	s = quote_trim(s);
	while (lead < s.n && s.p[lead] == '-')
		lead++;
	while (trail < s.n - lead && s.p[s.n - 1 - trail] == '-')
		trail++;
	if (lead < 2 || trail < 2)
		return false;
	s = (struct quote_span){s.p + lead, s.n - lead - trail};
	for (int i = 0; names[i] != NULL; i++)
		if (quote_equal(s, names[i]))
			return true;
	return false;
}

/* Is S a forward's marker: "---------- Forwarded message ---------",
 * "-------- Message transféré --------", "Begin forwarded message:",
 * "Début du message réexpédié :"? */
static bool
quote_is_forward(struct quote_span s)
{
	static const char *const names[] = {
	    "message transfere", "forwarded message", "message transmis", NULL};
	size_t lead = 0, trail = 0;

	s = quote_trim(s);
	if (quote_equal(s, "begin forwarded message :") ||
	    quote_equal(s, "begin forwarded message:") ||
	    quote_equal(s, "debut du message reexpedie :") ||
	    quote_equal(s, "debut du message reexpedie:"))
		return true;
	while (lead < s.n && s.p[lead] == '-')
		lead++;
	while (trail < s.n - lead && s.p[s.n - 1 - trail] == '-')
		trail++;
	if (lead < 2 || trail < 2)
		return false;
	s = (struct quote_span){s.p + lead, s.n - lead - trail};
	for (int i = 0; names[i] != NULL; i++)
		if (quote_equal(s, names[i]))
			return true;
	return false;
}

/* Is S a line of UNDERSCORES_MIN or more underscores? */
static bool
quote_is_underscores(struct quote_span s)
{
	s = quote_trim(s);
	if (s.n < UNDERSCORES_MIN)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] != '_')
			return false;
	return true;
}

/* Does the line L (the lines after it at C) start the quoted part? */
static bool
quote_is_marker(const struct quote_line *l, struct quote_cursor c)
{
	struct quote_span s = {l->f, l->flen};
	struct quote_line next;

	if (quote_is_attribution(l, c))
		return true;
	if (quote_marker_len(l->f, l->flen) > 0)
		return false;
	if (quote_is_header_block(l, c) || quote_is_dashed(s) ||
	    quote_equal(s, "begin forwarded message :") ||
	    quote_equal(s, "begin forwarded message:") ||
	    quote_equal(s, "debut du message reexpedie :") ||
	    quote_equal(s, "debut du message reexpedie:"))
		return true;
	return quote_is_underscores(s) && quote_next_nonblank(&c, &next) &&
	       quote_is_header_block(&next, c);
}

/* Is L a signature separator, "-- " or "--"? */
static bool
quote_is_signature(const struct quote_line *l)
{
	return (l->olen == 3 && memcmp(l->o, "-- ", 3) == 0) ||
	       (l->olen == 2 && memcmp(l->o, "--", 2) == 0);
}

/* Is L a mobile client's line, "Envoyé de mon iPhone", "Sent from my
 * iPhone", "Get Outlook for Android"? */
static bool
quote_is_mobile_signature(const struct quote_line *l)
{
	static const char *const starts[] = {
	    "envoye de mon ",
	    "envoye depuis mon ",
	    "envoye depuis yahoo mail",
	    "envoye depuis outlook",
	    "envoye a partir de outlook",
	    "obtenir outlook pour ",
	    "telecharger outlook pour ",
	    "provenance : courrier pour windows",
	    "sent from my ",
	    "sent from outlook for ",
	    "sent from yahoo mail",
	    "sent from mail for windows",
	    "get outlook for ",
	    NULL};
	struct quote_span s = quote_trim((struct quote_span){l->f, l->flen});

	if (s.n > MOBILE_SIG_MAX_BYTES)
		return false;
	for (int i = 0; starts[i] != NULL; i++)
		if (quote_prefix(s, starts[i], NULL))
			return true;
	return false;
}

/* Append P[0..N) and a newline to the sink, holding blank lines back. */
static void
quote_put(struct quote_sink *s, const char *p, size_t n)
{
	if (quote_is_blank(p, n)) {
		if (s->started)
			s->blanks++;
		return;
	}
	for (; s->blanks > 0; s->blanks--)
		buf_putc(s->b, '\n');
	buf_append(s->b, p, n);
	buf_putc(s->b, '\n');
	s->started = true;
}

/* Append the original line L, without its '>' markers, to S. */
static void
quote_put_quoted(struct quote_sink *s, const struct quote_line *l)
{
	size_t k = quote_marker_len(l->o, l->olen);

	quote_put(s, l->o + k, l->olen - k);
}

/* Is the next line after C that is not blank a '>' line? */
static bool
quote_next_is_marked(struct quote_cursor c)
{
	struct quote_line next;

	return quote_next_nonblank(&c, &next) &&
	       quote_marker_len(next.o, next.olen) > 0;
}

/* Is all the fresh text so far one short greeting line ("Bonjour,",
 * "Hello Anne,", "Madame, Monsieur,")? */
static bool
quote_fresh_is_greeting(const struct quote_sink *fs)
{
	const char *p = fs->b->data ? fs->b->data + fs->start : "";
	size_t n = fs->b->len - fs->start;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	return n > 0 && n <= GREETING_MAX && p[n - 1] == ',' &&
	       memchr(p, '\n', n) == NULL;
}

/* Does L open a bottom-posted reply: an attribution with nothing fresh
 * above it but a greeting, '>' lines below? */
static bool
quote_opens_bottom_post(const struct quote_line *l, struct quote_cursor c,
                        const struct quote_sink *fs)
{
	return (!fs->started || quote_fresh_is_greeting(fs)) &&
	       quote_marker_len(l->o, l->olen) == 0 &&
	       quote_is_attribution(l, c) && quote_next_is_marked(c);
}

/* How many phrases typical of a legal disclaimer or of a system's
 * boilerplate the folded paragraph S holds (line ends read as blanks). */
static int
quote_disclaimer_marks(struct quote_span s)
{
	/* Folded; matched at a word start, a ' ' standing for blanks and a
	 * '\'' for either apostrophe (quote_prefix). */
	static const char *const marks[] = {"confidentiel",
	                                    "destinataire",
	                                    "par erreur",
	                                    "diffusion",
	                                    "non autorise",
	                                    "interdit",
	                                    "tenue responsable",
	                                    "tenu responsable",
	                                    "integrite de ce message",
	                                    "imprime",
	                                    "environnement",
	                                    "ne pas repondre",
	                                    "ne pas y repondre",
	                                    "ne repondez pas",
	                                    "automatiquement",
	                                    "confidential",
	                                    "intended recipient",
	                                    "intended solely",
	                                    "intended only",
	                                    "if you have received this",
	                                    "in error",
	                                    "unauthori",
	                                    "prohibited",
	                                    "disclaimer",
	                                    "privileged",
	                                    "virus",
	                                    "do not reply",
	                                    "not monitored",
	                                    "automatically generated",
	                                    "generated automatically",
	                                    "environment",
	                                    "before printing",
	                                    "before you print",
	                                    "notify the sender",
	                                    "liability",
	                                    NULL};
	int n = 0;

	for (int k = 0; marks[k] != NULL; k++)
		for (size_t i = 0; i < s.n; i++) {
			struct quote_span at = {s.p + i, s.n - i};

			if ((i == 0 || !isalnum((unsigned char)s.p[i - 1])) &&
			    quote_prefix(at, marks[k], NULL)) {
				n++;
				break;
			}
		}
	return n;
}

/*
 * Drop the disclaimers from the new text, FRESH from byte START on: a
 * paragraph (lines between blank lines) other than the first that holds
 * DISCLAIMER_MARKS or more of the typical phrases, and after it every
 * paragraph that still holds one ("Tout litige ..." on its own). Outlook
 * puts them under the signature without a "-- ", and their "litige",
 * "paiement", "dispute" are not the customer's words.
 */
static void
quote_drop_disclaimers(struct buf *fresh, size_t start)
{
	struct buf kept = BUF_INIT, folded = BUF_INIT, mark = BUF_INIT;
	const char *p, *end, *next;
	bool first = true, dropping = false, dropped = false;

	if (fresh->failed || fresh->len <= start)
		return;
	p = fresh->data + start;
	end = fresh->data + fresh->len;
	for (; p < end; p = next) {
		const char *sep = strstr(p, "\n\n");
		size_t n =
		    sep != NULL ? (size_t)(sep - p) + 1 : (size_t)(end - p);
		int marks;

		next = sep != NULL ? sep + 2 : end;
		buf_reset(&folded);
		buf_append(&folded, p, n);
		if (buf_failed(&folded))
			break;
		for (size_t i = 0; i < folded.len; i++)
			if (folded.data[i] == '\n')
				folded.data[i] = ' ';
		text_fold(buf_cstr(&folded), &mark);
		marks = buf_failed(&mark)
		            ? 0
		            : quote_disclaimer_marks((struct quote_span){
		                  buf_cstr(&mark), mark.len});
		buf_reset(&mark);
		if (quote_is_blank(p, n - (p[n - 1] == '\n'))) {
			if (!dropping)
				buf_append(&kept, p, n);
			continue;
		}
		if (!first &&
		    (marks >= DISCLAIMER_MARKS || (dropping && marks > 0))) {
			dropping = dropped = true;
			continue;
		}
		dropping = false;
		if (kept.len > 0)
			buf_putc(&kept, '\n');
		buf_append(&kept, p, n);
		first = false;
	}
	if (dropped && !buf_failed(&kept) && !buf_failed(&folded)) {
		fresh->len = start;
		buf_append(fresh, buf_cstr(&kept), kept.len);
		if (fresh->data != NULL)
			fresh->data[fresh->len] = '\0';
	}
	buf_free(&kept);
	buf_free(&folded);
	buf_free(&mark);
}

void
quote_split(const char *text, struct buf *fresh, struct buf *quoted)
{
	struct buf folded = BUF_INIT;
	struct quote_sink fs = {fresh, 0, false, fresh->len},
	                  qs = {quoted, 0, false, quoted->len};
	enum quote_state st = QUOTE_FRESH;
	struct quote_cursor c;
	struct quote_line l;

	text_fold(text, &folded);
	if (buf_failed(&folded)) {
		fresh->failed = quoted->failed = true;
		goto out;
	}
	c = (struct quote_cursor){text, buf_cstr(&folded)};
	while (quote_next_line(&c, &l)) {
		bool marked = quote_marker_len(l.o, l.olen) > 0;

		if (st == QUOTE_FRESH && quote_opens_bottom_post(&l, c, &fs)) {
			st = QUOTE_INTERLEAVED;
			quote_put_quoted(&qs, &l);
			continue;
		}
		if (st != QUOTE_QUOTED &&
		    !(st == QUOTE_INTERLEAVED && marked) &&
		    quote_is_marker(&l, c))
			st = QUOTE_QUOTED;
		if (st == QUOTE_QUOTED || marked)
			quote_put_quoted(&qs, &l);
		else if (st == QUOTE_SIGNATURE)
			continue;
		else if (quote_is_signature(&l))
			st = QUOTE_SIGNATURE;
		else if (!quote_is_mobile_signature(&l))
			quote_put(&fs, l.o, l.olen);
	}
	quote_drop_disclaimers(fresh, fs.start);
out:
	buf_free(&folded);
}

bool
quote_forward(const char *quoted, struct buf *from, struct buf *body)
{
	struct buf folded = BUF_INIT;
	struct quote_cursor c;
	struct quote_line l;
	bool headers = false, found = false, more;
	size_t from_start = from->len;

	text_fold(quoted, &folded);
	if (buf_failed(&folded))
		goto out;
	c = (struct quote_cursor){quoted, buf_cstr(&folded)};
	if (!quote_next_line(&c, &l) ||
	    !quote_is_forward((struct quote_span){l.f, l.flen}))
		goto out;
	while ((more = quote_next_line(&c, &l)) && quote_is_blank(l.f, l.flen))
		;
	for (; more; more = quote_next_line(&c, &l)) {
		struct quote_span f = {l.f, l.flen};
		enum quote_header h = quote_header_name(f);
		const char *colon;

		if (h == HEADER_NONE)
			break;
		headers = true;
		if (h == HEADER_FROM && from->len == from_start &&
		    (colon = memchr(l.o, ':', l.olen)) != NULL) {
			struct quote_span v = quote_trim((struct quote_span){
			    colon + 1, l.olen - (size_t)(colon + 1 - l.o)});

			buf_append(from, v.p, v.n);
		}
	}
	if (!headers || from->len == from_start) {
		from->len = from_start;
		if (from->data != NULL)
			from->data[from_start] = '\0';
		goto out;
	}
	while (more && quote_is_blank(l.f, l.flen))
		more = quote_next_line(&c, &l);
	for (; more; more = quote_next_line(&c, &l)) {
		buf_append(body, l.o, l.olen);
		buf_putc(body, '\n');
	}
	found = true;
out:
	buf_free(&folded);
	return found;
}
