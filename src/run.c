/*
 * run.c -- `relance run`: decide, write, record and send, for every invoice.
 *
 * The order of things for an email step, so that a reminder goes out at
 * most once: compose everything first (nothing can fail after the
 * hand-off but the bookkeeping); in one write transaction re-read the
 * invoice, check nothing changed since it was read, record "sending" with
 * the Message-ID and the new last step; then sendmail; then "sent", or
 * "send-failed" and the last step put back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "json.h"
#include "ledger.h"
#include "letter.h"
#include "run.h"
#include "sha256.h"
#include "schedule.h"

#define RUN_THANKS "thanks" /* the X-Relance-Step of a thanks mail */

extern char **environ;

/* What one invoice comes to, for the line printed about it. */
struct run_line {
	const char *action; /* send|task|letter|thanks|wait|none|error */
	const char *step;   /* NULL: none */
	const char *channel;
	struct date when;
	const struct strlist *to; /* mail recipients, or NULL */
	struct buf why;
};

struct run_groups;

struct run_ctx {
	const struct run_opts *o;
	struct run_summary *sum;
	struct run_groups *groups; /* grouped mails, sent after the walk */
};

/* ---- small pure helpers ---- */

int
run_sender_address(const char *sender, struct buf *out)
{
	const char *lt, *gt, *at;

	buf_reset(out);
	if (sender == NULL)
		return -1;
	lt = strrchr(sender, '<');
	if (lt != NULL) {
		if ((gt = strchr(lt, '>')) == NULL)
			return -1;
		buf_append(out, lt + 1, (size_t)(gt - lt - 1));
	} else {
		buf_puts(out, sender);
	}
	at = strchr(buf_cstr(out), '@');
	return buf_failed(out) || at == NULL || at == out->data || at[1] == '\0'
	           ? -1
	           : 0;
}

static void
run_msgid_part(const char *s, struct buf *out)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		bool ok = (ch >= 'a' && ch <= 'z') ||
		          (ch >= 'A' && ch <= 'Z') ||
		          (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';

		buf_putc(out, ok ? (char)ch : '_');
	}
}

int
run_message_id(const char *number, const char *step, int64_t now,
               const char *sender, struct buf *out)
{
	struct buf addr = BUF_INIT;
	int rc = -1;

	if (run_sender_address(sender, &addr) == 0) {
		buf_puts(out, "<run.");
		run_msgid_part(number, out);
		buf_putc(out, '.');
		run_msgid_part(step, out);
		buf_printf(out, ".%" PRId64 "%s>", now,
		           strchr(buf_cstr(&addr), '@'));
		rc = buf_failed(out) ? -1 : 0;
	}
	buf_free(&addr);
	return rc;
}

/* The Message-ID ("<...>") named in an event's detail "STEP <MID> ...":
 * its second word, copied to OUT (size OUTSIZE); STEP to STEP (size
 * STEPSIZE). 0, or -1 when the detail is not of that form. */
static int
run_parse_sending(const char *detail, char *step, size_t stepsize, char *mid,
                  size_t midsize)
{
	const char *sp = detail ? strchr(detail, ' ') : NULL, *end;

	if (sp == NULL || sp[1] != '<' || (size_t)(sp - detail) >= stepsize)
		return -1;
	memcpy(step, detail, (size_t)(sp - detail));
	step[sp - detail] = '\0';
	if ((end = strchr(sp + 1, '>')) == NULL ||
	    (size_t)(end - sp) >= midsize)
		return -1;
	memcpy(mid, sp + 1, (size_t)(end - sp));
	mid[end - sp] = '\0';
	return 0;
}

static bool
run_is_outcome(const char *kind)
{
	return strcmp(kind, "sent") == 0 || strcmp(kind, "thanks") == 0 ||
	       strcmp(kind, "send-failed") == 0;
}

const struct invoice_event *
run_pending(const struct invoice *inv)
{
	char step[POLICY_NAME_MAX + 1], mid[COMPOSE_MAX_MSGID + 1];

	for (size_t i = inv->nevents; i-- > 0;) {
		const struct invoice_event *ev = &inv->events[i];

		if (ev->kind == NULL || strcmp(ev->kind, "sending") != 0)
			continue;
		if (run_parse_sending(ev->detail, step, sizeof(step), mid,
		                      sizeof(mid)) < 0)
			return ev; /* damaged: a person looks at it */
		for (size_t j = i + 1; j < inv->nevents; j++)
			if (inv->events[j].kind != NULL &&
			    run_is_outcome(inv->events[j].kind) &&
			    inv->events[j].detail != NULL &&
			    strstr(inv->events[j].detail, mid) != NULL)
				return NULL;
		return ev;
	}
	return NULL;
}

bool
run_confirmed(const struct invoice *inv, const char *mid)
{
	if (strlist_find(&inv->message_ids, mid) >= 0)
		return true;
	for (size_t i = 0; i < inv->nevents; i++)
		if (inv->events[i].kind != NULL &&
		    strcmp(inv->events[i].kind, "reminder-sent") == 0 &&
		    inv->events[i].detail != NULL &&
		    strstr(inv->events[i].detail, mid) != NULL)
			return true;
	return false;
}

/* ---- printing ---- */

static void
run_print(struct run_ctx *x, const struct invoice *inv, struct run_line *l)
{
	struct buf o = BUF_INIT;
	char d[11];

	date_format(l->when, d);
	if (x->o->json) {
		buf_putc(&o, '{');
		json_key(&o, "invoice", 1);
		json_string(&o, inv->number);
		json_key(&o, "action", 0);
		json_string(&o, l->action);
		json_key(&o, "step", 0);
		json_string(&o, l->step);
		json_key(&o, "channel", 0);
		json_string(&o, l->channel);
		json_key(&o, "when", 0);
		json_string(&o, date_is_null(l->when) ? NULL : d);
		if (l->to != NULL) {
			json_key(&o, "to", 0);
			buf_putc(&o, '[');
			for (size_t i = 0; i < l->to->n; i++) {
				if (i)
					buf_putc(&o, ',');
				json_string(&o, l->to->v[i]);
			}
			buf_putc(&o, ']');
		}
		json_key(&o, "why", 0);
		json_string(&o, buf_cstr(&l->why));
		buf_puts(&o, "}\n");
	} else {
		buf_printf(&o, "%s: %s", inv->number, l->action);
		if (l->step != NULL)
			buf_printf(&o, " %s", l->step);
		if (l->channel != NULL)
			buf_printf(&o, " (%s)", l->channel);
		if (!date_is_null(l->when))
			buf_printf(&o, " %s %s",
			           strcmp(l->action, "wait") == 0 ? "until"
			                                          : "due",
			           d);
		for (size_t i = 0; l->to != NULL && i < l->to->n; i++)
			buf_printf(&o, "%s%s", i ? ", " : " to ", l->to->v[i]);
		buf_printf(&o, ": %s\n", buf_cstr(&l->why));
	}
	fputs(buf_failed(&o) ? "out of memory\n" : buf_cstr(&o), x->o->out);
	buf_free(&o);
}

/* Print an error line about INV and count it. */
static void
run_error(struct run_ctx *x, const struct invoice *inv, const char *step,
          const char *msg)
{
	struct run_line l = {"error", step, NULL, DATE_NULL, NULL, BUF_INIT};

	buf_puts(&l.why, msg);
	run_print(x, inv, &l);
	buf_free(&l.why);
	x->sum->errors++;
}

/* ---- the state file ---- */

typedef int (*run_change_fn)(struct invoice *inv, void *arg, struct err *e);

