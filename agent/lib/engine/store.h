/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store.h: the rollback store: the original value of every file the agent
 * changed, saved (and persisted to /run/pvtune/saved.json) before the first
 * write, so that a daemon killed and restarted can still restore them.
 */
#ifndef PVT_STORE_H
#define PVT_STORE_H

#include <stddef.h>

#include "util/ctx.h"
#include "util/err.h"

#define PVT_STORE_FILE PVT_STATE_DIR "/saved.json"
#define PVT_STORE_LOCK PVT_STATE_DIR "/saved.lock"

struct pvt_saved {
	char *path;	/* logical path */
	char *value;	/* original value, normalised */
	char *unit;
	char *device;	/* may be NULL */
};

struct pvt_store {
	struct pvt_saved *e;
	size_t n;
	struct pvt_strv fixed;	/* paths the kernel refused (managed IRQs) */
	/*
	 * The persisted file these entries were read from or written to (set
	 * by load and persist, invalid after a failed persist), held open so
	 * that no other file can take its inode: while the file is that one,
	 * it holds exactly this (pvt_store_current). pvt_store_free closes it.
	 */
	struct pvt_file_id file;
};

/*
 * Read the persisted store; a missing file gives an empty store. A corrupt
 * one (not JSON, not the store's shape, a path that is no kernel tunable:
 * see util/tunable.h) is moved aside to saved.json.corrupt and gives an
 * empty store: returns 1 with the warning, naming both files, in @e.
 * -errno only if the file cannot be read at all.
 */
int pvt_store_load(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_err *e);
/*
 * The store's lock: an exclusive flock on /run/pvtune/saved.lock, held by
 * pvtuned and pvtune-adm --no-daemon around every read-modify-write of the
 * store (load, change the system, persist). Returns the lock's fd (waits for
 * it), or -errno; pvt_store_unlock() releases it.
 */
int pvt_store_lock(const struct pvt_ctx *ctx, struct pvt_err *e);
void pvt_store_unlock(int fd);
PVT_MUST_CHECK int pvt_store_persist(const struct pvt_ctx *ctx, struct pvt_store *s,
				     struct pvt_err *e);
/*
 * Does the persisted store hold what @s holds, i.e. is it still the file
 * @s was loaded from or persisted to (every writer replaces it by a
 * rename, under the lock)? Then, under the lock, @s need not be read again.
 */
bool pvt_store_current(const struct pvt_ctx *ctx, const struct pvt_store *s);
const struct pvt_saved *pvt_store_find(const struct pvt_store *s, const char *path);
/* Remember @value as @path's original unless already known, then persist. */
PVT_MUST_CHECK int pvt_store_remember(const struct pvt_ctx *ctx, struct pvt_store *s,
				      const char *path, const char *value, const char *unit,
				      const char *device, struct pvt_err *e);
/* Append an entry without persisting (the caller persists). */
void pvt_store_add(struct pvt_store *s, const char *path, const char *value,
		   const char *unit, const char *device);
void pvt_store_remove(struct pvt_store *s, size_t i);
void pvt_store_free(struct pvt_store *s);

#endif
