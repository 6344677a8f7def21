/*
 * spool.c -- events for the state file, applied at once or kept in a
 * spool directory until they can be.
 *
 * The file form is text, one field a line, values escaped so that any
 * byte but NUL survives:
 *
 *	relance-spool 1
 *	kind reminder-sent
 *	time 1795426200
 *	invoice F2026-0042
 *	detail reminder-1 to compta@dupont.example, ...
 *	end
 *
 * A file is only ever seen complete: it is written under a temporary name
 * starting with '.', fsynced, then linked to its final name.
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
#include <time.h>
#include <unistd.h>

#include "ledger.h"
#include "spool.h"
#include "text.h"
#include "track.h"

#define SPOOL_MAGIC    "relance-spool 1"
#define SPOOL_NAME_MAX 64

/* ---- events ---- */

int
spool_event_init(struct spool_event *ev, const char *kind, int64_t time)
{
	memset(ev, 0, sizeof(*ev));
	ev->time = time;
	ev->kind = strdup(kind);
	return ev->kind == NULL ? -1 : 0;
}

int
spool_event_add(struct spool_event *ev, const char *key, const char *value)
{
	if (strlist_add(&ev->keys, key) < 0)
		return -1;
	if (strlist_add(&ev->values, value) < 0) {
		free(ev->keys.v[--ev->keys.n]);
		ev->keys.v[ev->keys.n] = NULL;
		return -1;
	}
	return 0;
}

const char *
spool_event_get(const struct spool_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->keys.n; i++)
		if (strcmp(ev->keys.v[i], key) == 0)
			return ev->values.v[i];
	return NULL;
}

void
spool_event_free(struct spool_event *ev)
{
	free(ev->kind);
	strlist_clear(&ev->keys);
	strlist_clear(&ev->values);
	memset(ev, 0, sizeof(*ev));
}

/* ---- the file form ---- */

void
spool_encode(const struct spool_event *ev, struct buf *out)
{
	buf_printf(out, SPOOL_MAGIC "\nkind %s\ntime %" PRId64 "\n", ev->kind,
	           ev->time);
	for (size_t i = 0; i < ev->keys.n; i++) {
		buf_printf(out, "%s ", ev->keys.v[i]);
		text_escape(ev->values.v[i], out);
		buf_putc(out, '\n');
	}
	buf_puts(out, "end\n");
}