/*
 * In one write transaction: re-read NUMBER, and when SEEN is not NULL
 * check that nothing happened to it since SEEN was read; apply FN; write.
 * Returns STORE_OK, 1 when the invoice changed meanwhile (E says so), or
 * a store_rc below zero with E set.
 */
static int
run_update(struct run_ctx *x, const struct invoice *seen, const char *number,
           run_change_fn fn, void *arg, struct err *e)
{
	struct invoice inv;
	enum store_rc rc;
	int changed = 0;

	if ((rc = store_begin(x->o->st, STORE_WRITE, e)) != STORE_OK)
		return rc;
	rc = ledger_get(x->o->st, number, &inv, e);
	if (rc == STORE_NOTFOUND) {
		err_set(e, "invoice %s is gone from the state file", number);
		store_abort(x->o->st);
		return STORE_ERR;
	}
	if (rc != STORE_OK) {
		store_abort(x->o->st);
		return rc;
	}
	if (seen != NULL && inv.nevents != seen->nevents) {
		err_set(e,
		        "invoice %s changed while the run was deciding: "
		        "left for the next run",
		        number);
		changed = 1;
	} else if (fn(&inv, arg, e) < 0) {
		rc = STORE_ERR;
	} else {
		rc = ledger_put(x->o->st, &inv, e);
	}
	invoice_free(&inv);
	if (changed || rc != STORE_OK) {
		store_abort(x->o->st);
		return changed ? 1 : rc;
	}
	return store_commit(x->o->st, e);
}

/* What a change records: an event, and optionally the last step. */
struct run_record {
	const struct run_opts *o;
	const char *kind;
	const char *detail;
	const char *step;       /* set last_step to it; NULL: leave */
	struct date step_date;  /* with STEP */
	bool restore;           /* put back OLD_STEP and OLD_DATE */
	const char *restore_if; /* ... when last_step is still this */
	const char *old_step;   /* may be NULL */
	struct date old_date;
};

static int
run_set_step(struct invoice *inv, const char *step, struct date d)
{
	char *copy = NULL;

	if (step != NULL && (copy = strdup(step)) == NULL)
		return -1;
	free(inv->last_step);
	inv->last_step = copy;
	inv->last_step_date = step != NULL ? d : DATE_NULL;
	return 0;
}

static int
run_apply_record(struct invoice *inv, void *arg, struct err *e)
{
	const struct run_record *r = arg;

	if (invoice_add_event(inv, r->o->now, r->kind, r->o->actor, "%s",
	                      r->detail) < 0 ||
	    (r->step != NULL && run_set_step(inv, r->step, r->step_date) < 0) ||
	    (r->restore && inv->last_step != NULL &&
	     strcmp(inv->last_step, r->restore_if) == 0 &&
	     run_set_step(inv, r->old_step, r->old_date) < 0)) {
		err_set(e, "out of memory");
		return -1;
	}
	return 0;
}

/* Record R for INV; on failure print an error line. 0, or -1. */
static int
run_record(struct run_ctx *x, const struct invoice *seen,
           const struct invoice *inv, const char *step, struct run_record *r)
{
	struct err e;
	int rc;

	r->o = x->o;
	rc = run_update(x, seen, inv->number, run_apply_record, r, &e);
	if (rc == STORE_OK)
		return 0;
	run_error(x, inv, step, e.msg);
	return -1;
}

/* What the outcome of a mail that went out records: R, and its
 * Message-ID MID added to the invoice's, so that a reply naming it in
 * In-Reply-To or References finds the invoice even when no milter saw
 * the mail go out. */
struct run_sent {
	struct run_record r;
	const char *mid;
};

static int
run_apply_sent(struct invoice *inv, void *arg, struct err *e)
{
	struct run_sent *s = arg;

	if (run_apply_record(inv, &s->r, e) < 0)
		return -1;
	if (strlist_find(&inv->message_ids, s->mid) < 0 &&
	    strlist_add(&inv->message_ids, s->mid) < 0) {
		err_set(e, "out of memory");
		return -1;
	}
	return 0;
}

/* Record S for INV (see run_record). 0, or -1. */
static int
run_record_sent(struct run_ctx *x, const struct invoice *inv, const char *step,
                struct run_sent *s)
{
	struct err e;
	int rc;

	s->r.o = x->o;
	rc = run_update(x, NULL, inv->number, run_apply_sent, s, &e);
	if (rc == STORE_OK)
		return 0;
	run_error(x, inv, step, e.msg);
	return -1;
}

/* ---- sendmail ---- */

/* Write all of DATA[0..LEN) to FD. 0, or -1 with errno set. */
static int
run_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The child: stdin from IN, stdout to stderr, then execve. Reports an
 * execve failure's errno on REPORT (close-on-exec). */
