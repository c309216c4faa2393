/* SPDX-License-Identifier: GPL-2.0-only */
/* match.c: tuned-style device lists: globs, "!" negation. */
#include <fnmatch.h>
#include <string.h>

#include "profile/match.h"
#include "util/util.h"

bool pvt_devices_match(const char *spec, const char *name)
{
	struct pvt_strv globs = {0};
	bool have_positive = false, positive = false, negative = false;

	if (!spec)
		return true;
	pvt_strv_split(&globs, spec, ", \t");
	for (size_t i = 0; i < globs.n; i++) {
		const char *g = globs.v[i];

		if (g[0] == '!') {
			if (fnmatch(g + 1, name, 0) == 0)
				negative = true;
		} else {
			have_positive = true;
			if (fnmatch(g, name, 0) == 0)
				positive = true;
		}
	}
	pvt_strv_free(&globs);
	return (positive || !have_positive) && !negative;
}

bool pvt_glob_any(const char *globs, const char *name)
{
	struct pvt_strv v = {0};
	bool hit = false;

	pvt_strv_split(&v, globs, ", \t");
	for (size_t i = 0; i < v.n && !hit; i++)
		hit = fnmatch(v.v[i], name, 0) == 0;
	pvt_strv_free(&v);
	return hit;
}
