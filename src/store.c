/*
 * store.c -- the one gdbm file that holds relance's state.
 *
 * The only code in relance that calls gdbm (1.23). Every access is a short
 * transaction: take the process-wide mutex, open the file, work, close,
 * release. gdbm's locks never wait (a second writer, or a writer while
 * readers are open, fails at once with GDBM_CANT_BE_WRITER/READER), so
 * store_open retries with exponential backoff and jitter until the
 * handle's budget is spent, then gives STORE_BUSY.
 *
 * Choices, checked against gdbm 1.23:
 * - Files are opened with GDBM_NOMMAP (nothing to gain for short
 *   transactions) and GDBM_CLOEXEC; a new file is created with mode 0600
 *   (the umask can only narrow it).
 * - After the lock is taken, the open descriptor is compared with PATH
 *   (device and inode): store_restore and store_recover replace the file
 *   by rename(2), and a process that opened the old file just before must
 *   not write into the orphan. It reopens instead.
 * - A read of a missing or zero-length file is an empty view: gdbm itself
 *   refuses to read a zero-length file, which is what a writer leaves for
 *   an instant while it creates the file. A writer, though, would make a
 *   zero-length file a new, empty database, and a truncated state file
 *   would then pass for a healthy one: a writer waits (at most
 *   STORE_EMPTY_WAIT_MS) for such a file to be created, then refuses it.
 * - Backups are gdbm's ASCII dump. Restoring loads the dump into a fresh
 *   file, never into the live one, and checks the dump's trailer
 *   ("#:count=N", "# End of data"), which gdbm_load ignores: a dump cut
 *   short between two records would otherwise load without complaint.
 * - store_recover does not pass GDBM_RCVR_FORCE unless gdbm flags the file
 *   (gdbm_needs_recovery) or its chain of free-space blocks fails
 *   gdbm_avail_verify: without FORCE, gdbm_recover first walks the header
 *   (and its own free-space block), directory and buckets, and rebuilds
 *   only when that finds damage; it does not look at the chain. Every
 *   rebuild keeps the original (renamed PATH.bak.N). A file whose header
 *   gdbm_open rejects (bad magic, bad header) cannot be opened at all:
 *   GDBM_NOLOCK only skips the lock, the header is validated all the same,
 *   so the only way back is a backup (`relance restore`).
 * - gdbm keeps no checksums: damage inside a value goes unnoticed.
 *
 * Locking is not fair: under constant load a process may wait its whole
 * budget while others come and go. Transactions are short and the milter
 * is not a tight loop, so the budget (default 5 s) is ample in practice.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define STORE_DEFAULT_BUDGET_MS 5000
#define STORE_FIRST_DELAY_US    2000   /* first backoff sleep, before jitter */
#define STORE_MAX_DELAY_US      100000 /* cap of one backoff sleep */
#define STORE_MAX_FINDINGS      10     /* recovery details kept in a report */
#define STORE_MAX_BACKUPS       1000   /* PATH.bak.1 .. PATH.bak.1000 */
#define STORE_TRAILER_MAX       128    /* bytes read from the end of a dump */
#define STORE_OPEN_FLAGS        (GDBM_NOMMAP | GDBM_CLOEXEC)
#define STORE_EMPTY_WAIT_MS     1000 /* a zero-length file being created */

#define DUMP_MAGIC "# GDBM dump file"
#define DUMP_END   "# End of data\n"

/*
 * The process-wide mutex: the one piece of global mutable state in
 * relance, and on purpose. gdbm handles are not thread-safe and two handles
 * in one process conflict on the file lock, so the milter's threads must
 * take turns; the mutex makes them queue instead of spinning on the lock.
 * It is taken in store_begin and released in store_commit/store_abort.
 * A process must not fork while one of its threads is inside a
 * transaction: the child would inherit a locked mutex (and the flock).
 */
static pthread_mutex_t store_mutex = PTHREAD_MUTEX_INITIALIZER;

/* A queued job of store_write_shared, on its caller's stack. */
struct store_job {
	store_job_fn fn;
	void *arg;
	int sync_fd; /* a file system to flush before the commit, or -1 */
	enum store_rc rc;
	struct err err;
	bool done; /* set last, under store_group.lock */
	struct store_job *next;
};

/* The queue of store_write_shared: process-wide, like store_mutex. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct store_job *head, *tail;
	bool running; /* a thread is running a batch */
} store_group = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL,
                 NULL, false};

struct store {
	char *path;
	unsigned budget_ms;
	uint64_t rng; /* xorshift64* state, for the jitter */
	bool active;  /* inside a transaction: the mutex is ours */
	enum store_mode mode;
	GDBM_FILE dbf; /* NULL in an empty read view */
	int open_gerr; /* gdbm_errno of the last failed open */
};

/* What gdbm_recover's errfun collects. */
struct store_findings {
	struct strlist *report;
	const char *path;
	size_t count;
	bool nomem;
};

/* Milliseconds on the monotonic clock. */
static uint64_t
store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
store_sleep_us(uint64_t us)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	nanosleep(&ts, NULL); /* EINTR: the caller checks its budget */
}

static uint64_t
store_random(struct store *st)
{
	st->rng ^= st->rng >> 12;
	st->rng ^= st->rng << 25;
	st->rng ^= st->rng >> 27;
	return st->rng * UINT64_C(2685821657736338717);
}

static void
store_seed(struct store *st)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		       (uint64_t)(uintptr_t)st;
	st->rng = seed != 0 ? seed : UINT64_C(0x9e3779b97f4a7c15);
}

struct store *
store_new(const char *path, unsigned budget_ms)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->path = strdup(path);
	if (st->path == NULL) {
		free(st);
		return NULL;
	}
	st->budget_ms = budget_ms != 0 ? budget_ms : STORE_DEFAULT_BUDGET_MS;
	store_seed(st);
	return st;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	store_abort(st);
	free(st->path);
	free(st);
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

/* "PATH: WHAT: gdbm's message[: system message]" after a failed open. */
static void
store_open_error(const struct store *st, struct err *e, const char *what,
                 int gerr, int serr)
{
	if (gdbm_check_syserr(gerr) && serr != 0)
		err_set(e, "%s: %s: %s: %s", st->path, what,
		        gdbm_strerror(gerr), strerror(serr));
	else
		err_set(e, "%s: %s: %s", st->path, what, gdbm_strerror(gerr));
}

