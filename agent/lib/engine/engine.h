/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engine.h: apply, verify and roll back plan items, the same way for every
 * unit. Apply saves each original in the store (persisted) before writing.
 * plan.c plans a profile and prechecks the plan, apply.c applies and
 * verifies, rollback.c writes originals back; item.c (a node read and
 * compared) and pool.c (the writer threads) are the engine's own.
 */
#ifndef PVT_ENGINE_H
#define PVT_ENGINE_H

#include <stdbool.h>

#include "engine/report.h"
#include "engine/store.h"
#include "profile/profile.h"
#include "units/unit.h"
#include "util/ctx.h"

/*
 * Plan @p for the devices present. @disk: only that disk (per-disk units)
 * plus the units that re-plan on hotplug; NULL: everything, with an item
 * for each section that is skipped or does not fit this machine. Two items
 * that set the same node are an error naming both options. On error the
 * plan is empty and @e holds every error, one per line.
 */
int pvt_engine_plan(const struct pvt_ctx *ctx, const struct pvt_profile *p, const char *disk,
		    struct pvt_plan *plan, struct pvt_err *e);
/* The same, going on after each error (added to @errs); returns how many. */
int pvt_engine_plan_all(const struct pvt_ctx *ctx, const struct pvt_profile *p, const char *disk,
			struct pvt_plan *plan, struct pvt_errs *errs);
/*
 * Every node the plan writes that is not a device's ([sysctl], [vm]) exists;
 * else an error naming each (nothing is written). A device's node that is
 * missing (a tunable the disk lacks) is n/a for that device when applied.
 */
int pvt_engine_precheck(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			struct pvt_err *e);
int pvt_engine_precheck_all(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			    struct pvt_errs *errs);
/*
 * Apply (after precheck); each node written is read back. Returns the
 * number of items that do not hold: FAILED (a read or write error, or a
 * value the kernel did not keep) and MISMATCH (a required check); a node a
 * device lacks is n/a, a soft check a warning, neither counted.
 */
size_t pvt_engine_apply(const struct pvt_ctx *ctx, struct pvt_store *s,
			const struct pvt_plan *plan, struct pvt_report *rep);
/*
 * The same; *@originals_us: how long reading and persisting the originals
 * took (the part before the first write).
 */
size_t pvt_engine_apply_timed(const struct pvt_ctx *ctx, struct pvt_store *s,
			      const struct pvt_plan *plan, struct pvt_report *rep,
			      uint64_t *originals_us);
/* Returns the number of mismatches (missing nodes are n/a, not counted). */
size_t pvt_engine_verify(const struct pvt_ctx *ctx, const struct pvt_store *s,
			 const struct pvt_plan *plan, struct pvt_report *rep);
/*
 * Restore saved originals (in the order they were saved) whose unit and
 * device match (NULL: any). Returns the number of failures; entries that
 * failed stay in the store.
 */
size_t pvt_engine_rollback(const struct pvt_ctx *ctx, struct pvt_store *s, const char *unit,
			   const char *device, struct pvt_report *rep);
/*
 * Restore every saved original except those of nodes @keep writes (a
 * profile switch: they stay saved, and the new value is written once).
 */
size_t pvt_engine_rollback_except(const struct pvt_ctx *ctx, struct pvt_store *s,
				  const struct pvt_plan *keep, struct pvt_report *rep);
/* Forget saved originals of a device that went away (the store persisted). */
PVT_MUST_CHECK int pvt_engine_forget_device(const struct pvt_ctx *ctx, struct pvt_store *s,
					    const char *device, struct pvt_err *e);

/* Current value of a node, normalised for @cmp. */
int pvt_read_current(const struct pvt_ctx *ctx, const char *path, enum pvt_cmp cmp,
		     char **out, struct pvt_err *e);

#endif
