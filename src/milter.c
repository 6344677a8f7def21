/*
 * milter.c -- the libmilter callbacks of relance-milter.
 *
 * libmilter serves many connections with few threads, so everything about
 * a connection hangs off its context (smfi_setpriv): struct conn, made at
 * negotiation or connection, freed at close; and the message in progress,
 * struct msg, made at MAIL FROM and freed at the end of the message, at
 * abort, at the next MAIL FROM (after an early accept libmilter calls
 * nothing else for that message) or at close.
 *
 * The path of a message:
 *	connect	 the client's address; a reference to the configuration
 *	MAIL	 outgoing or not ({auth_authen}, {daemon_name}, address)
 *	RCPT	 recipients; for incoming mail, is one a dunning mailbox?
 *	header	 kept (no reply is asked for when the MTA allows it)
 *	EOH	 the decision: ordinary mail is accepted here
 *	body	 skipped, except incoming mail for the reader (MaxBodySize)
 *		 and reminders for the archive (EVIDENCE_MAX_ARCHIVE)
 *	EOM	 headers changed, messages archived, events recorded
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "daemon.h"
#include "evidence.h"
#include "incoming.h"
#include "ledger.h"
#include "milter.h"
#include "outgoing.h"
#include "spool.h"
#include "track.h"

#define MILTER_MAX_HEADERS      1000   /* header fields kept */
#define MILTER_MAX_HEADER_BYTES 262144 /* bytes of header fields kept */
#define MILTER_MAX_RCPTS        1000   /* recipients kept */
#define MILTER_ACTOR            "relance-milter"
#define MILTER_NOQUEUE          "NOQUEUE"

/* What the milter does with a message, decided at the end of headers. */
enum msg_path {
	PATH_UNDECIDED,
	PATH_REMINDER, /* outgoing reminder: tag, guard, record */
	PATH_CONTACT,  /* outgoing to a customer contact: record */
	PATH_STRIP,    /* outgoing with internal headers: remove them */
	PATH_INCOMING, /* to a dunning mailbox: for the reply reader */
	PATH_FOREIGN,  /* from outside with X-Relance-* headers: strip */
};

struct msg {
	char qid[64];
	char *envfrom;
	struct strlist rcpts; /* the first MILTER_MAX_RCPTS */
	struct strlist names, values;
	size_t header_bytes;
	bool headers_cut;    /* a limit was reached: do not change headers */
	struct strlist ours; /* the names of the X-Relance-* fields, each
	                        occurrence, also past the limits above (up
	                        to MILTER_MAX_HEADERS): to be stripped */
	bool ours_cut;       /* more X-Relance-* fields than that */
	bool outgoing;
	char why[256];   /* why it is (not) outgoing */
	bool to_mailbox; /* a recipient is a dunning mailbox */
	enum msg_path path;
	struct outgoing_reminder rem;
	bool strip;      /* also remove the internal headers */
	struct buf body; /* PATH_INCOMING: the body, up to MaxBodySize;
	                    PATH_REMINDER: up to EVIDENCE_MAX_ARCHIVE */
	bool body_cut;
};

struct conn {
	struct snapshot *snap;
	struct sockaddr_storage addr;
	bool has_addr;
	bool nr_hdr;      /* the MTA expects no reply to headers */
	bool skip;        /* the MTA understands SMFIS_SKIP */
	struct store *st; /* the state file, made when first needed */
	struct msg *msg;
};

/* ---- contexts ---- */

static void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	free(m->envfrom);
	strlist_clear(&m->rcpts);
	strlist_clear(&m->names);
	strlist_clear(&m->values);
	strlist_clear(&m->ours);
	buf_free(&m->body);
	free(m);
}

/* The connection of CTX, made when missing; NULL on no memory. */
static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return NULL;
	}
	return c;
}

static void
conn_end_message(struct conn *c)
{
	if (c != NULL) {
		msg_free(c->msg);
		c->msg = NULL;
	}
}

/* The state file of C's configuration (which a connection keeps from
 * start to end), opened lazily; NULL on no memory. */
static struct store *
conn_store(struct conn *c)
{
	if (c->st == NULL)
		c->st =
		    store_new(c->snap->cfg.state_file, DAEMON_STORE_BUDGET_MS);
	return c->st;
}

/* The queue ID, when the MTA has sent it by now, into M. */
static void
msg_qid(SMFICTX *ctx, struct msg *m)
{
	const char *i = smfi_getsymval(ctx, "i");

	if (i != NULL && *i != '\0')
		snprintf(m->qid, sizeof(m->qid), "%s", i);
}

static const char *
qid_of(const struct msg *m)
{
	return m != NULL && m->qid[0] != '\0' ? m->qid : MILTER_NOQUEUE;
}

/* ---- failing open ---- */

/*
 * Every internal error of a message ends here: one log line with the queue
 * ID and the reason, counted, and the On-InternalError answer (accept by
 * default), the mail left unchanged.
 */
