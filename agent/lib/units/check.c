/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check.c: a profile checked against the units: [main] and [variables] are
 * the profile's own, every other section must name a unit, and each of its
 * keys and values must be one that unit accepts (devices=, enabled= and
 * tuned's type=, uname_regex=, cpuinfo_regex= are common to all). tuned's
 * keys and plugins that pvtune does not have are refused with what they
 * are, so that a profile copied from tuned is never half read.
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/load.h"
#include "units/check.h"
#include "units/functions.h"
#include "units/registry.h"
#include "util/util.h"

/* tuned's plugins (tuned 2.28), for saying what a section is that pvtune lacks. */
static const char *const tuned_plugins[] = {
	"acpi", "amd_x3d", "audio", "bluetooth", "bootloader", "cpu", "disk", "eeepc_she",
	"intel_uncore", "irq", "irqbalance", "kthread", "modules", "mounts", "net",
	"rtentsk", "scheduler", "script", "scsi_host", "selinux", "service", "sysctl",
	"sysfs", "systemd", "uncore", "usb", "video", "vm", "wireless",
};

/* tuned's keys of the plugins pvtune shares a name with, that pvtune lacks. */
static const char *const tuned_keys[][2] = {
	{ "cpu", "governor energy_perf_bias min_perf_pct max_perf_pct no_turbo force_latency "
		 "latency_low latency_high load_threshold boost pm_qos_resume_latency_us "
		 "energy_performance_preference sampling_down_factor" },
	{ "disk", "apm spindown scheduler_quantum readahead_multiply dynamic aload" },
	{ "vm", "transparent_hugepage.defrag" },
	{ "irq", "mode" },
};

static bool in_words(const char *words, const char *w)
{
	struct pvt_strv v = {0};
	bool r;

	pvt_strv_split(&v, words, " ");
	r = pvt_strv_contains(&v, w);
	pvt_strv_free(&v);
	return r;
}

static bool tuned_plugin(const char *type)
{
	for (size_t i = 0; i < sizeof(tuned_plugins) / sizeof(tuned_plugins[0]); i++)
		if (strcmp(tuned_plugins[i], type) == 0)
			return true;
	return false;
}

static bool tuned_key(const char *unit, const char *key)
{
	for (size_t i = 0; i < sizeof(tuned_keys) / sizeof(tuned_keys[0]); i++)
		if (strcmp(tuned_keys[i][0], unit) == 0)
			return in_words(tuned_keys[i][1], key);
	return false;
}

static int add(struct pvt_errs *errs, int r, struct pvt_err *e)
{
	pvt_errs_add(errs, r, e);
	return 1;
}

static int check_main(const struct pvt_section *s, struct pvt_errs *errs)
{
	struct pvt_err e;
	int n = 0;

	for (size_t i = 0; i < s->nopt; i++) {
		const struct pvt_option *o = &s->opt[i];

		if (strcmp(o->key, "summary") && strcmp(o->key, "description")) {
			pvt_errf(&e, "%s:%d: unknown key '%s' in [main] (known: include, summary, description)",
				 o->file, o->line, o->key);
			n += add(errs, -EINVAL, &e);
		}
	}
	return n;
}

/* tuned's keys of every section: supported, or refused with what they are. */
static int check_tuned_key(const struct pvt_unit *u, const struct pvt_option *o,
			   struct pvt_err *e, bool *whole)
{
	regex_t re;
	int r;

	if (strcmp(o->key, "devices") == 0) {
		if (!u->per_disk)
			return pvt_errf(e, "takes no devices= (only [disk] and [pvblk] do)");
		if (!*o->value || o->value[0] == '>' || o->value[0] == '<')
			return pvt_errf(e, "expected device names or globs");
		return 0;
	}
	if (strcmp(o->key, "enabled") == 0) {
		if (strcmp(o->value, "0") && strcmp(o->value, "1") && strcmp(o->value, "true") &&
		    strcmp(o->value, "false") && strcmp(o->value, "True") && strcmp(o->value, "False"))
			return pvt_errf(e, "bad value '%s' for enabled (expected 0 or 1, or true or false)",
					o->value);
		return 0;
	}
	if (strcmp(o->key, "type") == 0)
		return 0;	/* the unit was found by it */
	if (strcmp(o->key, "uname_regex") == 0 || strcmp(o->key, "cpuinfo_regex") == 0) {
		r = regcomp(&re, o->value, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
		if (r) {
			char why[128];

			regerror(r, &re, why, sizeof(why));
			return pvt_errf(e, "bad regular expression: %s", why);
		}
		regfree(&re);
		return 0;
	}
	if (strcmp(o->key, "priority") == 0)
		return pvt_errf(e, "tuned's priority= (the order of plugin instances) is not supported: remove it (pvtune applies sections in file order, and no two may set the same node)");
	*whole = strcmp(o->key, "devices_udev_regex") == 0 || strcmp(o->key, "script_pre") == 0 ||
		 strcmp(o->key, "script_post") == 0;
	if (strcmp(o->key, "devices_udev_regex") == 0)
		return pvt_errf(e, "tuned's devices_udev_regex= (devices chosen by udev properties) is not supported: without it the section would tune other devices, so the section must go (or choose its disks with devices=)");
	if (strcmp(o->key, "script_pre") == 0 || strcmp(o->key, "script_post") == 0)
		return pvt_errf(e, "tuned's %s= runs a script; pvtune runs none: the section must go",
				o->key);
	return 1;	/* not one of tuned's */
}

/* Each option the unit refuses is an error, and is taken out (not planned). */
static int check_unit(const struct pvt_unit *u, struct pvt_section *s, struct pvt_errs *errs)
{
	bool whole = false;
	int n = 0;

	for (size_t i = 0; i < s->nopt; i++) {
		const struct pvt_option *o = &s->opt[i];
		struct pvt_err e;
		enum pvt_op op;
		const char *v = pvt_modifier_split(o->value, &op);
		bool must_go = false;
		int r = check_tuned_key(u, o, &e, &must_go);

		if (r == 1) {
			r = u->check(o->key, v, op, &e);
			if (r < 0 && tuned_key(u->name, o->key))
				pvt_err_prefix(&e, r, "a key of tuned's %s plugin that pvtune does not have, remove it: ",
					       u->name);
		}
		whole |= must_go;
		if (r < 0) {
			pvt_opt_err(&e, r, s, o);
			n += add(errs, r, &e);
			pvt_section_unset(s, o->key);
			i--;
		}
	}
	if (whole)	/* the rest would be read in a way tuned does not mean */
		pvt_section_unset(s, NULL);
	return n;
}

int pvt_profile_check(struct pvt_profile *p, struct pvt_errs *errs)
{
	int n = 0;

	for (size_t i = 0; i < p->nsec; i++) {
		struct pvt_section *s = &p->sec[i];
		const struct pvt_option *type = pvt_section_option(s, "type");
		const char *t = type ? type->value : NULL;
		const struct pvt_unit *u;
		struct pvt_err e;
		char base[64];

		if (strcmp(s->name, "variables") == 0)
			continue;
		if (strcmp(s->name, "main") == 0) {
			n += check_main(s, errs);
			continue;
		}
		u = pvt_section_unit(s);
		if (u) {
			n += check_unit(u, s, errs);
			continue;
		}
		if (t)
			n += add(errs, -EINVAL, (pvt_errf(&e, "%s:%d: [%s] type=%s: %s; the section must go (pvtune's units: %s)",
							 type->file, type->line, s->name, t,
							 tuned_plugin(t) ? "tuned's plugin, which pvtune does not have" :
							 "no such unit", pvt_unit_names()), &e));
		else {
			snprintf(base, sizeof(base), "%.*s", (int)strcspn(s->name, "."), s->name);
			if (tuned_plugin(base))
				pvt_errf(&e, "%s:%d: [%s]: tuned's %s plugin, which pvtune does not have; the section must go (pvtune's units: %s)",
					 s->file, s->line, s->name, base, pvt_unit_names());
			else
				pvt_errf(&e, "%s:%d: unknown section [%s] (known: main variables %s)",
					 s->file, s->line, s->name, pvt_unit_names());
			n += add(errs, -EINVAL, &e);
		}
		pvt_section_unset(s, NULL);	/* refused whole: nothing of it planned */
	}
	return n;
}

int pvt_profile_load_all(const struct pvt_ctx *ctx, const char *names, bool file,
			 struct pvt_profile *p, struct pvt_errs *errs)
{
	struct pvt_funcs f = { .call = pvt_tuned_function, .ud = (void *)ctx };
	int n = file ? pvt_profile_read_file(ctx, names, &f, p, errs) :
		       pvt_profile_read_all(ctx, names, &f, p, errs);

	/* a profile that is not there has nothing to check */
	if (n && errs->code[errs->n - (size_t)n] == -ENOENT && !p->files.n)
		return n;
	return n + pvt_profile_check(p, errs);
}

int pvt_profile_load(const struct pvt_ctx *ctx, const char *names, struct pvt_profile *p,
		     struct pvt_err *e)
{
	struct pvt_errs errs = {0};
	int r;

	if (pvt_profile_load_all(ctx, names, false, p, &errs) == 0)
		return 0;
	r = pvt_errs_result(&errs, e);
	pvt_errs_free(&errs);
	pvt_profile_free(p);
	return r;
}
