/*
 * milter.h -- the libmilter callbacks of relance-milter.
 *
 * A thin shell: it gathers what the MTA says about a message, lets the
 * pure modules decide (outgoing.h for mail that leaves; the incoming
 * reader for replies, through the hooks in milter.c), applies their header
 * changes, and records events through spool.h. It never holds mail back
 * for its own trouble: every internal error goes through one function that
 * logs it with the queue ID and answers On-InternalError (accept by
 * default), leaving the mail unchanged.
 *
 * Ordinary mail takes the fast path: accepted at the end of the headers,
 * its body never asked for.
 */
#ifndef RELANCE_MILTER_H
#define RELANCE_MILTER_H

/* milter_register -- register the callbacks with libmilter under NAME.
 * 0, or -1 when smfi_register(3) fails. */
int milter_register(const char *name);

#endif
