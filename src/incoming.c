/*
 * incoming.c -- one incoming message, from bytes to the invoice it changes.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "incoming.h"
#include "ledger.h"
#include "mime.h"
#include "text.h"

bool
incoming_auth_failed(const struct strlist *ar)
{
	for (size_t i = 0; i < ar->n; i++) {
		struct buf f = BUF_INIT;
		const char *s;
		bool failed;

		text_fold(ar->v[i], &f);
		s = buf_cstr(&f);
		failed = strstr(s, "dmarc=fail") != NULL ||
		         (strstr(s, "spf=fail") != NULL &&
		          strstr(s, "dkim=pass") == NULL);
		buf_free(&f);
		if (failed)
			return true;
	}
	return false;
}

/* The invoice number a signal points to, into NUMBER. STORE_OK,
 * STORE_NOTFOUND or STORE_ERR. */
static enum store_rc
signal_invoice(struct store *st, const struct classify_signal *s,
               struct buf *number, struct err *e)
{
	buf_reset(number);
	switch (s->kind) {
	case SIGNAL_INVOICE:
		buf_puts(number, s->value);
		return STORE_OK;
	case SIGNAL_REFERENCE:
		return ledger_lookup(st, "mid:", s->value, number, e);
	case SIGNAL_EMBEDDED:
		/* An embedded original's Message-ID, or a tracking ID. */
		if (s->value[0] == '<')
			return ledger_lookup(st, "mid:", s->value, number, e);
		return ledger_lookup(st, "trk:", s->value, number, e);
	default:
		return ledger_lookup(st, "trk:", s->value, number, e);
	}
}

/* The invoice of the strongest signal that leads to one, into INV; *FOUND
 * is that signal. A tracking ID or Message-ID of a grouped reminder
 * names several invoices, one a line (ledger.h): INV is the first, and
 * the others are appended to OTHERS. STORE_OK, STORE_NOTFOUND or
 * STORE_ERR. */
static enum store_rc
find_invoice(struct store *st, const struct classify_result *r,
             struct invoice *inv, const struct classify_signal **found,
             struct strlist *others, struct err *e)
{
	struct buf number = BUF_INIT;
	enum store_rc rc = STORE_NOTFOUND;

	invoice_init(inv);
	for (size_t i = 0; i < r->nsignals && rc == STORE_NOTFOUND; i++) {
		char *nl;

		rc = signal_invoice(st, &r->signals[i], &number, e);
		if (rc != STORE_OK)
			continue;
		nl = number.data != NULL ? strchr(number.data, '\n') : NULL;
		if (nl != NULL) {
			*nl = '\0';
			for (char *p = nl + 1; *p != '\0';) {
				char *end = strchr(p, '\n');

				if (end != NULL)
					*end = '\0';
				if (*p != '\0' && strlist_add(others, p) < 0) {
					err_set(e, "out of memory");
					rc = STORE_ERR;
					break;
				}
				p = end != NULL ? end + 1 : p + strlen(p);
			}
		}
		if (rc == STORE_OK)
			rc = ledger_get(st, buf_cstr(&number), inv, e);
		if (rc == STORE_OK)
			*found = &r->signals[i];
		else if (rc == STORE_NOTFOUND)
			strlist_clear(others);
	}
	buf_free(&number);
	return rc;
}

static bool already_recorded(const struct invoice *inv, const char *message_id);

/* The other invoices of a grouped reminder the message answers: react on
 * each as on the first (IN), but a remittance, which cannot tell which
 * of them was paid, is recorded for review on all of them. Their
 * numbers are appended to LOG. */
static enum store_rc
act_others(struct store *st, const struct incoming_ctx *ic,
           const struct strlist *others, const struct react_input *in,
           const char *message_id, struct buf *log, struct err *e)
{
	enum store_rc rc = STORE_OK;

	for (size_t i = 0; i < others->n && rc == STORE_OK; i++) {
		struct react_outcome o;
		struct invoice inv;

		rc = ledger_get(st, others->v[i], &inv, e);
		if (rc == STORE_NOTFOUND) {
			rc = STORE_OK; /* an index entry pointing nowhere */
			invoice_free(&inv);
			continue;
		}
		if (rc == STORE_OK && !already_recorded(&inv, message_id)) {
			if (react_apply(
			        &inv, policy_find_profile(ic->pol, inv.profile),
			        ic->pol->reactions, in, &o) < 0) {
				err_set(e, "out of memory");
				rc = STORE_ERR;
			} else {
				rc = ledger_put(st, &inv, e);
				buf_printf(log, "%s%s", log->len ? ", " : "",
				           inv.number);
			}
		}
		invoice_free(&inv);
	}
	return rc;
}

