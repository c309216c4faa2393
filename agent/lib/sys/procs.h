/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * procs.h: the other tuners that run here, found where they say so (no walk
 * over /proc, which costs milliseconds): tuned by its pid file, irqbalance
 * by its socket; each pid is checked to be that program's (/proc/PID/comm).
 */
#ifndef PVT_PROCS_H
#define PVT_PROCS_H

#include <sys/types.h>

#include "util/ctx.h"

#define PVT_TUNED_PID_FILE "/run/tuned/tuned.pid"
#define PVT_IRQBALANCE_DIR "/run/irqbalance"	/* irqbalancePID.sock */

/* tuned's pid (its pid file), or 0 when it does not run. */
pid_t pvt_tuned_pid(const struct pvt_ctx *ctx);
/* irqbalance's pid (its socket's name), or 0 when it does not run. */
pid_t pvt_irqbalance_pid(const struct pvt_ctx *ctx);

#endif