/* "PATH: WHAT: the handle's last error", with a hint when gdbm has marked
 * the file as needing recovery. */
static void
store_db_error(const struct store *st, struct err *e, const char *what)
{
	const char *hint = "";

	if (gdbm_needs_recovery(st->dbf))
		hint = " (once the cause is fixed, check the file with "
		       "`relance fsck`)";
	err_set(e, "%s: %s: %s%s", st->path, what, gdbm_db_strerror(st->dbf),
	        hint);
}

/* "PATH: cannot VERB "KEY": the handle's last error". */
static void
store_key_error(const struct store *st, struct err *e, const char *verb,
                const char *key)
{
	char what[ERR_MAX];

	snprintf(what, sizeof(what), "cannot %s \"%s\"", verb, key);
	store_db_error(st, e, what);
}

/* A lock conflict, worth retrying. */
static bool
store_is_busy(int gerr, int serr)
{
	if (gerr == GDBM_CANT_BE_READER || gerr == GDBM_CANT_BE_WRITER)
		return true;
	return gerr == GDBM_FILE_OPEN_ERROR &&
	       (serr == EAGAIN || serr == EWOULDBLOCK);
}

/* 1 when DBF is still the file at PATH, 0 when PATH was replaced (or
 * removed) since it was opened, -1 when fstat fails. */
static int
store_same_file(const struct store *st, GDBM_FILE dbf)
{
	struct stat open_st, path_st;

	if (fstat(gdbm_fdesc(dbf), &open_st) < 0)
		return -1;
	if (stat(st->path, &path_st) < 0)
		return 0;
	return open_st.st_dev == path_st.st_dev &&
	       open_st.st_ino == path_st.st_ino;
}

/* True when PATH exists and is zero bytes long. */
static bool
store_zero_length(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0;
}

/* Sleep for DELAY_US with "equal jitter" (a random point in its second
 * half), never past the end of the budget; return the next delay. */
static uint64_t
store_backoff(struct store *st, uint64_t delay_us, uint64_t left_ms)
{
	uint64_t half = delay_us / 2;
	uint64_t us = half + store_random(st) % (half + 1);

	if (us > left_ms * 1000)
		us = left_ms * 1000;
	store_sleep_us(us);
	delay_us *= 2;
	return delay_us > STORE_MAX_DELAY_US ? STORE_MAX_DELAY_US : delay_us;
}

/*
 * Open the file with gdbm FLAGS (GDBM_READER, GDBM_WRITER or GDBM_WRCREAT),
 * retrying lock conflicts until BUDGET_MS have passed since START. Sets
 * st->dbf; in a read, a missing or empty file leaves it NULL (empty view).
 */
static enum store_rc
store_open(struct store *st, int flags, uint64_t start, struct err *e)
{
	uint64_t delay_us = STORE_FIRST_DELAY_US;
	bool reader = (flags & GDBM_OPENMASK) == GDBM_READER;

	for (;;) {
		GDBM_FILE dbf;
		uint64_t spent;
		int gerr, serr, same;

		if ((flags & GDBM_OPENMASK) == GDBM_WRCREAT &&
		    store_zero_length(st->path)) {
			spent = store_now_ms() - start;
			if (spent >= st->budget_ms ||
			    spent >= STORE_EMPTY_WAIT_MS) {
				st->open_gerr = GDBM_EMPTY_DATABASE;
				err_set(
				    e,
				    "%s: cannot open: the file is empty (0 "
				    "bytes), not a state file (truncated?); "
				    "restore it from a backup with `relance "
				    "restore`",
				    st->path);
				return STORE_ERR;
			}
			delay_us =
			    store_backoff(st, delay_us, st->budget_ms - spent);
			continue;
		}
		errno = 0;
		dbf = gdbm_open(st->path, 0, flags | STORE_OPEN_FLAGS, 0600,
		                NULL);
		gerr = gdbm_errno;
		serr = errno;
		st->open_gerr = dbf != NULL ? GDBM_NO_ERROR : gerr;
		if (dbf != NULL) {
			same = store_same_file(st, dbf);
			serr = errno;
			if (same > 0) {
				st->dbf = dbf;
				return STORE_OK;
			}
			gdbm_close(dbf);
			if (same < 0) {
				err_set(e, "%s: cannot open: fstat: %s",
				        st->path, strerror(serr));
				return STORE_ERR;
			}
			/* Replaced under us: reopen at once. */
			if (store_now_ms() - start >= st->budget_ms)
				goto busy;
			continue;
		}
		if (reader &&
		    ((gerr == GDBM_FILE_OPEN_ERROR && serr == ENOENT) ||
		     gerr == GDBM_EMPTY_DATABASE)) {
			st->dbf = NULL;
			return STORE_OK;
		}
		if (!store_is_busy(gerr, serr)) {
			store_open_error(st, e, "cannot open", gerr, serr);
			return STORE_ERR;
		}
		spent = store_now_ms() - start;
		if (spent >= st->budget_ms)
			goto busy;
		delay_us = store_backoff(st, delay_us, st->budget_ms - spent);
	}
busy:
	err_set(e,
	        "%s: state file busy (locked by another process; gave up "
	        "after %u ms)",
	        st->path, st->budget_ms);
	return STORE_BUSY;
}

