/*
 * test_store.c -- the gdbm state file: transactions, locking between
 * processes and threads, backup and restore, recovery of damaged files.
 *
 * Every test works in its own directory under /tmp (mkdtemp), removed
 * afterwards. Child processes report through their exit status only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "store.h"
#include "strlist.h"

#define RMW_ROUNDS 200

/*
 * flock(2), as gdbm calls it, with a hook: when flock_swap_from is set,
 * the next call first renames that file over flock_swap_to -- as
 * store_restore would, between gdbm's open(2) and its lock.
 */
int flock(int fd, int op);

static const char *flock_swap_from, *flock_swap_to;

int
flock(int fd, int op)
{
	if (flock_swap_from != NULL) {
		if (rename(flock_swap_from, flock_swap_to) != 0)
			abort();
		flock_swap_from = NULL;
	}
	return (int)syscall(SYS_flock, fd, op);
}

struct fixture {
	char dir[64];
	char path[128]; /* DIR/state.db, not created */
	char dump[128]; /* DIR/backup.dump */
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	strcpy(fx->dir, "/tmp/relance-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/state.db", fx->dir);
	snprintf(fx->dump, sizeof(fx->dump), "%s/backup.dump", fx->dir);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* The whole file at PATH (malloc'ed, NUL-terminated), its size in *LEN. */
static char *
slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	assert_false(buf_failed(&b));
	if (len != NULL)
		*len = b.len;
	return buf_steal(&b);
}

static void
spit(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static bool
exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Put KEY=VAL in its own write transaction. */
static void
put1(struct store *st, const char *key, const char *val)
{
	struct err e = {{0}};

	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_put(st, key, val, strlen(val), &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);
}

/* Fill the store with N keys "key:000".. whose values are VLEN bytes. */
static void
fill(struct store *st, int n, size_t vlen)
{
	struct err e = {{0}};
	char key[32], val[512];

	assert_true(vlen < sizeof(val));
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "key:%03d", i);
		memset(val, 'a' + i % 26, vlen);
		assert_int_equal(store_put(st, key, val, vlen, &e), STORE_OK);
	}
	assert_int_equal(store_commit(st, &e), STORE_OK);
}

/* Every key and value of the store, as "key=value\n" lines, with bytes
 * outside printable ASCII shown as \xHH. */
static char *
contents(struct store *st)
{
	struct strlist keys = STRLIST_INIT;
	struct buf out = BUF_INIT, val = BUF_INIT;
	struct err e = {{0}};

	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_keys(st, "", &keys, &e), STORE_OK);
	for (size_t i = 0; i < keys.n; i++) {
		assert_int_equal(store_get(st, keys.v[i], &val, &e), STORE_OK);
		buf_printf(&out, "%s=", keys.v[i]);
		for (size_t j = 0; j < val.len; j++) {
			unsigned char c = (unsigned char)val.data[j];

			if (c < 0x20 || c > 0x7e || c == '\\')
				buf_printf(&out, "\\x%02x", c);
			else
				buf_putc(&out, (char)c);
		}
		buf_putc(&out, '\n');
	}
	assert_int_equal(store_commit(st, &e), STORE_OK);
	strlist_clear(&keys);
	buf_free(&val);
	assert_false(buf_failed(&out));
	return buf_steal(&out);
}

static size_t
count_keys(struct store *st, const char *prefix)
{
	struct strlist keys = STRLIST_INIT;
	struct err e = {{0}};
	size_t n;

	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_keys(st, prefix, &keys, &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	n = keys.n;
	strlist_clear(&keys);
	return n;
}

static void
test_put_get_del_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct buf val = BUF_INIT;
	struct err e = {{0}};
	const char bin[] = {'a', '\0', 'b', '\n', '\xff'};

	assert_non_null(st);
	assert_string_equal(store_path(st), fx->path);
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_put(st, "inv:1", "open", 4, &e), STORE_OK);
	assert_int_equal(store_put(st, "bin", bin, sizeof(bin), &e), STORE_OK);
	assert_int_equal(store_put(st, "empty", "", 0, &e), STORE_OK);
	assert_int_equal(store_put(st, "inv:1", "paid", 4, &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);

	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_get(st, "inv:1", &val, &e), STORE_OK);
	assert_string_equal(buf_cstr(&val), "paid");
	assert_int_equal(store_get(st, "bin", &val, &e), STORE_OK);
	assert_int_equal(val.len, sizeof(bin));
	assert_memory_equal(val.data, bin, sizeof(bin));
	assert_int_equal(store_get(st, "empty", &val, &e), STORE_OK);
	assert_int_equal(val.len, 0);
	assert_int_equal(store_commit(st, &e), STORE_OK);

	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(st, "inv:1", &e), STORE_OK);
	assert_int_equal(store_del(st, "inv:1", &e), STORE_NOTFOUND);
	assert_int_equal(store_get(st, "inv:1", &val, &e), STORE_NOTFOUND);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	buf_free(&val);
	store_free(st);
}

static void
test_get_of_missing_key_is_notfound_and_empties_val(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct buf val = BUF_INIT;
	struct err e = {{0}};

	put1(st, "a", "1");
	buf_puts(&val, "stale");
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_get(st, "b", &val, &e), STORE_NOTFOUND);
	assert_int_equal(val.len, 0);
	assert_string_equal(buf_cstr(&val), "");
	assert_int_equal(store_commit(st, &e), STORE_OK);
	buf_free(&val);
	store_free(st);
}

static void
test_keys_with_prefix_are_appended_sorted(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist keys = STRLIST_INIT;
	struct err e = {{0}};
	const char *all[] = {"inv:3", "cust:1", "inv:1", "in", "inv:2"};

	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(store_put(st, all[i], "x", 1, &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);

	assert_int_equal(strlist_add(&keys, "zzz"), 0);
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_keys(st, "inv:", &keys, &e), STORE_OK);
	assert_int_equal(keys.n, 4);
	assert_string_equal(keys.v[0], "zzz"); /* kept, first */
	assert_string_equal(keys.v[1], "inv:1");
	assert_string_equal(keys.v[2], "inv:2");
	assert_string_equal(keys.v[3], "inv:3");
	assert_null(keys.v[4]);
	strlist_clear(&keys);
	assert_int_equal(store_keys(st, "", &keys, &e), STORE_OK);
	assert_int_equal(keys.n, 5);
	assert_string_equal(keys.v[0], "cust:1");
	assert_string_equal(keys.v[1], "in");
	assert_string_equal(keys.v[4], "inv:3");
	strlist_clear(&keys);
	assert_int_equal(store_keys(st, "nothing", &keys, &e), STORE_OK);
	assert_int_equal(keys.n, 0);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	store_free(st);
}

