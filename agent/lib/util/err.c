/* SPDX-License-Identifier: GPL-2.0-only */
/* err.c: formatting of error messages (see err.h for the convention). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static void vformat(struct pvt_err *e, const char *fmt, va_list ap)
{
	if (e)
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int pvt_fail(struct pvt_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(e, fmt, ap);
	va_end(ap);
	return errnum > 0 ? -errnum : -EIO;
}

int pvt_errf(struct pvt_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(e, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int pvt_err_prefix(struct pvt_err *e, int r, const char *fmt, ...)
{
	char prefix[512];
	char old[sizeof(e->msg)];
	va_list ap;
	size_t plen;

	if (!e)
		return r;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);

	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	if (plen >= sizeof(e->msg))
		plen = sizeof(e->msg) - 1;
	memcpy(e->msg, prefix, plen);
	memcpy(e->msg + plen, old, sizeof(e->msg) - plen - 1);
	e->msg[sizeof(e->msg) - 1] = '\0';
	return r;
}

int pvt_errs_add(struct pvt_errs *l, int r, const struct pvt_err *e)
{
	char **msg = realloc(l->msg, (l->n + 1) * sizeof(*msg));
	int *code = realloc(l->code, (l->n + 1) * sizeof(*code));

	if (msg)
		l->msg = msg;
	if (code)
		l->code = code;
	if (!msg || !code || !(l->msg[l->n] = strdup(e && e->msg[0] ? e->msg : "error")))
		abort();	/* as pvt_xmalloc: out of memory */
	l->code[l->n++] = r < 0 ? r : -EINVAL;
	return r;
}

int pvt_errs_result(const struct pvt_errs *l, struct pvt_err *e)
{
	const size_t room = sizeof(e->msg), reserve = 32;	/* "\n... and N more" */
	size_t len = 0;

	if (!l->n)
		return 0;
	if (!e)
		return l->code[0];
	e->msg[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		size_t need = (i ? 1 : 0) + strlen(l->msg[i]);
		size_t limit = i + 1 < l->n ? room - reserve : room;

		if (len + need >= limit) {
			if (!i) {	/* the first one, cut */
				snprintf(e->msg, limit, "%s", l->msg[0]);
				len = strlen(e->msg);
				i++;
			}
			if (i < l->n)
				snprintf(e->msg + len, room - len, "\n... and %zu more", l->n - i);
			break;
		}
		len += (size_t)snprintf(e->msg + len, room - len, "%s%s", i ? "\n" : "", l->msg[i]);
	}
	return l->code[0];
}

void pvt_errs_free(struct pvt_errs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->msg[i]);
	free(l->msg);
	free(l->code);
	l->msg = NULL;
	l->code = NULL;
	l->n = 0;
}