/* Take the process-wide mutex, waiting at most the handle's budget. */
static enum store_rc
store_lock(struct store *st, uint64_t start, struct err *e)
{
	struct timespec deadline;
	int rc;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += st->budget_ms / 1000;
	deadline.tv_nsec += (long)(st->budget_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	rc = pthread_mutex_timedlock(&store_mutex, &deadline);
	if (rc == 0)
		return STORE_OK;
	if (rc == ETIMEDOUT) {
		err_set(e,
		        "%s: state file busy (in use by another thread; gave "
		        "up after %u ms)",
		        st->path, st->budget_ms);
		return STORE_BUSY;
	}
	err_set(e, "%s: cannot lock the store mutex: %s", st->path,
	        strerror(rc));
	return STORE_ERR;
}

/* store_begin, with the gdbm open FLAGS chosen by the caller. */
static enum store_rc
store_begin_flags(struct store *st, enum store_mode mode, int flags,
                  struct err *e)
{
	uint64_t start = store_now_ms();
	enum store_rc rc;

	st->open_gerr = GDBM_NO_ERROR;
	if (st->active) {
		err_set(e, "%s: a transaction is already open on this handle",
		        st->path);
		return STORE_ERR;
	}
	rc = store_lock(st, start, e);
	if (rc != STORE_OK)
		return rc;
	rc = store_open(st, flags, start, e);
	if (rc != STORE_OK) {
		pthread_mutex_unlock(&store_mutex);
		return rc;
	}
	st->active = true;
	st->mode = mode;
	return STORE_OK;
}

enum store_rc
store_begin(struct store *st, enum store_mode mode, struct err *e)
{
	int flags = mode == STORE_WRITE ? GDBM_WRCREAT : GDBM_READER;

	return store_begin_flags(st, mode, flags, e);
}

/* Check that a transaction is open (and allows writes when WRITE). */
static bool
store_in_transaction(const struct store *st, bool write, struct err *e)
{
	if (!st->active) {
		err_set(e, "%s: no transaction open", st->path);
		return false;
	}
	if (write && st->mode != STORE_WRITE) {
		err_set(e, "%s: cannot change a read-only transaction",
		        st->path);
		return false;
	}
	return true;
}

static datum
store_datum(const char *p, size_t len)
{
	datum d;

	d.dptr = (char *)p; /* gdbm does not write through it */
	d.dsize = (int)len;
	return d;
}

enum store_rc
store_get(struct store *st, const char *key, struct buf *val, struct err *e)
{
	size_t klen = strlen(key);
	datum d;

	buf_reset(val);
	if (!store_in_transaction(st, false, e))
		return STORE_ERR;
	if (st->dbf == NULL || klen > INT_MAX)
		return STORE_NOTFOUND;
	d = gdbm_fetch(st->dbf, store_datum(key, klen));
	if (d.dptr == NULL) {
		if (gdbm_last_errno(st->dbf) == GDBM_ITEM_NOT_FOUND)
			return STORE_NOTFOUND;
		store_key_error(st, e, "read", key);
		return STORE_ERR;
	}
	buf_append(val, d.dptr, (size_t)d.dsize);
	free(d.dptr);
	if (buf_failed(val)) {
		err_set(e, "%s: no memory for the value of \"%s\"", st->path,
		        key);
		return STORE_ERR;
	}
	return STORE_OK;
}

enum store_rc
store_put(struct store *st, const char *key, const char *val, size_t len,
          struct err *e)
{
	size_t klen = strlen(key);

	if (!store_in_transaction(st, true, e))
		return STORE_ERR;
	if (klen > INT_MAX || len > INT_MAX) {
		err_set(e, "%s: cannot store \"%s\": key or value too large",
		        st->path, key);
		return STORE_ERR;
	}
	if (gdbm_store(st->dbf, store_datum(key, klen),
	               store_datum(val != NULL ? val : "", len),
	               GDBM_REPLACE) != 0) {
		store_key_error(st, e, "store", key);
		return STORE_ERR;
	}
	return STORE_OK;
}

enum store_rc
store_del(struct store *st, const char *key, struct err *e)
{
	size_t klen = strlen(key);

	if (!store_in_transaction(st, true, e))
		return STORE_ERR;
	if (klen > INT_MAX)
		return STORE_NOTFOUND;
	if (gdbm_delete(st->dbf, store_datum(key, klen)) != 0) {
		if (gdbm_last_errno(st->dbf) == GDBM_ITEM_NOT_FOUND)
			return STORE_NOTFOUND;
		store_key_error(st, e, "delete", key);
		return STORE_ERR;
	}
	return STORE_OK;
}

/* Flush the file systems the jobs of BATCH asked for, each once (by
 * device); a job whose flush failed gets STORE_ERR. */
static void
store_sync_batch(struct store_job *batch)
{
	dev_t devs[8];
	int errs[8]; /* 0, or the errno of that device's flush */
	size_t n = 0;

	for (struct store_job *j = batch; j != NULL; j = j->next) {
		struct stat sb;
		size_t i = 0;
		int err;

		if (j->sync_fd < 0)
			continue;
		if (fstat(j->sync_fd, &sb) != 0) {
			err = errno;
		} else {
			while (i < n && devs[i] != sb.st_dev)
				i++;
			if (i < n) {
				err = errs[i];
			} else {
				err = syncfs(j->sync_fd) == 0 ? 0 : errno;
				if (n < sizeof(devs) / sizeof(devs[0])) {
					devs[n] = sb.st_dev;
					errs[n++] = err;
				}
			}
		}
		if (err != 0 && j->rc >= 0) {
			j->rc = STORE_ERR;
			err_set(&j->err,
			        "cannot flush the file system of its files to "
			        "disk: %s",
			        strerror(err));
		}
	}
}

/* Run the jobs of BATCH in one write transaction on ST and set their
 * results (not yet their done flags). */
static void
store_run_batch(struct store *st, struct store_job *batch)
{
	struct store_job *j;
	enum store_rc rc;
	struct err e;

	rc = store_begin(st, STORE_WRITE, &e);
	if (rc == STORE_OK) {
		for (j = batch; j != NULL; j = j->next)
			j->rc = j->fn(st, j->arg, &j->err);
		store_sync_batch(batch);
		rc = store_commit(st, &e);
	}
	if (rc == STORE_OK)
		return;
	for (j = batch; j != NULL; j = j->next) {
		j->rc = rc;
		j->err = e;
	}
}

enum store_rc
store_write_shared(struct store *st, store_job_fn fn, void *arg, struct err *e)
{
	return store_write_shared_synced(st, fn, arg, -1, e);
}

enum store_rc
store_write_shared_synced(struct store *st, store_job_fn fn, void *arg,
                          int sync_fd, struct err *e)
{
	struct store_job job = {fn, arg, sync_fd, STORE_OK, {""}, false, NULL};

	pthread_mutex_lock(&store_group.lock);
	if (store_group.tail != NULL)
		store_group.tail->next = &job;
	else
		store_group.head = &job;
	store_group.tail = &job;
	while (!job.done) {
		struct store_job *batch, *next;

		if (store_group.running) {
			pthread_cond_wait(&store_group.done, &store_group.lock);
			continue;
		}
		/* Ours is still queued: run the whole queue. */
		batch = store_group.head;
		store_group.head = store_group.tail = NULL;
		store_group.running = true;
		pthread_mutex_unlock(&store_group.lock);
		store_run_batch(st, batch);
		pthread_mutex_lock(&store_group.lock);
		for (; batch != NULL; batch = next) {
			next = batch->next;
			batch->done = true; /* its owner may return now */
		}
		store_group.running = false;
		pthread_cond_broadcast(&store_group.done);
	}
	pthread_mutex_unlock(&store_group.lock);
	if (job.rc < 0)
		*e = job.err;
	return job.rc;
}

enum store_rc
store_room(const struct store *st, uint64_t need, struct err *e)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(st->path, '/');
	struct statvfs vfs;
	uint64_t avail;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == st->path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - st->path),
		         st->path);
	if (statvfs(dir, &vfs) != 0)
		return STORE_OK;
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (avail >= need)
		return STORE_OK;
	err_set(e,
	        "%s: not enough free space on its file system for this "
	        "(about %" PRIu64 " KB needed, %" PRIu64 " KB free); "
	        "nothing written",
	        st->path, (need + 1023) / 1024, avail / 1024);
	return STORE_ERR;
}

