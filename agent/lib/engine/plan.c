/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * plan.c: a profile planned for the devices present, and checked before
 * anything is written: a section whose tuned condition does not hold is
 * skipped (an n/a item says so), two items that would set the same node
 * are an error naming both options, and a node that is not a device's and
 * does not exist is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "units/env.h"
#include "units/registry.h"
#include "util/util.h"

static bool section_enabled(const struct pvt_section *s)
{
	const char *en = pvt_section_get(s, "enabled");

	return !en || (strcmp(en, "0") && strcmp(en, "false") && strcmp(en, "False"));
}

/* @o: the condition option that did not match (pvt_section_condition) */
static void skipped(struct pvt_plan *plan, const struct pvt_section *s,
		    const struct pvt_option *o, char *why)
{
	struct pvt_item it = { .unit = s->name, .section = s->name, .info = why };

	it.key = o->key;
	it.value = o->value;
	it.origin = pvt_opt_origin(o);
	pvt_plan_add(plan, &it);
	free(it.origin);
}

static int by_path(const void *a, const void *b)
{
	const struct pvt_item *x = *(const struct pvt_item *const *)a;
	const struct pvt_item *y = *(const struct pvt_item *const *)b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->origin, y->origin);
}

/* Items of two options that set the same nodes: one error per pair of options. */
static int conflicts(const struct pvt_plan *plan, struct pvt_errs *errs)
{
	const struct pvt_item **v = pvt_xcalloc(plan->n + 1, sizeof(*v));
	struct pvt_strv seen = {0};
	size_t n = 0;
	int nerr = 0;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->it[i].path && !plan->it[i].info)
			v[n++] = &plan->it[i];
	qsort(v, n, sizeof(*v), by_path);
	for (size_t i = 0; i + 1 < n; i++) {
		const struct pvt_item *a = v[i], *b = v[i + 1];
		char *pair, devs[256] = "";
		size_t count = 0;
		struct pvt_err e;

		if (strcmp(a->path, b->path) != 0)
			continue;
		pair = pvt_xasprintf("%s %s", a->origin, b->origin);
		if (pvt_strv_contains(&seen, pair)) {
			free(pair);
			continue;
		}
		pvt_strv_push(&seen, pair);
		free(pair);
		/* the devices where these two options meet */
		for (size_t j = i; j + 1 < n; j++) {
			if (strcmp(v[j]->path, v[j + 1]->path) || strcmp(v[j]->origin, a->origin) ||
			    strcmp(v[j + 1]->origin, b->origin) || !v[j]->device)
				continue;
			count++;
			if (strlen(devs) + strlen(v[j]->device) + 8 < sizeof(devs)) {
				strcat(devs, count > 1 ? " " : "");
				strcat(devs, v[j]->device);
			}
		}
		pvt_errf(&e, "%s: [%s] %s=%s and %s: [%s] %s=%s both set %s%s: keep one (to change what an included profile sets, use its section and key)",
			 a->origin, a->section, a->key, a->value, b->origin, b->section, b->key, b->value,
			 count > 1 ? "the same node of " : a->path, count > 1 ? devs : "");
		pvt_errs_add(errs, -EINVAL, &e);
		nerr++;
	}
	pvt_strv_free(&seen);
	free(v);
	return nerr;
}

/*
 * Move the late items (unit.h) after all others, each group in its order:
 * a device's writer thread takes its items in plan order, so the values
 * that cost a queue freeze (nr_requests) come after the cheap ones.
 */
static void late_last(struct pvt_plan *plan)
{
	struct pvt_item *v = pvt_xcalloc(plan->n ? plan->n : 1, sizeof(*v));
	size_t k = 0;

	for (int late = 0; late < 2; late++)
		for (size_t i = 0; i < plan->n; i++)
			if (plan->it[i].late == (bool)late)
				v[k++] = plan->it[i];
	if (plan->n)
		memcpy(plan->it, v, plan->n * sizeof(*v));
	free(v);
}

int pvt_engine_plan_all(const struct pvt_ctx *ctx, const struct pvt_profile *p, const char *disk,
			struct pvt_plan *plan, struct pvt_errs *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < p->nsec; i++) {
		const struct pvt_section *s = &p->sec[i];
		const struct pvt_unit *u = pvt_section_unit(s);
		size_t first = plan->n;
		const struct pvt_option *failed;
		char *why;

		if (strcmp(s->name, "main") == 0 || strcmp(s->name, "variables") == 0)
			continue;
		if (!u || !section_enabled(s))
			continue;
		if (disk && !u->per_disk && !u->on_hotplug)
			continue;
		if (!pvt_section_condition(ctx, s, &failed, &why)) {
			if (!disk)
				skipped(plan, s, failed, why);
			free(why);
			continue;
		}
		nerr += u->plan(ctx, s, disk, plan, errs);
		for (size_t k = first; k < plan->n; k++)
			if (!plan->it[k].section)
				plan->it[k].section = pvt_xstrdup(s->name);
	}
	late_last(plan);
	if (!disk)
		pvt_plan_env_notes(ctx, p, plan);
	return nerr + conflicts(plan, errs);
}

int pvt_engine_plan(const struct pvt_ctx *ctx, const struct pvt_profile *p, const char *disk,
		    struct pvt_plan *plan, struct pvt_err *e)
{
	struct pvt_errs errs = {0};
	int r = 0;

	if (pvt_engine_plan_all(ctx, p, disk, plan, &errs)) {
		r = pvt_errs_result(&errs, e);
		pvt_plan_free(plan);
	}
	pvt_errs_free(&errs);
	return r;
}

int pvt_engine_precheck_all(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			    struct pvt_errs *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];
		struct pvt_err e;

		/* a node a device lacks is n/a for that device (apply says so) */
		if (!it->path || it->info || it->device || pvt_exists(ctx->root, it->path))
			continue;
		pvt_fail(&e, ENOENT, "%s: [%s] %s=%s: %s does not exist (a name this kernel does not have?)",
			 it->origin, it->section ? it->section : it->unit, it->key, it->value, it->path);
		pvt_errs_add(errs, -EINVAL, &e);
		nerr++;
	}
	return nerr;
}

int pvt_engine_precheck(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			struct pvt_err *e)
{
	struct pvt_errs errs = {0};
	int r = 0;

	if (pvt_engine_precheck_all(ctx, plan, &errs))
		r = pvt_errs_result(&errs, e);
	pvt_errs_free(&errs);
	return r;
}
