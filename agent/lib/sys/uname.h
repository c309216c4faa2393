/* SPDX-License-Identifier: GPL-2.0-only */
/* uname.h: the system's uname, as tuned's uname_regex= matches it. */
#ifndef PVT_UNAME_H
#define PVT_UNAME_H

#include "util/ctx.h"

/*
 * "SYSNAME NODENAME RELEASE VERSION MACHINE" (Python's " ".join(os.uname())).
 * Under a root other than /: from its /proc/sys/kernel/{ostype,hostname,
 * osrelease,version,arch}, the machine from uname(2) when arch is missing.
 */
char *pvt_uname_string(const struct pvt_ctx *ctx);

#endif
