/* SPDX-License-Identifier: GPL-2.0-only */
/* apply.c: apply plan items (originals saved first) and verify them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/item.h"
#include "engine/pool.h"
#include "util/tunable.h"
#include "util/util.h"

/*
 * Save the originals of every node the plan may write that the store does
 * not know yet, with one persist: nothing is written before its original
 * is on disk. A node that already holds what its item wants is not saved
 * and not written: its outcome is decided here (@decided, @out), from this
 * read, so a disk that needs nothing adds nothing to the store and costs no
 * persist. Marks in @unread the items whose node cannot be read. Returns
 * the number of entries added (at the end of the store), or -errno if the
 * store cannot be persisted.
 */
static long save_originals(const struct pvt_ctx *ctx, struct pvt_store *s,
			   const struct pvt_plan *plan, bool *unread, bool *decided,
			   struct pvt_outcome *out, struct pvt_err *e)
{
	size_t before = s->n;
	int r;

	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];
		char *cur = NULL;
		bool kept;

		if (it->check || it->info || pvt_store_find(s, it->path))
			continue;
		if (pvt_read_current(ctx, it->path, it->cmp, &cur, NULL) < 0) {
			unread[i] = true;
			continue;
		}
		if (pvt_item_satisfied(it, cur, &kept)) {
			decided[i] = true;
			out[i].st = kept ? PVT_ST_KEPT : PVT_ST_OK;
			out[i].actual = cur;	/* reported as read */
			continue;
		}
		pvt_store_add(s, it->path, cur, it->unit, it->device);
		free(cur);
	}
	if (s->n == before)
		return 0;
	r = pvt_store_persist(ctx, s, e);
	if (r < 0) {
		while (s->n > before)
			pvt_store_remove(s, s->n - 1);
		return r;
	}
	return (long)(s->n - before);
}

/* The note of a node that does not exist: a tunable the device (or kernel) lacks. */
static char *lacks(const struct pvt_item *it)
{
	return pvt_xasprintf("%s%s lacks this tunable (%s does not exist)",
			     it->device ? "device " : "", it->device ? it->device : "this system",
			     it->path);
}

struct apply_job {
	const struct pvt_ctx *ctx;
	const struct pvt_plan *plan;
	const bool *unread, *decided;
	struct pvt_outcome *out;
};

/* A plan item the pool writes: a block device's node whose original is saved. */
static const char *apply_key(void *arg, size_t i)
{
	const struct apply_job *j = arg;
	const struct pvt_item *it = &j->plan->it[i];

	if (it->check || it->info || j->unread[i] || j->decided[i] ||
	    !pvt_block_node(it->path, it->device))
		return NULL;
	return it->device;
}

/* Read one item's node and write it if needed (any thread). */
static void apply_one(void *arg, size_t i)
{
	struct apply_job *j = arg;
	const struct pvt_item *it = &j->plan->it[i];
	struct pvt_outcome *o = &j->out[i];
	struct pvt_err e;
	bool kept;
	int w;

	if (it->check || it->info || j->unread[i] || j->decided[i])
		return;		/* reported by the caller; or held already */
	/*
	 * Read again, though save_originals() read most nodes just before: the
	 * write is decided on the freshest value. (Reusing the first read made
	 * no difference the guest bench could see: --no-daemon 308 against 311
	 * ms, one run each.)
	 */
	if ((w = pvt_read_current(j->ctx, it->path, it->cmp, &o->actual, &e)) < 0) {
		o->actual = NULL;
		o->st = w == -ENOENT ? PVT_ST_NA : PVT_ST_FAILED;
		o->note = w == -ENOENT ? lacks(it) : pvt_xstrdup(e.msg);
	} else if (pvt_item_satisfied(it, o->actual, &kept)) {
		o->st = kept ? PVT_ST_KEPT : PVT_ST_OK;
	} else if ((w = pvt_write_tunable(j->ctx->root, it->path, it->value, &e)) == 0) {
		char *now = NULL;

		/* read back: a value the kernel did not keep does not hold */
		o->st = PVT_ST_CHANGED;
		if (pvt_read_current(j->ctx, it->path, it->cmp, &now, &e) < 0) {
			o->st = PVT_ST_FAILED;
			o->note = pvt_xasprintf("written, then %s", e.msg);
		} else if (!pvt_item_satisfied(it, now, &kept)) {
			o->st = PVT_ST_FAILED;
			o->note = pvt_xasprintf("written, but the kernel kept '%s'", now);
		}
		free(now);
	} else {
		o->st = PVT_ST_FAILED;
		o->err = w;
		o->note = pvt_xstrdup(e.msg);
	}
}

/* Report one applied item (the caller's thread); true if it was written. */
static bool apply_report(struct pvt_store *s, const struct pvt_item *it,
			 const struct pvt_outcome *o, struct pvt_report *rep, size_t *failed)
{
	if (o->st == PVT_ST_FAILED && (o->err == -EIO || o->err == -EPERM || o->err == -EACCES) &&
	    strcmp(it->unit, "irq") == 0) {
		/* managed interrupts: the kernel owns their affinity (EIO, or
		 * EPERM from write_irq_affinity() on newer kernels, e.g. 6.12
		 * for a single-queue virtio disk's vector; EACCES where the
		 * kernel made the file read-only and pvtuned, sandboxed, has no
		 * CAP_DAC_OVERRIDE to open it anyway) */
		if (!pvt_strv_contains(&s->fixed, it->path))
			pvt_strv_push(&s->fixed, it->path);
		pvt_item_report(rep, it, o->actual, PVT_ST_NA,
			   "affinity managed by the kernel (write refused)");
		return false;
	}
	pvt_item_report(rep, it, o->actual, o->st, o->note);
	if (o->st == PVT_ST_FAILED)
		(*failed)++;
	return o->st == PVT_ST_CHANGED;
}