static bool
spool_key_valid(const char *s, size_t len)
{
	if (len == 0 || len > SPOOL_MAX_KEY)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* One line "KEY VALUE" of an event file into EV. */
static int
spool_decode_line(const char *s, size_t len, unsigned line,
                  struct spool_event *ev, struct err *e)
{
	const char *sp = memchr(s, ' ', len);
	size_t klen = sp ? (size_t)(sp - s) : len;
	struct buf v = BUF_INIT;
	char key[SPOOL_MAX_KEY + 1];
	int rc = -1;

	if (!spool_key_valid(s, klen)) {
		err_set(e, "line %u: bad field name", line);
		return -1;
	}
	memcpy(key, s, klen);
	key[klen] = '\0';
	if (sp == NULL || text_unescape(sp + 1, len - klen - 1, &v) < 0 ||
	    buf_failed(&v)) {
		err_set(e, "line %u: bad value of %s", line, key);
		goto out;
	}
	if (strcmp(key, "kind") == 0 || strcmp(key, "time") == 0) {
		char *end;

		if (strcmp(key, "kind") == 0 && ev->kind == NULL &&
		    spool_key_valid(v.data, v.len)) {
			ev->kind = buf_steal(&v);
			rc = ev->kind != NULL ? 0 : -1;
		} else if (strcmp(key, "time") == 0 && ev->time == 0 &&
		           v.len > 0 && v.data[0] != '-' &&
		           (ev->time = strtoll(v.data, &end, 10)) > 0 &&
		           *end == '\0') {
			rc = 0;
		}
		if (rc < 0)
			err_set(e, "line %u: bad or repeated %s", line, key);
		goto out;
	}
	if (ev->keys.n >= SPOOL_MAX_FIELDS) {
		err_set(e, "line %u: more than %d fields", line,
		        SPOOL_MAX_FIELDS);
		goto out;
	}
	rc = spool_event_add(ev, key, v.data);
	if (rc < 0)
		err_set(e, "out of memory");
out:
	buf_free(&v);
	return rc;
}

int
spool_decode(const char *data, size_t len, struct spool_event *ev,
             struct err *e)
{
	const char *s = data, *end = data + len;
	unsigned line = 0;
	bool ended = false;

	if (len > SPOOL_MAX_FILE) {
		err_set(e, "larger than %d bytes", SPOOL_MAX_FILE);
		return -1;
	}
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		line++;
		if (nl == NULL || ended || memchr(s, '\0', n) != NULL) {
			err_set(e, "line %u: %s", line,
			        ended ? "text after \"end\""
			              : "not a complete line");
			return -1;
		}
		if (line == 1) {
			if (n != strlen(SPOOL_MAGIC) ||
			    memcmp(s, SPOOL_MAGIC, n) != 0) {
				err_set(e, "line 1: not a relance spool file "
				           "(expected \"" SPOOL_MAGIC "\")");
				return -1;
			}
		} else if (n == 3 && memcmp(s, "end", 3) == 0) {
			ended = true;
		} else if (spool_decode_line(s, n, line, ev, e) < 0) {
			return -1;
		}
		s = nl + 1;
	}
	if (!ended || ev->kind == NULL || ev->time == 0) {
		err_set(e, "%s",
		        !ended ? "no \"end\" line: cut short"
		               : "no kind or no time");
		return -1;
	}
	return 0;
}

/* ---- applying an event to an invoice ---- */

/* DETAIL cut to what an invoice keeps, on a character boundary, in OUT. */
static void
spool_detail(const char *detail, struct buf *out)
{
	size_t len = strlen(detail);

	if (len > INVOICE_MAX_DETAIL) {
		len = INVOICE_MAX_DETAIL;
		while (len > 0 && ((unsigned char)detail[len] & 0xc0) == 0x80)
			len--;
	}
	buf_append(out, detail, len);
	buf_append(out, "", 0);
}

/* Move the last event of INV to its place in time: after every event at
 * or before its time. */
static void
spool_sort_last(struct invoice *inv)
{
	struct invoice_event last = inv->events[inv->nevents - 1];
	size_t at = inv->nevents - 1;

	while (at > 0 && inv->events[at - 1].time > last.time) {
		inv->events[at] = inv->events[at - 1];
		at--;
	}
	inv->events[at] = last;
}

static bool
spool_has_event(const struct invoice *inv, int64_t time, const char *kind,
                const char *detail)
{
	for (size_t i = 0; i < inv->nevents; i++)
		if (inv->events[i].time == time &&
		    strcmp(inv->events[i].kind, kind) == 0 &&
		    strcmp(inv->events[i].detail, detail) == 0)
			return true;
	return false;
}

/* True when INV records a reminder sent after TIME. */
static bool
spool_later_reminder(const struct invoice *inv, int64_t time)
{
	for (size_t i = 0; i < inv->nevents; i++)
		if (inv->events[i].time > time &&
		    strcmp(inv->events[i].kind, SPOOL_REMINDER_SENT) == 0)
			return true;
	return false;
}

/* Add S to L unless it is there. 0, or -1 on no memory. */
static int
spool_add_new(struct strlist *l, const char *s)
{
	return strlist_find(l, s) >= 0 ? 0 : strlist_add(l, s);
}

/* The reminder-sent specifics: tracking ID, Message-ID, last step. */
static int
spool_apply_reminder(struct invoice *inv, const struct spool_event *ev,
                     struct err *e)
{
	const char *id = spool_event_get(ev, "tracking-id");
	const char *mid = spool_event_get(ev, "message-id");
	const char *step = spool_event_get(ev, "step");
	const char *day = spool_event_get(ev, "date");
	char canon[TRACK_ID_SIZE];
	struct date d = DATE_NULL;
	char *copy;

