/* err.c: formatting of error messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

int pvt_errf(struct pvt_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int pvt_err_prefix(struct pvt_err *e, const char *fmt, ...)
{
	char prefix[512];
	char old[sizeof(e->msg)];
	va_list ap;
	size_t plen;

	if (!e)
		return -1;
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
	return -1;
}
