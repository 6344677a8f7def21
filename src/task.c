/*
 * task.c -- tasks for a person in an invoice's history: open or done,
 * their IDs, and closing one with a "task-done" event.
 *
 * Pure: no I/O, no clock (tests/test_task.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "task.h"
#include "text.h"

static bool
task_is(const struct invoice_event *ev, const char *kind)
{
	return ev->kind != NULL && strcmp(ev->kind, kind) == 0;
}

/* True when DETAIL (of a "task-done" event) names task SEQ of NUMBER:
 * it starts with "NUMBER.SEQ:". */
static bool
task_names(const char *detail, const char *number, unsigned seq)
{
	size_t n = strlen(number);
	char tail[16];
	int len;

	if (detail == NULL || strncmp(detail, number, n) != 0)
		return false;
	len = snprintf(tail, sizeof(tail), ".%u:", seq);
	return strncmp(detail + n, tail, (size_t)len) == 0;
}

/* The "task-done" event after index FROM that names task SEQ, or NULL. */
static const struct invoice_event *
task_done_event(const struct invoice *inv, size_t from, unsigned seq)
{
	for (size_t i = from + 1; i < inv->nevents; i++)
		if (task_is(&inv->events[i], TASK_DONE_KIND) &&
		    task_names(inv->events[i].detail, inv->number, seq))
			return &inv->events[i];
	return NULL;
}

bool
task_next(const struct invoice *inv, size_t *pos, struct task *t)
{
	unsigned seq = 0;

	/* The ordinal of the task at *POS is the count of tasks before it
	 * plus one; count from the start so that *POS is all a caller
	 * keeps. */
	for (size_t i = 0; i < *pos && i < inv->nevents; i++)
		if (task_is(&inv->events[i], TASK_KIND))
			seq++;
	for (size_t i = *pos; i < inv->nevents; i++) {
		if (!task_is(&inv->events[i], TASK_KIND))
			continue;
		t->seq = seq + 1;
		t->ev = &inv->events[i];
		t->done = task_done_event(inv, i, t->seq);
		*pos = i + 1;
		return true;
	}
	*pos = inv->nevents;
	return false;
}

int
task_find(const struct invoice *inv, unsigned seq, struct task *t)
{
	size_t pos = 0;

	while (task_next(inv, &pos, t))
		if (t->seq == seq)
			return 0;
	return -1;
}

unsigned
task_count(const struct invoice *inv)
{
	unsigned n = 0;

	for (size_t i = 0; i < inv->nevents; i++)
		if (task_is(&inv->events[i], TASK_KIND))
			n++;
	return n;
}

bool
task_moot(const struct invoice *inv)
{
	return inv->state == INVOICE_PAID || inv->state == INVOICE_CLOSED;
}

void
task_format_id(const char *number, unsigned seq, struct buf *out)
{
	buf_printf(out, "%s.%u", number, seq);
}

size_t
task_parse_id(const char *id, unsigned *seq)
{
	const char *dot = strrchr(id, '.'), *p;
	unsigned long v = 0;

	if (dot == NULL || dot == id || dot[1] == '\0' || dot[1] == '0')
		return 0;
	for (p = dot + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > TASK_MAX_SEQ)
			return 0;
	}
	*seq = (unsigned)v;
	return (size_t)(dot - id);
}

void
task_what(const struct invoice_event *ev, struct buf *out)
{
	const char *d = ev->detail != NULL ? ev->detail : "";
	size_t len = strcspn(d, "\r\n");

	if (len > TASK_MAX_WHAT) {
		len = TASK_MAX_WHAT;
		while (len > 0 && ((unsigned char)d[len] & 0xc0) == 0x80)
			len--;
	}
	buf_append(out, d, len);
	buf_append(out, "", 0);
}

#define TASK_NOTE_SEP "; note: "

bool
task_note(const struct invoice *inv, const struct task *t, struct buf *out)
{
	struct buf prefix = BUF_INIT;
	const char *d, *note = NULL;
	size_t n;

	if (t->done == NULL || t->done->detail == NULL)
		return false;
	d = t->done->detail;
	/* Written by task_close: "ID: WHAT; note: NOTE". WHAT is known, so
	 * a "; note: " inside it cannot mislead; if the task's text reads
	 * otherwise now, take the last separator. */
	task_format_id(inv->number, t->seq, &prefix);
	buf_puts(&prefix, ": ");
	task_what(t->ev, &prefix);
	n = prefix.len;
	if (!buf_failed(&prefix) && strncmp(d, buf_cstr(&prefix), n) == 0) {
		if (strncmp(d + n, TASK_NOTE_SEP, strlen(TASK_NOTE_SEP)) == 0)
			note = d + n + strlen(TASK_NOTE_SEP);
	} else {
		for (const char *p = d; (p = strstr(p, TASK_NOTE_SEP)) != NULL;
		     p++)
			note = p + strlen(TASK_NOTE_SEP);
	}
	buf_free(&prefix);
	if (note == NULL)
		return false;
	buf_puts(out, note);
	return true;
}

int
task_close(struct invoice *inv, unsigned seq, const char *note, int64_t now,
           const char *actor, struct err *e)
{
	struct buf id = BUF_INIT, what = BUF_INIT;
	struct task t;
	int rc = -1;

	task_format_id(inv->number, seq, &id);
	if (task_find(inv, seq, &t) < 0) {
		err_set(e, "unknown task \"%s\": invoice %s has %u task%s",
		        buf_cstr(&id), inv->number, task_count(inv),
		        task_count(inv) == 1 ? "" : "s");
	} else if (t.done != NULL) {
		err_set(e, "task %s is already done (by %s)", buf_cstr(&id),
		        t.done->actor ? t.done->actor : "?");
	} else if (note != NULL &&
	           (text_has_ctl(note) || strlen(note) > TASK_MAX_NOTE)) {
		err_set(e,
		        "the note must be one line of at most %d bytes, "
		        "without control characters",
		        TASK_MAX_NOTE);
	} else {
		task_what(t.ev, &what);
		if (buf_failed(&id) || buf_failed(&what) ||
		    invoice_add_event(inv, now, TASK_DONE_KIND, actor,
		                      "%s: %s%s%s", buf_cstr(&id),
		                      buf_cstr(&what),
		                      note != NULL ? TASK_NOTE_SEP : "",
		                      note != NULL ? note : "") < 0)
			err_set(e, "out of memory");
		else
			rc = 0;
	}
	buf_free(&id);
	buf_free(&what);
	return rc;
}
