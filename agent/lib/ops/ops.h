/*
 * ops.h: the tuned-adm operations, shared by pvtuned (over D-Bus) and
 * pvtune-adm --no-daemon. The active profile is persisted in
 * /etc/pvtune/active_profile, the originals in the rollback store.
 */
#ifndef PVT_OPS_H
#define PVT_OPS_H

#include <stdint.h>

#include "engine/engine.h"
#include "util/ctx.h"

#define PVT_ACTIVE_FILE PVT_CONF_DIR "/active_profile"

/* Active profile name, or NULL when off. */
char *pvt_active_get(const struct pvt_ctx *ctx);
PVT_MUST_CHECK int pvt_active_set(const struct pvt_ctx *ctx, const char *name,
				  struct pvt_err *e);

/*
 * Each operation that changes the system holds the store's lock (see
 * engine/store.h) from reading the store afresh into @s to persisting it,
 * so pvtuned and any number of pvtune-adm --no-daemon can run at once; @s
 * is the caller's copy, replaced. A corrupt store moved aside is a warning
 * item (unit "store") in @rep.
 *
 * Switch to @name: load and plan it (any error: nothing changes), roll back
 * what the previous profile changed, apply, persist the name. Returns 0 when
 * every item applied, 1 when some failed (see @rep), -errno on error (@e).
 */
int pvt_op_profile(const struct pvt_ctx *ctx, struct pvt_store *s, const char *name,
		   struct pvt_report *rep, struct pvt_err *e);
/* Restore every original and forget the active profile. 0, 1 (failures) or -errno. */
int pvt_op_off(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
	       struct pvt_err *e);
/* Restore every original, keeping the active profile (pvtuned's exit); failures. */
size_t pvt_op_restore_all(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep);
/* Forget the originals of a disk that went away (the store persisted). */
int pvt_op_disk_removed(const struct pvt_ctx *ctx, struct pvt_store *s, const char *disk,
			struct pvt_err *e);
/* Verify the active profile: 0 all match, 1 mismatches, -errno on error. */
int pvt_op_verify(const struct pvt_ctx *ctx, const struct pvt_store *s,
		  struct pvt_report *rep, struct pvt_err *e);
/* Where pvt_op_disk_added's time went: microseconds (CLOCK_MONOTONIC). */
struct pvt_op_times {
	uint64_t plan;		/* the active profile read, loaded, planned and prechecked */
	uint64_t lock;		/* the store's lock taken and the store read */
	uint64_t apply;		/* the originals saved, the nodes read and written */
};
/* Apply the active profile (if any) to one disk that appeared; @t may be NULL. */
int pvt_op_disk_added(const struct pvt_ctx *ctx, struct pvt_store *s, const char *disk,
		      struct pvt_report *rep, struct pvt_op_times *t, struct pvt_err *e);
/*
 * "pvblk-guest" when /proc/cpuinfo has the hypervisor flag, else "pvblk-host"
 * when /dev/kvm exists, else "off" (bare metal: nothing to tune).
 */
char *pvt_op_recommend(const struct pvt_ctx *ctx);

#endif