	if ((id != NULL && track_parse(id, strlen(id), canon) < 0) ||
	    (mid != NULL && (mid[0] != '<' || mid[strlen(mid) - 1] != '>')) ||
	    (day != NULL && date_parse(day, &d) < 0) ||
	    (step != NULL && (step[0] == '\0' || strlen(step) > 64))) {
		err_set(e, "malformed %s event for invoice %s", ev->kind,
		        inv->number);
		return -1;
	}
	if ((id != NULL && spool_add_new(&inv->tracking_ids, canon) < 0) ||
	    (mid != NULL && spool_add_new(&inv->message_ids, mid) < 0))
		goto nomem;
	if (step == NULL || spool_later_reminder(inv, ev->time))
		return 0;
	if ((copy = strdup(step)) == NULL)
		goto nomem;
	free(inv->last_step);
	inv->last_step = copy;
	inv->last_step_date = d;
	return 0;
nomem:
	err_set(e, "out of memory");
	return -1;
}

int
spool_apply_invoice(struct invoice *inv, const struct spool_event *ev,
                    struct err *e)
{
	const char *actor = spool_event_get(ev, "actor");
	const char *detail = spool_event_get(ev, "detail");
	struct buf d = BUF_INIT;
	int rc = -1;

	if (actor == NULL || detail == NULL || ev->time <= 0) {
		err_set(e, "%s event without actor, detail or time", ev->kind);
		return -1;
	}
	spool_detail(detail, &d);
	if (buf_failed(&d)) {
		err_set(e, "out of memory");
		goto out;
	}
	if (spool_has_event(inv, ev->time, ev->kind, d.data)) {
		rc = 0;
		goto out;
	}
	if (strcmp(ev->kind, SPOOL_REMINDER_SENT) == 0 &&
	    spool_apply_reminder(inv, ev, e) < 0)
		goto out;
	if (invoice_add_event(inv, ev->time, ev->kind, actor, "%s", d.data) <
	    0) {
		err_set(e, "out of memory");
		goto out;
	}
	spool_sort_last(inv);
	rc = 1;
out:
	buf_free(&d);
	return rc;
}

/* ---- applying an event to the state file ---- */

/* Read, change and write back the invoice NUMBER. */
static enum spool_result
spool_apply_one(struct store *st, const char *number,
                const struct spool_event *ev, struct err *e)
{
	struct invoice inv;
	enum store_rc rc;
	enum spool_result res = SPOOL_STORE_ERR;
	int changed;

	rc = ledger_get(st, number, &inv, e);
	if (rc == STORE_NOTFOUND) {
		err_set(e, "unknown invoice %s", number);
		invoice_free(&inv);
		return SPOOL_REJECTED;
	}
	if (rc != STORE_OK) {
		invoice_free(&inv);
		return SPOOL_STORE_ERR;
	}
	changed = spool_apply_invoice(&inv, ev, e);
	if (changed < 0)
		res = SPOOL_REJECTED;
	else if (changed == 0)
		res = SPOOL_DUPLICATE;
	else if (ledger_put(st, &inv, e) == STORE_OK)
		res = SPOOL_APPLIED;
	invoice_free(&inv);
	return res;
}

/* Every customer of the rcpt addresses of EV into CUSTOMERS. */
static enum store_rc
spool_customers(struct store *st, const struct spool_event *ev,
                struct strlist *customers, struct err *e)
{
	struct buf v = BUF_INIT;
	enum store_rc rc = STORE_OK;

	for (size_t i = 0; rc == STORE_OK && i < ev->keys.n; i++) {
		char *line, *next;

		if (strcmp(ev->keys.v[i], "rcpt") != 0)
			continue;
		rc = ledger_lookup(st, "adr:", ev->values.v[i], &v, e);
		if (rc == STORE_NOTFOUND) {
			rc = STORE_OK;
			continue;
		}
		for (line = v.data; rc == STORE_OK && line != NULL;
		     line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			if (*line != '\0' &&
			    spool_add_new(customers, line) < 0) {
				err_set(e, "out of memory");
				rc = STORE_ERR;
			}
		}
	}
	buf_free(&v);
	return rc;
}

