/*
 * test_spool.c -- events: their file form, how they change an invoice,
 * and the spool directory, replayed into a real gdbm file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ledger.h"
#include "spool.h"

#define ID_A "R-78DQS6A24"
#define ID_B "R-04106105X"

struct fixture {
	char dir[64];
	char path[96];
	char spool[96];
	struct store *st;
	struct strlist log;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/relance-spool-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/state.db", f->dir);
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	f->st = store_new(f->path, 200);
	assert_non_null(f->st);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_free(f->st);
	strlist_clear(&f->log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
make(struct invoice *inv, const char *number, const char *customer,
     const char *contact)
{
	invoice_init(inv);
	inv->number = strdup(number);
	inv->customer = strdup(customer);
	strlist_add(&inv->contacts, contact);
	inv->lang = strdup("fr");
	inv->profile = strdup("default");
	strcpy(inv->currency, "EUR");
	inv->amount_due = inv->amount_original = 10000;
	inv->issue_date = (struct date){2026, 10, 1};
	inv->due_date = (struct date){2026, 10, 31};
	invoice_add_event(inv, 1790000000, "imported", "relance import",
	                  "imported from test.csv");
}

/* Store a new invoice NUMBER of CUSTOMER with CONTACT, in STATE. */
static void
put(struct fixture *f, const char *number, const char *customer,
    const char *contact, enum invoice_state state)
{
	struct invoice inv;
	struct err e;

	make(&inv, number, customer, contact);
	inv.state = state;
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(ledger_put(f->st, &inv, &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	invoice_free(&inv);
}

static void
get(struct fixture *f, const char *number, struct invoice *inv)
{
	struct err e;

	assert_int_equal(store_begin(f->st, STORE_READ, &e), STORE_OK);
	assert_int_equal(ledger_get(f->st, number, inv, &e), STORE_OK);
	store_abort(f->st);
}

/* A reminder-sent event for NUMBER at TIME. */
static void
reminder(struct spool_event *ev, const char *number, int64_t time,
         const char *step)
{
	assert_int_equal(spool_event_init(ev, SPOOL_REMINDER_SENT, time), 0);
	assert_int_equal(spool_event_add(ev, "invoice", number), 0);
	assert_int_equal(spool_event_add(ev, "actor", "relance-milter"), 0);
	assert_int_equal(spool_event_add(ev, "detail", step), 0);
	assert_int_equal(spool_event_add(ev, "step", step), 0);
	assert_int_equal(spool_event_add(ev, "date", "2026-11-23"), 0);
	assert_int_equal(spool_event_add(ev, "tracking-id", ID_A), 0);
	assert_int_equal(spool_event_add(ev, "message-id", "<m@example.com>"),
	                 0);
}

static void
collect(void *arg, const char *line)
{
	assert_int_equal(strlist_add(arg, line), 0);
}

static void
assert_decode_error(const char *text, const char *want)
{
	struct spool_event ev;
	struct err e;

	memset(&ev, 0, sizeof(ev));
	assert_int_equal(spool_decode(text, strlen(text), &ev, &e), -1);
	assert_string_equal(e.msg, want);
	spool_event_free(&ev);
}

/* ---- the file form ---- */

static void
test_encode_escapes_and_decode_reads_back(void **state)
{
	struct spool_event ev, back;
	struct buf b = BUF_INIT;
	struct err e;

	assert_int_equal(spool_event_init(&ev, "contact", 1795426200), 0);
	assert_int_equal(spool_event_add(&ev, "rcpt", "a@x.example"), 0);
	assert_int_equal(spool_event_add(&ev, "rcpt", "b@x.example"), 0);
	assert_int_equal(
	    spool_event_add(&ev, "detail", "Subject \"Réf\"\\\n\r\x01 ok"), 0);
	spool_encode(&ev, &b);
	assert_string_equal(buf_cstr(&b),
	                    "relance-spool 1\n"
	                    "kind contact\n"
	                    "time 1795426200\n"
	                    "rcpt a@x.example\n"
	                    "rcpt b@x.example\n"
	                    "detail Subject \"Réf\"\\\\\\n\\r\\x01 ok\n"
	                    "end\n");
	memset(&back, 0, sizeof(back));
	assert_int_equal(spool_decode(b.data, b.len, &back, &e), 0);
	assert_string_equal(back.kind, "contact");
	assert_int_equal(back.time, 1795426200);
	assert_int_equal(back.keys.n, 3);
	assert_string_equal(back.values.v[1], "b@x.example");
	assert_string_equal(spool_event_get(&back, "detail"),
	                    "Subject \"Réf\"\\\n\r\x01 ok");
	assert_null(spool_event_get(&back, "invoice"));
	spool_event_free(&ev);
	spool_event_free(&back);
	buf_free(&b);
}

static void
test_decode_refuses_damaged_files(void **state)
{
	assert_decode_error("relance-spool 2\nend\n",
	                    "line 1: not a relance spool file (expected "
	                    "\"relance-spool 1\")");
	assert_decode_error("relance-spool 1\nkind contact\ntime 5\n",
	                    "no \"end\" line: cut short");
	assert_decode_error("relance-spool 1\nkind contact\ntime 5\nend",
	                    "line 4: not a complete line");
	assert_decode_error("relance-spool 1\nkind a\ntime 5\nend\nx y\n",
	                    "line 5: text after \"end\"");
	assert_decode_error("relance-spool 1\nkind a\nkind b\n",
	                    "line 3: bad or repeated kind");
	assert_decode_error("relance-spool 1\ntime -5\n",
	                    "line 2: bad or repeated time");
	assert_decode_error("relance-spool 1\nDetail x\n",
	                    "line 2: bad field name");
	assert_decode_error("relance-spool 1\ndetail a\\q\n",
	                    "line 2: bad value of detail");
	assert_decode_error("relance-spool 1\ndetail a\\x00\n",
	                    "line 2: bad value of detail");
	assert_decode_error("relance-spool 1\ndetail\n",
	                    "line 2: bad value of detail");
	assert_decode_error("relance-spool 1\nkind a\nend\n",
	                    "no kind or no time");
}

/* ---- events on an invoice ---- */

static void
test_reminder_sent_records_id_message_id_and_step(void **state)
{
	struct invoice inv;
	struct spool_event ev;
	struct err e;

	make(&inv, "F1", "C1", "a@x.example");
	reminder(&ev, "F1", 1795426200, "reminder-1");
	assert_int_equal(spool_apply_invoice(&inv, &ev, &e), 1);
	assert_int_equal(inv.tracking_ids.n, 1);
	assert_string_equal(inv.tracking_ids.v[0], ID_A);
	assert_string_equal(inv.message_ids.v[0], "<m@example.com>");
	assert_string_equal(inv.last_step, "reminder-1");
	assert_int_equal(inv.last_step_date.day, 23);
	assert_int_equal(inv.nevents, 2);
	assert_string_equal(inv.events[1].kind, "reminder-sent");
	assert_string_equal(inv.events[1].actor, "relance-milter");
	assert_string_equal(inv.events[1].detail, "reminder-1");
	/* the same event again changes nothing */
	assert_int_equal(spool_apply_invoice(&inv, &ev, &e), 0);
	assert_int_equal(inv.nevents, 2);
	assert_int_equal(inv.tracking_ids.n, 1);
	spool_event_free(&ev);
	invoice_free(&inv);
}

static void
test_late_event_takes_its_place_in_time(void **state)
{
	struct invoice inv;
	struct spool_event one, two;
	struct err e;

	make(&inv, "F1", "C1", "a@x.example");
	reminder(&two, "F1", 1795500000, "reminder-2");
	reminder(&one, "F1", 1795426200, "reminder-1");
	assert_int_equal(spool_apply_invoice(&inv, &two, &e), 1);
	assert_int_equal(spool_apply_invoice(&inv, &one, &e), 1);
	assert_int_equal(inv.nevents, 3);
	assert_string_equal(inv.events[1].detail, "reminder-1");
	assert_string_equal(inv.events[2].detail, "reminder-2");
	/* the later step stays the last one */
	assert_string_equal(inv.last_step, "reminder-2");
	spool_event_free(&one);
	spool_event_free(&two);
	invoice_free(&inv);
}

static void
test_malformed_event_changes_nothing(void **state)
{
	struct invoice inv;
	struct spool_event ev;
	struct err e;

	make(&inv, "F1", "C1", "a@x.example");
	assert_int_equal(spool_event_init(&ev, SPOOL_REMINDER_SENT, 5), 0);
	assert_int_equal(spool_event_add(&ev, "actor", "x"), 0);
	assert_int_equal(spool_apply_invoice(&inv, &ev, &e), -1);
	assert_string_equal(e.msg, "reminder-sent event without actor, "
	                           "detail or time");
	assert_int_equal(spool_event_add(&ev, "detail", "d"), 0);
	assert_int_equal(spool_event_add(&ev, "tracking-id", "R-XXXXXXXXX"), 0);
	assert_int_equal(spool_apply_invoice(&inv, &ev, &e), -1);
	assert_string_equal(e.msg, "malformed reminder-sent event for invoice "
	                           "F1");
	assert_int_equal(inv.nevents, 1);
	assert_int_equal(inv.tracking_ids.n, 0);
	spool_event_free(&ev);
	invoice_free(&inv);
}

static void
test_long_detail_is_cut_between_characters(void **state)
{
	struct invoice inv;
	struct spool_event ev;
	struct err e;
	char detail[INVOICE_MAX_DETAIL + 8];

	memset(detail, 'x', INVOICE_MAX_DETAIL - 1);
	strcpy(detail + INVOICE_MAX_DETAIL - 1, "éééé");
	make(&inv, "F1", "C1", "a@x.example");
	assert_int_equal(spool_event_init(&ev, SPOOL_REMINDER_HELD, 7), 0);
	assert_int_equal(spool_event_add(&ev, "actor", "relance-milter"), 0);
	assert_int_equal(spool_event_add(&ev, "detail", detail), 0);
	assert_int_equal(spool_apply_invoice(&inv, &ev, &e), 1);
	assert_int_equal(strlen(inv.events[0].detail), INVOICE_MAX_DETAIL - 1);
	/* the event went first: its time is before the import's */
	assert_string_equal(inv.events[0].kind, "reminder-held");
	assert_int_equal(spool_apply_invoice(&inv, &ev, &e), 0);
	spool_event_free(&ev);
	invoice_free(&inv);
}

/* ---- events on the state file ---- */

static void
test_apply_reminder_to_the_state_file(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct invoice inv;
	struct buf v = BUF_INIT;
	struct err e;

	put(f, "F1", "C1", "a@x.example", INVOICE_OPEN);
	reminder(&ev, "F1", 1795426200, "reminder-1");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_APPLIED);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_DUPLICATE);
	assert_int_equal(ledger_lookup(f->st, "trk:", ID_A, &v, &e), STORE_OK);
	assert_string_equal(buf_cstr(&v), "F1");
	assert_int_equal(
	    ledger_lookup(f->st, "mid:", "<m@example.com>", &v, &e), STORE_OK);
	assert_string_equal(buf_cstr(&v), "F1");
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	get(f, "F1", &inv);
	assert_string_equal(inv.last_step, "reminder-1");
	invoice_free(&inv);
	spool_event_free(&ev);
	buf_free(&v);
}

