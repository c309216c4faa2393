/* err.c: formatting of error messages (see err.h for the convention). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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