static void
test_read_of_missing_file_is_empty_and_creates_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist keys = STRLIST_INIT;
	struct buf val = BUF_INIT;
	struct err e = {{0}};

	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_get(st, "a", &val, &e), STORE_NOTFOUND);
	assert_int_equal(store_keys(st, "", &keys, &e), STORE_OK);
	assert_int_equal(keys.n, 0);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	assert_false(exists(fx->path));
	buf_free(&val);
	store_free(st);
}

static void
test_read_of_zero_length_file_is_empty(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct buf val = BUF_INIT;
	struct err e = {{0}};

	spit(fx->path, "", 0);
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_get(st, "a", &val, &e), STORE_NOTFOUND);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	buf_free(&val);
	store_free(st);
}

static void
test_new_file_has_mode_0600(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	mode_t old = umask(0); /* the widest umask */
	struct stat sb;

	put1(st, "a", "1");
	umask(old);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	store_free(st);
}

static void
test_misuse_is_an_error_naming_the_file(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct buf val = BUF_INIT;
	struct err e = {{0}};
	char want[256];

	assert_int_equal(store_get(st, "a", &val, &e), STORE_ERR);
	snprintf(want, sizeof(want), "%s: no transaction open", fx->path);
	assert_string_equal(e.msg, want);
	assert_int_equal(store_commit(st, &e), STORE_ERR);
	assert_string_equal(e.msg, want);
	store_abort(st); /* harmless outside a transaction */

	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_put(st, "a", "1", 1, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s: cannot change a read-only transaction", fx->path);
	assert_string_equal(e.msg, want);
	assert_int_equal(store_del(st, "a", &e), STORE_ERR);
	assert_string_equal(e.msg, want);
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s: a transaction is already open on this handle", fx->path);
	assert_string_equal(e.msg, want);
	store_abort(st);

	/* store_free ends an open transaction: the mutex is free again. */
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	store_free(st);
	st = store_new(fx->path, 100);
	put1(st, "a", "1");
	buf_free(&val);
	store_free(st);
}

static void
test_garbage_file_cannot_be_opened(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct err e = {{0}};
	char want[256], junk[8192];

	memset(junk, 'x', sizeof(junk));
	spit(fx->path, junk, sizeof(junk));
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_ERR);
	snprintf(want, sizeof(want), "%s: cannot open: Bad magic number",
	         fx->path);
	assert_string_equal(e.msg, want);
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_ERR);
	assert_string_equal(e.msg, want);
	store_free(st);
}

static void
test_unreadable_directory_is_a_system_error(void **state)
{
	struct fixture *fx = *state;
	char path[192], want[256];
	struct store *st;
	struct err e = {{0}};

	snprintf(path, sizeof(path), "%s/no/such/dir/state.db", fx->dir);
	st = store_new(path, 0);
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s: cannot open: File open error: No such file or directory",
	         path);
	assert_string_equal(e.msg, want);
	store_free(st);
}

/*
 * Fork a child that holds a write transaction on PATH for HOLD_MS. Returns
 * once the child holds the lock.
 */
