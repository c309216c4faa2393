/* SPDX-License-Identifier: GPL-2.0-only */
/* disk.c: [disk]: block queue settings under /sys/block/<disk>/queue. */
#include <stdlib.h>
#include <string.h>

#include "units/unit.h"
#include "util/util.h"

static const char *const schedulers[] = { "mq-deadline", "none", "bfq", "kyber" };

struct disk_key {
	const char *key;
	const char *file;	/* under queue/ */
	int64_t min, max;	/* integer range; min > max: not an integer key */
};

static const struct disk_key keys[] = {
	{ "elevator", "scheduler", 1, 0 },
	{ "readahead", "read_ahead_kb", 0, INT64_MAX },
	{ "nr_requests", "nr_requests", 1, INT64_MAX },
	{ "rq_affinity", "rq_affinity", 0, 2 },
	{ "nomerges", "nomerges", 0, 2 },
	{ "add_random", "add_random", 0, 1 },
	{ "iostats", "iostats", 0, 1 },
	{ "max_sectors_kb", "max_sectors_kb", 1, INT64_MAX },
};

static const struct disk_key *find_key(const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].key, key) == 0)
			return &keys[i];
	return NULL;
}

static bool known_scheduler(const char *s)
{
	for (size_t i = 0; i < sizeof(schedulers) / sizeof(schedulers[0]); i++)
		if (strcmp(schedulers[i], s) == 0)
			return true;
	return false;
}

/* readahead takes KiB, or sectors with an "s" suffix. */
static bool readahead_kb(const char *v, int64_t *kb)
{
	size_t n = strlen(v);

	if (n > 1 && v[n - 1] == 's') {
		char *num = pvt_xstrdup(v);
		bool ok;

		num[n - 1] = '\0';
		ok = pvt_parse_i64(num, kb) && *kb >= 0;
		free(num);
		*kb /= 2;
		return ok;
	}
	return pvt_parse_i64(v, kb) && *kb >= 0;
}

static int disk_check(const char *key, const char *value, enum pvt_op op, struct pvt_err *e)
{
	const struct disk_key *k = find_key(key);
	int64_t kb;

	if (!k)
		return pvt_errf(e, "unknown key '%s' in [disk] (known: devices enabled %s)", key,
				pvt_unit_disk.keys);
	if (strcmp(key, "elevator") == 0) {
		struct pvt_strv alt = {0};
		int r = pvt_check_no_modifier(key, op, e);

		pvt_strv_split(&alt, value, "|");
		if (r == 0 && alt.n == 0)
			r = pvt_errf(e, "empty elevator (accepted: mq-deadline none bfq kyber)");
		for (size_t i = 0; i < alt.n && r == 0; i++)
			if (!known_scheduler(pvt_strip(alt.v[i])))
				r = pvt_errf(e, "unknown elevator '%s' (accepted: mq-deadline none bfq kyber; 'a|b' picks the first the disk offers)",
					     alt.v[i]);
		pvt_strv_free(&alt);
		return r;
	}
	if (strcmp(key, "readahead") == 0) {
		if (!readahead_kb(value, &kb))
			return pvt_errf(e, "bad value '%s' for readahead (expected KiB >= 0, or sectors with an 's' suffix)",
					value);
		return 0;
	}
	return pvt_check_int(key, value, k->min, k->max, e);
}

/* Pick the first alternative of "a|b" that the disk lists in queue/scheduler. */
static int pick_elevator(const struct pvt_ctx *ctx, const char *disk, const char *want,
			 char **out, struct pvt_err *e)
{
	char *path = pvt_xasprintf("/sys/block/%s/queue/scheduler", disk);
	char *cur = NULL;
	struct pvt_strv alt = {0}, offered = {0};
	int ret = 0;

	pvt_strv_split(&alt, want, "| \t");
	if (pvt_read_file(ctx->root, path, &cur, NULL) < 0) {
		*out = pvt_xstrdup(alt.v[0]);	/* missing: apply fails, verify says n/a */
		goto done;
	}
	pvt_strv_split(&offered, cur, " \t[]");
	*out = NULL;
	for (size_t i = 0; i < alt.n && !*out; i++)
		if (pvt_strv_contains(&offered, alt.v[i]))
			*out = pvt_xstrdup(alt.v[i]);
	if (!*out) {
		char list[256] = "";

		for (size_t i = 0; i < offered.n; i++) {
			strncat(list, i ? " " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, offered.v[i], sizeof(list) - strlen(list) - 1);
		}
		ret = pvt_errf(e, "device %s does not offer elevator '%s' (accepted: %s)", disk,
			       want, list);
	}
done:
	pvt_strv_free(&alt);
	pvt_strv_free(&offered);
	free(cur);
	free(path);
	return ret;
}

