/* engine.c: apply, verify and roll back plan items. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "engine.h"
#include "util.h"

int pvt_engine_plan(const struct pvt_ctx *ctx, const struct pvt_profile *p, const char *disk,
		    struct pvt_plan *plan, struct pvt_err *e)
{
	for (size_t i = 0; i < p->nsec; i++) {
		const struct pvt_section *s = &p->sec[i];
		const struct pvt_unit *u = pvt_unit_find(s->name);
		const char *en = pvt_section_get(s, "enabled");

		if (!u || (en && strcmp(en, "0") == 0))
			continue;
		if (disk && !u->per_disk && !u->on_hotplug)
			continue;
		if (u->plan(ctx, s, disk, plan, e) < 0) {
			pvt_plan_free(plan);
			return -1;
		}
	}
	return 0;
}

int pvt_engine_precheck(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			struct pvt_err *e)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];

		if (it->path && !pvt_exists(ctx->root, it->path)) {
			if (strcmp(it->unit, "pvblk") == 0)
				return pvt_errf(e, "%s: [pvblk] %s: device %s lacks this tunable (%s does not exist); nothing applied",
						it->origin, it->key, it->device, it->path);
			return pvt_errf(e, "%s: [%s] %s: %s%s%s%s does not exist; nothing applied",
					it->origin, it->unit, it->key, it->device ? "device " : "",
					it->device ? it->device : "", it->device ? ": " : "",
					it->path);
		}
	}
	return 0;
}

static char *bracketed(const char *s)
{
	const char *a = strchr(s, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b)
		return pvt_xasprintf("%.*s", (int)(b - a - 1), a + 1);
	return pvt_words_normalize(s);
}

int pvt_read_current(const struct pvt_ctx *ctx, const char *path, enum pvt_cmp cmp,
		     char **out, struct pvt_err *e)
{
	char *raw;

	if (pvt_read_file(ctx->root, path, &raw, e) < 0)
		return -1;
	*out = cmp == PVT_CMP_BRACKET ? bracketed(raw) : pvt_words_normalize(raw);
	free(raw);
	return 0;
}

static bool equal(enum pvt_cmp cmp, const char *a, const char *b)
{
	int64_t x, y;

	switch (cmp) {
	case PVT_CMP_INT:
		if (pvt_parse_i64(a, &x) && pvt_parse_i64(b, &y))
			return x == y;
		break;
	case PVT_CMP_CPULIST:
		return pvt_cpulist_equal(a, b);
	default:
		break;
	}
	return strcmp(a, b) == 0;
}

static char *expected_text(const struct pvt_item *it)
{
	if (it->op == PVT_OP_SET)
		return pvt_xstrdup(it->value);
	return pvt_xasprintf("%c%s", (char)it->op, it->value);
}

static void add_result(struct pvt_report *rep, const struct pvt_item *it, const char *actual,
		       enum pvt_status st, const char *note)
{
	char *exp = expected_text(it);

	pvt_report_add(rep, it->unit, it->device, it->key, it->path, exp, actual, st, note);
	free(exp);
}

static void apply_check(const struct pvt_ctx *ctx, const struct pvt_item *it,
			struct pvt_report *rep)
{
	char *actual = NULL;
	bool ok = it->check(ctx, it, &actual);

	add_result(rep, it, actual, ok ? PVT_ST_OK : it->soft ? PVT_ST_WARN : PVT_ST_MISMATCH,
		   NULL);
	free(actual);
}

/* Does @cur already satisfy the item? Sets *kept for a modifier that says "no". */
static bool satisfied(const struct pvt_item *it, const char *cur, bool *kept)
{
	int64_t want, have;

	*kept = false;
	if (it->op != PVT_OP_SET && pvt_parse_i64(it->value, &want) &&
	    pvt_parse_i64(cur, &have)) {
		*kept = !pvt_modifier_wants_write(it->op, want, have) && want != have;
		return !pvt_modifier_wants_write(it->op, want, have);
	}
	return equal(it->cmp, it->value, cur);
}

/*
 * Save the originals of every node the plan may write that the store does
 * not know yet, with one persist: nothing is written before its original
 * is on disk. Marks in @unread the items whose node cannot be read. Returns
 * the number of entries added (at the end of the store), or -1 if the store
 * cannot be persisted.
 */
static long save_originals(const struct pvt_ctx *ctx, struct pvt_store *s,
			   const struct pvt_plan *plan, bool *unread, struct pvt_err *e)
{
	size_t before = s->n;

	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];
		char *cur = NULL;

		if (it->check || pvt_store_find(s, it->path))
			continue;
		if (pvt_read_current(ctx, it->path, it->cmp, &cur, NULL) < 0) {
			unread[i] = true;
			continue;
		}
		pvt_store_add(s, it->path, cur, it->unit, it->device);
		free(cur);
	}
	if (s->n == before)
		return 0;
	if (pvt_store_persist(ctx, s, e) < 0) {
		while (s->n > before)
			pvt_store_remove(s, s->n - 1);
		return -1;
	}
	return (long)(s->n - before);
}

