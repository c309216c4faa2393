/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ctx.h: where things live. Every path the agent touches (sysfs, procfs,
 * profiles, state) is a logical absolute path resolved under @root, so tests
 * run against a fake tree.
 */
#ifndef PVT_CTX_H
#define PVT_CTX_H

#include "util/util.h"

#define PVT_STATE_DIR "/run/pvtune"
#define PVT_CONF_DIR "/etc/pvtune"
#define PVT_LIB_PROFILES "/usr/lib/pvtune/profiles"
#define PVT_ETC_PROFILES "/etc/pvtune/profiles"

struct pvt_ctx {
	char *root;			/* "/" or a directory */
	struct pvt_strv profile_dirs;	/* highest priority first */
	/*
	 * Threads that write block devices' nodes concurrently, one device
	 * per thread at a time (a device's own nodes stay in plan order):
	 * 0 is PVT_WRITERS_DEFAULT, 1 writes everything from the caller's
	 * thread.
	 */
	unsigned writers;
	/* pvtuned's host mode is on: it applies [qemu] to the VMs (else nothing does) */
	bool host_mode;
};

#define PVT_WRITERS_DEFAULT 16

/* @root NULL: $PVTUNE_ROOT, else "/". */
void pvt_ctx_init(struct pvt_ctx *ctx, const char *root);
void pvt_ctx_free(struct pvt_ctx *ctx);

#endif
