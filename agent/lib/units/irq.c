/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * irq.c: [irq]: affinity of interrupts matched by action name.
 *   match=virtio*-req.*   globs on the names in /proc/interrupts
 *   affinity=spread       queue N on the (N mod ncpus)-th CPU of cpus=
 *   affinity=0-1          an explicit cpulist
 *   cpus=0-3              CPUs used by spread (default: online CPUs)
 * Written to /proc/irq/N/smp_affinity_list.
 */
#include <stdlib.h>
#include <string.h>

#include "profile/match.h"
#include "sys/irqs.h"
#include "units/unit.h"
#include "util/cpulist.h"
#include "util/util.h"

#define DEFAULT_MATCH "virtio*-req.*"

static int irq_check(const char *key, const char *value, enum pvt_op op, struct pvt_err *e)
{
	struct pvt_cpuset *set;
	int r = pvt_check_no_modifier(key, op, e);

	if (r < 0)
		return r;
	if (strcmp(key, "match") == 0)
		return *value ? 0 : pvt_errf(e, "empty match (expected globs such as %s)", DEFAULT_MATCH);
	if (strcmp(key, "affinity") != 0 && strcmp(key, "cpus") != 0)
		return pvt_errf(e, "unknown key '%s' in [irq] (known: %s)", key, pvt_unit_irq.keys);
	if (strcmp(key, "affinity") == 0 && strcmp(value, "spread") == 0)
		return 0;
	set = pvt_xmalloc(sizeof(*set));
	r = pvt_cpulist_parse(value, set, e);
	if (r < 0)
		r = pvt_err_prefix(e, r, "%s: ", strcmp(key, "affinity") == 0 ?
				   "expected 'spread' or a cpulist" : "expected a cpulist");
	free(set);
	return r;
}

static int cpus_for_spread(const struct pvt_ctx *ctx, const struct pvt_section *sec,
			   struct pvt_cpuset *set, struct pvt_err *e)
{
	const char *cpus = pvt_section_get(sec, "cpus");
	char *online = NULL;
	int r;

	if (cpus)
		return pvt_cpulist_parse(cpus, set, e);
	r = pvt_read_file(ctx->root, "/sys/devices/system/cpu/online", &online, e);
	if (r < 0)
		return r;
	r = pvt_cpulist_parse(online, set, e);
	free(online);
	return r;
}

static int irq_plan(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		    const char *only, struct pvt_plan *plan, struct pvt_errs *errs)
{
	struct pvt_err err, *e = &err;
	const struct pvt_option *aff = pvt_section_option(sec, "affinity");
	const char *globs = pvt_section_get(sec, "match");
	struct pvt_cpuset *set;
	struct pvt_irqs irqs;
	int ret = 0, ordinal = 0, ncpu = 0;

	(void)only;
	if (!aff)
		return 0;	/* nothing to set */
	if (!globs)
		globs = DEFAULT_MATCH;
	set = pvt_xmalloc(sizeof(*set));
	if (strcmp(aff->value, "spread") == 0) {
		ret = cpus_for_spread(ctx, sec, set, e);
		if (ret < 0) {
			free(set);
			return pvt_plan_error(errs, ret, e, sec, aff);
		}
		ncpu = pvt_cpuset_count(set);
	}
	ret = pvt_irqs_read(ctx, &irqs, e);
	if (ret < 0) {
		free(set);
		return pvt_plan_error(errs, ret, e, sec, aff);
	}
	for (size_t i = 0; i < irqs.n; i++) {
		struct pvt_item it = { .unit = "irq", .key = "affinity", .cmp = PVT_CMP_CPULIST };
		const char *name = NULL;
		char *value;

		for (size_t a = 0; a < irqs.v[i].actions.n && !name; a++)
			if (pvt_glob_any(globs, irqs.v[i].actions.v[a]))
				name = irqs.v[i].actions.v[a];
		if (!name)
			continue;
		if (ncpu) {
			int q = pvt_irq_queue_index(name);

			value = pvt_xasprintf("%d", pvt_cpuset_nth(set, (q < 0 ? ordinal : q) % ncpu));
		} else {
			pvt_cpulist_parse(aff->value, set, NULL);
			value = pvt_cpulist_format(set);
		}
		ordinal++;
		it.device = pvt_xasprintf("irq%d:%s", irqs.v[i].irq, name);
		it.path = pvt_xasprintf("/proc/irq/%d/smp_affinity_list", irqs.v[i].irq);
		it.value = value;
		it.origin = pvt_opt_origin(aff);
		pvt_plan_add(plan, &it);
		free(it.device);
		free(it.path);
		free(it.origin);
		free(value);
	}
	pvt_irqs_free(&irqs);
	free(set);
	return ret;
}

const struct pvt_unit pvt_unit_irq = {
	.name = "irq",
	.keys = "match affinity cpus",
	.on_hotplug = true,
	.check = irq_check,
	.plan = irq_plan,
};
