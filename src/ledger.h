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
 *
 * The invoice record is always written first and the indexes after it, so
 * a crash between two writes can only leave an index entry missing or
 * pointing nowhere, never an invoice without its record; ledger_fsck
 * rebuilds every index from the records.
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

/* ledger_fsck -- check every record and index entry; with REPAIR (the
 * transaction must be a write) fix what can be fixed: damaged records are
 * moved aside under "damaged:inv:NUMBER", indexes rebuilt from records.
 * One line per finding is appended to REPORT; *PROBLEMS counts them. */
enum store_rc ledger_fsck(struct store *st, bool repair,
			  struct strlist *report, unsigned *problems,
			  struct err *e);

#endif
