/* SPDX-License-Identifier: GPL-2.0-only */
/* report.c: per-item results. */
#include <stdlib.h>
#include <string.h>

#include "engine/report.h"
#include "util/util.h"

static const char *const names[] = {
	[PVT_ST_OK] = "ok", [PVT_ST_CHANGED] = "changed", [PVT_ST_KEPT] = "kept",
	[PVT_ST_RESTORED] = "restored", [PVT_ST_MISMATCH] = "MISMATCH",
	[PVT_ST_NA] = "n/a", [PVT_ST_WARN] = "warning", [PVT_ST_FAILED] = "FAILED",
};

static char *dup_or_null(const char *s)
{
	return s ? pvt_xstrdup(s) : NULL;
}

void pvt_report_add(struct pvt_report *rep, const char *unit, const char *device,
		    const char *key, const char *path, const char *expected,
		    const char *actual, enum pvt_status st, const char *note)
{
	rep->r = pvt_xrealloc(rep->r, (rep->n + 1) * sizeof(*rep->r));
	rep->r[rep->n++] = (struct pvt_result){
		.unit = dup_or_null(unit), .device = dup_or_null(device), .key = dup_or_null(key),
		.path = dup_or_null(path), .expected = dup_or_null(expected),
		.actual = dup_or_null(actual), .note = dup_or_null(note), .st = st,
	};
}

void pvt_report_append(struct pvt_report *rep, const struct pvt_report *src)
{
	for (size_t i = 0; src && i < src->n; i++) {
		const struct pvt_result *x = &src->r[i];

		pvt_report_add(rep, x->unit, x->device, x->key, x->path, x->expected, x->actual,
			       x->st, x->note);
	}
}

size_t pvt_report_count(const struct pvt_report *rep, enum pvt_status st)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->n; i++)
		n += rep->r[i].st == st;
	return n;
}

const char *pvt_status_name(enum pvt_status st)
{
	return names[st];
}

enum pvt_status pvt_status_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return (enum pvt_status)i;
	return PVT_ST_FAILED;
}

void pvt_report_free(struct pvt_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct pvt_result *r = &rep->r[i];

		free(r->unit);
		free(r->device);
		free(r->key);
		free(r->path);
		free(r->expected);
		free(r->actual);
		free(r->note);
	}
	free(rep->r);
	rep->r = NULL;
	rep->n = 0;
}