size_t pvt_engine_apply(const struct pvt_ctx *ctx, struct pvt_store *s,
			const struct pvt_plan *plan, struct pvt_report *rep)
{
	uint64_t unused;

	return pvt_engine_apply_timed(ctx, s, plan, rep, &unused);
}

size_t pvt_engine_apply_timed(const struct pvt_ctx *ctx, struct pvt_store *s,
			      const struct pvt_plan *plan, struct pvt_report *rep,
			      uint64_t *originals_us)
{
	uint64_t t0 = pvt_mono_usec();
	bool *unread = pvt_xcalloc(plan->n ? plan->n : 1, sizeof(*unread));
	bool *decided = pvt_xcalloc(plan->n ? plan->n : 1, sizeof(*decided));
	struct pvt_outcome *out = pvt_xcalloc(plan->n ? plan->n : 1, sizeof(*out));
	struct apply_job job = { .ctx = ctx, .plan = plan, .unread = unread, .decided = decided,
				 .out = out };
	struct pvt_pool pool = { .fn = apply_one, .arg = &job };
	struct pvt_strv written = {0};
	size_t failed = 0, first, *rest, nrest, dropped = 0, nfixed = s->fixed.n;
	struct pvt_err e;
	long added;

	added = save_originals(ctx, s, plan, unread, decided, out, &e);
	*originals_us = pvt_mono_usec() - t0;
	if (added < 0) {
		for (size_t i = 0; i < plan->n; i++) {
			if (!plan->it[i].check && !plan->it[i].info)
				pvt_item_report(rep, &plan->it[i], NULL, PVT_ST_FAILED, e.msg);
			pvt_outcome_free(&out[i]);
		}
		free(out);
		free(decided);
		free(unread);
		return plan->n;
	}
	first = s->n - (size_t)added;
	pvt_pool_group(&pool, plan->n, apply_key, &rest, &nrest);
	pvt_pool_run(ctx, &pool, rest, nrest);
	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];

		if (it->info) {
			pvt_item_report(rep, it, NULL, it->warn ? PVT_ST_WARN : PVT_ST_NA, it->info);
		} else if (it->check) {
			failed += pvt_item_check(ctx, it, rep) == PVT_ST_MISMATCH;
		} else if (unread[i] && !pvt_exists(ctx->root, it->path)) {
			/* a tunable this device lacks (precheck refused the others) */
			char *note = lacks(it);

			pvt_item_report(rep, it, "n/a", PVT_ST_NA, note);
			free(note);
		} else if (unread[i]) {
			char *tmp = NULL;

			/* no original saved: never written */
			if (pvt_read_current(ctx, it->path, it->cmp, &tmp, &e) == 0)
				pvt_errf(&e, "%s could not be read when the originals were saved",
					 it->path);
			free(tmp);
			pvt_item_report(rep, it, NULL, PVT_ST_FAILED, e.msg);
			failed++;
		} else if (apply_report(s, it, &out[i], rep, &failed)) {
			pvt_strv_push(&written, it->path);
		}
		pvt_outcome_free(&out[i]);
	}
	/* keep only the originals of what was written */
	for (size_t i = s->n; i > first; i--) {
		if (!pvt_strv_contains(&written, s->e[i - 1].path)) {
			pvt_store_remove(s, i - 1);
			dropped++;
		}
	}
	/*
	 * The first persist holds every original written; again only if less
	 * is left. If that fails, the file keeps originals of nodes that were
	 * not written (restoring them writes what is there): a warning.
	 */
	if ((dropped || s->fixed.n != nfixed) && pvt_store_persist(ctx, s, &e) < 0)
		pvt_report_add(rep, NULL, NULL, NULL, PVT_STORE_FILE, NULL, NULL, PVT_ST_WARN,
			       e.msg);
	pvt_pool_free(&pool);
	pvt_strv_free(&written);
	free(rest);
	free(out);
	free(decided);
	free(unread);
	return failed;
}

size_t pvt_engine_verify(const struct pvt_ctx *ctx, const struct pvt_store *s,
			 const struct pvt_plan *plan, struct pvt_report *rep)
{
	size_t bad = 0;

	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];
		char *cur = NULL;
		bool kept;

		if (it->info) {
			pvt_item_report(rep, it, NULL, it->warn ? PVT_ST_WARN : PVT_ST_NA, it->info);
			continue;
		}
		if (it->check) {
			bad += pvt_item_check(ctx, it, rep) == PVT_ST_MISMATCH;
			continue;
		}
		if (!pvt_exists(ctx->root, it->path)) {
			pvt_item_report(rep, it, "n/a", PVT_ST_NA, "node does not exist");
			continue;
		}
		if (pvt_read_current(ctx, it->path, it->cmp, &cur, NULL) < 0) {
			pvt_item_report(rep, it, "n/a", PVT_ST_NA, "node cannot be read");
			continue;
		}
		if (pvt_item_satisfied(it, cur, &kept))
			pvt_item_report(rep, it, cur, PVT_ST_OK, NULL);
		else if (pvt_strv_contains(&s->fixed, it->path))
			pvt_item_report(rep, it, cur, PVT_ST_NA, "affinity managed by the kernel");
		else {
			pvt_item_report(rep, it, cur, PVT_ST_MISMATCH, NULL);
			bad++;
		}
		free(cur);
	}
	return bad;
}
