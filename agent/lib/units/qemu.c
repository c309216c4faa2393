/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qemu.c: [qemu]: host-side tuning of running VMs, done by pvtuned's
 * host mode over QMP (lib/qemu/tune/), not by the file engine: the unit checks
 * the keys when a profile loads and plans no file items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units/qemu.h"
#include "units/unit.h"

static int level(const char *key, const char *v, enum pvt_level *out, struct pvt_err *e)
{
	if (strcmp(v, "require") == 0)
		*out = PVT_LVL_REQUIRE;
	else if (strcmp(v, "prefer") == 0)
		*out = PVT_LVL_PREFER;
	else if (strcmp(v, "ignore") == 0)
		*out = PVT_LVL_IGNORE;
	else
		return pvt_errf(e, "bad value '%s' for %s (accepted: require prefer ignore)", v, key);
	return 0;
}

/* "native", "io_uring" or "native|io_uring" [":" level]: kept as text. */
static int aio_check(const char *v, struct pvt_err *e)
{
	struct pvt_strv w = {0};
	int r = 0;

	pvt_strv_split(&w, v, "|");
	if (!w.n)
		r = -1;
	for (size_t i = 0; i < w.n; i++)
		if (strcmp(w.v[i], "native") && strcmp(w.v[i], "io_uring") && strcmp(w.v[i], "threads"))
			r = -1;
	pvt_strv_free(&w);
	if (r < 0 || strlen(v) >= sizeof(((struct pvt_qemu_cfg *)0)->aio))
		return pvt_errf(e, "bad value '%s' for aio (accepted: native, io_uring, threads, or alternatives joined by '|')", v);
	return 0;
}

static int qemu_check(const char *key, const char *value, enum pvt_op op, struct pvt_err *e)
{
	struct pvt_cpuset set;
	enum pvt_level l;
	int r;

	if (strcmp(key, "poll_max_ns") == 0 || strcmp(key, "poll_grow") == 0 ||
	    strcmp(key, "poll_shrink") == 0)
		return (r = pvt_check_no_modifier(key, op, e)) < 0 ? r :
		       pvt_check_int(key, value, 0, INT32_MAX, e);
	if (strcmp(key, "iothreads_per_disk") == 0)
		return (r = pvt_check_no_modifier(key, op, e)) < 0 ? r :
		       pvt_check_int(key, value, 1, 16, e);
	r = pvt_check_no_modifier(key, op, e);
	if (r < 0)
		return r;
	if (strcmp(key, "iothread_cpus") == 0) {
		if (strcmp(value, "auto") == 0)
			return 0;
		r = pvt_cpulist_parse(value, &set, e);
		if (r < 0)
			return pvt_err_prefix(e, r, "iothread_cpus: expected a CPU list or 'auto': ");
		return 0;
	}
	if (strcmp(key, "vcpu_cpus") == 0)
		return (r = pvt_cpulist_parse(value, &set, e)) < 0 ?
		       pvt_err_prefix(e, r, "vcpu_cpus: expected a CPU list: ") : 0;
	if (strcmp(key, "cache") == 0 || strcmp(key, "x2apic") == 0 || strcmp(key, "aio_check") == 0)
		return level(key, value, &l, e);
	if (strcmp(key, "aio") == 0)
		return aio_check(value, e);
	if (strcmp(key, "live_cache_none") == 0)
		return pvt_check_int(key, value, 0, 1, e);
	return pvt_errf(e, "unknown key '%s' in [qemu] (known: %s)", key, pvt_unit_qemu.keys);
}

void pvt_qemu_cfg_init(struct pvt_qemu_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->poll_max_ns = c->poll_grow = c->poll_shrink = -1;
	c->iothreads_per_disk = 1;
}

bool pvt_qemu_cfg_any(const struct pvt_qemu_cfg *c)
{
	return c->io_set || c->vcpu_set || c->poll_max_ns >= 0 || c->poll_grow >= 0 ||
	       c->poll_shrink >= 0 || c->cache || c->x2apic || c->aio_level || c->live_cache_none;
}

int pvt_qemu_cfg_parse(const struct pvt_section *s, struct pvt_qemu_cfg *c, struct pvt_err *e)
{
	const char *v;
	int64_t n;
	int r;

	pvt_qemu_cfg_init(c);
	if (!s)
		return 0;
	if ((v = pvt_section_get(s, "iothread_cpus"))) {
		c->io_set = true;
		c->io_auto = strcmp(v, "auto") == 0;
		if (!c->io_auto && (r = pvt_cpulist_parse(v, &c->io_cpus, e)) < 0)
			return r;
	}
	if ((v = pvt_section_get(s, "vcpu_cpus"))) {
		c->vcpu_set = true;
		if ((r = pvt_cpulist_parse(v, &c->vcpu_cpus, e)) < 0)
			return r;
	}
#define NUM(k) if ((v = pvt_section_get(s, #k)) && pvt_parse_i64(v, &n)) c->k = n
	NUM(poll_max_ns);
	NUM(poll_grow);
	NUM(poll_shrink);
	NUM(iothreads_per_disk);
#undef NUM
	if ((v = pvt_section_get(s, "cache")) && (r = level("cache", v, &c->cache, e)) < 0)
		return r;
	if ((v = pvt_section_get(s, "x2apic")) && (r = level("x2apic", v, &c->x2apic, e)) < 0)
		return r;
	if ((v = pvt_section_get(s, "aio"))) {
		snprintf(c->aio, sizeof(c->aio), "%s", v);
		c->aio_level = PVT_LVL_REQUIRE;
	}
	if ((v = pvt_section_get(s, "aio_check")) &&
	    (r = level("aio_check", v, &c->aio_level, e)) < 0)
		return r;
	if (!c->aio[0])
		c->aio_level = PVT_LVL_IGNORE;
	v = pvt_section_get(s, "live_cache_none");
	c->live_cache_none = v && strcmp(v, "1") == 0;
	return 0;
}

static int qemu_plan(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		     const char *only, struct pvt_plan *plan, struct pvt_errs *e)
{
	(void)ctx, (void)sec, (void)only, (void)plan, (void)e;
	return 0;	/* applied per VM by pvtuned's host mode */
}

const struct pvt_unit pvt_unit_qemu = {
	.name = "qemu",
	.keys = "iothread_cpus vcpu_cpus poll_max_ns poll_grow poll_shrink cache aio aio_check "
		"x2apic live_cache_none iothreads_per_disk",
	.check = qemu_check,
	.plan = qemu_plan,
};
