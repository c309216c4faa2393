/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tuners.h: the other tuners on this machine (sys/procs.h finds them).
 * irqbalance moves interrupts; tuned applies its own profile
 * (/etc/tuned/active_profile), read here with the same loader from tuned's
 * profile directories. Each item of a plan
 * that one of them also sets gets a warning saying who will undo it.
 */
#ifndef PVT_OPS_TUNERS_H
#define PVT_OPS_TUNERS_H

#include "engine/report.h"
#include "units/unit.h"
#include "util/ctx.h"

/* tuned's profile directories, the one that wins first. */
#define PVT_TUNED_DIRS "/etc/tuned/profiles /usr/lib/tuned/profiles /etc/tuned /usr/lib/tuned"

/* A warning in @rep for each item of @plan that a running tuned or irqbalance sets too. */
void pvt_op_other_tuners(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			 struct pvt_report *rep);

#endif
