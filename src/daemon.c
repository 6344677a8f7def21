/*
 * daemon.c -- the relance-milter process: options, configuration
 * snapshot, socket, pid file, privileges, syslog, reloading.
 *
 * Start-up, in order: read relance.conf and the policy files (any error
 * stops here, printed as FILE:LINE); fork into the background unless -f
 * (the parent waits until the child is ready, so that its exit status
 * says whether the daemon started); create the socket and write the pid
 * file while still root; drop privileges to UserID, and refuse to go on
 * as root; start the signal thread; replay the spool; hand over to
 * smfi_main(3).
 *
 * libmilter's own signal thread turns SIGHUP and SIGTERM into a stop and
 * SIGINT into an abort, so a reload is SIGUSR1, waited for by a thread of
 * ours (sigwait), which also reloads when a connection notices that the
 * policy files changed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "daemon.h"
#include "incoming.h"
#include "midset.h"
#include "milter.h"
#include "spool.h"

#ifndef RELANCE_CONF
#define RELANCE_CONF "/etc/relance/relance.conf"
#endif

#define DAEMON_NAME            "relance-milter"
#define DAEMON_SIG_MAX_ENTRIES 4096 /* files looked at for a signature */

struct options {
	const char *config;   /* -c, or NULL */
	const char *socket;   /* -p */
	const char *user;     /* -u */
	const char *pid_file; /* -P */
	bool foreground;      /* -f */
	bool check;           /* -n */
};

/* Who to become. */
struct ids {
	bool change; /* started as root: become UID/GID */
	uid_t uid;
	gid_t gid;
	char name[64];
};

/*
 * The process's mutable state: the current snapshot and what decides when
 * to replace it or replay the spool, under LOCK. OPT and FIXED_NOW are set
 * once in main before any thread starts.
 */
static struct {
	pthread_mutex_t lock;
	struct snapshot *current;
	struct options opt;
	int64_t fixed_now;    /* RELANCE_NOW, or -1 */
	uint64_t checked_ms;  /* last look at the policy files */
	uint64_t replayed_ms; /* last replay of the spool */
	uint64_t tried_sig;   /* policy files refused: not retried */
	bool reload_pending;  /* a reload for edited policy files is due */
	bool spool_pending;   /* events may wait in the spool */
	unsigned long errors;
	struct midset mids;         /* our reminders' Message-IDs */
	uint64_t mids_ms;           /* last reading of them */
	struct timespec mids_mtime; /* the state file's mtime then */
	bool mids_reading;          /* a thread reads them now */
} dstate = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .fixed_now = -1,
    .spool_pending = true, /* until the first replay says otherwise */
};

void
daemon_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(priority, fmt, ap);
	va_end(ap);
}

static uint64_t
daemon_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t
daemon_now(void)
{
	return dstate.fixed_now >= 0 ? dstate.fixed_now : (int64_t)time(NULL);
}

struct date
daemon_day_of(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return DATE_NULL;
	return (struct date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

void
daemon_count_error(void)
{
	pthread_mutex_lock(&dstate.lock);
	dstate.errors++;
	pthread_mutex_unlock(&dstate.lock);
}

void
daemon_spooled(void)
{
	pthread_mutex_lock(&dstate.lock);
	dstate.spool_pending = true;
	pthread_mutex_unlock(&dstate.lock);
}

/* ---- the policy files' signature ---- */

/* Mix what stat says of PATH into *SIG (order-independent: a sum). */
static void
sig_add(uint64_t *sig, const char *path, const struct stat *sb)
{
	uint64_t h = 14695981039346656037ULL;
	const uint64_t fields[] = {
	    (uint64_t)sb->st_mtim.tv_sec, (uint64_t)sb->st_mtim.tv_nsec,
	    (uint64_t)sb->st_size, (uint64_t)sb->st_ino, (uint64_t)sb->st_mode};

	for (const char *p = path; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		h = (h ^ fields[i]) * 1099511628211ULL;
	*sig += h;
}

/* DIR and what it holds, DEPTH levels of directories down. */
static void
sig_dir(uint64_t *sig, const char *dir, int depth, unsigned *budget)
{
	struct stat sb;
	struct dirent *de;
	DIR *d;

	if (stat(dir, &sb) < 0)
		return;
	sig_add(sig, dir, &sb);
	if (!S_ISDIR(sb.st_mode) || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *budget > 0) {
		char path[4096];

		if (de->d_name[0] == '.')
			continue;
		(*budget)--;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode) && depth > 0)
			sig_dir(sig, path, depth - 1, budget);
		else
			sig_add(sig, path, &sb);
	}
	closedir(d);
}

/* A number that changes when a file under DIR changes: DIR, its files,
 * templates/, templates/LANG/ and their files. */
static uint64_t
daemon_policy_signature(const char *dir)
{
	uint64_t sig = 1;
	unsigned budget = DAEMON_SIG_MAX_ENTRIES;

	sig_dir(&sig, dir, 2, &budget);
	return sig;
}

/* ---- snapshots ---- */

static void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	outgoing_conf_free(&s->oc);
	policy_free(s->pol);
	config_free(&s->cfg);
	free(s);
}

