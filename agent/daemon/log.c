/* SPDX-License-Identifier: GPL-2.0-only */
/* log.c: log to the journal or to stderr; reports as journal lines. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int result_prio(const struct pvt_result *r)
{
	return r->st == PVT_ST_FAILED ? LOG_ERR :
	       r->st == PVT_ST_MISMATCH || r->st == PVT_ST_WARN ? LOG_WARNING :
	       r->st == PVT_ST_OK || r->st == PVT_ST_KEPT ? LOG_DEBUG : LOG_INFO;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/*
 * One journal line per unit, device and priority ("pvbench: disk vda:
 * readahead: 128 -> 1024 (changed); nr_requests: ..."), not one per node:
 * a profile for many disks changes hundreds of nodes, and every line costs
 * journald a message.
 */
void daemon_log_report(const char *what, const struct pvt_report *rep)
{
	size_t i = 0;

	while (i < rep->n) {
		const struct pvt_result *r = &rep->r[i];
		int prio = result_prio(r);
		char *line = NULL;
		size_t len = 0, j;
		FILE *f;

		if (prio == LOG_DEBUG) {
			i++;
			continue;
		}
		f = open_memstream(&line, &len);
		if (!f)
			return;
		for (j = i; j < rep->n; j++) {
			const struct pvt_result *x = &rep->r[j];
			int p = result_prio(x);

			if (p == LOG_DEBUG)
				continue;
			if (p != prio || !same_str(x->unit, r->unit) || !same_str(x->device, r->device))
				break;
			fprintf(f, "%s%s: ", j == i ? "" : "; ",
				x->key ? x->key : x->path ? x->path : "");
			if (x->st == PVT_ST_RESTORED)
				fprintf(f, "restored to %s", x->expected ? x->expected : "?");
			else
				fprintf(f, "%s -> %s (%s)", x->actual ? x->actual : "?",
					x->expected ? x->expected : "?", pvt_status_name(x->st));
			if (x->note)
				fprintf(f, ": %s", x->note);
		}
		fclose(f);
		pvt_log(prio, "%s: %s%s%s: %s", what, r->unit ? r->unit : "-",
			r->device ? " " : "", r->device ? r->device : "", line ? line : "");
		free(line);
		i = j;
	}
}
