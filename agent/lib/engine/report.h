/* SPDX-License-Identifier: GPL-2.0-only */
/* report.h: per-item results of apply, verify and rollback. */
#ifndef PVT_REPORT_H
#define PVT_REPORT_H

#include <stddef.h>

enum pvt_status {
	PVT_ST_OK,		/* already as wanted / verified */
	PVT_ST_CHANGED,		/* written */
	PVT_ST_KEPT,		/* a '>'/'<' modifier kept the current value */
	PVT_ST_RESTORED,	/* rollback wrote the original back */
	PVT_ST_MISMATCH,	/* verify: differs */
	PVT_ST_NA,		/* node missing or refused by the kernel */
	PVT_ST_WARN,		/* a soft check failed */
	PVT_ST_FAILED,		/* read or write error */
};

struct pvt_result {
	char *unit, *device, *key, *path;
	char *expected, *actual, *note;
	enum pvt_status st;
};

struct pvt_report {
	struct pvt_result *r;
	size_t n;
};

void pvt_report_add(struct pvt_report *rep, const char *unit, const char *device,
		    const char *key, const char *path, const char *expected,
		    const char *actual, enum pvt_status st, const char *note);
/* Append a copy of every item of @src (may be NULL). */
void pvt_report_append(struct pvt_report *rep, const struct pvt_report *src);
size_t pvt_report_count(const struct pvt_report *rep, enum pvt_status st);
const char *pvt_status_name(enum pvt_status st);
/* Inverse of pvt_status_name; unknown names give PVT_ST_FAILED. */
enum pvt_status pvt_status_from_name(const char *name);
void pvt_report_free(struct pvt_report *rep);

#endif