/* Has INV's history already an event for the message MESSAGE_ID? A mail
 * loop or an auto-responder storm must not grow the record without end. */
static bool
already_recorded(const struct invoice *inv, const char *message_id)
{
	struct buf needle = BUF_INIT;
	bool found = false;

	if (message_id == NULL || *message_id == '\0')
		return false;
	buf_printf(&needle, "; Message-ID %s", message_id);
	for (size_t i = inv->nevents; !found && i > 0; i--)
		found = strstr(inv->events[i - 1].detail, buf_cstr(&needle)) !=
		        NULL;
	buf_free(&needle);
	return found;
}

/* What act_job needs and what it found. */
struct act_job {
	const struct incoming_ctx *ic;
	const struct mime_message *m;
	const struct classify_result *r;
	struct incoming_result *out;
};

/* Find, react, write, in the write transaction open on ST (store_job_fn;
 * possibly run by another thread in a transaction shared with its own
 * jobs: uses ST, never ic->st). Fills out->invoice, state, verdict, log. */
static enum store_rc
act_job(struct store *st, void *arg, struct err *e)
{
	const struct act_job *a = arg;
	const struct incoming_ctx *ic = a->ic;
	const struct classify_signal *found = NULL;
	struct classify_result r = *a->r; /* its evidence may be adjusted */
	struct incoming_result *out = a->out;
	enum classify_signal_kind kind;
	struct react_input in;
	struct react_outcome o;
	struct invoice inv;
	struct strlist others = STRLIST_INIT;
	struct buf also = BUF_INIT;
	enum store_rc rc;

	rc = find_invoice(st, &r, &inv, &found, &others, e);
	if (rc != STORE_OK) {
		strlist_clear(&others);
		snprintf(out->log, sizeof(out->log), "%s: no invoice of ours",
		         classify_name(r.class));
		return rc == STORE_NOTFOUND ? STORE_OK : rc;
	}
	kind = found->kind;
	/* A reply told by its signals alone: the evidence names the one
	 * that found the invoice, not merely the strongest one. */
	if (r.rule != NULL && strncmp(r.rule, "signal ", 7) == 0 &&
	    strcmp(r.rule + 7, classify_signal_name(kind)) == 0)
		r.matched = found->value;
	snprintf(out->invoice, sizeof(out->invoice), "%s", inv.number);
	if (already_recorded(&inv, a->m->message_id)) {
		out->state = invoice_effective_state(&inv, ic->today);
		out->verdict = REACT_REVIEW;
		snprintf(out->log, sizeof(out->log),
		         "invoice %s: Message-ID %s already recorded, ignored",
		         inv.number, a->m->message_id);
		invoice_free(&inv);
		strlist_clear(&others);
		return STORE_OK;
	}
	in = (struct react_input){&r,
	                          a->m->from,
	                          a->m->message_id,
	                          ic->queue_id,
	                          react_strong(kind),
	                          incoming_auth_failed(&a->m->auth_results),
	                          ic->today,
	                          ic->now,
	                          ic->actor,
	                          ic->archive_note};
	/* A grouped reminder's reply: a remittance cannot tell which of its
	 * invoices were paid, so a person decides for every one of them. */
	if (others.n > 0 && r.class == CLASSIFY_REMITTANCE)
		in.strong = false;
	if (react_apply(&inv, policy_find_profile(ic->pol, inv.profile),
	                ic->pol->reactions, &in, &o) < 0) {
		err_set(e, "out of memory");
		rc = STORE_ERR;
	} else {
		rc = ledger_put(st, &inv, e);
	}
	if (rc == STORE_OK)
		rc = act_others(st, ic, &others, &in, a->m->message_id, &also,
		                e);
	if (rc == STORE_OK) {
		out->recorded = true;
		out->state = o.after;
		out->verdict = o.verdict;
		snprintf(
		    out->log, sizeof(out->log), "invoice %s (%s %s): %s%s%s%s",
		    inv.number, classify_signal_name(kind),
		    react_strong(kind) ? "match" : "match, weak",
		    o.verdict == REACT_REVIEW ? "recorded for review: " : "",
		    o.why, also.len ? "; the same for " : "", buf_cstr(&also));
	}
	invoice_free(&inv);
	strlist_clear(&others);
	buf_free(&also);
	return rc;
}