/* Drop the strings of KEYS from index N0 on. */
static void
store_keys_truncate(struct strlist *keys, size_t n0)
{
	while (keys->n > n0)
		free(keys->v[--keys->n]);
	if (keys->v != NULL)
		keys->v[keys->n] = NULL;
}

/*
 * Keys holding a NUL byte cannot have been written through this API (keys
 * are C strings) and could not be read back through it: they are skipped.
 * On error, KEYS is left as it was.
 */
enum store_rc
store_keys(struct store *st, const char *prefix, struct strlist *keys,
           struct err *e)
{
	size_t plen = strlen(prefix), n0 = keys->n;
	struct strlist added;
	datum k;

	if (!store_in_transaction(st, false, e))
		return STORE_ERR;
	if (st->dbf == NULL)
		return STORE_OK;
	for (k = gdbm_firstkey(st->dbf); k.dptr != NULL;) {
		datum next;
		size_t klen = (size_t)k.dsize;

		if (klen >= plen && memcmp(k.dptr, prefix, plen) == 0 &&
		    memchr(k.dptr, '\0', klen) == NULL &&
		    strlist_addn(keys, k.dptr, klen) < 0) {
			free(k.dptr);
			store_keys_truncate(keys, n0);
			err_set(e, "%s: no memory for the list of keys",
			        st->path);
			return STORE_ERR;
		}
		next = gdbm_nextkey(st->dbf, k);
		free(k.dptr);
		k = next;
	}
	if (gdbm_last_errno(st->dbf) != GDBM_ITEM_NOT_FOUND) {
		store_keys_truncate(keys, n0);
		store_db_error(st, e, "cannot list the keys");
		return STORE_ERR;
	}
	/* Sort only what was appended. */
	added.v = keys->v + n0;
	added.n = keys->n - n0;
	added.cap = added.n;
	strlist_sort(&added);
	return STORE_OK;
}

/* ---- walking every record in batches ---- */

#define STORE_WALK_BATCH 1024 /* records per read transaction, by default */
#define STORE_WALK_CACHE 16   /* gdbm buckets cached while walking */

/* The records of one batch, copied out of the file: BYTES holds, for each
 * record I, its key (NUL-terminated) at KOFF[I] and its value at VOFF[I]
 * (VLEN[I] bytes, then a NUL). */
struct store_batch {
	struct buf bytes;
	size_t *koff, *voff, *vlen;
	size_t n;
};

/* A walk reads each bucket once or twice: gdbm's own cache, which grows
 * with the file by default (tens of MB for a million invoices), would
 * only make memory grow with the number of invoices. */
static void
store_small_cache(struct store *st)
{
	size_t n = STORE_WALK_CACHE;

	if (st->dbf != NULL)
		(void)gdbm_setopt(st->dbf, GDBM_SETCACHESIZE, &n, sizeof(n));
}

/* List every key of the open transaction starting with PREFIX into FP,
 * each followed by a NUL byte. Keys holding a NUL are skipped, as in
 * store_keys. */
static enum store_rc
store_list_to(struct store *st, const char *prefix, FILE *fp, struct err *e)
{
	size_t plen = strlen(prefix);
	datum k;

	if (st->dbf == NULL)
		return STORE_OK;
	for (k = gdbm_firstkey(st->dbf); k.dptr != NULL;) {
		datum next;
		size_t klen = (size_t)k.dsize;

		if (klen >= plen && memcmp(k.dptr, prefix, plen) == 0 &&
		    memchr(k.dptr, '\0', klen) == NULL &&
		    (fwrite(k.dptr, 1, klen, fp) != klen ||
		     putc('\0', fp) == EOF)) {
			free(k.dptr);
			err_set(e,
			        "%s: cannot list the keys: temporary file: %s",
			        st->path, strerror(errno));
			return STORE_ERR;
		}
		next = gdbm_nextkey(st->dbf, k);
		free(k.dptr);
		k = next;
	}
	if (gdbm_last_errno(st->dbf) != GDBM_ITEM_NOT_FOUND) {
		store_db_error(st, e, "cannot list the keys");
		return STORE_ERR;
	}
	return STORE_OK;
}

/* Read the next batch of at most MAX keys from FP and fetch their records
 * in one read transaction into B (reset first). Keys gone since they were
 * listed are left out. STORE_OK (B->n is 0 at the end of the list),
 * STORE_BUSY or STORE_ERR. */