static pid_t
hold_lock(const char *path, unsigned hold_ms)
{
	int fds[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *st = store_new(path, 0);
		struct err e;

		close(fds[0]);
		if (st == NULL || store_begin(st, STORE_WRITE, &e) != STORE_OK)
			_exit(1);
		if (write(fds[1], "x", 1) != 1)
			_exit(2);
		sleep_ms(hold_ms);
		_exit(store_commit(st, &e) == STORE_OK ? 0 : 3);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

static void
wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_writer_waits_for_a_lock_held_by_another_process(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 2000);
	struct err e = {{0}};
	uint64_t t0, waited;
	pid_t pid;

	put1(st, "a", "1");
	pid = hold_lock(fx->path, 200);
	t0 = now_ms();
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	waited = now_ms() - t0;
	assert_int_equal(store_put(st, "a", "2", 1, &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	wait_ok(pid);
	assert_true(waited >= 150);
	assert_true(waited < 1500);
	store_free(st);
}

static void
test_reader_waits_for_a_writer_too(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 2000);
	struct buf val = BUF_INIT;
	struct err e = {{0}};
	uint64_t t0;
	pid_t pid;

	put1(st, "a", "1");
	pid = hold_lock(fx->path, 200);
	t0 = now_ms();
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_true(now_ms() - t0 >= 150);
	assert_int_equal(store_get(st, "a", &val, &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	wait_ok(pid);
	buf_free(&val);
	store_free(st);
}

static void
test_busy_after_the_budget_with_a_clear_message(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 100);
	struct err e = {{0}};
	char want[256];
	uint64_t t0, waited;
	pid_t pid;

	put1(st, "a", "1");
	pid = hold_lock(fx->path, 600);
	t0 = now_ms();
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_BUSY);
	waited = now_ms() - t0;
	assert_true(waited >= 100);
	assert_true(waited < 400);
	snprintf(want, sizeof(want),
	         "%s: state file busy (locked by another process; gave up "
	         "after 100 ms)",
	         fx->path);
	assert_string_equal(e.msg, want);
	/* The failed begin released the mutex: once the child is done,
	 * the same handle works. */
	wait_ok(pid);
	put1(st, "a", "2");
	store_free(st);
}

static void
test_file_replaced_before_the_lock_is_reopened(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct buf val = BUF_INIT;
	struct err e = {{0}};
	char other[160];
	struct store *ot;

	snprintf(other, sizeof(other), "%s/other.db", fx->dir);
	ot = store_new(other, 0);
	put1(st, "which", "old");
	put1(ot, "which", "new");
	flock_swap_from = other;
	flock_swap_to = fx->path;
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	assert_null(flock_swap_from); /* the swap happened */
	assert_int_equal(store_get(st, "which", &val, &e), STORE_OK);
	assert_string_equal(buf_cstr(&val), "new");
	assert_int_equal(store_commit(st, &e), STORE_OK);
	buf_free(&val);
	store_free(ot);
	store_free(st);
}

struct holder {
	const char *path;
	unsigned hold_ms;
	int ready[2]; /* a byte is written once the transaction is open */
	int rc;
};

static void *
hold_thread(void *arg)
{
	struct holder *h = arg;
	struct store *st = store_new(h->path, 0);
	struct err e;

	h->rc = -1;
	if (st == NULL || store_begin(st, STORE_WRITE, &e) != STORE_OK)
		return NULL;
	if (write(h->ready[1], "x", 1) == 1) {
		sleep_ms(h->hold_ms);
		h->rc = store_commit(st, &e) == STORE_OK ? 0 : -1;
	}
	store_free(st);
	return NULL;
}

static void
test_threads_queue_on_the_mutex_within_the_budget(void **state)
{
	struct fixture *fx = *state;
	struct store *quick = store_new(fx->path, 100);
	struct store *patient = store_new(fx->path, 2000);
	struct holder h = {fx->path, 300, {-1, -1}, -1};
	struct err e = {{0}};
	pthread_t tid;
	char want[256], c;

	put1(patient, "a", "1");
	assert_int_equal(pipe(h.ready), 0);
	assert_int_equal(pthread_create(&tid, NULL, hold_thread, &h), 0);
	assert_int_equal(read(h.ready[0], &c, 1), 1);
	assert_int_equal(store_begin(quick, STORE_READ, &e), STORE_BUSY);
	snprintf(want, sizeof(want),
	         "%s: state file busy (in use by another thread; gave up "
	         "after 100 ms)",
	         fx->path);
	assert_string_equal(e.msg, want);
	assert_int_equal(store_begin(patient, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_commit(patient, &e), STORE_OK);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(h.rc, 0);
	close(h.ready[0]);
	close(h.ready[1]);
	store_free(quick);
	store_free(patient);
}

/* One read-modify-write of "counter", plus the key OWN. 0 or -1. */
static int
bump(struct store *st, const char *own)
{
	struct buf val = BUF_INIT;
	struct err e;
	char num[32];
	long n = 0;
	int rc = -1;

	if (store_begin(st, STORE_WRITE, &e) != STORE_OK) {
		fprintf(stderr, "bump: %s\n", e.msg);
		return -1;
	}
	switch (store_get(st, "counter", &val, &e)) {
	case STORE_OK:
		n = strtol(buf_cstr(&val), NULL, 10);
		break;
	case STORE_NOTFOUND:
		break;
	default:
		goto out;
	}
	snprintf(num, sizeof(num), "%ld", n + 1);
	if (store_put(st, "counter", num, strlen(num), &e) != STORE_OK ||
	    store_put(st, own, "x", 1, &e) != STORE_OK)
		goto out;
	rc = store_commit(st, &e) == STORE_OK ? 0 : -1;
	buf_free(&val);
	return rc;
out:
	fprintf(stderr, "bump: %s\n", e.msg);
	store_abort(st);
	buf_free(&val);
	return -1;
}

/* RMW_ROUNDS bumps with keys "WHO:NNN"; 0 or -1. */
static int
bump_rounds(const char *path, const char *who)
{
	struct store *st = store_new(path, 0);
	char own[32];
	int rc = 0;

	if (st == NULL)
		return -1;
	for (int i = 0; i < RMW_ROUNDS && rc == 0; i++) {
		snprintf(own, sizeof(own), "%s:%03d", who, i);
		rc = bump(st, own);
	}
	store_free(st);
	return rc;
}

static void
check_counter(struct store *st, const char *who1, const char *who2)
{
	struct buf val = BUF_INIT;
	struct err e = {{0}};
	char prefix[16];

	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_get(st, "counter", &val, &e), STORE_OK);
	assert_string_equal(buf_cstr(&val), "400");
	assert_int_equal(store_commit(st, &e), STORE_OK);
	snprintf(prefix, sizeof(prefix), "%s:", who1);
	assert_int_equal(count_keys(st, prefix), RMW_ROUNDS);
	snprintf(prefix, sizeof(prefix), "%s:", who2);
	assert_int_equal(count_keys(st, prefix), RMW_ROUNDS);
	assert_int_equal(count_keys(st, ""), 2 * RMW_ROUNDS + 1);
	buf_free(&val);
}

static void
test_two_processes_lose_no_update(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	pid_t pids[2];

	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(bump_rounds(fx->path, i == 0 ? "p0" : "p1") == 0
			          ? 0
			          : 1);
	}
	wait_ok(pids[0]);
	wait_ok(pids[1]);
	check_counter(st, "p0", "p1");
	store_free(st);
}

struct bumper {
	const char *path;
	const char *who;
	int rc;
};

static void *
bump_thread(void *arg)
{
	struct bumper *b = arg;

	b->rc = bump_rounds(b->path, b->who);
	return NULL;
}

static void
test_two_threads_lose_no_update(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct bumper b[2] = {{fx->path, "t0", -1}, {fx->path, "t1", -1}};
	pthread_t tid[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(
		    pthread_create(&tid[i], NULL, bump_thread, &b[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	assert_int_equal(b[0].rc, 0);
	assert_int_equal(b[1].rc, 0);
	check_counter(st, "t0", "t1");
	store_free(st);
}

/* store_job_fn: one read-modify-write of "counter", plus the key ARG. */
static enum store_rc
bump_job(struct store *st, void *arg, struct err *e)
{
	struct buf val = BUF_INIT;
	enum store_rc rc;
	char num[32];
	long n = 0;

	rc = store_get(st, "counter", &val, e);
	if (rc == STORE_OK)
		n = strtol(buf_cstr(&val), NULL, 10);
	buf_free(&val);
	if (rc < 0)
		return rc;
	snprintf(num, sizeof(num), "%ld", n + 1);
	rc = store_put(st, "counter", num, strlen(num), e);
	return rc < 0 ? rc : store_put(st, arg, "x", 1, e);
}

static void *
shared_bump_thread(void *arg)
{
	struct bumper *b = arg;
	struct store *st = store_new(b->path, 0);
	struct err e;
	char own[32];

	b->rc = st == NULL ? -1 : 0;
	for (int i = 0; i < RMW_ROUNDS && b->rc == 0; i++) {
		snprintf(own, sizeof(own), "%s:%03d", b->who, i);
		b->rc = store_write_shared(st, bump_job, own, &e) == STORE_OK
		            ? 0
		            : -1;
	}
	store_free(st);
	return NULL;
}

static void
test_shared_writes_of_two_threads_lose_no_update(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct bumper b[2] = {{fx->path, "s0", -1}, {fx->path, "s1", -1}};
	pthread_t tid[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(
		    pthread_create(&tid[i], NULL, shared_bump_thread, &b[i]),
		    0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	assert_int_equal(b[0].rc, 0);
	assert_int_equal(b[1].rc, 0);
	check_counter(st, "s0", "s1");
	store_free(st);
}

/* A shared writer: its job notes the handle it ran on; the first one
 * signals READY and then holds the transaction for HOLD_MS. */
struct sharer {
	const char *path;
	const char *key;
	unsigned hold_ms;
	int ready;                 /* write end of a pipe, or -1 */
	struct store *mine, *used; /* its own handle; the one its job got */
	enum store_rc rc;
};

static enum store_rc
sharer_job(struct store *st, void *arg, struct err *e)
{
	struct sharer *s = arg;

	s->used = st;
	if (s->ready >= 0 && write(s->ready, "x", 1) != 1)
		return STORE_ERR;
	sleep_ms(s->hold_ms);
	return store_put(st, s->key, "x", 1, e);
}

static void *
sharer_thread(void *arg)
{
	struct sharer *s = arg;
	struct err e;

	s->rc = store_write_shared(s->mine, sharer_job, s, &e);
	return NULL;
}

static void
test_writers_queued_behind_a_transaction_share_the_next(void **state)
{
	struct fixture *fx = *state;
	int ready[2];
	struct sharer s[3] = {{fx->path, "a", 300, -1, NULL, NULL, -1},
	                      {fx->path, "b", 0, -1, NULL, NULL, -1},
	                      {fx->path, "c", 0, -1, NULL, NULL, -1}};
	struct store *st = store_new(fx->path, 0);
	pthread_t tid[3];
	char c;

	assert_int_equal(pipe(ready), 0);
	s[0].ready = ready[1];
	for (int i = 0; i < 3; i++)
		assert_non_null(s[i].mine = store_new(fx->path, 0));
	assert_int_equal(pthread_create(&tid[0], NULL, sharer_thread, &s[0]),
	                 0);
	assert_int_equal(read(ready[0], &c, 1), 1);
	/* "a" holds the file: "b" and "c" queue, then run as one batch. */
	for (int i = 1; i < 3; i++)
		assert_int_equal(
		    pthread_create(&tid[i], NULL, sharer_thread, &s[i]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(s[i].rc, STORE_OK);
	assert_ptr_equal(s[0].used, s[0].mine);
	assert_ptr_equal(s[1].used, s[2].used);
	assert_true(s[1].used == s[1].mine || s[2].used == s[2].mine);
	assert_int_equal(count_keys(st, ""), 3);
	for (int i = 0; i < 3; i++)
		store_free(s[i].mine);
	store_free(st);
	close(ready[0]);
	close(ready[1]);
}

static void
test_shared_write_that_cannot_begin_says_why(void **state)
{
	struct fixture *fx = *state;
	char path[160], want[256];
	struct store *st;
	struct err e = {{0}};
	struct sharer s = {NULL, "a", 0, -1, NULL, NULL, -1};

	snprintf(path, sizeof(path), "%s/missing/state.db", fx->dir);
	st = store_new(path, 0);
	assert_int_equal(store_write_shared(st, sharer_job, &s, &e), STORE_ERR);
	assert_null(s.used); /* the job never ran */
	snprintf(want, sizeof(want), "%s: cannot open: ", path);
	assert_memory_equal(e.msg, want, strlen(want));
	store_free(st);
}

/* A job whose files must be on disk first: the batch flushes their file
 * system before the commit; a flush that cannot be done fails that job. */
static void
test_shared_write_flushes_the_jobs_file_system_first(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct sharer s = {NULL, "a", 0, -1, NULL, NULL, -1};
	struct err e = {{0}};
	int dfd = open(fx->dir, O_RDONLY | O_DIRECTORY);

	assert_true(dfd >= 0);
	assert_int_equal(store_write_shared_synced(st, sharer_job, &s, dfd, &e),
	                 STORE_OK);
	assert_ptr_equal(s.used, st);
	close(dfd);
	s.key = "b"; /* 1000: a descriptor that names nothing */
	assert_int_equal(
	    store_write_shared_synced(st, sharer_job, &s, 1000, &e), STORE_ERR);
	assert_string_equal(e.msg, "cannot flush the file system of its files "
	                           "to disk: Bad file descriptor");
	assert_int_equal(count_keys(st, ""), 2); /* no rollback: said so */
	store_free(st);
}

static void
test_room_is_asked_of_the_state_files_file_system(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct err e = {{0}};
	char want[256];

	assert_int_equal(store_room(st, 1, &e), STORE_OK);
	assert_int_equal(store_room(st, UINT64_C(1) << 62, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s: not enough free space on its file system for this "
	         "(about %" PRIu64 " KB needed, ",
	         fx->path, (UINT64_C(1) << 62) / 1024);
	assert_memory_equal(e.msg, want, strlen(want));
	assert_non_null(strstr(e.msg, " KB free); nothing written"));
	assert_false(exists(fx->path)); /* asking writes nothing */
	store_free(st);
}

static void
test_backup_then_restore_gives_back_the_old_contents(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct err e = {{0}};
	char *before, *after, *dump, tmp[160];
	const char bin[] = {'\0', '\n', '#', ':'};
	struct stat sb;

	fill(st, 30, 40);
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_put(st, "bin", bin, sizeof(bin), &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	before = contents(st);
	assert_non_null(strstr(before, "bin=\\x00\\x0a#:\n"));

	assert_int_equal(store_backup(st, fx->dump, &e), STORE_OK);
	assert_int_equal(stat(fx->dump, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->dump);
	assert_false(exists(tmp));
	dump = slurp(fx->dump, NULL);
	assert_memory_equal(dump, "# GDBM dump file", 16);
	assert_non_null(strstr(dump, "#:count=31\n# End of data\n"));
	free(dump);

	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	assert_int_equal(store_del(st, "key:000", &e), STORE_OK);
	assert_int_equal(store_put(st, "key:001", "changed", 7, &e), STORE_OK);
	assert_int_equal(store_put(st, "new", "1", 1, &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	after = contents(st);
	assert_string_not_equal(after, before);
	free(after);

	assert_int_equal(store_restore(st, fx->dump, &e), STORE_OK);
	after = contents(st);
	assert_string_equal(after, before);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	free(after);
	free(before);
	store_free(st);
}

static void
test_restore_keeps_the_mode_of_the_state_file(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct err e = {{0}};
	struct stat sb;

	put1(st, "a", "1");
	assert_int_equal(store_backup(st, fx->dump, &e), STORE_OK);
	assert_int_equal(chmod(fx->path, 0640), 0);
	assert_int_equal(store_restore(st, fx->dump, &e), STORE_OK);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	store_free(st);
}

static void
test_backup_of_missing_file_is_a_valid_empty_dump(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct err e = {{0}};

	assert_int_equal(store_backup(st, fx->dump, &e), STORE_OK);
	assert_false(exists(fx->path));
	put1(st, "a", "1");
	assert_int_equal(store_restore(st, fx->dump, &e), STORE_OK);
	assert_int_equal(count_keys(st, ""), 0);
	store_free(st);
}

static void
test_backup_to_unwritable_place_fails_naming_it(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct err e = {{0}};
	char dest[192], want[256];

	put1(st, "a", "1");
	snprintf(dest, sizeof(dest), "%s/no/such/dir/b.dump", fx->dir);
	assert_int_equal(store_backup(st, dest, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s.tmp: cannot create: No such file or directory", dest);
	assert_string_equal(e.msg, want);
	put1(st, "a", "2"); /* the transaction was ended */
	store_free(st);
}

static void
test_backup_onto_the_state_file_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct err e = {{0}};
	char want[256], alias[192], *before, *after;

	put1(st, "a", "1");
	before = contents(st);
	assert_int_equal(store_backup(st, fx->path, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s: cannot back up the state file onto itself", fx->path);
	assert_string_equal(e.msg, want);
	snprintf(alias, sizeof(alias), "%s/./state.db", fx->dir);
	assert_int_equal(store_backup(st, alias, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s: cannot back up the state file onto itself", alias);
	assert_string_equal(e.msg, want);
	after = contents(st);
	assert_string_equal(after, before);
	free(before);
	free(after);
	store_free(st);
}

/* Restore from the file BAD must fail with WANT and change nothing. */
static void
check_bad_restore(struct fixture *fx, struct store *st, const char *bad,
                  const char *want)
{
	struct err e = {{0}};
	char *before = contents(st), *after, tmp[192];

	assert_int_equal(store_restore(st, bad, &e), STORE_ERR);
	assert_string_equal(e.msg, want);
	after = contents(st);
	assert_string_equal(after, before);
	snprintf(tmp, sizeof(tmp), "%s.restore.%ld", fx->path, (long)getpid());
	assert_false(exists(tmp));
	free(before);
	free(after);
}

/* Offset of the Nth (from 1) occurrence of "#:len=" in S. */
static size_t
nth_record(const char *s, int n)
{
	const char *p = s;

	for (int i = 0; i < n; i++) {
		p = strstr(i == 0 ? p : p + 1, "#:len=");
		assert_non_null(p);
	}
	return (size_t)(p - s);
}

static void
test_restore_from_a_bad_dump_changes_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	char bad[160], want[512];
	struct buf b = BUF_INIT;
	char *dump;
	size_t len, cut, cut2;

	fill(st, 10, 20);
	assert_int_equal(store_backup(st, fx->dump, NULL), STORE_OK);
	dump = slurp(fx->dump, &len);
	snprintf(bad, sizeof(bad), "%s/bad.dump", fx->dir);

	spit(bad, "hello\n", 6);
	snprintf(want, sizeof(want),
	         "%s:1: not a gdbm ASCII dump, expected a line starting with "
	         "\"# GDBM dump file\"",
	         bad);
	check_bad_restore(fx, st, bad, want);

	spit(bad, "", 0);
	check_bad_restore(fx, st, bad, want);

	/* Cut between two records: gdbm_load alone would accept it. */
	cut = nth_record(dump, 5);
	spit(bad, dump, cut);
	snprintf(want, sizeof(want),
	         "%s: incomplete dump, expected it to end with \"#:count=N\" "
	         "and \"# End of data\"",
	         bad);
	check_bad_restore(fx, st, bad, want);

	/* A record pair missing in the middle, trailer intact. */
	cut2 = nth_record(dump, 7);
	buf_append(&b, dump, cut);
	buf_append(&b, dump + cut2, len - cut2);
	spit(bad, b.data, b.len);
	snprintf(want, sizeof(want),
	         "%s: bad dump: 9 records loaded, expected 10", bad);
	check_bad_restore(fx, st, bad, want);

	/* A record whose base64 is broken (line 16): gdbm counts the line
	 * it read ahead. */
	buf_reset(&b);
	cut2 = strchr(dump + cut, '\n') - dump + 1;
	buf_append(&b, dump, cut2);
	buf_puts(&b, "!!!!not base64!!!!\n");
	cut2 = strchr(dump + cut2, '\n') - dump + 1;
	buf_append(&b, dump + cut2, len - cut2);
	spit(bad, b.data, b.len);
	snprintf(want, sizeof(want), "%s:17: bad dump: Malformed data", bad);
	check_bad_restore(fx, st, bad, want);

	snprintf(bad, sizeof(bad), "%s/missing.dump", fx->dir);
	snprintf(want, sizeof(want),
	         "%s: cannot open: No such file or directory", bad);
	check_bad_restore(fx, st, bad, want);
	buf_free(&b);
	free(dump);
	store_free(st);
}

static void
test_restore_waits_for_the_lock_and_gives_up_cleanly(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 100);
	struct err e = {{0}};
	char *before, *after, want[256], tmp[192];
	pid_t pid;

	put1(st, "a", "1");
	assert_int_equal(store_backup(st, fx->dump, &e), STORE_OK);
	put1(st, "a", "2");
	before = contents(st);
	pid = hold_lock(fx->path, 500);
	assert_int_equal(store_restore(st, fx->dump, &e), STORE_BUSY);
	snprintf(want, sizeof(want),
	         "%s: state file busy (locked by another process; gave up "
	         "after 100 ms)",
	         fx->path);
	assert_string_equal(e.msg, want);
	snprintf(tmp, sizeof(tmp), "%s.restore.%ld", fx->path, (long)getpid());
	assert_false(exists(tmp));
	wait_ok(pid);
	after = contents(st);
	assert_string_equal(after, before);
	free(before);
	free(after);
	store_free(st);
}

/* Overwrite LEN bytes of PATH at FRAC of its size with 0xa5. */
static void
scribble(const char *path, double frac, size_t len)
{
	char junk[256];
	struct stat sb;
	int fd;

	assert_true(len <= sizeof(junk));
	memset(junk, 0xa5, len);
	assert_int_equal(stat(path, &sb), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, len, (off_t)(sb.st_size * frac)),
	                 (ssize_t)len);
	close(fd);
}

/* The text after "PATH: " of the first report line going on with WHAT;
 * NULL when there is none. */
static const char *
report_line(const struct strlist *report, const char *path, const char *what)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < report->n; i++)
		if (strncmp(report->v[i], path, n) == 0 &&
		    strncmp(report->v[i] + n, ": ", 2) == 0 &&
		    strncmp(report->v[i] + n + 2, what, strlen(what)) == 0)
			return report->v[i] + n + 2;
	return NULL;
}

/*
 * Check a recovery's report against the store: the keys it says it
 * recovered are exactly the readable keys, none of more than TOTAL lost.
 * Returns the number recovered.
 */
static size_t
check_recovered(struct fixture *fx, struct store *st,
                const struct strlist *report, size_t total)
{
	const char *line = report_line(report, fx->path, "recovered ");
	char bak[160], want[192];
	size_t got, lost;
	struct strlist keys = STRLIST_INIT;
	struct buf val = BUF_INIT;
	struct err e = {{0}};

	assert_non_null(line);
	assert_int_equal(
	    sscanf(line, "recovered %zu keys, %zu lost", &got, &lost), 2);
	assert_true(got + lost <= total);
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_keys(st, "", &keys, &e), STORE_OK);
	assert_int_equal(keys.n, got);
	for (size_t i = 0; i < keys.n; i++)
		assert_int_equal(store_get(st, keys.v[i], &val, &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	snprintf(bak, sizeof(bak), "%s.bak.1", fx->path);
	snprintf(want, sizeof(want), "original kept as %s", bak);
	assert_non_null(report_line(report, fx->path, want));
	assert_true(exists(bak));
	strlist_clear(&keys);
	buf_free(&val);
	return got;
}

static void
test_recover_finds_no_damage_in_a_sound_file(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist report = STRLIST_INIT;
	struct err e = {{0}};
	char want[192];
	bool repaired = true;

	fill(st, 100, 10);
	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_OK);
	assert_false(repaired);
	assert_int_equal(report.n, 1);
	snprintf(want, sizeof(want), "%s: no damage found", fx->path);
	assert_string_equal(report.v[0], want);
	assert_int_equal(count_keys(st, ""), 100);
	strlist_clear(&report);
	store_free(st);
}

static void
test_recover_repairs_garbage_in_the_middle(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist report = STRLIST_INIT;
	struct err e = {{0}};
	char bak[160], *damaged, *kept;
	size_t dlen, klen, got;
	bool repaired = false;

	fill(st, 100, 10);
	scribble(fx->path, 0.6, 64);
	damaged = slurp(fx->path, &dlen);
	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_OK);
	assert_true(repaired);
	got = check_recovered(fx, st, &report, 100);
	assert_true(got < 100);
	/* The original is kept byte for byte. */
	snprintf(bak, sizeof(bak), "%s.bak.1", fx->path);
	kept = slurp(bak, &klen);
	assert_int_equal(klen, dlen);
	assert_memory_equal(kept, damaged, dlen);
	free(kept);
	free(damaged);
	strlist_clear(&report);

	/* Now sound, and writable. */
	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_OK);
	assert_false(repaired);
	put1(st, "after", "1");
	assert_int_equal(count_keys(st, ""), got + 1);
	strlist_clear(&report);
	store_free(st);
}

/* With 4096-byte blocks, 30% of this file is the bucket directory. */
static void
test_recover_repairs_a_damaged_directory(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist report = STRLIST_INIT;
	struct err e = {{0}};
	bool repaired = false;
	const char *line;

	fill(st, 100, 10);
	scribble(fx->path, 0.3, 64);
	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_OK);
	assert_true(repaired);
	check_recovered(fx, st, &report, 100);
	line = report_line(&report, fx->path, "recovered ");
	assert_non_null(strstr(line, " buckets unreadable, the keys they held "
	                             "(if any) lost"));
	strlist_clear(&report);
	store_free(st);
}

static void
test_recover_repairs_a_truncated_file(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist report = STRLIST_INIT;
	struct err e = {{0}};
	struct stat sb;
	bool repaired = false;
	size_t got;

	fill(st, 100, 100);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(truncate(fx->path, sb.st_size * 6 / 10), 0);
	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_OK);
	assert_true(repaired);
	got = check_recovered(fx, st, &report, 100);
	assert_true(got < 100);
	strlist_clear(&report);
	store_free(st);
}

/* Bytes past the end gdbm recorded: gdbm flags the file at open. */
static void
test_file_flagged_by_gdbm_fails_until_recovered(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist report = STRLIST_INIT;
	struct buf val = BUF_INIT;
	struct err e = {{0}};
	char want[256];
	bool repaired = false;
	FILE *fp;

	fill(st, 100, 10);
	fp = fopen(fx->path, "ab");
	assert_non_null(fp);
	assert_int_equal(fputs("junk", fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_get(st, "key:001", &val, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s: cannot read \"key:001\": Database needs recovery (once "
	         "the cause is fixed, check the file with `relance fsck`)",
	         fx->path);
	assert_string_equal(e.msg, want);
	store_abort(st);

	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_OK);
	assert_true(repaired);
	assert_int_equal(check_recovered(fx, st, &report, 100), 100);
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_get(st, "key:001", &val, &e), STORE_OK);
	assert_string_equal(buf_cstr(&val), "bbbbbbbbbb");
	assert_int_equal(store_commit(st, &e), STORE_OK);
	strlist_clear(&report);
	buf_free(&val);
	store_free(st);
}

static void
test_recover_of_a_broken_header_says_to_restore(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist report = STRLIST_INIT;
	struct err e = {{0}};
	char want[256];
	bool repaired = true;

	fill(st, 10, 10);
	scribble(fx->path, 0, 64);
	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_ERR);
	assert_false(repaired);
	snprintf(want, sizeof(want),
	         "%s: cannot repair: Bad magic number, gdbm cannot open it at "
	         "all; restore it from a backup with `relance restore`",
	         fx->path);
	assert_string_equal(e.msg, want);
	assert_int_equal(report.n, 0);
	store_free(st);
}

static void
test_recover_of_an_empty_file_says_to_restore(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist report = STRLIST_INIT;
	struct err e = {{0}};
	char want[256];
	bool repaired = true;

	spit(fx->path, "", 0);
	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_ERR);
	assert_false(repaired);
	snprintf(want, sizeof(want),
	         "%s: cannot repair: the file is empty (0 bytes); restore it "
	         "from a backup with `relance restore`",
	         fx->path);
	assert_string_equal(e.msg, want);
	store_free(st);
}

static void
test_recover_of_a_missing_file_has_nothing_to_do(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct strlist report = STRLIST_INIT;
	struct err e = {{0}};
	char want[256];
	bool repaired = true;

	assert_int_equal(store_recover(st, &report, &repaired, &e), STORE_OK);
	assert_false(repaired);
	assert_int_equal(report.n, 1);
	snprintf(want, sizeof(want), "%s: no state file yet, nothing to check",
	         fx->path);
	assert_string_equal(report.v[0], want);
	assert_false(exists(fx->path));
	strlist_clear(&report);
	store_free(st);
}

/* ---- store_walk ---- */

#define WALK_KEYS 3000

/* What the walk callbacks see and do. */
struct walker {
	struct store *st;
	unsigned *seen;   /* per "inv:N": how many times */
	size_t calls;     /* records seen */
	size_t stop_at;   /* return 7 at this call (0: never) */
	bool churn;       /* write between batches: adds, deletes */
	unsigned churned; /* "new:" keys added by the churn */
};

static int
walk_count(const char *key, const char *val, size_t len, void *arg)
{
	struct walker *w = arg;
	unsigned n;

	w->calls++;
	if (strncmp(key, "inv:", 4) != 0 || sscanf(key + 4, "%u", &n) != 1 ||
	    n >= WALK_KEYS * 2)
		return 99; /* a key it was not asked for */
	if (len != strlen(key) || memcmp(val, key, len) != 0)
		return 98; /* the value is the key */
	w->seen[n]++;
	if (w->stop_at != 0 && w->calls == w->stop_at)
		return 7;
	if (w->churn && w->calls % 16 == 0) {
		/* Outside any transaction: a writer gets in between two
		 * batches, adds keys (gdbm splits buckets) and deletes
		 * "inv:" keys the walk has not reached yet or has passed. */
		struct err e;
		char k[32];

		if (store_begin(w->st, STORE_WRITE, &e) != STORE_OK)
			return 97;
		for (int i = 0; i < 40; i++) {
			snprintf(k, sizeof(k), "new:%u", w->churned++);
			if (store_put(w->st, k, k, strlen(k), &e) != STORE_OK)
				return 96;
		}
		/* Odd numbers above WALK_KEYS are deleted as the walk goes:
		 * they do not exist for the whole walk. */
		snprintf(k, sizeof(k), "inv:%zu",
		         (size_t)WALK_KEYS + 1 + 2 * (w->calls / 16));
		store_del(w->st, k, &e);
		/* A new "inv:" key, created during the walk: never seen
		 * (walk_count fails on numbers from 2 * WALK_KEYS on). */
		snprintf(k, sizeof(k), "inv:%zu",
		         (size_t)WALK_KEYS * 2 + w->calls / 16);
		if (store_put(w->st, k, k, strlen(k), &e) != STORE_OK)
			return 94;
		if (store_commit(w->st, &e) != STORE_OK)
			return 95;
	}
	return 0;
}

static struct store *
walk_fill(const struct fixture *fx, unsigned n)
{
	struct store *st = store_new(fx->path, 0);
	struct err e;
	char k[32];

	assert_non_null(st);
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	for (unsigned i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "inv:%u", i);
		assert_int_equal(store_put(st, k, k, strlen(k), &e), STORE_OK);
	}
	assert_int_equal(store_put(st, "trk:X", "y", 1, &e), STORE_OK);
	assert_int_equal(store_commit(st, &e), STORE_OK);
	return st;
}

static void
test_walk_sees_every_key_once_in_batches(void **state)
{
	struct fixture *fx = *state;
	struct store *st = walk_fill(fx, WALK_KEYS);
	struct walker w = {
	    st, calloc(WALK_KEYS * 2, sizeof(unsigned)), 0, 0, false, 0};
	struct err e;

	assert_non_null(w.seen);
	assert_int_equal(store_walk(st, "inv:", 7, walk_count, &w, &e), 0);
	assert_int_equal(w.calls, WALK_KEYS);
	for (unsigned i = 0; i < WALK_KEYS; i++)
		assert_int_equal(w.seen[i], 1);
	free(w.seen);
	store_free(st);
}

static void
test_walk_with_writers_between_batches_sees_old_keys_once(void **state)
{
	struct fixture *fx = *state;
	/* inv:0 .. inv:2*WALK_KEYS-1: the upper odd ones get deleted. */
	struct store *st = walk_fill(fx, WALK_KEYS * 2);
	struct walker w = {
	    st, calloc(WALK_KEYS * 2, sizeof(unsigned)), 0, 0, true, 0};
	struct err e;
	unsigned deleted = 0;

	assert_non_null(w.seen);
	assert_int_equal(store_walk(st, "inv:", 16, walk_count, &w, &e), 0);
	assert_true(w.churned > 4000); /* enough to split many buckets */
	for (unsigned i = 0; i < WALK_KEYS * 2; i++) {
		bool doomed = i > WALK_KEYS && i % 2 == 1;

		if (!doomed)
			assert_int_equal(w.seen[i], 1);
		else
			assert_true(w.seen[i] <= 1);
		deleted += doomed && w.seen[i] == 0;
	}
	assert_true(deleted > 0); /* some were gone before their batch */
	free(w.seen);
	store_free(st);
}

static void
test_walk_stops_when_the_callback_says_so(void **state)
{
	struct fixture *fx = *state;
	struct store *st = walk_fill(fx, 100);
	struct walker w = {
	    st, calloc(WALK_KEYS * 2, sizeof(unsigned)), 0, 30, false, 0};
	struct err e;

	assert_non_null(w.seen);
	assert_int_equal(store_walk(st, "inv:", 8, walk_count, &w, &e), 7);
	assert_int_equal(w.calls, 30);
	/* Nothing left open: a write goes through at once. */
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_OK);
	store_abort(st);
	free(w.seen);
	store_free(st);
}

static void
test_walk_of_missing_file_sees_nothing(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 0);
	struct walker w = {st, NULL, 0, 0, false, 0};
	struct err e;

	assert_int_equal(store_walk(st, "inv:", 0, walk_count, &w, &e), 0);
	assert_int_equal(w.calls, 0);
	assert_int_equal(access(fx->path, F_OK), -1);
	store_free(st);
}

static void
test_walk_inside_a_transaction_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *st = walk_fill(fx, 3);
	struct walker w = {st, NULL, 0, 0, false, 0};
	struct err e;

	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_OK);
	assert_int_equal(store_walk(st, "inv:", 0, walk_count, &w, &e),
	                 STORE_ERR);
	assert_non_null(strstr(e.msg, "already open"));
	store_abort(st);
	store_free(st);
}

/* A writer must not make a truncated state file a new, empty database
 * (it would then pass for a healthy one): it waits a little for a
 * creator, then refuses, leaving the file as it is. */
static void
test_write_of_zero_length_file_is_refused(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 100);
	struct err e = {{0}};
	char want[256];
	struct stat sb;

	spit(fx->path, "", 0);
	assert_int_equal(store_begin(st, STORE_WRITE, &e), STORE_ERR);
	snprintf(want, sizeof(want),
	         "%s: cannot open: the file is empty (0 bytes), not a state "
	         "file (truncated?); restore it from a backup with `relance "
	         "restore`",
	         fx->path);
	assert_string_equal(e.msg, want);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	/* the handle is usable again once the file is gone */
	assert_int_equal(unlink(fx->path), 0);
	put1(st, "a", "1");
	assert_int_equal(count_keys(st, ""), 1);
	store_free(st);
}

/* Restore is the way back from a file gdbm cannot open at all. */
static void
test_restore_over_a_damaged_header(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 100);
	struct err e = {{0}};
	char *before, *after;
	struct stat sb;

	fill(st, 20, 40);
	before = contents(st);
	assert_int_equal(store_backup(st, fx->dump, &e), STORE_OK);
	scribble(fx->path, 0.0, 64);
	assert_int_equal(store_begin(st, STORE_READ, &e), STORE_ERR);
	assert_int_equal(chmod(fx->path, 0640), 0);
	assert_int_equal(store_restore(st, fx->dump, &e), STORE_OK);
	after = contents(st);
	assert_string_equal(after, before);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	free(before);
	free(after);
	store_free(st);
}

static void
test_restore_over_an_empty_file(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 100);
	struct err e = {{0}};

	put1(st, "a", "1");
	assert_int_equal(store_backup(st, fx->dump, &e), STORE_OK);
	assert_int_equal(truncate(fx->path, 0), 0);
	assert_int_equal(store_restore(st, fx->dump, &e), STORE_OK);
	assert_int_equal(count_keys(st, ""), 1);
	store_free(st);
}

