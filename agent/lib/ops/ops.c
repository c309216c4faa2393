/* SPDX-License-Identifier: GPL-2.0-only */
/* ops.c: the tuned-adm operations over the engine (see ops.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/tuners.h"
#include "profile/load.h"
#include "sys/machine.h"
#include "units/check.h"
#include "util/util.h"

int pvt_names_check(const char *names, struct pvt_err *e)
{
	struct pvt_strv v = {0};
	int r = 0;

	pvt_strv_split(&v, names ? names : "", " \t\n");
	if (!v.n)
		r = pvt_errf(e, "empty profile name");
	for (size_t i = 0; i < v.n && r == 0; i++)
		r = pvt_profile_name_check(v.v[i], e);
	pvt_strv_free(&v);
	return r;
}

char *pvt_active_get(const struct pvt_ctx *ctx)
{
	char *name = NULL;

	if (pvt_read_file(ctx->root, PVT_ACTIVE_FILE, &name, NULL) < 0)
		return NULL;
	if (!*pvt_strip(name) || pvt_names_check(pvt_strip(name), NULL) < 0) {
		free(name);
		return NULL;
	}
	memmove(name, pvt_strip(name), strlen(pvt_strip(name)) + 1);
	return name;
}

int pvt_active_set(const struct pvt_ctx *ctx, const char *name, struct pvt_err *e)
{
	char *text = pvt_xasprintf("%s\n", name ? name : "");
	int r = pvt_write_atomic(ctx->root, PVT_ACTIVE_FILE, text, e);

	free(text);
	return r;
}

/* A state file that cannot be written: never "not found" (that is for profiles). */
static int state_error(int r)
{
	return r == -ENOENT ? -EIO : r;
}

/*
 * Hold the store's lock and read the store afresh into @s: pvtuned and
 * pvtune-adm --no-daemon (several at once) may each have changed it; not
 * when the file is still the one @s was read from or written to (another
 * writer would have replaced it). A corrupt store moved aside is a warning
 * item in @rep. Returns the lock's fd, or -errno (never -ENOENT: a state
 * file, not a profile).
 */
static int begin(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
		 struct pvt_err *e)
{
	struct pvt_store fresh;
	struct pvt_err w;
	int fd = pvt_store_lock(ctx, e), r;

	if (fd < 0)
		return state_error(fd);
	if (pvt_store_current(ctx, s))
		return fd;
	r = pvt_store_load(ctx, &fresh, &w);
	if (r < 0) {
		pvt_store_unlock(fd);
		return pvt_fail(e, -state_error(r), "%s", w.msg);
	}
	if (r > 0 && rep)
		pvt_report_add(rep, "store", NULL, NULL, PVT_STORE_FILE, NULL, NULL, PVT_ST_WARN,
			       w.msg);
	pvt_store_free(s);
	*s = fresh;
	return fd;
}

bool pvt_mode_auto(const struct pvt_ctx *ctx)
{
	char *mode = NULL;
	bool a = pvt_read_file(ctx->root, PVT_MODE_FILE, &mode, NULL) == 0 &&
		 strcmp(pvt_strip(mode), "auto") == 0;

	free(mode);
	return a;
}

static int mode_set(const struct pvt_ctx *ctx, bool autom, struct pvt_err *e)
{
	char *now = NULL;
	bool same = pvt_read_file(ctx->root, PVT_MODE_FILE, &now, NULL) == 0 &&
		    strcmp(now, autom ? "auto" : "manual") == 0;

	free(now);
	return same ? 0 : pvt_write_atomic(ctx->root, PVT_MODE_FILE, autom ? "auto\n" : "manual\n", e);
}

/* ---- what was applied: each file of the profile with a hash of its text ---- */