static void
run_child(int in, int report, const char *path, char **argv)
{
	int err;

	if (dup2(in, STDIN_FILENO) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	if (in != STDIN_FILENO)
		close(in);
	execve(path, argv, environ);
	err = errno;
	(void)!write(report, &err, sizeof(err));
	_exit(127);
}

/*
 * Hand MSG to PATH -oi -f FROM -- RCPTS. Returns 0 when sendmail took it
 * (exit 0); 1 when it certainly did not (it could not be started, or it
 * exited with a non-zero status); -1 when nobody knows (killed by a
 * signal, or it exited 0 without reading the whole message). E says why.
 */
static int
run_sendmail(const char *path, const char *from, const struct strlist *rcpts,
             const struct buf *msg, struct err *e)
{
	char **argv;
	int in[2], report[2], status, child_errno = 0, werr = 0;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	pid_t pid;
	size_t n = 0;

	if ((argv = calloc(rcpts->n + 6, sizeof(*argv))) == NULL) {
		err_set(e, "out of memory");
		return 1;
	}
	argv[n++] = (char *)path;
	argv[n++] = (char *)"-oi";
	argv[n++] = (char *)"-f";
	argv[n++] = (char *)from;
	argv[n++] = (char *)"--";
	for (size_t i = 0; i < rcpts->n; i++)
		argv[n++] = rcpts->v[i];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) {
		err_set(e, "cannot run %s: pipe: %s", path, strerror(errno));
		free(argv);
		return 1;
	}
	sigaction(SIGPIPE, &ign, &old);
	if ((pid = fork()) < 0) {
		err_set(e, "cannot run %s: fork: %s", path, strerror(errno));
		close(in[0]), close(in[1]), close(report[0]), close(report[1]);
		sigaction(SIGPIPE, &old, NULL);
		free(argv);
		return 1;
	}
	if (pid == 0)
		run_child(in[0], report[1], path, argv);
	free(argv);
	close(in[0]);
	close(report[1]);
	if (run_write_all(in[1], msg->data, msg->len) < 0)
		werr = errno;
	close(in[1]);
	while (read(report[0], &child_errno, sizeof(child_errno)) < 0 &&
	       errno == EINTR)
		;
	close(report[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			sigaction(SIGPIPE, &old, NULL);
			err_set(e, "%s: waitpid: %s", path, strerror(errno));
			return -1;
		}
	sigaction(SIGPIPE, &old, NULL);
	if (child_errno != 0) {
		err_set(e, "cannot run %s: %s", path, strerror(child_errno));
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		err_set(e, "%s exited with status %d", path,
		        WEXITSTATUS(status));
		return 1;
	}
	if (WIFSIGNALED(status)) {
		err_set(e, "%s was killed by signal %d", path,
		        WTERMSIG(status));
		return -1;
	}
	if (werr != 0) {
		err_set(e, "%s exited 0 without reading the whole message: %s",
		        path, strerror(werr));
		return -1;
	}
	return 0;
}

/* ---- composing ---- */

/* Read the PDF at PATH (bounded) into OUT. 0, or -1 with E set. */
static int
run_read_pdf(const char *path, struct buf *out, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char chunk[65536];
	ssize_t n;

	if (fd < 0) {
		err_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out->len + (size_t)n > (size_t)RUN_MAX_PDF) {
			err_set(e, "%s: %s", path,
			        n < 0 ? strerror(errno) : "too large");
			close(fd);
			return -1;
		}
		buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	if (buf_failed(out)) {
		err_set(e, "%s: out of memory", path);
		return -1;
	}
	return 0;
}

/* A dry run's look at the PDF at PATH: it can be opened and is not too
 * large, without reading it. 0, or -1 with E set as run_read_pdf would. */
static int
run_check_pdf(const char *path, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	int rc = -1;

	if (fd < 0) {
		err_set(e, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0)
		err_set(e, "%s: %s", path, strerror(errno));
	else if (S_ISREG(sb.st_mode) && sb.st_size > RUN_MAX_PDF)
		err_set(e, "%s: too large", path);
	else
		rc = 0;
	close(fd);
	return rc;
}

static const char *
run_value(const char *name, void *arg)
{
	return compose_value(arg, name);
}

/* Local zone offset at NOW, minutes east of UTC. */
static int
run_zone(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	return localtime_r(&t, &tm) != NULL ? (int)(tm.tm_gmtoff / 60) : 0;
}

static struct date
run_day_of(int64_t time, void *arg)
{
	time_t t = (time_t)time;
	struct tm tm;

	(void)arg;
	if (localtime_r(&t, &tm) == NULL)
		return DATE_NULL;
	return (struct date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

/* Everything a step needs written, owned here. */
struct run_piece {
	struct compose_values values;
	const struct policy_template *tpl;
	struct buf text; /* tasks: the detail; mail: the message */
	struct strlist rcpts;
	struct buf mid;
	struct buf pdf;
};

static void
run_piece_free(struct run_piece *p)
{
	compose_values_free(&p->values);
	buf_free(&p->text);
	strlist_clear(&p->rcpts);
	buf_free(&p->mid);
	buf_free(&p->pdf);
}

/* Template and values for STEP (template TPLNAME) of INV: the values the
 * template shows, and the two a letter also needs (run_build_letter).
 * 0, or -1. */
static int
run_prepare(struct run_ctx *x, const struct invoice *inv, const char *step,
            const char *tplname, struct run_piece *p, struct err *e)
{
	struct compose_input in = {inv,  x->o->cfg,   x->o->pol,
	                           step, x->o->today, DATE_NULL};

	p->tpl = policy_find_template(x->o->pol, inv->lang, tplname);
	if (p->tpl == NULL) {
		err_set(e, "no template %s/%s in the policy", inv->lang,
		        tplname);
		return -1;
	}
	if (compose_values_some(&in,
	                        p->tpl->uses | compose_want("customer_name") |
	                            compose_want("sender"),
	                        &p->values, NULL) < 0) {
		err_set(e, "out of memory");
		return -1;
	}
	return 0;
}

/* The detail of a task: PREFIX, the template's subject, and its body. */
static int
run_task_text(struct run_piece *p, const char *prefix, bool body, struct err *e)
{
	buf_puts(&p->text, prefix);
	if (policy_expand(p->tpl->subject, run_value, &p->values, &p->text, e) <
	    0)
		return -1;
	if (body) {
		buf_puts(&p->text, "\n\n");
		if (policy_expand(p->tpl->body, run_value, &p->values, &p->text,
		                  e) < 0)
			return -1;
	}
	if (buf_failed(&p->text)) {
		err_set(e, "out of memory");
		return -1;
	}
	return 0;
}

/* The message for STEP of INV (X-Relance-Step STEP), with the PDF when
 * ATTACH. Returns 0, 1 when the PDF is missing (E says why), -1. */
static int
run_compose(struct run_ctx *x, const struct invoice *inv,
            const struct policy_profile *prof, const char *step, bool attach,
            struct run_piece *p, struct err *e)
{
	struct compose_attachment att = {inv->pdf, "application/pdf", NULL, 0};
	struct compose_mail m = {p->tpl,    &p->values,
	                         inv,       x->o->cfg->sender,
	                         step,      prof->auto_submitted,
	                         x->o->now, run_zone(x->o->now),
	                         NULL,      NULL};

	if (attach) {
		if (inv->pdf == NULL) {
			err_set(e, "the invoice has no PDF");
			return 1;
		}
		if (x->o->dry_run) {
			/* Checked, not read: the message is thrown away. */
			if (run_check_pdf(inv->pdf, e) < 0)
				return 1;
			attach = false;
		} else if (run_read_pdf(inv->pdf, &p->pdf, e) < 0) {
			return 1;
		}
	}
	if (attach) {
		att.data = (const unsigned char *)p->pdf.data;
		att.len = p->pdf.len;
		m.attachment = &att;
	}
	if (run_message_id(inv->number, step, x->o->now, x->o->cfg->sender,
	                   &p->mid) < 0) {
		err_set(e, "no sender address: set Sender in relance.conf");
		return -1;
	}
	m.message_id = buf_cstr(&p->mid);
	return compose_message(&m, &p->text, &p->rcpts, e) < 0 ? -1 : 0;
}

/* ---- acting ---- */

/* A task (or a letter's task) for STEP: event "task", last step set. */
static void
run_task(struct run_ctx *x, const struct invoice *inv, struct run_line *l,
         const char *step, const char *detail, bool letter)
{
	struct run_record r = {NULL,  "task", detail, step,     x->o->today,
	                       false, NULL,   NULL,   DATE_NULL};

	if (!x->o->dry_run && run_record(x, inv, inv, step, &r) < 0)
		return;
	run_print(x, inv, l);
	if (letter)
		x->sum->letters++;
	else
		x->sum->tasks++;
}

/* Send the message in P for STEP of INV, at most once. THANKS: the
 * thanks mail (records "thanks", leaves the last step alone). */
static void
run_send(struct run_ctx *x, const struct invoice *inv, struct run_line *l,
         const char *step, bool thanks, struct run_piece *p)
{
	struct buf detail = BUF_INIT, from = BUF_INIT;
	struct run_record r = {
	    NULL, "sending", NULL,     thanks ? NULL : step, x->o->today, false,
	    NULL, NULL,      DATE_NULL};
	struct err e;
	int rc;

	l->to = &p->rcpts;
	if (x->o->dry_run) {
		run_print(x, inv, l);
		x->sum->sent++;
		return;
	}
	run_sender_address(x->o->cfg->sender, &from);
	buf_printf(&detail, "%s %s to ", step, buf_cstr(&p->mid));
	for (size_t i = 0; i < p->rcpts.n; i++)
		buf_printf(&detail, "%s%s", i ? ", " : "", p->rcpts.v[i]);
	r.detail = buf_cstr(&detail);
	if (run_record(x, inv, inv, step, &r) < 0)
		goto out;
	rc = run_sendmail(x->o->cfg->sendmail, buf_cstr(&from), &p->rcpts,
	                  &p->text, &e);
	buf_reset(&detail);
	buf_printf(&detail, "%s %s", step, buf_cstr(&p->mid));
	if (rc == 0) {
		struct run_sent ok = {{NULL, thanks ? "thanks" : "sent",
		                       buf_cstr(&detail), NULL, DATE_NULL,
		                       false, NULL, NULL, DATE_NULL},
		                      buf_cstr(&p->mid)};

		if (run_record_sent(x, inv, step, &ok) == 0) {
			run_print(x, inv, l);
			x->sum->sent++;
		}
	} else if (rc > 0) {
		struct run_record bad = {
		    NULL, "send-failed",  NULL,
		    NULL, DATE_NULL,      !thanks,
		    step, inv->last_step, inv->last_step_date};

		buf_printf(&detail, ": %s; retried on the next run", e.msg);
		bad.detail = buf_cstr(&detail);
		if (run_record(x, NULL, inv, step, &bad) == 0)
			run_error(x, inv, step, bad.detail);
	} else {
		buf_printf(&detail, ": %s: needs a person: was it sent?",
		           e.msg);
		run_error(x, inv, step, buf_cstr(&detail));
	}
out:
	buf_free(&detail);
	buf_free(&from);
}

/* A mail step (or the thanks): compose, then send, or a task when the
 * PDF is missing. */
static void
run_mail(struct run_ctx *x, const struct invoice *inv,
         const struct policy_profile *prof, struct run_line *l,
         const char *step, const char *tplname, bool attach, bool thanks)
{
	struct run_piece p = {{NULL, NULL, 0}, NULL,     BUF_INIT,
	                      STRLIST_INIT,    BUF_INIT, BUF_INIT};
	struct err e;
	int rc;

	if (run_prepare(x, inv, step, tplname, &p, &e) < 0) {
		run_error(x, inv, step, e.msg);
		goto out;
	}
	rc = run_compose(x, inv, prof, step, attach, &p, &e);
	if (rc < 0) {
		run_error(x, inv, step, e.msg);
	} else if (rc > 0) {
		struct buf detail = BUF_INIT;

		buf_printf(&detail, "PDF missing: send %s by hand (%s)", step,
		           e.msg);
		l->action = "task";
		l->channel = "task";
		buf_reset(&l->why);
		buf_puts(&l->why, buf_cstr(&detail));
		run_task(x, inv, l, step, buf_cstr(&detail), false);
		buf_free(&detail);
	} else {
		run_send(x, inv, l, step, thanks, &p);
	}
out:
	run_piece_free(&p);
}

/* A task or letter step: its template's text as the task. */
static void
run_task_step(struct run_ctx *x, const struct invoice *inv,
              const struct policy_step *s, struct run_line *l, bool letter)
{
	struct run_piece p = {{NULL, NULL, 0}, NULL,     BUF_INIT,
	                      STRLIST_INIT,    BUF_INIT, BUF_INIT};
	struct err e;

	if (run_prepare(x, inv, s->name, s->template, &p, &e) < 0 ||
	    run_task_text(&p,
	                  letter ? "print and send by registered letter with "
	                           "acknowledgement of receipt: "
	                         : "",
	                  !letter, &e) < 0)
		run_error(x, inv, s->name, e.msg);
	else
		run_task(x, inv, l, s->name, buf_cstr(&p.text), letter);
	run_piece_free(&p);
}

/* What a letter records: "letter" and "task", and the last step. */
struct run_letter_record {
	const struct run_opts *o;
	const char *step;
	const char *letter; /* the "letter" event's detail */
	const char *task;   /* the "task" event's detail */
};

static int
run_apply_letter(struct invoice *inv, void *arg, struct err *e)
{
	const struct run_letter_record *r = arg;

	if (invoice_add_event(inv, r->o->now, "letter", r->o->actor, "%s",
	                      r->letter) < 0 ||
	    invoice_add_event(inv, r->o->now, "task", r->o->actor, "%s",
	                      r->task) < 0 ||
	    run_set_step(inv, r->step, r->o->today) < 0) {
		err_set(e, "out of memory");
		return -1;
	}
	return 0;
}

/* The letter of step S for INV, with the values and template in P, built
 * into *L. 0, or -1 with E set. */
static int
run_build_letter(struct run_ctx *x, const struct invoice *inv,
                 struct run_piece *p, struct letter *l, struct err *e)
{
	const struct config *cfg = x->o->cfg;
	const char *name = compose_value(&p->values, "customer_name");
	struct buf subject = BUF_INIT, body = BUF_INIT;
	struct letter_input in = {inv->lang,
	                          cfg->company_name,
	                          &cfg->company_address,
	                          name != NULL ? name : inv->customer,
	                          inv->postal_address,
	                          cfg->letter_place,
	                          x->o->today,
	                          NULL,
	                          NULL,
	                          cfg->signatory};
	int rc = -1;

	memset(l, 0, sizeof(*l));
	if (in.signatory == NULL)
		in.signatory = compose_value(&p->values, "sender");
	if (policy_expand(p->tpl->subject, run_value, &p->values, &subject, e) <
	        0 ||
	    policy_expand(p->tpl->body, run_value, &p->values, &body, e) < 0)
		goto out;
	if (buf_failed(&subject) || buf_failed(&body)) {
		err_set(e, "out of memory");
		goto out;
	}
	in.subject = buf_cstr(&subject);
	in.body = buf_cstr(&body);
	rc = letter_build(&in, l, e);
out:
	buf_free(&subject);
	buf_free(&body);
	return rc;
}

/*
 * A letter step: the PDF letter in the outbox (written first, so that the
 * state never names a file that is not there), then in one transaction
 * the "letter" and "task" events and the last step. A letter that cannot
 * be written is an error for the invoice, recorded as "letter-failed":
 * the last step stays, so the next run tries again.
 */
static void
run_letter_step(struct run_ctx *x, const struct invoice *inv,
                const struct policy_step *s, struct run_line *l)
{
	struct run_piece p = {{NULL, NULL, 0}, NULL,     BUF_INIT,
	                      STRLIST_INIT,    BUF_INIT, BUF_INIT};
	struct buf name = BUF_INIT, path = BUF_INIT, task = BUF_INIT,
	           detail = BUF_INIT;
	const char *dir = x->o->cfg->outbox_dir;
	struct letter letter = {0};
	char hex[SHA256_HEX];
	struct err e;

	if (run_prepare(x, inv, s->name, s->template, &p, &e) < 0 ||
	    run_build_letter(x, inv, &p, &letter, &e) < 0) {
		run_error(x, inv, s->name, e.msg);
		goto out;
	}
	if (letter_file_name(inv->number, s->name, x->o->today, &name) < 0) {
		run_error(x, inv, s->name, "out of memory");
		goto out;
	}
	buf_printf(&path, "%s/%s", dir, buf_cstr(&name));
	buf_printf(&task,
	           "send by registered letter with acknowledgement of "
	           "receipt: %s",
	           buf_cstr(&path));
	if (s->attach && inv->pdf != NULL)
		buf_printf(&task, ", with a copy of the invoice: %s", inv->pdf);
	if (x->o->dry_run) {
		buf_printf(&l->why, "; would write %s", buf_cstr(&path));
		run_print(x, inv, l);
		x->sum->letters++;
		goto out;
	}
	if (letter_pdf(&letter, &p.pdf, &e) < 0 ||
	    letter_write_file(dir, buf_cstr(&name), p.pdf.data, p.pdf.len, &e) <
	        0) {
		struct run_record bad = {NULL,      "letter-failed", NULL, NULL,
		                         DATE_NULL, false,           NULL, NULL,
		                         DATE_NULL};

		buf_printf(&detail, "%s %s: %s; retried on the next run",
		           s->name, buf_cstr(&path), e.msg);
		bad.detail = buf_cstr(&detail);
		if (run_record(x, inv, inv, s->name, &bad) == 0)
			run_error(x, inv, s->name, bad.detail);
		goto out;
	}
	/* the letter's hash, for the evidence file (evidence.h) */
	sha256_hex(p.pdf.data, p.pdf.len, hex);
	buf_printf(&detail, "%s %s; SHA-256 %s", s->name, buf_cstr(&path), hex);
	{
		struct run_letter_record r = {x->o, s->name, buf_cstr(&detail),
		                              buf_cstr(&task)};
		int rc =
		    run_update(x, inv, inv->number, run_apply_letter, &r, &e);

		if (rc != STORE_OK) {
			run_error(x, inv, s->name, e.msg);
			goto out;
		}
	}
	buf_printf(&l->why, "; wrote %s", buf_cstr(&path));
	run_print(x, inv, l);
	x->sum->letters++;
out:
	letter_free(&letter);
	run_piece_free(&p);
	buf_free(&name);
	buf_free(&path);
	buf_free(&task);
	buf_free(&detail);
}

/* A "sending" without an outcome: resolved by the milter, or a person. */
static void
run_resolve(struct run_ctx *x, const struct invoice *inv,
            const struct invoice_event *ev)
{
	char step[POLICY_NAME_MAX + 1], mid[COMPOSE_MAX_MSGID + 1];
	struct buf why = BUF_INIT;

	if (run_parse_sending(ev->detail, step, sizeof(step), mid,
	                      sizeof(mid)) < 0) {
		run_error(x, inv, NULL,
		          "needs a person: a damaged \"sending\" event");
		return;
	}
	if (!run_confirmed(inv, mid)) {
		buf_printf(&why, "needs a person: was %s sent? (Message-ID %s)",
		           step, mid);
		run_error(x, inv, step, buf_cstr(&why));
	} else {
		struct buf detail = BUF_INIT;
		struct run_record r = {NULL,  NULL, NULL, NULL,     DATE_NULL,
		                       false, NULL, NULL, DATE_NULL};
		struct run_line l = {"none",    step, NULL,
		                     DATE_NULL, NULL, BUF_INIT};

		r.kind = strcmp(step, RUN_THANKS) == 0 ? "thanks" : "sent";
		buf_printf(&detail, "%s %s: confirmed by relance-milter", step,
		           mid);
		r.detail = buf_cstr(&detail);
		buf_printf(&l.why,
		           "%s %s went out (confirmed by "
		           "relance-milter)",
		           step, mid);
		if (x->o->dry_run || run_record(x, inv, inv, step, &r) == 0) {
			run_print(x, inv, &l);
			x->sum->skipped++;
		}
		buf_free(&l.why);
		buf_free(&detail);
	}
	buf_free(&why);
}

static const char *const run_result_action[] = {"send", "wait", "none"};

/* When the policy has a send window and the run is outside it: true, and
 * WHY gets "skipped: outside the send window (DAYS HOURS ZONE); " (the
 * reason the step was due follows). */
static bool
run_outside_window(const struct run_opts *o, struct buf *why)
{
	const struct policy_calendar *c = &o->pol->calendar;
	struct schedule_window w = {c->window_days, c->window_from,
	                            c->window_to};
	char text[64];

	if (!c->window ||
	    schedule_window_open(&w, o->today, o->timed ? o->minute : -1))
		return false;
	schedule_window_format(&w, text, sizeof(text));
	buf_reset(why);
	buf_printf(why, "skipped: outside the send window (%s %s); ", text,
	           o->cfg->timezone ? o->cfg->timezone : "local time");
	return true;
}

/* Print L (a step or the thanks that may not go out now) as a wait. */
static void
run_hold(struct run_ctx *x, const struct invoice *inv, struct run_line *l)
{
	l->action = "wait";
	l->to = NULL;
	run_print(x, inv, l);
	x->sum->skipped++;
}

/* The thanks, unless today is a day off or the run is outside the send
 * window. */
static void
run_thanks(struct run_ctx *x, const struct invoice *inv,
           const struct policy_profile *prof, const struct calendar *cal,
           struct run_line *l)
{
	struct schedule_decision d;
	static const char why[] = "fully paid: thank the customer";

	l->step = RUN_THANKS;
	l->channel = "email";
	if (schedule_day_off(cal, NULL, x->o->today, &d)) {
		l->when = d.when;
		buf_puts(&l->why, d.why);
		run_hold(x, inv, l);
	} else if (run_outside_window(x->o, &l->why)) {
		buf_puts(&l->why, why);
		run_hold(x, inv, l);
	} else {
		l->action = "thanks";
		buf_puts(&l->why, why);
		run_mail(x, inv, prof, l, RUN_THANKS, prof->thanks, false,
		         true);
	}
}

/* ---- grouped reminders (profiles with group-by-customer) ---- */

/* Invoices listed in one grouped mail: at most what relance-milter reads
 * in X-Relance-Invoice (OUTGOING_MAX_INVOICES); more make more mails. */
#define RUN_GROUP_MAX 50

/* An invoice whose mail waits for the end of the walk: a copy of it, the
 * step due, and what its line says. */
struct run_member {
	struct invoice inv;
	const struct policy_step *step;
	size_t stepi; /* STEP's place in the profile: the highest wins */
	struct date when;
	char *why;
	bool out; /* taken out of the mail (its PDF is missing) */
};

/* The mails of one customer, profile and language. */
struct run_group {
	char *key; /* "PROFILE\nCUSTOMER\nLANG" */
	const struct policy_profile *prof;
	struct run_member *m;
	size_t n, cap;
};

/* The groups in order of first appearance, and a hash of their keys
 * (SLOTS holds an index + 1, 0 when free). */
struct run_groups {
	struct run_group *v;
	size_t n, cap;
	size_t *slots;
	size_t nslots;
};

static size_t
run_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Rehash into NSLOTS slots (a power of two). 0, or -1. */
static int
run_groups_rehash(struct run_groups *g, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < g->n; i++) {
		size_t h = run_hash(g->v[i].key) & (nslots - 1);

		while (slots[h] != 0)
			h = (h + 1) & (nslots - 1);
		slots[h] = i + 1;
	}
	free(g->slots);
	g->slots = slots;
	g->nslots = nslots;
	return 0;
}

/* The group of KEY, made when missing. NULL on no memory. */
static struct run_group *
run_group_of(struct run_groups *g, const char *key,
             const struct policy_profile *prof)
{
	size_t h;

	if (2 * (g->n + 1) > g->nslots &&
	    run_groups_rehash(g, g->nslots ? 2 * g->nslots : 64) < 0)
		return NULL;
	h = run_hash(key) & (g->nslots - 1);
	for (; g->slots[h] != 0; h = (h + 1) & (g->nslots - 1))
		if (strcmp(g->v[g->slots[h] - 1].key, key) == 0)
			return &g->v[g->slots[h] - 1];
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		struct run_group *v = realloc(g->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		g->v = v;
		g->cap = cap;
	}
	memset(&g->v[g->n], 0, sizeof(g->v[g->n]));
	if ((g->v[g->n].key = strdup(key)) == NULL)
		return NULL;
	g->v[g->n].prof = prof;
	g->slots[h] = ++g->n;
	return &g->v[g->n - 1];
}

static void
run_groups_free(struct run_groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		for (size_t j = 0; j < g->v[i].n; j++) {
			invoice_free(&g->v[i].m[j].inv);
			free(g->v[i].m[j].why);
		}
		free(g->v[i].m);
		free(g->v[i].key);
	}
	free(g->v);
	free(g->slots);
	memset(g, 0, sizeof(*g));
}

/* Keep INV, due step D->step by email, for its customer's mail. */
static void
run_group_add(struct run_ctx *x, const struct invoice *inv,
              const struct policy_profile *prof,
              const struct schedule_decision *d, const struct run_line *l)
{
	struct buf key = BUF_INIT;
	struct run_group *g;
	struct run_member *m;

	buf_printf(&key, "%s\n%s\n%s", prof->name,
	           inv->customer ? inv->customer : "",
	           inv->lang ? inv->lang : "");
	g = buf_failed(&key) ? NULL
	                     : run_group_of(x->groups, buf_cstr(&key), prof);
	buf_free(&key);
	if (g != NULL && g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 4;
		struct run_member *v = realloc(g->m, cap * sizeof(*v));

		if (v == NULL) {
			g = NULL;
		} else {
			g->m = v;
			g->cap = cap;
		}
	}
	if (g == NULL) {
		run_error(x, inv, d->step->name, "out of memory");
		return;
	}
	m = &g->m[g->n];
	memset(m, 0, sizeof(*m));
	m->step = d->step;
	m->stepi = (size_t)(d->step - prof->steps);
	m->when = d->when;
	if (invoice_copy(&m->inv, inv) < 0 ||
	    (m->why = strdup(buf_cstr(&l->why))) == NULL) {
		invoice_free(&m->inv);
		run_error(x, inv, d->step->name, "out of memory");
		return;
	}
	g->n++;
}

/* Oldest due date first, then by number. */
static int
run_member_cmp(const void *a, const void *b)
{
	const struct run_member *p = a, *q = b;
	int c = date_cmp(p->inv.due_date, q->inv.due_date);

	return c != 0 ? c : strcmp(p->inv.number, q->inv.number);
}

/* The line of member M: "send STEP (email) due DAY to ...: WHY" plus
 * MORE. */
static void
run_member_line(struct run_member *m, const char *action,
                const struct strlist *to, const char *more, struct run_line *l)
{
	*l = (struct run_line){action, m->step->name, "email", m->when,
	                       to,     BUF_INIT};
	buf_puts(&l->why, m->why);
	buf_puts(&l->why, more);
}

/* In one write transaction, for each of the N members of M not taken
 * out: check that nothing happened to it since it was read, then apply
 * FN with ARGS[i] (size ARGSIZE each). STORE_OK, 1 when one changed
 * meanwhile (E names it; nothing written), or a store_rc below zero. */
static int
run_update_group(struct run_ctx *x, struct run_member *m, size_t n, bool check,
                 run_change_fn fn, void *args, size_t argsize, struct err *e)
{
	enum store_rc rc;

	if ((rc = store_begin(x->o->st, STORE_WRITE, e)) != STORE_OK)
		return rc;
	for (size_t i = 0; i < n && rc == STORE_OK; i++) {
		struct invoice inv;

		if (m[i].out)
			continue;
		rc = ledger_get(x->o->st, m[i].inv.number, &inv, e);
		if (rc == STORE_NOTFOUND) {
			err_set(e, "invoice %s is gone from the state file",
			        m[i].inv.number);
			rc = STORE_ERR;
		} else if (rc == STORE_OK && check &&
		           inv.nevents != m[i].inv.nevents) {
			err_set(e,
			        "invoice %s changed while the run was "
			        "deciding: left for the next run",
			        m[i].inv.number);
			invoice_free(&inv);
			store_abort(x->o->st);
			return 1;
		} else if (rc == STORE_OK) {
			if (fn(&inv, (char *)args + i * argsize, e) < 0)
				rc = STORE_ERR;
			else
				rc = ledger_put(x->o->st, &inv, e);
		}
		invoice_free(&inv);
	}
	if (rc != STORE_OK) {
		store_abort(x->o->st);
		return rc;
	}
	return store_commit(x->o->st, e);
}

/* An error line for each member of M still in the mail. */
static void
run_group_error(struct run_ctx *x, struct run_member *m, size_t n,
                const char *msg)
{
	for (size_t i = 0; i < n; i++)
		if (!m[i].out)
			run_error(x, &m[i].inv, m[i].step->name, msg);
}

/* Send the grouped message in P for the N members of M (at least two,
 * those not taken out), at most once: "sending" on each in one
 * transaction, sendmail, then "sent" (or "send-failed") on each. */
static void
run_group_deliver(struct run_ctx *x, struct run_member *m, size_t n,
                  struct run_piece *p, const char *more)
{
	struct run_record *recs = calloc(n, sizeof(*recs));
	struct run_sent *sent = calloc(n, sizeof(*sent));
	struct buf *details = calloc(n, sizeof(*details));
	struct buf from = BUF_INIT, to = BUF_INIT;
	struct err e;
	int rc;

	if (recs == NULL || sent == NULL || details == NULL) {
		run_group_error(x, m, n, "out of memory");
		goto out;
	}
	run_sender_address(x->o->cfg->sender, &from);
	for (size_t i = 0; i < p->rcpts.n; i++)
		buf_printf(&to, "%s%s", i ? ", " : "", p->rcpts.v[i]);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&details[i], "%s %s to %s%s", m[i].step->name,
		           buf_cstr(&p->mid), buf_cstr(&to), more);
		recs[i] = (struct run_record){x->o,
		                              "sending",
		                              buf_cstr(&details[i]),
		                              m[i].step->name,
		                              x->o->today,
		                              false,
		                              NULL,
		                              NULL,
		                              DATE_NULL};
	}
	rc = run_update_group(x, m, n, true, run_apply_record, recs,
	                      sizeof(*recs), &e);
	if (rc != STORE_OK) {
		run_group_error(x, m, n, e.msg);
		goto out;
	}
	rc = run_sendmail(x->o->cfg->sendmail, buf_cstr(&from), &p->rcpts,
	                  &p->text, &e);
	for (size_t i = 0; i < n; i++) {
		buf_reset(&details[i]);
		buf_printf(&details[i], "%s %s", m[i].step->name,
		           buf_cstr(&p->mid));
		if (rc > 0)
			buf_printf(&details[i], ": %s; retried on the next run",
			           e.msg);
		sent[i] = (struct run_sent){
		    {x->o, "sent", buf_cstr(&details[i]), NULL, DATE_NULL,
		     false, NULL, NULL, DATE_NULL},
		    buf_cstr(&p->mid)};
		recs[i] = (struct run_record){x->o,
		                              "send-failed",
		                              buf_cstr(&details[i]),
		                              NULL,
		                              DATE_NULL,
		                              true,
		                              m[i].step->name,
		                              m[i].inv.last_step,
		                              m[i].inv.last_step_date};
	}
	if (rc == 0) {
		struct err e2;

		if (run_update_group(x, m, n, false, run_apply_sent, sent,
		                     sizeof(*sent), &e2) != STORE_OK) {
			run_group_error(x, m, n, e2.msg);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			struct run_line l;

			if (m[i].out)
				continue;
			run_member_line(&m[i], "send", &p->rcpts, more, &l);
			run_print(x, &m[i].inv, &l);
			buf_free(&l.why);
		}
		x->sum->sent++;
	} else if (rc > 0) {
		struct err e2;

		if (run_update_group(x, m, n, false, run_apply_record, recs,
		                     sizeof(*recs), &e2) != STORE_OK)
			run_group_error(x, m, n, e2.msg);
		else
			for (size_t i = 0; i < n; i++)
				if (!m[i].out)
					run_error(x, &m[i].inv, m[i].step->name,
					          recs[i].detail);
	} else {
		for (size_t i = 0; i < n; i++) {
			buf_printf(&details[i],
			           ": %s: needs a person: was it "
			           "sent?",
			           e.msg);
			if (!m[i].out)
				run_error(x, &m[i].inv, m[i].step->name,
				          buf_cstr(&details[i]));
		}
	}
out:
	for (size_t i = 0; details != NULL && i < n; i++)
		buf_free(&details[i]);
	free(details);
	free(recs);
	free(sent);
	buf_free(&from);
	buf_free(&to);
}

