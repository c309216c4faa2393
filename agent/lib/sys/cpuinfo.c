/* SPDX-License-Identifier: GPL-2.0-only */
/* cpuinfo.c: CPU flags from /proc/cpuinfo. */
#include <stdlib.h>
#include <string.h>

#include "sys/cpuinfo.h"

bool pvt_cpuinfo_flag(const struct pvt_ctx *ctx, const char *flag)
{
	char *text = NULL;
	const char *line;
	bool found = false;

	if (pvt_read_file(ctx->root, "/proc/cpuinfo", &text, NULL) < 0)
		return false;
	line = strncmp(text, "flags", 5) == 0 ? text : strstr(text, "\nflags");
	if (line)
		line = strchr(line, ':');
	for (const char *p = line ? line + 1 : NULL; p && *p && *p != '\n' && !found;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t\n");
		found = n && n == strlen(flag) && strncmp(p, flag, n) == 0;
		p += n;
	}
	free(text);
	return found;
}
