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
};

/* Read the persisted store; a missing file gives an empty store. */
int pvt_store_load(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_err *e);
PVT_MUST_CHECK int pvt_store_persist(const struct pvt_ctx *ctx, const struct pvt_store *s,
				     struct pvt_err *e);
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