/* The PDFs of the N members of M whose step attaches one, into ATT and
 * BUFS (one each); a member whose PDF is missing is taken out of the
 * mail and becomes a task, as an ungrouped one would. Returns how many
 * were attached. */
static size_t
run_group_pdfs(struct run_ctx *x, struct run_member *m, size_t n,
               struct compose_attachment *att, struct buf *bufs)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct err e;
		int bad = 0;

		if (!m[i].step->attach)
			continue;
		if (m[i].inv.pdf == NULL) {
			err_set(&e, "the invoice has no PDF");
			bad = 1;
		} else if (x->o->dry_run) {
			bad = run_check_pdf(m[i].inv.pdf, &e) < 0;
		} else {
			bad = run_read_pdf(m[i].inv.pdf, &bufs[k], &e) < 0;
		}
		if (bad) {
			struct run_line l;
			struct buf detail = BUF_INIT;

			buf_printf(&detail, "PDF missing: send %s by hand (%s)",
			           m[i].step->name, e.msg);
			run_member_line(&m[i], "task", NULL, "", &l);
			l.channel = "task";
			buf_reset(&l.why);
			buf_puts(&l.why, buf_cstr(&detail));
			run_task(x, &m[i].inv, &l, m[i].step->name,
			         buf_cstr(&detail), false);
			buf_free(&detail);
			buf_free(&l.why);
			buf_reset(&bufs[k]);
			m[i].out = true;
			continue;
		}
		att[k] = (struct compose_attachment){
		    m[i].inv.pdf, "application/pdf",
		    (const unsigned char *)bufs[k].data, bufs[k].len};
		k++;
	}
	return k;
}