static int check_max_sectors(const struct pvt_ctx *ctx, const char *disk, const char *v,
			     struct pvt_err *e)
{
	char *path = pvt_xasprintf("/sys/block/%s/queue/max_hw_sectors_kb", disk);
	char *hw = NULL;
	int64_t lim, want;
	int ret = 0;

	if (pvt_read_file(ctx->root, path, &hw, NULL) == 0 && pvt_parse_i64(hw, &lim) &&
	    pvt_parse_i64(v, &want) && want > lim)
		ret = pvt_errf(e, "device %s accepts max_sectors_kb up to %s (its max_hw_sectors_kb)",
			       disk, hw);
	free(hw);
	free(path);
	return ret;
}

static int plan_option(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		       const struct pvt_option *o, const char *disk, struct pvt_plan *plan,
		       struct pvt_errs *errs)
{
	struct pvt_err err, *e = &err;
	const struct disk_key *k = find_key(o->key);
	struct pvt_item it = { .unit = "disk", .device = (char *)disk, .key = o->key };
	const char *v = pvt_modifier_split(o->value, &it.op);
	char *value = NULL;
	int64_t kb;
	int r;

	if (strcmp(o->key, "elevator") == 0) {
		r = pick_elevator(ctx, disk, v, &value, e);
		if (r < 0)
			return pvt_plan_error(errs, r, e, sec, o);
		it.cmp = PVT_CMP_BRACKET;
	} else if (strcmp(o->key, "readahead") == 0) {
		readahead_kb(v, &kb);
		value = pvt_xasprintf("%lld", (long long)kb);
		it.cmp = PVT_CMP_INT;
	} else {
		if (strcmp(o->key, "max_sectors_kb") == 0 &&
		    (r = check_max_sectors(ctx, disk, v, e)) < 0)
			return pvt_plan_error(errs, r, e, sec, o);
		value = pvt_xstrdup(v);
		it.cmp = PVT_CMP_INT;
	}
	it.value = value;
	it.late = strcmp(o->key, "nr_requests") == 0;
	it.path = pvt_xasprintf("/sys/block/%s/queue/%s", disk, k->file);
	it.origin = pvt_opt_origin(o);
	pvt_plan_add(plan, &it);
	free(it.path);
	free(it.origin);
	free(value);
	return 0;
}

static int disk_plan(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		     const char *only, struct pvt_plan *plan, struct pvt_errs *errs)
{
	struct pvt_strv disks = {0};
	int nerr = 0;

	pvt_disks_select(ctx, sec, only, &disks);
	if (!disks.n)
		pvt_plan_no_disk(plan, sec, only, "disk");
	for (size_t d = 0; d < disks.n; d++) {
		/*
		 * the elevator first: switching it resets nr_requests (which is
		 * late: written after the device's other items, see unit.h)
		 */
		const struct pvt_option *el = pvt_section_option(sec, "elevator");

		if (el)
			nerr += plan_option(ctx, sec, el, disks.v[d], plan, errs);
		for (size_t i = 0; i < sec->nopt; i++) {
			const struct pvt_option *o = &sec->opt[i];

			if (o == el || pvt_generic_key(o->key))
				continue;
			nerr += plan_option(ctx, sec, o, disks.v[d], plan, errs);
		}
	}
	pvt_strv_free(&disks);
	return nerr;
}

const struct pvt_unit pvt_unit_disk = {
	.name = "disk",
	.keys = "elevator readahead nr_requests rq_affinity nomerges add_random iostats max_sectors_kb",
	.per_disk = true,
	.check = disk_check,
	.plan = disk_plan,
};