static sfsistat milter_fail(const struct conn *c, const struct msg *m,
                            const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static sfsistat
milter_fail(const struct conn *c, const struct msg *m, const char *fmt, ...)
{
	bool tempfail =
	    c != NULL && c->snap != NULL &&
	    c->snap->cfg.on_internal_error == CONFIG_ON_ERROR_TEMPFAIL;
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	daemon_count_error();
	daemon_log(LOG_ERR,
	           "%s: internal error: %s; mail %s (On-InternalError %s)",
	           qid_of(m), why, tempfail ? "deferred" : "passed unchanged",
	           tempfail ? "tempfail" : "accept");
	return tempfail ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
}

/* True when the mail goes on after an internal error (then its events
 * must be spooled: they happened). */
static bool
milter_fails_open(const struct conn *c)
{
	return c->snap->cfg.on_internal_error != CONFIG_ON_ERROR_TEMPFAIL;
}

/* Keep EV in the spool; when even that fails, log it whole so that it is
 * not lost. */
static void
milter_spool(const struct conn *c, const struct msg *m,
             const struct spool_event *ev)
{
	struct err e;
	struct buf text = BUF_INIT;

	if (spool_write(c->snap->cfg.spool_dir, ev, &e) == 0) {
		daemon_spooled();
		daemon_log(LOG_NOTICE,
		           "%s: %s event spooled in %s, to be "
		           "replayed when the state file is back",
		           qid_of(m), ev->kind, c->snap->cfg.spool_dir);
		return;
	}
	spool_encode(ev, &text);
	for (size_t i = 0; i < text.len; i++)
		if (text.data[i] == '\n')
			text.data[i] = '|';
	daemon_log(LOG_ERR, "%s: cannot spool the %s event: %s; event: %s",
	           qid_of(m), ev->kind, e.msg, buf_cstr(&text));
	buf_free(&text);
}

/* ---- the archive ----
 *
 * For the evidence file (`relance evidence`), every reminder is kept as it
 * leaves the milter, and every reply that is recorded on an invoice as the
 * milter read it, one file each in ArchiveDir (mode 0600, named by
 * evidence_archive_name from the time and queue ID, never from the
 * mail), and the history event that records the message ends with
 * "; archived as NAME, SHA-256 HEX". The file is written before the event,
 * so that no event names a file that is not there. Archiving never stands
 * in the way of mail: when it fails, that is logged and counted, the event
 * says nothing of an archive, and the mail goes on.
 */

/* Write all of P[0..N) to FD. 0, or -1 (errno set). */
static int
archive_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Keep DATA[0..LEN) in DIR under a name of its own: the first free name
 * (evidence_archive_name), created exclusively, written and, with SYNC,
 * fsynced, then DIR fsynced (without SYNC the caller has the file system
 * flushed before the event naming the file is committed:
 * store_write_shared_synced). A crash midway can leave a partial file, but
 * no event names it (the event is written after), so the evidence never
 * takes it for a message. 0 with NAME set, or -1 with E set and nothing
 * left behind. */
static int
archive_write(const char *dir, const char *qid, const char *way, int64_t now,
              const char *data, size_t len, bool sync, struct buf *name,
              struct err *e)
{
	struct buf final = BUF_INIT;
	int fd = -1, rc = -1, dfd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(e, "ArchiveDir %s: cannot create: %s", dir,
		        strerror(errno));
		return -1;
	}
	for (unsigned n = 0; n < 100 && fd < 0; n++) {
		buf_reset(name);
		evidence_archive_name(now, qid, way, n, name);
		buf_reset(&final);
		buf_printf(&final, "%s/%s", dir, buf_cstr(name));
		if (buf_failed(&final) || buf_failed(name)) {
			err_set(e, "out of memory");
			goto out;
		}
		fd = open(buf_cstr(&final), O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 && errno != EEXIST) {
			err_set(e, "%s: cannot create: %s", buf_cstr(&final),
			        strerror(errno));
			goto out;
		}
	}
	if (fd < 0) {
		err_set(e, "%s: no free file name", dir);
		goto out;
	}
	if (archive_write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		err_set(e, "%s: cannot write: %s", buf_cstr(&final),
		        strerror(errno));
		close(fd);
		unlink(buf_cstr(&final));
		goto out;
	}
	if (close(fd) < 0) {
		err_set(e, "%s: cannot write: %s", buf_cstr(&final),
		        strerror(errno));
		unlink(buf_cstr(&final));
		goto out;
	}
	if (sync && (dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	buf_free(&final);
	return rc;
}

/* What was archived of a message: its name (empty when nothing was) and
 * the note for its event. */
struct archived {
	struct buf name;
	struct buf note;
};

#define ARCHIVED_INIT                                                          \
	{                                                                      \
		BUF_INIT, BUF_INIT                                             \
	}

static void
archived_free(struct archived *a)
{
	buf_free(&a->name);
	buf_free(&a->note);
}

/* Keep DATA[0..LEN), the message M going WAY ("out", "in"), in ArchiveDir
 * and fill A; on failure log why (the mail goes on) and leave A empty.
 * With SYNC the file is on disk on return; without, the caller has its
 * file system flushed before the event is committed. */
static void
milter_archive(const struct conn *c, const struct msg *m, const char *way,
               int64_t now, const char *data, size_t len, bool sync,
               struct archived *a)
{
	struct buf dir = BUF_INIT;
	char hex[SHA256_HEX];
	struct err e;

	config_archive_dir(&c->snap->cfg, &dir);
	if (buf_failed(&dir)) {
		err_set(&e, "out of memory");
	} else if (archive_write(buf_cstr(&dir), qid_of(m), way, now, data, len,
	                         sync, &a->name, &e) == 0) {
		sha256_hex(data, len, hex);
		evidence_note(buf_cstr(&a->name), hex, &a->note);
		if (!buf_failed(&a->note)) {
			buf_free(&dir);
			return;
		}
		err_set(&e, "out of memory");
	}
	daemon_count_error();
	daemon_log(LOG_ERR, "%s: not archived: %s; mail goes on", qid_of(m),
	           e.msg);
	if (a->name.len > 0) {
		buf_reset(&dir);
		config_archive_dir(&c->snap->cfg, &dir);
		buf_printf(&dir, "/%s", buf_cstr(&a->name));
		unlink(buf_cstr(&dir));
	}
	buf_reset(&a->name);
	buf_reset(&a->note);
	buf_free(&dir);
}

/* Remove the archived file of A (its event was not recorded). */
static void
milter_unarchive(const struct conn *c, struct archived *a)
{
	struct buf path = BUF_INIT;

	if (a->name.len == 0)
		return;
	config_archive_dir(&c->snap->cfg, &path);
	buf_printf(&path, "/%s", buf_cstr(&a->name));
	if (!buf_failed(&path))
		unlink(buf_cstr(&path));
	buf_reset(&a->name);
	buf_reset(&a->note);
	buf_free(&path);
}

/* Keep the reminder M as it leaves with the changes of PLAN. */
static void
milter_archive_reminder(const struct conn *c, const struct msg *m,
                        const struct outgoing_plan *plan, int64_t now,
                        struct archived *a)
{
	struct buf raw = BUF_INIT;

	if (m->body_cut) {
		daemon_count_error();
		daemon_log(LOG_ERR,
		           "%s: not archived: larger than %ld bytes; mail "
		           "goes on",
		           qid_of(m), EVIDENCE_MAX_ARCHIVE);
		return;
	}
	if (evidence_message(&m->names, &m->values, plan, m->body.data,
	                     m->body.len, &raw) < 0) {
		daemon_count_error();
		daemon_log(LOG_ERR,
		           "%s: not archived: out of memory; mail "
		           "goes on",
		           qid_of(m));
	} else {
		milter_archive(c, m, "out", now, raw.data, raw.len, true, a);
	}
	buf_free(&raw);
}

/* ---- the incoming path ----
 *
 * Mail that is not outgoing reaches the reader when one of its recipients
 * is a dunning mailbox or its plus-address (milter_incoming_rcpt), when
 * its headers carry a tracking ID back (msg_carries_id), or when it answers
 * a reminder whose Message-ID the daemon knows (msg_answers_reminder: an
 * ERP's reminder keeps its own Message-ID): its body
 * is read up to MaxBodySize, and at the end of the message it goes through
 * incoming_process (the same path as `relance replay`): classified, its
 * invoice found, the policy's reaction applied. Headers from outside that
 * claim to be ours (X-Relance-*) are removed from all incoming mail, then
 * the reader's X-Relance-Invoice, X-Relance-Class and X-Relance-State are
 * added for the clerk's mail client. When the state file cannot be
 * written, the message is kept in SpoolDir/incoming and replayed later.
 */

/* True when RCPT is one of the dunning mailboxes or a plus-address of
 * one. */
static bool
milter_incoming_rcpt(const struct conn *c, const char *rcpt)
{
	const struct strlist *boxes = &c->snap->oc.mailboxes;
	char id[TRACK_ID_SIZE];

	for (size_t i = 0; i < boxes->n; i++)
		if (strcasecmp(rcpt, boxes->v[i]) == 0 ||
		    track_from_address(rcpt, boxes->v[i], id) == 0)
			return true;
	return false;
}

/* True when M has a header named X-Relance-*, also past the limits on
 * the headers kept. */
static bool
msg_has_ours(const struct msg *m)
{
	return m->ours.n > 0 || m->ours_cut;
}

/* True when a header of M where replies carry a tracking ID back (the
 * Subject tag, In-Reply-To or References naming one of our Message-IDs,
 * which begin with the ID, X-Relance-ID) holds a well-formed one. Pure:
 * the check symbol rejects almost every guess without asking the state. */
static bool
msg_carries_id(const struct msg *m)
{
	static const char *const names[] = {"Subject", "In-Reply-To",
	                                    "References", "X-Relance-ID", NULL};
	struct strlist ids = STRLIST_INIT;
	bool found = false;

	for (size_t i = 0; i < m->names.n && !found; i++)
		for (int k = 0; names[k] != NULL && !found; k++)
			if (strcasecmp(m->names.v[i], names[k]) == 0)
				found = track_find(m->values.v[i], &ids) > 0;
	strlist_clear(&ids);
	return found;
}

/* True when In-Reply-To or References of M names the Message-ID of one of
 * our reminders (daemon_mid_known: from memory, not the state file). */
static bool
msg_answers_reminder(const struct msg *m)
{
	for (size_t i = 0; i < m->names.n; i++)
		if ((strcasecmp(m->names.v[i], "In-Reply-To") == 0 ||
		     strcasecmp(m->names.v[i], "References") == 0) &&
		    daemon_mid_known(m->values.v[i]))
			return true;
	return false;
}

static sfsistat
milter_incoming_eoh(struct conn *c, struct msg *m)
{
	if (m->to_mailbox || msg_carries_id(m) || msg_answers_reminder(m)) {
		m->path = PATH_INCOMING;
		return SMFIS_CONTINUE;
	}
	if (msg_has_ours(m)) {
		m->path = PATH_FOREIGN;
		return SMFIS_CONTINUE;
	}
	daemon_log(LOG_INFO,
	           "%s: skipped: not outgoing (%s), no "
	           "dunning mailbox among the recipients",
	           qid_of(m), m->why);
	return SMFIS_ACCEPT;
}

/* Keep body bytes for the reader, up to MaxBodySize. Returns false when
 * the limit is reached (the rest is not wanted). */
static bool
milter_incoming_body(struct conn *c, struct msg *m, const unsigned char *p,
                     size_t len)
{
	size_t max = c->snap->cfg.max_body_size;

	if (m->body.len + len > max) {
		len = max - m->body.len;
		m->body_cut = true;
	}
	buf_append(&m->body, p, len);
	return !m->body_cut && !buf_failed(&m->body);
}

/* Remove every X-Relance-* header of M (m->ours, also those past the
 * limits on the headers kept): nobody outside may set them. The last
 * occurrence of a name goes first, so that the index of an earlier one
 * holds whether or not the MTA renumbers after a deletion. Returns how
 * many could not be removed. */
static unsigned
milter_strip_ours(SMFICTX *ctx, const struct msg *m)
{
	unsigned failed = 0;

	for (size_t i = m->ours.n; i-- > 0;) {
		int index = 1;

		for (size_t j = 0; j < i; j++)
			index += strcasecmp(m->ours.v[j], m->ours.v[i]) == 0;
		if (smfi_chgheader(ctx, m->ours.v[i], index, NULL) !=
		    MI_SUCCESS)
			failed++;
	}
	if (m->ours_cut)
		daemon_log(LOG_WARNING,
		           "%s: more than %d X-Relance-* headers from outside: "
		           "the rest not removed",
		           qid_of(m), MILTER_MAX_HEADERS);
	return failed;
}

/* The message as the MTA has it: kept headers, a blank line, the body. */
static void
msg_raw(const struct msg *m, struct buf *out)
{
	for (size_t i = 0; i < m->names.n; i++)
		buf_printf(out, "%s: %s\r\n", m->names.v[i], m->values.v[i]);
	buf_puts(out, "\r\n");
	buf_append(out, m->body.data ? m->body.data : "", m->body.len);
}

/* Mail from outside carrying our headers, not for a dunning mailbox. */
static sfsistat
milter_foreign_eom(SMFICTX *ctx, struct conn *c, struct msg *m)
{
	unsigned failed = milter_strip_ours(ctx, m);

	daemon_log(LOG_NOTICE, "%s: X-Relance-* headers from outside removed%s",
	           qid_of(m), failed ? " (the MTA refused some)" : "");
	return SMFIS_ACCEPT;
}

static sfsistat
milter_incoming_eom(SMFICTX *ctx, struct conn *c, struct msg *m)
{
	struct snapshot *s = c->snap;
	int64_t now = daemon_now();
	struct incoming_ctx ic = {
	    s->pol, &s->oc.mailboxes, conn_store(c), daemon_day_of(now),
	    now,    MILTER_ACTOR,     qid_of(m),     NULL,
	    -1};
	struct incoming_result r;
	struct buf raw = BUF_INIT, dir = BUF_INIT;
	struct archived a = ARCHIVED_INIT;
	struct err e;

	if (m->headers_cut) {
		/* not read, but what claims to be ours still goes */
		unsigned failed = milter_strip_ours(ctx, m);

		return milter_fail(c, m, "too many headers to read the reply%s",
		                   m->ours.n == 0 ? ""
		                   : failed       ? " (X-Relance-* headers "
		                                    "from outside: the MTA "
		                                    "refused to remove some)"
		                                  : " (X-Relance-* headers "
		                                    "from outside removed)");
	}
	msg_raw(m, &raw);
	if (!buf_failed(&raw) && ic.st != NULL) {
		/* flushed with the batch of replies that records it */
		milter_archive(c, m, "in", now, raw.data, raw.len, false, &a);
		if (a.note.len > 0) {
			ic.archive_note = buf_cstr(&a.note);
			config_archive_dir(&s->cfg, &dir);
			if (!buf_failed(&dir))
				ic.archive_fd =
				    open(buf_cstr(&dir),
				         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			buf_reset(&dir);
		}
	}
	if (buf_failed(&raw) || ic.st == NULL ||
	    incoming_process(&ic, raw.data, raw.len, &r, &e) < 0) {
		if (ic.archive_fd >= 0)
			close(ic.archive_fd);
		milter_unarchive(c, &a);
		archived_free(&a);
		buf_free(&raw);
		return milter_fail(c, m, "out of memory reading the reply");
	}
	if (ic.archive_fd >= 0)
		close(ic.archive_fd);
	/* kept only when an event of an invoice names it */
	if (!r.recorded)
		milter_unarchive(c, &a);
	archived_free(&a);
	if (r.store != STORE_OK) {
		buf_printf(&dir, "%s/incoming", s->cfg.spool_dir);
		if (incoming_spool(buf_cstr(&dir), now, raw.data, raw.len,
		                   &e) == 0) {
			daemon_spooled();
			daemon_log(LOG_NOTICE,
			           "%s: %s: state file not available, "
			           "message kept in %s to be replayed",
			           qid_of(m), classify_name(r.class),
			           buf_cstr(&dir));
		} else {
			daemon_log(LOG_ERR, "%s: %s: cannot keep it: %s",
			           qid_of(m), classify_name(r.class), e.msg);
		}
	}
	buf_free(&raw);
	buf_free(&dir);
	milter_strip_ours(ctx, m);
	smfi_addheader(ctx, "X-Relance-Class", (char *)classify_name(r.class));
	if (r.invoice[0] != '\0') {
		smfi_addheader(ctx, "X-Relance-Invoice", r.invoice);
		smfi_addheader(ctx, "X-Relance-State",
		               (char *)invoice_state_name(r.state));
	}
	daemon_log(LOG_INFO, "%s: reply from %s: %s%s", qid_of(m),
	           m->envfrom && *m->envfrom ? m->envfrom : "<>", r.log,
	           m->body_cut ? " (body cut at MaxBodySize)" : "");
	return SMFIS_ACCEPT;
}

/* ---- header changes ---- */

/* Apply the changes of P; returns how many failed (logged). */
static unsigned
milter_apply(SMFICTX *ctx, const struct msg *m, const struct outgoing_plan *p)
{
	unsigned failed = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct outgoing_change *ch = &p->v[i];
		int rc;

		if (ch->op == OUTGOING_ADD)
			rc = smfi_addheader(ctx, ch->name, ch->value);
		else
			rc =
			    smfi_chgheader(ctx, ch->name, ch->index, ch->value);
		if (rc != MI_SUCCESS) {
			failed++;
			daemon_log(LOG_ERR,
			           "%s: the MTA refused to change "
			           "header %s",
			           qid_of(m), ch->name);
		}
	}
	return failed;
}

static struct outgoing_msg
msg_view(const struct msg *m)
{
	struct outgoing_msg v = {&m->names, &m->values, m->envfrom, &m->rcpts};

	return v;
}

/* Remove the internal headers of M (an ordinary or unknown reminder). */
static sfsistat
milter_strip(SMFICTX *ctx, struct conn *c, struct msg *m, const char *why)
{
	struct outgoing_msg v = msg_view(m);
	struct outgoing_plan p = {NULL, 0};

	if (outgoing_plan_strip(&v, &p) < 0)
		return milter_fail(c, m, "out of memory");
	milter_apply(ctx, m, &p);
	daemon_log(LOG_INFO, "%s: %s: internal headers removed (%zu)",
	           qid_of(m), why, p.n);
	outgoing_plan_free(&p);
	return SMFIS_ACCEPT;
}

/* ---- reminders ---- */

/* The event that records the reminder M for invoice NUMBER: what went
 * out. ID and MID may be NULL (the mail went out unchanged); NOTE is the
 * archive's note ("" or NULL when the message was not archived), always
 * last. A mail that lists several invoices names no step: each keeps its
 * own last step. */
static int
reminder_event_for(const struct msg *m, const char *number, int64_t now,
                   const char *id, const char *mid, const char *warning,
                   const char *note, struct spool_event *ev)
{
	struct outgoing_msg v = msg_view(m);
	struct buf detail = BUF_INIT;
	char day[11];
	int rc;

	date_format(daemon_day_of(now), day);
	buf_printf(&detail, "%s to ",
	           m->rem.step[0] ? m->rem.step : "reminder");
	outgoing_list_rcpts(&v, &detail);
	if (id != NULL)
		buf_printf(&detail, ", tracking ID %s", id);
	if (mid != NULL)
		buf_printf(&detail, ", Message-ID %s", mid);
	buf_printf(&detail, ", queue ID %s", qid_of(m));
	if (warning != NULL)
		buf_printf(&detail, "; sent although %s (Guard warn)", warning);
	if (note != NULL && *note != '\0') {
		size_t keep = INVOICE_MAX_DETAIL - strlen(note) - 3;

		/* the note stays whole at the end when the detail is cut */
		if (detail.len > keep && !buf_failed(&detail)) {
			while (keep > 0 && ((unsigned char)detail.data[keep] &
			                    0xc0) == 0x80)
				keep--;
			detail.len = keep;
			buf_puts(&detail, "...");
		}
		buf_puts(&detail, note);
	}
	rc = spool_event_init(ev, SPOOL_REMINDER_SENT, now) < 0 ||
	             buf_failed(&detail) ||
	             spool_event_add(ev, "invoice", number) < 0 ||
	             spool_event_add(ev, "actor", MILTER_ACTOR) < 0 ||
	             spool_event_add(ev, "detail", detail.data) < 0 ||
	             spool_event_add(ev, "date", day) < 0 ||
	             spool_event_add(ev, "qid", qid_of(m)) < 0 ||
	             (m->rem.step[0] && m->rem.ninvoices <= 1 &&
	              spool_event_add(ev, "step", m->rem.step) < 0) ||
	             (id && spool_event_add(ev, "tracking-id", id) < 0) ||
	             (mid && spool_event_add(ev, "message-id", mid) < 0)
	         ? -1
	         : 0;
	buf_free(&detail);
	return rc;
}

/* The event that records the reminder M for its first invoice. */
static int
reminder_event(const struct msg *m, int64_t now, const char *id,
               const char *mid, const char *warning, const char *note,
               struct spool_event *ev)
{
	return reminder_event_for(m, m->rem.invoice, now, id, mid, warning,
	                          note, ev);
}

/* The state file could not be used for the reminder M: the mail goes out
 * untagged (On-InternalError accept), its internal headers still removed
 * (that needs no state), and what went out is spooled. */
static sfsistat
reminder_unrecorded(SMFICTX *ctx, const struct conn *c, const struct msg *m,
                    int64_t now, const char *why)
{
	struct outgoing_msg v = msg_view(m);
	struct outgoing_plan strip = {NULL, 0};
	struct spool_event ev;
	struct buf mid = BUF_INIT;
	sfsistat ret;

	ret = milter_fail(c, m, "reminder for invoice %s not tagged: %s",
	                  m->rem.invoice, why);
	memset(&ev, 0, sizeof(ev));
	if (milter_fails_open(c)) {
		struct archived a = ARCHIVED_INIT;

		if (outgoing_plan_strip(&v, &strip) == 0) {
			milter_apply(ctx, m, &strip);
			milter_archive_reminder(c, m, &strip, now, &a);
		}
		outgoing_plan_free(&strip);
		bool has_mid = outgoing_message_id_of(&v, &mid) == 0;

		for (size_t i = 0; i < m->rem.ninvoices || i == 0; i++) {
			const char *n = m->rem.ninvoices > 0
			                    ? m->rem.invoices[i]
			                    : m->rem.invoice;

			if (reminder_event_for(m, n, now, NULL,
			                       has_mid ? mid.data : NULL, NULL,
			                       buf_cstr(&a.note), &ev) == 0)
				milter_spool(c, m, &ev);
			spool_event_free(&ev);
			memset(&ev, 0, sizeof(ev));
		}
		archived_free(&a);
		if (has_mid)
			daemon_mid_add(mid.data);
		spool_event_free(&ev);
	}
	buf_free(&mid);
	return ret;
}

/* The guard says no: record the attempt, answer 5.7.1 with the reason. */
static sfsistat
reminder_reject(SMFICTX *ctx, struct conn *c, struct msg *m,
                struct invoice *inv, int64_t now, const char *sentence)
{
	struct outgoing_msg v = msg_view(m);
	struct spool_event ev;
	struct buf detail = BUF_INIT, reply = BUF_INIT;
	struct err e;

	buf_printf(&detail, "%s to ",
	           m->rem.step[0] ? m->rem.step : "reminder");
	outgoing_list_rcpts(&v, &detail);
	buf_printf(&detail, " held back (Guard reject): %s; queue ID %s",
	           sentence, qid_of(m));
	if (spool_event_init(&ev, SPOOL_REMINDER_HELD, now) == 0 &&
	    !buf_failed(&detail) &&
	    spool_event_add(&ev, "invoice", m->rem.invoice) == 0 &&
	    spool_event_add(&ev, "actor", MILTER_ACTOR) == 0 &&
	    spool_event_add(&ev, "detail", detail.data) == 0 &&
	    spool_event_add(&ev, "qid", qid_of(m)) == 0) {
		if (spool_apply_invoice(inv, &ev, &e) < 0 ||
		    ledger_put(c->st, inv, &e) != STORE_OK ||
		    store_commit(c->st, &e) != STORE_OK) {
			store_abort(c->st);
			milter_spool(c, m, &ev);
		}
	} else {
		store_abort(c->st);
	}
	spool_event_free(&ev);
	outgoing_smtp_text(sentence, &reply);
	daemon_log(LOG_NOTICE,
	           "%s: reminder for invoice %s held back "
	           "(Guard reject): %s",
	           qid_of(m), m->rem.invoice, sentence);
	if (smfi_setreply(ctx, "550", "5.7.1", reply.data) != MI_SUCCESS)
		daemon_log(LOG_ERR, "%s: the MTA refused the reply text",
		           qid_of(m));
	buf_free(&detail);
	buf_free(&reply);
	return SMFIS_REJECT;
}

/* What reminder_tag found and made, for the log line. */
struct tagging {
	char id[TRACK_ID_SIZE];
	bool new_id;
	struct buf mid;
	bool new_mid;
	struct outgoing_plan plan;
	struct archived archived;
};

/* Choose the ID and Message-ID, plan the changes, record the event in INV
 * (not yet written). 0, or -1 with E set. */
static int
reminder_prepare(struct conn *c, struct msg *m, struct invoice *inv,
                 int64_t now, const char *warning, struct tagging *t,
                 struct err *e)
{
	struct outgoing_msg v = msg_view(m);
	struct outgoing_tagging tg;
	struct spool_event ev;
	uint32_t r = 0;
	int rc = -1;

	memset(&ev, 0, sizeof(ev));

	if (outgoing_pick_id(inv, &v, t->id) == 0) {
		if (track_random(t->id) < 0) {
			err_set(e, "no random numbers: %s", strerror(errno));
			return -1;
		}
		t->new_id = true;
	}
	if (outgoing_message_id_of(&v, &t->mid) < 0) {
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
			err_set(e, "no random numbers: %s", strerror(errno));
			return -1;
		}
		outgoing_message_id(&c->snap->oc, &v, t->id, now, r, &t->mid);
		t->new_mid = true;
	}
	tg.id = t->id;
	tg.message_id = t->mid.data;
	tg.warning = warning;
	if (buf_failed(&t->mid) ||
	    outgoing_plan_reminder(&c->snap->oc, &v, &tg, &t->plan) < 0) {
		err_set(e, "out of memory");
		return -1;
	}
	milter_archive_reminder(c, m, &t->plan, now, &t->archived);
	if (reminder_event(m, now, t->id, t->mid.data, warning,
	                   buf_cstr(&t->archived.note), &ev) < 0) {
		err_set(e, "out of memory");
		spool_event_free(&ev);
		return -1;
	}
	if (spool_apply_invoice(inv, &ev, e) >= 0)
		rc = 0;
	spool_event_free(&ev);
	return rc;
}

static void
reminder_log(const struct msg *m, const struct tagging *t, const char *warning)
{
	struct outgoing_msg v = msg_view(m);
	struct buf to = BUF_INIT;

	outgoing_list_rcpts(&v, &to);
	daemon_log(LOG_INFO,
	           "%s: reminder for invoice %s (%s%s%s) tagged %s%s, "
	           "Message-ID %s%s, %zu header changes, to %s%s%s",
	           qid_of(m), m->rem.invoice, m->rem.how,
	           m->rem.step[0] ? ", step " : "", m->rem.step, t->id,
	           t->new_id ? " (new)" : "", buf_cstr(&t->mid),
	           t->new_mid ? " (added)" : "", t->plan.n, buf_cstr(&to),
	           warning ? "; warning: " : "", warning ? warning : "");
	buf_free(&to);
}

/* A reminder M that lists several invoices of a customer (a grouped
 * reminder, outgoing.h): every listed invoice is read and guarded (the
 * first the guard stops names the rejection); the mail gets one tracking
 * ID, the first invoice's, and the "reminder-sent" event, with that ID
 * and the Message-ID, goes on every invoice, in one transaction. Unknown
 * numbers are logged and left out; all unknown: not tracked. */
static sfsistat
milter_reminder_group(SMFICTX *ctx, struct conn *c, struct msg *m)
{
	int64_t now = daemon_now();
	struct store *st = conn_store(c);
	struct tagging t = {"",    false,     BUF_INIT,
	                    false, {NULL, 0}, ARCHIVED_INIT};
	struct buf sentence = BUF_INIT, warning = BUF_INIT;
	struct invoice *invs;
	size_t k = 0;
	enum invoice_state state;
	enum store_rc rc;
	struct err e;
	sfsistat ret;

	if (m->headers_cut)
		return milter_fail(c, m,
		                   "too many header fields to tag the "
		                   "reminder for invoice %s",
		                   m->rem.invoice);
	invs = calloc(m->rem.ninvoices, sizeof(*invs));
	if (st == NULL || invs == NULL) {
		free(invs);
		return reminder_unrecorded(ctx, c, m, now, "out of memory");
	}
	if ((rc = store_begin(st, STORE_WRITE, &e)) != STORE_OK) {
		free(invs);
		return reminder_unrecorded(ctx, c, m, now, e.msg);
	}
	for (size_t i = 0; i < m->rem.ninvoices; i++) {
		rc = ledger_get(st, m->rem.invoices[i], &invs[k], &e);
		if (rc == STORE_NOTFOUND) {
			invoice_free(&invs[k]);
			daemon_log(LOG_WARNING,
			           "%s: %s names invoice %s, which is "
			           "unknown: not tracked",
			           qid_of(m), m->rem.how, m->rem.invoices[i]);
			continue;
		}
		if (rc != STORE_OK) {
			store_abort(st);
			ret = reminder_unrecorded(ctx, c, m, now, e.msg);
			goto out;
		}
		k++;
	}
	if (k == 0) {
		store_abort(st);
		ret = milter_strip(ctx, c, m, "unknown invoices");
		goto out;
	}
	for (size_t i = 0; i < k && c->snap->oc.guard != CONFIG_GUARD_OFF;
	     i++) {
		buf_reset(&sentence);
		if (!outgoing_guard(&invs[i], m->rem.step, daemon_day_of(now),
		                    daemon_day_of, &state, &sentence))
			continue;
		if (c->snap->oc.guard == CONFIG_GUARD_REJECT) {
			ret = reminder_reject(ctx, c, m, &invs[i], now,
			                      buf_cstr(&sentence));
			goto out;
		}
		buf_printf(&warning, "%sinvoice %s is %s",
		           warning.len ? "; " : "", invs[i].number,
		           invoice_state_name(state));
		daemon_log(LOG_WARNING,
		           "%s: reminder for invoice %s goes out "
		           "although (Guard warn): %s",
		           qid_of(m), invs[i].number, buf_cstr(&sentence));
	}
	if (reminder_prepare(c, m, &invs[0], now,
	                     warning.len ? warning.data : NULL, &t, &e) < 0) {
		store_abort(st);
		milter_unarchive(c, &t.archived);
		ret = milter_fail(c, m, "reminder for invoice %s: %s",
		                  m->rem.invoice, e.msg);
		goto out;
	}
	for (size_t i = 1; i < k; i++) {
		struct spool_event ev;
		int r;

		memset(&ev, 0, sizeof(ev));
		r = reminder_event_for(m, invs[i].number, now, t.id,
		                       buf_cstr(&t.mid),
		                       warning.len ? warning.data : NULL,
		                       buf_cstr(&t.archived.note), &ev);
		if (r < 0)
			err_set(&e, "out of memory");
		if (r < 0 || spool_apply_invoice(&invs[i], &ev, &e) < 0) {
			spool_event_free(&ev);
			store_abort(st);
			milter_unarchive(c, &t.archived);
			ret = milter_fail(c, m, "reminder for invoice %s: %s",
			                  invs[i].number, e.msg);
			goto out;
		}
		spool_event_free(&ev);
	}
	rc = STORE_OK;
	for (size_t i = 0; i < k && rc == STORE_OK; i++)
		rc = ledger_put(st, &invs[i], &e);
	if (rc != STORE_OK || store_commit(st, &e) != STORE_OK) {
		store_abort(st);
		milter_unarchive(c, &t.archived);
		ret = reminder_unrecorded(ctx, c, m, now, e.msg);
		goto out;
	}
	daemon_mid_add(buf_cstr(&t.mid));
	if (milter_apply(ctx, m, &t.plan) > 0)
		daemon_count_error();
	reminder_log(m, &t, warning.len ? warning.data : NULL);
	ret = SMFIS_ACCEPT;
out:
	for (size_t i = 0; i < k; i++)
		invoice_free(&invs[i]);
	free(invs);
	outgoing_plan_free(&t.plan);
	archived_free(&t.archived);
	buf_free(&t.mid);
	buf_free(&sentence);
	buf_free(&warning);
	return ret;
}

/* The reminder M for an invoice: guard, tag, record. */
static sfsistat
milter_reminder(SMFICTX *ctx, struct conn *c, struct msg *m)
{
	int64_t now = daemon_now();
	struct store *st = conn_store(c);
	struct tagging t = {"",    false,     BUF_INIT,
	                    false, {NULL, 0}, ARCHIVED_INIT};
	struct buf sentence = BUF_INIT, warning = BUF_INIT;
	enum invoice_state state;
	struct invoice inv;
	enum store_rc rc;
	struct err e;
	sfsistat ret;

	if (m->rem.ninvoices > 1)
		return milter_reminder_group(ctx, c, m);
	invoice_init(&inv);
	if (m->headers_cut)
		return milter_fail(c, m,
		                   "too many header fields to tag the "
		                   "reminder for invoice %s",
		                   m->rem.invoice);
	if (st == NULL)
		return reminder_unrecorded(ctx, c, m, now, "out of memory");
	if ((rc = store_begin(st, STORE_WRITE, &e)) != STORE_OK)
		return reminder_unrecorded(ctx, c, m, now, e.msg);
	rc = ledger_get(st, m->rem.invoice, &inv, &e);
	if (rc == STORE_NOTFOUND) {
		store_abort(st);
		invoice_free(&inv);
		daemon_log(LOG_WARNING,
		           "%s: %s names invoice %s, which is "
		           "unknown: not tracked",
		           qid_of(m), m->rem.how, m->rem.invoice);
		return milter_strip(ctx, c, m, "unknown invoice");
	}
	if (rc != STORE_OK) {
		store_abort(st);
		invoice_free(&inv);
		return reminder_unrecorded(ctx, c, m, now, e.msg);
	}
	if (c->snap->oc.guard != CONFIG_GUARD_OFF &&
	    outgoing_guard(&inv, m->rem.step, daemon_day_of(now), daemon_day_of,
	                   &state, &sentence)) {
		if (c->snap->oc.guard == CONFIG_GUARD_REJECT) {
			ret = reminder_reject(ctx, c, m, &inv, now,
			                      buf_cstr(&sentence));
			goto out;
		}
		buf_printf(&warning, "invoice %s is %s", inv.number,
		           invoice_state_name(state));
		daemon_log(LOG_WARNING,
		           "%s: reminder for invoice %s goes out "
		           "although (Guard warn): %s",
		           qid_of(m), m->rem.invoice, buf_cstr(&sentence));
	}
	if (reminder_prepare(c, m, &inv, now, warning.len ? warning.data : NULL,
	                     &t, &e) < 0) {
		store_abort(st);
		milter_unarchive(c, &t.archived);
		ret = milter_fail(c, m, "reminder for invoice %s: %s",
		                  m->rem.invoice, e.msg);
		goto out;
	}
	if (ledger_put(st, &inv, &e) != STORE_OK ||
	    store_commit(st, &e) != STORE_OK) {
		store_abort(st);
		milter_unarchive(c, &t.archived);
		ret = reminder_unrecorded(ctx, c, m, now, e.msg);
		goto out;
	}
	daemon_mid_add(buf_cstr(&t.mid));
	if (milter_apply(ctx, m, &t.plan) > 0)
		daemon_count_error();
	reminder_log(m, &t, warning.len ? warning.data : NULL);
	ret = SMFIS_ACCEPT;
out:
	invoice_free(&inv);
	outgoing_plan_free(&t.plan);
	archived_free(&t.archived);
	buf_free(&t.mid);
	buf_free(&sentence);
	buf_free(&warning);
	return ret;
}

/* ---- manual contacts ---- */

/* True when a recipient of M is a customer contact; also true when the
 * state file cannot tell (then EOM tries again). */
static bool
milter_to_contact(struct conn *c, struct msg *m)
{
	struct store *st = conn_store(c);
	struct buf v = BUF_INIT;
	enum store_rc rc = STORE_NOTFOUND;
	struct err e;

	if (st == NULL || store_begin(st, STORE_READ, &e) != STORE_OK)
		return true;
	for (size_t i = 0; rc == STORE_NOTFOUND && i < m->rcpts.n; i++)
		rc = ledger_lookup(st, "adr:", m->rcpts.v[i], &v, &e);
	store_abort(st);
	buf_free(&v);
	return rc != STORE_NOTFOUND;
}

static int
contact_event(const struct msg *m, int64_t now, struct spool_event *ev)
{
	struct outgoing_msg v = msg_view(m);
	struct buf detail = BUF_INIT, subject = BUF_INIT, mid = BUF_INIT;
	const char *s = outgoing_header(&v, "Subject");
	int rc;

	if (s != NULL)
		outgoing_decode(s, &subject);
	buf_printf(&detail, "mail from %s to ",
	           m->envfrom[0] ? m->envfrom : "<>");
	outgoing_list_rcpts(&v, &detail);
	buf_printf(&detail, ", Subject \"%.200s\"", buf_cstr(&subject));
	if (outgoing_message_id_of(&v, &mid) == 0)
		buf_printf(&detail, ", Message-ID %s", mid.data);
	buf_printf(&detail, ", queue ID %s", qid_of(m));
	rc = spool_event_init(ev, SPOOL_CONTACT, now) < 0 ||
	             buf_failed(&detail) ||
	             spool_event_add(ev, "actor", MILTER_ACTOR) < 0 ||
	             spool_event_add(ev, "detail", detail.data) < 0 ||
	             spool_event_add(ev, "qid", qid_of(m)) < 0
	         ? -1
	         : 0;
	for (size_t i = 0; rc == 0 && i < m->rcpts.n; i++)
		rc = spool_event_add(ev, "rcpt", m->rcpts.v[i]);
	buf_free(&detail);
	buf_free(&subject);
	buf_free(&mid);
	return rc;
}

static sfsistat
milter_contact(SMFICTX *ctx, struct conn *c, struct msg *m)
{
	struct store *st = conn_store(c);
	struct spool_event ev;
	enum spool_result res = SPOOL_STORE_ERR;
	struct err e;
	sfsistat ret = SMFIS_ACCEPT;

	if (contact_event(m, daemon_now(), &ev) < 0) {
		spool_event_free(&ev);
		return milter_fail(c, m, "out of memory");
	}
	err_set(&e, "out of memory");
	if (st != NULL && store_begin(st, STORE_WRITE, &e) == STORE_OK) {
		res = spool_apply(st, &ev, &e);
		if (res == SPOOL_REJECTED) {
			store_abort(st);
		} else if (res == SPOOL_STORE_ERR ||
		           store_commit(st, &e) != STORE_OK) {
			store_abort(st);
			res = SPOOL_STORE_ERR;
		}
	}
	if (res == SPOOL_REJECTED || res == SPOOL_STORE_ERR) {
		ret =
		    milter_fail(c, m, "manual contact not recorded: %s", e.msg);
		/* what the state file could not take waits in the spool */
		if (res == SPOOL_STORE_ERR && milter_fails_open(c))
			milter_spool(c, m, &ev);
	} else {
		daemon_log(LOG_INFO,
		           "%s: outgoing mail to a customer "
		           "contact: %s",
		           qid_of(m),
		           res == SPOOL_APPLIED ? "recorded as a manual contact"
		           : res == SPOOL_DUPLICATE ? "already recorded"
		                                    : "no unpaid invoice");
	}
	spool_event_free(&ev);
	if (ret == SMFIS_ACCEPT && m->strip)
		return milter_strip(ctx, c, m, "outgoing mail");
	return ret;
}

/* ---- the callbacks ---- */

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
             unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long want = SMFIP_NOHELO | SMFIP_NOUNKNOWN |
	                           SMFIP_NODATA | SMFIP_NR_HDR | SMFIP_SKIP;
	struct conn *c = conn_get(ctx);

	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST);
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	if (c != NULL) {
		c->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
		c->skip = (*pf1 & SMFIP_SKIP) != 0;
	}
	if (*pf0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT, "{daemon_name}");
		smfi_setsymlist(ctx, SMFIM_ENVFROM,
		                "i {auth_authen} {daemon_name}");
		smfi_setsymlist(ctx, SMFIM_EOH, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);

	if (c == NULL)
		return milter_fail(NULL, NULL, "out of memory at connection");
	if (c->snap == NULL)
		c->snap = daemon_acquire();
	if (sa != NULL &&
	    (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		memcpy(&c->addr, sa,
		       sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
		                                : sizeof(struct sockaddr_in6));
		c->has_addr = true;
	}
	return SMFIS_CONTINUE;
}