/* One mail for the N (2..RUN_GROUP_MAX) members of M, written from the
 * template of the highest step among them. */
static void
run_group_mail(struct run_ctx *x, const struct policy_profile *prof,
               struct run_member *m, size_t n)
{
	struct run_piece p = {{NULL, NULL, 0}, NULL,     BUF_INIT,
	                      STRLIST_INIT,    BUF_INIT, BUF_INIT};
	struct compose_attachment *att = calloc(n, sizeof(*att));
	struct buf *bufs = calloc(n, sizeof(*bufs)), more = BUF_INIT;
	const struct invoice **invs = calloc(n, sizeof(*invs));
	const char **numbers = calloc(n, sizeof(*numbers));
	struct run_member *top = NULL;
	size_t k = 0, natt;
	struct err e;

	if (att == NULL || bufs == NULL || invs == NULL || numbers == NULL) {
		run_group_error(x, m, n, "out of memory");
		goto out;
	}
	natt = run_group_pdfs(x, m, n, att, bufs);
	for (size_t i = 0; i < n; i++) {
		if (m[i].out)
			continue;
		if (top == NULL || m[i].stepi > top->stepi)
			top = &m[i];
		invs[k] = &m[i].inv;
		numbers[k++] = m[i].inv.number;
	}
	if (k == 0)
		goto out;
	buf_puts(&more, "; one mail for ");
	for (size_t i = 0; i < k; i++)
		buf_printf(&more, "%s%s", i ? ", " : "", numbers[i]);
	buf_printf(&more, " (%s)", top->step->name);
	/* one customer: the mail goes to all the contacts of its invoices */
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < invs[i]->contacts.n; j++) {
			const char *a = invs[i]->contacts.v[j];

			if (strlist_find(&top->inv.contacts, a) < 0 &&
			    strlist_find(&invs[i]->undeliverable, a) < 0 &&
			    strlist_add(&top->inv.contacts, a) < 0) {
				run_group_error(x, m, n, "out of memory");
				goto out;
			}
		}
	if (run_prepare(x, &top->inv, top->step->name, top->step->template, &p,
	                &e) < 0 ||
	    (compose_values_group(&p.values, invs, k, x->o->today) < 0 &&
	     (err_set(&e, "out of memory"), 1)) ||
	    (run_message_id(top->inv.number, top->step->name, x->o->now,
	                    x->o->cfg->sender, &p.mid) < 0 &&
	     (err_set(&e, "no sender address: set Sender in relance.conf"),
	      1))) {
		run_group_error(x, m, n, e.msg);
		goto out;
	}
	{
		struct compose_mail cm = {p.tpl,
		                          &p.values,
		                          &top->inv,
		                          x->o->cfg->sender,
		                          top->step->name,
		                          prof->auto_submitted,
		                          x->o->now,
		                          run_zone(x->o->now),
		                          buf_cstr(&p.mid),
		                          natt > 0 && !x->o->dry_run ? att
		                                                     : NULL};
		struct compose_group cg = {numbers, k, att + 1,
		                           natt > 0 ? natt - 1 : 0};

		if (compose_message_group(&cm, &cg, &p.text, &p.rcpts, &e) <
		    0) {
			run_group_error(x, m, n, e.msg);
			goto out;
		}
	}
	if (x->o->dry_run) {
		for (size_t i = 0; i < n; i++) {
			struct run_line l;

			if (m[i].out)
				continue;
			run_member_line(&m[i], "send", &p.rcpts,
			                buf_cstr(&more), &l);
			run_print(x, &m[i].inv, &l);
			buf_free(&l.why);
		}
		x->sum->sent++;
		goto out;
	}
	run_group_deliver(x, m, n, &p, buf_cstr(&more));
