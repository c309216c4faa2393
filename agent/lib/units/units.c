/* units.c: the unit registry, plan vectors and helpers shared by units. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "profile/match.h"
#include "units/unit.h"
#include "util/util.h"

static const struct pvt_unit *const units[] = {
	&pvt_unit_disk, &pvt_unit_pvblk, &pvt_unit_irq,
	&pvt_unit_sysctl, &pvt_unit_vm, &pvt_unit_cpu, &pvt_unit_qemu,
};

const struct pvt_unit *pvt_unit_find(const char *section)
{
	size_t len = strcspn(section, ".");

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i]->name) == len && strncmp(units[i]->name, section, len) == 0)
			return units[i];
	return NULL;
}

const char *pvt_unit_names(void)
{
	return "disk pvblk irq sysctl vm cpu qemu";
}

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
	it->value = pvt_xstrdup(t->value);
	it->origin = pvt_xstrdup(t->origin);
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
	}
	free(p->it);
	p->it = NULL;
	p->n = 0;
}

int pvt_check_int(const char *key, const char *value, int64_t min, int64_t max,
		  struct pvt_err *e)
{
	int64_t v;

	if (!pvt_parse_i64(value, &v) || v < min || v > max) {
		if (max == INT64_MAX)
			return pvt_errf(e, "bad value '%s' for %s (expected an integer >= %" PRId64 ")",
					value, key, min);
		if (max - min == 1)
			return pvt_errf(e, "bad value '%s' for %s (expected %" PRId64 " or %" PRId64 ")",
					value, key, min, max);
		return pvt_errf(e, "bad value '%s' for %s (expected an integer from %" PRId64
				" to %" PRId64 ")", value, key, min, max);
	}
	return 0;
}

int pvt_check_no_modifier(const char *key, enum pvt_op op, struct pvt_err *e)
{
	if (op != PVT_OP_SET)
		return pvt_errf(e, "%s takes no '>' or '<' modifier (only numeric keys do)", key);
	return 0;
}

void pvt_disks_select(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		      const char *only, struct pvt_strv *out)
{
	struct pvt_strv all = {0};
	const char *spec = pvt_section_get(sec, "devices");

	pvt_list_dir(ctx->root, "/sys/block", &all, NULL);
	for (size_t i = 0; i < all.n; i++) {
		const char *d = all.v[i];

		if (only && strcmp(only, d) != 0)
			continue;
		if (!spec) {
			/* default: disks backed by a device, not removable */
			char *dev = pvt_xasprintf("/sys/block/%s/device", d);
			char *rem = pvt_xasprintf("/sys/block/%s/removable", d);
			char *r = NULL;
			bool take = pvt_exists(ctx->root, dev);

			if (take && pvt_read_file(ctx->root, rem, &r, NULL) == 0 && strcmp(r, "1") == 0)
				take = false;
			free(r);
			free(dev);
			free(rem);
			if (!take)
				continue;
		} else if (!pvt_devices_match(spec, d)) {
			continue;
		}
		pvt_strv_push(out, d);
	}
	pvt_strv_free(&all);
}
