/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ops.h: the tuned-adm operations, shared by pvtuned (over D-Bus) and
 * pvtune-adm --no-daemon. The active profile is persisted in
 * /etc/pvtune/active_profile and tuned's selection mode (manual or auto) in
 * /etc/pvtune/profile_mode, the originals in the rollback store, and what
 * was applied (each file with a hash of its text) in /run/pvtune/applied.
 *
 * Errors mean the same everywhere (pvtune-adm's exit codes, pvtuned's D-Bus
 * error names): -ENOENT nothing to work on (no such profile, no active
 * profile, no profile fits this machine), -EINVAL a profile that does not
 * load or does not fit the devices (nothing changed), -EACCES not allowed,
 * anything else the operation failed.
 */
#ifndef PVT_OPS_H
#define PVT_OPS_H

#include <stdint.h>

#include "engine/engine.h"
#include "util/ctx.h"

#define PVT_ACTIVE_FILE PVT_CONF_DIR "/active_profile"
#define PVT_MODE_FILE PVT_CONF_DIR "/profile_mode"
#define PVT_APPLIED_FILE PVT_STATE_DIR "/applied"

/* Active profile name(s) ("a b"), or NULL when off. */
char *pvt_active_get(const struct pvt_ctx *ctx);
PVT_MUST_CHECK int pvt_active_set(const struct pvt_ctx *ctx, const char *name,
				  struct pvt_err *e);
/*
 * tuned's profile selection mode: true "auto" (pvtuned applies the
 * recommended profile when it starts), false "manual" (the active one).
 * Without the file: manual (tuned: auto when no profile is active; pvtuned
 * applies nothing it was not asked to).
 */
bool pvt_mode_auto(const struct pvt_ctx *ctx);
/* Names (blank-separated) that are each a valid profile name; else -EINVAL with @e. */
int pvt_names_check(const char *names, struct pvt_err *e);

/*
 * Each operation that changes the system holds the store's lock (see
 * engine/store.h) from reading the store afresh into @s to persisting it
 * and the state files (active profile, mode, what was applied), so pvtuned
 * and any number of pvtune-adm --no-daemon can run at once; @s is the
 * caller's copy, replaced. A corrupt store moved aside is a warning item
 * (unit "store") in @rep.
 *
 * Switch to @names (one profile, or several merged as tuned-adm's `profile
 * a b`): load and plan it (any error: nothing changes), restore what the
 * previous profile changed and this one does not set, apply, persist the
 * name and manual mode. Returns 0 when every required item holds, 1 when
 * some do not (see @rep: FAILED or MISMATCH), -errno on error (@e).
 */
int pvt_op_profile(const struct pvt_ctx *ctx, struct pvt_store *s, const char *names,
		   struct pvt_report *rep, struct pvt_err *e);
/* tuned-adm auto_profile: the recommended profile, applied in auto mode. */
int pvt_op_auto_profile(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
			struct pvt_err *e);
/* Restore every original and forget the active profile (manual mode). 0, 1 or -errno. */
int pvt_op_off(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
	       struct pvt_err *e);
/* Restore every original, keeping the active profile (pvtuned's exit); failures. */
size_t pvt_op_restore_all(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep);
/* Forget the originals of a disk that went away (the store persisted). */
int pvt_op_disk_removed(const struct pvt_ctx *ctx, struct pvt_store *s, const char *disk,
			struct pvt_err *e);
/*
 * Verify the active profile: 0 all hold, 1 mismatches, -errno on error.
 * Warnings in @rep say when its files changed since it was applied, and
 * which items a running tuned or irqbalance will undo.
 */
int pvt_op_verify(const struct pvt_ctx *ctx, const struct pvt_store *s,
		  struct pvt_report *rep, struct pvt_err *e);
/* Where pvt_op_disk_added's time went: microseconds (CLOCK_MONOTONIC). */
struct pvt_op_times {
	uint64_t plan;		/* the active profile read, loaded, planned and prechecked */
	uint64_t lock;		/* the store's lock taken and the store read */
	uint64_t apply;		/* the originals saved, the nodes read and written */
	uint64_t originals;	/* of apply: the originals read and persisted (before any write) */
};
/* Apply the active profile (if any) to one disk that appeared; @t may be NULL. */
int pvt_op_disk_added(const struct pvt_ctx *ctx, struct pvt_store *s, const char *disk,
		      struct pvt_report *rep, struct pvt_op_times *t, struct pvt_err *e);
/*
 * The profile for this machine, which loads and fits its devices:
 * "pvblk-guest" when /proc/cpuinfo has the hypervisor flag, else
 * "pvblk-host" when /dev/kvm exists. -ENOENT when neither (bare metal:
 * nothing to tune), -EINVAL when that profile does not load (@e says why).
 */
int pvt_op_recommend(const struct pvt_ctx *ctx, char **name, struct pvt_err *e);
/*
 * What pvtuned applies when it starts (and on SIGHUP): in auto mode the
 * recommended profile, else the active one, else @fallback (NULL: none).
 * *@name says which (NULL: nothing, and 0 is returned); else as
 * pvt_op_profile().
 */
int pvt_op_startup(const struct pvt_ctx *ctx, struct pvt_store *s, const char *fallback,
		   char **name, struct pvt_report *rep, struct pvt_err *e);
/*
 * A profile's summary for list, or, when it does not load, "(broken: ERROR)"
 * with its first error ("; N more: pvtune-adm check NAME" when there are).
 */
char *pvt_op_list_summary(const struct pvt_ctx *ctx, const char *name);
/*
 * pvtune-adm check: load @target (profile names, or a tuned.conf path with
 * @file) and plan it for the devices present, applying nothing. Every error
 * goes to @errs; @notes gets what planning says without being an error (a
 * section skipped, devices= matching no disk). Returns how many errors;
 * *@name is the profile's name.
 */
int pvt_op_check(const struct pvt_ctx *ctx, const char *target, bool file, char **name,
		 struct pvt_errs *errs, struct pvt_report *notes);

#endif