out:
	for (size_t i = 0; bufs != NULL && i < n; i++)
		buf_free(&bufs[i]);
	free(bufs);
	free(att);
	free(invs);
	free(numbers);
	buf_free(&more);
	run_piece_free(&p);
}

/* After the walk: the mails of every group, RUN_GROUP_MAX invoices at
 * most each; a group of one is an ordinary reminder. */
static void
run_groups_send(struct run_ctx *x)
{
	for (size_t i = 0; i < x->groups->n; i++) {
		struct run_group *g = &x->groups->v[i];

		qsort(g->m, g->n, sizeof(*g->m), run_member_cmp);
		for (size_t at = 0; at < g->n; at += RUN_GROUP_MAX) {
			size_t n = g->n - at < RUN_GROUP_MAX ? g->n - at
			                                     : RUN_GROUP_MAX;
			struct run_member *m = &g->m[at];

			if (n == 1) {
				struct run_line l;

				run_member_line(m, "send", NULL, "", &l);
				run_mail(x, &m->inv, g->prof, &l, m->step->name,
				         m->step->template, m->step->attach,
				         false);
				buf_free(&l.why);
			} else {
				run_group_mail(x, g->prof, m, n);
			}
			if (!x->o->dry_run)
				fflush(x->o->out);
		}
	}
}

