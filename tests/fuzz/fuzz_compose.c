/* fuzz-sources: src/compose.c src/outgoing.c src/track.c src/conf.c src/policy.c src/invoice.c src/buf.c src/err.c src/strlist.c src/text.c src/date.c src/money.c */
/* fuzz-pkgs: libpcre2-8 */
/*
 * fuzz_compose.c -- a reminder written from arbitrary invoice data and an
 * arbitrary template. The input's lines are: the customer name, the
 * invoice number, the contacts (comma-separated), the language, the
 * amount due in minor units, the Sender, the attachment's file name, the
 * template's subject, and the rest is the template's body; the whole
 * input is the attachment. Besides "no crash, no leak", checks that a
 * message written has a header no data can add a field to: every line
 * starts one of our fields or continues one, is ASCII without control
 * characters and at most 998 characters, and the Subject decodes to
 * valid UTF-8 without control characters.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "outgoing.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 8

static const char conf_text[] =
    "CompanyName \"Exemple SARL\"\n"
    "Sender Service comptable <compta@exemple.fr>\n"
    "ReplyAddress relances@exemple.fr\n"
    "IBAN FR76 3000 6000 0112 3456 7890 189\n"
    "BIC AGRIFRPPXXX\n"
    "PaymentLink https://pay.exemple.fr/p?inv={invoice}&amt={amount}\n";

static const char rates_text[] = "rates\n"
                                 "\tecb-rate 2026-01-01 2.15\n"
                                 "\tpenalty-margin 10.00\n"
                                 "\tindemnity 40.00 EUR\n"
                                 "\tformal-notice-deadline 8d\n";

static const char *const our_fields[] = {"From",
                                         "To",
                                         "Subject",
                                         "Date",
                                         "Message-ID",
                                         "X-Relance-Invoice",
                                         "X-Relance-Step",
                                         "MIME-Version",
                                         "Content-Type",
                                         "Content-Transfer-Encoding",
                                         "Content-Disposition",
                                         "Auto-Submitted",
                                         NULL};

/* True when the line P[0..N) starts one of our fields. */
static int
ours(const char *p, size_t n)
{
	for (size_t i = 0; our_fields[i] != NULL; i++) {
		size_t k = strlen(our_fields[i]);

		if (n > k && memcmp(p, our_fields[i], k) == 0 && p[k] == ':')
			return 1;
	}
	return 0;
}

/* Check the header section(s) of MSG: the top one and each part's. */
static void
check_headers(const char *msg, const char *end)
{
	int in_header = 1, in_subject = 0;
	struct buf subject = BUF_INIT, dec = BUF_INIT;

	for (const char *p = msg; p < end;) {
		size_t n = strcspn(p, "\n");

		if (n == 0)
			in_header = 0;
		else if (strncmp(p, "--=_relance_part", 16) == 0)
			in_header = 1;
		else if (in_header) {
			if (n > 998 || (*p != ' ' && !ours(p, n)))
				abort();
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)p[i] < 0x20 ||
				    (unsigned char)p[i] > 0x7e)
					abort();
			in_subject = strncmp(p, "Subject:", 8) == 0 ||
			             (in_subject && *p == ' ');
			if (in_subject) /* unfolded */
				buf_append(&subject, p, n);
		}
		p += n + 1;
	}
	if (subject.len > 8) {
		outgoing_decode(buf_cstr(&subject) + 8, &dec);
		if (!buf_failed(&dec) &&
		    (!text_utf8_valid(buf_cstr(&dec), dec.len) ||
		     text_has_ctl(buf_cstr(&dec))))
			abort();
	}
	buf_free(&subject);
	buf_free(&dec);
}

/* The input's lines into F (borrowing TEXT, which is cut). */
static char *
split(char *text, char *f[NFIELDS])
{
	char *p = text;

	for (int i = 0; i < NFIELDS; i++) {
		char *nl = strchr(p, '\n');

		f[i] = p;
		if (nl == NULL) {
			p += strlen(p);
			continue;
		}
		*nl = '\0';
		p = nl + 1;
	}
	return p;
}

static void
fill_invoice(struct invoice *inv, char *f[NFIELDS])
{
	char *contacts = f[2], *c;

	inv->customer_name = strdup(f[0]);
	inv->number = strdup(f[1]);
	inv->customer = strdup("C1");
	inv->lang = strdup(f[3]);
	while ((c = strsep(&contacts, ",")) != NULL &&
	       inv->contacts.n < INVOICE_MAX_CONTACTS)
		strlist_add(&inv->contacts, c);
	if (inv->contacts.n > 1)
		strlist_add(&inv->undeliverable, inv->contacts.v[0]);
	memcpy(inv->currency, "EUR", 4);
	inv->amount_due = strtoll(f[4], NULL, 10);
	inv->amount_original = inv->amount_due;
	inv->issue_date = (struct date){2026, 1, 15};
	inv->due_date = (struct date){2026, 2, 14};
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *f[NFIELDS], *body;
	struct config cfg;
	struct policy *pol = policy_new();
	struct strlist errors = STRLIST_INIT, rcpts = STRLIST_INIT;
	struct invoice inv;
	struct compose_values vals = {NULL, NULL, 0};
	struct buf msg = BUF_INIT;
	struct err e;

	invoice_init(&inv);
	if (config_init(&cfg) < 0 || text == NULL || pol == NULL ||
	    config_parse(&cfg, "c", conf_text, strlen(conf_text), &errors) ||
	    policy_parse_file(pol, "p", rates_text, strlen(rates_text),
	                      &errors))
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	body = split(text, f);
	fill_invoice(&inv, f);
	{
		struct compose_input in = {&inv,
		                           &cfg,
		                           pol,
		                           "reminder-1",
		                           (struct date){2026, 4, 8},
		                           DATE_NULL};
		struct policy_template t = {"fr", "r", "t", f[7], body, 0};
		struct compose_attachment a = {f[6], NULL, data, size};
		struct compose_mail m = {&t,
		                         &vals,
		                         &inv,
		                         f[5],
		                         "reminder-1",
		                         size % 2 == 0,
		                         (int64_t)size * 1000003,
		                         (int)(size % 1440),
		                         "<a.b@exemple.fr>",
		                         size % 3 == 0 ? NULL : &a};

		if (compose_values(&in, &vals, &errors) < 0)
			goto out;
		if (compose_check(&t, &vals, &errors) < 0)
			goto out;
		if (compose_message(&m, &msg, &rcpts, &e) == 0)
			check_headers(buf_cstr(&msg), buf_cstr(&msg) + msg.len);
	}
out:
	buf_free(&msg);
	compose_values_free(&vals);
	invoice_free(&inv);
	strlist_clear(&errors);
	strlist_clear(&rcpts);
	config_free(&cfg);
	policy_free(pol);
	free(text);
	return 0;
}
