/*
 * ledger.h -- invoices and their indexes in the state file.
 *
 * The keys of the store (see store.h) and what they hold:
 *
 *	inv:NUMBER	the invoice record (invoice_encode), the truth
 *	trk:ID		tracking ID -> invoice numbers, one a line
 *	mid:MESSAGE-ID	Message-ID of a reminder -> invoice numbers, one a line
 *
 * A tracking ID or Message-ID names several invoices when one grouped
 * reminder (relance.policy(5) group-by-customer) was about them all: each
 * of them holds it, and a reply to it concerns them all.
 *	adr:ADDRESS	contact address (lower case) -> customer ids, one a line
 *	cus:CUSTOMER	customer id -> its invoice numbers, one a line, at
 *			most 128; then "cus:CUSTOMER\n1", "\n2"... hold
 *			the next 128 each (adding one rewrites one chunk)
 *	meta:cus-index	present once the cus: index is complete (see below)
 *
 * The invoice record is always written first and the indexes after it, so
 * a crash between two writes can only leave an index entry missing or
 * pointing nowhere, never an invoice without its record; ledger_fsck
 * rebuilds every index from the records.
 *
 * The customer index (cus:) only ever grows on ledger_put: an invoice
 * whose customer changes (an import that corrects it) stays listed under
 * its old customer too, and an invoice set aside by fsck stays listed. So
 * a cus: entry is a list of candidates: whoever reads it reads each
 * invoice and re-checks inv.customer, and skips numbers with no record.
 * ledger_fsck reports such stale entries and rewrites them exactly.
 *
 * State files written before the customer index existed have no cus:
 * keys, and ones written since may have some but not all. The marker
 * meta:cus-index says the index is complete; it is set only by
 * ledger_customer_index (after a full pass over the records), which
 * `relance import`, `relance fsck` and the first staff contact the milter
 * records call, so an upgrade needs no manual step: the first of them
 * pays for one pass over the file, once. Without the marker,
 * ledger_customer_numbers falls back to that pass, and ledger_fsck does
 * not check the cus: entries (there is nothing to trust yet).
 *
 * All functions run inside a transaction the caller began (store_begin).
 */
#ifndef RELANCE_LEDGER_H
#define RELANCE_LEDGER_H

#include <stdbool.h>

#include "invoice.h"
#include "store.h"

/* ledger_get -- the invoice NUMBER into INV (which must be free). STORE_OK,
 * STORE_NOTFOUND, or STORE_ERR (also for a damaged record, E says which). */
enum store_rc ledger_get(struct store *st, const char *number,
                         struct invoice *inv, struct err *e);

/* ledger_put -- write INV, then its index entries. */
enum store_rc ledger_put(struct store *st, const struct invoice *inv,
                         struct err *e);

/* ledger_numbers -- every invoice number, sorted, appended to OUT. */
enum store_rc ledger_numbers(struct store *st, struct strlist *out,
                             struct err *e);

/* What ledger_walk calls for each invoice: INV, decoded, borrowed until
 * it returns (invoice_copy to keep it); or INV NULL and DAMAGED saying
 * which record cannot be decoded. Runs outside any transaction. Returns
 * 0 to go on, anything else to stop the walk. */
typedef int (*ledger_walk_fn)(const struct invoice *inv,
                              const struct err *damaged, void *arg);

/*
 * ledger_walk -- call FN for every invoice, BATCH records per read
 * transaction (0: store_walk's default): the one way to read them all
 * without holding the file, or memory, for the whole walk. Unlike the
 * other functions here it runs outside a transaction. Order and
 * guarantee are store_walk's: every invoice that exists for the whole
 * walk is seen exactly once, in the state file's (hash) order. Returns
 * STORE_OK, STORE_BUSY or STORE_ERR (E set), or FN's non-zero result.
 */
int ledger_walk(struct store *st, size_t batch, ledger_walk_fn fn, void *arg,
                struct err *e);

/* ledger_lookup -- the value of index entry PREFIX KEY ("trk:", "mid:",
 * "adr:") into OUT. STORE_OK, STORE_NOTFOUND or STORE_ERR. */
enum store_rc ledger_lookup(struct store *st, const char *prefix,
                            const char *key, struct buf *out, struct err *e);

/* ledger_customer_numbers -- the numbers of the invoices of CUSTOMER,
 * appended to OUT, sorted: candidates, which the caller re-checks (see
 * above: a number may now belong to another customer, or have no record).
 * Reads cus:CUSTOMER when the index is complete; otherwise (no marker)
 * reads every invoice record, skipping damaged ones. STORE_OK (OUT may
 * be unchanged: no invoice) or STORE_ERR. */
enum store_rc ledger_customer_numbers(struct store *st, const char *customer,
                                      struct strlist *out, struct err *e);

/* ledger_customer_index -- make sure the customer index is complete:
 * when meta:cus-index is missing, add every invoice to the cus: entry of
 * its customer (one pass over the records; what the entries list already
 * is kept, so that an invoice whose record is damaged stays listed and
 * its readers meet the damage; fsck makes the entries exact) and set the
 * marker. A write transaction is needed (a read one will do once the
 * marker is set). *BUILT (may be NULL) tells whether it had to. STORE_OK
 * or STORE_ERR. */
enum store_rc ledger_customer_index(struct store *st, bool *built,
                                    struct err *e);

/* ledger_fsck -- check every record and index entry; with REPAIR (the
 * transaction must be a write) fix what can be fixed: damaged records are
 * moved aside under "damaged:inv:NUMBER", indexes rebuilt from records.
 * One line per finding is appended to REPORT; *PROBLEMS counts them.
 * A customer index never built (a file older than it, see above) is not
 * a finding: a line says so and, with REPAIR, that it was built. */
enum store_rc ledger_fsck(struct store *st, bool repair, struct strlist *report,
                          unsigned *problems, struct err *e);

#endif
