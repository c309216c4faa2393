/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ini.h: an INI file as this agent reads one: iniparser parses it (the
 * design's INI parser), linemap.c remembers the line of every section and
 * key (iniparser keeps none) and reports syntax errors with their line.
 * iniparser's own messages to stderr are silenced: errors come back in
 * struct pvt_err, naming the file.
 */
#ifndef PVT_INI_H
#define PVT_INI_H

#include <iniparser.h>

#include "profile/linemap.h"

struct pvt_ini {
	dictionary *d;
	struct pvt_linemap m;
};

/* Read @path (a real path, named in messages); on error nothing is kept. */
int pvt_ini_load(const char *path, struct pvt_ini *ini, struct pvt_err *e);
/*
 * The same, going on after syntax errors (linemap.h): each goes to @syntax
 * and iniparser reads the other lines. Returns how many there were, or
 * -errno (in @e) if the file cannot be read. @display names it in messages.
 */
int pvt_ini_load_all(const char *path, const char *display, struct pvt_ini *ini,
		     struct pvt_errs *syntax, struct pvt_err *e);
void pvt_ini_free(struct pvt_ini *ini);

#endif
