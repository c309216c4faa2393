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
#include "util/util.h"

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
	/* one line per unit, device and priority, in the order they first appear */
	bool *done = pvt_xcalloc(rep->n, sizeof(*done));

	for (size_t i = 0; i < rep->n; i++) {
		const struct pvt_result *r = &rep->r[i];
		int prio = result_prio(r);
		char *line = NULL;
		size_t len = 0;
		bool first = true;
		FILE *f;

		if (done[i] || prio == LOG_DEBUG)
			continue;
		f = open_memstream(&line, &len);
		if (!f)
			break;
		for (size_t j = i; j < rep->n; j++) {
			const struct pvt_result *x = &rep->r[j];

			if (done[j] || result_prio(x) != prio || !same_str(x->unit, r->unit) ||
			    !same_str(x->device, r->device))
				continue;
			done[j] = true;
			fprintf(f, "%s%s: ", first ? "" : "; ",
				x->key ? x->key : x->path ? x->path : "");
			first = false;
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
	}
	free(done);
}