/* Replace *SLOT by a copy of V when V is set. */
static int
override(char **slot, const char *v)
{
	char *copy;

	if (v == NULL)
		return 0;
	if ((copy = strdup(v)) == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

static void
log_errors(const struct strlist *errors)
{
	for (size_t i = 0; i < errors->n; i++)
		daemon_log(LOG_ERR, "%s", errors->v[i]);
}

/* relance.conf (as the options amend it) into S. */
static int
snapshot_config(struct snapshot *s)
{
	struct strlist errors = STRLIST_INIT;
	const char *path = dstate.opt.config;
	int n = 0;

	if (config_init(&s->cfg) < 0)
		goto nomem;
	if (path == NULL && access(RELANCE_CONF, F_OK) == 0)
		path = RELANCE_CONF;
	if (path != NULL)
		n = config_load(&s->cfg, path, &errors);
	log_errors(&errors);
	strlist_clear(&errors);
	if (n < 0)
		goto nomem;
	if (n > 0)
		return -1;
	if (override(&s->cfg.socket, dstate.opt.socket) < 0 ||
	    override(&s->cfg.user_id, dstate.opt.user) < 0 ||
	    override(&s->cfg.pid_file, dstate.opt.pid_file) < 0)
		goto nomem;
	return 0;
nomem:
	daemon_log(LOG_ERR, "out of memory reading the configuration");
	return -1;
}

/*
 * A new snapshot from the files, into *OUT. Returns 0, or -1 after
 * logging every error; *SIG is the policy files' signature either way.
 */
static int
snapshot_new(struct snapshot **out, uint64_t *sig)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	struct strlist errors = STRLIST_INIT;
	struct err e;
	int n;

	*out = NULL;
	*sig = 0;
	if (s == NULL || snapshot_config(s) < 0) {
		snapshot_free(s);
		return -1;
	}
	s->refs = 1;
	*sig = s->policy_sig = daemon_policy_signature(s->cfg.policy_dir);
	n = policy_load(s->cfg.policy_dir, &s->pol, &errors);
	log_errors(&errors);
	strlist_clear(&errors);
	if (n != 0) {
		if (n < 0)
			daemon_log(LOG_ERR, "out of memory reading the policy");
		snapshot_free(s);
		return -1;
	}
	if (outgoing_conf_init(&s->oc, &s->cfg, s->pol, &e) < 0) {
		daemon_log(LOG_ERR, "%s", e.msg);
		snapshot_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void
daemon_release(struct snapshot *s)
{
	bool last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&dstate.lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&dstate.lock);
	if (last)
		snapshot_free(s);
}

/* Warn about changes that take a restart. */
static void
restart_needed(const struct config *old, const struct config *new)
{
	const struct {
		const char *key, *was, *is;
	} keys[] = {
	    {"Socket", old->socket, new->socket},
	    {"UserID", old->user_id, new->user_id},
	    {"PidFile", old->pid_file, new->pid_file},
	    {"TimeZone", old->timezone, new->timezone},
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].was, keys[i].is) != 0)
			daemon_log(LOG_WARNING,
			           "%s changed from \"%s\" to "
			           "\"%s\": restart relance-milter "
			           "for it to take effect",
			           keys[i].key, keys[i].was, keys[i].is);
}