/* Decide and act for one invoice. */
static void
run_one(struct run_ctx *x, const struct invoice *inv)
{
	const struct invoice_event *pending = run_pending(inv);
	const struct policy_profile *prof;
	struct schedule_rules rules = {
	    {x->o->pol->calendar.closed, x->o->pol->calendar.nclosed},
	    DATE_NULL};
	struct schedule_decision d;
	struct run_line l = {NULL, NULL, NULL, DATE_NULL, NULL, BUF_INIT};

	if (pending != NULL) {
		run_resolve(x, inv, pending);
		return;
	}
	prof = policy_find_profile(x->o->pol, inv->profile);
	if (prof != NULL && schedule_thanks_due(inv, prof)) {
		run_thanks(x, inv, prof, &rules.cal, &l);
		buf_free(&l.why);
		return;
	}
	rules.last_reply = schedule_last_reply(inv, run_day_of, NULL);
	schedule_next(inv, prof, &rules, x->o->today, &d);
	l.action = run_result_action[d.result];
	l.step = d.step ? d.step->name : NULL;
	l.when = d.when;
	buf_puts(&l.why, d.why);
	if (d.result != SCHEDULE_DUE) {
		run_print(x, inv, &l);
		x->sum->skipped++;
	} else if (run_outside_window(x->o, &l.why)) {
		l.channel = policy_channel_name(d.channel);
		l.when = DATE_NULL;
		buf_puts(&l.why, d.why);
		run_hold(x, inv, &l);
	} else if (d.channel == POLICY_CHANNEL_EMAIL) {
		l.channel = "email";
		if (prof != NULL && prof->group_by_customer)
			run_group_add(x, inv, prof, &d, &l);
		else
			run_mail(x, inv, prof, &l, d.step->name,
			         d.step->template, d.step->attach, false);
	} else {
		bool letter = d.channel == POLICY_CHANNEL_LETTER;

		l.action = letter ? "letter" : "task";
		l.channel = policy_channel_name(d.channel);
		if (letter)
			run_letter_step(x, inv, d.step, &l);
		else
			run_task_step(x, inv, d.step, &l, false);
	}
	buf_free(&l.why);
}

