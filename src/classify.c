/*
 * classify.c -- what an incoming message is, which invoice it is about, and
 * why relance thinks so.
 *
 * Structure decides before words. A delivery status notification, a known
 * bounce from a mail system, an RFC 3834 header, an empty return path or a
 * read receipt settle the class before any keyword is read, so that an
 * absence notice quoting "we will pay" or a bounce quoting "virement" can
 * never stop dunning. Only then are the rules' words read, in the new text
 * of the reply (quote.h) and in its subject, language by language, class
 * by class: dispute (before remittance: a mail that both says it paid
 * and contests, "already paid, this one is a duplicate", needs a person,
 * not an invoice marked paid), remittance, promise (only with a date: a
 * promise without one is a reply), reply; and only in a mail that carries a
 * signal of ours (a tracking ID, a reference, an invoice number): without
 * one it is unrelated whatever it says, a newsletter's "remittance advice"
 * or a phishing "payment confirmation" (only an authenticated remittance
 * notice, by its subject or attachment, needs no signal). A human mail
 * with a signal and no rule matched is a reply. Automatic mail needs a
 * signal too: without one it is a bank's alert or a newsletter, unless it
 * is an absence notice stating a return date; with one it is an automatic
 * reply, unless it is a new auto-generated notice from the customer's
 * payment system whose subject or attachment announces a remittance.
 *
 * Signals are gathered apart from the class, strongest first, without
 * duplicates: plus-addresses, references, the X-Relance-ID header, the
 * subject tag, IDs in the quoted text, in embedded originals, in the new
 * text, then invoice numbers.
 *
 * Every text is read through policy_fold, with a map back to the original
 * so that the evidence quotes what the sender wrote. Texts are capped
 * (CLASSIFY_MAX_TEXT) and every pattern match is bounded by the policy.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "quote.h"
#include "text.h"
#include "track.h"

#define CLASSIFY_MAX_TEXT     (256 * 1024) /* bytes of a text read */
#define CLASSIFY_MAX_SIGNALS  64
#define CLASSIFY_MAX_INVOICES 16
#define CLASSIFY_MAX_HITS     16  /* matches of one rule tried for a date */
#define EVIDENCE_MAX          200 /* bytes of matched text kept */
#define TRIVIAL_WORDS         3   /* fewer: the subject speaks too */
#define SENTENCE_MAX          500 /* bytes searched for a sentence's end */

static const char *const class_names[] = {
    "bounce",  "auto-reply", "remittance", "dispute",
    "promise", "reply",      "unrelated"};

static const char *const signal_names[] = {
    "plus-address", "reference", "header", "subject-tag",
    "quoted",       "embedded",  "body",   "invoice"};

/* A text as the rules read it: folded, with the way back. */
struct ctext {
	const char *orig; /* borrowed, NUL-terminated */
	size_t olen;      /* bytes read: at most CLASSIFY_MAX_TEXT */
	struct buf f;     /* folded */
	size_t *map;      /* f.len + 1 offsets into orig */
};

/* Who sent the message, as far as automatic mail is concerned. */
enum sender {
	SENDER_PERSON,
	SENDER_NULL,       /* the null return path "<>" */
	SENDER_DAEMON,     /* MAILER-DAEMON, "Mail Delivery Subsystem" */
	SENDER_POSTMASTER, /* postmaster: a mail system, or a person */
	SENDER_AUTOMATIC,  /* Auto-Submitted other than "no" */
};

/* Where a rule matched. */
struct hit {
	const struct policy_rules *lang;
	const struct policy_rule *rule;
	const struct ctext *text; /* NULL for an attachment name */
	const char *name;         /* the attachment's name */
	size_t start, end;        /* offsets in text->orig (or in name) */
};

struct ctx {
	const struct mime_message *m;
	const struct policy *p;
	const struct classify_opts *o;
	struct classify_result *out;
	struct date ref; /* the message's Date, else today */
	enum sender sender;
	struct buf fresh, quoted;
	struct buf words; /* the customer's words: the new text, and the
	                   * subject when the new text says next to nothing */
	struct ctext subject, body, news;
	/* Every language's cues, NULL-terminated. */
	const char *const *return_cues;
	const char *const *promise_cues;
	const char *const *delay_cues;
	struct hit undated; /* the first promise found without a date */
	bool undated_seen;
	bool nomem;
};

const char *
classify_name(enum classify_class c)
{
	return (unsigned)c < CLASSIFY_COUNT ? class_names[c] : "?";
}

const char *
classify_signal_name(enum classify_signal_kind k)
{
	return (unsigned)k <= SIGNAL_INVOICE ? signal_names[k] : "?";
}

static char *
cstrdup(struct ctx *c, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		c->nomem = true;
	return d;
}

/* ------------------------------------------------------------------ */
/* Texts                                                              */

/* Fold S into T, reading at most CLASSIFY_MAX_TEXT bytes of it (cut at a
 * character boundary; the result then says it was truncated). */
static void
ctext_init(struct ctx *c, struct ctext *t, const char *s)
{
	size_t n = strlen(s);

	t->orig = s;
	if (n > CLASSIFY_MAX_TEXT) {
		n = CLASSIFY_MAX_TEXT;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		c->out->truncated = true;
	}
	t->olen = n;
	if (policy_fold(s, n, &t->f, &t->map) < 0)
		c->nomem = true;
}

/* Read T's careless and short forms as the policy's "spelling"
 * directives say ("vir" as "virement"). */
static void
ctext_respell(struct ctx *c, struct ctext *t)
{
	struct buf f = BUF_INIT;
	size_t *map;

	if (t->map == NULL)
		return;
	if (policy_respell(c->p, buf_cstr(&t->f), t->f.len, t->map, &f, &map) <
	    0) {
		buf_free(&f);
		c->nomem = true;
		return;
	}
	buf_free(&t->f);
	free(t->map);
	t->f = f;
	t->map = map;
}

static void
ctext_free(struct ctext *t)
{
	buf_free(&t->f);
	free(t->map);
	t->map = NULL;
}