/* Build a new snapshot and swap it in, or keep the running one. */
static void
daemon_reload(void)
{
	struct snapshot *s, *old;
	uint64_t sig;
	bool policy;

	pthread_mutex_lock(&dstate.lock);
	policy = dstate.reload_pending;
	dstate.reload_pending = false;
	pthread_mutex_unlock(&dstate.lock);
	if (snapshot_new(&s, &sig) < 0) {
		pthread_mutex_lock(&dstate.lock);
		dstate.tried_sig = sig;
		pthread_mutex_unlock(&dstate.lock);
		daemon_log(LOG_ERR, "reload refused: the running configuration "
		                    "and policy stay in force");
		return;
	}
	pthread_mutex_lock(&dstate.lock);
	old = dstate.current;
	dstate.current = s;
	dstate.tried_sig = 0;
	pthread_mutex_unlock(&dstate.lock);
	restart_needed(&old->cfg, &s->cfg);
	daemon_log(LOG_INFO, "configuration reloaded (%s): %s, policy %s",
	           policy ? "policy files changed" : "SIGUSR1",
	           s->cfg.path ? s->cfg.path : "built-in defaults",
	           s->cfg.policy_dir);
	daemon_release(old);
}

/* Start a reload when the policy files changed since S was read (and did
 * not fail to load as they are now). */
static void
daemon_check_policy(const struct snapshot *s)
{
	uint64_t sig = daemon_policy_signature(s->cfg.policy_dir);
	bool changed;

	pthread_mutex_lock(&dstate.lock);
	changed = sig != dstate.current->policy_sig &&
	          sig != dstate.tried_sig && !dstate.reload_pending;
	if (changed)
		dstate.reload_pending = true;
	pthread_mutex_unlock(&dstate.lock);
	if (changed) {
		daemon_log(LOG_INFO, "policy files changed in %s: reloading",
		           s->cfg.policy_dir);
		kill(getpid(), SIGUSR1);
	}
}

static void
replay_log(void *arg, const char *line)
{
	daemon_log(LOG_INFO, "%s", line);
}

/* Replies kept in SpoolDir/incoming while the state file was not
 * available: through the incoming path again. Adds to *LEFT what still
 * waits. 0, or -1 when the state file is still not available. */
static int
daemon_replay_incoming(const struct snapshot *s, struct store *st,
                       unsigned *left)
{
	int64_t now = daemon_now();
	struct incoming_ctx ic = {
	    s->pol, &s->oc.mailboxes,          st,   daemon_day_of(now),
	    now,    "relance-milter (replay)", NULL, NULL,
	    -1};
	struct buf dir = BUF_INIT;
	unsigned done = 0, wait = 0;
	struct err e;
	int rc;

	buf_printf(&dir, "%s/incoming", s->cfg.spool_dir);
	rc = incoming_replay(&ic, buf_cstr(&dir), DAEMON_REPLAY_MAX, &done,
	                     &wait, &e);
	if (done > 0)
		daemon_log(LOG_INFO, "spool: %u repl%s replayed from %s", done,
		           done == 1 ? "y" : "ies", buf_cstr(&dir));
	if (rc < 0)
		daemon_log(LOG_NOTICE, "spool: %u repl%s wait in %s: %s", wait,
		           wait == 1 ? "y" : "ies", buf_cstr(&dir), e.msg);
	*left += wait;
	buf_free(&dir);
	return rc;
}

