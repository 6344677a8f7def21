/*
 * daemon.h -- the relance-milter process: options, configuration snapshot,
 * socket, pid file, privileges, syslog, reloading.
 *
 * The configuration (relance.conf and the policy files, compiled) lives in
 * a reference-counted snapshot. Each milter connection takes a reference
 * when it starts and releases it when it closes; a reload (SIGUSR1, or
 * policy files edited, seen at connection time) builds a new snapshot and
 * swaps it in under a mutex, so that a connection sees one configuration
 * from start to end and the old one is freed by its last user. A
 * configuration or policy with an error is refused, with a log line naming
 * FILE:LINE, and the running one stays in force.
 *
 * The current snapshot and the bookkeeping that decides when to replace it
 * or to replay the spool are the process's only mutable global state.
 */
#ifndef RELANCE_DAEMON_H
#define RELANCE_DAEMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "date.h"
#include "outgoing.h"
#include "policy.h"

/* How long the milter waits for the state file before it spools, in ms. */
#define DAEMON_STORE_BUDGET_MS 200
/* Policy files are checked for changes at most this often, in ms. */
#define DAEMON_POLICY_CHECK_MS 1000
/* The spool is replayed at connection time at most this often, in ms. */
#define DAEMON_REPLAY_MS 5000
/* how often, at most, the Message-IDs of our reminders are read again
 * from the state file (when it changed): the milter adds those it records
 * itself at once, so this only catches other writers' (import, restore) */
#define DAEMON_MIDS_MS 300000
/* Events replayed at once, at most (the rest wait for the next time). */
#define DAEMON_REPLAY_MAX 100

/* One configuration, read-only once built. */
struct snapshot {
	unsigned refs; /* under the daemon's mutex */
	struct config cfg;
	struct policy *pol;
	struct outgoing_conf oc;
	uint64_t policy_sig; /* the policy files' signature when read */
};

/* daemon_acquire -- a reference to the current snapshot, for a new
 * connection; never NULL once the daemon runs. Also does what is due at
 * connection time: notice edited policy files (then a reload is started
 * in the background) and replay the spool when events wait. */
struct snapshot *daemon_acquire(void);

/* daemon_release -- give back a reference (NULL is fine); the last one
 * frees a snapshot that was replaced. */
void daemon_release(struct snapshot *s);

/* daemon_spooled -- note that an event was spooled, to be replayed. */
void daemon_spooled(void);

/* daemon_count_error -- count one internal error (reported at exit). */
void daemon_count_error(void);

/* daemon_mid_add -- remember ID, the Message-ID of a reminder just
 * recorded, for daemon_mid_known. */
void daemon_mid_add(const char *id);

/* daemon_mid_known -- does the header value VALUE (In-Reply-To,
 * References) name the Message-ID of one of our reminders? From memory
 * (midset.h), never from the state file. */
bool daemon_mid_known(const char *value);

/* daemon_now -- seconds since the epoch: the clock, or RELANCE_NOW when
 * set (for tests and previews, as relance(1) does). */
int64_t daemon_now(void);

/* daemon_day_of -- the calendar day of T in the configured TimeZone. */
struct date daemon_day_of(int64_t t);

/* daemon_log -- one syslog line (and on stderr in the foreground). */
void daemon_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
