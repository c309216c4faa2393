/*
 * log.h: pvtuned's log: the journal (sd-journal) when stderr is connected to
 * it ($JOURNAL_STREAM), else stderr with the priority spelled out.
 */
#ifndef PVT_LOG_H
#define PVT_LOG_H

#include <syslog.h>

void pvt_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