/* The folded span [A, B) of T as offsets in the original: up to the end of
 * the character that B - 1 came from. */
static void
ctext_span(const struct ctext *t, size_t a, size_t b, size_t *oa, size_t *ob)
{
	size_t k = b;

	*oa = t->map[a];
	if (b == a) {
		*ob = *oa;
		return;
	}
	while (k < t->f.len && t->map[k] == t->map[b - 1])
		k++;
	*ob = t->map[k] > t->map[b - 1] ? t->map[k] : t->olen;
}

/* Rule R in T from the folded offset FROM: 1 and the original span in H,
 * 0 when there is none (a pattern stopped by its limits counts as none and
 * marks the result truncated). */
static int
find_in(struct ctx *c, const struct policy_rule *r, const struct ctext *t,
        size_t from, struct hit *h, size_t *fend)
{
	size_t a, b;
	int rc;

	if (t->map == NULL)
		return 0;
	rc = policy_rule_find(r, buf_cstr(&t->f), t->f.len, from, &a, &b);
	if (rc < 0) {
		c->out->truncated = true;
		return 0;
	}
	if (rc == 0)
		return 0;
	h->rule = r;
	h->text = t;
	h->name = NULL;
	ctext_span(t, a, b, &h->start, &h->end);
	if (fend != NULL)
		*fend = b > a ? b : a + 1;
	return 1;
}

