/*
 * store.h -- the one gdbm file that holds relance's state.
 *
 * This module owns the file: nobody else calls gdbm. gdbm allows one
 * writer or many readers and never waits, and two handles in one process
 * conflict, so every access is a short transaction: take the process-wide
 * mutex, open the file (retrying lock conflicts with jittered backoff for
 * a bounded time), work, close, release. A second process, or a second
 * thread, simply waits its turn; past the budget the caller gets
 * STORE_BUSY and a clear message, never a hang.
 *
 * The store is a key/value map of byte strings; what keys mean is the
 * caller's business (see ledger.h). There is no rollback: callers validate
 * everything before they begin a write transaction, and order their writes
 * so that a crash between two of them leaves a state fsck can repair.
 */
#ifndef RELANCE_STORE_H
#define RELANCE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "strlist.h"

enum store_rc {
	STORE_OK = 0,
	STORE_NOTFOUND = 1, /* store_get, store_del: no such key */
	STORE_ERR = -1,     /* I/O, corruption, no memory: see the err */
	STORE_BUSY = -2,    /* still locked by others after the retry budget */
};

enum store_mode {
	STORE_READ,
	STORE_WRITE, /* creates the file (mode 0600) if missing */
};

struct store;

/* store_new -- a handle on the state file PATH (copied); nothing is opened
 * yet. BUDGET_MS bounds the time spent retrying a locked file in
 * store_begin (0: a default of 5000 ms). NULL on no memory. */
struct store *store_new(const char *path, unsigned budget_ms);

/* store_free -- release the handle (aborting an open transaction). */
void store_free(struct store *st);

/* store_path -- the file's path, borrowed. */
const char *store_path(const struct store *st);

/* store_begin -- start a transaction: lock the process-wide mutex, then
 * open the file in MODE, retrying lock conflicts. A STORE_READ of a file
 * that does not exist yet succeeds and behaves as empty. Returns STORE_OK,
 * STORE_BUSY or STORE_ERR (E says which file and why). */
enum store_rc store_begin(struct store *st, enum store_mode mode,
                          struct err *e);

/* store_get -- the value of KEY into VAL (reset first). STORE_OK,
 * STORE_NOTFOUND or STORE_ERR. */
enum store_rc store_get(struct store *st, const char *key, struct buf *val,
                        struct err *e);

/* store_put -- set KEY to VAL[0..LEN) (write transactions only). */
enum store_rc store_put(struct store *st, const char *key, const char *val,
                        size_t len, struct err *e);

/* store_del -- remove KEY: STORE_OK, STORE_NOTFOUND or STORE_ERR. */
enum store_rc store_del(struct store *st, const char *key, struct err *e);

/* store_keys -- append every key starting with PREFIX to KEYS, sorted.
 * Collect first, then get/put/del: never change the file while walking. */
enum store_rc store_keys(struct store *st, const char *prefix,
                         struct strlist *keys, struct err *e);

/* What store_walk calls for each record: KEY and its value
 * VAL[0..LEN), borrowed until it returns. It runs outside any transaction
 * (it may begin its own, read or write, on the same handle). Returns 0 to
 * go on, anything else to stop the walk (store_walk then returns it). */
typedef int (*store_walk_fn)(const char *key, const char *val, size_t len,
                             void *arg);

/*
 * store_walk -- call FN for every key starting with PREFIX, BATCH records
 * (0: a default of 1024) per read transaction, releasing the file between
 * batches so that writers (relance-milter) wait at most one batch.
 *
 * How: one read transaction lists the matching keys into an anonymous
 * temporary file (tmpfile(3): memory does not grow with the number of
 * keys); then each batch, in its own read transaction, fetches its keys
 * by name and copies the records; FN is called on them after that
 * transaction ends. gdbm_nextkey is never carried from one transaction
 * to the next: a writer in between may split a bucket or, deleting a key,
 * move the keys after it in the bucket, and a cursor kept across that
 * would skip keys or see some twice.
 *
 * The guarantee: every key that exists for the whole walk is seen exactly
 * once, with its value as of its batch; a key created during the walk is
 * not seen (the listing is done), one deleted during it may or may not
 * be. Order: gdbm's hash order (stable for an unchanged file, not
 * meaningful). Must be called outside a transaction. Returns STORE_OK,
 * STORE_BUSY or STORE_ERR (E set), or FN's non-zero result.
 */
