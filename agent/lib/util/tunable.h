/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tunable.h: the kernel's tunables, the only files the engine writes: under
 * /sys/, /proc/sys/ and /proc/irq/ (below the root prefix), reached without
 * leaving that tree. A path from the rollback store (a file anyone who
 * could write /run/pvtune could have forged) goes through the same check.
 */
#ifndef PVT_TUNABLE_H
#define PVT_TUNABLE_H

#include <stdbool.h>

#include "util/err.h"

/*
 * @path (logical) is under /sys/, /proc/sys/ or /proc/irq/, with no "..",
 * "." or empty component: the path names a tunable, not anything else.
 */
bool pvt_tunable_path_ok(const char *path);
/*
 * Write @value to the existing tunable @path. The tree's top (e.g. ROOT/sys)
 * is opened, then the rest resolved with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW: a symbolic link may lead only
 * within that tree (sysfs' /sys/block/vda -> ../devices/...), never out of
 * it, and the file itself is no link. Kernels before 5.6 (no openat2): the
 * resolved path must still be within the tree.
 */
int pvt_write_tunable(const char *root, const char *path, const char *value, struct pvt_err *e);

#endif