/* Replay the spool of S into its state file. */
static void
daemon_replay(const struct snapshot *s)
{
	struct store *st = store_new(s->cfg.state_file, DAEMON_STORE_BUDGET_MS);
	struct spool_report r;
	enum store_rc rc;
	struct err e;

	if (st == NULL)
		return;
	rc = spool_replay(s->cfg.spool_dir, st, DAEMON_REPLAY_MAX, replay_log,
	                  NULL, &r, &e);
	if (rc == STORE_OK && daemon_replay_incoming(s, st, &r.left) < 0)
		rc = STORE_BUSY;
	store_free(st);
	if (rc != STORE_OK) {
		daemon_log(LOG_NOTICE, "spool: %u event%s wait in %s: %s",
		           r.left, r.left == 1 ? "" : "s", s->cfg.spool_dir,
		           e.msg);
		return;
	}
	if (r.applied + r.duplicates + r.nothing + r.failed > 0)
		daemon_log(LOG_INFO,
		           "spool: %u applied, %u already recorded, "
		           "%u without open invoice, %u failed, %u "
		           "left",
		           r.applied, r.duplicates, r.nothing, r.failed,
		           r.left);
	if (r.left == 0) {
		pthread_mutex_lock(&dstate.lock);
		dstate.spool_pending = false;
		pthread_mutex_unlock(&dstate.lock);
	}
}

/* ---- our reminders' Message-IDs ----
 *
 * Read from the state file's "mid:" index at start, and again (in a
 * thread of their own, not in a message's) when DAEMON_MIDS_MS have passed
 * and the file changed; the reminders the milter tags are added as they
 * go. Guarded by dstate.lock. */

void
daemon_mid_add(const char *id)
{
	pthread_mutex_lock(&dstate.lock);
	if (midset_add(&dstate.mids, id) < 0)
		daemon_log(LOG_WARNING, "no memory to remember Message-ID %s",
		           id);
	pthread_mutex_unlock(&dstate.lock);
}

bool
daemon_mid_known(const char *value)
{
	bool known;

	pthread_mutex_lock(&dstate.lock);
	known = midset_any(&dstate.mids, value);
	pthread_mutex_unlock(&dstate.lock);
	return known;
}

/* The mtime of PATH into *T ({0, 0} when it cannot be read). */
static void
daemon_mtime(const char *path, struct timespec *t)
{
	struct stat sb;

	if (stat(path, &sb) == 0)
		*t = sb.st_mtim;
	else
		t->tv_sec = t->tv_nsec = 0;
}

/* Read the Message-IDs of the state file PATH and put them in place of
 * the set in memory (kept when they cannot be read). */
static void
daemon_read_mids(const char *path)
{
	struct store *st = store_new(path, DAEMON_STORE_BUDGET_MS);
	struct strlist keys = STRLIST_INIT;
	struct midset fresh = MIDSET_INIT;
	struct timespec mtime;
	enum store_rc rc = STORE_ERR;
	struct err e;

	err_set(&e, "out of memory");
	daemon_mtime(path, &mtime);
	if (st != NULL && (rc = store_begin(st, STORE_READ, &e)) == STORE_OK) {
		rc = store_keys(st, "mid:", &keys, &e);
		store_abort(st);
	}
	for (size_t i = 0; rc == STORE_OK && i < keys.n; i++)
		if (midset_add(&fresh, keys.v[i] + 4) < 0) {
			err_set(&e, "out of memory");
			rc = STORE_ERR;
		}
	strlist_clear(&keys);
	store_free(st);
	pthread_mutex_lock(&dstate.lock);
	if (rc == STORE_OK) {
		struct midset old = dstate.mids;

		dstate.mids = fresh;
		fresh = old;
		dstate.mids_mtime = mtime;
	}
	dstate.mids_reading = false;
	pthread_mutex_unlock(&dstate.lock);
	midset_free(&fresh);
	if (rc != STORE_OK)
		daemon_log(LOG_NOTICE,
		           "Message-IDs of the reminders not read again: %s",
		           e.msg);
}

static void *
daemon_mids_thread(void *arg)
{
	char *path = arg;

	daemon_read_mids(path);
	free(path);
	return NULL;
}

/* Read the Message-IDs again in a thread of their own when they are due
 * (called without dstate.lock). */
