/* SPDX-License-Identifier: GPL-2.0-only */
/* ini.c: an INI file read by iniparser, with linemap's lines (see ini.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "profile/ini.h"
#include "util/util.h"

static int quiet(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

int pvt_ini_load(const char *path, struct pvt_ini *ini, struct pvt_err *e)
{
	int r;

	memset(ini, 0, sizeof(*ini));
	r = pvt_linemap_read(path, path, &ini->m, e);
	if (r < 0)
		return r;
	iniparser_set_error_callback(quiet);
	ini->d = iniparser_load(path);
	if (!ini->d) {
		pvt_linemap_free(&ini->m);
		return pvt_errf(e, "%s: cannot be parsed as INI", path);
	}
	return 0;
}

/*
 * @path without the lines linemap skipped (each left empty, so that the
 * others keep their numbers), in a memory file for iniparser, which reads
 * only paths. Returns the file descriptor, or -errno.
 */
static int without_skipped(const char *path, const struct pvt_linemap *m, struct pvt_err *e)
{
	FILE *in = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, k = 0;
	int fd, lineno = 0, ret = 0;
	ssize_t len;

	if (!in)
		return pvt_fail(e, errno, "%s: cannot open: %s", path, strerror(errno));
	fd = memfd_create("pvtune-ini", MFD_CLOEXEC);
	if (fd < 0) {
		ret = pvt_fail(e, errno, "%s: cannot make a memory file: %s", path, strerror(errno));
		goto out;
	}
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		while (k < m->nskip && m->skip[k] < lineno)
			k++;
		if (k < m->nskip && m->skip[k] == lineno) {
			line[0] = '\n';
			len = 1;
		}
		if (write(fd, line, (size_t)len) != len) {
			ret = pvt_fail(e, errno ? errno : EIO, "%s: cannot copy: %s", path, strerror(errno));
			break;
		}
	}
out:
	free(line);
	fclose(in);
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		return ret;
	}
	return fd;
}

int pvt_ini_load_all(const char *path, const char *display, struct pvt_ini *ini,
		     struct pvt_errs *syntax, struct pvt_err *e)
{
	char *fdpath;
	int n, fd;

	memset(ini, 0, sizeof(*ini));
	n = pvt_linemap_read_all(path, display, &ini->m, syntax, e);
	if (n < 0)
		return n;
	iniparser_set_error_callback(quiet);
	if (!ini->m.nskip) {
		ini->d = iniparser_load(path);
	} else {
		fd = without_skipped(path, &ini->m, e);
		if (fd < 0) {
			pvt_linemap_free(&ini->m);
			return fd;
		}
		fdpath = pvt_xasprintf("/proc/self/fd/%d", fd);
		ini->d = iniparser_load(fdpath);
		free(fdpath);
		close(fd);
	}
	if (!ini->d) {
		pvt_linemap_free(&ini->m);
		return pvt_errf(e, "%s: cannot be parsed as INI", display);
	}
	return n;
}

void pvt_ini_free(struct pvt_ini *ini)
{
	if (ini->d)
		iniparser_freedict(ini->d);
	ini->d = NULL;
	pvt_linemap_free(&ini->m);
}