/* Find, react, write: one write transaction, shared with other threads'
 * replies when they arrive together (store_write_shared). On failure, OUT
 * says nothing was done. */
static enum store_rc
act(const struct incoming_ctx *ic, const struct mime_message *m,
    const struct classify_result *r, struct incoming_result *out, struct err *e)
{
	struct act_job a = {ic, m, r, out};
	enum store_rc rc =
	    store_write_shared_synced(ic->st, act_job, &a, ic->archive_fd, e);

	if (rc != STORE_OK) {
		out->invoice[0] = '\0';
		out->log[0] = '\0';
	}
	return rc;
}

int
incoming_process(const struct incoming_ctx *ic, const char *msg, size_t len,
                 struct incoming_result *out, struct err *e)
{
	struct mime_limits lim = mime_default_limits();
	struct classify_opts opts = {ic->today, ic->mailboxes};
	struct mime_message m;
	struct classify_result r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->store = STORE_OK;
	if (mime_parse(msg, len, &lim, &m, e) < 0 ||
	    classify_message(&m, ic->pol, &opts, &r, e) < 0) {
		mime_free(&m);
		return -1;
	}
	out->class = r.class;
	if (r.nsignals > 0) {
		out->store = act(ic, &m, &r, out, e);
	} else {
		snprintf(out->log, sizeof(out->log), "%s: no signal",
		         classify_name(r.class));
	}
	rc = 0;
	classify_free(&r);
	mime_free(&m);
	return rc;
}

/* Write all of P[0..N) to FD. 0, or -1 (errno set). */
static int
write_all(int fd, const char *p, size_t n)
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

int
incoming_spool(const char *dir, int64_t now, const char *msg, size_t len,
               struct err *e)
{
	char tmp[4096], final[4096];
	unsigned rnd = 0;
	int fd, rc = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(e, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	if (getrandom(&rnd, sizeof(rnd), 0) < 0)
		rnd = (unsigned)getpid();
	snprintf(final, sizeof(final), "%s/%020" PRId64 ".%08x.eml", dir, now,
	         rnd);
	snprintf(tmp, sizeof(tmp), "%s/.tmp.%08x", dir, rnd);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		err_set(e, "%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, msg, len) == 0 && fsync(fd) == 0)
		rc = 0;
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp, final) < 0)
		rc = -1;
	if (rc < 0) {
		err_set(e, "%s: cannot write: %s", final, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

/* The names of the messages waiting in DIR, sorted (oldest first). */
static int
waiting(const char *dir, struct strlist *names, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		err_set(e, "%s: cannot read: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] != '.' && n > 4 &&
		    strcmp(de->d_name + n - 4, ".eml") == 0 &&
		    strlist_add(names, de->d_name) < 0) {
			closedir(d);
			err_set(e, "out of memory");
			return -1;
		}
	}
	closedir(d);
	strlist_sort(names);
	return 0;
}

/* Read the file PATH whole into OUT. 0, or -1. */
static int
slurp(const char *path, struct buf *out)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(out, chunk, (size_t)n);
	close(fd);
	return n < 0 || buf_failed(out) ? -1 : 0;
}

int
incoming_replay(const struct incoming_ctx *ic, const char *dir, unsigned max,
                unsigned *done, unsigned *left, struct err *e)
{
	struct strlist names = STRLIST_INIT;
	struct buf path = BUF_INIT, msg = BUF_INIT;
	int rc = 0;
	size_t i;

	*done = *left = 0;
	if (waiting(dir, &names, e) < 0)
		return -1;
	for (i = 0; i < names.n && *done < max; i++) {
		struct incoming_result r;

		buf_reset(&path);
		buf_reset(&msg);
		buf_printf(&path, "%s/%s", dir, names.v[i]);
		if (slurp(buf_cstr(&path), &msg) < 0) {
			err_set(e, "%s: cannot read: %s", buf_cstr(&path),
			        strerror(errno));
			rc = -1;
			break;
		}
		if (incoming_process(ic, buf_cstr(&msg), msg.len, &r, e) < 0 ||
		    r.store != STORE_OK) {
			rc = -1;
			break;
		}
		unlink(buf_cstr(&path));
		(*done)++;
	}
	*left = (unsigned)(names.n - i);
	strlist_clear(&names);
	buf_free(&path);
	buf_free(&msg);
	return rc;
}