static void
daemon_refresh_mids(const struct snapshot *s, uint64_t now)
{
	struct timespec mtime;
	pthread_attr_t attr;
	pthread_t tid;
	char *path;
	bool due;

	daemon_mtime(s->cfg.state_file, &mtime);
	pthread_mutex_lock(&dstate.lock);
	due = !dstate.mids_reading && now - dstate.mids_ms >= DAEMON_MIDS_MS &&
	      (mtime.tv_sec != dstate.mids_mtime.tv_sec ||
	       mtime.tv_nsec != dstate.mids_mtime.tv_nsec);
	if (due) {
		dstate.mids_reading = true;
		dstate.mids_ms = now;
	}
	pthread_mutex_unlock(&dstate.lock);
	if (!due)
		return;
	path = strdup(s->cfg.state_file);
	if (path != NULL && pthread_attr_init(&attr) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&tid, &attr, daemon_mids_thread, path) == 0)
			path = NULL;
		pthread_attr_destroy(&attr);
	}
	if (path == NULL)
		return;
	free(path);
	pthread_mutex_lock(&dstate.lock);
	dstate.mids_reading = false;
	pthread_mutex_unlock(&dstate.lock);
}

struct snapshot *
daemon_acquire(void)
{
	uint64_t now = daemon_ms();
	struct snapshot *s;
	bool check, replay;

	pthread_mutex_lock(&dstate.lock);
	s = dstate.current;
	s->refs++;
	check = now - dstate.checked_ms >= DAEMON_POLICY_CHECK_MS;
	if (check)
		dstate.checked_ms = now;
	replay = dstate.spool_pending &&
	         now - dstate.replayed_ms >= DAEMON_REPLAY_MS;
	if (replay)
		dstate.replayed_ms = now;
	pthread_mutex_unlock(&dstate.lock);
	if (check)
		daemon_check_policy(s);
	if (replay)
		daemon_replay(s);
	if (check)
		daemon_refresh_mids(s, now);
	return s;
}

/* ---- signals ---- */

static void *
daemon_signals(void *arg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		if (sigwait(&set, &sig) != 0 || sig != SIGUSR1)
			continue;
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		daemon_reload();
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	}
	return NULL;
}

/* ---- start-up ---- */

