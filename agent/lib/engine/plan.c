/* plan.c: a profile planned for the devices present, and checked before anything is written. */
#include <errno.h>
#include <string.h>

#include "engine/engine.h"
#include "units/registry.h"

int pvt_engine_plan(const struct pvt_ctx *ctx, const struct pvt_profile *p, const char *disk,
		    struct pvt_plan *plan, struct pvt_err *e)
{
	for (size_t i = 0; i < p->nsec; i++) {
		const struct pvt_section *s = &p->sec[i];
		const struct pvt_unit *u = pvt_unit_find(s->name);
		const char *en = pvt_section_get(s, "enabled");

		int r;

		if (!u || (en && strcmp(en, "0") == 0))
			continue;
		if (disk && !u->per_disk && !u->on_hotplug)
			continue;
		r = u->plan(ctx, s, disk, plan, e);
		if (r < 0) {
			pvt_plan_free(plan);
			return r;
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
				return pvt_fail(e, ENOENT, "%s: [pvblk] %s: device %s lacks this tunable (%s does not exist); nothing applied",
						it->origin, it->key, it->device, it->path);
			return pvt_fail(e, ENOENT, "%s: [%s] %s: %s%s%s%s does not exist; nothing applied",
					it->origin, it->unit, it->key, it->device ? "device " : "",
					it->device ? it->device : "", it->device ? ": " : "",
					it->path);
		}
	}
	return 0;
}
