/*
 * err.h -- an error message that travels up to the shell, which logs it once.
 *
 * Fixed size, no allocation: setting an error never fails, even when memory
 * is exhausted. Messages follow "FILE:LINE: what is wrong, what was expected"
 * when they are about input.
 */
#ifndef RELANCE_ERR_H
#define RELANCE_ERR_H

#define ERR_MAX 512

struct err {
	char msg[ERR_MAX];
};

/* err_set -- replace the message (truncated to ERR_MAX - 1 bytes). */
void err_set(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* err_prefix -- put "PREFIX: " in front of the current message. */
void err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