static void
usage(FILE *f)
{
	fprintf(f, "usage: " DAEMON_NAME " [-c CONFIG] [-p SOCKET] [-f] "
	           "[-u USER] [-P PIDFILE] [-n] [-V]\n"
	           "  -c CONFIG   relance.conf (default " RELANCE_CONF ")\n"
	           "  -p SOCKET   unix:/path, inet:PORT@HOST or "
	           "inet6:PORT@HOST (Socket)\n"
	           "  -f          stay in the foreground, log to stderr too\n"
	           "  -u USER     run as USER[:GROUP] (UserID)\n"
	           "  -P PIDFILE  write the process ID there (PidFile)\n"
	           "  -n          check the configuration and policies, and "
	           "exit\n"
	           "  -V          print the version and exit\n"
	           "See relance-milter(8).\n");
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	int ch;

	while ((ch = getopt(argc, argv, "c:p:fu:P:nVh")) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->socket = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'P':
			o->pid_file = optarg;
			break;
		case 'n':
			o->check = true;
			break;
		case 'V':
			printf(DAEMON_NAME " %s (libmilter)\n",
			       PACKAGE_VERSION);
			exit(EX_OK);
		case 'h':
			usage(stdout);
			exit(EX_OK);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, DAEMON_NAME ": unexpected argument \"%s\"\n",
		        argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* RELANCE_NOW, for tests: seconds since the epoch. */
static int
fixed_clock(void)
{
	const char *v = getenv("RELANCE_NOW");
	char *end;
	long long t;

	if (v == NULL || *v == '\0')
		return 0;
	t = strtoll(v, &end, 10);
	if (*end != '\0' || t < 0) {
		daemon_log(LOG_ERR,
		           "RELANCE_NOW=\"%s\" is not a number of "
		           "seconds since 1970",
		           v);
		return -1;
	}
	dstate.fixed_now = t;
	return 0;
}

/* USER or USER:GROUP into IDS; nothing to do unless running as root. */
static int
resolve_user(const char *spec, struct ids *ids)
{
	char name[64], *colon;
	struct passwd *pw;
	struct group *gr;

	memset(ids, 0, sizeof(*ids));
	if (geteuid() != 0)
		return 0;
	snprintf(name, sizeof(name), "%s", spec);
	if ((colon = strchr(name, ':')) != NULL)
		*colon++ = '\0';
	if ((pw = getpwnam(name)) == NULL) {
		daemon_log(LOG_ERR,
		           "UserID \"%s\": no such user (expected an "
		           "unprivileged user to run as, e.g. "
		           "relance)",
		           name);
		return -1;
	}
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	snprintf(ids->name, sizeof(ids->name), "%s", pw->pw_name);
	if (colon != NULL) {
		if ((gr = getgrnam(colon)) == NULL) {
			daemon_log(LOG_ERR, "UserID \"%s\": no such group",
			           spec);
			return -1;
		}
		ids->gid = gr->gr_gid;
	}
	if (ids->uid == 0) {
		daemon_log(LOG_ERR,
		           "UserID \"%s\" is root: refusing to run as "
		           "root (expected an unprivileged user, "
		           "e.g. relance)",
		           spec);
		return -1;
	}
	ids->change = true;
	return 0;
}

static int
drop_privileges(const struct ids *ids)
{
	if (ids->change && (initgroups(ids->name, ids->gid) < 0 ||
	                    setgid(ids->gid) < 0 || setuid(ids->uid) < 0)) {
		daemon_log(LOG_ERR, "cannot become user %s: %s", ids->name,
		           strerror(errno));
		return -1;
	}
	if (getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
	    getegid() == 0) {
		daemon_log(LOG_ERR, "refusing to run as root (set UserID or "
		                    "-u to an unprivileged user)");
		return -1;
	}
	return 0;
}

/* SpoolDir, made and given to the user when missing. */
static void
prepare_spool(const char *dir, const struct ids *ids)
{
	if (mkdir(dir, 0700) < 0) {
		if (errno != EEXIST)
			daemon_log(LOG_WARNING,
			           "SpoolDir %s: cannot create: "
			           "%s",
			           dir, strerror(errno));
		return;
	}
	if (ids->change && chown(dir, ids->uid, ids->gid) < 0)
		daemon_log(LOG_WARNING, "SpoolDir %s: cannot give it to %s: %s",
		           dir, ids->name, strerror(errno));
}

static int
write_pid_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 ||
	    fclose(f) != 0) {
		daemon_log(LOG_ERR, "PidFile %s: cannot write: %s", path,
		           strerror(errno));
		return -1;
	}
	return 0;
}

/* The path of a unix:/local: socket, or NULL. */
static const char *
unix_path(const char *socket)
{
	if (strncasecmp(socket, "unix:", 5) == 0)
		return socket + 5;
	if (strncasecmp(socket, "local:", 6) == 0)
		return socket + 6;
	return NULL;
}

/* True when something answers on the unix socket PATH: another milter,
 * whose socket smfi_opensocket would silently take over. */
static bool
socket_in_use(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return rc == 0;
}

static int
open_socket(const char *socket, const struct ids *ids)
{
	const char *path = unix_path(socket);

	if (path != NULL && socket_in_use(path)) {
		daemon_log(LOG_ERR,
		           "Socket %s: another milter answers there "
		           "(is relance-milter already running?)",
		           socket);
		return -1;
	}
	if (milter_register(DAEMON_NAME) < 0 ||
	    smfi_setconn((char *)socket) != MI_SUCCESS ||
	    smfi_opensocket(true) != MI_SUCCESS) {
		daemon_log(LOG_ERR,
		           "Socket %s: cannot listen (is another "
		           "milter there? is the directory "
		           "missing?)",
		           socket);
		return -1;
	}
	if (path == NULL)
		return 0;
	/* the MTA's user reaches it through the group */
	if ((ids->change && chown(path, ids->uid, ids->gid) < 0) ||
	    chmod(path, 0660) < 0) {
		daemon_log(LOG_ERR,
		           "Socket %s: cannot set its owner and mode: "
		           "%s",
		           socket, strerror(errno));
		return -1;
	}
	return 0;
}

/* Fork: the parent waits for the child's word on *READY, its exit status
 * (0 once it runs), and exits with it. Returns in the child. */
