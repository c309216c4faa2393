/* SPDX-License-Identifier: GPL-2.0-only */
/* x2apic.c: x2APIC mode from cpuinfo flags, the command line and the kernel log. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/cpuinfo.h"
#include "sys/x2apic.h"

/* The whole kernel log; /dev/kmsg returns one record per read. */
static char *read_kmsg(const struct pvt_ctx *ctx)
{
	char *path = pvt_rooted(ctx->root, "/dev/kmsg");
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	size_t len = 0, cap = 65536;
	char *buf;

	free(path);
	if (fd < 0)
		return NULL;
	buf = pvt_xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (cap - len < 8192 + 1) {
			if (cap >= (64u << 20))
				break;
			cap *= 2;
			buf = pvt_xrealloc(buf, cap);
		}
		r = read(fd, buf + len, 8192);
		if (r < 0 && (errno == EPIPE || errno == EINTR))
			continue;	/* records overwritten while reading */
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static int classify(const char *line)
{
	char *l = pvt_xstrdup(line);
	int r = 0;

	for (char *c = l; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	if (strstr(l, "doesn't support x2apic") || strstr(l, "x2apic disabled") ||
	    strstr(l, "not enabling x2apic"))
		r = -1;
	else if (strstr(l, "switched apic routing to"))
		r = strstr(l, "x2apic") ? 1 : -1;
	else if (strstr(l, "x2apic enabled") || strstr(l, "x2apic: enabled"))
		r = 1;
	free(l);
	return r;
}

bool pvt_x2apic_enabled(const struct pvt_ctx *ctx, char **evidence)
{
	char *cmdline = NULL, *log, *save = NULL, *last = NULL;
	int verdict = 0;
	bool on = false;

	if (!pvt_cpuinfo_flag(ctx, "x2apic")) {
		*evidence = pvt_xstrdup("disabled: no x2apic flag in /proc/cpuinfo");
		goto out;
	}
	if (pvt_read_file(ctx->root, "/proc/cmdline", &cmdline, NULL) == 0 &&
	    strstr(cmdline, "nox2apic")) {
		*evidence = pvt_xstrdup("disabled: nox2apic on the kernel command line");
		goto out;
	}
	log = read_kmsg(ctx);
	for (char *l = log ? strtok_r(log, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		const char *msg = strchr(l, ';');
		int c = classify(msg ? msg + 1 : l);

		if (c) {
			verdict = c;
			free(last);
			last = pvt_xstrdup(msg ? msg + 1 : l);
		}
	}
	free(log);
	if (verdict > 0) {
		*evidence = pvt_xasprintf("enabled: cpu flag, kernel log '%s'", last);
		on = true;
	} else if (verdict < 0) {
		*evidence = pvt_xasprintf("disabled: kernel log '%s'", last);
	} else {
		*evidence = pvt_xstrdup("enabled: cpu flag (kernel log has no APIC mode line)");
		on = true;
	}
out:
	free(last);
	free(cmdline);
	return on;
}
