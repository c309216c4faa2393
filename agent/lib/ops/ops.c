/* ops.c: the tuned-adm operations over the engine. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/ops.h"
#include "sys/cpuinfo.h"
#include "units/check.h"
#include "util/util.h"

char *pvt_active_get(const struct pvt_ctx *ctx)
{
	char *name = NULL;

	if (pvt_read_file(ctx->root, PVT_ACTIVE_FILE, &name, NULL) < 0)
		return NULL;
	if (!*pvt_strip(name) || pvt_profile_name_check(pvt_strip(name), NULL) < 0) {
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

/*
 * Hold the store's lock and read the store afresh into @s: pvtuned and
 * pvtune-adm --no-daemon (several at once) may each have changed it. A
 * corrupt store moved aside is a warning item in @rep. Returns the lock's fd.
 */
static int begin(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
		 struct pvt_err *e)
{
	struct pvt_store fresh;
	struct pvt_err w;
	int fd = pvt_store_lock(ctx, e), r;

	if (fd < 0)
		return fd;
	r = pvt_store_load(ctx, &fresh, &w);
	if (r < 0) {
		pvt_store_unlock(fd);
		return pvt_fail(e, -r, "%s", w.msg);
	}
	if (r > 0 && rep)
		pvt_report_add(rep, "store", NULL, NULL, PVT_STORE_FILE, NULL, NULL, PVT_ST_WARN,
			       w.msg);
	pvt_store_free(s);
	*s = fresh;
	return fd;
}

static int load_and_plan(const struct pvt_ctx *ctx, const char *name, const char *disk,
			 struct pvt_plan *plan, struct pvt_err *e)
{
	struct pvt_profile p;
	int r;

	r = pvt_profile_load(ctx, name, &p, e);
	if (r < 0)
		return r;
	r = pvt_engine_plan(ctx, &p, disk, plan, e);
	pvt_profile_free(&p);
	return r;
}

int pvt_op_profile(const struct pvt_ctx *ctx, struct pvt_store *s, const char *name,
		   struct pvt_report *rep, struct pvt_err *e)
{
	struct pvt_plan plan = {0};
	size_t failed;
	int r, lock;

	r = load_and_plan(ctx, name, NULL, &plan, e);
	if (r < 0)
		return r;
	r = pvt_engine_precheck(ctx, &plan, e);
	if (r < 0 || (r = lock = begin(ctx, s, rep, e)) < 0) {
		pvt_plan_free(&plan);
		return r;
	}
	failed = pvt_engine_rollback(ctx, s, NULL, NULL, rep);
	failed += pvt_engine_apply(ctx, s, &plan, rep);
	pvt_plan_free(&plan);
	r = pvt_active_set(ctx, name, e);
	pvt_store_unlock(lock);
	if (r < 0)
		return r;
	return failed ? 1 : 0;
}

int pvt_op_off(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
	       struct pvt_err *e)
{
	int lock = begin(ctx, s, rep, e), r;
	size_t failed;

	if (lock < 0)
		return lock;
	failed = pvt_engine_rollback(ctx, s, NULL, NULL, rep);
	r = pvt_active_set(ctx, NULL, e);
	pvt_store_unlock(lock);
	if (r < 0)
		return r;
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
	char *name = pvt_active_get(ctx);
	struct pvt_plan plan = {0};
	size_t bad;
	int r;

	if (!name)
		return pvt_fail(e, ENOENT, "no profile is active");
	r = load_and_plan(ctx, name, NULL, &plan, e);
	free(name);
	if (r < 0)
		return r;
	bad = pvt_engine_verify(ctx, s, &plan, rep);
	pvt_plan_free(&plan);
	return bad ? 1 : 0;
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int pvt_op_disk_added(const struct pvt_ctx *ctx, struct pvt_store *s, const char *disk,
		      struct pvt_report *rep, struct pvt_op_times *t, struct pvt_err *e)
{
	uint64_t t0 = mono_usec(), t1, t2;
	char *name = pvt_active_get(ctx);
	struct pvt_plan plan = {0};
	struct pvt_op_times dummy;
	int r, lock;

	if (!t)
		t = &dummy;
	*t = (struct pvt_op_times){0};
	if (!name)
		return 0;
	r = load_and_plan(ctx, name, disk, &plan, e);
	if (r >= 0)
		r = pvt_engine_precheck(ctx, &plan, e);
	t1 = mono_usec();
	t->plan = t1 - t0;
	if (r >= 0 && (r = lock = begin(ctx, s, rep, e)) >= 0) {
		t2 = mono_usec();
		t->lock = t2 - t1;
		r = pvt_engine_apply(ctx, s, &plan, rep) ? 1 : 0;
		pvt_store_unlock(lock);
		t->apply = mono_usec() - t2;
	}
	pvt_plan_free(&plan);
	free(name);
	return r;
}

char *pvt_op_recommend(const struct pvt_ctx *ctx)
{
	if (pvt_cpuinfo_flag(ctx, "hypervisor"))
		return pvt_xstrdup("pvblk-guest");
	if (pvt_exists(ctx->root, "/dev/kvm"))
		return pvt_xstrdup("pvblk-host");
	return pvt_xstrdup("off");
}
