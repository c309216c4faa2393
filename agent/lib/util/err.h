/* err.h: an error message buffer filled by the failing function. */
#ifndef PVT_ERR_H
#define PVT_ERR_H

struct pvt_err {
	char msg[1024];
};

/* Format into @e (if not NULL) and return -1, so callers can `return pvt_errf(...)`. */
int pvt_errf(struct pvt_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepend "prefix" to the message already in @e; returns -1. */
int pvt_err_prefix(struct pvt_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