/* ADDR without its angle brackets and blanks, copied; NULL on no memory. */
static char *
bare_address(const char *addr)
{
	size_t len;

	while (*addr == ' ' || *addr == '<')
		addr++;
	len = strcspn(addr, "> ");
	return strndup(addr, len);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct outgoing_origin o;
	struct buf why = BUF_INIT;
	struct msg *m;

	if (c == NULL || c->snap == NULL)
		return milter_fail(c, NULL, "no connection context at MAIL");
	conn_end_message(c);
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->envfrom = bare_address(argv[0] ? argv[0] : "")) == NULL) {
		msg_free(m);
		return milter_fail(c, NULL, "out of memory at MAIL");
	}
	c->msg = m;
	msg_qid(ctx, m);
	o.auth_authen = smfi_getsymval(ctx, "{auth_authen}");
	o.daemon_name = smfi_getsymval(ctx, "{daemon_name}");
	o.addr = c->has_addr ? (struct sockaddr *)&c->addr : NULL;
	m->outgoing = outgoing_is_outgoing(&c->snap->oc, &o, &why);
	snprintf(m->why, sizeof(m->why), "%s", buf_cstr(&why));
	buf_free(&why);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = c != NULL ? c->msg : NULL;
	char *rcpt;

	if (m == NULL)
		return milter_fail(c, NULL, "no message context at RCPT");
	if (m->rcpts.n >= MILTER_MAX_RCPTS)
		return SMFIS_CONTINUE;
	if ((rcpt = bare_address(argv[0] ? argv[0] : "")) == NULL ||
	    strlist_add(&m->rcpts, rcpt) < 0) {
		free(rcpt);
		return milter_fail(c, m, "out of memory at RCPT");
	}
	if (!m->outgoing && milter_incoming_rcpt(c, rcpt))
		m->to_mailbox = true;
	free(rcpt);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = c != NULL ? c->msg : NULL;
	sfsistat next = c != NULL && c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	size_t size = strlen(name) + strlen(value);

	if (m == NULL)
		return next;
	if (strncasecmp(name, "X-Relance-", 10) == 0 && !m->ours_cut &&
	    (m->ours.n >= MILTER_MAX_HEADERS ||
	     strlist_add(&m->ours, name) < 0))
		m->ours_cut = true;
	if (m->headers_cut)
		return next;
	if (m->names.n >= MILTER_MAX_HEADERS ||
	    m->header_bytes + size > MILTER_MAX_HEADER_BYTES) {
		m->headers_cut = true;
		return next;
	}
	if (strlist_add(&m->names, name) < 0) {
		m->headers_cut = true;
	} else if (strlist_add(&m->values, value) < 0) {
		free(m->names.v[--m->names.n]);
		m->names.v[m->names.n] = NULL;
		m->headers_cut = true;
	}
	m->header_bytes += size;
	return next;
}