int store_walk(struct store *st, const char *prefix, size_t batch,
               store_walk_fn fn, void *arg, struct err *e);

/* store_commit -- end a transaction: for writes, flush to disk (one fsync,
 * by gdbm_close); close; release the mutex. STORE_OK or STORE_ERR. */
enum store_rc store_commit(struct store *st, struct err *e);

/* store_abort -- end a transaction without flushing (close, release). */
void store_abort(struct store *st);

/* A piece of work for store_write_shared: reads and writes through ST (a
 * write transaction is open on it), returns STORE_OK or an error with E
 * set. */
typedef enum store_rc (*store_job_fn)(struct store *st, void *arg,
                                      struct err *e);

/*
 * store_write_shared -- run FN(ST', ARG, E') in a write transaction that
 * may be shared with the jobs of other threads of this process (group
 * commit): while one thread holds the file, the others queue their jobs,
 * and the next of them to run takes the whole queue into one transaction,
 * so that N concurrent writers cost one open and one fsync, not N. The
 * job may run in another thread, on another handle ST': it must use only
 * the handle it is given and must not block. Returns FN's result when the
 * transaction committed, the begin or commit error otherwise (E set):
 * then none of the batch's writes can be trusted to be on disk, and the
 * caller keeps what it meant to write (there is no rollback: a job
 * validates before writing, as with store_begin). Without concurrent
 * writers, the same as store_begin, FN and store_commit.
 */
enum store_rc store_write_shared(struct store *st, store_job_fn fn, void *arg,
                                 struct err *e);

/*
 * store_write_shared_synced -- store_write_shared, for a job whose files
 * (written but not fsynced) must be on disk before its writes are: SYNC_FD
 * is a descriptor on their file system (-1: none). The batch's leader
 * flushes each such file system once (syncfs), before the commit, so that
 * N jobs cost one flush, not N fsyncs. A flush that fails fails the jobs
 * that asked for it (STORE_ERR, E says why); the others commit.
 */
enum store_rc store_write_shared_synced(struct store *st, store_job_fn fn,
                                        void *arg, int sync_fd, struct err *e);

/*
 * store_room -- is there room for about NEED more bytes on the file system
 * of the state file (in the free space an unprivileged process may use)?
 * STORE_OK, or STORE_ERR with E saying how much is needed and free. A
 * writer that cannot roll back (relance import writes thousands of
 * records in one transaction) asks first, so that a full disk refuses it
 * whole rather than halfway. Not a guarantee: others may fill the disk
 * meanwhile. A file system that cannot say (statvfs fails) is assumed to
 * have room.
 */
enum store_rc store_room(const struct store *st, uint64_t need, struct err *e);

/* store_backup -- dump the whole file, as gdbm's portable ASCII dump
 * format, to DEST (written to DEST.tmp, fsynced, renamed). Takes a read
 * transaction, so it works while the milter runs. */
enum store_rc store_backup(struct store *st, const char *dest, struct err *e);

/* store_restore -- replace the file's contents with the dump in SRC:
 * loaded into a fresh file beside the state file, fsynced, then renamed
 * over it while holding the write lock on the old one (also when gdbm
 * cannot open the old one at all: damaged header, zero bytes). */
enum store_rc store_restore(struct store *st, const char *src, struct err *e);

/* store_recover -- check the file's structure (gdbm_recover), repairing
 * it in place when it is damaged; the original is kept as PATH.bak.N.
 * Appends one human-readable line per finding to REPORT. Sets *repaired
 * when something was changed. */
enum store_rc store_recover(struct store *st, struct strlist *report,
                            bool *repaired, struct err *e);

#endif
