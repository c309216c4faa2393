/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tuners.c: what a running tuned or irqbalance will undo (see tuners.h).
 * tuned's sections are read for what they set: [sysctl] keys, [vm] keys
 * ("N%" of dirty_bytes is dirty_ratio), [disk] elevator and readahead for
 * the disks of its devices=, [sysfs] path globs, and any [irq] or
 * [scheduler] with isolated_cores= (both move interrupts).
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/tuners.h"
#include "profile/load.h"
#include "profile/match.h"
#include "sys/procs.h"
#include "units/registry.h"
#include "util/util.h"

static void warn(struct pvt_report *rep, const struct pvt_item *it, const char *note)
{
	char *exp = pvt_xasprintf("%s%s", it->op == PVT_OP_SET ? "" : (it->op == PVT_OP_GT ? ">" : "<"),
				  it->value);

	pvt_report_add(rep, it->unit, it->device, it->key, it->path, exp, NULL, PVT_ST_WARN, note);
	free(exp);
}

/* The option of tuned's profile @t that sets @it's node, or NULL. */
static const struct pvt_option *tuned_sets(const struct pvt_profile *t, const struct pvt_item *it,
					   const struct pvt_section **sec)
{
	for (size_t i = 0; i < t->nsec; i++) {
		const struct pvt_section *s = &t->sec[i];
		const char *type = pvt_section_get(s, "type");
		char base[32];

		snprintf(base, sizeof(base), "%.*s", (int)strcspn(type ? type : s->name, "."),
			 type ? type : s->name);
		*sec = s;
		for (size_t k = 0; k < s->nopt; k++) {
			const struct pvt_option *o = &s->opt[k];
			char *path = NULL, *vmkey = NULL;
			bool hit = false;

			if (!strcmp(base, "sysctl")) {
				path = pvt_sysctl_path(o->key);
			} else if (!strcmp(base, "vm")) {
				size_t n = strlen(o->value);

				/* tuned: dirty_bytes=40% sets dirty_ratio */
				if (n && o->value[n - 1] == '%' && strstr(o->key, "_bytes"))
					vmkey = pvt_xasprintf("%.*sratio", (int)(strstr(o->key, "bytes") - o->key),
							      o->key);
				if (pvt_vm_path(vmkey ? vmkey : o->key))
					path = pvt_xstrdup(pvt_vm_path(vmkey ? vmkey : o->key));
			} else if (!strcmp(base, "sysfs")) {
				hit = fnmatch(o->key, it->path, FNM_PATHNAME) == 0;
			} else if (!strcmp(base, "disk") && it->device && !strcmp(it->unit, "disk") &&
				   ((!strcmp(o->key, "elevator") && !strcmp(it->key, "elevator")) ||
				    (!strcmp(o->key, "readahead") && !strcmp(it->key, "readahead")))) {
				hit = pvt_devices_match(pvt_section_get(s, "devices"), it->device);
			} else if (!strcmp(it->unit, "irq") && (!strcmp(base, "irq") ||
				   (!strcmp(base, "scheduler") && !strcmp(o->key, "isolated_cores")))) {
				hit = true;
			}
			if (path)
				hit = strcmp(path, it->path) == 0;
			free(path);
			free(vmkey);
			if (hit)
				return o;
		}
	}
	return NULL;
}

/* tuned's functions are tuned's to run: what they give stands as "${f:NAME}" */
static int unrun(void *ud, const char *name, const struct pvt_strv *args, char **out,
		 struct pvt_err *e)
{
	(void)ud, (void)args, (void)e;
	*out = pvt_xasprintf("${f:%s}", name);
	return 0;
}

static void tuned(const struct pvt_ctx *ctx, pid_t pid, const struct pvt_plan *plan,
		  struct pvt_report *rep)
{
	const struct pvt_funcs f = { .call = unrun };
	struct pvt_ctx tctx = *ctx;
	struct pvt_profile t;
	struct pvt_errs errs = {0};
	char *names = NULL;

	if (pvt_read_file(ctx->root, "/etc/tuned/active_profile", &names, NULL) < 0 ||
	    !*pvt_strip(names)) {
		free(names);
		return;	/* running without a profile: it sets nothing */
	}
	tctx.profile_dirs = (struct pvt_strv){0};
	pvt_strv_split(&tctx.profile_dirs, PVT_TUNED_DIRS, " ");
	/* what it sets, as far as it reads; its own functions are not run */
	pvt_profile_read_all(&tctx, pvt_strip(names), &f, &t, &errs);
	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];
		const struct pvt_section *s;
		const struct pvt_option *o;
		char *note;

		if (!it->path || it->info || it->check || !(o = tuned_sets(&t, it, &s)))
			continue;
		note = pvt_xasprintf("tuned (pid %d, profile %s) sets this too and will undo it: %s:%d: [%s] %s=%s; stop it ('systemctl disable --now tuned') or take it out of tuned's profile",
				     (int)pid, pvt_strip(names), o->file, o->line, s->name, o->key, o->value);
		warn(rep, it, note);
		free(note);
	}
	pvt_profile_free(&t);
	pvt_errs_free(&errs);
	pvt_strv_free(&tctx.profile_dirs);
	free(names);
}

void pvt_op_other_tuners(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			 struct pvt_report *rep)
{
	pid_t pid = pvt_irqbalance_pid(ctx), tpid;

	for (size_t i = 0; pid && i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];
		char *note;

		if (strcmp(it->unit, "irq") || !it->path || it->info)
			continue;
		note = pvt_xasprintf("irqbalance (pid %d) moves interrupts and will undo this: stop it ('systemctl disable --now irqbalance') or ban this interrupt (IRQBALANCE_BANNED_INTERRUPTS)",
				     (int)pid);
		warn(rep, it, note);
		free(note);
	}
	tpid = pvt_tuned_pid(ctx);
	if (tpid)
		tuned(ctx, tpid, plan, rep);
}