static void
test_apply_refuses_unknown_invoices_and_kinds(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct err e;

	reminder(&ev, "F404", 1795426200, "reminder-1");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_REJECTED);
	assert_string_equal(e.msg, "unknown invoice F404");
	free(ev.kind);
	ev.kind = strdup("paid");
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_REJECTED);
	assert_string_equal(e.msg, "unknown kind of event \"paid\"");
	store_abort(f->st);
	spool_event_free(&ev);
}

static void
test_contact_goes_to_unpaid_invoices_of_the_customer(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct invoice inv;
	struct err e;

	put(f, "F1", "C1", "compta@dupont.example", INVOICE_OPEN);
	put(f, "F2", "C1", "compta@dupont.example", INVOICE_PAID);
	put(f, "F3", "C1", "other@dupont.example", INVOICE_DISPUTED);
	put(f, "F4", "C2", "ap@acme.example", INVOICE_OPEN);
	assert_int_equal(spool_event_init(&ev, SPOOL_CONTACT, 1795426200), 0);
	spool_event_add(&ev, "actor", "relance-milter");
	spool_event_add(&ev, "detail", "mail from alice@example.com");
	spool_event_add(&ev, "rcpt", "nobody@example.org");
	spool_event_add(&ev, "rcpt", "Compta@Dupont.Example");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_APPLIED);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_DUPLICATE);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	get(f, "F1", &inv);
	assert_int_equal(inv.nevents, 2);
	assert_string_equal(inv.events[1].kind, "contact");
	assert_string_equal(inv.events[1].detail,
	                    "mail from alice@example.com");
	invoice_free(&inv);
	get(f, "F2", &inv);
	assert_int_equal(inv.nevents, 1);
	invoice_free(&inv);
	get(f, "F3", &inv);
	assert_int_equal(inv.nevents, 2);
	invoice_free(&inv);
	get(f, "F4", &inv);
	assert_int_equal(inv.nevents, 1);
	invoice_free(&inv);
	spool_event_free(&ev);
}

