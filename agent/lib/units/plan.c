/* SPDX-License-Identifier: GPL-2.0-only */
/* plan.c: plan items, what the units plan and the engine applies. */
#include <stdlib.h>

#include "units/unit.h"
#include "util/util.h"

void pvt_plan_add(struct pvt_plan *p, const struct pvt_item *t)
{
	struct pvt_item *it;

	p->it = pvt_xrealloc(p->it, (p->n + 1) * sizeof(*p->it));
	it = &p->it[p->n++];
	*it = *t;
	if (it->op != PVT_OP_GT && it->op != PVT_OP_LT)
		it->op = PVT_OP_SET;
	it->unit = pvt_xstrdup(t->unit);
	it->device = t->device ? pvt_xstrdup(t->device) : NULL;
	it->key = pvt_xstrdup(t->key);
	it->path = t->path ? pvt_xstrdup(t->path) : NULL;
	it->value = pvt_xstrdup(t->value ? t->value : "");
	it->origin = pvt_xstrdup(t->origin);
	it->info = t->info ? pvt_xstrdup(t->info) : NULL;
	it->section = t->section ? pvt_xstrdup(t->section) : NULL;
}

char *pvt_opt_origin(const struct pvt_option *o)
{
	return pvt_xasprintf("%s:%d", o->file, o->line);
}

void pvt_plan_free(struct pvt_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->it[i].unit);
		free(p->it[i].device);
		free(p->it[i].key);
		free(p->it[i].path);
		free(p->it[i].value);
		free(p->it[i].origin);
		free(p->it[i].info);
		free(p->it[i].section);
	}
	free(p->it);
	p->it = NULL;
	p->n = 0;
}
