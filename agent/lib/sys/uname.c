/* SPDX-License-Identifier: GPL-2.0-only */
/* uname.c: the system's uname (see uname.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "sys/uname.h"
#include "util/util.h"

static char *field(const struct pvt_ctx *ctx, const char *file, const char *fallback)
{
	char *path = pvt_xasprintf("/proc/sys/kernel/%s", file), *v = NULL;

	if (pvt_read_file(ctx->root, path, &v, NULL) < 0)
		v = pvt_xstrdup(fallback);
	free(path);
	return v;
}

char *pvt_uname_string(const struct pvt_ctx *ctx)
{
	struct utsname u;
	char *f[5], *out;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	if (strcmp(ctx->root, "/") == 0)
		return pvt_xasprintf("%s %s %s %s %s", u.sysname, u.nodename, u.release, u.version,
				     u.machine);
	f[0] = field(ctx, "ostype", u.sysname);
	f[1] = field(ctx, "hostname", u.nodename);
	f[2] = field(ctx, "osrelease", u.release);
	f[3] = field(ctx, "version", u.version);
	f[4] = field(ctx, "arch", u.machine);
	out = pvt_xasprintf("%s %s %s %s %s", f[0], f[1], f[2], f[3], f[4]);
	for (int i = 0; i < 5; i++)
		free(f[i]);
	return out;
}
