/* SPDX-License-Identifier: GPL-2.0-only */
/* tunable.c: writing the kernel's tunables, and nothing else (see tunable.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/tunable.h"
#include "util/util.h"

static const char *const tops[] = { "/sys/", "/proc/sys/", "/proc/irq/" };

/* The length of @path's tree top ("/sys/": 5), or 0 if none. */
static size_t top_len(const char *path)
{
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
		if (strncmp(path, tops[i], strlen(tops[i])) == 0)
			return strlen(tops[i]);
	return 0;
}

bool pvt_tunable_path_ok(const char *path)
{
	size_t t = top_len(path);
	const char *p;

	if (!t || !path[t])
		return false;
	for (p = path + t - 1; *p; p++) {
		/* at each '/': the component after it */
		if (*p != '/')
			continue;
		if (p[1] == '/' || p[1] == '\0' || (p[1] == '.' && (p[2] == '/' || p[2] == '\0')) ||
		    (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0')))
			return false;
	}
	return true;
}

static int open_beneath(int dfd, const char *rest, const char *top)
{
	struct open_how how = {
		.flags = O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	char *real, *full;
	int fd;

#ifdef SYS_openat2
	/*
	 * EAGAIN: a rename or mount anywhere in the system while the walk
	 * went through a ".." (the /sys/block/NAME link leads up and back
	 * down), so the kernel could not vouch for RESOLVE_BENEATH: retry, as
	 * openat2(2) says (seen in the agent bench: restoring read_ahead_kb
	 * failed while udev and the journal renamed their files)
	 */
	for (int tries = 0; tries < 16; tries++) {
		fd = (int)syscall(SYS_openat2, dfd, rest, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd >= 0 || errno != ENOSYS)
		return fd;
#endif
	/* no openat2: the path resolved must still be within the tree */
	full = pvt_xasprintf("%s/%s", top, rest);
	real = realpath(full, NULL);
	free(full);
	if (!real)
		return -1;
	if (strncmp(real, top, strlen(top)) != 0 || real[strlen(top)] != '/') {
		free(real);
		errno = EXDEV;
		return -1;
	}
	fd = open(real, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	free(real);
	return fd;
}

int pvt_write_tunable(const char *root, const char *path, const char *value, struct pvt_err *e)
{
	size_t t = top_len(path), len = strlen(value);
	char *topl, *top;
	int dfd, fd, err;
	ssize_t w;

	if (!pvt_tunable_path_ok(path))
		return pvt_fail(e, EPERM, "%s: not a kernel tunable (only under /sys/, /proc/sys/, /proc/irq/): not written",
				path);
	topl = pvt_xasprintf("%.*s", (int)(t - 1), path);	/* "/sys" */
	top = pvt_rooted(root, topl);
	free(topl);
	dfd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		err = errno;
		free(top);
		return pvt_fail(e, err, "cannot open %s for writing: %s", path, strerror(err));
	}
	fd = open_beneath(dfd, path + t, top);
	err = errno;
	close(dfd);
	free(top);
	if (fd < 0)
		return pvt_fail(e, err, "cannot open %s for writing: %s%s", path, strerror(err),
				err == EXDEV || err == ELOOP ? " (a link out of the tree, not followed)" : "");
	w = write(fd, value, len);
	if (w < 0 || (size_t)w != len) {
		err = w < 0 ? errno : EIO;
		close(fd);
		return pvt_fail(e, err, "cannot write '%s' to %s: %s", value, path, strerror(err));
	}
	if (close(fd) < 0) {
		err = errno;
		return pvt_fail(e, err, "cannot write '%s' to %s: %s", value, path, strerror(err));
	}
	return 0;
}
