/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sysctl.c: [sysctl] (any key, "a.b.c" or "a/b/c", under /proc/sys) and
 * [vm] (named memory-management settings).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "units/unit.h"
#include "util/util.h"

static bool is_int(const char *v)
{
	int64_t x;

	return pvt_parse_i64(v, &x);
}

static int sysctl_check(const char *key, const char *value, enum pvt_op op, struct pvt_err *e)
{
	if (strstr(key, "..") || key[0] == '.' || key[0] == '/')
		return pvt_errf(e, "bad sysctl name '%s'", key);
	for (const char *c = key; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-/", *c))
			return pvt_errf(e, "bad sysctl name '%s'", key);
	if (!*value)
		return pvt_errf(e, "empty value for sysctl %s", key);
	if (op != PVT_OP_SET && !is_int(value))
		return pvt_errf(e, "'%c' needs an integer value, not '%s'", op, value);
	return 0;
}

char *pvt_sysctl_path(const char *key)
{
	char *p = pvt_xasprintf("/proc/sys/%s", key);

	if (!strchr(key, '/'))
		for (char *c = p + strlen("/proc/sys/"); *c; c++)
			if (*c == '.')
				*c = '/';
	return p;
}

static int sysctl_plan(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		       const char *only, struct pvt_plan *plan, struct pvt_errs *errs)
{
	(void)ctx, (void)only, (void)errs;
	for (size_t i = 0; i < sec->nopt; i++) {
		const struct pvt_option *o = &sec->opt[i];
		struct pvt_item it = { .unit = "sysctl", .key = o->key };

		if (pvt_generic_key(o->key))
			continue;
		it.value = (char *)pvt_modifier_split(o->value, &it.op);
		it.cmp = is_int(it.value) ? PVT_CMP_INT : PVT_CMP_STR;
		it.path = pvt_sysctl_path(o->key);
		it.origin = pvt_opt_origin(o);
		pvt_plan_add(plan, &it);
		free(it.path);
		free(it.origin);
	}
	return 0;
}

const struct pvt_unit pvt_unit_sysctl = {
	.name = "sysctl",
	.keys = "any sysctl name",
	.check = sysctl_check,
	.plan = sysctl_plan,
};

/* ---- [vm] ---- */

struct vm_key {
	const char *key;
	const char *path;
	int64_t min, max;	/* min > max: a word from @words */
	const char *words;
};

static const struct vm_key vm_keys[] = {
	{ "dirty_ratio", "/proc/sys/vm/dirty_ratio", 0, 100, NULL },
	{ "dirty_background_ratio", "/proc/sys/vm/dirty_background_ratio", 0, 100, NULL },
	{ "dirty_bytes", "/proc/sys/vm/dirty_bytes", 0, INT64_MAX, NULL },
	{ "dirty_background_bytes", "/proc/sys/vm/dirty_background_bytes", 0, INT64_MAX, NULL },
	{ "dirty_expire_centisecs", "/proc/sys/vm/dirty_expire_centisecs", 0, INT64_MAX, NULL },
	{ "dirty_writeback_centisecs", "/proc/sys/vm/dirty_writeback_centisecs", 0, INT64_MAX, NULL },
	{ "swappiness", "/proc/sys/vm/swappiness", 0, 200, NULL },
	{ "vfs_cache_pressure", "/proc/sys/vm/vfs_cache_pressure", 0, INT64_MAX, NULL },
	{ "min_free_kbytes", "/proc/sys/vm/min_free_kbytes", 0, INT64_MAX, NULL },
	{ "transparent_hugepages", "/sys/kernel/mm/transparent_hugepage/enabled", 1, 0,
	  "always madvise never" },
};

static const struct vm_key *vm_find(const char *key)
{
	for (size_t i = 0; i < sizeof(vm_keys) / sizeof(vm_keys[0]); i++)
		if (strcmp(vm_keys[i].key, key) == 0)
			return &vm_keys[i];
	return NULL;
}

const char *pvt_vm_path(const char *key)
{
	const struct vm_key *k = vm_find(key);

	return k ? k->path : NULL;
}

static int vm_check(const char *key, const char *value, enum pvt_op op, struct pvt_err *e)
{
	const struct vm_key *k = vm_find(key);
	struct pvt_strv words = {0};
	bool ok;
	int r;

	if (!k)
		return pvt_errf(e, "unknown key '%s' in [vm] (known: %s)", key, pvt_unit_vm.keys);
	if (!strncmp(key, "dirty_", 6) && strstr(key, "_bytes") && *value &&
	    value[strlen(value) - 1] == '%')
		return pvt_errf(e, "bad value '%s' for %s: tuned's 'N%%' form is not supported (write %.*sratio=%.*s)",
				value, key, (int)(strstr(key, "bytes") - key), key,
				(int)strlen(value) - 1, value);
	if (!k->words)
		return pvt_check_int(key, value, k->min, k->max, e);
	r = pvt_check_no_modifier(key, op, e);
	if (r < 0)
		return r;
	pvt_strv_split(&words, k->words, " ");
	ok = pvt_strv_contains(&words, value);
	pvt_strv_free(&words);
	return ok ? 0 : pvt_errf(e, "bad value '%s' for %s (accepted: %s)", value, key, k->words);
}

static int vm_plan(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		   const char *only, struct pvt_plan *plan, struct pvt_errs *errs)
{
	(void)ctx, (void)only, (void)errs;
	for (size_t i = 0; i < sec->nopt; i++) {
		const struct pvt_option *o = &sec->opt[i];
		const struct vm_key *k = vm_find(o->key);
		struct pvt_item it = { .unit = "vm", .key = o->key };

		if (!k)
			continue;	/* enabled= */
		it.value = (char *)pvt_modifier_split(o->value, &it.op);
		it.cmp = k->words ? PVT_CMP_BRACKET : PVT_CMP_INT;
		it.path = (char *)k->path;
		it.origin = pvt_opt_origin(o);
		pvt_plan_add(plan, &it);
		free(it.origin);
	}
	return 0;
}

const struct pvt_unit pvt_unit_vm = {
	.name = "vm",
	.keys = "dirty_ratio dirty_background_ratio dirty_bytes dirty_background_bytes "
		"dirty_expire_centisecs dirty_writeback_centisecs swappiness "
		"vfs_cache_pressure min_free_kbytes transparent_hugepages",
	.check = vm_check,
	.plan = vm_plan,
};