static int
background(int *ready)
{
	int fds[2];
	pid_t pid;
	unsigned char c = EX_OSERR;

	if (pipe(fds) < 0 || (pid = fork()) < 0) {
		daemon_log(LOG_ERR, "cannot go to the background: %s",
		           strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			c = EX_OSERR;
		_exit(c);
	}
	close(fds[0]);
	*ready = fds[1];
	if (setsid() < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

/* Tell the waiting parent that all went well; leave the terminal and
 * log to syslog only. */
static void
started(int ready)
{
	int null;

	if (ready < 0)
		return;
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	(void)!write(ready, "", 1);
	close(ready);
	openlog(DAEMON_NAME, LOG_PID, LOG_MAIL); /* syslog only from now */
}

/* Everything before smfi_main; returns an exit status, or -1 to go on. */
static int
start(struct snapshot *s, const struct ids *ids, int *ready, pthread_t *signals)
{
	sigset_t set;

	if (!dstate.opt.foreground && background(ready) < 0)
		return EX_OSERR;
	prepare_spool(s->cfg.spool_dir, ids);
	if (open_socket(s->cfg.socket, ids) < 0)
		return EX_UNAVAILABLE;
	if (write_pid_file(s->cfg.pid_file) < 0)
		return EX_CANTCREAT;
	if (drop_privileges(ids) < 0)
		return EX_NOPERM;
	/* SIGUSR1 for our thread only; libmilter's thread takes the rest */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
	    pthread_create(signals, NULL, daemon_signals, NULL) != 0) {
		daemon_log(LOG_ERR, "cannot start the signal thread");
		return EX_OSERR;
	}
	dstate.checked_ms = dstate.replayed_ms = daemon_ms();
	daemon_replay(s);
	return -1;
}

int
main(int argc, char **argv)
{
	struct snapshot *s;
	struct ids ids;
	pthread_t signals;
	uint64_t sig;
	int ready = -1, status;

	if (parse_options(argc, argv, &dstate.opt) < 0)
		return EX_USAGE;
	/* on stderr too until the daemon runs in the background */
	openlog(DAEMON_NAME, LOG_PID | LOG_PERROR, LOG_MAIL);
	if (fixed_clock() < 0 || snapshot_new(&s, &sig) < 0)
		return EX_CONFIG;
	if (setenv("TZ", s->cfg.timezone, 1) < 0)
		return EX_OSERR;
	tzset();
	if (dstate.opt.check) {
		printf("%s%s%s: OK\n", s->cfg.path ? s->cfg.path : "",
		       s->cfg.path ? ", " : "", s->cfg.policy_dir);
		snapshot_free(s);
		return EX_OK;
	}
	if (resolve_user(s->cfg.user_id, &ids) < 0) {
		snapshot_free(s);
		return EX_NOUSER;
	}
	dstate.current = s;
	status = start(s, &ids, &ready, &signals);
	if (status >= 0) {
		unsigned char c = (unsigned char)status;

		if (ready >= 0)
			(void)!write(ready, &c,
			             1); /* the parent's exit status */
		snapshot_free(s);
		return status;
	}
	daemon_log(LOG_INFO,
	           DAEMON_NAME " %s starting: socket %s, state %s, "
	                       "policy %s",
	           PACKAGE_VERSION, s->cfg.socket, s->cfg.state_file,
	           s->cfg.policy_dir);
	daemon_read_mids(s->cfg.state_file);
	dstate.mids_ms = daemon_ms();
	started(ready);
	status = smfi_main() == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
	pthread_cancel(signals);
	pthread_join(signals, NULL);
	pthread_mutex_lock(&dstate.lock);
	s = dstate.current;
	dstate.current = NULL;
	pthread_mutex_unlock(&dstate.lock);
	daemon_log(LOG_INFO, "stopping: %lu internal error%s since start",
	           dstate.errors, dstate.errors == 1 ? "" : "s");
	(void)unlink(s->cfg.pid_file); /* fails once unprivileged: fine */
	daemon_release(s);
	midset_free(&dstate.mids);
	closelog();
	return status;
}
