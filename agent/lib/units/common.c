/* SPDX-License-Identifier: GPL-2.0-only */
/* common.c: helpers shared by the units: value checks, the disks a section selects. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "profile/match.h"
#include "units/unit.h"
#include "util/util.h"

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

bool pvt_generic_key(const char *key)
{
	static const char *const keys[] = {
		"devices", "enabled", "type", "uname_regex", "cpuinfo_regex",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

int pvt_plan_error(struct pvt_errs *errs, int r, struct pvt_err *e, const struct pvt_section *s,
		   const struct pvt_option *o)
{
	pvt_opt_err(e, r, s, o);
	pvt_errs_add(errs, r, e);
	return 1;
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

void pvt_plan_no_disk(struct pvt_plan *plan, const struct pvt_section *sec, const char *only,
		      const char *what)
{
	const struct pvt_option *o = pvt_section_option(sec, "devices");
	struct pvt_item it = { .key = "devices" };

	if (only || !o)
		return;
	it.unit = sec->name;
	it.value = o->value;
	it.origin = pvt_opt_origin(o);
	it.info = pvt_xasprintf("devices=%s matches no %s present", o->value, what);
	pvt_plan_add(plan, &it);
	free(it.origin);
	free(it.info);
}