/* A contact event from staff to the address RCPT. */
static void
contact(struct spool_event *ev, const char *rcpt)
{
	assert_int_equal(spool_event_init(ev, SPOOL_CONTACT, 1795426200), 0);
	assert_int_equal(spool_event_add(ev, "actor", "relance-milter"), 0);
	assert_int_equal(spool_event_add(ev, "detail", "mail from alice"), 0);
	assert_int_equal(spool_event_add(ev, "rcpt", rcpt), 0);
}

static void
raw_put(struct fixture *f, const char *key, const char *val)
{
	struct err e;

	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_put(f->st, key, val, strlen(val), &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
}

static void
test_contact_reads_only_the_invoices_of_the_customer(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct invoice inv;
	struct err e;

	put(f, "F1", "C1", "compta@dupont.example", INVOICE_OPEN);
	put(f, "F2", "C2", "ap@acme.example", INVOICE_OPEN);
	/* Another customer's record is damaged: scanning every invoice
	 * would stop there; the customer index never reads it. */
	raw_put(f, "inv:F0", "relance-invoice\t1\nnumber\tF0\nbogus\n");
	contact(&ev, "compta@dupont.example");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_APPLIED);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	get(f, "F1", &inv);
	assert_int_equal(inv.nevents, 2);
	assert_string_equal(inv.events[1].kind, "contact");
	invoice_free(&inv);
	get(f, "F2", &inv);
	assert_int_equal(inv.nevents, 1);
	invoice_free(&inv);
	spool_event_free(&ev);
}

