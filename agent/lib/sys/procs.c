/* procs.c: processes by name, from /proc/PID/comm. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sys/procs.h"
#include "util/util.h"

pid_t pvt_proc_find(const struct pvt_ctx *ctx, const char *comm)
{
	struct pvt_strv dirs = {0};
	pid_t found = 0;

	pvt_list_dir(ctx->root, "/proc", &dirs, NULL);
	for (size_t i = 0; i < dirs.n; i++) {
		const char *d = dirs.v[i];
		char *path, *c = NULL;
		long pid;

		if (!isdigit((unsigned char)d[0]))
			continue;
		pid = strtol(d, NULL, 10);
		path = pvt_xasprintf("/proc/%s/comm", d);
		if (pvt_read_file(ctx->root, path, &c, NULL) == 0 && strcmp(c, comm) == 0 &&
		    (!found || pid < found))
			found = (pid_t)pid;
		free(c);
		free(path);
	}
	pvt_strv_free(&dirs);
	return found;
}
