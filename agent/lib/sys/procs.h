/* procs.h: processes by name, for the other tuners (tuned, irqbalance). */
#ifndef PVT_PROCS_H
#define PVT_PROCS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/ctx.h"

/*
 * One pass over /proc (the root's): @pids[i] is the lowest pid whose comm is
 * @comms[i], or 0.
 */
void pvt_procs_find(const struct pvt_ctx *ctx, const char *const *comms, size_t n, pid_t *pids);

#endif