static uint64_t file_hash(const struct pvt_ctx *ctx, const char *logical)
{
	uint64_t h = 14695981039346656037ull;	/* FNV-1a */
	char *text = NULL;

	if (pvt_read_file(ctx->root, logical, &text, NULL) < 0)
		return 0;	/* gone */
	for (const char *c = text; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	free(text);
	return h;
}

static char *applied_text(const struct pvt_ctx *ctx, const struct pvt_profile *p)
{
	char *t = pvt_xasprintf("%s\n", p->name);

	for (size_t i = 0; i < p->files.n; i++) {
		char *n = pvt_xasprintf("%s%016" PRIx64 " %s\n", t,
					file_hash(ctx, p->files.v[i]), p->files.v[i]);

		free(t);
		t = n;
	}
	return t;
}

/* Remember what @p is made of; a warning in @rep if that cannot be written. */
static void applied_record(const struct pvt_ctx *ctx, const struct pvt_profile *p,
			   struct pvt_report *rep)
{
	char *text = applied_text(ctx, p);
	struct pvt_err e;

	if (pvt_write_atomic(ctx->root, PVT_APPLIED_FILE, text, &e) < 0)
		pvt_report_add(rep, "profile", NULL, "applied", PVT_APPLIED_FILE, NULL, NULL,
			       PVT_ST_WARN, e.msg);
	free(text);
}

/*
 * The files of the active profile @name that changed since it was applied
 * ("FILE, FILE"), or NULL: unchanged, or no record of it (applied before
 * this boot, or by another version).
 */
static char *applied_changes(const struct pvt_ctx *ctx, const char *name,
			     const struct pvt_profile *now)
{
	char *text = NULL, *changed = NULL, *line, *save = NULL;
	struct pvt_strv before = {0};
	bool first = true, same_name = false;

	if (pvt_read_file(ctx->root, PVT_APPLIED_FILE, &text, NULL) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		uint64_t h;

		if (first) {
			same_name = strcmp(line, name) == 0;
			first = false;
			continue;
		}
		if (!same_name || !sp)
			break;
		*sp = '\0';
		h = strtoull(line, NULL, 16);
		pvt_strv_push(&before, sp + 1);
		if (file_hash(ctx, sp + 1) != h) {
			char *n = pvt_xasprintf("%s%s%s", changed ? changed : "", changed ? ", " : "",
						sp + 1);

			free(changed);
			changed = n;
		}
	}
	/* a file the profile reads now that it did not (an include added) */
	for (size_t i = 0; same_name && now && i < now->files.n; i++) {
		if (!pvt_strv_contains(&before, now->files.v[i])) {
			char *n = pvt_xasprintf("%s%s%s (new)", changed ? changed : "",
						changed ? ", " : "", now->files.v[i]);

			free(changed);
			changed = n;
		}
	}
	pvt_strv_free(&before);
	free(text);
	return changed;
}

static int load_and_plan(const struct pvt_ctx *ctx, const char *name, const char *disk,
			 struct pvt_plan *plan, struct pvt_profile *out, struct pvt_err *e)
{
	struct pvt_profile p;
	int r;

	r = pvt_profile_load(ctx, name, &p, e);
	if (r < 0)
		return r;
	r = pvt_engine_plan(ctx, &p, disk, plan, e);
	if (r == -ENOENT)	/* a node planning could not read: the system's, not the profile */
		r = -EIO;
	if (out && r == 0)
		*out = p;
	else
		pvt_profile_free(&p);
	return r;
}

static int apply(const struct pvt_ctx *ctx, struct pvt_store *s, const char *names, bool autom,
		 struct pvt_report *rep, struct pvt_err *e)
{
	struct pvt_plan plan = {0};
	struct pvt_profile p;
	size_t failed;
	int r, lock;

	r = pvt_names_check(names, e);
	if (r < 0)
		return r;
	r = load_and_plan(ctx, names, NULL, &plan, &p, e);
	if (r < 0)
		return r;
	r = pvt_engine_precheck(ctx, &plan, e);
	if (r < 0 || (r = lock = begin(ctx, s, rep, e)) < 0) {
		pvt_plan_free(&plan);
		pvt_profile_free(&p);
		return r;
	}
	/* what the new profile sets again keeps its original and is written once */
	failed = pvt_engine_rollback_except(ctx, s, &plan, rep);
	failed += pvt_engine_apply(ctx, s, &plan, rep);
	pvt_op_other_tuners(ctx, &plan, rep);
	pvt_plan_free(&plan);
	r = pvt_active_set(ctx, p.name, e);
	if (r == 0)
		r = mode_set(ctx, autom, e);
	if (r == 0)
		applied_record(ctx, &p, rep);
	pvt_store_unlock(lock);
	pvt_profile_free(&p);
	if (r < 0)
		return state_error(r);
	return failed ? 1 : 0;
}

int pvt_op_profile(const struct pvt_ctx *ctx, struct pvt_store *s, const char *names,
		   struct pvt_report *rep, struct pvt_err *e)
{
	return apply(ctx, s, names, false, rep, e);
}

int pvt_op_auto_profile(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
			struct pvt_err *e)
{
	char *name = NULL;
	int r = pvt_op_recommend(ctx, &name, e);

	if (r < 0)
		return r;
	r = apply(ctx, s, name, true, rep, e);
	free(name);
	return r;
}

int pvt_op_off(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
	       struct pvt_err *e)
{
	int lock = begin(ctx, s, rep, e), r;
	size_t failed;
	char *rooted;

	if (lock < 0)
		return lock;
	failed = pvt_engine_rollback(ctx, s, NULL, NULL, rep);
	r = pvt_active_set(ctx, NULL, e);
	if (r == 0)
		r = mode_set(ctx, false, e);
	if (r == 0) {
		rooted = pvt_rooted(ctx->root, PVT_APPLIED_FILE);
		remove(rooted);
		free(rooted);
	}
	pvt_store_unlock(lock);
	if (r < 0)
		return state_error(r);
	return failed ? 1 : 0;
}

size_t pvt_op_restore_all(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep)
{
	struct pvt_err e;
	int lock = begin(ctx, s, rep, &e);
	size_t failed;

	if (lock < 0) {
		pvt_report_add(rep, "store", NULL, NULL, PVT_STORE_FILE, NULL, NULL, PVT_ST_FAILED,
			       e.msg);
		return 1;
	}
	failed = pvt_engine_rollback(ctx, s, NULL, NULL, rep);
	pvt_store_unlock(lock);
	return failed;
}

int pvt_op_disk_removed(const struct pvt_ctx *ctx, struct pvt_store *s, const char *disk,
			struct pvt_err *e)
{
	int lock = begin(ctx, s, NULL, e), r;

	if (lock < 0)
		return lock;
	r = pvt_engine_forget_device(ctx, s, disk, e);
	pvt_store_unlock(lock);
	return r;
}

int pvt_op_verify(const struct pvt_ctx *ctx, const struct pvt_store *s,
		  struct pvt_report *rep, struct pvt_err *e)
{
	char *name = pvt_active_get(ctx), *changed;
	struct pvt_plan plan = {0};
	struct pvt_profile p;
	size_t bad;
	int r;

	if (!name)
		return pvt_fail(e, ENOENT, "no profile is active");
	r = load_and_plan(ctx, name, NULL, &plan, &p, e);
	changed = applied_changes(ctx, name, r == 0 ? &p : NULL);
	if (r < 0) {
		if (changed) {
			char *tail = pvt_xasprintf("\n(%s changed since profile %s was applied, which the system still has: once the files load, re-apply it with 'pvtune-adm profile %s')",
						   changed, name, name);
			size_t len = strlen(e->msg);

			/* the hint replaces the end of a message too long for both */
			if (len + strlen(tail) >= sizeof(e->msg))
				len = strlen(tail) < sizeof(e->msg) ? sizeof(e->msg) - strlen(tail) - 1 : 0;
			memcpy(e->msg + len, tail, strlen(tail) < sizeof(e->msg) - len ? strlen(tail) + 1 :
			       sizeof(e->msg) - len);
			e->msg[sizeof(e->msg) - 1] = '\0';
			free(tail);
		}
		free(changed);
		free(name);
		return r;
	}
	bad = pvt_engine_verify(ctx, s, &plan, rep);
	if (changed) {
		char *note = pvt_xasprintf("changed since profile %s was applied: verify compares with the files as they are now; re-apply with 'pvtune-adm profile %s' (or 'systemctl reload pvtuned')",
					   name, name);

		pvt_report_add(rep, "profile", NULL, "files", changed, NULL, NULL, PVT_ST_WARN, note);
		free(note);
	}
	pvt_op_other_tuners(ctx, &plan, rep);
	pvt_plan_free(&plan);
	pvt_profile_free(&p);
	free(changed);
	free(name);
	return bad ? 1 : 0;
}

int pvt_op_disk_added(const struct pvt_ctx *ctx, struct pvt_store *s, const char *disk,
		      struct pvt_report *rep, struct pvt_op_times *t, struct pvt_err *e)
{
	uint64_t t0 = pvt_mono_usec(), t1, t2;
	char *name = pvt_active_get(ctx);
	struct pvt_plan plan = {0};
	struct pvt_op_times dummy;
	int r, lock;

	if (!t)
		t = &dummy;
	*t = (struct pvt_op_times){0};
	if (!name)
		return 0;
	r = load_and_plan(ctx, name, disk, &plan, NULL, e);
	if (r >= 0)
		r = pvt_engine_precheck(ctx, &plan, e);
	t1 = pvt_mono_usec();
	t->plan = t1 - t0;
	if (r >= 0 && (r = lock = begin(ctx, s, rep, e)) >= 0) {
		t2 = pvt_mono_usec();
		t->lock = t2 - t1;
		r = pvt_engine_apply_timed(ctx, s, &plan, rep, &t->originals) ? 1 : 0;
		pvt_store_unlock(lock);
		t->apply = pvt_mono_usec() - t2;
	}
	pvt_plan_free(&plan);
	free(name);
	return r;
}

int pvt_op_recommend(const struct pvt_ctx *ctx, char **name, struct pvt_err *e)
{
	const char *pick;
	struct pvt_plan plan = {0};
	int r;

	*name = NULL;
	if (pvt_machine_guest(ctx))
		pick = "pvblk-guest";
	else if (pvt_machine_host(ctx))
		pick = "pvblk-host";
	else
		return pvt_fail(e, ENOENT, "no profile fits this machine: it is not a KVM guest (no hypervisor flag in /proc/cpuinfo) nor a KVM host (no /dev/kvm)");
	/* named only if `profile` would take it */
	r = load_and_plan(ctx, pick, NULL, &plan, NULL, e);
	if (r == 0)
		r = pvt_engine_precheck(ctx, &plan, e);
	pvt_plan_free(&plan);
	if (r < 0)
		return pvt_err_prefix(e, r == -ENOENT ? -EINVAL : r,
				      "the profile for this machine, %s, cannot be applied: ", pick);
	*name = pvt_xstrdup(pick);
	return 0;
}

int pvt_op_startup(const struct pvt_ctx *ctx, struct pvt_store *s, const char *fallback,
		   char **name, struct pvt_report *rep, struct pvt_err *e)
{
	if (pvt_mode_auto(ctx)) {
		int r = pvt_op_recommend(ctx, name, e);

		return r < 0 ? r : apply(ctx, s, *name, true, rep, e);
	}
	*name = pvt_active_get(ctx);
	if (!*name && fallback)
		*name = pvt_xstrdup(fallback);
	return *name ? apply(ctx, s, *name, false, rep, e) : 0;
}

char *pvt_op_list_summary(const struct pvt_ctx *ctx, const char *name)
{
	struct pvt_profile p;
	struct pvt_err e;
	char *out, *nl;
	size_t more = 0;

	if (pvt_profile_load(ctx, name, &p, &e) == 0) {
		out = pvt_xstrdup(p.summary);
		pvt_profile_free(&p);
		return out;
	}
	nl = strchr(e.msg, '\n');
	for (char *c = nl; c; c = strchr(c + 1, '\n'))
		more++;
	if (nl)
		*nl = '\0';
	if (more)
		return pvt_xasprintf("(broken: %s; %zu more: pvtune-adm check %s)", e.msg, more, name);
	return pvt_xasprintf("(broken: %s)", e.msg);
}

int pvt_op_check(const struct pvt_ctx *ctx, const char *target, bool file, char **name,
		 struct pvt_errs *errs, struct pvt_report *notes)
{
	struct pvt_profile p;
	struct pvt_plan plan = {0};
	int n;

	*name = NULL;
	if (!file) {
		struct pvt_err e;
		int r = pvt_names_check(target, &e);

		if (r < 0)
			return pvt_errs_add(errs, r, &e), 1;
	}
	n = pvt_profile_load_all(ctx, target, file, &p, errs);
	*name = pvt_xstrdup(p.name);
	if (!p.files.n) {	/* nothing read: nothing to plan */
		pvt_profile_free(&p);
		return n;
	}
	n += pvt_engine_plan_all(ctx, &p, NULL, &plan, errs);
	n += pvt_engine_precheck_all(ctx, &plan, errs);
	for (size_t i = 0; i < plan.n; i++)
		if (plan.it[i].info)
			pvt_report_add(notes, plan.it[i].section ? plan.it[i].section : plan.it[i].unit,
				       NULL, plan.it[i].key, plan.it[i].origin, plan.it[i].value, NULL,
				       plan.it[i].warn ? PVT_ST_WARN : PVT_ST_NA, plan.it[i].info);
	pvt_plan_free(&plan);
	pvt_profile_free(&p);
	return n;
}