static void
test_contact_skips_invoices_that_changed_customer(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct invoice inv;
	struct err e;

	put(f, "F1", "C1", "compta@dupont.example", INVOICE_OPEN);
	put(f, "F2", "C1", "compta@dupont.example", INVOICE_OPEN);
	put(f, "F3", "C1", "compta@dupont.example", INVOICE_OPEN);
	/* F2 now belongs to C2 (cus:C1 still lists it), F3 was set aside
	 * by fsck (cus:C1 still lists it too). */
	put(f, "F2", "C2", "ap@acme.example", INVOICE_OPEN);
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(f->st, "inv:F3", &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	contact(&ev, "compta@dupont.example");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_APPLIED);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	get(f, "F1", &inv);
	assert_int_equal(inv.nevents, 2);
	invoice_free(&inv);
	get(f, "F2", &inv);
	assert_int_equal(inv.nevents, 1);
	invoice_free(&inv);
	spool_event_free(&ev);
}

static void
test_contact_builds_the_index_of_an_older_file(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct invoice inv;
	struct buf v = BUF_INIT;
	struct err e;

	put(f, "F1", "C1", "compta@dupont.example", INVOICE_OPEN);
	put(f, "F2", "C1", "compta@dupont.example", INVOICE_PAID);
	/* As written before the customer index existed. */
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(f->st, "cus:C1", &e), STORE_OK);
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	contact(&ev, "compta@dupont.example");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_APPLIED);
	assert_int_equal(ledger_lookup(f->st, "cus:", "C1", &v, &e), STORE_OK);
	assert_string_equal(buf_cstr(&v), "F1\nF2");
	assert_int_equal(store_commit(f->st, &e), STORE_OK);
	get(f, "F1", &inv);
	assert_int_equal(inv.nevents, 2);
	invoice_free(&inv);
	get(f, "F2", &inv);
	assert_int_equal(inv.nevents, 1);
	invoice_free(&inv);
	spool_event_free(&ev);
	buf_free(&v);
}

