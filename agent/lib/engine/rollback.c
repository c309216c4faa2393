/* SPDX-License-Identifier: GPL-2.0-only */
/* rollback.c: write saved originals back, and forget those of a device that went away. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/item.h"
#include "engine/pool.h"
#include "util/tunable.h"
#include "util/util.h"

/* What a rollback restores: by unit and device (NULL: any), never what @keep holds. */
struct which {
	const char *unit, *device;
	const struct pvt_strv *keep;	/* sorted paths, or NULL */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool selected(const struct pvt_saved *x, const struct which *w)
{
	if (w->unit && strcmp(x->unit, w->unit) != 0)
		return false;
	if (w->device && (!x->device || strcmp(x->device, w->device) != 0))
		return false;
	if (w->keep && w->keep->n &&
	    bsearch(&x->path, w->keep->v, w->keep->n, sizeof(char *), cmp_str))
		return false;
	return true;
}

struct rollback_job {
	const struct pvt_ctx *ctx;
	const struct pvt_store *s;
	const struct which *w;
	struct pvt_outcome *out;
};

static const char *rollback_key(void *arg, size_t i)
{
	const struct rollback_job *j = arg;
	const struct pvt_saved *x = &j->s->e[i];

	if (!selected(x, j->w) || !pvt_block_node(x->path, x->device))
		return NULL;
	return x->device;
}

/* Write one saved original back (any thread): OK, NA (node gone) or FAILED. */
static void rollback_one(void *arg, size_t i)
{
	struct rollback_job *j = arg;
	const struct pvt_saved *x = &j->s->e[i];
	struct pvt_outcome *o = &j->out[i];
	struct pvt_err e;

	if (!selected(x, j->w))
		return;
	if (!pvt_exists(j->ctx->root, x->path)) {
		o->st = PVT_ST_NA;
	} else if (pvt_write_tunable(j->ctx->root, x->path, x->value, &e) < 0) {
		o->st = PVT_ST_FAILED;
		o->note = pvt_xstrdup(e.msg);
	} else {
		o->st = PVT_ST_RESTORED;
	}
}

static size_t rollback(const struct pvt_ctx *ctx, struct pvt_store *s, const struct which *w,
		       struct pvt_report *rep)
{
	size_t n = s->n, failed = 0, kept = 0, *rest, nrest;
	struct pvt_outcome *out = pvt_xcalloc(n ? n : 1, sizeof(*out));
	struct rollback_job job = { .ctx = ctx, .s = s, .w = w, .out = out };
	struct pvt_pool pool = { .fn = rollback_one, .arg = &job };
	struct pvt_err e;

	pvt_pool_group(&pool, n, rollback_key, &rest, &nrest);
	pvt_pool_run(ctx, &pool, rest, nrest);
	/* report in the store's order; s->e shifts down as entries go */
	for (size_t i = 0; i < n; i++) {
		const struct pvt_saved *x = &s->e[kept];
		const struct pvt_outcome *o = &out[i];

		if (!selected(x, w)) {
			kept++;
			continue;
		}
		if (o->st == PVT_ST_NA) {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, "n/a",
				       PVT_ST_NA, "node gone; nothing to restore");
		} else if (o->st == PVT_ST_FAILED) {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, NULL,
				       PVT_ST_FAILED, o->note);
			failed++;
			kept++;
			continue;
		} else {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, x->value,
				       PVT_ST_RESTORED, NULL);
		}
		pvt_store_remove(s, kept);
	}
	for (size_t i = 0; i < n; i++)
		pvt_outcome_free(&out[i]);
	pvt_pool_free(&pool);
	free(rest);
	free(out);
	if (!w->unit && !w->device && !w->keep)
		pvt_strv_free(&s->fixed);
	if (pvt_store_persist(ctx, s, &e) < 0) {
		pvt_report_add(rep, NULL, NULL, NULL, PVT_STORE_FILE, NULL, NULL, PVT_ST_FAILED,
			       e.msg);
		failed++;
	}
	return failed;
}

size_t pvt_engine_rollback(const struct pvt_ctx *ctx, struct pvt_store *s, const char *unit,
			   const char *device, struct pvt_report *rep)
{
	struct which w = { .unit = unit, .device = device };

	return rollback(ctx, s, &w, rep);
}

size_t pvt_engine_rollback_except(const struct pvt_ctx *ctx, struct pvt_store *s,
				  const struct pvt_plan *keep, struct pvt_report *rep)
{
	struct pvt_strv paths = {0};
	struct which w = { .keep = &paths };
	size_t r;

	for (size_t i = 0; i < keep->n; i++)
		if (keep->it[i].path && !keep->it[i].info && !keep->it[i].check)
			pvt_strv_push(&paths, keep->it[i].path);
	if (paths.n)
		qsort(paths.v, paths.n, sizeof(char *), cmp_str);
	r = rollback(ctx, s, &w, rep);
	pvt_strv_free(&paths);
	return r;
}

int pvt_engine_forget_device(const struct pvt_ctx *ctx, struct pvt_store *s,
			     const char *device, struct pvt_err *e)
{
	for (size_t i = 0; i < s->n;) {
		if (s->e[i].device && strcmp(s->e[i].device, device) == 0)
			pvt_store_remove(s, i);
		else
			i++;
	}
	return pvt_store_persist(ctx, s, e);
}
