/* SPDX-License-Identifier: GPL-2.0-only */
/* match.h: tuned-style device lists: globs, "!" negation. */
#ifndef PVT_MATCH_H
#define PVT_MATCH_H

#include <stdbool.h>

/*
 * @spec is a comma/blank separated list of shell globs; a glob starting with
 * "!" excludes. A name matches when it matches a positive glob (or there is
 * none) and no negative one. A NULL or empty @spec matches everything.
 */
bool pvt_devices_match(const char *spec, const char *name);
/* True if any glob of the blank/comma separated list @globs matches @name. */
bool pvt_glob_any(const char *globs, const char *name);

#endif
