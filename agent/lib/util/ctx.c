/* SPDX-License-Identifier: GPL-2.0-only */
/* ctx.c: the root prefix and profile directories. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "util/ctx.h"

void pvt_ctx_init(struct pvt_ctx *ctx, const char *root)
{
	if (!root)
		root = secure_getenv("PVTUNE_ROOT");
	if (!root || !*root)
		root = "/";
	ctx->root = pvt_xstrdup(root);
	ctx->profile_dirs = (struct pvt_strv){0};
	ctx->writers = 0;
	ctx->host_mode = false;
	pvt_strv_push(&ctx->profile_dirs, PVT_ETC_PROFILES);
	pvt_strv_push(&ctx->profile_dirs, PVT_LIB_PROFILES);
}

void pvt_ctx_free(struct pvt_ctx *ctx)
{
	free(ctx->root);
	ctx->root = NULL;
	pvt_strv_free(&ctx->profile_dirs);
}
