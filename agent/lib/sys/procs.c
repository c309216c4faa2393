/* SPDX-License-Identifier: GPL-2.0-only */
/* procs.c: tuned and irqbalance, by their pid file and socket (see procs.h). */
#include <stdlib.h>
#include <string.h>

#include "sys/procs.h"
#include "util/util.h"

/* @pid if it runs @comm, else 0. */
static pid_t running(const struct pvt_ctx *ctx, int64_t pid, const char *comm)
{
	char *path, *c = NULL;
	bool is;

	if (pid <= 0 || pid > 0x7fffffff)
		return 0;
	path = pvt_xasprintf("/proc/%lld/comm", (long long)pid);
	is = pvt_read_file(ctx->root, path, &c, NULL) == 0 && strcmp(c, comm) == 0;
	free(c);
	free(path);
	return is ? (pid_t)pid : 0;
}

pid_t pvt_tuned_pid(const struct pvt_ctx *ctx)
{
	char *text = NULL;
	int64_t pid = 0;

	if (pvt_read_file(ctx->root, PVT_TUNED_PID_FILE, &text, NULL) == 0)
		pvt_parse_i64(text, &pid);
	free(text);
	return running(ctx, pid, "tuned");
}

pid_t pvt_irqbalance_pid(const struct pvt_ctx *ctx)
{
	struct pvt_strv names = {0};
	pid_t found = 0;

	pvt_list_dir(ctx->root, PVT_IRQBALANCE_DIR, &names, NULL);
	for (size_t i = 0; i < names.n && !found; i++) {
		const char *n = names.v[i];
		size_t len = strlen(n);
		int64_t pid;
		char *num;

		if (strncmp(n, "irqbalance", 10) || len <= 15 || strcmp(n + len - 5, ".sock"))
			continue;
		num = pvt_xasprintf("%.*s", (int)(len - 15), n + 10);
		if (pvt_parse_i64(num, &pid))
			found = running(ctx, pid, "irqbalance");
		free(num);
	}
	pvt_strv_free(&names);
	return found;
}