static enum store_rc
store_next_batch(struct store *st, FILE *fp, size_t max, char **line,
                 size_t *linecap, struct store_batch *b, struct err *e)
{
	struct strlist keys = STRLIST_INIT;
	enum store_rc rc = STORE_OK;
	ssize_t got;

	buf_reset(&b->bytes);
	b->n = 0;
	while (keys.n < max && (got = getdelim(line, linecap, '\0', fp)) > 0)
		if (strlist_add(&keys, *line) < 0) {
			err_set(e, "%s: no memory for a batch of keys",
			        st->path);
			strlist_clear(&keys);
			return STORE_ERR;
		}
	if (ferror(fp)) {
		err_set(e, "%s: cannot read the list of keys back: %s",
		        st->path, strerror(errno));
		rc = STORE_ERR;
	}
	if (rc != STORE_OK || keys.n == 0)
		goto out;
	if ((rc = store_begin(st, STORE_READ, e)) != STORE_OK)
		goto out;
	store_small_cache(st);
	for (size_t i = 0; i < keys.n && st->dbf != NULL; i++) {
		size_t klen = strlen(keys.v[i]);
		datum d = gdbm_fetch(st->dbf, store_datum(keys.v[i], klen));

		if (d.dptr == NULL) {
			if (gdbm_last_errno(st->dbf) == GDBM_ITEM_NOT_FOUND)
				continue; /* deleted since it was listed */
			store_key_error(st, e, "read", keys.v[i]);
			rc = STORE_ERR;
			break;
		}
		b->koff[b->n] = b->bytes.len;
		buf_append(&b->bytes, keys.v[i], klen + 1);
		b->voff[b->n] = b->bytes.len;
		b->vlen[b->n] = (size_t)d.dsize;
		buf_append(&b->bytes, d.dptr, (size_t)d.dsize);
		buf_putc(&b->bytes, '\0');
		free(d.dptr);
		b->n++;
	}
	store_abort(st);
	if (rc == STORE_OK && buf_failed(&b->bytes)) {
		err_set(e, "%s: no memory for a batch of records", st->path);
		rc = STORE_ERR;
	}
out:
	strlist_clear(&keys);
	return rc;
}

int
store_walk(struct store *st, const char *prefix, size_t batch, store_walk_fn fn,
           void *arg, struct err *e)
{
	struct store_batch b = {BUF_INIT, NULL, NULL, NULL, 0};
	char *line = NULL;
	size_t linecap = 0;
	FILE *fp;
	int rc;

	if (batch == 0)
		batch = STORE_WALK_BATCH;
	if ((fp = tmpfile()) == NULL) {
		err_set(e, "%s: cannot list the keys: temporary file: %s",
		        st->path, strerror(errno));
		return STORE_ERR;
	}
	b.koff = calloc(batch, sizeof(*b.koff));
	b.voff = calloc(batch, sizeof(*b.voff));
	b.vlen = calloc(batch, sizeof(*b.vlen));
	if (b.koff == NULL || b.voff == NULL || b.vlen == NULL) {
		err_set(e, "%s: no memory for a batch", st->path);
		rc = STORE_ERR;
		goto out;
	}
	if ((rc = store_begin(st, STORE_READ, e)) != STORE_OK)
		goto out;
	store_small_cache(st);
	rc = store_list_to(st, prefix, fp, e);
	store_abort(st);
	if (rc != STORE_OK)
		goto out;
	if (fflush(fp) != 0 || fseek(fp, 0, SEEK_SET) != 0) {
		err_set(e, "%s: cannot list the keys: temporary file: %s",
		        st->path, strerror(errno));
		rc = STORE_ERR;
		goto out;
	}
	for (;;) {
		rc = store_next_batch(st, fp, batch, &line, &linecap, &b, e);
		if (rc != STORE_OK || b.n == 0)
			break;
		for (size_t i = 0; rc == 0 && i < b.n; i++)
			rc = fn(b.bytes.data + b.koff[i],
			        b.bytes.data + b.voff[i], b.vlen[i], arg);
		if (rc != 0)
			break;
	}
out:
	fclose(fp);
	free(line);
	free(b.koff);
	free(b.voff);
	free(b.vlen);
	buf_free(&b.bytes);
	return rc;
}

/* Close the file and leave the transaction. */
static void
store_end(struct store *st)
{
	if (st->dbf != NULL)
		gdbm_close(st->dbf);
	st->dbf = NULL;
	st->active = false;
	pthread_mutex_unlock(&store_mutex);
}

enum store_rc
store_commit(struct store *st, struct err *e)
{
	enum store_rc rc = STORE_OK;

	if (!store_in_transaction(st, false, e))
		return STORE_ERR;
	/* gdbm_close syncs a writer's file to disk itself (gdbm_file_sync)
	 * and says when that fails: one fsync per transaction, not two. */
	if (st->dbf != NULL && gdbm_close(st->dbf) != 0) {
		store_open_error(st, e,
		                 st->mode == STORE_WRITE
		                     ? "cannot flush to disk and close"
		                     : "cannot close",
		                 gdbm_errno, errno);
		rc = STORE_ERR;
	}
	st->dbf = NULL;
	store_end(st);
	return rc;
}

void
store_abort(struct store *st)
{
	if (st->active)
		store_end(st);
}

/* The directory part of PATH ("." when there is none); caller frees. */
static char *
store_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* fsync the directory holding PATH, so that a rename in it is durable. */
static int
store_sync_dir(const char *path)
{
	char *dir = store_dirname(path);
	int fd, rc = -1;

	if (dir == NULL) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(dir);
	return rc;
}

/* PATH followed by SUFFIX, as a new string; NULL on no memory. */
static char *
store_concat(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);
	char *s = malloc(n + m + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, path, n);
	memcpy(s + n, suffix, m + 1);
	return s;
}

/*
 * The dump of a file that does not exist yet: what gdbm_dump writes for an
 * empty database, minus the file name and owner, which a load into a given
 * file ignores anyway.
 */
static void
store_dump_empty(FILE *fp)
{
	fputs(DUMP_MAGIC " created by relance (no state file yet)\n"
	                 "#:version=1.1\n"
	                 "#:format=standard\n"
	                 "# End of header\n"
	                 "#:count=0\n" DUMP_END,
	      fp);
}