static bool
spool_unpaid(enum invoice_state s)
{
	return s == INVOICE_OPEN || s == INVOICE_PAUSED ||
	       s == INVOICE_DISPUTED;
}

/* A contact for the invoices of CUSTOMER (from the customer index): every
 * unpaid one still of that customer. RES gathers what was done. */
static enum store_rc
spool_contact_customer(struct store *st, const char *customer,
                       const struct spool_event *ev, enum spool_result *res,
                       struct err *e)
{
	struct strlist numbers = STRLIST_INIT;
	enum store_rc rc;

	rc = ledger_customer_numbers(st, customer, &numbers, e);
	for (size_t i = 0; rc == STORE_OK && i < numbers.n; i++) {
		struct invoice inv;
		enum spool_result one;

		rc = ledger_get(st, numbers.v[i], &inv, e);
		if (rc == STORE_NOTFOUND) { /* set aside by fsck since */
			invoice_free(&inv);
			rc = STORE_OK;
			continue;
		}
		/* The index may still list an invoice whose customer has
		 * changed since (ledger.h): the record decides. */
		if (rc == STORE_OK && strcmp(inv.customer, customer) == 0 &&
		    spool_unpaid(inv.state)) {
			one = spool_apply_one(st, numbers.v[i], ev, e);
			if (one == SPOOL_STORE_ERR || one == SPOOL_REJECTED)
				*res = one;
			else if (*res == SPOOL_NOTHING ||
			         (*res == SPOOL_DUPLICATE &&
			          one == SPOOL_APPLIED))
				*res = one;
		}
		invoice_free(&inv);
		if (*res == SPOOL_STORE_ERR || *res == SPOOL_REJECTED)
			break;
	}
	strlist_clear(&numbers);
	return rc;
}

/* A contact: every unpaid invoice of the customers of the recipients,
 * found through the customer index (built here, once, on a state file
 * older than it: see ledger.h), so that its cost grows with the
 * customers' invoices, not with the whole file. */
static enum spool_result
spool_apply_contact(struct store *st, const struct spool_event *ev,
                    struct err *e)
{
	struct strlist customers = STRLIST_INIT;
	enum spool_result res = SPOOL_NOTHING;
	enum store_rc rc;

	rc = spool_customers(st, ev, &customers, e);
	if (rc == STORE_OK && customers.n > 0)
		rc = ledger_customer_index(st, NULL, e);
	for (size_t i = 0; rc == STORE_OK && i < customers.n; i++) {
		rc = spool_contact_customer(st, customers.v[i], ev, &res, e);
		if (res == SPOOL_STORE_ERR || res == SPOOL_REJECTED)
			break;
	}
	strlist_clear(&customers);
	return rc != STORE_OK ? SPOOL_STORE_ERR : res;
}

enum spool_result
spool_apply(struct store *st, const struct spool_event *ev, struct err *e)
{
	const char *number = spool_event_get(ev, "invoice");

	if (strcmp(ev->kind, SPOOL_CONTACT) == 0)
		return spool_apply_contact(st, ev, e);
	if (strcmp(ev->kind, SPOOL_REMINDER_SENT) != 0 &&
	    strcmp(ev->kind, SPOOL_REMINDER_HELD) != 0) {
		err_set(e, "unknown kind of event \"%s\"", ev->kind);
		return SPOOL_REJECTED;
	}
	if (number == NULL) {
		err_set(e, "%s event without an invoice", ev->kind);
		return SPOOL_REJECTED;
	}
	return spool_apply_one(st, number, ev, e);
}

/* ---- the directory ---- */

