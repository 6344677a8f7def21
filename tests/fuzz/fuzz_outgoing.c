/* fuzz-sources: src/outgoing.c src/conf.c src/policy.c src/invoice.c src/track.c src/buf.c src/err.c src/strlist.c src/text.c src/date.c src/money.c */
/* fuzz-pkgs: libpcre2-8 */
/*
 * fuzz_outgoing.c -- outgoing mail's headers from arbitrary bytes: one
 * "Name: value" a line (a line starting with a blank continues the value),
 * read, recognised, and tagged. Besides "no crash, no leak", checks that
 * what relance-milter writes reads back: decoded text encoded again
 * decodes to itself, folding only adds line breaks before blanks, every
 * value written is free of control characters but those folds, and an
 * SMTP reply's text is short printable ASCII with every '%' doubled.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outgoing.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as header fields into NAMES and VALUES. */
static void
split(const char *text, struct strlist *names, struct strlist *values)
{
	const char *p = text;

	while (*p != '\0' && names->n < 50) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *colon = memchr(p, ':', len);

		if (colon != NULL && colon > p) {
			strlist_addn(names, p, (size_t)(colon - p));
			strlist_addn(values, colon + 1,
			             len - (size_t)(colon - p) - 1);
		}
		p += len + (nl != NULL);
	}
	if (values->n < names->n) /* no memory: keep them paired */
		names->n = values->n;
}

/* A header value we wrote: printable, tabs, or "\n" followed by a
 * blank. */
static void
check_written(const char *v)
{
	for (const char *p = v; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\t' || (c == '\n' && (p[1] == ' ' || p[1] == '\t')))
			continue;
		if (c < 0x20 || c == 0x7f)
			abort();
	}
}

/* decode(encode(T)) is T, for the decoded text T (blanks at its ends
 * are not kept: a header value has none). */
static void
check_round_trip(char *decoded)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT, folded = BUF_INIT;
	struct buf unfolded = BUF_INIT;
	const char *t = text_trim(decoded);

	if (!text_utf8_valid(t, strlen(t)) || text_has_ctl(t))
		abort();
	outgoing_header_text(t, false, &enc);
	outgoing_decode(buf_cstr(&enc), &dec);
	if (!buf_failed(&dec) && strcmp(buf_cstr(&dec), t) != 0)
		abort();
	outgoing_fold("Subject", buf_cstr(&enc), &folded);
	for (const char *p = buf_cstr(&folded); *p != '\0'; p++)
		if (*p != '\n')
			buf_putc(&unfolded, *p);
		else if (p[1] != ' ' && p[1] != '\t')
			abort();
	if (!buf_failed(&unfolded) &&
	    strcmp(buf_cstr(&unfolded), buf_cstr(&enc)) != 0)
		abort();
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&folded);
	buf_free(&unfolded);
}

static void
check_smtp_text(const char *s)
{
	struct buf b = BUF_INIT;

	outgoing_smtp_text(s, &b);
	if (b.len > OUTGOING_MAX_SMTP_TEXT)
		abort();
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];

		if (c < 0x20 || c > 0x7e)
			abort();
		if (c == '%' && b.data[++i] != '%')
			abort();
	}
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char conf[] = "Mailbox factures@example.com\n"
	                           "ReminderSender compta@example.com\n"
	                           "ReminderSubject \"facture (F\\d+-\\d+)\"\n";
	struct strlist names = STRLIST_INIT, values = STRLIST_INIT,
	               rcpts = STRLIST_INIT, errors = STRLIST_INIT;
	struct outgoing_msg m = {&names, &values, "compta@example.com", &rcpts};
	struct outgoing_tagging t = {"R-78DQS6A24", "<new@example.com>",
	                             "invoice F1 is paid"};
	struct outgoing_plan plan = {NULL, 0};
	struct outgoing_reminder r;
	struct outgoing_conf oc;
	struct config cfg;
	struct buf b = BUF_INIT;
	struct invoice inv;
	struct err e;
	char id[TRACK_ID_SIZE];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_init(&cfg) < 0 ||
	    config_parse(&cfg, "fuzz", conf, strlen(conf), &errors) != 0 ||
	    outgoing_conf_init(&oc, &cfg, NULL, &e) < 0)
		abort();
	split(text, &names, &values);
	strlist_add(&rcpts, "compta@dupont.example");
	for (size_t i = 0; i < values.n; i++) {
		buf_reset(&b);
		outgoing_decode(values.v[i], &b);
		if (!buf_failed(&b) && b.len > 0)
			check_round_trip(b.data);
	}
	outgoing_recognise(&oc, &m, &r, &b);
	invoice_init(&inv);
	strlist_add(&inv.tracking_ids, "R-04106105X");
	outgoing_pick_id(&inv, &m, id);
	outgoing_message_id_of(&m, &b);
	if (outgoing_plan_reminder(&oc, &m, &t, &plan) == 0)
		for (size_t i = 0; i < plan.n; i++)
			if (plan.v[i].value != NULL)
				check_written(plan.v[i].value);
	check_smtp_text(text);
	outgoing_plan_free(&plan);
	invoice_free(&inv);
	outgoing_conf_free(&oc);
	config_free(&cfg);
	strlist_clear(&names);
	strlist_clear(&values);
	strlist_clear(&rcpts);
	strlist_clear(&errors);
	buf_free(&b);
	free(text);
	return 0;
}