/* Apply one item whose original is saved; true if it was written. */
static bool apply_item(const struct pvt_ctx *ctx, struct pvt_store *s,
		       const struct pvt_item *it, struct pvt_report *rep, size_t *failed)
{
	struct pvt_err e;
	char *cur = NULL;
	bool kept, written = false;
	int w;

	if (pvt_read_current(ctx, it->path, it->cmp, &cur, &e) < 0) {
		add_result(rep, it, NULL, PVT_ST_FAILED, e.msg);
		(*failed)++;
		return false;
	}
	if (satisfied(it, cur, &kept)) {
		add_result(rep, it, cur, kept ? PVT_ST_KEPT : PVT_ST_OK, NULL);
	} else if ((w = pvt_write_file(ctx->root, it->path, it->value, &e)) == 0) {
		add_result(rep, it, cur, PVT_ST_CHANGED, NULL);
		written = true;
	} else if (w == -EIO && strcmp(it->unit, "irq") == 0) {
		/* managed interrupts: the kernel owns their affinity */
		if (!pvt_strv_contains(&s->fixed, it->path))
			pvt_strv_push(&s->fixed, it->path);
		add_result(rep, it, cur, PVT_ST_NA, "affinity managed by the kernel (write refused)");
	} else {
		add_result(rep, it, cur, PVT_ST_FAILED, e.msg);
		(*failed)++;
	}
	free(cur);
	return written;
}

size_t pvt_engine_apply(const struct pvt_ctx *ctx, struct pvt_store *s,
			const struct pvt_plan *plan, struct pvt_report *rep)
{
	bool *unread = pvt_xcalloc(plan->n, sizeof(*unread));
	struct pvt_strv written = {0};
	size_t failed = 0, first;
	struct pvt_err e;
	long added;

	added = save_originals(ctx, s, plan, unread, &e);
	if (added < 0) {
		for (size_t i = 0; i < plan->n; i++)
			if (!plan->it[i].check)
				add_result(rep, &plan->it[i], NULL, PVT_ST_FAILED, e.msg);
		free(unread);
		return plan->n;
	}
	first = s->n - (size_t)added;
	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];

		if (it->check) {
			apply_check(ctx, it, rep);
		} else if (unread[i]) {
			char *tmp = NULL;

			/* no original saved: never written */
			if (pvt_read_current(ctx, it->path, it->cmp, &tmp, &e) == 0)
				pvt_errf(&e, "%s could not be read when the originals were saved",
					 it->path);
			free(tmp);
			add_result(rep, it, NULL, PVT_ST_FAILED, e.msg);
			failed++;
		} else if (apply_item(ctx, s, it, rep, &failed)) {
			pvt_strv_push(&written, it->path);
		}
	}
	/* keep only the originals of what was written */
	for (size_t i = s->n; i > first; i--)
		if (!pvt_strv_contains(&written, s->e[i - 1].path))
			pvt_store_remove(s, i - 1);
	if (added || s->fixed.n)
		pvt_store_persist(ctx, s, NULL);
	pvt_strv_free(&written);
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

		if (it->check) {
			apply_check(ctx, it, rep);
			bad += rep->r[rep->n - 1].st == PVT_ST_MISMATCH;
			continue;
		}
		if (!pvt_exists(ctx->root, it->path)) {
			add_result(rep, it, "n/a", PVT_ST_NA, "node does not exist");
			continue;
		}
		if (pvt_read_current(ctx, it->path, it->cmp, &cur, NULL) < 0) {
			add_result(rep, it, "n/a", PVT_ST_NA, "node cannot be read");
			continue;
		}
		if (satisfied(it, cur, &kept))
			add_result(rep, it, cur, PVT_ST_OK, NULL);
		else if (pvt_strv_contains(&s->fixed, it->path))
			add_result(rep, it, cur, PVT_ST_NA, "affinity managed by the kernel");
		else {
			add_result(rep, it, cur, PVT_ST_MISMATCH, NULL);
			bad++;
		}
		free(cur);
	}
	return bad;
}

static bool selected(const struct pvt_saved *x, const char *unit, const char *device)
{
	if (unit && strcmp(x->unit, unit) != 0)
		return false;
	if (device && (!x->device || strcmp(x->device, device) != 0))
		return false;
	return true;
}

size_t pvt_engine_rollback(const struct pvt_ctx *ctx, struct pvt_store *s, const char *unit,
			   const char *device, struct pvt_report *rep)
{
	size_t failed = 0, i = 0;
	struct pvt_err e;

	while (i < s->n) {
		const struct pvt_saved *x = &s->e[i];

		if (!selected(x, unit, device)) {
			i++;
			continue;
		}
		if (!pvt_exists(ctx->root, x->path)) {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, "n/a",
				       PVT_ST_NA, "node gone; nothing to restore");
		} else if (pvt_write_file(ctx->root, x->path, x->value, &e) < 0) {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, NULL,
				       PVT_ST_FAILED, e.msg);
			failed++;
			i++;
			continue;
		} else {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, x->value,
				       PVT_ST_RESTORED, NULL);
		}
		pvt_store_remove(s, i);
	}
	if (!unit && !device)
		pvt_strv_free(&s->fixed);
	if (pvt_store_persist(ctx, s, &e) < 0) {
		pvt_report_add(rep, NULL, NULL, NULL, PVT_STORE_FILE, NULL, NULL, PVT_ST_FAILED,
			       e.msg);
		failed++;
	}
	return failed;
}

void pvt_engine_forget_device(const struct pvt_ctx *ctx, struct pvt_store *s,
			      const char *device)
{
	for (size_t i = 0; i < s->n;) {
		if (s->e[i].device && strcmp(s->e[i].device, device) == 0)
			pvt_store_remove(s, i);
		else
			i++;
	}
	pvt_store_persist(ctx, s, NULL);
}