static void
test_contact_on_a_damaged_invoice_of_the_customer_fails(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct err e;

	put(f, "F1", "C1", "compta@dupont.example", INVOICE_OPEN);
	raw_put(f, "inv:F1", "damaged");
	contact(&ev, "compta@dupont.example");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_STORE_ERR);
	assert_non_null(strstr(e.msg, "invoice F1: damaged record"));
	store_abort(f->st);
	spool_event_free(&ev);
}

static void
test_contact_with_no_known_address_does_nothing(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct err e;

	put(f, "F1", "C1", "compta@dupont.example", INVOICE_OPEN);
	assert_int_equal(spool_event_init(&ev, SPOOL_CONTACT, 1795426200), 0);
	spool_event_add(&ev, "actor", "relance-milter");
	spool_event_add(&ev, "detail", "mail");
	spool_event_add(&ev, "rcpt", "nobody@example.org");
	assert_int_equal(store_begin(f->st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(spool_apply(f->st, &ev, &e), SPOOL_NOTHING);
	store_abort(f->st);
	spool_event_free(&ev);
}

/* ---- the spool directory ---- */

static void
test_written_events_are_replayed_in_order(void **state)
{
	struct fixture *f = *state;
	struct spool_event one, two, bad;
	struct spool_report r;
	struct invoice inv;
	struct err e;
	char failed[160];
	struct stat sb;

	put(f, "F1", "C1", "a@x.example", INVOICE_OPEN);
	reminder(&one, "F1", 1795426200, "reminder-1");
	reminder(&bad, "F404", 1795426201, "reminder-1");
	reminder(&two, "F1", 1795500000, "reminder-2");
	assert_int_equal(spool_count(f->spool, &e), 0);
	assert_int_equal(spool_write(f->spool, &one, &e), 0);
	assert_int_equal(spool_write(f->spool, &bad, &e), 0);
	assert_int_equal(spool_write(f->spool, &two, &e), 0);
	assert_int_equal(stat(f->spool, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(spool_count(f->spool, &e), 3);
	assert_int_equal(
	    spool_replay(f->spool, f->st, 0, collect, &f->log, &r, &e),
	    STORE_OK);
	assert_int_equal(r.applied, 2);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.left, 0);
	assert_int_equal(f->log.n, 3);
	assert_true(strstr(f->log.v[0], ": reminder-sent F1: applied") != NULL);
	assert_true(strstr(f->log.v[1],
	                   ": reminder-sent F404: unknown "
	                   "invoice F404: moved to failed/") != NULL);
	assert_int_equal(spool_count(f->spool, &e), 0);
	snprintf(failed, sizeof(failed), "%s/failed", f->spool);
	assert_int_equal(spool_count(failed, &e), 1);
	get(f, "F1", &inv);
	assert_int_equal(inv.nevents, 3);
	assert_string_equal(inv.last_step, "reminder-2");
	invoice_free(&inv);
	/* nothing left: a second replay does nothing */
	assert_int_equal(
	    spool_replay(f->spool, f->st, 0, collect, &f->log, &r, &e),
	    STORE_OK);
	assert_int_equal(r.applied + r.failed + r.left, 0);
	spool_event_free(&one);
	spool_event_free(&two);
	spool_event_free(&bad);
}

static void
test_replay_takes_at_most_max(void **state)
{
	struct fixture *f = *state;
	struct spool_event one, two;
	struct spool_report r;
	struct err e;

	put(f, "F1", "C1", "a@x.example", INVOICE_OPEN);
	reminder(&one, "F1", 1795426200, "reminder-1");
	reminder(&two, "F1", 1795500000, "reminder-2");
	assert_int_equal(spool_write(f->spool, &one, &e), 0);
	assert_int_equal(spool_write(f->spool, &two, &e), 0);
	assert_int_equal(spool_replay(f->spool, f->st, 1, NULL, NULL, &r, &e),
	                 STORE_OK);
	assert_int_equal(r.applied, 1);
	assert_int_equal(r.left, 1);
	assert_int_equal(spool_count(f->spool, &e), 1);
	spool_event_free(&one);
	spool_event_free(&two);
}

static void
test_damaged_file_is_moved_aside(void **state)
{
	struct fixture *f = *state;
	struct spool_report r;
	struct err e;
	char path[160];
	FILE *fp;

	put(f, "F1", "C1", "a@x.example", INVOICE_OPEN);
	assert_int_equal(mkdir(f->spool, 0700), 0);
	snprintf(path, sizeof(path), "%s/1795426200.000001-0000abcd", f->spool);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("relance-spool 1\nkind reminder-sent\n", fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/.tmp-1795426200.000002-00000000",
	         f->spool);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(spool_count(f->spool, &e), 1);
	assert_int_equal(
	    spool_replay(f->spool, f->st, 0, collect, &f->log, &r, &e),
	    STORE_OK);
	assert_int_equal(r.failed, 1);
	assert_string_equal(f->log.v[0], "spool 1795426200.000001-0000abcd: "
	                                 "reminder-sent: no \"end\" line: cut "
	                                 "short");
	assert_int_equal(spool_count(f->spool, &e), 0);
}

static void
test_busy_state_file_keeps_the_events(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct spool_report r;
	struct err e;
	int ready[2], go[2];
	char c;
	pid_t pid;

	put(f, "F1", "C1", "a@x.example", INVOICE_OPEN);
	reminder(&ev, "F1", 1795426200, "reminder-1");
	assert_int_equal(spool_write(f->spool, &ev, &e), 0);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *st = store_new(f->path, 200);

		if (store_begin(st, STORE_WRITE, &e) != STORE_OK)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		(void)!read(go[0], &c, 1);
		store_abort(st);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(spool_replay(f->spool, f->st, 0, NULL, NULL, &r, &e),
	                 STORE_BUSY);
	assert_true(strstr(e.msg, "state file busy") != NULL);
	assert_int_equal(r.left, 1);
	assert_int_equal(spool_count(f->spool, &e), 1);
	assert_int_equal(write(go[1], "x", 1), 1);
	waitpid(pid, NULL, 0);
	assert_int_equal(spool_replay(f->spool, f->st, 0, NULL, NULL, &r, &e),
	                 STORE_OK);
	assert_int_equal(r.applied, 1);
	assert_int_equal(spool_count(f->spool, &e), 0);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	spool_event_free(&ev);
}

static void
test_write_says_why_it_failed(void **state)
{
	struct fixture *f = *state;
	struct spool_event ev;
	struct err e;
	char dir[160];

	snprintf(dir, sizeof(dir), "%s/missing/spool", f->dir);
	reminder(&ev, "F1", 1795426200, "reminder-1");
	assert_int_equal(spool_write(dir, &ev, &e), -1);
	assert_true(strstr(e.msg, "/missing/spool: cannot create: No such "
	                          "file or directory") != NULL);
	spool_event_free(&ev);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode_escapes_and_decode_reads_back),
	    cmocka_unit_test(test_decode_refuses_damaged_files),
	    cmocka_unit_test(test_reminder_sent_records_id_message_id_and_step),
	    cmocka_unit_test(test_late_event_takes_its_place_in_time),
	    cmocka_unit_test(test_malformed_event_changes_nothing),
	    cmocka_unit_test(test_long_detail_is_cut_between_characters),
	    T(test_apply_reminder_to_the_state_file),
	    T(test_apply_refuses_unknown_invoices_and_kinds),
	    T(test_contact_goes_to_unpaid_invoices_of_the_customer),
	    T(test_contact_with_no_known_address_does_nothing),
	    T(test_contact_reads_only_the_invoices_of_the_customer),
	    T(test_contact_skips_invoices_that_changed_customer),
	    T(test_contact_builds_the_index_of_an_older_file),
	    T(test_contact_on_a_damaged_invoice_of_the_customer_fails),
	    T(test_written_events_are_replayed_in_order),
	    T(test_replay_takes_at_most_max),
	    T(test_damaged_file_is_moved_aside),
	    T(test_busy_state_file_keeps_the_events),
	    T(test_write_says_why_it_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