/* True for the name of a waiting event: "SECONDS.MICROS-RANDOM". */
static bool
spool_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SPOOL_NAME_MAX || name[0] < '0' || name[0] > '9')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		      (name[i] >= 'a' && name[i] <= 'f') || name[i] == '.' ||
		      name[i] == '-'))
			return false;
	return true;
}

static int
spool_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Write DATA[0..LEN) to PATH (new), fsynced. 0, or -1 (errno set). */
static int
spool_write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int saved;

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto fail;
		}
		data += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	return close(fd);
fail:
	saved = errno;
	close(fd);
	unlink(path);
	errno = saved;
	return -1;
}

int
spool_write(const char *dir, const struct spool_event *ev, struct err *e)
{
	struct buf text = BUF_INIT, tmp = BUF_INIT, name = BUF_INIT;
	struct timespec now;
	uint32_t r = 0;
	int rc = -1;

	spool_encode(ev, &text);
	if (buf_failed(&text)) {
		err_set(e, "out of memory");
		goto out;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_set(e, "%s: cannot create: %s", dir, strerror(errno));
		goto out;
	}
	for (int attempt = 0; attempt < 5 && rc < 0; attempt++) {
		clock_gettime(CLOCK_REALTIME, &now);
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r ^= (uint32_t)now.tv_nsec ^ (uint32_t)getpid();
		buf_reset(&name);
		buf_printf(&name, "%s/%010lld.%06ld-%08x", dir,
		           (long long)now.tv_sec, now.tv_nsec / 1000, r);
		buf_reset(&tmp);
		buf_printf(&tmp, "%s/.tmp-%010lld.%06ld-%08x", dir,
		           (long long)now.tv_sec, now.tv_nsec / 1000, r);
		if (buf_failed(&name) || buf_failed(&tmp)) {
			err_set(e, "out of memory");
			goto out;
		}
		if (spool_write_file(tmp.data, text.data, text.len) < 0) {
			err_set(e, "%s: cannot write: %s", tmp.data,
			        strerror(errno));
			goto out;
		}
		rc = link(tmp.data, name.data);
		if (rc < 0 && errno != EEXIST) {
			err_set(e, "%s: cannot link: %s", name.data,
			        strerror(errno));
			unlink(tmp.data);
			goto out;
		}
		unlink(tmp.data);
	}
	if (rc < 0)
		err_set(e, "%s: no free name", dir);
	else if (spool_fsync_dir(dir) < 0)
		rc = -1,
		err_set(e, "%s: cannot fsync: %s", dir, strerror(errno));
out:
	buf_free(&text);
	buf_free(&tmp);
	buf_free(&name);
	return rc;
}

/* The names of the waiting events in DIR, sorted, into NAMES. 0 (a
 * missing DIR is empty), or -1 with E set. */
static int
spool_list(const char *dir, struct strlist *names, struct err *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		err_set(e, "%s: cannot read: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (spool_name_valid(de->d_name) &&
		    strlist_add(names, de->d_name) < 0) {
			err_set(e, "out of memory");
			rc = -1;
			break;
		}
	closedir(d);
	strlist_sort(names);
	return rc;
}

long
spool_count(const char *dir, struct err *e)
{
	struct strlist names = STRLIST_INIT;
	long n = spool_list(dir, &names, e) < 0 ? -1 : (long)names.n;

	strlist_clear(&names);
	return n;
}

/* Read the event file DIR/NAME into EV. 0, or -1 with E set. */
static int
spool_read(const char *dir, const char *name, struct spool_event *ev,
           struct err *e)
{
	char path[4096], data[SPOOL_MAX_FILE + 1];
	size_t len = 0;
	ssize_t n;
	int fd;

