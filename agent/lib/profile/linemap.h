/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * linemap.h: a light pre-pass over an INI file that checks its syntax the way
 * iniparser reads it and remembers the line of every section and key, since
 * iniparser itself keeps no line numbers. Names are lower-cased, as iniparser
 * does.
 */
#ifndef PVT_LINEMAP_H
#define PVT_LINEMAP_H

#include <stddef.h>

#include "util/err.h"

/* The longest line iniparser reads (its 1024-byte buffer, less newline and NUL). */
#define PVT_INI_LINE_MAX 1022

struct pvt_linemap_entry {
	char *section;
	char *key;	/* NULL for the section header itself */
	int line;
};

struct pvt_linemap {
	struct pvt_linemap_entry *e;
	size_t n;
	/*
	 * pvt_linemap_read_all(): the physical lines to leave out (1-based,
	 * ascending) for iniparser to read the rest: each line with a syntax
	 * error, and the keys under a malformed section header.
	 */
	int *skip;
	size_t nskip;
};

/*
 * Read @path; a syntax error fails with "DISPLAY:LINE: ..." in @e.
 * @display is the name used in messages.
 */
int pvt_linemap_read(const char *path, const char *display, struct pvt_linemap *m,
		     struct pvt_err *e);
/*
 * The same, going on after a syntax error: each one is added to @syntax and
 * its lines to m->skip. Returns how many there were, or -errno (in @e) if
 * the file cannot be read (nothing kept).
 */
int pvt_linemap_read_all(const char *path, const char *display, struct pvt_linemap *m,
			 struct pvt_errs *syntax, struct pvt_err *e);
/* Line of @key in @section (0 if unknown); key NULL gives the section line. */
int pvt_linemap_line(const struct pvt_linemap *m, const char *section, const char *key);
void pvt_linemap_free(struct pvt_linemap *m);

#endif
