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
 * plus the units that re-plan on hotplug; NULL: everything.
 */
int pvt_engine_plan(const struct pvt_ctx *ctx, const struct pvt_profile *p, const char *disk,
		    struct pvt_plan *plan, struct pvt_err *e);
/* Every node the plan writes exists; else an error naming it (nothing written). */
int pvt_engine_precheck(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			struct pvt_err *e);
/* Apply (after precheck). Returns the number of failed items. */
size_t pvt_engine_apply(const struct pvt_ctx *ctx, struct pvt_store *s,
			const struct pvt_plan *plan, struct pvt_report *rep);
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
/* Forget saved originals of a device that went away (the store persisted). */
PVT_MUST_CHECK int pvt_engine_forget_device(const struct pvt_ctx *ctx, struct pvt_store *s,
					    const char *device, struct pvt_err *e);

/* Current value of a node, normalised for @cmp. */
int pvt_read_current(const struct pvt_ctx *ctx, const char *path, enum pvt_cmp cmp,
		     char **out, struct pvt_err *e);

#endif