/* Dump the open transaction to TMP (created 0600) and fsync it. */
static enum store_rc
store_dump_to(struct store *st, const char *tmp, struct err *e)
{
	FILE *fp;
	int fd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0) {
		err_set(e, "%s: cannot create: %s", tmp, strerror(errno));
		return STORE_ERR;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		err_set(e, "%s: cannot create: %s", tmp, strerror(errno));
		close(fd);
		return STORE_ERR;
	}
	if (st->dbf == NULL)
		store_dump_empty(fp);
	else if (gdbm_dump_to_file(st->dbf, fp, GDBM_DUMP_FMT_ASCII) != 0) {
		store_db_error(st, e, "cannot dump");
		fclose(fp);
		return STORE_ERR;
	}
	if (fflush(fp) != 0 || ferror(fp) || fsync(fd) != 0) {
		err_set(e, "%s: cannot write: %s", tmp, strerror(errno));
		fclose(fp);
		return STORE_ERR;
	}
	if (fclose(fp) != 0) {
		err_set(e, "%s: cannot write: %s", tmp, strerror(errno));
		return STORE_ERR;
	}
	return STORE_OK;
}

/* True when PATH and OTHER name the same file (or the same string). */
static bool
store_same_path(const char *path, const char *other)
{
	struct stat a, b;

	if (strcmp(path, other) == 0)
		return true;
	return stat(path, &a) == 0 && stat(other, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * A missing state file is backed up as a valid empty dump, so that a
 * backup job scheduled before the first invoice does not fail. Two
 * backups to the same DEST at once are not supported: both would write
 * DEST.tmp.
 */
enum store_rc
store_backup(struct store *st, const char *dest, struct err *e)
{
	char *tmp;
	enum store_rc rc;

	if (store_same_path(st->path, dest)) {
		err_set(e, "%s: cannot back up the state file onto itself",
		        dest);
		return STORE_ERR;
	}
	tmp = store_concat(dest, ".tmp");
	if (tmp == NULL) {
		err_set(e, "%s: no memory", dest);
		return STORE_ERR;
	}
	rc = store_begin(st, STORE_READ, e);
	if (rc != STORE_OK) {
		free(tmp);
		return rc;
	}
	rc = store_dump_to(st, tmp, e);
	if (rc != STORE_OK) {
		store_abort(st);
		goto out;
	}
	rc = store_commit(st, e);
	if (rc != STORE_OK)
		goto out;
	if (rename(tmp, dest) != 0) {
		err_set(e, "%s: cannot rename %s: %s", dest, tmp,
		        strerror(errno));
		rc = STORE_ERR;
		goto out;
	}
	if (store_sync_dir(dest) != 0) {
		err_set(e, "%s: cannot sync its directory: %s", dest,
		        strerror(errno));
		rc = STORE_ERR;
	}
out:
	if (rc != STORE_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

/*
 * Read the trailer of the dump SRC ("#:count=N\n# End of data\n") into
 * *COUNT, after checking that SRC starts like a gdbm ASCII dump.
 */
static enum store_rc
store_dump_count(const char *src, unsigned long long *count, struct err *e)
{
	char head[sizeof(DUMP_MAGIC)], tail[STORE_TRAILER_MAX + 1];
	const char *line, *p;
	FILE *fp = fopen(src, "re");
	size_t n;
	long size;
	char *end;

	if (fp == NULL) {
		err_set(e, "%s: cannot open: %s", src, strerror(errno));
		return STORE_ERR;
	}
	n = fread(head, 1, sizeof(head) - 1, fp);
	head[n] = '\0';
	if (strcmp(head, DUMP_MAGIC) != 0) {
		fclose(fp);
		err_set(e,
		        "%s:1: not a gdbm ASCII dump, expected a line "
		        "starting with \"" DUMP_MAGIC "\"",
		        src);
		return STORE_ERR;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, size > STORE_TRAILER_MAX ? size - STORE_TRAILER_MAX : 0,
	          SEEK_SET) != 0) {
		err_set(e, "%s: cannot read: %s", src, strerror(errno));
		fclose(fp);
		return STORE_ERR;
	}
	n = fread(tail, 1, STORE_TRAILER_MAX, fp);
	tail[n] = '\0';
	fclose(fp);
	if (n < sizeof(DUMP_END) - 1 || memchr(tail, '\0', n) != NULL ||
	    strcmp(tail + n - (sizeof(DUMP_END) - 1), DUMP_END) != 0)
		goto truncated;
	tail[n - (sizeof(DUMP_END) - 1)] = '\0';
	p = strrchr(tail, '\n');
	if (p == NULL)
		goto truncated;
	tail[p - tail] = '\0'; /* the count line ends here */
	line = strrchr(tail, '\n');
	line = line != NULL ? line + 1 : tail;
	if (strncmp(line, "#:count=", 8) != 0 || line[8] < '0' || line[8] > '9')
		goto truncated;
	errno = 0;
	*count = strtoull(line + 8, &end, 10);
	if (*end != '\0' || errno != 0)
		goto truncated;
	return STORE_OK;
truncated:
	err_set(e,
	        "%s: incomplete dump, expected it to end with "
	        "\"#:count=N\" and \"# End of data\"",
	        src);
	return STORE_ERR;
}

/*
 * Load the dump SRC into the new file TMP (mode 0600), check it holds as
 * many records as the dump announces, and flush it to disk.
 */
static enum store_rc
store_load(const char *src, const char *tmp, struct err *e)
{
	unsigned long long want;
	gdbm_count_t got = 0;
	unsigned long line = 0;
	GDBM_FILE dbf;
	int fd;

	if (store_dump_count(src, &want, e) != STORE_OK)
		return STORE_ERR;
	unlink(tmp); /* left by a crashed restore with our pid */
	fd =
	    open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err_set(e, "%s: cannot create: %s", tmp, strerror(errno));
		return STORE_ERR;
	}
	dbf = gdbm_fd_open(fd, tmp, 0,
	                   GDBM_NEWDB | GDBM_CLOERROR | STORE_OPEN_FLAGS, NULL);
	if (dbf == NULL) {
		err_set(e, "%s: cannot create: %s", tmp,
		        gdbm_strerror(gdbm_errno));
		return STORE_ERR;
	}
	/* Never let the dump choose the owner or mode of our file. */
	if (gdbm_load(&dbf, src, GDBM_INSERT,
	              GDBM_META_MASK_MODE | GDBM_META_MASK_OWNER, &line) != 0) {
		err_set(e, "%s:%lu: bad dump: %s", src, line,
		        gdbm_strerror(gdbm_errno));
		goto fail;
	}
	if (gdbm_count(dbf, &got) != 0) {
		err_set(e, "%s: cannot count keys: %s", tmp,
		        gdbm_db_strerror(dbf));
		goto fail;
	}
	if (got != want) {
		err_set(e, "%s: bad dump: %llu records loaded, expected %llu",
		        src, (unsigned long long)got, want);
		goto fail;
	}
	if (gdbm_sync(dbf) != 0) {
		err_set(e, "%s: cannot flush to disk: %s", tmp,
		        gdbm_db_strerror(dbf));
		goto fail;
	}
	if (gdbm_close(dbf) != 0) {
		err_set(e, "%s: cannot close: %s", tmp,
		        gdbm_strerror(gdbm_errno));
		return STORE_ERR;
	}
	return STORE_OK;
fail:
	gdbm_close(dbf);
	return STORE_ERR;
}

/* Give TMP the owner and mode of the state file open as OLDFD, so that
 * the milter can still open it when restore runs as another user (root). */
static enum store_rc
store_copy_meta(struct store *st, int oldfd, const char *tmp, struct err *e)
{
	struct stat old, cur;
	enum store_rc rc = STORE_ERR;
	int fd;

	if (fstat(oldfd, &old) != 0) {
		err_set(e, "%s: cannot stat: %s", st->path, strerror(errno));
		return STORE_ERR;
	}
	fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &cur) != 0) {
		err_set(e, "%s: cannot open: %s", tmp, strerror(errno));
		goto out;
	}
	if ((cur.st_uid != old.st_uid || cur.st_gid != old.st_gid) &&
	    fchown(fd, old.st_uid, old.st_gid) != 0) {
		err_set(e, "%s: cannot give it the owner of %s: %s", tmp,
		        st->path, strerror(errno));
		goto out;
	}
	if ((cur.st_mode & 07777) != (old.st_mode & 07777) &&
	    fchmod(fd, old.st_mode & 07777) != 0) {
		err_set(e, "%s: cannot give it the mode of %s: %s", tmp,
		        st->path, strerror(errno));
		goto out;
	}
	rc = STORE_OK;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* True when gdbm refused to open the file for what is in it (bad magic,
 * a damaged header, zero bytes), not for a system error or a lock. */
static bool
store_unopenable(int gerr)
{
	return gerr != GDBM_NO_ERROR && gerr != GDBM_FILE_OPEN_ERROR &&
	       gerr != GDBM_MALLOC_ERROR && gerr != GDBM_CANT_BE_READER &&
	       gerr != GDBM_CANT_BE_WRITER;
}

/*
 * store_restore's way when gdbm cannot open the state file at all (the
 * very case a restore is for): take the lock gdbm itself takes,
 * flock(LOCK_EX) on the file, retrying for the handle's budget, and
 * rename TMP over it while holding it. STORE_OK, STORE_BUSY or STORE_ERR.
 */
static enum store_rc
store_replace_damaged(struct store *st, const char *tmp, struct err *e)
{
	uint64_t start = store_now_ms(), delay_us = STORE_FIRST_DELAY_US;
	enum store_rc rc;
	int fd;

	rc = store_lock(st, start, e);
	if (rc != STORE_OK)
		return rc;
	fd = open(st->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err_set(e, "%s: cannot open: %s", st->path, strerror(errno));
		rc = STORE_ERR;
		goto out;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		uint64_t spent = store_now_ms() - start;

		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_set(e, "%s: cannot lock: %s", st->path,
			        strerror(errno));
			rc = STORE_ERR;
			goto out;
		}
		if (spent >= st->budget_ms) {
			err_set(e,
			        "%s: state file busy (locked by another "
			        "process; gave up after %u ms)",
			        st->path, st->budget_ms);
			rc = STORE_BUSY;
			goto out;
		}
		delay_us = store_backoff(st, delay_us, st->budget_ms - spent);
	}
	rc = store_copy_meta(st, fd, tmp, e);
	if (rc == STORE_OK && rename(tmp, st->path) != 0) {
		err_set(e, "%s: cannot rename %s over it: %s", st->path, tmp,
		        strerror(errno));
		rc = STORE_ERR;
	}
	if (rc == STORE_OK && store_sync_dir(st->path) != 0) {
		err_set(e, "%s: cannot sync its directory: %s", st->path,
		        strerror(errno));
		rc = STORE_ERR;
	}
out:
	if (fd >= 0)
		close(fd); /* releases the lock */
	pthread_mutex_unlock(&store_mutex);
	return rc;
}

