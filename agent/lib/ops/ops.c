/* ops.c: the tuned-adm operations over the engine. */
#include <stdlib.h>
#include <string.h>

#include "units/check.h"
#include "sys/cpuinfo.h"
#include "ops/ops.h"
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

static int load_and_plan(const struct pvt_ctx *ctx, const char *name, const char *disk,
			 struct pvt_plan *plan, struct pvt_err *e)
{
	struct pvt_profile p;
	int r;

	if (pvt_profile_load(ctx, name, &p, e) < 0)
		return -1;
	r = pvt_engine_plan(ctx, &p, disk, plan, e);
	pvt_profile_free(&p);
	return r;
}

int pvt_op_profile(const struct pvt_ctx *ctx, struct pvt_store *s, const char *name,
		   struct pvt_report *rep, struct pvt_err *e)
{
	struct pvt_plan plan = {0};
	size_t failed;

	if (load_and_plan(ctx, name, NULL, &plan, e) < 0)
		return -1;
	if (pvt_engine_precheck(ctx, &plan, e) < 0) {
		pvt_plan_free(&plan);
		return -1;
	}
	failed = pvt_engine_rollback(ctx, s, NULL, NULL, rep);
	failed += pvt_engine_apply(ctx, s, &plan, rep);
	pvt_plan_free(&plan);
	if (pvt_active_set(ctx, name, e) < 0)
		return -1;
	return failed ? 1 : 0;
}

int pvt_op_off(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_report *rep,
	       struct pvt_err *e)
{
	size_t failed = pvt_engine_rollback(ctx, s, NULL, NULL, rep);

	if (pvt_active_set(ctx, NULL, e) < 0)
		return -1;
	return failed ? 1 : 0;
}

int pvt_op_verify(const struct pvt_ctx *ctx, const struct pvt_store *s,
		  struct pvt_report *rep, struct pvt_err *e)
{
	char *name = pvt_active_get(ctx);
	struct pvt_plan plan = {0};
	size_t bad;

	if (!name)
		return pvt_errf(e, "no profile is active");
	if (load_and_plan(ctx, name, NULL, &plan, e) < 0) {
		free(name);
		return -1;
	}
	free(name);
	bad = pvt_engine_verify(ctx, s, &plan, rep);
	pvt_plan_free(&plan);
	return bad ? 1 : 0;
}

int pvt_op_disk_added(const struct pvt_ctx *ctx, struct pvt_store *s, const char *disk,
		      struct pvt_report *rep, struct pvt_err *e)
{
	char *name = pvt_active_get(ctx);
	struct pvt_plan plan = {0};
	int r = 0;

	if (!name)
		return 0;
	if (load_and_plan(ctx, name, disk, &plan, e) < 0 ||
	    pvt_engine_precheck(ctx, &plan, e) < 0)
		r = -1;
	else
		r = pvt_engine_apply(ctx, s, &plan, rep) ? 1 : 0;
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