/* The decision for outgoing mail at the end of the headers. */
static sfsistat
eoh_outgoing(struct conn *c, struct msg *m)
{
	struct outgoing_msg v = msg_view(m);
	struct buf why = BUF_INIT;
	enum outgoing_kind kind;

	kind = outgoing_recognise(&c->snap->oc, &v, &m->rem, &why);
	m->strip = outgoing_has_internal(&v);
	if (kind == OUTGOING_REMINDER) {
		m->path = PATH_REMINDER;
	} else if (kind == OUTGOING_BAD) {
		daemon_log(LOG_WARNING, "%s: outgoing (%s): %s: not tracked",
		           qid_of(m), m->why, buf_cstr(&why));
		m->path = PATH_STRIP;
	} else if (milter_to_contact(c, m)) {
		m->path = PATH_CONTACT;
	} else if (m->strip) {
		m->path = PATH_STRIP;
	} else {
		daemon_log(LOG_INFO,
		           "%s: skipped: outgoing (%s), not a "
		           "reminder, no customer contact among the "
		           "recipients",
		           qid_of(m), m->why);
		buf_free(&why);
		return SMFIS_ACCEPT;
	}
	buf_free(&why);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = c != NULL ? c->msg : NULL;

	if (m == NULL)
		return milter_fail(c, NULL,
		                   "no message context at the end of "
		                   "headers");
	msg_qid(ctx, m);
	if (m->outgoing)
		return eoh_outgoing(c, m);
	return milter_incoming_eoh(c, m);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = c != NULL ? c->msg : NULL;

	if (m != NULL && m->path == PATH_INCOMING &&
	    milter_incoming_body(c, m, chunk, len))
		return SMFIS_CONTINUE;
	if (m != NULL && m->path == PATH_REMINDER && !m->body_cut) {
		if (m->body.len + len > EVIDENCE_MAX_ARCHIVE) {
			m->body_cut = true; /* not archived; the mail goes */
			buf_free(&m->body);
		} else {
			buf_append(&m->body, chunk, len);
			return SMFIS_CONTINUE;
		}
	}
	return c != NULL && c->skip ? SMFIS_SKIP : SMFIS_CONTINUE;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct msg *m = c != NULL ? c->msg : NULL;
	sfsistat ret = SMFIS_ACCEPT;

	if (m == NULL)
		return milter_fail(c, NULL,
		                   "no message context at the end of "
		                   "the message");
	msg_qid(ctx, m);
	switch (m->path) {
	case PATH_REMINDER:
		ret = milter_reminder(ctx, c, m);
		break;
	case PATH_CONTACT:
		ret = milter_contact(ctx, c, m);
		break;
	case PATH_STRIP:
		ret = milter_strip(ctx, c, m, "outgoing mail");
		break;
	case PATH_INCOMING:
		ret = milter_incoming_eom(ctx, c, m);
		break;
	case PATH_FOREIGN:
		ret = milter_foreign_eom(ctx, c, m);
		break;
	case PATH_UNDECIDED:
		break;
	}
	conn_end_message(c);
	return ret;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	conn_end_message(smfi_getpriv(ctx));
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	conn_end_message(c);
	store_free(c->st);
	daemon_release(c->snap);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

int
milter_register(const char *name)
{
	struct smfiDesc desc;

	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = (char *)name;
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST;
	desc.xxfi_connect = cb_connect;
	desc.xxfi_envfrom = cb_envfrom;
	desc.xxfi_envrcpt = cb_envrcpt;
	desc.xxfi_header = cb_header;
	desc.xxfi_eoh = cb_eoh;
	desc.xxfi_body = cb_body;
	desc.xxfi_eom = cb_eom;
	desc.xxfi_abort = cb_abort;
	desc.xxfi_close = cb_close;
	desc.xxfi_negotiate = cb_negotiate;
	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}