enum store_rc
store_restore(struct store *st, const char *src, struct err *e)
{
	char suffix[32];
	char *tmp;
	enum store_rc rc;

	if (st->active) {
		err_set(e, "%s: a transaction is already open on this handle",
		        st->path);
		return STORE_ERR;
	}
	snprintf(suffix, sizeof(suffix), ".restore.%ld", (long)getpid());
	tmp = store_concat(st->path, suffix);
	if (tmp == NULL) {
		err_set(e, "%s: no memory", st->path);
		return STORE_ERR;
	}
	rc = store_load(src, tmp, e);
	if (rc != STORE_OK)
		goto out;
	/* Hold the write lock on the old file while it is replaced. */
	rc = store_begin(st, STORE_WRITE, e);
	if (rc == STORE_ERR && store_unopenable(st->open_gerr)) {
		rc = store_replace_damaged(st, tmp, e);
		goto out;
	}
	if (rc != STORE_OK)
		goto out;
	rc = store_copy_meta(st, gdbm_fdesc(st->dbf), tmp, e);
	if (rc == STORE_OK && rename(tmp, st->path) != 0) {
		err_set(e, "%s: cannot rename %s over it: %s", st->path, tmp,
		        strerror(errno));
		rc = STORE_ERR;
	}
	store_abort(st); /* the old file is gone: nothing to flush */
	if (rc == STORE_OK && store_sync_dir(st->path) != 0) {
		err_set(e, "%s: cannot sync its directory: %s", st->path,
		        strerror(errno));
		rc = STORE_ERR;
	}
out:
	unlink(tmp); /* ENOENT after a successful rename */
	free(tmp);
	return rc;
}

