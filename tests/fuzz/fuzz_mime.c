/* fuzz-sources: src/mime.c src/buf.c src/err.c src/strlist.c src/text.c */
/* fuzz-pkgs: libxml-2.0 */
/* fuzz-libs: -letpan */
/*
 * fuzz_mime.c -- the MIME parser on arbitrary bytes.
 *
 * The input is not NUL-terminated, so that any read past its end shows. An
 * odd first byte selects tiny limits, so that every limit is reached
 * often. Besides "no crash, no leak", checks what callers rely on: every
 * string is UTF-8 without control characters (bodies keep LF and TAB),
 * bodies stay within max_text, counts within the limits, a limit reached
 * is named, and the struct can be parsed into again after mime_free.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_str(const char *s)
{
	if (s != NULL && (!text_utf8_valid(s, strlen(s)) || text_has_ctl(s)))
		abort();
}

static void
fuzz_check_list(const struct strlist *l, const struct mime_limits *lim)
{
	if (l->n > lim->max_headers)
		abort();
	for (size_t i = 0; i < l->n; i++)
		fuzz_check_str(l->v[i]);
}

static void
fuzz_check_body(const struct buf *b, const struct mime_limits *lim)
{
	const char *s = buf_cstr(b);

	if (b->len > lim->max_text || strlen(s) != b->len ||
	    !text_utf8_valid(s, b->len))
		abort();
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
			abort();
}

static void
fuzz_check_parts(const struct mime_message *m, const struct mime_limits *lim)
{
	if (m->nattachments + m->nembedded > lim->max_parts ||
	    m->ndsn > lim->max_parts)
		abort();
	for (size_t i = 0; i < m->nattachments; i++) {
		fuzz_check_str(m->attachments[i].filename);
		fuzz_check_str(m->attachments[i].type);
		if (m->attachments[i].type == NULL ||
		    (m->attachments[i].filename != NULL &&
		     m->attachments[i].filename[0] == '\0'))
			abort();
	}
	for (size_t i = 0; i < m->ndsn; i++) {
		fuzz_check_str(m->dsn[i].action);
		fuzz_check_str(m->dsn[i].status);
		fuzz_check_str(m->dsn[i].final_recipient);
		fuzz_check_str(m->dsn[i].diagnostic);
	}
	for (size_t i = 0; i < m->nembedded; i++) {
		fuzz_check_str(m->embedded[i].message_id);
		fuzz_check_str(m->embedded[i].subject);
		fuzz_check_str(m->embedded[i].relance_id);
		fuzz_check_str(m->embedded[i].to);
	}
}

static void
fuzz_check(const struct mime_message *m, const struct mime_limits *lim)
{
	const char *strs[] = {m->subject,       m->from,
	                      m->from_name,     m->reply_to,
	                      m->sender,        m->return_path,
	                      m->message_id,    m->in_reply_to,
	                      m->date,          m->auto_submitted,
	                      m->precedence,    m->x_autoreply,
	                      m->x_autorespond, m->x_auto_response_suppress,
	                      m->x_relance_id,  m->content_type,
	                      m->report_type};

	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		fuzz_check_str(strs[i]);
	fuzz_check_list(&m->to, lim);
	fuzz_check_list(&m->cc, lim);
	fuzz_check_list(&m->references, lim);
	fuzz_check_list(&m->auth_results, lim);
	fuzz_check_body(&m->text, lim);
	fuzz_check_body(&m->html, lim);
	fuzz_check_parts(m, lim);
	if (m->truncated != (m->limit[0] != '\0') || mime_body(m) == NULL)
		abort();
	if (m->html_only && (m->html.len == 0 || m->text.len != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits lim = mime_default_limits();
	struct mime_limits def = mime_default_limits();
	const char *text = (const char *)data;
	struct mime_message m;
	struct err e = {{0}};

	if (size > 0 && (data[0] & 1)) {
		lim.max_bytes = 4096;
		lim.max_headers = 6;
		lim.max_depth = 3;
		lim.max_parts = 8;
		lim.max_text = 300;
	}
	if (mime_parse(text, size, &lim, &m, &e) == 0)
		fuzz_check(&m, &lim);
	mime_free(&m);
	/* parsed into again after mime_free, with the defaults */
	if (mime_parse(text, size, NULL, &m, &e) == 0)
		fuzz_check(&m, &def);
	mime_free(&m);
	return 0;
}
