/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * log.h: pvtuned's log: the journal (sd-journal) when stderr is connected to
 * it ($JOURNAL_STREAM), else stderr with the priority spelled out.
 */
#ifndef PVT_LOG_H
#define PVT_LOG_H

#include <syslog.h>

#include "engine/report.h"

void pvt_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Log every item of @rep that is not plain "ok": one line per unit, device
 * and priority, led by @what (a profile, a disk, a VM).
 */
void daemon_log_report(const char *what, const struct pvt_report *rep);

#endif