/* Over a damaged file, restore still waits for gdbm's lock (flock). */
static void
test_restore_over_a_damaged_file_respects_the_lock(void **state)
{
	struct fixture *fx = *state;
	struct store *st = store_new(fx->path, 100);
	struct err e = {{0}};
	char want[256];
	int fds[2];
	pid_t pid;
	char c;

	put1(st, "a", "1");
	assert_int_equal(store_backup(st, fx->dump, &e), STORE_OK);
	assert_int_equal(truncate(fx->path, 0), 0);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(fx->path, O_RDWR);

		close(fds[0]);
		if (fd < 0 || flock(fd, LOCK_EX) != 0)
			_exit(1);
		if (write(fds[1], "x", 1) != 1)
			_exit(2);
		sleep_ms(500);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	assert_int_equal(store_restore(st, fx->dump, &e), STORE_BUSY);
	snprintf(want, sizeof(want),
	         "%s: state file busy (locked by another process; gave up "
	         "after 100 ms)",
	         fx->path);
	assert_string_equal(e.msg, want);
	wait_ok(pid);
	assert_int_equal(store_restore(st, fx->dump, &e), STORE_OK);
	assert_int_equal(count_keys(st, ""), 1);
	store_free(st);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_put_get_del_round_trip),
	    T(test_get_of_missing_key_is_notfound_and_empties_val),
	    T(test_keys_with_prefix_are_appended_sorted),
	    T(test_read_of_missing_file_is_empty_and_creates_nothing),
	    T(test_read_of_zero_length_file_is_empty),
	    T(test_new_file_has_mode_0600),
	    T(test_misuse_is_an_error_naming_the_file),
	    T(test_garbage_file_cannot_be_opened),
	    T(test_unreadable_directory_is_a_system_error),
	    T(test_writer_waits_for_a_lock_held_by_another_process),
	    T(test_reader_waits_for_a_writer_too),
	    T(test_busy_after_the_budget_with_a_clear_message),
	    T(test_file_replaced_before_the_lock_is_reopened),
	    T(test_threads_queue_on_the_mutex_within_the_budget),
	    T(test_two_processes_lose_no_update),
	    T(test_two_threads_lose_no_update),
	    T(test_shared_writes_of_two_threads_lose_no_update),
	    T(test_writers_queued_behind_a_transaction_share_the_next),
	    T(test_shared_write_that_cannot_begin_says_why),
	    T(test_room_is_asked_of_the_state_files_file_system),
	    T(test_shared_write_flushes_the_jobs_file_system_first),
	    T(test_backup_then_restore_gives_back_the_old_contents),
	    T(test_restore_keeps_the_mode_of_the_state_file),
	    T(test_backup_of_missing_file_is_a_valid_empty_dump),
	    T(test_backup_to_unwritable_place_fails_naming_it),
	    T(test_backup_onto_the_state_file_is_refused),
	    T(test_restore_from_a_bad_dump_changes_nothing),
	    T(test_restore_waits_for_the_lock_and_gives_up_cleanly),
	    T(test_write_of_zero_length_file_is_refused),
	    T(test_restore_over_a_damaged_header),
	    T(test_restore_over_an_empty_file),
	    T(test_restore_over_a_damaged_file_respects_the_lock),
	    T(test_recover_finds_no_damage_in_a_sound_file),
	    T(test_recover_repairs_garbage_in_the_middle),
	    T(test_recover_repairs_a_damaged_directory),
	    T(test_recover_repairs_a_truncated_file),
	    T(test_file_flagged_by_gdbm_fails_until_recovered),
	    T(test_recover_of_a_broken_header_says_to_restore),
	    T(test_recover_of_an_empty_file_says_to_restore),
	    T(test_recover_of_a_missing_file_has_nothing_to_do),
	    T(test_walk_sees_every_key_once_in_batches),
	    T(test_walk_with_writers_between_batches_sees_old_keys_once),
	    T(test_walk_stops_when_the_callback_says_so),
	    T(test_walk_of_missing_file_sees_nothing),
	    T(test_walk_inside_a_transaction_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