/* Rule R on the attachment names. */
static int
find_attachment(struct ctx *c, const struct policy_rule *r, struct hit *h)
{
	for (size_t i = 0; i < c->m->nattachments; i++) {
		const char *name = c->m->attachments[i].filename;
		struct ctext t = {0};
		int found;

		if (name == NULL)
			continue;
		ctext_init(c, &t, name);
		found = find_in(c, r, &t, 0, h, NULL);
		ctext_free(&t);
		if (found) {
			h->text = NULL;
			h->name = name;
			h->start = 0;
			h->end = strlen(name);
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Evidence                                                           */

/* Set the evidence: RULE, and S[0..LEN) as the matched text (control
 * characters as blanks, at most EVIDENCE_MAX bytes, cut at a character
 * boundary). LANG may be NULL. */
static void
evidence(struct ctx *c, const char *rule, const char *s, size_t len,
         const char *lang)
{
	struct classify_result *out = c->out;
	struct buf b = BUF_INIT;

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len > EVIDENCE_MAX) {
		len = EVIDENCE_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	for (size_t i = 0; i < len; i++)
		buf_putc(&b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' '
		                                                        : s[i]);
	free(out->rule);
	free(out->matched);
	free(out->lang);
	out->rule = cstrdup(c, rule);
	out->matched = buf_steal(&b);
	out->lang = lang != NULL ? cstrdup(c, lang) : NULL;
	if (out->matched == NULL)
		c->nomem = true;
}

/* The evidence of a rule's hit: "fr keyword dispute" and what it matched,
 * with SUFFIX after the rule (may be ""). */
static void
hit_evidence(struct ctx *c, const struct hit *h, const char *suffix)
{
	struct buf rule = BUF_INIT;
	const char *s = h->text != NULL ? h->text->orig : h->name;

	buf_printf(&rule, "%s %s %s%s", h->lang->lang,
	           policy_rule_kind_name(h->rule->kind),
	           policy_class_name(h->rule->cls), suffix);
	if (buf_failed(&rule))
		c->nomem = true;
	evidence(c, buf_cstr(&rule), s + h->start, h->end - h->start,
	         h->lang->lang);
	buf_free(&rule);
}

/* ------------------------------------------------------------------ */
/* Rules                                                              */

/* Accept a hit, or ask for the next one (a promise needs a date). */
typedef bool (*hit_fn)(struct ctx *c, const struct hit *h);

/* The first hit of a rule of class CLS that ACCEPT (NULL: any) takes,
 * language after language, rule after rule. Subject rules read the
 * subject, attachment rules the attachment names, the others WORDS (none
 * when WORDS is NULL). */
static bool
find_class(struct ctx *c, enum policy_class cls, const struct ctext *words,
           hit_fn accept, struct hit *h)
{
	for (size_t i = 0; i < c->p->nrules && !c->nomem; i++) {
		const struct policy_rules *lang = &c->p->rules[i];

		h->lang = lang;
		for (size_t k = 0; k < lang->nrules && !c->nomem; k++) {
			const struct policy_rule *r = &lang->rules[k];
			const struct ctext *t = r->kind == POLICY_RULE_SUBJECT
			                            ? &c->subject
			                            : words;
			size_t from = 0;

			if (r->cls != cls || t == NULL)
				continue;
			if (r->kind == POLICY_RULE_ATTACHMENT) {
				if (find_attachment(c, r, h) &&
				    (accept == NULL || accept(c, h)))
					return true;
				continue;
			}
			for (int n = 0;
			     n < CLASSIFY_MAX_HITS && from <= t->f.len; n++) {
				if (!find_in(c, r, t, from, h, &from))
					break;
				if (accept == NULL || accept(c, h))
					return true;
			}
		}
	}
	return false;
}

/* The cues of every language, NULL-terminated (borrowed from P; the
 * array is the caller's). NULL on no memory. */
static const char *const *
all_cues(struct ctx *c, size_t which)
{
	size_t n = 0, k = 0;
	const char **v;

	for (size_t i = 0; i < c->p->nrules; i++) {
		const struct policy_rules *r = &c->p->rules[i];

		n += which == 0   ? r->return_cues.n
		     : which == 1 ? r->promise_cues.n
		                  : r->delay_cues.n;
	}
	if ((v = calloc(n + 1, sizeof(*v))) == NULL) {
		c->nomem = true;
		return NULL;
	}
	for (size_t i = 0; i < c->p->nrules; i++) {
		const struct policy_rules *r = &c->p->rules[i];
		const struct strlist *l = which == 0   ? &r->return_cues
		                          : which == 1 ? &r->promise_cues
		                                       : &r->delay_cues;

		for (size_t j = 0; j < l->n; j++)
			v[k++] = l->v[j];
	}
	return v;
}

/* True when one of CUES stands as words in T. */
static bool
cue_in(struct ctx *c, const char *const *cues, const struct ctext *t)
{
	struct policy_rule r = {
	    POLICY_RULE_KEYWORD, POLICY_CLASS_BOUNCE, NULL, NULL, {NULL, 0}};
	struct hit h;

	for (size_t i = 0; cues != NULL && cues[i] != NULL; i++) {
		r.text = (char *)cues[i]; /* only read */
		if (find_in(c, &r, t, 0, &h, NULL))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Dates                                                              */

/*
 * The calendar date of an RFC 5322 Date header: "[Mon, ]3 Nov 2026
 * 10:12:00 +0100", as written, in the sender's own zone: the day the
 * sender meant by "tomorrow". Obsolete two-digit years read as RFC 5322
 * says. Returns 0, or -1 when S is not such a date.
 */
static int
parse_mail_date(const char *s, struct date *out)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	struct date d = DATE_NULL;
	const char *p = s, *m;
	char mon[4];
	int n = 0;

	p += strspn(p, " \t");
	if (isalpha((unsigned char)*p)) {
		p += strspn(
		    p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
		p += strspn(p, " \t,");
	}
	for (; isdigit((unsigned char)*p) && n < 2; p++, n++)
		d.day = d.day * 10 + (*p - '0');
	if (n == 0)
		return -1;
	p += strspn(p, " \t-");
	for (n = 0; n < 3 && isalpha((unsigned char)p[n]); n++)
		mon[n] = (char)tolower((unsigned char)p[n]);
	mon[n] = '\0';
	if (n < 3 || (m = strstr(months, mon)) == NULL || (m - months) % 3)
		return -1;
	d.month = (int)(m - months) / 3 + 1;
	p += strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	p += strspn(p, " \t-");
	for (n = 0; isdigit((unsigned char)*p) && n < 4; p++, n++)
		d.year = d.year * 10 + (*p - '0');
	if (n < 2 || isdigit((unsigned char)*p))
		return -1;
	if (n == 2)
		d.year += d.year < 50 ? 2000 : 1900;
	else if (n == 3)
		d.year += 1900;
	if (!date_valid(d))
		return -1;
	*out = d;
	return 0;
}

/* Does a sentence end at S[I] (S has LEN bytes)? At '!' or '?' before a
 * blank, at '.' before a line end or a blank and a capital (not "15 déc.
 * 2026"), at the first line end of a blank line. */
static bool
ends_sentence(const char *s, size_t len, size_t i)
{
	char d = i + 1 < len ? s[i + 1] : '\0';

	if (s[i] == '!' || s[i] == '?')
		return d == '\0' || isspace((unsigned char)d);
	if (s[i] == '.')
		return d == '\0' || d == '\n' ||
		       (d == ' ' && i + 2 < len &&
		        isupper((unsigned char)s[i + 2]));
	return s[i] == '\n' && d == '\n';
}

/* Where the sentence that holds offset AT of S ends (at most
 * SENTENCE_MAX bytes on). */
static size_t
sentence_end(const char *s, size_t len, size_t at)
{
	size_t stop = len - at > SENTENCE_MAX ? at + SENTENCE_MAX : len;

	for (size_t i = at; i < stop; i++)
		if (ends_sentence(s, len, i))
			return i;
	return stop;
}

/* Where it starts (at most SENTENCE_MAX bytes back). */
static size_t
sentence_start(const char *s, size_t len, size_t at)
{
	size_t stop = at > SENTENCE_MAX ? at - SENTENCE_MAX : 0;

	for (size_t i = at; i > stop; i--)
		if (ends_sentence(s, len, i - 1))
			return i;
	return stop;
}

/* A date stated in S from FROM that starts before UNTIL, looked forward
 * to (a promise's: extract_date_future). */
static bool
date_between(struct ctx *c, const char *s, size_t from, size_t until,
             struct date *out)
{
	size_t at;

	return extract_date_future(s + from, c->ref, out, &at, NULL) == 0 &&
	       from + at < until;
}

/* ------------------------------------------------------------------ */
/* Signals                                                            */

/* A tracking ID (not a Message-ID or an invoice number)? */
static bool
is_tracking_id(const char *s)
{
	char id[TRACK_ID_SIZE];

	return track_parse(s, strlen(s), id) == 0 && strcmp(id, s) == 0;
}

/* Add VALUE as a signal of KIND unless some signal already has it. */
static void
add_signal(struct ctx *c, enum classify_signal_kind kind, const char *value)
{
	struct classify_result *out = c->out;
	struct classify_signal *v;

	if (out->nsignals >= CLASSIFY_MAX_SIGNALS || *value == '\0')
		return;
	for (size_t i = 0; i < out->nsignals; i++)
		if (strcmp(out->signals[i].value, value) == 0)
			return;
	v = realloc(out->signals, (out->nsignals + 1) * sizeof(*v));
	if (v == NULL) {
		c->nomem = true;
		return;
	}
	out->signals = v;
	v[out->nsignals].kind = kind;
	if ((v[out->nsignals].value = cstrdup(c, value)) == NULL)
		return;
	out->nsignals++;
	if (kind != SIGNAL_INVOICE && is_tracking_id(value) &&
	    strlist_find(&out->tracking_ids, value) < 0 &&
	    strlist_add(&out->tracking_ids, value) < 0)
		c->nomem = true;
}

/* Every tracking ID standing in TEXT, as signals of KIND. */
static void
add_ids_in(struct ctx *c, enum classify_signal_kind kind, const char *text)
{
	struct strlist ids = STRLIST_INIT;

	if (text == NULL)
		return;
	track_find(text, &ids);
	for (size_t i = 0; i < ids.n; i++)
		add_signal(c, kind, ids.v[i]);
	strlist_clear(&ids);
}

/* The ID of the header value S, which a client may have kept. */
static void
add_id_header(struct ctx *c, enum classify_signal_kind kind, const char *s)
{
	char id[TRACK_ID_SIZE];
	size_t n;

	if (s == NULL)
		return;
	s += strspn(s, " \t<");
	n = strcspn(s, " \t>");
	if (track_parse(s, n, id) == 0)
		add_signal(c, kind, id);
}

/* Is ADDR one of our mailboxes, or a plus-address of one (a bounce's
 * bystander)? */
static bool
our_mailbox(const char *addr, const char *mailbox)
{
	const char *at = strrchr(addr, '@'), *mat = strrchr(mailbox, '@');
	size_t local;

	if (strcasecmp(addr, mailbox) == 0)
		return true;
	if (at == NULL || mat == NULL || strcasecmp(at, mat) != 0)
		return false;
	local = (size_t)(mat - mailbox);
	return (size_t)(at - addr) > local &&
	       strncasecmp(addr, mailbox, local) == 0 && addr[local] == '+';
}

static void
recipient_signals(struct ctx *c, const struct strlist *l)
{
	char id[TRACK_ID_SIZE];

	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0;
		     c->o->mailboxes != NULL && k < c->o->mailboxes->n; k++) {
			if (track_from_address(l->v[i], c->o->mailboxes->v[k],
			                       id) == 0)
				add_signal(c, SIGNAL_PLUS_ADDRESS, id);
		}
}

static void
reference_signals(struct ctx *c)
{
	const struct mime_message *m = c->m;

	if (m->in_reply_to != NULL) {
		add_signal(c, SIGNAL_REFERENCE, m->in_reply_to);
		add_ids_in(c, SIGNAL_REFERENCE, m->in_reply_to);
	}
	/* The last reference is the message replied to. */
	for (size_t i = m->references.n; i-- > 0;) {
		add_signal(c, SIGNAL_REFERENCE, m->references.v[i]);
		add_ids_in(c, SIGNAL_REFERENCE, m->references.v[i]);
	}
}

/* Invoice numbers (the policy's pattern) in T: weak signals. */
static void
invoice_signals(struct ctx *c, const struct ctext *t)
{
	const struct policy_regex *re = c->p->matching.invoice;
	struct buf v = BUF_INIT;
	size_t from = 0, a, b, oa, ob;
	int rc = 0;

	if (re == NULL || t->map == NULL)
		return;
	while (c->out->invoices.n < CLASSIFY_MAX_INVOICES &&
	       (rc = policy_regex_find(re, buf_cstr(&t->f), t->f.len, from, &a,
	                               &b)) == 1) {
		ctext_span(t, a, b, &oa, &ob);
		buf_reset(&v);
		buf_append(&v, t->orig + oa, ob - oa);
		if (buf_failed(&v) || text_has_ctl(buf_cstr(&v))) {
			c->nomem |= buf_failed(&v);
			break;
		}
		add_signal(c, SIGNAL_INVOICE, buf_cstr(&v));
		if (strlist_find(&c->out->invoices, buf_cstr(&v)) < 0 &&
		    strlist_add(&c->out->invoices, buf_cstr(&v)) < 0)
			c->nomem = true;
		from = b > a ? b : a + 1;
		while (from < t->f.len &&
		       ((unsigned char)t->f.data[from] & 0xc0) == 0x80)
			from++;
	}
	if (rc < 0)
		c->out->truncated = true;
	buf_free(&v);
}

/* Every signal, strongest first. */
static void
gather_signals(struct ctx *c)
{
	const struct mime_message *m = c->m;

	recipient_signals(c, &m->to);
	recipient_signals(c, &m->cc);
	reference_signals(c);
	add_id_header(c, SIGNAL_HEADER, m->x_relance_id);
	add_ids_in(c, SIGNAL_SUBJECT_TAG, m->subject);
	add_ids_in(c, SIGNAL_QUOTED, buf_cstr(&c->quoted));
	for (size_t i = 0; i < m->nembedded; i++) {
		add_id_header(c, SIGNAL_EMBEDDED, m->embedded[i].relance_id);
		add_ids_in(c, SIGNAL_EMBEDDED, m->embedded[i].subject);
		if (m->embedded[i].message_id != NULL)
			add_signal(c, SIGNAL_EMBEDDED,
			           m->embedded[i].message_id);
	}
	add_ids_in(c, SIGNAL_BODY, buf_cstr(&c->fresh));
	invoice_signals(c, &c->subject);
	invoice_signals(c, &c->news);
}

/* ------------------------------------------------------------------ */
/* Bounces                                                            */

/* The local part of ADDR is NAME (case-insensitive)? */
static bool
local_is(const char *addr, const char *name)
{
	size_t n = strlen(name);

	return addr != NULL && strncasecmp(addr, name, n) == 0 &&
	       addr[n] == '@';
}

static bool
daemon_address(const char *addr)
{
	return local_is(addr, "mailer-daemon") ||
	       local_is(addr, "mailer_daemon") ||
	       local_is(addr, "mailerdaemon") || local_is(addr, "mail-daemon");
}

/* Auto-Submitted set to anything but "no" (parameters aside)? */
static bool
auto_submitted(const char *v)
{
	size_t n;

	if (v == NULL)
		return false;
	v += strspn(v, " \t");
	n = strcspn(v, " \t;(");
	return n > 0 && !(n == 2 && strncasecmp(v, "no", 2) == 0);
}

static enum sender
sender_of(const struct mime_message *m)
{
	struct buf name = BUF_INIT;
	bool daemon_name;

	if (m->return_path != NULL && *m->return_path == '\0')
		return SENDER_NULL;
	if (m->from_name != NULL)
		text_fold(m->from_name, &name);
	daemon_name = strncmp(buf_cstr(&name), "mail delivery", 13) == 0;
	buf_free(&name);
	if (daemon_address(m->from) || daemon_address(m->sender) || daemon_name)
		return SENDER_DAEMON;
	if (local_is(m->from, "postmaster") ||
	    local_is(m->sender, "postmaster"))
		return SENDER_POSTMASTER;
	if (auto_submitted(m->auto_submitted))
		return SENDER_AUTOMATIC;
	return SENDER_PERSON;
}

/* Part of an address, around its '@'. */
static bool
addr_byte(char ch, bool domain)
{
	return isalnum((unsigned char)ch) || ch == '.' || ch == '-' ||
	       (!domain && strchr("_+=%!#$&'*/?^`{|}~", ch) != NULL &&
	        ch != '\0');
}

/* One of the addresses that are not the failed recipient: the sender,
 * the recipients, our mailboxes, a mail system's. */
static bool
bounce_bystander(struct ctx *c, const char *a)
{
	const struct mime_message *m = c->m;

	if (daemon_address(a) || local_is(a, "postmaster") ||
	    (m->from != NULL && strcasecmp(a, m->from) == 0))
		return true;
	for (size_t k = 0; k < m->to.n; k++)
		if (strcasecmp(a, m->to.v[k]) == 0)
			return true;
	for (size_t k = 0; c->o->mailboxes != NULL && k < c->o->mailboxes->n;
	     k++)
		if (our_mailbox(a, c->o->mailboxes->v[k]))
			return true;
	return false;
}

/* The first address in S[FROM..LEN) that is not a bystander, into
 * OUT->bounce_recipient (domain lower-cased). */
static bool
bounce_address(struct ctx *c, const char *s, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++) {
		size_t a = i, b = i + 1;
		char *addr;

		if (s[i] != '@')
			continue;
		while (a > from && addr_byte(s[a - 1], false))
			a--;
		while (b < len && addr_byte(s[b], true))
			b++;
		while (b > i + 1 && s[b - 1] == '.')
			b--;
		if (a == i || b - i < 4 || memchr(s + i, '.', b - i) == NULL ||
		    b - a > 254)
			continue;
		if ((addr = malloc(b - a + 1)) == NULL) {
			c->nomem = true;
			return false;
		}
		memcpy(addr, s + a, b - a);
		addr[b - a] = '\0';
		for (char *d = addr + (i - a); *d != '\0'; d++)
			*d = (char)tolower((unsigned char)*d);
		if (bounce_bystander(c, addr)) {
			free(addr);
			i = b - 1;
			continue;
		}
		c->out->bounce_recipient = addr;
		return true;
	}
	return false;
}

/* The first enhanced status code ("5.1.1", "4.4.7") in S[FROM..LEN):
 * its class digit, or 0. */
static char
status_class(const char *s, size_t from, size_t len)
{
	for (size_t i = from; i + 4 < len; i++) {
		size_t j = i + 2, d;

		if ((s[i] != '4' && s[i] != '5') || s[i + 1] != '.' ||
		    (i > 0 &&
		     (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '.')))
			continue;
		for (d = 0; j < len && isdigit((unsigned char)s[j]) && d < 4;
		     j++, d++)
			;
		if (d == 0 || d > 3 || j >= len || s[j] != '.')
			continue;
		for (j++, d = 0;
		     j < len && isdigit((unsigned char)s[j]) && d < 4; j++, d++)
			;
		if (d > 0 && d <= 3 &&
		    (j == len || !(isalnum((unsigned char)s[j]) ||
		                   (s[j] == '.' && j + 1 < len &&
		                    isdigit((unsigned char)s[j + 1])))))
			return s[i];
	}
	return 0;
}

/* Recipient and permanence of a bounce told in words, the rule matched
 * at offset AT of the body (0 when it matched elsewhere). */
static void
bounce_from_text(struct ctx *c, size_t at)
{
	const struct ctext *t = &c->body;
	char cls;

	if (c->out->bounce_recipient == NULL &&
	    !bounce_address(c, t->orig, at, t->olen) && at > 0)
		bounce_address(c, t->orig, 0, t->olen);
	cls = status_class(t->orig, at, t->olen);
	if (cls == 0)
		cls = status_class(t->orig, 0, t->olen);
	if (cls != 0)
		c->out->bounce_permanent = cls == '5';
	else
		c->out->bounce_permanent =
		    !cue_in(c, c->delay_cues, &c->subject) &&
		    !cue_in(c, c->delay_cues, t);
}

/* A delivery status notification: the first failed recipient, else the
 * first delayed one. */
static bool
bounce_dsn(struct ctx *c)
{
	const struct mime_dsn *d = NULL;
	struct buf rule = BUF_INIT;
	const char *what;

	for (size_t i = 0; i < c->m->ndsn && d == NULL; i++)
		if (c->m->dsn[i].action != NULL &&
		    strcmp(c->m->dsn[i].action, "failed") == 0)
			d = &c->m->dsn[i];
	for (size_t i = 0; i < c->m->ndsn && d == NULL; i++)
		if (c->m->dsn[i].action != NULL &&
		    strcmp(c->m->dsn[i].action, "delayed") == 0)
			d = &c->m->dsn[i];
	if (d == NULL)
		return false;
	buf_printf(&rule, "dsn action=%s", d->action);
	what = d->diagnostic != NULL ? d->diagnostic
	       : d->status != NULL   ? d->status
	                             : d->action;
	evidence(c, buf_cstr(&rule), what, strlen(what), NULL);
	if (buf_failed(&rule))
		c->nomem = true;
	buf_free(&rule);
	if (d->final_recipient != NULL)
		c->out->bounce_recipient = cstrdup(c, d->final_recipient);
	c->out->bounce_permanent = d->status != NULL && d->status[0] != '\0'
	                               ? d->status[0] == '5'
	                               : strcmp(d->action, "failed") == 0;
	if (c->out->bounce_recipient == NULL)
		bounce_address(c, c->body.orig, 0, c->body.olen);
	return true;
}

static bool
is_report(const struct mime_message *m, const char *type)
{
	return m->report_type != NULL && strcmp(m->report_type, type) == 0;
}

static bool
decide_bounce(struct ctx *c)
{
	static const char report[] =
	    "multipart/report; report-type=delivery-status";
	struct hit h;

	if (bounce_dsn(c))
		return true;
	if (c->m->ndsn > 0)
		return false; /* a report that failed nothing */
	if (is_report(c->m, "delivery-status")) {
		evidence(c, "report-type delivery-status", report,
		         sizeof(report) - 1, NULL);
		bounce_from_text(c, 0);
		return true;
	}
	if (c->sender == SENDER_PERSON ||
	    !find_class(c, POLICY_CLASS_BOUNCE, &c->body, NULL, &h))
		return false;
	hit_evidence(c, &h, "");
	bounce_from_text(c, h.text == &c->body ? h.end : 0);
	return true;
}

/* ------------------------------------------------------------------ */
/* Automatic replies                                                  */

/* Evidence "header NAME: VALUE". */
static void
header_evidence(struct ctx *c, const char *name, const char *value)
{
	struct buf rule = BUF_INIT;

	buf_printf(&rule, "header %s: %s", name, value);
	if (buf_failed(&rule))
		c->nomem = true;
	evidence(c, buf_cstr(&rule), value, strlen(value), NULL);
	buf_free(&rule);
}

/* The structural signs of an automatic reply, strongest first. */
static bool
auto_reply_headers(struct ctx *c)
{
	const struct mime_message *m = c->m;
	static const char *const bulk[] = {"bulk", "junk", "list", "auto_reply",
	                                   NULL};

	if (m->ndsn > 0) {
		/* A DSN that failed nothing: "delivered", "relayed". */
		struct buf rule = BUF_INIT;
		const char *a =
		    m->dsn[0].action != NULL ? m->dsn[0].action : "";

		buf_printf(&rule, "dsn action=%s", a);
		evidence(c, buf_cstr(&rule), a, strlen(a), NULL);
		c->nomem |= buf_failed(&rule);
		buf_free(&rule);
		return true;
	}
	if (is_report(m, "disposition-notification")) {
		evidence(c, "report-type disposition-notification",
		         "disposition-notification", 24, NULL);
		return true;
	}
	if (auto_submitted(m->auto_submitted)) {
		header_evidence(c, "Auto-Submitted", m->auto_submitted);
		return true;
	}
	if (m->x_autoreply != NULL) {
		header_evidence(c, "X-Autoreply", m->x_autoreply);
		return true;
	}
	if (m->x_autorespond != NULL) {
		header_evidence(c, "X-Autorespond", m->x_autorespond);
		return true;
	}
	for (size_t i = 0; m->precedence != NULL && bulk[i] != NULL; i++)
		if (strcasecmp(m->precedence, bulk[i]) == 0) {
			header_evidence(c, "Precedence", m->precedence);
			return true;
		}
	if (c->sender == SENDER_NULL) {
		evidence(c, "null return path", "<>", 2, NULL);
		return true;
	}
	if (c->sender == SENDER_DAEMON) {
		const char *f = m->from != NULL ? m->from : "";

		evidence(c, "sender mail system", f, strlen(f), NULL);
		return true;
	}
	return false;
}

static bool
decide_auto_reply(struct ctx *c)
{
	struct hit h;

	if (!auto_reply_headers(c)) {
		if (!find_class(c, POLICY_CLASS_AUTO_REPLY, &c->news, NULL, &h))
			return false;
		hit_evidence(c, &h, "");
	}
	return true;
}

/* The return date an automatic reply states: in the text, else in the
 * subject. */
static void
auto_reply_return(struct ctx *c)
{
	if (extract_date_after(buf_cstr(&c->fresh), c->return_cues, c->ref,
	                       &c->out->return_date) < 0 &&
	    c->m->subject != NULL)
		extract_date_after(c->m->subject, c->return_cues, c->ref,
		                   &c->out->return_date);
}

/* ------------------------------------------------------------------ */
/* Words: remittance, dispute, promise, reply                         */

/* A promise counts with a date: in its own sentence (after the promise,
 * then anywhere in the sentence), else after a promise cue in the new
 * text. The first promise without one is kept for the evidence of the
 * reply it then is. */
static bool
promise_date(struct ctx *c, const struct hit *h)
{
	const char *s = h->text != NULL ? h->text->orig : NULL;
	size_t len, end, start;
	struct date d;

	if (s != NULL) {
		len = h->text->olen;
		end = sentence_end(s, len, h->start);
		start = sentence_start(s, len, h->start);
		if (date_between(c, s, h->start, end, &d) ||
		    date_between(c, s, start, end, &d) ||
		    extract_date_after_future(buf_cstr(&c->words),
		                              c->promise_cues, c->ref,
		                              &d) == 0) {
			c->out->promise_date = d;
			return true;
		}
	}
	if (!c->undated_seen) {
		c->undated = *h;
		c->undated_seen = true;
	}
	return false;
}

static bool
decide_words(struct ctx *c)
{
	struct hit h;

	if (find_class(c, POLICY_CLASS_DISPUTE, &c->news, NULL, &h)) {
		c->out->class = CLASSIFY_DISPUTE;
		hit_evidence(c, &h, "");
		return true;
	}
	if (find_class(c, POLICY_CLASS_REMITTANCE, &c->news, NULL, &h)) {
		c->out->class = CLASSIFY_REMITTANCE;
		hit_evidence(c, &h, "");
		c->out->namounts = extract_amounts(
		    buf_cstr(&c->words), c->out->amounts, EXTRACT_MAX_AMOUNTS);
		return true;
	}
	if (find_class(c, POLICY_CLASS_PROMISE, &c->news, promise_date, &h)) {
		c->out->class = CLASSIFY_PROMISE;
		hit_evidence(c, &h, "");
		return true;
	}
	if (c->undated_seen) {
		c->out->class = CLASSIFY_REPLY;
		hit_evidence(c, &c->undated, ", no date");
		return true;
	}
	if (find_class(c, POLICY_CLASS_REPLY, &c->news, NULL, &h)) {
		c->out->class = CLASSIFY_REPLY;
		hit_evidence(c, &h, "");
		return true;
	}
	return false;
}

/* A reply about the strongest signal. */
static void
decide_signals(struct ctx *c)
{
	const struct classify_signal *s = &c->out->signals[0];
	struct buf rule = BUF_INIT;

	c->out->class = CLASSIFY_REPLY;
	buf_printf(&rule, "signal %s", classify_signal_name(s->kind));
	c->nomem |= buf_failed(&rule);
	evidence(c, buf_cstr(&rule), s->value, strlen(s->value), NULL);
	buf_free(&rule);
}

/* ------------------------------------------------------------------ */
/* Forwards                                                           */

/* The address in a From value: between '<' and '>', else the value. */
static void
from_address(const char *v, struct buf *out)
{
	const char *lt = strrchr(v, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL) {
		buf_append(out, lt + 1, (size_t)(gt - lt - 1));
		return;
	}
	v += strspn(v, " \t");
	buf_append(out, v, strcspn(v, " \t"));
}

/*
 * A customer who forwards a third party's mail (the bank's "Votre virement
 * a été envoyé", a payment system's receipt) with a line of their own
 * makes its words theirs: its new text joins the customer's. Not when it
 * was ours (sent from one of our mailboxes, or carrying a tracking ID):
 * our reminder, forwarded back, must never count.
 */
static void
forwarded_content(struct ctx *c)
{
	struct buf from = BUF_INIT, addr = BUF_INIT, body = BUF_INIT,
	           fresh = BUF_INIT, quoted = BUF_INIT;
	struct strlist ids = STRLIST_INIT;
	bool ours = false;

	if (!quote_forward(buf_cstr(&c->quoted), &from, &body))
		goto out;
	from_address(buf_cstr(&from), &addr);
	for (size_t k = 0; c->o->mailboxes != NULL && k < c->o->mailboxes->n;
	     k++)
		ours =
		    ours || our_mailbox(buf_cstr(&addr), c->o->mailboxes->v[k]);
	if (ours || track_find(buf_cstr(&c->quoted), &ids) > 0)
		goto out;
	quote_split(buf_cstr(&body), &fresh, &quoted);
	if (fresh.len > 0) {
		if (c->fresh.len > 0)
			buf_putc(&c->fresh, '\n');
		buf_append(&c->fresh, fresh.data, fresh.len);
	}
out:
	c->nomem |= buf_failed(&from) || buf_failed(&addr) ||
	            buf_failed(&body) || buf_failed(&fresh) ||
	            buf_failed(&quoted);
	strlist_clear(&ids);
	buf_free(&from);
	buf_free(&addr);
	buf_free(&body);
	buf_free(&fresh);
	buf_free(&quoted);
}

/* Words of at least two letters in S, counting up to LIMIT. */
static size_t
count_words(const char *s, size_t limit)
{
	size_t n = 0, run = 0;

	for (; *s != '\0' && n < limit; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isalpha(ch) || ch >= 0x80) {
			if (++run == 2)
				n++;
		} else {
			run = 0;
		}
	}
	return n;
}

/*
 * The customer's words: the new text, then the subject when the new text
 * has fewer than TRIVIAL_WORDS words ("", "Cordialement"): a mail whose
 * subject says "FACTURE F2026-0142 PAYEE LE 20/11" over an empty body says
 * it in its subject. Our own subjects hold no words of any rule.
 */
static void
customer_words(struct ctx *c)
{
	buf_append(&c->words, c->fresh.data, c->fresh.len);
	if (c->m->subject != NULL &&
	    count_words(buf_cstr(&c->fresh), TRIVIAL_WORDS) < TRIVIAL_WORDS) {
		if (c->words.len > 0)
			buf_puts(&c->words, "\n\n");
		buf_puts(&c->words, c->m->subject);
	}
	c->nomem |= buf_failed(&c->words);
}

/* ------------------------------------------------------------------ */
/* The entry point                                                    */

static void
classify_init(struct classify_result *out, bool truncated)
{
	memset(out, 0, sizeof(*out));
	out->class = CLASSIFY_UNRELATED;
	out->tracking_ids = (struct strlist)STRLIST_INIT;
	out->invoices = (struct strlist)STRLIST_INIT;
	out->promise_date = DATE_NULL;
	out->return_date = DATE_NULL;
	out->truncated = truncated;
}

/* Does an Authentication-Results value say that DMARC, SPF or DKIM
 * failed? Only a forger gains by hiding a failure, none by adding one. */
static bool
auth_failed(const struct mime_message *m)
{
	static const char *const fails[] = {"dmarc=fail", "spf=fail",
	                                    "spf=softfail", "dkim=fail", NULL};

	for (size_t i = 0; i < m->auth_results.n; i++) {
		const char *v = m->auth_results.v[i];

		for (size_t k = 0; fails[k] != NULL; k++)
			for (const char *s = v; (s = strcasestr(s, fails[k]));
			     s++)
				if (s == v || strchr(" \t;", s[-1]) != NULL)
					return true;
	}
	return false;
}

/* A mail without any signal of ours: unrelated, whatever its text says
 * (a newsletter's "remittance advice"), unless it is a remittance notice
 * from an accounting or payment system, which refers to no mail of ours:
 * its subject or an attachment's name says so, and its authentication
 * did not fail (a phishing "payment confirmation" fails it). */
static void
decide_unsigned(struct ctx *c)
{
	struct hit h;

	if (!auth_failed(c->m) &&
	    find_class(c, POLICY_CLASS_REMITTANCE, NULL, NULL, &h)) {
		c->out->class = CLASSIFY_REMITTANCE;
		hit_evidence(c, &h, "");
		c->out->namounts = extract_amounts(
		    buf_cstr(&c->fresh), c->out->amounts, EXTRACT_MAX_AMOUNTS);
		return;
	}
	c->out->class = CLASSIFY_UNRELATED;
	evidence(c, "no signal", "", 0, NULL);
}

/* Auto-Submitted: auto-generated (parameters aside): a notice a system
 * sent on its own, not a reply (auto-replied) to a mail. */
static bool
auto_generated(const char *v)
{
	if (v == NULL)
		return false;
	v += strspn(v, " \t");
	return strncasecmp(v, "auto-generated", 14) == 0 &&
	       (v[14] == '\0' || strchr(" \t;(", v[14]) != NULL);
}

/* A remittance notice from the customer's payment or procurement system:
 * a new automatic mail (auto-generated, replying to no mail, with no
 * sign of an automatic reply in its headers or words) whose subject or
 * attachment's name announces a remittance, and whose authentication did
 * not fail. An absence notice or a helpdesk acknowledgement answers our
 * reminder (In-Reply-To, an auto-reply subject or header): never one. */
static bool
system_remittance(struct ctx *c)
{
	const struct mime_message *m = c->m;
	struct hit h;

	if (c->sender != SENDER_AUTOMATIC ||
	    !auto_generated(m->auto_submitted) || m->ndsn > 0 ||
	    m->report_type != NULL || m->x_autoreply != NULL ||
	    m->x_autorespond != NULL ||
	    (m->precedence != NULL &&
	     strcasecmp(m->precedence, "auto_reply") == 0) ||
	    m->in_reply_to != NULL || m->references.n > 0 || auth_failed(m) ||
	    find_class(c, POLICY_CLASS_AUTO_REPLY, &c->news, NULL, &h) ||
	    !find_class(c, POLICY_CLASS_REMITTANCE, NULL, NULL, &h))
		return false;
	c->out->class = CLASSIFY_REMITTANCE;
	hit_evidence(c, &h, ", system notice");
	c->out->namounts = extract_amounts(buf_cstr(&c->fresh), c->out->amounts,
	                                   EXTRACT_MAX_AMOUNTS);
	return true;
}

/* A mass mailing (Precedence: bulk, list, junk)? */
static bool
bulk(const struct mime_message *m)
{
	return m->precedence != NULL &&
	       (strcasecmp(m->precedence, "bulk") == 0 ||
	        strcasecmp(m->precedence, "list") == 0 ||
	        strcasecmp(m->precedence, "junk") == 0);
}

/* An automatic mail: an answer to one of ours (it carries a signal: our
 * reference, subject tag or invoice number) is an automatic reply, with
 * its return date, unless it is a system's remittance notice. One without
 * any signal (a bank's alert, a newsletter) is about nothing of ours,
 * unless it is an absence notice that says when its writer is back and
 * is no mass mailing: only an answer sends one to a dunning mailbox (an
 * Outlook rule "reply with template" keeps no reference). */
static void
decide_automatic(struct ctx *c)
{
	char *what;

	if (c->out->nsignals == 0) {
		auto_reply_return(c);
		if (date_valid(c->out->return_date) && !bulk(c->m)) {
			c->out->class = CLASSIFY_AUTO_REPLY;
			return;
		}
		c->out->return_date = DATE_NULL;
		what =
		    cstrdup(c, c->out->matched != NULL ? c->out->matched : "");
		c->out->class = CLASSIFY_UNRELATED;
		if (what != NULL)
			evidence(c, "automatic, no signal", what, strlen(what),
			         NULL);
		free(what);
		return;
	}
	if (system_remittance(c))
		return;
	c->out->class = CLASSIFY_AUTO_REPLY;
	auto_reply_return(c);
}

/* Structure first; then, for a mail that carries a signal of ours, its
 * words. */
static void
decide(struct ctx *c)
{
	if (decide_bounce(c))
		c->out->class = CLASSIFY_BOUNCE;
	else if (decide_auto_reply(c))
		decide_automatic(c);
	else if (c->out->nsignals == 0)
		decide_unsigned(c);
	else if (!decide_words(c))
		decide_signals(c);
}

int
classify_message(const struct mime_message *m, const struct policy *p,
                 const struct classify_opts *o, struct classify_result *out,
                 struct err *e)
{
	struct ctx c = {0};
	const char *body = mime_body(m);

	classify_init(out, m->truncated);
	c.m = m;
	c.p = p;
	c.o = o;
	c.out = out;
	c.fresh = (struct buf)BUF_INIT;
	c.quoted = (struct buf)BUF_INIT;
	c.words = (struct buf)BUF_INIT;
	if (m->date == NULL || parse_mail_date(m->date, &c.ref) < 0)
		c.ref = o->today;
	c.sender = sender_of(m);
	quote_split(body, &c.fresh, &c.quoted);
	if (buf_failed(&c.fresh) || buf_failed(&c.quoted))
		c.nomem = true;
	if (!c.nomem)
		forwarded_content(&c);
	ctext_init(&c, &c.subject, m->subject != NULL ? m->subject : "");
	ctext_init(&c, &c.body, body);
	customer_words(&c);
	ctext_init(&c, &c.news, buf_cstr(&c.words));
	ctext_respell(&c, &c.subject);
	ctext_respell(&c, &c.news);
	c.return_cues = all_cues(&c, 0);
	c.promise_cues = all_cues(&c, 1);
	c.delay_cues = all_cues(&c, 2);
	if (!c.nomem)
		gather_signals(&c);
	if (!c.nomem)
		decide(&c);
	if (!c.nomem && (out->rule == NULL || out->matched == NULL))
		c.nomem = true;
	free((void *)c.return_cues);
	free((void *)c.promise_cues);
	free((void *)c.delay_cues);
	ctext_free(&c.subject);
	ctext_free(&c.body);
	ctext_free(&c.news);
	buf_free(&c.fresh);
	buf_free(&c.quoted);
	buf_free(&c.words);
	if (c.nomem) {
		err_set(e, "classify: out of memory");
		return -1;
	}
	return 0;
}

void
classify_free(struct classify_result *out)
{
	for (size_t i = 0; i < out->nsignals; i++)
		free(out->signals[i].value);
	free(out->signals);
	free(out->rule);
	free(out->matched);
	free(out->lang);
	free(out->bounce_recipient);
	strlist_clear(&out->tracking_ids);
	strlist_clear(&out->invoices);
	out->signals = NULL;
	out->nsignals = 0;
	out->rule = out->matched = out->lang = out->bounce_recipient = NULL;
}

void
classify_evidence(const struct classify_result *r, struct buf *out)
{
	const char *rule = r->rule ? r->rule : "no rule";
	size_t rl = strlen(rule), ml = r->matched ? strlen(r->matched) : 0;

	buf_puts(out, rule);
	if (ml > 0 && !(rl >= ml && strcmp(rule + rl - ml, r->matched) == 0))
		buf_printf(out, ": %s", r->matched);
}