/* ---- the whole run ---- */

/* ledger_walk_fn: decide and act for one invoice as the walk streams. */
static int
run_walk_one(const struct invoice *inv, const struct err *damaged, void *arg)
{
	struct run_ctx *x = arg;

	if (inv == NULL) {
		struct run_line l = {"error",   NULL, NULL,
		                     DATE_NULL, NULL, BUF_INIT};
		struct invoice none;

		invoice_init(&none);
		none.number = (char *)"?";
		buf_puts(&l.why, damaged->msg);
		run_print(x, &none, &l);
		buf_free(&l.why);
		x->sum->errors++;
	} else {
		run_one(x, inv);
	}
	if (!x->o->dry_run)
		fflush(x->o->out); /* a real run shows where it is */
	return 0;
}

static void
run_print_summary(const struct run_opts *o, const struct run_summary *s)
{
	if (o->json)
		fprintf(o->out,
		        "{\"summary\":true,\"sent\":%u,\"letters\":%u,"
		        "\"tasks\":%u,\"skipped\":%u,\"errors\":%u}\n",
		        s->sent, s->letters, s->tasks, s->skipped, s->errors);
	else
		fprintf(o->out,
		        "%s%u sent, %u letters, %u tasks, %u skipped, %u "
		        "errors\n",
		        o->dry_run ? "dry run: " : "", s->sent, s->letters,
		        s->tasks, s->skipped, s->errors);
}

int
run_all(const struct run_opts *o, struct run_summary *sum, struct err *e)
{
	struct run_groups groups = {NULL, 0, 0, NULL, 0};
	struct run_ctx x = {o, sum, NULL};
	int rc;

	memset(sum, 0, sizeof(*sum));
	x.groups = &groups;
	rc = ledger_walk(o->st, 0, run_walk_one, &x, e);
	if (rc == 0)
		run_groups_send(&x);
	run_groups_free(&groups);
	if (rc != 0)
		return rc;
	run_print_summary(o, sum);
	return 0;
}

/* ---- the summary by mail ---- */

int
run_mail_summary(const struct run_opts *o, const struct run_summary *sum,
                 const char *text, struct err *e)
{
	struct buf subject = BUF_INIT, mid = BUF_INIT, from = BUF_INIT,
	           msg = BUF_INIT;
	struct compose_report r = {
	    o->cfg->sender, &o->cfg->summary_to, NULL, text,
	    o->now,         run_zone(o->now),    NULL};
	char day[11];
	int rc = -1;

	date_format(o->today, day);
	if (run_sender_address(o->cfg->sender, &from) < 0) {
		err_set(e, "no sender address: set Sender in relance.conf");
		goto out;
	}
	buf_printf(&subject,
	           "relance run %s: %u sent, %u letters, %u tasks, %u errors",
	           day, sum->sent, sum->letters, sum->tasks, sum->errors);
	buf_printf(&mid, "<relance-run.%s.%" PRId64 "%s>", day, o->now,
	           strchr(buf_cstr(&from), '@'));
	r.subject = buf_cstr(&subject);
	r.message_id = buf_cstr(&mid);
	if (buf_failed(&subject) || buf_failed(&mid)) {
		err_set(e, "out of memory");
		goto out;
	}
	if (compose_report(&r, &msg, e) < 0)
		goto out;
	if (run_sendmail(o->cfg->sendmail, buf_cstr(&from), &o->cfg->summary_to,
	                 &msg, e) == 0)
		rc = 0;
out:
	buf_free(&subject);
	buf_free(&mid);
	buf_free(&from);
	buf_free(&msg);
	return rc;
}

/* The step sent before INV's event BEFORE and its day, from the last "sent"
 * (relance run) or "reminder-sent" (relance-milter) before it: NULL when
 * none. The step is the event detail's first word, copied into STEP. */
static const char *
run_step_before(const struct invoice *inv, size_t before, char *step,
                size_t stepsize, struct date *day)
{
	for (size_t i = before; i-- > 0;) {
		const struct invoice_event *ev = &inv->events[i];
		size_t len;

		if (ev->kind == NULL || ev->detail == NULL ||
		    (strcmp(ev->kind, "sent") != 0 &&
		     strcmp(ev->kind, "reminder-sent") != 0))
			continue;
		len = strcspn(ev->detail, " ");
		if (len == 0 || len >= stepsize)
			continue;
		memcpy(step, ev->detail, len);
		step[len] = '\0';
		*day = run_day_of(ev->time, NULL);
		return step;
	}
	return NULL;
}

int
run_settle(struct invoice *inv, bool sent, int64_t now, const char *actor,
           const char *note, char *step, size_t stepsize, struct err *e)
{
	const struct invoice_event *ev = run_pending(inv);
	char mid[COMPOSE_MAX_MSGID + 1], prev[POLICY_NAME_MAX + 1];
	struct date prev_day = DATE_NULL;
	const char *back = NULL;
	int rc;

	if (ev == NULL) {
		err_set(e, "invoice %s has no send waiting for an answer",
		        inv->number);
		return -1;
	}
	if (run_parse_sending(ev->detail, step, stepsize, mid, sizeof(mid)) <
	    0) {
		err_set(e,
		        "invoice %s: its \"sending\" event is damaged (%.80s): "
		        "look at its history",
		        inv->number, ev->detail ? ev->detail : "");
		return -1;
	}
	if (!sent)
		back = run_step_before(inv, (size_t)(ev - inv->events), prev,
		                       sizeof(prev), &prev_day);
	rc = invoice_add_event(
	    inv, now,
	    sent ? (strcmp(step, RUN_THANKS) == 0 ? "thanks" : "sent")
	         : "send-failed",
	    actor, "%s %s: %s%s%s", step, mid,
	    sent ? "sent (a person's answer)"
	         : "not sent (a person's answer); retried on the next run",
	    note ? "; note: " : "", note ? note : "");
	if (rc < 0 || (!sent && strcmp(step, RUN_THANKS) != 0 &&
	               run_set_step(inv, back, prev_day) < 0)) {
		err_set(e, "out of memory");
		return -1;
	}
	return 0;
}
