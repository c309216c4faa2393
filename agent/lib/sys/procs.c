/* procs.c: processes by name, from /proc/PID/comm. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sys/procs.h"
#include "util/util.h"

void pvt_procs_find(const struct pvt_ctx *ctx, const char *const *comms, size_t n, pid_t *pids)
{
	struct pvt_strv dirs = {0};

	memset(pids, 0, n * sizeof(*pids));
	pvt_list_dir(ctx->root, "/proc", &dirs, NULL);
	for (size_t i = 0; i < dirs.n; i++) {
		const char *d = dirs.v[i];
		char *path, *c = NULL;
		long pid;

		if (!isdigit((unsigned char)d[0]))
			continue;
		pid = strtol(d, NULL, 10);
		path = pvt_xasprintf("/proc/%s/comm", d);
		if (pvt_read_file(ctx->root, path, &c, NULL) == 0)
			for (size_t k = 0; k < n; k++)
				if (strcmp(c, comms[k]) == 0 && (!pids[k] || pid < pids[k]))
					pids[k] = (pid_t)pid;
		free(c);
		free(path);
	}
	pvt_strv_free(&dirs);
}