	memset(ev, 0, sizeof(*ev));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err_set(e, "cannot read: %s", strerror(errno));
		return -1;
	}
	while (len < sizeof(data) &&
	       ((n = read(fd, data + len, sizeof(data) - len)) > 0 ||
	        (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	close(fd);
	return spool_decode(data, len, ev, e);
}

/* Move DIR/NAME to DIR/failed/NAME. */
static void
spool_fail(const char *dir, const char *name)
{
	char from[4096], to[4096];

	snprintf(to, sizeof(to), "%s/" SPOOL_FAILED, dir);
	(void)mkdir(to, 0700);
	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s/" SPOOL_FAILED "/%s", dir, name);
	if (rename(from, to) < 0)
		(void)unlink(from); /* never replay it again */
}

static void
spool_say(spool_log_fn log, void *arg, const char *name,
          const struct spool_event *ev, const char *what)
{
	char line[ERR_MAX + 256];
	const char *inv = ev->kind ? spool_event_get(ev, "invoice") : NULL;

	if (log == NULL)
		return;
	snprintf(line, sizeof(line), "spool %s: %s%s%s: %s", name,
	         ev->kind ? ev->kind : "?", inv ? " " : "", inv ? inv : "",
	         what);
	log(arg, line);
}

/* Apply the event file NAME inside the open transaction; moves it to
 * failed/ when it cannot be applied. Returns its result. */
static enum spool_result
spool_replay_one(const char *dir, const char *name, struct store *st,
                 spool_log_fn log, void *arg, struct spool_report *r,
                 struct err *e)
{
	static const char *const said[] = {"applied", "already recorded",
	                                   "no open invoice for these "
	                                   "recipients"};
	struct spool_event ev;
	struct err why;
	enum spool_result res;

	if (spool_read(dir, name, &ev, &why) < 0) {
		spool_say(log, arg, name, &ev, why.msg);
		spool_event_free(&ev);
		spool_fail(dir, name);
		r->failed++;
		return SPOOL_REJECTED;
	}
	res = spool_apply(st, &ev, &why);
	if (res == SPOOL_STORE_ERR) {
		*e = why;
	} else if (res == SPOOL_REJECTED) {
		char what[ERR_MAX + 32];

		snprintf(what, sizeof(what), "%s: moved to " SPOOL_FAILED "/",
		         why.msg);
		spool_say(log, arg, name, &ev, what);
		spool_fail(dir, name);
		r->failed++;
	} else {
		spool_say(log, arg, name, &ev, said[res]);
		r->applied += res == SPOOL_APPLIED;
		r->duplicates += res == SPOOL_DUPLICATE;
		r->nothing += res == SPOOL_NOTHING;
	}
	spool_event_free(&ev);
	return res;
}

enum store_rc
spool_replay(const char *dir, struct store *st, unsigned max, spool_log_fn log,
             void *arg, struct spool_report *r, struct err *e)
{
	struct strlist names = STRLIST_INIT, done = STRLIST_INIT;
	enum store_rc rc;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (spool_list(dir, &names, e) < 0)
		return STORE_ERR;
	if (names.n == 0)
		return STORE_OK;
	if ((rc = store_begin(st, STORE_WRITE, e)) != STORE_OK) {
		r->left = (unsigned)names.n;
		strlist_clear(&names);
		return rc;
	}
	for (i = 0; i < names.n && (max == 0 || i < max); i++) {
		enum spool_result res =
		    spool_replay_one(dir, names.v[i], st, log, arg, r, e);

		if (res == SPOOL_STORE_ERR) {
			rc = STORE_ERR;
			break;
		}
		if (res != SPOOL_REJECTED &&
		    strlist_add(&done, names.v[i]) < 0) {
			err_set(e, "out of memory");
			rc = STORE_ERR;
			break;
		}
	}
	if (rc == STORE_OK)
		rc = store_commit(st, e);
	else
		store_abort(st);
	if (rc == STORE_OK) {
		char path[4096];

		for (size_t k = 0; k < done.n; k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, done.v[k]);
			(void)unlink(path);
		}
		(void)spool_fsync_dir(dir);
		r->left = (unsigned)(names.n - i);
	} else {
		r->applied = r->duplicates = r->nothing = 0;
		r->left = (unsigned)(names.n - r->failed);
	}
	strlist_clear(&names);
	strlist_clear(&done);
	return rc;
}
