/* fuzz-sources: src/classify.c src/policy.c src/track.c src/mime.c src/quote.c src/extract.c src/buf.c src/err.c src/strlist.c src/date.c src/money.c src/text.c */
/* fuzz-pkgs: libxml-2.0 libpcre2-8 */
/* fuzz-libs: -letpan */
/*
 * fuzz_classify.c -- the classifier, with the shipped rules (policies/,
 * read once from the current directory), on messages whose fields are
 * arbitrary bytes: a first byte of flags (null return path, Auto-Submitted,
 * a DSN, HTML only, ...) then NUL-separated fields: subject, from, date,
 * body, attachment name, DSN status, In-Reply-To, X-Relance-ID. The
 * message is built by hand, as mime_parse would fill it, but without its
 * guarantees (UTF-8, no control characters), to be hostile.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct policy *rules;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strlist errors = STRLIST_INIT;

	if (policy_load("policies", &rules, &errors) != 0) {
		fprintf(stderr, "fuzz_classify: cannot load policies/\n");
		abort();
	}
	strlist_clear(&errors);
	return 0;
}

/* The next NUL-terminated field of [*P, END), or NULL past the end. */
static char *
field(const char **p, const char *end)
{
	const char *nul;
	char *s;

	if (*p >= end)
		return NULL;
	nul = memchr(*p, '\0', (size_t)(end - *p));
	if (nul == NULL)
		nul = end;
	s = strndup(*p, (size_t)(nul - *p));
	*p = nul + 1;
	return s;
}

static void
message_free(struct mime_message *m)
{
	free(m->subject);
	free(m->from);
	free(m->date);
	free(m->return_path);
	free(m->auto_submitted);
	free(m->precedence);
	free(m->x_autoreply);
	free(m->in_reply_to);
	free(m->x_relance_id);
	free(m->report_type);
	strlist_clear(&m->to);
	buf_free(&m->text);
	buf_free(&m->html);
	if (m->attachments != NULL)
		free(m->attachments[0].filename);
	free(m->attachments);
	if (m->dsn != NULL) {
		free(m->dsn[0].action);
		free(m->dsn[0].status);
	}
	free(m->dsn);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_attachment att;
	struct mime_dsn dsn;
	const char *p = (const char *)data + 1,
	           *end = (const char *)data + size;
	struct strlist boxes = STRLIST_INIT;
	struct classify_opts o = {{2026, 12, 1}, &boxes};
	struct mime_message m;
	struct classify_result r;
	struct err e;
	unsigned flags = size > 0 ? data[0] : 0;
	char *body, *name, *status;

	if (size == 0)
		return 0;
	memset(&m, 0, sizeof(m));
	strlist_add(&boxes, "factures@example.com");
	strlist_add(&m.to, "factures+r-79y93rjvs@example.com");
	m.subject = field(&p, end);
	m.from = field(&p, end);
	m.date = field(&p, end);
	body = field(&p, end);
	name = field(&p, end);
	status = field(&p, end);
	m.in_reply_to = field(&p, end);
	m.x_relance_id = field(&p, end);
	buf_puts(flags & 1 ? &m.html : &m.text, body != NULL ? body : "");
	m.html_only = flags & 1;
	m.return_path = flags & 2 ? strdup("") : NULL;
	m.auto_submitted = flags & 4 ? strdup("auto-replied") : NULL;
	m.precedence = flags & 8 ? strdup("bulk") : NULL;
	m.x_autoreply = flags & 16 ? strdup("yes") : NULL;
	m.report_type = flags & 32 ? strdup("delivery-status") : NULL;
	if (name != NULL) {
		att = (struct mime_attachment){name, NULL, 0};
		m.attachments = malloc(sizeof(att));
		if (m.attachments != NULL) {
			m.attachments[0] = att;
			m.nattachments = 1;
		} else
			free(name);
	}
	if (status != NULL) {
		dsn =
		    (struct mime_dsn){strdup(flags & 64 ? "delayed" : "failed"),
		                      status, NULL, NULL};
		m.dsn = malloc(sizeof(dsn));
		if (m.dsn != NULL) {
			m.dsn[0] = dsn;
			m.ndsn = 1;
		} else {
			free(dsn.action);
			free(status);
		}
	}
	m.truncated = flags & 128;
	if (classify_message(&m, rules, &o, &r, &e) == 0 &&
	    (r.rule == NULL || r.matched == NULL ||
	     (r.class == CLASSIFY_PROMISE && !date_valid(r.promise_date))))
		abort();
	classify_free(&r);
	message_free(&m);
	free(body);
	strlist_clear(&boxes);
	return 0;
}
