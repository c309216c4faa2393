/* SPDX-License-Identifier: GPL-2.0-only */
/* cpuinfo.h: CPU flags from /proc/cpuinfo. */
#ifndef PVT_CPUINFO_H
#define PVT_CPUINFO_H

#include <stdbool.h>

#include "util/ctx.h"

/* True if the first "flags" line of /proc/cpuinfo lists @flag. */
bool pvt_cpuinfo_flag(const struct pvt_ctx *ctx, const char *flag);

#endif
