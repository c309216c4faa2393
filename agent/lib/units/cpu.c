/* SPDX-License-Identifier: GPL-2.0-only */
/* cpu.c: [cpu]: x2apic=require|prefer|ignore, a check; nothing is written. */
#include <stdlib.h>
#include <string.h>

#include "sys/x2apic.h"
#include "units/unit.h"

static int cpu_check(const char *key, const char *value, enum pvt_op op, struct pvt_err *e)
{
	int r;

	if (strcmp(key, "x2apic") != 0)
		return pvt_errf(e, "unknown key '%s' in [cpu] (known: %s)", key, pvt_unit_cpu.keys);
	r = pvt_check_no_modifier(key, op, e);
	if (r < 0)
		return r;
	if (strcmp(value, "require") && strcmp(value, "prefer") && strcmp(value, "ignore"))
		return pvt_errf(e, "bad value '%s' for x2apic (accepted: require prefer ignore)",
				value);
	return 0;
}

static bool x2apic_item(const struct pvt_ctx *ctx, const struct pvt_item *it, char **actual)
{
	(void)it;
	return pvt_x2apic_enabled(ctx, actual);
}

static int cpu_plan(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		    const char *only, struct pvt_plan *plan, struct pvt_errs *e)
{
	const struct pvt_option *o = pvt_section_option(sec, "x2apic");
	struct pvt_item it = { .unit = "cpu", .key = "x2apic", .value = "enabled",
			       .check = x2apic_item };

	(void)ctx, (void)only, (void)e;
	if (!o || strcmp(o->value, "ignore") == 0)
		return 0;
	it.soft = strcmp(o->value, "prefer") == 0;
	it.origin = pvt_opt_origin(o);
	pvt_plan_add(plan, &it);
	free(it.origin);
	return 0;
}

const struct pvt_unit pvt_unit_cpu = {
	.name = "cpu",
	.keys = "x2apic",
	.check = cpu_check,
	.plan = cpu_plan,
};