static void store_finding(void *data, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* gdbm_recover's errfun: keep the first STORE_MAX_FINDINGS details. */
static void
store_finding(void *data, const char *fmt, ...)
{
	struct store_findings *f = data;
	struct buf line = BUF_INIT;
	va_list ap;

	if (f->count++ >= STORE_MAX_FINDINGS)
		return;
	buf_printf(&line, "%s: ", f->path);
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (buf_failed(&line) || strlist_add(f->report, buf_cstr(&line)) < 0)
		f->nomem = true;
	buf_free(&line);
}

/* Append "PATH: " and printf-formatted text to F's report. */
static void store_report(struct store_findings *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
store_report(struct store_findings *f, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;

	buf_printf(&line, "%s: ", f->path);
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (buf_failed(&line) || strlist_add(f->report, buf_cstr(&line)) < 0)
		f->nomem = true;
	buf_free(&line);
}

/*
 * Move gdbm's backup (PATH.~N~) to the first free PATH.bak.N, never
 * replacing a file; on failure keep gdbm's name. Returns the name kept,
 * malloc'ed (or BK itself, which the caller frees either way).
 */
static char *
store_rename_backup(const struct store *st, char *bk)
{
	char suffix[32];

	for (int i = 1; i <= STORE_MAX_BACKUPS; i++) {
		char *name;

		snprintf(suffix, sizeof(suffix), ".bak.%d", i);
		name = store_concat(st->path, suffix);
		if (name == NULL)
			return bk;
		if (link(bk, name) == 0) {
			unlink(bk);
			free(bk);
			return name;
		}
		free(name);
		if (errno != EEXIST)
			return bk;
	}
	return bk;
}

/* Run gdbm_recover on the open file and report what it did. */
static enum store_rc
store_run_recover(struct store *st, struct store_findings *f, bool *repaired,
                  struct err *e)
{
	gdbm_recovery rcvr;
	int flags = GDBM_RCVR_BACKUP | GDBM_RCVR_ERRFUN;
	size_t kept;

	memset(&rcvr, 0, sizeof(rcvr));
	rcvr.errfun = store_finding;
	rcvr.data = f;
	if (gdbm_needs_recovery(st->dbf) || gdbm_avail_verify(st->dbf) != 0)
		flags |= GDBM_RCVR_FORCE;
	if (gdbm_recover(st->dbf, &rcvr, flags) != 0) {
		int gerr = gdbm_errno, serr = errno;

		if (gdbm_check_syserr(gerr) && serr != 0)
			store_open_error(st, e, "recovery failed", gerr, serr);
		else
			err_set(e,
			        "%s: recovery failed: %s; restore it from a "
			        "backup with `relance restore`",
			        st->path, gdbm_strerror(gerr));
		free(rcvr.backup_name);
		return STORE_ERR;
	}
	if (rcvr.backup_name == NULL) {
		store_report(f, "no damage found");
		return STORE_OK;
	}
	*repaired = true;
	if (f->count > STORE_MAX_FINDINGS)
		store_report(f, "... and %zu more findings",
		             f->count - STORE_MAX_FINDINGS);
	/* A damaged directory makes gdbm read a bucket twice. */
	kept = rcvr.recovered_keys - rcvr.duplicate_keys;
	if (rcvr.failed_buckets > 0)
		store_report(f,
		             "recovered %zu keys, %zu lost; %zu buckets "
		             "unreadable, the keys they held (if any) lost",
		             kept, rcvr.failed_keys, rcvr.failed_buckets);
	else
		store_report(f, "recovered %zu keys, %zu lost", kept,
		             rcvr.failed_keys);
	rcvr.backup_name = store_rename_backup(st, rcvr.backup_name);
	store_report(f, "original kept as %s", rcvr.backup_name);
	free(rcvr.backup_name);
	return STORE_OK;
}

/* After a failed open for recovery: why, and what to do. */
static enum store_rc
store_recover_open_failed(struct store *st, enum store_rc rc, struct err *e)
{
	int gerr = st->open_gerr;

	if (rc == STORE_BUSY || gerr == GDBM_NO_ERROR ||
	    gerr == GDBM_FILE_OPEN_ERROR || gerr == GDBM_MALLOC_ERROR)
		return rc;
	err_set(e,
	        "%s: cannot repair: %s, gdbm cannot open it at all; "
	        "restore it from a backup with `relance restore`",
	        st->path, gdbm_strerror(gerr));
	return STORE_ERR;
}

enum store_rc
store_recover(struct store *st, struct strlist *report, bool *repaired,
              struct err *e)
{
	struct store_findings f = {report, st->path, 0, false};
	struct stat sb;
	enum store_rc rc;

	*repaired = false;
	if (stat(st->path, &sb) != 0) {
		if (errno != ENOENT) {
			err_set(e, "%s: cannot stat: %s", st->path,
			        strerror(errno));
			return STORE_ERR;
		}
		store_report(&f, "no state file yet, nothing to check");
		goto out;
	}
	if (sb.st_size == 0) {
		/* gdbm would silently make it a new, empty database. */
		err_set(e,
		        "%s: cannot repair: the file is empty (0 bytes); "
		        "restore it from a backup with `relance restore`",
		        st->path);
		return STORE_ERR;
	}
	rc = store_begin_flags(st, STORE_WRITE, GDBM_WRITER, e);
	if (rc != STORE_OK)
		return store_recover_open_failed(st, rc, e);
	rc = store_run_recover(st, &f, repaired, e);
	if (rc != STORE_OK) {
		store_abort(st);
		return rc;
	}
	rc = store_commit(st, e);
	if (rc != STORE_OK)
		return rc;
out:
	if (f.nomem) {
		err_set(e, "%s: no memory for the report", st->path);
		return STORE_ERR;
	}
	return STORE_OK;
}
