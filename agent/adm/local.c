/* SPDX-License-Identifier: GPL-2.0-only */
/* local.c: pvtune-adm --no-daemon: the operations done in-process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm.h"
#include "ops/ops.h"
#include "units/check.h"

struct local {
	struct pvt_ctx ctx;
	struct pvt_store store;
};

static int l_list(void *h, struct pvt_strv *names, struct pvt_strv *summaries,
		  struct pvt_err *e)
{
	struct local *l = h;
	struct pvt_strv all = {0};

	(void)e;
	pvt_profile_list(&l->ctx, &all);
	for (size_t i = 0; i < all.n; i++) {
		char *sum = pvt_op_list_summary(&l->ctx, all.v[i]);

		pvt_strv_push(names, all.v[i]);
		pvt_strv_push(summaries, sum);
		free(sum);
	}
	pvt_strv_free(&all);
	return 0;
}

static int l_active(void *h, char **name, struct pvt_err *e)
{
	(void)e;
	*name = pvt_active_get(&((struct local *)h)->ctx);
	return 0;
}

static int l_mode(void *h, char **mode, struct pvt_err *e)
{
	(void)e;
	*mode = pvt_xstrdup(pvt_mode_auto(&((struct local *)h)->ctx) ? "auto" : "manual");
	return 0;
}

static int l_profile(void *h, const char *names, struct pvt_report *rep, struct pvt_err *e)
{
	struct local *l = h;

	return pvt_op_profile(&l->ctx, &l->store, names, rep, e);
}

static int l_auto_profile(void *h, struct pvt_report *rep, struct pvt_err *e)
{
	struct local *l = h;

	return pvt_op_auto_profile(&l->ctx, &l->store, rep, e);
}

static int l_off(void *h, struct pvt_report *rep, struct pvt_err *e)
{
	struct local *l = h;

	return pvt_op_off(&l->ctx, &l->store, rep, e);
}

static int l_verify(void *h, struct pvt_report *rep, struct pvt_err *e)
{
	struct local *l = h;

	return pvt_op_verify(&l->ctx, &l->store, rep, e);
}

static int l_recommend(void *h, char **name, struct pvt_err *e)
{
	return pvt_op_recommend(&((struct local *)h)->ctx, name, e);
}

static int l_info(void *h, const char *name, struct adm_info *info, struct pvt_err *e)
{
	struct local *l = h;
	struct pvt_profile p;
	int r = pvt_profile_load(&l->ctx, name, &p, e);

	if (r < 0)
		return r;
	info->name = pvt_xstrdup(p.name);
	info->summary = pvt_xstrdup(p.summary);
	info->description = pvt_xstrdup(p.description);
	for (size_t i = 0; i < p.chain.n; i++)
		pvt_strv_push(&info->chain, p.chain.v[i]);
	for (size_t i = 0; i < p.files.n; i++)
		pvt_strv_push(&info->files, p.files.v[i]);
	for (size_t i = 0; i < p.nsec; i++)
		for (size_t k = 0; k < p.sec[i].nopt; k++) {
			info->opt = pvt_xrealloc(info->opt, (info->nopt + 1) * sizeof(*info->opt));
			info->opt[info->nopt++] = (struct adm_option){
				.section = pvt_xstrdup(p.sec[i].name),
				.key = pvt_xstrdup(p.sec[i].opt[k].key),
				.value = pvt_xstrdup(p.sec[i].opt[k].value),
			};
		}
	pvt_profile_free(&p);
	return 0;
}

static void l_close(void *h)
{
	struct local *l = h;

	pvt_store_free(&l->store);
	pvt_ctx_free(&l->ctx);
	free(l);
}

static const struct adm_backend local_ops = {
	.list = l_list, .active = l_active, .mode = l_mode, .profile = l_profile,
	.auto_profile = l_auto_profile, .off = l_off, .verify = l_verify,
	.recommend = l_recommend, .info = l_info, .close = l_close,
};

void *adm_local_open(const char *root, const struct adm_backend **ops, int *r, struct pvt_err *e)
{
	struct local *l = pvt_xcalloc(1, sizeof(*l));

	pvt_ctx_init(&l->ctx, root);
	/* read again, under the store's lock, by each operation that changes it */
	*r = pvt_store_load(&l->ctx, &l->store, e);
	if (*r > 0)
		fprintf(stderr, "pvtune-adm: warning: %s\n", e->msg);	/* moved aside */
	if (*r < 0) {
		if (*r == -ENOENT)	/* a state file, not a profile */
			*r = -EIO;
		pvt_ctx_free(&l->ctx);
		free(l);
		return NULL;
	}
	*ops = &local_ops;
	return l;
}

void adm_info_free(struct adm_info *info)
{
	free(info->name);
	free(info->summary);
	free(info->description);
	pvt_strv_free(&info->chain);
	pvt_strv_free(&info->files);
	for (size_t i = 0; i < info->nopt; i++) {
		free(info->opt[i].section);
		free(info->opt[i].key);
		free(info->opt[i].value);
	}
	free(info->opt);
	memset(info, 0, sizeof(*info));
}
