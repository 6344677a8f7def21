/*
 * mime.h -- one message, as bytes from outside, into typed, decoded fields.
 *
 * Built on libetpan (base64), iconv (charsets) and libxml2's HTML parser
 * (HTML-only mail); the MIME structure, header fields, addresses and
 * encoded words are read by mime.c itself, because Debian's libetpan 1.9.4
 * recurses, and crashes, on hostile input (see mime.c). Mail is hostile
 * input: size, header count, MIME nesting depth, number of parts and text
 * kept are capped; beyond a limit the message is parsed from what was kept
 * and the result says it was truncated. Never crashes, never leaks; fuzzed
 * (tests/fuzz/fuzz_mime.c).
 *
 * Pure: no I/O, no clock. Everything in a struct mime_message is owned by
 * it, UTF-8, NUL-terminated, without control characters other than LF (and
 * TAB) in bodies; header values are unfolded and RFC 2047-decoded.
 */
#ifndef RELANCE_MIME_H
#define RELANCE_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "strlist.h"

struct mime_limits {
	size_t max_bytes;     /* bytes of the message parsed (default 4 MB) */
	unsigned max_headers; /* header fields per entity, and entries per
	                       * list: To, Cc, References... (default 1000) */
	unsigned max_depth;   /* MIME nesting depth (default 20) */
	unsigned max_parts;   /* MIME parts in all, and DSN recipients
	                       * (default 200) */
	size_t max_text;      /* bytes of decoded text kept (default 1 MB) */
};

/* mime_default_limits -- the safe defaults above. */
struct mime_limits mime_default_limits(void);

struct mime_attachment {
	char *filename; /* decoded (RFC 2047 and RFC 2231), NULL if none */
	char *type;     /* "application/pdf", lower case */
	size_t size;    /* decoded size in bytes (estimated for base64) */
};

/* One recipient's block of a message/delivery-status part (RFC 3464). */
struct mime_dsn {
	char *action;          /* "failed", "delayed", ... lower case */
	char *status;          /* "5.1.1" */
	char *final_recipient; /* the address, without "rfc822;" */
	char *diagnostic;      /* Diagnostic-Code, for people */
};

/* Headers of a message carried inside this one (message/rfc822 or
 * text/rfc822-headers): a bounce's original, a forwarded reminder. */
struct mime_embedded {
	char *message_id;
	char *subject;
	char *relance_id; /* X-Relance-ID */
	char *to;
};

struct mime_message {
	/* Headers, decoded; NULL when absent. Addresses are bare
	 * "local@domain" (display names dropped), domain lower-cased. */
	char *subject;
	char *from;      /* first address of From */
	char *from_name; /* its display name, decoded */
	char *reply_to;
	char *sender;
	char *return_path; /* "" for the null reverse path "<>" */
	struct strlist to; /* every address of To */
	struct strlist cc;
	char *message_id;  /* with its angle brackets: "<id@host>" */
	char *in_reply_to; /* the first Message-ID in it, with brackets */
	struct strlist references; /* each Message-ID, with brackets */
	char *date;                /* the Date header as written */
	char *auto_submitted;      /* values lower-cased and trimmed */
	char *precedence;
	char *x_autoreply;   /* X-Autoreply */
	char *x_autorespond; /* X-Autorespond */
	char *x_auto_response_suppress;
	char *x_relance_id;          /* X-Relance-ID, if a client kept it */
	struct strlist auth_results; /* each Authentication-Results value */
	char *content_type;          /* top-level "type/subtype", lower case */
	char *report_type;           /* its report-type parameter, lower case */

	/* Bodies, decoded (quoted-printable, base64) and converted to UTF-8
	 * from their charset; CRLF becomes LF. */
	struct buf text; /* every text/plain part (not attachments), in
	                  * order, separated by a blank line */
	struct buf html; /* every text/html part turned into plain text */
	bool html_only;  /* no text/plain part: read HTML (mime_body) */

	struct mime_attachment *attachments;
	size_t nattachments;
	struct mime_dsn *dsn;
	size_t ndsn;
	struct mime_embedded *embedded;
	size_t nembedded;

	bool truncated; /* a limit was reached */
	char limit[64]; /* which: "max_bytes", "max_depth", ... */
};

/* mime_parse -- parse DATA[0..LEN) (borrowed) into OUT, which is always to
 * be freed with mime_free. Any input gives a result (garbage gives mostly
 * empty fields); returns 0, or -1 only on no memory (E set). */
int mime_parse(const char *data, size_t len, const struct mime_limits *lim,
               struct mime_message *out, struct err *e);

/* mime_body -- the best text to read: TEXT, else HTML's text; borrowed. */
const char *mime_body(const struct mime_message *m);

/* mime_free -- release everything M owns. */
void mime_free(struct mime_message *m);

#endif
