/* procs.h: processes by name, for the other tuners (tuned, irqbalance). */
#ifndef PVT_PROCS_H
#define PVT_PROCS_H

#include <sys/types.h>

#include "util/ctx.h"

/* The lowest pid under /proc (the root's) whose comm is @comm, or 0. */
pid_t pvt_proc_find(const struct pvt_ctx *ctx, const char *comm);

#endif
