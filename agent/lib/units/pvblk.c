/* SPDX-License-Identifier: GPL-2.0-only */
/* pvblk.c: [pvblk]: the driver's tunables, /sys/block/<disk>/pvblk/<name>. */
#include <stdlib.h>
#include <string.h>

#include "units/unit.h"
#include "util/util.h"

struct tunable {
	const char *key;
	int64_t min, max;
};

/* the driver's own limits (driver/pvblk.h: PVBLK_*_LIMIT; it refuses the rest) */
static const struct tunable tunables[] = {
	{ "poll_max_usecs", 0, 1000 },
	{ "irq_moderation", 0, 1 },
	{ "irq_moderation_usecs", 1, 1000 },
	{ "batch_kicks", 0, 1 },
};

static int pvblk_check(const char *key, const char *value, enum pvt_op op, struct pvt_err *e)
{
	(void)op;
	for (size_t i = 0; i < sizeof(tunables) / sizeof(tunables[0]); i++)
		if (strcmp(tunables[i].key, key) == 0)
			return pvt_check_int(key, value, tunables[i].min, tunables[i].max, e);
	return pvt_errf(e, "unknown pvblk tunable '%s' (known: devices enabled %s)", key,
			pvt_unit_pvblk.keys);
}

static int pvblk_plan(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		      const char *only, struct pvt_plan *plan, struct pvt_errs *errs)
{
	struct pvt_strv disks = {0};
	size_t npvblk = 0;

	(void)errs;
	pvt_disks_select(ctx, sec, only, &disks);
	for (size_t d = 0; d < disks.n; d++) {
		char *dir = pvt_xasprintf("/sys/block/%s/pvblk", disks.v[d]);
		bool is_pvblk = pvt_is_dir(ctx->root, dir);

		free(dir);
		if (!is_pvblk)
			continue;	/* only disks driven by pvblk */
		npvblk++;
		for (size_t i = 0; i < sec->nopt; i++) {
			const struct pvt_option *o = &sec->opt[i];
			struct pvt_item it = { .unit = "pvblk", .device = disks.v[d], .key = o->key,
					       .cmp = PVT_CMP_INT };

			if (pvt_generic_key(o->key))
				continue;
			it.value = (char *)pvt_modifier_split(o->value, &it.op);
			it.path = pvt_xasprintf("/sys/block/%s/pvblk/%s", disks.v[d], o->key);
			it.origin = pvt_opt_origin(o);
			pvt_plan_add(plan, &it);
			free(it.path);
			free(it.origin);
		}
	}
	if (!npvblk)
		pvt_plan_no_disk(plan, sec, only, "pvblk disk");
	pvt_strv_free(&disks);
	return 0;
}

const struct pvt_unit pvt_unit_pvblk = {
	.name = "pvblk",
	.keys = "poll_max_usecs irq_moderation irq_moderation_usecs batch_kicks",
	.per_disk = true,
	.check = pvblk_check,
	.plan = pvblk_plan,
};
