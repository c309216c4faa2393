/* rollback.c: write saved originals back, and forget those of a device that went away. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/item.h"
#include "engine/pool.h"
#include "util/tunable.h"
#include "util/util.h"

static bool selected(const struct pvt_saved *x, const char *unit, const char *device)
{
	if (unit && strcmp(x->unit, unit) != 0)
		return false;
	if (device && (!x->device || strcmp(x->device, device) != 0))
		return false;
	return true;
}

struct rollback_job {
	const struct pvt_ctx *ctx;
	const struct pvt_store *s;
	const char *unit, *device;
	struct pvt_outcome *out;
};

static const char *rollback_key(void *arg, size_t i)
{
	const struct rollback_job *j = arg;
	const struct pvt_saved *x = &j->s->e[i];

	if (!selected(x, j->unit, j->device) || !pvt_block_node(x->path, x->device))
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

	if (!selected(x, j->unit, j->device))
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

size_t pvt_engine_rollback(const struct pvt_ctx *ctx, struct pvt_store *s, const char *unit,
			   const char *device, struct pvt_report *rep)
{
	size_t n = s->n, failed = 0, kept = 0, *rest, nrest;
	struct pvt_outcome *out = pvt_xcalloc(n ? n : 1, sizeof(*out));
	struct rollback_job job = { .ctx = ctx, .s = s, .unit = unit, .device = device,
				    .out = out };
	struct pvt_pool pool = { .fn = rollback_one, .arg = &job };
	struct pvt_err e;

	pvt_pool_group(&pool, n, rollback_key, &rest, &nrest);
	pvt_pool_run(ctx, &pool, rest, nrest);
	/* report in the store's order; s->e shifts down as entries go */
	for (size_t i = 0; i < n; i++) {
		const struct pvt_saved *x = &s->e[kept];
		const struct pvt_outcome *o = &out[i];

		if (!selected(x, unit, device)) {
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
	if (!unit && !device)
		pvt_strv_free(&s->fixed);
	if (pvt_store_persist(ctx, s, &e) < 0) {
		pvt_report_add(rep, NULL, NULL, NULL, PVT_STORE_FILE, NULL, NULL, PVT_ST_FAILED,
			       e.msg);
		failed++;
	}
	return failed;
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
