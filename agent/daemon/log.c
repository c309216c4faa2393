/* log.c: log to the journal or to stderr. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-journal.h>

#include "log.h"

void pvt_log(int prio, const char *fmt, ...)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};
	va_list ap;

	va_start(ap, fmt);
	if (getenv("JOURNAL_STREAM")) {
		sd_journal_printv(prio, fmt, ap);
	} else {
		fprintf(stderr, "pvtuned: %s: ", names[prio & 7]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
