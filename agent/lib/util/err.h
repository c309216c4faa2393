/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * err.h: the error convention of the agent.
 *
 * A function that can fail returns an int: 0 (or a non-negative value its
 * header documents) on success, a negative errno on failure. The message,
 * which names the source (the file and line, the device, the QMP socket),
 * goes into an optional struct pvt_err: pass NULL when no message is
 * wanted. So a caller tests `r < 0`, passes r up, and shows e.msg:
 *
 *	if ((r = pvt_read_file(root, path, &text, e)) < 0)
 *		return pvt_err_prefix(e, r, "%s: ", what);
 *
 * EINVAL is a bad input (a value, a name, a file's syntax), the most common
 * error here; a failed system call gives its errno. Functions whose result
 * is their value (a count of failed items, a bool) cannot fail as a whole.
 * Return values that must not be dropped (the store persisted, a timer
 * armed) carry PVT_MUST_CHECK: the compiler refuses to ignore them.
 */
#ifndef PVT_ERR_H
#define PVT_ERR_H

#define PVT_MUST_CHECK __attribute__((warn_unused_result))

struct pvt_err {
	char msg[1024];
};

/* Format into @e (if not NULL) and return -@errnum: `return pvt_fail(e, ENOENT, ...)`. */
int pvt_fail(struct pvt_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* pvt_fail() with EINVAL: bad input. */
int pvt_errf(struct pvt_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepend "prefix" to the message already in @e; returns @r (negative) as it is. */
int pvt_err_prefix(struct pvt_err *e, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Every error of a check that goes on after the first one (a profile's
 * files, sections, keys and devices): each message with its code, in the
 * order found. Functions that collect into one return how many they added.
 */
struct pvt_errs {
	char **msg;
	int *code;	/* negative errno of each */
	size_t n;
};

/* Add the message in @e with code @r (negative); returns @r. */
int pvt_errs_add(struct pvt_errs *l, int r, const struct pvt_err *e);
/*
 * 0 if @l is empty; else the first error's code, and @e (if not NULL) holds
 * every message, one per line, as many as fit (then "... and N more").
 */
int pvt_errs_result(const struct pvt_errs *l, struct pvt_err *e);
void pvt_errs_free(struct pvt_errs *l);

#endif
